// Durable builds with pods, on real processes: the controller (`bin/kiln controller`) runs a pod
// build on the fake cluster (test/fakes/kube, pods really run in Docker) and is killed with
// SIGKILL while the build sleeps between two `sh` steps, started again and killed again while it
// resumes the build; started a third time on the same home and port, it adopts the pod (no new pod is made, the agent in it dials in again), the build goes on in
// the same pod and workspace and ends SUCCESS, saying once that it resumed; a pod a previous run
// left for a build that no longer exists is deleted at start; the cloud's cap counts the adopted
// pod (a second build waits for the slot across the restart, and never runs beside it); no pod is
// left at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { startFakeKube, bridgeGateway, type FakeKube } from '../fakes/kube/index.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText, consoleUntil } from '../helpers/controller.ts';
import { startControllerProcess, kill9, freePort, type ControllerProcess } from '../helpers/controller-process.ts';

const AGENT_IMAGE = process.env.KILN_TEST_AGENT_IMAGE ?? 'kiln-test/agent:latest';
const running = new Set<ChildProcess>();
let kube: FakeKube;
let gateway: string;

before(async () => {
  try {
    execFileSync('docker', ['image', 'inspect', 'kiln-test/agent:latest', 'kiln-test/busybox:latest'], { stdio: 'ignore' });
  } catch {
    throw new Error('the test images kiln-test/{agent,busybox} are missing: run scripts/test-prereqs.sh (it installs docker.io and builds them)');
  }
  kube = await startFakeKube({ runner: 'docker', namespaces: ['ci'] });
  gateway = await bridgeGateway();
  if (!gateway) throw new Error("cannot find the host's address on Docker's bridge network (docker0)");
});
after(async () => {
  for (const p of running) p.kill('SIGKILL');
  await kube?.close();
});

const lines = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l));
// The pods builds run in (not the stale one the test makes).
const ours = () => kube.pods('ci').filter((p) => p.metadata?.labels?.['kiln.dev/controller'] !== undefined && p.metadata?.name !== 'stale-pod' && !p.metadata?.deletionTimestamp);

const POD = `kubernetes { yaml '''
spec:
  containers:
  - name: tool
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
''' }`;

test('kill -9 of the controller while a pod build sleeps, and again while it resumes it: the restarted controller adopts the pod, the build finishes SUCCESS in it; a stale pod is deleted; the cap counts the adopted pod', async () => {
  const home = tempDir('durable-pods');
  const port = await freePort();
  const start = () => startControllerProcess(home, { port, host: '0.0.0.0', executors: 1, running });
  let c: ControllerProcess = await start();
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/credentials', { id: 'kube-token', type: 'secretText', secret: kube.token });
  await api('PUT', '/api/v1/clouds/fake', {
    type: 'kubernetes',
    settings: {
      serverUrl: kube.url, caCertificate: kube.caPem, namespace: 'ci', credentialsId: 'kube-token',
      controllerUrl: `http://${gateway}:${port}/`, agentImage: AGENT_IMAGE, connectTimeoutSeconds: 90, containerCap: 1,
    },
  });
  await api('POST', '/api/v1/jobs', { name: 'inpod', script: `pipeline { agent { ${POD} }
    stages { stage('A') { steps {
      sh 'echo made-before > mark.txt; echo "first on $NODE_NAME"'
      sleep 10
      sh 'echo "second on $NODE_NAME sees $(cat mark.txt)"'
      container('tool') { sh 'echo "tool sees $(cat mark.txt)"' }
    } } } }` });
  await api('POST', '/api/v1/jobs', { name: 'next', script: `pipeline { agent { ${POD} } stages { stage('N') { steps { sh 'echo "next on $NODE_NAME"' } } } }` });
  // The cap is 1: at no time do two pods of this controller exist.
  let most = 0;
  const watch = setInterval(() => { most = Math.max(most, ours().length); }, 50);
  try {
    await api('POST', '/api/v1/jobs/inpod/builds', {});
    await consoleUntil(c.url, 'inpod', 1, 'Sleeping for 10 sec');
    await api('POST', '/api/v1/jobs/next/builds', {});
    await until(async () => (await api('GET', '/api/v1/queue')).items.some((i: any) => i.job === 'next' && i.kind === 'pod-slot'), 'next #1 to wait for the pod slot')
      .catch(async (e) => { throw new Error(`${e.message}: ${JSON.stringify(await api('GET', '/api/v1/queue'))}`); });
    const [pod] = ours();
    assert.ok(pod, 'the build runs in a pod');
    const podName = pod.metadata!.name!;
    const controllerId = pod.metadata!.labels!['kiln.dev/controller']!;
    // A pod as this controller makes them, of a build that no longer exists (its job was deleted).
    kube.create({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name: 'stale-pod', namespace: 'ci', labels: { 'kiln.dev/controller': controllerId, 'kiln.dev/job': 'gone', 'kiln.dev/build': '3' }, annotations: { 'kiln.dev/build-id': 'no-such-build' } },
      spec: { containers: [{ name: 'c', image: 'kiln-test/busybox:latest', command: ['sleep', '600'] }] },
    });
    await kill9(c);
    // A restart during the restart: killed again as it resumes the build (before it is ready).
    c = await startControllerProcess(home, { port, host: '0.0.0.0', executors: 1, running, until: /"msg":"build resumed"/ });
    await kill9(c);
    assert.doesNotMatch(c.out.join(''), /Kiln is ready/, 'killed while it was still resuming builds');

    c = await start();
    api = jsonApi(() => c.url);
    const b = await finishedBuild(c.url, 'inpod', 1);
    const text = await consoleText(c.url, 'inpod', 1);
    assert.equal(b.result, 'SUCCESS', `${text}\n${c.out.join('')}`);
    assert.deepEqual(lines(text, /^first on /), [`first on ${podName}`], text);
    assert.deepEqual(lines(text, /^second on /), [`second on ${podName} sees made-before`], 'the same pod and workspace after the restart');
    assert.deepEqual(lines(text, /^tool sees /), ['tool sees made-before'], text);
    assert.equal(lines(text, /^Resumed after the controller restarted \(down \d+\.\d s\)$/).length >= 1 && lines(text, /^Resumed after the controller restarted/).length <= 2, true, text);
    assert.ok(text.indexOf('first on') < text.indexOf('Resumed after') && text.indexOf('Resumed after') < text.indexOf('second on'), text);
    assert.equal(lines(text, /^Created pod /).length, 1, 'no second pod was made');
    assert.equal(lines(text, /^Finished: SUCCESS$/).length, 1, text);
    await until(() => kube.pod('ci', 'stale-pod') === undefined, 'the stale pod of a build that no longer exists to be deleted');
    const next = await finishedBuild(c.url, 'next', 1);
    const ntext = await consoleText(c.url, 'next', 1);
    assert.equal(next.result, 'SUCCESS', ntext);
    assert.match(ntext, /^next on next-1-[0-9a-f]{6}$/m);
    await until(() => ours().length === 0, 'every pod to be deleted', 30_000);
  } finally {
    clearInterval(watch);
  }
  assert.equal(most, 1, 'the cap of 1 held across the restart: the adopted pod kept its slot');
  await kill9(c);
});
