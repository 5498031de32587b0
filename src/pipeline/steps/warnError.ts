// warnError: catch a failure in the block, mark the build and stage UNSTABLE, and carry on.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { catchFailure } from './catchError.ts';
import { reqStr } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  return catchFailure(ctx, args, 'UNSTABLE', 'UNSTABLE', reqStr(args, 'message', 'warnError'));
};
