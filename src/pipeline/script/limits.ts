// Limits on what one script value may grow to: the operators (groovy-ops.ts), the GDK methods
// and the regex functions (regex.ts) all check against these, so they live apart from each.
import type { Loc } from '../../core/build.ts';
import { scriptError, type ScriptError } from './errors.ts';
import { MAX_LIST_ITEMS } from './values.ts';

/** Limits on what one value may grow to, so that a runaway script fails instead of exhausting memory. */
export const MAX_STRING = 100 * 1024 * 1024;
export const MAX_LIST = MAX_LIST_ITEMS;

export function tooLarge(what: string, loc: Loc | null): ScriptError {
  return scriptError('limit', `too large: ${what} (Kiln limits strings to 100 MB and lists to 1,000,000 items)`, loc, 'java.lang.OutOfMemoryError');
}

export function checkString(s: string, loc: Loc | null): string {
  if (s.length > MAX_STRING) throw tooLarge(`a string of ${s.length} characters`, loc);
  return s;
}

export function checkListSize(n: number, loc: Loc | null): void {
  if (n > MAX_LIST) throw tooLarge(`a list of ${n} items`, loc);
}
