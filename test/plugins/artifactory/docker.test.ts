// rtDockerPush / rtDockerPull and the scripted Artifactory.docker through `kiln run`, with the
// real docker CLI and daemon, a real registry (docker-registry with htpasswd auth, the same
// credentials as the Artifactory server's) and the in-process Artifactory (artifactory-server.ts)
// whose Docker repository shows what is in that registry: the image really reaches the registry,
// its manifest gets the build's properties, and its layers are in the published build info with
// their digests; a pull brings it back and collects the layers as dependencies. Also: no password
// on the console, an option-like image name refused before docker runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startRegistry, REGISTRY_USER, type TestRegistry } from '../docker/registry.ts';
import { startArtifactory, type FakeArtifactory } from './artifactory-server.ts';
import { foreignRegistry, parseImage } from '../../../src/plugins/artifactory/docker.ts';

let reg: TestRegistry | undefined;
let art: FakeArtifactory | undefined;
const tagged: string[] = [];
after(async () => {
  for (const t of tagged) { try { execFileSync('docker', ['rmi', '-f', t], { stdio: 'ignore' }); } catch { /* gone */ } }
  await art?.close();
  await reg?.stop();
});

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

async function setup(): Promise<{ reg: TestRegistry; art: FakeArtifactory }> {
  try { docker('image', 'inspect', 'kiln-test/busybox'); } catch {
    assert.fail('docker or the kiln-test/busybox image is missing: run scripts/test-prereqs.sh (it starts dockerd and builds the kiln-test images)');
  }
  reg ??= await startRegistry({ auth: true });
  art ??= await startArtifactory({ user: REGISTRY_USER.username, password: REGISTRY_USER.password, token: 'unused', repos: ['docker-local'],
    docker: { repo: 'docker-local', registry: reg.url, username: REGISTRY_USER.username, password: REGISTRY_USER.password } });
  return { reg, art };
}

function project(jenkinsfile: string): string {
  const dir = tempDir('artifactory-docker');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'art-creds': { type: 'usernamePassword', ...REGISTRY_USER } }));
  return dir;
}
const run = (dir: string) => runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_ARTIFACTORY_SERVERS: '' } });

type BuildInfo = { name: string; number: string; modules: { id: string; type: string; repository?: string; properties?: Record<string, string>; artifacts: { name: string; sha1: string; sha256: string; path: string }[]; dependencies: { id: string; sha1: string; sha256: string }[] }[] };

test('rtDockerPush logs in with the server credentials, pushes to the registry, sets the properties on the manifest and collects the layers', async () => {
  const { reg, art } = await setup();
  const name = `hello-${randomBytes(4).toString('hex')}`;
  const image = `${reg.host}/${name}:1.0`;
  tagged.push(image);
  const dir = project(`
pipeline {
  agent any
  stages {
    stage('push') {
      steps {
        rtServer(id: 'art', url: '${art.url}', credentialsId: 'art-creds')
        sh 'docker tag kiln-test/busybox ${image}'
        rtDockerPush(serverId: 'art', image: '${image}', targetRepo: 'docker-local', properties: 'team=core;stage=qa,prod')
        sh 'ls -d "\${WORKSPACE}@tmp"/artifactory-docker-* 2>/dev/null || echo "no docker config left"'
        rtPublishBuildInfo(serverId: 'art')
      }
    }
  }
}`);
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout.slice(-4000) + r.stderr);
  assert.ok(!r.stdout.includes(REGISTRY_USER.password), 'the password is not on the console');
  assert.match(r.stdout, new RegExp(`Pushing image: ${image.replace(/[.:]/g, '\\$&')}`));
  assert.match(r.stdout, /Successfully pushed docker image/);
  // in the registry for real
  const tags = await fetch(`${reg.url}/v2/${name}/tags/list`, { headers: { Authorization: `Basic ${Buffer.from(`${REGISTRY_USER.username}:${REGISTRY_USER.password}`).toString('base64')}` } }).then((x) => x.json()) as { tags: string[] };
  assert.deepEqual(tags.tags, ['1.0']);
  // the manifest's properties
  const manifest = art.files.get(`docker-local/${name}/1.0/manifest.json`);
  assert.ok(manifest, [...art.files.keys()].join(', '));
  assert.deepEqual(manifest.props['build.name'], ['shop']);
  assert.deepEqual(manifest.props['build.number'], ['1']);
  assert.deepEqual(manifest.props.team, ['core']);
  assert.deepEqual(manifest.props.stage, ['qa', 'prod']);
  // the build info
  const bi = art.builds.at(-1) as BuildInfo;
  const mod = bi.modules.find((m) => m.id === `${name}:1.0`);
  assert.ok(mod, JSON.stringify(bi.modules));
  assert.equal(mod.type, 'docker');
  assert.equal(mod.repository, 'docker-local');
  const id = docker('image', 'inspect', '--format', '{{.Id}}', image);
  assert.equal(mod.properties?.['docker.image.id'], id.slice('sha256:'.length));
  assert.equal(mod.properties?.['docker.captured.image'], image);
  const m = JSON.parse(manifest.data.toString()) as { config: { digest: string }; layers: { digest: string }[] };
  const want = [m.config.digest, ...m.layers.map((l) => l.digest)].map((d) => d.replace(':', '__'));
  assert.deepEqual(mod.artifacts.map((a) => a.name).sort(), [...want, 'manifest.json'].sort());
  for (const a of mod.artifacts.filter((x) => x.name !== 'manifest.json')) {
    assert.equal(a.sha256, a.name.slice('sha256__'.length));
    assert.equal(a.sha1, art.files.get(`docker-local/${name}/1.0/${a.name}`)!.sha1);
  }
  assert.equal(mod.artifacts.find((a) => a.name === 'manifest.json')!.sha1, manifest.sha1);
  // the temporary DOCKER_CONFIG is gone
  assert.match(r.stdout, /^no docker config left$/m);
});

test('scripted Artifactory.docker pulls the image back from the registry and collects its layers as dependencies', async () => {
  const { reg, art } = await setup();
  const name = `pulled-${randomBytes(4).toString('hex')}`;
  const image = `${reg.host}/${name}:2.0`;
  tagged.push(image);
  // pushed outside the build, then removed locally
  docker('tag', 'kiln-test/busybox', image);
  const cfg = tempDir('docker-config');
  execFileSync('docker', ['--config', cfg, 'login', '-u', REGISTRY_USER.username, '--password-stdin', reg.host], { input: REGISTRY_USER.password, stdio: ['pipe', 'ignore', 'ignore'] });
  execFileSync('docker', ['--config', cfg, 'push', image], { stdio: 'ignore' });
  const id = docker('image', 'inspect', '--format', '{{.Id}}', image);
  docker('rmi', image);
  const dir = project(`
node {
  rtServer(id: 'art', url: '${art.url}', credentialsId: 'art-creds')
  def server = Artifactory.server 'art'
  def rtDocker = Artifactory.docker server: server
  def bi = Artifactory.newBuildInfo()
  bi.name = 'pull-job'
  def back = rtDocker.pull('${image}', 'docker-local', bi)
  echo "build info: \${back.name}"
  server.publishBuildInfo bi
}`);
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout.slice(-4000) + r.stderr);
  assert.match(r.stdout, /build info: pull-job/);
  assert.equal(docker('image', 'inspect', '--format', '{{.Id}}', image), id, 'the image is back on the node');
  const bi = art.builds.at(-1) as BuildInfo;
  assert.equal(bi.name, 'pull-job');
  const mod = bi.modules.find((m) => m.id === `${name}:2.0`)!;
  assert.ok(mod, JSON.stringify(bi.modules));
  assert.equal(mod.artifacts.length, 0);
  assert.ok(mod.dependencies.some((d) => `sha256:${d.sha256}` === id), 'the config is a dependency');
  assert.ok(mod.dependencies.length >= 2);
  for (const d of mod.dependencies) assert.match(d.sha1, /^[a-f0-9]{40}$/);
});

test('an image name that is not a Docker reference never reaches the docker CLI', async () => {
  assert.throws(() => parseImage('rtDockerPush', '--help'), /rtDockerPush: image '--help' is not a Docker image name/);
  assert.throws(() => parseImage('rtDockerPush', '-H tcp://evil:2375 x'), /is not a Docker image name/);
  assert.throws(() => parseImage('rtDockerPush', 'Upper/Case:1'), /is not a Docker image name/);
  assert.deepEqual(parseImage('x', 'acme.jfrog.io/docker-local/app'), { full: 'acme.jfrog.io/docker-local/app:latest', registry: 'acme.jfrog.io', path: 'docker-local/app', tag: 'latest' });
  assert.deepEqual(parseImage('x', 'library/app:1'), { full: 'library/app:1', registry: null, path: 'library/app', tag: '1' });
  // the server's credentials go to its own host (any port) or a subdomain only
  const srv = { id: 'art', url: 'https://artifactory.acme.com/artifactory', auth: null, timeoutMs: 1000, retries: 0 };
  assert.equal(foreignRegistry(srv, 'artifactory.acme.com:5000'), null);
  assert.equal(foreignRegistry(srv, 'docker-local.artifactory.acme.com'), null);
  assert.match(foreignRegistry(srv, 'evil.example')!, /the image's registry evil\.example is not the host of Artifactory server 'art' \(artifactory\.acme\.com\): its credentials are not sent to another host/);
  assert.match(foreignRegistry(srv, 'evilartifactory.acme.com')!, /not the host/);
  assert.match(foreignRegistry(srv, null)!, /the image names no registry \(Docker Hub\)/);
  const { art } = await setup();
  const evil = path.join(tempDir('evil'), 'cfg');
  const dir = project(`
pipeline {
  agent any
  stages { stage('s') { steps {
    rtServer(id: 'art', url: '${art.url}', credentialsId: 'art-creds')
    rtDockerPush(serverId: 'art', image: '--config=${evil}', targetRepo: 'docker-local')
  } } }
}`);
  const r = await run(dir);
  assert.notEqual(r.code, 0);
  assert.ok(r.stdout.includes(`rtDockerPush: image '--config=${evil}' is not a Docker image name`), r.stdout.slice(-2000));
  assert.ok(!existsSync(evil));
  const other = await run(project(`
pipeline {
  agent any
  stages { stage('s') { steps {
    rtServer(id: 'art', url: '${art.url}', credentialsId: 'art-creds')
    rtDockerPush(serverId: 'art', image: 'registry.evil.example:5000/app:1', targetRepo: 'docker-local')
  } } }
}`));
  assert.notEqual(other.code, 0);
  assert.match(other.stdout, /rtDockerPush: the image's registry registry\.evil\.example:5000 is not the host of Artifactory server 'art' \(127\.0\.0\.1\)/);
  assert.ok(!other.stdout.includes('Pushing image'));
});
