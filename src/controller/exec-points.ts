// When a build's journal records where its durable execs' output is in the console (`execAt`
// points, resume.ts), and when the acknowledgements of that output may go to the agent (the ack
// barrier, agents/session.ts): one per build, fed by builds.ts.
//
// Why: a point per console write and exec made the journal grow with the output (a step printing
// 100,000 lines in small writes wrote thousands of lines). Points are coalesced: an exec's first
// point is written before the console write that carries its first bytes (so its `[Pipeline] sh`
// line is covered), later ones at most every `everyMs` or `everyBytes` of its output, or before
// any other journal line, whichever comes first. The barrier is not weakened: an acknowledgement
// waits for a point that covers it (`point` resolves only then), so the agent never forgets
// output a resumed build would not know how to place. Between points the console holds output
// of the exec that no point covers yet: a resumed build cuts its console back to the last
// boundary the journal accounts for (resume.ts resumeCut) and has that output sent again.
//
// How: `point(key, safe, end)` keeps the exec's latest position (bytes `safe` per stream are in
// the console below `end`), exact at any later console offset until its next output (its output
// is appended and pointed synchronously: agents/session.ts calls the barrier as it hands a chunk
// over). `beforeWrite(writeEnd)` (LogStore.setBeforeWrite) writes the due points, and while an
// exec with a journaled point is live, a `consoleMark` line at the write's end when bytes other
// than execs' output are in it (`plain`): so the cut never removes a line nothing would print
// again; the mark carries those bytes (offset and bytes: `[Pipeline]` lines, another branch's
// echo), so that a write the kill tore within them, which the cut takes back to an earlier
// boundary, loses none of them: the resumed build puts them back at the cut (resume.ts
// resumeCut). A sequence of script steps writes no mark (each step's first point covers its
// `[Pipeline] sh` line); parallel branches printing beside a running exec do. A timer writes
// points that are pending and not due by a write. A partial line the engine emits after its idle
// delay comes with a point too (engine.ts #outputBarrier), and each `beforeWrite` covers every byte
// appended so far (LogStore writes them in one writev), so a mark never lies past uncovered output. `flush` writes them all (before a journal
// entry line, whose consoleEnd is a boundary too).
import type { ConsoleTail, JournalWriter } from './resume.ts';

/** `open`: the streams whose output there ends within a line (engine.ts BuildListener.outputWritten). */
type Offsets = { stdout: number; stderr: number; open?: number };

interface Pending {
  safe: Offsets;
  end: number;
  waiters: { resolve(): void; reject(e: Error): void }[];
}

export interface ExecPointsOptions {
  journal: Pick<JournalWriter, 'execAt' | 'consoleMark'>;
  /** The journal write failed: logged; the console goes on (a restart may then bring some output twice). */
  failed(err: unknown): void;
  /** The controller stops: nothing more is recorded, waiters are refused (the agent keeps the output). */
  stopped(): boolean;
  everyMs?: number;
  everyBytes?: number;
}

/** At most this often per build (and before other journal lines), a durable exec's point is journaled. */
export const POINT_EVERY_MS = 500;
/** ... or after this much of its output: a quarter of the agent's read-ahead window, which acks move. */
export const POINT_EVERY_BYTES = 256 * 1024;
/** At most this much of a write's bytes other than execs' output is carried by one mark line (resume.ts MAX_TAIL, the same bound); more goes in more lines at the same offset. */
export const CARRIED_MAX = 1024 * 1024;

export class ExecPoints {
  readonly #o: ExecPointsOptions;
  readonly #everyMs: number;
  readonly #everyBytes: number;
  readonly #pending = new Map<string, Pending>();
  /** Live execs and the offsets last journaled for each (an empty entry: none yet). */
  readonly #live = new Map<string, Offsets | null>();
  #bytes = 0;
  #last = 0;
  #plain = false;
  /** The bytes other than execs' output appended since the last write, while an exec is live (the next mark carries them). */
  #chunks: ConsoleTail[] = [];

  #timer: NodeJS.Timeout | null = null;

  constructor(o: ExecPointsOptions) {
    this.#o = o;
    this.#everyMs = o.everyMs ?? POINT_EVERY_MS;
    this.#everyBytes = o.everyBytes ?? POINT_EVERY_BYTES;
  }

  /**
   * A script step's exec started (its journal entry): it is live from now on, so that the lines
   * printed before its first output (`[Pipeline] sh`) are covered by a mark.
   */
  started(key: string): void {
    if (!this.#live.has(key)) this.#live.set(key, null);
  }

  /** Its step's end is journaled: nothing resumes it, its pending acknowledgements may go. */
  ended(key: string): void {
    this.#live.delete(key);
    const p = this.#pending.get(key);
    this.#pending.delete(key);
    for (const w of p?.waiters ?? []) w.resolve();
  }

  /** Bytes that are not a durable exec's output were appended to the console (`bytes` at offset `at`, when known). */
  plain(bytes?: Buffer, at?: number | null): void {
    if (this.#live.size === 0) return;
    let pointed = this.#pending.size > 0;
    if (!pointed) for (const v of this.#live.values()) if (v !== null) pointed = true;
    if (!pointed) return; // no point yet, none asked for: nothing will cut the console here
    // Kept for the next write's mark (also when this write journals an exec's first point).
    if (bytes && bytes.length > 0 && typeof at === 'number') this.#chunks.push({ at, bytes }); // the log store's own buffers: no copy
    // Only a live exec with a point can have a resumed console cut (resume.ts resumeCut).
    if (!this.#plain) for (const v of this.#live.values()) if (v !== null) this.#plain = true;
  }

  /**
   * Exec `key` has `safe` bytes in the console below `end`: resolves once a point that covers
   * them is journaled (at once with `ended`: the step's end is journaled, nothing resumes it).
   */
  point(key: string, safe: Offsets, end: number, ended = false): Promise<void> {
    if (this.#o.stopped()) return Promise.reject(new Error('the controller is stopping'));
    if (ended) {
      this.ended(key);
      return Promise.resolve();
    }
    const before = this.#live.get(key);
    if (before === undefined) this.#live.set(key, null);
    let p = this.#pending.get(key);
    const was = p?.safe ?? before ?? { stdout: 0, stderr: 0 };
    this.#bytes += Math.max(0, safe.stdout - was.stdout) + Math.max(0, safe.stderr - was.stderr);
    if (!p) this.#pending.set(key, (p = { safe, end, waiters: [] }));
    p.safe = safe;
    p.end = end;
    this.#arm(); // written by the next console write when due, else by the timer
    const pp = p;
    return new Promise<void>((resolve, reject) => pp.waiters.push({ resolve, reject }));
  }

  /** LogStore.setBeforeWrite: the console is about to write its bytes up to `writeEnd`. */
  beforeWrite(writeEnd: number): void {
    if (this.#pending.size > 0) {
      const first = [...this.#pending.keys()].some((k) => this.#live.get(k) === null);
      if (first || this.#plain || this.#bytes >= this.#everyBytes || Date.now() - this.#last >= this.#everyMs) this.flush();
      else this.#arm();
    }
    // Plain bytes appended before an exec's first point (journaled just now) need the mark too.
    if (!this.#plain && this.#chunks.length > 0) for (const v of this.#live.values()) if (v !== null) this.#plain = true;
    const chunks = this.#chunks;
    this.#chunks = [];
    if (this.#plain) {
      this.#plain = false;
      if (!this.#o.stopped()) {
        try {
          // One line per CARRIED_MAX of them, all at the write's end (the same boundary): no line
          // is unbounded, and a write torn within megabytes of them loses none (resume.ts resumeCut).
          for (const group of carriedGroups(chunks.filter((c) => c.at < writeEnd))) this.#o.journal.consoleMark(writeEnd, group);
        } catch (err) {
          this.#o.failed(err);
        }
      }
    }
  }

  /** Journals every pending point now (before another journal line, or when one is due). */
  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#pending.size === 0) return;
    const stopped = this.#o.stopped();
    const all = [...this.#pending];
    this.#pending.clear();
    this.#bytes = 0;
    this.#last = Date.now();
    for (const [key, p] of all) {
      if (stopped) {
        for (const w of p.waiters) w.reject(new Error('the controller is stopping'));
        continue;
      }
      try {
        this.#o.journal.execAt(key, p.safe, p.end);
      } catch (err) {
        this.#o.failed(err); // the console goes on; a restart may then bring some of that output twice
      }
      if (this.#live.has(key)) this.#live.set(key, p.safe);
      for (const w of p.waiters) w.resolve();
    }
  }

  /** The build ended or stops: nothing is pending any more. */
  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    for (const p of this.#pending.values()) for (const w of p.waiters) w.reject(new Error('the build ended'));
    this.#pending.clear();
    this.#live.clear();
    this.#chunks = [];
  }

  #arm(): void {
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush();
    }, Math.max(1, this.#everyMs - (Date.now() - this.#last)));
    this.#timer.unref();
  }
}

/** `chunks` in groups of at most CARRIED_MAX bytes, a longer chunk split (its parts keep their offsets); one group at least. */
export function carriedGroups(chunks: readonly ConsoleTail[], max = CARRIED_MAX): ConsoleTail[][] {
  const groups: ConsoleTail[][] = [[]];
  let size = 0;
  for (const c of chunks) {
    for (let off = 0; off < c.bytes.length;) {
      if (size >= max) {
        groups.push([]);
        size = 0;
      }
      const n = Math.min(c.bytes.length - off, max - size);
      groups.at(-1)!.push(off === 0 && n === c.bytes.length ? c : { at: c.at + off, bytes: c.bytes.subarray(off, off + n) });
      size += n;
      off += n;
    }
  }
  return groups;
}
