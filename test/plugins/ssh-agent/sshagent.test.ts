// The sshagent step (src/plugins/ssh-agent/) with a real ssh-agent and a real OpenSSH server
// (test/backends/sshd.ts): inside the block `ssh -o BatchMode=yes` logs in with the key the
// agent holds (plain, and passphrase-protected), outside it the same command is refused; the
// agent process and its socket are gone after the block, also when the block fails or the build
// is aborted; the key and the passphrase never reach the console; missing credentials fail the
// build as Jenkins does unless ignoreMissing; a wrong passphrase fails clearly and kills the agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { startSshd, type TestSshd } from '../../backends/sshd.ts';
import { runPipeline, start } from '../../pipeline/engine/harness.ts';
import { tempDir } from '../../helpers/tmp.ts';
import type { Credential } from '../../../src/core/credentials.ts';
import { runOnAgent, startRemoteAgent } from '../../helpers/remote-pipeline.ts';

const PASSPHRASE = 'correct horse battery staple 42';
let sshd: TestSshd;
let credentials: Record<string, Credential>;

before(async () => {
  for (const bin of ['ssh-agent', 'ssh-add', 'ssh']) {
    try { execFileSync('sh', ['-c', `command -v ${bin}`]); } catch { throw new Error(`${bin} is missing: install Debian's openssh-client to run the sshagent tests`); }
  }
  sshd = await startSshd();
  // A second key, with a passphrase, also authorized.
  const dir = tempDir('sshagent-keys');
  const file = path.join(dir, 'locked');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', PASSPHRASE, '-C', 'kiln-locked-key', '-f', file], { stdio: 'ignore' });
  appendFileSync(path.join(sshd.dir, 'authorized_keys'), readFileSync(`${file}.pub`));
  credentials = {
    deploy: { id: 'deploy', type: 'sshKey', username: 'deployer', privateKey: sshd.clientKey },
    locked: { id: 'locked', type: 'sshKey', username: 'locker', privateKey: readFileSync(file, 'utf8'), passphrase: PASSPHRASE },
    wrongpass: { id: 'wrongpass', type: 'sshKey', username: 'locker', privateKey: readFileSync(file, 'utf8'), passphrase: 'not it' },
    other: { id: 'other', type: 'sshKey', username: 'nobody', privateKey: sshd.otherKey },
    token: { id: 'token', type: 'secretText', secret: 's3cr3t-token' },
  };
});

after(async () => { await sshd?.stop(); });

function ssh(): string {
  return `ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p ${sshd.port} ${sshd.user}@127.0.0.1 echo ok`;
}

function pipeline(steps: string): string {
  return `pipeline {\n  agent any\n  stages {\n    stage('S') {\n      steps {\n${steps}\n      }\n    }\n  }\n}\n`;
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch { return false; }
  // a zombie is dead for our purpose
  try { return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8')); } catch { return false; }
}

function agentOf(console: string): { pid: number; sock: string } {
  const pid = Number(/^SSH_AGENT_PID=(\d+)$/m.exec(console)?.[1]);
  const sock = /^SSH_AUTH_SOCK=(.+)$/m.exec(console)?.[1] ?? '';
  assert.ok(pid > 0 && sock, console);
  return { pid, sock };
}

function assertNoSecrets(console: string, c: Credential): void {
  for (const line of (c.privateKey ?? '').split('\n').filter((l) => l.length >= 16)) assert.ok(!console.includes(line), `a key line leaked:\n${console}`);
  if (c.passphrase) assert.ok(!console.includes(c.passphrase), `the passphrase leaked:\n${console}`);
}

test('sshagent: ssh logs in with the key from the agent; the agent is gone after; the key is not in the console', async () => {
  const { state, console, h } = await runPipeline(pipeline(`
        sh '${ssh()} || echo "outside: refused"'
        sshagent(['deploy']) {
          sh '${ssh()}'
          sh 'ssh-add -l | sed "s/^[0-9]* SHA256:[^ ]* /key: /"; echo "sock=$SSH_AUTH_SOCK"'
        }
        sh 'echo "after: [\${SSH_AUTH_SOCK:-}]"'`), { credentials });
  assert.equal(state.result, 'SUCCESS', console);
  const lines = console.split('\n');
  assert.ok(lines.includes('outside: refused'), console);
  assert.ok(lines.includes('ok'), console);
  assert.ok(lines.includes('after: []'), console);
  assert.match(console, /key: kiln-test-client \(ED25519\)/);
  const { pid, sock } = agentOf(console);
  // The socket is in the workspace's @tmp area, on the node.
  assert.equal(path.dirname(sock), `${h.workspace}@tmp`);
  assert.ok(lines.includes(`sock=${sock}`), console);
  assert.equal(alive(pid), false, `ssh-agent ${pid} still runs`);
  assert.equal(existsSync(sock), false, 'the socket is left');
  // The plugin's lines, in its order.
  const want = ['[ssh-agent] Using credentials deployer', '[ssh-agent] Looking for ssh-agent implementation...',
    '[ssh-agent]   Exec ssh-agent (binary ssh-agent on a remote machine)', '$ ssh-agent', `SSH_AUTH_SOCK=${sock}`, `SSH_AGENT_PID=${pid}`,
    'Running ssh-add (command line suppressed)', 'Identity added: (stdin) (kiln-test-client)', '[ssh-agent] Started.', 'ok', '$ ssh-agent -k', '[ssh-agent] Stopped.'];
  let at = 0;
  for (const w of want) {
    const i = lines.indexOf(w, at);
    assert.ok(i >= 0, `missing (in order) ${JSON.stringify(w)}:\n${console}`);
    at = i + 1;
  }
  assertNoSecrets(console, credentials.deploy!);
  // Nothing of the key was left in the @tmp area.
  const left = execFileSync('sh', ['-c', `ls -A "${h.workspace}@tmp" 2>/dev/null || true`], { encoding: 'utf8' });
  assert.equal(left.trim(), '', left);
});

test('sshagent with a passphrase-protected key (and usernameVariable): logs in; the passphrase is never shown', async () => {
  const { state, console } = await runPipeline(pipeline(`
        sshagent(credentials: ['locked'], usernameVariable: 'SSH_USER') {
          sh '${ssh()}'
          sh 'echo "user=$SSH_USER"; echo "phrase: ${PASSPHRASE}"'
        }`), { credentials });
  assert.equal(state.result, 'SUCCESS', console);
  assert.ok(console.split('\n').includes('ok'), console);
  assert.match(console, /^Identity added: \(stdin\) \(kiln-locked-key\)$/m);
  assert.match(console, /^user=locker$/m);
  // echoed by the block on purpose: masked
  assert.match(console, /^phrase: \*\*\*\*$/m);
  assertNoSecrets(console, credentials.locked!);
  assert.equal(alive(agentOf(console).pid), false);
});

test('sshagent with two credentials, one not authorized: the agent holds both and ssh still logs in', async () => {
  const { state, console } = await runPipeline(pipeline(`
        sshagent(credentials: ['other', 'deploy', 'other']) {
          sh 'ssh-add -l | wc -l | tr -d " "'
          sh '${ssh()}'
        }`), { credentials });
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^\[ssh-agent\] Using credentials nobody\n\[ssh-agent\] Using credentials deployer$/m);
  assert.match(console, /^2$/m);
  assert.ok(console.split('\n').includes('ok'), console);
});

test('a missing credential fails the build with the plugin\'s message and starts no agent; ignoreMissing goes on without it', async () => {
  const missing = await runPipeline(pipeline(`
        sshagent(['nope']) {
          echo 'inside'
        }`), { credentials });
  assert.equal(missing.state.result, 'FAILURE', missing.console);
  assert.match(missing.console, /^ERROR: \[ssh-agent\] Could not find specified credentials: nope \(Jenkinsfile:\d+:\d+\)$/m);
  assert.doesNotMatch(missing.console, /inside|\$ ssh-agent/);

  // A credential of another type is not an SSH key: not found either.
  const wrongType = await runPipeline(pipeline(`sshagent(['token']) { echo 'inside' }`), { credentials });
  assert.equal(wrongType.state.result, 'FAILURE', wrongType.console);
  assert.match(wrongType.console, /Could not find specified credentials: token/);
  assert.ok(!wrongType.console.includes('s3cr3t-token'));

  const ignored = await runPipeline(pipeline(`
        sshagent(credentials: ['nope', 'deploy'], ignoreMissing: true) {
          sh '${ssh()}'
        }`), { credentials });
  assert.equal(ignored.state.result, 'SUCCESS', ignored.console);
  assert.ok(ignored.console.split('\n').includes('ok'), ignored.console);
  assert.doesNotMatch(ignored.console, /Could not find/);
});

test('the agent is killed when the block fails, and when the build is aborted inside it', async () => {
  const failed = await runPipeline(pipeline(`
        sshagent(['deploy']) {
          sh 'exit 3'
        }`), { credentials });
  assert.equal(failed.state.result, 'FAILURE', failed.console);
  assert.match(failed.console, /\[ssh-agent\] Stopped\./);
  assert.equal(alive(agentOf(failed.console).pid), false);

  const h = await start(pipeline(`
        sshagent(['deploy']) {
          sh 'echo waiting; sleep 60'
        }`), { credentials });
  while (!h.console().includes('waiting\n')) await new Promise((r) => setTimeout(r, 50));
  const { pid, sock } = agentOf(h.console());
  assert.equal(alive(pid), true);
  h.run.abort();
  const state = await h.done;
  assert.equal(state.result, 'ABORTED', h.console());
  assert.match(h.console(), /\[ssh-agent\] Stopped\./);
  assert.equal(alive(pid), false, `ssh-agent ${pid} survived the abort`);
  assert.equal(existsSync(sock), false);
});

test('a wrong passphrase fails clearly (no endless prompt), shows no secret, and the agent is killed', async () => {
  const { state, console } = await runPipeline(pipeline(`
        sshagent(['wrongpass']) {
          echo 'inside'
        }`), { credentials });
  assert.equal(state.result, 'FAILURE', console);
  assert.match(console, /^ERROR: \[ssh-agent\] Failed to run ssh-add for credentials wrongpass \(exit code \d+\): is the passphrase of the credential right\? \(Jenkinsfile:\d+:\d+\)$/m);
  assert.doesNotMatch(console, /inside/);
  assert.ok(!console.includes('not it'));
  assertNoSecrets(console, credentials.wrongpass!);
  assert.equal(alive(agentOf(console).pid), false);
});

test('sshagent on a remote agent: ssh-agent runs on the agent\'s node, the key reaches it by stdin, and it is killed after', async () => {
  const remote = await startRemoteAgent('ssh-agent-remote');
  try {
    const { state, console, workspace } = await runOnAgent(remote, pipeline(`
        sshagent(['locked']) {
          sh '${ssh()}'
          sh 'echo "node=$NODE_NAME"'
        }`), credentials);
    assert.equal(state.result, 'SUCCESS', console);
    assert.ok(console.split('\n').includes('ok'), console);
    assert.match(console, /^node=ssh-agent-remote$/m);
    const { pid, sock } = agentOf(console);
    assert.equal(path.dirname(sock), `${workspace}@tmp`);
    assert.equal(alive(pid), false);
    assertNoSecrets(console, credentials.locked!);
  } finally {
    await remote.close();
  }
});
