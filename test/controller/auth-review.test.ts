// Holes found reviewing folder permissions, login throttling and webhooks, each against a real
// controller over HTTP:
//   - a git job's Jenkinsfile that is a symlink out of the checkout (any developer's repository
//     can hold one) read the controller's own files (its webhook secret) into the build's console;
//   - a user deleted and made again with the same name inherited the old one's jobs: their
//     builds bound folder credentials and started folder jobs with the new user's rights.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, testConfig, finishedBuild, consoleText } from '../helpers/controller.ts';

let c: ControllerHandle;
let home = '';
const api = rawApi(() => c.url);
const enc = encodeURIComponent;
const SECRET = 'review-team-secret-77';

before(async () => {
  home = path.join(tempDir('auth-review'), 'home');
  c = await startController(testConfig({ home, port: '0', executors: '2' }));
  assert.equal((await api('POST', 'api/v1/credentials', { id: 'team-key', type: 'secretText', secret: SECRET, folder: 'team' })).status, 201);
});
after(async () => { await c?.close(); });

async function tokenOf(name: string, role: 'developer' | 'viewer' | 'admin'): Promise<Record<string, string>> {
  const made = await api('POST', 'api/v1/users', { name, role, password: `${name}-password-1` });
  assert.equal(made.status, 201, made.text);
  const t = await api('POST', `api/v1/users/${name}/tokens`, { name: 't' });
  assert.equal(t.status, 201, t.text);
  return { authorization: `Bearer ${t.json.token as string}` };
}

async function build(job: string, who?: Record<string, string>): Promise<{ b: { result: string; number: number }; console: string }> {
  const t = await api('POST', `api/v1/jobs/${enc(job)}/builds`, {}, who);
  assert.equal(t.status, 201, t.text);
  const b = await finishedBuild(c.url, job, t.json.number);
  return { b, console: await consoleText(c.url, job, t.json.number) };
}

function gitRepo(files: (dir: string) => void): string {
  const repo = tempDir('review-repo');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  git('init', '-q', '-b', 'main');
  files(repo);
  git('add', '-A');
  git('commit', '-q', '-m', 'x');
  return repo;
}

test("a git job's Jenkinsfile that is a symlink out of the checkout is refused: the controller's files stay out of the console", async () => {
  const webhookSecret = fs.readFileSync(path.join(home, 'secrets', 'webhook.secret'), 'utf8').trim();
  const escape = gitRepo((dir) => {
    // Any repository a developer can push to may hold this; the clone is in the controller's tmp.
    fs.symlinkSync(path.join(home, 'secrets', 'webhook.secret'), path.join(dir, 'Jenkinsfile'));
    fs.mkdirSync(path.join(dir, 'ci'));
    fs.symlinkSync(path.join(home, 'secrets'), path.join(dir, 'ci', 'secrets'));
  });
  // (A repository on the controller's disk needs an admin to make the job; a developer's https one would not.)
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'symlinked', git: { url: `file://${escape}`, branch: 'main' } })).status, 201);
  const r = await build('symlinked');
  assert.equal(r.b.result, 'FAILURE', r.console);
  assert.equal(r.console.includes(webhookSecret), false, `the console shows the webhook secret:\n${r.console}`);
  assert.match(r.console, /the Jenkinsfile path 'Jenkinsfile' is a symbolic link that leaves the repository/);
  // Through a symlinked directory too.
  assert.equal((await api('PUT', 'api/v1/jobs/symlinked', { git: { url: `file://${escape}`, branch: 'main', path: 'ci/secrets/webhook.secret' } })).status, 200);
  const r2 = await build('symlinked');
  assert.equal(r2.b.result, 'FAILURE');
  assert.equal(r2.console.includes(webhookSecret), false, `the console shows the webhook secret:\n${r2.console}`);
  assert.match(r2.console, /the Jenkinsfile path 'ci\/secrets\/webhook\.secret' is a symbolic link that leaves the repository/);

  // A symlink that stays inside the repository is fine.
  const inside = gitRepo((dir) => {
    fs.mkdirSync(path.join(dir, 'ci'));
    fs.writeFileSync(path.join(dir, 'ci', 'Jenkinsfile'), "pipeline { agent any; stages { stage('S') { steps { echo 'linked inside' } } } }");
    fs.symlinkSync('ci/Jenkinsfile', path.join(dir, 'Jenkinsfile'));
  });
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'linked-inside', git: { url: `file://${inside}`, branch: 'main' } })).status, 201);
  const ok = await build('linked-inside');
  assert.equal(ok.b.result, 'SUCCESS', ok.console);
  assert.match(ok.console, /^linked inside$/m);
});

test('a user deleted and made again with the same name does not inherit the old one\'s jobs: their builds bind no folder credential and start no folder job as the new user', async () => {
  const usesKey = `pipeline { agent any; stages { stage('A') { steps { withCredentials([string(credentialsId: 'team-key', variable: 'S')]) { sh 'echo "got $S"' } } } } }`;
  const dave = await tokenOf('dave', 'developer');
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/daves', script: usesKey }, dave)).status, 201);
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'daves-trigger', script: "pipeline { agent any; stages { stage('S') { steps { build job: 'team/target' } } } }" }, dave)).status, 201);
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/target', script: "pipeline { agent any; stages { stage('S') { steps { echo 'target ran' } } } }" })).status, 201);
  assert.equal((await api('DELETE', 'api/v1/users/dave')).status, 204);

  // A new dave, granted team's rights later, for his own work.
  const dave2 = await tokenOf('dave', 'developer');
  const all = ['job.create', 'job.configure', 'job.build', 'job.delete', 'credentials.use'];
  assert.equal((await api('PUT', 'api/v1/folders/team', { grants: [{ grantee: 'user:dave', rights: all }] })).status, 200);

  const bound = await build('team/daves', dave2);
  assert.equal(bound.b.result, 'FAILURE', bound.console);
  assert.match(bound.console, /credential 'team-key' of folder 'team' may not be bound by job 'team\/daves': folder 'team' has permissions set, and 'dave', who last set the job's definition, was deleted since \(the user 'dave' now is another one\)/);
  const started = await build('daves-trigger', dave2);
  assert.equal(started.b.result, 'FAILURE', started.console);
  assert.match(started.console, /job 'daves-trigger' may not start 'team\/target': folder 'team' has permissions set, and 'dave' \(deleted since; the user 'dave' now is another one\), who last set 'daves-trigger''s definition, does not hold job\.build there/);

  // Saving the definition makes the new dave its configurer.
  assert.equal((await api('PUT', 'api/v1/jobs/team%2Fdaves', { script: usesKey }, dave2)).status, 200);
  const now = await build('team/daves', dave2);
  assert.equal(now.b.result, 'SUCCESS', now.console);
  assert.equal((await api('DELETE', 'api/v1/folders/team')).status, 204);
});

test("a commit named by a user's webhook push runs a script that user chose: it binds a folder credential only if that user holds credentials.use there too", async () => {
  assert.equal((await api('POST', 'api/v1/credentials', { id: 'hook-key', type: 'secretText', secret: 'hook-secret-value-5', folder: 'hooks' })).status, 201);
  const erin = await tokenOf('erin', 'developer');
  const fred = await tokenOf('fred', 'developer');
  assert.equal((await api('PUT', 'api/v1/folders/hooks', { grants: [
    { grantee: 'user:erin', rights: ['job.build', 'credentials.use'] },
    { grantee: 'user:fred', rights: ['job.build'] },
  ] })).status, 200);
  // main's Jenkinsfile is harmless; another commit of the repository (a branch, or on GitHub a
  // fork's pull request) binds the folder's credential.
  const binds = `pipeline { agent any; stages { stage('A') { steps { withCredentials([string(credentialsId: 'hook-key', variable: 'S')]) { sh 'echo "picked $S"' } } } } }`;
  let picked = '';
  const repo = gitRepo((dir) => fs.writeFileSync(path.join(dir, 'Jenkinsfile'), "pipeline { agent any; stages { stage('S') { steps { echo 'main' } } } }"));
  {
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).toString().trim();
    git('checkout', '-q', '-b', 'other');
    fs.writeFileSync(path.join(repo, 'Jenkinsfile'), binds);
    git('commit', '-q', '-am', 'binds');
    picked = git('rev-parse', 'HEAD');
    git('checkout', '-q', 'main');
  }
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'hooks/app', git: { url: `file://${repo}`, branch: 'main' } })).status, 201);
  const push = { repository: `file://${repo}`, branch: 'main', commit: picked };

  const byFred = await api('POST', 'api/v1/webhooks/generic', push, fred);
  assert.equal(byFred.status, 200, byFred.text);
  const n = byFred.json.triggered[0].number as number;
  const fb = await finishedBuild(c.url, 'hooks/app', n);
  const fc = await consoleText(c.url, 'hooks/app', n);
  assert.equal(fb.result, 'FAILURE', fc);
  assert.match(fc, /credential 'hook-key' of folder 'hooks' may not be bound by job 'hooks\/app': this build runs a script 'fred' chose \(a commit named in a webhook push\), and 'fred' does not hold credentials\.use on folder 'hooks'/);

  const byErin = await api('POST', 'api/v1/webhooks/generic', push, erin);
  const m = byErin.json.triggered[0].number as number;
  const eb = await finishedBuild(c.url, 'hooks/app', m);
  assert.equal(eb.result, 'SUCCESS', await consoleText(c.url, 'hooks/app', m));
  // A signed push is the repository's own word: the job's configurer binds, as before.
  assert.equal((await api('DELETE', 'api/v1/folders/hooks')).status, 204);
});

test('a user whose name Kiln now reserves (admin-token), made before it was, is disabled at start with a warning: it cannot pass for the admin token', async () => {
  const home2 = path.join(tempDir('reserved'), 'home');
  let c2 = await startController(testConfig({ home: home2, port: '0' }));
  const api2 = rawApi(() => c2.url);
  assert.equal((await api2('POST', 'api/v1/users', { name: 'was-ok', role: 'developer', password: 'was-ok-password' })).status, 201);
  await c2.close();
  // The name as an older Kiln let it be made: written straight into the store.
  const { DatabaseSync } = await import('node:sqlite');
  const db = new DatabaseSync(path.join(home2, 'kiln.db'));
  db.prepare(`INSERT INTO users (name, role, full_name, password_hash, disabled, created_at, updated_at)
    SELECT 'admin-token', role, full_name, password_hash, 0, created_at, updated_at FROM users WHERE name = 'was-ok'`).run();
  db.close();
  const lines: string[] = [];
  c2 = await startController(testConfig({ home: home2, port: '0' }), { log: (l) => lines.push(l) });
  try {
    const u = await api2('GET', 'api/v1/users/admin-token');
    assert.equal(u.json.disabled, true, u.text);
    assert.ok(lines.some((l) => /WARNING: auth: user 'admin-token' has a name Kiln reserves/.test(l)), lines.join('\n'));
    assert.equal((await api2('GET', 'api/v1/users/was-ok')).json.disabled, false);
  } finally {
    await c2.close();
  }
});
