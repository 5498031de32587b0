import { defineStep } from './types.ts';

export default defineStep({
  name: 'deleteDir',
  doc: 'Delete the current directory and everything in it.',
  params: [],
  block: 'none',
  needsNode: true,
  async run(ctx) {
    const ws = ctx.workspace();
    await ws.remove(ctx.cwd ?? ws.root);
    return null;
  },
});
