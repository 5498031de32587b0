// The Azure Credentials plugin's kind in a real controller (in this process, one built-in
// executor): an azureServicePrincipal credential created through the API (its ids and secret
// checked and named by field, never shown back nor stored in plain text), bound by
// withCredentials([azureServicePrincipal(...)]) to the plugin's default variables or named
// ones in a real shell, every value masked on the console; a credential of another kind, and
// environment { X = credentials('sp') }, refused as Jenkins refuses them. `kiln run` reads the
// same kind from its --credentials file.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig, adminFetch } from '../helpers/controller.ts';
import { runKiln } from '../helpers/kiln.ts';

const SP = {
  subscriptionId: '3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b', clientId: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a',
  clientSecret: 'kiln~Az.Secr3t_value-xyz', tenantId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
};

let c: ControllerHandle;
let home: string;
before(async () => {
  home = path.join(tempDir('azure-cred'), 'home');
  c = await startController(testConfig({ home, port: '0', executors: '1' }));
});
after(async () => { await c?.close(); });

async function call(method: string, p: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await adminFetch(new URL(p.replace(/^\//, ''), c.url), {
    method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

async function run(job: string, script: string): Promise<{ result: string; console: string }> {
  const have = await call('GET', `/api/v1/jobs/${job}`);
  if (have.status === 404) assert.equal((await call('POST', '/api/v1/jobs', { name: job, script })).status, 201);
  else await call('PUT', `/api/v1/jobs/${job}`, { script });
  const t = await call('POST', `/api/v1/jobs/${job}/builds`, {});
  assert.equal(t.status, 201, t.text);
  await (await adminFetch(new URL(`api/v1/jobs/${job}/builds/${t.json.number}/console/stream`, c.url))).text();
  const b = (await call('GET', `/api/v1/jobs/${job}/builds/${t.json.number}`)).json;
  return { result: b.result, console: (await call('GET', `/api/v1/jobs/${job}/builds/${t.json.number}/console`)).text };
}

test('azureServicePrincipal: created by the API, checked by field, never shown back or stored in plain text', async () => {
  const made = await call('POST', '/api/v1/credentials', { id: 'sp', type: 'azureServicePrincipal', description: 'deployer', ...SP });
  assert.equal(made.status, 201, made.text);
  assert.deepEqual([made.json.id, made.json.type, made.json.username, made.json.fileName], ['sp', 'azureServicePrincipal', null, null]);
  const listed = await call('GET', '/api/v1/credentials');
  for (const v of Object.values(SP)) {
    assert.ok(!made.text.includes(v) && !listed.text.includes(v), `${v} shown by the API`);
  }
  const db = fs.readdirSync(home).filter((f) => f.startsWith('kiln.db')).map((f) => fs.readFileSync(path.join(home, f)));
  assert.ok(db.length > 0);
  for (const bytes of db) for (const v of Object.values(SP)) assert.ok(!bytes.includes(Buffer.from(v)), `${v} stored in plain text`);
  const bad = async (body: Record<string, unknown>, field: string, message: RegExp) => {
    const r = await call('POST', '/api/v1/credentials', { id: 'bad-sp', type: 'azureServicePrincipal', ...SP, ...body });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.json.error.field, field, r.text);
    assert.match(r.json.error.message, message);
  };
  await bad({ subscriptionId: 'not-a-guid' }, 'subscriptionId', /'not-a-guid' is not a GUID/);
  await bad({ clientId: undefined }, 'clientId', /required for a azureServicePrincipal credential \(it takes: subscriptionId, clientId, clientSecret, tenantId, azureEnvironmentName \(optional\)\)/);
  await bad({ tenantId: 'evil tenant; rm -rf /' }, 'tenantId', /neither a tenant id \(a GUID\) nor a tenant domain/);
  await bad({ clientSecret: 'line\nbreak' }, 'clientSecret', /control characters/);
  await bad({ azureEnvironmentName: 'Mars' }, 'azureEnvironmentName', /none of Azure, AzureChinaCloud, AzureUSGovernment, AzureGermanCloud/);
  await bad({ password: 'x' }, 'password', /unknown field for a azureServicePrincipal credential/);
  assert.equal((await call('POST', '/api/v1/credentials', { id: 'sp-domain', type: 'azureServicePrincipal', ...SP, tenantId: 'contoso.onmicrosoft.com', azureEnvironmentName: 'AzureUSGovernment' })).status, 201);
  // An update keeps the fields it is not given.
  const upd = await call('PUT', '/api/v1/credentials/sp-domain', { clientSecret: 'rotated-secret-value' });
  assert.equal(upd.status, 200, upd.text);
});

test("withCredentials([azureServicePrincipal('sp')]): the plugin's four variables in the shell, every value masked", async () => {
  const ok = await call('POST', '/api/v1/credentials', { id: 'sp2', type: 'azureServicePrincipal', ...SP });
  assert.equal(ok.status, 201, ok.text);
  const b = await run('az-default', `node {
  withCredentials([azureServicePrincipal('sp2')]) {
    sh '''
      [ "$AZURE_SUBSCRIPTION_ID" = "${SP.subscriptionId}" ] && [ "$AZURE_CLIENT_ID" = "${SP.clientId}" ] && [ "$AZURE_CLIENT_SECRET" = "${SP.clientSecret}" ] && [ "$AZURE_TENANT_ID" = "${SP.tenantId}" ] && echo all-four-bound
      echo "secret is $AZURE_CLIENT_SECRET, tenant is $AZURE_TENANT_ID"
    '''
  }
  sh 'echo "after: [\${AZURE_CLIENT_SECRET:-unset}]"'
}`);
  assert.equal(b.result, 'SUCCESS', b.console);
  assert.match(b.console, /Masking supported pattern matches of \$AZURE_SUBSCRIPTION_ID or \$AZURE_CLIENT_ID or \$AZURE_CLIENT_SECRET or \$AZURE_TENANT_ID\n/);
  assert.match(b.console, /^all-four-bound$/m);
  assert.match(b.console, /^secret is \*\*\*\*, tenant is \*\*\*\*$/m);
  assert.match(b.console, /^after: \[unset\]$/m);
  for (const v of Object.values(SP)) assert.ok(!b.console.includes(v), `${v} in the console`);

  const named = await run('az-named', `node {
  withCredentials([azureServicePrincipal(credentialsId: 'sp2', subscriptionIdVariable: 'SUBS', clientIdVariable: 'CID', clientSecretVariable: 'CSECRET', tenantIdVariable: 'TID')]) {
    sh '[ "$CSECRET" = "${SP.clientSecret}" ] && [ "$TID" = "${SP.tenantId}" ] && [ -z "$AZURE_CLIENT_SECRET" ] && echo named-ok; echo "$CSECRET"'
  }
}`);
  assert.equal(named.result, 'SUCCESS', named.console);
  assert.match(named.console, /Masking supported pattern matches of \$SUBS or \$CID or \$CSECRET or \$TID\n/);
  assert.match(named.console, /^named-ok$/m);
  assert.ok(!named.console.includes(SP.clientSecret));
});

test('a credential of another kind, and environment { X = credentials(...) }, are refused as Jenkins refuses them', async () => {
  assert.equal((await call('POST', '/api/v1/credentials', { id: 'tok', type: 'secretText', secret: 'plain-token-value' })).status, 201);
  const wrong = await run('az-wrong', "node { withCredentials([azureServicePrincipal('tok')]) { echo 'never' } }");
  assert.equal(wrong.result, 'FAILURE');
  assert.match(wrong.console, /withCredentials: azureServicePrincipal\(credentialsId: 'tok'\) needs a azureServicePrincipal credential, but 'tok' is a secretText/);
  assert.doesNotMatch(wrong.console, /^never$/m);
  if ((await call('GET', '/api/v1/credentials/sp')).status === 404) await call('POST', '/api/v1/credentials', { id: 'sp', type: 'azureServicePrincipal', ...SP });
  const env = await run('az-env', "pipeline { agent any\n environment { AZ = credentials('sp') }\n stages { stage('s') { steps { echo 'never' } } } }");
  assert.equal(env.result, 'FAILURE');
  assert.match(env.console, /No suitable binding handler could be found for type com\.microsoft\.azure\.util\.AzureCredentials\./);
});

test('kiln run: an azureServicePrincipal credential from the --credentials file, bound and masked', async () => {
  const dir = tempDir('azure-run');
  fs.writeFileSync(path.join(dir, 'creds.yaml'), `sp:\n  type: azureServicePrincipal\n  subscriptionId: "${SP.subscriptionId}"\n  clientId: "${SP.clientId}"\n  clientSecret: "${SP.clientSecret}"\n  tenantId: "${SP.tenantId}"\n`);
  fs.writeFileSync(path.join(dir, 'Jenkinsfile'), `node { withCredentials([azureServicePrincipal('sp')]) { sh '[ "$AZURE_CLIENT_SECRET" = "${SP.clientSecret}" ] && echo bound; echo "$AZURE_CLIENT_SECRET"' } }`);
  const r = await runKiln(['run', '--credentials', 'creds.yaml'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^bound$/m);
  assert.ok(!r.stdout.includes(SP.clientSecret));
  fs.writeFileSync(path.join(dir, 'bad.yaml'), 'sp:\n  type: azureServicePrincipal\n  clientId: x\n');
  const bad = await runKiln(['run', '--credentials', 'bad.yaml'], { cwd: dir });
  assert.notEqual(bad.code, 0);
  assert.match(bad.stdout + bad.stderr, /credential 'sp' \(azureServicePrincipal\) needs 'subscriptionId' as a string/);
});
