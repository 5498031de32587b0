// The controller's side of one agent session: the requests in flight to that agent and the
// answers that settle them. A session outlives its connections: when the WebSocket drops, the
// session waits `graceMs` for the agent to come back (same name, same session token) with its
// processes still running; pending calls wait too, and messages queued meanwhile go out on
// the resumed connection (link.ts makes that exactly-once). If the agent does not return in
// time, or breaks the protocol, or shuts down, the session ends and every pending call rejects
// with an AgentUnavailableError naming the agent.
//
// The hub (hub.ts) owns sockets and hands this class decoded, schema-checked messages.
//
// Durable execs (agent/durable.ts): `handedBack` holds what the agent's hello handed back and the
// store accepted; `reattach` takes one over for a resumed step; `takeOver` moves the calls an
// ended session of the same agent (its previous process) was waiting for to this one.
//
// Streamed transfers (openRead, writeFrom; see protocol/messages.ts) are how artifacts and
// stashes of any size pass: a read grants the agent READ_WINDOW_BYTES of credit and more only as
// its consumer takes chunks (so a slow disk slows the agent instead of filling memory); a write
// sends chunks only within the credit the agent granted. Either side's failure, or the session
// ending, fails the transfer; the consumer removes what it half wrote.

import type { HandedBack, HelloMessage, Outgoing, Request, Response } from '../../protocol/messages.ts';
import { CHUNK_BYTES, CloseCode } from '../../protocol/messages.ts';
import { Link, type LinkTransport } from '../../protocol/link.ts';
import { ProtocolViolation } from '../../protocol/codec.ts';
import { ExecNotReattachable, WorkspaceError, type ExecResult, type ExecSpec, type FileReader, type OutputBarrier, type OutputStream, type ReattachSpec } from '../../core/workspace.ts';
import { KilnError } from '../../core/errors.ts';

/** Bytes of a streamed read the agent may send before the controller has taken them. */
export const READ_WINDOW_BYTES = 4 * 1024 * 1024;
/**
 * Bytes a streamed write may have sent and not yet seen acknowledged, whatever credit the agent
 * grants: the controller keeps them for a resend, so this (not the agent's credit) bounds its memory.
 */
export const WRITE_UNACKED_BYTES = 8 * 1024 * 1024;

/** A call could not complete because its agent is gone (or never was there). */
export class AgentUnavailableError extends KilnError {
  readonly agent: string;
  /** The agent was a pod's (set when its session ends): retry's kubernetesAgent() condition reads it (core/errors.ts agentLossOf). */
  pod = false;
  constructor(agent: string, message: string) {
    super('agent.unavailable', message);
    this.agent = agent;
  }
}

type ResponseType = Response['type'];
type ResponseOf<T extends ResponseType> = Extract<Response, { type: T }>;

interface Pending {
  /** The answer that settles it ('exited' for exec, 'done' for writeFile, ...). */
  expect: ResponseType;
  /** What it was, for messages. */
  what: string;
  resolve(msg: Response): void;
  /** `ended` is true when the session ended under it (rather than the agent reporting a failure). */
  reject(err: Error, ended: boolean): void;
  /** readFile: the chunks so far. */
  chunks: Buffer[] | null;
  /** exec of a durable exec (or its reattach): its output is acknowledged with `execAck` (see ackOutput). */
  durable?: boolean;
  /** The durable exec's ack barrier (ExecSpec.barrier); absent: output is safe once handled. */
  barrier?: OutputBarrier;
  /** What the agent was told is safe (`execAck`), and whether a send is queued. */
  safe?: { stdout: number; stderr: number };
  ackQueued?: boolean;
  /** `execAck` with `done` went out (or will never: the barrier refused). */
  doneSent?: boolean;
  /** A durable exec's key, and where its request is now (a new session of a restarted agent may take it over). */
  durableKey?: string;
  where?: { s: AgentSession; id: number };
  /** A durable exec's output handled so far, per stream, from the start of its output. */
  got?: { stdout: number; stderr: number };
  /** exec: where output goes, and the number of the next chunk. */
  output: ((data: Buffer, stream: OutputStream) => void) | null;
  n: number;
  /** readFile: bytes so far; set to -1 once over the limit (the call failed; the rest is dropped). */
  bytes?: number;
  /** Streamed transfers: intermediate messages ('opened', 'chunk', 'credit'). */
  stream?: {
    opened?(size: number): void;
    chunk?(data: Buffer, last: boolean): void;
    credit?(bytes: number): void;
  };
  /** The controller stopped this transfer: what still comes for it is dropped, its end settles nothing. */
  cancelled?: boolean;
}

export interface SessionOptions {
  name: string;
  token: string;
  hello: HelloMessage;
  address: string | null;
  graceMs: number;
  /** The agent of a pod this controller made: the errors its end gives say so. */
  pod?: boolean;
  /** Largest file readFile accepts (default 1 GiB): the controller holds it in memory. */
  maxFileBytes?: number;
  /** Called once when the session ends, with the reason. */
  onEnd: (session: AgentSession, reason: AgentUnavailableError) => void;
}

export class AgentSession {
  readonly name: string;
  readonly token: string;
  readonly startedAt = Date.now();
  readonly graceMs: number;
  hello: HelloMessage;
  address: string | null;
  readonly link = new Link();
  /** When the current disconnection began (null while connected). */
  disconnectedAt: number | null = null;
  /**
   * Durable execs the agent handed back in its hello (a previous controller process, or a previous
   * agent process, started them) that the store says are this agent's, of running builds: a
   * resumed step takes one over (`reattach`), once.
   */
  readonly handedBack = new Map<string, HandedBack>();
  /**
   * Every durable exec the agent's hello named, taken over or not (the hub discarded those the
   * store did not give it), and whether that list was whole (the hello carries at most 1024): a
   * key outside a whole list never started on this agent (reattach).
   */
  readonly namedAtHello = new Set<string>();
  readonly handbackWhole: boolean;
  /** The session of the same agent's next process, when it replaced this one (workspaces follow it). */
  successor: AgentSession | null = null;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #graceTimer: NodeJS.Timeout | null = null;
  #ended: AgentUnavailableError | null = null;
  readonly #onEnd: SessionOptions['onEnd'];
  readonly #maxFileBytes: number;

  readonly #pod: boolean;

  constructor(o: SessionOptions) {
    this.#pod = o.pod ?? false;
    this.#maxFileBytes = o.maxFileBytes ?? 1024 * 1024 * 1024;
    this.name = o.name;
    this.token = o.token;
    this.hello = o.hello;
    this.handbackWhole = (o.hello.execs?.length ?? 0) < 1024;
    for (const h of o.hello.execs ?? []) this.namedAtHello.add(h.key);
    this.address = o.address;
    this.graceMs = o.graceMs;
    this.#onEnd = o.onEnd;
  }

  get ended(): AgentUnavailableError | null {
    return this.#ended;
  }

  get connected(): boolean {
    return this.link.connected;
  }

  /** Processes started on the agent (exec requests) whose end has not been reported. */
  get runningExecs(): number {
    let n = 0;
    for (const p of this.#pending.values()) if (p.expect === 'exited') n++;
    return n;
  }

  /** Requests waiting for an answer. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** A (new) connection carries the session; the agent said it received up to `agentReceived`. */
  attach(transport: LinkTransport, agentReceived: number): void {
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    this.disconnectedAt = null;
    this.link.attach(transport, agentReceived);
  }

  /** The connection dropped: wait for the agent to come back, then give up. */
  detach(): void {
    if (this.#ended) return;
    this.link.detach();
    if (this.#graceTimer) return;
    this.disconnectedAt = Date.now();
    this.#graceTimer = setTimeout(() => {
      const running = this.runningExecs;
      this.end(new AgentUnavailableError(this.name,
        `agent '${this.name}' disconnected and did not come back within ${formatSeconds(this.graceMs)}` +
        (running > 0 ? `; the processes it was running may still be running on ${printable(this.hello.hostname)} (the agent stops them when it starts again)` : '')));
    }, this.graceMs);
  }

  /** Ends the session: every pending call fails with `reason`. Idempotent. */
  end(reason: AgentUnavailableError): void {
    if (this.#ended) return;
    if (this.#pod) reason.pod = true;
    this.#ended = reason;
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.#graceTimer = null;
    this.link.close();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(reason, true);
    this.#onEnd(this, reason);
  }

  // ---------------------------------------------------------------------------------- requests

  /** Sends a request and resolves with its answer of type `expect`. */
  request<T extends ResponseType>(
    msg: DistributiveOmit<Outgoing<Request>, 'id'>, expect: T, what: string, body?: Buffer,
  ): Promise<ResponseOf<T>> {
    return new Promise<ResponseOf<T>>((resolve, reject) => {
      const id = this.#register({
        expect, what, chunks: null, output: null, n: 0,
        resolve: (m) => resolve(m as ResponseOf<T>),
        reject: (e) => reject(e),
      });
      this.#sendRequest(id, msg, body);
    });
  }

  /** readFile: the chunks the agent sends, joined. */
  readFile(ws: number, path: string): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      const id = this.#register({
        expect: 'fileRead', what: `readFile ${path}`, chunks, output: null, n: 0,
        resolve: (m) => {
          const data = Buffer.concat(chunks);
          const size = (m as ResponseOf<'fileRead'>).size;
          if (data.length !== size) reject(new Error(`reading ${path} on agent '${this.name}': got ${data.length} bytes of ${size}`));
          else resolve(data);
        },
        reject: (e) => reject(e),
      });
      this.#sendRequest(id, { type: 'readFile', ws, path });
    });
  }

  /** Opens a file on the agent to read it in chunks, with flow control (see the header). */
  openRead(ws: number, path: string): Promise<FileReader> {
    return new Promise<FileReader>((resolveOpen, rejectOpen) => {
      const queue: Buffer[] = [];
      let ended = false;
      let failure: Error | null = null;
      let wake: (() => void) | null = null;
      let received = 0;
      let taken = 0;
      let ungranted = 0;
      let finalSize = -1;
      let opened = false;
      let closed = false;
      const poke = () => { const w = wake; wake = null; w?.(); };
      const id = this.#register({
        expect: 'fileRead', what: `reading ${path}`, chunks: null, output: null, n: 0,
        stream: {
          opened: (size) => {
            opened = true;
            resolveOpen(reader(size));
          },
          chunk: (data) => {
            if (!opened) throw new ProtocolViolation(CloseCode.policy, `data chunk for request ${id} before its file was opened`);
            received += data.length;
            if (received - taken > READ_WINDOW_BYTES + CHUNK_BYTES) {
              throw new ProtocolViolation(CloseCode.policy, `the agent sent ${received - taken} bytes of ${path} beyond the credit it was given`);
            }
            if (data.length > 0) queue.push(data);
            poke();
          },
        },
        resolve: (m) => {
          finalSize = (m as ResponseOf<'fileRead'>).size;
          ended = true;
          poke();
        },
        reject: (e) => {
          failure = e;
          if (!opened) rejectOpen(e);
          poke();
        },
      });
      const close = async () => {
        if (closed) return;
        closed = true;
        poke(); // a consumer waiting for chunks learns the read was stopped
        if (!ended && failure === null && this.#pending.has(id)) {
          const p = this.#pending.get(id)!;
          p.cancelled = true;
          if (!this.#ended) this.link.send({ type: 'abort', id });
        }
        queue.length = 0;
      };
      const reader = (size: number): FileReader => ({
        size,
        close,
        chunks: async function* (this: AgentSession) {
          try {
            for (;;) {
              // Closed before its end: never a normal end (the file would be kept truncated).
              if (closed) throw new Error(`reading ${path} on agent '${this.name}' was stopped`);
              const next = queue.shift();
              if (next) {
                taken += next.length;
                ungranted += next.length;
                // Credit goes back in batches of half a window, as the consumer takes chunks.
                if (ungranted >= READ_WINDOW_BYTES / 2 && !this.#ended && !closed) {
                  this.link.send({ type: 'credit', id, bytes: ungranted });
                  ungranted = 0;
                }
                yield next;
                continue;
              }
              if (failure) throw failure;
              if (ended) {
                if (finalSize !== received) throw new Error(`reading ${path} on agent '${this.name}': got ${received} bytes of ${finalSize}`);
                return;
              }
              await new Promise<void>((r) => { wake = r; });
            }
          } finally {
            await close();
          }
        }.bind(this),
      });
      try {
        this.#sendRequest(id, { type: 'readStream', ws, path, credit: READ_WINDOW_BYTES });
      } catch (e) {
        rejectOpen(e as Error);
      }
    });
  }

  /** Writes `chunks` to a file on the agent, sending them only within the credit it grants. */
  writeFrom(ws: number, path: string, chunks: AsyncIterable<Buffer>, mode?: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let credit = 0;
      let failure: Error | null = null;
      let done = false;
      let wake: (() => void) | null = null;
      const poke = () => { const w = wake; wake = null; w?.(); };
      const id = this.#register({
        expect: 'done', what: `writing ${path}`, chunks: null, output: null, n: 0,
        stream: { credit: (bytes) => { credit += bytes; poke(); } },
        resolve: () => { done = true; poke(); },
        reject: (e) => { failure = e; poke(); },
      });
      const pump = async () => {
        const it = chunks[Symbol.asyncIterator]();
        try {
          for (;;) {
            const n = await it.next();
            if (n.done) break;
            const c = n.value;
            for (let off = 0; off < c.length; off += CHUNK_BYTES) {
              while (credit <= 0 && failure === null && !done) await new Promise<void>((r) => { wake = r; });
              if (failure) throw failure;
              await this.link.whenPendingAtMost(WRITE_UNACKED_BYTES);
              if (failure) throw failure;
              if (this.#ended) throw this.#ended;
              const part = c.subarray(off, off + CHUNK_BYTES);
              this.link.send({ type: 'chunk', id, last: false }, part);
              credit -= part.length;
            }
          }
        } catch (e) {
          if (failure === null) {
            // The source failed (a controller file vanished, a read error): stop the agent's write.
            const p = this.#pending.get(id);
            if (p) p.cancelled = true;
            if (!this.#ended) this.link.send({ type: 'abort', id });
          }
          await it.return?.().catch(() => {});
          throw e;
        }
        if (failure) throw failure;
        this.link.send({ type: 'chunk', id, last: true }, Buffer.alloc(0));
        while (!done && failure === null) await new Promise<void>((r) => { wake = r; });
        if (failure) throw failure;
      };
      try {
        this.#sendRequest(id, { type: 'writeStream', ws, path, ...(mode !== undefined ? { mode } : {}) });
      } catch (e) {
        reject(e);
        return;
      }
      pump().then(resolve, reject);
    });
  }

  /** Runs a process on the agent; output streams to `spec.onOutput` in order. */
  exec(ws: number, spec: ExecSpec): Promise<ExecResult> {
    const stdin = spec.stdin === undefined ? undefined : Buffer.isBuffer(spec.stdin) ? spec.stdin : Buffer.from(spec.stdin, 'utf8');
    const msg = {
      type: 'exec' as const, ws, argv: spec.argv, cwd: spec.cwd, env: spec.env, stdin: stdin !== undefined,
      ...(spec.container !== undefined ? { container: spec.container } : {}),
      ...(spec.durableKey !== undefined ? { durable: spec.durableKey } : {}),
      ...(spec.durableKey !== undefined && spec.keepStdout ? { keep: 'stdout' as const } : {}),
    };
    return this.#process(msg, `exec ${JSON.stringify(spec.argv[0])}`, spec, stdin, spec.durableKey, { stdout: 0, stderr: 0 });
  }

  /**
   * The agent restarted (a new process, a new session) and handed back durable execs whose calls
   * wait in `old`: this session takes those calls over (`reattach`), so the steps go on instead
   * of failing when `old` ends. Returns how many.
   */
  takeOver(old: AgentSession, keys: ReadonlySet<string>): number {
    let n = 0;
    for (const [oldId, p] of [...old.#pending]) {
      if (!p.durableKey || !keys.has(p.durableKey) || !p.where) continue;
      old.#pending.delete(oldId);
      this.handedBack.delete(p.durableKey);
      p.n = 0;
      const id = this.#register(p);
      p.where.s = this;
      p.where.id = id;
      this.#sendRequest(id, { type: 'reattach', key: p.durableKey, ...(p.got ? { from: { ...p.got } } : {}) });
      n++;
    }
    return n;
  }

  /** Takes over durable exec `key` the agent handed back (see handedBack); ExecNotReattachable when it did not. */
  reattach(key: string, spec: ReattachSpec): Promise<ExecResult> {
    const h = this.handedBack.get(key);
    if (!h || !this.handedBack.delete(key)) {
      // The agent keeps an exec's directory from before its process starts until the controller
      // acknowledged its end, which follows the step's end in the journal: a step the journal has
      // running that a whole hand-back does not name never reached the agent.
      const never = this.handbackWhole && !this.namedAtHello.has(key);
      return Promise.reject(new ExecNotReattachable(never
        ? `agent '${this.name}' never received the step's process ${key}`
        : `agent '${this.name}' did not hand back the step's process ${key}`, !never));
    }
    // From what the console on disk has of it (spec.from), within what the agent holds: what it
    // acknowledged and what it produced.
    // A captured stdout (keepStdout: the agent kept all of it) comes again from its start.
    const at = (s: 'stdout' | 'stderr') => Math.min(Math.max(spec.from?.[s] ?? 0, h[s].acked), h[s].bytes);
    const from = { stdout: spec.keepStdout ? 0 : at('stdout'), stderr: at('stderr') };
    const moved = from.stdout !== h.stdout.acked || from.stderr !== h.stderr.acked;
    return this.#process({ type: 'reattach', key, ...(moved ? { from } : {}) }, `step ${key}`, spec, undefined, key, from).catch((e: unknown) => {
      if (e instanceof WorkspaceError && e.code === 'not-found') throw new ExecNotReattachable(e.message);
      throw e;
    });
  }

  #process(msg: DistributiveOmit<Outgoing<Request>, 'id'>, what: string, spec: ReattachSpec, stdin: Buffer | undefined,
    durableKey?: string, got?: { stdout: number; stderr: number }): Promise<ExecResult> {
    return new Promise<ExecResult>((resolve, reject) => {
      let sinkError: unknown;
      let abortRequested = false;
      const where = { s: this as AgentSession, id: 0 };
      const onAbort = () => {
        const { s, id } = where;
        if (abortRequested || !s.#pending.has(id)) return;
        abortRequested = true;
        if (!s.#ended) s.link.send({ type: 'abort', id });
      };
      const cleanup = () => spec.signal?.removeEventListener('abort', onAbort);
      where.id = this.#register({
        expect: 'exited', what, chunks: null, n: 0, durable: durableKey !== undefined, where,
        ...(durableKey !== undefined ? { durableKey } : {}),
        ...(durableKey !== undefined && spec.barrier ? { barrier: spec.barrier } : {}),
        ...(durableKey !== undefined && got ? { got } : {}),
        output: (data, stream) => {
          if (sinkError !== undefined) return;
          try {
            spec.onOutput(data, stream);
          } catch (e) {
            sinkError = e;
          }
        },
        resolve: (m) => {
          cleanup();
          const r = m as ResponseOf<'exited'>;
          if (sinkError !== undefined) reject(sinkError);
          else resolve({ exitCode: r.exitCode, signal: r.signal, aborted: r.aborted });
        },
        reject: (e, ended) => {
          cleanup();
          // Aborted by the build and then the agent vanished: the process is gone either way.
          if (ended && abortRequested) resolve({ exitCode: null, signal: null, aborted: true });
          else reject(e);
        },
      });
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      this.#sendRequest(where.id, msg, stdin);
    });
  }

  #register(p: Pending): number {
    if (this.#ended) throw this.#ended;
    const id = this.#nextId++;
    this.#pending.set(id, p);
    return id;
  }

  #sendRequest(id: number, msg: DistributiveOmit<Outgoing<Request>, 'id'>, body?: Buffer): void {
    if (this.#ended) {
      this.#pending.delete(id);
      throw this.#ended;
    }
    this.link.send({ ...msg, id });
    if (body !== undefined) {
      for (let off = 0; ; off += CHUNK_BYTES) {
        const last = off + CHUNK_BYTES >= body.length;
        this.link.send({ type: 'chunk', id, last }, body.subarray(off, off + CHUNK_BYTES));
        if (last) break;
      }
    }
  }

  // ---------------------------------------------------------------------------------- answers

  /** Handles one new sequenced message from the agent. Throws ProtocolViolation on nonsense. */
  handle(msg: Response, data: Buffer | null): void {
    const p = this.#pending.get(msg.id);
    if (!p) throw new ProtocolViolation(CloseCode.policy, `'${msg.type}' for request ${msg.id}, which is not pending`);
    if (p.stream) {
      if (p.cancelled) {
        // Stopped by the controller: what was in flight is dropped; the agent's answer ends it.
        if (msg.type === 'fileRead' || msg.type === 'failed' || msg.type === 'done') {
          this.#pending.delete(msg.id);
          p.reject(new Error(`${p.what} was stopped`), false);
        }
        return;
      }
      switch (msg.type) {
        case 'opened':
          if (!p.stream.opened) break;
          p.stream.opened(msg.size);
          return;
        case 'chunk':
          if (!p.stream.chunk) break;
          p.stream.chunk(data ?? Buffer.alloc(0), msg.last);
          return;
        case 'credit':
          if (!p.stream.credit) break;
          p.stream.credit(msg.bytes);
          return;
      }
    }
    switch (msg.type) {
      case 'output':
        if (!p.output) throw new ProtocolViolation(CloseCode.policy, `output for request ${msg.id}, which is ${p.what}`);
        if (msg.n !== p.n) throw new ProtocolViolation(CloseCode.policy, `output chunk ${msg.n} of request ${msg.id} where ${p.n} was due`);
        p.n++;
        if (p.got) p.got[msg.stream] += data?.length ?? 0;
        p.output(data ?? Buffer.alloc(0), msg.stream);
        if (p.durable && p.got) ackOutput(p);
        return;
      case 'chunk': {
        if (!p.chunks) throw new ProtocolViolation(CloseCode.policy, `data chunk for request ${msg.id}, which is ${p.what}`);
        if (p.bytes === -1) return; // over the limit: already failed, the rest is dropped
        const chunk = data ?? Buffer.alloc(0);
        p.bytes = (p.bytes ?? 0) + chunk.length;
        if (p.bytes > this.#maxFileBytes) {
          p.bytes = -1;
          p.chunks.length = 0;
          p.reject(new Error(`${p.what} on agent '${this.name}': the file is larger than ${formatBytes(this.#maxFileBytes)}, the most the controller reads into memory; archive or stash a smaller file (or compress it)`), false);
          return;
        }
        p.chunks.push(chunk);
        return;
      }
      case 'failed':
        this.#pending.delete(msg.id);
        if (p.bytes === -1) return;
        p.reject(msg.code === 'error' ? new Error(msg.message) : new WorkspaceError(msg.code, msg.message), false);
        return;
      default:
        if (msg.type !== p.expect) throw new ProtocolViolation(CloseCode.policy, `'${msg.type}' in answer to request ${msg.id}, which is ${p.what}`);
        if (p.bytes === -1) {
          this.#pending.delete(msg.id); // the end of a file already refused as too large
          return;
        }
        if (msg.type === 'exited' && msg.chunks !== p.n) {
          throw new ProtocolViolation(CloseCode.policy, `exec ${msg.id} ended after ${msg.chunks} output chunks, ${p.n} arrived`);
        }
        this.#pending.delete(msg.id);
        p.resolve(msg);
        if (msg.type === 'exited' && p.durable && p.got) ackEnd(p);
    }
  }

  /** Sends a durable exec's `execAck` on the session that carries its request now (none once that ended). */
  static sendExecAck(p: Pending, done: boolean): void {
    const { s, id } = p.where!;
    if (s.#ended) return;
    const safe = p.safe ?? { stdout: 0, stderr: 0 };
    s.link.send({ type: 'execAck', id, stdout: safe.stdout, stderr: safe.stderr, ...(done ? { done: true } : {}) });
  }
}

/**
 * The ack barrier of a durable exec's output: the agent forgets output only once it is safe here
 * (ExecSpec.barrier: in the console on disk), so that a controller killed with output in its
 * console writer's memory gets it again. The barrier is asked at once for every chunk (a snapshot
 * of what was handled, while the line sinks' partial lines are what they are now); acks that
 * resolve together go out as one `execAck`.
 */
function ackOutput(p: Pending): void {
  const got = { ...p.got! };
  if (!p.barrier) {
    told(p, got);
    return;
  }
  p.barrier(got).then((safe) => told(p, safe), () => { /* the controller stops: the agent keeps it */ });
}

function told(p: Pending, safe: { stdout: number; stderr: number }): void {
  const t = (p.safe ??= { stdout: 0, stderr: 0 });
  if (safe.stdout <= t.stdout && safe.stderr <= t.stderr) return;
  t.stdout = Math.max(t.stdout, safe.stdout);
  t.stderr = Math.max(t.stderr, safe.stderr);
  if (p.ackQueued || p.doneSent) return;
  p.ackQueued = true;
  queueMicrotask(() => {
    p.ackQueued = false;
    if (!p.doneSent) AgentSession.sendExecAck(p, false);
  });
}

/**
 * The exec ended: once the step's end is journaled (the barrier with `end` waits for the engine
 * to record the step's result) and the console has written what it was given, the agent may
 * forget the exec. Until then it keeps the result: a controller killed in between takes the step
 * over again (it is still in flight in the journal) and gets its output and exit once more.
 */
function ackEnd(p: Pending): void {
  setImmediate(() => {
    const fin = () => {
      if (p.doneSent) return;
      p.doneSent = true;
      AgentSession.sendExecAck(p, true);
    };
    if (!p.barrier) fin();
    else p.barrier({ ...p.got! }, true).then(fin, () => { p.doneSent = true; });
  });
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  if (n >= 1024 ** 2 && n % 1024 ** 2 === 0) return `${n / 1024 ** 2} MiB`;
  return `${n} bytes`;
}

/** An agent's free text (hello, leftovers) with control characters (newlines, escapes) shown as '?': it goes into logs and consoles. */
export function printable(t: string): string {
  return t.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?');
}

export function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
