// Folder properties on the Folders page in a real browser (Debian's Chromium through
// playwright-core) against a real controller: an admin opens a folder, adds keys and values and
// saves; the API has them and the page shows them again after a reload, with what the folder
// inherits; a key that is no environment variable name is said in its row and nothing changes;
// "Remove all properties" asks first, in the page's own dialog; no serious axe-core finding.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { axeFindings, startE2E, type Kiln, type E2E } from './harness.ts';

describe('folder properties in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session' })); });
  after(() => e?.stop());

  const open = async (folder: string) => {
    await page.getByLabel('Properties of folder', { exact: true }).fill(folder);
    await page.getByRole('button', { name: 'Open properties' }).click();
    await page.getByRole('heading', { name: `${folder}/` }).waitFor();
  };

  test('an admin sets a folder\'s properties, sees them after a reload with the inherited ones, and removes them', async () => {
    await kiln.api('PUT', '/api/v1/folders/team/properties', { properties: [{ key: 'REGISTRY', value: 'registry.team:5000' }] });
    await page.goto(new URL('folders', kiln.url).href);
    await page.getByRole('heading', { name: 'Folder properties' }).waitFor();
    await open('team/sub');
    await page.getByText('No properties on this folder.').waitFor();
    await page.getByText(/From team\/: REGISTRY/).waitFor();
    await page.getByRole('button', { name: 'Add property' }).click();
    await page.getByLabel('Key 1 of team/sub', { exact: true }).fill('TIER');
    await page.getByLabel('Value 1 of team/sub', { exact: true }).fill('staging');
    await page.getByRole('button', { name: 'Add property' }).click();
    await page.getByLabel('Key 2 of team/sub', { exact: true }).fill('IMAGE');
    await page.getByLabel('Value 2 of team/sub', { exact: true }).fill('${REGISTRY}/app');
    await page.getByRole('button', { name: 'Save properties' }).click();
    await page.getByRole('button', { name: 'Save properties' }).and(page.locator('[disabled]')).waitFor();
    const got = await kiln.api('GET', '/api/v1/folders/team%2Fsub/properties');
    assert.deepEqual(got.properties.map((p: { key: string; value: string }) => [p.key, p.value]), [['TIER', 'staging'], ['IMAGE', '${REGISTRY}/app']]);

    // A bad key: said in its row, nothing saved.
    await page.getByLabel('Key 2 of team/sub', { exact: true }).fill('NOT_OK');
    await page.getByRole('button', { name: 'Add property' }).click();
    await page.getByLabel('Key 3 of team/sub', { exact: true }).fill('TIER');
    await page.getByRole('button', { name: 'Save properties' }).click();
    await page.getByRole('alert').filter({ hasText: "'TIER' is given twice" }).waitFor();
    assert.equal((await kiln.api('GET', '/api/v1/folders/team%2Fsub/properties')).properties.length, 2, 'a refused save changes nothing');

    await page.reload();
    await open('team/sub');
    assert.equal(await page.getByLabel('Key 1 of team/sub', { exact: true }).inputValue(), 'TIER');
    assert.equal(await page.getByLabel('Value 2 of team/sub', { exact: true }).inputValue(), '${REGISTRY}/app');
    // No serious or critical axe-core finding with the editor open, light and dark.
    const found: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      found.push(...await axeFindings(page, `/folders (properties, ${scheme})`));
    }
    await page.emulateMedia({ colorScheme: null });
    assert.deepEqual(found, []);

    await page.getByRole('button', { name: 'Remove all properties' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove properties' }).click();
    await page.getByText('No properties on this folder.').waitFor();
    assert.deepEqual((await kiln.api('GET', '/api/v1/folders/team%2Fsub/properties')).properties, []);
  });
});
