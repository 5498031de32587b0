// node: scripted pipelines' "run this block on a node whose labels match".
import type { StepRun } from '../plugin.ts';
import { str } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  const label = str(args, 'label') ?? null;
  const { workspace, release } = await ctx.build.services.allocateNode(label, ctx.signal, (line) => ctx.log(line));
  try {
    ctx.log(`Running on ${workspace.nodeName} in ${workspace.root}`);
    return args.body ? await ctx.runBody(args.body, { workspace, cwd: workspace.root }) : null;
  } finally {
    await release();
  }
};
