// rtMavenResolver / rtMavenDeployer / rtMavenRun with the real Maven of this machine, through
// `kiln run`, against the in-process Artifactory (artifactory-server.ts): every plugin and
// dependency is resolved from a "remote" repository of the server (served from ~/.m2/repository,
// into an empty local repository, so nothing comes from elsewhere), the jar and pom are deployed
// to a local repository with the deployer's credentials, and they are in the published build info.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startArtifactory, type FakeArtifactory } from './artifactory-server.ts';

const PASSWORD = 'maven-Deployer-pw-42';
let art: FakeArtifactory | undefined;
after(async () => { await art?.close(); });

const POM = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>com.acme</groupId><artifactId>demo</artifactId><version>1.0</version><packaging>jar</packaging>
<properties><maven.compiler.release>17</maven.compiler.release><project.build.sourceEncoding>UTF-8</project.build.sourceEncoding></properties>
<build><plugins>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-compiler-plugin</artifactId><version>3.13.0</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-surefire-plugin</artifactId><version>3.2.5</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-jar-plugin</artifactId><version>3.4.1</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-install-plugin</artifactId><version>3.1.1</version></plugin>
<plugin><groupId>org.apache.maven.plugins</groupId><artifactId>maven-deploy-plugin</artifactId><version>3.1.1</version></plugin>
</plugins></build></project>`;

test('rtMavenRun resolves through the resolver, deploys with the deployer (goals: install) and the artifacts reach the build info', async () => {
  try {
    execFileSync('sh', ['-c', 'command -v mvn && command -v java'], { stdio: 'ignore' });
  } catch {
    assert.fail('mvn and java are not installed on this machine: this test runs them (apt-get install maven default-jdk-headless)');
  }
  art = await startArtifactory({ user: 'deployer', password: PASSWORD, token: 'unused-token', repos: ['libs-release-local'], mirrors: { 'maven-remote': path.join(homedir(), '.m2', 'repository') } });
  const dir = tempDir('artifactory-maven');
  const localRepo = tempDir('artifactory-m2');
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'art-creds': { type: 'usernamePassword', username: 'deployer', password: PASSWORD } }));
  mkdirSync(path.join(dir, 'src/main/java/com/acme'), { recursive: true });
  writeFileSync(path.join(dir, 'src/main/java/com/acme/App.java'), 'package com.acme; public class App { }');
  writeFileSync(path.join(dir, 'pom.xml'), POM);
  writeFileSync(path.join(dir, 'Jenkinsfile'), `
pipeline {
  agent any
  stages {
    stage('build') {
      steps {
        rtServer(id: 'art', url: '${art.url}', credentialsId: 'art-creds')
        rtMavenResolver(id: 'resolver', serverId: 'art', releaseRepo: 'maven-remote', snapshotRepo: 'maven-remote')
        rtMavenDeployer(id: 'deployer', serverId: 'art', releaseRepo: 'libs-release-local', snapshotRepo: 'libs-release-local')
        rtMavenRun(pom: 'pom.xml', goals: 'clean install', opts: '-Dmaven.repo.local=${localRepo} -DskipTests', resolverId: 'resolver', deployerId: 'deployer')
        rtPublishBuildInfo(serverId: 'art')
      }
    }
  }
}`);
  const r = await runKiln(['run', '--job', 'demo', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_ARTIFACTORY_SERVERS: '' } });
  assert.equal(r.code, 0, r.stdout.slice(-6000) + r.stderr);
  assert.ok(!r.stdout.includes(PASSWORD));
  assert.match(r.stdout, /^Executing command: mvn -B -s <settings\.xml> -f pom\.xml .* clean install deploy:deploy -DaltReleaseDeploymentRepository=artifactory-deployer::default::http:\/\/127\.0\.0\.1:\d+\/artifactory\/libs-release-local/m);
  // resolved through the server's remote repository, with the deployer's credentials
  const fromRemote = art.requests.filter((x) => x.method === 'GET' && x.path.startsWith('/artifactory/maven-remote/') && x.headers.authorization);
  assert.ok(fromRemote.some((x) => x.path.includes('/maven-jar-plugin/3.4.1/maven-jar-plugin-3.4.1.jar')), 'the jar plugin came from the resolver');
  const jar = art.files.get('libs-release-local/com/acme/demo/1.0/demo-1.0.jar');
  assert.ok(jar, [...art.files.keys()].join(', '));
  assert.ok(art.files.has('libs-release-local/com/acme/demo/1.0/demo-1.0.pom'));
  const bi = art.builds.at(-1) as { name: string; modules: { id: string; type: string; artifacts: { name: string; sha1: string }[] }[] };
  assert.equal(bi.name, 'demo');
  const mod = bi.modules.find((m) => m.id === 'com.acme:demo:1.0');
  assert.ok(mod, JSON.stringify(bi.modules));
  assert.equal(mod.type, 'maven');
  assert.deepEqual(mod.artifacts.map((a) => a.name).sort(), ['demo-1.0.jar', 'demo-1.0.pom']);
  assert.equal(mod.artifacts.find((a) => a.name === 'demo-1.0.jar')!.sha1, createHash('sha1').update(jar.data).digest('hex'));
});
