// unstable: mark the build and the current stage UNSTABLE, with a message.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { reqStr } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  ctx.log(`WARNING: ${reqStr(args, 'message', 'unstable')}`);
  ctx.build.setResult('UNSTABLE', 'UNSTABLE');
  return null;
};
