// The OpenShift Pipeline plugin's steps (openshiftCreateResource, openshiftDeploy, openshiftScale,
// openshiftVerifyDeployment/Build/Service, openshiftBuild, openshiftDeleteResource*) through
// `kiln run` against the fake Kubernetes API server, extended with the OpenShift resources these
// steps touch (test/fakes/kube/openshift.ts: DeploymentConfigs and their ReplicationControllers,
// BuildConfigs instantiated into Builds whose phase this test drives). Real HTTPS, the fake's CA
// and bearer token, as a cluster configured on the host (KILN_OPENSHIFT_CLUSTERS).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { openShiftController, os, setBuildPhase } from '../../fakes/kube/openshift.ts';

let kube: FakeKube;
let stop: () => void;
before(async () => {
  kube = await startFakeKube({ runner: 'scripted', namespaces: ['shop'] });
  stop = openShiftController(kube.cluster);
  await kube.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'web', namespace: 'shop' }, subsets: [{ addresses: [{ ip: '10.0.0.7' }], ports: [{ port: 8080 }] }] });
  await kube.create({ apiVersion: 'build.openshift.io/v1', kind: 'BuildConfig', metadata: { name: 'web', namespace: 'shop' }, spec: { source: { git: { uri: 'https://git.example/web.git' } }, strategy: { type: 'Source', sourceStrategy: { from: { kind: 'ImageStreamTag', name: 'nodejs:20' } } } } });
});
after(async () => {
  stop?.();
  await kube?.close();
});

function run(jenkinsfile: string, clusters: object[] = [{ name: 'default', url: kube.url, credentialsId: 'oc-token', serverCertificateAuthority: kube.caPem, defaultProject: 'shop' }], env: Record<string, string> = {}) {
  const dir = tempDir('openshift-rest');
  fs.writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  fs.writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'oc-token': { type: 'secretText', secret: kube.token } }));
  return runKiln(['run', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_OPENSHIFT_CLUSTERS: JSON.stringify(clusters), ...env } });
}

const objects = JSON.stringify({ kind: 'List', apiVersion: 'v1', items: [
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', labels: { app: 'web' } }, spec: { ports: [{ port: 8080 }], selector: { app: 'web' } } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', labels: { app: 'web' } }, data: { a: '1' } },
  { apiVersion: 'apps.openshift.io/v1', kind: 'DeploymentConfig', metadata: { name: 'web' }, spec: { replicas: 1, selector: { app: 'web' }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'web:1' }] } } } },
] });

test('create a List, deploy, scale and verify a DeploymentConfig, verify a Service, delete by labels and by key: the plugin\'s console lines', async () => {
  const r = await run(`
node {
  openshiftCreateResource(jsonyaml: '${objects}')
  openshiftDeploy(depCfg: 'web')
  openshiftScale(depCfg: 'web', replicaCount: '3', verifyReplicaCount: 'true')
  openshiftVerifyDeployment(depCfg: 'web', replicaCount: '3', verifyReplicaCount: 'true')
  openshiftVerifyService(svcName: 'web', retryCount: '1')
  openshiftDeleteResourceByLabels(types: 'configmap', keys: 'app', values: 'web')
  openshiftDeleteResourceByKey(types: 'svc,dc', keys: 'web,web')
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const expected = [
    'Starting "Create OpenShift Resource(s)" with the project "shop".',
    '  Created a "Service"', '  Created a "ConfigMap"', '  Created a "DeploymentConfig"',
    'Exiting "Create OpenShift Resource(s)" successfully, with 3 resource(s) created.',
    'Starting "Trigger OpenShift Deployment" with deployment config "web" from the project "shop".',
    'Exiting "Trigger OpenShift Deployment" successfully; deployment "web-1" has completed with status:  [Complete].',
    'Starting "Scale OpenShift Deployment" with deployment config "web" from the project "shop".',
    ' Scaling to "3" replicas and verifying the replica count is reached ...',
    'Exiting "Scale OpenShift Deployment" successfully, where the deployment "web-1" reached "3" replica(s).',
    '  Waiting on the latest deployment for "web" to complete and scale to "3" replica(s) ...',
    'Exiting "Verify OpenShift Deployment" successfully; deployment "web-1" has completed with status:  [Complete].  The deployment reached "3" replica(s).',
    'Exiting "Verify OpenShift Service" successfully; a connection to "',
    '  Deleted a "configmap" with key "web-config"',
    'Exiting "Delete OpenShift Resource(s) using Labels" successfully, with 1 resource(s) deleted.',
    '  Deleted a "svc" with key "web"', '  Deleted a "dc" with key "web"',
    'Exiting "Delete OpenShift Resource(s) by Key" successfully, with 2 resource(s) deleted.',
  ];
  let at = 0;
  for (const line of expected) {
    const i = r.stdout.indexOf(line, at);
    assert.ok(i >= 0, `missing (in order): ${line}\n${r.stdout}`);
    at = i + line.length;
  }
  assert.equal(kube.cluster.find(os.rc(), 'shop', 'web-1') !== undefined, true, 'the ReplicationController of the deployment stays (Background deletion of the DeploymentConfig)');
  assert.equal(kube.cluster.find(os.dc(), 'shop', 'web'), undefined);
  assert.ok(!r.stdout.includes(kube.token));
});

test('openshiftBuild: instantiate with env and commit, wait for Complete; a Failed build fails the step; openshiftVerifyBuild', async () => {
  const started = run(`
node {
  openshiftBuild(bldCfg: 'web', apiURL: '${kube.url}', namespace: 'shop', authToken: 'oc-token', env: [[name: 'A', value: '1']], commitID: 'abc123')
  openshiftVerifyBuild(bldCfg: 'web')
  openshiftBuild(bldCfg: 'web')
}`, [{ name: 'default', url: kube.url, credentialsId: 'oc-token', serverCertificateAuthority: kube.caPem, defaultProject: 'shop' }]);
  // The build controller's part: web-1 runs and completes; web-2 fails.
  const drive = async () => {
    for (const [name, phases] of [['web-1', ['Running', 'Complete']], ['web-2', ['Running', 'Failed']]] as const) {
      while (!kube.cluster.find(os.build(), 'shop', name)) await new Promise((res) => setTimeout(res, 50));
      for (const p of phases) setBuildPhase(kube.cluster, 'shop', name, p);
    }
  };
  const [r] = await Promise.all([started, drive()]);
  assert.notEqual(r.code, 0, r.stdout);
  const b1 = kube.cluster.get(os.build(), 'shop', 'web-1') as unknown as { spec: { env: unknown; revision: unknown } };
  assert.deepEqual(b1.spec.env, [{ name: 'A', value: '1' }]);
  assert.deepEqual(b1.spec.revision, { type: 'Git', git: { commit: 'abc123' } });
  assert.match(r.stdout, /Starting the "Trigger OpenShift Build" step with build config "web" from the project "shop"\./);
  assert.match(r.stdout, /  Started build "web-1" and waiting for build completion \.\.\./);
  assert.match(r.stdout, /Exiting "Trigger OpenShift Build" successfully; build "web-1" has completed with status:  \[Complete\]\./);
  assert.match(r.stdout, /  Waiting on build "web-1" to complete \.\.\./);
  assert.match(r.stdout, /Exiting "Verify OpenShift Build" successfully; build "web-1" has completed with status:  \[Complete\]\./);
  assert.match(r.stdout, /Exiting "Trigger OpenShift Build" unsuccessfully; build "web-2" did not complete successfully within the configured timeout of "900000" ms; last reported status:  \[Failed\]\./);
});

test('openshiftTag: the source image into an existing and a new stream; alias: a tag reference; an unknown tag', async () => {
  const isDef = (await import('../../fakes/kube/objects.ts')).findResource('image.openshift.io', 'v1', 'imagestreams')!;
  await kube.create({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'app', namespace: 'shop' }, spec: { tags: [{ name: 'latest' }] },
    status: { dockerImageRepository: 'registry/shop/app', tags: [{ tag: 'latest', items: [{ image: 'sha256:0a1b2c', dockerImageReference: 'registry/shop/app@sha256:0a1b2c' }] }] } });
  const r = await run(`
node {
  openshiftTag(srcStream: 'app', srcTag: 'latest', destStream: 'app,release', destTag: 'prod')
  openshiftTag(srcStream: 'app', srcTag: 'latest', destStream: 'app', destTag: 'follow', alias: 'true')
  openshiftTag(srcStream: 'app', srcTag: 'nope', destStream: 'app', destTag: 'x')
}`);
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stdout, /Starting "Tag OpenShift Image" with the source \[image stream:tag\] "app:latest" from the project "shop" and destination stream\(s\) "app,release" with tag\(s\) "prod" from the project "shop"\./);
  assert.match(r.stdout, /Exiting "Tag OpenShift Image" successfully\./);
  assert.match(r.stdout, /Exiting "Tag OpenShift Image" unsuccessfully; could not find either an image tag or ID "nope" associated with the image stream "app"\./);
  const tags = (name: string) => (kube.cluster.get(isDef, 'shop', name).spec as { tags: unknown[] }).tags;
  assert.deepEqual(tags('app'), [
    { name: 'latest' },
    { name: 'prod', from: { kind: 'ImageStreamImage', name: 'app@0a1b2c', namespace: 'shop' } },
    { name: 'follow', from: { kind: 'ImageStreamTag', name: 'app:latest', namespace: 'shop' } },
  ]);
  assert.deepEqual(tags('release'), [{ name: 'prod', from: { kind: 'ImageStreamImage', name: 'app@0a1b2c', namespace: 'shop' } }], 'a missing destination stream is created');
});

test('refused: no token for a URL the host does not know, a literal token, a CA the client does not trust, the server\'s own network as a controller refuses it, an unknown kind, a hostile name', async () => {
  const r1 = await run(`node { openshiftScale(apiURL: 'https://api.elsewhere.example:6443', namespace: 'shop', depCfg: 'web', replicaCount: '1') }`);
  assert.notEqual(r1.code, 0);
  assert.match(r1.stdout, /Scale OpenShift Deployment: no authToken: give the id of a secret text credential holding the token/);
  const r2 = await run(`node { openshiftScale(depCfg: 'web', replicaCount: '1', authToken: 'sha256~literal-token') }`);
  assert.match(r2.stdout, /authToken 'sha256~literal-token' is not a credential Kiln knows .*Kiln takes no literal token/);
  const r3 = await run(`node { openshiftVerifyService(svcName: 'web', apiURL: '${kube.url}', authToken: 'oc-token', namespace: 'shop') }`, []);
  assert.match(r3.stdout, new RegExp(`a client connection to "${kube.url.replace(/[.]/g, '\\.')}" could not be obtained: .*(certificate|self.signed)`, 'i'));
  const r6 = await run(`node { openshiftVerifyService(svcName: 'web', apiURL: '${kube.url}', authToken: 'oc-token', namespace: 'shop') }`, [], { KILN_HTTP_REQUEST_PRIVATE: 'false' });
  assert.match(r6.stdout, /127\.0\.0\.1 is 127\.0\.0\.1, an address of the Kiln server's own network: a build may reach it only as a cluster an administrator configured/);
  const r4 = await run(`node { openshiftCreateResource(jsonyaml: 'kind: Widget\\nmetadata: {name: w}\\n') }`);
  assert.match(r4.stdout, /  The API resource "Widget" is not currently supported by this step\./);
  assert.match(r4.stdout, /Exiting "Create OpenShift Resource\(s\)" unsuccessfully, with 0 resource\(s\) created and 1 failed attempt\(s\)\./);
  const r5 = await run(`node { openshiftDeleteResourceByKey(types: 'svc', keys: '../../nodes/x') }`);
  assert.match(r5.stdout, /svc '\.\.\/\.\.\/nodes\/x' is not a valid object name/);
});
