// The schema, as one ordered list of migrations in plain SQL that both SQLite and PostgreSQL
// run unchanged: TEXT ids and JSON, BIGINT times in ms, INTEGER 0/1 for booleans. Add a
// migration at the end; never edit one that has shipped. `schema_migrations` records what ran.
import type { Db } from './db.ts';
import { StoreError } from './types.ts';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

const RESULTS = "'SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'";

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'jobs, builds, artifacts, test reports, agents, queue',
    statements: [
      `CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL DEFAULT '',
        definition TEXT NOT NULL,
        parameters TEXT NOT NULL DEFAULT '[]',
        options TEXT NOT NULL DEFAULT '{}',
        triggers TEXT NOT NULL DEFAULT '[]',
        disabled INTEGER NOT NULL DEFAULT 0,
        next_build_number BIGINT NOT NULL DEFAULT 1 CHECK (next_build_number >= 1),
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE builds (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        number BIGINT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'finished')),
        result TEXT CHECK (result IS NULL OR result IN (${RESULTS})),
        params TEXT NOT NULL DEFAULT '{}',
        causes TEXT NOT NULL DEFAULT '[]',
        scm_url TEXT,
        scm_branch TEXT,
        scm_commit TEXT,
        state TEXT,
        node TEXT,
        message TEXT,
        keep_log INTEGER NOT NULL DEFAULT 0,
        test_report_count INTEGER NOT NULL DEFAULT 0,
        queued_at BIGINT NOT NULL,
        started_at BIGINT,
        ended_at BIGINT,
        UNIQUE (job_id, number)
      )`,
      `CREATE INDEX builds_unfinished ON builds (status, queued_at)`,
      `CREATE TABLE artifacts (
        build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        size BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        mode INTEGER NOT NULL,
        PRIMARY KEY (build_id, path)
      )`,
      `CREATE TABLE test_reports (
        build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        total INTEGER NOT NULL,
        failed INTEGER NOT NULL,
        errors INTEGER NOT NULL,
        skipped INTEGER NOT NULL,
        passed INTEGER NOT NULL,
        cases TEXT NOT NULL,
        recorded_at BIGINT NOT NULL,
        PRIMARY KEY (build_id, seq)
      )`,
      `CREATE TABLE agents (
        name TEXT PRIMARY KEY,
        labels TEXT NOT NULL DEFAULT '[]',
        executors INTEGER NOT NULL CHECK (executors >= 0),
        description TEXT NOT NULL DEFAULT '',
        launcher TEXT NOT NULL,
        workdir TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE queue_items (
        build_id TEXT PRIMARY KEY REFERENCES builds (id) ON DELETE CASCADE,
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        label TEXT,
        reason TEXT NOT NULL DEFAULT '',
        enqueued_at BIGINT NOT NULL,
        not_before BIGINT
      )`,
      `CREATE INDEX queue_items_order ON queue_items (enqueued_at)`,
    ],
  },
  {
    version: 2,
    name: 'credentials (encrypted) and their use by jobs',
    statements: [
      // secret: the controller's AES-256-GCM envelope (src/controller/credentials.ts), never plaintext.
      `CREATE TABLE credentials (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('secretText', 'usernamePassword', 'secretFile', 'sshKey', 'certificate')),
        description TEXT NOT NULL DEFAULT '',
        folder TEXT,
        username TEXT,
        file_name TEXT,
        secret TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `CREATE TABLE credential_uses (
        credential_id TEXT NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        build_number BIGINT NOT NULL,
        used_at BIGINT NOT NULL,
        PRIMARY KEY (credential_id, job_id)
      )`,
      `CREATE INDEX credential_uses_job ON credential_uses (job_id)`,
    ],
  },
  {
    version: 20,
    name: "folder properties (Folder Properties plugin): a folder's key/value pairs, exported to its jobs' withFolderProperties blocks",
    statements: [
      // One row per property; position keeps the order they were given in (store/folders.ts).
      `CREATE TABLE folder_properties (
        folder TEXT NOT NULL,
        name TEXT NOT NULL,
        value TEXT NOT NULL,
        position INTEGER NOT NULL,
        updated_at BIGINT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (folder, name)
      )`,
    ],
  },
  {
    version: 3,
    name: 'users, sessions, API tokens, audit log',
    statements: [
      `CREATE TABLE users (
        name TEXT PRIMARY KEY,
        role TEXT NOT NULL CHECK (role IN ('admin', 'developer', 'viewer')),
        full_name TEXT NOT NULL DEFAULT '',
        password_hash TEXT NOT NULL,
        disabled INTEGER NOT NULL DEFAULT 0,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      // id_hash: SHA-256 of the cookie value; the value itself is never stored.
      `CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        csrf TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_seen_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        address TEXT NOT NULL DEFAULT ''
      )`,
      `CREATE INDEX sessions_user ON sessions (user_name)`,
      `CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        user_name TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        name TEXT NOT NULL,
        token_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        last_used_at BIGINT,
        expires_at BIGINT,
        UNIQUE (user_name, name)
      )`,
      // id: the time (ms, base 36, fixed width) and a random part, so ids sort by time.
      `CREATE TABLE audit_log (
        id TEXT PRIMARY KEY,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        address TEXT NOT NULL DEFAULT ''
      )`,
    ],
  },
  {
    version: 4,
    name: 'clouds (Kubernetes, Docker) and their pod templates',
    statements: [
      // settings: the cloud's JSON settings (src/controller/clouds.ts checks them); secrets are
      // credential ids, never values.
      `CREATE TABLE clouds (
        name TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('kubernetes', 'docker')),
        settings TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 5,
    name: 'folder permissions: grants per folder, and who last set each job definition',
    statements: [
      // grantee: 'user:<name>' or 'role:developer'; rights: a JSON array of FolderRight.
      `CREATE TABLE folder_grants (
        folder TEXT NOT NULL,
        grantee TEXT NOT NULL,
        rights TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        updated_by TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (folder, grantee)
      )`,
      // The identity a job's builds bind folder credentials with (src/controller/auth/folders.ts).
      `CREATE TABLE job_configurers (
        job_id TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
        user_name TEXT NOT NULL,
        configured_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 6,
    name: 'queue items: one row per entry of the wait list (several per build), with what it waits for',
    statements: [
      // Version 1 kept one row per build; a build waits for several things at once (parallel
      // branches each wanting an executor or a pod slot), also while it runs. Rows carry over.
      `DROP INDEX queue_items_order`,
      `ALTER TABLE queue_items RENAME TO queue_items_v1`,
      `CREATE TABLE queue_items (
        id TEXT PRIMARY KEY,
        build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('quiet', 'concurrency', 'executor', 'pod-slot')),
        label TEXT,
        cloud TEXT,
        reason TEXT NOT NULL DEFAULT '',
        enqueued_at BIGINT NOT NULL,
        not_before BIGINT
      )`,
      `INSERT INTO queue_items (id, build_id, job_id, kind, label, cloud, reason, enqueued_at, not_before)
        SELECT build_id, build_id, job_id, CASE WHEN not_before IS NULL THEN 'executor' ELSE 'quiet' END, label, NULL, reason, enqueued_at, not_before
        FROM queue_items_v1`,
      `DROP TABLE queue_items_v1`,
      `CREATE INDEX queue_items_order ON queue_items (enqueued_at)`,
      `CREATE INDEX queue_items_build ON queue_items (build_id)`,
    ],
  },
  {
    version: 7,
    name: 'cloud types come from plugins: the type is any plugin cloud type name, not kubernetes or docker alone',
    statements: [
      // Version 4 fixed the types in a CHECK; a plugin adds its own (src/core/plugin.ts CloudType).
      // The store keeps the name's shape; the controller refuses a type no plugin declares.
      `ALTER TABLE clouds RENAME TO clouds_v4`,
      `CREATE TABLE clouds (
        name TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (length(type) BETWEEN 1 AND 40),
        settings TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `INSERT INTO clouds (name, type, settings, created_at, updated_at) SELECT name, type, settings, created_at, updated_at FROM clouds_v4`,
      `DROP TABLE clouds_v4`,
    ],
  },
  {
    version: 8,
    name: 'shared libraries: global ones (folder \'\') and folder ones, each a git repository with its default version',
    statements: [
      // folder: '' for a global library, else the folder path (spelled like a job name).
      `CREATE TABLE libraries (
        folder TEXT NOT NULL DEFAULT '',
        name TEXT NOT NULL,
        url TEXT NOT NULL,
        default_version TEXT,
        implicit INTEGER NOT NULL DEFAULT 0,
        allow_version_override INTEGER NOT NULL DEFAULT 1,
        credentials_id TEXT,
        include_in_changesets INTEGER NOT NULL DEFAULT 1,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        PRIMARY KEY (folder, name)
      )`,
    ],
  },
  {
    version: 9,
    name: 'static analysis results (recordIssues): one row per result id of a build, its issues as JSON',
    statements: [
      // One analysis result (warnings-ng's ResultAction) per (build, id): its counts as columns
      // for the build page and the reference search, the issues and fixed issues as JSON.
      `CREATE TABLE issue_results (
        build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        result_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        name TEXT NOT NULL,
        total INTEGER NOT NULL,
        new_count INTEGER NOT NULL,
        fixed_count INTEGER NOT NULL,
        quality_gate TEXT NOT NULL,
        data TEXT NOT NULL,
        recorded_at BIGINT NOT NULL,
        PRIMARY KEY (build_id, result_id)
      )`,
    ],
  },
  {
    version: 11,
    name: "users' e-mail addresses, and the controller's settings (the SMTP server of the mail plugin)",
    statements: [
      // NULL: no address known (mail to the user falls back to the default e-mail suffix).
      `ALTER TABLE users ADD COLUMN email TEXT`,
      // One JSON document per settings name ('mail'); secrets are referenced by credential id.
      `CREATE TABLE settings (
        name TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 14,
    name: 'build tools: coverage results of builds, HTML reports of builds (publishHTML), managed config files (configFileProvider)',
    statements: [
      // One coverage result (recordCoverage / jacoco / cobertura) per (build, id): totals and files as JSON.
      `CREATE TABLE coverage_results (
        build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        result_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        name TEXT NOT NULL,
        quality_gate TEXT NOT NULL,
        data TEXT NOT NULL,
        recorded_at BIGINT NOT NULL,
        PRIMARY KEY (build_id, result_id)
      )`,
      // publishHTML: the report's name, its directory under the build's, its index pages as JSON.
      `CREATE TABLE html_reports (
        build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        name TEXT NOT NULL,
        seq INTEGER NOT NULL,
        dir TEXT NOT NULL,
        files TEXT NOT NULL,
        keep_all INTEGER NOT NULL,
        link_last INTEGER NOT NULL,
        recorded_at BIGINT NOT NULL,
        PRIMARY KEY (build_id, name)
      )`,
      // Config File Provider's managed files, edited by admins.
      `CREATE TABLE config_files (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        type TEXT NOT NULL,
        comment TEXT NOT NULL,
        content TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        updated_by TEXT NOT NULL
      )`,
    ],
  },
  {
    version: 15,
    name: "durable execs: which agent runs which build's script step, so a new controller process accepts an agent's hand-back",
    statements: [
      // One row per durable exec in flight (src/controller/agents/workspace.ts): written as it is sent, removed with its result.
      `CREATE TABLE agent_execs (
        exec_key TEXT PRIMARY KEY,
        agent TEXT NOT NULL,
        build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        started_at BIGINT NOT NULL
      )`,
    ],
  },
  {
    version: 16,
    name: 'lockable resources configured on the controller (lock(label:) chooses among them)',
    statements: [
      // labels: a JSON list of words (core/locks.ts).
      `CREATE TABLE lockable_resources (
        name TEXT PRIMARY KEY,
        labels TEXT NOT NULL,
        description TEXT NOT NULL,
        updated_at BIGINT NOT NULL,
        updated_by TEXT NOT NULL
      )`,
    ],
  },
  {
    version: 18,
    name: "queue items: a throttle category's slot is a wait too (the throttle step), so a restart keeps the order the builds waited in",
    statements: [
      // Version 6 fixed the kinds in a CHECK; 'throttle' rows carry the category in `label`. Rows
      // carry over. The new table is made under another name first: PostgreSQL keeps a renamed
      // table's constraint names, which a new table of the old name would clash with.
      `CREATE TABLE queue_items_v18 (
        id TEXT PRIMARY KEY,
        build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('quiet', 'concurrency', 'executor', 'pod-slot', 'throttle')),
        label TEXT,
        cloud TEXT,
        reason TEXT NOT NULL DEFAULT '',
        enqueued_at BIGINT NOT NULL,
        not_before BIGINT
      )`,
      `INSERT INTO queue_items_v18 (id, build_id, job_id, kind, label, cloud, reason, enqueued_at, not_before)
        SELECT id, build_id, job_id, kind, label, cloud, reason, enqueued_at, not_before FROM queue_items`,
      `DROP TABLE queue_items`,
      `ALTER TABLE queue_items_v18 RENAME TO queue_items`,
      `CREATE INDEX queue_items_order ON queue_items (enqueued_at)`,
      `CREATE INDEX queue_items_build ON queue_items (build_id)`,
    ],
  },
  {
    version: 19,
    name: 'credentials of type azureServicePrincipal (Azure Credentials plugin): the type check widened',
    statements: [
      // Neither dialect widens a CHECK in place the same way: both tables are copied under new
      // names (credential_uses first refers to the copy, so dropping the old credentials table
      // deletes no use), the old ones dropped, the copies renamed (SQLite rewrites the foreign
      // key's table name on rename; PostgreSQL keeps it by identity).
      `CREATE TABLE credentials_v19 (
        id TEXT PRIMARY KEY,
        type TEXT NOT NULL CHECK (type IN ('secretText', 'usernamePassword', 'secretFile', 'sshKey', 'certificate', 'azureServicePrincipal')),
        description TEXT NOT NULL DEFAULT '',
        folder TEXT,
        username TEXT,
        file_name TEXT,
        secret TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
      )`,
      `INSERT INTO credentials_v19 (id, type, description, folder, username, file_name, secret, created_at, updated_at)
        SELECT id, type, description, folder, username, file_name, secret, created_at, updated_at FROM credentials`,
      `CREATE TABLE credential_uses_v19 (
        credential_id TEXT NOT NULL REFERENCES credentials_v19 (id) ON DELETE CASCADE,
        job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        build_number BIGINT NOT NULL,
        used_at BIGINT NOT NULL,
        PRIMARY KEY (credential_id, job_id)
      )`,
      `INSERT INTO credential_uses_v19 (credential_id, job_id, build_number, used_at) SELECT credential_id, job_id, build_number, used_at FROM credential_uses`,
      `DROP TABLE credential_uses`,
      `DROP TABLE credentials`,
      `ALTER TABLE credentials_v19 RENAME TO credentials`,
      `ALTER TABLE credential_uses_v19 RENAME TO credential_uses`,
      `CREATE INDEX credential_uses_job ON credential_uses (job_id)`,
    ],
  },
  {
    version: 23,
    name: "fingerprints (Jenkins core's Fingerprinter): a file's MD5, the build that produced it, and every build that recorded it",
    statements: [
      // The original build is named, not referenced: a fingerprint outlives the builds and jobs it
      // names, as Jenkins' does (a deleted one shows as gone). Uses go with their build.
      `CREATE TABLE fingerprints (
        md5 TEXT PRIMARY KEY,
        file_name TEXT NOT NULL,
        original_job TEXT,
        original_number BIGINT,
        created_at BIGINT NOT NULL
      )`,
      `CREATE TABLE fingerprint_uses (
        build_id TEXT NOT NULL REFERENCES builds (id) ON DELETE CASCADE,
        path TEXT NOT NULL,
        md5 TEXT NOT NULL REFERENCES fingerprints (md5) ON DELETE CASCADE,
        PRIMARY KEY (build_id, path)
      )`,
      `CREATE INDEX fingerprint_uses_md5 ON fingerprint_uses (md5)`,
    ],
  },
];

/** The newest version (migrations of parallel branches take numbers given out in advance, so not the list's length). */
export const SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at BIGINT NOT NULL
)`;

async function appliedVersion(db: Db): Promise<number> {
  const row = await db.one('SELECT MAX(version) AS v FROM schema_migrations');
  const v = row?.['v'];
  return v === null || v === undefined ? 0 : Number(v);
}

function tooNew(version: number): StoreError {
  return new StoreError('unavailable',
    `the database's schema is at version ${version}, newer than this Kiln knows (${SCHEMA_VERSION}): ` +
    'it was used by a newer Kiln; run that version (or a newer one) against it');
}

/**
 * Brings the schema up to date, idempotently, in one transaction. PostgreSQL takes an
 * advisory lock per schema first, so controllers opening the same database at once migrate
 * it once; SQLite's BEGIN IMMEDIATE does the same between processes. Returns the version.
 */
export async function migrate(db: Db, opts: { schema?: string | null; now: number }): Promise<number> {
  // Fast path (every start after the first): one read, no write lock.
  try {
    const v = await appliedVersion(db);
    if (v === SCHEMA_VERSION) return v;
    if (v > SCHEMA_VERSION) throw tooNew(v);
  } catch (e) {
    if (e instanceof StoreError) throw e;
    // No schema_migrations yet (or no schema): the locked path below creates it.
  }
  return db.tx(async (tx) => {
    if (tx.dialect === 'postgres') {
      const schema = opts.schema ?? null;
      await tx.one('SELECT pg_advisory_xact_lock(hashtext($1))', [`kiln-migrations:${schema ?? ''}`]);
      if (schema !== null) await tx.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    }
    await tx.run(CREATE_TABLE);
    const current = await appliedVersion(tx);
    if (current > SCHEMA_VERSION) throw tooNew(current);
    // In version order whatever the list's order (branches append the numbers given them in advance).
    for (const m of [...MIGRATIONS].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      for (const sql of m.statements) await tx.run(sql);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [m.version, m.name, opts.now]);
    }
    return SCHEMA_VERSION;
  });
}

export async function schemaVersion(db: Db): Promise<number> {
  return appliedVersion(db);
}
