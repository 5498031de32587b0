import { defineStep } from './types.ts';
import { whenAborted } from '../../core/errors.ts';
import { TIME_UNITS, num, str, unitToMs } from './args.ts';
import type { TimeUnit } from '../model/types.ts';

export default defineStep({
  name: 'sleep',
  doc: "Wait for a time: sleep 5 (seconds), sleep(time: 2, unit: 'MINUTES').",
  params: [
    { name: 'time', type: 'number', required: true, doc: 'how long' },
    { name: 'unit', type: 'string', values: TIME_UNITS, doc: 'unit (default SECONDS)' },
  ],
  positional: 'time',
  block: 'none',
  needsNode: false,
  async run(ctx, args) {
    const ms = (num(args, 'time') ?? 0) * unitToMs((str(args, 'unit') ?? 'SECONDS') as TimeUnit);
    ctx.log(`Sleeping for ${ms >= 1000 ? `${ms / 1000} sec` : `${ms} ms`}`);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([new Promise((resolve) => { timer = setTimeout(resolve, ms); }), whenAborted(ctx.signal)]);
    } finally {
      clearTimeout(timer);
    }
    return null;
  },
});
