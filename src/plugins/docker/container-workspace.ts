// A Workspace whose commands run inside one container, started beside another Workspace (the
// node's) with that workspace bind-mounted at the same path. Files are the node's files (the
// same paths, so every file operation goes straight to the underlying workspace); exec turns
// into `docker exec` run through the underlying workspace's own exec, which works wherever
// that workspace lives (local, inbound agent, SSH agent), as Jenkins' `docker` CLI does.
import { randomBytes } from 'node:crypto';
import type { ExecResult, ExecSpec, Workspace } from '../../core/workspace.ts';
import { OnNodeWorkspace } from './on-node.ts';
import { docker } from './cli.ts';
import { NODE_ONLY_ENV, type RunnerClient } from '../../exec/container-runner.ts';

export interface ContainerWorkspaceOptions {
  /** Environment for the docker CLI's own commands (release, kill). */
  cliEnv: Record<string, string>;
  /** Time between TERM and KILL when a step is aborted. */
  killGraceMs?: number;
  /** Steps go through the injected runner (node on this machine) instead of docker exec. */
  runner?: { client: RunnerClient; dead: Promise<string>; dir: string };
}

export class ContainerWorkspace extends OnNodeWorkspace {
  readonly hasContainers = false;
  /** A container asked for inside this one starts beside it, on the node (core/workspace.ts). */
  readonly containerHost: Workspace;
  readonly containerId: string;
  readonly #o: ContainerWorkspaceOptions;
  readonly runner: ContainerWorkspaceOptions['runner'] | null;
  #released = false;

  constructor(base: Workspace, containerId: string, o: ContainerWorkspaceOptions) {
    super(base);
    this.containerHost = base;
    this.containerId = containerId;
    this.#o = o;
    this.runner = o.runner ?? null;
  }

  async exec(spec: ExecSpec): Promise<ExecResult> {
    if (this.#released) throw new Error(`the container ${this.containerId.slice(0, 12)} was removed; cannot run ${JSON.stringify(spec.argv[0])}`);
    if (spec.signal?.aborted) return { exitCode: null, signal: null, aborted: true };
    if (this.runner) return this.runner.client.exec(spec, this.runner.dead, this.#o.killGraceMs);
    // Values travel in the docker CLI's environment (`-e NAME` takes the value from there), so
    // secrets never appear on a command line that `ps` shows.
    const names = Object.keys(spec.env).filter((k) => !NODE_ONLY_ENV.has(k) && !k.includes('='));
    const pidFile = `${this.tmp}/.kiln-docker/${randomBytes(6).toString('hex')}.pid`;
    const argv = ['exec', ...(spec.stdin !== undefined ? ['-i'] : []), '-w', spec.cwd, ...names.flatMap((n) => ['-e', n]), this.containerId,
      // The exec'd process leads its own process group in the container; its pid, written
      // first, is what an abort kills (killing the docker client alone would leave it running).
      'sh', '-c', 'echo $$ >"$0" && exec "$@"', pidFile, ...spec.argv];
    const backstop = new AbortController();
    let aborted = false;
    let finished!: () => void;
    const done = new Promise<void>((r) => { finished = r; });
    const onAbort = () => {
      aborted = true;
      // If the kill inside did not end it, the docker client is killed too (a dead daemon...).
      void this.#kill(pidFile, done).finally(() => setTimeout(() => backstop.abort(), 1000).unref());
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const r = await this.base.exec({
        argv: ['docker', ...argv],
        cwd: this.base.root,
        env: spec.env,
        ...(spec.stdin !== undefined ? { stdin: spec.stdin } : {}),
        signal: backstop.signal,
        onOutput: spec.onOutput,
      });
      return aborted ? { exitCode: null, signal: 'SIGTERM', aborted: true } : r;
    } finally {
      spec.signal?.removeEventListener('abort', onAbort);
      finished();
      void this.base.remove(pidFile).catch(() => {});
    }
  }

  /** TERM to the step's process group in the container, KILL after the grace period. */
  async #kill(pidFile: string, done: Promise<void>): Promise<void> {
    let pid = '';
    for (let i = 0; i < 20 && !/^\d+$/.test(pid); i++) {
      pid = (await this.base.readFile(pidFile).catch(() => Buffer.alloc(0))).toString().trim();
      if (!/^\d+$/.test(pid)) await new Promise((r) => setTimeout(r, 50)); // the process is still starting
    }
    if (!/^\d+$/.test(pid)) return;
    const kill = (sig: string) => docker(this.base, ['exec', this.containerId, 'sh', '-c', `kill -${sig} -- -${pid} 2>/dev/null || kill -${sig} ${pid} 2>/dev/null; true`], { env: this.#o.cliEnv }).catch(() => null);
    await kill('TERM');
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([done.then(() => true), new Promise<boolean>((r) => { timer = setTimeout(() => r(false), this.#o.killGraceMs ?? 1500); })]);
    clearTimeout(timer);
    if (!ended) await kill('KILL');
  }

  /** Removes the container (whatever runs in it is killed); the node's workspace stays. */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.runner?.client.close();
    await docker(this.base, ['rm', '-f', '-v', this.containerId], { env: this.#o.cliEnv }).catch(() => null);
    if (this.runner) await this.base.remove(this.runner.dir).catch(() => {});
  }
}
