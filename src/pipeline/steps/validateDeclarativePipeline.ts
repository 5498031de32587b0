// validateDeclarativePipeline: validate a Declarative Pipeline file of the workspace and return
// whether it is valid, as pipeline-model-definition's ValidateDeclarativePipelineStep does.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
//
// How: the file (relative to the current directory) is read through the workspace, which refuses
// a path or link leaving it. Its text goes through the validator the build's own Jenkinsfile went
// through (StepContext.validatePipeline: the same step registry, so unknown steps are errors).
// The console says what Jenkins' step says, one line: no path, no such file, an empty file, a
// file without a `pipeline {}` block, "is valid", or "Error(s) validating ..." followed by each
// error as Groovy's compiler reports it (`WorkflowScript: LINE: message @ line LINE, column COL.`).
// The step never fails the build: it returns false.
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import { parse } from '../syntax/parser.ts';
import type { Stmt } from '../syntax/ast.ts';
import { str } from './args.ts';

/** A top-level `pipeline { ... }` (or `pipeline(...)`) call statement. */
function isPipelineBlock(s: Stmt): boolean {
  return s.type === 'ExprStmt' && s.expr.type === 'Call' && s.expr.callee.type === 'Ident' && s.expr.callee.name === 'pipeline';
}

/** The largest file validated (a Jenkinsfile, not a data file). */
const MAX_FILE = 4 * 1024 * 1024;

export const run: StepRun = async (ctx, args) => {
  const rel = str(args, 'path') ?? '';
  if (rel === '') {
    ctx.log('No Declarative Pipeline file specified.');
    return false;
  }
  const ws = ctx.workspace();
  const abs = ctx.resolvePath(rel);
  const st = await ws.stat(abs);
  const missing = `Declarative Pipeline file '${rel}' does not exist.`;
  if (st === null || st.type === 'dir') {
    ctx.log(missing);
    return false;
  }
  if (st.size > MAX_FILE) throw new StepFailure(`validateDeclarativePipeline: ${rel} is ${st.size} bytes; a file of at most ${MAX_FILE} bytes can be validated`);
  let text: string;
  try {
    text = (await ws.readFile(abs)).toString('utf8');
  } catch (err) {
    if (err instanceof WorkspaceError && err.code === 'not-found') {
      ctx.log(missing);
      return false;
    }
    throw err;
  }
  if (text === '') {
    ctx.log(`Declarative Pipeline file '${rel}' is empty.`);
    return false;
  }
  if (!ctx.validatePipeline) throw new StepFailure('validateDeclarativePipeline: this build cannot validate pipelines (no validator)');
  // Jenkins converts only the `pipeline {}` block: a file that parses but has none "does not
  // contain the 'pipeline' step", whatever its scripted code holds.
  const parsed = parse(text);
  if (parsed.ast && !parsed.ast.body.some(isPipelineBlock)) {
    ctx.log(`Declarative Pipeline file '${rel}' does not contain the 'pipeline' step.`);
    return false;
  }
  const result = ctx.validatePipeline(text);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) {
    ctx.log(`Declarative Pipeline file '${rel}' is valid.`);
    return true;
  }
  const lines = errors.map((d) => `WorkflowScript: ${d.loc.start.line}: ${d.message} @ line ${d.loc.start.line}, column ${d.loc.start.col}.`);
  ctx.log(`Error(s) validating Declarative Pipeline file '${rel}' - org.codehaus.groovy.control.MultipleCompilationErrorsException: startup failed:\n${lines.join('\n')}`);
  return false;
};
