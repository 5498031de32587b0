// A restart during a restart, on real processes and both stores: the controller is killed with
// SIGKILL while builds run, started again, and killed again while it is still resuming them (at
// its first "build resumed" log line, before it is ready); the third process finishes every
// build with its whole console: each line once, in order, one "Started", one "Finished".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, finishedBuild, consoleText, consoleUntil } from '../helpers/controller.ts';
import { startControllerProcess, kill9, freePort } from '../helpers/controller-process.ts';
import { freshSchema, dropSchemas } from '../helpers/pg-schemas.ts';

const running = new Set<ChildProcess>();
const schemas: string[] = [];
after(async () => {
  for (const p of running) p.kill('SIGKILL');
  await dropSchemas(schemas);
});

const BUILDS = 4;
const STEPS = 4;

for (const kind of ['sqlite', 'postgres'] as const) test(`kill -9 while the controller resumes builds after a kill -9 (${kind} store): every build finishes with each line of its console once and in order`, async () => {
  const home = tempDir('durable-twice');
  let databaseUrl: string | null = null;
  if (kind === 'postgres') {
    const fresh = freshSchema('kiln_twice');
    schemas.push(fresh.schema);
    databaseUrl = fresh.databaseUrl;
  }
  const port = await freePort();
  let c = await startControllerProcess(home, { port, databaseUrl, running });
  let api = jsonApi(() => c.url);
  // No node: echo and sleep run in the controller, each build on its own.
  await api('POST', '/api/v1/jobs', { name: 'steps', script: `for (int i = 0; i < ${STEPS}; i++) {
  echo "line \${i} of #\${env.BUILD_NUMBER}"
  sleep 2
}
echo "last line of #\${env.BUILD_NUMBER}"` });
  for (let n = 1; n <= BUILDS; n++) await api('POST', '/api/v1/jobs/steps/builds', {});
  for (let n = 1; n <= BUILDS; n++) await consoleUntil(c.url, 'steps', n, `line 0 of #${n}`);
  await kill9(c);
  // Killed again at its first resumed build, while the others wait their turn.
  c = await startControllerProcess(home, { port, databaseUrl, running, until: /"msg":"build resumed"/ });
  await kill9(c);
  assert.doesNotMatch(c.out.join(''), /Kiln is ready/, 'killed while it was still resuming builds');
  c = await startControllerProcess(home, { port, databaseUrl, running });
  api = jsonApi(() => c.url);
  for (let n = 1; n <= BUILDS; n++) {
    const b = await finishedBuild(c.url, 'steps', n);
    const text = await consoleText(c.url, 'steps', n);
    assert.equal(b.result, 'SUCCESS', `#${n}:\n${text}`);
    const mine = text.split('\n').filter((l) => / of #\d+$/.test(l));
    assert.deepEqual(mine, [...Array.from({ length: STEPS }, (_, i) => `line ${i} of #${n}`), `last line of #${n}`], `#${n}: each line once, in order:\n${text}`);
    assert.equal(text.split('\n').filter((l) => l.startsWith('Started: ')).length, 1, text);
    assert.equal(text.split('\n').filter((l) => l === 'Finished: SUCCESS').length, 1, text);
    const resumed = text.split('\n').filter((l) => /^Resumed after the controller restarted \(down \d+\.\d s\)$/.test(l)).length;
    assert.ok(resumed >= 1 && resumed <= 2, `said once per restart it resumed through (${resumed}):\n${text}`);
  }
  await kill9(c);
});
