// Coalesced `execAt` points and the resumed console's cut (controller/exec-points.ts,
// resume.ts resumeCut, LogStore.truncate), and the bytes a mark carries that the cut puts back, piece by piece; the real processes are in
// durable-journal.test.ts. No timing thresholds: the coalescing window is set far beyond the
// test's length, so only bytes, first points, other journal lines and marks make points here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ExecPoints } from '../../src/controller/exec-points.ts';
import { JournalWriter, readJournal, resumeCut, type ExecMark } from '../../src/controller/resume.ts';
import { LogStore } from '../../src/controller/logstore.ts';
import { tempDir } from '../helpers/tmp.ts';

function points(everyBytes = 1000) {
  const lines: string[] = [];
  const p = new ExecPoints({
    journal: {
      execAt: (key, safe, c) => { lines.push(`execAt ${key} ${safe.stdout}/${safe.stderr} c=${c}`); },
      consoleMark: (c) => { lines.push(`mark ${c}`); },
    },
    failed: (e) => { throw e; },
    stopped: () => false,
    everyMs: 3_600_000,
    everyBytes,
  });
  return { p, lines };
}

test('an exec\'s first point is written before the console write of its first bytes; later ones wait for the bytes bound, and acks wait for them', async () => {
  const { p, lines } = points();
  p.started('k');
  let acked = 0;
  void p.point('k', { stdout: 10, stderr: 0 }, 50).then(() => acked++);
  p.beforeWrite(50);
  assert.deepEqual(lines, ['execAt k 10/0 c=50']);
  await Promise.resolve();
  assert.equal(acked, 1, 'its ack went once the point was written');
  void p.point('k', { stdout: 400, stderr: 0 }, 440).then(() => acked++);
  p.beforeWrite(440);
  void p.point('k', { stdout: 900, stderr: 0 }, 940).then(() => acked++);
  p.beforeWrite(940);
  await Promise.resolve();
  assert.deepEqual(lines, ['execAt k 10/0 c=50'], 'no point for each write');
  assert.equal(acked, 1, 'and no ack without one');
  void p.point('k', { stdout: 1200, stderr: 0 }, 1240).then(() => acked++);
  p.beforeWrite(1240);
  await Promise.resolve();
  assert.deepEqual(lines, ['execAt k 10/0 c=50', 'execAt k 1200/0 c=1240'], 'one point covering all once the bytes bound is reached');
  assert.equal(acked, 4);
  p.close();
});

test('other journal lines flush pending points; bytes that are not exec output make a mark only while an exec with a point is live; the end resolves its waiters', async () => {
  const { p, lines } = points();
  p.started('k');
  p.plain(); // `[Pipeline] sh` before any output: the first point covers it
  p.beforeWrite(20);
  assert.deepEqual(lines, []);
  void p.point('k', { stdout: 5, stderr: 0 }, 25);
  p.beforeWrite(25);
  let acked = false;
  void p.point('k', { stdout: 9, stderr: 0 }, 29).then(() => { acked = true; });
  p.plain(); // another branch's echo
  p.beforeWrite(60);
  assert.deepEqual(lines, ['execAt k 5/0 c=25', 'execAt k 9/0 c=29', 'mark 60']);
  void p.point('k', { stdout: 15, stderr: 0 }, 66);
  p.flush(); // a journal entry line is about to be written
  assert.deepEqual(lines.slice(3), ['execAt k 15/0 c=66']);
  let ended = false;
  void p.point('k', { stdout: 20, stderr: 0 }, 71).then(() => { ended = true; });
  p.ended('k');
  await Promise.resolve();
  assert.ok(acked && ended);
  p.plain();
  p.beforeWrite(90);
  assert.equal(lines.length, 4, 'no exec live: no mark');
  p.close();
});

test('resumeCut: back to the last boundary on disk; each exec resends from its last point below it; voided by a later restart; nothing cut without a live exec with a point', () => {
  const marks: ExecMark[] = [
    { mark: 10 },
    { key: 'k', stdout: 5, stderr: 0, c: 40 },
    { mark: 55 },
    { key: 'k', stdout: 30, stderr: 2, c: 90 },
    { mark: 120 },
  ];
  // The console on disk reached 100: the boundary 90 (k's point) is the last within it.
  assert.deepEqual(resumeCut(marks, 100, new Set(['k'])), { cut: 90, from: new Map([['k', { stdout: 30, stderr: 2 }]]), resend: [] });
  // Torn after 60: cut to the mark at 55, k resends from its point at 40.
  assert.deepEqual(resumeCut(marks, 60, new Set(['k'])), { cut: 55, from: new Map([['k', { stdout: 5, stderr: 0 }]]), resend: [] });
  // A restart that kept 50 bytes voids what was beyond, and is a boundary itself.
  const after = [...marks, { consoleAt: 50 }, { mark: 70 }];
  assert.deepEqual(resumeCut(after, 80, new Set(['k'])), { cut: 70, from: new Map([['k', { stdout: 5, stderr: 0 }]]), resend: [] });
  // No exec in flight (or none with a point): the console stays as it is.
  assert.equal(resumeCut(marks, 100, new Set()).cut, 100);
  assert.equal(resumeCut(marks, 100, new Set(['other'])).cut, 100);
});

test('LogStore.truncate cuts an open log and its index back; appends go on from there', async () => {
  const home = tempDir('truncate');
  const logs = new LogStore(home);
  const b = { job: 'j', number: 1 };
  await logs.append(b, 'one\n', { node: '1' });
  logs.mark(b, { kind: 'step-start', id: '2' });
  await logs.append(b, 'two\nthr', { node: '2' });
  await logs.flush(b);
  await logs.truncate(b, 4);
  assert.equal(logs.end(b), 4);
  await logs.append(b, 'three\n', { node: '3' });
  await logs.finish(b);
  assert.equal(readFileSync(logs.logPath(b), 'utf8'), 'one\nthree\n');
  const sections = (await logs.sections(b)).map((s) => `${s.kind}@${s.offset}:${s.id}`);
  assert.deepEqual(sections, ['output@0:1', 'step-start@4:2', 'output@4:3']);
  assert.deepEqual(await logs.ranges(b, '3'), [{ start: 4, end: 10 }]);
});

/**
 * What a build resumed after a kill at `size` bytes of console shows: the console cut back
 * (resumeCut, with the journal lines written before the kill) and the exec's output resent from
 * its point there.
 */
function resumedAt(disk: Buffer, size: number, marks: ExecMark[], stream: Buffer): string {
  const { cut, from } = resumeCut(marks, size, new Set(['k']));
  return disk.subarray(0, cut).toString() + stream.subarray(from.get('k')?.stdout ?? 0).toString();
}

test('a console write of more chunks than one writev takes (1024) ends at a boundary the journal accounts for: a kill between writes brings no line twice', async () => {
  const home = tempDir('split-write');
  const logs = new LogStore(home);
  const b = { job: 'j', number: 1 };
  const marks: ExecMark[] = [];
  const p = new ExecPoints({
    journal: {
      execAt: (key, safe, c) => { marks.push({ key, stdout: safe.stdout, stderr: safe.stderr, c }); },
      consoleMark: (c) => { marks.push({ mark: c }); },
    },
    failed: (e) => { throw e; },
    stopped: () => false,
    everyMs: 3_600_000,
    everyBytes: 1 << 30,
  });
  // Where a kill -9 can leave the console: on disk before each write (with the journal lines
  // written until then), and at the end.
  const kills: { size: number; marks: number }[] = [];
  logs.setBeforeWrite(b, (end) => {
    kills.push({ size: logs.unwritten(b)!.at, marks: marks.length });
    p.beforeWrite(end);
  });
  const stream: Buffer[] = [];
  let got = 0;
  const out = (i: number) => {
    const line = Buffer.from(`x${i}\n`);
    stream.push(line);
    got += line.length;
    void logs.append(b, line, { node: '2' });
    void p.point('k', { stdout: got, stderr: 0 }, logs.end(b)!);
  };
  p.started('k');
  out(0);
  await logs.flush(b); // its first point is journaled
  for (let i = 1; i < 3000; i++) {
    out(i);
    if (i === 700) {
      p.plain(); // another branch's echo, amid the exec's output
      void logs.append(b, 'PLAIN\n', { node: '3' });
    }
  }
  await logs.flush(b);
  kills.push({ size: logs.end(b)!, marks: marks.length });
  const disk = readFileSync(logs.logPath(b));
  const all = Buffer.concat(stream);
  assert.ok(kills.length >= 2);
  for (const k of kills) {
    const text = resumedAt(disk, k.size, marks.slice(0, k.marks), all);
    const lines = text.split('\n').filter((l) => l.startsWith('x'));
    assert.equal(lines.length, 3000, `killed at ${k.size} of ${disk.length} bytes: ${lines.length} exec lines (each of 3000 once expected)`);
    assert.equal(new Set(lines).size, 3000);
    if (k.size > disk.indexOf('PLAIN')) assert.match(text, /^PLAIN$/m, 'the other branch\'s line stays');
  }
  p.close();
  await logs.finish(b);
});

test('a mark carries its write\'s bytes that are not execs\' output; resumeCut puts back those past the cut (a torn write), and again after a restart during the resume', async () => {
  const dir = tempDir('exec-points-plain');
  const journal = new JournalWriter(dir);
  const p = new ExecPoints({ journal, failed: (e) => { throw e; }, stopped: () => false, everyMs: 3_600_000, everyBytes: 1000 });
  p.started('k');
  p.plain(Buffer.from('[b] early\n'), 0); // no point yet, none asked for: nothing will cut here
  p.beforeWrite(10);
  void p.point('k', { stdout: 6, stderr: 0 }, 20); // `[a] A1\n` (its bytes 0..6 below 20)
  p.beforeWrite(20);
  p.plain(Buffer.from('[b] one\n'), 20);
  void p.point('k', { stdout: 12, stderr: 0 }, 34); // `[a] A2\n` at 28: journaled before the mark (plain bytes in the write)
  p.plain(Buffer.from('[b] [Pipeline] }\n'), 34);
  p.beforeWrite(51);
  p.close();
  journal.close();
  const lines = readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n');
  assert.deepEqual(lines.map((l) => Object.keys(JSON.parse(l) as object)[0]), ['execAt', 'execAt', 'consoleMark'], lines.join('\n'));
  const { execMarks } = await readJournal(dir);
  // The write 20..51 torn at 40 (within b's closing line): cut back to a's point at 34, a resends
  // from 12, b's closing line comes back whole at 34.
  const r = resumeCut(execMarks, 40, new Set(['k']));
  assert.equal(r.cut, 34);
  assert.deepEqual(r.from.get('k'), { stdout: 12, stderr: 0 });
  assert.deepEqual(r.resend.map((c) => [c.at, c.bytes.toString()]), [[34, '[b] [Pipeline] }\n']]);
  // Torn at 25 (within b's first line): back to 20, a from 6, both of b's lines.
  assert.deepEqual(resumeCut(execMarks, 25, new Set(['k'])).resend.map((c) => [c.at, c.bytes.toString()]), [[20, '[b] one\n'], [34, '[b] [Pipeline] }\n']]);
  // The resume journals the cut with what it puts back; killed before anything else, the next one does the same.
  const back = Buffer.concat(r.resend.map((c) => c.bytes));
  const again = new JournalWriter(dir);
  again.consoleAt(r.cut, [{ at: r.cut, bytes: back }]);
  again.close();
  const r2 = resumeCut((await readJournal(dir)).execMarks, r.cut + 5, new Set(['k']));
  assert.equal(r2.cut, 34);
  assert.deepEqual(r2.resend.map((c) => [c.at, c.bytes.toString()]), [[34, '[b] [Pipeline] }\n']]);
  // Once the resumed build journals a boundary past them, they are the console's.
  const later = new JournalWriter(dir);
  later.consoleMark(34 + back.length + 7);
  later.close();
  assert.deepEqual(resumeCut((await readJournal(dir)).execMarks, 34 + back.length + 7, new Set(['k'])).resend, []);
});
