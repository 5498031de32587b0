// load: read a Groovy script from the workspace and run it in this build, as workflow-cps'
// LoadStep does (`def lib = load 'ci/lib.groovy'; lib.build()`).
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
//
// How: the file (relative to the current directory) is read through the workspace, which
// refuses a path or a symbolic link whose real location leaves the workspace; a missing file is
// Jenkins' `java.nio.file.NoSuchFileException: <path>`. It is parsed in offsets of its own
// (libraries/parsed.ts parseLoadedScript), so its syntax errors and the errors its code raises
// name it (`lib.groovy:3:5`). The build's LibrarySpace runs it (runLoaded): an interpreter of its
// own sharing the Jenkinsfile's binding, whose steps run in the caller's context (node, dir,
// env); the script's value (`return this`: an object whose methods and fields the caller uses)
// is the step's. Like Jenkins (a body "{ (path)" in the console) it is no leaf step: after a
// controller restart the engine runs it again (replay.ts RUNS_SCRIPT), reading the file again
// from the workspace, and the steps the script called are answered from the journal.
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import { buildLibraries } from '../libraries/runtime.ts';
import { parseLoadedScript } from '../libraries/parsed.ts';
import { reqStr } from './args.ts';

/** The largest script load reads (a Groovy file, not a data file). */
const MAX_SCRIPT = 4 * 1024 * 1024;

export const run: StepRun = async (ctx, args) => {
  const rel = reqStr(args, 'path', 'load');
  if (rel.trim() === '') throw new StepFailure('load: the path is empty (load \'ci/lib.groovy\')');
  const ws = ctx.workspace();
  const abs = ctx.resolvePath(rel);
  const st = await ws.stat(abs);
  if (st === null) throw new StepFailure(`java.nio.file.NoSuchFileException: ${abs}`);
  if (st.type === 'dir') throw new StepFailure(`java.io.IOException: ${abs} is a directory (load reads a Groovy file)`);
  if (st.size > MAX_SCRIPT) throw new StepFailure(`load: ${rel} is ${st.size} bytes; a script of at most ${MAX_SCRIPT} bytes can be loaded`);
  let data: Buffer;
  try {
    data = await ws.readFile(abs);
  } catch (err) {
    if (err instanceof WorkspaceError && err.code === 'not-found') throw new StepFailure(`java.nio.file.NoSuchFileException: ${abs}`);
    throw err;
  }
  if (data.length > MAX_SCRIPT) throw new StepFailure(`load: ${rel} is ${data.length} bytes; a script of at most ${MAX_SCRIPT} bytes can be loaded`);
  const text = data.toString('utf8');
  const space = buildLibraries(ctx.build.scope);
  if (!space) throw new StepFailure('load: this build cannot run loaded scripts (no script space)');
  const parsed = parseLoadedScript(rel, text);
  ctx.log(`[Pipeline] { (${rel})`);
  try {
    if (!parsed.script) {
      throw new StepFailure(`org.jenkinsci.plugins.workflow.cps.CpsCompilationErrorsException: startup failed:\n${parsed.errors.slice(0, 10).join('\n')}`);
    }
    return await space.runLoaded(parsed.script, rel, ctx.dyn);
  } finally {
    ctx.log('[Pipeline] }');
    ctx.log('[Pipeline] // load');
  }
};
