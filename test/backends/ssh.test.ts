// The SSH launcher against a real OpenSSH server (sshd.ts): launch `bin/kiln agent --stdio`
// on 127.0.0.1 and run a command through the hub; cut the SSH connection mid-command and see
// the manager relaunch, the agent resume its session and the command finish; and the clear
// errors: wrong key, changed host key (pinned, known_hosts, trust-on-first-connect), node
// missing / too old, work dir not writable, connection refused, DNS. install 'sftp': the agent
// bundle is copied once per bundle hash and run with the host's node; a changed bundle is
// copied again into a new directory and the old one removed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { appendFileSync, chmodSync, copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startSshd, type TestSshd } from './sshd.ts';
import { startController, waitFor, waitOnline, run, sh, type TestController } from './remote-harness.ts';
import { launchSshAgent, keyFingerprint, SshLaunchError, type SshLaunchOptions } from '../../src/plugins/ssh/launcher.ts';
import { SshAgents } from '../../src/plugins/ssh/manager.ts';
import { agentBundle } from '../../src/plugins/ssh/bundle.ts';
import { tempDir } from '../helpers/tmp.ts';

const KILN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../bin/kiln');
const NODE_PATH = `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

let sshd: TestSshd;
let c: TestController;

before(async () => {
  sshd = await startSshd();
  c = await startController({ graceMs: 30_000 });
});

after(async () => {
  await c?.close();
  await sshd?.stop();
});

function opts(name: string, extra: Partial<SshLaunchOptions> = {}): SshLaunchOptions {
  return {
    name, host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKey: sshd.clientKey,
    hostKey: { type: 'fingerprint', fingerprint: sshd.hostFingerprint },
    workdir: tempDir(`ssh-${name}`), command: `${KILN} agent`, path: NODE_PATH, timeoutMs: 30_000,
    ...extra,
  };
}

async function launchError(o: SshLaunchOptions): Promise<SshLaunchError> {
  try {
    const conn = await launchSshAgent(o, () => { throw new Error('should not start'); });
    conn.close();
  } catch (e) {
    assert.ok(e instanceof SshLaunchError, String(e));
    return e;
  }
  assert.fail('the launch succeeded');
}

test('launches kiln agent --stdio over SSH and runs a command on it', async () => {
  const log: string[] = [];
  const conn = await launchSshAgent(opts('ssh-a', { labels: ['remote'], log: (l) => log.push(l) }), (i, o, a) => c.hub.attachStream('ssh-a', i, o, a));
  try {
    await waitOnline(c, 'ssh-a');
    assert.deepEqual(c.hub.agent('ssh-a')?.labels, ['remote']);
    const ws = await c.hub.backend('ssh-a').allocate({ build: { job: 'j', number: 1, id: 'j#1' } });
    const r = await run(ws, sh('echo hello from $(hostname)'));
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout.toString(), /hello from/);
    await ws.release();
    assert.ok(log.some((l) => l.includes('logged in to')), log.join('\n'));
  } finally {
    c.hub.endSession('ssh-a');
    assert.match(await conn.closed, /agent process .* exited \(code 0\)/);
  }
});

test('a cut SSH connection mid-command: the manager relaunches, the session resumes, the command finishes', async () => {
  const name = 'ssh-b';
  const workdir = tempDir('ssh-b');
  const mgr = new SshAgents({
    settings: async () => opts(name, { workdir }),
    attach: (n, i, o, a) => c.hub.attachStream(n, i, o, a),
    backoff: { initialMs: 200, maxMs: 1000 },
  });
  mgr.start(name);
  try {
    await waitOnline(c, name, 30_000);
    // The relaunch socket speaks for the controller: only the agent's user may connect.
    assert.equal((await import('node:fs')).statSync(path.join(workdir, '.kiln-agent.sock')).mode & 0o777, 0o600);
    const ws = await c.hub.backend(name).allocate({ build: { job: 'j', number: 2, id: 'j#2' } });
    const marker = path.join(workdir, 'started');
    const pending = run(ws, sh(`touch ${marker}; for i in 1 2 3 4 5 6; do echo tick $i; sleep 0.5; done; echo done`));
    await waitFor(async () => { try { (await import('node:fs')).statSync(marker); return true; } catch { return false; } }, 15_000, 'command started');
    sshd.killSessions();
    await waitFor(() => c.hub.agent(name)?.state === 'reconnecting' || mgr.log(name).some((l) => l.includes('connection lost')), 10_000, 'drop noticed');
    const r = await pending;
    assert.equal(r.exitCode, 0);
    assert.match(r.stdout.toString(), /tick 6\ndone/);
    assert.ok(c.log.some((l) => l.includes(`agent '${name}' reconnected`)), c.log.join('\n'));
    assert.ok(mgr.log(name).some((l) => l.includes('connection lost')), mgr.log(name).join('\n'));
    await waitFor(() => c.hub.isOnline(name), 15_000, 'online again');
    await ws.release();
  } finally {
    c.hub.endSession(name);
    await mgr.stop(name);
  }
});

test('wrong key: the error names the user and the key fingerprint', async () => {
  const e = await launchError(opts('ssh-c', { privateKey: sshd.otherKey }));
  assert.equal(e.kind, 'auth');
  assert.ok(e.message.includes(`user '${sshd.user}'`), e.message);
  assert.ok(e.message.includes(keyFingerprint(sshd.otherKey)), e.message);
});

test('changed host key: refused with the old and new fingerprints (pinned, known_hosts, first connect)', async () => {
  const oldFp = sshd.hostFingerprint;
  const oldKnown = sshd.knownHosts;
  // trust on first connect pins the key
  let pinned: string | null = null;
  const conn = await launchSshAgent(opts('ssh-d', { hostKey: { type: 'tofu' }, onPin: (fp) => { pinned = fp; } }), (i, o, a) => c.hub.attachStream('ssh-d', i, o, a));
  await waitOnline(c, 'ssh-d');
  c.hub.endSession('ssh-d');
  await conn.closed;
  assert.equal(pinned, oldFp);
  const newFp = await sshd.changeHostKey();
  assert.notEqual(newFp, oldFp);
  for (const hostKey of [
    { type: 'fingerprint', fingerprint: oldFp } as const,
    { type: 'knownHosts', content: oldKnown } as const,
    { type: 'tofu', pinned: oldFp } as const,
  ]) {
    const e = await launchError(opts('ssh-d', { hostKey }));
    assert.equal(e.kind, 'hostkey', e.message);
    assert.ok(e.message.includes(oldFp) && e.message.includes(newFp), e.message);
  }
  // the new known_hosts content is accepted
  const e = await launchError(opts('ssh-d', { hostKey: { type: 'knownHosts', content: sshd.knownHosts }, path: '/nonexistent' }));
  assert.equal(e.kind, 'node', e.message);
});

test('node missing or too old on the host', async () => {
  const e1 = await launchError(opts('ssh-e', { path: tempDir('empty-path') }));
  assert.equal(e1.kind, 'node');
  assert.match(e1.message, /node missing or too old on 127\.0\.0\.1: no node on the PATH/);
  const fake = tempDir('old-node');
  writeFileSync(path.join(fake, 'node'), '#!/bin/sh\necho v20.11.1\n');
  chmodSync(path.join(fake, 'node'), 0o755);
  const e2 = await launchError(opts('ssh-e', { path: `${fake}:/usr/bin:/bin` }));
  assert.equal(e2.kind, 'node');
  assert.match(e2.message, /node missing or too old on 127\.0\.0\.1: found v20\.11\.1, Kiln agents need Node\.js 22\.18 or later/);
});

test('work dir not writable, connection refused, unknown host', async () => {
  const file = path.join(tempDir('wd'), 'a-file');
  writeFileSync(file, 'x');
  const e1 = await launchError(opts('ssh-f', { workdir: path.join(file, 'sub') }));
  assert.equal(e1.kind, 'workdir');
  assert.match(e1.message, /work directory .* is not writable/);
  mkdirSync(tempDir('x'), { recursive: true });
  const e2 = await launchError(opts('ssh-f', { port: 1 }));
  assert.equal(e2.kind, 'refused', e2.message);
  assert.match(e2.message, /connection refused by 127\.0\.0\.1:1/);
  const e3 = await launchError(opts('ssh-f', { host: 'no-such-host.invalid' }));
  assert.equal(e3.kind, 'dns', e3.message);
  assert.match(e3.message, /no-such-host\.invalid/);
});

test("install 'sftp': the bundle is copied once, run with the host's node, and copied again when it changes", async () => {
  // A copy of the files the bundle is made from (its src/ modules ship as .js stripped from
  // the .ts), so that the test can change one.
  const root = tempDir('bundle-src');
  const real = await agentBundle();
  for (const f of real.files) {
    const from = f.path.startsWith('src/') && f.path.endsWith('.js') ? `${f.path.slice(0, -3)}.ts` : f.path;
    mkdirSync(path.dirname(path.join(root, from)), { recursive: true });
    copyFileSync(path.join(real.root, from), path.join(root, from));
    chmodSync(path.join(root, from), f.mode);
  }
  const first = await agentBundle(root);
  assert.equal(first.hash, real.hash);
  const workdir = tempDir('ssh-sftp');
  const launch = async (n: number) => {
    const log: string[] = [];
    // no kiln on the PATH: only node
    const conn = await launchSshAgent(opts('ssh-g', { workdir, install: 'sftp', command: '/nonexistent/kiln agent', bundleRoot: root, log: (l) => log.push(l) }), (i, o, a) => c.hub.attachStream('ssh-g', i, o, a));
    try {
      await waitOnline(c, 'ssh-g');
      const ws = await c.hub.backend('ssh-g').allocate({ build: { job: 'sftp', number: n, id: `sftp#${n}` } });
      const r = await run(ws, sh('echo bundled agent'));
      assert.equal(r.exitCode, 0);
      assert.match(r.stdout.toString(), /bundled agent/);
      await ws.release();
    } finally {
      c.hub.endSession('ssh-g');
      await conn.closed;
    }
    return log;
  };
  const log1 = await launch(1);
  assert.ok(log1.some((l) => l.includes(`uploading the agent bundle ${first.hash}`)), log1.join('\n'));
  assert.ok(log1.some((l) => l.includes(`.kiln-agent/${first.hash}/src/cli/main.js`)), log1.join('\n'));
  assert.deepEqual(readdirSync(path.join(workdir, '.kiln-agent')), [first.hash]);
  // What the host got is JavaScript: no agent started from it loads Node's TypeScript stripper.
  assert.deepEqual(readdirSync(path.join(workdir, '.kiln-agent', first.hash, 'src/cli')).sort(), ['agent.js', 'main.js']);

  const log2 = await launch(2);
  assert.ok(!log2.some((l) => l.includes('uploading')), log2.join('\n'));
  assert.ok(log2.some((l) => l.includes(`agent bundle ${first.hash} is already on`)), log2.join('\n'));

  appendFileSync(path.join(root, 'src/cli/agent.ts'), '\n// changed\n');
  const second = await agentBundle(root);
  assert.notEqual(second.hash, first.hash);
  const log3 = await launch(3);
  assert.ok(log3.some((l) => l.includes(`uploading the agent bundle ${second.hash}`)), log3.join('\n'));
  assert.ok(log3.some((l) => l.includes(`removed old agent bundle(s): ${first.hash}`)), log3.join('\n'));
  assert.deepEqual(readdirSync(path.join(workdir, '.kiln-agent')), [second.hash]);
});
