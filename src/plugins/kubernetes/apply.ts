// What the kubernetesApply step does against the API server, apart from the step itself:
// manifests parsed (multi-document YAML 1.1 as Kubernetes reads it, `kind: List` expanded),
// every object server-side applied (PATCH application/apply-patch+yaml, force) at the resource
// discovery names for its kind, Deployments watched until they roll out or fail, and rolled back
// to the revision they had before when asked.
//
// Requests go through node:https with the TLS material and Authorization header the
// @kubernetes/client-node KubeConfig gives (so kubeconfig credentials with client certificates,
// tokens or exec plugins work), which keeps the exact request bytes and answer codes in hand:
// 201 vs 200 tells "created" from "configured", the resourceVersion before and after tells
// "unchanged".
import http from 'node:http';
import https from 'node:https';
import { parseAllDocuments } from 'yaml';
import type { Credential } from '../../core/credentials.ts';
import { describeKubeError, kubeConfig, type KubernetesCloudSettings } from './cloud.ts';
import { KilnError } from '../../core/errors.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});

export class KubeApplyError extends KilnError {
  constructor(message: string) {
    super('kubernetes.apply', message);
  }
}

/** An answer of the API server other than 2xx. */
export class KubeApiError extends KilnError {
  readonly status: number;
  readonly reason: string;
  readonly apiMessage: string;
  constructor(status: number, reason: string, apiMessage: string) {
    super('kubernetes.api', `${status}${reason ? ` ${reason}` : ''}${apiMessage ? `: ${apiMessage}` : ''}`);
    this.status = status;
    this.reason = reason;
    this.apiMessage = apiMessage;
  }
}

// ---------------------------------------------------------------------------------------------
// the connection

export interface KubeTarget {
  /** A secretFile (kubeconfig) or secretText (token) credential. */
  credential: Credential;
  /** Required with a token; overrides the kubeconfig's server otherwise. */
  serverUrl?: string | null;
  /** PEM or base64 of PEM. */
  caCertificate?: string | null;
  /** Overrides the kubeconfig's. */
  skipTlsVerify?: boolean;
}

export interface KubeConn {
  server: string;
  /** The namespace of the kubeconfig's current context ('default' for a token). */
  contextNamespace: string;
  request(method: string, path: string, o?: { body?: string; contentType?: string; query?: Record<string, string>; signal?: AbortSignal }): Promise<{ status: number; body: Obj }>;
  /** Streams watch events until the server ends the stream (resolves) or the signal aborts (resolves). */
  watch(path: string, query: Record<string, string>, onEvent: (type: string, object: Obj) => void, signal: AbortSignal): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 60_000;

/** A connection to the API server from a kubeconfig or token credential. */
export async function connect(t: KubeTarget): Promise<KubeConn> {
  const settings: KubernetesCloudSettings = {
    serverUrl: t.serverUrl ?? null, caCertificate: t.caCertificate ?? null, skipTlsVerify: t.skipTlsVerify ?? false,
    namespace: 'default', credentialsId: t.credential.id, inCluster: false, controllerUrl: null, tunnel: null,
    containerCap: 1, podRetention: 'never', connectTimeoutSeconds: 60, agentImage: '', templates: [],
  };
  let kc: Awaited<ReturnType<typeof kubeConfig>>;
  try {
    kc = await kubeConfig(settings, t.credential);
  } catch (e) {
    throw new KubeApplyError((e as Error).message);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeApplyError(`credential '${t.credential.id}': no cluster in the kubeconfig's current context`);
  const server = cluster.server.replace(/\/+$/, '');
  const contextNamespace = kc.getContextObject(kc.getCurrentContext())?.namespace || 'default';

  const options = async (method: string, headers: Record<string, string>, signal?: AbortSignal): Promise<https.RequestOptions> => {
    const o: https.RequestOptions = { method, headers: { Accept: 'application/json', 'User-Agent': 'kiln', ...headers } };
    await kc.applyToHTTPSOptions(o);
    if (signal) o.signal = signal;
    return o;
  };
  const url = (path: string, query?: Record<string, string>): URL => {
    const u = new URL(server + path);
    for (const [k, v] of Object.entries(query ?? {})) u.searchParams.set(k, v);
    return u;
  };
  const send = (u: URL, o: https.RequestOptions, body: string | undefined): Promise<http.IncomingMessage> => new Promise((resolve, reject) => {
    const req = (u.protocol === 'https:' ? https : http).request(u, o, resolve);
    req.on('error', reject);
    req.end(body);
  });
  const readAll = async (res: http.IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const c of res) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  };
  const fail = (status: number, text: string): KubeApiError => {
    let b: Obj = {};
    try { b = obj(JSON.parse(text)); } catch { /* not JSON */ }
    return new KubeApiError(status, typeof b.reason === 'string' ? b.reason : '', typeof b.message === 'string' ? b.message : text.slice(0, 300).trim());
  };
  const network = (e: unknown): Error => (e instanceof KubeApiError || (e as Error).name === 'AbortError' ? e as Error : new KubeApplyError(describeKubeError(e, server)));

  return {
    server,
    contextNamespace,
    async request(method, path, o = {}) {
      const headers: Record<string, string> = {};
      if (o.body !== undefined) {
        headers['Content-Type'] = o.contentType ?? 'application/json';
        headers['Content-Length'] = String(Buffer.byteLength(o.body));
      }
      // One call may take at most REQUEST_TIMEOUT_MS: an API server that accepts the connection
      // and never answers must not hold the build until its own timeout.
      const limit = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
      const signal = o.signal ? AbortSignal.any([o.signal, limit]) : limit;
      try {
        const res = await send(url(path, o.query), await options(method, headers, signal), o.body);
        const text = await readAll(res);
        const status = res.statusCode ?? 0;
        if (status < 200 || status > 299) throw fail(status, text);
        let body: Obj = {};
        try { body = obj(JSON.parse(text)); } catch { /* empty */ }
        return { status, body };
      } catch (e) {
        if (limit.aborted && !o.signal?.aborted) throw new KubeApplyError(`no answer from ${server} to ${method} ${path} within ${REQUEST_TIMEOUT_MS / 1000} s`);
        throw network(e);
      }
    },
    async watch(path, query, onEvent, signal) {
      let res: http.IncomingMessage;
      try {
        res = await send(url(path, { ...query, watch: 'true' }), await options('GET', {}, signal), undefined);
      } catch (e) {
        if (signal.aborted) return;
        throw network(e);
      }
      const status = res.statusCode ?? 0;
      if (status !== 200) throw fail(status, await readAll(res).catch(() => ''));
      let buf = '';
      try {
        for await (const chunk of res) {
          buf += (chunk as Buffer).toString('utf8');
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl).trim();
            buf = buf.slice(nl + 1);
            if (!line) continue;
            let ev: Obj;
            try { ev = obj(JSON.parse(line)); } catch { continue; }
            onEvent(String(ev.type ?? ''), obj(ev.object));
            if (signal.aborted) { res.destroy(); return; }
          }
        }
      } catch (e) {
        if (signal.aborted) return;
        throw network(e);
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// manifests

export interface Manifest {
  /** The file (as the user wrote it or as the glob found it), or 'text'. */
  source: string;
  /** 1-based document number in the source. */
  doc: number;
  /** 1-based item number when the document is a `kind: List`. */
  item: number | null;
  object: Obj;
}

export function where(m: Pick<Manifest, 'source' | 'doc' | 'item'>): string {
  return `${m.source} document ${m.doc}${m.item !== null ? ` item ${m.item}` : ''}`;
}

/** Every object of one file's text: multi-document YAML (or JSON), read as YAML 1.1 like Kubernetes does (0644 is octal). */
export function parseManifests(text: string, source: string): Manifest[] {
  const out: Manifest[] = [];
  const docs = parseAllDocuments(text, { version: '1.1' });
  const list = Array.isArray(docs) ? docs : [];
  for (const [i, d] of list.entries()) {
    const doc = i + 1;
    const e = d.errors[0];
    if (e) {
      const pos = e.linePos?.[0];
      throw new KubeApplyError(`${source} document ${doc}: not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`);
    }
    const value: unknown = d.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue; // an empty document, as kubectl skips
    const check = (v: unknown, item: number | null): void => {
      const m = { source, doc, item };
      if (!isObj(v)) throw new KubeApplyError(`${where(m)}: not a Kubernetes object (a mapping with apiVersion, kind and metadata), got ${Array.isArray(v) ? 'a list' : JSON.stringify(v)}`);
      const missing = ['apiVersion', 'kind'].filter((k) => typeof v[k] !== 'string' || v[k] === '');
      if (missing.length) throw new KubeApplyError(`${where(m)}: missing ${missing.join(' and ')}`);
      if (v.kind === 'List' || (typeof v.kind === 'string' && v.kind.endsWith('List') && Array.isArray(v.items))) {
        if (item !== null) throw new KubeApplyError(`${where(m)}: a List inside a List`);
        const items = Array.isArray(v.items) ? v.items : [];
        items.forEach((x, j) => check(x, j + 1));
        return;
      }
      const meta = obj(v.metadata);
      if (typeof meta.name !== 'string' || meta.name === '') {
        throw new KubeApplyError(`${where(m)}: ${String(v.kind)} without metadata.name${typeof meta.generateName === 'string' ? ' (generateName cannot be applied: apply needs a name)' : ''}`);
      }
      out.push({ ...m, object: v });
    };
    check(value, null);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// discovery

export interface ResourceInfo {
  group: string;
  version: string;
  resource: string;
  namespaced: boolean;
}

/** Used when discovery itself is refused: the kinds pipelines deploy most. */
const COMMON: Record<string, [resource: string, namespaced: boolean]> = {
  'v1/Namespace': ['namespaces', false], 'v1/ConfigMap': ['configmaps', true], 'v1/Secret': ['secrets', true],
  'v1/Service': ['services', true], 'v1/ServiceAccount': ['serviceaccounts', true], 'v1/PersistentVolumeClaim': ['persistentvolumeclaims', true],
  'v1/PersistentVolume': ['persistentvolumes', false], 'v1/Pod': ['pods', true], 'v1/LimitRange': ['limitranges', true], 'v1/ResourceQuota': ['resourcequotas', true],
  'apps/v1/Deployment': ['deployments', true], 'apps/v1/StatefulSet': ['statefulsets', true], 'apps/v1/DaemonSet': ['daemonsets', true], 'apps/v1/ReplicaSet': ['replicasets', true],
  'batch/v1/Job': ['jobs', true], 'batch/v1/CronJob': ['cronjobs', true],
  'networking.k8s.io/v1/Ingress': ['ingresses', true], 'networking.k8s.io/v1/NetworkPolicy': ['networkpolicies', true], 'networking.k8s.io/v1/IngressClass': ['ingressclasses', false],
  'rbac.authorization.k8s.io/v1/Role': ['roles', true], 'rbac.authorization.k8s.io/v1/RoleBinding': ['rolebindings', true],
  'rbac.authorization.k8s.io/v1/ClusterRole': ['clusterroles', false], 'rbac.authorization.k8s.io/v1/ClusterRoleBinding': ['clusterrolebindings', false],
  'policy/v1/PodDisruptionBudget': ['poddisruptionbudgets', true], 'autoscaling/v2/HorizontalPodAutoscaler': ['horizontalpodautoscalers', true],
  'apiextensions.k8s.io/v1/CustomResourceDefinition': ['customresourcedefinitions', false],
};

export class Discovery {
  readonly #conn: KubeConn;
  readonly #lists = new Map<string, Promise<Obj | null>>();
  constructor(conn: KubeConn) {
    this.#conn = conn;
  }

  /** The resource of apiVersion + kind, from the server's discovery (so custom resources work too). */
  async resource(apiVersion: string, kind: string): Promise<ResourceInfo> {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) as [string, string] : ['', apiVersion];
    const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
    let list = this.#lists.get(path);
    if (!list) {
      list = this.#conn.request('GET', path).then((r) => r.body, (e: unknown) => {
        if (e instanceof KubeApiError && e.status === 404) return null;
        if (e instanceof KubeApiError && (e.status === 403 || e.status === 401)) return { resources: [], refused: e.message } as Obj;
        throw e;
      });
      this.#lists.set(path, list);
    }
    const body = await list;
    const found = body && Array.isArray(body.resources)
      ? (body.resources as unknown[]).map(obj).find((r) => r.kind === kind && typeof r.name === 'string' && !r.name.includes('/'))
      : undefined;
    if (found) return { group, version, resource: String(found.name), namespaced: found.namespaced === true };
    const common = COMMON[`${apiVersion}/${kind}`];
    if (common && body && typeof body.refused === 'string') return { group, version, resource: common[0], namespaced: common[1] };
    if (body === null) throw new KubeApplyError(`the API server does not serve ${apiVersion} (no such API group/version${group ? '; is the CustomResourceDefinition installed?' : ''})`);
    throw new KubeApplyError(`the API server has no kind ${kind} in ${apiVersion}${group && !COMMON[`${apiVersion}/${kind}`] ? ' (is the CustomResourceDefinition installed?)' : ''}`);
  }
}

export function resourcePath(r: ResourceInfo, namespace: string | null, name?: string): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  return `${base}${r.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : ''}/${r.resource}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}`;
}

/** kubectl's way to name an object: `deployment.apps/web`, `service/web`. */
export function displayName(kind: string, group: string, name: string): string {
  return `${kind.toLowerCase()}${group ? `.${group}` : ''}/${name}`;
}

// ---------------------------------------------------------------------------------------------
// apply

export interface Applied {
  manifest: Manifest;
  info: ResourceInfo;
  namespace: string | null;
  name: string;
  display: string;
  outcome: 'created' | 'configured' | 'unchanged';
  /** The object before (null when it did not exist or could not be read) and after the apply. */
  before: Obj | null;
  after: Obj;
}

function stable(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (isObj(x) ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, x[k]])) : x));
}

/** The sentence for a refused or failed API call, naming the verb, resource and namespace. */
export function describeFailure(e: unknown, verb: string, info: Pick<ResourceInfo, 'group' | 'resource'>, namespace: string | null): string {
  if (e instanceof KubeApiError) {
    const res = `${info.resource}${info.group ? `.${info.group}` : ''}`;
    const scope = namespace ? ` in namespace "${namespace}"` : '';
    if (e.status === 403) {
      return `forbidden (403): the credentials may not ${verb} ${res}${scope}${e.apiMessage ? `: ${e.apiMessage}` : ''}`;
    }
    if (e.status === 401) return `the API server rejected the credentials (401 Unauthorized): the token or client certificate is wrong or expired`;
    if (e.status === 404 && /namespaces? "?[^"]*"? not found/.test(e.apiMessage)) return `${e.apiMessage} (create the namespace first, or apply a Namespace object before this one)`;
    return `the API server refused to ${verb} ${res}${scope} (${e.status}${e.reason ? ` ${e.reason}` : ''}): ${e.apiMessage}`;
  }
  return (e as Error).message;
}

export interface ApplyOptions {
  /** The namespace for namespaced objects that name none; null = the kubeconfig context's. */
  namespace: string | null;
  fieldManager: string;
  signal?: AbortSignal;
  log: (line: string) => void;
}

/** Server-side applies each object in order; throws at the first failure, naming the document. */
export async function applyAll(conn: KubeConn, manifests: Manifest[], o: ApplyOptions): Promise<Applied[]> {
  const discovery = new Discovery(conn);
  const defaultNs = o.namespace ?? conn.contextNamespace;
  // Resolve every kind first: an unknown kind fails before anything is changed.
  const infos: ResourceInfo[] = [];
  for (const m of manifests) {
    try {
      infos.push(await discovery.resource(String(m.object.apiVersion), String(m.object.kind)));
    } catch (e) {
      throw new KubeApplyError(`${where(m)} (${String(m.object.kind)} ${String(obj(m.object.metadata).name)}): ${(e as Error).message}`);
    }
  }
  const out: Applied[] = [];
  for (const [i, m] of manifests.entries()) {
    const info = infos[i]!;
    const meta = obj(m.object.metadata);
    const name = String(meta.name);
    const display = displayName(String(m.object.kind), info.group, name);
    let namespace: string | null = null;
    if (info.namespaced) {
      const own = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : null;
      if (own && o.namespace && own !== o.namespace) {
        throw new KubeApplyError(`${where(m)} (${display}): its metadata.namespace "${own}" differs from the step's namespace "${o.namespace}"; remove one of them`);
      }
      namespace = own ?? defaultNs;
    }
    const body = structuredClone(m.object);
    const bmeta = obj(body.metadata);
    body.metadata = bmeta;
    if (info.namespaced) bmeta.namespace = namespace;
    else delete bmeta.namespace;
    delete bmeta.resourceVersion;
    const path = resourcePath(info, namespace, name);
    let before: Obj | null = null;
    try {
      before = (await conn.request('GET', path, { signal: o.signal })).body;
    } catch (e) {
      // Not there yet, or reading is not allowed while applying is: the apply answers for itself.
      if (!(e instanceof KubeApiError && (e.status === 404 || e.status === 403))) {
        throw new KubeApplyError(`${where(m)} (${display}): ${describeFailure(e, 'get', info, namespace)}`);
      }
    }
    let res: { status: number; body: Obj };
    try {
      res = await conn.request('PATCH', path, {
        body: JSON.stringify(body), contentType: 'application/apply-patch+yaml',
        query: { fieldManager: o.fieldManager, force: 'true' }, signal: o.signal,
      });
    } catch (e) {
      throw new KubeApplyError(`${where(m)} (${display}): ${describeFailure(e, 'patch', info, namespace)}`);
    }
    const after = res.body;
    const outcome: Applied['outcome'] = res.status === 201 ? 'created'
      : before !== null && obj(before.metadata).resourceVersion === obj(after.metadata).resourceVersion ? 'unchanged' : 'configured';
    o.log(`${display} ${outcome}${info.namespaced && namespace !== defaultNs ? ` (namespace ${namespace})` : ''}`);
    out.push({ manifest: m, info, namespace, name, display, outcome, before, after });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// rollouts

export type RolloutState = { state: 'done' | 'waiting' | 'failed'; message: string };

/** Where a Deployment's rollout stands, by the rules of `kubectl rollout status`. */
export function rolloutState(d: Obj): RolloutState {
  const meta = obj(d.metadata);
  const spec = obj(d.spec);
  const s = obj(d.status);
  const want = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const n = (k: string): number => (typeof s[k] === 'number' ? s[k] : 0);
  const counts = `${n('updatedReplicas')} of ${want} updated, ${n('availableReplicas')} available${n('replicas') > n('updatedReplicas') ? `, ${n('replicas') - n('updatedReplicas')} old pending termination` : ''}`;
  const generation = typeof meta.generation === 'number' ? meta.generation : 0;
  if (n('observedGeneration') < generation) {
    return { state: 'waiting', message: `${counts} (the deployment controller has not yet observed generation ${generation}; it has seen ${n('observedGeneration')})` };
  }
  const progressing = (Array.isArray(s.conditions) ? s.conditions : []).map(obj).find((c) => c.type === 'Progressing');
  if (progressing && progressing.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    const deadline = typeof spec.progressDeadlineSeconds === 'number' ? ` (progressDeadlineSeconds ${spec.progressDeadlineSeconds})` : '';
    return { state: 'failed', message: `exceeded its progress deadline${deadline}: ${String(progressing.message ?? 'ProgressDeadlineExceeded')} [${counts}]` };
  }
  if (spec.paused === true) return { state: 'done', message: 'is paused: not waiting for its rollout' };
  if (n('updatedReplicas') < want || n('replicas') > n('updatedReplicas') || n('availableReplicas') < n('updatedReplicas') || n('availableReplicas') < want) {
    return { state: 'waiting', message: counts };
  }
  return { state: 'done', message: 'successfully rolled out' };
}

export interface RolloutResult {
  applied: Applied;
  ok: boolean;
  message: string;
}

/**
 * Waits for one Deployment: reads it, then watches it from that resourceVersion (reading again
 * when the watch ends or its version expires), judging every change. `deadline` aborting
 * means the step's timeout passed.
 */
export async function waitForRollout(conn: KubeConn, a: Applied, deadline: AbortSignal, timeoutSeconds: number, log: (line: string) => void): Promise<RolloutResult> {
  const path = resourcePath(a.info, a.namespace);
  const one = resourcePath(a.info, a.namespace, a.name);
  let last: Obj = a.after;
  let said = '';
  const judge = (d: Obj): RolloutState => {
    const st = rolloutState(d);
    if (st.state === 'waiting' && st.message !== said) {
      said = st.message;
      log(`Waiting for ${a.display} to roll out: ${st.message}`);
    }
    return st;
  };
  const timedOut = (): RolloutResult => ({ applied: a, ok: false, message: `${a.display} did not roll out within ${timeoutSeconds} s: ${rolloutState(last).message}` });
  let reread = true;
  while (!deadline.aborted) {
    if (reread) {
      try {
        last = (await conn.request('GET', one, { signal: deadline })).body;
      } catch (e) {
        if (deadline.aborted) break;
        return { applied: a, ok: false, message: `${a.display}: ${describeFailure(e, 'get', a.info, a.namespace)}` };
      }
      reread = false;
    }
    const st = judge(last);
    if (st.state !== 'waiting') return { applied: a, ok: st.state === 'done', message: `${a.display} ${st.message}` };
    const stop = new AbortController();
    const both = AbortSignal.any([deadline, stop.signal]);
    let verdict: RolloutState | null = null;
    let gone = false;
    try {
      await conn.watch(path, { fieldSelector: `metadata.name=${a.name}`, resourceVersion: String(obj(last.metadata).resourceVersion ?? ''), allowWatchBookmarks: 'true', timeoutSeconds: '300' }, (type, o) => {
        if (type === 'ERROR') {
          reread = true; // 410 Gone (too old a version) or another watch error: read afresh
          stop.abort();
          return;
        }
        if (type === 'BOOKMARK') {
          last = { ...last, metadata: { ...obj(last.metadata), resourceVersion: obj(o.metadata).resourceVersion } };
          return;
        }
        if (type === 'DELETED') {
          gone = true;
          stop.abort();
          return;
        }
        last = o;
        const s = judge(o);
        if (s.state !== 'waiting') {
          verdict = s;
          stop.abort();
        }
      }, both);
    } catch (e) {
      if (deadline.aborted) break;
      if (e instanceof KubeApiError && e.status === 410) { reread = true; continue; }
      if (e instanceof KubeApiError) return { applied: a, ok: false, message: `${a.display}: ${describeFailure(e, 'watch', a.info, a.namespace)}` };
      // A dropped connection: read again and watch again.
      reread = true;
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    if (gone) return { applied: a, ok: false, message: `${a.display} was deleted while waiting for its rollout` };
    const v = verdict as RolloutState | null;
    if (v) return { applied: a, ok: v.state === 'done', message: `${a.display} ${v.message}` };
  }
  return timedOut();
}

/** The pod template a ReplicaSet holds, as `kubectl rollout undo` restores it (without pod-template-hash). */
function templateOf(rs: Obj): Obj {
  const t = structuredClone(obj(obj(rs.spec).template));
  const meta = obj(t.metadata);
  const labels = obj(meta.labels);
  delete labels['pod-template-hash'];
  meta.labels = labels;
  t.metadata = meta;
  return t;
}

const REVISION = 'deployment.kubernetes.io/revision';

/**
 * Puts back the pod template a Deployment had before this step changed it: the template of its
 * ReplicaSet carrying the revision the Deployment had before (as `kubectl rollout undo` does),
 * or, when that ReplicaSet cannot be found or read, the template read before the apply.
 * A JSON patch of /spec/template; the Deployment controller then makes that ReplicaSet current
 * again under a new revision number.
 */
export async function rollBack(conn: KubeConn, a: Applied, fieldManager: string): Promise<string> {
  if (!a.before) return `${a.display}: not rolled back: it did not exist before this step (delete it by hand if it must go)`;
  const beforeTemplate = obj(obj(a.before.spec).template);
  const now = await conn.request('GET', resourcePath(a.info, a.namespace, a.name)).then((r) => r.body, () => a.after);
  if (stable(obj(obj(now.spec).template)) === stable(beforeTemplate)) return `${a.display}: not rolled back: this step did not change its pod template`;
  const prevRevision = obj(obj(a.before.metadata).annotations)[REVISION];
  let template = beforeTemplate;
  let from = 'the template read before the apply';
  if (typeof prevRevision === 'string') {
    try {
      const uid = obj(now.metadata).uid;
      const rsInfo: ResourceInfo = { group: 'apps', version: 'v1', resource: 'replicasets', namespaced: true };
      const sel = obj(obj(now.spec).selector).matchLabels;
      const query = isObj(sel) ? { labelSelector: Object.entries(sel).map(([k, v]) => `${k}=${String(v)}`).join(',') } : undefined;
      const list = (await conn.request('GET', resourcePath(rsInfo, a.namespace), query ? { query } : {})).body;
      const rs = (Array.isArray(list.items) ? list.items : []).map(obj).find((r) => {
        const m = obj(r.metadata);
        return (Array.isArray(m.ownerReferences) ? m.ownerReferences : []).some((x) => obj(x).uid === uid) && obj(m.annotations)[REVISION] === prevRevision;
      });
      if (rs) {
        template = templateOf(rs);
        from = `ReplicaSet ${String(obj(rs.metadata).name)}`;
      }
    } catch { /* fall back to the template read before */ }
  }
  try {
    await conn.request('PATCH', resourcePath(a.info, a.namespace, a.name), {
      body: JSON.stringify([{ op: 'replace', path: '/spec/template', value: template }]), contentType: 'application/json-patch+json',
      query: { fieldManager },
    });
  } catch (e) {
    return `${a.display}: rollback failed: ${describeFailure(e, 'patch', a.info, a.namespace)}`;
  }
  return `${a.display} rolled back to revision ${typeof prevRevision === 'string' ? prevRevision : '(previous)'}: its previous pod template (from ${from}) is applied again; the rollback's own rollout is not waited for`;
}
