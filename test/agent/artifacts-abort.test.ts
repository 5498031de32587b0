// Aborting a build while it archives a large file (or unstashes one) stops the transfer: the
// build ends ABORTED promptly, not once the whole file has been copied, and neither a partial
// artifact nor a temporary file is kept. Against a real controller and a real `kiln agent`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { kilnBin } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, testConfig, adminFetch } from '../helpers/controller.ts';

let c: ControllerHandle;
let home: string;
let agent: ChildProcess | null = null;
let workdir: string;
const api = jsonApi(() => c.url);

before(async () => {
  home = tempDir('ctl-artifacts-abort');
  c = await startController(testConfig({ home, port: '0', 'agent-grace': '5' }));
  await api('POST', '/api/v1/agents', { name: 'slowpoke', labels: ['slowpoke'], executors: 1 });
  const info = await api('GET', '/api/v1/agents/slowpoke');
  workdir = tempDir('agent-slowpoke');
  const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  agent = spawn(kilnBin, [...args, '--workdir', workdir], { stdio: ['ignore', 'ignore', 'pipe'] });
  agent.stderr!.resume();
  await until(async () => (await api('GET', '/api/v1/agents/slowpoke')).online, 'agent slowpoke to connect');
});

after(async () => {
  agent?.kill('SIGKILL');
  await c?.close();
});

/** Every file under `dir` (recursively), as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile())
    .map((d) => path.relative(dir, path.join(d.parentPath, d.name)));
}

function buildDir(n: number): string {
  const jobs = readdirSync(path.join(home, 'builds'));
  const dir = jobs.map((j) => path.join(home, 'builds', j, String(n))).find((d) => existsSync(d));
  assert.ok(dir, 'the build has a directory');
  return dir;
}

test('a build aborted while it archives a 4 GiB file ends ABORTED at once; no artifact and no temporary file are kept', async () => {
  await api('POST', '/api/v1/jobs', { name: 'huge', script: `pipeline { agent { label 'slowpoke' }; stages { stage('S') { steps {
    sh 'truncate -s 4G huge.bin'
    archiveArtifacts artifacts: 'huge.bin'
  } } } }` });
  await api('POST', '/api/v1/jobs/huge/builds', {});
  let dir = '';
  await until(() => {
    if (!existsSync(path.join(home, 'builds'))) return false;
    try { dir = buildDir(1); } catch { return false; }
    const incoming = path.join(dir, '.incoming');
    return filesUnder(incoming).some((f) => statSync(path.join(incoming, f)).size > 8 * 1024 * 1024);
  }, 'the archive to be under way', 30_000, 20);
  const t0 = Date.now();
  await api('POST', '/api/v1/jobs/huge/builds/1/abort');
  await (await adminFetch(new URL('api/v1/jobs/huge/builds/1/console/stream', c.url))).text();
  const took = Date.now() - t0;
  const b = await api('GET', '/api/v1/jobs/huge/builds/1');
  assert.equal(b.result, 'ABORTED');
  assert.ok(took < 5000, `the build took ${took} ms to end after the abort (the transfer went on)`);
  assert.deepEqual(filesUnder(path.join(dir, 'artifacts')), [], 'no partial artifact');
  assert.deepEqual(filesUnder(path.join(dir, '.incoming')), [], 'no temporary file');
  assert.deepEqual((await api('GET', '/api/v1/jobs/huge/builds/1/artifacts')).artifacts ?? [], []);
});
