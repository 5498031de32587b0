// openshiftExec and openshiftImageStream (the OpenShift Pipeline plugin's last two steps) through
// `kiln run` against the fake API server over real HTTPS with its CA and bearer token, as a
// cluster configured on the host (KILN_OPENSHIFT_CLUSTERS). The pods are real Docker containers
// (the fake's Docker runner), so openshiftExec's commands really run in them, reached through
// pods/exec's WebSocket upgrade (v5/v4.channel.k8s.io). The image stream is an object of the fake
// with the status the image controller would write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { busyboxImage, requireDocker } from '../../fakes/kube/prereqs.ts';
import { startController } from '../../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../../helpers/controller.ts';

let kube: FakeKube;
before(async () => {
  requireDocker();
  const image = busyboxImage();
  kube = await startFakeKube({ runner: 'docker', namespaces: ['shop'], docker: { pauseImage: image } });
  await kube.create({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop' },
    spec: { containers: [
      { name: 'app', image, command: ['sh', '-c', 'echo ready > /tmp/state; exec sleep 3600'] },
      { name: 'side', image, command: ['sleep', '3600'] },
    ] },
  });
  await kube.waitForPod('shop', 'web-1', (p) => (p.status as { phase?: string } | undefined)?.phase === 'Running', 60_000);
  await kube.create({ apiVersion: 'image.openshift.io/v1', kind: 'ImageStream', metadata: { name: 'app', namespace: 'shop' }, spec: { tags: [{ name: 'latest' }, { name: 'next' }] },
    status: { dockerImageRepository: 'registry/shop/app', tags: [{ tag: 'latest', items: [{ image: 'sha256:4f3e2d', dockerImageReference: 'registry/shop/app@sha256:4f3e2d' }, { image: 'sha256:000old' }] }] } });
});
after(async () => {
  await kube?.close();
});

function run(jenkinsfile: string) {
  const dir = tempDir('openshift-exec');
  fs.writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  fs.writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'oc-token': { type: 'secretText', secret: kube.token } }));
  const clusters = [{ name: 'default', url: kube.url, credentialsId: 'oc-token', serverCertificateAuthority: kube.caPem, defaultProject: 'shop' }];
  return runKiln(['run', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_OPENSHIFT_CLUSTERS: JSON.stringify(clusters) } });
}

test("openshiftExec runs the command in the pod's container (no shell), prints the plugin's lines and returns stdout, stderr, error, failure", async () => {
  const r = await run(`
node {
  def r = openshiftExec(pod: 'web-1', container: 'app', command: ['sh', '-c', 'cat /tmp/state; echo "to err \${0}" >&2; printf "two\\\\nlines"', 'arg0'])
  echo "out=[\${r.stdout}] err=[\${r.stderr}] error=[\${r.error}] failure=[\${r.failure}]"
  def words = openshiftExec(pod: 'web-1', container: 'side', command: 'echo', arguments: ['a;b', [value: '$(id)'], '*'])
  echo "words=[\${words.stdout.trim()}]"
  def bad = openshiftExec(pod: 'web-1', container: 'app', command: ['sh', '-c', 'echo partial; exit 3'])
  echo "bad error=[\${bad.error}] out=[\${bad.stdout.trim()}]"
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.split('\n');
  const at = (s: string) => {
    const i = lines.indexOf(s);
    assert.ok(i >= 0, `missing line ${JSON.stringify(s)} in:\n${r.stdout}`);
    return i;
  };
  const order = [
    at('Starting "OpenShift Exec" with project "shop".'),
    at('Connection opened for exec operation'),
    at('stdout> ready'),
    at('stdout> two'),
    at('stdout> lines'),
    at('Connection closed for exec operation [1000]: '),
  ];
  assert.deepEqual([...order].sort((a, b) => a - b), order, 'the lines come in the plugin\'s order');
  at('stderr> to err arg0');
  assert.ok(lines.indexOf('Exiting "OpenShift Exec" successfully.') > order[5]!);
  assert.match(r.stdout, /\nout=\[ready\ntwo\nlines\] err=\[to err arg0\n\] error=\[\] failure=\[\]\n/);
  // Each word is one argument of the command: no shell sees ';', '$(id)' or '*'.
  assert.match(r.stdout, /\nwords=\[a;b \$\(id\) \*\]\n/);
  // A failing command: the Status' message is the error, returned to the script; the step does not fail.
  assert.match(r.stdout, /\nERROR: Error during exec: command terminated with non-zero exit code: error executing command \[sh -c echo partial; exit 3\], exit code 3\n/);
  assert.match(r.stdout, /\nExiting "OpenShift Exec" unsuccessfully: command terminated with non-zero exit code: [^\n]*exit code 3\n/);
  assert.match(r.stdout, /\nbad error=\[command terminated with non-zero exit code: [^\n]*exit code 3\] out=\[partial\]\n/);
  assert.ok(!r.stdout.includes(kube.token) && !r.stderr.includes(kube.token), 'the token is never printed');
});

test('openshiftExec: a pod that is not there fails the step with the plugin\'s message; an unknown container is a failure returned; bad arguments are refused', async () => {
  const missing = await run(`node { openshiftExec(pod: 'nope', command: 'date', waitTime: '1', waitUnit: 'sec') }`);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stdout + missing.stderr, /Exiting "OpenShift Exec" unsuccessfully: Unable to find pod: nope/);

  const noContainer = await run(`node {
  def r = openshiftExec(pod: 'web-1', container: 'ghost', command: 'date')
  echo "failure=[\${r.failure}]"
}`);
  assert.equal(noContainer.code, 0, noContainer.stdout + noContainer.stderr);
  assert.match(noContainer.stdout, /\nERROR: Failure during exec: container ghost is not valid for pod web-1\n/);
  assert.match(noContainer.stdout, /\nfailure=\[container ghost is not valid for pod web-1\]\n/);

  const empty = await run(`node { openshiftExec(pod: 'web-1', command: []) }`);
  assert.notEqual(empty.code, 0);
  assert.match(empty.stdout + empty.stderr, /openshiftExec: Command list cannot be empty/);
  const badPod = await run(`node { openshiftExec(pod: '../nodes/x', command: 'date') }`);
  assert.notEqual(badPod.code, 0);
  assert.match(badPod.stdout + badPod.stderr, /pod '\.\.\/nodes\/x' is not a valid object name/);
});

test("openshiftImageStream checks out the tag's current image: the plugin's lines, [:] returned, nothing in the workspace", async () => {
  const r = await run(`
node {
  def env = openshiftImageStream(name: 'app', tag: 'latest', namespace: 'shop')
  echo "returned=\${env} size=\${env.size()}"
  openshiftImageStream(name: 'app', tag: 'next', namespace: 'shop', verbose: 'true')
  sh 'echo files: $(ls -A | sort)'
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\nThe "OpenShift ImageStreams" SCM will return the last revision state stored in Jenkins for the image stream "app" and tag "latest" from the project "shop"\.\n {2}Last revision: {2}\[ImageStreamRevisionState \[commitId=sha256:4f3e2d\]\]\n/);
  assert.match(r.stdout, /\nreturned=\[:\] size=0\n/);
  // A tag without an image yet (verbose: the plugin's extra lines).
  assert.match(r.stdout, /\nOpenShiftImageStreams checkout called for #\d+\n/);
  assert.match(r.stdout, /\nOpenShiftImageStreams image ID used for Jenkins 'commitId' is null\n/);
  assert.match(r.stdout, /\nCannot find the last tagged image for ImageStream app and tag next\n {2}No revision state has been retrieved and stored yet\.\n/);
  // kiln run's workspace holds a copy of the project (Jenkinsfile, creds.json): the step added nothing.
  assert.match(r.stdout, /\nfiles: Jenkinsfile creds\.json\n/, 'nothing was written to the workspace');

  const missing = await run(`node { openshiftImageStream(name: 'ghost', tag: 'latest', namespace: 'shop') }`);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stdout + missing.stderr, /OpenShift ImageStreams: the image stream "ghost" was not found in the project "shop"/);
});

test("on a controller, openshiftExec to an apiURL no administrator configured may not reach the server's own network: nothing is exec'd", async () => {
  const c = await startController(testConfig({ home: path.join(tempDir('openshift-exec-ctl'), 'home'), port: '0', executors: '1' }));
  try {
    const api = rawApi(() => c.url);
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'oc-token', type: 'secretText', secret: kube.token })).status, 201);
    const script = `node { openshiftExec(apiURL: '${kube.url}', authToken: 'oc-token', namespace: 'shop', pod: 'web-1', container: 'app', command: ['touch', '/tmp/reached']) }`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'exec', script })).status, 201);
    const before = kube.requests.length;
    assert.equal((await api('POST', '/api/v1/jobs/exec/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'exec', 1);
    const log = await consoleText(c.url, 'exec', 1);
    assert.equal(b.result, 'FAILURE', log);
    assert.match(log, /127\.0\.0\.1 is 127\.0\.0\.1, an address of the Kiln server's own network/);
    assert.deepEqual(kube.requests.slice(before), [], 'the fake API server saw no request');
    assert.ok(!log.includes(kube.token));
  } finally {
    await c.close();
  }
});
