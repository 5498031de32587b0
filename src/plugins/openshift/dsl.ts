// The `openshift` global of the OpenShift Client plugin, as its OpenShiftDSL.groovy behaves:
//
//   openshift.withCluster('prod') {                // a cluster configured on the host, a URL, or none: the pod's
//     openshift.withProject('shop') {              // --namespace
//       def dc = openshift.selector('dc', 'web')   // kind/name, kind + [label: value], a list of names
//       if (dc.exists()) dc.rollout().latest()
//       def objs = openshift.process('template-x', '-p', 'A=b'); openshift.apply(objs)
//       openshift.selector('bc/web').startBuild('--wait').logs('-f')
//     }
//   }
//
// Every operation runs `oc VERB <user args> <verb args> <options> --server= --namespace= --loglevel=`
// through the internal step `_OcAction` (oc-action.ts) on the agent, which adds the token. Results
// are the plugin's Result (out, err, status, actions, operation) and selectors. The context
// (cluster, project, credential) travels with the closure as the variable OPENSHIFT_DSL_CONTEXT
// (JSON without secrets), so parallel branches each keep their own; logLevel is the build's.
// Errors are the plugin's AbortException messages ("... returned an error;" + the failed actions).
import type { Loc } from '../../core/build.ts';
import { StepFailure } from '../../core/errors.ts';
import { pause } from './rest.ts';
import type { GlobalContext } from '../../pipeline/plugin.ts';
import {
  fromJson, isClosure, isHostObject, isList, isMap, toJson,
  type CallArgs, type ClosureValue, type DynamicContext, type GList, type GMap, type HostObject, type ScriptCalls, type Value,
} from '../../pipeline/script/values.ts';

export const CONTEXT_VAR = 'OPENSHIFT_DSL_CONTEXT';

type ContextId = 'openshift.withCluster' | 'openshift.withProject' | 'openshift.withCredentials';

/** What the enclosing withCluster/withProject/withCredentials set (innermost wins). */
interface OcContext {
  ids: ContextId[];
  cluster: string | null;
  project: string | null;
  credentialsId: string | null;
}

const ABBREVIATIONS: Readonly<Record<string, string>> = { svc: 'service', p: 'pod', po: 'pod', bc: 'buildconfig', is: 'imagestream', rc: 'replicationcontroller', dc: 'deploymentconfig' };

function str(v: Value | undefined): string | null {
  if (v === undefined || v === null) return null;
  return String(v);
}

function fixEmpty(v: string | null): string | null {
  const t = v?.trim();
  return t ? t : null;
}

/** The plugin's toStringArray: a single list argument is unpacked. */
function strings(args: Value[]): string[] {
  const a = args.length === 1 && isList(args[0]) ? args[0] : args;
  return a.filter((v) => !isClosure(v)).map((v) => (isMap(v) || isList(v) ? JSON.stringify(toJson(v)) : String(v)));
}

/** Splits `oc ... -o=name` output into kind/name (a group suffix of the kind dropped). */
export function splitNames(out: string): string[] {
  const r: string[] = [];
  for (const line of out.trim().split('\n')) {
    const name = line.trim();
    if (!name) continue;
    const [kind, nm] = name.split('/');
    const parts = kind!.split('.');
    r.push(parts.length > 1 && nm !== undefined ? `${parts[0]}/${nm}` : name);
  }
  return r;
}

function unwrapList(m: Value): GList {
  if (isMap(m) && m.get('kind') === 'List') {
    const items = m.get('items');
    return isList(items) ? items : [];
  }
  return [m];
}

function parseJson(text: string, what: string): Value {
  try {
    return fromJson(JSON.parse(text));
  } catch {
    throw new StepFailure(`${what}: oc did not print JSON: ${text.slice(0, 200)}`);
  }
}

function closureOf(args: CallArgs, what: string): ClosureValue {
  const c = args.closure ?? [...args.positional].reverse().find(isClosure);
  if (!c || !isClosure(c)) throw new StepFailure(`${what} needs a closure body: ${what} { ... }`);
  return c;
}

function plain(args: CallArgs): Value[] {
  return args.positional.filter((v) => !isClosure(v));
}

/** One oc invocation's result (the plugin's OcActionResult), a map from _OcAction. */
type Action = GMap;

const actionStatus = (a: Action): number => Number(a.get('status') ?? 0);

function actionToString(a: Action): string {
  const ref = a.get('reference');
  const refs = isMap(ref) ? [...ref].map(([k, v]) => `${k}=${String(v)}`).join(', ') : '';
  return `{reference={${refs}}, cmd=${String(a.get('cmd'))}, out=${String(a.get('out'))}, status=${actionStatus(a)}, verb=${String(a.get('verb'))}, err=${String(a.get('err'))}}`;
}

function joinStreams(actions: Action[], key: 'out' | 'err'): string {
  let s = '';
  for (const a of actions) {
    const v = a.get(key);
    if (v === null || v === undefined) continue;
    const t = String(v);
    s += t.endsWith('\n') ? t : `${t}\n`;
  }
  return s;
}

/** The plugin's Result: the actions of one high-level operation. */
class OcResult implements HostObject {
  readonly kind = 'host' as const;
  typeName = 'com.openshift.jenkins.plugins.OpenShiftDSL$Result';
  actions: Action[];
  readonly operation: string;
  constructor(operation: string, actions: Action[] = []) {
    this.operation = operation;
    this.actions = actions;
  }
  get status(): number {
    return this.actions.reduce((s, a) => s | actionStatus(a), 0);
  }
  failIf(message: string): void {
    if (this.status === 0) return;
    const failed = this.actions.filter((a) => actionStatus(a) !== 0).map(actionToString);
    throw new StepFailure(`${message};\n${failed.join('\n')}`);
  }
  getProperty(name: string): Value | undefined {
    switch (name) {
      case 'out': return joinStreams(this.actions, 'out');
      case 'err': return joinStreams(this.actions, 'err');
      case 'status': return this.status;
      case 'actions': return [...this.actions];
      case 'operation': case 'highLevelOperation': return this.operation;
      default: return undefined;
    }
  }
  invokeMethod(name: string, _args: CallArgs, _ctx: DynamicContext, _loc: Loc, _script?: ScriptCalls): Promise<Value> | undefined {
    const prop = /^get([A-Z]\w*)$/.exec(name);
    if (prop) {
      const v = this.getProperty(prop[1]![0]!.toLowerCase() + prop[1]!.slice(1));
      if (v !== undefined) return Promise.resolve(v);
    }
    if (name === 'toString') return Promise.resolve(this.toString());
    return undefined;
  }
  toString(): string {
    return JSON.stringify({ operation: this.operation, status: this.status, actions: this.actions.map((a) => toJson(a)) }, null, 4);
  }
}

/** Everything one DSL call needs: where it is, how to call steps, the context. */
interface Call {
  ctx: DynamicContext;
  loc: Loc;
  script: ScriptCalls;
}

export class OpenShiftGlobal implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'com.openshift.jenkins.plugins.OpenShiftDSL';
  readonly g: GlobalContext;
  constructor(g: GlobalContext) {
    this.g = g;
  }

  context(ctx: DynamicContext): OcContext | null {
    const raw = this.g.envOf(ctx)[CONTEXT_VAR];
    if (!raw) return null;
    try {
      return JSON.parse(raw) as OcContext;
    } catch {
      return null;
    }
  }

  get logLevel(): { v: number } {
    return this.g.scope.state('openshift.logLevel', () => ({ v: 0 }));
  }

  getProperty(): Value | undefined {
    return undefined;
  }

  toString(): string {
    return 'openshift';
  }

  /** Runs oc through _OcAction; the plugin's buildCommonArgs (refused outside withCluster). */
  async oc(c: Call, verb: string, verbArgs: string[], userArgs: string[], options: string[], extra: { markup?: string; streamPrefix?: string; project?: string | null } = {}): Promise<Action> {
    const oc = this.context(c.ctx);
    if (!oc || !oc.ids.includes('openshift.withCluster')) {
      throw new StepFailure(`You have illegally attempted a ${verb || 'raw'} command when not inside a openshift.withCluster closure body`);
    }
    const named: GMap = new Map<string, Value>([
      ['verb', verb], ['verbArgs', verbArgs], ['userArgs', userArgs], ['options', options], ['logLevel', this.logLevel.v],
    ]);
    if (oc.cluster) named.set('cluster', oc.cluster);
    const project = extra.project !== undefined ? extra.project : oc.project;
    if (project) named.set('project', project);
    if (oc.credentialsId) named.set('credentialsId', oc.credentialsId);
    if (extra.markup !== undefined) named.set('markup', extra.markup);
    if (extra.streamPrefix !== undefined) named.set('streamPrefix', extra.streamPrefix);
    const r = await c.script.call('_OcAction', { positional: [], named, closure: null }, c.ctx, c.loc);
    if (!isMap(r)) throw new StepFailure('_OcAction returned no result');
    return r;
  }

  async info(c: Call): Promise<GMap> {
    const oc = this.context(c.ctx);
    if (!oc) return new Map();
    const named: GMap = new Map<string, Value>([['info', true]]);
    if (oc.cluster) named.set('cluster', oc.cluster);
    if (oc.project) named.set('project', oc.project);
    if (oc.credentialsId) named.set('credentialsId', oc.credentialsId);
    const r = await c.script.call('_OcAction', { positional: [], named, closure: null }, c.ctx, c.loc);
    return isMap(r) ? r : new Map();
  }

  async #withContext(c: Call, oc: OcContext, body: ClosureValue): Promise<Value> {
    return c.script.call('withEnv', { positional: [[`${CONTEXT_VAR}=${JSON.stringify(oc)}`]], named: null, closure: body }, c.ctx, c.loc);
  }

  /** Markup (JSON/YAML text, a map or a list of maps) or a name, as the plugin tells them apart. */
  static asText(obj: Value): string {
    if (isList(obj)) return JSON.stringify({ kind: 'List', apiVersion: 'v1', items: toJson(obj) });
    if (isMap(obj)) return JSON.stringify(toJson(obj));
    if (isHostObject(obj)) throw new StepFailure(`expected an object (a map), markup or a name, got ${obj.typeName}`);
    return String(obj);
  }

  async objectDefAction(c: Call, verb: string, obj: Value, userArgs: string[]): Promise<Selector> {
    const r = new OcResult(verb);
    // Objects that all name one namespace go there; else the context's project.
    let ns: string | null | undefined;
    if (isList(obj)) {
      const spaces = new Set(obj.map((o) => (isMap(o) && isMap(o.get('metadata')) ? str((o.get('metadata') as GMap).get('namespace')) ?? '' : '')));
      if (spaces.size === 1) ns = fixEmpty([...spaces][0]!) ?? undefined;
      else {
        for (const o of obj) {
          const one = isMap(o) && isMap(o.get('metadata')) ? fixEmpty(str((o.get('metadata') as GMap).get('namespace'))) : null;
          r.actions.push(await this.#defOne(c, verb, o, userArgs, one ?? undefined));
        }
      }
    }
    if (r.actions.length === 0) r.actions.push(await this.#defOne(c, verb, obj, userArgs, ns ?? undefined));
    r.failIf(`${verb} returned an error`);
    return new Selector(this, { names: splitNames(String(r.getProperty('out'))), result: r });
  }

  async #defOne(c: Call, verb: string, obj: Value, userArgs: string[], project: string | undefined): Promise<Action> {
    const s = OpenShiftGlobal.asText(obj);
    const markup = s.includes('{') || s.includes(':');
    const httpref = s.toLowerCase().startsWith('http') && verb === 'create';
    const extra = project ? { project } : {};
    if (httpref) return this.oc(c, verb, ['-f', s], userArgs, ['-o=name'], extra);
    if (markup) return this.oc(c, verb, ['-f', '@markup'], userArgs, ['-o=name'], { ...extra, markup: s });
    return this.oc(c, verb, [s], userArgs, ['-o=name'], extra);
  }

  async simple(c: Call, operation: string, verb: string, args: string[], options: string[] = []): Promise<OcResult> {
    const r = new OcResult(operation, [await this.oc(c, verb, [], args, options)]);
    r.failIf(`${verb || 'raw command'} returned an error`);
    return r;
  }

  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined {
    if (!script) return undefined;
    const c: Call = { ctx, loc, script };
    const a = plain(args);
    switch (name) {
      case 'withCluster': return this.#withCluster(c, a, closureOf(args, 'openshift.withCluster'));
      case 'withProject': return this.#nested(c, 'openshift.withProject', a, closureOf(args, 'openshift.withProject'));
      case 'withCredentials': return this.#nested(c, 'openshift.withCredentials', a, closureOf(args, 'openshift.withCredentials'));
      case 'doAs': return (async () => {
        await script.call('echo', { positional: ['WARNING: doAs() is deprecated, use withCredentials() instead'], named: null, closure: null }, ctx, loc);
        return this.#nested(c, 'openshift.withCredentials', a, closureOf(args, 'openshift.doAs'));
      })();
      case 'logLevel': case 'loglevel':
        this.logLevel.v = Number(a[0] ?? 0) | 0;
        return Promise.resolve(null);
      case 'verbose':
        this.logLevel.v = a[0] === false ? 0 : 8;
        return Promise.resolve(null);
      case 'project': return (async () => {
        const oc = this.context(ctx);
        if (!oc) return null;
        return oc.project ?? ((await this.info(c)).get('project') ?? null);
      })();
      case 'cluster': return (async () => (this.context(ctx) ? ((await this.info(c)).get('server') ?? null) : null))();
      case 'skipTLSVerify': return (async () => (this.context(ctx) ? ((await this.info(c)).get('skipTLSVerify') ?? false) : false))();
      case 'failUnless':
        return (async () => {
          if (!truthy(a[0] ?? null)) throw new StepFailure('Assertion failed');
          return null;
        })();
      case 'selector': return Promise.resolve(Selector.of(this, a[0] ?? null, a[1] ?? null));
      case 'create': case 'replace': case 'apply':
        return this.objectDefAction(c, name, need(a, 0, `openshift.${name}`), strings(a.slice(1)));
      case 'delete': return (async () => {
        const sel = await this.objectDefAction(c, 'delete', need(a, 0, 'openshift.delete'), strings(a.slice(1)));
        return new OcResult('delete', sel.result.actions);
      })();
      case 'process': return this.#process(c, need(a, 0, 'openshift.process'), strings(a.slice(1)));
      case 'patch': return this.#patch(c, need(a, 0, 'openshift.patch'), String(need(a, 1, 'openshift.patch')), strings(a.slice(2)));
      case 'newProject': return (async () => {
        const r = new OcResult('newProject', [await this.oc(c, 'new-project', [String(need(a, 0, 'openshift.newProject'))], strings(a.slice(1)), ['--skip-config-write'], { project: null })]);
        r.failIf('new-project returned an error');
        return r;
      })();
      case 'raw': return (async () => {
        const words = strings(a);
        const r = new OcResult('raw', [await this.oc(c, '', [], words, [])]);
        r.failIf(`raw command ${JSON.stringify(words)} returned an error`);
        return r;
      })();
      case 'newApp': return (async () => {
        const r = await this.simple(c, 'newApp', 'new-app', strings(a), ['-o=json']);
        return this.objectDefAction(c, 'create', unwrapList(parseJson(String(r.getProperty('out')), 'new-app')), []);
      })();
      case 'newBuild': case 'startBuild': return (async () => {
        const verb = name === 'newBuild' ? 'new-build' : 'start-build';
        const r = await this.simple(c, name, verb, strings(a), ['-o=name']);
        return new Selector(this, { names: splitNames(String(r.getProperty('out'))), result: r });
      })();
      case 'set': case 'exec': case 'rsh': case 'rsync': case 'idle': case 'policy': case 'run': case 'secrets': case 'tag': case 'expose':
        return this.simple(c, name, name, strings(a));
      case '_import': return this.simple(c, 'import', 'import', strings(a));
      default: return undefined;
    }
  }

  async #withCluster(c: Call, a: Value[], body: ClosureValue): Promise<Value> {
    const outer = this.context(c.ctx);
    for (const forbid of ['openshift.withProject', 'openshift.withCredentials'] as const) {
      if (outer?.ids.includes(forbid)) throw new StepFailure(`openshift.withCluster cannot be used within a ${forbid} closure body`);
    }
    const oc: OcContext = { ids: ['openshift.withCluster'], cluster: fixEmpty(str(a[0])), project: null, credentialsId: fixEmpty(str(a[1])) };
    const run = () => this.#withContext(c, oc, body);
    if (this.g.envOf(c.ctx).NODE_NAME) return run();
    // As the plugin: outside a node, withCluster takes one.
    const inNode: ClosureValue = { kind: 'closure', node: body.node, scope: body.scope, native: (_args, ctx) => this.#withContext({ ...c, ctx }, oc, body) };
    return c.script.call('node', { positional: [], named: null, closure: inNode }, c.ctx, c.loc);
  }

  async #nested(c: Call, id: ContextId, a: Value[], body: ClosureValue): Promise<Value> {
    const outer = this.context(c.ctx);
    if (!outer?.ids.includes('openshift.withCluster')) throw new StepFailure(`${id} can only be used within a openshift.withCluster closure body`);
    const value = fixEmpty(str(a[0]));
    const oc: OcContext = { ...outer, ids: [...outer.ids, id] };
    if (id === 'openshift.withProject') oc.project = value;
    else oc.credentialsId = value;
    return this.#withContext(c, oc, body);
  }

  async #process(c: Call, obj: Value, args: string[]): Promise<Value> {
    if (isMap(obj)) {
      if (obj.get('kind') !== 'Template') throw new StepFailure(`Expected Template object, but received: ${OpenShiftGlobal.asText(obj)}`);
      const t = structuredClone(toJson(obj)) as { metadata?: Record<string, unknown> };
      delete t.metadata?.namespace;
      delete t.metadata?.selfLink;
      obj = JSON.stringify(t);
    }
    const s = OpenShiftGlobal.asText(obj);
    const markup = s.includes('{') || s.includes(':');
    const action = s.toLowerCase().startsWith('http') ? await this.oc(c, 'process', ['-f', s], args, ['-o=json'])
      : markup ? await this.oc(c, 'process', ['-f', '@markup'], args, ['-o=json'], { markup: s })
      : await this.oc(c, 'process', [s], args, ['-o=json']);
    const r = new OcResult('process', [action]);
    r.failIf('process returned an error');
    return unwrapList(parseJson(String(action.get('out')), 'openshift.process'));
  }

  async #patch(c: Call, obj: Value, patch: string, args: string[]): Promise<Value> {
    const s = OpenShiftGlobal.asText(obj);
    const markup = s.includes('{') || s.includes(':');
    const action = s.toLowerCase().startsWith('http') ? await this.oc(c, 'patch', ['-f', s, '-p', patch], args, [])
      : markup ? await this.oc(c, 'patch', ['-f', '@markup', '-p', patch], args, [], { markup: s })
      : await this.oc(c, 'patch', [s, '-p', patch], args, []);
    const r = new OcResult('patch', [action]);
    r.failIf('patch returned an error');
    return r;
  }
}

function truthy(v: Value): boolean {
  if (v === null || v === false || v === 0 || v === '') return false;
  if (isList(v)) return v.length > 0;
  if (isMap(v)) return v.size > 0;
  return true;
}

function need(a: Value[], i: number, what: string): Value {
  const v = a[i];
  if (v === undefined || v === null) throw new StepFailure(`${what}: missing argument ${i + 1}`);
  return v;
}

interface SelectorInit {
  kind?: string | null;
  labels?: [string, string][] | null;
  names?: string[] | null;
  result?: OcResult;
  invalid?: string;
}

/** The plugin's OpenShiftResourceSelector: a kind (all of it, or by labels) or a static list of names. */
export class Selector implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'com.openshift.jenkins.plugins.OpenShiftDSL$OpenShiftResourceSelector';
  readonly dsl: OpenShiftGlobal;
  readonly objKind: string | null;
  readonly labels: [string, string][] | null;
  readonly objectList: string[] | null;
  readonly result: OcResult;
  readonly invalid: string | undefined;

  constructor(dsl: OpenShiftGlobal, init: SelectorInit) {
    this.dsl = dsl;
    this.objKind = init.kind ?? null;
    this.labels = init.labels ?? null;
    this.objectList = init.names ?? null;
    this.result = init.result ?? new OcResult('selector');
    this.invalid = init.invalid;
  }

  static of(dsl: OpenShiftGlobal, kindOrList: Value, qualifier: Value): Selector {
    if (isList(kindOrList)) return new Selector(dsl, { names: kindOrList.map(String) });
    let kind = str(kindOrList) ?? 'all';
    let q: Value = qualifier;
    if (kind.includes('/')) {
      if (q !== null) throw new StepFailure('Unsupported selector parameter; only a single argument is permitted if name/name is specified');
      const [k, n] = kind.split('/');
      kind = k!;
      q = n ?? '';
    }
    kind = ABBREVIATIONS[kind] ?? kind;
    if (q !== null) {
      if (isMap(q)) return new Selector(dsl, { kind: kind.toLowerCase().trim(), labels: [...q].map(([k, v]) => [k, String(v)]) });
      return new Selector(dsl, { names: [`${kind}/${String(q)}`] });
    }
    return new Selector(dsl, { kind: kind.toLowerCase().trim() });
  }

  toString(): string {
    const labels = this.labels ? `{${this.labels.map(([k, v]) => `${k}=${v}`).join(', ')}}` : 'null';
    const names = this.objectList ? `[${this.objectList.join(', ')}]` : 'null';
    return `selector([name=${this.objKind}],[labels=${labels}],[namelist=${names}],[projectlist=null])`;
  }

  getProperty(name: string): Value | undefined {
    return this.result.getProperty(name);
  }

  #emptyStatic(): boolean {
    return this.objectList !== null && this.objectList.length === 0;
  }

  selectionArgs(): string[] {
    if (this.invalid) throw new StepFailure(this.invalid);
    if (this.objectList) return [...this.objectList];
    const args = [this.objKind ?? 'all'];
    if (this.labels) args.push('-l', this.labels.map(([k, v]) => `${k}=${v}`).join(','));
    return args;
  }

  async queryNames(c: Call): Promise<string[]> {
    if (this.#emptyStatic()) return [];
    const a = await this.dsl.oc(c, 'get', this.selectionArgs(), [], ['-o=name', '--ignore-not-found']);
    const r = new OcResult('get', [a]);
    r.failIf(`Unable to retrieve object names: ${this.toString()}`);
    return splitNames(String(a.get('out')));
  }

  async names(c: Call): Promise<string[]> {
    return this.objectList ? [...this.objectList] : this.queryNames(c);
  }

  async name(c: Call): Promise<string> {
    const n = await this.names(c);
    if (n.length === 0) throw new StepFailure('Expected single name, but found selection empty');
    if (n.length > 1) throw new StepFailure(`Expected single name, but found multiple in selection: [${n.join(', ')}]`);
    return n[0]!;
  }

  async markup(c: Call, type: 'json' | 'yaml', exportable: boolean): Promise<string> {
    if (this.#emptyStatic()) return '';
    const verb = exportable ? 'export' : 'get';
    const a = await this.dsl.oc(c, verb, this.selectionArgs(), [], [`-o=${type}`]);
    new OcResult(verb, [a]).failIf(`Unable to retrieve object markup with ${verb}`);
    return String(a.get('out'));
  }

  async asMap(c: Call, mode: Value): Promise<Value> {
    if (this.#emptyStatic()) return fromJson({ apiVersion: 'v1', kind: 'List', metadata: {}, items: [] });
    const exportable = isMap(mode) && truthy(mode.get('exportable') ?? null);
    return parseJson(await this.markup(c, 'json', exportable), 'selector.object');
  }

  async #perName(c: Call, operation: string, verb: string, userArgs: string[], extraArgs: string[] = []): Promise<OcResult> {
    const r = new OcResult(operation);
    const names = await this.names(c);
    for (const n of names) r.actions.push(await this.dsl.oc(c, verb, [n, ...extraArgs], userArgs, []));
    r.failIf(`Error running ${verb} on at least one item: [${names.join(', ')}]`);
    return r;
  }

  async #subVerb(c: Call, action: string, pairs: Value, userArgs: string[]): Promise<OcResult> {
    const verbArgs = this.selectionArgs();
    if (this.objKind !== null && this.labels === null && this.objectList === null) verbArgs.push('--all');
    if (isMap(pairs)) for (const [k, v] of pairs) verbArgs.push(`${k}=${String(v)}`);
    const r = new OcResult(action);
    if (this.#emptyStatic()) return r;
    r.actions.push(await this.dsl.oc(c, action, verbArgs, userArgs, []));
    r.failIf(`Error during ${action}`);
    return r;
  }

  async #watch(c: Call, body: ClosureValue): Promise<void> {
    if (this.#emptyStatic()) throw new StepFailure('Selector is static and empty; watch would never terminate.');
    if (this.objectList && this.objectList.length !== 1) throw new StepFailure('oc client watch does not support watching multiple named resources (watch a kind or a set of labeled objects instead).');
    // Kiln polls: the body runs now, then once a second, until it returns true (a timeout {} ends it).
    for (;;) {
      const v = await c.script.callClosure(body, [this], c.ctx);
      if (v === true) return;
      await pause(1000, c.ctx.signal);
    }
  }

  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined {
    if (!script) return undefined;
    const c: Call = { ctx, loc, script };
    const a = plain(args);
    switch (name) {
      case 'exists': return (async () => {
        if (this.objectList) return this.objectList.length > 0 && (await this.queryNames(c)).length === this.objectList.length;
        return (await this.queryNames(c)).length > 0;
      })();
      case 'count': return this.queryNames(c).then((n) => n.length);
      case 'names': return this.names(c);
      case 'name': return this.name(c);
      case 'asJson': return this.markup(c, 'json', isMap(a[0]) && truthy(a[0].get('exportable') ?? null));
      case 'asYaml': return this.markup(c, 'yaml', isMap(a[0]) && truthy(a[0].get('exportable') ?? null));
      case 'objects': return this.asMap(c, a[0] ?? null).then(unwrapList);
      case 'object': return (async () => {
        const m = await this.asMap(c, a[0] ?? null);
        if (isMap(m) && m.get('kind') === 'List') {
          const items = unwrapList(m);
          if (items.length === 0) throw new StepFailure('Expected single object, but found selection empty');
          if (items.length > 1) throw new StepFailure(`Expected single object, but found multiple in selection ${items.length} items`);
          return items[0]!;
        }
        return m;
      })();
      case 'describe': return (async () => {
        const r = new OcResult('describe', [await this.dsl.oc(c, 'describe', this.selectionArgs(), strings(a), [], { streamPrefix: 'describe' })]);
        r.failIf('Error during describe');
        return r;
      })();
      case 'delete': return (async () => {
        const sel = this.selectionArgs();
        if (this.objKind !== null && this.labels === null && this.objectList === null) sel.push('--all');
        const r = new OcResult('delete');
        if (this.#emptyStatic()) return r;
        r.actions.push(await this.dsl.oc(c, 'delete', sel, strings(a), []));
        r.failIf('Error during delete');
        return r;
      })();
      case 'label': case 'annotate': return this.#subVerb(c, name, a[0] ?? null, strings(a.slice(1)));
      case 'logs': return (async () => {
        const r = new OcResult('logs');
        const names = await this.names(c);
        for (const n of names) r.actions.push(await this.dsl.oc(c, 'logs', [n], strings(a), [], { streamPrefix: `logs:${n}` }));
        r.failIf(`Error running logs on at least one item: [${names.join(', ')}]`);
        return r;
      })();
      case 'startBuild': return (async () => {
        const userArgs = strings(a);
        const follow = userArgs.some((x) => x === '-F' || x === '--follow' || x === '--follow=true');
        const r = new OcResult('startBuild');
        const names = await this.names(c);
        for (const n of names) r.actions.push(await this.dsl.oc(c, 'start-build', [n], userArgs, ['-o=name'], follow ? { streamPrefix: `start-build:${n}` } : {}));
        r.failIf(`Error running start-build on at least one item: [${names.join(', ')}]`);
        return new Selector(this.dsl, follow
          ? { names: [], result: r, invalid: 'A valid selector cannot be created when using -F/--follow with start-build....' }
          : { names: splitNames(String(r.getProperty('out'))), result: r });
      })();
      case 'cancelBuild': return this.#perName(c, 'cancelBuild', 'cancel-build', strings(a));
      case 'deploy': case 'scale': case 'autoscale': case 'expose': case 'volume': return this.#perName(c, name, name, strings(a));
      case 'patch': return this.#perName(c, 'patch', 'patch', strings(a.slice(1)), ['-p', String(need(a, 0, 'selector.patch'))]);
      case 'withEach': return (async () => {
        const body = closureOf(args, 'withEach');
        for (const n of await this.names(c)) await script.callClosure(body, [new Selector(this.dsl, { names: [n] })], ctx);
        return null;
      })();
      case 'freeze': return this.names(c).then((n) => new Selector(this.dsl, { names: n }));
      case 'rollout': return Promise.resolve(new Rollout(this));
      case 'narrow': return (async () => {
        const kind = String(need(a, 0, 'selector.narrow')).toLowerCase().trim();
        const expanded = ABBREVIATIONS[kind];
        const match = (k: string, want: string) => k === want || `${k}s` === want || `${want}s` === k || k.startsWith(`${want}.`);
        const names = (await this.names(c)).filter((n) => {
          const k = n.split('/')[0]!;
          return match(k, kind) || (expanded !== undefined && match(k, expanded));
        });
        return new Selector(this.dsl, { names });
      })();
      case 'union': return (async () => {
        const other = a[0];
        if (!(other instanceof Selector)) throw new StepFailure('selector.union: expected a selector');
        const incoming = await other.names(c);
        if (incoming.length === 0) return this;
        const mine = await this.names(c);
        if (mine.length === 0) return other;
        return new Selector(this.dsl, { names: [...new Set([...mine, ...incoming])] });
      })();
      case 'related': return (async () => {
        let kind = String(need(a, 0, 'selector.related')).toLowerCase().trim();
        kind = ABBREVIATIONS[kind] ?? kind;
        const [k0, unqualified] = (await this.name(c)).split('/') as [string, string];
        const k = ABBREVIATIONS[k0] ?? k0;
        let label: string;
        if (k === 'template' || k === 'templates') label = 'template';
        else if (k === 'deploymentconfig' || k === 'deploymentconfigs' || k === 'deploymentconfig.apps.openshift.io') label = 'deploymentconfig';
        else if (k === 'buildconfig' || k === 'buildconfigs' || k === 'buildconfig.build.openshift.io') label = 'openshift.io/build-config.name';
        else if (k === 'job' || k === 'jobs') label = 'job-name';
        else throw new StepFailure(`Unknown how to find resources related to kind: ${k}`);
        return new Selector(this.dsl, { kind, labels: [[label, unqualified]] });
      })();
      case 'watch': return this.#watch(c, closureOf(args, 'watch')).then(() => null);
      case 'untilEach': return (async () => {
        const min = typeof a[0] === 'number' ? a[0] : 1;
        const body = closureOf(args, 'untilEach');
        const each: ClosureValue = {
          kind: 'closure', node: body.node, scope: body.scope,
          native: async (_args, cx) => {
            const names = await this.queryNamesOrStatic({ ...c, ctx: cx });
            if (names.length < min) return false;
            let all = true;
            for (const n of names) if ((await script.callClosure(body, [new Selector(this.dsl, { names: [n] })], cx)) !== true) all = false;
            return all;
          },
        };
        await this.#watch(c, each);
        return null;
      })();
      case 'project': return this.dsl.invokeMethod('project', { positional: [], named: null, closure: null }, ctx, loc, script);
      case 'projects': return Promise.resolve(null);
      default: {
        const r = this.result.invokeMethod(name, args, ctx, loc, script);
        return r;
      }
    }
  }

  queryNamesOrStatic(c: Call): Promise<string[]> {
    return this.names(c);
  }
}

/** The plugin's OpenShiftRolloutManager: `oc rollout SUBVERB kind/name` for each selected object. */
class Rollout implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'com.openshift.jenkins.plugins.OpenShiftDSL$OpenShiftRolloutManager';
  readonly selector: Selector;
  constructor(selector: Selector) {
    this.selector = selector;
  }
  getProperty(): Value | undefined {
    return undefined;
  }
  toString(): string {
    return `rollout(${this.selector.toString()})`;
  }
  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined {
    if (!script || !['cancel', 'history', 'latest', 'pause', 'resume', 'status', 'undo', 'retry'].includes(name)) return undefined;
    const c: Call = { ctx, loc, script };
    return (async () => {
      const r = new OcResult(`rollout:${name}`);
      for (const n of await this.selector.names(c)) {
        r.actions.push(await this.selector.dsl.oc(c, 'rollout', [name, n], strings(plain(args)), [], { streamPrefix: `rollout:${name}:${n}` }));
      }
      r.failIf(`rollout:${name} returned an error`);
      return r;
    })();
  }
}

