// The real controller (`bin/kiln controller`) as a child process, for tests and benches that kill
// it with SIGKILL and start it again on the same home (durable builds). A fixed port (`port`)
// keeps the address pods' agents were given valid across restarts; `freePort()` picks one.
import { spawn, type ChildProcess } from 'node:child_process';
import { kilnBin } from './kiln.ts';
import { TEST_ADMIN_TOKEN } from './controller.ts';
import { freePort as freePortOn } from './ports.ts';

export interface ControllerProcess {
  proc: ChildProcess;
  /** Its base URL (ends with '/'). */
  url: string;
  /** What it printed (stdout and stderr), in order. */
  out: string[];
  /** When it was spawned (Date.now()). */
  spawnedAt: number;
}

export interface ControllerProcessOptions {
  executors?: number;
  databaseUrl?: string | null;
  /** 0 (default): any free port; the URL is then read from its ready line. */
  port?: number;
  host?: string;
  env?: NodeJS.ProcessEnv;
  /** Every controller started, to kill at the end of a test file. */
  running?: Set<ChildProcess>;
  /** Resolve once its output matches this instead of its ready line (needs `port`): e.g. while it resumes builds. */
  until?: RegExp;
  /** More options for `kiln controller` (e.g. `--agent-grace 2`). */
  extraArgs?: string[];
}

/** Starts `kiln controller` on `home`; resolves once it says it is ready. */
export async function startControllerProcess(home: string, o: ControllerProcessOptions = {}): Promise<ControllerProcess> {
  const args = ['controller', '--home', home, '--port', String(o.port ?? 0), '--executors', String(o.executors ?? 1)];
  if (o.host) args.push('--host', o.host);
  if (o.databaseUrl) args.push('--database-url', o.databaseUrl);
  if (o.extraArgs) args.push(...o.extraArgs);
  const spawnedAt = Date.now();
  const proc = spawn(kilnBin, args, {
    env: { ...process.env, KILN_ADMIN_TOKEN: TEST_ADMIN_TOKEN, KILN_LOG_FORMAT: 'json', ...o.env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  o.running?.add(proc);
  proc.on('exit', () => o.running?.delete(proc));
  const out: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out.push(String(d));
      const all = out.join('');
      if (o.until && o.port && o.until.test(all)) resolve(`http://127.0.0.1:${o.port}/`);
      const m = /Kiln is ready at (http:\/\/[^\s"]+)/.exec(all);
      if (m) resolve(o.port ? `http://127.0.0.1:${o.port}/` : m[1]!);
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', (code, signal) => reject(new Error(`the controller exited (${code ?? signal}) before it was ready:\n${out.join('')}`)));
  });
  return { proc, url, out, spawnedAt };
}

/** SIGKILL (of a controller or an agent process), and waits for it to be gone. */
export async function kill9(c: { proc: ChildProcess }): Promise<void> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return;
  const gone = new Promise((r) => c.proc.once('exit', r));
  c.proc.kill('SIGKILL');
  await gone;
}

/** A TCP port free on every interface of this machine now (the controller listens on them all). */
export const freePort = (): Promise<number> => freePortOn('0.0.0.0');
