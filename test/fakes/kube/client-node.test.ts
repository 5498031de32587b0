// The fake driven by @kubernetes/client-node, the client Kiln's Kubernetes backend uses: typed
// calls, errors, Watch from a resourceVersion, an informer that relists after 410, Log follow,
// Exec over WebSocket (pods from the scripted runner: no Docker needed here).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { startFakeKube, type FakeKube } from './index.ts';

let kube: FakeKube;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

const pod = (name: string): k8s.V1Pod => ({
  metadata: { name, labels: { app: 'cn' } },
  spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'kiln-test/busybox:latest', command: ['cat'], tty: true }] },
});

before(async () => {
  kube = await startFakeKube({ runner: 'scripted', namespaces: ['cn'], bookmarkIntervalMs: 0, scripted: { onExec: (_h, r, stdin) => ({ stdout: `${r.command.join(' ')}:${stdin}`, stderr: 'e', exitCode: r.command[0] === 'false' ? 1 : 0 }) } });
  kc = new k8s.KubeConfig();
  kc.loadFromFile(kube.kubeconfigPath('cn'));
  core = kc.makeApiClient(k8s.CoreV1Api);
});
after(async () => {
  await kube.close();
});

test('typed calls: version, create with generateName, read, list by label, patch (JSON patch and merge patch), errors with their codes', async () => {
  const v = await kc.makeApiClient(k8s.VersionApi).getCode();
  assert.equal(v.gitVersion, 'v1.32.0');
  const created = await core.createNamespacedPod({ namespace: 'cn', body: { ...pod(''), metadata: { generateName: 'kiln-', labels: { app: 'cn' } } } });
  const name = created.metadata!.name!;
  assert.match(name, /^kiln-[a-z0-9]{5}$/);
  assert.equal((await core.readNamespacedPod({ name, namespace: 'cn' })).status!.phase, 'Running');
  const jp = await core.patchNamespacedPod({ name, namespace: 'cn', body: [{ op: 'add', path: '/metadata/labels/stage', value: 'build' }] });
  assert.equal(jp.metadata!.labels!.stage, 'build');
  const mp = await core.patchNamespacedPod({ name, namespace: 'cn', body: { metadata: { annotations: { 'kiln.io/build': 'job#1' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
  assert.equal(mp.metadata!.annotations!['kiln.io/build'], 'job#1');
  const list = await core.listNamespacedPod({ namespace: 'cn', labelSelector: 'stage=build' });
  assert.deepEqual(list.items.map((p) => p.metadata!.name), [name]);
  await assert.rejects(core.readNamespacedPod({ name: 'nope', namespace: 'cn' }), (e: k8s.ApiException<string>) => e.code === 404 && JSON.parse(e.body).reason === 'NotFound');
  await assert.rejects(core.createNamespacedPod({ namespace: 'cn', body: { ...pod(name) } }), (e: k8s.ApiException<string>) => e.code === 409);
  const bad = new k8s.KubeConfig();
  bad.loadFromString(kube.kubeconfig('cn', { token: 'wrong' }));
  await assert.rejects(bad.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace: 'cn' }), (e: k8s.ApiException<string>) => e.code === 401);
  kube.setForbidden([{ verb: 'list', resource: 'pods', namespace: 'cn' }]);
  try {
    await assert.rejects(core.listNamespacedPod({ namespace: 'cn' }), (e: k8s.ApiException<string>) => e.code === 403 && /cannot list resource "pods"/.test(JSON.parse(e.body).message));
    const review = await kc.makeApiClient(k8s.AuthorizationV1Api).createSelfSubjectAccessReview({ body: { spec: { resourceAttributes: { namespace: 'cn', verb: 'list', resource: 'pods' } } } });
    assert.equal(review.status!.allowed, false);
  } finally {
    kube.setForbidden([]);
  }
  await core.deleteNamespacedPod({ name, namespace: 'cn', gracePeriodSeconds: 0 });
});

test('Watch from a resourceVersion sees the pod\'s changes and its deletion; an informer relists after 410 and stays in step', async () => {
  const created = await core.createNamespacedPod({ namespace: 'cn', body: { ...pod('watched'), spec: { ...pod('watched').spec!, terminationGracePeriodSeconds: 1 } } });
  const seen: string[] = [];
  const w = new k8s.Watch(kc);
  let ended: unknown = null;
  const req = await w.watch('/api/v1/namespaces/cn/pods', { fieldSelector: 'metadata.name=watched', resourceVersion: created.metadata!.resourceVersion, allowWatchBookmarks: true },
    (type, obj: k8s.V1Pod) => { if (type !== 'BOOKMARK') seen.push(`${type} ${obj.status?.phase ?? ''}`); }, (err) => { ended = err ?? 'done'; });
  const informer = k8s.makeInformer(kc, '/api/v1/namespaces/cn/pods', () => core.listNamespacedPod({ namespace: 'cn' }));
  const cache = new Set<string>();
  informer.on('add', (p) => cache.add(p.metadata!.name!));
  informer.on('delete', (p) => cache.delete(p.metadata!.name!));
  await informer.start();
  await core.deleteNamespacedPod({ name: 'watched', namespace: 'cn' });
  for (let i = 0; i < 100 && !seen.some((s) => s.startsWith('DELETED')); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(seen.includes('MODIFIED Running'), seen.join(', '));
  assert.equal(seen.at(-1), 'DELETED Failed', 'killed by the deletion (exit 137, restartPolicy Never): the terminal phase is Failed, as since Kubernetes 1.26');

  // Changes the informer does not see (another resource), then the history compacted: when its
  // watch ends, it watches again from its older resourceVersion, gets 410 and relists.
  const before = kube.requests.length;
  await core.createNamespacedConfigMap({ namespace: 'cn', body: { metadata: { name: 'unseen' } } });
  kube.compact();
  kube.endWatches();
  await core.createNamespacedPod({ namespace: 'cn', body: pod('after-compact') });
  for (let i = 0; i < 100 && !cache.has('after-compact'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(cache.has('after-compact'));
  assert.ok(!cache.has('watched'));
  const since = kube.requests.slice(before);
  assert.ok(since.some((r) => /^GET \/api\/v1\/namespaces\/cn\/pods\?watch=true.*resourceVersion=/.test(r)), since.join('\n'));
  assert.ok(since.some((r) => /^GET \/api\/v1\/namespaces\/cn\/pods(\?(?!watch)|$)/.test(r)), `the informer relisted after the 410: ${since.join('\n')}`);
  await informer.stop();
  req.abort();
  void ended;
});

test('Log follows until the container ends; Exec runs over WebSocket with stdin and the exit status', async () => {
  await core.createNamespacedPod({ namespace: 'cn', body: pod('talk') });
  kube.scripted!.log('cn', 'talk', 'main', 'first\n');
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => { text += c.toString('utf8'); });
  const ended = new Promise<void>((resolve) => out.on('finish', () => resolve()));
  await new k8s.Log(kc).log('cn', 'talk', 'main', out, { follow: true });
  kube.scripted!.log('cn', 'talk', 'main', 'second\n');
  kube.scripted!.exit('cn', 'talk', 'main', 0);
  await ended;
  assert.equal(text, 'first\nsecond\n');

  await core.createNamespacedPod({ namespace: 'cn', body: pod('shell') });
  const run = (command: string[], input: string) => new Promise<{ out: string; err: string; status: k8s.V1Status }>((resolve, reject) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const stdin = new PassThrough();
    let o = '', e = '';
    stdout.on('data', (c: Buffer) => { o += c.toString('utf8'); });
    stderr.on('data', (c: Buffer) => { e += c.toString('utf8'); });
    new k8s.Exec(kc).exec('cn', 'shell', 'main', command, stdout, stderr, stdin, false, (status) => resolve({ out: o, err: e, status })).then((ws) => {
      stdin.end(input);
      void ws;
    }, reject);
  });
  const ok = await run(['echo', 'hi'], 'in');
  assert.equal(ok.status.status, 'Success');
  assert.equal(ok.out, 'echo hi:in');
  assert.equal(ok.err, 'e');
  const failed = await run(['false'], '');
  assert.equal(failed.status.status, 'Failure');
  assert.equal(failed.status.reason, 'NonZeroExitCode');
  assert.equal(failed.status.details!.causes![0]!.message, '1');
});
