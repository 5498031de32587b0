// Secrets in the console, as a user sees them with real `sh` on the local backend: a
// multi-line secret is masked whole and line by line, and a secret that Groovy put into a
// step's arguments (interpolation) draws Jenkins' warning, once per step call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runPipeline } from './harness.ts';
import type { Credential } from '../../../src/core/credentials.ts';

const KEY = [
  '{',
  '  "type": "service_account",',
  '  "private_key_id": "0123456789abcdef",',
  '  "client_email": "robot@example.iam"',
  '}',
].join('\n');

const credentials: Record<string, Credential> = {
  sa: { id: 'sa', type: 'secretText', secret: KEY },
  tok: { id: 'tok', type: 'secretText', secret: 'tok-123456' },
  db: { id: 'db', type: 'usernamePassword', username: 'app', password: 'dbpass-xyz' },
};

function wrap(steps: string, env = ''): string {
  return `
pipeline {
  agent any
  ${env}
  stages {
    stage('S') {
      steps {
${steps}
      }
    }
  }
}`;
}

test('a multi-line secret is masked line by line: head -1, grep, indented; short lines like { are left alone', async () => {
  const { state, console } = await runPipeline(wrap(`
        withCredentials([string(credentialsId: 'sa', variable: 'SA')]) {
          sh 'echo "$SA" | head -2'
          sh 'echo "$SA" | grep client_email'
          sh 'echo "$SA" | sed "s/^ */    > /"'
          sh 'echo "whole: $SA" | tr "\\\\n" "|"; echo'
          sh 'echo "{ braces stay }"'
        }
`), { credentials });
  assert.equal(state.result, 'SUCCESS', console);
  for (const line of KEY.split('\n').slice(1, 4)) assert.ok(!console.includes(line.trim()), `"${line.trim()}" leaked:\n${console}`);
  assert.ok(!console.includes('0123456789abcdef'), console);
  // head -2: the first line is "{", too short to mask; the second is masked
  assert.match(console, /^\{\n {2}\*\*\*\*$/m);
  assert.match(console, /^ {2}\*\*\*\*$/m);
  assert.match(console, /^ {4}> \*\*\*\*$/m);
  assert.match(console, /^\{ braces stay \}$/m);
});

test('environment credentials() with a multi-line secret: masked line by line too', async () => {
  const { state, console } = await runPipeline(wrap(`
        sh 'echo "$SA" | sed -n 3p'
`, "environment { SA = credentials('sa') }"), { credentials });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(!console.includes('private_key_id'), console);
  assert.match(console, /^ {2}\*\*\*\*$/m);
});

const WARNING = /^Warning: A secret was passed to "sh" using Groovy String interpolation, which is insecure\.$/m;

test('Groovy interpolation of a withCredentials secret into sh draws the warning, naming the variables, once per call', async () => {
  const { state, console } = await runPipeline(wrap(`
        withCredentials([string(credentialsId: 'tok', variable: 'TOKEN'), usernamePassword(credentialsId: 'db', usernameVariable: 'U', passwordVariable: 'P')]) {
          sh "echo token=\${TOKEN} pass=\${P} again=\${env.TOKEN}"
          sh 'echo "from the environment: $TOKEN $P"'
          sh(script: "echo named \${env.P}", label: 'named')
          sh "echo user=\${U}"
        }
`), { credentials });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(!console.includes('tok-123456') && !console.includes('dbpass-xyz'), console);
  const warnings = console.split('\n').filter((l) => WARNING.test(l));
  assert.equal(warnings.length, 2, console);
  assert.match(console, /^\t\t Affected argument\(s\) used the following variable\(s\): \[P, TOKEN\]$/m);
  assert.match(console, /^\t\t Affected argument\(s\) used the following variable\(s\): \[P\]$/m);
  assert.match(console, /^\t\t See https:\/\/jenkins\.io\/redirect\/groovy-string-interpolation for details\.$/m);
  // withCredentials says which variables it masks, the username (public) not among them
  assert.match(console, /^\[Pipeline\] withCredentials\nMasking supported pattern matches of \$TOKEN or \$P$/m);
  // the warning comes right after the step's marker, before its output
  assert.match(console, /\[Pipeline\] sh\nWarning: A secret was passed to "sh"[^\n]*\n[^\n]*\[P, TOKEN\]\n[^\n]*\n\+ echo token=\*\*\*\* pass=\*\*\*\* again=\*\*\*\*\ntoken=\*\*\*\* pass=\*\*\*\* again=\*\*\*\*\n/);
  assert.match(console, /^from the environment: \*\*\*\* \*\*\*\*$/m);
  assert.match(console, /^user=app$/m);
});

test('environment { X = credentials() } interpolated by Groovy into sh draws the warning; single quotes do not', async () => {
  const { state, console } = await runPipeline(wrap(`
        sh "echo api=\${API} psw=\${DB_PSW} usr=\${DB_USR}"
        sh 'echo "api=$API psw=$DB_PSW"'
`, "environment { API = credentials('tok'); DB = credentials('db') }"), { credentials });
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(console.split('\n').filter((l) => WARNING.test(l)).length, 1, console);
  assert.match(console, /^\t\t Affected argument\(s\) used the following variable\(s\): \[API, DB_PSW\]$/m);
  assert.match(console, /^api=\*\*\*\* psw=\*\*\*\* usr=app$/m);
});
