// The Workspace interface over a WebSocket to a real `kiln agent` process: a test controller
// (HTTP server + AgentHub) and agents started with bin/kiln, as an operator starts them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile as fsWriteFile, mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { WorkspaceError, type Workspace } from '../../src/core/workspace.ts';
import { AgentUnavailableError } from '../../src/controller/agents/session.ts';
import { isProcessAlive } from '../../src/exec/process-tree.ts';
import {
  baseEnv, run, sh, startAgent, startController, waitFor, waitOnline, type AgentProcess, type TestController,
} from './remote-harness.ts';

let c: TestController;
let agent: AgentProcess;
let ws: Workspace;
const build = (job: string, number = 1) => ({ job, number, id: `${job}#${number}` });

before(async () => {
  c = await startController({ graceMs: 5000 });
  agent = startAgent(c, 'worker-1', { labels: ['linux', 'fast'] });
  await waitOnline(c, 'worker-1');
  ws = await c.hub.backend('worker-1').allocate({ build: build('folder/job') });
});

after(async () => {
  await agent.stop();
  await c.close();
});

test('the hub knows the agent: labels, executors, state; allocation names the workspace like Jenkins', async () => {
  const info = c.hub.agent('worker-1');
  assert.ok(info);
  assert.equal(info.state, 'online');
  assert.deepEqual(info.labels, ['linux', 'fast']);
  assert.equal(info.executors, 1);
  assert.equal(info.os, process.platform);
  assert.equal(info.workdir, agent.workdir);
  assert.deepEqual(c.hub.agents().map((a) => a.name), ['worker-1']);
  assert.equal(ws.root, path.join(agent.workdir, 'workspace', 'folder_job'));
  assert.equal(ws.tmp, `${ws.root}@tmp`);
  assert.equal(ws.nodeName, 'worker-1');
  assert.deepEqual(ws.nodeLabels, ['worker-1', 'linux', 'fast']);
  assert.equal(ws.isUnix, true);
  assert.equal(ws.hasContainers, false);
  // A second allocation for the same job while the first is held gets @2, as locally.
  const ws2 = await c.hub.backend('worker-1').allocate({ build: build('folder/job', 2) });
  assert.equal(ws2.root, `${ws.root}@2`);
  await ws2.release();
});

test('exec streams stdout and stderr separately and returns the exit code', async () => {
  const r = await run(ws, sh('echo out1; echo err1 >&2; printf "no newline"; exit 7'));
  assert.equal(r.exitCode, 7);
  assert.equal(r.signal, null);
  assert.equal(r.aborted, false);
  assert.equal(r.stdout.toString(), 'out1\nno newline');
  assert.equal(r.stderr.toString(), 'err1\n');
});

test('exec passes env, cwd and stdin; binary output arrives byte-exact', async () => {
  await ws.mkdir(path.join(ws.root, 'sub'));
  const r = await run(ws, sh('pwd; echo "$GREETING"; cat'), {
    cwd: path.join(ws.root, 'sub'),
    env: { ...baseEnv, GREETING: 'héllo wörld' },
    stdin: 'from stdin\n',
  });
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout.toString(), `${path.join(ws.root, 'sub')}\nhéllo wörld\nfrom stdin\n`);
  const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const bin = await run(ws, ['cat'], { stdin: bytes });
  assert.deepEqual(bin.stdout, bytes);
});

test('a program that does not exist and a missing cwd fail like the local backend', async () => {
  await assert.rejects(run(ws, ['no-such-program-kiln']), /cannot run program 'no-such-program-kiln'.*no such program/);
  await assert.rejects(run(ws, ['true'], { cwd: path.join(ws.root, 'missing') }), /working directory .*missing does not exist/);
  await assert.rejects(run(ws, ['true'], { cwd: '/etc' }), (e: unknown) => e instanceof WorkspaceError && e.code === 'outside');
});

test('large output (8 MB) streams through in order', async () => {
  const r = await run(ws, sh('head -c 8000000 /dev/zero | tr "\\0" "x"; echo; seq 1 20000'));
  assert.equal(r.exitCode, 0);
  const text = r.stdout.toString();
  assert.equal(text.indexOf('\n'), 8_000_000);
  const tail = text.slice(8_000_001).trimEnd().split('\n');
  assert.equal(tail.length, 20000);
  assert.equal(tail[19999], '20000');
});

test('file operations: write, read (binary, chunked), stat, glob, remove, mkdir', async () => {
  const big = Buffer.alloc(3 * 1024 * 1024 + 17);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const p = path.join(ws.root, 'data', 'big.bin');
  await ws.writeFile(p, big);
  assert.deepEqual(await readFile(p), big); // really on the agent's disk
  assert.deepEqual(await ws.readFile(p), big);
  await ws.writeFile(path.join(ws.root, 'empty.txt'), '');
  assert.equal((await ws.readFile(path.join(ws.root, 'empty.txt'))).length, 0);
  await ws.writeFile(path.join(ws.root, 'run.sh'), '#!/bin/sh\necho ran\n', 0o755);
  const st = await ws.stat(path.join(ws.root, 'run.sh'));
  assert.deepEqual({ ...st, mtimeMs: undefined }, { type: 'file', size: 19, mode: 0o755, mtimeMs: undefined });
  assert.ok(typeof st?.mtimeMs === 'number' && Math.abs(st.mtimeMs - Date.now()) < 600_000, `the agent says when the file changed (${st?.mtimeMs})`);
  assert.equal((await run(ws, [path.join(ws.root, 'run.sh')])).stdout.toString(), 'ran\n');
  assert.equal(await ws.stat(path.join(ws.root, 'nothing')), null);
  assert.equal((await ws.stat(path.join(ws.root, 'data')))?.type, 'dir');
  await ws.writeFile(path.join(ws.root, 'data', 'a.xml'), '<a/>');
  await ws.writeFile(path.join(ws.root, 'data', 'deep', 'b.xml'), '<b/>');
  await ws.writeFile(path.join(ws.root, 'data', '.git', 'c.xml'), '<c/>');
  assert.deepEqual(await ws.glob(path.join(ws.root, 'data'), '**/*.xml'), ['a.xml', 'deep/b.xml']);
  assert.deepEqual(await ws.glob(path.join(ws.root, 'data'), '**/*.xml', 'deep/**', { defaultExcludes: false }), ['.git/c.xml', 'a.xml']);
  assert.deepEqual(await ws.glob(path.join(ws.root, 'data'), '**/*.XML', undefined, { caseSensitive: false }), ['a.xml', 'deep/b.xml']);
  await ws.remove(path.join(ws.root, 'data'));
  assert.equal(await ws.stat(path.join(ws.root, 'data')), null);
  await ws.remove(path.join(ws.root, 'data')); // absent: no error
  await ws.writeFile(path.join(ws.tmp, 'secret.txt'), 's3cret');
  assert.equal((await ws.readFile(path.join(ws.tmp, 'secret.txt'))).toString(), 's3cret');
});

test('least privilege: paths outside the workspace and symlinks that lead out are refused with WorkspaceError codes', async () => {
  const isCode = (code: string) => (e: unknown) => e instanceof WorkspaceError && e.code === code;
  await assert.rejects(ws.readFile('/etc/passwd'), isCode('outside'));
  await assert.rejects(ws.writeFile(path.join(ws.root, '..', 'escape.txt'), 'x'), isCode('outside'));
  await assert.rejects(ws.remove('/tmp'), isCode('outside'));
  await assert.rejects(ws.glob('/etc', '**'), isCode('outside'));
  await assert.rejects(ws.readFile('relative.txt'), isCode('outside'));
  await symlink('/etc/passwd', path.join(ws.root, 'link'));
  await assert.rejects(ws.readFile(path.join(ws.root, 'link')), (e: unknown) => isCode('outside')(e) && /symbolic link/.test((e as Error).message));
  await assert.rejects(ws.readFile(path.join(ws.root, 'missing.txt')), isCode('not-found'));
  // A workspace path outside the agent's work directory is refused too.
  await assert.rejects(c.hub.backend('worker-1').allocate({ build: build('x'), path: '/etc/kiln' }), isCode('outside'));
  await assert.rejects(c.hub.backend('worker-1').allocate({ build: build('x'), path: '../../escape' }), isCode('outside'));
  const custom = await c.hub.backend('worker-1').allocate({ build: build('x'), path: 'custom/place' });
  assert.equal(custom.root, path.join(agent.workdir, 'workspace', 'custom', 'place'));
  await custom.release();
});

test('abort kills the whole process tree on the agent', async () => {
  const ac = new AbortController();
  let out = '';
  const started = ws.exec({
    argv: sh('sleep 300 & echo $!; (sleep 301; true) & echo $!; echo $$; wait'),
    cwd: ws.root, env: baseEnv, signal: ac.signal,
    onOutput: (d) => { out += d.toString(); },
  });
  await waitFor(() => out.trim().split('\n').length >= 3, 10_000, 'three pids');
  const pids = out.trim().split('\n').map(Number);
  for (const pid of pids) assert.equal(await isProcessAlive(pid), true);
  const t0 = Date.now();
  ac.abort();
  const r = await started;
  assert.equal(r.aborted, true);
  assert.ok(Date.now() - t0 < 5000);
  for (const pid of pids) assert.equal(await isProcessAlive(pid), false, `pid ${pid} survived the abort`);
});

test('an abort signal already fired does not start anything', async () => {
  const ac = new AbortController();
  ac.abort();
  const r = await run(ws, sh('touch started'), { signal: ac.signal });
  assert.equal(r.aborted, true);
  assert.equal(await ws.stat(path.join(ws.root, 'started')), null);
});

test('a throwing output sink fails the exec after the process ends, like locally', async () => {
  await assert.rejects(ws.exec({
    argv: sh('echo a; echo b'), cwd: ws.root, env: baseEnv,
    onOutput: () => { throw new Error('sink broke'); },
  }), /sink broke/);
  assert.equal((await run(ws, ['echo', 'still fine'])).stdout.toString(), 'still fine\n');
});

test('concurrent execs and file operations on one connection do not mix', async () => {
  const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => run(ws, sh(`for j in 1 2 3; do echo ${i}-$j; done; exit ${i}`))));
  runs.forEach((r, i) => {
    assert.equal(r.exitCode, i);
    assert.equal(r.stdout.toString(), `${i}-1\n${i}-2\n${i}-3\n`);
  });
  await Promise.all(Array.from({ length: 20 }, (_, i) => ws.writeFile(path.join(ws.root, 'many', `${i}.txt`), String(i))));
  assert.equal((await ws.glob(path.join(ws.root, 'many'), '*.txt')).length, 20);
});

test('release kills what the workspace still runs; calls after release fail clearly', async () => {
  const w = await c.hub.backend('worker-1').allocate({ build: build('released') });
  let out = '';
  const p = w.exec({ argv: sh('sleep 200 & echo $!; wait'), cwd: w.root, env: baseEnv, onOutput: (d) => { out += d.toString(); } });
  await waitFor(() => out.includes('\n'), 10_000, 'pid');
  const pid = Number(out.trim());
  await w.release();
  await p.catch(() => {});
  await waitFor(async () => !(await isProcessAlive(pid)), 5000, 'the tree to die');
  await assert.rejects(w.exec({ argv: ['true'], cwd: w.root, env: baseEnv, onOutput: () => {} }), /was released/);
});

test('the command line that connects an agent is exact and quoted', () => {
  const line = c.hub.commandLine('worker-9', 'http://kiln:8080', { workdir: '/home/kiln agent', labels: ['a', 'b'] });
  assert.equal(line, `kiln agent --url http://kiln:8080 --name worker-9 --secret ${c.hub.secret('worker-9')} --workdir '/home/kiln agent' --labels a,b`);
});

test('allocating on an agent that is not connected fails with its name', async () => {
  await assert.rejects(c.hub.backend('nobody').allocate({ build: build('x') }),
    (e: unknown) => e instanceof AgentUnavailableError && e.agent === 'nobody' && /agent 'nobody' is offline/.test(e.message));
});

test('per-exec overhead over the WebSocket is a few ms (printed, not asserted)', async () => {
  const { LocalBackend } = await import('../../src/exec/local-workspace.ts');
  const local = await new LocalBackend({ root: path.join(c.tmp, 'local') }).allocate({ build: build('bench') });
  const time = async (w: Workspace, n: number) => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await w.exec({ argv: ['true'], cwd: w.root, env: baseEnv, onOutput: () => {} });
    return (performance.now() - t0) / n;
  };
  await time(ws, 5);
  await time(local, 5);
  const remoteMs = await time(ws, 40);
  const localMs = await time(local, 40);
  const fileT0 = performance.now();
  for (let i = 0; i < 100; i++) await ws.stat(ws.root);
  const statMs = (performance.now() - fileT0) / 100;
  console.log(`# exec 'true': remote ${remoteMs.toFixed(2)} ms, local ${localMs.toFixed(2)} ms, overhead ${(remoteMs - localMs).toFixed(2)} ms; stat round trip ${statMs.toFixed(2)} ms`);
  await local.release();
  assert.ok(remoteMs > 0);
});

test('files written on the agent side by hand are visible (it really is the agent\'s disk)', async () => {
  await mkdir(path.join(ws.root, 'byhand'), { recursive: true });
  await fsWriteFile(path.join(ws.root, 'byhand', 'f.txt'), 'hand');
  assert.equal((await ws.readFile(path.join(ws.root, 'byhand', 'f.txt'))).toString(), 'hand');
});
