// The TAP plugin's publisher under `kiln run` on real TAP 13: the pipeline runs Node's own test
// runner (`node --test --test-reporter=tap`) over a small test file with passing, failing,
// skipped, TODO tests and subtests. Asserts the plugin's console lines, the result it decides
// (UNSTABLE; FAILURE with failedTestsMarkBuildAsFailure; failIfNoResults), the tests recorded
// (tests.json: what the tests page shows) and malformed or hostile input: a missing plan, invalid
// YAML diagnostics and a pattern leaving the workspace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { parseTap, TapParseError } from '../../../src/plugins/tap/parser.ts';

const TESTS = `import { test } from 'node:test';
import assert from 'node:assert/strict';
test('adds', () => assert.equal(1 + 1, 2));
test('subtracts', () => assert.equal(2 - 1, 3));
test('on windows', { skip: 'not on this OS' }, () => {});
test('later', { todo: 'not written yet' }, () => { throw new Error('nope'); });
test('group', async (t) => { await t.test('inner ok', () => {}); await t.test('inner bad', () => assert.ok(false)); });
`;

function project(body: string, files: Record<string, string> = {}): string {
  const dir = tempDir('tap');
  writeFileSync(path.join(dir, 'math.test.mjs'), TESTS);
  for (const [f, t] of Object.entries(files)) writeFileSync(path.join(dir, f), t);
  writeFileSync(path.join(dir, 'Jenkinsfile'), `node {
  sh 'mkdir -p reports && node --test --test-reporter=tap math.test.mjs > reports/math.tap || true'
  ${body}
  echo "result: \${currentBuild.currentResult}"
}
`);
  return dir;
}
/** `kiln run`, without the test runner's NODE_TEST_CONTEXT (else the pipeline's `node --test` would not run its files). */
const kiln = (o: { cwd: string }) => runKiln(['run'], { ...o, env: { NODE_TEST_CONTEXT: undefined } });
interface Case { className: string; name: string; status: string; message: string | null; details: string | null }
const recorded = (dir: string): Case[] => {
  const f = path.join(dir, '.kiln/runs/1/tests.json');
  return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as { cases: Case[] }[]).flatMap((r) => r.cases) : [];
};

test("step([$class: 'TapPublisher']) on node --test's TAP: failed tests make the build UNSTABLE, the tests are the build's", async () => {
  const dir = project(`step([$class: 'TapPublisher', testResults: 'reports/*.tap', failIfNoResults: true, planRequired: true, outputTapToConsole: false])`);
  const r = await kiln({ cwd: dir });
  assert.match(r.stdout, /TAP Reports Processing: START\nLooking for TAP results report in workspace using pattern: reports\/\*\.tap\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /There are failed test cases\. Marking build as UNSTABLE\nTAP Reports Processing: FINISH\n/);
  assert.match(r.stdout, /result: UNSTABLE\n/);
  assert.doesNotMatch(r.stdout, /duration_ms/); // outputTapToConsole: false
  const cases = recorded(dir);
  assert.deepEqual(cases.map((c) => `${c.name}=${c.status}`), ['1 - adds=passed', '2 - subtracts=failed', '3 - on windows=skipped', '4 - later=failed', '5 - group=failed']);
  assert.equal(cases[0]!.className, 'reports/math.tap');
  assert.match(cases[1]!.message ?? '', /Expected values to be strictly equal/);
  assert.equal(cases[2]!.message, 'SKIP not on this OS');
  assert.equal(cases[3]!.message, 'TODO not written yet');
  assert.match(cases[4]!.details ?? '', /subtests:\n {2}ok 1 - inner ok \(passed\)\n {2}not ok 2 - inner bad \(failed\)/);
});

test('publishTap: failedTestsMarkBuildAsFailure gives FAILURE; todoIsFailure: false makes a failing TODO test skipped', async () => {
  const dir = project(`publishTap(testResults: 'reports/*.tap', failedTestsMarkBuildAsFailure: true, todoIsFailure: false)`);
  const r = await kiln({ cwd: dir });
  assert.match(r.stdout, /not ok 2 - subtracts\n/, r.stdout + r.stderr); // outputTapToConsole defaults to true
  assert.match(r.stdout, /There are failed test cases and the job is configured to mark the build as failure\. Marking build as FAILURE\n/);
  assert.match(r.stdout, /result: FAILURE\n/);
  assert.equal(recorded(dir).find((c) => c.name === '4 - later')!.status, 'skipped');
});

test('TapPublisher: no file is only said, FAILURE with failIfNoResults; a missing plan or bad YAML is a parse error: UNSTABLE', async () => {
  const none = project(`step([$class: 'TapPublisher', testResults: 'none/*.tap'])
  echo "after: \${currentBuild.currentResult}"
  step([$class: 'TapPublisher', testResults: 'none/*.tap', failIfNoResults: true])`);
  const n = await kiln({ cwd: none });
  assert.match(n.stdout, /Did not find any matching files\.\n\[Pipeline\] echo\nafter: SUCCESS\n[^]*Did not find any matching files\. Setting build result to FAILURE\.\n/, n.stdout + n.stderr);
  assert.match(n.stdout, /result: FAILURE\n/);

  const bad = project(`step([$class: 'TapPublisher', testResults: 'bad/*.tap', outputTapToConsole: false])`, {});
  writeFileSync(path.join(bad, 'Jenkinsfile'), `node {
  writeFile file: 'bad/noplan.tap', text: 'TAP version 13\\nok 1 - fine\\n'
  writeFile file: 'bad/yaml.tap', text: 'TAP version 13\\n1..1\\nnot ok 1 - broken\\n  ---\\n  message: [unclosed\\n  ...\\n'
  step([$class: 'TapPublisher', testResults: 'bad/*.tap', outputTapToConsole: false])
  echo "result: \${currentBuild.currentResult}"
}
`);
  const b = await kiln({ cwd: bad });
  assert.match(b.stdout, /TAP parse error: bad\/noplan\.tap: missing TAP plan/, b.stdout + b.stderr);
  assert.match(b.stdout, /TAP parse error: bad\/yaml\.tap: line 4: the YAML diagnostics of test 1 are not valid YAML/);
  assert.match(b.stdout, /TAP parse errors found in the build\. Marking build as UNSTABLE\n/);
  assert.match(b.stdout, /result: UNSTABLE\n/);

  const out = project(`step([$class: 'TapPublisher', testResults: '../**/*.tap'])`);
  const o = await kiln({ cwd: out });
  assert.match(o.stdout + o.stderr, /TapPublisher: the pattern '\.\.\/\*\*\/\*\.tap' leaves the workspace/);
  assert.match(o.stdout, /Finished: FAILURE/);
});

test('parseTap: plan last, SKIP plan, Bail out!, escaped #, validate plan', () => {
  const s = parseTap('ok 1 - a \\# not a directive\nnot ok 2 # TODO soon\nBail out! db down\nok 3\n', 'x.tap', { planRequired: false, removeYamlIfCorrupted: false });
  assert.deepEqual(s.tests.map((t) => [t.description, t.directive?.kind ?? null]), [['a # not a directive', null], ['', 'TODO']]);
  assert.equal(s.bailOut, 'db down');
  const skip = parseTap('1..0 # SKIP no database\n', 'y.tap', { planRequired: true, removeYamlIfCorrupted: false });
  assert.deepEqual(skip.plan, { last: 0, skip: 'no database' });
  assert.throws(() => parseTap('1..x\nok 1\n', 'z.tap', { planRequired: true, removeYamlIfCorrupted: false }), (e) => e instanceof TapParseError && /z\.tap: line 1: invalid TAP plan '1\.\.x'/.test(e.message));
  const dropped = parseTap('1..1\nok 1\n  ---\n  a: [\n  ...\n', 'w.tap', { planRequired: true, removeYamlIfCorrupted: true });
  assert.equal(dropped.tests[0]!.diagnostic, null);
});
