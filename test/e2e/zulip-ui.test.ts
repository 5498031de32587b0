// Zulip in Manage › HTTP services in a real browser (Debian's Chromium through playwright-core)
// against a real controller: an admin configures it with a secret text credential and saves;
// the API has it (the key stays in the credential); saving the page again keeps it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2E, type Kiln, type E2E } from './harness.ts';

describe('Zulip settings in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session' })); });
  after(() => e?.stop());

  test('an admin configures Zulip; saving the page again keeps it', async () => {
    await kiln.api('POST', '/api/v1/credentials', { id: 'zulip-key', type: 'secretText', secret: 'zk-very-secret-1', description: 'Zulip bot' });
    await page.goto(new URL('settings/http-services', kiln.url).href);
    await page.getByRole('button', { name: 'Configure Zulip' }).click();
    await page.getByLabel('Zulip URL').fill('https://acme.zulipchat.com');
    await page.getByLabel('Bot e-mail').fill('ci-bot@acme.zulipchat.com');
    await page.getByLabel('Zulip API key credential').selectOption('zulip-key');
    await page.getByLabel('Default stream').fill('builds');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    const want = { url: 'https://acme.zulipchat.com', email: 'ci-bot@acme.zulipchat.com', apiKeyCredentialId: 'zulip-key', stream: 'builds', topic: '', fullJobPathAsDefaultTopic: false };
    assert.deepEqual((await kiln.api('GET', '/api/v1/settings/http-services')).zulip, want);
    assert.equal((await page.content()).includes('zk-very-secret-1'), false);
    await page.reload();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.deepEqual((await kiln.api('GET', '/api/v1/settings/http-services')).zulip, want);
  });
});
