// Deterministic replay: how a build that was running when its controller stopped goes on.
//
// The engine runs the pipeline again from the start. Each step call has an identity (its name and
// place in the Jenkinsfile, `sh@12:5`; in a `load`ed file `sh@ci/lib.groovy:3:5`) and, per parallel
// branch, a position; the journal of the previous process (JournalEntry, one per step started,
// folded with its end) says what each call gave. While a branch still has journal entries, its
// calls are answered from them in order (`Replay.take`): a finished leaf step is not run again, its
// return value (or its failure) comes back from the journal and what it did to the build (a result
// it set, variables) is done again, and the console stays silent, since those lines are already in
// the log. Block steps (node, stage, dir, retry, timeout...) run again so their bodies replay, and
// so does `load` (RUNS_SCRIPT: the file is read again from the workspace, the steps its code calls
// replay). The first call past the journal, or the call that was in flight, is where the build
// "resumes": the console says so once, and from there everything runs as usual, but for a
// branch that answered its whole journal and made no call past it (`trailing`), whose last step
// had ended (what it prints from that step's end on: its closing lines), or was a block step in
// flight (what it prints from that block's start on: its opening lines, `[Pipeline] { (x)`,
// `Running on ...`), or that has no journal at all (what it printed from its start on): those lines
// the console may have, in part or whole, so the first `trails[branch]` bytes of them (the host's
// journal says how many the console has: controller/resume.ts trailsAt) are not printed again
// (`unprinted`), the rest is. A script step
// (sh...) in flight on an agent is taken over (its durable exec, keyed by `JournalEntry.exec`,
// shell.ts / agent/durable.ts); any other leaf step in flight, or a script step whose process is
// not there, fails with Jenkins' non-resumable meaning (`nonResumable`), which `retry(conditions:
// [nonresumable()])` retries; `sleep` and `input` are resumable and keep their deadline
// (`JournalEntry.deadline`). A call whose identity is not the journal's next one for its branch
// means the Groovy made another decision: the build fails (ReplayDiverged) rather than answer the
// wrong step.
//
// Values cross processes as JSON (`encodeValue` / `decodeValue`): strings, numbers, booleans,
// null, lists and maps (tagged, keys in order); a value of another kind is journaled as
// unserializable, and answering it fails the build clearly.
import { StepFailure, Interrupted } from '../../core/errors.ts';
import type { BuildResult } from '../../core/build.ts';
import type { Value } from '../script/values.ts';
import type { CheckoutRecord } from '../steps/changesets.ts';

/** One step call of a build, as the journal keeps it (the start and, once ended, its end folded in). */
export interface JournalEntry {
  /** The step's id in the build (StepRecord.id). */
  id: string;
  /** The parallel branch the call ran in ('' at the top). */
  branch: string;
  /** name@line:col: what the call was. */
  call: string;
  name: string;
  status: 'running' | 'success' | 'failure' | 'aborted';
  startedAt: number;
  endedAt: number | null;
  /** encodeValue of what it returned (success). */
  value?: unknown;
  /** Its error (failure, aborted): message and result. */
  error?: { message: string; result: BuildResult } | null;
  /** What it did to the build: a result it set, variables it set. */
  setResult?: BuildResult | null;
  setEnv?: Record<string, string | null> | null;
  /** The checkouts it recorded on the build (their revisions and change sets). */
  checkouts?: CheckoutRecord[];
  /** An absolute deadline (sleep, timeout, input), kept across a restart. */
  deadline?: number | null;
  /** The durable exec key of a script step (sh, bat, powershell): a resumed run takes its process over. */
  exec?: string;
  /**
   * Set by the host as a build resumes, never journaled by the engine: where the in-flight script
   * step's output is to be resent from (what the console on disk has of it; controller/resume.ts),
   * and `open`: the streams whose output there ends within a line (1 stdout, 2 stderr), whose rest
   * of the line the engine prints without a new prefix.
   */
  execFrom?: { stdout: number; stderr: number; open?: number };
  /**
   * Set by the host as a build resumes, never journaled by the engine: a printing step (`echo`)
   * in flight whose output did not reach the console runs again, as a step in flight (its
   * `[Pipeline] echo` line, which its start's journal line carried, is not printed again).
   */
  rerun?: boolean;
  /** The node the call ran on (its workspace's node as it started): a resumed `node` block asks for it again (`Replay.nodeAhead`). */
  node?: string;
  /** Values the step made once and keeps across a restart (StepContext.journaled: a badge's generated id); carried to the replayed call's entry. */
  memo?: Record<string, string>;
}

/** Where a resumed `node` block ran before the restart (AgentRequest.resumeOn). */
export interface ResumeOn {
  node: string;
  /** Whether a script step journaled as running on it is still ahead in the branch (that node's agent holds its process). */
  inFlight: boolean;
}

/** What a resumed run starts from (RunOptions.resume). */
export interface ResumeFrom {
  entries: JournalEntry[];
  /** How long the controller was away, for the console's line. */
  downMs: number;
  /** When the build first started. */
  startedAt: number;
  /** Per branch, how many bytes of its closing lines (printed after its last journaled step ended) the console has. */
  trails?: Record<string, number>;
}

/** Steps that may be in flight at a restart and simply go on (their deadline kept). */
const RESUMABLE = new Set(['sleep', 'input']);

export function isResumable(name: string): boolean {
  return RESUMABLE.has(name);
}

/**
 * Leaf steps that run Groovy code of the build (`load` runs a workspace script): they run again
 * on replay, like block steps, the file read again from the workspace, and the steps that code
 * called are answered from the journal. Their value (a script object) could not be journaled.
 * A plugin's step declared `replayRuns` (core/steps.ts) runs again the same way.
 */
const RUNS_SCRIPT = new Set(['load']);

export function runsScript(name: string, decl?: { replayRuns?: boolean }): boolean {
  return RUNS_SCRIPT.has(name) || decl?.replayRuns === true;
}

/** Script steps whose process can survive a restart on an agent (a durable exec), re-attached when resumed. */
const REATTACHABLE = new Set(['sh', 'bat', 'powershell', 'pwsh']);

export function isReattachable(name: string, decl?: { reattachable?: boolean }): boolean {
  return REATTACHABLE.has(name) || decl?.reattachable === true;
}

/** A new durable exec key: journaled as the step starts, so it needs no other determinism. */
export function newExecKey(build: number, stepId: string): string {
  return `b${build}-s${stepId}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Jenkins' SynchronousResumeNotSupportedException, as a step failure `retry(conditions: [nonresumable()])` matches. */
export function nonResumable(name: string): StepFailure {
  const err = new StepFailure(`The Pipeline step \`${name}\` cannot be resumed after a controller restart. You may wrap it (or its node block) within \`retry(conditions: [nonresumable()], count: 2) {...}\` to run it again.`);
  Object.defineProperty(err, 'nonResumable', { value: true });
  return err;
}

/** Whether `err` (or its cause chain) is a step that could not resume after a restart. */
export function isNonResumable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 20; e = e.cause, depth++) {
    if ((e as { nonResumable?: unknown }).nonResumable === true) return true;
  }
  return false;
}

export class ReplayDiverged extends StepFailure {}

/** The journal of a previous process, handed out per branch in call order. */
export class Replay {
  readonly #queues = new Map<string, JournalEntry[]>();
  readonly #pos = new Map<string, number>();
  /** Branches that made a call past their journal: what they print from there on is new. */
  readonly #past = new Set<string>();
  /** Branches whose last entry, a block step in flight, was answered (`take`): they print its opening lines. */
  readonly #opening = new Set<string>();
  readonly downMs: number;
  readonly startedAt: number;
  #announced = false;
  /** Bytes of each branch's closing lines the console has, not yet replayed (`unprinted`). */
  readonly #skip: Map<string, number>;
  /** The same, as the resume found them (ResumeFrom.trails). */
  readonly trails: Readonly<Record<string, number>>;

  constructor(from: ResumeFrom) {
    this.downMs = from.downMs;
    this.startedAt = from.startedAt;
    this.trails = { ...from.trails };
    this.#skip = new Map(Object.entries(this.trails));
    for (const e of from.entries) {
      let q = this.#queues.get(e.branch);
      if (!q) this.#queues.set(e.branch, (q = []));
      q.push(e);
    }
  }

  /** Whether the branch still has journal entries to answer (its console stays silent meanwhile). */
  pending(branch: string): boolean {
    return (this.#pos.get(branch) ?? 0) < (this.#queues.get(branch)?.length ?? 0);
  }

  /**
   * Whether the branch answered its whole journal and has made no call past it, its last step
   * ended (what it prints meanwhile: its blocks' closing lines, a branch that was done) or a block
   * step in flight (that block's opening lines), or it has no journal (what it prints before its
   * first step): those lines may have been printed before the restart, in part or whole (`unprinted`).
   */
  trailing(branch: string): boolean {
    if (this.#past.has(branch)) return false;
    const q = this.#queues.get(branch);
    if (!q) return true;
    if ((this.#pos.get(branch) ?? 0) < q.length) return false;
    return q[q.length - 1]!.status !== 'running' || this.#opening.has(branch);
  }

  /**
   * Of `data`, the next bytes of a trailing branch's closing lines, what the console lacks: the
   * first `trails[branch]` bytes of them were written before the restart, the rest was not.
   */
  unprinted(branch: string, data: Buffer): Buffer {
    const n = this.#skip.get(branch) ?? 0;
    if (n <= 0) return data;
    const k = Math.min(n, data.length);
    this.#skip.set(branch, n - k);
    return data.subarray(k);
  }

  /**
   * The journal's entry for the next call of `branch`: null past the journal. Throws
   * ReplayDiverged when the call is not the one the journal has next. `leaf`: whether the call is a
   * leaf step (not a block, which runs its body again: in flight as the branch's last entry, what
   * it prints until its body's first call are its opening lines, `trailing`).
   */
  take(branch: string, call: string, file: string, leaf = true): JournalEntry | null {
    const q = this.#queues.get(branch);
    const i = this.#pos.get(branch) ?? 0;
    if (!q || i >= q.length) {
      this.#past.add(branch);
      return null;
    }
    const e = q[i]!;
    if (e.call !== call) {
      this.#pos.set(branch, q.length);
      this.#past.add(branch);
      throw new ReplayDiverged(`The pipeline took another path when it was resumed after the controller restarted: it called ${describe(call, file)} where the previous run called ${describe(e.call, file)}${branch ? ` (branch ${branch})` : ''}. The code between steps must make the same decisions when it runs again; the build cannot go on.`);
    }
    this.#pos.set(branch, i + 1);
    if (!leaf && e.status === 'running' && i + 1 === q.length) this.#opening.add(branch);
    return e;
  }

  /**
   * The node the next journal entry of `branch` ran on: a node block being allocated while its
   * branch replays gets its first call next, so that is where the block ran before the restart.
   */
  nodeAhead(branch: string): ResumeOn | null {
    const q = this.#queues.get(branch) ?? [];
    const from = this.#pos.get(branch) ?? 0;
    const node = q[from]?.node;
    if (!node) return null;
    // A script step in flight later in the branch on that node: its agent holds its process.
    return { node, inFlight: q.slice(from).some((e) => e.status === 'running' && e.exec !== undefined && e.node === node) };
  }

  /** The branch's journal is left (its block could not get its node back): what it runs next runs anew. */
  abandon(branch: string): void {
    const q = this.#queues.get(branch);
    if (q) this.#pos.set(branch, q.length);
    this.#past.add(branch);
  }

  get announced(): boolean {
    return this.#announced;
  }

  /** The console line, the first time only; null after. */
  announce(): string | null {
    if (this.#announced) return null;
    this.#announced = true;
    return `Resumed after the controller restarted (down ${(this.downMs / 1000).toFixed(1)} s)`;
  }
}

function describe(call: string, file: string): string {
  const at = call.indexOf('@'); // a step's name has none; a loaded file's path may
  const pos = call.slice(at + 1);
  return `${call.slice(0, at)} at ${/^\d+:\d+$/.test(pos) ? `${file}:${pos}` : pos}`;
}

/** The value or error a finished entry gives back. */
export function answer(e: JournalEntry): Value {
  if (e.status === 'success') return decodeValue(e.value ?? null, e);
  const message = e.error?.message ?? `${e.name} failed`;
  const result = e.error?.result ?? (e.status === 'aborted' ? 'ABORTED' : 'FAILURE');
  if (e.status === 'aborted') throw new Interrupted('user', message, result);
  throw new StepFailure(message, { result });
}

// ---------------------------------------------------------------------------------------------
// values across processes

const UNSERIALIZABLE = '$unserializable';

export function encodeValue(v: Value, depth = 0): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : { [UNSERIALIZABLE]: String(v) };
  if (depth > 50) return { [UNSERIALIZABLE]: 'a value nested too deep' };
  if (Array.isArray(v)) return v.map((x) => encodeValue(x, depth + 1));
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [k, encodeValue(x, depth + 1)]) };
  const kind = (v as { typeName?: unknown; kind?: unknown }).typeName ?? (v as { kind?: unknown }).kind ?? typeof v;
  return { [UNSERIALIZABLE]: String(kind) };
}

export function decodeValue(j: unknown, e: JournalEntry): Value {
  if (j === null || typeof j === 'string' || typeof j === 'boolean' || typeof j === 'number') return j;
  if (Array.isArray(j)) return j.map((x) => decodeValue(x, e));
  if (typeof j === 'object') {
    const o = j as Record<string, unknown>;
    if (Array.isArray(o.$map)) return new Map((o.$map as [string, unknown][]).map(([k, x]) => [k, decodeValue(x, e)]));
    if (UNSERIALIZABLE in o) {
      throw new StepFailure(`${e.name} returned a ${String(o[UNSERIALIZABLE])}, which the journal cannot keep: the build cannot be resumed past it after the controller restarted`);
    }
  }
  throw new StepFailure(`the journal's value for ${e.name} is malformed: the build cannot be resumed`);
}
