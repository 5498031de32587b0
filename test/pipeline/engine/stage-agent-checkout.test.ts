// A stage's own agent that gets a node checks the build's SCM out there first, as Jenkins'
// declarative agents do (CheckoutScript): a `checkout` step inside the stage, no synthetic
// stage, unless options { skipDefaultCheckout } of the pipeline or of the stage (which wins)
// says not to; checkoutToSubdirectory of the pipeline applies. No SCM, no checkout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, stage, userLines } from './harness.ts';
import { libraryRepo } from '../../helpers/git-servers.ts';

function repo(name: string) {
  const r = libraryRepo({ 'README.md': 'from the repository\n' }, name);
  r.commit({ 'README.md': 'from the repository\n' }, 'first');
  return { url: r.bare, branch: 'main', credentialsId: null };
}

const countCheckouts = (console: string) => console.split('\n').filter((l) => /\[Pipeline\] checkout$/.test(l)).length;

test('agent none, a stage with agent any: the checkout runs in that stage, before its steps', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  stages {
    stage('build') {
      agent any
      steps { sh 'cat README.md' }
    }
  }
}`, { scm: repo('stage-agent-co') });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(userLines(console).includes('from the repository'), console);
  assert.match(console, /\[Pipeline\] \{ \(build\)\n\[Pipeline\] node\n(?:.*\n)*?\[Pipeline\] checkout\n/);
  assert.ok(!state.stages.some((s) => s.name === 'Declarative: Checkout SCM'), 'no synthetic stage for a stage agent');
  assert.equal(stage(state, 'build').status, 'success');
});

test('a stage agent on a second node of its own gets the checkout too; the pipeline-level one has its synthetic stage', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('outer') { steps { sh 'echo outer > marker.txt' } }
    stage('inner') {
      agent any
      steps { sh 'cat README.md; test ! -f marker.txt && echo "fresh workspace"' }
    }
  }
}`, { scm: repo('stage-agent-co2') });
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(countCheckouts(console), 2, console);
  assert.equal(state.stages.filter((s) => s.name === 'Declarative: Checkout SCM').length, 1);
  const lines = userLines(console);
  assert.ok(lines.includes('from the repository') && lines.includes('fresh workspace'), console);
});

test('skipDefaultCheckout: the pipeline\'s stops the stage agents\' checkout; a stage\'s own, when written, wins', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  options { skipDefaultCheckout() }
  stages {
    stage('skipped by the pipeline') {
      agent any
      steps { sh 'test ! -f README.md && echo "no checkout here"' }
    }
    stage('stage says check out') {
      agent any
      options { skipDefaultCheckout(false) }
      steps { sh 'cat README.md' }
    }
  }
}`, { scm: repo('stage-agent-co3') });
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(countCheckouts(console), 1, console);
  const lines = userLines(console);
  assert.ok(lines.includes('no checkout here') && lines.includes('from the repository'), console);

  const own = await runPipeline(`
pipeline {
  agent none
  stages {
    stage('own skip') {
      agent any
      options { skipDefaultCheckout() }
      steps { sh 'test ! -f README.md && echo "stage skipped it"' }
    }
  }
}`, { scm: repo('stage-agent-co4') });
  assert.equal(own.state.result, 'SUCCESS', own.console);
  assert.equal(countCheckouts(own.console), 0, own.console);
});

test("the pipeline's checkoutToSubdirectory applies to a stage agent's checkout", async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  options { checkoutToSubdirectory('src') }
  stages {
    stage('s') {
      agent any
      steps { sh 'cat src/README.md' }
    }
  }
}`, { scm: repo('stage-agent-co5') });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(userLines(console).includes('from the repository'), console);
});

test('no SCM (a Jenkinsfile not from a repository): a stage agent checks nothing out', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent none
  stages { stage('s') { agent any; steps { echo 'ran' } } }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(countCheckouts(console), 0, console);
});
