// An agent killed mid-step (SIGKILL) and started again: the processes its step left running are
// stopped by the new agent process before it says hello, so the build is never reported as
// ended while they run, and the console says what became of them. Against a real controller
// and real `kiln agent` processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
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

async function startAgent(name: string): Promise<{ output: string[] }> {
  const info = await api('GET', `/api/v1/agents/${name}`);
  const workdir = agents.get(name)?.workdir ?? tempDir(`agent-${name}`);
  const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  const proc = spawn(kilnBin, [...args, '--workdir', workdir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  agents.set(name, { proc, workdir, output });
  await until(async () => (await api('GET', `/api/v1/agents/${name}`)).online, `agent ${name} to connect (${output.join('')})`);
  return { output };
}

async function buildOf(job: string, n: number): Promise<any> {
  return api('GET', `/api/v1/jobs/${encodeURIComponent(job)}/builds/${n}`);
}

async function consoleOf(job: string, n: number): Promise<string> {
  return (await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console`, c.url))).text();
}

before(async () => {
  c = await startController(testConfig({ home: tempDir('ctl-leftovers'), port: '0', 'agent-grace': '30' }));
  await api('POST', '/api/v1/agents', { name: 'crashy', labels: ['crashy'], executors: 1 });
});

after(async () => {
  for (const a of agents.values()) a.proc.kill('SIGKILL');
  for (const pid of strays) if (await isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  await c?.close();
});

test('an agent killed mid-step and restarted stops what the step left running before the build ends; the console says so', async () => {
  await startAgent('crashy');
  const ws = path.join(agents.get('crashy')!.workdir, 'workspace', 'deploy');
  // A background sleep, and a loop writing a heartbeat (like a deploy going on). Its output goes
  // elsewhere: a step writing to the dead agent's pipe would die of SIGPIPE on its own.
  await api('POST', '/api/v1/jobs', { name: 'deploy', script: `pipeline { agent { label 'crashy' }; stages { stage('S') { steps {
    sh 'sleep 1000 & echo $! > pidfile; (while :; do date +%s%N > beat; sleep 0.05; done) >/dev/null 2>&1 & echo started; wait' } } } }` });
  await api('POST', '/api/v1/jobs/deploy/builds', {});
  await until(async () => (await consoleOf('deploy', 1)).includes('started') && existsSync(path.join(ws, 'beat')), 'the step to start');
  const sleeper = Number(readFileSync(path.join(ws, 'pidfile'), 'utf8'));
  strays.push(sleeper);

  agents.get('crashy')!.proc.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 500));
  // The agent is gone but the step's processes go on: the build must not be over.
  assert.equal(await isProcessAlive(sleeper), true);
  const beat1 = readFileSync(path.join(ws, 'beat'), 'utf8');
  await until(() => readFileSync(path.join(ws, 'beat'), 'utf8') !== beat1, 'the heartbeat to go on without the agent', 5000);
  assert.equal((await buildOf('deploy', 1)).result, null, 'the build is still running while its processes run');

  // Watch for the build's end, and look at the processes the moment it is reported.
  let aliveAtEnd: boolean | null = null;
  let beatAtEnd = '';
  const watcher = (async () => {
    for (;;) {
      const b = await buildOf('deploy', 1);
      if (b.result !== null) {
        aliveAtEnd = await isProcessAlive(sleeper);
        beatAtEnd = readFileSync(path.join(ws, 'beat'), 'utf8');
        return b;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const { output } = await startAgent('crashy');
  const b = await watcher;
  assert.equal(b.result, 'FAILURE');
  assert.equal(aliveAtEnd, false, 'the background process was dead when the build was reported ended');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(readFileSync(path.join(ws, 'beat'), 'utf8'), beatAtEnd, 'the heartbeat stopped before the build was reported ended');
  const text = await consoleOf('deploy', 1);
  assert.match(text, /agent 'crashy' came back with a new session \(its process restarted, or it gave the old session up\); the step's result was lost; the \d+ process\(es\) it left running were stopped before the agent came back/);
  assert.match(output.join(''), /stopped \d+ process\(es\) of 'sh' \(deploy #1\) that an earlier agent process left running/);
  // Nothing left recorded: the next start has nothing to do.
  assert.deepEqual(readdirSync(path.join(agents.get('crashy')!.workdir, '.kiln-procs')), []);
});

test('an agent that does not come back within the grace period: the build ends saying its processes may still run there; the agent stops them when it starts', async () => {
  const c2 = await startController(testConfig({ home: tempDir('ctl-leftovers-grace'), port: '0', 'agent-grace': '1' }));
  const api2 = jsonApi(() => c2.url);
  const workdir = tempDir('agent-gone');
  let proc: ChildProcess | null = null;
  const launch = async () => {
    const info = await api2('GET', '/api/v1/agents/gone');
    const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
    const out: string[] = [];
    proc = spawn(kilnBin, [...args, '--workdir', workdir], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr!.on('data', (d) => out.push(String(d)));
    await until(async () => (await api2('GET', '/api/v1/agents/gone')).online, 'agent gone to connect');
    return out;
  };
  try {
    await api2('POST', '/api/v1/agents', { name: 'gone', labels: ['gone'], executors: 1 });
    await launch();
    await api2('POST', '/api/v1/jobs', { name: 'left', script: `pipeline { agent { label 'gone' }; stages { stage('S') { steps { sh 'sleep 1000 & echo $! > pidfile; echo started; wait' } } } }` });
    await api2('POST', '/api/v1/jobs/left/builds', {});
    const pidFile = path.join(workdir, 'workspace', 'left', 'pidfile');
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the step to start');
    const sleeper = Number(readFileSync(pidFile, 'utf8'));
    strays.push(sleeper);
    proc!.kill('SIGKILL');
    await (await adminFetch(new URL('api/v1/jobs/left/builds/1/console/stream', c2.url))).text();
    const b = await api2('GET', '/api/v1/jobs/left/builds/1');
    assert.equal(b.result, 'FAILURE');
    const text = await (await adminFetch(new URL('api/v1/jobs/left/builds/1/console', c2.url))).text();
    assert.match(text, /agent 'gone' disconnected and did not come back within 1 s; the processes it was running may still be running on \S+ \(the agent stops them when it starts again\)/);
    assert.equal(await isProcessAlive(sleeper), true, 'as the console says, the process still runs');
    const out = await launch();
    assert.equal(await isProcessAlive(sleeper), false, 'the restarted agent stopped it before it came online');
    assert.match(out.join(''), /stopped \d+ process\(es\) of 'sh' \(left #1\)/);
  } finally {
    (proc as ChildProcess | null)?.kill('SIGKILL');
    await c2.close();
  }
});

test('a recorded process whose pid now belongs to another process (another start time) is never signalled', async () => {
  const workdir = tempDir('agent-reuse');
  const innocent = spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' });
  strays.push(innocent.pid!);
  const info = await procInfo(innocent.pid!);
  assert.ok(info);
  mkdirSync(path.join(workdir, '.kiln-procs'), { recursive: true });
  const cookie = 'ab'.repeat(16);
  // The record of a step whose group leader had this pid, but started at another time.
  writeFileSync(path.join(workdir, '.kiln-procs', `${cookie}.json`), JSON.stringify({
    v: 1, cookie, agentPid: 2 ** 22 + 17, agentStart: 1, build: 'old #1', command: 'sh', pgid: innocent.pid, start: info.starttime - 1, since: '',
  }));
  await api('POST', '/api/v1/agents', { name: 'reuse', labels: ['reuse'], executors: 1 });
  const info2 = await api('GET', '/api/v1/agents/reuse');
  const args = (info2.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  const proc = spawn(kilnBin, [...args, '--workdir', workdir], { stdio: ['ignore', 'ignore', 'ignore'] });
  agents.set('reuse', { proc, workdir, output: [] });
  await until(async () => (await api('GET', '/api/v1/agents/reuse')).online, 'agent reuse to connect');
  assert.equal(await isProcessAlive(innocent.pid!), true, 'the unrelated process lives');
  assert.equal(existsSync(path.join(workdir, '.kiln-procs', `${cookie}.json`)), false, 'the stale record is gone');
  assert.ok(statSync(workdir).isDirectory());
});
