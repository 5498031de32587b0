// The lockable resources and SSH servers pages (issue 17) in a real browser (Debian's Chromium
// through playwright-core) against a real controller, asserting what a person sees:
//   - lockable resources, found from Manage: a bad label said under its field, a resource added
//     and shown after reload, edited, removed through the page's own dialog (Cancel keeps it);
//     a build holding one (lock() around an input) shown as a link to that build, and the build
//     waiting for it listed (a link) under "Waiting";
//   - a developer sees the list and the holder read-only (no add/edit/remove), and is told the
//     SSH servers page is for administrators;
//   - SSH servers: the fingerprint required and a wrong one said under its field, a server saved
//     (credential picked, "Secret: set", the key never in the page) and shown after reload,
//     removed through the dialog;
// and no serious or critical axe-core finding on both pages, light and dark.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { openBrowser, screenshot, startE2E, axeOnPages, type Kiln, type E2E, type AxePage } from './harness.ts';

const TIMEOUT = 20_000;
const KEY_MARK = 'never-shown-key-material-9c1e';
const FP = `SHA256:${'A'.repeat(20)}b+c/${'Z'.repeat(19)}`;

describe('lockable resources and SSH servers pages, in Chromium', { timeout: 300_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  const dialogs: string[] = [];
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: TIMEOUT, dialogs, setup: 'form' })); });
  after(() => e?.stop());

  /** The field labelled `label` in `scope` shows `re` under it, is aria-invalid and described by it. */
  const fieldError = async (scope: Locator, label: string, re: RegExp) => {
    const control = scope.getByLabel(label, { exact: true });
    await control.and(page.locator('[aria-invalid="true"]')).waitFor();
    const described = (await control.getAttribute('aria-describedby'))?.split(' ') ?? [];
    const message = (await page.locator(`[id="${described[0]}"]`).innerText()).trim();
    assert.match(message, re, `${label}: the message under it`);
    assert.equal(await scope.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field-error').innerText(), message);
    assert.doesNotMatch(await scope.innerText(), /\(invalid\)|\binvalid:|"code"/, 'no API code in the form');
  };

  test('lockable resources: a bad label under its field; added, shown after reload, edited, removed through the dialog', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Manage' }).click();
    await page.getByRole('link', { name: 'Lockable resources' }).click();
    await page.getByText('No lockable resources yet.').waitFor();
    const form = page.getByRole('form', { name: 'Add a lockable resource' });
    await form.getByRole('button', { name: 'Add resource' }).click();
    await fieldError(form, 'Name', /^Required$/);
    await form.getByLabel('Name', { exact: true }).fill('db-1');
    await form.getByLabel('Labels').fill('database bad/label');
    await form.getByLabel('Description').fill('The staging database');
    await form.getByRole('button', { name: 'Add resource' }).click();
    await fieldError(form, 'Labels', /^Label 'bad\/label': 1 to 100 letters, digits/);
    await form.getByLabel('Labels').fill('database staging');
    await form.getByRole('button', { name: 'Add resource' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved db-1.' }).waitFor();
    await kiln.api('PUT', '/api/v1/lockable-resources/db-2', { labels: ['database'], description: '' });

    await page.reload();
    const table = page.getByRole('table', { name: 'Lockable resources' });
    const row = table.getByRole('row').filter({ hasText: 'db-1' });
    await row.waitFor();
    assert.match(await row.innerText(), /database\s*staging[\s\S]*The staging database[\s\S]*free/);
    // A name taken is said under the name, and nothing is replaced.
    const add = page.getByRole('form', { name: 'Add a lockable resource' });
    await add.getByLabel('Name', { exact: true }).fill('db-1');
    await add.getByRole('button', { name: 'Add resource' }).click();
    await fieldError(add, 'Name', /already exists/);
    assert.equal((await kiln.api('GET', '/api/v1/lockable-resources/db-1')).description, 'The staging database');
    await add.getByLabel('Name', { exact: true }).fill('');

    await row.getByRole('button', { name: 'Edit db-1' }).click();
    const edit = page.getByRole('form', { name: 'Edit db-1' });
    assert.equal(await edit.getByLabel('Labels').inputValue(), 'database staging');
    await edit.getByLabel('Labels').fill('database');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved db-1.' }).waitFor();
    assert.deepEqual((await kiln.api('GET', '/api/v1/lockable-resources/db-1')).labels, ['database']);
    await screenshot(page, 'locks-01-list');

    await table.getByRole('button', { name: 'Remove db-2' }).click();
    const dlg = page.getByRole('dialog', { name: 'Remove' });
    await dlg.getByText('Remove the lockable resource db-2?').waitFor();
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await dlg.waitFor({ state: 'hidden' });
    assert.equal((await kiln.api('GET', '/api/v1/lockable-resources/db-2')).name, 'db-2');
    await table.getByRole('button', { name: 'Remove db-2' }).click();
    await dlg.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed db-2.' }).waitFor();
    await table.getByRole('row').filter({ hasText: 'db-2' }).waitFor({ state: 'detached' });
    assert.deepEqual((await kiln.api('GET', '/api/v1/lockable-resources')).resources.map((r: { name: string }) => r.name), ['db-1']);
    assert.deepEqual(dialogs, [], 'no browser confirm()');
  });

  test('a developer sees the resources and which build holds one, as a link, and changes nothing; the SSH servers page is for administrators', async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'holder', script: "lock('db-1') {\n  input message: 'Release the database?'\n}\n" });
    await kiln.api('POST', '/api/v1/jobs/holder/builds', {});
    for (let i = 0; (await kiln.api('GET', '/api/v1/lockable-resources/db-1')).heldBy === null; i++) {
      assert.ok(i < 600, 'the build never took the lock');
      await new Promise((r) => setTimeout(r, 100));
    }
    // a second build waits for it, in line
    await kiln.api('POST', '/api/v1/jobs/holder/builds', {});
    for (let i = 0; (await kiln.api('GET', '/api/v1/lockable-resources/db-1')).waitingBy.length === 0; i++) {
      assert.ok(i < 600, 'the second build never waited for the lock');
      await new Promise((r) => setTimeout(r, 100));
    }
    await kiln.api('POST', '/api/v1/users', { name: 'dana', role: 'developer', password: 'dana-password-long-enough' });
    const d = await openBrowser({ width: 1280, height: 800 });
    try {
      const p = d.page;
      p.setDefaultTimeout(TIMEOUT);
      await p.goto(kiln.url);
      const login = p.getByRole('form', { name: 'Log in' });
      await login.getByLabel('Username').fill('dana');
      await login.getByLabel('Password').fill('dana-password-long-enough');
      await login.getByRole('button', { name: 'Log in' }).click();
      await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Locks' }).click();
      const row = p.getByRole('table', { name: 'Lockable resources' }).getByRole('row').filter({ hasText: 'db-1' });
      const link = row.getByRole('link', { name: 'holder #1' });
      await link.waitFor();
      assert.equal(await link.getAttribute('href'), '/job/holder/build/1');
      const waiting = row.getByRole('list', { name: 'Waiting for db-1' }).getByRole('link', { name: 'holder #2' });
      await waiting.waitFor();
      assert.equal(await waiting.getAttribute('href'), '/job/holder/build/2');
      assert.equal(await p.getByRole('button', { name: /Edit|Remove|Add resource/ }).count(), 0, 'no way to change them');
      assert.equal(await p.getByRole('form').count(), 0);
      await p.getByText('Only administrators change them.').waitFor();
      await screenshot(p, 'locks-02-viewer');
      await link.click();
      await p.getByRole('heading', { name: /^holder #1/ }).waitFor();
      await p.goto(new URL('settings/publish-over-ssh', kiln.url).href);
      await p.getByText('This page is for administrators only.').waitFor();
    } finally {
      await d.close();
    }
  });

  test('SSH servers: the fingerprint required and a wrong one under its field; saved with a credential, shown after reload, removed through the dialog', async () => {
    await kiln.api('POST', '/api/v1/credentials', { id: 'deploy-pass', type: 'usernamePassword', username: 'deploy', password: KEY_MARK, description: 'Deploy' });
    await page.goto(new URL('manage', kiln.url).href);
    await page.getByRole('link', { name: 'SSH servers' }).click();
    const form = page.getByRole('form', { name: 'SSH servers' });
    await form.getByText('No SSH servers yet.').waitFor();
    await form.getByRole('button', { name: 'Add SSH server' }).click();
    const server = form.getByRole('group', { name: 'SSH server 1' });
    await server.getByLabel('Name', { exact: true }).fill('web');
    const group = form.getByRole('group', { name: 'SSH server web' });
    await group.getByLabel('Host', { exact: true }).fill('web.example');
    await group.getByLabel('User', { exact: true }).fill('deploy');
    await group.getByLabel('Remote root').fill('/srv/www');
    await group.getByLabel('Credential', { exact: true }).selectOption('deploy-pass');
    assert.match(await group.innerText(), /Kiln pins host keys/);
    await form.getByRole('button', { name: 'Save' }).click();
    await fieldError(group, 'Host key fingerprint', /^Required$/);
    await group.getByLabel('Host key fingerprint').fill('MD5:aa:bb');
    await form.getByRole('button', { name: 'Save' }).click();
    await fieldError(group, 'Host key fingerprint', /^The host key's SHA256 fingerprint/);
    await group.getByLabel('Host key fingerprint').fill(FP);
    await group.getByLabel('Port', { exact: true }).fill('2222');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await screenshot(page, 'locks-03-ssh');

    await page.reload();
    const again = page.getByRole('form', { name: 'SSH servers' }).getByRole('group', { name: 'SSH server web' });
    await again.waitFor();
    assert.equal(await again.getByLabel('Host', { exact: true }).inputValue(), 'web.example');
    assert.equal(await again.getByLabel('Port', { exact: true }).inputValue(), '2222');
    assert.equal(await again.getByLabel('Remote root').inputValue(), '/srv/www');
    assert.equal(await again.getByLabel('Credential', { exact: true }).inputValue(), 'deploy-pass');
    assert.equal(await again.getByLabel('Host key fingerprint').inputValue(), FP);
    assert.match(await again.innerText(), /Secret: set\./);
    assert.ok(!(await page.content()).includes(KEY_MARK), 'the secret is not in the page');
    const saved = await kiln.api('GET', '/api/v1/settings/publish-over-ssh');
    assert.deepEqual(saved.servers, [{ name: 'web', hostname: 'web.example', port: 2222, username: 'deploy', remoteDirectory: '/srv/www', credentialsId: 'deploy-pass', hostKeyFingerprint: FP, timeoutMs: 300000 }]);

    await again.getByRole('button', { name: 'Remove server' }).click();
    const dlg = page.getByRole('dialog', { name: 'Remove' });
    await dlg.getByText('Remove the SSH server web?').waitFor();
    await dlg.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('status').filter({ hasText: 'Removed web.' }).waitFor();
    assert.deepEqual((await kiln.api('GET', '/api/v1/settings/publish-over-ssh')).servers, []);
    assert.deepEqual(dialogs, []);
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`accessibility in ${scheme} mode: no serious or critical axe-core finding, errors showing`, async () => {
      const pages: AxePage[] = [
        ['/lockable-resources', /^Lockable resources$/, async () => {
          await page.getByRole('button', { name: 'Add resource' }).click();
          await page.locator('.field-error').first().waitFor();
        }],
        ['/settings/publish-over-ssh', /^SSH servers$/, async () => {
          await page.getByRole('button', { name: 'Add SSH server' }).click();
          await page.getByRole('button', { name: 'Save' }).click();
          await page.locator('.field-error').first().waitFor();
        }],
      ];
      assert.deepEqual(await axeOnPages(page, kiln, pages, { scheme }), []);
    });
  }
});
