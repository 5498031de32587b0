// Forms in a real browser (Debian's Chromium through playwright-core) against a real controller,
// asserting what a person sees (issue 20, point 9, and the settings pages of issues 17/18):
//   - on every form, a bad value's error sits under its own field, in words (no API code, no
//     "(invalid)"), the control is aria-invalid and described by it, and focus moves to it:
//     unlock, login, new job (the browser's own check, the schema's pattern, the server's check,
//     a name taken), credentials, a Docker cloud and its pod template, a library, a folder to
//     guard, a new agent, the e-mail settings, HTTP services, global environment variables, a
//     profile's password and token;
//   - the HTTP services and global environment pages (found from Manage): saved settings shown on
//     reload, secrets never in the page (a credential is "set"), removals in the page's own
//     dialog, and a developer told the pages are for administrators;
// and no serious or critical axe-core finding on these pages, errors showing, light and dark.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Locator, Page } from 'playwright-core';
import { initialPassword, openBrowser, screenshot, startE2E, axeOnPages, type Kiln, type E2E, type AxePage } from './harness.ts';

const TIMEOUT = 20_000;
const SECRET = 'xoxb-never-shown-4f1d2c9a7e';

describe('forms: errors beside their fields, and the settings pages, in Chromium', { timeout: 300_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  const dialogs: string[] = [];
  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1280, height: 900 }, timeout: TIMEOUT, dialogs })); });
  after(() => e?.stop());

  /** The field labelled `label` in `scope` shows `re` under it, is marked invalid and described by it, and has the focus. */
  const fieldError = async (scope: Locator, label: string, re: RegExp, on: Page = page) => {
    const page = on;
    const control = scope.getByLabel(label, { exact: true });
    await control.and(page.locator('[aria-invalid="true"]')).waitFor();
    const described = (await control.getAttribute('aria-describedby'))?.split(' ') ?? [];
    assert.ok(described.length > 0, `${label}: aria-describedby names its error`);
    const message = (await page.locator(`[id="${described[0]}"]`).innerText()).trim();
    assert.match(message, re, `${label}: the message under it`);
    // Under this field (its .field box), not somewhere else on the page.
    assert.equal(await scope.locator('.field', { has: page.getByLabel(label, { exact: true }) }).locator('.field-error').innerText(), message);
    assert.equal(await control.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement), true, `${label}: has the focus`);
    const text = await scope.innerText();
    assert.doesNotMatch(text, /\(invalid\)|\binvalid:|"code"/, 'no API code in the form');
    return message;
  };

  test('unlock: a wrong initial password and differing passwords are said under their fields', async () => {
    await page.goto(kiln.url);
    const form = page.getByRole('form', { name: 'Unlock Kiln' });
    await form.waitFor();
    // The browser's own check: nothing typed yet.
    await form.getByRole('button', { name: 'Unlock and create admin' }).click();
    await fieldError(form, 'Initial admin password', /^Required$/);
    await form.getByLabel('Initial admin password').fill('not-the-password');
    await form.getByLabel('Password', { exact: true }).fill('correct horse battery staple');
    await form.getByLabel('Confirm password').fill('correct horse battery stapler');
    await form.getByRole('button', { name: 'Unlock and create admin' }).click();
    await fieldError(form, 'Confirm password', /^The two passwords differ$/);
    await form.getByLabel('Confirm password').fill('correct horse battery staple');
    await form.getByRole('button', { name: 'Unlock and create admin' }).click();
    await fieldError(form, 'Initial admin password', /^Wrong initial admin password: copy it from .*initialAdminPassword/);
    await screenshot(page, 'forms-01-unlock-error');
    await form.getByLabel('Initial admin password').fill(initialPassword(kiln.home));
    await form.getByRole('button', { name: 'Unlock and create admin' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
  });

  test('new job: an empty name, a name the API refuses, a repository URL that is none and a taken name, each under its field', async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'taken', script: "pipeline { agent any; stages { stage('a') { steps { echo 'x' } } } }" });
    await page.goto(new URL('new-job', kiln.url).href);
    const form = page.getByRole('form', { name: 'New job' });
    await form.waitFor();
    await form.getByRole('button', { name: 'Create job' }).click();
    await fieldError(form, 'Name', /^Required$/);
    assert.equal(new URL(page.url()).pathname, '/new-job', 'nothing was sent');
    await form.getByLabel('Name', { exact: true }).fill('bad:name');
    await form.getByRole('button', { name: 'Create job' }).click();
    await fieldError(form, 'Name', /^Letters, digits, '\.', '_', '-' and spaces/);
    await form.getByLabel('Name', { exact: true }).fill('from-git');
    await form.getByLabel('Pipeline script from SCM (git)').check();
    await form.getByLabel('Repository URL').fill('-uhelp');
    await form.getByRole('button', { name: 'Create job' }).click();
    await fieldError(form, 'Repository URL', /^'-uhelp' is not a repository URL/);
    assert.equal(await form.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), null, 'the name is fine now');
    await form.getByLabel('Repository URL').fill('https://git.example/app.git');
    await form.getByLabel('Name', { exact: true }).fill('taken');
    await form.getByRole('button', { name: 'Create job' }).click();
    await fieldError(form, 'Name', /^A job named 'taken' already exists$/);
    await screenshot(page, 'forms-02-job-error');
  });

  test('credentials: a private key that is none is said under it; the secret of a saved one is never in the page', async () => {
    await kiln.api('POST', '/api/v1/credentials', { id: 'slack-token', type: 'secretText', secret: SECRET, description: 'Slack bot' });
    await page.goto(new URL('credentials', kiln.url).href);
    const form = page.getByRole('form', { name: 'Add a credential' });
    await form.getByLabel('Kind').selectOption('sshKey');
    await form.getByLabel('ID', { exact: true }).fill('deploy-key');
    await form.getByLabel('Username').fill('deploy');
    await form.getByLabel('Private key').fill('this is not a key');
    await form.getByRole('button', { name: 'Add credential' }).click();
    await fieldError(form, 'Private key', /^Must be a PEM or OpenSSH private key/);
    await form.getByLabel('Kind').selectOption('secretText');
    await form.getByLabel('ID', { exact: true }).fill('slack-token');
    await form.getByLabel('Secret').fill('whatever-else');
    await form.getByRole('button', { name: 'Add credential' }).click();
    await fieldError(form, 'ID', /^A credential with id 'slack-token' already exists$/);
    assert.ok(!(await page.content()).includes(SECRET), 'the secret is not in the page');
  });

  test('a Docker cloud: a bad engine URL and a pod template\'s bad YAML under their fields; saved, it opens with its settings', async () => {
    await page.goto(new URL('clouds', kiln.url).href);
    const form = page.getByRole('form', { name: 'Cloud settings' });
    await form.getByLabel('Docker', { exact: true }).check();
    await form.getByLabel('Docker engine URL').fill('http://docker.example');
    await form.getByRole('button', { name: 'Save' }).click();
    await fieldError(form, 'Docker engine URL', /^Must be unix:\/\/\/path\/to\/docker\.sock or tcp:\/\/host:port/);
    await form.getByLabel('Docker engine URL').fill('unix:///var/run/docker.sock');
    await form.getByRole('button', { name: 'Add pod template' }).click();
    await form.getByLabel('Pod YAML').fill('kind: [Pod');
    await form.getByRole('button', { name: 'Save' }).click();
    const yamlError = await fieldError(form, 'Pod YAML', /./);
    assert.doesNotMatch(yamlError, /^podTemplates/, 'the field path is not repeated');
    await form.getByLabel('Pod YAML').fill('apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: build\n    image: busybox\n');
    await form.getByLabel('Agent image').fill('kiln/agent:forms');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.goto(new URL('clouds', kiln.url).href);
    await page.getByRole('button', { name: 'Edit cloud docker', pressed: true }).waitFor();
    assert.equal(await page.getByLabel('Agent image').inputValue(), 'kiln/agent:forms');
    assert.equal(await page.getByLabel('Template name').inputValue(), 'template-1');
  });

  test('a library, the e-mail settings, a folder to guard, a new agent: the refused value under its field', async () => {
    await page.goto(new URL('libraries', kiln.url).href);
    await page.getByRole('button', { name: 'Add library' }).click();
    const lib = page.getByRole('form', { name: 'Library' });
    await lib.getByLabel('Name', { exact: true }).fill('shared');
    await lib.getByLabel('Repository URL').fill('ext::sh -c id');
    await lib.getByRole('button', { name: 'Save' }).click();
    await fieldError(lib, 'Repository URL', /is not a repository URL git may fetch/);

    await page.goto(new URL('settings/mail', kiln.url).href);
    const mail = page.getByRole('form', { name: 'Server' });
    await mail.getByLabel('Default user e-mail suffix').fill('example.com');
    await mail.getByRole('button', { name: 'Save' }).click();
    await fieldError(mail, 'Default user e-mail suffix', /^'example\.com' is not a suffix like '@example\.com'$/);

    await page.goto(new URL('folders', kiln.url).href);
    const guard = page.getByRole('form', { name: 'Guard a folder' });
    await guard.getByLabel('Folder').fill('team:a');
    await guard.getByRole('button', { name: 'Guard folder' }).click();
    await fieldError(guard, 'Folder', /^Folder names of letters, digits/);

    await page.goto(new URL('agents', kiln.url).href);
    const agent = page.getByRole('form', { name: 'New agent' });
    await agent.getByLabel('Agent name').fill('build box');
    await agent.getByRole('button', { name: 'Create agent' }).click();
    await fieldError(agent, 'Agent name', /^1 to 100 letters, digits/);
    await agent.getByLabel('Agent name').fill('box-1');
    await agent.getByLabel('Executors').fill('5000');
    await agent.getByRole('button', { name: 'Create agent' }).click();
    await fieldError(agent, 'Executors', /^At most 1000$/);
  });

  test('HTTP services: errors under their fields, settings saved and shown on reload, the token never shown, a removal in the page\'s dialog', async () => {
    // Found from the Manage area.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Manage' }).click();
    await page.getByRole('heading', { name: 'Manage Kiln' }).waitFor();
    await page.getByRole('link', { name: 'HTTP services' }).click();
    const form = page.getByRole('form', { name: 'HTTP services' });
    await form.getByRole('button', { name: 'Configure Slack' }).click();
    // The token credential is required: the browser's check says so under it.
    await form.getByRole('button', { name: 'Save' }).click();
    await fieldError(form, 'Slack token credential', /^Choose one$/);
    await form.getByLabel('Slack token credential').selectOption('slack-token');
    await form.getByLabel('Slack base URL').fill('slack dot com');
    await form.getByLabel('Default channel').fill('#builds');
    await form.getByRole('button', { name: 'Save' }).click();
    await fieldError(form, 'Slack base URL', /^'slack dot com' is not a URL$/);
    await form.getByLabel('Slack base URL').fill('https://slack.com/api/');
    await form.getByRole('button', { name: 'Add SonarQube server' }).click();
    const sonar = form.locator('.template[role="group"]');
    await sonar.getByLabel('Server name').fill('sq');
    await sonar.getByLabel('Server URL').fill('ftp://sonar.example');
    await form.getByRole('button', { name: 'Save' }).click();
    await fieldError(sonar, 'Server URL', /^An http or https URL$/);
    await sonar.getByLabel('Server URL').fill('https://sonar.example');
    // A named GitLab connection (gitLabConnection('corp')): a name taken twice is said under the second.
    await form.getByRole('button', { name: 'Add GitLab connection' }).click();
    await form.getByRole('button', { name: 'Add GitLab connection' }).click();
    for (const [i, url] of [[1, 'https://gitlab.corp'], [2, 'https://gitlab.other']] as const) {
      const g = form.getByRole('group', { name: `GitLab connection ${i}` });
      await g.getByLabel('GitLab URL').fill(url);
      await g.getByLabel('API token credential').selectOption('slack-token');
      await g.getByLabel('Connection name').fill('corp'); // the group is named after it from now on
    }
    await form.getByRole('button', { name: 'Save' }).click();
    await fieldError(form.getByRole('group', { name: 'GitLab connection corp' }).nth(1), 'Connection name', /'corp' is already the name of another connection/);
    await form.getByRole('group', { name: 'GitLab connection corp' }).nth(1).getByRole('button', { name: 'Remove connection' }).click();
    await page.getByRole('dialog', { name: 'Remove' }).getByRole('button', { name: 'Remove' }).click();
    await form.getByRole('status').filter({ hasText: 'Removed the GitLab connection corp.' }).waitFor();
    // An Artifactory server (rtUpload(serverId: 'central'), Artifactory.server('central')).
    await form.getByRole('button', { name: 'Add Artifactory server' }).click();
    const artifactory = form.getByRole('group', { name: 'Artifactory server 1' });
    await artifactory.getByLabel('Artifactory URL').fill('https://acme.jfrog.io/artifactory');
    await artifactory.getByLabel('Server ID').fill('central');
    await form.getByRole('button', { name: 'Configure GitHub' }).click();
    await form.getByLabel('GitHub credential').selectOption('slack-token');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await screenshot(page, 'forms-03-http-services');

    await page.reload();
    const again = page.getByRole('form', { name: 'HTTP services' });
    await again.getByLabel('Slack base URL').waitFor();
    assert.equal(await again.getByLabel('Slack base URL').inputValue(), 'https://slack.com/api/');
    assert.equal(await again.getByLabel('Default channel').inputValue(), '#builds');
    // the credential choices arrive with their own request: the saved one is chosen once its option is there
    await again.getByLabel('Slack token credential').locator('option[value="slack-token"]').waitFor({ state: 'attached' });
    assert.equal(await again.getByLabel('Slack token credential').inputValue(), 'slack-token');
    assert.equal(await again.getByLabel('Server URL').inputValue(), 'https://sonar.example');
    assert.match(await again.innerText(), /Secret: set\./);
    assert.ok(!(await page.content()).includes(SECRET), 'the token is not in the page');
    const saved = await kiln.api('GET', '/api/v1/settings/http-services');
    assert.equal(saved.slack.room, '#builds');
    assert.deepEqual(saved.sonar, [{ name: 'sq', url: 'https://sonar.example', credentialsId: '' }]);
    assert.deepEqual(saved.gitlabConnections, [{ name: 'corp', url: 'https://gitlab.corp', credentialsId: 'slack-token' }]);
    assert.deepEqual(saved.artifactory, [{ id: 'central', url: 'https://acme.jfrog.io/artifactory', credentialsId: '' }]);
    assert.equal(await again.getByRole('group', { name: 'Artifactory server central' }).getByLabel('Artifactory URL').inputValue(), 'https://acme.jfrog.io/artifactory');
    assert.equal(await again.getByRole('group', { name: 'GitLab connection corp' }).getByLabel('GitLab URL').inputValue(), 'https://gitlab.corp');

    // Removing GitHub asks in the page's dialog; Cancel keeps it.
    await again.getByRole('button', { name: 'Remove GitHub' }).click();
    const dlg = page.getByRole('dialog', { name: 'Remove' });
    await dlg.getByText('Remove the GitHub settings?').waitFor();
    await dlg.getByRole('button', { name: 'Cancel' }).click();
    await dlg.waitFor({ state: 'hidden' });
    assert.notEqual((await kiln.api('GET', '/api/v1/settings/http-services')).github, null);
    await again.getByRole('button', { name: 'Remove GitHub' }).click();
    await dlg.getByRole('button', { name: 'Remove' }).click();
    await again.getByRole('status').filter({ hasText: 'Removed the GitHub settings.' }).waitFor();
    await again.getByRole('button', { name: 'Configure GitHub' }).waitFor();
    const after = await kiln.api('GET', '/api/v1/settings/http-services');
    assert.equal(after.github, null);
    assert.equal(after.slack.room, '#builds', 'the rest is kept');
    assert.deepEqual(dialogs, [], 'no browser confirm()');
  });

  test('global environment variables: a refused name under it, saved and shown on reload, removed through the page\'s dialog', async () => {
    await page.goto(new URL('settings/global-env', kiln.url).href);
    const form = page.getByRole('form', { name: 'Global environment variables' });
    await form.getByText('No variables yet.').waitFor();
    await form.getByRole('button', { name: 'Add variable' }).click();
    await form.getByLabel('Name of variable 1').fill('1ST');
    await form.getByLabel('Value of 1ST').fill('x');
    await form.getByRole('button', { name: 'Save' }).click();
    await fieldError(form, 'Name of variable 1', /^Letters, digits and '_', not starting with a digit$/);
    await form.getByLabel('Name of variable 1').fill('KILN_HOME');
    await form.getByRole('button', { name: 'Save' }).click();
    await fieldError(form, 'Name of variable 1', /^KILN_\* names are Kiln's own settings$/);
    await form.getByLabel('Name of variable 1').fill('DEPLOY_ENV');
    await form.getByLabel('Value of DEPLOY_ENV').fill('staging');
    await form.getByRole('button', { name: 'Add variable' }).click();
    await form.getByLabel('Name of variable 2').fill('REGION');
    await form.getByLabel('Value of REGION').fill('eu-west-1');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.reload();
    const again = page.getByRole('form', { name: 'Global environment variables' });
    await again.getByLabel('Value of DEPLOY_ENV').waitFor();
    assert.equal(await again.getByLabel('Value of DEPLOY_ENV').inputValue(), 'staging');
    assert.equal(await again.getByLabel('Value of REGION').inputValue(), 'eu-west-1');
    await again.getByRole('button', { name: 'Remove REGION' }).click();
    const dlg = page.getByRole('dialog', { name: 'Remove' });
    await dlg.getByRole('button', { name: 'Remove' }).click();
    await again.getByRole('status').filter({ hasText: 'Removed REGION.' }).waitFor();
    assert.deepEqual((await kiln.api('GET', '/api/v1/settings/global-env')).variables, { DEPLOY_ENV: 'staging' });
    assert.deepEqual(dialogs, []);
  });

  test('login: an empty user name under its field, a wrong password said for the form; a developer is told the settings pages are for administrators', async () => {
    await kiln.api('POST', '/api/v1/users', { name: 'dana', role: 'developer', password: 'dana-password-long-enough' });
    const d = await openBrowser({ width: 1280, height: 800 });
    try {
      const p = d.page;
      p.setDefaultTimeout(TIMEOUT);
      await p.goto(kiln.url);
      const form = p.getByRole('form', { name: 'Log in' });
      await form.getByRole('button', { name: 'Log in' }).click();
      const user = form.getByLabel('Username');
      await user.and(p.locator('[aria-invalid="true"]')).waitFor();
      assert.equal(await user.evaluate((el) => el === (el as unknown as { ownerDocument: { activeElement: unknown } }).ownerDocument.activeElement), true);
      assert.equal(await form.locator('.field', { has: p.getByLabel('Username') }).locator('.field-error').innerText(), 'Required');
      await user.fill('dana');
      await form.getByLabel('Password').fill('wrong-password-here');
      await form.getByRole('button', { name: 'Log in' }).click();
      await form.getByRole('alert').filter({ hasText: 'wrong user name or password' }).waitFor();
      await form.getByLabel('Password').fill('dana-password-long-enough');
      await form.getByRole('button', { name: 'Log in' }).click();
      await p.getByRole('navigation', { name: 'Main' }).waitFor();
      assert.equal(await p.getByRole('link', { name: 'Manage' }).count(), 0, 'no link to the admin pages');
      // Her profile's forms: a wrong current password, a token's expiry out of range.
      await p.goto(new URL('profile', kiln.url).href);
      const change = p.getByRole('form', { name: 'Change password' });
      await change.getByLabel('Current password').fill('not-my-password');
      await change.getByLabel('New password').fill('a-new-password-for-dana');
      await change.getByRole('button', { name: 'Change password' }).click();
      await fieldError(change, 'Current password', /^Wrong password$/, p);
      const token = p.getByRole('form', { name: 'Generate an API token' });
      await token.getByLabel('Expires in days (optional)').fill('5000');
      await token.getByRole('button', { name: 'Generate token' }).click();
      await fieldError(token, 'Expires in days (optional)', /^At most 3650$/, p);
      for (const path of ['manage', 'settings/http-services', 'settings/global-env']) {
        await p.goto(new URL(path, kiln.url).href);
        await p.getByText('This page is for administrators only.').waitFor();
      }
    } finally {
      await d.close();
    }
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`accessibility in ${scheme} mode: no serious or critical axe-core finding on the forms, errors showing`, async () => {
      const pages: AxePage[] = [
        ['/settings/http-services', /^HTTP services$/, async () => {
          await page.getByLabel('Slack base URL').fill('nope');
          await page.getByRole('button', { name: 'Save' }).click();
          await page.locator('.field-error').first().waitFor();
        }],
        ['/settings/global-env', /^Global environment variables$/, async () => {
          await page.getByRole('button', { name: 'Add variable' }).click();
          await page.getByRole('button', { name: 'Save' }).click();
          await page.locator('.field-error').first().waitFor();
        }],
        ['/new-job', /^New pipeline job$/, async () => {
          await page.getByRole('button', { name: 'Create job' }).click();
          await page.locator('.field-error').first().waitFor();
        }],
        ['/credentials', /^Credentials$/],
        ['/manage', /^Manage Kiln$/],
        ['/clouds', /^Clouds$/],
      ];
      assert.deepEqual(await axeOnPages(page, kiln, pages, { scheme }), []);
    });
  }
});
