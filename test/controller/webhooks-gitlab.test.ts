// The GitLab plugin's trigger end to end (controller/gitlab-trigger.ts, webhooks.ts): a real
// controller whose git job's Jenkinsfile, in a local bare repository, declares
// `triggers { gitlab(...) }` and `options { gitLabConnection('corp') }`; real webhook POSTs as
// GitLab sends them (Push Hook, Merge Request Hook, Note Hook, X-Gitlab-Token); a local HTTP server
// speaking GitLab's REST API receives the build's commit statuses and merge request note
// (PRIVATE-TOKEN, JSON bodies). Also the attacker's view: a wrong token, a hostile branch name,
// the trigger's token in no API answer, the connection's token in no console.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, finishedBuild, consoleText, testConfig } from '../helpers/controller.ts';
import { startService, type TestService } from '../plugins/http-services/service-helper.ts';

const TOKEN = 'hook-token-7f3a';
const API_TOKEN = 'glpat-corp-secret-99';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' } }).trim();
}

const JENKINSFILE = `pipeline {
  agent any
  options { gitLabConnection('corp') }
  triggers {
    gitlab(triggerOnPush: true, triggerOnMergeRequest: true, branchFilterType: 'NameBasedFilter', includeBranchesSpec: 'main, feature/**',
           skipWorkInProgressMergeRequest: true, secretToken: '${TOKEN}')
  }
  stages {
    stage('Build') {
      steps {
        checkout scm
        sh 'echo "src=$gitlabSourceBranch tgt=$gitlabTargetBranch type=$gitlabActionType iid=$gitlabMergeRequestIid user=$gitlabUserName from=$gitlabSourceNamespace $gitlabSourceRepoHttpUrl"; cat VERSION'
        gitlabCommitStatus('build') { echo 'compiling' }
        addGitLabMRComment(comment: "Built #\${env.BUILD_NUMBER}")
      }
    }
  }
}
`;

function mergeRequest(o: { repo: string; sha: string; source?: string; action?: string; oldrev?: string | null; draft?: boolean; sourceProject?: number; iid?: number }) {
  // A fork's request: the source project is eve's copy.
  const ns = (name: string) => (name === 'source' && o.sourceProject !== undefined && o.sourceProject !== 15 ? 'eve' : 'mike');
  const side = (name: string) => ({
    name: 'app', namespace: ns(name), path_with_namespace: `${ns(name)}/app`, web_url: `http://gitlab.example.com/${ns(name)}/app`,
    git_http_url: name === 'target' ? o.repo : `http://gitlab.example.com/${ns(name)}/app.git`, git_ssh_url: `git@gitlab.example.com:${ns(name)}/app.git`, homepage: `http://gitlab.example.com/${ns(name)}/app`,
  });
  return {
    object_kind: 'merge_request', event_type: 'merge_request',
    user: { id: 1, name: 'Administrator', username: 'root', email: 'admin@example.com' },
    project: { id: 15, name: 'app', web_url: 'http://gitlab.example.com/mike/app', git_http_url: o.repo, git_ssh_url: 'git@gitlab.example.com:mike/app.git', namespace: 'mike', path_with_namespace: 'mike/app' },
    object_attributes: {
      id: 99, iid: o.iid ?? 7, target_branch: 'main', source_branch: o.source ?? 'feature/login', source_project_id: o.sourceProject ?? 15, target_project_id: 15,
      title: 'Add login', description: 'Adds the login page', state: 'opened', action: o.action ?? 'open', draft: o.draft ?? false, work_in_progress: o.draft ?? false,
      ...(o.oldrev ? { oldrev: o.oldrev } : {}),
      last_commit: { id: o.sha, message: 'login page', author: { name: 'Jane', email: 'jane@example.com' } },
      source: side('source'), target: side('target'), url: 'http://gitlab.example.com/mike/app/-/merge_requests/7',
    },
    assignees: [{ id: 2, name: 'Bob', username: 'bob' }],
    labels: [],
  };
}

function push(repo: string, ref: string, sha: string, message = 'a change') {
  return {
    object_kind: 'push', before: '95790bf891e76fee5e1747ab589903a6a1f80f22', after: sha, ref, checkout_sha: sha,
    user_id: 4, user_name: 'John Smith', user_username: 'jsmith', user_email: 'john@example.com', project_id: 15,
    project: { id: 15, name: 'app', web_url: 'http://gitlab.example.com/mike/app', git_http_url: repo, git_ssh_url: 'git@gitlab.example.com:mike/app.git', namespace: 'mike', path_with_namespace: 'mike/app' },
    commits: [{ id: sha, message, author: { name: 'John Smith', email: 'john@example.com' } }],
    repository: { name: 'app', url: 'git@gitlab.example.com:mike/app.git', homepage: 'http://gitlab.example.com/mike/app', git_http_url: 'http://gitlab.example.com/mike/app.git', git_ssh_url: 'git@gitlab.example.com:mike/app.git' },
  };
}

describe('the gitlab trigger: GitLab hooks build as the trigger says, the build reports back to GitLab', () => {
  let c: ControllerHandle;
  let gl: TestService;
  let repo: string;
  let work: string;
  const api = rawApi(() => c.url);
  const hook = (event: string, body: unknown, token: string | null = TOKEN) => api('POST', '/api/v1/webhooks/gitlab', body, { authorization: '', 'x-gitlab-event': event, ...(token ? { 'x-gitlab-token': token } : {}) });
  const commit = (branch: string, version: string, message = `${branch} ${version}`) => {
    git(work, 'checkout', '-q', '-B', branch);
    writeFileSync(path.join(work, 'Jenkinsfile'), JENKINSFILE);
    writeFileSync(path.join(work, 'VERSION'), `version-${version}\n`);
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', message);
    git(work, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`);
    return git(work, 'rev-parse', 'HEAD');
  };

  before(async () => {
    gl = await startService((r) => {
      if (r.headers['private-token'] !== API_TOKEN) return { status: 401, json: { message: '401 Unauthorized' } };
      if (r.method === 'POST' && /^\/api\/v4\/projects\/mike%2Fapp\/statuses\/[0-9a-f]{40}$/.test(r.path)) return { status: 201, json: { id: 1, status: (r.json as { state: string }).state } };
      if (r.method === 'POST' && r.path === '/api/v4/projects/15/merge_requests/7/notes') return { status: 201, json: { id: 301, body: (r.json as { body: string }).body } };
      return { status: 404, json: { message: '404 Project Not Found' } };
    });
    const dir = tempDir('wh-gitlab');
    repo = path.join(dir, 'app.git');
    work = path.join(dir, 'work');
    git(dir, 'init', '-q', '--bare', '-b', 'main', repo);
    git(dir, 'clone', '-q', repo, work);
    commit('main', '1');
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }), { log: () => undefined });
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'gl-corp', type: 'secretText', secret: API_TOKEN })).status, 201);
    const put = await api('PUT', '/api/v1/settings/http-services', { gitlabConnections: [{ name: 'corp', url: gl.url, credentialsId: 'gl-corp' }] });
    assert.equal(put.status, 200, put.text);
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'app', git: { url: repo, branch: 'main' } })).status, 201);
  });
  after(async () => {
    await c?.close();
    await gl?.close();
  });

  test('a first build reads the trigger; a merge request hook with the secret token builds its source branch with the gitlab* variables, and the statuses and note reach GitLab', async () => {
    // The job knows its trigger once a build has read the Jenkinsfile (as Jenkins).
    const first = await api('POST', '/api/v1/jobs/app/builds', {});
    assert.equal(first.status, 201, first.text);
    const b1 = await finishedBuild(c.url, 'app', 1);
    const log1 = await consoleText(c.url, 'app', 1);
    assert.equal(b1.result, 'SUCCESS', log1);
    assert.match(log1, /^addGitLabMRComment: this build was not started by a GitLab merge request hook \(gitlabMergeRequestIid is not set\): no comment added$/m);
    // The trigger's token is kept only as its hash (controller/gitlab-trigger.ts): no API answer shows it.
    assert.doesNotMatch((await api('GET', '/api/v1/jobs/app')).text, new RegExp(TOKEN));

    const sha = commit('feature/login', '2', 'login page');
    gl.received.length = 0;
    const r = await hook('Merge Request Hook', mergeRequest({ repo, sha }));
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.triggered, [{ job: 'app', number: 2 }]);
    const b2 = await finishedBuild(c.url, 'app', 2);
    const log2 = await consoleText(c.url, 'app', 2);
    assert.equal(b2.result, 'SUCCESS', log2);
    assert.deepEqual(b2.scm, { url: repo, branch: 'feature/login', commit: sha });
    assert.match(log2, /^src=feature\/login tgt=main type=MERGE iid=7 user=Administrator from=mike http:\/\/gitlab\.example\.com\/mike\/app\.git$/m);
    assert.match(log2, /^version-2$/m);
    assert.equal(b2.causes[0].description, 'Triggered by GitLab Merge Request #7: feature/login => main');
    const j = (x: { json: unknown }) => x.json as Record<string, string>;
    assert.deepEqual(gl.received.map((x) => `${x.method} ${x.path} ${j(x).state ?? ''} ${j(x).name ?? ''} ${j(x).ref ?? ''} ${j(x).body ?? ''}`.trim()), [
      `POST /api/v4/projects/mike%2Fapp/statuses/${sha} running build feature/login`,
      `POST /api/v4/projects/mike%2Fapp/statuses/${sha} success build feature/login`,
      'POST /api/v4/projects/15/merge_requests/7/notes    Built #2',
    ]);
    assert.match(j(gl.received[0]!).target_url!, /\/app\/2\/?$|builds\/2/);
    assert.ok(gl.received.every((x) => x.headers['private-token'] === API_TOKEN));
    assert.doesNotMatch(log2, new RegExp(API_TOKEN));
  });

  test('what the trigger does not build: an update without new commits, a draft, a branch the filter leaves out, [ci-skip]; a push to an included branch builds', async () => {
    const sha = git(work, 'rev-parse', 'HEAD');
    const before = (await api('GET', '/api/v1/jobs/app/builds')).json.builds.length;
    const update = await hook('Merge Request Hook', mergeRequest({ repo, sha, action: 'update' }));
    assert.deepEqual([update.status, update.json.triggered], [200, []]);
    assert.match(update.json.ignored, /app: its gitlab trigger does not build a merge request's 'update' without new commits/);
    const draft = await hook('Merge Request Hook', mergeRequest({ repo, sha, draft: true }));
    assert.match(draft.json.ignored, /is a draft/);
    const other = await hook('Push Hook', push(repo, 'refs/heads/experiment', sha));
    assert.match(other.json.ignored, /branch filter does not allow branch 'experiment'/, other.text);
    const skip = await hook('Push Hook', push(repo, 'refs/heads/main', sha, 'docs [ci-skip]'));
    assert.match(skip.json.ignored, /\[ci-skip\]/);
    assert.equal((await api('GET', '/api/v1/jobs/app/builds')).json.builds.length, before);

    const main = commit('main', '3');
    const p = await hook('Push Hook', push(repo, 'refs/heads/main', main));
    assert.equal(p.status, 200, p.text);
    assert.equal(p.json.triggered.length, 1, p.text);
    const n = p.json.triggered[0].number;
    const b = await finishedBuild(c.url, 'app', n);
    const log = await consoleText(c.url, 'app', n);
    assert.equal(b.result, 'SUCCESS', log);
    assert.match(log, /^src=main tgt=main type=PUSH iid= user=John Smith from=mike http:\/\/gitlab\.example\.com\/mike\/app\.git$/m);
    assert.equal(b.causes[0].description, 'Started by GitLab push by John Smith');
  });

  test("a merge request from a fork builds its commit, which GitLab keeps under refs/merge-requests/N/head, with the source project's variables; the Jenkinsfile is the job's branch's, not the fork's", async () => {
    // Eve's commit is on no branch of the job's repository, and changes the Jenkinsfile.
    git(work, 'checkout', '-q', '--detach', 'main');
    writeFileSync(path.join(work, 'Jenkinsfile'), "pipeline { agent any\n stages { stage('x') { steps { echo 'the fork ran its own pipeline' } } } }\n");
    writeFileSync(path.join(work, 'VERSION'), 'version-fork\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'eve: login');
    const sha = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', 'origin', 'HEAD:refs/merge-requests/8/head');
    git(work, 'checkout', '-q', 'main');
    const r = await hook('Merge Request Hook', mergeRequest({ repo, sha, sourceProject: 99, iid: 8, source: 'login' }));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.triggered.length, 1, r.text);
    const n = r.json.triggered[0].number;
    const b = await finishedBuild(c.url, 'app', n);
    const log = await consoleText(c.url, 'app', n);
    assert.equal(b.result, 'SUCCESS', log);
    assert.equal(b.causes[0].description, 'Triggered by GitLab Merge Request #8: eve/login => main');
    assert.match(log, new RegExp(`^The revision ${sha} comes from a fork: the Jenkinsfile is read from the job's own branch$`, 'm'));
    assert.doesNotMatch(log, /the fork ran its own pipeline/);
    assert.match(log, /^src=login tgt=main type=MERGE iid=8 user=Administrator from=eve http:\/\/gitlab\.example\.com\/eve\/app\.git$/m);
    assert.match(log, /^version-fork$/m);
    assert.equal(b.scm.commit, sha);
  });

  test("a comment on a merge request that is the trigger's noteRegex (the plugin's default phrase) builds the request's last commit as a NOTE; a comment on an issue, or another comment, builds nothing", async () => {
    const sha = git(work, 'rev-parse', 'feature/login');
    const mrBody = mergeRequest({ repo, sha }) as Record<string, any>;
    const { object_attributes: attrs, ...rest } = mrBody;
    const note = (text: string, noteable = 'MergeRequest') => ({
      ...rest, object_kind: 'note', event_type: 'note',
      object_attributes: { id: 1244, note: text, noteable_type: noteable, author_id: 1, url: 'http://gitlab.example.com/mike/app/-/merge_requests/7#note_1244' },
      ...(noteable === 'MergeRequest' ? { merge_request: attrs } : { issue: { id: 92, iid: 23, title: 'bug' } }),
    });
    const other = await hook('Note Hook', note('looks good to me'));
    assert.equal(other.status, 200, other.text);
    assert.deepEqual(other.json.triggered, []);
    assert.match(other.json.ignored, /the comment does not match its gitlab trigger's noteRegex 'Jenkins please retry a build'/);
    const issue = await hook('Note Hook', note('Jenkins please retry a build', 'Issue'));
    assert.equal(issue.status, 202, issue.text);
    assert.match(issue.json.ignored, /a GitLab comment on an Issue starts no build: only comments on merge requests do/);

    const r = await hook('Note Hook', note('Jenkins please retry a build'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.triggered.length, 1, r.text);
    const n = r.json.triggered[0].number;
    const b = await finishedBuild(c.url, 'app', n);
    const log = await consoleText(c.url, 'app', n);
    assert.equal(b.result, 'SUCCESS', log);
    assert.equal(b.causes[0].description, 'Triggered by Jane GitLab Merge Request #7: feature/login => main');
    assert.equal(b.causes[0].env.gitlabTriggerPhrase, 'Jenkins please retry a build');
    assert.equal(b.causes[0].env.gitlabCommentAuthor, 'root');
    assert.match(log, /^src=feature\/login tgt=main type=NOTE iid=7 user=Administrator from=mike /m);
    assert.equal(b.scm.commit, sha);
  });

  test("the editor's lint: a literal gitLabConnection name no connection has is an error at the name", async () => {
    const script = "properties([gitLabConnection('corp')])\nnode {\n  gitlabCommitStatus(name: 'b', connection: gitLabConnection(gitLabConnection: 'nope')) { echo 'x' }\n}\n";
    const r = await api('POST', '/api/v1/lint', { script });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.diagnostics.map((d: any) => [d.line, d.col, d.severity, d.code, d.message]), [
      [3, 80, 'error', 'gitlab-connection', "gitLabConnection: no GitLab connection named 'nope' is configured on this controller (there are: corp)"],
    ]);
  });

  test('the attacker: a wrong token builds nothing; a hostile branch name is refused; the token is never echoed', async () => {
    const sha = git(work, 'rev-parse', 'HEAD');
    const before = (await api('GET', '/api/v1/jobs/app/builds')).json.builds.length;
    const wrong = await hook('Merge Request Hook', mergeRequest({ repo, sha }), 'hook-token-7f3b');
    assert.notEqual(wrong.status, 500, wrong.text);
    assert.deepEqual(wrong.json.triggered ?? [], []);
    const none = await hook('Merge Request Hook', mergeRequest({ repo, sha }), null);
    assert.deepEqual(none.json.triggered ?? [], []);
    for (const source of ['main; rm -rf ~', '--upload-pack=touch /tmp/pwned', 'a/../../etc', 'x\ny']) {
      const r = await hook('Merge Request Hook', mergeRequest({ repo, sha, source }));
      assert.equal(r.status, 400, `${source}: ${r.text}`);
      assert.match(r.json.error.message, /is not a valid branch name/);
    }
    for (const r of [wrong, none]) assert.doesNotMatch(r.text, new RegExp(`${TOKEN}|7f3b`));
    assert.equal((await api('GET', '/api/v1/jobs/app/builds')).json.builds.length, before);
  });
});
