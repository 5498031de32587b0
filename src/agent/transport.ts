// The agent's connection to the controller: a WebSocket dialled to `ws(s)://host/agent` with
// the agent's name, secret and protocol version in the upgrade request, or the protocol's frames
// over a byte stream (`kiln agent --stdio`, protocol/stream.ts).
//
// Why a module of its own: what carries the frames is the agent's heaviest dependency (in
// memory and start-up time, paid once per build pod), and it changes for reasons of its own;
// agent.ts (session, reconnection, requests) only sees an `AgentSocket`.
//
// How: `dial()` returns a socket shaped like the `ws` WebSocket (events 'open', 'message'
// (Buffer, isBinary), 'ping', 'pong', 'close' (code, reason Buffer), 'error'; send, ping,
// close, terminate, readyState). When the controller (or a proxy) answers the upgrade with an
// HTTP status instead, it emits 'refused' (status, the first 4 KiB of the body), after which
// the connection is over (a 'close' may follow or not). The secret travels only in the Authorization header, never in the URL.

import type { EventEmitter } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import type { IncomingMessage, ClientRequest } from 'node:http';
import { WebSocket } from 'ws';
import { StreamSocket } from '../protocol/stream.ts';
import { HEADER_AGENT_NAME, HEADER_PROTOCOL, MAX_FRAME_BYTES, PROTOCOL_VERSION } from '../protocol/messages.ts';

/** The connection as agent.ts uses it (the subset of the `ws` WebSocket it needs). */
export interface AgentSocket extends EventEmitter {
  readonly readyState: number;
  send(data: Buffer | string, options?: { binary?: boolean }): void;
  ping(): void;
  close(code?: number, reason?: string): void;
  terminate(): void;
}

/** readyState of an open socket. */
export const OPEN = 1;

const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface DialOptions {
  endpoint: URL;
  name: string;
  secret: string;
}

/** Opens the WebSocket to the controller's agent endpoint. */
export function dial(o: DialOptions): AgentSocket {
  const ws = new WebSocket(o.endpoint, {
    headers: {
      authorization: `Bearer ${o.secret}`,
      [HEADER_AGENT_NAME]: o.name,
      [HEADER_PROTOCOL]: String(PROTOCOL_VERSION),
    },
    handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
  });
  ws.on('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d: string) => { if (body.length < 4096) body += d; });
    let done = false;
    const end = () => {
      if (done) return;
      done = true;
      ws.emit('refused', res.statusCode ?? 0, body);
      req.destroy();
    };
    res.once('end', end);
    res.once('error', end);
    res.once('close', end);
  });
  return ws as unknown as AgentSocket;
}

/** The protocol over a byte stream (stdio, a relayed Unix socket). */
export function overStream(input: Readable, output: Writable): AgentSocket {
  return new StreamSocket(input, output) as unknown as AgentSocket;
}
