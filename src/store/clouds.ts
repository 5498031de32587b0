// Clouds: named settings of a cloud of a plugin's cloud type (Kubernetes, Docker, ...), pod
// templates included, as JSON the controller has checked with its type (src/controller/clouds.ts).
// The store keeps the type name's shape only: which types exist is the plugin list's to say.
// Credentials are referenced by id.
import { rJson, rNum, rStr, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, invalidField, type CloudRecord, type CloudRepo, type CloudType, type JsonValue } from './types.ts';
import { toJson } from './validate.ts';

const COLUMNS = 'name, type, settings, created_at, updated_at';
/** Cloud names: like agent names. */
export const CLOUD_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;
/** Cloud type names (a plugin's CloudType.name): lowercase, like agent types. */
export const CLOUD_TYPE = /^[a-z][a-z0-9-]{0,39}$/;

function rowToCloud(r: Row): CloudRecord {
  return { name: rStr(r, 'name'), type: rStr(r, 'type') as CloudType, settings: rJson<Record<string, JsonValue>>(r, 'settings'), createdAt: rNum(r, 'created_at'), updatedAt: rNum(r, 'updated_at') };
}

export function cloudRepo(ctx: RepoContext): CloudRepo {
  const { db } = ctx;
  const get = async (name: string): Promise<CloudRecord | null> => {
    if (!CLOUD_NAME.test(name)) return null;
    const row = await db.one(`SELECT ${COLUMNS} FROM clouds WHERE name = $1`, [name]);
    return row ? rowToCloud(row) : null;
  };
  return {
    async put(name, type, settings) {
      if (!CLOUD_NAME.test(name)) throw invalidField('name', `invalid cloud name '${name.slice(0, 120)}': use 1 to 100 letters, digits, '.', '_' or '-'`);
      if (typeof type !== 'string' || !CLOUD_TYPE.test(type)) throw invalidField('type', `a cloud type name is 1 to 40 lowercase letters, digits or '-', starting with a letter (got ${JSON.stringify(type)?.slice(0, 60)})`);
      const now = ctx.now();
      const json = toJson(settings, 'settings');
      return db.tx(async (tx) => {
        const n = await tx.run('UPDATE clouds SET type = $1, settings = $2, updated_at = $3 WHERE name = $4', [type, json, now, name]);
        if (n === 0) await tx.run(`INSERT INTO clouds (${COLUMNS}) VALUES ($1, $2, $3, $4, $5)`, [name, type, json, now, now]);
        const row = await tx.one(`SELECT ${COLUMNS} FROM clouds WHERE name = $1`, [name]);
        return rowToCloud(row!);
      });
    },
    get,
    async list() {
      return (await db.all(`SELECT ${COLUMNS} FROM clouds ORDER BY name`)).map(rowToCloud);
    },
    async delete(name) {
      return (await db.run('DELETE FROM clouds WHERE name = $1', [name])) > 0;
    },
  };
}
