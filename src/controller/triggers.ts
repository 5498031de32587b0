// Timed triggers: `triggers { cron(...) }`, `parameterizedCron(...)` and `pollSCM(...)`.
//
// What: for every enabled job whose cached triggers (Job.triggers, taken from its last build's
// model) include a schedule, one timer is armed for the earliest next fire of all its
// schedules (Jenkins cron grammar with `H` hashed on the job's full name, `TZ=` honoured; see
// src/util/cron.ts). When it goes off, each schedule due at that minute acts, then the timer
// is armed again for the next one:
//   - cron               → a build with cause "Started by timer";
//   - parameterizedCron  → the same with the line's parameters (`spec % NAME=value;N2=v2`);
//   - pollSCM            → for git jobs: `git ls-remote <url> refs/heads/<branch>`; when the
//                          branch's commit differs from the last build's recorded commit (or
//                          the last one this scheduler saw), a build with cause "Started by an
//                          SCM change" and scm { url, branch, commit }.
// A disabled job, a deleted job and a job without schedules have no timer.
//
// `pollNow(job, cause)` does what pollSCM does, now, for a job with or without a schedule: the
// webhooks (webhooks.ts) use it for a push nobody vouches for (unsigned, no user), which may
// only make Kiln look at the branch. Calls for one job while a poll of it runs share the one
// poll that starts after it (so a push is never answered by a look taken before it arrived,
// and a flood of them costs at most two `git ls-remote` at a time per job).
//
// When: `start()` arms every job at controller start. `sync(jobId)` re-reads one job (the
// build manager calls it when a build caches new triggers); `syncAll()` re-reads all of them
// (`syncOnJobRoutes` calls it on job create/update/delete through the HTTP API). At fire
// time the job is re-read too, so a job deleted or disabled some other way starts nothing
// and its timer goes.
//
// Why this shape: no polling loop (one timer per job, for its next fire), and the clock and
// the timer functions are injectable so tests advance time instead of waiting for minutes.
// Timers longer than setTimeout's limit (~24.8 days, e.g. @yearly) are re-armed in steps.
import { execFile } from 'node:child_process';
import type { FastifyInstance } from 'fastify';
import type { Build, BuildCause, Job, JsonValue, Store } from '../store/types.ts';
import type { TriggerOptions } from './builds.ts';
import { nextFire, parseCron, type CronTable } from '../util/cron.ts';

/** What the scheduler needs of the build manager. */
export interface TriggerTarget {
  trigger(jobName: string, o?: TriggerOptions): Promise<Build>;
}

/** The clock and timers; the default is Date.now / setTimeout. */
export interface TriggerClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

/** Reads the commit a branch points at; null when the branch does not exist. */
export type LsRemote = (url: string, branch: string, signal: AbortSignal) => Promise<string | null>;

export interface TriggerSchedulerOptions {
  store: Store;
  builds: TriggerTarget;
  clock?: TriggerClock;
  /** Zone for specs without a `TZ=` line (default: the process' zone, as Jenkins' JVM zone). */
  timeZone?: string;
  lsRemote?: LsRemote;
  log?: (line: string) => void;
}

/** One row of the next-fire table. */
export interface ScheduledJob {
  job: string;
  jobId: string;
  /** When the job's timer goes off (ms since the epoch). */
  at: number;
  /** The schedules due then, e.g. ['cron'] or ['cron', 'pollSCM']. */
  kinds: ScheduleKind[];
}

export type ScheduleKind = 'cron' | 'parameterizedCron' | 'pollSCM';

/** What one schedule did when it fired. */
export interface FireOutcome {
  kind: ScheduleKind;
  /** The build it started, or null. */
  build: Build | null;
  /** pollSCM: the branch's commit as read (null when unreadable). */
  commit?: string | null;
  /** Why nothing was started, when nothing was. */
  reason?: string;
}

export interface Schedule {
  kind: ScheduleKind;
  table: CronTable;
  params: Record<string, JsonValue> | null;
  next: number | null;
}

interface Armed {
  jobId: string;
  name: string;
  signature: string;
  schedules: Schedule[];
  at: number | null;
  handle: unknown;
}

const realClock: TriggerClock = {
  now: () => Date.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

const SCM_CAUSE: BuildCause = { type: 'scm', description: 'Started by an SCM change' };

/** setTimeout's longest delay; longer waits are re-armed when it goes off. */
const MAX_DELAY = 2 ** 31 - 1;
const TIMED = new Set<string>(['cron', 'parameterizedCron', 'pollSCM']);

export class TriggerScheduler {
  readonly #store: Store;
  readonly #builds: TriggerTarget;
  readonly #clock: TriggerClock;
  readonly #zone: string | undefined;
  readonly #lsRemote: LsRemote;
  readonly #log: (line: string) => void;
  readonly #armed = new Map<string, Armed>();
  /** pollSCM: the last commit seen per job id (the baseline when the last build recorded none). */
  readonly #seen = new Map<string, string>();
  /** The poll running for each job id, and the one queued behind it (pollNow). */
  readonly #polling = new Map<string, Promise<FireOutcome>>();
  readonly #nextPoll = new Map<string, Promise<FireOutcome>>();
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #ac = new AbortController();
  #chain: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(o: TriggerSchedulerOptions) {
    this.#store = o.store;
    this.#builds = o.builds;
    this.#clock = o.clock ?? realClock;
    this.#zone = o.timeZone;
    this.#lsRemote = o.lsRemote ?? gitLsRemote;
    this.#log = o.log ?? (() => {});
  }

  /** Arms every job's timer (controller start). */
  start(): Promise<void> {
    return this.syncAll();
  }

  /** Re-reads every job: arms new schedules, re-arms changed ones, drops gone ones. */
  syncAll(): Promise<void> {
    return this.#serial(async () => {
      const jobs = await this.#store.jobs.list();
      const ids = new Set(jobs.map((j) => j.id));
      for (const id of [...this.#armed.keys()]) if (!ids.has(id)) this.#disarm(id);
      for (const j of jobs) this.#apply(j);
    });
  }

  /** Re-reads one job (by id). */
  sync(jobId: string): Promise<void> {
    return this.#serial(async () => {
      const j = await this.#store.jobs.getById(jobId);
      if (!j) this.#disarm(jobId);
      else this.#apply(j);
    });
  }

  /** The next-fire table, soonest first. */
  nextFires(): ScheduledJob[] {
    const out: ScheduledJob[] = [];
    for (const a of this.#armed.values()) {
      if (a.at === null) continue;
      out.push({ job: a.name, jobId: a.jobId, at: a.at, kinds: a.schedules.filter((s) => s.next === a.at).map((s) => s.kind) });
    }
    return out.sort((x, y) => x.at - y.at || x.job.localeCompare(y.job));
  }

  /**
   * Does now what the job's timer will do when it goes off: runs the schedules due at its
   * armed time, then arms the timer for the next fire. Resolves with what each did.
   */
  fire(jobName: string): Promise<FireOutcome[]> {
    const a = [...this.#armed.values()].find((x) => x.name === jobName);
    if (!a || a.at === null) return Promise.resolve([]);
    return this.#fire(a, a.at);
  }

  /**
   * Looks at the job's branch now, as pollSCM does: a build of the branch's tip (default
   * parameters, `cause`) when it differs from the last build's commit, else none and why.
   * While a poll of the job runs, callers share the next one (see the header).
   */
  pollNow(job: Job, cause: BuildCause = SCM_CAUSE): Promise<FireOutcome> {
    const queued = this.#nextPoll.get(job.id);
    if (queued) return queued;
    const running = this.#polling.get(job.id);
    if (!running) return this.#poll(job, cause);
    const next = running.catch(() => null).then(() => {
      this.#nextPoll.delete(job.id);
      return this.#poll(job, cause);
    });
    this.#nextPoll.set(job.id, next);
    return next;
  }

  /** Waits until every action started by a timer so far has finished (tests). */
  async settled(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    await this.#chain;
  }

  /** Clears every timer and stops running polls. */
  close(): void {
    this.#closed = true;
    this.#ac.abort();
    for (const id of [...this.#armed.keys()]) this.#disarm(id);
  }

  // -------------------------------------------------------------------------------------------

  #serial(f: () => Promise<void>): Promise<void> {
    const p = this.#chain.then(async () => {
      if (this.#closed) return;
      try {
        await f();
      } catch (err) {
        this.#log(`triggers: could not read the jobs: ${(err as Error).message}`);
      }
    });
    this.#chain = p;
    return p;
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inFlight.add(p);
    void p.finally(() => this.#inFlight.delete(p)).catch(() => {});
    return p;
  }

  #disarm(jobId: string): void {
    const a = this.#armed.get(jobId);
    if (!a) return;
    if (a.handle !== null) this.#clock.clearTimer(a.handle);
    this.#armed.delete(jobId);
  }

  /** Arms (or keeps, when its schedules did not change) the timer of one job. */
  #apply(job: Job): void {
    const specs = job.disabled ? [] : job.triggers.filter((t) => TIMED.has(t.type) && t.spec.trim() !== '');
    if (specs.length === 0) {
      this.#disarm(job.id);
      return;
    }
    const signature = JSON.stringify([job.name, this.#zone ?? null, specs.map((t) => [t.type, t.spec])]);
    if (this.#armed.get(job.id)?.signature === signature) return;
    this.#disarm(job.id);
    const schedules: Schedule[] = [];
    for (const t of specs) {
      try {
        schedules.push(...schedulesOf(t.type as ScheduleKind, t.spec, job.name));
      } catch (err) {
        this.#log(`triggers: job '${job.name}': ${t.type}('${t.spec}') is not valid and is ignored: ${(err as Error).message}`);
      }
    }
    const now = new Date(this.#clock.now());
    for (const s of schedules) s.next = nextFire(s.table, job.name, now, this.#zone)?.getTime() ?? null;
    const a: Armed = { jobId: job.id, name: job.name, signature, schedules, at: null, handle: null };
    this.#armed.set(job.id, a);
    this.#arm(a);
  }

  #arm(a: Armed): void {
    if (a.handle !== null) this.#clock.clearTimer(a.handle);
    a.handle = null;
    let at: number | null = null;
    for (const s of a.schedules) if (s.next !== null && (at === null || s.next < at)) at = s.next;
    a.at = at;
    if (at === null || this.#closed) return;
    const delay = Math.max(0, Math.min(at - this.#clock.now(), MAX_DELAY));
    a.handle = this.#clock.setTimer(() => this.#wake(a, at), delay);
  }

  #wake(a: Armed, at: number): void {
    a.handle = null;
    if (this.#armed.get(a.jobId) !== a || this.#closed) return;
    // Early (a capped long delay, or a clock that moved back): wait the rest.
    if (this.#clock.now() < at) {
      this.#arm(a);
      return;
    }
    void this.#track(this.#fire(a, at));
  }

  async #fire(a: Armed, at: number): Promise<FireOutcome[]> {
    const after = new Date(Math.max(at, this.#clock.now()));
    const due = a.schedules.filter((s) => s.next !== null && s.next <= at);
    for (const s of due) s.next = nextFire(s.table, a.name, after, this.#zone)?.getTime() ?? null;
    this.#arm(a);
    const job = await this.#store.jobs.getById(a.jobId);
    if (!job) {
      this.#disarm(a.jobId);
      return due.map((s) => ({ kind: s.kind, build: null, reason: `job '${a.name}' no longer exists` }));
    }
    if (job.disabled) {
      this.#disarm(a.jobId);
      return due.map((s) => ({ kind: s.kind, build: null, reason: `job '${job.name}' is disabled` }));
    }
    const out: FireOutcome[] = [];
    for (const s of due) out.push(s.kind === 'pollSCM' ? await this.#poll(job) : await this.#timer(job, s));
    return out;
  }

  async #timer(job: Job, s: Schedule): Promise<FireOutcome> {
    const params = s.params ?? {};
    const names = Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(', ');
    try {
      const build = await this.#builds.trigger(job.name, {
        params,
        causes: [{ type: 'timer', description: s.params ? `Started by timer with parameters: {${names}}` : 'Started by timer' }],
      });
      this.#log(`triggers: ${job.name} #${build.number} started by timer`);
      return { kind: s.kind, build };
    } catch (err) {
      const reason = (err as Error).message;
      this.#log(`triggers: ${job.name}: the timer could not start a build: ${reason}`);
      return { kind: s.kind, build: null, reason };
    }
  }

  async #poll(job: Job, cause: BuildCause = SCM_CAUSE): Promise<FireOutcome> {
    const d = job.definition;
    if (d.kind !== 'git') return { kind: 'pollSCM', build: null, reason: `job '${job.name}' has an inline Jenkinsfile: there is no repository to poll` };
    if (this.#polling.has(job.id)) return { kind: 'pollSCM', build: null, reason: 'the previous poll of this job is still running' };
    const p = this.#pollGit(job, d, cause);
    this.#polling.set(job.id, p);
    try {
      return await p;
    } finally {
      this.#polling.delete(job.id);
    }
  }

  async #pollGit(job: Job, d: Extract<Job['definition'], { kind: 'git' }>, cause: BuildCause): Promise<FireOutcome> {
    try {
      const branch = branchOnly(d.branch);
      let commit: string | null;
      try {
        commit = await this.#lsRemote(d.url, branch, this.#ac.signal);
      } catch (err) {
        const reason = `could not poll ${d.url}: ${(err as Error).message}`;
        this.#log(`triggers: ${job.name}: ${reason}`);
        return { kind: 'pollSCM', build: null, commit: null, reason };
      }
      if (commit === null) return { kind: 'pollSCM', build: null, commit: null, reason: `${d.url} has no branch '${branch}'` };
      const last = await this.#store.builds.latest(job.name);
      const baseline = last?.scm?.commit ?? this.#seen.get(job.id) ?? null;
      this.#seen.set(job.id, commit);
      if (baseline !== null && sameCommit(baseline, commit)) return { kind: 'pollSCM', build: null, commit, reason: `no changes (${branch} is at ${commit})` };
      const build = await this.#builds.trigger(job.name, {
        causes: [cause],
        scm: { url: d.url, branch, commit },
      });
      this.#log(`triggers: ${job.name} #${build.number} started by an SCM change (${branch} at ${commit})`);
      return { kind: 'pollSCM', build, commit };
    } catch (err) {
      const reason = (err as Error).message;
      this.#log(`triggers: ${job.name}: polling could not start a build: ${reason}`);
      return { kind: 'pollSCM', build: null, reason };
    }
  }
}

/**
 * The schedules of one trigger. `parameterizedCron` gives one per line (each with its
 * parameters); `H` is drawn across the whole spec in reading order, as Jenkins does.
 */
export function schedulesOf(kind: ScheduleKind, spec: string, jobName: string): Schedule[] {
  if (kind !== 'parameterizedCron') return [{ kind, table: parseCron(spec, jobName), params: null, next: null }];
  const lines = spec.split('\n');
  const params = new Map<number, Record<string, JsonValue>>();
  const cronText = lines.map((l, i) => {
    const at = l.indexOf('%');
    if (at < 0) return l;
    params.set(i + 1, parseCronParams(l.slice(at + 1)));
    return l.slice(0, at).padEnd(l.length);
  }).join('\n');
  const table = parseCron(cronText, jobName);
  return table.lines.map((line) => ({ kind, table: { lines: [line], timeZone: table.timeZone }, params: params.get(line.line) ?? {}, next: null }));
}

/** `NAME=value;NAME2=value2` (the part after `%`). */
export function parseCronParams(text: string): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const part of text.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`parameterizedCron: '${part.trim()}' is not NAME=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** Re-reads the jobs after every successful job create / update / delete through the API. */
export function syncOnJobRoutes(app: FastifyInstance, triggers: TriggerScheduler): void {
  // Before the answer goes out: once a client has it, the schedules agree with the change.
  app.addHook('onSend', async (req, reply, payload) => {
    if (req.method === 'GET' || req.method === 'HEAD' || reply.statusCode >= 400) return payload;
    const route = req.routeOptions.url ?? '';
    if (route === '/api/v1/jobs' || route === '/api/v1/jobs/:job') await triggers.syncAll();
    return payload;
  });
}

/** `git ls-remote <url> refs/heads/<branch>` with the system git: the commit, or null when absent. */
export async function gitLsRemote(url: string, branch: string, signal: AbortSignal): Promise<string | null> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile('git', ['ls-remote', '--', url, `refs/heads/${branch}`], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes' }, timeout: 60_000, signal, maxBuffer: 1024 * 1024,
    }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr).trim().split('\n').pop() || err.message));
      else resolve(String(stdout));
    });
  });
  for (const line of out.split('\n')) {
    const [sha, ref] = line.split('\t');
    if (ref === `refs/heads/${branch}` && sha) return sha.trim();
  }
  return null;
}

/** 'refs/heads/main', '*\/main', 'origin/main' → 'main'. */
export function branchOnly(spec: string): string {
  return spec.replace(/^\*\//, '').replace(/^refs\/heads\//, '').replace(/^origin\//, '');
}

function sameCommit(a: string, b: string): boolean {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x.length >= 7 && y.length >= 7 ? x.startsWith(y) || y.startsWith(x) : x === y;
}
