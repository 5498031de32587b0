// The web UI's second round in a real browser (Debian's Chromium through playwright-core) against
// a real controller and a real agent, asserting what a person sees: tabs named after the job,
// build and status with a status favicon; the console filling the window while it follows a
// running build (the stage view a strip, the newest line in view); a failed build opening at
// its first error, highlighted, with "Next error"; each line's time of arrival (time of day or
// since the start); the job's trends (build times, test results, the stage grid, permalinks)
// and each failing test's history; no serious axe-core finding in light or dark
// mode, a running build's badge included.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshot, startE2E, axeOnPages, type Kiln, type E2E, type AxePage } from './harness.ts';

const TIMEOUT = 20_000;

/** The little of the browser's globals these tests evaluate in the page (the project's types have no DOM). */
interface Doc { document: { title: string; querySelector(s: string): { href: string; getBoundingClientRect(): { top: number; bottom: number; height: number } } | null }; innerHeight: number }

describe('web UI round 2 in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  // Unlocked through the API in the browser's own context: the session cookie is the page's.
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1440, height: 900 }, timeout: TIMEOUT, agent: { name: 'r2-agent', executors: 3, labels: ['linux'] }, setup: 'session' })); });
  after(() => e?.stop());

  const job = (name: string, script: string) => kiln.api('POST', '/api/v1/jobs', { name, script });
  const evaluate = <T>(fn: (w: Doc) => T): Promise<T> => page.evaluate(`(${fn.toString()})(globalThis)`);
  /** Waits until the tab's title matches (pages set it when their data arrives). */
  const titleIs = async (want: string | RegExp) => {
    const end = Date.now() + TIMEOUT;
    let got = '';
    while (!(typeof want === 'string' ? (got = await page.title()) === want : want.test(got = await page.title()))) {
      if (Date.now() > end) assert.fail(`the title is '${got}', not ${String(want)}`);
      await page.waitForTimeout(50);
    }
  };

  test('the tab names the job, the build and its status, and the favicon shows the status', async () => {
    await job('ship-it', "pipeline {\n  agent any\n  stages { stage('Go') { steps { echo 'shipped' } } }\n}\n");
    const built = await kiln.api('POST', '/api/v1/jobs/ship-it/builds', {});
    await page.goto(new URL(`job/ship-it/build/${built.number}`, kiln.url).href);
    await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();
    await titleIs(`✓ ship-it #${built.number} · Kiln`);
    const icon = await evaluate((w) => w.document.querySelector('link[rel="icon"]')!.href);
    assert.match(decodeURIComponent(icon), /fill="#1a7f37"/, 'a green favicon for a successful build');
    // Another page: its own title, the plain icon.
    await page.goto(new URL('agents', kiln.url).href);
    await page.getByRole('heading', { name: 'Agents' }).waitFor();
    await titleIs('Agents · Kiln');
    assert.match(decodeURIComponent(await evaluate((w) => w.document.querySelector('link[rel="icon"]')!.href)), /fill="#b4441c"/);
  });

  test('following a running build, the console fills the window and its newest line is in view', async () => {
    await job('ticker', "pipeline {\n  agent any\n  stages {\n    stage('One') { steps { echo 'one' } }\n    stage('Two') { steps { echo 'two' } }\n    stage('Tick') { steps { sh 'for i in $(seq 1 400); do echo tick $i; sleep 0.02; done; sleep 3' } }\n  }\n}\n");
    await page.goto(new URL('job/ticker', kiln.url).href);
    await page.getByRole('button', { name: 'Build Now' }).click();
    await page.getByRole('heading', { name: 'ticker #1' }).waitFor();
    await page.locator('.console .line', { hasText: /^tick [23]\d\d$/ }).first().waitFor();
    await titleIs(/^▶ ticker #1 · Kiln$/);
    // The stage view is a strip of chips while following.
    await page.locator('.stages.strip [data-stage="Tick"][data-status="running"]').waitFor();
    await screenshot(page, 'r2-01-following');
    const m = await evaluate((w) => {
      const main = w.document.querySelector('.console-main')!.getBoundingClientRect();
      const lines = w.document.querySelector('.console .line:last-child')!.getBoundingClientRect();
      return { top: main.top, height: main.height, bottom: main.bottom, lastLine: lines.bottom, window: w.innerHeight };
    });
    assert.ok(m.bottom <= m.window, `the console ends inside the window (${m.bottom} > ${m.window})`);
    assert.ok(m.lastLine <= m.window, 'the newest line is in view');
    assert.ok(m.top < 320, `the console starts high on the page (at ${m.top}px)`);
    assert.ok(m.height >= m.window * 0.55, `the console takes most of the window (${m.height}px of ${m.window})`);
    // Its last lines are the newest output.
    const texts = (await page.locator('.console .line').allInnerTexts()).filter((t) => t.trim() !== '');
    const newest = Math.max(...texts.slice(-4).map((t) => /^tick (\d+)$/.exec(t)?.[1]).filter((n) => n !== undefined).map(Number));
    assert.ok(newest >= 200 && newest <= 400, `the newest lines are at the bottom: ${texts.slice(-4).join(' | ')}`);
    await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();
    // Finished: the full stage view is back.
    await page.locator('.stages:not(.strip) .stage[data-stage="Tick"][data-status="success"]').waitFor();
  });

  test('a failed build opens at its first error, highlighted, and "Next error" goes to the next', async () => {
    const noise = Array.from({ length: 600 }, (_, i) => `echo noise ${i}`).join('; ');
    await job('broken', [
      'pipeline {', '  agent any', '  stages {',
      `    stage('Noisy') { steps { sh '${noise}' } }`,
      "    stage('Soft') { steps { catchError(buildResult: 'UNSTABLE', stageResult: 'FAILURE') { sh 'echo first problem; exit 3' } } }",
      `    stage('More') { steps { sh '${noise}' } }`,
      "    stage('Hard') { steps { sh 'echo second problem; exit 4' } }",
      '  }', '}', ''].join('\n'));
    const built = await kiln.api('POST', '/api/v1/jobs/broken/builds', {});
    for (let i = 0; ; i++) {
      const s = await kiln.api('GET', `/api/v1/jobs/broken/builds/${built.number}`);
      if (s.status === 'finished') { assert.equal(s.result, 'FAILURE'); break; }
      if (i > 300) throw new Error('the build did not finish');
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.goto(new URL(`job/broken/build/${built.number}`, kiln.url).href);
    const hl = page.locator('.console .line.error-hl');
    await hl.waitFor();
    assert.match(await hl.innerText(), /ERROR: script returned exit code 3/);
    // The noise before it scrolled away: the view starts near the error.
    await screenshot(page, 'r2-02-first-error');
    const shown = await page.locator('.console').innerText();
    assert.ok(!shown.includes('(Noisy)') && !shown.includes('noise 599'), `the view starts near the error, not at the top:\n${shown.slice(0, 400)}`);
    assert.match(shown, /^\+ echo first problem\nfirst problem\n\+ exit 3\nERROR: script returned exit code 3\n/, 'three lines of context above the error');
    await page.getByText('2 errors').waitFor();
    await screenshot(page, 'r2-02-first-error');
    await page.getByRole('button', { name: 'Next error' }).click();
    await page.locator('.console .line.error-hl', { hasText: 'ERROR: script returned exit code 4' }).waitFor();
    await page.getByRole('button', { name: 'Previous error' }).click();
    await page.locator('.console .line.error-hl', { hasText: 'ERROR: script returned exit code 3' }).waitFor();
    await titleIs(`✗ broken #${built.number} · Kiln`);
  });

  test('each line shows when it arrived, as the time of day or since the start, and the choice is kept', async () => {
    await job('paced', "pipeline {\n  agent any\n  stages { stage('Pace') { steps { sh 'echo alpha; sleep 2.2; echo omega' } } }\n}\n");
    const built = await kiln.api('POST', '/api/v1/jobs/paced/builds', {});
    for (let i = 0; ; i++) {
      const s = await kiln.api('GET', `/api/v1/jobs/paced/builds/${built.number}`);
      if (s.status === 'finished') break;
      if (i > 300) throw new Error('the build did not finish');
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.goto(new URL(`job/paced/build/${built.number}`, kiln.url).href);
    await page.locator('.console .line', { hasText: /^omega$/ }).waitFor();
    assert.equal(await page.locator('.console .ts').count(), 0, 'no time gutter unless asked for');
    await page.getByLabel('Times').selectOption('time');
    const alpha = page.locator('.console .line', { hasText: /alpha$/ }).last().locator('.ts');
    const omega = page.locator('.console .line', { hasText: /omega$/ }).last().locator('.ts');
    await alpha.filter({ hasText: /^\d\d:\d\d:\d\d$/ }).waitFor();
    const [a, o] = [await alpha.innerText(), await omega.innerText()];
    const secs = (t: string) => t.split(':').map(Number).reduce((x, y) => x * 60 + y, 0);
    assert.ok(((secs(o) - secs(a) + 86400) % 86400) >= 2, `omega (${o}) arrived at least 2 s after alpha (${a})`);
    await page.getByLabel('Times').selectOption('elapsed');
    await omega.filter({ hasText: /^\+0:0[2-9]$/ }).waitFor();
    await screenshot(page, 'r2-03-times');
    // Kept for the next page.
    await page.reload();
    await page.locator('.console .line', { hasText: /omega$/ }).last().locator('.ts', { hasText: /^\+0:0[2-9]$/ }).waitFor();
    await page.getByLabel('Times').selectOption('none');
  });

  test('the job page draws build times and test results, the stage grid and permalinks; a test\'s history says since when it fails and whether it flips', async () => {
    await job('tested', [
      'pipeline {', '  agent any', '  stages {',
      "    stage('Build') { steps { echo 'built' } }",
      "    stage('Test') {", '      steps {',
      "        sh '''",
      '          n=$BUILD_NUMBER',
      "          if [ $((n % 2)) -eq 0 ]; then flip='<failure message=\"flip\">x</failure>'; else flip=''; fi",
      "          if [ $n -ge 2 ]; then broken='<failure message=\"broken\">y</failure>'; else broken=''; fi",
      "          printf '<testsuite name=\"s\" tests=\"3\"><testcase classname=\"app.T\" name=\"ok\"/><testcase classname=\"app.T\" name=\"flip\">%s</testcase><testcase classname=\"app.T\" name=\"broken\">%s</testcase></testsuite>' \"$flip\" \"$broken\" > r.xml",
      "        '''",
      "        junit 'r.xml'",
      '      }', '    }', '  }', '}', ''].join('\n'));
    for (let n = 1; n <= 5; n++) {
      await kiln.api('POST', '/api/v1/jobs/tested/builds', {});
      for (let i = 0; ; i++) {
        const s = await kiln.api('GET', `/api/v1/jobs/tested/builds/${n}`);
        if (s.status === 'finished') { assert.equal(s.result, n === 1 ? 'SUCCESS' : 'UNSTABLE', `build ${n}`); break; }
        if (i > 300) throw new Error(`build ${n} did not finish`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const trend = await kiln.api('GET', '/api/v1/jobs/tested/trend?limit=30');
    assert.deepEqual(trend.builds.map((b: { number: number }) => b.number), [5, 4, 3, 2, 1]);
    assert.deepEqual(trend.builds.map((b: { tests: { failed: number } }) => b.tests.failed), [1, 2, 1, 2, 0]);
    assert.deepEqual(trend.stages.names, ['Build', 'Test']);
    assert.deepEqual(trend.last, { stable: 1, successful: 5, failed: null, unsuccessful: 5, completed: 5 });

    await page.goto(new URL('job/tested', kiln.url).href);
    const trends = page.getByRole('region', { name: 'Trends' });
    await trends.getByRole('link', { name: 'Last stable build (#1)' }).waitFor();
    await trends.getByRole('link', { name: 'Last successful build (#5)' }).waitFor();
    assert.equal(await trends.getByRole('link', { name: /Last failed build/ }).count(), 0, 'no failed build, no link');
    await trends.locator('figure[aria-label="Build time"] canvas').waitFor();
    await trends.locator('figure[aria-label="Test results"] canvas').waitFor();
    const grid = trends.getByRole('table', { name: 'Stage times by build' });
    assert.equal(await grid.locator('tbody tr').count(), 5);
    await grid.locator('tbody tr').first().locator('td[data-stage="Test"][data-status="unstable"]').waitFor();
    await grid.locator('tbody tr').last().locator('td[data-stage="Test"][data-status="success"]').waitFor();
    await screenshot(page, 'r2-04-trends');

    await page.goto(new URL('job/tested/build/5', kiln.url).href);
    await page.getByRole('tab', { name: 'Tests' }).click();
    await page.locator('.case', { hasText: 'app.T.broken' }).getByText('failing since #2 · failed 4 of the last 5 runs').waitFor();
    await page.getByLabel('Show all cases').check();
    await page.locator('.case', { hasText: 'app.T.flip' }).getByText('flaky: failed 2 of the last 5 runs').waitFor();
    await screenshot(page, 'r2-05-test-history');
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`accessibility in ${scheme} mode: no serious or critical axe-core finding, a running build included`, async () => {
      await job(`slow-${scheme}`, "pipeline {\n  agent any\n  stages { stage('Wait') { steps { sh 'echo waiting; sleep 300' } } }\n}\n");
      const running = await kiln.api('POST', `/api/v1/jobs/slow-${scheme}/builds`, {});
      const pages: AxePage[] = [
        ['/', /^Jobs$/], [`/job/slow-${scheme}/build/${running.number}`, new RegExp(`^slow-${scheme} #`), async () => { await page.locator('h1 .badge', { hasText: 'Running' }).waitFor(); }], ['/job/ship-it', /^ship-it$/], ['/job/tested', /^tested$/], ['/job/tested/build/5', /^tested #5/],
        ['/job/broken/build/1', /^broken #1/], ['/new-job', /^New pipeline job$/], ['/agents', /^Agents$/], ['/credentials', /^Credentials$/],
        ['/users', /^Users$/], ['/profile', /^admin$/], ['/clouds', /^Clouds$/], ['/audit', /^Audit log$/], ['/folders', /^Folder permissions$/],
      ];
      const found = await axeOnPages(page, kiln, pages, { scheme, settleMs: 200 });
      await kiln.api('POST', `/api/v1/jobs/slow-${scheme}/builds/${running.number}/abort`, {}).catch(() => { /* already over */ });
      assert.deepEqual(found, []);
    });
  }
});
