// StreamSocket: the agent protocol's frames over a plain byte stream (an SSH exec channel's
// stdin/stdout, a Unix socket), shaped like the `ws` WebSocket the hub and the agent already
// use, so neither needs a second code path.
//
// Why: an SSH-launched agent talks to the controller through the channel the controller
// opened, not through a port on the controller. Everything above the frames (hello/welcome,
// sequenced messages, replay after a reconnect, heartbeats) stays exactly the same.
//
// How: each frame is a 4-byte big-endian length, a 1-byte kind and the payload. Kinds: text,
// binary (the codec's frames, unchanged), ping, pong (answered by this class, as `ws` does), and
// close (2-byte code + UTF-8 reason). Events mirror `ws`: 'open' (next tick), 'message'
// (Buffer, isBinary), 'ping', 'pong', 'close' (code, reason Buffer; 1006 when the stream just
// ended), 'error'.

// node:events through process.getBuiltinModule: an ESM import reads its lazy exports (agents load this; util/fs-async.ts).
const { EventEmitter } = process.getBuiltinModule('node:events');
import type { Readable, Writable } from 'node:stream';
import { MAX_FRAME_BYTES } from './messages.ts';

const KIND_TEXT = 0;
const KIND_BINARY = 1;
const KIND_PING = 2;
const KIND_PONG = 3;
const KIND_CLOSE = 4;

export class StreamSocket extends EventEmitter {
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSING = 2;
  readonly CLOSED = 3;
  readyState = 1;
  readonly #in: Readable;
  readonly #out: Writable;
  readonly #maxFrame: number;
  #buf: Buffer = Buffer.alloc(0);
  #closeSent = false;
  #closedEmitted = false;

  constructor(input: Readable, output: Writable, options: { maxFrameBytes?: number } = {}) {
    super();
    this.#in = input;
    this.#out = output;
    this.#maxFrame = (options.maxFrameBytes ?? MAX_FRAME_BYTES) + 1024;
    const onData = (chunk: Buffer) => this.#data(chunk);
    const onEnd = () => this.#finish(1006, 'the stream ended');
    const onErr = (err: Error) => { this.emit('error', err); this.#finish(1006, err.message); };
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('close', onEnd);
    input.on('error', onErr);
    output.on('error', onErr);
    this.once('close', () => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('close', onEnd);
    });
    setImmediate(() => { if (this.readyState === 1) this.emit('open'); });
  }

  send(data: Buffer | string, options: { binary?: boolean } = {}): void {
    const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.#write(options.binary ? KIND_BINARY : KIND_TEXT, payload);
  }

  ping(): void {
    if (this.readyState !== 1) throw new Error('not open');
    this.#write(KIND_PING, Buffer.alloc(0));
  }

  /** Sends a close frame and ends the output; 'close' follows when the peer closes too (or at once if the input already ended). */
  close(code = 1000, reason = ''): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    const r = Buffer.from(reason, 'utf8');
    const p = Buffer.allocUnsafe(2 + r.length);
    p.writeUInt16BE(code, 0);
    r.copy(p, 2);
    this.#write(KIND_CLOSE, p, true);
    this.#closeSent = true;
    const t = setTimeout(() => this.#finish(code, reason), 1000);
    t.unref();
    this.once('close', () => clearTimeout(t));
  }

  /** Ends at once, without a closing handshake. */
  terminate(): void {
    this.#finish(1006, '');
    this.#in.destroy();
    if (this.#out !== (this.#in as unknown)) this.#out.destroy();
  }

  #write(kind: number, payload: Buffer, force = false): void {
    if (this.readyState !== 1 && !force) return;
    if (this.#out.destroyed || this.#out.writableEnded) return;
    const head = Buffer.allocUnsafe(5);
    head.writeUInt32BE(payload.length + 1, 0);
    head.writeUInt8(kind, 4);
    this.#out.write(payload.length < 4096 ? Buffer.concat([head, payload]) : head);
    if (payload.length >= 4096) this.#out.write(payload);
  }

  #data(chunk: Buffer): void {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    while (this.#buf.length >= 5) {
      const len = this.#buf.readUInt32BE(0);
      if (len < 1 || len > this.#maxFrame) {
        this.emit('error', Object.assign(new Error(`bad frame length ${len} on the stream`), { code: 'WS_ERR_STREAM_FRAME' }));
        this.terminate();
        return;
      }
      if (this.#buf.length < 4 + len) return;
      const kind = this.#buf[4]!;
      const payload = this.#buf.subarray(5, 4 + len);
      this.#buf = this.#buf.subarray(4 + len);
      if (this.readyState === 3) return;
      switch (kind) {
        case KIND_TEXT: this.emit('message', Buffer.from(payload), false); break;
        case KIND_BINARY: this.emit('message', Buffer.from(payload), true); break;
        case KIND_PING: this.emit('ping'); this.#write(KIND_PONG, Buffer.alloc(0)); break;
        case KIND_PONG: this.emit('pong'); break;
        case KIND_CLOSE: {
          const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
          const reason = payload.length > 2 ? payload.subarray(2).toString('utf8') : '';
          if (!this.#closeSent) this.close(code, reason);
          this.#finish(code, reason);
          return;
        }
        default:
          this.emit('error', Object.assign(new Error(`unknown frame kind ${kind} on the stream`), { code: 'WS_ERR_STREAM_FRAME' }));
          this.terminate();
          return;
      }
    }
  }

  #finish(code: number, reason: string): void {
    if (this.#closedEmitted) return;
    this.#closedEmitted = true;
    this.readyState = 3;
    try { this.#out.end(); } catch { /* already gone */ }
    this.emit('close', code, Buffer.from(reason, 'utf8'));
  }
}
