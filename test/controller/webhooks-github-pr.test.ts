// The GitHub Integration plugin's pull-request trigger end to end (controller/github-pr-trigger.ts,
// webhooks.ts, plugins/checks/github-pr.ts): a real controller with a webhook secret, whose git
// job's Jenkinsfile, in a local bare repository, declares `triggers { githubPullRequests(...) }`;
// real signed webhook deliveries as GitHub sends them (X-GitHub-Event pull_request / issue_comment,
// X-Hub-Signature-256 over the exact body); a local HTTP server speaking GitHub's REST API
// (Bearer token, JSON) answers the pull request a comment names and receives the build's status,
// comment and labels. Also the attacker's view: unsigned and forged deliveries, a title full of
// shell and terminal metacharacters, a fork's pull request that changes the Jenkinsfile.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, finishedBuild, consoleText, testConfig, adminFetch } from '../helpers/controller.ts';
import { startService, type TestService } from '../plugins/http-services/service-helper.ts';

const SECRET = 'hook-secret-for-github-prs';
const TOKEN = 'ghp_kiln_test_token_1234';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();
}

const JENKINSFILE = `pipeline {
  agent any
  triggers {
    githubPullRequests(spec: '', triggerMode: 'HEAVY_HOOKS', abortRunning: true, cancelQueued: true, preStatus: true,
      branchRestriction: [targetBranch: 'main'],
      events: [Open(), commitChanged(), commentPattern(comment: '(?i)kiln (\\\\w+) please'), labelsAdded(label: githubLabels('ci'))])
  }
  stages {
    stage('Build') {
      steps {
        checkout scm
        sh 'printf "pr=%s src=%s tgt=%s head=%s ref=%s url=%s match=%s\\\\n" "$GITHUB_PR_NUMBER" "$GITHUB_PR_SOURCE_BRANCH" "$GITHUB_PR_TARGET_BRANCH" "$GITHUB_PR_HEAD_SHA" "$GITHUB_PR_COND_REF" "$GITHUB_PR_URL" "$GITHUB_PR_COMMENT_BODY_MATCH"; printf "title=%s\\\\n" "$GITHUB_PR_TITLE"; cat VERSION'
        sh 'if [ -f SLOW ]; then echo slow-build-waiting; while [ ! -f "$WORKSPACE/../never" ]; do sleep 1; done; fi'
        script {
          if (env.GITHUB_PR_NUMBER) {
            setGitHubPullRequestStatus(context: 'kiln', state: 'SUCCESS', message: 'built')
            githubPRComment comment: githubPRMessage('Build \${BUILD_NUMBER} \${BUILD_STATUS} of \${GITHUB_PR_SOURCE_BRANCH}')
            githubPRAddLabels labelProperty: githubLabels('tested')
            githubPRRemoveLabels labelProperty: githubLabels('needs-ci')
          }
        }
      }
    }
  }
}
`;

const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('githubPullRequests: signed pull_request and issue_comment deliveries build the pull request, and the build talks back to GitHub', () => {
  let c: ControllerHandle;
  let gh: TestService;
  let repo: string;
  let work: string;
  let headSha = '';
  const api = rawApi(() => c.url);
  const pr = (o: { number?: number; sha: string; head?: string; base?: string; title?: string; fork?: boolean; labels?: string[]; state?: string }) => ({
    number: o.number ?? 5, state: o.state ?? 'open', title: o.title ?? 'Add login', body: 'Adds the login page', html_url: `https://github.com/acme/app/pull/${o.number ?? 5}`,
    user: { login: o.fork ? 'eve' : 'octocat' }, mergeable: null, labels: (o.labels ?? []).map((name) => ({ name })),
    head: { ref: o.head ?? 'feature/login', sha: o.sha, repo: { full_name: o.fork ? 'eve/app' : 'acme/app', owner: { login: o.fork ? 'eve' : 'acme' } } },
    base: { ref: o.base ?? 'main', sha: '0'.repeat(40), repo: { full_name: 'acme/app', owner: { login: 'acme' } } },
  });
  const repository = () => ({ full_name: 'acme/app', clone_url: repo, html_url: 'https://github.com/acme/app' });
  const deliver = async (event: string, payload: unknown, signature: string | null | 'self' = 'self') => {
    const body = JSON.stringify(payload);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': 'd-1' };
    if (signature === 'self') headers['x-hub-signature-256'] = sign(body);
    else if (signature !== null) headers['x-hub-signature-256'] = signature;
    const res = await fetch(new URL('api/v1/webhooks/github', c.url), { method: 'POST', headers, body });
    const text = await res.text();
    let json: any = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  };
  const commit = (branch: string, version: string, extra: Record<string, string> = {}, jenkinsfile = JENKINSFILE) => {
    git(work, 'checkout', '-q', '-B', branch, 'main');
    writeFileSync(path.join(work, 'Jenkinsfile'), jenkinsfile);
    writeFileSync(path.join(work, 'VERSION'), `version-${version}\n`);
    for (const [f, t] of Object.entries(extra)) writeFileSync(path.join(work, f), t);
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', `${branch} ${version}`);
    git(work, 'push', '-q', '-f', 'origin', `HEAD:refs/heads/${branch}`);
    return git(work, 'rev-parse', 'HEAD');
  };

  before(async () => {
    gh = await startService((r) => {
      if (r.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, json: { message: 'Bad credentials' } };
      if (r.method === 'GET' && r.path === '/repos/acme/app/pulls/5') return { status: 200, json: pr({ sha: headSha }) };
      if (r.method === 'POST' && /^\/repos\/acme\/app\/statuses\/[0-9a-f]{40}$/.test(r.path)) return { status: 201, json: { id: 1, state: (r.json as { state: string }).state } };
      if (r.method === 'POST' && r.path === '/repos/acme/app/issues/5/comments') return { status: 201, json: { id: 7, body: (r.json as { body: string }).body } };
      if (r.method === 'POST' && r.path === '/repos/acme/app/issues/5/labels') return { status: 200, json: [{ name: 'tested' }] };
      if (r.method === 'DELETE' && r.path === '/repos/acme/app/issues/5/labels/needs-ci') return { status: 404, json: { message: 'Label does not exist' } };
      return { status: 404, json: { message: 'Not Found' } };
    });
    const dir = tempDir('wh-github-pr');
    repo = path.join(dir, 'app.git');
    work = path.join(dir, 'work');
    git(dir, 'init', '-q', '--bare', '-b', 'main', repo);
    git(dir, 'clone', '-q', repo, work);
    git(work, 'checkout', '-q', '-b', 'main');
    writeFileSync(path.join(work, 'Jenkinsfile'), JENKINSFILE);
    writeFileSync(path.join(work, 'VERSION'), 'version-1\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'main 1');
    git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '2' }, { KILN_WEBHOOK_SECRET: SECRET }), { log: () => undefined });
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'gh', type: 'secretText', secret: TOKEN })).status, 201);
    const put = await api('PUT', '/api/v1/settings/http-services', { github: { apiUrl: gh.url, credentialsId: 'gh' } });
    assert.equal(put.status, 200, put.text);
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'app', git: { url: repo, branch: 'main' } })).status, 201);
    // The job knows its trigger once a build has read the Jenkinsfile (as Jenkins).
    assert.equal((await api('POST', '/api/v1/jobs/app/builds', {})).status, 201);
    const b1 = await finishedBuild(c.url, 'app', 1);
    assert.equal(b1.result, 'SUCCESS', await consoleText(c.url, 'app', 1));
  });
  after(async () => {
    await c?.close();
    await gh?.close();
  });

  test('an opened pull request builds its head with the GITHUB_PR_* variables; status, comment and labels reach GitHub with the token; a hostile title stays data', async () => {
    headSha = commit('feature/login', '2');
    gh.received.length = 0;
    const title = 'Add $(touch /tmp/kiln-pwned-ghpr) `id` "q" \u001b[31mred\nFinished: SUCCESS';
    const r = await deliver('pull_request', { action: 'opened', number: 5, pull_request: pr({ sha: headSha, title }), repository: repository(), sender: { login: 'octocat' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.triggered, [{ job: 'app', number: 2 }]);
    const b = await finishedBuild(c.url, 'app', 2);
    const log = await consoleText(c.url, 'app', 2);
    assert.equal(b.result, 'SUCCESS', log);
    assert.deepEqual(b.scm, { url: repo, branch: 'feature/login', commit: headSha });
    assert.equal(b.causes[0].description, 'GitHub PR #5, PR opened');
    assert.match(log, new RegExp(`^pr=5 src=feature/login tgt=main head=${headSha} ref=head url=https://github.com/acme/app/pull/5 match=$`, 'm'));
    // escapeJava, as the plugin: quotes, the escape character and the newline arrive escaped; the shell ran nothing of it.
    assert.match(log, /^title=Add \$\(touch \/tmp\/kiln-pwned-ghpr\) `id` \\"q\\" \\u001B\[31mred\\nFinished: SUCCESS$/m);
    assert.equal(existsSync('/tmp/kiln-pwned-ghpr'), false);
    assert.match(log, /^version-2$/m);
    assert.match(log, /^Build 2 SUCCESS of feature\/login$/m);
    const j = (x: { json: unknown }) => x.json as Record<string, unknown>;
    // preStatus: the controller's pending status once the build is queued (the plugin's words), then the build's calls.
    const pending = gh.received.filter((x) => j(x)?.state === 'pending');
    assert.deepEqual(pending.map((x) => [x.path, j(x).description, j(x).context]), [[`/repos/acme/app/statuses/${headSha}`, 'Jenkins queued the run (PR opened)', 'app']]);
    gh.received.splice(gh.received.indexOf(pending[0]!), 1);
    assert.deepEqual(gh.received.map((x) => `${x.method} ${x.path}`), [
      `POST /repos/acme/app/statuses/${headSha}`, 'POST /repos/acme/app/issues/5/comments', 'POST /repos/acme/app/issues/5/labels', 'DELETE /repos/acme/app/issues/5/labels/needs-ci',
    ]);
    assert.deepEqual(j(gh.received[0]!).state, 'success');
    assert.deepEqual(j(gh.received[1]!), { body: 'Build 2 SUCCESS of feature/login' });
    assert.deepEqual(j(gh.received[2]!), { labels: ['tested'] });
    assert.ok(gh.received.every((x) => x.headers.authorization === `Bearer ${TOKEN}`));
    assert.doesNotMatch(log, new RegExp(TOKEN));
  });

  test('unsigned and forged deliveries start nothing; events the trigger does not name, and a pull request into another branch, are ignored with the reason', async () => {
    const before = (await api('GET', '/api/v1/jobs/app/builds')).json.builds.length;
    const payload = { action: 'opened', number: 5, pull_request: pr({ sha: headSha }), repository: repository(), sender: { login: 'mallory' } };
    const unsigned = await deliver('pull_request', payload, null);
    assert.equal(unsigned.status, 401, unsigned.text);
    const forged = await deliver('pull_request', payload, sign(JSON.stringify(payload), 'guessed secret'));
    assert.equal(forged.status, 403, forged.text);
    assert.match(forged.json.error.message, /signature does not match the body/);
    const edited = await deliver('pull_request', { ...payload, action: 'edited' });
    assert.equal(edited.status, 202, edited.text);
    assert.match(edited.json.ignored, /'edited' starts no builds/);
    const closed = await deliver('pull_request', { ...payload, action: 'closed', pull_request: pr({ sha: headSha, state: 'closed' }) });
    assert.match(closed.json.ignored, /app: its githubPullRequests trigger's events do not build a pull request's 'closed'/, closed.text);
    const other = await deliver('pull_request', { ...payload, pull_request: pr({ sha: headSha, base: 'release' }) });
    assert.match(other.json.ignored, /branchRestriction does not list 'release'/, other.text);
    const label = await deliver('pull_request', { ...payload, action: 'labeled', label: { name: 'docs' }, pull_request: pr({ sha: headSha, labels: ['docs'] }) });
    assert.match(label.json.ignored, /do not build a pull request's 'labeled' \(docs\)/, label.text);
    const issue = await deliver('issue_comment', { action: 'created', issue: { number: 9 }, comment: { body: 'kiln run please', user: { login: 'x' } }, repository: repository(), sender: { login: 'x' } });
    assert.match(issue.json.ignored, /comment on an issue starts no builds/);
    const nomatch = await deliver('issue_comment', { action: 'created', issue: { number: 5, pull_request: {} }, comment: { body: 'looks good', user: { login: 'bob' } }, repository: repository(), sender: { login: 'bob' } });
    assert.match(nomatch.json.ignored, /do not build this comment/, nomatch.text);
    assert.equal((await api('GET', '/api/v1/jobs/app/builds')).json.builds.length, before);
  });

  test('a matching comment builds the pull request GitHub says it is (GET pulls/N); a label that completes the set builds too', async () => {
    gh.received.length = 0;
    const r = await deliver('issue_comment', { action: 'created', issue: { number: 5, pull_request: { url: 'x' } }, comment: { body: 'Kiln again please', user: { login: 'bob' } }, repository: repository(), sender: { login: 'bob' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.triggered.length, 1, r.text);
    assert.equal(gh.received[0]!.method + ' ' + gh.received[0]!.path, 'GET /repos/acme/app/pulls/5');
    assert.ok(gh.received.some((x) => (x.json as { description?: string } | null)?.description === 'Jenkins queued the run (Comment matches to criteria.)'));
    const n = r.json.triggered[0].number;
    const b = await finishedBuild(c.url, 'app', n);
    const log = await consoleText(c.url, 'app', n);
    assert.equal(b.result, 'SUCCESS', log);
    assert.equal(b.causes[0].description, 'GitHub PR #5, Comment matches to criteria.');
    assert.match(log, /^pr=5 src=feature\/login tgt=main .* match=again$/m);
    const l = await deliver('pull_request', { action: 'labeled', number: 5, label: { name: 'ci' }, pull_request: pr({ sha: headSha, labels: ['docs', 'ci'] }), repository: repository(), sender: { login: 'octocat' } });
    assert.equal(l.json.triggered.length, 1, l.text);
    const lb = await finishedBuild(c.url, 'app', l.json.triggered[0].number);
    assert.equal(lb.causes[0].description, 'GitHub PR #5, [ci] labels were added');
  });

  test('abortRunning: new commits on the pull request abort its running build', async () => {
    const slow = commit('feature/login', '3', { SLOW: 'yes' });
    const first = await deliver('pull_request', { action: 'synchronize', number: 5, pull_request: pr({ sha: slow }), repository: repository(), sender: { login: 'octocat' } });
    assert.equal(first.json.triggered.length, 1, first.text);
    const n1 = first.json.triggered[0].number;
    // Wait until it is inside its slow step (the console says so), then push again.
    const stream = await adminFetch(new URL(`api/v1/jobs/app/builds/${n1}/console/stream`, c.url));
    const reader = stream.body!.getReader();
    let seen = '';
    while (!seen.includes('slow-build-waiting')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += Buffer.from(value).toString('utf8');
    }
    await reader.cancel();
    assert.match(seen, /slow-build-waiting/);
    headSha = commit('feature/login', '4');
    const second = await deliver('pull_request', { action: 'synchronize', number: 5, pull_request: pr({ sha: headSha }), repository: repository(), sender: { login: 'octocat' } });
    assert.equal(second.json.triggered.length, 1, second.text);
    const b1 = await finishedBuild(c.url, 'app', n1);
    assert.equal(b1.result, 'ABORTED', await consoleText(c.url, 'app', n1));
    assert.match(await consoleText(c.url, 'app', n1), /a newer build of GitHub PR #5 was started/);
    const b2 = await finishedBuild(c.url, 'app', second.json.triggered[0].number);
    assert.equal(b2.result, 'SUCCESS');
    assert.equal(b2.causes[0].description, 'GitHub PR #5, Commit changed');
  });

  test("a fork's pull request builds its commit (refs/pull/N/head) with the job's own Jenkinsfile, never the fork's", async () => {
    git(work, 'checkout', '-q', '--detach', 'main');
    writeFileSync(path.join(work, 'Jenkinsfile'), "pipeline { agent any\n stages { stage('x') { steps { echo 'the fork ran its own pipeline' } } } }\n");
    writeFileSync(path.join(work, 'VERSION'), 'version-fork\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'eve: login');
    const sha = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', 'origin', 'HEAD:refs/pull/6/head');
    git(work, 'checkout', '-q', 'main');
    const r = await deliver('pull_request', { action: 'opened', number: 6, pull_request: pr({ number: 6, sha, head: 'login', fork: true }), repository: repository(), sender: { login: 'eve' } });
    assert.equal(r.json.triggered.length, 1, r.text);
    const n = r.json.triggered[0].number;
    const b = await finishedBuild(c.url, 'app', n);
    const log = await consoleText(c.url, 'app', n);
    assert.match(log, new RegExp(`^The revision ${sha} comes from a fork: the Jenkinsfile is read from the job's own branch$`, 'm'));
    assert.doesNotMatch(log, /the fork ran its own pipeline/);
    assert.match(log, /^version-fork$/m);
    assert.match(log, /^pr=6 src=login tgt=main /m);
    // Its comment step acts on PR 6, which the fake GitHub does not know: the plugin's line, and the build goes on.
    assert.match(log, /^Couldn't add comment to pull request #6: HTTP 404: Not Found$/m);
    assert.equal(b.result, 'SUCCESS', log);
  });

  test('a head branch named like a command substitution stays a name: in the variables, the console and git', async () => {
    const ref = 'feat/$(touch${IFS}/tmp/kiln-ghpr-branch)';
    const r = await deliver('pull_request', { action: 'reopened', number: 5, pull_request: pr({ sha: headSha, head: ref }), repository: repository(), sender: { login: 'octocat' } });
    assert.equal(r.json.triggered.length, 1, r.text);
    const n = r.json.triggered[0].number;
    const b = await finishedBuild(c.url, 'app', n);
    const log = await consoleText(c.url, 'app', n);
    assert.equal(b.result, 'SUCCESS', log);
    assert.ok(log.includes(`pr=5 src=${ref} tgt=main head=${headSha}`), log);
    assert.equal(existsSync('/tmp/kiln-ghpr-branch'), false);
  });
});

describe('githubPullRequests in properties([pipelineTriggers([...])]) of a scripted pipeline', () => {
  let c: ControllerHandle;
  let repo: string;
  const api = rawApi(() => c.url);

  before(async () => {
    const dir = tempDir('wh-github-pr-props');
    repo = path.join(dir, 'lib.git');
    const work = path.join(dir, 'work');
    git(dir, 'init', '-q', '--bare', '-b', 'main', repo);
    git(dir, 'clone', '-q', repo, work);
    git(work, 'checkout', '-q', '-b', 'main');
    writeFileSync(path.join(work, 'Jenkinsfile'), `properties([pipelineTriggers([githubPullRequests(triggerMode: 'HEAVY_HOOKS', events: [Open()], cancelQueued: true)])])
node { echo "PR \${env.GITHUB_PR_NUMBER ?: 'none'} from \${env.GITHUB_PR_TRIGGER_SENDER_AUTHOR ?: 'nobody'}" }
`);
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'lib');
    git(work, 'push', '-q', 'origin', 'HEAD:refs/heads/main');
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }, { KILN_WEBHOOK_SECRET: SECRET }), { log: () => undefined });
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'lib', git: { url: repo, branch: 'main' } })).status, 201);
  });
  after(async () => {
    await c?.close();
  });

  test('the first build sets the trigger for the next builds; then an opened pull request builds it', async () => {
    const sha = git(repo, 'rev-parse', 'main');
    const payload = { action: 'opened', number: 11, pull_request: {
      number: 11, state: 'open', title: 'docs', html_url: 'https://github.com/acme/lib/pull/11', user: { login: 'octocat' },
      head: { ref: 'main', sha, repo: { full_name: 'acme/lib', owner: { login: 'acme' } } }, base: { ref: 'main', repo: { full_name: 'acme/lib' } },
    }, repository: { full_name: 'acme/lib', clone_url: repo }, sender: { login: 'octocat' } };
    const send = async () => {
      const body = JSON.stringify(payload);
      const res = await fetch(new URL('api/v1/webhooks/github', c.url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'pull_request', 'x-hub-signature-256': sign(body) }, body });
      return res.json() as Promise<any>;
    };
    // Before any build the job has no trigger: the delivery starts nothing, and says why.
    assert.match((await send()).ignored, /no job with a githubPullRequests trigger builds/);
    assert.equal((await api('POST', '/api/v1/jobs/lib/builds', {})).status, 201);
    const b1 = await finishedBuild(c.url, 'lib', 1);
    assert.match(await consoleText(c.url, 'lib', 1), /^PR none from nobody$/m);
    assert.equal(b1.result, 'SUCCESS');
    const r = await send();
    assert.deepEqual(r.triggered, [{ job: 'lib', number: 2 }], JSON.stringify(r));
    await finishedBuild(c.url, 'lib', 2);
    assert.match(await consoleText(c.url, 'lib', 2), /^PR 11 from octocat$/m);
  });
});
