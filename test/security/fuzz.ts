// Shared pieces of the fuzz tests: a small seeded PRNG (no dependency) so every run sends the
// same inputs, and a way to print an input that failed so it can be replayed.

/** mulberry32: a tiny, fast, seeded 32-bit PRNG. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#s = (this.#s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

/** An input cut for a failure message: its length and both ends, JSON-escaped. */
export function show(s: string, n = 300): string {
  return s.length <= n ? JSON.stringify(s) : `${JSON.stringify(s.slice(0, n / 2))} … ${JSON.stringify(s.slice(-n / 2))} (${s.length} chars)`;
}
