// Lines only in the controller's memory at a kill -9 (issue 19: no line lost, each once, in order),
// real controller processes on both stores. The console is written asynchronously (a write starts a
// microtask after the append), the journal synchronously; each kill is made exact by cutting the
// console (and the journal) to what they held at that instant:
// - an `input`'s question, printed after its step's start was journaled: its `asked` line (the
//   entry again, StepContext.journaled) carries it; a kill before that line: the resumed input
//   prints it (before, a resumed input printed nothing, and the question was lost);
// - a `sleep`'s line the kill caught before its deadline was journaled: printed by the resumed sleep;
// - a parallel branch's closing lines written after a script step on an agent started and before
//   its first output, the write of that output torn by the kill: the resume's cut goes back below
//   them, and they are printed again, once (before, the journal's count said they were there:
//   lost). Its agent is killed too, its acknowledged offsets set back to before that write (as
//   the ack barrier left them: a write not on disk is acknowledged to no agent).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { durableKillHarness, STORES, buildDir, readOrEmpty } from '../helpers/durable-kill.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText } from '../helpers/controller.ts';
import { kill9, freePort } from '../helpers/controller-process.ts';

const { dbFor, startCtl, startAgent } = durableKillHarness('kiln_durmem');
const read = readOrEmpty;
const journalLines = (dir: string) => readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const writeJournal = (dir: string, lines: any[]) => writeFileSync(path.join(dir, 'journal.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
const count = (text: string, line: string) => text.split('\n').filter((l) => l === line).length;

for (const kind of STORES) for (const journaled of [true, false]) test(`kill -9 (${kind} store) with an input's question only in memory, ${journaled ? 'its asked line journaled' : 'before its asked line'}: the question once, the input answered after the restart`, async () => {
  const home = tempDir('durmem-input');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'ask', script: `echo 'before the question'\ninput message: 'Ship it?', ok: 'Ship'\necho 'shipped'` });
  await api('POST', '/api/v1/jobs/ask/builds', {});
  await until(async () => (await api('GET', '/api/v1/jobs/ask/builds/1/inputs')).inputs.length === 1, 'the input to wait');
  const dir = buildDir(home);
  await until(() => read(path.join(dir, 'log')).includes('Ship or Abort\n'), 'the question on disk');
  await kill9(c);
  // The kill as it would have fallen with the question still in memory (not on disk).
  const log = read(path.join(dir, 'log'));
  const at = Buffer.byteLength(log.slice(0, log.indexOf('Ship it?\n')));
  truncateSync(path.join(dir, 'log'), at);
  // The journal as it was then: through the input's asked line, or up to it.
  const lines = journalLines(dir);
  const asked = lines.findIndex((l) => l.name === 'input' && l.memo?.asked);
  writeJournal(dir, asked < 0 ? lines : lines.slice(0, journaled ? asked + 1 : asked));
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  await until(async () => (await api('GET', '/api/v1/jobs/ask/builds/1/inputs')).inputs.length === 1, 'the input to wait again');
  const id = (await api('GET', '/api/v1/jobs/ask/builds/1/inputs')).inputs[0].id;
  await api('POST', `/api/v1/jobs/ask/builds/1/inputs/${id}`, { action: 'approve' });
  const b = await finishedBuild(c.url, 'ask', 1);
  const text = await consoleText(c.url, 'ask', 1);
  assert.equal(b.result, 'SUCCESS', text);
  for (const l of ['before the question', 'Ship it?', 'Ship or Abort', '[Pipeline] input', 'shipped']) assert.equal(count(text, l), 1, `${l} once:\n${text}`);
  assert.ok(text.indexOf('[Pipeline] input') < text.indexOf('Ship it?') && text.indexOf('Ship it?') < text.indexOf('shipped'), text);
  await kill9(c);
});

for (const kind of STORES) test(`kill -9 (${kind} store) after a sleep printed its line and before its deadline was journaled: the line once`, async () => {
  const home = tempDir('durmem-sleep');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  const api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'nap', script: `echo 'before the nap'\nsleep 4\necho 'after the nap'` });
  await api('POST', '/api/v1/jobs/nap/builds', {});
  const dir = buildDir(home);
  await until(() => read(path.join(dir, 'log')).includes('Sleeping for 4 sec\n'), 'the sleep', 60_000, 10);
  await kill9(c);
  const log = read(path.join(dir, 'log'));
  truncateSync(path.join(dir, 'log'), Buffer.byteLength(log.slice(0, log.indexOf('Sleeping for 4 sec\n'))));
  const lines = journalLines(dir);
  const deadline = lines.findIndex((l) => l.name === 'sleep' && l.deadline);
  assert.ok(deadline > 0);
  writeJournal(dir, lines.slice(0, deadline));
  c = await startCtl(home, port, db);
  const b = await finishedBuild(c.url, 'nap', 1);
  const text = await consoleText(c.url, 'nap', 1);
  assert.equal(b.result, 'SUCCESS', text);
  for (const l of ['before the nap', '[Pipeline] sleep', 'Sleeping for 4 sec', 'after the nap']) assert.equal(count(text, l), 1, `${l} once:\n${text}`);
  assert.ok(text.indexOf('Sleeping for 4 sec') < text.indexOf('after the nap'), text);
  await kill9(c);
});

const A_LINES = ['[a] [Pipeline] { (Branch: a)', '[a] [Pipeline] sleep', '[a] Sleeping for 1.5 sec', '[a] [Pipeline] stage', '[a] [Pipeline] { (sa)', '[a] [Pipeline] echo', '[a] from a', '[a] [Pipeline] }', '[a] [Pipeline] // stage', '[a] [Pipeline] }'];

for (const kind of STORES) for (const torn of [false, true]) test(`kill -9 (${kind} store): a branch's closing lines written while an sh on an agent had no output yet, the write of its first output ${torn ? 'torn' : 'not on disk'}: the closing lines once`, async () => {
  const home = tempDir('durmem-trail');
  const work = tempDir('durmem-trail-agent');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  let agent = await startAgent(c, 'a1', work);
  const api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'trail', script: `node('durable') {
  parallel a: {
    sleep(time: 1500, unit: 'MILLISECONDS')
    stage('sa') { echo 'from a' }
  }, b: {
    sh '''#!/bin/sh
sleep 3; echo first output of b; sleep 3; echo more of b'''
  }
}
echo 'the end'` });
  await api('POST', '/api/v1/jobs/trail/builds', {});
  const dir = buildDir(home);
  const logFile = path.join(dir, 'log');
  await until(() => read(logFile).includes('[b] first output of b\n'), "b's first output", 60_000, 10);
  await kill9(c);
  // The agent killed too: its next process reads what was acknowledged from the exec's `acked`,
  // set back to what it was before that write (nothing): a write not on disk is acknowledged to
  // no agent (the ack barrier), which the real run, whose write completed, had done.
  await kill9(agent);
  const lines = journalLines(dir);
  const log = readFileSync(logFile);
  const a = log.indexOf('[a] [Pipeline] // stage');
  const firstOut = log.indexOf('[b] first output of b');
  assert.ok(a > 0 && a < firstOut, `a's closing lines before b's first output:\n${log}`);
  // b's first point: journaled just before the write of its first output.
  const point = lines.findIndex((l) => l.execAt !== undefined);
  assert.ok(point > 0 && lines[point].c > firstOut, `b's first point is its first output's:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
  assert.ok(!lines.slice(0, point).some((l) => l.consoleMark !== undefined), 'no mark: the exec had no point when a printed its closing lines');
  // That write (b's first output, its point journaled just before it) torn or not on disk at all.
  truncateSync(logFile, torn ? firstOut + 6 : firstOut);
  writeJournal(dir, lines.slice(0, point + 1));
  const key = lines[point].execAt;
  writeFileSync(path.join(work, '.kiln-durable', key, 'acked'), '0 0\n');
  c = await startCtl(home, port, db);
  agent = await startAgent(c, 'a1', work, 1, false);
  const b = await finishedBuild(c.url, 'trail', 1);
  const text = await consoleText(c.url, 'trail', 1);
  assert.equal(b.result, 'SUCCESS', text);
  const out = text.split('\n');
  assert.deepEqual(out.filter((l) => l.startsWith('[a] ') && !l.startsWith('[a] Resumed after')), A_LINES, `a's lines once each, whole, in order:\n${text}`);
  for (const l of ['[b] first output of b', '[b] more of b', 'the end', 'Finished: SUCCESS']) assert.equal(count(text, l), 1, `${l} once:\n${text}`);
  assert.ok(text.indexOf('[b] first output of b') < text.indexOf('[b] more of b'), text);
  await kill9(c);
  await kill9(agent);
});
