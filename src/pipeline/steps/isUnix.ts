import { defineStep } from './types.ts';

export default defineStep({
  name: 'isUnix',
  doc: 'Whether the current node is Unix-like.',
  params: [],
  block: 'none',
  needsNode: true,
  async run(ctx) {
    return ctx.workspace().isUnix;
  },
});
