// The agent's side of a pod: container('x') steps go through the step runner of container x on
// the shared volume. Here the "containers" are runner processes on this machine sharing a
// directory, which is all a pod's containers share with the agent's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { LocalBackend } from '../../src/exec/local-workspace.ts';
import { RUNNER_SH } from '../../src/exec/container-runner.ts';
import { podRunnersFromEnv, withPodRunners } from '../../src/exec/pod-workspace.ts';
import { tempDir } from '../helpers/tmp.ts';

const procs: ChildProcess[] = [];
// Each runner is killed with its process group: its serving loop is a process of its own.
after(() => { for (const p of procs) { try { process.kill(-p.pid!, 'SIGKILL'); } catch { /* gone */ } } });

async function pod() {
  const vol = tempDir('pod-volume');
  const runners = path.join(vol, '.kiln', 'c');
  writeFileSync(path.join(vol, '.kiln-runner.sh'), RUNNER_SH);
  for (const name of ['maven', 'git']) {
    mkdirSync(path.join(runners, name), { recursive: true });
    // The container's own command stays its main process (the seed's `cat`, here `sleep`).
    const p = spawn('sh', [path.join(vol, '.kiln-runner.sh'), path.join(runners, name), 'sleep', '600'], { stdio: 'ignore', detached: true });
    procs.push(p);
  }
  for (const name of ['maven', 'git']) {
    for (let i = 0; i < 200 && !existsSync(path.join(runners, name, 'ready')); i++) await new Promise((r) => setTimeout(r, 10));
  }
  const env = { KILN_POD_RUNNERS: runners, KILN_POD_CONTAINERS: 'maven,git', KILN_POD_ALL_CONTAINERS: 'jnlp,maven,git,db' };
  const backend = withPodRunners(new LocalBackend({ root: path.join(vol, 'workspace'), nodeName: 'pod-1', labels: [] }), podRunnersFromEnv(env)!);
  const ws = await backend.allocate({ build: { job: 'app', number: 1, id: 'b1' } });
  return { ws, backend, runners };
}

const run = async (ws: Awaited<ReturnType<typeof pod>>['ws'], script: string, container?: string, signal?: AbortSignal) => {
  let out = '';
  const r = await ws.exec({ argv: ['sh', '-c', script], cwd: ws.root, env: { GREETING: 'hello', PATH: '/usr/bin:/bin' }, ...(container ? { container } : {}), ...(signal ? { signal } : {}), onOutput: (b) => { out += b.toString(); } });
  return { ...r, out };
};

test('container steps run in that container through its runner, share the workspace, stream output and return the exit code', async () => {
  const { ws, backend } = await pod();
  assert.equal(ws.hasContainers, true);
  const a = await run(ws, 'echo "$GREETING from git" > cloned.txt; echo done; exit 3', 'git');
  assert.deepEqual([a.exitCode, a.out], [3, 'done\n']);
  const b = await run(ws, 'cat cloned.txt; echo "pid $$"', 'maven');
  assert.equal(b.exitCode, 0);
  assert.match(b.out, /^hello from git\npid \d+\n$/);
  // Outside container() (or in jnlp), the agent's own process runs it.
  assert.equal((await run(ws, 'echo agent', 'jnlp')).out, 'agent\n');
  assert.equal((await run(ws, 'echo agent')).out, 'agent\n');
  // Many steps in a row, each one FIFO line.
  for (let i = 0; i < 20; i++) assert.equal((await run(ws, `echo ${i}`, 'maven')).out, `${i}\n`);
  await backend.close();
});

test('abort kills the step in the container; a container without a runner or without a name says so', async () => {
  const { ws, backend } = await pod();
  const ac = new AbortController();
  const t0 = Date.now();
  const pending = run(ws, 'echo started; sleep 30; echo never', 'maven', ac.signal);
  await new Promise((r) => setTimeout(r, 300));
  ac.abort();
  const r = await pending;
  assert.equal(r.aborted, true);
  assert.equal(r.out, 'started\n');
  assert.ok(Date.now() - t0 < 10_000);
  // Permission denied in a container: the hint the seed's troubleshooting gives.
  const denied = await run(ws, 'echo "touch: cannot touch \'target/x\': Permission denied" >&2; exit 1', 'maven');
  assert.equal(denied.exitCode, 1);
  assert.match(denied.out, /kiln: 'Permission denied' in container 'maven': .*same securityContext\.runAsUser in every container.*fsGroup/);
  await assert.rejects(run(ws, 'true', 'db'), /container\('db'\): Kiln could not inject its step runner into 'db' because the pod spec gives it no command/);
  await assert.rejects(run(ws, 'true', 'gradle'), /container\('gradle'\): the pod has no container 'gradle' \(it has: jnlp, maven, git, db\)/);
  await backend.close();
});

test('an aborted container step takes its children with it; each step leaves no directory behind; an older agent\'s step script still runs', async () => {
  const { ws, backend, runners } = await pod();
  const ac = new AbortController();
  const pending = run(ws, 'sleep 30 & echo $! > child.pid; echo started; wait', 'maven', ac.signal);
  const pidFile = path.join(ws.root, 'child.pid');
  for (let i = 0; i < 500 && !(existsSync(pidFile) && readFileSync(pidFile, 'utf8').endsWith('\n')); i++) await new Promise((r) => setTimeout(r, 10));
  const child = Number(readFileSync(pidFile, 'utf8'));
  ac.abort();
  assert.equal((await pending).aborted, true);
  // The step's process group is signalled, not only its shell: its background `sleep` is gone too.
  const alive = () => { try { process.kill(child, 0); return true; } catch { return false; } };
  for (let i = 0; i < 300 && alive(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(alive(), false, `the step's child ${child} survived the abort`);
  // The runner's own variables are not the step's.
  assert.equal((await run(ws, 'echo "[${d-}${r-}${s-}${id-}]"', 'maven')).out, '[]\n');
  await backend.close();
  assert.deepEqual(readdirSync(path.join(runners, 'maven')).filter((f) => !['ctl', 'ready'].includes(f)), []);
  // A step written by an agent from before the runner read step scripts itself (no first-line
  // mark) is run by a shell of its own, as then.
  const dir = path.join(runners, 'git', 'old-1');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'cmd'), `cd '${ws.root}' || exit 1\nexport GREETING='hi'\nexec 'sh' '-c' 'echo "$GREETING from an old agent"; exit 4'\n`);
  const ctl = openSync(path.join(runners, 'git', 'ctl'), 'w');
  writeSync(ctl, 'run old-1\n');
  closeSync(ctl);
  const status = path.join(dir, 'status');
  for (let i = 0; i < 500 && !(existsSync(status) && readFileSync(status, 'utf8').endsWith('\n')); i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual([readFileSync(status, 'utf8'), readFileSync(path.join(dir, 'out'), 'utf8')], ['4\n', 'hi from an old agent\n']);
});
