// recordCoverage, jacoco and cobertura under `kiln run`, on JaCoCo and Cobertura XML reports the
// pipeline writes (JaCoCo's Maven plugin is not in this machine's Maven repository, so the XML is
// written as jacoco:report writes it, DOCTYPE included): totals per metric on the console and in
// .kiln/runs/N/coverage.json, quality gates making the build UNSTABLE or FAILURE with the
// plugins' console lines, and hostile reports (entity declarations, patterns leaving the
// workspace) refused with a clear message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { COBERTURA_XML, JACOCO_XML } from './fixtures.ts';

function project(jenkinsfile: string): string {
  const dir = tempDir('coverage-run');
  mkdirSync(path.join(dir, 'target/site/jacoco'), { recursive: true });
  writeFileSync(path.join(dir, 'target/site/jacoco/jacoco.xml'), JACOCO_XML);
  writeFileSync(path.join(dir, 'coverage.xml'), COBERTURA_XML);
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return dir;
}

const pipeline = (steps: string) => `pipeline {
  agent any
  stages {
    stage('cov') {
      steps {
        ${steps}
      }
    }
  }
}
`;

test('recordCoverage: JaCoCo and Cobertura totals, a LINE gate missed makes the build UNSTABLE, coverage.json kept', async () => {
  const dir = project(pipeline(`script {
          def r = recordCoverage(tools: [[parser: 'JACOCO'], [parser: 'COBERTURA', pattern: 'coverage.xml']],
                                 qualityGates: [[metric: 'LINE', threshold: 80.0, criticality: 'UNSTABLE'], [metric: 'BRANCH', threshold: 40]])
          echo "line=\${r.line} branch=\${r.branch} gate=\${r.qualityGateStatus}"
        }`));
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /\[Coverage\] Using parser 'JaCoCo'\n\[Coverage\] Searching for all files in '.*' that match the pattern '\*\*\/jacoco\.xml'\n\[Coverage\] -> found 1 file\n\[Coverage\] Successfully parsed file '.*target\/site\/jacoco\/jacoco\.xml'\n/);
  // 3/4 + 2/4 lines = 5/8; 1/2 + 1/2 branches = 2/4
  assert.match(r.stdout, /\[Coverage\] -> .*Line: 62\.50%, Branch: 50\.00%, Instruction: 80\.00%/);
  assert.match(r.stdout, /\[Coverage\] Evaluating quality gates\n\[Coverage\] -> Some quality gates have been missed: overall result is UNSTABLE\n\[Coverage\] -> Details for each quality gate:\n\[Coverage\]    - \[Overall project - Line Coverage\]: ≪Unstable≫ - \(Actual value: 62\.50%, Quality gate: 80\.00\)\n\[Coverage\]    - \[Overall project - Branch Coverage\]: ≪Success≫ - \(Actual value: 50\.00%, Quality gate: 40\.00\)\n/);
  assert.match(r.stdout, /line=62\.5 branch=50 gate=WARNING\n/);
  assert.match(r.stdout, /Finished: UNSTABLE\n/);
  const kept = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/coverage.json'), 'utf8'));
  assert.equal(kept.length, 1);
  assert.deepEqual(kept[0].metrics.find((m: any) => m.metric === 'LINE'), { metric: 'LINE', covered: 5, missed: 3 });
  assert.deepEqual(kept[0].reports, ['target/site/jacoco/jacoco.xml', 'coverage.xml']);
  assert.deepEqual(kept[0].files.map((f: any) => f.path), ['pkg/mod.py', 'com/example/App.java']);
});

test('jacoco: the XML report is read (and the console says so), a minimum missed with changeBuildStatus fails the build', async () => {
  const dir = project(pipeline(`jacoco(execPattern: 'target/*.exec', minimumLineCoverage: '80', maximumBranchCoverage: '60', changeBuildStatus: true)
        echo 'after jacoco'`));
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /\[JaCoCo plugin\] Collecting JaCoCo coverage data\.\.\.\n\[JaCoCo plugin\] Kiln reads JaCoCo's XML report \('\*\*\/jacoco\.xml, \*\*\/jacocoTestReport\.xml'\), not the execution data \('target\/\*\.exec'\)/);
  assert.match(r.stdout, /\[JaCoCo plugin\] Overall coverage: class: 100\.00, method: 66\.67, line: 75\.00, branch: 50\.00, instruction: 80\.00, complexity: 66\.67\n/);
  assert.match(r.stdout, /\[JaCoCo plugin\] Build status is changed to FAILURE\n/);
  assert.match(r.stdout, /after jacoco\n/); // the result is set, the step itself does not throw
  assert.match(r.stdout, /Finished: FAILURE\n/);
});

test("step([$class: 'JacocoPublisher', ...]) is the jacoco step (the publisher class behind its symbol)", async () => {
  const dir = project(pipeline(`step([$class: 'JacocoPublisher', execPattern: 'target/*.exec', exclusionPattern: '**/*Test*.class', minimumLineCoverage: '80', changeBuildStatus: true])`));
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /\[JaCoCo plugin\] Overall coverage: class: 100\.00, method: 66\.67, line: 75\.00, branch: 50\.00, instruction: 80\.00, complexity: 66\.67\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /\[JaCoCo plugin\] Build status is changed to FAILURE\n/);
  const full = project(pipeline(`step([$class: 'hudson.plugins.jacoco.JacocoPublisher'])`));
  const f = await runKiln(['run'], { cwd: full });
  assert.match(f.stdout, /\[JaCoCo plugin\] Overall coverage: class: 100\.00/, f.stdout + f.stderr);
  assert.match(f.stdout, /Finished: SUCCESS\n/);
});

test('cobertura: a line target missed makes the build UNSTABLE; no report found fails it (failNoReports)', async () => {
  const dir = project(pipeline(`cobertura coberturaReportFile: 'coverage.xml', lineCoverageTargets: '80, 0, 60'`));
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /\[Cobertura\] Publishing Cobertura coverage report\.\.\.\n/);
  assert.match(r.stdout, /\[Cobertura\] Cobertura coverage report found\.\n/);
  assert.match(r.stdout, /Lines's stability is 50\.00 and set mininum stability is 60\.00\./);
  assert.match(r.stdout, /Finished: UNSTABLE\n/);
  const none = project(pipeline(`cobertura coberturaReportFile: 'nothing/*.xml'`));
  const n = await runKiln(['run'], { cwd: none });
  assert.match(n.stdout, /\[Cobertura\] No coverage results were found using the pattern 'nothing\/\*\.xml'/);
  assert.match(n.stdout, /Finished: FAILURE\n/);
});

test('hostile reports: an entity declaration is refused, a pattern leaving the workspace fails the step', async () => {
  const dir = project(pipeline(`writeFile file: 'bomb/jacoco.xml', text: '<?xml version="1.0"?><!DOCTYPE report [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><report name="x">&b;</report>'
        recordCoverage tools: [[parser: 'JACOCO', pattern: 'bomb/jacoco.xml']], failOnError: true`));
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /\[Coverage\] \[-ERROR-\] Parsing of file '.*bomb\/jacoco\.xml' failed due to an exception: bomb\/jacoco\.xml: the XML declares entities \(<!ENTITY \.\.\.>\), which Kiln refuses to expand/);
  assert.match(r.stdout, /\[Coverage\] Failing build because analysis result contains errors\n/);
  assert.match(r.stdout, /Finished: FAILURE\n/);
  const out = project(pipeline(`recordCoverage tools: [[parser: 'COBERTURA', pattern: '../../**/coverage.xml']]`));
  const o = await runKiln(['run'], { cwd: out });
  assert.match(o.stdout, /recordCoverage: the pattern '\.\.\/\.\.\/\*\*\/coverage\.xml' leaves the workspace/);
  assert.match(o.stdout, /Finished: FAILURE\n/);
  const parser = project(pipeline(`recordCoverage tools: [[parser: 'GCOV']]`));
  const p = await runKiln(['run'], { cwd: parser });
  assert.match(p.stdout, /recordCoverage: tools\[0\]: parser 'GCOV' is not one Kiln reads \(JACOCO, COBERTURA, PIT\)/);
});
