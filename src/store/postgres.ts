// The PostgreSQL driver: a pg connection pool. `$1` placeholders are PostgreSQL's own, so
// SQL passes through unchanged. A schema other than the default is selected per connection
// (search_path at connect time), which is how tests get a private namespace each.
import pg from 'pg';
import { DbConstraintError, normalizeParam, type Db, type Row, type SqlParam } from './db.ts';
import { StoreError } from './types.ts';

export interface PostgresDb extends Db {
  /** The schema selected for this store, or null for the server's default search_path. */
  readonly schema: string | null;
}

/** Masks the password in a connection URL, for messages and logs. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

export function openPostgres(url: string, opts: { schema?: string | null; poolSize?: number } = {}): PostgresDb {
  const schema = opts.schema ?? null;
  const where = maskUrl(url);
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: 10_000,
    application_name: 'kiln',
    ...(schema !== null ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle connection dropped by the server must not crash the controller; the next query
  // gets a fresh one (or a clear 'unavailable' error).
  pool.on('error', () => {});

  function mapError(e: unknown): unknown {
    if (!(e instanceof Error)) return e;
    const code = (e as { code?: unknown }).code;
    if (typeof code !== 'string') {
      if (/timeout|terminated|Connection/i.test(e.message)) {
        return new StoreError('unavailable', `PostgreSQL at ${where}: ${e.message}`, { cause: e });
      }
      return e;
    }
    switch (code) {
      case '23505': return new DbConstraintError('unique', e.message, { cause: e });
      case '23503': return new DbConstraintError('foreign-key', e.message, { cause: e });
      case '23514': return new DbConstraintError('check', e.message, { cause: e });
      case '23502': return new DbConstraintError('not-null', e.message, { cause: e });
    }
    // Node's socket errors (ECONNREFUSED, ENOTFOUND...), authentication, missing database,
    // server shutting down or starting up, connection failures.
    if (/^E[A-Z]+$/.test(code) || /^(28|3D|57P|08)/.test(code)) {
      return new StoreError('unavailable', `cannot use PostgreSQL at ${where}: ${e.message || code}`, { cause: e });
    }
    return e;
  }

  async function query(q: pg.Pool | pg.PoolClient, sql: string, params: readonly SqlParam[] = []): Promise<pg.QueryResult> {
    try {
      return await q.query(sql, params.map(normalizeParam));
    } catch (e) {
      throw mapError(e);
    }
  }

  function over(q: pg.Pool | pg.PoolClient, tx: Db['tx']): PostgresDb {
    return {
      dialect: 'postgres',
      schema,
      all: async (sql, params) => (await query(q, sql, params)).rows as Row[],
      one: async (sql, params) => ((await query(q, sql, params)).rows[0] as Row | undefined) ?? null,
      run: async (sql, params) => (await query(q, sql, params)).rowCount ?? 0,
      tx,
      close: () => Promise.reject(new Error('store: close() inside a transaction')),
    };
  }

  /** One attempt at a transaction on its own connection. */
  async function attempt<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await pool.connect();
    } catch (e) {
      throw mapError(e);
    }
    const inner: PostgresDb = over(client, (f) => f(inner));
    try {
      await query(client, 'BEGIN');
      const r = await fn(inner);
      await query(client, 'COMMIT');
      client.release();
      return r;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
        client.release();
      } catch (rollbackError) {
        client.release(rollbackError instanceof Error ? rollbackError : true);
      }
      throw e;
    }
  }

  let closed = false;
  const self: PostgresDb = {
    ...over(pool, async (fn) => {
      // A deadlock or serialization failure aborts one of the transactions involved; they
      // only touch the database, so running it again is safe.
      for (let tries = 1; ; tries++) {
        try {
          return await attempt(fn);
        } catch (e) {
          const code = e instanceof Error ? (e as { code?: unknown }).code : undefined;
          if (tries >= 5 || (code !== '40P01' && code !== '40001')) throw e;
          await new Promise((r) => setTimeout(r, 5 * tries * Math.random()));
        }
      }
    }),
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  return self;
}
