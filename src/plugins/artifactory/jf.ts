// jf: the JFrog plugin's step (jfrog/jenkins-jfrog-plugin JfStep): runs the JFrog CLI on the node,
//   jf 'rt ping'                     the arguments split on whitespace
//   jf(['rt', 'u', 'a b.zip', 'repo/'])   a list, each item one argument
// with the CLI's environment as the plugin's CliEnvConfigurator sets it: JFROG_CLI_BUILD_NAME
// (JOB_NAME), JFROG_CLI_BUILD_NUMBER (BUILD_NUMBER), JFROG_CLI_BUILD_URL (BUILD_URL), unless the
// build set them, and JFROG_CLI_HOME_DIR, a home of this build's own under the workspace's @tmp
// (jfrog/<number>/.jfrog). The first jf of a build on a node (no jfrog-cli.conf* in that home yet)
// configures every Artifactory server of the host (HTTP services settings: the Artifactory
// plugin's servers, src/plugins/artifactory) with `jf c add <id> --user=.. --password=.. |
// --access-token=.. --url=.. --artifactory-url=.. --distribution-url=.. --xray-url=..
// --interactive=false --overwrite=true`; the password goes through stdin (--password-stdin) when
// JFROG_CLI_PASSWORD_STDIN_SUPPORT is true, as the plugin. The binary is $JFROG_BINARY_PATH/jf
// (`tools { jfrog 'cli' }` sets it), else jf on PATH ("A 'jfrog' tool was not set. Using JFrog
// CLI from the system path."). Each command line is printed ("[dir] $ jf rt ping") with secrets
// as ********; the step returns the command's output; a non-zero exit fails the step as the
// plugin words it. Arguments reach the process as argv, never through a shell.
import path from 'node:path/posix';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { CONTAINER_SHELL } from '../../pipeline/steps/shell.ts';
import { isList } from '../../pipeline/script/values.ts';

const MASKED = '********';
const MAX_ARGS = 1000;

function fail(msg: string): StepFailure {
  return new StepFailure(`Couldn't execute 'jf' command. ${msg}`);
}

/** The CLI's arguments: a string split on whitespace, or a list of strings. */
export function jfArgs(v: unknown): string[] {
  let args: string[];
  if (typeof v === 'string') args = v.trim().split(/\s+/).filter((a) => a !== '');
  else if (isList(v as never)) args = (v as unknown[]).map((a, i) => {
    if (a === null || typeof a === 'object') throw new StepFailure(`jf: args[${i}] must be a string`);
    return String(a);
  });
  else throw new StepFailure("jf: args must be a string ('rt ping') or a list of strings (['rt', 'ping'])");
  if (args.length === 0) throw new StepFailure("jf: no arguments: jf 'rt ping'");
  if (args.length > MAX_ARGS) throw new StepFailure(`jf: ${args.length} arguments; at most ${MAX_ARGS}`);
  if (args.some((a) => a.includes('\0'))) throw new StepFailure('jf: an argument contains a NUL character');
  return args;
}

/** The platform URL and the product URLs the plugin infers, from an Artifactory server's URL. */
export function platformUrls(artifactoryUrl: string): { url: string; artifactory: string; distribution: string; xray: string } {
  const art = artifactoryUrl.replace(/\/+$/, '');
  const platform = art.endsWith('/artifactory') ? art.slice(0, -'/artifactory'.length) : art;
  return { url: `${platform}/`, artifactory: `${art}/`, distribution: `${platform}/distribution/`, xray: `${platform}/xray/` };
}

async function exec(ctx: StepContext, argv: string[], shown: string[], env: Record<string, string>, secrets: string[], stdin?: string): Promise<{ code: number; out: string }> {
  const ws = ctx.workspace();
  const cwd = ctx.cwd ?? ws.root;
  ctx.log(`[${path.basename(cwd)}] $ ${shown.join(' ')}`);
  const mask = (s: string) => secrets.reduce((t, x) => (x ? t.split(x).join(MASKED) : t), s);
  const out: Buffer[] = [];
  const r = await ws.exec({
    argv, cwd, env, signal: ctx.signal,
    ...(ctx.container ? { container: ctx.container } : {}),
    ...(stdin !== undefined ? { stdin } : {}),
    onOutput: (c, stream) => {
      if (stream === 'stdout') out.push(c);
      ctx.write(secrets.length > 0 ? Buffer.from(mask(c.toString('utf8'))) : c, stream);
    },
  }).catch((e: unknown) => {
    if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
    throw fail(`Cannot run ${argv[0]}: ${e instanceof Error ? e.message : String(e)}`);
  });
  if (r.aborted || ctx.signal.aborted) throw interruptionOf(ctx.signal);
  return { code: r.exitCode ?? (r.signal ? 128 : 1), out: Buffer.concat(out).toString('utf8') };
}

export const run: StepRun = async (ctx, a) => {
  const args = jfArgs(a.values['args']);
  const ws = ctx.workspace();
  const { [CONTAINER_SHELL]: _shell, ...base } = ctx.env;
  const binDir = base['JFROG_BINARY_PATH'];
  const jf = binDir ? path.join(binDir, 'jf') : 'jf';
  const home = path.join(ws.tmp, 'jfrog', String(ctx.env['BUILD_NUMBER'] ?? '0'), '.jfrog');
  const env: Record<string, string> = { ...base, JFROG_CLI_HOME_DIR: home };
  for (const [k, from] of [['JFROG_CLI_BUILD_NAME', 'JOB_NAME'], ['JFROG_CLI_BUILD_NUMBER', 'BUILD_NUMBER'], ['JFROG_CLI_BUILD_URL', 'BUILD_URL']] as const) {
    if (env[k] === undefined && base[from] !== undefined) env[k] = base[from]!;
  }
  await ws.mkdir(home);
  const configured = (await ws.glob(home, '*jfrog-cli.conf*').catch(() => [] as string[])).length > 0;
  if (!configured) {
    if (!binDir) ctx.log("A 'jfrog' tool was not set. Using JFrog CLI from the system path.");
    const stdinOk = (base['JFROG_CLI_PASSWORD_STDIN_SUPPORT'] ?? '').toLowerCase() === 'true';
    for (const server of (await ctx.build.services.httpServices?.settings())?.artifactory ?? []) {
      const argv = ['c', 'add', server.id];
      const shown = [...argv];
      const secrets: string[] = [];
      let stdin: string | undefined;
      if (server.credentialsId) {
        const c = await ctx.build.services.credential(server.credentialsId);
        if (c.type === 'secretText') {
          secrets.push(c.secret ?? '');
          argv.push(`--access-token=${c.secret ?? ''}`); shown.push(`--access-token=${MASKED}`);
        } else if (c.type === 'usernamePassword') {
          secrets.push(c.password ?? '');
          argv.push(`--user=${c.username ?? ''}`); shown.push(`--user=${c.username ?? ''}`);
          if (stdinOk) { argv.push('--password-stdin'); shown.push('--password-stdin'); stdin = c.password ?? ''; }
          else { argv.push(`--password=${c.password ?? ''}`); shown.push(`--password=${MASKED}`); }
        } else {
          throw fail(`the credential '${server.credentialsId}' of the JFrog server '${server.id}' is a ${c.type}: the JFrog CLI needs a username with password or a secret text (an access token)`);
        }
      }
      const u = platformUrls(server.url);
      const rest = [`--url=${u.url}`, `--artifactory-url=${u.artifactory}`, `--distribution-url=${u.distribution}`, `--xray-url=${u.xray}`, '--interactive=false', '--overwrite=true'];
      const r = await exec(ctx, [jf, ...argv, ...rest], [jf, ...shown, ...rest], env, secrets.filter((s) => s.length > 0), stdin);
      if (r.code !== 0) throw fail(`Running 'jf' command failed with exit code ${r.code}`);
    }
  }
  const r = await exec(ctx, [jf, ...args], [jf, ...args], env, []);
  if (r.code !== 0) throw fail(`Running 'jf' command failed with exit code ${r.code}`);
  return r.out;
};
