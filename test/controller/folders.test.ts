// Folder permissions in a real controller, over HTTP, with real builds: a developer without a
// grant on 'team' cannot create 'team/steal', move a job into 'team/', build, change or delete
// 'team/app', or cancel its queued build; a grantee can; a viewer never; admins always. A
// build binds a 'team' credential only if the job's configurer (who last set its definition)
// holds credentials.use on 'team' now: a job that got into the folder before the grants, a
// replay of a changed script by someone without the right, and a `build job:` from outside
// are refused with a message that says who must do what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, testConfig, finishedBuild, consoleText, until } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = rawApi(() => c.url);
type Who = 'root' | 'alice' | 'bob' | 'mallory' | 'vic';
const as = {} as Record<Who, Record<string, string>>;
const enc = encodeURIComponent;

/** A Jenkinsfile that binds credential `id` and prints it (masked). */
const usesKey = (id = 'team-key') =>
  `pipeline { agent any; stages { stage('A') { steps { withCredentials([string(credentialsId: '${id}', variable: 'S')]) { sh 'echo "got $S"' } } } } }`;
const SECRET = 'team-secret-value-42';

before(async () => {
  c = await startController(testConfig({ home: path.join(tempDir('folders'), 'home'), port: '0', executors: '2' }));
  for (const [name, role] of [['root', 'admin'], ['alice', 'developer'], ['bob', 'developer'], ['mallory', 'developer'], ['vic', 'viewer']] as const) {
    assert.equal((await api('POST', 'api/v1/users', { name, role, password: `${name}-password` })).status, 201);
    as[name] = { authorization: `Bearer ${(await api('POST', `api/v1/users/${name}/tokens`, { name: 't' })).json.token as string}` };
  }
  assert.equal((await api('POST', 'api/v1/credentials', { id: 'team-key', type: 'secretText', secret: SECRET, folder: 'team' })).status, 201);
});
after(async () => { await c?.close(); });

/** Starts a build as `who` and follows it to its end: the build and its console. */
async function build(job: string, who: Record<string, string>): Promise<{ b: { result: string; number: number }; console: string }> {
  const t = await api('POST', `api/v1/jobs/${enc(job)}/builds`, {}, who);
  assert.equal(t.status, 201, t.text);
  const b = await finishedBuild(c.url, job, t.json.number);
  return { b, console: await consoleText(c.url, job, t.json.number) };
}

test('before any grant a folder is open to every developer, as it always was; an admin grant guards it', async () => {
  // mallory gets a job into team/ while nothing guards it (the state the issue describes).
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/early', script: usesKey() }, as.mallory)).status, 201);
  const open = await build('team/early', as.mallory);
  assert.equal(open.b.result, 'SUCCESS', open.console);
  assert.match(open.console, /got \*\*\*\*/);

  const grants = [
    { grantee: 'user:alice', rights: ['job.create', 'job.configure', 'job.build', 'job.delete', 'credentials.use'] },
    { grantee: 'user:bob', rights: ['job.create', 'job.configure', 'job.build'] },
  ];
  assert.equal((await api('PUT', 'api/v1/folders/team', { grants }, as.alice)).status, 403);
  const set = await api('PUT', 'api/v1/folders/team', { grants }, as.root);
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.json.grants.map((g: { grantee: string }) => g.grantee), ['user:alice', 'user:bob']);
  const shown = (await api('GET', 'api/v1/folders/team')).json;
  assert.deepEqual([shown.guarded, shown.jobs], [true, ['team/early']]);
  assert.deepEqual((await api('GET', 'api/v1/folders/team%2Fsub')).json.inherited.map((x: { folder: string }) => x.folder), ['team']);
  const audit = (await api('GET', 'api/v1/audit?action=folder.grants')).json.entries[0];
  assert.equal(audit.actor, 'root');
  assert.equal(audit.target, 'team');
  assert.match(audit.detail, /^grants: user:alice: job\.create, job\.configure, job\.build, job\.delete, credentials\.use; user:bob: job\.create, job\.configure, job\.build \(were: none\)$/);
  // Bad grants are refused by field.
  assert.match((await api('PUT', 'api/v1/folders/team', { grants: [{ grantee: 'user:alice', rights: ['job.steal'] }] })).json.error.message, /grants\[0\]\.rights: unknown right "job\.steal"/);
  assert.match((await api('PUT', 'api/v1/folders/team', { grants: [{ grantee: 'user:nobody', rights: [] }] })).json.error.message, /no user named 'nobody'/);
  assert.match((await api('PUT', 'api/v1/folders/team', { grants: [{ grantee: 'role:admin', rights: [] }] })).json.error.message, /neither 'user:<user name>' nor 'role:developer'/);
  assert.equal((await api('PUT', 'api/v1/folders/..%2Fx', { grants: [] })).status, 400);
});

test("a developer without a grant cannot create team/steal, move a job into team/, or build, change or delete team's jobs; a viewer never; a grantee and admins can", async () => {
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/app', script: usesKey() }, as.alice)).status, 201);

  const steal = await api('POST', 'api/v1/jobs', { name: 'team/steal', script: usesKey() }, as.mallory);
  assert.equal(steal.status, 403);
  assert.equal(steal.json.error.message, "creating job 'team/steal' needs the job.create right in folder 'team', which has permissions set (on 'team'); mallory holds no right there. Ask an admin to grant it (PUT /api/v1/folders/team)");
  // Deeper is the same folder's business.
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/sub/steal', script: usesKey() }, as.mallory)).status, 403);
  assert.equal((await api('GET', 'api/v1/jobs/team%2Fsteal')).status, 404);

  // Moving (renaming) a job of one's own into team/.
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'mallory/x', script: usesKey() }, as.mallory)).status, 201);
  const move = await api('PUT', 'api/v1/jobs/mallory%2Fx', { name: 'team/x' }, as.mallory);
  assert.equal(move.status, 403);
  assert.match(move.json.error.message, /^moving job 'mallory\/x' to 'team\/x' needs the job\.create right in folder 'team'/);
  assert.equal((await api('GET', 'api/v1/jobs/mallory%2Fx')).status, 200);

  for (const [method, p, body] of [
    ['POST', 'api/v1/jobs/team%2Fapp/builds', {}],
    ['PUT', 'api/v1/jobs/team%2Fapp', { script: usesKey() }],
    ['PUT', 'api/v1/jobs/team%2Fapp', { name: 'mallory/app' }],
    ['DELETE', 'api/v1/jobs/team%2Fapp', undefined],
  ] as const) {
    const r = await api(method, p, body, as.mallory);
    assert.equal(r.status, 403, `${method} ${p} ${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.json.error.message, /right in folder 'team'.*mallory holds no right there/);
    const v = await api(method, p, body, as.vic);
    assert.equal(v.status, 403);
    assert.match(v.json.error.message, /needs the developer role; vic is a viewer/);
  }

  // The grantee builds, and the build binds team's credential (masked).
  const ok = await build('team/app', as.alice);
  assert.equal(ok.b.result, 'SUCCESS', ok.console);
  assert.match(ok.console, /got \*\*\*\*/);
  assert.equal(ok.console.includes(SECRET), false);
  // bob (no delete right) may build but not delete; admins may do anything.
  assert.equal((await api('POST', 'api/v1/jobs/team%2Fapp/builds', {}, as.bob)).status, 201);
  assert.match((await api('DELETE', 'api/v1/jobs/team%2Fapp', undefined, as.bob)).json.error.message, /needs the job\.delete right in folder 'team'.*bob holds only job\.create, job\.configure, job\.build there/);
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/by-admin', script: usesKey() }, as.root)).status, 201);
  assert.equal((await build('team/by-admin', as.root)).b.result, 'SUCCESS');
  // A grantee may move a job in; then it is theirs.
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'alice-moved', script: usesKey() }, as.alice)).status, 201);
  assert.equal((await api('PUT', 'api/v1/jobs/alice-moved', { name: 'team/moved' }, as.alice)).status, 200);
  assert.equal((await build('team/moved', as.alice)).b.result, 'SUCCESS');
});

test("a job in team/ without the right — from before the grants, or saved by a grantee without credentials.use — cannot bind team's credential; saving it by someone with the right fixes it", async () => {
  const early = await build('team/early', as.alice);
  assert.equal(early.b.result, 'FAILURE');
  assert.match(early.console, /credential 'team-key' of folder 'team' may not be bound by job 'team\/early': folder 'team' has permissions set, and 'mallory', who last set the job's definition, does not hold credentials\.use there; someone who holds credentials\.use on 'team' must save the job's definition \(PUT \/api\/v1\/jobs\/team%2Fearly with its script or git\), or an admin must grant it \(PUT \/api\/v1\/folders\/team\)/);
  assert.equal(early.console.includes(SECRET), false);
  const refused = (await api('GET', 'api/v1/audit?action=credential.refused')).json.entries[0];
  assert.deepEqual([refused.actor, refused.target], [`team/early #${early.b.number}`, 'team-key']);

  // Changing its description does not make alice its configurer; saving its definition does.
  assert.equal((await api('PUT', 'api/v1/jobs/team%2Fearly', { description: 'reviewed' }, as.alice)).status, 200);
  assert.equal((await build('team/early', as.alice)).b.result, 'FAILURE');
  assert.equal((await api('PUT', 'api/v1/jobs/team%2Fearly', { script: usesKey() }, as.alice)).status, 200);
  assert.equal((await build('team/early', as.alice)).b.result, 'SUCCESS');

  // bob may create jobs in team/, but not bind its credentials.
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/bobs', script: usesKey() }, as.bob)).status, 201);
  const bobs = await build('team/bobs', as.bob);
  assert.equal(bobs.b.result, 'FAILURE');
  assert.match(bobs.console, /'bob', who last set the job's definition, does not hold credentials\.use there/);
  // Nor by replaying alice's job with a script of his own.
  const first = await build('team/app', as.alice);
  const replay = await api('POST', `api/v1/jobs/team%2Fapp/builds/${first.b.number}/replay`, { script: usesKey().replace('got', 'replayed') }, as.bob);
  assert.equal(replay.status, 201, replay.text);
  const replayed = await finishedBuild(c.url, 'team/app', replay.json.number);
  assert.equal(replayed.result, 'FAILURE');
  assert.match(await consoleText(c.url, 'team/app', replay.json.number), /this build replays a changed script, and 'bob', who replayed it, does not hold credentials\.use on folder 'team'/);
  // A replay of the same script is just a build.
  const same = await api('POST', `api/v1/jobs/team%2Fapp/builds/${first.b.number}/replay`, {}, as.bob);
  assert.equal((await finishedBuild(c.url, 'team/app', same.json.number)).result, 'SUCCESS');

  // Losing the right (or the account) takes it from the jobs one configured.
  assert.equal((await api('PUT', 'api/v1/users/alice', { disabled: true })).status, 200);
  const gone = await build('team/app', as.root);
  assert.equal(gone.b.result, 'FAILURE');
  assert.match(gone.console, /'alice', who last set the job's definition, is no longer an active user/);
  assert.equal((await api('PUT', 'api/v1/users/alice', { disabled: false })).status, 200);
});

test("a job outside the folder cannot bind the folder's credential: refused when saved (git) and when built", async () => {
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'other/x', script: usesKey() }, as.alice)).status, 201);
  const outside = await build('other/x', as.alice);
  assert.equal(outside.b.result, 'FAILURE');
  assert.match(outside.console, /no credential 'team-key' visible to job 'other\/x'/);
  const git = await api('POST', 'api/v1/jobs', { name: 'other/git', git: { url: 'https://example.invalid/r.git', credentialsId: 'team-key' } }, as.alice);
  assert.equal(git.status, 400);
  assert.equal(git.json.error.message, "git.credentialsId: credential 'team-key' belongs to folder 'team', and job 'other/git' is outside it: only jobs named 'team/...' may use it");
  // Inside the folder, the one who saves it must hold credentials.use.
  const bobGit = await api('POST', 'api/v1/jobs', { name: 'team/git', git: { url: 'https://example.invalid/r.git', credentialsId: 'team-key' } }, as.bob);
  assert.equal(bobGit.status, 403);
  assert.match(bobGit.json.error.message, /^using credential 'team-key' of folder 'team' to clone job 'team\/git' needs the credentials\.use right in folder 'team'/);
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/git', git: { url: 'https://example.invalid/r.git', credentialsId: 'team-key' } }, as.alice)).status, 201);
});

test("another job's `build job:` may start a team job only if its configurer may build there", async () => {
  const trigger = (name: string) => `pipeline { agent any; stages { stage('S') { steps { script { def r = build job: '${name}'; echo "child \${r.result}" } } } } }`;
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'mallory/trigger', script: trigger('team/app') }, as.mallory)).status, 201);
  const refused = await build('mallory/trigger', as.mallory);
  assert.equal(refused.b.result, 'FAILURE');
  assert.match(refused.console, /job 'mallory\/trigger' may not start 'team\/app': folder 'team' has permissions set, and 'mallory', who last set 'mallory\/trigger''s definition, does not hold job\.build there/);
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'alice-trigger', script: trigger('team/app') }, as.alice)).status, 201);
  const ok = await build('alice-trigger', as.alice);
  assert.equal(ok.b.result, 'SUCCESS', ok.console);
  assert.match(ok.console, /child SUCCESS/);
});

test("a queued build of a team job is cancelled only by those who may build it", async () => {
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/waits', script: "pipeline { agent { label 'nowhere' }; stages { stage('A') { steps { echo 'never' } } } }" }, as.alice)).status, 201);
  const t = await api('POST', 'api/v1/jobs/team%2Fwaits/builds', {}, as.alice);
  assert.equal(t.status, 201);
  let id = '';
  await until(async () => {
    id = ((await api('GET', 'api/v1/queue', undefined, as.vic)).json.items as { id: string; job: string }[]).find((i) => i.job === 'team/waits')?.id ?? '';
    return id !== '';
  }, 'the build to wait in the queue');
  const denied = await api('DELETE', `api/v1/queue/${enc(id)}`, undefined, as.mallory);
  assert.equal(denied.status, 403);
  assert.match(denied.json.error.message, /^cancelling a queued build of 'team\/waits' needs the job\.build right in folder 'team'/);
  assert.equal((await api('DELETE', `api/v1/queue/${enc(id)}`, undefined, as.bob)).status, 204);
  assert.equal((await finishedBuild(c.url, 'team/waits', t.json.number)).result, 'ABORTED');
});

test("an input names who may answer it: a named submitter may, without job.build in the folder (as in Jenkins); others need job.build", async () => {
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/gate', script: "pipeline { agent none; stages { stage('A') { steps { input message: 'Ship?', submitter: 'mallory' } } } }" }, as.alice)).status, 201);
  const t = await api('POST', 'api/v1/jobs/team%2Fgate/builds', {}, as.alice);
  const inputs = `api/v1/jobs/team%2Fgate/builds/${t.json.number}/inputs`;
  let id = '';
  await until(async () => { id = (await api('GET', inputs)).json.inputs[0]?.id ?? ''; return id !== ''; }, 'the input to wait');
  // alice may build there, but the input names only mallory.
  assert.match((await api('POST', `${inputs}/${id}`, { action: 'approve' }, as.alice)).json.error.message, /may only be answered by mallory/);
  assert.equal((await api('POST', `${inputs}/${id}`, { action: 'approve' }, as.mallory)).status, 200);
  assert.equal((await finishedBuild(c.url, 'team/gate', t.json.number)).result, 'SUCCESS');
  // Without a submitter list, job.build decides.
  assert.match((await api('POST', `${inputs}/nope`, { action: 'approve' }, as.mallory)).json.error.message, /^answering an input of 'team\/gate' needs the job\.build right in folder 'team'/);
});

test("an authenticated webhook push picks the commit and parameters of a team job only if its sender may build there; others only make Kiln look at the branch", async () => {
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/hooked', git: { url: 'https://example.invalid/team/repo.git', branch: 'main' } }, as.alice)).status, 201);
  const push = { repository: 'https://example.invalid/team/repo.git', branch: 'main', commit: 'a'.repeat(40), params: { X: '1' } };
  const byMallory = await api('POST', 'api/v1/webhooks/generic', push, as.mallory);
  assert.equal(byMallory.status, 200, byMallory.text);
  assert.match(JSON.stringify(byMallory.json), /sent by user mallory, who may not build this job \(team\/hooked\)/);
  const byAlice = await api('POST', 'api/v1/webhooks/generic', push, as.alice);
  assert.deepEqual(byAlice.json.triggered.map((t: { job: string }) => t.job), ['team/hooked']);
  const b = await finishedBuild(c.url, 'team/hooked', byAlice.json.triggered[0].number);
  assert.equal(b.scm.commit, 'a'.repeat(40));
  assert.match(b.causes[0].description, /sent by user alice/);
});

test('removing the grants opens the folder again; deleting a user removes theirs', async () => {
  assert.equal((await api('PUT', 'api/v1/folders/scratch', { grants: [{ grantee: 'user:bob', rights: ['job.build'] }] })).status, 200);
  assert.equal((await api('DELETE', 'api/v1/users/bob')).status, 204);
  assert.deepEqual((await api('GET', 'api/v1/folders/scratch')).json.grants, []);
  assert.ok(!(await api('GET', 'api/v1/folders')).json.folders.some((f: { folder: string }) => f.folder === 'scratch'));
  assert.equal((await api('DELETE', 'api/v1/folders/team')).status, 204);
  assert.equal((await api('DELETE', 'api/v1/folders/team')).status, 404);
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'team/steal', script: usesKey() }, as.mallory)).status, 201);
  assert.match((await api('GET', 'api/v1/audit?action=folder.grants')).json.entries[0].detail, /^grants: none \(were: user:alice: .*\)$/);
});

test('a repository on the controller\'s own disk (a path or file://) makes a job for admins only: a developer could read any repository the controller can', async () => {
  const secrets = path.join(tempDir('folders-local'), 'private.git');
  for (const url of [secrets, `file://${secrets}`]) {
    const r = await api('POST', 'api/v1/jobs', { name: 'peek', git: { url } }, as.mallory);
    assert.equal(r.status, 403, r.text);
    assert.match(r.json.error.message, /repository on the controller's own disk: only admins may make or change jobs from one/);
  }
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'peek', git: { url: 'https://example.invalid/r.git' } }, as.mallory)).status, 201);
  // Nor by changing a job they may configure.
  const moved = await api('PUT', 'api/v1/jobs/peek', { git: { url: secrets } }, as.mallory);
  assert.equal(moved.status, 403, moved.text);
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'admin-local', git: { url: secrets } }, as.root)).status, 201);
});
