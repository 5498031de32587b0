// The embedded driver: node:sqlite (built into Node, no native addon), one connection, WAL.
// Calls are synchronous underneath; an async mutex keeps each transaction alone on the
// connection (another caller's statement waits until it commits), which is also what makes
// build-number allocation atomic within the process. Stores opened on the same file in one
// process share that connection: two connections in one thread would deadlock, since
// SQLite's busy wait blocks the very event loop the lock holder needs to commit. Between
// processes, BEGIN IMMEDIATE and the busy timeout serialize writers.
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { DbConstraintError, normalizeParam, toQuestionMarks, type Db, type Row, type SqlParam } from './db.ts';
import { StoreError } from './types.ts';

interface Prepared {
  stmt: StatementSync;
  order: number[];
}

const shared = new Map<string, { db: Db; refs: number }>();

/** Opens the file, or shares this process's connection to it; each handle closes once. */
export function openSqlite(file: string, opts: { busyTimeoutMs?: number } = {}): Db {
  const key = file === ':memory:' ? null : file;
  let entry = key !== null ? shared.get(key) : undefined;
  if (!entry) {
    entry = { db: connect(file, opts.busyTimeoutMs ?? 5000), refs: 0 };
    if (key !== null) shared.set(key, entry);
  }
  entry.refs++;
  const e = entry;
  let closed = false;
  return {
    ...e.db,
    close: async () => {
      if (closed) return;
      closed = true;
      if (--e.refs > 0) return;
      if (key !== null && shared.get(key) === e) shared.delete(key);
      await e.db.close();
    },
  };
}

function connect(file: string, busyTimeoutMs: number): Db {
  const db = new DatabaseSync(file, { timeout: busyTimeoutMs, enableForeignKeyConstraints: true });
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  const cache = new Map<string, Prepared>();
  let closed = false;
  // The tail of the chain of callers waiting for the connection.
  let tail: Promise<unknown> = Promise.resolve();

  function prepare(sql: string): Prepared {
    let p = cache.get(sql);
    if (!p) {
      const q = toQuestionMarks(sql);
      p = { stmt: db.prepare(q.sql), order: q.order };
      cache.set(sql, p);
    }
    return p;
  }
  function args(p: Prepared, params: readonly SqlParam[]): (string | number | null)[] {
    return p.order.map((i) => normalizeParam(params[i]));
  }
  function guard<T>(f: () => T): T {
    if (closed) throw new Error('store: the database is closed');
    try {
      return f();
    } catch (e) {
      throw mapError(e, file);
    }
  }
  const direct = {
    all: (sql: string, params: readonly SqlParam[] = []): Row[] =>
      guard(() => { const p = prepare(sql); return p.stmt.all(...args(p, params)) as Row[]; }),
    one: (sql: string, params: readonly SqlParam[] = []): Row | null =>
      guard(() => { const p = prepare(sql); return (p.stmt.get(...args(p, params)) as Row | undefined) ?? null; }),
    run: (sql: string, params: readonly SqlParam[] = []): number =>
      guard(() => { const p = prepare(sql); return Number(p.stmt.run(...args(p, params)).changes); }),
  };
  /** Runs f when every earlier caller is done. */
  function exclusive<T>(f: () => Promise<T>): Promise<T> {
    const result = tail.then(f);
    tail = result.then(() => undefined, () => undefined);
    return result;
  }

  const inTx: Db = {
    dialect: 'sqlite',
    all: async (sql, params) => direct.all(sql, params),
    one: async (sql, params) => direct.one(sql, params),
    run: async (sql, params) => direct.run(sql, params),
    tx: (fn) => fn(inTx),
    close: () => Promise.reject(new Error('store: close() inside a transaction')),
  };

  return {
    dialect: 'sqlite',
    all: (sql, params) => exclusive(async () => direct.all(sql, params)),
    one: (sql, params) => exclusive(async () => direct.one(sql, params)),
    run: (sql, params) => exclusive(async () => direct.run(sql, params)),
    tx: (fn) => exclusive(async () => {
      guard(() => db.exec('BEGIN IMMEDIATE'));
      try {
        const r = await fn(inTx);
        guard(() => db.exec('COMMIT'));
        return r;
      } catch (e) {
        if (db.isTransaction) db.exec('ROLLBACK');
        throw e;
      }
    }),
    close: () => exclusive(async () => {
      if (closed) return;
      closed = true;
      cache.clear();
      db.close();
    }),
  };
}

function mapError(e: unknown, file: string): unknown {
  if (!(e instanceof Error)) return e;
  const code = (e as { errcode?: unknown }).errcode;
  if (typeof code === 'number' && (code & 0xff) === 5) { // SQLITE_BUSY and its extended codes
    return new StoreError('unavailable',
      `the store ${file} stayed locked by another process for too long; is another Kiln controller using the same home directory?`, { cause: e });
  }
  switch (code) {
    case 1555: // SQLITE_CONSTRAINT_PRIMARYKEY
    case 2067: // SQLITE_CONSTRAINT_UNIQUE
      return new DbConstraintError('unique', e.message, { cause: e });
    case 787: return new DbConstraintError('foreign-key', e.message, { cause: e });
    case 275: return new DbConstraintError('check', e.message, { cause: e });
    case 1299: return new DbConstraintError('not-null', e.message, { cause: e });
    default: return e;
  }
}
