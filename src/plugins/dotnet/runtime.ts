// What the dotnet plugin's steps do (declared in index.ts; command lines from args.ts), as the
// .NET SDK Support plugin's DotNetStepExecution and DotNetWrapper:
//   - the SDK: `sdk: 'x'` is the dotnetsdk tool installation x (its home from KILN_TOOL_X on the
//     node, pipeline/steps/tool.ts); its `dotnet` must be there. Its environment (DOTNET_ROOT,
//     the home first on PATH, DOTNET_CLI_TELEMETRY_OPTOUT=1) is the command's. Without `sdk`,
//     `$DOTNET_ROOT/dotnet` when a withDotNet or tools {} block set DOTNET_ROOT, else `dotnet` on PATH.
//   - `[dir] $ dotnet ...` is printed before each run (API keys as ********, and masked in the
//     output too), the output streams to the console while MSBuild's summary lines
//     ("    2 Warning(s)", "    0 Error(s)") are counted, and ".NET Command Completed - Exit
//     Code: N" follows the command. `shutDownBuildServers` runs `dotnet build-server shutdown`
//     after it whatever its exit code.
//   - the outcome: errors → UNSTABLE (unstableIfErrors), else FAILURE and go on
//     (continueOnError), else the step fails ("... completed with N error(s)"); a non-zero exit
//     the same without unstableIfErrors; warnings with unstableIfWarnings → UNSTABLE. The step
//     returns the exit code.
//   - specificSdkVersion (with sdk): a global.json naming the SDK's only version under
//     <home>/sdk (the directory holding dotnet.dll) with rollForward disabled, in the working
//     directory for the command (withDotNet: the block), removed after.
// Runs in the current container() too: the command goes where `sh` would.
import path from 'node:path/posix';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { PATH_PREPEND_ENV } from '../../core/workspace.ts';
import { CONTAINER_SHELL } from '../../pipeline/steps/shell.ts';
import { resolveTool } from '../../pipeline/steps/tool.ts';
import { bool, str } from '../../pipeline/steps/args.ts';
import { commandLine, printable, type Arg } from './args.ts';

interface Sdk {
  name: string;
  home: string;
}

function sdkOf(ctx: StepContext, name: string): Sdk {
  const home = resolveTool(ctx.env, name, 'dotnetsdk', ctx.workspace().nodeName).replace(/\/+$/, '');
  return { name, home };
}

async function checkExecutable(ctx: StepContext, sdk: Sdk): Promise<string> {
  const exe = path.join(sdk.home, 'dotnet');
  // In a container the installation is the container's: only the node's files can be checked.
  if (!ctx.container) {
    const ws = ctx.workspace();
    const r = await ws.exec({ argv: ['sh', '-c', 'test -f "$1" && test -x "$1"', 'sh', exe], cwd: ws.root, env: { PATH: ctx.env.PATH ?? '/usr/bin:/bin' }, signal: ctx.signal, onOutput: () => {} });
    if (r.exitCode !== 0) throw new StepFailure(`Could not find the dotnet executable for SDK '${sdk.name}' (no ${exe})`);
  }
  return exe;
}

/** The SDK's environment (DotNetSDK.buildEnvVars), as overrides of the current one. */
function sdkEnv(ctx: StepContext, sdk: Sdk): Record<string, string> {
  const prepend = ctx.env[PATH_PREPEND_ENV];
  return {
    DOTNET_ROOT: sdk.home,
    PATH: ctx.env.PATH ? `${sdk.home}:${ctx.env.PATH}` : sdk.home,
    [PATH_PREPEND_ENV]: prepend ? `${sdk.home}:${prepend}` : sdk.home,
    DOTNET_CLI_TELEMETRY_OPTOUT: '1',
  };
}

/** The SDK's one version (the directory under <home>/sdk holding dotnet.dll); null with a line saying why not. */
async function sdkVersion(ctx: StepContext, sdk: Sdk): Promise<string | null> {
  const ws = ctx.workspace();
  const out: Buffer[] = [];
  await ws.exec({
    argv: ['sh', '-c', 'for d in "$1"/sdk/*/; do [ -f "$d/dotnet.dll" ] && basename "$d"; done; exit 0', 'sh', sdk.home],
    cwd: ws.root, env: { PATH: ctx.env.PATH ?? '/usr/bin:/bin' }, signal: ctx.signal, onOutput: (c, s) => { if (s === 'stdout') out.push(c); },
    ...(ctx.container ? { container: ctx.container } : {}),
  });
  const versions = Buffer.concat(out).toString('utf8').split('\n').map((x) => x.trim()).filter((x) => x !== '');
  if (versions.length === 0) {
    ctx.log(`Could not create global.json for .NET SDK '${sdk.name}': no SDK found under ${sdk.home}/sdk`);
    return null;
  }
  if (versions.length > 1) {
    ctx.log(`Could not create global.json for .NET SDK '${sdk.name}': it holds more than one SDK (${versions.join(', ')})`);
    return null;
  }
  return versions[0]!;
}

/** Writes global.json in `dir`; returns its path, or null when none was written. */
async function writeGlobalJson(ctx: StepContext, sdk: Sdk, dir: string): Promise<string | null> {
  const version = await sdkVersion(ctx, sdk);
  if (!version) return null;
  const file = path.join(dir, 'global.json');
  await ctx.workspace().writeFile(file, `{ "sdk": { "version": "${version}", "rollForward": "disable" } }\n`);
  ctx.log(`Created global.json for .NET SDK '${sdk.name}' (version ${version})`);
  return file;
}

/** Counts MSBuild's summary lines in the output, line by line, whatever the chunks. */
class Scanner {
  errors = 0;
  warnings = 0;
  #rest = '';
  #decoder: InstanceType<typeof TextDecoder>;
  constructor(charset: string) {
    try {
      this.#decoder = new TextDecoder(charset);
    } catch {
      throw new StepFailure(`unknown charset '${charset}'`);
    }
  }
  feed(chunk: Buffer): void {
    const text = this.#rest + this.#decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    this.#rest = lines.pop() ?? '';
    for (const l of lines) this.#line(l);
  }
  end(): void {
    if (this.#rest) this.#line(this.#rest);
    this.#rest = '';
  }
  #line(raw: string): void {
    const l = raw.replace(/\r$/, '');
    const e = /^ *(\d+) Error\(s\)$/.exec(l);
    if (e) this.errors = Number(e[1]);
    const w = /^ *(\d+) Warning\(s\)$/.exec(l);
    if (w) this.warnings = Number(w[1]);
  }
}

function processEnv(ctx: StepContext, extra: Record<string, string>): Record<string, string> {
  const { [CONTAINER_SHELL]: _shell, [PATH_PREPEND_ENV]: prepend, ...rest } = { ...ctx.env, ...extra };
  return ctx.container && prepend ? { ...rest, [PATH_PREPEND_ENV]: prepend } : rest;
}

/** Runs one dotnet command line, printing it first; the exit code. */
async function launch(ctx: StepContext, exe: string, args: readonly Arg[], cwd: string, env: Record<string, string>, scanner: Scanner): Promise<number> {
  const secrets = args.filter((a) => a.secret).map((a) => a.text).filter((t) => t.length > 0);
  ctx.log(`[${cwd}] $ ${printable(exe, args)}`);
  const hide = (chunk: Buffer): Buffer => {
    if (secrets.length === 0) return chunk;
    let t = chunk.toString('latin1');
    for (const s of secrets) t = t.split(Buffer.from(s, 'utf8').toString('latin1')).join('********');
    return Buffer.from(t, 'latin1');
  };
  const ws = ctx.workspace();
  const r = await ws.exec({
    argv: [exe, ...args.map((a) => a.text)],
    cwd,
    env,
    ...(ctx.container ? { container: ctx.container } : {}),
    signal: ctx.signal,
    onOutput: (chunk, stream) => {
      scanner.feed(chunk);
      ctx.write(hide(chunk), stream);
    },
  }).catch((e: unknown) => {
    if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
    // No such program: the plugin's "Command execution failed", with what to do.
    throw new StepFailure(`.NET command execution failed: ${e instanceof Error ? e.message : String(e)}; select a .NET SDK (sdk: '<name>' or tools { dotnetsdk '<name>' }) or put dotnet on the node's PATH`);
  });
  scanner.end();
  if (r.aborted || ctx.signal.aborted) throw interruptionOf(ctx.signal);
  return r.exitCode ?? (r.signal ? 128 : 1);
}

async function workDir(ctx: StepContext, args: StepArgs): Promise<string> {
  const wd = str(args, 'workDirectory')?.trim();
  const base = ctx.cwd ?? ctx.workspace().root;
  if (!wd) return base;
  if (wd.includes('\0')) throw new StepFailure(`${ctx.stepName}: workDirectory contains a NUL character`);
  return wd.startsWith('/') ? wd : path.join(base, wd);
}

/** One .NET command step (DotNetStepExecution.perform). */
const command: StepRun = async (ctx, args) => {
  const step = ctx.stepName;
  const v = args.values;
  const secrets: Record<string, string> = {};
  for (const p of ['apiKeyId', 'symbolApiKeyId']) {
    const id = str(args, p)?.trim();
    if (!id) continue;
    const c = await ctx.build.services.credential(id);
    if (c.type !== 'secretText' || !c.secret) throw new StepFailure(`${step}: the credential '${id}' (${p}) is a ${c.type}: an API key must be a secret text credential`);
    secrets[p] = c.secret;
  }
  const line = commandLine(step, v, secrets);
  const sdkName = str(args, 'sdk')?.trim();
  const sdk = sdkName ? sdkOf(ctx, sdkName) : null;
  let exe: string;
  let env: Record<string, string>;
  if (sdk) {
    exe = await checkExecutable(ctx, sdk);
    env = processEnv(ctx, sdkEnv(ctx, sdk));
  } else {
    const root = ctx.env.DOTNET_ROOT?.trim();
    exe = root ? path.join(root, 'dotnet') : 'dotnet';
    env = processEnv(ctx, {});
  }
  const cwd = await workDir(ctx, args);
  const scanner = new Scanner(str(args, 'charset') ?? 'utf-8');
  const globalJson = sdk && bool(args, 'specificSdkVersion', false) ? await writeGlobalJson(ctx, sdk, cwd) : null;
  let rc: number;
  try {
    if (bool(args, 'showSdkInfo', false)) await launch(ctx, exe, [{ text: '--info' }], cwd, env, scanner);
    rc = -1;
    try {
      rc = await launch(ctx, exe, line, cwd, env, scanner);
    } finally {
      if (!ctx.signal.aborted) ctx.log(`.NET Command Completed - Exit Code: ${rc}`);
    }
    if (bool(args, 'shutDownBuildServers', false)) await launch(ctx, exe, [{ text: 'build-server' }, { text: 'shutdown' }], cwd, env, new Scanner('utf-8'));
  } finally {
    if (globalJson) await ctx.workspace().remove(globalJson).catch(() => {});
  }
  const continueOnError = bool(args, 'continueOnError', false);
  if (scanner.errors > 0) {
    if (bool(args, 'unstableIfErrors', false)) ctx.build.setResult('UNSTABLE', 'UNSTABLE');
    else if (continueOnError) ctx.build.setResult('FAILURE', 'FAILURE');
    else throw new StepFailure(`.NET command completed with ${scanner.errors} error(s)`);
  } else if (rc !== 0) {
    if (continueOnError) ctx.build.setResult('FAILURE', 'FAILURE');
    else throw new StepFailure(`.NET command completed with a non-zero return code (${rc})`);
  } else if (bool(args, 'unstableIfWarnings', false) && scanner.warnings > 0) {
    ctx.build.setResult('UNSTABLE', 'UNSTABLE');
  }
  return rc;
};

/** withDotNet(sdk:) { ... } (DotNetWrapper): the SDK's environment for the block. */
const withDotNet: StepRun = async (ctx, args) => {
  const name = str(args, 'sdk')?.trim();
  if (!name) throw new StepFailure('No .NET SDK specified');
  const sdk = sdkOf(ctx, name);
  await checkExecutable(ctx, sdk);
  const cwd = ctx.cwd ?? ctx.workspace().root;
  const globalJson = bool(args, 'specificSdkVersion', false) ? await writeGlobalJson(ctx, sdk, cwd) : null;
  try {
    return await ctx.runBody(args.body!, { env: sdkEnv(ctx, sdk) });
  } finally {
    if (globalJson) await ctx.workspace().remove(globalJson).catch(() => {});
  }
};

const STEPS = ['dotnetBuild', 'dotnetClean', 'dotnetPack', 'dotnetPublish', 'dotnetTest', 'dotnetRestore', 'dotnetToolRestore', 'dotnetListPackage',
  'dotnetNuGetDelete', 'dotnetNuGetPush', 'dotnetNuGetLocals', 'dotnetBuildServerShutdown'];

const runtime: PluginRuntime = { steps: { ...Object.fromEntries(STEPS.map((s) => [s, command])), withDotNet } };
export default runtime;
