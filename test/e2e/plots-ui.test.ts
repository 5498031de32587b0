// The job page's Plots section in a real browser (Debian's Chromium through playwright-core)
// against a real controller and agent: the plot step's plots by group, each a drawn chart with
// its title, and its values table per build with the point links the plot's url gave; a series
// label from a file shown as text, never as markup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2E, badgeSays, type Kiln, type E2E } from './harness.ts';

const script = (n: number) => `node {
  writeFile file: 'out/t.csv', text: 'compile,<img src=x onerror=alert(1)>\\n${n * 10},${n}\\n'
  plot csvFileName: 'plot-t.csv', group: 'Timings', title: 'Build steps', yaxis: 's', style: 'line',
       csvSeries: [[file: 'out/t.csv', url: 'http://ci.example/%name%/%build%']]
}`;

describe('plots in Chromium', { timeout: 300_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session', agent: { name: 'plot-agent', executors: 1 } })); });
  after(() => e?.stop());

  test("the job page's Plots: the group, the chart, the values per build with their links", async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'plotted', script: script(1) });
    await kiln.api('POST', '/api/v1/jobs/plotted/builds', {});
    await page.goto(new URL('job/plotted/build/1', kiln.url).href);
    await badgeSays(page, kiln, 'plotted', 1, 'Success');
    await kiln.api('PUT', '/api/v1/jobs/plotted', { script: script(2) });
    await kiln.api('POST', '/api/v1/jobs/plotted/builds', {});
    await page.goto(new URL('job/plotted/build/2', kiln.url).href);
    await badgeSays(page, kiln, 'plotted', 2, 'Success');
    await page.goto(new URL('job/plotted', kiln.url).href);
    const section = page.getByRole('region', { name: 'Plots' });
    await section.getByRole('heading', { name: 'Timings' }).waitFor();
    const figure = section.getByRole('figure', { name: 'Build steps' });
    await figure.locator('canvas').waitFor();
    await figure.getByText('Values').click();
    const table = figure.getByRole('table', { name: 'Build steps values' });
    assert.deepEqual(await table.locator('thead th').allInnerTexts(), ['Build', 'compile', '<img src=x onerror=alert(1)>']);
    assert.deepEqual(await table.locator('tbody tr').allInnerTexts(), ['#2\t20\t2', '#1\t10\t1']);
    assert.equal(await table.getByRole('link', { name: '20' }).getAttribute('href'), 'http://ci.example/compile/2');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element from a series label');
  });
});
