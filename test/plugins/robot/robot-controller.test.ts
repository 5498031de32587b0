// The Robot Framework publisher on a real controller: the report and log are kept per build as
// the build's HTML report 'Robot Framework' (listed by the API, linked from the build page),
// served with publishHTML's sandboxing Content-Security-Policy (no script runs: as under Jenkins'
// default CSP), and the tests, per suite, with the build's tests.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { TEST_ADMIN_TOKEN, consoleText, finishedBuild, jsonApi, rawApi, testConfig } from '../../helpers/controller.ts';

let c: ControllerHandle;
const api = jsonApi(() => c.url);
const raw = rawApi(() => c.url);
before(async () => {
  c = await startController(testConfig({ home: path.join(tempDir('robot-controller'), 'home'), port: '0', executors: '1' }));
});
after(async () => { await c?.close(); });

const OUTPUT = readFileSync(fileURLToPath(new URL('../../fixtures/robot/output.xml', import.meta.url)), 'utf8');

test("robot keeps report.html and log.html as the build's sandboxed HTML report, and its tests with the build's", async () => {
  const script = `node {
  writeFile file: 'out/output.xml', text: ${JSON.stringify(OUTPUT)}
  writeFile file: 'out/report.html', text: '<html><body><h1>Report</h1><script>window.parent.x = 1</script></body></html>'
  writeFile file: 'out/log.html', text: '<html><body>Log</body></html>'
  writeFile file: 'out/log.js', text: 'window.output = {}'
  writeFile file: 'out/secret.txt', text: 'not kept'
  robot outputPath: 'out'
}`;
  await api('POST', '/api/v1/jobs', { name: 'rf', script });
  await api('POST', '/api/v1/jobs/rf/builds', {});
  const b = await finishedBuild(c.url, 'rf', 1);
  const log = await consoleText(c.url, 'rf', 1);
  assert.equal(b.result, 'SUCCESS', log);
  const list = await api('GET', '/api/v1/jobs/rf/builds/1/html-reports');
  assert.deepEqual(list.reports, [{ name: 'Robot Framework', files: ['report.html', 'log.html'], keepAll: true, alwaysLinkToLastBuild: false, url: '/api/v1/jobs/rf/builds/1/html-reports/Robot%20Framework/report.html' }]);
  const page = await fetch(new URL(list.reports[0].url.slice(1), c.url), { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
  const text = await page.text();
  assert.equal(page.status, 200);
  assert.match(text, /<h1>Report<\/h1>/);
  const csp = page.headers.get('content-security-policy') ?? '';
  assert.match(csp, /^sandbox; default-src 'none'/, csp);
  assert.doesNotMatch(csp, /script-src|allow-scripts|allow-same-origin/);
  assert.equal((await raw('GET', '/api/v1/jobs/rf/builds/1/html-reports/Robot%20Framework/log.js')).status, 200);
  assert.equal((await raw('GET', '/api/v1/jobs/rf/builds/1/html-reports/Robot%20Framework/secret.txt')).status, 404);
  assert.equal((await raw('GET', list.reports[0].url, undefined, { authorization: '' })).status, 401);
  const tests = await raw('GET', '/api/v1/jobs/rf/builds/1/tests');
  assert.equal(tests.status, 200, tests.text);
  assert.match(tests.text, /Shop\.Cart/);
  assert.match(tests.text, /Remove Item/);
});
