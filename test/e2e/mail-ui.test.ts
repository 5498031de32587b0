// The E-mail settings page in a real browser (Chromium through playwright-core) against a real
// controller process and a real SMTP server in this process: an admin saves the server, sends a
// test e-mail (which arrives), and sees a failure in plain words when nothing listens; a bad
// From address is refused with the API's words; a user's e-mail is set on the Users page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { ADMIN, screenshot, startE2E, type Kiln, type E2E } from './harness.ts';
import { startSmtp, type TestSmtp } from '../plugins/mail/smtp-helper.ts';

describe('the E-mail settings page in Chromium', { timeout: 120_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  let smtp: TestSmtp;

  before(async () => {
    smtp = await startSmtp();
    ({ kiln, page } = e = await startE2E({ setup: 'api' }));
  });
  after(async () => {
    await e?.stop();
    await smtp?.close();
  });

  test('save the SMTP server, send a test e-mail, see failures in plain words', async () => {
    await page.goto(kiln.url);
    await page.getByLabel('Username', { exact: true }).fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('link', { name: 'E-mail' }).first().click();
    await page.getByRole('heading', { name: 'E-mail', exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Send test e-mail' }).isDisabled(), true, 'nothing to test before a server is saved');

    await page.getByLabel('SMTP server', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('SMTP port', { exact: true }).fill(String(smtp.port));
    await page.getByLabel('From address', { exact: true }).fill('ci@example.com Bcc: x@example.com');
    await page.getByRole('button', { name: 'Save' }).click();
    // The refused address is said under the From address field.
    const from = page.getByLabel('From address', { exact: true });
    await from.and(page.locator('[aria-invalid="true"]')).waitFor();
    assert.ok((await page.locator('.field', { has: from }).locator('.field-error').innerText()).length > 0);

    await page.getByLabel('From address', { exact: true }).fill('Kiln <ci@example.com>');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByLabel('Test e-mail recipient', { exact: true }).fill('admin@example.com');
    await page.getByRole('button', { name: 'Send test e-mail' }).click();
    await page.getByRole('status').filter({ hasText: 'Email was successfully sent to admin@example.com' }).waitFor();
    const m = await smtp.next();
    assert.deepEqual(m.rcpt, ['admin@example.com']);
    assert.equal(m.headers.get('subject'), 'Test e-mail from Kiln');
    await screenshot(page, 'mail-settings');

    // Nothing listens on port 1: the page says so in plain words.
    await page.getByLabel('SMTP port', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByRole('button', { name: 'Send test e-mail' }).click();
    await page.getByRole('status').filter({ hasText: 'could not connect to the SMTP server 127.0.0.1:1: connection refused' }).waitFor();
    // A user's e-mail address (where requestor() mail goes) is set on the Users page.
    await page.getByRole('link', { name: 'Users' }).first().click();
    await page.getByLabel('Username', { exact: true }).fill('dev1');
    await page.getByLabel('E-mail', { exact: true }).fill('dev1@example.com');
    await page.getByLabel('Password', { exact: true }).fill('dev1 password is long');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.locator('tr', { hasText: 'dev1@example.com' }).waitFor();
    assert.equal((await kiln.api('GET', '/api/v1/users/dev1')).email, 'dev1@example.com');
  });
});
