// xunit on a real controller: the tests it records show on the build's tests (GET .../tests, what
// the tests page reads), and its "new" thresholds compare with the previous finished build's tests
// (BuildServices.tests.previous): the same failure again is not new.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { consoleText, finishedBuild, jsonApi, testConfig } from '../../helpers/controller.ts';

let c: ControllerHandle;
const api = jsonApi(() => c.url);
before(async () => { c = await startController(testConfig({ home: path.join(tempDir('xunit-ctl'), 'home'), port: '0', executors: '1' })); });
after(async () => { await c?.close(); });

const REPORT = '<testsuites><testsuite name="CartTest"><testcase name="Adds" classname="CartTest" status="run"/><testcase name="Total" classname="CartTest" status="run"><failure message="3 != 4">cart_test.cc:20</failure></testcase></testsuite></testsuites>';

test("the tests show on the build's tests; failed(unstableNewThreshold: '0') counts only failures the previous build did not have", async () => {
  await api('POST', '/api/v1/jobs', { name: 'cart', script: `node {
  writeFile file: 'out/gtest.xml', text: '${REPORT}'
  xunit(tools: [GoogleTest('out/*.xml')], thresholds: [failed(unstableNewThreshold: '0')])
}` });
  await api('POST', '/api/v1/jobs/cart/builds', {});
  assert.equal((await finishedBuild(c.url, 'cart', 1)).result, 'UNSTABLE', await consoleText(c.url, 'cart', 1));
  assert.match(await consoleText(c.url, 'cart', 1), /^INFO: The new number of tests for the threshold 'Failed Tests' exceeds the specified "new unstable threshold" value\.$/m);
  const tests = await api('GET', '/api/v1/jobs/cart/builds/1/tests');
  assert.deepEqual([tests.total, tests.failed, tests.passed], [2, 1, 1]);
  assert.deepEqual(tests.cases.map((x: { className: string; name: string; status: string }) => `${x.className}.${x.name}=${x.status}`), ['CartTest.Adds=passed', 'CartTest.Total=failed']);

  await api('POST', '/api/v1/jobs/cart/builds', {});
  const second = await finishedBuild(c.url, 'cart', 2);
  assert.equal(second.result, 'SUCCESS', await consoleText(c.url, 'cart', 2));
  assert.match(await consoleText(c.url, 'cart', 2), /^INFO: Check 'Failed Tests' threshold\.$/m);
});
