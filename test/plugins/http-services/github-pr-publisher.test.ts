// The GitHub Integration plugin's githubPRStatusPublisher (GitHubPRBuildStatusPublisher), through
// `kiln run` (the real CLI), against a real HTTP server in this process answering as GitHub's REST
// API documents it (Bearer token; POST /repos/{o}/{r}/statuses/{sha}; POST
// /repos/{o}/{r}/issues/{n}/comments; 401 "Bad credentials", 422 validation errors): the state from
// the build's result (error while it has none yet, as the plugin) and unstableAs, the message's ${VARS}, the comment when the status cannot be set,
// and the errorHandler's result.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startService, type TestService } from './service-helper.ts';

const services: TestService[] = [];
after(async () => { await Promise.all(services.map((s) => s.close())); });

const SHA = '89abcdef0123456789abcdef0123456789abcdef';
const CREDS = { 'gh-token': { type: 'secretText', secret: 'ghp_publisher_token_9' } };

function project(jenkinsfile: string): string {
  const dir = tempDir('gh-pr-publisher');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  return dir;
}

/** A GitHub for acme/shop: statuses refused with 422 when `refuse`, comments on pull request 12 taken. */
async function github(o: { refuse?: boolean } = {}): Promise<TestService> {
  const s = await startService((r) => {
    if (r.headers.authorization !== 'Bearer ghp_publisher_token_9') return { status: 401, json: { message: 'Bad credentials' } };
    if (r.method === 'POST' && r.path === `/repos/acme/shop/statuses/${SHA}`) {
      return o.refuse ? { status: 422, json: { message: 'Validation Failed', errors: [{ resource: 'Status', code: 'custom', message: 'This SHA and context has reached the maximum number of statuses.' }] } } : { status: 201, json: { id: 1 } };
    }
    if (r.method === 'POST' && r.path === '/repos/acme/shop/issues/12/comments') return { status: 201, json: { id: 7 } };
    return { status: 404, json: { message: 'Not Found' } };
  });
  services.push(s);
  return s;
}

const run = (dir: string, api: string) => runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], {
  cwd: dir, env: { KILN_SLACK_CREDENTIAL: '', KILN_GITLAB_CREDENTIAL: '', KILN_GITLAB_CONNECTIONS: '', KILN_SONAR_SERVERS: '', KILN_GITHUB_API_URL: api, KILN_GITHUB_CREDENTIAL: 'gh-token' },
});
const prEnv = `withEnv(['GIT_URL=https://github.com/acme/shop.git', 'GITHUB_PR_HEAD_SHA=${SHA}', 'GITHUB_PR_NUMBER=12', 'GITHUB_PR_COND_REF=pr/12', 'BUILD_URL=http://kiln.example/job/shop/1/'])`;

test('githubPRStatusPublisher: error while the build has no result yet (never success for a running build), success once set, then unstable as unstableAs says (and FAILURE by default), allowRunOnStatus skipping, with the status message expanded', async () => {
  const gh = await github();
  const r = await run(project(`
node { ${prEnv} {
  githubPRStatusPublisher(statusMsg: githubPRMessage('\${GITHUB_PR_COND_REF} still running'))
  githubPRStatusPublisher(statusVerifier: allowRunOnStatus('SUCCESS'))
  currentBuild.result = 'SUCCESS'
  githubPRStatusPublisher(statusMsg: githubPRMessage('\${GITHUB_PR_COND_REF} build \${BUILD_NUMBER} done'), unstableAs: 'ERROR')
  unstable 'flaky'
  githubPRStatusPublisher(statusMsg: githubPRMessage('\${GITHUB_PR_COND_REF} done'), unstableAs: 'ERROR')
  githubPRStatusPublisher()
  githubPRStatusPublisher(statusVerifier: allowRunOnStatus('SUCCESS'))
} }`), gh.url);
  assert.equal(r.code, 3, r.stdout + r.stderr); // UNSTABLE
  assert.deepEqual(gh.received.map((x) => [x.path, x.json]), [
    [`/repos/acme/shop/statuses/${SHA}`, { state: 'error', target_url: 'http://kiln.example/job/shop/1/', description: 'pr/12 still running', context: 'shop' }],
    [`/repos/acme/shop/statuses/${SHA}`, { state: 'success', target_url: 'http://kiln.example/job/shop/1/', description: 'pr/12 build 1 done', context: 'shop' }],
    [`/repos/acme/shop/statuses/${SHA}`, { state: 'error', target_url: 'http://kiln.example/job/shop/1/', description: 'pr/12 done', context: 'shop' }],
    [`/repos/acme/shop/statuses/${SHA}`, { state: 'failure', target_url: 'http://kiln.example/job/shop/1/', description: 'pr/12 run ended', context: 'shop' }],
  ]);
  assert.match(r.stdout, /^githubPRStatusPublisher: the build has no result yet \(it is still running\), so the status is ERROR/m);
  assert.match(r.stdout, /^githubPRStatusPublisher: no status set: allowRunOnStatus\('SUCCESS'\) needs the build's result, and the build has none yet/m);
  assert.ok(!r.stdout.includes('ghp_publisher_token_9'));
});

test("githubPRStatusPublisher in a declarative post: a failed stage's FAILURE is the build's result there; a successful build's post without a result posts error", async () => {
  const gh = await github();
  const failed = await run(project(`
pipeline {
  agent any
  stages { stage('build') { steps { error 'compile broke' } } }
  post { failure { ${prEnv} { githubPRStatusPublisher() } } }
}`), gh.url);
  assert.equal(failed.code, 1, failed.stdout + failed.stderr);
  const ok = await run(project(`
pipeline {
  agent any
  stages { stage('build') { steps { echo 'built' } } }
  post { always { ${prEnv} { githubPRStatusPublisher() } } }
}`), gh.url);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.deepEqual(gh.received.map((x) => (x.json as { state: string }).state), ['failure', 'error']);
});

test("githubPRStatusPublisher refused: the buildMessage's comment on the pull request, and the errorHandler's result", async () => {
  const gh = await github({ refuse: true });
  const r = await run(project(`
pipeline {
  agent any
  stages { stage('build') { steps { echo 'built' } } }
  post { always { ${prEnv} {
    script { currentBuild.result = currentBuild.currentResult }
    githubPRStatusPublisher(buildMessage: message(failureMsg: githubPRMessage('Build failed'), successMsg: githubPRMessage('Build #\${BUILD_NUMBER} passed')),
      statusMsg: githubPRMessage('\${GITHUB_PR_COND_REF} run ended'), unstableAs: 'FAILURE', errorHandler: statusOnPublisherError('UNSTABLE'))
  } } }
}`), gh.url);
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /^Adding comment\.\.\.$/m);
  assert.deepEqual(gh.received.map((x) => [x.path, x.json]).slice(1), [['/repos/acme/shop/issues/12/comments', { body: 'Build #1 passed' }]]);
  assert.match(r.stdout, /Finished: UNSTABLE/);

  const plain = await run(project(`node { ${prEnv} { githubPRStatusPublisher(errorHandler: statusOnPublisherError('FAILURE')); echo 'went on' } }`), gh.url);
  assert.equal(plain.code, 1, plain.stdout + plain.stderr);
  assert.match(plain.stdout, /^Could not update commit status of the Pull Request on GitHub\. GitHub refused the status: HTTP 422: Validation Failed$/m);
  assert.match(plain.stdout, /^went on$/m);
  assert.match(plain.stdout, /Finished: FAILURE/);
});

test("step([$class: 'GitHubPRBuildStatusPublisher', ...]): the same publisher, its messages as [content: ...] maps", async () => {
  const gh = await github();
  const r = await run(project(`node { ${prEnv} {
  currentBuild.result = 'SUCCESS'
  step([$class: 'GitHubPRBuildStatusPublisher', statusMsg: [content: '\${GITHUB_PR_COND_REF} checked'], unstableAs: 'FAILURE',
        errorHandler: [$class: 'PublisherErrorHandler', buildStatus: 'UNSTABLE']])
} }`), gh.url);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(gh.received.map((x) => (x.json as { state: string; description: string })), [{ state: 'success', target_url: 'http://kiln.example/job/shop/1/', description: 'pr/12 checked', context: 'shop' }]);
});
