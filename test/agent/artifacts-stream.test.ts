// Artifacts and stashes of any size go agent → controller → disk in chunks with flow control
// and come back the same way (unstash, HTTP download): a 200 MB file makes the round trip with
// the same sha256; an agent lost mid-transfer fails the step saying so and keeps no partial
// artifact. Against a real controller and real `kiln agent` processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { kilnBin } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, testConfig, adminFetch } from '../helpers/controller.ts';

let c: ControllerHandle;
let home: string;
const agents = new Map<string, { proc: ChildProcess; workdir: string }>();
const api = jsonApi(() => c.url);

async function startAgent(name: string): Promise<void> {
  const info = await api('GET', `/api/v1/agents/${name}`);
  const workdir = agents.get(name)?.workdir ?? tempDir(`agent-${name}`);
  const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  const proc = spawn(kilnBin, [...args, '--workdir', workdir], { stdio: ['ignore', 'ignore', 'pipe'] });
  proc.stderr!.resume();
  agents.set(name, { proc, workdir });
  await until(async () => (await api('GET', `/api/v1/agents/${name}`)).online, `agent ${name} to connect`);
}

async function finished(job: string, n: number): Promise<any> {
  await (await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console/stream`, c.url))).text();
  return api('GET', `/api/v1/jobs/${encodeURIComponent(job)}/builds/${n}`);
}

async function consoleOf(job: string, n: number): Promise<string> {
  return (await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console`, c.url))).text();
}

before(async () => {
  home = tempDir('ctl-artifacts');
  c = await startController(testConfig({ home, port: '0', 'agent-grace': '1' }));
  await api('POST', '/api/v1/agents', { name: 'maker', labels: ['maker'], executors: 1 });
  await api('POST', '/api/v1/agents', { name: 'user', labels: ['user'], executors: 1 });
  await startAgent('maker');
  await startAgent('user');
});

after(async () => {
  for (const a of agents.values()) a.proc.kill('SIGKILL');
  await c?.close();
});

test('a 200 MB file: archived, stashed on one agent, unstashed on another, downloaded: the same sha256 everywhere', async () => {
  // Sparse with random bytes in the middle and at the end, so every part of the file counts.
  await api('POST', '/api/v1/jobs', { name: 'big', script: `pipeline { agent none; stages {
    stage('make') { agent { label 'maker' } steps {
      sh 'set +x; head -c 1048576 /dev/urandom > seed; truncate -s 200M big.bin; dd if=seed of=big.bin conv=notrunc bs=1M seek=100 2>/dev/null; head -c 12345 /dev/urandom >> big.bin; sha256sum big.bin; md5sum big.bin'
      sh 'echo old > old.txt; touch -d 2001-02-03 old.txt'
      archiveArtifacts artifacts: 'big.bin,old.txt', fingerprint: true
      stash name: 'big', includes: 'big.bin'
    } }
    stage('use') { agent { label 'user' } steps {
      dir('out') { unstash 'big' }
      sh 'set +x; echo "unstashed $(sha256sum out/big.bin)"'
    } } } }` });
  await api('POST', '/api/v1/jobs/big/builds', {});
  const b = await finished('big', 1);
  const text = await consoleOf('big', 1);
  assert.equal(b.result, 'SUCCESS', text);
  const made = /^([0-9a-f]{64}) {2}big\.bin$/m.exec(text)?.[1];
  assert.ok(made, text);
  const md5 = /^([0-9a-f]{32}) {2}big\.bin$/m.exec(text)?.[1];
  assert.match(text, /^Recording fingerprints$/m);
  // Hashed as it was archived (the agent's stat says when each file changed: old.txt predates the build, so no original).
  const fps = await api('GET', '/api/v1/jobs/big/builds/1/fingerprints');
  assert.deepEqual(fps.fingerprints.map((f: any) => [f.path, f.md5, f.original]), [
    ['big.bin', md5, { job: 'big', number: 1 }],
    ['old.txt', createHash('md5').update('old\n').digest('hex'), null],
  ]);
  assert.match(text, new RegExp(`^unstashed ${made} {2}out/big\\.bin$`, 'm'));

  const list = await api('GET', '/api/v1/jobs/big/builds/1/artifacts');
  assert.deepEqual(list.artifacts.map((a: any) => [a.path, a.size, a.sha256]), [['big.bin', 200 * 1024 * 1024 + 12345, made], ['old.txt', 4, createHash('sha256').update('old\n').digest('hex')]]);
  const res = await adminFetch(new URL('api/v1/jobs/big/builds/1/artifacts/big.bin', c.url));
  assert.equal(res.status, 200);
  const h = createHash('sha256');
  let n = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    h.update(chunk);
    n += chunk.length;
  }
  assert.equal(n, 200 * 1024 * 1024 + 12345);
  assert.equal(h.digest('hex'), made);

  // A range of it, as a resumed download asks.
  const part = await adminFetch(new URL('api/v1/jobs/big/builds/1/artifacts/big.bin', c.url), { headers: { range: 'bytes=104857600-104857615' } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get('content-range'), `bytes 104857600-104857615/${200 * 1024 * 1024 + 12345}`);
  assert.equal(Buffer.from(await part.arrayBuffer()).length, 16);
});

test('an agent lost while a file is being archived: the step fails saying so, and no partial artifact is kept', async () => {
  await api('POST', '/api/v1/jobs', { name: 'cut', script: `pipeline { agent { label 'maker' }; stages { stage('S') { steps {
    sh 'truncate -s 8G huge.bin'
    archiveArtifacts 'huge.bin'
  } } } }` });
  await api('POST', '/api/v1/jobs/cut/builds', {});
  const buildDir = path.join(home, 'builds');
  const incoming = () => {
    for (const job of existsSync(buildDir) ? readdirSync(buildDir) : []) {
      const d = path.join(buildDir, job, '1', '.incoming');
      if (!existsSync(d)) continue;
      for (const f of readdirSync(d)) if (statSync(path.join(d, f)).size > 0) return d;
    }
    return null;
  };
  let dir: string | null = null;
  await until(() => (dir = incoming()) !== null, 'the transfer to begin', 30_000, 5);
  agents.get('maker')!.proc.kill('SIGKILL');
  const b = await finished('cut', 1);
  assert.equal(b.result, 'FAILURE');
  assert.match(await consoleOf('cut', 1), /archiveArtifacts: cannot archive huge\.bin: cannot archive "huge\.bin": agent 'maker' disconnected and did not come back within 1 s/);
  assert.deepEqual((await api('GET', '/api/v1/jobs/cut/builds/1/artifacts')).artifacts, []);
  assert.ok(!existsSync(dir!) || readdirSync(dir!).length === 0, 'no temporary file is left');
  assert.equal(existsSync(path.join(path.dirname(dir!), 'artifacts', 'huge.bin')), false);
  await startAgent('maker');
});
