// The Nexus Repository Manager 3 servers of the HTTP services settings (nexusPublisher's
// nexusInstanceId) in a real browser (Debian's Chromium through playwright-core) against a real
// controller: a server added in the form is saved with its credential, and saving the page after
// changing another part keeps a server set through the API (a PUT replaces the whole document, so
// a page that dropped them would clear them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2E, type Kiln, type E2E } from './harness.ts';

describe('Nexus servers on the HTTP services settings page in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session' })); });
  after(() => e?.stop());

  test('a server set through the API survives a save; one added in the form is saved', async () => {
    await kiln.api('PUT', '/api/v1/settings/http-services', { nexus: [{ id: 'nxrm3', url: 'https://nexus.internal', credentialsId: '' }] });
    await page.goto(new URL('settings/http-services', kiln.url).href);
    await page.getByLabel("Hosts httpRequest may reach on the controller's network").fill('nexus.internal');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    let got = await kiln.api('GET', '/api/v1/settings/http-services');
    assert.deepEqual(got.nexus, [{ id: 'nxrm3', url: 'https://nexus.internal', credentialsId: '' }]);

    await page.getByRole('button', { name: 'Add Nexus server' }).click();
    const added = page.getByRole('group', { name: 'Nexus server 2' });
    // The group is named after the server's id: the URL first, the id last.
    await added.getByLabel('Server URL').fill('https://nexus-staging.internal/');
    await added.getByLabel('Server ID').fill('staging');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).last().waitFor();
    got = await kiln.api('GET', '/api/v1/settings/http-services');
    assert.deepEqual(got.nexus, [{ id: 'nxrm3', url: 'https://nexus.internal', credentialsId: '' }, { id: 'staging', url: 'https://nexus-staging.internal/', credentialsId: '' }]);
  });
});
