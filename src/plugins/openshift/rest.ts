// The OpenShift Pipeline plugin's steps (openshift/jenkins-plugin, deprecated but in use), calling
// the OpenShift REST API from the controller as the plugin does, with its console lines
// (MessageConstants: "Starting "<step>" with deployment config "x" from the project "p".", ...
// "Exiting "<step>" successfully ..."); a failure is the step's error with the plugin's
// "Exiting ... unsuccessfully" message.
//
//   openshiftCreateResource(jsonyaml:)                POST each object (a List: each item) to its kind's path
//   openshiftDeleteResourceByJsonYaml(jsonyaml:)      DELETE each object named there
//   openshiftDeleteResourceByKey(types:, keys:)       DELETE type[i]/key[i]
//   openshiftDeleteResourceByLabels(types:, keys:, values:)   DELETE the objects of each type with all the labels
//   openshiftScale(depCfg:, replicaCount:, verifyReplicaCount:)   PATCH deploymentconfigs/x/scale, then wait for
//                                                     the latest ReplicationController (NAME-<latestVersion>)
//   openshiftDeploy(depCfg:)                          POST deploymentconfigs/x/instantiate, wait for the new RC Complete
//   openshiftVerifyDeployment(depCfg:, replicaCount:, verifyReplicaCount:)   wait for the latest RC Complete
//   openshiftBuild(bldCfg:, commitID:, env:, showBuildLogs:)   POST buildconfigs/x/instantiate, wait for Complete
//   openshiftVerifyBuild(bldCfg:)                     wait for the BuildConfig's latest build to be Complete
//   openshiftVerifyService(svcName:)                  the Service exists and its Endpoints have a ready address
//   openshiftTag(srcStream:, srcTag:, destStream:, destTag:, alias:)   the destination image streams' spec.tags get the
//                                                     source image (ImageStreamImage stream@id) or tag (alias: ImageStreamTag)
//
// Where: apiURL, else the cluster the host configured as "default" (core/http-services.ts
// openshiftClusters); a configured cluster's URL brings its CA, TLS choice and credential.
// Who: authToken names a secret text credential; without one, only a configured cluster's own
// credential is used (never the controller's own service account: a Jenkinsfile must not act as
// the Kiln server). The token goes only in the Authorization header, never to the console. An
// apiURL no administrator configured is held to httpRequest's rule: on a controller, not the
// server's own network (loopback, private, link-local) unless the host is allowed.
import { StepFailure } from '../../core/errors.ts';
import type { OpenShiftCluster } from '../../core/http-services.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { StepArgs } from '../../pipeline/steps/types.ts';
import { str } from '../../pipeline/steps/args.ts';
import { isList, isMap } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, jsonOf, privateAddress } from '../../util/http-client.ts';

export type Obj = Record<string, unknown>;
export const asObj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Obj : {});

export interface Api {
  /** Refuses addresses of the Kiln server's own network for a URL no administrator configured (httpRequest's rule). */
  guard: ((address: string, host: string) => string | null) | null;
  url: string;
  namespace: string;
  token: string;
  ca: string | null;
  insecure: boolean;
  chatty: boolean;
}

/** Kinds the steps know: kind (lower case, and plural/short names) → API path prefix and plural. */
const KINDS: [string, string, string, string[]][] = [
  ['BuildConfig', '/apis/build.openshift.io/v1', 'buildconfigs', ['bc']],
  ['Build', '/apis/build.openshift.io/v1', 'builds', []],
  ['DeploymentConfig', '/apis/apps.openshift.io/v1', 'deploymentconfigs', ['dc']],
  ['ImageStream', '/apis/image.openshift.io/v1', 'imagestreams', ['is']],
  ['ImageStreamTag', '/apis/image.openshift.io/v1', 'imagestreamtags', ['istag']],
  ['Route', '/apis/route.openshift.io/v1', 'routes', []],
  ['Template', '/apis/template.openshift.io/v1', 'templates', []],
  ['Service', '/api/v1', 'services', ['svc']],
  ['ConfigMap', '/api/v1', 'configmaps', ['cm']],
  ['Secret', '/api/v1', 'secrets', []],
  ['Pod', '/api/v1', 'pods', ['po']],
  ['ReplicationController', '/api/v1', 'replicationcontrollers', ['rc']],
  ['ServiceAccount', '/api/v1', 'serviceaccounts', ['sa']],
  ['PersistentVolumeClaim', '/api/v1', 'persistentvolumeclaims', ['pvc']],
  ['Endpoints', '/api/v1', 'endpoints', ['ep']],
  ['Deployment', '/apis/apps/v1', 'deployments', ['deploy']],
  ['ReplicaSet', '/apis/apps/v1', 'replicasets', ['rs']],
  ['StatefulSet', '/apis/apps/v1', 'statefulsets', ['sts']],
  ['DaemonSet', '/apis/apps/v1', 'daemonsets', ['ds']],
  ['Job', '/apis/batch/v1', 'jobs', []],
  ['CronJob', '/apis/batch/v1', 'cronjobs', ['cj']],
  ['Role', '/apis/rbac.authorization.k8s.io/v1', 'roles', []],
  ['RoleBinding', '/apis/rbac.authorization.k8s.io/v1', 'rolebindings', []],
];

function kindPath(kind: string): { kind: string; prefix: string; plural: string } | null {
  const k = kind.trim().toLowerCase();
  for (const [name, prefix, plural, short] of KINDS) {
    if (k === name.toLowerCase() || k === plural || short.includes(k) || `${k}s` === plural) return { kind: name, prefix, plural };
  }
  return null;
}

/** A name as the API accepts it: nothing that changes the path. */
export function safeName(name: string, what: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9.:_-]{0,252}$/.test(name)) throw new StepFailure(`${what} '${name}' is not a valid object name`);
  return name;
}

export const v = (args: StepArgs, name: string): string => (str(args, name) ?? '').trim();

export async function connect(ctx: StepContext, args: StepArgs, display: string): Promise<Api> {
  const services = ctx.build.services.httpServices;
  const settings = services ? await services.settings() : null;
  const clusters: OpenShiftCluster[] = settings?.openshiftClusters ?? [];
  const apiURL = v(args, 'apiURL').replace(/\/+$/, '');
  const cluster = apiURL ? clusters.find((c) => c.url.replace(/\/+$/, '') === apiURL) : clusters.find((c) => c.name === 'default');
  const url = apiURL || cluster?.url.replace(/\/+$/, '') || '';
  if (!url) throw new StepFailure(`${display}: no apiURL, and no cluster named "default" is configured on this host`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StepFailure(`${display}: apiURL '${url}' is not a URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new StepFailure(`${display}: apiURL '${url}' is not an http or https URL`);
  if (u.username || u.password) throw new StepFailure(`${display}: no user or password in apiURL: give authToken (a credential id)`);
  const credentialsId = v(args, 'authToken') || cluster?.credentialsId || '';
  if (!credentialsId) throw new StepFailure(`${display}: no authToken: give the id of a secret text credential holding the token (Kiln does not lend the server's own service account to builds)`);
  let c;
  try {
    c = await ctx.build.services.credential(credentialsId);
  } catch (e) {
    throw new StepFailure(`${display}: authToken '${credentialsId}' is not a credential Kiln knows (${(e as Error).message}); Kiln takes no literal token: store it as a secret text credential`);
  }
  if (c.type !== 'secretText' || !c.secret) throw new StepFailure(`${display}: the credential '${credentialsId}' is a ${c.type}: the token is a secret text credential`);
  const namespace = v(args, 'namespace') || ctx.env.PROJECT_NAME || cluster?.defaultProject || '';
  if (!namespace) throw new StepFailure(`${display}: no namespace: give namespace: 'project'`);
  safeName(namespace, 'namespace');
  const verbose = args.values.verbose;
  const reach = settings?.httpRequest ?? { allowedHosts: [], allowPrivate: false };
  const allowed = (host: string) => reach.allowedHosts.some((a) => {
    const x = a.trim().toLowerCase();
    return x.startsWith('*.') ? host.toLowerCase().endsWith(x.slice(1)) : host.toLowerCase() === x;
  });
  const guard = cluster || reach.allowPrivate ? null : (address: string, host: string) => (privateAddress(address) && !allowed(host)
    ? `${host} is ${address}, an address of the Kiln server's own network: a build may reach it only as a cluster an administrator configured (openshiftClusters) or an allowed host (httpRequest allowedHosts)`
    : null);
  return { guard, url, namespace, token: c.secret, ca: cluster?.serverCertificateAuthority || null, insecure: cluster?.skipTlsVerify ?? false, chatty: verbose === true || String(verbose) === 'true' };
}

export interface Answer { status: number; json: Obj; text: string }

export async function call(ctx: StepContext, api: Api, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  if (api.chatty) ctx.log(`  ${method} ${api.url}${path}`);
  try {
    const a = await httpCall({
      method, url: `${api.url}${path}`, timeoutMs: 60_000, signal: ctx.signal, maxBytes: 32 * 1024 * 1024, insecure: api.insecure,
      ...(api.ca ? { ca: api.ca } : {}), ...(api.guard ? { addressGuard: api.guard } : {}),
      headers: { Authorization: `Bearer ${api.token}`, Accept: 'application/json', ...(body !== undefined ? { 'Content-Type': contentType } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = a.body.toString('utf8');
    return { status: a.status, json: asObj(jsonOf(a)), text };
  } catch (e) {
    if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
    throw new StepFailure(`a client connection to "${api.url}" could not be obtained: ${(e as Error).message}`);
  }
}

/** The API's reason for a failed call (its Status message), for the console. */
export const reason = (a: Answer): string => String(a.json.message ?? (a.text.slice(0, 300) || `HTTP ${a.status}`));

export async function get(ctx: StepContext, api: Api, path: string): Promise<Obj | null> {
  const a = await call(ctx, api, 'GET', path);
  if (a.status === 404) return null;
  if (a.status >= 300) throw new StepFailure(`GET ${path}: ${reason(a)}`);
  return a.json;
}

export const nsPath = (api: Api, prefix: string, plural: string, name?: string) => `${prefix}/namespaces/${encodeURIComponent(api.namespace)}/${plural}${name !== undefined ? `/${encodeURIComponent(name)}` : ''}`;

export function waitMs(args: StepArgs, dflt: number): number {
  const t = v(args, 'waitTime');
  if (!t) return dflt;
  const n = Number(t);
  if (!Number.isFinite(n) || n <= 0) throw new StepFailure(`waitTime '${t}' is not a positive number`);
  const unit = v(args, 'waitUnit') || 'milli';
  return unit === 'sec' ? n * 1000 : unit === 'min' ? n * 60_000 : n;
}

/** Waits `ms`, or rejects with the signal's reason when it aborts first. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(signal.reason as Error); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Polls `check` once a second until it answers or `ms` pass (the step's waitTime). */
async function until<T>(ctx: StepContext, ms: number, check: () => Promise<T | null>): Promise<T | null> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await check();
    if (r !== null) return r;
    if (Date.now() >= end) return null;
    await pause(Math.min(1000, Math.max(1, end - Date.now())), ctx.signal);
  }
}

/** JSON or YAML text: one object or a List, as objects. */
async function objectsOf(text: string, display: string): Promise<Obj[]> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    try {
      doc = (await import('yaml')).parse(text);
    } catch (e) {
      throw new StepFailure(`${display}: jsonyaml is neither JSON nor YAML: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const o = asObj(doc);
  if (!o.kind) throw new StepFailure(`${display}: jsonyaml is not an object with a kind`);
  return String(o.kind).toLowerCase() === 'list' ? (Array.isArray(o.items) ? o.items.map(asObj) : []) : [o];
}

const CREATE = 'Create OpenShift Resource(s)';
const createResource: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, CREATE);
  ctx.log(`\n\nStarting "${CREATE}" with the project "${api.namespace}".`);
  let created = 0;
  let failed = 0;
  for (const o of await objectsOf(v(args, 'jsonyaml'), CREATE)) {
    const kind = String(o.kind ?? '');
    const k = kindPath(kind);
    if (!k) {
      ctx.log(`  The API resource "${kind}" is not currently supported by this step.`);
      ctx.log(`  Failed to create a "${kind}"`);
      failed++;
      continue;
    }
    const meta = asObj(o.metadata);
    const ns = typeof meta.namespace === 'string' && meta.namespace ? safeName(meta.namespace, 'metadata.namespace') : api.namespace;
    const a = await call(ctx, api, 'POST', `${k.prefix}/namespaces/${encodeURIComponent(ns)}/${k.plural}`, o);
    if (a.status >= 300) {
      ctx.log(`  ${reason(a)}`);
      ctx.log(`  Failed to create a "${kind}"`);
      failed++;
    } else {
      ctx.log(`  Created a "${kind}"`);
      created++;
    }
  }
  if (failed > 0) throw new StepFailure(`Exiting "${CREATE}" unsuccessfully, with ${created} resource(s) created and ${failed} failed attempt(s).`);
  ctx.log(`\n\nExiting "${CREATE}" successfully, with ${created} resource(s) created.`);
  return null;
};

async function deleteAll(ctx: StepContext, api: Api, display: string, targets: { type: string; key: string; labels?: Record<string, string> }[]): Promise<void> {
  ctx.log(`\n\nStarting "${display}" with the project "${api.namespace}".`);
  let deleted = 0;
  let failed = 0;
  for (const t of targets) {
    const k = kindPath(t.type);
    if (!k) {
      ctx.log(`  The API resource "${t.type}" is not currently supported by this step.`);
      ctx.log(`  Failed to delete a "${t.type}" with key "${t.key}"`);
      failed++;
      continue;
    }
    let names: string[];
    if (t.labels) {
      const sel = Object.entries(t.labels).map(([a, b]) => `${a}=${b}`).join(',');
      const list = await get(ctx, api, `${nsPath(api, k.prefix, k.plural)}?labelSelector=${encodeURIComponent(sel)}`);
      names = (Array.isArray(list?.items) ? list.items : []).map((i) => String(asObj(asObj(i).metadata).name));
    } else names = [safeName(t.key, t.type)];
    for (const name of names) {
      const a = await call(ctx, api, 'DELETE', nsPath(api, k.prefix, k.plural, name), { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background' });
      if (a.status >= 300) {
        ctx.log(`  ${reason(a)}`);
        ctx.log(`  Failed to delete a "${t.type}" with key "${name}"`);
        failed++;
      } else {
        ctx.log(`  Deleted a "${t.type}" with key "${name}"`);
        deleted++;
      }
    }
  }
  if (failed > 0) throw new StepFailure(`Exiting "${display}" unsuccessfully, with ${deleted} resource(s) deleted and ${failed} failed attempt(s).`);
  ctx.log(`\n\nExiting "${display}" successfully, with ${deleted} resource(s) deleted.`);
}

const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);

const DELETE_JSON = 'Delete OpenShift Resource(s) from JSON/YAML';
const DELETE_KEY = 'Delete OpenShift Resource(s) by Key';
const DELETE_LABELS = 'Delete OpenShift Resource(s) using Labels';

const deleteByJsonYaml: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, DELETE_JSON);
  const objs = await objectsOf(v(args, 'jsonyaml'), DELETE_JSON);
  await deleteAll(ctx, api, DELETE_JSON, objs.map((o) => ({ type: String(o.kind ?? ''), key: String(asObj(o.metadata).name ?? '') })));
  return null;
};

const deleteByKey: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, DELETE_KEY);
  const types = list(v(args, 'types'));
  const keys = list(v(args, 'keys'));
  if (types.length !== keys.length) throw new StepFailure(`Exiting "${DELETE_KEY}" unsuccessfully, because ${types.length} types(s) were specified but ${keys.length} keys(s) were specified.`);
  await deleteAll(ctx, api, DELETE_KEY, types.map((type, i) => ({ type, key: keys[i]! })));
  return null;
};

const deleteByLabels: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, DELETE_LABELS);
  const types = list(v(args, 'types'));
  const keys = list(v(args, 'keys'));
  const values = list(v(args, 'values'));
  if (keys.length !== values.length) throw new StepFailure(`Exiting "${DELETE_LABELS}" unsuccessfully, because ${values.length} values(s) were specified but ${keys.length} keys(s) were specified.`);
  const labels = Object.fromEntries(keys.map((k, i) => [k, values[i]!]));
  for (const [k, val] of Object.entries(labels)) if (!/^[A-Za-z0-9./_-]{1,316}$/.test(k) || !/^[A-Za-z0-9._-]{0,63}$/.test(val)) throw new StepFailure(`${DELETE_LABELS}: '${k}=${val}' is not a label`);
  await deleteAll(ctx, api, DELETE_LABELS, types.map((type) => ({ type, key: keys.join(','), labels })));
  return null;
};

// --- deployments -------------------------------------------------------------------------------

const DC = ['/apis/apps.openshift.io/v1', 'deploymentconfigs'] as const;
const RC = ['/api/v1', 'replicationcontrollers'] as const;

async function dcOf(ctx: StepContext, api: Api, name: string, display: string): Promise<Obj> {
  const dc = await get(ctx, api, nsPath(api, ...DC, safeName(name, 'depCfg')));
  if (!dc) throw new StepFailure(`Exiting "${display}" unsuccessfully; the deployment config "${name}" could not be read.`);
  return dc;
}

async function latestRc(ctx: StepContext, api: Api, dc: Obj): Promise<Obj | null> {
  const version = Number(asObj(dc.status).latestVersion ?? 0);
  if (version === 0) return null;
  return get(ctx, api, nsPath(api, ...RC, `${String(asObj(dc.metadata).name)}-${version}`));
}

const phaseOf = (rc: Obj): string => String(asObj(asObj(rc.metadata).annotations)['openshift.io/deployment.phase'] ?? 'Unknown');
const rcName = (rc: Obj): string => String(asObj(rc.metadata).name);
const replicasOf = (rc: Obj): number => Number(asObj(rc.status).replicas ?? 0);

const SCALE = 'Scale OpenShift Deployment';
const scale: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, SCALE);
  const name = v(args, 'depCfg');
  const wantText = v(args, 'replicaCount');
  const want = Number(wantText);
  if (!/^\d+$/.test(wantText)) throw new StepFailure(`${SCALE}: replicaCount '${wantText}' is not a number of replicas`);
  const check = v(args, 'verifyReplicaCount') === 'true';
  ctx.log(`\n\nStarting "${SCALE}" with deployment config "${name}" from the project "${api.namespace}".`);
  ctx.log(check ? ` Scaling to "${wantText}" replicas and verifying the replica count is reached ...` : `  Scaling to "${wantText}" replicas ...`);
  const dc = await dcOf(ctx, api, name, SCALE);
  if (Number(asObj(dc.status).latestVersion ?? 0) === 0 && want === 0) {
    ctx.log(`\n\nExiting "${SCALE}" successfully; no deployments for "${name}" were found, so a replica count of "0" already exists.`);
    return null;
  }
  const a = await call(ctx, api, 'PATCH', `${nsPath(api, ...DC, name)}/scale`, { spec: { replicas: want } }, 'application/merge-patch+json');
  if (a.status >= 300) {
    ctx.log(`  ${reason(a)}`);
    throw new StepFailure(`Exiting "${SCALE}" unsuccessfully; the call to "${api.url}" failed.`);
  }
  let last: Obj | null = null;
  const done = await until(ctx, waitMs(args, 180_000), async () => {
    last = await latestRc(ctx, api, await dcOf(ctx, api, name, SCALE));
    if (!last) return null;
    const specOk = Number(asObj(last.spec).replicas ?? -1) === want;
    return specOk && (!check || replicasOf(last) === want) ? last : null;
  });
  if (!done) {
    if (!check) throw new StepFailure(`Exiting "${SCALE}" unsuccessfully; the call to "${api.url}" failed.`);
    throw new StepFailure(`Exiting "${SCALE}" unsuccessfully; the deployment "${last ? rcName(last) : '<deployment not found>'}" did not reach "${wantText}" replica(s) in time.`);
  }
  ctx.log(check ? `\n\nExiting "${SCALE}" successfully, where the deployment "${rcName(done)}" reached "${wantText}" replica(s).` : `\n\nExiting "${SCALE}" successfully for deployment "${rcName(done)}".`);
  return null;
};

async function waitForRc(ctx: StepContext, api: Api, args: StepArgs, display: string, name: string, version: number, wantReplicas: number | null, dflt: number): Promise<Obj> {
  let last: Obj | null = null;
  const done = await until(ctx, waitMs(args, dflt), async () => {
    last = await get(ctx, api, nsPath(api, ...RC, `${name}-${version}`));
    if (!last) return null;
    const phase = phaseOf(last);
    if (phase === 'Failed' || phase === 'Cancelled') return last;
    return phase === 'Complete' && (wantReplicas === null || replicasOf(last) === wantReplicas) ? last : null;
  });
  const rc: Obj | null = done ?? last;
  const id = `${name}-${version}`;
  if (!done || phaseOf(done) !== 'Complete') {
    const phase = rc ? phaseOf(rc) : 'not found';
    if (wantReplicas !== null && rc) throw new StepFailure(`Exiting "${display}" unsuccessfully; deployment "${id}" has completed with status:  [${phase}].  And the replica count was "${replicasOf(rc)}".`);
    throw new StepFailure(`Exiting "${display}" unsuccessfully; deployment "${id}" has completed with status:  [${phase}].`);
  }
  return done;
}

const DEPLOY = 'Trigger OpenShift Deployment';
const deploy: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, DEPLOY);
  const name = v(args, 'depCfg');
  ctx.log(`\n\nStarting "${DEPLOY}" with deployment config "${name}" from the project "${api.namespace}".`);
  await dcOf(ctx, api, name, DEPLOY);
  const a = await call(ctx, api, 'POST', `${nsPath(api, ...DC, name)}/instantiate`, { kind: 'DeploymentRequest', apiVersion: 'apps.openshift.io/v1', name, latest: true, force: true });
  if (a.status >= 300) throw new StepFailure(`Exiting "${DEPLOY}" unsuccessfully; the call to "${api.url}" failed: ${reason(a)}`);
  const version = Number(asObj(a.json.status).latestVersion ?? 0);
  await waitForRc(ctx, api, args, DEPLOY, name, version, null, 180_000);
  ctx.log(`\n\nExiting "${DEPLOY}" successfully; deployment "${name}-${version}" has completed with status:  [Complete].`);
  return null;
};

const VERIFY_DEPLOY = 'Verify OpenShift Deployment';
const verifyDeployment: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, VERIFY_DEPLOY);
  const name = v(args, 'depCfg');
  const check = v(args, 'verifyReplicaCount') === 'true';
  const count = v(args, 'replicaCount') || '0';
  ctx.log(`\n\nStarting "${VERIFY_DEPLOY}" with deployment config "${name}" from the project "${api.namespace}".`);
  ctx.log(check ? `  Waiting on the latest deployment for "${name}" to complete and scale to "${count}" replica(s) ...` : `  Waiting on the latest deployment for "${name}" to complete ...`);
  const dc = await dcOf(ctx, api, name, VERIFY_DEPLOY);
  const version = Number(asObj(dc.status).latestVersion ?? 0);
  const rc = await waitForRc(ctx, api, args, VERIFY_DEPLOY, name, version, check ? Number(count) : null, 180_000);
  ctx.log(check
    ? `\n\nExiting "${VERIFY_DEPLOY}" successfully; deployment "${rcName(rc)}" has completed with status:  [Complete].  The deployment reached "${count}" replica(s).`
    : `\n\nExiting "${VERIFY_DEPLOY}" successfully; deployment "${rcName(rc)}" has completed with status:  [Complete].`);
  return null;
};

// --- builds ------------------------------------------------------------------------------------

const BC = ['/apis/build.openshift.io/v1', 'buildconfigs'] as const;
const BUILDS = ['/apis/build.openshift.io/v1', 'builds'] as const;
const DONE_PHASES = new Set(['Complete', 'Failed', 'Error', 'Cancelled']);

async function waitForBuild(ctx: StepContext, api: Api, args: StepArgs, display: string, build: string): Promise<void> {
  let phase = 'New';
  const done = await until(ctx, waitMs(args, 900_000), async () => {
    const b = await get(ctx, api, nsPath(api, ...BUILDS, build));
    phase = b ? String(asObj(b.status).phase ?? 'New') : 'not found';
    return DONE_PHASES.has(phase) ? phase : null;
  });
  if (done !== 'Complete') {
    throw new StepFailure(`Exiting "${display}" unsuccessfully; build "${build}" did not complete successfully within the configured timeout of "${waitMs(args, 900_000)}" ms; last reported status:  [${phase}].`);
  }
}

const BUILD = 'Trigger OpenShift Build';
const build: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, BUILD);
  const name = safeName(v(args, 'bldCfg'), 'bldCfg');
  if (v(args, 'checkForTriggeredDeployments') === 'true') throw new StepFailure(`${BUILD}: checkForTriggeredDeployments: 'true' is not supported by Kiln; follow with openshiftVerifyDeployment`);
  ctx.log(`\n\nStarting the "${BUILD}" step with build config "${name}" from the project "${api.namespace}".`);
  const env = (isList(args.values.env) ? args.values.env : []).map((e) => {
    if (!isMap(e)) throw new StepFailure(`${BUILD}: env: a list of [name: 'X', value: 'y']`);
    return { name: String(e.get('name') ?? ''), value: String(e.get('value') ?? '') };
  });
  const request: Obj = { kind: 'BuildRequest', apiVersion: 'build.openshift.io/v1', metadata: { name } };
  if (env.length) request.env = env;
  const commit = v(args, 'commitID');
  if (commit) request.revision = { type: 'Git', git: { commit } };
  const rebuild = v(args, 'buildName');
  const path = rebuild ? `${nsPath(api, ...BUILDS, safeName(rebuild, 'buildName'))}/clone` : `${nsPath(api, ...BC, name)}/instantiate`;
  if (rebuild) request.metadata = { name: rebuild };
  const a = await call(ctx, api, 'POST', path, request);
  if (a.status === 404) throw new StepFailure(`Exiting "${BUILD}" unsuccessfully; the build config "${name}" could not be read.`);
  if (a.status >= 300) throw new StepFailure(`Exiting "${BUILD}" unsuccessfully; could not retrieve the associated Build object from the start build command: ${reason(a)}`);
  const started = String(asObj(a.json.metadata).name ?? '');
  ctx.log(`  Started build "${started}" and waiting for build completion ...`);
  await waitForBuild(ctx, api, args, BUILD, safeName(started, 'build'));
  if (v(args, 'showBuildLogs') === 'true') {
    const log = await call(ctx, api, 'GET', `${nsPath(api, ...BUILDS, started)}/log`);
    if (log.status < 300) ctx.log(log.text.replace(/\n$/, ''));
    else ctx.log(`  The log of build "${started}" could not be read: ${reason(log)}`);
  }
  ctx.log(`\n\nExiting "${BUILD}" successfully; build "${started}" has completed with status:  [Complete].`);
  return null;
};

const VERIFY_BUILD = 'Verify OpenShift Build';
const verifyBuild: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, VERIFY_BUILD);
  const name = safeName(v(args, 'bldCfg'), 'bldCfg');
  if (v(args, 'checkForTriggeredDeployments') === 'true') throw new StepFailure(`${VERIFY_BUILD}: checkForTriggeredDeployments: 'true' is not supported by Kiln; follow with openshiftVerifyDeployment`);
  ctx.log(`\n\nStarting the "${VERIFY_BUILD}" step with build config "${name}" from the project "${api.namespace}".`);
  const bc = await get(ctx, api, nsPath(api, ...BC, name));
  if (!bc) throw new StepFailure(`Exiting "${VERIFY_BUILD}" unsuccessfully; the build config "${name}" could not be read.`);
  const last = Number(asObj(bc.status).lastVersion ?? 0);
  if (last === 0) throw new StepFailure(`Exiting "${VERIFY_BUILD}" unsuccessfully; the build config "${name}" has no build yet.`);
  const id = `${name}-${last}`;
  ctx.log(`  Waiting on build "${id}" to complete ...`);
  await waitForBuild(ctx, api, args, VERIFY_BUILD, id);
  ctx.log(`\n\nExiting "${VERIFY_BUILD}" successfully; build "${id}" has completed with status:  [Complete].`);
  return null;
};

// --- services ----------------------------------------------------------------------------------

const VERIFY_SVC = 'Verify OpenShift Service';
const verifyService: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, VERIFY_SVC);
  const name = safeName(v(args, 'svcName'), 'svcName');
  ctx.log(`\n\nStarting "${VERIFY_SVC}" for the service "${name}" from the project "${api.namespace}".`);
  const svc = await get(ctx, api, nsPath(api, '/api/v1', 'services', name));
  if (!svc) throw new StepFailure(`Exiting "${VERIFY_SVC}" unsuccessfully; a connection to "${name}" could not be made: the service does not exist.`);
  const spec = asObj(svc.spec);
  const port = asObj(Array.isArray(spec.ports) ? spec.ports[0] : null).port;
  const target = `${String(spec.clusterIP ?? name)}:${String(port ?? '')}`;
  const tries = Math.max(1, Number(v(args, 'retryCount') || 100) || 100);
  ctx.log(`  Attempting to connect to "${target}" ...`);
  let ready = false;
  for (let i = 0; i < tries && !ready; i++) {
    const ep = await get(ctx, api, nsPath(api, '/api/v1', 'endpoints', name));
    ready = (Array.isArray(ep?.subsets) ? ep.subsets : []).some((s) => Array.isArray(asObj(s).addresses) && (asObj(s).addresses as unknown[]).length > 0);
    if (!ready && i + 1 < tries) await pause(1000, ctx.signal);
  }
  if (!ready) throw new StepFailure(`Exiting "${VERIFY_SVC}" unsuccessfully; a connection to "${target}" could not be made.`);
  ctx.log(`\n\nExiting "${VERIFY_SVC}" successfully; a connection to "${target}" was made.`);
  return null;
};

// --- image streams ---------------------------------------------------------------------------

export const IS = ['/apis/image.openshift.io/v1', 'imagestreams'] as const;
const TAG = 'Tag OpenShift Image';

interface TagStatus { tag: string; images: string[] }
export const tagStatus = (is: Obj): TagStatus[] => (Array.isArray(asObj(is.status).tags) ? asObj(is.status).tags as unknown[] : [])
  .map((t) => ({ tag: String(asObj(t).tag ?? ''), images: (Array.isArray(asObj(t).items) ? asObj(t).items as unknown[] : []).map((i) => String(asObj(i).image ?? '')) }));
const noSha = (id: string) => (id.startsWith('sha256:') ? id.slice(7) : id);

/** The plugin's deriveImageID: a tag's latest image, or an image of the stream, as stream@id. */
function imageIdOf(is: Obj, name: string, srcTag: string): string | null {
  const tags = tagStatus(is);
  const latest = tags.find((t) => t.tag === srcTag)?.images[0];
  if (latest) return `${name}@${noSha(latest)}`;
  for (const t of tags) if (t.images.some((i) => i === srcTag || noSha(i) === srcTag)) return `${name}@${noSha(srcTag)}`;
  return null;
}

/** The plugin's alias lookup: a tag of the stream (or the tag holding that image), as stream:tag. */
function tagRefOf(is: Obj, name: string, srcTag: string): string | null {
  const specTags = (Array.isArray(asObj(is.spec).tags) ? asObj(is.spec).tags as unknown[] : []).map((t) => String(asObj(t).name ?? ''));
  const tags = tagStatus(is);
  if (specTags.includes(srcTag) || tags.some((t) => t.tag === srcTag)) return `${name}:${srcTag}`;
  const holder = tags.find((t) => t.images.some((i) => i === srcTag || noSha(i) === srcTag));
  return holder ? `${name}:${holder.tag}` : null;
}

const tag: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, TAG);
  const srcStream = safeName(v(args, 'srcStream'), 'srcStream');
  const srcTag = v(args, 'srcTag');
  const destStreams = v(args, 'destStream').split(',').map((x) => x.trim());
  const destTags = v(args, 'destTag').split(',').map((x) => x.trim());
  const destNS = v(args, 'destinationNamespace') || api.namespace;
  safeName(destNS, 'destinationNamespace');
  ctx.log(`\n\nStarting "${TAG}" with the source [image stream:tag] "${srcStream}:${srcTag}" from the project "${api.namespace}" and destination stream(s) "${v(args, 'destStream')}" with tag(s) "${v(args, 'destTag')}" from the project "${destNS}".`);
  const alias = v(args, 'alias') === 'true';
  const src = await get(ctx, api, nsPath(api, ...IS, srcStream));
  if (!src) throw new StepFailure(`Exiting "${TAG}" unsuccessfully; could not retrieve the image stream "${srcStream}" from the project "${api.namespace}".`);
  const ref = alias ? tagRefOf(src, srcStream, srcTag) : imageIdOf(src, srcStream, srcTag);
  if (!ref) throw new StepFailure(`Exiting "${TAG}" unsuccessfully; could not find either an image tag or ID "${srcTag}" associated with the image stream "${srcStream}".`);
  if (destStreams.length !== 1 && destTags.length !== 1 && destStreams.length !== destTags.length) {
    throw new StepFailure(`Destination streams ([${destStreams.join(', ')}]) cardinality [${destStreams.length}] is incompatible with destination tag ([${destTags.join(', ')}]) cardinality [${destTags.length}]`);
  }
  let dest: Api = { ...api, namespace: destNS };
  const destToken = v(args, 'destinationAuthToken');
  if (destToken) {
    const c = await ctx.build.services.credential(destToken).catch((e: Error) => { throw new StepFailure(`${TAG}: destinationAuthToken '${destToken}' is not a credential Kiln knows (${e.message})`); });
    if (c.type !== 'secretText' || !c.secret) throw new StepFailure(`${TAG}: the credential '${destToken}' is a ${c.type}: the token is a secret text credential`);
    dest = { ...dest, token: c.secret };
  }
  const n = Math.max(destStreams.length, destTags.length);
  for (let i = 0; i < n; i++) {
    const stream = safeName(destStreams[Math.min(i, destStreams.length - 1)]!, 'destStream');
    const tagName = destTags[Math.min(i, destTags.length - 1)]!;
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tagName)) throw new StepFailure(`${TAG}: destTag '${tagName}' is not a valid tag`);
    let is = await get(ctx, dest, nsPath(dest, ...IS, stream));
    if (!is) {
      const made = await call(ctx, dest, 'POST', nsPath(dest, ...IS), { kind: 'ImageStream', apiVersion: 'image.openshift.io/v1', metadata: { name: stream }, spec: {} });
      if (made.status >= 300) throw new StepFailure(`Exiting "${TAG}" unsuccessfully; could not create the image stream "${stream}" in the project "${destNS}".`);
      is = made.json;
    }
    const spec = asObj(is.spec);
    const tags = (Array.isArray(spec.tags) ? spec.tags as unknown[] : []).map(asObj).filter((t) => t.name !== tagName);
    tags.push({ name: tagName, from: { kind: alias ? 'ImageStreamTag' : 'ImageStreamImage', name: ref, namespace: api.namespace } });
    const put = await call(ctx, dest, 'PUT', nsPath(dest, ...IS, stream), { ...is, spec: { ...spec, tags } });
    if (put.status >= 300) throw new StepFailure(`Exiting "${TAG}" unsuccessfully; ${reason(put)}`);
  }
  ctx.log(`\n\nExiting "${TAG}" successfully.`);
  return null;
};

const IMAGE_STREAMS = 'OpenShift ImageStreams';

/**
 * openshiftImageStream(name:, tag:, namespace:): the plugin's SCM step (OpenShiftImageStreams),
 * checkout only. Nothing goes into the workspace (the plugin checks nothing out); the revision is
 * the image the tag points at now (the stream's status.tags[tag].items[0].image, the plugin's
 * "commitId"), printed as the plugin's calcRevisionsFromBuild prints it. Returns the SCM's
 * environment, which this SCM leaves empty ([:]), as Jenkins' checkout step does.
 */
const imageStream: StepRun = async (ctx, args) => {
  const api = await connect(ctx, args, IMAGE_STREAMS);
  const name = safeName(v(args, 'name'), 'name');
  const tagName = v(args, 'tag') || 'latest';
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tagName)) throw new StepFailure(`${IMAGE_STREAMS}: tag '${tagName}' is not a valid tag`);
  if (api.chatty) ctx.log(`\n\nOpenShiftImageStreams checkout called for #${ctx.build.number}`);
  ctx.log(`\n\nThe "${IMAGE_STREAMS}" SCM will return the last revision state stored in Jenkins for the image stream "${name}" and tag "${tagName}" from the project "${api.namespace}".`);
  const is = await get(ctx, api, nsPath(api, ...IS, name));
  if (!is) throw new StepFailure(`${IMAGE_STREAMS}: the image stream "${name}" was not found in the project "${api.namespace}"`);
  const commitId = tagStatus(is).find((t) => t.tag === tagName)?.images[0] || null;
  if (api.chatty) ctx.log(`\n\nOpenShiftImageStreams image ID used for Jenkins 'commitId' is ${commitId}`);
  if (commitId) ctx.log(`  Last revision:  [ImageStreamRevisionState [commitId=${commitId}]]`);
  else {
    ctx.log(`\n\nCannot find the last tagged image for ImageStream ${name} and tag ${tagName}`);
    ctx.log('  No revision state has been retrieved and stored yet.');
  }
  return new Map();
};

export const restSteps: Record<string, StepRun> = {
  openshiftImageStream: imageStream,
  openshiftTag: tag,
  openshiftCreateResource: createResource,
  openshiftDeleteResourceByJsonYaml: deleteByJsonYaml,
  openshiftDeleteResourceByKey: deleteByKey,
  openshiftDeleteResourceByLabels: deleteByLabels,
  openshiftScale: scale,
  openshiftDeploy: deploy,
  openshiftVerifyDeployment: verifyDeployment,
  openshiftBuild: build,
  openshiftVerifyBuild: verifyBuild,
  openshiftVerifyService: verifyService,
};
