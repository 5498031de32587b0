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
          $s sh "$r/cmd" <"$i" >"$r/out" 2>"$r/err" &
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

/** The script a step becomes: its directory, its environment, its program. */
export function stepScript(spec: Pick<ExecSpec, 'argv' | 'cwd' | 'env'>): string {
  const lines = [`cd ${shq(spec.cwd)} || exit 1`];
  // withEnv's PATH+NAME directories, in front of the container's own PATH.
  const prepend = spec.env[PATH_PREPEND_ENV];
  if (prepend) lines.push(`export PATH=${shq(prepend)}:"$PATH"`);
  for (const [k, v] of Object.entries(spec.env)) {
    if (!NODE_ONLY_ENV.has(k) && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) lines.push(`export ${k}=${shq(v)}`);
  }
  lines.push(`exec ${spec.argv.map(shq).join(' ')}`);
  return lines.join('\n') + '\n';
}

let seq = 0;

/** Drives the runner of one container through its directory on the shared volume (a path on this machine). */
export class RunnerClient {
  readonly dir: string;
  #ctl: fsp.FileHandle | null = null;
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
    if (!this.#ctl) {
      // Non-blocking: with no reader (the runner died) this fails at once instead of hanging.
      this.#ctl = await fsp.open(path.join(this.dir, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK);
    }
    await this.#ctl.write(line + '\n');
  }

  async close(): Promise<void> {
    await this.#ctl?.close().catch(() => {});
    this.#ctl = null;
  }

  /**
   * Runs a step. `dead` settles when the container stops: the step then fails with what the
   * caller's `deadMessage` says rather than waiting for a status that will never come.
   */
  async exec(spec: ExecSpec, dead: Promise<string>, killGraceMs = 1500): Promise<ExecResult> {
    if (spec.signal?.aborted) return { exitCode: null, signal: null, aborted: true };
    const id = `s${process.pid.toString(36)}-${(++seq).toString(36)}-${Date.now().toString(36)}`;
    const r = path.join(this.dir, id);
    await fsp.mkdir(r, { mode: 0o777 });
    await fsp.chmod(r, 0o777); // any uid the container runs as writes its output here
    await fsp.writeFile(path.join(r, 'cmd'), stepScript(spec), { mode: 0o644 });
    if (spec.stdin !== undefined) await fsp.writeFile(path.join(r, 'in'), spec.stdin, { mode: 0o644 });
    const offsets = { out: 0, err: 0 };
    let reading = Promise.resolve();
    const drain = () => {
      reading = reading.then(async () => {
        for (const [name, stream] of [['out', 'stdout'], ['err', 'stderr']] as const) {
          let fh: fsp.FileHandle;
          try {
            fh = await fsp.open(path.join(r, name), 'r');
          } catch {
            continue; // not created yet
          }
          try {
            for (;;) {
              const buf = Buffer.allocUnsafe(64 * 1024);
              const { bytesRead } = await fh.read(buf, 0, buf.length, offsets[name]);
              if (bytesRead === 0) break;
              offsets[name] += bytesRead;
              spec.onOutput(buf.subarray(0, bytesRead), stream);
            }
          } finally {
            await fh.close();
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
        // Only what changed is looked at: output files are read when they change, the status
        // when it is written (the runner's pid file and the like cost nothing).
        watcher = fs.watch(r, (_event, file) => {
          if (file === null || file === 'out' || file === 'err') void drain();
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
      await fsp.rm(r, { recursive: true, force: true }).catch(() => {});
    }
  }
}

function signalName(n: number): string {
  return ({ 1: 'SIGHUP', 2: 'SIGINT', 9: 'SIGKILL', 15: 'SIGTERM' } as Record<number, string>)[n] ?? `signal ${n}`;
}
