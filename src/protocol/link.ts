// A session's reliable, ordered delivery of sequenced messages over a series of WebSocket
// connections. Both ends (controller and agent) run one Link per agent session.
//
// Why: a build must survive an agent's connection dropping (a proxy restarting, a laptop's
// Wi-Fi, a half-open TCP connection the heartbeat ended). Requests sent but not yet received,
// exec output produced while nobody listened, results in flight: none may be lost or
// applied twice. Making delivery reliable once, below the requests, means no request kind
// needs its own resume logic.
//
// How: every sequenced message gets the next `seq` of the session and carries `ack`, the last
// seq received from the peer (piggybacked; a standalone `ack` message goes out when nothing
// else does, after a short delay or a burst of messages). The sender keeps each frame until
// the peer's ack covers it. After a reconnect, the handshake tells each side the last seq the
// other received (`received` in hello and welcome); `attach` drops what that covers and sends
// the rest again, in order, before anything new. The receiver ignores a seq it already has and
// refuses a gap. Frames are kept encoded, so a replay costs no re-encoding (their stale `ack`
// is harmless: acks only ever move forward).

import { CloseCode } from './messages.ts';
import { ProtocolViolation, encode } from './codec.ts';

export interface LinkTransport {
  send(frame: Buffer | string, binary: boolean): void;
}

export interface LinkOptions {
  /** Delay before a standalone ack when no outgoing message carried one. Default 20 ms. */
  ackDelayMs?: number;
  /** Send a standalone ack at once after this many unacknowledged messages. Default 64. */
  ackEvery?: number;
  /** ... or after this many unacknowledged bytes. Default 256 KiB. */
  ackBytes?: number;
}

interface Kept {
  seq: number;
  frame: Buffer | string;
  binary: boolean;
  bytes: number;
}

/** What an acknowledged slot of the kept frames holds until the array is compacted. */
const FORGOTTEN: Kept = { seq: 0, frame: '', binary: false, bytes: 0 };

export class Link {
  #nextSeq = 1;
  /** Last seq received, in order, from the peer. */
  #received = 0;
  /** Last ack value the peer has been told. */
  #ackSent = 0;
  #bytesSinceAck = 0;
  /** Sent frames not yet acknowledged, oldest first, from index #head. */
  #kept: Kept[] = [];
  #head = 0;
  #keptBytes = 0;
  #closed = false;
  #transport: LinkTransport | null = null;
  #ackTimer: NodeJS.Timeout | null = null;
  /** Called whenever acknowledged frames are dropped, and on close (see whenPendingAtMost). */
  readonly #drainWaiters = new Set<() => void>();
  readonly #ackDelayMs: number;
  readonly #ackEvery: number;
  readonly #ackBytes: number;

  constructor(options: LinkOptions = {}) {
    this.#ackDelayMs = options.ackDelayMs ?? 20;
    this.#ackEvery = options.ackEvery ?? 64;
    this.#ackBytes = options.ackBytes ?? 256 * 1024;
  }

  /** Last seq received from the peer (what the handshake reports). */
  get received(): number {
    return this.#received;
  }

  /** Frames and bytes kept for a possible resend. */
  get pending(): { frames: number; bytes: number } {
    return { frames: this.#kept.length - this.#head, bytes: this.#keptBytes };
  }

  get connected(): boolean {
    return this.#transport !== null;
  }

  /**
   * Sends a sequenced message (seq and ack are filled in); with `data` for binary types.
   * Without a connection the message is kept and goes out on the next `attach`.
   */
  send<M extends { type: string }>(msg: M, data?: Buffer): number {
    const seq = this.#nextSeq++;
    const full = { ...msg, seq, ack: this.#received };
    this.#ackSent = this.#received;
    this.#bytesSinceAck = 0;
    this.#clearAckTimer();
    const { frame, binary } = encode(full, data);
    const bytes = typeof frame === 'string' ? frame.length : frame.length;
    this.#kept.push({ seq, frame, binary, bytes });
    this.#keptBytes += bytes;
    this.#transport?.send(frame, binary);
    return seq;
  }

  /**
   * Called for every sequenced message received. Returns true when it is new and must be
   * handled, false for a duplicate (already handled before a reconnect). Throws a
   * ProtocolViolation on a gap or an ack of something never sent.
   */
  receive(seq: number, ack: number, bytes: number): boolean {
    this.acknowledged(ack);
    if (seq <= this.#received) return false;
    if (seq !== this.#received + 1) {
      throw new ProtocolViolation(CloseCode.policy, `message ${seq} arrived out of order (expected ${this.#received + 1})`);
    }
    this.#received = seq;
    this.#bytesSinceAck += bytes;
    if (this.#received - this.#ackSent >= this.#ackEvery || this.#bytesSinceAck >= this.#ackBytes) this.#sendAck();
    else if (!this.#ackTimer && this.#transport) {
      this.#ackTimer = setTimeout(() => { this.#ackTimer = null; this.#sendAck(); }, this.#ackDelayMs);
      this.#ackTimer.unref();
    }
    return true;
  }

  /** The peer has everything up to `ack`: forget it. */
  acknowledged(ack: number): void {
    if (ack >= this.#nextSeq) {
      throw new ProtocolViolation(CloseCode.policy, `acknowledgement of message ${ack}, which was never sent (last ${this.#nextSeq - 1})`);
    }
    while (this.#head < this.#kept.length && this.#kept[this.#head]!.seq <= ack) {
      this.#keptBytes -= this.#kept[this.#head]!.bytes;
      // Dropped at once, not at the next compaction: up to 1024 acknowledged frames of 1 MiB
      // would otherwise stay reachable (a gigabyte of file chunks or output).
      this.#kept[this.#head] = FORGOTTEN;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#kept.length) {
      this.#kept = this.#kept.slice(this.#head);
      this.#head = 0;
    }
    for (const w of [...this.#drainWaiters]) w();
  }

  /**
   * Resolves once the frames kept for the peer (sent, not yet acknowledged) weigh at most
   * `bytes`, or the link is closed. A sender of bulk data (a streamed write) waits on this
   * besides the peer's credit: credit says what the peer may take, acknowledgements what it
   * took, and only the latter frees the controller's memory (a peer that grants credit but does
   * not read its socket would otherwise have the whole file kept here).
   */
  whenPendingAtMost(bytes: number): Promise<void> {
    if (this.#keptBytes <= bytes) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const check = () => {
        if (this.#keptBytes > bytes && !this.#closed) return;
        this.#drainWaiters.delete(check);
        resolve();
      };
      this.#drainWaiters.add(check);
    });
  }

  /**
   * A new connection carries the session on: the peer said it received up to `peerReceived`.
   * Resends, in order, everything after that, then sends new messages as they come.
   */
  attach(transport: LinkTransport, peerReceived: number): void {
    this.acknowledged(peerReceived);
    this.#transport = transport;
    this.#ackSent = this.#received; // the handshake told the peer
    this.#bytesSinceAck = 0;
    for (let i = this.#head; i < this.#kept.length; i++) {
      const k = this.#kept[i]!;
      transport.send(k.frame, k.binary);
    }
  }

  /** The connection is gone; messages are kept until the next attach. */
  detach(): void {
    this.#transport = null;
    this.#clearAckTimer();
  }

  /** Ends the session: forgets everything. */
  close(): void {
    this.detach();
    this.#closed = true;
    this.#kept = [];
    this.#head = 0;
    this.#keptBytes = 0;
    for (const w of [...this.#drainWaiters]) w();
  }

  #sendAck(): void {
    this.#clearAckTimer();
    if (!this.#transport || this.#ackSent === this.#received) return;
    this.#ackSent = this.#received;
    this.#bytesSinceAck = 0;
    this.#transport.send(JSON.stringify({ type: 'ack', ack: this.#received }), false);
  }

  #clearAckTimer(): void {
    if (this.#ackTimer) {
      clearTimeout(this.#ackTimer);
      this.#ackTimer = null;
    }
  }
}
