// openStore: the one way to get a Store. The URL picks the implementation:
//   postgres://... or postgresql://...   PostgreSQL (pg is loaded only then)
//   sqlite:<path>, or nothing            the embedded SQLite file, `<home>/kiln.db` by default
// Migrations run at open; an up-to-date database costs one read.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { agentRepo } from './agents.ts';
import { buildRepo } from './builds.ts';
import { credentialRepo } from './credentials.ts';
import { userRepo } from './users.ts';
import { cloudRepo } from './clouds.ts';
import { settingsRepo } from './settings.ts';
import { folderRepo } from './folders.ts';
import { libraryRepo } from './libraries.ts';
import type { Db } from './db.ts';
import { jobRepo, type RepoContext } from './jobs.ts';
import { migrate, schemaVersion } from './migrations.ts';
import { queueRepo } from './queue.ts';
import { agentExecRepo } from './agent-execs.ts';
import { artifactRepo, testReportRepo } from './results.ts';
import { fingerprintRepo } from './fingerprints.ts';
import { issueResultRepo } from './issues.ts';
import { buildToolsRepo } from './buildtools.ts';
import { lockableResourceRepo } from './lockable.ts';
import { openSqlite } from './sqlite.ts';
import { StoreError, type OpenStoreOptions, type Store, type StoreKind } from './types.ts';

export * from './types.ts';
export { SCHEMA_VERSION } from './migrations.ts';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/** Where the store for these options lives: the kind, and the file or URL. */
export function resolveStoreUrl(opts: OpenStoreOptions = {}): { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; schema: string | null } {
  const url = opts.url ?? (process.env['KILN_DATABASE_URL'] || undefined);
  if (url !== undefined && isPostgresUrl(url)) {
    const u = new URL(url);
    const fromUrl = u.searchParams.get('schema');
    u.searchParams.delete('schema');
    const schema = opts.schema ?? fromUrl ?? null;
    if (schema !== null && !SCHEMA_NAME.test(schema)) {
      throw new StoreError('invalid', `invalid PostgreSQL schema name '${schema}': use lowercase letters, digits and '_' (at most 63, not starting with a digit)`);
    }
    return { kind: 'postgres', url: u.toString(), schema };
  }
  if (url !== undefined) {
    if (!/^sqlite:/i.test(url)) {
      throw new StoreError('invalid', `unsupported database URL '${url}': use postgres://user:password@host:port/database, or sqlite:/path/to/kiln.db (or leave it unset for <home>/kiln.db)`);
    }
    const path = url.replace(/^sqlite:(\/\/(?=\/))?/i, '');
    if (path === '') throw new StoreError('invalid', `database URL '${url}' names no file`);
    return { kind: 'sqlite', file: path === ':memory:' ? path : resolve(path) };
  }
  if (opts.home === undefined) throw new StoreError('invalid', 'openStore needs a home directory (for <home>/kiln.db) or a database URL');
  return { kind: 'sqlite', file: join(resolve(opts.home), 'kiln.db') };
}

export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  const where = resolveStoreUrl(opts);
  const now = opts.now ?? Date.now;
  let db: Db;
  let location: string;
  let schema: string | null = null;
  if (where.kind === 'sqlite') {
    location = where.file;
    try {
      if (where.file !== ':memory:') mkdirSync(dirname(where.file), { recursive: true });
      db = openSqlite(where.file);
    } catch (e) {
      throw new StoreError('unavailable', `cannot open the store at ${where.file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  } else {
    const { openPostgres, maskUrl } = await import('./postgres.ts');
    schema = where.schema;
    location = maskUrl(where.url) + (schema !== null ? ` (schema ${schema})` : '');
    db = openPostgres(where.url, { schema, poolSize: opts.poolSize ?? 10 });
  }
  try {
    await migrate(db, { schema, now: now() });
  } catch (e) {
    await db.close().catch(() => {});
    if (e instanceof StoreError) throw e;
    throw new StoreError('unavailable', `cannot prepare the store at ${location}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  return createStore(db, where.kind, location, now);
}

function createStore(db: Db, kind: StoreKind, location: string, now: () => number): Store {
  const ctx: RepoContext = { db, now };
  return {
    kind,
    location,
    jobs: jobRepo(ctx),
    builds: buildRepo(ctx),
    artifacts: artifactRepo(ctx),
    fingerprints: fingerprintRepo(ctx),
    tests: testReportRepo(ctx),
    issues: issueResultRepo(ctx),
    buildTools: buildToolsRepo(ctx),
    agents: agentRepo(ctx),
    agentExecs: agentExecRepo(ctx),
    queue: queueRepo(ctx),
    credentials: credentialRepo(ctx),
    users: userRepo(ctx),
    clouds: cloudRepo(ctx),
    folders: folderRepo(ctx),
    libraries: libraryRepo(ctx),
    settings: settingsRepo(ctx),
    lockableResources: lockableResourceRepo(ctx),
    schemaVersion: () => schemaVersion(db),
    close: () => db.close(),
  };
}
