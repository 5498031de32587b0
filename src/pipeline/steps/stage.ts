// stage: a named stage of a scripted pipeline: stage('Build') { ... }. Without a block (the old
// form, `stage 'Build'`), as Jenkins did: a deprecation warning, and the rest of the script up to
// the next stage is that stage.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { reqStr } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  const name = reqStr(args, 'name', 'stage');
  if (args.body) return ctx.runBody(args.body, { stage: name });
  ctx.log("Using the 'stage' step without a block argument is deprecated");
  ctx.log(`Entering stage ${name}`);
  ctx.log('Proceeding');
  ctx.build.beginOpenStage(name);
  return null;
};
