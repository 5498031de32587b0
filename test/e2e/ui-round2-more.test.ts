// The web UI's second round, the rest of issue 20, in a real browser (Debian's Chromium through
// playwright-core) against a real controller, asserting what a person sees:
//   - agents from another machine: the agent page's one-line install (the bundle downloaded from
//     the controller), run as printed in a fresh home, gives an agent that connects and builds;
//     the loopback warning; the systemd unit with the secret in its EnvironmentFile only;
//   - forms: a field's error beside it, the page's own dialogs for deleting and passwords, a saved
//     cloud's settings in its form when the page opens, pages for a role saying so to others;
//   - the console: line numbers and #L links, colours carried across lines, one stage's part alone;
//   - what changed: a git job's builds show commit, branch and author, the Changes tab lists the
//     commits since the previous build; the webhook URL and secret for admins;
// and no serious or critical axe-core finding on these pages in light and dark mode.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ADMIN, E2E_ADMIN_TOKEN, openBrowser, screenshot, startE2E, buildOutcome, badgeSays, axeOnPages, type Kiln, type E2E, type AxePage } from './harness.ts';

const TIMEOUT = 20_000;

describe('web UI round 2 (agents elsewhere, what changed) in Chromium', { timeout: 300_000 }, () => {
  let e: E2E, kiln: Kiln, page: Page;
  const temp = mkdtempSync(path.join(tmpdir(), 'kiln-e2e-r2m-'));
  const children: ChildProcess[] = [];

  before(async () => { ({ kiln, page } = e = await startE2E({ viewport: { width: 1440, height: 900 }, timeout: TIMEOUT, setup: 'session' })); });

  after(async () => {
    for (const c of children) {
      if (c.exitCode !== null || c.pid === undefined) continue;
      const gone = new Promise((r) => c.once('exit', r));
      process.kill(-c.pid, 'SIGTERM'); // the shell and the agent it started: their own process group
      await gone;
    }
    await e?.stop();
    rmSync(temp, { recursive: true, force: true, maxRetries: 3 });
  });

  const text = (label: string) => page.getByLabel(label, { exact: true }).innerText();

  test('an agent on "another machine": installed and started by the one line the agent page shows, it connects and builds', async () => {
    await kiln.api('POST', '/api/v1/agents', { name: 'far', executors: 1, labels: ['faraway'] });
    await page.goto(new URL('agents/far', kiln.url).href);
    await page.getByRole('heading', { name: /^Agent far/ }).waitFor();
    // The controller listens on 127.0.0.1: the page says another machine cannot reach it, and how to fix it.
    await page.getByRole('alert').filter({ hasText: 'Other machines cannot reach this controller\'s URL' }).getByText(/--agent-url \(KILN_AGENT_URL\) or --url \(KILN_PUBLIC_URL\)/).waitFor();
    const install = await text('Install and run command');
    assert.match(install, /^mkdir -p ~\/kiln-agent && curl -fsSL http:\/\/127\.0\.0\.1:\d+\/api\/v1\/agent\/bundle\.tgz \| tar xz -C ~\/kiln-agent && node ~\/kiln-agent\/src\/cli\/main\.js agent --url \S+ --name far --secret [0-9a-f]{64} --labels faraway --executors 1$/);
    // The systemd unit: the secret in the environment file only.
    await page.getByText('Run it as a service (systemd)').click();
    assert.match(await text('Environment file'), /^KILN_SECRET=[0-9a-f]{64}$/m);
    const unit = await text('systemd unit');
    assert.match(unit, /^EnvironmentFile=\/etc\/kiln\/agent-far\.env$/m);
    assert.match(unit, /^ExecStart=\/bin\/sh -c 'exec node "\$\$HOME\/kiln-agent\/src\/cli\/main\.js" agent/m);
    assert.doesNotMatch(unit, /[0-9a-f]{64}|--secret/);
    await screenshot(page, 'r2m-01-agent-install');

    // "Another machine": a fresh home with no Kiln, the host's Node 24 on PATH, the command as printed.
    const home = path.join(temp, 'far-home');
    mkdirSync(home);
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_') && !k.startsWith('NODE_')));
    const sh = spawn('/bin/sh', ['-c', install], {
      cwd: home, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...env, HOME: home, PATH: `${path.dirname(process.execPath)}:${env.PATH ?? '/usr/bin:/bin'}` },
    });
    children.push(sh);
    let out = '';
    sh.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
    sh.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
    sh.on('exit', (code) => { out += `\n(exited ${code})`; });
    // The page turns "online" by itself (live events).
    await page.locator('h1 .dot', { hasText: 'online' }).waitFor({ timeout: 60_000 }).catch(() => assert.fail(`the agent did not come online; its output:\n${out}`));

    await kiln.api('POST', '/api/v1/jobs', { name: 'far-job', script: "pipeline {\n  agent { label 'faraway' }\n  stages { stage('Where') { steps { sh 'echo \"built in $PWD\"' } } }\n}\n" });
    const built = await kiln.api('POST', '/api/v1/jobs/far-job/builds', {});
    // When the page does not show it, say what became of the build and of the agent.
    const agentSays = async () => {
      const agent = await kiln.api('GET', '/api/v1/agents/far').then((a) => `online ${a.online}, busy executors ${a.busyExecutors}`, (err: Error) => err.message);
      return `the agent far: ${agent}; its output:\n${out}`;
    };
    await page.goto(new URL(`job/far-job/build/${built.number}`, kiln.url).href);
    await badgeSays(page, kiln, 'far-job', built.number, 'Success', 60_000, agentSays);
    await page.getByText(`built in ${home}/workspace/`).first().waitFor()
      .catch(async (err: Error) => assert.fail(`the console did not show 'built in ${home}/workspace/' (${err.message.split('\n')[0]})\n${await buildOutcome(kiln, 'far-job', built.number)}\n${await agentSays()}`));
  });

  test('what changed: each build of a git job shows its branch, commit and author; the Changes tab lists the commits since the previous build; admins see the webhook', async () => {
    const repo = path.join(temp, 'app');
    mkdirSync(repo);
    const ann: [string, string] = ['Ann Author', 'ann@example.com'];
    const bob: [string, string] = ['Bob Builder', 'bob@example.com'];
    git(repo, ann, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(repo, 'Jenkinsfile'), "pipeline {\n  agent any\n  stages { stage('Build') { steps { echo 'built' } } }\n}\n");
    git(repo, ann, 'add', '.');
    git(repo, ann, 'commit', '-q', '-m', 'First version');
    const first = git(repo, ann, 'rev-parse', 'HEAD');
    await kiln.api('POST', '/api/v1/jobs', { name: 'app', git: { url: `file://${repo}`, branch: 'main' } });
    const b1 = await kiln.api('POST', '/api/v1/jobs/app/builds', {});
    await page.goto(new URL(`job/app/build/${b1.number}`, kiln.url).href);
    await badgeSays(page, kiln, 'app', b1.number, 'Success');
    await page.getByLabel('Commit', { exact: true }).filter({ hasText: first.slice(0, 7) }).waitFor();
    assert.equal(await page.getByLabel('Branch', { exact: true }).innerText(), 'main');
    assert.equal(await page.getByLabel('Author', { exact: true }).innerText(), 'Ann Author');
    await page.getByRole('tab', { name: 'Changes' }).click();
    await page.getByText('The first build of this job: no earlier build to compare with.').waitFor();

    writeFileSync(path.join(repo, 'README'), 'hello\n');
    git(repo, bob, 'add', '.');
    git(repo, bob, 'commit', '-q', '-m', 'Add a README\n\nSo that people know what this is.');
    writeFileSync(path.join(repo, 'README'), 'hello again\n');
    git(repo, ann, 'commit', '-q', '-am', 'Say hello again');
    const head = git(repo, ann, 'rev-parse', 'HEAD');
    const b2 = await kiln.api('POST', '/api/v1/jobs/app/builds', {});
    await page.goto(new URL(`job/app/build/${b2.number}`, kiln.url).href);
    await badgeSays(page, kiln, 'app', b2.number, 'Success');
    await page.getByLabel('Commit', { exact: true }).filter({ hasText: head.slice(0, 7) }).waitFor();
    await page.getByRole('tab', { name: 'Changes' }).click();
    const list = page.getByRole('list', { name: 'Commits' });
    await list.waitFor();
    assert.deepEqual(await list.locator('.commit-subject').allInnerTexts(), ['Say hello again', 'Add a README']);
    await list.getByText('Bob Builder <bob@example.com>', { exact: false }).waitFor();
    await list.getByText('So that people know what this is.').waitFor();
    await page.getByText(`2 commits since #${b1.number} (${first.slice(0, 7)})`).waitFor();
    await screenshot(page, 'r2m-02-changes');
    // A third build of the same commit: no changes.
    const b3 = await kiln.api('POST', '/api/v1/jobs/app/builds', {});
    await page.goto(new URL(`job/app/build/${b3.number}`, kiln.url).href);
    await badgeSays(page, kiln, 'app', b3.number, 'Success');
    await page.getByRole('tab', { name: 'Changes' }).click();
    await page.getByText(`No changes since #${b2.number} (${head.slice(0, 7)}).`).waitFor();

    // The job page: each build's commit; the webhook's URLs and secret for an admin.
    await page.goto(new URL('job/app', kiln.url).href);
    await page.getByRole('cell', { name: new RegExp(`main @ ${head.slice(0, 7)}`) }).first().waitFor();
    await page.getByText('Webhook (admins)').click();
    await page.getByText(/\/api\/v1\/webhooks\/github/).first().waitFor();
    await page.getByRole('button', { name: 'Show' }).click();
    assert.match(await page.getByLabel('Webhook secret').innerText(), /^\S{16,}$/);
  });

  test('line numbers: each line has its number, a #L link opens the build there highlighted; a colour set on one line carries to the next', async () => {
    const script = String.raw`pipeline {
  agent any
  stages { stage('Count') { steps { sh '''for i in $(seq 1 300); do if [ $i = 100 ]; then printf '\033[31mline %s turns red\n' $i; elif [ $i = 102 ]; then printf '\033[0mline %s plain again\n' $i; else echo "line $i"; fi; done''' } } }
}
`;
    await kiln.api('POST', '/api/v1/jobs', { name: 'counted', script });
    const built = await kiln.api('POST', '/api/v1/jobs/counted/builds', {});
    for (let i = 0; ; i++) {
      const s = await kiln.api('GET', `/api/v1/jobs/counted/builds/${built.number}`);
      if (s.status === 'finished') { assert.equal(s.result, 'SUCCESS'); break; }
      if (i > 600) assert.fail('the build did not finish');
      await new Promise((r) => setTimeout(r, 100));
    }
    const raw = await (await fetch(new URL(`api/v1/jobs/counted/builds/${built.number}/console`, kiln.url), { headers: { authorization: `Bearer ${E2E_ADMIN_TOKEN}` } })).text();
    const numberOf = (text: string) => raw.split('\n').findIndex((l) => l.endsWith(text)) + 1;
    const n150 = numberOf('line 150');
    assert.ok(n150 > 150, 'the console has its own lines before the output');
    await page.goto(new URL(`job/counted/build/${built.number}#L${n150}`, kiln.url).href);
    const current = page.locator('.console .line[aria-current="true"]');
    await current.filter({ hasText: /line 150$/ }).waitFor();
    assert.equal(await current.getByRole('link').getAttribute('aria-label'), `Line ${n150}`);
    assert.equal(await current.locator('.ln').evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown, p: string): { content: string } }).getComputedStyle(el, '::before').content), `"${n150}"`, 'the gutter shows the number');
    // Another line's number is a link to it.
    const n155 = numberOf('line 155'); // in view with line 150
    await page.getByRole('link', { name: `Line ${n155}`, exact: true }).click();
    await current.filter({ hasText: /line 155$/ }).waitFor();
    assert.match(page.url(), new RegExp(`#L${n155}$`));
    // The colour set on line 100 stays on line 101 (no escape of its own) and ends on line 102.
    await page.goto(new URL(`job/counted/build/${built.number}#L${numberOf('line 101')}`, kiln.url).href);
    await current.filter({ hasText: /line 101$/ }).waitFor();
    const colorOf = (text: string) => page.locator('.console .line span', { hasText: new RegExp(`^${text}$`) }).evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { color: string } }).getComputedStyle(el).color);
    assert.equal(await colorOf('line 100 turns red'), 'rgb(205, 49, 49)');
    assert.equal(await colorOf('line 101'), 'rgb(205, 49, 49)', 'the red of line 100 carries over, as on a terminal');
    assert.notEqual(await colorOf('line 102 plain again'), 'rgb(205, 49, 49)');
    await screenshot(page, 'r2m-03-line-link');
  });

  test('a running build\'s page shows its end by itself when no live event comes (one missed while the page was opening)', async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'gate', script: "pipeline {\n  agent none\n  stages { stage('Gate') { steps { input 'Go on?' } } }\n}\n" });
    const v = await openBrowser();
    try {
      // Event streams that open and never say anything: what the page sees of an event that went
      // out before it listened (the build's end, the console's end).
      await v.page.addInitScript(`globalThis.EventSource = class {
        static CONNECTING = 0; static OPEN = 1; static CLOSED = 2;
        constructor(url) { this.url = url; this.readyState = 1; setTimeout(() => this.onopen?.({}), 0); }
        addEventListener() {} removeEventListener() {} close() { this.readyState = 2; }
      };`);
      v.page.setDefaultTimeout(TIMEOUT);
      const login = await v.page.request.post(new URL('api/v1/auth/login', kiln.url).href, { data: ADMIN });
      assert.equal(login.status(), 200, await login.text());
      const built = await kiln.api('POST', '/api/v1/jobs/gate/builds', {});
      await v.page.goto(new URL(`job/gate/build/${built.number}`, kiln.url).href);
      await v.page.getByText('Go on?').first().waitFor();
      await v.page.locator('h1 .badge', { hasText: 'Waiting for input' }).waitFor();
      const [input] = (await kiln.api('GET', `/api/v1/jobs/gate/builds/${built.number}/inputs`)).inputs;
      await kiln.api('POST', `/api/v1/jobs/gate/builds/${built.number}/inputs/${input.id}`, { action: 'approve' });
      await badgeSays(v.page, kiln, 'gate', built.number, 'Success', TIMEOUT);
      assert.deepEqual(v.problems, []);
    } finally {
      await v.close();
    }
  });

  test('clicking a stage in the stage view shows only that stage\'s part of the console, and "Show whole console" brings the rest back', async () => {
    await kiln.api('POST', '/api/v1/jobs', { name: 'staged', script: "pipeline {\n  agent any\n  stages {\n    stage('One') { steps { echo 'said in one' } }\n    stage('Two') { steps { echo 'said in two' } }\n    stage('Three') { steps { echo 'said in three' } }\n  }\n}\n" });
    const built = await kiln.api('POST', '/api/v1/jobs/staged/builds', {});
    await page.goto(new URL(`job/staged/build/${built.number}`, kiln.url).href);
    await badgeSays(page, kiln, 'staged', built.number, 'Success');
    const consoleView = page.getByRole('log');
    await consoleView.getByText('said in one').waitFor();
    await page.locator('.stage[data-stage="Two"] .stage-head').click();
    await page.getByRole('status').filter({ hasText: 'Showing only the stage Two' }).waitFor();
    await consoleView.getByText('said in two').waitFor();
    const text = await consoleView.innerText();
    assert.ok(!text.includes('said in one') && !text.includes('said in three'), `only stage Two's lines:\n${text}`);
    assert.match(text, /^▾?\[Pipeline\] \{ \(Two\)/, 'from the stage\'s start');
    await screenshot(page, 'r2m-04-one-stage');
    await page.getByRole('button', { name: 'Show whole console' }).click();
    await page.getByRole('button', { name: 'Top' }).click();
    await consoleView.getByText('said in one').waitFor();
    await consoleView.getByText('said in three').waitFor();
  });

  test('forms: a field\'s error beside it in words, deleting and setting a password in the page\'s own dialogs, an admin-only page says so to others', async () => {
    const dialogs: string[] = [];
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
    // A too short password: the message sits under the Password field, with no API code.
    await page.goto(new URL('users', kiln.url).href);
    await page.getByRole('heading', { name: 'Users' }).waitFor();
    const form = page.getByRole('form', { name: 'New user' });
    await form.getByLabel('Username').fill('vic');
    await form.getByLabel('Role').selectOption('viewer');
    await form.getByLabel('Password').fill('short');
    await form.getByRole('button', { name: 'Create user' }).click();
    const fieldError = form.locator('.field', { has: page.getByLabel('Password') }).locator('.field-error');
    await fieldError.waitFor();
    assert.match(await fieldError.innerText(), /^Use at least \d+ characters$/);
    assert.doesNotMatch(await form.innerText(), /\(invalid\)/);
    await form.getByLabel('Password').fill('vic-password-long-enough');
    await form.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('cell', { name: 'vic', exact: true }).waitFor();
    // A new password through the page's dialog, then vic logs in with it.
    await page.getByRole('row', { name: /vic/ }).getByRole('button', { name: 'Set password' }).click();
    const dlg = page.getByRole('dialog', { name: 'Set password' });
    await dlg.getByLabel('New password').fill('a-brand-new-password-for-vic');
    await dlg.getByRole('button', { name: 'Set password' }).click();
    await dlg.waitFor({ state: 'hidden' });
    // The change is saved after the dialog closes: vic can log in with it once it is.
    for (let i = 0; ; i++) {
      const login = await fetch(new URL('api/v1/auth/login', kiln.url), { method: 'POST', headers: { 'content-type': 'application/json', origin: new URL(kiln.url).origin }, body: JSON.stringify({ username: 'vic', password: 'a-brand-new-password-for-vic' }) });
      if (login.status === 200) break;
      if (i > 100) assert.fail(`vic cannot log in with the new password: ${login.status} ${await login.text()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    // Deleting an agent: the page's dialog; "Cancel" keeps it, "Delete" deletes it.
    await kiln.api('POST', '/api/v1/agents', { name: 'doomed', executors: 1 });
    await page.goto(new URL('agents/doomed', kiln.url).href);
    await page.getByRole('button', { name: 'Delete' }).click();
    const del = page.getByRole('dialog', { name: 'Delete' });
    await del.getByText('Delete agent doomed?').waitFor();
    await del.getByRole('button', { name: 'Cancel' }).click();
    await del.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Delete' }).click();
    await del.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Agents', exact: true }).waitFor();
    assert.equal((await kiln.api('GET', '/api/v1/agents')).agents.some((a: { name: string }) => a.name === 'doomed'), false);
    assert.deepEqual(dialogs, [], 'no browser confirm() or prompt()');
    // An SSH agent is edited on its page: labels, executors, and its host (a change relaunches it).
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    await kiln.api('POST', '/api/v1/credentials', { id: 'edit-key', type: 'sshKey', username: 'deploy', privateKey });
    await kiln.api('POST', '/api/v1/agents', { name: 'remote-edit', executors: 1, labels: ['old'], launcher: { type: 'ssh', host: '127.0.0.1', port: 1, credentialsId: 'edit-key' } });
    await page.goto(new URL('agents/remote-edit', kiln.url).href);
    await page.getByText('launched over SSH by the controller').waitFor();
    await page.getByRole('button', { name: 'Edit', exact: true }).click();
    const edit = page.getByRole('form', { name: 'Edit agent remote-edit' });
    assert.equal(await edit.getByLabel('Labels').inputValue(), 'old');
    await edit.getByLabel('Labels').fill('linux fast');
    await edit.getByLabel('Executors').fill('3');
    await edit.getByLabel('Port').fill('2');
    await edit.getByRole('button', { name: 'Save' }).click();
    await edit.waitFor({ state: 'detached' });
    await page.getByText('0 of 3 executor(s) busy').waitFor();
    await page.locator('.tag', { hasText: 'fast' }).waitFor();
    await page.locator('.agent-log', { hasText: 'connecting to deploy@127.0.0.1:2' }).waitFor({ timeout: 30_000 });
    // A saved cloud: the page opens with its settings in the form, no click needed.
    await page.goto(new URL('clouds', kiln.url).href);
    await page.getByRole('heading', { name: 'Clouds' }).waitFor();
    await page.getByLabel('Docker', { exact: true }).check();
    await page.getByLabel('Docker engine URL', { exact: true }).fill('unix:///var/run/docker.sock');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.goto(new URL('agents', kiln.url).href);
    await page.goto(new URL('clouds', kiln.url).href);
    await page.getByRole('button', { name: 'Edit cloud docker', pressed: true }).waitFor();
    assert.equal(await page.getByLabel('Docker engine URL', { exact: true }).inputValue(), 'unix:///var/run/docker.sock');
    assert.deepEqual(dialogs, []);
    // The viewer on an admin-only page: told so, in words.
    const v = await openBrowser({ width: 1280, height: 800 });
    try {
      await v.page.goto(kiln.url);
      const r = await v.page.request.post(new URL('api/v1/auth/login', kiln.url).href, { data: { username: 'vic', password: 'a-brand-new-password-for-vic' } });
      assert.equal(r.status(), 200);
      await v.page.goto(new URL('users', kiln.url).href);
      await v.page.getByText('This page is for administrators only.').waitFor({ timeout: TIMEOUT });
      await v.page.goto(new URL('credentials', kiln.url).href);
      await v.page.getByText('This page is for developers and administrators only.').waitFor({ timeout: TIMEOUT });
    } finally {
      await v.close();
    }
  });

  for (const scheme of ['light', 'dark'] as const) {
    test(`accessibility in ${scheme} mode: no serious or critical axe-core finding on the pages of this round`, async () => {
      const pages: AxePage[] = [
        ['/agents/far', /^Agent far/, async () => { await page.getByText('Run it as a service (systemd)').click(); }],
        ['/job/app/build/2', /^app #2/, async () => { await page.getByRole('tab', { name: 'Changes' }).click(); await page.getByRole('list', { name: 'Commits' }).waitFor(); }],
        ['/job/counted/build/1#L120', /^counted #1/, async () => { await page.locator('.console .line[aria-current="true"]').waitFor(); }],
        ['/job/staged/build/1', /^staged #1/, async () => { await page.locator('.stage[data-stage="Two"] .stage-head').click(); await page.getByRole('button', { name: 'Show whole console' }).waitFor(); }],
        ['/agents/remote-edit', /^Agent remote-edit/, async () => { await page.getByRole('button', { name: 'Edit', exact: true }).click(); await page.getByRole('form', { name: 'Edit agent remote-edit' }).waitFor(); }],
        ['/clouds', /^Clouds$/],
        ['/users', /^Users$/, async () => { await page.getByRole('row', { name: /vic/ }).getByRole('button', { name: 'Set password' }).click(); await page.getByRole('dialog').waitFor(); }],
        ['/job/app', /^app$/, async () => { await page.getByText('Webhook (admins)').click(); await page.getByLabel('Webhook secret').waitFor(); }],
      ];
      assert.deepEqual(await axeOnPages(page, kiln, pages, { scheme, settleMs: 200 }), []);
    });
  }
});

/** git in `cwd` as `author` (name <email>), no global or system configuration. */
function git(cwd: string, author: [string, string], ...args: string[]): string {
  const r = spawnSync('git', args, {
    cwd, encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_AUTHOR_NAME: author[0], GIT_AUTHOR_EMAIL: author[1], GIT_COMMITTER_NAME: author[0], GIT_COMMITTER_EMAIL: author[1] },
  });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
