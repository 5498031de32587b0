// AgentHub: the controller's end of the agent WebSocket. It accepts connections on `/agent`
// from any Node HTTP server's 'upgrade' event (the controller's Fastify server, a test's bare
// http.Server), authenticates them, runs the handshake, keeps one session per agent name,
// watches heartbeats, and gives the rest of the controller a RemoteBackend per agent plus
// online/offline events.
//
// Authentication happens on the HTTP upgrade, before any WebSocket exists: the agent sends its
// name (`X-Kiln-Agent-Name`), its secret (`Authorization: Bearer`) and its protocol version
// (`X-Kiln-Protocol`). Wrong or missing secret → 401, an agent the controller does not know
// (the `authorize` hook) → 403, another protocol version → 400, each with a plain-text reason
// the agent prints. Then the agent's `hello` starts a session or resumes one:
//
//   - no session for the name, or the agent brings no/another token: a new session ('online').
//     A session still waiting in its grace period for the old process ends at once (that
//     process is gone; its running steps fail now instead of after the grace period).
//   - the agent brings the token of the live session: resumed ('reconnected'); if the old
//     socket still looks open (half-open), it is terminated.
//   - another agent holds the name on a live connection: the newcomer is closed with 4409.
//
// A hello that starts a new session may hand back durable execs (script steps the agent kept
// running across a controller or agent restart): they are checked against the store (`execs`,
// agent_execs) before the welcome; this agent's execs of running builds wait in the session
// for their steps to re-attach (and a restarted agent's new session takes over the old
// session's waiting calls), the others are stopped (`discard`), and a hand-back that names
// another agent's exec or has offsets that make no sense closes that connection.
//
// The hello's labels, executors, host name, OS and so on are the agent's claims: the hub keeps
// them to show (AgentInfo, control characters masked), but never decides with them. Which
// builds an agent gets is the controller's configuration of it (compose.ts, `configuredLabels`).
//
// Any frame that breaks the protocol (bad JSON, wrong schema, unknown type, over 16 MB, an
// answer to a request its session never made, a sequence number out of order or replayed)
// closes that connection with a reason and ends its session; nothing else is affected, since
// request ids and sequence numbers belong to one agent's session and no frame can name
// another's. Floods: frames that carry nothing new (a replayed sequence number, a standalone
// ack that acknowledges nothing new beyond a small allowance) close the connection; at most
// MAX_PENDING_HELLOS connections per agent name may wait for their hello (more: 429); refused
// upgrades are logged, but after the first few per address only every 100th is (with a count),
// so a flood of bad secrets cannot flood the log. A readFile answer larger than maxFileBytes
// fails that call (the controller holds a file in memory while a step uses it).
//
// SSH-launched agents (src/plugins/ssh/) come in through `attachStream`: the same frames
// over the exec channel's stdin/stdout (protocol/stream.ts), no upgrade and no secret.

import { EventEmitter } from 'node:events';
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex, Readable, Writable } from 'node:stream';
import type { LogLine } from '../../util/log.ts';
import { StreamSocket } from '../../protocol/stream.ts';
import { randomUUID } from 'node:crypto';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  AGENT_PATH, CloseCode, HEADER_AGENT_NAME, HEADER_PROTOCOL, MAX_FRAME_BYTES, PROTOCOL_VERSION,
  isValidAgentName, type AgentMessage, type HandedBack, type HelloMessage, type Response, type WelcomeMessage,
} from '../../protocol/messages.ts';
import { ProtocolViolation, agentDecoder, closeReason } from '../../protocol/codec.ts';
import { DEFAULT_DEAD_MS, DEFAULT_HEARTBEAT_MS, keepAlive } from '../../protocol/heartbeat.ts';
import { AgentSession, AgentUnavailableError, printable } from './session.ts';
import { RemoteBackend, type DurableExecRecords } from './workspace.ts';
import { agentCommandLine, agentSecret, verifyAgentSecret, type AgentCommandOptions } from './secret.ts';

export interface AgentHubOptions {
  /** The controller key agent secrets derive from (see secret.ts). */
  key: string | Buffer;
  /** URL path of the endpoint. Default '/agent'. */
  path?: string;
  /** How long a session waits for its agent to come back after a disconnection. Default 60 s. */
  graceMs?: number;
  /** Heartbeat interval, both ways. Default 10 s. */
  heartbeatMs?: number;
  /** Silence after which a connection counts as dead. Default 30 s. */
  timeoutMs?: number;
  /** How long a new connection may take to say hello. Default 10 s. */
  helloTimeoutMs?: number;
  /** Largest frame accepted. Default 16 MiB. */
  maxFrameBytes?: number;
  /** Largest file a readFile may bring into the controller's memory. Default 1 GiB. */
  maxFileBytes?: number;
  /** Whether an agent of this name may connect (e.g. it is configured and enabled). Default: any name with a valid secret. */
  authorize?: (name: string) => boolean | Promise<boolean>;
  /** One line per notable event (connections, refusals, protocol errors), with the agent's name in `fields.agent`. */
  log?: LogLine;
  /** Whether `name` is the agent of a pod (its lost session's errors say so: retry's kubernetesAgent()). Default: never. */
  podAgent?: (name: string) => boolean;
  /**
   * Headers every HTTP answer the hub writes itself carries (refused upgrades, 404 for other
   * paths): the controller passes its security headers, so no answer of its port lacks them.
   */
  responseHeaders?: Readonly<Record<string, string>>;
  /**
   * The labels the controller configured for agent `name` (null when it has none, e.g. a pod's
   * agent). Workspaces report these as their node's labels, not what the agent claims.
   */
  configuredLabels?: (name: string) => readonly string[] | null;
  /**
   * Which durable exec is whose (the store). With it, script steps on agents run durably and an
   * agent's hello may hand them back to a new controller process; without, neither.
   */
  execs?: DurableExecRecords;
}

export type AgentState = 'online' | 'reconnecting';

/**
 * What the hub knows of a connected (or reconnecting) agent. Everything but `name` (which the
 * upgrade authenticated), `state`, `address` and the times is what the agent's hello claims:
 * informative only. Labels and executors that count are the controller's configuration.
 */
export interface AgentInfo {
  name: string;
  state: AgentState;
  /** The labels the agent's hello announced (not what the scheduler uses). */
  labels: string[];
  /** The executors the agent's hello announced (not what the scheduler uses). */
  executors: number;
  os: string;
  arch: string;
  hostname: string;
  nodeVersion: string;
  kilnVersion: string;
  workdir: string;
  /** Remote address of the current (or last) connection. */
  address: string | null;
  /** When the session started (ms since the epoch). */
  since: number;
  /** When the current disconnection began, while reconnecting. */
  disconnectedAt: number | null;
}

export interface AgentHubEvents {
  /** A new session: the agent can take work. */
  online: [AgentInfo];
  /** The connection dropped; the session waits for the agent within its grace period. */
  disconnected: [AgentInfo];
  /** The agent came back within the grace period; everything resumed. */
  reconnected: [AgentInfo];
  /** The session ended; `reason` says why (grace period over, shut down, protocol error ...). */
  offline: [AgentInfo, string];
}

interface Conn {
  ws: WebSocket;
  name: string;
  address: string | null;
  session: AgentSession | null;
  /** Set when the hub closed or replaced this connection itself. */
  closedByHub: boolean;
  /** Set when the connection broke the protocol (the session ends, no grace). */
  violation: string | null;
  /** Highest ack seen on this connection, and standalone acks that acknowledged nothing new. */
  lastAck: number;
  idleAcks: number;
  /** The hello arrived (its hand-back may still be checked against the store). */
  helloSeen: boolean;
}

/** Connections of one agent name that may wait for their hello at once. */
export const MAX_PENDING_HELLOS = 4;
/** Standalone acks that acknowledge nothing new a connection may send before it counts as a flood. */
const MAX_IDLE_ACKS = 64;

export class AgentHub extends EventEmitter<AgentHubEvents> {
  readonly path: string;
  readonly graceMs: number;
  readonly heartbeatMs: number;
  readonly timeoutMs: number;
  readonly #key: string | Buffer;
  readonly #helloTimeoutMs: number;
  readonly #authorize: AgentHubOptions['authorize'];
  readonly #configuredLabels: (name: string) => readonly string[] | null;
  readonly #log: LogLine;
  /** `Name: value\r\n` lines of options.responseHeaders. */
  readonly #extraHead: string;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<string, AgentSession>();
  readonly #conns = new Set<Conn>();
  readonly #backends = new Map<string, RemoteBackend>();
  /** The connection that currently carries each session. */
  readonly #current = new WeakMap<AgentSession, Conn>();
  readonly #maxFileBytes: number;
  /** Connections per agent name accepted (or being upgraded) that have not said hello yet. */
  readonly #awaitingHello = new Map<string, number>();
  /** Refused upgrades per remote address (for log throttling). */
  readonly #refusals = new Map<string, number>();
  #closed = false;

  readonly #podAgent: (name: string) => boolean;
  readonly #execs: DurableExecRecords | null;
  /** Acknowledged offsets of every exec handed back to this process, by key (they only move forward). */
  readonly #handbackAcked = new Map<string, { out: number; err: number }>();

  constructor(options: AgentHubOptions) {
    super();
    this.#key = options.key;
    this.path = options.path ?? AGENT_PATH;
    this.graceMs = options.graceMs ?? 60_000;
    this.heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_DEAD_MS;
    this.#helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
    this.#authorize = options.authorize;
    this.#configuredLabels = options.configuredLabels ?? (() => null);
    this.#log = options.log ?? (() => {});
    this.#extraHead = Object.entries(options.responseHeaders ?? {})
      .filter(([k, v]) => /^[A-Za-z0-9-]+$/.test(k) && !/[\r\n]/.test(v))
      .map(([k, v]) => `${k}: ${v}\r\n`).join('');
    this.#maxFileBytes = options.maxFileBytes ?? 1024 * 1024 * 1024;
    this.#podAgent = options.podAgent ?? (() => false);
    this.#execs = options.execs ?? null;
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameBytes ?? MAX_FRAME_BYTES,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  // ------------------------------------------------------------------------------ public API

  /** The secret agent `name` must present. */
  secret(name: string): string {
    return agentSecret(this.#key, name);
  }

  /** The exact command line that connects agent `name` to the controller at `url`. */
  commandLine(name: string, url: string, extra: Omit<AgentCommandOptions, 'url' | 'name' | 'secret'> = {}): string {
    return agentCommandLine({ ...extra, url, name, secret: this.secret(name) });
  }

  /** The backend that runs work on agent `name` (the same object for every call). */
  backend(name: string): RemoteBackend {
    let b = this.#backends.get(name);
    if (!b) {
      b = new RemoteBackend(name, () => this.#sessions.get(name), () => this.#configuredLabels(name), this.#execs);
      this.#backends.set(name, b);
    }
    return b;
  }

  /** The agent's state, or undefined when it has no session (offline). */
  agent(name: string): AgentInfo | undefined {
    const s = this.#sessions.get(name);
    return s ? infoOf(s) : undefined;
  }

  /** Every agent with a session. */
  agents(): AgentInfo[] {
    return [...this.#sessions.values()].map(infoOf);
  }

  isOnline(name: string): boolean {
    return this.#sessions.get(name)?.connected === true;
  }

  /**
   * Drops agent `name`'s connection as a network failure would: the session waits for the
   * agent to reconnect within the grace period. For operators and tests.
   */
  dropConnection(name: string): boolean {
    for (const c of this.#conns) {
      if (c.name === name && c.session) {
        c.ws.terminate();
        return true;
      }
    }
    return false;
  }

  /** Ends agent `name`'s session now (agent deleted or disabled): pending calls fail with `reason`. */
  endSession(name: string, reason = `agent '${name}' was disconnected by the controller`): boolean {
    const s = this.#sessions.get(name);
    if (!s) return false;
    this.#closeConnsOf(s, CloseCode.sessionEnded, reason);
    s.end(new AgentUnavailableError(name, reason));
    return true;
  }

  /**
   * Adds the hub to `server`'s 'upgrade' event; returns a function that removes it. Upgrades
   * for other paths are left to the server's other 'upgrade' listeners (404 when there are none).
   */
  attach(server: Server): () => void {
    const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      // Other paths belong to other 'upgrade' listeners; with none, nobody would answer.
      if (!this.handleUpgrade(req, socket, head) && server.listenerCount('upgrade') === 1) {
        socket.end(`HTTP/1.1 404 Not Found\r\n${this.#extraHead}Connection: close\r\nContent-Length: 0\r\n\r\n`);
      }
    };
    server.on('upgrade', onUpgrade);
    return () => { server.off('upgrade', onUpgrade); };
  }

  /**
   * Handles an HTTP upgrade request if it is for the agent endpoint (returns true), else
   * returns false and leaves the socket alone.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://kiln.invalid').pathname;
    } catch {
      return false;
    }
    if (pathname !== this.path && pathname !== `${this.path}/`) return false;
    socket.on('error', () => {}); // a client vanishing mid-handshake is not our crash
    this.#upgrade(req, socket, head).catch((e: unknown) => {
      this.#log(`agent connection failed: ${e instanceof Error ? e.message : String(e)}`);
      socket.destroy();
    });
    return true;
  }

  /**
   * Takes a connection the controller opened itself (an SSH exec channel running
   * `kiln agent --stdio`): no upgrade and no secret, since the controller launched the agent
   * and knows who it is. From the hello on it is an ordinary connection (stream.ts frames).
   * Returns the socket; it closes when the agent's session ends or the stream does.
   */
  attachStream(name: string, input: Readable, output: Writable, address: string | null = null): StreamSocket {
    const sock = new StreamSocket(input, output);
    if (this.#closed) {
      sock.close(CloseCode.goingAway, 'controller shutting down');
      return sock;
    }
    this.#accept(sock as unknown as WebSocket, name, address);
    return sock;
  }

  /** Ends every session (pending calls fail) and closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of [...this.#sessions.values()]) s.end(new AgentUnavailableError(s.name, `the controller is shutting down (agent '${s.name}')`));
    const closing = [...this.#conns].map((c) => new Promise<void>((resolve) => {
      if (c.ws.readyState === c.ws.CLOSED) return resolve();
      c.ws.once('close', () => resolve());
      c.closedByHub = true;
      c.ws.close(CloseCode.goingAway, 'controller shutting down');
      setTimeout(() => { c.ws.terminate(); resolve(); }, 1000).unref();
    }));
    await Promise.all(closing);
    this.#wss.close();
  }

  // ------------------------------------------------------------------------------ upgrade

  async #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const address = req.socket.remoteAddress ?? null;
    const refuse = (status: number, text: string) => {
      // The first 10 refusals of an address are logged, then every 100th with the count.
      const n = (this.#refusals.get(address ?? '?') ?? 0) + 1;
      if (this.#refusals.size > 10_000) this.#refusals.clear();
      this.#refusals.set(address ?? '?', n);
      if (n <= 10 || n % 100 === 0) this.#log(`refused an agent connection from ${address ?? '?'}: ${text}${n > 10 ? ` (${n} refusals from this address so far)` : ''}`);
      const body = Buffer.from(text + '\n', 'utf8');
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nContent-Type: text/plain; charset=utf-8\r\n${this.#extraHead}` +
        `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n${body.toString('utf8')}`);
    };
    if (this.#closed) return refuse(503, 'the controller is shutting down');
    const version = header(req, HEADER_PROTOCOL);
    if (version !== undefined && version !== String(PROTOCOL_VERSION)) {
      // The header is the caller's: echoed (to the log and the answer) cut short.
      const said = version.length > 20 ? `${version.slice(0, 20)}…` : version;
      return refuse(400, `protocol version mismatch: the agent speaks version ${said}, this controller speaks version ${PROTOCOL_VERSION}; run the kiln agent that comes with the controller`);
    }
    const name = header(req, HEADER_AGENT_NAME);
    if (name === undefined || name === '') return refuse(401, `missing agent name (${HEADER_AGENT_NAME} header)`);
    if (!isValidAgentName(name)) return refuse(400, `invalid agent name '${name.slice(0, 130)}'`);
    const auth = header(req, 'authorization');
    const secret = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
    if (secret === undefined || secret === '') return refuse(401, `missing secret for agent '${name}' (Authorization: Bearer header)`);
    if (!verifyAgentSecret(this.#key, name, secret)) return refuse(401, `wrong secret for agent '${name}'`);
    if (this.#authorize && !(await this.#authorize(name))) {
      return refuse(403, `agent '${name}' is not configured on this controller (or is disabled)`);
    }
    const waiting = this.#awaitingHello.get(name) ?? 0;
    if (waiting >= MAX_PENDING_HELLOS) {
      return refuse(429, `agent '${name}' already has ${waiting} connections waiting for their hello; wait for them to finish`);
    }
    if (socket.destroyed) return;
    // Counted from here until the hello arrives or the connection ends, whichever comes first.
    this.#awaitingHello.set(name, waiting + 1);
    let counted = true;
    const helloDone = () => {
      if (!counted) return;
      counted = false;
      const n = (this.#awaitingHello.get(name) ?? 1) - 1;
      if (n > 0) this.#awaitingHello.set(name, n);
      else this.#awaitingHello.delete(name);
    };
    let accepted = false;
    socket.once('close', () => { if (!accepted) helloDone(); });
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      accepted = true;
      this.#accept(ws, name, address, helloDone);
    });
  }

  // ------------------------------------------------------------------------------ connections

  #accept(ws: WebSocket, name: string, address: string | null, helloDone: () => void = () => {}): void {
    const conn: Conn = { ws, name, address, session: null, closedByHub: false, violation: null, lastAck: 0, idleAcks: 0, helloSeen: false };
    this.#conns.add(conn);
    const decoder = agentDecoder();
    const helloTimer = setTimeout(() => {
      this.#fail(conn, new ProtocolViolation(CloseCode.timeout, `agent '${name}' sent no hello within ${this.#helloTimeoutMs} ms`));
    }, this.#helloTimeoutMs);
    const stopHeartbeat = keepAlive(ws, {
      intervalMs: this.heartbeatMs,
      timeoutMs: this.timeoutMs,
      onDead: (ms) => this.#log(`agent '${name}': no sign of life for ${ms} ms; dropping the connection`, { level: 'warn', agent: name }),
    });

    ws.on('message', (raw: Buffer, isBinary: boolean) => {
      if (conn.violation !== null) return;
      try {
        const { msg, data } = decoder.decode(raw, isBinary);
        if (conn.session === null) {
          if (msg.type !== 'hello') throw new ProtocolViolation(CloseCode.policy, `expected hello from agent '${name}', got '${msg.type}'`);
          if (conn.helloSeen) throw new ProtocolViolation(CloseCode.policy, `a second hello from agent '${name}'`);
          conn.helloSeen = true;
          clearTimeout(helloTimer);
          helloDone();
          if (!msg.execs || msg.execs.length === 0) {
            this.#hello(conn, msg);
            return;
          }
          // Nothing else comes before the welcome (an agent waits for it), so the store may be asked first.
          void this.#handback(conn, msg).then((h) => {
            if (conn.violation === null && conn.ws.readyState === conn.ws.OPEN) this.#hello(conn, msg, h);
          }).catch((e: unknown) => this.#fail(conn, e));
          return;
        }
        if (!this.#isCurrent(conn)) return; // a replaced connection's leftovers: the resumed one resends them
        this.#message(conn, conn.session, msg, data, raw.length);
      } catch (e) {
        this.#fail(conn, e);
      }
    });
    ws.on('error', (err: Error & { code?: string }) => {
      // ws reports frames over maxPayload, bad UTF-8 and bad framing here (codes WS_ERR_*), and
      // closes the connection itself with the matching code (1009, 1007, 1002).
      if (conn.violation !== null) return;
      if (!err.code?.startsWith('WS_ERR_')) {
        this.#log(`agent '${name}': connection error: ${err.message}`, { level: 'warn', agent: name });
        return;
      }
      conn.violation = err.message;
      this.#log(`agent '${name}' from ${address ?? '?'}: ${err.message}; connection closed`, { level: 'warn', agent: name });
      const s = conn.session;
      if (s && !s.ended && this.#isCurrent(conn)) {
        s.end(new AgentUnavailableError(name, `agent '${name}' broke the protocol (${err.message}); its connection was closed`));
      }
    });
    ws.on('close', (code, reasonBuf) => {
      clearTimeout(helloTimer);
      helloDone();
      stopHeartbeat();
      this.#conns.delete(conn);
      const s = conn.session;
      if (!s || s.ended) return;
      if (!this.#isCurrent(conn)) return; // replaced by a resumed connection
      const reason = reasonBuf.toString('utf8');
      if (conn.violation !== null) {
        s.end(new AgentUnavailableError(name, `agent '${name}' broke the protocol (${conn.violation}); its connection was closed`));
      } else if (!conn.closedByHub && (code === CloseCode.goingAway || code === CloseCode.normal)) {
        s.end(new AgentUnavailableError(name, `agent '${name}' shut down${reason ? ` (${reason})` : ''}`));
      } else {
        this.#log(`agent '${name}' disconnected (${code}${reason ? ` ${reason}` : ''}); waiting ${s.graceMs} ms for it to come back`, { agent: name, code, reason });
        s.detach();
        this.emit('disconnected', infoOf(s));
      }
    });
  }

  #isCurrent(conn: Conn): boolean {
    return conn.session !== null && this.#current.get(conn.session) === conn;
  }

  /**
   * Checks the durable execs a hello hands back (only a hello that starts a new session: a
   * resumed one still carries them). Throws ProtocolViolation for what no honest agent sends:
   * acknowledged offsets past the bytes or behind what it said before, an exec the store says is
   * another agent's or another build's. Returns the execs to accept and those to stop (unknown
   * to the store, or of a build that ended).
   */
  async #handback(conn: Conn, hello: HelloMessage): Promise<{ accept: HandedBack[]; discard: string[] }> {
    const out = { accept: [] as HandedBack[], discard: [] as string[] };
    const execs = hello.execs ?? [];
    if (execs.length === 0) return out;
    const existing = this.#sessions.get(conn.name);
    if (existing && !existing.ended && hello.session === existing.token) return out;
    const seen = new Set<string>();
    for (const h of execs) {
      if (seen.has(h.key)) throw new ProtocolViolation(CloseCode.policy, `hand-back names step ${h.key} twice`);
      seen.add(h.key);
      for (const [s, b] of [['stdout', h.stdout], ['stderr', h.stderr]] as const) {
        if (b.acked > b.bytes) throw new ProtocolViolation(CloseCode.policy, `hand-back of step ${h.key}: ${s} acknowledged up to byte ${b.acked} of ${b.bytes} produced`);
      }
      const before = this.#handbackAcked.get(h.key);
      if (before && (h.stdout.acked < before.out || h.stderr.acked < before.err)) {
        throw new ProtocolViolation(CloseCode.policy, `hand-back of step ${h.key}: acknowledged offsets went backwards (stdout ${before.out} → ${h.stdout.acked}, stderr ${before.err} → ${h.stderr.acked})`);
      }
    }
    for (const h of execs) {
      let owner = this.#execs ? await this.#execs.owner(h.key) : null;
      // The killed controller had sent the exec but not yet written its row: the agent's word for
      // its build is taken while that build runs (only a step of that build on this agent, with
      // this key, can take it over).
      if (!owner && this.#execs && await this.#execs.buildRunning(h.buildId)) {
        await this.#execs.record(h.key, conn.name, h.buildId);
        owner = { agent: conn.name, buildId: h.buildId, running: true };
      }
      if (owner && owner.agent !== conn.name) {
        throw new ProtocolViolation(CloseCode.policy, `hand-back names step ${h.key}, which agent '${owner.agent}' runs, not '${conn.name}'`);
      }
      if (owner && owner.buildId !== h.buildId) {
        throw new ProtocolViolation(CloseCode.policy, `hand-back names step ${h.key} of build ${printable(h.buildId.slice(0, 200))}, but it belongs to build ${owner.buildId}`);
      }
      if (!owner || !owner.running) {
        this.#log(`agent '${conn.name}' handed back step ${h.key} ${owner ? `of build ${owner.buildId}, which has ended` : 'which this controller does not know (its build is gone)'}; asking the agent to stop it`, { agent: conn.name });
        out.discard.push(h.key);
        if (owner) await this.#execs!.forget(h.key).catch(() => {});
        continue;
      }
      out.accept.push(h);
    }
    for (const h of out.accept) this.#handbackAcked.set(h.key, { out: h.stdout.acked, err: h.stderr.acked });
    return out;
  }

  #hello(conn: Conn, hello: HelloMessage, handback: { accept: HandedBack[]; discard: string[] } = { accept: [], discard: [] }): void {
    const { name } = conn;
    if (hello.protocol !== PROTOCOL_VERSION) {
      throw new ProtocolViolation(CloseCode.version, `protocol version mismatch: agent ${hello.protocol}, controller ${PROTOCOL_VERSION}`);
    }
    if (hello.name !== name) throw new ProtocolViolation(CloseCode.policy, `hello names agent '${hello.name}' but the connection authenticated as '${name}'`);
    const existing = this.#sessions.get(name);
    let session: AgentSession;
    let resumed = false;
    /** The session of the agent's previous process, ended once this one took over its durable execs. */
    let replaced: AgentSession | null = null;
    if (existing && !existing.ended && hello.session === existing.token) {
      const old = this.#current.get(existing);
      if (old && old !== conn) {
        old.closedByHub = true;
        old.ws.terminate();
      }
      session = existing;
      session.hello = hello;
      session.address = conn.address;
      resumed = true;
    } else {
      if (existing && !existing.ended) {
        if (existing.connected) {
          conn.closedByHub = true;
          conn.ws.close(CloseCode.conflict, closeReason(`agent '${name}' is already connected from ${existing.address ?? 'elsewhere'}`));
          this.#log(`refused a second connection for agent '${name}' from ${conn.address ?? '?'}: it is already connected`, { level: 'warn', agent: name });
          return;
        }
        replaced = existing;
      } else if (hello.leftovers && hello.leftovers.length > 0) {
        // The session that ran them already ended (its builds said the processes might still run).
        for (const l of hello.leftovers) {
          this.#log(`agent '${name}' started again and ${l.running === 0 ? `stopped the ${l.found} process(es)` : `could not stop ${l.running} of the ${l.found} process(es)`} of '${printable(l.command)}' (${printable(l.build)}) its previous process had left running`, { agent: name });
        }
      }
      session = new AgentSession({
        name, token: randomUUID(), hello, address: conn.address, graceMs: this.graceMs, maxFileBytes: this.#maxFileBytes, pod: this.#podAgent(name),
        onEnd: (s, reason) => this.#ended(s, reason),
      });
      this.#sessions.set(name, session);
    }
    conn.session = session;
    conn.lastAck = resumed ? hello.received : 0;
    this.#current.set(session, conn);
    const welcome: WelcomeMessage = {
      type: 'welcome', protocol: PROTOCOL_VERSION, session: session.token, resumed,
      received: session.link.received, heartbeatMs: this.heartbeatMs, timeoutMs: this.timeoutMs,
    };
    conn.ws.send(JSON.stringify(welcome));
    session.attach({ send: (frame, binary) => conn.ws.send(frame, { binary }) }, resumed ? hello.received : 0);
    if (!resumed) {
      for (const h of handback.accept) session.handedBack.set(h.key, h);
      for (const key of handback.discard) session.link.send({ type: 'discard', key });
      if (replaced) {
        // The agent's process restarted: the steps the old session waits for go on in this one.
        replaced.successor = session;
        const n = session.takeOver(replaced, new Set(handback.accept.map((h) => h.key)));
        if (n > 0) this.#log(`agent '${name}' started again and its new session took over ${n} running step(s)`, { agent: name });
        replaced.end(new AgentUnavailableError(name, restartedReason(name, replaced, hello)));
      }
      if (session.handedBack.size > 0) {
        this.#log(`agent '${name}' handed back ${session.handedBack.size} running step(s) for their builds to take over`, { agent: name });
        this.#watchHandedBack(session);
      }
    }
    this.#log(`agent '${name}' ${resumed ? 'reconnected' : 'connected'} from ${conn.address ?? '?'}`, { agent: name });
    this.emit(resumed ? 'reconnected' : 'online', infoOf(session));
  }

  #message(conn: Conn, s: AgentSession, msg: AgentMessage, data: Buffer | null, bytes: number): void {
    if (msg.type === 'hello') throw new ProtocolViolation(CloseCode.policy, 'a second hello');
    if (msg.type === 'ack') {
      // An agent sends a standalone ack only when it has something new to acknowledge.
      if (msg.ack <= conn.lastAck && ++conn.idleAcks > MAX_IDLE_ACKS) {
        throw new ProtocolViolation(CloseCode.policy, `a flood of acknowledgements that acknowledge nothing new (${conn.idleAcks} of ack ${msg.ack})`);
      }
      conn.lastAck = Math.max(conn.lastAck, msg.ack);
      s.link.acknowledged(msg.ack);
      return;
    }
    conn.lastAck = Math.max(conn.lastAck, msg.ack);
    // After the welcome the agent resends only what the controller said it had not received,
    // so on one connection an old sequence number is never legitimate: a replayed frame.
    if (!s.link.receive(msg.seq, msg.ack, bytes)) {
      throw new ProtocolViolation(CloseCode.policy, `message ${msg.seq} ('${msg.type}') was already received: a replayed or duplicated frame`);
    }
    s.handle(msg as Response, data);
  }

  /** Closes a connection that broke the protocol; its session (if any) ends. */
  #fail(conn: Conn, e: unknown): void {
    const v = e instanceof ProtocolViolation ? e : new ProtocolViolation(CloseCode.policy, e instanceof Error ? e.message : String(e));
    if (conn.violation !== null) return;
    conn.violation = v.message;
    this.#log(`agent '${conn.name}' from ${conn.address ?? '?'}: ${v.message}; connection closed`, { level: 'warn', agent: conn.name });
    conn.ws.close(v.code, closeReason(v.message));
    const t = setTimeout(() => conn.ws.terminate(), 2000);
    t.unref();
    conn.ws.once('close', () => clearTimeout(t));
    const s = conn.session;
    if (s && !s.ended && this.#isCurrent(conn)) {
      s.end(new AgentUnavailableError(conn.name, `agent '${conn.name}' broke the protocol (${v.message}); its connection was closed`));
    }
  }

  /** Handed-back execs no resumed step took over: stopped once their build has ended. */
  #watchHandedBack(s: AgentSession): void {
    const t = setInterval(() => {
      if (s.ended || s.handedBack.size === 0) {
        clearInterval(t);
        return;
      }
      void (async () => {
        for (const key of [...s.handedBack.keys()]) {
          const owner = await this.#execs?.owner(key).catch(() => undefined);
          if (owner === undefined || (owner && owner.running) || !s.handedBack.has(key) || s.ended) continue;
          s.handedBack.delete(key);
          this.#log(`no build took over step ${key} on agent '${s.name}' (its build ended); asking the agent to stop it`, { agent: s.name });
          s.link.send({ type: 'discard', key });
          if (owner) await this.#execs!.forget(key).catch(() => {});
        }
      })();
    }, Math.min(this.graceMs, 30_000));
    t.unref();
  }

  #closeConnsOf(s: AgentSession, code: number, reason: string): void {
    for (const c of this.#conns) {
      if (c.session === s) {
        c.closedByHub = true;
        c.ws.close(code, closeReason(reason));
      }
    }
  }

  #ended(s: AgentSession, reason: AgentUnavailableError): void {
    if (this.#sessions.get(s.name) === s) this.#sessions.delete(s.name);
    this.#log(`${reason.message}`, { agent: s.name });
    this.#closeConnsOf(s, CloseCode.sessionEnded, reason.message);
    this.emit('offline', infoOf(s), reason.message);
  }
}

/**
 * Why the session of an agent that restarted ended: its steps' results are lost, and what became
 * of their processes, as the new agent process reported before its hello (agent/leftovers.ts).
 */
function restartedReason(name: string, old: AgentSession, hello: HelloMessage): string {
  const base = `agent '${name}' came back with a new session (its process restarted, or it gave the old session up); the step's result was lost`;
  const l = hello.leftovers;
  if (l === undefined) {
    return old.runningExecs > 0 ? `${base}, and its processes may still be running on ${printable(old.hello.hostname)} (this agent does not report what it stopped)` : base;
  }
  const found = l.reduce((n, x) => n + x.found, 0);
  const running = l.reduce((n, x) => n + x.running, 0);
  if (running > 0) {
    // The agent's words (a step could have written them): no control characters into the console.
    const which = l.filter((x) => x.running > 0).map((x) => `${x.running} of '${printable(x.command)}' (${printable(x.build)})`).join(', ');
    return `${base}; ${running} process(es) it left running could not be stopped and still run on ${printable(old.hello.hostname)}: ${which}`.slice(0, 4000);
  }
  if (found > 0) return `${base}; the ${found} process(es) it left running were stopped before the agent came back`;
  return `${base}; none of its processes were still running when it came back`;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}


function infoOf(s: AgentSession): AgentInfo {
  const h = s.hello;
  return {
    name: s.name,
    state: s.connected ? 'online' : 'reconnecting',
    labels: [...h.labels],
    executors: h.executors,
    os: printable(h.os),
    arch: printable(h.arch),
    hostname: printable(h.hostname),
    nodeVersion: printable(h.nodeVersion),
    kilnVersion: printable(h.kilnVersion),
    workdir: printable(h.workdir),
    address: s.address,
    since: s.startedAt,
    disconnectedAt: s.disconnectedAt,
  };
}
