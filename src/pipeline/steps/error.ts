// error: fail the build with a message (no stack trace).
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';

export const run: StepRun = async (_ctx, args) => {
  throw new StepFailure(String(args.values.message ?? ''));
};
