// The fake proven honest: the real kubectl (1.32) against it, with pods really running in Docker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { startFakeKube, type FakeKube } from './index.ts';
import { KUBECTL, busyboxImage, requireDocker, requireKubectl, run } from './prereqs.ts';

let kube: FakeKube;
let image: string;
let kubeconfig: string;
let dir: string;

function kubectl(args: string[], o: { kubeconfig?: string; input?: string } = {}) {
  return run(KUBECTL, args, { env: { KUBECONFIG: o.kubeconfig ?? kubeconfig, HOME: dir }, ...(o.input !== undefined ? { input: o.input } : {}) });
}

async function ok(args: string[], o: { kubeconfig?: string; input?: string } = {}): Promise<string> {
  const p = kubectl(args, o);
  const code = await p.done;
  assert.equal(code, 0, `kubectl ${args.join(' ')} failed: ${p.err}`);
  return p.out;
}

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text);
  return f;
}

function dockerPs(filter: string): string[] {
  return execFileSync('docker', ['ps', '-a', '-q', '--filter', filter], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

before(async () => {
  requireDocker();
  requireKubectl();
  image = busyboxImage();
  dir = tempDir('fake-kubectl');
  kube = await startFakeKube({ runner: 'docker', namespaces: ['builds', 'locked'], forbid: [{ namespace: 'locked' }], docker: { pauseImage: image } });
  kubeconfig = kube.kubeconfigPath('builds');
});

after(async () => {
  const label = kube.docker!.label;
  await kube.close();
  assert.deepEqual(await kube.docker!.leftovers(), [], 'nothing left in Docker after close()');
  assert.deepEqual(dockerPs(`label=kiln.fake-kube=${label}`), []);
});

test('kubectl version reports the fake server', async () => {
  const v = JSON.parse(await ok(['version', '-o', 'json'])) as { serverVersion: { major: string; minor: string; gitVersion: string } };
  assert.deepEqual([v.serverVersion.major, v.serverVersion.minor, v.serverVersion.gitVersion], ['1', '32', 'v1.32.0']);
});

test('wrong token: "You must be logged in to the server (...)"; a forbidden namespace: the Forbidden message; auth can-i', async () => {
  // With no discovery cache, discovery meets the 401 first: kubectl 1.32's wording for that case.
  const wrong = kube.kubeconfigPath('builds', { token: 'not-the-token' });
  const cold = run(KUBECTL, ['get', 'pods'], { env: { KUBECONFIG: wrong, HOME: tempDir('fake-kubectl-cold') } });
  assert.equal(await cold.done, 1);
  assert.match(cold.err, /^error: You must be logged in to the server \(the server has asked for the client to provide credentials\)$/m);
  // With discovery cached, the list request gets the 401 Status and kubectl prints its message.
  await ok(['get', 'pods']);
  const bad = kubectl(['get', 'pods'], { kubeconfig: wrong });
  assert.equal(await bad.done, 1);
  assert.match(bad.err, /^error: You must be logged in to the server \(Unauthorized\)$/m);
  const locked = kubectl(['get', 'pods', '-n', 'locked']);
  assert.equal(await locked.done, 1);
  assert.match(locked.err, new RegExp(`Error from server \\(Forbidden\\): pods is forbidden: User "${kube.user}" cannot list resource "pods" in API group "" in the namespace "locked"`));
  assert.equal((await ok(['auth', 'can-i', 'create', 'pods'])).trim(), 'yes');
  const no = kubectl(['auth', 'can-i', 'create', 'pods', '-n', 'locked']);
  assert.equal(await no.done, 1);
  assert.equal(no.out.trim(), 'no');
});

test('apply -f a Pod (create, unchanged, update), get -o json, logs -f while it prints, get -w sees ADDED and MODIFIED, delete --wait', async () => {
  const watch = kubectl(['get', 'pods', '-w', '--output-watch-events', '-o', 'custom-columns=EVENT:.type,NAME:.object.metadata.name,PHASE:.object.status.phase']);
  await new Promise((r) => setTimeout(r, 500));
  const manifest = (label: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ticker
  labels: {app: ticker, rev: "${label}"}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 5
  containers:
  - name: main
    image: ${image}
    command: [sh, -c, 'trap "exit 0" TERM; for i in 1 2 3 4 5; do echo tick $i; sleep 0.7; done; sleep 60 & wait']
`;
  const f = write('ticker.yaml', manifest('1'));
  assert.match(await ok(['apply', '-f', f]), /^pod\/ticker created$/m);
  assert.match(await ok(['apply', '-f', f]), /^pod\/ticker unchanged$/m);
  await ok(['wait', '--for=condition=Ready', 'pod/ticker', '--timeout=60s']);

  const logs = kubectl(['logs', '-f', 'ticker']);
  await logs.until(/tick 1\n/);
  assert.doesNotMatch(logs.out, /tick 5/, 'the first line arrives while the container still runs');
  await logs.until(/tick 5\n/);
  assert.equal(logs.out, 'tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n');

  const pods = JSON.parse(await ok(['get', 'pods', '-o', 'json'])) as { kind: string; items: { metadata: { name: string; labels: Record<string, string> }; status: { phase: string; podIP: string; containerStatuses: { state: { running?: unknown } }[] } }[] };
  assert.equal(pods.kind, 'List');
  const ticker = pods.items.find((p) => p.metadata.name === 'ticker')!;
  assert.equal(ticker.status.phase, 'Running');
  assert.match(ticker.status.podIP, /^\d+\.\d+\.\d+\.\d+$/);
  assert.ok(ticker.status.containerStatuses[0]!.state.running);

  fs.writeFileSync(f, manifest('2'));
  assert.match(await ok(['apply', '-f', f]), /^pod\/ticker configured$/m);
  assert.equal((await ok(['get', 'pod', 'ticker', '-o', 'jsonpath={.metadata.labels.rev}'])), '2');
  assert.match(await ok(['get', 'pods']), /^ticker\s+1\/1\s+Running\s+0\s+/m);

  assert.equal(dockerPs(`label=kiln.fake-kube.pod=builds.ticker`).length, 2, 'pause + main');
  const del = await ok(['delete', 'pod', 'ticker', '--wait', '--timeout=60s']);
  assert.match(del, /pod "ticker" deleted/);
  assert.equal(kube.pod('builds', 'ticker'), undefined, 'kubectl delete --wait returned after the object was gone');
  assert.deepEqual(dockerPs(`label=kiln.fake-kube.pod=builds.ticker`), [], 'and its containers with it');

  await watch.until(/DELETED\s+ticker/);
  watch.kill();
  const events = watch.out.split('\n').filter(Boolean).slice(1).map((l) => l.split(/\s+/));
  assert.deepEqual(events[0], ['ADDED', 'ticker', 'Pending']);
  assert.ok(events.some((e) => e[0] === 'MODIFIED' && e[2] === 'Running'), watch.out);
  assert.deepEqual(events.at(-1)!.slice(0, 2), ['DELETED', 'ticker']);
  const reasons = kube.events('builds', 'ticker').map((e) => e.reason);
  for (const r of ['Scheduled', 'Pulled', 'Created', 'Started', 'Killing']) assert.ok(reasons.includes(r), `${r} in ${reasons.join(',')}`);
});

test('apply -f a Deployment (create, then update bumps the generation and makes a ReplicaSet); rollout status follows the status the test drives', async () => {
  const manifest = (value: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: ${image}
        env: [{name: MODE, value: "${value}"}]
`;
  const f = write('web.yaml', manifest('a'));
  assert.match(await ok(['apply', '-f', f]), /^deployment.apps\/web created$/m);
  fs.writeFileSync(f, manifest('b'));
  assert.match(await ok(['apply', '-f', f]), /^deployment.apps\/web configured$/m);
  const d = JSON.parse(await ok(['get', 'deployment', 'web', '-o', 'json'])) as { metadata: { generation: number; annotations: Record<string, string> }; spec: { template: { spec: { containers: { env: unknown[] }[] } } } };
  assert.equal(d.metadata.generation, 2);
  assert.deepEqual(d.spec.template.spec.containers[0]!.env, [{ name: 'MODE', value: 'b' }]);
  assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '2');
  assert.equal((await ok(['get', 'rs', '-l', 'app=web', '-o', 'name'])).trim().split('\n').length, 2);

  const status = kubectl(['rollout', 'status', 'deployment/web', '--timeout=60s']);
  kube.setDeploymentStatus('builds', 'web', { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1, readyReplicas: 1 });
  await status.until(/1 out of 2 new replicas have been updated/);
  kube.completeRollout('builds', 'web');
  assert.equal(await status.done, 0, status.err);
  assert.match(status.out, /deployment "web" successfully rolled out/);

  assert.match(await ok(['scale', 'deployment/web', '--replicas=3']), /deployment.apps\/web scaled/);
  assert.equal(await ok(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas} {.metadata.generation}']), '3 3');

  assert.match(await ok(['rollout', 'undo', 'deployment/web']), /rolled back/);
  const back = JSON.parse(await ok(['get', 'deployment', 'web', '-o', 'json'])) as { metadata: { generation: number; annotations: Record<string, string> }; spec: { replicas: number; template: { spec: { containers: { env: unknown[] }[] } } } };
  assert.equal(back.spec.replicas, 3, 'undo restores the template, not the scale');
  assert.deepEqual(back.spec.template.spec.containers[0]!.env, [{ name: 'MODE', value: 'a' }]);
  assert.equal(back.metadata.annotations['deployment.kubernetes.io/revision'], '3');
  assert.equal(back.metadata.generation, 4);
  assert.match(await ok(['delete', 'deployment', 'web', '--wait']), /deployment.apps "web" deleted/);
});

test('kubectl apply --server-side, a Secret, get events, NotFound and AlreadyExists', async () => {
  const f = write('cm.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "1"}\n');
  assert.match(await ok(['apply', '--server-side', '-f', f]), /configmap\/settings serverside-applied/);
  fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "2"}\n');
  assert.match(await ok(['apply', '--server-side', '-f', f]), /configmap\/settings serverside-applied/);
  assert.equal(await ok(['get', 'configmap', 'settings', '-o', 'jsonpath={.data.a}']), '2');
  const secret = write('secret.yaml', 'apiVersion: v1\nkind: Secret\nmetadata: {name: creds}\nstringData: {password: s3cret}\n');
  assert.match(await ok(['apply', '-f', secret]), /secret\/creds created/);
  assert.equal(Buffer.from(await ok(['get', 'secret', 'creds', '-o', 'jsonpath={.data.password}']), 'base64').toString(), 's3cret');
  const dup = kubectl(['create', '-f', secret]);
  assert.equal(await dup.done, 1);
  assert.match(dup.err, /Error from server \(AlreadyExists\): error when creating "[^"]+": secrets "creds" already exists/);
  // Typed-client commands send protobuf bodies.
  assert.match(await ok(['create', 'secret', 'generic', 'token', '--from-literal=value=t0k3n', '--type=kiln/token']), /secret\/token created/);
  assert.equal(Buffer.from(await ok(['get', 'secret', 'token', '-o', 'jsonpath={.data.value}']), 'base64').toString(), 't0k3n');
  assert.equal(await ok(['get', 'secret', 'token', '-o', 'jsonpath={.type}']), 'kiln/token');
  assert.match(await ok(['create', 'configmap', 'cfg', '--from-literal=a=b']), /configmap\/cfg created/);
  assert.match(await ok(['create', 'namespace', 'made-by-kubectl']), /namespace\/made-by-kubectl created/);
  assert.match(await ok(['get', 'namespaces']), /^made-by-kubectl\s+Active\s+/m);
  assert.match(await ok(['delete', 'namespace', 'made-by-kubectl', '--wait']), /namespace "made-by-kubectl" deleted/);
  assert.match(await ok(['get', 'events']), /Scheduled/);
  const typo = write('typo.yaml', `apiVersion: v1\nkind: Pod\nmetadata: {name: typo}\nspec:\n  containers:\n  - {name: c, image: ${image}, imagePullPolicyy: Never}\n`);
  const strict = kubectl(['apply', '-f', typo]);
  assert.equal(await strict.done, 1);
  assert.match(strict.err, /Error from server \(BadRequest\): error when creating "[^"]+typo.yaml": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers\[0\].imagePullPolicyy"/);
  const warned = kubectl(['apply', '--validate=warn', '-f', typo]);
  assert.equal(await warned.done, 0, warned.err);
  assert.match(warned.err, /Warning: unknown field "spec.containers\[0\].imagePullPolicyy"/);
  await ok(['delete', 'pod', 'typo', '--wait']);
  const missing = kubectl(['get', 'pod', 'nope']);
  assert.equal(await missing.done, 1);
  assert.match(missing.err, /Error from server \(NotFound\): pods "nope" not found/);
});

test('kubectl exec over WebSocket (v5.channel.k8s.io): stdout and stderr apart, stdin, the exit code, a wrong container; kubectl cp both ways', async () => {
  const f = write('shell.yaml', `apiVersion: v1
kind: Pod
metadata: {name: shell}
spec:
  containers:
  - {name: main, image: ${image}, command: [sh, -c, 'trap "exit 0" TERM; sleep 3600 & wait']}
`);
  await ok(['apply', '-f', f]);
  await ok(['wait', '--for=condition=Ready', 'pod/shell', '--timeout=60s']);
  const both = kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo to-out; echo to-err >&2; hostname']);
  assert.equal(await both.done, 0, both.err);
  assert.equal(both.out, 'to-out\nshell\n');
  assert.equal(both.err, 'to-err\n');
  const input = kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'tr a-z A-Z'], { input: 'piped in\n' });
  assert.equal(await input.done, 0, input.err);
  assert.equal(input.out, 'PIPED IN\n');
  const failing = kubectl(['exec', 'shell', '--', 'sh', '-c', 'exit 3']);
  assert.equal(await failing.done, 3);
  assert.match(failing.err, /command terminated with exit code 3/);
  const wrong = kubectl(['exec', 'shell', '-c', 'nope', '--', 'true']);
  assert.equal(await wrong.done, 1);
  assert.match(wrong.err, /container nope is not valid for pod shell/);
  assert.ok(kube.requests.some((r) => r.startsWith('UPGRADE /api/v1/namespaces/builds/pods/shell/exec?command=sh')));
  // kubectl cp is tar through exec, both ways: binary bytes through stdin and stdout.
  const blob = Buffer.alloc(200_000);
  for (let i = 0; i < blob.length; i++) blob[i] = (i * 7919) % 251;
  fs.writeFileSync(path.join(dir, 'blob.bin'), blob);
  await ok(['cp', path.join(dir, 'blob.bin'), 'shell:/tmp/blob.bin']);
  assert.equal((await ok(['exec', 'shell', '--', 'wc', '-c', '/tmp/blob.bin'])).trim().split(/\s+/)[0], String(blob.length));
  await ok(['cp', 'shell:/tmp/blob.bin', path.join(dir, 'back.bin')]);
  assert.ok(fs.readFileSync(path.join(dir, 'back.bin')).equals(blob));
  await ok(['delete', 'pod', 'shell', '--wait']);
});

test('client certificates: the CN is the user (auth whoami, per-user 403), a certificate of another CA is 401', async () => {
  const token = JSON.parse(await ok(['auth', 'whoami', '-o', 'json'])) as { status: { userInfo: { username: string } } };
  assert.equal(token.status.userInfo.username, kube.user);
  const alice = kube.kubeconfigPath('builds', { clientCertificate: 'alice' });
  const who = JSON.parse(await ok(['auth', 'whoami', '-o', 'json'], { kubeconfig: alice })) as { status: { userInfo: { username: string; groups: string[] } } };
  assert.equal(who.status.userInfo.username, 'alice');
  assert.ok(who.status.userInfo.groups.includes('system:authenticated'));
  kube.setForbidden([{ user: 'alice', verb: 'list', resource: 'pods' }, { namespace: 'locked' }]);
  try {
    const denied = kubectl(['get', 'pods'], { kubeconfig: alice });
    assert.equal(await denied.done, 1);
    assert.match(denied.err, /pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "builds"/);
    await ok(['get', 'pods']);
  } finally {
    kube.setForbidden([{ namespace: 'locked' }]);
  }
  const other = await startFakeKube({ runner: 'scripted' });
  try {
    const foreign = other.clientCertificate('mallory');
    const cfg = write('foreign.yaml', kube.kubeconfig('builds', { clientCertificate: 'x' })
      .replace(/client-certificate-data: .*/, `client-certificate-data: ${Buffer.from(foreign.cert).toString('base64')}`)
      .replace(/client-key-data: .*/, `client-key-data: ${Buffer.from(foreign.key).toString('base64')}`));
    const refused = kubectl(['get', 'pods'], { kubeconfig: cfg });
    assert.equal(await refused.done, 1);
    assert.match(refused.err, /You must be logged in to the server/);
  } finally {
    await other.close();
  }
});
