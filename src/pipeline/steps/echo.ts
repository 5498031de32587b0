// echo: print a message to the console.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';

export const run: StepRun = async (ctx, args) => {
  ctx.log(String(args.values.message ?? ''));
  return null;
};
