// A skipped stage skips the stages inside it for the same reason, as Jenkins' ModelInterpreter
// (skipStage): each nested stage gets its own stage block with the message naming it, parallel
// stages and a matrix's cells inside a `parallel` with their `{ (Branch: NAME)` blocks, and each
// is recorded with the skip status, so the stage view shows the whole skipped tree. None of their
// steps, agents or posts run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, stage, userLines } from './harness.ts';
import type { BuildState } from '../../../src/pipeline/engine/state.ts';

const all = (state: BuildState, name: string) => state.stages.filter((s) => s.name === name);

test('a parallel stage skipped for an earlier failure: each branch is a skipped stage of its own, inside the parallel', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Build') { steps { error 'build broke' } }
    stage('Checks') {
      parallel {
        stage('Lint') { steps { echo 'linting' } post { always { echo 'lint post' } } }
        stage('Unit') { steps { echo 'unit tests' } }
      }
    }
  }
}`);
  assert.equal(state.result, 'FAILURE', console);
  assert.equal(stage(state, 'Checks').status, 'skipped-failure');
  for (const name of ['Lint', 'Unit']) {
    const s = stage(state, name);
    assert.equal(s.status, 'skipped-failure', name);
    assert.equal(s.result, 'NOT_BUILT');
    assert.equal(s.kind, 'parallel');
    assert.equal(s.parentId, stage(state, 'Checks').id);
    assert.equal(s.message, `Stage "${name}" skipped due to earlier failure(s)`);
  }
  assert.match(console, /\[Pipeline\] \{ \(Checks\)\nStage "Checks" skipped due to earlier failure\(s\)\n\[Pipeline\] parallel\n/);
  assert.match(console, /^\[Lint\] \[Pipeline\] \{ \(Branch: Lint\)\n\[Lint\] \[Pipeline\] \{ \(Lint\)\n\[Lint\] Stage "Lint" skipped due to earlier failure\(s\)\n\[Lint\] \[Pipeline\] \}\n\[Lint\] \[Pipeline\] \}$/m);
  assert.match(console, /\[Pipeline\] \/\/ parallel\n\[Pipeline\] \}/);
  const lines = userLines(console);
  assert.ok(!lines.some((l) => /linting|lint post|unit tests/.test(l)), console);
});

test('a matrix stage skipped for an earlier failure: its cells and their stages are skipped, named as Jenkins names cells', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  stages {
    stage('Build') { steps { error 'build broke' } }
    stage('Test') {
      matrix {
        axes { axis { name 'OS'; values 'linux', 'mac' } }
        stages {
          stage('compile') { steps { echo "compiling on \${OS}" } }
          stage('run') { steps { echo "running on \${OS}" } }
        }
      }
    }
  }
}`);
  assert.equal(state.result, 'FAILURE', console);
  for (const cell of ["Matrix - OS = 'linux'", "Matrix - OS = 'mac'"]) {
    const rec = stage(state, cell);
    assert.equal(rec.kind, 'matrix-cell');
    assert.equal(rec.status, 'skipped-failure');
    assert.ok(console.includes(`{ (Branch: ${cell})`), console);
    assert.ok(console.includes(`Stage "${cell}" skipped due to earlier failure(s)`), console);
    const inner = state.stages.filter((s) => s.parentId === rec.id);
    assert.deepEqual(inner.map((s) => [s.name, s.status]), [['compile', 'skipped-failure'], ['run', 'skipped-failure']]);
  }
  assert.equal(all(state, 'compile').length, 2);
  assert.ok(!userLines(console).some((l) => /compiling|running on/.test(l)), console);
});

test('a stage skipped by its when: its sequential stages are skipped for the when, each saying so', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Release') {
      when { expression { return false } }
      stages {
        stage('Tag') { steps { echo 'tagging' } }
        stage('Publish') {
          stages { stage('Upload') { steps { echo 'uploading' } } }
        }
      }
    }
    stage('After') { steps { echo 'after ran' } }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  for (const name of ['Release', 'Tag', 'Publish', 'Upload']) {
    assert.equal(stage(state, name).status, 'skipped-when', name);
    assert.ok(console.includes(`Stage "${name}" skipped due to when conditional`), name);
  }
  assert.equal(stage(state, 'Upload').parentId, stage(state, 'Publish').id);
  assert.match(console, /\[Pipeline\] \{ \(Publish\)\nStage "Publish" skipped due to when conditional\n\[Pipeline\] \{ \(Upload\)\nStage "Upload" skipped due to when conditional\n\[Pipeline\] \}\n\[Pipeline\] \}/);
  const lines = userLines(console);
  assert.ok(!lines.includes('tagging') && !lines.includes('uploading'), console);
  assert.ok(lines.includes('after ran'), console);
});

test("a matrix cell skipped by the matrix's when: the cell's stages are skipped for the when, the other cell runs", async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  stages {
    stage('M') {
      matrix {
        axes { axis { name 'V'; values 'A', 'B' } }
        when { environment name: 'V', value: 'A' }
        stages { stage('One') { steps { echo "one in \${V}" } } }
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  const b = stage(state, "Matrix - V = 'B'");
  assert.equal(b.status, 'skipped-when');
  const ones = all(state, 'One');
  assert.deepEqual(ones.map((s) => [s.parentId === b.id, s.status]).sort(), [[false, 'success'], [true, 'skipped-when']]);
  assert.ok(console.includes(`[Matrix - V = 'B'] Stage "One" skipped due to when conditional`), console);
  assert.match(console, /^\[Matrix - V = 'A'\] one in A$/m);
  assert.doesNotMatch(console, /one in B/);
});

test('skipStagesAfterUnstable: the nested stages of a skipped stage carry the unstable message', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  options { skipStagesAfterUnstable() }
  stages {
    stage('Flaky') { steps { unstable 'some tests failed' } }
    stage('Deploy') {
      parallel {
        stage('EU') { steps { echo 'deploying eu' } }
      }
    }
  }
}`);
  assert.equal(state.result, 'UNSTABLE', console);
  assert.equal(stage(state, 'EU').status, 'skipped-failure');
  assert.equal(stage(state, 'EU').message, 'Stage "EU" skipped due to earlier stage(s) marking the build as unstable');
  assert.ok(!userLines(console).includes('deploying eu'), console);
});

test('a stage that runs its nested stages records each once (no skipped copies)', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Outer') {
      parallel {
        stage('X') { steps { echo 'x ran' } }
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.deepEqual(all(state, 'X').map((s) => s.status), ['success']);
  assert.ok(!console.includes('skipped due to'), console);
});
