import { defineStep } from './types.ts';
import { reqStr } from './args.ts';

export default defineStep({
  name: 'unstable',
  doc: 'Mark the build and the current stage UNSTABLE, with a message.',
  params: [{ name: 'message', type: 'string', required: true, doc: 'why' }],
  positional: 'message',
  block: 'none',
  needsNode: false,
  async run(ctx, args) {
    ctx.log(`WARNING: ${reqStr(args, 'message', 'unstable')}`);
    ctx.build.setResult('UNSTABLE', 'UNSTABLE');
    return null;
  },
});
