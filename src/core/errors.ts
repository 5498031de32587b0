// The ways a step can end other than returning. The engine turns each into a build result.
// Contracts only: this folder imports nothing else of src.
import type { BuildResult, Loc } from './build.ts';

/** A step failed (non-zero exit, `error 'x'`, a bad argument): FAILURE unless `result` says otherwise. */
export class StepFailure extends Error {
  readonly result: BuildResult;
  /** Where in the Jenkinsfile; filled in by the engine when the step did not know. */
  loc: Loc | null;
  constructor(message: string, opts: { result?: BuildResult; loc?: Loc | null; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'StepFailure';
    this.result = opts.result ?? 'FAILURE';
    this.loc = opts.loc ?? null;
  }
}

export type AbortCause = 'user' | 'timeout' | 'failFast' | 'input-rejected' | 'superseded' | 'agent-lost';

/**
 * The build, or the part that contains this step, was interrupted: by a user, a `timeout`,
 * a failing parallel sibling with failFast, a rejected input. Jenkins' FlowInterruptedException.
 */
export class Interrupted extends Error {
  readonly cause_: AbortCause;
  readonly result: BuildResult;
  constructor(cause: AbortCause, message: string, result: BuildResult = 'ABORTED') {
    super(message);
    this.name = 'Interrupted';
    this.cause_ = cause;
    this.result = result;
  }
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
