// The cmake plugin: the pipeline steps of Jenkins' CMake plugin (jenkinsci/cmakebuilder-plugin),
// declared as data (runtime.ts runs them on the node):
//   cmakeBuild(installation: 'InSearchPath', buildDir: 'build', sourceDir: '.', buildType: 'Release',
//              generator: 'Unix Makefiles', cleanBuild: true, cmakeArgs: '-DX=1',
//              steps: [[args: '--target all', withCmake: true, envVars: 'VERBOSE=1']])
//                 generate the build scripts with cmake in buildDir, then run each build-tool step there
//   cmake(installation:, arguments:, workingDir:, ignoredExitCodes:)   cmake with arbitrary arguments
//   ctest(...)  cpack(...)                                             the same for ctest / cpack
// An installation is a tool of type `cmake` (KILN_TOOL_<NAME> on the node, as every tool: its
// home's bin/ holds cmake, ctest, cpack); 'InSearchPath' (the plugin's built-in one) is the
// tools on the node's PATH.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

const PLUGIN = 'CMake';
const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const INSTALLATION: StepParam = { name: 'installation', type: 'string', required: true, doc: "the CMake installation: 'InSearchPath' (the tools on the node's PATH) or a cmake tool (KILN_TOOL_<NAME>: its bin/ holds cmake)" };

function tool(name: 'cmake' | 'ctest' | 'cpack', doc: string): StepDecl {
  return {
    name, doc, block: 'none', needsNode: true, jenkinsPlugin: PLUGIN, positional: 'installation',
    params: [
      INSTALLATION,
      s('arguments', `the arguments of ${name}, split as the plugin does (on spaces; quotes group)`),
      s('workingDir', 'the directory to run in, relative to the current one (created)'),
      s('ignoredExitCodes', "exit codes that do not fail the step: '1-3,5' (the plugin's IntSet)"),
    ],
    differs: 'the step returns the exit code, as the plugin\'s; no automatic installation from cmake.org (a cmake tool names a directory on the node)',
  };
}

export const cmakePlugin: PipelinePlugin = {
  name: 'cmake',
  doc: 'The CMake plugin: cmakeBuild (generate with cmake, then run the build tool), cmake, ctest and cpack',
  steps: [
    {
      name: 'cmakeBuild',
      doc: "Generate the build scripts with cmake in buildDir and run the build tool: cmakeBuild(installation: 'InSearchPath', buildDir: 'build', buildType: 'Release', steps: [[args: '--target all', withCmake: true]])",
      block: 'none', needsNode: true, jenkinsPlugin: PLUGIN, positional: 'installation',
      params: [
        INSTALLATION,
        s('buildDir', 'the build directory, relative to the current one (created; default: the current one)'),
        s('sourceDir', 'the source directory (holding CMakeLists.txt), relative to the current one (default: the current one)'),
        s('buildType', 'CMAKE_BUILD_TYPE (-D CMAKE_BUILD_TYPE=...)'),
        s('generator', "the build-script generator (-G), e.g. 'Unix Makefiles' or 'Ninja'; default: cmake's"),
        s('preloadScript', 'a script populating the cache (-C)'),
        s('cmakeArgs', 'more cmake arguments, split on spaces (quotes group)'),
        { name: 'cleanBuild', type: 'boolean', doc: 'delete the build directory first (never the source directory)' },
        { name: 'steps', type: 'list', doc: "build-tool runs in buildDir: [[args: 'install', withCmake: true, envVars: 'DESTDIR=/tmp/x']]; withCmake runs `cmake --build <buildDir> args`, else the build tool from CMakeCache.txt" },
      ],
      differs: "cleanBuild deletes only a build directory inside the workspace; a failed build-tool step run through cmake names cmake in \"... exited with error code N\" (the plugin's names the build tool, null when there is none)",
    },
    tool('cmake', "Run cmake with arbitrary arguments: cmake(installation: 'InSearchPath', arguments: '--build build --target install', workingDir: '.')"),
    tool('ctest', "Run ctest: ctest(installation: 'InSearchPath', workingDir: 'build', arguments: '--output-on-failure')"),
    tool('cpack', "Run cpack: cpack(installation: 'InSearchPath', workingDir: 'build', arguments: '-G TGZ')"),
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
