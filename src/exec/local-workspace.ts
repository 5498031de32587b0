// The local backend: steps run as processes on this machine, in a directory per job. It lives in
// src/exec because `kiln run`, the controller's own executors and every agent run steps with it.
//
// Workspaces are named like Jenkins names them: `<root>/<job>` ('/' in folder names becomes
// '_'), and when that directory is already held by a live workspace (two builds of the same
// job at once, or two `node` blocks of one build), `<job>@2`, `<job>@3`, ...
//
// Every process runs without a shell in its own process group (detached: setsid), so that
// an abort or release kills its whole tree: SIGTERM, then SIGKILL after a grace period.
// exec resolves when the process it started exits, not when its output pipes close: a
// background child (`sleep 100 &`) that inherited stdout would otherwise hang the build.
// After the exit the pipes get a short drain; leftovers of the group are killed on release.
//
// A process's environment is the one the pipeline gives it over an allow-listed part of this
// process's own (host-env.ts: PATH, HOME, USER, locale...): never the controller's or the
// agent's secrets (KILN_ADMIN_TOKEN, KILN_SECRET, ...).
// With a `registry` (the agent gives one: agent/leftovers.ts), every spawn is recorded before
// it happens and forgotten once its group is empty, so the next agent process can stop what a
// crashed one left running; its cookie goes into the process's environment.

// Builtins through process.getBuiltinModule, not ESM imports: see util/fs-async.ts.
const { spawn } = process.getBuiltinModule('node:child_process');
import type { ChildProcess } from 'node:child_process';
import * as fsp from '../util/fs-async.ts';
const { constants: fsc } = process.getBuiltinModule('node:fs');
import * as path from 'node:path';
import { compileAntPatterns } from '../util/antglob.ts';
import type { AntMatcher, AntPatternOptions } from '../util/antglob.ts';
import { groupHasMembers, killGroupTree } from './process-tree.ts';
import { fileReader, writeChunksTo } from '../util/files-stream.ts';
import { WorkspaceError, workspaceDirName, type ExecResult, type ExecSpec, type FileReader, type FileStat, type OutputStream, type Workspace } from '../core/workspace.ts';
import type { Backend, BuildRef, WorkspaceRequest } from '../core/nodes.ts';
import { hostEnvForBuilds } from './host-env.ts';

/** One recorded spawn (see SpawnRegistry). */
export interface SpawnRecord {
  /** Goes into the process's environment (SpawnRegistry.envName). */
  readonly cookie: string;
  /** The process was started: its pid leads its process group. */
  spawned(pid: number): void;
  /** Nothing of the group is alive any more (or it never started). */
  done(): void;
}

/** Where spawns are recorded before they happen, so a later process can find what this one left. */
export interface SpawnRegistry {
  readonly envName: string;
  /** Called synchronously just before the spawn; throws when it cannot record (the step fails). */
  begin(build: BuildRef, command: string): SpawnRecord;
}

export interface LocalBackendOptions {
  /** Directory that holds the workspaces. Default `<cwd>/.kiln/workspace`. */
  root?: string;
  /** NODE_NAME of this machine. Default 'local'. */
  nodeName?: string;
  /** Labels of this node; the node name is always one of them, as in Jenkins. */
  labels?: string[];
  /** Time between SIGTERM and SIGKILL when killing a process tree. Default 1500 ms. */
  killGraceMs?: number;
  /** How long exec waits for output pipes to close after the process exited. Default 100 ms. */
  drainMs?: number;
  /**
   * The host variables every process gets under the pipeline's environment. Default: the
   * allow-listed part of this process's environment (host-env.ts); never the whole of it.
   */
  hostEnv?: Record<string, string>;
  /**
   * Paths `remove` never deletes (`kiln run` keeps its run history, .kiln/runs, when the
   * workspace is the project directory): removing one of them, or anything inside one, does
   * nothing; removing a directory that holds one removes everything else in it.
   */
  keep?: string[];
  /** Records every spawn (agents: so the next agent process can stop what this one left). */
  registry?: SpawnRegistry;
  /** Workspaces state `hostEnv` as their node's environment (`nodeEnv`: an agent's, which builds see as Jenkins' node env). */
  reportEnv?: boolean;
}

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

// A job's directory name: core/workspace.ts (the ws step allocates it too).
export { workspaceDirName } from '../core/workspace.ts';

export class LocalBackend implements Backend {
  readonly kind = 'local';
  readonly root: string;
  readonly nodeName: string;
  readonly labels: string[];
  readonly killGraceMs: number;
  readonly drainMs: number;
  readonly hostEnv: Readonly<Record<string, string>>;
  readonly keep: readonly string[];
  readonly registry: SpawnRegistry | null;
  readonly reportEnv: boolean;
  /** Live workspaces by their root path. */
  readonly #live = new Map<string, LocalWorkspace>();

  constructor(options: LocalBackendOptions = {}) {
    this.root = path.resolve(options.root ?? path.join(process.cwd(), '.kiln', 'workspace'));
    this.nodeName = options.nodeName ?? 'local';
    const labels = options.labels ?? [];
    this.labels = labels.includes(this.nodeName) ? [...labels] : [this.nodeName, ...labels];
    this.killGraceMs = options.killGraceMs ?? 1500;
    this.drainMs = options.drainMs ?? 100;
    this.hostEnv = { ...(options.hostEnv ?? hostEnvForBuilds(process.env)) };
    this.keep = (options.keep ?? []).map((k) => path.resolve(k));
    this.registry = options.registry ?? null;
    this.reportEnv = options.reportEnv ?? false;
  }

  async allocate(req: WorkspaceRequest): Promise<Workspace> {
    const base = req.path !== undefined
      ? path.resolve(this.root, req.path)
      : path.join(this.root, workspaceDirName(req.build.job));
    let dir = base;
    for (let n = 2; this.#live.has(dir); n++) dir = `${base}@${n}`;
    const ws = new LocalWorkspace(this, dir, req.build, () => {
      if (this.#live.get(dir) === ws) this.#live.delete(dir);
    });
    this.#live.set(dir, ws); // before any await: concurrent allocations see it
    try {
      await fsp.mkdir(dir, { recursive: true });
    } catch (e) {
      this.#live.delete(dir);
      throw new WorkspaceError('io', `cannot create workspace ${dir} for ${req.build.job} #${req.build.number}: ${errText(e)}`);
    }
    return ws;
  }

  /** Root paths of the workspaces currently allocated. */
  liveWorkspaces(): string[] {
    return [...this.#live.keys()];
  }

  async close(): Promise<void> {
    await Promise.all([...this.#live.values()].map((ws) => ws.release()));
  }
}

export class LocalWorkspace implements Workspace {
  readonly root: string;
  readonly tmp: string;
  readonly nodeName: string;
  readonly nodeLabels: string[];
  readonly hasContainers = false;
  readonly isUnix = process.platform !== 'win32';
  readonly isLocal = true;
  readonly nodeEnv?: Readonly<Record<string, string>>;
  readonly #backend: LocalBackend;
  readonly #onRelease: () => void;
  readonly #build: BuildRef;
  /** Process groups started here that may still have members, with their registry records. */
  readonly #groups = new Map<number, SpawnRecord | null>();
  #released = false;

  constructor(backend: LocalBackend, root: string, build: BuildRef, onRelease: () => void) {
    this.#backend = backend;
    if (backend.reportEnv) this.nodeEnv = backend.hostEnv;
    this.#build = build;
    this.root = root;
    this.tmp = `${root}@tmp`;
    this.nodeName = backend.nodeName;
    this.nodeLabels = [...backend.labels];
    this.#onRelease = onRelease;
  }

  /**
   * The `ws` step's other workspace on this node: inside the backend's workspace directory only
   * (after symbolic links), never that directory itself; `@2`... as allocate does.
   */
  async allocateAt(p: string): Promise<Workspace> {
    const root = this.#backend.root;
    const abs = path.resolve(root, p);
    const refuse = (why: string) => new WorkspaceError('outside', `workspace ${abs} ${why}: workspaces on node '${this.nodeName}' must lie inside ${root}`);
    if (!within(abs, root) || abs === root) throw refuse('is outside the node\'s workspace directory');
    let existing = abs;
    while (existing !== root && !(await fsp.lstat(existing).then(() => true, () => false))) existing = path.dirname(existing);
    const [real, realRoot] = await Promise.all([fsp.realpath(existing).catch(() => existing), fsp.realpath(root).catch(() => root)]);
    if (!within(real, realRoot) || (real === realRoot && existing !== root)) throw refuse(`leads out through a symbolic link (${existing} is ${real})`);
    return this.#backend.allocate({ build: this.#build, path: abs });
  }

  /** Absolute, normalized `p` if it lies inside the workspace, else WorkspaceError('outside'). */
  #inside(p: string, what = 'path'): string {
    if (typeof p !== 'string' || !path.isAbsolute(p)) {
      throw new WorkspaceError('outside', `${what} '${String(p)}' is not absolute (workspace ${this.root})`);
    }
    const abs = path.resolve(p);
    if (!within(abs, this.root) && !within(abs, this.tmp)) {
      throw new WorkspaceError('outside', `${what} ${p} is outside the workspace ${this.root}`);
    }
    return abs;
  }

  /** Refuses `abs` when its real location, after symbolic links, leaves the workspace. */
  async #realInside(abs: string): Promise<void> {
    let real: string;
    try {
      real = await fsp.realpath(abs);
    } catch {
      return; // missing: the operation itself reports it
    }
    const [realRoot, realTmp] = await Promise.all([
      fsp.realpath(this.root).catch(() => this.root),
      fsp.realpath(this.tmp).catch(() => this.tmp),
    ]);
    if (!within(real, realRoot) && !within(real, realTmp)) {
      throw new WorkspaceError('outside', `${abs} leads to ${real}, outside the workspace ${this.root} (through a symbolic link)`);
    }
  }

  /**
   * Refuses `abs` when the directory it would be created in leads out of the workspace through
   * a symbolic link (checked at the deepest part of the path that exists), or when `abs` itself
   * is a link that leads out: writes, directories and removals never land outside.
   */
  async #realParentInside(abs: string): Promise<void> {
    await this.#realInside(abs);
    const link = await fsp.lstat(abs).then((st) => st.isSymbolicLink(), () => false);
    if (link && !(await fsp.stat(abs).then(() => true, () => false))) {
      // A dangling link: writing would create its target, wherever that is.
      const target = await fsp.readlink(abs).catch(() => '?');
      throw new WorkspaceError('outside', `${abs} is a symbolic link to ${target}, which does not exist; refusing to write through it (remove the link first)`);
    }
    // Up from the parent, within the workspace (or @tmp), to the first part that exists.
    for (let dir = path.dirname(abs); within(dir, this.root) || within(dir, this.tmp); dir = path.dirname(dir)) {
      if (await fsp.lstat(dir).then(() => true, () => false)) {
        await this.#realInside(dir);
        return;
      }
    }
  }

  async exec(spec: ExecSpec): Promise<ExecResult> {
    if (this.#released) throw new Error(`workspace ${this.root} was released; cannot run ${JSON.stringify(spec.argv[0])}`);
    const program = spec.argv[0];
    if (program === undefined || program === '') throw new Error(`nothing to run: empty command (in ${spec.cwd})`);
    const cwd = this.#inside(spec.cwd, 'working directory');
    try {
      const st = await fsp.stat(cwd);
      if (!st.isDirectory()) throw new Error(`cannot run program '${program}': working directory ${cwd} is not a directory`);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) {
        throw new Error(`cannot run program '${program}': working directory ${cwd} does not exist`);
      }
      throw e;
    }
    if (spec.signal?.aborted) return { exitCode: null, signal: null, aborted: true };

    const env = { ...this.#backend.hostEnv, ...spec.env };
    if (env['PATH'] === undefined) env['PATH'] = DEFAULT_PATH;

    // Recorded before the spawn: an agent killed right after it still leaves a trace.
    const record = this.#backend.registry?.begin(this.#build, program) ?? null;
    if (record) env[this.#backend.registry!.envName] = record.cookie;
    let child: ChildProcess;
    try {
      child = spawn(program, spec.argv.slice(1), {
        cwd,
        env,
        stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
        detached: true,
        windowsHide: true,
      });
    } catch (e) {
      record?.done();
      throw new Error(`cannot run program '${program}' in ${cwd}: ${errText(e)}`);
    }
    if (child.pid !== undefined) record?.spawned(child.pid);
    else record?.done();
    return this.#supervise(child, spec, program, cwd, child.pid !== undefined ? record : null);
  }

  #forget(pgid: number): void {
    this.#groups.get(pgid)?.done();
    this.#groups.delete(pgid);
  }

  #supervise(child: ChildProcess, spec: ExecSpec, program: string, cwd: string, record: SpawnRecord | null): Promise<ExecResult> {
    const { killGraceMs, drainMs } = this.#backend;
    return new Promise<ExecResult>((resolve, reject) => {
      const pgid = child.pid;
      let sinkError: unknown;
      let exited = false;
      let aborted = false;
      let killing: Promise<boolean> | undefined;
      let stopDrain: (() => void) | undefined;

      const emit = (stream: OutputStream) => (chunk: Buffer) => {
        if (sinkError !== undefined) return;
        try {
          spec.onOutput(chunk, stream);
        } catch (e) {
          sinkError = e;
        }
      };
      child.stdout!.on('data', emit('stdout'));
      child.stderr!.on('data', emit('stderr'));
      child.stdout!.on('error', () => {});
      child.stderr!.on('error', () => {});

      if (child.stdin) {
        child.stdin.on('error', () => {}); // EPIPE when the program does not read its input
        child.stdin.end(spec.stdin);
      }

      const onAbort = () => {
        if (exited) {
          stopDrain?.();
          return;
        }
        if (aborted || pgid === undefined) return;
        aborted = true;
        killing = killGroupTree(pgid, { graceMs: killGraceMs });
      };
      if (pgid !== undefined) {
        this.#groups.set(pgid, record);
        spec.signal?.addEventListener('abort', onAbort, { once: true });
      }

      child.once('error', (err) => {
        // Only a failed spawn (no pid) is reported this way: kiln never kill()s or send()s via `child`.
        if (exited || pgid !== undefined) return;
        exited = true;
        spec.signal?.removeEventListener('abort', onAbort);
        if (pgid !== undefined) this.#forget(pgid);
        child.stdout?.destroy();
        child.stderr?.destroy();
        reject(new Error(`cannot run program '${program}' in ${cwd}: ${spawnErrorText(err)}`));
      });

      child.once('exit', (code, signal) => {
        if (exited) return;
        exited = true;
        void (async () => {
          await drainPipes(child, drainMs, (stop) => { stopDrain = stop; });
          spec.signal?.removeEventListener('abort', onAbort);
          if (killing) await killing; // an abort resolves once the whole tree is dead
          if (pgid !== undefined && !(await groupHasMembers(pgid))) this.#forget(pgid);
          if (sinkError !== undefined) reject(sinkError);
          else resolve({ exitCode: code, signal, aborted });
        })().catch(reject);
      });
    });
  }

  /**
   * Where an opened file really is (Linux: /proc/self/fd), refused when outside the workspace.
   * The check is on the file actually opened, so a link swapped in between a check by path and
   * the open (a process in the workspace racing the step) cannot redirect the read or write.
   */
  async #openedInside(fh: fsp.FileHandle, abs: string): Promise<string | null> {
    if (process.platform !== 'linux') return null;
    let real: string;
    try {
      real = await fsp.readlink(`/proc/self/fd/${fh.fd}`);
    } catch {
      return null;
    }
    const [realRoot, realTmp] = await Promise.all([
      fsp.realpath(this.root).catch(() => this.root),
      fsp.realpath(this.tmp).catch(() => this.tmp),
    ]);
    if (!within(real, realRoot) && !within(real, realTmp)) {
      throw new WorkspaceError('outside', `${abs} leads to ${real}, outside the workspace ${this.root} (through a symbolic link)`);
    }
    return real;
  }

  async readFile(p: string): Promise<Buffer> {
    const { fh, abs } = await this.#openToRead(p);
    try {
      return await fh.readFile();
    } catch (e) {
      throw fsError('read', abs, e);
    } finally {
      await fh.close().catch(() => {});
    }
  }

  async openRead(p: string): Promise<FileReader> {
    const { fh, abs } = await this.#openToRead(p);
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      return fileReader(fh, st.size, (e) => fsError('read', abs, e));
    } catch (e) {
      await fh.close().catch(() => {});
      throw fsError('read', abs, e);
    }
  }

  /** Opens `p` for reading, checked inside the workspace both as a path and as the file opened. */
  async #openToRead(p: string): Promise<{ fh: fsp.FileHandle; abs: string }> {
    const abs = this.#inside(p);
    await this.#realInside(abs);
    let fh: fsp.FileHandle;
    try {
      fh = await fsp.open(abs, 'r');
    } catch (e) {
      throw fsError('read', abs, e);
    }
    try {
      await this.#openedInside(fh, abs);
    } catch (e) {
      await fh.close().catch(() => {});
      throw fsError('read', abs, e);
    }
    return { fh, abs };
  }

  async writeFile(p: string, data: Buffer | string, mode?: number): Promise<void> {
    const abs = this.#inside(p);
    await this.#realParentInside(abs);
    let fh: fsp.FileHandle | null = null;
    try {
      fh = await this.#openForWrite(abs, mode);
      await fh.truncate(0);
      await fh.writeFile(data);
      if (mode !== undefined) await fh.chmod(mode); // the file may have existed; umask
    } catch (e) {
      throw fsError('write', abs, e);
    } finally {
      await fh?.close().catch(() => {});
    }
  }

  async writeFrom(p: string, chunks: AsyncIterable<Buffer>, mode?: number): Promise<void> {
    const abs = this.#inside(p);
    await this.#realParentInside(abs);
    let fh: fsp.FileHandle | null = null;
    let real: string | null = null;
    try {
      fh = await this.#openForWrite(abs, mode);
      real = process.platform === 'linux' ? await fsp.readlink(`/proc/self/fd/${fh.fd}`).catch(() => null) : abs;
      await fh.truncate(0);
      await writeChunksTo(fh, chunks);
      if (mode !== undefined) await fh.chmod(mode);
    } catch (e) {
      // No partial file: what was opened (and checked inside) is removed.
      await fh?.close().catch(() => {});
      fh = null;
      if (real) await fsp.unlink(real).catch(() => {});
      throw fsError('write', abs, e);
    } finally {
      await fh?.close().catch(() => {});
    }
  }

  /**
   * Opens `abs` for writing (created when absent), its directory made as needed. The last part
   * is opened without following a link (a link that stays inside is followed explicitly,
   * once); the parents are checked on the opened file.
   */
  async #openForWrite(abs: string, mode: number | undefined): Promise<fsp.FileHandle> {
    await fsp.mkdir(path.dirname(abs), { recursive: true });
    let target = abs;
    let created = false;
    let fh: fsp.FileHandle;
    for (let hop = 0; ; hop++) {
      try {
        fh = await fsp.open(target, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, mode ?? 0o666);
        created = true;
        break;
      } catch (e) {
        if (!isErrno(e, 'EEXIST')) throw e;
      }
      try {
        fh = await fsp.open(target, fsc.O_WRONLY | fsc.O_NOFOLLOW);
        break;
      } catch (e) {
        if (!isErrno(e, 'ELOOP') || hop > 0) throw e;
        target = await fsp.realpath(target); // a link: where it leads, if that stays inside
        await this.#realInside(abs);
      }
    }
    try {
      await this.#openedInside(fh, abs);
    } catch (e) {
      const real = await fsp.readlink(`/proc/self/fd/${fh.fd}`).catch(() => null);
      await fh.close().catch(() => {});
      if (created && real) await fsp.unlink(real).catch(() => {});
      throw e;
    }
    return fh;
  }

  async stat(p: string): Promise<FileStat | null> {
    const abs = this.#inside(p);
    try {
      const st = await fsp.lstat(abs);
      const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : 'other';
      return { type, size: st.size, mode: st.mode & 0o7777, mtimeMs: Math.max(0, Math.floor(st.mtimeMs)) };
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return null;
      throw fsError('stat', abs, e);
    }
  }

  async mkdir(p: string): Promise<void> {
    const abs = this.#inside(p);
    await this.#realParentInside(abs);
    try {
      await fsp.mkdir(abs, { recursive: true });
    } catch (e) {
      throw fsError('create directory', abs, e);
    }
  }

  async remove(p: string): Promise<void> {
    const abs = this.#inside(p);
    const keep = this.#backend.keep;
    if (keep.some((k) => within(abs, k))) return; // kept, or inside what is kept
    if (keep.some((k) => within(k, abs))) {
      // Holds something kept: everything else goes. A link or file on the way is left as it is.
      const st = await fsp.lstat(abs).catch(() => null);
      if (!st?.isDirectory()) return;
      await this.#realInside(abs);
      for (const name of await fsp.readdir(abs).catch((e: unknown) => { throw fsError('remove', abs, e); })) await this.remove(path.join(abs, name));
      return;
    }
    // The path's parents must not lead out; `abs` itself may be a link (rm removes the link).
    const top = abs === this.root || abs === this.tmp;
    if (!top) await this.#realInside(path.dirname(abs));
    // Linux: remove by way of the parent directory as opened and checked (/proc/self/fd/N/name),
    // so a parent swapped for a link out after the check cannot aim the removal elsewhere.
    let parent: fsp.FileHandle | null = null;
    let target = abs;
    if (!top && process.platform === 'linux') {
      try {
        parent = await fsp.open(path.dirname(abs), fsc.O_RDONLY | fsc.O_DIRECTORY);
      } catch (e) {
        if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return; // nothing there to remove
        throw fsError('remove', abs, e);
      }
    }
    try {
      if (parent) {
        await this.#openedInside(parent, path.dirname(abs));
        target = `/proc/self/fd/${parent.fd}/${path.basename(abs)}`;
      }
      try {
        await fsp.rm(target, { recursive: true, force: true, maxRetries: 2 });
      } catch (e) {
        if (!isErrno(e, 'EACCES') && !isErrno(e, 'EPERM')) throw fsError('remove', abs, e);
        // Read-only directories (Go module caches, chmod -w in a build): make writable, retry.
        try {
          await makeTreeWritable(target);
          await fsp.rm(target, { recursive: true, force: true, maxRetries: 2 });
        } catch (e2) {
          throw fsError('remove', abs, e2);
        }
      }
    } catch (e) {
      throw fsError('remove', abs, e);
    } finally {
      await parent?.close().catch(() => {});
    }
  }

  /**
   * `includes`/`excludes` are Ant pattern lists (see util/antglob.ts); Ant's default
   * excludes apply unless `options.defaultExcludes` is false. Directory symlinks are not
   * followed; symlinks (to files, directories or nothing) are reported when they match.
   * A missing `dir` yields [].
   */
  async glob(dir: string, includes: string, excludes?: string, options?: AntPatternOptions): Promise<string[]> {
    const base = this.#inside(dir);
    const matcher = compileAntPatterns(includes, excludes, options);
    // The walk follows no symlink below `dir`, but `dir` itself may be (or pass through)
    // one: refuse when its real location is outside the workspace's.
    let real: string;
    try {
      real = await fsp.realpath(base);
    } catch (e) {
      if (isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR')) return [];
      throw fsError('list', base, e);
    }
    const realRoot = await fsp.realpath(this.root).catch(() => this.root);
    const realTmp = await fsp.realpath(this.tmp).catch(() => this.tmp);
    if (!within(real, realRoot) && !within(real, realTmp)) {
      throw new WorkspaceError('outside', `${dir} leads to ${real}, outside the workspace ${this.root} (through a symbolic link)`);
    }
    const found: string[] = [];
    await walk(base, '', matcher, found, new Semaphore(16));
    return found.sort();
  }

  async release(): Promise<void> {
    if (!this.#released) {
      this.#released = true;
      this.#onRelease();
    }
    const groups = [...this.#groups.keys()];
    await Promise.all(groups.map(async (pgid) => {
      // A group that would not die stays recorded: the next agent process tries again.
      if (await killGroupTree(pgid, { graceMs: this.#backend.killGraceMs })) this.#forget(pgid);
      else this.#groups.delete(pgid);
    }));
  }
}

/** Waits until both output pipes closed, or `ms` passed, then closes them. */
function drainPipes(child: ChildProcess, ms: number, onStop: (stop: () => void) => void): Promise<void> {
  const streams = [child.stdout, child.stderr].filter((s) => s !== null);
  return new Promise<void>((resolve) => {
    let open = streams.filter((s) => !s.closed).length;
    const finish = () => {
      clearTimeout(timer);
      for (const s of streams) if (!s.closed) s.destroy();
      resolve();
    };
    const timer = setTimeout(finish, ms);
    onStop(finish);
    if (open === 0) {
      finish();
      return;
    }
    for (const s of streams) {
      if (s.closed) continue;
      s.once('close', () => {
        if (--open === 0) finish();
      });
    }
  });
}

class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(n: number) {
    this.#free = n;
  }
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((r) => this.#waiting.push(r));
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}

async function walk(abs: string, rel: string, matcher: AntMatcher, found: string[], sem: Semaphore): Promise<void> {
  if (!matcher.couldMatchUnder(rel)) return;
  let entries;
  try {
    entries = await sem.run(() => fsp.readdir(abs, { withFileTypes: true }));
  } catch (e) {
    // Missing base directory: nothing found. Unreadable or vanished subdirectory: skipped, as Ant does.
    if (rel === '' && !(isErrno(e, 'ENOENT') || isErrno(e, 'ENOTDIR'))) throw fsError('list', abs, e);
    return;
  }
  const subdirs: Promise<void>[] = [];
  for (const e of entries) {
    const r = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      subdirs.push(walk(path.join(abs, e.name), r, matcher, found, sem));
    } else if (e.isFile() || e.isSymbolicLink()) {
      if (matcher.matches(r)) found.push(r);
    }
    // FIFOs, sockets and devices are not files to archive or stash.
  }
  await Promise.all(subdirs);
}

async function makeTreeWritable(abs: string): Promise<void> {
  let st;
  try {
    st = await fsp.lstat(abs);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  await fsp.chmod(abs, (st.mode & 0o7777) | 0o700);
  for (const name of await fsp.readdir(abs)) await makeTreeWritable(path.join(abs, name));
}

function isErrno(e: unknown, code: string): boolean {
  return typeof e === 'object' && e !== null && (e as NodeJS.ErrnoException).code === code;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function spawnErrorText(e: unknown): string {
  if (isErrno(e, 'ENOENT')) return 'no such program (is it installed, and on the PATH given to the step?)';
  if (isErrno(e, 'EACCES')) return 'permission denied (is the file executable?)';
  return errText(e);
}

function fsError(op: string, abs: string, e: unknown): WorkspaceError {
  if (e instanceof WorkspaceError) return e;
  const code = isErrno(e, 'ENOENT') ? 'not-found' : 'io';
  const errno = typeof e === 'object' && e !== null ? (e as NodeJS.ErrnoException).code : undefined;
  const why = isErrno(e, 'ENOENT') ? 'no such file or directory'
    : isErrno(e, 'EISDIR') ? 'is a directory'
    : isErrno(e, 'ENOTDIR') ? 'a parent is not a directory'
    : isErrno(e, 'EACCES') || isErrno(e, 'EPERM') ? 'permission denied'
    : isErrno(e, 'EEXIST') ? 'a file is in the way'
    : errText(e);
  return new WorkspaceError(code, `cannot ${op} ${abs}: ${why}${errno ? ` (${errno})` : ''}`);
}

/** Whether `p` is `dir` or below it (both absolute and normalized). */
function within(p: string, dir: string): boolean {
  return p === dir || p.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}
