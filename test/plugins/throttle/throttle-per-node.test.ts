// The throttle step's maxConcurrentPerNode on a real controller with real inbound agents (kiln
// agent processes), as Throttle Concurrent Builds' node-level check does it: a node block inside
// `throttle(['db'])` is not given an agent that already runs the category's maximum of such
// blocks. Each agent has two executors, so without the check the blocks would share one agent
// (the scheduler prefers the node where the job last ran). Blocks hold their node until the test
// creates their `go` file: the `started` files they write (with $NODE_NAME) are the witnesses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { kilnBin } from '../../helpers/kiln.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { consoleText, consoleUntil, finishedBuild, jsonApi, rawApi, testConfig, until } from '../../helpers/controller.ts';

let c: ControllerHandle;
const api = jsonApi(() => c.url);
const raw = rawApi(() => c.url);
const agents: ChildProcess[] = [];
const sync = tempDir('throttle-node-sync');

async function startAgent(name: string): Promise<void> {
  const info = await api('GET', `/api/v1/agents/${name}`);
  const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  agents.push(spawn(kilnBin, [...args, '--workdir', tempDir(`throttle-${name}`)], { stdio: ['ignore', 'ignore', 'ignore'] }));
  await until(async () => (await api('GET', `/api/v1/agents/${name}`)).online, `agent ${name} to connect`, 60_000);
}

/** A node block of `label` in the category: says where it runs (written whole, then renamed: the test never reads it half-written), then holds its node until its go file exists. */
const held = (label: string, who: string) => `throttle(['db']) {
  node('${label}') {
    sh 'echo "$NODE_NAME" > ${sync}/started-${who}.tmp && mv ${sync}/started-${who}.tmp ${sync}/started-${who}; while [ ! -e ${sync}/go-${who} ]; do sleep 0.2; done; echo ${who} done'
  }
}`;
const started = (who: string) => existsSync(path.join(sync, `started-${who}`));
const nodeOf = (who: string) => readFileSync(path.join(sync, `started-${who}`), 'utf8').trim();
const go = (who: string) => writeFileSync(path.join(sync, `go-${who}`), '');

before(async () => {
  c = await startController(testConfig({ home: tempDir('throttle-node-ctl'), port: '0' }));
  for (const [name, labels] of [['p1', ['pool']], ['p2', ['pool']], ['solo', ['solo']]] as const) {
    await api('POST', '/api/v1/agents', { name, labels, executors: 2 });
    await startAgent(name);
  }
});
after(async () => {
  for (const p of agents) p.kill('SIGKILL');
  await c?.close();
});

test('maxConcurrentPerNode is configured (checked as a whole number) and read back', async () => {
  const bad = await raw('PUT', '/api/v1/settings/throttle-categories', { categories: [{ name: 'db', maxConcurrentTotal: 0, maxConcurrentPerNode: -1 }] });
  assert.equal(bad.status, 400, bad.text);
  assert.match(bad.json.error.message, /^categories\[0\]\.maxConcurrentPerNode: a whole number from 0 \(no limit\) to 10000/);
  const put = await raw('PUT', '/api/v1/settings/throttle-categories', { categories: [{ name: 'db', maxConcurrentTotal: 0, maxConcurrentPerNode: 1 }] });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual((await api('GET', '/api/v1/settings/throttle-categories')).categories, [{ name: 'db', maxConcurrentTotal: 0, maxConcurrentPerNode: 1 }]);
});

test('maxConcurrentPerNode 1: two throttled blocks of one build on a label of two agents run at once, each on its own agent', async () => {
  await api('POST', '/api/v1/jobs', { name: 'spread', script: `parallel(a: { ${held('pool', 'a')} }, b: { ${held('pool', 'b')} })` });
  await api('POST', '/api/v1/jobs/spread/builds', {});
  await until(() => started('a') && started('b'), 'both blocks to hold their agents at once', 60_000);
  assert.deepEqual([nodeOf('a'), nodeOf('b')].sort(), ['p1', 'p2']);
  go('a');
  go('b');
  const b = await finishedBuild(c.url, 'spread', 1);
  assert.equal(b.result, 'SUCCESS', await consoleText(c.url, 'spread', 1));
});

test('maxConcurrentPerNode 1 on one agent: the second block waits with Jenkins\' reason, and goes when the first gives its node back', async () => {
  await api('POST', '/api/v1/jobs', { name: 'first', script: held('solo', 'first') });
  await api('POST', '/api/v1/jobs', { name: 'second', script: held('solo', 'second') });
  await api('POST', '/api/v1/jobs/first/builds', {});
  await until(() => started('first'), 'the first block to hold solo');
  await api('POST', '/api/v1/jobs/second/builds', {});
  await consoleUntil(c.url, 'second', 1, 'Already running 1 builds on node');
  const queue = await api('GET', '/api/v1/queue');
  const waits = (queue.items ?? queue) as { job: string; kind: string; label: string | null; why: string }[];
  assert.deepEqual(waits.filter((w) => w.job === 'second').map((w) => [w.kind, w.label, w.why]), [['executor', 'solo', 'Already running 1 builds on node']], JSON.stringify(queue));
  // solo has a free executor: only the category keeps the second block off it
  assert.equal(started('second'), false);
  go('first');
  await until(() => started('second'), 'the second block to get solo once the first gave it back', 60_000);
  assert.equal(nodeOf('second'), 'solo');
  go('second');
  for (const job of ['first', 'second']) assert.equal((await finishedBuild(c.url, job, 1)).result, 'SUCCESS', await consoleText(c.url, job, 1));
});

test('a category without a per-node maximum (0) lets its blocks share an agent, as before', async () => {
  await api('PUT', '/api/v1/settings/throttle-categories', { categories: [{ name: 'db', maxConcurrentTotal: 0, maxConcurrentPerNode: 0 }] });
  await api('POST', '/api/v1/jobs', { name: 'shared', script: `parallel(x: { ${held('solo', 'x')} }, y: { ${held('solo', 'y')} })` });
  await api('POST', '/api/v1/jobs/shared/builds', {});
  await until(() => started('x') && started('y'), 'both blocks to hold solo at once', 60_000);
  assert.deepEqual([nodeOf('x'), nodeOf('y')], ['solo', 'solo']);
  go('x');
  go('y');
  assert.equal((await finishedBuild(c.url, 'shared', 1)).result, 'SUCCESS', await consoleText(c.url, 'shared', 1));
});
