// The store's shared libraries on both stores (migration 8): global (folder null) and folder
// libraries with the same name side by side, create/replace, defaults kept as given, listing by
// scope sorted by name, delete, and the shapes refused (names, folders, flags).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, freshStore, rejectsWith } from './helpers.ts';

const LIB = { url: 'https://git.example.com/lib.git', defaultVersion: 'main', implicit: false, allowVersionOverride: true, credentialsId: null, includeInChangesets: true };

for (const kind of KINDS) {
  describe(`libraries (${kind})`, () => {
    it('keeps global and folder libraries of one name apart; replaces in place; lists by scope; deletes', async () => {
      const s = await freshStore(kind);
      const g = await s.libraries.put({ folder: null, name: 'lib', ...LIB });
      assert.deepEqual({ ...g, createdAt: 0, updatedAt: 0 }, { folder: null, name: 'lib', ...LIB, createdAt: 0, updatedAt: 0 });
      await s.libraries.put({ folder: 'team', name: 'lib', ...LIB, url: '/srv/git/team.git', implicit: true, credentialsId: 'team-key' });
      await s.libraries.put({ folder: null, name: 'another', ...LIB, defaultVersion: null, allowVersionOverride: false, includeInChangesets: false });
      const replaced = await s.libraries.put({ folder: null, name: 'lib', ...LIB, defaultVersion: 'v2' });
      assert.equal(replaced.defaultVersion, 'v2');
      assert.equal(replaced.createdAt, g.createdAt);
      assert.deepEqual((await s.libraries.list(null)).map((l) => [l.name, l.defaultVersion, l.allowVersionOverride, l.includeInChangesets]), [['another', null, false, false], ['lib', 'v2', true, true]]);
      assert.deepEqual((await s.libraries.list('team')).map((l) => [l.folder, l.name, l.url, l.implicit, l.credentialsId]), [['team', 'lib', '/srv/git/team.git', true, 'team-key']]);
      assert.deepEqual((await s.libraries.all()).map((l) => `${l.folder ?? ''}:${l.name}`), [':another', ':lib', 'team:lib']);
      assert.equal((await s.libraries.get('team', 'lib'))?.url, '/srv/git/team.git');
      assert.equal(await s.libraries.get('other', 'lib'), null);
      assert.equal(await s.libraries.delete('team', 'lib'), true);
      assert.equal(await s.libraries.delete('team', 'lib'), false);
      assert.equal((await s.libraries.get(null, 'lib'))?.defaultVersion, 'v2', 'the global one stays');
    });

    it('refuses malformed names, folders and flags', async () => {
      const s = await freshStore(kind);
      for (const name of ['', '.hidden', '-x', 'a/b', 'x'.repeat(101), "l'; DROP TABLE libraries; --"]) {
        await rejectsWith(s.libraries.put({ folder: null, name, ...LIB }), 'invalid', /name: .* is not a library name/);
      }
      await rejectsWith(s.libraries.put({ folder: '../up', name: 'ok', ...LIB }), 'invalid', /folder/);
      await rejectsWith(s.libraries.put({ folder: null, name: 'ok', ...LIB, implicit: 'yes' as unknown as boolean }), 'invalid', /implicit/);
      await rejectsWith(s.libraries.put({ folder: null, name: 'ok', ...LIB, url: '' }), 'invalid', /url/);
      assert.deepEqual(await s.libraries.all(), []);
    });
  });
}
