// withKubeCredentials (Kubernetes CLI plugin) in a real pipeline against the fake API server, with
// the real kubectl: two credentials give two kubeconfig files in KUBECONFIG, which kubectl merges;
// each context reaches the cluster with its namespace, none is current, the tokens are masked,
// the files are gone after the block.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runPipeline } from '../../pipeline/engine/harness.ts';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { requireKubectl } from '../../fakes/kube/prereqs.ts';
import type { Credential } from '../../../src/core/credentials.ts';

let kube: FakeKube;
let home: string;
let credentials: Record<string, Credential>;
let caB64: string;

before(async () => {
  requireKubectl();
  kube = await startFakeKube({ runner: 'scripted', namespaces: ['ci', 'locked'], forbid: [{ namespace: 'locked' }] });
  home = tempDir('kube-creds-home');
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

const scripted = (body: string) => `node {\n${body}\n}\n`;
const baseEnv = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LC_ALL: 'C' });

test('withKubeCredentials: two credentials, two contexts merged by kubectl, no current context, tokens masked, files removed', async () => {
  kube.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pod-in-ci', namespace: 'ci' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  const { state, console, h } = await runPipeline(scripted(`
  withKubeCredentials(kubectlCredentials: [
      [credentialsId: 'token', serverUrl: '${kube.url}', caCertificate: '${caB64}', clusterName: 'one', contextName: 'ci-ctx', namespace: 'ci'],
      [credentialsId: 'token', serverUrl: '${kube.url}', caCertificate: '${caB64}', clusterName: 'two', contextName: 'locked-ctx', namespace: 'locked']]) {
    sh 'echo "$KUBECONFIG" > kc-paths; kubectl config get-contexts -o name | sort'
    sh 'kubectl --context ci-ctx get pods -o name'
    sh 'kubectl --context locked-ctx get pods -o name 2>&1 || echo locked-refused'
    sh 'kubectl config current-context 2>&1 || echo no-current-context'
    sh 'cat $(echo "$KUBECONFIG" | tr ":" " ") | grep token:'
  }`), { credentials, baseEnv: baseEnv() });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^ci-ctx\nlocked-ctx$/m);
  assert.match(console, /^pod\/pod-in-ci$/m);
  assert.match(console, /^locked-refused$/m);
  assert.match(console, /^no-current-context$/m);
  assert.match(console, /token: \*\*\*\*/);
  assert.ok(!console.includes(kube.token), 'the token never appears in the console');
  assert.match(console, /kubectl configuration cleaned up\n/);
  const files = fs.readFileSync(path.join(h.workspace, 'kc-paths'), 'utf8').trim().split(':');
  assert.equal(files.length, 2);
  for (const f of files) {
    assert.ok(f.startsWith(`${h.workspace}@tmp/`), f);
    assert.ok(!fs.existsSync(f), 'removed after the block');
  }
});

test('withKubeCredentials: one kubeconfig credential keeps its current context; bad entries fail clearly', async () => {
  const one = await runPipeline(scripted(`  withKubeCredentials(kubectlCredentials: [[credentialsId: 'kubeconfig']]) { sh 'kubectl get pods -o name' }`), { credentials, baseEnv: baseEnv() });
  assert.equal(one.state.result, 'SUCCESS', one.console);
  assert.match(one.console, /^pod\/pod-in-ci$/m);
  // The list as the step's one argument, as users write it (the constructor's sole parameter).
  const positional = await runPipeline(scripted(`  withKubeCredentials([[credentialsId: 'kubeconfig']]) { sh 'kubectl get pods -o name' }`), { credentials, baseEnv: baseEnv() });
  assert.equal(positional.state.result, 'SUCCESS', positional.console);
  assert.match(positional.console, /^pod\/pod-in-ci$/m);
  for (const [entries, msg] of [
    ['[]', /withKubeCredentials: \[kubernetes-cli\] credentials list cannot be empty/],
    [`[[credentialsId: 'up']]`, /withKubeCredentials: credential 'up' is a usernamePassword credential; use a secret file \(a kubeconfig\) or a secret text \(a token, with serverUrl\) \(kubectlCredentials\[0\]\)/],
    [`[[credentialsId: 'token']]`, /withKubeCredentials: serverUrl is required with a token credential \('token' is secret text\) \(kubectlCredentials\[0\]\)/],
    [`[[credentialsId: 'token', server: 'x']]`, /withKubeCredentials: kubectlCredentials\[0\] has no parameter 'server'/],
    [`['token']`, /withKubeCredentials: kubectlCredentials\[0\] must be a map/],
  ] as const) {
    const r = await runPipeline(scripted(`  withKubeCredentials(kubectlCredentials: ${entries}) { echo 'never' }`), { credentials, baseEnv: baseEnv() });
    assert.equal(r.state.result, 'FAILURE', r.console);
    assert.match(r.console, msg);
    assert.doesNotMatch(r.console, /\nnever\n/);
  }
});
