// Validation of cron specs in `triggers { cron(...) / pollSCM(...) }`. The grammar lives in
// one place, `src/util/cron.ts` (Jenkins' syntax: five fields of `*`, `H`, `H(a-b)`, `n`,
// `a-b`, lists and `/step`, the @aliases, `#` comments, a leading `TZ=Zone` line); this module
// only re-exports what the model's validation needs, so lint and the scheduler never disagree.

import { CRON_ALIAS_SPECS, checkCron as checkSpec, type CronProblem } from '../../util/cron.ts';

export type { CronProblem };

export const CRON_ALIASES: string[] = Object.keys(CRON_ALIAS_SPECS);

/** Checks a cron spec; returns the first problem of each bad line. */
export function checkCron(spec: string): CronProblem[] {
  return checkSpec(spec);
}
