// Webhooks (src/controller/webhooks.ts): generic, GitHub and GitLab pushes start the jobs
// that build the pushed repository and branch, with the commit recorded.
// First the routes on their own (Fastify inject, a real store, a build manager that records
// what it is asked; pushes signed), then end to end: a real controller whose git job's
// Jenkinsfile lives in a local bare repository builds exactly the commit a signed webhook or a
// user who may build the job names, while an unsigned push from anyone else only makes it look
// at the branch: the attack of naming another branch's commit and parameters builds the
// branch's real tip with default parameters, or nothing when the tip did not move.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { openStore } from '../../src/store/index.ts';
import type { Build, Store } from '../../src/store/types.ts';
import type { TriggerOptions } from '../../src/controller/builds.ts';
import { registerWebhooks, normalizeRepoUrl, sameRepository, WEBHOOK_BODY_LIMIT } from '../../src/controller/webhooks.ts';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, finishedBuild, consoleText, testConfig } from '../helpers/controller.ts';

const SHA = 'f'.repeat(8) + '0123456789abcdef0123456789abcdef';
const ZERO = '0'.repeat(40);
const SECRET = 'It\'s a Secret to Everybody';
const sign = (body: string | Buffer, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
/** The headers that sign `body` for `hook` with SECRET (what each provider sends). */
const signedFor = (hook: string, body: string): Record<string, string> => (hook.endsWith('gitlab') ? { 'x-gitlab-token': SECRET } : { 'x-hub-signature-256': sign(body) });

/** A GitHub push event as GitHub sends it (fields the hook does not read trimmed). */
function githubPushPayload(o: { ref?: string; after?: string; deleted?: boolean; cloneUrl?: string } = {}) {
  return {
    ref: o.ref ?? 'refs/heads/main',
    before: '6113728f27ae82c7b1a177c8d03f9e96e0adf246',
    after: o.after ?? SHA,
    created: false,
    deleted: o.deleted ?? false,
    forced: false,
    base_ref: null,
    compare: 'https://github.com/Octo-Org/Hello-World/compare/6113728f27ae...0d1a26e67d8f',
    commits: [{
      id: o.after ?? SHA, tree_id: 'f9d2a07e9488b91af2641b26b9407fe22a451433', distinct: true, message: 'Update README.md',
      timestamp: '2025-03-04T10:12:05-05:00', url: `https://github.com/Octo-Org/Hello-World/commit/${o.after ?? SHA}`,
      author: { name: 'Mona Octocat', email: 'mona@github.com', username: 'octocat' }, committer: { name: 'GitHub', email: 'noreply@github.com', username: 'web-flow' },
      added: [], removed: [], modified: ['README.md'],
    }],
    head_commit: null,
    repository: {
      id: 186853002, node_id: 'MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=', name: 'Hello-World', full_name: 'Octo-Org/Hello-World', private: false,
      owner: { name: 'Octo-Org', login: 'Octo-Org', id: 21031067, type: 'Organization' },
      html_url: 'https://github.com/Octo-Org/Hello-World', description: null, fork: false,
      url: 'https://github.com/Octo-Org/Hello-World',
      git_url: 'git://github.com/Octo-Org/Hello-World.git',
      ssh_url: 'git@github.com:Octo-Org/Hello-World.git',
      clone_url: o.cloneUrl ?? 'https://github.com/Octo-Org/Hello-World.git',
      svn_url: 'https://github.com/Octo-Org/Hello-World',
      default_branch: 'main', master_branch: 'main', pushed_at: 1741101125, created_at: 1557933565,
    },
    pusher: { name: 'octocat', email: 'mona@github.com' },
    sender: { login: 'octocat', id: 583231, type: 'User' },
  };
}

function gitlabPushPayload(o: { ref?: string; sha?: string | null; after?: string; httpUrl?: string } = {}) {
  return {
    object_kind: 'push', event_name: 'push',
    before: '95790bf891e76fee5e1747ab589903a6a1f80f22',
    after: o.after ?? o.sha ?? SHA,
    ref: o.ref ?? 'refs/heads/main',
    ref_protected: true,
    checkout_sha: o.sha === undefined ? SHA : o.sha,
    user_id: 4, user_name: 'John Smith', user_username: 'jsmith', user_email: '', user_avatar: '',
    project_id: 15,
    project: {
      id: 15, name: 'Diaspora', description: '', web_url: 'http://gitlab.example.com/mike/diaspora', avatar_url: null,
      git_ssh_url: 'git@gitlab.example.com:mike/diaspora.git', git_http_url: o.httpUrl ?? 'http://gitlab.example.com/mike/diaspora.git',
      namespace: 'Mike', visibility_level: 0, path_with_namespace: 'mike/diaspora', default_branch: 'main',
      homepage: 'http://gitlab.example.com/mike/diaspora', url: 'git@gitlab.example.com:mike/diaspora.git',
      ssh_url: 'git@gitlab.example.com:mike/diaspora.git', http_url: 'http://gitlab.example.com/mike/diaspora.git',
    },
    commits: [{ id: o.sha ?? SHA, message: 'fixed readme', title: 'fixed readme', timestamp: '2025-03-04T10:12:05+00:00', author: { name: 'GitLab dev user', email: '[REDACTED]' }, added: [], modified: ['README.md'], removed: [] }],
    total_commits_count: 1,
    repository: { name: 'Diaspora', url: 'git@gitlab.example.com:mike/diaspora.git', description: '', homepage: 'http://gitlab.example.com/mike/diaspora' },
  };
}

describe('webhook routes (signed pushes)', () => {
  let store: Store;
  let app: FastifyInstance;
  const calls: { job: string; o: TriggerOptions }[] = [];

  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const payload = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await app.inject({
      method: 'POST', url,
      headers: { 'content-type': 'application/json', ...signedFor(url, payload), ...headers },
      payload,
    });
    return { status: res.statusCode, json: res.json() as any };
  };
  /** app.inject with the push signed. */
  const inject = (url: string, headers: Record<string, string>, payload: string) =>
    app.inject({ method: 'POST', url, headers: { ...signedFor(url, payload), ...headers }, payload });
  const gitJob = (name: string, url: string, branch = 'main', disabled = false) =>
    store.jobs.create({ name, disabled, definition: { kind: 'git', url, branch, path: 'Jenkinsfile', credentialsId: null } });

  before(async () => {
    store = await openStore({ home: tempDir('wh') });
    await gitJob('hello-ssh', 'git@github.com:Octo-Org/Hello-World.git');
    await gitJob('hello-https', 'https://GitHub.com/Octo-Org/Hello-World/', 'refs/heads/main');
    await gitJob('hello-dev', 'https://github.com/Octo-Org/Hello-World.git', 'dev');
    await gitJob('hello-off', 'https://github.com/Octo-Org/Hello-World.git', 'main', true);
    await gitJob('other', 'https://github.com/Octo-Org/Other.git');
    await gitJob('diaspora', 'ssh://git@gitlab.example.com:2222/mike/diaspora');
    await store.jobs.create({ name: 'inline', definition: { kind: 'inline', script: 'pipeline { agent any; stages { stage("a") { steps { echo "x" } } } }' } });
    app = Fastify();
    registerWebhooks(app, {
      store, secret: SECRET,
      builds: {
        async trigger(job: string, o: TriggerOptions = {}): Promise<Build> {
          if (o.params?.BOOM) throw new Error(`job '${job}' has no parameter 'BOOM'`);
          calls.push({ job, o });
          return store.builds.create(job, { params: o.params ?? {}, causes: o.causes ?? [], scm: o.scm ?? null });
        },
      },
    });
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await store?.close();
  });

  test('generic: starts every enabled job of the repository and branch, with the commit and parameters', async () => {
    calls.length = 0;
    const r = await post('/api/v1/webhooks/generic', { repository: 'ssh://git@github.com/Octo-Org/Hello-World', branch: 'main', commit: SHA.toUpperCase(), params: { WHO: 'kiln', N: 3 } });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json, { triggered: [{ job: 'hello-https', number: 1 }, { job: 'hello-ssh', number: 1 }] });
    assert.deepEqual(calls.map((c) => c.job), ['hello-https', 'hello-ssh']);
    assert.deepEqual(calls[0]!.o.scm, { url: 'https://GitHub.com/Octo-Org/Hello-World/', branch: 'main', commit: SHA });
    assert.deepEqual(calls[0]!.o.params, { WHO: 'kiln', N: 3 });
    assert.deepEqual(calls[0]!.o.causes, [{ type: 'webhook', description: 'Started by a generic webhook push to main' }]);
    const b = await store.builds.getByNumber('hello-ssh', 1);
    assert.deepEqual(b!.scm, { url: 'git@github.com:Octo-Org/Hello-World.git', branch: 'main', commit: SHA });
    // Without a commit: the branch's tip will be built.
    calls.length = 0;
    const r2 = await post('/api/v1/webhooks/generic', { repository: 'https://github.com/Octo-Org/Hello-World', branch: 'refs/heads/dev' });
    assert.deepEqual(r2.json, { triggered: [{ job: 'hello-dev', number: 1 }] });
    assert.deepEqual(calls[0]!.o.scm, { url: 'https://github.com/Octo-Org/Hello-World.git', branch: 'dev', commit: null });
  });

  test('GitHub push: the realistic payload, the pusher in the cause; form-encoded payloads too', async () => {
    calls.length = 0;
    const r = await post('/api/v1/webhooks/github', githubPushPayload(), { 'x-github-event': 'push', 'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json.triggered.map((t: any) => t.job), ['hello-https', 'hello-ssh']);
    assert.deepEqual(calls[0]!.o.causes, [{ type: 'webhook', description: 'Started by a GitHub push by octocat', userId: 'octocat' }]);
    assert.equal(calls[0]!.o.scm!.commit, SHA);
    const form = await inject('/api/v1/webhooks/github', { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'push' },
      new URLSearchParams({ payload: JSON.stringify(githubPushPayload({ ref: 'refs/heads/dev' })) }).toString());
    assert.equal(form.statusCode, 200, form.body);
    assert.deepEqual(form.json().triggered.map((t: any) => t.job), ['hello-dev']);
  });

  test('GitHub: ping answers pong; other events are accepted and ignored; deletions and tags start nothing', async () => {
    calls.length = 0;
    const ping = await post('/api/v1/webhooks/github', { zen: 'Keep it logically awesome.', hook_id: 1, hook: { type: 'Repository', events: ['push'] } }, { 'x-github-event': 'ping' });
    assert.deepEqual([ping.status, ping.json], [200, { pong: true }]);
    const issues = await post('/api/v1/webhooks/github', { action: 'opened' }, { 'x-github-event': 'issues' });
    assert.equal(issues.status, 202);
    assert.deepEqual(issues.json, { triggered: [], ignored: "GitHub 'issues' events start no builds; only push events do (and pull_request / issue_comment for jobs with a githubPullRequests trigger)" });
    const del = await post('/api/v1/webhooks/github', githubPushPayload({ after: ZERO, deleted: true }), { 'x-github-event': 'push' });
    assert.deepEqual([del.status, del.json], [200, { triggered: [], ignored: 'the push deleted refs/heads/main: nothing to build' }]);
    const tag = await post('/api/v1/webhooks/github', githubPushPayload({ ref: 'refs/tags/v1.0' }), { 'x-github-event': 'push' });
    assert.deepEqual([tag.status, tag.json], [200, { triggered: [], ignored: 'refs/tags/v1.0 is not a branch: only branch pushes start builds' }]);
    assert.deepEqual(calls, []);
  });

  test('GitLab push: project URLs match a job with another scheme and port; deletions start nothing', async () => {
    calls.length = 0;
    const r = await post('/api/v1/webhooks/gitlab', gitlabPushPayload(), { 'x-gitlab-event': 'Push Hook' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(r.json, { triggered: [{ job: 'diaspora', number: 1 }] });
    assert.deepEqual(calls[0]!.o.causes, [{ type: 'webhook', description: 'Started by a GitLab push by jsmith', userId: 'jsmith' }]);
    assert.deepEqual(calls[0]!.o.scm, { url: 'ssh://git@gitlab.example.com:2222/mike/diaspora', branch: 'main', commit: SHA });
    const del = await post('/api/v1/webhooks/gitlab', gitlabPushPayload({ sha: null, after: ZERO }), { 'x-gitlab-event': 'Push Hook' });
    assert.deepEqual([del.status, del.json], [200, { triggered: [], ignored: 'the push deleted refs/heads/main: nothing to build' }]);
    const tag = await post('/api/v1/webhooks/gitlab', gitlabPushPayload({ ref: 'refs/tags/v1' }), { 'x-gitlab-event': 'Tag Push Hook' });
    assert.deepEqual([tag.status, tag.json.ignored], [202, "GitLab 'Tag Push Hook' events start no builds; only Push Hook, Merge Request Hook and Note Hook events do"]);
    assert.equal(calls.length, 1);
  });

  test('an unknown repository or branch: 200, nothing started, the reason given; disabled jobs are named', async () => {
    calls.length = 0;
    const unknown = await post('/api/v1/webhooks/generic', { repository: 'https://example.com/nobody/nothing.git', branch: 'main' });
    assert.deepEqual([unknown.status, unknown.json], [200, { triggered: [], ignored: 'no job builds https://example.com/nobody/nothing.git' }]);
    const branch = await post('/api/v1/webhooks/generic', { repository: 'https://github.com/Octo-Org/Other', branch: 'feature/x' });
    assert.deepEqual(branch.json, { triggered: [], ignored: "no job builds branch 'feature/x' of https://github.com/Octo-Org/Other (jobs of this repository build 'main')" });
    await store.jobs.update('hello-ssh', { disabled: true });
    await store.jobs.update('hello-https', { disabled: true });
    const off = await post('/api/v1/webhooks/generic', { repository: 'https://github.com/Octo-Org/Hello-World', branch: 'main' });
    assert.match(off.json.ignored, /are disabled \(hello-https, hello-off, hello-ssh\)/);
    await store.jobs.update('hello-ssh', { disabled: false });
    await store.jobs.update('hello-https', { disabled: false });
    // A job that refuses the build (here: a parameter it does not have) is reported; the others start.
    const partly = await post('/api/v1/webhooks/generic', { repository: 'https://github.com/Octo-Org/Other', branch: 'main', params: { BOOM: 'x' } });
    assert.deepEqual(partly.json, { triggered: [], failed: [{ job: 'other', message: "job 'other' has no parameter 'BOOM'" }] });
    assert.deepEqual(calls, []);
  });

  test('malformed bodies: 400 naming the field; wrong content type 415; over 1 MB 413', async () => {
    const cases: [string, unknown, Record<string, string>, RegExp][] = [
      ['generic', '{"repository": ', {}, /not valid JSON/i],
      ['generic', [], {}, /the body must be a JSON object/],
      ['generic', { branch: 'main' }, {}, /'repository' is missing/],
      ['generic', { repository: 'https://h/r', branch: '' }, {}, /'branch' must be a non-empty string/],
      ['generic', { repository: 'https://h/r' }, {}, /'branch' is missing/],
      ['generic', { repository: 'https://h/r', branch: 'a..b' }, {}, /'branch' is not a valid branch name/],
      ['generic', { repository: 'https://h/r', branch: 'main', commit: 'abc' }, {}, /'commit' must be a full commit id/],
      ['generic', { repository: 'https://h/r', branch: 'main', params: { A: { x: 1 } } }, {}, /'params.A' must be a string, number or boolean/],
      ['generic', { repository: 42, branch: 'main' }, {}, /'repository' must be a non-empty string/],
      ['github', githubPushPayload(), {}, /X-GitHub-Event header is missing/],
      ['github', { ...githubPushPayload(), ref: undefined }, { 'x-github-event': 'push' }, /GitHub push: 'ref' is missing/],
      ['github', { ...githubPushPayload(), after: 'nope' }, { 'x-github-event': 'push' }, /GitHub push: 'after' must be a full commit id/],
      ['github', { ...githubPushPayload(), repository: undefined }, { 'x-github-event': 'push' }, /GitHub push: 'repository' is missing/],
      ['github', { ...githubPushPayload(), repository: { name: 'x' } }, { 'x-github-event': 'push' }, /'repository.clone_url' is missing/],
      ['gitlab', gitlabPushPayload(), {}, /X-Gitlab-Event header is missing/],
      ['gitlab', { ...gitlabPushPayload(), project: undefined, repository: undefined }, { 'x-gitlab-event': 'Push Hook' }, /GitLab push: 'project' is missing/],
      ['gitlab', { ...gitlabPushPayload(), checkout_sha: null, after: undefined }, { 'x-gitlab-event': 'Push Hook' }, /GitLab push: 'after' is missing/],
    ];
    for (const [hook, body, headers, message] of cases) {
      const r = await post(`/api/v1/webhooks/${hook}`, body, headers);
      assert.equal(r.status, 400, `${hook} ${JSON.stringify(body)?.slice(0, 80)}: ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.code, 'invalid');
      assert.match(r.json.error.message, message);
    }
    const empty = await inject('/api/v1/webhooks/generic', { 'content-type': 'application/json' }, '');
    assert.equal(empty.statusCode, 400);
    const formNoPayload = await inject('/api/v1/webhooks/github', { 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'push' }, 'a=b');
    assert.equal(formNoPayload.statusCode, 400);
    assert.match(formNoPayload.json().error.message, /no 'payload' field/);

    for (const [type, hook] of [['text/plain', 'generic'], ['application/xml', 'github'], ['application/x-www-form-urlencoded', 'generic'], ['text/plain', 'gitlab']] as const) {
      const r = await inject(`/api/v1/webhooks/${hook}`, { 'content-type': type, 'x-github-event': 'push', 'x-gitlab-event': 'Push Hook' }, 'repository=x');
      assert.equal(r.statusCode, 415, `${type} → ${hook}: ${r.body}`);
      assert.equal(r.json().error.code, 'unsupported-media-type');
    }
    const big = await post('/api/v1/webhooks/generic', { repository: 'https://h/r', branch: 'main', pad: 'x'.repeat(WEBHOOK_BODY_LIMIT) });
    assert.equal(big.status, 413);
    assert.deepEqual(big.json.error.code, 'too-large');
    assert.match(big.json.error.message, /larger than 1048576 bytes/);
  });

  test('repository URLs: the forms of one repository are one; others are not', () => {
    const same = [
      'https://github.com/Octo/App',
      'https://github.com/Octo/App.git',
      'https://github.com/Octo/App/',
      'https://github.com/Octo/App.git/',
      'http://GITHUB.com/Octo/App',
      'https://user:token@github.com:443/Octo/App.git',
      'git@github.com:Octo/App.git',
      'git@github.com:/Octo/App',
      'github.com:Octo/App',
      'ssh://git@github.com/Octo/App.git',
      'ssh://git@github.com:22/Octo/App',
      'git://github.com/Octo/App.git',
    ];
    for (const u of same) assert.equal(normalizeRepoUrl(u), 'github.com/Octo/App', u);
    assert.ok(!sameRepository('https://github.com/Octo/App', 'https://github.com/Octo/Other'));
    assert.ok(!sameRepository('https://github.com/Octo/App', 'https://gitlab.com/Octo/App'));
    assert.ok(!sameRepository('https://github.com/Octo/App', 'https://github.com/Octo/App/sub'));
    // Local repositories: a path and its file:// URL.
    assert.equal(normalizeRepoUrl('/srv/git/app.git'), '/srv/git/app');
    assert.ok(sameRepository('/srv/git/app.git/', 'file:///srv/git/app'));
    assert.ok(sameRepository('file://localhost/srv/git/app.git', '/srv/git/app'));
    assert.ok(!sameRepository('/srv/git/app', '/srv/git/App'));
  });
});

// ---------------------------------------------------------------------------------------------
// Signatures: with a secret configured, only webhooks that prove they know it start anything.

describe('signed webhook routes', () => {
  let store: Store;
  let app: FastifyInstance;
  const calls: string[] = [];
  const log: string[] = [];
  const send = async (hook: string, body: string, headers: Record<string, string>, type = 'application/json') => {
    const res = await app.inject({ method: 'POST', url: `/api/v1/webhooks/${hook}`, headers: { 'content-type': type, ...headers }, payload: body });
    return { status: res.statusCode, json: res.json() as any };
  };

  before(async () => {
    store = await openStore({ home: tempDir('wh-signed') });
    await store.jobs.create({ name: 'hello', definition: { kind: 'git', url: 'https://github.com/Octo-Org/Hello-World.git', branch: 'main', path: 'Jenkinsfile', credentialsId: null } });
    await store.jobs.create({ name: 'diaspora', definition: { kind: 'git', url: 'http://gitlab.example.com/mike/diaspora.git', branch: 'main', path: 'Jenkinsfile', credentialsId: null } });
    app = Fastify();
    registerWebhooks(app, {
      store, secret: SECRET, log: (l) => log.push(l),
      builds: {
        async trigger(job: string, o: TriggerOptions = {}): Promise<Build> {
          calls.push(job);
          return store.builds.create(job, { params: o.params ?? {}, causes: o.causes ?? [], scm: o.scm ?? null });
        },
      },
    });
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await store?.close();
  });

  test('GitHub: the HMAC-SHA256 of the exact body bytes in X-Hub-Signature-256 (JSON and form-encoded); ping is checked too', async () => {
    calls.length = 0;
    // Key order and whitespace as GitHub sent them: the signature is over bytes, not over parsed JSON.
    const body = JSON.stringify(githubPushPayload(), null, 1);
    const ok = await send('github', body, { 'x-github-event': 'push', 'x-hub-signature-256': sign(body).toUpperCase().replace('SHA256=', 'sha256=') });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.deepEqual(ok.json.triggered, [{ job: 'hello', number: 1 }]);
    const form = new URLSearchParams({ payload: JSON.stringify(githubPushPayload()) }).toString();
    const formOk = await send('github', form, { 'x-github-event': 'push', 'x-hub-signature-256': sign(form) }, 'application/x-www-form-urlencoded');
    assert.equal(formOk.status, 200, JSON.stringify(formOk.json));
    const ping = '{"zen":"Design for failure.","hook_id":1}';
    assert.equal((await send('github', ping, { 'x-github-event': 'ping', 'x-hub-signature-256': sign(ping) })).status, 200);
    assert.equal((await send('github', ping, { 'x-github-event': 'ping' })).status, 401);
    assert.deepEqual(calls, ['hello', 'hello']);
  });

  test('GitHub: unsigned 401, wrong secret, tampered body, malformed or SHA-1-only signature 403; nothing starts; each refusal logged without the secret', async () => {
    calls.length = 0;
    log.length = 0;
    const body = JSON.stringify(githubPushPayload());
    const push = { 'x-github-event': 'push' };
    const unsigned = await send('github', body, push);
    assert.equal(unsigned.status, 401);
    assert.equal(unsigned.json.error.code, 'unauthenticated');
    assert.match(unsigned.json.error.message, /GitHub webhook: this controller requires signed webhooks .*set the hook's Secret in GitHub/);
    const cases: [string, Record<string, string>, RegExp][] = [
      ['wrong secret', { 'x-hub-signature-256': sign(body, 'another secret') }, /signature does not match the body/],
      ['tampered body', { 'x-hub-signature-256': sign(body.replace('octocat', 'mallory')) }, /signature does not match the body/],
      ['not hex', { 'x-hub-signature-256': 'sha256=' + 'z'.repeat(64) }, /must be 'sha256=' followed by 64 hex digits/],
      ['short', { 'x-hub-signature-256': sign(body).slice(0, 40) }, /must be 'sha256=' followed by 64 hex digits/],
      ['sha1 algorithm', { 'x-hub-signature-256': sign(body).replace('sha256=', 'sha1=') }, /must be 'sha256='/],
      // A GitLab-style token or a Kiln token is no signature for the GitHub route.
      ['gitlab token', { 'x-gitlab-token': SECRET }, /no signature/],
      ['kiln token', { 'x-kiln-token': SECRET }, /no signature/],
    ];
    for (const [what, headers, message] of cases) {
      const r = await send('github', body, { ...push, ...headers });
      assert.ok(r.status === 401 || r.status === 403, `${what}: ${r.status}`);
      assert.match(r.json.error.message, message, what);
    }
    assert.equal((await send('github', body, { ...push, 'x-hub-signature-256': sign(body, 'another secret') })).json.error.code, 'forbidden');
    // The refusal comes before the body is looked at: a wrong content type or event still says 401.
    assert.equal((await send('github', 'not json', { 'x-github-event': 'whatever' }, 'text/plain')).status, 401);
    assert.deepEqual(calls, []);
    // One line per refusal (the first 10 of an address; the ping test refused one already).
    assert.equal(log.length, 10 - 1);
    assert.match(log[0]!, /^webhooks: refused a GitHub webhook from [\d.:a-f]+: this controller requires signed webhooks/);
    for (const l of log) assert.ok(!l.includes(SECRET) && !l.includes(sign(body).slice(7, 30)), l);
  });

  test('GitLab: X-Gitlab-Token equal to the secret; missing 401, wrong 403', async () => {
    calls.length = 0;
    const body = JSON.stringify(gitlabPushPayload());
    const hook = { 'x-gitlab-event': 'Push Hook' };
    const ok = await send('gitlab', body, { ...hook, 'x-gitlab-token': SECRET });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.deepEqual(ok.json.triggered.map((t: any) => t.job), ['diaspora']);
    const missing = await send('gitlab', body, hook);
    assert.deepEqual([missing.status, missing.json.error.code], [401, 'unauthenticated']);
    assert.match(missing.json.error.message, /set the hook's Secret token in GitLab/);
    for (const wrong of [SECRET + 'x', SECRET.slice(0, -1), SECRET.toUpperCase(), 'x']) {
      const r = await send('gitlab', body, { ...hook, 'x-gitlab-token': wrong });
      assert.deepEqual([r.status, r.json.error.code], [403, 'forbidden'], wrong);
      assert.match(r.json.error.message, /X-Gitlab-Token does not match the webhook secret/);
    }
    // An HMAC signature is not what GitLab sends: it does not stand in for the token.
    assert.equal((await send('gitlab', body, { ...hook, 'x-hub-signature-256': sign(body) })).status, 401);
    assert.deepEqual(calls, ['diaspora']);
  });

  test('generic: X-Hub-Signature-256 or X-Kiln-Token; Authorization is not a webhook secret', async () => {
    calls.length = 0;
    const body = JSON.stringify({ repository: 'https://github.com/Octo-Org/Hello-World', branch: 'main' });
    assert.equal((await send('generic', body, { 'x-hub-signature-256': sign(body) })).status, 200);
    assert.equal((await send('generic', body, { 'x-kiln-token': SECRET })).status, 200);
    assert.equal((await send('generic', body, {})).status, 401);
    assert.equal((await send('generic', body, { authorization: `Bearer ${SECRET}` })).status, 401);
    assert.equal((await send('generic', body, { 'x-kiln-token': 'guess' })).status, 403);
    assert.equal((await send('generic', body, { 'x-hub-signature-256': sign(body + ' ') })).status, 403);
    // A wrong signature is not rescued by a right token: the signature, when present, decides.
    assert.equal((await send('generic', body, { 'x-hub-signature-256': sign('other'), 'x-kiln-token': SECRET })).status, 403);
    assert.deepEqual(calls, ['hello', 'hello']);
  });
});

// ---------------------------------------------------------------------------------------------
// End to end: a real controller builds the commit a webhook names.

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();
}

/** A user with an API token (and a password, to log in), made through the API as the test admin. */
async function userWithToken(api: ReturnType<typeof rawApi>, name: string, role: string): Promise<string> {
  assert.equal((await api('POST', '/api/v1/users', { name, role, password: `${name}-password-long-enough` })).status, 201);
  const t = await api('POST', `/api/v1/users/${name}/tokens`, { name: 'hooks' });
  assert.equal(t.status, 201, t.text);
  return t.json.token as string;
}

/** A bare repository with branch main (Jenkinsfile and VERSION) and branch 'attack' whose Jenkinsfile is the attacker's. */
function repository(dir: string) {
  const repo = path.join(dir, 'app.git');
  const work = path.join(dir, 'work');
  git(dir, 'init', '-q', '--bare', '-b', 'main', repo);
  git(dir, 'clone', '-q', repo, work);
  const jenkinsfile = (body: string) => `pipeline {
  agent any
  parameters { string(name: 'TARGET', defaultValue: 'staging', description: 'where to deploy') }
  stages { stage('Build') { steps { checkout scm; sh '${body}' } } }
}
`;
  const commit = (branch: string, version: string, body = `echo "version=${version} target=$TARGET GIT_COMMIT=$GIT_COMMIT BRANCH_NAME=$BRANCH_NAME"; cat VERSION`) => {
    writeFileSync(path.join(work, 'Jenkinsfile'), jenkinsfile(body));
    writeFileSync(path.join(work, 'VERSION'), `file-version-${version}\n`);
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', `${branch} ${version}`);
    git(work, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    return git(work, 'rev-parse', 'HEAD');
  };
  return { repo, work, commit };
}

describe('webhooks end to end: unsigned pushes only make Kiln look at the branch (no webhookSecret configured)', () => {
  let c: ControllerHandle;
  let home: string;
  let src: ReturnType<typeof repository>;
  let c1: string;
  let evil: string;
  const lines: string[] = [];
  const api = rawApi(() => c.url);
  /** A request with no Authorization at all: an anonymous sender. */
  const anon = (p: string, body: unknown, headers: Record<string, string> = {}) => api('POST', p, body, { authorization: '', ...headers });
  const finished = (job: string, n: number) => finishedBuild(c.url, job, n);
  const consoleOf = (job: string, n: number) => consoleText(c.url, job, n);
  const builds = async () => (await api('GET', '/api/v1/jobs/app/builds')).json.builds.map((b: any) => b.number);

  before(async () => {
    const dir = tempDir('wh-e2e');
    src = repository(dir);
    c1 = src.commit('main', '1');
    // The attacker's commit, on another branch: its Jenkinsfile would use the job's credentials.
    git(src.work, 'checkout', '-q', '-b', 'attack');
    evil = src.commit('attack', 'evil', 'echo "PWNED target=$TARGET"');
    git(src.work, 'checkout', '-q', 'main');
    home = path.join(dir, 'home');
    c = await startController(testConfig({ home, port: '0', executors: '1' }), { log: (l) => lines.push(l) });
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'app', git: { url: src.repo, branch: 'main' } })).status, 201);
  });
  after(async () => { await c?.close(); });

  test("the attack (an anonymous push naming another branch's commit and parameters) builds the branch's real tip with default parameters, then nothing until the tip moves; GitHub and GitLab pushes alike", async () => {
    const attack = { repository: `file://${src.repo}`, branch: 'main', commit: evil, params: { TARGET: 'prod' } };
    const r1 = await anon('/api/v1/webhooks/generic', attack);
    assert.equal(r1.status, 200, r1.text);
    assert.deepEqual(r1.json.triggered, [{ job: 'app', number: 1 }]);
    assert.match(r1.json.unsigned, /^this generic webhook push is not signed with the webhook secret and was sent by no user: Kiln looked at branch 'main' as pollSCM does .*; the commit and parameters the push named were ignored\./);
    const b1 = await finished('app', 1);
    const log1 = await consoleOf('app', 1);
    assert.equal(b1.result, 'SUCCESS', log1);
    assert.match(log1, new RegExp(`^version=1 target=staging GIT_COMMIT=${c1} BRANCH_NAME=main$`, 'm'));
    assert.doesNotMatch(log1, /PWNED/);
    assert.deepEqual([b1.scm.commit, b1.params], [c1, {}]);
    assert.deepEqual(b1.causes, [{ type: 'scm', description: 'Started by an SCM change (an unsigned generic webhook push to main)' }]);

    // Again, and through the other flavours: the tip has not moved, so nothing runs (and an
    // anonymous sender is not told the tip's commit id).
    const again = await anon('/api/v1/webhooks/generic', attack);
    assert.deepEqual([again.json.triggered, again.json.unchanged], [[], [{ job: 'app', commit: null }]]);
    const gh = await anon('/api/v1/webhooks/github', githubPushPayload({ after: evil, cloneUrl: src.repo }), { 'x-github-event': 'push' });
    assert.deepEqual([gh.status, gh.json.triggered, gh.json.unchanged], [200, [], [{ job: 'app', commit: null }]]);
    const gl = await anon('/api/v1/webhooks/gitlab', gitlabPushPayload({ sha: evil, httpUrl: src.repo }), { 'x-gitlab-event': 'Push Hook' });
    assert.deepEqual([gl.status, gl.json.triggered, gl.json.unchanged], [200, [], [{ job: 'app', commit: null }]]);
    assert.match(gl.json.unsigned, /^this GitLab push is not signed/);
    assert.deepEqual(await builds(), [1]);

    // The branch moves: an unsigned GitHub push naming the attacker's commit builds the new tip.
    const c2 = src.commit('main', '2');
    const r2 = await anon('/api/v1/webhooks/github', githubPushPayload({ after: evil, cloneUrl: src.repo }), { 'x-github-event': 'push' });
    assert.deepEqual(r2.json.triggered, [{ job: 'app', number: 2 }]);
    const b2 = await finished('app', 2);
    const log2 = await consoleOf('app', 2);
    assert.equal(b2.result, 'SUCCESS', log2);
    assert.match(log2, new RegExp(`^version=2 target=staging GIT_COMMIT=${c2} BRANCH_NAME=main$`, 'm'));
    assert.doesNotMatch(log2, /PWNED/);
    // Whoever the unsigned payload says pushed is not believed either.
    assert.deepEqual(b2.causes, [{ type: 'scm', description: 'Started by an SCM change (an unsigned GitHub push to main)' }]);
  });

  test('a signed push, or a user who may build the job, names the commit and parameters; a viewer, or a session without its CSRF token, cannot', async () => {
    const info = await api('GET', '/api/v1/jobs/app/webhook');
    assert.equal(info.status, 200, info.text);
    const secret = info.json.secret as string;
    assert.match(secret, /^[0-9a-f]{64}$/);
    assert.deepEqual({ ...info.json, secret: '-' }, {
      job: 'app', repository: src.repo, branch: 'main', secret: '-', secretSource: 'generated', unsigned: 'poll',
      urls: { generic: `${c.url}api/v1/webhooks/generic`, github: `${c.url}api/v1/webhooks/github`, gitlab: `${c.url}api/v1/webhooks/gitlab` },
    });
    const file = path.join(home, 'secrets', 'webhook.secret');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), secret);

    // Signed with the generated secret: the attacker's commit and parameters are what was asked, so built.
    const body = JSON.stringify({ repository: src.repo, branch: 'main', commit: c1, params: { TARGET: 'prod' } });
    const signed = await fetch(new URL('api/v1/webhooks/generic', c.url), { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': sign(body, secret) }, body });
    const sj = await signed.json() as any;
    assert.equal(signed.status, 200, JSON.stringify(sj));
    assert.deepEqual([sj.triggered, sj.unsigned], [[{ job: 'app', number: 3 }], undefined]);
    assert.equal((await finished('app', 3)).result, 'SUCCESS');
    assert.match(await consoleOf('app', 3), new RegExp(`^version=1 target=prod GIT_COMMIT=${c1} `, 'm'));
    const forged = await anon('/api/v1/webhooks/generic', { repository: src.repo, branch: 'main', commit: c1 }, { 'x-kiln-token': 'not-the-secret' });
    assert.equal(forged.status, 403);

    // A developer's API token, unsigned: may build the job, so it names commit and parameters.
    const dev = await userWithToken(api, 'dev', 'developer');
    const byDev = await anon('/api/v1/webhooks/generic', { repository: src.repo, branch: 'main', commit: c1, params: { TARGET: 'qa' } }, { authorization: `Bearer ${dev}` });
    assert.deepEqual([byDev.status, byDev.json.triggered, byDev.json.unsigned], [200, [{ job: 'app', number: 4 }], undefined]);
    const b4 = await finished('app', 4);
    assert.match(await consoleOf('app', 4), new RegExp(`^version=1 target=qa GIT_COMMIT=${c1} `, 'm'));
    assert.deepEqual(b4.causes, [{ type: 'webhook', description: 'Started by a generic webhook push to main (sent by user dev)', userId: 'dev' }]);

    // A viewer's token: may not build the job, so the push is only a look at the branch. The
    // last build (#4) is of c1 and the tip is newer: the tip is built, with default parameters.
    const viewer = await userWithToken(api, 'watcher', 'viewer');
    const byViewer = await anon('/api/v1/webhooks/generic', { repository: src.repo, branch: 'main', commit: c1, params: { TARGET: 'qa' } }, { authorization: `Bearer ${viewer}` });
    assert.equal(byViewer.status, 200, byViewer.text);
    assert.deepEqual(byViewer.json.triggered, [{ job: 'app', number: 5 }]);
    assert.match(byViewer.json.unsigned, /was sent by user watcher, who may not build this job \(app\)/);
    assert.equal((await finished('app', 5)).result, 'SUCCESS');
    const log5 = await consoleOf('app', 5);
    assert.match(log5, /^version=2 target=staging GIT_COMMIT=[0-9a-f]{40} BRANCH_NAME=main$/m);

    // A developer's session: only with its CSRF token (a browser sends the cookie by itself).
    const login = await fetch(new URL('api/v1/auth/login', c.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dev', password: 'dev-password-long-enough' }) });
    assert.equal(login.status, 200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const { csrfToken } = await login.json() as { csrfToken: string };
    const named = { repository: src.repo, branch: 'main', commit: c1, params: { TARGET: 'qa' } };
    const noCsrf = await anon('/api/v1/webhooks/generic', named, { cookie });
    assert.deepEqual([noCsrf.status, noCsrf.json.triggered, noCsrf.json.unchanged?.length], [200, [], 1]);
    const withCsrf = await anon('/api/v1/webhooks/generic', named, { cookie, 'x-kiln-csrf': csrfToken });
    assert.deepEqual(withCsrf.json.triggered, [{ job: 'app', number: 6 }]);
    await finished('app', 6);

    // The secret is for admins only, and never in the log.
    assert.equal((await api('GET', '/api/v1/jobs/app/webhook', undefined, { authorization: `Bearer ${dev}` })).status, 403);
    assert.equal((await api('GET', '/api/v1/jobs/app/webhook', undefined, { authorization: `Bearer ${viewer}` })).status, 403);
    assert.equal((await api('GET', '/api/v1/jobs/app/webhook', undefined, { authorization: '' })).status, 401);
    assert.equal((await api('GET', '/api/v1/jobs/nope/webhook')).status, 404);
    assert.ok(lines.some((l) => l.includes(`signed with the secret in ${file}`)), lines.join('\n'));
    assert.ok(!lines.some((l) => l.includes(secret)), 'the secret is in the log');

    // It survives a restart: hooks set up with it keep working.
    await c.close();
    c = await startController(testConfig({ home, port: '0', executors: '1' }), { log: (l) => lines.push(l) });
    assert.equal((await api('GET', '/api/v1/jobs/app/webhook')).json.secret, secret);
  });
});

describe('webhooks end to end with a secret (KILN_WEBHOOK_SECRET)', () => {
  let c: ControllerHandle;
  const lines: string[] = [];
  const api = rawApi(() => c.url);
  const anon = (p: string, body: unknown, headers: Record<string, string> = {}) => api('POST', p, body, { authorization: '', ...headers });
  before(async () => {
    const dir = tempDir('wh-secret');
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }, { KILN_WEBHOOK_SECRET: SECRET }), { log: (l) => lines.push(l) });
  });
  after(async () => { await c?.close(); });

  test('an unsigned push from nobody is refused with 401 and starts nothing; a signed one is accepted', async () => {
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'app', git: { url: 'https://example.com/app.git', branch: 'main' } })).status, 201);
    const body = { repository: 'https://example.com/app', branch: 'main' };
    const unsigned = await anon('/api/v1/webhooks/generic', body);
    assert.equal(unsigned.status, 401, unsigned.text);
    assert.match(unsigned.json.error.message, /requires signed webhooks/);
    const forged = await anon('/api/v1/webhooks/github', githubPushPayload({ cloneUrl: 'https://example.com/app.git' }), { 'x-github-event': 'push', 'x-hub-signature-256': sign('{}') });
    assert.equal(forged.status, 403, forged.text);
    assert.deepEqual((await api('GET', '/api/v1/jobs/app/builds')).json.builds, []);
    const signed = await anon('/api/v1/webhooks/generic', body, { 'x-hub-signature-256': sign(JSON.stringify(body)) });
    assert.equal(signed.status, 200, signed.text);
    assert.deepEqual(signed.json.triggered, [{ job: 'app', number: 1 }]);
    assert.equal(lines.filter((l) => l.startsWith('webhooks: refused')).length, 2);
    // A flood of forged hooks: every one refused, the log gets a handful of lines with a count.
    const flood = await Promise.all(Array.from({ length: 300 }, () => anon('/api/v1/webhooks/gitlab', body, { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': 'guess' })));
    assert.ok(flood.every((r) => r.status === 403));
    const refused = lines.filter((l) => l.startsWith('webhooks: refused'));
    assert.ok(refused.length <= 13, `${refused.length} log lines`);
    assert.match(refused.at(-1)!, /\(300 refusals from this address so far\)$/);
    assert.deepEqual((await api('GET', '/api/v1/jobs/app/builds')).json.builds.map((b: any) => b.number), [1]);
  });

  test('unsigned: a user who may build the job names the commit; one who may not is refused for that job; admins see the configured secret', async () => {
    const dev = await userWithToken(api, 'dev', 'developer');
    const viewer = await userWithToken(api, 'watcher', 'viewer');
    const body = { repository: 'https://example.com/app', branch: 'main', commit: SHA };
    const byDev = await anon('/api/v1/webhooks/generic', body, { authorization: `Bearer ${dev}` });
    assert.equal(byDev.status, 200, byDev.text);
    assert.equal(byDev.json.triggered.length, 1);
    const b = await finishedBuild(c.url, 'app', byDev.json.triggered[0].number);
    assert.deepEqual(b.scm, { url: 'https://example.com/app.git', branch: 'main', commit: SHA });
    const byViewer = await anon('/api/v1/webhooks/generic', body, { authorization: `Bearer ${viewer}` });
    assert.equal(byViewer.status, 200, byViewer.text);
    assert.deepEqual(byViewer.json.triggered, []);
    assert.deepEqual(byViewer.json.failed, [{ job: 'app', message: "user watcher may not build job 'app', and this controller refuses unsigned webhooks: sign the hook with the webhook secret" }]);
    const info = await api('GET', '/api/v1/jobs/app/webhook');
    assert.deepEqual([info.json.secret, info.json.secretSource, info.json.unsigned], [SECRET, 'configured', 'refuse']);
  });
});
