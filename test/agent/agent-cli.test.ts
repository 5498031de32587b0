// `kiln agent` as an operator meets it: settings from flags and environment, and a clear
// message for each way connecting can fail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { WebSocketServer } from 'ws';
import { runKiln } from '../helpers/kiln.ts';
import { spawnAgent, startAgent, startController, waitFor, waitOnline } from '../backends/remote-harness.ts';
import { CloseCode, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { freePort } from '../helpers/ports.ts';

test('usage errors: missing settings, bad URL, bad name, bad executors (exit 2)', async () => {
  const noEnv = { KILN_URL: '', KILN_SECRET: '', KILN_AGENT_NAME: '', KILN_AGENT_WORKDIR: '' };
  let r = await runKiln(['agent'], { env: noEnv });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no controller URL: give --url or set KILN_URL/);
  r = await runKiln(['agent', '--url', 'http://x'], { env: noEnv });
  assert.match(r.stderr, /no agent name/);
  r = await runKiln(['agent', '--url', 'http://x', '--name', 'a'], { env: noEnv });
  assert.match(r.stderr, /no secret: give --secret or set KILN_SECRET/);
  r = await runKiln(['agent', '--url', 'not a url', '--name', 'a', '--secret', 's'], { env: noEnv });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /'not a url' is not a URL: give the controller's base URL/);
  r = await runKiln(['agent', '--url', 'ftp://host', '--name', 'a', '--secret', 's'], { env: noEnv });
  assert.match(r.stderr, /'ftp:\/\/host' is not an http\(s\) URL/);
  r = await runKiln(['agent', '--url', 'http://x', '--name', 'bad name!', '--secret', 's'], { env: noEnv });
  assert.match(r.stderr, /invalid agent name 'bad name!'/);
  r = await runKiln(['agent', '--url', 'http://x', '--name', 'a', '--secret', 's', '--executors', 'lots'], { env: noEnv });
  assert.match(r.stderr, /--executors expects a whole number from 1 to 1024, got 'lots'/);
  r = await runKiln(['agent', '--url', 'http://x', '--name', 'a', '--secret', 's', '--labels', 'ok,a&b'], { env: noEnv });
  assert.match(r.stderr, /invalid label 'a&b'/);
  r = await runKiln(['agent', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /KILN_AGENT_WORKDIR/);
});

test('connection refused: a clear message; with --no-reconnect it exits 1, otherwise it retries with backoff', async () => {
  const port = await freePort();
  const r = await runKiln(['agent', '--url', `http://127.0.0.1:${port}`, '--name', 'a', '--secret', 's', '--no-reconnect']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot connect to the controller at http://127.0.0.1:${port}: connection refused by 127.0.0.1:${port} \\(is the controller running, and is that its web port\\?\\)`));
  const a = spawnAgent(['agent', '--url', `http://127.0.0.1:${port}`, '--name', 'a', '--secret', 's'], 'a', '/tmp');
  try {
    await waitFor(() => (a.stderr().match(/reconnecting in/g) ?? []).length >= 3, 15_000, 'three retries');
    const delays = [...a.stderr().matchAll(/reconnecting in ([\d.]+) s/g)].map((m) => Number(m[1]));
    assert.ok(delays[0]! >= 0.3 && delays[0]! <= 0.7, `first delay ${delays[0]}`);
    assert.ok(delays[2]! > delays[0]!, `delays grow: ${delays.join(', ')}`);
  } finally {
    assert.equal(await a.stop(), 0);
  }
});

test('unknown host: says DNS and names the host', async () => {
  const r = await runKiln(['agent', '--url', 'http://no-such-host.invalid:8080', '--name', 'a', '--secret', 's', '--no-reconnect']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /host name 'no-such-host.invalid' not found \(DNS/);
});

test('wrong secret: HTTP 401, the agent says the secret is wrong and exits 1 without retrying', async () => {
  const c = await startController();
  try {
    const a = startAgent(c, 'w1', { secret: 'f'.repeat(64) });
    assert.equal(await a.exited, 1);
    assert.match(a.stderr(), /the controller at http:\/\/127\.0\.0\.1:\d+ refused agent 'w1' \(HTTP 401: wrong secret for agent 'w1'\)\. The secret is wrong/);
    assert.doesNotMatch(a.stderr(), /reconnecting/);
  } finally {
    await c.close();
  }
});

test('an agent the controller does not know: HTTP 403, exit 1', async () => {
  const c = await startController({ authorize: () => false });
  try {
    const a = startAgent(c, 'unknown-agent');
    assert.equal(await a.exited, 1);
    assert.match(a.stderr(), /HTTP 403: agent 'unknown-agent' is not configured on this controller/);
  } finally {
    await c.close();
  }
});

test('a URL that is not a Kiln controller: HTTP 404 says so', async () => {
  const server = http.createServer((_q, res) => { res.statusCode = 404; res.end(); });
  server.on('upgrade', (_req, socket) => { socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  try {
    const r = await runKiln(['agent', '--url', `http://127.0.0.1:${port}/kiln/`, '--name', 'a', '--secret', 's']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`no Kiln agent endpoint at ws://127.0.0.1:${port}/kiln/agent \\(HTTP 404\\)`));
  } finally {
    server.close();
  }
});

/** A fake controller speaking raw WebSocket, to see how the agent treats what a real one never sends. */
async function fakeController(onConnection: (ws: import('ws').WebSocket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server, path: '/agent' });
  wss.on('connection', onConnection);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

test('protocol version mismatch in the welcome: the agent says so and exits 1', async () => {
  let closeCode = 0;
  const fake = await fakeController((ws) => {
    ws.once('message', () => ws.send(JSON.stringify({ type: 'welcome', protocol: PROTOCOL_VERSION + 1, session: 's', resumed: false, received: 0, heartbeatMs: 1000, timeoutMs: 3000 })));
    ws.on('close', (code) => { closeCode = code; });
  });
  try {
    const r = await runKiln(['agent', '--url', fake.url, '--name', 'a', '--secret', 's']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`protocol error: the controller speaks protocol version ${PROTOCOL_VERSION + 1}, this agent ${PROTOCOL_VERSION}`));
    await waitFor(() => closeCode !== 0, 5000, 'close');
    assert.equal(closeCode, CloseCode.version);
  } finally {
    await fake.close();
  }
});

test('the agent checks the controller\'s messages too: a bad request closes the connection with a reason, then it reconnects', async () => {
  const closes: { code: number; reason: string }[] = [];
  let connections = 0;
  const fake = await fakeController((ws) => {
    connections++;
    ws.once('message', () => {
      ws.send(JSON.stringify({ type: 'welcome', protocol: PROTOCOL_VERSION, session: 's1', resumed: false, received: 0, heartbeatMs: 1000, timeoutMs: 3000 }));
      ws.send(JSON.stringify({ type: 'exec', seq: 1, ack: 0, id: 1, ws: 1, argv: [], cwd: '/', env: {}, stdin: false }));
    });
    ws.on('close', (code, reason) => closes.push({ code, reason: reason.toString() }));
  });
  const a = spawnAgent(['agent', '--url', fake.url, '--name', 'a', '--secret', 's', '--workdir', '/tmp/kiln-agent-fake'], 'a', '/tmp');
  try {
    await waitFor(() => connections >= 2 && closes.length >= 1, 15_000, 'a reconnect');
    assert.equal(closes[0]!.code, CloseCode.policy);
    assert.match(closes[0]!.reason, /bad 'exec' message from the controller: \/argv/);
    assert.match(a.stderr(), /protocol error: bad 'exec' message from the controller/);
  } finally {
    await a.stop();
    await fake.close();
  }
});

test('settings from KILN_* environment variables; flags win; --secret @FILE', async () => {
  const c = await startController();
  try {
    const secretFile = path.join(c.tmp, 'secret');
    await writeFile(secretFile, c.hub.secret('env-agent') + '\n');
    const workdir = path.join(c.tmp, 'env-workdir');
    const a = spawnAgent(['agent', '--secret', `@${secretFile}`], 'env-agent', workdir, {
      KILN_URL: c.url, KILN_AGENT_NAME: 'env-agent', KILN_SECRET: 'wrong-but-overridden', KILN_AGENT_WORKDIR: workdir,
      KILN_AGENT_LABELS: 'docker,big', KILN_AGENT_EXECUTORS: '3',
    });
    try {
      await waitOnline(c, 'env-agent');
      const info = c.hub.agent('env-agent');
      assert.equal(info?.workdir, workdir);
      assert.deepEqual(info?.labels, ['docker', 'big']);
      assert.equal(info?.executors, 3);
    } finally {
      assert.equal(await a.stop(), 0);
    }
  } finally {
    await c.close();
  }
});

test('KILN_TUNNEL: the agent dials HOST:PORT instead of the URL\'s host and port', async () => {
  const c = await startController();
  try {
    const port = new URL(c.url).port;
    // The URL names a host nobody can reach; the tunnel is the way in.
    const a = startAgent(c, 'tunnelled', { url: 'http://kiln.kiln.svc.cluster.local:8080/', env: { KILN_TUNNEL: `127.0.0.1:${port}` } });
    try {
      await waitOnline(c, 'tunnelled');
    } finally {
      assert.equal(await a.stop(), 0);
    }
    const bad = await runKiln(['agent', '--url', c.url, '--name', 'x', '--secret', 's', '--tunnel', 'no-port']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--tunnel \/ KILN_TUNNEL: write HOST:PORT, got 'no-port'/);
  } finally {
    await c.close();
  }
});
