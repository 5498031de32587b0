// script { }: a block of Groovy statements inside a declarative `steps {}`.
import type { StepRun } from '../plugin.ts';

export const run: StepRun = async (ctx, args) => {
  return args.body ? ctx.runBody(args.body) : null;
};
