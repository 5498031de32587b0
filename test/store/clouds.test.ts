// The store's clouds on both stores: a cloud of any plugin's cloud type is kept (the plugin list,
// not the store, says which types exist), a type name of the wrong shape is refused, and
// migration 7 carries the clouds of version 4's kubernetes-or-docker table over unchanged.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { KINDS, freshDb, freshStore, raw, rejectsWith, testPostgresUrl } from './helpers.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.ts';

for (const kind of KINDS) {
  describe(`clouds (${kind})`, () => {
    it('keeps a cloud of a type a plugin adds, and refuses a type name of the wrong shape', async () => {
      const s = await freshStore(kind);
      const c = await s.clouds.put('nomad-eu', 'nomad', { address: 'https://nomad.example:4646' });
      assert.equal(c.type, 'nomad');
      assert.deepEqual((await s.clouds.get('nomad-eu'))?.settings, { address: 'https://nomad.example:4646' });
      await s.clouds.put('k8s', 'kubernetes', { namespace: 'ci' });
      assert.deepEqual((await s.clouds.list()).map((x) => [x.name, x.type]), [['k8s', 'kubernetes'], ['nomad-eu', 'nomad']]);
      for (const bad of ['', 'Nomad', 'x'.repeat(41), 'no mad', "k8s'; DROP TABLE clouds; --", '9lives']) {
        await rejectsWith(s.clouds.put('bad', bad, {}), 'invalid', /type: a cloud type name/);
      }
      assert.equal(await s.clouds.get('bad'), null);
    });

    it('migration 7 carries version 4\'s clouds over', async () => {
      const db = freshDb(kind);
      if (kind === 'postgres') {
        const c = new pg.Client({ connectionString: testPostgresUrl() });
        await c.connect();
        try { await c.query(`CREATE SCHEMA ${db.options.schema}`); } finally { await c.end(); }
      }
      const v6 = MIGRATIONS.filter((m) => m.version <= 6);
      await raw(db, [
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
        ...v6.flatMap((m) => m.statements),
        ...v6.map((m) => `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, 'v${m.version}', 0)`),
        `INSERT INTO clouds (name, type, settings, created_at, updated_at) VALUES ('k8s', 'kubernetes', '{"namespace":"ci"}', 10, 20), ('local', 'docker', '{}', 30, 40)`,
      ].join(';\n'));
      const s = await db.open();
      assert.equal(await s.schemaVersion(), SCHEMA_VERSION);
      assert.deepEqual((await s.clouds.list()).map((x) => [x.name, x.type, x.settings, x.createdAt, x.updatedAt]), [
        ['k8s', 'kubernetes', { namespace: 'ci' }, 10, 20],
        ['local', 'docker', {}, 30, 40],
      ]);
      await s.clouds.put('n', 'nomad', {});
      assert.equal((await s.clouds.get('n'))?.type, 'nomad');
    });
  });
}
