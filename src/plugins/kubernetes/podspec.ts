// The pod a build's `agent { kubernetes { ... } }` (or a named pod template, or scripted
// `podTemplate`) asks for, built the way the Jenkins Kubernetes plugin builds it, where users
// rely on its rules:
//
// - Templates inherit (`inheritFrom 'a b'`, later names win): with the YAML merge strategy
//   `merge`, pods combine: containers by name (fields of the child win; env by name, volume
//   mounts by mount path, resources limits/requests by key), volumes by name, init containers
//   by name, labels, annotations and nodeSelector by key, tolerations and imagePullSecrets
//   added; other spec fields of the child win. With `override` (the default) the child's YAML
//   replaces what it inherits wherever the child has YAML.
// - The agent container `jnlp` is injected unless the YAML defines one (then Kiln fills in
//   what it lacks: image, env, resources): it runs the Kiln agent that dials the controller
//   with KILN_URL, KILN_SECRET, KILN_AGENT_NAME, KILN_AGENT_WORKDIR (and KILN_TUNNEL); its
//   command is `kiln agent` unless the YAML gives one (the image needs `kiln` on its PATH). A
//   Jenkins inbound-agent image on `jnlp` is replaced by Kiln's agent image (said in the log).
// - The workspace volume `workspace-volume` (an emptyDir) is mounted at the agent's work dir in
//   every container, unless something is mounted there already.
// - Steps reach the other containers through Kiln's step runner (exec/container-runner.ts):
//   each container that has a `command` gets it wrapped: `sh -c 'eval "$KILN_RUNNER_SH"'
//   kiln-runner <work dir>/.kiln/c/<name> <command...>`, the runner script in that container's
//   env; the runner makes its directory, serves steps in the background and execs the command,
//   which stays the container's main process (the seed's `cat` with a tty). No init container:
//   the pod's containers (and the agent) start at once, not after one more container's run. A container with no command keeps its image's
//   entrypoint, which Kiln cannot see, and so gets no runner (container() there says why).
// - restartPolicy Never; `kubernetes.io/os: linux` as node selector when the pod gives no node
//   selector, affinity or runtime class; labels tying the pod to this controller and build
//   (sanitised to label syntax), the build URL as an annotation; a unique name.
//
// Everything here is plain data in, plain data out: no API calls. The result is printed in the
// build's console (secret masked), as Jenkins does.
import { randomBytes } from 'node:crypto';
import { parseAllDocuments, stringify } from 'yaml';
import { RUNNER_SH } from '../../exec/container-runner.ts';
import { KilnError } from '../../core/errors.ts';

/** The parts of a Kubernetes object Kiln reads and writes; the rest passes through untouched. */
export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

export interface PodTemplate {
  name: string;
  /** Labels a pipeline's `agent { label '...' }` (or `node('...')`) can match. */
  labels: string[];
  /** A Pod manifest (YAML); '' for none. */
  yaml: string;
  /** Names of templates this one inherits from, in order (later ones win). */
  inheritFrom: string[];
  yamlMergeStrategy: 'override' | 'merge';
  /** Namespace for its pods; null = the cloud's. */
  namespace: string | null;
}

export interface PodRequest {
  /** The pipeline's inline pod YAML (or a yamlFile's content). */
  yaml: string | null;
  inheritFrom: string[];
  yamlMergeStrategy: 'override' | 'merge';
  defaultContainer: string | null;
  namespace: string | null;
  activeDeadlineSeconds: number | null;
  serviceAccount: string | null;
  nodeSelector: Record<string, string> | null;
  /** Where the workspace lives in the containers; default /home/jenkins/agent (as Jenkins). */
  workingDir: string | null;
  /**
   * The plugin's `agentContainer`: the container steps run in outside container() (a tool image
   * with no agent of its own). Kiln's agent stays in `jnlp`; this container gets the step runner,
   * which keeps it running when it has no command. Optional: null/absent = none.
   */
  agentContainer?: string | null;
}

export interface AgentInjection {
  /** The agent's name (also the pod's KILN_AGENT_NAME). */
  name: string;
  /** The URL the agent dials (the cloud's controller URL). */
  url: string;
  secret: string;
  /** host:port the agent dials instead, when set. */
  tunnel: string | null;
  /** The Kiln agent image. */
  image: string;
}

export interface PodIdentity {
  /** A stable id of this controller: pods it made carry it, so that a restart can find its leftovers. */
  controllerId: string;
  job: string;
  build: number;
  buildUrl: string;
  /** The build's id in the controller (an annotation): a resumed build adopts the pods it ran in (provider.ts). */
  buildId?: string;
}

export { AGENT_CONTAINER } from '../../exec/pod-workspace.ts';
import { AGENT_CONTAINER } from '../../exec/pod-workspace.ts';
export const WORKSPACE_VOLUME = 'workspace-volume';
export const DEFAULT_WORKDIR = '/home/jenkins/agent';
export const LABEL_CONTROLLER = 'kiln.dev/controller';
export const LABEL_JOB = 'kiln.dev/job';
export const LABEL_BUILD = 'kiln.dev/build';
export const LABEL_AGENT = 'kiln.dev/agent';
export const ANNOTATION_BUILD_URL = 'kiln.dev/build-url';
export const ANNOTATION_BUILD_ID = 'kiln.dev/build-id';

export class PodSpecError extends KilnError {
  constructor(message: string) {
    super('kubernetes.pod-spec', message);
  }
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objOf = (v: Json | undefined): Obj => (isObj(v) ? v : {});
const listOf = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

/** A pod manifest from YAML: one document, a map, kind Pod when given; `where` names it in errors. */
export function parsePod(text: string, where: string): Obj {
  if (text.trim() === '') return {};
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new PodSpecError(`${where}: not valid YAML`);
  const real = docs.filter((d) => d.contents !== null);
  for (const d of real) {
    const err = d.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new PodSpecError(`${where}${pos ? ` line ${pos.line}, column ${pos.col}` : ''}: ${err.message.split('\n')[0] ?? 'invalid YAML'}`);
    }
  }
  if (real.length > 1) throw new PodSpecError(`${where}: one pod per template: found ${real.length} YAML documents`);
  const value = real[0]?.toJS() as unknown;
  if (value === undefined || value === null) return {};
  if (!isObj(value)) throw new PodSpecError(`${where}: a pod manifest is a map (apiVersion, kind, metadata, spec), got ${Array.isArray(value) ? 'a list' : typeof value}`);
  if (value.kind !== undefined && value.kind !== 'Pod') throw new PodSpecError(`${where}: kind must be Pod, got ${JSON.stringify(value.kind)}`);
  const spec = value.spec;
  if (spec !== undefined && !isObj(spec)) throw new PodSpecError(`${where}: spec must be a map`);
  for (const [i, c] of listOf(objOf(spec).containers as Json).entries()) {
    if (!isObj(c) || typeof c.name !== 'string' || c.name === '') throw new PodSpecError(`${where}: spec.containers[${i}] needs a name`);
    if (c.name !== AGENT_CONTAINER && (typeof c.image !== 'string' || c.image === '')) throw new PodSpecError(`${where}: container '${c.name}' needs an image`);
  }
  return value as Obj;
}

// ---------------------------------------------------------------------------------------------
// merging

/** Lists of maps merged by a key field: entries of `b` replace or merge into those of `a` with the same key. */
function mergeByKey(a: Json[], b: Json[], key: string, merge: (x: Obj, y: Obj) => Obj = (_x, y) => y): Json[] {
  const out: Json[] = [...a];
  for (const item of b) {
    if (!isObj(item) || item[key] === undefined) {
      out.push(item);
      continue;
    }
    const i = out.findIndex((x) => isObj(x) && x[key] === item[key]);
    if (i < 0) out.push(item);
    else out[i] = merge(out[i] as Obj, item);
  }
  return out;
}

function union(a: Json[], b: Json[]): Json[] {
  const seen = new Set(a.map((x) => JSON.stringify(x)));
  return [...a, ...b.filter((x) => !seen.has(JSON.stringify(x)))];
}

function mergeMaps(a: Json | undefined, b: Json | undefined): Obj | undefined {
  if (a === undefined && b === undefined) return undefined;
  return { ...objOf(a), ...objOf(b) };
}

function mergeContainer(a: Obj, b: Obj): Obj {
  const out: Obj = { ...a, ...b };
  if (a.env !== undefined || b.env !== undefined) out.env = mergeByKey(listOf(a.env), listOf(b.env), 'name');
  if (a.volumeMounts !== undefined || b.volumeMounts !== undefined) out.volumeMounts = mergeByKey(listOf(a.volumeMounts), listOf(b.volumeMounts), 'mountPath');
  if (a.ports !== undefined || b.ports !== undefined) out.ports = mergeByKey(listOf(a.ports), listOf(b.ports), 'containerPort');
  if (a.resources !== undefined || b.resources !== undefined) {
    const ra = objOf(a.resources);
    const rb = objOf(b.resources);
    const r: Obj = { ...ra, ...rb };
    const limits = mergeMaps(ra.limits, rb.limits);
    const requests = mergeMaps(ra.requests, rb.requests);
    if (limits) r.limits = limits;
    if (requests) r.requests = requests;
    out.resources = r;
  }
  return out;
}

/** `child` on top of `parent`, field by field as the Kubernetes plugin combines pods. */
export function mergePods(parent: Obj, child: Obj): Obj {
  const pm = objOf(parent.metadata);
  const cm = objOf(child.metadata);
  const metadata: Obj = { ...pm, ...cm };
  const labels = mergeMaps(pm.labels, cm.labels);
  const annotations = mergeMaps(pm.annotations, cm.annotations);
  if (labels) metadata.labels = labels;
  if (annotations) metadata.annotations = annotations;
  const ps = objOf(parent.spec);
  const cs = objOf(child.spec);
  const spec: Obj = { ...ps, ...cs };
  const byName = (k: string, merge?: (x: Obj, y: Obj) => Obj) => {
    if (ps[k] !== undefined || cs[k] !== undefined) spec[k] = mergeByKey(listOf(ps[k]), listOf(cs[k]), 'name', merge);
  };
  byName('containers', mergeContainer);
  byName('initContainers', mergeContainer);
  byName('volumes');
  for (const k of ['tolerations', 'imagePullSecrets'] as const) {
    if (ps[k] !== undefined || cs[k] !== undefined) spec[k] = union(listOf(ps[k]), listOf(cs[k]));
  }
  const nodeSelector = mergeMaps(ps.nodeSelector, cs.nodeSelector);
  if (nodeSelector) spec.nodeSelector = nodeSelector;
  const out: Obj = { ...parent, ...child };
  if (Object.keys(metadata).length) out.metadata = metadata;
  if (Object.keys(spec).length) out.spec = spec;
  return out;
}

/**
 * The pod of template `name` with everything it inherits (its own `inheritFrom`, recursively).
 * An unknown `name` and cycles are errors that name them. A name in an `inheritFrom` that no
 * template has is skipped, as the plugin skips it (PodTemplateUtils.unwrap), with a note saying so.
 */
export function resolveTemplate(name: string, templates: readonly PodTemplate[], seen: string[] = [], notes: string[] = []): Obj {
  const t = templates.find((x) => x.name === name);
  if (!t) throw new PodSpecError(`no pod template named '${name}' (known: ${templates.map((x) => x.name).join(', ') || 'none'})`);
  if (seen.includes(name)) throw new PodSpecError(`pod templates inherit in a circle: ${[...seen, name].join(' → ')}`);
  const own = parsePod(t.yaml, `pod template '${name}'`);
  return inherit(t.inheritFrom, t.yamlMergeStrategy, own, t.yaml.trim() !== '', templates, [...seen, name], notes);
}

function inherit(parents: readonly string[], strategy: 'override' | 'merge', own: Obj, hasYaml: boolean, templates: readonly PodTemplate[], seen: string[], notes: string[]): Obj {
  let base: Obj = {};
  for (const p of parents) {
    if (!templates.some((x) => x.name === p)) {
      notes.push(`inheritFrom: no pod template named '${p}' (known: ${templates.map((x) => x.name).join(', ') || 'none'}); skipped, as the kubernetes plugin skips it`);
      continue;
    }
    base = mergePods(base, resolveTemplate(p, templates, seen, notes));
  }
  if (!hasYaml) return base;
  // override: the child's YAML replaces what it inherits (the plugin's default).
  return strategy === 'merge' ? mergePods(base, own) : own;
}

// ---------------------------------------------------------------------------------------------
// the final pod

/** A Kubernetes label value: at most 63 of [A-Za-z0-9._-], starting and ending alphanumeric. */
export function labelValue(s: string): string {
  let v = s.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 63);
  v = v.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
  return v;
}

/** A DNS-1123 name part: lowercase alphanumerics and '-'. */
function dnsPart(s: string, max: number): string {
  return s.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, max).replace(/-+$/, '') || 'build';
}

/** A unique pod (and agent) name for a build: `<job>-<n>-<random>`, at most 63 characters. */
export function podName(job: string, build: number): string {
  const tail = `-${build}-${randomBytes(3).toString('hex')}`;
  return `${dnsPart(job.split('/').join('-'), 63 - tail.length)}${tail}`;
}

/** Jenkins' own agent images, which cannot run Kiln's agent. */
const JENKINS_AGENT_IMAGE = /(^|\/)jenkins\/(inbound-agent|jnlp-slave|agent)(:|@|$)/;

export interface BuiltPod {
  pod: Obj;
  /** Container that steps run in when no container() says otherwise (null = the agent's). */
  defaultContainer: string | null;
  /** Notes for the build log (e.g. a replaced Jenkins agent image). */
  notes: string[];
  /** Containers whose workspace is mounted at their own workingDir (not the agent's work dir): that path. */
  workdirs: Record<string, string>;
  /** The agent's work dir (where the workspace volume is in `jnlp`). */
  workdir: string;
}

export function buildPod(o: { request: PodRequest; templates: readonly PodTemplate[]; agent: AgentInjection; id: PodIdentity; name?: string }): BuiltPod {
  const r = o.request;
  const own = r.yaml !== null ? parsePod(r.yaml, 'the pipeline\'s pod YAML') : {};
  const notes: string[] = [];
  const merged = inherit(r.inheritFrom, r.yamlMergeStrategy, own, r.yaml !== null && r.yaml.trim() !== '', o.templates, [], notes);
  const pod: Obj = structuredClone(merged);
  const workdir = r.workingDir ?? DEFAULT_WORKDIR;
  if (!workdir.startsWith('/')) throw new PodSpecError(`workingDir must be an absolute path, got '${workdir}'`);

  pod.apiVersion = 'v1';
  pod.kind = 'Pod';
  const metadata: Obj = { ...objOf(pod.metadata) };
  metadata.name = o.name ?? podName(o.id.job, o.id.build);
  delete metadata.generateName;
  if (r.namespace) metadata.namespace = r.namespace;
  metadata.labels = {
    ...objOf(metadata.labels),
    [LABEL_CONTROLLER]: labelValue(o.id.controllerId),
    [LABEL_JOB]: labelValue(o.id.job),
    [LABEL_BUILD]: String(o.id.build),
    [LABEL_AGENT]: labelValue(o.agent.name),
  };
  metadata.annotations = { ...objOf(metadata.annotations), [ANNOTATION_BUILD_URL]: o.id.buildUrl, ...(o.id.buildId ? { [ANNOTATION_BUILD_ID]: o.id.buildId } : {}) };
  pod.metadata = metadata;

  const spec: Obj = { ...objOf(pod.spec) };
  spec.restartPolicy = 'Never';
  if (r.activeDeadlineSeconds !== null) spec.activeDeadlineSeconds = r.activeDeadlineSeconds;
  if (r.serviceAccount) spec.serviceAccountName = r.serviceAccount;
  if (r.nodeSelector) spec.nodeSelector = { ...objOf(spec.nodeSelector), ...r.nodeSelector };
  if (spec.nodeSelector === undefined && spec.affinity === undefined && spec.runtimeClassName === undefined) {
    spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
  }

  // The agent container: injected, or the YAML's `jnlp` completed.
  const containers = listOf(spec.containers).map((c) => ({ ...objOf(c) }));
  let agent = containers.find((c) => c.name === AGENT_CONTAINER);
  if (!agent) {
    agent = { name: AGENT_CONTAINER };
    containers.unshift(agent);
  }
  if (typeof agent.image !== 'string' || agent.image === '' || JENKINS_AGENT_IMAGE.test(agent.image)) {
    if (typeof agent.image === 'string' && agent.image !== '') notes.push(`container '${AGENT_CONTAINER}' asked for ${agent.image}, a Jenkins agent image; it runs Kiln's agent image ${o.agent.image} instead`);
    agent.image = o.agent.image;
  }
  const agentEnv: Json[] = [
    { name: 'KILN_URL', value: o.agent.url },
    { name: 'KILN_SECRET', value: o.agent.secret },
    { name: 'KILN_AGENT_NAME', value: o.agent.name },
    { name: 'KILN_AGENT_WORKDIR', value: workdir },
    // Builds see this container's whole env (but KILN_*): its PATH, HOME, JAVA_HOME, the YAML's env.
    { name: 'KILN_BUILD_ENV', value: '*' },
    ...(o.agent.tunnel ? [{ name: 'KILN_TUNNEL', value: o.agent.tunnel }] : []),
  ];
  agent.env = mergeByKey(listOf(agent.env), agentEnv, 'name');
  const res = objOf(agent.resources);
  if (res.requests === undefined && res.limits === undefined) agent.resources = { ...res, requests: { cpu: '100m', memory: '256Mi' } };
  if (agent.workingDir === undefined) agent.workingDir = workdir;
  // The agent image's `kiln` reads its settings from the environment above.
  // Args given to it are Jenkins' agent's (the plugin's `${computer.jnlpmac} ${computer.name}`):
  // `kiln agent` takes none, so where Kiln gives the command they are dropped, saying so.
  if (!Array.isArray(agent.command) || agent.command.length === 0) {
    agent.command = ['kiln', 'agent'];
    if (agent.args !== undefined) {
      if (Array.isArray(agent.args) ? agent.args.length > 0 : agent.args !== null && agent.args !== '') {
        notes.push(`container '${AGENT_CONTAINER}': its args (${JSON.stringify(agent.args)}) are for Jenkins' agent; Kiln's agent takes none, so they are dropped`);
      }
      delete agent.args;
    }
  }

  // The shared workspace in every container, unless one mounts something there already: at the
  // agent's work dir, or at a tool container's own `workingDir` (as the plugin mounts it; its
  // steps then run at the same place under that path: workdirs).
  const volumes = listOf(spec.volumes);
  const mounts = (c: Obj) => listOf(c.volumeMounts).filter(isObj);
  let needVolume = false;
  const workdirs: Record<string, string> = {};
  const mountOf = (c: Obj): string => {
    const own = typeof c.workingDir === 'string' && c.workingDir.startsWith('/') && c.name !== AGENT_CONTAINER ? c.workingDir.replace(/\/+$/, '') || '/' : workdir;
    return own === '/' || mounts(c).some((m) => m.mountPath === workdir) ? workdir : own;
  };
  for (const c of containers) {
    const at = mountOf(c);
    if (at !== workdir) workdirs[String(c.name)] = at;
    if (mounts(c).some((m) => m.mountPath === at)) continue;
    c.volumeMounts = [...listOf(c.volumeMounts), { name: WORKSPACE_VOLUME, mountPath: at, readOnly: false }];
    needVolume = true;
  }
  if (needVolume && !volumes.some((v) => isObj(v) && v.name === WORKSPACE_VOLUME)) volumes.push({ name: WORKSPACE_VOLUME, emptyDir: {} });
  // The step runner in every container that has a command; the agent learns where they are.
  const kiln = `${workdir.replace(/\/+$/, '')}/.kiln`;
  const runnable: string[] = [];
  const agentContainer = r.agentContainer && r.agentContainer !== AGENT_CONTAINER ? r.agentContainer : null;
  for (const c of containers) {
    // The agentContainer with no command of its own: the runner alone keeps it up.
    const idle = c.name === agentContainer && (!Array.isArray(c.command) || c.command.length === 0);
    if (idle) {
      c.command = [];
      delete c.args;
    }
    if (c.name === AGENT_CONTAINER || !Array.isArray(c.command) || (c.command.length === 0 && !idle)) continue;
    const ck = `${(workdirs[String(c.name)] ?? workdir).replace(/\/+$/, '')}/.kiln`;
    c.command = ['sh', '-c', 'eval "$KILN_RUNNER_SH"', 'kiln-runner', `${ck}/c/${String(c.name)}`, ...c.command, ...listOf(c.args)];
    delete c.args;
    c.env = mergeByKey(listOf(c.env), [{ name: 'KILN_RUNNER_SH', value: RUNNER_SH }], 'name');
    runnable.push(String(c.name));
  }
  const names = containers.map((c) => String(c.name));
  agent.env = mergeByKey(listOf(agent.env), [
    { name: 'KILN_POD_RUNNERS', value: `${kiln}/c` },
    { name: 'KILN_POD_CONTAINERS', value: runnable.join(',') },
    { name: 'KILN_POD_ALL_CONTAINERS', value: names.join(',') },
  ], 'name');
  spec.containers = containers;
  if (volumes.length) spec.volumes = volumes;
  pod.spec = spec;

  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new PodSpecError(`two containers are named '${String(dup)}'`);
  if (r.defaultContainer !== null && !names.includes(r.defaultContainer)) {
    throw new PodSpecError(`defaultContainer '${r.defaultContainer}' is not a container of the pod (it has: ${names.join(', ')})`);
  }
  if (agentContainer !== null && !names.includes(agentContainer)) {
    throw new PodSpecError(`agentContainer '${agentContainer}' is not a container of the pod (it has: ${names.join(', ')})`);
  }
  // In the usual order (apiVersion, kind, metadata, spec), however the parts were merged.
  const { apiVersion, kind, metadata: md, spec: sp, ...rest } = pod;
  return { pod: { apiVersion, kind, metadata: md, spec: sp, ...rest } as Obj, defaultContainer: r.defaultContainer ?? agentContainer, notes, workdirs, workdir };
}

/** The manifest as the build console shows it: YAML, with the agent's secret masked. */
export function manifestForLog(pod: Obj, secret: string): string {
  // The runner script is Kiln's own, the same in every pod: named, not printed.
  const shown = structuredClone(pod);
  for (const c of [...listOf(objOf(shown.spec).initContainers), ...listOf(objOf(shown.spec).containers)]) {
    for (const e of listOf(objOf(c).env)) if (isObj(e) && e.name === 'KILN_RUNNER_SH') e.value = `<Kiln's step runner, ${RUNNER_SH.split('\n').length} lines>`;
  }
  const text = stringify(shown, { lineWidth: 0 });
  return secret ? text.split(secret).join('********') : text;
}
