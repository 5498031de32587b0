// The Agent class in-process (the same code `kiln agent` runs), for what is easier to see from
// inside: stopping, and the memory bound on output kept while the controller is away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Agent, AgentFatalError } from '../../src/agent/agent.ts';
import { agentEndpoint } from '../../src/agent/errors.ts';
import { baseEnv, run, sh, startController, waitFor, waitOnline } from '../backends/remote-harness.ts';

const build = (job: string) => ({ job, number: 1, id: `${job}#1` });

test('the endpoint is <base URL>/agent with ws or wss', () => {
  assert.equal(agentEndpoint('http://kiln:8080').href, 'ws://kiln:8080/agent');
  assert.equal(agentEndpoint('https://ci.example.com/kiln/').href, 'wss://ci.example.com/kiln/agent');
  assert.equal(agentEndpoint('http://h/?x=1#y').href, 'ws://h/agent');
  assert.equal(agentEndpoint('wss://h:9/').href, 'wss://h:9/agent');
  assert.throws(() => agentEndpoint('kiln:8080'), /not an http\(s\) URL/);
});

test('stop() ends run(), closes the session at once and kills running processes', async () => {
  const c = await startController({ graceMs: 60_000 });
  const lines: string[] = [];
  const agent = new Agent({ url: c.url, name: 'inproc', secret: c.hub.secret('inproc'), workdir: path.join(c.tmp, 'inproc'), log: (l) => lines.push(l) });
  const running = agent.run();
  try {
    await waitOnline(c, 'inproc');
    await waitFor(() => agent.connected, 5000, 'the welcome');
    const ws = await c.hub.backend('inproc').allocate({ build: build('s') });
    const p = run(ws, sh('sleep 60')).then(() => null, (e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await agent.stop();
    await running;
    assert.match(String(await p), /agent 'inproc' shut down/);
    assert.match(lines.join('\n'), /connected to http:\/\/127\.0\.0\.1:\d+ as agent 'inproc'/);
  } finally {
    await agent.stop();
    await c.close();
  }
});

test('without reconnect, a lost connection ends run() with AgentFatalError', async () => {
  const c = await startController();
  const agent = new Agent({ url: c.url, name: 'once', secret: c.hub.secret('once'), workdir: path.join(c.tmp, 'once'), reconnect: false });
  const running = agent.run().then(() => null, (e: unknown) => e);
  try {
    await waitOnline(c, 'once');
    c.hub.dropConnection('once');
    const e = await running;
    assert.ok(e instanceof AgentFatalError);
    assert.match(e.message, /connection to http:\/\/127\.0\.0\.1:\d+ was lost/);
  } finally {
    await agent.stop();
    await c.close();
  }
});

test('output piling up past the limit while disconnected: the agent gives the session up instead of growing without bound', async () => {
  const c = await startController({ graceMs: 30_000 });
  const lines: string[] = [];
  const agent = new Agent({
    url: c.url, name: 'chatty', secret: c.hub.secret('chatty'), workdir: path.join(c.tmp, 'chatty'),
    maxKeptBytes: 64 * 1024, backoff: { initialMs: 600 }, log: (l) => lines.push(l),
  });
  const running = agent.run();
  try {
    await waitOnline(c, 'chatty');
    const ws = await c.hub.backend('chatty').allocate({ build: build('chatty') });
    let got = 0;
    const p = ws.exec({
      argv: sh('while :; do head -c 20000 /dev/zero; sleep 0.01; done'), cwd: ws.root, env: baseEnv,
      onOutput: (d) => { got += d.length; },
    }).then(() => null, (e: unknown) => e);
    await waitFor(() => got > 100_000, 10_000, 'output');
    c.hub.dropConnection('chatty');
    assert.match(String(await p), /agent 'chatty' came back with a new session \(its process restarted, or it gave the old session up\); the step's result was lost; none of its processes were still running when it came back/);
    assert.match(lines.join('\n'), /MiB of output waiting for the controller; giving up the session and stopping its processes/);
    await waitOnline(c, 'chatty');
    const ws2 = await c.hub.backend('chatty').allocate({ build: build('after') });
    assert.equal((await run(ws2, ['echo', 'fine'])).stdout.toString(), 'fine\n');
  } finally {
    await agent.stop();
    await running;
    await c.close();
  }
});
