// dir: run the block in a subdirectory of the workspace (created when missing).
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { reqStr } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  const path = ctx.resolvePath(reqStr(args, 'path', 'dir'));
  await ctx.workspace().mkdir(path);
  return args.body ? ctx.runBody(args.body, { cwd: path }) : null;
};
