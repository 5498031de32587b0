// The credentials store in a real controller (in this process, one built-in executor): the key
// file, the API (create each type, secrets never shown again, bad input named by field, 409,
// 404), scoping by folder, and builds that bind every type through environment {} and
// withCredentials: the console, the API and everything stored show **** and never a secret,
// and the secret files are gone when the build ends.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { loadCredentialsKey } from '../../src/controller/credentials.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig, adminFetch } from '../helpers/controller.ts';
import { freshSchema, dropSchemas } from '../helpers/pg-schemas.ts';

async function call(c: ControllerHandle, method: string, p: string, body?: unknown): Promise<{ status: number; json: any; text: string }> {
  const res = await adminFetch(new URL(p.replace(/^\//, ''), c.url), {
    method, headers: body !== undefined ? { 'content-type': 'application/json' } : {}, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}

async function start(home: string, o: { lines?: string[]; databaseUrl?: string } = {}): Promise<ControllerHandle> {
  const flags = { home, port: '0', executors: '1', ...(o.databaseUrl ? { 'database-url': o.databaseUrl } : {}) };
  return startController(testConfig(flags), { log: (l) => o.lines?.push(l) });
}

/** Runs a build of the job to its end (following the console stream); returns the build and its console. */
async function build(c: ControllerHandle, job: string, params: Record<string, string> = {}): Promise<{ b: any; console: string }> {
  const j = encodeURIComponent(job);
  const t = await call(c, 'POST', `/api/v1/jobs/${j}/builds`, { params });
  assert.equal(t.status, 201, t.text);
  await (await adminFetch(new URL(`api/v1/jobs/${j}/builds/${t.json.number}/console/stream`, c.url))).text();
  const b = (await call(c, 'GET', `/api/v1/jobs/${j}/builds/${t.json.number}`)).json;
  return { b, console: (await call(c, 'GET', `/api/v1/jobs/${j}/builds/${t.json.number}/console`)).text };
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

// ---------------------------------------------------------------------------------------------
// the key file

describe('the credentials key file', () => {
  test('made on first start: 32 bytes, mode 0600; the same key after a restart', async () => {
    const home = tempDir('cred-key');
    const lines: string[] = [];
    let c = await start(home, { lines });
    const file = path.join(home, 'secrets', 'credentials.key');
    const st = fs.statSync(file);
    assert.equal(st.size, 32);
    assert.equal(st.mode & 0o777, 0o600);
    assert.ok(lines.some((l) => l.startsWith(`Created the credentials key ${file}`)), lines.join('\n'));
    const key = fs.readFileSync(file);
    assert.equal((await call(c, 'POST', '/api/v1/credentials', { id: 'tok', type: 'secretText', secret: 'persisted-secret' })).status, 201);
    await call(c, 'POST', '/api/v1/jobs', { name: 'j', script: `pipeline { agent any; stages { stage('s') { steps { withCredentials([string(credentialsId: 'tok', variable: 'T')]) { sh 'test "$T" = persisted-secret && echo same' } } } } }` });
    await c.close();
    lines.length = 0;
    c = await start(home, { lines });
    try {
      assert.deepEqual(fs.readFileSync(file), key);
      // Neither made again nor complained about (the executors warning may name the key: it is not about it).
      assert.ok(!lines.some((l) => /Created the credentials key|the credentials key \S+ is readable/.test(l)), lines.join('\n'));
      const r = await build(c, 'j');
      assert.equal(r.b.result, 'SUCCESS', r.console);
      assert.match(r.console, /^same$/m);
    } finally {
      await c.close();
    }
  });

  test('a short, unreadable or over-shared key file: a clear error, or a warning', async () => {
    const home = tempDir('cred-key');
    fs.mkdirSync(path.join(home, 'secrets'), { mode: 0o700 });
    const file = path.join(home, 'secrets', 'credentials.key');
    fs.writeFileSync(file, 'short', { mode: 0o600 });
    await assert.rejects(start(home), (e: Error) => {
      assert.match(e.message, /^the credentials key .*secrets\/credentials\.key is 5 bytes; it must be 32 bytes \(or 64 hex digits\)\. Restore the original file/);
      return true;
    });
    fs.writeFileSync(file, '');
    await assert.rejects(start(home), /credentials\.key is 0 bytes; it must be 32 bytes/);
    // Unreadable (a directory in its place: unreadable even for root).
    fs.rmSync(file);
    fs.mkdirSync(file);
    await assert.rejects(start(home), /^CredentialsKeyError: cannot read the credentials key .*credentials\.key \(EISDIR\): the controller needs it to decrypt stored credentials/);
    fs.rmdirSync(file);
    // 64 hex digits are a key too; a key others may read is used, with a warning.
    const hex = randomBytes(32).toString('hex');
    fs.writeFileSync(file, `${hex}\n`, { mode: 0o644 });
    fs.chmodSync(file, 0o644);
    const k = await loadCredentialsKey(home);
    assert.deepEqual(k.key, Buffer.from(hex, 'hex'));
    assert.equal(k.created, false);
    assert.match(k.warning ?? '', /readable by other users \(mode 644\): run chmod 600/);
  });

  test('home moved without secrets/: the start warns, and a build using the credential fails naming it', async () => {
    const home = tempDir('cred-key');
    let c = await start(home);
    await call(c, 'POST', '/api/v1/credentials', { id: 'deploy', type: 'usernamePassword', username: 'bot', password: 'old-key-password' });
    await call(c, 'POST', '/api/v1/jobs', { name: 'j', script: `pipeline { agent any; environment { D = credentials('deploy') } stages { stage('s') { steps { sh 'echo "$D_USR"' } } } }` });
    await c.close();
    fs.rmSync(path.join(home, 'secrets', 'credentials.key'));
    const lines: string[] = [];
    c = await start(home, { lines });
    try {
      assert.ok(lines.some((l) => /^WARNING: 1 stored credential\(s\) were encrypted with another key .* deploy \([0-9a-f]{16}\)/.test(l)), lines.join('\n'));
      const r = await build(c, 'j');
      assert.equal(r.b.result, 'FAILURE');
      assert.match(r.console, /credentials\('deploy'\): credential 'deploy' cannot be decrypted: it was encrypted with another key \(fingerprint [0-9a-f]{16}\) than this controller's secrets\/credentials\.key/);
      assert.ok(!r.console.includes('old-key-password'));
      // Storing the secret again repairs it.
      assert.equal((await call(c, 'PUT', '/api/v1/credentials/deploy', { username: 'bot', password: 'new-key-password' })).status, 200);
      assert.equal((await build(c, 'j')).b.result, 'SUCCESS');
    } finally {
      await c.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// the API and builds, on both stores

const passphrase = 'ssh-passphrase-77aa';
const sshKey = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }, publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const plainKey = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const kubeconfig = 'apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user: { token: kube-token-5be1d0 }\n';
const keystore = Buffer.concat([Buffer.from([0x30, 0x82, 0x04, 0x00]), randomBytes(200)]);
const opensshBody = (cipher: string) => {
  const name = Buffer.from(cipher);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(name.length);
  return Buffer.concat([Buffer.from('openssh-key-v1\0', 'latin1'), len, name, randomBytes(90)]).toString('base64').replace(/.{70}/g, '$&\n');
};
const openssh = (cipher: string) => `-----BEGIN OPENSSH PRIVATE KEY-----\r\n${opensshBody(cipher)}\r\n-----END OPENSSH PRIVATE KEY-----`;

const CREDS = [
  { id: 'tok', type: 'secretText', secret: 'tok-s3cr3t-1a2b3c', description: 'API token' },
  { id: 'deploy', type: 'usernamePassword', username: 'deploy-bot', password: 'dep-pa55w0rd-4d5e' },
  { id: 'kube', type: 'secretFile', fileName: 'kubeconfig', content: kubeconfig },
  { id: 'ssh', type: 'sshKey', username: 'git', privateKey: sshKey, passphrase },
  { id: 'tls', type: 'certificate', contentBase64: keystore.toString('base64'), password: 'ks-pw-9f8e7d' },
];
/** What must never be shown: every secret, and recognizable slices of the file, key and keystore. */
const SECRETS = [
  'tok-s3cr3t-1a2b3c', 'dep-pa55w0rd-4d5e', 'kube-token-5be1d0', passphrase, 'ks-pw-9f8e7d',
  sshKey.split('\n')[1]!, keystore.toString('base64').slice(8, 40), Buffer.from(kubeconfig).toString('base64').slice(0, 32),
];
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function noSecrets(text: string, where: string): void {
  for (const s of SECRETS) assert.ok(!text.includes(s), `${where} contains the secret ${s}`);
}

const E2E = `pipeline {
  agent any
  environment {
    TOKEN = credentials('tok')
    DEPLOY = credentials('deploy')
    KUBE = credentials('kube')
  }
  stages {
    stage('env') {
      steps {
        sh 'echo "token=$TOKEN user=$DEPLOY_USR pass=$DEPLOY_PSW both=$DEPLOY"'
        sh 'echo "$KUBE" > env-kube-path.txt; sha256sum "$KUBE" | cut -c1-64 > env-kube-sum.txt; stat -c %a "$KUBE" > env-kube-mode.txt'
        echo "interpolated \${env.TOKEN}"
        script {
          def out = sh(script: 'printf %s "$TOKEN"', returnStdout: true)
          echo "returned \${out} of length \${out.length()}"
        }
      }
    }
    stage('with') {
      steps {
        withCredentials([string(credentialsId: 'tok', variable: 'T2'),
                         usernamePassword(credentialsId: 'deploy', usernameVariable: 'U', passwordVariable: 'P'),
                         file(credentialsId: 'kube', variable: 'F'),
                         sshUserPrivateKey(credentialsId: 'ssh', keyFileVariable: 'K', usernameVariable: 'SU', passphraseVariable: 'SP'),
                         certificate(credentialsId: 'tls', keystoreVariable: 'KS', passwordVariable: 'KP')]) {
          sh 'echo "t2=$T2 u=$U p=$P su=$SU sp=$SP kp=$KP"; echo "$F" > with-kube-path.txt; echo "$K" > with-key-path.txt; echo "$KS" > with-ks-path.txt'
          sh 'sha256sum "$F" "$K" "$KS" | cut -c1-64 > with-sums.txt'
        }
      }
    }
  }
}`;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`credentials API and builds on the ${kind} store`, () => {
    const { schema, databaseUrl } = freshSchema('kiln_cred');
    let c: ControllerHandle;
    let home: string;
    const api = (method: string, p: string, body?: unknown) => call(c, method, p, body);
    before(async () => {
      home = tempDir('cred-api');
      c = await start(home, kind === 'postgres' ? { databaseUrl: databaseUrl } : {});
    });
    after(async () => {
      await c?.close();
      if (kind === 'postgres') await dropSchemas([schema]);
    });

    test('create each type (201); no response ever carries a secret', async () => {
      for (const body of CREDS) {
        const r = await api('POST', '/api/v1/credentials', body);
        assert.equal(r.status, 201, r.text);
        noSecrets(r.text, `POST ${body.id}`);
        assert.deepEqual(Object.keys(r.json).sort(), ['createdAt', 'description', 'fileName', 'folder', 'id', 'scope', 'type', 'updatedAt', 'usedBy', 'username']);
      }
      const one = (await api('GET', '/api/v1/credentials/deploy')).json;
      assert.deepEqual({ ...one, createdAt: 0, updatedAt: 0 }, {
        id: 'deploy', type: 'usernamePassword', description: '', scope: 'global', folder: null, username: 'deploy-bot', fileName: null, createdAt: 0, updatedAt: 0, usedBy: [],
      });
      assert.equal((await api('GET', '/api/v1/credentials/kube')).json.fileName, 'kubeconfig');
      assert.equal((await api('GET', '/api/v1/credentials/ssh')).json.username, 'git');
      const list = await api('GET', '/api/v1/credentials');
      assert.deepEqual(list.json.credentials.map((x: any) => [x.id, x.type]),
        [['deploy', 'usernamePassword'], ['kube', 'secretFile'], ['ssh', 'sshKey'], ['tls', 'certificate'], ['tok', 'secretText']]);
      noSecrets(list.text, 'GET /api/v1/credentials');
      for (const x of CREDS) noSecrets((await api('GET', `/api/v1/credentials/${x.id}`)).text, `GET ${x.id}`);
      // An OpenSSH-format key (CRLF, no final newline: normalized) and an unencrypted PEM are accepted too.
      assert.equal((await api('POST', '/api/v1/credentials', { id: 'ossh', type: 'sshKey', username: 'git', privateKey: openssh('none') })).status, 201);
      assert.equal((await api('POST', '/api/v1/credentials', { id: 'pem', type: 'sshKey', username: 'git', privateKey: plainKey })).status, 201);
      const cert = await api('POST', '/api/v1/credentials', { id: 'jks', type: 'certificate', contentBase64: Buffer.concat([Buffer.from('feedfeed', 'hex'), randomBytes(20)]).toString('base64') });
      assert.equal(cert.status, 201, cert.text);
    });

    test('bad input: 400 naming the field; 409 duplicate; 404 unknown', async () => {
      const cases: [unknown, RegExp][] = [
        [{ type: 'secretText', secret: 'x' }, /^id: a credential id is required/],
        [{ id: 'a b', type: 'secretText', secret: 'x' }, /^id: invalid credential id 'a b'/],
        [{ id: 'x'.repeat(101), type: 'secretText', secret: 'x' }, /^id: invalid credential id/],
        [{ id: 'x', type: 'password', secret: 'x' }, /^type: must be one of secretText, usernamePassword, secretFile, sshKey, certificate/],
        [{ id: 'x', type: 'secretText' }, /^secret: required for a secretText credential \(it takes: secret\)/],
        [{ id: 'x', type: 'secretText', secret: '' }, /^secret: must not be empty/],
        [{ id: 'x', type: 'secretText', secret: 'a\0b' }, /^secret: must not contain a NUL character/],
        [{ id: 'x', type: 'secretText', secret: 'x'.repeat(65 * 1024) }, /^secret: longer than 65536 bytes/],
        [{ id: 'x', type: 'secretText', secret: 42 }, /^secret: must be a string/],
        [{ id: 'x', type: 'usernamePassword', username: 'u', pasword: 'p' }, /^pasword: unknown field for a usernamePassword credential \(it takes: username, password;/],
        [{ id: 'x', type: 'usernamePassword', password: 'p' }, /^username: required for a usernamePassword credential/],
        [{ id: 'x', type: 'usernamePassword', username: 'a\nb', password: 'p' }, /^username: must not contain control characters/],
        [{ id: 'x', type: 'secretFile', fileName: '../etc/passwd', content: 'x' }, /^fileName: '..\/etc\/passwd' must be a plain file name/],
        [{ id: 'x', type: 'secretFile', fileName: '..', content: 'x' }, /^fileName:/],
        [{ id: 'x', type: 'secretFile', fileName: 'f' }, /^content: required for a secretFile credential \(it takes: fileName, content or contentBase64\)/],
        [{ id: 'x', type: 'secretFile', fileName: 'f', content: '' }, /^content: the file is empty/],
        [{ id: 'x', type: 'secretFile', fileName: 'f', content: 'x'.repeat(1024 * 1024 + 1) }, /^content: the file is 1048577 bytes; at most 1048576 \(1 MiB\)/],
        [{ id: 'x', type: 'secretFile', fileName: 'f', contentBase64: 'not base64!' }, /^contentBase64: not valid base64/],
        [{ id: 'x', type: 'secretFile', fileName: 'f', content: 'a', contentBase64: 'YQ==' }, /^content: give either content \(text\) or contentBase64/],
        [{ id: 'x', type: 'sshKey', username: 'git', privateKey: 'hello' }, /^privateKey: must be a PEM or OpenSSH private key/],
        [{ id: 'x', type: 'sshKey', username: 'git', privateKey: 'ssh-ed25519 AAAAC3Nza... me@host' }, /^privateKey: this is a public key; give the private key/],
        [{ id: 'x', type: 'sshKey', username: 'git', privateKey: 'PuTTY-User-Key-File-3: ssh-ed25519\n' }, /^privateKey: this is a PuTTY \.ppk key/],
        [{ id: 'x', type: 'sshKey', username: 'git', privateKey: sshKey }, /^privateKey: the key is encrypted: give its passphrase/],
        [{ id: 'x', type: 'sshKey', username: 'git', privateKey: sshKey, passphrase: 'wrong' }, /^passphrase: does not decrypt privateKey/],
        [{ id: 'x', type: 'sshKey', username: 'git', privateKey: openssh('aes256-ctr') }, /^privateKey: the key is encrypted \(aes256-ctr\): give its passphrase/],
        [{ id: 'x', type: 'sshKey', username: 'git', privateKey: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----' }, /^privateKey: not a valid private key/],
        [{ id: 'x', type: 'sshKey', privateKey: plainKey }, /^username: required for a sshKey credential/],
        [{ id: 'x', type: 'certificate', contentBase64: Buffer.from('hello world').toString('base64') }, /^contentBase64: not a PKCS#12 \(\.p12\/\.pfx\) or Java keystore/],
        [{ id: 'x', type: 'certificate', password: 'p' }, /^content: required for a certificate credential \(it takes: content or contentBase64, password \(optional\)\)/],
        [{ id: 'x', type: 'secretText', secret: 's', folder: 'a//b' }, /^folder: invalid folder name 'a\/\/b'/],
        [{ id: 'x', type: 'secretText', secret: 's', folder: 7 }, /^folder:/],
        [{ id: 'x', type: 'secretText', secret: 's', description: 5 }, /^description: must be a string/],
        [[1, 2], /body must be object/],
      ];
      for (const [body, want] of cases) {
        const r = await api('POST', '/api/v1/credentials', body);
        assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 200)} → ${r.status} ${r.text}`);
        assert.equal(r.json.error.code, 'invalid');
        assert.match(r.json.error.message, want, JSON.stringify(body).slice(0, 200));
      }
      assert.equal((await api('GET', '/api/v1/credentials/x')).status, 404, 'nothing refused was created');
      const dup = await api('POST', '/api/v1/credentials', { id: 'tok', type: 'secretText', secret: 'other' });
      assert.equal(dup.status, 409);
      assert.deepEqual(dup.json, { error: { code: 'conflict', message: "a credential with id 'tok' already exists" } });
      const nf = await api('GET', '/api/v1/credentials/nope');
      assert.deepEqual([nf.status, nf.json.error.message], [404, "no credential 'nope'"]);
      assert.equal((await api('PUT', '/api/v1/credentials/nope', { description: 'x' })).status, 404);
      assert.equal((await api('DELETE', '/api/v1/credentials/nope')).status, 404);
      const tc = await api('PUT', '/api/v1/credentials/tok', { type: 'usernamePassword' });
      assert.deepEqual([tc.status, tc.json.error.message], [400, 'type: cannot change (it is secretText); create a new credential and delete this one']);
      assert.match((await api('PUT', '/api/v1/credentials/tok', { password: 'x' })).json.error.message, /^password: unknown field for a secretText credential/);
      assert.match((await api('PUT', '/api/v1/credentials/kube', { fileName: 'a/b' })).json.error.message, /^fileName:/);
      assert.equal((await api('POST', '/api/v1/credentials', '{"id": "x", ')).status, 400);
    });

    test('PUT replaces description, scope and secrets (never returning them); DELETE', async () => {
      const r = await api('POST', '/api/v1/credentials', { id: 'rot', type: 'usernamePassword', username: 'u1', password: 'rot-pw-1' });
      assert.equal(r.status, 201);
      const u = await api('PUT', '/api/v1/credentials/rot', { password: 'rot-pw-2', description: 'rotated' });
      assert.equal(u.status, 200, u.text);
      assert.equal(u.json.description, 'rotated');
      assert.equal(u.json.username, 'u1');
      assert.ok(!u.text.includes('rot-pw'));
      const u2 = await api('PUT', '/api/v1/credentials/rot', { username: 'u2', folder: 'team-z' });
      assert.deepEqual([u2.json.username, u2.json.scope, u2.json.folder], ['u2', 'folder', 'team-z']);
      const job = (await c.store.jobs.create({ name: 'team-z/x', definition: { kind: 'inline', script: 'pipeline {}' } }));
      assert.deepEqual(await c.credentials.resolve('rot', { id: job.id, name: job.name }, 1), { id: 'rot', type: 'usernamePassword', username: 'u2', password: 'rot-pw-2' });
      assert.equal((await api('PUT', '/api/v1/credentials/rot', { folder: null })).json.scope, 'global');
      assert.equal((await api('DELETE', '/api/v1/credentials/rot')).status, 204);
      assert.equal((await api('GET', '/api/v1/credentials/rot')).status, 404);
      assert.equal((await api('DELETE', '/api/v1/credentials/rot')).status, 404);
    });

    test('a build binds every type through environment {} and withCredentials: **** everywhere, files gone after', async () => {
      assert.equal((await api('POST', '/api/v1/jobs', { name: 'e2e', script: E2E })).status, 201);
      const { b, console } = await build(c, 'e2e');
      assert.equal(b.result, 'SUCCESS', console);
      assert.match(console, /^token=\*\*\*\* user=deploy-bot pass=\*\*\*\* both=\*\*\*\*$/m);
      assert.match(console, /^interpolated \*\*\*\*$/m);
      assert.match(console, /^returned \*\*\*\* of length 17$/m);
      assert.match(console, /^t2=\*\*\*\* u=deploy-bot p=\*\*\*\* su=git sp=\*\*\*\* kp=\*\*\*\*$/m);
      noSecrets(console, 'the console');
      // The files held what was stored, 0600, and are gone now (their directories too).
      const ws = path.join(home, 'workspace', 'e2e');
      const read = (f: string) => fs.readFileSync(path.join(ws, f), 'utf8').trim();
      assert.equal(read('env-kube-sum.txt'), sha(kubeconfig));
      assert.equal(read('env-kube-mode.txt'), '600');
      assert.deepEqual(read('with-sums.txt').split('\n'), [sha(kubeconfig), sha(sshKey), sha(keystore)]);
      for (const f of ['env-kube-path.txt', 'with-kube-path.txt', 'with-key-path.txt', 'with-ks-path.txt']) {
        const p = read(f);
        assert.ok(p.startsWith(`${ws}@tmp/secretFiles/`), p);
        assert.ok(!fs.existsSync(p), `${p} is still there`);
        assert.ok(!fs.existsSync(path.dirname(p)), `${path.dirname(p)} is still there`);
      }
      assert.deepEqual(filesUnder(`${ws}@tmp`), []);
      // The API: build, stages, list; the stored state; every file under home (logs, index, the SQLite store).
      for (const p of ['/api/v1/jobs/e2e/builds/1', '/api/v1/jobs/e2e/builds/1/stages', '/api/v1/jobs/e2e/builds', '/api/v1/jobs/e2e', '/api/v1/credentials']) {
        noSecrets((await api('GET', p)).text, `GET ${p}`);
      }
      const stored = await c.store.builds.getByNumber('e2e', 1);
      const state = JSON.stringify(stored);
      noSecrets(state, 'the stored build');
      assert.ok(state.includes('interpolated ****'), 'the step description is masked, not dropped');
      await c.store.builds.list('e2e'); // (a read after the last write: the SQLite WAL has it)
      for (const f of filesUnder(home)) {
        const bytes = fs.readFileSync(f);
        for (const s of SECRETS) assert.ok(!bytes.includes(Buffer.from(s)), `${f} contains ${s}`);
      }
      // usedBy: every credential the build bound names the job and build.
      const list = (await api('GET', '/api/v1/credentials')).json.credentials;
      for (const id of ['tok', 'deploy', 'kube', 'ssh', 'tls']) {
        assert.deepEqual(list.find((x: any) => x.id === id).usedBy.map((u: any) => [u.job, u.build]), [['e2e', 1]], id);
      }
      assert.deepEqual(list.find((x: any) => x.id === 'pem').usedBy, []);
      // The next build binds only tok: the others no longer list the job.
      await api('PUT', '/api/v1/jobs/e2e', { script: `pipeline { agent any; environment { T = credentials('tok') } stages { stage('s') { steps { sh 'echo "t=$T"' } } } }` });
      const second = await build(c, 'e2e');
      assert.equal(second.b.result, 'SUCCESS', second.console);
      assert.match(second.console, /^t=\*\*\*\*$/m);
      const after2 = (await api('GET', '/api/v1/credentials')).json.credentials;
      assert.deepEqual(after2.find((x: any) => x.id === 'tok').usedBy.map((u: any) => [u.job, u.build]), [['e2e', 2]]);
      assert.deepEqual(after2.find((x: any) => x.id === 'deploy').usedBy, []);
    });

    test('a folder credential: jobs in the folder use it; others get the same error as for a missing one', async () => {
      assert.equal((await api('POST', '/api/v1/credentials', { id: 'team-tok', type: 'secretText', secret: 'team-a-only-8c7b', folder: 'team-a' })).json.scope, 'folder');
      const script = `pipeline {
  agent any
  parameters { string(name: 'CRED', defaultValue: 'team-tok') }
  stages { stage('s') { steps { withCredentials([string(credentialsId: params.CRED, variable: 'T')]) { sh 'echo "t=$T"' } } } }
}`;
      for (const name of ['team-a/app', 'team-a/sub/deep', 'team-b/app', 'team-ab/app', 'team-a']) {
        assert.equal((await api('POST', '/api/v1/jobs', { name, script })).status, 201);
      }
      for (const name of ['team-a/app', 'team-a/sub/deep']) {
        const r = await build(c, name);
        assert.equal(r.b.result, 'SUCCESS', r.console);
        assert.match(r.console, /^t=\*\*\*\*$/m);
        assert.ok(!r.console.includes('team-a-only-8c7b'));
      }
      for (const name of ['team-b/app', 'team-ab/app', 'team-a']) {
        const r = await build(c, name);
        assert.equal(r.b.result, 'FAILURE', r.console);
        assert.match(r.console, new RegExp(`no credential 'team-tok' visible to job '${name}'`));
        assert.ok(!r.console.includes('t='));
      }
      // Out of scope and absent read the same.
      const hidden = await build(c, 'team-b/app', { CRED: 'team-tok' });
      const missing = await build(c, 'team-b/app', { CRED: 'no-such-cred' });
      assert.equal(missing.b.result, 'FAILURE');
      assert.equal(hidden.b.message.replace('team-tok', 'X'), missing.b.message.replace('no-such-cred', 'X'));
      assert.match(missing.b.message, /^no credential 'no-such-cred' visible to job 'team-b\/app' \(Jenkinsfile:4:\d+\)$/);
      // environment {} in an out-of-scope job: the same error, with the binding named.
      await api('POST', '/api/v1/jobs', { name: 'team-b/env', script: `pipeline { agent any; environment { T = credentials('team-tok') } stages { stage('s') { steps { echo 'never' } } } }` });
      const env = await build(c, 'team-b/env');
      assert.equal(env.b.result, 'FAILURE');
      assert.match(env.console, /credentials\('team-tok'\): no credential 'team-tok' visible to job 'team-b\/env'/);
      const used = (await api('GET', '/api/v1/credentials/team-tok')).json.usedBy.map((u: any) => u.job);
      assert.deepEqual(used, ['team-a/app', 'team-a/sub/deep']);
    });
  });
}

test("the controller reads a git job's Jenkinsfile with the job's credential", async () => {
  const home = tempDir('cred-scm');
  const c = await start(home);
  try {
    const repo = tempDir('cred-repo');
    const { execFileSync } = await import('node:child_process');
    const git = (...a: string[]) => execFileSync('git', a, { cwd: repo, env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
    git('init', '-q', '-b', 'main');
    fs.writeFileSync(path.join(repo, 'Jenkinsfile'), `pipeline { agent any; stages { stage('S') { steps { echo 'from git' } } } }`);
    git('add', '.');
    git('commit', '-q', '-m', 'x');
    // A credential of a kind a repository cannot use: the error says so (proves the lookup happens).
    assert.equal((await call(c, 'POST', '/api/v1/credentials', { id: 'wrong-kind', type: 'secretFile', fileName: 'f', content: 'x' })).status, 201);
    assert.equal((await call(c, 'POST', '/api/v1/jobs', { name: 'scm-cred', git: { url: repo, branch: 'main', credentialsId: 'wrong-kind' } })).status, 201);
    const r1 = await build(c, 'scm-cred');
    assert.equal(r1.b.result, 'FAILURE');
    assert.match(r1.console, /credential 'wrong-kind' is a secretFile; a repository needs a username\/password or SSH key credential/);
    // A username/password credential is handed to git (GIT_ASKPASS); a local repository ignores it and the build runs.
    assert.equal((await call(c, 'POST', '/api/v1/credentials', { id: 'repo-user', type: 'usernamePassword', username: 'ci', password: 'repo-pass-123' })).status, 201);
    assert.equal((await call(c, 'PUT', '/api/v1/jobs/scm-cred', { git: { url: repo, branch: 'main', credentialsId: 'repo-user' } })).status, 200);
    const r2 = await build(c, 'scm-cred');
    assert.equal(r2.b.result, 'SUCCESS', r2.console);
    assert.match(r2.console, /^from git$/m);
    assert.equal((await call(c, 'PUT', '/api/v1/jobs/scm-cred', { git: { url: repo, branch: 'main', credentialsId: 'missing' } })).status, 200);
    const r3 = await build(c, 'scm-cred');
    assert.match(r3.console, /reading the Jenkinsfile: no credential 'missing' visible to job 'scm-cred'/);
  } finally {
    await c.close();
  }
});
