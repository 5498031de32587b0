// Locks for the `lock` step (Lockable Resources): one holder per resource at a time. A request
// names resources, or asks for a quantity of the configured resources having a label (0: all of
// them), or both (`extra`); it gets all it asks for at once or waits, so two builds never hold
// part of each other's set. The controller shares one LockManager between all builds, with the
// resources configured on it (core/locks.ts, read at each request); `kiln run` has one per run
// with none configured. Resources named only in a Jenkinsfile exist while held or waited for.
//
// Fairness (first come, first served): waiters are served in order; a resource an earlier waiter
// still needs (a name it asks for, or any resource of a label it asks for) is not given to a later
// one, so a request for three resources of a label is not starved by a stream of requests for one.
// Waiters that need nothing an earlier one needs do not wait behind it. inversePrecedence puts the
// waiter first instead of last. Waiting is on promises, never polling; an aborted waiter leaves
// the queue (and what it reserved is offered to the next).
import { interruptionOf, StepFailure } from '../../core/errors.ts';
import type { LockableResource } from '../../core/locks.ts';
import type { LockGrant, LockRequest, LockOptions } from '../steps/types.ts';

interface Group { label: string; candidates: string[]; quantity: number }

interface Waiter {
  owner: string;
  names: string[];
  groups: Group[];
  random: boolean;
  /** Given what it was granted. */
  grant: (names: string[]) => void;
}

export class LockManager {
  readonly #holders = new Map<string, string>();
  readonly #queue: Waiter[] = [];
  readonly #resources: () => Promise<LockableResource[]>;

  /** `resources`: the resources configured on the host (the controller's store), read at each request. */
  readonly #configuredWhere: string;

  /** `where`: where resources are configured, for messages (default 'on the controller'). */
  constructor(opts: { resources?: () => Promise<LockableResource[]>; where?: string } = {}) {
    this.#resources = opts.resources ?? (async () => []);
    this.#configuredWhere = opts.where ?? 'on the controller';
  }

  /** Who holds a resource, or undefined. */
  holder(resource: string): string | undefined {
    return this.#holders.get(resource);
  }

  /**
   * Who waits for a resource, in the order they will be served ('job #N', a build once per
   * request): the waiters naming it, and those asking for a label it has (any of the label's
   * resources may serve them).
   */
  waiters(resource: string): string[] {
    return this.#queue.filter((w) => w.names.includes(resource) || w.groups.some((g) => g.candidates.includes(resource))).map((w) => w.owner);
  }

  /** The resources held or named by a waiter now (those named only in a Jenkinsfile exist only then), sorted. */
  active(): string[] {
    const out = new Set<string>(this.#holders.keys());
    for (const w of this.#queue) for (const n of w.names) out.add(n);
    return [...out].sort();
  }

  /** Whether a resource is configured (or held or waited for): what Jenkins calls "exists". */
  async exists(resource: string): Promise<boolean> {
    if (this.#holders.has(resource) || this.#queue.some((w) => w.names.includes(resource))) return true;
    return (await this.#resources()).some((r) => r.name === resource);
  }

  /**
   * Takes everything `req` asks for, waiting (in order) until it is all free; resolves with the
   * names taken and their release, or null when `skipIfLocked` and it is not free now. A label no
   * configured resource has, or a quantity larger than the label's resources, fails at once.
   */
  async lock(req: LockRequest, owner: string, signal: AbortSignal, opts: LockOptions = {}): Promise<LockGrant | null> {
    const configured = req.labels.length > 0 ? await this.#resources() : [];
    const groups = req.labels.map(({ label, quantity }): Group => {
      const candidates = configured.filter((r) => r.labels.includes(label)).map((r) => r.name).sort();
      if (candidates.length === 0) throw new StepFailure(`lock: the label '${label}' does not exist: no lockable resource configured ${this.#configuredWhere} has it`);
      if (quantity > candidates.length) throw new StepFailure(`lock: label '${label}' has ${candidates.length} resource${candidates.length === 1 ? '' : 's'} (${candidates.join(', ')}); ${quantity} cannot be locked at once`);
      return { label, candidates, quantity: quantity <= 0 ? candidates.length : quantity };
    });
    if (signal.aborted) throw interruptionOf(signal);
    const names = [...new Set(req.names)];
    const waiter: Waiter = { owner, names, groups, random: req.random ?? false, grant: () => {} };
    const now = this.#pick(waiter, this.#reserved(this.#queue.length));
    if (now) {
      this.#take(now, owner);
      return this.#grant(now, owner);
    }
    opts.onBlocked?.(this.#blockCause(waiter));
    if (opts.skipIfLocked) return null;
    return new Promise<LockGrant>((resolve, reject) => {
      const onAbort = () => {
        const i = this.#queue.indexOf(waiter);
        if (i >= 0) this.#queue.splice(i, 1);
        this.#dispatch(); // what it reserved may serve a later waiter now
        reject(interruptionOf(signal));
      };
      waiter.grant = (n) => {
        signal.removeEventListener('abort', onAbort);
        resolve(this.#grant(n, owner));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (opts.newestFirst) this.#queue.unshift(waiter);
      else this.#queue.push(waiter);
    });
  }

  /** What blocks the request, as the plugin says it: who holds the named ones, how many of a label are free. */
  #blockCause(w: Waiter): string[] {
    const lines: string[] = [];
    for (const n of w.names) {
      const h = this.#holders.get(n);
      if (h) lines.push(`The resource [${n}] is locked by ${h}.`);
    }
    for (const g of w.groups) {
      const free = g.candidates.filter((c) => !this.#holders.has(c)).length;
      if (free < g.quantity) lines.push(`Found ${free} available resource(s). Waiting for correct amount: ${g.quantity}.`);
    }
    return lines;
  }

  /** The resources the first `upTo` waiters need (names, and every resource of their labels). */
  #reserved(upTo: number): Set<string> {
    const out = new Set<string>();
    for (const w of this.#queue.slice(0, upTo)) {
      for (const n of w.names) out.add(n);
      for (const g of w.groups) for (const c of g.candidates) out.add(c);
    }
    return out;
  }

  /** The names `w` would take now, free and not reserved; null when it cannot have them all. */
  #pick(w: Waiter, reserved: Set<string>): string[] | null {
    const usable = (n: string) => !this.#holders.has(n) && !reserved.has(n);
    const taken = new Set<string>();
    for (const n of w.names) {
      if (!usable(n)) return null;
      taken.add(n);
    }
    for (const g of w.groups) {
      const free = g.candidates.filter((c) => usable(c) && !taken.has(c));
      if (free.length < g.quantity) return null;
      if (w.random) shuffle(free);
      for (const c of free.slice(0, g.quantity)) taken.add(c);
    }
    return [...taken];
  }

  #take(names: string[], owner: string): void {
    for (const n of names) this.#holders.set(n, owner);
  }

  #grant(names: string[], owner: string): LockGrant {
    let done = false;
    return {
      names,
      release: () => {
        if (done) return;
        done = true;
        for (const n of names) if (this.#holders.get(n) === owner) this.#holders.delete(n);
        this.#dispatch();
      },
    };
  }

  /** Serves the waiters in order, each with what is free and not reserved by one before it. */
  #dispatch(): void {
    const reserved = new Set<string>();
    for (let i = 0; i < this.#queue.length;) {
      const w = this.#queue[i]!;
      const got = this.#pick(w, reserved);
      if (got) {
        this.#queue.splice(i, 1);
        this.#take(got, w.owner);
        w.grant(got);
        continue;
      }
      for (const n of w.names) reserved.add(n);
      for (const g of w.groups) for (const c of g.candidates) reserved.add(c);
      i++;
    }
  }
}

function shuffle<T>(a: T[]): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}
