// Migration 19 on both stores: the credentials table's type check is widened for
// azureServicePrincipal by copying credentials and credential_uses under new names: every
// credential and every use of version 16 is carried over unchanged, the foreign keys still hold
// (deleting a credential, or the job, removes its uses), and an
// azureServicePrincipal credential can then be stored.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { KINDS, freshDb, raw, testPostgresUrl } from './helpers.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.ts';

for (const kind of KINDS) {
  describe(`credentials migration 19 (${kind})`, () => {
    it('carries version 16\'s credentials and uses over, keeps the foreign keys, and takes the new type', async () => {
      const db = freshDb(kind);
      if (kind === 'postgres') {
        const c = new pg.Client({ connectionString: testPostgresUrl() });
        await c.connect();
        try { await c.query(`CREATE SCHEMA ${db.options.schema}`); } finally { await c.end(); }
      }
      const v16 = MIGRATIONS.filter((m) => m.version <= 16);
      await raw(db, [
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
        ...v16.flatMap((m) => m.statements),
        ...v16.map((m) => `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, 'v${m.version}', 0)`),
        `INSERT INTO jobs (id, name, definition, created_at, updated_at) VALUES ('j1', 'app', '{}', 1, 1)`,
        `INSERT INTO credentials (id, type, description, folder, username, file_name, secret, created_at, updated_at) VALUES
          ('deploy', 'usernamePassword', 'the deploy user', NULL, 'ci', NULL, 'kiln:v1:ab:cd', 10, 20),
          ('kube', 'secretFile', '', 'team-a', NULL, 'config', 'kiln:v1:ab:ef', 30, 40)`,
        `INSERT INTO credential_uses (credential_id, job_id, build_number, used_at) VALUES ('deploy', 'j1', 7, 50), ('kube', 'j1', 7, 50)`,
      ].join(';\n'));
      const s = await db.open();
      assert.equal(await s.schemaVersion(), SCHEMA_VERSION);
      const list = await s.credentials.list();
      assert.deepEqual(list.map((c) => [c.id, c.type, c.description, c.folder, c.username, c.fileName, c.secret, c.createdAt, c.updatedAt, c.usedBy.map((u) => [u.job, u.build])]), [
        ['deploy', 'usernamePassword', 'the deploy user', null, 'ci', null, 'kiln:v1:ab:cd', 10, 20, [['app', 7]]],
        ['kube', 'secretFile', '', 'team-a', null, 'config', 'kiln:v1:ab:ef', 30, 40, [['app', 7]]],
      ]);
      const az = await s.credentials.create({ id: 'azure-sp', type: 'azureServicePrincipal', secret: 'kiln:v1:ab:01' });
      assert.equal(az.type, 'azureServicePrincipal');
      // The foreign keys survived the copy: a deleted credential takes its uses; a use needs a credential.
      assert.equal(await s.credentials.delete('deploy'), true);
      await s.credentials.create({ id: 'deploy', type: 'secretText', secret: 'kiln:v1:ab:02' });
      assert.deepEqual((await s.credentials.get('deploy'))?.usedBy, []); // the old use went with the old credential
      assert.deepEqual((await s.credentials.get('kube'))?.usedBy.map((u) => u.build), [7]);
      // Deleting the job still removes its uses (the other foreign key).
      await s.jobs.delete('app');
      assert.deepEqual((await s.credentials.get('kube'))?.usedBy, []);
    });
  });
}
