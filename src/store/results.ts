// What a build leaves behind besides its log: artifacts' metadata (the files live under the
// home directory) and test reports (each `junit` call's totals and cases).
import { isConstraint, placeholders, rNum, rStr, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import {
  StoreError, type ArtifactMeta, type ArtifactRepo, type TestReport, type TestReportRepo, type TestTotals,
} from './types.ts';
import { checkArtifactPath, checkInt, checkSha256, checkString, toJson } from './validate.ts';

function noBuild(id: string): StoreError {
  return new StoreError('not-found', `no build with id ${id}`);
}

function rowToArtifact(r: Row): ArtifactMeta {
  return { path: rStr(r, 'path'), size: rNum(r, 'size'), sha256: rStr(r, 'sha256'), mode: rNum(r, 'mode') };
}

export function artifactRepo(ctx: RepoContext): ArtifactRepo {
  const { db } = ctx;
  return {
    async add(buildId, artifacts) {
      const id = checkString(buildId, 'build id');
      if (!Array.isArray(artifacts)) throw new StoreError('invalid', 'artifacts must be a list');
      const checked = artifacts.map((a: ArtifactMeta) => ({
        path: checkArtifactPath(a.path),
        size: checkInt(a.size, `size of ${a.path}`, 0),
        sha256: checkSha256(a.sha256),
        mode: checkInt(a.mode, `mode of ${a.path}`, 0, 0o7777),
      }));
      await db.tx(async (tx) => {
        if (!(await tx.one('SELECT 1 AS x FROM builds WHERE id = $1', [id]))) throw noBuild(id);
        for (const a of checked) {
          try {
            await tx.run(
              `INSERT INTO artifacts (build_id, path, size, sha256, mode) VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (build_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256, mode = excluded.mode`,
              [id, a.path, a.size, a.sha256, a.mode]);
          } catch (e) {
            if (isConstraint(e, 'foreign-key')) throw noBuild(id);
            throw e;
          }
        }
      });
    },
    async list(buildId) {
      const rows = await db.all('SELECT path, size, sha256, mode FROM artifacts WHERE build_id = $1', [checkString(buildId, 'build id')]);
      return rows.map(rowToArtifact).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async get(buildId, path) {
      const row = await db.one('SELECT path, size, sha256, mode FROM artifacts WHERE build_id = $1 AND path = $2',
        [checkString(buildId, 'build id'), checkString(path, 'artifact path')]);
      return row ? rowToArtifact(row) : null;
    },
  };
}

const TOTALS = ['total', 'failed', 'errors', 'skipped', 'passed'] as const;
const CASE_STATUSES = new Set(['passed', 'failed', 'error', 'skipped']);

function checkReport(r: TestReport): { totals: TestTotals; cases: string } {
  if (typeof r !== 'object' || r === null) throw new StoreError('invalid', 'a test report must be an object');
  const totals = Object.fromEntries(TOTALS.map((k) => [k, checkInt(r[k], `test report ${k}`, 0, 2 ** 31 - 1)])) as unknown as TestTotals;
  if (!Array.isArray(r.cases)) throw new StoreError('invalid', 'test report cases must be a list');
  r.cases.forEach((c, i) => {
    if (typeof c !== 'object' || c === null || typeof c.name !== 'string' || !CASE_STATUSES.has(c.status)) {
      throw new StoreError('invalid', `test report cases[${i}] must have a name and a status of passed, failed, error or skipped`);
    }
  });
  return { totals, cases: toJson(r.cases, 'test report cases') };
}

export function testReportRepo(ctx: RepoContext): TestReportRepo {
  const { db } = ctx;
  return {
    async add(buildId, report) {
      const id = checkString(buildId, 'build id');
      const { totals, cases } = checkReport(report);
      await db.tx(async (tx) => {
        // The build row's counter orders the reports and locks the build (PostgreSQL).
        const row = await tx.one('UPDATE builds SET test_report_count = test_report_count + 1 WHERE id = $1 RETURNING test_report_count', [id]);
        if (!row) throw noBuild(id);
        await tx.run(
          `INSERT INTO test_reports (build_id, seq, total, failed, errors, skipped, passed, cases, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [id, rNum(row, 'test_report_count'), totals.total, totals.failed, totals.errors, totals.skipped, totals.passed, cases, ctx.now()]);
      });
    },
    async get(buildId) {
      const rows = await db.all(
        'SELECT total, failed, errors, skipped, passed, cases FROM test_reports WHERE build_id = $1 ORDER BY seq', [checkString(buildId, 'build id')]);
      if (rows.length === 0) return null;
      const out: TestReport = { total: 0, failed: 0, errors: 0, skipped: 0, passed: 0, cases: [] };
      for (const r of rows) {
        for (const k of TOTALS) out[k] += rNum(r, k);
        out.cases.push(...(JSON.parse(rStr(r, 'cases')) as TestReport['cases']));
      }
      return out;
    },
    async totals(buildId) {
      const row = await db.one(
        `SELECT COUNT(*) AS n, SUM(total) AS total, SUM(failed) AS failed, SUM(errors) AS errors, SUM(skipped) AS skipped,
           SUM(passed) AS passed FROM test_reports WHERE build_id = $1`, [checkString(buildId, 'build id')]);
      if (!row || rNum(row, 'n') === 0) return null;
      return { total: rNum(row, 'total'), failed: rNum(row, 'failed'), errors: rNum(row, 'errors'), skipped: rNum(row, 'skipped'), passed: rNum(row, 'passed') };
    },
    async totalsOf(buildIds) {
      const out = new Map<string, TestTotals>();
      const ids = buildIds.map((id) => checkString(id, 'build id'));
      // In chunks small enough for any driver's parameter limit.
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        const rows = await db.all(
          `SELECT build_id, SUM(total) AS total, SUM(failed) AS failed, SUM(errors) AS errors, SUM(skipped) AS skipped, SUM(passed) AS passed
           FROM test_reports WHERE build_id IN (${placeholders(chunk.length, 1)}) GROUP BY build_id`, chunk);
        for (const row of rows) {
          out.set(rStr(row, 'build_id'), { total: rNum(row, 'total'), failed: rNum(row, 'failed'), errors: rNum(row, 'errors'), skipped: rNum(row, 'skipped'), passed: rNum(row, 'passed') });
        }
      }
      return out;
    },
  };
}
