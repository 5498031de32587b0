// Durable builds on real processes: the controller (`bin/kiln controller`) is killed with
// SIGKILL mid-build and started again on the same home; builds waiting for an executor run
// after the restart, running ones resume by replaying their journal (finished steps are not run
// again, their console lines are not printed again), a step in flight fails as non-resumable
// (or is retried with `retry(conditions: [nonresumable()])`), an `input` is answered after the
// restart, and a `sleep` keeps its deadline. The queue's rows are read back from SQLite and
// from PostgreSQL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText, consoleUntil } from '../helpers/controller.ts';
import { startControllerProcess, kill9 } from '../helpers/controller-process.ts';
import { freshSchema, dropSchemas } from '../helpers/pg-schemas.ts';

interface Ctl { proc: ChildProcess; url: string; out: string[] }
const running = new Set<ChildProcess>();
const schemas: string[] = [];

after(async () => {
  for (const p of running) p.kill('SIGKILL');
  await dropSchemas(schemas);
});

/** Starts `kiln controller` on `home` as a child process; resolves once it says it is ready. */
function startCtl(home: string, executors = 1, databaseUrl: string | null = null): Promise<Ctl> {
  return startControllerProcess(home, { executors, databaseUrl, running });
}

const lines = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l));

for (const kind of ['sqlite', 'postgres'] as const) test(`kill -9 (${kind} store): a build waiting for an executor runs after the restart; an input waiting across it is answered after it and the build goes on`, async () => {
  const home = tempDir('durable-queue');
  let db: string | null = null;
  if (kind === 'postgres') {
    const { schema, databaseUrl } = freshSchema('kiln_durable');
    schemas.push(schema);
    db = databaseUrl;
  }
  let c = await startCtl(home, 1, db);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'hold', script: `pipeline { agent any; stages { stage('H') { steps { echo 'before the input'; input 'Go on?'; echo 'held done' } } } }` });
  await api('POST', '/api/v1/jobs', { name: 'next', script: `pipeline { agent any; stages { stage('N') { steps { echo 'next ran' } } } }` });
  await api('POST', '/api/v1/jobs/hold/builds', {});
  await until(async () => (await api('GET', '/api/v1/jobs/hold/builds/1/inputs')).inputs.length === 1, 'the input to wait');
  await api('POST', '/api/v1/jobs/next/builds', {});
  await until(async () => (await api('GET', '/api/v1/queue')).items.some((i: any) => i.job === 'next' && i.kind === 'executor'), 'next #1 to wait for the executor');
  await kill9(c);

  c = await startCtl(home, 1, db);
  api = jsonApi(() => c.url);
  await until(async () => (await api('GET', '/api/v1/jobs/hold/builds/1/inputs')).inputs.length === 1, 'the input to wait again after the restart');
  // next #1 is still waiting (same number), behind the build holding the executor.
  await until(async () => (await api('GET', '/api/v1/queue')).items.some((i: any) => i.job === 'next' && i.number === 1 && i.kind === 'executor'), 'next #1 to wait in the queue after the restart')
    .catch(async (err) => { throw new Error(`${err.message}: ${JSON.stringify(await api('GET', '/api/v1/queue'))} ${JSON.stringify(await api('GET', '/api/v1/jobs/next/builds/1'))}\n${await consoleText(c.url, 'next', 1)}\n${c.out.join('')}`); });
  const id = (await api('GET', '/api/v1/jobs/hold/builds/1/inputs')).inputs[0].id;
  await api('POST', `/api/v1/jobs/hold/builds/1/inputs/${id}`, { action: 'approve' });
  const hold = await finishedBuild(c.url, 'hold', 1);
  assert.equal(hold.result, 'SUCCESS', await consoleText(c.url, 'hold', 1));
  const text = await consoleText(c.url, 'hold', 1);
  assert.equal(lines(text, /^before the input$/).length, 1, text);
  assert.equal(lines(text, /^Go on\?$/).length, 1, text);
  assert.equal(lines(text, /^Resumed after the controller restarted \(down \d+\.\d s\)$/).length, 1, text);
  assert.ok(text.indexOf('Go on?') < text.indexOf('Resumed after') && text.indexOf('Resumed after') < text.indexOf('held done'), text);
  const next = await finishedBuild(c.url, 'next', 1);
  assert.equal(next.result, 'SUCCESS', await consoleText(c.url, 'next', 1));
  assert.match(await consoleText(c.url, 'next', 1), /^next ran$/m);
  await kill9(c);
});

test('kill -9 during a script {} loop: finished steps are not run again, each line once and in order, and the sleep keeps its deadline', async () => {
  const home = tempDir('durable-loop');
  const counter = path.join(tempDir('durable-counter'), 'count');
  let c = await startCtl(home, 1);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'loop', script: `pipeline { agent any; stages { stage('L') { steps { script {
    def seen = []
    for (int i = 0; i < 4; i++) {
      def out = sh(script: "echo step-\${i} >> '${counter}'; echo out-\${i}", returnStdout: true).trim()
      seen << out
      echo "done \${i}: \${seen.join(',')}"
      sleep 3
    }
  } } } } }` });
  await api('POST', '/api/v1/jobs/loop/builds', {});
  await until(() => existsSync(counter) && readFileSync(counter, 'utf8').split('\n').length >= 3, 'two steps to have run');
  await consoleUntil(c.url, 'loop', 1, 'done 1: out-0,out-1');
  await kill9(c);
  const restartedAt = Date.now();
  c = await startCtl(home, 1);
  api = jsonApi(() => c.url);
  const b = await finishedBuild(c.url, 'loop', 1);
  const text = await consoleText(c.url, 'loop', 1);
  assert.equal(b.result, 'SUCCESS', text);
  assert.deepEqual(readFileSync(counter, 'utf8').trim().split('\n'), ['step-0', 'step-1', 'step-2', 'step-3'], 'each sh ran once');
  for (let i = 0; i < 4; i++) assert.equal(lines(text, new RegExp(`^done ${i}: `)).length, 1, `done ${i} once:\n${text}`);
  assert.match(text, /^done 3: out-0,out-1,out-2,out-3$/m, 'the values the journal gave back are the ones the first run got');
  assert.equal(lines(text, /^Resumed after the controller restarted/).length, 1, text);
  assert.ok(text.indexOf('done 1:') < text.indexOf('Resumed after') && text.indexOf('Resumed after') < text.indexOf('done 2:'), text);
  assert.equal(lines(text, /^Started: /).length, 1, text);
  assert.equal(lines(text, /^Finished: SUCCESS$/).length, 1, text);
  // The sleep in flight kept its deadline: it ended when the first process would have ended it,
  // not 3 s after the restart.
  const [jobId] = readdirSync(path.join(home, 'builds'));
  const journal = readFileSync(path.join(home, 'builds', jobId!, '1', 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const resumedSleep = journal.find((e: any) => e.name === 'sleep' && e.status === 'success' && e.startedAt >= restartedAt);
  assert.ok(resumedSleep, 'the sleep in flight ran on after the restart');
  assert.ok(resumedSleep.deadline < restartedAt + 3000, `the deadline (${resumedSleep.deadline}) is the first run's, not restart + 3 s (${restartedAt + 3000})`);
  assert.ok(resumedSleep.endedAt >= resumedSleep.deadline, 'it slept until the deadline');
  await kill9(c);
});

test('kill -9 during an sh: the step fails as non-resumable; with retry(conditions: [nonresumable()]) it runs again and the build succeeds', async () => {
  const home = tempDir('durable-sh');
  const marks = tempDir('durable-sh-marks');
  let c = await startCtl(home, 2);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'plain', script: `node { sh "echo started >> '${marks}/plain'; sleep 4" ; echo 'after the sh' }` });
  await api('POST', '/api/v1/jobs', { name: 'retried', script: `node { retry(count: 2, conditions: [nonresumable()]) { sh "echo started >> '${marks}/retried'; sleep 4" }; echo 'after the retry' }` });
  await api('POST', '/api/v1/jobs/plain/builds', {});
  await api('POST', '/api/v1/jobs/retried/builds', {});
  await until(() => existsSync(`${marks}/plain`) && existsSync(`${marks}/retried`), 'both sh steps to run');
  await kill9(c);
  c = await startCtl(home, 2);
  api = jsonApi(() => c.url);
  const plain = await finishedBuild(c.url, 'plain', 1);
  const ptext = await consoleText(c.url, 'plain', 1);
  assert.equal(plain.result, 'FAILURE', ptext);
  assert.match(ptext, /^ERROR: The Pipeline step `sh` cannot be resumed after a controller restart\./m);
  assert.doesNotMatch(ptext, /after the sh/);
  assert.equal(lines(ptext, /^Resumed after the controller restarted/).length, 1, ptext);
  const retried = await finishedBuild(c.url, 'retried', 1);
  const rtext = await consoleText(c.url, 'retried', 1);
  assert.equal(retried.result, 'SUCCESS', rtext);
  assert.match(rtext, /Retrying \(attempt 2 of 2\)/);
  assert.match(rtext, /^after the retry$/m);
  assert.equal(readFileSync(`${marks}/retried`, 'utf8').trim().split('\n').length, 2, 'the sh ran again once');
  await kill9(c);
});

test('a graceful stop (SIGTERM): a build in its quiet period waits again with its number and what was left of it; a running one resumes, its post blocks run once', async () => {
  const home = tempDir('durable-stop');
  const marks = tempDir('durable-stop-marks');
  let c = await startCtl(home, 1);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'quiet', script: `pipeline { agent none; options { quietPeriod(600) }; stages { stage('Q') { steps { echo 'quiet period over' } } } }` });
  await api('POST', '/api/v1/jobs', { name: 'nap', script: `pipeline { agent any; stages { stage('N') { steps { echo 'before the nap'; sleep 3; echo 'after the nap' } } }
    post { always { sh "echo post >> '${marks}/post'" } } }` });
  await api('POST', '/api/v1/jobs/quiet/builds', {});
  assert.equal((await finishedBuild(c.url, 'quiet', 1)).result, 'SUCCESS'); // teaches the job its quiet period
  const queuedAt = Date.now();
  await api('POST', '/api/v1/jobs/quiet/builds', {});
  await until(async () => (await api('GET', '/api/v1/queue')).items.some((i: any) => i.job === 'quiet' && i.number === 2 && i.kind === 'quiet'), 'quiet #2 to wait');
  await api('POST', '/api/v1/jobs/nap/builds', {});
  await consoleUntil(c.url, 'nap', 1, 'Sleeping for 3 sec');
  const gone = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGTERM');
  await gone;

  c = await startCtl(home, 1);
  api = jsonApi(() => c.url);
  const nap = await finishedBuild(c.url, 'nap', 1);
  const text = await consoleText(c.url, 'nap', 1);
  assert.equal(nap.result, 'SUCCESS', text);
  assert.doesNotMatch(text, /controller is stopping/, 'nothing of the stop is recorded');
  assert.equal(lines(text, /^before the nap$/).length, 1, text);
  assert.equal(lines(text, /^after the nap$/).length, 1, text);
  assert.equal(lines(text, /^Resumed after the controller restarted/).length, 1, text);
  assert.equal(readFileSync(`${marks}/post`, 'utf8'), 'post\n', 'the post block ran once, in the resumed build');
  const q = (await api('GET', '/api/v1/queue')).items.find((i: any) => i.job === 'quiet');
  assert.equal(q?.number, 2, 'quiet #2 still waits, with its number');
  const left = /^In the quiet period\. Expires in 9 min (\d+) sec$/.exec(q.why);
  assert.ok(left, q.why);
  // What was left of it: its end is the first one's (a new quiet period would end 600 s after the restart).
  const sinceQueued = Math.floor((Date.now() - queuedAt) / 1000);
  assert.ok(540 + Number(left[1]) <= 600 - sinceQueued + 1, `${q.why}, ${sinceQueued} s after it was queued`);
  assert.equal((await api('GET', '/api/v1/jobs/quiet/builds/2')).status, 'queued');
  const builds = (await api('GET', '/api/v1/jobs/quiet/builds')).builds;
  assert.equal(builds.length, 2, 'no new build was made for it');
  await kill9(c);
});

test('a build whose journal is unreadable ends FAILURE saying so after the restart', async () => {
  const home = tempDir('durable-bad');
  let c = await startCtl(home, 1);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'bad', script: `node { echo 'one'; sleep 30; echo 'two' }` });
  await api('POST', '/api/v1/jobs/bad/builds', {});
  await consoleUntil(c.url, 'bad', 1, 'Sleeping for 30 sec');
  await kill9(c);
  const [jobId] = readdirSync(path.join(home, 'builds'));
  const file = path.join(home, 'builds', jobId!, '1', 'journal.jsonl');
  writeFileSync(file, `not json\n${readFileSync(file, 'utf8')}`);
  c = await startCtl(home, 1);
  api = jsonApi(() => c.url);
  const b = await finishedBuild(c.url, 'bad', 1);
  const text = await consoleText(c.url, 'bad', 1);
  assert.equal(b.result, 'FAILURE', text);
  assert.match(b.message, /^bad #1 cannot resume after the controller restarted: its journal is unreadable \(line 1 of journal\.jsonl is not a journal entry/);
  assert.match(text, /^ERROR: bad #1 cannot resume after the controller restarted: its journal is unreadable/m);
  assert.doesNotMatch(text, /^two$/m);
  await kill9(c);
});
