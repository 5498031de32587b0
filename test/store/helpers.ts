// Opens each store kind for the store tests: SQLite in a temp directory, PostgreSQL at the
// test server (scripts/test-prereqs.sh starts it) in a fresh schema per test, dropped after.
// An unreachable PostgreSQL fails the tests with what to do; nothing is skipped.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after } from 'node:test';
import pg from 'pg';
import { dropSchemas, testPostgresUrl } from '../helpers/pg-schemas.ts';
import { isStoreError, openStore, type OpenStoreOptions, type Store, type StoreKind } from '../../src/store/index.ts';

export { testPostgresUrl };

export const KINDS: readonly StoreKind[] = ['sqlite', 'postgres'];

/** A mutable clock for times the store records. */
export class Clock {
  t = Date.UTC(2025, 0, 1);
  readonly now = (): number => this.t;
  advance(ms: number): void {
    this.t += ms;
  }
}

/** One isolated database: a fresh SQLite home or a fresh PostgreSQL schema. Open it as often as needed. */
export interface TestDb {
  kind: StoreKind;
  /** Same database every call (to test reopening). */
  open(opts?: Omit<OpenStoreOptions, 'home' | 'url' | 'schema'>): Promise<Store>;
  /** What openStore was given, for tests that call it themselves. */
  options: OpenStoreOptions;
}

let counter = 0;
const cleanups: (() => Promise<void>)[] = [];
const schemas: string[] = [];
after(async () => {
  for (const c of cleanups.splice(0)) await c();
  await dropSchemas(schemas.splice(0));
});

/** A fresh database of the kind; stores opened through it are closed after the test file. */
export function freshDb(kind: StoreKind): TestDb {
  const n = ++counter;
  let options: OpenStoreOptions;
  if (kind === 'sqlite') {
    const home = mkdtempSync(join(tmpdir(), 'kiln-store-'));
    cleanups.push(async () => rmSync(home, { recursive: true, force: true }));
    // An explicit url, so a KILN_DATABASE_URL in the environment cannot redirect the test.
    options = { home, url: `sqlite:${join(home, 'kiln.db')}` };
  } else {
    const schema = `kiln_t_${process.pid}_${n}_${Math.random().toString(36).slice(2, 8)}`;
    schemas.push(schema);
    options = { url: testPostgresUrl(), schema };
  }
  const opened: Store[] = [];
  cleanups.unshift(async () => { for (const s of opened) await s.close(); });
  return {
    kind,
    options,
    async open(extra = {}) {
      try {
        const s = await openStore({ ...options, ...extra });
        opened.push(s);
        return s;
      } catch (e) {
        if (kind === 'postgres' && isStoreError(e, 'unavailable') && e.message.startsWith('cannot use PostgreSQL')) {
          throw new Error(
            `PostgreSQL for the store tests is not reachable (${e.message}).\n` +
            `Run 'bash scripts/test-prereqs.sh' as root: it installs Debian's postgresql and starts a test server on 127.0.0.1:54329 ` +
            `(or set KILN_TEST_DATABASE_URL to a server where the role may create schemas).`, { cause: e });
        }
        throw e;
      }
    },
  };
}

/** Runs SQL on the test database directly, bypassing the store. */
export async function raw(db: TestDb, sql: string): Promise<void> {
  if (db.kind === 'sqlite') {
    const d = new DatabaseSync(join(db.options.home!, 'kiln.db'));
    try { d.exec(sql); } finally { d.close(); }
    return;
  }
  const c = new pg.Client({ connectionString: testPostgresUrl(), options: `-c search_path=${db.options.schema}` });
  await c.connect();
  try { await c.query(sql); } finally { await c.end(); }
}

/** Opens a fresh store of the kind (with an optional clock). */
export async function freshStore(kind: StoreKind, clock?: Clock): Promise<Store> {
  return freshDb(kind).open(clock ? { now: clock.now } : {});
}

/** Asserts a promise rejects with a StoreError of the code, whose message matches. */
export async function rejectsWith(p: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (!isStoreError(e)) throw new Error(`expected a StoreError '${code}', got ${String(e)}`, { cause: e });
    if (e.code !== code) throw new Error(`expected a StoreError '${code}', got '${e.code}': ${e.message}`, { cause: e });
    if (message && !message.test(e.message)) throw new Error(`StoreError message ${JSON.stringify(e.message)} does not match ${message}`);
    return;
  }
  throw new Error(`expected a StoreError '${code}', but it succeeded`);
}
