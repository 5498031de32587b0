// withVault through `kiln run` (the real CLI) against a Vault stand-in in this process that
// speaks Vault's HTTP API (vault-server.ts): KV v2 and v1 reads, token and AppRole logins,
// namespaces, the plugin's console lines and failures, and every value masked (set -x too).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import type { TestService } from '../http-services/service-helper.ts';
import { startVault, type VaultData } from './vault-server.ts';

const servers: TestService[] = [];
after(async () => { await Promise.all(servers.map((s) => s.close())); });
async function vault(d: VaultData): Promise<TestService> {
  const s = await startVault(d);
  servers.push(s);
  return s;
}

const CREDS = {
  'vault-token': { type: 'secretText', secret: 'hvs.root-token-AAAA' },
  'bad-token': { type: 'secretText', secret: 'hvs.wrong-token-BBBB' },
  'vault-approle': { type: 'usernamePassword', username: 'role-1234', password: 'secret-id-5678-XYZ' },
  'ssh-key': { type: 'sshKey', username: 'git', privateKey: 'x' },
  'bad-approle': { type: 'usernamePassword', username: 'role-1234', password: 'wrong-secret-id-000' },
};

function project(jenkinsfile: string): string {
  const dir = tempDir('vault');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  return dir;
}
const run = (dir: string) => runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: dir });

const DATA: VaultData = {
  tokens: ['hvs.root-token-AAAA', 'hvs.approle-token-CCCC'],
  approles: { 'role-1234': ['secret-id-5678-XYZ', 'hvs.approle-token-CCCC'] },
  kv2: {
    'secret/app': { db_password: 'Sup3r-Secret-DB', api_key: 'key-0f9e8d7c', empty: '' },
    'secret/team/cert': { pem: 'LINE-ONE-secret-aaaa\nLINE-TWO-secret-bbbb' },
    'team-a:secret/app': { token: 'namespaced-token-val' },
  },
  kv1: { 'kv/legacy': { password: 'legacy-pass-123' } },
  denied: ['secret/data/forbidden'],
  failing: { 'secret/data/sealed': 503, 'secret/data/odd': 400, 'secret/data/nodata': 204 },
};

test('withVault: KV v2 by default and v1 per secret, values in the block and masked, also in set -x', async () => {
  const v = await vault(DATA);
  const r = await run(project(`
node {
  env.APP = 'app'
  withVault(configuration: [vaultUrl: '${v.url}/', vaultCredentialId: 'vault-token', timeout: 5],
            vaultSecrets: [[path: 'secret/\${APP}', secretValues: [[envVar: 'DB_PW', vaultKey: 'db_password'], [vaultKey: 'api_key']]],
                           [path: 'kv/legacy', engineVersion: 1, secretValues: [[envVar: 'LEGACY', vaultKey: 'password']]],
                           [path: 'secret/team/cert', secretValues: [[envVar: 'PEM', vaultKey: 'pem']]]]) {
    sh 'set -x; echo "db=$DB_PW key=$api_key legacy=$LEGACY"; test "$DB_PW" = Sup3r-Secret-DB && echo same; printf "%s\\n" "$PEM"'
    echo "length=\${env.DB_PW.length()}"
  }
  echo "after=\${env.DB_PW}"
}`));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Retrieving secret: secret\/app$/m);
  assert.match(r.stdout, /^Retrieving secret: kv\/legacy$/m);
  assert.match(r.stdout, /^db=\*\*\*\* key=\*\*\*\* legacy=\*\*\*\*$/m);
  assert.match(r.stdout, /^same$/m);
  assert.match(r.stdout, /^length=15$/m);
  assert.match(r.stdout, /^after=null$/m);
  for (const s of ['Sup3r-Secret-DB', 'key-0f9e8d7c', 'legacy-pass-123', 'LINE-ONE-secret-aaaa', 'LINE-TWO-secret-bbbb', 'hvs.root-token-AAAA']) assert.ok(!r.stdout.includes(s), `${s} shown:\n${r.stdout}`);
  // What Vault received: the token header, KV v2's data/ path and KV v1's plain one.
  const gets = v.received.map((x) => `${x.method} ${x.path} ${String(x.headers['x-vault-token'])}`);
  assert.deepEqual(gets, ['GET /v1/secret/data/app hvs.root-token-AAAA', 'GET /v1/kv/legacy hvs.root-token-AAAA', 'GET /v1/secret/data/team/cert hvs.root-token-AAAA']);
});

test("withVault: an AppRole logs in first; the namespace goes in X-Vault-Namespace; the wrap([$class: 'VaultBuildWrapper']) form", async () => {
  const v = await vault(DATA);
  const r = await run(project(`
node {
  wrap([$class: 'VaultBuildWrapper', configuration: [$class: 'VaultConfiguration', vaultUrl: '${v.url}', vaultCredentialId: 'vault-approle', engineVersion: 2, vaultNamespace: 'team-a'],
        vaultSecrets: [[$class: 'VaultSecret', path: 'secret/app', secretValues: [[$class: 'VaultSecretValue', envVar: 'NS_TOKEN', vaultKey: 'token']]]]]) {
    sh 'echo "token=$NS_TOKEN"; echo "$NS_TOKEN" | wc -c'
  }
}`));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^token=\*\*\*\*$/m);
  assert.match(r.stdout, /^\s*21$/m);
  assert.ok(!r.stdout.includes('namespaced-token-val') && !r.stdout.includes('hvs.approle-token-CCCC') && !r.stdout.includes('secret-id-5678'), r.stdout);
  const [login, read] = v.received;
  assert.equal(login?.path, '/v1/auth/approle/login');
  assert.deepEqual(login?.json, { role_id: 'role-1234', secret_id: 'secret-id-5678-XYZ' });
  assert.equal(login?.headers['x-vault-namespace'], 'team-a');
  assert.equal(read?.path, '/v1/secret/data/app');
  assert.equal(read?.headers['x-vault-token'], 'hvs.approle-token-CCCC');
  assert.equal(read?.headers['x-vault-namespace'], 'team-a');
});

test("withVault's failures in the plugin's words: not found, access denied, an empty key, Vault sealed, a bad AppRole", async () => {
  const v = await vault(DATA);
  const cfg = (extra = '') => `configuration: [vaultUrl: '${v.url}', vaultCredentialId: 'vault-token', timeout: 1${extra}]`;
  const secret = (p: string, key = 'x', more = '') => `vaultSecrets: [[path: '${p}', secretValues: [[envVar: 'X', vaultKey: '${key}'${more}]]]]`;

  const missing = await run(project(`node { withVault(${cfg()}, ${secret('secret/nothing')}) { echo 'inside' } }`));
  assert.equal(missing.code, 1, missing.stdout);
  assert.match(missing.stdout, /Vault credentials not found for 'secret\/nothing'/);
  assert.doesNotMatch(missing.stdout, /^inside$/m);

  const soft = await run(project(`node { withVault(${cfg(', failIfNotFound: false')}, ${secret('secret/nothing')}) { echo "inside X=\${env.X}" } }`));
  assert.equal(soft.code, 0, soft.stdout);
  assert.match(soft.stdout, /^Vault credentials not found for 'secret\/nothing'$/m);
  assert.match(soft.stdout, /^inside X=null$/m);

  const denied = await run(project(`node { withVault(${cfg()}, ${secret('secret/forbidden')}) { echo 'inside' } }`));
  assert.equal(denied.code, 0, denied.stdout);
  assert.match(denied.stdout, /^Access denied to Vault Secrets at 'secret\/forbidden'$/m);

  const badToken = await run(project(`node { withVault(configuration: [vaultUrl: '${v.url}', vaultCredentialId: 'bad-token'], ${secret('secret/app', 'db_password')}) { echo 'inside' } }`));
  assert.match(badToken.stdout, /^Access denied to Vault Secrets at 'secret\/app'$/m);
  assert.ok(!badToken.stdout.includes('hvs.wrong-token-BBBB'));

  const empty = await run(project(`node { withVault(${cfg()}, ${secret('secret/app', 'empty')}) { echo 'inside' } }`));
  assert.equal(empty.code, 1, empty.stdout);
  assert.match(empty.stdout, /Vault Secret empty at secret\/app is either null or empty\. Please check the Secret in Vault\./);
  const optional = await run(project(`node { withVault(${cfg()}, ${secret('secret/app', 'nokey', ', isRequired: false')}) { echo "inside X=\${env.X}" } }`));
  assert.equal(optional.code, 0, optional.stdout);
  assert.match(optional.stdout, /^inside X=null$/m);

  const odd = await run(project(`node { withVault(${cfg()}, ${secret('secret/odd')}) { echo "inside X=\${env.X}" } }`));
  assert.equal(odd.code, 0, odd.stdout);
  assert.match(odd.stdout, /^Vault responded with 400 error code\.\nVault responded with errors: invalid request$/m);
  assert.match(odd.stdout, /^inside X=null$/m);
  const noData = await run(project(`node { withVault(${cfg()}, ${secret('secret/nodata', 'k')}) { echo 'inside' } }`));
  assert.equal(noData.code, 1, noData.stdout);
  assert.match(noData.stdout, /Vault Secret k at secret\/nodata is either null or empty\./);

  const sealed = await run(project(`node { withVault(${cfg()}, ${secret('secret/sealed')}) { echo 'inside' } }`));
  assert.equal(sealed.code, 1, sealed.stdout);
  assert.match(sealed.stdout, /Vault response returned 503 for secret path secret\/sealed/);
  assert.ok(v.received.filter((x) => x.path === '/v1/secret/data/sealed').length >= 1);

  const badRole = await run(project(`node { withVault(configuration: [vaultUrl: '${v.url}', vaultCredentialId: 'vault-approle', timeout: 0], ${secret('secret/app')}) { echo 'inside' } }`.replace('vault-approle', 'ssh-key')));
  assert.equal(badRole.code, 1, badRole.stdout);
  assert.match(badRole.stdout, /withVault: the credential 'ssh-key' is a sshKey: give a secret text \(a Vault token\) or a username\/password \(an AppRole/);

  const wrongRole = await run(project(`node { withVault(configuration: [vaultUrl: '${v.url}', vaultCredentialId: 'bad-approle'], ${secret('secret/app')}) { echo 'inside' } }`));
  assert.equal(wrongRole.code, 1, wrongRole.stdout);
  assert.match(wrongRole.stdout, /could not log in into vault: AppRole login answered HTTP 400: invalid role or secret ID/);
  assert.ok(!wrongRole.stdout.includes('wrong-secret-id-000'));

  const noUrl = await run(project(`node { withVault(configuration: [vaultCredentialId: 'vault-token'], ${secret('secret/app')}) { echo 'inside' } }`));
  assert.match(noUrl.stdout, /The vault url was not configured - please specify the vault url to use\./);
  const noCred = await run(project(`node { withVault(configuration: [vaultUrl: '${v.url}'], ${secret('secret/app')}) { echo 'inside' } }`));
  assert.match(noCred.stdout, /The credential id was not configured - please specify the credentials to use\./);
});

test('withVault refuses a path that leaves its place, a URL with a query, and the cloud metadata address', async () => {
  const v = await vault(DATA);
  const secret = (p: string) => `vaultSecrets: [[path: '${p}', secretValues: [[envVar: 'X', vaultKey: 'x']]]]`;
  const before = v.received.length;
  const dots = await run(project(`node { withVault(configuration: [vaultUrl: '${v.url}', vaultCredentialId: 'vault-token'], ${secret('secret/../sys/raw')}) { echo 'inside' } }`));
  assert.equal(dots.code, 1, dots.stdout);
  assert.match(dots.stdout, /withVault: the path 'secret\/\.\.\/sys\/raw' has a segment Vault paths cannot have \('\.\.'\)/);
  const query = await run(project(`node { withVault(configuration: [vaultUrl: '${v.url}/x?a=', vaultCredentialId: 'vault-token'], ${secret('secret/app')}) { echo 'inside' } }`));
  assert.match(query.stdout, /withVault: vaultUrl 'http:\/\/127\.0\.0\.1:\d+' must not have user info, a query or a fragment/);
  assert.equal(v.received.length, before);
  const meta = await run(project(`node { withVault(configuration: [vaultUrl: 'http://169.254.169.254', vaultCredentialId: 'vault-token'], ${secret('secret/app')}) { echo 'inside' } }`));
  assert.equal(meta.code, 1, meta.stdout);
  assert.match(meta.stdout, /withVault: 169\.254\.169\.254 is a link-local address \(a cloud metadata service\), not a Vault server/);
  assert.ok(!meta.stdout.includes('hvs.root-token-AAAA'));
});

test('kiln lint accepts withVault in its shapes; an unknown key in a map is warned at run time as Jenkins warns', async () => {
  const dir = project(`
pipeline {
  agent any
  stages {
    stage('s') {
      steps {
        withVault(configuration: [vaultUrl: 'https://vault:8200', vaultCredentialId: 'vault-token', engineVersion: 1, skipSslVerification: true, timeout: 60, vaultNamespace: 'ns'],
                  vaultSecrets: [[path: 'secret/app', engineVersion: 1, secretValues: [[envVar: 'A', vaultKey: 'a']]]]) { sh 'true' }
        wrap([$class: 'VaultBuildWrapper', vaultSecrets: [[$class: 'VaultSecret', path: 'secret/x', secretValues: [[$class: 'VaultSecretValue', envVar: 'B', vaultKey: 'b']]]]]) { sh 'true' }
      }
    }
  }
}`);
  const ok = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const v = await vault(DATA);
  const warned = await run(project(`node { withVault(configuration: [vaultUrl: '${v.url}', vaultCredentialId: 'vault-token', bogus: 1], vaultSecrets: []) { echo 'inside' } }`));
  assert.equal(warned.code, 0, warned.stdout);
  assert.match(warned.stdout, /^WARNING: Unknown parameter\(s\) found for class type 'com\.datapipe\.jenkins\.vault\.configuration\.VaultConfiguration': bogus$/m);
  assert.match(warned.stdout, /^inside$/m);
});
