// Durable execs: the steps (sh) an agent runs so that they survive the controller's restart and
// the agent's own, as Jenkins' durable-task plugin runs them.
//
// Why: a controller that restarts (kill -9, an upgrade) must find the `sh` it was running still
// running, and its output, exactly once; so must a new agent process after the old one was
// killed. A process whose stdout is a pipe to the agent dies with it (SIGPIPE) and its exit code
// is lost with its parent; one that writes files under a wrapper that records its exit code does
// not.
//
// How: `start` makes a control directory `<workdir>/.kiln-durable/<key>/` (0700; a spare one,
// made ahead off the step's path and renamed into place: see DurableExecs' spare directories) and runs
//   /bin/sh -c '<wrapper>' kiln-durable <dir>/rc <argv...>
// in its own process group (setsid), stdin from a file (or /dev/null), stdout and stderr
// appended to `<dir>/out` and `<dir>/err`; the wrapper runs the command and then writes its exit
// status to `rc` (one write by the shell; taken once its newline is there). A script step's
// `/bin/sh -e -c SCRIPT` is folded into that shell instead (wrapperArgv: the script runs in the
// recording shell itself, whose EXIT trap writes `rc`, no fork and no second exec; a script that
// could take the trap away, in a subshell of it, one fork). `meta.json` names the key, the build, the
// process group, the leader's start time and a cookie (KILN_NODE_COOKIE in the wrapper's
// environment), so that a later agent process signals only what it started (never a pid alone:
// see leftovers.ts for why a record is not trusted); it is created once (O_EXCL, padded with
// spaces) and overwritten in place by one pwrite when the process group is known, not written to
// a temporary file and renamed. The agent reads the files as they grow (fs.watch while its reads
// have caught up with them, not while the window below is full; a poll as a fallback; preads on descriptors kept open while attached, the end of a file found by a short
// read, not a stat, into one scratch buffer: nothing allocated for a read that finds nothing) and
// sends what it read (`output`, n from 0 per attachment),
// at most WINDOW_BYTES beyond what the controller acknowledged: while the controller is away the
// output waits on disk, not in memory. The controller acknowledges output with `execAck` (per
// stream offsets) only once its console has the bytes on disk (the ack barrier): the link's own
// acknowledgements of the frames do not count here, since a controller killed then would lose
// what it held in memory. Acknowledged offsets are written to `<dir>/acked` as they move, so a
// new agent process knows them too (one pwrite each on a descriptor kept open). The exit is the
// wrapper's own exit code when this process started it (the same value it wrote to `rc`), else
// `rc`. Once the exit is known and every byte was sent, `exited` goes out; when the controller
// acknowledges it (`execAck` with `done`), the directory becomes a spare again, in a batch a
// moment later on the thread pool (off the step's path; with enough spares, it is removed: its
// known files unlinked one by one, then the directory by one rmdir, no listing, no recursion).
//
// A new controller session learns of the execs from the hello (`handback`), takes them over with
// `reattach` (output resent from the acknowledged offsets: nothing lost, nothing twice) or has
// them stopped with `discard` (their build is gone). A step that captures its stdout
// (`returnStdout`: Meta.keep) holds it in the controller's memory, not in a console: its file is
// kept whole until the end is acknowledged anyway, and a resumed controller asks for it again
// from 0 (the lowest offset it may ask for is 0 for that stream, `acked` for the others); the
// read-ahead window counts from what the current attachment acknowledged (StreamState.window). More than MAX_BACKLOG_BYTES of output not
// acknowledged when an exec is taken over: the oldest part is skipped, with a line that says so.
//
// Unix only (a /bin/sh wrapper); steps in a pod's other containers and Windows agents run as
// before (they do not survive a restart).
import type { ChildProcess } from 'node:child_process';
import type { FSWatcher } from 'node:fs';
// Builtins through process.getBuiltinModule, not ESM imports: see util/fs-async.ts.
const { spawn } = process.getBuiltinModule('node:child_process');
const {
  closeSync, constants: fsc, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, renameSync, rmdirSync, rmSync, statSync, unlinkSync, watch,
  rmdir, writeFileSync, writeSync, mkdir: mkdirCb, open: openCb, close: closeCb, rename: renameCb, unlink: unlinkCb,
} = process.getBuiltinModule('node:fs');
import path from 'node:path';
import { parseProcStat, killGroupTree } from '../exec/process-tree.ts';
import { DURABLE_KEY_PATTERN, type HandedBack } from '../protocol/messages.ts';
import { COOKIE_ENV } from './leftovers.ts';
import { randomBytes } from './random.ts';
import type { LogLine } from '../util/log.ts';

export const DURABLE_DIR = '.kiln-durable';
/**
 * Control directories made ahead (empty files in an empty directory), renamed into
 * `.kiln-durable/<key>` as an exec starts: see DurableExecs.start and "spare directories" there.
 */
export const SPARE_DIR = '.kiln-durable-spare';
/** The files a spare holds (created empty, off the steps' path). */
const SPARE_FILES = ['meta.json', 'out', 'err', 'rc', 'acked'] as const;
/** Spares kept ready at least (made in the background when fewer), and at most (recycled). */
const SPARES_AHEAD = 2;
const SPARES_MAX = 16;
/** Output read ahead of the controller's acknowledgements, per exec. */
export const WINDOW_BYTES = 1024 * 1024;
/** Output kept for a controller that is away; beyond it, the oldest is skipped when one comes back. */
export const MAX_BACKLOG_BYTES = 1024 * 1024 * 1024;
/**
 * One read, one `output` frame. 64 KiB, as a piped step's frames are (Node's pipe reads): with
 * 256 KiB frames the controller took 10.7 CPU ms per MB of a 50 MB log against 6.3 with 64 KiB,
 * the same bytes, in interleaved pairs (32 KiB: no better; bench/README.md, "the log path").
 */
const READ_BYTES = 64 * 1024;
/** `meta.json`'s room for its second write: the process group and start time replace two nulls. */
const META_PAD = 48;
/** Finished execs' directories are removed in batches, off the steps' path. */
const REMOVAL_DELAY_MS = 50;
const REMOVAL_BATCH = 32;
const POLL_MS = 250;
const keyRe = new RegExp(DURABLE_KEY_PATTERN);
// The status is written by the shell itself (one small write; a reader takes it only once its
// newline is there): a rename would cost an `mv` process per step.
const WRAPPER = 'rc=$1; shift; "$@"; c=$?; printf "%s\\n" "$c" >> "$rc"; exit $c';

/** A node:fs callback call as a promise (node:fs/promises is not loaded in the agent: util/fs-async.ts). */
function fsCall<T = void>(f: (cb: (e: NodeJS.ErrnoException | null, v?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => f((e, v) => (e ? reject(e) : resolve(v as T))));
}

/**
 * Opens a spare's file, which is there and empty, without O_TRUNC. Why not O_TRUNC: ext4 (its
 * default auto_da_alloc) takes a truncation to size 0, even of an empty file, as "replace by
 * truncate" and starts the writeback of all the file's dirty pages at its last close. A 50 MB
 * step's `out` was written to disk (and the agent's close blocked, ~30-800 ms) just before it was
 * removed; its meta.json and `acked` cost a block write per step. Emptied only when not empty (a
 * file another hand wrote to), which a fresh spare never is.
 */
function openSpareFile(file: string, flags: number): number {
  const fd = openSync(file, flags | fsc.O_CREAT | fsc.O_NOFOLLOW, 0o600);
  try {
    if (fstatSync(fd).size > 0) ftruncateSync(fd, 0);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
}

/** Creates empty file `file` (`fresh`: a new one, O_EXCL), or empties the one there; on the thread pool. */
async function createEmpty(file: string, fresh: boolean): Promise<void> {
  const flags = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_NOFOLLOW | (fresh ? fsc.O_EXCL : fsc.O_TRUNC);
  const fd = await fsCall<number>((cb) => openCb(file, flags, 0o600, cb));
  await fsCall((cb) => closeCb(fd, cb));
}

/**
 * Removes a spare directory, or all of them (never an exec's). Best effort: another DurableExecs of the same
 * work directory (a test's "later process" in one process) may be making one meanwhile.
 */
function removeSpares(root: string): void {
  try {
    rmSync(root, { recursive: true, force: true, maxRetries: 2 });
  } catch {
    // what is left is removed by the next load or close
  }
}

/** A value quoted for /bin/sh: nothing in it is interpreted. */
function shQuote(v: string): string {
  return `'${v.replace(/'/g, `'\\''`)}'`;
}

/**
 * Whether `script` can sit inside `( ... \n)` and mean what it means alone: no `)` at its top
 * level that would close the subshell early, no here-document that would swallow what follows.
 * Conservative: quotes, escapes and comments are followed; anything unusual (an unbalanced
 * parenthesis, `<<`, a quote left open, a `case` pattern, a backquote, `$$`) says no, and the step
 * runs under the generic wrapper instead.
 */
export function foldable(script: string): boolean {
  // `$$` names the shell that runs the script; in the subshell it would name the recording one.
  if (script.includes('$$')) return false;
  let depth = 0;
  let word = true; // at the start of a token: a `#` there begins a comment
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (ch === '\\') {
      i++;
      word = false;
      continue;
    }
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      if (end < 0) return false;
      i = end;
      word = false;
      continue;
    }
    if (ch === '"') {
      let j = i + 1;
      for (; j < script.length && script[j] !== '"'; j++) {
        if (script[j] === '\\') j++;
        else if (script[j] === '`') return false;
      }
      if (j >= script.length) return false;
      i = j;
      word = false;
      continue;
    }
    if (ch === '#' && word) {
      const end = script.indexOf('\n', i);
      if (end < 0) return depth === 0;
      i = end;
      word = true;
      continue;
    }
    if (ch === '`') return false;
    if (ch === '<' && script[i + 1] === '<') return false;
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
    word = ' \t\n;&|()<>'.includes(ch);
  }
  return depth === 0;
}

/**
 * Whether the shell that runs `script` is still the one that exits at its end, with the EXIT
 * trap that wrapperArgv sets: the script sets no trap of its own (it would replace ours), `exec`s
 * no program (that would replace the shell; `exec` with redirections only, as sh.ts's
 * `exec 2>&1`, is fine), and runs no text this check cannot see (`eval`, `source`, `.`).
 * Conservative for scripts written plainly: the words anywhere (a comment, a string) say no, and
 * the subshell fold is used. One that hides the word (`t""rap`, `$cmd`) loses only its status
 * file: the agent that started it has the exit code; a later agent process takes it as killed.
 */
export function trapSafe(script: string): boolean {
  // `exec` followed only by redirections up to the end of its command.
  const rest = script.replace(/(^|[\s;&|(])exec(?:[ \t]+\d*(?:>>|>&|<&|<>|>\||>|<)[ \t]*[^\s;&|()<>`$'"\\]+)+[ \t]*(?=;|\n|$)/g, '$1');
  return !/(^|[^\w.-])(trap|exec|eval|source)(?![\w-])/.test(rest) && !/(^|[\n;&|({!`]|\b(?:then|do|else|elif|if|while|until)\b)[ \t]*\.[ \t]/.test(rest);
}

/**
 * The command that runs `argv` and then writes its exit status to `rc` (an absolute path). A
 * script step's own shell (`/bin/sh -e -c SCRIPT`, sh.ts) is folded into it, so that no second
 * /bin/sh is exec'd: best, the script runs in that very shell, whose EXIT trap writes the status
 * (no fork at all: the trap runs on every exit but by a signal, `set -e`'s included; its commands
 * are traced to /dev/null); when the script could take that trap away (trapSafe), in a subshell of
 * the shell that records its status (a fork); either way with the same `$0`, no positional
 * parameters, the same flags, line numbers and error messages. Anything else runs under the
 * generic wrapper.
 */
export function wrapperArgv(argv: readonly string[], rc: string): string[] {
  const [shell, flags, dashC, script, ...rest] = argv;
  if (shell === '/bin/sh' && (flags === '-e' || flags === '-xe') && dashC === '-c' && script !== undefined && rest.length === 0) {
    if (trapSafe(script)) {
      const record = `{ kiln_status=$?; command printf '%s\\n' "$kiln_status" >> ${shQuote(rc)} || :; exit "$kiln_status"; } 2>/dev/null`;
      return ['/bin/sh', '-c', `trap ${shQuote(record)} EXIT; set ${flags}; ${script}`, '/bin/sh'];
    }
    if (foldable(script)) return ['/bin/sh', '-c', `(set ${flags}; ${script}\n); c=$?; printf '%s\\n' "$c" >> ${shQuote(rc)}; exit $c`, '/bin/sh'];
  }
  return ['/bin/sh', '-c', WRAPPER, 'kiln-durable', rc, ...argv];
}

type Stream = 'stdout' | 'stderr';

export interface DurableStart {
  key: string;
  buildId: string;
  build: string;
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdin?: Buffer;
  /** The step captures its stdout (returnStdout): all of it may be asked for again (see canResendFrom). */
  keep?: 'stdout';
}

/** Where an attached exec's messages go (the session's link). */
export interface ExecSink {
  output(data: Buffer, stream: Stream, n: number): void;
  exited(r: { exitCode: number | null; signal: string | null; aborted: boolean; chunks: number }): void;
  /** The controller acknowledged `exited`: the exec is gone. */
  forgotten(): void;
}

interface Meta { v: 1; key: string; buildId: string; build: string; pgid: number | null; start: number | null; cookie: string; keep?: 'stdout' }

const hasProc = process.platform === 'linux';

function startOf(pid: number): number | null {
  if (!hasProc) return null;
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, fsc.O_RDONLY);
  } catch {
    return null;
  }
  try {
    // One read (no fstat: /proc files have no size); the line is far shorter than this.
    const buf = Buffer.allocUnsafe(4096);
    const n = readSync(fd, buf, 0, buf.length, null);
    return parseProcStat(buf.toString('latin1', 0, n))?.starttime ?? null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function carriesCookie(pid: number, cookie: string): boolean {
  if (!hasProc) return true;
  try {
    const env = readFileSync(`/proc/${pid}/environ`);
    return env.includes(Buffer.from(`\0${COOKIE_ENV}=${cookie}\0`)) || env.subarray(0, COOKIE_ENV.length + cookie.length + 2).equals(Buffer.from(`${COOKIE_ENV}=${cookie}\0`));
  } catch {
    return false;
  }
}

/** Reads a small regular file, never a link or a FIFO; null otherwise. */
function readSmall(file: string, max = 16 * 1024): string | null {
  let fd: number;
  try {
    fd = openSync(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > max) return null;
    const buf = Buffer.alloc(st.size);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8', 0, n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

const EMPTY = Buffer.alloc(0);
/** StreamState.read's buffer, shared by every exec (reads are synchronous). */
let scratch: Buffer | null = null;

class StreamState {
  readonly file: string;
  readonly stream: Stream;
  /** Sent on the current attachment; acknowledged by a controller. */
  sent = 0;
  acked = 0;
  /**
   * What the controller of the current attachment acknowledged (agent offsets): the read-ahead
   * window is counted from it. It is `acked` unless the stream is resent from below that (a kept
   * stdout, canResendFrom).
   */
  window = 0;
  /** The lowest offset a controller may ask for again: `acked`, or 0 for a kept stream (Meta.keep). */
  floor(keep: boolean): number {
    return keep ? 0 : this.acked;
  }
  /**
   * The file, open while the exec is attached: the descriptor the wrapper got (start) or one
   * opened on the first read (an exec handed back). Reads are preads on it, not an open each.
   */
  fd: number | null = null;
  constructor(file: string, stream: Stream) {
    this.file = file;
    this.stream = stream;
  }
  size(): number {
    try {
      return this.fd !== null ? fstatSync(this.fd).size : statSync(this.file).size;
    } catch {
      return 0;
    }
  }
  /**
   * Up to `max` bytes from `offset` (fewer: the end of what is written so far). Read into the
   * process's one scratch buffer (no allocation for a read that finds nothing new, as most pumps'
   * reads of a quiet stream do): a read that fills more than half of it takes the buffer along, a
   * shorter one is copied out.
   */
  read(offset: number, max: number): Buffer {
    if (this.fd === null) {
      try {
        this.fd = openSync(this.file, fsc.O_RDONLY | fsc.O_NOFOLLOW);
      } catch {
        return EMPTY; // not there yet
      }
    }
    if (scratch === null || scratch.length < max) scratch = Buffer.allocUnsafe(Math.max(max, READ_BYTES));
    const n = readSync(this.fd, scratch, 0, max, offset);
    if (n === 0) return EMPTY;
    if (n * 2 < scratch.length) return Buffer.from(scratch.subarray(0, n));
    const whole = scratch.subarray(0, n);
    scratch = null;
    return whole;
  }
  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
    this.fd = null;
  }
}

export class DurableExec {
  readonly key: string;
  readonly dir: string;
  readonly meta: Meta;
  readonly out: StreamState;
  readonly err: StreamState;
  exit: { code: number | null; signal: string | null } | null = null;
  #child: ChildProcess | null = null;
  #sink: ExecSink | null = null;
  #n = 0;
  /** `exited` went out on the current attachment. */
  #exitedSent = false;
  /** What to add to the controller's offsets in `execAck` on this attachment (see attach). */
  #shift = { stdout: 0, stderr: 0 };
  #aborted = false;
  /** An abort is killing the tree: the end is not reported before every process of it is gone. */
  #killing = false;
  #skipped = 0;
  #watcher: FSWatcher | null = null;
  #timer: NodeJS.Timeout | null = null;
  #gone = false;
  /** `acked`, open once it was first written by this process (rewritten in place: see #writeAcked). */
  #ackedFd: number | null = null;
  /** `meta.json` between its first write and its second (start only: see DurableExecs.start). */
  metaFd: number | null = null;
  /** Its first write's length in bytes. */
  metaBytes = 0;
  /** Started by this process (its files are known); else found in the directory (load). */
  readonly #fresh: boolean;
  /** Its directory was a spare (DurableExecs.start): every file of SPARE_FILES is there, empty. */
  readonly spare: boolean;
  #stdin = false;
  #ackedWritten = false;
  #pumpSoon = false;
  #attachedBefore = false;
  readonly #owner: DurableExecs;

  constructor(owner: DurableExecs, dir: string, meta: Meta, fresh = false, spare = false) {
    this.#owner = owner;
    this.spare = spare;
    this.dir = dir;
    this.key = meta.key;
    this.meta = meta;
    this.#fresh = fresh;
    this.out = new StreamState(path.join(dir, 'out'), 'stdout');
    this.err = new StreamState(path.join(dir, 'err'), 'stderr');
    if (fresh) return; // nothing acknowledged yet
    const acked = readSmall(path.join(dir, 'acked'));
    const m = acked ? /^(\d+) (\d+)\n?$/.exec(acked) : null;
    if (m) {
      this.out.acked = Math.min(Number(m[1]), this.out.size());
      this.err.acked = Math.min(Number(m[2]), this.err.size());
    }
  }

  get attached(): boolean {
    return this.#sink !== null;
  }

  /** Started by this process: its directory holds only the files files() names. */
  get fresh(): boolean {
    return this.#fresh;
  }

  /** What a hello says of it. */
  handback(): HandedBack {
    this.#checkExit();
    return {
      key: this.key, buildId: this.meta.buildId.slice(0, 1024),
      stdout: { bytes: Math.max(this.out.size(), this.out.acked), acked: this.out.acked },
      stderr: { bytes: Math.max(this.err.size(), this.err.acked), acked: this.err.acked },
      ...(this.exit ? { exit: { code: this.exit.code, signal: this.exit.signal?.slice(0, 32) ?? null } } : {}),
    };
  }

  /** Whether `s` is a stream kept whole until the end is acknowledged (the step captures it: Meta.keep). */
  #keeps(s: StreamState): boolean {
    return s.stream === 'stdout' && this.meta.keep === 'stdout';
  }

  /**
   * Whether a controller may resend from `from` (it took this exec over from the previous agent
   * process's session and counted what it got): within [acknowledged, produced] per stream.
   */
  canResendFrom(from: { stdout: number; stderr: number }): boolean {
    const ok = (s: StreamState, at: number) => at >= s.floor(this.#keeps(s)) && at <= s.size();
    return ok(this.out, from.stdout) && ok(this.err, from.stderr);
  }

  /**
   * Sends to `sink` from the acknowledged offsets on, or from `from` (canResendFrom): what the
   * controller got but has not acknowledged stays acknowledged-not, so that it is still here should
   * that controller die before its console has it on disk.
   */
  attach(sink: ExecSink, from?: { stdout: number; stderr: number }): void {
    this.#sink = sink;
    this.#n = 0;
    this.#exitedSent = false;
    const counted = { stdout: from?.stdout ?? this.out.acked, stderr: from?.stderr ?? this.err.acked };
    // Started by this process and never attached: nothing waited for a controller.
    const waited = !this.#fresh || this.#attachedBefore;
    this.#attachedBefore = true;
    for (const s of [this.out, this.err]) {
      const size = waited ? s.size() : 0;
      if (size - s.acked > MAX_BACKLOG_BYTES && !this.#keeps(s)) {
        this.#skipped += size - MAX_BACKLOG_BYTES - s.acked;
        s.acked = size - MAX_BACKLOG_BYTES;
      }
      s.sent = Math.max(s.floor(this.#keeps(s)), from?.[s.stream] ?? s.acked);
      s.window = s.sent;
    }
    let line: Buffer | null = null;
    if (this.#skipped > 0) {
      line = Buffer.from(`[kiln] ${this.#skipped} bytes of this step's output were dropped while the controller was away (more than ${MAX_BACKLOG_BYTES / 1048576} MiB waited)\n`);
      this.#skipped = 0;
    }
    // The controller counts what it gets from where it thinks the streams are (`counted`), the
    // line above included (as stderr): its acknowledgements are moved by this much to be offsets here.
    this.#shift = { stdout: this.out.sent - counted.stdout, stderr: this.err.sent - counted.stderr - (line?.length ?? 0) };
    if (line) sink.output(line, 'stderr', this.#n++);
    this.#watch();
    this.pump();
  }

  /** The session that carried it ended: output waits on disk for the next one. */
  detach(): void {
    this.#sink = null;
    this.#exitedSent = false;
    this.out.sent = this.out.window = this.out.acked;
    this.err.sent = this.err.window = this.err.acked;
    this.#closeFiles();
  }

  /**
   * The controller has the output safe up to these offsets (`execAck`); with `done`, the result
   * too. False when it acknowledges what was not sent on this attachment, or an end not sent.
   */
  ackTo(ackedOut: number, ackedErr: number, done: boolean): boolean {
    const stdout = ackedOut + this.#shift.stdout;
    const stderr = ackedErr + this.#shift.stderr;
    if (stdout > this.out.sent || stderr > this.err.sent || (done && !this.#exitedSent)) return false;
    if (done) {
      this.#forget(true); // the controller has the result: nothing left to hand back
      return true;
    }
    this.out.window = Math.max(this.out.window, stdout);
    this.err.window = Math.max(this.err.window, stderr);
    if (stdout <= this.out.acked && stderr <= this.err.acked) {
      this.pump(); // a kept stream resent below `acked` (canResendFrom): its window moved
      return true; // acknowledgements only move forward
    }
    this.out.acked = Math.max(this.out.acked, stdout);
    this.err.acked = Math.max(this.err.acked, stderr);
    this.#writeAcked();
    this.pump();
    return true;
  }

  /**
   * Records the acknowledged offsets in `acked`: by one pwrite at offset 0 on a descriptor opened
   * once per process, emptied then (a write(2) of a few bytes is whole or
   * not at all when the process dies). Both offsets only grow, so each text is at least as long as
   * the one it overwrites: nothing of the old one is left after it.
   */
  #writeAcked(): void {
    const text = `${this.out.acked} ${this.err.acked}\n`;
    try {
      this.#ackedWritten = true;
      // Started by this process: an empty spare's file or none (no O_TRUNC, see openSpareFile). Taken
      // over from an earlier process: emptied first, since what that one wrote may be longer (a
      // text it could not parse, offsets clamped to the files' sizes).
      const file = path.join(this.dir, 'acked');
      this.#ackedFd ??= !this.#fresh ? openSync(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_TRUNC | fsc.O_NOFOLLOW, 0o600)
        : this.spare ? openSpareFile(file, fsc.O_WRONLY) : openSync(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_NOFOLLOW, 0o600);
      writeSync(this.#ackedFd, text, 0, 'latin1');
    } catch {
      // the directory is gone (discarded): nothing to keep
    }
  }

  #closeFiles(): void {
    this.out.close();
    this.err.close();
    if (this.#ackedFd !== null) {
      try {
        closeSync(this.#ackedFd);
      } catch {
        // closed already
      }
      this.#ackedFd = null;
    }
  }

  /** The files of its directory, to be removed one by one (no directory listing, no recursion). */
  files(): string[] {
    if (!this.#fresh) return ['out', 'err', 'rc', 'meta.json', 'acked', 'stdin', 'meta.json.tmp'];
    if (this.spare) return [...SPARE_FILES, ...(this.#stdin ? ['stdin'] : [])];
    return ['out', 'err', 'rc', 'meta.json', ...(this.#ackedWritten ? ['acked'] : []), ...(this.#stdin ? ['stdin'] : [])];
  }

  /** Reads what is new (within the window) and sends it; sends `exited` once everything is out. */
  pump(): void {
    const sink = this.#sink;
    if (!sink || this.#gone || this.#exitedSent) return;
    this.#checkExit();
    // Known before the reads: reads that then reach the end of both files have sent everything.
    const ended = this.exit;
    for (const s of [this.out, this.err]) {
      for (;;) {
        const room = WINDOW_BYTES - (this.out.sent - this.out.window) - (this.err.sent - this.err.window);
        if (room <= 0) {
          this.#watchWhenCaughtUp(false); // the next read comes with an acknowledgement
          return;
        }
        const want = Math.min(room, READ_BYTES);
        const data = s.read(s.sent, want);
        if (data.length > 0) {
          s.sent += data.length;
          sink.output(data, s.stream, this.#n++);
        }
        if (data.length < want) break; // a short read of a regular file: its end, for now
      }
    }
    // Not while an abort still kills the tree: the wrapper's own exit comes first, and a build
    // reported ABORTED must have no process of its step left (a `cmd &` in the step).
    if (ended && !this.#killing) {
      this.#exitedSent = true;
      sink.exited({ exitCode: ended.code, signal: ended.signal, aborted: this.#aborted, chunks: this.#n });
      this.#unwatch();
      return;
    }
    this.#watchWhenCaughtUp(true); // at the end of both files: what is written next is told
  }

  /** Stops the process tree (abort): its end is reported as aborted. */
  async abort(graceMs: number): Promise<void> {
    this.#aborted = true;
    const pgid = this.#liveGroup();
    if (pgid !== null) {
      this.#killing = true;
      try {
        await killGroupTree(pgid, { graceMs });
      } finally {
        this.#killing = false;
      }
    }
    if (!this.#child) {
      this.#checkExit();
      if (!this.exit) this.exit = { code: null, signal: 'SIGTERM' };
    }
    this.pump();
  }

  /** Stops it and forgets it, sending nothing (its build is gone). */
  async discard(graceMs: number): Promise<void> {
    this.#sink = null;
    const pgid = this.#liveGroup();
    if (pgid !== null) await killGroupTree(pgid, { graceMs });
    this.#forget(false); // its directory is gone once it is said to be stopped
  }

  /** Spawns the wrapper (start only). */
  spawnWith(spec: DurableStart, stdinFile: string | null): void {
    // Read and write: the wrapper appends through its copy, the agent preads this one (StreamState.read).
    // A spare's files are there, empty (openSpareFile: nothing but this step's output in them, and no O_TRUNC).
    const flags = fsc.O_RDWR | fsc.O_APPEND;
    const open = (file: string) => (this.spare ? openSpareFile(file, flags) : openSync(file, flags | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600));
    const outFd = this.out.fd = open(this.out.file);
    const errFd = this.err.fd = open(this.err.file);
    this.#stdin = stdinFile !== null;
    const inFd = stdinFile ? openSync(stdinFile, 'r') : 'ignore';
    let child: ChildProcess;
    try {
      const [sh, ...args] = wrapperArgv(spec.argv, path.join(this.dir, 'rc'));
      child = spawn(sh!, args, {
        cwd: spec.cwd, env: { ...spec.env, [COOKIE_ENV]: this.meta.cookie }, stdio: [inFd, outFd, errFd], detached: true,
      });
    } catch (e) {
      this.#closeFiles();
      throw e;
    } finally {
      if (typeof inFd === 'number') closeSync(inFd);
    }
    this.#child = child;
    child.unref(); // an agent stopped with its durable steps kept (SIGTERM) exits while they run
    child.once('error', (e) => {
      if (this.exit) return;
      writeFileSync(path.join(this.dir, 'out'), `cannot run ${spec.argv[0]}: ${e.message}\n`, { flag: 'a' });
      this.exit = { code: 127, signal: null };
      this.pump();
    });
    child.once('exit', (code, signal) => {
      if (!this.exit) {
        // The wrapper exits with the status it wrote to `rc`: no need to read it back. Killed
        // (an abort): `rc` if it was written before, else the signal.
        if (code !== null) this.exit = this.#statusOf(code);
        else if (!this.#readStatus()) this.exit = { code: null, signal };
      }
      this.pump();
    });
    if (child.pid !== undefined) {
      this.meta.pgid = child.pid;
      this.meta.start = startOf(child.pid);
      this.#owner.writeMeta(this);
    }
  }

  #checkExit(): void {
    if (this.exit) return;
    if (this.#child) return; // its exit event says (the wrapper writes `rc` before it exits)
    if (this.#readStatus()) return;
    if (this.#liveGroup() === null && !this.#readStatus()) {
      // Gone without a whole status (the status is read again: it may have been written meanwhile):
      // killed along with its wrapper while no agent watched.
      this.exit = { code: null, signal: 'SIGKILL' };
    }
  }

  /** The wrapper's status file, once whole (its newline written): sets `exit`. */
  #readStatus(): boolean {
    const rc = readSmall(path.join(this.dir, 'rc'), 64);
    if (rc === null || !/^-?\d+\n$/.test(rc)) return false;
    this.exit = this.#statusOf(Number(rc.trim()));
    return true;
  }

  #statusOf(code: number): { code: number | null; signal: string | null } {
    return code > 128 && code < 160 && this.#aborted ? { code: null, signal: 'SIGTERM' } : { code, signal: null };
  }

  /** The wrapper's process group, when its leader is still the process this exec started. */
  #liveGroup(): number | null {
    const { pgid, start, cookie } = this.meta;
    if (pgid === null) return null;
    try {
      process.kill(-pgid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return null;
    }
    if (this.#child && this.#child.exitCode === null && this.#child.signalCode === null) return pgid;
    // Not our child: signalled only when the leader is still the one recorded (start time and cookie).
    if (!hasProc) return null;
    if (startOf(pgid) !== start || !carriesCookie(pgid, cookie)) return null;
    return pgid;
  }

  #watch(): void {
    if (this.#gone) return;
    if (this.#watcher === null) this.#startWatcher();
    if (this.#timer !== null) return;
    this.#timer = setInterval(() => this.pump(), POLL_MS);
    this.#timer.unref();
  }

  /**
   * The directory's watcher, only while the reads have caught up with the files (`caughtUp`): a
   * step printing faster than the controller takes its output keeps the read-ahead window full,
   * and then an acknowledgement, not a write, is what lets the next read go. Watched meanwhile,
   * every write of the step was an inotify event for the kernel to queue and this process to
   * take, 800-10,000 of them for a 50 MB step, each a wake-up and a pump that read nothing
   * (bench/README.md, "the log path"). Watched again once a pump finds the ends of both files, and
   * pumped once more then: what was written before the watcher was there is read by that pump.
   */
  #watchWhenCaughtUp(caughtUp: boolean): void {
    if (this.#timer === null) return; // not watching at all (detached, or the end went out)
    if (!caughtUp) {
      this.#watcher?.close();
      this.#watcher = null;
    } else if (this.#watcher === null && this.#startWatcher()) {
      this.#pumpSoonish();
    }
  }

  #pumpSoonish(): void {
    if (this.#pumpSoon) return;
    this.#pumpSoon = true;
    setImmediate(() => {
      this.#pumpSoon = false;
      this.pump();
    });
  }

  /** Starts the directory's watcher; false when it cannot (polled only). */
  #startWatcher(): boolean {
    try {
      // Events that come together (a shell's several small writes, `rc` created and written) make one pump.
      this.#watcher = watch(this.dir, () => this.#pumpSoonish());
      this.#watcher.on('error', () => {});
      this.#watcher.unref();
      return true;
    } catch {
      return false; // polled only
    }
  }

  #unwatch(): void {
    this.#watcher?.close();
    this.#watcher = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * Forgets the exec and removes its directory: at once (`later` false: a discard says it is gone
   * once stopped), or in the owner's next batch (the controller acknowledged the end: off the
   * step's path). The exec is forgotten now either way; a process that dies before the directory
   * is gone leaves one the next process hands back (with its exit), and the controller, whose row
   * is gone, has it discarded.
   */
  #forget(later: boolean): void {
    if (this.#gone) return;
    this.#gone = true;
    this.#unwatch();
    this.#closeFiles();
    if (this.metaFd !== null) {
      closeSync(this.metaFd);
      this.metaFd = null;
    }
    this.#sink?.forgotten();
    this.#sink = null;
    this.#owner.forget(this);
    this.#owner.remove(this, later);
  }
}

/**
 * Unlinks the known files, then removes the directory: synchronously (`now`), or by one call on
 * the thread pool (an rmdir is the slow part, ~0.5 ms on a busy ext4, where an unlink takes ~20 µs).
 */
function removeDir(r: { dir: string; files: string[] }, now: boolean): void {
  for (const f of r.files) {
    try {
      unlinkSync(path.join(r.dir, f));
    } catch {
      // not there
    }
  }
  // Something else in it (not ours): the whole tree, as before.
  const rest = (e: NodeJS.ErrnoException | null) => { if (e && e.code !== 'ENOENT') rmSync(r.dir, { recursive: true, force: true }); };
  if (!now) {
    rmdir(r.dir, rest);
    return;
  }
  try {
    rmdirSync(r.dir);
  } catch (e) {
    rest(e as NodeJS.ErrnoException);
  }
}

/** Every durable exec of one agent's work directory (see the header). */
export class DurableExecs {
  readonly root: string;
  readonly #execs = new Map<string, DurableExec>();
  readonly #log: LogLine;
  #rootMade = false;
  /** Directories of forgotten execs, removed together (see remove). */
  #removals: { dir: string; files: string[]; reuse: boolean }[] = [];
  #removalTimer: NodeJS.Timeout | null = null;
  /** Where spare control directories wait (SPARE_DIR), those ready, and how many are being made. */
  readonly #spareRoot: string;
  #spares: string[] = [];
  #sparesMaking = 0;
  #spareRootMade = false;
  #closed = false;

  constructor(workdir: string, log: LogLine = () => {}) {
    this.root = path.join(workdir, DURABLE_DIR);
    this.#spareRoot = path.join(workdir, SPARE_DIR);
    this.#log = log;
  }

  get(key: string): DurableExec | undefined {
    return this.#execs.get(key);
  }

  get size(): number {
    return this.#execs.size;
  }

  /** What earlier agent processes of this work directory left: they are taken over (handed back in the hello). */
  load(): void {
    // Spares an earlier process made are not execs (never renamed into .kiln-durable): gone.
    // New ones are made from the first start on (an agent that runs no step leaves none).
    removeSpares(this.#spareRoot);
    this.#spares = [];
    this.#spareRootMade = false;
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return;
    }
    for (const name of names) {
      const dir = path.join(this.root, name);
      const text = readSmall(path.join(dir, 'meta.json'));
      let meta: Meta | null = null;
      try {
        const j = text === null ? null : JSON.parse(text) as Partial<Meta>;
        if (j && j.key === name && keyRe.test(name) && typeof j.buildId === 'string' && typeof j.cookie === 'string' && /^[0-9a-f]{32}$/.test(j.cookie)) {
          meta = {
            v: 1, key: name, buildId: j.buildId.slice(0, 1024), build: typeof j.build === 'string' ? j.build.slice(0, 1100) : 'a build',
            pgid: Number.isSafeInteger(j.pgid) && j.pgid! > 0 ? j.pgid! : null, start: Number.isSafeInteger(j.start) ? j.start! : null, cookie: j.cookie,
            ...(j.keep === 'stdout' ? { keep: 'stdout' as const } : {}),
          };
        }
      } catch {
        meta = null;
      }
      if (!meta) {
        rmSync(dir, { recursive: true, force: true });
        continue;
      }
      const e = new DurableExec(this, dir, meta);
      this.#execs.set(name, e);
      this.#log(`found the step ${meta.build} started under an earlier agent process (${name}); it is handed back to the controller`);
    }
  }

  /** Starts a new durable exec; throws when the key is taken or the directory cannot be written. */
  start(spec: DurableStart): DurableExec {
    if (this.#execs.has(spec.key)) throw new Error(`a step with key ${spec.key} already runs on this agent`);
    const dir = path.join(this.root, spec.key);
    if (!this.#rootMade) mkdirSync(this.root, { recursive: true, mode: 0o700 });
    const spare = this.#takeSpare(dir);
    if (!spare) {
      try {
        mkdirSync(dir, { mode: 0o700 });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        mkdirSync(this.root, { recursive: true, mode: 0o700 }); // removed meanwhile
        mkdirSync(dir, { mode: 0o700 });
      }
    }
    this.#rootMade = true;
    this.#makeSpares();
    const meta: Meta = { v: 1, key: spec.key, buildId: spec.buildId, build: spec.build, pgid: null, start: null, cookie: randomBytes(16).toString('hex'), ...(spec.keep ? { keep: spec.keep } : {}) };
    const e = new DurableExec(this, dir, meta, true, spare);
    let stdinFile: string | null = null;
    try {
      this.#createMeta(e);
      if (spec.stdin !== undefined) {
        stdinFile = path.join(dir, 'stdin');
        writeFileSync(stdinFile, spec.stdin, { mode: 0o600 });
      }
      this.#execs.set(spec.key, e);
      e.spawnWith(spec, stdinFile);
    } catch (err) {
      this.#execs.delete(spec.key);
      if (e.metaFd !== null) closeSync(e.metaFd);
      e.metaFd = null;
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return e;
  }

  /**
   * The first `meta.json` (no process group yet), created in the new directory (O_EXCL: no
   * temporary file and rename) by one write, padded with spaces (JSON allows them) so that the
   * second (writeMeta) can overwrite it in place, as long as it, by one pwrite.
   */
  #createMeta(e: DurableExec): void {
    const text = JSON.stringify(e.meta) + ' '.repeat(META_PAD);
    // A spare's meta.json is there, empty.
    const file = path.join(e.dir, 'meta.json');
    e.metaFd = e.spare ? openSpareFile(file, fsc.O_WRONLY) : openSync(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
    e.metaBytes = writeSync(e.metaFd, text, 0, 'utf8');
  }

  /**
   * `meta.json` with the process group: one pwrite over the first, same length. A write(2) of a
   * regular file within one page is whole or not at all when the process is killed, so a later
   * process reads either record; beyond a page, or longer than the first, a temporary file and a
   * rename.
   */
  writeMeta(e: DurableExec): void {
    const json = JSON.stringify(e.meta);
    const fd = e.metaFd;
    e.metaFd = null;
    if (fd !== null) {
      try {
        const first = e.metaBytes;
        if (Buffer.byteLength(json) <= first && first <= 4096) {
          writeSync(fd, json.padEnd(first - (Buffer.byteLength(json) - json.length), ' '), 0, 'utf8');
          return;
        }
      } finally {
        closeSync(fd);
      }
    }
    const tmp = path.join(e.dir, 'meta.json.tmp');
    writeFileSync(tmp, json, { mode: 0o600 });
    renameSync(tmp, path.join(e.dir, 'meta.json'));
  }

  /**
   * Removes a forgotten exec's directory: its known files one by one and the directory (a few
   * unlinks on the event loop, the rmdir on the thread pool for a batch; no listing, no
   * recursion), at once or
   * with the next batch (REMOVAL_DELAY_MS after the first of a batch, or REMOVAL_BATCH of them).
   */
  remove(e: DurableExec, later: boolean): void {
    const r = { dir: e.dir, files: e.files(), reuse: e.fresh };
    if (!later) {
      removeDir(r, true);
      return;
    }
    this.#removals.push(r);
    if (this.#removals.length >= REMOVAL_BATCH) this.flushRemovals();
    else if (!this.#removalTimer) {
      this.#removalTimer = setTimeout(() => this.flushRemovals(), REMOVAL_DELAY_MS);
      this.#removalTimer.unref();
    }
  }

  /** Removes the directories waiting for their batch now. */
  flushRemovals(): void {
    if (this.#removalTimer) clearTimeout(this.#removalTimer);
    this.#removalTimer = null;
    const batch = this.#removals;
    this.#removals = [];
    for (const r of batch) {
      if (r.reuse && !this.#closed && this.#spares.length + this.#sparesMaking < SPARES_MAX) this.#recycle(r);
      else removeDir(r, false);
    }
  }

  /**
   * Spare directories. Creating a file or a directory is what a durable exec's start cost on
   * ext4 (0.3-0.6 ms each on the shared test machine: the mkdir, meta.json, out and err on the
   * step's path, `rc` by the shell at its end and `acked` at the first acknowledgement), where a
   * rename or an open of a file that is there costs ~20 µs. So, from its first start on, the agent keeps SPARES_AHEAD empty
   * control directories ready in SPARE_DIR (beside `.kiln-durable`, on the same file system),
   * made on the thread pool, off the steps' path; a start renames one to `.kiln-durable/<key>`
   * (one rename: from then on it is that exec's directory, as a mkdir made it before) and opens
   * its files as they are. A spare is never an exec's: a process that dies leaves them to the next
   * one's load, which removes them. With none ready (a burst of starts), the start makes its own.
   */
  /** The spare directories ready, the next one to be taken last. */
  get spares(): readonly string[] {
    return this.#spares;
  }

  #takeSpare(dir: string): boolean {
    const from = this.#spares.pop();
    if (from === undefined) return false;
    try {
      renameSync(from, dir);
      return true;
    } catch (err) {
      // Gone (another DurableExecs on this work directory loaded) or not renamed: made afresh.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.#spares = [];
      removeSpares(from);
      return false;
    }
  }

  #makeSpares(): void {
    while (!this.#closed && this.#spares.length + this.#sparesMaking < SPARES_AHEAD) {
      const d = path.join(this.#spareRoot, randomBytes(8).toString('hex'));
      this.#spareMade(d, this.#makeSpare(d));
    }
  }

  /** Counts `d` as being made until `making` says whether it is ready; then keeps it, or removes it. */
  #spareMade(d: string, making: Promise<boolean>): void {
    this.#sparesMaking++;
    void making.then((ok) => {
      this.#sparesMaking--;
      if (ok && !this.#closed && this.#spares.length < SPARES_MAX) this.#spares.push(d);
      else removeSpares(d);
    });
  }

  async #spareRootReady(): Promise<void> {
    if (this.#spareRootMade) return;
    await fsCall((cb) => mkdirCb(this.#spareRoot, { recursive: true, mode: 0o700 }, (e) => cb(e)));
    this.#spareRootMade = true;
  }

  /** Makes spare directory `d` with its empty files, on the thread pool; false when it could not. */
  async #makeSpare(d: string): Promise<boolean> {
    try {
      await this.#spareRootReady();
      await fsCall((cb) => mkdirCb(d, { mode: 0o700 }, (e) => cb(e)));
      await Promise.all(SPARE_FILES.map((f) => createEmpty(path.join(d, f), true)));
      return true;
    } catch {
      this.#spareRootMade = false; // removed meanwhile (a load), or not writable: tried again next time
      return false;
    }
  }

  /**
   * A finished exec's directory (its end acknowledged) becomes a spare again, on the thread pool:
   * renamed out of `.kiln-durable` first (from then on it is no exec's), then `out`, `err` and `rc`
   * are new files (a process the step left running, `cmd &`, may still hold the old ones: its
   * output must never reach another step), `meta.json` and `acked` (only the agent opens them,
   * and it closed them) emptied. This saves the directory's mkdir and rmdir and two files'
   * creation and removal per step; at most SPARES_MAX are kept, the rest removed as before.
   */
  #recycle(r: { dir: string; files: string[] }): void {
    const d = path.join(this.#spareRoot, randomBytes(8).toString('hex'));
    const fail = () => {
      this.#spareRootMade = false;
      removeDir(r, false);
      return false;
    };
    this.#spareMade(d, (async () => {
      try {
        await this.#spareRootReady();
        await fsCall((cb) => renameCb(r.dir, d, cb));
      } catch {
        return fail(); // where it was: removed as before
      }
      try {
        await Promise.all(r.files.filter((f) => f !== 'meta.json' && f !== 'acked').map((f) => fsCall((cb) => unlinkCb(path.join(d, f), cb)).catch(() => {})));
        await Promise.all(SPARE_FILES.map((f) => createEmpty(path.join(d, f), f !== 'meta.json' && f !== 'acked')));
        return true;
      } catch {
        return false; // removed
      }
    })());
  }

  /** The agent stops: finished execs' directories go now, and so do the spares. */
  close(): void {
    this.#closed = true;
    this.flushRemovals();
    this.#spares = [];
    removeSpares(this.#spareRoot);
  }

  /** The controller says the exec's build is gone or over: stop it and forget it. */
  async discard(key: string, graceMs: number): Promise<void> {
    const e = this.#execs.get(key);
    if (!e || e.attached) return;
    await e.discard(graceMs);
    this.#log(`stopped the step ${e.meta.build} (${key}): the controller says its build is gone or over`);
  }

  forget(e: DurableExec): void {
    if (this.#execs.get(e.key) === e) this.#execs.delete(e.key);
  }

  /** The hello's list. */
  handback(): HandedBack[] {
    return [...this.#execs.values()].slice(0, 1024).map((e) => e.handback());
  }

  detachAll(): void {
    for (const e of this.#execs.values()) e.detach();
  }
}
