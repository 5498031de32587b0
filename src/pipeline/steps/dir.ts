import { defineStep } from './types.ts';
import { reqStr } from './args.ts';

export default defineStep({
  name: 'dir',
  doc: 'Run the block in a subdirectory of the workspace (created when missing).',
  params: [{ name: 'path', type: 'string', required: true, doc: 'directory, relative to the current one' }],
  positional: 'path',
  block: 'required',
  needsNode: true,
  async run(ctx, args) {
    const path = ctx.resolvePath(reqStr(args, 'path', 'dir'));
    await ctx.workspace().mkdir(path);
    return args.body ? ctx.runBody(args.body, { cwd: path }) : null;
  },
});
