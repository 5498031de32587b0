// script { }: a block of Groovy statements inside a declarative `steps {}`.
import { defineStep } from './types.ts';

export default defineStep({
  name: 'script',
  doc: 'Run a block of scripted pipeline code (def, if, for, closures, step calls).',
  params: [],
  block: 'required',
  needsNode: false,
  async run(ctx, args) {
    return args.body ? ctx.runBody(args.body) : null;
  },
});
