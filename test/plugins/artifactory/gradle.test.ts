// rtGradleResolver / rtGradleDeployer / rtGradleRun and Artifactory.newGradleBuild() through
// `kiln run` against the in-process Artifactory (artifactory-server.ts).
// There is no Gradle on these machines (scripts/test-prereqs.sh installs none, and nothing in
// test/ runs one), so a stand-in wrapper (useWrapper: true runs ./gradlew) plays Gradle's part:
// it records its arguments and the init script Kiln gives it, deploys the jar and pom with curl to
// the deployer URL that init script names, with the credentials Kiln puts in its environment, and
// writes the report line the init script's publish hook writes. What is tested is Kiln's side: the
// command line (no secret on it), the init script's resolver and deployer URLs (no secret in it),
// the credentials reaching the process, the deployed files in the build info with Artifactory's
// checksums and with the build's and the deployer's properties set on them; the init script's
// Groovy is not run by a real Gradle here.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startArtifactory, type FakeArtifactory } from './artifactory-server.ts';
import { buildFileArgs, initScript } from '../../../src/plugins/artifactory/gradle.ts';

const PASSWORD = 'gradle-Deployer-pw-9';
let art: FakeArtifactory | undefined;
after(async () => { await art?.close(); });

// Plays Gradle: the init script's deployer URL, then the publication's files PUT there.
const gradlew = (out: string) => `#!/bin/sh
set -e
printf '%s\\n' "$@" > '${out}/args.txt'
init=""
while [ $# -gt 0 ]; do case "$1" in --init-script) init="$2"; shift 2;; *) shift;; esac; done
cp "$init" '${out}/init-copy.gradle'
url=$(sed -n "s/^def kilnDeployerUrl = '\\(.*\\)'$/\\1/p" "$init")
[ -n "$KILN_ARTIFACTORY_DEPLOYER_PASSWORD" ] && echo "deployer credentials: present"
mkdir -p build/libs && echo "jar bytes" > build/libs/demo-1.0.jar && echo "<project/>" > build/demo-1.0.pom
for f in build/libs/demo-1.0.jar build/demo-1.0.pom; do
  curl -sf -u "$KILN_ARTIFACTORY_DEPLOYER_USER:$KILN_ARTIFACTORY_DEPLOYER_PASSWORD" -T "$f" "$url/com/acme/demo/1.0/$(basename "$f")" > /dev/null
done
echo '{"groupId":"com.acme","artifactId":"demo","version":"1.0","files":["demo-1.0.jar","demo-1.0.pom"]}' >> "$KILN_ARTIFACTORY_GRADLE_REPORT"
echo "BUILD SUCCESSFUL"
`;

function project(jenkinsfile: string): string {
  const dir = tempDir('artifactory-gradle');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'art-creds': { type: 'usernamePassword', username: 'deployer', password: PASSWORD } }));
  mkdirSync(path.join(dir, 'app'));
  writeFileSync(path.join(dir, 'app/gradlew'), gradlew(dir));
  chmodSync(path.join(dir, 'app/gradlew'), 0o755);
  return dir;
}
const run = (dir: string) => runKiln(['run', '--job', 'demo', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_ARTIFACTORY_SERVERS: '' } });

type BuildInfo = { name: string; modules: { id: string; type: string; artifacts: { name: string; sha1: string; path: string }[] }[] };

test('rtGradleRun gives Gradle the resolver and deployer through an init script; the deployed files reach the build info with their properties', async () => {
  art ??= await startArtifactory({ user: 'deployer', password: PASSWORD, token: 'unused', repos: ['libs-release-local'] });
  const dir = project(`
pipeline {
  agent any
  stages { stage('build') { steps {
    rtServer(id: 'art', url: '${art.url}', credentialsId: 'art-creds')
    rtGradleResolver(id: 'resolver', serverId: 'art', repo: 'gradle-remote')
    rtGradleDeployer(id: 'deployer', serverId: 'art', repo: 'libs-release-local', publications: ['mavenJava'], properties: 'team=core')
    rtGradleRun(useWrapper: true, rootDir: 'app', buildFile: 'sub/build.gradle', tasks: 'clean artifactoryPublish', switches: '--stacktrace', resolverId: 'resolver', deployerId: 'deployer')
    rtPublishBuildInfo(serverId: 'art')
  } } }
}`);
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout.slice(-4000) + r.stderr);
  assert.ok(!r.stdout.includes(PASSWORD));
  assert.match(r.stdout, /^Executing command: \.\/gradlew --init-script <kiln-artifactory\.gradle> -p sub --stacktrace clean artifactoryPublish$/m);
  assert.match(r.stdout, /deployer credentials: present/);
  const args = readFileSync(path.join(dir, 'args.txt'), 'utf8').split('\n');
  assert.equal(args[0], '--init-script');
  assert.deepEqual(args.slice(2, 7), ['-p', 'sub', '--stacktrace', 'clean', 'artifactoryPublish']);
  assert.ok(!args.join(' ').includes(PASSWORD));
  const init = readFileSync(path.join(dir, 'init-copy.gradle'), 'utf8');
  assert.ok(init.includes(`def kilnResolverUrl = '${art.url}/gradle-remote'`), init);
  assert.ok(init.includes(`def kilnDeployerUrl = '${art.url}/libs-release-local'`));
  assert.ok(init.includes("def kilnPublications = ['mavenJava']"));
  assert.ok(!init.includes(PASSWORD), 'no secret in the init script');
  const jar = art.files.get('libs-release-local/com/acme/demo/1.0/demo-1.0.jar');
  assert.ok(jar, [...art.files.keys()].join(', '));
  assert.deepEqual(jar.props['build.name'], ['demo']);
  assert.deepEqual(jar.props['build.number'], ['1']);
  assert.deepEqual(jar.props.team, ['core']);
  const bi = art.builds.at(-1) as BuildInfo;
  const mod = bi.modules.find((m) => m.id === 'com.acme:demo:1.0');
  assert.ok(mod, JSON.stringify(bi.modules));
  assert.equal(mod.type, 'gradle');
  assert.deepEqual(mod.artifacts.map((a) => a.name).sort(), ['demo-1.0.jar', 'demo-1.0.pom']);
  assert.equal(mod.artifacts.find((a) => a.name === 'demo-1.0.jar')!.sha1, createHash('sha1').update('jar bytes\n').digest('hex'));
});

test('scripted Artifactory.newGradleBuild runs the same steps; a missing wrapper and a rootDir leaving the workspace are clear errors', async () => {
  art ??= await startArtifactory({ user: 'deployer', password: PASSWORD, token: 'unused', repos: ['libs-release-local'] });
  const dir = project(`
node {
  rtServer(id: 'art', url: '${art.url}', credentialsId: 'art-creds')
  def server = Artifactory.server 'art'
  def rtGradle = Artifactory.newGradleBuild()
  rtGradle.useWrapper = true
  rtGradle.resolver server: server, repo: 'gradle-remote'
  rtGradle.deployer server: server, repo: 'libs-release-local'
  rtGradle.deployer.publications.add('mavenJava').add('extra')
  rtGradle.deployer.deployArtifacts = true
  def bi = Artifactory.newBuildInfo()
  bi.name = 'scripted-gradle'
  rtGradle.run rootDir: 'app', tasks: 'artifactoryPublish', buildInfo: bi
  server.publishBuildInfo bi
}`);
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout.slice(-4000) + r.stderr);
  const bi = art.builds.at(-1) as BuildInfo;
  assert.equal(bi.name, 'scripted-gradle');
  assert.ok(readFileSync(path.join(dir, 'init-copy.gradle'), 'utf8').includes("def kilnPublications = ['mavenJava', 'extra']"));
  assert.ok(bi.modules.some((m) => m.id === 'com.acme:demo:1.0'));
  const bad = project(`
pipeline { agent any; stages { stage('b') { steps {
  rtGradleRun(useWrapper: true, rootDir: '../elsewhere', tasks: 'build')
} } } }`);
  const r2 = await run(bad);
  assert.match(r2.stdout, /rtGradleRun: rootDir '\.\.\/elsewhere' leaves the workspace/);
  const noWrapper = project(`
pipeline { agent any; stages { stage('b') { steps {
  rtGradleRun(useWrapper: true, tasks: 'build')
} } } }`);
  const r3 = await run(noWrapper);
  assert.match(r3.stdout, /rtGradleRun: useWrapper: true but there is no gradlew in '\.'/);
});

test('buildFile becomes -p <dir> for build.gradle(.kts) (Gradle 8 has no -b), -b for another name', () => {
  assert.deepEqual(buildFileArgs(''), []);
  assert.deepEqual(buildFileArgs('build.gradle'), []);
  assert.deepEqual(buildFileArgs('./build.gradle.kts'), []);
  assert.deepEqual(buildFileArgs('sub/build.gradle'), ['-p', 'sub']);
  assert.deepEqual(buildFileArgs('ci.gradle'), ['-b', 'ci.gradle']);
});

test('the init script quotes URLs as Groovy strings', () => {
  const s = initScript("http://h/art/it's", null, []);
  assert.ok(s.includes("def kilnResolverUrl = 'http://h/art/it\\'s'"));
  assert.ok(!s.includes('kilnDeployerUrl'));
});
