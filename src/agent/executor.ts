// Carries out the controller's requests on the agent's machine, one session at a time.
//
// Why a separate piece: the connection (agent.ts) comes and goes; what runs here must not.
// An executor lives as long as the controller's session: processes keep running and output
// keeps being queued while the connection is down, and a resumed connection carries on. When
// the controller starts a new session instead (the old one ended), the old executor is closed:
// its processes are killed, its workspaces released, and nothing it still produces is sent.
//
// How: every request is done with the local backend's workspace code (exec/local-workspace.ts), which
// already holds the rules an agent needs for least privilege: every path must lie inside the
// workspace or its @tmp area, reads refuse symbolic links that lead out, processes run in their
// own process group and an abort kills the whole tree. On top of that, a workspace the
// controller asks for by path must lie inside the agent's work directory.
//
// An exec with a `durable` key (a script step) runs as a durable exec of the agent (durable.ts),
// which outlives this executor: closing it detaches those instead of killing them, and a later
// session's `reattach` attaches them to its executor; `discard` stops one; `execAck` moves what the
// agent may forget of one (the controller has it on disk).
//
// Streamed transfers (readStream / writeStream, see protocol/messages.ts) keep at most the
// controller's credit of a file in flight: a read waits for credit before each chunk, a write
// queues what arrives (never more than the window it granted) and grants more as it writes.

import * as fsp from '../util/fs-async.ts';
import * as path from 'node:path';
import { type Workspace, WorkspaceError } from '../core/workspace.ts';
import type { Backend } from '../core/nodes.ts';
import { openFile, writeChunks } from '../util/files-stream.ts';
import { CHUNK_BYTES, CloseCode } from '../protocol/messages.ts';
import type { ErrorCodeName, Outgoing, Request, Response } from '../protocol/messages.ts';
import { ProtocolViolation } from '../protocol/codec.ts';
import type { DurableExec, DurableExecs } from './durable.ts';

export interface ExecutorOptions {
  /** The agent's name (for messages). */
  name: string;
  /** Where workspaces are made; requested paths must lie inside `workdir`. */
  backend: Backend;
  workdir: string;
  /** Directory relative workspace paths resolve against (the backend's root). */
  workspaceRoot: string;
  /** Sends a sequenced message to the controller (with bytes for binary types); returns its seq. */
  send: (msg: Outgoing<Response>, data?: Buffer) => number;
  /** The agent's durable execs (durable.ts): an exec with a `durable` key runs there. Absent: none. */
  durable?: DurableExecs;
  /** The environment the backend puts under a step's (durable execs spawn themselves). */
  hostEnv?: Readonly<Record<string, string>>;
  /** Time between SIGTERM and SIGKILL when a durable exec is aborted. Default 1500 ms. */
  killGraceMs?: number;
}

interface Upload {
  chunks: Buffer[];
  bytes: number;
  done: (data: Buffer) => void;
}

/** Bytes of a streamed write the agent lets the controller send before it has written them. */
export const WRITE_WINDOW_BYTES = 4 * 1024 * 1024;

/** A streamed read (readStream) in progress: the credit left, and a wake-up for the sender. */
interface Reader {
  credit: number;
  cancelled: boolean;
  wake: (() => void) | null;
}

/** A streamed write (writeStream) in progress: chunks received and not yet written. */
interface Writer {
  queue: { data: Buffer; last: boolean }[];
  cancelled: boolean;
  wake: (() => void) | null;
}

export class RequestExecutor {
  readonly #o: ExecutorOptions;
  readonly #workspaces = new Map<number, Workspace>();
  readonly #execs = new Map<number, AbortController>();
  readonly #uploads = new Map<number, Upload>();
  readonly #readers = new Map<number, Reader>();
  readonly #writers = new Map<number, Writer>();
  /** Durable execs this session carries, by request id (exec or reattach). */
  readonly #durables = new Map<number, DurableExec>();
  /** The build each workspace was allocated for (a durable exec's record names it). */
  readonly #builds = new Map<number, { id: string; job: string; number: number }>();
  #closed = false;

  constructor(options: ExecutorOptions) {
    this.#o = options;
  }

  /** Processes running now. */
  get running(): number {
    return this.#execs.size;
  }

  /** Handles one new request. Throws ProtocolViolation for a request that makes no sense. */
  handle(msg: Request, data: Buffer | null): void {
    if (this.#closed) return;
    switch (msg.type) {
      case 'chunk': {
        const w = this.#writers.get(msg.id);
        if (w) {
          w.queue.push({ data: data ?? Buffer.alloc(0), last: msg.last });
          w.wake?.();
          return;
        }
        const up = this.#uploads.get(msg.id);
        if (!up) throw new ProtocolViolation(CloseCode.policy, `data chunk for request ${msg.id}, which expects none`);
        const d = data ?? Buffer.alloc(0);
        up.chunks.push(d);
        up.bytes += d.length;
        if (msg.last) {
          this.#uploads.delete(msg.id);
          up.done(up.chunks.length === 1 ? up.chunks[0]! : Buffer.concat(up.chunks));
        }
        return;
      }
      case 'abort': {
        const d = this.#durables.get(msg.id);
        if (d) void d.abort(this.#o.killGraceMs ?? 1500);
        this.#execs.get(msg.id)?.abort();
        const r = this.#readers.get(msg.id) ?? this.#writers.get(msg.id);
        if (r) {
          r.cancelled = true;
          r.wake?.();
        }
        return;
      }
      case 'credit': {
        const r = this.#readers.get(msg.id);
        if (r) {
          r.credit += msg.bytes;
          r.wake?.();
        }
        return; // credit for a read that ended meanwhile: nothing to do
      }
      case 'readStream': {
        const r: Reader = { credit: msg.credit, cancelled: false, wake: null };
        this.#readers.set(msg.id, r);
        this.#answer(msg.id, this.#readStream(msg, r).finally(() => this.#readers.delete(msg.id)));
        return;
      }
      case 'writeStream': {
        const w: Writer = { queue: [], cancelled: false, wake: null };
        this.#writers.set(msg.id, w);
        this.#answer(msg.id, this.#writeStream(msg, w).finally(() => this.#writers.delete(msg.id)));
        return;
      }
      case 'reattach': {
        const d = this.#o.durable?.get(msg.key);
        if (!d) {
          this.#send({ type: 'failed', id: msg.id, code: 'not-found', message: `agent '${this.#o.name}' holds no step ${msg.key} (it ended and was collected, or never ran here)` });
          return;
        }
        if (d.attached) throw new ProtocolViolation(CloseCode.policy, `step ${msg.key} is already attached on this agent`);
        if (msg.from && !d.canResendFrom(msg.from)) {
          throw new ProtocolViolation(CloseCode.policy, `reattach of step ${msg.key} from offsets ${msg.from.stdout}/${msg.from.stderr}, outside what it acknowledged and produced`);
        }
        this.#attachDurable(msg.id, d, msg.from);
        return;
      }
      case 'execAck': {
        const d = this.#durables.get(msg.id);
        if (!d) return; // its end was acknowledged already (a resend after a reconnect)
        if (!d.ackTo(msg.stdout, msg.stderr, msg.done === true)) {
          throw new ProtocolViolation(CloseCode.policy, `acknowledgement of output ${msg.stdout}/${msg.stderr}${msg.done ? ' and the end' : ''} of request ${msg.id}, which was not sent`);
        }
        return;
      }
      case 'discard': {
        void this.#o.durable?.discard(msg.key, this.#o.killGraceMs ?? 1500);
        return;
      }
      case 'exec': {
        if (msg.durable !== undefined && this.#o.durable && msg.container === undefined && process.platform !== 'win32') {
          const start = (stdin: Buffer | undefined) => this.#answer(msg.id, this.#startDurable(msg, msg.durable!, stdin));
          if (msg.stdin) this.#expectUpload(msg.id, start);
          else start(undefined);
          return;
        }
        // Registered now, so that an abort arriving before the process starts is not lost.
        const ac = new AbortController();
        this.#execs.set(msg.id, ac);
        if (msg.stdin) this.#expectUpload(msg.id, (stdin) => this.#answer(msg.id, this.#exec(msg, ac, stdin)));
        else this.#answer(msg.id, this.#exec(msg, ac, undefined));
        return;
      }
      case 'writeFile':
        this.#expectUpload(msg.id, (bytes) => this.#answer(msg.id, (async () => {
          if (bytes.length !== msg.size) throw new Error(`writeFile ${msg.path}: received ${bytes.length} bytes of ${msg.size}`);
          await this.#ws(msg.ws).writeFile(msg.path, bytes, msg.mode);
          this.#send({ type: 'done', id: msg.id });
        })()));
        return;
      case 'allocate':
        this.#answer(msg.id, this.#allocate(msg));
        return;
      case 'readFile':
        this.#answer(msg.id, (async () => {
          const bytes = await this.#ws(msg.ws).readFile(msg.path);
          for (let off = 0; off < bytes.length; off += CHUNK_BYTES) {
            this.#send({ type: 'chunk', id: msg.id, last: off + CHUNK_BYTES >= bytes.length }, bytes.subarray(off, off + CHUNK_BYTES));
          }
          this.#send({ type: 'fileRead', id: msg.id, size: bytes.length });
        })());
        return;
      case 'stat':
        this.#answer(msg.id, (async () => {
          this.#send({ type: 'fileStat', id: msg.id, stat: await this.#ws(msg.ws).stat(msg.path) });
        })());
        return;
      case 'mkdir':
        this.#answer(msg.id, (async () => {
          await this.#ws(msg.ws).mkdir(msg.path);
          this.#send({ type: 'done', id: msg.id });
        })());
        return;
      case 'remove':
        this.#answer(msg.id, (async () => {
          await this.#ws(msg.ws).remove(msg.path);
          this.#send({ type: 'done', id: msg.id });
        })());
        return;
      case 'glob':
        this.#answer(msg.id, (async () => {
          const options = {
            ...(msg.defaultExcludes !== undefined ? { defaultExcludes: msg.defaultExcludes } : {}),
            ...(msg.caseSensitive !== undefined ? { caseSensitive: msg.caseSensitive } : {}),
          };
          const files = await this.#ws(msg.ws).glob(msg.dir, msg.includes, msg.excludes, options);
          this.#send({ type: 'globbed', id: msg.id, files });
        })());
        return;
      case 'release':
        this.#answer(msg.id, (async () => {
          const ws = this.#workspaces.get(msg.ws);
          this.#workspaces.delete(msg.ws);
          this.#builds.delete(msg.ws);
          await ws?.release();
          this.#send({ type: 'done', id: msg.id });
        })());
        return;
    }
  }

  /**
   * Ends the session's work: kills its processes (but durable execs, which wait on disk for the
   * next session), releases its workspaces, sends nothing more.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const d of this.#durables.values()) d.detach();
    this.#durables.clear();
    for (const ac of this.#execs.values()) ac.abort();
    for (const t of [...this.#readers.values(), ...this.#writers.values()]) {
      t.cancelled = true;
      t.wake?.();
    }
    this.#uploads.clear();
    const all = [...this.#workspaces.values()];
    this.#workspaces.clear();
    await Promise.all(all.map((ws) => ws.release().catch(() => {})));
  }

  async #readStream(msg: Extract<Request, { type: 'readStream' }>, r: Reader): Promise<void> {
    const reader = await openFile(this.#ws(msg.ws), msg.path);
    let sent = 0;
    try {
      this.#send({ type: 'opened', id: msg.id, size: reader.size });
      for await (const chunk of reader.chunks()) {
        for (let off = 0; off < chunk.length; off += CHUNK_BYTES) {
          while (r.credit <= 0 && !r.cancelled && !this.#closed) await new Promise<void>((wake) => { r.wake = wake; });
          r.wake = null;
          if (r.cancelled || this.#closed) throw new Error(`reading ${msg.path} was stopped by the controller`);
          const part = chunk.subarray(off, off + CHUNK_BYTES);
          this.#send({ type: 'chunk', id: msg.id, last: false }, part);
          r.credit -= part.length;
          sent += part.length;
        }
      }
    } finally {
      await reader.close();
    }
    this.#send({ type: 'chunk', id: msg.id, last: true }, Buffer.alloc(0));
    this.#send({ type: 'fileRead', id: msg.id, size: sent });
  }

  async #writeStream(msg: Extract<Request, { type: 'writeStream' }>, w: Writer): Promise<void> {
    const ws = this.#ws(msg.ws);
    const send = (m: Outgoing<Response>) => this.#send(m);
    const id = msg.id;
    async function* incoming(): AsyncGenerator<Buffer> {
      // The window is granted once the file is open (the first pull), then again as it is written.
      send({ type: 'credit', id, bytes: WRITE_WINDOW_BYTES });
      for (;;) {
        while (w.queue.length === 0 && !w.cancelled) await new Promise<void>((wake) => { w.wake = wake; });
        w.wake = null;
        if (w.cancelled) throw new Error(`writing ${msg.path} was stopped by the controller`);
        const { data, last } = w.queue.shift()!;
        if (data.length > 0) {
          yield data;
          send({ type: 'credit', id, bytes: data.length });
        }
        if (last) return;
      }
    }
    await writeChunks(ws, msg.path, incoming(), msg.mode);
    this.#send({ type: 'done', id: msg.id });
  }

  async #allocate(msg: Extract<Request, { type: 'allocate' }>): Promise<void> {
    let wanted: string | undefined;
    if (msg.path !== undefined) {
      wanted = path.resolve(this.#o.workspaceRoot, msg.path);
      const root = path.resolve(this.#o.workdir);
      if (wanted !== root && !wanted.startsWith(root + path.sep)) {
        throw new WorkspaceError('outside', `workspace ${wanted} is outside agent '${this.#o.name}''s work directory ${root}`);
      }
      // Nor through a symbolic link: the deepest existing part must stay inside too.
      let existing = wanted;
      while (existing !== root && !(await fsp.lstat(existing).then(() => true, () => false))) existing = path.dirname(existing);
      const [real, realRoot] = await Promise.all([fsp.realpath(existing).catch(() => existing), fsp.realpath(root).catch(() => root)]);
      if (real !== realRoot && !real.startsWith(realRoot + path.sep)) {
        throw new WorkspaceError('outside', `workspace ${wanted} leads out of agent '${this.#o.name}''s work directory ${root} through a symbolic link (${existing} is ${real})`);
      }
    }
    const ws = await this.#o.backend.allocate({
      build: { job: msg.job, number: msg.number, id: msg.buildId },
      ...(wanted !== undefined ? { path: wanted } : {}),
      ...(msg.label !== undefined ? { label: msg.label } : {}),
    });
    if (this.#closed) {
      await ws.release();
      return;
    }
    this.#workspaces.set(msg.id, ws);
    this.#builds.set(msg.id, { id: msg.buildId, job: msg.job, number: msg.number });
    this.#send({
      type: 'allocated', id: msg.id, root: ws.root, tmp: ws.tmp, nodeName: ws.nodeName,
      nodeLabels: ws.nodeLabels, hasContainers: ws.hasContainers, isUnix: ws.isUnix,
      ...(ws.nodeEnv ? { env: { ...ws.nodeEnv } } : {}),
    });
  }

  async #exec(msg: Extract<Request, { type: 'exec' }>, ac: AbortController, stdin: Buffer | undefined): Promise<void> {
    let n = 0;
    try {
      const r = await this.#ws(msg.ws).exec({
        argv: msg.argv,
        cwd: msg.cwd,
        env: msg.env,
        ...(stdin !== undefined ? { stdin } : {}),
        ...(msg.container !== undefined ? { container: msg.container } : {}),
        signal: ac.signal,
        onOutput: (chunk, stream) => {
          for (let off = 0; off === 0 || off < chunk.length; off += CHUNK_BYTES) {
            this.#send({ type: 'output', id: msg.id, n: n++, stream }, chunk.subarray(off, off + CHUNK_BYTES));
          }
        },
      });
      this.#send({ type: 'exited', id: msg.id, exitCode: r.exitCode, signal: r.signal, aborted: r.aborted, chunks: n });
    } finally {
      this.#execs.delete(msg.id);
    }
  }

  /** Starts a durable exec (durable.ts) in workspace `msg.ws` and attaches it as request `msg.id`. */
  async #startDurable(msg: Extract<Request, { type: 'exec' }>, key: string, stdin: Buffer | undefined): Promise<void> {
    const ws = this.#ws(msg.ws);
    const cwd = path.resolve(msg.cwd);
    const inside = (dir: string) => cwd === dir || cwd.startsWith(dir + path.sep);
    if (!path.isAbsolute(msg.cwd) || (!inside(path.resolve(ws.root)) && !inside(path.resolve(ws.tmp)))) {
      throw new WorkspaceError('outside', `working directory ${msg.cwd} is outside the workspace ${ws.root}`);
    }
    const env: Record<string, string> = { ...this.#o.hostEnv, ...msg.env };
    env['PATH'] ??= '/usr/local/bin:/usr/bin:/bin';
    const build = this.#builds.get(msg.ws);
    const d = this.#o.durable!.start({
      key, buildId: build?.id ?? '', build: build ? `${build.job} #${build.number}` : 'a build', argv: msg.argv, cwd, env,
      ...(stdin !== undefined ? { stdin } : {}),
      ...(msg.keep ? { keep: msg.keep } : {}),
    });
    if (this.#closed) return; // the session ended meanwhile: it waits for the next one
    this.#attachDurable(msg.id, d);
  }

  #attachDurable(id: number, d: DurableExec, from?: { stdout: number; stderr: number }): void {
    this.#durables.set(id, d);
    d.attach({
      output: (data, stream, n) => this.#o.send({ type: 'output', id, n, stream }, data),
      // Kept in #durables after its exit: until the controller acknowledges `exited`, a new
      // session may need it again (close() detaches it).
      exited: (r) => this.#o.send({ type: 'exited', id, ...r }),
      forgotten: () => { this.#durables.delete(id); },
    }, from);
  }

  #ws(id: number): Workspace {
    const ws = this.#workspaces.get(id);
    if (!ws) throw new Error(`workspace ${id} is not allocated on agent '${this.#o.name}' (released, or the agent restarted)`);
    return ws;
  }

  #expectUpload(id: number, done: (data: Buffer) => void): void {
    this.#uploads.set(id, { chunks: [], bytes: 0, done });
  }

  /** Sends the failure of request `id` if `work` fails. */
  #answer(id: number, work: Promise<void>): void {
    work.catch((e: unknown) => {
      const code: ErrorCodeName = e instanceof WorkspaceError ? e.code : 'error';
      const message = e instanceof Error ? e.message : String(e);
      this.#send({ type: 'failed', id, code, message: message.slice(0, 65536) });
    });
  }

  #send(msg: Outgoing<Response>, data?: Buffer): void {
    if (!this.#closed) this.#o.send(msg, data);
  }

}
