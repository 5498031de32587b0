// Heartbeats: both ends ping, both ends watch for silence.
//
// Why: a TCP connection can die without either end hearing of it (a NAT entry expired, a
// node lost power, a proxy froze). Without traffic, a pending exec would then wait forever.
//
// How: every `intervalMs` each side sends a WebSocket ping (a control frame: the peer's `ws`
// answers with a pong by itself, even while its application is busy reading a big message).
// Any frame received counts as a sign of life. After `timeoutMs` without one the connection is
// declared dead and terminated (no closing handshake: the peer is not listening), which the
// owner sees as an ordinary 'close' and handles like any dropped connection.

import type { EventEmitter } from 'node:events';

/** What heartbeats need of a socket: the `ws` WebSocket, the agent's own (agent/transport.ts), a StreamSocket. */
export interface Pingable extends EventEmitter {
  ping(): void;
  terminate(): void;
}

export const DEFAULT_HEARTBEAT_MS = 10_000;
export const DEFAULT_DEAD_MS = 30_000;

export interface HeartbeatOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Called once when the peer is considered gone (before the socket is terminated). */
  onDead?: (silentMs: number) => void;
}

/** Starts heartbeats on an open socket; returns a function that stops them (also stopped on close). */
export function keepAlive(ws: Pingable, options: HeartbeatOptions): () => void {
  let last = Date.now();
  const alive = () => { last = Date.now(); };
  ws.on('message', alive);
  ws.on('pong', alive);
  ws.on('ping', alive);
  const every = Math.max(10, Math.min(options.intervalMs, options.timeoutMs));
  let lastTick = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    // When this process itself was stalled (a long synchronous task, a paused debugger), frames
    // may be waiting unread: judge silence only on a tick that came on time.
    const stalled = now - lastTick > 2 * every + 100;
    lastTick = now;
    const silent = now - last;
    if (!stalled && silent >= options.timeoutMs) {
      stop();
      options.onDead?.(silent);
      ws.terminate();
      return;
    }
    try {
      ws.ping();
    } catch {
      // not open any more: the close handler cleans up
    }
  }, every);
  timer.unref();
  const stop = () => {
    clearInterval(timer);
    ws.off('message', alive);
    ws.off('pong', alive);
    ws.off('ping', alive);
  };
  ws.once('close', stop);
  return stop;
}
