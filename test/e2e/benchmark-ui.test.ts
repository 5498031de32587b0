// The build page's Benchmark section in a real browser (Debian's Chromium through
// playwright-core) against a real controller and agent: the benchmark step's results (group,
// result, value with its unit, the earlier build's value, parameters, thresholds), a failed
// result with the threshold's message, and a name from the result file shown as text, never as
// markup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2E, badgeSays, type Kiln, type E2E } from './harness.ts';

const results = (ms: number) => JSON.stringify({
  groups: [{ name: 'http', tests: [{ name: 'get', parameters: [{ name: 'threads', value: 8 }], results: [
    { name: 'latency', unit: 'ms', dblValue: ms, thresholds: [{ method: 'absolute', maximum: 50 }] },
    { name: '<img src=x onerror=alert(1)>', intValue: 3 },
  ] }] }],
});
const script = (ms: number) => `node { writeFile file: 'b.json', text: '${results(ms)}'; benchmark inputLocation: 'b.json', schemaSelection: 'defaultSchema' }`;

describe('benchmark results in Chromium', { timeout: 300_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session', agent: { name: 'bench-agent', executors: 1 } })); });
  after(() => e?.stop());

  test("the build page's Benchmark table: values, the earlier build's, parameters, thresholds, a failure's message", async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'bench', script: script(20) });
    await kiln.api('POST', '/api/v1/jobs/bench/builds', {});
    await page.goto(new URL('job/bench/build/1', kiln.url).href);
    await badgeSays(page, kiln, 'bench', 1, 'Success');
    await kiln.api('PUT', '/api/v1/jobs/bench', { script: script(70) });
    await kiln.api('POST', '/api/v1/jobs/bench/builds', {});
    await page.goto(new URL('job/bench/build/2', kiln.url).href);
    await badgeSays(page, kiln, 'bench', 2, 'Failed');
    const section = page.getByRole('region', { name: 'Benchmark' });
    await section.getByText('2 results from b.json (defaultSchema)').waitFor();
    assert.deepEqual(await section.locator('thead th').allInnerTexts(), ['group', 'result', 'value', '#1', 'parameters', 'thresholds']);
    const rows = await section.locator('tbody tr').allInnerTexts();
    assert.equal(rows.length, 2, rows.join('\n'));
    assert.match(rows[0]!, /^http \/ get\tlatency\t70 ms\nThe value '70\.0' is above the maximum of '50\.0'\.\n?\t20\tthreads=8\tabsolute \[, 50\]$/, rows[0]);
    assert.match(rows[1]!, /^http \/ get\t<img src=x onerror=alert\(1\)>\t3\t3\tthreads=8\t$/, rows[1]);
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element from a result name');
  });
});
