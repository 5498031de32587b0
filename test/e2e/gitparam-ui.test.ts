// The Git Parameter plugin's gitParameter in the build form, in a real browser (Debian's Chromium
// through playwright-core) against a real controller: a job whose Jenkinsfile lives in a real git
// repository (served by `git daemon`) declares a branch and a tag parameter; after its first build
// the form lists the repository's release branches (the filter's group) and v-tags, starting on
// the default; the user picks others and the build gets them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { buildOutcome, startE2E, type Kiln, type E2E } from './harness.ts';
import { libraryRepo, startGitDaemon } from '../helpers/git-servers.ts';

const JENKINSFILE = `pipeline {
  agent any
  parameters {
    gitParameter(name: 'BRANCH', type: 'PT_BRANCH', defaultValue: 'main', branchFilter: 'origin/(release/.*|main)', sortMode: 'DESCENDING_SMART', selectedValue: 'DEFAULT')
    gitParameter(name: 'TAG', type: 'PT_TAG', tagFilter: 'v*', sortMode: 'ASCENDING_SMART', selectedValue: 'TOP')
  }
  stages { stage('show') { steps { echo "building \${params.BRANCH} at \${params.TAG}" } } }
}`;

describe('gitParameter in the build form, in Chromium', { timeout: 240_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  let daemon: Awaited<ReturnType<typeof startGitDaemon>>;
  before(async () => {
    const repo = libraryRepo({ Jenkinsfile: JENKINSFILE }, 'shop');
    for (const b of ['release/1.9', 'release/1.10', 'feature/x']) { repo.branch(b); repo.commit({}, b); }
    for (const t of ['v1.9', 'v1.10', 'v2.0']) repo.tag(t);
    daemon = await startGitDaemon(path.dirname(repo.bare));
    ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: 20_000, setup: 'session', agent: { name: 'linux-1' } }));
  });
  after(async () => { await e?.stop(); await daemon?.stop(); });

  test("the form lists the repository's branches and tags; the build gets the ones picked", async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'shop', git: { url: daemon.url('shop.git'), branch: 'main' } });
    await kiln.api('POST', '/api/v1/jobs/shop/builds', {});
    await page.goto(new URL('job/shop', kiln.url).href);
    await page.getByRole('button', { name: 'Build with Parameters' }).click({ timeout: 60_000 });
    const branch = page.getByLabel('BRANCH', { exact: true });
    // The lists replace the text boxes when the controller has listed the repository's refs.
    await branch.locator('option').first().waitFor({ state: 'attached' });
    await page.getByLabel('TAG', { exact: true }).locator('option').first().waitFor({ state: 'attached' });
    assert.deepEqual(await branch.locator('option').allTextContents(), ['release/1.10', 'release/1.9', 'main']);
    assert.equal(await branch.inputValue(), 'main');
    const tag = page.getByLabel('TAG', { exact: true });
    assert.deepEqual(await tag.locator('option').allTextContents(), ['v1.9', 'v1.10', 'v2.0']);
    assert.equal(await tag.inputValue(), 'v1.9');
    await branch.selectOption('release/1.10');
    await tag.selectOption('v2.0');
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.getByRole('heading', { name: 'shop #2' }).waitFor();
    await page.locator('.console').filter({ hasText: 'building release/1.10 at v2.0' }).waitFor({ timeout: 60_000 })
      .catch(async (err: unknown) => assert.fail(`${(err as Error).message}\n${await buildOutcome(kiln, 'shop', 2)}`));
    assert.equal((await kiln.api('GET', '/api/v1/jobs/shop/builds/2')).params.BRANCH, 'release/1.10');
  });
});
