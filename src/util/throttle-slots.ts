// The slots of throttle categories (core/throttle.ts) within one process: a counting semaphore
// per category, first come first served, whose limit is read at each acquire (a category's
// maxConcurrentTotal may change while builds wait: the waiters are looked at again on the next
// release or acquire). Used by the controller (controller/throttle.ts) and `kiln run` (cli/run.ts).
// Per node: how many throttled blocks of each category run on each node, and a NodeClaim
// (core/nodes.ts) that refuses a node at its category's maxConcurrentPerNode, as
// ThrottleQueueTaskDispatcher's canTake does ("Already running 1 builds on node").
import type { NodeClaim } from '../core/nodes.ts';
import type { ThrottleCategory, ThrottleService } from '../core/throttle.ts';

interface Waiter { owner: string; grant: () => void }

export class ThrottleSlots {
  readonly #held = new Map<string, number>();
  readonly #waiting = new Map<string, Waiter[]>();
  /** Per category, per node: the throttled blocks running there. */
  readonly #onNode = new Map<string, Map<string, number>>();
  readonly #categories: () => Promise<ThrottleCategory[]>;
  constructor(categories: () => Promise<ThrottleCategory[]>) {
    this.#categories = categories;
  }

  /** How many slots of the category are taken now. */
  held(category: string): number {
    return this.#held.get(category) ?? 0;
  }

  async #max(category: string): Promise<number> {
    return (await this.#categories()).find((c) => c.name === category)?.maxConcurrentTotal ?? 0;
  }

  acquire(category: string, owner: string, signal: AbortSignal, onBlocked: (why: string) => void): Promise<() => void> {
    return this.#max(category).then((max) => new Promise<() => void>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        this.#held.set(category, Math.max(0, this.held(category) - 1));
        void this.#wake(category);
      };
      const take = () => {
        this.#held.set(category, this.held(category) + 1);
        resolve(release);
      };
      const line = this.#waiting.get(category) ?? [];
      if ((max <= 0 || this.held(category) < max) && line.length === 0) return take();
      // as Jenkins' ThrottleQueueTaskDispatcher says why the node block waits
      onBlocked(`Already running ${this.held(category)} builds across all nodes`);
      const w: Waiter = {
        owner,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          take();
        },
      };
      const onAbort = () => {
        const l = this.#waiting.get(category) ?? [];
        const i = l.indexOf(w);
        if (i >= 0) l.splice(i, 1);
        reject(signal.reason);
        void this.#wake(category);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      line.push(w);
      this.#waiting.set(category, line);
      void this.#wake(category); // the limit may have grown since the last release
    }));
  }

  async #wake(category: string): Promise<void> {
    const max = await this.#max(category);
    const line = this.#waiting.get(category) ?? [];
    while (line.length > 0 && (max <= 0 || this.held(category) < max)) line.shift()!.grant();
  }

  /** How many throttled blocks of the category run on the node now. */
  onNode(category: string, node: string): number {
    return this.#onNode.get(category)?.get(node) ?? 0;
  }

  /** The claim of the categories with a per-node maximum (the limits configured now); null: none has one. */
  async nodeClaim(categories: readonly string[]): Promise<NodeClaim | null> {
    const all = await this.#categories();
    const limits = categories.flatMap((name) => {
      const max = all.find((c) => c.name === name)?.maxConcurrentPerNode ?? 0;
      return max > 0 ? [{ name, max }] : [];
    });
    if (limits.length === 0) return null;
    return {
      refuses: (node) => {
        for (const l of limits) {
          const n = this.onNode(l.name, node);
          if (n >= l.max) return `Already running ${n} builds on node`;
        }
        return null;
      },
      take: (node) => {
        for (const l of limits) this.#count(l.name, node, 1);
        let taken = true;
        return () => {
          if (!taken) return;
          taken = false;
          for (const l of limits) this.#count(l.name, node, -1);
        };
      },
    };
  }

  #count(category: string, node: string, by: number): void {
    const m = this.#onNode.get(category) ?? new Map<string, number>();
    const n = (m.get(node) ?? 0) + by;
    if (n > 0) m.set(node, n); else m.delete(node);
    if (m.size > 0) this.#onNode.set(category, m); else this.#onNode.delete(category);
  }

  /** The ThrottleService of these slots. */
  service(configureHint: string): ThrottleService {
    return { categories: this.#categories, acquire: (c, o, s, b) => this.acquire(c, o, s, b), nodeClaim: (c) => this.nodeClaim(c), configureHint };
  }
}
