// Build logs on disk: append-only bytes per build, a sidecar index of sections, live followers.
//
// What: each build's console is `<home>/builds/<job>/<number>/log` (raw bytes, never decoded)
// and `log-index` beside it (JSON lines: `{ offset, kind, id, name }` for stage/step starts and
// ends, `error` where an ERROR line of the engine's starts, `time` entries saying when bytes
// arrived (at most one a second), and `output` entries saying which step wrote the bytes from that offset on, like
// Jenkins' workflow `log-index`). Writers `append`, `mark` and `finish`; readers `read` a byte
// range, ask the `size`, the `sections`, the byte `ranges` a step wrote, or `follow` the log
// live; `remove` deletes it (buildDiscarder).
//
// Why: a console must stay fast on a million-line log and never lose a line. So nothing ever
// holds a whole log in memory: reads go to disk in 64 KiB chunks from the requested offset;
// writes are batched (every append made while a write is in flight goes out in the next
// single writev) and ordered; followers share the not-yet-written chunks rather than each
// getting a copy; the index is tiny and append-only, and a torn last line (a crash mid-write)
// is ignored and trimmed.
//
// How: one Writer per open log holds `written` (bytes on disk) and `mem`, the appended chunks
// not yet on disk, covering [written, size). A reader (a Cursor) pulls: while its position is
// below `written` it reads its own chunk from disk; between `written` and `size` it gets a
// zero-copy slice of the shared in-memory chunk; at `size` it waits for the writer's next
// append (a notification in memory, no polling) and ends when the log is finished. Because a
// cursor decides from `written`/`size` synchronously each time, joining mid-stream leaves no
// gap and no duplicate at the boundary. `append` resolves at once while less than
// `highWaterMark` bytes wait for the disk, and later otherwise: awaiting it is the writer's
// backpressure (it rejects when the disk write fails: callers that do not await it must catch).
// A write that fails (a full disk, an unwritable or read-only file) makes the log fail for good:
// every pending and later call on it rejects with one LogWriteError that names the error code,
// the file and the build, followers end with it, and `onWriteError` hears of it once, so the
// build it belongs to can fail with the reason and the controller's health can say so. Opening a
// log that cannot be created is the same error, never a synchronous throw out of `append`.
// `finish` flushes, fdatasyncs and closes (the files are closed even when that fails); a log with no open writer (finished, or from before a
// restart) is read straight from disk and followers end at its end. A follower binds to the
// writer when it first reads, so the controller opens a build's log when it creates the build;
// appending to a log finished in this process needs an explicit `open` (a resumed build).
// `setBeforeWrite` has a callback run synchronously before each write of a log's bytes (a write
// starts a microtask after the append that needs it, and takes every byte appended until then in
// one writev), with the write's end: durable execs' journal points (resume.ts). `truncate` cuts a resumed build's log back to where its journal
// accounts for every byte (resume.ts resumeCut).

import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { getSystemErrorMessage, promisify } from 'node:util';
import { KilnError } from '../core/errors.ts';
import { compressFile, decompressFileSync, forget, gziPath, gzPath, readCompressed, readIndex, type GzIndex } from './log-gzip.ts';

const writev = promisify(fs.writev);
const write = promisify(fs.write);
const fdatasync = promisify(fs.fdatasync);
const closeFd = promisify(fs.close);

export interface BuildRef {
  /** The job's full name; folders separated by `/`. */
  job: string;
  number: number;
}

/** Stage and step boundaries, and `error`: an ERROR line of the engine's starts here (the console opens a failed build at its first). */
export type SectionKind = 'stage-start' | 'stage-end' | 'step-start' | 'step-end' | 'error';

/** When the bytes from `offset` on arrived (ms since the epoch): the console's per-line times. */
export interface LogTime {
  offset: number;
  at: number;
}

/** The blocks newlines() counts in: the console's fetch block (web/src/logmodel.ts BLOCK). */
export const NEWLINE_BLOCK = 64 * 1024;
const NEWLINE_LOGS = 64;

/** How often, at most, the index records when bytes arrived: the console shows times to the second. */
const TIME_EVERY_MS = 1000;

export interface Section {
  offset: number;
  /** 'output': which step wrote the bytes from here on; 'time': when they arrived (id = ms since the epoch). */
  kind: SectionKind | 'output' | 'time';
  id: string;
  name: string;
}

export interface AppendWhere {
  /**
   * The offset these bytes start at, for senders that resend after a reconnect: bytes below
   * the log's end are dropped as already stored, and a start beyond the end is a LogGapError.
   */
  at?: number;
  /** The step (flow node) that wrote the bytes; '' for none. Recorded as `output` entries. */
  node?: string;
}

export interface LogStoreOptions {
  /** Bytes waiting for the disk before `append` makes its caller wait. Default 4 MiB. */
  highWaterMark?: number;
  /** Size of each disk read. Default 64 KiB. */
  readChunkSize?: number;
  /** Told once per log that fails to be created or written (the controller's health listens). */
  onWriteError?: (build: BuildRef, err: LogWriteError) => void;
}

/** What an errno code means, in words a person reads ("no space left on device"). */
export function ioErrorText(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ENOSPC': return 'no space left on device';
    case 'EDQUOT': return 'disk quota exceeded';
    case 'EROFS': return 'read-only file system';
    case 'EPERM': case 'EACCES': return 'permission denied';
    case 'EIO': return 'input/output error';
    case 'EMFILE': case 'ENFILE': return 'too many open files';
    default: {
      // Another system error: its words and code, without the path Node puts in its message
      // (these texts go to build messages and to the public health message).
      const errno = (err as { errno?: unknown } | null)?.errno;
      if (typeof code === 'string' && typeof errno === 'number' && errno < 0) {
        let words: string;
        try {
          words = getSystemErrorMessage(errno);
        } catch {
          words = 'system error';
        }
        return `${words} (${code})`;
      }
      return err instanceof Error ? err.message : String(err);
    }
  }
}

/**
 * A log (or its index) could not be created or written. `code` is the errno code ('ENOSPC',
 * 'EPERM', 'EROFS', ...), `file` the path, `action` what was being done. The message names the
 * build by the log store's name for it (the controller's job id); callers that know the job's
 * name say it in their own words with `describe(jobName)`.
 */
export class LogWriteError extends KilnError {
  readonly code: string;
  readonly file: string;
  readonly build: BuildRef;
  readonly action: 'creating' | 'writing' | 'syncing';
  readonly what: 'console' | 'console index';
  constructor(build: BuildRef, action: LogWriteError['action'], what: LogWriteError['what'], file: string, cause: unknown) {
    const code = typeof (cause as { code?: unknown } | null)?.code === 'string' ? (cause as { code: string }).code : 'EIO';
    super('console.write', `${ioErrorText(cause)} ${action} the ${what} of ${build.job} #${build.number} (${file})`, { cause });
    this.code = code;
    this.file = file;
    this.build = build;
    this.action = action;
    this.what = what;
  }

  /** The same error naming the job as people know it: "no space left on device writing the console of app #3". */
  describe(jobName: string): string {
    return `${ioErrorText(this.cause)} ${this.action} the ${this.what} of ${jobName} #${this.build.number}`;
  }
}

/** Bytes offered at an offset past the log's end: something in between was lost. */
export class LogGapError extends KilnError {
  readonly expected: number;
  readonly got: number;
  constructor(expected: number, got: number) {
    super('console.gap', `Log bytes offered at offset ${got}, but the log ends at ${expected}: ${got - expected} bytes are missing`);
    this.expected = expected;
    this.got = got;
  }
}

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

interface Writer {
  key: string;
  dir: string;
  logFd: number;
  indexFd: number;
  /** Logical end: bytes appended so far. */
  size: number;
  /** Bytes on disk. */
  written: number;
  /** Appended chunks not yet on disk, in order, covering [written, size). */
  mem: { offset: number; buf: Buffer }[];
  writing: boolean;
  indexPending: string[];
  indexWriting: boolean;
  owner: string;
  /** When the last 'time' entry was written (0: none yet in this process). */
  lastTime: number;
  finished: boolean;
  closed: Promise<void> | null;
  error: LogWriteError | null;
  /** Cursors waiting for the next append or the end. */
  changed: Set<() => void>;
  /** Appenders waiting for the backlog to fall under the high-water mark. */
  drain: Waiter[];
  /** flush() callers: resolved when `written` (and the index) catch up. */
  flushed: (Waiter & { upTo: number })[];
  indexFlushed: Waiter[];
  followers: number;
  /** Called synchronously before each write of the log's bytes, with the write's end and start (setBeforeWrite). */
  beforeWrite: ((writeEnd: number, writeStart: number) => void) | null;
}

const KINDS = new Set(['stage-start', 'stage-end', 'step-start', 'step-end', 'error', 'output', 'time']);
const MAX_IOV = 1024;

export class LogStore {
  readonly home: string;
  readonly #hwm: number;
  readonly #chunk: number;
  readonly #writers = new Map<string, Writer>();
  /** Logs finished in this process: appending to them again needs an explicit open(). */
  readonly #finished = new Set<string>();
  readonly #onWriteError: LogStoreOptions['onWriteError'];
  /** newlines(): the newline count of each whole block, by log, most recently asked last. */
  readonly #newlines = new Map<string, number[]>();

  constructor(home: string, options: LogStoreOptions = {}) {
    this.home = home;
    this.#hwm = options.highWaterMark ?? 4 * 1024 * 1024;
    this.#chunk = options.readChunkSize ?? 64 * 1024;
    this.#onWriteError = options.onWriteError;
  }

  /** `<home>/builds/<job>/<number>`; throws for a job name that could leave that folder. */
  dir(build: BuildRef): string {
    if (!Number.isSafeInteger(build.number) || build.number < 1) throw new Error(`Invalid build number ${build.number}`);
    const parts = build.job.split('/');
    for (const p of parts) {
      if (p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0')) {
        throw new Error(`Invalid job name '${build.job}' for a log path`);
      }
    }
    return path.join(this.home, 'builds', ...parts, String(build.number));
  }

  logPath(build: BuildRef): string {
    return path.join(this.dir(build), 'log');
  }

  indexPath(build: BuildRef): string {
    return path.join(this.dir(build), 'log-index');
  }

  // -------------------------------------------------------------------------------------------
  // Writing

  /**
   * Opens a build's log for writing (creating it, or continuing one from before a restart).
   * append and mark open implicitly; opening first lets followers wait for the first bytes.
   */
  open(build: BuildRef): void {
    this.#finished.delete(key(build));
    this.#writer(build);
  }

  isOpen(build: BuildRef): boolean {
    return this.#writers.has(key(build));
  }

  /**
   * Appends bytes (copied) and returns the log's new end once the backlog allows more. The
   * bytes take their place in the log at once, in call order, whether or not it is awaited.
   */
  append(build: BuildRef, bytes: Uint8Array | string, where: AppendWhere = {}): Promise<number> {
    if (this.#finished.has(key(build))) return Promise.reject(finishedError(build));
    let w: Writer;
    try {
      w = this.#writer(build);
    } catch (e) {
      return Promise.reject(e);
    }
    if (w.error) return Promise.reject(w.error);
    if (w.finished) return Promise.reject(finishedError(build));
    let buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
    if (where.at !== undefined) {
      if (where.at > w.size) return Promise.reject(new LogGapError(w.size, where.at));
      if (where.at < w.size) buf = buf.subarray(Math.min(buf.length, w.size - where.at));
    }
    if (where.node !== undefined && where.node !== w.owner && buf.length > 0) {
      w.owner = where.node;
      this.#index(w, { offset: w.size, kind: 'output', id: where.node, name: '' });
    }
    if (buf.length > 0) {
      const now = Date.now();
      if (now - w.lastTime >= TIME_EVERY_MS) {
        w.lastTime = now;
        this.#index(w, { offset: w.size, kind: 'time', id: String(now), name: '' });
      }
      w.mem.push({ offset: w.size, buf });
      w.size += buf.length;
      this.#wake(w);
      this.#startWrite(w);
    }
    if (w.size - w.written <= this.#hwm) return Promise.resolve(w.size);
    const size = w.size;
    return new Promise<number>((resolve, reject) => w.drain.push({ resolve: () => resolve(size), reject }));
  }

  /**
   * Records a section boundary at the log's current end; returns the entry. Throws a
   * LogWriteError when the log cannot be created; a failed index write fails the log.
   */
  mark(build: BuildRef, section: { kind: SectionKind; id: string; name?: string }): Section {
    if (this.#finished.has(key(build))) throw finishedError(build);
    const w = this.#writer(build);
    if (w.finished) throw finishedError(build);
    if (!KINDS.has(section.kind) || section.kind === ('output' as string)) throw new Error(`Unknown section kind '${section.kind}'`);
    const entry: Section = { offset: w.size, kind: section.kind, id: section.id, name: section.name ?? '' };
    this.#index(w, entry);
    return entry;
  }

  /**
   * The bytes appended to a build's log that are not on disk yet (a `kill -9` now would lose
   * them), and the offset they start at (none: the log's end); null when the log is not open. The durable builds'
   * journal keeps them with each line (resume.ts), so that a resumed build's console loses none.
   */
  unwritten(build: BuildRef): { at: number; bytes: Buffer } | null {
    const w = this.#writers.get(key(build));
    if (!w) return null;
    if (w.written >= w.size || w.mem.length === 0) return { at: w.size, bytes: Buffer.alloc(0) };
    return { at: w.mem[0]!.offset, bytes: w.mem.length === 1 ? w.mem[0]!.buf : Buffer.concat(w.mem.map((m) => m.buf)) };
  }

  /**
   * Has `f` called synchronously before each write of the log's bytes (an exception fails the
   * log): what must be on record before bytes can reach the disk (durable execs' journal points,
   * resume.ts execAt), once per write rather than once per append. Opens the log.
   */
  setBeforeWrite(build: BuildRef, f: ((writeEnd: number, writeStart: number) => void) | null): void {
    this.#writer(build).beforeWrite = f;
  }

  /**
   * Cuts an open log (a resumed build's, before it appends) back to `size` bytes, and its index
   * to the entries at or below it: the bytes past it were a torn write, or output that comes again
   * (durable execs, resume.ts resumeCut). No-op when the log is not longer.
   */
  async truncate(build: BuildRef, size: number): Promise<void> {
    const w = this.#writer(build);
    await this.flush(build);
    if (w.error) throw w.error;
    if (size >= w.size) return;
    fs.ftruncateSync(w.logFd, size);
    w.size = w.written = size;
    const text = fs.readFileSync(this.indexPath(build), 'utf8');
    // A section that starts at the cut stays; who wrote (or when) bytes from there on goes with them.
    const kept = parseIndex(text).filter((e) => e.offset < size || (e.offset === size && e.kind !== 'output' && e.kind !== 'time'));
    fs.ftruncateSync(w.indexFd, 0);
    fs.writeSync(w.indexFd, kept.map((e) => JSON.stringify(e) + '\n').join(''));
    w.owner = '';
    for (const e of kept) if (e.kind === 'output') w.owner = e.id;
    this.#newlines.delete(key(build));
  }

  /** The log's end (bytes appended so far, on disk or not); null when it is not open. */
  end(build: BuildRef): number | null {
    return this.#writers.get(key(build))?.size ?? null;
  }

  /** Resolves when every byte and index entry appended so far is on disk (not yet fsynced). */
  async flush(build: BuildRef): Promise<void> {
    const w = this.#writers.get(key(build));
    if (!w) return;
    await Promise.all([this.#flushLog(w), this.#flushIndex(w)]);
  }

  /** Flushes, syncs and closes the log; followers read to its end and stop. */
  finish(build: BuildRef): Promise<void> {
    const w = this.#writers.get(key(build));
    if (!w) return Promise.resolve();
    if (!w.closed) {
      w.finished = true;
      this.#finished.add(w.key);
      if (this.#finished.size > 100_000) this.#finished.delete(first(this.#finished)!);
      this.#wake(w);
      w.closed = (async () => {
        try {
          await Promise.all([this.#flushLog(w), this.#flushIndex(w)]);
          await Promise.all([
            fdatasync(w.logFd).catch((e: unknown) => { throw new LogWriteError(parseKey(w.key), 'syncing', 'console', path.join(w.dir, 'log'), e); }),
            fdatasync(w.indexFd).catch((e: unknown) => { throw new LogWriteError(parseKey(w.key), 'syncing', 'console index', path.join(w.dir, 'log-index'), e); }),
          ]);
        } catch (e) {
          this.#fail(w, e);
          throw w.error ?? e;
        } finally {
          await Promise.allSettled([closeFd(w.logFd), closeFd(w.indexFd)]);
          if (this.#writers.get(w.key) === w) this.#writers.delete(w.key);
          this.#wake(w);
        }
      })();
    }
    return w.closed;
  }

  /** Finishes every open log. */
  async close(): Promise<void> {
    const all = [...this.#writers.values()];
    await Promise.allSettled(all.map((w) => this.finish(parseKey(w.key))));
  }

  // -------------------------------------------------------------------------------------------
  // Reading

  /** The log's length in bytes (0 when there is none). */
  async size(build: BuildRef): Promise<number> {
    const w = this.#writers.get(key(build));
    if (w) return w.size;
    return diskSize(this.logPath(build));
  }

  async exists(build: BuildRef): Promise<boolean> {
    if (this.#writers.has(key(build))) return true;
    try {
      await fsp.access(this.logPath(build));
      return true;
    } catch {
      return (await readIndex(this.logPath(build))) !== null;
    }
  }

  /**
   * Keeps a finished log gzip-compressed (log-gzip.ts: `compressBuildLog()`); reads go on as
   * before, by byte range. A log that is open, or already compressed, is left alone.
   */
  async compress(build: BuildRef): Promise<void> {
    if (this.#writers.has(key(build))) return;
    const file = this.logPath(build);
    if (!(await fsp.stat(file).then(() => true, () => false))) return;
    this.#newlines.delete(key(build));
    try {
      await compressFile(file);
    } catch (e) {
      await fsp.rm(`${gzPath(file)}.tmp`, { force: true });
      await fsp.rm(`${gziPath(file)}.tmp`, { force: true });
      throw e;
    }
  }

  /** Whether the log is kept compressed. */
  async compressed(build: BuildRef): Promise<boolean> {
    if (this.#writers.has(key(build))) return false;
    if (await fsp.stat(this.logPath(build)).then(() => true, () => false)) return false;
    return (await readIndex(this.logPath(build))) !== null;
  }

  /**
   * The bytes in [start, end) as chunks of at most 64 KiB, read from disk as consumed (the
   * part still in memory comes from memory). A negative start counts from the end (-1000: the
   * last 1000 bytes); end defaults to the log's end when reading starts.
   */
  read(build: BuildRef, start = 0, end?: number): AsyncIterableIterator<Buffer> {
    return new Cursor(this, build, start, end ?? null, false, null);
  }

  /** read() collected into one Buffer; refuses ranges larger than `max` (default 16 MiB). */
  async readBytes(build: BuildRef, start = 0, end?: number, max = 16 * 1024 * 1024): Promise<Buffer> {
    const size = await this.size(build);
    const s = start < 0 ? Math.max(0, size + start) : Math.min(start, size);
    const e = Math.min(end ?? size, size);
    if (e - s > max) throw new Error(`Refusing to load ${e - s} bytes of log into memory (limit ${max}); stream it with read()`);
    const parts: Buffer[] = [];
    for await (const c of this.read(build, s, e)) parts.push(c);
    return Buffer.concat(parts);
  }

  /**
   * Chunks from `from` on: what is on disk, then new bytes as they are appended, until the
   * log is finished (at once for a log that is not open). A negative `from` counts from the
   * end. Breaking out of the loop, or the signal, stops following.
   */
  follow(build: BuildRef, from = 0, options: { signal?: AbortSignal } = {}): AsyncIterableIterator<Buffer> {
    return new Cursor(this, build, from, null, true, options.signal ?? null);
  }

  /** Index entries in order (not the 'time' entries: see `times`); a torn last line and entries past the log's end are ignored. */
  async sections(build: BuildRef): Promise<Section[]> {
    return (await this.#entries(build)).filter((s) => s.kind !== 'time');
  }

  async #entries(build: BuildRef): Promise<Section[]> {
    const w = this.#writers.get(key(build));
    if (w) await this.#flushIndex(w);
    let text: string;
    try {
      text = await fsp.readFile(this.indexPath(build), 'utf8');
    } catch (e) {
      if (isNotFound(e)) return [];
      throw e;
    }
    const size = await this.size(build);
    return parseIndex(text).filter((s) => s.offset <= size);
  }

  /** When the log's bytes arrived: one entry at most per second of output, in order. */
  async times(build: BuildRef): Promise<LogTime[]> {
    const out: LogTime[] = [];
    for (const s of await this.#entries(build)) {
      const at = Number(s.id);
      if (s.kind === 'time' && Number.isSafeInteger(at)) out.push({ offset: s.offset, at });
    }
    return out;
  }

  /**
   * The sparse line index: how many newlines each whole NEWLINE_BLOCK-byte block of the log on
   * disk holds, so that the line number of any offset is a sum of these and a count within one
   * block (the console's line numbers and `#L123` links, on a million-line log too). Blocks never
   * change once whole (the log is append-only), so the counts are kept in memory for the last
   * NEWLINE_LOGS logs asked about and only the blocks written since are read on the next ask.
   */
  async newlines(build: BuildRef): Promise<number[]> {
    const file = this.logPath(build);
    const k = key(build);
    const counts = this.#newlines.get(k) ?? [];
    this.#newlines.delete(k);
    this.#newlines.set(k, counts);
    while (this.#newlines.size > NEWLINE_LOGS) this.#newlines.delete(this.#newlines.keys().next().value!);
    const plain = await fsp.stat(file).then((st) => st.size, () => null);
    const gz = plain === null ? await readIndex(file) : null;
    const onDisk = plain ?? gz?.size ?? 0;
    const whole = Math.floor(onDisk / NEWLINE_BLOCK);
    if (whole <= counts.length) return counts.slice();
    // Read from the plain file, or (compressBuildLog) the compressed one by range.
    const fh = gz ? null : await fsp.open(file, 'r');
    const readAt = async (b: Buffer, len: number, pos: number): Promise<number> => {
      if (fh) return (await fh.read(b, 0, len, pos)).bytesRead;
      const got = await readCompressed(file, gz!, pos, len);
      got.copy(b, 0);
      return got.length;
    };
    try {
      const buf = Buffer.alloc(NEWLINE_BLOCK * 16);
      while (counts.length < whole) {
        const n = Math.min(16, whole - counts.length);
        const bytesRead = await readAt(buf, n * NEWLINE_BLOCK, counts.length * NEWLINE_BLOCK);
        if (bytesRead < n * NEWLINE_BLOCK) break;
        for (let b = 0; b < n; b++) {
          const end = (b + 1) * NEWLINE_BLOCK;
          let c = 0;
          for (let i = buf.indexOf(10, b * NEWLINE_BLOCK); i >= 0 && i < end; i = buf.indexOf(10, i + 1)) c++;
          counts.push(c);
        }
      }
    } finally {
      await fh?.close();
    }
    return counts.slice();
  }

  /** The byte ranges [start, end) that `append(..., { node: id })` wrote, in order. */
  async ranges(build: BuildRef, id: string): Promise<{ start: number; end: number }[]> {
    const size = await this.size(build);
    const outs = (await this.sections(build)).filter((s) => s.kind === 'output');
    const out: { start: number; end: number }[] = [];
    outs.forEach((s, i) => {
      if (s.id !== id) return;
      const end = outs[i + 1]?.offset ?? size;
      if (end > s.offset) out.push({ start: s.offset, end });
    });
    return out;
  }

  /** Deletes the log and its index (finishing it first if open). */
  async remove(build: BuildRef): Promise<void> {
    await this.finish(build).catch(() => undefined);
    this.#finished.delete(key(build));
    this.#newlines.delete(key(build));
    await fsp.rm(this.logPath(build), { force: true });
    await fsp.rm(gzPath(this.logPath(build)), { force: true });
    await fsp.rm(gziPath(this.logPath(build)), { force: true });
    forget(this.logPath(build));
    await fsp.rm(this.indexPath(build), { force: true });
    await fsp.rmdir(this.dir(build)).catch(() => undefined);
  }

  /** Open logs and their followers, for metrics. */
  stats(): { openLogs: number; followers: number; bufferedBytes: number } {
    let followers = 0;
    let buffered = 0;
    for (const w of this.#writers.values()) {
      followers += w.followers;
      buffered += w.size - w.written;
    }
    return { openLogs: this.#writers.size, followers, bufferedBytes: buffered };
  }

  // -------------------------------------------------------------------------------------------
  // Internals

  /** @internal for Cursor */
  readChunkSize(): number {
    return this.#chunk;
  }

  /** @internal for Cursor: the open writer of a log, if any. */
  writerOf(build: BuildRef): Writer | null {
    return this.#writers.get(key(build)) ?? null;
  }

  #writer(build: BuildRef): Writer {
    const k = key(build);
    const existing = this.#writers.get(k);
    if (existing) return existing;
    const dir = this.dir(build);
    let logFd: number;
    try {
      mkdirs(dir);
      // A compressed console written again (a note after its end): back to plain bytes first.
      if (!fs.existsSync(path.join(dir, 'log')) && fs.existsSync(gzPath(path.join(dir, 'log')))) decompressFileSync(path.join(dir, 'log'));
      logFd = fs.openSync(path.join(dir, 'log'), 'a');
    } catch (e) {
      throw this.#openFailed(build, 'console', path.join(dir, 'log'), e);
    }
    let indexFd: number;
    let owner = '';
    try {
      indexFd = fs.openSync(path.join(dir, 'log-index'), 'a+');
      // A crash may have torn the index's last line: cut it, so the next entry starts clean.
      const text = fs.readFileSync(indexFd, 'utf8');
      if (text.length > 0 && !text.endsWith('\n')) fs.ftruncateSync(indexFd, Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1)));
      for (const s of parseIndex(text)) if (s.kind === 'output') owner = s.id;
    } catch (e) {
      fs.closeSync(logFd);
      throw this.#openFailed(build, 'console index', path.join(dir, 'log-index'), e);
    }
    const size = fs.fstatSync(logFd).size;
    const w: Writer = {
      key: k,
      dir,
      logFd,
      indexFd,
      size,
      written: size,
      mem: [],
      writing: false,
      indexPending: [],
      indexWriting: false,
      owner,
      lastTime: 0,
      finished: false,
      closed: null,
      error: null,
      changed: new Set(),
      drain: [],
      flushed: [],
      indexFlushed: [],
      followers: 0,
      beforeWrite: null,
    };
    this.#writers.set(k, w);
    return w;
  }

  #openFailed(build: BuildRef, what: LogWriteError['what'], file: string, e: unknown): LogWriteError {
    const err = new LogWriteError(build, 'creating', what, file, e);
    this.#tell(build, err);
    return err;
  }

  #tell(build: BuildRef, err: LogWriteError): void {
    try {
      this.#onWriteError?.(build, err);
    } catch {
      // a listener's own failure must not hide the write error from the writer's callers
    }
  }

  #wake(w: Writer): void {
    if (w.changed.size === 0) return;
    const all = [...w.changed];
    w.changed.clear();
    for (const f of all) f();
  }

  #fail(w: Writer, e: unknown, what: LogWriteError['what'] = 'console'): void {
    const err = e instanceof LogWriteError ? e : new LogWriteError(parseKey(w.key), 'writing', what, path.join(w.dir, what === 'console' ? 'log' : 'log-index'), e);
    if (!w.error) {
      w.error = err;
      this.#tell(err.build, err);
    }
    for (const d of w.drain.splice(0)) d.reject(err);
    for (const f of w.flushed.splice(0)) f.reject(err);
    for (const f of w.indexFlushed.splice(0)) f.reject(err);
    this.#wake(w);
  }

  #startWrite(w: Writer): void {
    if (w.writing || w.error) return;
    w.writing = true;
    // Started once the appender's synchronous work is over (a microtask): what it puts on record
    // for these bytes (beforeWrite) is then there before they are written.
    queueMicrotask(() => void this.#writeLoop(w));
  }

  async #writeLoop(w: Writer): Promise<void> {
    try {
      while (w.mem.length > 0 && !w.error) {
        // All the bytes appended so far in one writev (past MAX_IOV chunks, the rest joined into
        // its last buffer): a kill -9 never leaves the log between two writes of one beforeWrite,
        // whose boundary (a journal mark at the write's end) the earlier part would not reach, or
        // whose exec points the part on disk would pass (resume.ts resumeCut).
        const n = w.mem.length;
        if (w.beforeWrite) w.beforeWrite(w.mem[n - 1]!.offset + w.mem[n - 1]!.buf.length, w.mem[0]!.offset);
        let bufs = w.mem.map((m) => m.buf);
        if (bufs.length > MAX_IOV) bufs = [...bufs.slice(0, MAX_IOV - 1), Buffer.concat(bufs.slice(MAX_IOV - 1))];
        let total = 0;
        for (const b of bufs) total += b.length;
        let done = 0;
        while (done < total) {
          const wrote = await writev(w.logFd, bufs);
          done += wrote.bytesWritten;
          if (done < total) bufs = skipBytes(bufs, wrote.bytesWritten);
        }
        w.mem.splice(0, n);
        w.written += total;
        this.#afterWrite(w);
      }
    } catch (e) {
      this.#fail(w, e);
    } finally {
      w.writing = false;
    }
  }

  #afterWrite(w: Writer): void {
    if (w.size - w.written <= this.#hwm && w.drain.length > 0) for (const d of w.drain.splice(0)) d.resolve();
    if (w.flushed.length > 0) {
      const keep: Writer['flushed'] = [];
      for (const f of w.flushed) {
        if (f.upTo <= w.written) f.resolve();
        else keep.push(f);
      }
      w.flushed = keep;
    }
  }

  #flushLog(w: Writer): Promise<void> {
    if (w.error) return Promise.reject(w.error);
    if (w.written >= w.size) return Promise.resolve();
    return new Promise((resolve, reject) => w.flushed.push({ upTo: w.size, resolve, reject }));
  }

  #index(w: Writer, s: Section): void {
    w.indexPending.push(JSON.stringify(s) + '\n');
    if (!w.indexWriting && !w.error) {
      w.indexWriting = true;
      void this.#indexLoop(w);
    }
  }

  async #indexLoop(w: Writer): Promise<void> {
    try {
      while (w.indexPending.length > 0 && !w.error) {
        const text = w.indexPending.join('');
        w.indexPending = [];
        const buf = Buffer.from(text, 'utf8');
        let done = 0;
        while (done < buf.length) done += (await write(w.indexFd, buf, done, buf.length - done)).bytesWritten;
      }
      for (const f of w.indexFlushed.splice(0)) f.resolve();
    } catch (e) {
      this.#fail(w, e, 'console index');
    } finally {
      w.indexWriting = false;
      if (w.indexPending.length > 0 && !w.error) {
        w.indexWriting = true;
        void this.#indexLoop(w);
      }
    }
  }

  #flushIndex(w: Writer): Promise<void> {
    if (w.error) return Promise.reject(w.error);
    if (!w.indexWriting && w.indexPending.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => w.indexFlushed.push({ resolve, reject }));
  }

  /** @internal for Cursor: wait for the writer's next change; returns an unsubscribe. */
  onChange(w: Writer, f: () => void): () => void {
    w.changed.add(f);
    return () => w.changed.delete(f);
  }

  /** @internal for Cursor */
  follower(w: Writer, delta: number): void {
    w.followers += delta;
  }
}

/**
 * A reader's position in one log: reads its own chunks from disk below `written`, takes shared
 * slices of the writer's memory above it, and (when following) waits at the end.
 */
class Cursor implements AsyncIterableIterator<Buffer> {
  readonly #store: LogStore;
  readonly #build: BuildRef;
  readonly #path: string;
  /** Looked up when reading starts, so a follower made before the log opens still sees it. */
  #writer: Writer | null = null;
  readonly #follow: boolean;
  #pos: number;
  #end: number | null;
  #fd: fsp.FileHandle | null = null;
  /** The index of the log when it is kept compressed (set on the first read that finds no plain log). */
  #gz: GzIndex | null = null;
  #done = false;
  #started = false;
  #counted = false;
  #wakeUp: (() => void) | null = null;
  #unsubscribe: (() => void) | null = null;
  #busy: Promise<IteratorResult<Buffer>> | null = null;
  readonly #signal: AbortSignal | null;
  readonly #onAbort = (): void => void this.return();

  constructor(store: LogStore, build: BuildRef, from: number, end: number | null, follow: boolean, signal: AbortSignal | null) {
    this.#store = store;
    this.#build = build;
    this.#path = store.logPath(build);
    this.#pos = from;
    this.#end = end;
    this.#follow = follow;
    this.#signal = signal;
    if (signal) {
      if (signal.aborted) this.#done = true;
      else signal.addEventListener('abort', this.#onAbort, { once: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Buffer> {
    return this;
  }

  next(): Promise<IteratorResult<Buffer>> {
    // Calls are serialised: a second next() waits for the first.
    const run = (this.#busy ?? Promise.resolve()).then(() => this.#next());
    this.#busy = run.catch(() => ({ done: true, value: undefined }));
    return run;
  }

  async return(): Promise<IteratorResult<Buffer>> {
    if (!this.#done) {
      this.#done = true;
      this.#wakeUp?.();
    }
    await this.#busy?.catch(() => undefined);
    await this.#cleanup();
    return { done: true, value: undefined };
  }

  async #cleanup(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#signal) this.#signal.removeEventListener('abort', this.#onAbort);
    if (this.#writer && this.#counted) {
      this.#store.follower(this.#writer, -1);
      this.#counted = false;
    }
    const fd = this.#fd;
    this.#fd = null;
    await fd?.close().catch(() => undefined);
  }

  async #finish(): Promise<IteratorResult<Buffer>> {
    this.#done = true;
    await this.#cleanup();
    return { done: true, value: undefined };
  }

  async #next(): Promise<IteratorResult<Buffer>> {
    for (;;) {
      if (this.#done) return this.#finish();
      if (!this.#started) {
        this.#started = true;
        this.#writer = this.#store.writerOf(this.#build);
        if (this.#writer && this.#follow) {
          this.#store.follower(this.#writer, 1);
          this.#counted = true;
        }
        const w = this.#writer;
        const size = w ? w.size : await this.#diskSize();
        if (this.#pos < 0) this.#pos = Math.max(0, size + this.#pos);
        if (this.#end !== null && this.#end < 0) this.#end = Math.max(0, size + this.#end);
        // A plain read stops at today's end; following a log nobody writes does too.
        if (!this.#follow) this.#end = Math.min(this.#end ?? size, size);
        else if (!w) this.#end = size;
      }
      const w = this.#writer;
      if (w?.error) {
        await this.#finish();
        throw w.error;
      }
      const end = this.#end ?? Infinity;
      if (this.#pos >= end) return this.#finish();
      const onDisk = w ? w.written : end;
      if (this.#pos < onDisk) {
        const n = Math.min(this.#store.readChunkSize(), onDisk - this.#pos, end - this.#pos);
        const buf = await this.#readAt(this.#pos, n);
        if (this.#done) return this.#finish();
        if (buf.length === 0) return this.#finish(); // the file is shorter than expected (removed)
        this.#pos += buf.length;
        return { done: false, value: buf };
      }
      if (w && this.#pos < w.size) {
        const slice = memSlice(w, this.#pos, end);
        this.#pos += slice.length;
        return { done: false, value: slice };
      }
      if (!w || w.finished) return this.#finish();
      // At the live end: wait for the next append, the end of the log, or return().
      await new Promise<void>((resolve) => {
        this.#wakeUp = resolve;
        this.#unsubscribe = this.#store.onChange(w, resolve);
      });
      this.#wakeUp = null;
      this.#unsubscribe?.();
      this.#unsubscribe = null;
    }
  }

  async #diskSize(): Promise<number> {
    return diskSize(this.#path);
  }

  async #readAt(pos: number, n: number): Promise<Buffer> {
    if (this.#gz) return readCompressed(this.#path, this.#gz, pos, n);
    if (!this.#fd) {
      try {
        this.#fd = await fsp.open(this.#path, 'r');
      } catch (e) {
        if (!isNotFound(e)) throw e;
        // A finished log kept compressed (compressBuildLog).
        this.#gz = await readIndex(this.#path);
        return this.#gz ? readCompressed(this.#path, this.#gz, pos, n) : Buffer.alloc(0);
      }
    }
    const buf = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const { bytesRead } = await this.#fd.read(buf, got, n - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === n ? buf : buf.subarray(0, got);
  }
}

/** The length of a log nobody writes: its plain file's, else its compressed form's raw size, else 0. */
async function diskSize(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch (e) {
    if (!isNotFound(e)) throw e;
    return (await readIndex(file))?.size ?? 0;
  }
}

/** A zero-copy slice of the in-memory chunk that holds `pos` (pos ≥ written). */
function memSlice(w: Writer, pos: number, end: number): Buffer {
  const mem = w.mem;
  let lo = 0;
  let hi = mem.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (mem[mid]!.offset <= pos) lo = mid;
    else hi = mid - 1;
  }
  const m = mem[lo]!;
  const from = pos - m.offset;
  const to = Math.min(m.buf.length, end - m.offset);
  return m.buf.subarray(from, to);
}

function skipBytes(bufs: Buffer[], n: number): Buffer[] {
  const out: Buffer[] = [];
  let skip = n;
  for (const b of bufs) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}

function parseIndex(text: string): Section[] {
  const out: Section[] = [];
  const lines = text.split('\n');
  // The last element is '' after a final newline, or a torn line: ignored either way.
  lines.pop();
  for (const line of lines) {
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof v !== 'object' || v === null) continue;
    const o = v as Record<string, unknown>;
    if (typeof o.offset !== 'number' || typeof o.kind !== 'string' || !KINDS.has(o.kind) || typeof o.id !== 'string') continue;
    out.push({ offset: o.offset, kind: o.kind as Section['kind'], id: o.id, name: typeof o.name === 'string' ? o.name : '' });
  }
  return out;
}

/**
 * mkdir -p, one level at a time: a recursive mkdirSync reports ENOENT for a parent it could not
 * make on a read-only file system, where the real reason is EROFS.
 */
function mkdirs(dir: string): void {
  try {
    fs.mkdirSync(dir);
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT') throw e;
  }
  const parent = path.dirname(dir);
  if (parent === dir) throw new Error(`cannot make ${dir}: no such file or directory`);
  mkdirs(parent);
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
}

function finishedError(b: BuildRef): Error {
  return new Error(`The log of ${b.job} #${b.number} is finished`);
}

function first<T>(s: Set<T>): T | undefined {
  for (const x of s) return x;
  return undefined;
}

function key(b: BuildRef): string {
  return `${b.job}\u0000${b.number}`;
}

function parseKey(k: string): BuildRef {
  const i = k.lastIndexOf('\u0000');
  return { job: k.slice(0, i), number: Number(k.slice(i + 1)) };
}

function isNotFound(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === 'ENOENT';
}
