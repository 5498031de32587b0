// Shared libraries on a real controller, the last gaps (issue 16): a library's commits in the
// build's changes (includeInChangesets, the step's changelog), a library fetched from the
// Jenkinsfile's retriever (served by a real `git daemon`; a path on the controller's disk refused),
// the library cache pruned without touching what a running build loaded, and POST /api/v1/lint
// with `job` refusing what the caller may not make the controller fetch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { ControllerLibraries } from '../../src/controller/libraries.ts';
import type { Store } from '../../src/store/types.ts';
import { tempDir } from '../helpers/tmp.ts';
import { consoleText, consoleUntil, finishedBuild, jsonApi, rawApi, testConfig, until } from '../helpers/controller.ts';
import { libraryRepo, startGitDaemon, startGitHttp, type LibraryRepo } from '../helpers/git-servers.ts';

let c: ControllerHandle;
let home: string;
let chg: LibraryRepo;
let quiet: LibraryRepo;
let remote: LibraryRepo;
let pr: LibraryRepo;
let daemon: Awaited<ReturnType<typeof startGitDaemon>>;
const api = jsonApi(() => c.url);
const raw = rawApi(() => c.url);

async function run(job: string, script: string): Promise<{ number: number; result: string; log: string }> {
  if (!(await raw('GET', `/api/v1/jobs/${encodeURIComponent(job)}`)).json?.name) await api('POST', '/api/v1/jobs', { name: job, script });
  const b = await api('POST', `/api/v1/jobs/${encodeURIComponent(job)}/builds`, {});
  const done = await finishedBuild(c.url, job, b.number);
  return { number: b.number, result: done.result, log: await consoleText(c.url, job, b.number) };
}

before(async () => {
  chg = libraryRepo({ 'vars/chgHello.groovy': 'def call() { echo "hello from chg" }\n' }, 'chg');
  quiet = libraryRepo({ 'vars/quietHello.groovy': 'def call() { echo "hello from quiet" }\n' }, 'quiet');
  remote = libraryRepo({ 'vars/remoteHello.groovy': 'def call(String who) { echo "remote says hi to ${who}" }\n' }, 'remote');
  pr = libraryRepo({ 'vars/prHello.groovy': 'def call() { echo "pr v0" }\n' }, 'pr');
  daemon = await startGitDaemon(path.dirname(remote.bare));
  home = tempDir('libmore');
  c = await startController(testConfig({ home, port: '0' }, { KILN_LIBRARY_CACHE_KEEP: '1' }));
  await api('PUT', '/api/v1/libraries/chg', { url: chg.bare, defaultVersion: 'main' });
  await api('PUT', '/api/v1/libraries/quiet', { url: quiet.bare, defaultVersion: 'main', includeInChangesets: false });
  await api('PUT', '/api/v1/libraries/pr', { url: pr.bare, defaultVersion: 'main' });
});

after(async () => {
  await c?.close();
  await daemon?.stop();
});

test("a library's commits since the previous build's are in the build's changes; includeInChangesets: false and changelog: false keep them out", async () => {
  const script = "@Library(['chg', 'quiet']) _\nchgHello()\nquietHello()\n";
  const first = chg.commit({}, 'before');
  const b1 = await run('chg-job', script);
  assert.equal(b1.result, 'SUCCESS', b1.log);
  const c1 = await api('GET', `/api/v1/jobs/chg-job/builds/${b1.number}/changes`);
  // The first build of a library lists nothing (as a job's first build).
  assert.deepEqual(c1.libraries.map((l: { name: string; previous: string | null; commits: unknown[] }) => [l.name, l.previous, l.commits.length]), [['chg', null, 0]]);
  const a = chg.commit({ 'vars/chgHello.groovy': 'def call() { echo "hello from chg A" }\n' }, 'fix A');
  const b = chg.commit({ 'vars/chgHello.groovy': 'def call() { echo "hello from chg B" }\n' }, 'fix B\n\nwith a body');
  quiet.commit({}, 'quiet change');
  const b2 = await run('chg-job', script);
  assert.match(b2.log, /hello from chg B/);
  const c2 = await api('GET', `/api/v1/jobs/chg-job/builds/${b2.number}/changes`);
  assert.equal(c2.libraries.length, 1, 'the quiet library (includeInChangesets: false) is not in the changes');
  const lib = c2.libraries[0];
  assert.equal(lib.name, 'chg');
  assert.equal(lib.version, 'main');
  assert.equal(lib.commit, b);
  assert.equal(lib.previous, first);
  assert.equal(lib.error, null);
  assert.deepEqual(lib.commits.map((x: { commit: string; message: string }) => [x.commit, x.message]), [[b, 'fix B\n\nwith a body'], [a, 'fix A']]);
  assert.equal(lib.truncated, false);

  // The library step's changelog: false wins over the library's includeInChangesets.
  const stepScript = "library(identifier: 'chg@main', changelog: false)\nchgHello()\n";
  await run('chg-step', stepScript);
  chg.commit({}, 'fix C');
  const s2 = await run('chg-step', stepScript);
  assert.equal(s2.result, 'SUCCESS', s2.log);
  assert.deepEqual((await api('GET', `/api/v1/jobs/chg-step/builds/${s2.number}/changes`)).libraries, []);
});

test("library(retriever:) fetches a library the controller does not configure, from git daemon; the controller's disk and bad forms are refused", async () => {
  const url = daemon.url('remote.git');
  const head = remote.commit({}, 'served');
  const ok = await run('remote-job', `library(identifier: 'remote@main', retriever: modernSCM([$class: 'GitSCMSource', remote: '${url}']))\nremoteHello('kiln')\n`);
  assert.equal(ok.result, 'SUCCESS', ok.log);
  assert.match(ok.log, new RegExp(`Loading library remote@main \\(${head.slice(0, 7)}\\)`));
  assert.match(ok.log, /remote says hi to kiln/);
  // Its commits are the build's changes (a retriever's changelog defaults to true), read over git://.
  const moved = remote.commit({ 'vars/remoteHello.groovy': 'def call(String who) { echo "remote v2 greets ${who}" }\n' }, 'remote v2');
  const ok2 = await run('remote-job', '');
  assert.match(ok2.log, /remote v2 greets kiln/);
  const ch = (await api('GET', `/api/v1/jobs/remote-job/builds/${ok2.number}/changes`)).libraries;
  assert.deepEqual(ch.map((l: { name: string; previous: string; commits: { commit: string; message: string }[]; error: string | null }) => [l.name, l.previous, l.commits.map((x) => x.message), l.error]), [['remote', head, ['remote v2'], null]]);
  assert.equal(ch[0].commit, moved);
  // Replay lists its files, from the repository it came from.
  const files = (await api('GET', `/api/v1/jobs/remote-job/builds/${ok2.number}/libraries`)).libraries;
  assert.deepEqual(files.map((l: { name: string; commit: string }) => [l.name, l.commit]), [['remote', moved]]);
  assert.match(files[0].files['vars/remoteHello.groovy'], /remote v2 greets/);
  // The legacy form, at a commit.
  const legacy = await run('remote-legacy', `library(identifier: 'remote@${head}', retriever: legacySCM([$class: 'GitSCM', userRemoteConfigs: [[url: '${url}']]]))\nremoteHello('legacy')\n`);
  assert.equal(legacy.result, 'SUCCESS', legacy.log);
  assert.match(legacy.log, /remote says hi to legacy/);

  // A path on the controller's disk: refused when the job is saved (the retriever is literal) ...
  const saved = await raw('POST', '/api/v1/jobs', { name: 'disk-job', script: `library(identifier: 'remote@main', retriever: modernSCM([$class: 'GitSCMSource', remote: '${remote.bare}']))\nremoteHello('x')\n` });
  assert.equal(saved.status, 400);
  assert.match(saved.text, /is a repository on the controller's own disk; a Jenkinsfile may not make the controller read its disk/);
  // ... and when the build runs (a URL lint cannot see).
  const disk = await run('disk-dynamic', `def u = 'file://${remote.bare}'\nlibrary(identifier: 'remote@main', retriever: modernSCM([$class: 'GitSCMSource', remote: u]))\necho 'after'\n`);
  assert.equal(disk.result, 'FAILURE');
  assert.match(disk.log, /library remote \(modernSCM\(GitSCMSource\)\): 'file:\/\/.*' is a repository on the controller's own disk/);
  assert.doesNotMatch(disk.log, /^after$/m);
  // A credential the job cannot see.
  const cred = await run('remote-cred', `def u = '${url}'\nlibrary(identifier: 'remote@main', retriever: modernSCM([$class: 'GitSCMSource', remote: u, credentialsId: 'nope']))\n`);
  assert.equal(cred.result, 'FAILURE');
  assert.match(cred.log, /no credential 'nope' visible to job 'remote-cred'/);

  // Lint: the forms Kiln cannot fetch, and a missing version, are errors saying what to write.
  const lint = async (script: string) => (await api('POST', '/api/v1/lint', { script })).diagnostics as { severity: string; message: string; line: number }[];
  const gitStep = await lint(`library(identifier: 'remote@main', retriever: legacySCM(git('${url}')))\n`);
  assert.ok(gitStep.some((d) => d.severity === 'error' && /legacySCM\(git\(\.\.\.\)\): git here is the git step/.test(d.message)), JSON.stringify(gitStep));
  const noVersion = await lint(`library(identifier: 'remote', retriever: modernSCM([$class: 'GitSCMSource', remote: '${url}']))\n`);
  assert.ok(noVersion.some((d) => d.severity === 'error' && /Must specify a version for library remote/.test(d.message)), JSON.stringify(noVersion));
  const svn = await lint("library(identifier: 'x@1', retriever: modernSCM([$class: 'SubversionSCMSource', remoteBase: 'svn://h/r']))\n");
  assert.ok(svn.some((d) => d.severity === 'error' && /modernSCM\(SubversionSCMSource\): Kiln fetches libraries from git only/.test(d.message)), JSON.stringify(svn));
  // The retriever's vars are known to lint.
  assert.deepEqual((await lint(`library(identifier: 'remote@main', retriever: modernSCM([$class: 'GitSCMSource', remote: '${url}']))\nremoteHello('x')\n`)).filter((d) => d.severity === 'error'), []);
});

test('POST /api/v1/lint with a job: the job must exist or be one the caller may create; a viewer cannot make the controller fetch a retriever; a developer binds only credentials they may use', async () => {
  await api('POST', '/api/v1/users', { name: 'libviewer', role: 'viewer', password: 'libviewer-password' });
  const token = (await api('POST', '/api/v1/users/libviewer/tokens', { name: 't' })).token as string;
  const viewer = { authorization: `Bearer ${token}` };
  // A job that does not exist: only for someone who may create it there (the new-job form).
  const missing = await raw('POST', '/api/v1/lint', { script: "@Library('chg') _\nchgHello()\n", job: 'team/none' }, viewer);
  assert.equal(missing.status, 403);
  assert.match(missing.text, /linting for job 'team\/none', which does not exist \(so creating it\) needs the job\.create right in folder 'team'; libviewer is a viewer/);
  const creating = await raw('POST', '/api/v1/lint', { script: "@Library('chg') _\nchgHello()\n", job: 'team/none' });
  assert.equal(creating.status, 200);
  assert.deepEqual(creating.json.diagnostics, []);
  // Reading the job is open to viewers: lint with its (configured) libraries works.
  const fine = await raw('POST', '/api/v1/lint', { script: "@Library('chg') _\nchgHello()\n", job: 'chg-job' }, viewer);
  assert.equal(fine.status, 200, fine.text);
  assert.deepEqual(fine.json.diagnostics, []);
  const fetches = await raw('POST', '/api/v1/lint', { script: `library(identifier: 'remote@main', retriever: modernSCM([$class: 'GitSCMSource', remote: '${daemon.url('remote.git')}']))\n`, job: 'chg-job' }, viewer);
  assert.equal(fetches.status, 200);
  assert.match(JSON.stringify(fetches.json.diagnostics), /only for developers and admins; libviewer is a viewer/);
  // A developer's lint binds a folder credential only where they hold credentials.use.
  await api('POST', '/api/v1/users', { name: 'libdev', role: 'developer', password: 'libdev-password' });
  const dev = { authorization: `Bearer ${(await api('POST', '/api/v1/users/libdev/tokens', { name: 't' })).token as string}` };
  await api('PUT', '/api/v1/folders/sec', { grants: [{ grantee: 'user:libdev', rights: ['job.configure', 'job.build'] }] });
  await api('POST', '/api/v1/credentials', { id: 'sec-tok', type: 'secretText', secret: 'sec-secret-value', folder: 'sec' });
  await api('POST', '/api/v1/jobs', { name: 'sec/app', script: "echo 'app'\n" });
  const withCred = `library(identifier: 'remote@main', retriever: modernSCM([$class: 'GitSCMSource', remote: '${daemon.url('remote.git')}', credentialsId: 'sec-tok']))\n`;
  const notHis = await raw('POST', '/api/v1/lint', { script: 'echo 1', job: 'sec/new-app' }, dev);
  assert.equal(notHis.status, 403, 'libdev may not create jobs in sec');
  const refused = await raw('POST', '/api/v1/lint', { script: withCred, job: 'sec/app' }, dev);
  assert.equal(refused.status, 200);
  assert.match(JSON.stringify(refused.json.diagnostics), /needs the credentials\.use right in folder 'sec'/);
  const noJob = await raw('POST', '/api/v1/lint', { script: withCred }, dev);
  assert.match(JSON.stringify(noJob.json.diagnostics), /no credential 'sec-tok' visible to a lint without a job/);
  assert.doesNotMatch(JSON.stringify([refused.json, noJob.json]), /sec-secret-value/);
  // Without a credential, the developer's lint fetches it and knows its vars.
  const devOk = await raw('POST', '/api/v1/lint', { script: withCred.replace(", credentialsId: 'sec-tok'", '') + "remoteHello('x')\n", job: 'sec/app' }, dev);
  assert.deepEqual(devOk.json.diagnostics, []);
  const anon = await fetch(new URL('api/v1/lint', c.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ script: 'echo 1', job: 'chg-job' }) });
  assert.equal(anon.status, 401);
});

test('the library cache keeps the most recent checkout per library and every one a running build loaded', async () => {
  const dir = path.join(home, 'libraries', 'pr');
  const c0 = pr.commit({}, 'c0');
  await api('POST', '/api/v1/jobs', { name: 'pr-hold', script: "@Library('pr') _\nprHello()\ninput message: 'go on?'\necho 'held done'\n" });
  const hold = await api('POST', '/api/v1/jobs/pr-hold/builds', {});
  await consoleUntil(c.url, 'pr-hold', hold.number, 'go on?');
  const c1 = pr.commit({ 'vars/prHello.groovy': 'def call() { echo "pr v1" }\n' }, 'c1');
  assert.equal((await run('pr-plain', "@Library('pr') _\nprHello()\n")).result, 'SUCCESS');
  const c2 = pr.commit({ 'vars/prHello.groovy': 'def call() { echo "pr v2" }\n' }, 'c2');
  const last = await run('pr-plain', "@Library('pr') _\nprHello()\n");
  assert.match(last.log, /pr v2/);
  const have = () => fs.readdirSync(dir).filter((n) => /^[0-9a-f]{40}$/.test(n)).sort();
  assert.deepEqual(have(), [c0, c1, c2].sort());
  // Used in the last minutes: nothing goes yet (a build may be about to record it).
  assert.deepEqual(await c.libraries.prune(), []);
  // keep 1: c1 goes; c2 is the newest; c0 is what the waiting build loaded.
  assert.deepEqual((await c.libraries.prune({ graceMs: 0 })).filter((x) => x.startsWith('pr/')), [`pr/${c1}`]);
  assert.deepEqual(have(), [c0, c2].sort());
  assert.equal(fs.existsSync(path.join(dir, `${c1}.json`)), false);
  const input = (await api('GET', `/api/v1/jobs/pr-hold/builds/${hold.number}/inputs`)).inputs[0];
  await api('POST', `/api/v1/jobs/pr-hold/builds/${hold.number}/inputs/${input.id}`, { action: 'approve' });
  const held = await finishedBuild(c.url, 'pr-hold', hold.number);
  assert.equal(held.result, 'SUCCESS');
  await until(async () => !c.builds.live.has(held.id), 'the held build to leave the running builds');
  assert.deepEqual((await c.libraries.prune({ graceMs: 0 })).filter((x) => x.startsWith('pr/')), [`pr/${c0}`]);
  assert.deepEqual(have(), [c2]);
  // A pruned commit is fetched again when asked for.
  const again = await run('pr-again', `@Library('pr@${c1}') _\nprHello()\n`);
  assert.equal(again.result, 'SUCCESS', again.log);
  assert.match(again.log, /pr v1/);
});

test("legacySCM(scm): the library in the job's own repository (a path an admin set), at the version asked", async () => {
  const own = libraryRepo({
    Jenkinsfile: "library(identifier: 'own@main', retriever: legacySCM(scm))\nownHello()\n",
    'vars/ownHello.groovy': 'def call() { echo "own library of the job" }\n',
  }, 'own');
  await api('POST', '/api/v1/jobs', { name: 'own-job', git: { url: own.bare, branch: 'main', path: 'Jenkinsfile' } });
  const b = await api('POST', '/api/v1/jobs/own-job/builds', {});
  const done = await finishedBuild(c.url, 'own-job', b.number);
  const log = await consoleText(c.url, 'own-job', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /own library of the job/);
  // An inline job has no scm to name.
  const inline = await run('own-inline', "def r = legacySCM(scm)\nlibrary(identifier: 'own@main', retriever: r)\n");
  assert.equal(inline.result, 'FAILURE');
  assert.match(inline.log, /library own \(legacySCM\(scm\)\): 'scm' is the repository a job's Jenkinsfile comes from, and job 'own-inline' has an inline Jenkinsfile/);
});

test("libraryRetrieverLocal: an admin's setting lets a retriever name a repository on the controller's disk", async () => {
  const lib = libraryRepo({ 'vars/diskHello.groovy': 'def call() { echo "from disk" }\n' }, 'disk');
  const req = { name: 'disk', version: 'main', how: 'step' as const, retriever: { url: lib.bare, credentialsId: null, form: 'modernSCM(GitSCMSource)' } };
  const access = { problem: null, credential: async () => { throw new Error('none'); } };
  const job = { id: 'j', name: 'j' };
  // The store is not consulted for a retriever with a URL.
  const off = new ControllerLibraries({ store: {} as Store, credentials: null, home: tempDir('libs-local-off') });
  await assert.rejects(off.resolverFor(job, { retrievers: access }).resolve(req), /is a repository on the controller's own disk/);
  const on = new ControllerLibraries({ store: {} as Store, credentials: null, home: tempDir('libs-local-on'), allowLocalRetrievers: true });
  const got = await on.resolverFor(job, { retrievers: access }).resolve(req);
  assert.ok(got.files.has('vars/diskHello.groovy'));
  assert.equal(got.includeInChangesets, true);
  assert.equal(got.fromJenkinsfile, true);
});

test("a retriever's credential over smart HTTP: bound as the build binds any credential, never shown; its changes are read with it", async () => {
  const token = 'retriever-token-1234567890abcdef';
  const lib = libraryRepo({ 'vars/privHello.groovy': 'def call() { echo "private v1" }\n' }, 'priv');
  const server = await startGitHttp(path.dirname(lib.bare), { user: 'x-access-token', token });
  try {
    await api('POST', '/api/v1/credentials', { id: 'priv-token', type: 'secretText', secret: token });
    const script = `library(identifier: 'priv@main', retriever: modernSCM([$class: 'GitSCMSource', remote: '${server.url('priv.git')}', credentialsId: 'priv-token']))\nprivHello()\n`;
    const b1 = await run('priv-job', script);
    assert.equal(b1.result, 'SUCCESS', b1.log);
    assert.match(b1.log, /private v1/);
    const moved = lib.commit({ 'vars/privHello.groovy': 'def call() { echo "private v2" }\n' }, 'private change');
    const b2 = await run('priv-job', script);
    assert.match(b2.log, /private v2/);
    const changes = await raw('GET', `/api/v1/jobs/priv-job/builds/${b2.number}/changes`);
    assert.deepEqual(changes.json.libraries.map((l: { commit: string; commits: { message: string }[]; error: string | null }) => [l.commit, l.commits.map((x) => x.message), l.error]), [[moved, ['private change'], null]]);
    for (const text of [b1.log, b2.log, changes.text]) assert.ok(!text.includes(token));
    // (The server answers 401 without the token: the fetches above show it was bound.)
  } finally {
    await server.stop();
  }
});
