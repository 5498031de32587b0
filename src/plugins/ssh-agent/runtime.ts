// The SSH Agent plugin's runtime: the `sshagent` step, as Jenkins' ssh-agent plugin runs it with
// its "Exec ssh-agent" implementation (a real `ssh-agent` binary on the node of the block).
//
// How, on the node of the block (everything through the Workspace's exec, so it is the same on
// the local backend, a remote agent, a container or a pod; in the block's container if any):
//   1. each credential id is looked up (once each); a missing one, or one that is not an SSH key,
//      fails the step with Jenkins' "[ssh-agent] Could not find specified credentials: <id>"
//      unless `ignoreMissing: true`, which leaves it out;
//   2. `ssh-agent -s -a <socket>` starts the agent with its socket in the workspace's @tmp area
//      (or where ssh-agent chooses when that path is too long for a Unix socket); its
//      SSH_AUTH_SOCK / SSH_AGENT_PID are read from its output and printed, as Jenkins does;
//   3. each key is given to `ssh-add -` on stdin, never on a command line or in a file; a
//      passphrase is given by an SSH_ASKPASS script (SSH_ASKPASS_REQUIRE=force) that prints a
//      mode-0600 file of the @tmp area and deletes it, so a wrong passphrase is asked for once
//      (ssh-add would otherwise ask forever) and fails; both files are removed after;
//   4. the block runs with SSH_AUTH_SOCK and SSH_AGENT_PID (and `usernameVariable`), the keys'
//      lines and the passphrases masked in its output;
//   5. `ssh-agent -k` kills the agent when the block ends, however it ends (failure, abort,
//      timeout): the kill gets its own time limit, not the build's aborted signal; then the step
//      waits (at most a few seconds) until the process is gone. An agent already started when
//      the build is stopped during `ssh-agent` itself is killed too.
// The console lines are the plugin's ("[ssh-agent] Using credentials ...", "$ ssh-agent",
// "Running ssh-add (command line suppressed)", "[ssh-agent] Started.", "[ssh-agent] Stopped.").
import { randomBytes } from 'node:crypto';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import type { Workspace } from '../../core/workspace.ts';
import { secretsOf, type Credential } from '../../core/credentials.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { bool, list, num, str } from '../../pipeline/steps/args.ts';

/** A Unix socket's path must fit in sun_path (108 bytes on Linux, 104 on macOS), with its NUL. */
const MAX_SOCKET_PATH = 103;

interface Agent {
  sock: string;
  pid: string;
  /** The socket file Kiln chose (removed after), or null when ssh-agent chose it. */
  ownSocket: string | null;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  aborted: boolean;
}

async function exec(ctx: StepContext, ws: Workspace, argv: string[], opts: { env: Record<string, string>; stdin?: string; signal: AbortSignal; echo: boolean }): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  let r;
  try {
    r = await ws.exec({
      argv,
      cwd: ctx.cwd ?? ws.root,
      env: opts.env,
      ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
      ...(ctx.container ? { container: ctx.container } : {}),
      signal: opts.signal,
      onOutput: (chunk, stream) => {
        if (stream === 'stdout') stdout += chunk.toString('utf8'); else stderr += chunk.toString('utf8');
        if (opts.echo) ctx.write(chunk, stream);
      },
    });
  } catch (err) {
    throw new StepFailure(`[ssh-agent] could not run ${argv[0]} on ${ws.nodeName}: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { code: r.exitCode, stdout, stderr, aborted: r.aborted };
}

/** Throws when the command was cut short: the build's interruption, or the step's time limit. */
function finished(ctx: StepContext, argv: string[], r: Ran): Ran {
  if (r.aborted && ctx.signal.aborted) throw interruptionOf(ctx.signal);
  if (r.aborted) throw new StepFailure(`[ssh-agent] ${argv.join(' ')} did not finish within the time limit (timeoutMinutes)`);
  return r;
}

function within(ctx: StepContext, ms: number): AbortSignal {
  return AbortSignal.any([ctx.signal, AbortSignal.timeout(ms)]);
}

async function credentialsOf(ctx: StepContext, ids: string[], ignoreMissing: boolean): Promise<Credential[]> {
  const found: Credential[] = [];
  for (const id of ids) {
    let c: Credential | null = null;
    try { c = await ctx.build.services.credential(id); } catch { c = null; }
    // Jenkins looks the id up as an SSH key: a credential of another type is not found either.
    if (c === null || c.type !== 'sshKey' || !c.privateKey) {
      if (ignoreMissing) continue;
      throw new StepFailure(`[ssh-agent] Could not find specified credentials: ${id}`);
    }
    if (!found.some((f) => f.id === c.id)) found.push(c);
  }
  return found;
}

async function startAgent(ctx: StepContext, ws: Workspace, timeoutMs: number): Promise<Agent> {
  ctx.log('[ssh-agent] Looking for ssh-agent implementation...');
  ctx.log('[ssh-agent]   Exec ssh-agent (binary ssh-agent on a remote machine)');
  await ws.mkdir(ws.tmp);
  const own = `${ws.tmp}/ssh-${randomBytes(4).toString('hex')}`;
  const ownSocket = Buffer.byteLength(own) <= MAX_SOCKET_PATH ? own : null;
  ctx.log('$ ssh-agent');
  const argv = ['ssh-agent', '-s', ...(ownSocket ? ['-a', ownSocket] : [])];
  const r = await exec(ctx, ws, argv, { env: { ...ctx.env }, signal: within(ctx, timeoutMs), echo: false });
  const sock = /SSH_AUTH_SOCK=([^;\n]+);/.exec(r.stdout)?.[1];
  const pid = /SSH_AGENT_PID=(\d+);/.exec(r.stdout)?.[1];
  if (r.aborted && sock && pid) {
    // it had started (and left the command's process group) when the build was stopped
    await stopAgent(ctx, ws, { sock, pid, ownSocket }, timeoutMs);
  }
  finished(ctx, argv, r);
  if (r.code !== 0 || !sock || !pid) {
    const why = r.code === 127 || /not found|No such file/i.test(r.stderr) ? `ssh-agent is not installed on ${ws.nodeName} (install OpenSSH's client there)` : `ssh-agent exited with ${r.code}: ${r.stderr.trim() || r.stdout.trim() || 'no output'}`;
    throw new StepFailure(`[ssh-agent] Unable to start agent: ${why}`);
  }
  ctx.log(`SSH_AUTH_SOCK=${sock}`);
  ctx.log(`SSH_AGENT_PID=${pid}`);
  return { sock, pid, ownSocket };
}

async function addKey(ctx: StepContext, ws: Workspace, agent: Agent, c: Credential, timeoutMs: number): Promise<void> {
  ctx.log('Running ssh-add (command line suppressed)');
  const env: Record<string, string> = { ...ctx.env, SSH_AUTH_SOCK: agent.sock, SSH_AGENT_PID: agent.pid };
  const files: string[] = [];
  try {
    if (c.passphrase) {
      const askpass = `${ws.tmp}/askpass_${randomBytes(8).toString('hex')}`;
      // The passphrase is a file only its owner reads; the script prints it once and deletes it.
      files.push(askpass, `${askpass}.pass`);
      await ws.writeFile(`${askpass}.pass`, c.passphrase, 0o600);
      await ws.writeFile(askpass, '#!/bin/sh\ncat "$0.pass" 2>/dev/null\nrm -f "$0.pass"\n', 0o700);
      Object.assign(env, { SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force', DISPLAY: env.DISPLAY ?? ':0' });
    } else {
      env.SSH_ASKPASS_REQUIRE = 'never';
    }
    const key = c.privateKey!.endsWith('\n') ? c.privateKey! : `${c.privateKey!}\n`;
    const r = finished(ctx, ['ssh-add'], await exec(ctx, ws, ['ssh-add', '-'], { env, stdin: key, signal: within(ctx, timeoutMs), echo: true }));
    if (r.code !== 0) {
      // ssh-add says nothing when the askpass answer is wrong or missing: say what it means.
      const quiet = r.stderr.trim() === '' || /passphrase/i.test(r.stderr);
      const hint = !quiet ? '' : c.passphrase ? ': is the passphrase of the credential right?' : ': the key may need a passphrase, and the credential has none';
      throw new StepFailure(`[ssh-agent] Failed to run ssh-add for credentials ${c.id} (exit code ${r.code})${hint}`);
    }
  } finally {
    for (const f of files) await ws.remove(f).catch(() => {});
  }
}

async function stopAgent(ctx: StepContext, ws: Workspace, agent: Agent, timeoutMs: number): Promise<void> {
  ctx.log('$ ssh-agent -k');
  try {
    const env = { ...ctx.env, SSH_AUTH_SOCK: agent.sock, SSH_AGENT_PID: agent.pid };
    // Not the build's signal: an aborted build must still kill its agent.
    const r = await exec(ctx, ws, ['ssh-agent', '-k'], { env, signal: AbortSignal.timeout(timeoutMs), echo: true });
    if (r.aborted) ctx.log(`[ssh-agent] ssh-agent -k did not finish in time; the agent (pid ${agent.pid}) may still run`);
    else if (r.code !== 0) ctx.log(`[ssh-agent] Failed to run ssh-agent -k (exit code ${r.code}); the agent (pid ${agent.pid}) may still run`);
    else {
      // ssh-agent -k only signals the agent: wait (briefly, bounded) until it is gone, so that
      // nothing of it is left when the step ends
      const wait = 'i=0; while kill -0 "$1" 2>/dev/null && [ "$i" -lt 100 ]; do sleep 0.05 2>/dev/null || sleep 1; i=$((i+1)); done';
      await exec(ctx, ws, ['sh', '-c', wait, 'sh', agent.pid], { env, signal: AbortSignal.timeout(10_000), echo: false }).catch(() => {});
      ctx.log('[ssh-agent] Stopped.');
    }
  } catch (err) {
    ctx.log(`[ssh-agent] Failed to stop the agent (pid ${agent.pid}): ${err instanceof Error ? err.message : String(err)}`);
  } finally {
    if (agent.ownSocket) await ws.remove(agent.ownSocket).catch(() => {});
  }
}

const sshagent: StepRun = async (ctx, args) => {
  const ids = [...new Set((list(args, 'credentials') ?? []).map((v) => String(v)))];
  const ignoreMissing = bool(args, 'ignoreMissing', false);
  const minutes = num(args, 'timeoutMinutes') ?? 1;
  if (!Number.isFinite(minutes) || minutes < 1) throw new StepFailure(`sshagent: timeoutMinutes must be at least 1, got ${minutes}`);
  const timeoutMs = minutes * 60_000;
  const usernameVariable = str(args, 'usernameVariable');
  const keys = await credentialsOf(ctx, ids, ignoreMissing);
  for (const c of keys) ctx.log(`[ssh-agent] Using credentials ${c.username || c.id}`);
  const ws = ctx.workspace();
  if (!ws.isUnix) throw new StepFailure(`[ssh-agent] Unable to start agent: ${ws.nodeName} is not a Unix node (Kiln runs ssh-agent and a shell askpass helper)`);
  const agent = await startAgent(ctx, ws, timeoutMs);
  try {
    for (const c of keys) await addKey(ctx, ws, agent, c, timeoutMs);
    ctx.log('[ssh-agent] Started.');
    const env: Record<string, string> = { SSH_AUTH_SOCK: agent.sock, SSH_AGENT_PID: agent.pid };
    if (usernameVariable && keys[0]?.username) env[usernameVariable] = keys[0].username;
    return args.body ? await ctx.runBody(args.body, { env, secrets: keys.flatMap(secretsOf) }) : null;
  } finally {
    await stopAgent(ctx, ws, agent, timeoutMs);
  }
};

const runtime: PluginRuntime = { steps: { sshagent } };

export default runtime;
