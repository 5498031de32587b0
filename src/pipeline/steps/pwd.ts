// pwd: the current directory (tmp: true gives a scratch directory beside the workspace).
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { bool } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  const ws = ctx.workspace();
  const cwd = ctx.cwd ?? ws.root;
  return bool(args, 'tmp', false) ? ws.tmp : cwd;
};
