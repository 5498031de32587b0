// Kiln's errors: the one base class every error class of Kiln extends, and the ways a step can
// end other than returning (the engine turns each into a build result).
//
// Why one base: a log line, an error handler or a plugin can tell Kiln's errors from a
// library's (`instanceof KilnError`) and branch on a stable code instead of a message meant for
// people. How: each class passes its code to KilnError's constructor; the code is lowercase and
// dotted, the area then the failure (`workspace.outside`, `docker.engine`). A class whose own
// `code` field says more (WorkspaceError, StoreError, ApiError) is given `area.<that code>`; a
// subclass keeps its base's code (ScriptError is a `pipeline.error`), so the pair (name,
// kilnCode) is stable. The field is `kilnCode`, not `code`: several classes had a `code` of
// their own before (a WebSocket close number, an errno, a diagnostic kind), and Node's own
// errors use `code` for errnos, which code elsewhere reads generically.
//
// docs/architecture.md ("Errors") lists every code; test/architecture/errors.test.ts fails on an
// error class of src that does not extend KilnError, and on a code the list lacks.
// Contracts only: this folder imports nothing else of src.
import type { BuildResult, Loc } from './build.ts';

/** A stable error code: lowercase words, the area then the failure, dotted (`workspace.outside`). */
export type KilnErrorCode = `${string}.${string}`;

/** The base of every error class of Kiln: a stable code, the class's name, an optional cause. */
export class KilnError extends Error {
  /** Stable, documented (docs/architecture.md "Errors"); the message is for people. */
  readonly kilnCode: KilnErrorCode;
  constructor(code: KilnErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.kilnCode = code;
  }
}

/** A step failed (non-zero exit, `error 'x'`, a bad argument): FAILURE unless `result` says otherwise. */
export class StepFailure extends KilnError {
  readonly result: BuildResult;
  /** Where in the Jenkinsfile; filled in by the engine when the step did not know. */
  loc: Loc | null;
  constructor(message: string, opts: { result?: BuildResult; loc?: Loc | null; cause?: unknown } = {}) {
    super('step.failed', message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.result = opts.result ?? 'FAILURE';
    this.loc = opts.loc ?? null;
  }
}

export type AbortCause = 'user' | 'timeout' | 'failFast' | 'input-rejected' | 'superseded' | 'agent-lost';

/**
 * The build, or the part that contains this step, was interrupted: by a user, a `timeout`,
 * a failing parallel sibling with failFast, a rejected input. Jenkins' FlowInterruptedException.
 */
export class Interrupted extends KilnError {
  readonly cause_: AbortCause;
  readonly result: BuildResult;
  constructor(cause: AbortCause, message: string, result: BuildResult = 'ABORTED') {
    super('build.interrupted', message);
    this.cause_ = cause;
    this.result = result;
  }
}

/**
 * The agent whose loss caused `err` (anywhere in its cause chain): a call failed because the
 * agent's connection ended (`agent.unavailable`, the controller's AgentUnavailableError), with
 * whether that agent was a pod's. Null for any other failure. What `retry(conditions: [agent(),
 * kubernetesAgent()])` asks.
 */
export function agentLossOf(err: unknown): { agent: string; pod: boolean } | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 20; e = e.cause, depth++) {
    if (e instanceof KilnError && e.kilnCode === 'agent.unavailable') {
      const x = e as KilnError & { agent?: unknown; pod?: unknown };
      return { agent: typeof x.agent === 'string' ? x.agent : '', pod: x.pod === true };
    }
  }
  return null;
}

/** The reason an AbortSignal was aborted with, when Kiln aborted it. */
export function interruptionOf(signal: AbortSignal): Interrupted {
  const r: unknown = signal.reason;
  if (r instanceof Interrupted) return r;
  return new Interrupted('user', 'Aborted');
}

/** Throws the signal's interruption when it has been aborted. */
export function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw interruptionOf(signal);
}

/** A promise that rejects with the interruption when the signal aborts. */
export function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(interruptionOf(signal));
    else signal.addEventListener('abort', () => reject(interruptionOf(signal)), { once: true });
  });
}
