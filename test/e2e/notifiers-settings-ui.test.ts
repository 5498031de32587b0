// Mattermost, Bitbucket and HashiCorp Vault in the HTTP services settings, set through the API (the web page has
// no form for them yet), in a real browser (Debian's Chromium through playwright-core) against a
// real controller: saving Manage › HTTP services after changing another part keeps them as they are
// (a PUT replaces the whole document, so a page that dropped them would clear them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2E, type Kiln, type E2E } from './harness.ts';

describe('Mattermost and Bitbucket settings survive the settings page in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session' })); });
  after(() => e?.stop());

  test('saving the page keeps the Mattermost and Bitbucket parts set through the API', async () => {
    const mattermost = { endpointCredentialId: 'mm-hook', channel: 'builds', icon: '' };
    const bitbucket = { credentialsId: 'bb-oauth', apiUrl: 'https://api.bitbucket.org/2.0/', oauthUrl: 'https://bitbucket.org/site/oauth2/access_token' };
    const vault = { url: 'https://vault.internal:8200', credentialsId: 'vault-token', engineVersion: 2, namespace: 'team-a', skipSslVerification: false };
    await kiln.api('PUT', '/api/v1/settings/http-services', { mattermost, bitbucket: { credentialsId: 'bb-oauth' }, vault: { url: vault.url, credentialsId: 'vault-token', namespace: 'team-a' } });
    await page.goto(new URL('settings/http-services', kiln.url).href);
    await page.getByLabel("Hosts httpRequest may reach on the controller's network").fill('artifacts.internal');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const got = await kiln.api('GET', '/api/v1/settings/http-services');
    assert.deepEqual(got.mattermost, mattermost);
    assert.deepEqual(got.bitbucket, bitbucket);
    assert.deepEqual(got.vault, vault);
    assert.deepEqual(got.httpRequest.allowedHosts, ['artifacts.internal']);
  });
});
