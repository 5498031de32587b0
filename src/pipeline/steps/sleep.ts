// sleep: wait for a time: sleep 5 (seconds), sleep(time: 2, unit: 'MINUTES').
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { whenAborted } from '../../core/errors.ts';
import { num, str, unitToMs } from './args.ts';
import type { TimeUnit } from '../model/types.ts';

export const run: StepRun = async (ctx, args) => {
  const ms = (num(args, 'time') ?? 0) * unitToMs((str(args, 'unit') ?? 'SECONDS') as TimeUnit);
  ctx.log(`Sleeping for ${ms >= 1000 ? `${ms / 1000} sec` : `${ms} ms`}`);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([new Promise((resolve) => { timer = setTimeout(resolve, ms); }), whenAborted(ctx.signal)]);
  } finally {
    clearTimeout(timer);
  }
  return null;
};
