// The store's tiny query layer: one async interface over node:sqlite and pg. Repositories
// write SQL once, with PostgreSQL-style `$1` placeholders and portable syntax (TEXT, BIGINT,
// INTEGER 0/1 for booleans, JSON as TEXT, RETURNING, ON CONFLICT); each driver turns it into
// its own form. Rows come back as plain objects; the readers below turn columns into typed
// values (pg returns BIGINT and SUM as strings, sqlite as numbers).
import { KilnError } from '../core/errors.ts';

export type Dialect = 'sqlite' | 'postgres';
export type SqlParam = string | number | boolean | null;
export type Row = Record<string, unknown>;

export interface Db {
  readonly dialect: Dialect;
  all(sql: string, params?: readonly SqlParam[]): Promise<Row[]>;
  /** The first row, or null. */
  one(sql: string, params?: readonly SqlParam[]): Promise<Row | null>;
  /** Runs a statement; returns the number of rows it changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
  /** Runs fn in a transaction (committed when it resolves, rolled back when it throws).
   *  Inside, use only the Db handed to fn. Nested calls join the outer transaction. */
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A constraint the database enforced, normalized across drivers (repositories turn it into a StoreError). */
export class DbConstraintError extends KilnError {
  readonly kind: 'unique' | 'foreign-key' | 'check' | 'not-null';
  constructor(kind: 'unique' | 'foreign-key' | 'check' | 'not-null', message: string, options?: { cause?: unknown }) {
    super('store.constraint', message, options);
    this.kind = kind;
  }
}

export function isConstraint(e: unknown, kind: DbConstraintError['kind']): boolean {
  return e instanceof DbConstraintError && e.kind === kind;
}

/**
 * `$1`-style placeholders → `?` with the order in which to pass the parameters (a `$n` used
 * twice is passed twice). Quoted strings and identifiers are left alone.
 */
export function toQuestionMarks(sql: string): { sql: string; order: number[] } {
  let out = '';
  const order: number[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      const stop = end < 0 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '$') {
      const m = /^\$(\d+)/.exec(sql.slice(i, i + 8));
      if (m) {
        order.push(Number(m[1]) - 1);
        out += '?';
        i += m[0].length;
        continue;
      }
    }
    out += c;
    i++;
  }
  return { sql: out, order };
}

/** Booleans go in as 0/1 on both drivers (the schema has no boolean type). */
export function normalizeParam(p: SqlParam | undefined): string | number | null {
  if (p === undefined) throw new TypeError('undefined SQL parameter');
  if (typeof p === 'boolean') return p ? 1 : 0;
  return p;
}

// ---------------------------------------------------------------------------------------------
// row readers

function col(row: Row, name: string): unknown {
  if (!(name in row)) throw new Error(`store: column ${name} missing from the row`);
  return row[name];
}

export function rStr(row: Row, name: string): string {
  const v = col(row, name);
  if (typeof v !== 'string') throw new Error(`store: column ${name} is not text`);
  return v;
}

export function rStrOrNull(row: Row, name: string): string | null {
  const v = col(row, name);
  return v === null ? null : rStr(row, name);
}

export function rNum(row: Row, name: string): number {
  const v = col(row, name);
  const n = typeof v === 'number' ? v : typeof v === 'string' || typeof v === 'bigint' ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new Error(`store: column ${name} is not a number`);
  return n;
}

export function rNumOrNull(row: Row, name: string): number | null {
  return col(row, name) === null ? null : rNum(row, name);
}

export function rBool(row: Row, name: string): boolean {
  return rNum(row, name) !== 0;
}

/** A JSON column, parsed (the value was validated when written). */
export function rJson<T>(row: Row, name: string): T {
  return JSON.parse(rStr(row, name)) as T;
}

export function rJsonOrNull<T>(row: Row, name: string): T | null {
  return col(row, name) === null ? null : rJson<T>(row, name);
}

/** `$k, $k+1, ...` for an IN list starting at parameter k. */
export function placeholders(count: number, start: number): string {
  return Array.from({ length: count }, (_, i) => `$${start + i}`).join(', ');
}
