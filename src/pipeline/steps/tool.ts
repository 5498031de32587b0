// tool / tools {}: where a named tool installation (a JDK, Maven, Node.js ...) lives on the
// current node. Jenkins configures installations on the controller and locations per node;
// Kiln reads them from the node's environment: KILN_TOOL_<NAME> (the name upper-cased, other
// characters as '_') holds the tool's home directory, so an agent declares what it has where
// it runs (`KILN_TOOL_M3=/opt/maven kiln agent ...`, `kiln run --tool M3=/opt/maven`).
// `tools {}` puts <home>/bin first on PATH, but a .NET SDK's home itself (dotnet is at its root);
// a JFrog CLI's home (where `jf` is) goes to JFROG_BINARY_PATH for the jf step, not on PATH.
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr, str } from './args.ts';

export function toolVariable(name: string): string {
  return `KILN_TOOL_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** The tool's home on this node, or a failure saying how to declare it. */
export function resolveTool(env: Readonly<Record<string, string>>, name: string, type: string | null, node: string): string {
  const home = env[toolVariable(name)];
  if (home) return home;
  throw new StepFailure(`${type ? `Tool type "${type}" does not have an install of "${name}"` : `No tool "${name}" is installed`} on node '${node}': set ${toolVariable(name)} to its home directory in that node's environment (kiln run: --tool ${name}=/path)`);
}

/** What `tools { jdk 'x'; maven 'y' }` adds to the environment: bin on PATH, and the usual *_HOME. */
export function toolEnv(env: Readonly<Record<string, string>>, tools: { type: string; name: string }[], node: string): Record<string, string> {
  const out: Record<string, string> = {};
  let path = env.PATH ?? '';
  for (const t of tools) {
    const home = resolveTool(env, t.name, t.type, node);
    if (t.type === 'jfrog') { out.JFROG_BINARY_PATH = home.replace(/\/+$/, ''); continue; }
    // A .NET SDK keeps `dotnet` at its root (the dotnet-sdk plugin's PATH+DOTNET=home).
    path = `${t.type === 'dotnetsdk' ? home.replace(/\/+$/, '') : `${home}/bin`}${path ? `:${path}` : ''}`;
    if (t.type === 'jdk') out.JAVA_HOME = home;
    if (t.type === 'maven') { out.MAVEN_HOME = home; out.M2_HOME = home; }
    if (t.type === 'gradle') out.GRADLE_HOME = home;
    if (t.type === 'nodejs') out.NODEJS_HOME = home;
    if (t.type === 'allure') out.ALLURE_HOME = home; // the Allure plugin's AllureCommandlineInstallation
    if (t.type === 'dotnetsdk') { out.DOTNET_ROOT = home.replace(/\/+$/, ''); out.DOTNET_CLI_TELEMETRY_OPTOUT = '1'; }
  }
  out.PATH = path;
  return out;
}

export const run: StepRun = async (ctx, args) => {
  return resolveTool(ctx.env, reqStr(args, 'name', 'tool'), str(args, 'type') ?? null, ctx.workspace().nodeName);
};
