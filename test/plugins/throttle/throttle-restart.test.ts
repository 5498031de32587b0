// Throttle slots across a controller restart, on real processes and both stores: a category of 1,
// one build holding its slot (inside its node block, in a `sleep`) and two waiting for it when the
// controller is killed with SIGKILL. The build that waits first was triggered last (the other
// sleeps before its throttle block), so the order they waited in is not the order they were
// triggered in: the wait list keeps a 'throttle' entry per blocked slot wait (queue_items,
// migration 18), by which the restarted controller resumes them. After the restart the holder
// goes on with its slot and the others take it in the order they waited: a log file the node
// blocks append to is the witness (no block starts while another is inside).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { jsonApi, finishedBuild, consoleText, consoleUntil } from '../../helpers/controller.ts';
import { startControllerProcess, kill9, freePort } from '../../helpers/controller-process.ts';
import { freshSchema, dropSchemas } from '../../helpers/pg-schemas.ts';

const running = new Set<ChildProcess>();
const schemas: string[] = [];
after(async () => {
  for (const p of running) p.kill('SIGKILL');
  await dropSchemas(schemas);
});

const block = (job: string, witness: string, before = '') => `${before}throttle(['db']) {
  node {
    sh 'echo start ${job} >> ${witness}'
    echo 'inside ${job}'
    sleep 4
    sh 'echo end ${job} >> ${witness}'
  }
}`;

for (const kind of ['sqlite', 'postgres'] as const) test(`kill -9 with one build holding a throttle slot and two waiting (${kind} store): after the restart they run one at a time, in the order they waited`, async () => {
  const home = tempDir('throttle-restart');
  let databaseUrl: string | null = null;
  if (kind === 'postgres') {
    const fresh = freshSchema('kiln_throttle');
    schemas.push(fresh.schema);
    databaseUrl = fresh.databaseUrl;
  }
  const witness = path.join(tempDir('throttle-witness'), 'log');
  const port = await freePort();
  let c = await startControllerProcess(home, { port, databaseUrl, running, executors: 3 });
  let api = jsonApi(() => c.url);
  await api('PUT', '/api/v1/settings/throttle-categories', { categories: [{ name: 'db', maxConcurrentTotal: 1 }] });
  await api('POST', '/api/v1/jobs', { name: 'holder', script: block('holder', witness) });
  await api('POST', '/api/v1/jobs', { name: 'late', script: block('late', witness, "echo 'before the throttle'\nsleep 3\n") });
  await api('POST', '/api/v1/jobs', { name: 'early', script: block('early', witness) });
  await api('POST', '/api/v1/jobs/holder/builds', {});
  await consoleUntil(c.url, 'holder', 1, 'inside holder');
  // late is triggered before early, but early waits for the slot first
  await api('POST', '/api/v1/jobs/late/builds', {});
  await consoleUntil(c.url, 'late', 1, 'before the throttle');
  await api('POST', '/api/v1/jobs/early/builds', {});
  await consoleUntil(c.url, 'early', 1, 'Already running 1 builds across all nodes');
  await consoleUntil(c.url, 'late', 1, 'Already running 1 builds across all nodes');
  const queue = await api('GET', '/api/v1/queue');
  const waits = (queue.items ?? queue) as { job: string; kind: string; label: string | null }[];
  assert.deepEqual(waits.filter((w) => w.kind === 'throttle').map((w) => [w.job, w.label]), [['early', 'db'], ['late', 'db']], JSON.stringify(queue));
  await kill9(c);
  c = await startControllerProcess(home, { port, databaseUrl, running, executors: 3 });
  api = jsonApi(() => c.url);
  for (const job of ['holder', 'early', 'late']) {
    const b = await finishedBuild(c.url, job, 1);
    assert.equal(b.result, 'SUCCESS', `${job}:\n${await consoleText(c.url, job, 1)}`);
  }
  const lines = readFileSync(witness, 'utf8').trim().split('\n');
  assert.deepEqual(lines, ['start holder', 'end holder', 'start early', 'end early', 'start late', 'end late'],
    `${lines.join('\n')}\n----- early:\n${await consoleText(c.url, 'early', 1)}\n----- late:\n${await consoleText(c.url, 'late', 1)}`);
  await kill9(c);
});
