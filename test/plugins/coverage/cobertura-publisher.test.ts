// The Cobertura plugin's publisher as step([$class: 'CoberturaPublisher', ...]) under `kiln run`,
// on a real Cobertura report: the pipeline compiles a small C program with gcc --coverage, runs
// it and has gcovr (installed on this machine) write coverage.xml. Asserts the plugin's console
// lines, the targets' results (UNSTABLE, FAILURE with failUnstable) and the full class name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';

const CALC_C = `int sign(int x) {
  if (x > 0) return 1;
  if (x < 0) return -1;
  return 0;
}
int main(void) { return sign(3) == 1 ? 0 : 1; }
`;

function have(tool: string): void {
  try { execFileSync(tool, ['--version'], { stdio: 'ignore' }); } catch {
    assert.fail(`${tool} is needed by this test (it writes the real coverage report) and is not installed`);
  }
}

function project(publish: string): string {
  have('gcc'); have('gcovr');
  const dir = tempDir('cobertura-publisher');
  writeFileSync(path.join(dir, 'calc.c'), CALC_C);
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  sh 'mkdir -p build && gcc --coverage -O0 -o calc calc.c && ./calc && gcovr --xml -o build/coverage.xml .'
  ${publish}
  echo "result: \${currentBuild.currentResult}"
}
`);
  return dir;
}

test("step([$class: 'CoberturaPublisher']) reads gcovr's report; the line target's unstable value missed makes the build UNSTABLE", async () => {
  const dir = project(`step([$class: 'CoberturaPublisher', coberturaReportFile: '**/coverage.xml', lineCoverageTargets: '90, 0, 90', conditionalCoverageTargets: '70, 0, 0', onlyStable: false, failUnhealthy: false, failUnstable: false])`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(readFileSync(path.join(dir, '.kiln/workspace/1/build/coverage.xml'), 'utf8'), /<coverage /, 'gcovr wrote the report');
  assert.match(r.stdout, /\[Cobertura\] Publishing Cobertura coverage report\.\.\.\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /\[Cobertura\] Cobertura coverage report found\.\n/);
  const line = /Lines's stability is (\d+\.\d\d) and set mininum stability is 90\.00\./.exec(r.stdout);
  assert.ok(line, r.stdout);
  assert.ok(Number(line[1]) < 90);
  assert.match(r.stdout, /\[Cobertura\] Setting Build to UNSTABLE\.\n/);
  assert.match(r.stdout, /result: UNSTABLE\n/);
  const kept = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/coverage.json'), 'utf8'));
  assert.equal(kept[0].id, 'cobertura');
  assert.deepEqual(kept[0].reports, ['build/coverage.xml']);
  assert.deepEqual(kept[0].files.map((f: { path: string }) => f.path), ['calc.c']);
});

test("step([$class: 'hudson.plugins.cobertura.CoberturaPublisher'], failUnstable: true) fails the build; a wrong package is no build step", async () => {
  const dir = project(`step([$class: 'hudson.plugins.cobertura.CoberturaPublisher', coberturaReportFile: 'build/coverage.xml', lineCoverageTargets: '90, 0, 90', failUnstable: true])`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /\[Cobertura\] Setting Build to FAILURE\.\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /Finished: FAILURE\n/);

  const bad = project(`step([$class: 'org.example.CoberturaPublisher', coberturaReportFile: 'build/coverage.xml'])`);
  const b = await runKiln(['run'], { cwd: bad });
  assert.match(b.stdout + b.stderr, /no known implementation of interface jenkins\.tasks\.SimpleBuildStep is named org\.example\.CoberturaPublisher/);
});

test("step([$class: 'CoberturaPublisher']) with no report: FAILURE (failNoReports defaults to true), a pattern leaving the workspace is refused", async () => {
  const dir = project(`step([$class: 'CoberturaPublisher', coberturaReportFile: 'nothing/*.xml'])`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /\[Cobertura\] No coverage results were found using the pattern 'nothing\/\*\.xml'/, r.stdout + r.stderr);
  assert.match(r.stdout, /result: FAILURE\n/);

  const out = project(`step([$class: 'CoberturaPublisher', coberturaReportFile: '../../etc/*.xml'])`);
  const o = await runKiln(['run'], { cwd: out });
  assert.match(o.stdout + o.stderr, /cobertura: the pattern '\.\.\/\.\.\/etc\/\*\.xml' leaves the workspace/);
});
