// Shared libraries from git (src/plugins/libraries/git.ts) against real repositories: a bare repo
// served by path, file://, git daemon, sshd with an SSH key, and git http-backend with a token.
// Versions (branch, tag, annotated tag, full and short commit), the per-commit cache (a moved
// branch fetches again, a cached commit needs no network), one fetch for concurrent loads, and
// every refusal: unknown ref, unreachable repo, wrong credential (its secret never in the
// message), resources leaving resources/, symlinks out, the limits, no vars/src/resources.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { GitLibraries, LibraryError, readLibraryDirectory, commitOfRef } from '../../src/plugins/libraries/git.ts';
import { libraryRepo, startGitDaemon, startGitHttp, gitIn } from '../helpers/git-servers.ts';
import { startSshd } from '../backends/sshd.ts';
import { tempDir } from '../helpers/tmp.ts';

const FILES = {
  'vars/sayHello.groovy': "def call(String name = 'human') { echo \"Hello, ${name}.\" }\n",
  'vars/sayHello.txt': 'Says hello to <b>name</b>.\n',
  'vars/log.groovy': "def info(m) { echo \"INFO: ${m}\" }\n",
  'vars/README.md': 'not a var\n',
  'src/com/acme/Utils.groovy': 'package com.acme\nclass Utils implements Serializable { def steps; Utils(steps) { this.steps = steps } }\n',
  'src/com/acme/notes.txt': 'not groovy\n',
  'resources/com/acme/config.json': '{"a":1}\n',
};

function cache(): GitLibraries {
  return new GitLibraries({ cacheDir: path.join(tempDir('libcache'), 'libraries') });
}

async function refused(p: Promise<unknown>, code: string, re: RegExp): Promise<LibraryError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof LibraryError, `expected a LibraryError, got ${String(err)}`);
    assert.equal(err.kilnCode, code, err.message);
    assert.match(err.message, re);
    return err;
  }
  assert.fail('expected a refusal');
}

test('a library by path at a branch: vars and src texts, help, resources read lazily', async () => {
  const repo = libraryRepo(FILES);
  const libs = cache();
  const c = await libs.load({ name: 'mylib', url: repo.bare, version: 'main', scope: 'global', includeInChangesets: true });
  assert.equal(c.name, 'mylib');
  assert.equal(c.version, 'main');
  assert.equal(c.commit, gitIn(repo.bare, 'rev-parse', 'main'));
  assert.equal(c.source, repo.bare);
  assert.equal(c.scope, 'global');
  assert.equal(c.includeInChangesets, true);
  assert.deepEqual([...c.files.keys()].sort(), ['src/com/acme/Utils.groovy', 'vars/log.groovy', 'vars/sayHello.groovy', 'vars/sayHello.txt']);
  assert.equal(c.files.get('vars/sayHello.txt'), 'Says hello to <b>name</b>.\n');
  assert.equal(Buffer.from((await c.resource('com/acme/config.json'))!).toString(), '{"a":1}\n');
  assert.equal(await c.resource('com/acme/missing.json'), null);
  assert.equal(await c.resource('com/acme'), null, 'a directory is no resource');
  // The checkout is kept per commit under the cache.
  assert.ok(fs.existsSync(path.join(libs.cacheDir, 'mylib', c.commit!, 'vars', 'log.groovy')));
  assert.deepEqual(libs.notes.get('mylib@main'), { fetched: true, network: true });
});

test('versions: tag, annotated tag, full and short commit, file:// URL; a moved branch fetches again, an unchanged one does not', async () => {
  const repo = libraryRepo(FILES);
  const first = gitIn(repo.work, 'rev-parse', 'HEAD');
  repo.tag('v1');
  repo.tag('v1.1', true);
  const second = repo.commit({ 'vars/sayHello.groovy': "def call() { echo 'v2' }\n" }, 'second');
  const libs = cache();
  const url = `file://${repo.bare}`;
  assert.equal((await libs.load({ name: 'l', url, version: 'v1', scope: 'global' })).commit, first);
  assert.equal((await libs.load({ name: 'l', url, version: 'v1.1', scope: 'global' })).commit, first, 'an annotated tag is peeled to its commit');
  assert.deepEqual(libs.notes.get('l@v1.1'), { fetched: false, network: true }, 'the same commit is not fetched twice');
  const main = await libs.load({ name: 'l', url, version: 'main', scope: 'global' });
  assert.equal(main.commit, second);
  assert.match(main.files.get('vars/sayHello.groovy')!, /v2/);
  // A full commit hash no ref names any more (main moved on): fetched once, then from the cache with no network.
  const third = repo.commit({ 'vars/extra.groovy': 'def call() {}\n' }, 'third');
  const byHash = await libs.load({ name: 'l', url, version: second, scope: 'global' });
  assert.equal(byHash.commit, second);
  assert.deepEqual(libs.notes.get(`l@${second}`), { fetched: false, network: false });
  // A short hash of a commit not cached: fetched, and found among the branches' history.
  const short = await libs.load({ name: 'l', url, version: first.slice(0, 8), scope: 'global' });
  assert.equal(short.commit, first);
  // The branch moved: fetched again, and the new commit is what is loaded.
  const moved = await libs.load({ name: 'l', url, version: 'main', scope: 'global' });
  assert.equal(moved.commit, third);
  assert.deepEqual(libs.notes.get('l@main'), { fetched: true, network: true });
  assert.ok(moved.files.has('vars/extra.groovy'));
  // Unchanged: ls-remote only.
  await libs.load({ name: 'l', url, version: 'main', scope: 'global' });
  assert.deepEqual(libs.notes.get('l@main'), { fetched: false, network: true });
  // A cached commit needs no network even when the repository is gone.
  fs.rmSync(repo.bare, { recursive: true });
  const offline = await libs.load({ name: 'l', url, version: third, scope: 'global' });
  assert.equal(offline.commit, third);
  assert.ok(offline.files.has('vars/extra.groovy'));
});

test('an annotated tag fetched into an empty cache, and HEAD (the default branch)', async () => {
  const repo = libraryRepo(FILES, 'annotated');
  const first = gitIn(repo.work, 'rev-parse', 'HEAD');
  repo.tag('release-1', true);
  const head = repo.commit({ 'vars/new.groovy': 'def call() {}\n' });
  const t = await cache().load({ name: 'a', url: repo.bare, version: 'release-1', scope: 'global' });
  assert.equal(t.commit, first);
  assert.ok(!t.files.has('vars/new.groovy'));
  const h = await cache().load({ name: 'a', url: `file://${repo.bare}`, version: 'HEAD', scope: 'global' });
  assert.equal(h.commit, head);
  assert.ok(h.files.has('vars/new.groovy'));
});

test('concurrent loads of one library and version fetch it once', async () => {
  const repo = libraryRepo(FILES);
  const libs = cache();
  const loads = await Promise.all(Array.from({ length: 6 }, () => libs.load({ name: 'same', url: repo.bare, version: 'main', scope: 'global' })));
  assert.equal(new Set(loads.map((c) => c.commit)).size, 1);
  // One checkout, no temporary fetch left behind.
  assert.deepEqual(fs.readdirSync(path.join(libs.cacheDir, 'same')).filter((n) => !n.endsWith('.json')), [loads[0]!.commit]);
  // Two caches on one directory (two processes): both get the commit, one checkout stays.
  const shared = path.join(tempDir('libshared'), 'libraries');
  const [a, b] = await Promise.all([new GitLibraries({ cacheDir: shared }), new GitLibraries({ cacheDir: shared })].map((l) => l.load({ name: 'two', url: repo.bare, version: 'main', scope: 'global' })));
  assert.equal(a!.commit, b!.commit);
  assert.deepEqual(fs.readdirSync(path.join(shared, 'two')).sort(), [`${a!.commit}`, `${a!.commit}.json`]);
});

test('bad versions and repositories: clear errors naming the library, the version and git\'s reason', async () => {
  const repo = libraryRepo(FILES);
  const libs = cache();
  await refused(libs.load({ name: 'mylib', url: repo.bare, version: 'nope', scope: 'global' }), 'library.version', /^No version nope found for library mylib: .* has no branch or tag 'nope'/);
  await refused(libs.load({ name: 'mylib', url: repo.bare, version: 'deadbeef', scope: 'global' }), 'library.version', /No version deadbeef found for library mylib/);
  await refused(libs.load({ name: 'mylib', url: '/nonexistent/repo.git', version: 'main', scope: 'global' }), 'library.fetch', /^Could not list the versions of library mylib \(version main\) from \/nonexistent\/repo.git: .*(does not appear to be a git repository|not found)/);
  await refused(libs.load({ name: 'mylib', url: 'git://127.0.0.1:1/x.git', version: 'main', scope: 'global' }), 'library.fetch', /library mylib \(version main\) from git:\/\/127.0.0.1:1\/x.git: .*(unable to connect|Connection refused)/i);
  await refused(libs.load({ name: 'mylib', url: 'ext::sh -c touch% /tmp/pwned', version: 'main', scope: 'global' }), 'library.invalid', /is not a repository URL git may fetch/);
  await refused(libs.load({ name: 'mylib', url: repo.bare, version: '--upload-pack=touch /tmp/x', scope: 'global' }), 'library.invalid', /is not a branch, tag or commit name/);
  await refused(libs.load({ name: '../x', url: repo.bare, version: 'main', scope: 'global' }), 'library.invalid', /is not a library name/);
  const empty = libraryRepo({ 'README.md': 'nothing\n' }, 'empty');
  await refused(libs.load({ name: 'bare', url: empty.bare, version: 'main', scope: 'global' }), 'library.empty', /^Library bare expected to contain at least one of src, vars, or resources directories$/);
});

test('resources: paths leaving resources/ are refused, symbolic links out too; a var linked outside the library is refused', async () => {
  const repo = libraryRepo(FILES);
  fs.symlinkSync('/etc/passwd', path.join(repo.work, 'resources', 'passwd'));
  fs.symlinkSync('../vars/log.groovy', path.join(repo.work, 'resources', 'inlib'));
  gitIn(repo.work, 'add', '-A');
  repo.commit({}, 'links');
  const libs = cache();
  const c = await libs.load({ name: 'r', url: repo.bare, version: 'main', scope: 'folder' });
  await refused(c.resource('../vars/log.groovy'), 'library.unsafe', /leaves the library's resources\/ \(\.\.\)/);
  await refused(c.resource('com/../../vars/log.groovy'), 'library.unsafe', /leaves/);
  await refused(c.resource('/etc/passwd'), 'library.unsafe', /is an absolute path/);
  await refused(c.resource('passwd'), 'library.unsafe', /resources\/passwd is a symbolic link that leaves the library's resources\//);
  await refused(c.resource('inlib'), 'library.unsafe', /symbolic link that leaves/);
  const evil = libraryRepo({ 'vars/ok.groovy': 'def call() {}\n' }, 'evil');
  fs.symlinkSync('/etc/hostname', path.join(evil.work, 'vars', 'stolen.groovy'));
  gitIn(evil.work, 'add', '-A');
  evil.commit({}, 'link out');
  await refused(libs.load({ name: 'evil', url: evil.bare, version: 'main', scope: 'folder' }), 'library.unsafe', /vars\/stolen.groovy is a symbolic link that leaves the library/);
  // vars/ or resources/ themselves linked out of the library.
  const outside = tempDir('outside');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'host secret\n');
  const linkedVars = libraryRepo({ 'src/A.groovy': 'class A {}\n' }, 'linkedvars');
  fs.symlinkSync(outside, path.join(linkedVars.work, 'vars'));
  gitIn(linkedVars.work, 'add', '-A');
  linkedVars.commit({}, 'vars out');
  await refused(libs.load({ name: 'lv', url: linkedVars.bare, version: 'main', scope: 'folder' }), 'library.unsafe', /vars\/ is a symbolic link that leaves the library/);
  const linkedRes = libraryRepo({ 'vars/ok.groovy': 'def call() {}\n' }, 'linkedres');
  fs.symlinkSync(outside, path.join(linkedRes.work, 'resources'));
  gitIn(linkedRes.work, 'add', '-A');
  linkedRes.commit({}, 'resources out');
  // Found when the library is read (resources/ is checked like vars/ and src/), and by resource() itself.
  await refused(libs.load({ name: 'lr', url: linkedRes.bare, version: 'main', scope: 'folder' }), 'library.unsafe', /resources\/ is a symbolic link that leaves the library/);
});

test('limits: too many files, too many bytes, one file too big', async () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 30; i++) files[`vars/v${i}.groovy`] = `def call() { echo '${i}' }\n`;
  const repo = libraryRepo(files, 'huge');
  const small = (limits: object) => new GitLibraries({ cacheDir: path.join(tempDir('libcache'), 'libraries'), limits });
  await refused(small({ maxFiles: 10 }).load({ name: 'huge', url: repo.bare, version: 'main', scope: 'global' }), 'library.limits', /library huge@main: commit [0-9a-f]{7} has 30 files, more than the limit of 10/);
  await refused(small({ maxBytes: 100 }).load({ name: 'huge', url: repo.bare, version: 'main', scope: 'global' }), 'library.limits', /holds \d+ bytes, more than the limit of 100/);
  await refused(small({ maxFileBytes: 10 }).load({ name: 'huge', url: repo.bare, version: 'main', scope: 'global' }), 'library.limits', /vars\/v\d+.groovy is \d+ bytes, more than the limit of 10 bytes/);
  // Nothing half-fetched is left where a later load would take it.
  const libs = small({ maxFiles: 10 });
  await assert.rejects(libs.load({ name: 'huge', url: repo.bare, version: 'main', scope: 'global' }));
  assert.deepEqual(fs.readdirSync(path.join(libs.cacheDir, 'huge')), []);
});

test('a plain directory is read as it is (commit null)', async () => {
  const dir = tempDir('plainlib');
  for (const [rel, text] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  }
  const c = await readLibraryDirectory(dir, { name: 'local', version: 'dir', commit: null, source: dir, scope: 'local', includeInChangesets: false });
  assert.equal(c.commit, null);
  assert.ok(c.files.has('vars/sayHello.groovy'));
  assert.equal(Buffer.from((await c.resource('com/acme/config.json'))!).toString(), '{"a":1}\n');
});

test('git daemon (git://): branch and tag', async () => {
  const repo = libraryRepo(FILES, 'daemon');
  repo.tag('v1');
  const daemon = await startGitDaemon(path.dirname(repo.bare));
  after(() => daemon.stop());
  const libs = cache();
  const c = await libs.load({ name: 'd', url: daemon.url('daemon.git'), version: 'v1', scope: 'global' });
  assert.equal(c.commit, gitIn(repo.bare, 'rev-parse', 'v1'));
  assert.equal(c.source, daemon.url('daemon.git'));
  await refused(libs.load({ name: 'd', url: daemon.url('other.git'), version: 'main', scope: 'global' }), 'library.fetch', /Could not list the versions of library d \(version main\) from git:\/\/127.0.0.1:\d+\/other.git: .*/);
});

test('ssh with an SSH key credential (a real sshd); a wrong key is refused with ssh\'s reason and no key material', async () => {
  const sshd = await startSshd();
  after(() => sshd.stop());
  const repo = libraryRepo(FILES, 'ssh');
  const libs = cache();
  const url = `ssh://${sshd.user}@127.0.0.1:${sshd.port}${repo.bare}`;
  const c = await libs.load({ name: 's', url, version: 'main', scope: 'global', credential: { id: 'key', type: 'sshKey', privateKey: sshd.clientKey } });
  assert.equal(c.commit, gitIn(repo.bare, 'rev-parse', 'main'));
  // The host key seen first was kept beside the cache.
  assert.ok(fs.readFileSync(path.join(libs.cacheDir, 'known_hosts'), 'utf8').includes(sshd.knownHosts.split(' ').slice(1).join(' ').trim()));
  const err = await refused(libs.load({ name: 's', url, version: 'main', scope: 'global', credential: { id: 'other', type: 'sshKey', privateKey: sshd.otherKey } }), 'library.fetch', /Could not list the versions of library s \(version main\) from ssh:.*Permission denied/);
  for (const line of sshd.otherKey.split('\n').filter((l) => l.length >= 16)) assert.ok(!err.message.includes(line));
  // No key file is left behind in the temporary directory.
  assert.deepEqual(fs.readdirSync(path.dirname(libs.cacheDir)).filter((n) => n.startsWith('kiln-lib-auth')), []);
  await refused(libs.load({ name: 's', url, version: 'main', scope: 'global', credential: { id: 'f', type: 'secretFile', content: Buffer.from('x') } }), 'library.credentials', /credential 'f' is a secretFile/);
  // A key with a passphrase: given through SSH_ASKPASS, never on a command line; a wrong one is refused.
  const keyFile = path.join(tempDir('sshpass'), 'id');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'open sesame 123', '-C', 'lib-pass', '-f', keyFile]);
  fs.appendFileSync(path.join(sshd.dir, 'authorized_keys'), fs.readFileSync(`${keyFile}.pub`));
  const locked = fs.readFileSync(keyFile, 'utf8');
  const fresh = cache();
  const viaPass = await fresh.load({ name: 'p', url, version: 'main', scope: 'global', credential: { id: 'pk', type: 'sshKey', privateKey: locked, passphrase: 'open sesame 123' } });
  assert.equal(viaPass.commit, c.commit);
  const wrongPass = await refused(cache().load({ name: 'p', url, version: 'main', scope: 'global', credential: { id: 'pk', type: 'sshKey', privateKey: locked, passphrase: 'not the passphrase' } }), 'library.fetch', /Could not list the versions of library p/);
  assert.ok(!wrongPass.message.includes('not the passphrase'));
});

test('https-style smart HTTP with a token credential (git http-backend); a wrong token is refused and never shown', async () => {
  const repo = libraryRepo(FILES, 'http');
  const token = 'tok-s3cr3t-abcdef123456';
  const server = await startGitHttp(path.dirname(repo.bare), { user: 'ci', token });
  after(() => server.stop());
  const libs = cache();
  const url = server.url('http.git');
  const c = await libs.load({ name: 'h', url, version: 'main', scope: 'global', credential: { id: 'tok', type: 'usernamePassword', username: 'ci', password: token } });
  assert.equal(c.commit, gitIn(repo.bare, 'rev-parse', 'main'));
  assert.ok(server.requests.some((r) => r.endsWith(' auth')), server.requests.join('\n'));
  const bad = 'wrong-token-0987654321';
  const err = await refused(libs.load({ name: 'h', url, version: 'main', scope: 'global', credential: { id: 'tok', type: 'secretText', secret: bad } }), 'library.fetch', /Could not list the versions of library h \(version main\) from http:\/\/127.0.0.1:\d+\/http.git: .*Authentication failed/);
  assert.ok(!err.message.includes(bad));
  assert.ok(!String(err.cause).includes(bad));
  // A password in the URL is never shown either.
  const inUrl = url.replace('http://', `http://ci:${bad}@`);
  const err2 = await refused(libs.load({ name: 'h', url: inUrl, version: 'main', scope: 'global' }), 'library.fetch', /ci:\*\*\*\*@/);
  assert.ok(!err2.message.includes(bad));
  const ok = await libs.load({ name: 'h', url: url.replace('http://', `http://ci:${token}@`), version: 'main', scope: 'global' });
  assert.ok(!ok.source.includes(token));
});

test('commitOfRef: branch before tag, tags peeled, HEAD', () => {
  const ls = ['a'.repeat(40) + '\tHEAD', 'b'.repeat(40) + '\trefs/heads/main', 'c'.repeat(40) + '\trefs/tags/v1', 'd'.repeat(40) + '\trefs/tags/v1^{}', 'e'.repeat(40) + '\trefs/tags/main'].join('\n');
  assert.equal(commitOfRef(ls, 'main'), 'b'.repeat(40));
  assert.equal(commitOfRef(ls, 'v1'), 'd'.repeat(40));
  assert.equal(commitOfRef(ls, 'HEAD'), 'a'.repeat(40));
  assert.equal(commitOfRef(ls, 'v2'), null);
});
