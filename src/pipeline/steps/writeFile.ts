import { defineStep } from './types.ts';
import { reqStr, str } from './args.ts';
import { encode } from './files.ts';

export default defineStep({
  name: 'writeFile',
  doc: 'Write text to a file in the workspace (parent directories are created).',
  params: [
    { name: 'file', type: 'string', required: true, doc: 'path, relative to the current directory' },
    { name: 'text', type: 'string', required: true, doc: 'contents' },
    { name: 'encoding', type: 'string', doc: 'UTF-8 (default), ISO-8859-1, Base64 (text is base64 of bytes), ...' },
  ],
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
    const path = ctx.resolvePath(reqStr(args, 'file', 'writeFile'));
    await ctx.workspace().writeFile(path, encode(reqStr(args, 'text', 'writeFile'), str(args, 'encoding'), 'writeFile'));
    return null;
  },
});
