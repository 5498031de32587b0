// What an agent process leaves running when it dies, and how the next one stops it.
//
// (Script steps on Unix agents are durable execs instead, durable.ts: not recorded here, never
// swept, handed back to the controller. What follows is for every other spawn.)
//
// Why: steps run in their own process groups (exec/local-workspace.ts), so an agent killed with SIGKILL
// (OOM killer, `kill -9`, a crash) leaves them running, orphaned: a deploy that keeps going
// after the controller reported its build as failed. The controller cannot reach them; only
// the agent's host can. So every spawn is recorded in the agent's work directory, and the
// next agent process started there stops what the records name before it says hello. The
// hello carries what it found (`leftovers`), so the controller can end the old session's
// builds saying what became of their processes.
//
// How:
//   - `ProcessRegistry.begin()` runs *before* the spawn: it writes
//     `<workdir>/.kiln-procs/<cookie>.json` (synchronously) naming this agent process (pid and
//     start time), the build and the command, and returns the cookie, which goes into the
//     step's environment as KILN_NODE_COOKIE (Jenkins' ProcessTreeKiller uses the same idea,
//     JENKINS_NODE_COOKIE). Right after the spawn, `spawned(pid)` adds the process group id and
//     the leader's start time (/proc/<pid>/stat). When the group is known to be empty (the
//     local backend's exec or release), `done()` removes the file.
//   - `sweepLeftovers()` (agent start) reads every record whose agent process is gone (a record
//     of a live agent — say the still-running `--stdio` agent of this work directory — is left
//     alone) and finds its processes in /proc, never by pid alone:
//       * the group, when its leader is alive with the recorded start time (so a recycled pid
//         is never signalled), with the descendants that left the group;
//       * any process whose environment carries the record's cookie (a member whose leader
//         died, a daemon that called setsid).
//     They get SIGTERM, then SIGKILL after a grace period, each signal aimed at a pid checked
//     against its start time. Records whose processes are all gone are removed; the others
//     stay (the next start tries again) and are reported as still running.
//
// The records are not trusted: a build's steps run as the agent's user and can write the work
// directory, so a step can plant or rewrite any record. What makes that harmless is that a
// record never designates a process by itself: a process is only signalled when its own
// environment (fixed when it was started, out of a later step's reach) carries the cookie of a
// record, or it belongs to the group (or is a descendant) of a leader that carries it. The
// cookie names the agent process that made it (`<random>-<pid>-<start time>`), and a cookie
// whose agent process still runs is left alone, whatever the record claims. So a planted
// record can name neither an unrelated process of the user (an SSH session, the agent's own
// parent: no cookie) nor another live agent's step (its cookie names a live agent). Records
// are read as small regular files only (a FIFO or a huge file planted there cannot hang the
// start), and their free text is cut to what the hello allows, without control characters.
//
// Linux only (/proc): elsewhere the registry is still written, and the sweep can only say what
// may still run.

// Builtins through process.getBuiltinModule, not ESM imports: see util/fs-async.ts.
const {
  closeSync, constants: fsc, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, readdirSync, rmSync, writeFileSync,
} = process.getBuiltinModule('node:fs');
import { readFile } from '../util/fs-async.ts';
import path from 'node:path';
import { listProcesses, parseProcStat, procInfo, type ProcInfo } from '../exec/process-tree.ts';
import { randomBytes } from './random.ts';
import type { BuildRef } from '../core/nodes.ts';
import type { SpawnRecord, SpawnRegistry } from '../exec/local-workspace.ts';

/** The environment variable that marks every process a step started on an agent. */
export const COOKIE_ENV = 'KILN_NODE_COOKIE';
/** Directory under the agent's work directory that holds the records. */
export const REGISTRY_DIR = '.kiln-procs';
/** A cookie: 128 random bits, then the pid and start time of the agent process that made it. */
const COOKIE_RE = /^[0-9a-f]{32}-([1-9][0-9]{0,9})-([0-9]{1,20})$/;
/** Largest record file read (records are a few hundred bytes). */
const MAX_RECORD_BYTES = 16 * 1024;

const hasProc = process.platform === 'linux';

interface Entry {
  v: 1;
  cookie: string;
  /** The agent process that spawned it, with its start time (clock ticks after boot). */
  agentPid: number;
  agentStart: number;
  /** "job #n" of the build. */
  build: string;
  /** The program run (argv[0]). */
  command: string;
  /** Process group id (the leader's pid) and the leader's start time; null until spawned. */
  pgid: number | null;
  start: number | null;
  since: string;
}

/** What the sweep found of one record, as the hello reports it. */
export interface Leftover {
  /** "job #n" of the build that started it. */
  build: string;
  command: string;
  /** Processes of it that were alive when the agent started. */
  found: number;
  /** Of those, how many are still alive after SIGTERM and SIGKILL (0 = all stopped). */
  running: number;
}

function selfStart(): number {
  if (!hasProc) return 0;
  try {
    return parseProcStat(readFileSync('/proc/self/stat', 'latin1'))?.starttime ?? 0;
  } catch {
    return 0;
  }
}

function startOf(pid: number): number | null {
  if (!hasProc) return null;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'))?.starttime ?? null;
  } catch {
    return null;
  }
}

/** Records the agent's spawns under `<workdir>/.kiln-procs/`. */
export class ProcessRegistry implements SpawnRegistry {
  readonly dir: string;
  readonly envName = COOKIE_ENV;
  readonly #agentPid = process.pid;
  readonly #agentStart = selfStart();

  constructor(workdir: string) {
    this.dir = path.join(workdir, REGISTRY_DIR);
  }

  begin(build: BuildRef, command: string): SpawnRecord {
    const cookie = `${randomBytes(16).toString('hex')}-${this.#agentPid}-${this.#agentStart}`;
    const file = path.join(this.dir, `${cookie}.json`);
    const entry: Entry = {
      v: 1, cookie, agentPid: this.#agentPid, agentStart: this.#agentStart,
      build: `${build.job} #${build.number}`.slice(0, 1100), command: path.basename(command).slice(0, 256),
      pgid: null, start: null, since: new Date().toISOString(),
    };
    const write = () => writeFileSync(file, JSON.stringify(entry), { mode: 0o600 });
    try {
      write();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw registryError(this.dir, e);
      try {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        write();
      } catch (e2) {
        throw registryError(this.dir, e2);
      }
    }
    let gone = false;
    return {
      cookie,
      spawned: (pid: number) => {
        if (gone) return;
        entry.pgid = pid;
        entry.start = startOf(pid);
        try {
          write();
        } catch {
          // The cookie record is there: the sweep still finds the processes by their environment.
        }
      },
      done: () => {
        if (gone) return;
        gone = true;
        rmSync(file, { force: true });
      },
    };
  }
}

function registryError(dir: string, e: unknown): Error {
  return new Error(`cannot record the step's process in ${dir} (${(e as Error).message}); the agent needs to write its work directory to stop what a crashed agent left running`);
}

export interface SweepOptions {
  /** Time between SIGTERM and SIGKILL. Default 1500 ms. */
  graceMs?: number;
  /** How long to wait for the processes to vanish after SIGKILL. Default 3000 ms. */
  afterKillMs?: number;
  log?: (line: string) => void;
}

/**
 * Stops what earlier agent processes of `workdir` left running (see the header) and returns
 * what it found, one item per record that still had processes.
 */
export async function sweepLeftovers(workdir: string, o: SweepOptions = {}): Promise<Leftover[]> {
  const dir = path.join(workdir, REGISTRY_DIR);
  let names: string[];
  try {
    if (!lstatSync(dir).isDirectory()) return []; // not followed: a link planted there leads elsewhere
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const entries: { file: string; e: Entry }[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    const text = readRecord(file);
    let e: Entry | null = text === null ? null : entryOf(text);
    if (e === null) {
      rmSync(file, { force: true }); // half-written by a dying agent (the cookie is its name), or not a record
      const cookie = n.slice(0, -'.json'.length);
      if (text === null || !COOKIE_RE.test(cookie)) continue;
      e = { v: 1, cookie, agentPid: 0, agentStart: 0, build: 'a build', command: 'a step', pgid: null, start: null, since: '' };
    }
    // The agent process that made the cookie, from the cookie (the record's own claim is not trusted).
    const [, pid, start] = COOKIE_RE.exec(e.cookie)!;
    const agentPid = Number(pid);
    if (agentPid === process.pid) continue; // this process's own (cannot be a leftover)
    const owner = await procInfo(agentPid);
    if (owner && owner.state !== 'Z' && (!hasProc || String(owner.starttime) === start)) continue; // its agent still runs
    entries.push({ file, e });
  }
  if (entries.length === 0) return [];
  if (!hasProc) {
    o.log?.(`${entries.length} step(s) recorded by an earlier agent process may still run; this system has no /proc to find them`);
    return entries.map(({ e }) => ({ build: e.build, command: e.command, found: 0, running: 0 }));
  }

  const out: Leftover[] = [];
  const targets = await findTargets(entries.map((x) => x.e));
  const found = new Map<string, number>();
  for (const [cookie, procs] of targets) found.set(cookie, procs.length);
  const alive = await stop(entries.map((x) => x.e), targets, o.graceMs ?? 1500, o.afterKillMs ?? 3000);
  for (const { file, e } of entries) {
    const f = found.get(e.cookie) ?? 0;
    const running = alive.get(e.cookie) ?? 0;
    if (running === 0) rmSync(file, { force: true });
    if (f > 0) out.push({ build: e.build, command: e.command, found: f, running });
  }
  for (const l of out) {
    o.log?.(l.running === 0
      ? `stopped ${l.found} process(es) of '${l.command}' (${l.build}) that an earlier agent process left running`
      : `could not stop ${l.running} of ${l.found} process(es) of '${l.command}' (${l.build}) that an earlier agent process left running`);
  }
  return out;
}

/** The text of a record: a small regular file, never followed as a link nor waited on (a FIFO); null otherwise. */
function readRecord(file: string): string | null {
  let fd: number;
  try {
    fd = openSync(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > MAX_RECORD_BYTES) return null;
    const buf = Buffer.alloc(MAX_RECORD_BYTES + 1);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return n > MAX_RECORD_BYTES ? null : buf.toString('utf8', 0, n);
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** A record's entry, its fields checked and its free text made fit for the hello; null when it is not one. */
function entryOf(text: string): Entry | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const r = raw as Record<string, unknown>;
  if (typeof r['cookie'] !== 'string' || !COOKIE_RE.test(r['cookie'])) return null;
  const int = (v: unknown) => (typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : null);
  const str = (v: unknown, max: number, dflt: string) => (typeof v === 'string' && v !== '' ? v.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, '?').slice(0, max) : dflt);
  const pgid = int(r['pgid']);
  const start = typeof r['start'] === 'number' && Number.isSafeInteger(r['start']) && r['start'] >= 0 ? r['start'] : null;
  return {
    v: 1, cookie: r['cookie'], agentPid: 0, agentStart: 0,
    build: str(r['build'], 1100, 'a build'), command: str(r['command'], 256, 'a step'),
    pgid: pgid !== null && start !== null ? pgid : null, start: pgid !== null ? start : null, since: '',
  };
}

/** Whether process `pid`'s environment (as it was started) carries KILN_NODE_COOKIE=`cookie`. */
async function carries(pid: number, cookie: string): Promise<boolean> {
  const v = await cookieIn(pid);
  return v === cookie;
}

/** The KILN_NODE_COOKIE value in process `pid`'s environment, or null. */
async function cookieIn(pid: number): Promise<string | null> {
  let env: Buffer;
  try {
    env = await readFile(`/proc/${pid}/environ`);
  } catch {
    return null;
  }
  const key = Buffer.from(`${COOKIE_ENV}=`);
  for (let at = env.indexOf(key); at >= 0; at = env.indexOf(key, at + 1)) {
    if (at !== 0 && env[at - 1] !== 0) continue;
    const end = env.indexOf(0, at);
    return env.subarray(at + key.length, end < 0 ? env.length : end).toString('latin1');
  }
  return null;
}

/** Processes of each record, by cookie (see the header for how identity is checked). */
async function findTargets(entries: Entry[]): Promise<Map<string, ProcInfo[]>> {
  const procs = (await listProcesses()).filter((p) => p.pid !== process.pid && p.state !== 'Z' && p.state !== 'X');
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    const l = children.get(p.ppid);
    if (l) l.push(p);
    else children.set(p.ppid, [p]);
  }
  const cookies = new Map(entries.map((e) => [e.cookie, e]));
  const out = new Map<string, ProcInfo[]>();
  const add = (cookie: string, p: ProcInfo) => {
    const l = out.get(cookie) ?? [];
    if (!l.some((x) => x.pid === p.pid)) l.push(p);
    out.set(cookie, l);
  };
  // By group, when the leader is the recorded process and carries the record's cookie (a record
  // alone never designates a process: a build can write one naming any pid and start time).
  for (const e of entries) {
    if (e.pgid === null || e.start === null) continue;
    const leader = byPid.get(e.pgid);
    if (!leader || leader.starttime !== e.start || !(await carries(leader.pid, e.cookie))) continue;
    const stack = procs.filter((p) => p.pgid === e.pgid);
    const seen = new Set<number>();
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (seen.has(p.pid)) continue;
      seen.add(p.pid);
      if (p.starttime < e.start) continue; // older than the step: not of it
      add(e.cookie, p);
      stack.push(...(children.get(p.pid) ?? []));
    }
  }
  // By cookie in the environment (readable for the agent's own user's processes).
  await Promise.all(procs.map(async (p) => {
    const value = await cookieIn(p.pid);
    if (value !== null && cookies.has(value)) add(value, p);
  }));
  return out;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`, to every target (checked by pid and start time); returns what still lives, by cookie. */
async function stop(entries: Entry[], targets: Map<string, ProcInfo[]>, graceMs: number, afterKillMs: number): Promise<Map<string, number>> {
  /** Signals (when `sig` is given) what of the targets still lives; returns how many. */
  const signal = async (sig: NodeJS.Signals | null): Promise<number> => {
    let alive = 0;
    for (const [cookie, list] of targets) {
      const still: ProcInfo[] = [];
      for (const p of list) {
        const now = await procInfo(p.pid);
        if (!now || now.starttime !== p.starttime || now.state === 'Z' || now.state === 'X') continue;
        still.push(p);
        if (sig !== null) {
          try {
            process.kill(p.pid, sig);
          } catch {
            // gone meanwhile, or not ours to signal (EPERM): counted as alive until it is gone
          }
        }
      }
      targets.set(cookie, still);
      alive += still.length;
    }
    return alive;
  };
  const rescan = async () => {
    // A process may fork while it handles SIGTERM: look again for the groups' new members.
    for (const [cookie, list] of await findTargets(entries)) {
      const known = targets.get(cookie) ?? [];
      for (const p of list) if (!known.some((k) => k.pid === p.pid && k.starttime === p.starttime)) known.push(p);
      targets.set(cookie, known);
    }
  };
  if ((await signal('SIGTERM')) > 0) {
    const termEnd = Date.now() + graceMs;
    while (Date.now() < termEnd && (await signal(null)) > 0) await sleep(50);
    await rescan();
    if ((await signal('SIGKILL')) > 0) {
      const killEnd = Date.now() + afterKillMs;
      while (Date.now() < killEnd) {
        await sleep(50);
        await rescan();
        if ((await signal('SIGKILL')) === 0) break;
      }
    }
  }
  const alive = new Map<string, number>();
  for (const [cookie, list] of targets) alive.set(cookie, list.length);
  return alive;
}
