// A scripted agent that speaks the real protocol (hello, sequenced frames, acks through the
// real Link and codec) but answers requests however a test tells it to: the hostile agent of
// the security tests. By default it behaves: allocate, stat, readFile, writeFile, glob, exec
// and release get plausible answers, so a test only overrides what it attacks.
import { WebSocket } from 'ws';
import { Link } from '../../src/protocol/link.ts';
import { controllerDecoder } from '../../src/protocol/codec.ts';
import {
  HEADER_AGENT_NAME, HEADER_PROTOCOL, PROTOCOL_VERSION, type ControllerMessage,
} from '../../src/protocol/messages.ts';

export type Req = Extract<ControllerMessage, { seq: number }>;

export interface FakeAgent {
  ws: WebSocket;
  link: Link;
  /** Requests received, in order. */
  requests: Req[];
  /** Sends a sequenced message (seq and ack filled in by the link). */
  send(msg: { type: string } & Record<string, unknown>, data?: Buffer): number;
  /** Resolves with the close code and reason once the controller closes the connection. */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export interface FakeAgentOptions {
  labels?: string[];
  /** Answers one request; return true when it answered (or chose silence), false for the default answer. */
  answer?: (req: Req, agent: FakeAgent) => boolean | Promise<boolean>;
  /** Files readFile answers with (by absolute path); others: 'content of <path>'. */
  files?: Record<string, Buffer | string>;
  /** What glob answers. */
  glob?: string[];
}

export const FAKE_ROOT = '/fake/ws';

/** Connects to `url` (http://host:port) as agent `name` with `secret`; resolves after the welcome. */
export async function connectFakeAgent(url: string, name: string, secret: string, o: FakeAgentOptions = {}): Promise<FakeAgent> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws').replace(/\/$/, '')}/agent`, {
    headers: { authorization: `Bearer ${secret}`, [HEADER_AGENT_NAME]: name, [HEADER_PROTOCOL]: String(PROTOCOL_VERSION) },
    maxPayload: 64 * 1024 * 1024,
  });
  const link = new Link();
  const decoder = controllerDecoder();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
  ws.on('error', () => {});
  const agent: FakeAgent = {
    ws, link, requests: [], closed,
    send: (msg, data) => link.send(msg, data),
    close: () => ws.terminate(),
  };
  const respond = async (req: Req) => {
    if (o.answer && await o.answer(req, agent)) return;
    if (req.type === 'discard') return;
    const id = req.id;
    switch (req.type) {
      case 'allocate':
        agent.send({ type: 'allocated', id, root: FAKE_ROOT, tmp: `${FAKE_ROOT}@tmp`, nodeName: name, nodeLabels: [name, ...(o.labels ?? [])], hasContainers: false, isUnix: true });
        return;
      case 'stat':
        agent.send({ type: 'fileStat', id, stat: { type: 'file', size: 1, mode: 0o644 } });
        return;
      case 'readFile': {
        const f = o.files?.[req.path];
        const data = f === undefined ? Buffer.from(`content of ${req.path}`) : Buffer.isBuffer(f) ? f : Buffer.from(f);
        agent.send({ type: 'chunk', id, last: true }, data);
        agent.send({ type: 'fileRead', id, size: data.length });
        return;
      }
      case 'glob':
        agent.send({ type: 'globbed', id, files: o.glob ?? [] });
        return;
      case 'exec':
        agent.send({ type: 'exited', id, exitCode: 0, signal: null, aborted: false, chunks: 0 });
        return;
      case 'writeFile': case 'mkdir': case 'remove': case 'release':
        agent.send({ type: 'done', id });
        return;
      default:
        return; // abort, chunk: nothing to answer
    }
  };
  let welcomed: (() => void) | null = null;
  const welcome = new Promise<void>((resolve, reject) => {
    welcomed = resolve;
    ws.once('unexpected-response', (_req, res) => reject(new Error(`agent '${name}' refused: HTTP ${res.statusCode}`)));
    void closed.then((c) => reject(new Error(`agent '${name}' closed before the welcome: ${c.code} ${c.reason}`)));
  });
  ws.on('message', (raw: Buffer, isBinary: boolean) => {
    const { msg } = decoder.decode(raw, isBinary);
    if (msg.type === 'welcome') {
      link.attach({ send: (frame, binary) => ws.send(frame, { binary }) }, msg.received);
      welcomed?.();
      return;
    }
    if (msg.type === 'ack') {
      link.acknowledged(msg.ack);
      return;
    }
    if (!link.receive(msg.seq, msg.ack, raw.length)) return;
    agent.requests.push(msg);
    if (msg.type === 'chunk') return;
    void respond(msg);
  });
  ws.once('open', () => {
    ws.send(JSON.stringify({
      type: 'hello', protocol: PROTOCOL_VERSION, name, labels: o.labels ?? [], executors: 1, os: 'linux', arch: 'x64',
      hostname: 'fake', nodeVersion: process.version, kilnVersion: 'test', workdir: '/fake', session: null, received: 0,
    }));
  });
  await welcome;
  return agent;
}
