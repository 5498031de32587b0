// writeFile: write text to a file in the workspace (parent directories are created).
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { reqStr, str } from './args.ts';
import { encode } from './files.ts';

export const run: StepRun = async (ctx, args) => {
  const path = ctx.resolvePath(reqStr(args, 'file', 'writeFile'));
  await ctx.workspace().writeFile(path, encode(reqStr(args, 'text', 'writeFile'), str(args, 'encoding'), 'writeFile'));
  return null;
};
