// Folder grants and job configurers on both stores.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, KINDS, freshDb, rejectsWith } from './helpers.ts';

for (const kind of KINDS) {
  describe(`folder permissions repository (${kind})`, () => {
    const open = async () => {
      const clock = new Clock();
      const s = await freshDb(kind).open({ now: clock.now });
      return { s, clock };
    };

    it('replaces a folder\'s grants, lists them sorted, by folder; rights are checked and kept in a fixed order', async () => {
      const { s, clock } = await open();
      assert.deepEqual(await s.folders.grants(), []);
      const set = await s.folders.setGrants('team', [
        { grantee: 'user:zed', rights: ['job.build', 'job.create', 'job.build'] },
        { grantee: 'role:developer', rights: [] },
      ], 'root');
      assert.deepEqual(set, [
        { folder: 'team', grantee: 'role:developer', rights: [], updatedAt: clock.t, updatedBy: 'root' },
        { folder: 'team', grantee: 'user:zed', rights: ['job.create', 'job.build'], updatedAt: clock.t, updatedBy: 'root' },
      ]);
      await s.folders.setGrants('team/sub', [{ grantee: 'user:amy', rights: ['credentials.use'] }], 'root');
      await s.folders.setGrants('other', [{ grantee: 'user:amy', rights: ['job.delete'] }], 'root');
      assert.deepEqual((await s.folders.grants()).map((g) => `${g.folder} ${g.grantee}`), ['other user:amy', 'team role:developer', 'team user:zed', 'team/sub user:amy']);
      assert.deepEqual((await s.folders.grants(['team', 'team/sub'])).map((g) => g.grantee), ['role:developer', 'user:zed', 'user:amy']);
      assert.deepEqual(await s.folders.grants([]), []);
      // Replacing: what is not given goes.
      clock.advance(5);
      await s.folders.setGrants('team', [{ grantee: 'user:zed', rights: ['job.configure'] }], 'admin-token');
      assert.deepEqual(await s.folders.grants(['team']), [{ folder: 'team', grantee: 'user:zed', rights: ['job.configure'], updatedAt: clock.t, updatedBy: 'admin-token' }]);
      await s.folders.setGrants('team', [], 'root');
      assert.deepEqual(await s.folders.grants(['team']), []);
      // A grantee goes everywhere at once.
      assert.equal(await s.folders.deleteGrantee('user:amy'), 2);
      assert.deepEqual(await s.folders.grants(), []);

      await rejectsWith(s.folders.setGrants('team', [{ grantee: 'user:zed', rights: ['job.steal' as never] }], 'root'), 'invalid', /^grants\[0\]\.rights: unknown right "job\.steal"/);
      await rejectsWith(s.folders.setGrants('team', [{ grantee: 'zed', rights: [] }], 'root'), 'invalid', /^grantee: 'zed' is neither 'user:<user name>' nor 'role:developer'/);
      await rejectsWith(s.folders.setGrants('team', [{ grantee: 'role:viewer', rights: [] }], 'root'), 'invalid', /^grantee:/);
      await rejectsWith(s.folders.setGrants('team', [{ grantee: 'user:a', rights: [] }, { grantee: 'user:a', rights: [] }], 'root'), 'invalid', /^grants\[1\]: user:a is listed twice/);
      await rejectsWith(s.folders.setGrants('../etc', [], 'root'), 'invalid', /^folder: invalid folder name/);
      // A refused change leaves the grants as they were.
      assert.deepEqual(await s.folders.grants(), []);
    });

    it("records who last set a job's definition; the record goes with the job, survives a rename", async () => {
      const { s, clock } = await open();
      const job = await s.jobs.create({ name: 'team/app', definition: { kind: 'inline', script: 'x' } });
      assert.equal(await s.folders.configurer(job.id), null);
      await s.folders.setConfigurer(job.id, 'alice');
      assert.deepEqual(await s.folders.configurer(job.id), { user: 'alice', at: clock.t });
      clock.advance(10);
      await s.folders.setConfigurer(job.id, 'bob');
      assert.deepEqual(await s.folders.configurer(job.id), { user: 'bob', at: clock.t });
      await s.jobs.update('team/app', { name: 'team/renamed' });
      assert.equal((await s.folders.configurer(job.id))?.user, 'bob');
      await rejectsWith(s.folders.setConfigurer('no-such-job-id', 'bob'), 'not-found');
      await s.jobs.delete('team/renamed');
      assert.equal(await s.folders.configurer(job.id), null);
    });
  });
}
