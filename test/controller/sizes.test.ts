// Big Jenkinsfiles and long builds against a real controller on both stores: the jobs list
// carries summaries (not scripts), a build's saved state neither repeats the script nor grows
// with every step it ever ran, and an inline Jenkinsfile over 1 MiB is refused with a message
// that names its size and the limit.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { STATE_ROW_STEPS } from '../../src/controller/builds.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, testConfig } from '../helpers/controller.ts';
import { freshSchema, dropSchemas } from '../helpers/pg-schemas.ts';

const MiB = 1024 * 1024;
const MARKER = 'kiln-size-test-marker';

/** A valid pipeline of exactly `bytes` bytes: two echo steps and a comment full of MARKERs. */
function pipelineOf(bytes: number): string {
  const head = `pipeline { agent none; stages { stage('A') { steps { echo 'one'; echo 'two' } } } }\n//`;
  const pad = bytes - Buffer.byteLength(head) - 1;
  return `${head}${(MARKER + ' ').repeat(Math.ceil(pad / (MARKER.length + 1))).slice(0, pad)}\n`;
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`sizes on the ${kind} store`, () => {
    let c: ControllerHandle;
    const api = rawApi(() => c.url);
    const { schema, databaseUrl } = freshSchema('kiln_sizes');
    before(async () => {
      const flags = { home: tempDir('sizes'), port: '0', executors: '1', ...(kind === 'postgres' ? { 'database-url': databaseUrl } : {}) };
      c = await startController(testConfig(flags));
    });
    after(async () => {
      await c?.close();
      if (kind === 'postgres') await dropSchemas([schema]);
    });

    test('the jobs list carries summaries; the job itself has its script; the state row does not repeat it', async () => {
      const script = pipelineOf(MiB); // exactly at the limit: accepted
      assert.equal((await api('POST', '/api/v1/jobs', { name: 'big', script })).status, 201);
      const b = await api('POST', '/api/v1/jobs/big/builds', {});
      await c.builds.live.get(b.json.id)?.done;

      const list = await api('GET', '/api/v1/jobs');
      assert.equal(list.status, 200);
      assert.ok(list.text.length < 2048, `the list is ${list.text.length} bytes`);
      const big = list.json.jobs.find((j: any) => j.name === 'big');
      assert.deepEqual(big.definition, { kind: 'inline', scriptBytes: MiB });
      assert.equal(big.lastBuild.result, 'SUCCESS');
      assert.equal((await api('GET', '/api/v1/jobs/big')).json.definition.script, script, 'the job page and editor still get the script');

      const row = await c.store.builds.getByNumber('big', 1);
      const saved = JSON.stringify(row!.state);
      assert.ok(!saved.includes(MARKER), 'the state row does not repeat the script');
      assert.ok(saved.length < 4096, `the state row is ${saved.length} bytes`);
    });

    test('a build of many steps saves the last steps of its journal, not all of them', async () => {
      const steps = STATE_ROW_STEPS * 3;
      await api('POST', '/api/v1/jobs', { name: 'many', script: `pipeline { agent none; stages { stage('M') { steps { script { for (int i = 0; i < ${steps}; i++) { echo "step \${i}" } } } } } }` });
      const b = await api('POST', '/api/v1/jobs/many/builds', {});
      await c.builds.live.get(b.json.id)?.done;
      const row = (await c.store.builds.getByNumber('many', 1))!;
      assert.equal(row.result, 'SUCCESS');
      assert.equal(row.state!.steps.length, STATE_ROW_STEPS);
      assert.equal(row.state!.steps.at(-1)!.description, `step ${steps - 1}`, 'the newest steps are kept');
      assert.ok(JSON.stringify(row.state).length < 400 * 1024, 'the row does not grow with every step run');
    });

    test('an inline Jenkinsfile over 1 MiB is refused with its size and the limit, wherever it is sent', async () => {
      const over = pipelineOf(MiB + 1);
      const create = await api('POST', '/api/v1/jobs', { name: 'over', script: over });
      assert.equal(create.status, 413);
      assert.equal(create.json.error.code, 'too-large');
      assert.match(create.json.error.message, /^the inline Jenkinsfile \(script\) is 1\.0 MiB \(1048577 bytes\); an inline Jenkinsfile may be at most 1 MiB \(1048576 bytes\): keep a pipeline this large in a repository/);
      assert.equal((await api('GET', '/api/v1/jobs/over')).status, 404, 'nothing was made');
      const update = await api('PUT', '/api/v1/jobs/big', { script: over });
      assert.equal(update.status, 413);
      assert.match(update.json.error.message, /1048577 bytes.*at most 1 MiB/);
      const replay = await api('POST', '/api/v1/jobs/big/builds/1/replay', { script: over });
      assert.equal(replay.status, 413);
      assert.match(replay.json.error.message, /^the Jenkinsfile to replay is 1\.0 MiB/);
      const lint = await api('POST', '/api/v1/lint', { script: over });
      assert.equal(lint.status, 413);
      // Far over: refused before the body is read, still saying the limit.
      const huge = await api('POST', '/api/v1/jobs', { name: 'huge', script: 'x'.repeat(13 * MiB) });
      assert.equal(huge.status, 413);
      assert.match(huge.json.error.message, /larger than 12582912 bytes.*an inline Jenkinsfile may be at most 1048576 bytes/);
    });
  });
}
