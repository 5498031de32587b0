import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { runPipeline, stage } from './harness.ts';

// Each branch waits for a file the other branch writes: this can only finish if both run at
// the same time (a sequential engine would wait forever and hit the stage timeout).
test('parallel branches really run at the same time', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Both') {
      options { timeout(time: 20, unit: 'SECONDS') }
      parallel {
        stage('Left')  { steps { sh 'touch left.ready; while [ ! -f right.ready ]; do sleep 0.05; done; echo left done' } }
        stage('Right') { steps { sh 'touch right.ready; while [ ! -f left.ready ]; do sleep 0.05; done; echo right done' } }
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(stage(state, 'Left').kind, 'parallel');
  assert.equal(stage(state, 'Left').parentId, stage(state, 'Both').id);
  assert.match(console, /^\[Left\] left done$/m, 'branch lines carry the branch name');
  assert.match(console, /^\[Right\] right done$/m);
});

test('without failFast a failing branch lets the others finish; the build fails', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('P') {
      parallel {
        stage('Bad') { steps { error 'bad branch' } }
        stage('Good') { steps { sh 'sleep 0.3; echo good finished' } }
      }
    }
  }
}`);
  assert.equal(state.result, 'FAILURE');
  assert.equal(stage(state, 'Bad').status, 'failure');
  assert.equal(stage(state, 'Good').status, 'success');
  assert.equal(stage(state, 'P').status, 'failure');
  assert.match(console, /good finished/);
});

test('failFast aborts the other branches (their processes die) as soon as one fails', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('P') {
      failFast true
      parallel {
        stage('Bad') { steps { sh 'sleep 0.2; exit 1' } }
        stage('Slow') { steps { sh 'echo slow started; sleep 60; echo slow finished' } }
      }
    }
  }
}`);
  assert.equal(state.result, 'FAILURE');
  assert.equal(stage(state, 'Bad').status, 'failure');
  assert.equal(stage(state, 'Slow').status, 'aborted');
  assert.match(console, /slow started/);
  assert.ok(!console.includes('slow finished'));
  assert.ok((state.endedAt ?? 0) - state.startedAt < 30_000, 'the sleeping branch was killed, not waited for');
});

test('parallelsAlwaysFailFast applies failFast to every parallel', async () => {
  const { state } = await runPipeline(`
pipeline {
  agent any
  options { parallelsAlwaysFailFast() }
  stages {
    stage('P') {
      parallel {
        stage('Bad') { steps { error 'x' } }
        stage('Slow') { steps { sh 'sleep 60' } }
      }
    }
  }
}`);
  assert.equal(stage(state, 'Slow').status, 'aborted');
});

test('matrix: every combination minus excludes, named like Jenkins, axis values in env', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Test') {
      matrix {
        axes {
          axis { name 'OS'; values 'linux', 'mac' }
          axis { name 'NODE'; values '20', '22' }
        }
        excludes {
          exclude { axis { name 'OS'; values 'mac' }; axis { name 'NODE'; values '20' } }
        }
        stages {
          stage('Run') { steps { sh 'echo "cell $OS/$NODE"' } }
        }
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  const cells = state.stages.filter((s) => s.kind === 'matrix-cell').map((s) => s.name).sort();
  assert.deepEqual(cells, ["Matrix - OS = 'linux', NODE = '20'", "Matrix - OS = 'linux', NODE = '22'", "Matrix - OS = 'mac', NODE = '22'"]);
  for (const c of ['linux/20', 'linux/22', 'mac/22']) assert.match(console, new RegExp(`cell ${c}$`, 'm'));
  assert.ok(!console.includes('cell mac/20'));
});

test('matrix notValues exclude and a per-cell when', async () => {
  const { state } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('M') {
      matrix {
        axes { axis { name 'A'; values 'x', 'y', 'z' } }
        excludes { exclude { axis { name 'A'; notValues 'x', 'y' } } }
        when { expression { env.A != 'y' } }
        stages { stage('S') { steps { echo "A=\${env.A}" } } }
      }
    }
  }
}`);
  const cells = Object.fromEntries(state.stages.filter((s) => s.kind === 'matrix-cell').map((s) => [s.name, s.status]));
  assert.deepEqual(cells, { "Matrix - A = 'x'": 'success', "Matrix - A = 'y'": 'skipped-when' });
});

test('matrix: excludes by values and notValues leave out their cells; when skips a cell; axis values are env vars of the cell', async () => {
  const source = readFileSync(new URL('../../fixtures/jenkinsfiles/run/g15-matrix-cells.groovy', import.meta.url), 'utf8');
  const { state, console: log } = await runPipeline(source);
  assert.equal(state.result, 'SUCCESS');
  const cells = [...log.matchAll(/\{ \(Branch: Matrix - (OS = '\w+', JDK = '\d+')\)/g)].map((m) => m[1]);
  assert.deepEqual(cells, ["OS = 'linux', JDK = '11'", "OS = 'linux', JDK = '17'", "OS = 'mac', JDK = '17'", "OS = 'windows', JDK = '11'"]);
  assert.match(log, /Stage "Matrix - OS = 'windows', JDK = '11'" skipped due to when conditional/);
  const shells = [...log.matchAll(/^\[Matrix[^\]]*\] shell sees (\S+)$/gm)].map((m) => m[1]).sort();
  assert.deepEqual(shells, ['linux/11', 'linux/17', 'mac/17']);
});
