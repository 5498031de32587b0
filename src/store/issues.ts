// Static analysis results (the warnings plugin's recordIssues / publishIssues), kept like test
// reports: rows of the build (removed with it), one per result id (migration 9,
// `issue_results`), counts in columns and the issues as JSON. `history` is the reference
// search: a job's finished builds, newest first, each with its result of one id if it has one.
import { rNum, rStr, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, type IssueResultRepo } from './types.ts';
import type { IssuesHistoryEntry, IssuesRecord, QualityGateStatus } from '../core/issues.ts';
import { ISSUE_SEVERITIES } from '../core/issues.ts';
import { checkInt, checkJobName, checkString, toJson } from './validate.ts';

const GATES = new Set(['INACTIVE', 'PASSED', 'NOTE', 'WARNING', 'FAILED']);
const SEVERITIES = new Set<string>(ISSUE_SEVERITIES);

function check(r: IssuesRecord): IssuesRecord {
  if (typeof r !== 'object' || r === null) throw new StoreError('invalid', 'an issues record must be an object');
  checkString(r.id, 'issues result id', { max: 200, nonEmpty: true });
  checkString(r.name, 'issues result name', { max: 500 });
  if (!GATES.has(r.qualityGate)) throw new StoreError('invalid', `issues result ${r.id}: quality gate status '${String(r.qualityGate)}' is not one of ${[...GATES].join(', ')}`);
  if (!Array.isArray(r.issues) || !Array.isArray(r.fixed)) throw new StoreError('invalid', `issues result ${r.id}: issues and fixed must be lists`);
  for (const [k, i] of [...r.issues, ...r.fixed].entries()) {
    if (typeof i !== 'object' || i === null || typeof i.file !== 'string' || typeof i.message !== 'string' || !SEVERITIES.has(i.severity)) {
      throw new StoreError('invalid', `issues result ${r.id}: issue ${k} must have a file, a message and a severity of ${ISSUE_SEVERITIES.join(', ')}`);
    }
  }
  return r;
}

export function issueResultRepo(ctx: RepoContext): IssueResultRepo {
  const { db } = ctx;
  return {
    async add(buildId, record) {
      const id = checkString(buildId, 'build id');
      const r = check(record);
      const data = toJson(r, `issues result ${r.id}`);
      await db.tx(async (tx) => {
        if (!(await tx.one('SELECT 1 AS x FROM builds WHERE id = $1', [id]))) throw new StoreError('not-found', `no build with id ${id}`);
        if (await tx.one('SELECT 1 AS x FROM issue_results WHERE build_id = $1 AND result_id = $2', [id, r.id])) {
          throw new StoreError('conflict', `the build already has an issues result with id ${r.id}`);
        }
        const seq = rNum((await tx.one('SELECT COUNT(*) AS n FROM issue_results WHERE build_id = $1', [id]))!, 'n') + 1;
        await tx.run(
          `INSERT INTO issue_results (build_id, result_id, seq, name, total, new_count, fixed_count, quality_gate, data, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [id, r.id, seq, r.name, r.issues.length, r.issues.filter((i) => i.state === 'new').length, r.fixed.length, r.qualityGate, data, ctx.now()]);
      });
    },
    async list(buildId) {
      const rows = await db.all('SELECT data FROM issue_results WHERE build_id = $1 ORDER BY seq', [checkString(buildId, 'build id')]);
      return rows.map((row: Row) => JSON.parse(rStr(row, 'data')) as IssuesRecord);
    },
    async history(job, before, resultId, limit) {
      const name = checkJobName(job);
      const n = checkInt(limit, 'limit', 1, 1000);
      const rows = await db.all(
        `SELECT j.name AS job, b.id AS build_id, b.number AS number, b.result AS result, r.quality_gate AS gate
         FROM builds b JOIN jobs j ON j.id = b.job_id
         LEFT JOIN issue_results r ON r.build_id = b.id AND r.result_id = $2
         WHERE j.name = $1 AND b.status = 'finished'${before === null ? '' : ' AND b.number < $3'}
         ORDER BY b.number DESC LIMIT ${n}`,
        before === null ? [name, resultId] : [name, resultId, checkInt(before, 'build number', 0)]);
      return rows.map((row: Row): IssuesHistoryEntry => {
        const gate = row['gate'];
        const buildRow = rStr(row, 'build_id');
        return {
          job: rStr(row, 'job'), number: rNum(row, 'number'), result: row['result'] === null || row['result'] === undefined ? null : String(row['result']),
          // The issues (possibly many) are parsed only for the build the search settles on.
          record: typeof gate === 'string' ? {
            qualityGate: gate as QualityGateStatus,
            issues: async () => {
              const r = await db.one('SELECT data FROM issue_results WHERE build_id = $1 AND result_id = $2', [buildRow, resultId]);
              return r ? (JSON.parse(rStr(r, 'data')) as IssuesRecord).issues.map(({ state: _s, ...i }) => i) : [];
            },
          } : null,
        };
      });
    },
  };
}
