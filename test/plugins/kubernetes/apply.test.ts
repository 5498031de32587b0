// The API side of kubernetesApply on its own: manifests as Kubernetes reads them, the rollout
// rules of `kubectl rollout status`, and applies of cluster-scoped and namespaced objects
// against the fake API server (scripted pods).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { apps, core } from '../../fakes/kube/cluster.ts';
import { applyAll, connect, parseManifests, rolloutState, waitForRollout, KubeApplyError, type Applied } from '../../../src/plugins/kubernetes/apply.ts';

let kube: FakeKube;
before(async () => {
  kube = await startFakeKube({ runner: 'scripted', namespaces: ['ci'] });
});
after(async () => {
  await kube.close();
});

test('manifests: documents numbered as written (empty ones skipped), Lists expanded, YAML 1.1 octal as Kubernetes reads it, JSON', () => {
  const m = parseManifests(`---
apiVersion: v1
kind: ConfigMap
metadata: { name: a }
---
# only a comment
---
apiVersion: v1
kind: List
items:
  - { apiVersion: v1, kind: Secret, metadata: { name: s1 } }
  - apiVersion: v1
    kind: Pod
    metadata: { name: p }
    spec:
      volumes: [{ name: v, secret: { secretName: s1, defaultMode: 0644 } }]
---
{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"}}
`, 'k8s/all.yaml');
  assert.deepEqual(m.map((x) => [x.doc, x.item, x.object.kind]), [[1, null, 'ConfigMap'], [3, 1, 'Secret'], [3, 2, 'Pod'], [4, null, 'Service']]);
  const pod = m[2]!.object as { spec: { volumes: { secret: { defaultMode: number } }[] } };
  assert.equal(pod.spec.volumes[0]!.secret.defaultMode, 0o644, '0644 is octal, as Kubernetes reads it');
  assert.throws(() => parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: a }\n---\n- just\n- a list\n', 'x.yaml'), /x\.yaml document 2: not a Kubernetes object .*got a list/);
  assert.throws(() => parseManifests('apiVersion: v1\nkind: Pod\nmetadata: { generateName: p- }\n', 'x.yaml'), /x\.yaml document 1: Pod without metadata\.name \(generateName cannot be applied/);
  assert.throws(() => parseManifests('kind: List\napiVersion: v1\nitems:\n  - { apiVersion: v1, kind: Secret, metadata: {} }\n', 'l.yaml'), /l\.yaml document 1 item 1: Secret without metadata\.name/);
  assert.throws(() => parseManifests('a: b\nc: [\n', 'bad.yaml'), (e: unknown) => e instanceof KubeApplyError && /bad\.yaml document 1: not valid YAML at line \d+, column \d+: Flow sequence/.test(e.message));
});

test('rollout state: kubectl rollout status rules', () => {
  const d = (generation: number, replicas: number, status: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({ metadata: { generation }, spec: { replicas, ...spec }, status });
  assert.equal(rolloutState(d(2, 3, { observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 3 })).state, 'waiting', 'a generation not yet observed');
  assert.deepEqual(rolloutState(d(2, 3, { observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 1 })), { state: 'waiting', message: '2 of 3 updated, 1 available' });
  assert.match(rolloutState(d(2, 3, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 })).message, /1 old pending termination/);
  assert.equal(rolloutState(d(2, 3, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 2 })).state, 'waiting');
  assert.equal(rolloutState(d(2, 3, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 })).state, 'done');
  assert.equal(rolloutState(d(1, 0, { observedGeneration: 1 })).state, 'done', 'scaled to zero');
  const failed = rolloutState(d(2, 1, { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'RS "x" has timed out progressing.' }] }, { progressDeadlineSeconds: 60 }));
  assert.equal(failed.state, 'failed');
  assert.match(failed.message, /exceeded its progress deadline \(progressDeadlineSeconds 60\): RS "x" has timed out progressing\. \[0 of 1 updated, 0 available\]/);
  const stale = rolloutState(d(3, 1, { observedGeneration: 2, conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] }));
  assert.equal(stale.state, 'waiting', 'an old failure is not judged before the new generation is observed');
});

test('apply: a Namespace (cluster-scoped) then objects in it; created, unchanged, configured; the watch picks up a completed rollout', async () => {
  const conn = await connect({ credential: { id: 'k', type: 'secretFile', content: Buffer.from(kube.kubeconfig('ci')) } });
  assert.equal(conn.contextNamespace, 'ci');
  const lines: string[] = [];
  const text = (image: string) => `apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: settings, namespace: shop }
data: { a: "1" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: cart, namespace: shop }
spec:
  selector: { matchLabels: { app: cart } }
  template:
    metadata: { labels: { app: cart } }
    spec: { containers: [{ name: c, image: "${image}" }] }
`;
  const first = await applyAll(conn, parseManifests(text('cart:1'), 't'), { namespace: null, fieldManager: 'kiln', log: (l) => lines.push(l) });
  assert.deepEqual(lines, ['namespace/shop created', 'configmap/settings created (namespace shop)', 'deployment.apps/cart created (namespace shop)']);
  assert.ok(kube.cluster.find(core('namespaces'), null, 'shop'));
  lines.length = 0;
  await applyAll(conn, parseManifests(text('cart:1'), 't'), { namespace: null, fieldManager: 'kiln', log: (l) => lines.push(l) });
  assert.deepEqual(lines, ['namespace/shop unchanged', 'configmap/settings unchanged (namespace shop)', 'deployment.apps/cart unchanged (namespace shop)']);
  lines.length = 0;
  const second = await applyAll(conn, parseManifests(text('cart:2'), 't'), { namespace: null, fieldManager: 'kiln', log: (l) => lines.push(l) });
  assert.equal(lines[2], 'deployment.apps/cart configured (namespace shop)');

  const dep = second[2] as Applied;
  const waited: string[] = [];
  const result = waitForRollout(conn, dep, AbortSignal.timeout(10_000), 10, (l) => waited.push(l));
  await new Promise((r) => setTimeout(r, 200));
  kube.completeRollout('shop', 'cart');
  const r = await result;
  assert.deepEqual([r.ok, r.message], [true, 'deployment.apps/cart successfully rolled out']);
  assert.ok(waited.length >= 1 && waited.every((l) => l.startsWith('Waiting for deployment.apps/cart')));
  assert.equal(first[2]!.outcome, 'created');
  assert.equal(kube.cluster.get(apps('deployments'), 'shop', 'cart').metadata.generation, 2);
});

test('apply into a namespace that does not exist says so', async () => {
  const conn = await connect({ credential: { id: 't', type: 'secretText', secret: kube.token }, serverUrl: kube.url, caCertificate: kube.caPem ?? null });
  await assert.rejects(applyAll(conn, parseManifests('apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\n', 'cm.yaml'), { namespace: 'nowhere', fieldManager: 'kiln', log: () => {} }),
    /cm\.yaml document 1 \(configmap\/c\): .*namespaces? "nowhere" not found/);
});

test('the rollout watch recovers: an ERROR event (410 Gone) reads afresh, an ended stream is watched again from the last version, a dropped connection is retried', async () => {
  const dep = (rv: number, updated: number) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'w', namespace: 'ci', generation: 1, resourceVersion: String(rv) },
    spec: { replicas: 2 }, status: { observedGeneration: 1, replicas: updated, updatedReplicas: updated, availableReplicas: updated },
  });
  const calls: string[] = [];
  let current = dep(10, 0);
  let watches = 0;
  const conn = {
    server: 'https://stub', contextNamespace: 'ci',
    async request(method: string, path: string) {
      calls.push(`${method} ${path}`);
      return { status: 200, body: current as Record<string, unknown> };
    },
    async watch(_path: string, query: Record<string, string>, onEvent: (t: string, o: Record<string, unknown>) => void) {
      watches++;
      calls.push(`WATCH rv=${query.resourceVersion}`);
      if (watches === 1) { onEvent('ERROR', { kind: 'Status', code: 410, reason: 'Expired' }); return; }
      if (watches === 2) { current = dep(12, 1); onEvent('MODIFIED', current); onEvent('BOOKMARK', { metadata: { resourceVersion: '13' } }); return; }
      if (watches === 3) throw new Error('socket hang up');
      current = dep(20, 2);
      onEvent('MODIFIED', current);
    },
  };
  const applied = { info: { group: 'apps', version: 'v1', resource: 'deployments', namespaced: true }, namespace: 'ci', name: 'w', display: 'deployment.apps/w', after: dep(10, 0) } as unknown as Applied;
  const lines: string[] = [];
  const r = await waitForRollout(conn, applied, AbortSignal.timeout(10_000), 10, (l) => lines.push(l));
  assert.deepEqual([r.ok, r.message], [true, 'deployment.apps/w successfully rolled out']);
  assert.deepEqual(calls, [
    'GET /apis/apps/v1/namespaces/ci/deployments/w', 'WATCH rv=10',
    'GET /apis/apps/v1/namespaces/ci/deployments/w', 'WATCH rv=10', 'WATCH rv=13',
    'GET /apis/apps/v1/namespaces/ci/deployments/w', 'WATCH rv=12',
  ]);
  assert.deepEqual(lines, ['Waiting for deployment.apps/w to roll out: 0 of 2 updated, 0 available', 'Waiting for deployment.apps/w to roll out: 1 of 2 updated, 1 available']);
});
