// Executors: the part of the wait list (waitlist.ts) that matches executor requests to nodes.
//
// What: nodes (agents, and the controller's own `built-in` node) offer executors; items (one
// per executor a build needs: `agent { label 'x' }`, a `node('x') {}` block) name a job and a
// label expression. When an item can run, the scheduler marks the executor busy and calls
// `dispatch(item, node, executorIndex)`; `release(node, executorIndex)` frees it. `why`
// explains a waiting item in Jenkins' words; `list` shows the waiting items; `cancel` removes
// one. The wait list makes each waiting item one queue entry; a build's other waits (quiet
// period, disableConcurrentBuilds, pod slots) are the wait list's own.
//
// Why: dispatch must be immediate, not polled (Jenkins' queue maintenance runs every 5 s):
// everything here is event-driven and synchronous, without timers. Every event that could let
// a waiting item run (enqueue, release, a node added, coming online, gaining executors or
// labels) dispatches at once, before the call returns; so the invariant after every call is:
// no waiting, runnable item matches a free executor.
//
// How:
//   - Fairness between jobs: when an executor frees, the candidates are taken job by job, the
//     job served least recently first (ties: the job whose oldest item waited longest), and
//     within a job oldest first (FIFO). A job with 100 queued items therefore gets every other
//     free executor at most while another job waits; nobody starves.
//   - A new item that can run goes to the node where its job last ran (workspace reuse, as
//     Jenkins' consistent-hash load balancer intends), else the node with the most free
//     executors; the lowest free executor index.
//   - An item may carry a claim (core/nodes.ts NodeClaim: the throttle step's
//     maxConcurrentPerNode): a node the claim refuses is skipped for it, the claim is taken on
//     the node it is given as it is assigned (synchronously: two items never both pass it for the
//     last room on a node) and released as the executor is, before the node is filled again.
//     `why` then says the claim's reason ("Already running 1 builds on node").
//   - A node in `exclusive` mode (Jenkins: "Only build jobs with label expressions matching
//     this node") takes no label-less items. A node's name is one of its labels.
//   - Removing a node with busy executors lets its builds finish (`release` still works); it
//     disappears when the last one is released. Adding it again meanwhile revives it.
//   - `dispatch` may call back into the scheduler (release, enqueue): calls made while
//     dispatching are queued as work for the loop already running, so state stays consistent.
//     A dispatch that throws frees its executor, drops the item and reports `onDispatchError`.

import type { NodeClaim } from '../core/nodes.ts';
import { matches, parseLabelExpression, parseLabelList, type LabelExpr } from './labels.ts';

export type NodeMode = 'normal' | 'exclusive';

export interface NodeConfig {
  name: string;
  /** Labels, as a list or as Jenkins' space-separated string. The name is always a label. */
  labels?: Iterable<string> | string;
  executors: number;
  /** Default true. */
  online?: boolean;
  /** Default 'normal': also takes items without a label. */
  mode?: NodeMode;
}

export interface EnqueueRequest<P = unknown> {
  /** Unique among live items. */
  id: string;
  /** The job's full name: the unit of fairness. */
  job: string;
  /** A label expression (Jenkins syntax), or null / blank for any node (`agent any`). */
  label: string | null;
  /** The number of the build this executor request belongs to. */
  build?: number;
  payload?: P;
  /** A condition on the node (see the header): refused nodes are skipped; taken on the node given. */
  claim?: NodeClaim | null;
}

export interface QueueItem<P = unknown> {
  readonly id: string;
  readonly job: string;
  /** The trimmed label expression text, or null for any node. */
  readonly label: string | null;
  readonly build: number | null;
  /** When it was enqueued (ms since the epoch, from `now`). */
  readonly enqueuedAt: number;
  readonly payload: P | undefined;
}

export interface WaitingItem<P = unknown> extends QueueItem<P> {
  /** Jenkins-style reason it is waiting. */
  why: string;
}

export interface NodeInfo {
  name: string;
  labels: string[];
  executors: number;
  busy: number;
  online: boolean;
  mode: NodeMode;
  /** Removed, with builds still running on it. */
  draining: boolean;
}

export interface Holding<P = unknown> {
  item: QueueItem<P>;
  node: string;
  executor: number;
}

export interface SchedulerOptions<P> {
  dispatch: (item: QueueItem<P>, node: string, executor: number) => void;
  /** Executors of the controller's own node, `built-in`. Default 0: builds run on agents. */
  builtInExecutors?: number;
  /** Extra labels of the built-in node. */
  builtInLabels?: string[];
  /** The clock for enqueue times. Default Date.now. */
  now?: () => number;
  /** Called when `dispatch` throws; the item is dropped and its executor freed. */
  onDispatchError?: (error: unknown, item: QueueItem<P>) => void;
}

export const BUILT_IN_NODE = 'built-in';

interface NodeState<P> {
  name: string;
  labels: Set<string>;
  executors: number;
  online: boolean;
  mode: NodeMode;
  slots: (Entry<P> | null)[];
  busy: number;
  removed: boolean;
  /** Insertion order, for stable tie-breaking. */
  order: number;
}

type EntryState = 'waiting' | 'running';

interface Entry<P> {
  item: QueueItem<P>;
  expr: LabelExpr;
  /** Group key within the job: the label text ('' for any). */
  labelKey: string;
  /** FIFO position. */
  seq: number;
  state: EntryState;
  node: NodeState<P> | null;
  executor: number;
  claim: NodeClaim | null;
  /** The claim's release while it runs. */
  unclaim: (() => void) | null;
}

interface JobState<P> {
  name: string;
  /** Serve counter value when this job last got an executor; 0 = never. */
  lastServed: number;
  lastNode: string | null;
  /** Waiting items, by label, each set in FIFO order. */
  groups: Map<string, Set<Entry<P>>>;
  waiting: number;
}

export class Scheduler<P = unknown> {
  readonly #dispatch: SchedulerOptions<P>['dispatch'];
  readonly #now: () => number;
  readonly #onDispatchError: (error: unknown, item: QueueItem<P>) => void;
  readonly #nodes = new Map<string, NodeState<P>>();
  readonly #jobs = new Map<string, JobState<P>>();
  readonly #activeJobs = new Set<JobState<P>>();
  readonly #entries = new Map<string, Entry<P>>();
  readonly #exprCache = new Map<string, LabelExpr>();
  #nodeOrder = 0;
  #seq = 0;
  #served = 0;
  // Work for the dispatch loop.
  readonly #nodesToFill = new Set<NodeState<P>>();
  readonly #entriesToPlace = new Set<Entry<P>>();
  #pumping = false;

  constructor(options: SchedulerOptions<P>) {
    this.#dispatch = options.dispatch;
    this.#now = options.now ?? Date.now;
    this.#onDispatchError =
      options.onDispatchError ??
      ((error, item) => {
        console.error(`kiln: dispatching queue item ${item.id} (${item.job}) failed:`, error);
      });
    this.addNode({ name: BUILT_IN_NODE, labels: options.builtInLabels ?? [], executors: options.builtInExecutors ?? 0, online: true });
  }

  // -------------------------------------------------------------------------------------------
  // Nodes

  /** Adds a node (or revives a removed one whose builds are still running). */
  addNode(config: NodeConfig): void {
    if (config.name === '') throw new Error('A node needs a name');
    checkExecutors(config.executors);
    const labels = new Set(typeof config.labels === 'string' ? parseLabelList(config.labels) : [...(config.labels ?? [])]);
    labels.add(config.name);
    let n = this.#nodes.get(config.name);
    if (n && !n.removed) throw new Error(`A node named '${config.name}' already exists`);
    if (n) {
      n.removed = false;
      n.labels = labels;
      n.executors = config.executors;
      n.online = config.online ?? true;
      n.mode = config.mode ?? 'normal';
    } else {
      n = {
        name: config.name,
        labels,
        executors: config.executors,
        online: config.online ?? true,
        mode: config.mode ?? 'normal',
        slots: [],
        busy: 0,
        removed: false,
        order: this.#nodeOrder++,
      };
      this.#nodes.set(n.name, n);
    }
    this.#fill(n);
  }

  /** Removes a node; its running builds may still `release`. False if there is no such node. */
  removeNode(name: string): boolean {
    const n = this.#nodes.get(name);
    if (!n || n.removed) return false;
    n.removed = true;
    if (n.busy === 0) this.#nodes.delete(name);
    return true;
  }

  setOnline(name: string, online: boolean): void {
    const n = this.#node(name);
    n.online = online;
    if (online) this.#fill(n);
  }

  setExecutors(name: string, executors: number): void {
    checkExecutors(executors);
    const n = this.#node(name);
    n.executors = executors;
    this.#fill(n);
  }

  setLabels(name: string, labels: Iterable<string> | string): void {
    const n = this.#node(name);
    n.labels = new Set(typeof labels === 'string' ? parseLabelList(labels) : [...labels]);
    n.labels.add(n.name);
    this.#fill(n);
  }

  setMode(name: string, mode: NodeMode): void {
    const n = this.#node(name);
    n.mode = mode;
    this.#fill(n);
  }

  nodes(): NodeInfo[] {
    return [...this.#nodes.values()].map((n) => ({
      name: n.name,
      labels: [...n.labels].filter((l) => l !== n.name),
      executors: n.executors,
      busy: n.busy,
      online: n.online,
      mode: n.mode,
      draining: n.removed,
    }));
  }

  // -------------------------------------------------------------------------------------------
  // Items

  /**
   * Adds an executor request. Dispatches it before returning when an executor is free; throws
   * LabelExpressionError for a bad label and an Error for a duplicate id.
   */
  enqueue(request: EnqueueRequest<P>): QueueItem<P> {
    if (this.#entries.has(request.id)) throw new Error(`Queue item '${request.id}' already exists`);
    const label = request.label === null || request.label.trim() === '' ? null : request.label.trim();
    const expr = this.#parse(label ?? '');
    const item: QueueItem<P> = Object.freeze({
      id: request.id,
      job: request.job,
      label,
      build: request.build ?? null,
      enqueuedAt: this.#now(),
      payload: request.payload,
    });
    const entry: Entry<P> = { item, expr, labelKey: label ?? '', seq: 0, state: 'waiting', node: null, executor: -1, claim: request.claim ?? null, unclaim: null };
    this.#entries.set(item.id, entry);
    this.#ready(entry);
    this.#pump();
    return item;
  }

  /** Removes a waiting item; false when it is not waiting (unknown, or already dispatched). */
  cancel(id: string): boolean {
    const e = this.#entries.get(id);
    if (!e || e.state === 'running') return false;
    this.#unready(e);
    this.#entries.delete(id);
    this.#entriesToPlace.delete(e);
    return true;
  }

  /**
   * Frees an executor (its build step is over) and dispatches what can now run. False when
   * that executor was not busy.
   */
  release(node: string, executor: number): boolean {
    const n = this.#nodes.get(node);
    const e = n?.slots[executor];
    if (!n || !e) return false;
    this.#free(n, executor, e);
    this.#entries.delete(e.item.id);
    this.#pump();
    return true;
  }

  /** The live item with this id (waiting or running), or null. */
  get(id: string): (QueueItem<P> & { state: EntryState; node: string | null; executor: number | null }) | null {
    const e = this.#entries.get(id);
    if (!e) return null;
    return { ...e.item, state: e.state, node: e.node?.name ?? null, executor: e.state === 'running' ? e.executor : null };
  }

  /** Why a waiting item waits, in Jenkins' words; null when it is not waiting. */
  why(id: string): string | null {
    const e = this.#entries.get(id);
    if (!e || e.state === 'running') return null;
    return this.#why(e);
  }

  /** Waiting items, oldest first, each with why it waits. */
  list(): WaitingItem<P>[] {
    return [...this.#entries.values()]
      .filter((e) => e.state === 'waiting')
      .sort((a, b) => a.seq - b.seq)
      .map((e) => ({ ...e.item, why: this.#why(e) }));
  }

  /** Busy executors and what holds them. */
  running(): Holding<P>[] {
    const out: Holding<P>[] = [];
    for (const n of this.#nodes.values()) {
      n.slots.forEach((e, i) => {
        if (e) out.push({ item: e.item, node: n.name, executor: i });
      });
    }
    return out;
  }

  /** Counts for metrics. */
  stats(): { waiting: number; busyExecutors: number; idleExecutors: number; nodes: number; onlineNodes: number } {
    let waiting = 0;
    for (const e of this.#entries.values()) if (e.state === 'waiting') waiting++;
    let busy = 0;
    let idle = 0;
    let nodes = 0;
    let online = 0;
    for (const n of this.#nodes.values()) {
      busy += n.busy;
      if (n.removed) continue;
      nodes++;
      if (!n.online) continue;
      online++;
      idle += this.#freeCount(n);
    }
    return { waiting, busyExecutors: busy, idleExecutors: idle, nodes, onlineNodes: online };
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  #node(name: string): NodeState<P> {
    const n = this.#nodes.get(name);
    if (!n || n.removed) throw new Error(`There is no node named '${name}'`);
    return n;
  }

  #job(name: string): JobState<P> {
    let j = this.#jobs.get(name);
    if (!j) {
      j = { name, lastServed: 0, lastNode: null, groups: new Map(), waiting: 0 };
      this.#jobs.set(name, j);
    }
    return j;
  }

  #parse(text: string): LabelExpr {
    let e = this.#exprCache.get(text);
    if (!e) {
      e = parseLabelExpression(text);
      if (this.#exprCache.size > 10_000) this.#exprCache.clear();
      this.#exprCache.set(text, e);
    }
    return e;
  }

  /** The entry joins its job's FIFO. */
  #ready(e: Entry<P>): void {
    const j = this.#job(e.item.job);
    e.seq = ++this.#seq;
    let g = j.groups.get(e.labelKey);
    if (!g) {
      g = new Set();
      j.groups.set(e.labelKey, g);
    }
    g.add(e);
    j.waiting++;
    this.#activeJobs.add(j);
    this.#entriesToPlace.add(e);
  }

  #unready(e: Entry<P>): void {
    const j = this.#job(e.item.job);
    const g = j.groups.get(e.labelKey);
    if (g?.delete(e)) {
      j.waiting--;
      if (g.size === 0) j.groups.delete(e.labelKey);
      if (j.waiting === 0) this.#activeJobs.delete(j);
    }
  }

  #accepts(n: NodeState<P>, e: Entry<P>): boolean {
    if (e.expr.kind === 'any' ? n.mode !== 'normal' : !matches(e.expr, n.labels)) return false;
    return e.claim === null || e.claim.refuses(n.name) === null;
  }

  #usable(n: NodeState<P>): boolean {
    return n.online && !n.removed && this.#freeSlot(n) >= 0;
  }

  /** The lowest free executor index (busy slots beyond a lowered executor count do not count). */
  #freeSlot(n: NodeState<P>): number {
    for (let i = 0; i < n.executors; i++) if (!n.slots[i]) return i;
    return -1;
  }

  #freeCount(n: NodeState<P>): number {
    let free = 0;
    for (let i = 0; i < n.executors; i++) if (!n.slots[i]) free++;
    return free;
  }

  #fill(n: NodeState<P>): void {
    this.#nodesToFill.add(n);
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      for (;;) {
        const n = first(this.#nodesToFill);
        if (n) {
          this.#nodesToFill.delete(n);
          this.#fillNode(n);
          continue;
        }
        const e = first(this.#entriesToPlace);
        if (!e) break;
        this.#entriesToPlace.delete(e);
        if (e.state === 'waiting') this.#place(e);
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** Gives the node's free executors to waiting items, fairly. */
  #fillNode(n: NodeState<P>): void {
    while (this.#usable(n)) {
      const e = this.#pick(n);
      if (!e) return;
      const slot = this.#freeSlot(n);
      if (slot < 0) return;
      this.#assign(e, n, slot);
    }
  }

  /** The item that gets an executor of `n`: least recently served job first, FIFO within. */
  #pick(n: NodeState<P>): Entry<P> | null {
    if (this.#activeJobs.size === 0) return null;
    const jobs = [...this.#activeJobs];
    const heads = new Map<JobState<P>, number>();
    for (const j of jobs) {
      let h = Infinity;
      for (const g of j.groups.values()) {
        const f = first(g);
        if (f && f.seq < h) h = f.seq;
      }
      heads.set(j, h);
    }
    jobs.sort((a, b) => a.lastServed - b.lastServed || heads.get(a)! - heads.get(b)!);
    for (const j of jobs) {
      let best: Entry<P> | null = null;
      for (const g of j.groups.values()) {
        // FIFO within the label; an item whose claim refuses `n` lets the next of its label go
        for (const f of g) {
          if (best && f.seq > best.seq) break;
          if (this.#accepts(n, f)) { best = f; break; }
          if (f.claim === null) break; // the others of its label do not match `n` either, unless claimed
        }
      }
      if (best) return best;
    }
    return null;
  }

  /** Puts a newly runnable item on a free executor, if one matches. */
  #place(e: Entry<P>): void {
    const j = this.#job(e.item.job);
    let best: NodeState<P> | null = null;
    let bestFree = -1;
    for (const n of this.#nodes.values()) {
      if (!this.#usable(n) || !this.#accepts(n, e)) continue;
      if (n.name === j.lastNode) {
        best = n;
        break;
      }
      const free = this.#freeCount(n);
      if (free > bestFree) {
        best = n;
        bestFree = free;
      }
    }
    if (!best) return;
    const slot = this.#freeSlot(best);
    if (slot >= 0) this.#assign(e, best, slot);
  }

  #assign(e: Entry<P>, n: NodeState<P>, slot: number): void {
    const j = this.#job(e.item.job);
    this.#unready(e);
    this.#entriesToPlace.delete(e);
    e.state = 'running';
    e.node = n;
    e.executor = slot;
    n.slots[slot] = e;
    n.busy++;
    e.unclaim = e.claim?.take(n.name) ?? null;
    j.lastServed = ++this.#served;
    j.lastNode = n.name;
    try {
      this.#dispatch(e.item, n.name, slot);
    } catch (error) {
      if (n.slots[slot] === e) {
        this.#free(n, slot, e);
        this.#entries.delete(e.item.id);
      }
      this.#onDispatchError(error, e.item);
    }
  }

  #free(n: NodeState<P>, slot: number, e: Entry<P>): void {
    n.slots[slot] = null;
    n.busy--;
    const unclaim = e.unclaim;
    e.unclaim = null;
    unclaim?.();
    while (n.slots.length > 0 && n.slots[n.slots.length - 1] === null) n.slots.pop();
    e.node = null;
    if (n.removed) {
      if (n.busy === 0) this.#nodes.delete(n.name);
    } else {
      this.#nodesToFill.add(n);
    }
  }

  #why(e: Entry<P>): string {
    if (e.claim) {
      // every node of its label with a free executor refuses the claim: its reason (the first such node's)
      const free = [...this.#nodes.values()].filter((n) => this.#usable(n) && (e.expr.kind === 'any' ? n.mode === 'normal' : matches(e.expr, n.labels)));
      const refused = free.map((n) => e.claim!.refuses(n.name)).filter((r) => r !== null);
      if (free.length > 0 && refused.length === free.length) return refused[0]!;
    }
    if (e.item.label === null) return 'Waiting for next available executor';
    const label = e.item.label;
    const nodes = [...this.#nodes.values()].filter((n) => !n.removed && matches(e.expr, n.labels));
    if (nodes.length === 0) return `There are no nodes with the label ‘${label}’`;
    const up = nodes.filter((n) => n.online && n.executors > 0);
    if (up.length === 0) {
      const offline = nodes.filter((n) => !n.online).length;
      if (nodes.length === 1) return offline === 1 ? `‘${nodes[0]!.name}’ is offline` : `‘${nodes[0]!.name}’ has no executors`;
      if (offline === nodes.length) return `All nodes of label ‘${label}’ are offline`;
      if (offline === 0) return `All nodes of label ‘${label}’ have no executors`;
      return `All nodes of label ‘${label}’ are offline or have no executors`;
    }
    if (up.length === 1 && nodes.length === 1) return `Waiting for next available executor on ‘${up[0]!.name}’`;
    return `Waiting for next available executor on ‘${label}’`;
  }
}

function first<T>(s: Set<T>): T | undefined {
  for (const x of s) return x;
  return undefined;
}

function checkExecutors(n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`Executors must be a whole number ≥ 0, not ${n}`);
}
