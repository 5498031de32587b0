// The test PostgreSQL (testPostgresUrl; scripts/test-prereqs.sh starts it) and schemas on it for
// tests that give a controller its own (a `?schema=` in the database URL): freshSchema() names
// one and says its URL; dropSchemas() removes them when the test file is done (an `after` hook
// calls it, after stopping what uses them). The store tests make theirs through
// store/helpers.ts (freshDb), which drops them with dropSchemas too.
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';

const URL_FILE = '/tmp/kiln-test-pg.url';
const DEFAULT_URL = 'postgres://kiln_test:kiln_test@127.0.0.1:54329/kiln_test';

/** The test PostgreSQL: KILN_TEST_DATABASE_URL, else what test-prereqs.sh wrote, else its fixed default. */
export function testPostgresUrl(): string {
  const env = process.env['KILN_TEST_DATABASE_URL'];
  if (env) return env;
  if (existsSync(URL_FILE)) {
    const url = readFileSync(URL_FILE, 'utf8').trim();
    if (url) return url;
  }
  return DEFAULT_URL;
}

/** A new schema name (`<prefix>_<pid>_<random>`) and the test database's URL that selects it. */
export function freshSchema(prefix: string): { schema: string; databaseUrl: string } {
  const schema = `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  return { schema, databaseUrl: `${testPostgresUrl()}?schema=${schema}` };
}

/** Drops each schema (IF EXISTS, CASCADE) on the test PostgreSQL; connects only when there is one. */
export async function dropSchemas(schemas: Iterable<string>): Promise<void> {
  const list = [...schemas];
  if (list.length === 0) return;
  const client = new pg.Client({ connectionString: testPostgresUrl() });
  await client.connect();
  try {
    for (const s of list) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  } finally {
    await client.end();
  }
}
