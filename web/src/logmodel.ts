// A build's console as byte blocks fetched by range, so a log of any size is never whole in
// the browser: the viewer asks for the lines around a byte offset, and the blocks it lacks are
// fetched (64 KiB each, the newest few hundred kept). Live bytes from the SSE stream are
// appended to the same blocks. A clip (a stage's byte range) makes the lines outside it invisible:
// the view starts at its start and ends at its end.
import { fetchConsole } from './api.ts';

export const BLOCK = 64 * 1024;
const KEEP_BLOCKS = 256;
/** A line longer than this is cut for display (the raw download has it whole). */
export const MAX_LINE = 8 * 1024;
const NL = 10;

export interface Line { start: number; end: number; text: string; cut: boolean; folded?: Fold }

/** A byte range shown as one line (its first) while folded. */
export interface Fold { start: number; end: number; label: string }

export class LogModel {
  size = 0;
  complete = false;
  error: Error | null = null;
  readonly #blocks = new Map<number, Uint8Array>();
  readonly #inflight = new Map<number, Promise<void>>();
  readonly #listeners = new Set<() => void>();
  readonly #decoder = new TextDecoder('utf-8');
  readonly job: string;
  readonly number: number;
  /** Only these bytes are shown (a stage's part of the console); end Infinity: up to the live end. */
  clip: { start: number; end: number } | null = null;
  /** Where the shown log starts and ends. */
  get begin(): number { return this.clip ? Math.min(this.clip.start, this.size) : 0; }
  get end(): number { return this.clip ? Math.min(this.clip.end, this.size) : this.size; }
  /** Folded sections by their start offset. */
  readonly #folds = new Map<number, Fold>();

  constructor(job: string, number: number) {
    this.job = job;
    this.number = number;
  }

  subscribe(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => { this.#listeners.delete(fn); };
  }

  changed(): void {
    for (const l of this.#listeners) l();
  }

  #want(bi: number): number {
    return Math.max(0, Math.min(BLOCK, this.size - bi * BLOCK));
  }

  /** The block's bytes when cached in full (as far as the log goes), else null and a fetch starts. */
  block(bi: number): Uint8Array | null {
    const b = this.#blocks.get(bi);
    if (b && b.length >= this.#want(bi)) {
      // Most recently used last, so eviction drops the oldest.
      this.#blocks.delete(bi);
      this.#blocks.set(bi, b);
      return b;
    }
    void this.load(bi);
    return null;
  }

  load(bi: number, count = 1): Promise<void> {
    const running = this.#inflight.get(bi);
    if (running) return running;
    const p = (async () => {
      try {
        const { bytes, size, complete } = await fetchConsole(this.job, this.number, bi * BLOCK, (bi + count) * BLOCK);
        this.size = Math.max(this.size, size);
        if (complete) this.complete = true;
        for (let i = 0; i < count; i++) {
          const part = bytes.subarray(i * BLOCK, (i + 1) * BLOCK);
          if (part.length === 0) break;
          const cur = this.#blocks.get(bi + i);
          if (!cur || cur.length < part.length) this.#blocks.set(bi + i, part);
        }
        this.#evict();
        this.error = null;
      } catch (e) {
        this.error = e as Error;
      } finally {
        this.#inflight.delete(bi);
      }
      this.changed();
    })();
    this.#inflight.set(bi, p);
    return p;
  }

  #evict(): void {
    while (this.#blocks.size > KEEP_BLOCKS) {
      const oldest = this.#blocks.keys().next().value as number;
      this.#blocks.delete(oldest);
    }
  }

  /** Live bytes at offset `at` (from the console stream). */
  append(bytes: Uint8Array, at: number): void {
    let off = at, i = 0;
    while (i < bytes.length) {
      const bi = Math.floor(off / BLOCK), bo = off % BLOCK;
      const take = Math.min(BLOCK - bo, bytes.length - i);
      const cur = this.#blocks.get(bi);
      if (!cur && bo === 0) this.#blocks.set(bi, bytes.slice(i, i + take));
      else if (cur && cur.length === bo) {
        const n = new Uint8Array(bo + take);
        n.set(cur);
        n.set(bytes.subarray(i, i + take), bo);
        this.#blocks.set(bi, n);
      } else if (cur && cur.length >= bo + take) { /* already have it */ }
      else this.#blocks.delete(bi); // a gap: that block is fetched again when shown
      off += take;
      i += take;
    }
    this.size = Math.max(this.size, off);
    this.#evict();
  }

  /** Forgets the block holding `offset` (after a reconnect, its tail may be partial). */
  drop(offset: number): void {
    this.#blocks.delete(Math.floor(offset / BLOCK));
  }

  fold(f: Fold, on: boolean): void {
    if (on && f.end > f.start) this.#folds.set(f.start, f); else this.#folds.delete(f.start);
    this.changed();
  }

  isFolded(start: number): boolean {
    return this.#folds.has(start);
  }

  unfoldAll(): void {
    this.#folds.clear();
    this.changed();
  }

  /** The folded section holding `off`, if any (the outermost, so nested folds hide with it). */
  #foldAround(off: number): Fold | null {
    let best: Fold | null = null;
    for (const f of this.#folds.values()) if (f.start <= off && off < f.end && (!best || f.start < best.start)) best = f;
    return best;
  }

  /** The byte at `off`, undefined when not loaded (a fetch starts). */
  byte(off: number): number | undefined {
    const b = this.block(Math.floor(off / BLOCK));
    return b ? b[off % BLOCK] : undefined;
  }

  /** Start of the line holding `off`; null while bytes are missing. Stops looking after MAX_LINE. */
  lineStart(off: number): number | null {
    let p = Math.min(off, this.end);
    const limit = Math.max(this.begin, p - MAX_LINE);
    while (p > limit) {
      const b = this.byte(p - 1);
      if (b === undefined) return null;
      if (b === NL) return p;
      p--;
    }
    return p;
  }

  /** Start of the line after the one starting at `off` (= size when it is the last); a folded section counts as one line. */
  nextLine(off: number): number | null {
    const f = this.#folds.get(off);
    if (f) return Math.min(f.end, this.end);
    return this.#rawNextLine(off);
  }

  #rawNextLine(off: number): number | null {
    let p = off;
    const limit = Math.min(this.end, off + MAX_LINE);
    while (p < limit) {
      const b = this.byte(p);
      if (b === undefined) return null;
      p++;
      if (b === NL) return p;
    }
    return p;
  }

  /** Start of the line before the one starting at `off` (a folded section's start when it ends there). */
  prevLine(off: number): number | null {
    if (off <= this.begin) return this.begin;
    const p = this.lineStart(off - 1);
    if (p === null) return null;
    return this.#foldAround(p)?.start ?? p;
  }

  /** Start of the visible line holding `off`: its line's start, or the folded section around it. */
  visibleLineStart(off: number): number | null {
    const p = this.lineStart(off);
    if (p === null) return null;
    return this.#foldAround(p)?.start ?? p;
  }

  /** Where the last visible line starts (the log's trailing newline ends, not starts, a line). */
  lastLineStart(): number | null {
    const last = this.end;
    if (last <= this.begin) return this.begin;
    const end = this.byte(last - 1) === NL ? last - 1 : last;
    if (this.byte(last - 1) === undefined) return null;
    return this.visibleLineStart(end);
  }

  /** Up to `count` lines from `off`; null while bytes are missing. */
  lines(off: number, count: number): Line[] | null {
    const out: Line[] = [];
    let p = off;
    while (out.length < count && p < this.end) {
      const fold = this.#folds.get(p);
      if (fold) {
        const head = this.#rawNextLine(p);
        if (head === null) return null;
        const headEnd = head > p && this.byte(head - 1) === NL ? head - 1 : head;
        out.push({ start: p, end: fold.end, text: this.text(p, Math.min(headEnd, p + MAX_LINE)), cut: false, folded: fold });
        const next = this.nextLine(p);
        if (next === null) return null;
        if (next <= p) break;
        p = next;
        continue;
      }
      const next = this.#rawNextLine(p);
      if (next === null) return null;
      const endNoNl = next > p && this.byte(next - 1) === NL ? next - 1 : next;
      const cut = endNoNl - p > MAX_LINE;
      const textEnd = cut ? p + MAX_LINE : endNoNl;
      out.push({ start: p, end: next, text: this.text(p, textEnd), cut });
      if (next === p) break;
      p = next;
    }
    return out;
  }

  /** Decodes cached bytes [a, b) (callers checked they are loaded). */
  text(a: number, b: number): string {
    if (b <= a) return '';
    const ba = Math.floor(a / BLOCK), bb = Math.floor((b - 1) / BLOCK);
    if (ba === bb) {
      const blk = this.#blocks.get(ba)!;
      return this.#decoder.decode(blk.subarray(a % BLOCK, a % BLOCK + (b - a)));
    }
    const buf = new Uint8Array(b - a);
    let o = 0;
    for (let bi = ba; bi <= bb; bi++) {
      const blk = this.#blocks.get(bi)!;
      const s = bi === ba ? a % BLOCK : 0;
      const e = bi === bb ? ((b - 1) % BLOCK) + 1 : BLOCK;
      buf.set(blk.subarray(s, e), o);
      o += e - s;
    }
    return this.#decoder.decode(buf);
  }

  /**
   * Finds `query` (case-insensitive) at or after byte `from`, reading 4 MiB ranges with the next
   * one already on its way while this one is searched; -1 when absent.
   */
  async find(query: string, from: number, signal: AbortSignal): Promise<number> {
    const re = new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
    const overlap = new TextEncoder().encode(query).length * 2;
    const CHUNK = 64 * BLOCK;
    const dec = new TextDecoder('utf-8');
    const enc = new TextEncoder();
    const get = (at: number) => fetchConsole(this.job, this.number, at, at + CHUNK + overlap, signal);
    let start = Math.max(0, from);
    let aligned = Math.floor(start / BLOCK) * BLOCK;
    let next = get(aligned);
    while (aligned < this.size) {
      const { bytes } = await next;
      if (signal.aborted || bytes.length === 0) return -1;
      const more = bytes.length > CHUNK;
      if (more) next = get(aligned + CHUNK);
      let skip = start - aligned;
      // Start on a character boundary, so that byte offsets computed from the text are exact.
      while (skip < bytes.length && (bytes[skip]! & 0xc0) === 0x80) skip++;
      const text = dec.decode(bytes.subarray(skip));
      const m = re.exec(text);
      if (m) {
        if (more) next.catch(() => {});
        return aligned + skip + enc.encode(text.slice(0, m.index)).length;
      }
      if (!more) break;
      aligned += CHUNK;
      start = aligned;
    }
    return -1;
  }
}
