// The agent's own WebSocket client (src/agent/transport.ts) against a WebSocket server of
// another implementation (the `ws` package the controller uses), over real TCP: the upgrade
// carries the agent's headers and the secret nowhere else; messages both ways, text and binary,
// small and large (random bytes at odd offsets and lengths too; the masking, 32 bits at a time,
// checked against byte-by-byte XOR for every alignment); a message the server sends in fragments; the server's pings answered; the
// closing handshake's code and reason; a message over the limit closed with 1009; an HTTP
// refusal (chunked or not) reported with its status and body; a secret that would break the
// header refused before anything is sent; a wss: URL to a server whose certificate is not
// trusted fails with the TLS error's code (what errors.ts turns into advice), and works once
// the certificate is trusted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import https from 'node:https';
import { WebSocketServer, type WebSocket as ServerSocket } from 'ws';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { dial, maskInto, OPEN, sha1, type AgentSocket } from '../../src/agent/transport.ts';
import { HEADER_AGENT_NAME, HEADER_PROTOCOL, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { tempDir } from '../helpers/tmp.ts';

interface Server { url: string; wss: WebSocketServer; requests: http.IncomingMessage[]; close(): Promise<void> }

async function server(o: { handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void; maxPayload?: number } = {}): Promise<Server> {
  const srv = http.createServer(o.handler ?? ((_q, res) => { res.statusCode = 404; res.end(); }));
  const wss = new WebSocketServer({ noServer: true, ...(o.maxPayload ? { maxPayload: o.maxPayload } : {}) });
  const requests: http.IncomingMessage[] = [];
  srv.on('upgrade', (req, sock, head) => {
    requests.push(req);
    if (o.handler) return; // refused by the handler below
    wss.handleUpgrade(req, sock, head, (ws) => wss.emit('connection', ws, req));
  });
  if (o.handler) {
    srv.removeAllListeners('upgrade');
    srv.on('upgrade', (req, sock) => {
      requests.push(req);
      // Answer the upgrade as a plain request would be: through the handler, on the raw socket.
      const res = new http.ServerResponse(req);
      res.assignSocket(sock as net.Socket);
      res.on('finish', () => sock.end());
      o.handler!(req, res);
    });
  }
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(srv.address() as AddressInfo).port}/agent`, wss, requests,
    close: async () => {
      for (const c of wss.clients) c.terminate();
      srv.closeAllConnections();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
    },
  };
}

const next = <T extends unknown[]>(em: { once(e: string, f: (...a: T) => void): unknown }, event: string) => new Promise<T>((resolve) => em.once(event, (...a: T) => resolve(a)));
const open = (ws: AgentSocket) => new Promise<void>((resolve, reject) => {
  ws.once('open', () => resolve());
  ws.once('close', (code: number) => reject(new Error(`closed ${code} before opening`)));
});

test('sha1 is SHA-1 (the handshake\'s accept key, RFC 6455\'s example)', () => {
  assert.equal(sha1(Buffer.from('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11')).toString('base64'), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  assert.equal(sha1(Buffer.from('')).toString('hex'), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  assert.equal(sha1(Buffer.from('x'.repeat(1000))).toString('hex'), execFileSync('sha1sum', { input: 'x'.repeat(1000), encoding: 'utf8' }).split(' ')[0]);
});

test('masking (32 bits at a time where aligned) gives what byte-by-byte XOR gives, for any length, mask and alignment', () => {
  for (const n of [0, 1, 3, 4, 5, 7, 8, 125, 126, 1023, 65535, 65536, 70_001]) {
    for (let skew = 0; skew < 4; skew++) {
      for (let at = 6; at < 10; at++) {
        const src = randomBytes(n + skew);
        const payload = src.subarray(skew); // a view at any offset, as a read's buffer may be
        const mask = randomBytes(4);
        const out = Buffer.alloc(at + n + 3, 0xee);
        maskInto(out, at, payload, mask);
        const want = Buffer.from(payload.map((b, i) => b ^ mask[i & 3]!));
        assert.ok(out.subarray(at, at + n).equals(want), `length ${n}, payload offset ${skew}, at ${at}`);
        assert.ok(out.subarray(0, at).every((b) => b === 0xee) && out.subarray(at + n).every((b) => b === 0xee), 'nothing outside written');
      }
    }
  }
});

test("messages both ways, fragments, pings and the closing handshake, against the ws package's server", async () => {
  const s = await server();
  try {
    const conn = next<[ServerSocket]>(s.wss, 'connection');
    const ws = dial({ endpoint: new URL(s.url), name: 'agent-1', secret: 's3cr3t' });
    await open(ws);
    assert.equal(ws.readyState, OPEN);
    const [peer] = await conn;
    const req = s.requests[0]!;
    assert.equal(req.headers.authorization, 'Bearer s3cr3t');
    assert.equal(req.headers[HEADER_AGENT_NAME], 'agent-1');
    assert.equal(req.headers[HEADER_PROTOCOL], String(PROTOCOL_VERSION));
    assert.equal(req.url, '/agent', 'nothing but the path in the URL');

    // Agent → server: text and binary, small and past the 16- and 64-bit length forms.
    const got: [Buffer, boolean][] = [];
    peer.on('message', (d: Buffer, isBinary: boolean) => got.push([d, isBinary]));
    const big = Buffer.alloc(70_000 * 2, 7);
    ws.send('{"type":"hello"}');
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    ws.send(big, { binary: true });
    for (let i = 0; i < 100 && got.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got.map(([d, b]) => [d.length, b]), [[16, false], [3, true], [big.length, true]]);
    assert.equal(got[0]![0].toString(), '{"type":"hello"}');
    assert.ok(got[2]![0].equals(big));
    // Random bytes at odd offsets and lengths, as the server unmasks them.
    const odd = [70_001, 65_536, 127, 5].map((n, k) => randomBytes(n + k).subarray(k));
    for (const b of odd) ws.send(b, { binary: true });
    for (let i = 0; i < 100 && got.length < 3 + odd.length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(got.slice(3).map(([d]) => d.length), odd.map((b) => b.length));
    for (const [k, b] of odd.entries()) assert.ok(got[3 + k]![0].equals(b), `message ${k} arrives as sent`);

    // Server → agent: a message in three fragments, a big one, a ping (answered by a pong).
    const msgs: [Buffer, boolean][] = [];
    ws.on('message', (d: Buffer, isBinary: boolean) => msgs.push([d, isBinary]));
    peer.send('ab', { fin: false });
    peer.send('cd', { fin: false });
    peer.send('é', { fin: true });
    peer.send(big, { binary: true });
    const pong = next(peer, 'pong');
    peer.ping();
    await pong;
    for (let i = 0; i < 100 && msgs.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(msgs.map(([d, b]) => [d.toString('utf8').slice(0, 5), b]), [['abcdé', false], [big.toString('utf8').slice(0, 5), true]]);
    // And our ping gets the server's pong.
    const ours = next(ws, 'pong');
    ws.ping();
    await ours;

    // The closing handshake: the server hears our code and reason, we get its answer.
    const peerClosed = next<[number, Buffer]>(peer, 'close');
    const closed = next<[number, Buffer]>(ws, 'close');
    ws.close(4001, 'going for a walk');
    const [code, reason] = await peerClosed;
    assert.deepEqual([code, reason.toString()], [4001, 'going for a walk']);
    assert.equal((await closed)[0], 4001);
  } finally {
    await s.close();
  }
});

test('the server closing, and a message over the limit (closed 1009, as ws does)', async () => {
  const s = await server();
  try {
    let conn = next<[ServerSocket]>(s.wss, 'connection');
    let ws = dial({ endpoint: new URL(s.url), name: 'a', secret: 'x' });
    await open(ws);
    let peer = (await conn)[0];
    let closed = next<[number, Buffer]>(ws, 'close');
    peer.close(1001, 'controller stopping');
    const [code, reason] = await closed;
    assert.deepEqual([code, reason.toString()], [1001, 'controller stopping']);

    conn = next<[ServerSocket]>(s.wss, 'connection');
    ws = dial({ endpoint: new URL(s.url), name: 'a', secret: 'x', maxPayload: 1000 });
    const errors: Error[] = [];
    ws.on('error', (e: Error) => errors.push(e));
    await open(ws);
    peer = (await conn)[0];
    const peerClosed = next<[number]>(peer, 'close');
    closed = next<[number, Buffer]>(ws, 'close');
    peer.send(Buffer.alloc(2000), { binary: true });
    assert.equal((await closed)[0], 1009);
    assert.equal((await peerClosed)[0], 1009);
    assert.match(errors.map((e) => (e as Error & { code?: string }).code).join(), /WS_ERR_UNSUPPORTED_MESSAGE_LENGTH/);
  } finally {
    await s.close();
  }
});

test('an HTTP answer instead of the upgrade is reported with its status and body, chunked or not', async () => {
  for (const chunked of [false, true]) {
    const s = await server({
      handler: (_req, res) => {
        res.statusCode = 401;
        if (chunked) { res.write('wrong '); res.end('secret\n'); } else res.end('wrong secret\n');
      },
    });
    try {
      const ws = dial({ endpoint: new URL(s.url), name: 'a', secret: 'x' });
      ws.on('error', () => {});
      const refused = next<[number, string]>(ws, 'refused');
      const closed = next(ws, 'close');
      const [status, body] = await refused;
      assert.deepEqual([status, body], [401, 'wrong secret\n'], `chunked: ${chunked}`);
      await closed;
    } finally {
      await s.close();
    }
  }
});

test('a secret with a line break is refused before anything is sent; a refused port is ECONNREFUSED', async () => {
  const s = await server();
  try {
    const ws = dial({ endpoint: new URL(s.url), name: 'a', secret: 'x\r\nX-Injected: yes' });
    const [err] = await next<[Error & { code?: string }]>(ws, 'error');
    assert.equal(err.code, 'ERR_INVALID_CHAR');
    assert.doesNotMatch(err.message, /Injected/, 'the secret is not repeated');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(s.requests.length, 0);
  } finally {
    await s.close();
  }
  const port = await new Promise<number>((resolve) => { const t = net.createServer().listen(0, '127.0.0.1', () => { const p = (t.address() as AddressInfo).port; t.close(() => resolve(p)); }); });
  const ws = dial({ endpoint: new URL(`ws://127.0.0.1:${port}/agent`), name: 'a', secret: 'x' });
  const [err] = await next<[Error & { code?: string }]>(ws, 'error');
  assert.equal(err.code, 'ECONNREFUSED');
});

test('wss: an untrusted certificate fails with the TLS error code; trusted (NODE_EXTRA_CA_CERTS), messages go both ways', async () => {
  const dir = tempDir('transport-tls');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  const srv = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) });
  const wss = new WebSocketServer({ server: srv });
  wss.on('connection', (peer) => peer.on('message', (d: Buffer) => peer.send(`echo ${d.toString()}`)));
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const url = `wss://localhost:${(srv.address() as AddressInfo).port}/agent`;
  try {
    const ws = dial({ endpoint: new URL(url), name: 'a', secret: 'x' });
    const [err] = await next<[Error & { code?: string }]>(ws, 'error');
    assert.equal(err.code, 'DEPTH_ZERO_SELF_SIGNED_CERT');
    // Trusted the way an operator trusts a private CA: in a process started with NODE_EXTRA_CA_CERTS.
    const script = `import { dial } from ${JSON.stringify(path.resolve(import.meta.dirname, '../../src/agent/transport.ts'))};
const ws = dial({ endpoint: new URL(${JSON.stringify(url)}), name: 'a', secret: 'x' });
ws.on('error', (e) => { console.log('error', e.code); process.exit(1); });
ws.on('open', () => ws.send('over tls'));
ws.on('message', (d) => { console.log(d.toString()); ws.close(1000, 'done'); });
ws.on('close', () => process.exit(0));`;
    const out = await new Promise<string>((resolve) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(dir, 'cert.pem') }, timeout: 20_000 }, (_e, stdout) => resolve(stdout));
    });
    assert.equal(out, 'echo over tls\n');
  } finally {
    for (const c of wss.clients) c.terminate();
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
});
