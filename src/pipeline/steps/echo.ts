import { defineStep } from './types.ts';

export default defineStep({
  name: 'echo',
  doc: 'Print a message to the console.',
  params: [{ name: 'message', type: 'string', required: true, doc: 'the text' }],
  positional: 'message',
  block: 'none',
  needsNode: false,
  async run(ctx, args) {
    ctx.log(String(args.values.message ?? ''));
    return null;
  },
});
