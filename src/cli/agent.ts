// kiln agent: runs a build agent that dials the controller (an "inbound agent" over the
// controller's web port) and carries out the steps the controller sends it.
//
//   kiln agent --url URL --name NAME --secret SECRET [--workdir DIR] [--labels a,b] [--executors N]
//
// Settings also come from the environment (flags win): KILN_URL, KILN_SECRET, KILN_AGENT_NAME,
// KILN_AGENT_WORKDIR, KILN_AGENT_LABELS, KILN_AGENT_EXECUTORS; the Kubernetes backend injects
// exactly these into the agent container. `--secret @FILE` reads the secret from a file, which
// keeps it out of `ps`.
//
// The builds an agent runs are processes of its own user: they can read /proc/<agent pid>/environ
// (and anyone can read its cmdline). An agent given its secret there (KILN_SECRET, or --secret
// VALUE) therefore re-executes itself once, before it connects (so before any build runs), with
// the same pid but without it (process.execve): the secret crosses in a 0600 file in a fresh 0700
// directory that the new image reads and removes at once. Where the agent's modules load,
// before or after that, depends on whether it runs stripped (.js) and on the compile cache: see main().
//
// `kiln agent --stdio --name NAME --workdir DIR` (what the controller's SSH launcher runs)
// speaks the protocol over stdin/stdout instead (no URL, no secret). If an earlier --stdio agent
// of the same work directory still runs (its SSH connection dropped), this process only relays
// stdin/stdout to it through the Unix socket `DIR/.kiln-agent.sock`, so its session resumes.
//
// SIGTERM/SIGINT stop the agent but leave its durable steps (agent/durable.ts) running for its
// next process to hand back (an agent restarted for an upgrade loses no build); --stop-steps, or a
// second signal while it stops, stops them too (docs/agents.md).
//
// Exit codes: 0 stopped by SIGTERM/SIGINT, 1 cannot go on (wrong secret, unknown agent,
// version mismatch, or any lost connection with --no-reconnect), 2 usage.
//
// Its log goes to stderr (util/log-lines.ts: pino's records without pino), every line with { agent: NAME }: JSON lines, or one
// readable line per record on a terminal and with --stdio (stderr is then the controller's
// launch log of the agent, which has its own times). --quiet (and --stdio) keep only errors of
// the connection's lines. Usage errors are plain `kiln agent: ...` lines, for the person typing.
import path from 'node:path';
import type { Socket } from 'node:net';
// Builtins through process.getBuiltinModule, not ESM imports: see util/fs-async.ts (and parseArgs below).
const { lstatSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = process.getBuiltinModule('node:fs');
const net = process.getBuiltinModule('node:net');
const os = process.getBuiltinModule('node:os');
import type { Agent } from '../agent/agent.ts';
import type { LineLogger as Logger } from '../util/log-lines.ts';
import { KilnError } from '../core/errors.ts';

// parseArgs through process.getBuiltinModule, not `import ... from 'node:util'`: an ESM import
// of a builtin reads every one of its exports, and node:util's lazy ones load worker_threads,
// the diff and colour modules and more (~2 MB in every agent; test/architecture/agent-loads).
const { parseArgs } = process.getBuiltinModule('node:util');

const HELP = `usage: kiln agent --url URL --name NAME --secret SECRET [options]

Connects this machine to a Kiln controller as a build agent, over a WebSocket on the
controller's web port (ws(s)://HOST/agent), and runs the steps the controller sends.
Reconnects by itself (0.5 s doubling to 10 s); builds survive a short disconnection.

options (environment variable in brackets; flags win):
  --url URL           the controller's base URL, e.g. http://kiln:8080   [KILN_URL]
  --name NAME         this agent's name, as created on the controller    [KILN_AGENT_NAME]
  --secret SECRET     its secret, shown on the agent's page; @FILE reads it from FILE
                                                                         [KILN_SECRET]
  --workdir DIR       work directory (workspaces under DIR/workspace; default: the current
                      directory)                                         [KILN_AGENT_WORKDIR]
  --labels a,b        labels offered to the scheduler                    [KILN_AGENT_LABELS]
  --executors N       builds this agent runs at once (default 1)         [KILN_AGENT_EXECUTORS]
  --tunnel HOST:PORT  dial HOST:PORT instead of the URL's host and port (a Kubernetes cloud's
                      tunnel, e.g. a TCP proxy in front of the controller)  [KILN_TUNNEL]
  --stdio             speak the protocol over stdin/stdout (started by the controller over
                      SSH); --url and --secret are not needed
  --no-reconnect      exit (code 1) instead of retrying when the connection fails or drops
  --stop-steps        on SIGTERM/SIGINT stop the running steps too; without it, durable steps
                      (sh on Unix) go on and this agent's next process hands them back, if it
                      starts within the controller's agent grace period (with systemd, set
                      KillMode=process so that stopping the unit spares them)
                                                                         [KILN_AGENT_STOP_STEPS=1]
  -q, --quiet         print only errors
  -h, --help

the log (stderr): KILN_LOG_LEVEL (fatal, error, warn, info (default), debug, trace, silent),
KILN_LOG_FORMAT (json (default), or pretty: the default on a terminal and with --stdio)

exit codes: 0 stopped by a signal, 1 cannot go on (the message says why), 2 usage
`;

class UsageError extends KilnError {
  constructor(message: string) {
    super('cli.usage', message);
  }
}

/** Set only by an agent re-executing itself: the file its secret waits in (see the header). */
const HANDOFF = 'KILN_AGENT_SECRET_HANDOFF';

/**
 * When the secret is in this process's environment or argv, re-executes without it (never
 * returns then). Nothing to hide (a --secret @FILE, --stdio, or no execve on this Node): returns.
 */
function reexecWithoutSecret(argv: string[]): void {
  if (typeof process.execve !== 'function' || process.env[HANDOFF] !== undefined || argv.includes('--stdio')) return;
  const env: NodeJS.ProcessEnv = { ...process.env };
  const fromEnv = env['KILN_SECRET'];
  delete env['KILN_SECRET'];
  const args: string[] = [];
  let fromArgv: string | undefined;
  let argvNamesFile = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = a === '--secret' ? argv[i + 1] : a.startsWith('--secret=') ? a.slice('--secret='.length) : undefined;
    if (value !== undefined && !value.startsWith('@')) {
      fromArgv = value;
      if (a === '--secret') i++;
      continue;
    }
    if (value !== undefined) argvNamesFile = true;
    args.push(a);
  }
  // In sight: a secret on the command line, or one in the environment (not just a file's name).
  if (fromArgv === undefined && (fromEnv === undefined || fromEnv.startsWith('@'))) return;
  // The flag wins over the environment, as below; a --secret @FILE keeps naming its file.
  const secret = fromArgv ?? (argvNamesFile ? undefined : fromEnv);
  if (secret !== undefined) {
    // Named with this pid (execve keeps it): see sweepHandOvers.
    const dir = mkdtempSync(path.join(os.tmpdir(), `${HANDOFF_PREFIX}${process.pid}-`));
    const file = path.join(dir, 'secret');
    writeFileSync(file, secret, { mode: 0o600 });
    env[HANDOFF] = file;
  }
  const script = process.argv.slice(0, process.argv.length - argv.length);
  process.execve!(process.execPath, [process.execPath, ...process.execArgv, ...script.slice(1), ...args], env);
}

const HANDOFF_PREFIX = 'kiln-agent-secret-';
/** A hand-over without a pid in its name (an older Kiln's) is stale after this long: it is read within milliseconds. */
const HANDOFF_STALE_MS = 10 * 60_000;

/**
 * Removes the hand-over directories an agent killed between its handing over and its reading
 * left behind (`kiln-agent-secret-<pid>-…`, made by the agent's re-execution or by bin/kiln, both
 * keeping the pid into the agent): those of this user whose process is gone. A secret left in
 * one could be read by a build of the same user and used to pose as the agent. One whose pid is
 * alive is left (a starting agent's; or pid reuse: left until that process is gone too).
 */
export function sweepHandOvers(tmp = os.tmpdir(), now = Date.now()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tmp);
  } catch {
    return removed;
  }
  const uid = process.getuid?.();
  for (const name of names) {
    if (!name.startsWith(HANDOFF_PREFIX)) continue;
    const full = path.join(tmp, name);
    try {
      const st = lstatSync(full);
      if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) continue;
      const pid = /^(\d+)-/.exec(name.slice(HANDOFF_PREFIX.length))?.[1];
      if (pid === undefined ? now - st.mtimeMs < HANDOFF_STALE_MS : Number(pid) === process.pid || alive(Number(pid))) continue;
      rmSync(full, { recursive: true, force: true });
      removed.push(name);
    } catch {
      // gone meanwhile, or not ours to look at
    }
  }
  return removed;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The secret a re-executed agent was handed, read once and removed (with its directory). */
function takeHandedSecret(): string | undefined {
  const file = process.env[HANDOFF];
  if (file === undefined) return undefined;
  delete process.env[HANDOFF];
  try {
    return readFileSync(file, 'utf8');
  } finally {
    rmSync(path.dirname(file), { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<number> {
  let agent: Agent;
  let quiet = false;
  let stopSteps = false;
  // The log: `logger` for what is always said, `say` for the lines --quiet keeps quiet.
  let logger: Logger;
  let say: Logger;
  // A pod's agent always re-executes (its secret is in KILN_SECRET). Run from an agent bundle
  // (this module is agent.js: stripped already) or with a compile cache shipped filled (bin/kiln
  // sets NODE_COMPILE_CACHE_PORTABLE for it), the agent's modules load after the re-execution:
  // once. From TypeScript sources without one they load before it: that first image strips and
  // compiles them into the cache (Node writes it out at the execve), so the image that stays
  // runs from the cache without the TypeScript stripper resident (~18 MB).
  const load = () => Promise.all([import('../agent/agent.ts'), import('../exec/pod-workspace.ts'), import('../util/log-lines.ts')]);
  const stripped = import.meta.url.endsWith('.js') || process.env['NODE_COMPILE_CACHE_PORTABLE'] === '1';
  const early = stripped ? null : await load();
  try {
    reexecWithoutSecret(argv);
  } catch (e) {
    process.stderr.write(`kiln agent: cannot hide the secret from other processes: ${(e as Error).message}\n`);
    return 2;
  }
  const [{ Agent, AgentFatalError }, { podRunnersFromEnv }, { createLineLogger: createLogger, lineLog, logSettings, LogSettingsError }] = early ?? await load();
  try {
    const handed = takeHandedSecret();
    sweepHandOvers();
    const { values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        name: { type: 'string' },
        secret: { type: 'string' },
        workdir: { type: 'string' },
        labels: { type: 'string' },
        executors: { type: 'string' },
        tunnel: { type: 'string' },
        'no-reconnect': { type: 'boolean', default: false },
        stdio: { type: 'boolean', default: false },
        'stop-steps': { type: 'boolean', default: false },
        quiet: { type: 'boolean', short: 'q', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    quiet = values.quiet;
    // A pod's agent (KILN_POD_RUNNERS) is stopped with its pod: no next process would take them back.
    stopSteps = values['stop-steps'] || process.env['KILN_AGENT_STOP_STEPS'] === '1' || podRunnersFromEnv(process.env) !== null;
    const env = process.env;
    let url = values.url ?? env['KILN_URL'];
    const tunnel = values.tunnel ?? env['KILN_TUNNEL'];
    if (tunnel && url) {
      const m = /^([^\s:/]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(tunnel);
      if (!m) throw new UsageError(`--tunnel / KILN_TUNNEL: write HOST:PORT, got '${tunnel}'`);
      try {
        const u = new URL(url);
        u.hostname = m[1]!;
        u.port = m[2]!;
        url = u.href;
      } catch {
        throw new UsageError(`--url / KILN_URL: not a URL: '${url}'`);
      }
    }
    const name = values.name ?? env['KILN_AGENT_NAME'];
    let secret = handed ?? values.secret ?? env['KILN_SECRET'];
    const stdio = values.stdio;
    if (!url && !stdio) throw new UsageError('no controller URL: give --url or set KILN_URL');
    if (!name) throw new UsageError('no agent name: give --name or set KILN_AGENT_NAME');
    try {
      const settings = logSettings(env, { tty: process.stderr.isTTY === true, ...(stdio ? { format: 'pretty' } : {}) });
      logger = createLogger({ ...settings, name: 'kiln-agent', time: !stdio }).child({ agent: name });
    } catch (e) {
      if (e instanceof LogSettingsError) throw new UsageError(e.message);
      throw e;
    }
    if (stdio) secret ??= '';
    else if (!secret) throw new UsageError('no secret: give --secret or set KILN_SECRET (it is shown on the agent\'s page of the controller)');
    if (secret.startsWith('@')) {
      try {
        secret = readFileSync(secret.slice(1), 'utf8').trim();
      } catch (e) {
        throw new UsageError(`cannot read the secret from ${secret.slice(1)}: ${(e as Error).message}`);
      }
    }
    const labelsText = values.labels ?? env['KILN_AGENT_LABELS'] ?? '';
    const labels = labelsText.split(/[,\s]+/).filter((l) => l !== '');
    const executorsText = values.executors ?? env['KILN_AGENT_EXECUTORS'] ?? '1';
    const executors = Number(executorsText);
    if (!Number.isInteger(executors) || executors < 1 || executors > 1024) {
      throw new UsageError(`--executors expects a whole number from 1 to 1024, got '${executorsText}'`);
    }
    const workdir = values.workdir ?? env['KILN_AGENT_WORKDIR'] ?? process.cwd();
    let stdioOpt: ConstructorParameters<typeof Agent>[0]['stdio'];
    if (stdio) {
      quiet = true; // stderr is the controller's launch log; keep it for what matters
      mkdirSync(workdir, { recursive: true });
      const sock = await resumeSocketPath(path.resolve(workdir));
      if (await relay(sock, logger)) return 0;
      process.stdout.on('error', () => {});
      process.stderr.on('error', () => {});
      process.on('SIGHUP', () => {}); // the SSH connection going away must not end the session
      stdioOpt = { input: process.stdin, output: process.stdout, resumeSocket: sock };
    }
    say = quiet ? logger.child({}, { level: 'error' }) : logger;
    try {
      agent = new Agent({
        url: url ?? '', name, secret: secret!, workdir, labels, executors,
        ...(stdioOpt ? { stdio: stdioOpt } : {}),
        reconnect: !values['no-reconnect'],
        podRunners: podRunnersFromEnv(env),
        log: lineLog(say),
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`kiln agent: ${message}\n${e instanceof UsageError ? '' : '\n' + HELP}`);
    return 2;
  }

  // A signal stops the agent and leaves its durable steps running for its next process (a restart,
  // an upgrade: as Jenkins' durable tasks outlive agent.jar), unless --stop-steps; a second
  // signal while it stops stops them too.
  let signalled = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalled) {
      say.info(`${sig} again: stopping the steps too`);
      void agent.stopSteps().finally(() => process.exit(130));
      return;
    }
    signalled = true;
    say.info(stopSteps ? `${sig}: stopping, and its steps` : `${sig}: stopping; its durable steps go on for its next process (--stop-steps or a second ${sig} stops them)`);
    void agent.stop(`agent stopped (${sig})`, { keepSteps: !stopSteps });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  if (isStdio(agent)) logger.info({ workdir: agent.workdir }, `'${agent.name}' speaking over stdio (work directory ${agent.workdir})`);
  say.info({ controller: agent.endpoint.href, workdir: agent.workdir }, `'${agent.name}' connecting to ${agent.endpoint.href} (work directory ${agent.workdir})`);
  try {
    await agent.run();
    return 0;
  } catch (e) {
    if (e instanceof AgentFatalError) {
      logger.error(e.message);
      return 1;
    }
    throw e;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

function isStdio(agent: Agent): boolean {
  return agent.endpoint.protocol === 'stdio:';
}

/** Where a --stdio agent waits for its relaunch: in the work directory, or /tmp when that path is too long for a socket. */
export async function resumeSocketPath(workdir: string): Promise<string> {
  const p = path.join(workdir, '.kiln-agent.sock');
  if (Buffer.byteLength(p) < 100) return p;
  // node:crypto only here: it costs every agent process 4 MB of memory.
  const { createHash } = await import('node:crypto');
  return path.join(os.tmpdir(), `kiln-agent-${createHash('sha256').update(workdir).digest('hex').slice(0, 16)}.sock`);
}

/** If a --stdio agent of this work directory still runs, pipes stdin/stdout to it until either side ends; true then. */
async function relay(sockPath: string, logger: Logger): Promise<boolean> {
  const sock = await new Promise<Socket | null>((resolve) => {
    const s = net.connect(sockPath);
    s.once('connect', () => resolve(s));
    s.once('error', () => resolve(null));
  });
  if (!sock) return false;
  logger.info(`resuming the running agent through ${sockPath}`);
  process.stdout.on('error', () => {});
  process.on('SIGHUP', () => {});
  await new Promise<void>((resolve) => {
    process.stdin.pipe(sock);
    sock.pipe(process.stdout);
    const done = () => { sock.destroy(); resolve(); };
    sock.once('close', done);
    process.stdin.once('end', done);
    process.stdin.once('close', done);
  });
  return true;
}
