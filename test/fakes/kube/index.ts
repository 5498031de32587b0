// A fake Kubernetes API server for tests: the real wire protocol for what Kiln uses, proven
// against the real `kubectl` (see kubectl.test.ts), with pods that really run in Docker.
//
//   const kube = await startFakeKube({ runner: 'docker' });     // or 'scripted' (default 'docker')
//   kube.url, kube.token, kube.caPem (with tls: true), kube.kubeconfigPath('ns')  → a kubeconfig file
//   ... drive it with @kubernetes/client-node, kubectl, or plain HTTP ...
//   await kube.close();                                        // stops pods, removes containers
//
// Options (FakeKubeOptions): runner ('docker' | 'scripted' | a PodRunner), docker (DockerRunnerOptions:
// pauseImage, label, backoff), scripted (ScriptedOptions: auto 'running' | 'none'), token / tokens
// (token → user), tls (self-signed, CA in caPem), host/port, namespaces (besides default,
// kube-system, kube-public, kube-node-lease), forbid (ForbidRule[]: verb/resource/namespace that
// answer 403), deployments ('manual': status only from the test; 'complete': rollouts finish at
// once), version ({major, minor}), historyLimit (watch history kept; older → 410), expiredAs ('http'
// 410 or 'event': a 200 with an ERROR event), bookmarkIntervalMs.
//
// The handle (FakeKube): url, token, user, caPem, kubeconfig(ns?, {token?}) / kubeconfigPath(...),
// cluster (create/get/list/update/patch/delete with the server's rules), store (rv, compact()),
// pods(ns?), pod(ns, name), events(ns?, involvedName?), waitForPod(ns, name, predicate), evictPod(ns,
// name, message?) (containers killed, Failed/Evicted; activeDeadlineSeconds does the same with
// DeadlineExceeded), create(obj)
// (any kind, e.g. secrets for a test's setup), setDeploymentStatus(ns, name, {observedGeneration,
// replicas, updatedReplicas, readyReplicas, availableReplicas, conditions}), completeRollout,
// failRollout, setForbidden(rules), compact() (watches from older resourceVersions get 410),
// requests (every request as 'METHOD path?query'), runner / scripted / docker, close().
//
// What the server speaks
// - Auth: `Authorization: Bearer <token>`; a wrong token → 401 Status (Unauthorized); no token →
//   system:anonymous (only /version and health); forbid rules → 403 Status with the real message.
//   authorization.k8s.io/v1 SelfSubjectAccessReview answers from the same rules.
// - Discovery: /version, /healthz, /api, /api/v1, /apis, /apis/<group>, /apis/<group>/<version>
//   (legacy, unaggregated documents); /openapi/* answer 404 (kubectl copes: see kubectl.test.ts).
// - Resources: namespaces, nodes, pods (+status, log, exec, eviction), events, secrets, configmaps,
//   services, serviceaccounts, persistentvolumeclaims; apps/v1 deployments, replicasets (+status);
//   rbac roles, rolebindings. Verbs: get, list (labelSelector, fieldSelector, limit/continue,
//   Tables for kubectl), watch (?watch=true or /watch/ paths; resourceVersion, timeoutSeconds,
//   allowWatchBookmarks, sendInitialEvents; selectors with ADDED/DELETED when objects start or
//   stop matching), create (generateName, dryRun), update (resourceVersion precondition → 409
//   Conflict), patch (json-patch, merge-patch, strategic-merge-patch, apply-patch+yaml as an
//   approximate server-side apply), delete (gracePeriodSeconds, preconditions, finalizers, 202 while
//   pending, owner garbage collection), deletecollection.
// - Objects get uid, creationTimestamp, resourceVersion (one counter, as etcd), generation (bumped
//   on spec changes of deployments/replicasets), the defaults the server applies (pod spec,
//   imagePullPolicy from the tag, qosClass, secret stringData → data, service clusterIP), and
//   validation with Invalid Status causes (names, labels, containers, volume mounts, restart
//   policy, pod spec immutability, deployment selector).
// - Pods: created Pending; the runner schedules them (PodScheduled, Scheduled event), runs init
//   containers then containers, and reports states (waiting ContainerCreating/PodInitializing/
//   ErrImagePull/ImagePullBackOff/CrashLoopBackOff/CreateContainerConfigError, running,
//   terminated with exitCode and reason); phase and the Initialized/Ready/ContainersReady
//   conditions follow the kubelet's rules; events Scheduled, Pulling, Pulled, Failed, BackOff,
//   Created, Started, Killing. Deletion: deletionTimestamp, containers stopped within the grace
//   period, then the object is removed (what `kubectl delete --wait` waits for). pods/log:
//   container, follow, tailLines, timestamps, previous, sinceSeconds/sinceTime, limitBytes, the
//   server's errors for a waiting container or a missing container name. pods/exec over WebSocket
//   (v5.channel.k8s.io / v4.channel.k8s.io: stdin, stdout, stderr, the final Status with the exit
//   code): `docker exec` in the Docker runner, the test's onExec in the scripted one.
// - Request bodies: JSON; protobuf (kubectl's typed commands) for Secret, ConfigMap, Namespace,
//   ServiceAccount, SelfSubjectAccessReview, DeleteOptions; YAML for apply patches.
// - Decoding (schema.ts) for Pod, Deployment, ReplicaSet, Secret, ConfigMap, Namespace: a wrong
//   type is a 400 ("cannot be handled as a Pod: json: cannot unmarshal ..."); unknown fields are
//   dropped with a Warning header, or refused with fieldValidation=Strict (what kubectl apply sends).
// - Not served: attach, port-forward, SPDY, protobuf responses, OpenAPI schemas (kubectl gets a
//   minimal v3 document: enough to know the server validates fields), field managers and
//   managedFields, resource quotas, probes (a running container is ready at once), the pods of
//   Deployments/ReplicaSets (their status is the test's).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify as toYaml } from 'yaml';
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
  /** HTTPS with a self-signed certificate (default true: kubectl sends bearer tokens only over TLS). */
  tls?: boolean;
  host?: string;
  port?: number;
  namespaces?: string[];
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
  kubeconfig(namespace?: string, o?: { token?: string }): string;
  kubeconfigPath(namespace?: string, o?: { token?: string }): string;
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

function selfSigned(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'server.key');
  const cert = path.join(dir, 'server.crt');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=kiln-fake-kube', '-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost'], { stdio: 'ignore' });
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
}

export async function startFakeKube(o: FakeKubeOptions = {}): Promise<FakeKube> {
  const ownDir = o.dir === undefined;
  const dir = o.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kiln-fake-kube-'));
  const token = o.token ?? randomBytes(24).toString('hex');
  const user = o.user ?? 'system:serviceaccount:default:kiln';
  const tokens = new Map<string, string>([[token, user], ...Object.entries(o.tokens ?? {})]);
  const tls = o.tls === false ? null : selfSigned(dir);
  const store = new Store(o.historyLimit ?? 5000);
  const cluster = new Cluster(store);
  const scripted = o.runner === 'scripted' ? new ScriptedRunner(o.scripted) : undefined;
  const docker = o.runner === undefined || o.runner === 'docker' ? new DockerRunner(o.docker) : undefined;
  if (docker) await DockerRunner.sweepOrphans(docker.engine);
  const runner: PodRunner = scripted ?? docker ?? (o.runner as PodRunner);
  const pods = new PodManager(cluster, runner);
  const deployments = new DeploymentController(cluster, o.deployments ?? 'manual');
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease', ...(o.namespaces ?? [])]) {
    if (!cluster.find(core('namespaces'), null, ns)) cluster.create(core('namespaces'), null, { metadata: { name: ns } });
  }
  cluster.create(core('nodes'), null, {
    metadata: { name: cluster.nodeName, labels: { 'kubernetes.io/hostname': cluster.nodeName, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64' } },
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now(), lastTransitionTime: now() }],
      capacity: { cpu: '2', memory: '4Gi', pods: '110' }, allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
      addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: cluster.nodeName }],
      nodeInfo: { kubeletVersion: 'v1.32.0', containerRuntimeVersion: 'docker://fake', operatingSystem: 'linux', architecture: 'amd64' },
    },
  });
  const version = o.version ?? { major: '1', minor: '32' };
  const server = new FakeServer(cluster, pods, {
    tokens, forbid: [...(o.forbid ?? [])],
    version: { ...version, gitVersion: `v${version.major}.${version.minor.replace(/\D.*$/, '')}.0` },
    expiredAs: o.expiredAs ?? 'http', bookmarkIntervalMs: o.bookmarkIntervalMs ?? 1000, tls,
    ...(o.log ? { log: o.log } : {}),
  });
  const url = await server.listen(o.host ?? '127.0.0.1', o.port ?? 0);
  if (docker) docker.attach({ url, token, caPem: tls?.cert, fakeDir: dir });

  const kubeconfig = (namespace?: string, k: { token?: string } = {}) => toYaml({
    apiVersion: 'v1', kind: 'Config',
    clusters: [{ name: 'kiln-fake', cluster: { server: url, ...(tls ? { 'certificate-authority-data': Buffer.from(tls.cert).toString('base64') } : {}) } }],
    users: [{ name: 'kiln-fake', user: { token: k.token ?? token } }],
    contexts: [{ name: 'kiln-fake', context: { cluster: 'kiln-fake', user: 'kiln-fake', ...(namespace ? { namespace } : {}) } }],
    'current-context': 'kiln-fake',
  });
  let n = 0;
  const fake: FakeKube = {
    url, token, user, caPem: tls?.cert, cluster, store, server, runner, scripted, docker,
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
