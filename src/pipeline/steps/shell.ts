// The machinery the script steps share (sh, bat, powershell, pwsh): run a program in the
// current directory and container with the step's environment, stream or capture its output,
// and turn its exit into a return value or a failure, as Jenkins' durable-task steps do.
import type { StepArgs, StepContext } from './types.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { ExecNotReattachable, type ExecResult, type OutputBarrier } from '../../core/workspace.ts';
import { nonResumable } from '../engine/replay.ts';
import { bool, reqStr, str } from './args.ts';
import { PATH_PREPEND_ENV } from '../../core/workspace.ts';

/**
 * The variable by which a block names the shell `sh` uses in its container (the kubernetes
 * plugin's container(name, shell: '/bin/bash')); kept out of the processes' environment.
 */
export const CONTAINER_SHELL = 'KILN_CONTAINER_SHELL';

/** The process env: without the block's shell, and without PATH_PREPEND_ENV outside a container (PATH has them there). */
function withoutShell(env: Readonly<Record<string, string>>, container: boolean): Record<string, string> {
  const { [CONTAINER_SHELL]: _shell, [PATH_PREPEND_ENV]: prepend, ...rest } = env;
  return container && prepend ? { ...rest, [PATH_PREPEND_ENV]: prepend } : rest;
}

/** The ack barrier of the step's durable exec (ExecSpec.barrier), where the build has one. */
function barrierOf(ctx: StepContext): { barrier?: OutputBarrier } {
  const key = ctx.durableKey;
  const b = ctx.outputBarrier;
  return key && b ? { barrier: (got, end) => b(key, got, end) } : {};
}

/** Runs `argv(script)` and applies returnStdout / returnStatus / label / encoding. */
export async function runScriptStep(ctx: StepContext, args: StepArgs, step: string,
  argv: (script: string) => Promise<string[]> | string[]): Promise<string | number | null> {
  const script = reqStr(args, 'script', step);
  const returnStdout = bool(args, 'returnStdout', false);
  const returnStatus = bool(args, 'returnStatus', false);
  if (returnStdout && returnStatus) throw new StepFailure(`${step}: returnStdout and returnStatus cannot both be true`);
  const label = str(args, 'label');
  if (label && !ctx.resumed) ctx.log(`[${label}]`);
  const ws = ctx.workspace();
  const out: Buffer[] = [];
  const onOutput = (chunk: Buffer, stream: 'stdout' | 'stderr') => {
    if (returnStdout && stream === 'stdout') out.push(chunk);
    else ctx.write(chunk, stream);
  };
  const start = async () => ws.exec({
    argv: await argv(script),
    cwd: ctx.cwd ?? ws.root,
    env: withoutShell(ctx.env, Boolean(ctx.container)),
    ...(ctx.container ? { container: ctx.container } : {}),
    ...(ctx.durableKey ? { durableKey: ctx.durableKey } : {}),
    ...(ctx.durableKey && returnStdout ? { keepStdout: true } : {}),
    ...barrierOf(ctx),
    signal: ctx.signal,
    onOutput,
  });
  let result: ExecResult;
  if (ctx.resumed) {
    // In flight when the controller restarted: its process may still run on the agent (durable
    // exec), taken over here; anywhere else it cannot be resumed.
    if (!ws.reattach || !ctx.durableKey) throw nonResumable(step);
    try {
      // A captured stdout (only in memory here) comes again whole: the agent kept it (keepStdout).
      result = await ws.reattach(ctx.durableKey, {
        onOutput, signal: ctx.signal, ...barrierOf(ctx), ...(ctx.durableFrom ? { from: ctx.durableFrom } : {}), ...(returnStdout ? { keepStdout: true } : {}),
      });
    } catch (e) {
      if (!(e instanceof ExecNotReattachable)) throw e;
      // Journaled, but the controller stopped before the agent got it: it starts now, once.
      if (!e.started) result = await start();
      else throw nonResumable(step);
    }
  } else {
    result = await start();
  }
  if (result.aborted || ctx.signal.aborted) throw interruptionOf(ctx.signal);
  const code = result.exitCode ?? (result.signal ? 128 : 1);
  if (returnStatus) return code;
  if (code !== 0) {
    throw new StepFailure(result.exitCode === null ? `script was killed by signal ${result.signal ?? '?'}` : `script returned exit code ${code}`);
  }
  if (!returnStdout) return null;
  const enc = str(args, 'encoding') ?? 'utf-8';
  try {
    return new TextDecoder(enc).decode(Buffer.concat(out));
  } catch {
    throw new StepFailure(`${step}: unknown encoding '${enc}'`);
  }
}

/** Writes a script to the workspace's tmp area (for interpreters that read a file) and returns its path. */
export async function scriptFile(ctx: StepContext, script: string, ext: string, mode = 0o700): Promise<string> {
  const ws = ctx.workspace();
  const file = `${ws.tmp}/script-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}${ext}`;
  await ws.writeFile(file, script, mode);
  return file;
}
