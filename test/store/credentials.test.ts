// Credentials on both stores: the repository (metadata + opaque envelope, usage records), and
// the controller's encryption over it, checked against the raw table: no plaintext at rest,
// a flipped byte or a row's ciphertext moved to another credential fails with a clear error,
// another key fails with an error naming the credential.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, generateKeyPairSync } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import { Clock, KINDS, freshDb, rejectsWith, testPostgresUrl, type TestDb } from './helpers.ts';
import { toQuestionMarks } from '../../src/store/db.ts';
import { CredentialLookupError, CredentialService, type CredentialView } from '../../src/controller/credentials.ts';
import type { Store } from '../../src/store/index.ts';

const def = { kind: 'inline', script: 'pipeline {}' } as const;

/** Plain SQL on the store's database, beside the store (to read and damage the raw table). */
async function rawDb(t: TestDb): Promise<{ all(sql: string, params?: (string | number)[]): Promise<Record<string, unknown>[]>; run(sql: string, params?: (string | number)[]): Promise<void>; close(): Promise<void> }> {
  if (t.kind === 'sqlite') {
    const db = new DatabaseSync(String(t.options.url).replace(/^sqlite:/, ''));
    const conv = (sql: string, params: (string | number)[]) => {
      const q = toQuestionMarks(sql);
      return { sql: q.sql, params: q.order.map((i) => params[i]!) };
    };
    return {
      all: async (sql, params = []) => { const q = conv(sql, params); return db.prepare(q.sql).all(...q.params) as Record<string, unknown>[]; },
      run: async (sql, params = []) => { const q = conv(sql, params); db.prepare(q.sql).run(...q.params); },
      close: async () => db.close(),
    };
  }
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  await client.connect();
  await client.query(`SET search_path TO ${t.options.schema}`);
  return {
    all: async (sql, params = []) => (await client.query(sql, params)).rows as Record<string, unknown>[],
    run: async (sql, params = []) => { await client.query(sql, params); },
    close: () => client.end(),
  };
}

const sshKey = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;
const kubeconfig = 'apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user: { token: kube-token-7f3a9c }\n';
const keystore = Buffer.concat([Buffer.from([0x30, 0x82, 0x0a, 0x10]), randomBytes(300)]);

/** One of each type, and what must never be in the table in clear. */
const INPUTS = [
  { body: { id: 'tok', type: 'secretText', secret: 's3cr3t-token-value-9d2e', description: 'API token' }, plain: ['s3cr3t-token-value-9d2e'] },
  { body: { id: 'deploy', type: 'usernamePassword', username: 'deploy-bot', password: 'hunter2-pa55w0rd-x' }, plain: ['hunter2-pa55w0rd-x'] },
  { body: { id: 'kube', type: 'secretFile', fileName: 'kubeconfig', content: kubeconfig, folder: 'team-a' }, plain: ['kube-token-7f3a9c', Buffer.from(kubeconfig).toString('base64').slice(0, 40)] },
  { body: { id: 'ssh', type: 'sshKey', username: 'git', privateKey: sshKey, passphrase: '' }, plain: [sshKey.split('\n')[1]!] },
  { body: { id: 'tls', type: 'certificate', contentBase64: keystore.toString('base64'), password: 'keystore-pw-51ab' }, plain: ['keystore-pw-51ab', keystore.toString('base64').slice(8, 48)] },
] as const;

async function setup(kind: (typeof KINDS)[number]): Promise<{ t: TestDb; s: Store; svc: CredentialService; clock: Clock; key: Buffer }> {
  const t = freshDb(kind);
  const clock = new Clock();
  const s = await t.open({ now: clock.now });
  const key = randomBytes(32);
  return { t, s, svc: new CredentialService({ store: s, key }), clock, key };
}

for (const kind of KINDS) {
  describe(`credentials repository (${kind})`, () => {
    it('creates, gets, lists, updates and deletes records', async () => {
      const { s, clock } = await setup(kind);
      const a = await s.credentials.create({ id: 'b.cred', type: 'usernamePassword', username: 'bot', secret: 'env-1', description: 'd' });
      assert.deepEqual(a, {
        id: 'b.cred', type: 'usernamePassword', description: 'd', folder: null, username: 'bot', fileName: null, secret: 'env-1',
        createdAt: clock.t, updatedAt: clock.t, usedBy: [],
      });
      await s.credentials.create({ id: 'a_cred', type: 'secretFile', fileName: 'kubeconfig', folder: 'team-a/sub', secret: 'env-2' });
      assert.deepEqual(await s.credentials.get('b.cred'), a);
      assert.equal(await s.credentials.get('nope'), null);
      assert.deepEqual((await s.credentials.list()).map((c) => [c.id, c.folder]), [['a_cred', 'team-a/sub'], ['b.cred', null]]);
      clock.advance(1000);
      const u = await s.credentials.update('b.cred', { description: 'new', folder: 'team-b', secret: 'env-3' });
      assert.deepEqual([u.description, u.folder, u.secret, u.username, u.updatedAt, u.createdAt], ['new', 'team-b', 'env-3', 'bot', clock.t, clock.t - 1000]);
      assert.equal((await s.credentials.update('b.cred', { folder: null })).folder, null);
      assert.deepEqual(await s.credentials.get('b.cred'), { ...u, folder: null });
      await rejectsWith(s.credentials.create({ id: 'b.cred', type: 'secretText', secret: 'x' }), 'conflict', /already exists/);
      await rejectsWith(s.credentials.create({ id: 'a b', type: 'secretText', secret: 'x' }), 'invalid', /^id: invalid credential id 'a b'/);
      await rejectsWith(s.credentials.create({ id: '..', type: 'secretText', secret: 'x' }), 'invalid', /^id:/);
      await rejectsWith(s.credentials.create({ id: 'x'.repeat(101), type: 'secretText', secret: 'x' }), 'invalid', /^id:/);
      await rejectsWith(s.credentials.create({ id: 'x', type: 'password' as never, secret: 'x' }), 'invalid', /^type: must be one of secretText/);
      await rejectsWith(s.credentials.create({ id: 'x', type: 'secretText', folder: 'a//b', secret: 'x' }), 'invalid', /^folder: invalid folder name/);
      await rejectsWith(s.credentials.create({ id: 'x', type: 'secretText', secret: '' }), 'invalid', /secret/);
      await rejectsWith(s.credentials.update('nope', { description: 'x' }), 'not-found', /no credential 'nope'/);
      assert.equal(await s.credentials.delete('b.cred'), true);
      assert.equal(await s.credentials.delete('b.cred'), false);
      assert.deepEqual((await s.credentials.list()).map((c) => c.id), ['a_cred']);
    });

    it('records usage: the last build of each job, by current job name; gone with the job or the credential', async () => {
      const { s, clock } = await setup(kind);
      const j1 = await s.jobs.create({ name: 'team-a/app', definition: def });
      const j2 = await s.jobs.create({ name: 'other', definition: def });
      await s.credentials.create({ id: 'c', type: 'secretText', secret: 'e' });
      await s.credentials.create({ id: 'd', type: 'secretText', secret: 'e' });
      assert.equal(await s.credentials.recordUse('c', j1.id, 3), true);
      clock.advance(5);
      assert.equal(await s.credentials.recordUse('c', j1.id, 2), true); // an older build's late record does not win
      assert.equal(await s.credentials.recordUse('c', j2.id, 1), true);
      assert.equal(await s.credentials.recordUse('d', j1.id, 3), true);
      assert.equal(await s.credentials.recordUse('gone', j1.id, 3), false);
      assert.equal(await s.credentials.recordUse('c', 'no-such-job', 3), false);
      assert.deepEqual((await s.credentials.get('c'))!.usedBy.map((u) => [u.job, u.build]), [['other', 1], ['team-a/app', 3]]);
      // Build 4 of team-a/app binds only c: d's record from build 3 goes when it ends.
      await s.credentials.recordUse('c', j1.id, 4);
      await s.credentials.forgetUsesBefore(j1.id, 4);
      assert.deepEqual((await s.credentials.get('d'))!.usedBy, []);
      assert.deepEqual((await s.credentials.list()).find((c) => c.id === 'c')!.usedBy.map((u) => [u.job, u.build]), [['other', 1], ['team-a/app', 4]]);
      await s.jobs.update('team-a/app', { name: 'team-a/renamed' });
      assert.deepEqual((await s.credentials.get('c'))!.usedBy.map((u) => u.job), ['other', 'team-a/renamed']);
      await s.jobs.delete('other');
      assert.deepEqual((await s.credentials.get('c'))!.usedBy.map((u) => u.job), ['team-a/renamed']);
      await s.credentials.delete('c');
      await s.credentials.create({ id: 'c', type: 'secretText', secret: 'e' });
      assert.deepEqual((await s.credentials.get('c'))!.usedBy, [], 'a deleted credential takes its usage with it');
    });
  });

  describe(`credentials encrypted at rest (${kind})`, () => {
    it('stores only ciphertext, which differs from the plaintext and does not contain it; builds get the values back', async () => {
      const { t, s, svc } = await setup(kind);
      const job = await s.jobs.create({ name: 'team-a/deploy', definition: def });
      const views: CredentialView[] = [];
      for (const i of INPUTS) views.push(await svc.create(i.body));
      assert.deepEqual(views.map((v) => [v.id, v.type, v.scope, v.folder, v.username, v.fileName]), [
        ['tok', 'secretText', 'global', null, null, null],
        ['deploy', 'usernamePassword', 'global', null, 'deploy-bot', null],
        ['kube', 'secretFile', 'folder', 'team-a', null, 'kubeconfig'],
        ['ssh', 'sshKey', 'global', null, 'git', null],
        ['tls', 'certificate', 'global', null, null, null],
      ]);
      const raw = await rawDb(t);
      try {
        const rows = await raw.all('SELECT id, type, secret FROM credentials ORDER BY id');
        assert.equal(rows.length, 5);
        for (const r of rows) {
          const secret = String(r['secret']);
          assert.match(secret, /^kiln:v1:[0-9a-f]{16}:[A-Za-z0-9+/]+=*$/);
          const input = INPUTS.find((i) => i.body.id === r['id'])!;
          for (const p of input.plain) {
            assert.ok(!secret.includes(p), `${String(r['id'])}: the stored value contains ${p}`);
            assert.ok(!Buffer.from(secret.split(':')[3]!, 'base64').includes(Buffer.from(p)), `${String(r['id'])}: the ciphertext contains ${p}`);
          }
        }
        // Every column of every row, as text: no plaintext anywhere.
        const dump = JSON.stringify(await raw.all('SELECT * FROM credentials'));
        for (const i of INPUTS) for (const p of i.plain) assert.ok(!dump.includes(p), `the table holds ${p}`);
      } finally {
        await raw.close();
      }
      // The same secret twice: different ciphertexts (a fresh IV each time).
      await svc.create({ id: 'tok2', type: 'secretText', secret: 's3cr3t-token-value-9d2e' });
      assert.notEqual((await s.credentials.get('tok'))!.secret.split(':')[3], (await s.credentials.get('tok2'))!.secret.split(':')[3]);

      const ref = { id: job.id, name: job.name };
      assert.deepEqual(await svc.resolve('tok', ref, 1), { id: 'tok', type: 'secretText', secret: 's3cr3t-token-value-9d2e' });
      assert.deepEqual(await svc.resolve('deploy', ref, 1), { id: 'deploy', type: 'usernamePassword', username: 'deploy-bot', password: 'hunter2-pa55w0rd-x' });
      assert.deepEqual(await svc.resolve('kube', ref, 1), { id: 'kube', type: 'secretFile', fileName: 'kubeconfig', content: Buffer.from(kubeconfig) });
      assert.deepEqual(await svc.resolve('ssh', ref, 1), { id: 'ssh', type: 'sshKey', username: 'git', privateKey: sshKey });
      assert.deepEqual(await svc.resolve('tls', ref, 1), { id: 'tls', type: 'certificate', content: keystore, password: 'keystore-pw-51ab' });
      assert.deepEqual((await svc.get('kube'))!.usedBy.map((u) => [u.job, u.build]), [['team-a/deploy', 1]]);

      // Updating the password alone keeps the username (decrypt, merge, encrypt again).
      await svc.update('deploy', { password: 'n3w-pa55' });
      assert.deepEqual(await svc.resolve('deploy', ref, 2), { id: 'deploy', type: 'usernamePassword', username: 'deploy-bot', password: 'n3w-pa55' });
      // Metadata alone leaves the envelope as it was.
      const before = (await s.credentials.get('tok'))!.secret;
      await svc.update('tok', { description: 'rotated monthly', folder: 'team-a' });
      assert.equal((await s.credentials.get('tok'))!.secret, before);
      await assert.rejects(svc.resolve('tok', { id: job.id, name: 'elsewhere' }, 1), /^CredentialLookupError: no credential 'tok' visible to job 'elsewhere'$/);
    });

    it('a flipped ciphertext byte, a ciphertext moved to another row, or a changed type: clear errors naming the credential', async () => {
      const { t, s, svc } = await setup(kind);
      const job = await s.jobs.create({ name: 'j', definition: def });
      const ref = { id: job.id, name: job.name };
      await svc.create({ id: 'one', type: 'secretText', secret: 'first-secret' });
      await svc.create({ id: 'two', type: 'secretText', secret: 'second-secret' });
      await svc.create({ id: 'three', type: 'secretText', secret: 'third-secret' });
      const raw = await rawDb(t);
      try {
        const get = async (id: string) => String((await raw.all('SELECT secret FROM credentials WHERE id = $1', [id]))[0]!['secret']);
        // Flip one bit in the middle of the ciphertext.
        const env = await get('one');
        const [p0, p1, p2, b64] = env.split(':');
        const bytes = Buffer.from(b64!, 'base64');
        bytes[14]! ^= 0x01;
        await raw.run('UPDATE credentials SET secret = $1 WHERE id = $2', [`${p0}:${p1}:${p2}:${bytes.toString('base64')}`, 'one']);
        await assert.rejects(svc.resolve('one', ref, 1), (e: Error) => {
          assert.ok(e instanceof CredentialLookupError);
          assert.match(e.message, /^credential 'one' cannot be decrypted: its stored ciphertext does not authenticate/);
          return true;
        });
        // Move two's ciphertext into three's row: the id is authenticated data.
        await raw.run('UPDATE credentials SET secret = $1 WHERE id = $2', [await get('two'), 'three']);
        await assert.rejects(svc.resolve('three', ref, 1), /credential 'three' cannot be decrypted: its stored ciphertext does not authenticate \(it was altered in the database, or copied from another credential's row\)/);
        assert.equal((await svc.resolve('two', ref, 1)).secret, 'second-secret');
        // The type is authenticated too.
        await raw.run("UPDATE credentials SET type = 'usernamePassword' WHERE id = $1", ['two']);
        await assert.rejects(svc.resolve('two', ref, 1), /credential 'two' cannot be decrypted/);
        await raw.run("UPDATE credentials SET type = 'secretText' WHERE id = $1", ['two']);
        // Not an envelope at all.
        await raw.run("UPDATE credentials SET secret = 'second-secret' WHERE id = $1", ['two']);
        await assert.rejects(svc.resolve('two', ref, 1), /credential 'two' cannot be decrypted: what the store holds for it is not a Kiln encrypted value/);
      } finally {
        await raw.close();
      }
      // Replacing the secret (every field given) repairs it; a partial update cannot and says so.
      await svc.update('one', { secret: 'repaired' });
      assert.equal((await svc.resolve('one', ref, 2)).secret, 'repaired');
    });

    it('another key (home moved without secrets/): an error naming the credential and both key fingerprints, never garbage', async () => {
      const { s, svc } = await setup(kind);
      const job = await s.jobs.create({ name: 'j', definition: def });
      await svc.create({ id: 'deploy', type: 'usernamePassword', username: 'bot', password: 'pw-1234' });
      const other = new CredentialService({ store: s, key: randomBytes(32) });
      assert.notEqual(other.fingerprint, svc.fingerprint);
      await assert.rejects(other.resolve('deploy', { id: job.id, name: 'j' }, 1),
        new RegExp(`^CredentialLookupError: credential 'deploy' cannot be decrypted: it was encrypted with another key \\(fingerprint ${svc.fingerprint}\\) than this controller's secrets/credentials.key \\(fingerprint ${other.fingerprint}\\)`));
      assert.deepEqual(await other.undecryptable(), [{ id: 'deploy', fingerprint: svc.fingerprint }]);
      assert.deepEqual(await svc.undecryptable(), []);
      // A partial update needs the old value; the message says what to give instead.
      await rejectsWith(other.update('deploy', { password: 'x' }), 'conflict', /cannot be decrypted.*; to replace it, give all of: username, password$/);
      // Giving every field re-encrypts it with the new key.
      await other.update('deploy', { username: 'bot', password: 'pw-5678' });
      assert.equal((await other.resolve('deploy', { id: job.id, name: 'j' }, 1)).password, 'pw-5678');
    });
  });
}
