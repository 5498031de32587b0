// What validation checks of `agent { kubernetes { ... } }` (the kubernetes agent type's check,
// declaration side: no runtime, no Kubernetes client):
//   - `yaml` and `yamlFile` are not both given;
//   - the inline pod (`yaml '''...'''`) is parsed with the `yaml` package, its errors reported at
//     the Jenkinsfile line and column where they are, and checked to be a Pod whose containers
//     have names (and images, but for the agent container `jnlp`, which Kiln injects);
//   - `defaultContainer` and every `container('x')` of the steps that run on the agent name a
//     container of that pod (when it is known: inline, and not inheriting from a template), with
//     the containers of `containerTemplate { }` / `containerTemplates [...]`; a warning instead
//     where the Jenkinsfile catches the failure (`try`/`catch`, `catchError`, `warnError`), as the
//     plugin fails only the steps run in such a container.
import { parseAllDocuments, isMap, isSeq, isScalar, type Document } from 'yaml';
import type { Stmt, StringLit } from '../../pipeline/syntax/ast.ts';
import type { PluginAgentSpec } from '../../pipeline/model/types.ts';
import type { AgentCheck, AgentCheckContext } from '../../pipeline/plugin.ts';
import { visit, type AnyNode } from '../../pipeline/model/walk.ts';
import { didYouMean } from '../../pipeline/model/context.ts';

/** The kubernetes agent type's check. */
export const checkKubernetesAgent: AgentCheck = (agent, c) => {
  const yaml = expr(agent, 'yaml');
  const yamlFile = expr(agent, 'yamlFile');
  if (yaml && yamlFile) {
    const a = c.keyLoc('yaml');
    const b = c.keyLoc('yamlFile');
    if (a && b) c.error('agent', 'Only one of "yaml" and "yamlFile" can be given for agent type "kubernetes"', a.start.offset > b.start.offset ? a : b);
  }
  if (!yaml || yaml.type !== 'String') return;
  const fromYaml = checkPodYaml(c, yaml);
  // A containerTemplate named by an expression: the pod's containers are known only at run time.
  if (!fromYaml || expr(agent, 'inheritFrom') || agent.options['containerTemplate.name'] !== undefined) return;
  // containerTemplate { } and containerTemplates [...] add containers to the pod.
  const containers = [...fromYaml, ...templateNames(agent).filter((n) => !fromYaml.includes(n))];
  const dc = expr(agent, 'defaultContainer');
  if (dc && dc.type === 'String' && !containers.includes(dc.value)) {
    c.error('agent', `defaultContainer "${dc.value}" is not a container of the pod${didYouMean(dc.value, containers)} (containers: ${containers.join(', ')})`, dc.loc);
  }
  return (steps) => checkContainerSteps(c, containers, steps);
};

/** Names of the containers of `containerTemplate { }` / `containerTemplates [...]` (JSON text from validation). */
function templateNames(agent: PluginAgentSpec): string[] {
  const out: string[] = [];
  const json = (k: string): unknown => {
    const v = agent.options[k];
    if (typeof v !== 'string' || v === '') return null;
    try { return JSON.parse(v) as unknown; } catch { return null; }
  };
  const one = json('containerTemplate');
  const list = json('containerTemplates');
  for (const t of [one, ...(Array.isArray(list) ? list : [])]) {
    if (typeof t === 'object' && t !== null && typeof (t as { name?: unknown }).name === 'string') out.push((t as { name: string }).name);
  }
  return out;
}

/** An option written as an expression, or null. */
function expr(agent: PluginAgentSpec, name: string) {
  const v = agent.options[name];
  return typeof v === 'object' && v !== null ? v : null;
}

/**
 * `container('x')` in steps that run on a kubernetes agent with an inline pod must name one of its
 * containers. As in Jenkins, such a block fails only when a step in it runs; where that failure is
 * caught (the call is inside `try { } catch`, `catchError` or `warnError`, or its block catches
 * with one of them) the build goes on, so it is a warning there, not an error.
 */
function checkContainerSteps(c: AgentCheckContext, names: readonly string[], steps: readonly Stmt[]): void {
  const caught = nodesWhereFailuresAreCaught(steps);
  visit(steps, (n) => {
    if (n.type !== 'Call' || n.callee.type !== 'Ident') return;
    const callee = n.callee.name;
    // Another node or pod from here on: not this one's containers.
    if (callee === 'node' || callee === 'podTemplate') return false;
    if (callee !== 'container' || c.functions.has(callee)) return;
    const a = n.args[0] ?? n.namedArgs.find((x) => x.name === 'name')?.value;
    if (a && a.type === 'String' && !names.includes(a.value)) {
      const message = `Container "${a.value}" is not in the pod of the kubernetes agent${didYouMean(a.value, names)} (containers: ${names.join(', ')})`;
      if (caught.has(n) || (n.closure !== null && catchesInside(n.closure.body))) {
        c.warn('unknown-container', `${message}: its steps will fail (the failure is caught here)`, a.loc);
      } else {
        c.error('unknown-container', message, a.loc);
      }
    }
    return;
  });
}

const CATCHING_STEPS = new Set(['catchError', 'warnError']);

/** The nodes inside a `try` with a `catch`, or inside the block of `catchError` / `warnError`. */
function nodesWhereFailuresAreCaught(steps: readonly Stmt[]): Set<AnyNode> {
  const out = new Set<AnyNode>();
  visit(steps, (n) => {
    let inner: AnyNode[] = [];
    if (n.type === 'Try' && n.handlers.length > 0) inner = [n.block];
    else if (n.type === 'Call' && n.callee.type === 'Ident' && CATCHING_STEPS.has(n.callee.name) && n.closure) inner = [n.closure];
    if (inner.length > 0) visit(inner, (m) => { out.add(m); });
    return;
  });
  return out;
}

/** Whether these statements catch a failure somewhere in them (`try`/`catch`, `catchError`, `warnError`). */
function catchesInside(body: readonly AnyNode[]): boolean {
  let found = false;
  visit(body, (n) => {
    if (found) return false;
    if ((n.type === 'Try' && n.handlers.length > 0) || (n.type === 'Call' && n.callee.type === 'Ident' && CATCHING_STEPS.has(n.callee.name))) found = true;
    return;
  });
  return found;
}

function firstLine(message: string): string {
  const m = /^(.*?) at line \d+, column \d+/s.exec(message);
  return (m ? m[1]! : message.split('\n')[0]!).trim();
}

function nodeOffset(doc: Document, path: (string | number)[]): number | null {
  const n = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  return n && n.range ? n.range[0] : null;
}

/**
 * Checks an inline pod YAML. Returns the names of its containers (with `jnlp`, which is always
 * there), or null when they cannot be known.
 */
export function checkPodYaml(ctx: AgentCheckContext, lit: StringLit): string[] | null {
  const at = (offset: number | null) => (offset === null ? lit.loc : ctx.posInString(lit, offset));
  let docs: Document[];
  try {
    docs = parseAllDocuments(lit.value) as Document[];
  } catch (err) {
    ctx.error('pod-yaml', `Invalid pod YAML: ${err instanceof Error ? err.message : String(err)}`, lit.loc);
    return null;
  }
  if (!Array.isArray(docs)) docs = [docs];
  if (docs.length === 0) {
    ctx.error('pod-yaml', 'Invalid pod YAML: it is empty', lit.loc);
    return null;
  }
  if (docs.length > 1) {
    ctx.error('pod-yaml', `Invalid pod YAML: expected one document (a Pod), found ${docs.length}`, at(docs[1]!.range?.[0] ?? null));
    return null;
  }
  const doc = docs[0]!;
  const e = doc.errors[0];
  if (e) {
    ctx.error('pod-yaml', `Invalid pod YAML: ${firstLine(e.message)}`, at(e.pos[0]));
    return null;
  }
  const root = doc.contents;
  if (!isMap(root)) {
    ctx.error('pod-yaml', 'Invalid pod YAML: expected a mapping (apiVersion, kind, metadata, spec)', at(root && 'range' in root && root.range ? root.range[0] : null));
    return null;
  }
  const kind = doc.get('kind');
  if (kind !== undefined && kind !== 'Pod') {
    ctx.error('pod-yaml', `Pod YAML: kind is "${String(kind)}", expected "Pod"`, at(nodeOffset(doc, ['kind'])));
  }
  const api = doc.get('apiVersion');
  if (api !== undefined && api !== 'v1') {
    ctx.error('pod-yaml', `Pod YAML: apiVersion is "${String(api)}", expected "v1"`, at(nodeOffset(doc, ['apiVersion'])));
  }
  const spec = doc.get('spec', true);
  if (spec === undefined || spec === null) return kind === undefined && api === undefined ? null : ['jnlp'];
  if (!isMap(spec)) {
    ctx.error('pod-yaml', 'Pod YAML: "spec" must be a mapping', at(nodeOffset(doc, ['spec'])));
    return null;
  }
  const containers = doc.getIn(['spec', 'containers'], true);
  if (containers === undefined || containers === null) return ['jnlp'];
  if (!isSeq(containers)) {
    ctx.error('pod-yaml', 'Pod YAML: "spec.containers" must be a list of containers', at(nodeOffset(doc, ['spec', 'containers'])));
    return null;
  }
  const names: string[] = [];
  containers.items.forEach((item, i) => {
    const range = (item as { range?: [number, number, number] } | null)?.range;
    const itemAt = at(range ? range[0] : null);
    if (!isMap(item)) {
      ctx.error('pod-yaml', `Pod YAML: container ${i + 1} must be a mapping with a name and an image`, itemAt);
      return;
    }
    const nameNode = item.get('name', true);
    const name = isScalar(nameNode) ? nameNode.value : undefined;
    if (typeof name !== 'string' || name === '') {
      ctx.error('pod-yaml', `Pod YAML: container ${i + 1} has no name`, itemAt);
      return;
    }
    const nameAt = at(isScalar(nameNode) && nameNode.range ? nameNode.range[0] : null);
    if (names.includes(name)) ctx.error('pod-yaml', `Pod YAML: duplicate container name "${name}"`, nameAt);
    else if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
      ctx.error('pod-yaml', `Pod YAML: container name "${name}" is not valid: lowercase letters, digits and '-' only`, nameAt);
    }
    names.push(name);
    if (name !== 'jnlp' && item.get('image') === undefined) ctx.error('pod-yaml', `Pod YAML: container "${name}" has no image`, nameAt);
  });
  if (!names.includes('jnlp')) names.unshift('jnlp');
  return names;
}
