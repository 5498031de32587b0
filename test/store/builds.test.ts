import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Clock, KINDS, freshDb, freshStore, rejectsWith } from './helpers.ts';
import type { BuildState, Store } from '../../src/store/index.ts';

const def = { kind: 'inline', script: 'pipeline {}' } as const;

function stateOf(job: string, number: number, startedAt: number): BuildState {
  return {
    job, number, result: null, currentResult: 'SUCCESS', status: 'running', startedAt, endedAt: null,
    stages: [{ id: 's1', name: 'Build ✓', parentId: null, kind: 'stage', status: 'running', result: null, startedAt, endedAt: null, message: null, line: 3 }],
    steps: [{
      id: 'st1', stageId: 's1', name: 'sh', description: "echo 'hi'", line: 4, column: 9, status: 'success', startedAt, endedAt: startedAt + 5,
      message: null, returned: { exit: 0, lines: ['a', 'b'], nested: { ok: true, n: null } },
    }],
    message: null, description: 'a "quoted" description\nsecond line', displayName: null,
  };
}

async function finish(s: Store, id: string, result: 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'ABORTED', at: number): Promise<void> {
  await s.builds.update(id, { status: 'running', startedAt: at });
  await s.builds.update(id, { status: 'finished', result, endedAt: at + 1 });
}

for (const kind of KINDS) {
  describe(`builds (${kind})`, () => {
    it('numbers builds per job from 1, with params, causes and scm round-tripping', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      await s.jobs.create({ name: 'a', definition: def });
      await s.jobs.create({ name: 'f/b', definition: def });
      const params = { BRANCH: 'main', DEPLOY: true, COUNT: 3, EMPTY: '', LIST: ['x', 'y'], NOTHING: null, uni: 'ünï 🚀 \'"\\' };
      const b1 = await s.builds.create('a', {
        params,
        causes: [{ type: 'webhook', description: 'Push to main by alice' }, { type: 'user', description: 'Started by user admin', userId: 'admin' }],
        scm: { url: 'https://example.com/r.git', branch: 'main', commit: 'abc123' },
      });
      const b2 = await s.builds.create('a');
      const c1 = await s.builds.create('f/b');
      assert.deepEqual([b1.number, b2.number, c1.number], [1, 2, 1]);
      assert.equal(b1.status, 'queued');
      assert.equal(b1.result, null);
      assert.equal(b1.queuedAt, clock.t);
      assert.equal(b1.state, null);
      assert.deepEqual(await s.builds.get(b1.id), b1);
      assert.deepEqual(await s.builds.getByNumber('a', 1), b1);
      assert.deepEqual((await s.builds.get(b1.id))!.params, params);
      assert.deepEqual(b2.params, {});
      assert.deepEqual(b2.causes, []);
      assert.equal(b2.scm, null);
      assert.equal(await s.builds.getByNumber('a', 3), null);
      assert.equal(await s.builds.getByNumber('zz', 1), null);
      assert.equal(await s.builds.get('no-such-id'), null);
      assert.equal((await s.jobs.get('a'))!.nextBuildNumber, 3);
      await rejectsWith(s.builds.create('zz'), 'not-found', /no job named 'zz'/);
      await rejectsWith(s.builds.create('a', { params: { bad: Number.NaN } }), 'invalid', /params.bad: NaN cannot be stored/);
      // A cause's variables (a GitLab hook's gitlabSourceBranch, ...) round-trip; a name no shell could take is refused.
      const env = { gitlabSourceBranch: 'feature/x', gitlabMergeRequestIid: '7', gitlabMergeRequestDescription: 'line 1\nline "2"' };
      await s.jobs.create({ name: 'gl', definition: def });
      const g = await s.builds.create('gl', { causes: [{ type: 'webhook', description: 'Triggered by GitLab Merge Request #7: feature/x => main', env }] });
      assert.deepEqual((await s.builds.get(g.id))!.causes[0]!.env, env);
      await rejectsWith(s.builds.create('gl', { causes: [{ type: 'webhook', description: 'x', env: { 'A;B': '1' } }] }), 'invalid', /causes\[0\]\.env: 'A;B' is not a variable name/);
      await rejectsWith(s.builds.create('a', { params: { when: new Date() } as never }), 'invalid', /only plain objects/);
      await rejectsWith(s.builds.create('a', { causes: [{ type: 'magic', description: '' }] as never }), 'invalid', /causes\[0\].type/);
      await rejectsWith(s.builds.create('a', { causes: [{ type: 'restart', description: 'x', stage: 7 }] as never }), 'invalid', /causes\[0\].stage/);
      assert.equal((await s.jobs.get('a'))!.nextBuildNumber, 3, 'a refused build takes no number');
      // Restart from Stage: the stage the build restarted at round-trips with its cause.
      const restart = { type: 'restart' as const, description: 'Restarted from build #1, stage Test', upstreamJob: 'a', upstreamBuild: 1, stage: 'Test' };
      const r = await s.builds.create('a', { causes: [restart] });
      assert.deepEqual((await s.builds.get(r.id))!.causes, [restart]);
    });

    it('allocates 50 concurrent builds exactly 1..50', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'busy', definition: def });
      await s.jobs.create({ name: 'other', definition: def });
      const made = await Promise.all(Array.from({ length: 50 }, (_, i) => s.builds.create(i % 5 === 0 ? 'other' : 'busy')));
      const busy = made.filter((b) => b.job === 'busy').map((b) => b.number).sort((x, y) => x - y);
      const other = made.filter((b) => b.job === 'other').map((b) => b.number).sort((x, y) => x - y);
      assert.deepEqual(busy, Array.from({ length: 40 }, (_, i) => i + 1));
      assert.deepEqual(other, Array.from({ length: 10 }, (_, i) => i + 1));
      assert.equal((await s.jobs.get('busy'))!.nextBuildNumber, 41);
    });

    it('allocates without duplicates across two stores open on the same database', async () => {
      const db = freshDb(kind);
      const s1 = await db.open();
      const s2 = await db.open();
      await s1.jobs.create({ name: 'shared', definition: def });
      const made = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? s1 : s2).builds.create('shared')));
      assert.deepEqual(made.map((b) => b.number).sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1));
    });

    it('updates status, result, state and times; finishing needs a result; finished is final', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      await s.jobs.create({ name: 'j', definition: def });
      const b = await s.builds.create('j', { enqueue: { label: 'linux', reason: 'Started by user admin' } });
      assert.equal((await s.queue.list()).length, 1);
      const state = stateOf('j', 1, clock.t);
      const running = await s.builds.update(b.id, { status: 'running', startedAt: clock.t, node: 'agent-1', state });
      assert.equal(running.status, 'running');
      assert.equal(running.node, 'agent-1');
      assert.deepEqual(running.state, state);
      assert.deepEqual(await s.builds.get(b.id), running);
      assert.deepEqual(await s.queue.list(), [], 'leaving the queue removes the queue item');

      const paused = await s.builds.update(b.id, { status: 'paused', message: 'Waiting for input' });
      assert.deepEqual(paused.state, state, 'state unchanged when not given');
      assert.equal(paused.message, 'Waiting for input');
      await rejectsWith(s.builds.update(b.id, { status: 'finished' }), 'invalid', /j #1 cannot be finished without a result/);
      const done = await s.builds.update(b.id, {
        status: 'finished', result: 'UNSTABLE', endedAt: clock.t + 10, message: null,
        state: { ...state, status: 'finished', result: 'UNSTABLE', endedAt: clock.t + 10 },
      });
      assert.deepEqual(await s.builds.get(b.id), done);
      assert.equal(done.result, 'UNSTABLE');
      assert.equal(done.message, null);
      await rejectsWith(s.builds.update(b.id, { status: 'running' }), 'conflict', /j #1 has finished/);
      // Non-status fields of a finished build may still change (description, keep forever).
      assert.equal((await s.builds.update(b.id, { keepLog: true })).keepLog, true);
      await rejectsWith(s.builds.update(b.id, { result: 'GREAT' as never }), 'invalid', /result must be one of/);
      await rejectsWith(s.builds.update(b.id, { state: [] as never }), 'invalid', /state must be/);
      await rejectsWith(s.builds.update('missing', { status: 'running' }), 'not-found', /no build with id missing/);
    });

    it('saves a large state as it grows and reads it back exactly', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'big', definition: def });
      const b = await s.builds.create('big');
      const state = stateOf('big', 1, 1000);
      const step = state.steps[0]!;
      for (let i = 0; i < 3000; i++) state.steps.push({ ...step, id: `st${i + 2}`, description: `line ${i} ${'x'.repeat(50)}` });
      for (let round = 0; round < 3; round++) {
        state.steps[round]!.status = 'failure';
        await s.builds.update(b.id, { state });
      }
      assert.deepEqual((await s.builds.get(b.id))!.state, state);
    });

    it('lists newest first in pages with a cursor', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'p', definition: def });
      for (let i = 0; i < 23; i++) await s.builds.create('p');
      const seen: number[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await s.builds.list('p', { limit: 10, cursor });
        seen.push(...page.builds.map((b) => b.number));
        assert.ok(page.builds.every((b) => !('state' in b)), 'lists carry no state');
        cursor = page.next;
        pages++;
      } while (cursor !== null);
      assert.equal(pages, 3);
      assert.deepEqual(seen, Array.from({ length: 23 }, (_, i) => 23 - i));
      const exact = await s.builds.list('p', { limit: 23 });
      assert.equal(exact.builds.length, 23);
      assert.equal(exact.next, null);
      assert.deepEqual((await s.builds.list('p')).builds.length, 23 > 25 ? 25 : 23);
      // A deleted build leaves a gap, not a broken page.
      await s.builds.delete((await s.builds.getByNumber('p', 20))!.id);
      assert.deepEqual((await s.builds.list('p', { limit: 3, cursor: '22' })).builds.map((b) => b.number), [21, 19, 18]);
      await rejectsWith(s.builds.list('p', { limit: 0 }), 'invalid', /limit must be a whole number from 1 to 1000/);
      await rejectsWith(s.builds.list('p', { cursor: 'abc' }), 'invalid', /invalid page cursor/);
      await rejectsWith(s.builds.list('nope'), 'not-found');
    });

    it('finds the latest build matching a filter (previous build, last successful, last stable)', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      await s.jobs.create({ name: 'l', definition: def });
      const results = ['SUCCESS', 'FAILURE', 'UNSTABLE', 'ABORTED'] as const;
      for (const r of results) {
        const b = await s.builds.create('l');
        await finish(s, b.id, r, clock.t);
      }
      const running = await s.builds.create('l');
      await s.builds.update(running.id, { status: 'running' });
      assert.equal((await s.builds.latest('l'))!.number, 5);
      assert.equal((await s.builds.latest('l', { status: ['finished'] }))!.number, 4);
      assert.equal((await s.builds.latest('l', { status: ['finished'], before: 4 }))!.number, 3);
      assert.equal((await s.builds.latest('l', { results: ['SUCCESS', 'UNSTABLE'] }))!.number, 3);
      assert.equal((await s.builds.latest('l', { results: ['SUCCESS'] }))!.number, 1);
      assert.equal((await s.builds.latest('l', { results: ['SUCCESS'], before: 1 })), null);
      assert.equal(await s.builds.latest('l', { results: [] }), null);
      await rejectsWith(s.builds.latest('nope'), 'not-found');
    });

    it('lists unfinished builds across jobs, oldest first, with their state', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      await s.jobs.create({ name: 'x', definition: def });
      await s.jobs.create({ name: 'y', definition: def });
      const a = await s.builds.create('x');
      clock.advance(10);
      const b = await s.builds.create('y');
      clock.advance(10);
      const c = await s.builds.create('x');
      await s.builds.update(a.id, { status: 'running', state: stateOf('x', 1, clock.t) });
      await finish(s, b.id, 'SUCCESS', clock.t);
      const un = await s.builds.listUnfinished();
      assert.deepEqual(un.map((u) => u.id), [a.id, c.id]);
      assert.deepEqual(un[0]!.state, stateOf('x', 1, clock.t));
    });

    it('deletes a build with its rows, and says whether it was there', async () => {
      const s = await freshStore(kind);
      await s.jobs.create({ name: 'd', definition: def });
      const b = await s.builds.create('d', { enqueue: {} });
      await s.artifacts.add(b.id, [{ path: 'x', size: 0, sha256: '0'.repeat(64), mode: 0o755 }]);
      assert.equal(await s.builds.delete(b.id), true);
      assert.equal(await s.builds.delete(b.id), false);
      assert.deepEqual(await s.queue.list(), []);
      assert.deepEqual(await s.artifacts.list(b.id), []);
      assert.equal((await s.builds.create('d')).number, 2, 'numbers are never reused');
    });
  });
}
