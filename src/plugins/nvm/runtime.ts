// What the nvm step does (declared in index.ts), as the nvm wrapper plugin's NvmWrapperUtil:
//   1. the nvm directory: nvmInstallDir (default $HOME/.nvm; a leading $HOME, ${HOME} or ~ is
//      the node's home), without a trailing slash; nvm is there when <dir>/nvm.sh is a file.
//   2. not there: "Installing nvm", the script at nvmInstallURL is downloaded on the node (curl,
//      else wget; http and https only) into the workspace's @tmp and run with NVM_DIR (when not
//      the default), NODE_VERSION=<version>, NVM_PROFILE='' and the mirror (which the plugin
//      leaves out, so that its nvm install went to nodejs.org) in its environment; a failure is
//      "Failed to install NVM". There: "NVM is already installed".
//   3. the environment before (`env -0` in bash, with the block's variables), then in one bash:
//      NVM_DIR=<dir>, source nvm.sh, `NVM_NODEJS_ORG_MIRROR=<mirror> nvm install <version>`
//      (NVM_IOJS_ORG_MIRROR for an io.js version), `nvm use <version>`, and the environment
//      after (written to a file in @tmp, read, removed). Their output goes to the console.
//   4. every variable whose value changed is the block's (PATH: the whole new PATH, and the
//      new entries in front of a container's own PATH); bash's own (_ SHLVL PWD OLDPWD) are not.
// Values are given to bash as arguments, never spliced into its command line.
import path from 'node:path/posix';
import { randomBytes } from 'node:crypto';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { PATH_PREPEND_ENV } from '../../core/workspace.ts';
import { CONTAINER_SHELL } from '../../pipeline/steps/shell.ts';
import { str } from '../../pipeline/steps/args.ts';
import { NVM_DEFAULTS } from './decl.ts';

const BASH_OWN = new Set(['_', 'SHLVL', 'PWD', 'OLDPWD']);

function processEnv(ctx: StepContext, extra: Record<string, string> = {}): Record<string, string> {
  const { [CONTAINER_SHELL]: _shell, [PATH_PREPEND_ENV]: prepend, ...rest } = { ...ctx.env, ...extra };
  return ctx.container && prepend ? { ...rest, [PATH_PREPEND_ENV]: prepend } : rest;
}

/** Runs argv on the node (or the current container); output to the console unless `capture`. */
async function run(ctx: StepContext, argv: string[], opts: { env?: Record<string, string>; capture?: boolean } = {}): Promise<{ code: number; stdout: Buffer }> {
  const ws = ctx.workspace();
  const out: Buffer[] = [];
  const r = await ws.exec({
    argv,
    cwd: ctx.cwd ?? ws.root,
    env: processEnv(ctx, opts.env),
    ...(ctx.container ? { container: ctx.container } : {}),
    signal: ctx.signal,
    onOutput: (c, s) => { if (opts.capture && s === 'stdout') out.push(c); else ctx.write(c, s); },
  }).catch((e: unknown) => {
    if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
    throw new StepFailure(`nvm: cannot run ${argv[0]} on this node: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (r.aborted || ctx.signal.aborted) throw interruptionOf(ctx.signal);
  return { code: r.exitCode ?? (r.signal ? 128 : 1), stdout: Buffer.concat(out) };
}

/** NAME=VALUE records of `env -0`. */
export function parseEnv0(data: Buffer | string): Map<string, string> {
  const m = new Map<string, string>();
  for (const rec of data.toString().split('\0')) {
    const eq = rec.indexOf('=');
    if (eq > 0) m.set(rec.slice(0, eq), rec.slice(eq + 1));
  }
  return m;
}

/** What the block gets: each variable nvm changed (NvmWrapperUtil's comparison). */
export function nvmChanges(before: Map<string, string>, after: Map<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of after) {
    if (BASH_OWN.has(k) || before.get(k) === v) continue;
    if (k === 'PATH') {
      const old = new Set((before.get('PATH') ?? '').split(':'));
      const added = v.split(':').filter((p) => p !== '' && !old.has(p));
      out.PATH = v;
      if (added.length > 0) out[PATH_PREPEND_ENV] = added.join(':');
    } else {
      out[k] = v;
    }
  }
  return out;
}

const RESOLVE_DIR = 'd="$1"; case "$d" in \'$HOME\'*) d="$HOME${d#\'$HOME\'}" ;; \'${HOME}\'*) d="$HOME${d#\'${HOME}\'}" ;; \'~\'*) d="$HOME${d#\'~\'}" ;; esac; '
  + 'while [ "${#d}" -gt 1 ] && [ "${d%/}" != "$d" ]; do d="${d%/}"; done; printf \'%s\' "$d"; [ -f "$d/nvm.sh" ] && exit 0; exit 3';

const DOWNLOAD = 'if command -v curl >/dev/null 2>&1; then curl -fsSL -o "$2" "$1" || exit $?; '
  + 'elif command -v wget >/dev/null 2>&1; then wget -q -O "$2" "$1" || exit $?; '
  + 'else echo "neither curl nor wget is installed on this node" >&2; exit 127; fi; chmod 755 "$2"';

const INSTALL_NODE = 'export NVM_DIR="$1"; . "$NVM_DIR/nvm.sh" || exit $?; '
  + 'if [ "$2" = iojs ]; then NVM_IOJS_ORG_MIRROR="$3" nvm install "$4" || exit $?; else NVM_NODEJS_ORG_MIRROR="$3" nvm install "$4" || exit $?; fi; '
  + 'nvm use "$4" || exit $?; env -0 > "$5"';

const nvm: StepRun = async (ctx, args) => {
  const version = str(args, 'version')?.trim();
  if (!version) throw new StepFailure('nvm: a version is required: nvm(\'18\') { ... }');
  const installUrl = str(args, 'nvmInstallURL')?.trim() || NVM_DEFAULTS.nvmInstallURL;
  const nodeMirror = str(args, 'nvmNodeJsOrgMirror')?.trim() || NVM_DEFAULTS.nvmNodeJsOrgMirror;
  const iojsMirror = str(args, 'nvmIoJsOrgMirror')?.trim() || NVM_DEFAULTS.nvmIoJsOrgMirror;
  const dirArg = str(args, 'nvmInstallDir')?.trim() || NVM_DEFAULTS.nvmInstallDir;
  const isDefaultDir = dirArg.replace(/\/+$/, '') === NVM_DEFAULTS.nvmInstallDir;
  const ws = ctx.workspace();
  const where = await run(ctx, ['bash', '-c', RESOLVE_DIR, 'bash', dirArg], { capture: true });
  const dir = where.stdout.toString('utf8');
  if (where.code !== 0 && where.code !== 3) throw new StepFailure(`nvm: could not run bash on this node (exit code ${where.code})`);
  const tmp = path.join(ws.tmp, `nvm-${randomBytes(4).toString('hex')}`);
  await ws.mkdir(tmp);
  try {
    if (where.code === 3) {
      let u: URL;
      try {
        u = new URL(installUrl);
      } catch {
        throw new StepFailure(`nvm: nvmInstallURL '${installUrl}' is not a URL`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StepFailure(`nvm: nvmInstallURL '${installUrl}' must be an http or https URL`);
      ctx.log('Installing nvm');
      const installer = path.join(tmp, 'nvm-installer');
      const dl = await run(ctx, ['bash', '-c', DOWNLOAD, 'bash', installUrl, installer]);
      if (dl.code !== 0) throw new StepFailure(`Failed to install NVM: could not download ${installUrl} (exit code ${dl.code})`);
      // The mirror too (the plugin does not pass it): the script's `nvm install` then fetches from it.
      const iojs = version.includes('iojs');
      const env: Record<string, string> = { NODE_VERSION: version, NVM_PROFILE: '', [iojs ? 'NVM_IOJS_ORG_MIRROR' : 'NVM_NODEJS_ORG_MIRROR']: iojs ? iojsMirror : nodeMirror };
      if (!isDefaultDir) env.NVM_DIR = dir;
      const inst = await run(ctx, [installer], { env });
      if (inst.code !== 0) throw new StepFailure(`Failed to install NVM (the install script exited with code ${inst.code})`);
    } else {
      ctx.log('NVM is already installed');
    }
    const before = parseEnv0((await run(ctx, ['bash', '-c', 'env -0'], { capture: true })).stdout);
    const envFile = path.join(tmp, 'env.txt');
    const iojs = version.includes('iojs');
    const r = await run(ctx, ['bash', '-c', INSTALL_NODE, 'bash', dir, iojs ? 'iojs' : 'node', iojs ? iojsMirror : nodeMirror, version, envFile]);
    if (r.code !== 0) throw new StepFailure(`nvm: installing Node.js ${version} with nvm failed (exit code ${r.code})`);
    const after = parseEnv0(await ws.readFile(envFile));
    const changes = nvmChanges(before, after);
    if (changes[PATH_PREPEND_ENV] && ctx.env[PATH_PREPEND_ENV]) changes[PATH_PREPEND_ENV] = `${changes[PATH_PREPEND_ENV]}:${ctx.env[PATH_PREPEND_ENV]}`;
    await ws.remove(tmp).catch(() => {});
    return await ctx.runBody(args.body!, { env: changes });
  } finally {
    await ws.remove(tmp).catch(() => {});
  }
};

const runtime: PluginRuntime = { steps: { nvm } };
export default runtime;
