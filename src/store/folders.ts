// Folder permissions as data: grants (folder, grantee, rights) and, per job, who last set its
// definition (its "configurer", the identity its builds bind folder credentials with). What
// they mean is decided in src/controller/auth/folders.ts; here they are checked and kept.
// Also a folder's properties (the Folder Properties plugin; src/controller/folder-properties.ts
// serves and merges them): keys are environment variable names, sizes are bounded
// (FOLDER_PROPERTY_LIMITS), the order given is kept (column position).
import { USER_NAME } from './users.ts';
import { isConstraint, placeholders, rJson, rNum, rStr, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { FOLDER_PROPERTY_LIMITS, FOLDER_RIGHTS, StoreError, invalidField, type FolderGrant, type FolderProperty, type FolderRepo, type FolderRight } from './types.ts';
import { checkJobName, checkString, toJson } from './validate.ts';

const GRANT_COLUMNS = 'folder, grantee, rights, updated_at, updated_by';
const PROPERTY_COLUMNS = 'folder, name, value, position, updated_at, updated_by';
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A folder's properties as given: each key an environment variable name, once; sizes bounded. */
export function checkProperties(v: unknown): { key: string; value: string }[] {
  const L = FOLDER_PROPERTY_LIMITS;
  if (!Array.isArray(v)) throw invalidField('properties', "a list of { key, value } (e.g. [{ key: 'REGISTRY', value: 'registry.example:5000' }])");
  if (v.length > L.count) throw invalidField('properties', `${v.length} properties; a folder has at most ${L.count}`);
  const seen = new Set<string>();
  return v.map((p: unknown, i) => {
    const at = `properties[${i}]`;
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw invalidField(at, 'an object { key, value }');
    const { key, value } = p as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || key.length > L.keyLength || !ENV_NAME.test(key)) {
      throw invalidField(`${at}.key`, `${JSON.stringify(typeof key === 'string' ? key.slice(0, 80) : key) ?? String(key)} is not an environment variable name (letters, digits and _, not starting with a digit, at most ${L.keyLength} characters)`);
    }
    if (seen.has(key)) throw invalidField(`${at}.key`, `'${key}' is given twice`);
    seen.add(key);
    if (typeof value !== 'string') throw invalidField(`${at}.value`, 'a string');
    if (value.length > L.valueLength) throw invalidField(`${at}.value`, `${value.length} characters; at most ${L.valueLength}`);
    if (value.includes('\0')) throw invalidField(`${at}.value`, 'contains a NUL character, which no environment variable can hold');
    return { key, value };
  });
}

function rowToProperty(r: Row): FolderProperty {
  return { folder: rStr(r, 'folder'), key: rStr(r, 'name'), value: rStr(r, 'value'), updatedAt: rNum(r, 'updated_at'), updatedBy: rStr(r, 'updated_by') };
}

/** By folder (code units, as `sorted`), then position. */
function sortedProperties(rows: Row[]): FolderProperty[] {
  return rows
    .sort((a, b) => {
      const fa = rStr(a, 'folder'), fb = rStr(b, 'folder');
      return fa < fb ? -1 : fa > fb ? 1 : rNum(a, 'position') - rNum(b, 'position');
    })
    .map(rowToProperty);
}


/** A folder path: spelled like a job name ('team', 'team/sub'). */
export function checkFolder(v: unknown): string {
  try {
    return checkJobName(v);
  } catch (e) {
    throw invalidField('folder', `${(e as Error).message.replace(/job name/g, 'folder name')}`);
  }
}

/** 'user:<name>' or 'role:developer'. */
export function checkGrantee(v: unknown): string {
  if (typeof v === 'string') {
    if (v === 'role:developer') return v;
    if (v.startsWith('user:') && USER_NAME.test(v.slice(5))) return v;
  }
  throw invalidField('grantee', `'${String(v).slice(0, 80)}' is neither 'user:<user name>' nor 'role:developer' (every developer; viewers never get folder rights, admins have them all)`);
}

export function checkRights(v: unknown, at: string): FolderRight[] {
  if (!Array.isArray(v)) throw invalidField(at, `a list of rights (${FOLDER_RIGHTS.join(', ')})`);
  for (const r of v) {
    if (typeof r !== 'string' || !(FOLDER_RIGHTS as readonly string[]).includes(r)) {
      throw invalidField(at, `unknown right ${JSON.stringify(r) ?? String(r)}: use ${FOLDER_RIGHTS.join(', ')}`);
    }
  }
  return FOLDER_RIGHTS.filter((r) => (v as string[]).includes(r));
}

function rowToGrant(r: Row): FolderGrant {
  return { folder: rStr(r, 'folder'), grantee: rStr(r, 'grantee'), rights: rJson<FolderRight[]>(r, 'rights'), updatedAt: rNum(r, 'updated_at'), updatedBy: rStr(r, 'updated_by') };
}

/** Sorted by code units, the same on both databases (their collations differ). */
function sorted(gs: FolderGrant[]): FolderGrant[] {
  const key = (g: FolderGrant) => `${g.folder}\0${g.grantee}`;
  return gs.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

export function folderRepo(ctx: RepoContext): FolderRepo {
  const { db } = ctx;
  return {
    async grants(folders) {
      if (folders === undefined) return sorted((await db.all(`SELECT ${GRANT_COLUMNS} FROM folder_grants`)).map(rowToGrant));
      if (folders.length === 0) return [];
      const list = folders.map(checkFolder);
      return sorted((await db.all(`SELECT ${GRANT_COLUMNS} FROM folder_grants WHERE folder IN (${placeholders(list.length, 1)})`, list)).map(rowToGrant));
    },
    async setGrants(folder, grants, by) {
      const f = checkFolder(folder);
      const seen = new Set<string>();
      const rows = grants.map((g, i) => {
        const grantee = checkGrantee(g.grantee);
        if (seen.has(grantee)) throw invalidField(`grants[${i}]`, `${grantee} is listed twice`);
        seen.add(grantee);
        return { grantee, rights: checkRights(g.rights, `grants[${i}].rights`) };
      });
      const who = checkString(by, 'updatedBy', { max: 200 });
      const now = ctx.now();
      await db.tx(async (tx) => {
        await tx.run('DELETE FROM folder_grants WHERE folder = $1', [f]);
        for (const g of rows) {
          await tx.run(`INSERT INTO folder_grants (${GRANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [f, g.grantee, toJson(g.rights, 'rights'), now, who]);
        }
      });
      return sorted(rows.map((g) => ({ folder: f, grantee: g.grantee, rights: g.rights, updatedAt: now, updatedBy: who })));
    },
    async deleteGrantee(grantee) {
      return db.run('DELETE FROM folder_grants WHERE grantee = $1', [checkGrantee(grantee)]);
    },
    async properties(folders) {
      if (folders === undefined) return sortedProperties(await db.all(`SELECT ${PROPERTY_COLUMNS} FROM folder_properties`));
      if (folders.length === 0) return [];
      const list = folders.map(checkFolder);
      return sortedProperties(await db.all(`SELECT ${PROPERTY_COLUMNS} FROM folder_properties WHERE folder IN (${placeholders(list.length, 1)})`, list));
    },
    async setProperties(folder, props, by) {
      const f = checkFolder(folder);
      const rows = checkProperties(props);
      const who = checkString(by, 'updatedBy', { max: 200 });
      const now = ctx.now();
      await db.tx(async (tx) => {
        await tx.run('DELETE FROM folder_properties WHERE folder = $1', [f]);
        for (const [i, p] of rows.entries()) {
          await tx.run(`INSERT INTO folder_properties (${PROPERTY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)`, [f, p.key, p.value, i, now, who]);
        }
      });
      return rows.map((p) => ({ folder: f, key: p.key, value: p.value, updatedAt: now, updatedBy: who }));
    },
    async configurer(jobId) {
      const row = await db.one('SELECT user_name, configured_at FROM job_configurers WHERE job_id = $1', [checkString(jobId, 'job id')]);
      return row ? { user: rStr(row, 'user_name'), at: rNum(row, 'configured_at') } : null;
    },
    async setConfigurer(jobId, user) {
      const u = checkString(user, 'user', { nonEmpty: true, max: 200 });
      try {
        await db.run(
          `INSERT INTO job_configurers (job_id, user_name, configured_at) VALUES ($1, $2, $3)
           ON CONFLICT (job_id) DO UPDATE SET user_name = excluded.user_name, configured_at = excluded.configured_at`,
          [checkString(jobId, 'job id'), u, ctx.now()],
        );
      } catch (e) {
        if (isConstraint(e, 'foreign-key')) throw new StoreError('not-found', `no job with id '${jobId}'`);
        throw e;
      }
    },
  };
}
