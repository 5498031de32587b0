// E-mail on a real controller against a real SMTP server in this process: the settings API
// (admins only, the password never in an answer, bad values refused by field), "Send test
// e-mail" (plain, AUTH from a credential, STARTTLS with a self-signed certificate trusted only
// when the admin says so), and builds of a git job whose commits by different authors make
// developers(), culprits(), requestor(), brokenBuildSuspects() and a downstream job's upstreamDevelopers(), requestor() and buildUser() name who Jenkins would, with
// the masked console attached.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../helpers/controller.ts';
import { tempDir } from '../helpers/tmp.ts';
import { selfSigned, startSmtp, type TestSmtp } from '../plugins/mail/smtp-helper.ts';

function git(cwd: string, args: string[], author = { name: 't', email: 't@e' }): string {
  return execFileSync('git', args, {
    cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: author.name, GIT_COMMITTER_EMAIL: author.email },
  }).trim();
}

describe('e-mail on a controller', () => {
  let c: ControllerHandle;
  let plain: TestSmtp;
  let authed: TestSmtp;
  let tls: TestSmtp;
  let dir: string;
  let devToken: string;
  const api = rawApi(() => c.url);
  const asDev = (method: string, p: string, body?: unknown) => api(method, p, body, { authorization: `Bearer ${devToken}` });

  before(async () => {
    dir = tempDir('mail-ctl');
    plain = await startSmtp();
    authed = await startSmtp({ auth: { user: 'mailer', pass: 'smtp-Pa55-word' } });
    tls = await startSmtp({ security: 'starttls', tls: selfSigned() });
    c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }));
    assert.equal((await api('POST', '/api/v1/users', { name: 'carol', role: 'developer', password: 'carol-password-long-enough', email: 'carol@corp.example' })).status, 201);
    const t = await api('POST', '/api/v1/users/carol/tokens', { name: 'mail' });
    assert.equal(t.status, 201, t.text);
    devToken = t.json.token as string;
  });
  after(async () => {
    await c?.close();
    await Promise.all([plain, authed, tls].map((s) => s?.close()));
  });

  test('only admins read and change the settings; bad values are refused by field; the password never comes back', async () => {
    const empty = await api('GET', '/api/v1/settings/mail');
    assert.equal(empty.status, 200, empty.text);
    assert.equal(empty.json.configured, false);
    assert.equal((await asDev('GET', '/api/v1/settings/mail')).status, 403);
    assert.equal((await asDev('PUT', '/api/v1/settings/mail', { host: '127.0.0.1', from: 'x@example.com' })).status, 403);
    assert.equal((await asDev('POST', '/api/v1/settings/mail/test', { to: 'x@example.com' })).status, 403, 'the test button is no relay for non-admins');
    assert.equal((await api('GET', '/api/v1/settings/mail', undefined, { authorization: '' })).status, 401);

    const bad = async (body: unknown, re: RegExp) => {
      const r = await api('PUT', '/api/v1/settings/mail', body);
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.error.message, re);
    };
    await bad({ host: '127.0.0.1', from: 'ci@example.com\r\nBcc: victim@example.com' }, /^from: must be one line/);
    await bad({ host: '127.0.0.1', port: 70000, from: 'ci@example.com' }, /^port: a port number/);
    await bad({ host: '127.0.0.1' }, /^from: the default From address is needed/);
    await bad({ host: 'smtp host', from: 'ci@example.com' }, /^host: 'smtp host' is not a host name/);
    await bad({ host: '127.0.0.1', from: 'ci@example.com', password: 'x' }, /^password: unknown field/);
    await bad({ host: '127.0.0.1', from: 'ci@example.com', credentialsId: 'nope' }, /^credentialsId: no global credential 'nope'/);
    await bad({ host: '127.0.0.1', from: 'ci@example.com', defaultSuffix: 'example.com' }, /^defaultSuffix: 'example.com' is not a suffix like '@example.com'/);

    assert.equal((await api('POST', '/api/v1/credentials', { id: 'smtp', type: 'usernamePassword', username: 'mailer', password: 'smtp-Pa55-word' })).status, 201);
    const put = await api('PUT', '/api/v1/settings/mail', { host: '127.0.0.1', port: authed.port, security: 'none', credentialsId: 'smtp', from: 'Kiln <ci@example.com>' });
    assert.equal(put.status, 200, put.text);
    const got = await api('GET', '/api/v1/settings/mail');
    assert.equal(got.json.configured, true);
    assert.equal(got.json.credentialsId, 'smtp');
    assert.doesNotMatch(got.text + put.text, /smtp-Pa55-word/);

    const sent = await api('POST', '/api/v1/settings/mail/test', { to: 'admin@example.com' });
    assert.equal(sent.status, 200, sent.text);
    assert.deepEqual(sent.json, { sent: true, message: 'Email was successfully sent to admin@example.com' });
    const m = await authed.next();
    assert.equal(m.user, 'mailer');
    assert.deepEqual(m.rcpt, ['admin@example.com']);
    assert.equal(m.headers.get('subject'), 'Test e-mail from Kiln');
    assert.equal((await api('POST', '/api/v1/settings/mail/test', { to: 'a@example.com\nBcc: b@example.com' })).status, 400);

    // A wrong password: said in plain words, the password nowhere.
    assert.equal((await api('PUT', '/api/v1/credentials/smtp', { username: 'mailer', password: 'not-the-Pa55' })).status, 200);
    const wrong = await api('POST', '/api/v1/settings/mail/test', { to: 'admin@example.com' });
    assert.equal(wrong.json.sent, false);
    assert.match(wrong.json.message, /^SMTP authentication failed\. Check mail credentials.*535/);
    assert.doesNotMatch(wrong.text, /not-the-Pa55/);
  });

  test('STARTTLS with a self-signed certificate: refused, then sent once the admin trusts it', async () => {
    const base = { host: '127.0.0.1', port: tls.port, security: 'starttls', from: 'ci@example.com' };
    assert.equal((await api('PUT', '/api/v1/settings/mail', base)).status, 200);
    const refused = await api('POST', '/api/v1/settings/mail/test', { to: 'admin@example.com' });
    assert.equal(refused.json.sent, false);
    assert.match(refused.json.message, /presented a certificate that is not trusted \(self[- ]signed certificate\)/);
    assert.equal(tls.messages.length, 0);
    assert.equal((await api('PUT', '/api/v1/settings/mail', { ...base, trustCertificate: true })).status, 200);
    const ok = await api('POST', '/api/v1/settings/mail/test', { to: 'admin@example.com' });
    assert.equal(ok.json.sent, true, ok.text);
    const m = await tls.next();
    assert.equal(m.secure, true);
  });

  test('builds of a git job: developers, culprits, requestor and broken-build suspects as Jenkins computes them; the masked console attached', async () => {
    assert.equal((await api('PUT', '/api/v1/settings/mail', { host: '127.0.0.1', port: plain.port, from: 'ci@example.com', defaultSuffix: '@corp.example' })).status, 200);
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'tok', type: 'secretText', secret: 'very-secret-token-42' })).status, 201);
    const repo = path.join(dir, 'app.git');
    const work = path.join(dir, 'work');
    git(dir, ['init', '-q', '--bare', '-b', 'main', repo]);
    git(dir, ['clone', '-q', repo, work]);
    const push = (fail: boolean, author: { name: string; email: string }, downstream = false) => {
      writeFileSync(path.join(work, 'Jenkinsfile'), `
pipeline {
  agent any
  stages {
    stage('Build') {
      steps {
        withCredentials([string(credentialsId: 'tok', variable: 'T')]) { sh 'echo "token is $T"' }
        ${fail ? "error 'broken'" : "echo 'fine'"}
      }
    }
  }
  post {
    always {
      emailext subject: '$DEFAULT_SUBJECT', body: '$DEFAULT_CONTENT', attachLog: true,
        recipientProviders: [developers(), culprits(), requestor()]
      script {
        echo "suspects=\${emailextrecipients([brokenBuildSuspects()])}"
      }${downstream ? "\n      build job: 'notify', wait: false" : ''}
    }
  }
}`);
      writeFileSync(path.join(work, `${author.name}.txt`), author.email);
      git(work, ['add', '.'], author);
      git(work, ['commit', '-q', '-m', `change by ${author.name}`], author);
      git(work, ['push', '-q', 'origin', 'main'], author);
    };
    push(false, { name: 'Tess', email: 'tess@example.com' });
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'app', git: { url: repo, branch: 'main' } })).status, 201);
    const build = async () => {
      const b = await asDev('POST', '/api/v1/jobs/app/builds', {});
      assert.equal(b.status, 201, b.text);
      const done = await finishedBuild(c.url, 'app', b.json.number);
      return { n: b.json.number as number, result: done.result as string, console: await consoleText(c.url, 'app', b.json.number) };
    };

    // #1: no earlier build, so no changes: only the requestor (carol, her address from her account).
    const b1 = await build();
    assert.equal(b1.result, 'SUCCESS', b1.console);
    assert.match(b1.console, /^Sending email to: carol@corp\.example$/m);
    const m1 = await plain.next();
    assert.deepEqual(m1.rcpt, ['carol@corp.example']);
    assert.equal(m1.headers.get('subject'), 'app - Build # 1 - Successful!');
    assert.match(m1.text ?? '', new RegExp(`^app - Build # 1 - Successful:\\s+Check console output at ${c.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}job/app/1/ to view the results\\.`));
    const log1 = m1.attachments.find((a) => a.filename === 'build.log');
    assert.ok(log1, 'the console is attached');
    assert.match(log1.content.toString(), /token is \*{4}/);
    assert.doesNotMatch(log1.content.toString(), /very-secret-token-42/);

    // #2: alice breaks it: developer alice, culprit alice (since #1 passed), suspect alice.
    push(true, { name: 'Alice', email: 'alice@example.com' });
    const b2 = await build();
    assert.equal(b2.result, 'FAILURE', 'the build fails for its error, and the mail does not change that');
    assert.match(b2.console, /^Sending email to: alice@example\.com carol@corp\.example$/m);
    assert.match(b2.console, /^suspects=alice@example\.com$/m);
    const m2 = await plain.next();
    assert.deepEqual(m2.rcpt.sort(), ['alice@example.com', 'carol@corp.example']);
    assert.equal(m2.headers.get('subject'), 'app - Build # 2 - Failure!');

    // #3: bob does not fix it: developer bob, culprits alice and bob (since #1), still failing.
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'notify', script: 'echo "upstream=${emailextrecipients([upstreamDevelopers()])} requestor=${emailextrecipients([requestor()])} buildUser=[${emailextrecipients([buildUser()])}]"' })).status, 201);
    push(true, { name: 'Bob', email: 'bob@example.com' }, true);
    const b3 = await build();
    assert.equal(b3.result, 'FAILURE');
    assert.match(b3.console, /^Sending email to: bob@example\.com alice@example\.com carol@corp\.example$/m);
    assert.match(b3.console, /^suspects=bob@example\.com alice@example\.com$/m);
    const m3 = await plain.next();
    assert.equal(m3.headers.get('subject'), 'app - Build # 3 - Still Failing!');
    // The job app #3 started: its upstream developers are #3's (bob).
    assert.equal((await finishedBuild(c.url, 'notify', 1)).result, 'SUCCESS');
    // requestor() follows the upstream build to the user who started it (carol); buildUser() does not (email-ext).
    const notify = await consoleText(c.url, 'notify', 1);
    assert.match(notify, /^upstream=bob@example\.com requestor=carol@corp\.example buildUser=\[\]$/m);
    assert.match(notify, /^The build was not caused by a user!$/m);
  });

  test("step([$class: 'Mailer']): a failure mails its link, changes and console tail; unstable and back to normal as MailSender decides; no result yet, no mail", async () => {
    assert.equal((await api('PUT', '/api/v1/settings/mail', { host: '127.0.0.1', port: plain.port, from: 'ci@example.com', defaultSuffix: '@corp.example' })).status, 200);
    const script = (body: string) => `pipeline {
  agent any
  stages { stage('S') { steps { ${body} } } }
  post { always { step([$class: 'Mailer', recipients: 'team ops@example.com', notifyEveryUnstableBuild: false]) } }
}`;
    const run = async (body: string) => {
      const exists = (await api('GET', '/api/v1/jobs/mailer')).status === 200;
      const r = await api(exists ? 'PUT' : 'POST', exists ? '/api/v1/jobs/mailer' : '/api/v1/jobs', exists ? { script: script(body) } : { name: 'mailer', script: script(body) });
      assert.ok(r.status < 300, r.text);
      const b = await api('POST', '/api/v1/jobs/mailer/builds', {});
      const done = await finishedBuild(c.url, 'mailer', b.json.number);
      return { n: b.json.number as number, result: done.result as string, console: await consoleText(c.url, 'mailer', b.json.number) };
    };
    const f = await run("echo 'compiling'; error 'the compiler broke'");
    assert.equal(f.result, 'FAILURE', f.console);
    assert.match(f.console, /^Sending e-mails to: team@corp\.example ops@example\.com$/m);
    const m1 = await plain.next();
    assert.deepEqual(m1.rcpt, ['team@corp.example', 'ops@example.com']);
    assert.equal(m1.headers.get('subject'), `Build failed in Jenkins: mailer #${f.n}`);
    assert.match(m1.text ?? '', new RegExp(`^See <${c.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}job/mailer/${f.n}/>\\s+Changes:\\s+-{42}\\s`));
    assert.match(m1.text ?? '', /^compiling$/m, 'the console tail');
    const back = await run("echo 'fine'; script { currentBuild.result = 'SUCCESS' }");
    assert.equal(back.result, 'SUCCESS', back.console);
    const m2 = await plain.next();
    assert.equal(m2.headers.get('subject'), `Jenkins build is back to normal : mailer #${back.n}`);
    // A success that leaves its result unset: Jenkins' MailSender has none to look at, and says so.
    const quiet = await run("echo 'fine'");
    assert.match(quiet.console, new RegExp(`^No mail will be sent out, as 'mailer #${quiet.n}' does not have a result yet\\.`, 'm'));
    const u1 = await run("unstable 'flaky'");
    assert.equal(u1.result, 'UNSTABLE', u1.console);
    assert.equal((await plain.next()).headers.get('subject'), `Jenkins build became unstable: mailer #${u1.n}`);
    // Only the first unstable build after a success mails (notifyEveryUnstableBuild: false).
    const u2 = await run("unstable 'flaky'");
    assert.doesNotMatch(u2.console, /Sending e-mails/);
    const fixed = await run("echo 'fine'; script { currentBuild.result = 'SUCCESS' }");
    assert.equal((await plain.next()).headers.get('subject'), `Jenkins build is back to stable : mailer #${fixed.n}`, 'no mail for the second unstable build came before this one');
  });
});
