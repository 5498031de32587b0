// node: scripted pipelines' "run this block on a node whose labels match". Inside throttle blocks
// it first passes their gates (their categories' slots), held until the node is given back.
import type { StepRun } from '../plugin.ts';
import { str } from './args.ts';
import { passNodeGates } from './node-gates.ts';

export const run: StepRun = async (ctx, args) => {
  const label = str(args, 'label') ?? null;
  // the enclosing throttle blocks' slots, held as long as the node
  const { release: ungate, claim } = await passNodeGates(ctx.nodeGates ?? [], ctx.signal, (line) => ctx.log(line));
  let got;
  try {
    got = await ctx.build.services.allocateNode(label, ctx.signal, (line) => ctx.log(line), claim);
  } catch (err) {
    ungate();
    throw err;
  }
  const { workspace, release } = got;
  try {
    ctx.log(`Running on ${workspace.nodeName} in ${workspace.root}`);
    return args.body ? await ctx.runBody(args.body, { workspace, cwd: workspace.root }) : null;
  } finally {
    await release().finally(ungate);
  }
};
