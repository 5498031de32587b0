// deleteDir: delete the current directory and everything in it.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';

export const run: StepRun = async (ctx) => {
  const ws = ctx.workspace();
  await ws.remove(ctx.cwd ?? ws.root);
  return null;
};
