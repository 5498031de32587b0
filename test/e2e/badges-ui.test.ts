// The badge plugin's badges on a build's page in a real browser (Debian's Chromium through
// playwright-core) against a real controller: each badge's text with its sign, a link followed
// only when it is http(s), an HTML badge shown as its escaped markup (no element from it in the
// page), as Jenkins' default markup formatter shows it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2E, type Kiln, type E2E } from './harness.ts';

const SCRIPT = `pipeline {
  agent none
  stages {
    stage('mark') {
      steps {
        addBadge icon: 'symbol-star', text: 'release', link: 'https://example.com/release'
        addWarningBadge 'slow tests'
        addErrorBadge text: 'lint', link: 'javascript:alert(1)'
        addHtmlBadge html: '<b id="injected">bold</b>'
      }
    }
  }
}
`;

describe('badges in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session' })); });
  after(() => e?.stop());

  test("a build's badges on its page", async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'marked', script: SCRIPT });
    await kiln.api('POST', '/api/v1/jobs/marked/builds', {});
    await page.goto(new URL('job/marked/build/1', kiln.url).href);
    await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();
    const badges = page.getByLabel('Badges').locator('.run-badge');
    await badges.first().waitFor();
    assert.deepEqual((await badges.allTextContents()).map((t) => t.trim()), ['release', '⚠ slow tests', '✖ lint', '<b id="injected">bold</b>']);
    assert.equal(await page.getByRole('link', { name: 'release' }).getAttribute('href'), 'https://example.com/release');
    assert.equal(await page.getByRole('link', { name: /lint/ }).count(), 0, 'a javascript: link is not a link');
    assert.equal(await page.locator('#injected').count(), 0, 'the HTML badge adds no element');
  });
});
