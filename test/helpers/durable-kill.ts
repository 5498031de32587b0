// The set-up the kill -9 durability tests share (durable-journal, durable-trail, durable-tornbig):
// real controller processes on a home's SQLite or a fresh PostgreSQL schema, real agents with
// their work directories, every process killed and every schema dropped after the test file;
// and reading what a build left in its folder. One copy, so the tests differ only in what they do.
import { after } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { kilnBin } from './kiln.ts';
import { freshSchema, dropSchemas } from './pg-schemas.ts';
import { jsonApi, until } from './controller.ts';
import { startControllerProcess, type ControllerProcess } from './controller-process.ts';

export const STORES = ['sqlite', 'postgres'] as const;

export interface DurableKillHarness {
  /** The test file's live child processes (killed after it). */
  running: Set<ChildProcess>;
  /** The store URL for a controller: null for the home's SQLite, a fresh PostgreSQL schema otherwise. */
  dbFor(kind: 'sqlite' | 'postgres'): string | null;
  /** A controller process with no executors of its own (steps run on agents). */
  startCtl(home: string, port: number, databaseUrl: string | null): Promise<ControllerProcess>;
  /** An agent labelled 'durable' (created first unless `create` is false), once it is online. */
  startAgent(c: ControllerProcess, name: string, workdir: string, executors?: number, create?: boolean): Promise<{ proc: ChildProcess }>;
}

/** Call at a test file's top level: `schemaPrefix` names its PostgreSQL schemas. */
export function durableKillHarness(schemaPrefix: string): DurableKillHarness {
  const running = new Set<ChildProcess>();
  const schemas: string[] = [];
  after(async () => {
    for (const p of running) p.kill('SIGKILL');
    await dropSchemas(schemas);
  });
  return {
    running,
    dbFor(kind) {
      if (kind === 'sqlite') return null;
      const { schema, databaseUrl } = freshSchema(schemaPrefix);
      schemas.push(schema);
      return databaseUrl;
    },
    startCtl: (home, port, databaseUrl) => startControllerProcess(home, { port, databaseUrl, executors: 0, running }),
    async startAgent(c, name, workdir, executors = 1, create = true) {
      const api = jsonApi(() => c.url);
      if (create) await api('POST', '/api/v1/agents', { name, labels: ['durable'], executors });
      const secret = /--secret (\S+)/.exec((await api('GET', `/api/v1/agents/${name}`)).command)![1]!.replace(/^'|'$/g, '');
      const env: NodeJS.ProcessEnv = { ...process.env };
      for (const k of Object.keys(env)) if (k.startsWith('KILN_')) delete env[k];
      const proc = spawn(kilnBin, ['agent', '--url', c.url, '--name', name, '--secret', secret, '--workdir', workdir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      running.add(proc);
      proc.on('exit', () => running.delete(proc));
      const out: string[] = [];
      proc.stdout!.on('data', (d: Buffer) => out.push(String(d)));
      proc.stderr!.on('data', (d: Buffer) => out.push(String(d)));
      await until(async () => (await api('GET', `/api/v1/agents/${name}`)).online === true, `agent ${name} to connect (${out.join('')})`);
      return { proc };
    },
  };
}

/** A file's text, '' when it is not there (yet). */
export function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/** The build's folder under the home (one job per home, or the one whose run.json mentions `mention`). */
export function buildDir(home: string, n = 1, mention?: string): string {
  const root = path.join(home, 'builds');
  for (const id of readdirSync(root)) {
    const d = path.join(root, id, String(n));
    if (existsSync(d) && (!mention || readOrEmpty(path.join(d, 'run.json')).includes(mention))) return d;
  }
  throw new Error(`no build ${n} in ${root}`);
}
