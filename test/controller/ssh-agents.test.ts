// The controller with SSH agents, against a real private sshd (test/backends/sshd.ts): an
// agent created through the API with an SSH key credential is launched by the controller,
// its host key pinned on first connect, a pipeline runs on it; the SSH connection is cut
// mid-build and the build still finishes (relaunch + session resume); a wrong key shows up in
// the agent's launch error and at GET /api/v1/agents/:name/log; a restarted controller
// launches the SSH agents of its store again, checking the pinned host key; PUT changes labels
// and executors in place, refuses a launcher change while a build runs (409), and clearing
// pinnedHostKey after a real host key change lets the agent come back; install 'sftp' copies
// the agent bundle to the host and a pipeline runs on it; an agent on a compromised host that
// claims other labels and executors gets none of their builds.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { kilnBin } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until as waitUntil, testConfig, adminFetch } from '../helpers/controller.ts';
import { startSshd, type TestSshd } from '../backends/sshd.ts';

const NODE_PATH = `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;
let c: ControllerHandle;
let sshd: TestSshd;
let home: string;

const api = jsonApi(() => c.url);

const until = (cond: () => boolean | Promise<boolean>, what: string, ms = 30_000) => waitUntil(cond, what, ms, 50);

async function finished(job: string, n: number): Promise<any> {
  const res = await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console/stream`, c.url));
  await res.text();
  return api('GET', `/api/v1/jobs/${encodeURIComponent(job)}/builds/${n}`);
}

async function consoleOf(job: string, n: number): Promise<string> {
  return (await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console`, c.url))).text();
}

function sshAgent(name: string, credentialsId: string, labels: string[]) {
  return {
    name, labels, executors: 1, workdir: tempDir(`ssh-agent-${name}`),
    launcher: { type: 'ssh', host: '127.0.0.1', port: sshd.port, credentialsId, command: `${kilnBin} agent`, path: NODE_PATH },
  };
}

before(async () => {
  sshd = await startSshd();
  home = tempDir('ctl-ssh');
  c = await startController(testConfig({ home, port: '0', 'agent-grace': '30' }));
  await api('POST', '/api/v1/credentials', { id: 'ssh-good', type: 'sshKey', username: sshd.user, privateKey: sshd.clientKey });
  await api('POST', '/api/v1/credentials', { id: 'ssh-bad', type: 'sshKey', username: sshd.user, privateKey: sshd.otherKey });
});

after(async () => {
  await c?.close();
  await sshd?.stop();
});

test('an SSH agent created through the API is launched, pins the host key, and runs a pipeline', async () => {
  await api('POST', '/api/v1/agents', sshAgent('sshy', 'ssh-good', ['remote']));
  await until(async () => (await api('GET', '/api/v1/agents/sshy')).online, 'agent sshy online');
  const info = await api('GET', '/api/v1/agents/sshy');
  assert.equal(info.launcher, 'ssh');
  assert.equal(info.launchError, null);
  const rec = await c.store.agents.get('sshy');
  assert.equal(rec?.launcher.type === 'ssh' ? rec.launcher.pinnedHostKey : null, sshd.hostFingerprint);
  const { lines } = await api('GET', '/api/v1/agents/sshy/log');
  assert.ok(lines.some((l: string) => l.includes(`pinning its host key ${sshd.hostFingerprint}`)), lines.join('\n'));

  await api('POST', '/api/v1/jobs', { name: 'on-ssh', script: `pipeline { agent { label 'remote' } stages { stage('S') { steps { sh 'echo "ran on $NODE_NAME"' } } } }` });
  await api('POST', '/api/v1/jobs/on-ssh/builds', {});
  const b = await finished('on-ssh', 1);
  assert.equal(b.result, 'SUCCESS', await consoleOf('on-ssh', 1));
  assert.match(await consoleOf('on-ssh', 1), /^ran on sshy$/m);
});

test('the SSH connection cut mid-build: the controller relaunches the agent and the build finishes', async () => {
  await until(async () => (await api('GET', '/api/v1/agents/sshy')).online, 'agent sshy online');
  const marker = path.join(tempDir('marker'), 'started');
  await api('POST', '/api/v1/jobs', { name: 'long-ssh', script: `pipeline { agent { label 'remote' } stages { stage('S') { steps {
    sh 'touch ${marker}; for i in 1 2 3 4 5 6 7 8; do echo tick $i; sleep 0.5; done; echo finished' } } } }` });
  await api('POST', '/api/v1/jobs/long-ssh/builds', {});
  await until(() => existsSync(marker), 'the build to start');
  sshd.killSessions();
  const b = await finished('long-ssh', 1);
  const text = await consoleOf('long-ssh', 1);
  assert.equal(b.result, 'SUCCESS', text);
  assert.match(text, /^tick 8$[\s\S]*^finished$/m);
  const { lines } = await api('GET', '/api/v1/agents/sshy/log');
  assert.ok(lines.some((l: string) => l.includes('connection lost')), lines.join('\n'));
  assert.ok(lines.filter((l: string) => l.includes('agent started')).length >= 2, lines.join('\n'));
});

test('a wrong key: the launch error names the user and the key, in the agent info and its log', async () => {
  await api('POST', '/api/v1/agents', sshAgent('sshbad', 'ssh-bad', ['nowhere']));
  await until(async () => ((await api('GET', '/api/v1/agents/sshbad')).launchError ?? '') !== '', 'a launch error');
  const info = await api('GET', '/api/v1/agents/sshbad');
  assert.equal(info.online, false);
  assert.match(info.launchError, new RegExp(`authentication failed on 127\\.0\\.0\\.1:${sshd.port} for user '${sshd.user}' with key SHA256:`));
  const { lines } = await api('GET', '/api/v1/agents/sshbad/log');
  assert.ok(lines.some((l: string) => l.includes('authentication failed')), lines.join('\n'));
  await api('DELETE', '/api/v1/agents/sshbad');
});

test('a restarted controller launches the SSH agents of its store (the pinned host key still matches)', async () => {
  await c.close();
  c = await startController(testConfig({ home, port: '0', 'agent-grace': '30' }));
  await until(async () => (await api('GET', '/api/v1/agents/sshy')).online, 'agent sshy online after the restart');
  const { lines } = await api('GET', '/api/v1/agents/sshy/log');
  assert.ok(!lines.some((l: string) => l.includes('pinning')), lines.join('\n'));
  assert.ok(lines.some((l: string) => l.includes(`host key ${sshd.hostFingerprint}`)), lines.join('\n'));
});

async function status(method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await adminFetch(new URL(p.replace(/^\//, ''), c.url), { method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

test('PUT /api/v1/agents/:name: labels and executors in place, 404/400, 409 for a launcher change while a build runs', async () => {
  await until(async () => (await api('GET', '/api/v1/agents/sshy')).online, 'agent sshy online');
  assert.equal((await status('PUT', '/api/v1/agents/nobody', { labels: ['x'] })).status, 404);
  for (const bad of [{}, { executors: -1 }, { labels: ['a b'] }, { launcher: { type: 'carrier-pigeon' } }, { launcher: { port: 0 } }]) {
    const r = await status('PUT', '/api/v1/agents/sshy', bad);
    assert.equal(r.status, 400, JSON.stringify(bad));
    assert.equal(r.body.error.code, 'invalid');
  }
  const info = await api('PUT', '/api/v1/agents/sshy', { labels: ['remote', 'fast'], executors: 2, description: 'the SSH one' });
  assert.deepEqual(info.labels, ['remote', 'fast']);
  assert.equal(info.executors, 2);
  assert.equal(info.description, 'the SSH one');
  assert.equal(info.online, true); // labels and executors change without a relaunch
  await api('POST', '/api/v1/jobs', { name: 'fast-ssh', script: `pipeline { agent { label 'fast' } stages { stage('S') { steps { sh 'echo on $NODE_NAME' } } } }` });
  await api('POST', '/api/v1/jobs/fast-ssh/builds', {});
  assert.equal((await finished('fast-ssh', 1)).result, 'SUCCESS', await consoleOf('fast-ssh', 1));
  assert.match(await consoleOf('fast-ssh', 1), /^on sshy$/m);

  const marker = path.join(tempDir('marker-put'), 'started');
  await api('POST', '/api/v1/jobs', { name: 'busy-ssh', script: `pipeline { agent { label 'fast' } stages { stage('S') { steps { sh 'touch ${marker}; sleep 2; echo slept' } } } }` });
  await api('POST', '/api/v1/jobs/busy-ssh/builds', {});
  await until(() => existsSync(marker), 'the build to start');
  const r = await status('PUT', '/api/v1/agents/sshy', { launcher: { launchTimeoutSeconds: 30 } });
  assert.equal(r.status, 409);
  assert.match(r.body.error.message, /running 1 build/);
  assert.equal((await finished('busy-ssh', 1)).result, 'SUCCESS');
});

test('a legitimate host key change: the relaunch is refused with both fingerprints until PUT clears pinnedHostKey', async () => {
  const oldFp = sshd.hostFingerprint;
  sshd.killSessions();
  const newFp = await sshd.changeHostKey();
  await until(async () => /host key mismatch/.test((await api('GET', '/api/v1/agents/sshy')).launchError ?? ''), 'the host key mismatch', 60_000);
  const err = (await api('GET', '/api/v1/agents/sshy')).launchError as string;
  assert.ok(err.includes(oldFp) && err.includes(newFp), err);
  await api('PUT', '/api/v1/agents/sshy', { launcher: { pinnedHostKey: null } });
  await until(async () => (await api('GET', '/api/v1/agents/sshy')).online, 'agent sshy online with the new host key');
  const rec = await c.store.agents.get('sshy');
  assert.equal(rec?.launcher.type === 'ssh' ? rec.launcher.pinnedHostKey : null, newFp);
  assert.equal(rec?.launcher.type === 'ssh' ? rec.launcher.host : null, '127.0.0.1'); // the other fields stay
  const { lines } = await api('GET', '/api/v1/agents/sshy/log');
  assert.ok(lines.some((l: string) => l.includes(`pinning its host key ${newFp}`)), lines.join('\n'));
});

test("install 'sftp': the controller copies the agent bundle to the host and runs a pipeline on it", async () => {
  const bad1 = await status('POST', '/api/v1/agents', { ...sshAgent('sftp-bad', 'ssh-good', []), launcher: { ...sshAgent('x', 'ssh-good', []).launcher, install: 'sftp' } });
  assert.equal(bad1.status, 400);
  assert.match(bad1.body.error.message, /not both/);
  const bad2 = await status('POST', '/api/v1/agents', { name: 'sftp-bad', launcher: { type: 'ssh', host: '127.0.0.1', port: sshd.port, credentialsId: 'ssh-good', install: 'scp' } });
  assert.equal(bad2.status, 400);
  const a = sshAgent('sshsftp', 'ssh-good', ['bundled']);
  const { command: _, ...launcher } = a.launcher;
  await api('POST', '/api/v1/agents', { ...a, launcher: { ...launcher, install: 'sftp' } });
  await until(async () => (await api('GET', '/api/v1/agents/sshsftp')).online, 'agent sshsftp online', 60_000);
  const { lines } = await api('GET', '/api/v1/agents/sshsftp/log');
  assert.ok(lines.some((l: string) => l.includes('uploading the agent bundle')), lines.join('\n'));
  assert.ok(existsSync(path.join(a.workdir, '.kiln-agent')), 'the bundle directory');
  await api('POST', '/api/v1/jobs', { name: 'on-bundle', script: `pipeline { agent { label 'bundled' } stages { stage('S') { steps { sh 'echo "bundled on $NODE_NAME"' } } } }` });
  await api('POST', '/api/v1/jobs/on-bundle/builds', {});
  const b = await finished('on-bundle', 1);
  assert.equal(b.result, 'SUCCESS', await consoleOf('on-bundle', 1));
  assert.match(await consoleOf('on-bundle', 1), /^bundled on sshsftp$/m);
});

test("a compromised SSH host whose agent claims other labels and executors gets no build of theirs; NODE_LABELS is the configuration's", async () => {
  // The host's "kiln agent" adds its own --labels/--executors after the ones the controller passes.
  const dir = tempDir('ssh-liar');
  const liar = path.join(dir, 'kiln-agent-liar');
  writeFileSync(liar, `#!/bin/sh\nexec '${kilnBin}' agent "$@" --labels prod,remote,liar --executors 4\n`, { mode: 0o755 });
  await api('POST', '/api/v1/agents', { ...sshAgent('sshliar', 'ssh-good', ['liar']), launcher: { ...sshAgent('sshliar', 'ssh-good', ['liar']).launcher, command: liar } });
  await until(async () => (await api('GET', '/api/v1/agents/sshliar')).online, 'agent sshliar online');
  assert.deepEqual(c.hub.agent('sshliar')?.labels, ['prod', 'remote', 'liar'], 'the agent does claim them');
  const info = await api('GET', '/api/v1/agents/sshliar');
  assert.deepEqual([info.labels, info.executors], [['liar'], 1]);
  await api('POST', '/api/v1/jobs', { name: 'to-prod', script: `pipeline { agent { label 'prod' } stages { stage('D') { steps { sh 'echo "deployed from $NODE_NAME"' } } } }` });
  await api('POST', '/api/v1/jobs/to-prod/builds', {});
  await until(async () => (await api('GET', '/api/v1/queue')).items.some((i: any) => i.job === 'to-prod'), 'the prod build to queue');
  await api('POST', '/api/v1/jobs', { name: 'on-liar', script: `pipeline { agent { label 'liar' } stages { stage('S') { steps { sh 'echo "on $NODE_NAME [$NODE_LABELS]"' } } } }` });
  await api('POST', '/api/v1/jobs/on-liar/builds', {});
  assert.equal((await finished('on-liar', 1)).result, 'SUCCESS', await consoleOf('on-liar', 1));
  assert.match(await consoleOf('on-liar', 1), /^on sshliar \[liar\]$/m);
  // Its executor is free again and the prod build still waits: the claim gets it nothing.
  assert.ok((await api('GET', '/api/v1/queue')).items.some((i: any) => i.job === 'to-prod'));
  await api('POST', '/api/v1/jobs/to-prod/builds/1/abort');
  assert.equal((await finished('to-prod', 1)).result, 'ABORTED');
  assert.doesNotMatch(await consoleOf('to-prod', 1), /deployed from/);
  await api('DELETE', '/api/v1/agents/sshliar');
});
