// The GitLab plugin's pipeline steps (named connections, gitLabConnection, gitlabBuilds,
// gitlabCommitStatus(connection:), addGitLabMRComment, acceptGitLabMR) and the GitHub Integration
// plugin's setGitHubPullRequestStatus / gitHubPRStatus, through `kiln run` (the real CLI), against
// real HTTP servers in this process answering as GitLab's REST API v4 (PRIVATE-TOKEN; statuses,
// merge request notes and merge; 401/405 error bodies) and GitHub's (Bearer; statuses; 401 "Bad
// credentials") document. The merge request variables a GitLab hook would give the build (the
// controller's part: test/controller/webhooks-gitlab.test.ts) are given here with withEnv.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startService, type Handler, type TestService } from './service-helper.ts';

const services: TestService[] = [];
after(async () => { await Promise.all(services.map((s) => s.close())); });
async function service(h: Handler): Promise<TestService> {
  const s = await startService(h);
  services.push(s);
  return s;
}

const SHA = '0123456789abcdef0123456789abcdef01234567';
const CREDS = {
  'gl-a': { type: 'secretText', secret: 'glpat-aaaa-secret' },
  'gl-b': { type: 'secretText', secret: 'glpat-bbbb-secret' },
  'gl-job': { type: 'secretText', secret: 'glpat-job-secret' },
  'gh-token': { type: 'secretText', secret: 'ghp_pr_token_123' },
};
const TOKENS = Object.values(CREDS).map((c) => c.secret);

function project(jenkinsfile: string): string {
  const dir = tempDir('gitlab-steps');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  return dir;
}
const run = (dir: string, env: Record<string, string> = {}) => runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], {
  cwd: dir, env: { KILN_SLACK_CREDENTIAL: '', KILN_GITHUB_CREDENTIAL: '', KILN_GITLAB_CREDENTIAL: '', KILN_GITLAB_CONNECTIONS: '', KILN_SONAR_SERVERS: '', ...env },
});

/** A GitLab that takes statuses of group/shop and the notes and merge of merge request 7 of project 42, with `token`. */
const gitlab = (token: string, o: { mergeRefused?: boolean } = {}): Handler => (r) => {
  if (r.headers['private-token'] !== token) return { status: 401, json: { message: '401 Unauthorized' } };
  if (r.method === 'POST' && r.path === `/api/v4/projects/group%2Fshop/statuses/${SHA}`) return { status: 201, json: { id: 1 } };
  if (r.method === 'POST' && r.path === '/api/v4/projects/42/merge_requests/7/notes') return { status: 201, json: { id: 5 } };
  if (r.method === 'PUT' && r.path === '/api/v4/projects/42/merge_requests/7/merge') {
    return o.mergeRefused ? { status: 405, json: { message: '405 Method Not Allowed' } } : { status: 200, json: { iid: 7, state: 'merged' } };
  }
  return { status: 404, json: { message: '404 Not Found' } };
};
const states = (s: TestService) => s.received.filter((r) => r.path.includes('/statuses/')).map((r) => `${(r.json as { name: string }).name}=${(r.json as { state: string }).state}`);
const checkout = `withEnv(['GIT_URL=https://gitlab.example/group/shop.git', 'GIT_COMMIT=${SHA}'])`;

test("gitLabConnection picks the named connection; gitlabBuilds posts each status pending first, and the ones left pending failed when the block fails", async () => {
  const a = await service(gitlab('glpat-aaaa-secret'));
  const b = await service(gitlab('glpat-bbbb-secret'));
  const env = { KILN_GITLAB_CONNECTIONS: `first=${a.url}=gl-a,second=${b.url}=gl-b` };
  const ok = await run(project(`
pipeline {
  agent any
  // What a checkout sets (the options run after the agent's checkout, as in Jenkins).
  environment { GIT_URL = 'https://gitlab.example/group/shop.git'; GIT_COMMIT = '${SHA}' }
  options { gitLabConnection('second'); gitlabBuilds(builds: ['build', 'test', 'deploy']) }
  stages {
    stage('all') { steps {
      gitlabCommitStatus('build') { echo 'compiling' }
      gitlabCommitStatus(name: 'test') { echo 'testing' }
      gitlabCommitStatus(name: 'deploy', connection: gitLabConnection('first')) { echo 'deploying' }
    } }
  }
}`), env);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.deepEqual(states(b), ['build=pending', 'test=pending', 'deploy=pending', 'build=running', 'build=success', 'test=running', 'test=success']);
  assert.deepEqual(states(a), ['deploy=running', 'deploy=success']);
  assert.doesNotMatch(ok.stdout, /still pending/);

  b.received.length = 0;
  const failing = await run(project(`
properties([gitLabConnection('second')])
node { ${checkout} {
  gitlabBuilds(builds: ['build', 'test']) {
    gitlabCommitStatus('build') { echo 'compiling' }
    error 'tests broke'
  }
} }`), env);
  assert.equal(failing.code, 1, failing.stdout + failing.stderr);
  assert.deepEqual(states(b), ['build=pending', 'test=pending', 'build=running', 'build=success', 'test=failed']);
  assert.ok(TOKENS.every((t) => !failing.stdout.includes(t) && !ok.stdout.includes(t)));
});

test('no connection named so, several and none named, a status never sent: console lines, and the build goes on', async () => {
  const a = await service(gitlab('glpat-aaaa-secret'));
  const both = { KILN_GITLAB_CONNECTIONS: `first=${a.url}=gl-a,second=${a.url}=gl-b` };
  const r = await run(project(`
node { ${checkout} {
  gitlabBuilds(builds: 'build, never') { updateGitlabCommitStatus name: 'build', state: 'success' }
  echo 'after'
} }`), both);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Failed to update Gitlab commit status for project 'group\/shop': several GitLab connections are configured \(first, second\): name one with options \{ gitLabConnection\('name'\) \}$/m);
  assert.match(r.stdout, /^There are still pending GitLab builds\. Please check your configuration$/m);
  const unknown = await run(project(`properties([gitLabConnection('nope')])\nnode { ${checkout} { updateGitlabCommitStatus name: 'x', state: 'running' } }`), both);
  assert.equal(unknown.code, 0, unknown.stdout + unknown.stderr);
  assert.match(unknown.stdout, /^Failed to update Gitlab commit status for project 'group\/shop': no GitLab connection named 'nope' is configured \(there are: first, second; /m);
  assert.deepEqual(a.received, []);
  // The job's own credential instead of the connection's (useAlternativeCredential).
  const job = await service(gitlab('glpat-job-secret'));
  const alt = await run(project(`properties([gitLabConnection(gitLabConnection: 'corp', jobCredentialId: 'gl-job', useAlternativeCredential: true)])\nnode { ${checkout} { updateGitlabCommitStatus name: 'x', state: 'running' } }`), { KILN_GITLAB_CONNECTIONS: `corp=${job.url}=gl-a` });
  assert.equal(alt.code, 0, alt.stdout + alt.stderr);
  assert.deepEqual(states(job), ['x=running']);
});

test("addGitLabMRComment and acceptGitLabMR: the merge request's notes and merge endpoints; GitLab's refusal a console line; a build no merge request started says so", async () => {
  const gl = await service(gitlab('glpat-aaaa-secret'));
  const mrEnv = "withEnv(['gitlabMergeRequestIid=7', 'gitlabMergeRequestTargetProjectId=42', 'gitlabSourceBranch=feature/x', 'gitlabTargetBranch=main', 'gitlabMergeRequestTitle=Add x', 'gitlabMergeRequestDescription=Adds x.', 'gitlabTargetNamespace=group', 'gitlabTargetRepoName=shop'])";
  const r = await run(project(`
node { ${mrEnv} {
  addGitLabMRComment(comment: 'Build #' + env.BUILD_NUMBER + ' passed')
  acceptGitLabMR(useMRDescription: true, removeSourceBranch: true)
  acceptGitLabMR(mergeCommitMessage: 'Merged by Kiln')
} }`), { KILN_GITLAB_CONNECTIONS: `corp=${gl.url}=gl-a` });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(gl.received.map((x) => [x.method, x.path, x.json]), [
    ['POST', '/api/v4/projects/42/merge_requests/7/notes', { body: 'Build #1 passed' }],
    ['PUT', '/api/v4/projects/42/merge_requests/7/merge', { should_remove_source_branch: true, merge_commit_message: "Merge branch 'feature/x' into 'main'\n\nAdd x\n\nAdds x.\n\nSee merge request group/shop!7" }],
    ['PUT', '/api/v4/projects/42/merge_requests/7/merge', { should_remove_source_branch: false, merge_commit_message: 'Merged by Kiln' }],
  ]);
  assert.ok(gl.received.every((x) => x.headers['private-token'] === 'glpat-aaaa-secret'));

  const refused = await service(gitlab('glpat-aaaa-secret', { mergeRefused: true }));
  const no = await run(project(`node { ${mrEnv} { acceptGitLabMR() }; addGitLabMRComment(comment: 'x'); echo 'went on' }`), { KILN_GITLAB_CONNECTIONS: `corp=${refused.url}=gl-a` });
  assert.equal(no.code, 0, no.stdout + no.stderr);
  assert.match(no.stdout, /^Failed to accept merge request for project '42': HTTP 405: 405 Method Not Allowed$/m);
  assert.match(no.stdout, /^addGitLabMRComment: this build was not started by a GitLab merge request hook \(gitlabMergeRequestIid is not set\): no comment added$/m);
  assert.match(no.stdout, /^went on$/m);
  const none = await run(project(`node { ${mrEnv} { addGitLabMRComment(comment: 'x') } }`));
  assert.match(none.stdout, /^No GitLab connection configured$/m);
});

test('setGitHubPullRequestStatus and gitHubPRStatus post statuses on the head commit; a refusal fails the one and is a line for the other', async () => {
  const gh = await service((r) => {
    if (r.headers.authorization !== 'Bearer ghp_pr_token_123') return { status: 401, json: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' } };
    if (r.method === 'POST' && r.path === `/repos/acme/shop/statuses/${SHA}`) return { status: 201, json: { id: 1 } };
    return { status: 404, json: { message: 'Not Found' } };
  });
  const jf = (body: string) => project(`node { withEnv(['GIT_URL=git@github.com:acme/shop.git', 'GIT_COMMIT=${SHA}', 'GITHUB_PR_COND_REF=pr/12']) { ${body} } }`);
  const env = { KILN_GITHUB_API_URL: gh.url, KILN_GITHUB_CREDENTIAL: 'gh-token' };
  const r = await run(jf(`setGitHubPullRequestStatus(context: 'ci/kiln', message: 'Build passed', state: 'SUCCESS'); setGitHubPullRequestStatus(state: 'PENDING'); gitHubPRStatus githubPRMessage('\${GITHUB_PR_COND_REF} build \${BUILD_NUMBER} started'); gitHubPRStatus()`), env);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const pick = (j: unknown) => { const o = j as Record<string, string>; return [o.state, o.context, o.description ?? null]; };
  assert.deepEqual(gh.received.map((x) => pick(x.json)), [
    ['success', 'ci/kiln', 'Build passed'],
    ['pending', 'shop', null],
    ['pending', 'shop', 'pr/12 build 1 started'],
    ['pending', 'shop', 'pr/12 run started'],
  ]);
  assert.match(r.stdout, /^Setting pull request status ci\/kiln to SUCCESS with message: Build passed$/m);
  assert.match(r.stdout, /^ERROR: Unable to determine commit status context \(the check name\)\. Argument 'context' not provided and no default configured\. Using job name as fallback\.$/m);

  const bad = await run(jf(`gitHubPRStatus githubPRMessage('x'); echo 'went on'; setGitHubPullRequestStatus(context: 'c', state: 'FAILURE', message: 'm')`), { ...env, KILN_GITHUB_CREDENTIAL: 'gl-a' });
  assert.equal(bad.code, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /^Can't update build description$/m);
  assert.match(bad.stdout, /^went on$/m);
  assert.match(bad.stdout, /setGitHubPullRequestStatus: GitHub refused the status: HTTP 401: Bad credentials/);
  assert.ok(TOKENS.every((t) => !bad.stdout.includes(t) && !r.stdout.includes(t)));
});
