// Named locks for the `lock` step (Lockable Resources): one holder per resource at a time,
// waiters served first come, first served (or newest first with inversePrecedence). The
// controller shares one LockManager between all builds; `kiln run` has one per run.
// Waiting is on promises, never polling; an aborted waiter leaves the queue.
import { interruptionOf } from '../../core/errors.ts';

interface Waiter {
  owner: string;
  grant: () => void;
}

export class LockManager {
  readonly #holders = new Map<string, string>();
  readonly #waiters = new Map<string, Waiter[]>();

  /** Who holds a resource, or undefined. */
  holder(resource: string): string | undefined {
    return this.#holders.get(resource);
  }

  /** Takes the resource when free, or null without waiting. */
  tryAcquire(resource: string, owner: string): (() => void) | null {
    if (this.#holders.has(resource)) return null;
    this.#holders.set(resource, owner);
    return this.#releaser(resource, owner);
  }

  /** Waits for the resource; resolves with the function that releases it. */
  acquire(resource: string, owner: string, signal: AbortSignal, opts: { newestFirst?: boolean } = {}): Promise<() => void> {
    const now = this.tryAcquire(resource, owner);
    if (now) return Promise.resolve(now);
    if (signal.aborted) return Promise.reject(interruptionOf(signal));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        owner,
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          this.#holders.set(resource, owner);
          resolve(this.#releaser(resource, owner));
        },
      };
      const onAbort = () => {
        const q = this.#waiters.get(resource) ?? [];
        const i = q.indexOf(waiter);
        if (i >= 0) q.splice(i, 1);
        reject(interruptionOf(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      const q = this.#waiters.get(resource) ?? [];
      if (opts.newestFirst) q.unshift(waiter);
      else q.push(waiter);
      this.#waiters.set(resource, q);
    });
  }

  #releaser(resource: string, owner: string): () => void {
    let done = false;
    return () => {
      if (done || this.#holders.get(resource) !== owner) return;
      done = true;
      this.#holders.delete(resource);
      const next = this.#waiters.get(resource)?.shift();
      if (next) next.grant();
      if (this.#waiters.get(resource)?.length === 0) this.#waiters.delete(resource);
    };
  }
}
