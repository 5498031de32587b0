import { defineStep } from './types.ts';

export default defineStep({
  name: 'timestamps',
  doc: 'Prefix each console line of the block with the time it was printed.',
  params: [],
  block: 'required',
  needsNode: false,
  async run(ctx, args) {
    return args.body ? ctx.runBody(args.body, { timestamps: true }) : null;
  },
});
