// kubernetesApply and withKubeConfig in real pipelines (the engine on the local backend) against
// the fake API server (scripted pods: no Docker needed), with the real kubectl in `sh`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runPipeline, start, type Harness } from '../../pipeline/engine/harness.ts';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { requireKubectl } from '../../fakes/kube/prereqs.ts';
import { apps, core } from '../../fakes/kube/cluster.ts';
import type { Credential } from '../../../src/core/credentials.ts';

let kube: FakeKube;
let home: string;
let credentials: Record<string, Credential>;
let caB64: string;

before(async () => {
  requireKubectl();
  kube = await startFakeKube({ runner: 'scripted', namespaces: ['ci', 'locked', 'readonly'], forbid: [{ namespace: 'locked' }, { verb: 'patch', namespace: 'readonly' }] });
  home = tempDir('kube-steps-home');
  caB64 = Buffer.from(kube.caPem!).toString('base64');
  credentials = {
    kubeconfig: { id: 'kubeconfig', type: 'secretFile', fileName: 'config', content: Buffer.from(kube.kubeconfig('ci')) },
    token: { id: 'token', type: 'secretText', secret: kube.token },
    up: { id: 'up', type: 'usernamePassword', username: 'u', password: 'p4ssw0rd' },
  };
});
after(async () => {
  await kube.close();
});

const wrap = (steps: string) => `
pipeline {
  agent any
  stages {
    stage('Deploy') {
      steps {
${steps}
      }
    }
  }
}`;

const baseEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LC_ALL: 'C' });

function workspaceWith(files: Record<string, string>): string {
  const ws = path.join(tempDir('kube-steps'), 'ws');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
    fs.writeFileSync(path.join(ws, name), text);
  }
  return ws;
}

async function until(h: Harness, re: RegExp, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!re.test(h.console())) {
    if (Date.now() > deadline) throw new Error(`the console did not show ${re} within ${timeoutMs} ms:\n${h.console()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const deployment = (name: string, image: string, replicas = 1) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { app: ${name} }
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: ${name} }
  template:
    metadata:
      labels: { app: ${name} }
    spec:
      containers:
        - name: main
          image: ${image}
          ports: [{ containerPort: 8080 }]
`;

const template = (ns: string, name: string) => {
  const d = kube.cluster.find(apps('deployments'), ns, name) as { spec: { template: { spec: { containers: { image: string }[] } } }; metadata: { annotations?: Record<string, string> } } | undefined;
  return d;
};

// ---------------------------------------------------------------------------------------------
// withKubeConfig

test('withKubeConfig with a token: kubectl works in the block, the file is 0600 under @tmp, the token is masked, the file is gone after', async () => {
  kube.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'seen-by-kubectl', namespace: 'ci' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const { state, console, h } = await runPipeline(wrap(`
        withKubeConfig(credentialsId: 'token', serverUrl: '${kube.url}', caCertificate: '${caB64}', namespace: 'ci', contextName: 'deploy') {
          sh 'kubectl get pods -n ci'
          sh 'kubectl get pods -o name'
          sh 'kubectl config current-context'
          sh 'echo "$KUBECONFIG" > kc-path; stat -c "mode=%a" "$KUBECONFIG"'
          sh 'grep token: "$KUBECONFIG"'
        }
`), { credentials, baseEnv: baseEnv() });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^seen-by-kubectl\s+/m, 'kubectl get pods -n ci lists the pod');
  assert.match(console, /^pod\/seen-by-kubectl$/m, 'the context namespace is ci');
  assert.match(console, /^deploy$/m);
  assert.match(console, /^mode=600$/m);
  assert.match(console, /token: \*\*\*\*/);
  assert.ok(!console.includes(kube.token), 'the token never appears in the console');
  const file = fs.readFileSync(path.join(h.workspace, 'kc-path'), 'utf8').trim();
  assert.ok(file.startsWith(`${h.workspace}@tmp/`), file);
  assert.ok(!fs.existsSync(file), 'the kubeconfig is removed after the block');
  assert.ok(!fs.existsSync(path.dirname(file)), 'and its directory');
});

test('withKubeConfig with a kubeconfig file: a failing block still removes it; the token in the file is masked', async () => {
  const { state, console, h } = await runPipeline(wrap(`
        withKubeConfig(credentialsId: 'kubeconfig') {
          sh 'kubectl get pods -o name; cat "$KUBECONFIG"; echo "$KUBECONFIG" > kc-path'
          sh 'exit 3'
        }
`), { credentials, baseEnv: baseEnv() });
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /^pod\/seen-by-kubectl$/m);
  assert.match(console, /script returned exit code 3/);
  assert.ok(!console.includes(kube.token), console);
  const file = fs.readFileSync(path.join(h.workspace, 'kc-path'), 'utf8').trim();
  assert.ok(!fs.existsSync(file), 'removed after a failing block');
});

test('withKubeConfig refuses what it cannot turn into a kubeconfig', async () => {
  const up = await runPipeline(wrap(`        withKubeConfig(credentialsId: 'up') { sh 'true' }`), { credentials, baseEnv: baseEnv() });
  assert.equal(up.state.result, 'FAILURE');
  assert.match(up.console, /withKubeConfig: credential 'up' is a usernamePassword credential; use a secret file \(a kubeconfig\) or a secret text \(a token, with serverUrl\)/);
  const noUrl = await runPipeline(wrap(`        withKubeConfig(credentialsId: 'token') { sh 'true' }`), { credentials, baseEnv: baseEnv() });
  assert.equal(noUrl.state.result, 'FAILURE');
  assert.match(noUrl.console, /serverUrl is required with a token credential/);
  const noCtx = await runPipeline(wrap(`        withKubeConfig(credentialsId: 'kubeconfig', contextName: 'nope') { sh 'true' }`), { credentials, baseEnv: baseEnv() });
  assert.match(noCtx.console, /has no context 'nope'; its contexts: kiln-fake/);
});

// ---------------------------------------------------------------------------------------------
// kubernetesApply

test('kubernetesApply: a glob of multi-document files applied, one line per object; waits for the rollout the test completes; a second apply is unchanged', async () => {
  const ws = workspaceWith({
    'k8s/00-config.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: web-config }
data: { mode: "prod" }
---
apiVersion: v1
kind: Service
metadata: { name: web }
spec:
  selector: { app: web }
  ports: [{ port: 80, targetPort: 8080 }]
`,
    'k8s/10-web.yaml': `---\n${deployment('web', 'nginx:1.27', 2)}`,
    'k8s/notes.txt': 'not a manifest',
  });
  const steps = wrap(`        kubernetesApply(file: 'k8s/*.yaml', namespace: 'ci', credentialsId: 'kubeconfig', timeout: 60)`);
  const h = await start(steps, { credentials, workspace: ws, baseEnv: baseEnv() });
  await until(h, /Waiting for deployment\.apps\/web to roll out/);
  assert.ok(!/successfully rolled out/.test(h.console()), 'still waiting before the rollout completes');
  kube.completeRollout('ci', 'web');
  const state = await h.done;
  const console = h.console();
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^configmap\/web-config created$/m);
  assert.match(console, /^service\/web created$/m);
  assert.match(console, /^deployment\.apps\/web created$/m);
  assert.match(console, /^deployment\.apps\/web successfully rolled out$/m);
  assert.ok(kube.requests.some((r) => r.startsWith('PATCH /apis/apps/v1/namespaces/ci/deployments/web?') && r.includes('fieldManager=kiln') && r.includes('force=true')), 'server-side apply with force');
  assert.ok(kube.requests.some((r) => /^GET \/apis\/apps\/v1\/namespaces\/ci\/deployments\?.*watch=true/.test(r)), 'the rollout is watched');

  const again = await runPipeline(steps, { credentials, workspace: ws, baseEnv: baseEnv() });
  assert.equal(again.state.result, 'SUCCESS', again.console);
  assert.match(again.console, /^configmap\/web-config unchanged$/m);
  assert.match(again.console, /^service\/web unchanged$/m);
  assert.match(again.console, /^deployment\.apps\/web unchanged$/m);
  assert.match(again.console, /^deployment\.apps\/web successfully rolled out$/m);
});

test('kubernetesApply with a token and text: a changed image is "configured" and waited for again', async () => {
  const first = start(wrap(`        kubernetesApply(text: '''${deployment('api', 'api:1')}''', namespace: 'ci', credentialsId: 'token', serverUrl: '${kube.url}', caCertificate: '${caB64}')`), { credentials, baseEnv: baseEnv() });
  const h1 = await first;
  await until(h1, /Waiting for deployment\.apps\/api/);
  kube.completeRollout('ci', 'api');
  assert.equal((await h1.done).result, 'SUCCESS', h1.console());
  const h2 = await start(wrap(`        kubernetesApply(text: '''${deployment('api', 'api:2')}''', namespace: 'ci', credentialsId: 'token', serverUrl: '${kube.url}', caCertificate: '${caB64}')`), { credentials, baseEnv: baseEnv() });
  await until(h2, /Waiting for deployment\.apps\/api to roll out: .*observed generation 2/);
  kube.completeRollout('ci', 'api');
  const s2 = await h2.done;
  assert.equal(s2.result, 'SUCCESS', h2.console());
  assert.match(h2.console(), /^deployment\.apps\/api configured$/m);
  assert.ok(!h2.console().includes(kube.token));
});

test('kubernetesApply fails with the Progressing condition\'s message when the rollout exceeds its deadline', async () => {
  const h = await start(wrap(`        kubernetesApply(text: '''${deployment('stuck', 'stuck:1')}''', namespace: 'ci', credentialsId: 'kubeconfig')`), { credentials, baseEnv: baseEnv() });
  await until(h, /Waiting for deployment\.apps\/stuck/);
  kube.failRollout('ci', 'stuck', 'ReplicaSet "stuck-abc" has timed out progressing.');
  const state = await h.done;
  assert.equal(state.result, 'FAILURE');
  assert.match(h.console(), /kubernetesApply: deployment\.apps\/stuck exceeded its progress deadline \(progressDeadlineSeconds 600\): ReplicaSet "stuck-abc" has timed out progressing\./);
  assert.ok(!/rolled back/.test(h.console()), 'no rollback unless asked');
});

test('kubernetesApply fails after its timeout saying the replica counts', async () => {
  const h = await start(wrap(`        kubernetesApply(text: '''${deployment('slow', 'slow:1', 3)}''', namespace: 'ci', credentialsId: 'kubeconfig', timeout: 2)`), { credentials, baseEnv: baseEnv() });
  await until(h, /Waiting for deployment\.apps\/slow/);
  const gen = (kube.cluster.find(apps('deployments'), 'ci', 'slow') as { metadata: { generation: number } }).metadata.generation;
  kube.setDeploymentStatus('ci', 'slow', { observedGeneration: gen, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 });
  const t0 = Date.now();
  const state = await h.done;
  assert.equal(state.result, 'FAILURE');
  assert.ok(Date.now() - t0 < 5000);
  assert.match(h.console(), /Waiting for deployment\.apps\/slow to roll out: 2 of 3 updated, 1 available$/m);
  assert.match(h.console(), /kubernetesApply: deployment\.apps\/slow did not roll out within 2 s: 2 of 3 updated, 1 available/);
});

test('kubernetesApply rollbackOnFailure puts back the previous pod template (from the ReplicaSet of the previous revision)', async () => {
  const step = (image: string) => wrap(`        kubernetesApply(text: '''${deployment('shop', image)}''', namespace: 'ci', credentialsId: 'kubeconfig', rollbackOnFailure: true)`);
  const h1 = await start(step('shop:1'), { credentials, baseEnv: baseEnv() });
  await until(h1, /Waiting for deployment\.apps\/shop/);
  kube.completeRollout('ci', 'shop');
  assert.equal((await h1.done).result, 'SUCCESS', h1.console());
  assert.equal(template('ci', 'shop')?.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');

  const h2 = await start(step('shop:2-broken'), { credentials, baseEnv: baseEnv() });
  await until(h2, /Waiting for deployment\.apps\/shop to roll out: .*generation 2/);
  assert.equal(template('ci', 'shop')?.spec.template.spec.containers[0]?.image, 'shop:2-broken');
  kube.failRollout('ci', 'shop');
  const state = await h2.done;
  const console = h2.console();
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /^ERROR: kubernetesApply: deployment\.apps\/shop exceeded its progress deadline/m);
  assert.match(console, /^deployment\.apps\/shop rolled back to revision 1: its previous pod template \(from ReplicaSet shop-\w+\) is applied again/m);
  const d = template('ci', 'shop')!;
  assert.equal(d.spec.template.spec.containers[0]?.image, 'shop:1', 'the previous image is back');
  assert.equal(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '3', 'the first ReplicaSet is current again, under revision 3');
  const rs = kube.cluster.list(apps('replicasets'), 'ci').filter((r) => r.metadata.name?.startsWith('shop-'));
  assert.equal(rs.length, 2, 'no new ReplicaSet: the old one is reused');
});

test('kubernetesApply: bad YAML names the file and document, and nothing is applied', async () => {
  const ws = workspaceWith({
    'k8s/app.yaml': `apiVersion: v1
kind: ConfigMap
metadata: { name: never-applied }
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: broken
data: [oops
`,
    'k8s/nokind.yaml': 'apiVersion: v1\nmetadata: { name: x }\n',
  });
  const bad = await runPipeline(wrap(`        kubernetesApply(file: 'k8s/app.yaml', namespace: 'ci', credentialsId: 'kubeconfig')`), { credentials, workspace: ws, baseEnv: baseEnv() });
  assert.equal(bad.state.result, 'FAILURE');
  assert.match(bad.console, /kubernetesApply: k8s\/app\.yaml document 2: not valid YAML at line \d+, column \d+: /);
  assert.equal(kube.cluster.find(core('configmaps'), 'ci', 'never-applied'), undefined, 'nothing applied');
  const nokind = await runPipeline(wrap(`        kubernetesApply(files: ['k8s/nokind.yaml'], namespace: 'ci', credentialsId: 'kubeconfig')`), { credentials, workspace: ws, baseEnv: baseEnv() });
  assert.match(nokind.console, /kubernetesApply: k8s\/nokind\.yaml document 1: missing kind/);
  const unknown = await runPipeline(wrap(`        kubernetesApply(text: 'apiVersion: example.com/v1\\nkind: Widget\\nmetadata: { name: w }', namespace: 'ci', credentialsId: 'kubeconfig')`), { credentials, baseEnv: baseEnv() });
  assert.match(unknown.console, /kubernetesApply: text document 1 \(Widget w\): the API server does not serve example\.com\/v1/);
  const missing = await runPipeline(wrap(`        kubernetesApply(file: 'k8s/none-*.yaml', credentialsId: 'kubeconfig')`), { credentials, workspace: ws, baseEnv: baseEnv() });
  assert.match(missing.console, /kubernetesApply: no file matches 'k8s\/none-\*\.yaml'/);
});

test('kubernetesApply: 403 says which verb, resource and namespace were refused', async () => {
  const ws = workspaceWith({ 'deploy.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: fine }\n---\n${deployment('web', 'web:1')}` });
  const { state, console } = await runPipeline(wrap(`        kubernetesApply(file: 'deploy.yaml', namespace: 'readonly', credentialsId: 'kubeconfig')`), { credentials, workspace: ws, baseEnv: baseEnv() });
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /kubernetesApply: deploy\.yaml document 1 \(configmap\/fine\): forbidden \(403\): the credentials may not patch configmaps in namespace "readonly": configmaps "fine" is forbidden: User "system:serviceaccount:default:kiln" cannot patch resource "configmaps" in API group "" in the namespace "readonly"/);
  const locked = await runPipeline(wrap(`        kubernetesApply(text: '''${deployment('web', 'web:1')}''', namespace: 'locked', credentialsId: 'kubeconfig')`), { credentials, baseEnv: baseEnv() });
  assert.match(locked.console, /text document 1 \(deployment\.apps\/web\): forbidden \(403\): the credentials may not patch deployments\.apps in namespace "locked"/);
});

test('kubernetesApply: a namespace in the object that differs from the step\'s is refused; wait: false returns at once', async () => {
  const clash = await runPipeline(wrap(`        kubernetesApply(text: 'apiVersion: v1\\nkind: ConfigMap\\nmetadata: { name: c, namespace: other }', namespace: 'ci', credentialsId: 'kubeconfig')`), { credentials, baseEnv: baseEnv() });
  assert.match(clash.console, /text document 1 \(configmap\/c\): its metadata\.namespace "other" differs from the step's namespace "ci"/);
  const nowait = await runPipeline(wrap(`        kubernetesApply(text: '''${deployment('nowait', 'x:1')}''', namespace: 'ci', credentialsId: 'kubeconfig', wait: false)`), { credentials, baseEnv: baseEnv() });
  assert.equal(nowait.state.result, 'SUCCESS', nowait.console);
  assert.match(nowait.console, /^deployment\.apps\/nowait created$/m);
  assert.ok(!/Waiting for/.test(nowait.console));
});

test('kubernetesApply: aborting the build while it waits for a rollout stops the step at once', async () => {
  const h = await start(wrap(`        kubernetesApply(text: '''${deployment('aborted', 'a:1')}''', namespace: 'ci', credentialsId: 'kubeconfig')`), { credentials, baseEnv: baseEnv() });
  await until(h, /Waiting for deployment\.apps\/aborted/);
  const t0 = Date.now();
  h.run.abort();
  const state = await h.done;
  assert.equal(state.result, 'ABORTED', h.console());
  assert.ok(Date.now() - t0 < 3000, 'stopped promptly');
  assert.ok(!/did not roll out/.test(h.console()), h.console());
});

test('kubernetesApply rollbackOnFailure leaves alone what it cannot roll back: a new Deployment, one whose template this step did not change', async () => {
  const step = wrap(`        kubernetesApply(text: '''${deployment('fresh', 'fresh:1')}''', namespace: 'ci', credentialsId: 'kubeconfig', rollbackOnFailure: true)`);
  const h = await start(step, { credentials, baseEnv: baseEnv() });
  await until(h, /Waiting for deployment\.apps\/fresh/);
  kube.failRollout('ci', 'fresh');
  assert.equal((await h.done).result, 'FAILURE');
  assert.match(h.console(), /^deployment\.apps\/fresh: not rolled back: it did not exist before this step/m);
  const again = await runPipeline(step, { credentials, baseEnv: baseEnv() });
  assert.equal(again.state.result, 'FAILURE');
  assert.match(again.console, /^deployment\.apps\/fresh unchanged$/m);
  assert.match(again.console, /^deployment\.apps\/fresh: not rolled back: this step did not change its pod template$/m);
  assert.match(again.console, /kubernetesApply: deployment\.apps\/fresh exceeded its progress deadline/);
});
