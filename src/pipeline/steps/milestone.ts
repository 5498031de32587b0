// milestone: keeps deployments in order (Pipeline: Milestone Step). When a build passes a
// milestone, older builds of the job that have not passed it yet are aborted; a build that
// reaches a milestone a newer build already passed is aborted itself. Ordinals count up in
// the order a build passes milestones when none is given.
import type { StepRun } from '../plugin.ts';
import { type StepContext } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { num, str } from './args.ts';

const counters = new WeakMap<object, number>();

function nextOrdinal(ctx: StepContext, given: number | undefined): number {
  const key = ctx.build.services as object;
  const last = counters.get(key) ?? 0;
  const ordinal = given ?? last + 1;
  if (ordinal <= last && given !== undefined) throw new StepFailure(`milestone: ordinals must increase (${ordinal} after ${last})`);
  counters.set(key, ordinal);
  return ordinal;
}

export const run: StepRun = async (ctx, args) => {
  const ordinal = nextOrdinal(ctx, num(args, 'ordinal'));
  const label = str(args, 'label') ?? null;
  await ctx.build.services.milestone?.(ordinal, label);
  ctx.log(`Passed milestone ${ordinal}${label ? ` (${label})` : ''}`);
  return null;
};
