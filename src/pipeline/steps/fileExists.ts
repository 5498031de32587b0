// fileExists: whether a file or directory exists in the workspace.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { reqStr } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  return (await ctx.workspace().stat(ctx.resolvePath(reqStr(args, 'file', 'fileExists')))) !== null;
};
