// A build's fingerprints on its Artifacts tab in a real browser (Debian's Chromium through
// playwright-core) against a real controller: each file with its original owner (this build, another
// job's build as a link to it, or "outside Kiln" for a file older than the build) and its MD5.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2E, type Kiln, type E2E } from './harness.ts';

describe('fingerprints in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session', agent: { name: 'fp-agent', executors: 1 } })); });
  after(() => e?.stop());

  test("a build's fingerprinted files and where each came from", async () => {
    const wait = async (job: string, n: number) => {
      for (let i = 0; i < 600; i++) {
        const b = await kiln.api('GET', `/api/v1/jobs/${job}/builds/${n}`);
        if (b.status === 'finished') return b;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`${job} #${n} did not finish`);
    };
    await kiln.api('POST', '/api/v1/jobs', { name: 'maker', script: `node { writeFile file: 'app.jar', text: 'v1'; archiveArtifacts artifacts: 'app.jar', fingerprint: true }` });
    await kiln.api('POST', '/api/v1/jobs/maker/builds', {});
    assert.equal((await wait('maker', 1)).result, 'SUCCESS');
    await kiln.api('POST', '/api/v1/jobs', { name: 'user', script: `node {
  copyArtifacts projectName: 'maker', target: 'in'
  sh 'printf x > mine.txt && printf y > old.txt && touch -d 2001-01-01 old.txt'
  fingerprint '*.txt'
}` });
    await kiln.api('POST', '/api/v1/jobs/user/builds', {});
    assert.equal((await wait('user', 1)).result, 'SUCCESS');
    await page.goto(new URL('job/user/build/1', kiln.url).href);
    await page.getByRole('tab', { name: 'Artifacts' }).or(page.getByRole('button', { name: 'Artifacts' })).first().click();
    const rows = page.getByLabel('Fingerprints').locator('tbody tr');
    await rows.first().waitFor();
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 2).map((td) => td.textContent?.trim())));
    assert.deepEqual(cells, [['in/app.jar', 'maker #1'], ['mine.txt', 'this build'], ['old.txt', 'outside Kiln']]);
    assert.equal(await page.getByLabel('Fingerprints').getByRole('link', { name: 'maker #1' }).getAttribute('href'), '/job/maker/build/1');
  });
});
