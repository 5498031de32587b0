// Pod slots: how many pods a cloud runs at once, for the Docker and the Kubernetes clouds alike.
//
// What: a cloud's cap (Docker `concurrencyCap`, Kubernetes `containerCap`; 0 = none) is a count
// of slots. A build that needs a pod takes a slot, or waits for one, in order (FIFO per cloud);
// the slot is given back when the pod goes. Waiting builds are listed for the queue
// (GET /api/v1/queue) with why they wait, in one wording for both clouds:
// "Waiting for a pod slot on cloud 'x' (2/2 in use)".
//
// Why one mechanism: the two clouds had their own, and they differed: a Docker wait was not in
// the queue, and aborting it ended the build FAILURE where Kubernetes said ABORTED. Here an
// abort while waiting leaves the line and rejects with the build's interruption (ABORTED, or
// whatever the abort says), and nothing is polled: a freed slot goes to the next waiter at once.
//
// How: one `PodSlots` per controller (or per `kiln run`), pools by cloud name, so a cloud whose
// settings change keeps counting the pods it already runs. The cap is given with each `take`
// (settings are read when a pod is needed); a raised cap lets waiters go at once.
import { interruptionOf } from '../core/errors.ts';
import type { BuildRef } from '../core/nodes.ts';

/** A build waiting for a pod slot, as the queue shows it. */
export interface SlotWait {
  /** Unique among waits: the queue's item id (DELETE /api/v1/queue/:id aborts the build). */
  id: string;
  job: string;
  number: number;
  cloud: string;
  why: string;
  /** When it started to wait (ms since the epoch). */
  since: number;
}

interface Waiter {
  id: string;
  build: BuildRef;
  since: number;
  go: () => void;
  fail: (err: Error) => void;
}

interface Pool {
  cap: number;
  used: number;
  waiting: Waiter[];
}

/** Gives a slot back; calling it again does nothing. */
export type ReleaseSlot = () => void;

export class PodSlots {
  readonly #pools = new Map<string, Pool>();
  readonly #onChange: () => void;
  #ids = 0;

  /** `onChange`: a wait began or ended (the queue changed). */
  constructor(o: { onChange?: () => void } = {}) {
    this.#onChange = o.onChange ?? (() => {});
  }

  /**
   * A slot of `cloud` (at most `cap` at once; 0 = no cap). Waits in line when none is free,
   * saying why in the build's log once; rejects with the build's interruption when `signal`
   * aborts while it waits.
   */
  async take(cloud: string, cap: number, build: BuildRef, signal: AbortSignal, say: (line: string) => void): Promise<ReleaseSlot> {
    if (signal.aborted) throw interruptionOf(signal);
    const pool = this.#pool(cloud);
    pool.cap = cap;
    if (this.#free(pool) && pool.waiting.length === 0) {
      pool.used++;
    } else {
      say(whyWaiting(cloud, pool));
      await new Promise<void>((resolve, reject) => {
        const w: Waiter = {
          id: `pod-slot-${++this.#ids}`, build, since: Date.now(),
          go: () => { signal.removeEventListener('abort', onAbort); resolve(); },
          fail: (err) => { signal.removeEventListener('abort', onAbort); reject(err); },
        };
        const onAbort = () => {
          const i = pool.waiting.indexOf(w);
          if (i >= 0) pool.waiting.splice(i, 1);
          this.#onChange();
          reject(interruptionOf(signal));
        };
        pool.waiting.push(w);
        signal.addEventListener('abort', onAbort, { once: true });
        this.#onChange();
        // A raised cap: whoever fits goes now.
        this.#pump(pool);
      });
    }
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      pool.used--;
      this.#pump(pool);
    };
  }

  /**
   * The cloud's cap changed (its settings were saved): a raised cap lets its waiters go now,
   * not only at the next take or release.
   */
  setCap(cloud: string, cap: number): void {
    const pool = this.#pools.get(cloud);
    if (!pool) return;
    pool.cap = cap;
    this.#pump(pool);
  }

  /**
   * The cloud is gone (deleted, or no longer of a kind that makes pods): its waiters leave the
   * line and their `take` rejects with `err(waiter)`; pods running on it keep their slots.
   */
  drop(cloud: string, err: (build: BuildRef) => Error): void {
    const pool = this.#pools.get(cloud);
    if (!pool || pool.waiting.length === 0) return;
    const gone = pool.waiting.splice(0);
    for (const w of gone) w.fail(err(w.build));
    this.#onChange();
  }

  /** Pods holding a slot of `cloud` now. */
  used(cloud: string): number {
    return this.#pools.get(cloud)?.used ?? 0;
  }

  /** Builds waiting for a slot, oldest first per cloud. */
  waiting(): SlotWait[] {
    const out: SlotWait[] = [];
    for (const [cloud, pool] of this.#pools) {
      for (const w of pool.waiting) out.push({ id: w.id, job: w.build.job, number: w.build.number, cloud, why: whyWaiting(cloud, pool), since: w.since });
    }
    return out;
  }

  #pool(cloud: string): Pool {
    let p = this.#pools.get(cloud);
    if (!p) {
      p = { cap: 0, used: 0, waiting: [] };
      this.#pools.set(cloud, p);
    }
    return p;
  }

  #free(pool: Pool): boolean {
    return pool.cap <= 0 || pool.used < pool.cap;
  }

  /** Gives free slots to the waiters, in order. */
  #pump(pool: Pool): void {
    let changed = false;
    while (pool.waiting.length > 0 && this.#free(pool)) {
      const w = pool.waiting.shift()!;
      pool.used++;
      changed = true;
      w.go();
    }
    if (changed) this.#onChange();
  }
}

function whyWaiting(cloud: string, pool: Pool): string {
  return `Waiting for a pod slot on cloud '${cloud}' (${pool.used}/${pool.cap} in use)`;
}
