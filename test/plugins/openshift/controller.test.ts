// OpenShift clusters configured on a real controller (the openshiftClusters part of the HTTP
// services settings): admins only, bad values refused by field, the token only as a credential
// id; then a build on the controller's own executor uses openshift.withCluster('name') with that
// cluster's URL, CA, credential and default project, running `oc` = the real kubectl (a wrapper
// put on the PATH with withEnv, see client-dsl.test.ts) against the fake Kubernetes API server;
// without oc on the node the step says so.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../../helpers/controller.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { KUBECTL, requireKubectl } from '../../fakes/kube/prereqs.ts';

describe('OpenShift clusters on a controller', () => {
  let c: ControllerHandle;
  let kube: FakeKube;
  let devToken: string;
  let bin: string;
  const api = rawApi(() => c.url);

  before(async () => {
    requireKubectl();
    kube = await startFakeKube({ runner: 'scripted', namespaces: ['shop'] });
    const dir = tempDir('openshift-ctl');
    bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'oc'), `#!/bin/sh\nfor a; do shift; case "$a" in --loglevel=*) set -- "$@" "--v=\${a#--loglevel=}";; *) set -- "$@" "$a";; esac; done\nexec ${KUBECTL} "$@"\n`, { mode: 0o755 });
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }));
    assert.equal((await api('POST', '/api/v1/users', { name: 'dave', role: 'developer', password: 'dave-password-long-enough' })).status, 201);
    devToken = (await api('POST', '/api/v1/users/dave/tokens', { name: 'x' })).json.token as string;
  });
  after(async () => {
    await c?.close();
    await kube?.close();
  });

  test('admins configure clusters; refused values name their field; a build uses the named cluster', async () => {
    const bad = async (body: unknown, re: RegExp) => {
      const r = await api('PUT', '/api/v1/settings/http-services', body);
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.error.message, re);
    };
    await bad({ openshiftClusters: [{ name: 'prod', url: 'https://api.example', token: 'sha256~x' }] }, /^openshiftClusters\[0\]\.token: unknown field/);
    await bad({ openshiftClusters: [{ name: 'prod', url: 'https://api.example', serverCertificateAuthority: 'not a pem' }] }, /^openshiftClusters\[0\]\.serverCertificateAuthority: PEM text/);
    await bad({ openshiftClusters: [{ name: 'a', url: 'https://x' }, { name: 'a', url: 'https://y' }] }, /^openshiftClusters\[1\]\.name: 'a' is already the name of another cluster/);
    await bad({ openshiftClusters: [{ name: 'a', url: 'https://x', defaultProject: 'Not_A_Project' }] }, /^openshiftClusters\[0\]\.defaultProject: a project name/);
    const cluster = { name: 'prod', url: kube.url, credentialsId: 'prod-token', serverCertificateAuthority: kube.caPem, skipTlsVerify: false, defaultProject: 'shop' };
    assert.equal((await api('PUT', '/api/v1/settings/http-services', { openshiftClusters: [cluster] }, { authorization: `Bearer ${devToken}` })).status, 403);
    const put = await api('PUT', '/api/v1/settings/http-services', { openshiftClusters: [cluster] });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual(put.json.openshiftClusters, [{ ...cluster, serverCertificateAuthority: kube.caPem!.trim() }]);
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'prod-token', type: 'secretText', secret: kube.token })).status, 201);

    const script = `node {
  openshift.withCluster('prod') { openshift.selector('pods').count() }
}
node {
  withEnv(['PATH+OC=${bin}']) {
  openshift.withCluster('prod') {
    openshift.create([apiVersion: 'v1', kind: 'ConfigMap', metadata: [name: 'from-ctl'], data: [a: 'x']])
    echo "project=\${openshift.project()} a=\${openshift.selector('cm/from-ctl').object().data.a}"
  }
  }
}`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'os', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/os/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'os', 1);
    const log = await consoleText(c.url, 'os', 1);
    assert.equal(b.result, 'FAILURE', log);
    assert.match(log, /openshift: oc could not be started on built-in: .* \(the OpenShift client, oc, must be on the agent's PATH\)/, 'no oc on the node: a clear error');
    assert.equal((await api('PUT', '/api/v1/jobs/os', { script: script.replace(/^node \{\n.*\n\}\n/, '') })).status, 200);
    assert.equal((await api('POST', '/api/v1/jobs/os/builds', {})).status, 201);
    const b2 = await finishedBuild(c.url, 'os', 2);
    const log2 = await consoleText(c.url, 'os', 2);
    assert.equal(b2.result, 'SUCCESS', log2);
    assert.match(log2, /^project=shop a=x$/m);
    assert.ok(!log2.includes(kube.token));
    assert.equal((kube.cluster.list((await import('../../fakes/kube/cluster.ts')).core('configmaps'), 'shop')).some((o) => o.metadata.name === 'from-ctl'), true);
  });
});
