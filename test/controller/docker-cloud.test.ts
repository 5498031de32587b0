// A Docker cloud on the controller: saved and tested like a Kubernetes cloud, and used for
// `agent { kubernetes }` when no Kubernetes cloud exists: the pod runs on this machine's engine.
// Past its concurrency cap a build waits for a pod slot: in the queue, saying why, in order, and
// abortable (ABORTED, as with a Kubernetes cloud).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import net from 'node:net';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { consoleText, consoleUntil, finishedBuild, jsonApi, rawApi, testConfig, until } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = jsonApi(() => c.url);

/** A pipeline on a pod (of `cloud`, else the default cloud) with one busybox container 'tool', running `steps` in its one stage. */
const podPipeline = (cloud: string | null, steps: string) => `pipeline { agent { kubernetes { ${cloud ? `cloud '${cloud}'; ` : ''}yaml '''
spec:
  containers:
  - name: tool
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
''' } }; stages { stage('A') { steps { ${steps} } } } }`;
const raw = rawApi(() => c.url);

before(async () => {
  try {
    execFileSync('docker', ['image', 'inspect', 'kiln-test/busybox:latest'], { stdio: 'ignore' });
  } catch {
    throw new Error('dockerd or the kiln-test/busybox image is missing: run scripts/test-prereqs.sh');
  }
  c = await startController(testConfig({ home: path.join(tempDir('docker-cloud'), 'home'), port: '0' }));
});
after(async () => { await c?.close(); });

test('a Docker cloud: saved, Test Connection, and kubernetes agents run as pods on its engine', async () => {
  const settings = { engineUrl: 'unix:///var/run/docker.sock', defaultAgentImage: 'kiln-test/busybox:latest', concurrencyCap: 2 };
  assert.equal((await raw('PUT', 'api/v1/clouds/local-docker', { type: 'docker', settings })).status, 201);
  assert.match((await api('POST', '/api/v1/clouds/local-docker/test')).message, /^Connected to Docker Engine v\S+ \(API v[\d.]+\)$/);
  const bad = await api('POST', '/api/v1/clouds/test', { type: 'docker', settings: { engineUrl: 'unix:///run/no-such-docker.sock' } });
  assert.equal(bad.ok, false);
  assert.match(bad.message, /no-such-docker\.sock/);
  const invalid = await raw('PUT', 'api/v1/clouds/x', { type: 'docker', settings: { engineUrl: 'http://nope' } });
  assert.equal(invalid.status, 400);
  assert.match(invalid.json.error.message, /^engineUrl: must be unix:\/\/\/path\/to\/docker\.sock or tcp:\/\/host:port/);

  await api('POST', '/api/v1/jobs', { name: 'on-docker', script: podPipeline(null, `container('tool') { sh 'echo "in the tool container"; echo shared > f.txt' }; sh 'cat f.txt'`) });
  const b = await api('POST', '/api/v1/jobs/on-docker/builds', {});
  const done = await finishedBuild(c.url, 'on-docker', b.number);
  const log = await consoleText(c.url, 'on-docker', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /\nin the tool container\n/);
  assert.match(log, /\nshared\n/);
  // Nothing left on the engine.
  const left = execFileSync('docker', ['ps', '-aq', '--filter', 'label=kiln.controller'], { encoding: 'utf8' }).trim();
  assert.equal(left, '');
});

test('past the cap a build waits for a pod slot: listed in the queue with why, abortable as ABORTED, and served in order when the slot frees', async () => {
  assert.equal((await raw('PUT', 'api/v1/clouds/capped', { type: 'docker', settings: { engineUrl: 'unix:///var/run/docker.sock', defaultAgentImage: 'kiln-test/busybox:latest', concurrencyCap: 1 } })).status, 201);
  const pod = (sh: string) => podPipeline('capped', `container('tool') { sh '${sh}' }`);
  await api('POST', '/api/v1/jobs', { name: 'slot-holder', script: pod('echo holding the slot; sleep 600') });
  await api('POST', '/api/v1/jobs', { name: 'slot-waiter', script: pod('echo got the slot') });
  await api('POST', '/api/v1/jobs/slot-holder/builds', {});
  await consoleUntil(c.url, 'slot-holder', 1, 'holding the slot');
  for (let i = 0; i < 3; i++) await api('POST', '/api/v1/jobs/slot-waiter/builds', {});
  type Item = { id: string; job: string; number: number; why: string };
  const waiting = async (): Promise<Item[]> => (await api('GET', '/api/v1/queue')).items.filter((i: Item) => i.job === 'slot-waiter');
  await until(async () => (await waiting()).length === 3, 'three builds waiting for the pod slot');
  const items = await waiting();
  assert.deepEqual(items.map((i) => [i.number, i.why]), [1, 2, 3].map((n) => [n, "Waiting for a pod slot on cloud 'capped' (1/1 in use)"]));

  // Aborted while waiting: ABORTED, not FAILURE; it leaves the queue.
  assert.equal((await raw('POST', 'api/v1/jobs/slot-waiter/builds/1/abort')).status, 202);
  const b1 = await finishedBuild(c.url, 'slot-waiter', 1);
  const log1 = await consoleText(c.url, 'slot-waiter', 1);
  assert.equal(b1.result, 'ABORTED', log1);
  assert.match(log1, /^Waiting for a pod slot on cloud 'capped' \(1\/1 in use\)$/m);
  assert.doesNotMatch(log1, /got the slot/);
  // Cancelled from the queue: the same.
  assert.equal((await raw('DELETE', `api/v1/queue/${items[1]!.id}`)).status, 204);
  assert.equal((await finishedBuild(c.url, 'slot-waiter', 2)).result, 'ABORTED');
  assert.deepEqual((await waiting()).map((i) => i.number), [3]);

  // The holder ends: the slot goes to the one still waiting.
  assert.equal((await raw('POST', 'api/v1/jobs/slot-holder/builds/1/abort')).status, 202);
  assert.equal((await finishedBuild(c.url, 'slot-holder', 1)).result, 'ABORTED');
  const b3 = await finishedBuild(c.url, 'slot-waiter', 3);
  const log3 = await consoleText(c.url, 'slot-waiter', 3);
  assert.equal(b3.result, 'SUCCESS', log3);
  assert.match(log3, /^got the slot$/m);
  assert.deepEqual(await waiting(), []);
  const left = execFileSync('docker', ['ps', '-aq', '--filter', 'label=kiln.controller'], { encoding: 'utf8' }).trim();
  assert.equal(left, '');
});

test('aborted while its pod starts (an image pull that does not answer): ABORTED, nothing left', async () => {
  // A "registry" that accepts connections and never answers: the pull hangs until the abort.
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const port = (silent.address() as net.AddressInfo).port;
    await api('POST', '/api/v1/jobs', { name: 'slow-pull', script: `pipeline { agent { kubernetes { cloud 'capped'; yaml '''
spec:
  containers:
  - name: tool
    image: 127.0.0.1:${port}/kiln-test/never:1
    command: [cat]
    tty: true
''' } }; stages { stage('A') { steps { sh 'true' } } } }` });
    await api('POST', '/api/v1/jobs/slow-pull/builds', {});
    await consoleUntil(c.url, 'slow-pull', 1, 'Pulling 127.0.0.1:');
    assert.equal((await raw('POST', 'api/v1/jobs/slow-pull/builds/1/abort')).status, 202);
    const b = await finishedBuild(c.url, 'slow-pull', 1);
    assert.equal(b.result, 'ABORTED', await consoleText(c.url, 'slow-pull', 1));
    assert.equal(execFileSync('docker', ['ps', '-aq', '--filter', 'label=kiln.controller'], { encoding: 'utf8' }).trim(), '');
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  }
});

test('a raised cap lets the builds waiting for a pod slot go at once; a deleted cloud fails its waiters with the reason', async () => {
  const settings = (cap: number) => ({ type: 'docker', settings: { engineUrl: 'unix:///var/run/docker.sock', defaultAgentImage: 'kiln-test/busybox:latest', concurrencyCap: cap } });
  assert.equal((await raw('PUT', 'api/v1/clouds/raised', settings(1))).status, 201);
  const pod = (sh: string) => podPipeline('raised', `container('tool') { sh '${sh}' }`);
  await api('POST', '/api/v1/jobs', { name: 'raised-holder', script: pod('echo holding the slot; sleep 600') });
  await api('POST', '/api/v1/jobs', { name: 'raised-waiter', script: pod('echo got the slot') });
  await api('POST', '/api/v1/jobs/raised-holder/builds', {});
  await consoleUntil(c.url, 'raised-holder', 1, 'holding the slot');
  type Item = { job: string; number: number; why: string };
  const waiting = async (): Promise<Item[]> => (await api('GET', '/api/v1/queue')).items.filter((i: Item) => i.job === 'raised-waiter');
  await api('POST', '/api/v1/jobs/raised-waiter/builds', {});
  await until(async () => (await waiting()).length === 1, 'the build to wait for the pod slot');

  // Two slots now: the waiter goes while the holder still holds its slot.
  assert.equal((await raw('PUT', 'api/v1/clouds/raised', settings(2))).status, 200);
  const b1 = await finishedBuild(c.url, 'raised-waiter', 1);
  assert.equal(b1.result, 'SUCCESS', await consoleText(c.url, 'raised-waiter', 1));
  assert.equal((await api('GET', '/api/v1/jobs/raised-holder/builds/1')).status, 'running');

  // Back to one slot, a build waits; the cloud is deleted: it fails, saying why.
  assert.equal((await raw('PUT', 'api/v1/clouds/raised', settings(1))).status, 200);
  await api('POST', '/api/v1/jobs/raised-waiter/builds', {});
  await until(async () => (await waiting()).length === 1, 'the build to wait for the pod slot');
  assert.equal((await raw('DELETE', 'api/v1/clouds/raised')).status, 204);
  const b2 = await finishedBuild(c.url, 'raised-waiter', 2);
  assert.equal(b2.result, 'FAILURE');
  assert.match(await consoleText(c.url, 'raised-waiter', 2), /cloud 'raised' was deleted while raised-waiter #2 waited for a pod slot on it/);
  assert.deepEqual(await waiting(), []);

  assert.equal((await raw('POST', 'api/v1/jobs/raised-holder/builds/1/abort')).status, 202);
  assert.equal((await finishedBuild(c.url, 'raised-holder', 1)).result, 'ABORTED');
});
