// milestone: keeps deployments in order (Pipeline: Milestone Step). When a build passes a
// milestone, older builds of the job that have not passed it yet are aborted; a build that
// reaches a milestone a newer build already passed is aborted itself. Without an ordinal a
// milestone takes the one after the build's previous milestone, 0 for its first; a given one
// must be greater than the previous (MilestoneStepExecution.getNextOrdinal). The console says
// "Trying to pass milestone N", as Jenkins does.
import type { StepRun } from '../plugin.ts';
import { type StepContext } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { num, str } from './args.ts';

function nextOrdinal(ctx: StepContext, given: number | undefined): number {
  // the build's own state (BuildScope): a step's services object may be a per-call copy
  const previous = ctx.build.scope.state('milestone', () => ({ last: undefined as number | undefined }));
  const last = previous.last;
  if (given !== undefined && last !== undefined && last >= given) throw new StepFailure(`Invalid ordinal ${given}, as the previous one was ${last}`);
  const ordinal = given ?? (last === undefined ? 0 : last + 1);
  previous.last = ordinal;
  return ordinal;
}

export const run: StepRun = async (ctx, args) => {
  const ordinal = nextOrdinal(ctx, num(args, 'ordinal'));
  const label = str(args, 'label') ?? null;
  ctx.log(`Trying to pass milestone ${ordinal}`);
  await ctx.build.services.milestone?.(ordinal, label);
  return null;
};
