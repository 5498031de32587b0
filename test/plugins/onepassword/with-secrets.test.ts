// withSecrets through `kiln run` (the real CLI) against a 1Password Connect stand-in in this
// process that speaks Connect's documented REST API: Bearer token, vaults and items filtered by
// name/title (SCIM `eq`), the full item with sections and fields, {status, message} errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startService, type TestService } from '../http-services/service-helper.ts';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.connect-token-XYZ';
const VAULT = { id: 'v5pz6venw4roosmkzdq2nhpv6u', name: 'ci' };
const ITEM = {
  id: 'hhn4xgmzzqaixsewcqtfgmvq3a', title: 'database', vault: { id: VAULT.id }, category: 'LOGIN',
  sections: [{ id: 'sec1', label: 'prod' }],
  fields: [
    { id: 'username', type: 'STRING', purpose: 'USERNAME', label: 'username', value: 'dbadmin' },
    { id: 'password', type: 'CONCEALED', purpose: 'PASSWORD', label: 'password', value: 'Db-P4ss-w0rd!' },
    { id: 'f2', type: 'CONCEALED', label: 'password', section: { id: 'sec1' }, value: 'Prod-P4ss-2468' },
    { id: 'f3', type: 'CONCEALED', label: 'cert', value: 'CERT-LINE-aaaa\nCERT-LINE-bbbb' },
    { id: 'f4', type: 'STRING', label: 'blank', value: '' },
  ],
};

const services: TestService[] = [];
after(async () => { await Promise.all(services.map((s) => s.close())); });
async function connect(): Promise<TestService> {
  const s = await startService((r) => {
    if (r.headers.authorization !== `Bearer ${TOKEN}`) return { status: 401, json: { status: 401, message: 'Invalid bearer token' } };
    const u = new URL(r.path, 'http://c');
    const filter = u.searchParams.get('filter');
    const eq = filter ? /^(name|title) eq "(.*)"$/.exec(filter) : null;
    if (u.pathname === '/v1/vaults') return { json: [VAULT].filter((v) => !eq || v.name === eq[2]) };
    if (u.pathname === `/v1/vaults/${VAULT.id}/items`) return { json: [{ id: ITEM.id, title: ITEM.title, vault: ITEM.vault }].filter((i) => !eq || i.title === eq[2]) };
    if (u.pathname === `/v1/vaults/${VAULT.id}/items/${ITEM.id}`) return { json: ITEM };
    return { status: 404, json: { status: 404, message: 'Invalid Vault UUID' } };
  });
  services.push(s);
  return s;
}

const CREDS = { 'op-connect': { type: 'secretText', secret: TOKEN }, 'op-sa': { type: 'secretText', secret: 'ops_service-account' }, 'op-bad': { type: 'secretText', secret: 'wrong' } };
function project(jenkinsfile: string): string {
  const dir = tempDir('onepassword');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  return dir;
}
const run = (dir: string) => runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: dir });

test('withSecrets reads op:// references (a section, by label) from Connect, masked also in set -x; env references too', async () => {
  const c = await connect();
  const r = await run(project(`
pipeline {
  agent any
  environment { DB_USER = 'op://ci/database/username' }
  stages {
    stage('s') {
      steps {
        withSecrets(config: [connectHost: '${c.url}', connectCredentialId: 'op-connect'],
                    secrets: [[envVar: 'DB_PW', secretRef: 'op://ci/database/password'], [envVar: 'PROD_PW', secretRef: 'op://ci/database/prod/password'],
                              [envVar: 'CERT', secretRef: 'op://${VAULT.id}/database/cert']]) {
          sh 'set -x; echo "pw=$DB_PW prod=$PROD_PW user=$DB_USER"; printf "%s\\n" "$CERT"; test "$PROD_PW" = Prod-P4ss-2468 && echo same'
        }
      }
    }
  }
}`));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Retrieving secret DB_PW$/m);
  assert.match(r.stdout, /^Retrieving secret DB_USER$/m);
  assert.match(r.stdout, /^pw=\*\*\*\* prod=\*\*\*\* user=\*\*\*\*$/m);
  assert.match(r.stdout, /^same$/m);
  for (const s of ['Db-P4ss-w0rd!', 'Prod-P4ss-2468', 'CERT-LINE-aaaa', 'CERT-LINE-bbbb', 'dbadmin', TOKEN]) assert.ok(!r.stdout.includes(s), `${s} shown:\n${r.stdout}`);
  const first = c.received[0]!;
  assert.equal(first.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(new URL(first.path, 'http://c').searchParams.get('filter'), 'name eq "ci"');
  assert.ok(c.received.some((x) => x.path === `/v1/vaults/${VAULT.id}/items/${ITEM.id}`));
});

test("withSecrets' failures: no configuration, a service account alone (needs the op CLI), a bad token, a missing item or field, an empty value", async () => {
  const c = await connect();
  const step = (config: string, ref = 'op://ci/database/password') => `node { withSecrets(${config}secrets: [[envVar: 'X', secretRef: '${ref}']]) { echo 'inside' } }`;
  const none = await run(project(step('')));
  assert.equal(none.code, 1);
  assert.match(none.stdout, /No credential has been configured - please provide either the credential and host of the Connect instance or the credential of the Service Account Token\./);
  const noHost = await run(project(step("config: [connectCredentialId: 'op-connect'], ")));
  assert.match(noHost.stdout, /The Connect host is not configured - please provide the host to the Connect instance\./);
  const sa = await run(project(step("config: [serviceAccountCredentialId: 'op-sa'], ")));
  assert.equal(sa.code, 1);
  assert.match(sa.stdout, /withSecrets: a 1Password service account is read with the op CLI .* which Kiln does not run; configure a 1Password Connect server instead/);
  assert.ok(!sa.stdout.includes('ops_service-account'));
  // The Kiln server's own network (here 127.0.0.1) when an administrator does not allow it: refused before any request.
  const before = c.received.length;
  const guarded = await runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: project(step(`config: [connectHost: '${c.url}', connectCredentialId: 'op-connect'], `)), env: { KILN_HTTP_REQUEST_PRIVATE: 'false' } });
  assert.equal(guarded.code, 1, guarded.stdout);
  assert.match(guarded.stdout, /withSecrets: 127\.0\.0\.1 is 127\.0\.0\.1, an address of the Kiln server's own network: a Connect host a build chooses may reach it only when an administrator allows the host/);
  assert.equal(c.received.length, before, 'nothing reached the server');
  const bad = await run(project(step(`config: [connectHost: '${c.url}', connectCredentialId: 'op-bad'], `)));
  assert.match(bad.stdout, /Error retrieving secret op:\/\/ci\/database\/password:\nthe Connect server refused the token \(HTTP 401: Invalid bearer token\)/);
  const cfg = `config: [connectHost: '${c.url}', connectCredentialId: 'op-connect'], `;
  const noItem = await run(project(step(cfg, 'op://ci/nothing/password')));
  assert.match(noItem.stdout, /Error retrieving secret op:\/\/ci\/nothing\/password:\n"nothing" isn't an item in this vault/);
  const noField = await run(project(step(cfg, 'op://ci/database/nope')));
  assert.match(noField.stdout, /"nope" isn't a field in the "database" item/);
  const empty = await run(project(step(cfg, 'op://ci/database/blank')));
  assert.match(empty.stdout, /Secret with reference op:\/\/ci\/database\/blank is empty\./);
  const query = await run(project(step(cfg, 'op://ci/database/password?attribute=otp')));
  assert.match(query.stdout, /query parameters \(\?attribute=, \?ssh-format=\) are not supported/);
  for (const r of [bad, noItem, noField, empty, query]) {
    assert.equal(r.code, 1, r.stdout);
    assert.doesNotMatch(r.stdout, /^inside$/m);
  }
  const meta = await run(project(step("config: [connectHost: 'http://169.254.169.254', connectCredentialId: 'op-connect'], ")));
  assert.match(meta.stdout, /withSecrets: 169\.254\.169\.254 is a link-local address/);
  assert.ok(!meta.stdout.includes(TOKEN));
});
