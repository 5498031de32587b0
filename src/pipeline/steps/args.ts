// Reading bound step arguments as the types their declaration promises.
import { StepFailure } from '../../core/errors.ts';
import type { StepArgs } from './types.ts';
import { isList, type Value } from '../script/values.ts';
import type { TimeUnit } from '../model/types.ts';

export function str(args: StepArgs, name: string): string | undefined {
  const v = args.values[name];
  return v === undefined || v === null ? undefined : String(v);
}

export function reqStr(args: StepArgs, name: string, step: string): string {
  const v = str(args, name);
  if (v === undefined) throw new StepFailure(`${step}: missing required parameter "${name}"`);
  return v;
}

export function bool(args: StepArgs, name: string, dflt: boolean): boolean {
  const v = args.values[name];
  return v === undefined || v === null ? dflt : v === true || v === 'true';
}

export function num(args: StepArgs, name: string): number | undefined {
  const v = args.values[name];
  return v === undefined || v === null ? undefined : Number(v);
}

export function list(args: StepArgs, name: string): Value[] | undefined {
  const v = args.values[name];
  if (v === undefined || v === null) return undefined;
  return isList(v) ? v : [v];
}

export function unitToMs(unit: TimeUnit): number {
  switch (unit) {
    case 'NANOSECONDS': return 1e-6;
    case 'MICROSECONDS': return 1e-3;
    case 'MILLISECONDS': return 1;
    case 'SECONDS': return 1000;
    case 'MINUTES': return 60_000;
    case 'HOURS': return 3_600_000;
    case 'DAYS': return 86_400_000;
  }
}

/** Human form of a duration, as Jenkins prints it: "1 min 5 sec", "250 ms". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} sec`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} sec`;
  const h = Math.floor(m / 60);
  return `${h} hr ${m % 60} min`;
}
