// The Docker Pipeline plugin's syntax (docker.build / withRegistry / push / image().inside /
// withRun) and registry logins (withDockerRegistry, agent docker registryCredentialsId),
// against the real dockerd and a real registry with basic auth; the pushed image is pulled
// back with a real `docker pull` afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from '../../helpers/tmp.ts';
import { IMAGES, assertNoLeftovers, dockerCli, requireDocker, runDocker, testLabel } from './harness.ts';
import { REGISTRY_USER, startRegistry, type TestRegistry } from './registry.ts';
import type { Credential } from '../../../src/core/credentials.ts';

const label = testLabel();
let reg: TestRegistry;
const app = `kiln-test-app-${label}`;
const credentials: Record<string, Credential> = {
  reg: { id: 'reg', type: 'usernamePassword', ...REGISTRY_USER },
  wrong: { id: 'wrong', type: 'usernamePassword', username: 'kiln', password: 'not-the-password' },
  token: { id: 'token', type: 'secretText', secret: 'x' },
};

before(async () => {
  requireDocker();
  reg = await startRegistry({ auth: true });
});
after(async () => {
  for (const ref of dockerCli(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n')) {
    if (ref.includes(app)) dockerCli(['rmi', '-f', ref]);
  }
  await reg?.stop();
  assertNoLeftovers(label);
});

test('docker.build, withRegistry + push (two tags), image().inside, withRun; the pushed image pulls back with docker pull', async () => {
  const ws = tempDir('plugin');
  fs.writeFileSync(path.join(ws, 'Dockerfile'), `FROM ${IMAGES.busybox}\nRUN echo "app v1" > /version\n`);
  const r = await runDocker(`
node {
  def img = docker.build('${app}:1')
  echo "built \${img.id}"
  docker.withRegistry('${reg.url}', 'reg') {
    echo "name=\${img.imageName()}"
    img.push()
    img.push('latest')
  }
  img.inside('-e FROM_ARGS=yes') {
    sh 'cat /version; echo "args=$FROM_ARGS"; echo "pid1=$(head -c 3 /proc/1/cmdline)"; echo inside > inside.txt'
  }
  docker.image('${IMAGES.busybox}').withRun('--label kiln.test=${label}', 'sleep 300') { c ->
    echo "running=\${c.id.size() >= 12}"
    sh "docker inspect -f '{{.State.Running}}' \${c.id}"
  }
}`, { label, workspace: ws, credentials });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, new RegExp(`built ${app}:1`));
  assert.match(r.console, new RegExp(`name=${reg.host}/${app}:1`));
  assert.match(r.console, new RegExp(`\\+ docker push ${reg.host}/${app}:1`));
  assert.match(r.console, new RegExp(`\\+ docker push ${reg.host}/${app}:latest`));
  assert.match(r.console, /^app v1$/m);
  assert.match(r.console, /^args=yes$/m);
  assert.match(r.console, /^pid1=cat$/m);
  assert.match(r.console, /running=true/);
  assert.match(r.console, /^true$/m);
  assert.doesNotMatch(r.console, new RegExp(REGISTRY_USER.password));
  assert.equal(fs.readFileSync(path.join(ws, 'inside.txt'), 'utf8'), 'inside\n');
  // The temporary DOCKER_CONFIG is gone: nothing of the login is left on the node.
  assert.deepEqual(fs.readdirSync(`${ws}@tmp`).filter((f) => f.startsWith('docker-config')), []);

  // A real pull of what was pushed, with a login of our own (the registry wants one).
  const cfg = tempDir('pull-config');
  const env = { ...process.env, DOCKER_CONFIG: cfg };
  execFileSync('docker', ['login', '-u', REGISTRY_USER.username, '--password-stdin', reg.host], { input: REGISTRY_USER.password, env, stdio: ['pipe', 'ignore', 'pipe'] });
  for (const tag of ['1', 'latest']) {
    const ref = `${reg.host}/${app}:${tag}`;
    dockerCli(['rmi', ref]);
    execFileSync('docker', ['pull', ref], { env, stdio: 'ignore' });
    assert.equal(dockerCli(['run', '--rm', '--label', `kiln.test=${label}`, ref, 'cat', '/version']), 'app v1');
  }
  assertNoLeftovers(label);
});

test('agent docker with registryUrl + registryCredentialsId + alwaysPull pulls through the login', async () => {
  // The image is in the registry (pushed here) but not on the node under that name.
  const src = `${reg.host}/${app}:agent`;
  const cfg = tempDir('push-config');
  const env = { ...process.env, DOCKER_CONFIG: cfg };
  dockerCli(['tag', IMAGES.busybox, src]);
  execFileSync('docker', ['login', '-u', REGISTRY_USER.username, '--password-stdin', reg.host], { input: REGISTRY_USER.password, env, stdio: ['pipe', 'ignore', 'pipe'] });
  execFileSync('docker', ['push', src], { env, stdio: 'ignore' });
  dockerCli(['rmi', src]);
  const r = await runDocker(`
pipeline {
  agent { docker { image '${app}:agent'; registryUrl '${reg.url}'; registryCredentialsId 'reg'; alwaysPull true } }
  stages { stage('S') { steps { sh 'echo "pid1=$(head -c 3 /proc/1/cmdline)"' } } }
}`, { label, credentials });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, new RegExp(`docker pull ${src}`));
  assert.match(r.console, /^pid1=cat$/m);
});

test('registry login failures say which registry, user and credential; wrong credential type is named', async () => {
  const r = await runDocker(`
node {
  docker.withRegistry('${reg.url}', 'wrong') { echo 'never' }
}`, { label, credentials });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, new RegExp(`docker login to ${reg.host} as 'kiln' \\(credentials 'wrong'\\) failed: .*(unauthorized|401)`, 'i'));
  assert.doesNotMatch(r.console, /never/);
  const r2 = await runDocker(`node { docker.withRegistry('${reg.url}', 'token') { echo 'never' } }`, { label, credentials });
  assert.equal(r2.state.result, 'FAILURE');
  assert.match(r2.console, /registry credentials 'token' must be a username with password \(it is secretText\)/);
});
