// Lockable resources configured on the controller (migration 16, `lockable_resources`): one row
// per resource, its labels as a JSON list. Admins edit them through the API
// (controller/lockable-resources.ts); builds' lock(label:) steps choose among them.
import { rJson, rNum, rStr, type Row } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, type LockableResourceRepo, type LockableResourceRow } from './types.ts';
import { LOCKABLE_NAME, lockableProblem, type LockableResource } from '../core/locks.ts';

function row(r: Row): LockableResourceRow {
  return { name: rStr(r, 'name'), labels: rJson<string[]>(r, 'labels'), description: rStr(r, 'description'), updatedAt: rNum(r, 'updated_at'), updatedBy: rStr(r, 'updated_by') };
}

export function lockableResourceRepo(ctx: RepoContext): LockableResourceRepo {
  const { db } = ctx;
  return {
    async list() {
      return (await db.all('SELECT * FROM lockable_resources ORDER BY name')).map(row);
    },
    async get(name) {
      if (typeof name !== 'string' || !LOCKABLE_NAME.test(name)) return null;
      const r = await db.one('SELECT * FROM lockable_resources WHERE name = $1', [name]);
      return r ? row(r) : null;
    },
    async put(res: LockableResource, by: string) {
      const problem = lockableProblem(res);
      if (problem) throw new StoreError('invalid', `lockable resource: ${problem}`);
      const labels = [...new Set(res.labels)];
      const now = ctx.now();
      await db.tx(async (tx) => {
        const n = await tx.run('UPDATE lockable_resources SET labels = $1, description = $2, updated_at = $3, updated_by = $4 WHERE name = $5',
          [JSON.stringify(labels), res.description, now, by, res.name]);
        if (n === 0) {
          await tx.run('INSERT INTO lockable_resources (name, labels, description, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5)',
            [res.name, JSON.stringify(labels), res.description, now, by]);
        }
      });
      return { name: res.name, labels, description: res.description, updatedAt: now, updatedBy: by };
    },
    async delete(name) {
      if (typeof name !== 'string' || !LOCKABLE_NAME.test(name)) return false;
      return (await db.run('DELETE FROM lockable_resources WHERE name = $1', [name])) > 0;
    },
  };
}
