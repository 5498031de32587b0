// retry: run the block again when it fails, up to count times in all: retry(3) { ... }.
// With `conditions` (workflow-basic-steps' ErrorCondition), only a failure whose cause is one of
// them is retried: agent() — the agent the block ran on was lost (its connection ended);
// kubernetesAgent() — the same for a pod's agent (handleNonKubernetes: true takes any agent);
// nonresumable() — a step that was in flight when the controller restarted and could not resume
// (engine/replay.ts: an `sh` on an agent is not re-attached yet), Jenkins'
// SynchronousResumeNotSupportedException.
// Any other failure then ends the retry at once. The declarative option `retry(count:,
// conditions:)` uses the same decision (engine.ts).
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { Interrupted, agentLossOf } from '../../core/errors.ts';
import { isList, isMap, type Value } from '../script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { num } from './args.ts';
import { isNonResumable } from '../engine/replay.ts';

/** One condition of `conditions: [...]`, as its symbol's descriptor. */
export interface RetryCondition {
  kind: 'agent' | 'kubernetesAgent' | 'nonresumable';
  handleNonKubernetes: boolean;
}

/** The conditions' descriptors (agent(), kubernetesAgent(...), nonresumable()), or null when none are given. */
export function retryConditions(v: Value | undefined): RetryCondition[] | null {
  if (v === undefined || v === null) return null;
  if (!isList(v)) throw new StepFailure('retry: conditions must be a list: conditions: [agent(), kubernetesAgent(), nonresumable()]');
  return v.map((c) => {
    const kind = isMap(c) ? c.get('$symbol') : undefined;
    if (kind !== 'agent' && kind !== 'kubernetesAgent' && kind !== 'nonresumable') {
      throw new StepFailure(`retry: ${isMap(c) ? String(c.get('$symbol') ?? c.get('$class') ?? 'a map') : String(c)} is not a retry condition (agent(), kubernetesAgent(), nonresumable())`);
    }
    return { kind, handleNonKubernetes: isMap(c) && c.get('handleNonKubernetes') === true };
  });
}

/** Whether `err` may be retried under `conditions` (null: any failure may). */
export function retryable(err: unknown, conditions: RetryCondition[] | null): boolean {
  if (conditions === null) return true;
  const lost = agentLossOf(err);
  return conditions.some((c) => {
    if (c.kind === 'agent') return lost !== null;
    if (c.kind === 'kubernetesAgent') return lost !== null && (lost.pod || c.handleNonKubernetes);
    return isNonResumable(err); // nonresumable
  });
}

/** The console line for a failure the conditions do not cover. */
export function notRetrying(conditions: RetryCondition[]): string {
  return `Not retrying: the failure is not one of the retry conditions (${conditions.map((c) => `${c.kind}()`).join(', ')})`;
}

export const run: StepRun = async (ctx, args) => {
  const count = Math.max(1, num(args, 'count') ?? 1);
  const conditions = retryConditions(args.values['conditions']);
  for (let attempt = 1; ; attempt++) {
    try {
      return args.body ? await ctx.runBody(args.body) : null;
    } catch (err) {
      // An abort (user, timeout of an enclosing block) is not a failure to retry.
      if (err instanceof Interrupted || ctx.signal.aborted || attempt >= count) throw err;
      if (!retryable(err, conditions)) {
        ctx.log(notRetrying(conditions!));
        throw err;
      }
      ctx.log(`ERROR: ${err instanceof Error ? err.message : String(err)}`);
      ctx.log(`Retrying (attempt ${attempt + 1} of ${count})`);
    }
  }
};
