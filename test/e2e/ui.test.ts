// The web UI in a real browser (Debian's Chromium, headless, through playwright-core) against a
// real controller and a real agent: unlock with the initial admin password → create a job with
// the editor checking it as you type → build → stages go green → the console shows the output
// → abort a long build → approve an input → add a credential and see it masked in a build log;
// then the other main pages (users, folder permissions, profile, audit, clouds), logout and
// login. Screenshots of each page go to test-results/screenshots/ (not compared).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ADMIN, initialPassword, screenshot, startE2E, axeOnPages, type Kiln, type E2E, type AxePage } from './harness.ts';

/** The little of the browser's globals these tests evaluate in the page (the project's types have no DOM). */
interface Browser { getComputedStyle(el: unknown): { color: string }; document: { documentElement: { scrollWidth: number } }; innerWidth: number }


const TIMEOUT = 20_000;

describe('web UI in Chromium', { timeout: 180_000 }, () => {
  let e: E2E, kiln: Kiln, b: E2E['b'], page: Page;
  before(async () => { ({ kiln, b, page } = e = await startE2E({ timeout: TIMEOUT, agent: { name: 'e2e-agent', executors: 3, labels: ['linux'] } })); });
  after(() => e?.stop());

  const text = (sel: string) => page.locator(sel).innerText();

  // The steps build on each other: after one fails, the rest fail at once (naming it) instead of
  // each waiting out its timeouts; the failing page is kept as a screenshot.
  let broken: string | null = null;
  const step = (name: string, fn: () => Promise<void>) => test(name, async () => {
    if (broken) throw new Error(`not run: an earlier step failed (${broken})`);
    try {
      await fn();
    } catch (err) {
      broken = name;
      await screenshot(page, `FAILED-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}`).catch(() => {});
      throw err;
    }
  });

  /** Creates an inline-script job through the New job page. */
  async function createJob(name: string, script: string): Promise<void> {
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill(name);
    await page.getByLabel('Jenkinsfile', { exact: true }).fill(script);
    await page.getByText('No problems found.').waitFor();
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('heading', { name }).waitFor();
  }

  /** Waits until a form field holds `want` (it fills when its data arrives). */
  async function valueIs(field: ReturnType<Page['locator']>, want: string): Promise<void> {
    const end = Date.now() + TIMEOUT;
    let got = '';
    while ((got = await field.inputValue()) !== want) {
      if (Date.now() > end) assert.equal(got, want);
      await page.waitForTimeout(50);
    }
  }

  async function consoleHas(s: string): Promise<void> {
    await page.locator('.console').filter({ hasText: s }).waitFor();
  }

  step('unlock with the initial admin password and create the first admin', async () => {
    await page.goto(kiln.url);
    await page.getByRole('heading', { name: 'Unlock Kiln' }).waitFor();
    await page.locator('[aria-label="Initial admin password file"]', { hasText: `${kiln.home}/secrets/initialAdminPassword` }).waitFor();
    await screenshot(page, '01-unlock');
    await page.getByLabel('Initial admin password', { exact: true }).fill('wrong-password');
    await page.getByLabel('Username', { exact: true }).fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Confirm password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Unlock and create admin' }).click();
    // The API's own words are shown, under the field they are about.
    const initial = page.getByLabel('Initial admin password', { exact: true });
    await initial.and(page.locator('[aria-invalid="true"]')).waitFor();
    assert.match(await page.locator('.field', { has: initial }).locator('.field-error').innerText(), /^Wrong initial admin password/);
    await page.getByLabel('Initial admin password', { exact: true }).fill(initialPassword(kiln.home));
    await page.getByRole('button', { name: 'Unlock and create admin' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    await page.getByText('No jobs yet').waitFor();
    // The live stream is up.
    await page.locator('.live-live').waitFor();
  });

  step('new job: the editor shows lint errors at their line:col as you type', async () => {
    await page.getByRole('link', { name: 'New job' }).first().click();
    await page.getByLabel('Name', { exact: true }).fill('hello');
    await page.getByLabel('Jenkinsfile', { exact: true }).fill("pipeline {\n  agent any\n  stages {\n    stage('Build') {\n      steps {\n        shh 'echo hi'\n      }\n    }\n  }\n}\n");
    const diag = page.locator('.diagnostics li').first();
    await diag.waitFor();
    assert.match(await diag.innerText(), /^Jenkinsfile:6:9: .*shh/);
    assert.equal(await page.locator('.gutter .ln.err').first().innerText(), '6');
    await screenshot(page, '02-new-job-lint');
    await page.getByLabel('Jenkinsfile', { exact: true }).fill([
      'pipeline {', '  agent any', '  stages {',
      "    stage('Build') { steps { sh 'echo Hello from Kiln; printf \"\\\\033[32mgreen text\\\\033[0m\\\\n\"' } }",
      "    stage('Checks') {", '      parallel {',
      "        stage('Unit') { steps { sh 'echo unit ok' } }",
      "        stage('Lint') { steps { sh 'echo lint ok' } }",
      '      }', '    }', '  }', '}', ''].join('\n'));
    await page.getByText('No problems found.').waitFor();
    await page.getByRole('button', { name: 'Create job' }).click();
    await page.getByRole('heading', { name: 'hello' }).waitFor();
    await screenshot(page, '03-job');
  });

  step('Build Now: stages go green live and the console shows the output in colour', async () => {
    await page.getByRole('button', { name: 'Build Now' }).click();
    await page.getByRole('heading', { name: 'hello #1' }).waitFor();
    for (const s of ['Build', 'Checks', 'Unit', 'Lint']) await page.locator(`.stage[data-stage="${s}"][data-status="success"]`).waitFor();
    await consoleHas('Hello from Kiln');
    await consoleHas('Finished: SUCCESS');
    await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();
    // ANSI colour became a coloured span, without the escape codes.
    const green = page.locator('.console span', { hasText: /^green text$/ }).first();
    assert.equal(await green.evaluate((el) => (globalThis as unknown as Browser).getComputedStyle(el).color), 'rgb(13, 188, 121)');
    assert.ok(!(await text('.console')).includes('\x1b'), 'no escape characters shown');
    // Find in the console.
    await page.getByLabel('Find in console', { exact: true }).fill('lint ok');
    await page.getByRole('button', { name: 'Find next' }).click();
    await page.locator('.console mark', { hasText: 'lint ok' }).first().waitFor();
    // Steps fold: the sh step's output hides behind its first line, and comes back.
    await page.getByRole('button', { name: 'Fold step sh' }).first().click();
    await page.locator('.console .line.folded', { hasText: '[Pipeline] sh' }).first().waitFor();
    assert.ok(!(await text('.console')).includes('Hello from Kiln'), 'the folded step output is hidden');
    await page.getByRole('button', { name: 'Unfold step sh' }).first().click();
    await consoleHas('Hello from Kiln');
    await page.getByRole('button', { name: 'Fold steps' }).click();
    await page.locator('.console .line.folded').nth(2).waitFor();
    await screenshot(page, '04c-build-folded');
    await page.getByRole('button', { name: 'Unfold all' }).click();
    await consoleHas('Hello from Kiln');
    await screenshot(page, '04-build');
    // The dashboard shows the job's last result and its trend.
    await page.getByRole('link', { name: 'Dashboard' }).first().click();
    await page.locator('tr[data-job="hello"] .badge', { hasText: 'Success' }).waitFor();
    await page.locator('tr[data-job="hello"] .trend .bar').first().waitFor();
    await screenshot(page, '05-dashboard');
  });

  step('the console follows a running build to its last line', async () => {
    await createJob('ticker', "pipeline {\n  agent any\n  stages {\n    stage('Tick') { steps { sh 'for i in $(seq 1 150); do echo tick $i; sleep 0.02; done' } }\n  }\n}\n");
    await page.getByRole('button', { name: 'Build Now' }).click();
    await page.getByRole('heading', { name: 'ticker #1' }).waitFor();
    await page.locator('.console .line', { hasText: /^tick 150$/ }).waitFor();
    await page.locator('.console .line', { hasText: 'Finished: SUCCESS' }).waitFor();
    await page.locator('.console[data-at-end="true"]').waitFor();
    assert.equal(await page.locator('.console .line', { hasText: /^tick 1$/ }).count(), 0, 'the first lines scrolled away');
  });

  step('abort a long build', async () => {
    await createJob('long', "pipeline {\n  agent any\n  stages {\n    stage('Wait') { steps { sh 'echo sleeping now; sleep 300' } }\n  }\n}\n");
    await page.getByRole('button', { name: 'Build Now' }).click();
    await page.getByRole('heading', { name: 'long #1' }).waitFor();
    await consoleHas('sleeping now');
    await page.locator('[data-stage="Wait"][data-status="running"]').waitFor(); // a chip in the strip while the console follows
    // Keyboard: the console takes focus and End jumps to the end.
    await page.locator('.console').focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('End');
    await page.locator('.console[data-at-end="true"]').waitFor();
    await page.getByRole('button', { name: 'Abort' }).click();
    await page.locator('h1 .badge', { hasText: 'Aborted' }).waitFor();
    await consoleHas('Finished: ABORTED');
  });

  step('approve an input', async () => {
    await createJob('gated', "pipeline {\n  agent any\n  stages {\n    stage('Deploy') {\n      input {\n        message 'Deploy to production?'\n        ok 'Ship it'\n        parameters { choice(name: 'TARGET', choices: ['staging', 'prod'], description: 'where to') }\n      }\n      steps { sh 'echo deployed to $TARGET' }\n    }\n  }\n}\n");
    await page.getByRole('button', { name: 'Build Now' }).click();
    await page.getByRole('heading', { name: 'gated #1' }).waitFor();
    const box = page.getByRole('region', { name: 'Input requested' });
    await box.getByText('Deploy to production?').waitFor();
    await screenshot(page, '06-input');
    await box.getByLabel('TARGET', { exact: true }).selectOption('prod');
    await box.getByRole('button', { name: 'Ship it' }).click();
    await page.locator('h1 .badge', { hasText: 'Success' }).waitFor();
    await consoleHas('deployed to prod');
  });

  step('a credential is added, never shown back, and masked in the build log', async () => {
    const secret = 'S3cr3t-Value-4242';
    await page.getByRole('link', { name: 'Credentials' }).first().click();
    await page.getByRole('heading', { name: 'Credentials' }).waitFor();
    await page.getByLabel('Kind', { exact: true }).selectOption('secretText');
    await page.getByLabel('ID', { exact: true }).fill('api-key');
    await page.getByLabel('Description', { exact: true }).fill('the deploy key');
    await page.getByLabel('Secret', { exact: true }).fill(secret);
    await page.getByRole('button', { name: 'Add credential' }).click();
    const row = page.locator('tr[data-credential="api-key"]');
    await row.waitFor();
    assert.match(await row.innerText(), /\*\*\*\*/);
    assert.ok(!(await page.content()).includes(secret), 'the secret is not on the page');
    // The other kinds: what is not secret (a username, a file name) is listed, the rest never.
    await page.getByLabel('Kind', { exact: true }).selectOption('usernamePassword');
    await page.getByLabel('ID', { exact: true }).fill('deploy-login');
    await page.getByLabel('Username', { exact: true }).fill('deployer');
    await page.getByLabel('Password', { exact: true }).fill('pw-Never-Shown-77');
    await page.getByRole('button', { name: 'Add credential' }).click();
    await page.locator('tr[data-credential="deploy-login"]', { hasText: 'deployer' }).waitFor();
    await page.getByLabel('Kind', { exact: true }).selectOption('secretFile');
    await page.getByLabel('ID', { exact: true }).fill('kubeconfig');
    await page.getByLabel('File', { exact: true }).setInputFiles({ name: 'config.yaml', mimeType: 'text/yaml', buffer: Buffer.from('apiVersion: v1\nkind: Config\n') });
    await page.getByRole('button', { name: 'Add credential' }).click();
    await page.locator('tr[data-credential="kubeconfig"]', { hasText: 'config.yaml' }).waitFor();
    assert.ok(!(await page.content()).includes('pw-Never-Shown-77'), 'the password is not on the page');
    await screenshot(page, '07-credentials');
    await page.getByRole('button', { name: 'Delete credential deploy-login' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click(); // the page's own dialog
    await page.locator('tr[data-credential="deploy-login"]').waitFor({ state: 'detached' });
    await createJob('uses-secret', "pipeline {\n  agent any\n  stages {\n    stage('Use') {\n      steps {\n        withCredentials([string(credentialsId: 'api-key', variable: 'KEY')]) {\n          sh 'echo the key is $KEY'\n        }\n      }\n    }\n  }\n}\n");
    await page.getByRole('button', { name: 'Build Now' }).click();
    await page.getByRole('heading', { name: 'uses-secret #1' }).waitFor();
    await consoleHas('the key is ****');
    await consoleHas('Finished: SUCCESS');
    assert.ok(!(await text('.console')).includes(secret), 'the secret is masked in the console');
  });

  step('the queue shows why a build waits, and the dashboard follows builds started elsewhere', async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'nowhere', script: "pipeline {\n  agent { label 'gpu' }\n  stages { stage('X') { steps { sh 'true' } } }\n}\n" });
    await page.getByRole('link', { name: 'Dashboard' }).first().click();
    await page.locator('tr[data-job="nowhere"]').waitFor();
    // Started through the API, not this page: the live stream brings it.
    await kiln.api('POST', '/api/v1/jobs/nowhere/builds', {});
    const item = page.locator('.queue li', { hasText: 'nowhere #1' });
    await item.waitFor();
    assert.match(await item.locator('.why').innerText(), /gpu/);
    await page.locator('tr[data-job="nowhere"] .badge', { hasText: 'Running' }).waitFor();
    await screenshot(page, '05b-dashboard-queue');
    // The build page says why it waits, and Abort takes it out of the queue.
    await item.getByRole('link', { name: 'nowhere #1' }).click();
    await page.locator('.waiting', { hasText: 'gpu' }).waitFor();
    await page.getByRole('button', { name: 'Abort' }).click();
    await page.locator('h1 .badge', { hasText: 'Aborted' }).waitFor();
    await page.getByRole('link', { name: 'Dashboard' }).first().click();
    await page.locator('.queue li', { hasText: 'nowhere #1' }).waitFor({ state: 'detached' });
    await page.locator('tr[data-job="nowhere"] .badge', { hasText: 'Aborted' }).waitFor();
  });

  step('when the live stream is lost, pages poll and still update', async () => {
    // Cut the events stream (as a proxy that drops it would), reload: the UI says it polls.
    await page.route('**/api/v1/events', (r) => r.abort());
    await page.reload();
    await page.locator('.live-polling').waitFor();
    await kiln.api('POST', '/api/v1/jobs/hello/builds', {});
    await page.locator('tr[data-job="hello"]', { hasText: '#2' }).waitFor({ timeout: 15_000 });
    await page.unroute('**/api/v1/events');
    await page.locator('.live-live').waitFor({ timeout: 15_000 });
    // The refused stream requests were this test's doing.
    for (let i = b.problems.length - 1; i >= 0; i--) if (b.problems[i]!.includes('net::ERR_FAILED')) b.problems.splice(i, 1);
  });

  step('Build with Parameters, test results and artifacts, replay with changes', async () => {
    await createJob('report', [
      'pipeline {', '  agent any',
      "  parameters { string(name: 'WHO', defaultValue: 'world', description: 'whom to greet') }",
      '  stages {', "    stage('Test') {", '      steps {',
      '        sh "echo hello ${params.WHO}"',
      "        writeFile file: 'out/report.txt', text: 'the report'",
      "        writeFile file: 'results.xml', text: '<testsuite name=\"s\" tests=\"2\" failures=\"1\"><testcase classname=\"app.Math\" name=\"adds\"/><testcase classname=\"app.Math\" name=\"divides\"><failure message=\"expected 2 but was 3\">stack here</failure></testcase></testsuite>'",
      "        junit 'results.xml'",
      "        archiveArtifacts artifacts: 'out/*.txt'",
      '      }', '    }', '  }', '}', ''].join('\n'));
    // Parameters come from the Jenkinsfile: known after the first build.
    await page.getByRole('button', { name: 'Build Now' }).click();
    await page.getByRole('heading', { name: 'report #1' }).waitFor();
    await consoleHas('hello world');
    await page.locator('h1 .badge', { hasText: 'Unstable' }).waitFor();
    await page.getByRole('tab', { name: 'Tests' }).click();
    await page.getByText('1 failed').waitFor();
    await page.getByText('app.Math.divides').waitFor();
    await page.getByText('expected 2 but was 3').waitFor();
    await screenshot(page, '04b-tests');
    // The tabs by keyboard: arrows move between them.
    await page.getByRole('tab', { name: 'Tests' }).focus();
    await page.keyboard.press('ArrowRight');
    await page.getByRole('tab', { name: 'Parameters', selected: true }).waitFor();
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    const link = page.getByRole('link', { name: 'out/report.txt' });
    await link.waitFor();
    const art = await page.request.get(new URL((await link.getAttribute('href'))!, kiln.url).href);
    assert.equal(await art.text(), 'the report');
    await page.getByRole('link', { name: 'report' }).first().click();
    await page.getByRole('button', { name: 'Build with Parameters' }).click();
    await page.getByLabel('WHO', { exact: true }).fill('kiln');
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    await page.getByRole('heading', { name: 'report #2' }).waitFor();
    await consoleHas('hello kiln');
    await page.getByRole('tab', { name: 'Parameters' }).click();
    await page.getByRole('cell', { name: 'kiln', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Replay with changes' }).click();
    const editor = page.getByLabel('Jenkinsfile for this replay', { exact: true });
    await editor.fill((await editor.inputValue()).replace('echo hello', 'echo replayed hello'));
    await page.getByRole('button', { name: 'Run replay' }).click();
    await page.getByRole('heading', { name: 'report #3' }).waitFor();
    await consoleHas('replayed hello kiln');
  });

  step('agents, agent page with the connect command, users, profile tokens, clouds', async () => {
    await page.getByRole('link', { name: 'Agents' }).first().click();
    await page.locator('table.list').getByRole('link', { name: 'e2e-agent' }).click();
    await page.getByRole('heading', { name: /Agent e2e-agent/ }).waitFor();
    const cmd = await text('[aria-label="Connect command"]');
    assert.match(cmd, /^kiln agent --url http:\/\/127\.0\.0\.1:\d+\/ --name e2e-agent --secret [0-9a-f]{64}/);
    await page.getByText('online', { exact: true }).first().waitFor();
    await screenshot(page, '08-agent');
    // Create an agent: its page shows the command to connect it; then delete it.
    await page.getByRole('link', { name: 'Agents' }).first().click();
    await page.getByLabel('Agent name', { exact: true }).fill('spare');
    await page.getByLabel('Labels', { exact: true }).fill('linux big');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('heading', { name: /Agent spare/ }).waitFor();
    assert.match(await text('[aria-label="Connect command"]'), /--name spare --secret [0-9a-f]{64}/);
    await page.getByText('offline', { exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click(); // the page's own dialog
    await page.getByRole('heading', { name: 'Agents', exact: true }).waitFor();
    await page.locator('table.list').getByRole('link', { name: 'spare' }).waitFor({ state: 'detached' });
    // An SSH agent on a host that refuses: its page shows the launch failing, in the controller's words.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await kiln.api('POST', '/api/v1/credentials', { id: 'ssh-key', type: 'sshKey', username: 'deploy', privateKey });
    await page.reload();
    await page.getByLabel('SSH: the controller logs into the host and starts it', { exact: true }).check();
    await page.getByLabel('Agent name', { exact: true }).fill('remote');
    await page.getByLabel('Host', { exact: true }).fill('127.0.0.1');
    await page.getByLabel('Port', { exact: true }).fill('1');
    await page.getByLabel('SSH key credential', { exact: true }).selectOption('ssh-key');
    await page.getByRole('button', { name: 'Create agent' }).click();
    await page.getByRole('heading', { name: /Agent remote/ }).waitFor();
    await page.getByText('launched over SSH by the controller').waitFor();
    await page.locator('.agent-log', { hasText: 'connecting to deploy@127.0.0.1:1' }).waitFor();
    await page.locator('.error-line, .agent-log', { hasText: /refused|ECONNREFUSED|failed/i }).first().waitFor({ timeout: 15_000 });
    await screenshot(page, '08b-ssh-agent');
    await page.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click(); // the page's own dialog
    await page.getByRole('heading', { name: 'Agents', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Users' }).first().click();
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    await page.getByLabel('Username', { exact: true }).fill('dev1');
    await page.getByLabel('Password', { exact: true }).fill('dev1 password is long');
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: 'dev1', exact: true }).waitFor();
    await screenshot(page, '09-users');
    // Folder permissions: guard 'team', grant dev1 job.build there; it is kept.
    await page.getByRole('link', { name: 'Folders' }).first().click();
    await page.getByRole('heading', { name: 'Folder permissions' }).waitFor();
    await page.getByLabel('Folder', { exact: true }).fill('team');
    await page.getByRole('button', { name: 'Guard folder' }).click();
    await page.getByLabel('Add a grantee to team').selectOption('user:dev1');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByLabel('job.build for dev1 on team').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText(/^by admin, /).waitFor();
    await page.reload();
    assert.equal(await page.getByLabel('job.build for dev1 on team').isChecked(), true);
    assert.equal(await page.getByLabel('job.create for dev1 on team').isChecked(), false);
    await screenshot(page, '09b-folders');
    await page.getByRole('link', { name: `Profile of ${ADMIN.username}` }).click();
    await page.getByLabel('Token name', { exact: true }).fill('ci');
    await page.getByRole('button', { name: 'Generate token' }).click();
    const token = await text('[aria-label="New API token"]');
    const me = await fetch(new URL('api/v1/me', kiln.url), { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200, 'the token shown once works');
    await screenshot(page, '10-profile');
    // The audit log has what this session did.
    await page.getByRole('link', { name: 'Audit' }).first().click();
    await page.getByLabel('Action', { exact: true }).fill('credential.create');
    await page.locator('table.list tr', { hasText: 'api-key' }).waitFor();
    await screenshot(page, '10b-audit');
    await page.getByRole('link', { name: 'Clouds' }).first().click();
    await page.getByRole('heading', { name: 'Clouds' }).waitFor();
    // A form the controller refuses names the field; an unreachable API server says why.
    await page.getByRole('button', { name: 'Test Connection' }).click();
    await page.locator('.cloud-form [aria-invalid="true"]').first().waitFor();
    assert.match(await page.locator('.cloud-form .field-error').first().innerText(), /^Required/);
    await page.getByLabel('Kubernetes URL', { exact: true }).fill('https://127.0.0.1:9');
    await page.getByLabel('Credentials', { exact: true }).selectOption('api-key');
    await page.getByRole('button', { name: 'Test Connection' }).click();
    const report = page.getByRole('status', { name: 'Test connection result' });
    await report.waitFor();
    // The controller's words, whatever they are (today 'fetch failed' for a refused port).
    assert.ok((await report.innerText()).trim().length > 0);
    assert.doesNotMatch(await report.innerText(), /not available/);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await screenshot(page, '11-clouds');
    await page.reload();
    await page.getByRole('button', { name: 'Edit cloud kubernetes' }).click();
    await valueIs(page.getByLabel('Kubernetes URL', { exact: true }), 'https://127.0.0.1:9');
    await page.getByRole('button', { name: 'Delete cloud' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click(); // the page's own dialog
    await page.getByRole('button', { name: 'Edit cloud kubernetes' }).waitFor({ state: 'detached' });
    // A Docker cloud: Test Connection answers for this machine's engine (connected, or why not), and it saves.
    await page.getByLabel('Docker', { exact: true }).check();
    await valueIs(page.getByLabel('Cloud name', { exact: true }), 'docker');
    await page.getByLabel('Docker engine URL', { exact: true }).fill('unix:///var/run/docker.sock');
    await page.getByRole('button', { name: 'Test Connection' }).click();
    const dockerReport = page.getByRole('status', { name: 'Test connection result' });
    await dockerReport.waitFor();
    assert.match(await dockerReport.innerText(), /Docker|docker\.sock/);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.reload();
    await page.getByRole('button', { name: 'Edit cloud docker' }).click();
    await valueIs(page.getByLabel('Docker engine URL', { exact: true }), 'unix:///var/run/docker.sock');
    await page.getByRole('button', { name: 'Delete cloud' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete' }).click(); // the page's own dialog
    await page.getByRole('button', { name: 'Edit cloud docker' }).waitFor({ state: 'detached' });
  });

  step("a git job's page shows admins its webhook URLs and, when asked, the secret (the one in <home>/secrets/webhook.secret)", async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'hooked', git: { url: 'https://example.com/team/hooked.git', branch: 'main' } });
    await page.goto(new URL('job/hooked', kiln.url).href);
    await page.getByText('Webhook (admins)').click();
    await page.getByText(`${kiln.url}api/v1/webhooks/github`).waitFor();
    const secret = readFileSync(`${kiln.home}/secrets/webhook.secret`, 'utf8').trim();
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is hidden until asked for');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByLabel('Webhook secret').filter({ hasText: secret }).waitFor();
    await screenshot(page, '11b-job-webhook');
  });

  step('accessibility: no serious or critical axe-core findings on the main pages', async () => {
    const pages: AxePage[] = [
      ['/', /^Jobs$/], ['/job/hello', /^hello$/], ['/job/hello/build/1', /^hello #1/], ['/new-job', /^New pipeline job$/],
      ['/agents', /^Agents$/], ['/credentials', /^Credentials$/], ['/users', /^Users$/], ['/profile', new RegExp(`^${ADMIN.username}$`)], ['/clouds', /^Clouds$/], ['/audit', /^Audit log$/],
      ['/folders', /^Folder permissions$/],
    ];
    assert.deepEqual(await axeOnPages(page, kiln, pages, { settleMs: 200 }), []);
  });

  step('phone width: the dashboard and a build page fit, the menu opens', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(kiln.url);
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    const overflow = await page.evaluate(() => { const w = globalThis as unknown as Browser; return w.document.documentElement.scrollWidth - w.innerWidth; });
    assert.ok(overflow <= 1, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
    await page.getByRole('button', { name: 'Menu' }).click();
    await page.getByRole('link', { name: 'Agents' }).waitFor();
    await screenshot(page, '12-phone-dashboard');
    await page.goto(new URL('job/hello/build/1', kiln.url).href);
    await page.locator('.stage[data-stage="Build"][data-status="success"]').waitFor();
    await screenshot(page, '13-phone-build');
    // A swipe up scrolls the console down by lines.
    await page.goto(new URL('job/ticker/build/1', kiln.url).href);
    await page.locator('.console .line', { hasText: /^Started/ }).waitFor();
    await page.evaluate(`(() => {
      const el = document.querySelector('.console');
      const touch = (y) => new Touch({ identifier: 1, target: el, clientX: 100, clientY: y });
      el.dispatchEvent(new TouchEvent('touchstart', { touches: [touch(400)], bubbles: true }));
      for (let y = 380; y >= 200; y -= 20) el.dispatchEvent(new TouchEvent('touchmove', { touches: [touch(y)], bubbles: true }));
    })()`);
    await page.locator('.console .line', { hasText: /^tick 5$/ }).first().waitFor();
    assert.equal(await page.locator('.console .line', { hasText: /^Started/ }).count(), 0, 'scrolled past the first line');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  step('log out, then log in again', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in to Kiln' }).waitFor();
    await page.getByLabel('Username', { exact: true }).fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill('not it');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await screenshot(page, '14-login');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    assert.deepEqual(b.problems, [], 'no page errors or CSP violations');
  });

  step('a viewer sees jobs and builds but no buttons for what only developers may do', async () => {
    await kiln.api('POST', '/api/v1/users', { name: 'watcher', role: 'viewer', password: 'watcher password 1' });
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Username', { exact: true }).fill('watcher');
    await page.getByLabel('Password', { exact: true }).fill('watcher password 1');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Jobs' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'New job' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Credentials' }).count(), 0);
    await page.locator('table.list').getByRole('link', { name: 'hello', exact: true }).click();
    await page.getByRole('heading', { name: 'hello' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Build Now' }).count(), 0);
    await page.locator('table.builds').getByRole('link', { name: '#1', exact: true }).click();
    await consoleHas('Finished: SUCCESS');
    assert.equal(await page.getByRole('button', { name: 'Replay' }).count(), 0);
    // No webhook secret for a viewer: neither the panel nor the API behind it.
    await page.goto(new URL('job/hooked', kiln.url).href);
    await page.getByRole('heading', { name: 'hooked' }).waitFor();
    assert.equal(await page.getByText('Webhook (admins)').count(), 0);
    assert.equal(await page.evaluate(async () => (await fetch('/api/v1/jobs/hooked/webhook')).status), 403);
    assert.deepEqual(b.problems, [], 'no page errors or CSP violations');
  });
});
