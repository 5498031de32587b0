// The persisted queue: one row per entry of the controller's wait list (controller/waitlist.ts):
// a build in its quiet period, waiting for its job's running build (disableConcurrentBuilds),
// for an executor, or for a pod slot. A build may have several at once (parallel branches).
//
// Why: the wait list lives in memory; its rows let a controller that restarts (or an operator)
// see what waited and for what. The controller writes an entry as it begins to wait, again when
// its reason changes, and removes it when the wait ends; `put` refuses a finished build's entry,
// and a build that finishes (or leaves 'queued') loses its rows in the same transaction
// (builds.ts), so nothing stale stays.
//
// How: `put`, `drop` and `entries` are the wait list's; `add`, `list` and `remove` see the queue
// by build (`add` queues a build that has not started, as one entry whose id is the build's).
import { isConstraint, rNum, rNumOrNull, rStr, rStrOrNull, type Db, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, WAIT_KINDS, type QueueEntry, type QueueEntrySpec, type QueueItem, type QueueRepo, type QueueSpec, type WaitKind } from './types.ts';
import { checkIntOrNull, checkString, checkStringOrNull, checkTime } from './validate.ts';

const QUEUE_SELECT = `SELECT q.id, q.build_id, q.job_id, j.name AS job_name, b.number, q.kind, q.label, q.cloud, q.reason, q.enqueued_at, q.not_before
  FROM queue_items q JOIN builds b ON b.id = q.build_id JOIN jobs j ON j.id = q.job_id`;
const QUEUE_ORDER = 'ORDER BY q.enqueued_at, b.queued_at, b.number, q.id';

function rowToItem(r: Row): QueueItem {
  return {
    buildId: rStr(r, 'build_id'),
    jobId: rStr(r, 'job_id'),
    job: rStr(r, 'job_name'),
    number: rNum(r, 'number'),
    label: rStrOrNull(r, 'label'),
    reason: rStr(r, 'reason'),
    enqueuedAt: rNum(r, 'enqueued_at'),
    notBefore: rNumOrNull(r, 'not_before'),
  };
}

function rowToEntry(r: Row): QueueEntry {
  return { id: rStr(r, 'id'), ...rowToItem(r), kind: rStr(r, 'kind') as WaitKind, cloud: rStrOrNull(r, 'cloud') };
}

export interface CheckedQueueSpec {
  label: string | null;
  reason: string;
  notBefore: number | null;
}

/** A label expression, as long as a Jenkinsfile can make it (1 MiB). */
function checkLabel(v: unknown): string | null {
  const label = checkStringOrNull(v, 'queue label', { max: 1_048_576 });
  return label === null || label.trim() === '' ? null : label.trim();
}

export function checkQueueSpec(spec: QueueSpec): CheckedQueueSpec {
  return {
    label: checkLabel(spec.label),
    reason: checkString(spec.reason ?? '', 'queue reason', { max: 10_000 }),
    notBefore: checkIntOrNull(spec.notBefore, 'queue notBefore', 0),
  };
}

function checkEntry(e: QueueEntrySpec): QueueEntrySpec {
  if (!WAIT_KINDS.includes(e.kind)) throw new StoreError('invalid', `queue kind must be one of ${WAIT_KINDS.join(', ')} (got ${JSON.stringify(e.kind)})`);
  return {
    id: checkString(e.id, 'queue entry id', { max: 200, nonEmpty: true }),
    buildId: checkString(e.buildId, 'build id'),
    kind: e.kind,
    label: checkLabel(e.label),
    cloud: checkStringOrNull(e.cloud, 'queue cloud', { max: 255 }),
    reason: checkString(e.reason, 'queue reason', { max: 10_000 }),
    enqueuedAt: checkTime(e.enqueuedAt, 'queue enqueuedAt'),
    notBefore: checkIntOrNull(e.notBefore, 'queue notBefore', 0),
  };
}

/** Inserts the queue row of a build (inside the caller's transaction). */
export async function insertQueueItem(db: Db, build: { id: string; jobId: string }, spec: CheckedQueueSpec, now: number): Promise<void> {
  try {
    await db.run(
      'INSERT INTO queue_items (id, build_id, job_id, kind, label, reason, enqueued_at, not_before) VALUES ($1, $1, $2, $3, $4, $5, $6, $7)',
      [build.id, build.jobId, spec.notBefore !== null ? 'quiet' : 'executor', spec.label, spec.reason, now, spec.notBefore]);
  } catch (e) {
    if (isConstraint(e, 'unique')) throw new StoreError('conflict', `build ${build.id} is already queued`);
    throw e;
  }
}

export function queueRepo(ctx: RepoContext): QueueRepo {
  const { db } = ctx;
  return {
    async add(buildId, spec = {}) {
      const checked = checkQueueSpec(spec);
      const id = checkString(buildId, 'build id');
      return db.tx(async (tx) => {
        const b = await tx.one('SELECT b.job_id, b.status, b.number, j.name FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.id = $1', [id]);
        if (!b) throw new StoreError('not-found', `no build with id ${id}`);
        if (rStr(b, 'status') !== 'queued') {
          throw new StoreError('conflict', `${rStr(b, 'name')} #${rNum(b, 'number')} is ${rStr(b, 'status')}, not queued: it cannot go back in the queue`);
        }
        await insertQueueItem(tx, { id, jobId: rStr(b, 'job_id') }, checked, ctx.now());
        const row = await tx.one(`${QUEUE_SELECT} WHERE q.id = $1`, [id]);
        return rowToItem(row!);
      });
    },
    async list() {
      return (await db.all(`${QUEUE_SELECT} ${QUEUE_ORDER}`)).map(rowToItem);
    },
    async remove(buildId) {
      return (await db.run('DELETE FROM queue_items WHERE build_id = $1', [checkString(buildId, 'build id')])) > 0;
    },
    async put(entry) {
      const e = checkEntry(entry);
      // One statement: the build's status is read where the row is written, so an entry cannot
      // outlive its build's end (builds.ts removes the rows of a build as it finishes).
      const changed = await db.run(
        `INSERT INTO queue_items (id, build_id, job_id, kind, label, cloud, reason, enqueued_at, not_before)
         SELECT $1, b.id, b.job_id, $3, $4, $5, $6, CAST($7 AS BIGINT), CAST($8 AS BIGINT) FROM builds b WHERE b.id = $2 AND b.status <> 'finished'
         ON CONFLICT (id) DO UPDATE SET reason = excluded.reason`,
        [e.id, e.buildId, e.kind, e.label, e.cloud, e.reason, e.enqueuedAt, e.notBefore]);
      return changed > 0;
    },
    async drop(id) {
      return (await db.run('DELETE FROM queue_items WHERE id = $1', [checkString(id, 'queue entry id')])) > 0;
    },
    async entries() {
      return (await db.all(`${QUEUE_SELECT} ${QUEUE_ORDER}`)).map(rowToEntry);
    },
  };
}
