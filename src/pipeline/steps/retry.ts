import { defineStep } from './types.ts';
import { Interrupted } from '../../core/errors.ts';
import { num } from './args.ts';

export default defineStep({
  name: 'retry',
  doc: 'Run the block again when it fails, up to count times in all: retry(3) { ... }.',
  params: [{ name: 'count', type: 'integer', required: true, doc: 'how many attempts in all' }],
  positional: 'count',
  block: 'required',
  needsNode: false,
  async run(ctx, args) {
    const count = Math.max(1, num(args, 'count') ?? 1);
    for (let attempt = 1; ; attempt++) {
      try {
        return args.body ? await ctx.runBody(args.body) : null;
      } catch (err) {
        // An abort (user, timeout of an enclosing block) is not a failure to retry.
        if (err instanceof Interrupted || ctx.signal.aborted || attempt >= count) throw err;
        ctx.log(`ERROR: ${err instanceof Error ? err.message : String(err)}`);
        ctx.log(`Retrying (attempt ${attempt + 1} of ${count})`);
      }
    }
  },
});
