// A block's opening lines across a controller kill (issue 19: no line lost, each once, in order),
// real controller and agent processes on both stores. What a block prints after its start was
// journaled and before its body's first step (`Running on ...`, `[Pipeline] {`, `[Pipeline] { (x)`;
// a declarative pipeline's lines before its first step) follows no journal line of its own.
// Each kill is made exact as in durable-inmemory.test.ts: the build runs to a `sleep`, the
// controller is killed, and the console and the journal are cut back to what they held at the
// chosen instant:
// - "in memory": just after the block's start (or, declarative, nothing) was journaled, the lines
//   after it not on disk: the resumed build prints them (before, it replayed them silently: lost);
// - "written": just after the console write that carried them (the Groovy between the block's
//   start and its first step gives the log store time to write them): not printed again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { durableKillHarness, STORES, buildDir, readOrEmpty } from '../helpers/durable-kill.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText } from '../helpers/controller.ts';
import { kill9, freePort } from '../helpers/controller-process.ts';

const { dbFor, startCtl, startAgent } = durableKillHarness('kiln_duropen');
const read = readOrEmpty;
type Line = Record<string, any>;
const journalLines = (dir: string): Line[] => readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const writeJournal = (dir: string, lines: Line[]) => writeFileSync(path.join(dir, 'journal.jsonl'), lines.map((l) => `${JSON.stringify(l)}\n`).join(''));

// The Groovy loop between a block's start and its first step: the log store writes meanwhile.
const LOOP = 'def t = 0\n    for (int i = 0; i < 100000; i++) { t += i % 7 }';

const SCRIPTED = `node('durable') {
  stage('build') {
    ${LOOP}
    sleep 3
    echo "built \${t}"
  }
}
echo 'the end'`;
const SCRIPTED_LINES = ['[Pipeline] node', /^Running on a1 in /, '[Pipeline] stage', '[Pipeline] { (build)', '[Pipeline] sleep', 'Sleeping for 3 sec',
  '[Pipeline] echo', 'built 299995', '[Pipeline] }', '[Pipeline] // stage', '[Pipeline] // node', '[Pipeline] echo', 'the end'];

const DECLARATIVE = `pipeline {
  agent { label 'durable' }
  stages {
    stage('build') {
      steps {
        sleep 3
        echo 'built'
      }
    }
  }
}`;
const DECLARATIVE_LINES = ['[Pipeline] node', /^Running on a1 in /, '[Pipeline] { (build)', '[Pipeline] sleep', 'Sleeping for 3 sec', '[Pipeline] echo', 'built', '[Pipeline] }'];

/** Where the console was on disk just after journal line `l` (its tail, bytes not on disk then, comes back from the journal). */
const diskAfter = (l: Line): number => l.consoleTail?.at ?? l.consoleEnd ?? l.at;

interface Case {
  name: string;
  script: string;
  lines: (string | RegExp)[];
  /** The instant of the kill: the journal lines kept and the console's size on disk. */
  cut(lines: Line[], log: Buffer): { keep: Line[]; size: number; lost?: string; kept?: string };
}

const sleepAt = (lines: Line[]) => lines.findIndex((l) => l.name === 'sleep');
const startOf = (lines: Line[], name: string) => lines.findIndex((l) => l.name === name && l.status === 'running');

const CASES: Case[] = [
  {
    name: 'a node block\'s `Running on` line in memory (its start journaled)',
    script: SCRIPTED,
    lines: SCRIPTED_LINES,
    cut: (lines) => {
      const i = startOf(lines, 'node');
      return { keep: lines.slice(0, i + 1), size: diskAfter(lines[i]!), lost: 'Running on a1' };
    },
  },
  {
    name: 'a stage block\'s `{ (build)` line in memory (its start journaled)',
    script: SCRIPTED,
    lines: SCRIPTED_LINES,
    cut: (lines) => {
      const i = startOf(lines, 'stage');
      return { keep: lines.slice(0, i + 1), size: diskAfter(lines[i]!), lost: '[Pipeline] { (build)' };
    },
  },
  {
    name: 'a stage block\'s `{ (build)` line written, its first step not started',
    script: SCRIPTED,
    lines: SCRIPTED_LINES,
    cut: (lines) => {
      const keep = lines.slice(0, sleepAt(lines));
      return { keep, size: diskAfter(keep.at(-1)!), kept: '[Pipeline] { (build)\n' };
    },
  },
  {
    name: 'a declarative pipeline\'s lines before its first step in memory (nothing journaled)',
    script: DECLARATIVE,
    lines: DECLARATIVE_LINES,
    cut: (lines, log) => ({ keep: [], size: lines[0]?.from ?? log.indexOf('[Pipeline] node'), lost: '[Pipeline] node' }),
  },
  {
    name: 'a declarative pipeline\'s lines before its first step written',
    script: DECLARATIVE,
    lines: DECLARATIVE_LINES,
    cut: (lines, log) => {
      const keep = lines.slice(0, sleepAt(lines));
      return { keep, size: keep.length > 0 ? diskAfter(keep.at(-1)!) : log.indexOf('[Pipeline] sleep'), kept: 'Running on a1' };
    },
  },
];

for (const kind of STORES) for (const k of CASES) test(`kill -9 (${kind} store) with ${k.name}: every line once, in order`, async () => {
  const home = tempDir('duropen');
  const work = tempDir('duropen-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  await startAgent(c, 'a1', work);
  const api = jsonApi(() => c.url);
  await api('POST', '/api/v1/jobs', { name: 'open', script: k.script });
  await api('POST', '/api/v1/jobs/open/builds', {});
  const dir = buildDir(home);
  const logFile = path.join(dir, 'log');
  await until(() => read(logFile).includes('Sleeping for 3 sec\n'), 'the sleep', 60_000, 10);
  await kill9(c);
  const lines = journalLines(dir);
  const log = readFileSync(logFile);
  const { keep, size, lost, kept } = k.cut(lines, log);
  assert.ok(size >= 0 && size <= log.length, `a cut within the console (${size} of ${log.length})`);
  const before = log.subarray(0, size).toString('utf8');
  if (lost) assert.ok(!before.includes(lost), `${lost} not on disk at that instant:\n${before}`);
  if (kept) assert.ok(before.includes(kept), `${kept.trim()} on disk at that instant (the loop too short?):\n${before}`);
  truncateSync(logFile, size);
  writeJournal(dir, keep);
  c = await startCtl(home, port, db);
  const b = await finishedBuild(c.url, 'open', 1);
  const text = await consoleText(c.url, 'open', 1);
  assert.equal(b.result, 'SUCCESS', text);
  const out = text.split('\n').filter((l) => !l.startsWith('Resumed after the controller restarted') && !/^(Started: |Running open #1$|Finished: |Waiting for (next available executor|an executor)|Still waiting)/.test(l) && l !== '');
  assert.equal(out.length, k.lines.length, `every line once:\n${text}`);
  k.lines.forEach((want, i) => assert.ok(typeof want === 'string' ? out[i] === want : want.test(out[i]!), `line ${i + 1} is ${String(want)}, not ${out[i]}:\n${text}`));
  assert.equal(text.split('\n').filter((l) => l.startsWith('Resumed after the controller restarted')).length, 1, text);
  await kill9(c);
});
