// StreamSocket (protocol/stream.ts): the agent protocol's frames over a byte stream, as the
// SSH launcher uses them. Text and binary frames cross intact even when the stream splits
// them anywhere; pings are answered; a close frame closes both ends with its code; the end of
// the stream is a 1006 close; a launch that never gets an SSH handshake times out clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { PassThrough } from 'node:stream';
import { StreamSocket } from '../../src/protocol/stream.ts';
import { launchSshAgent, SshLaunchError } from '../../src/plugins/ssh/launcher.ts';
import { generateKeyPairSync } from 'node:crypto';

function pair(): [StreamSocket, StreamSocket, PassThrough, PassThrough] {
  const aToB = new PassThrough();
  const bToA = new PassThrough();
  return [new StreamSocket(bToA, aToB), new StreamSocket(aToB, bToA), aToB, bToA];
}

test('text and binary frames cross intact, split byte by byte', async () => {
  const aToB = new PassThrough();
  const wire = new PassThrough();
  aToB.on('data', (d: Buffer) => { for (const byte of d) wire.write(Buffer.from([byte])); });
  const a = new StreamSocket(new PassThrough(), aToB);
  const b = new StreamSocket(wire, new PassThrough());
  const got: [string, boolean][] = [];
  b.on('message', (m: Buffer, bin: boolean) => got.push([bin ? m.toString('hex') : m.toString('utf8'), bin]));
  a.send('{"type":"hello"}');
  a.send(Buffer.from([0, 1, 2, 255]), { binary: true });
  a.send(Buffer.alloc(10_000, 7), { binary: true });
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(got.slice(0, 2), [['{"type":"hello"}', false], ['000102ff', true]]);
  assert.equal(got[2]![0].length, 20_000);
});

test('pings are answered; a close frame closes both ends with its code; an ended stream is 1006', async () => {
  const [a, b, aToB] = pair();
  const pong = new Promise((r) => a.once('pong', r));
  a.ping();
  await pong;
  const closedB = new Promise<[number, string]>((r) => b.once('close', (c: number, why: Buffer) => r([c, why.toString()])));
  const closedA = new Promise<number>((r) => a.once('close', (c: number) => r(c)));
  a.close(4410, 'session ended');
  assert.deepEqual(await closedB, [4410, 'session ended']);
  assert.equal(await closedA, 4410);
  assert.equal(aToB.writableEnded, true);
  const [c, d, cToD] = pair();
  const closedD = new Promise<number>((r) => d.once('close', (code: number) => r(code)));
  cToD.end();
  assert.equal(await closedD, 1006);
  c.terminate();
});

test('a host that never completes the SSH handshake: a launch timeout error', async () => {
  const server = net.createServer(() => { /* accept, say nothing */ });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  try {
    await assert.rejects(launchSshAgent({
      name: 'x', host: '127.0.0.1', port, username: 'u', privateKey: pem, hostKey: { type: 'tofu' }, workdir: '/tmp/x', timeoutMs: 500,
    }, () => {}), (e: unknown) => {
      assert.ok(e instanceof SshLaunchError);
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, /127\.0\.0\.1:\d+ .*(handshake|launch timeout)/);
      return true;
    });
  } finally {
    server.close();
  }
});
