// The controller's health: what is wrong with it right now, in words, and how it gets better.
//
// What: parts of the controller `report` a problem they cannot pin on one build (a disk that is
// full or read-only, a store that refuses writes), each with a `probe` that succeeds once the
// cause is gone. `GET /api/v1/health` answers `{ status: 'ok' }`, or `{ status: 'degraded',
// problems: [...] }` with each problem's component, message and since when (and, for a caller
// who is logged in, the detail: paths and the write that failed). A problem leaves when its
// probe passes: on each health request and every `intervalMs` in the background, so a disk
// that has space again is seen without anyone asking. Changes are logged and told to `onChange`
// (the UI's live events).
//
// Why: a controller that cannot write must stay up and say so instead of dying (an unhandled
// rejection) or failing silently; and a controller that says "degraded" must stop saying it
// when it can write again, without a restart. Liveness stays 200 either way: restarting does
// not give a disk its space back, and it would end every running build.
//
// How: one entry per problem id (a disk error of one kind is one problem, however many builds
// hit it), the latest report wins; probes run at most one at a time per problem. `writeProbe`
// is the usual probe: it writes, syncs and removes a small file where the failed write was.
import fs from 'node:fs/promises';
import path from 'node:path';

export interface HealthProblem {
  /** What is affected: 'disk' (logs, artifacts, stashes under the home), 'store', ... */
  component: string;
  /** One line, safe for anyone to read (no paths, no job names). */
  message: string;
  /** Paths and the operation that failed: shown to callers who are logged in. */
  detail: string;
  since: number;
  /** How many reports it had (e.g. builds that hit it). */
  count: number;
}

export type HealthView =
  | { status: 'ok' }
  | { status: 'degraded'; problems: (Omit<HealthProblem, 'detail'> & { detail?: string })[] };

interface Entry {
  problem: HealthProblem;
  probe: () => Promise<void>;
  probing: Promise<void> | null;
}

/** The least time between two checks' probes. */
const MIN_CHECK_GAP_MS = 1000;

export class Health {
  readonly #problems = new Map<string, Entry>();
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #onChange: () => void;
  readonly #recovered = new Set<() => Promise<void> | void>();
  #timer: NodeJS.Timeout | null = null;
  #checking: Promise<void> | null = null;
  /** When the last check ended: checks closer together than MIN_CHECK_GAP_MS reuse its answer. */
  #checkedAt = -Infinity;

  constructor(o: { log?: (line: string) => void; now?: () => number; onChange?: () => void } = {}) {
    this.#log = o.log ?? (() => {});
    this.#now = o.now ?? Date.now;
    this.#onChange = o.onChange ?? (() => {});
  }

  /** Records a problem (or refreshes one with the same id). `probe` resolves once it is gone. */
  report(p: { id: string; component: string; message: string; detail?: string; probe: () => Promise<void> }): void {
    const cur = this.#problems.get(p.id);
    if (cur) {
      cur.problem.message = p.message;
      cur.problem.detail = p.detail ?? '';
      cur.problem.count++;
      cur.probe = p.probe;
      return;
    }
    this.#problems.set(p.id, {
      problem: { component: p.component, message: p.message, detail: p.detail ?? '', since: this.#now(), count: 1 },
      probe: p.probe,
      probing: null,
    });
    this.#log(`health: degraded: ${p.message}${p.detail ? ` (${p.detail})` : ''}`);
    this.#onChange();
  }

  get degraded(): boolean {
    return this.#problems.size > 0;
  }

  /**
   * Runs every problem's probe; those that pass are gone. One check at a time; with `throttled`
   * (an anonymous GET /api/v1/health), at most one per MIN_CHECK_GAP_MS: a probe writes and syncs
   * a file, so a flood of public requests must not become a flood of disk writes.
   */
  check(o: { throttled?: boolean } = {}): Promise<void> {
    if (o.throttled === true && this.#checking === null && this.#now() - this.#checkedAt < MIN_CHECK_GAP_MS) return Promise.resolve();
    this.#checking ??= (async () => {
      try {
        await Promise.all([...this.#problems].map(([id, e]) => this.#probe(id, e)));
      } finally {
        this.#checkedAt = this.#now();
        this.#checking = null;
      }
    })();
    return this.#checking;
  }

  async #probe(id: string, e: Entry): Promise<void> {
    e.probing ??= e.probe();
    try {
      await e.probing;
    } catch {
      return; // still there
    } finally {
      e.probing = null;
    }
    if (this.#problems.get(id) !== e) return;
    this.#problems.delete(id);
    this.#log(`health: recovered: ${e.problem.message} (since ${new Date(e.problem.since).toISOString()}, ${e.problem.count} report(s))`);
    this.#onChange();
    // What waited for the disk or store to come back (before check() resolves, so a health
    // request that sees 'ok' sees it done).
    for (const f of [...this.#recovered]) {
      try {
        await f();
      } catch {
        // its owner keeps what it could not do for the next recovery
      }
    }
  }

  /** Calls `f` (and waits for it) each time a problem goes away; returns an unsubscribe. */
  onRecovered(f: () => Promise<void> | void): () => void {
    this.#recovered.add(f);
    return () => this.#recovered.delete(f);
  }

  /** What GET /api/v1/health answers; `detailed` adds paths and operations (logged-in callers). */
  view(detailed: boolean): HealthView {
    if (this.#problems.size === 0) return { status: 'ok' };
    return {
      status: 'degraded',
      problems: [...this.#problems.values()].map(({ problem: { detail, ...p } }) => (detailed ? { ...p, detail } : p)),
    };
  }

  /** Checks in the background every `intervalMs` while there are problems. */
  start(intervalMs = 10_000): void {
    this.#timer ??= setInterval(() => { if (this.degraded) void this.check(); }, intervalMs);
    this.#timer.unref();
  }

  close(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}

/**
 * A probe that passes when a small file can be written, synced and removed in `dir` (or, when
 * `dir` does not exist, in its nearest existing parent): the disk has space and takes writes.
 */
export function writeProbe(dir: string, bytes = 64 * 1024): () => Promise<void> {
  return async () => {
    let at = dir;
    while (!(await fs.stat(at).then((s) => s.isDirectory(), () => false))) {
      const up = path.dirname(at);
      if (up === at) break;
      at = up;
    }
    const file = path.join(at, `.kiln-write-probe-${process.pid}`);
    const fh = await fs.open(file, 'w');
    try {
      await fh.write(Buffer.alloc(bytes, 0x6b));
      await fh.datasync();
    } finally {
      await fh.close();
      await fs.rm(file, { force: true });
    }
  };
}
