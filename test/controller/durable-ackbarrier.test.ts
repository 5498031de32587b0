// The ack barrier of durable execs (issue 19), on real processes and both stores: the controller
// is killed with SIGKILL while an `sh` on an agent is printing, at a moment chosen only by what
// the step has written to its output file on the agent (never by what reached the console on the
// controller's disk). Whatever the controller had handled but not yet written is lost with it,
// so the agent must still hold it: the resumed build's console has every line exactly once and
// in order. Before the barrier, output was acknowledged (and dropped by the agent) as soon as the
// controller handled it, and lines went missing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { kilnBin } from '../helpers/kiln.ts';
import { testPostgresUrl } from '../store/helpers.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText } from '../helpers/controller.ts';
import { startControllerProcess, kill9, freePort, type ControllerProcess } from '../helpers/controller-process.ts';

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

function startCtl(home: string, port: number, databaseUrl: string | null): Promise<ControllerProcess> {
  return startControllerProcess(home, { port, databaseUrl, executors: 0, running });
}

async function startAgent(c: ControllerProcess, name: string, workdir: string): Promise<void> {
  const api = jsonApi(() => c.url);
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
}

/** The step's durable exec directory on the agent (one step runs there). */
function execDir(workdir: string): string | null {
  try {
    const keys = readdirSync(path.join(workdir, '.kiln-durable'));
    return keys.length > 0 ? path.join(workdir, '.kiln-durable', keys[0]!) : null;
  } catch {
    return null;
  }
}

const read = (file: string) => {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
};

/** Lines of the step's stdout the agent holds as acknowledged by the controller (it will not send them again). */
function ackedLines(workdir: string): number {
  const dir = execDir(workdir);
  if (!dir) return 0;
  const acked = Number(/^(\d+) /.exec(read(path.join(dir, 'acked')))?.[1] ?? 0);
  return read(path.join(dir, 'out')).slice(0, acked).split('\n').filter((l) => /^L\d+$/.test(l)).length;
}

/** Lines `L<n>` in the build's console file on the controller's disk. */
function linesOnDisk(home: string): number {
  const root = path.join(home, 'builds');
  let n = 0;
  for (const id of readdirSync(root)) n += read(path.join(root, id, '1', 'log')).split('\n').filter((l) => /^L\d+$/.test(l)).length;
  return n;
}

async function dbFor(kind: 'sqlite' | 'postgres'): Promise<string | null> {
  if (kind === 'sqlite') return null;
  const schema = `kiln_ackbar_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  schemas.push(schema);
  return `${testPostgresUrl()}?schema=${schema}`;
}

const LINES = 100000;

for (const kind of ['sqlite', 'postgres'] as const) test(`kill -9 of the controller (${kind} store) while an sh on an agent prints, without waiting for its console on disk: every line once and in order`, async () => {
  const home = tempDir('ackbar');
  const marks = tempDir('ackbar-marks');
  const workdir = tempDir('ackbar-a1');
  const port = await freePort();
  const db = await dbFor(kind);
  let c = await startCtl(home, port, db);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/agents', { name: 'a1', labels: ['durable'], executors: 1 });
  await startAgent(c, 'a1', workdir);
  // A steady stream of numbered lines (in bursts of 500, a pause between), then the end.
  await api('POST', '/api/v1/jobs', { name: 'chatty', script: `node('durable') {
    sh '''set +x; echo ran >> '${marks}/ran'; i=0; while [ $i -lt ${LINES} ]; do echo "L$i"; i=$((i+1)); [ $((i % 500)) -eq 0 ] && sleep 0.01; done; echo done-printing'''
    echo 'next step'
  }` });
  await api('POST', '/api/v1/jobs/chatty/builds', {});
  // The controller is frozen (SIGSTOP) at moments chosen only by the step's progress on the agent,
  // and killed (SIGKILL) at the first moment the agent holds as acknowledged more lines than the
  // controller's console has on disk (the lines in its memory are lost with it), or at a random
  // one while the step prints. Without the ack barrier such a moment comes within a few tries;
  // with it, a kill between the console's write and the agent hearing of it must not bring
  // those lines twice.
  await until(() => read(path.join(execDir(workdir) ?? workdir, 'out')).includes('L1000\n'), 'the sh to print its first lines', 60_000, 2);
  let window = '';
  const last = 5 + Math.floor(Math.random() * 20);
  for (let tries = 0; ; tries++) {
    c.proc.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 40)); // the acknowledgements in flight reach the agent
    const acked = ackedLines(workdir);
    const disk = linesOnDisk(home);
    if (acked > disk) window = `killed with ${acked} lines acknowledged to the agent and ${disk} on disk`;
    if (window || tries >= last || read(path.join(execDir(workdir) ?? workdir, 'out')).includes('done-printing')) break;
    c.proc.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, Math.random() * 20));
  }
  await kill9(c);
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  const b = await finishedBuild(c.url, 'chatty', 1);
  const text = await consoleText(c.url, 'chatty', 1);
  assert.equal(b.result, 'SUCCESS', `${text.slice(-3000)}\n${c.out.join('').slice(-3000)}`);
  const got = text.split('\n').filter((l) => /^L\d+$/.test(l));
  const missing: number[] = [];
  const twice: number[] = [];
  const seen = new Set<string>();
  for (const l of got) {
    if (seen.has(l)) twice.push(Number(l.slice(1)));
    seen.add(l);
  }
  for (let i = 0; i < LINES; i++) if (!seen.has(`L${i}`)) missing.push(i);
  assert.deepEqual({ missing: missing.slice(0, 20), missingCount: missing.length, twice: twice.slice(0, 20), twiceCount: twice.length }, { missing: [], missingCount: 0, twice: [], twiceCount: 0 }, window);
  assert.deepEqual(got, Array.from({ length: LINES }, (_, i) => `L${i}`), 'in order');
  assert.equal(text.split('\n').filter((l) => l === 'done-printing').length, 1, text.slice(-2000));
  assert.match(text, /^next step$/m);
  assert.equal(text.split('\n').filter((l) => /^Resumed after the controller restarted \(down \d+\.\d s\)$/.test(l)).length, 1);
  assert.equal(readFileSync(`${marks}/ran`, 'utf8'), 'ran\n', 'the sh ran once');
  await kill9(c);
});
