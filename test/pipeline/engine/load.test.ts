// The `load` step (steps/load.ts) in the engine with a real workspace on the local backend: its
// console as Jenkins prints it (a body named after the file), paths that leave the workspace
// refused (`..`, absolute, a symbolic link) without running anything, errors raised in the
// loaded file naming it, and a build resumed after a controller restart running the loaded
// script again (the file read again) while the steps it called come from the journal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline } from './harness.ts';
import { tempDir } from '../../helpers/tmp.ts';
import type { JournalEntry } from '../../../src/pipeline/engine/replay.ts';

test('load prints its step and a body named after the file, the loaded steps inside it', async () => {
  const ws = tempDir('load-console');
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, 'lib.groovy'), "echo 'top of lib'\ndef hi() { echo 'hi' }\nreturn this\n");
  const { state, console } = await runPipeline(`node { def l = load 'lib.groovy'; l.hi() }`, { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  const lines = console.split('\n');
  const at = lines.indexOf('[Pipeline] load');
  assert.ok(at >= 0, console);
  assert.deepEqual(lines.slice(at, at + 7), ['[Pipeline] load', '[Pipeline] { (lib.groovy)', '[Pipeline] echo', 'top of lib', '[Pipeline] }', '[Pipeline] // load', '[Pipeline] echo'], console);
  assert.equal(lines[at + 7], 'hi', console);
  const rec = state.steps.find((s) => s.name === 'load');
  assert.equal(rec?.status, 'success');
  assert.equal(rec?.description, 'lib.groovy');
});

test('a path leaving the workspace is refused, whether by .., absolutely or through a symbolic link; nothing of it runs', async () => {
  const root = tempDir('load-outside');
  const ws = path.join(root, 'ws');
  mkdirSync(ws, { recursive: true });
  const evil = path.join(root, 'evil.groovy');
  writeFileSync(evil, "sh 'echo pwned > pwned'\nreturn this\n");
  symlinkSync(evil, path.join(ws, 'link.groovy'));
  for (const p of ['../evil.groovy', evil, 'link.groovy']) {
    const { state, console } = await runPipeline(`node { load '${p}' }`, { workspace: ws });
    assert.equal(state.result, 'FAILURE', console);
    assert.match(console, /ERROR: load: .*outside/, `${p}: ${console}`);
    assert.doesNotMatch(console, /pwned/, p);
  }
  assert.throws(() => readFileSync(path.join(ws, 'pwned')), /ENOENT/);
});

test('an error in a function of the loaded file names the file, line and column; a missing file is NoSuchFileException', async () => {
  const ws = tempDir('load-err');
  mkdirSync(path.join(ws, 'ci'), { recursive: true });
  writeFileSync(path.join(ws, 'ci', 'lib.groovy'), "def ok() { 1 }\ndef bad() {\n    undefinedThing()\n}\nreturn this\n");
  const r1 = await runPipeline(`node { dir('ci') { def l = load 'lib.groovy'; l.bad() } }`, { workspace: ws });
  assert.equal(r1.state.result, 'FAILURE', r1.console);
  assert.match(r1.console, /^ERROR: .*undefinedThing.* \(lib\.groovy:3:5\)$/m, r1.console);
  const r2 = await runPipeline(`node {\n  load 'ci/none.groovy'\n}`, { workspace: ws });
  assert.equal(r2.state.result, 'FAILURE', r2.console);
  assert.ok(r2.console.includes(`ERROR: java.nio.file.NoSuchFileException: ${path.join(ws, 'ci', 'none.groovy')} (Jenkinsfile:2:3)`), r2.console);
});

test('a resumed build runs the loaded script again from the workspace; the steps it called come from the journal', async () => {
  const ws = tempDir('load-replay');
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, 'lib.groovy'), [
    "def v = sh(script: 'echo run >> count; echo V1', returnStdout: true).trim()",
    'def stamp() { "stamp-${version}" }',
    'version = v',
    'return this',
    '',
  ].join('\n'));
  const first = `node {\n    def l = load 'lib.groovy'\n    echo l.stamp()\n  }`;
  const byId = new Map<string, JournalEntry>();
  const r1 = await runPipeline(first, { workspace: ws, listener: { journal: (e) => byId.set(e.id, structuredClone(e)) } });
  assert.equal(r1.state.result, 'SUCCESS', r1.console);
  const entries = [...byId.values()];
  assert.deepEqual(entries.map((e) => e.name), ['node', 'load', 'sh', 'echo']);
  assert.equal(entries[2]!.call, 'sh@lib.groovy:1:9', 'a call in the loaded file is known by its file');
  const second = first.replace(/\n  }$/, `\n    sh "echo after-\${l.stamp()} >> count"\n  }`);
  const { state, console } = await runPipeline(second, { workspace: ws, resume: { entries, downMs: 1000, startedAt: Date.now() } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.deepEqual(readFileSync(path.join(ws, 'count'), 'utf8').trim().split('\n'), ['run', 'after-stamp-V1'], 'the loaded sh ran once; its value came back from the journal');
  assert.doesNotMatch(console, /^stamp-V1$/m, 'replayed steps print nothing again');
  assert.equal(console.split('\n').filter((l) => l.startsWith('Resumed after the controller restarted')).length, 1, console);
});

test('a loaded file changed while the controller was away makes the resumed build fail as a divergence, not run other steps', async () => {
  const ws = tempDir('load-replay-changed');
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, 'lib.groovy'), "sh 'echo one >> count'\nreturn this\n");
  const source = `node {\n    load 'lib.groovy'\n    echo 'end'\n  }`;
  const byId = new Map<string, JournalEntry>();
  const r1 = await runPipeline(source, { workspace: ws, listener: { journal: (e) => byId.set(e.id, structuredClone(e)) } });
  assert.equal(r1.state.result, 'SUCCESS', r1.console);
  writeFileSync(path.join(ws, 'lib.groovy'), "echo 'changed'\nsh 'echo two >> count'\nreturn this\n");
  const { state, console } = await runPipeline(source, { workspace: ws, resume: { entries: [...byId.values()], downMs: 1, startedAt: Date.now() } });
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /ERROR: The pipeline took another path when it was resumed after the controller restarted: it called echo at lib.groovy:1:1 where the previous run called sh at lib.groovy:1:1/, console);
  assert.equal(readFileSync(path.join(ws, 'count'), 'utf8'), 'one\n', 'nothing of the changed file ran');
});

test('parallel branches load the same file: each gets its own script object, the binding is the one of the build', async () => {
  const ws = tempDir('load-parallel');
  mkdirSync(ws, { recursive: true });
  writeFileSync(path.join(ws, 'lib.groovy'), "import groovy.transform.Field\n@Field String who = 'nobody'\ndef set(w) { who = w; this }\ndef say() { echo \"I am ${who}, seen=${seen}\" }\nreturn this\n");
  const source = `node {
    seen = 'shared'
    parallel a: { def l = load 'lib.groovy'; l.set('a'); sleep 1; l.say() }, b: { def l = load 'lib.groovy'; l.set('b'); sleep 1; l.say() }
  }`;
  const { state, console } = await runPipeline(source, { workspace: ws });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^\[a\] I am a, seen=shared$/m, console);
  assert.match(console, /^\[b\] I am b, seen=shared$/m, console);
});
