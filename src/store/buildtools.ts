// What the build-tool and report plugins keep (migration 14): coverage results of builds
// (`coverage_results`, one row per result id, the totals and files as JSON, removed with the
// build), the HTML reports publishHTML kept for a build (`html_reports`: name, index files,
// where the files are under the build's directory), and the controller's managed config files
// (`config_files`: Config File Provider's store, edited by admins).
import { rNum, rStr, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, type BuildToolsRepo, type HtmlReportRow } from './types.ts';
import { CONFIG_FILE_ID, MAX_CONFIG_FILE_BYTES, type CoverageRecord, type ManagedConfigFile } from '../core/buildtools.ts';
import { checkString, toJson } from './validate.ts';

const GATES = new Set(['INACTIVE', 'PASSED', 'NOTE', 'WARNING', 'FAILED']);

function checkCoverage(r: CoverageRecord): CoverageRecord {
  if (typeof r !== 'object' || r === null) throw new StoreError('invalid', 'a coverage record must be an object');
  checkString(r.id, 'coverage result id', { max: 200, nonEmpty: true });
  checkString(r.name, 'coverage result name', { max: 500 });
  if (!GATES.has(r.qualityGate)) throw new StoreError('invalid', `coverage result ${r.id}: quality gate status '${String(r.qualityGate)}' is not one of ${[...GATES].join(', ')}`);
  if (!Array.isArray(r.metrics) || !Array.isArray(r.files) || !Array.isArray(r.gates)) throw new StoreError('invalid', `coverage result ${r.id}: metrics, files and gates must be lists`);
  return r;
}

function checkConfigFile(f: ManagedConfigFile): ManagedConfigFile {
  if (typeof f !== 'object' || f === null) throw new StoreError('invalid', 'a config file must be an object');
  if (typeof f.id !== 'string' || !CONFIG_FILE_ID.test(f.id)) throw new StoreError('invalid', `config file id '${String(f.id).slice(0, 60)}': 1 to 200 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  checkString(f.name, 'config file name', { max: 200 });
  checkString(f.type, 'config file type', { max: 60 });
  checkString(f.comment, 'config file comment', { max: 2000 });
  checkString(f.content, 'config file content', { max: MAX_CONFIG_FILE_BYTES });
  if (Buffer.byteLength(f.content) > MAX_CONFIG_FILE_BYTES) throw new StoreError('invalid', `config file ${f.id}: the content is larger than ${MAX_CONFIG_FILE_BYTES} bytes`);
  return f;
}

function configRow(row: Row): ManagedConfigFile & { updatedAt: number; updatedBy: string } {
  return { id: rStr(row, 'id'), name: rStr(row, 'name'), type: rStr(row, 'type'), comment: rStr(row, 'comment'), content: rStr(row, 'content'), updatedAt: rNum(row, 'updated_at'), updatedBy: rStr(row, 'updated_by') };
}

function htmlRow(row: Row): HtmlReportRow {
  return {
    name: rStr(row, 'name'), dir: rStr(row, 'dir'), files: JSON.parse(rStr(row, 'files')) as string[],
    keepAll: rNum(row, 'keep_all') === 1, alwaysLinkToLastBuild: rNum(row, 'link_last') === 1,
  };
}

export function buildToolsRepo(ctx: RepoContext): BuildToolsRepo {
  const { db } = ctx;
  return {
    async addCoverage(buildId, record) {
      const id = checkString(buildId, 'build id');
      const r = checkCoverage(record);
      const data = toJson(r, `coverage result ${r.id}`);
      await db.tx(async (tx) => {
        if (!(await tx.one('SELECT 1 AS x FROM builds WHERE id = $1', [id]))) throw new StoreError('not-found', `no build with id ${id}`);
        if (await tx.one('SELECT 1 AS x FROM coverage_results WHERE build_id = $1 AND result_id = $2', [id, r.id])) {
          throw new StoreError('conflict', `the build already has a coverage result with id ${r.id}`);
        }
        const seq = rNum((await tx.one('SELECT COUNT(*) AS n FROM coverage_results WHERE build_id = $1', [id]))!, 'n') + 1;
        await tx.run('INSERT INTO coverage_results (build_id, result_id, seq, name, quality_gate, data, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
          [id, r.id, seq, r.name, r.qualityGate, data, ctx.now()]);
      });
    },
    async listCoverage(buildId) {
      const rows = await db.all('SELECT data FROM coverage_results WHERE build_id = $1 ORDER BY seq', [checkString(buildId, 'build id')]);
      return rows.map((row: Row) => JSON.parse(rStr(row, 'data')) as CoverageRecord);
    },
    async putHtmlReport(buildId, r) {
      const id = checkString(buildId, 'build id');
      checkString(r.name, 'report name', { max: 200, nonEmpty: true });
      const files = toJson(r.files, `report ${r.name}`);
      await db.tx(async (tx) => {
        await tx.run('DELETE FROM html_reports WHERE build_id = $1 AND name = $2', [id, r.name]);
        const seq = rNum((await tx.one('SELECT COUNT(*) AS n FROM html_reports WHERE build_id = $1', [id]))!, 'n') + 1;
        await tx.run('INSERT INTO html_reports (build_id, name, seq, dir, files, keep_all, link_last, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
          [id, r.name, seq, r.dir, files, r.keepAll ? 1 : 0, r.alwaysLinkToLastBuild ? 1 : 0, ctx.now()]);
      });
    },
    async listHtmlReports(buildId) {
      const rows = await db.all('SELECT name, dir, files, keep_all, link_last FROM html_reports WHERE build_id = $1 ORDER BY seq', [checkString(buildId, 'build id')]);
      return rows.map(htmlRow);
    },
    async dropHtmlReport(buildId, name) {
      await db.run('DELETE FROM html_reports WHERE build_id = $1 AND name = $2', [checkString(buildId, 'build id'), name]);
    },
    async getConfigFile(id) {
      if (typeof id !== 'string' || !CONFIG_FILE_ID.test(id)) return null;
      const row = await db.one('SELECT * FROM config_files WHERE id = $1', [id]);
      return row ? configRow(row) : null;
    },
    async listConfigFiles() {
      return (await db.all('SELECT * FROM config_files ORDER BY id')).map(configRow);
    },
    async putConfigFile(file, by) {
      const f = checkConfigFile(file);
      const now = ctx.now();
      await db.tx(async (tx) => {
        const n = await tx.run('UPDATE config_files SET name = $1, type = $2, comment = $3, content = $4, updated_at = $5, updated_by = $6 WHERE id = $7',
          [f.name, f.type, f.comment, f.content, now, by, f.id]);
        if (n === 0) {
          await tx.run('INSERT INTO config_files (id, name, type, comment, content, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7)',
            [f.id, f.name, f.type, f.comment, f.content, now, by]);
        }
      });
      return { ...f, updatedAt: now, updatedBy: by };
    },
    async deleteConfigFile(id) {
      if (typeof id !== 'string' || !CONFIG_FILE_ID.test(id)) return false;
      return (await db.run('DELETE FROM config_files WHERE id = $1', [id])) > 0;
    },
  };
}
