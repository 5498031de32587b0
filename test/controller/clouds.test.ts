// Kubernetes cloud settings through the API, and Test Connection's answers: connected with the
// version, or exactly why not (refused, DNS, TLS without the CA, a pasted CA, 401, 403 on pods,
// a missing permission, a timeout). The API server here is a small HTTP(S) endpoint that
// answers the few calls Test Connection makes, in Kubernetes' wire format.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { checkKubernetesSettings, testKubernetesConnection } from '../../src/plugins/kubernetes/cloud.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, testConfig } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = rawApi(() => c.url);
const TOKEN = 'sa-token-0123456789';

type Handler = (req: http.IncomingMessage, body: string) => { status: number; json: unknown } | null;
/** An API server answering /version, pods and SelfSubjectAccessReviews; `deny` lists "verb resource" it refuses. */
function kubeHandler(o: { deny?: string[]; forbidPods?: boolean } = {}): Handler {
  return (req, body) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, json: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } };
    if (req.url === '/version') return { status: 200, json: { major: '1', minor: '32', gitVersion: 'v1.32.4' } };
    if (req.url?.startsWith('/api/v1/namespaces/ci/pods')) {
      if (o.forbidPods) return { status: 403, json: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'pods is forbidden: User "system:serviceaccount:ci:kiln" cannot list resource "pods" in API group "" in the namespace "ci"', reason: 'Forbidden', code: 403 } };
      return { status: 200, json: { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] } };
    }
    if (req.url === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && req.method === 'POST') {
      const review = JSON.parse(body) as { spec: { resourceAttributes: { verb: string; resource: string; subresource?: string } } };
      const a = review.spec.resourceAttributes;
      const what = `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''}`;
      const allowed = !(o.deny ?? []).includes(what);
      return { status: 201, json: { ...review, status: { allowed, ...(allowed ? {} : { reason: 'no RBAC policy matched' }) } } };
    }
    return { status: 404, json: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'not found', reason: 'NotFound', code: 404 } };
  };
}

const servers: (http.Server | https.Server)[] = [];
async function serve(handler: Handler, tls?: { key: string; cert: string }): Promise<string> {
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => { body += d.toString(); });
    req.on('end', () => {
      const a = handler(req, body);
      if (!a) return; // never answers
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.json));
    });
  };
  const srv = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return `${tls ? 'https' : 'http'}://127.0.0.1:${(srv.address() as AddressInfo).port}`;
}

let tls: { key: string; cert: string };
before(async () => {
  const dir = tempDir('clouds');
  c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0' }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=kube-test-ca', '-addext', 'subjectAltName=IP:127.0.0.1',
    '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { stdio: 'ignore' });
  tls = { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') };
  assert.equal((await api('POST', 'api/v1/credentials', { id: 'kube-token', type: 'secretText', secret: TOKEN })).status, 201);
});
after(async () => {
  for (const s of servers) s.closeAllConnections?.();
  for (const s of servers) await new Promise((r) => s.close(r));
  await c?.close();
});

const settings = (server: string, extra: Record<string, unknown> = {}) => ({ serverUrl: server, namespace: 'ci', credentialsId: 'kube-token', skipTlsVerify: server.startsWith('http:'), ...extra });

test('a Kubernetes cloud is saved with its templates, read back, replaced and deleted; bad settings name the field', async () => {
  const body = { type: 'kubernetes', settings: { ...settings('https://10.0.0.1:6443'), controllerUrl: 'http://kiln.kiln.svc.cluster.local:8080/', tunnel: 'kiln-agent.kiln.svc:50000', containerCap: 5, templates: [{ name: 'maven', labels: 'maven java', yaml: 'spec:\n  containers:\n  - name: maven\n    image: maven:3.9\n' }] } };
  const created = await api('PUT', 'api/v1/clouds/k8s', body);
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(created.json.settings.templates[0].labels, ['maven', 'java']);
  assert.equal(created.json.settings.podRetention, 'never');
  assert.equal((await api('PUT', 'api/v1/clouds/k8s', body)).status, 200);
  assert.equal((await api('GET', 'api/v1/clouds')).json.clouds.length, 1);
  const bad = async (s: Record<string, unknown>, re: RegExp) => {
    const r = await api('PUT', 'api/v1/clouds/bad', { type: 'kubernetes', settings: { ...settings('https://10.0.0.1:6443'), ...s } });
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.error.message, re);
  };
  await bad({ namespace: 'Not_A_Namespace' }, /^namespace: 'Not_A_Namespace' is not a Kubernetes namespace name/);
  await bad({ tunnel: 'http://x:1' }, /^tunnel: write host:port/);
  await bad({ caCertificate: 'hello' }, /^caCertificate: neither a PEM certificate/);
  await bad({ serverUrl: 'ftp://x' }, /^serverUrl: must be an https:\/\//);
  await bad({ credentialsId: null }, /^credentialsId: required/);
  await bad({ templates: [{ name: 'a', inheritFrom: 'base', yaml: '' }] }, /'a' inherits from 'base', which is not a template of this cloud/);
  await bad({ templates: [{ name: 'a', yaml: 'spec:\n  containers:\n  - name: x\n' }] }, /templates\[0\]\.yaml: container 'x' needs an image/);
  await bad({ colour: 'blue' }, /^colour: not a Kubernetes cloud setting/);
  assert.match((await api('PUT', 'api/v1/clouds/bad', { type: 'mesos', settings: {} })).json.error.message, /^type: kubernetes/);
  for (const type of ['__proto__', 'constructor', 'toString', 'x'.repeat(100_000)]) {
    const r = await api('PUT', 'api/v1/clouds/bad', { type, settings: {} });
    assert.equal(r.status, 400, type.slice(0, 20));
    assert.match(r.json.error.message, /^type: kubernetes or docker \(got "/);
    assert.ok(r.json.error.message.length < 200, `the answer echoes ${r.json.error.message.length} chars`);
  }
  assert.equal((await api('GET', 'api/v1/clouds/bad')).status, 404);
  assert.equal((await api('DELETE', 'api/v1/clouds/k8s')).status, 204);
  assert.equal((await api('GET', 'api/v1/clouds/k8s')).status, 404);
  const audit = (await api('GET', 'api/v1/audit?action=cloud.create')).json.entries;
  assert.equal(audit[0].target, 'k8s');
});

test('Test Connection: the version when all is well, and each way it can fail, in words', async () => {
  const testConn = async (s: Record<string, unknown>) => (await api('POST', 'api/v1/clouds/test', { type: 'kubernetes', settings: s })).json as { ok: boolean; message: string; permissions: { verb: string; resource: string; allowed: boolean }[] };

  const good = await serve(kubeHandler());
  const ok = await testConn(settings(good));
  assert.equal(ok.message, 'Connected to Kubernetes v1.32.4');
  assert.equal(ok.ok, true);
  assert.deepEqual(ok.permissions.map((p) => `${p.verb} ${p.resource} ${p.allowed}`), ['create pods true', 'get pods true', 'list pods true', 'watch pods true', 'delete pods true', 'get pods/log true']);
  // The same through a saved cloud.
  assert.equal((await api('PUT', 'api/v1/clouds/saved', { type: 'kubernetes', settings: settings(good) })).status, 201);
  assert.equal((await api('POST', 'api/v1/clouds/saved/test')).json.message, 'Connected to Kubernetes v1.32.4');

  assert.match((await testConn(settings(good, { credentialsId: 'nope' }))).message, /^credentialsId: no global credential 'nope'/);
  assert.equal((await api('POST', 'api/v1/credentials', { id: 'wrong-token', type: 'secretText', secret: 'nope' })).status, 201);
  assert.match((await testConn(settings(good, { credentialsId: 'wrong-token' }))).message, /rejected the credentials \(401 Unauthorized\)/);

  const forbidden = await serve(kubeHandler({ forbidPods: true }));
  assert.match((await testConn(settings(forbidden))).message, /^Connected to Kubernetes v1\.32\.4, but cannot list pods in namespace 'ci': forbidden \(403\): pods is forbidden: User "system:serviceaccount:ci:kiln" cannot list/);
  const partial = await serve(kubeHandler({ deny: ['delete pods', 'get pods/log'] }));
  const p = await testConn(settings(partial));
  assert.equal(p.ok, false);
  assert.equal(p.message, "Connected to Kubernetes v1.32.4, but the credentials may not delete pods, get pods/log in namespace 'ci'");

  // Nothing listens: refused. A name that does not resolve: DNS.
  const gone = await serve(kubeHandler());
  servers.at(-1)!.close();
  await new Promise((r) => setTimeout(r, 50));
  assert.match((await testConn(settings(gone))).message, /^connection refused at 127\.0\.0\.1:\d+/);
  assert.match((await testConn(settings('https://no-such-host.invalid:6443'))).message, /^cannot resolve no-such-host\.invalid:6443 \(DNS\)/);

  // TLS with a certificate nobody vouches for; then with its CA pasted, as PEM or as base64.
  const secure = await serve(kubeHandler(), tls);
  assert.match((await testConn(settings(secure))).message, /^TLS: the server's certificate is not trusted \(\w+\): paste the cluster's CA certificate/);
  assert.equal((await testConn(settings(secure, { caCertificate: tls.cert }))).message, 'Connected to Kubernetes v1.32.4');
  assert.equal((await testConn(settings(secure, { caCertificate: Buffer.from(tls.cert).toString('base64') }))).message, 'Connected to Kubernetes v1.32.4');
  assert.equal((await testConn(settings(secure, { skipTlsVerify: true }))).ok, true);
});

test('Test Connection with a kubeconfig credential, and a server that never answers', async () => {
  const good = await serve(kubeHandler());
  const kubeconfig = `apiVersion: v1
kind: Config
clusters: [{ name: c, cluster: { server: '${good}', insecure-skip-tls-verify: true } }]
users: [{ name: u, user: { token: ${TOKEN} } }]
contexts: [{ name: x, context: { cluster: c, user: u, namespace: ci } }]
current-context: x
`;
  assert.equal((await api('POST', 'api/v1/credentials', { id: 'kubeconfig', type: 'secretFile', fileName: 'config', content: kubeconfig })).status, 201);
  const r = await api('POST', 'api/v1/clouds/test', { type: 'kubernetes', settings: { namespace: 'ci', credentialsId: 'kubeconfig' } });
  assert.equal(r.json.message, 'Connected to Kubernetes v1.32.4');
  assert.equal((await api('POST', 'api/v1/credentials', { id: 'not-kubeconfig', type: 'secretFile', fileName: 'x', content: '{{{' })).status, 201);
  assert.match((await api('POST', 'api/v1/clouds/test', { type: 'kubernetes', settings: { namespace: 'ci', credentialsId: 'not-kubeconfig' } })).json.message, /credential 'not-kubeconfig' is not a readable kubeconfig|has no current context/);

  const silent = await serve(() => null);
  const t0 = Date.now();
  const report = await testKubernetesConnection(checkKubernetesSettings(settings(silent)), { id: 't', type: 'secretText', secret: TOKEN }, { timeoutMs: 300 });
  assert.match(report.message, /^no answer from http:\/\/127\.0\.0\.1:\d+ in 0\.3 s$/);
  assert.ok(Date.now() - t0 < 5000);
});
