// retry: run the block again when it fails, up to count times in all: retry(3) { ... }.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { Interrupted } from '../../core/errors.ts';
import { num } from './args.ts';

export const run: StepRun = async (ctx, args) => {
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
};
