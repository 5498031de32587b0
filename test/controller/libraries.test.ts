// Shared libraries on the controller (src/controller/libraries.ts): the routes (global and
// folder), who may call them, field errors, credentials shown by id only; the resolver a build
// of a job gets (folders inner first, then global; default versions; override refused; the
// credential from the store reaching git) and the Test button's answer, against real git repos.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { loadLibraries } from '../../src/controller/libraries.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, testConfig } from '../helpers/controller.ts';
import { libraryRepo, gitIn, startGitHttp, type LibraryRepo } from '../helpers/git-servers.ts';

let c: ControllerHandle;
let home = '';
const api = rawApi(() => c.url);
let repo: LibraryRepo;
let teamRepo: LibraryRepo;
let dev = '';
let viewer = '';

before(async () => {
  home = path.join(tempDir('libapi'), 'home');
  c = await startController(testConfig({ home, port: '0' }));
  repo = libraryRepo({
    'vars/sayHello.groovy': 'def call(name) { echo "Hello ${name}" }\n',
    'vars/sayHello.txt': 'Greets someone.\n',
    'vars/log.groovy': 'def info(m) { echo m }\n',
    'resources/a.txt': 'A\n',
  }, 'global');
  repo.tag('v1');
  teamRepo = libraryRepo({ 'vars/sayHello.groovy': "def call(name) { echo 'team hello' }\n" }, 'team');
  for (const [name, role] of [['dev', 'developer'], ['view', 'viewer']] as const) {
    assert.equal((await api('POST', '/api/v1/users', { name, role, password: `${name}-password-1` })).status, 201);
    const t = await api('POST', `/api/v1/users/${name}/tokens`, { name: 't' });
    if (role === 'developer') dev = `Bearer ${t.json.token}`;
    else viewer = `Bearer ${t.json.token}`;
  }
});
after(async () => {
  await c?.close();
});

test('global libraries: create, read (viewers too), update, delete; only admins change or test them', async () => {
  const body = { url: repo.bare, defaultVersion: 'main', implicit: false, allowVersionOverride: true, includeInChangesets: true };
  assert.equal((await api('PUT', '/api/v1/libraries/mylib', body, { authorization: dev })).status, 403);
  assert.equal((await api('PUT', '/api/v1/libraries/mylib', body, { authorization: '' })).status, 401);
  const created = await api('PUT', '/api/v1/libraries/mylib', body);
  assert.equal(created.status, 201, created.text);
  assert.deepEqual({ ...created.json, createdAt: 0, updatedAt: 0 }, {
    folder: null, name: 'mylib', url: repo.bare, defaultVersion: 'main', implicit: false, allowVersionOverride: true, credentialsId: null, includeInChangesets: true, createdAt: 0, updatedAt: 0,
  });
  assert.equal((await api('PUT', '/api/v1/libraries/mylib', { ...body, defaultVersion: 'v1' })).status, 200);
  const read = await api('GET', '/api/v1/libraries/mylib', undefined, { authorization: viewer });
  assert.equal(read.status, 200);
  assert.equal(read.json.defaultVersion, 'v1');
  const list = await api('GET', '/api/v1/libraries', undefined, { authorization: viewer });
  assert.deepEqual(list.json.libraries.map((l: { name: string }) => l.name), ['mylib']);
  assert.equal((await api('POST', '/api/v1/libraries/mylib/test', {}, { authorization: dev })).status, 403);
  assert.equal((await api('DELETE', '/api/v1/libraries/mylib', undefined, { authorization: dev })).status, 403);
  assert.equal((await api('DELETE', '/api/v1/libraries/mylib')).status, 204);
  assert.equal((await api('DELETE', '/api/v1/libraries/mylib')).status, 404);
  assert.equal((await api('GET', '/api/v1/libraries/mylib')).status, 404);
});

test('bad fields are refused naming the field', async () => {
  const bad = async (body: unknown, re: RegExp, name = 'x') => {
    const r = await api('PUT', `/api/v1/libraries/${name}`, body);
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.code, 'invalid');
    assert.match(r.json.error.message, re);
  };
  await bad({ defaultVersion: 'main' }, /url/);
  await bad({ url: 'ext::sh -c id' }, /^url: .* is not a repository URL git may fetch/);
  await bad({ url: 'https://ci:hunter2@git.example.com/lib.git' }, /^url: has a password in it/);
  await bad({ url: repo.bare, defaultVersion: '--upload-pack=x' }, /^defaultVersion: .* is not a branch, tag or commit name/);
  await bad({ url: repo.bare, implicit: true }, /^defaultVersion: an implicit library needs a default version/);
  await bad({ url: repo.bare, allowVersionOverride: false }, /^defaultVersion: a library that allows no version override needs a default version/);
  await bad({ url: repo.bare, credentialsId: 'nope' }, /^credentialsId: no credential 'nope'/);
  await bad({ url: repo.bare, colour: 'red' }, /colour/);
  await bad({ url: repo.bare }, /name: 'a\/b' is not a library name/, 'a%2Fb');
  // Nothing was saved.
  assert.deepEqual((await api('GET', '/api/v1/libraries')).json.libraries, []);
});

test('credentials are shown by id, never their secret; a folder credential does not fit a global library', async () => {
  assert.equal((await api('POST', '/api/v1/credentials', { id: 'lib-token', type: 'secretText', secret: 'very-secret-token-1' })).status, 201);
  assert.equal((await api('POST', '/api/v1/credentials', { id: 'team-token', type: 'secretText', secret: 'team-secret-token-2', folder: 'team' })).status, 201);
  const r = await api('PUT', '/api/v1/libraries/withcred', { url: 'https://git.example.invalid/lib.git', defaultVersion: 'main', credentialsId: 'lib-token' });
  assert.equal(r.status, 201, r.text);
  const shown = await api('GET', '/api/v1/libraries/withcred', undefined, { authorization: viewer });
  assert.equal(shown.json.credentialsId, 'lib-token');
  assert.ok(!shown.text.includes('very-secret-token-1'));
  const wrong = await api('PUT', '/api/v1/libraries/withcred', { url: 'https://git.example.invalid/lib.git', defaultVersion: 'main', credentialsId: 'team-token' });
  assert.equal(wrong.status, 400);
  assert.match(wrong.json.error.message, /^credentialsId: credential 'team-token' belongs to folder 'team': a global library needs a global credential/);
  const onFolder = await api('PUT', '/api/v1/folders/team%2Fsub/libraries/withcred', { url: 'https://git.example.invalid/lib.git', defaultVersion: 'main', credentialsId: 'team-token' });
  assert.equal(onFolder.status, 201, onFolder.text);
  assert.equal((await api('DELETE', '/api/v1/folders/team%2Fsub/libraries/withcred')).status, 204);
  assert.equal((await api('DELETE', '/api/v1/libraries/withcred')).status, 204);
});

test('resolution for a build: folder libraries win over global ones, inner folder first; implicit ones; versions and overrides', async () => {
  assert.equal((await api('PUT', '/api/v1/libraries/shared', { url: repo.bare, defaultVersion: 'main', implicit: true })).status, 201);
  assert.equal((await api('PUT', '/api/v1/libraries/fixed', { url: repo.bare, defaultVersion: 'v1', allowVersionOverride: false })).status, 201);
  assert.equal((await api('PUT', '/api/v1/libraries/nodefault', { url: repo.bare })).status, 201);
  assert.equal((await api('PUT', '/api/v1/folders/team/libraries/shared', { url: teamRepo.bare, defaultVersion: 'main', implicit: false })).status, 201);
  assert.equal((await api('PUT', '/api/v1/folders/team%2Fsub/libraries/extra', { url: repo.bare, defaultVersion: 'main', implicit: true })).status, 201);
  const list = await api('GET', '/api/v1/folders/team/libraries', undefined, { authorization: viewer });
  assert.deepEqual(list.json.libraries.map((l: { folder: string; name: string }) => `${l.folder}:${l.name}`), ['team:shared']);

  const top = c.libraries.resolverFor({ id: 'j1', name: 'app' });
  assert.deepEqual(await top.implicitNames(), ['shared']);
  const g = await top.resolve({ name: 'shared', version: null, how: 'implicit' });
  assert.equal(g.scope, 'global');
  assert.equal(g.commit, gitIn(repo.bare, 'rev-parse', 'main'));
  assert.ok(g.files.has('vars/log.groovy'));
  // The checkout is cached per commit under the controller's home.
  assert.ok(fs.existsSync(path.join(home, 'libraries', 'shared', g.commit!, 'vars', 'log.groovy')));

  const inner = c.libraries.resolverFor({ id: 'j2', name: 'team/sub/app' });
  assert.deepEqual(await inner.implicitNames(), ['extra'], "team's 'shared' (not implicit) hides the global implicit one");
  const t = await inner.resolve({ name: 'shared', version: null, how: 'annotation' });
  assert.equal(t.scope, 'folder');
  assert.match(t.files.get('vars/sayHello.groovy')!, /team hello/);

  // Versions: given, default, none; override refused with Jenkins' words.
  assert.equal((await top.resolve({ name: 'shared', version: 'v1', how: 'annotation' })).commit, gitIn(repo.bare, 'rev-parse', 'v1'));
  assert.equal((await top.resolve({ name: 'fixed', version: 'v1', how: 'annotation' })).version, 'v1', 'asking for the default version is no override');
  await assert.rejects(top.resolve({ name: 'fixed', version: 'main', how: 'annotation' }), (e: Error & { kilnCode?: string }) => e.message === 'Version override not permitted for library fixed' && e.kilnCode === 'library.override');
  await assert.rejects(top.resolve({ name: 'nodefault', version: null, how: 'annotation' }), (e: Error & { kilnCode?: string }) => e.message === 'No version specified for library nodefault' && e.kilnCode === 'library.no-version');
  await assert.rejects(top.resolve({ name: 'missing', version: null, how: 'annotation' }), (e: Error & { kilnCode?: string }) => /^Could not find any definition of libraries \[missing\]/.test(e.message) && e.kilnCode === 'library.not-found');
  await assert.rejects(top.resolve({ name: 'shared', version: 'no-such-branch', how: 'step' }), /: No version no-such-branch found for library shared/);
  // A folder's library is not seen by jobs outside it.
  await assert.rejects(top.resolve({ name: 'extra', version: null, how: 'annotation' }), /Could not find any definition of libraries \[extra\]/);

  // What a build prints and loads: requests first (an explicit version wins over the implicit one), then the implicit ones.
  const lines: string[] = [];
  const loaded = await loadLibraries(inner, [{ name: 'extra', version: 'v1', how: 'annotation' }], (l) => lines.push(l));
  const v1 = gitIn(repo.bare, 'rev-parse', 'v1').slice(0, 7);
  assert.deepEqual(lines, [`Loading library extra@v1 (${v1})`]);
  assert.equal(loaded.length, 1);
  for (const n of ['shared', 'fixed', 'nodefault']) assert.equal((await api('DELETE', `/api/v1/libraries/${n}`)).status, 204);
  assert.equal((await api('DELETE', '/api/v1/folders/team/libraries/shared')).status, 204);
  assert.equal((await api('DELETE', '/api/v1/folders/team%2Fsub/libraries/extra')).status, 204);
});

test('Test: fetches the saved library or an unsaved form, and lists vars with their help; failures are an answer, not an error', async () => {
  assert.equal((await api('PUT', '/api/v1/libraries/tested', { url: repo.bare, defaultVersion: 'main' })).status, 201);
  const r = await api('POST', '/api/v1/libraries/tested/test', {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.ok, true);
  assert.equal(r.json.commit, gitIn(repo.bare, 'rev-parse', 'main'));
  assert.deepEqual(r.json.vars, [{ name: 'log', help: null }, { name: 'sayHello', help: 'Greets someone.\n' }]);
  const form = await api('POST', '/api/v1/libraries/newone/test', { url: teamRepo.bare, defaultVersion: 'main' });
  assert.equal(form.json.ok, true);
  assert.deepEqual(form.json.vars.map((v: { name: string }) => v.name), ['sayHello']);
  const missing = await api('POST', '/api/v1/libraries/tested/test', { version: 'nope' });
  assert.equal(missing.json.ok, false);
  assert.match(missing.json.message, /^No version nope found for library tested/);
  const unreachable = await api('POST', '/api/v1/libraries/x/test', { url: 'git://127.0.0.1:1/none.git', defaultVersion: 'main' });
  assert.equal(unreachable.json.ok, false);
  assert.match(unreachable.json.message, /Could not list the versions of library x \(version main\) from git:\/\/127.0.0.1:1\/none.git/);
  assert.equal((await api('DELETE', '/api/v1/libraries/tested')).status, 204);
});

test('a library over HTTP with a token credential from the store; a wrong token fails without showing it', async () => {
  const token = 'store-token-abcdef123456';
  const server = await startGitHttp(path.dirname(repo.bare), { user: 'x-access-token', token });
  after(() => server.stop());
  assert.equal((await api('POST', '/api/v1/credentials', { id: 'http-token', type: 'secretText', secret: token })).status, 201);
  assert.equal((await api('POST', '/api/v1/credentials', { id: 'bad-token', type: 'secretText', secret: 'wrong-token-0987654321' })).status, 201);
  assert.equal((await api('PUT', '/api/v1/libraries/http', { url: server.url('global.git'), defaultVersion: 'main', credentialsId: 'http-token' })).status, 201);
  const res = c.libraries.resolverFor({ id: 'j', name: 'app' });
  assert.equal((await res.resolve({ name: 'http', version: null, how: 'annotation' })).commit, gitIn(repo.bare, 'rev-parse', 'main'));
  assert.equal((await api('PUT', '/api/v1/libraries/http', { url: server.url('global.git'), defaultVersion: 'v1', credentialsId: 'bad-token' })).status, 200);
  const t = await api('POST', '/api/v1/libraries/http/test', {});
  assert.equal(t.json.ok, false);
  assert.match(t.json.message, /Authentication failed/);
  assert.ok(!t.text.includes('wrong-token-0987654321'));
});

test("a folder's library over ssh with the folder's SSH key credential (a real sshd); jobs outside the folder do not see it", async () => {
  const { startSshd } = await import('../backends/sshd.ts');
  const sshd = await startSshd();
  after(() => sshd.stop());
  assert.equal((await api('POST', '/api/v1/credentials', { id: 'ops-key', type: 'sshKey', username: sshd.user, privateKey: sshd.clientKey, folder: 'ops' })).status, 201);
  const url = `ssh://127.0.0.1:${sshd.port}${repo.bare}`;
  const put = await api('PUT', '/api/v1/folders/ops/libraries/opslib', { url, defaultVersion: 'v1', credentialsId: 'ops-key' });
  assert.equal(put.status, 201, put.text);
  const c1 = await c.libraries.resolverFor({ id: 'o', name: 'ops/deploy' }).resolve({ name: 'opslib', version: null, how: 'annotation' });
  assert.equal(c1.commit, gitIn(repo.bare, 'rev-parse', 'v1'));
  assert.equal(c1.scope, 'folder');
  await assert.rejects(c.libraries.resolverFor({ id: 'x', name: 'other/deploy' }).resolve({ name: 'opslib', version: null, how: 'annotation' }), /Could not find any definition of libraries \[opslib\]/);
  const t = await api('POST', '/api/v1/folders/ops/libraries/opslib/test', {});
  assert.equal(t.json.ok, true, t.text);
  assert.ok(!t.text.includes('PRIVATE KEY'));
});
