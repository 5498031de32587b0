// disableConcurrentBuilds(abortPrevious: true) and quiet periods on a real controller (in this
// process, embedded store, its own executors), as Jenkins' workflow-job does it: a newer build
// supersedes the job's older ones. A running one is interrupted when the newer one starts, ends
// NOT_BUILT (Jenkins interrupts it with Result.NOT_BUILT) and its console says "Superseded by
// #N"; one still waiting to start (quiet period) ends NOT_BUILT at once. Builds in their quiet period are in the queue and can be cancelled there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { adminFetch, consoleText, consoleUntil, finishedBuild, jsonApi, testConfig, until } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = jsonApi(() => c.url);

before(async () => {
  c = await startController(testConfig({ home: path.join(tempDir('concurrency'), 'home'), port: '0', executors: '3' }));
});
after(async () => { await c?.close(); });

const script = (options: string) => `pipeline {
  agent any
  parameters { string(name: 'SLEEP', defaultValue: '0') }
  options { ${options} }
  stages { stage('Work') { steps { sh 'echo "running #$BUILD_NUMBER"; sleep $SLEEP' } } }
}`;

test('abortPrevious: a new build interrupts the running one (NOT_BUILT), whose console names it; the new one runs', async () => {
  await api('POST', '/api/v1/jobs', { name: 'supersede', script: script('disableConcurrentBuilds(abortPrevious: true)') });
  await api('POST', '/api/v1/jobs/supersede/builds', { params: { SLEEP: '600' } });
  // #1 is in its long sh (and has taught the job its options).
  await consoleUntil(c.url, 'supersede', 1, 'running #1');
  await api('POST', '/api/v1/jobs/supersede/builds', { params: { SLEEP: '0' } });
  const [b1, b2] = await Promise.all([finishedBuild(c.url, 'supersede', 1), finishedBuild(c.url, 'supersede', 2)]);
  const log1 = await consoleText(c.url, 'supersede', 1);
  assert.equal(b1.result, 'NOT_BUILT', log1);
  assert.match(log1, /^Superseded by #2$/m);
  assert.match(log1, /^Finished: NOT_BUILT$/m);
  assert.equal(b1.message, 'Superseded by #2');
  // Its stage was cut off while running: aborted, not "skipped".
  const stages = await api('GET', '/api/v1/jobs/supersede/builds/1/stages');
  assert.equal(stages.stages.find((s: { name: string }) => s.name === 'Work')?.status, 'aborted');
  const log2 = await consoleText(c.url, 'supersede', 2);
  assert.equal(b2.result, 'SUCCESS', log2);
  assert.match(log2, /^running #2$/m);
  assert.doesNotMatch(log2, /Superseded/);
});

test('abortPrevious with a quiet period: a build still waiting to start is superseded at once (NOT_BUILT); the running one goes on until the newer build starts', async () => {
  await api('POST', '/api/v1/jobs', { name: 'quiet', script: script('disableConcurrentBuilds(abortPrevious: true); quietPeriod(600)') });
  await api('POST', '/api/v1/jobs/quiet/builds', { params: { SLEEP: '600' } });
  await consoleUntil(c.url, 'quiet', 1, 'running #1');
  // #2 waits out its quiet period, in the queue.
  await api('POST', '/api/v1/jobs/quiet/builds', {});
  const q2 = (await api('GET', '/api/v1/queue')).items.find((i: { job: string; number: number }) => i.job === 'quiet' && i.number === 2);
  assert.ok(q2, 'build #2 is in the queue');
  assert.match(q2.why, /^In the quiet period\. Expires in \d+ min/);
  // #3 supersedes #2 before it started.
  await api('POST', '/api/v1/jobs/quiet/builds', {});
  const b2 = await finishedBuild(c.url, 'quiet', 2);
  assert.deepEqual([b2.result, b2.message], ['NOT_BUILT', 'Superseded by #3']);
  assert.match(await consoleText(c.url, 'quiet', 2), /^Superseded by #3\nFinished: NOT_BUILT$/m);
  // #3 has not started: #1 still runs.
  assert.equal((await api('GET', '/api/v1/jobs/quiet/builds/1')).status, 'running');
  const items = (await api('GET', '/api/v1/queue')).items.filter((i: { job: string }) => i.job === 'quiet');
  assert.deepEqual(items.map((i: { number: number }) => i.number), [3]);
  // Cancelled from the queue: NOT_BUILT, and its console ends.
  assert.equal((await adminFetch(new URL(`api/v1/queue/${items[0].id}`, c.url), { method: 'DELETE' })).status, 204);
  const b3 = await finishedBuild(c.url, 'quiet', 3);
  assert.deepEqual([b3.result, b3.message], ['NOT_BUILT', 'Cancelled while waiting']);
  await api('POST', '/api/v1/jobs/quiet/builds/1/abort');
  const b1 = await finishedBuild(c.url, 'quiet', 1);
  assert.equal(b1.result, 'ABORTED');
  assert.match(await consoleText(c.url, 'quiet', 1), /^Aborted by user$/m);
});

test('disableConcurrentBuilds without abortPrevious: the next build waits for the running one, then runs', async () => {
  await api('POST', '/api/v1/jobs', { name: 'serial', script: script('disableConcurrentBuilds()') });
  await api('POST', '/api/v1/jobs/serial/builds', { params: { SLEEP: '600' } });
  await consoleUntil(c.url, 'serial', 1, 'running #1');
  await api('POST', '/api/v1/jobs/serial/builds', {});
  const q = (await api('GET', '/api/v1/queue')).items.find((i: { job: string }) => i.job === 'serial');
  assert.equal(q?.why, 'Build #1 is already in progress');
  assert.equal((await api('GET', '/api/v1/jobs/serial/builds/2')).status, 'queued');
  await api('POST', '/api/v1/jobs/serial/builds/1/abort');
  const [b1, b2] = await Promise.all([finishedBuild(c.url, 'serial', 1), finishedBuild(c.url, 'serial', 2)]);
  assert.deepEqual([b1.result, b2.result], ['ABORTED', 'SUCCESS']);
  assert.doesNotMatch(await consoleText(c.url, 'serial', 1), /Superseded/);
});

test('abortPrevious keeps builds of the job apart: the newer build waits while the superseded one runs its post; a third one does not cut that post short', async () => {
  const gate = path.join(tempDir('supersede-gate'), 'release');
  await api('POST', '/api/v1/jobs', { name: 'apart', script: `pipeline {
  agent any
  parameters { string(name: 'SLEEP', defaultValue: '0') }
  options { disableConcurrentBuilds(abortPrevious: true) }
  stages { stage('Work') { steps { sh 'echo "running #$BUILD_NUMBER"; sleep $SLEEP' } } }
  post { aborted { echo 'never: superseded is NOT_BUILT' } notBuilt { sh 'echo cleaning-up; while [ ! -f ${gate} ]; do sleep 0.1; done; echo cleaned-up' } }
}` });
  await api('POST', '/api/v1/jobs/apart/builds', { params: { SLEEP: '600' } });
  await consoleUntil(c.url, 'apart', 1, 'running #1');
  // #2 supersedes #1, whose post (its cleanup) runs: #2 waits for it, in the queue.
  const t2 = await api('POST', '/api/v1/jobs/apart/builds', {});
  await consoleUntil(c.url, 'apart', 1, 'cleaning-up');
  assert.equal(c.builds.live.get(t2.id)?.started, false, 'build #2 must not run beside #1');
  assert.equal((await api('GET', '/api/v1/jobs/apart/builds/2')).status, 'queued');
  const q = (await api('GET', '/api/v1/queue')).items.filter((i: { job: string }) => i.job === 'apart');
  assert.deepEqual(q.map((i: { number: number; why: string }) => [i.number, i.why]), [[2, 'Build #1 is already in progress']]);
  // #3 supersedes #2 (not started: NOT_BUILT at once) and leaves #1's post alone.
  await api('POST', '/api/v1/jobs/apart/builds', {});
  const b2 = await finishedBuild(c.url, 'apart', 2);
  assert.deepEqual([b2.result, b2.message], ['NOT_BUILT', 'Superseded by #3']);
  fs.writeFileSync(gate, '');
  const [b1, b3] = await Promise.all([finishedBuild(c.url, 'apart', 1), finishedBuild(c.url, 'apart', 3)]);
  const log1 = await consoleText(c.url, 'apart', 1);
  assert.equal(b1.result, 'NOT_BUILT', log1);
  assert.match(log1, /^cleaned-up$/m, 'the superseded build ran its whole post');
  assert.equal(b3.result, 'SUCCESS', await consoleText(c.url, 'apart', 3));
  assert.ok(b3.startedAt >= b1.endedAt, `#3 started (${b3.startedAt}) after #1 ended (${b1.endedAt})`);
});

test('a build aborted while its Jenkinsfile is still being cloned stops the clone and ends ABORTED, not after the clone gives up', async () => {
  // A git server that accepts the connection and never answers: the clone hangs.
  const { createServer } = await import('node:net');
  const held: import('node:net').Socket[] = [];
  const silent = createServer((s) => { held.push(s); s.on('error', () => {}); });
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const port = (silent.address() as import('node:net').AddressInfo).port;
    await api('POST', '/api/v1/jobs', { name: 'slow-clone', git: { url: `git://127.0.0.1:${port}/repo.git`, branch: 'main' } });
    await api('POST', '/api/v1/jobs/slow-clone/builds', {});
    await consoleUntil(c.url, 'slow-clone', 1, 'Obtained Jenkinsfile from git');
    await until(() => held.length > 0, 'the clone to connect');
    await api('POST', '/api/v1/jobs/slow-clone/builds/1/abort');
    const b = await finishedBuild(c.url, 'slow-clone', 1);
    assert.deepEqual([b.result, b.message], ['ABORTED', 'Aborted by user']);
    assert.match(await consoleText(c.url, 'slow-clone', 1), /^Aborted by user\nFinished: ABORTED$/m);
  } finally {
    for (const s of held) s.destroy();
    silent.close();
  }
});
