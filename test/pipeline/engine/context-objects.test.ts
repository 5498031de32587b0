// getContext(...) in a script where the corpus cannot show it: outside any node there is no
// workspace (Jenkins gives null), and a name that is not a class is refused at its line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, userLines } from './harness.ts';

test('getContext(hudson.FilePath) is null outside a node; the listener still prints', async () => {
  const src = `
pipeline {
  agent none
  stages {
    stage('a') {
      steps {
        script {
          echo "ws: \${getContext(hudson.FilePath)}"
          getContext(hudson.model.TaskListener).logger.println("size \${getContext(hudson.EnvVars).size() > 0}")
        }
      }
    }
  }
}`;
  const { state, console } = await runPipeline(src);
  assert.equal(state.result, 'SUCCESS', console);
  const lines = userLines(console);
  assert.ok(lines.includes('ws: null'), console);
  assert.ok(lines.includes('size true'), console);
});

test('getContext of a value that is not a class fails with a clear message', async () => {
  const src = `
node {
  def x = 'hudson.FilePath'
  getContext(x)
}`;
  const { state, console } = await runPipeline(src);
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /getContext expects a class \(getContext\(hudson\.FilePath\)\), got String/);
});
