// The step runner injected into every container of a pod, Tekton-style: the container's command
// becomes `sh <shared>/runner.sh <dir> <original command...>`. The runner starts a small server
// in the background and then execs the original command (the seed's `cat` with a tty, a
// database, `kiln agent`...), which stays the container's main process as the pod spec meant.
//
// The runner is the container's command itself (`sh -c 'eval "$KILN_RUNNER_SH"' kiln-runner <dir>
// <command...>` in a pod: no init container to run first), and makes its own directory.
// Steps need no `docker exec` and no long-lived connection: the client writes the step as a
// shell script into the shared volume and one line, `run ID`, into the container's control
// FIFO; the runner starts it in its own session with output to files beside it and writes its
// exit status last. The client follows those files with inotify (fs.watch), so output streams
// and the end is seen at once, with no polling delay. `kill ID SIG` signals the step's process
// group (abort). Everything is POSIX sh plus mkfifo (busybox, Debian, Alpine images have both).
import type { FSWatcher } from 'node:fs';
import * as fsp from '../util/fs-async.ts';
// node:fs through process.getBuiltinModule, not an ESM import: see util/fs-async.ts.
const fs = process.getBuiltinModule('node:fs');
const { constants } = fs;
import path from 'node:path';
import { PATH_PREPEND_ENV, type ExecResult, type ExecSpec } from '../core/workspace.ts';

/** The first line of a step's script: the runner reads it with the job's shell (\`.\`), \`"$@"\` its setsid. */
const STEP_SCRIPT_MARK = '# kiln step: sourced';

export const RUNNER_SH = `# Kiln step runner (injected; see src/exec/container-runner.ts).
d="$1"; shift
unset KILN_RUNNER_SH
# Its directory on the shared volume: made here, world-writable as the pod's other users need it,
# or by the agent when this user may not write there.
[ -d "$d" ] || (umask 0; mkdir -p "$d") 2>/dev/null
n=0; while [ ! -d "$d" ]; do [ $n -ge 300 ] && { echo "kiln runner: cannot create $d (is the workspace writable by uid $(id -u)?)" >&2; exit 70; }; sleep 0.1; n=$((n+1)); done
[ -p "$d/ctl" ] || mkfifo -m 622 "$d/ctl" || { echo "kiln runner: cannot create $d/ctl (is the workspace writable by uid $(id -u)?)" >&2; exit 70; }
serve() {
  exec 4<>"$d/ctl" || exit 71
  s=; command -v setsid >/dev/null 2>&1 && s=setsid
  : >"$d/ready"
  while read -r op id sig <&4; do
    r="$d/$id"
    case "$op" in
      run)
        (
          i=/dev/null; [ -f "$r/in" ] && i="$r/in"
          # A script that says so is read by the job's own shell and ends in \`exec "$@" <program>\`
          # (one exec less per step); an older agent's is run by a shell of its own.
          if read -r l <"$r/cmd" && [ "$l" = "${STEP_SCRIPT_MARK}" ]; then
            { set -- $s; . "$r/cmd"; } <"$i" >"$r/out" 2>"$r/err" &
          else
            $s sh "$r/cmd" <"$i" >"$r/out" 2>"$r/err" &
          fi
          echo $! >"$r/pid"
          wait $!
          echo $? >"$r/status"
        ) </dev/null >/dev/null 2>&1 &
        ;;
      kill)
        p=$(cat "$r/pid" 2>/dev/null) && [ -n "$p" ] && { kill "-$sig" "-$p" 2>/dev/null || kill "-$sig" "$p" 2>/dev/null; }
        ;;
    esac
  done
}
serve </dev/null &
if [ $# -eq 0 ]; then while :; do sleep 86400; done; fi
exec "$@"
`;

/**
 * Variables that describe the node the build started on, not the build: the container keeps its
 * own (its PATH finds its tools, HOME and USER belong to its user).
 */
export const NODE_ONLY_ENV = new Set([PATH_PREPEND_ENV, 'PATH', 'HOME', 'HOSTNAME', 'USER', 'LOGNAME', 'SHELL', 'PWD', 'OLDPWD', 'SHLVL', '_', 'TMPDIR',
  'LD_LIBRARY_PATH', 'LD_PRELOAD', 'MAIL', 'TERM', 'DOCKER_HOST', 'DOCKER_CONFIG', 'DOCKER_CERT_PATH', 'DOCKER_TLS_VERIFY', 'DOCKER_CONTEXT']);

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The script a step becomes: its directory, its environment, its program. The runner reads it
 * with the step's own shell (`.`), its positional parameters the `setsid` that gives the step
 * its own process group (none where the image has no setsid); an older runner runs it with
 * `sh`, where "$@" is empty.
 */
export function stepScript(spec: Pick<ExecSpec, 'argv' | 'cwd' | 'env'>): string {
  const lines = [STEP_SCRIPT_MARK, `cd ${shq(spec.cwd)} || exit 1`];
  // withEnv's PATH+NAME directories, in front of the container's own PATH.
  const prepend = spec.env[PATH_PREPEND_ENV];
  if (prepend) lines.push(`export PATH=${shq(prepend)}:"$PATH"`);
  for (const [k, v] of Object.entries(spec.env)) {
    if (!NODE_ONLY_ENV.has(k) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) lines.push(`export ${k}=${shq(v)}`);
  }
  lines.push(`exec "$@" ${spec.argv.map(shq).join(' ')}`);
  return lines.join('\n') + '\n';
}

let seq = 0;

/**
 * Drives the runner of one container through its directory on the shared volume (a path on this
 * machine). What a step costs here is on every tool-container step's path (bench/kubernetes.ts
 * puts it next to a step in the agent's own container): its directory and script are made with
 * direct calls (a few small local writes, no thread-pool round trips), its output files are
 * opened once and read by descriptor (no node:fs/promises, ~1 MB in the agent), only the file
 * that changed is read, and its directory is removed after the step's result is given.
 */
export class RunnerClient {
  readonly dir: string;
  #ctl: Promise<number> | null = null;
  /** Step directories being removed (close waits for them). */
  readonly #removing = new Set<Promise<void>>();
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Resolves when the runner serves (its `ready` file exists), rejects when `dead` settles first. */
  async ready(dead: Promise<unknown>): Promise<void> {
    const file = path.join(this.dir, 'ready');
    let watcher: FSWatcher | undefined;
    // The directory comes with the runner (its container may still be starting): until then, look again shortly.
    let over = false;
    void dead.then(() => { over = true; }, () => { over = true; });
    while (!fs.existsSync(this.dir)) {
      if (over) throw new Error('exited');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    try {
      await Promise.race([
        new Promise<void>((resolve) => {
          watcher = fs.watch(this.dir, () => { if (fs.existsSync(file)) resolve(); });
          if (fs.existsSync(file)) resolve();
        }),
        dead.then(() => { throw new Error('exited'); }),
      ]);
    } finally {
      watcher?.close();
    }
  }

  async #send(line: string): Promise<void> {
    // Non-blocking: with no reader (the runner died) this fails at once instead of hanging.
    this.#ctl ??= fsp.openFd(path.join(this.dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
    const ctl = this.#ctl;
    let fd: number;
    try {
      fd = await ctl;
    } catch (e) {
      if (this.#ctl === ctl) this.#ctl = null;
      throw e;
    }
    await fsp.writeFd(fd, line + '\n');
  }

  async close(): Promise<void> {
    const ctl = this.#ctl;
    this.#ctl = null;
    if (ctl) await ctl.then((fd) => fsp.closeFd(fd)).catch(() => {});
    await Promise.all([...this.#removing]);
  }

  /**
   * Runs a step. `dead` settles when the container stops: the step then fails with what the
   * caller's `deadMessage` says rather than waiting for a status that will never come.
   */
  async exec(spec: ExecSpec, dead: Promise<string>, killGraceMs = 1500): Promise<ExecResult> {
    if (spec.signal?.aborted) return { exitCode: null, signal: null, aborted: true };
    const id = `s${process.pid.toString(36)}-${(++seq).toString(36)}-${Date.now().toString(36)}`;
    const r = path.join(this.dir, id);
    fs.mkdirSync(r, { mode: 0o777 });
    fs.chmodSync(r, 0o777); // any uid the container runs as writes its output here
    fs.writeFileSync(path.join(r, 'cmd'), stepScript(spec), { mode: 0o644 });
    if (spec.stdin !== undefined) await fsp.writeFile(path.join(r, 'in'), spec.stdin, { mode: 0o644 });
    const files = { out: { fd: -1, at: 0, stream: 'stdout' as const }, err: { fd: -1, at: 0, stream: 'stderr' as const } };
    let scratch: Buffer | undefined;
    let reading = Promise.resolve();
    /** Reads what is new in `names` (in order, one read at a time), opening each file the first time it is there. */
    const drain = (names: readonly ('out' | 'err')[] = ['out', 'err']) => {
      reading = reading.then(async () => {
        for (const name of names) {
          const f = files[name];
          if (f.fd < 0) {
            try {
              f.fd = await fsp.openFd(path.join(r, name), 'r');
            } catch {
              continue; // not created yet
            }
          }
          scratch ??= Buffer.allocUnsafe(64 * 1024);
          for (;;) {
            const { bytesRead } = await fsp.readFd(f.fd, scratch, 0, scratch.length, f.at);
            if (bytesRead === 0) break;
            f.at += bytesRead;
            spec.onOutput(Buffer.from(scratch.subarray(0, bytesRead)), f.stream);
          }
        }
      });
      return reading;
    };
    let aborted = false;
    let finished = false;
    const onAbort = () => {
      aborted = true;
      void this.#send(`kill ${id} TERM`).catch(() => {});
      setTimeout(() => { if (!finished) void this.#send(`kill ${id} KILL`).catch(() => {}); }, killGraceMs).unref();
    };
    let watcher: FSWatcher | undefined;
    try {
      const status = new Promise<number>((resolve) => {
        const check = () => {
          let text = '';
          try {
            text = fs.readFileSync(path.join(r, 'status'), 'utf8');
          } catch {
            return;
          }
          if (text.endsWith('\n')) resolve(Number(text.trim()));
        };
        // Only what changed is looked at: an output file is read when it changes, the status
        // when it is written (the runner's pid file and the like cost nothing).
        watcher = fs.watch(r, (_event, file) => {
          if (file === 'out' || file === 'err') void drain([file]);
          else if (file === null) void drain();
          if (file === null || file === 'status') check();
        });
        void drain();
        check();
      });
      await this.#send(`run ${id}`);
      spec.signal?.addEventListener('abort', onAbort, { once: true });
      const code = await Promise.race([status, dead.then((why) => { throw new Error(why); })]);
      await drain();
      if (aborted) return { exitCode: null, signal: code > 128 ? signalName(code - 128) : 'SIGTERM', aborted: true };
      return { exitCode: code, signal: null, aborted: false };
    } finally {
      finished = true;
      watcher?.close();
      spec.signal?.removeEventListener('abort', onAbort);
      await reading.catch(() => {});
      for (const f of Object.values(files)) if (f.fd >= 0) fs.close(f.fd, () => {});
      // The step's result does not wait for its directory to go.
      const gone: Promise<void> = removeStepDir(r).finally(() => { this.#removing.delete(gone); });
      this.#removing.add(gone);
    }
  }
}

/** The files a step's directory holds (the agent's script and stdin, the runner's output, pid and status). */
const STEP_FILES = ['cmd', 'in', 'out', 'err', 'pid', 'status'];

/**
 * Removes a step's directory: its known files, then the directory (fs.rm's recursive walk only
 * when something else was left there: it loads node's rimraf module into the agent). Best effort.
 */
async function removeStepDir(r: string): Promise<void> {
  await Promise.all(STEP_FILES.map((f) => fsp.unlink(path.join(r, f)).catch(() => {})));
  await fsp.rmdir(r).catch(() => fsp.rm(r, { recursive: true, force: true })).catch(() => {});
}

function signalName(n: number): string {
  return ({ 1: 'SIGHUP', 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' } as Record<number, string>)[n] ?? `signal ${n}`;
}
