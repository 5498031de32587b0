import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, KINDS, freshStore, rejectsWith } from './helpers.ts';
import type { BuildResult, Store } from '../../src/store/index.ts';

const DAY = 86_400_000;
const sha = 'f'.repeat(64);

/** Creates finished builds with the given results, one day apart, each with an artifact. */
async function history(s: Store, clock: Clock, job: string, results: (BuildResult | 'running')[]): Promise<string[]> {
  await s.jobs.create({ name: job, definition: { kind: 'inline', script: 'pipeline {}' } });
  const ids: string[] = [];
  for (const r of results) {
    const b = await s.builds.create(job);
    await s.builds.update(b.id, { status: 'running', startedAt: clock.t });
    if (r !== 'running') await s.builds.update(b.id, { status: 'finished', result: r, endedAt: clock.t + 1 });
    await s.artifacts.add(b.id, [{ path: `out/${b.number}.jar`, size: 10, sha256: sha, mode: 0o644 }]);
    ids.push(b.id);
    clock.advance(DAY);
  }
  return ids;
}

async function numbers(s: Store, job: string): Promise<number[]> {
  return (await s.builds.list(job, { limit: 1000 })).builds.map((b) => b.number).reverse();
}

const none = { numToKeep: null, daysToKeep: null, artifactNumToKeep: null, artifactDaysToKeep: null };

for (const kind of KINDS) {
  describe(`build discarder (${kind})`, () => {
    it('keeps the newest numToKeep builds, plus the last successful and last stable', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      // #1 SUCCESS (last stable), #2 UNSTABLE (last successful), then failures.
      await history(s, clock, 'j', ['SUCCESS', 'UNSTABLE', 'FAILURE', 'FAILURE', 'FAILURE', 'FAILURE']);
      const r = await s.builds.prune('j', { ...none, numToKeep: 2 });
      assert.deepEqual(r.builds.map((b) => b.number), [3, 4]);
      assert.deepEqual(r.artifacts, []);
      assert.deepEqual(await numbers(s, 'j'), [1, 2, 5, 6]);
      for (const b of r.builds) {
        assert.equal(await s.builds.get(b.id), null);
        assert.deepEqual(await s.artifacts.list(b.id), []);
      }
      // Pruning again with the same policy changes nothing.
      assert.deepEqual(await s.builds.prune('j', { ...none, numToKeep: 2 }), { builds: [], artifacts: [] });
    });

    it('never prunes running, queued or kept-forever builds', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      const ids = await history(s, clock, 'k', ['FAILURE', 'running', 'FAILURE', 'FAILURE', 'SUCCESS']);
      await s.builds.update(ids[0]!, { keepLog: true });
      const queued = await s.builds.create('k');
      const r = await s.builds.prune('k', { ...none, numToKeep: 1 });
      assert.deepEqual(r.builds.map((b) => b.number), [3, 4]);
      assert.deepEqual(await numbers(s, 'k'), [1, 2, 5, 6]);
      assert.ok(await s.builds.get(queued.id));
    });

    it('prunes builds older than daysToKeep', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      await history(s, clock, 'd', ['SUCCESS', 'FAILURE', 'FAILURE', 'SUCCESS', 'FAILURE']);
      // Builds started at days 0..4; now is day 5. Keep 2 days: days 3 and 4 stay, and #4 is the last stable.
      const r = await s.builds.prune('d', { ...none, daysToKeep: 2 });
      assert.deepEqual(r.builds.map((b) => b.number), [1, 2, 3]);
      assert.deepEqual(await numbers(s, 'd'), [4, 5]);
      const later = await s.builds.prune('d', { ...none, daysToKeep: 2 }, { now: clock.t + 10 * DAY });
      assert.deepEqual(later.builds.map((b) => b.number), [5]);
    });

    it('strips artifacts beyond artifactNumToKeep / artifactDaysToKeep but keeps the builds', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      const ids = await history(s, clock, 'a', ['FAILURE', 'FAILURE', 'SUCCESS', 'FAILURE', 'FAILURE', 'FAILURE']);
      const r = await s.builds.prune('a', { ...none, numToKeep: 5, artifactNumToKeep: 2 });
      assert.deepEqual(r.builds.map((b) => b.number), [1]);
      // Of the remaining 2..6, artifacts of all but the newest two go, except the last successful (#3).
      assert.deepEqual(r.artifacts.map((b) => b.number), [2, 4]);
      assert.deepEqual(await numbers(s, 'a'), [2, 3, 4, 5, 6]);
      assert.deepEqual(await s.artifacts.list(ids[1]!), []);
      assert.equal((await s.artifacts.list(ids[2]!)).length, 1);
      assert.equal((await s.artifacts.list(ids[5]!)).length, 1);
      // Already stripped builds are not reported again.
      assert.deepEqual(await s.builds.prune('a', { ...none, artifactNumToKeep: 2 }), { builds: [], artifacts: [] });
      const byDays = await s.builds.prune('a', { ...none, artifactDaysToKeep: 1 });
      assert.deepEqual(byDays.artifacts.map((b) => b.number), [5]);
      assert.deepEqual(byDays.builds, []);
    });

    it('accepts Jenkins\' -1 for no limit, and refuses bad policies', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      await history(s, clock, 'p', ['FAILURE', 'FAILURE']);
      assert.deepEqual(await s.builds.prune('p', { numToKeep: -1, daysToKeep: -1, artifactNumToKeep: -1, artifactDaysToKeep: -1 }), { builds: [], artifacts: [] });
      await rejectsWith(s.builds.prune('p', { ...none, numToKeep: -2 }), 'invalid', /policy.numToKeep/);
      await rejectsWith(s.builds.prune('p', { ...none, numToKeep: 1.5 }), 'invalid');
      await rejectsWith(s.builds.prune('nope', none), 'not-found', /no job named 'nope'/);
      // numToKeep 0 removes everything that may go.
      assert.deepEqual((await s.builds.prune('p', { ...none, numToKeep: 0 })).builds.map((b) => b.number), [1, 2]);
    });
  });
}
