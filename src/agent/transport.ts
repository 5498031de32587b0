// The agent's connection to the controller: a WebSocket dialled to `ws(s)://host/agent` with
// the agent's name, secret and protocol version in the upgrade request, or the protocol's frames
// over a byte stream (`kiln agent --stdio`, protocol/stream.ts).
//
// Why a WebSocket client of our own: the agent runs in every build pod, so what it loads is paid
// once per pod. The `ws` package loads node:http, node:https, node:tls and node:zlib, and Node's
// built-in WebSocket (undici) more still; measured on Node 24 with one open connection, a process
// with `ws` sits at 56.8 MB RSS, with the built-in WebSocket at 61.4 MB, and with a client over
// node:net at 47.9 MB (51.0 MB once node:tls is loaded too, which happens only for wss:). The
// agent needs a small part of RFC 6455: one client connection, no extensions, no subprotocols.
//
// How: `dial()` opens a TCP connection (TLS for wss:, node:tls imported then), writes the upgrade
// request (Host, Upgrade, Sec-WebSocket-Key/Version, and the agent's Authorization, name and
// protocol version: the secret travels only in that header, never in the URL), and checks the
// 101 answer (Sec-WebSocket-Accept). It returns at once a socket shaped like the `ws` WebSocket
// the rest of the agent was written against: events 'open', 'message' (Buffer, isBinary),
// 'ping', 'pong', 'close' (code, reason Buffer; 1006 when the connection just ended), 'error';
// send, ping, close, terminate, readyState. When the controller (or a proxy) answers the upgrade
// with another HTTP status, it emits 'refused' (status, the first 4 KiB of the body, de-chunked)
// and then 'close'. Frames the agent sends are masked (RFC 6455 5.3); frames received are
// checked: unmasked, known opcodes, control frames small and unfragmented, text valid UTF-8,
// a message at most MAX_FRAME_BYTES (else close 1002, 1007 or 1009, as `ws` does). A ping is
// answered with a pong at once, whatever the application is doing. Neither node:crypto nor Web
// Crypto (OpenSSL's start costs every agent megabytes): random bytes come from agent/random.ts
// (the kernel's CSPRNG) and the accept key's SHA-1 is computed below.

import type { Socket } from 'node:net';
import type { EventEmitter as Emitter } from 'node:events';
// Builtins through process.getBuiltinModule, not ESM imports: see util/fs-async.ts.
const { EventEmitter } = process.getBuiltinModule('node:events');
const net = process.getBuiltinModule('node:net');
const { isUtf8 } = process.getBuiltinModule('node:buffer');
import type { Readable, Writable } from 'node:stream';
import { StreamSocket } from '../protocol/stream.ts';
import { HEADER_AGENT_NAME, HEADER_PROTOCOL, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../protocol/messages.ts';
import { KilnError } from '../core/errors.ts';
import { randomBytes } from './random.ts';

/** The connection as agent.ts uses it (the subset of the `ws` WebSocket it needs). */
export interface AgentSocket extends Emitter {
  readonly readyState: number;
  send(data: Buffer | string, options?: { binary?: boolean }): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** readyState values, as the WebSocket API has them. */
export const CONNECTING = 0;
export const OPEN = 1;
export const CLOSING = 2;
export const CLOSED = 3;

const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Most bytes of the 101 answer's head; a longer one is not a WebSocket server. */
const MAX_HEAD_BYTES = 16 * 1024;
/** Most bytes of a refusal's body kept (describeHttpRefusal quotes its first line). */
const MAX_BODY_BYTES = 4096;
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export interface DialOptions {
  endpoint: URL;
  name: string;
  secret: string;
  /** Default MAX_FRAME_BYTES. */
  maxPayload?: number;
  /** Default 10 s. */
  handshakeTimeoutMs?: number;
}

/** Opens the WebSocket to the controller's agent endpoint. */
export function dial(o: DialOptions): AgentSocket {
  return new ClientSocket(o);
}

/** The protocol over a byte stream (stdio, a relayed Unix socket). */
export function overStream(input: Readable, output: Writable): AgentSocket {
  return new StreamSocket(input, output) as unknown as AgentSocket;
}

/** The controller's (or a proxy's) side broke RFC 6455: `code` as the `ws` package names it, `closeCode` what we close with. */
class ProtocolError extends KilnError {
  readonly code: string;
  readonly closeCode: number;
  constructor(message: string, closeCode: number, code: string) {
    super('protocol.violation', message);
    this.closeCode = closeCode;
    this.code = code;
  }
}

class ClientSocket extends EventEmitter implements AgentSocket {
  readyState = CONNECTING;
  #sock: Socket | null = null;
  #key = randomBytes(16).toString('base64');
  #maxPayload: number;
  #buf: Buffer = Buffer.alloc(0);
  /** Before the 101: the answer's head so far; after a refusal: its body. */
  #handshake = true;
  #refusal: { status: number; chunked: boolean; length: number; body: Buffer } | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** A fragmented message being assembled. */
  #parts: Buffer[] = [];
  #partsBytes = 0;
  #partsBinary = false;
  #closeSent = false;
  #closeCode = 1006;
  #closeReason = '';
  #closedEmitted = false;
  /** A protocol error was found: what arrives after it is not read. */
  #dead = false;

  constructor(o: DialOptions) {
    super();
    this.#maxPayload = o.maxPayload ?? MAX_FRAME_BYTES;
    const u = o.endpoint;
    const secure = u.protocol === 'wss:';
    const port = Number(u.port) || (secure ? 443 : 80);
    const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
    const request = [
      `GET ${u.pathname}${u.search} HTTP/1.1`,
      `Host: ${u.host}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${this.#key}`,
      'Sec-WebSocket-Version: 13',
      `Authorization: Bearer ${o.secret}`,
      `${HEADER_AGENT_NAME}: ${o.name}`,
      `${HEADER_PROTOCOL}: ${PROTOCOL_VERSION}`,
      '', '',
    ].join('\r\n');
    if (/[^\t\x20-\x7e]/.test(o.secret) || /[^\t\x20-\x7e]/.test(o.name)) {
      // What an HTTP header cannot carry (a line break would even add headers of its own).
      process.nextTick(() => this.#fail(Object.assign(new Error('the secret or the agent name holds characters an HTTP header cannot carry (control characters or non-ASCII)'), { code: 'ERR_INVALID_CHAR' })));
      return;
    }
    const timeoutMs = o.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS;
    this.#timer = setTimeout(() => {
      this.#fail(Object.assign(new Error('Opening handshake has timed out'), { code: 'ETIMEDOUT_HANDSHAKE' }));
    }, timeoutMs);
    const attach = (sock: Socket, event: string) => {
      this.#sock = sock;
      sock.setNoDelay(true);
      sock.on('error', (err) => this.#fail(err));
      sock.on('close', () => this.#ended());
      sock.on('data', (chunk: Buffer) => this.#data(chunk));
      sock.once(event, () => sock.write(request));
    };
    if (!secure) {
      attach(net.connect({ host, port }), 'connect');
    } else {
      // node:tls only for wss: (its weight is paid by those agents alone).
      import('node:tls').then((tls) => {
        if (this.readyState !== CONNECTING) return;
        attach(tls.connect({ host, port, ALPNProtocols: ['http/1.1'], ...(net.isIP(host) ? {} : { servername: host }) }), 'secureConnect');
      }, (err: Error) => this.#fail(err));
    }
  }

  send(data: Buffer | string, options: { binary?: boolean } = {}): void {
    if (this.readyState !== OPEN) return;
    const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.#frame(options.binary ? 0x2 : 0x1, payload);
  }

  ping(): void {
    if (this.readyState !== OPEN) throw new Error('WebSocket is not open');
    this.#frame(0x9, Buffer.alloc(0));
  }

  /** Sends a close frame; 'close' follows when the controller closes too (or after 1 s). */
  close(code = 1000, reason = ''): void {
    if (this.readyState === CLOSED) return;
    if (this.readyState === CONNECTING) {
      this.#closeCode = 1006;
      this.terminate();
      return;
    }
    if (this.#closeSent) return;
    this.readyState = CLOSING;
    this.#closeSent = true;
    this.#closeCode = code;
    this.#closeReason = reason;
    const r = Buffer.from(reason, 'utf8').subarray(0, 123);
    const p = Buffer.allocUnsafe(2 + r.length);
    p.writeUInt16BE(code, 0);
    r.copy(p, 2);
    this.#frame(0x8, p, true);
    const t = setTimeout(() => this.#sock?.destroy(), 1000);
    t.unref();
    this.once('close', () => clearTimeout(t));
  }

  /** Ends at once, without a closing handshake. */
  terminate(): void {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSING;
    if (this.#sock) this.#sock.destroy();
    else this.#ended();
  }

  #frame(opcode: number, payload: Buffer, force = false): void {
    const sock = this.#sock;
    if (!sock || sock.destroyed || (this.readyState !== OPEN && !force)) return;
    const n = payload.length;
    const headLen = n < 126 ? 2 : n < 65536 ? 4 : 10;
    const out = Buffer.allocUnsafe(headLen + 4 + n);
    out[0] = 0x80 | opcode;
    if (n < 126) out[1] = 0x80 | n;
    else if (n < 65536) { out[1] = 0x80 | 126; out.writeUInt16BE(n, 2); }
    else { out[1] = 0x80 | 127; out.writeUInt32BE(Math.floor(n / 0x100000000), 2); out.writeUInt32BE(n >>> 0, 6); }
    const mask = out.subarray(headLen, headLen + 4);
    randomBytes(4, mask);
    const at = headLen + 4;
    maskInto(out, at, payload, mask);
    sock.write(out);
  }

  #data(chunk: Buffer): void {
    if (this.#dead) return;
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    try {
      if (this.#refusal) return this.#refusalBody();
      if (this.#handshake && !this.#head()) return;
      this.#frames();
    } catch (e) {
      const err = e as ProtocolError;
      this.emit('error', err);
      if (this.readyState === OPEN) {
        // As `ws` does: say why in a close frame, read nothing more, report that code.
        this.close(err.closeCode ?? 1002, err.message);
        this.#closeCode = err.closeCode ?? 1002;
        this.#buf = Buffer.alloc(0);
        this.#dead = true;
      } else {
        this.terminate();
      }
    }
  }

  /** Reads the answer's head; true once the connection is a WebSocket. */
  #head(): boolean {
    const end = this.#buf.indexOf('\r\n\r\n');
    if (end < 0) {
      if (this.#buf.length > MAX_HEAD_BYTES) throw new ProtocolError('the server answered with an HTTP head over 16 KiB', 1002, 'WS_ERR_HEAD');
      return false;
    }
    const lines = this.#buf.subarray(0, end).toString('latin1').split('\r\n');
    this.#buf = this.#buf.subarray(end + 4);
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
    if (!status) throw new ProtocolError(`the server did not answer in HTTP: '${(lines[0] ?? '').slice(0, 80)}'`, 1002, 'WS_ERR_HEAD');
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
    }
    const code = Number(status[1]);
    if (code !== 101) {
      const length = Number(headers.get('content-length') ?? -1);
      this.#refusal = { status: code, chunked: /chunked/i.test(headers.get('transfer-encoding') ?? ''), length: Number.isFinite(length) ? length : -1, body: Buffer.alloc(0) };
      this.#refusalBody();
      return false;
    }
    const accept = sha1(Buffer.from(this.#key + GUID, 'latin1')).toString('base64');
    if ((headers.get('upgrade') ?? '').toLowerCase() !== 'websocket') throw new ProtocolError('Invalid Upgrade header', 1002, 'WS_ERR_HANDSHAKE');
    if (headers.get('sec-websocket-accept') !== accept) throw new ProtocolError('Invalid Sec-WebSocket-Accept header', 1002, 'WS_ERR_HANDSHAKE');
    if (headers.has('sec-websocket-extensions')) throw new ProtocolError('Server sent a Sec-WebSocket-Extensions header but no extension was requested', 1002, 'WS_ERR_HANDSHAKE');
    this.#handshake = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.readyState = OPEN;
    this.emit('open');
    return this.readyState === OPEN;
  }

  /** Collects a refusal's body (up to 4 KiB, or its end), then reports it and ends. */
  #refusalBody(): void {
    const r = this.#refusal!;
    r.body = Buffer.concat([r.body, this.#buf]);
    this.#buf = Buffer.alloc(0);
    const complete = r.length >= 0 ? r.body.length >= r.length : r.chunked ? r.body.includes('\r\n0\r\n') || r.body.subarray(0, 3).toString() === '0\r\n' : false;
    if (complete || r.body.length >= MAX_BODY_BYTES) this.#refused();
  }

  #refused(): void {
    const r = this.#refusal;
    if (!r || this.readyState === CLOSED) return;
    this.#refusal = null;
    let body = r.body;
    if (r.chunked) {
      const parts: Buffer[] = [];
      let at = 0;
      while (at < body.length) {
        const eol = body.indexOf('\r\n', at);
        if (eol < 0) break;
        const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
        if (!(size > 0)) break;
        parts.push(body.subarray(eol + 2, Math.min(body.length, eol + 2 + size)));
        at = eol + 2 + size + 2;
      }
      body = Buffer.concat(parts);
    } else if (r.length >= 0) {
      body = body.subarray(0, r.length);
    }
    if (this.#timer) clearTimeout(this.#timer);
    this.emit('refused', r.status, body.subarray(0, MAX_BODY_BYTES).toString('utf8'));
    this.terminate();
  }

  #frames(): void {
    while (this.#buf.length >= 2 && this.readyState !== CLOSED) {
      const b0 = this.#buf[0]!;
      const b1 = this.#buf[1]!;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x70) !== 0) throw new ProtocolError('RSV1, RSV2 or RSV3 set', 1002, 'WS_ERR_UNEXPECTED_RSV');
      if ((b1 & 0x80) !== 0) throw new ProtocolError('a frame from the server is masked', 1002, 'WS_ERR_UNEXPECTED_MASK');
      let len = b1 & 0x7f;
      let at = 2;
      if (len === 126) {
        if (this.#buf.length < 4) return;
        len = this.#buf.readUInt16BE(2);
        at = 4;
      } else if (len === 127) {
        if (this.#buf.length < 10) return;
        const high = this.#buf.readUInt32BE(2);
        if (high > 0x1fffff) throw new ProtocolError('Unsupported WebSocket frame: payload length > 2^53 - 1', 1009, 'WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH');
        len = high * 0x100000000 + this.#buf.readUInt32BE(6);
        at = 10;
      }
      const control = opcode >= 0x8;
      if (control) {
        if (opcode !== 0x8 && opcode !== 0x9 && opcode !== 0xa) throw new ProtocolError(`Invalid opcode ${opcode}`, 1002, 'WS_ERR_INVALID_OPCODE');
        if (!fin) throw new ProtocolError('FIN must be set on a control frame', 1002, 'WS_ERR_EXPECTED_FIN');
        if (len > 125) throw new ProtocolError('a control frame over 125 bytes', 1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH');
      } else {
        if (opcode !== 0x0 && opcode !== 0x1 && opcode !== 0x2) throw new ProtocolError(`Invalid opcode ${opcode}`, 1002, 'WS_ERR_INVALID_OPCODE');
        if (opcode === 0x0 && this.#parts.length === 0) throw new ProtocolError('a continuation frame with no message to continue', 1002, 'WS_ERR_INVALID_OPCODE');
        if (opcode !== 0x0 && this.#parts.length > 0) throw new ProtocolError('a new message before the last one ended', 1002, 'WS_ERR_INVALID_OPCODE');
        if (this.#partsBytes + len > this.#maxPayload) throw new ProtocolError('Max payload size exceeded', 1009, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
      }
      if (this.#buf.length < at + len) return;
      const payload = this.#buf.subarray(at, at + len);
      this.#buf = this.#buf.subarray(at + len);
      if (control) {
        this.#control(opcode, payload);
        continue;
      }
      if (opcode !== 0x0) this.#partsBinary = opcode === 0x2;
      this.#parts.push(payload);
      this.#partsBytes += len;
      if (!fin) continue;
      const message = this.#parts.length === 1 ? Buffer.from(this.#parts[0]!) : Buffer.concat(this.#parts);
      const binary = this.#partsBinary;
      this.#parts = [];
      this.#partsBytes = 0;
      if (!binary && !isUtf8(message)) throw new ProtocolError('Invalid UTF-8 sequence', 1007, 'WS_ERR_INVALID_UTF8');
      if (this.readyState === OPEN) this.emit('message', message, binary);
    }
  }

  #control(opcode: number, payload: Buffer): void {
    if (opcode === 0x9) {
      this.#frame(0xa, payload);
      this.emit('ping', Buffer.from(payload));
      return;
    }
    if (opcode === 0xa) {
      this.emit('pong', Buffer.from(payload));
      return;
    }
    // Close: answer it (unless we began the closing), then the TCP connection ends.
    if (payload.length === 1) throw new ProtocolError('Invalid close frame payload length', 1002, 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH');
    const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    const reason = payload.subarray(2);
    if (!isUtf8(reason)) throw new ProtocolError('Invalid UTF-8 sequence', 1007, 'WS_ERR_INVALID_UTF8');
    this.#closeCode = code;
    this.#closeReason = reason.toString('utf8');
    if (!this.#closeSent) {
      this.#closeSent = true;
      this.#frame(0x8, payload.subarray(0, 2), true);
    }
    this.readyState = CLOSING;
    this.#buf = Buffer.alloc(0);
    this.#sock?.end();
    const t = setTimeout(() => this.#sock?.destroy(), 1000);
    t.unref();
    this.once('close', () => clearTimeout(t));
  }

  #fail(err: Error): void {
    if (this.readyState === CLOSED) return;
    this.emit('error', err);
    this.terminate();
  }

  #ended(): void {
    if (this.#closedEmitted) return;
    if (this.#refusal) this.#refused(); // the body ended with the connection
    if (this.#closedEmitted) return;
    this.#closedEmitted = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.readyState = CLOSED;
    this.emit('close', this.#closeCode, Buffer.from(this.#closeReason, 'utf8'));
  }
}

/** SHA-1 (FIPS 180-4) of a short input: only the handshake's accept key needs it. */
export function sha1(data: Buffer): Buffer {
  const bitLen = data.length * 8;
  const padded = Buffer.alloc(Math.ceil((data.length + 9) / 64) * 64);
  data.copy(padded);
  padded[data.length] = 0x80;
  padded.writeUInt32BE(Math.floor(bitLen / 0x100000000), padded.length - 8);
  padded.writeUInt32BE(bitLen >>> 0, padded.length - 4);
  let h0 = 0x67452301, h1 = 0xefcdab89, h2 = 0x98badcfe, h3 = 0x10325476, h4 = 0xc3d2e1f0;
  const w = new Uint32Array(80);
  for (let off = 0; off < padded.length; off += 64) {
    for (let i = 0; i < 16; i++) w[i] = padded.readUInt32BE(off + i * 4);
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0, b = h1, c = h2, d = h3, e = h4;
    for (let i = 0; i < 80; i++) {
      const f = i < 20 ? (b & c) | (~b & d) : i < 40 ? b ^ c ^ d : i < 60 ? (b & c) | (b & d) | (c & d) : b ^ c ^ d;
      const k = i < 20 ? 0x5a827999 : i < 40 ? 0x6ed9eba1 : i < 60 ? 0x8f1bbcdc : 0xca62c1d6;
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) >>> 0;
      e = d; d = c; c = (b << 30) | (b >>> 2); b = a; a = t;
    }
    h0 = (h0 + a) >>> 0; h1 = (h1 + b) >>> 0; h2 = (h2 + c) >>> 0; h3 = (h3 + d) >>> 0; h4 = (h4 + e) >>> 0;
  }
  const out = Buffer.alloc(20);
  [h0, h1, h2, h3, h4].forEach((h, i) => out.writeUInt32BE(h, i * 4));
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * `payload` XOR the 4-byte `mask` (RFC 6455 5.3), written into `out` from `at`: copied (memcpy),
 * then masked in place 32 bits at a time from the first 4-byte boundary of `out`'s memory, the
 * mask turned to match; the odd bytes at either end one by one. Byte by byte (as before) this was
 * most of the agent's own CPU per MB of a step's output (bench/README.md, "the log path").
 */
export function maskInto(out: Buffer, at: number, payload: Uint8Array, mask: Uint8Array): void {
  const n = payload.length;
  out.set(payload, at);
  let i = 0;
  if (LITTLE_ENDIAN) {
    const base = out.byteOffset + at;
    for (; i < n && ((base + i) & 3) !== 0; i++) out[at + i] = out[at + i]! ^ mask[i & 3]!;
    const words = (n - i) >>> 2;
    if (words > 0) {
      // The mask as it lines up from byte i: byte i takes mask[i & 3], the word's lowest byte.
      const m = (mask[i & 3]! | (mask[(i + 1) & 3]! << 8) | (mask[(i + 2) & 3]! << 16) | (mask[(i + 3) & 3]! << 24)) | 0;
      const w = new Int32Array(out.buffer, base + i, words);
      for (let k = 0; k < words; k++) w[k] = w[k]! ^ m;
      i += words * 4;
    }
  }
  for (; i < n; i++) out[at + i] = out[at + i]! ^ mask[i & 3]!;
}
