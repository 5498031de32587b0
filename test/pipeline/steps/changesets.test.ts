// A checkout's changelog is the build's change set (issue 17), on real git repositories: several
// builds in a row, each given the previous build's recorded build data (what the controller passes
// from the store), so a fresh workspace still gets the changelog since the previous build; what
// `currentBuild.changeSets` shows (Jenkins' shape: commitId, msg, author, affectedFiles with
// editType), `changelog: false`, and `when { changeset / changelog }` over all the change sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { runPipeline, stage } from '../engine/harness.ts';
import { libraryRepo, type LibraryRepo } from '../../helpers/git-servers.ts';
import { tempDir } from '../../helpers/tmp.ts';
import type { BuildState } from '../../../src/pipeline/engine/state.ts';
import type { JournalEntry } from '../../../src/pipeline/engine/replay.ts';

/** A commit by a given person (author and committer), pushed. */
function commitAs(r: LibraryRepo, who: { name: string; email: string }, message: string, change: (work: string) => void): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: who.name, GIT_AUTHOR_EMAIL: who.email, GIT_COMMITTER_NAME: who.name, GIT_COMMITTER_EMAIL: who.email, GIT_CONFIG_NOSYSTEM: '1' };
  const g = (...args: string[]) => execFileSync('git', args, { cwd: r.work, env, encoding: 'utf8' }).trim();
  change(r.work);
  g('add', '-A');
  g('commit', '-q', '-m', message);
  g('push', '-q', 'origin', 'HEAD');
  return g('rev-parse', 'HEAD');
}
const write = (work: string, rel: string, text: string) => execFileSync('sh', ['-c', 'mkdir -p "$(dirname "$1")" && printf %s "$2" > "$1"', 'sh', path.join(work, rel), text]);
const ann = { name: 'Ann Author', email: 'ann@example.com' };
const bob = { name: 'Bob Builder', email: 'bob@example.com' };

const previousOf = (s: BuildState, number: number) => ({
  number, result: s.result ?? 'SUCCESS', durationMs: 1, startedAt: 1, description: null, displayName: null, ...(s.gitBuildData ? { gitBuildData: s.gitBuildData } : {}),
});

const LIST = `
  echo "sets=\${currentBuild.changeSets.size()}"
  for (set in currentBuild.changeSets) {
    echo "kind=\${set.kind} empty=\${set.emptySet} n=\${set.items.length}"
    for (e in set) {
      echo "entry \${e.commitId} by \${e.author} <\${e.authorEmail}> fullName=\${e.author.fullName} at \${e.timestamp > 0}: \${e.msg}"
      for (f in e.affectedFiles) echo "  \${f.editType.name} \${f.path}"
      echo "  paths=\${e.affectedPaths.sort()} comment=\${e.getComment().readLines().size()} lines"
    }
  }`;

test('each checkout records its changelog on the build: the first build has none, the next lists the commits since the previous build (in a fresh workspace too), changelog: false skips it', async () => {
  const r = libraryRepo({ 'README.md': 'hello\n', 'docs/old.md': 'old\n', 'gone.txt': 'bye\n' }, 'cs-app');
  const source = (extra = '') => `node {\n  checkout scmGit(branches: [[name: '*/main']], userRemoteConfigs: [[url: '${r.bare}']]${extra})\n${LIST}\n}`;

  // #1: the first build of the job: no change set ("First time build. Skipping changelog.").
  const b1 = await runPipeline(source(), { workspace: path.join(tempDir('cs-ws1'), 'ws'), build: { job: 'app', number: 1, id: 'app#1' } });
  assert.equal(b1.state.result, 'SUCCESS', b1.console);
  assert.match(b1.console, /^First time build\. Skipping changelog\.$/m);
  assert.match(b1.console, /^sets=0$/m);
  assert.equal(b1.state.changeSets, undefined);
  assert.equal(b1.state.gitBuildData?.[0]?.remotes[0], r.bare, 'the revision built is recorded with the build');

  const c1 = commitAs(r, ann, 'Add the parser\n\nIt reads the input.', (w) => { write(w, 'src/parser.c', 'int p;\n'); write(w, 'README.md', 'hello parser\n'); });
  const c2 = commitAs(r, bob, 'Move docs, drop gone.txt', (w) => {
    execFileSync('git', ['mv', 'docs/old.md', 'docs/new.md'], { cwd: w });
    execFileSync('git', ['rm', '-q', 'gone.txt'], { cwd: w });
  });

  // #2 on another, fresh workspace (another agent): the changelog starts at #1's recorded commit.
  const b2 = await runPipeline(source(), { workspace: path.join(tempDir('cs-ws2'), 'ws'), build: { job: 'app', number: 2, id: 'app#2' }, previous: previousOf(b1.state, 1) });
  assert.equal(b2.state.result, 'SUCCESS', b2.console);
  assert.doesNotMatch(b2.console, /First time build/);
  assert.match(b2.console, /^sets=1$/m);
  assert.match(b2.console, /^kind=git empty=false n=2$/m);
  const out = b2.console.split('\n').filter((l) => /^(entry|  )/.test(l)).join('\n');
  assert.equal(out, [
    `entry ${c2} by Bob Builder <bob@example.com> fullName=Bob Builder at true: Move docs, drop gone.txt`,
    '  delete docs/old.md',
    '  add docs/new.md',
    '  delete gone.txt',
    '  paths=[docs/new.md, docs/old.md, gone.txt] comment=1 lines',
    `entry ${c1} by Ann Author <ann@example.com> fullName=Ann Author at true: Add the parser`,
    '  edit README.md',
    '  add src/parser.c',
    '  paths=[README.md, src/parser.c] comment=3 lines',
  ].join('\n'));
  const set = b2.state.changeSets?.[0];
  assert.equal(set?.to, c2);
  assert.equal(set?.branch, 'origin/main');
  assert.equal(set?.from, b1.state.gitBuildData?.[0]?.branches['origin/main']?.sha);

  // #3 with changelog: false: no change set, but what it built is recorded for #4.
  const c3 = commitAs(r, ann, 'Third', (w) => write(w, 'src/third.c', '3\n'));
  const b3 = await runPipeline(source(', changelog: false').replace('checkout scmGit(', 'checkout changelog: false, scm: scmGit(').replace(', changelog: false)', ')'), {
    workspace: path.join(tempDir('cs-ws3'), 'ws'), build: { job: 'app', number: 3, id: 'app#3' }, previous: previousOf(b2.state, 2),
  });
  assert.equal(b3.state.result, 'SUCCESS', b3.console);
  assert.match(b3.console, /^sets=0$/m);
  assert.equal(b3.state.gitBuildData?.[0]?.branches['origin/main']?.sha, c3);

  // #4: only what came after #3.
  const c4 = commitAs(r, bob, 'Fourth [ci skip]', (w) => write(w, 'src/fourth.c', '4\n'));
  const b4 = await runPipeline(source(), { workspace: path.join(tempDir('cs-ws4'), 'ws'), build: { job: 'app', number: 4, id: 'app#4' }, previous: previousOf(b3.state, 3) });
  assert.match(b4.console, /^sets=1$/m);
  assert.deepEqual(b4.state.changeSets?.[0]?.entries.map((e) => e.commitId), [c4]);

  // #5: nothing new: an empty change set is still the checkout's (Jenkins lists the set, with no entries).
  const b5 = await runPipeline(source(), { workspace: path.join(tempDir('cs-ws5'), 'ws'), build: { job: 'app', number: 5, id: 'app#5' }, previous: previousOf(b4.state, 4) });
  assert.match(b5.console, /^sets=1$/m);
  assert.match(b5.console, /^kind=git empty=true n=0$/m);
});

test('the git step and two checkouts in one build: when { changeset } and when { changelog } look at all the change sets', async () => {
  const app = libraryRepo({ 'app.txt': '1\n' }, 'cs-main');
  const lib = libraryRepo({ 'lib.txt': '1\n' }, 'cs-lib');
  const source = `pipeline {
  agent any
  stages {
    stage('Checkout') {
      steps {
        git url: '${app.bare}', branch: 'main'
        dir('lib') { checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${lib.bare}']], extensions: [authorInChangelog()]) }
        echo "sets=\${currentBuild.changeSets.size()} commits=\${currentBuild.changeSets.collect { it.items.length }}"
      }
    }
    stage('Docs') { when { changeset 'docs/**' } steps { echo 'docs changed' } }
    stage('Lib') { when { changeset pattern: 'LIB/*.TXT', caseSensitive: false } steps { echo 'lib changed' } }
    stage('Release') { when { changelog '.*\\\\[release\\\\].*' } steps { echo 'release asked' } }
  }
}`;
  const b1 = await runPipeline(source, { workspace: path.join(tempDir('cs-decl1'), 'ws'), build: { job: 'decl', number: 1, id: 'decl#1' } });
  assert.equal(b1.state.result, 'SUCCESS', b1.console);
  assert.match(b1.console, /^sets=0 commits=\[\]$/m);
  for (const s of ['Docs', 'Lib', 'Release']) assert.equal(stage(b1.state, s).status, 'skipped-when', `${s} on the first build`);

  commitAs(lib, ann, 'Library work\n\nPart of [release] 2', (w) => write(w, 'lib/more.txt', 'x\n'));
  const b2 = await runPipeline(source, { workspace: path.join(tempDir('cs-decl2'), 'ws'), build: { job: 'decl', number: 2, id: 'decl#2' }, previous: previousOf(b1.state, 1) });
  assert.equal(b2.state.result, 'SUCCESS', b2.console);
  assert.match(b2.console, /^sets=2 commits=\[0, 1\]$/m);
  assert.equal(stage(b2.state, 'Docs').status, 'skipped-when');
  assert.equal(stage(b2.state, 'Lib').status, 'success', 'a path of the second checkout, matched without case');
  assert.equal(stage(b2.state, 'Release').status, 'success', "the message's body matches");
  assert.equal(b2.state.changeSets?.[1]?.entries[0]?.author, 'Ann Author');

  commitAs(app, bob, 'Write the docs', (w) => write(w, 'docs/guide.md', 'guide\n'));
  const b3 = await runPipeline(source, { workspace: path.join(tempDir('cs-decl3'), 'ws'), build: { job: 'decl', number: 3, id: 'decl#3' }, previous: previousOf(b2.state, 2) });
  assert.equal(stage(b3.state, 'Docs').status, 'success', b3.console);
  assert.equal(stage(b3.state, 'Lib').status, 'skipped-when');
  assert.equal(stage(b3.state, 'Release').status, 'skipped-when');
});

test('firstBuildChangelog() lists the built commit on a first build; changelogToBranch lists what the branch has that its target lacks', async () => {
  const r = libraryRepo({ 'a.txt': '1\n' }, 'cs-first');
  const head = commitAs(r, ann, 'Latest on main', (w) => write(w, 'b.txt', '2\n'));
  const first = await runPipeline(`node {
  checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${r.bare}']], extensions: [firstBuildChangelog(makeChangelog: true)])
  echo "ids=\${currentBuild.changeSets.collect { s -> s.items.collect { it.commitId } }}"
}`, { workspace: path.join(tempDir('cs-first'), 'ws') });
  assert.equal(first.state.result, 'SUCCESS', first.console);
  assert.match(first.console, /^First time build\. Latest changes added to changelog\.$/m);
  assert.match(first.console, new RegExp(`^ids=\\[\\[${head}\\]\\]$`, 'm'));

  r.branch('feature');
  const f1 = commitAs(r, bob, 'Feature one', (w) => write(w, 'f.txt', '1\n'));
  const f2 = commitAs(r, bob, 'Feature two', (w) => write(w, 'f.txt', '2\n'));
  const toBranch = await runPipeline(`node {
  checkout scmGit(branches: [[name: 'feature']], userRemoteConfigs: [[url: '${r.bare}']], extensions: [changelogToBranch(options: [compareRemote: 'origin', compareTarget: 'main'])])
  echo "msgs=\${currentBuild.changeSets[0].items.collect { it.msg }} ids=\${currentBuild.changeSets[0].items*.commitId == ['${f2}', '${f1}']}"
}`, { workspace: path.join(tempDir('cs-tobranch'), 'ws') });
  assert.equal(toBranch.state.result, 'SUCCESS', toBranch.console);
  assert.match(toBranch.console, /^Using 'Changelog to branch' strategy\.$/m);
  assert.match(toBranch.console, /^msgs=\[Feature two, Feature one\] ids=true$/m);
});

test('a build resumed after a controller restart keeps the change set its finished checkout recorded (from the journal; the checkout is not run again)', async () => {
  const r = libraryRepo({ 'a.txt': '1\n' }, 'cs-resume');
  const ws = path.join(tempDir('cs-resume'), 'ws');
  const co = `checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: '${r.bare}']])`;
  const b1 = await runPipeline(`node { ${co} }`, { workspace: ws, build: { job: 'res', number: 1, id: 'res#1' } });
  const c1 = commitAs(r, ann, 'Resumable change', (w) => write(w, 'r.txt', 'r\n'));
  const byId = new Map<string, JournalEntry>();
  const source = `node {\n  ${co}\n  echo 'checked out'\n}`;
  const b2 = await runPipeline(source, { workspace: ws, build: { job: 'res', number: 2, id: 'res#2' }, previous: previousOf(b1.state, 1), listener: { journal: (e) => byId.set(e.id, structuredClone(e)) } });
  assert.equal(b2.state.result, 'SUCCESS', b2.console);
  const resumed = await runPipeline(source.replace("echo 'checked out'", "echo 'checked out'\n  echo \"after=${currentBuild.changeSets.collect { s -> s.items.collect { it.msg } }}\""), {
    workspace: ws, build: { job: 'res', number: 2, id: 'res#2' }, previous: previousOf(b1.state, 1), resume: { entries: [...byId.values()], downMs: 1, startedAt: Date.now() },
  });
  assert.equal(resumed.state.result, 'SUCCESS', resumed.console);
  assert.doesNotMatch(resumed.console, /Checking out Revision/, 'the checkout is answered from the journal');
  assert.match(resumed.console, /^after=\[\[Resumable change\]\]$/m);
  assert.deepEqual(resumed.state.changeSets?.[0]?.entries.map((e) => e.commitId), [c1]);
  assert.equal(resumed.state.gitBuildData?.[0]?.branches['origin/main']?.sha, c1);
});

test('when { changeset shouldMatchAll: true } runs the stage only for a commit whose every path matches', async () => {
  const app = libraryRepo({ 'app.txt': '1\n' }, 'cs-all');
  const source = `pipeline {
  agent any
  stages {
    stage('Checkout') { steps { git url: '${app.bare}', branch: 'main' } }
    stage('Any') { when { changeset 'docs/**' } steps { echo 'some docs changed' } }
    stage('OnlyDocs') { when { changeset pattern: 'docs/**', shouldMatchAll: true } steps { echo 'a docs-only commit' } }
  }
}`;
  const b1 = await runPipeline(source, { workspace: path.join(tempDir('cs-all1'), 'ws'), build: { job: 'all', number: 1, id: 'all#1' } });
  assert.equal(b1.state.result, 'SUCCESS', b1.console);

  // One commit touching docs and code: the docs match, but not every path of the commit does.
  commitAs(app, ann, 'Docs and code', (w) => { write(w, 'docs/a.md', 'a\n'); write(w, 'src/a.js', 'a\n'); });
  const b2 = await runPipeline(source, { workspace: path.join(tempDir('cs-all2'), 'ws'), build: { job: 'all', number: 2, id: 'all#2' }, previous: previousOf(b1.state, 1) });
  assert.equal(b2.state.result, 'SUCCESS', b2.console);
  assert.equal(stage(b2.state, 'Any').status, 'success');
  assert.equal(stage(b2.state, 'OnlyDocs').status, 'skipped-when', 'docs/a.md matches, src/a.js does not');

  // Two commits: a mixed one, then a docs-only one; the docs-only commit is enough (entry by entry).
  commitAs(app, ann, 'More code and docs', (w) => { write(w, 'docs/b.md', 'b\n'); write(w, 'src/b.js', 'b\n'); });
  commitAs(app, bob, 'Docs only', (w) => { write(w, 'docs/c.md', 'c\n'); write(w, 'docs/d.md', 'd\n'); });
  const b3 = await runPipeline(source, { workspace: path.join(tempDir('cs-all3'), 'ws'), build: { job: 'all', number: 3, id: 'all#3' }, previous: previousOf(b2.state, 2) });
  assert.equal(b3.state.result, 'SUCCESS', b3.console);
  assert.equal(stage(b3.state, 'OnlyDocs').status, 'success', b3.console);
});
