// perf17's pages in a real browser (Debian's Chromium through playwright-core) against a real
// controller and agent: the build page's Performance section (perfReport's table per report
// with the change against the previous build, a label from the report shown as text, never as
// markup), and an admin adding an Azure Service Principal credential (a bad id said under its
// field; the secret never in the page).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { startE2E, badgeSays, type Kiln, type E2E } from './harness.ts';

const row = (label: string, ms: number, ok: boolean) => `<httpSample t="${ms}" ts="1700000000000" s="${ok}" lb="${label}" rc="${ok ? 200 : 500}"/>`;
const jtl = (homeMs: number) => `<?xml version="1.0" encoding="UTF-8"?>\\n<testResults version="1.2">\\n${[row('home', homeMs, true), row('home', homeMs, true), row('&lt;img src=x onerror=alert(1)&gt;', 50, false)].join('\\n')}\\n</testResults>\\n`;
const script = (homeMs: number) => `node { writeFile file: 'r.jtl', text: '${jtl(homeMs).replace(/'/g, "\\\\'")}'; perfReport 'r.jtl' }`;

describe('performance reports and Azure credentials in Chromium', { timeout: 300_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session', agent: { name: 'perf-agent', executors: 1 } })); });
  after(() => e?.stop());

  test("the build page's Performance section: each label, the total, the change against the previous build", async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'perf', script: script(100) });
    await kiln.api('POST', '/api/v1/jobs/perf/builds', {});
    await page.goto(new URL('job/perf/build/1', kiln.url).href);
    await badgeSays(page, kiln, 'perf', 1, 'Success');
    await kiln.api('PUT', '/api/v1/jobs/perf', { script: script(160) });
    await kiln.api('POST', '/api/v1/jobs/perf/builds', {});
    await page.goto(new URL('job/perf/build/2', kiln.url).href);
    await badgeSays(page, kiln, 'perf', 2, 'Success');
    const section = page.getByRole('region', { name: 'Performance' });
    await section.getByText('Changes against build #1.').waitFor();
    const rows = await section.locator('tbody tr').allInnerTexts();
    assert.equal(rows.length, 3, rows.join('\n'));
    assert.match(rows[1]!, /^home\t2\t160 ms \(\+60 ms\)\t160 ms \(\+60 ms\)\t160 ms\t160 ms\t160 ms\t0\.00%$/, rows[1]);
    assert.match(rows[0]!, /^<img src=x onerror=alert\(1\)>\t1\t50 ms/, 'the label as text');
    assert.equal(await page.locator('img[src="x"]').count(), 0, 'no element from a label');
    assert.match(rows[2]!, /^all\t3\t/);
  });

  test('an admin adds an Azure Service Principal credential; a bad id is said under its field', async () => {
    const SECRET = 'azure-secret-never-in-page-42';
    await page.goto(new URL('credentials', kiln.url).href);
    const form: Locator = page.getByRole('form', { name: 'Add a credential' });
    await form.getByLabel('Kind').selectOption('azureServicePrincipal');
    await form.getByLabel('ID', { exact: true }).fill('azure-sp');
    await form.getByLabel('Subscription ID').fill('not-a-guid');
    await form.getByLabel('Client ID').fill('9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a');
    await form.getByLabel('Client secret').fill(SECRET);
    await form.getByLabel('Tenant ID').fill('contoso.onmicrosoft.com');
    await form.getByRole('button', { name: 'Add credential' }).click();
    await form.locator('.field', { has: page.getByLabel('Subscription ID', { exact: true }) }).locator('.field-error', { hasText: 'is not a GUID' }).waitFor();
    await form.getByLabel('Subscription ID').fill('3f1c2a9e-5b7d-4e8f-9a0b-1c2d3e4f5a6b');
    await form.getByLabel('Client secret').fill(SECRET);
    await form.getByRole('button', { name: 'Add credential' }).click();
    await page.locator('tr[data-credential="azure-sp"]', { hasText: 'Azure Service Principal' }).waitFor();
    const got = await kiln.api('GET', '/api/v1/credentials/azure-sp');
    assert.equal(got.type, 'azureServicePrincipal');
    assert.ok(!(await page.content()).includes(SECRET), 'the secret is not in the page');
  });
});
