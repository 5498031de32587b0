// retry(count:, conditions: [agent(), ...]) on a real controller with real inbound agents: the
// agent running the block is killed mid-step, its loss (after the grace period) is the failure's
// cause, and the block runs again on the other agent; a plain step failure under the same
// conditions is not retried, and the console says why. Also as a declarative stage option.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { kilnBin } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { consoleText, consoleUntil, finishedBuild, jsonApi, testConfig, until } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = jsonApi(() => c.url);
const agents = new Map<string, ChildProcess>();

async function startAgent(name: string): Promise<void> {
  const info = await api('GET', `/api/v1/agents/${name}`);
  const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  const proc = spawn(kilnBin, [...args, '--workdir', tempDir(`retry-${name}`)], { stdio: ['ignore', 'ignore', 'ignore'] });
  agents.set(name, proc);
  await until(async () => (await api('GET', `/api/v1/agents/${name}`)).online, `agent ${name} to connect`);
}

before(async () => {
  c = await startController(testConfig({ home: tempDir('retry-ctl'), port: '0', 'agent-grace': '1' }));
  for (const name of ['r1', 'r2']) {
    await api('POST', '/api/v1/agents', { name, labels: ['pool'], executors: 1 });
    await startAgent(name);
  }
});
after(async () => {
  for (const p of agents.values()) p.kill('SIGKILL');
  await c?.close();
});

test('retry(conditions: [agent()]): the block runs again on another agent when its agent is killed mid-step', async () => {
  const script = `def attempt = 0
retry(count: 3, conditions: [agent(), kubernetesAgent()]) {
  attempt++
  node('pool') {
    sh attempt == 1 ? 'echo "attempt 1 on $NODE_NAME"; sleep 300' : 'echo "attempt $((1+1)) on $NODE_NAME"'
  }
}`;
  await api('POST', '/api/v1/jobs', { name: 'lost-agent', script });
  await api('POST', '/api/v1/jobs/lost-agent/builds', {});
  await consoleUntil(c.url, 'lost-agent', 1, 'attempt 1 on r');
  const first = /attempt 1 on (r\d)/.exec(await consoleText(c.url, 'lost-agent', 1))![1]!;
  agents.get(first)!.kill('SIGKILL');
  const b = await finishedBuild(c.url, 'lost-agent', 1);
  const log = await consoleText(c.url, 'lost-agent', 1);
  assert.equal(b.result, 'SUCCESS', log);
  assert.match(log, new RegExp(`^ERROR: .*agent '${first}'`, 'm'));
  assert.match(log, /^Retrying \(attempt 2 of 3\)$/m);
  const second = /attempt 2 on (r\d)/.exec(log)?.[1];
  assert.ok(second && second !== first, `the second attempt ran on the other agent:\n${log}`);
  await startAgent(first);
});

test('retry(conditions: [agent()]) does not retry a step that fails by itself, scripted or as a stage option, and says so', async () => {
  await api('POST', '/api/v1/jobs', { name: 'plain-failure', script: "retry(count: 3, conditions: [agent()]) { node('pool') { sh 'echo try; exit 4' } }" });
  await api('POST', '/api/v1/jobs/plain-failure/builds', {});
  const b = await finishedBuild(c.url, 'plain-failure', 1);
  const log = await consoleText(c.url, 'plain-failure', 1);
  assert.equal(b.result, 'FAILURE', log);
  assert.equal(log.match(/^try$/gm)?.length, 1, log);
  assert.match(log, /^Not retrying: the failure is not one of the retry conditions \(agent\(\)\)$/m);
  assert.doesNotMatch(log, /Retrying/);

  await api('POST', '/api/v1/jobs', {
    name: 'plain-failure-decl',
    script: "pipeline { agent none\n stages { stage('s') { agent { label 'pool' }\n options { retry(count: 2, conditions: [nonresumable(), kubernetesAgent()]) }\n steps { sh 'echo try; exit 5' } } } }",
  });
  await api('POST', '/api/v1/jobs/plain-failure-decl/builds', {});
  const d = await finishedBuild(c.url, 'plain-failure-decl', 1);
  const dlog = await consoleText(c.url, 'plain-failure-decl', 1);
  assert.equal(d.result, 'FAILURE', dlog);
  assert.equal(dlog.match(/^try$/gm)?.length, 1, dlog);
  assert.match(dlog, /^Not retrying: the failure is not one of the retry conditions \(nonresumable\(\), kubernetesAgent\(\)\)$/m);
});
