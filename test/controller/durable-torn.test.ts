// The console across a controller kill with no durable exec running (issue 19), real processes on
// both stores:
// - a step that printed more than 1 MiB just before its end was journaled (the console's write
//   still in memory): the journal carries all of it, in 1 MiB lines before the step's own line, so
//   the resumed build's console has it whole, once (before, past 1 MiB a line carried nothing);
// - a console write the kill tore (its first part on disk, the rest lost with the process): the
//   resumed build cuts it back to a whole line, or, when the write carried a branch's closing lines,
//   to the write's start (its `trail` line says where), and prints those lines once, whole; never a
//   partial line, never a line twice (before, the fragment stayed and the lines came again after it).
// Each kill is made exact by cutting the journal and the console to what they held at that instant;
// one more kill of the next controller once it resumed (a restart during the restart).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { durableKillHarness, STORES, buildDir, readOrEmpty } from '../helpers/durable-kill.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText } from '../helpers/controller.ts';
import { kill9, freePort } from '../helpers/controller-process.ts';
import { JournalWriter, MAX_TAIL, readJournal, tornCut } from '../../src/controller/resume.ts';
import type { JournalEntry } from '../../src/pipeline/engine/replay.ts';

const { dbFor, startCtl } = durableKillHarness('kiln_durtorn');
const read = readOrEmpty;
const BIG = 2_500_000;

/** Lines shortened for a failure message. */
const short = (text: string) => text.split('\n').map((l) => (l.length > 200 ? `${l.slice(0, 60)}...(${l.length})` : l)).join('\n');

test('a journal line carries any amount of unwritten console bytes: past 1 MiB in lines of their own before it, each byte once across lines', async () => {
  const dir = tempDir('journal-bigtail');
  const w = new JournalWriter(dir);
  const e = (status: JournalEntry['status']): JournalEntry => ({ id: '1', branch: '', call: 'echo@1:1', name: 'echo', status, startedAt: 1, endedAt: status === 'running' ? null : 2 });
  const big = Buffer.alloc(MAX_TAIL * 2 + 10, 'x');
  w.append(e('running'), { at: 5, bytes: Buffer.from('[Pipeline] echo\n') });
  w.append(e('success'), { at: 5, bytes: Buffer.concat([Buffer.from('[Pipeline] echo\n'), big]) });
  // The same bytes still unwritten under the next line: not carried twice.
  w.end({ result: 'SUCCESS', message: null }, { at: 5, bytes: Buffer.concat([Buffer.from('[Pipeline] echo\n'), big, Buffer.from('Finished: SUCCESS\n')]) });
  w.close();
  const lines = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
  assert.ok(lines.every((l) => l.length < MAX_TAIL * 1.4 + 200), 'no line is unbounded');
  assert.equal(lines.length, 5, 'the entry, two carried MiB, the entry, the end');
  const j = await readJournal(dir);
  const restored = Buffer.alloc(5 + 16 + big.length + 18);
  for (const t of j.tails) t.bytes.copy(restored, t.at);
  assert.equal(restored.subarray(5).toString(), `[Pipeline] echo\n${big.toString()}Finished: SUCCESS\n`);
  assert.equal(j.tails.reduce((n, t) => n + t.bytes.length, 0), 16 + big.length + 18, 'each byte once');
  assert.equal(j.ended?.result, 'SUCCESS');
  assert.deepEqual(j.entries, [e('success')]);
  // A hostile carried line is refused, saying where.
  writeFileSync(path.join(dir, 'journal.jsonl'), `{"consoleTail":{"at":-3,"b64":"eA=="}}\n${lines[0]}\n`);
  await assert.rejects(readJournal(dir), /line 1 of journal\.jsonl is not a journal entry \(its consoleTail is malformed\)/);
});

test('tornCut: nothing below the last boundary; a torn write of closing lines back to its start; else back to a whole line', async () => {
  const nl = (at: number | null) => async () => at;
  const marks = [{ mark: 100 }];
  assert.equal(await tornCut(marks, [], 100, nl(null)), 100, 'ends at a boundary');
  assert.equal(await tornCut(marks, [], 150, nl(140)), 140, 'a partial line past the last boundary goes');
  assert.equal(await tornCut(marks, [], 150, nl(null)), 100, 'no whole line past it: back to it');
  assert.equal(await tornCut(marks, [{ trail: { a: 30 }, c: 160, from: 120 }], 150, nl(140)), 120, 'a torn write of closing lines: back to its start');
  assert.equal(await tornCut(marks, [{ trail: { a: 30 }, c: 130, from: 110 }], 150, nl(null)), 130, 'a whole one is a boundary');
  assert.equal(await tornCut([...marks, { consoleAt: 110 }], [{ trail: { a: 30 }, c: 130, from: 110 }, { consoleAt: 110 }], 150, nl(null)), 110, 'voided by a later resume\'s cut');
});

/**
 * Cuts the build's journal to its lines written before the console reached `p` (a kill then):
 * lines in order while what they say is on the console is at or below `p`, and the `trail` line
 * of a write that spans `p` (written before that write).
 */
function journalAt(dir: string, p: number, keepThrough?: (l: any, i: number) => boolean): void {
  const file = path.join(dir, 'journal.jsonl');
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = JSON.parse(lines[i]!);
    const end: number | undefined = l.consoleEnd ?? l.c ?? l.consoleMark ?? l.consoleAt ?? (l.trail && l.id === undefined ? l.at : undefined);
    const spans = l.trail && l.id === undefined && l.from !== undefined && l.from < p && l.at > p;
    if (keepThrough ? !keepThrough(l, i) : (end !== undefined && end > p && !spans)) break;
    kept.push(lines[i]!);
    if (spans) break;
  }
  writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
}

for (const kind of STORES) test(`kill -9 (${kind} store) just after an echo of ${BIG} bytes was journaled, its console write still in memory: the line whole, once`, async () => {
  const home = tempDir('durtorn-big');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  const api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'big', script: `echo 'before'\necho('z' * ${BIG})\necho 'after big'\nsleep(time: 3, unit: 'SECONDS')\necho 'the end'` });
  await api('POST', '/api/v1/jobs/big/builds', {});
  const dir = buildDir(home);
  const logFile = path.join(dir, 'log');
  await until(() => read(logFile).includes('Sleeping for 3 sec'), 'the sleep', 60_000, 20);
  await kill9(c);
  // The kill as it would have fallen just after the echo's end line: the journal up to it (with
  // the lines carrying its bytes), the console as it was on disk then (without the big write).
  const lines = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const first = lines.findIndex((l) => l.consoleTail && l.id === undefined);
  assert.ok(first > 0, `the big line was not on disk when the echo's end was journaled: carried in lines of its own\n${short(lines.map((l) => JSON.stringify(l)).join('\n'))}`);
  const endLine = lines.findIndex((l, i) => i > first && l.id !== undefined);
  assert.equal(lines[endLine].name, 'echo');
  assert.equal(lines[endLine].status, 'success');
  journalAt(dir, 0, (_l, i) => i <= endLine);
  truncateSync(logFile, lines[first].consoleTail.at);
  assert.ok(!read(logFile).includes('zzzz'));
  c = await startCtl(home, port, db);
  const b = await finishedBuild(c.url, 'big', 1);
  const text = await consoleText(c.url, 'big', 1);
  assert.equal(b.result, 'SUCCESS', short(text).slice(-3000));
  const out = text.split('\n');
  assert.equal(out.filter((l) => l === 'z'.repeat(BIG)).length, 1, `the big line once, whole:\n${short(text)}`);
  assert.equal(out.filter((l) => l.includes('zzzz')).length, 1, short(text));
  for (const l of ['before', 'after big', 'the end']) assert.equal(out.filter((x) => x === l).length, 1, `${l} once:\n${short(text)}`);
  assert.ok(text.indexOf('before\n') < text.indexOf('zzzz') && text.indexOf('zzzz') < text.indexOf('after big'), short(text));
  await kill9(c);
});

const A_LINES = ['[a] [Pipeline] { (Branch: a)', '[a] [Pipeline] sleep', '[a] Sleeping for 300 ms', '[a] [Pipeline] stage', '[a] [Pipeline] { (sa)', '[a] [Pipeline] echo', '[a] from a', '[a] [Pipeline] }', '[a] [Pipeline] // stage', '[a] [Pipeline] }'];

for (const kind of STORES) for (const [where, again] of [['closing lines', false], ['closing lines', true], ['a line', false]] as const) test(`a console write torn by the kill (${kind} store) within ${where === 'closing lines' ? "a branch's closing lines" : "a step's line"}, no sh running${again ? ', and a kill of the next controller once it resumed' : ''}: no partial line, each line once`, async () => {
  const home = tempDir('durtorn');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  const api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'torn', script: `parallel a: {
    sleep(time: 300, unit: 'MILLISECONDS')
    stage('sa') { echo 'from a' }
  }, b: {
    sleep(time: 4, unit: 'SECONDS')
    echo 'b done'
  }
  echo 'the end'` });
  await api('POST', '/api/v1/jobs/torn/builds', {});
  const dir = buildDir(home);
  const logFile = path.join(dir, 'log');
  await until(() => read(logFile).includes('[a] [Pipeline] // stage\n[a] [Pipeline] }\n') && read(logFile).includes('[b] Sleeping for 4 sec\n'), "a's closing lines and b's sleep", 60_000, 10);
  await kill9(c);
  const log = read(logFile);
  // Torn within "[a] [Pipeline] // stage" (a write that carried a's closing lines) or within
  // "[b] Sleeping for 4 sec" (the sleep's own line, past its journal line).
  const p = Buffer.byteLength(where === 'closing lines' ? log.slice(0, log.indexOf('[a] [Pipeline] // stage') + 12) : log.slice(0, log.indexOf('[b] Sleeping for 4 sec') + 9));
  if (where === 'closing lines') {
    const trails = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.trail && l.id === undefined && l.from !== undefined && l.from < p && l.at > p);
    assert.equal(trails.length, 1, 'the write of the closing lines has its trail line, with where it starts');
  }
  // The journal as it was when that write started: a sleep's line goes just before its deadline's
  // journal line, in the same turn, so that line is there whenever any of the line's bytes are
  // on disk (it carries them); a write of closing lines as its trail line says.
  journalAt(dir, where === 'a line' ? Buffer.byteLength(log.slice(0, log.indexOf('[b] Sleeping for 4 sec\n') + '[b] Sleeping for 4 sec\n'.length)) : p);
  truncateSync(logFile, p);
  if (again) {
    // A restart during the restart: the second controller cut the console and resumed.
    c = await startCtl(home, port, db);
    await until(() => read(logFile).includes('Resumed after the controller restarted'), 'the build to resume', 60_000, 10);
    await kill9(c);
  }
  c = await startCtl(home, port, db);
  const b = await finishedBuild(c.url, 'torn', 1);
  const text = await consoleText(c.url, 'torn', 1);
  assert.equal(b.result, 'SUCCESS', text);
  const lines = text.split('\n');
  assert.deepEqual(lines.filter((l) => l.startsWith('[a] ') && !l.startsWith('[a] Resumed after')), A_LINES, `a's lines once each, whole, in order:\n${text}`);
  assert.ok(!lines.some((l) => l.startsWith('[b] Sleeping') && l !== '[b] Sleeping for 4 sec'), `no partial line:\n${text}`);
  assert.equal(lines.filter((l) => l === '[b] Sleeping for 4 sec').length, 1, `the sleep's line once:\n${text}`);
  for (const l of ['[b] b done', 'the end', 'Finished: SUCCESS']) assert.equal(lines.filter((x) => x === l).length, 1, `${l} once:\n${text}`);
  assert.match(text, /\n(\[\w+\] )?Resumed after the controller restarted/, 'the resume on a line of its own');
  await kill9(c);
});
