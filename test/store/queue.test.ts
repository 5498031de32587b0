// The store's queue_items as the controller's wait list writes it (put, drop, entries), on both
// stores: several entries per build, running builds' too, a reason rewritten in place, nothing
// kept (or written) for a finished build; migration 6 carrying over the rows of version 1's
// one-row-per-build table, and migration 18 its rows, with the throttle step's kind of wait. The build-level view (add, list, remove) is records.test.ts's.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Clock, KINDS, freshDb, freshStore, raw, rejectsWith, testPostgresUrl } from './helpers.ts';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.ts';
import type { QueueEntrySpec, WaitKind } from '../../src/store/types.ts';

const def = { kind: 'inline', script: "pipeline { agent any\n stages { stage('x') { steps { echo 'x' } } } }" } as const;

for (const kind of KINDS) {
  describe(`queue entries (${kind})`, () => {
    it('keeps the wait list\'s entries: several per build, a running build\'s too, reasons rewritten, none for a finished build', async () => {
      const clock = new Clock();
      const s = await freshStore(kind, clock);
      const job = await s.jobs.create({ name: 'q', definition: def });
      const b1 = await s.builds.create('q');
      const b2 = await s.builds.create('q');
      await s.builds.update(b2.id, { status: 'running', startedAt: clock.t });
      const t = clock.t;
      const entry = (id: string, buildId: string, k: WaitKind, o: Partial<QueueEntrySpec> = {}): QueueEntrySpec =>
        ({ id, buildId, kind: k, label: null, cloud: null, reason: `why ${id}`, enqueuedAt: t, notBefore: null, ...o });
      assert.equal(await s.queue.put(entry('e1', b1.id, 'quiet', { notBefore: t + 5000, reason: 'In the quiet period. Expires in 5.0 sec' })), true);
      assert.equal(await s.queue.put(entry('e2', b2.id, 'executor', { label: ' linux && docker ', enqueuedAt: t + 1 })), true);
      assert.equal(await s.queue.put(entry('e3', b2.id, 'pod-slot', { cloud: 'k8s', enqueuedAt: t + 2 })), true);
      const base = { jobId: job.id, job: 'q' };
      assert.deepEqual(await s.queue.entries(), [
        { id: 'e1', buildId: b1.id, ...base, number: 1, kind: 'quiet', label: null, cloud: null, reason: 'In the quiet period. Expires in 5.0 sec', enqueuedAt: t, notBefore: t + 5000 },
        { id: 'e2', buildId: b2.id, ...base, number: 2, kind: 'executor', label: 'linux && docker', cloud: null, reason: 'why e2', enqueuedAt: t + 1, notBefore: null },
        { id: 'e3', buildId: b2.id, ...base, number: 2, kind: 'pod-slot', label: null, cloud: 'k8s', reason: 'why e3', enqueuedAt: t + 2, notBefore: null },
      ]);
      // Its reason changed: the row says so; what it waits for stays.
      assert.equal(await s.queue.put(entry('e3', b2.id, 'pod-slot', { cloud: 'k8s', reason: "Waiting for a pod slot on cloud 'k8s' (1/2 in use)", enqueuedAt: t + 2 })), true);
      assert.equal((await s.queue.entries())[2]!.reason, "Waiting for a pod slot on cloud 'k8s' (1/2 in use)");
      assert.deepEqual((await s.queue.list()).map((i) => [i.number, i.label]), [[1, null], [2, 'linux && docker'], [2, null]], 'the build-level view sees every entry');
      assert.equal(await s.queue.drop('e2'), true);
      assert.equal(await s.queue.drop('e2'), false);
      await rejectsWith(s.queue.put(entry('e4', b2.id, 'nap' as WaitKind)), 'invalid', /queue kind must be one of quiet, concurrency, executor, pod-slot/);
      await rejectsWith(s.queue.put(entry('', b2.id, 'executor')), 'invalid', /queue entry id must not be empty/);
      assert.equal(await s.queue.put(entry('e5', 'no-such-build', 'executor')), false);
      // A build that finishes loses its rows, and gets none after.
      await s.builds.update(b2.id, { status: 'finished', result: 'ABORTED', endedAt: clock.t });
      assert.deepEqual((await s.queue.entries()).map((e) => e.id), ['e1']);
      assert.equal(await s.queue.put(entry('e6', b2.id, 'executor')), false);
      // One that starts has left the queue.
      await s.builds.update(b1.id, { status: 'running', startedAt: clock.t });
      assert.deepEqual(await s.queue.entries(), []);
    });

    it('migration 6 carries version 1\'s rows over as entries (id = the build\'s)', async () => {
      const db = freshDb(kind);
      if (kind === 'postgres') {
        const c = new pg.Client({ connectionString: testPostgresUrl() });
        await c.connect();
        try { await c.query(`CREATE SCHEMA ${db.options.schema}`); } finally { await c.end(); }
      }
      const v5 = MIGRATIONS.filter((m) => m.version <= 5);
      await raw(db, [
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
        ...v5.flatMap((m) => m.statements),
        ...v5.map((m) => `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, 'v${m.version}', 0)`),
        `INSERT INTO jobs (id, name, definition, created_at, updated_at) VALUES ('j1', 'old', '${JSON.stringify(def).replace(/'/g, "''")}', 0, 0)`,
        "INSERT INTO builds (id, job_id, number, status, queued_at) VALUES ('b1', 'j1', 1, 'queued', 10), ('b2', 'j1', 2, 'queued', 20)",
        "INSERT INTO queue_items (build_id, job_id, label, reason, enqueued_at, not_before) VALUES ('b1', 'j1', NULL, 'Started by timer', 10, 5010), ('b2', 'j1', 'linux', 'Started by user admin', 20, NULL)",
      ].join(';\n'));
      const s = await db.open();
      assert.equal(await s.schemaVersion(), SCHEMA_VERSION);
      const rows = await s.queue.entries();
      assert.deepEqual(rows.map((e) => [e.id, e.buildId, e.job, e.number, e.kind, e.label, e.cloud, e.reason, e.enqueuedAt, e.notBefore]), [
        ['b1', 'b1', 'old', 1, 'quiet', null, null, 'Started by timer', 10, 5010],
        ['b2', 'b2', 'old', 2, 'executor', 'linux', null, 'Started by user admin', 20, null],
      ]);
    });

    it("migration 18 keeps the rows and takes a throttle category's slot wait (the category in label)", async () => {
      const db = freshDb(kind);
      if (kind === 'postgres') {
        const c = new pg.Client({ connectionString: testPostgresUrl() });
        await c.connect();
        try { await c.query(`CREATE SCHEMA ${db.options.schema}`); } finally { await c.end(); }
      }
      const before = MIGRATIONS.filter((m) => m.version < 18);
      await raw(db, [
        'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)',
        ...before.flatMap((m) => m.statements),
        ...before.map((m) => `INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, 'v${m.version}', 0)`),
        `INSERT INTO jobs (id, name, definition, created_at, updated_at) VALUES ('j1', 'old', '${JSON.stringify(def).replace(/'/g, "''")}', 0, 0)`,
        "INSERT INTO builds (id, job_id, number, status, queued_at, started_at) VALUES ('b1', 'j1', 1, 'running', 10, 11)",
        "INSERT INTO queue_items (id, build_id, job_id, kind, label, cloud, reason, enqueued_at, not_before) VALUES ('e1', 'b1', 'j1', 'pod-slot', NULL, 'k8s', 'full', 12, NULL)",
      ].join(';\n'));
      const s = await db.open();
      assert.equal(await s.schemaVersion(), SCHEMA_VERSION);
      assert.equal(await s.queue.put({ id: 'e2', buildId: 'b1', kind: 'throttle', label: 'db', cloud: null, reason: 'Already running 1 builds across all nodes', enqueuedAt: 13, notBefore: null }), true);
      assert.deepEqual((await s.queue.entries()).map((e) => [e.id, e.kind, e.label, e.cloud, e.reason, e.enqueuedAt]), [
        ['e1', 'pod-slot', null, 'k8s', 'full', 12],
        ['e2', 'throttle', 'db', null, 'Already running 1 builds across all nodes', 13],
      ]);
    });
  });
}
