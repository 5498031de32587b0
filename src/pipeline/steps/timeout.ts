// timeout: aborts its block after a time, as Jenkins does: the block is interrupted and the
// build ends ABORTED ("Timeout has been exceeded") unless something catches it. Its deadline is
// absolute and kept in the build's journal, so a controller restart does not move it. It says when
// it starts, as Jenkins' does: "Timeout set to expire in 5 min 0 sec" (timeSpanString).
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
  log(activity ? `Timeout set to expire after ${timeSpanString(ms)} without activity` : `Timeout set to expire in ${timeSpanString(ms)}`);
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

const DAY = 86_400_000;
/** A duration as Jenkins' Util.getTimeSpanString writes it: "1 min 0 sec", "15 min", "2.5 sec", "250 ms". */
export function timeSpanString(duration: number): string {
  let d = Math.max(0, Math.floor(duration));
  const units: [number, string][] = [[365 * DAY, 'yr'], [30 * DAY, 'mo'], [DAY, 'day'], [3_600_000, 'hr'], [60_000, 'min'], [1000, 'sec']];
  const n = units.map(([size]) => { const q = Math.floor(d / size); d %= size; return q; });
  for (let i = 0; i < 5; i++) {
    if (n[i]! > 0) return n[i]! < 10 ? `${n[i]} ${units[i]![1]} ${n[i + 1]} ${units[i + 1]![1]}` : `${n[i]} ${units[i]![1]}`;
  }
  const sec = n[5]!;
  if (sec >= 10) return `${sec} sec`;
  if (sec >= 1) return `${sec + Math.floor(d / 100) / 10} sec`;
  if (d >= 100) return `${Math.floor(d / 10) / 100} sec`;
  return `${d} ms`;
}
