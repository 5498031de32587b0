// Folder properties (the Folder Properties plugin's key/value pairs) on both stores: replaced
// as a whole, kept in the order given, checked (environment variable names, bounded sizes).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, KINDS, freshDb, rejectsWith } from './helpers.ts';
import { FOLDER_PROPERTY_LIMITS } from '../../src/store/types.ts';

for (const kind of KINDS) {
  describe(`folder properties (${kind})`, () => {
    it('replaces a folder\'s properties, keeps their order, lists them by folder and survives reopening', async () => {
      const clock = new Clock();
      const db = freshDb(kind);
      const s = await db.open({ now: clock.now });
      assert.deepEqual(await s.folders.properties(), []);
      const set = await s.folders.setProperties('team', [{ key: 'ZED', value: 'last' }, { key: 'alpha_1', value: 'x=y $HOME\nline 2' }], 'root');
      assert.deepEqual(set, [
        { folder: 'team', key: 'ZED', value: 'last', updatedAt: clock.t, updatedBy: 'root' },
        { folder: 'team', key: 'alpha_1', value: 'x=y $HOME\nline 2', updatedAt: clock.t, updatedBy: 'root' },
      ]);
      clock.advance(7);
      await s.folders.setProperties('team/sub', [{ key: 'ZED', value: 'nearer' }], 'amy');
      await s.folders.setProperties('other', [{ key: 'A', value: '' }], 'amy');
      assert.deepEqual((await s.folders.properties()).map((p) => `${p.folder} ${p.key}=${p.value}`), ['other A=', 'team ZED=last', 'team alpha_1=x=y $HOME\nline 2', 'team/sub ZED=nearer']);
      assert.deepEqual((await s.folders.properties(['team/sub', 'team'])).map((p) => `${p.folder} ${p.key}`), ['team ZED', 'team alpha_1', 'team/sub ZED']);
      assert.deepEqual(await s.folders.properties([]), []);
      await s.close();
      const again = await db.open({ now: clock.now });
      assert.deepEqual((await again.folders.properties(['team/sub']))[0], { folder: 'team/sub', key: 'ZED', value: 'nearer', updatedAt: clock.t, updatedBy: 'amy' });
      // Replacing: what is not given goes.
      await again.folders.setProperties('team', [{ key: 'alpha_1', value: 'only' }], 'root');
      assert.deepEqual((await again.folders.properties(['team'])).map((p) => `${p.key}=${p.value}`), ['alpha_1=only']);
      await again.folders.setProperties('team', [], 'root');
      assert.deepEqual(await again.folders.properties(['team']), []);
      await again.close();
    });

    it('refuses keys that are no environment variable names, duplicates, oversized values and lists, and bad folders, keeping what was there', async () => {
      const s = await freshDb(kind).open({ now: new Clock().now });
      await s.folders.setProperties('team', [{ key: 'KEEP', value: 'me' }], 'root');
      const L = FOLDER_PROPERTY_LIMITS;
      await rejectsWith(s.folders.setProperties('team', [{ key: '1ABC', value: '' }], 'root'), 'invalid', /^properties\[0\]\.key: "1ABC" is not an environment variable name/);
      await rejectsWith(s.folders.setProperties('team', [{ key: 'A-B', value: '' }], 'root'), 'invalid', /^properties\[0\]\.key:/);
      await rejectsWith(s.folders.setProperties('team', [{ key: 'A=B', value: '' }], 'root'), 'invalid', /^properties\[0\]\.key:/);
      await rejectsWith(s.folders.setProperties('team', [{ key: 'K'.repeat(L.keyLength + 1), value: '' }], 'root'), 'invalid', /^properties\[0\]\.key:/);
      await rejectsWith(s.folders.setProperties('team', [{ key: 'A', value: '1' }, { key: 'A', value: '2' }], 'root'), 'invalid', /^properties\[1\]\.key: 'A' is given twice/);
      await rejectsWith(s.folders.setProperties('team', [{ key: 'A', value: 'v'.repeat(L.valueLength + 1) }], 'root'), 'invalid', new RegExp(`^properties\\[0\\]\\.value: ${L.valueLength + 1} characters; at most ${L.valueLength}`));
      await rejectsWith(s.folders.setProperties('team', [{ key: 'A', value: 'a\0b' }], 'root'), 'invalid', /^properties\[0\]\.value: contains a NUL/);
      await rejectsWith(s.folders.setProperties('team', [{ key: 'A', value: 5 as never }], 'root'), 'invalid', /^properties\[0\]\.value: a string/);
      await rejectsWith(s.folders.setProperties('team', Array.from({ length: L.count + 1 }, (_, i) => ({ key: `K${i}`, value: '' })), 'root'), 'invalid', /^properties: 101 properties; a folder has at most 100/);
      await rejectsWith(s.folders.setProperties('../etc', [], 'root'), 'invalid', /^folder: invalid folder name/);
      assert.deepEqual((await s.folders.properties(['team'])).map((p) => `${p.key}=${p.value}`), ['KEEP=me']);
      await s.close();
    });
  });
}
