// The Code Coverage API plugin's publishCoverage under `kiln run`: a real Cobertura report (the
// pipeline compiles C with gcc --coverage and has gcovr write coverage.xml) and a JaCoCo XML
// report written as jacoco:report writes it (no JaCoCo here). Asserts the plugin's console lines,
// thresholds per report as CoverageProcessor applies them (adapter's before global, stable →
// UNSTABLE or FAILURE with failUnstable, healthy → FAILURE with failUnhealthy), failNoReports,
// what is kept in coverage.json, and bad adapters and thresholds refused with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { JACOCO_XML } from './fixtures.ts';

const CALC_C = `int sign(int x) {
  if (x > 0) return 1;
  if (x < 0) return -1;
  return 0;
}
int main(void) { return sign(3) == 1 ? 0 : 1; }
`;

function project(body: string): string {
  for (const tool of ['gcc', 'gcovr']) {
    try { execFileSync(tool, ['--version'], { stdio: 'ignore' }); } catch { assert.fail(`${tool} is needed by this test (it writes the real Cobertura report) and is not installed`); }
  }
  const dir = tempDir('publish-coverage');
  writeFileSync(path.join(dir, 'calc.c'), CALC_C);
  mkdirSync(path.join(dir, 'target/site/jacoco'), { recursive: true });
  writeFileSync(path.join(dir, 'target/site/jacoco/jacoco.xml'), JACOCO_XML);
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  sh 'gcc --coverage -O0 -o calc calc.c && ./calc && gcovr --xml -o coverage.xml .'
  ${body}
  echo "result: \${currentBuild.currentResult}"
}
`);
  return dir;
}
const kept = (dir: string) => JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/coverage.json'), 'utf8'));

test('publishCoverage: Cobertura (gcovr) and JaCoCo reports; a global Line stable threshold missed per report makes the build UNSTABLE', async () => {
  const dir = project(`def r = publishCoverage(adapters: [coberturaAdapter('coverage.xml'), jacocoAdapter(path: 'target/**/jacoco.xml', thresholds: [[thresholdTarget: 'Line', unstableThreshold: 50.0]])],
    sourceFileResolver: sourceFiles('STORE_LAST_BUILD'), globalThresholds: [[thresholdTarget: 'Line', unstableThreshold: 90.0], [thresholdTarget: 'Conditional', unhealthyThreshold: 10.0]])
  echo "line=\${r.line}"`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /Publishing Coverage report\.\.\.\.\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /A total of 2 reports were found\n/);
  // gcovr's report misses the global 90% Line threshold; JaCoCo's (75%) passes its own 50% one, which replaces the global one
  assert.match(r.stdout, /Code coverage enforcement failed: Line coverage in Report level 'coverage\.xml' is lower than 90\.00 stable threshold\n/);
  assert.doesNotMatch(r.stdout, /level 'jacoco\.xml'/);
  assert.match(r.stdout, /result: UNSTABLE\n/);
  assert.match(r.stdout, /Finished: UNSTABLE\n/);
  const k = kept(dir);
  assert.equal(k[0].id, 'coverage-api');
  assert.deepEqual(k[0].reports, ['coverage.xml', 'target/site/jacoco/jacoco.xml']);
  assert.equal(k[0].qualityGate, 'WARNING');
});

test('publishCoverage: failUnstable makes a missed stable threshold FAILURE; a threshold\'s failUnhealthy fails on its healthy threshold', async () => {
  const dir = project(`publishCoverage(adapters: [coberturaAdapter('coverage.xml')], failUnstable: true, globalThresholds: [[thresholdTarget: 'Line', unstableThreshold: 95.0]])`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /Build failed because following metrics did not meet stability target: \[Line\]\.\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /result: FAILURE\n/);

  const h = project(`publishCoverage(adapters: [jacocoAdapter('**/jacoco.xml')], globalThresholds: [[thresholdTarget: 'Line', unstableThreshold: 10.0, unhealthyThreshold: 80.0, failUnhealthy: true]])`);
  const hr = await runKiln(['run'], { cwd: h });
  assert.match(hr.stdout, /Code coverage enforcement failed: Line coverage in Report level 'jacoco\.xml' is lower than 80\.00 healthy threshold\n/, hr.stdout + hr.stderr);
  assert.match(hr.stdout, /Build failed because following metrics did not meet health target: \[Line\]\.\n/);
  assert.match(hr.stdout, /result: FAILURE\n/);
});

test('publishCoverage: no report is only logged, FAILURE with failNoReports; bad adapters and thresholds are refused', async () => {
  const dir = project(`publishCoverage(adapters: [coberturaAdapter('none/*.xml')])
  publishCoverage(adapters: [coberturaAdapter('none/*.xml')], failNoReports: true)`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.match(r.stdout, /No reports were found\n[^]*Publish Coverage Failed : No Reports were found\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /result: FAILURE\n/);

  const bad = project(`publishCoverage(adapters: [coberturaAdapter('coverage.xml')], globalThresholds: [[thresholdTarget: 'Lines', unstableThreshold: 80]])`);
  const b = await runKiln(['run'], { cwd: bad });
  assert.match(b.stdout + b.stderr, /publishCoverage: globalThresholds\[0\]: thresholdTarget 'Lines' is none of Aggregated Report, Report, Group/);

  const pct = project(`publishCoverage(adapters: [coberturaAdapter(path: 'coverage.xml', thresholds: [[thresholdTarget: 'Line', unstableThreshold: 180]])])`);
  const p = await runKiln(['run'], { cwd: pct });
  assert.match(p.stdout + p.stderr, /publishCoverage: adapters\[0\]\.thresholds\[0\]: unstableThreshold must be a percentage from 0 to 100, got '180'/);

  const out = project(`publishCoverage(adapters: [coberturaAdapter('../../**/coverage.xml')])`);
  const o = await runKiln(['run'], { cwd: out });
  assert.match(o.stdout + o.stderr, /publishCoverage: the pattern '\.\.\/\.\.\/\*\*\/coverage\.xml' leaves the workspace/);

  const unknown = project(`publishCoverage(adapters: [llvmAdapter('cov.json')])`);
  const u = await runKiln(['run'], { cwd: unknown });
  assert.match(u.stdout + u.stderr, /llvmAdapter/);
  assert.doesNotMatch(u.stdout, /Publishing Coverage report/);
});

const sourcefile = (pkg: string, name: string, covered: number, missed: number) =>
  `<package name="${pkg}"><sourcefile name="${name}"><counter type="LINE" missed="${missed}" covered="${covered}"/></sourcefile><counter type="LINE" missed="${missed}" covered="${covered}"/></package>`;
const TWO_PACKAGES = `<?xml version="1.0" encoding="UTF-8"?><report name="app">${sourcefile('com/a', 'Good.java', 9, 1)}${sourcefile('com/b', 'Bad.java', 2, 8)}<counter type="LINE" missed="9" covered="11"/></report>`;

test('publishCoverage: applyThresholdRecursively applies the thresholds to each package and file of a report too', async () => {
  const dir = tempDir('publish-coverage-rec');
  writeFileSync(path.join(dir, 'jacoco.xml'), TWO_PACKAGES);
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  publishCoverage(adapters: [jacocoAdapter('jacoco.xml')], globalThresholds: [[thresholdTarget: 'Line', unstableThreshold: 50.0]])
  echo "flat: \${currentBuild.currentResult}"
  publishCoverage(adapters: [jacocoAdapter('jacoco.xml')], applyThresholdRecursively: true, globalThresholds: [[thresholdTarget: 'Line', unstableThreshold: 50.0]])
  echo "recursive: \${currentBuild.currentResult}"
}
`);
  const r = await runKiln(['run'], { cwd: dir });
  // 11 of 20 lines: the report passes 50%; com/b's Bad.java (2 of 10) does not
  assert.match(r.stdout, /flat: SUCCESS\n/, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /level 'jacoco\.xml'/);
  assert.match(r.stdout, /Code coverage enforcement failed: Line coverage in Package level 'com[./]b' is lower than 50\.00 stable threshold\n/);
  assert.match(r.stdout, /Code coverage enforcement failed: Line coverage in File level '[^']*Bad\.java' is lower than 50\.00 stable threshold\n/);
  assert.doesNotMatch(r.stdout, /level '[^']*(Good\.java|com[./]a)'/);
  assert.match(r.stdout, /recursive: UNSTABLE\n/);
});
