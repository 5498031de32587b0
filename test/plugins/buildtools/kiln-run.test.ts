// withMaven, configFileProvider, withGradle and withAnt under `kiln run`: a Maven installation
// given as a tool (--tool M3=dir) whose bin/mvn is a script standing in for Maven (it prints its
// arguments and the settings it was given, and writes a surefire report with a failing test and
// a jar, as `mvn verify` would); the managed settings come from KILN_CONFIG_FILES_DIR. The
// real Maven of this machine runs in controller.test.ts. Also the test-tools steps and
// sshPublisher without configured servers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

const FAKE_MVN = `#!/bin/sh
echo "fake mvn args: $*"
echo "MAVEN_HOME=$MAVEN_HOME JAVA_HOME=$JAVA_HOME"
while [ $# -gt 0 ]; do
  if [ "$1" = "-s" ]; then echo "settings says: $(cat "$2")"; fi
  shift
done
mkdir -p target/surefire-reports
cat > target/surefire-reports/TEST-com.example.AppTest.xml <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.example.AppTest" tests="2" failures="1" errors="0" skipped="0" time="0.1">
  <testcase name="adds" classname="com.example.AppTest" time="0.01"/>
  <testcase name="divides" classname="com.example.AppTest" time="0.02"><failure message="expected 2 but was 3" type="java.lang.AssertionError">boom</failure></testcase>
</testsuite>
XML
echo jar > target/app-1.0.jar
`;

function setup(jenkinsfile: string): { dir: string; tools: string[]; env: NodeJS.ProcessEnv } {
  const dir = tempDir('buildtools-run');
  const maven = tempDir('buildtools-maven');
  mkdirSync(path.join(maven, 'bin'), { recursive: true });
  writeFileSync(path.join(maven, 'bin', 'mvn'), FAKE_MVN);
  chmodSync(path.join(maven, 'bin', 'mvn'), 0o755);
  const jdk = tempDir('buildtools-jdk');
  mkdirSync(path.join(jdk, 'bin'), { recursive: true });
  const configs = tempDir('buildtools-configs');
  writeFileSync(path.join(configs, 'my-settings'), '<settings><localRepository>${HOME_REPO}</localRepository></settings>\n');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return { dir, tools: ['--tool', `M3=${maven}`, '--tool', `jdk17=${jdk}`], env: { ...process.env, KILN_CONFIG_FILES_DIR: configs } };
}

test('withMaven: tools on PATH, managed settings through -s, surefire results recorded after the block (UNSTABLE), the jar archived', async () => {
  const { dir, tools, env } = setup(`pipeline {
  agent any
  stages {
    stage('build') {
      steps {
        withMaven(maven: 'M3', jdk: 'jdk17', mavenSettingsConfig: 'my-settings') {
          sh 'mvn verify'
          sh 'echo "MVN_CMD=$MVN_CMD"; test -x "$MVN_CMD"'
        }
      }
    }
  }
}
`);
  const r = await runKiln(['run', ...tools], { cwd: dir, env });
  assert.equal(r.code, 3, r.stdout + r.stderr); // UNSTABLE: one test failed
  assert.match(r.stdout, /\[withMaven\] using JDK installation jdk17\n\[withMaven\] using Maven installation 'M3'\n/);
  assert.match(r.stdout, /\[withMaven\] using Maven settings provided by the Jenkins Managed Configuration File 'my-settings'\n/);
  assert.match(r.stdout, /fake mvn args: --batch-mode --show-version -s \S+@tmp\/withMaven[0-9a-f]+\/settings\.xml verify\n/);
  assert.match(r.stdout, /MAVEN_HOME=\S+maven-\S+ JAVA_HOME=\S+jdk-\S+\n/);
  assert.match(r.stdout, /settings says: <settings><localRepository>\$\{HOME_REPO\}<\/localRepository><\/settings>\n/);
  assert.match(r.stdout, /\[withMaven\] junitPublisher - Archive test results for 1 report file of maven-surefire-plugin/);
  assert.match(r.stdout, /\[withMaven\] artifactsPublisher - Archive 1 artifact: target\/app-1\.0\.jar\n/);
  const tests = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/tests.json'), 'utf8'));
  assert.deepEqual([tests[0].total, tests[0].failed], [2, 1]);
  assert.ok(existsSync(path.join(dir, '.kiln/runs/1/artifacts/target/app-1.0.jar')));
  // The wrapper and the settings are gone after the block.
  const ws = path.join(dir, '.kiln/workspace/1@tmp');
  assert.deepEqual(existsSync(ws) ? readdirSync(ws).filter((f) => f.startsWith('withMaven')) : [], []);
});


test('withMaven: publishers off with options, a missing settings id fails clearly, an unknown Maven tool names the variable', async () => {
  const { dir, tools, env } = setup(`node {
  withMaven(maven: 'M3', options: [junitPublisher(disabled: true), artifactsPublisher(disabled: true)]) { sh 'mvn -q package' }
  echo "result: \${currentBuild.currentResult}"
  withMaven(mavenSettingsConfig: 'nope') { sh 'mvn -v' }
}
`);
  const r = await runKiln(['run', ...tools], { cwd: dir, env });
  assert.match(r.stdout, /fake mvn args: --batch-mode --show-version -q package\n/);
  assert.doesNotMatch(r.stdout, /junitPublisher - Archive/);
  assert.match(r.stdout, /result: SUCCESS\n/);
  assert.match(r.stdout, /withMaven: could not find the managed settings file 'nope' \(no managed config file with this id\)/);
  assert.match(r.stdout, /Finished: FAILURE\n/);
  const { dir: d2, env: e2 } = setup(`node { withMaven(maven: 'M9') { sh 'mvn -v' } }\n`);
  const r2 = await runKiln(['run'], { cwd: d2, env: e2 });
  assert.match(r2.stdout, /Tool type "maven" does not have an install of "M9" on node 'local': set KILN_TOOL_M9/);
});

test('configFileProvider: the file is there for the block (variable, targetLocation, tokens replaced) and gone after it', async () => {
  const { dir, env } = setup(`node {
  withEnv(['HOME_REPO=/srv/repo']) {
    configFileProvider([configFile(fileId: 'my-settings', variable: 'SETTINGS', replaceTokens: true), configFile(fileId: 'my-settings', targetLocation: 'conf/settings.xml')]) {
      sh 'cat "$SETTINGS"; cat conf/settings.xml; echo "at $SETTINGS"'
      writeFile file: 'where.txt', text: env.SETTINGS
    }
  }
  sh 'test ! -e "$(cat where.txt)" && test ! -e conf/settings.xml && echo both-removed'
  configFileProvider([configFile(fileId: 'missing')]) { echo 'never' }
}
`);
  const r = await runKiln(['run'], { cwd: dir, env });
  assert.match(r.stdout, /provisioning config files\.\.\.\ncopy managed file \[my-settings\] to file:\S+@tmp\/config[0-9a-f]+tmp\ncopy managed file \[my-settings\] to file:\S+\/conf\/settings\.xml\n/);
  assert.match(r.stdout, /\n<settings><localRepository>\/srv\/repo<\/localRepository><\/settings>\n\+ cat conf\/settings\.xml\n<settings><localRepository>\$\{HOME_REPO\}<\/localRepository><\/settings>\n/);
  assert.match(r.stdout, /Deleting 2 temporary files\n/);
  assert.match(r.stdout, /both-removed\n/);
  assert.match(r.stdout, /configFileProvider: not able to provide the following file\(s\): missing/);
  assert.doesNotMatch(r.stdout, /never/);
});

test('withGradle runs its block; withAnt puts the installation on PATH', async () => {
  const { dir, tools, env } = setup(`node {
  withGradle { echo 'in gradle block' }
  withAnt(installation: 'M3', jdk: 'jdk17') { sh 'echo "ANT_HOME=$ANT_HOME"; mvn x | head -1' }
}
`);
  const r = await runKiln(['run', ...tools], { cwd: dir, env });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\[Pipeline\] withGradle\n\[Pipeline\] echo\nin gradle block\n\[Pipeline\] \/\/ withGradle\n/);
  assert.match(r.stdout, /\nANT_HOME=\S+maven-\S+\n/);
  assert.match(r.stdout, /\nfake mvn args: x\n/);
});

test('realtimeJUnit records after a failing block; splitTests deals the test files; allure keeps the results; xvnc refuses without Xvfb/Xvnc', async () => {
  const { dir, env } = setup(`node {
  writeFile file: 'src/test/java/a/ATest.java', text: 'class ATest {}'
  writeFile file: 'src/test/java/a/BTest.java', text: 'class BTest {}'
  writeFile file: 'src/test/java/b/CTest.java', text: 'class CTest {}'
  def inc = splitTests parallelism: count(2), generateInclusions: true
  echo "inclusions: \${inc.collect { it.list }}"
  def exc = splitTests(count(2))
  echo "exclusions: \${exc}"
  writeFile file: 'allure-results/1-result.json', text: '{"name":"t","status":"passed"}'
  allure results: [[path: 'allure-results']]
  catchError(buildResult: 'FAILURE', stageResult: 'FAILURE') {
    realtimeJUnit('reports/*.xml') {
      writeFile file: 'reports/TEST-x.xml', text: '<testsuite name="x" tests="1"><testcase classname="x" name="ok"/></testsuite>'
      error 'tests crashed'
    }
  }
  xvnc { echo 'never here' }
}
`);
  const r = await runKiln(['run'], { cwd: dir, env });
  assert.match(r.stdout, /inclusions: \[\[a\/ATest\.java, a\/ATest\.class, b\/CTest\.java, b\/CTest\.class\], \[a\/BTest\.java, a\/BTest\.class\]\]\n/);
  assert.match(r.stdout, /exclusions: \[\[a\/BTest\.java, a\/BTest\.class\], \[a\/ATest\.java, a\/ATest\.class, b\/CTest\.java, b\/CTest\.class\]\]\n/);
  assert.ok(existsSync(path.join(dir, '.kiln/runs/1/artifacts/allure-results/1-result.json')));
  assert.match(r.stdout, /Kiln keeps the Allure results as artifacts and does not generate the Allure report/);
  const tests = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/tests.json'), 'utf8'));
  assert.equal(tests[0].total, 1);
  let hasX = true;
  try { (await import('node:child_process')).execFileSync('sh', ['-c', 'command -v Xvnc || command -v Xvfb']); } catch { hasX = false; }
  if (!hasX) assert.match(r.stdout, /xvnc: neither Xvnc nor Xvfb is installed on node 'local'; install one/);
  else assert.match(r.stdout, /never here/);
});

test('sshPublisher under kiln run: accepted by lint; with no SSH server configured the build is UNSTABLE saying so', async () => {
  const { dir, env } = setup(`node { sshPublisher(publishers: [sshPublisherDesc(configName: 'web', transfers: [sshTransfer(execCommand: 'true')])]) }\n`);
  const lint = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir, env });
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  const r = await runKiln(['run'], { cwd: dir, env });
  assert.match(r.stdout, /ERROR: Exception when publishing, exception message \[no SSH server configuration \[web\]; kiln run reads SSH servers from the JSON file KILN_SSH_SERVERS_FILE names/);
  assert.match(r.stdout, /Finished: UNSTABLE/);
});
