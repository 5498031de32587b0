// The Mask Passwords plugin under `kiln run` (real sh processes print the values): maskPasswords
// and wrap([$class: 'MaskPasswordsBuildWrapper']) mask the passwords and the regex matches as
// ******** and set the pairs' variables; hostile regexes and names are refused before the block
// runs; `kiln lint` knows the wrapper class. Also the masker's patterns on very long lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { SecretMasker, PATTERN_SPAN } from '../../../src/pipeline/engine/output.ts';
import { regexProblem } from '../../../src/plugins/mask-passwords/runtime.ts';

function project(jenkinsfile: string): string {
  const dir = tempDir('maskpw');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return dir;
}

test('maskPasswords and the wrapper class: passwords and regex matches print as ********, the vars are set', async () => {
  const dir = project(`node {
  maskPasswords(varPasswordPairs: [[var: 'DB_PW', password: 's3cr3t-pw'], [password: '   ']], varMaskRegexes: [[regex: 'tok-[0-9a-f]{8}'], [regex: '(?i)bearer [a-z]+']]) {
    sh 'echo "pw is $DB_PW"; echo "token tok-deadbeef and tok-12345678 here, tok-xyz stays"; echo "auth: BEARER Abcdef"; echo "len \${#DB_PW}"'
  }
  wrap([$class: 'MaskPasswordsBuildWrapper', varPasswordPairs: [[var: 'OTHER', password: 'other-secret-1']]]) {
    sh 'printf "%s\\\\n" "$OTHER"'
  }
}
`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /s3cr3t-pw|deadbeef|12345678|Abcdef|other-secret-1/);
  assert.match(r.stdout, /\npw is \*\*\*\*\*\*\*\*\n/);
  assert.match(r.stdout, /\ntoken \*\*\*\*\*\*\*\* and \*\*\*\*\*\*\*\* here, tok-xyz stays\n/);
  assert.match(r.stdout, /\nauth: \*\*\*\*\*\*\*\*\n/);
  assert.match(r.stdout, /\nlen 9\n/);
  assert.match(r.stdout, /\[Pipeline\] wrap\n[^]*\n\*\*\*\*\*\*\*\*\n/);
});

test('maskPasswords: regexes are Java regular expressions (\\Q..\\E, an inline flag mid-pattern, class intersection)', async () => {
  const dir = project(`node {
  maskPasswords(varMaskRegexes: [[regex: '\\\\Qv1.2*\\\\E'], [regex: 'user=(?i)ADMIN\\\\b'], [regex: '[a-z&&[^aeiou]]{3}-x']]) {
    sh 'echo "ver v1.2* and v1x2x"; echo "as user=admin now"; echo "bcd-x aei-x"'
  }
}
`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\nver \*{8} and v1x2x\n/);
  assert.match(r.stdout, /\nas \*{8} now\n/);
  assert.match(r.stdout, /\n\*{8} aei-x\n/);
});

test('maskPasswords as a declarative option wraps the whole run', async () => {
  const dir = project(`pipeline {
  agent any
  options { maskPasswords(varPasswordPairs: [[var: 'PW', password: 'hunter2-secret']]) }
  stages { stage('s') { steps { sh 'echo "pw=$PW"' } } }
}
`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\npw=\*\*\*\*\*\*\*\*\n/);
  assert.doesNotMatch(r.stdout, /hunter2-secret/);
});

test('maskPasswords refuses a regex that can backtrack exponentially, a bad regex and a bad variable name, before the block', async () => {
  for (const [args, msg] of [
    [`varMaskRegexes: [[regex: '(a+)+$']]`, /maskPasswords: varMaskRegexes\[0\]\.regex '\(a\+\)\+\$' is refused: the repeated part \(a\+\)\+ can match the same text in more than one way, so a failing match tries exponentially many/],
    [`varMaskRegexes: [[regex: '(x|xx)*y']]`, /is refused: the repeated part .* can match the same text in more than one way/],
    [`varMaskRegexes: [[regex: '(a)\\\\1']]`, /is refused: a backreference \(\\1\) makes the engine try every way/],
    [`varMaskRegexes: [[regex: 'a[']]`, /varMaskRegexes\[0\]\.regex 'a\[' is not a valid Java regular expression: Unclosed character class near index 1/],
    [`varMaskRegexes: [[regex: 'x(?<n>a'], [regex: '']]`, /varMaskRegexes\[0\]\.regex 'x\(\?<n>a' is not a valid Java regular expression: Unclosed group near index 7/],
    [`varMaskRegexes: [[regex: '\\\\Gtok']]`, /varMaskRegexes\[0\]\.regex '\\Gtok' cannot be run by Kiln: .*\\G/],
    [`varPasswordPairs: [[var: 'A;touch /tmp/x', password: 'p']]`, /varPasswordPairs\[0\]\.var 'A;touch \/tmp\/x' is not a valid environment variable name/],
  ] as const) {
    const dir = project(`node { maskPasswords(${args}) { echo 'never' } }\n`);
    const r = await runKiln(['run'], { cwd: dir });
    assert.match(r.stdout, msg, r.stdout);
    assert.doesNotMatch(r.stdout, /never/);
    assert.match(r.stdout, /Finished: FAILURE\n/);
  }
});

test('kiln lint: the wrapper class is known, an unknown wrapper class stays an error', async () => {
  const dir = project(`node { wrap([$class: 'MaskPasswordsBuildWrapper', varPasswordPairs: []]) { echo 'x' } }\n`);
  const ok = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node { wrap([$class: 'NoSuchBuildWrapper']) { echo 'x' } }\n`);
  const bad = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /no known implementation of class jenkins\.tasks\.SimpleBuildWrapper is named NoSuchBuildWrapper/);
});

test('the masker: patterns per line, in bounded pieces of a long line; literal secrets keep their own mask', () => {
  const m = new SecretMasker();
  m.add('plain-secret');
  m.add('mp-secret', Buffer.from('********'));
  m.addPattern(/^id=\d+$/, '********');
  const out = m.maskText('a plain-secret b mp-secret\nid=42\nx id=42\n');
  assert.equal(out, 'a **** b ********\n********\nx id=42\n');
  const long = `${'x'.repeat(PATTERN_SPAN * 3)}\n`;
  const m2 = new SecretMasker();
  m2.addPattern(/x/, '#');
  assert.equal(m2.maskText(long), `${'#'.repeat(PATTERN_SPAN * 3)}\n`);
  assert.equal(regexProblem('tok-[0-9a-f]{8}'), null);
  assert.equal(regexProblem('(?:ab)+c'), null);
  assert.match(regexProblem('((a)*)*') ?? '', /can match the same text in more than one way/);
  assert.match(regexProblem('x'.repeat(600)) ?? '', /longer than 512/);
});
