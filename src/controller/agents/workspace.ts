// The Backend/Workspace interface (../types.ts) over the wire: each call becomes one request to
// the agent that holds the workspace, so the engine runs steps on an agent exactly as it runs
// them locally, without knowing the difference.
//
// A RemoteBackend stands for one agent by name; `allocate` uses that agent's current session
// and the RemoteWorkspace it returns is bound to that session. If the session ends (agent gone
// past its grace period, shut down, protocol broken), the workspace's calls reject with an
// AgentUnavailableError naming the agent; `release` then succeeds quietly, since the agent has
// already dropped everything of that session.
//
// What the agent says about itself is not trusted where the controller knows better: a
// workspace's nodeName is the agent's authenticated name, and its nodeLabels (NODE_LABELS in
// the build) are the labels the controller configured for the agent when it has a
// configuration (`labels`), whatever the agent's `allocated` answer claims.
//
// Durable execs (a script step's ExecSpec.durableKey): the key, the agent and the build go into
// the store (`DurableExecRecords`, table agent_execs) as the exec is sent, and leave it when its
// end is safe (its end barrier: the step's end journaled; else when its result arrives); a new controller process accepts from an agent's hello only the execs the store
// says are that agent's (hub.ts), and `reattach` takes one over.

import { ExecNotReattachable, type ExecResult, type ExecSpec, type FileReader, type FileStat, type GlobOptions, type OutputBarrier, type ReattachSpec, type Workspace } from '../../core/workspace.ts';
import type { Backend, WorkspaceRequest } from '../../core/nodes.ts';
import { AgentUnavailableError, type AgentSession } from './session.ts';

/** Where the controller keeps which durable exec is whose (the store's agent_execs; see the header). */
export interface DurableExecRecords {
  record(key: string, agent: string, buildId: string): Promise<void>;
  forget(key: string): Promise<void>;
  /** The exec's agent and build, and whether that build still runs; null when unknown. */
  owner(key: string): Promise<{ agent: string; buildId: string; running: boolean } | null>;
  /** Whether the build still runs (a hand-back whose row the killed controller had not written yet). */
  buildRunning(buildId: string): Promise<boolean>;
}

export class RemoteBackend implements Backend {
  readonly kind = 'agent';
  readonly agent: string;
  readonly #session: () => AgentSession | undefined;
  readonly #labels: () => readonly string[] | null;
  readonly #live = new Set<RemoteWorkspace>();
  readonly #records: DurableExecRecords | null;

  /**
   * `session` returns the agent's current session, if it has one; `labels` the labels the
   * controller configured for it (null: none configured, e.g. a pod's agent; the agent's own
   * answer is used then).
   */
  constructor(agent: string, session: () => AgentSession | undefined, labels: () => readonly string[] | null = () => null, records: DurableExecRecords | null = null) {
    this.agent = agent;
    this.#records = records;
    this.#session = session;
    this.#labels = labels;
  }

  async allocate(req: WorkspaceRequest): Promise<Workspace> {
    const s = this.#session();
    if (!s || s.ended) throw new AgentUnavailableError(this.agent, `agent '${this.agent}' is offline`);
    const r = await s.request({
      type: 'allocate', job: req.build.job, number: req.build.number, buildId: req.build.id,
      ...(req.path !== undefined ? { path: req.path } : {}),
      ...(req.label !== undefined ? { label: req.label } : {}),
    }, 'allocated', `allocate a workspace for ${req.build.job} #${req.build.number}`);
    const configured = this.#labels();
    const info: RemoteWorkspaceInfo = { ...r, nodeName: this.agent, nodeLabels: configured ? [...configured] : r.nodeLabels };
    const ws = new RemoteWorkspace(s, r.id, info, () => this.#live.delete(ws), { buildId: req.build.id, records: this.#records, job: req.build.job, number: req.build.number }, (p) => this.allocate({ ...req, path: p }));
    this.#live.add(ws);
    return ws;
  }

  /** Releases every workspace this backend allocated and has not released. */
  async close(): Promise<void> {
    await Promise.all([...this.#live].map((ws) => ws.release()));
  }
}

/**
 * Calls `forget` once the agent answered (a result or its failure); not when the session ended
 * under the call (the process may still run: the next session takes it over).
 */
/**
 * A durable exec's row goes once its result is safe: when its end barrier resolved (the step's
 * end is journaled: a controller killed before that must still accept the agent's hand-back of
 * it), or as the result arrives when there is no barrier (`ok` null: the barrier forgets it).
 */
async function settled(p: Promise<ExecResult>, ok: (() => void) | null, failed: () => void): Promise<ExecResult> {
  try {
    const r = await p;
    ok?.();
    return r;
  } catch (e) {
    // An exec the agent never received keeps its row: the step starts it now (shell.ts).
    if (!(e instanceof AgentUnavailableError) && !(e instanceof ExecNotReattachable && !e.started)) failed();
    throw e;
  }
}

/** The barrier, with the row forgotten once its end resolved (see settled). */
function forgetAtEnd(barrier: OutputBarrier, forget: () => void): OutputBarrier {
  return (got, end) => {
    const p = barrier(got, end);
    return end ? p.then((safe) => { forget(); return safe; }) : p;
  };
}

export interface RemoteWorkspaceInfo {
  root: string;
  tmp: string;
  nodeName: string;
  nodeLabels: string[];
  hasContainers: boolean;
  isUnix: boolean;
  env?: Record<string, string>;
}

export class RemoteWorkspace implements Workspace {
  readonly root: string;
  readonly tmp: string;
  readonly nodeName: string;
  readonly nodeLabels: string[];
  readonly hasContainers: boolean;
  readonly isUnix: boolean;
  readonly nodeEnv?: Readonly<Record<string, string>>;
  /** The agent's name for this workspace (the id of the request that allocated it). */
  id: number;
  #s: AgentSession;
  readonly #onRelease: () => void;
  readonly allocateAt?: (path: string) => Promise<Workspace>;
  readonly #durable: { buildId: string; records: DurableExecRecords | null; job?: string; number?: number } | null;
  #released = false;

  constructor(session: AgentSession, id: number, info: RemoteWorkspaceInfo, onRelease: () => void,
    durable: { buildId: string; records: DurableExecRecords | null; job?: string; number?: number } | null = null,
    allocateAt?: (path: string) => Promise<Workspace>) {
    this.#s = session;
    this.#durable = durable;
    // ws('dir'): the agent allocates it (and refuses a path outside its work directory).
    if (allocateAt) this.allocateAt = allocateAt;
    this.id = id;
    this.root = info.root;
    this.tmp = info.tmp;
    this.nodeName = info.nodeName;
    this.nodeLabels = [...info.nodeLabels];
    this.hasContainers = info.hasContainers;
    this.isUnix = info.isUnix;
    if (info.env) this.nodeEnv = { ...info.env };
    this.#onRelease = onRelease;
  }

  /**
   * The agent restarted and its new session took over this workspace's durable exec (hub.ts,
   * AgentSession.successor): the workspace moves to that session, allocated again at the same
   * path, so the build's next steps run there too.
   */
  async #follow(): Promise<void> {
    let next = this.#s.successor;
    while (next?.successor) next = next.successor;
    if (!this.#s.ended || !next || next.ended || this.#released || !this.#durable?.job) return;
    const r = await next.request({
      type: 'allocate', job: this.#durable.job, number: this.#durable.number ?? 0, buildId: this.#durable.buildId, path: this.root,
    }, 'allocated', `allocate ${this.root} again after agent '${next.name}' restarted`);
    if (this.#s.successor && this.#s.ended) {
      this.#s = next;
      this.id = r.id;
    }
  }

  /** The agent this workspace lives on. */
  get agent(): string {
    return this.#s.name;
  }

  async exec(spec: ExecSpec): Promise<ExecResult> {
    await this.#follow();
    if (this.#released) throw new Error(`workspace ${this.root} on agent '${this.agent}' was released; cannot run ${JSON.stringify(spec.argv[0])}`);
    if (spec.argv[0] === undefined || spec.argv[0] === '') throw new Error(`nothing to run: empty command (in ${spec.cwd})`);
    if (spec.signal?.aborted) return { exitCode: null, signal: null, aborted: true };
    const key = spec.durableKey;
    const records = this.#durable?.records;
    if (key === undefined || !records || !this.isUnix || spec.container !== undefined) {
      const { durableKey: _k, ...plain } = spec;
      return this.#s.exec(this.id, plain);
    }
    // Recorded while the request goes out (not awaited: a row that is not there yet when the
    // controller is killed is written when the agent hands the exec back to a running build,
    // hub.ts); forgotten once the result is here.
    const recorded = records.record(key, this.agent, this.#durable!.buildId).catch(() => {});
    const forget = () => void recorded.then(() => records.forget(key)).catch(() => {});
    const spec2 = spec.barrier ? { ...spec, barrier: forgetAtEnd(spec.barrier, forget) } : spec;
    return settled(this.#s.exec(this.id, spec2), spec.barrier ? null : forget, forget);
  }

  async reattach(key: string, spec: ReattachSpec): Promise<ExecResult> {
    await this.#follow();
    const records = this.#durable?.records;
    const forget = () => { if (records) void records.forget(key).catch(() => {}); };
    const spec2 = spec.barrier ? { ...spec, barrier: forgetAtEnd(spec.barrier, forget) } : spec;
    return settled(this.#s.reattach(key, spec2), spec.barrier ? null : forget, forget);
  }

  async readFile(path: string): Promise<Buffer> {
    await this.#follow();
    return this.#s.readFile(this.id, path);
  }

  async openRead(path: string): Promise<FileReader> {
    await this.#follow();
    return this.#s.openRead(this.id, path);
  }

  async writeFrom(path: string, chunks: AsyncIterable<Buffer>, mode?: number): Promise<void> {
    await this.#follow();
    await this.#s.writeFrom(this.id, path, chunks, mode);
  }

  async writeFile(path: string, data: Buffer | string, mode?: number): Promise<void> {
    await this.#follow();
    const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data, 'utf8');
    await this.#s.request({ type: 'writeFile', ws: this.id, path, size: bytes.length, ...(mode !== undefined ? { mode } : {}) },
      'done', `writeFile ${path}`, bytes);
  }

  async stat(path: string): Promise<FileStat | null> {
    await this.#follow();
    return (await this.#s.request({ type: 'stat', ws: this.id, path }, 'fileStat', `stat ${path}`)).stat;
  }

  async mkdir(path: string): Promise<void> {
    await this.#follow();
    await this.#s.request({ type: 'mkdir', ws: this.id, path }, 'done', `mkdir ${path}`);
  }

  async remove(path: string): Promise<void> {
    await this.#follow();
    await this.#s.request({ type: 'remove', ws: this.id, path }, 'done', `remove ${path}`);
  }

  async glob(dir: string, includes: string, excludes?: string, options?: GlobOptions): Promise<string[]> {
    await this.#follow();
    const r = await this.#s.request({
      type: 'glob', ws: this.id, dir, includes,
      ...(excludes !== undefined ? { excludes } : {}),
      ...(options?.defaultExcludes !== undefined ? { defaultExcludes: options.defaultExcludes } : {}),
      ...(options?.caseSensitive !== undefined ? { caseSensitive: options.caseSensitive } : {}),
    }, 'globbed', `glob ${dir}`);
    return r.files;
  }

  async release(): Promise<void> {
    if (!this.#released) {
      this.#released = true;
      this.#onRelease();
    }
    if (this.#s.ended) return; // the agent dropped the session's workspaces itself
    try {
      await this.#s.request({ type: 'release', ws: this.id }, 'done', `release ${this.root}`);
    } catch (e) {
      if (!(e instanceof AgentUnavailableError)) throw e;
    }
  }
}
