// isUnix: whether the current node is Unix-like.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';

export const run: StepRun = async (ctx) => {
  return ctx.workspace().isUnix;
};
