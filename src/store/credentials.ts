// Credentials: id, type, scope (global or a folder of jobs), description, the non-secret
// metadata listings show (username, file name), and the secret as an opaque encrypted
// envelope. The store never sees plaintext and never decrypts: src/controller/credentials.ts
// validates the secret fields, encrypts them (AES-256-GCM, id and type as authenticated data)
// and hands the envelope here. Usage (`usedBy`) is one row per credential and job: the last
// build of that job that bound it.
import { isConstraint, rNum, rStr, rStrOrNull, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import {
  CREDENTIAL_TYPES, StoreError, type CredentialCreate, type CredentialRecord, type CredentialRepo, type CredentialType,
  type CredentialUpdate, type CredentialUse,
} from './types.ts';
import { checkInt, checkJobName, checkString } from './validate.ts';

const COLUMNS = 'id, type, description, folder, username, file_name, secret, created_at, updated_at';

/** Credential ids: letters, digits, '_', '.', '-'; 1..100 characters; not '.' or '..'. */
export const CREDENTIAL_ID = /^[A-Za-z0-9_.-]{1,100}$/;

/** Largest envelope the store accepts (a 1 MiB file, base64 inside JSON, encrypted, base64 again). */
const MAX_ENVELOPE = 4 * 1024 * 1024;

function invalid(message: string): StoreError {
  return new StoreError('invalid', message);
}

export function checkCredentialId(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw invalid('id: a credential id is required (a non-empty string)');
  if (!CREDENTIAL_ID.test(id) || id === '.' || id === '..') {
    throw invalid(`id: invalid credential id '${id.slice(0, 120)}': use 1 to 100 letters, digits, '_', '.' or '-' (not '.' or '..')`);
  }
  return id;
}

export function checkCredentialType(t: unknown): CredentialType {
  if (typeof t !== 'string' || !(CREDENTIAL_TYPES as readonly string[]).includes(t)) {
    throw invalid(`type: must be one of ${CREDENTIAL_TYPES.join(', ')} (got ${JSON.stringify(t) ?? String(t)})`);
  }
  return t as CredentialType;
}

/** null / undefined = global; else a folder name, spelled like a job name ('team-a', 'team-a/sub'). */
export function checkCredentialFolder(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  try {
    return checkJobName(v);
  } catch (e) {
    throw invalid(`folder: ${(e as Error).message.replace(/job name/g, 'folder name')}`);
  }
}

function checkMeta(v: unknown, what: string, max: number): string | null {
  if (v === null || v === undefined) return null;
  const s = checkString(v, what, { max });
  if (/[\x00-\x1f\x7f]/.test(s)) throw invalid(`${what}: must not contain control characters`);
  return s;
}

function checkEnvelope(v: unknown): string {
  const s = checkString(v, 'secret (encrypted envelope)', { nonEmpty: true, max: MAX_ENVELOPE });
  return s;
}

function rowToRecord(r: Row, usedBy: CredentialUse[]): CredentialRecord {
  return {
    id: rStr(r, 'id'),
    type: rStr(r, 'type') as CredentialType,
    description: rStr(r, 'description'),
    folder: rStrOrNull(r, 'folder'),
    username: rStrOrNull(r, 'username'),
    fileName: rStrOrNull(r, 'file_name'),
    secret: rStr(r, 'secret'),
    createdAt: rNum(r, 'created_at'),
    updatedAt: rNum(r, 'updated_at'),
    usedBy,
  };
}

const USES = `SELECT u.credential_id, u.job_id, j.name AS job_name, u.build_number, u.used_at
  FROM credential_uses u JOIN jobs j ON j.id = u.job_id`;

function rowToUse(r: Row): CredentialUse {
  return { job: rStr(r, 'job_name'), jobId: rStr(r, 'job_id'), build: rNum(r, 'build_number'), at: rNum(r, 'used_at') };
}

const byJob = (a: CredentialUse, b: CredentialUse) => (a.job < b.job ? -1 : a.job > b.job ? 1 : 0);

function notFound(id: string): StoreError {
  return new StoreError('not-found', `no credential '${id}'`);
}

export function credentialRepo(ctx: RepoContext): CredentialRepo {
  const { db } = ctx;
  const usesOf = async (id: string): Promise<CredentialUse[]> =>
    (await db.all(`${USES} WHERE u.credential_id = $1`, [id])).map(rowToUse).sort(byJob);
  const get = async (id: string): Promise<CredentialRecord | null> => {
    const row = await db.one(`SELECT ${COLUMNS} FROM credentials WHERE id = $1`, [checkCredentialId(id)]);
    return row ? rowToRecord(row, await usesOf(id)) : null;
  };
  return {
    async create(input) {
      const i: CredentialCreate = input;
      const now = ctx.now();
      const rec: CredentialRecord = {
        id: checkCredentialId(i.id),
        type: checkCredentialType(i.type),
        description: checkString(i.description ?? '', 'description', { max: 10_000 }),
        folder: checkCredentialFolder(i.folder),
        username: checkMeta(i.username, 'username', 1000),
        fileName: checkMeta(i.fileName, 'fileName', 255),
        secret: checkEnvelope(i.secret),
        createdAt: now,
        updatedAt: now,
        usedBy: [],
      };
      try {
        await db.run(`INSERT INTO credentials (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
          rec.id, rec.type, rec.description, rec.folder, rec.username, rec.fileName, rec.secret, now, now]);
      } catch (e) {
        if (isConstraint(e, 'unique')) throw new StoreError('conflict', `a credential with id '${rec.id}' already exists`);
        throw e;
      }
      return rec;
    },

    async update(id, patch) {
      const p: CredentialUpdate = patch;
      checkCredentialId(id);
      const description = p.description !== undefined ? checkString(p.description, 'description', { max: 10_000 }) : undefined;
      const folder = p.folder !== undefined ? checkCredentialFolder(p.folder) : undefined;
      const username = p.username !== undefined ? checkMeta(p.username, 'username', 1000) : undefined;
      const fileName = p.fileName !== undefined ? checkMeta(p.fileName, 'fileName', 255) : undefined;
      const secret = p.secret !== undefined ? checkEnvelope(p.secret) : undefined;
      const next = await db.tx(async (tx) => {
        const row = await tx.one(`SELECT ${COLUMNS} FROM credentials WHERE id = $1`, [id]);
        if (!row) throw notFound(id);
        const cur = rowToRecord(row, []);
        const n: CredentialRecord = {
          ...cur,
          description: description ?? cur.description,
          folder: folder !== undefined ? folder : cur.folder,
          username: username !== undefined ? username : cur.username,
          fileName: fileName !== undefined ? fileName : cur.fileName,
          secret: secret ?? cur.secret,
          updatedAt: Math.max(ctx.now(), cur.updatedAt),
        };
        await tx.run('UPDATE credentials SET description = $2, folder = $3, username = $4, file_name = $5, secret = $6, updated_at = $7 WHERE id = $1', [
          id, n.description, n.folder, n.username, n.fileName, n.secret, n.updatedAt]);
        return n;
      });
      next.usedBy = await usesOf(id);
      return next;
    },

    async delete(id) {
      return (await db.run('DELETE FROM credentials WHERE id = $1', [checkCredentialId(id)])) > 0;
    },

    get,

    async list() {
      const rows = await db.all(`SELECT ${COLUMNS} FROM credentials`);
      const uses = new Map<string, CredentialUse[]>();
      for (const r of await db.all(USES)) {
        const k = rStr(r, 'credential_id');
        const l = uses.get(k) ?? [];
        l.push(rowToUse(r));
        uses.set(k, l);
      }
      return rows.map((r) => rowToRecord(r, (uses.get(rStr(r, 'id')) ?? []).sort(byJob)))
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },

    async recordUse(id, jobId, build) {
      checkCredentialId(id);
      checkString(jobId, 'job id', { nonEmpty: true, max: 200 });
      checkInt(build, 'build number', 1);
      try {
        await db.run(`INSERT INTO credential_uses (credential_id, job_id, build_number, used_at) VALUES ($1, $2, $3, $4)
          ON CONFLICT (credential_id, job_id) DO UPDATE SET build_number = excluded.build_number, used_at = excluded.used_at
          WHERE excluded.build_number >= credential_uses.build_number`, [id, jobId, build, ctx.now()]);
        return true;
      } catch (e) {
        if (isConstraint(e, 'foreign-key')) return false;
        throw e;
      }
    },

    async forgetUsesBefore(jobId, build) {
      checkString(jobId, 'job id', { nonEmpty: true, max: 200 });
      checkInt(build, 'build number', 1);
      await db.run('DELETE FROM credential_uses WHERE job_id = $1 AND build_number < $2', [jobId, build]);
    },
  };
}
