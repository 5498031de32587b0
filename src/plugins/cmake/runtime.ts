// What the cmake plugin's steps do (declared in index.ts), as the CMake plugin's
// CmakeBuilderStep and AbstractToolStep executions:
//   - the installation: 'InSearchPath' is the tools on the node's PATH; another name is a cmake
//     tool (its home from KILN_TOOL_<NAME>, pipeline/steps/tool.ts) whose bin/ holds the tools
//     (a home that is the cmake executable itself: its directory).
//   - cmakeBuild: buildDir (relative to the current directory) deleted first with cleanBuild
//     ("Cleaning build dir <dir> ..."; not when it is the source directory, and only inside the
//     workspace), created; `cmake [-G gen] [-C preload] [-D CMAKE_BUILD_TYPE=t] <cmakeArgs> <sourceDir>`
//     run in it; then each of `steps` in it: withCmake → `cmake --build <buildDir> <args>`, else
//     the build tool CMakeCache.txt names (CMAKE_MAKE_PROGRAM) with the args, with the step's
//     envVars (VAR=VALUE lines; a garbled line is reported and ignored). A non-zero exit fails
//     the step: "<tool> exited with error code N".
//   - cmake / ctest / cpack: the tool with `arguments` in workingDir (created); a non-zero exit
//     not in ignoredExitCodes fails the step ("ctest exited with error code 8"), an ignored one
//     is reported ("..., ignored."); the exit code is the step's value.
// Every command is an argv (no shell: arguments with shell characters reach the tool as they
// are) and is printed first as `[dir] $ cmake ...`. Runs in the current container() too.
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { PATH_PREPEND_ENV } from '../../core/workspace.ts';
import { CONTAINER_SHELL } from '../../pipeline/steps/shell.ts';
import { resolveTool } from '../../pipeline/steps/tool.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { splitQuoted } from '../../util/tokenize.ts';

/** The plugin's built-in installation: the tools on the node's PATH. */
export const IN_SEARCH_PATH = 'InSearchPath';

/** Jenkins' Util.tokenize on whitespace (util/tokenize.ts). */
export const tokenize = (s: string): string[] => splitQuoted(s);

/** The plugin's IntSet: '1-3, 5' → {1,2,3,5}; a clear error for anything else. */
export function exitCodeSet(spec: string): Set<number> {
  const out = new Set<number>();
  for (const part of spec.split(/[,\s]+/).filter((p) => p !== '')) {
    const m = /^(-?\d+)(?:-(-?\d+))?$/.exec(part);
    if (!m) throw new StepFailure(`ignoredExitCodes: '${part}' is not an exit code or a range (e.g. '1-3, 5')`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new StepFailure(`ignoredExitCodes: the range '${part}' ends before it starts`);
    if (to - from > 1024) throw new StepFailure(`ignoredExitCodes: the range '${part}' is too large`);
    for (let i = from; i <= to; i++) out.add(i);
  }
  return out;
}

/** The absolute path of one of the installation's tools (or its bare name: the PATH's). */
function toolPath(ctx: StepContext, installation: string, command: string): string {
  if (installation === IN_SEARCH_PATH) return command;
  const home = resolveTool(ctx.env, installation, 'cmake', ctx.workspace().nodeName).replace(/\/+$/, '');
  // A home naming the cmake executable itself (the plugin's older "path to cmake" form).
  if (path.basename(home) === 'cmake') return path.join(path.dirname(home), command);
  return path.join(home, 'bin', command);
}

function installationOf(args: StepArgs): string {
  const name = str(args, 'installation')?.trim();
  if (!name) throw new StepFailure('There is no CMake installation selected. Please review the build step configuration and make sure it is configured on the Global Tool Configuration page.');
  return name;
}

/** A directory relative to the current one (absolute stays), as the plugin's LaunchUtils.makeRemotePath. */
function dirOf(ctx: StepContext, dir: string | undefined): string {
  const base = ctx.cwd ?? ctx.workspace().root;
  const d = dir?.trim();
  if (!d) return base;
  if (d.includes('\0')) throw new StepFailure(`${ctx.stepName}: a directory name contains a NUL character`);
  return path.normalize(d.startsWith('/') ? d : path.join(base, d));
}

function processEnv(ctx: StepContext, extra: Record<string, string>): Record<string, string> {
  const { [CONTAINER_SHELL]: _shell, [PATH_PREPEND_ENV]: prepend, ...rest } = { ...ctx.env, ...extra };
  return ctx.container && prepend ? { ...rest, [PATH_PREPEND_ENV]: prepend } : rest;
}

const quoted = (a: string): string => (a === '' || /[\s"'\\$`]/.test(a) ? `'${a.replaceAll("'", "'\\''")}'` : a);

/** Runs one command in `cwd`, printing it first; its exit code. */
async function launch(ctx: StepContext, argv: string[], cwd: string, env: Record<string, string>): Promise<number> {
  ctx.log(`[${cwd}] $ ${argv.map(quoted).join(' ')}`);
  const r = await ctx.workspace().exec({
    argv, cwd, env,
    ...(ctx.container ? { container: ctx.container } : {}),
    signal: ctx.signal,
    onOutput: (chunk, stream) => ctx.write(chunk, stream),
  }).catch((e: unknown) => {
    if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
    throw new StepFailure(`${path.basename(argv[0]!)} could not be started: ${e instanceof Error ? e.message : String(e)}; install CMake on the node (InSearchPath) or name a cmake tool installation`);
  });
  if (r.aborted || ctx.signal.aborted) throw interruptionOf(ctx.signal);
  return r.exitCode ?? (r.signal ? 128 : 1);
}

/** Whether `dir` is strictly inside the workspace. */
function insideWorkspace(ctx: StepContext, dir: string): boolean {
  const root = path.normalize(ctx.workspace().root).replace(/\/+$/, '');
  return dir.startsWith(`${root}/`) && dir.length > root.length + 1;
}

/** The build tool CMakeCache.txt names (the plugin's BuildToolEntryParser: CMAKE_MAKE_PROGRAM). */
async function buildToolOf(ctx: StepContext, buildDir: string): Promise<string> {
  const file = path.join(buildDir, 'CMakeCache.txt');
  const text = await ctx.workspace().readFile(file).then((b) => b.toString('utf8'), () => '');
  const m = /^CMAKE_MAKE_PROGRAM(?::[A-Z]+)?=(.*)$/m.exec(text);
  const tool = m?.[1]?.trim();
  if (!tool) throw new StepFailure(`WARNING: Failed to get value for variable \`CMAKE_MAKE_PROGRAM\` from file '${file}'.`);
  return tool;
}

/** A build-tool step's envVars: VAR=VALUE lines (BuildToolStep.getEnvironmentVars). */
function envVarsOf(ctx: StepContext, text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const i = line.indexOf('=');
    if (i > 0 && i < line.length - 1) out[line.slice(0, i)] = line.slice(i + 1);
    else ctx.log(`ERROR: Garbled env. variable expression '${line}' (ignored)`);
  }
  return out;
}

interface ToolStep { args: string[]; withCmake: boolean; envVars: string }

function toolSteps(v: Value | undefined): ToolStep[] {
  if (v === undefined || v === null) return [];
  if (!isList(v)) throw new StepFailure("cmakeBuild: steps must be a list of maps: steps: [[args: 'all', withCmake: true]]");
  return v.map((item, i) => {
    if (!isMap(item)) throw new StepFailure(`cmakeBuild: steps[${i}] must be a map ([args: '...', withCmake: true, envVars: 'A=1'])`);
    for (const k of item.keys()) {
      if (!['args', 'withCmake', 'envVars', '$class'].includes(k)) throw new StepFailure(`cmakeBuild: steps[${i}]: unknown parameter '${k}' (args, withCmake, envVars)`);
    }
    const args = item.get('args');
    const envVars = item.get('envVars');
    const withCmake = item.get('withCmake');
    return {
      args: args === undefined || args === null ? [] : tokenize(String(args).trim()),
      withCmake: withCmake === true || withCmake === 'true',
      envVars: envVars === undefined || envVars === null ? '' : String(envVars),
    };
  });
}

const cmakeBuild: StepRun = async (ctx, args) => {
  const installation = installationOf(args);
  const cmake = toolPath(ctx, installation, 'cmake');
  const steps = toolSteps(args.values.steps);
  const buildDirArg = str(args, 'buildDir')?.trim() || undefined;
  const sourceDirArg = str(args, 'sourceDir')?.trim() || undefined;
  const buildDir = dirOf(ctx, buildDirArg);
  const sourceDir = dirOf(ctx, sourceDirArg);
  const ws = ctx.workspace();
  if (buildDirArg) {
    if (bool(args, 'cleanBuild', false) && buildDirArg !== sourceDirArg && buildDir !== sourceDir) {
      if (!insideWorkspace(ctx, buildDir)) throw new StepFailure(`cmakeBuild: cleanBuild deletes only a build directory inside the workspace, not ${buildDir}`);
      ctx.log(`Cleaning build dir ${buildDir} ... `);
      await ws.remove(buildDir);
    }
    await ws.mkdir(buildDir);
  }
  const argv = [cmake];
  const generator = str(args, 'generator')?.trim();
  if (generator) argv.push('-G', generator);
  const preload = str(args, 'preloadScript')?.trim();
  if (preload) argv.push('-C', preload);
  const buildType = str(args, 'buildType')?.trim();
  if (buildType) argv.push('-D', `CMAKE_BUILD_TYPE=${buildType}`);
  const cmakeArgs = str(args, 'cmakeArgs')?.trim();
  if (cmakeArgs) argv.push(...tokenize(cmakeArgs));
  argv.push(sourceDir);
  const env = processEnv(ctx, {});
  let rc = await launch(ctx, argv, buildDir, env);
  if (rc !== 0) throw new StepFailure(`cmake exited with error code ${rc}`);
  const buildTool = steps.some((s) => !s.withCmake) ? await buildToolOf(ctx, buildDir) : null;
  for (const s of steps) {
    const call = s.withCmake ? [cmake, '--build', buildDir, ...s.args] : [buildTool!, ...s.args];
    rc = await launch(ctx, call, buildDir, processEnv(ctx, envVarsOf(ctx, s.envVars)));
    if (rc !== 0) throw new StepFailure(`${s.withCmake ? 'cmake' : buildTool} exited with error code ${rc}`);
  }
  return null;
};

function toolStep(command: 'cmake' | 'ctest' | 'cpack'): StepRun {
  return async (ctx, args) => {
    const exe = toolPath(ctx, installationOf(args), command);
    const ignoredText = str(args, 'ignoredExitCodes')?.trim();
    const ignored = ignoredText ? exitCodeSet(ignoredText) : new Set<number>();
    const workingDir = str(args, 'workingDir')?.trim() || undefined;
    const cwd = dirOf(ctx, workingDir);
    if (workingDir) await ctx.workspace().mkdir(cwd);
    const argText = str(args, 'arguments')?.trim();
    const rc = await launch(ctx, [exe, ...(argText ? tokenize(argText) : [])], cwd, processEnv(ctx, {}));
    if (rc === 0) return 0;
    if (ignored.has(rc)) {
      ctx.log(`${command} exited with error code ${rc}, ignored.`);
      return rc;
    }
    throw new StepFailure(`${command} exited with error code ${rc}`);
  };
}

const runtime: PluginRuntime = { steps: { cmakeBuild, cmake: toolStep('cmake'), ctest: toolStep('ctest'), cpack: toolStep('cpack') } };
export default runtime;
