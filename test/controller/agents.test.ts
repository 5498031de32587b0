// The controller with real agent processes (`bin/kiln agent`) connected over WebSocket:
// label routing, waiting for executors, abort on the agent, an agent lost mid-build, an agent
// reconnecting mid-build, history surviving a controller restart, and an agent that claims
// labels and executors it was not configured with getting none of them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { isProcessAlive } from '../../src/exec/process-tree.ts';
import { kilnBin } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, testConfig, adminFetch } from '../helpers/controller.ts';

let c: ControllerHandle;
let home: string;
const lines: string[] = [];
const agents = new Map<string, { proc: ChildProcess; workdir: string; output: string[] }>();

const api = jsonApi(() => c.url);

async function startAgent(name: string): Promise<void> {
  const info = await api('GET', `/api/v1/agents/${name}`);
  const workdir = agents.get(name)?.workdir ?? tempDir(`agent-${name}`);
  const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  const proc = spawn(kilnBin, [...args, '--workdir', workdir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  agents.set(name, { proc, workdir, output });
  await until(async () => (await api('GET', `/api/v1/agents/${name}`)).online, `agent ${name} to connect (${output.join('')})`);
}

async function finished(job: string, n: number): Promise<any> {
  const res = await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console/stream`, c.url));
  await res.text();
  return api('GET', `/api/v1/jobs/${encodeURIComponent(job)}/builds/${n}`);
}

async function consoleOf(job: string, n: number): Promise<string> {
  return (await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console`, c.url))).text();
}

before(async () => {
  home = tempDir('ctl-agents');
  c = await startController(testConfig({ home, port: '0', 'agent-grace': '3' }), { log: (l) => lines.push(l) });
  await api('POST', '/api/v1/agents', { name: 'lin', labels: ['linux', 'docker'], executors: 1 });
  await api('POST', '/api/v1/agents', { name: 'mac', labels: ['macos'], executors: 1 });
  await startAgent('lin');
  await startAgent('mac');
});

after(async () => {
  for (const a of agents.values()) a.proc.kill('SIGKILL');
  await c?.close();
});

test('the agent page shows the exact command that connects it; builds go to the agent whose labels match', async () => {
  const info = await api('GET', '/api/v1/agents/lin');
  assert.match(info.command, /^kiln agent --url http:\/\/127\.0\.0\.1:\d+\/ --name lin --secret [0-9a-f]{64} --labels linux,docker --executors 1$/);
  await api('POST', '/api/v1/jobs', { name: 'route', script: `pipeline { agent none; stages {
    stage('L') { agent { label 'linux && docker' } steps { sh 'echo "L on $NODE_NAME"' } }
    stage('M') { agent { label 'macos || windows' } steps { sh 'echo "M on $NODE_NAME"' } } } }` });
  await api('POST', '/api/v1/jobs/route/builds', {});
  const b = await finished('route', 1);
  assert.equal(b.result, 'SUCCESS');
  const text = await consoleOf('route', 1);
  assert.match(text, /^L on lin$/m);
  assert.match(text, /^M on mac$/m);
});

test('a build waits for a busy executor and says why; it runs as soon as the executor frees', async () => {
  await api('POST', '/api/v1/jobs', { name: 'hold', script: `pipeline { agent { label 'macos' }; stages { stage('H') { steps { input 'Go on?'; sh 'echo held done' } } } }` });
  await api('POST', '/api/v1/jobs/hold/builds', {});
  await until(async () => (await api('GET', '/api/v1/jobs/hold/builds/1/inputs')).inputs.length === 1, 'the first build to hold the executor');
  await api('POST', '/api/v1/jobs/hold/builds', {});
  await until(async () => (await api('GET', '/api/v1/queue')).items.some((i: any) => i.job === 'hold'), 'the second build to queue');
  const q = (await api('GET', '/api/v1/queue')).items.find((i: any) => i.job === 'hold');
  assert.match(q.why, /Waiting for next available executor on ‘mac’/);
  // The agent says what its executor runs.
  const mac = await api('GET', '/api/v1/agents/mac');
  assert.deepEqual(mac.running.map((r: any) => [r.job, r.number]), [['hold', 1]]);
  const [input] = (await api('GET', '/api/v1/jobs/hold/builds/1/inputs')).inputs;
  await api('POST', `/api/v1/jobs/hold/builds/1/inputs/${input.id}`, { action: 'approve' });
  assert.equal((await finished('hold', 1)).result, 'SUCCESS');
  await until(async () => (await api('GET', '/api/v1/jobs/hold/builds/2/inputs')).inputs.length === 1, 'the second build to get the executor');
  await api('POST', `/api/v1/jobs/hold/builds/2/inputs/${(await api('GET', '/api/v1/jobs/hold/builds/2/inputs')).inputs[0].id}`, { action: 'reject' });
  assert.equal((await finished('hold', 2)).result, 'ABORTED');
});

test('abort kills the process tree on the agent', async () => {
  await api('POST', '/api/v1/jobs', { name: 'longrun', script: `pipeline { agent { label 'linux' }; stages { stage('S') { steps { sh 'sleep 300 & echo $! > pids; echo $$ >> pids; echo started; wait' } } } }` });
  await api('POST', '/api/v1/jobs/longrun/builds', {});
  await until(async () => (await consoleOf('longrun', 1)).includes('started'), 'the step to start');
  const pidFile = path.join(agents.get('lin')!.workdir, 'workspace', 'longrun', 'pids');
  const pids = readFileSync(pidFile, 'utf8').split(/\s+/).filter(Boolean).map(Number);
  await api('POST', '/api/v1/jobs/longrun/builds/1/abort');
  assert.equal((await finished('longrun', 1)).result, 'ABORTED');
  for (const pid of pids) assert.equal(await isProcessAlive(pid), false, `process ${pid} on the agent still runs`);
});

test('an agent that reconnects mid-build loses no line, and the build succeeds', async () => {
  await api('POST', '/api/v1/jobs', { name: 'numbers', script: `pipeline { agent { label 'linux' }; stages { stage('S') { steps { sh 'set +x; i=1; while [ $i -le 3000 ]; do echo "line $i"; i=$((i+1)); if [ $((i % 300)) = 0 ]; then sleep 0.05; fi; done' } } } }` });
  await api('POST', '/api/v1/jobs/numbers/builds', {});
  await until(async () => (await consoleOf('numbers', 1)).includes('line 500'), 'output to flow');
  assert.ok(c.hub.dropConnection('lin'), 'the connection was dropped');
  const b = await finished('numbers', 1);
  assert.equal(b.result, 'SUCCESS');
  const lines = (await consoleOf('numbers', 1)).split('\n').filter((l) => l.startsWith('line '));
  assert.equal(lines.length, 3000);
  lines.forEach((l, i) => assert.equal(l, `line ${i + 1}`));
});

test('an agent killed mid-build fails the build with a message naming it, after the grace period', async () => {
  await api('POST', '/api/v1/jobs', { name: 'doomed', script: `pipeline { agent { label 'macos' }; stages { stage('S') { steps { sh 'echo running; sleep 300' } } } }` });
  await api('POST', '/api/v1/jobs/doomed/builds', {});
  await until(async () => (await consoleOf('doomed', 1)).includes('running'), 'the step to start');
  agents.get('mac')!.proc.kill('SIGKILL');
  const b = await finished('doomed', 1);
  assert.equal(b.result, 'FAILURE');
  assert.match(await consoleOf('doomed', 1), /agent 'mac'/);
  await startAgent('mac');
});

test("an agent's hello cannot widen its configuration: claimed labels get it no build, NODE_LABELS and the API say what is configured", async () => {
  await api('POST', '/api/v1/agents', { name: 'fuzzer', labels: ['fuzz'], executors: 1 });
  const secret = /--secret (\S+)/.exec((await api('GET', '/api/v1/agents/fuzzer')).command)![1]!;
  // The real agent, started with the labels of the production agents and more executors.
  const workdir = tempDir('agent-fuzzer');
  const proc = spawn(kilnBin, ['agent', '--url', c.url, '--name', 'fuzzer', '--secret', secret, '--labels', 'linux,prod,fuzz', '--executors', '4', '--workdir', workdir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  proc.stdout!.on('data', (d) => output.push(String(d)));
  proc.stderr!.on('data', (d) => output.push(String(d)));
  agents.set('fuzzer', { proc, workdir, output });
  await until(async () => (await api('GET', '/api/v1/agents/fuzzer')).online, `agent fuzzer to connect (${output.join('')})`);
  const info = await api('GET', '/api/v1/agents/fuzzer');
  assert.deepEqual([info.labels, info.executors], [['fuzz'], 1]);
  await until(() => lines.some((l) => l.startsWith('agent fuzzer announced')), 'the claim to be logged');
  assert.match(lines.find((l) => l.startsWith('agent fuzzer announced'))!, /^agent fuzzer announced labels linux, prod it is not configured with and 4 executor\(s\); ignored: it has the labels and executors of its configuration \(labels fuzz, 1 executor\(s\)/);

  // A production build waits: no node has the label 'prod' (the fuzzer's claim does not count).
  await api('POST', '/api/v1/jobs', { name: 'deploy', script: `pipeline { agent { label 'prod' }; stages { stage('D') { steps { sh 'echo "deploy ran on $NODE_NAME"' } } } }` });
  await api('POST', '/api/v1/jobs/deploy/builds', {});
  await until(async () => (await api('GET', '/api/v1/queue')).items.some((i: any) => i.job === 'deploy'), 'the deploy build to queue');
  // The fuzzer does get what it is configured for, and its build sees the configured labels.
  await api('POST', '/api/v1/jobs', { name: 'fuzzing', script: `pipeline { agent { label 'fuzz' }; stages { stage('F') { steps { sh 'echo "fuzz on $NODE_NAME with [$NODE_LABELS]"' } } } }` });
  await api('POST', '/api/v1/jobs/fuzzing/builds', {});
  assert.equal((await finished('fuzzing', 1)).result, 'SUCCESS');
  assert.match(await consoleOf('fuzzing', 1), /^fuzz on fuzzer with \[fuzz\]$/m);
  // Its executor is free again (the scheduler hands free executors out at once): still no prod build.
  const q = (await api('GET', '/api/v1/queue')).items.find((i: any) => i.job === 'deploy');
  assert.ok(q, 'the deploy build still waits');
  assert.match(q.why, /prod/);
  assert.equal((await api('GET', '/api/v1/agents/fuzzer')).running.length, 0);
  await api('POST', '/api/v1/jobs/deploy/builds/1/abort');
  const d = await finished('deploy', 1);
  assert.equal(d.result, 'ABORTED');
  assert.doesNotMatch(await consoleOf('deploy', 1), /deploy ran on/);
  proc.kill('SIGKILL');
  agents.delete('fuzzer');
  await api('DELETE', '/api/v1/agents/fuzzer');
});

test('build history survives a controller restart', async () => {
  const before = await api('GET', '/api/v1/jobs/route/builds');
  await c.close();
  c = await startController(testConfig({ home, port: '0', 'agent-grace': '3' }));
  const after = await api('GET', '/api/v1/jobs/route/builds');
  assert.deepEqual(after.builds.map((b: any) => [b.number, b.result]), before.builds.map((b: any) => [b.number, b.result]));
  assert.match(await consoleOf('route', 1), /^L on lin$/m);
  assert.ok(existsSync(path.join(home, 'kiln.db')));
});
