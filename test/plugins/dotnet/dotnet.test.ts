// The .NET SDK Support plugin's steps under `kiln run`. The real .NET SDK cannot be installed on
// these machines (not in Debian, no network beyond npm/Debian), so the SDK here is a directory
// given as a dotnetsdk tool (--tool) whose `dotnet` is a shell script standing in for the CLI:
// it records each command line it gets (one argument a line, in argv.log) with the SDK
// environment it sees, and prints what the real CLI prints for it (MSBuild's "Build succeeded."
// and its "N Warning(s)" / "N Error(s)" summary, `dotnet --info`'s header, build-server
// shutdown's lines, nuget push's lines). What is tested is Kiln's part: the exact command lines
// from the steps' parameters, the console, the build results from exit codes and summaries,
// the shutdown after a failure too, the SDK environment, masking of API keys, lint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

function fakeDotnet(log: string): string {
  return `#!/bin/sh
{ echo "--- cwd=$(pwd) DOTNET_ROOT=$DOTNET_ROOT OPTOUT=$DOTNET_CLI_TELEMETRY_OPTOUT"; for a in "$@"; do echo "$a"; done; } >> '${log}'
case "$1" in
  --info) echo ".NET SDK:"; echo " Version:   8.0.100"; exit 0 ;;
  build-server) echo "Shutting down MSBuild server..."; echo "MSBuild server shut down successfully."; exit 0 ;;
  nuget)
    if [ "$2" = push ]; then
      pkg=""; src=""; prev=""
      for a in "$@"; do case "$a" in *.nupkg) pkg="$a" ;; esac; [ "$prev" = --source ] && src="$a"; prev="$a"; done
      echo "Pushing $(basename "$pkg") to '$src'..."; echo "  PUT $src/"; echo "Your package was pushed."
    fi
    if [ "$2" = locals ]; then echo "http-cache: /home/u/.local/share/NuGet/http-cache"; fi
    exit 0 ;;
esac
proj=""
for a in "$@"; do case "$a" in *.csproj|*.sln) proj="$a" ;; esac; done
echo "MSBuild version 17.8.3+195e7f5a3 for .NET"
case "$proj" in
  warn.csproj)
    echo "/src/Program.cs(3,5): warning CS0168: The variable 'x' is declared but never used [/src/warn.csproj]"
    echo "Build succeeded."; echo ""; echo "    2 Warning(s)"; echo "    0 Error(s)"; exit 0 ;;
  broken.csproj)
    echo "/src/Program.cs(7,1): error CS1002: ; expected [/src/broken.csproj]"
    echo "Build FAILED."; echo ""; echo "    0 Warning(s)"; echo "    1 Error(s)"; exit 1 ;;
  crash.csproj) echo "Unhandled exception."; exit 134 ;;
esac
echo "Build succeeded."; echo "    0 Warning(s)"; echo "    0 Error(s)"
exit 0
`;
}

function setup(jenkinsfile: string): { dir: string; sdk: string; log: string; tools: string[] } {
  const dir = tempDir('dotnet-run');
  const sdk = tempDir('dotnet-sdk');
  const log = path.join(dir, 'argv.log');
  writeFileSync(path.join(sdk, 'dotnet'), fakeDotnet(log));
  chmodSync(path.join(sdk, 'dotnet'), 0o755);
  mkdirSync(path.join(sdk, 'sdk', '8.0.100'), { recursive: true });
  writeFileSync(path.join(sdk, 'sdk', '8.0.100', 'dotnet.dll'), '');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify({ 'nuget-key': { type: 'secretText', secret: 'oy2-secret-api-key-77' }, 'user-pw': { type: 'usernamePassword', username: 'u', password: 'p' } }));
  return { dir, sdk, log, tools: ['--tool', `net8=${sdk}`, '--credentials', 'creds.json'] };
}

/** The command lines the fake dotnet got: each an array of its arguments (after a header line). */
function calls(log: string): { head: string; argv: string[] }[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8').split('--- ').filter((x) => x !== '').map((block) => {
    const lines = block.replace(/\n$/, '').split('\n');
    return { head: lines[0]!, argv: lines.slice(1) };
  });
}

test('dotnetBuild: parameters become the plugin\'s dotnet arguments, --info before, build-server shutdown after, the SDK\'s environment', async () => {
  const { dir, sdk, log, tools } = setup(`pipeline {
  agent any
  stages {
    stage('build') {
      steps {
        script {
          def rc = dotnetBuild(sdk: 'net8', project: 'App.sln', configuration: 'Release', nologo: true, outputDirectory: 'out dir',
            properties: [Version: '1.2.3', ContinuousIntegrationBuild: 'true'], verbosity: 'm', options: '--tl:off "-bl:my log.binlog"',
            noRestore: true, framework: 'net8.0', runtime: 'linux-x64', targets: 'Restore;Build', versionSuffix: 'ci',
            showSdkInfo: true, shutDownBuildServers: true)
          echo "rc=\${rc}"
        }
      }
    }
  }
}
`);
  const r = await runKiln(['run', ...tools], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const c = calls(log);
  assert.deepEqual(c.map((x) => x.argv), [
    ['--info'],
    ['build', 'App.sln', '--tl:off', '-bl:my log.binlog', '-c:Release', '--nologo', '--output', 'out dir', '-p:Version=1.2.3', '-p:ContinuousIntegrationBuild=true', '-v:m',
      '--no-restore', '-f:net8.0', '-r:linux-x64', '-t:Restore', '-t:Build', '--version-suffix', 'ci'],
    ['build-server', 'shutdown'],
  ]);
  const ws = path.join(dir, '.kiln/workspace/1');
  for (const x of c) assert.equal(x.head, `cwd=${ws} DOTNET_ROOT=${sdk} OPTOUT=1`);
  assert.match(r.stdout, new RegExp(`\\[${ws}\\] \\$ ${sdk}/dotnet --info\\n\\.NET SDK:\\n`));
  assert.match(r.stdout, /\$ \S+\/dotnet build App\.sln --tl:off "-bl:my log\.binlog" -c:Release --nologo --output "out dir" -p:Version=1\.2\.3 /);
  assert.match(r.stdout, /Build succeeded\.\n {4}0 Warning\(s\)\n {4}0 Error\(s\)\n\.NET Command Completed - Exit Code: 0\n.*\$ \S+\/dotnet build-server shutdown\nShutting down MSBuild server\.\.\.\n/s);
  assert.match(r.stdout, /rc=0\n/);
  assert.match(r.stdout, /Finished: SUCCESS/);
});

test('results: warnings make it UNSTABLE with unstableIfWarnings; errors fail the step after the build-server shutdown; continueOnError and unstableIfErrors', async () => {
  const { dir, log, tools } = setup(`node {
  dotnetBuild(sdk: 'net8', project: 'warn.csproj')
  echo "after plain warnings: \${currentBuild.currentResult}"
  dotnetBuild(sdk: 'net8', project: 'warn.csproj', unstableIfWarnings: true)
  echo "after unstableIfWarnings: \${currentBuild.currentResult}"
  dotnetBuild(sdk: 'net8', project: 'broken.csproj', unstableIfErrors: true)
  echo "after unstableIfErrors: \${currentBuild.currentResult}"
  def rc = dotnetTest(sdk: 'net8', project: 'crash.csproj', continueOnError: true)
  echo "continued with rc=\${rc} result=\${currentBuild.currentResult}"
  dotnetBuild(sdk: 'net8', project: 'broken.csproj', shutDownBuildServers: true)
  echo 'never printed'
}
`);
  const r = await runKiln(['run', ...tools], { cwd: dir });
  assert.match(r.stdout, /after plain warnings: SUCCESS\n/);
  assert.match(r.stdout, /after unstableIfWarnings: UNSTABLE\n/);
  assert.match(r.stdout, /after unstableIfErrors: UNSTABLE\n/);
  assert.match(r.stdout, /Unhandled exception\.\n\.NET Command Completed - Exit Code: 134\n/);
  assert.match(r.stdout, /continued with rc=134 result=FAILURE\n/);
  // The last build fails: the shutdown still runs after it, then the step fails.
  assert.match(r.stdout, /1 Error\(s\)\n\.NET Command Completed - Exit Code: 1\n.*\$ \S+\/dotnet build-server shutdown\n.*MSBuild server shut down successfully\.\n.*\.NET command completed with 1 error\(s\)/s);
  assert.doesNotMatch(r.stdout, /never printed/);
  assert.match(r.stdout, /Finished: FAILURE/);
  assert.equal(r.code, 1);
  assert.deepEqual(calls(log).at(-1)!.argv, ['build-server', 'shutdown']);
});

test('the other commands: test, restore, pack, publish, clean, tool restore, nuget push (API key masked), delete, locals, build-server shutdown, list package', async () => {
  const { dir, log, tools } = setup(`node {
  withDotNet(sdk: 'net8') {
    dotnetTest(project: 'Tests.csproj', logger: 'trx;LogFileName=t.trx', filter: 'Category=Unit', noBuild: true, blame: true, resultsDirectory: 'results', runSettings: ['RunConfiguration.MaxCpuCount': '2'])
    dotnetRestore(project: 'App.sln', sources: ['https://nuget.example/v3/index.json', 'https://other.example/v3/index.json'], runtimes: 'linux-x64 win-x64', lockedMode: true, verbosity: 'q')
    dotnetPack(project: 'Lib.csproj', configuration: 'Release', outputDirectory: 'nupkgs', includeSymbols: true, noBuild: true, propertiesString: 'PackageVersion=2.0.0\\n# comment\\nAuthors = Me')
    dotnetPublish(project: 'App.csproj', runtime: 'linux-x64', selfContained: false, manifest: 'm.xml')
    dotnetClean(project: 'App.sln', configuration: 'Debug', framework: 'net8.0')
    dotnetToolRestore(toolManifest: '.config/dotnet-tools.json', additionalSources: ['https://a.example/v3'], noCache: true)
    dotnetNuGetPush(root: 'nupkgs/Lib.2.0.0.nupkg', source: 'https://nuget.example/v3/index.json', apiKeyId: 'nuget-key', skipDuplicate: true, timeout: 300)
    dotnetNuGetDelete(packageName: 'Lib', packageVersion: '1.0.0', source: 'https://nuget.example/v3/index.json', apiKeyId: 'nuget-key', forceEnglishOutput: true)
    dotnetNuGetLocals(cacheLocation: 'HTTP-CACHE', operation: 'clear')
    dotnetBuildServerShutdown(razor: true)
    dotnetListPackage(project: 'App.sln', outdated: true, frameworks: ['net8.0', 'net6.0'], highestMinor: true, includeTransitive: true, sources: 'https://nuget.example/v3/index.json')
    dotnetListPackage(highestPatch: true)
    sh 'echo "in block: $DOTNET_ROOT"; command -v dotnet'
  }
}
`);
  const r = await runKiln(['run', ...tools], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(calls(log).map((x) => x.argv), [
    ['test', 'Tests.csproj', '--blame', '--filter', 'Category=Unit', '--logger', 'trx;LogFileName=t.trx', '--no-build', '--results-directory', 'results', '--', 'RunConfiguration.MaxCpuCount=2'],
    ['restore', 'App.sln', '--locked-mode', '-r:linux-x64', '-r:win-x64', '-s:https://nuget.example/v3/index.json', '-s:https://other.example/v3/index.json', '-v:q'],
    ['pack', 'Lib.csproj', '-c:Release', '--output', 'nupkgs', '-p:PackageVersion=2.0.0', '-p:Authors=Me', '--include-symbols', '--no-build'],
    ['publish', 'App.csproj', '--manifest', 'm.xml', '-r:linux-x64', '--self-contained', 'false'],
    ['clean', 'App.sln', '-c:Debug', '-f:net8.0'],
    ['tool', 'restore', '--add-source', 'https://a.example/v3', '--no-cache', '--tool-manifest', '.config/dotnet-tools.json'],
    ['nuget', 'push', '--api-key', 'oy2-secret-api-key-77', '--source', 'https://nuget.example/v3/index.json', 'nupkgs/Lib.2.0.0.nupkg', '--skip-duplicate', '--timeout', '300'],
    ['nuget', 'delete', '--force-english-output', '--api-key', 'oy2-secret-api-key-77', '--source', 'https://nuget.example/v3/index.json', 'Lib', '1.0.0'],
    ['nuget', 'locals', 'http-cache', '--clear'],
    ['build-server', 'shutdown', '--razor'],
    ['list', 'App.sln', 'package', '--outdated', '--framework', 'net8.0', '--framework', 'net6.0', '--include-transitive', '--highest-minor', '--source', 'https://nuget.example/v3/index.json'],
    ['list', 'package'],
  ]);
  // The key is given to dotnet, never shown: the command line prints it as ********.
  assert.match(r.stdout, /\$ \S+\/dotnet nuget push --api-key \*{8} --source https:\/\/nuget\.example\/v3\/index\.json nupkgs\/Lib\.2\.0\.0\.nupkg --skip-duplicate --timeout 300\n/);
  assert.doesNotMatch(r.stdout, /oy2-secret-api-key-77/);
  // Inside withDotNet, DOTNET_ROOT names the SDK, whose dotnet comes first on PATH.
  const sdkDir = /in block: (\S+)\n/.exec(r.stdout)?.[1];
  assert.ok(sdkDir, r.stdout);
  assert.match(r.stdout, new RegExp(`in block: ${sdkDir}\\n\\+ command -v dotnet\\n${sdkDir}/dotnet\\n`));
  assert.match(r.stdout, /Pushing Lib\.2\.0\.0\.nupkg to 'https:\/\/nuget\.example\/v3\/index\.json'\.\.\.\n/);
});

test('tools { dotnetsdk }, tool type dotnetsdk, specificSdkVersion writes global.json for the command; workDirectory; bad values fail clearly', async () => {
  const { dir, sdk, log, tools } = setup(`pipeline {
  agent any
  tools { dotnetsdk 'net8' }
  stages {
    stage('a') {
      steps {
        sh 'mkdir -p src/app; command -v dotnet; echo "root=$DOTNET_ROOT"'
        script { echo "tool: \${tool(name: 'net8', type: 'dotnetsdk')}" }
        dotnetBuild(sdk: 'net8', workDirectory: 'src/app', specificSdkVersion: true)
        sh 'test ! -e src/app/global.json && echo global-json-removed'
        dotnetNuGetLocals(cacheLocation: 'nowhere')
      }
    }
  }
}
`);
  // The fake dotnet shows global.json while it runs.
  writeFileSync(path.join(sdk, 'dotnet'), readFileSync(path.join(sdk, 'dotnet'), 'utf8').replace('proj=""', 'cat global.json 2>/dev/null\nproj=""'));
  const r = await runKiln(['run', ...tools], { cwd: dir });
  assert.match(r.stdout, new RegExp(`\\n${sdk}/dotnet\\n\\+ echo root=${sdk}\\nroot=${sdk}\\n`));
  assert.match(r.stdout, new RegExp(`tool: ${sdk}\\n`));
  assert.match(r.stdout, /Created global\.json for \.NET SDK 'net8' \(version 8\.0\.100\)\n/);
  assert.match(r.stdout, /\{ "sdk": \{ "version": "8\.0\.100", "rollForward": "disable" \} \}\n/);
  assert.match(r.stdout, /global-json-removed\n/);
  assert.match(calls(log)[0]!.head, /^cwd=\S+\/workspace\/1\/src\/app /);
  assert.match(r.stdout, /dotnetNuGetLocals: invalid cache location 'nowhere': use one of all, global-packages, http-cache, temp/);
  assert.match(r.stdout, /Finished: FAILURE/);

  const { dir: d2, tools: t2 } = setup(`node {
  dotnetNuGetPush(root: 'x.nupkg', apiKeyId: 'user-pw')
}
`);
  const r2 = await runKiln(['run', ...t2], { cwd: d2 });
  assert.match(r2.stdout, /dotnetNuGetPush: the credential 'user-pw' \(apiKeyId\) is a usernamePassword: an API key must be a secret text credential/);
  const { dir: d3 } = setup(`node { dotnetBuild(sdk: 'net9') }\n`);
  const r3 = await runKiln(['run'], { cwd: d3 });
  assert.match(r3.stdout, /Tool type "dotnetsdk" does not have an install of "net9" on node 'local': set KILN_TOOL_NET9/);
  const { dir: d4 } = setup(`node { dotnetBuild(project: 'a.sln') }\n`);
  const r4 = await runKiln(['run'], { cwd: d4, env: { ...process.env, PATH: '/usr/bin:/bin' } });
  assert.match(r4.stdout, /\.NET command execution failed: cannot run program 'dotnet' [^\n]*; select a \.NET SDK \(sdk: '<name>' or tools \{ dotnetsdk '<name>' \}\) or put dotnet on the node's PATH/);
  assert.doesNotMatch(r4.stdout, /internal error/);
});

test('without sdk the dotnet on PATH runs; lint accepts the steps and refuses unknown parameters', async () => {
  const { dir, sdk, log } = setup(`node {
  dotnetRestore(project: 'App.sln')
  dotnetTest()
}
`);
  const r = await runKiln(['run'], { cwd: dir, env: { ...process.env, PATH: `${sdk}:${process.env.PATH}` } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /\$ dotnet restore App\.sln\n/);
  assert.deepEqual(calls(log).map((x) => x.argv), [['restore', 'App.sln'], ['test']]);

  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline {
  agent any
  tools { dotnetsdk 'net8' }
  stages {
    stage('a') {
      steps {
        withDotNet(sdk: 'net8') { dotnetBuild(project: 'a.sln', configuration: 'Release') }
        dotnetPublish(project: 'a.csproj', selfContained: true, nologo: true)
        dotnetTest(project: 'a.csproj', unstableIfWarnings: true, continueOnError: true)
        dotnetBuild(projekt: 'a.sln')
      }
    }
  }
}
`);
  const lint = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(lint.code, 1, lint.stdout + lint.stderr);
  const lines = (lint.stdout + lint.stderr).split('\n').filter((x) => /^Jenkinsfile:/.test(x));
  assert.equal(lines.length, 1, lint.stdout + lint.stderr);
  assert.match(lines[0]!, /^Jenkinsfile:10:21: Invalid parameter "projekt", did you mean "project"\?$/);
});
