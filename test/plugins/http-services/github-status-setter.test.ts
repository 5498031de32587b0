// step([$class: 'GitHubCommitStatusSetter', ...]) (the GitHub plugin's publisher) through
// `kiln run` (the real CLI) against a real HTTP server in this process that answers as GitHub's
// REST API documents: GET /repos/{o}/{r} (the repository, with html_url) and
// POST /repos/{o}/{r}/statuses/{sha}, a Bearer token, 401 "Bad credentials" otherwise.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startService, type Received, type TestService } from './service-helper.ts';

const SHA = 'abcdef0123456789abcdef0123456789abcdef01';
const CREDS = { 'gh-token': { type: 'secretText', secret: 'ghp_setter_token_1' }, 'gh-bad': { type: 'secretText', secret: 'ghp_wrong' } };

let gh: TestService;
after(async () => { await gh?.close(); });

function github(r: Received) {
  if (r.headers.authorization !== 'Bearer ghp_setter_token_1') return { status: 401, json: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
  if (r.method === 'GET' && r.path === '/repos/acme/shop') return { json: { id: 1, full_name: 'acme/shop', html_url: 'https://github.com/acme/shop' } };
  if (r.method === 'POST' && r.path === `/repos/acme/shop/statuses/${SHA}`) return { status: 201, json: { id: 9, state: (r.json as { state: string }).state } };
  return { status: 404, json: { message: 'Not Found' } };
}

async function run(jenkinsfile: string, cred = 'gh-token') {
  gh ??= await startService(github);
  const dir = tempDir('gh-setter');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  return runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_GITHUB_API_URL: gh.url, KILN_GITHUB_CREDENTIAL: cred, KILN_SLACK_CREDENTIAL: '', KILN_GITLAB_CREDENTIAL: '', KILN_SONAR_SERVERS: '' } });
}
const posts = () => gh.received.filter((r) => r.method === 'POST').map((r) => r.json);

test('every source given by hand: the status GitHub receives, and the line Jenkins prints', async () => {
  const r = await run(`
def setBuildStatus(String message, String state) {
  step([
    $class: 'GitHubCommitStatusSetter',
    reposSource: [$class: 'ManuallyEnteredRepositorySource', url: 'https://github.com/acme/shop'],
    contextSource: [$class: 'ManuallyEnteredCommitContextSource', context: 'ci/kiln/\${JOB_NAME}'],
    errorHandlers: [[$class: 'ChangingBuildStatusErrorHandler', result: 'UNSTABLE']],
    commitShaSource: [$class: 'ManuallyEnteredShaSource', sha: '${SHA}'],
    statusBackrefSource: [$class: 'ManuallyEnteredBackrefSource', backref: 'https://ci.example/shop/\${BUILD_NUMBER}'],
    statusResultSource: [$class: 'ConditionalStatusResultSource', results: [[$class: 'AnyBuildResult', message: message, state: state]]]
  ])
}
pipeline {
  agent none
  stages { stage('build') { steps { echo 'building' } } }
  post { success { setBuildStatus('Build #\${BUILD_NUMBER} passed', 'SUCCESS') } }
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^Setting commit status on GitHub for https://github\\.com/acme/shop/commit/${SHA}$`, 'm'));
  assert.deepEqual(posts().at(-1), { state: 'success', target_url: 'https://ci.example/shop/1', description: 'Build #1 passed', context: 'ci/kiln/shop' });
});

test('default sources: the checkout\'s repository and commit, the job name, and a state from the result so far', async () => {
  const n = posts().length;
  const r = await run(`
node {
  withEnv(['GIT_URL=git@github.com:acme/shop.git', 'GIT_COMMIT=${SHA}']) {
    step([$class: 'GitHubCommitStatusSetter'])
    step([$class: 'GitHubCommitStatusSetter', statusResultSource: [$class: 'ConditionalStatusResultSource', results: [
      [$class: 'BetterThanOrEqualBuildResult', result: 'SUCCESS', state: 'SUCCESS', message: 'good']]]])
    unstable 'tests failed'
    step([$class: 'org.jenkinsci.plugins.github.status.GitHubCommitStatusSetter'])
  }
}`);
  assert.equal(r.code, 3, r.stdout + r.stderr); // UNSTABLE
  const got = posts().slice(n) as { state: string; description: string; context: string }[];
  assert.equal(got.length, 3);
  // while the build is still SUCCESS Jenkins' run has no result: only "in progress" matches
  assert.deepEqual([got[0]!.state, got[0]!.description, got[0]!.context], ['pending', 'Build #1 in progress...', 'shop']);
  assert.deepEqual([got[1]!.state, got[1]!.description], ['pending', "Can't define which status to set"]);
  assert.equal(got[2]!.state, 'failure');
  assert.match(got[2]!.description, /^Build #1 found unstable in \d/);
});

test('a refused status: the error handler marks the build, ShallowAny ignores it, none fails the step', async () => {
  const base = `[$class: 'GitHubCommitStatusSetter', reposSource: [$class: 'ManuallyEnteredRepositorySource', url: 'https://github.com/acme/shop'], commitShaSource: [$class: 'ManuallyEnteredShaSource', sha: 'ffffffffffffffffffffffffffffffffffffffff']`;
  const changing = await run(`node { step(${base}, errorHandlers: [[$class: 'ChangingBuildStatusErrorHandler', result: 'UNSTABLE']]]); echo 'after' }`);
  assert.equal(changing.code, 3, changing.stdout + changing.stderr); // UNSTABLE
  assert.match(changing.stdout, /^ERROR: \[GitHub Commit Status Setter\] - HTTP 404: Not Found, setting build result to UNSTABLE$/m);
  assert.match(changing.stdout, /^after$/m);
  assert.match(changing.stdout, /Finished: UNSTABLE/);
  const shallow = await run(`node { step(${base}, errorHandlers: [[$class: 'ShallowAnyErrorHandler']]]) }`, 'gh-bad');
  assert.equal(shallow.code, 0, shallow.stdout + shallow.stderr);
  assert.match(shallow.stdout, /^GitHubCommitStatusSetter: cannot reach the repository acme\/shop on GitHub \(HTTP 401: Bad credentials\): no status set there$/m);
  assert.ok(!shallow.stdout.includes('ghp_wrong'));
  const none = await run(`node { step(${base}]); echo 'after' }`);
  assert.equal(none.code, 1, none.stdout + none.stderr);
  assert.match(none.stdout, /GitHubCommitStatusSetter: HTTP 404: Not Found/);
  assert.doesNotMatch(none.stdout, /^after$/m);
  const badSource = await run(`node { step([$class: 'GitHubCommitStatusSetter', reposSource: [$class: 'GitHubRepoSourceX']]) }`);
  assert.equal(badSource.code, 1);
  assert.match(badSource.stdout, /GitHubCommitStatusSetter: reposSource: no known implementation is named GitHubRepoSourceX \(ManuallyEnteredRepositorySource, AnyDefinedRepositorySource\)/);
});

test('lint: the class is known to step(); it is no step of its own name', async () => {
  const dir = tempDir('gh-setter-lint');
  writeFileSync(path.join(dir, 'ok.groovy'), "node { step([$class: 'GitHubCommitStatusSetter']) }\n");
  writeFileSync(path.join(dir, 'bad.groovy'), 'node { GitHubCommitStatusSetter() }\n');
  assert.equal((await runKiln(['lint', 'ok.groovy'], { cwd: dir })).code, 0);
  const bad = await runKiln(['lint', 'bad.groovy'], { cwd: dir });
  assert.equal(bad.code, 1);
  assert.match(bad.stdout + bad.stderr, /No such DSL method 'GitHubCommitStatusSetter'/);
});
