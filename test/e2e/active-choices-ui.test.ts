// The Active Choices plugin's parameters in the build form, in a real browser (Debian's Chromium
// through playwright-core) against a real controller: after a first build the form lists the
// activeChoice script's choices (starting on the one marked ':selected'), the reactiveChoice's
// radio buttons follow the ENV chosen, the activeChoiceHtml's answer shows as text (its markup
// never runs), and the build gets the values picked.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { buildOutcome, startE2E, type Kiln, type E2E } from './harness.ts';

const JENKINSFILE = `pipeline {
  agent none
  parameters {
    activeChoice(name: 'ENV', script: groovyScript(script: [script: "['dev', 'qa:selected', 'prod']", sandbox: true]))
    reactiveChoice(name: 'HOST', choiceType: 'PT_RADIO', referencedParameters: 'ENV',
      script: groovyScript(script: [script: "ENV == 'prod' ? ['p1', 'p2:selected'] : [ENV + '-1']", sandbox: true]))
    activeChoiceHtml(name: 'INFO', choiceType: 'ET_FORMATTED_HTML', referencedParameters: 'ENV', omitValueField: true,
      script: groovyScript(script: [script: '"<img src=x onerror=window.pwned=1>to \${ENV}"', sandbox: true]))
  }
  stages { stage('show') { steps { echo "deploying to \${params.ENV} on \${params.HOST}" } } }
}`;

describe('Active Choices parameters in the build form, in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => {
    ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session' }));
  });
  after(async () => { await e?.stop(); });

  test('the form lists the scripts\' choices, reacts to ENV, shows HTML as text; the build gets the values picked', async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'deploy', script: JENKINSFILE });
    await kiln.api('POST', '/api/v1/jobs/deploy/builds', {});
    await page.goto(new URL('job/deploy', kiln.url).href);
    await page.getByRole('button', { name: 'Build with Parameters' }).click({ timeout: 60_000 });
    const env = page.getByLabel('ENV', { exact: true });
    await env.locator('option', { hasText: 'prod' }).waitFor({ state: 'attached' });
    assert.deepEqual(await env.locator('option').allTextContents(), ['dev', 'qa', 'prod']);
    assert.equal(await env.inputValue(), 'qa');
    await page.getByRole('radio', { name: 'qa-1' }).waitFor();
    await page.getByText('<img src=x onerror=window.pwned=1>to qa').waitFor();
    await env.selectOption('prod');
    await page.getByRole('radio', { name: 'p1' }).waitFor();
    await page.getByText('<img src=x onerror=window.pwned=1>to prod').waitFor();
    assert.equal(await page.getByRole('radio', { name: 'p2' }).isChecked(), true);
    await page.getByRole('radio', { name: 'p1' }).check();
    assert.equal(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned), undefined, "the script's markup never ran");
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.getByRole('heading', { name: 'deploy #2' }).waitFor();
    await page.locator('.console').filter({ hasText: 'deploying to prod on p1' }).waitFor({ timeout: 60_000 })
      .catch(async (err: unknown) => assert.fail(`${(err as Error).message}\n${await buildOutcome(kiln, 'deploy', 2)}`));
    assert.equal((await kiln.api('GET', '/api/v1/jobs/deploy/builds/2')).params.HOST, 'p1');
  });
});
