// The Libraries page in Chromium against a real controller and a real git repository: add a
// library with the form, Test it (the commit and the vars with their help show), a field error in
// the API's words, a folder's libraries, and delete through the page's own dialog; a build's
// libraries, Replay with a changed library file, and the library's commits in the Changes tab.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshot, startE2E, unlockInPage, axeFindings, type Kiln, type E2E } from './harness.ts';
import { gitIn, libraryRepo, type LibraryRepo } from '../helpers/git-servers.ts';

describe('Libraries page in Chromium', { timeout: 180_000 }, () => {
  let e: E2E, kiln: Kiln, b: E2E['b'], page: Page;
  let repo: LibraryRepo;

  before(async () => {
    repo = libraryRepo({
      'vars/buildPlugin.groovy': 'def call(Map c = [:]) { echo "build" }\n',
      'vars/buildPlugin.txt': 'Builds a plugin the usual way.\n',
      'vars/log.groovy': 'def info(m) { echo m }\n',
    }, 'uilib');
    ({ kiln, b, page } = e = await startE2E());
  });
  after(() => e?.stop());

  test('add, test, edit a field error, a folder library, delete with the dialog', async () => {
    await unlockInPage(page, kiln);
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();

    await page.getByRole('link', { name: 'Libraries' }).first().click();
    await page.getByRole('heading', { name: 'Libraries', exact: true }).waitFor();
    await page.getByText('No libraries here yet.').waitFor();
    await page.getByRole('button', { name: 'Add library' }).click();
    await page.getByLabel('Name', { exact: true }).fill('pipeline-lib');
    await page.getByLabel('Repository URL', { exact: true }).fill(repo.bare);
    await page.getByLabel('Default version', { exact: true }).fill('main');
    await page.getByRole('button', { name: 'Test' }).click();
    const result = page.getByRole('status', { name: 'Library test result' });
    await result.waitFor();
    const commit = gitIn(repo.bare, 'rev-parse', 'main');
    const text = await result.innerText();
    assert.match(text, /Found 2 var\(s\) in pipeline-lib@main/);
    assert.ok(text.includes(commit), text);
    assert.match(text, /buildPlugin\s+Builds a plugin the usual way\./);
    assert.match(text, /log\s+no help \(vars\/log.txt\)/);
    // No serious or critical accessibility findings with the form and the result shown.
    assert.deepEqual(await axeFindings(page, '/libraries'), []);
    await screenshot(page, 'libraries-test');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved library pipeline-lib.').waitFor();
    const row = page.getByRole('table', { name: 'Libraries' }).getByRole('row', { name: /pipeline-lib/ });
    assert.match(await row.innerText(), /main/);

    // A field error in the API's words, nothing lost from the form.
    await page.getByLabel('Default version', { exact: true }).fill('--upload-pack=x');
    await page.getByRole('button', { name: 'Save' }).click();
    // Under the Default version field, marked invalid and focused, without the API's field path.
    const version = page.getByLabel('Default version', { exact: true });
    await version.and(page.locator('[aria-invalid="true"]')).waitFor();
    const versionError = await page.locator('.field', { has: version }).locator('.field-error').innerText();
    assert.match(versionError, /is not a branch, tag or commit name/);
    assert.doesNotMatch(versionError, /^defaultVersion/);
    assert.equal(await version.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement), true);
    assert.equal(await page.getByLabel('Repository URL', { exact: true }).inputValue(), repo.bare);
    await page.getByRole('button', { name: 'Cancel' }).click();

    // A folder's libraries.
    await page.getByLabel('Folder', { exact: true }).fill('team');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('heading', { name: 'Libraries of folder team' }).waitFor();
    await page.getByText('No libraries here yet.').waitFor();
    await page.getByRole('button', { name: 'Add library' }).click();
    await page.getByLabel('Name', { exact: true }).fill('team-lib');
    await page.getByLabel('Repository URL', { exact: true }).fill(repo.bare);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved library team-lib.').waitFor();
    assert.equal((await kiln.api('GET', '/api/v1/folders/team/libraries/team-lib')).folder, 'team');

    // Delete through the page's dialog: Keep it keeps it, Delete deletes.
    await page.getByRole('button', { name: 'Delete library team-lib' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete library' });
    await dialog.waitFor();
    await screenshot(page, 'libraries-delete-dialog');
    await dialog.getByRole('button', { name: 'Keep it' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Delete library team-lib' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('No libraries here yet.').waitFor();
    assert.deepEqual((await kiln.api('GET', '/api/v1/folders/team/libraries')).libraries, []);
    assert.deepEqual(b.problems, []);
  });

  test('a build lists its libraries; Replay with changes edits a library file for one run', async () => {
    await kiln.startAgent('lib-e2e', 1);
    await kiln.api('POST', '/api/v1/jobs', { name: 'plugin', script: "@Library('pipeline-lib') _\nnode { log.info 'from the library' }\n" });
    const built = await kiln.api('POST', '/api/v1/jobs/plugin/builds', {});
    await page.goto(new URL(`job/plugin/build/${built.number}`, kiln.url).href);
    await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();
    const commit = gitIn(repo.bare, 'rev-parse', 'main').slice(0, 7);
    await page.getByLabel('Shared libraries').getByText(`pipeline-lib@main`).waitFor();
    assert.match(await page.getByLabel('Shared libraries').innerText(), new RegExp(`pipeline-lib@main \\(${commit}\\)`));
    await page.getByRole('button', { name: 'Replay with changes' }).click();
    await page.getByLabel('Library file to change').selectOption('pipeline-lib:vars/log.groovy');
    const editor = page.getByLabel('pipeline-lib vars/log.groovy');
    await editor.fill("def info(m) { echo \"CHANGED: ${m}\" }\n");
    await page.getByText('1 library file changed for this replay.').waitFor();
    await screenshot(page, 'libraries-replay');
    await page.getByRole('button', { name: 'Run replay' }).click();
    await page.getByRole('heading', { name: `plugin #${built.number + 1}` }).waitFor();
    await page.locator('.console').filter({ hasText: 'CHANGED: from the library' }).waitFor();
    await page.locator('.console').filter({ hasText: 'Replaying library pipeline-lib@main with changed vars/log.groovy' }).waitFor();
    await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();

    // The library moves: the next build's Changes tab lists its commit, marked as the library's.
    repo.commit({ 'vars/log.groovy': 'def info(m) { echo "log: ${m}" }\n' }, 'log with a prefix');
    const next = await kiln.api('POST', '/api/v1/jobs/plugin/builds', {});
    await page.goto(new URL(`job/plugin/build/${next.number}`, kiln.url).href);
    await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();
    await page.getByRole('tab', { name: 'Changes' }).click();
    const lib = page.getByRole('region', { name: 'Changes of library pipeline-lib' });
    await lib.getByRole('list', { name: 'Commits of library pipeline-lib' }).getByText('log with a prefix').waitFor();
    assert.match(await lib.innerText(), /Library pipeline-lib@main \([0-9a-f]{7}\)\s+1 commit since [0-9a-f]{7}/);
    await screenshot(page, 'libraries-changes');
    assert.deepEqual(b.problems, []);
  });
});
