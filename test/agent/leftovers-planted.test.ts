// A build's steps run as the agent's user and can write the agent's work directory, records in
// `.kiln-procs/` included. What they plant there must not aim the restarted agent's sweep
// (agent/leftovers.ts) at processes that no dead agent's step started: an unrelated process of
// the user named by its real pid and start time, another live agent's running step named by
// its real cookie. Nor may it keep the agent from starting (a FIFO, a huge file) or from being
// accepted (a record whose build name breaks the hello's schema). Against a real controller
// and real `kiln agent` processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { isProcessAlive, procInfo } from '../../src/exec/process-tree.ts';
import { kilnBin } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, testConfig, adminFetch } from '../helpers/controller.ts';

// These tests are about the sweep of steps that do not survive their agent (steps in a pod's other
// containers, Windows agents): the controllers here run script steps without durable execs,
// which are handed back instead (agent/durable.ts; test/controller/durable-agents.test.ts).
process.env['KILN_DURABLE_EXECS'] = '0';

let c: ControllerHandle;
const agents = new Map<string, { proc: ChildProcess; workdir: string; output: string[] }>();
const strays: number[] = [];
const api = jsonApi(() => c.url);

async function startAgent(name: string, workdir?: string, ms = 20_000): Promise<{ output: string[] }> {
  const info = await api('GET', `/api/v1/agents/${name}`);
  const dir = workdir ?? agents.get(name)?.workdir ?? tempDir(`agent-${name}`);
  const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  const proc = spawn(kilnBin, [...args, '--workdir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  agents.set(name, { proc, workdir: dir, output });
  await until(async () => (await api('GET', `/api/v1/agents/${name}`)).online, `agent ${name} to connect (${output.join('')})`, ms);
  return { output };
}

async function stopAgent(name: string): Promise<void> {
  const a = agents.get(name)!;
  const exited = new Promise((r) => a.proc.once('exit', r));
  a.proc.kill('SIGKILL');
  await exited;
}

async function addAgent(name: string): Promise<void> {
  await api('POST', '/api/v1/agents', { name, labels: [name], executors: 1 });
}

/** Starts a build of a new job on `label` whose step backgrounds `sleep 1000`; resolves with its pid. */
async function sleeperOn(label: string, job: string, workdir: string, extra = ''): Promise<number> {
  await api('POST', '/api/v1/jobs', { name: job, script: `pipeline { agent { label '${label}' }; stages { stage('S') { steps {
    sh '''${extra}
sleep 1000 & echo $! > pidfile; wait''' } } } }` });
  await api('POST', `/api/v1/jobs/${job}/builds`, {});
  const pidFile = path.join(workdir, 'workspace', job, 'pidfile');
  await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', `${job}'s step to start`);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  strays.push(pid);
  return pid;
}

function cookieOf(pid: number): string {
  const env = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0');
  const v = env.find((l) => l.startsWith('KILN_NODE_COOKIE='));
  assert.ok(v, `process ${pid} carries a cookie`);
  return v.slice('KILN_NODE_COOKIE='.length);
}

before(async () => {
  c = await startController(testConfig({ home: tempDir('ctl-planted'), port: '0', 'agent-grace': '30' }));
});

after(async () => {
  for (const a of agents.values()) a.proc.kill('SIGKILL');
  for (const pid of strays) if (await isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  await c?.close();
});

test("records planted in .kiln-procs naming an unrelated process (its real pid and start time) or another live agent's step (its real cookie) kill neither", async () => {
  await addAgent('bystander');
  await startAgent('bystander');
  const bystanderStep = await sleeperOn('bystander', 'busy', agents.get('bystander')!.workdir);
  const theirCookie = cookieOf(bystanderStep);

  // An unrelated process of the same user, leading its own group (like an SSH session's shell).
  const innocent = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
  strays.push(innocent.pid!);
  const info = await procInfo(innocent.pid!);
  assert.ok(info);

  const workdir = tempDir('agent-planted');
  const records = path.join(workdir, '.kiln-procs');
  mkdirSync(records, { recursive: true });
  const deadAgent = { agentPid: 2 ** 22 + 17, agentStart: 1 };
  const plant = (cookie: string, fields: Record<string, unknown>) => writeFileSync(path.join(records, `${cookie.slice(0, 32)}.json`),
    JSON.stringify({ v: 1, cookie, ...deadAgent, build: 'planted #1', command: 'sh', pgid: null, start: null, since: '', ...fields }));
  // What a step can write: the innocent process's group by its real start time, under a fresh cookie...
  plant('cd'.repeat(16), { pgid: innocent.pid, start: info.starttime });
  // ... and the other agent's step's cookie, read from its /proc/<pid>/environ.
  plant(theirCookie, { pgid: bystanderStep, start: (await procInfo(bystanderStep))!.starttime });

  await addAgent('planted');
  await startAgent('planted', workdir);
  assert.equal(await isProcessAlive(innocent.pid!), true, 'the unrelated process lives');
  assert.equal(await isProcessAlive(bystanderStep), true, "the other agent's step lives");
  assert.equal((await api('GET', '/api/v1/jobs/busy/builds/1')).result, null, "the other agent's build still runs");
});

test('a FIFO or an oversized file among the records does not keep the restarted agent from starting', async () => {
  const workdir = tempDir('agent-fifo');
  const records = path.join(workdir, '.kiln-procs');
  mkdirSync(records, { recursive: true });
  execFileSync('mkfifo', [path.join(records, `${'ef'.repeat(16)}.json`)]);
  writeFileSync(path.join(records, `${'fe'.repeat(16)}.json`), Buffer.alloc(64 * 1024 * 1024, 0x20));
  await addAgent('fifo');
  await startAgent('fifo', workdir, 15_000);
});

test("a step that rewrites its own record (a build name too long for the hello, control characters) does not lock its agent out after a restart", async () => {
  await addAgent('rewriter');
  await startAgent('rewriter');
  const workdir = agents.get('rewriter')!.workdir;
  const pid = await sleeperOn('rewriter', 'rewrite', workdir);
  // What the step could do itself (same user): rewrite its record's free text.
  const dir = path.join(workdir, '.kiln-procs');
  for (const f of readdirSync(dir)) {
    const rec = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, f), JSON.stringify({ ...rec, build: `${'A'.repeat(3000)}\u001b[31m\nfake line`, command: 'B'.repeat(3000) }));
  }
  assert.ok(readdirSync(path.join(workdir, '.kiln-procs')).length > 0);
  await stopAgent('rewriter');
  const { output } = await startAgent('rewriter');
  assert.equal(await isProcessAlive(pid), false, "the step's process was stopped");
  const b = await api('GET', '/api/v1/jobs/rewrite/builds/1');
  await until(async () => (await api('GET', '/api/v1/jobs/rewrite/builds/1')).result !== null, 'the build to end');
  const text = await (await adminFetch(new URL('api/v1/jobs/rewrite/builds/1/console', c.url))).text();
  assert.doesNotMatch(text, /\u001b\[31m/, 'no escape sequence from the record reaches the console');
  assert.ok(!output.join('').includes('\nfake line'), output.join(''));
  void b;
});
