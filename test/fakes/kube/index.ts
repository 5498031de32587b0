// A fake Kubernetes API server for tests: the real wire protocol for what Kiln uses, proven
// against the real kubectl 1.32 (kubectl.test.ts), with pods whose containers really run in Docker.
//
//   import { startFakeKube } from '../fakes/kube/index.ts';
//   const kube = await startFakeKube({ runner: 'docker', namespaces: ['ci'] });   // or runner: 'scripted'
//   kube.url (https://127.0.0.1:PORT), kube.token, kube.caPem, kube.kubeconfigPath('ci') → a kubeconfig file
//   ... drive it with @kubernetes/client-node, kubectl, or plain HTTPS ...
//   await kube.close();                        // stops the pods, removes their containers and volumes
//
// Options (FakeKubeOptions)
//   runner        'docker' (default: DockerRunner, a fake kubelet on the local dockerd), 'scripted'
//                 (ScriptedRunner: the test decides statuses, logs, exec), or any PodRunner
//   docker        DockerRunnerOptions: pauseImage (default kiln-test/busybox:latest), label,
//                 pullBackoffMs, crashBackoffMs, init
//   scripted      ScriptedOptions: auto ('running' default | 'none': pods stay unscheduled), onExec
//   token, tokens, user   the bearer token (random) and its user (system:serviceaccount:default:kiln);
//                 more token → user pairs
//   tls           default true: HTTPS with the fake's own CA (caPem); client certificates signed by
//                 it (clientCertificate(user)) authenticate as their CN. kubectl sends bearer tokens
//                 only over TLS, so tls: false is for plain-HTTP clients only
//   host, port    listen address (127.0.0.1, a free port); a non-loopback host also goes into the
//                 certificate and into pods' KUBERNETES_SERVICE_HOST
//   namespaces    created besides default, kube-system, kube-public, kube-node-lease
//   node          the one node's extra labels and allocatable cpu/memory (default 2, 4Gi): a pod
//                 whose nodeSelector or requests do not fit stays Pending, Unschedulable, with the
//                 scheduler's message and a FailedScheduling event (whatever the runner)
//   forbid        ForbidRule[] {user?, verb?, resource? ('pods', 'pods/log'), namespace?} → 403
//   deployments   'manual' (default: status only from the test) or 'complete' (rollouts finish at once)
//   version       {major, minor} for /version (default 1.32)
//   historyLimit  changes kept for watches (older resourceVersion → 410 Expired); expiredAs 'http'
//                 (a 410 answer, as the watch cache) or 'event' (200 + an ERROR event, as etcd)
//   bookmarkIntervalMs  BOOKMARK events for watches that allow them (default 1000)
//
// The handle (FakeKube)
//   url, token, user, caPem, requests (every request as 'METHOD path?query'; upgrades as 'UPGRADE ...')
//   kubeconfig(ns?, {token?, clientCertificate?}), kubeconfigPath(...), clientCertificate(user, groups?)
//   pods(ns?), pod(ns, name), podHandle(ns, name), events(ns?, involvedName?), waitForPod(ns, name, pred)
//   create(obj)   any served kind, e.g. a Secret for a test's setup
//   evictPod(ns, name, message?)   containers killed, Failed/Evicted (+DisruptionTarget), object kept
//   setDeploymentStatus(ns, name, {observedGeneration, replicas, updatedReplicas, readyReplicas,
//                 availableReplicas, unavailableReplicas, conditions}), completeRollout, failRollout
//   setForbidden(rules), setDelay(ms | Infinity: nothing answered), compact() (older watches → 410),
//   endWatches() (open watches end; clients watch again from their resourceVersion)
//   cluster (the API semantics: create/get/list/update/patch/delete), store, server, runner,
//   scripted / docker (the runner by its type: scripted.unschedulable(), .imagePullFailure(),
//   .crashLoop(), .oomKill(), .evict(), .exit(), .log(); docker.leftovers(), DockerRunner.sweepOrphans())
//   close()
//
// What the server speaks
// - Auth: Bearer tokens; client certificates of the fake's CA; no credentials → system:anonymous
//   (only /version and health); a wrong token or a foreign certificate → 401 Status
//   (Unauthorized); forbid rules → 403 Status with the API server's message. SelfSubjectAccessReview
//   (kubectl auth can-i) answers from the same rules; SelfSubjectReview (kubectl auth whoami).
// - Discovery: /version, /healthz, /livez, /readyz, /api, /api/v1, /apis, /apis/<g>, /apis/<g>/<v>
//   (unaggregated documents), /openapi/v3 with a minimal document per group/version (the PATCH
//   operations with their group/version/kind and the fieldValidation parameter: what kubectl needs
//   to validate server-side and compute apply patches from its compiled-in types); /openapi/v2 404.
// - Resources: namespaces, nodes (one: kiln-fake-node), pods (+status, log, exec, eviction),
//   events, secrets, configmaps, services (clusterIP assigned), serviceaccounts,
//   persistentvolumeclaims; apps/v1 deployments and replicasets (+status); rbac roles and
//   rolebindings; for the OpenShift steps (openshift.ts) replicationcontrollers, endpoints,
//   deploymentconfigs and buildconfigs (+instantiate), builds, imagestreams. Verbs: get; list (labelSelector, fieldSelector incl. metadata.name, status.phase,
//   spec.nodeName, involvedObject.*; limit/continue; Tables for kubectl); watch (?watch=true and
//   /watch/ paths; from a resourceVersion, or current objects as ADDED first; timeoutSeconds,
//   allowWatchBookmarks, sendInitialEvents; an object that starts/stops matching the selectors is
//   ADDED/DELETED); create (generateName, dryRun); update (a stale resourceVersion → 409
//   Conflict); patch (json-patch, merge-patch, strategic-merge-patch with merge keys and $patch /
//   $setElementOrder / $deleteFromPrimitiveList / $retainKeys, apply-patch+yaml: server-side apply
//   that creates, merges and removes what the field manager no longer applies, without conflicts
//   or managedFields); the scale subresource (kubectl scale); delete (gracePeriodSeconds,
//   preconditions, propagationPolicy, finalizers, 200 when gone and 202 while pending, owners'
//   dependents collected); deletecollection.
// - Objects: uid, creationTimestamp, resourceVersion (one counter, as etcd's revision),
//   generation (bumped by spec changes of deployments/replicasets); the server's defaults (pod spec,
//   imagePullPolicy from the tag, qosClass, secret stringData → data, service clusterIP); validation
//   as Invalid Status with causes (names, labels, containers, volume mounts, restartPolicy, pod spec
//   immutability, deployment selector); decoding (schema.ts) for Pod, Deployment, ReplicaSet,
//   Secret, ConfigMap, Namespace: a wrong type is a 400 ("cannot unmarshal"), an unknown field is
//   dropped with a Warning header or refused under fieldValidation=Strict (kubectl apply's default).
//   Bodies: JSON; protobuf (kubectl's typed commands) for Secret, ConfigMap, Namespace,
//   ServiceAccount, the reviews and DeleteOptions (other kinds: a 415 that says to send JSON, e.g.
//   `kubectl create deployment`; `kubectl apply -f` is JSON); YAML for apply patches. Answers: JSON.
// - Pods: created Pending; the runner schedules them (PodScheduled, Scheduled event), runs init
//   containers then containers and reports their states (waiting ContainerCreating /
//   PodInitializing / ErrImagePull / ImagePullBackOff / ErrImageNeverPull / CrashLoopBackOff /
//   CreateContainerConfigError, running, terminated with exitCode and reason Completed / Error /
//   OOMKilled); phase and the Initialized / Ready / ContainersReady conditions follow the kubelet's
//   rules; events Scheduled, FailedScheduling, Pulling, Pulled, Failed, BackOff, Created, Started,
//   Killing, FailedMount. activeDeadlineSeconds is enforced (DeadlineExceeded). Deletion:
//   deletionTimestamp, SIGTERM, SIGKILL after the grace period, then the object goes (what
//   `kubectl delete --wait` waits for). pods/log: container, follow (ends when the container
//   does), tailLines, timestamps, previous, sinceSeconds/sinceTime, limitBytes, and the server's
//   errors (no container named, waiting to start, no host assigned). pods/exec over WebSocket
//   (v5.channel.k8s.io, v4.channel.k8s.io): stdin, stdout, stderr, the final Status with the exit code.
// - Not served: attach, port-forward, SPDY, protobuf answers, full OpenAPI schemas, field
//   managers and managedFields, quotas and limit ranges, node affinity and taints, probes (a
//   running container is ready at once), the pods of Deployments/ReplicaSets (their status is the
//   test's), admission's injected kube-api-access volume (the Docker runner mounts the token files
//   itself), TTYs in exec (no terminal is allocated). A subPath of an emptyDir is bound from the
//   volume's directory on this machine (the Docker engine must be local).
//
// Files: objects.ts (resources, Status errors), store.ts (objects, resourceVersions, watch
// history), cluster.ts (API semantics), patch.ts, selectors.ts, schema.ts (decoding), protobuf.ts,
// tables.ts, server.ts (HTTP, auth, discovery, watch, log), exec.ts (WebSocket exec), pods.ts
// (PodRunner, PodHandle, the kubelet's phase rules, scheduling), apps.ts (deployment controller),
// docker-runner.ts, scripted-runner.ts, pki.ts; http-client.ts and prereqs.ts serve the tests.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
import { makePki } from './pki.ts';
import { Cluster, core, now } from './cluster.ts';
import { DeploymentController, type DeploymentStatusInput } from './apps.ts';
import { PodManager, type PodHandle, type PodRunner } from './pods.ts';
import { FakeServer, type ForbidRule } from './server.ts';
import { Store } from './store.ts';
import { ScriptedRunner, type ScriptedOptions } from './scripted-runner.ts';
import { DockerRunner, type DockerRunnerOptions } from './docker-runner.ts';
import { resourceByKind, type KObject } from './objects.ts';
import { asObj } from './cluster.ts';

export type { ForbidRule, PodRunner, PodHandle, DeploymentStatusInput, KObject, DockerRunnerOptions, ScriptedOptions };
export { ScriptedRunner, DockerRunner };
export { bridgeGateway } from './docker-runner.ts';
export { ApiError } from './objects.ts';

export interface FakeKubeOptions {
  runner?: 'docker' | 'scripted' | PodRunner;
  docker?: DockerRunnerOptions;
  scripted?: ScriptedOptions;
  token?: string;
  /** More tokens: token → user name. */
  tokens?: Record<string, string>;
  /** The user of `token`. Default system:serviceaccount:default:kiln. */
  user?: string;
  /** HTTPS with the fake's own CA (default true: kubectl sends bearer tokens only over TLS). */
  tls?: boolean;
  host?: string;
  port?: number;
  namespaces?: string[];
  /** The one node: more labels (besides kubernetes.io/hostname, os, arch), allocatable cpu and memory (default '2', '4Gi'). */
  node?: { labels?: Record<string, string>; cpu?: string; memory?: string };
  forbid?: ForbidRule[];
  deployments?: 'manual' | 'complete';
  version?: { major: string; minor: string };
  historyLimit?: number;
  expiredAs?: 'http' | 'event';
  bookmarkIntervalMs?: number;
  /** Where kubeconfig files and TLS material go (default a new temp dir, removed by close()). */
  dir?: string;
  log?: (line: string) => void;
}

export interface FakeKube {
  url: string;
  token: string;
  user: string;
  caPem: string | undefined;
  cluster: Cluster;
  store: Store;
  server: FakeServer;
  runner: PodRunner;
  scripted: ScriptedRunner | undefined;
  docker: DockerRunner | undefined;
  requests: string[];
  /** A kubeconfig: the fake's CA, and its token (or `token`, or a client certificate made for the user `clientCertificate`). */
  kubeconfig(namespace?: string, o?: { token?: string; clientCertificate?: string }): string;
  kubeconfigPath(namespace?: string, o?: { token?: string; clientCertificate?: string }): string;
  /** A client certificate signed by the fake's CA: the server takes its CN as the user. */
  clientCertificate(user: string, groups?: string[]): { key: string; cert: string };
  /** Ends every open watch (clients reconnect from their last resourceVersion; after compact(): 410). */
  endWatches(): void;
  /** Every answer waits `ms` first; Infinity: nothing is answered (for timeouts). */
  setDelay(ms: number): void;
  pods(namespace?: string): KObject[];
  pod(namespace: string, name: string): KObject | undefined;
  podHandle(namespace: string, name: string): PodHandle | undefined;
  events(namespace?: string, involvedName?: string): KObject[];
  waitForPod(namespace: string, name: string, until: (pod: KObject) => boolean, timeoutMs?: number): Promise<KObject>;
  create(obj: KObject): KObject;
  /** Evicts a running pod (node pressure): containers killed, phase Failed, reason Evicted; the object stays. */
  evictPod(namespace: string, name: string, message?: string): Promise<void>;
  setDeploymentStatus(namespace: string, name: string, status: DeploymentStatusInput): KObject;
  completeRollout(namespace: string, name: string): KObject;
  failRollout(namespace: string, name: string, message?: string): KObject;
  setForbidden(rules: ForbidRule[]): void;
  compact(): void;
  close(): Promise<void>;
}

export async function startFakeKube(o: FakeKubeOptions = {}): Promise<FakeKube> {
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), `kiln-fake-kube-${process.pid}-`));
  const token = o.token ?? randomBytes(24).toString('hex');
  const user = o.user ?? 'system:serviceaccount:default:kiln';
  const tokens = new Map<string, string>([[token, user], ...Object.entries(o.tokens ?? {})]);
  // Pods reach the API at the listen address, or (listening everywhere) at the Docker bridge's gateway.
  const listen = o.host ?? '127.0.0.1';
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(listen);
  const wildcard = listen === '0.0.0.0' || listen === '::';
  const docker = o.runner === undefined || o.runner === 'docker' ? new DockerRunner(o.docker) : undefined;
  const inClusterHost = loopback ? null : wildcard ? (docker ? await docker.bridgeGateway() : null) : listen;
  const pki = o.tls === false ? null : makePki(dir, [...(loopback || wildcard ? [] : [listen]), ...(inClusterHost ? [inClusterHost] : [])]);
  const tls = pki ? { ...pki.server, ca: pki.caPem } : null;
  const store = new Store(o.historyLimit ?? 5000);
  const cluster = new Cluster(store);
  const scripted = o.runner === 'scripted' ? new ScriptedRunner(o.scripted) : undefined;
  if (docker) await DockerRunner.sweepOrphans(docker.engine);
  const runner: PodRunner = scripted ?? docker ?? (o.runner as PodRunner);
  const pods = new PodManager(cluster, runner);
  const deployments = new DeploymentController(cluster, o.deployments ?? 'manual');
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ...(o.namespaces ?? [])]) {
    if (!cluster.find(core('namespaces'), null, ns)) cluster.create(core('namespaces'), null, { metadata: { name: ns } });
  }
  cluster.create(core('nodes'), null, {
    metadata: { name: cluster.nodeName, labels: { 'kubernetes.io/hostname': cluster.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', ...o.node?.labels } },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now(), lastTransitionTime: now() }],
      capacity: { cpu: o.node?.cpu ?? '2', memory: o.node?.memory ?? '4Gi', pods: '110' }, allocatable: { cpu: o.node?.cpu ?? '2', memory: o.node?.memory ?? '4Gi', pods: '110' },
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: cluster.nodeName }],
      nodeInfo: { kubeletVersion: 'v1.32.0', containerRuntimeVersion: 'docker://fake', operatingSystem: 'linux', architecture: 'amd64' },
    },
  });
  const version = o.version ?? { major: '1', minor: '32' };
  const server = new FakeServer(cluster, pods, {
    tokens, forbid: [...(o.forbid ?? [])],
    version: { ...version, gitVersion: `v${version.major}.${version.minor.replace(/\D.*$/, '')}.0` },
    expiredAs: o.expiredAs ?? 'http', bookmarkIntervalMs: o.bookmarkIntervalMs ?? 1000, tls, delayMs: 0,
    ...(o.log ? { log: o.log } : {}),
  });
  const url = await server.listen(listen, o.port ?? 0);
  if (docker) docker.attach({ url, token, caPem: pki?.caPem, inCluster: inClusterHost ? { host: inClusterHost, port: new URL(url).port } : null });

  const clientCertificate = (name: string, groups?: string[]) => {
    if (!pki) throw new Error('client certificates need tls (the default)');
    return pki.client(name, groups);
  };
  const kubeconfig = (namespace?: string, k: { token?: string; clientCertificate?: string } = {}) => {
    const cc = k.clientCertificate ? clientCertificate(k.clientCertificate) : null;
    return toYaml({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'kiln-fake', cluster: { server: url, ...(pki ? { 'certificate-authority-data': Buffer.from(pki.caPem).toString('base64') } : {}) } }],
    users: [{ name: 'kiln-fake', user: cc ? { 'client-certificate-data': Buffer.from(cc.cert).toString('base64'), 'client-key-data': Buffer.from(cc.key).toString('base64') } : { token: k.token ?? token } }],
    contexts: [{ name: 'kiln-fake', context: { cluster: 'kiln-fake', user: 'kiln-fake', ...(namespace ? { namespace } : {}) } }],
    'current-context': 'kiln-fake',
    });
  };
  let n = 0;
  const fake: FakeKube = {
    url, token, user, caPem: pki?.caPem, cluster, store, server, runner, scripted, docker, clientCertificate,
    requests: server.requests,
    kubeconfig,
    kubeconfigPath(namespace, k) {
      const f = path.join(dir, `kubeconfig-${++n}`);
      fs.writeFileSync(f, kubeconfig(namespace, k), { mode: 0o600 });
      return f;
    },
    pods: (namespace) => cluster.list(core('pods'), namespace ?? null),
    pod: (namespace, name) => cluster.find(core('pods'), namespace, name),
    podHandle: (namespace, name) => pods.handle(namespace, name),
    events: (namespace, involvedName) => cluster.list(core('events'), namespace ?? null)
      .filter((e) => involvedName === undefined || asObj(e.involvedObject).name === involvedName)
      .sort((a, b) => Number(a.metadata.resourceVersion) - Number(b.metadata.resourceVersion)),
    async waitForPod(namespace, name, until, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const p = cluster.find(core('pods'), namespace, name);
        if (p && until(p)) return p;
        if (Date.now() > deadline) throw new Error(`pod ${namespace}/${name} did not reach the state within ${timeoutMs} ms; it is ${p ? JSON.stringify(p.status) : 'absent'}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    create(obj) {
      const def = resourceByKind(obj.apiVersion ?? 'v1', obj.kind ?? '');
      if (!def) throw new Error(`the fake does not serve ${obj.apiVersion}/${obj.kind}`);
      return cluster.create(def, obj.metadata.namespace ?? (def.namespaced ? 'default' : null), obj);
    },
    evictPod: (ns, name, message) => pods.evict(ns, name, message),
    setDeploymentStatus: (ns, name, status) => deployments.setStatus(ns, name, status),
    completeRollout: (ns, name) => deployments.complete(ns, name),
    failRollout: (ns, name, message) => deployments.fail(ns, name, message),
    setForbidden(rules) {
      server.o.forbid.length = 0;
      server.o.forbid.push(...rules);
    },
    compact: () => store.compact(),
    endWatches: () => server.endWatches(),
    setDelay(ms) {
      server.o.delayMs = ms;
    },
    async close() {
      await server.close();
      // Pods still there are stopped as a kubelet would on shutdown, then the runner cleans up.
      await Promise.allSettled([...pods.handles.values()].map(async (h) => {
        h.deletion.abort();
        await runner.stop(h, 0).catch(() => {});
      }));
      cluster.releaseFinalizers();
      await Promise.race([Promise.allSettled([...cluster.pending]), new Promise((r) => setTimeout(r, 15_000).unref())]);
      await runner.close();
      if (ownDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return fake;
}
