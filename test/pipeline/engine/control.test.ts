import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline, start, stage } from './harness.ts';
import { isProcessAlive } from '../../../src/exec/process-tree.ts';

function pidsIn(file: string): number[] {
  return readFileSync(file, 'utf8').split(/\s+/).filter(Boolean).map(Number);
}

async function until(cond: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('abort kills the running process tree, runs post (aborted), and ends ABORTED', async () => {
  const h = await start(`
pipeline {
  agent any
  stages {
    stage('Long') { steps { sh 'sleep 300 & echo $! > pids; sh -c "sleep 300" & echo $! >> pids; echo $$ >> pids; echo started; wait' } }
    stage('Next') { steps { echo 'never' } }
  }
  post { aborted { echo 'post aborted ran' } always { echo 'post always ran' } }
}`);
  await until(() => h.console().includes('started'), 'the script to start');
  const pids = pidsIn(path.join(h.workspace, 'pids'));
  assert.equal(pids.length, 3);
  h.run.abort();
  const state = await h.done;
  assert.equal(state.result, 'ABORTED');
  assert.equal(stage(state, 'Long').status, 'aborted');
  assert.equal(stage(state, 'Next').status, 'skipped-failure');
  assert.match(h.console(), /post aborted ran/);
  assert.match(h.console(), /post always ran/);
  for (const pid of pids) assert.equal(await isProcessAlive(pid), false, `process ${pid} still alive`);
});

test('the timeout step aborts its block and the build ends ABORTED; catchError can absorb it', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('T') { steps { timeout(time: 300, unit: 'MILLISECONDS') { sh 'sleep 30' } } }
  }
}`);
  assert.equal(state.result, 'ABORTED');
  assert.match(console, /Timeout has been exceeded/);
  const caught = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('T') { steps { catchError(buildResult: 'SUCCESS', stageResult: 'UNSTABLE') { timeout(time: 200, unit: 'MILLISECONDS') { sh 'sleep 30' } } } }
    stage('After') { steps { echo 'after timeout' } }
  }
}`);
  assert.equal(caught.state.result, 'SUCCESS', caught.console);
  assert.equal(stage(caught.state, 'T').status, 'unstable');
  assert.match(caught.console, /after timeout/);
});

test('stage timeout and pipeline timeout options abort what runs inside', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  options { timeout(time: 1, unit: 'HOURS') }
  stages {
    stage('Slow') { options { timeout(time: 300, unit: 'MILLISECONDS') } steps { sh 'sleep 30' } }
  }
  post { always { echo 'post after timeout' } }
}`);
  assert.equal(state.result, 'ABORTED');
  assert.equal(stage(state, 'Slow').status, 'aborted');
  assert.match(console, /post after timeout/);
});

test('stage retry option runs the stage again', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Flaky') {
      options { retry(3) }
      steps { sh 'n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; [ $n -ge 3 ]' }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(stage(state, 'Flaky').status, 'success');
  assert.equal((console.match(/Retrying/g) ?? []).length, 2);
});

test('input in a stage waits for an answer; approval passes parameters into the stage env', async () => {
  const h = await start(`
pipeline {
  agent any
  stages {
    stage('Deploy') {
      input { message 'Ship it?'; ok 'Ship'; submitter 'alice'; submitterParameter 'APPROVER'; parameters { string(name: 'TARGET', defaultValue: 'staging') } }
      steps { sh 'echo "deploying to $TARGET approved by $APPROVER"' }
    }
  }
}`, { onInput: (req, run) => {
    assert.equal(req.message, 'Ship it?');
    assert.equal(req.ok, 'Ship');
    assert.equal(req.submitter, 'alice');
    assert.equal(run.state.status, 'paused');
    setImmediate(() => run.answerInput(req.id, { approved: true, submitter: 'alice', values: { TARGET: 'prod' } }));
  } });
  const state = await h.done;
  assert.equal(state.result, 'SUCCESS', h.console());
  assert.match(h.console(), /^deploying to prod approved by alice$/m);
  assert.equal(h.inputs.length, 1);
});

test('a rejected input aborts the build', async () => {
  const h = await start(`
pipeline {
  agent any
  stages {
    stage('Gate') { steps { input message: 'Go?' } }
    stage('After') { steps { echo 'never' } }
  }
}`, { onInput: (req, run) => setImmediate(() => run.answerInput(req.id, { approved: false, submitter: 'bob' })) });
  const state = await h.done;
  assert.equal(state.result, 'ABORTED');
  // once: the input step prints nothing when rejected (InputStepExecution.doAbort), the build prints its cause of interruption
  assert.equal(h.console().match(/^Rejected by bob$/gm)?.length, 1, h.console());
  assert.ok(!h.console().includes('never'));
});

test('a rejected input caught by the script prints nothing; one left uncaught ends the build with its cause once', async () => {
  const h = await start(`
node {
  try { input message: 'First?' } catch (e) { echo "caught \${e.getClass().getName()}" }
  input message: 'Second?'
  echo 'never'
}`, { onInput: (req, run) => setImmediate(() => run.answerInput(req.id, { approved: false, submitter: 'bob' })) });
  const state = await h.done;
  assert.equal(state.result, 'ABORTED');
  assert.equal(h.console().match(/Rejected by bob/g)?.length, 1, h.console());
  assert.match(h.console(), /^caught org\.jenkinsci\.plugins\.workflow\.steps\.FlowInterruptedException$/m);
  assert.ok(h.console().indexOf('Rejected by bob') > h.console().indexOf('Second?'), h.console());
  assert.ok(!h.console().includes('never'));
});

test('aborting while an input waits ends the wait', async () => {
  const h = await start(`
pipeline {
  agent any
  stages { stage('Gate') { steps { input 'Wait forever?' } } }
}`, { onInput: (_req, run) => setImmediate(() => run.abort()) });
  const state = await h.done;
  assert.equal(state.result, 'ABORTED');
  assert.equal(h.run.pendingInputs().length, 0);
});

test('timeout with activity: true counts silence, not total time', async () => {
  const busy = await runPipeline(`
pipeline {
  agent any
  stages { stage('T') { steps { timeout(time: 1, unit: 'SECONDS', activity: true) { sh 'for i in 1 2 3 4 5; do echo tick; sleep 0.4; done' } } } }
}`);
  assert.equal(busy.state.result, 'SUCCESS', busy.console);
  const quiet = await runPipeline(`
pipeline {
  agent any
  stages { stage('T') { steps { timeout(time: 300, unit: 'MILLISECONDS', activity: true) { sh 'echo once; sleep 30' } } } }
}`);
  assert.equal(quiet.state.result, 'ABORTED');
  assert.match(quiet.console, /Timeout: no output for 0\.3 sec/);
});
