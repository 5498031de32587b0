// Opening the store: which implementation a URL picks, migrations (idempotent, safe when
// opened concurrently, refusing a newer schema), and history surviving close and reopen.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { KINDS, freshDb, raw, rejectsWith, type TestDb } from './helpers.ts';
import { SCHEMA_VERSION, openStore, resolveStoreUrl } from '../../src/store/index.ts';

const def = { kind: 'inline', script: "pipeline { agent any\n stages { stage('x') { steps { echo 'x' } } } }" } as const;

/** A child process that opens the store and creates `count` builds of `job`, printing their numbers. */
function childCreates(db: TestDb, job: string, count: number): Promise<number[]> {
  const storeUrl = new URL('../../src/store/index.ts', import.meta.url).href;
  const code = `
    const { openStore } = await import(${JSON.stringify(storeUrl)});
    const s = await openStore(${JSON.stringify(db.options)});
    const made = await Promise.all(Array.from({ length: ${count} }, () => s.builds.create(${JSON.stringify(job)})));
    await s.close();
    process.stdout.write(JSON.stringify(made.map((b) => b.number)));`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('error', reject);
    child.on('close', (c) => (c === 0 ? resolve(JSON.parse(out) as number[]) : reject(new Error(`child exited ${c}: ${err}`))));
  });
}

describe('store URL', () => {
  it('defaults to <home>/kiln.db, picks PostgreSQL by scheme, refuses others', () => {
    const saved = process.env['KILN_DATABASE_URL'];
    delete process.env['KILN_DATABASE_URL'];
    try {
      assert.deepEqual(resolveStoreUrl({ home: '/var/kiln' }), { kind: 'sqlite', file: '/var/kiln/kiln.db' });
      assert.deepEqual(resolveStoreUrl({ url: 'sqlite:/tmp/x.db' }), { kind: 'sqlite', file: '/tmp/x.db' });
      assert.deepEqual(resolveStoreUrl({ url: 'sqlite:///tmp/y.db' }), { kind: 'sqlite', file: '/tmp/y.db' });
      assert.deepEqual(resolveStoreUrl({ url: 'postgresql://u:p@db:5432/kiln?schema=ci', home: '/h' }),
        { kind: 'postgres', url: 'postgresql://u:p@db:5432/kiln', schema: 'ci' });
      process.env['KILN_DATABASE_URL'] = 'postgres://u@db/kiln';
      assert.deepEqual(resolveStoreUrl({ home: '/h' }), { kind: 'postgres', url: 'postgres://u@db/kiln', schema: null });
      assert.throws(() => resolveStoreUrl({ url: 'mysql://db/kiln' }), /unsupported database URL 'mysql:\/\/db\/kiln': use postgres:\/\//);
      assert.throws(() => resolveStoreUrl({ url: 'postgres://db/kiln', schema: 'Bad-Name' }), /invalid PostgreSQL schema name/);
      delete process.env['KILN_DATABASE_URL'];
      assert.throws(() => resolveStoreUrl({}), /needs a home directory/);
    } finally {
      if (saved === undefined) delete process.env['KILN_DATABASE_URL'];
      else process.env['KILN_DATABASE_URL'] = saved;
    }
  });

  it('opens the embedded store under the home directory, in WAL mode, creating the directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kiln-home-'));
    try {
      const home = join(dir, 'nested', 'home');
      const s = await openStore({ home, url: undefined });
      assert.equal(s.kind, 'sqlite');
      assert.equal(s.location, join(home, 'kiln.db'));
      await s.close();
      assert.ok(existsSync(join(home, 'kiln.db')));
      const d = new DatabaseSync(join(home, 'kiln.db'));
      assert.deepEqual({ ...d.prepare('PRAGMA journal_mode').get() }, { journal_mode: 'wal' });
      d.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('says plainly when PostgreSQL cannot be reached, without the password', async () => {
    await rejectsWith(openStore({ url: 'postgres://kiln:s3cret@127.0.0.1:1/kiln' }), 'unavailable',
      /^cannot use PostgreSQL at postgres:\/\/kiln:\*\*\*@127\.0\.0\.1:1\/kiln: .*ECONNREFUSED/);
    try {
      await openStore({ url: 'postgres://kiln:s3cret@127.0.0.1:1/kiln' });
    } catch (e) {
      assert.doesNotMatch(String(e), /s3cret/);
    }
  });
});

for (const kind of KINDS) {
  describe(`opening the store (${kind})`, () => {
    it('migrates once: opening again (and concurrently) changes nothing', async () => {
      const db = freshDb(kind);
      const opened = await Promise.all(Array.from({ length: 4 }, () => db.open()));
      for (const s of opened) assert.equal(await s.schemaVersion(), SCHEMA_VERSION);
      await Promise.all(opened.map((s) => s.close()));
      const again = await db.open();
      assert.equal(await again.schemaVersion(), SCHEMA_VERSION);
      await again.jobs.create({ name: 'after-reopen', definition: def });
      await again.close();
      const third = await db.open();
      assert.deepEqual((await third.jobs.list()).map((j) => j.name), ['after-reopen']);
    });

    it('keeps build history across close and reopen', async () => {
      const db = freshDb(kind);
      const s1 = await db.open();
      await s1.jobs.create({ name: 'h', definition: def, options: { buildDiscarder: { numToKeep: 3, daysToKeep: null, artifactNumToKeep: null, artifactDaysToKeep: null } } });
      const b1 = await s1.builds.create('h', { params: { X: '1' }, causes: [{ type: 'user', description: 'Started by user admin', userId: 'admin' }] });
      const finished = await s1.builds.update(b1.id, { status: 'finished', result: 'SUCCESS', startedAt: 1, endedAt: 2 });
      const b2 = await s1.builds.create('h', { enqueue: { label: 'linux' } });
      await s1.agents.create({ name: 'agent-1', labels: ['linux'] });
      const job = await s1.jobs.get('h');
      await s1.close();
      const s2 = await db.open();
      assert.deepEqual(await s2.jobs.get('h'), job);
      assert.deepEqual(await s2.builds.get(b1.id), finished);
      assert.deepEqual((await s2.builds.listUnfinished()).map((b) => b.id), [b2.id]);
      assert.deepEqual((await s2.queue.list()).map((q) => [q.buildId, q.label]), [[b2.id, 'linux']]);
      assert.equal((await s2.agents.list()).length, 1);
      assert.equal((await s2.builds.create('h')).number, 3);
    });

    it('allocates build numbers without duplicates across processes', async () => {
      const db = freshDb(kind);
      const s = await db.open();
      await s.jobs.create({ name: 'multi', definition: def });
      const [a, b] = await Promise.all([childCreates(db, 'multi', 25), childCreates(db, 'multi', 25)]);
      assert.deepEqual([...a!, ...b!].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i + 1));
      assert.equal((await s.jobs.get('multi'))!.nextBuildNumber, 51);
    });

    it('refuses a database migrated by a newer Kiln', async () => {
      const db = freshDb(kind);
      await (await db.open()).close();
      await raw(db, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 0)");
      await rejectsWith(db.open(), 'unavailable', /schema is at version 999, newer than this Kiln knows/);
    });
  });
}
