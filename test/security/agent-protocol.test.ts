// A hostile agent against the hub (src/controller/agents/hub.ts): wrong secrets, impersonation,
// replayed and forged frames, frames that name another agent's requests, floods of frames and
// of connections, oversized answers, malformed frames. Each attempt is refused or closed and
// logged, while a real agent (bin/kiln agent) runs a process the whole time whose output must
// arrive complete and in order. The basic hostile frames (bad JSON, unknown types, frames over
// 16 MB, a wrong hello, a frame out of order) are in test/backends/remote-resilience.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { WebSocket } from 'ws';
import { CloseCode, HEADER_AGENT_NAME, HEADER_PROTOCOL, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { MAX_PENDING_HELLOS } from '../../src/controller/agents/hub.ts';
import { closed, helloFor, opened, rawClient, run, startAgent, startController, waitFor, waitOnline, type TestController } from '../backends/remote-harness.ts';
import { connectFakeAgent, type FakeAgent } from './fake-agent.ts';

const build = (job: string, number = 1) => ({ job, number, id: `${job}#${number}` });

/** The status of a refused upgrade. */
function refusal(ws: WebSocket): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => { body += d; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.on('error', () => {});
    ws.on('open', () => resolve({ status: 101, body: '' }));
  });
}

function upgrade(c: TestController, name: string, secret: string): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${c.port}/agent`, {
    headers: { authorization: `Bearer ${secret}`, [HEADER_AGENT_NAME]: name, [HEADER_PROTOCOL]: String(PROTOCOL_VERSION) },
  });
}

/** A real agent running a process that prints numbered lines until told to stop. */
async function steadyBuild(c: TestController) {
  const agent = startAgent(c, 'good');
  await waitOnline(c, 'good');
  const ws = await c.hub.backend('good').allocate({ build: build('steady') });
  let out = '';
  const stop = path.join(ws.root, 'stop');
  const p = run(ws, ['sh', '-c', `i=0; while [ ! -f '${stop}' ]; do i=$((i+1)); echo "line $i"; sleep 0.005; done; echo end`], { onOutput: (d) => { out += d.toString(); } });
  await waitFor(() => out.includes('line 20\n'), 10_000, 'the steady build to print');
  return {
    agent,
    /** Stops the process and checks that every line arrived once, in order, on the same session. */
    async finish() {
      await ws.writeFile(stop, '');
      const r = await p;
      assert.equal(r.exitCode, 0);
      const lines = out.trimEnd().split('\n');
      assert.equal(lines.pop(), 'end');
      lines.forEach((l, i) => { if (l !== `line ${i + 1}`) assert.fail(`line ${i + 1} is '${l}'`); });
      assert.ok(lines.length > 10);
      assert.equal(c.hub.isOnline('good'), true);
      assert.ok(!c.log.some((l) => /agent 'good'.*(closed|broke)/.test(l)), c.log.join('\n'));
    },
  };
}

test('secrets: wrong, missing, another agent\'s, and a flood of bad ones are refused; the log names each without the secret and is not flooded', async () => {
  const c = await startController();
  try {
    const steady = await steadyBuild(c);
    try {
      const good = c.hub.secret('good');
      const cases: [string, string, RegExp][] = [
        ['evil', 'f'.repeat(64), /wrong secret for agent 'evil'/],
        ['evil', good, /wrong secret for agent 'evil'/], // good's secret is worthless for another name
        ['good', c.hub.secret('evil'), /wrong secret for agent 'good'/], // impersonating good with another agent's secret
        ['good', good.slice(0, -1), /wrong secret for agent 'good'/],
        ['good', good + '0', /wrong secret for agent 'good'/],
        ['good', good.toUpperCase(), /wrong secret for agent 'good'/],
      ];
      for (const [name, secret, message] of cases) {
        const r = await refusal(upgrade(c, name, secret));
        assert.equal(r.status, 401, `${name} ${secret.slice(0, 8)}`);
        assert.match(r.body, message);
      }
      // The holder of good's real secret cannot take over its live session either.
      const twin = rawClient(c, 'good');
      await opened(twin);
      const twinClosed = closed(twin);
      twin.send(helloFor('good'));
      assert.equal((await twinClosed).code, CloseCode.conflict);

      const before = c.log.length;
      const flood = await Promise.all(Array.from({ length: 250 }, () => refusal(upgrade(c, 'flooder', 'x'.repeat(64)))));
      assert.ok(flood.every((r) => r.status === 401));
      const floodLines = c.log.slice(before).filter((l) => /flooder/.test(l));
      assert.ok(floodLines.length <= 12, `${floodLines.length} log lines for 250 refusals`);
      assert.match(floodLines.at(-1)!, /\(200 refusals from this address so far\)/);
      assert.doesNotMatch(c.log.join('\n'), new RegExp(good));
      await steady.finish();
    } finally {
      await steady.agent.stop();
    }
  } finally {
    await c.close();
  }
});

test("forged and replayed frames, another agent's request ids, floods of frames: only the offender's connection closes, logged; the real agent's build carries on", async () => {
  const c = await startController({ maxFileBytes: 1024 * 1024 });
  try {
    const steady = await steadyBuild(c);
    try {
      const fake = async (name: string, o: Parameters<typeof connectFakeAgent>[3] = {}) => connectFakeAgent(c.url, name, c.hub.secret(name), o);
      const expectClose = async (a: FakeAgent, name: string, reason: RegExp) => {
        const r = await a.closed;
        assert.equal(r.code, CloseCode.policy, `${name}: ${r.code} ${r.reason}`);
        assert.match(r.reason, reason, name);
        await waitFor(() => c.log.some((l) => l.startsWith(`agent '${name}' from `) && reason.test(l)), 5000, `a log line for ${name}`);
      };

      // 1. Answers for request ids that good's session has pending (1: its allocate, 2: its exec,
      //    3..: its writes): on another connection they name nothing, and close only that one.
      for (const [i, frame] of [
        { type: 'exited', id: 2, exitCode: 0, signal: null, aborted: false, chunks: 0 },
        { type: 'failed', id: 2, code: 'error', message: 'forged failure' },
        { type: 'done', id: 3 },
      ].entries()) {
        const a = await fake(`thief-${i}`);
        a.send(frame);
        await expectClose(a, `thief-${i}`, new RegExp(`'${frame.type}' for request ${frame.id}, which is not pending`));
      }
      const a = await fake('thief-out');
      a.send({ type: 'output', id: 2, n: 0, stream: 'stdout' }, Buffer.from('line 999999\nFORGED\n'));
      await expectClose(a, 'thief-out', /'output' for request 2, which is not pending/);

      // 2. A replayed frame: a sequence number the hub already has, sent again on the same connection.
      const replayer = await fake('replayer');
      await c.hub.backend('replayer').allocate({ build: build('r') }); // answered with seq 1
      replayer.ws.send(JSON.stringify({ type: 'allocated', seq: 1, ack: 1, id: 1, root: '/x', tmp: '/x@tmp', nodeName: 'replayer', nodeLabels: [], hasContainers: false, isUnix: true }));
      await expectClose(replayer, 'replayer', /message 1 \('allocated'\) was already received: a replayed or duplicated frame/);

      // 3. A forged acknowledgement of something never sent, and a flood of empty acknowledgements.
      const acker = await fake('acker');
      acker.ws.send(JSON.stringify({ type: 'ack', ack: 1000 }));
      await expectClose(acker, 'acker', /acknowledgement of message 1000, which was never sent/);
      const flooder = await fake('ack-flood');
      for (let i = 0; i < 5000 && flooder.ws.readyState === WebSocket.OPEN; i++) flooder.ws.send(JSON.stringify({ type: 'ack', ack: 0 }));
      await expectClose(flooder, 'ack-flood', /a flood of acknowledgements that acknowledge nothing new/);
      // A second hello on a live connection.
      const again = await fake('hello-again');
      again.ws.send(helloFor('hello-again'));
      await expectClose(again, 'hello-again', /a second hello/);

      // 4. Malformed frames the resilience test does not send.
      const malformed: [string, (ws: WebSocket) => void, number, RegExp][] = [
        ['binary header longer than the frame', (ws) => { const b = Buffer.alloc(8); b.writeUInt32BE(100, 0); ws.send(b); }, CloseCode.badData, /bad header length/],
        ['a text type in a binary frame', (ws) => { const h = Buffer.from('{"type":"done","seq":1,"ack":0,"id":1}'); const b = Buffer.alloc(4 + h.length); b.writeUInt32BE(h.length, 0); h.copy(b, 4); ws.send(b); }, CloseCode.policy, /must come in a text frame/],
        ['a binary type in a text frame', (ws) => ws.send('{"type":"output","seq":1,"ack":0,"id":1,"n":0,"stream":"stdout"}'), CloseCode.policy, /must come in a binary frame/],
        ['a JSON array', (ws) => ws.send('[1,2,3]'), CloseCode.policy, /is not an object/],
        ['prototype pollution', (ws) => ws.send('{"type":"__proto__","seq":1}'), CloseCode.policy, /unknown message type '__proto__'/],
        ['a huge integer', (ws) => ws.send('{"type":"done","seq":1e308,"ack":0,"id":1}'), CloseCode.policy, /bad 'done'|out of order/],
        ['random bytes', (ws) => ws.send(Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7919) % 256))), CloseCode.badData, /bad header length|not valid JSON/],
      ];
      for (const [what, send, code, reason] of malformed) {
        const ag = await fake(`bad-${malformed.findIndex((m) => m[0] === what)}`);
        send(ag.ws);
        const r = await ag.closed;
        assert.equal(r.code, code, `${what}: ${r.code} ${r.reason}`);
        assert.match(r.reason, reason, what);
      }

      // 5. A readFile answer larger than the controller accepts: that call fails with a clear
      //    message, the agent (which broke no rule) stays connected and keeps working.
      const big = await fake('big', { files: { '/fake/ws/huge.bin': Buffer.alloc(700 * 1024, 1) }, answer: (req, ag) => {
        if (req.type !== 'readFile' || req.path !== '/fake/ws/huge.bin') return false;
        const chunk = Buffer.alloc(700 * 1024, 1);
        ag.send({ type: 'chunk', id: req.id, last: false }, chunk);
        ag.send({ type: 'chunk', id: req.id, last: false }, chunk);
        ag.send({ type: 'chunk', id: req.id, last: true }, chunk);
        ag.send({ type: 'fileRead', id: req.id, size: chunk.length * 3 });
        return true;
      } });
      const bigWs = await c.hub.backend('big').allocate({ build: build('big') });
      await assert.rejects(bigWs.readFile('/fake/ws/huge.bin'), /readFile \/fake\/ws\/huge\.bin on agent 'big': the file is larger than 1 MiB, the most the controller reads into memory/);
      assert.equal((await bigWs.readFile('/fake/ws/small.txt')).toString(), 'content of /fake/ws/small.txt');
      assert.equal(c.hub.isOnline('big'), true);
      big.close();

      // Every closed offender is gone; the log names each one; good never noticed.
      await waitFor(() => c.hub.agents().every((x) => x.name === 'good' || x.name === 'big'), 5000, 'the offenders to be gone');
      for (const name of ['thief-0', 'thief-1', 'thief-2', 'thief-out', 'replayer', 'acker', 'ack-flood', 'hello-again', 'bad-0', 'bad-6']) {
        assert.ok(c.log.some((l) => l.startsWith(`agent '${name}' from `) && /connection closed$/.test(l)), `no log line for ${name}:\n${c.log.join('\n')}`);
      }
      await steady.finish();
    } finally {
      await steady.agent.stop();
    }
  } finally {
    await c.close();
  }
});

test(`a flood of connections that never say hello: at most ${MAX_PENDING_HELLOS} wait per agent name, the rest get 429; the real agent is unaffected`, async () => {
  const c = await startController({ helloTimeoutMs: 2000 });
  try {
    const steady = await steadyBuild(c);
    try {
      const results = await Promise.all(Array.from({ length: 30 }, () => refusal(rawClient(c, 'lurker'))));
      const opened101 = results.filter((r) => r.status === 101).length;
      const limited = results.filter((r) => r.status === 429);
      assert.equal(opened101, MAX_PENDING_HELLOS);
      assert.equal(limited.length, 30 - MAX_PENDING_HELLOS);
      assert.match(limited[0]!.body, /agent 'lurker' already has 4 connections waiting for their hello/);
      // Other names are not limited by lurker's connections.
      const other = await connectFakeAgent(c.url, 'other', c.hub.secret('other'));
      assert.equal(c.hub.isOnline('other'), true);
      other.close();
      await steady.finish();
    } finally {
      await steady.agent.stop();
    }
  } finally {
    await c.close();
  }
});
