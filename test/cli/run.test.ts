import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { tempDir } from '../helpers/tmp.ts';
import path from 'node:path';
import { kilnBin, runKiln } from '../helpers/kiln.ts';

function project(jenkinsfile: string): string {
  const dir = tempDir('run');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return dir;
}

test('kiln run runs a Jenkinsfile, prints the console and a stage summary, exit 0', async () => {
  const dir = project(`
pipeline {
  agent any
  parameters { string(name: 'WHO', defaultValue: 'world') }
  stages {
    stage('Greet') { steps { sh 'echo "hello $WHO" > greeting.txt; cat greeting.txt' } }
    stage('Archive') { steps { archiveArtifacts 'greeting.txt' } }
    stage('Skipped') { when { branch 'release' } steps { echo 'no' } }
  }
}`);
  const r = await runKiln(['run', '-p', 'WHO=kiln'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^hello kiln$/m);
  assert.match(r.stdout, /^Greet\s+SUCCESS\s+\d/m);
  assert.match(r.stdout, /^Skipped\s+skipped \(when\)/m);
  assert.match(r.stdout, /^Result: SUCCESS in .* \(build #1, kept in .*\.kiln\/runs\/1\)$/m);
  assert.equal(readFileSync(path.join(dir, '.kiln/runs/1/artifacts/greeting.txt'), 'utf8'), 'hello kiln\n');
  const saved = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/build.json'), 'utf8')) as { result: string };
  assert.equal(saved.result, 'SUCCESS');
  assert.match(readFileSync(path.join(dir, '.kiln/runs/1/console.log'), 'utf8'), /hello kiln/);
  // A second run is #2 and sees #1 as its previous build.
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline { agent any; stages { stage('S') { steps { echo "prev=\${currentBuild.previousBuild.number}" } } } }`);
  const r2 = await runKiln(['run'], { cwd: dir });
  assert.equal(r2.code, 0, r2.stderr + r2.stdout);
  assert.match(r2.stdout, /^prev=1$/m);
});

test('kiln run validates first: an invalid Jenkinsfile runs nothing and exits 2 with positions', async () => {
  const dir = project(`
pipeline {
  agent any
  stages {
    stage('A') { steps { sh 'touch ran' } }
    stage('B') { stepz { echo 'x' } }
  }
}`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Jenkinsfile:6:18: /m);
  assert.match(r.stderr, /is not valid; nothing was run/);
  assert.ok(!existsSync(path.join(dir, 'ran')));
});

test('kiln run exit codes: FAILURE 1, UNSTABLE 3; the cause is printed', async () => {
  const fail = await runKiln(['run'], { cwd: project(`pipeline { agent any; stages { stage('S') { steps { sh 'exit 9' } } } }`) });
  assert.equal(fail.code, 1);
  assert.match(fail.stdout, /^Cause: script returned exit code 9 \(Jenkinsfile:1:53\)$/m);
  const unstable = await runKiln(['run'], { cwd: project(`pipeline { agent any; stages { stage('S') { steps { unstable 'meh' } } } }`) });
  assert.equal(unstable.code, 3);
});

test('kiln run --input approve answers input steps; without a terminal an input is refused with advice', async () => {
  const src = `pipeline { agent any; stages { stage('Gate') { steps { input 'Deploy?'; echo 'deployed' } } } }`;
  const yes = await runKiln(['run', '--input', 'approve'], { cwd: project(src) });
  assert.equal(yes.code, 0, yes.stdout + yes.stderr);
  assert.match(yes.stdout, /^deployed$/m);
  const no = await runKiln(['run'], { cwd: project(src) });
  assert.equal(no.code, 4);
  assert.match(no.stderr, /input 'Deploy\?' needs an answer; run with --input approve/);
});

/** Runs kiln run on a terminal (util-linux `script` gives it one), with `typed` as what the user types, all at once. */
function runOnTerminal(dir: string, typed: string): { code: number | null; out: string } {
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' });
  assert.equal(hasScript.status, 0, 'this test needs util-linux `script` (a terminal for kiln run): apt-get install bsdutils');
  const r = spawnSync('script', ['-qec', `'${kilnBin}' run`, '/dev/null'], { cwd: dir, input: typed, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout + r.stderr };
}

test('kiln run on a terminal: input parameters answered as typed, lines typed ahead kept for their questions', () => {
  const dir = project(`pipeline { agent any; stages { stage('Gate') {
    input { message 'Ship?'; parameters { booleanParam(name: 'FAST', defaultValue: true); string(name: 'FRUIT', defaultValue: 'banana') } }
    steps { echo "fast=\${FAST} fruit=\${FRUIT}" } } } }`);
  const r = runOnTerminal(dir, 'y\nn\npear\n');
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /^fast=false fruit=pear\r?$/m);
});

test('kiln run on a terminal: the end of the input (Ctrl+D) before an answer aborts the input, kiln run does not crash', () => {
  const dir = project(`pipeline { agent any; stages { stage('Gate') {
    input { message 'Ship?'; parameters { string(name: 'FRUIT', defaultValue: 'banana') } }
    steps { echo "shipped \${FRUIT}" } } } }`);
  const r = runOnTerminal(dir, 'y\n');
  assert.equal(r.code, 4, r.out);
  assert.match(r.out, /kiln run: no answer to input 'Ship\?' \(end of input\): aborting it/);
  assert.doesNotMatch(r.out, /AbortError|at .*readline/);
  assert.doesNotMatch(r.out, /shipped/);
});

test("kiln run: a stage's own agent on a workspace of its own gets the project there, as a checkout; skipDefaultCheckout leaves it empty", async () => {
  const dir = project(`
pipeline {
  agent any
  stages {
    stage('first') { steps { sh 'echo made > marker.txt' } }
    stage('own node, no checkout') {
      agent any
      options { skipDefaultCheckout() }
      steps { sh 'test ! -f notes.txt && echo "left empty"' }
    }
    stage('own node') {
      agent any
      steps { sh 'cat notes.txt; test -f Jenkinsfile && test ! -f marker.txt && echo "fresh copy of the project"' }
    }
  }
}`);
  writeFileSync(path.join(dir, 'notes.txt'), 'project notes\n');
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^project notes$/m);
  assert.match(r.stdout, /^fresh copy of the project$/m);
  assert.match(r.stdout, /^left empty$/m);
  assert.match(r.stdout, /^kiln run: .* copied into .*workspace\/1@2 \(\d+ files: .*\), as a checkout of the stage's agent$/m);
  assert.equal((r.stdout.match(/as a checkout of the stage's agent/g) ?? []).length, 1, r.stdout);
  assert.equal(readFileSync(path.join(dir, 'notes.txt'), 'utf8'), 'project notes\n', 'the project itself is untouched');
});

test('kiln run --credentials binds secrets from a file and masks them', async () => {
  const dir = project(`pipeline { agent any; environment { T = credentials('tok') }; stages { stage('S') { steps { sh 'echo "token is $T"' } } } }`);
  writeFileSync(path.join(dir, 'creds.yaml'), 'tok: { type: secretText, secret: "very-secret-1" }\n');
  const r = await runKiln(['run', '--credentials', 'creds.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^token is \*\*\*\*$/m);
  assert.ok(!r.stdout.includes('very-secret-1'));
  writeFileSync(path.join(dir, 'bad.yaml'), 'tok: { type: magic }\n');
  const bad = await runKiln(['run', '--credentials', 'bad.yaml'], { cwd: dir });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bad\.yaml: credential 'tok' has type "magic"; use one of secretText/);
});

test('kiln run: a docker agent whose image cannot be had fails with what to check (the docker plugin: test/plugins/docker/)', async () => {
  const r = await runKiln(['run'], { cwd: project(`pipeline { agent { docker { image 'kiln-test/not-here:1' } }; stages { stage('S') { steps { sh 'true' } } } }`) });
  assert.equal(r.code, 1);
  assert.match(r.stdout, /image kiln-test\/not-here:1 is not on node 'local' and could not be pulled|the docker command is not installed on node 'local'/);
});

test('kiln run: usage errors exit 2', async () => {
  assert.equal((await runKiln(['run', '--input', 'maybe'])).code, 2);
  assert.equal((await runKiln(['run', '-p', 'novalue'])).code, 2);
  const missing = await runKiln(['run', 'nope/Jenkinsfile']);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read nope\/Jenkinsfile: no such file/);
});

test('kiln run --json prints the final state as JSON', async () => {
  const r = await runKiln(['run', '--json'], { cwd: project(`pipeline { agent any; stages { stage('S') { steps { echo 'x' } } } }`) });
  assert.equal(r.code, 0);
  const state = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as { result: string; stages: { name: string }[] };
  assert.equal(state.result, 'SUCCESS');
  assert.deepEqual(state.stages.map((s) => s.name), ['S']);
});

test('kiln run refuses a binary Jenkinsfile with the same error as kiln lint', async () => {
  const dir = project('');
  writeFileSync(path.join(dir, 'Jenkinsfile'), Buffer.from([0x70, 0x69, 0x00, 0xff, 0x01]));
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^Jenkinsfile:1:1: file is not text \(binary data at byte 2\)$/m);
});

test('kiln run honours buildDiscarder for its own history in .kiln/runs', async () => {
  const dir = project(`
pipeline {
  agent any
  options { buildDiscarder(logRotator(numToKeepStr: '2', artifactNumToKeepStr: '1')) }
  stages { stage('S') { steps { writeFile file: 'a.txt', text: 'x'; archiveArtifacts 'a.txt' } } }
}`);
  for (let i = 0; i < 4; i++) assert.equal((await runKiln(['run'], { cwd: dir })).code, 0);
  const runs = path.join(dir, '.kiln/runs');
  assert.deepEqual(['1', '2', '3', '4'].filter((n) => existsSync(path.join(runs, n))), ['3', '4']);
  assert.ok(existsSync(path.join(runs, '4/artifacts/a.txt')));
  assert.ok(!existsSync(path.join(runs, '3/artifacts')), 'older artifacts beyond artifactNumToKeep are removed');
  assert.ok(existsSync(path.join(runs, '3/build.json')));
});

test('kiln run evaluates what the Jenkinsfile writes as expressions: a parameter default from a top-level variable, a buildDiscarder count', async () => {
  const dir = project(`
def V = '5'
def keep = V == '5' ? '1' : '50'
pipeline {
  agent any
  parameters { string(name: 'P', defaultValue: V) }
  options { buildDiscarder(logRotator(numToKeepStr: keep)) }
  stages { stage('S') { steps { echo "p=\${params.P}" } } }
}`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^p=5$/m);
  const given = await runKiln(['run', '-p', 'P=given'], { cwd: dir });
  assert.match(given.stdout, /^p=given$/m, 'a value given by the trigger wins over the default');
  const runs = path.join(dir, '.kiln/runs');
  assert.deepEqual(['1', '2'].filter((n) => existsSync(path.join(runs, n))), ['2'], 'numToKeepStr: keep (1) is applied');
});

// ---------------------------------------------------------------------------------------------
// The workspace: a copy of the project, so a pipeline cannot delete the user's own files.

/** A git checkout with a commit, an uncommitted change, an untracked file and an ignored one. */
function checkout(jenkinsfile: string): string {
  const dir = project(jenkinsfile);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
  writeFileSync(path.join(dir, 'src.txt'), 'committed\n');
  writeFileSync(path.join(dir, '.gitignore'), 'ignored/\n');
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  writeFileSync(path.join(dir, 'src.txt'), 'committed\nchanged\n');
  writeFileSync(path.join(dir, 'new.txt'), 'untracked\n');
  mkdirSync(path.join(dir, 'ignored'));
  writeFileSync(path.join(dir, 'ignored', 'big.bin'), 'bulk\n');
  return dir;
}

/** Every file under `dir` but .kiln/ and .git/, with its content. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (r === '.kiln' || r === '.git') continue;
      if (e.isDirectory()) walk(r);
      else out[r] = readFileSync(path.join(dir, r), 'utf8');
    }
  };
  walk('');
  return out;
}

test('kiln run works on a copy: cleanWs() and deleteDir() in post leave the user\'s files, and the exit code is the build\'s', async () => {
  const dir = checkout(`pipeline {
  agent any
  stages {
    stage('Look') { steps { sh 'pwd; ls -A | sort | tr "\\\\n" " "; echo; cat src.txt; git status --short; echo built > out.txt' } }
    stage('Fail') { steps { sh 'exit \${FAIL}' } }
  }
  post { always { sh 'rm -rf ./* .gitignore'; cleanWs(); deleteDir() } }
}`);
  const before = files(dir);
  for (const [fail, code] of [['0', 0], ['3', 1]] as const) {
    const r = await runKiln(['run'], { cwd: dir, env: { FAIL: fail } });
    assert.equal(r.code, code, r.stdout + r.stderr);
    assert.deepEqual(files(dir), before, 'the user\'s files changed');
    assert.match(r.stderr, new RegExp(`kiln run: the workspace is a copy of ${dir} in ${dir}/\\.kiln/workspace/\\d+ \\(\\d+ files: tracked and untracked files, \\.gitignore respected`));
    assert.match(r.stdout, /^Workspace: .*\.kiln\/workspace\/\d+ \(a copy; your files in .* are untouched\)$/m);
  }
  const first = readFileSync(path.join(dir, '.kiln/runs/1/console.log'), 'utf8');
  // The copy: uncommitted changes and untracked files, not what .gitignore excludes, not .kiln; a git repository at HEAD.
  assert.match(first, new RegExp(`^${dir}/\\.kiln/workspace/1$`, 'm'));
  assert.match(first, /\.git \.gitignore Jenkinsfile new\.txt src\.txt /);
  assert.match(first, /^changed$/m);
  assert.match(first, /^ M src\.txt$/m);
  assert.match(first, /^\?\? new\.txt$/m);
  // The record of both runs is kept.
  assert.equal(JSON.parse(readFileSync(path.join(dir, '.kiln/runs/2/build.json'), 'utf8')).result, 'FAILURE');
  // A copy stays after its run (to look at) until the next run starts.
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline { agent any; stages { stage('S') { steps { sh 'echo built > out.txt' } } } }`);
  assert.equal((await runKiln(['run'], { cwd: dir })).code, 0);
  assert.equal(readFileSync(path.join(dir, '.kiln/workspace/3/out.txt'), 'utf8'), 'built\n');
  assert.equal((await runKiln(['run'], { cwd: dir })).code, 0);
  assert.deepEqual(readdirSync(path.join(dir, '.kiln/workspace')).filter((n) => !n.endsWith('@tmp')), ['4']);
  assert.ok(!existsSync(path.join(dir, 'out.txt')));
});

test('kiln run\'s copy keeps links meaning what they meant: a link into the project leads into the copy, never back to the user\'s files', async () => {
  const dir = tempDir('run-links');
  const outside = tempDir('run-links-outside');
  writeFileSync(path.join(outside, 'shared.txt'), 'shared\n');
  mkdirSync(path.join(dir, 'data'));
  writeFileSync(path.join(dir, 'data', 'keep.txt'), 'mine\n');
  symlinkSync(path.join(dir, 'data'), path.join(dir, 'abs-data')); // absolute, into the project
  symlinkSync('data', path.join(dir, 'rel-data')); // relative, into the project
  symlinkSync(path.relative(dir, path.join(outside, 'shared.txt')), path.join(dir, 'shared.txt')); // relative, out of it
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline { agent any; stages { stage('S') { steps {
    sh 'echo changed > abs-data/keep.txt; echo changed > rel-data/new.txt; cat shared.txt'
  } } } }`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^shared$/m);
  assert.equal(readFileSync(path.join(dir, 'data', 'keep.txt'), 'utf8'), 'mine\n', 'the build wrote through a link into the user\'s project');
  assert.ok(!existsSync(path.join(dir, 'data', 'new.txt')));
  assert.equal(readFileSync(path.join(dir, '.kiln/workspace/1/data/keep.txt'), 'utf8'), 'changed\n');
});

test('kiln run refuses a custom workspace that leads back into the project directory', async () => {
  const dir = project(`pipeline { agent { node { label '' ; customWorkspace '../../..' } }; stages { stage('S') { steps { deleteDir() } } } }`);
  writeFileSync(path.join(dir, 'keep.txt'), 'mine\n');
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`customWorkspace '\\.\\./\\.\\./\\.\\.' is ${dir}, in your own project directory ${dir}: kiln run works on a copy`));
  assert.equal(readFileSync(path.join(dir, 'keep.txt'), 'utf8'), 'mine\n');
});

test('kiln run --workspace . runs in the directory itself, as told: deleteDir() empties it, and Kiln keeps its history and exits with the build\'s code', async () => {
  const dir = project(`pipeline { agent any; stages { stage('S') { steps { sh 'ls; touch made.txt' } } }; post { always { deleteDir() }; success { echo 'after delete' } } }`);
  writeFileSync(path.join(dir, 'mine.txt'), 'mine\n');
  const r = await runKiln(['run', '--workspace', '.'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^mine\.txt$/m);
  assert.match(r.stdout, /^after delete$/m);
  assert.match(r.stdout, new RegExp(`^Workspace: ${dir}$`, 'm'));
  assert.doesNotMatch(r.stderr, /a copy/);
  assert.deepEqual(readdirSync(dir), ['.kiln']); // the pipeline deleted the directory's files, knowingly
  assert.equal(JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/build.json'), 'utf8')).result, 'SUCCESS');
  assert.match(readFileSync(path.join(dir, '.kiln/runs/1/console.log'), 'utf8'), /after delete/);
  // Even a pipeline that removes .kiln itself does not crash Kiln (it was exit 70): the record is made again.
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline { agent any; stages { stage('S') { steps { sh 'rm -rf .kiln; exit 2' } } } }`);
  const r2 = await runKiln(['run', '--workspace', '.'], { cwd: dir });
  assert.equal(r2.code, 1, r2.stdout + r2.stderr);
  assert.doesNotMatch(r2.stderr, /^kiln: /m);
  assert.match(r2.stdout, /^Result: FAILURE/m);
  assert.equal(JSON.parse(readFileSync(path.join(dir, '.kiln/runs/2/build.json'), 'utf8')).result, 'FAILURE');
});

test("kiln run -e NAME=VALUE: a global environment variable, under what the pipeline sets", async () => {
  const dir = project(`pipeline {
  agent any
  environment { OVERRIDDEN = 'by-pipeline' }
  stages { stage('S') { steps { sh 'echo "g=$GLOBAL_ONE o=$OVERRIDDEN"'; echo "groovy=\${env.GLOBAL_ONE}" } } }
}`);
  const r = await runKiln(['run', '-e', 'GLOBAL_ONE=from-cli', '--env', 'OVERRIDDEN=from-cli'], { cwd: dir });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^g=from-cli o=by-pipeline$/m);
  assert.match(r.stdout, /^groovy=from-cli$/m);
  assert.equal((await runKiln(['run', '-e', 'novalue'], { cwd: dir })).code, 2);
});
