// What a build keeps on disk so that the next controller process can resume it (durable builds,
// docs/architecture.md "Durable builds"; the engine's side is pipeline/engine/replay.ts).
//
//   <home>/builds/<job id>/<n>/run.json       the Jenkinsfile text the build runs, its name, the
//                                             files read beside it and who chose a replayed script:
//                                             a resumed build replays the same script, whatever the
//                                             job's definition says now
//   <home>/builds/<job id>/<n>/journal.jsonl  one JSON line per step start, deadline and end
//                                             (replay.ts JournalEntry; later lines of an id win),
//                                             `execAt` lines (below), and a last line when the
//                                             build ended (its result)
//
// The console is written asynchronously (logstore.ts batches its writes), the journal
// synchronously: a line could say a step ended while the step's output was still in memory. So
// each journal line also carries the console bytes not on disk yet (`consoleTail`: offset and
// bytes, usually a line or two; none when everything is written), and a resumed build first puts
// back what its console lost (`restoreConsole`). The build's end is journaled the same way, before
// its result reaches the store: a build killed between the two is not replayed (its end would be
// printed twice), its result is recorded.
//
// Why files and not the store: a line is one write(2) of a few hundred bytes on a descriptor kept
// open (appendSync), in order with the console, with no round trip to a database; the store
// keeps the last 1000 steps of the state only. A `kill -9` loses nothing written, since the bytes
// are in the kernel; a torn last line (the process died within the write) is ignored when read.
// Any other unreadable line makes the journal unreadable, and the build ends saying so.
//
// Durable execs' output (agent/durable.ts): the agent forgets output only once the console has it
// on disk (the ack barrier), but a controller killed after the write and before the agent heard
// of it would get it again. So before the console's writes of a durable exec's output, a line
// `{"execAt":key,"o":stdout,"e":stderr,"c":end}` says: that exec's bytes up to these offsets are in
// the console below `end` (builds.ts writes it just before the log store's next write, once per
// write and exec), and `"l":1|2|3` that its stdout / stderr there ends within a line (a prompt the
// engine flushed; a resumed exec goes on in that line without a second `[branch] ` prefix). A resumed build takes
// its step over from the last such point the console on disk covers (`execResumePoints`), so its
// output comes neither twice nor not at all; `{"consoleAt":size}` (written as a build resumes)
// voids the points beyond what that restart found on disk, whose offsets the console reuses.
// Points are coalesced (exec-points.ts: at most one per 500 ms or 256 KiB of an exec's output,
// and before other journal lines), so the console may hold an exec's output past its last point,
// or a torn write's part of a chunk: a resumed build cuts its console back to the last boundary
// the journal accounts for (`resumeCut`: a point, a `{"consoleMark":c}` written before a console
// write that carries other bytes while an exec is live, a line's consoleEnd) and has the output
// past it sent again, so nothing appears twice. The other bytes past the cut (`[Pipeline]` lines,
// another branch's echo in a write the kill tore) come from the marks, which carry them
// (`"plain":[[offset,base64],...]`, exec-points.ts): put back at the cut, so nothing is lost
// either; the resume's `{"consoleAt":cut,"plain":[...]}` carries them in turn, so that a restart
// during the resume puts them back too.
//
// A branch's closing lines (`[Pipeline] }`, `[Pipeline] // stage`: what it prints after its last
// step ended, engine.ts trails) follow no journal line of theirs. So `"trail":{branch:bytes}` says
// how many of them the console has below `c`: on its own line before the console write that
// carries them (`{"trail":{...},"at":writeEnd,"from":writeStart}`: not a boundary, its bytes may be cut; a write torn within them is cut back to `from`: tornCut), and on any entry line written meanwhile (whose
// consoleTail carries them; its consoleEnd is its `c`), each time they changed; the last one the
// console on disk covers (`trailsAt`) tells the resumed engine how much of them not to print
// again (replay.ts unprinted), so they come once whether the kill fell before or after they were
// written. The resume's consoleAt line carries the counts it used (a restart during it).
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { JournalEntry } from '../pipeline/engine/replay.ts';
import type { BuildResult } from '../core/build.ts';
import type { Build, Store } from '../store/types.ts';
import type { LogLine } from '../util/log.ts';
import type { ScriptChooser } from './auth/folders.ts';

export interface RunInfo {
  script: string;
  scriptName: string;
  scmFiles: Record<string, string>;
  /** Who chose the script when not the job's own (its folder rights bind credentials too). */
  replayedBy?: ScriptChooser | null;
}

const RUN = 'run.json';
const JOURNAL = 'journal.jsonl';

/**
 * Written once as the build starts, synchronously: a small file, and two syscalls on the event
 * loop cost less than the thread pool's round trips of fs/promises (on the loaded test machine
 * 1-2 ms against ~4 ms awaited; see docs "Durable builds").
 */
export function saveRunInfo(dir: string, info: RunInfo): void {
  const tmp = path.join(dir, `.${RUN}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(info), { mode: 0o600 });
  fs.renameSync(tmp, path.join(dir, RUN));
}

export async function readRunInfo(dir: string): Promise<RunInfo> {
  const text = await fsp.readFile(path.join(dir, RUN), 'utf8');
  const j = JSON.parse(text) as Partial<RunInfo>;
  if (typeof j.script !== 'string' || typeof j.scriptName !== 'string') throw new Error(`${RUN} does not name the build's script`);
  return { script: j.script, scriptName: j.scriptName, scmFiles: j.scmFiles ?? {}, replayedBy: j.replayedBy ?? null };
}

/** Console bytes a journal line carries: those not on disk when it was written (at most MAX_TAIL a line). */
export interface ConsoleTail {
  at: number;
  bytes: Buffer;
}

/** How the build ended, as its last journal line says. */
export interface JournalEnd {
  result: BuildResult;
  message: string | null;
}

/**
 * A line carries at most this much of the console's unwritten bytes; more (a step that printed
 * megabytes in the last milliseconds) go first in lines of their own, `{"consoleTail":{at,b64}}`,
 * MAX_TAIL each (JournalWriter #carry): no line is unbounded, and a crash loses none of them.
 */
export const MAX_TAIL = 1024 * 1024;

/** A line's console fields: where the console ended then, and the bytes not on disk yet (if any; at most MAX_TAIL: #carry). */
const tailOf = (t: ConsoleTail | null | undefined) => (!t ? {} : {
  consoleEnd: t.at + t.bytes.length,
  ...(t.bytes.length > 0 ? { consoleTail: { at: t.at, b64: t.bytes.toString('base64') } } : {}),
});

/** A mark's bytes as `plain: [[offset, base64], ...]`, adjacent ones joined. */
function plainOf(chunks: readonly ConsoleTail[]): { plain?: [number, string][] } {
  if (chunks.length === 0) return {};
  const joined: { at: number; parts: Buffer[]; end: number }[] = [];
  for (const c of chunks) {
    const last = joined.at(-1);
    if (last && last.end === c.at) {
      last.parts.push(c.bytes);
      last.end += c.bytes.length;
    } else joined.push({ at: c.at, parts: [c.bytes], end: c.at + c.bytes.length });
  }
  return { plain: joined.map((j) => [j.at, Buffer.concat(j.parts).toString('base64')]) };
}

/** The journal being written by this process: one line per call, synchronously, on an open descriptor. */
export class JournalWriter {
  readonly #file: string;
  #fd: number | null = null;
  #closed = false;
  /** The console bytes below this offset were carried by a line written (#carry). */
  #carriedTo = 0;

  constructor(dir: string) {
    this.#file = path.join(dir, JOURNAL);
  }

  /** Appends the entry's current form, with the console bytes not on disk yet (and the branches' closing lines, when they changed); throws when the disk refuses (the caller fails the build). */
  append(e: JournalEntry, tail?: ConsoleTail | null, trail?: Record<string, number> | null): void {
    const t = this.#carry(tail);
    this.#write(t || trail ? { ...e, ...tailOf(t), ...(trail ? { trail } : {}) } : e);
    this.#carried(t);
  }

  /**
   * Of unwritten console bytes past MAX_TAIL, all but the last MAX_TAIL go in lines of their own
   * first (in order: restoreConsole puts each back at its offset); returns what the line itself
   * carries (its consoleEnd stays the same). A kill between those lines and the line restores
   * bytes the console was given anyway (an in-flight `echo` then counts as done: inFlightPrinters).
   */
  #carry(t: ConsoleTail | null | undefined): ConsoleTail | null | undefined {
    if (!t) return t;
    const end = t.at + t.bytes.length;
    // What an earlier line carried is not carried again (a big write still in flight under the
    // next steps' lines): each byte once; the earlier line is whole whenever a later one is there.
    if (t.at < this.#carriedTo) {
      const from = Math.min(this.#carriedTo, end);
      t = { at: from, bytes: t.bytes.subarray(from - t.at) };
    }
    let off = 0;
    for (; t.bytes.length - off > MAX_TAIL; off += MAX_TAIL) this.#write({ consoleTail: { at: t.at + off, b64: t.bytes.subarray(off, off + MAX_TAIL).toString('base64') } });
    this.#carriedTo = Math.max(this.#carriedTo, t.at + off);
    return off === 0 ? t : { at: t.at + off, bytes: t.bytes.subarray(off) };
  }

  /** Called once the line that carries the tail `#carry` returned is written. */
  #carried(t: ConsoleTail | null | undefined): void {
    if (t) this.#carriedTo = Math.max(this.#carriedTo, t.at + t.bytes.length);
  }

  /** The branches' closing lines the console has below `c` (the write ending there, see the header). */
  trail(trail: Record<string, number>, c: number, from?: number): void {
    this.#write({ trail, at: c, ...(from !== undefined ? { from } : {}) });
  }

  /** Durable exec `key`'s output up to these offsets is in the console below `consoleEnd` (see the header). */
  execAt(key: string, safe: { stdout: number; stderr: number; open?: number }, consoleEnd: number): void {
    this.#write({ execAt: key, o: safe.stdout, e: safe.stderr, c: consoleEnd, ...(safe.open ? { l: safe.open } : {}) });
  }

  /**
   * The console up to `c` holds nothing but what the journal accounts for (exec-points.ts;
   * resumeCut), `plain` being the bytes in the write ending there that are not execs' output.
   */
  consoleMark(c: number, plain: readonly ConsoleTail[] = []): void {
    this.#write({ consoleMark: c, ...plainOf(plain) });
  }

  /**
   * A resumed build cut its console at `size`: points and marks beyond it are void (see the
   * header); `plain`, the bytes it puts back there (resumeCut's `resend`), so that a restart
   * during this one does too.
   */
  consoleAt(size: number, plain: readonly ConsoleTail[] = [], trail?: Record<string, number>): void {
    this.#write({ consoleAt: size, ...plainOf(plain), ...(trail && Object.keys(trail).length > 0 ? { trail } : {}) });
  }

  /** The build ended: its result, with the console bytes not on disk yet (its last lines). */
  end(end: JournalEnd, tail?: ConsoleTail | null): void {
    const t = this.#carry(tail);
    this.#write({ buildEnd: end, ...tailOf(t) });
    this.#carried(t);
  }

  #write(line: object): void {
    // Closed (the build ended, or a resume wrote its cut): a console write after it (its last
    // lines) has nothing more to record, and must not open the file again (a descriptor per build, never closed).
    if (this.#closed) return;
    this.#fd ??= fs.openSync(this.#file, 'a', 0o600);
    fs.writeSync(this.#fd, `${JSON.stringify(line)}\n`);
  }

  close(): void {
    this.#closed = true;
    if (this.#fd !== null) fs.closeSync(this.#fd);
    this.#fd = null;
  }
}

export interface ReadJournal {
  entries: JournalEntry[];
  lastWrite: number | null;
  /** Console bytes the lines carried, in line order (restoreConsole). */
  tails: ConsoleTail[];
  /** The build had ended (its end was journaled, its result may not have reached the store). */
  ended: JournalEnd | null;
  /** Where the console ended when each step's last line was written, by step id. */
  consoleEnds: Map<string, number>;
  /** The `execAt` and `consoleAt` lines, in order (execResumePoints). */
  execMarks: ExecMark[];
  /** The `trail` counts and the `consoleAt` lines, in order (trailsAt). */
  trailMarks: TrailMark[];
}

/**
 * How much of each branch's closing lines the console has below `c`, or a resume's cut (which
 * voids those past it). `from`: where the console write ending at `c` that carries them starts
 * (a write the kill tore there is cut back to it: tornCut).
 */
export type TrailMark = { trail: Record<string, number>; c: number; from?: number } | { consoleAt: number };

/**
 * How many bytes of each branch's closing lines the console of `consoleSize` bytes has (see the
 * header): the last count it covers, those past a later resume's cut void. `carried`: ends of
 * writes past it whose marks' bytes the resume puts back (resumeCut's `resend`), covered too.
 */
export function trailsAt(marks: readonly TrailMark[], consoleSize: number, carried: ReadonlySet<number> = new Set()): Record<string, number> {
  let valid: { trail: Record<string, number>; c: number }[] = [];
  for (const m of marks) {
    if ('consoleAt' in m) valid = valid.filter((v) => v.c <= m.consoleAt);
    else if (m.c <= consoleSize || carried.has(m.c)) valid.push(m);
  }
  return { ...(valid.at(-1)?.trail ?? {}) };
}

/** A line's `trail` field, checked; throws when malformed. */
function trailOf(v: unknown): Record<string, number> | null {
  if (v === undefined) return null;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('its trail is malformed');
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v as Record<string, unknown>)) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new Error('its trail is malformed');
    out[k] = n;
  }
  return out;
}

/** Where an exec's output is resent from: offsets per stream, and the streams that end within a line there (`open`: 1 stdout, 2 stderr). */
export type ExecFrom = { stdout: number; stderr: number; open?: number };

export type ExecMark = { key: string; stdout: number; stderr: number; c: number; open?: number } | { consoleAt: number; plain?: ConsoleTail[] } | { mark: number; plain?: ConsoleTail[] };

/**
 * Where each durable exec's output is to be resent from, given the console's size on disk (after
 * restoreConsole): its last point that size covers (see the header).
 */
export function execResumePoints(marks: readonly ExecMark[], consoleSize: number): Map<string, ExecFrom> {
  const points = new Map<string, { stdout: number; stderr: number; c: number; open?: number }[]>();
  for (const m of marks) {
    if ('mark' in m) continue;
    if ('consoleAt' in m) {
      for (const [k, list] of points) points.set(k, list.filter((p) => p.c <= m.consoleAt));
      continue;
    }
    let list = points.get(m.key);
    if (!list) points.set(m.key, (list = []));
    list.push(m);
  }
  const out = new Map<string, ExecFrom>();
  for (const [k, list] of points) {
    for (let i = list.length - 1; i >= 0; i--) {
      const p = list[i]!;
      if (p.c <= consoleSize) {
        out.set(k, { stdout: p.stdout, stderr: p.stderr, ...(p.open ? { open: p.open } : {}) });
        break;
      }
    }
  }
  return out;
}

/**
 * Where a resumed build's console is cut back to before its execs in flight are taken over, and
 * where each one's output is resent from (see the header): the last boundary the journal accounts
 * for (an exec's point, a `consoleMark`, a line's consoleEnd, an earlier resume's `consoleAt`)
 * within the `consoleSize` bytes on disk. Past it are only a torn write's bytes and execs'
 * output that no point covers yet (points are coalesced: exec-points.ts), which come again. With
 * no exec in flight (`live`) that has a point, nothing is cut. Each exec resends from its last point at or
 * below the cut (exact there: its later output is past the cut).
 */
export function resumeCut(marks: readonly ExecMark[], consoleSize: number, live: ReadonlySet<string>): { cut: number; from: Map<string, ExecFrom>; resend: ConsoleTail[] } {
  // Only execs with a point: one without has none of its output on disk (its first point goes
  // before the write of its first bytes), or runs where nothing resends it (no barrier, no point).
  if (!livePointed(marks, live)) return { cut: consoleSize, from: execResumePoints(marks, consoleSize), resend: [] };
  // The boundaries and the marks' bytes, each voided (with the points) by a later resume that cut less.
  let bounds: number[] = [];
  let plain: ConsoleTail[] = [];
  for (const m of marks) {
    if ('consoleAt' in m) {
      bounds = bounds.filter((b) => b <= m.consoleAt);
      bounds.push(m.consoleAt);
      plain = plain.filter((p) => p.at < m.consoleAt);
    } else bounds.push('mark' in m ? m.mark : m.c);
    if ('plain' in m && m.plain) plain.push(...m.plain);
  }
  let cut = 0;
  for (const b of bounds) if (b <= consoleSize && b > cut) cut = b;
  // What the cut takes that is not execs' output (a torn write's `[Pipeline]` lines, another
  // branch's echo): put back at the cut, in order; the execs' output comes again from the agent.
  const resend: ConsoleTail[] = [];
  for (const p of plain.sort((a, b) => a.at - b.at)) {
    if (p.at + p.bytes.length <= cut) continue;
    resend.push(p.at >= cut ? p : { at: cut, bytes: p.bytes.subarray(cut - p.at) });
  }
  return { cut, from: execResumePoints(marks, cut), resend };
}

/** Some exec in flight (`live`) has a point: resumeCut cuts to the journal's boundaries, else tornCut decides. */
export function livePointed(marks: readonly ExecMark[], live: ReadonlySet<string>): boolean {
  return marks.some((m) => 'key' in m && live.has(m.key));
}

/**
 * With no exec in flight that has a point (resumeCut cuts nothing then): where the console is cut
 * back to so that a write the kill tore leaves neither a partial line nor a line twice. Below the
 * journal's last boundary within `consoleSize` (a line's consoleEnd, a point, a mark, an earlier
 * resume's cut; restoreConsole put back what the lines carried) nothing is cut. Past it:
 * - a write that carried branches' closing lines and that the kill tore (its `trail` line says
 *   where it started and ended, and the console ends between): cut back to its start, so its
 *   closing lines, which trailsAt no longer counts, are printed once, whole, by the resumed build;
 * - otherwise, back to the end of the last whole line (`lastNewline(floor, size)`: the offset past
 *   the last "\n" in [floor, size), or null): a torn write's partial line goes (its bytes were in
 *   memory, as lost as an unwritten write's), whole lines before it stay.
 * Bytes the resumed build prints go on from there, never after a torn fragment.
 */
export async function tornCut(marks: readonly ExecMark[], trailMarks: readonly TrailMark[], consoleSize: number, lastNewline: (floor: number, size: number) => Promise<number | null>): Promise<number> {
  let bounds: number[] = [];
  for (const m of marks) {
    if ('consoleAt' in m) {
      bounds = bounds.filter((b) => b <= m.consoleAt);
      bounds.push(m.consoleAt);
    } else bounds.push('mark' in m ? m.mark : m.c);
  }
  let floor = 0;
  for (const b of bounds) if (b <= consoleSize && b > floor) floor = b;
  let writes: { c: number; from?: number }[] = [];
  for (const t of trailMarks) {
    if ('consoleAt' in t) writes = writes.filter((w) => w.c <= t.consoleAt);
    else writes.push(t);
  }
  for (const w of writes) {
    // A whole write that carried closing lines ends at a boundary too (its count is taken: trailsAt).
    if (w.c <= consoleSize && w.c > floor) floor = w.c;
  }
  if (floor >= consoleSize) return consoleSize;
  for (const w of writes) if (w.from !== undefined && w.from < consoleSize && w.c > consoleSize) return Math.max(floor, w.from);
  return (await lastNewline(floor, consoleSize)) ?? floor;
}

/** The offset just past the last "\n" of `file` in [floor, size), or null (read backwards, 64 KiB at a time). */
export async function lastNewlineIn(file: string, floor: number, size: number): Promise<number | null> {
  const fh = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    for (let end = size; end > floor;) {
      const start = Math.max(floor, end - buf.length);
      const { bytesRead } = await fh.read(buf, 0, end - start, start);
      const i = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (i >= 0) return start + i + 1;
      end = start;
    }
    return null;
  } finally {
    await fh.close();
  }
}

/** The journal a previous process wrote, folded by step id in start order; [] when there is none. */
export async function readJournal(dir: string): Promise<ReadJournal> {
  const file = path.join(dir, JOURNAL);
  let text: string;
  let lastWrite: number | null = null;
  try {
    text = await fsp.readFile(file, 'utf8');
    lastWrite = (await fsp.stat(file)).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], lastWrite: null, tails: [], ended: null, consoleEnds: new Map(), execMarks: [], trailMarks: [] };
    throw err;
  }
  const lines = text.split('\n');
  const byId = new Map<string, JournalEntry>();
  const tails: ConsoleTail[] = [];
  const consoleEnds = new Map<string, number>();
  let ended: JournalEnd | null = null;
  const execMarks: ExecMark[] = [];
  const trailMarks: TrailMark[] = [];
  const offset = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    let e: JournalEntry;
    try {
      const j = JSON.parse(line) as JournalEntry & { consoleTail?: { at?: unknown; b64?: unknown }; consoleEnd?: unknown; buildEnd?: { result?: unknown; message?: unknown } };
      const x = j as unknown as { execAt?: unknown; o?: unknown; e?: unknown; c?: unknown; l?: unknown; consoleAt?: unknown };
      if (x.execAt !== undefined) {
        if (typeof x.execAt !== 'string' || !offset(x.o) || !offset(x.e) || !offset(x.c) || (x.l !== undefined && x.l !== 1 && x.l !== 2 && x.l !== 3)) throw new Error('its execAt is malformed');
        execMarks.push({ key: x.execAt, stdout: x.o as number, stderr: x.e as number, c: x.c as number, ...(x.l ? { open: x.l as number } : {}) });
        continue;
      }
      const trail = trailOf((j as unknown as { trail?: unknown }).trail);
      if (x.consoleAt !== undefined) {
        if (!offset(x.consoleAt)) throw new Error('its consoleAt is malformed');
        const plain = plainChunks((j as unknown as { plain?: unknown }).plain);
        execMarks.push(plain ? { consoleAt: x.consoleAt as number, plain } : { consoleAt: x.consoleAt as number });
        trailMarks.push({ consoleAt: x.consoleAt as number });
        if (trail) trailMarks.push({ trail, c: x.consoleAt as number });
        continue;
      }
      if (trail && (j as unknown as { id?: unknown }).id === undefined) {
        const at = (j as unknown as { at?: unknown }).at;
        const from = (j as unknown as { from?: unknown }).from;
        if (!offset(at) || (from !== undefined && (!offset(from) || (from as number) > (at as number)))) throw new Error('its trail is malformed');
        trailMarks.push(from !== undefined ? { trail, c: at as number, from: from as number } : { trail, c: at as number });
        continue;
      }
      const cm = (j as unknown as { consoleMark?: unknown }).consoleMark;
      if (cm !== undefined) {
        if (!offset(cm)) throw new Error('its consoleMark is malformed');
        const plain = plainChunks((j as unknown as { plain?: unknown }).plain);
        execMarks.push(plain ? { mark: cm as number, plain } : { mark: cm as number });
        continue;
      }
      // Unwritten console bytes past what one line carries (JournalWriter #carry).
      if ((j as { id?: unknown }).id === undefined && j.buildEnd === undefined && j.consoleTail !== undefined) {
        const ct = j.consoleTail;
        if (typeof ct !== 'object' || ct === null || !offset(ct.at) || typeof ct.b64 !== 'string') throw new Error('its consoleTail is malformed');
        tails.push({ at: ct.at as number, bytes: Buffer.from(ct.b64, 'base64') });
        continue;
      }
      const end = j.consoleEnd;
      if (end !== undefined && (typeof end !== 'number' || !Number.isSafeInteger(end) || end < 0)) throw new Error('its consoleEnd is malformed');
      delete j.consoleEnd;
      const t = j.consoleTail;
      if (t !== undefined && (typeof t.at !== 'number' || !Number.isSafeInteger(t.at) || t.at < 0 || typeof t.b64 !== 'string')) throw new Error('its consoleTail is malformed');
      if (j.buildEnd !== undefined) {
        const r = j.buildEnd.result;
        if (typeof r !== 'string' || !RESULTS.has(r) || (j.buildEnd.message !== null && typeof j.buildEnd.message !== 'string')) throw new Error('its buildEnd is malformed');
        if (t) tails.push({ at: t.at as number, bytes: Buffer.from(t.b64 as string, 'base64') });
        ended = { result: r as BuildResult, message: j.buildEnd.message as string | null };
        continue;
      }
      e = j;
      if (typeof e.id !== 'string' || typeof e.call !== 'string' || typeof e.branch !== 'string') throw new Error('not a journal entry');
      delete (j as { trail?: unknown }).trail;
      if (trail && typeof end === 'number') trailMarks.push({ trail, c: end });
      if (t) {
        tails.push({ at: t.at as number, bytes: Buffer.from(t.b64 as string, 'base64') });
        delete (j as { consoleTail?: unknown }).consoleTail;
      }
      // Where the console ended then is a boundary the journal accounts for (resumeCut).
      if (typeof end === 'number') execMarks.push({ mark: end });
      if (typeof end === 'number') consoleEnds.set(j.id, end);
      else consoleEnds.delete(j.id);
    } catch (err) {
      // The last line torn by a crash within its write: the step is taken as not started.
      if (i === lines.length - 1) break;
      throw new Error(`line ${i + 1} of ${JOURNAL} is not a journal entry (${(err as Error).message})`);
    }
    byId.set(e.id, e); // each line is the whole entry as it was then: the last one of an id wins
  }
  // In start order: the engine hands ids out in the order calls start.
  return { entries: [...byId.values()].sort((a, b) => Number(a.id) - Number(b.id)), lastWrite, tails, ended, consoleEnds, execMarks, trailMarks };
}

/** Leaf steps that only print: one in flight at a crash is not a failure (see inFlightPrinters). */
const PRINTERS = new Set(['echo']);

/**
 * The journal's entries with each printing step that was in flight at the crash settled by what
 * the console holds (`consoleSize`, once restored): when nothing reached it after the step's
 * journal line, the step had printed nothing that survived and runs again, as the step in flight
 * (`rerun`: its `[Pipeline] echo` line, before its journal line and carried by it, is not printed
 * again; before, the entry was dropped and the call ran as a new one, printing that line twice:
 * the soak on agents found it); otherwise it had printed and is answered as done. So an `echo`
 * caught mid-way neither fails the build as non-resumable nor prints a line twice.
 */
export function inFlightPrinters(entries: JournalEntry[], consoleEnds: ReadonlyMap<string, number>, consoleSize: number): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const e of entries) {
    if (e.status !== 'running' || !PRINTERS.has(e.name)) out.push(e);
    else {
      const end = consoleEnds.get(e.id);
      if (end !== undefined && consoleSize > end) out.push({ ...e, status: 'success', endedAt: e.startedAt, value: null });
      else out.push({ ...e, rerun: true });
    }
  }
  return out;
}

/** A mark's `plain` field (plainOf), checked; throws when malformed. */
function plainChunks(v: unknown): ConsoleTail[] | null {
  if (v === undefined) return null;
  if (!Array.isArray(v)) throw new Error('its plain is malformed');
  return v.map((c: unknown) => {
    if (!Array.isArray(c) || c.length !== 2 || typeof c[0] !== 'number' || !Number.isSafeInteger(c[0]) || c[0] < 0 || typeof c[1] !== 'string') throw new Error('its plain is malformed');
    return { at: c[0], bytes: Buffer.from(c[1], 'base64') };
  });
}

const RESULTS = new Set<string>(['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']);

/**
 * Puts back the console bytes a crash lost: each tail at its offset, past what the console holds
 * (`append` with `at` skips the bytes already there). A tail that would leave a gap is skipped.
 */
export async function restoreConsole(tails: readonly ConsoleTail[], append: (bytes: Buffer, at: number) => Promise<unknown>): Promise<void> {
  for (const t of [...tails].sort((a, b) => a.at - b.at)) {
    await append(t.bytes, t.at).catch((err: unknown) => {
      if ((err as { kilnCode?: unknown }).kilnCode !== 'console.gap') throw err;
    });
  }
}

/** When the previous process was last heard of for this build: its journal or console's last write. */
export async function lastSign(dir: string, logFile: string | null, journalWrite: number | null): Promise<number> {
  let t = journalWrite ?? 0;
  if (logFile) t = Math.max(t, (await fsp.stat(logFile).catch(() => null))?.mtimeMs ?? 0);
  return t || Date.now();
}

/** What resumeBuilds needs of the build manager (builds.ts). */
export interface Resumer {
  requeue(build: Build, quietUntil: number | null | undefined): Promise<void>;
  resume(build: Build): Promise<void>;
}

/**
 * At the controller's start: every build the last process left unfinished goes on, in the order
 * its waits had in the queue (their rows), then by when it was queued. One that had not started
 * waits again with the same number (a quiet period keeps its end); one that had started
 * resumes (builds.ts resume). The old rows go at the end: the wait list writes the new waits' own.
 */
export async function resumeBuilds(store: Store, builds: Resumer, log: LogLine): Promise<void> {
  const rows = await store.queue.entries();
  const first = new Map<string, number>();
  const quietEnd = new Map<string, number | null>();
  rows.forEach((r, i) => {
    if (!first.has(r.buildId)) first.set(r.buildId, i);
    if (r.kind === 'quiet') quietEnd.set(r.buildId, r.notBefore);
    else if (!quietEnd.has(r.buildId)) quietEnd.set(r.buildId, null);
  });
  const unfinished = await store.builds.listUnfinished();
  // Builds that held what they ran on (no wait) first, then the waits in their queue order.
  const rank = (b: Build) => first.get(b.id) ?? (b.startedAt !== null ? -1 : Number.MAX_SAFE_INTEGER);
  unfinished.sort((a, b) => rank(a) - rank(b) || a.queuedAt - b.queuedAt);
  for (const b of unfinished) {
    try {
      if (b.status === 'queued' && b.startedAt === null) {
        // No row: it had just been triggered; its quiet period (if any) starts again.
        await builds.requeue(b, quietEnd.has(b.id) ? quietEnd.get(b.id)! : undefined);
      } else {
        await builds.resume(b);
      }
    } catch (err) {
      const message = `the controller restarted and this build could not go on: ${(err as Error).message}`;
      log(`${b.job} #${b.number}: ${message}`, { level: 'error', job: b.job, build: b.number });
      await store.builds.update(b.id, { status: 'finished', result: 'FAILURE', message, endedAt: Date.now() }).catch(() => {});
    }
  }
  // The old rows go once every build waits again (with rows of its own): a process killed while it
  // resumes leaves them for the next, with the order and quiet-period ends they say.
  for (const r of rows) await store.queue.drop(r.id).catch(() => false);
}
