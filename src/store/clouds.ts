// Clouds: named settings of a Kubernetes or Docker cloud, pod templates included, as JSON the
// controller has checked (src/controller/clouds.ts). Credentials are referenced by id.
import { rJson, rNum, rStr, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, type CloudRecord, type CloudRepo, type CloudType, type JsonValue } from './types.ts';
import { toJson } from './validate.ts';

const COLUMNS = 'name, type, settings, created_at, updated_at';
/** Cloud names: like agent names. */
export const CLOUD_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

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
      if (!CLOUD_NAME.test(name)) throw new StoreError('invalid', `name: invalid cloud name '${name.slice(0, 120)}': use 1 to 100 letters, digits, '.', '_' or '-'`);
      if (type !== 'kubernetes' && type !== 'docker') throw new StoreError('invalid', `type: must be kubernetes or docker (got ${JSON.stringify(type)})`);
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
