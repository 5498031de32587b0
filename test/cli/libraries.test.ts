// Shared libraries for `kiln run` / `kiln lint` (src/cli/libraries.ts): --library NAME=URL_OR_PATH[@REF]
// (where the ref starts in URLs with users), the libraries: section of --config FILE (every
// problem naming the file, entry and field), and the resolver against real git repositories
// and plain directories; the commands refuse bad options with exit 2 and a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { LocalLibraries, libraryCacheDir, parseLibrariesConfig, parseLibraryOption } from '../../src/cli/libraries.ts';
import { libraryRepo, gitIn } from '../helpers/git-servers.ts';
import { tempDir } from '../helpers/tmp.ts';

const root = path.resolve(import.meta.dirname, '../..');

function libDir(): string {
  const d = tempDir('cli-libdir');
  fs.mkdirSync(path.join(d, 'vars'));
  fs.writeFileSync(path.join(d, 'vars', 'hello.groovy'), 'def call() { echo "hi" }\n');
  fs.writeFileSync(path.join(d, 'vars', 'hello.txt'), 'Says hi.\n');
  return d;
}

test('--library: where the URL or path ends and the ref begins', () => {
  const dir = libDir();
  const p = (s: string) => {
    const l = parseLibraryOption(s, dir);
    return { kind: l.kind, location: l.location, ref: l.defaultVersion };
  };
  assert.deepEqual(p('a=https://git.example.com/org/lib.git@main'), { kind: 'git', location: 'https://git.example.com/org/lib.git', ref: 'main' });
  assert.deepEqual(p('a=https://ci@git.example.com/org/lib.git'), { kind: 'git', location: 'https://ci@git.example.com/org/lib.git', ref: null });
  assert.deepEqual(p('a=ssh://git@host:2222/org/lib.git@feature/x'), { kind: 'git', location: 'ssh://git@host:2222/org/lib.git', ref: 'feature/x' });
  assert.deepEqual(p('a=git@github.com:org/lib.git'), { kind: 'git', location: 'git@github.com:org/lib.git', ref: null });
  assert.deepEqual(p('a=git@github.com:org/lib.git@v2'), { kind: 'git', location: 'git@github.com:org/lib.git', ref: 'v2' });
  assert.deepEqual(p(`a=${dir}`), { kind: 'dir', location: dir, ref: null });
  assert.deepEqual(p('a=.'), { kind: 'dir', location: dir, ref: null }, 'relative to the base');
  assert.deepEqual(p(`a=${dir}@main`), { kind: 'git', location: dir, ref: 'main' }, 'a path with a ref is a repository');
  for (const [bad, re] of [
    ['nolib', /expected NAME=URL_OR_PATH\[@REF\]/], ['=x', /expected NAME=/], ['a b=x', /'a b' is not a library name/],
    ['a=', /no URL or path after '='/], [`a=${dir}@`, /nothing after '@'/], ['a=/no/such/dir', /\/no\/such\/dir does not exist/],
  ] as const) assert.throws(() => parseLibraryOption(bad, dir), re, bad);
});

test('--config FILE: the libraries: list, paths relative to the file, and its errors', () => {
  const dir = libDir();
  const cfgDir = tempDir('cli-libcfg');
  const file = path.join(cfgDir, 'kiln.yaml');
  const libs = parseLibrariesConfig(`libraries:
  - name: local
    path: ${path.relative(cfgDir, dir)}
    implicit: true
  - name: remote
    url: https://git.example.com/lib.git
    defaultVersion: v1
    allowVersionOverride: false
    credentialsId: git-token
`, file);
  assert.deepEqual(libs.map((l) => [l.name, l.kind, l.location, l.defaultVersion, l.implicit, l.allowVersionOverride, l.credentialsId]), [
    ['local', 'dir', dir, null, true, true, null],
    ['remote', 'git', 'https://git.example.com/lib.git', 'v1', false, false, 'git-token'],
  ]);
  assert.deepEqual(parseLibrariesConfig('# nothing yet\n', file), []);
  for (const [text, re] of [
    ['libraries: x', /kiln.yaml: libraries: expected a list/],
    ['libraries:\n  - name: a\n', /libraries\[0\]: give either url \(a git repository\) or path \(a directory\), not neither/],
    ['libraries:\n  - name: a\n    url: x\n    path: y\n', /libraries\[0\]: give either url .* not both/],
    ['libraries:\n  - name: "a b"\n    url: x\n', /libraries\[0\].name: "a b" is not a library name/],
    ['libraries:\n  - name: a\n    url: https://h/x\n  - name: a\n    url: https://h/y\n', /libraries\[1\].name: library 'a' is defined twice/],
    ['libraries:\n  - name: a\n    url: https://h/x\n    implicit: yes please\n', /libraries\[0\].implicit: true or false/],
    ['libraries:\n  - name: a\n    url: https://h/x\n    colour: red\n', /libraries\[0\]: unknown field 'colour'/],
    ['libraries: [', /not valid YAML or JSON/],
  ] as const) assert.throws(() => parseLibrariesConfig(text, file), re, text);
});

test('the resolver: a directory as it is, a repository at a tag, implicit ones, override refused, a missing library', async () => {
  const dir = libDir();
  const repo = libraryRepo({ 'vars/deploy.groovy': 'def call(Map c) { echo c.env }\n', 'resources/x.txt': 'X' }, 'clilib');
  repo.tag('v1');
  const moved = repo.commit({ 'vars/later.groovy': 'def call() {}\n' });
  const cacheDir = path.join(tempDir('cli-libcache'), 'libraries');
  const r = new LocalLibraries([
    parseLibraryOption(`here=${dir}`),
    parseLibraryOption(`deploy=${repo.bare}@v1`),
    { ...parseLibraryOption(`fixed=file://${repo.bare}@v1`), allowVersionOverride: false, implicit: true },
  ], { cacheDir });
  assert.deepEqual(await r.implicitNames(), ['fixed']);
  const here = await r.resolve({ name: 'here', version: null, how: 'annotation' });
  assert.equal(here.commit, null);
  assert.equal(here.scope, 'local');
  assert.equal(here.files.get('vars/hello.txt'), 'Says hi.\n');
  // The directory is read as it is now: an edit shows at the next load.
  fs.writeFileSync(path.join(dir, 'vars', 'bye.groovy'), 'def call() {}\n');
  assert.ok((await r.resolve({ name: 'here', version: null, how: 'annotation' })).files.has('vars/bye.groovy'));
  const d = await r.resolve({ name: 'deploy', version: null, how: 'annotation' });
  assert.equal(d.commit, gitIn(repo.bare, 'rev-parse', 'v1'));
  assert.ok(!d.files.has('vars/later.groovy'));
  assert.ok(fs.existsSync(path.join(cacheDir, 'deploy', d.commit!)));
  assert.equal((await r.resolve({ name: 'deploy', version: 'main', how: 'annotation' })).commit, moved);
  await assert.rejects(r.resolve({ name: 'fixed', version: 'main', how: 'annotation' }), (e: Error) => e.message === 'Version override not permitted for library fixed');
  await assert.rejects(r.resolve({ name: 'nope', version: null, how: 'annotation' }), (e: Error & { kilnCode?: string }) => e.kilnCode === 'library.not-found' && /give it with --library nope=URL_OR_PATH\[@REF\]/.test(e.message));
  const withCred = new LocalLibraries([{ ...parseLibraryOption(`c=${repo.bare}@main`), credentialsId: 'git' }], { cacheDir });
  await assert.rejects(withCred.resolve({ name: 'c', version: null, how: 'annotation' }), /library c \(--library c=.*\): no credential 'git': give credentials with --credentials FILE/);
});

test('the cache lives under $XDG_CACHE_HOME/kiln/libraries, else ~/.cache/kiln/libraries', () => {
  assert.equal(libraryCacheDir({ XDG_CACHE_HOME: '/c' }), '/c/kiln/libraries');
  assert.match(libraryCacheDir({}), /\/\.cache\/kiln\/libraries$/);
});

test('kiln run and kiln lint refuse a bad --library or --config with exit 2 and the reason', () => {
  const dir = tempDir('cli-libbad');
  fs.writeFileSync(path.join(dir, 'Jenkinsfile'), "pipeline { agent any; stages { stage('a') { steps { echo 'x' } } } }\n");
  const kiln = (...args: string[]) => spawnSync(process.execPath, [path.join(root, 'src/cli/main.ts'), ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const run = kiln('run', '--library', 'oops', 'Jenkinsfile');
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /kiln run: --library oops: expected NAME=URL_OR_PATH\[@REF\]/);
  const lint = kiln('lint', '--config', 'missing.yaml', 'Jenkinsfile');
  assert.equal(lint.status, 2, lint.stderr);
  assert.match(lint.stderr, /kiln lint: cannot read missing.yaml: no such file/);
  const lint2 = kiln('lint', '--library');
  assert.equal(lint2.status, 2);
  assert.match(lint2.stderr, /--library needs a value/);
  // Libraries that parse: lint validates as before (a library is fetched only when a Jenkinsfile asks for it).
  const ok = kiln('lint', '--library', `x=${libDir()}`, 'Jenkinsfile');
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
});

test("a library from the Jenkinsfile's retriever: fetched from its URL (a path is fine on your own machine); a --library of the name wins; a version is required", async () => {
  const repo = libraryRepo({ 'vars/fromRetriever.groovy': 'def call() { echo "retrieved" }\n' }, 'cliret');
  const cacheDir = path.join(tempDir('cli-retcache'), 'libraries');
  const retriever = { url: repo.bare, credentialsId: null, form: 'modernSCM(GitSCMSource)' };
  const none = new LocalLibraries([], { cacheDir });
  const got = await none.resolve({ name: 'r', version: 'main', how: 'step', retriever });
  assert.equal(got.commit, gitIn(repo.bare, 'rev-parse', 'main'));
  assert.ok(got.files.has('vars/fromRetriever.groovy'));
  await assert.rejects(none.resolve({ name: 'r', version: null, how: 'step', retriever }), /Must specify a version for library r/);
  await assert.rejects(none.resolve({ name: 'r', version: 'main', how: 'step', retriever: { ...retriever, url: null, form: 'legacySCM(scm)' } }), /here 'scm' names no repository; give the library with --library r=URL_OR_PATH/);
  const dir = libDir();
  const given = new LocalLibraries([parseLibraryOption(`r=${dir}`)], { cacheDir });
  assert.equal((await given.resolve({ name: 'r', version: 'main', how: 'step', retriever })).commit, null, 'the --library directory, not the retriever');
});
