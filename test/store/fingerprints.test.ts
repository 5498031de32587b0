// Fingerprints (migration 23) on both stores: a new MD5's original is the build that made the file
// (or the build it was copied from, or none), a later build's record keeps it, every build that
// recorded the file is a use, a build's list is by path, uses go with their build, bad input is refused.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS, freshStore, rejectsWith } from './helpers.ts';

const def = { kind: 'inline', script: 'pipeline {}' } as const;
const A = '0123456789abcdef0123456789abcdef';
const B = 'fedcba9876543210fedcba9876543210';

for (const kind of KINDS) {
  describe(`fingerprints (${kind})`, () => {
    it('original, uses, a build\'s list; gone with the build; bad input refused', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'make', definition: def });
      await s.jobs.create({ name: 'team/deploy', definition: def });
      const m1 = await s.builds.create('make');
      const m2 = await s.builds.create('make');
      const d1 = await s.builds.create('team/deploy');
      await s.fingerprints.record(m1.id, [
        { path: 'dist/app.jar', md5: A, fileName: 'app.jar', produced: true },
        { path: 'lib/vendor.jar', md5: B, fileName: 'vendor.jar', produced: false },
      ]);
      // A later build that makes the same bytes does not become their original.
      await s.fingerprints.record(m2.id, [{ path: 'dist/app.jar', md5: A, fileName: 'app.jar', produced: true }]);
      await s.fingerprints.record(d1.id, [{ path: 'app.jar', md5: A, fileName: 'app.jar', produced: false, from: { job: 'make', number: 2 } }]);
      const a = await s.fingerprints.get(A);
      assert.deepEqual(a && { ...a, createdAt: 0 }, { md5: A, fileName: 'app.jar', original: { job: 'make', number: 1 }, createdAt: 0, uses: [{ job: 'make', number: 1 }, { job: 'make', number: 2 }, { job: 'team/deploy', number: 1 }] });
      assert.deepEqual((await s.fingerprints.get(B))?.original, null, 'a file older than the build: made outside');
      assert.deepEqual((await s.fingerprints.ofBuild(m1.id)).map((f) => [f.path, f.md5, f.original?.number ?? null]), [['dist/app.jar', A, 1], ['lib/vendor.jar', B, null]]);
      // Recording a path again replaces its MD5.
      await s.fingerprints.record(m1.id, [{ path: 'lib/vendor.jar', md5: A, fileName: 'vendor.jar', produced: false }]);
      assert.deepEqual((await s.fingerprints.ofBuild(m1.id)).map((f) => f.md5), [A, A]);
      assert.equal(await s.fingerprints.get('00000000000000000000000000000000'), null);
      await rejectsWith(s.fingerprints.get('../etc/passwd'), 'invalid', /32 lowercase hex digits/);
      await rejectsWith(s.fingerprints.record(m1.id, [{ path: '../x', md5: A, fileName: 'x', produced: true }]), 'invalid', /path/);
      await rejectsWith(s.fingerprints.record(m1.id, [{ path: 'x', md5: 'ABC', fileName: 'x', produced: true }]), 'invalid', /32 lowercase hex digits/);
      await rejectsWith(s.fingerprints.record('nope', [{ path: 'x', md5: A, fileName: 'x', produced: true }]), 'not-found', /no build/);
      // The uses go with the build; the fingerprint (and its original's name) stays.
      await s.jobs.delete('make');
      const after = await s.fingerprints.get(A);
      assert.deepEqual(after?.uses, [{ job: 'team/deploy', number: 1 }]);
      assert.deepEqual(after?.original, { job: 'make', number: 1 });
      await s.close();
    });
  });
}
