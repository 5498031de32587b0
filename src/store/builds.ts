// Builds: numbered per job (allocated atomically with the job row's counter), with status,
// result, parameters, causes, the SCM revision, and the engine's whole BuildState as JSON.
// Also the build discarder (Jenkins' LogRotator rules).
import { randomUUID } from 'node:crypto';
import { placeholders, rBool, rJson, rJsonOrNull, rNum, rNumOrNull, rStr, rStrOrNull, type Db, type Row, type SqlParam } from './db.ts';
import { jobIdOf, jobNotFound, type RepoContext } from './jobs.ts';
import { checkQueueSpec, insertQueueItem } from './queue.ts';
import {
  StoreError, type Build, type BuildCause, type BuildCreate, type BuildFilter, type BuildParams, type BuildRef,
  type BuildRepo, type BuildResult, type BuildScm, type BuildState, type BuildSummary, type BuildUpdate, type DiscardPolicy,
} from './types.ts';
import {
  checkBool, checkCauses, checkDiscardPolicy, checkInt, checkJobName, checkParams, checkResult, checkResults, checkScm,
  checkStatus, checkString, checkStringOrNull, checkTime, toJson,
} from './validate.ts';

const SUMMARY_COLUMNS = `b.id, b.job_id, j.name AS job_name, b.number, b.status, b.result, b.params, b.causes,
  b.scm_url, b.scm_branch, b.scm_commit, b.node, b.message, b.keep_log, b.queued_at, b.started_at, b.ended_at`;
const FROM = 'FROM builds b JOIN jobs j ON j.id = b.job_id';
const SELECT_SUMMARY = `SELECT ${SUMMARY_COLUMNS} ${FROM}`;
const SELECT_FULL = `SELECT ${SUMMARY_COLUMNS}, b.state ${FROM}`;

const DAY_MS = 86_400_000;
const MAX_PAGE = 1000;

function rowToSummary(r: Row): BuildSummary {
  const url = rStrOrNull(r, 'scm_url');
  const branch = rStrOrNull(r, 'scm_branch');
  const commit = rStrOrNull(r, 'scm_commit');
  return {
    id: rStr(r, 'id'),
    jobId: rStr(r, 'job_id'),
    job: rStr(r, 'job_name'),
    number: rNum(r, 'number'),
    status: rStr(r, 'status') as BuildSummary['status'],
    result: rStrOrNull(r, 'result') as BuildResult | null,
    params: rJson<BuildParams>(r, 'params'),
    causes: rJson<BuildCause[]>(r, 'causes'),
    scm: url === null && branch === null && commit === null ? null : { url, branch, commit },
    node: rStrOrNull(r, 'node'),
    message: rStrOrNull(r, 'message'),
    keepLog: rBool(r, 'keep_log'),
    queuedAt: rNum(r, 'queued_at'),
    startedAt: rNumOrNull(r, 'started_at'),
    endedAt: rNumOrNull(r, 'ended_at'),
  };
}

function rowToBuild(r: Row): Build {
  return { ...rowToSummary(r), state: rJsonOrNull<BuildState>(r, 'state') };
}

function checkState(v: unknown): string | null {
  if (v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) throw new StoreError('invalid', 'state must be a BuildState object or null');
  return toJson(v, 'state');
}

function label(b: { job: string; number: number }): string {
  return `${b.job} #${b.number}`;
}

/** Opaque page cursor: the number below which the next page starts. */
function parseCursor(c: string | null | undefined): number | null {
  if (c === null || c === undefined || c === '') return null;
  if (!/^[1-9]\d{0,15}$/.test(c)) throw new StoreError('invalid', `invalid page cursor '${c}' (pass back the 'next' of the previous page)`);
  return Number(c);
}

/** Runs f over the ids in chunks small enough for any driver's parameter limit. */
async function inChunks(ids: string[], f: (chunk: string[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) await f(ids.slice(i, i + 500));
}

export function buildRepo(ctx: RepoContext): BuildRepo {
  const { db } = ctx;

  async function latestRow(job: string, filter: BuildFilter, select: string): Promise<Row | null> {
    const f: BuildFilter = filter;
    const jobId = await jobIdOf(db, job);
    const where = ['b.job_id = $1'];
    const args: SqlParam[] = [jobId];
    if (f.before !== undefined) {
      args.push(checkInt(f.before, 'before', 1));
      where.push(`b.number < $${args.length}`);
    }
    if (f.status !== undefined) {
      const statuses = f.status.map(checkStatus);
      if (statuses.length === 0) return null;
      where.push(`b.status IN (${placeholders(statuses.length, args.length + 1)})`);
      args.push(...statuses);
    }
    if (f.results !== undefined) {
      const results = checkResults(f.results);
      if (results.length === 0) return null;
      where.push(`b.result IN (${placeholders(results.length, args.length + 1)})`);
      args.push(...results);
    }
    return db.one(`${select} WHERE ${where.join(' AND ')} ORDER BY b.number DESC LIMIT 1`, args);
  }

  async function getFull(q: Db, id: string): Promise<Build | null> {
    const row = await q.one(`${SELECT_FULL} WHERE b.id = $1`, [id]);
    return row ? rowToBuild(row) : null;
  }

  return {
    async create(job, input = {}) {
      const name = checkJobName(job);
      const params = checkParams(input.params ?? {});
      const causes = checkCauses(input.causes ?? []);
      const scm = checkScm(input.scm);
      const queue = input.enqueue !== undefined ? checkQueueSpec(input.enqueue) : null;
      const now = ctx.now();
      return db.tx(async (tx) => {
        // The job row's counter is the allocator: the UPDATE locks the row (PostgreSQL) or runs
        // alone (SQLite), so concurrent creates get consecutive numbers and never the same one.
        const row = await tx.one(
          'UPDATE jobs SET next_build_number = next_build_number + 1 WHERE name = $1 RETURNING id, name, next_build_number - 1 AS number',
          [name]);
        if (!row) throw jobNotFound(name);
        const build: Build = {
          id: randomUUID(), jobId: rStr(row, 'id'), job: rStr(row, 'name'), number: rNum(row, 'number'),
          status: 'queued', result: null, params: JSON.parse(params) as BuildParams, causes, scm, node: null,
          message: null, keepLog: false, queuedAt: now, startedAt: null, endedAt: null, state: null,
        };
        await tx.run(
          `INSERT INTO builds (id, job_id, number, status, params, causes, scm_url, scm_branch, scm_commit, queued_at)
           VALUES ($1, $2, $3, 'queued', $4, $5, $6, $7, $8, $9)`,
          [build.id, build.jobId, build.number, params, toJson(causes, 'causes'), scm?.url ?? null, scm?.branch ?? null, scm?.commit ?? null, now]);
        if (queue) await insertQueueItem(tx, build, queue, now);
        return build;
      });
    },

    get: (id) => getFull(db, checkString(id, 'build id')),

    async getByNumber(job, number) {
      const row = await db.one(`${SELECT_FULL} WHERE j.name = $1 AND b.number = $2`, [checkJobName(job), checkInt(number, 'build number', 1)]);
      return row ? rowToBuild(row) : null;
    },

    async update(id, patch) {
      const p: BuildUpdate = patch;
      checkString(id, 'build id');
      const sets: string[] = [];
      const args: SqlParam[] = [id];
      const set = (column: string, value: SqlParam): void => {
        args.push(value);
        sets.push(`${column} = $${args.length}`);
      };
      const status = p.status !== undefined ? checkStatus(p.status) : undefined;
      const result = p.result !== undefined ? checkResult(p.result) : undefined;
      const state = p.state !== undefined ? checkState(p.state) : undefined;
      const scm = p.scm !== undefined ? checkScm(p.scm) : undefined;
      if (status !== undefined) set('status', status);
      if (result !== undefined) set('result', result);
      if (state !== undefined) set('state', state);
      if (p.node !== undefined) set('node', checkStringOrNull(p.node, 'node', { max: 255 }));
      if (p.message !== undefined) set('message', checkStringOrNull(p.message, 'message', { max: 100_000 }));
      if (scm !== undefined) { set('scm_url', scm?.url ?? null); set('scm_branch', scm?.branch ?? null); set('scm_commit', scm?.commit ?? null); }
      if (p.keepLog !== undefined) set('keep_log', checkBool(p.keepLog, 'keepLog'));
      if (p.startedAt !== undefined) set('started_at', p.startedAt === null ? null : checkTime(p.startedAt, 'startedAt'));
      if (p.endedAt !== undefined) set('ended_at', p.endedAt === null ? null : checkTime(p.endedAt, 'endedAt'));

      return db.tx(async (tx) => {
        // Lock the row first (PostgreSQL) so the status check below cannot race another update.
        await tx.run('UPDATE builds SET keep_log = keep_log WHERE id = $1', [id]);
        const cur = await (state !== undefined ? tx.one(`${SELECT_SUMMARY} WHERE b.id = $1`, [id]) : tx.one(`${SELECT_FULL} WHERE b.id = $1`, [id]));
        if (!cur) throw new StoreError('not-found', `no build with id ${id}`);
        const before: Build = state !== undefined ? { ...rowToSummary(cur), state: null } : rowToBuild(cur);
        if (before.status === 'finished' && status !== undefined && status !== 'finished') {
          throw new StoreError('conflict', `${label(before)} has finished; its status cannot become '${status}'`);
        }
        const finalResult = result !== undefined ? result : before.result;
        if ((status ?? before.status) === 'finished' && finalResult === null) {
          throw new StoreError('invalid', `${label(before)} cannot be finished without a result`);
        }
        if (sets.length > 0) await tx.run(`UPDATE builds SET ${sets.join(', ')} WHERE id = $1`, args);
        // A build that leaves 'queued' has left the queue; a finished one waits for nothing.
        if (status !== undefined && ((before.status === 'queued' && status !== 'queued') || status === 'finished')) {
          await tx.run('DELETE FROM queue_items WHERE build_id = $1', [id]);
        }
        return {
          ...before,
          status: status ?? before.status,
          result: finalResult,
          state: state !== undefined ? (state === null ? null : JSON.parse(state) as BuildState) : before.state,
          node: p.node !== undefined ? p.node : before.node,
          message: p.message !== undefined ? p.message : before.message,
          scm: scm !== undefined ? scm : before.scm,
          keepLog: p.keepLog ?? before.keepLog,
          startedAt: p.startedAt !== undefined ? p.startedAt : before.startedAt,
          endedAt: p.endedAt !== undefined ? p.endedAt : before.endedAt,
        };
      });
    },

    async list(job, opts = {}) {
      const limit = checkInt(opts.limit ?? 25, 'limit', 1, MAX_PAGE);
      const before = parseCursor(opts.cursor);
      const jobId = await jobIdOf(db, job);
      const rows = before === null
        ? await db.all(`${SELECT_SUMMARY} WHERE b.job_id = $1 ORDER BY b.number DESC LIMIT $2`, [jobId, limit + 1])
        : await db.all(`${SELECT_SUMMARY} WHERE b.job_id = $1 AND b.number < $2 ORDER BY b.number DESC LIMIT $3`, [jobId, before, limit + 1]);
      const builds = rows.slice(0, limit).map(rowToSummary);
      const last = builds[builds.length - 1];
      return { builds, next: rows.length > limit && last ? String(last.number) : null };
    },

    async latest(job, filter = {}) {
      const row = await latestRow(job, filter, SELECT_FULL);
      return row ? rowToBuild(row) : null;
    },

    async latestSummary(job, filter = {}) {
      const row = await latestRow(job, filter, SELECT_SUMMARY);
      return row ? rowToSummary(row) : null;
    },

    async listUnfinished() {
      const rows = await db.all(`${SELECT_FULL} WHERE b.status <> 'finished' ORDER BY b.queued_at, j.name, b.number`);
      return rows.map(rowToBuild);
    },

    async delete(id) {
      return (await db.run('DELETE FROM builds WHERE id = $1', [checkString(id, 'build id')])) > 0;
    },

    async prune(job, policy, opts = {}) {
      const pol: DiscardPolicy = checkDiscardPolicy(policy, 'policy');
      const now = opts.now ?? ctx.now();
      const name = checkJobName(job);
      return db.tx(async (tx) => {
        // Lock the job row: no build is created while we decide.
        const locked = await tx.run('UPDATE jobs SET next_build_number = next_build_number WHERE name = $1', [name]);
        if (locked === 0) throw jobNotFound(name);
        const jobId = await jobIdOf(tx, name);
        const rows = await tx.all(
          'SELECT id, number, status, result, keep_log, queued_at, started_at FROM builds WHERE job_id = $1 ORDER BY number DESC', [jobId]);
        const all = rows.map((r) => ({
          id: rStr(r, 'id'), number: rNum(r, 'number'), status: rStr(r, 'status'), result: rStrOrNull(r, 'result'),
          keepLog: rBool(r, 'keep_log'), time: rNumOrNull(r, 'started_at') ?? rNum(r, 'queued_at'),
        }));
        type B = (typeof all)[number];
        const finished = all.filter((b) => b.status === 'finished');
        const lastSuccessful = finished.find((b) => b.result === 'SUCCESS' || b.result === 'UNSTABLE');
        const lastStable = finished.find((b) => b.result === 'SUCCESS');
        // Jenkins' LogRotator.shouldKeepRun.
        const keep = (b: B): boolean => b.keepLog || b === lastSuccessful || b === lastStable || b.status !== 'finished';
        const pick = (list: B[], numToKeep: number | null, daysToKeep: number | null): Set<B> => {
          const out = new Set<B>();
          if (numToKeep !== null) for (const b of list.slice(numToKeep)) if (!keep(b)) out.add(b);
          if (daysToKeep !== null) {
            const cutoff = now - daysToKeep * DAY_MS;
            for (const b of list) if (b.time < cutoff && !keep(b)) out.add(b);
          }
          return out;
        };
        const gone = pick(all, pol.numToKeep, pol.daysToKeep);
        const remaining = all.filter((b) => !gone.has(b));
        const stripCandidates = [...pick(remaining, pol.artifactNumToKeep, pol.artifactDaysToKeep)];
        // Only builds that still have artifacts' rows are reported (a build stripped before is not again).
        const withArtifacts = new Set<string>();
        await inChunks(stripCandidates.map((b) => b.id), async (ids) => {
          const found = await tx.all(`SELECT DISTINCT build_id FROM artifacts WHERE build_id IN (${placeholders(ids.length, 1)})`, ids);
          for (const r of found) withArtifacts.add(rStr(r, 'build_id'));
        });
        const stripped = stripCandidates.filter((b) => withArtifacts.has(b.id));
        await inChunks(stripped.map((b) => b.id), (ids) => tx.run(`DELETE FROM artifacts WHERE build_id IN (${placeholders(ids.length, 1)})`, ids));
        await inChunks([...gone].map((b) => b.id), (ids) => tx.run(`DELETE FROM builds WHERE id IN (${placeholders(ids.length, 1)})`, ids));
        const refs = (xs: Iterable<B>): BuildRef[] => [...xs].map((b) => ({ id: b.id, number: b.number })).sort((a, b) => a.number - b.number);
        return { builds: refs(gone), artifacts: refs(stripped) };
      });
    },
  };
}
