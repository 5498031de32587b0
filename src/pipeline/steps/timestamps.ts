// timestamps: prefix each console line of the block with the time it was printed.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';

export const run: StepRun = async (ctx, args) => {
  return args.body ? ctx.runBody(args.body, { timestamps: true }) : null;
};
