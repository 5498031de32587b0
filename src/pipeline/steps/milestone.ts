// milestone: keeps deployments in order (Pipeline: Milestone Step). When a build passes a
// milestone, older builds of the job that have not passed it yet are aborted; a build that
// reaches a milestone a newer build already passed is aborted itself. Ordinals count up in
// the order a build passes milestones when none is given.
import { defineStep, type StepContext } from './types.ts';
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

export default defineStep({
  name: 'milestone',
  doc: 'Abort older builds that have not passed this point; abort this one if a newer build already has.',
  params: [
    { name: 'ordinal', type: 'integer', doc: 'the milestone number (default: the next one)' },
    { name: 'label', type: 'string', doc: 'a name shown in the console' },
  ],
  positional: 'ordinal',
  block: 'none',
  needsNode: false,
  async run(ctx, args) {
    const ordinal = nextOrdinal(ctx, num(args, 'ordinal'));
    const label = str(args, 'label') ?? null;
    await ctx.build.services.milestone?.(ordinal, label);
    ctx.log(`Passed milestone ${ordinal}${label ? ` (${label})` : ''}`);
    return null;
  },
});
