// A Jenkinsfile's text → its model, or every error: parse, then validate.
import type { Diagnostic } from './diagnostics.ts';
import { diag, sortDiagnostics, startPos } from './diagnostics.ts';
import { parse } from './syntax/parser.ts';
import type { PipelineModel } from './model/types.ts';
import { validate } from './model/validate.ts';

export interface LoadResult {
  /** The model, or null exactly when `diagnostics` holds an error. */
  model: PipelineModel | null;
  /** Errors and warnings, sorted by position. */
  diagnostics: Diagnostic[];
}

/**
 * Parses and validates a Jenkinsfile. Syntax errors stop before validation (the tree around
 * them cannot be trusted); otherwise every validation error is reported.
 */
export function loadPipeline(source: string): LoadResult {
  const parsed = parse(source);
  const parseDiags = parsed.diagnostics;
  if (!parsed.ast || parseDiags.some((d) => d.severity === 'error')) {
    const ds = sortDiagnostics(parseDiags);
    if (!ds.some((d) => d.severity === 'error')) ds.unshift(diag('syntax', 'The Jenkinsfile could not be parsed', { start: startPos, end: startPos }));
    return { model: null, diagnostics: ds };
  }
  try {
    const v = validate(parsed.ast, source);
    return { model: v.model, diagnostics: sortDiagnostics([...parseDiags, ...v.diagnostics]) };
  } catch (err) {
    // A tree too deep for the validator's recursion: say so rather than crash.
    if (err instanceof RangeError) {
      return {
        model: null,
        diagnostics: sortDiagnostics([...parseDiags, diag('too-deep', 'The Jenkinsfile nests blocks too deeply to be validated', parsed.ast.loc)]),
      };
    }
    throw err;
  }
}
