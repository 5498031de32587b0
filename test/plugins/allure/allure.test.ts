// The Allure plugin's publisher (allure) with `kiln run` on results as Allure 2's adapters write
// them (<uuid>-result.json with status, historyId, start/stop; *-container.json beside them):
// the count (a retried test once, its last result), the build's result from resultPolicy and
// the thresholds as the plugin decides it, reportBuildPolicy, the summary and the results kept
// as artifacts, `tools { allure 'name' }` (ALLURE_HOME, its bin on PATH), kiln lint on the shapes
// real Jenkinsfiles use; hostile input (a results path leaving the workspace, a result file
// linking out of it, one that is not JSON, one over 8 MiB).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { decide, readResult } from '../../../src/plugins/allure/runtime.ts';

let uuid = 0;
/** An Allure 2 result as allure-junit5 / allure-pytest write it. */
function result(name: string, status: string, o: { historyId?: string; start?: number; stop?: number; message?: string } = {}): string {
  const id = `0b1c2d3e-0000-4000-8000-${String(++uuid).padStart(12, '0')}`;
  return JSON.stringify({
    uuid: id, historyId: o.historyId ?? `h-${name}`, testCaseId: `tc-${name}`, fullName: `com.example.CartTest.${name}`, name, status,
    statusDetails: o.message ? { known: false, muted: false, flaky: false, message: o.message, trace: 'java.lang.AssertionError\n\tat com.example.CartTest' } : { known: false, muted: false, flaky: false },
    stage: 'finished', description: '', steps: [], attachments: [], parameters: [],
    labels: [{ name: 'suite', value: 'com.example.CartTest' }, { name: 'framework', value: 'junit-platform' }, { name: 'language', value: 'java' }],
    links: [], start: o.start ?? 1733565600000, stop: o.stop ?? 1733565600120,
  });
}

function project(files: Record<string, string>, jenkinsfile: string): string {
  const dir = tempDir('allure');
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  return dir;
}

const RESULTS: Record<string, string> = {
  'target/allure-results/a1-result.json': result('addsItem', 'passed'),
  'target/allure-results/a2-result.json': result('removesItem', 'failed', { message: 'expected 0 but was 1' }),
  'target/allure-results/a3-result.json': result('totals', 'broken', { message: 'NullPointerException' }),
  'target/allure-results/a4-result.json': result('discounts', 'skipped'),
  // a retried test: failed, then passed later: counted once, passed
  'target/allure-results/a5-result.json': result('checkout', 'failed', { historyId: 'h-checkout', stop: 1733565600200 }),
  'target/allure-results/a6-result.json': result('checkout', 'passed', { historyId: 'h-checkout', start: 1733565600300, stop: 1733565600900 }),
  'target/allure-results/c1-container.json': JSON.stringify({ uuid: 'c1', name: 'CartTest', children: ['a1'], befores: [], afters: [] }),
  'target/allure-results/environment.properties': 'Browser=Chrome\n',
};

test('readResult and decide: statuses, retries by historyId; thresholds before resultPolicy, FAILURE before UNSTABLE', () => {
  assert.deepEqual(readResult(result('x', 'BROKEN')), { status: 'broken', historyId: 'h-x', stop: 1733565600120, start: 1733565600000 });
  assert.equal((readResult('{"status":"weird"}') as { status: string }).status, 'unknown');
  assert.match((readResult('[1]') as { error: string }).error, /not an Allure result/);
  assert.match((readResult('{') as { error: string }).error, /not JSON/);
  const st = { passed: 7, failed: 2, broken: 1, skipped: 0, unknown: 0, total: 10 };
  const none = { unstableCount: null, failureCount: null, unstablePercent: null, failurePercent: null };
  assert.equal(decide(st, { resultPolicy: 'UNSTABLE_IF_FAILED_OR_BROKEN', ...none }), 'UNSTABLE');
  assert.equal(decide(st, { resultPolicy: 'FAILURE_IF_FAILED_OR_BROKEN', ...none }), 'FAILURE');
  assert.equal(decide(st, { resultPolicy: 'LEAVE_AS_IS', ...none }), null);
  assert.equal(decide({ ...st, failed: 0, broken: 0 }, { resultPolicy: 'FAILURE_IF_FAILED_OR_BROKEN', ...none }), 'SUCCESS');
  assert.equal(decide(st, { resultPolicy: 'FAILURE_IF_FAILED_OR_BROKEN', ...none, unstableCount: 5 }), null, 'a threshold given: resultPolicy is not asked');
  assert.equal(decide(st, { resultPolicy: 'LEAVE_AS_IS', ...none, unstableCount: 3 }), 'UNSTABLE');
  assert.equal(decide(st, { resultPolicy: 'LEAVE_AS_IS', ...none, unstableCount: 1, failurePercent: 31 }), 'UNSTABLE');
  assert.equal(decide(st, { resultPolicy: 'LEAVE_AS_IS', ...none, unstableCount: 1, failurePercent: 30 }), 'FAILURE', '30 % is at the threshold: the worse of the two');
});

test('allure: the results counted (a retry once), UNSTABLE for failed or broken tests, the summary and results kept; kiln lint accepts the real shapes', async () => {
  const dir = project(RESULTS, `pipeline {
  agent any
  stages { stage('test') { steps { echo 'tests ran' } } }
  post { always { allure([includeProperties: false, jdk: '', properties: [], reportBuildPolicy: 'ALWAYS', results: [[path: 'target/allure-results']]]) } }
}`);
  const lint = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(lint.code, 0, lint.stdout + lint.stderr);
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 3, r.stdout + r.stderr); // UNSTABLE
  assert.match(r.stdout, /Allure: 5 test results: 2 passed, 1 failed, 1 broken, 1 skipped, 0 unknown\n/);
  assert.match(r.stdout, /does not generate the Allure report/);
  const summary = JSON.parse(readFileSync(path.join(dir, '.kiln/runs/1/artifacts/allure-summary.json'), 'utf8'));
  assert.deepEqual(summary.statistic, { passed: 2, failed: 1, broken: 1, skipped: 1, unknown: 0, total: 5 });
  assert.deepEqual(summary.time, { start: 1733565600000, stop: 1733565600900, duration: 900 });
  assert.ok(readFileSync(path.join(dir, '.kiln/runs/1/artifacts/target/allure-results/a2-result.json'), 'utf8').includes('expected 0 but was 1'));
});

test('allure: thresholds, resultPolicy and reportBuildPolicy as the plugin; tools { allure } sets ALLURE_HOME and PATH', async () => {
  const fail = await runKiln(['run'], { cwd: project(RESULTS, "node { allure results: [[path: 'target/allure-results']], failureThresholdCount: 2 }") });
  assert.equal(fail.code, 1, fail.stdout);
  const leave = await runKiln(['run'], { cwd: project(RESULTS, "node { allure results: [[path: 'target/allure-results']], resultPolicy: 'LEAVE_AS_IS' }") });
  assert.equal(leave.code, 0, leave.stdout);
  const policy = await runKiln(['run'], { cwd: project(RESULTS, "node { allure results: [[path: 'target/allure-results']], reportBuildPolicy: 'UNSTABLE' }") });
  assert.equal(policy.code, 0, policy.stdout);
  assert.match(policy.stdout, /Allure report generation reject by policy \[For all unstable builds\]\n/);
  assert.doesNotMatch(policy.stdout, /test results:/);
  const off = await runKiln(['run'], { cwd: project(RESULTS, "node { allure results: [[path: 'target/allure-results']], disabled: true }") });
  assert.match(off.stdout, /Allure report is disabled\.\n/);
  const home = tempDir('allure-home');
  const tools = await runKiln(['run', '--tool', `allure-2=${home}`], { cwd: project({}, `pipeline {
  agent any
  tools { allure 'allure-2' }
  stages { stage('a') { steps { sh 'echo "home=$ALLURE_HOME"; case ":$PATH:" in *":$ALLURE_HOME/bin:"*) echo on-path;; esac' } } }
}`) });
  assert.equal(tools.code, 0, tools.stdout + tools.stderr);
  assert.match(tools.stdout, new RegExp(`home=${home}\\n`));
  assert.match(tools.stdout, /\non-path\n/);
});

test('allure hostile input: a results path leaving the workspace fails; a result linking out of the workspace, one not JSON and one over 8 MiB are left out', async () => {
  const out = await runKiln(['run'], { cwd: project({}, "node { allure results: [[path: '../../etc']] }") });
  assert.equal(out.code, 1, out.stdout);
  assert.match(out.stdout, /allure: the results path '\.\.\/\.\.\/etc' leaves the workspace/);
  const dir = project({ 'r/ok-result.json': result('ok', 'passed'), 'r/bad-result.json': '{"status": "passed"', 'r/big-result.json': result('big', 'failed') }, "node { allure results: [[path: 'r']] }");
  truncateSync(path.join(dir, 'r/big-result.json'), 9 * 1024 * 1024);
  symlinkSync('/etc/hostname', path.join(dir, 'r/link-result.json'));
  const r = await runKiln(['run'], { cwd: dir });
  assert.equal(r.code, 0, r.stdout);
  assert.match(r.stdout, /allure: r\/bad-result\.json is left out: not JSON/);
  assert.match(r.stdout, /allure: r\/big-result\.json is larger than 8 MiB: left out/);
  assert.match(r.stdout, /allure: cannot read r\/link-result\.json: /);
  assert.match(r.stdout, /Allure: 1 test results: 1 passed, 0 failed/);
  assert.ok(existsSync(path.join(dir, '.kiln/runs/1/artifacts/r/ok-result.json')), 'the results are kept');
  assert.ok(!existsSync(path.join(dir, '.kiln/runs/1/artifacts/r/link-result.json')), 'not the link');
  const missing = await runKiln(['run'], { cwd: project({}, "node { allure results: [[path: 'nothing']] }") });
  assert.match(missing.stdout, /Allure results directory 'nothing' does not exist\n/);
});
