// The local backend against real processes and a real file system.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, mkdir, writeFile, symlink, readFile, stat, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LocalBackend, workspaceDirName } from '../../src/exec/local-workspace.ts';
import { hostEnvForBuilds } from '../../src/exec/host-env.ts';
import { WorkspaceError, type ExecResult, type ExecSpec, type OutputStream, type Workspace } from '../../src/core/workspace.ts';
import { isProcessAlive } from '../../src/exec/process-tree.ts';

const tmpRoot = await mkdtemp(path.join(tmpdir(), 'kiln-local-'));
after(async () => {
  await rm(tmpRoot, { recursive: true, force: true });
});

let counter = 0;
function newBackend(opts: { killGraceMs?: number; labels?: string[]; hostEnv?: Record<string, string> } = {}): LocalBackend {
  return new LocalBackend({ root: path.join(tmpRoot, `b${++counter}`), ...opts });
}

function build(job: string, number = 1) {
  return { job, number, id: `${job}#${number}` };
}

const baseEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' };

interface Run extends ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  chunks: { stream: OutputStream; data: Buffer }[];
}

async function run(ws: Workspace, argv: string[], spec: Partial<ExecSpec> = {}): Promise<Run> {
  const chunks: { stream: OutputStream; data: Buffer }[] = [];
  const r = await ws.exec({
    argv,
    cwd: ws.root,
    env: baseEnv,
    onOutput: (data, stream) => chunks.push({ stream, data }),
    ...spec,
  });
  const of = (s: OutputStream) => Buffer.concat(chunks.filter((c) => c.stream === s).map((c) => c.data));
  return { ...r, stdout: of('stdout'), stderr: of('stderr'), chunks };
}

const sh = (script: string) => ['sh', '-c', script];

async function waitFor(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function allDead(pids: number[]): Promise<boolean> {
  for (const pid of pids) if (await isProcessAlive(pid)) return false;
  return true;
}

// ---------------------------------------------------------------- allocation

test('workspace directory is named after the job; folders use _', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('folder/sub/my-job') });
  assert.equal(ws.root, path.join(b.root, 'folder_sub_my-job'));
  assert.equal((await stat(ws.root)).isDirectory(), true);
  assert.equal(ws.nodeName, 'local');
  assert.deepEqual(ws.nodeLabels, ['local']);
  assert.equal(ws.hasContainers, false);
  assert.equal(ws.isUnix, true);
  await b.close();
  assert.equal(workspaceDirName('..'), '__');
  assert.equal(workspaceDirName(''), '_');
  assert.equal(workspaceDirName('a\\b\nc'), 'a_b_c');
});

test('labels and node name come from the options', async () => {
  const b = new LocalBackend({ root: path.join(tmpRoot, 'labels'), nodeName: 'box', labels: ['linux', 'docker'] });
  const ws = await b.allocate({ build: build('j') });
  assert.equal(ws.nodeName, 'box');
  assert.deepEqual(ws.nodeLabels, ['box', 'linux', 'docker']);
  await b.close();
});

test('concurrent workspaces of one job get @2, @3; a released name is reused', async () => {
  const b = newBackend();
  const [w1, w2, w3] = await Promise.all([1, 2, 3].map((n) => b.allocate({ build: build('app', n) })));
  const base = path.join(b.root, 'app');
  assert.deepEqual([w1!.root, w2!.root, w3!.root].sort(), [base, `${base}@2`, `${base}@3`]);
  const first = [w1!, w2!, w3!].find((w) => w.root === base)!;
  await first.release();
  const w4 = await b.allocate({ build: build('app', 4) });
  assert.equal(w4.root, base);
  const w5 = await b.allocate({ build: build('other', 1) });
  assert.equal(w5.root, path.join(b.root, 'other'));
  await b.close();
  assert.deepEqual(b.liveWorkspaces(), []);
});

test('req.path overrides the directory, and is locked the same way', async () => {
  const b = newBackend();
  const custom = path.join(tmpRoot, 'custom-ws');
  const w1 = await b.allocate({ build: build('a'), path: custom });
  const w2 = await b.allocate({ build: build('b'), path: custom });
  assert.equal(w1.root, custom);
  assert.equal(w2.root, `${custom}@2`);
  assert.equal((await stat(`${custom}@2`)).isDirectory(), true);
  await b.close();
});

// ---------------------------------------------------------------- exec: output

test('stdout and stderr are streamed separately, in order, byte-exact', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('out') });
  const r = await run(ws, sh('for i in 1 2 3 4 5; do echo "out $i"; echo "err $i" >&2; done; printf "no newline"'));
  assert.equal(r.exitCode, 0);
  assert.equal(r.signal, null);
  assert.equal(r.aborted, false);
  assert.equal(r.stdout.toString(), 'out 1\nout 2\nout 3\nout 4\nout 5\nno newline');
  assert.equal(r.stderr.toString(), 'err 1\nerr 2\nerr 3\nerr 4\nerr 5\n');
  for (const c of r.chunks) assert.ok(Buffer.isBuffer(c.data));
  await b.close();
});

test('binary output with invalid UTF-8 comes through unchanged', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('bin') });
  const bytes = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28, 0x0a, 0xe2, 0x82, 0x0d, 0x80, 0xf0, 0x9f, 0x98]);
  await ws.writeFile(path.join(ws.root, 'blob'), bytes);
  const r = await run(ws, ['cat', 'blob']);
  assert.deepEqual(r.stdout, bytes);
  // A multi-byte character split across writes is not re-encoded either.
  const r2 = await run(ws, sh("printf '\\342\\202'; sleep 0.05; printf '\\254 partial'"));
  assert.deepEqual(r2.stdout, Buffer.from('€ partial'));
  await b.close();
});

test('10 MB of output arrives complete and in order', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('big') });
  const data = Buffer.alloc(10 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4) data.writeUInt32LE(i * 2654435761 >>> 0, i);
  await ws.writeFile(path.join(ws.root, 'big.bin'), data);
  const r = await run(ws, ['cat', 'big.bin']);
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout.length, data.length);
  assert.ok(r.stdout.equals(data));
  assert.ok(r.chunks.length > 1);
  await b.close();
});

// ---------------------------------------------------------------- exec: status, env, stdin, cwd

test('exit codes and signals are reported', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('codes') });
  assert.equal((await run(ws, sh('exit 3'))).exitCode, 3);
  assert.equal((await run(ws, ['false'])).exitCode, 1);
  const killed = await run(ws, sh('kill -USR1 $$; sleep 5'));
  assert.equal(killed.exitCode, null);
  assert.equal(killed.signal, 'SIGUSR1');
  assert.equal(killed.aborted, false);
  await b.close();
});

test('the environment is exactly the one given over the host part (PATH added only when missing)', async () => {
  const b = newBackend({ hostEnv: {} });
  const ws = await b.allocate({ build: build('env') });
  const r = await run(ws, ['/usr/bin/env', '-0'], { env: { FOO: 'bar baz', PATH: '/usr/bin:/bin', EMPTY: '', 'X=Y': 'ignored?' } as Record<string, string> });
  const vars = r.stdout.toString().split('\0').filter((s) => s !== '').sort();
  // Node drops names containing '=', which the OS could not represent anyway.
  assert.deepEqual(vars.filter((v) => !v.startsWith('X=')), ['EMPTY=', 'FOO=bar baz', 'PATH=/usr/bin:/bin']);
  const r2 = await run(ws, ['/usr/bin/env', '-0'], { env: { ONLY: '1' } });
  const vars2 = r2.stdout.toString().split('\0').filter((s) => s !== '').sort();
  assert.equal(vars2.length, 2);
  assert.equal(vars2[0], 'ONLY=1');
  assert.match(vars2[1]!, /^PATH=.+/);
  // The program itself is looked up on the PATH given.
  const r3 = await run(ws, ['env'], { env: { PATH: '/nonexistent' } }).catch((e: Error) => e);
  assert.ok(r3 instanceof Error);
  await b.close();
});

test("the host's environment reaches processes only through the allow-list: never KILN_* secrets", async () => {
  const host = {
    PATH: '/usr/bin:/bin', HOME: '/home/builder', USER: 'builder', LC_ALL: 'C', JAVA_HOME: '/opt/jdk', GOPATH: '/go',
    KILN_ADMIN_TOKEN: 'admin-token-value', KILN_SECRET: 'agent-secret-value', KILN_WEBHOOK_SECRET: 'hook-secret',
    KILN_DATABASE_URL: 'postgres://kiln:pw@db/kiln', AWS_SECRET_ACCESS_KEY: 'aws-secret', KILN_BUILD_ENV: 'JAVA_HOME, KILN_SECRET',
  };
  const b = new LocalBackend({ root: path.join(tmpRoot, `b${++counter}`), hostEnv: hostEnvForBuilds(host) });
  const ws = await b.allocate({ build: build('hostenv') });
  const r = await run(ws, ['/usr/bin/env', '-0'], { env: { USER: 'pipeline-wins', FOO: '1' } });
  const vars = r.stdout.toString().split('\0').filter((s) => s !== '').sort();
  // JAVA_HOME because KILN_BUILD_ENV lists it; KILN_SECRET is never passed, even when listed.
  assert.deepEqual(vars, ['FOO=1', 'HOME=/home/builder', 'JAVA_HOME=/opt/jdk', 'LC_ALL=C', 'PATH=/usr/bin:/bin', 'USER=pipeline-wins']);
  assert.doesNotMatch(r.stdout.toString(), /secret|token|pw@/);
  await b.close();
  // By default the backend takes the allow-listed part of this process's own environment.
  assert.deepEqual(new LocalBackend().hostEnv, hostEnvForBuilds(process.env));
  assert.ok(Object.keys(hostEnvForBuilds({ ...process.env, KILN_ADMIN_TOKEN: 'x', KILN_X: 'y' })).every((k) => !k.startsWith('KILN_')));
});

test("KILN_BUILD_ENV='*' (a pod's agent container) passes the whole environment but KILN_*; reportEnv states it as the node's", async () => {
  const host = { PATH: '/opt/x/bin:/bin', JAVA_HOME: '/opt/java', TEAM: 'a', KILN_SECRET: 'agent-secret', KILN_URL: 'http://c', KILN_BUILD_ENV: '*' };
  assert.deepEqual(hostEnvForBuilds(host), { PATH: '/opt/x/bin:/bin', JAVA_HOME: '/opt/java', TEAM: 'a' });
  const b = new LocalBackend({ root: path.join(tmpRoot, `b${++counter}`), hostEnv: hostEnvForBuilds(host), reportEnv: true });
  const ws = await b.allocate({ build: { job: 'j', number: 1, id: 'j#1' } });
  assert.deepEqual(ws.nodeEnv, { PATH: '/opt/x/bin:/bin', JAVA_HOME: '/opt/java', TEAM: 'a' });
  const plain = await new LocalBackend({ root: path.join(tmpRoot, `b${++counter}`) }).allocate({ build: { job: 'j', number: 1, id: 'j#1' } });
  assert.equal(plain.nodeEnv, undefined, "the controller's own executors state no node env (builds there keep the default PATH)");
});

test('stdin is fed and closed; absent stdin reads as empty', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('stdin') });
  assert.equal((await run(ws, ['cat'], { stdin: 'hello\nworld' })).stdout.toString(), 'hello\nworld');
  const bytes = Buffer.from([0, 1, 2, 255, 254]);
  assert.deepEqual((await run(ws, ['cat'], { stdin: bytes })).stdout, bytes);
  const none = await run(ws, ['cat']);
  assert.equal(none.exitCode, 0);
  assert.equal(none.stdout.length, 0);
  // A program that never reads a large stdin does not break exec.
  const ignored = await run(ws, ['true'], { stdin: Buffer.alloc(4 * 1024 * 1024) });
  assert.equal(ignored.exitCode, 0);
  await b.close();
});

test('cwd: runs in the given directory; missing, outside and bad programs fail clearly', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('cwd') });
  const sub = path.join(ws.root, 'a', 'b');
  await ws.mkdir(sub);
  assert.equal((await run(ws, ['pwd'], { cwd: sub })).stdout.toString(), `${sub}\n`);
  // Programs with a relative path resolve against cwd.
  await ws.writeFile(path.join(sub, 'tool.sh'), '#!/bin/sh\necho tool ran\n', 0o755);
  assert.equal((await run(ws, ['./tool.sh'], { cwd: sub })).stdout.toString(), 'tool ran\n');

  const missing = path.join(ws.root, 'nope');
  await assert.rejects(run(ws, ['pwd'], { cwd: missing }), (e: Error) => {
    assert.match(e.message, /'pwd'/);
    assert.ok(e.message.includes(missing));
    assert.match(e.message, /does not exist/);
    return true;
  });
  await assert.rejects(run(ws, ['pwd'], { cwd: path.dirname(ws.root) }), (e: unknown) => e instanceof WorkspaceError && e.code === 'outside');
  await assert.rejects(run(ws, ['no-such-program-kiln'], { cwd: sub }), (e: Error) => {
    assert.ok(e.message.includes("'no-such-program-kiln'"));
    assert.ok(e.message.includes(sub));
    return true;
  });
  await ws.writeFile(path.join(sub, 'noexec.sh'), 'echo hi\n', 0o644);
  await assert.rejects(run(ws, ['./noexec.sh'], { cwd: sub }), /permission denied/);
  await assert.rejects(run(ws, []), /empty command/);
  await b.close();
});

test('an exception in onOutput fails the exec after the process ends', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('sink') });
  await assert.rejects(ws.exec({
    argv: sh('echo one; echo two'), cwd: ws.root, env: baseEnv,
    onOutput: () => { throw new Error('log store is full'); },
  }), /log store is full/);
  await b.close();
});

// ---------------------------------------------------------------- exec: process trees

test('a background process holding stdout does not hang exec; release kills it', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('bg') });
  const started = Date.now();
  const r = await run(ws, sh('sleep 300 & echo "bg $!"; head -c 1000000 /dev/zero'));
  assert.ok(Date.now() - started < 5000, 'exec returned while the background sleep still holds the pipe');
  assert.equal(r.exitCode, 0);
  const m = /^bg (\d+)\n/.exec(r.stdout.subarray(0, 40).toString('latin1'));
  assert.ok(m, `pid line in ${r.stdout.subarray(0, 40).toString('latin1')}`);
  assert.equal(r.stdout.length, m[0].length + 1000000, 'everything the leader wrote before exiting was drained');
  const bgPid = Number(m[1]);
  assert.equal(await isProcessAlive(bgPid), true, 'Jenkins leaves it running until the workspace is released');
  await ws.release();
  assert.equal(await isProcessAlive(bgPid), false);
  await b.close();
});

test('abort kills the whole tree, including children that ignore SIGTERM and orphans', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('abort') });
  const ac = new AbortController();
  const script = [
    'echo "pid $$"',
    'sleep 300 & echo "pid $!"',
    'sleep 300 & echo "pid $!"',
    `sh -c 'trap "" TERM; while :; do sleep 1; done' & echo "pid $!"`,
    '(sleep 300 & echo "pid $!") ', // orphaned: its parent subshell exits at once
    `setsid sh -c 'echo "pid $$"; exec sleep 300' &`, // left the group; its parent is still alive
    'sleep 0.3; echo ready',
    'wait',
  ].join('\n');
  let out = '';
  let abortedAt = 0;
  const p = ws.exec({
    argv: sh(script), cwd: ws.root, env: baseEnv, signal: ac.signal,
    onOutput: (d) => {
      out += d.toString();
      if (out.includes('ready\n') && abortedAt === 0) {
        abortedAt = Date.now();
        ac.abort();
      }
    },
  });
  const r = await p;
  const pids = [...out.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
  assert.equal(pids.length, 6, out);
  assert.equal(r.aborted, true);
  assert.ok(await waitFor(() => allDead(pids), Math.max(0, 2000 - (Date.now() - abortedAt))), `still alive 2 s after abort: ${(await Promise.all(pids.map(async (pid) => (await isProcessAlive(pid)) ? pid : null))).filter((x) => x !== null).join(' ')}`);
  await b.close();
});

test('abort of a leader that ignores SIGTERM ends with SIGKILL within 2 s', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('stubborn') });
  const ac = new AbortController();
  let out = '';
  let abortedAt = 0;
  const r = await ws.exec({
    argv: sh('trap "" TERM; echo "pid $$"; sleep 300 & echo "pid $!"; while :; do sleep 1; done'),
    cwd: ws.root, env: baseEnv, signal: ac.signal,
    onOutput: (d) => {
      out += d.toString();
      if ((out.match(/pid/g) ?? []).length === 2 && abortedAt === 0) {
        abortedAt = Date.now();
        ac.abort();
      }
    },
  });
  assert.equal(r.aborted, true);
  assert.equal(r.signal, 'SIGKILL');
  const pids = [...out.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
  assert.ok(await waitFor(() => allDead(pids), Math.max(0, 2000 - (Date.now() - abortedAt))));
  await b.close();
});

test('the kill grace period is configurable; a TERM-obeying process reports SIGTERM', async () => {
  const b = newBackend({ killGraceMs: 200 });
  const ws = await b.allocate({ build: build('grace') });
  const ac = new AbortController();
  const started = Date.now();
  setTimeout(() => ac.abort(), 200);
  const r = await run(ws, sh('trap "" TERM; while :; do sleep 1; done'), { signal: ac.signal });
  assert.equal(r.signal, 'SIGKILL');
  assert.ok(Date.now() - started < 1500);
  const ac2 = new AbortController();
  setTimeout(() => ac2.abort(), 100);
  const r2 = await run(ws, ['sleep', '300'], { signal: ac2.signal });
  assert.equal(r2.aborted, true);
  assert.equal(r2.signal, 'SIGTERM');
  await b.close();
});

test('an already aborted signal runs nothing', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('pre') });
  const ac = new AbortController();
  ac.abort();
  const r = await run(ws, ['touch', 'marker'], { signal: ac.signal });
  assert.equal(r.aborted, true);
  assert.equal(await ws.stat(path.join(ws.root, 'marker')), null);
  await b.close();
});

test('release kills processes still running in the workspace', async () => {
  const b = newBackend({ killGraceMs: 300 });
  const ws = await b.allocate({ build: build('rel') });
  let out = '';
  let resolveReady: () => void = () => {};
  const ready = new Promise<void>((r) => { resolveReady = r; });
  const p = ws.exec({
    argv: sh('echo "pid $$"; sleep 300 & echo "pid $!"; wait'), cwd: ws.root, env: baseEnv,
    onOutput: (d) => {
      out += d.toString();
      if ((out.match(/pid/g) ?? []).length === 2) resolveReady();
    },
  });
  await ready;
  await b.close();
  const r = await p;
  assert.equal(r.exitCode, null);
  assert.equal(r.signal, 'SIGTERM');
  const pids = [...out.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
  assert.ok(await allDead(pids));
  await assert.rejects(run(ws, ['true']), /released/);
});

// ---------------------------------------------------------------- files

test('paths outside the workspace are refused', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('jail') });
  const outside = (e: unknown) => {
    assert.ok(e instanceof WorkspaceError);
    assert.equal(e.code, 'outside');
    assert.ok(e.message.includes(ws.root), e.message);
    return true;
  };
  const bad = [
    path.join(ws.root, '..', 'x'),
    `${ws.root}/a/../../x`,
    '/etc/passwd',
    `${ws.root}@2/file`,
    `${ws.root}-evil/file`,
    'relative/file',
    '',
  ];
  for (const p of bad) {
    await assert.rejects(ws.readFile(p), outside, p);
    await assert.rejects(ws.writeFile(p, 'x'), outside, p);
    await assert.rejects(ws.stat(p), outside, p);
    await assert.rejects(ws.mkdir(p), outside, p);
    await assert.rejects(ws.remove(p), outside, p);
    await assert.rejects(ws.glob(p, '**'), outside, p);
  }
  await assert.rejects(ws.readFile('/etc/passwd'), /\/etc\/passwd/);
  // Normalized paths that stay inside are fine.
  await ws.writeFile(`${ws.root}/a/../b.txt`, 'ok');
  assert.equal((await ws.readFile(path.join(ws.root, 'b.txt'))).toString(), 'ok');
  assert.equal((await ws.stat(ws.root + '/'))?.type, 'dir');
  await b.close();
});

test('readFile / writeFile / stat / mkdir', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('files') });
  const f = path.join(ws.root, 'deep', 'er', 'f.sh');
  await ws.writeFile(f, '#!/bin/sh\n', 0o750);
  assert.equal((await readFile(f)).toString(), '#!/bin/sh\n');
  const before = Date.now();
  const st = await ws.stat(f);
  assert.deepEqual({ ...st, mtimeMs: undefined }, { type: 'file', size: 10, mode: 0o750, mtimeMs: undefined });
  assert.ok(st!.mtimeMs! <= before && st!.mtimeMs! > before - 60_000, `mtimeMs ${st!.mtimeMs} is when the file was written`);
  await ws.writeFile(f, Buffer.from([1, 2, 3]), 0o600); // existing file: mode still applied
  assert.deepEqual({ ...(await ws.stat(f)), mtimeMs: undefined }, { type: 'file', size: 3, mode: 0o600, mtimeMs: undefined });
  assert.deepEqual(await ws.readFile(f), Buffer.from([1, 2, 3]));
  assert.equal((await ws.stat(path.join(ws.root, 'deep')))?.type, 'dir');
  assert.equal(await ws.stat(path.join(ws.root, 'missing')), null);
  assert.equal(await ws.stat(path.join(f, 'under-a-file')), null);
  await symlink('/etc', path.join(ws.root, 'link'));
  assert.equal((await ws.stat(path.join(ws.root, 'link')))?.type, 'symlink');
  await ws.mkdir(path.join(ws.root, 'm', 'n'));
  await ws.mkdir(path.join(ws.root, 'm', 'n')); // idempotent
  assert.equal((await ws.stat(path.join(ws.root, 'm', 'n')))?.type, 'dir');
  await assert.rejects(ws.readFile(path.join(ws.root, 'missing')), (e: unknown) => e instanceof WorkspaceError && e.code === 'not-found' && e.message.includes('missing'));
  await assert.rejects(ws.readFile(path.join(ws.root, 'deep')), (e: unknown) => e instanceof WorkspaceError && e.code === 'io');
  await assert.rejects(ws.mkdir(path.join(f, 'x')), (e: unknown) => e instanceof WorkspaceError && e.code === 'io');
  await b.close();
});

test('remove leaves kept paths (kiln run\'s history in its project directory) and removes everything else around them', async () => {
  const root = path.join(tmpRoot, `keep${++counter}`);
  const project = path.join(root, 'project');
  const b = new LocalBackend({ root, keep: [path.join(project, '.kiln', 'runs')] });
  const ws = await b.allocate({ build: build('keep'), path: project });
  await mkdir(path.join(project, '.kiln', 'runs', '1'), { recursive: true });
  await mkdir(path.join(project, '.kiln', 'workspace', '3'), { recursive: true });
  await mkdir(path.join(project, 'src'), { recursive: true });
  await writeFile(path.join(project, '.kiln', 'runs', '1', 'console.log'), 'log');
  await writeFile(path.join(project, 'src', 'main.c'), 'int main;');
  await writeFile(path.join(project, 'README'), 'r');
  await ws.remove(path.join(project, '.kiln', 'runs', '1', 'console.log'));
  await ws.remove(path.join(project, '.kiln', 'runs'));
  assert.equal(await readFile(path.join(project, '.kiln', 'runs', '1', 'console.log'), 'utf8'), 'log');
  await ws.remove(project); // deleteDir / cleanWs at the top
  assert.equal(await readFile(path.join(project, '.kiln', 'runs', '1', 'console.log'), 'utf8'), 'log');
  for (const gone of ['src', 'README', '.kiln/workspace']) await assert.rejects(stat(path.join(project, gone)), { code: 'ENOENT' }, gone);
  await b.close();
});

test('remove deletes a tree, a file, a symlink (not its target), and ignores absent paths', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('rm') });
  const outsideDir = path.join(tmpRoot, 'rm-target');
  await mkdir(outsideDir, { recursive: true });
  await writeFile(path.join(outsideDir, 'precious'), 'keep');
  for (const p of ['t/a/b/c.txt', 't/a/d.txt', 't/e/f/g/h.txt', 't/.hidden']) await ws.writeFile(path.join(ws.root, p), p);
  await symlink(outsideDir, path.join(ws.root, 't', 'a', 'link-out'));
  await chmod(path.join(ws.root, 't', 'e', 'f'), 0o555);
  await ws.remove(path.join(ws.root, 't'));
  assert.equal(await ws.stat(path.join(ws.root, 't')), null);
  assert.equal((await readFile(path.join(outsideDir, 'precious'))).toString(), 'keep');
  await ws.writeFile(path.join(ws.root, 'single'), 'x');
  await ws.remove(path.join(ws.root, 'single'));
  assert.equal(await ws.stat(path.join(ws.root, 'single')), null);
  await ws.remove(path.join(ws.root, 'never-existed'));
  await ws.remove(path.join(ws.root, 'never', 'existed'));
  await b.close();
});

test('glob: includes, excludes, default excludes, sorted posix paths', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('glob') });
  const files = [
    'target/app.jar', 'target/app-sources.jar', 'target/classes/A.class', 'target/reports/TEST-a.xml',
    'mod/target/reports/TEST-b.xml', 'src/a.txt', 'src/b.txt', 'README.md', '.git/config', '.git/objects/x',
    'mod/.gitignore', 'node_modules/dep/index.js', 'z.txt~',
  ];
  for (const f of files) await ws.writeFile(path.join(ws.root, f), f);
  await mkdir(path.join(ws.root, 'empty-dir'));
  const g = (inc: string, exc?: string, opts?: { defaultExcludes?: boolean }) => (ws as { glob(d: string, i: string, e?: string, o?: { defaultExcludes?: boolean }): Promise<string[]> }).glob(ws.root, inc, exc, opts);
  assert.deepEqual(await g('target/*.jar'), ['target/app-sources.jar', 'target/app.jar']);
  assert.deepEqual(await g('**/reports/*.xml'), ['mod/target/reports/TEST-b.xml', 'target/reports/TEST-a.xml']);
  assert.deepEqual(await g('**/*.jar, **/*.md', '**/*-sources.jar'), ['README.md', 'target/app.jar']);
  assert.deepEqual(await g('**', 'target/**, mod/**, node_modules/'), ['README.md', 'src/a.txt', 'src/b.txt']);
  assert.deepEqual(await g(''), [
    'README.md', 'mod/target/reports/TEST-b.xml', 'node_modules/dep/index.js', 'src/a.txt', 'src/b.txt',
    'target/app-sources.jar', 'target/app.jar', 'target/classes/A.class', 'target/reports/TEST-a.xml',
  ]);
  assert.deepEqual(await g('**/config, **/.gitignore, *~'), []);
  assert.deepEqual(await g('**/config, **/.gitignore, *~', undefined, { defaultExcludes: false }), ['.git/config', 'mod/.gitignore', 'z.txt~']);
  // Relative to the directory given.
  assert.deepEqual(await ws.glob(path.join(ws.root, 'target'), '**/*.xml'), ['reports/TEST-a.xml']);
  // No match, and a missing directory, give [].
  assert.deepEqual(await g('**/*.nothing'), []);
  assert.deepEqual(await ws.glob(path.join(ws.root, 'no-such-dir'), '**'), []);
  await b.close();
});

test('glob does not follow directory symlinks (nor escape through them) but reports links', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('glob-links') });
  const outsideDir = path.join(tmpRoot, 'secret-dir');
  await mkdir(outsideDir, { recursive: true });
  await writeFile(path.join(outsideDir, 'secret.txt'), 'secret');
  await ws.writeFile(path.join(ws.root, 'real', 'file.txt'), 'x');
  await symlink(outsideDir, path.join(ws.root, 'escape'));
  await symlink(path.join(ws.root, 'real'), path.join(ws.root, 'loop-free-alias'));
  await symlink(path.join(ws.root, 'real', 'file.txt'), path.join(ws.root, 'file-link.txt'));
  await symlink(path.join(ws.root, 'nowhere'), path.join(ws.root, 'dangling.txt'));
  await symlink('.', path.join(ws.root, 'real', 'self')); // a loop, if links were followed
  assert.deepEqual(await ws.glob(ws.root, '**'), ['dangling.txt', 'escape', 'file-link.txt', 'loop-free-alias', 'real/file.txt', 'real/self']);
  assert.deepEqual(await ws.glob(ws.root, '**/*.txt'), ['dangling.txt', 'file-link.txt', 'real/file.txt']);
  // `escape/**` matches `escape` itself (Ant), which is reported as the link it is.
  assert.deepEqual(await ws.glob(ws.root, 'escape/**'), ['escape']);
  // A directory given through a link that leaves the workspace is refused, not listed.
  await assert.rejects(ws.glob(path.join(ws.root, 'escape'), '**'), (e: unknown) => e instanceof WorkspaceError && e.code === 'outside' && e.message.includes(outsideDir));
  // A link that stays inside is fine as the base.
  assert.deepEqual(await ws.glob(path.join(ws.root, 'loop-free-alias'), '*.txt'), ['file.txt']);
  await b.close();
});

test('glob skips FIFOs and prunes directories that cannot match', async () => {
  const b = newBackend();
  const ws = await b.allocate({ build: build('glob-prune') });
  await ws.writeFile(path.join(ws.root, 'keep', 'a.xml'), 'x');
  await ws.writeFile(path.join(ws.root, 'locked', 'b.xml'), 'x');
  const r = await run(ws, ['mkfifo', 'keep/pipe.xml']);
  assert.equal(r.exitCode, 0);
  // A directory the walk cannot read: only visible if the walk entered it.
  await chmod(path.join(ws.root, 'locked'), 0o000);
  try {
    assert.deepEqual(await ws.glob(ws.root, 'keep/*.xml'), ['keep/a.xml']);
  } finally {
    await chmod(path.join(ws.root, 'locked'), 0o755);
  }
  await b.close();
});

test('readFile refuses a symbolic link that leads out of the workspace; the @tmp area is usable', async () => {
  const backend = newBackend();
  const ws = await backend.allocate({ build: build('links') });
  const outside = await mkdtemp(path.join(tmpdir(), 'kiln-outside-'));
  await writeFile(path.join(outside, 'secret.txt'), 'top secret');
  await symlink(path.join(outside, 'secret.txt'), path.join(ws.root, 'leak.txt'));
  await writeFile(path.join(ws.root, 'ok.txt'), 'fine');
  await symlink(path.join(ws.root, 'ok.txt'), path.join(ws.root, 'inside-link.txt'));
  await assert.rejects(ws.readFile(path.join(ws.root, 'leak.txt')), (e: unknown) => e instanceof WorkspaceError && e.code === 'outside' && /symbolic link/.test(e.message));
  assert.equal((await ws.readFile(path.join(ws.root, 'inside-link.txt'))).toString(), 'fine');
  assert.equal(ws.tmp, `${ws.root}@tmp`);
  await ws.writeFile(path.join(ws.tmp, 'script.sh'), 'echo hi\n', 0o700);
  assert.equal((await ws.readFile(path.join(ws.tmp, 'script.sh'))).toString(), 'echo hi\n');
  await assert.rejects(ws.writeFile(`${ws.root}@tmpx/evil`, 'x'), (e: unknown) => e instanceof WorkspaceError && e.code === 'outside');
  await rm(outside, { recursive: true, force: true });
  await ws.release();
});
