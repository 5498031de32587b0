// The `dotnet` command line of each .NET SDK step, from its bound arguments, in the order the
// plugin's command classes add them (MSBuildCommand, then Build/Pack/Publish/Test...; Restore;
// NuGetCommand, DeleteOrPush, Push/Delete/Locals; ToolCommand and tool Restore): values are
// trimmed and empty ones left out (Util.fixEmptyAndTrim), list-valued settings are split like
// Jenkins' Util.tokenize (quotes group, whitespace separates), properties become `-p:NAME=VALUE`
// and run settings `-- NAME=VALUE` last. Credentials (API keys) are not read here: the caller
// gives them in `secrets` (by parameter name) and they are marked to be masked when printed.
// Pure: no I/O, so the tests can read every line it makes.
import { StepFailure } from '../../core/errors.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { splitQuoted } from '../../util/tokenize.ts';

/** One argument; `secret` ones print as ******** in the console's command line. */
export interface Arg {
  text: string;
  secret?: boolean;
}

type Values = Readonly<Record<string, Value>>;

/** A string setting as the plugin keeps it: trimmed, '' is unset. */
function opt(v: Values, name: string): string | null {
  const x = v[name];
  if (x === undefined || x === null) return null;
  const t = String(x).trim();
  return t === '' ? null : t;
}

const flag = (v: Values, name: string): boolean => v[name] === true || v[name] === 'true';

/** Jenkins' Util.tokenize (util/tokenize.ts), tokens trimmed and empty ones left out, as the .NET plugin splits its lists. */
export function tokenize(s: string, delimiters = ' \t\n\r\f'): string[] {
  return splitQuoted(s, delimiters).map((t) => t.trim()).filter((t) => t !== '');
}

/**
 * A setting given three ways (the plugin's setX / setXs / setXsString): the single one, the
 * list (a Groovy list, or a string split on `delims`), the string. The last one written wins
 * in Jenkins (they share one field); Kiln refuses more than one, which would be ambiguous.
 */
function multi(v: Values, step: string, one: string, many: string, str: string, delims?: string): string[] {
  const given = [one, many, str].filter((n) => v[n] !== undefined && v[n] !== null);
  if (given.length > 1) throw new StepFailure(`${step}: give only one of ${given.join(', ')} (they set the same thing)`);
  const x = v[one] ?? v[many] ?? v[str];
  if (x === undefined || x === null) return [];
  if (isList(x)) return x.map((e) => String(e).trim()).filter((e) => e !== '');
  return tokenize(String(x), delims);
}

/** A map setting (properties: [A: 'x']) or its string form (one key=value a line, as java.util.Properties). */
function props(v: Values, step: string, mapName: string, strName: string): [string, string][] | null {
  const m = v[mapName];
  const s = v[strName];
  if (m !== undefined && m !== null && s !== undefined && s !== null) throw new StepFailure(`${step}: give only one of ${mapName}, ${strName} (they set the same thing)`);
  if (m !== undefined && m !== null) {
    if (!isMap(m)) throw new StepFailure(`${step}: ${mapName} must be a map such as [Version: '1.2.3']`);
    return [...m.entries()].map(([k, x]) => [k, x === null ? '' : String(x)]);
  }
  if (s === undefined || s === null || String(s).trim() === '') return null;
  const out: [string, string][] = [];
  for (const raw of String(s).split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    const m2 = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m2) out.push([m2[1]!.replace(/\\(.)/g, '$1'), m2[2]!]);
    else out.push([line.replace(/\\(.)/g, '$1'), '']);
  }
  return out;
}

class Line {
  readonly args: Arg[] = [];
  add(...t: string[]): this { for (const x of t) this.args.push({ text: x }); return this; }
  /** A positional value, when set. */
  value(x: string | null): this { if (x !== null) this.add(x); return this; }
  flag(name: string, on: boolean): this { if (on) this.add(`--${name}`); return this; }
  /** --name value */
  opt(name: string, x: string | null): this { if (x !== null) this.add(`--${name}`, x); return this; }
  /** -c:value */
  short(c: string, x: string | null): this { if (x !== null) this.add(`-${c}:${x}`); return this; }
  secret(name: string, x: string | null): this { if (x !== null) this.args.push({ text: `--${name}` }, { text: x, secret: true }); return this; }
}

/** MSBuildCommand: command, project, raw options, -c:, --nologo, --output, -p:, -v:. */
function msbuild(l: Line, v: Values, step: string, command: string): void {
  l.add(command).value(opt(v, 'project'));
  l.add(...multi(v, step, 'option', 'options', 'optionsString'));
  l.short('c', opt(v, 'configuration')).flag('nologo', flag(v, 'nologo')).opt('output', opt(v, 'outputDirectory'));
  for (const [k, x] of props(v, step, 'properties', 'propertiesString') ?? []) l.add(`-p:${k}=${x}`);
  l.short('v', opt(v, 'verbosity'));
}

function nuget(l: Line, v: Values, sub: string): void {
  l.add('nuget', sub).flag('force-english-output', flag(v, 'forceEnglishOutput'));
}

function deleteOrPush(l: Line, v: Values, sub: string, secrets: Readonly<Record<string, string>>): void {
  nuget(l, v, sub);
  l.secret('api-key', secrets['apiKeyId'] ?? null).flag('no-service-endpoint', flag(v, 'noServiceEndpoint')).opt('source', opt(v, 'source'));
}

const LOCATIONS = ['all', 'global-packages', 'http-cache', 'temp'];
const OPERATIONS = ['clear', 'list'];

/** The arguments after `dotnet` for step `step`; `secrets` holds the credentials' values by parameter name. */
export function commandLine(step: string, v: Values, secrets: Readonly<Record<string, string>> = {}): Arg[] {
  const l = new Line();
  switch (step) {
    case 'dotnetBuild':
      msbuild(l, v, step, 'build');
      l.flag('force', flag(v, 'force')).flag('no-dependencies', flag(v, 'noDependencies')).flag('no-incremental', flag(v, 'noIncremental')).flag('no-restore', flag(v, 'noRestore'));
      l.short('f', opt(v, 'framework')).short('r', opt(v, 'runtime'));
      for (const t of multi(v, step, 'target', 'targets', 'targetsString', '; \t\n\r\f')) l.add(`-t:${t}`);
      l.opt('version-suffix', opt(v, 'versionSuffix'));
      break;
    case 'dotnetClean':
      msbuild(l, v, step, 'clean');
      l.short('f', opt(v, 'framework')).short('r', opt(v, 'runtime'));
      break;
    case 'dotnetPack':
      msbuild(l, v, step, 'pack');
      l.flag('force', flag(v, 'force')).flag('include-source', flag(v, 'includeSource')).flag('include-symbols', flag(v, 'includeSymbols'));
      l.flag('no-build', flag(v, 'noBuild')).flag('no-dependencies', flag(v, 'noDependencies')).flag('no-restore', flag(v, 'noRestore'));
      l.short('r', opt(v, 'runtime')).opt('version-suffix', opt(v, 'versionSuffix'));
      break;
    case 'dotnetPublish': {
      msbuild(l, v, step, 'publish');
      l.flag('force', flag(v, 'force')).short('f', opt(v, 'framework'));
      for (const m of multi(v, step, 'manifest', 'manifests', 'manifestsString')) l.add('--manifest', m);
      l.flag('no-build', flag(v, 'noBuild')).flag('no-dependencies', flag(v, 'noDependencies')).flag('no-restore', flag(v, 'noRestore'));
      l.short('r', opt(v, 'runtime'));
      const sc = v['selfContained'];
      if (sc !== undefined && sc !== null) l.add('--self-contained', sc === true || sc === 'true' ? 'true' : 'false');
      l.opt('version-suffix', opt(v, 'versionSuffix'));
      break;
    }
    case 'dotnetTest': {
      msbuild(l, v, step, 'test');
      l.short('f', opt(v, 'framework')).short('r', opt(v, 'runtime')).flag('blame', flag(v, 'blame'));
      l.opt('collect', opt(v, 'collect')).opt('diag', opt(v, 'diag')).opt('filter', opt(v, 'filter')).flag('list-tests', flag(v, 'listTests'));
      l.opt('logger', opt(v, 'logger')).flag('no-build', flag(v, 'noBuild')).flag('no-restore', flag(v, 'noRestore'));
      l.opt('results-directory', opt(v, 'resultsDirectory')).opt('settings', opt(v, 'settings')).opt('test-adapter-path', opt(v, 'testAdapterPath'));
      const rs = props(v, step, 'runSettings', 'runSettingsString');
      if (rs !== null) { l.add('--'); for (const [k, x] of rs) l.add(`${k}=${x}`); }
      break;
    }
    case 'dotnetRestore':
      l.add('restore').value(opt(v, 'project')).opt('configfile', opt(v, 'configfile'));
      l.flag('disable-parallel', flag(v, 'disableParallel')).flag('force', flag(v, 'force')).flag('force-evaluate', flag(v, 'forceEvaluate'));
      l.flag('ignore-failed-sources', flag(v, 'ignoreFailedSources')).opt('lock-file-path', opt(v, 'lockFilePath')).flag('locked-mode', flag(v, 'lockedMode'));
      l.flag('no-cache', flag(v, 'noCache')).flag('no-dependencies', flag(v, 'noDependencies')).opt('packages', opt(v, 'packages'));
      for (const r of multi(v, step, 'runtime', 'runtimes', 'runtimesString')) l.add(`-r:${r}`);
      for (const src of multi(v, step, 'source', 'sources', 'sourcesString')) l.add(`-s:${src}`);
      l.flag('use-lock-file', flag(v, 'useLockFile')).short('v', opt(v, 'verbosity'));
      break;
    case 'dotnetToolRestore':
      l.add('tool', 'restore');
      for (const src of multi(v, step, 'additionalSource', 'additionalSources', 'additionalSourcesString')) l.add('--add-source', src);
      l.opt('configfile', opt(v, 'configfile')).flag('disable-parallel', flag(v, 'disableParallel')).flag('ignore-failed-sources', flag(v, 'ignoreFailedSources'));
      l.flag('no-cache', flag(v, 'noCache')).opt('tool-manifest', opt(v, 'toolManifest')).short('v', opt(v, 'verbosity'));
      break;
    case 'dotnetListPackage': {
      l.add('list').value(opt(v, 'project')).add('package').flag('deprecated', flag(v, 'deprecated')).flag('outdated', flag(v, 'outdated'));
      for (const f of multi(v, step, 'framework', 'frameworks', 'frameworksString')) l.add('--framework', f);
      l.flag('include-transitive', flag(v, 'includeTransitive'));
      if (flag(v, 'outdated') || flag(v, 'deprecated')) {
        l.flag('include-prerelease', flag(v, 'includePrerelease')).flag('highest-minor', flag(v, 'highestMinor')).flag('highest-patch', flag(v, 'highestPatch')).opt('config', opt(v, 'config'));
        for (const src of multi(v, step, 'source', 'sources', 'sourcesString')) l.add('--source', src);
      }
      break;
    }
    case 'dotnetNuGetDelete':
      deleteOrPush(l, v, 'delete', secrets);
      l.value(opt(v, 'packageName')).value(opt(v, 'packageVersion'));
      break;
    case 'dotnetNuGetPush': {
      deleteOrPush(l, v, 'push', secrets);
      l.value(opt(v, 'root')).flag('disable-buffering', flag(v, 'disableBuffering')).flag('no-symbols', flag(v, 'noSymbols')).flag('skip-duplicate', flag(v, 'skipDuplicate'));
      l.secret('symbol-api-key', secrets['symbolApiKeyId'] ?? null).opt('symbol-source', opt(v, 'symbolSource'));
      const t = v['timeout'];
      if (typeof t === 'number' && t > 0) l.add('--timeout', String(Math.trunc(t)));
      break;
    }
    case 'dotnetNuGetLocals': {
      const where = (opt(v, 'cacheLocation') ?? 'all').toLowerCase();
      if (!LOCATIONS.includes(where)) throw new StepFailure(`${step}: invalid cache location '${where}': use one of ${LOCATIONS.join(', ')}`);
      const op = (opt(v, 'operation') ?? 'list').toLowerCase();
      if (!OPERATIONS.includes(op)) throw new StepFailure(`${step}: invalid operation '${op}': use clear or list`);
      nuget(l, v, 'locals');
      l.add(where, `--${op}`);
      break;
    }
    case 'dotnetBuildServerShutdown':
      l.add('build-server', 'shutdown').flag('msbuild', flag(v, 'msBuild')).flag('razor', flag(v, 'razor')).flag('vbcscompiler', flag(v, 'vbCsCompiler'));
      break;
    default:
      throw new StepFailure(`${step}: not a .NET SDK command step`);
  }
  return l.args;
}

/** How a command line prints ("$ dotnet build -c:Release"): secrets as ********, words with spaces quoted. */
export function printable(exe: string, args: readonly Arg[]): string {
  const q = (t: string) => (t === '' || /[\s"'$`\\]/.test(t) ? `"${t.replace(/(["\\$`])/g, '\\$1')}"` : t);
  return [q(exe), ...args.map((a) => (a.secret ? '********' : q(a.text)))].join(' ');
}
