// rtNpmDeployer / rtNpmPublish and rtNpmResolver / rtNpmInstall with the real npm of this
// machine, through `kiln run`, against the in-process Artifactory's npm registry API
// (artifactory-server.ts): a package is published with the deployer's credentials, collected into
// the build info, then installed from the resolver's registry in another package.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startArtifactory, type FakeArtifactory } from './artifactory-server.ts';

const TOKEN = 'npm-access-token-secret-77';
let art: FakeArtifactory | undefined;
after(async () => { await art?.close(); });

test('rtNpmPublish publishes with the deployer (Bearer token) into the build info; rtNpmInstall installs it from the resolver', async () => {
  try {
    execFileSync('sh', ['-c', 'command -v npm'], { stdio: 'ignore' });
  } catch {
    assert.fail('npm is not installed on this machine: this test runs it');
  }
  art = await startArtifactory({ user: 'u', password: 'p', token: TOKEN, repos: ['npm-local'] });
  const dir = tempDir('artifactory-npm');
  const cache = tempDir('artifactory-npm-cache'); // an empty npm cache: the tarball must come from the registry
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'art-token': { type: 'secretText', secret: TOKEN } }));
  mkdirSync(path.join(dir, 'lib'), { recursive: true });
  writeFileSync(path.join(dir, 'lib/package.json'), JSON.stringify({ name: 'kiln-demo-lib', version: '1.2.3', main: 'index.js' }));
  writeFileSync(path.join(dir, 'lib/index.js'), "module.exports = 'hello from the lib';\n");
  mkdirSync(path.join(dir, 'app'), { recursive: true });
  writeFileSync(path.join(dir, 'app/package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { 'kiln-demo-lib': '^1.2.0' } }));
  writeFileSync(path.join(dir, 'Jenkinsfile'), `
node {
  rtServer id: 'art', url: '${art.url}', credentialsId: 'art-token'
  rtNpmDeployer id: 'dep', serverId: 'art', repo: 'npm-local'
  rtNpmResolver id: 'res', serverId: 'art', repo: 'npm-local'
  rtNpmPublish path: 'lib', deployerId: 'dep'
  rtNpmInstall path: 'app', resolverId: 'res', args: '--no-audit --no-fund --cache ${cache}'
  sh 'cd app && node -e "console.log(require(\\'kiln-demo-lib\\'))"'
  rtPublishBuildInfo serverId: 'art'
}`);
  const r = await runKiln(['run', '--job', 'web', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_ARTIFACTORY_SERVERS: '' } });
  assert.equal(r.code, 0, r.stdout.slice(-5000) + r.stderr);
  assert.ok(!r.stdout.includes(TOKEN));
  assert.match(r.stdout, /^hello from the lib$/m);
  const publish = art.requests.find((x) => x.method === 'PUT' && x.path === '/artifactory/api/npm/npm-local/kiln-demo-lib')!;
  assert.ok(publish, art.requests.map((x) => `${x.method} ${x.path}`).join('\n'));
  assert.equal(publish.headers.authorization, `Bearer ${TOKEN}`);
  const tgz = art.files.get('npm-local/kiln-demo-lib/-/kiln-demo-lib-1.2.3.tgz');
  assert.ok(tgz);
  assert.ok(art.requests.some((x) => x.method === 'GET' && x.path === '/artifactory/api/npm/npm-local/kiln-demo-lib/-/kiln-demo-lib-1.2.3.tgz' && x.headers.authorization === `Bearer ${TOKEN}`));
  const bi = art.builds.at(-1) as { modules: { id: string; type: string; artifacts: { name: string; path: string; sha1: string }[] }[] };
  const mod = bi.modules.find((m) => m.id === 'kiln-demo-lib:1.2.3')!;
  assert.ok(mod, JSON.stringify(bi.modules));
  assert.equal(mod.type, 'npm');
  assert.deepEqual(mod.artifacts.map((a) => [a.name, a.path, a.sha1]), [['kiln-demo-lib-1.2.3.tgz', 'kiln-demo-lib/-/kiln-demo-lib-1.2.3.tgz', createHash('sha1').update(tgz.data).digest('hex')]]);
});
