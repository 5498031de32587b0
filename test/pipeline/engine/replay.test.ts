// Deterministic replay (engine/replay.ts) in the engine, with real processes on the local
// backend: a run answered from the journal of an earlier run does not run its finished steps
// again, gives the script the same values, prints nothing of them, says once where it resumed,
// and goes on; a script that decides otherwise on replay fails clearly; the journal file of the
// controller (controller/resume.ts) reads back what was written, a torn last line ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline, start } from './harness.ts';
import { tempDir } from '../../helpers/tmp.ts';
import type { JournalEntry } from '../../../src/pipeline/engine/replay.ts';
import { JournalWriter, readJournal } from '../../../src/controller/resume.ts';

/** Runs `source` and returns its journal (entries folded by id, in start order). */
async function journalOf(source: string, workspace: string): Promise<JournalEntry[]> {
  const byId = new Map<string, JournalEntry>();
  const { state, console } = await runPipeline(source, { workspace, listener: { journal: (e) => byId.set(e.id, structuredClone(e)) } });
  assert.equal(state.result, 'SUCCESS', console);
  return [...byId.values()];
}

test('a replayed run answers finished steps from the journal (not run again, not printed again) and goes on after them', async () => {
  const ws = tempDir('replay-ws');
  const first = `node {
    def a = sh(script: 'echo run >> count; echo A1', returnStdout: true).trim()
    def m = [k: a, n: 2]
    echo "got \${a}"
  }`;
  const entries = await journalOf(first, ws);
  assert.deepEqual(entries.map((e) => e.name), ['node', 'sh', 'echo']);
  // The same script, one more step at the end: the first three calls come from the journal.
  const second = first.replace(/\n  }$/, `\n    sh "echo after-\${a}-\${m.k} >> count"\n  }`);
  const { state, console } = await runPipeline(second, { workspace: ws, resume: { entries, downMs: 4200, startedAt: Date.now() - 10_000 } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.deepEqual(readFileSync(path.join(ws, 'count'), 'utf8').trim().split('\n'), ['run', 'after-A1-A1'], 'the first sh ran once; the script saw its value on replay');
  assert.doesNotMatch(console, /got A1/, 'replayed steps print nothing again');
  assert.equal(console.split('\n').filter((l) => l === 'Resumed after the controller restarted (down 4.2 s)').length, 1, console);
  assert.ok(console.indexOf('Resumed after') < console.indexOf('+ echo after-A1-A1'), console);
  assert.match(console, /Finished: SUCCESS/);
});

test('a script that calls another step than the journal has on replay fails, naming both', async () => {
  const ws = tempDir('replay-div');
  const entries = await journalOf(`node { echo 'one'; echo 'two' }`, ws);
  const { state, console } = await runPipeline(`node { echo 'one'; sh 'echo never' }`, { workspace: ws, resume: { entries, downMs: 100, startedAt: Date.now() } });
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /ERROR: The pipeline took another path when it was resumed after the controller restarted: it called sh at Jenkinsfile:1:20 where the previous run called echo at Jenkinsfile:1:20/);
  assert.doesNotMatch(console, /never/);
});

test('a failed step replays as the same failure: catchError sees it, the build result it set comes back', async () => {
  const ws = tempDir('replay-fail');
  const source = `node { catchError(buildResult: 'UNSTABLE', stageResult: 'UNSTABLE') { sh 'echo x >> count; exit 3' }; unstable 'flaky' }`;
  const byId = new Map<string, JournalEntry>();
  const r1 = await runPipeline(source, { workspace: ws, listener: { journal: (e) => byId.set(e.id, structuredClone(e)) } });
  assert.equal(r1.state.result, 'UNSTABLE', r1.console);
  const { state, console } = await runPipeline(source, { workspace: ws, resume: { entries: [...byId.values()], downMs: 1, startedAt: Date.now() } });
  assert.equal(state.result, 'UNSTABLE', console);
  assert.equal(readFileSync(path.join(ws, 'count'), 'utf8'), 'x\n', 'the failing sh ran once');
});

test('the journal file: the last line of an id wins; a torn last line is ignored; a bad line elsewhere makes it unreadable', async () => {
  const dir = tempDir('journal');
  const w = new JournalWriter(dir);
  const e: JournalEntry = { id: '1', branch: '', call: 'sh@1:1', name: 'sh', status: 'running', startedAt: 1, endedAt: null, deadline: null };
  w.append(e);
  w.append({ id: '2', branch: 'a', call: 'sleep@2:1', name: 'sleep', status: 'running', startedAt: 2, endedAt: null, deadline: 99 });
  w.append({ ...e, status: 'success', endedAt: 5, value: { $map: [['k', 'v']] } });
  w.close();
  writeFileSync(path.join(dir, 'journal.jsonl'), readFileSync(path.join(dir, 'journal.jsonl'), 'utf8') + '{"id":"3","bra');
  const { entries } = await readJournal(dir);
  assert.deepEqual(entries.map((x) => [x.id, x.status, x.deadline]), [['1', 'success', null], ['2', 'running', 99]]);
  writeFileSync(path.join(dir, 'journal.jsonl'), 'garbage\n' + readFileSync(path.join(dir, 'journal.jsonl'), 'utf8'));
  await assert.rejects(readJournal(dir), /line 1 of journal.jsonl is not a journal entry/);
  assert.deepEqual((await readJournal(tempDir('journal-none'))).entries, []);
});

test('a timeout and a sleep in flight keep their journal deadlines when replayed: the timeout fires at its first deadline', async () => {
  const ws = tempDir('replay-timeout');
  const source = `node { timeout(time: 1, unit: 'HOURS') { echo 'in'; sleep 3600 } }`;
  const byId = new Map<string, JournalEntry>();
  let snapshot: JournalEntry[] = [];
  const h = await start(source, {
    workspace: ws,
    listener: {
      journal: (e) => {
        byId.set(e.id, structuredClone(e));
        if (e.name === 'sleep' && e.status === 'running' && e.deadline) {
          snapshot = [...byId.values()].map((x) => structuredClone(x));
          setImmediate(() => h.run.abort('the first process dies'));
        }
      },
    },
  });
  await h.done;
  const timeout = snapshot.find((e) => e.name === 'timeout')!;
  assert.ok(timeout.deadline! > Date.now() + 3_500_000, 'the timeout kept an absolute deadline an hour away');
  // Its deadline as if most of the hour had passed while the controller was away.
  timeout.deadline = Date.now() + 200;
  const { state, console } = await runPipeline(source, { workspace: ws, resume: { entries: snapshot, downMs: 3_599_000, startedAt: Date.now() } });
  assert.equal(state.result, 'ABORTED', console);
  assert.match(console, /^Timeout has been exceeded$/m);
  assert.doesNotMatch(console, /Sleeping for/, 'the sleep in flight says nothing again');
  assert.equal(console.split('\n').filter((l) => l.startsWith('Resumed after the controller restarted (down 3599.0 s)')).length, 1, console);
});

test('parallel branches replay each from their own part of the journal', async () => {
  const ws = tempDir('replay-par');
  const first = `node { parallel a: { sh 'echo a >> count-a'; echo 'a done' }, b: { sh 'echo b >> count-b'; echo 'b done' } }`;
  const entries = await journalOf(first, ws);
  assert.deepEqual(new Set(entries.map((e) => e.branch)), new Set(['', 'a', 'b']));
  const second = first.replace(`echo 'b done' }`, `echo 'b done'; sh 'echo b2 >> count-b' }`);
  const { state, console } = await runPipeline(second, { workspace: ws, resume: { entries, downMs: 1000, startedAt: Date.now() } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(readFileSync(path.join(ws, 'count-a'), 'utf8'), 'a\n');
  assert.equal(readFileSync(path.join(ws, 'count-b'), 'utf8'), 'b\nb2\n', console + JSON.stringify(entries));
  assert.doesNotMatch(console, /a done|b done/, console);
});

for (const printed of [true, false]) test(`a parallel branch that had ended before the restart ${printed ? 'prints nothing again when another branch resumes (the journal says its closing lines were printed)' : 'prints its closing lines once when the journal says they were not printed'}`, async () => {
  const ws = tempDir('replay-trailing-ws');
  const first = `node {
    parallel a: {
      echo 'a1'
    }, b: {
      echo 'b1'
      echo 'b2'
    }
  }`;
  // As if the controller stopped once b had ended and a's first step was done (the node and
  // parallel blocks still running); a goes on.
  const entries = (await journalOf(first, ws)).map((e) => (e.branch === '' ? { ...e, status: 'running' as const, endedAt: null } : e));
  const second = first.replace(`echo 'a1'`, `echo 'a1'; echo 'a2'`); // the calls keep their places
  // The host's count of b's closing lines on disk (controller/resume.ts trailsAt).
  const trails: Record<string, number> = printed ? { b: Buffer.byteLength('[b] [Pipeline] }\n') } : {};
  const { state, console } = await runPipeline(second, { workspace: ws, resume: { entries, downMs: 1000, startedAt: Date.now() - 10_000, trails } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^\[a\] a2$/m);
  assert.deepEqual(console.split('\n').filter((l) => l.startsWith('[b] ')), printed ? [] : ['[b] [Pipeline] }'], `branch b's lines:\n${console}`);
  assert.equal(console.split('\n').filter((l) => l === '[a] [Pipeline] }').length, 1, `the branch that went on closes:\n${console}`);
  assert.match(console, /^\[Pipeline\] \/\/ node$/m);
});

for (const printed of [true, false]) test(`a block in flight as its branch's last journal entry ${printed ? 'does not print its opening lines again when the journal says they were printed' : 'prints its opening lines once when the journal says they were not printed'}; the Resumed line is not taken for them`, async () => {
  const ws = tempDir('replay-opening-ws');
  const first = `stage('x') {
    echo 'in x'
  }`;
  // As if the controller stopped once the stage's start was journaled, before its first step.
  const entries = (await journalOf(first, ws)).filter((e) => e.name === 'stage').map((e) => ({ ...e, status: 'running' as const, endedAt: null }));
  assert.equal(entries.length, 1);
  const trails: Record<string, number> = printed ? { '': Buffer.byteLength('[Pipeline] { (x)\n') } : {};
  const { state, console } = await runPipeline(first, { workspace: ws, resume: { entries, downMs: 1000, startedAt: Date.now() - 10_000, trails } });
  assert.equal(state.result, 'SUCCESS', console);
  const lines = console.split('\n');
  assert.equal(lines.filter((l) => l === '[Pipeline] { (x)').length, printed ? 0 : 1, console);
  assert.equal(lines.filter((l) => l === '[Pipeline] stage').length, 0, `the block's own line went with its journal line:\n${console}`);
  for (const l of ['Resumed after the controller restarted (down 1.0 s)', '[Pipeline] echo', 'in x', '[Pipeline] }', '[Pipeline] // stage']) assert.equal(lines.filter((x) => x === l).length, 1, `${l} once:\n${console}`);
  if (!printed) assert.ok(console.indexOf('[Pipeline] { (x)') < console.indexOf('Resumed after'), console);
});

for (const printed of [true, false]) test(`a branch with no journal ${printed ? 'does not print its line before its first step again when the journal says it was printed' : 'prints its line before its first step once when the journal says it was not printed'}`, async () => {
  const ws = tempDir('replay-nojournal-ws');
  // As if the controller stopped once a's echo had ended and b had printed its branch's line only.
  const first = `parallel a: { echo 'a1' }, b: { echo 'b1' }`;
  const all = await journalOf(first, ws);
  const entries = all.filter((e) => e.branch !== 'b').map((e) => (e.branch === '' ? { ...e, status: 'running' as const, endedAt: null } : e));
  const trails = { ...(printed ? { b: Buffer.byteLength('[b] [Pipeline] { (Branch: b)\n') } : {}), a: Buffer.byteLength('[a] [Pipeline] }\n') };
  const { state, console } = await runPipeline(first, { workspace: ws, resume: { entries, downMs: 1000, startedAt: Date.now() - 10_000, trails } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.deepEqual(console.split('\n').filter((l) => l.startsWith('[b] ') && !l.includes('Resumed after')), [...(printed ? [] : ['[b] [Pipeline] { (Branch: b)']), '[b] [Pipeline] echo', '[b] b1', '[b] [Pipeline] }'], console);
  assert.equal(console.split('\n').filter((l) => l.includes('Resumed after the controller restarted')).length, 1, console);
  assert.deepEqual(console.split('\n').filter((l) => l.startsWith('[a] ')), [], console);
});
