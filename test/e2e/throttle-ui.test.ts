// Manage › Throttle categories in a real browser (Debian's Chromium through playwright-core)
// against a real controller: an admin adds a category, saves it, and the API and a reload show
// it; a refused value (a duplicate name) is said beside its field.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2E, type Kiln, type E2E } from './harness.ts';

describe('throttle categories in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session' })); });
  after(() => e?.stop());

  test('an admin adds categories from Manage', async () => {
    await page.goto(new URL('manage', kiln.url).href);
    await page.getByRole('link', { name: 'Throttle categories' }).click();
    await page.getByRole('heading', { name: 'Throttle categories' }).waitFor();
    await page.getByText('No throttle categories yet.').waitFor();
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.getByLabel('Name').fill('db-tests');
    await page.getByLabel('Maximum at once').fill('2');
    await page.getByLabel('Maximum per node').fill('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const got = await kiln.api('GET', '/api/v1/settings/throttle-categories');
    assert.deepEqual(got, { categories: [{ name: 'db-tests', maxConcurrentTotal: 2, maxConcurrentPerNode: 1 }] });
    await page.reload();
    assert.equal(await page.getByLabel('Name').inputValue(), 'db-tests');
    assert.equal(await page.getByLabel('Maximum per node').inputValue(), '1');
    await page.getByRole('button', { name: 'Add category' }).click();
    await page.getByLabel('Name').nth(1).fill('db-tests');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('.field-error', { hasText: "'db-tests' is already the name of another category" }).waitFor();
  });
});
