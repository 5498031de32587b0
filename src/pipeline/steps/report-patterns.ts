// The report publishers' file patterns (recordIssues, recordCoverage, perfReport, TAP, Valgrind,
// Dependency-Check...): `${VAR}`/`$VAR` expanded from the build's environment as the plugins do
// (a name the environment lacks stays as written), and each comma- or space-separated Ant pattern
// refused when it would leave the workspace (absolute, a drive letter, a `..` segment).
import { StepFailure } from '../../core/errors.ts';
import type { StepContext } from './types.ts';

/** `s` with `${VAR}` and `$VAR` replaced by the build's environment. */
export function expandEnv(ctx: StepContext, s: string): string {
  return s.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a: string | undefined, b: string | undefined) => ctx.env[(a ?? b)!] ?? all);
}

/** Whether one Ant pattern leaves the workspace. */
export function leavesWorkspace(part: string): boolean {
  return part.startsWith('/') || part.startsWith('\\') || /^[A-Za-z]:/.test(part) || part.split(/[\\/]/).includes('..');
}

/**
 * Refuses the first pattern of `pattern` that leaves the workspace:
 * "<step>: the pattern 'p' leaves the workspace; <what> (e.g. '<example>')".
 */
export function checkReportPattern(step: string, pattern: string, what: string, example: string): void {
  for (const part of pattern.split(/[,\s]+/).filter(Boolean)) {
    if (leavesWorkspace(part)) throw new StepFailure(`${step}: the pattern '${part}' leaves the workspace; ${what} relative to the workspace (e.g. '${example}')`);
  }
}
