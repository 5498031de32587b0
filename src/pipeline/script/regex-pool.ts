// The regex worker pool: runs a pipeline's regex scans that could backtrack for long on
// worker threads, so the controller's event loop (HTTP, agent heartbeats, every other build)
// keeps running while they do, and cuts off any scan that passes its deadline.
//
// Why threads and a deadline, not only a linear-time engine: Java's (and Jenkins') regex is a
// backtracking engine with backreferences and lookaround, which no linear-time engine runs;
// a pipeline's pattern must mean what it means in Jenkins. JavaScript cannot interrupt a
// running RegExp, so the only way to stop one is to terminate the thread it runs on.
//
// How: at most `workers` threads (default 2, created on first use, ended after 30 s idle and
// never keeping the process alive while idle); a scan waits in a queue for a free thread; its
// deadline starts when a thread takes it. A free thread takes the oldest scan of the owner (the
// build) with the fewest scans running, so one build's many parallel branches cannot keep the
// threads from every other build's scans for minutes. Past the deadline, the thread is terminated (a new
// one starts for the next scan) and the scan rejects with RegexTimeout. An abort of the
// build while its scan is queued or running rejects with RegexAborted the same way. Each
// thread's heap is capped, so a scan cannot exhaust the controller's memory either.
import { Worker } from 'node:worker_threads';
import type { ScanRequest, ScanResult } from './regex-scan.ts';
import type { WorkerReply, WorkerRequest } from './regex-worker.ts';
import { KilnError } from '../../core/errors.ts';

export interface RegexPoolLimits {
  /** How long one scan may run on its thread, in milliseconds. */
  timeoutMs: number;
  /** Threads at most. */
  workers: number;
  /** Heap cap of each thread, in MB. */
  heapMb: number;
}

const limits: RegexPoolLimits = { timeoutMs: 10_000, workers: 2, heapMb: 512 };
const IDLE_MS = 30_000;

/** Changes the limits (the controller's configuration, tests). Applies to scans started after. */
export function configureRegexPool(l: Partial<RegexPoolLimits>): RegexPoolLimits {
  const before = { ...limits };
  if (l.timeoutMs !== undefined) limits.timeoutMs = l.timeoutMs;
  if (l.workers !== undefined) limits.workers = Math.max(1, l.workers);
  if (l.heapMb !== undefined) limits.heapMb = l.heapMb;
  return before;
}

export function regexPoolLimits(): Readonly<RegexPoolLimits> {
  return limits;
}

/** A scan ran past the deadline and its thread was terminated. */
export class RegexTimeout extends KilnError {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super('regex.timeout', `regex scan ran past its ${timeoutMs} ms deadline`);
    this.timeoutMs = timeoutMs;
  }
}

/** The build was aborted while its scan waited or ran. */
export class RegexAborted extends KilnError {
  constructor() {
    super('regex.aborted', 'regex scan aborted');
  }
}

/** The thread failed (out of its heap, crashed): the scan has no answer. */
export class RegexWorkerFailed extends KilnError {
  constructor(message: string) {
    super('regex.worker-failed', message);
  }
}

interface Job {
  readonly req: ScanRequest;
  readonly signal: AbortSignal | null;
  /** Whom the scan is for (the build); scans without one count as one owner. */
  readonly owner: object | null;
  readonly resolve: (r: ScanResult) => void;
  readonly reject: (e: Error) => void;
  onAbort: (() => void) | null;
}

interface Slot {
  readonly worker: Worker;
  job: Job | null;
  timer: NodeJS.Timeout | null;
  idle: NodeJS.Timeout | null;
}

const slots: Slot[] = [];
const queue: Job[] = [];
let nextId = 1;
let stats = { started: 0, timeouts: 0, scans: 0 };

export function regexPoolStats(): { threads: number; busy: number; queued: number; started: number; timeouts: number; scans: number } {
  return { threads: slots.length, busy: slots.filter((s) => s.job !== null).length, queued: queue.length, ...stats };
}

function finish(slot: Slot): Job | null {
  const job = slot.job;
  slot.job = null;
  if (slot.timer) clearTimeout(slot.timer);
  slot.timer = null;
  if (job?.onAbort && job.signal) job.signal.removeEventListener('abort', job.onAbort);
  return job;
}

function retire(slot: Slot): void {
  const i = slots.indexOf(slot);
  if (i >= 0) slots.splice(i, 1);
  if (slot.idle) clearTimeout(slot.idle);
  void slot.worker.terminate();
}

function startWorker(): Slot {
  const worker = new Worker(new URL('./regex-worker.ts', import.meta.url), {
    resourceLimits: { maxOldGenerationSizeMb: limits.heapMb },
    stdout: false,
    stderr: false,
  });
  stats.started++;
  const slot: Slot = { worker, job: null, timer: null, idle: null };
  worker.on('message', (reply: WorkerReply) => {
    const job = finish(slot);
    if (job === null) return;
    if (reply.ok) job.resolve({ groups: reply.groups, count: reply.count, spans: reply.spans, truncated: reply.truncated });
    else job.reject(new RegexWorkerFailed(reply.message));
    release(slot);
  });
  const failed = (why: string): void => {
    const job = finish(slot);
    retire(slot);
    job?.reject(new RegexWorkerFailed(why));
    pump();
  };
  worker.on('error', (err) => failed(err.message));
  worker.on('exit', (code) => {
    if (slots.includes(slot)) failed(`the regex thread exited (code ${code})`);
  });
  slots.push(slot);
  return slot;
}

function release(slot: Slot): void {
  slot.worker.unref();
  slot.idle = setTimeout(() => retire(slot), IDLE_MS);
  slot.idle.unref();
  pump();
}

function assign(slot: Slot, job: Job): void {
  if (slot.idle) clearTimeout(slot.idle);
  slot.idle = null;
  slot.job = job;
  slot.worker.ref();
  stats.scans++;
  const timeoutMs = limits.timeoutMs;
  slot.timer = setTimeout(() => {
    const j = finish(slot);
    retire(slot);
    stats.timeouts++;
    j?.reject(new RegexTimeout(timeoutMs));
    pump();
  }, timeoutMs);
  if (job.signal) {
    job.onAbort = () => {
      const j = finish(slot);
      retire(slot);
      j?.reject(new RegexAborted());
      pump();
    };
    job.signal.addEventListener('abort', job.onAbort, { once: true });
  }
  const msg: WorkerRequest = { id: nextId++, req: job.req };
  slot.worker.postMessage(msg);
}

/** The queue index of the oldest scan whose owner has the fewest scans on threads now. */
function nextFair(): number {
  const running = new Map<object | null, number>();
  for (const s of slots) if (s.job) running.set(s.job.owner, (running.get(s.job.owner) ?? 0) + 1);
  let best = 0;
  let bestRunning = Infinity;
  for (let i = 0; i < queue.length && bestRunning > 0; i++) {
    const n = running.get(queue[i]!.owner) ?? 0;
    if (n < bestRunning) { best = i; bestRunning = n; }
  }
  return best;
}

function pump(): void {
  while (queue.length > 0) {
    let slot = slots.find((s) => s.job === null);
    if (!slot && slots.length < limits.workers) slot = startWorker();
    if (!slot) return;
    const job = queue.splice(nextFair(), 1)[0]!;
    if (job.onAbort && job.signal) job.signal.removeEventListener('abort', job.onAbort);
    job.onAbort = null;
    assign(slot, job);
  }
}

/** Runs a scan on a regex thread; rejects with RegexTimeout, RegexAborted or RegexWorkerFailed. */
export function runOnThread(req: ScanRequest, signal: AbortSignal | null, owner: object | null = null): Promise<ScanResult> {
  return new Promise<ScanResult>((resolve, reject) => {
    if (signal?.aborted) {
      reject(new RegexAborted());
      return;
    }
    const job: Job = { req, signal, owner, resolve, reject, onAbort: null };
    if (signal) {
      job.onAbort = () => {
        const i = queue.indexOf(job);
        if (i >= 0) queue.splice(i, 1);
        reject(new RegexAborted());
      };
      signal.addEventListener('abort', job.onAbort, { once: true });
    }
    queue.push(job);
    pump();
  });
}

/** Ends every thread (tests, controller shutdown); queued and running scans reject. */
export async function closeRegexPool(): Promise<void> {
  for (const job of queue.splice(0)) job.reject(new RegexWorkerFailed('the regex threads were shut down'));
  const all = slots.splice(0);
  await Promise.all(all.map(async (s) => {
    const job = finish(s);
    if (s.idle) clearTimeout(s.idle);
    job?.reject(new RegexWorkerFailed('the regex threads were shut down'));
    await s.worker.terminate();
  }));
  stats = { started: stats.started, timeouts: stats.timeouts, scans: stats.scans };
}
