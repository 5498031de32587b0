// The agent process's connection to the controller: dial, authenticate, hello, carry out
// requests, and when the connection drops, dial again with backoff and resume the session.
//
// Why it is built this way: an inbound agent sits behind NATs and proxies the controller cannot
// reach, so the agent dials, over the controller's own web port (`ws(s)://host/agent`).
// Networks fail; builds must not. The agent therefore keeps its session across connections:
// the processes it runs go on while it reconnects, their output is kept (link.ts) and sent
// once the controller has the agent back, and only if the controller answers the next hello
// with a *new* session (it gave up on the old one, or it is a new controller process) does the
// agent stop what the old one ran, but for its durable execs (script steps, durable.ts): those
// go on, their output waiting on disk, and every hello hands them back (`execs`) for the new
// session to take over (`reattach`) or stop (`discard`).
//
// How: `run()` loops: connect (transport.ts: a WebSocket with name, secret and protocol version
// in the upgrade headers), send hello, wait for welcome, then hand each schema-checked request to the
// session's RequestExecutor (executor.ts). On a close it waits 0.5 s, doubling up to 10 s, with
// ±20 % jitter, and tries again; a successful welcome resets the delay. Errors that retrying
// cannot fix (wrong secret, unknown agent, version mismatch, no endpoint) end `run()` with an
// AgentFatalError whose message says what to change.
//
// With `stdio` (`kiln agent --stdio`, started by the controller's SSH launcher) the first
// connection is the process's stdin/stdout (protocol/stream.ts framing) instead of a WebSocket;
// no URL and no secret. When that stream ends (the SSH connection dropped), the agent keeps
// its session and processes and waits on a Unix socket (`stdio.resumeSocket`) for the next
// `kiln agent --stdio` the controller launches, which finds the socket and only relays its own
// stdin/stdout to it: the controller then resumes the session as after a WebSocket reconnect.
//
// What a dead agent process left: its durable execs are found (durable.ts `load`) and handed
// back; every other spawn is recorded in the work directory (leftovers.ts), and before its
// first hello, `run()` stops the processes earlier agent processes of this work directory left
// running and reports them in the hello (`leftovers`), so the controller ends the builds that
// lost them saying that their processes were stopped.

import path from 'node:path';
import type { Server, Socket } from 'node:net';
// Builtins through process.getBuiltinModule, not ESM imports: see util/fs-async.ts.
const os = process.getBuiltinModule('node:os');
const { readFileSync, chmodSync, rmSync } = process.getBuiltinModule('node:fs');
const net = process.getBuiltinModule('node:net');
import type { Readable, Writable } from 'node:stream';
import { dial, overStream, OPEN, type AgentSocket } from './transport.ts';
import { LocalBackend } from '../exec/local-workspace.ts';
import type { Backend } from '../core/nodes.ts';
import { withPodRunners, type PodRunners } from '../exec/pod-workspace.ts';
import {
  CloseCode, PROTOCOL_VERSION,
  isValidAgentName, isValidLabel, type ControllerMessage, type HelloMessage, type Request, type WelcomeMessage,
} from '../protocol/messages.ts';
import { ProtocolViolation, closeReason, controllerDecoder } from '../protocol/codec.ts';
import { Link } from '../protocol/link.ts';
import { keepAlive } from '../protocol/heartbeat.ts';
import { RequestExecutor } from './executor.ts';
import { ProcessRegistry, sweepLeftovers, type Leftover } from './leftovers.ts';
import { DurableExecs } from './durable.ts';
import { agentEndpoint, describeClose, describeConnectError, describeHttpRefusal, type Problem } from './errors.ts';
import type { LogLine } from '../util/log-lines.ts';
import { KilnError } from '../core/errors.ts';

export interface AgentOptions {
  /** The controller's base URL (http, https; ws and wss are accepted too). Not used with `stdio`. */
  url: string;
  name: string;
  /** Not used with `stdio`. */
  secret: string;
  /**
   * Speak the protocol over these streams (an SSH channel) instead of dialling. After they end,
   * wait up to `resumeWaitMs` (default 120 s) for a relayed connection on the Unix socket
   * `resumeSocket`; without one (or on timeout) the agent ends.
   */
  stdio?: { input: Readable; output: Writable; resumeSocket?: string; resumeWaitMs?: number };
  /** The agent's work directory; workspaces go under `<workdir>/workspace/`. */
  workdir: string;
  labels?: string[];
  /** Executors offered to the controller's scheduler. Default 1. */
  executors?: number;
  /** Keep trying after a failed or lost connection. Default true. */
  reconnect?: boolean;
  /** Reconnection delays: first and largest. Default 500 ms and 10 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Time between SIGTERM and SIGKILL when killing a process tree. Default 1500 ms. */
  killGraceMs?: number;
  /**
   * Most bytes kept for the controller while disconnected (output of running processes). Past
   * it the agent gives the session up (stops its processes) rather than run out of memory; the
   * controller then fails those builds. Default 256 MiB.
   */
  maxKeptBytes?: number;
  /** Progress lines (connected, lost, retrying). Default: none. */
  log?: LogLine;
  /** In a Kubernetes pod: the step runners of its other containers (KILN_POD_RUNNERS). */
  podRunners?: PodRunners | null;
}

/** The agent cannot go on: the message says why and what to change. */
export class AgentFatalError extends KilnError {
  constructor(message: string) {
    super('agent.fatal', message);
  }
}

interface Outcome extends Problem {
  /** Whether the connection got as far as a welcome (resets the backoff). */
  welcomed: boolean;
}

const WELCOME_TIMEOUT_MS = 10_000;

export class Agent {
  readonly endpoint: URL;
  readonly name: string;
  readonly workdir: string;
  readonly #o: AgentOptions;
  readonly #backend: Backend;
  readonly #root: string;
  readonly #hostEnv: Readonly<Record<string, string>>;
  /** Steps that survive the controller's and this process's restarts (durable.ts). */
  readonly #durable: DurableExecs;
  readonly #log: LogLine;
  #link = new Link();
  #executor: RequestExecutor;
  #session: string | null = null;
  #ws: AgentSocket | null = null;
  /** stdio mode: the first stream is used; later ones come from the resume socket. */
  #stdioUsed = false;
  #resumeServer: Server | null = null;
  #resumeQueue: Socket[] = [];
  #resumeWaiter: (() => void) | null = null;
  /** Close code of the last connection (1006: it just ended, no close frame). */
  #lastCloseCode = 0;
  #stopped = false;
  #wake: (() => void) | null = null;
  /** What the sweep at start found, reported in hellos until a controller welcomed one. */
  #leftovers: Leftover[] | null = null;
  /** A given-up session's processes being stopped: the next hello waits for it. */
  #closing: Promise<void> = Promise.resolve();

  constructor(options: AgentOptions) {
    if (!isValidAgentName(options.name)) {
      throw new Error(`invalid agent name '${options.name}': use letters, digits, '.', '_' and '-', starting with a letter or digit (at most 128)`);
    }
    for (const l of options.labels ?? []) {
      if (!isValidLabel(l)) throw new Error(`invalid label '${l}': no spaces, quotes, commas or any of & | ! ( )`);
    }
    if (options.secret === '' && !options.stdio) throw new Error('no secret given (--secret or KILN_SECRET)');
    this.endpoint = options.stdio ? new URL('stdio:') : agentEndpoint(options.url);
    this.name = options.name;
    this.workdir = path.resolve(options.workdir);
    this.#o = options;
    this.#log = options.log ?? (() => {});
    const local = new LocalBackend({
      root: path.join(this.workdir, 'workspace'),
      nodeName: options.name,
      labels: options.labels ?? [],
      ...(options.killGraceMs !== undefined ? { killGraceMs: options.killGraceMs } : {}),
      registry: new ProcessRegistry(this.workdir),
      reportEnv: true, // builds see this agent's PATH, HOME... as Jenkins' node environment
    });
    this.#root = local.root;
    this.#hostEnv = local.hostEnv;
    this.#durable = new DurableExecs(this.workdir, this.#log);
    // In a Kubernetes pod, container('x') steps go to the runners of the pod's other containers.
    this.#backend = options.podRunners ? withPodRunners(local, options.podRunners) : local;
    this.#executor = this.#newExecutor();
  }

  /** Whether a connection is open and welcomed. */
  get connected(): boolean {
    return this.#link.connected;
  }

  /**
   * Connects and serves until `stop()` (resolves) or a problem retrying cannot fix (rejects
   * with AgentFatalError; without `reconnect`, any lost or failed connection).
   */
  async run(): Promise<void> {
    const initial = this.#o.backoff?.initialMs ?? 500;
    const max = this.#o.backoff?.maxMs ?? 10_000;
    let delay = initial;
    // Before any hello: what an earlier agent process of this work directory left running is
    // stopped, so the controller never hears from this agent while those processes still run.
    this.#leftovers = await sweepLeftovers(this.workdir, {
      ...(this.#o.killGraceMs !== undefined ? { graceMs: this.#o.killGraceMs } : {}),
      log: this.#log,
    });
    // Durable steps an earlier agent process started go on: handed back in the hello.
    this.#durable.load();
    if (this.#o.stdio) {
      try {
        return await this.#runStdio();
      } finally {
        this.#resumeServer?.close();
        if (this.#o.stdio.resumeSocket) rmSync(this.#o.stdio.resumeSocket, { force: true });
      }
    }
    while (!this.#stopped) {
      const r = await this.#connectOnce();
      if (this.#stopped) break;
      if (r.fatal || this.#o.reconnect === false) {
        await this.#executor.close();
        throw new AgentFatalError(r.message);
      }
      if (r.welcomed) delay = initial;
      const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
      this.#log(`${r.message}; reconnecting in ${(wait / 1000).toFixed(1)} s`, { level: 'warn' });
      await this.#sleep(wait);
      delay = Math.min(delay * 2, max);
    }
  }

  async #runStdio(): Promise<void> {
    const io = this.#o.stdio!;
    if (io.resumeSocket) {
      const sockPath = io.resumeSocket;
      rmSync(sockPath, { force: true });
      const server = net.createServer((sock) => {
        this.#resumeQueue.push(sock);
        this.#resumeWaiter?.();
      });
      this.#resumeServer = server;
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(sockPath, () => { server.off('error', reject); resolve(); });
      });
      // Whoever can connect here speaks for the controller (and so runs commands as this
      // agent): only the agent's own user may.
      chmodSync(sockPath, 0o600);
      server.unref();
    }
    while (!this.#stopped) {
      let input: Readable;
      let output: Writable;
      if (!this.#stdioUsed) {
        this.#stdioUsed = true;
        input = io.input;
        output = io.output;
      } else {
        if (!io.resumeSocket) break;
        const waitMs = io.resumeWaitMs ?? 120_000;
        const sock = await this.#nextResume(waitMs);
        if (this.#stopped) break;
        if (!sock) {
          await this.#executor.close();
          throw new AgentFatalError(`the controller did not relaunch this agent within ${waitMs / 1000} s`);
        }
        input = sock;
        output = sock;
      }
      const r = await this.#connectOnce({ input, output });
      if (this.#stopped) break;
      if (r.fatal) {
        await this.#executor.close();
        throw new AgentFatalError(r.message);
      }
      if (this.#lastCloseCode !== 1006) {
        // The controller closed the session itself (agent deleted, controller stopping): done.
        this.#log(r.message);
        await this.#executor.close();
        return;
      }
      this.#log(`${r.message}; waiting for the controller to launch this agent again`, { level: 'warn' });
    }
  }

  #nextResume(ms: number): Promise<Socket | null> {
    return new Promise((resolve) => {
      const take = () => {
        clearTimeout(t);
        this.#resumeWaiter = null;
        resolve(this.#resumeQueue.shift() ?? null);
      };
      const t = setTimeout(take, ms);
      this.#wake = take;
      if (this.#resumeQueue.length > 0) take();
      else this.#resumeWaiter = take;
    });
  }

  /**
   * Closes the connection, kills what runs, returns. With `keepSteps`, durable steps (agent/durable.ts)
   * go on and the close says so (CloseCode.restarting): the controller waits its grace period for
   * this agent, whose next process hands them back (a restart, an upgrade); otherwise (or when no
   * durable step runs) the controller ends the session at once and they are stopped too.
   */
  async stop(reason = 'agent shutting down', opts: { keepSteps?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    this.#wake?.();
    // Only steps that go on are worth the controller's wait: with none, it ends the session at once.
    const keep = opts.keepSteps === true && this.#durable.handback().some((h) => !h.exit);
    const ws = this.#ws;
    if (ws && ws.readyState === OPEN) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { ws.terminate(); resolve(); }, 1000);
        ws.once('close', () => { clearTimeout(t); resolve(); });
        ws.close(keep ? CloseCode.restarting : CloseCode.goingAway, closeReason(reason));
      });
    } else {
      ws?.terminate();
    }
    await this.#executor.close();
    this.#durable.close(); // finished steps' directories waiting for their batch go, and the spares
    if (keep) {
      const kept = this.#durable.handback().filter((h) => !h.exit).length;
      if (kept > 0) this.#log(`${kept} durable step${kept === 1 ? '' : 's'} left running for this agent's next process to hand back`);
      return;
    }
    await this.stopSteps();
  }

  /** Stops the durable steps this agent holds (a stop on purpose: nobody takes them over). */
  async stopSteps(): Promise<void> {
    await Promise.all(this.#durable.handback().map((h) => this.#durable.get(h.key)?.discard(this.#o.killGraceMs ?? 1500)));
  }

  #newExecutor(): RequestExecutor {
    return new RequestExecutor({
      name: this.name,
      backend: this.#backend,
      workdir: this.workdir,
      workspaceRoot: this.#root,
      durable: this.#durable,
      hostEnv: this.#hostEnv,
      ...(this.#o.killGraceMs !== undefined ? { killGraceMs: this.#o.killGraceMs } : {}),
      send: (msg, data) => {
        const seq = this.#link.send(msg, data);
        if (!this.#link.connected && this.#link.pending.bytes > (this.#o.maxKeptBytes ?? 256 * 1024 * 1024)) this.#abandonSession();
        return seq;
      },
    });
  }

  /** Drops the session while disconnected: too much output piled up for a controller that is not there. */
  #abandonSession(): void {
    this.#log(`more than ${Math.round(this.#link.pending.bytes / 1048576)} MiB of output waiting for the controller; giving up the session and stopping its processes`, { level: 'warn' });
    // The next hello waits for them to be gone and says so (no leftovers).
    this.#closing = this.#executor.close().then(() => { this.#leftovers = []; });
    this.#link.close();
    this.#link = new Link();
    this.#session = null;
    this.#executor = this.#newExecutor();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.#wake = done;
    }).finally(() => { this.#wake = null; });
  }

  async #connectOnce(stream?: { input: Readable; output: Writable }): Promise<Outcome> {
    await this.#closing;
    return this.#connectNow(stream);
  }

  #connectNow(stream?: { input: Readable; output: Writable }): Promise<Outcome> {
    const base = stream ? 'the controller (stdio)' : this.#o.url;
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      let welcomed = false;
      let problem: Problem | null = null;
      let stopHeartbeat: (() => void) | null = null;
      let welcomeTimer: NodeJS.Timeout | null = null;
      const finish = (fallback: Problem) => {
        if (settled) return;
        settled = true;
        if (welcomeTimer) clearTimeout(welcomeTimer);
        stopHeartbeat?.();
        this.#link.detach();
        if (this.#ws === ws) this.#ws = null;
        resolve({ ...(problem ?? fallback), welcomed });
      };
      const fail = (p: Problem, code: number) => {
        if (!problem) problem = p;
        ws.close(code, closeReason(p.message));
      };

      const ws = stream ? overStream(stream.input, stream.output) : dial({ endpoint: this.endpoint, name: this.name, secret: this.#o.secret });
      this.#ws = ws;

      ws.on('refused', (status: number, body: string) => {
        problem = describeHttpRefusal(status, body, base, this.endpoint, this.name);
        finish(problem);
      });
      ws.on('error', (err: Error) => {
        if (!problem) problem = welcomed ? { fatal: false, message: `connection error: ${err.message}` } : describeConnectError(err, base, this.endpoint);
      });
      ws.on('open', () => {
        const hello: HelloMessage = {
          type: 'hello', protocol: PROTOCOL_VERSION, name: this.name, labels: this.#o.labels ?? [],
          executors: this.#o.executors ?? 1, os: process.platform, arch: process.arch,
          hostname: os.hostname().slice(0, 256), nodeVersion: process.version, kilnVersion: kilnVersion(),
          workdir: this.workdir, session: this.#session, received: this.#link.received,
          ...(this.#leftovers !== null && this.#session === null ? { leftovers: this.#leftovers.slice(0, 1024) } : {}),
          ...(this.#durable.size > 0 ? { execs: this.#durable.handback() } : {}),
        };
        ws.send(JSON.stringify(hello));
        welcomeTimer = setTimeout(() => {
          fail({ fatal: false, message: `the controller at ${base} did not answer the hello within ${WELCOME_TIMEOUT_MS / 1000} s` }, CloseCode.timeout);
        }, WELCOME_TIMEOUT_MS);
      });
      const decoder = controllerDecoder();
      ws.on('message', (raw: Buffer, isBinary: boolean) => {
        if (settled || problem) return;
        try {
          const { msg, data } = decoder.decode(raw, isBinary);
          if (!welcomed) {
            if (msg.type !== 'welcome') throw new ProtocolViolation(CloseCode.policy, `expected welcome, got '${msg.type}'`);
            if (welcomeTimer) clearTimeout(welcomeTimer);
            this.#welcome(ws, msg);
            welcomed = true;
            stopHeartbeat = keepAlive(ws, {
              intervalMs: msg.heartbeatMs,
              timeoutMs: msg.timeoutMs,
              onDead: (ms) => { problem ??= { fatal: false, message: `no sign of life from the controller for ${(ms / 1000).toFixed(1)} s` }; },
            });
            return;
          }
          this.#message(msg, data, raw.length);
        } catch (e) {
          const v = e instanceof ProtocolViolation ? e : new ProtocolViolation(CloseCode.policy, e instanceof Error ? e.message : String(e));
          fail({ fatal: v.code === CloseCode.version, message: `protocol error: ${v.message}` }, v.code);
        }
      });
      ws.on('close', (code: number, reason: Buffer) => {
        this.#lastCloseCode = code;
        const text = reason.toString('utf8');
        if (code === CloseCode.version && !problem) problem = { fatal: true, message: `the controller speaks another protocol version: ${text}` };
        finish({ fatal: false, message: describeClose(code, text, base) });
      });
    });
  }

  #welcome(ws: AgentSocket, w: WelcomeMessage): void {
    if (w.protocol !== PROTOCOL_VERSION) {
      throw new ProtocolViolation(CloseCode.version, `the controller speaks protocol version ${w.protocol}, this agent ${PROTOCOL_VERSION}`);
    }
    if (!w.resumed) {
      if (this.#session !== null) {
        const running = this.#executor.running;
        this.#log(`the controller started a new session${running > 0 ? `; stopping ${running} process(es) of the previous one` : ''}`);
      }
      void this.#executor.close();
      this.#link.close();
      this.#link = new Link();
      this.#executor = this.#newExecutor();
    }
    this.#session = w.session;
    this.#leftovers = null; // reported
    this.#link.attach({ send: (frame, binary) => ws.send(frame, { binary }) }, w.received);
    this.#log(`${w.resumed ? 'reconnected' : 'connected'} to ${this.#o.stdio ? 'the controller over stdio' : this.#o.url} as agent '${this.name}'`);
  }

  #message(msg: ControllerMessage, data: Buffer | null, bytes: number): void {
    if (msg.type === 'welcome') throw new ProtocolViolation(CloseCode.policy, 'a second welcome');
    if (msg.type === 'ack') {
      this.#link.acknowledged(msg.ack);
      return;
    }
    const fresh = this.#link.receive(msg.seq, msg.ack, bytes);
    if (!fresh) return;
    this.#executor.handle(msg as Request, data);
  }
}

let version: string | undefined;
function kilnVersion(): string {
  if (version === undefined) {
    try {
      version = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      version = 'unknown';
    }
  }
  return version;
}
