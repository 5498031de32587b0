// Block steps used as `options {}` (Jenkins' wrappers) where a case needs what the runnable
// corpus cannot give: a credential bound by `options { withCredentials(...) }` around the whole
// pipeline and around one stage, its value masked in the console and gone after the stage.
// The order of wrappers against timeout/retry is in the corpus (run/decl-wrapper-*.groovy); the
// timeout and retry options' own block lines (which the corpus strips) are here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline, userLines } from './harness.ts';

const credentials = {
  tok: { id: 'tok', type: 'secretText' as const, secret: 'tok-123456' },
  db: { id: 'db', type: 'usernamePassword' as const, username: 'app', password: 'dbpass-xyz' },
};

test('options { withCredentials } binds the secret around the pipeline and a stage, masked in the console', async () => {
  const src = `
pipeline {
  agent any
  options {
    withCredentials([string(credentialsId: 'tok', variable: 'TOKEN')])
  }
  stages {
    stage('db') {
      options { withCredentials([usernamePassword(credentialsId: 'db', usernameVariable: 'U', passwordVariable: 'P')]) }
      steps {
        sh 'echo "token=$TOKEN user=$U pass=$P"'
      }
    }
    stage('after') {
      steps {
        echo "P is \${env.P}, token length \${env.TOKEN.length()}"
      }
    }
  }
}`;
  const { state, console } = await runPipeline(src, { credentials });
  const lines = userLines(console);
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(lines.includes('token=**** user=app pass=****'), console);
  assert.ok(lines.includes('P is null, token length 10'), console);
  assert.ok(!console.includes('tok-123456') && !console.includes('dbpass-xyz'), console);
});

test('options { withCredentials } with an unknown credential fails the build at the option', async () => {
  const src = `
pipeline {
  agent any
  options { withCredentials([string(credentialsId: 'nope', variable: 'T')]) }
  stages { stage('a') { steps { echo 'never' } } }
}`;
  const { state, console } = await runPipeline(src, { credentials });
  assert.equal(state.result, 'FAILURE', console);
  assert.ok(!userLines(console).includes('never'), console);
  assert.match(console, /nope/);
});

test('pipeline-level wrappers run inside the agent, as Jenkins: a secret file is there for the stages and post (on the one node)', async () => {
  const src = `
pipeline {
  agent any
  options {
    withCredentials([file(credentialsId: 'kube', variable: 'KUBECONFIG')])
    retry(2)
  }
  stages {
    stage('use') {
      steps {
        sh 'test -f "$KUBECONFIG" && echo file-present'
      }
    }
  }
  post {
    always {
      sh 'test -f "$KUBECONFIG" && echo still-inside'
    }
  }
}`;
  const { state, console } = await runPipeline(src, {
    credentials: { kube: { id: 'kube', type: 'secretFile' as const, fileName: 'config', content: Buffer.from('kube-secret-content') } },
  });
  assert.equal(state.result, 'SUCCESS', console);
  const lines = userLines(console);
  assert.ok(lines.includes('file-present'), console);
  assert.ok(lines.includes('still-inside'), console);
  assert.equal(lines.filter((l) => l.startsWith('Running on')).length, 1, console);
});

test('options { timeout } and { retry } show the timeout and retry steps\' block lines, as Jenkins\' options tests assert', async () => {
  const src = `
pipeline {
  agent any
  options { retry(2) }
  stages {
    stage('foo') {
      options { timeout(time: 1, unit: 'MINUTES') }
      steps { echo 'hello' }
    }
  }
}`;
  const { state, console } = await runPipeline(src);
  assert.equal(state.result, 'SUCCESS', console);
  const shown = console.split('\n').filter((l) => /^\[Pipeline\] (\/\/ )?(retry|timeout|\{ \(foo\))|^Timeout set|^hello$/.test(l));
  assert.deepEqual(shown, ['[Pipeline] retry', '[Pipeline] { (foo)', '[Pipeline] timeout', 'Timeout set to expire in 1 min 0 sec', 'hello', '[Pipeline] // timeout', '[Pipeline] // retry'], console);
});
