// The controller's settings: one JSON document per name (`mail`: the SMTP server of the mail
// plugin, src/controller/mail.ts checks it). Secrets are never stored here: a document names a
// credential by id (the credentials store keeps it encrypted).
import { rJson } from './db.ts';
import type { RepoContext } from './jobs.ts';
import { StoreError, type JsonValue, type SettingsRepo } from './types.ts';
import { toJson } from './validate.ts';

const NAME = /^[a-z][a-z0-9-]{0,39}$/;

export function settingsRepo(ctx: RepoContext): SettingsRepo {
  const { db } = ctx;
  return {
    async get(name) {
      if (!NAME.test(name)) return null;
      const row = await db.one('SELECT value FROM settings WHERE name = $1', [name]);
      return row ? rJson<JsonValue>(row, 'value') : null;
    },
    async put(name, value) {
      if (!NAME.test(name)) throw new StoreError('invalid', `settings name '${name.slice(0, 60)}': 1 to 40 lowercase letters, digits or '-'`);
      const json = toJson(value, name);
      const now = ctx.now();
      await db.tx(async (tx) => {
        const n = await tx.run('UPDATE settings SET value = $1, updated_at = $2 WHERE name = $3', [json, now, name]);
        if (n === 0) await tx.run('INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3)', [name, json, now]);
      });
    },
  };
}
