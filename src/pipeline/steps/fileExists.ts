import { defineStep } from './types.ts';
import { reqStr } from './args.ts';

export default defineStep({
  name: 'fileExists',
  doc: 'Whether a file or directory exists in the workspace.',
  params: [{ name: 'file', type: 'string', required: true, doc: 'path, relative to the current directory' }],
  positional: 'file',
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
    return (await ctx.workspace().stat(ctx.resolvePath(reqStr(args, 'file', 'fileExists')))) !== null;
  },
});
