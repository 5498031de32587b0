// Fingerprints, as Jenkins core's Fingerprinter keeps them: a file's MD5 identifies it across
// jobs; the first build that recorded it having made it is its original (a file older than the
// build, or copied in from nowhere Kiln knows, has none); every build that recorded it uses it.
// What the steps compute is in pipeline/steps/fingerprint.ts; the API in controller/fingerprints.ts.
import { isConstraint, rNum, rStr, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, type Fingerprint, type FingerprintRecord, type FingerprintRepo } from './types.ts';
import { checkArtifactPath, checkInt, checkJobName, checkString } from './validate.ts';

const MD5 = /^[0-9a-f]{32}$/;

export function checkMd5(v: unknown): string {
  if (typeof v !== 'string' || !MD5.test(v)) throw new StoreError('invalid', `an MD5 fingerprint is 32 lowercase hex digits (got ${JSON.stringify(String(v).slice(0, 40))})`);
  return v;
}

function rowToFingerprint(r: Row): Fingerprint {
  const job = r['original_job'];
  return {
    md5: rStr(r, 'md5'), fileName: rStr(r, 'file_name'),
    original: typeof job === 'string' ? { job, number: rNum(r, 'original_number') } : null,
    createdAt: rNum(r, 'created_at'),
  };
}

export function fingerprintRepo(ctx: RepoContext): FingerprintRepo {
  const { db, now } = ctx;
  return {
    async record(buildId, records) {
      const id = checkString(buildId, 'build id');
      if (!Array.isArray(records)) throw new StoreError('invalid', 'fingerprint records must be a list');
      const checked = records.map((r: FingerprintRecord) => ({
        path: checkArtifactPath(r.path),
        md5: checkMd5(r.md5),
        fileName: checkString(r.fileName, `file name of ${r.path}`, { max: 4096, nonEmpty: true }),
        produced: r.produced === true,
        from: r.from ? { job: checkJobName(r.from.job), number: checkInt(r.from.number, 'build number', 1) } : null,
      }));
      await db.tx(async (tx) => {
        const b = await tx.one('SELECT b.number AS number, j.name AS job FROM builds b JOIN jobs j ON j.id = b.job_id WHERE b.id = $1', [id]);
        if (!b) throw new StoreError('not-found', `no build with id ${id}`);
        for (const r of checked) {
          const original = r.from ?? (r.produced ? { job: rStr(b, 'job'), number: rNum(b, 'number') } : null);
          await tx.run(
            `INSERT INTO fingerprints (md5, file_name, original_job, original_number, created_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (md5) DO NOTHING`,
            [r.md5, r.fileName, original?.job ?? null, original?.number ?? null, now()]);
          try {
            await tx.run(
              `INSERT INTO fingerprint_uses (build_id, path, md5) VALUES ($1, $2, $3)
               ON CONFLICT (build_id, path) DO UPDATE SET md5 = excluded.md5`,
              [id, r.path, r.md5]);
          } catch (e) {
            if (isConstraint(e, 'foreign-key')) throw new StoreError('not-found', `no build with id ${id}`);
            throw e;
          }
        }
      });
    },
    async ofBuild(buildId) {
      const rows = await db.all(
        `SELECT u.path AS path, f.md5 AS md5, f.file_name AS file_name, f.original_job AS original_job, f.original_number AS original_number, f.created_at AS created_at
         FROM fingerprint_uses u JOIN fingerprints f ON f.md5 = u.md5 WHERE u.build_id = $1`, [checkString(buildId, 'build id')]);
      return rows.map((r) => ({ ...rowToFingerprint(r), path: rStr(r, 'path') })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },
    async get(md5) {
      const key = checkMd5(md5);
      const row = await db.one('SELECT md5, file_name, original_job, original_number, created_at FROM fingerprints WHERE md5 = $1', [key]);
      if (!row) return null;
      const uses = await db.all(
        `SELECT DISTINCT j.name AS job, b.number AS number FROM fingerprint_uses u JOIN builds b ON b.id = u.build_id JOIN jobs j ON j.id = b.job_id
         WHERE u.md5 = $1 ORDER BY j.name, b.number`, [key]);
      return { ...rowToFingerprint(row), uses: uses.map((u) => ({ job: rStr(u, 'job'), number: rNum(u, 'number') })) };
    },
  };
}
