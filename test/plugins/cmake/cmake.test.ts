// The CMake plugin's steps under `kiln run`, with the real cmake, make, gcc and ctest of the
// machine (scripts/test-prereqs.sh installs cmake): a small C project configured and built by
// cmakeBuild (generator, build type, cmakeArgs, build-tool steps through cmake and directly,
// their envVars, cleanBuild), tested by ctest (a failing test fails the step unless its exit code
// is ignored), and the failures a user sees: a broken CMakeLists.txt, an unknown installation,
// a cleanBuild outside the workspace; arguments with shell characters reach the tools as they are.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

function prereq(): void {
  for (const tool of ['cmake', 'ctest', 'make', 'cc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'pipe' });
    } catch {
      assert.fail(`${tool} is not installed: run scripts/test-prereqs.sh (it installs cmake and the C toolchain)`);
    }
  }
}

function project(jenkinsfile: string, failingTest = false): string {
  const dir = tempDir('cmake-run');
  mkdirSync(path.join(dir, 'src'));
  writeFileSync(path.join(dir, 'src', 'CMakeLists.txt'), `cmake_minimum_required(VERSION 3.10)
project(hello C)
add_executable(hello hello.c)
target_compile_definitions(hello PRIVATE GREETING="\${GREETING}")
enable_testing()
add_test(NAME runs COMMAND hello)
${failingTest ? 'add_test(NAME fails COMMAND sh -c "exit 3")\n' : ''}install(TARGETS hello DESTINATION bin)
add_custom_target(showenv COMMAND printenv STEP_VAR)
`);
  writeFileSync(path.join(dir, 'src', 'hello.c'), '#include <stdio.h>\nint main(void) { printf("%s from hello\\n", GREETING); return 0; }\n');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return dir;
}

test('cmakeBuild configures and builds a real C project; build-tool steps through cmake and directly, with envVars; ctest runs its tests', async () => {
  prereq();
  const dir = project(`pipeline {
  agent any
  stages {
    stage('build') {
      steps {
        cmakeBuild(installation: 'InSearchPath', sourceDir: 'src', buildDir: 'build', buildType: 'Release', generator: 'Unix Makefiles',
          cmakeArgs: "-DGREETING=Hi -DCMAKE_INSTALL_PREFIX='\${env.WORKSPACE}/inst dir'",
          steps: [[args: '--target all', withCmake: true], [args: 'showenv', envVars: 'STEP_VAR=a;b $(id)'], [args: '--target install', withCmake: true]])
        sh './build/hello; "inst dir/bin/hello"'
        script {
          def rc = ctest(installation: 'InSearchPath', workingDir: 'build', arguments: '--output-on-failure')
          echo "ctest rc=\${rc}"
        }
      }
    }
  }
}
`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const ws = path.join(dir, '.kiln', 'workspace', '1');
  const build = path.join(ws, 'build');
  assert.match(r.stdout, new RegExp(`\\[${build}\\] \\$ cmake -G 'Unix Makefiles' -D CMAKE_BUILD_TYPE=Release -DGREETING=Hi '-DCMAKE_INSTALL_PREFIX=${ws}/inst dir' ${path.join(ws, 'src')}\\n`));
  assert.match(r.stdout, /-- Build files have been written to: /);
  assert.match(r.stdout, new RegExp(`\\$ cmake --build ${build} --target all\\n`));
  assert.match(r.stdout, /\$ \/usr\/bin\/(g)?make showenv\n/, 'the build tool from CMakeCache.txt, run directly');
  assert.match(r.stdout, /showenv\na;b \$\(id\)\n/, 'envVars reach the build tool as they are, no shell');
  assert.match(r.stdout, /\+ \.\/build\/hello\nHi from hello\n/);
  assert.match(r.stdout, /inst dir\/bin\/hello\nHi from hello\n/, 'installed by the --target install step');
  assert.match(r.stdout, /100% tests passed, 0 tests failed out of 1/);
  assert.match(r.stdout, /ctest rc=0/);
  assert.ok(existsSync(path.join(ws, 'inst dir', 'bin', 'hello')));
  assert.match(readFileSync(path.join(build, 'CMakeCache.txt'), 'utf8'), /CMAKE_BUILD_TYPE:STRING=Release/);
});

test('ctest: a failing test fails the step with the plugin\'s message; ignoredExitCodes lets it pass with a note; cleanBuild starts afresh', async () => {
  prereq();
  const dir = project(`pipeline {
  agent any
  stages {
    stage('build') {
      steps {
        writeFile file: 'build/stale.txt', text: 'old'
        cmakeBuild installation: 'InSearchPath', sourceDir: 'src', buildDir: 'build', cleanBuild: true, steps: [[withCmake: true]]
        sh 'test ! -e build/stale.txt && echo stale-gone'
        script {
          def rc = ctest(installation: 'InSearchPath', workingDir: 'build', ignoredExitCodes: '1-2, 8')
          echo "ignored rc=\${rc}"
        }
        ctest installation: 'InSearchPath', workingDir: 'build'
        echo 'not reached'
      }
    }
  }
}
`, true);
  const r = await runKiln(['run'], { cwd: dir });
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stdout, new RegExp(`Cleaning build dir ${path.join(dir, '.kiln', 'workspace', '1', 'build')} \\.\\.\\. `));
  assert.match(r.stdout, /stale-gone/);
  assert.match(r.stdout, /50% tests passed, 1 tests failed out of 2/);
  assert.match(r.stdout, /ctest exited with error code 8, ignored\./);
  assert.match(r.stdout, /ignored rc=8/);
  assert.match(r.stdout, /ERROR: ctest exited with error code 8 \(Jenkinsfile/);
  assert.doesNotMatch(r.stdout, /not reached/);
  assert.match(r.stdout, /Finished: FAILURE/);
});

test('cmakeBuild: a broken CMakeLists.txt fails with cmake\'s exit code; an unknown installation and a cleanBuild outside the workspace are refused', async () => {
  prereq();
  const broken = project(`node {
  cmakeBuild(installation: 'InSearchPath', sourceDir: 'src', buildDir: 'build')
}
`);
  writeFileSync(path.join(broken, 'src', 'CMakeLists.txt'), 'cmake_minimum_required(VERSION 3.10)\nproject(x C)\nthis_is_not_a_command()\n');
  let r = await runKiln(['run'], { cwd: broken });
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /Unknown CMake command "this_is_not_a_command"/);
  assert.match(r.stdout, /cmake exited with error code 1/);

  const unknown = project(`node { cmakeBuild(installation: 'cmake-3.28', sourceDir: 'src', buildDir: 'build') }\n`);
  r = await runKiln(['run'], { cwd: unknown });
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /Tool type "cmake" does not have an install of "cmake-3\.28"/);

  const outside = tempDir('cmake-outside');
  writeFileSync(path.join(outside, 'keep.txt'), 'precious');
  const escape = project(`node { cmakeBuild(installation: 'InSearchPath', sourceDir: 'src', buildDir: '${outside}', cleanBuild: true) }\n`);
  r = await runKiln(['run'], { cwd: escape });
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /cleanBuild deletes only a build directory inside the workspace/);
  assert.equal(readFileSync(path.join(outside, 'keep.txt'), 'utf8'), 'precious');

  const lint = await runKiln(['lint', path.join(broken, 'Jenkinsfile')]);
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  const bad = tempDir('cmake-lint');
  writeFileSync(path.join(bad, 'Jenkinsfile'), "node { cmakeBuild(installation: 'InSearchPath', buildDirectory: 'b') }\n");
  const badLint = await runKiln(['lint', path.join(bad, 'Jenkinsfile')]);
  assert.match(badLint.stdout + badLint.stderr, /Unknown parameter "buildDirectory" for step cmakeBuild \(did you mean "buildDir"\?\)/);
});
