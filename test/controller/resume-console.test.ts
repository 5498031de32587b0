// The console across a crash (resume.ts): the console is written asynchronously and the journal
// synchronously, so each journal line carries the console bytes not on disk yet, and the build's
// end is journaled before its result reaches the store. Here: the journal's format (tails and the
// end line, read back; a malformed one is refused), putting lost bytes back into a real log, and on
// real processes (kill -9), a console that lost its last line gets it back once, and a build
// killed after its end was journaled (its result not in the store) is recorded, not run again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { JournalWriter, execResumePoints, inFlightPrinters, readJournal, restoreConsole } from '../../src/controller/resume.ts';
import { LogStore } from '../../src/controller/logstore.ts';
import type { JournalEntry } from '../../src/pipeline/engine/replay.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, finishedBuild, consoleText, consoleUntil } from '../helpers/controller.ts';
import { startControllerProcess, kill9 } from '../helpers/controller-process.ts';

const running = new Set<ChildProcess>();
after(() => { for (const p of running) p.kill('SIGKILL'); });

const entry = (id: string, status: JournalEntry['status']): JournalEntry => ({ id, branch: '', call: `echo@${id}:1`, name: 'echo', status, startedAt: 1, endedAt: status === 'running' ? null : 2 });

test("a durable exec's output points (execAt): resent from the last one the console on disk covers; a restart voids the points past what it found", async () => {
  const dir = tempDir('journal-execat');
  const w = new JournalWriter(dir);
  w.append(entry('1', 'running'));
  w.execAt('b1-s1-k', { stdout: 10, stderr: 0 }, 100);
  w.execAt('b1-s1-k', { stdout: 20, stderr: 3 }, 113);
  w.execAt('b1-s1-k', { stdout: 30, stderr: 3 }, 123);
  w.close();
  let j = await readJournal(dir);
  assert.deepEqual(j.entries.map((e) => e.id), ['1'], 'the points are not entries');
  assert.deepEqual(execResumePoints(j.execMarks, 99).get('b1-s1-k'), undefined, 'nothing of it on disk: from what the agent acknowledged');
  assert.deepEqual(execResumePoints(j.execMarks, 113), new Map([['b1-s1-k', { stdout: 20, stderr: 3 }]]));
  assert.deepEqual(execResumePoints(j.execMarks, 500), new Map([['b1-s1-k', { stdout: 30, stderr: 3 }]]));
  // A restart found 113 bytes: the point at 123 is void, though the console grows past it again.
  const w2 = new JournalWriter(dir);
  w2.consoleAt(113);
  w2.execAt('b1-s1-k', { stdout: 25, stderr: 3 }, 140);
  w2.close();
  j = await readJournal(dir);
  assert.deepEqual(execResumePoints(j.execMarks, 130), new Map([['b1-s1-k', { stdout: 20, stderr: 3 }]]));
  assert.deepEqual(execResumePoints(j.execMarks, 140), new Map([['b1-s1-k', { stdout: 25, stderr: 3 }]]));
  // A malformed point makes the journal unreadable, as any malformed line.
  appendFileSync(path.join(dir, 'journal.jsonl'), '{"execAt":"b1-s1-k","o":-1,"e":0,"c":5}\n{"consoleAt":1}\n');
  await assert.rejects(readJournal(dir), /line 7 of journal.jsonl is not a journal entry \(its execAt is malformed\)/);
});

test('journal lines carry the console bytes not yet on disk, and the build end; read back apart from the entries', async () => {
  const dir = tempDir('journal-tails');
  const w = new JournalWriter(dir);
  w.append(entry('1', 'running'));
  w.append(entry('1', 'success'), { at: 10, bytes: Buffer.from('one\n') });
  w.end({ result: 'UNSTABLE', message: 'tests failed' }, { at: 14, bytes: Buffer.from('Finished: UNSTABLE\n') });
  w.close();
  const j = await readJournal(dir);
  assert.deepEqual(j.entries, [entry('1', 'success')], 'an entry is the engine\'s, without the console bytes');
  assert.deepEqual(j.tails.map((t) => [t.at, t.bytes.toString()]), [[10, 'one\n'], [14, 'Finished: UNSTABLE\n']]);
  assert.deepEqual(j.ended, { result: 'UNSTABLE', message: 'tests failed' });
  assert.equal((await readJournal(tempDir('journal-none'))).ended, null);
  // A hostile or damaged line is refused, saying where.
  for (const bad of ['{"buildEnd":{"result":"GREAT","message":null}}', '{"buildEnd":{"result":"SUCCESS","message":null},"consoleTail":{"at":-1,"b64":""}}']) {
    const d = tempDir('journal-bad');
    writeFileSync(path.join(d, 'journal.jsonl'), `${bad}\n${JSON.stringify(entry('1', 'success'))}\n`);
    await assert.rejects(readJournal(d), /line 1 of journal\.jsonl is not a journal entry \(its (buildEnd|consoleTail) is malformed\)/);
  }
});

test('restoreConsole puts back only what the log lacks, in order, and skips a tail that would leave a gap', async () => {
  const logs = new LogStore(tempDir('restore-logs'));
  const ref = { job: 'j', number: 1 };
  await logs.append(ref, 'abc\n');
  await logs.finish(ref);
  logs.open(ref);
  await restoreConsole([
    { at: 8, bytes: Buffer.from('ghi\n') },
    { at: 2, bytes: Buffer.from('c\ndef\n') },
    { at: 100, bytes: Buffer.from('far away\n') },
  ], (bytes, at) => logs.append(ref, bytes, { at }));
  await logs.finish(ref);
  assert.equal(readFileSync(logs.logPath(ref), 'utf8'), 'abc\ndef\nghi\n');
});

/** A controller with one build sleeping in `sleep 8`, killed; returns the build's folder. */
async function killedWhileSleeping(home: string, script: string): Promise<string> {
  const c = await startControllerProcess(home, { running });
  const api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'nap', script });
  await api('POST', '/api/v1/jobs/nap/builds', {});
  await consoleUntil(c.url, 'nap', 1, 'Sleeping for 8 sec');
  await kill9(c);
  const [jobId] = readdirSync(path.join(home, 'builds'));
  return path.join(home, 'builds', jobId!, '1');
}

test('kill -9 with console bytes not on disk yet: the resumed build puts them back from the journal, each line once', async () => {
  const home = tempDir('durable-tail');
  const dir = await killedWhileSleeping(home, `echo 'before the nap'\nsleep 8\necho 'after the nap'`);
  // As if the last console bytes ("Sleeping for 8 sec") had been in memory when the process died:
  // gone from the log, carried by the journal's last line.
  // What the console holds with the bytes the journal carries (the last ones may have been in memory at the kill).
  const log = path.join(dir, 'log');
  let text = readFileSync(log, 'utf8');
  for (const l of readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n')) {
    const t = JSON.parse(l).consoleTail;
    if (t && t.at + Buffer.from(t.b64, 'base64').length > Buffer.byteLength(text)) text = Buffer.concat([Buffer.from(text).subarray(0, t.at), Buffer.from(t.b64, 'base64')]).toString();
  }
  const at = text.lastIndexOf('Sleeping for 8 sec');
  assert.ok(at > 0, text);
  // Written, not truncated: under load the file may hold less than `at` (the rest was in the journal), and
  // truncating would then extend it with NUL bytes.
  writeFileSync(log, text.slice(0, at));
  const last = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').at(-1)!;
  appendFileSync(path.join(dir, 'journal.jsonl'), `${JSON.stringify({ ...JSON.parse(last), consoleTail: { at: Buffer.byteLength(text.slice(0, at)), b64: Buffer.from(text.slice(at)).toString('base64') } })}\n`);
  const c = await startControllerProcess(home, { running });
  const b = await finishedBuild(c.url, 'nap', 1);
  const out = await consoleText(c.url, 'nap', 1);
  assert.equal(b.result, 'SUCCESS', out);
  assert.equal(out.split('\n').filter((l) => l === 'Sleeping for 8 sec').length, 1, out);
  assert.ok(out.indexOf('before the nap') < out.indexOf('Sleeping for 8 sec') && out.indexOf('Sleeping for 8 sec') < out.indexOf('Resumed after') && out.indexOf('Resumed after') < out.indexOf('after the nap'), out);
  await kill9(c);
});

test('kill -9 after the build end was journaled but before its result was stored: recorded as it ended, not run again', async () => {
  const home = tempDir('durable-ended');
  const dir = await killedWhileSleeping(home, `echo 'before the nap'\nsleep 8\necho 'never printed'`);
  // As if the build had ended UNSTABLE there, its last line still in memory, and the process died before the store heard of it.
  // Its end is past the console on disk and past the bytes the journal's lines carry.
  let size = statSync(path.join(dir, 'log')).size;
  for (const l of readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n')) {
    const t = JSON.parse(l).consoleTail;
    if (t) size = Math.max(size, t.at + Buffer.from(t.b64, 'base64').length);
  }
  appendFileSync(path.join(dir, 'journal.jsonl'), `${JSON.stringify({ buildEnd: { result: 'UNSTABLE', message: 'ended before the crash' }, consoleTail: { at: size, b64: Buffer.from('Finished: UNSTABLE\n').toString('base64') } })}\n`);
  const c = await startControllerProcess(home, { running });
  const b = await finishedBuild(c.url, 'nap', 1);
  const out = await consoleText(c.url, 'nap', 1);
  assert.equal(b.result, 'UNSTABLE', out);
  assert.equal(b.message, 'ended before the crash');
  assert.match(out, /Finished: UNSTABLE\n$/);
  assert.equal(out.split('\n').filter((l) => l.startsWith('Finished: ')).length, 1, out);
  assert.doesNotMatch(out, /Resumed after|never printed/, 'not replayed');
  await kill9(c);
});

test('an echo in flight at the crash: run again when nothing of it reached the console, answered as done when its line did', () => {
  const sleep: JournalEntry = { id: '1', branch: '', call: 'sleep@1:1', name: 'sleep', status: 'success', startedAt: 1, endedAt: 2 };
  const echo: JournalEntry = { id: '2', branch: '', call: 'echo@2:1', name: 'echo', status: 'running', startedAt: 3, endedAt: null };
  const sh: JournalEntry = { ...echo, id: '3', call: 'sh@3:1', name: 'sh' };
  const ends = new Map([['2', 100], ['3', 120]]);
  assert.deepEqual(inFlightPrinters([sleep, echo], ends, 100), [sleep, { ...echo, rerun: true }], 'nothing past its journal line: it runs again, as in flight (its start line not again)');
  assert.deepEqual(inFlightPrinters([sleep, echo], ends, 130), [sleep, { ...echo, status: 'success', endedAt: 3, value: null }], 'its line is there: done');
  assert.deepEqual(inFlightPrinters([sleep, echo], new Map(), 130), [sleep, { ...echo, rerun: true }], 'no console end journaled: it runs again');
  assert.deepEqual(inFlightPrinters([sh], ends, 100), [sh], 'other steps are left to the engine');
});

for (const reached of [false, true]) test(`kill -9 with an echo in flight whose line ${reached ? 'reached' : 'did not reach'} the console: printed once, the build goes on`, async () => {
  const home = tempDir('durable-echo');
  const dir = await killedWhileSleeping(home, `echo 'before the nap'\nsleep 8\necho 'after the nap'\necho 'the end'`);
  // As if the sleep had ended and the echo after it had just started when the process died.
  const journal = path.join(dir, 'journal.jsonl');
  const lines = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const sleepLine = lines.filter((l) => l.name === 'sleep').at(-1);
  let size = statSync(path.join(dir, 'log')).size;
  for (const l of lines) if (l.consoleTail) size = Math.max(size, l.consoleTail.at + Buffer.from(l.consoleTail.b64, 'base64').length);
  // Its start line carries its `[Pipeline] echo` line (printed just before it), which its consoleEnd is past.
  const start = Buffer.from('[Pipeline] echo\n');
  const echo = { id: String(Number(sleepLine.id) + 1), branch: '', call: 'echo@3:1', name: 'echo', status: 'running', startedAt: Date.now(), endedAt: null, deadline: null, consoleEnd: size + start.length };
  const extra = { consoleTail: { at: size, b64: Buffer.concat([start, Buffer.from(reached ? 'after the nap\n' : '')]).toString('base64') } };
  appendFileSync(journal, `${JSON.stringify({ ...sleepLine, status: 'success', endedAt: Date.now(), consoleTail: undefined })}\n${JSON.stringify({ ...echo, ...extra })}\n`);
  const c = await startControllerProcess(home, { running });
  const b = await finishedBuild(c.url, 'nap', 1);
  const out = await consoleText(c.url, 'nap', 1);
  assert.equal(b.result, 'SUCCESS', out);
  assert.equal(out.split('\n').filter((l) => l === 'after the nap').length, 1, out);
  assert.equal(out.split('\n').filter((l) => l === '[Pipeline] echo').length, 3, out);
  assert.ok(out.indexOf('after the nap') < out.indexOf('the end'), out);
  await kill9(c);
});
