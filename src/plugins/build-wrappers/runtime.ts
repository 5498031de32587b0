// What the build-wrappers plugin's steps do (declared in index.ts).
//
// withMaven, as pipeline-maven's WithMavenStepExecution2: the JDK and Maven installations
// (resolveTool: KILN_TOOL_<NAME> on the node, as `tools {}`) put first on PATH with JAVA_HOME /
// MAVEN_HOME / M2_HOME; settings from managed config files (BuildServices.buildTools.configFile)
// or workspace paths written to the workspace's @tmp; an `mvn` wrapper in @tmp/withMaven<id>/
// (first on PATH, also MVN_CMD / MVN_CMD_DIR) that runs the real mvn with `--batch-mode
// --show-version` and the settings; MAVEN_OPTS. After the block, however it ended (as the
// plugin's publishers run in its finally), the publishers: JUnit (surefire and failsafe reports,
// through the core junit step) and artifacts (archiveArtifacts of the built jars/wars/ears);
// then the @tmp files are removed.
//
// nodejs, as the NodeJS plugin's NodeJSBuildWrapper: the installation (resolveTool) gives
// NODEJS_HOME and <home>/bin first on PATH (PATH+NODEJS); with configId the managed file is
// written to @tmp (mode 600) and its path is npm_config_userconfig for the block; after the
// block, however it ended, "Deleting 1 temporary files" and the file is removed.
import path from 'node:path/posix';
import { randomBytes } from 'node:crypto';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { StepFailure } from '../../core/errors.ts';
import { str } from '../../pipeline/steps/args.ts';
import { resolveTool } from '../../pipeline/steps/tool.ts';
import { relPathProblem } from '../../pipeline/steps/files.ts';
import { run as junitRun } from '../../pipeline/steps/junit.ts';
import { run as archiveRun } from '../../pipeline/steps/archiveArtifacts.ts';
import { MAVEN_PUBLISHERS } from './decl.ts';

const say = (ctx: StepContext, l: string) => ctx.log(`[withMaven] ${l}`);

/** A value for a single-quoted sh word. */
function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function toolHome(ctx: StepContext, name: string, type: string): string {
  const home = resolveTool(ctx.env, name, type, ctx.workspace().nodeName);
  return home.replace(/\/+$/, '');
}

async function settingsFile(ctx: StepContext, dir: string, id: string | undefined, file: string | undefined, what: string, flag: string): Promise<string | null> {
  const base = ctx.cwd ?? ctx.workspace().root;
  if (id) {
    const lookup = ctx.build.services.buildTools?.configFile;
    const f = lookup ? await lookup(id) : null;
    if (!f) throw new StepFailure(`withMaven: could not find the managed ${what} file '${id}' (${lookup ? 'no managed config file with this id' : 'this host has no managed config files'})`);
    const dest = path.join(dir, `${flag === '-s' ? 'settings' : 'global-settings'}.xml`);
    await ctx.workspace().writeFile(dest, f.content, 0o600);
    say(ctx, `using Maven ${what} provided by the Jenkins Managed Configuration File '${f.name}'`);
    return dest;
  }
  if (file) {
    if (relPathProblem(file) !== null && !file.startsWith('/')) throw new StepFailure(`withMaven: ${what} file path '${file}': ${relPathProblem(file)}`);
    const abs = file.startsWith('/') ? file : path.join(base, file);
    if (!(await ctx.workspace().stat(abs))) throw new StepFailure(`withMaven: the Maven ${what} file '${file}' does not exist`);
    say(ctx, `using Maven ${what} '${abs}'`);
    return abs;
  }
  return null;
}

/** Which publishers run: IMPLICIT all not disabled, EXPLICIT only those listed and not disabled. */
function publishers(args: Record<string, Value>): Set<string> {
  const strategy = String(args['publisherStrategy'] ?? 'IMPLICIT').toUpperCase();
  if (strategy !== 'IMPLICIT' && strategy !== 'EXPLICIT') throw new StepFailure(`withMaven: publisherStrategy '${strategy}' is not IMPLICIT or EXPLICIT`);
  const opts = args['options'];
  const list = opts === undefined || opts === null ? [] : isList(opts) ? opts : [opts];
  const listed = new Map<string, boolean>();
  for (const [i, o] of list.entries()) {
    const sym = isMap(o) ? o.get('$symbol') : undefined;
    if (typeof sym !== 'string' || !(MAVEN_PUBLISHERS as readonly string[]).includes(sym)) throw new StepFailure(`withMaven: options[${i}] must be a publisher such as junitPublisher(disabled: true) or artifactsPublisher(disabled: true)`);
    const d = (o as Map<string, Value>).get('disabled');
    listed.set(sym, d === true || d === 'true');
  }
  const on = new Set<string>();
  for (const p of MAVEN_PUBLISHERS) {
    if (listed.has(p)) { if (!listed.get(p)) on.add(p); } else if (strategy === 'IMPLICIT') on.add(p);
  }
  return on;
}

const withMaven: StepRun = async (ctx, args) => {
  const enabled = publishers(args.values);
  const ws = ctx.workspace();
  const env: Record<string, string> = {};
  let pathVar = ctx.env.PATH ?? '';
  const jdk = str(args, 'jdk');
  if (jdk) {
    const home = toolHome(ctx, jdk, 'jdk');
    env.JAVA_HOME = home;
    pathVar = `${home}/bin:${pathVar}`;
    say(ctx, `using JDK installation ${jdk}`);
  } else say(ctx, 'using JDK installation provided by the build agent');
  const maven = str(args, 'maven');
  if (maven) {
    const home = toolHome(ctx, maven, 'maven');
    env.MAVEN_HOME = home;
    env.M2_HOME = home;
    pathVar = `${home}/bin:${pathVar}`;
    say(ctx, `using Maven installation '${maven}'`);
  } else say(ctx, 'using Maven installation provided by the build agent');
  const dir = path.join(ws.tmp, `withMaven${randomBytes(4).toString('hex')}`);
  await ws.mkdir(dir);
  try {
    const settings = await settingsFile(ctx, dir, str(args, 'mavenSettingsConfig'), str(args, 'mavenSettingsFilePath'), 'settings', '-s');
    const global = await settingsFile(ctx, dir, str(args, 'globalMavenSettingsConfig'), str(args, 'globalMavenSettingsFilePath'), 'global settings', '-gs');
    const config = ['--batch-mode', '--show-version'];
    if (settings) config.push('-s', settings);
    if (global) config.push('-gs', global);
    const repo = str(args, 'mavenLocalRepo');
    if (repo) {
      if (relPathProblem(repo) !== null && !repo.startsWith('/')) throw new StepFailure(`withMaven: mavenLocalRepo '${repo}': ${relPathProblem(repo)}`);
      config.push(`-Dmaven.repo.local=${repo.startsWith('/') ? repo : path.join(ctx.cwd ?? ws.root, repo)}`);
    }
    // The wrapper takes its own directory off PATH and runs the next mvn with the options.
    const wrapper = `#!/bin/sh\nPATH=$(printf '%s' "$PATH" | sed -e ${shq(`s#^${dir}:##`)})\nexport PATH\nexec mvn ${config.map(shq).join(' ')} "$@"\n`;
    await ws.writeFile(path.join(dir, 'mvn'), wrapper, 0o755);
    env.MVN_CMD_DIR = dir;
    env.MVN_CMD = path.join(dir, 'mvn');
    env.MAVEN_CONFIG = config.join(' ');
    env.PATH = `${dir}:${pathVar}`;
    const opts = str(args, 'mavenOpts');
    if (opts) env.MAVEN_OPTS = opts;
    if (args.values['traceability'] === true) say(ctx, `mvn wrapper: ${env.MVN_CMD} (${config.join(' ')})`);
    let failed: unknown = null;
    let value: Value = null;
    try {
      value = await ctx.runBody(args.body!, { env });
    } catch (e) {
      failed = e;
    }
    if (!ctx.signal.aborted) await publish(ctx, enabled);
    if (failed) throw failed;
    return value;
  } finally {
    await ws.remove(dir).catch(() => {});
  }
};

async function publish(ctx: StepContext, enabled: Set<string>): Promise<void> {
  if (enabled.has('junitPublisher')) {
    const ws = ctx.workspace();
    const base = ctx.cwd ?? ws.root;
    const pattern = '**/target/surefire-reports/TEST-*.xml, **/target/failsafe-reports/TEST-*.xml';
    const found = await ws.glob(base, pattern);
    if (found.length > 0) {
      say(ctx, `junitPublisher - Archive test results for ${found.length} report file${found.length === 1 ? '' : 's'} of maven-surefire-plugin / maven-failsafe-plugin: ${pattern}`);
      await junitRun(ctx, { values: { testResults: pattern, allowEmptyResults: true }, body: null });
    }
  }
  if (enabled.has('artifactsPublisher')) {
    const ws = ctx.workspace();
    const base = ctx.cwd ?? ws.root;
    const pattern = '**/target/*.jar, **/target/*.war, **/target/*.ear';
    const found = await ws.glob(base, pattern);
    if (found.length > 0) {
      say(ctx, `artifactsPublisher - Archive ${found.length} artifact${found.length === 1 ? '' : 's'}: ${found.join(', ')}`);
      await archiveRun(ctx, { values: { artifacts: pattern, allowEmptyArchive: true, fingerprint: true }, body: null });
    }
  }
  say(ctx, 'Publishers: ' + [...enabled].filter((p) => p === 'junitPublisher' || p === 'artifactsPublisher').join(', '));
}

const withAnt: StepRun = async (ctx, args) => {
  const env: Record<string, string> = {};
  let pathVar = ctx.env.PATH ?? '';
  const jdk = str(args, 'jdk');
  if (jdk) {
    const home = toolHome(ctx, jdk, 'jdk');
    env.JAVA_HOME = home;
    pathVar = `${home}/bin:${pathVar}`;
  }
  const ant = str(args, 'installation');
  if (ant) {
    const home = toolHome(ctx, ant, 'ant');
    env.ANT_HOME = home;
    pathVar = `${home}/bin:${pathVar}`;
  }
  env.PATH = pathVar;
  return ctx.runBody(args.body!, { env });
};

const nodejs: StepRun = async (ctx, args) => {
  const name = str(args, 'nodeJSInstallationName')?.trim();
  if (!name) throw new StepFailure("nodejs: nodeJSInstallationName is required: nodejs('node20') { ... }");
  const home = toolHome(ctx, name, 'nodejs');
  const env: Record<string, string> = { NODEJS_HOME: home, PATH: `${home}/bin${ctx.env.PATH ? `:${ctx.env.PATH}` : ''}` };
  const configId = str(args, 'configId')?.trim();
  if (!configId) return ctx.runBody(args.body!, { env });
  const lookup = ctx.build.services.buildTools?.configFile;
  const f = lookup ? await lookup(configId) : null;
  if (!f) throw new StepFailure(`nodejs: could not find the managed config file '${configId}' (${lookup ? 'no managed config file with this id' : 'this host has no managed config files'})`);
  const ws = ctx.workspace();
  const dir = path.join(ws.tmp, `nodejs${randomBytes(4).toString('hex')}`);
  await ws.mkdir(dir);
  const file = path.join(dir, 'npmrc');
  try {
    await ws.writeFile(file, f.content, 0o600);
    env.npm_config_userconfig = file;
    return await ctx.runBody(args.body!, { env });
  } finally {
    ctx.log('Deleting 1 temporary files');
    await ws.remove(dir).catch(() => {});
  }
};

const runtime: PluginRuntime = { steps: { withMaven, withAnt, nodejs } };
export default runtime;
