import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, stage } from './harness.ts';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';

test('scripted pipeline: node, stages, parallel, and results', async () => {
  const { state, console } = await runPipeline(`
node('linux') {
  stage('Build') {
    sh 'echo building on $NODE_NAME'
  }
  stage('Test') {
    def branches = [:]
    for (name in ['unit', 'lint']) {
      def n = name
      branches[n] = { sh "echo running \${n}" }
    }
    parallel branches
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^building on local$/m);
  assert.match(console, /^\[unit\] running unit$/m);
  assert.match(console, /^\[lint\] running lint$/m);
  assert.equal(stage(state, 'Build').kind, 'scripted');
  assert.equal(stage(state, 'unit').parentId, stage(state, 'Test').id);
});

test('scripted: a step that needs a node outside node {} fails with a clear message and position', async () => {
  const { state, console } = await runPipeline(`
stage('Outside') {
  sh 'echo hi'
}`);
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /Required context class hudson.FilePath is missing\nPerhaps you forgot to surround the code with a step that provides this, such as: node \(Jenkinsfile:3:3\)/);
  assert.equal(stage(state, 'Outside').status, 'failure');
});

test('scripted: try/catch/finally around a failing step, and error()', async () => {
  const { state, console } = await runPipeline(`
node {
  try {
    sh 'exit 2'
  } catch (e) {
    echo "caught: \${e.message}"
  } finally {
    echo 'finally ran'
  }
  error 'stop here'
}`);
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /^caught: script returned exit code 2$/m);
  assert.match(console, /^finally ran$/m);
  assert.match(console, /ERROR: stop here \(Jenkinsfile:10:3\)/);
});

test('podTemplate: node(POD_LABEL) asks the node provider for that pod (here one that has none says so)', async () => {
  const { state, console } = await runPipeline(`
podTemplate(yaml: '''
spec:
  containers:
  - name: maven
    image: maven:3
''') {
  node(POD_LABEL) { container('maven') { sh 'mvn -v' } }
}`);
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /ERROR: agent kubernetes is not available in this test \(Jenkinsfile:8:3\)/);
});

test("env.constructor, env.__proto__, env.hasOwnProperty are unset variables (null), not JavaScript's Object internals", async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  stages {
    stage('a') {
      when { environment name: 'constructor', value: 'function Object() { [native code] }' }
      steps { echo 'when saw Object' }
    }
    stage('b') {
      steps {
        script {
          echo "c=\${env.constructor} p=\${env.__proto__} h=\${env.hasOwnProperty} v=\${env.valueOf} g=\${env.getProperty('toString')} i=\${env['constructor']}"
        }
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^c=null p=null h=null v=null g=null i=null$/m);
  assert.doesNotMatch(console, /native code|object Object|when saw Object/);
  assert.equal(stage(state, 'a').status, 'skipped-when');
});

test('a symbol as a statement of its own (parameters { } pasted into a scripted node) does nothing, as in Jenkins: a lint warning, its block never runs, the build goes on', async () => {
  const source = `
node {
  parameters {
    choice(name: 'ENV', choices: ['a', 'b'])
    error('this block must never run')
  }
  parameters([string(name: 'Y')])
  def kept = logRotator(numToKeepStr: '3')
  echo "kept=\${kept != null}"
  echo 'after'
}`;
  const lint = loadPipeline(source, registry).diagnostics.map((d) => `${d.severity}: ${formatDiagnostic('J', d)}`);
  assert.ok(lint.every((l) => l.startsWith('warning')), lint.join('\n'));
  assert.match(lint.join('\n'), /J:3:3: warning: parameters\(\.\.\.\) is not a step: as a statement of its own it does nothing .*its block never runs/);
  const { state, console } = await runPipeline(source);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^kept=true$/m, 'a symbol whose value is used is still made');
  assert.match(console, /^after$/m);
  assert.doesNotMatch(console, /must never run/);
  // A bad symbol call whose value is used still fails as it did.
  const used = loadPipeline(`node { def p = parameters { echo 'x' } }`, registry).diagnostics.filter((d) => d.severity === 'error');
  assert.ok(used.length > 0, 'a symbol whose value is used is checked');
});
