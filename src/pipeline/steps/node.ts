// node: scripted pipelines' "run this block on a node whose labels match".
import { defineStep } from './types.ts';
import { str } from './args.ts';

export default defineStep({
  name: 'node',
  doc: "Allocate an executor and workspace on a node and run the block there: node('linux') { ... }.",
  params: [{ name: 'label', type: 'string', doc: 'label expression; any node when absent' }],
  positional: 'label',
  block: 'required',
  needsNode: false,
  scriptOnly: true,
  async run(ctx, args) {
    const label = str(args, 'label') ?? null;
    const { workspace, release } = await ctx.build.services.allocateNode(label, ctx.signal, (line) => ctx.log(line));
    try {
      ctx.log(`Running on ${workspace.nodeName} in ${workspace.root}`);
      return args.body ? await ctx.runBody(args.body, { workspace, cwd: workspace.root }) : null;
    } finally {
      await release();
    }
  },
});
