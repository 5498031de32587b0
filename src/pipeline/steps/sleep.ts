// sleep: wait for a time: sleep 5 (seconds), sleep(time: 2, unit: 'MINUTES').
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { whenAborted } from '../../core/errors.ts';
import { num, str, unitToMs } from './args.ts';
import type { TimeUnit } from '../model/types.ts';

export const run: StepRun = async (ctx, args) => {
  const ms = (num(args, 'time') ?? 0) * unitToMs((str(args, 'unit') ?? 'SECONDS') as TimeUnit);
  // The deadline is absolute and kept in the build's journal: a sleep resumed after a controller
  // restart ends when it would have (its line is in the console already). The line goes first, so
  // that the deadline's journal line carries it should the console not have it on disk yet
  // (controller/resume.ts); a resumed sleep whose deadline never reached the journal lost it too.
  const line = `Sleeping for ${ms >= 1000 ? `${ms / 1000} sec` : `${ms} ms`}`;
  const before = Date.now();
  if (!ctx.resumed) ctx.log(line);
  const until = ctx.deadline ? ctx.deadline(ms) : before + ms;
  if (ctx.resumed && until >= before + ms) ctx.log(line);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([new Promise((resolve) => { timer = setTimeout(resolve, Math.max(0, until - Date.now())); }), whenAborted(ctx.signal)]);
  } finally {
    clearTimeout(timer);
  }
  return null;
};
