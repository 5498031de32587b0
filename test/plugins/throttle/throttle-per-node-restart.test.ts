// The throttle step's maxConcurrentPerNode across a controller restart (kill -9), with a real
// agent process that stays up and dials the restarted controller: one build's throttled block
// holds the agent (in an sh waiting for its go file), another waits because the agent is at the
// category's per-node maximum of 1 (it has a free executor). After the restart the holder goes
// on, on the agent, and the waiting block waits again with Jenkins' reason until the holder
// gives the node back: the started files the blocks write are the witnesses.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kilnBin } from '../../helpers/kiln.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText, consoleUntil } from '../../helpers/controller.ts';
import { startControllerProcess, kill9, freePort } from '../../helpers/controller-process.ts';

const running = new Set<ChildProcess>();
after(() => { for (const p of running) p.kill('SIGKILL'); });

test('kill -9 with a throttled block holding the agent at its per-node maximum and another waiting: after the restart the second still waits, then goes when the first ends', async () => {
  const home = tempDir('throttle-node-restart');
  const sync = tempDir('throttle-node-restart-sync');
  const port = await freePort();
  const start = () => startControllerProcess(home, { port, running, executors: 0, extraArgs: ['--agent-grace', '60'] });
  let c = await start();
  let api = jsonApi(() => c.url);
  await api('PUT', '/api/v1/settings/throttle-categories', { categories: [{ name: 'db', maxConcurrentTotal: 0, maxConcurrentPerNode: 1 }] });
  await api('POST', '/api/v1/agents', { name: 'solo', labels: ['solo'], executors: 2 });
  const secret = /--secret (\S+)/.exec((await api('GET', '/api/v1/agents/solo')).command)![1]!.replace(/^'|'$/g, '');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KILN_')) delete env[k];
  const agent = spawn(kilnBin, ['agent', '--url', c.url, '--name', 'solo', '--secret', secret, '--workdir', tempDir('throttle-node-restart-agent')], { env, stdio: 'ignore' });
  running.add(agent);
  await until(async () => (await api('GET', '/api/v1/agents/solo')).online === true, 'agent solo to connect', 60_000);
  const block = (who: string) => `throttle(['db']) {
  node('solo') {
    sh 'echo "$NODE_NAME" > ${sync}/started-${who}.tmp && mv ${sync}/started-${who}.tmp ${sync}/started-${who}; while [ ! -e ${sync}/go-${who} ]; do sleep 0.2; done; echo ${who} done'
  }
}`;
  await api('POST', '/api/v1/jobs', { name: 'first', script: block('first') });
  await api('POST', '/api/v1/jobs', { name: 'second', script: block('second') });
  await api('POST', '/api/v1/jobs/first/builds', {});
  await until(() => existsSync(path.join(sync, 'started-first')), 'the first block to hold solo', 60_000);
  await api('POST', '/api/v1/jobs/second/builds', {});
  await consoleUntil(c.url, 'second', 1, 'Already running 1 builds on node');

  await kill9(c);
  c = await start();
  api = jsonApi(() => c.url);
  await until(async () => (await api('GET', '/api/v1/agents/solo')).online === true, 'agent solo to dial the restarted controller', 60_000);
  await until(async () => {
    const q = await api('GET', '/api/v1/queue');
    return ((q.items ?? q) as { job: string; why: string }[]).some((w) => w.job === 'second' && w.why === 'Already running 1 builds on node');
  }, 'the second block to wait again for the agent at its per-node maximum', 60_000);
  assert.equal(existsSync(path.join(sync, 'started-second')), false, 'the second block did not run beside the first');
  writeFileSync(path.join(sync, 'go-first'), '');
  await until(() => existsSync(path.join(sync, 'started-second')), 'the second block to get solo once the first gave it back', 60_000);
  writeFileSync(path.join(sync, 'go-second'), '');
  for (const job of ['first', 'second']) {
    const b = await finishedBuild(c.url, job, 1);
    assert.equal(b.result, 'SUCCESS', `${job}:\n${await consoleText(c.url, job, 1)}`);
  }
  await kill9(c);
});
