// timeout: aborts its block after a time, as Jenkins does: the block is interrupted and the
// build ends ABORTED ("Timeout has been exceeded") unless something catches it. Its deadline is
// absolute and kept in the build's journal, so a controller restart does not move it.
import type { StepRun } from '../plugin.ts';
import { Interrupted } from '../../core/errors.ts';
import { bool, num, str, unitToMs } from './args.ts';
import type { TimeUnit } from '../model/types.ts';

export const run: StepRun = async (ctx, args) => {
  const unit = (str(args, 'unit') ?? 'MINUTES') as TimeUnit;
  const ms = (num(args, 'time') ?? 0) * unitToMs(unit);
  const activity = bool(args, 'activity', false);
  // The deadline is kept across a controller restart (the journal's); a no-activity clock starts again.
  const left = !activity && ctx.deadline ? Math.max(0, ctx.deadline(ms) - Date.now()) : ms;
  return withTimeout(left, activity, ctx.signal, (signal, touch) => args.body ? ctx.runBody(args.body, { signal, onOutput: activity ? touch : undefined }) : Promise.resolve(null),
    (message) => ctx.log(message));
};

/**
 * Runs `fn` with a signal that aborts after `ms` (or `ms` of silence when `activity`, where
 * `touch()` restarts the clock). Used by the timeout step and the timeout option.
 */
export async function withTimeout<T>(ms: number, activity: boolean, parent: AbortSignal,
  fn: (signal: AbortSignal, touch: () => void) => Promise<T>, log: (message: string) => void): Promise<T> {
  const ctl = new AbortController();
  const onParent = () => ctl.abort(parent.reason);
  if (parent.aborted) onParent();
  else parent.addEventListener('abort', onParent, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      log(activity ? `Timeout: no output for ${ms / 1000} sec` : 'Cancelling nested steps due to timeout');
      ctl.abort(new Interrupted('timeout', activity ? 'Timeout has been exceeded (no activity)' : 'Timeout has been exceeded'));
    }, Math.max(0, ms));
  };
  arm();
  try {
    return await fn(ctl.signal, activity ? arm : () => {});
  } finally {
    if (timer) clearTimeout(timer);
    parent.removeEventListener('abort', onParent);
  }
}
