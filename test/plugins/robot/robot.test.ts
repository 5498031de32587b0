// The Robot Framework publisher (robot / step([$class: 'RobotPublisher'])) through `kiln run`
// (the real CLI) on a workspace holding a Robot Framework 7 output.xml of our own (3 passed,
// 1 failed, 1 skipped: 60.0 %): the plugin's console lines, the build's result from the two
// thresholds, the tests recorded, the report/log/other files kept under robot-plugin/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { parseRobot, passPercentage } from '../../../src/plugins/robot/runtime.ts';

const OUTPUT = fileURLToPath(new URL('../../fixtures/robot/output.xml', import.meta.url));

function project(jenkinsfile: string): string {
  const dir = tempDir('robot');
  mkdirSync(path.join(dir, 'reports'));
  copyFileSync(OUTPUT, path.join(dir, 'reports', 'output.xml'));
  writeFileSync(path.join(dir, 'reports', 'report.html'), '<html>report</html>');
  writeFileSync(path.join(dir, 'reports', 'log.html'), '<html>log</html>');
  writeFileSync(path.join(dir, 'reports', 'shot-1.png'), 'png');
  writeFileSync(path.join(dir, 'reports', 'notes.txt'), 'not kept');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return dir;
}

test('output.xml: suites nested by name, each test its own status and time; 3 of 5 passed is 60.0 %', () => {
  const cases = parseRobot(readFileSync(OUTPUT, 'utf8'))!;
  assert.deepEqual(cases.map((c) => [c.suite, c.name, c.status, c.durationMs]), [
    ['Shop.Cart', 'Add Item', 'passed', 250], ['Shop.Cart', 'Remove Item', 'failed', 1500],
    ['Shop.Login', 'Valid Login', 'passed', 100], ['Shop.Login', 'Logout', 'passed', 100], ['Shop.Login', 'Two Factor', 'skipped', 0],
  ]);
  assert.equal(cases[1]!.message, "Item 'pen' was still in the cart");
  assert.equal(parseRobot('<testsuites/>'), null);
  assert.equal(passPercentage(3, 5), 60);
  assert.equal(passPercentage(2, 3), 66.6); // cut, not rounded, as the plugin does
  assert.equal(passPercentage(0, 0), 100);
});

test("step([$class: 'RobotPublisher']): the plugin's lines, UNSTABLE under passThreshold, files kept", async () => {
  const dir = project(`node {
  step([$class: 'RobotPublisher', outputPath: 'reports', outputFileName: '*.xml', reportFileName: 'report.html', logFileName: 'log.html',
        disableArchiveOutput: false, passThreshold: 100, unstableThreshold: 50.0, otherFiles: '*.png'])
}`);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 3, r.stdout + r.stderr); // UNSTABLE
  assert.match(r.stdout, /Robot results publisher started\.\.\.\n-Parsing output xml:\n Done!\n-Copying log files to build dir:\n Done!\n-Assigning results to build:\n Done!\n-Checking thresholds:\n Done!\nDone publishing Robot results\.\n/);
  const artifacts = path.join(dir, '.kiln', 'runs', '1', 'artifacts', 'robot-plugin');
  for (const f of ['output.xml', 'report.html', 'log.html', 'shot-1.png']) assert.ok(existsSync(path.join(artifacts, f)), `${f} kept`);
  assert.ok(!existsSync(path.join(artifacts, 'notes.txt')));
});

test('robot: FAILURE under unstableThreshold; no output file fails the build with the reason', async () => {
  const fail = await runKiln(['run'], { cwd: project("node { robot outputPath: 'reports', passThreshold: 100, unstableThreshold: 70 }") });
  assert.equal(fail.code, 1, fail.stdout + fail.stderr);
  assert.match(fail.stdout, /Done publishing Robot results\./);
  const none = await runKiln(['run'], { cwd: project("node { robot outputPath: 'nothing-here'; echo 'goes on' }") });
  assert.equal(none.code, 1);
  assert.match(none.stdout, /-Parsing output xml:\n Failed!\nNo files found in path nothing-here with configured filemask: output\.xml\n/);
  assert.match(none.stdout, /^goes on$/m);
  const ok = await runKiln(['run'], { cwd: project("node { robot 'reports' }") });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
});

test('onlyCritical: a Robot Framework 3 file counts its critical="yes" tests only (2 of 2 passed, not 2 of 4)', async () => {
  const rf3 = fileURLToPath(new URL('../../fixtures/robot/output-rf3.xml', import.meta.url));
  const cases = parseRobot(readFileSync(rf3, 'utf8'))!;
  assert.deepEqual(cases.map((c) => [c.name, c.status, c.critical]), [
    ['Pay By Card', 'passed', true], ['Pay By Invoice', 'passed', true], ['Pay By Voucher', 'failed', false], ['Pay By Crypto', 'failed', false],
  ]);
  const withRf3 = (jenkinsfile: string) => {
    const dir = project(jenkinsfile);
    copyFileSync(rf3, path.join(dir, 'reports', 'output.xml'));
    return dir;
  };
  const critical = await runKiln(['run'], { cwd: withRf3("node { robot outputPath: 'reports', passThreshold: 90, unstableThreshold: 40, onlyCritical: true }") });
  assert.equal(critical.code, 0, critical.stdout + critical.stderr);
  const all = await runKiln(['run'], { cwd: withRf3("node { robot outputPath: 'reports', passThreshold: 90, unstableThreshold: 40, onlyCritical: false }") });
  assert.equal(all.code, 3, all.stdout + all.stderr); // 50.0 %: UNSTABLE
});

test('onlyCritical on Robot Framework 4+ output (no criticality): every test counts, skipped ones not (3 of 4, not 3 of 5)', async () => {
  // the RF 7 fixture: 3 passed, 1 failed, 1 skipped; 75.0 % of the critical tests, 60.0 % of all
  const only = await runKiln(['run'], { cwd: project("node { robot outputPath: 'reports', passThreshold: 70, onlyCritical: true }") });
  assert.equal(only.code, 0, only.stdout + only.stderr);
  const all = await runKiln(['run'], { cwd: project("node { robot outputPath: 'reports', passThreshold: 70 }") });
  assert.equal(all.code, 3, all.stdout + all.stderr);
});
