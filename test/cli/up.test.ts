// README command 1 (after its dependency install): scripts/up.ts starts the controller with a
// local agent, creates the example job from a git repository, and runs it green. Its agent's
// builds cannot reach the controller's secrets: run as root, the agent is the unprivileged user
// kiln-agent, and a build there can read neither <home>/secrets nor /proc/<controller>/environ;
// run as another user, it says loudly that they can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { chmodSync, chownSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { repoRoot } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';

const isRoot = process.getuid?.() === 0;

/** Runs up.ts until it prints its summary; resolves with its output so far. */
function upUntilReady(child: ChildProcess): { ready: Promise<void>; out: () => string } {
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', () => { if (/Ctrl-C stops Kiln/.test(out)) resolve(); });
    child.on('exit', (code) => reject(new Error(`up.ts exited ${code}:\n${out}`)));
  });
  return { ready, out: () => out };
}

/** The pid of the `kiln controller` up.ts started (bin/kiln execs node, so it is its child). */
function controllerPid(upPid: number): number {
  for (const task of readdirSync(`/proc/${upPid}/task`)) {
    for (const pid of readFileSync(`/proc/${upPid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes('controller')) return Number(pid);
    }
  }
  throw new Error(`no controller among the children of up.ts (pid ${upPid})`);
}

test('scripts/up.ts: controller, local agent, example job from git, a green build, and where to look', async () => {
  // Only the home's own mode keeps others out: its parent is open to every user.
  const parent = tempDir('up');
  chmodSync(parent, 0o755);
  const home = path.join(parent, 'home');
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts/up.ts')], { env: { ...process.env, KILN_HOME: home, KILN_PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  const run = upUntilReady(child);
  try {
    await run.ready;
    const out = run.out();
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

    // The controller's secrets are out of the local agent's reach.
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(home, 'secrets')).mode & 0o777, 0o700);
    if (!isRoot) {
      assert.match(out, /WARNING: the local agent runs as \S+, the controller's own user/);
      return;
    }
    assert.match(out, /local agent\s+'local' \(2 executors\) as user kiln-agent, work dir \/var\/lib\/kiln-agent\/work\/[0-9a-f]+,/);
    assert.doesNotMatch(out, /WARNING/);
    const ctl = controllerPid(child.pid!);
    const probe = `pipeline { agent { label 'local' }; stages { stage('Probe') { steps { sh '''
      echo "user=$(id -un)"
      if cat /proc/${ctl}/environ >/dev/null 2>&1; then echo "environ=READ"; else echo "environ=denied"; fi
      if cat ${home}/secrets/credentials.key >/dev/null 2>&1; then echo "key=READ"; else echo "key=denied"; fi
      if ls ${home} >/dev/null 2>&1; then echo "home=READ"; else echo "home=denied"; fi
      case "$PWD" in ${home}*) echo "workspace=IN-HOME";; *) echo "workspace=elsewhere";; esac
      env
    ''' } } } }`;
    const post = await fetch(new URL('api/v1/jobs', url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'probe', script: probe }) });
    assert.equal(post.status, 201, await post.text());
    const b = await (await fetch(new URL('api/v1/jobs/probe/builds', url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' })).json() as { number: number };
    await (await authed(new URL(`api/v1/jobs/probe/builds/${b.number}/console/stream`, url))).text();
    const text = await (await authed(new URL(`api/v1/jobs/probe/builds/${b.number}/console`, url))).text();
    assert.match(text, /^user=kiln-agent$/m, text);
    assert.match(text, /^environ=denied$/m, text);
    assert.match(text, /^key=denied$/m, text);
    assert.match(text, /^home=denied$/m, text);
    assert.match(text, /^workspace=elsewhere$/m, text);
    assert.ok(!text.includes(token), `the build saw the admin token:\n${text}`);
    assert.doesNotMatch(text, /KILN_SECRET|KILN_ADMIN_TOKEN/);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
    // What up.ts made for this home outside it (as root): the agent's work dir and the example repository.
    const key = createHash('sha256').update(home).digest('hex').slice(0, 12);
    for (const d of ['work', 'examples']) rmSync(path.join('/var/lib/kiln-agent', d, key), { recursive: true, force: true });
  }
});

test('scripts/up.ts run by a user that is not root: the agent runs as that user with its work dir outside the home, and a WARNING says what that means', { skip: !isRoot && 'making a user needs root (run as that user, the test above checks the warning)' }, async () => {
  const user = 'kiln-up-test';
  if (spawnSync('getent', ['passwd', user]).status !== 0) {
    const made = spawnSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', user], { encoding: 'utf8' });
    assert.equal(made.status, 0, made.stderr);
  }
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  const parent = tempDir('up-user');
  chmodSync(parent, 0o755);
  const userHome = path.join(parent, 'user');
  mkdirSync(userHome);
  chownSync(userHome, uid, gid);
  const home = path.join(userHome, '.kiln');
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: userHome, LANG: 'C.UTF-8', KILN_HOME: home, KILN_PORT: '0' };
  const child = spawn(process.execPath, [path.join(repoRoot, 'scripts/up.ts')], { env, uid, gid, cwd: userHome, stdio: ['ignore', 'pipe', 'pipe'] });
  const run = upUntilReady(child);
  try {
    await run.ready;
    const out = run.out();
    assert.match(out, /example build\s+hello #1: SUCCESS/);
    const workdir = path.join(userHome, '.local', 'state', 'kiln-agent');
    assert.match(out, new RegExp(`local agent\\s+'local' \\(2 executors\\) as ${user}, the controller's own user, work dir ${workdir}/[0-9a-f]+,`));
    // Said when it starts and again under the summary.
    const warnings = out.match(new RegExp(`WARNING: the local agent runs as ${user}, the controller's own user \\(this script does not run as root[^)]*\\): builds on it can read the controller's secrets in ${home}/secrets`, 'g')) ?? [];
    assert.equal(warnings.length, 2, out);
    assert.equal(statSync(home).mode & 0o777, 0o700);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
  }
});
