// What happens when connections fail: dropped sockets, killed agents, half-open connections,
// hostile frames, duplicate names. Real agent processes, a real hub, real TCP.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { AgentUnavailableError } from '../../src/controller/agents/session.ts';
import { CloseCode, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { isProcessAlive } from '../../src/exec/process-tree.ts';
import {
  baseEnv, closed, helloFor, opened, rawClient, run, sh, startAgent, startController, waitFor, waitOnline,
} from './remote-harness.ts';

const build = (job: string, number = 1) => ({ job, number, id: `${job}#${number}` });

/** A script printing numbered lines 1..n with small sleeps: something to lose or duplicate. */
const numbered = (n: number) => sh(`i=1; while [ $i -le ${n} ]; do echo "line $i"; if [ $((i % 250)) -eq 0 ]; then sleep 0.05; fi; i=$((i+1)); done`);

function assertNumbered(text: string, n: number): void {
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, n, `expected ${n} lines, got ${lines.length}`);
  lines.forEach((l, i) => { if (l !== `line ${i + 1}`) assert.fail(`line ${i + 1} is '${l}'`); });
}

test('the connection drops twice mid-exec: the agent reconnects and the output completes, in order, no loss, no duplicates', async () => {
  const c = await startController({ graceMs: 20_000 });
  const agent = startAgent(c, 'flaky');
  try {
    await waitOnline(c, 'flaky');
    const ws = await c.hub.backend('flaky').allocate({ build: build('numbers') });
    const events: string[] = [];
    c.hub.on('disconnected', (i) => events.push(`disconnected ${i.name}`));
    c.hub.on('reconnected', (i) => events.push(`reconnected ${i.name}`));
    c.hub.on('offline', (i) => events.push(`offline ${i.name}`));
    let out = '';
    const p = run(ws, numbered(5000), { onOutput: (d) => { out += d.toString(); } });
    await waitFor(() => out.includes('line 1000\n'), 20_000, 'line 1000');
    assert.equal(c.hub.dropConnection('flaky'), true);
    await waitFor(() => events.includes('reconnected flaky'), 20_000, 'the agent to reconnect');
    await waitFor(() => out.includes('line 3000\n'), 20_000, 'line 3000');
    c.hub.dropConnection('flaky');
    const r = await p;
    assert.equal(r.exitCode, 0);
    assertNumbered(out, 5000);
    assert.deepEqual(events.slice(0, 2), ['disconnected flaky', 'reconnected flaky']);
    assert.ok(!events.includes('offline flaky'));
    assert.match(agent.stderr(), /reconnecting in/);
    assert.match(agent.stderr(), /reconnected to/);
    // The session carries on: more work on the same workspace.
    assert.equal((await run(ws, ['echo', 'after'])).stdout.toString(), 'after\n');
  } finally {
    await agent.stop();
    await c.close();
  }
});

test('requests made while the agent is away wait for it and go out when it is back', async () => {
  const c = await startController({ graceMs: 20_000 });
  const agent = startAgent(c, 'away');
  try {
    await waitOnline(c, 'away');
    const ws = await c.hub.backend('away').allocate({ build: build('queued') });
    c.hub.dropConnection('away');
    await waitFor(() => c.hub.agent('away')?.state === 'reconnecting', 5000, 'reconnecting state');
    const [w, r] = await Promise.all([
      ws.writeFile(path.join(ws.root, 'q.txt'), 'queued'),
      run(ws, ['echo', 'ran later']),
    ]);
    assert.equal(w, undefined);
    assert.equal(r.stdout.toString(), 'ran later\n');
    assert.equal((await ws.readFile(path.join(ws.root, 'q.txt'))).toString(), 'queued');
    assert.equal(c.hub.agent('away')?.state, 'online');
  } finally {
    await agent.stop();
    await c.close();
  }
});

test('the agent process is killed mid-exec: the pending exec fails after the grace period, naming the agent', async () => {
  const c = await startController({ graceMs: 1500 });
  const agent = startAgent(c, 'doomed');
  let orphan = 0;
  try {
    await waitOnline(c, 'doomed');
    const ws = await c.hub.backend('doomed').allocate({ build: build('long') });
    let out = '';
    const p = run(ws, sh('echo $$; exec sleep 60'), { onOutput: (d) => { out += d.toString(); } });
    await waitFor(() => out.includes('\n'), 10_000, 'the pid');
    orphan = Number(out.trim());
    const offline = new Promise<string>((resolve) => c.hub.once('offline', (_i, why) => resolve(why)));
    const t0 = Date.now();
    agent.child.kill('SIGKILL');
    await assert.rejects(p, (e: unknown) => {
      assert.ok(e instanceof AgentUnavailableError);
      assert.equal(e.agent, 'doomed');
      assert.equal(e.message, `agent 'doomed' disconnected and did not come back within 1.5 s; the processes it was running may still be running on ${hostname()} (the agent stops them when it starts again)`);
      return true;
    });
    const waited = Date.now() - t0;
    assert.ok(waited >= 1400 && waited < 10_000, `rejected after ${waited} ms`);
    assert.match(await offline, /did not come back within 1.5 s/);
    assert.equal(c.hub.agent('doomed'), undefined);
    // Later calls on the dead session fail at once, with the same reason.
    await assert.rejects(ws.stat(ws.root), /agent 'doomed' disconnected/);
    await ws.release(); // quietly: nothing left to release
  } finally {
    if (orphan > 0 && await isProcessAlive(orphan)) process.kill(orphan, 'SIGKILL');
    await agent.stop();
    await c.close();
  }
});

test('an agent stopped with SIGTERM ends its session at once (no grace wait) and kills its processes', async () => {
  const c = await startController({ graceMs: 60_000 });
  const agent = startAgent(c, 'polite');
  try {
    await waitOnline(c, 'polite');
    const ws = await c.hub.backend('polite').allocate({ build: build('long') });
    let out = '';
    const p = run(ws, sh('echo $$; exec sleep 60'), { onOutput: (d) => { out += d.toString(); } });
    await waitFor(() => out.includes('\n'), 10_000, 'the pid');
    const pid = Number(out.trim());
    const outcome = p.then(() => null, (e: unknown) => e);
    const t0 = Date.now();
    assert.equal(await agent.stop(), 0);
    assert.match(String(await outcome), /agent 'polite' shut down/);
    assert.ok(Date.now() - t0 < 8000);
    await waitFor(async () => !(await isProcessAlive(pid)), 5000, 'the process to die');
  } finally {
    await c.close();
  }
});

test('an aborted exec whose agent then vanishes counts as aborted, not as an agent failure', async () => {
  const c = await startController({ graceMs: 800 });
  const agent = startAgent(c, 'vanish');
  try {
    await waitOnline(c, 'vanish');
    const ws = await c.hub.backend('vanish').allocate({ build: build('x') });
    let out = '';
    const ac = new AbortController();
    const p = run(ws, sh('trap "" TERM; echo up; sleep 30'), { signal: ac.signal, onOutput: (d) => { out += d.toString(); } });
    await waitFor(() => out.includes('up'), 10_000, 'start');
    agent.child.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    const r = await p;
    assert.equal(r.aborted, true);
  } finally {
    await agent.stop();
    await c.close();
  }
});

test('a half-open connection is found by the heartbeats; the agent comes back through a fresh connection', async () => {
  const c = await startController({ graceMs: 20_000, heartbeatMs: 100, timeoutMs: 600 });
  // A TCP proxy between agent and controller that can silently stop forwarding (a dead NAT entry).
  let blackhole = false;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(c.port, '127.0.0.1');
    const pipe = (from: net.Socket, to: net.Socket) => from.on('data', (d) => { if (!blackhole) to.write(d); });
    pipe(client, upstream);
    pipe(upstream, client);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      // While blackholed, a close does not travel either: each end must find out by itself.
      s.on('close', () => { sockets.delete(s); if (!blackhole) { client.destroy(); upstream.destroy(); } });
    }
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const agent = startAgent(c, 'halfopen', { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` });
  try {
    await waitOnline(c, 'halfopen');
    const ws = await c.hub.backend('halfopen').allocate({ build: build('hb') });
    let out = '';
    const p = run(ws, numbered(3000), { onOutput: (d) => { out += d.toString(); } });
    await waitFor(() => out.includes('line 500\n'), 20_000, 'line 500');
    const disconnected = new Promise<void>((r) => c.hub.once('disconnected', () => r()));
    blackhole = true; // nothing passes, nothing closes
    await disconnected; // the hub noticed the silence
    await waitFor(() => /no sign of life from the controller/.test(agent.stderr()), 10_000, 'the agent to notice');
    blackhole = false; // new connections pass again (the old ones stay dead: both ends terminated them)
    const r = await p;
    assert.equal(r.exitCode, 0);
    assertNumbered(out, 3000);
    assert.match(c.log.join('\n'), /agent 'halfopen': no sign of life for \d+ ms; dropping the connection/);
    assert.match(agent.stderr(), /no sign of life from the controller for [\d.]+ s; reconnecting in/);
  } finally {
    await agent.stop();
    for (const s of sockets) s.destroy();
    proxy.close();
    await c.close();
  }
});

test('a second agent with a name already connected is refused; the first keeps working', async () => {
  const c = await startController();
  const first = startAgent(c, 'twin', { args: ['--no-reconnect'] });
  try {
    await waitOnline(c, 'twin');
    const ws = await c.hub.backend('twin').allocate({ build: build('t') });
    const raw = rawClient(c, 'twin');
    await opened(raw);
    raw.send(helloFor('twin'));
    const { code, reason } = await closed(raw);
    assert.equal(code, CloseCode.conflict);
    assert.match(reason, /agent 'twin' is already connected/);
    assert.equal((await run(ws, ['echo', 'ok'])).stdout.toString(), 'ok\n');
  } finally {
    await first.stop();
    await c.close();
  }
});

test('an agent that restarts (new process, no session) ends the old session at once: its calls fail, new work goes to the new one', async () => {
  const c = await startController({ graceMs: 60_000 });
  const a1 = startAgent(c, 'phoenix');
  let orphan = 0;
  try {
    await waitOnline(c, 'phoenix');
    const ws = await c.hub.backend('phoenix').allocate({ build: build('r') });
    let out = '';
    const p = run(ws, sh('echo $$; exec sleep 60'), { onOutput: (d) => { out += d.toString(); } });
    await waitFor(() => out.includes('\n'), 10_000, 'pid');
    orphan = Number(out.trim());
    a1.child.kill('SIGKILL');
    await waitFor(() => c.hub.agent('phoenix')?.state === 'reconnecting', 5000, 'reconnecting');
    const a2 = startAgent(c, 'phoenix');
    try {
      // The new agent process stopped what the old one ran before it said hello.
      await assert.rejects(p, /agent 'phoenix' came back with a new session \(its process restarted, or it gave the old session up\); the step's result was lost; the 1 process\(es\) it left running were stopped before the agent came back/);
      assert.equal(await isProcessAlive(orphan), false, 'the orphaned step process was stopped');
      await waitOnline(c, 'phoenix');
      const ws2 = await c.hub.backend('phoenix').allocate({ build: build('r', 2) });
      assert.equal((await run(ws2, ['echo', 'new'])).stdout.toString(), 'new\n');
    } finally {
      await a2.stop();
    }
  } finally {
    if (orphan > 0 && await isProcessAlive(orphan)) process.kill(orphan, 'SIGKILL');
    await c.close();
  }
});

test('hostile frames close only their own connection; a real agent mid-exec carries on', async () => {
  const c = await startController();
  const good = startAgent(c, 'good');
  try {
    await waitOnline(c, 'good');
    const ws = await c.hub.backend('good').allocate({ build: build('steady') });
    let out = '';
    const p = run(ws, numbered(2000), { onOutput: (d) => { out += d.toString(); } });

    const attempt = async (name: string, send: (raw: ReturnType<typeof rawClient>) => void) => {
      const raw = rawClient(c, name);
      await opened(raw);
      const done = closed(raw);
      send(raw);
      return done;
    };
    const results = {
      garbage: await attempt('evil-1', (r) => r.send('this is not json {')),
      noType: await attempt('evil-2', (r) => r.send('{"hello": 1}')),
      unknownType: await attempt('evil-3', (r) => r.send('{"type":"rm-rf","path":"/"}')),
      badHello: await attempt('evil-4', (r) => r.send(helloFor('evil-4', { executors: 'many' }))),
      wrongName: await attempt('evil-5', (r) => r.send(helloFor('someone-else'))),
      extraField: await attempt('evil-6', (r) => r.send(helloFor('evil-6', { admin: true }))),
      badBinary: await attempt('evil-7', (r) => r.send(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2]))),
      huge: await attempt('evil-8', (r) => r.send(Buffer.alloc(17 * 1024 * 1024, 0x20))),
      afterHello: await attempt('evil-9', (r) => {
        r.send(helloFor('evil-9'));
        r.send(JSON.stringify({ type: 'exited', seq: 1, ack: 0, id: 42, exitCode: 0, signal: null, aborted: false, chunks: 0 }));
      }),
      hugeAfterHello: await attempt('evil-11', (r) => {
        r.send(helloFor('evil-11'));
        r.send(Buffer.alloc(17 * 1024 * 1024, 0x20));
      }),
      outOfOrder: await attempt('evil-10', (r) => {
        r.send(helloFor('evil-10'));
        r.send(JSON.stringify({ type: 'done', seq: 5, ack: 0, id: 1 }));
      }),
    };
    assert.equal(results.garbage.code, CloseCode.badData);
    assert.match(results.garbage.reason, /not valid JSON/);
    assert.equal(results.noType.code, CloseCode.policy);
    assert.match(results.noType.reason, /no type/);
    assert.match(results.unknownType.reason, /unknown message type 'rm-rf'/);
    assert.match(results.badHello.reason, /bad 'hello' message from the agent: \/executors/);
    assert.match(results.wrongName.reason, /hello names agent 'someone-else'/);
    assert.match(results.extraField.reason, /bad 'hello'/);
    assert.equal(results.badBinary.code, CloseCode.badData);
    assert.equal(results.huge.code, CloseCode.tooBig);
    assert.equal(results.hugeAfterHello.code, CloseCode.tooBig);
    assert.match(results.afterHello.reason, /'exited' for request 42, which is not pending/);
    assert.match(results.outOfOrder.reason, /out of order/);
    for (const r of Object.values(results)) assert.ok(r.reason.length > 0 || r.code === CloseCode.tooBig);

    const r = await p;
    assert.equal(r.exitCode, 0);
    assertNumbered(out, 2000);
    assert.equal(c.hub.isOnline('good'), true);
    assert.deepEqual(c.hub.agents().map((a) => a.name), ['good']);
  } finally {
    await good.stop();
    await c.close();
  }
});

test('a connection that never says hello is closed after the hello timeout', async () => {
  const c = await startController({ helloTimeoutMs: 300 });
  try {
    const raw = rawClient(c, 'silent');
    await opened(raw);
    const { code, reason } = await closed(raw);
    assert.equal(code, CloseCode.timeout);
    assert.match(reason, /sent no hello/);
  } finally {
    await c.close();
  }
});

test('upgrade refusals: wrong secret 401, unknown agent 403, version 400, other paths untouched', async () => {
  const c = await startController({ authorize: (name) => name !== 'stranger' });
  try {
    const status = (ws: ReturnType<typeof rawClient>) => new Promise<{ status: number; body: string }>((resolve) => {
      ws.on('unexpected-response', (_req, res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      ws.on('error', () => {});
    });
    const wrong = await status(rawClient(c, 'x', { authorization: 'Bearer ' + 'a'.repeat(64) }));
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /wrong secret for agent 'x'/);
    const missing = await status(rawClient(c, 'x', { authorization: '' }));
    assert.equal(missing.status, 401);
    const otherName = await status(rawClient(c, 'y', { authorization: `Bearer ${c.hub.secret('x')}` }));
    assert.equal(otherName.status, 401);
    const stranger = await status(rawClient(c, 'stranger'));
    assert.equal(stranger.status, 403);
    assert.match(stranger.body, /not configured/);
    const version = await status(rawClient(c, 'x', { 'x-kiln-protocol': '99' }));
    assert.equal(version.status, 400);
    assert.match(version.body, new RegExp(`protocol version mismatch: the agent speaks version 99, this controller speaks version ${PROTOCOL_VERSION}`));
    const long = await status(rawClient(c, 'x', { 'x-kiln-protocol': '9'.repeat(8000) }));
    assert.equal(long.status, 400);
    assert.match(long.body, /the agent speaks version 9{20}…, this controller/); // a caller's header is not echoed whole
    assert.ok(!c.log.some((l) => l.includes('9'.repeat(21))), 'the log holds the whole header');
    const res = await fetch(`${c.url}/agent`);
    assert.equal(res.status, 404); // plain HTTP to the endpoint reaches the server's own handler
    assert.ok(c.log.some((l) => /wrong secret for agent 'x'/.test(l)));
    assert.doesNotMatch(c.log.join('\n'), new RegExp(c.hub.secret('x'))); // secrets never logged
  } finally {
    await c.close();
  }
});

test('endSession fails pending calls with the given reason and lets the agent start afresh', async () => {
  const c = await startController();
  const agent = startAgent(c, 'cut');
  let orphan = 0;
  try {
    await waitOnline(c, 'cut');
    const ws = await c.hub.backend('cut').allocate({ build: build('e') });
    let out = '';
    const p = run(ws, sh('echo $$; exec sleep 60'), { onOutput: (d) => { out += d.toString(); } });
    await waitFor(() => out.includes('\n'), 10_000, 'pid');
    orphan = Number(out.trim());
    const again = new Promise<void>((r) => c.hub.once('online', () => r()));
    assert.equal(c.hub.endSession('cut', "agent 'cut' was deleted"), true);
    await assert.rejects(p, /agent 'cut' was deleted/);
    await again; // the agent reconnected with a fresh session...
    await waitFor(async () => !(await isProcessAlive(orphan)), 5000, "the old session's process to be stopped");
    const ws2 = await c.hub.backend('cut').allocate({ build: build('e', 2) });
    assert.equal((await run(ws2, ['echo', 'fresh'])).exitCode, 0);
    assert.match(agent.stderr(), /the controller started a new session; stopping 1 process/);
  } finally {
    if (orphan > 0 && await isProcessAlive(orphan)) process.kill(orphan, 'SIGKILL');
    await agent.stop();
    await c.close();
  }
});

test('stdin and file uploads larger than one chunk survive a reconnect in the middle', async () => {
  const c = await startController({ graceMs: 20_000 });
  const agent = startAgent(c, 'bulk');
  try {
    await waitOnline(c, 'bulk');
    const ws = await c.hub.backend('bulk').allocate({ build: build('bulk') });
    const data = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < data.length; i += 4) data.writeUInt32BE(i, i);
    const target = path.join(ws.root, 'up.bin');
    const writing = ws.writeFile(target, data);
    c.hub.dropConnection('bulk');
    await writing;
    assert.deepEqual(await readFile(target), data);
    const piping = run(ws, ['sha256sum'], { stdin: data });
    setTimeout(() => c.hub.dropConnection('bulk'), 5);
    const { createHash } = await import('node:crypto');
    assert.equal((await piping).stdout.toString().split(' ')[0], createHash('sha256').update(data).digest('hex'));
    void baseEnv;
  } finally {
    await agent.stop();
    await c.close();
  }
});
