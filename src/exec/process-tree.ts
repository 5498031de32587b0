// Finding and killing the processes a build started.
//
// A step's process leads its own process group (spawned with `detached: true`, i.e. setsid),
// and everything it forks stays in that group unless it asks to leave. Killing the group
// (`kill(-pgid)`) therefore reaches children, grandchildren and processes that "daemonize"
// by double-forking. On Linux, /proc also lets us reach descendants that left the group
// (setsid/setpgid) while their parent is still alive; a process that both leaves the group
// and loses its parent is out of reach (Jenkins finds those by an environment cookie).
//
// Zombies count as dead: where PID 1 does not reap orphans (some containers and micro-VMs)
// an orphaned, killed child stays a zombie forever, and `kill(pid, 0)` still succeeds on it.

import { readdir, readFile } from '../util/fs-async.ts';

export interface ProcInfo {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  /** One-letter state from /proc/<pid>/stat: R, S, D, Z, T, X, ... */
  state: string;
  /** Start time in clock ticks after boot: with the pid, identifies a process across pid reuse. */
  starttime: number;
}

const hasProc = process.platform === 'linux';

/** Parses the text of /proc/<pid>/stat; null when it is not in the expected shape. */
export function parseProcStat(text: string): ProcInfo | null {
  // "pid (comm) state ppid pgrp session ..."; comm may contain spaces and parentheses.
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const [state, ppid, pgid, sid] = rest;
  const starttime = rest[19];
  if (state === undefined || ppid === undefined || pgid === undefined || sid === undefined || starttime === undefined) return null;
  const info = { pid, ppid: Number(ppid), pgid: Number(pgid), sid: Number(sid), state, starttime: Number(starttime) };
  if (![info.pid, info.ppid, info.pgid, info.sid, info.starttime].every(Number.isInteger)) return null;
  return info;
}

/** Every process visible in /proc (Linux only; [] elsewhere). */
export async function listProcesses(): Promise<ProcInfo[]> {
  if (!hasProc) return [];
  let names: string[];
  try {
    names = await readdir('/proc');
  } catch {
    return [];
  }
  const infos = await Promise.all(names.filter((n) => /^\d+$/.test(n)).map(async (n) => {
    try {
      return parseProcStat(await readFile(`/proc/${n}/stat`, 'latin1'));
    } catch {
      return null; // exited meanwhile
    }
  }));
  return infos.filter((i): i is ProcInfo => i !== null);
}

function isDead(p: ProcInfo): boolean {
  return p.state === 'Z' || p.state === 'X' || p.state === 'x';
}

/** What /proc says of one process; null when it does not exist. Without /proc: a guess from kill(pid, 0). */
export async function procInfo(pid: number): Promise<ProcInfo | null> {
  if (hasProc) {
    try {
      return parseProcStat(await readFile(`/proc/${pid}/stat`, 'latin1'));
    } catch {
      return null;
    }
  }
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return { pid, ppid: 0, pgid: 0, sid: 0, state: 'R', starttime: 0 };
}

/** Whether a process exists and is not a zombie. */
export async function isProcessAlive(pid: number): Promise<boolean> {
  const info = await procInfo(pid);
  return info !== null && !isDead(info);
}

/**
 * Live members of process group `pgid` plus their live descendants that left the group.
 * Without /proc: [pgid] when the group still has a member, else [].
 */
export async function treeOfGroup(pgid: number): Promise<number[]> {
  return (await treeInfoOfGroup(pgid)).map((p) => p.pid);
}

async function treeInfoOfGroup(pgid: number): Promise<ProcInfo[]> {
  if (!hasProc) {
    try {
      process.kill(-pgid, 0);
      return [{ pid: pgid, ppid: 0, pgid, sid: 0, state: 'R', starttime: 0 }];
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM' ? [{ pid: pgid, ppid: 0, pgid, sid: 0, state: 'R', starttime: 0 }] : [];
    }
  }
  const procs = await listProcesses();
  const children = new Map<number, ProcInfo[]>();
  for (const p of procs) {
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const found = new Set<number>();
  const stack = procs.filter((p) => p.pgid === pgid);
  while (stack.length > 0) {
    const p = stack.pop()!;
    if (found.has(p.pid)) continue;
    found.add(p.pid);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return procs.filter((p) => found.has(p.pid) && !isDead(p));
}

/** Whether process group `pgid` still has a live (non-zombie) member. Cheap when it has none. */
export async function groupHasMembers(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  return (await treeOfGroup(pgid)).length > 0;
}

/** Sends `signal` to process group `pgid`; never throws. */
function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: nothing left in the group
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface KillTreeOptions {
  /** Time between SIGTERM and SIGKILL. */
  graceMs: number;
  /** How often to look whether the tree is gone. Default 25 ms. */
  pollMs?: number;
  /** How long to wait for the tree to vanish after SIGKILL before giving up. Default 1000 ms. */
  afterKillMs?: number;
}

/**
 * SIGTERM to the tree of group `pgid`, SIGKILL after `graceMs` if anything is left, and
 * resolves once nothing of it is alive (or `afterKillMs` after the SIGKILL: a process in
 * uninterruptible sleep can outlive its SIGKILL for a while). Returns whether it is gone.
 *
 * The tree is listed before the first signal: a descendant that left the group is found
 * through its parent, which the signal may kill (orphaning it). Every process seen once is
 * remembered (by pid and start time, so a recycled pid is never signalled) until it dies.
 */
export async function killGroupTree(pgid: number, opts: KillTreeOptions): Promise<boolean> {
  const poll = opts.pollMs ?? 25;
  /** pid → start time, of every process of the tree seen so far. */
  const known = new Map<number, number>();
  let phase: NodeJS.Signals = 'SIGTERM';

  /** Lists what is alive, remembers and signals (with the current phase) what is new. */
  const survey = async (signalAll: boolean): Promise<number> => {
    const tree = await treeInfoOfGroup(pgid);
    const fresh: ProcInfo[] = [];
    for (const p of tree) {
      if (known.get(p.pid) !== p.starttime) fresh.push(p);
      known.set(p.pid, p.starttime);
    }
    if (signalAll) signalGroup(pgid, phase);
    let alive = 0;
    for (const [pid, starttime] of known) {
      const info = await procInfo(pid);
      if (info === null || isDead(info) || (hasProc && info.starttime !== starttime)) {
        known.delete(pid);
        continue;
      }
      alive++;
      if (signalAll || fresh.some((f) => f.pid === pid)) {
        try {
          process.kill(pid, phase);
        } catch {
          // exited meanwhile
        }
      }
    }
    return alive;
  };

  const termDeadline = Date.now() + opts.graceMs;
  await survey(true);
  while (Date.now() < termDeadline) {
    await sleep(Math.min(poll, Math.max(0, termDeadline - Date.now())));
    if ((await survey(false)) === 0) return true;
  }
  phase = 'SIGKILL';
  await survey(true);
  const killDeadline = Date.now() + (opts.afterKillMs ?? 1000);
  for (;;) {
    await sleep(poll);
    if ((await survey(false)) === 0) return true;
    if (Date.now() >= killDeadline) return false;
  }
}
