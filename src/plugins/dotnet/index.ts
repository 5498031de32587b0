// The dotnet plugin: the steps of Jenkins' .NET SDK Support plugin (jenkinsci/dotnet-sdk-plugin),
// declared as data (runtime.ts runs them, args.ts builds their `dotnet` command lines):
//   dotnetBuild, dotnetClean, dotnetPack, dotnetPublish, dotnetTest   MSBuild-based commands
//   dotnetRestore, dotnetToolRestore                                  package / tool restores
//   dotnetListPackage                                                 `dotnet list package`
//   dotnetNuGetDelete, dotnetNuGetPush, dotnetNuGetLocals              `dotnet nuget ...`
//   dotnetBuildServerShutdown                                        `dotnet build-server shutdown`
//   withDotNet(sdk: 'x') { ... }                                      an SDK's environment for a block
// An SDK is a tool installation of type `dotnetsdk` (`tools { dotnetsdk 'x' }`, `tool name: 'x',
// type: 'dotnetsdk'`): its home holds the `dotnet` executable, found on the node as every tool
// (KILN_TOOL_<NAME>, pipeline/steps/tool.ts). The parameters are the plugin's DataBoundSetters;
// each step runs `dotnet` on the node (or in the current container()) as the plugin's
// DotNetStepExecution does: optionally `dotnet --info` first, the command, its completion line
// (".NET Command Completed - Exit Code: N"), optionally `dotnet build-server shutdown` after
// (whatever the exit code), then the result from the exit code and MSBuild's "N Error(s)" /
// "N Warning(s)" summary lines.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = '.NET SDK Support';
const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const l = (name: string, doc: string): StepParam => ({ name, type: 'string-or-list', doc });

/** What every command step takes (the plugin's Command and DotNetStepExecution settings). */
const COMMON: StepParam[] = [
  s('sdk', 'the .NET SDK installation (a dotnetsdk tool: KILN_TOOL_<NAME> on the node); default: DOTNET_ROOT, else the dotnet on PATH'),
  s('workDirectory', 'the directory to run in, relative to the current one (not created)'),
  b('showSdkInfo', 'run `dotnet --info` first'),
  b('specificSdkVersion', 'write a global.json pinning the SDK\'s version (with sdk:) for the command, removed after'),
  b('unstableIfWarnings', 'warnings (MSBuild\'s "N Warning(s)") make the build UNSTABLE'),
  b('unstableIfErrors', 'errors make the build UNSTABLE instead of failing the step'),
  b('continueOnError', 'errors or a non-zero exit set the build to FAILURE and the pipeline goes on'),
  s('charset', 'the character set of the command\'s output; default UTF-8'),
];

/** MSBuild-based commands (MSBuildCommand). */
const MSBUILD: StepParam[] = [
  s('project', 'the project or solution file (or directory)'),
  s('configuration', 'the configuration (-c:Release)'),
  b('nologo', 'no MSBuild banner (--nologo)'),
  s('outputDirectory', 'the output directory (--output)'),
  { name: 'properties', type: 'map', doc: "MSBuild properties: [Version: '1.2'] gives -p:Version=1.2" },
  s('propertiesString', 'MSBuild properties, one key=value a line'),
  s('verbosity', 'q, m, n, d or diag (-v:)'),
  s('option', 'one more option as written'),
  l('options', 'more options (a string split like a shell line, or a list)'),
  s('optionsString', 'more options, split like a shell line'),
  b('shutDownBuildServers', 'run `dotnet build-server shutdown` after the command'),
];

const DIFFERS = "The failure messages are Kiln's (\".NET command completed with N error(s)\", \"... a non-zero return code (N)\"); diagnostics are not annotated in the console; global.json pins rollForward: disable.";

function step(name: string, doc: string, params: StepParam[], differs?: string): StepDecl {
  return { name, doc, params: [...params, ...COMMON], block: 'none', needsNode: true, jenkinsPlugin: PLUGIN, differs: differs ? `${differs} ${DIFFERS}` : DIFFERS };
}

const FRAMEWORK = s('framework', 'the target framework (-f:)');
const RUNTIME = s('runtime', 'the runtime identifier (-r:)');
const VERSION_SUFFIX = s('versionSuffix', '--version-suffix');
const NO_RESTORE = b('noRestore', '--no-restore');
const NO_BUILD = b('noBuild', '--no-build');
const NO_DEPS = b('noDependencies', '--no-dependencies');
const FORCE = b('force', '--force');
const VERBOSITY = s('verbosity', 'q, m, n, d or diag (-v:)');
const CONFIGFILE = s('configfile', 'the NuGet configuration file (--configfile)');
const NUGET: StepParam[] = [b('forceEnglishOutput', '--force-english-output')];
const DELETE_OR_PUSH: StepParam[] = [
  ...NUGET,
  s('apiKeyId', 'a secret text credential holding the API key (--api-key; masked)'),
  b('noServiceEndpoint', '--no-service-endpoint'),
  s('source', 'the package source (--source)'),
];

export const dotnetPlugin: PipelinePlugin = {
  name: 'dotnet',
  doc: 'The .NET SDK Support plugin: dotnetBuild, dotnetTest, dotnetPublish, ... and withDotNet',
  steps: [
    step('dotnetBuild', "dotnet build: dotnetBuild(project: 'App.sln', configuration: 'Release', properties: [Version: '1.2'])",
      [...MSBUILD, FORCE, FRAMEWORK, NO_DEPS, b('noIncremental', '--no-incremental'), NO_RESTORE, RUNTIME,
        s('target', 'one target (-t:)'), l('targets', 'targets (-t: each; a string splits on ; and spaces)'), s('targetsString', 'targets separated by ; or spaces'), VERSION_SUFFIX]),
    step('dotnetClean', "dotnet clean: dotnetClean(project: 'App.sln', configuration: 'Release')", [...MSBUILD, FRAMEWORK, RUNTIME]),
    step('dotnetPack', "dotnet pack: dotnetPack(project: 'Lib.csproj', configuration: 'Release', outputDirectory: 'nupkgs')",
      [...MSBUILD, FORCE, b('includeSource', '--include-source'), b('includeSymbols', '--include-symbols'), NO_BUILD, NO_DEPS, NO_RESTORE, RUNTIME, VERSION_SUFFIX]),
    step('dotnetPublish', "dotnet publish: dotnetPublish(project: 'App.csproj', runtime: 'linux-x64', selfContained: true)",
      [...MSBUILD, FORCE, FRAMEWORK, s('manifest', 'one manifest (--manifest)'), l('manifests', 'manifests (--manifest each)'), s('manifestsString', 'manifests separated by spaces'),
        NO_BUILD, NO_DEPS, NO_RESTORE, RUNTIME, b('selfContained', '--self-contained true|false; unset: the project decides'), VERSION_SUFFIX]),
    step('dotnetTest', "dotnet test: dotnetTest(project: 'Tests.csproj', logger: 'trx', filter: 'Category=Unit')",
      [...MSBUILD, b('blame', '--blame'), s('collect', 'a data collector (--collect)'), s('diag', 'a diagnostics file (--diag)'), s('filter', 'a test filter (--filter)'), FRAMEWORK,
        b('listTests', '--list-tests'), s('logger', 'a logger (--logger)'), NO_BUILD, NO_RESTORE, s('resultsDirectory', '--results-directory'),
        { name: 'runSettings', type: 'map', doc: 'inline run settings: given after -- as name=value' }, s('runSettingsString', 'inline run settings, one name=value a line'),
        RUNTIME, s('settings', 'a .runsettings file (--settings)'), s('testAdapterPath', '--test-adapter-path')]),
    step('dotnetRestore', "dotnet restore: dotnetRestore(project: 'App.sln', sources: 'https://nuget.example/v3/index.json')",
      [s('project', 'the project or solution to restore'), CONFIGFILE, b('disableParallel', '--disable-parallel'), FORCE, b('forceEvaluate', '--force-evaluate'),
        b('ignoreFailedSources', '--ignore-failed-sources'), s('lockFilePath', '--lock-file-path'), b('lockedMode', '--locked-mode'), b('noCache', '--no-cache'), NO_DEPS,
        s('packages', 'the packages directory (--packages)'), s('runtime', 'one runtime identifier (-r:)'), l('runtimes', 'runtime identifiers (-r: each)'), s('runtimesString', 'runtime identifiers separated by spaces'),
        s('source', 'one package source (-s:)'), l('sources', 'package sources (-s: each)'), s('sourcesString', 'package sources separated by spaces'), b('useLockFile', '--use-lock-file'), VERBOSITY]),
    step('dotnetToolRestore', 'dotnet tool restore: dotnetToolRestore(toolManifest: \'.config/dotnet-tools.json\')',
      [s('additionalSource', 'one more source (--add-source)'), l('additionalSources', 'more sources (--add-source each)'), s('additionalSourcesString', 'more sources separated by spaces'),
        CONFIGFILE, b('disableParallel', '--disable-parallel'), b('ignoreFailedSources', '--ignore-failed-sources'), b('noCache', '--no-cache'), s('toolManifest', '--tool-manifest'), VERBOSITY]),
    step('dotnetListPackage', "dotnet list package: dotnetListPackage(project: 'App.sln', outdated: true)",
      [s('project', 'the project or solution'), b('deprecated', '--deprecated'), b('outdated', '--outdated'), s('framework', 'one target framework (--framework)'),
        l('frameworks', 'target frameworks (--framework each)'), s('frameworksString', 'target frameworks separated by spaces'), b('includeTransitive', '--include-transitive'),
        b('includePrerelease', '--include-prerelease (with outdated or deprecated)'), b('highestMinor', '--highest-minor (with outdated or deprecated)'), b('highestPatch', '--highest-patch (with outdated or deprecated)'),
        s('config', 'a NuGet.config (--config; with outdated or deprecated)'), s('source', 'one package source (--source; with outdated or deprecated)'), l('sources', 'package sources (--source each)'), s('sourcesString', 'package sources separated by spaces')]),
    step('dotnetNuGetDelete', "dotnet nuget delete: dotnetNuGetDelete(packageName: 'Lib', packageVersion: '1.0.0', source: 'https://nuget.example/v3/index.json', apiKeyId: 'nuget-key')",
      [...DELETE_OR_PUSH, s('packageName', 'the package'), s('packageVersion', 'its version')]),
    step('dotnetNuGetPush', "dotnet nuget push: dotnetNuGetPush(root: 'nupkgs/*.nupkg', source: 'https://nuget.example/v3/index.json', apiKeyId: 'nuget-key')",
      [...DELETE_OR_PUSH, s('root', 'the package file(s) to push'), b('disableBuffering', '--disable-buffering'), b('noSymbols', '--no-symbols'), b('skipDuplicate', '--skip-duplicate'),
        s('symbolApiKeyId', 'a secret text credential holding the symbol server\'s API key (--symbol-api-key; masked)'), s('symbolSource', '--symbol-source'),
        { name: 'timeout', type: 'integer', doc: 'seconds (--timeout); 0 or less: the default' }]),
    step('dotnetNuGetLocals', "dotnet nuget locals: dotnetNuGetLocals(cacheLocation: 'http-cache', operation: 'clear')",
      [...NUGET, s('cacheLocation', 'all (default), global-packages, http-cache or temp'), s('operation', 'list (default) or clear')]),
    step('dotnetBuildServerShutdown', 'dotnet build-server shutdown: dotnetBuildServerShutdown(msBuild: true) (all servers when none is chosen)',
      [b('msBuild', '--msbuild'), b('razor', '--razor'), b('vbCsCompiler', '--vbcscompiler')],
      "The plugin has this command as an action of its generic step (buildServer/shutdown); Kiln gives it this step name."),
    {
      name: 'withDotNet',
      doc: "Run the block with a .NET SDK's environment: withDotNet(sdk: '.NET 8') { sh 'dotnet build' } (DOTNET_ROOT, the SDK first on PATH, telemetry off).",
      params: [{ name: 'sdk', type: 'string', required: true, doc: 'the .NET SDK installation (a dotnetsdk tool)' }, b('specificSdkVersion', 'write a global.json pinning the SDK\'s version for the block')],
      positional: 'sdk',
      block: 'required',
      needsNode: true,
      jenkinsPlugin: PLUGIN,
    },
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
