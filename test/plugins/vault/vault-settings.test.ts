// The Vault plugin's global configuration: the controller's settings (PUT
// /api/v1/settings/http-services `vault`, admin only, checked) and kiln run's KILN_VAULT_*: a
// withVault without a configuration of its own reads from that Vault with that credential, and
// what the step gives wins.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController } from '../../../src/controller/compose.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { rawApi, testConfig, finishedBuild, consoleText } from '../../helpers/controller.ts';
import { runKiln } from '../../helpers/kiln.ts';
import type { TestService } from '../http-services/service-helper.ts';
import { startVault } from './vault-server.ts';

const servers: TestService[] = [];
after(async () => { await Promise.all(servers.map((s) => s.close())); });
const DATA = { tokens: ['hvs.global-token-1234'], kv2: { 'secret/app': { password: 'from-global-vault-pw' }, 'team-b:secret/app': { password: 'namespaced-b-pw-99' } }, kv1: { 'team-b:kv/app': { password: 'kv1-pw-value-42' } } };

test("the controller's Vault settings: checked, kept, and withVault's defaults", async () => {
  const v = await startVault(DATA);
  servers.push(v);
  const c = await startController(testConfig({ home: path.join(tempDir('vault-settings'), 'home'), port: '0', executors: '1' }), { log: () => undefined });
  try {
    const api = rawApi(() => c.url);
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'vault-global', type: 'secretText', secret: 'hvs.global-token-1234' })).status, 201);
    const bad = await api('PUT', '/api/v1/settings/http-services', { vault: { url: v.url, credentialsId: 'vault-global', engineVersion: 3 } });
    assert.equal(bad.status, 400, bad.text);
    assert.match(bad.text, /vault\.engineVersion/);
    const put = await api('PUT', '/api/v1/settings/http-services', { vault: { url: v.url, credentialsId: 'vault-global', namespace: 'team-b' } });
    assert.equal(put.status, 200, put.text);
    assert.deepEqual((await api('GET', '/api/v1/settings/http-services')).json.vault, { url: v.url, credentialsId: 'vault-global', engineVersion: 2, namespace: 'team-b', skipSslVerification: false });
    const script = `node { stage('s') {
  withVault(vaultSecrets: [[path: 'secret/app', secretValues: [[envVar: 'PW', vaultKey: 'password']]]]) {
    sh 'echo "pw=$PW"; test "$PW" = "$(printf %s namespaced-b && printf %s -pw-99)" && echo right'
    sh "echo interpolated \${env.PW} > /dev/null"
    def kept = env.PW
    echo "length \${kept.length()}"
  }
  withVault(configuration: [engineVersion: 1, vaultNamespace: ''], vaultSecrets: [[path: 'kv/app', secretValues: [[envVar: 'PW', vaultKey: 'password']]]]) { sh 'test "$PW" = kv1-pw-value-42 && echo right-v1' }
} }`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'app', script })).status, 201);
    const n = (await api('POST', '/api/v1/jobs/app/builds', {})).json.number;
    const b = await finishedBuild(c.url, 'app', n);
    const log = await consoleText(c.url, 'app', n);
    assert.equal(b.result, 'SUCCESS', log);
    assert.match(log, /^pw=\*\*\*\*$/m);
    assert.match(log, /^right$/m);
    assert.match(log, /^right-v1$/m);
    assert.ok(!log.includes('namespaced-b-pw-99') && !log.includes('hvs.global-token-1234'), log);
    // Nor in what the build keeps (its steps' descriptions and values in its saved state).
    const shown = JSON.stringify(await c.store.builds.latest('app'));
    assert.match(shown, /interpolated \*\*\*\* > \/dev\/null/);
    assert.ok(!shown.includes('namespaced-b-pw-99'), shown);
    assert.equal(v.received[0]?.headers['x-vault-namespace'], 'team-b');
    // A vaultUrl the Jenkinsfile chooses (not the administrator's) reaches the controller's own
    // network only when the host is allowed: else a pipeline could make the controller probe it.
    const other = `node { withVault(configuration: [vaultUrl: '${v.url.replace('127.0.0.1', 'localhost')}'], vaultSecrets: [[path: 'secret/app', secretValues: [[envVar: 'PW', vaultKey: 'password']]]]) { sh 'test -n "$PW" && echo got-it' } }`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'other', script: other })).status, 201);
    const before = v.received.length;
    const refused = (await api('POST', '/api/v1/jobs/other/builds', {})).json.number;
    assert.equal((await finishedBuild(c.url, 'other', refused)).result, 'FAILURE');
    assert.match(await consoleText(c.url, 'other', refused), /withVault: localhost is 127\.0\.0\.1, an address of the Kiln server's own network: a vaultUrl a Jenkinsfile chooses may reach it only when an administrator allows the host/);
    assert.equal(v.received.length, before, 'nothing reached the server');
    assert.equal((await api('PUT', '/api/v1/settings/http-services', { vault: { url: v.url, credentialsId: 'vault-global', namespace: 'team-b' }, httpRequest: { allowedHosts: ['localhost'], allowPrivate: false } })).status, 200);
    const allowed = (await api('POST', '/api/v1/jobs/other/builds', {})).json.number;
    assert.equal((await finishedBuild(c.url, 'other', allowed)).result, 'SUCCESS', await consoleText(c.url, 'other', allowed));
    assert.match(await consoleText(c.url, 'other', allowed), /^got-it$/m);
    // Saving the settings without `vault` clears it (every part of the PUT is the whole of it): the step then has no configuration.
    assert.equal((await api('PUT', '/api/v1/settings/http-services', {})).status, 200);
    const n2 = (await api('POST', '/api/v1/jobs/app/builds', {})).json.number;
    assert.equal((await finishedBuild(c.url, 'app', n2)).result, 'FAILURE');
    assert.match(await consoleText(c.url, 'app', n2), /No configuration found - please configure the VaultPlugin\./);
  } finally {
    await c.close();
  }
});

test('kiln run: KILN_VAULT_URL and KILN_VAULT_CREDENTIAL are the global configuration', async () => {
  const v = await startVault(DATA);
  servers.push(v);
  const dir = tempDir('vault-run');
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'vault-global': { type: 'secretText', secret: 'hvs.global-token-1234' } }));
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node { withVault(vaultSecrets: [[path: 'secret/app', secretValues: [[envVar: 'PW', vaultKey: 'password']]]]) { sh 'echo "pw=$PW"; test "$PW" = from-global-vault-pw && echo right' } }`);
  const r = await runKiln(['run', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_VAULT_URL: v.url, KILN_VAULT_CREDENTIAL: 'vault-global' } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^right$/m);
  assert.ok(!r.stdout.includes('from-global-vault-pw'));
});
