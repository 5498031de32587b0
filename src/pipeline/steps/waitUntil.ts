// waitUntil: runs its block until it returns true, waiting longer each time (Jenkins: starts at
// 0.25 s, grows by 1.2x, at most 15 s between tries).
import type { StepRun } from '../plugin.ts';
import { whenAborted } from '../../core/errors.ts';
import { bool, num } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  let wait = num(args, 'initialRecurrencePeriod') ?? 250;
  const quiet = bool(args, 'quiet', false);
  for (;;) {
    const v = args.body ? await ctx.runBody(args.body) : true;
    if (v === true) return null;
    if (v !== false) ctx.log(`waitUntil: the block returned ${String(v)}, not true; trying again`);
    if (!quiet) ctx.log(`Will try again after ${(wait / 1000).toFixed(2)} sec`);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([new Promise((r) => { timer = setTimeout(r, wait); }), whenAborted(ctx.signal)]);
    } finally {
      clearTimeout(timer);
    }
    wait = Math.min(15_000, wait * 1.2);
  }
};
