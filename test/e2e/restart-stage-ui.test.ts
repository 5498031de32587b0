// Restart from Stage in a real browser (Debian's Chromium through playwright-core) against a real
// controller and agent, asserting what a person sees: on a failed declarative build's page the
// "Restart from Stage" dialog lists its top-level stages (not the one skipped for the failure),
// running it goes to the new build, which says where it restarted from, shows the earlier stage
// "Skipped for restart" and its console Jenkins' line, and passes with the stash the first build
// kept; a scripted build and a job with disableRestartFromStage() offer none; no serious or critical
// axe-core finding on these pages and the open dialog, in light and dark mode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { startE2E, axeOnPages, type Kiln, type E2E, type AxePage } from './harness.ts';

const TIMEOUT = 20_000;

const RELAY = `pipeline {
  agent any
  options { preserveStashes() }
  stages {
    stage('Make') {
      steps {
        writeFile file: 'baton.txt', text: "baton of #\${env.BUILD_NUMBER}"
        stash name: 'baton', includes: 'baton.txt'
      }
    }
    stage('Use') {
      steps {
        unstash 'baton'
        echo "got \${readFile('baton.txt')}"
        script { if (env.BUILD_NUMBER == '1') { error 'the first run drops the baton' } }
      }
    }
    stage('Ship') { steps { echo 'shipped' } }
  }
}
`;

describe('Restart from Stage in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1440, height: 900 }, timeout: TIMEOUT, agent: { name: 'rs-agent', executors: 2 }, setup: 'session' })); });
  after(() => e?.stop());

  test('a failed build restarted from a later stage, from its page', async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'relay', script: RELAY });
    await kiln.api('POST', '/api/v1/jobs/relay/builds', {});
    await page.goto(new URL('job/relay/build/1', kiln.url).href);
    await page.locator('h1 .badge', { hasText: 'Failed' }).waitFor();
    await page.getByRole('button', { name: 'Restart from Stage' }).click();
    const dialog = page.getByRole('dialog', { name: 'Restart from Stage' });
    await dialog.waitFor();
    const stage = dialog.getByLabel('Stage');
    assert.deepEqual(await stage.locator('option').allTextContents(), ['Make', 'Use'], "'Ship' was skipped for the failure: not offered");
    await stage.selectOption('Use');
    await dialog.getByRole('button', { name: 'Run' }).click();
    await page.getByRole('heading', { name: 'relay #2' }).waitFor();
    await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();
    const from = page.locator('.restarted-from');
    assert.equal((await from.textContent())?.trim(), 'Restarted from #1 at stage Use');
    assert.equal(await from.getByRole('link', { name: '#1' }).getAttribute('href'), '/job/relay/build/1');
    await page.locator('.stage[data-stage="Make"] .badge', { hasText: 'Skipped for restart' }).waitFor();
    await page.locator('.stage[data-stage="Use"] .badge', { hasText: 'Success' }).waitFor();
    await page.locator('.console .line', { hasText: 'Stage "Make" skipped due to this build restarting at stage "Use"' }).waitFor();
    await page.locator('.console .line', { hasText: /^got baton of #1$/ }).waitFor();
    await page.locator('.console .line', { hasText: /^shipped$/ }).waitFor();
  });

  test('a scripted build, and a job whose pipeline says disableRestartFromStage(), offer no Restart from Stage', async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'plain', script: "node { stage('S') { echo 'scripted' } }\n" });
    await kiln.api('POST', '/api/v1/jobs', { name: 'pinned', script: "pipeline {\n  agent any\n  options { disableRestartFromStage() }\n  stages { stage('S') { steps { echo 'pinned' } } }\n}\n" });
    for (const name of ['plain', 'pinned']) {
      await kiln.api('POST', `/api/v1/jobs/${name}/builds`, {});
      await page.goto(new URL(`job/${name}/build/1`, kiln.url).href);
      await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();
      await page.getByRole('button', { name: 'Rebuild' }).waitFor();
      assert.equal(await page.getByRole('button', { name: 'Restart from Stage' }).count(), 0, `${name} #1 offers no restart`);
    }
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`accessibility in ${scheme} mode: the restarted build's page and the open dialog`, async () => {
      const pages: AxePage[] = [
        ['/job/relay/build/2', /^relay #2/, async () => { await page.locator('.stage[data-stage="Make"] .badge', { hasText: 'Skipped for restart' }).waitFor(); }],
        ['/job/relay/build/1', /^relay #1/, async () => {
          await page.getByRole('button', { name: 'Restart from Stage' }).click();
          await page.getByRole('dialog', { name: 'Restart from Stage' }).getByLabel('Stage').waitFor();
        }],
      ];
      assert.deepEqual(await axeOnPages(page, kiln, pages, { scheme, settleMs: 200 }), []);
    });
  }
});
