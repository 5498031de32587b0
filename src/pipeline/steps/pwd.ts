import { defineStep } from './types.ts';
import { bool } from './args.ts';

export default defineStep({
  name: 'pwd',
  doc: 'The current directory (tmp: true gives a scratch directory beside the workspace).',
  params: [{ name: 'tmp', type: 'boolean', doc: 'return a temporary directory for this workspace' }],
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
    const ws = ctx.workspace();
    const cwd = ctx.cwd ?? ws.root;
    return bool(args, 'tmp', false) ? ws.tmp : cwd;
  },
});
