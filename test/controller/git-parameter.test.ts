// The Git Parameter plugin's gitParameter on a real controller: a job whose Jenkinsfile lives in a
// real git repository (served by `git daemon`, and by smart HTTP that asks for a token) declares
// gitParameters; after its first build the job has them, and GET
// /api/v1/jobs/:job/parameters/:name/values lists the repository's branches (filtered by a Java
// regex, its group taken), tags (a glob) or pull requests, sorted as asked, with the selected one;
// a build started without a value gets the default, one with a value gets it; PT_REVISION lists
// a branch's commits with the plugin's labels. Who may ask: a developer; a hostile filter does not
// stall the controller; concurrent calls share one git run and an answer is kept a short time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../helpers/controller.ts';
import { configureRegexPool } from '../../src/pipeline/script/regex-pool.ts';
import { gitIn, libraryRepo, startGitDaemon, startGitHttp, type LibraryRepo } from '../helpers/git-servers.ts';

let c: ControllerHandle;
const api = rawApi(() => c.url);
let repo: LibraryRepo;
let daemon: Awaited<ReturnType<typeof startGitDaemon>>;
let httpGit: Awaited<ReturnType<typeof startGitHttp>>;
/** A branch name that '(a+)+b' backtracks on for ever. */
const LONG = `${'a'.repeat(50)}c`;
let regexLimits: ReturnType<typeof configureRegexPool>;

const JENKINSFILE = `pipeline {
  agent any
  parameters {
    gitParameter(name: 'BRANCH', type: 'PT_BRANCH', defaultValue: 'main', branchFilter: 'origin/(release/.*|main)', sortMode: 'DESCENDING_SMART', selectedValue: 'DEFAULT')
    gitParameter(name: 'ALL', type: 'PT_BRANCH', sortMode: 'ASCENDING', selectedValue: 'TOP')
    gitParameter(name: 'TAG', type: 'PT_TAG', defaultValue: 'v1.2', tagFilter: 'v1.*', sortMode: 'ASCENDING_SMART')
    gitParameter(name: 'PR', type: 'PT_PULL_REQUEST')
    gitParameter(name: 'SLOW', type: 'PT_BRANCH', branchFilter: 'origin/(a+)+b')
    gitParameter(name: 'REV', type: 'PT_REVISION', branch: 'main', selectedValue: 'TOP')
    string(name: 'PLAIN', defaultValue: 'x')
  }
  stages { stage('show') { steps { echo "branch=\${params.BRANCH} tag=\${params.TAG}" } } }
}`;

before(async () => {
  // The regex threads' deadline, short for this file (the controller's is 10 s).
  regexLimits = configureRegexPool({ timeoutMs: 1000 });
  repo = libraryRepo({ Jenkinsfile: JENKINSFILE }, 'shop');
  for (const b of ['release/1.9', 'release/1.10', 'release/1.2', 'feature/login', LONG]) {
    repo.branch(b);
    repo.commit({}, b);
  }
  for (const t of ['v1.2', 'v1.10', 'v1.9', 'v2.0']) repo.tag(t, t === 'v1.10');
  // Pull request heads, as GitHub keeps them.
  gitIn(repo.bare, 'update-ref', 'refs/pull/7/head', 'main');
  gitIn(repo.bare, 'update-ref', 'refs/pull/12/head', 'main');
  daemon = await startGitDaemon(path.dirname(repo.bare));
  httpGit = await startGitHttp(path.dirname(repo.bare), { user: 'bot', token: 'git-token-123' });
  c = await startController(testConfig({ home: path.join(tempDir('gitparam'), 'home'), port: '0', executors: '2' }));
});
after(async () => {
  configureRegexPool(regexLimits);
  await c?.close();
  await daemon?.stop();
  await httpGit?.stop();
});

const values = (job: string, name: string) => api('GET', `/api/v1/jobs/${job}/parameters/${name}/values`);

test("the job's gitParameters list the repository's refs as filtered, sorted and selected; builds get the default or the value given", async () => {
  assert.equal((await api('POST', '/api/v1/jobs', { name: 'shop', git: { url: daemon.url('shop.git'), branch: 'main' } })).status, 201);
  // Before a build the job does not know its parameters (as Jenkins: they come from the Jenkinsfile's run).
  assert.equal((await values('shop', 'BRANCH')).status, 404);
  const first = await api('POST', '/api/v1/jobs/shop/builds', {});
  assert.equal(first.status, 201, first.text);
  assert.equal((await finishedBuild(c.url, 'shop', 1)).result, 'SUCCESS');
  assert.match(await consoleText(c.url, 'shop', 1), /^branch=main tag=v1\.2$/m);

  const job = await api('GET', '/api/v1/jobs/shop');
  assert.deepEqual(job.json.parameters.find((p: { name: string }) => p.name === 'TAG').git, { type: 'PT_TAG', branchFilter: '.*', tagFilter: 'v1.*', sortMode: 'ASCENDING_SMART', selectedValue: 'NONE', branch: '', useRepository: '' });

  const branch = await values('shop', 'BRANCH');
  assert.equal(branch.status, 200, branch.text);
  assert.deepEqual(branch.json, { values: ['release/1.10', 'release/1.9', 'release/1.2', 'main'], selected: 'main' });
  const all = await values('shop', 'ALL');
  assert.deepEqual(all.json.values, [`origin/${LONG}`, 'origin/feature/login', 'origin/main', 'origin/release/1.10', 'origin/release/1.2', 'origin/release/1.9']);
  assert.equal(all.json.selected, `origin/${LONG}`);
  assert.deepEqual((await values('shop', 'TAG')).json, { values: ['v1.2', 'v1.9', 'v1.10'], selected: null });
  assert.deepEqual((await values('shop', 'PR')).json.values.sort(), ['12', '7']);

  // A filter that backtracks without end against a long branch name is stopped, not the controller.
  const slow = await values('shop', 'SLOW');
  assert.equal(slow.status, 400, slow.text);
  assert.match(slow.json.error.message, /branchFilter/);
  assert.equal((await api('GET', '/api/v1/health')).status, 200);

  // PT_REVISION: the branch's commits, newest first, labelled as the plugin labels them.
  const rev = await values('shop', 'REV');
  assert.equal(rev.status, 200, rev.text);
  const mainHead = gitIn(repo.bare, 'rev-parse', 'main');
  assert.deepEqual(rev.json.values, [mainHead]);
  assert.equal(rev.json.selected, mainHead);
  const when = gitIn(repo.bare, 'log', '-1', '--format=%ai', 'main').slice(0, 16);
  assert.deepEqual(rev.json.labels, [`${mainHead.slice(0, 7)} ${when} Lib Author <lib@example.com> first`]);
  const plain = await values('shop', 'PLAIN');
  assert.equal(plain.status, 400);
  assert.match(plain.json.error.message, /is a string parameter, not a gitParameter/);

  // The value the form sends is the build's.
  const second = await api('POST', '/api/v1/jobs/shop/builds', { params: { BRANCH: 'release/1.10', TAG: 'v1.9' } });
  assert.equal(second.status, 201, second.text);
  await finishedBuild(c.url, 'shop', 2);
  assert.match(await consoleText(c.url, 'shop', 2), /^branch=release\/1\.10 tag=v1\.9$/m);
});

test("a repository that needs the job's credential is listed with it; an inline job has no repository; a viewer may not ask", async () => {
  assert.equal((await api('POST', '/api/v1/credentials', { id: 'git-bot', type: 'usernamePassword', username: 'bot', password: 'git-token-123' })).status, 201);
  assert.equal((await api('POST', '/api/v1/jobs', { name: 'private', git: { url: httpGit.url('shop.git'), branch: 'main', credentialsId: 'git-bot' } })).status, 201);
  await api('POST', '/api/v1/jobs/private/builds', {});
  assert.equal((await finishedBuild(c.url, 'private', 1)).result, 'SUCCESS');
  const tags = await values('private', 'TAG');
  assert.equal(tags.status, 200, tags.text);
  assert.deepEqual(tags.json.values, ['v1.2', 'v1.9', 'v1.10']);
  assert.ok(!tags.text.includes('git-token-123'));

  assert.equal((await api('POST', '/api/v1/jobs', { name: 'inline', script: JENKINSFILE })).status, 201);
  await api('POST', '/api/v1/jobs/inline/builds', {});
  await finishedBuild(c.url, 'inline', 1);
  const inline = await values('inline', 'BRANCH');
  assert.equal(inline.status, 409);
  assert.match(inline.json.error.message, /inline Jenkinsfile/);

  assert.equal((await api('POST', '/api/v1/users', { name: 'vera', password: 'vera-password-1', role: 'viewer' })).status, 201);
  const token = (await api('POST', '/api/v1/users/vera/tokens', { name: 't' })).json.token as string;
  const denied = await api('GET', '/api/v1/jobs/shop/parameters/BRANCH/values', undefined, { authorization: `Bearer ${token}` });
  assert.equal(denied.status, 403, denied.text);
});

test("the listing is bounded: one git run serves concurrent calls, and an answer is kept a short time (a new branch does not run git again); PT_REVISION labels a tagged commit and joins the message's lines", async () => {
  const infoRefs = () => httpGit.requests.filter((r) => r.includes('/shop.git/info/refs')).length;
  let n = infoRefs();
  const all = await values('private', 'ALL');
  assert.equal(all.status, 200, all.text);
  const oneRun = infoRefs() - n;
  assert.ok(oneRun > 0, 'the first call lists the repository');

  n = infoRefs();
  const many = await Promise.all(Array.from({ length: 8 }, () => values('private', 'BRANCH')));
  for (const m of many) assert.equal(m.status, 200, m.text);
  assert.deepEqual(many.map((m) => m.json), many.map(() => ({ values: ['release/1.10', 'release/1.9', 'release/1.2', 'main'], selected: 'main' })));
  assert.equal(infoRefs() - n, oneRun, 'eight concurrent calls: one git ls-remote');

  // A new branch: the answer kept for this (repository, type, filter) does not run git again.
  repo.branch('release/3.0');
  repo.commit({}, 'three');
  n = infoRefs();
  assert.deepEqual((await values('private', 'BRANCH')).json.values, ['release/1.10', 'release/1.9', 'release/1.2', 'main']);
  assert.deepEqual((await values('private', 'ALL')).json, all.json);
  assert.equal(infoRefs() - n, 0, 'answered from the cache');

  // Revisions on the credential's repository: a tagged commit with a message of several lines.
  gitIn(repo.work, 'checkout', '--quiet', 'main');
  gitIn(repo.work, 'commit', '--quiet', '--allow-empty', '-m', 'Fix the build', '-m', 'It broke on\n\nFriday.');
  gitIn(repo.work, 'tag', '-a', '-m', 'release', 'rev-1');
  gitIn(repo.work, 'push', '--quiet', '--tags', 'origin', 'HEAD');
  const rev = await values('private', 'REV');
  assert.equal(rev.status, 200, rev.text);
  const head = gitIn(repo.bare, 'rev-parse', 'main');
  const when = gitIn(repo.bare, 'log', '-1', '--format=%ai', 'main').slice(0, 16);
  assert.equal(rev.json.values.length, 2);
  assert.equal(rev.json.values[0], head);
  assert.equal(rev.json.labels[0], `${head.slice(0, 7)} (rev-1) ${when} Lib Author <lib@example.com> Fix the build It broke on Friday.`);
  assert.ok(!rev.text.includes('git-token-123'));
});
