// The queue a user sees, on a real controller (in this process, on each store, with its own
// executor and a Docker cloud capped at one pod): every reason a build waits (its job's quiet
// period, disableConcurrentBuilds, an executor, a pod slot) is one entry of GET /api/v1/queue
// saying why, the same entries are in the store's queue_items while they wait and gone after,
// and a waiting build ends the same way whether it is cancelled from the queue or aborted:
// NOT_BUILT when it had not started (quiet period, its job's running build), ABORTED when it
// had (an executor, a pod slot).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { consoleText, consoleUntil, finishedBuild, jsonApi, rawApi, testConfig, until } from '../helpers/controller.ts';
import { freshSchema, dropSchemas } from '../helpers/pg-schemas.ts';

interface Item { id: string; job: string; number: number; kind: string; label: string | null; cloud: string | null; why: string; since: number }

const pod = (cloud: string, sh: string) => `pipeline { agent { kubernetes { cloud '${cloud}'; yaml '''
spec:
  containers:
  - name: tool
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
''' } }; stages { stage('A') { steps { container('tool') { sh '${sh}' } } } } }`;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`the queue on the ${kind} store`, () => {
    let c: ControllerHandle;
    const api = jsonApi(() => c.url);
    const raw = rawApi(() => c.url);
    const { schema, databaseUrl } = freshSchema('kiln_queue');

    before(async () => {
      try {
        execFileSync('docker', ['image', 'inspect', 'kiln-test/busybox:latest'], { stdio: 'ignore' });
      } catch {
        throw new Error('dockerd or the kiln-test/busybox image is missing: run scripts/test-prereqs.sh');
      }
      const flags = { home: path.join(tempDir('queue'), 'home'), port: '0', executors: '1', ...(kind === 'postgres' ? { 'database-url': databaseUrl } : {}) };
      c = await startController(testConfig(flags));
    });
    after(async () => {
      await c?.close();
      if (kind === 'postgres') await dropSchemas([schema]);
    });

    test('every reason a build waits is one queue entry with its why, kept in queue_items; cancelled or aborted, it ends alike', async () => {
      assert.equal((await raw('PUT', 'api/v1/clouds/capped', { type: 'docker', settings: { engineUrl: 'unix:///var/run/docker.sock', defaultAgentImage: 'kiln-test/busybox:latest', concurrencyCap: 1 } })).status, 201);
      const jobs: Record<string, string> = {
        hold: `pipeline { agent { label 'built-in' }; stages { stage('H') { steps { sh 'echo holding the executor; sleep 600' } } } }`,
        exec: `pipeline { agent { label 'built-in' }; stages { stage('E') { steps { echo 'got the executor' } } } }`,
        serial: `pipeline { agent none; options { disableConcurrentBuilds() }; stages { stage('S') { steps { input 'hold' } } } }`,
        quiet: `pipeline { agent none; options { quietPeriod(600) }; stages { stage('Q') { steps { echo 'quiet period over' } } } }`,
        'pod-hold': pod('capped', 'echo holding the slot; sleep 600'),
        'pod-wait': pod('capped', 'echo got the slot'),
      };
      for (const [name, script] of Object.entries(jobs)) await api('POST', '/api/v1/jobs', { name, script });
      // The first builds teach their jobs their options; the holders take the executor, the
      // job's turn and the pod slot.
      await api('POST', '/api/v1/jobs/quiet/builds', {});
      assert.equal((await finishedBuild(c.url, 'quiet', 1)).result, 'SUCCESS');
      await api('POST', '/api/v1/jobs/hold/builds', {});
      await consoleUntil(c.url, 'hold', 1, 'holding the executor');
      await api('POST', '/api/v1/jobs/serial/builds', {});
      await consoleUntil(c.url, 'serial', 1, 'Proceed or Abort');
      await api('POST', '/api/v1/jobs/pod-hold/builds', {});
      await consoleUntil(c.url, 'pod-hold', 1, 'holding the slot');

      // Two builds wait for each reason.
      for (const job of ['quiet', 'serial', 'exec', 'pod-wait']) for (let i = 0; i < 2; i++) await api('POST', `/api/v1/jobs/${job}/builds`, {});
      const ours = async (): Promise<Item[]> => (await api('GET', '/api/v1/queue')).items.filter((i: Item) => i.job in jobs);
      await until(async () => (await ours()).length === 8, 'eight builds to wait');
      const items = await ours();
      const by = (job: string) => items.filter((i) => i.job === job).sort((a, b) => a.number - b.number);
      const shown = (job: string) => by(job).map((i) => [i.number, i.kind, i.label, i.cloud, i.why]);
      assert.deepEqual(shown('quiet').map((x) => x.slice(0, 4)), [[2, 'quiet', null, null], [3, 'quiet', null, null]]);
      for (const i of by('quiet')) assert.match(i.why, /^In the quiet period\. Expires in \d+ min \d+ sec$/);
      assert.deepEqual(shown('serial'), [2, 3].map((n) => [n, 'concurrency', null, null, 'Build #1 is already in progress']));
      assert.deepEqual(shown('exec'), [1, 2].map((n) => [n, 'executor', 'built-in', null, 'Waiting for next available executor on ‘built-in’']));
      assert.deepEqual(shown('pod-wait'), [1, 2].map((n) => [n, 'pod-slot', null, 'capped', "Waiting for a pod slot on cloud 'capped' (1/1 in use)"]));
      for (const i of items) assert.ok(Math.abs(Date.now() - i.since) < 60_000, `since is a time: ${i.since}`);

      // The store has the same entries: what each waits for, and why.
      const stored = async () => (await c.store.queue.entries()).filter((e) => e.job in jobs);
      const project = (xs: { id: string; job: string; number: number; kind: string; label: string | null; cloud: string | null }[]) =>
        xs.map((x) => JSON.stringify([x.id, x.job, x.number, x.kind, x.label, x.cloud])).sort();
      await until(async () => JSON.stringify(project(await stored())) === JSON.stringify(project(items)), 'queue_items to hold the queue');
      for (const e of await stored()) {
        const shownItem = items.find((i) => i.id === e.id)!;
        assert.equal(e.enqueuedAt, shownItem.since);
        if (e.kind === 'quiet') {
          assert.equal(e.notBefore, e.enqueuedAt + 600_000);
          assert.match(e.reason, /^In the quiet period\. Expires in (10 min 0|9 min 59) sec$/); // the countdown when it was written
        } else {
          assert.equal(e.notBefore, null);
          assert.equal(e.reason, shownItem.why);
        }
      }

      // For each reason: the first build cancelled from the queue, the second aborted.
      const expected: Record<string, string> = { quiet: 'NOT_BUILT', serial: 'NOT_BUILT', exec: 'ABORTED', 'pod-wait': 'ABORTED' };
      for (const [job, result] of Object.entries(expected)) {
        const [first, second] = by(job);
        assert.equal((await raw('DELETE', `api/v1/queue/${first!.id}`)).status, 204);
        assert.equal((await raw('POST', `api/v1/jobs/${job}/builds/${second!.number}/abort`)).status, 202);
        const ended = await Promise.all([first!, second!].map((i) => finishedBuild(c.url, job, i.number)));
        assert.deepEqual(ended.map((b) => b.result), [result, result], `${job}: ${JSON.stringify(ended.map((b) => [b.result, b.message]))}`);
        assert.equal(ended[0].message, ended[1].message, `${job}: the same message either way`);
        for (const i of [first!, second!]) {
          const log = await consoleText(c.url, job, i.number);
          assert.match(log, new RegExp(`^Finished: ${result}$`, 'm'), log);
          assert.doesNotMatch(log, /got the executor|got the slot|quiet period over/);
        }
        assert.deepEqual((await ours()).filter((i) => i.job === job), [], `${job} left the queue`);
      }
      assert.equal((await finishedBuild(c.url, 'quiet', 2)).message, 'Cancelled while waiting');
      await until(async () => (await stored()).length === 0, 'queue_items to be empty');

      // The holders: their executor, turn and slot are free again, and nothing waits for them.
      for (const job of ['hold', 'serial', 'pod-hold']) assert.equal((await raw('POST', `api/v1/jobs/${job}/builds/1/abort`)).status, 202);
      for (const job of ['hold', 'serial', 'pod-hold']) assert.equal((await finishedBuild(c.url, job, 1)).result, 'ABORTED');
      assert.deepEqual(await ours(), []);
      assert.deepEqual(await stored(), []);
    });
  });
}
