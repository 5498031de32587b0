// The Kubernetes Continuous Deploy plugin's kubernetesDeploy in real pipelines (the engine on the
// local backend) against the fake API server: configs matched by Ant patterns, $VAR / ${VAR}
// replaced from the build's environment (unknown names left), applied with the kubeconfig
// credential into its context's namespace; dockerCredentials make a registry Secret whose name
// is $KUBERNETES_SECRET_NAME; substitution off leaves the text; bad input fails with the reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runPipeline } from '../../pipeline/engine/harness.ts';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { apps, core } from '../../fakes/kube/cluster.ts';
import type { Credential } from '../../../src/core/credentials.ts';

let kube: FakeKube;
let credentials: Record<string, Credential>;

before(async () => {
  kube = await startFakeKube({ runner: 'scripted', namespaces: ['ci', 'registry', 'locked'], forbid: [{ namespace: 'locked' }] });
  credentials = {
    kubeconfig: { id: 'kubeconfig', type: 'secretFile', fileName: 'config', content: Buffer.from(kube.kubeconfig('ci')) },
    'kubeconfig-text': { id: 'kubeconfig-text', type: 'secretText', secret: kube.kubeconfig('ci') },
    registry: { id: 'registry', type: 'usernamePassword', username: 'robot', password: 'reg-pass-123' },
    token: { id: 'token', type: 'secretText', secret: 'abc' },
  };
});
after(async () => { await kube?.close(); });

const DEPLOY = `apiVersion: apps/v1
kind: Deployment
metadata: { name: shop-$APP_ENV, labels: { build: "\${BUILD_NUMBER}" }, annotations: { keep: "$NOT_SET" } }
spec:
  selector: { matchLabels: { app: shop } }
  template:
    metadata: { labels: { app: shop } }
    spec:
      imagePullSecrets: [{ name: $KUBERNETES_SECRET_NAME }]
      containers: [{ name: main, image: "registry.example.com/shop:\${IMAGE_TAG}" }]
`;

function workspaceWith(files: Record<string, string>): string {
  const ws = path.join(tempDir('kube-deploy'), 'ws');
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(ws, name)), { recursive: true });
    fs.writeFileSync(path.join(ws, name), text);
  }
  return ws;
}

const pipeline = (step: string) => `pipeline {
  agent any
  environment { APP_ENV = 'prod'; IMAGE_TAG = '1.4.2' }
  stages { stage('Deploy') { steps { ${step} } } }
}`;

test('kubernetesDeploy substitutes the environment, makes the registry Secret and applies the configs into the context namespace', async () => {
  const ws = workspaceWith({ 'k8s/deploy.yaml': DEPLOY, 'k8s/svc.yml': 'apiVersion: v1\nkind: Service\nmetadata: { name: shop }\nspec: { ports: [{ port: 80 }] }\n', 'k8s/readme.md': 'x' });
  const r = await runPipeline(pipeline(`kubernetesDeploy(kubeconfigId: 'kubeconfig', configs: 'k8s/*.yaml,k8s/*.yml', enableConfigSubstitution: true,
      secretName: 'regcred-$APP_ENV', secretNamespace: 'ci', dockerCredentials: [[credentialsId: 'registry', url: 'https://registry.example.com']])`), { credentials, workspace: ws });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  const lines = r.console.split('\n');
  const at = (s: string) => lines.findIndex((l) => l === s);
  assert.ok(at('Starting Kubernetes deployment') >= 0, r.console);
  assert.ok(at('Inject environment variable KUBERNETES_SECRET_NAME=regcred-prod') > at('Starting Kubernetes deployment'));
  assert.match(r.console, /^Loading configuration: .*\/k8s\/deploy\.yaml$/m);
  assert.match(r.console, /^Loading configuration: .*\/k8s\/svc\.yml$/m);
  assert.match(r.console, /^secret\/regcred-prod created$/m);
  assert.match(r.console, /^deployment\.apps\/shop-prod created$/m);
  assert.match(r.console, /^service\/shop created$/m);
  assert.ok(at('Finished Kubernetes deployment') > at('service/shop created'));
  assert.ok(!r.console.includes('reg-pass-123'));

  const d = kube.cluster.find(apps('deployments'), 'ci', 'shop-prod') as any;
  assert.equal(d.spec.template.spec.containers[0].image, 'registry.example.com/shop:1.4.2');
  assert.equal(d.spec.template.spec.imagePullSecrets[0].name, 'regcred-prod');
  assert.equal(d.metadata.labels.build, /^Running test-job #(\d+)$/m.exec(r.console)?.[1]);
  assert.equal(d.metadata.annotations.keep, '$NOT_SET', 'an unknown name is left as written');
  const s = kube.cluster.find(core('secrets'), 'ci', 'regcred-prod') as any;
  assert.equal(s.type, 'kubernetes.io/dockerconfigjson');
  const cfg = JSON.parse(Buffer.from(s.data['.dockerconfigjson'], 'base64').toString());
  assert.deepEqual(cfg.auths['https://registry.example.com'], { username: 'robot', password: 'reg-pass-123', auth: Buffer.from('robot:reg-pass-123').toString('base64') });

  // Again: unchanged objects; a kubeconfig entered as secret text works too.
  const again = await runPipeline(pipeline(`kubernetesDeploy(kubeconfigId: 'kubeconfig-text', configs: 'k8s/svc.yml')`), { credentials, workspace: ws });
  assert.equal(again.state.result, 'SUCCESS', again.console);
  assert.match(again.console, /^service\/shop unchanged$/m);
});

test('enableConfigSubstitution: false applies the text as written', async () => {
  const ws = workspaceWith({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: raw }\ndata: { v: "$APP_ENV" }\n' });
  const r = await runPipeline(pipeline(`kubernetesDeploy(kubeconfigId: 'kubeconfig', configs: 'cm.yaml', enableConfigSubstitution: false)`), { credentials, workspace: ws });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.equal((kube.cluster.find(core('configmaps'), 'ci', 'raw') as any).data.v, '$APP_ENV');
});

test('kubernetesDeploy fails with the reason: no file, a path out of the workspace, a wrong credential, a refused namespace, deleteResource', async () => {
  const ws = workspaceWith({ 'cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, namespace: locked }\n' });
  const none = await runPipeline(pipeline(`kubernetesDeploy(kubeconfigId: 'kubeconfig', configs: 'k8s/*.yaml')`), { credentials, workspace: ws });
  assert.equal(none.state.result, 'FAILURE');
  assert.match(none.console, /^Kubernetes deployment ended with HasError$/m);
  assert.match(none.console, /kubernetesDeploy: No matching configuration files found for k8s\/\*\.yaml/);
  const out = await runPipeline(pipeline(`kubernetesDeploy(kubeconfigId: 'kubeconfig', configs: '../**/*.yaml')`), { credentials, workspace: ws });
  assert.equal(out.state.result, 'FAILURE');
  const tok = await runPipeline(pipeline(`kubernetesDeploy(kubeconfigId: 'token', configs: 'cm.yaml')`), { credentials, workspace: ws });
  assert.match(tok.console, /kubeconfigId 'token' is a secretText credential: it must be a secret file \(or secret text\) holding a kubeconfig/);
  const locked = await runPipeline(pipeline(`kubernetesDeploy(kubeconfigId: 'kubeconfig', configs: 'cm.yaml')`), { credentials, workspace: ws });
  assert.equal(locked.state.result, 'FAILURE');
  assert.match(locked.console, /kubernetesDeploy: cm\.yaml document 1 \(configmap\/x\): forbidden \(403\): the credentials may not patch configmaps in namespace "locked"/);
  const bad = await runPipeline(pipeline(`kubernetesDeploy(kubeconfigId: 'kubeconfig', configs: 'cm.yaml', secretName: 'Bad_Name', dockerCredentials: [[credentialsId: 'registry']])`), { credentials, workspace: ws });
  assert.match(bad.console, /secretName 'Bad_Name' is not a Kubernetes name/);
  const del = await runPipeline(pipeline(`kubernetesDeploy(kubeconfigId: 'kubeconfig', configs: 'cm.yaml', deleteResource: true)`), { credentials, workspace: ws }).catch((e: Error) => ({ state: { result: 'INVALID' }, console: e.message }));
  assert.match(del.console, /deleteResource/);
});
