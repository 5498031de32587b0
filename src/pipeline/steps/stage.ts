// stage: a named stage of a scripted pipeline: stage('Build') { ... }; the legacy form without a
// block (stage 'Build') is accepted and runs nothing.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { reqStr } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  return args.body ? ctx.runBody(args.body, { stage: reqStr(args, 'name', 'stage') }) : null;
};
