// The fake API server at the wire: what @kubernetes/client-node and kubectl rely on, checked with
// a plain HTTPS client (pods run by the scripted runner: no Docker needed here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeKube, type FakeKube } from './index.ts';
import { WebSocket } from 'ws';
import { request, Watch } from './http-client.ts';

let kube: FakeKube;
const pod = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name, labels: { app: 'kiln', build: name } },
  spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'kiln-test/busybox:latest', command: ['cat'], tty: true }] },
  ...extra,
});

before(async () => {
  kube = await startFakeKube({ runner: 'scripted', namespaces: ['ci'], bookmarkIntervalMs: 200 });
});
after(async () => {
  await kube.close();
});

test('version and discovery documents', async () => {
  const v = await request(kube, 'GET', '/version');
  assert.equal(v.status, 200);
  assert.equal(v.json.major, '1');
  assert.equal(v.json.gitVersion, 'v1.32.0');
  const api = await request(kube, 'GET', '/api');
  assert.deepEqual(api.json.versions, ['v1']);
  const v1 = await request(kube, 'GET', '/api/v1');
  const names = (v1.json.resources as { name: string }[]).map((r) => r.name);
  for (const n of ['pods', 'pods/log', 'pods/status', 'events', 'namespaces', 'secrets']) assert.ok(names.includes(n), n);
  const apis = await request(kube, 'GET', '/apis');
  assert.ok((apis.json.groups as { name: string }[]).some((g) => g.name === 'apps'));
  const appsV1 = await request(kube, 'GET', '/apis/apps/v1');
  assert.ok((appsV1.json.resources as { name: string }[]).some((r) => r.name === 'deployments/status'));
  assert.equal((await request(kube, 'GET', '/apis/nope/v1')).status, 404);
});

test('a wrong token is a 401 Status, no token is anonymous (403), forbid rules are 403 with the real message', async () => {
  const bad = await request(kube, 'GET', '/api/v1/namespaces/default/pods', undefined, { token: 'wrong' });
  assert.equal(bad.status, 401);
  assert.deepEqual(bad.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  const anon = await request(kube, 'GET', '/api/v1/namespaces/default/pods', undefined, { token: null });
  assert.equal(anon.status, 403);
  assert.equal(anon.json.reason, 'Forbidden');
  assert.equal((await request(kube, 'GET', '/version', undefined, { token: null })).status, 200);

  kube.setForbidden([{ verb: 'list', resource: 'pods', namespace: 'ci' }]);
  try {
    const f = await request(kube, 'GET', '/api/v1/namespaces/ci/pods');
    assert.equal(f.status, 403);
    assert.equal(f.json.message, `pods is forbidden: User "${kube.user}" cannot list resource "pods" in API group "" in the namespace "ci"`);
    assert.deepEqual(f.json.details, { name: '', group: '', kind: 'pods' });
    assert.equal((await request(kube, 'GET', '/api/v1/namespaces/default/pods')).status, 200);
    const review = await request(kube, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { namespace: 'ci', verb: 'list', resource: 'pods' } },
    });
    assert.equal(review.status, 201);
    assert.equal((review.json.status as { allowed: boolean }).allowed, false);
    const ok = await request(kube, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      spec: { resourceAttributes: { namespace: 'ci', verb: 'create', resource: 'pods' } },
    });
    assert.equal((ok.json.status as { allowed: boolean }).allowed, true);
  } finally {
    kube.setForbidden([]);
  }
});

test('TLS: only the fake\'s CA is trusted; setDelay(Infinity) hangs requests (for timeouts), setDelay(0) answers again', async () => {
  const other = await startFakeKube({ runner: 'scripted' });
  try {
    await assert.rejects(request({ ...kube, caPem: other.caPem }, 'GET', '/version'), /self-signed|unable to verify|certificate/i);
  } finally {
    await other.close();
  }
  kube.setDelay(Infinity);
  try {
    const t0 = Date.now();
    const r = await Promise.race([request(kube, 'GET', '/version').then(() => 'answered'), new Promise((res) => setTimeout(() => res('timeout'), 400))]);
    assert.equal(r, 'timeout');
    assert.ok(Date.now() - t0 >= 390);
  } finally {
    kube.setDelay(0);
  }
  assert.equal((await request(kube, 'GET', '/version')).status, 200);
});

test('create, get, list: uid, creationTimestamp, resourceVersion, generateName, defaults; errors as Status objects', async () => {
  const c = await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('p1'));
  assert.equal(c.status, 201);
  const meta = c.json.metadata!;
  assert.match(String(meta.uid), /^[0-9a-f-]{36}$/);
  assert.match(String(meta.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.match(String(meta.resourceVersion), /^\d+$/);
  assert.equal((c.json.spec as { containers: { imagePullPolicy: string }[] }).containers[0]!.imagePullPolicy, 'Always');
  assert.equal((c.json.status as { phase: string }).phase, 'Pending');

  const g = await request(kube, 'POST', '/api/v1/namespaces/ci/pods', { ...pod(''), metadata: { generateName: 'kiln-agent-' } });
  assert.match(String(g.json.metadata!.name), /^kiln-agent-[a-z0-9]{5}$/);

  const dup = await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('p1'));
  assert.equal(dup.status, 409);
  assert.equal(dup.json.reason, 'AlreadyExists');
  assert.equal(dup.json.message, 'pods "p1" already exists');

  const missing = await request(kube, 'GET', '/api/v1/namespaces/ci/pods/nope');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.json, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'pods "nope" not found', reason: 'NotFound', details: { name: 'nope', group: '', kind: 'pods' }, code: 404 });

  const noNs = await request(kube, 'POST', '/api/v1/namespaces/ghost/pods', pod('p9'));
  assert.equal(noNs.status, 404);
  assert.equal(noNs.json.message, 'namespaces "ghost" not found');

  const invalid = await request(kube, 'POST', '/api/v1/namespaces/ci/pods', { metadata: { name: 'Bad_Name', labels: { 'kiln/build': 'job #1' } }, spec: { containers: [] } });
  assert.equal(invalid.status, 422);
  assert.equal(invalid.json.reason, 'Invalid');
  assert.match(String(invalid.json.message), /^Pod "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  assert.match(String(invalid.json.message), /metadata\.labels: Invalid value: "job #1"/);
  assert.match(String(invalid.json.message), /spec\.containers: Required value/);
  const causes = (invalid.json.details as { causes: { field: string; reason: string }[] }).causes;
  assert.ok(causes.some((x) => x.field === 'spec.containers' && x.reason === 'FieldValueRequired'));

  const list = await request(kube, 'GET', '/api/v1/namespaces/ci/pods?labelSelector=app%3Dkiln,build%20in%20(p1,p2)');
  assert.equal(list.json.kind, 'PodList');
  assert.equal(list.json.apiVersion, 'v1');
  assert.match(String(list.json.metadata!.resourceVersion), /^\d+$/);
  assert.deepEqual(list.json.items!.map((p) => (p as { metadata: { name: string } }).metadata.name), ['p1']);
  const byField = await request(kube, 'GET', '/api/v1/pods?fieldSelector=metadata.name%3Dp1,status.phase%3DRunning');
  assert.equal(byField.json.items!.length, 1, 'the scripted runner runs the pod at once');
  assert.equal((await request(kube, 'GET', '/api/v1/pods?fieldSelector=status.phase%3DSucceeded')).json.items!.length, 0);
  const bad = await request(kube, 'GET', '/api/v1/pods?fieldSelector=spec.bogus%3D1');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.message, 'field label not supported: spec.bogus');

  const paged = await request(kube, 'GET', '/api/v1/namespaces/ci/pods?limit=1');
  assert.equal(paged.json.items!.length, 1);
  const next = await request(kube, 'GET', `/api/v1/namespaces/ci/pods?limit=1&continue=${encodeURIComponent(String(paged.json.metadata!.continue))}`);
  assert.equal(next.json.items!.length, 1);
  assert.notEqual((next.json.items![0] as { metadata: { name: string } }).metadata.name, (paged.json.items![0] as { metadata: { name: string } }).metadata.name);
});

test('decoding as the server does: unknown fields dropped with a Warning (default), refused with fieldValidation=Strict; wrong types refused', async () => {
  const typo = pod('typo', { spec: { containers: [{ name: 'main', image: 'kiln-test/busybox:latest', imagePullPolicyy: 'Never', volumeMount: [] }], restartPolicy: 'Never', bogus: 1 } });
  const warned = await request(kube, 'POST', '/api/v1/namespaces/ci/pods', typo);
  assert.equal(warned.status, 201);
  assert.deepEqual(warned.headers.warning, '299 - "unknown field \\"spec.bogus\\"", 299 - "unknown field \\"spec.containers[0].imagePullPolicyy\\"", 299 - "unknown field \\"spec.containers[0].volumeMount\\""'.replace(/\\\\/g, '\\'));
  const stored = (warned.json.spec as Record<string, unknown> & { containers: Record<string, unknown>[] });
  assert.equal(stored.bogus, undefined);
  assert.equal(stored.containers[0]!.imagePullPolicyy, undefined);
  const strict = await request(kube, 'POST', '/api/v1/namespaces/ci/pods?fieldValidation=Strict', { ...typo, metadata: { name: 'typo2' } });
  assert.equal(strict.status, 400);
  assert.equal(strict.json.message, 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bogus", unknown field "spec.containers[0].imagePullPolicyy", unknown field "spec.containers[0].volumeMount"');
  const wrongType = await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('wt', { spec: { containers: [{ name: 'main', image: 'x', command: 'cat' }] } }));
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.json.message, 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go struct field spec.containers.command of type []string');
  const badLimit = await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('lim', { spec: { containers: [{ name: 'main', image: 'x', resources: { limits: { cpu: 1, memory: '64Mi' } } }] } }));
  assert.equal(badLimit.status, 201, 'quantities may be numbers');
});

test('update needs the current resourceVersion (409 Conflict otherwise); the pod spec is immutable but for images', async () => {
  const c = await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('p-upd'));
  const stale = { ...c.json, metadata: { ...c.json.metadata, labels: { a: 'b' } } };
  const cur = await request(kube, 'GET', '/api/v1/namespaces/ci/pods/p-upd');
  assert.notEqual(cur.json.metadata!.resourceVersion, c.json.metadata!.resourceVersion, 'the runner changed the status');
  const conflict = await request(kube, 'PUT', '/api/v1/namespaces/ci/pods/p-upd', stale);
  assert.equal(conflict.status, 409);
  assert.equal(conflict.json.reason, 'Conflict');
  assert.equal(conflict.json.message, 'Operation cannot be fulfilled on pods "p-upd": the object has been modified; please apply your changes to the latest version and try again');
  const ok = await request(kube, 'PUT', '/api/v1/namespaces/ci/pods/p-upd', { ...cur.json, metadata: { ...cur.json.metadata, labels: { a: 'b' } } });
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.json.metadata!.labels, { a: 'b' });
  assert.ok(Number(ok.json.metadata!.resourceVersion) > Number(cur.json.metadata!.resourceVersion));
  assert.deepEqual(ok.json.status, cur.json.status, 'a PUT of the pod does not change its status');
  const spec = ok.json.spec as { containers: Record<string, unknown>[] };
  const change = await request(kube, 'PUT', '/api/v1/namespaces/ci/pods/p-upd', { ...ok.json, spec: { ...spec, containers: [{ ...spec.containers[0], command: ['sh'] }] } });
  assert.equal(change.status, 422);
  assert.match(String(change.json.message), /^Pod "p-upd" is invalid: spec: Forbidden: pod updates may not change fields other than/);
  const status = await request(kube, 'PUT', '/api/v1/namespaces/ci/pods/p-upd/status', { ...ok.json, metadata: { ...ok.json.metadata, labels: { ignored: 'x' } }, status: { ...(ok.json.status as object), message: 'set by a test' } });
  assert.equal(status.status, 200);
  assert.equal((status.json.status as { message: string }).message, 'set by a test');
  assert.deepEqual(status.json.metadata!.labels, { a: 'b' }, 'the status subresource changes only the status');
});

test('patches: JSON patch, merge patch, strategic merge (containers and env by name), apply-patch', async () => {
  await request(kube, 'POST', '/api/v1/namespaces/ci/secrets', { metadata: { name: 's1' }, stringData: { token: 'abc' } });
  const sec = await request(kube, 'GET', '/api/v1/namespaces/ci/secrets/s1');
  assert.deepEqual(sec.json.data, { token: Buffer.from('abc').toString('base64') });
  assert.equal(sec.json.type, 'Opaque');
  const jp = await request(kube, 'PATCH', '/api/v1/namespaces/ci/secrets/s1', [{ op: 'add', path: '/metadata/labels', value: { k: 'v' } }, { op: 'replace', path: '/data/token', value: Buffer.from('xyz').toString('base64') }], { contentType: 'application/json-patch+json' });
  assert.equal(jp.status, 200);
  assert.deepEqual(jp.json.metadata!.labels, { k: 'v' });
  const failed = await request(kube, 'PATCH', '/api/v1/namespaces/ci/secrets/s1', [{ op: 'test', path: '/data/token', value: 'nope' }], { contentType: 'application/json-patch+json' });
  assert.equal(failed.status, 422);
  const mp = await request(kube, 'PATCH', '/api/v1/namespaces/ci/secrets/s1', { metadata: { labels: { k: null, l: 'w' } } }, { contentType: 'application/merge-patch+json' });
  assert.deepEqual(mp.json.metadata!.labels, { l: 'w' });

  const dep = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' },
    spec: {
      replicas: 1, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [
        { name: 'app', image: 'kiln-test/busybox:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
        { name: 'side', image: 'kiln-test/busybox:1' },
      ] } },
    },
  };
  const created = await request(kube, 'POST', '/apis/apps/v1/namespaces/ci/deployments', dep);
  assert.equal(created.status, 201);
  assert.equal(created.json.metadata!.generation, 1);
  const smp = await request(kube, 'PATCH', '/apis/apps/v1/namespaces/ci/deployments/web', {
    spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'A', $patch: 'delete' }] }] } } },
  }, { contentType: 'application/strategic-merge-patch+json' });
  assert.equal(smp.status, 200, smp.body);
  const containers = (smp.json.spec as { template: { spec: { containers: { name: string; env?: unknown[] }[] } } }).template.spec.containers;
  assert.deepEqual(containers.map((c) => c.name), ['app', 'side'], 'containers merged by name, not replaced');
  assert.deepEqual(containers[0]!.env, [{ name: 'B', value: '3' }]);
  assert.equal(smp.json.metadata!.generation, 2, 'a spec change bumps the generation');
  const labelOnly = await request(kube, 'PATCH', '/apis/apps/v1/namespaces/ci/deployments/web', { metadata: { labels: { x: 'y' } } }, { contentType: 'application/strategic-merge-patch+json' });
  assert.equal(labelOnly.json.metadata!.generation, 2, 'a metadata change does not');

  const applied = await request(kube, 'PATCH', '/apis/apps/v1/namespaces/ci/deployments/ssa?fieldManager=kiln', { ...dep, metadata: { name: 'ssa' } }, { contentType: 'application/apply-patch+yaml' });
  assert.equal(applied.status, 201, applied.body);
  const again = await request(kube, 'PATCH', '/apis/apps/v1/namespaces/ci/deployments/ssa?fieldManager=kiln', { ...dep, metadata: { name: 'ssa' }, spec: { ...dep.spec, replicas: 3 } }, { contentType: 'application/apply-patch+yaml' });
  assert.equal(again.status, 200);
  assert.equal((again.json.spec as { replicas: number }).replicas, 3);
  // What the manager no longer applies is removed; what others set stays.
  await request(kube, 'PATCH', '/apis/apps/v1/namespaces/ci/deployments/ssa', { metadata: { annotations: { 'by-other': 'x' } } }, { contentType: 'application/strategic-merge-patch+json' });
  const fewer = {
    ...dep, metadata: { name: 'ssa' },
    spec: { ...dep.spec, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'kiln-test/busybox:1', env: [{ name: 'A', value: '1' }] }] } } },
  };
  const pruned = await request(kube, 'PATCH', '/apis/apps/v1/namespaces/ci/deployments/ssa?fieldManager=kiln', fewer, { contentType: 'application/apply-patch+yaml' });
  const prunedSpec = pruned.json.spec as { replicas?: number; template: { spec: { containers: { name: string; env: unknown[] }[] } } };
  assert.deepEqual(prunedSpec.template.spec.containers.map((c) => [c.name, c.env]), [['app', [{ name: 'A', value: '1' }]]], 'the side container and env B are gone');
  assert.equal(prunedSpec.replicas, 1, 'as applied now');
  assert.equal(pruned.json.metadata!.annotations && (pruned.json.metadata!.annotations as Record<string, string>)['by-other'], 'x');
  const noManager = await request(kube, 'PATCH', '/apis/apps/v1/namespaces/ci/deployments/ssa', dep, { contentType: 'application/apply-patch+yaml' });
  assert.equal(noManager.status, 400);
  const unknown = await request(kube, 'PATCH', '/apis/apps/v1/namespaces/ci/deployments/ssa', {}, { contentType: 'text/plain' });
  assert.equal(unknown.status, 415);
});

test('deployments: ReplicaSets per template with revisions, status driven by the test', async () => {
  const dep = {
    metadata: { name: 'roll' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'roll' } }, template: { metadata: { labels: { app: 'roll' } }, spec: { containers: [{ name: 'app', image: 'kiln-test/busybox:1' }] } } },
  };
  await request(kube, 'POST', '/apis/apps/v1/namespaces/ci/deployments', dep);
  const w = new Watch(kube, '/apis/apps/v1/namespaces/ci/deployments?watch=true&fieldSelector=metadata.name%3Droll');
  await w.until((x) => x.events.length === 1);
  kube.setDeploymentStatus('ci', 'roll', { observedGeneration: 1, updatedReplicas: 1, availableReplicas: 1, replicas: 2, conditions: [{ type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }] });
  await w.until((x) => x.events.some((e) => e.type === 'MODIFIED' && (e.object.status as { updatedReplicas?: number }).updatedReplicas === 1));
  kube.completeRollout('ci', 'roll');
  const d = await request(kube, 'GET', '/apis/apps/v1/namespaces/ci/deployments/roll');
  const st = d.json.status as { observedGeneration: number; availableReplicas: number; conditions: { type: string; status: string; reason: string }[] };
  assert.equal(st.observedGeneration, 1);
  assert.equal(st.availableReplicas, 2);
  assert.ok(st.conditions.some((c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable'));
  w.close();

  const spec = dep.spec;
  await request(kube, 'PUT', '/apis/apps/v1/namespaces/ci/deployments/roll', { ...d.json, spec: { ...spec, template: { ...spec.template, spec: { containers: [{ name: 'app', image: 'kiln-test/busybox:latest' }] } } } });
  const rs = await request(kube, 'GET', '/apis/apps/v1/namespaces/ci/replicasets?labelSelector=app%3Droll');
  const sets = (rs.json.items as { metadata: { name: string; annotations: Record<string, string>; ownerReferences: { kind: string }[] }; spec: { replicas: number } }[]);
  assert.equal(sets.length, 2);
  assert.deepEqual(sets.map((s) => s.metadata.annotations['deployment.kubernetes.io/revision']).sort(), ['1', '2']);
  assert.ok(sets.every((s) => s.metadata.ownerReferences[0]!.kind === 'Deployment'));
  assert.deepEqual(sets.map((s) => s.spec.replicas).sort(), [0, 2]);
  kube.failRollout('ci', 'roll');
  const failed = await request(kube, 'GET', '/apis/apps/v1/namespaces/ci/deployments/roll');
  const cond = (failed.json.status as { conditions: { type: string; status: string; reason: string }[] }).conditions.find((c) => c.type === 'Progressing')!;
  assert.deepEqual([cond.status, cond.reason], ['False', 'ProgressDeadlineExceeded']);
  assert.equal((failed.json.metadata as { generation: number }).generation, 2);

  const del = await request(kube, 'DELETE', '/apis/apps/v1/namespaces/ci/deployments/roll');
  assert.equal(del.status, 200);
  const left = await request(kube, 'GET', '/apis/apps/v1/namespaces/ci/replicasets?labelSelector=app%3Droll');
  assert.equal(left.json.items!.length, 0, 'owned ReplicaSets are garbage collected');
});

test('watch from a resourceVersion: only later changes, in order; a compacted one answers 410 Expired', async () => {
  const c = await request(kube, 'POST', '/api/v1/namespaces/ci/configmaps', { metadata: { name: 'cm1' }, data: { a: '1' } });
  const rv = String(c.json.metadata!.resourceVersion);
  await request(kube, 'PATCH', '/api/v1/namespaces/ci/configmaps/cm1', { data: { a: '2' } }, { contentType: 'application/merge-patch+json' });
  await request(kube, 'DELETE', '/api/v1/namespaces/ci/configmaps/cm1');
  const w = new Watch(kube, `/api/v1/namespaces/ci/configmaps?watch=true&resourceVersion=${rv}`);
  await w.until((x) => x.events.length >= 2);
  assert.deepEqual(w.events.map((e) => e.type), ['MODIFIED', 'DELETED']);
  assert.ok(w.events.every((e) => Number(e.object.metadata.resourceVersion) > Number(rv)));
  await request(kube, 'POST', '/api/v1/namespaces/ci/configmaps', { metadata: { name: 'cm2' } });
  await w.until((x) => x.events.length >= 3);
  assert.equal(w.events[2]!.type, 'ADDED');
  assert.equal(w.events[2]!.object.metadata.name, 'cm2');
  w.close();

  // Without a resourceVersion: the current objects as ADDED first.
  const fromNow = new Watch(kube, '/api/v1/namespaces/ci/configmaps?watch=1');
  await fromNow.until((x) => x.events.length >= 1);
  assert.deepEqual(fromNow.events.map((e) => [e.type, e.object.metadata.name]), [['ADDED', 'cm2']]);
  fromNow.close();

  kube.compact();
  const gone = await request(kube, 'GET', `/api/v1/namespaces/ci/configmaps?watch=true&resourceVersion=${rv}`);
  assert.equal(gone.status, 410);
  assert.equal(gone.json.reason, 'Expired');
  assert.match(String(gone.json.message), new RegExp(`^too old resource version: ${rv} \\(\\d+\\)$`));
  const etcd = await startFakeKube({ runner: 'scripted', expiredAs: 'event' });
  try {
    const before = String(etcd.store.rv);
    etcd.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' } });
    etcd.compact();
    const ev = new Watch(etcd, `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${before}`);
    await ev.until((x) => x.ended);
    assert.equal(ev.status, 200);
    assert.deepEqual(ev.events.map((e) => [e.type, e.object.code, e.object.reason]), [['ERROR', 410, 'Expired']], 'or, as etcd does, a 200 with an ERROR event');
  } finally {
    await etcd.close();
  }
  const list = await request(kube, 'GET', '/api/v1/namespaces/ci/configmaps');
  const fresh = new Watch(kube, `/api/v1/namespaces/ci/configmaps?watch=true&resourceVersion=${String(list.json.metadata!.resourceVersion)}`);
  assert.equal(await fresh.started, 200, 'a watch from the list resourceVersion after compaction works');
  fresh.close();
});

test('watch: timeoutSeconds ends the stream, bookmarks when allowed, legacy /watch/ paths, selector transitions', async () => {
  const t0 = Date.now();
  const w = new Watch(kube, '/api/v1/namespaces/ci/secrets?watch=true&timeoutSeconds=1&allowWatchBookmarks=true&resourceVersion=' + String(kube.store.rv));
  await w.until((x) => x.ended, 5000);
  assert.ok(Date.now() - t0 >= 900);
  assert.ok(w.events.some((e) => e.type === 'BOOKMARK' && e.object.kind === 'Secret' && /^\d+$/.test(String(e.object.metadata.resourceVersion))));

  const legacy = new Watch(kube, '/api/v1/watch/namespaces/ci/pods?labelSelector=stage%3Dbuild&resourceVersion=' + String(kube.store.rv));
  await legacy.started;
  await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('sel'));
  await request(kube, 'PATCH', '/api/v1/namespaces/ci/pods/sel', { metadata: { labels: { stage: 'build' } } }, { contentType: 'application/strategic-merge-patch+json' });
  await request(kube, 'PATCH', '/api/v1/namespaces/ci/pods/sel', { metadata: { labels: { stage: 'test' } } }, { contentType: 'application/strategic-merge-patch+json' });
  await legacy.until((x) => x.events.length >= 2);
  assert.deepEqual(legacy.events.map((e) => e.type), ['ADDED', 'DELETED'], 'an object that starts / stops matching the selector is ADDED / DELETED for the watcher');
  legacy.close();

  const initial = new Watch(kube, '/api/v1/namespaces/ci/pods?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan');
  await initial.until((x) => x.events.some((e) => e.type === 'BOOKMARK'));
  const end = initial.events.find((e) => e.type === 'BOOKMARK')!;
  assert.equal((end.object.metadata.annotations as Record<string, string>)['k8s.io/initial-events-end'], 'true');
  assert.ok(initial.events.slice(0, initial.events.indexOf(end)).every((e) => e.type === 'ADDED'));
  initial.close();
});

test('pods: graceful deletion (deletionTimestamp, then DELETED), finalizers, 202 while pending; events of the lifecycle', async () => {
  await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('gone', { metadata: { name: 'gone', finalizers: ['kiln.io/hold'] } }));
  const w = new Watch(kube, '/api/v1/namespaces/ci/pods?watch=true&fieldSelector=metadata.name%3Dgone&resourceVersion=' + String(kube.store.rv));
  await w.started;
  const del = await request(kube, 'DELETE', '/api/v1/namespaces/ci/pods/gone', { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 5 });
  assert.equal(del.status, 202);
  assert.ok(del.json.metadata!.deletionTimestamp);
  assert.equal(del.json.metadata!.deletionGracePeriodSeconds, 5);
  await w.until((x) => x.events.some((e) => ((e.object.status as { containerStatuses?: { state: { terminated?: unknown } }[] }).containerStatuses ?? [])[0]?.state.terminated !== undefined));
  assert.ok((await request(kube, 'GET', '/api/v1/namespaces/ci/pods/gone')).status === 200, 'held by its finalizer');
  await request(kube, 'PATCH', '/api/v1/namespaces/ci/pods/gone', { metadata: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
  await w.until((x) => x.events.some((e) => e.type === 'DELETED'));
  assert.equal((await request(kube, 'GET', '/api/v1/namespaces/ci/pods/gone')).status, 404);
  w.close();
  const ev = await request(kube, 'GET', '/api/v1/namespaces/ci/events?fieldSelector=involvedObject.name%3Dgone');
  const reasons = (ev.json.items as { reason: string; source: { component: string } }[]).map((e) => e.reason);
  for (const r of ['Scheduled', 'Pulled', 'Created', 'Started', 'Killing']) assert.ok(reasons.includes(r), `${r} in ${reasons.join(',')}`);

  const pre = await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('pre'));
  const wrongUid = await request(kube, 'DELETE', '/api/v1/namespaces/ci/pods/pre', { preconditions: { uid: 'not-it' } });
  assert.equal(wrongUid.status, 409);
  const now = await request(kube, 'DELETE', '/api/v1/namespaces/ci/pods/pre?gracePeriodSeconds=0', { preconditions: { uid: pre.json.metadata!.uid } });
  assert.equal(now.status, 200);
  assert.equal((await request(kube, 'GET', '/api/v1/namespaces/ci/pods/pre')).status, 404);
});

test('pods/log: tail, follow until the container ends, timestamps, the server\'s errors', async () => {
  await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('logs', {
    spec: { containers: [{ name: 'a', image: 'kiln-test/busybox:latest' }, { name: 'b', image: 'kiln-test/busybox:latest' }] },
  }));
  const s = kube.scripted!;
  s.log('ci', 'logs', 'a', 'one\ntwo\nthree\n');
  const tail = await request(kube, 'GET', '/api/v1/namespaces/ci/pods/logs/log?container=a&tailLines=2');
  assert.equal(tail.body, 'two\nthree\n');
  const ts = await request(kube, 'GET', '/api/v1/namespaces/ci/pods/logs/log?container=a&timestamps=true&limitBytes=40');
  assert.match(ts.body, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z one\n/);
  const noContainer = await request(kube, 'GET', '/api/v1/namespaces/ci/pods/logs/log');
  assert.equal(noContainer.status, 400);
  assert.equal(noContainer.json.message, 'a container name must be specified for pod logs, choose one of: [a b]');
  const follow = new Watch(kube, '/api/v1/namespaces/ci/pods/logs/log?container=a&follow=true&tailLines=0', { raw: true });
  await follow.started;
  s.log('ci', 'logs', 'a', 'four\n');
  await follow.until((x) => x.text.includes('four\n'));
  s.log('ci', 'logs', 'a', 'five\n');
  s.exit('ci', 'logs', 'a', 3);
  await follow.until((x) => x.ended);
  assert.equal(follow.text, 'four\nfive\n');
  const p = await kube.waitForPod('ci', 'logs', (x) => ((x.status as { containerStatuses: { name: string; state: { terminated?: { exitCode: number } } }[] }).containerStatuses.find((c) => c.name === 'a')!.state.terminated?.exitCode === 3));
  assert.equal((p.status as { phase: string }).phase, 'Running', 'restartPolicy Always with one container still running');
});

test('scripted failures: Unschedulable, ErrImagePull → ImagePullBackOff, CrashLoopBackOff, OOMKilled, Evicted', async () => {
  const k = await startFakeKube({ runner: 'scripted', scripted: { auto: 'none' } });
  try {
    const s = k.scripted!;
    for (const n of ['u', 'img', 'crash', 'oom', 'evict']) await request(k, 'POST', '/api/v1/namespaces/default/pods', { ...pod(n), spec: { restartPolicy: n === 'crash' ? 'Always' : 'Never', containers: [{ name: 'main', image: 'kiln-test/busybox:latest' }] } });
    const status = (n: string) => (k.pod('default', n)!.status as Record<string, unknown> & { phase: string; conditions?: { type: string; status: string; reason?: string; message?: string }[]; containerStatuses?: { state: Record<string, { reason: string; exitCode?: number }>; restartCount: number; lastState: Record<string, unknown> }[] });

    const early = await request(k, 'GET', '/api/v1/namespaces/default/pods/u/log');
    assert.equal(early.status, 400);
    assert.equal(early.json.message, 'pod u does not have a host assigned');
    s.unschedulable('default', 'u', '0/1 nodes are available: 1 node(s) didn\'t match Pod\'s node affinity/selector.');
    const u = status('u');
    assert.equal(u.phase, 'Pending');
    assert.deepEqual(u.conditions!.map((c) => [c.type, c.status, c.reason]), [['PodScheduled', 'False', 'Unschedulable']]);
    assert.ok(k.events('default', 'u').some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning' && /node affinity/.test(String(e.message))));

    s.imagePullFailure('default', 'img', 'main');
    assert.equal(status('img').containerStatuses![0]!.state.waiting!.reason, 'ErrImagePull');
    const log = await request(k, 'GET', '/api/v1/namespaces/default/pods/img/log');
    assert.equal(log.json.message, 'container "main" in pod "img" is waiting to start: trying and failing to pull image');
    s.imagePullFailure('default', 'img', 'main', true);
    assert.equal(status('img').containerStatuses![0]!.state.waiting!.reason, 'ImagePullBackOff');
    assert.equal(status('img').phase, 'Pending');

    s.run('default', 'crash');
    s.crashLoop('default', 'crash', 'main', 2, 3);
    const cr = status('crash').containerStatuses![0]!;
    assert.equal(cr.state.waiting!.reason, 'CrashLoopBackOff');
    assert.equal(cr.restartCount, 3);
    assert.equal((cr.lastState.terminated as { exitCode: number }).exitCode, 2);
    assert.equal(status('crash').phase, 'Running');

    s.run('default', 'oom');
    s.oomKill('default', 'oom', 'main');
    assert.equal(status('oom').phase, 'Failed');
    assert.equal(status('oom').containerStatuses![0]!.state.terminated!.reason, 'OOMKilled');

    s.run('default', 'evict');
    s.evict('default', 'evict');
    assert.equal(status('evict').phase, 'Failed');
    assert.equal(status('evict').reason, 'Evicted');
    assert.ok(status('evict').conditions!.some((c) => c.type === 'DisruptionTarget'));
  } finally {
    await k.close();
  }
});

test('pods/exec over WebSocket (v4.channel.k8s.io): channels, stdin, the final Status; plain GET is refused', async () => {
  const k = await startFakeKube({ runner: 'scripted', scripted: { onExec: (_h, r, stdin) => ({ stdout: `ran ${r.command.join(' ')} in ${r.container}: ${stdin}`, stderr: 'warn', exitCode: r.command[0] === 'fail' ? 7 : 0 }) } });
  try {
    await request(k, 'POST', '/api/v1/namespaces/default/pods', pod('x'));
    const exec = (command: string[]) => new Promise<{ frames: Map<number, string>; protocol: string }>((resolve, reject) => {
      const q = command.map((c) => `command=${encodeURIComponent(c)}`).join('&');
      const ws = new WebSocket(`${k.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/x/exec?${q}&stdin=true&stdout=true&stderr=true`, ['v4.channel.k8s.io'], { headers: { Authorization: `Bearer ${k.token}` }, ca: k.caPem });
      const frames = new Map<number, string>();
      ws.on('open', () => {
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('input!')]));
        ws.send(Buffer.from([255, 0]));
      });
      ws.on('message', (m: Buffer) => frames.set(m[0]!, (frames.get(m[0]!) ?? '') + m.subarray(1).toString('utf8')));
      ws.on('close', () => resolve({ frames, protocol: ws.protocol }));
      ws.on('error', reject);
    });
    // v4 has no close frame for stdin: the scripted handler answers when the socket says so; v5 is what kubectl uses.
    const v5 = await new Promise<Map<number, string>>((resolve, reject) => {
      const ws = new WebSocket(`${k.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/x/exec?command=echo&command=hi&stdin=true&stdout=true&stderr=true`, ['v5.channel.k8s.io', 'v4.channel.k8s.io'], { headers: { Authorization: `Bearer ${k.token}` }, ca: k.caPem });
      const frames = new Map<number, string>();
      ws.on('open', () => {
        assert.equal(ws.protocol, 'v5.channel.k8s.io');
        ws.send(Buffer.concat([Buffer.from([0]), Buffer.from('abc')]));
        ws.send(Buffer.from([255, 0]));
      });
      ws.on('message', (m: Buffer) => frames.set(m[0]!, (frames.get(m[0]!) ?? '') + m.subarray(1).toString('utf8')));
      ws.on('close', () => resolve(frames));
      ws.on('error', reject);
    });
    assert.equal(v5.get(1), 'ran echo hi in main: abc');
    assert.equal(v5.get(2), 'warn');
    assert.deepEqual(JSON.parse(v5.get(3)!), { metadata: {}, status: 'Success' });
    const failed = await exec(['fail', 'now']);
    assert.equal(failed.protocol, 'v4.channel.k8s.io');
    assert.deepEqual(JSON.parse(failed.frames.get(3)!), {
      metadata: {}, status: 'Failure', reason: 'NonZeroExitCode', message: 'command terminated with non-zero exit code: error executing command [fail now], exit code 7',
      details: { causes: [{ reason: 'ExitCode', message: '7' }] },
    });
    const plain = await request(k, 'GET', '/api/v1/namespaces/default/pods/x/exec?command=ls&stdout=true');
    assert.equal(plain.status, 400);
    const unauth = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${k.url.replace('https', 'wss')}/api/v1/namespaces/default/pods/x/exec?command=ls&stdout=true`, ['v5.channel.k8s.io'], { headers: { Authorization: 'Bearer wrong' }, ca: k.caPem });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => {});
    });
    assert.equal(unauth, 401);
  } finally {
    await k.close();
  }
});

test('the scheduler: a nodeSelector the node lacks or requests beyond its allocatable keep the pod Pending (Unschedulable, with why)', async () => {
  await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('picky', { spec: { nodeSelector: { 'kubernetes.io/os': 'linux', disktype: 'ssd' }, containers: [{ name: 'main', image: 'kiln-test/busybox:latest' }] } }));
  await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('greedy', { spec: { containers: [{ name: 'main', image: 'kiln-test/busybox:latest', resources: { requests: { cpu: '3', memory: '8Gi' } } }] } }));
  await request(kube, 'POST', '/api/v1/namespaces/ci/pods', pod('fits', { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'main', image: 'kiln-test/busybox:latest', resources: { requests: { cpu: '100m', memory: '256Mi' } } }] } }));
  const cond = (n: string) => ((kube.pod('ci', n)!.status as { conditions: { type: string; status: string; reason?: string; message?: string }[] }).conditions).find((c) => c.type === 'PodScheduled')!;
  assert.deepEqual([cond('picky').status, cond('picky').reason], ['False', 'Unschedulable']);
  assert.equal(cond('picky').message, "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
  assert.equal(cond('greedy').message, '0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.');
  assert.ok(kube.events('ci', 'greedy').some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning'));
  assert.equal(cond('fits').status, 'True');
  for (const n of ['picky', 'greedy']) {
    assert.equal((kube.pod('ci', n)!.status as { phase: string }).phase, 'Pending');
    assert.equal((await request(kube, 'DELETE', `/api/v1/namespaces/ci/pods/${n}`)).status, 200, 'an unscheduled pod goes at once');
  }
});

test('namespaces: created, listed; deleting one removes what it holds', async () => {
  const c = await request(kube, 'POST', '/api/v1/namespaces', { metadata: { name: 'tmp-ns' } });
  assert.equal(c.status, 201);
  assert.equal((c.json.status as { phase: string }).phase, 'Active');
  await request(kube, 'POST', '/api/v1/namespaces/tmp-ns/pods', pod('x', { metadata: { name: 'x', finalizers: ['kiln.io/hold'] } }));
  const d = await request(kube, 'DELETE', '/api/v1/namespaces/tmp-ns');
  assert.equal(d.status, 202);
  assert.equal((d.json.status as { phase: string }).phase, 'Terminating');
  const refused = await request(kube, 'POST', '/api/v1/namespaces/tmp-ns/pods', pod('y'));
  assert.equal(refused.status, 403);
  assert.equal(refused.json.message, 'pods "y" is forbidden: unable to create new content in namespace tmp-ns because it is being terminated');
  await request(kube, 'PATCH', '/api/v1/namespaces/tmp-ns/pods/x', { metadata: { finalizers: null } }, { contentType: 'application/merge-patch+json' });
  for (let i = 0; i < 100 && (await request(kube, 'GET', '/api/v1/namespaces/tmp-ns')).status === 200; i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal((await request(kube, 'GET', '/api/v1/namespaces/tmp-ns')).status, 404);
  assert.equal(kube.pods('tmp-ns').length, 0);
});
