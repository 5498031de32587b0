// Users, their login sessions and API tokens, and the audit log. Only hashes of secrets are
// stored: the controller hashes passwords (scrypt) and hands session ids and tokens here as
// SHA-256 digests, so a copy of the database lets nobody log in.
import { randomBytes } from 'node:crypto';
import { isConstraint, rBool, rNum, rNumOrNull, rStr, type Row, type SqlParam } from './db.ts';
import type { RepoContext } from './jobs.ts';
import {
  ROLES, StoreError, invalidField, type AuditEntry, type Role, type SessionRecord, type TokenRecord, type UserRecord, type UserRepo,
} from './types.ts';
import { checkString } from './validate.ts';

const USER_COLUMNS = 'name, role, full_name, password_hash, disabled, created_at, updated_at, email';
const SESSION_COLUMNS = 'id_hash, user_name, csrf, created_at, last_seen_at, expires_at, address';
const TOKEN_COLUMNS = 'id, user_name, name, token_hash, created_at, last_used_at, expires_at';
const AUDIT_COLUMNS = 'id, at, actor, action, target, detail, address';

/** User names: letters, digits and `._@-`, starting with a letter, digit or '_'; at most 64. */
export const USER_NAME = /^[A-Za-z0-9_][A-Za-z0-9._@-]{0,63}$/;


/** Names the controller itself acts as (the configured admin token, the audit log's actors): no user may take them. */
export const RESERVED_USER_NAMES: readonly string[] = ['admin-token', 'anonymous', 'system'];

export function checkUserName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw invalidField('name', 'a user name is required');
  if (!USER_NAME.test(name)) throw invalidField('name', `invalid user name '${name.slice(0, 80)}': use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter, digit or '_'`);
  if (RESERVED_USER_NAMES.includes(name.toLowerCase())) throw invalidField('name', `'${name}' is reserved (Kiln records the configured admin token and itself under it): choose another name`);
  return name;
}

export function checkRole(role: unknown): Role {
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw invalidField('role', `must be one of ${ROLES.join(', ')} (got ${JSON.stringify(role) ?? String(role)})`);
  }
  return role as Role;
}

/** A user's e-mail address: one address, no line breaks (it becomes a mail header); '' or null: none. */
export function checkEmail(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  const e = checkString(v, 'email', { max: 254 }).trim();
  if (!/^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+$/.test(e)) throw invalidField('email', `${JSON.stringify(e.slice(0, 100))} is not an e-mail address`);
  return e;
}

function rowToUser(r: Row): UserRecord {
  return {
    name: rStr(r, 'name'), role: rStr(r, 'role') as Role, fullName: rStr(r, 'full_name'), passwordHash: rStr(r, 'password_hash'),
    disabled: rBool(r, 'disabled'), createdAt: rNum(r, 'created_at'), updatedAt: rNum(r, 'updated_at'),
    email: r['email'] === null || r['email'] === undefined ? null : String(r['email']),
  };
}

function rowToSession(r: Row): SessionRecord {
  return {
    idHash: rStr(r, 'id_hash'), user: rStr(r, 'user_name'), csrf: rStr(r, 'csrf'), createdAt: rNum(r, 'created_at'),
    lastSeenAt: rNum(r, 'last_seen_at'), expiresAt: rNum(r, 'expires_at'), address: rStr(r, 'address'),
  };
}

function rowToToken(r: Row): TokenRecord {
  return {
    id: rStr(r, 'id'), user: rStr(r, 'user_name'), name: rStr(r, 'name'), tokenHash: rStr(r, 'token_hash'),
    createdAt: rNum(r, 'created_at'), lastUsedAt: rNumOrNull(r, 'last_used_at'), expiresAt: rNumOrNull(r, 'expires_at'),
  };
}

function rowToAudit(r: Row): AuditEntry {
  return {
    id: rStr(r, 'id'), at: rNum(r, 'at'), actor: rStr(r, 'actor'), action: rStr(r, 'action'), target: rStr(r, 'target'),
    detail: rStr(r, 'detail'), address: rStr(r, 'address'),
  };
}

/** Audit ids sort by time: the time in ms (base 36, 9 characters: good until the year 5188) and a random part. */
function auditId(at: number): string {
  return at.toString(36).padStart(9, '0') + randomBytes(6).toString('hex');
}

export function userRepo(ctx: RepoContext): UserRepo {
  const { db } = ctx;
  const get = async (name: string): Promise<UserRecord | null> => {
    if (!USER_NAME.test(name)) return null;
    const row = await db.one(`SELECT ${USER_COLUMNS} FROM users WHERE name = $1`, [name]);
    return row ? rowToUser(row) : null;
  };
  return {
    async create(input) {
      const now = ctx.now();
      const user: UserRecord = {
        name: checkUserName(input.name), role: checkRole(input.role),
        fullName: checkString(input.fullName ?? '', 'fullName', { max: 200 }),
        passwordHash: checkString(input.passwordHash, 'passwordHash', { nonEmpty: true, max: 1000 }),
        disabled: false, createdAt: now, updatedAt: now, email: checkEmail(input.email ?? null),
      };
      try {
        await db.run(`INSERT INTO users (${USER_COLUMNS}) VALUES ($1, $2, $3, $4, 0, $5, $6, $7)`, [user.name, user.role, user.fullName, user.passwordHash, now, now, user.email]);
      } catch (e) {
        if (isConstraint(e, 'unique')) throw new StoreError('conflict', `a user named '${user.name}' already exists`);
        throw e;
      }
      return user;
    },
    async update(name, patch) {
      const sets: string[] = [];
      const params: SqlParam[] = [];
      const set = (col: string, v: SqlParam) => { params.push(v); sets.push(`${col} = $${params.length}`); };
      if (patch.role !== undefined) set('role', checkRole(patch.role));
      if (patch.fullName !== undefined) set('full_name', checkString(patch.fullName, 'fullName', { max: 200 }));
      if (patch.passwordHash !== undefined) set('password_hash', checkString(patch.passwordHash, 'passwordHash', { nonEmpty: true, max: 1000 }));
      if (patch.disabled !== undefined) set('disabled', patch.disabled ? 1 : 0);
      if (patch.email !== undefined) set('email', checkEmail(patch.email));
      set('updated_at', ctx.now());
      params.push(name);
      const n = await db.run(`UPDATE users SET ${sets.join(', ')} WHERE name = $${params.length}`, params);
      if (n === 0) throw new StoreError('not-found', `no user named '${name}'`);
      return (await get(name))!;
    },
    async delete(name) {
      return (await db.run('DELETE FROM users WHERE name = $1', [name])) > 0;
    },
    get,
    async list() {
      return (await db.all(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`)).map(rowToUser);
    },
    async count() {
      const row = await db.one('SELECT COUNT(*) AS n FROM users');
      return row ? rNum(row, 'n') : 0;
    },

    async createSession(s) {
      await db.run(`INSERT INTO sessions (${SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [s.idHash, s.user, s.csrf, s.createdAt, s.lastSeenAt, s.expiresAt, s.address]);
    },
    async session(idHash) {
      const row = await db.one(`SELECT ${SESSION_COLUMNS} FROM sessions WHERE id_hash = $1`, [idHash]);
      return row ? rowToSession(row) : null;
    },
    async touchSession(idHash, at) {
      await db.run('UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2', [at, idHash]);
    },
    async deleteSession(idHash) {
      await db.run('DELETE FROM sessions WHERE id_hash = $1', [idHash]);
    },
    async deleteSessions(user, except) {
      await db.run('DELETE FROM sessions WHERE user_name = $1 AND id_hash <> $2', [user, except ?? '']);
    },
    async pruneSessions(now) {
      return db.run('DELETE FROM sessions WHERE expires_at < $1', [now]);
    },

    async createToken(t) {
      try {
        await db.run(`INSERT INTO api_tokens (${TOKEN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [t.id, t.user, t.name, t.tokenHash, t.createdAt, t.lastUsedAt, t.expiresAt]);
      } catch (e) {
        if (isConstraint(e, 'unique')) throw new StoreError('conflict', `user '${t.user}' already has a token named '${t.name}'`);
        if (isConstraint(e, 'foreign-key')) throw new StoreError('not-found', `no user named '${t.user}'`);
        throw e;
      }
    },
    async tokenByHash(hash) {
      const row = await db.one(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1`, [hash]);
      return row ? rowToToken(row) : null;
    },
    async tokens(user) {
      return (await db.all(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE user_name = $1 ORDER BY created_at, id`, [user])).map(rowToToken);
    },
    async touchToken(id, at) {
      await db.run('UPDATE api_tokens SET last_used_at = $1 WHERE id = $2', [at, id]);
    },
    async deleteToken(user, id) {
      return (await db.run('DELETE FROM api_tokens WHERE user_name = $1 AND id = $2', [user, id])) > 0;
    },

    async audit(e) {
      const at = e.at ?? ctx.now();
      const entry: AuditEntry = {
        id: auditId(at), at, actor: e.actor.slice(0, 200), action: e.action.slice(0, 100), target: e.target.slice(0, 1000),
        detail: e.detail.slice(0, 4000), address: e.address.slice(0, 100),
      };
      await db.run(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [entry.id, entry.at, entry.actor, entry.action, entry.target, entry.detail, entry.address]);
      return entry;
    },
    async auditLog(o) {
      const where: string[] = [];
      const params: SqlParam[] = [];
      const add = (sql: string, v: SqlParam) => { params.push(v); where.push(sql.replace('?', `$${params.length}`)); };
      if (o.before) add('id < ?', o.before);
      if (o.actor) add('actor = ?', o.actor);
      if (o.action) add('action = ?', o.action);
      params.push(Math.max(1, Math.min(o.limit, 1000)));
      const sql = `SELECT ${AUDIT_COLUMNS} FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`;
      return (await db.all(sql, params)).map(rowToAudit);
    },
  };
}
