// Shared libraries as data: global ones (folder '' in the table, null here) and folder ones, each
// a git repository URL with its default version and flags (Jenkins' LibraryConfiguration). The
// shape is checked here; what a URL or version may be, and who may change them, is decided by
// the controller (src/controller/libraries.ts). Credentials are referenced by id only.
import { rBool, rNum, rStr, rStrOrNull, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { checkFolder } from './folders.ts';
import { invalidField, type LibraryInput, type LibraryRecord, type LibraryRepo } from './types.ts';
import { checkBool, checkString, checkStringOrNull } from './validate.ts';

const COLUMNS = 'folder, name, url, default_version, implicit, allow_version_override, credentials_id, include_in_changesets, created_at, updated_at';
/** Library names: safe as a directory name (the checkout cache is <home>/libraries/<name>/). */
export const LIBRARY_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;


function rowToLibrary(r: Row): LibraryRecord {
  const folder = rStr(r, 'folder');
  return {
    folder: folder === '' ? null : folder,
    name: rStr(r, 'name'),
    url: rStr(r, 'url'),
    defaultVersion: rStrOrNull(r, 'default_version'),
    implicit: rBool(r, 'implicit'),
    allowVersionOverride: rBool(r, 'allow_version_override'),
    credentialsId: rStrOrNull(r, 'credentials_id'),
    includeInChangesets: rBool(r, 'include_in_changesets'),
    createdAt: rNum(r, 'created_at'),
    updatedAt: rNum(r, 'updated_at'),
  };
}

function folderKey(folder: string | null): string {
  return folder === null ? '' : checkFolder(folder);
}

export function checkLibraryName(v: unknown): string {
  if (typeof v !== 'string' || !LIBRARY_NAME.test(v)) throw invalidField('name', `'${String(v).slice(0, 120)}' is not a library name: use 1 to 100 letters, digits, '.', '_' or '-', not starting with '.' or '-'`);
  return v;
}

const byKey = (a: LibraryRecord, b: LibraryRecord) => {
  const ka = `${a.folder ?? ''}\0${a.name}`;
  const kb = `${b.folder ?? ''}\0${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

export function libraryRepo(ctx: RepoContext): LibraryRepo {
  const { db } = ctx;
  return {
    async put(input: LibraryInput) {
      const folder = folderKey(input.folder);
      const name = checkLibraryName(input.name);
      const url = checkString(input.url, 'url', { nonEmpty: true, max: 2000 });
      const defaultVersion = checkStringOrNull(input.defaultVersion, 'defaultVersion', { nonEmpty: true, max: 255 });
      const credentialsId = checkStringOrNull(input.credentialsId, 'credentialsId', { nonEmpty: true, max: 200 });
      const flags = [checkBool(input.implicit, 'implicit'), checkBool(input.allowVersionOverride, 'allowVersionOverride'), checkBool(input.includeInChangesets, 'includeInChangesets')].map((b) => (b ? 1 : 0));
      const now = ctx.now();
      return db.tx(async (tx) => {
        const n = await tx.run(
          'UPDATE libraries SET url = $1, default_version = $2, implicit = $3, allow_version_override = $4, credentials_id = $5, include_in_changesets = $6, updated_at = $7 WHERE folder = $8 AND name = $9',
          [url, defaultVersion, flags[0]!, flags[1]!, credentialsId, flags[2]!, now, folder, name],
        );
        if (n === 0) {
          await tx.run(`INSERT INTO libraries (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
            [folder, name, url, defaultVersion, flags[0]!, flags[1]!, credentialsId, flags[2]!, now, now]);
        }
        const row = await tx.one(`SELECT ${COLUMNS} FROM libraries WHERE folder = $1 AND name = $2`, [folder, name]);
        return rowToLibrary(row!);
      });
    },
    async get(folder, name) {
      if (!LIBRARY_NAME.test(name)) return null;
      const row = await db.one(`SELECT ${COLUMNS} FROM libraries WHERE folder = $1 AND name = $2`, [folderKey(folder), name]);
      return row ? rowToLibrary(row) : null;
    },
    async list(folder) {
      return (await db.all(`SELECT ${COLUMNS} FROM libraries WHERE folder = $1`, [folderKey(folder)])).map(rowToLibrary).sort(byKey);
    },
    async all() {
      return (await db.all(`SELECT ${COLUMNS} FROM libraries`)).map(rowToLibrary).sort(byKey);
    },
    async delete(folder, name) {
      if (!LIBRARY_NAME.test(name)) return false;
      return (await db.run('DELETE FROM libraries WHERE folder = $1 AND name = $2', [folderKey(folder), name])) > 0;
    },
  };
}
