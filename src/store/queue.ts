// The persisted build queue: one row per queued build, so a controller restart finds its
// queue again. The scheduler keeps the live view (which executor, why waiting) in memory.
import { isConstraint, rNum, rNumOrNull, rStr, rStrOrNull, type Db, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, type QueueItem, type QueueRepo, type QueueSpec } from './types.ts';
import { checkIntOrNull, checkString, checkStringOrNull } from './validate.ts';

const QUEUE_SELECT = `SELECT q.build_id, q.job_id, j.name AS job_name, b.number, q.label, q.reason, q.enqueued_at, q.not_before
  FROM queue_items q JOIN builds b ON b.id = q.build_id JOIN jobs j ON j.id = q.job_id`;

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

export interface CheckedQueueSpec {
  label: string | null;
  reason: string;
  notBefore: number | null;
}

export function checkQueueSpec(spec: QueueSpec): CheckedQueueSpec {
  const label = checkStringOrNull(spec.label, 'queue label', { max: 10_000 });
  return {
    label: label === null || label.trim() === '' ? null : label.trim(),
    reason: checkString(spec.reason ?? '', 'queue reason', { max: 10_000 }),
    notBefore: checkIntOrNull(spec.notBefore, 'queue notBefore', 0),
  };
}

/** Inserts the queue row of a build (inside the caller's transaction). */
export async function insertQueueItem(db: Db, build: { id: string; jobId: string }, spec: CheckedQueueSpec, now: number): Promise<void> {
  try {
    await db.run(
      'INSERT INTO queue_items (build_id, job_id, label, reason, enqueued_at, not_before) VALUES ($1, $2, $3, $4, $5, $6)',
      [build.id, build.jobId, spec.label, spec.reason, now, spec.notBefore]);
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
        const row = await tx.one(`${QUEUE_SELECT} WHERE q.build_id = $1`, [id]);
        return rowToItem(row!);
      });
    },
    async list() {
      const rows = await db.all(`${QUEUE_SELECT} ORDER BY q.enqueued_at, b.queued_at, b.number`);
      return rows.map(rowToItem);
    },
    async remove(buildId) {
      return (await db.run('DELETE FROM queue_items WHERE build_id = $1', [checkString(buildId, 'build id')])) > 0;
    },
  };
}
