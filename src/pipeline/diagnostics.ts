// Errors and warnings about a Jenkinsfile, each tied to where it is in the source.
import type { Loc, Pos } from '../core/build.ts';
import { KilnError } from '../core/errors.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** A stable, machine-readable kind, e.g. 'syntax', 'unknown-directive', 'missing-stages'. */
  code: string;
  /** What a Jenkins user would read, without the position (that is added when printed). */
  message: string;
  loc: Loc;
  /** Set for a problem in a shared library's file: its path in the library ('vars/foo.groovy'). */
  file?: string;
  /** With `file`: the library and version ('mylib@main'). */
  library?: string;
}

export function diag(code: string, message: string, loc: Loc, severity: Severity = 'error'): Diagnostic {
  return { severity, code, message, loc };
}

/** FILE:LINE:COL: message (the format of compilers and of `kiln lint`). */
export function formatDiagnostic(file: string, d: Diagnostic): string {
  const prefix = d.severity === 'warning' ? 'warning: ' : '';
  if (d.file !== undefined) return `${d.file}:${d.loc.start.line}:${d.loc.start.col}: ${prefix}${d.message} (library ${d.library ?? '?'})`;
  return `${file}:${d.loc.start.line}:${d.loc.start.col}: ${prefix}${d.message}`;
}

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  // the Jenkinsfile's own first, then each library file's, each by position
  return [...ds].sort((a, b) => (a.file === undefined ? '' : `${a.library}\0${a.file}`).localeCompare(b.file === undefined ? '' : `${b.library}\0${b.file}`) || a.loc.start.offset - b.loc.start.offset || a.message.localeCompare(b.message));
}

export const startPos: Pos = { line: 1, col: 1, offset: 0 };

/**
 * An error raised while parsing or running a pipeline, carrying its source location.
 * The engine prints it as `Jenkinsfile:LINE:COL: message`.
 */
export class PipelineError extends KilnError {
  readonly loc: Loc | null;
  readonly code: string;
  constructor(code: string, message: string, loc: Loc | null) {
    super('pipeline.error', message);
    this.code = code;
    this.loc = loc;
  }
}
