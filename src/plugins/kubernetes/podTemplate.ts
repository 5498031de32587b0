// podTemplate (scripted, Kubernetes plugin): defines a pod and runs the block with POD_LABEL
// naming it, so that node(POD_LABEL) { } runs in that pod:
//
//   podTemplate(yaml: '''...''', containers: [containerTemplate(name: 'maven', image: 'maven:3.9', command: 'cat', ttyEnabled: true)]) {
//     node(POD_LABEL) { container('maven') { sh 'mvn -v' } }
//   }
//
// The classic options (containers: containerTemplate(...), envVars, volumes, workspaceVolume,
// annotations, imagePullSecrets, hostNetwork, runAsUser/runAsGroup/supplementalGroups) become a
// pod (classic.ts) merged over the YAML's, their fields winning, as the plugin combines them; the
// other options are those of `agent { kubernetes { } }`. A podTemplate inside another one
// inherits it: the outer pod is merged under the inner one (containers, env, volumes by name),
// and its inheritFrom, cloud, namespace, service account, node selector and work dir carry over
// unless the inner one says otherwise; an inner one with an inheritFrom of its own inherits
// that instead of the outer pod (as the plugin's explicit inheritance). While the block runs, the label stands for these options
// in the build's scope (`podTemplates`), which the runtime's nodeForLabel gives the engine for
// `node(label)`: the POD_LABEL itself, any word of `label: 'a b'`, and for a template whose
// nodeUsageMode is NORMAL (the default without a label), a plain `node { }`. The pod itself is made by whoever serves
// kubernetes agents (a Kubernetes cloud, a Docker cloud, kiln run's engine). Declared in
// index.ts, run through runtime.ts.
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { BuildScope } from '../../pipeline/steps/types.ts';
import type { AgentRequest } from '../../core/nodes.ts';
import { StepFailure } from '../../core/errors.ts';
import { str } from '../../pipeline/steps/args.ts';
import { isMap, type Value } from '../../pipeline/script/values.ts';
import { mergePods, parsePod, PodSpecError, type Obj } from './podspec.ts';
import { classicPod } from './classic.ts';

const words = (v: string) => v.split(/\s+/).filter(Boolean);

/** The containerTemplates' `shell`s (over the outer template's), as JSON text; null when none. */
function containerShells(containers: Value | undefined, outer: unknown): string | null {
  const shells: Record<string, string> = typeof outer === 'string' && outer !== '' ? JSON.parse(outer) as Record<string, string> : {};
  for (const c of Array.isArray(containers) ? containers : []) {
    if (isMap(c) && typeof c.get('name') === 'string' && typeof c.get('shell') === 'string' && c.get('shell') !== '') shells[c.get('name') as string] = c.get('shell') as string;
  }
  return Object.keys(shells).length ? JSON.stringify(shells) : null;
}

/** `never()`, `onFailure()`, `always()` come as symbols or strings. */
function retentionOf(v: Value | undefined): string | null {
  if (v === undefined || v === null) return null;
  const name = isMap(v) ? String(v.get('$symbol') ?? '') : String(v);
  return ['never', 'onFailure', 'always', 'default'].includes(name) ? name : null;
}

/** The pods podTemplate blocks running now in a build define: label → the options of its kubernetes agent. */
export function podTemplates(scope: BuildScope): Map<string, AgentRequest['options']> {
  return scope.state('kubernetes.podTemplates', () => new Map<string, AgentRequest['options']>());
}

/** The options of the innermost podTemplate block around a step (nested ones inherit it), by its POD_LABEL. */
function enclosing(scope: BuildScope, env: Readonly<Record<string, string>>): AgentRequest['options'] | null {
  const outer = env.POD_LABEL;
  return outer ? podTemplates(scope).get(outer) ?? null : null;
}

const NODE_USAGE = ['NORMAL', 'EXCLUSIVE'];

export const run: StepRun = async (ctx, args) => {
  const given = str(args, 'label');
  const label = given ?? `${ctx.build.jobName.replace(/[^A-Za-z0-9_.-]+/g, '_')}_${ctx.build.number}-${randomBytes(3).toString('hex')}`;
  const get = (k: string) => args.values[k];
  let yaml = str(args, 'yaml') ?? null;
  const strategy = args.values['yamlMergeStrategy'];
  const mergeStrategy = isMap(strategy) ? String(strategy.get('$symbol')) : typeof strategy === 'string' ? strategy : 'override';
  if (mergeStrategy !== 'merge' && mergeStrategy !== 'override') throw new StepFailure(`podTemplate: yamlMergeStrategy is merge() or override(), got ${String(strategy)}`);
  const usage = str(args, 'nodeUsageMode');
  if (usage !== undefined && usage !== null && !NODE_USAGE.includes(usage)) throw new StepFailure(`podTemplate: nodeUsageMode is 'NORMAL' or 'EXCLUSIVE', got '${usage}'`);
  // An inheritFrom of its own (even '' or a name no template has) replaces the enclosing
  // podTemplate as the parent, as in the plugin: the outer pod is inherited only without one.
  const explicitInherit = args.values['inheritFrom'] !== undefined && args.values['inheritFrom'] !== null;
  const enclosingPod = enclosing(ctx.build.scope, ctx.env);
  const outer = explicitInherit ? null : enclosingPod;
  try {
    // Nested in another podTemplate: the outer pod is the base (containers, env, volumes merged).
    const base = outer && typeof outer.yaml === 'string' && outer.yaml !== '' ? parsePod(outer.yaml, 'the enclosing podTemplate') : null;
    const numbered = ((base?.spec as Obj | undefined)?.volumes as Obj[] | undefined ?? []).filter((v) => /^volume-\d+$/.test(String(v.name))).length;
    // The classic options make a pod that goes over the YAML's (their fields winning, as the plugin combines them).
    const classic = classicPod(get, numbered);
    let pod: Obj | null = null;
    if (classic) pod = mergePods(parsePod(yaml ?? '', 'podTemplate yaml'), classic);
    if (base) pod = mergePods(base, pod ?? parsePod(yaml ?? '', 'podTemplate yaml'));
    if (pod) yaml = stringify(pod);
  } catch (e) {
    if (e instanceof PodSpecError) throw new StepFailure(e.message);
    throw e;
  }
  const num = (k: string) => (typeof args.values[k] === 'number' ? (args.values[k] as number) : null);
  const own = (k: string) => str(args, k) ?? null;
  const inherited = (k: string) => own(k) ?? (enclosingPod && typeof enclosingPod[k] === 'string' ? (enclosingPod[k] as string) : null);
  const inheritFrom = [outer?.inheritFrom, own('inheritFrom')].filter((x): x is string => typeof x === 'string' && x !== '').join(' ');
  const options: Record<string, string | number | boolean | null> = {
    yaml,
    inheritFrom: inheritFrom || null,
    cloud: inherited('cloud'),
    namespace: inherited('namespace'),
    serviceAccount: inherited('serviceAccount'),
    nodeSelector: inherited('nodeSelector'),
    workingDir: inherited('workingDir'),
    agentContainer: inherited('agentContainer'),
    yamlMergeStrategy: mergeStrategy,
    podRetention: retentionOf(args.values['podRetention']),
    activeDeadlineSeconds: num('activeDeadlineSeconds'),
    idleMinutes: num('idleMinutes'),
    instanceCap: num('instanceCap'),
    slaveConnectTimeout: num('slaveConnectTimeout'),
    showRawYaml: args.values['showRawYaml'] === false ? false : true,
    containerShells: containerShells(args.values['containers'], enclosingPod?.containerShells),
    // The label as written ('a b' is two labels node('a') and node('b') match); '' when none was
    // given. A plain node { } gets the pod when NORMAL (the default without a label), as Jenkins'
    // NORMAL nodes take label-less work.
    labels: given ?? '',
    nodeUsageMode: usage ?? (given ? 'EXCLUSIVE' : 'NORMAL'),
  };
  const templates = podTemplates(ctx.build.scope);
  templates.set(label, options);
  try {
    return args.body ? await ctx.runBody(args.body, { env: { POD_LABEL: label } }) : null;
  } finally {
    templates.delete(label);
  }
};

/**
 * What node(label) means while podTemplate blocks run: the template whose POD_LABEL it is, or one
 * of whose labels it is ('a b' has a and b); '' (node { } without a label): the latest template
 * whose nodeUsageMode is NORMAL (the default without a label). Null when none.
 */
export function templateForLabel(scope: BuildScope, label: string): { label: string; options: AgentRequest['options'] } | null {
  const all = [...podTemplates(scope)].reverse();
  if (label === '') {
    const t = all.find(([, o]) => o.nodeUsageMode === 'NORMAL');
    return t ? { label: t[0], options: t[1] } : null;
  }
  const exact = podTemplates(scope).get(label);
  if (exact) return { label, options: exact };
  const t = all.find(([, o]) => typeof o.labels === 'string' && words(o.labels).includes(label));
  return t ? { label: t[0], options: t[1] } : null;
}
