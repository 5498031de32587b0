import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tempDir } from '../../helpers/tmp.ts';
import path from 'node:path';
import { runPipeline, oneStage as wrap, stage } from './harness.ts';

test('sh returns stdout or status when asked, and fails on a non-zero exit otherwise', async () => {
  const { state, console } = await runPipeline(wrap(`
        script {
          def out = sh(script: 'printf "a b\\\\n"', returnStdout: true)
          echo "out=[\${out}]"
          def code = sh(script: 'exit 4', returnStatus: true)
          echo "code=\${code}"
        }
        sh label: 'labelled', script: 'echo with label'
`));
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^out=\[a b\n\]$/m);
  assert.match(console, /^code=4$/m);
  assert.match(console, /^\[labelled\]$/m);
  const sh = state.steps.find((s) => s.description === 'labelled');
  assert.ok(sh, 'the label names the step in the journal');
});

test('sh: a script with its own #! line runs with that interpreter; partial last lines are kept', async () => {
  const { state, console } = await runPipeline(wrap(`
        sh '''#!/bin/sh
echo "from shebang"
printf "no newline at end"'''
`));
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^from shebang$/m);
  assert.match(console, /no newline at end/);
  assert.ok(!console.includes('+ echo "from shebang"'), 'no -x trace for custom interpreters');
});

test('files: writeFile, readFile, fileExists, dir, pwd, deleteDir, isUnix', async () => {
  const { state, console, h } = await runPipeline(wrap(`
        writeFile file: 'a/b.txt', text: 'hello'
        script {
          echo "read=\${readFile('a/b.txt')} exists=\${fileExists('a/b.txt')} missing=\${fileExists('nope')} unix=\${isUnix()}"
          dir('sub/dir') {
            writeFile file: 'x.txt', text: 'in sub'
            echo "pwd=\${pwd()}"
          }
        }
        sh 'echo "$(cat sub/dir/x.txt)"'
        dir('a') { deleteDir() }
        script { echo "after delete: \${fileExists('a')}" }
`));
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^read=hello exists=true missing=false unix=true$/m);
  assert.match(console, new RegExp(`^pwd=${h.workspace}/sub/dir$`, 'm'));
  assert.match(console, /^in sub$/m);
  assert.match(console, /^after delete: false$/m);
});

test('readFile of a missing file names it', async () => {
  const { state, console } = await runPipeline(wrap(`        readFile 'missing.txt'`));
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /readFile: missing.txt does not exist/);
});

test('archiveArtifacts keeps matching files; nothing matching fails unless allowEmptyArchive', async () => {
  const ok = await runPipeline(wrap(`
        sh 'mkdir -p target && echo jar > target/app.jar && echo log > target/build.log && mkdir -p .git && echo x > .git/config'
        archiveArtifacts artifacts: 'target/**, .git/**', excludes: '**/*.log'
`));
  assert.equal(ok.state.result, 'SUCCESS', ok.console);
  assert.deepEqual([...ok.h.artifacts.keys()], ['target/app.jar']);
  assert.equal(ok.h.artifacts.get('target/app.jar')?.toString(), 'jar\n');
  const none = await runPipeline(wrap(`        archiveArtifacts 'nothing/*.zip'`));
  assert.equal(none.state.result, 'FAILURE');
  assert.match(none.console, /No artifacts found that match the file pattern "nothing\/\*\.zip"/);
  const allowed = await runPipeline(wrap(`        archiveArtifacts artifacts: 'nothing/*.zip', allowEmptyArchive: true`));
  assert.equal(allowed.state.result, 'SUCCESS');
});

test('archiveArtifacts refuses a symlink that leads out of the workspace', async () => {
  const secretDir = tempDir('secret');
  writeFileSync(path.join(secretDir, 'passwd'), 'root:x:0:0');
  const { state, console, h } = await runPipeline(wrap(`        sh 'mkdir -p out && ln -s ${secretDir}/passwd out/leak'
        archiveArtifacts 'out/**'`));
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /refusing out\/leak/);
  assert.equal(h.artifacts.size, 0);
});

test('stash and unstash carry files between stages', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Make') { steps { sh 'mkdir -p build && echo v1 > build/out.txt'; stash name: 'build', includes: 'build/**' } }
    stage('Clean') { steps { deleteDir() } }
    stage('Use') { steps { unstash 'build'; sh 'cat build/out.txt' } }
    stage('Missing') { steps { unstash 'nope' } }
  }
}`);
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /^v1$/m);
  assert.equal(stage(state, 'Use').status, 'success');
  assert.match(console, /No such saved stash 'nope'/);
});

test('junit records results; failures make the build UNSTABLE, not FAILURE', async () => {
  const xml = `<?xml version="1.0"?><testsuite name="calc" tests="3"><testcase classname="Calc" name="adds" time="0.01"/><testcase classname="Calc" name="divides" time="0.02"><failure message="expected 2 but was 3">trace</failure></testcase><testcase classname="Calc" name="later"><skipped/></testcase></testsuite>`;
  const { state, console, h } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Test') { steps { writeFile file: 'reports/TEST-calc.xml', text: '${xml}'; junit 'reports/*.xml' } }
    stage('After') { steps { echo 'continues' } }
  }
}`);
  assert.equal(state.result, 'UNSTABLE', console);
  assert.equal(stage(state, 'Test').status, 'unstable');
  assert.equal(h.reports.length, 1);
  assert.deepEqual({ total: h.reports[0]!.total, failed: h.reports[0]!.failed, skipped: h.reports[0]!.skipped }, { total: 3, failed: 1, skipped: 1 });
  assert.match(console, /FAILED Calc\.divides: expected 2 but was 3/);
  assert.match(console, /continues/);
});

test('junit: malformed XML and missing reports are clear failures', async () => {
  const bad = await runPipeline(wrap(`        writeFile file: 'r.xml', text: '<testsuite><testcase'
        junit 'r.xml'`));
  assert.equal(bad.state.result, 'FAILURE');
  assert.match(bad.console, /junit: r\.xml: not well-formed XML at line 1/);
  const none = await runPipeline(wrap(`        junit allowEmptyResults: true, testResults: 'none/*.xml'`));
  assert.equal(none.state.result, 'SUCCESS');
});

test('readJSON / writeJSON / readYaml / writeYaml round trip as maps and lists', async () => {
  const { state, console } = await runPipeline(wrap(`
        writeFile file: 'p.json', text: '{"name":"kiln","deps":["a","b"],"v":{"major":1}}'
        script {
          def p = readJSON file: 'p.json'
          echo "name=\${p.name} deps=\${p.deps.size()} major=\${p.v.major}"
          p.v.major = 2
          writeJSON file: 'out.json', json: p
          def y = readYaml text: 'image: app\\ntags: [1, 2]'
          echo "image=\${y.image} tags=\${y.tags}"
          writeYaml file: 'out.yaml', data: [replicas: 3]
          echo readFile('out.json')
          echo readFile('out.yaml').trim()
        }
`));
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^name=kiln deps=2 major=1$/m);
  assert.match(console, /^image=app tags=\[1, 2\]$/m);
  assert.match(console, /^\{"name":"kiln","deps":\["a","b"\],"v":\{"major":2\}\}$/m);
  assert.match(console, /^replicas: 3$/m);
});

test('readJSON of invalid JSON fails with the reason', async () => {
  const { state, console } = await runPipeline(wrap(`        readJSON text: '{"a":'`));
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /readJSON: text is not valid JSON/);
});

test('catchError, warnError and unstable set results and the pipeline goes on', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Caught') { steps { catchError(buildResult: 'UNSTABLE', stageResult: 'FAILURE') { sh 'exit 1' }; echo 'after catch' } }
    stage('Warned') { steps { warnError('flaky') { error 'boom' } } }
    stage('Last') { steps { echo 'last runs' } }
  }
}`);
  assert.equal(state.result, 'UNSTABLE', console);
  assert.equal(stage(state, 'Caught').status, 'failure');
  assert.equal(stage(state, 'Warned').status, 'unstable');
  assert.equal(stage(state, 'Last').status, 'success');
  assert.match(console, /after catch/);
  assert.match(console, /last runs/);
});

test('retry step retries a failing block and gives up after count', async () => {
  const ok = await runPipeline(wrap(`        retry(3) { sh 'n=$(cat n 2>/dev/null || echo 0); n=$((n+1)); echo $n > n; echo "attempt $n"; [ $n -ge 2 ]' }`));
  assert.equal(ok.state.result, 'SUCCESS', ok.console);
  assert.match(ok.console, /Retrying \(attempt 2 of 3\)/);
  assert.match(ok.console, /^attempt 2$/m);
  const bad = await runPipeline(wrap(`        retry(2) { error 'always' }`));
  assert.equal(bad.state.result, 'FAILURE');
  assert.equal((bad.console.match(/^ERROR: always/gm) ?? []).length, 2);
});

test('waitUntil runs its block until it returns true', async () => {
  const { state, console } = await runPipeline(wrap(`        waitUntil(initialRecurrencePeriod: 10) { script { def n = sh(script: 'n=$(cat c 2>/dev/null || echo 0); echo $((n+1)) | tee c', returnStdout: true).trim() as Integer; return n >= 3 } }
        sh 'echo "count=$(cat c)"'`));
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^count=3$/m);
});

test('error fails with its message; unknown-agent steps like container say why on a local node', async () => {
  const { state, console } = await runPipeline(wrap(`        container('maven') { sh 'mvn -v' }`));
  assert.equal(state.result, 'FAILURE');
  assert.match(console, /container\('maven'\) needs an agent with containers \(a kubernetes or docker pod agent\); this build runs on node 'local', which has none/);
});

test('git clones a repository, checks out the branch and sets GIT_COMMIT', async () => {
  const repo = tempDir('repo');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
  git('init', '-q', '-b', 'main');
  writeFileSync(path.join(repo, 'README'), 'hello from git\n');
  git('add', '.');
  git('commit', '-q', '-m', 'first');
  const head = git('rev-parse', 'HEAD');
  const { state, console, h } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('Checkout') { steps { dir('src') { git url: '${repo}', branch: 'main' } } }
    stage('Use') { steps { sh 'cat src/README; echo "commit=$GIT_COMMIT branch=$GIT_BRANCH"' } }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^hello from git$/m);
  assert.match(console, new RegExp(`^commit=${head} branch=origin/main$`, 'm'));
  assert.ok(existsSync(path.join(h.workspace, 'src/.git')));
  // A full commit id (what a webhook names) is checked out detached, with no noise in the log.
  const bySha = await runPipeline(wrap(`        git url: '${repo}', branch: '${head}'
        sh 'echo "sha=$GIT_COMMIT branch=$GIT_BRANCH"'`), { extraEnv: { BRANCH_NAME: 'main' } });
  assert.equal(bySha.state.result, 'SUCCESS', bySha.console);
  assert.match(bySha.console, new RegExp(`^sha=${head} branch=origin/main$`, 'm'));
  assert.ok(!/fatal|ambiguous/.test(bySha.console), bySha.console);
  const missing = await runPipeline(wrap(`        git url: '${repo}', branch: 'nope'`));
  assert.equal(missing.state.result, 'FAILURE');
  assert.match(missing.console, /couldn't find any revision to build: no branch, tag or commit 'nope'/);
});

test('withCredentials binds and masks secrets, even split across output chunks; files are removed after', async () => {
  const { state, console, h } = await runPipeline(wrap(`
        withCredentials([string(credentialsId: 'tok', variable: 'TOKEN'), usernamePassword(credentialsId: 'up', usernameVariable: 'U', passwordVariable: 'P'), file(credentialsId: 'kube', variable: 'KUBECONFIG')]) {
          sh 'echo "token=$TOKEN user=$U pass=$P"'
          sh 'set +x; printf "split: s3cr"; sleep 0.4; printf "et-value\\\\n"'
          sh 'cat "$KUBECONFIG"; echo; echo "$KUBECONFIG" > kubeconfig-path'
          echo "echoed \${env.TOKEN}"
        }
`), {
    credentials: {
      tok: { id: 'tok', type: 'secretText', secret: 's3cret-value' },
      up: { id: 'up', type: 'usernamePassword', username: 'robot', password: 'pa55word!' },
      kube: { id: 'kube', type: 'secretFile', fileName: 'config', content: Buffer.from('apiVersion: v1 kube-secret-content') },
    },
  });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(!console.includes('s3cret-value') && !console.includes('pa55word!'), console);
  assert.ok(!console.includes('s3cr') || !console.includes('et-value'), 'a secret split across two chunks is still masked');
  assert.match(console, /^token=\*\*\*\* user=robot pass=\*\*\*\*$/m);
  assert.match(console, /^split: \*\*\*\*$/m);
  assert.match(console, /^echoed \*\*\*\*$/m);
  const kubePath = readFileSync(path.join(h.workspace, 'kubeconfig-path'), 'utf8').trim();
  assert.ok(!existsSync(kubePath), 'the secret file is gone after the block');
});

test('environment credentials(): secret text, and user/password with _USR and _PSW', async () => {
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  environment { API = credentials('tok'); DB = credentials('db') }
  stages { stage('S') { steps { sh 'echo "api=$API db=$DB usr=$DB_USR psw=$DB_PSW"' } } }
}`, { credentials: { tok: { id: 'tok', type: 'secretText', secret: 'tok-123456' }, db: { id: 'db', type: 'usernamePassword', username: 'app', password: 'dbpass-xyz' } } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^api=\*\*\*\* db=\*\*\*\* usr=app psw=\*\*\*\*$/m);
  const missing = await runPipeline(`
pipeline {
  agent any
  environment { API = credentials('absent') }
  stages { stage('S') { steps { echo 'x' } } }
}`);
  assert.equal(missing.state.result, 'FAILURE');
  assert.match(missing.console, /credentials\('absent'\): no credential 'absent'/);
});

test('bat on a Unix node fails with the reason; isUnix() lets a Jenkinsfile choose', async () => {
  const bad = await runPipeline(wrap(`        bat 'dir'`));
  assert.equal(bad.state.result, 'FAILURE');
  assert.match(bad.console, /bat runs Windows batch scripts, but node 'local' is not Windows; use sh here/);
  const ok = await runPipeline(wrap(`        script { if (isUnix()) { sh 'echo unix branch' } else { bat 'echo windows branch' } }`));
  assert.equal(ok.state.result, 'SUCCESS');
  assert.match(ok.console, /^unix branch$/m);
});

test('lock: parallel branches holding the same resource take turns', async () => {
  // mkdir is atomic: it fails if the other branch is inside the lock at the same time.
  const body = `lock('db') { sh 'mkdir inside.lock && sleep 0.2 && rmdir inside.lock' }`;
  const { state, console } = await runPipeline(`
pipeline {
  agent any
  stages {
    stage('P') {
      parallel {
        stage('A') { steps { ${body} } }
        stage('B') { steps { ${body} } }
        stage('C') { steps { ${body} } }
      }
    }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.equal((console.match(/Lock acquired on \[db\]/g) ?? []).length, 3);
  assert.match(console, /The resource \[db\] is locked by test-job #7\.\n\[[ABC]\] \[db\] is not free, waiting for execution \.\.\./);
  const skipped = await runPipeline(wrap(`        lock('x') { lock(resource: 'x', skipIfLocked: true) { echo 'never' } }`));
  assert.equal(skipped.state.result, 'SUCCESS');
  assert.match(skipped.console, /\[x\] is not free, skipping execution \.\.\./);
});

test('sh keeps the order of its trace and its output, as one stream (2>&1)', async () => {
  const { state, console } = await runPipeline(wrap(`        sh 'echo one; echo two >&2; echo three'`));
  assert.equal(state.result, 'SUCCESS');
  const lines = console.split('\n').filter((l) => /^(\+ echo|one|two|three)/.test(l));
  assert.deepEqual(lines, ['+ echo one', 'one', '+ echo two', 'two', '+ echo three', 'three']);
});

test("wrap([$class: 'SecretBuildWrapper', bindings: [...]]) { } is withCredentials: the variable bound and masked for the block", async () => {
  const { state, console } = await runPipeline(`
node {
  wrap([$class: 'SecretBuildWrapper', bindings: [string(credentialsId: 'tok', variable: 'TOKEN')]]) {
    sh 'echo "length \${#TOKEN} value $TOKEN"'
  }
  sh 'echo "after: [\${TOKEN:-unset}]"'
}
`, { credentials: { tok: { id: 'tok', type: 'secretText', secret: 's3cret-value' } } });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^length 12 value \*\*\*\*$/m);
  assert.match(console, /^after: \[unset\]$/m);
  assert.ok(!console.includes('s3cret-value'), console);
});

test("wrap([$class: 'TimestamperBuildWrapper']) { } is timestamps: the block's lines get the time", async () => {
  const { state, console } = await runPipeline(`
node {
  wrap([$class: 'TimestamperBuildWrapper']) { echo 'stamped' }
  echo 'plain'
}
`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] stamped$/m);
  assert.match(console, /^plain$/m);
});
