// The wait list: every reason a build waits is one entry here, with one "why", shown by
// GET /api/v1/queue, cancelled one way, and kept in the store's queue_items.
//
// What: a build waits
//   - in its job's quiet period ("In the quiet period. Expires in 4 sec"): `quietPeriod`;
//     or until its job's throttle lets it start (rateLimitBuilds, "Build throttle expires at
//     3:04:05 PM on Dec 6, 2026"): `throttle`, an entry of the same kind;
//   - for its job's running build, with disableConcurrentBuilds ("Build #3 is already in
//     progress"): `turn`, with `buildStarted` / `buildEnded` telling which builds run;
//   - for an executor whose node matches its label ("Waiting for next available executor on
//     ‘linux’"): `executor`, matched to nodes by the scheduler (scheduler.ts), whose nodes
//     `executors` manages;
//   - for a pod slot of a capped cloud ("Waiting for a pod slot on cloud 'k8s' (2/2 in use)"):
//     `acquire`, the `Slots` contract (core/nodes.ts) the Docker and Kubernetes providers use;
//   - for a slot of a throttle category (the throttle step: "Already running 1 builds across all
//     nodes"): `throttleSlot`, kind 'throttle', the category as its label.
//
// Why one list: these waits were five mechanisms (the scheduler, the controller's waiters, the
// build manager's pending builds, two kinds of pod slots), each with its own listing and its own
// way to be cancelled. Here every wait is the same thing: an entry made when a build starts to
// wait (none when it need not), removed when the wait ends, and ended early only by the build's
// abort signal, so aborting a build, or cancelling its entry from the queue (which aborts the
// build, as POST .../abort does), ends every kind of wait alike: the wait rejects with the
// build's interruption and its entry leaves the list. A build that had not started then ends
// NOT_BUILT, a started one ABORTED (builds.ts).
//
// How: nothing is polled; a wait ends the moment its condition holds (a timer for the quiet
// period, a build ending, an executor or a slot freed, a raised cap). With a store, entries are
// written to queue_items as they come, when their reason changes (checked after each change of
// the list, of the nodes or of the slots: a quiet period's countdown is not rewritten, its end
// is `notBefore`), and removed as they go: one write at a time, in order, the latest state of
// an entry only; a store that refuses is reported (`onStoreError`) and retried (a row it refuses
// as invalid is skipped, not retried; a reason is cut at 10 000 characters). `close` stops
// writing: the entries of builds that had not started stay in the store for the next start.
import { randomUUID } from 'node:crypto';
import type { BuildRef, NodeClaim, ReleaseSlot, SlotRequest, Slots } from '../core/nodes.ts';
import { interruptionOf } from '../core/errors.ts';
import { formatDuration } from '../pipeline/steps/args.ts';
import { StoreError, type QueueEntrySpec, type QueueRepo, type WaitKind } from '../store/types.ts';
import { Scheduler } from './scheduler.ts';

/** An entry as GET /api/v1/queue shows it. */
export interface WaitEntry {
  /** DELETE /api/v1/queue/:id cancels it (aborts its build). */
  id: string;
  job: string;
  number: number;
  /** What it waits for. */
  kind: WaitKind;
  /** For an executor: the label expression; null = any. */
  label: string | null;
  /** For a pod slot: the cloud. */
  cloud: string | null;
  why: string;
  /** When it began to wait (ms since the epoch). */
  since: number;
}

export interface WaitListOptions {
  /** Executors of the controller's own node, `built-in` (default 0), and its extra labels. */
  builtInExecutors?: number;
  builtInLabels?: string[];
  /** Where entries are kept (the store's queue); absent: in memory only. */
  store?: QueueRepo;
  /**
   * How an entry is cancelled (DELETE /api/v1/queue/:id): the controller aborts its build the way
   * POST .../abort does, whatever the build waits for. False: the build could not be aborted.
   */
  cancel?: (entry: WaitEntry & { buildId: string }) => Promise<boolean>;
  /** An entry came or went. */
  onChange?: () => void;
  /**
   * The store refused a write: `retry` writes what is due again and rejects while the store
   * still refuses; null when the row itself is refused (invalid), which is then skipped.
   */
  onStoreError?: (err: unknown, retry: (() => Promise<void>) | null) => void;
  /** A grant that throws (a bug): the executor is freed and the entry dropped; default: console.error. */
  onDispatchError?: (err: unknown, entry: { id: string; job: string; build: number | null }) => void;
  /** The clock for `since` and the quiet period's countdown. Default Date.now. */
  now?: () => number;
}

/** The nodes and executors the list matches executor waits to (scheduler.ts). */
export type Executors = Pick<Scheduler<Grant>, 'addNode' | 'removeNode' | 'setOnline' | 'setExecutors' | 'setLabels' | 'setMode' | 'nodes' | 'release' | 'stats'>;

interface Grant {
  grant(node: string, executor: number): void;
}

interface Entry {
  id: string;
  build: BuildRef;
  kind: WaitKind;
  label: string | null;
  cloud: string | null;
  since: number;
  notBefore: number | null;
  why: () => string;
  /** The reason last given to the store. */
  written: string;
}

/** What an entry waits for, and how to tell why. */
interface WaitSpec {
  kind: WaitKind;
  label?: string | null;
  cloud?: string | null;
  notBefore?: number | null;
  /** When it began (default: now). */
  since?: number;
  why: () => string;
}

interface SlotWaiter {
  build: BuildRef;
  go: () => void;
  fail: (err: Error) => void;
}

interface Pool {
  cap: number;
  used: number;
  waiting: SlotWaiter[];
}

interface Turn {
  build: BuildRef;
  go: () => void;
}

interface JobRuns {
  /** Builds of the job that run (past their waits), by build id: their numbers. */
  started: Map<string, number>;
  /** Builds waiting for their turn, oldest (lowest number) first. */
  turns: Turn[];
}

export class WaitList implements Slots {
  /** The nodes executor waits are matched to: agents join and leave here. */
  readonly executors: Executors;
  readonly #scheduler: Scheduler<Grant>;
  readonly #entries = new Map<string, Entry>();
  readonly #pools = new Map<string, Pool>();
  readonly #jobs = new Map<string, JobRuns>();
  readonly #now: () => number;
  readonly #onChange: () => void;
  readonly #cancel: NonNullable<WaitListOptions['cancel']>;
  // Persistence (see the header): the next write of each entry (null = remove), in order.
  readonly #store: QueueRepo | null;
  readonly #onStoreError: NonNullable<WaitListOptions['onStoreError']>;
  readonly #due = new Map<string, QueueEntrySpec | null>();
  readonly #stored = new Set<string>();
  #writing: string | null = null;
  #flushing: Promise<void> | null = null;
  #storeError: unknown = null;
  #refresh: NodeJS.Immediate | null = null;
  #closed = false;

  constructor(o: WaitListOptions = {}) {
    this.#now = o.now ?? Date.now;
    this.#onChange = o.onChange ?? (() => {});
    this.#cancel = o.cancel ?? (async () => false);
    this.#store = o.store ?? null;
    this.#onStoreError = o.onStoreError ?? ((err) => console.error('kiln: writing the queue to the store failed:', err));
    this.#scheduler = new Scheduler<Grant>({
      dispatch: (item, node, executor) => item.payload!.grant(node, executor),
      ...(o.builtInExecutors !== undefined ? { builtInExecutors: o.builtInExecutors } : {}),
      ...(o.builtInLabels !== undefined ? { builtInLabels: o.builtInLabels } : {}),
      now: this.#now,
      ...(o.onDispatchError ? { onDispatchError: (err: unknown, item: { id: string; job: string; build: number | null }) => o.onDispatchError!(err, { id: item.id, job: item.job, build: item.build }) } : {}),
    });
    const s = this.#scheduler;
    // Node changes may change why executor waits wait: their stored reasons are checked after.
    const touching = <A extends unknown[], R>(f: (...a: A) => R) => (...a: A): R => {
      try {
        return f(...a);
      } finally {
        this.#touch();
      }
    };
    this.executors = {
      addNode: touching((c) => s.addNode(c)),
      removeNode: touching((name) => s.removeNode(name)),
      setOnline: touching((name, online) => s.setOnline(name, online)),
      setExecutors: touching((name, n) => s.setExecutors(name, n)),
      setLabels: touching((name, labels) => s.setLabels(name, labels)),
      setMode: touching((name, mode) => s.setMode(name, mode)),
      release: touching((node, executor) => s.release(node, executor)),
      nodes: () => s.nodes(),
      stats: () => s.stats(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // The list

  /** Every waiting entry, oldest first, each with why it waits now. */
  list(): WaitEntry[] {
    return [...this.#entries.values()].map((e) => this.#shown(e));
  }

  /** Entries waiting now. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Cancels an entry the way an abort of its build does (the build leaves every wait it is in).
   * False when there is no such entry, or its build could not be aborted.
   */
  async cancel(id: string): Promise<boolean> {
    const e = this.#entries.get(id);
    if (!e) return false;
    return this.#cancel({ ...this.#shown(e), buildId: e.build.id });
  }

  // -------------------------------------------------------------------------------------------
  // The quiet period

  /** Waits `ms` (Jenkins' quiet period) unless `signal` aborts first. */
  quietPeriod(build: BuildRef, ms: number, signal: AbortSignal): Promise<void> {
    const since = this.#now();
    const until = since + ms;
    return this.#wait<void>(build, {
      kind: 'quiet', since, notBefore: until,
      why: () => `In the quiet period. Expires in ${formatDuration(Math.max(0, until - this.#now()))}`,
    }, signal, null, (go) => {
      const timer = setTimeout(go, Math.max(0, ms));
      timer.unref();
      return () => clearTimeout(timer);
    });
  }

  /**
   * rateLimitBuilds: waits until `until` (the job's last start plus the throttle's interval),
   * unless `signal` aborts first. A timed wait before the build starts, like the quiet period,
   * so it is an entry of that kind with Branch API's reason.
   */
  throttle(build: BuildRef, until: number, signal: AbortSignal, say: ((why: string) => void) | null = null): Promise<void> {
    const at = new Date(until);
    return this.#wait<void>(build, {
      kind: 'quiet', since: this.#now(), notBefore: until,
      why: () => `Build throttle expires at ${at.toLocaleTimeString('en-US')} on ${at.toLocaleDateString('en-US', { dateStyle: 'medium' })}`,
    }, signal, say, (go) => {
      const timer = setTimeout(go, Math.max(0, until - this.#now()));
      timer.unref();
      return () => clearTimeout(timer);
    });
  }

  /**
   * The throttle step's slot of `category`: `acquire` is the slot's own wait (util/throttle-slots.ts);
   * while it is blocked the build has an entry of kind 'throttle' (the category in `label`, the
   * plugin's reason as why), so the queue shows it and a restarted controller resumes the builds
   * that waited for slots in the order they waited (resume.ts). Aborting the build ends the wait
   * through `acquire` (it rejects), and the entry goes with it.
   */
  throttleSlot(build: BuildRef, category: string, acquire: (onBlocked: (why: string) => void) => Promise<() => void>, say: (why: string) => void): Promise<() => void> {
    let e: Entry | null = null;
    const done = () => { if (e) this.#remove(e); };
    return acquire((why) => {
      say(why);
      if (e) return;
      e = { id: randomUUID(), build, kind: 'throttle', label: category, cloud: null, since: this.#now(), notBefore: null, why: () => why, written: '' };
      this.#add(e);
    }).then((release) => { done(); return release; }, (err: unknown) => { done(); throw err; });
  }

  // -------------------------------------------------------------------------------------------
  // disableConcurrentBuilds: one build of a job at a time

  /** The build runs now (past its waits): a build of its job with disableConcurrentBuilds waits for it. */
  buildStarted(build: BuildRef, jobId: string): void {
    this.#job(jobId).started.set(build.id, build.number);
  }

  /** The build has ended (or will never start): the job's next build in line may go. */
  buildEnded(build: BuildRef, jobId: string): void {
    const j = this.#jobs.get(jobId);
    if (!j?.started.delete(build.id)) return;
    this.#nextTurn(jobId, j);
    this.#touch();
  }

  /**
   * The build's turn (disableConcurrentBuilds): null when it may start now (it is then marked
   * started), else a wait for every other started build of the job to end and, with `fifo`, for
   * the older builds waiting for their turn to go first. `say` hears why once if it waits.
   */
  turn(build: BuildRef, jobId: string, o: { fifo: boolean }, signal: AbortSignal, say: (why: string) => void): Promise<void> | null {
    const j = this.#job(jobId);
    const blocked = [...j.started.keys()].some((id) => id !== build.id) || (o.fifo && j.turns.some((t) => t.build.number < build.number));
    if (!blocked) {
      j.started.set(build.id, build.number);
      return null;
    }
    return this.#wait<void>(build, { kind: 'concurrency', why: () => turnWhy(j, build) }, signal, say, (go) => {
      const t: Turn = { build, go };
      const at = j.turns.findIndex((x) => x.build.number > build.number);
      j.turns.splice(at < 0 ? j.turns.length : at, 0, t);
      return () => {
        const i = j.turns.indexOf(t);
        if (i >= 0) j.turns.splice(i, 1);
        // A build waiting behind this one may go now.
        this.#nextTurn(jobId, j);
      };
    });
  }

  #job(jobId: string): JobRuns {
    let j = this.#jobs.get(jobId);
    if (!j) {
      j = { started: new Map(), turns: [] };
      this.#jobs.set(jobId, j);
    }
    return j;
  }

  /** With no build of the job running, the oldest in line starts (marked started before it hears). */
  #nextTurn(jobId: string, j: JobRuns): void {
    if (j.started.size === 0) {
      const t = j.turns.shift();
      if (t) {
        j.started.set(t.build.id, t.build.number);
        t.go();
      }
    }
    if (j.started.size === 0 && j.turns.length === 0) this.#jobs.delete(jobId);
  }

  // -------------------------------------------------------------------------------------------
  // Executors

  /**
   * An executor of a node whose labels match `label` (null: any node that takes label-less
   * work), fairly between jobs. Throws LabelExpressionError for a bad label. `say` hears why
   * once if it waits. The caller releases it with `executors.release(node, executor)`. A `claim`
   * (the throttle step's per-node maximum) skips the nodes it refuses (scheduler.ts).
   */
  executor(build: BuildRef, label: string | null, signal: AbortSignal, say: (why: string) => void, claim: NodeClaim | null = null): Promise<{ node: string; executor: number }> {
    const id = randomUUID();
    const trimmed = label === null || label.trim() === '' ? null : label.trim();
    return this.#wait(build, {
      kind: 'executor', label: trimmed,
      why: () => this.#scheduler.why(id) ?? 'Waiting for next available executor',
    }, signal, say, (go) => {
      this.#scheduler.enqueue({ id, job: build.job, label: trimmed, build: build.number, payload: { grant: (node, executor) => go({ node, executor }) }, claim });
      return () => { this.#scheduler.cancel(id); };
    }, id);
  }

  // -------------------------------------------------------------------------------------------
  // Pod slots (the Slots contract of core/nodes.ts)

  acquire(req: SlotRequest, signal: AbortSignal, say: (line: string) => void): Promise<ReleaseSlot> {
    const pool = this.#pool(req.cloud);
    pool.cap = req.cap;
    let held = true;
    const release: ReleaseSlot = () => {
      if (!held) return;
      held = false;
      pool.used--;
      this.#pumpPool(pool);
      this.#touch();
    };
    return this.#wait<ReleaseSlot>(req.build, { kind: 'pod-slot', cloud: req.cloud, why: () => slotWhy(req.cloud, pool) }, signal, say, (go, fail) => {
      const w: SlotWaiter = { build: req.build, go: () => go(release), fail };
      pool.waiting.push(w);
      // The first in line with a free slot goes at once (a cap raised by this request's settings too).
      this.#pumpPool(pool);
      return () => {
        const i = pool.waiting.indexOf(w);
        if (i >= 0) pool.waiting.splice(i, 1);
      };
    });
  }

  /** A cloud's cap changed (its settings were saved): a raised cap lets its waiters go now. */
  setCap(cloud: string, cap: number): void {
    const pool = this.#pools.get(cloud);
    if (!pool) return;
    pool.cap = cap;
    this.#pumpPool(pool);
    this.#touch();
  }

  /**
   * The cloud is gone: its waiters leave the list, their `acquire` rejecting with `err(build)`;
   * pods running on it keep their slots.
   */
  dropCloud(cloud: string, err: (build: BuildRef) => Error): void {
    const pool = this.#pools.get(cloud);
    if (!pool) return;
    for (const w of pool.waiting.splice(0)) w.fail(err(w.build));
  }

  #pool(cloud: string): Pool {
    let p = this.#pools.get(cloud);
    if (!p) {
      p = { cap: 0, used: 0, waiting: [] };
      this.#pools.set(cloud, p);
    }
    return p;
  }

  /** Gives free slots to the waiters, in order. */
  #pumpPool(pool: Pool): void {
    while (pool.waiting.length > 0 && (pool.cap <= 0 || pool.used < pool.cap)) {
      const w = pool.waiting.shift()!;
      pool.used++;
      w.go();
    }
  }

  // -------------------------------------------------------------------------------------------
  // One way to wait

  /**
   * A wait: `arm` starts it and returns how to stop it; it ends by `go` (the wait is over),
   * `fail` (it cannot be had), or the build's `signal` (its interruption). An entry exists only
   * while it waits: one that `arm` satisfies at once leaves no trace.
   */
  #wait<T>(build: BuildRef, spec: WaitSpec, signal: AbortSignal, say: ((why: string) => void) | null,
    arm: (go: (v: T) => void, fail: (err: Error) => void) => () => void, id: string = randomUUID()): Promise<T> {
    if (signal.aborted) return Promise.reject(interruptionOf(signal));
    return new Promise<T>((resolve, reject) => {
      const e: Entry = {
        id, build, kind: spec.kind, label: spec.label ?? null, cloud: spec.cloud ?? null,
        since: spec.since ?? this.#now(), notBefore: spec.notBefore ?? null, why: spec.why, written: '',
      };
      let settled = false;
      let disarm: (() => void) | null = null;
      const end = (): boolean => {
        if (settled) return false;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        this.#remove(e);
        return true;
      };
      const onAbort = () => {
        if (!end()) return;
        disarm?.();
        reject(interruptionOf(signal));
      };
      const go = (v: T) => { if (end()) resolve(v); };
      const fail = (err: Error) => {
        if (!end()) return;
        disarm?.();
        reject(err);
      };
      disarm = arm(go, fail);
      if (settled) return;
      signal.addEventListener('abort', onAbort, { once: true });
      this.#add(e);
      say?.(e.written);
    });
  }

  #add(e: Entry): void {
    this.#entries.set(e.id, e);
    e.written = e.why();
    this.#persist(e.id, this.#row(e));
    this.#onChange();
    this.#touch();
  }

  #remove(e: Entry): void {
    if (!this.#entries.delete(e.id)) return;
    this.#persist(e.id, null);
    this.#onChange();
    this.#touch();
  }

  #shown(e: Entry): WaitEntry {
    return { id: e.id, job: e.build.job, number: e.build.number, kind: e.kind, label: e.label, cloud: e.cloud, why: e.why(), since: e.since };
  }

  #row(e: Entry): QueueEntrySpec {
    // The reason is for reading (a label of a Jenkinsfile may be long): the label column has it whole.
    const reason = e.written.length > MAX_REASON ? `${e.written.slice(0, MAX_REASON - 1)}…` : e.written;
    return { id: e.id, buildId: e.build.id, kind: e.kind, label: e.label, cloud: e.cloud, reason, enqueuedAt: e.since, notBefore: e.notBefore };
  }

  // -------------------------------------------------------------------------------------------
  // The store

  /** Resolves once every write due has been made (or has failed). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** Stops writing to the store (after what is due); entries still waiting keep their rows. */
  async close(): Promise<void> {
    if (this.#refresh) clearImmediate(this.#refresh);
    this.#refresh = null;
    if (this.#storeError === null) await this.flush();
    this.#closed = true;
  }

  /** After a change: rewrite the reasons that changed (once per turn of the event loop). */
  #touch(): void {
    if (!this.#store || this.#closed || this.#refresh || this.#entries.size === 0) return;
    this.#refresh = setImmediate(() => {
      this.#refresh = null;
      for (const e of this.#entries.values()) {
        if (e.kind === 'quiet') continue; // its countdown is not rewritten: notBefore says when it ends
        const why = e.why();
        if (why === e.written) continue;
        e.written = why;
        this.#persist(e.id, this.#row(e));
      }
    });
    this.#refresh.unref();
  }

  #persist(id: string, row: QueueEntrySpec | null): void {
    if (!this.#store || this.#closed) return;
    // Never written, and not being written: nothing to remove.
    if (row === null && !this.#stored.has(id) && this.#writing !== id) {
      this.#due.delete(id);
      return;
    }
    this.#due.set(id, row);
    this.#kick();
  }

  /** Starts writing what is due, unless a write runs or the store refuses (until a retry). */
  #kick(): void {
    if (this.#flushing || this.#storeError !== null || this.#due.size === 0) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = null;
      this.#kick(); // what became due as the last write ended
    });
  }

  async #flush(): Promise<void> {
    const store = this.#store!;
    for (;;) {
      const next = this.#due.entries().next();
      if (next.done) return;
      const [id, row] = next.value;
      this.#due.delete(id);
      this.#writing = id;
      try {
        if (row) {
          if (await store.put(row)) this.#stored.add(id);
        } else {
          await store.drop(id);
          this.#stored.delete(id);
        }
      } catch (err) {
        if (err instanceof StoreError && err.code === 'invalid') {
          // This row can never be written (a retry would block the others forever): said, and skipped.
          this.#onStoreError(err, null);
          continue;
        }
        if (!this.#due.has(id)) this.#due.set(id, row); // again later, unless something newer is due
        this.#storeError = err;
        this.#onStoreError(err, () => this.#retry());
        return;
      } finally {
        this.#writing = null;
      }
    }
  }

  async #retry(): Promise<void> {
    this.#storeError = null;
    this.#kick();
    await this.flush();
    if (this.#storeError !== null) throw this.#storeError;
  }
}

/** The longest reason the store keeps (store/queue.ts). */
const MAX_REASON = 10_000;

function slotWhy(cloud: string, pool: Pool): string {
  return `Waiting for a pod slot on cloud '${cloud}' (${pool.used}/${pool.cap} in use)`;
}

function turnWhy(j: JobRuns, build: BuildRef): string {
  for (const [id, n] of j.started) if (id !== build.id) return `Build #${n} is already in progress`;
  const before = j.turns.find((t) => t.build.number < build.number);
  return before ? `Waiting for build #${before.build.number} to run first` : 'Starting';
}
