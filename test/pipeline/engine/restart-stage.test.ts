// Restart from Stage in the engine (RunOptions.restart): the top-level stages before the chosen
// one are skipped for the restart with Jenkins' console line and their own status, the chosen
// stage and the later ones run, post conditions see the restarted build's result, `when {
// isRestartedRun() }` holds only in a restarted build, and a stage that is not top-level fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, stage, userLines } from './harness.ts';

const PIPELINE = `
pipeline {
  agent any
  stages {
    stage('Build') { steps { echo 'building' } }
    stage('Test') {
      stages {
        stage('Unit') { steps { echo "unit with \${params.FLAVOUR}" } }
      }
    }
    stage('Deploy') {
      when { isRestartedRun() }
      steps { echo 'deploying again' }
    }
    stage('Fresh only') {
      when { not { isRestartedRun() } }
      steps { echo 'only in a fresh build' }
    }
  }
  post {
    success { echo 'post success ran' }
    failure { echo 'post failure ran' }
    always { echo "always: \${currentBuild.currentResult}" }
  }
}`;

test('a restarted run skips the top-level stages before the chosen one, runs it and the rest, and isRestartedRun holds', async () => {
  const { state, console } = await runPipeline(PIPELINE, { params: { FLAVOUR: 'mint' }, restart: { stage: 'Test', from: 4 } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(stage(state, 'Build').status, 'skipped-restart');
  assert.equal(stage(state, 'Build').result, 'NOT_BUILT');
  assert.equal(stage(state, 'Build').message, 'Stage "Build" skipped due to this build restarting at stage "Test"');
  assert.match(console, /\[Pipeline\] \{ \(Build\)\nStage "Build" skipped due to this build restarting at stage "Test"\n\[Pipeline\] \}/);
  const lines = userLines(console);
  assert.ok(!lines.includes('building'), console);
  assert.ok(lines.includes('unit with mint'), console);
  assert.equal(stage(state, 'Unit').status, 'success');
  assert.equal(stage(state, 'Deploy').status, 'success');
  assert.ok(lines.includes('deploying again'), console);
  assert.equal(stage(state, 'Fresh only').status, 'skipped-when');
  assert.ok(!lines.includes('only in a fresh build'), console);
  assert.ok(lines.includes('post success ran') && lines.includes('always: SUCCESS') && !lines.includes('post failure ran'), console);
  assert.deepEqual(state.declarativeStages, ['Build', 'Test', 'Deploy', 'Fresh only']);
});

test('a fresh run: nothing skipped for restart, isRestartedRun is false', async () => {
  const { state, console } = await runPipeline(PIPELINE, { params: { FLAVOUR: 'mint' } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(!state.stages.some((s) => s.status === 'skipped-restart'));
  const lines = userLines(console);
  assert.ok(lines.includes('building') && lines.includes('only in a fresh build') && !lines.includes('deploying again'), console);
  assert.equal(stage(state, 'Deploy').status, 'skipped-when');
});

test('restarting at the first stage skips nothing; the post of a restarted build that fails runs failure', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('One') { steps { echo 'one' } }
    stage('Two') { steps { error 'two broke' } }
  }
  post { failure { echo 'post failure ran' } }
}`, { restart: { stage: 'One', from: 1 } });
  assert.equal(state.result, 'FAILURE');
  assert.ok(!state.stages.some((s) => s.status === 'skipped-restart'));
  assert.ok(userLines(console).includes('one') && userLines(console).includes('post failure ran'), console);
});

test('restarting at a stage that is not a top-level stage fails the build with Jenkins\' message', async () => {
  const { state, console } = await runPipeline(PIPELINE, { restart: { stage: 'Unit', from: 7 } });
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /Stage Unit is not present in the top-level stages for .* #7, so cannot be restarted\./);
  assert.ok(!userLines(console).includes('building'));
});

test('a scripted pipeline records no declarative stages', async () => {
  const { state } = await runPipeline(`node { stage('S') { echo 'x' } }`);
  assert.equal(state.result, 'SUCCESS');
  assert.equal(state.declarativeStages, undefined);
});

test("a stage skipped for the restart runs neither its steps nor its post; the restarted stage's own post runs", async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Early') {
      steps { echo 'early steps' }
      post { always { echo 'early post' } }
    }
    stage('Late') {
      steps { echo 'late steps' }
      post { success { echo 'late post success' } }
    }
  }
  post { cleanup { echo 'pipeline cleanup' } }
}`, { restart: { stage: 'Late', from: 2 } });
  assert.equal(state.result, 'SUCCESS', console);
  const lines = userLines(console);
  assert.ok(!lines.includes('early steps') && !lines.includes('early post'), console);
  assert.ok(lines.includes('late steps') && lines.includes('late post success') && lines.includes('pipeline cleanup'), console);
  assert.ok(!state.stages.some((s) => s.kind === 'post' && s.parentId === stage(state, 'Early').id), 'no post record under the skipped stage');
});
