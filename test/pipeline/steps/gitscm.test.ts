// checkout with the Git plugin's GitSCM (issue 17), on real git: repositories built here and
// served by path and by `git daemon`. What a user sees: the files checked out, the GIT_*
// variables, the console lines the Git plugin prints, and the errors for hostile values.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runPipeline } from '../engine/harness.ts';
import { libraryRepo, gitIn, startGitDaemon } from '../../helpers/git-servers.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';

const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
const scripted = (body: string) => `node {\n${body}\n}`;

test('scmGit: two remotes, a branch of the second one, GIT_URL_n, the Git plugin console lines, and the changelog base on the next build', async () => {
  const a = libraryRepo({ 'a.txt': 'from a\n' }, 'remote-a');
  const b = libraryRepo({ 'b.txt': 'from b\n' }, 'remote-b');
  b.branch('feature');
  const featureHead = b.commit({ 'b.txt': 'feature of b\n' }, 'feature work');
  const ws = path.join(tempDir('gitscm-ws'), 'ws');
  const source = scripted(`
  def vars = checkout scmGit(branches: [[name: 'upstream/feature']], browser: github('https://github.com/o/r'),
    userRemoteConfigs: [[url: '${a.bare}'], [name: 'upstream', url: '${b.bare}']])
  echo "commit=\${vars.GIT_COMMIT} branch=\${vars.GIT_BRANCH} url1=\${vars.GIT_URL_1} url2=\${vars.GIT_URL_2} url=\${vars.GIT_URL} prev=\${vars.GIT_PREVIOUS_COMMIT} ok=\${vars.GIT_PREVIOUS_SUCCESSFUL_COMMIT}"
  sh 'cat b.txt; echo "env=$GIT_COMMIT"'`);
  const first = await runPipeline(source, { workspace: ws });
  assert.equal(first.state.result, 'SUCCESS', first.console);
  const c = first.console;
  assert.match(c, new RegExp(`^commit=${featureHead} branch=upstream/feature url1=${a.bare} url2=${b.bare} url=null prev=null ok=null$`, 'm'));
  assert.match(c, /^feature of b$/m);
  assert.match(c, new RegExp(`^env=${featureHead}$`, 'm'));
  assert.match(c, /^Cloning the remote Git repository$/m);
  assert.ok(c.includes(` > git fetch --tags --force --progress -- ${a.bare} +refs/heads/*:refs/remotes/origin/* # timeout=10`), c);
  assert.ok(c.includes(` > git fetch --tags --force --progress -- ${b.bare} +refs/heads/*:refs/remotes/upstream/* # timeout=10`), c);
  assert.ok(c.includes(`Checking out Revision ${featureHead} (upstream/feature)`), c);
  assert.match(c, /^Commit message: "feature work"$/m);
  assert.match(c, /^First time build\. Skipping changelog\.$/m);

  const next = b.commit({ 'b.txt': 'second\n' }, 'second change');
  const previous = (result: 'SUCCESS' | 'FAILURE') => ({ number: 7, result, durationMs: 1, startedAt: 1, description: null, displayName: null });
  const second = await runPipeline(source, { workspace: ws, previous: previous('SUCCESS') });
  assert.equal(second.state.result, 'SUCCESS', second.console);
  assert.match(second.console, /^Fetching changes from 2 remote Git repositories$/m);
  assert.match(second.console, new RegExp(`^commit=${next} branch=upstream/feature .* prev=${featureHead} ok=${featureHead}$`, 'm'));
  assert.ok(second.console.includes(` > git rev-list --no-walk ${featureHead} # timeout=10`), second.console);
  assert.doesNotMatch(second.console, /First time build/);
  // The previous build failed: its commit is the previous one, the last successful stays.
  const third = b.commit({ 'b.txt': 'third\n' }, 'third change');
  const after3 = await runPipeline(source, { workspace: ws, previous: previous('FAILURE') });
  assert.match(after3.console, new RegExp(`^commit=${third} .* prev=${next} ok=${featureHead}$`, 'm'));
});

test("[$class: 'GitSCM'] with extensions: shallow clone without tags, a target directory, sparse paths, identity, local branch and a per-build tag", async () => {
  const r = libraryRepo({ 'src/main.c': 'int main;\n', 'docs/readme.md': 'docs\n' }, 'ext');
  r.commit({ 'src/main.c': 'int main2;\n' }, 'two');
  r.tag('v1');
  const head = r.commit({ 'src/main.c': 'int main3;\n' }, 'three');
  const { state, console, h } = await runPipeline(scripted(`
  def v = checkout([$class: 'GitSCM', branches: [[name: '*/main']], doGenerateSubmoduleConfigurations: false, submoduleCfg: [],
    userRemoteConfigs: [[url: '${r.bare}']], browser: [$class: 'GithubWeb', repoUrl: 'https://github.com/o/r'],
    extensions: [cloneOption(shallow: true, depth: 2, noTags: true, timeout: 5), [$class: 'RelativeTargetDirectory', relativeTargetDir: 'sub/dir'],
      sparseCheckout(sparseCheckoutPaths: [[path: 'src/']]), userIdentity(name: 'Build Bot', email: 'bot@example.com'),
      localBranch('**'), perBuildTag(), [$class: 'CheckoutOption', timeout: 3], [$class: 'ScmName', name: 'mine'], [$class: 'IgnoreNotifyCommit'], pruneStaleBranch()]])
  echo "local=\${v.GIT_LOCAL_BRANCH} dir=\${v.GIT_CHECKOUT_DIR} author=\${v.GIT_AUTHOR_NAME} <\${v.GIT_COMMITTER_EMAIL}>"`));
  assert.equal(state.result, 'SUCCESS', console);
  const dir = path.join(h.workspace, 'sub/dir');
  assert.equal(git(dir, 'rev-list', '--count', 'HEAD'), '2');
  assert.equal(git(dir, 'rev-parse', 'HEAD'), head);
  assert.equal(git(dir, 'tag', '-l', 'v1'), '', 'noTags: the tag is not fetched');
  assert.equal(git(dir, 'tag', '-l', 'jenkins-*'), 'jenkins-test-job-7');
  assert.equal(git(dir, 'rev-parse', '--abbrev-ref', 'HEAD'), 'main');
  assert.equal(git(dir, 'config', 'user.email'), 'bot@example.com');
  assert.ok(existsSync(path.join(dir, 'src/main.c')));
  assert.ok(!existsSync(path.join(dir, 'docs/readme.md')), 'sparse: docs/ is not checked out');
  assert.match(console, /^local=main dir=sub\/dir author=Build Bot <bot@example.com>$/m);
  assert.ok(console.includes(` > git fetch --no-tags --force --progress --prune --depth=2 -- ${r.bare} +refs/heads/*:refs/remotes/origin/* # timeout=5`), console);
  assert.ok(console.includes(` > git checkout -f -B main ${head} # timeout=3`), console);
});

test('submodule(recursiveSubmodules: true) checks out submodules served by git daemon', async () => {
  const base = tempDir('gitscm-daemon');
  const daemon = await startGitDaemon(base);
  after(() => daemon.stop());
  const inner = libraryRepo({ 'inner.txt': 'inner\n' }, 'inner');
  const sub = libraryRepo({ 'sub.txt': 'sub\n' }, 'sub');
  // Served copies: the daemon serves bare repositories under base.
  const served = (name: string, bare: string) => { gitIn(base, 'clone', '--quiet', '--bare', bare, path.join(base, `${name}.git`)); return daemon.url(`${name}.git`); };
  const innerUrl = served('inner', inner.bare);
  gitIn(sub.work, 'submodule', 'add', '--quiet', innerUrl, 'inner');
  sub.commit({}, 'add inner');
  const subUrl = served('sub', sub.bare);
  const top = libraryRepo({ 'top.txt': 'top\n' }, 'top');
  gitIn(top.work, 'submodule', 'add', '--quiet', subUrl, 'sub');
  top.commit({}, 'add sub');
  const { state, console, h } = await runPipeline(scripted(`
  checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${top.bare}']], extensions: [submodule(recursiveSubmodules: true, threads: 2)])`));
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal(readFileSync(path.join(h.workspace, 'sub/inner/inner.txt'), 'utf8'), 'inner\n');
  assert.ok(console.includes(' > git submodule update --init --recursive --jobs 2 # timeout=10'), console);
  const off = await runPipeline(scripted(`
  checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${top.bare}']], extensions: [submodule(disableSubmodules: true)])`));
  assert.equal(off.state.result, 'SUCCESS', off.console);
  assert.ok(!existsSync(path.join(off.h.workspace, 'sub/sub.txt')));
});

test('wildcard branch specs: the oldest tip not built yet is built ("Multiple candidate revisions"), then the next one', async () => {
  const r = libraryRepo({ 'f.txt': 'base\n' }, 'wild');
  r.branch('release-1');
  const r1 = r.commit({ 'f.txt': 'one\n' }, 'release one');
  gitIn(r.work, 'checkout', '--quiet', 'main');
  r.branch('release-2');
  // A later committer date for release-2.
  execFileSync('git', ['commit', '--quiet', '--allow-empty', '-m', 'release two'], { cwd: r.work, env: { ...process.env, GIT_AUTHOR_NAME: 'x', GIT_AUTHOR_EMAIL: 'x@x', GIT_COMMITTER_NAME: 'x', GIT_COMMITTER_EMAIL: 'x@x', GIT_COMMITTER_DATE: '2099-01-01T00:00:00Z' } });
  gitIn(r.work, 'push', '--quiet', 'origin', 'HEAD');
  const r2 = gitIn(r.work, 'rev-parse', 'HEAD');
  const ws = path.join(tempDir('gitscm-wild'), 'ws');
  const source = scripted(`
  def v = checkout scmGit(branches: [[name: 'origin/release-*']], userRemoteConfigs: [[url: '${r.bare}']])
  echo "built \${v.GIT_BRANCH} \${v.GIT_COMMIT}"`);
  const one = await runPipeline(source, { workspace: ws });
  assert.equal(one.state.result, 'SUCCESS', one.console);
  assert.match(one.console, /^Multiple candidate revisions$/m);
  assert.match(one.console, new RegExp(`^built origin/release-1 ${r1}$`, 'm'));
  const two = await runPipeline(source, { workspace: ws });
  assert.match(two.console, new RegExp(`^built origin/release-2 ${r2}$`, 'm'));
  const none = await runPipeline(scripted(`checkout scmGit(branches: [[name: 'nothing-*']], userRemoteConfigs: [[url: '${r.bare}']])`));
  assert.equal(none.state.result, 'FAILURE');
  assert.match(none.console, /Couldn't find any revision to build\. Verify the repository and branch configuration for this job\./);
});

test('PreBuildMerge merges the branch into the target before the build; a conflict fails the build', async () => {
  const r = libraryRepo({ 'f.txt': 'base\n' }, 'merge');
  r.commit({ 'main.txt': 'on main\n' }, 'main work');
  gitIn(r.work, 'checkout', '--quiet', '-b', 'feature', 'HEAD~1');
  const feature = r.commit({ 'feature.txt': 'on feature\n' }, 'feature work');
  const { state, console, h } = await runPipeline(scripted(`
  def v = checkout scmGit(branches: [[name: 'feature']], userRemoteConfigs: [[url: '${r.bare}']],
    extensions: [[$class: 'PreBuildMerge', options: [mergeRemote: 'origin', mergeTarget: 'main']]])
  echo "commit=\${v.GIT_COMMIT}"`));
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(existsSync(path.join(h.workspace, 'main.txt')) && existsSync(path.join(h.workspace, 'feature.txt')));
  assert.ok(console.includes(`Merging Revision ${feature} (origin/feature) to origin/main, UserMergeOptions{mergeRemote='origin', mergeTarget='main', mergeStrategy='DEFAULT', fastForwardMode='FF'}`), console);
  const merged = git(h.workspace, 'rev-parse', 'HEAD');
  assert.notEqual(merged, feature);
  assert.match(console, new RegExp(`^commit=${merged}$`, 'm'));
  r.commit({ 'f.txt': 'feature says\n' }, 'conflict on feature');
  gitIn(r.work, 'checkout', '--quiet', 'main');
  r.commit({ 'f.txt': 'main says\n' }, 'conflict on main');
  const bad = await runPipeline(scripted(`
  checkout scmGit(branches: [[name: 'feature']], userRemoteConfigs: [[url: '${r.bare}']],
    extensions: [[$class: 'PreBuildMerge', options: [mergeTarget: 'main']]])`));
  assert.equal(bad.state.result, 'FAILURE');
  assert.match(bad.console, /Branch not suitable for integration as it does not merge cleanly: origin\/feature into origin\/main/);
});

test('cleanBeforeCheckout and WipeWorkspace remove what the previous build left; cleanAfterCheckout too', async () => {
  const r = libraryRepo({ 'kept.txt': 'kept\n' }, 'clean');
  const ws = path.join(tempDir('gitscm-clean'), 'ws');
  const first = await runPipeline(scripted(`checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${r.bare}']])
  writeFile file: 'left-over.txt', text: 'x'`), { workspace: ws });
  assert.equal(first.state.result, 'SUCCESS', first.console);
  assert.ok(existsSync(path.join(ws, 'left-over.txt')));
  const cleaned = await runPipeline(scripted(`checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${r.bare}']], extensions: [cleanBeforeCheckout()])`), { workspace: ws });
  assert.equal(cleaned.state.result, 'SUCCESS', cleaned.console);
  assert.match(cleaned.console, /^Cleaning workspace$/m);
  assert.ok(!existsSync(path.join(ws, 'left-over.txt')));
  assert.ok(existsSync(path.join(ws, 'kept.txt')));
  const wiped = await runPipeline(scripted(`writeFile file: 'again.txt', text: 'x'
  checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${r.bare}']], extensions: [[$class: 'WipeWorkspace']])`), { workspace: ws });
  assert.equal(wiped.state.result, 'SUCCESS', wiped.console);
  assert.match(wiped.console, /^Wiping out workspace first\.$/m);
  assert.match(wiped.console, /^Cloning the remote Git repository$/m);
  assert.ok(!existsSync(path.join(ws, 'again.txt')));
});

test('hostile values are refused with a clear error: a target directory leaving the workspace, ext:: URLs, options as branches, an unknown extension', async () => {
  const r = libraryRepo({ 'f.txt': 'x\n' }, 'hostile');
  const cases: [string, RegExp][] = [
    [`checkout scmGit(userRemoteConfigs: [[url: '${r.bare}']], extensions: [[$class: 'RelativeTargetDirectory', relativeTargetDir: '../../escape']])`, /RelativeTargetDirectory '\.\.\/\.\.\/escape' leaves the workspace/],
    [`checkout scmGit(userRemoteConfigs: [[url: 'ext::sh -c touch% /tmp/kiln-pwned']])`, /uses git's ext:: transport, which runs commands/],
    [`checkout scmGit(branches: [[name: '--upload-pack=touch /tmp/kiln-pwned']], userRemoteConfigs: [[url: '${r.bare}']])`, /the branch '--upload-pack=touch \/tmp\/kiln-pwned' starts with '-'/],
    [`checkout scmGit(userRemoteConfigs: [[url: '${r.bare}', refspec: '--exec=x']])`, /the refspec '--exec=x' starts with '-'/],
    [`checkout scmGit(userRemoteConfigs: [[url: '${r.bare}']], extensions: [[$class: 'NoSuchOption']])`, /no known implementation of class hudson\.plugins\.git\.extensions\.GitSCMExtension is named NoSuchOption/],
    [`git url: '-oProxyCommand=x', branch: 'main'`, /starts with '-'/],
  ];
  for (const [body, want] of cases) {
    const { state, console } = await runPipeline(scripted(body));
    assert.equal(state.result, 'FAILURE', body);
    assert.match(console, want);
  }
  assert.ok(!existsSync('/tmp/kiln-pwned'));
});

test('a remote with a username/token credential: fetched through askpass, the token never in the console', async () => {
  const { startGitHttp } = await import('../../helpers/git-servers.ts');
  const base = tempDir('gitscm-http');
  const r = libraryRepo({ 'private.txt': 'secret project\n' }, 'private');
  gitIn(base, 'clone', '--quiet', '--bare', r.bare, path.join(base, 'private.git'));
  const server = await startGitHttp(base, { user: 'bob', token: 'tok-123456' });
  after(() => server.stop());
  const { state, console, h } = await runPipeline(scripted(`
  checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${server.url('private.git')}', credentialsId: 'gh']])`), {
    credentials: { gh: { id: 'gh', type: 'usernamePassword', username: 'bob', password: 'tok-123456' } as never },
  });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^using credential gh$/m);
  assert.equal(readFileSync(path.join(h.workspace, 'private.txt'), 'utf8'), 'secret project\n');
  assert.ok(!console.includes('tok-123456'));
  assert.ok(!git(h.workspace, 'config', '--get', 'remote.origin.url').includes('tok-123456'));
});

test("withCredentials([gitUsernamePassword(...)]): the block's own git commands authenticate over HTTP with the credential; nothing secret on the console; the askpass script gone after", async () => {
  const { startGitHttp } = await import('../../helpers/git-servers.ts');
  const base = tempDir('gitscm-binding');
  const r = libraryRepo({ 'private.txt': 'bound project\n' }, 'bound');
  gitIn(base, 'clone', '--quiet', '--bare', r.bare, path.join(base, 'bound.git'));
  const server = await startGitHttp(base, { user: 'carol', token: 'tok-binding-987' });
  after(() => server.stop());
  const { state, console, h } = await runPipeline(scripted(`
  withCredentials([gitUsernamePassword(credentialsId: 'gh', gitToolName: 'Default')]) {
    sh 'git clone -q ${server.url('bound.git')} cloned && cat cloned/private.txt && echo "user=$GIT_USERNAME prompt=$GIT_TERMINAL_PROMPT" && echo "askpass=$GIT_ASKPASS pass=$GIT_PASSWORD"'
    sh 'echo "$GIT_ASKPASS" > askpass-path.txt'
  }
  withCredentials([GitUsernamePassword(credentialsId: 'gh')]) { sh 'git ls-remote -q ${server.url('bound.git')} main | cut -c1-7' }
  sh 'test ! -e "$(cat askpass-path.txt)" && echo askpass-removed'`), {
    credentials: { gh: { id: 'gh', type: 'usernamePassword', username: 'carol', password: 'tok-binding-987' } as never },
  });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^Masking supported pattern matches of \$GIT_PASSWORD or \$GIT_ASKPASS$/m);
  assert.match(console, /^bound project$/m);
  assert.match(console, /^user=carol prompt=false$/m);
  assert.match(console, /^askpass=\*\*\*\* pass=\*\*\*\*$/m);
  assert.match(console, /^askpass-removed$/m);
  assert.ok(!console.includes('tok-binding-987'));
  assert.ok(server.requests.some((x) => x.endsWith(' auth')), server.requests.join('\n'));
  assert.ok(!git(path.join(h.workspace, 'cloned'), 'config', '--get', 'remote.origin.url').includes('tok-binding'));
  const wrongType = await runPipeline(scripted(`withCredentials([gitUsernamePassword(credentialsId: 'key')]) { echo 'no' }`), {
    credentials: { key: { id: 'key', type: 'secretText', secret: 's' } as never },
  });
  assert.equal(wrongType.state.result, 'FAILURE');
  assert.match(wrongType.console, /gitUsernamePassword\(credentialsId: 'key'\) needs a usernamePassword credential, but 'key' is a secretText/);
});

test('kiln lint accepts the Git plugin forms real Jenkinsfiles use, and still refuses a misspelt one', () => {
  const lint = (body: string) => loadPipeline(`pipeline {\n  agent any\n  stages { stage('c') { steps {\n${body}\n  } } }\n}`, registry).diagnostics
    .filter((d) => d.severity === 'error').map((d) => formatDiagnostic('J', d));
  assert.deepEqual(lint(`checkout scmGit(branches: [[name: '*/main']], browser: cgit('https://cgit.example.com/app'),
    userRemoteConfigs: [[url: 'https://git.example.com/app.git', credentialsId: 'c']],
    extensions: [cloneOption(shallow: true, depth: 1, noTags: false, reference: '', timeout: 20), cleanBeforeCheckout(),
      submodule(recursiveSubmodules: true, parentCredentials: true), checkoutOption(timeout: 20), localBranch('**'), lfs(),
      pruneTags(true), sparseCheckout(sparseCheckoutPaths: [[path: 'src/']]), [$class: 'WipeWorkspace']])
    checkout changelog: false, poll: false, scm: [$class: 'GitSCM', branches: [[name: 'main']], userRemoteConfigs: [[url: 'u']], extensions: [[$class: 'CloneOption', shallow: true]]]
    checkout scmGit(browser: github('https://github.com/o/r'), userRemoteConfigs: [[url: 'u']])`), []);
  const bad = lint("checkout scmGit(userRemoteConfigs: [[url: 'u']], extensions: [cloneOptions(shallow: true)])");
  assert.equal(bad.length, 1, bad.join('\n'));
  assert.match(bad[0]!, /cloneOptions/);
});

test("checkout([$class: 'GitSCM', branches: scm.branches, extensions: scm.extensions + [...], userRemoteConfigs: scm.userRemoteConfigs]) builds the job's repository with more extensions", async () => {
  const r = libraryRepo({ 'job.txt': 'job repo\n' }, 'jobrepo');
  r.tag('old');
  const ws = path.join(tempDir('gitscm-scm'), 'ws');
  const source = scripted(`
  def v = checkout([$class: 'GitSCM', branches: scm.branches, doGenerateSubmoduleConfigurations: scm.doGenerateSubmoduleConfigurations,
    extensions: scm.extensions + [cleanAfterCheckout(), pruneTags(true), [$class: 'LocalBranch', localBranch: 'ci']], userRemoteConfigs: scm.userRemoteConfigs])
  echo "branch=\${v.GIT_BRANCH} local=\${v.GIT_LOCAL_BRANCH} junk=\${fileExists('junk.txt')}"
  writeFile file: 'junk.txt', text: 'x'`);
  const scm = { url: r.bare, branch: 'main', credentialsId: null };
  const first = await runPipeline(source, { workspace: ws, scm });
  assert.equal(first.state.result, 'SUCCESS', first.console);
  assert.match(first.console, /^branch=origin\/main local=ci junk=false$/m);
  assert.equal(git(ws, 'tag', '-l', 'old'), 'old');
  assert.ok(existsSync(path.join(ws, 'junk.txt')));
  gitIn(r.work, 'push', '--quiet', 'origin', ':refs/tags/old');
  const second = await runPipeline(source, { workspace: ws, scm });
  assert.equal(second.state.result, 'SUCCESS', second.console);
  assert.match(second.console, /^Pruning obsolete local tags that do not exist on remotes$/m);
  assert.equal(git(ws, 'tag', '-l', 'old'), '', 'the tag deleted on the remote is pruned');
  assert.match(second.console, /^Cleaning workspace$/m);
  assert.match(second.console, /^branch=origin\/main local=ci junk=false$/m, 'cleanAfterCheckout removed the untracked file');
  assert.equal(git(ws, 'rev-parse', '--abbrev-ref', 'HEAD'), 'ci');
});

test('cloneOption(reference:) borrows objects from a local repository; changelogToBranch says its strategy', async () => {
  const r = libraryRepo({ 'f.txt': 'x\n' }, 'refd');
  const { state, console, h } = await runPipeline(scripted(`
  checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${r.bare}']],
    extensions: [cloneOption(reference: '${r.bare}'), changelogToBranch(options: [compareRemote: 'origin', compareTarget: 'main'])])`));
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, new RegExp(`^Using reference repository: ${r.bare}$`, 'm'));
  assert.equal(readFileSync(path.join(h.workspace, '.git/objects/info/alternates'), 'utf8'), `${r.bare}/objects\n`);
  assert.match(console, /^Using 'Changelog to branch' strategy\.$/m);
  const missing = await runPipeline(scripted(`
  checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${r.bare}']], extensions: [cloneOption(reference: '/nonexistent/ref')])`));
  assert.equal(missing.state.result, 'SUCCESS', missing.console);
  assert.match(missing.console, /^Reference path does not exist: \/nonexistent\/ref$/m);
});

test('a refspec: the first clone fetches every branch too unless honorRefspec', async () => {
  const r = libraryRepo({ 'f.txt': 'x\n' }, 'refspec');
  r.branch('other');
  r.commit({ 'o.txt': 'o\n' }, 'other');
  const run = (honor: boolean) => runPipeline(scripted(`
  checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${r.bare}', refspec: '+refs/heads/main:refs/remotes/origin/main']],
    extensions: [cloneOption(honorRefspec: ${honor})])`));
  const all = await run(false);
  assert.equal(all.state.result, 'SUCCESS', all.console);
  assert.equal(git(all.h.workspace, 'branch', '-r').split('\n').map((x) => x.trim()).sort().join(' '), 'origin/main origin/other');
  const honored = await run(true);
  assert.equal(honored.state.result, 'SUCCESS', honored.console);
  assert.equal(git(honored.h.workspace, 'branch', '-r').trim(), 'origin/main');
});

test('lfs() pulls the Git LFS objects of the checked-out commit (git-lfs from Debian)', async () => {
  try {
    execFileSync('git', ['lfs', 'version'], { stdio: 'ignore' });
  } catch {
    assert.fail("git-lfs is not installed: install Debian's git-lfs package (scripts/test-prereqs.sh does) to run the lfs() checkout test");
  }
  const r = libraryRepo({ 'readme.txt': 'x\n' }, 'lfsrepo');
  gitIn(r.work, 'lfs', 'install', '--local');
  gitIn(r.work, 'lfs', 'track', '*.bin');
  r.commit({ '.gitattributes': readFileSync(path.join(r.work, '.gitattributes'), 'utf8'), 'big.bin': 'large binary content\n' }, 'lfs file');
  const url = `file://${r.bare}`;
  const { state, console, h } = await runPipeline(scripted(`
  checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${url}']], extensions: [lfs()])`), {
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tempDir('lfs-home'), LC_ALL: 'C', GIT_CONFIG_NOSYSTEM: '1' },
  });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(console.includes(' > git lfs pull origin # timeout=10'), console);
  assert.equal(readFileSync(path.join(h.workspace, 'big.bin'), 'utf8'), 'large binary content\n');
});
