// README command 1 (after its dependency install): scripts/up.ts starts the controller with a
// local agent, creates the example job from a git repository, and runs it green.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { statSync } from 'node:fs';
import { repoRoot } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';

test('scripts/up.ts: controller, local agent, example job from git, a green build, and where to look', async () => {
  const home = tempDir('up');
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts/up.ts')], { env: { ...process.env, KILN_HOME: home, KILN_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => { if (/Ctrl-C stops Kiln/.test(out)) resolve(); };
      child.stdout.on('data', check);
      child.on('exit', (code) => reject(new Error(`up.ts exited ${code}:\n${out}`)));
    });
    assert.match(out, /Kiln is running at http:\/\/127\.0\.0\.1:\d+\//);
    assert.match(out, /example build\s+hello #1: SUCCESS/);
    assert.match(out, new RegExp(`controller home\\s+${home}`));
    const url = /Kiln is running at (\S+)/.exec(out)![1]!;
    // Locked until set up: the initial admin password is where the output says, readable by its owner only.
    const pwFile = path.join(home, 'secrets', 'initialAdminPassword');
    assert.match(out, new RegExp(`unlock Kiln with the initial admin password in\\s+${pwFile}`));
    assert.equal(statSync(pwFile).mode & 0o777, 0o600);
    assert.equal((await fetch(new URL('api/v1/jobs', url))).status, 401);
    const token = /KILN_TOKEN=(\S+)/.exec(out)![1]!;
    const authed = (u: URL) => fetch(u, { headers: { authorization: `Bearer ${token}` } });
    const stages = await (await authed(new URL('api/v1/jobs/hello/builds/1/stages', url))).json() as { stages: { name: string; status: string }[] };
    assert.deepEqual(stages.stages.map((s) => s.name), ['Declarative: Checkout SCM', 'Build', 'Test', 'Package', 'Declarative: Post Actions']);
    const tests = await (await authed(new URL('api/v1/jobs/hello/builds/1/tests', url))).json() as { total: number; failed: number };
    assert.deepEqual([tests.total, tests.failed], [2, 0]);
    const arts = await (await authed(new URL('api/v1/jobs/hello/builds/1/artifacts', url))).json() as { artifacts: { path: string }[] };
    assert.deepEqual(arts.artifacts.map((a) => a.path), ['hello-1.0.1.tar.gz']);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
  }
});
