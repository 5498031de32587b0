// parallel (scripted): runs named closures at the same time; with failFast, the first failure
// aborts the other branches.
import type { StepRun } from '../plugin.ts';
import { Interrupted, StepFailure } from '../../core/errors.ts';
import { isClosure, isMap, type ClosureValue, type Value } from '../script/values.ts';

export const run: StepRun = async (ctx, args) => {
  const branches: [string, ClosureValue][] = [];
  let failFast = false;
  const add = (name: string, v: Value) => {
    if (name === 'failFast') { failFast = v === true; return; }
    if (!isClosure(v)) throw new StepFailure(`parallel: branch '${name}' must be a closure { ... }`);
    branches.push([name, v]);
  };
  for (const [k, v] of Object.entries(args.values)) {
    if (isMap(v) && k !== 'failFast') for (const [k2, v2] of v) add(k2, v2);
    else add(k, v);
  }
  const ctl = new AbortController();
  const onParent = () => ctl.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', onParent, { once: true });
  const results = await Promise.allSettled(branches.map(async ([name, body]) => {
    try {
      return await ctx.runBody(body, { parallelBranch: name, signal: ctl.signal });
    } catch (err) {
      if (failFast && !ctl.signal.aborted) ctl.abort(new Interrupted('failFast', `Failed in branch ${name}`));
      throw err;
    }
  }));
  ctx.signal.removeEventListener('abort', onParent);
  const failures = results.flatMap((r, i) => (r.status === 'rejected' ? [[branches[i]![0], r.reason] as const] : []));
  const first = failures.find(([, e]) => !(e instanceof Interrupted && e.cause_ === 'failFast')) ?? failures[0];
  if (first) {
    const [name, err] = first;
    if (err instanceof Interrupted) throw err;
    throw new StepFailure(`Failed in branch ${name}: ${err instanceof Error ? err.message : String(err)}`, {
      result: err instanceof StepFailure ? err.result : 'FAILURE',
    });
  }
  return null;
};
