// The mail plugin's steps through `kiln run` (the real CLI) against a real SMTP server in this
// process: what reaches the server (envelope, headers, text or HTML, attachments), what the
// console says as email-ext says it, and what happens when the server refuses, wants a
// password, speaks STARTTLS with a self-signed certificate, or is not configured at all.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { selfSigned, startSmtp, type TestSmtp } from './smtp-helper.ts';

const servers: TestSmtp[] = [];
after(async () => { await Promise.all(servers.map((s) => s.close())); });
async function smtp(o: Parameters<typeof startSmtp>[0] = {}): Promise<TestSmtp> {
  const s = await startSmtp(o);
  servers.push(s);
  return s;
}

function project(jenkinsfile: string, files: Record<string, string> = {}): string {
  const dir = tempDir('mail-run');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}

const env = (port: number, extra: Record<string, string> = {}) => ({ KILN_SMTP_URL: `smtp://127.0.0.1:${port}`, KILN_MAIL_FROM: 'kiln@ci.example', ...extra });

test('emailext sends over SMTP with its tokens expanded, the console attached (and zipped) and workspace files matched', async () => {
  const s = await smtp();
  const dir = project(`
pipeline {
  agent any
  stages {
    stage('Build') {
      steps {
        sh 'mkdir -p reports && echo "<p>ok</p>" > reports/a.html && echo skip > reports/b.txt'
        echo 'line from the build'
      }
    }
  }
  post {
    always {
      emailext subject: '$PROJECT_NAME - Build # $BUILD_NUMBER - $BUILD_STATUS!', body: '<b>\${BUILD_NUMBER}</b> of $PROJECT_NAME: $BUILD_STATUS',
        to: 'dev@example.com, ops@example.com cc:lead@example.com', mimeType: 'text/html', attachLog: true, attachmentsPattern: 'reports/*.html',
        replyTo: 'noreply@example.com'
      emailext subject: 'zipped', body: 'see attachment', to: 'dev@example.com', attachLog: true, compressLog: true
    }
  }
}`);
  const r = await runKiln(['run', '--job', 'shop'], { cwd: dir, env: env(s.port) });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Sending email to: dev@example\.com ops@example\.com lead@example\.com$/m);
  const m = await s.next();
  assert.equal(m.envelopeFrom, 'kiln@ci.example');
  assert.deepEqual(m.rcpt.sort(), ['dev@example.com', 'lead@example.com', 'ops@example.com']);
  assert.equal(m.headers.get('subject'), 'shop - Build # 1 - Successful!');
  assert.equal(m.headers.get('reply-to'), 'noreply@example.com');
  assert.match(m.headers.get('cc') ?? '', /lead@example\.com/);
  assert.equal(m.html?.trim(), '<b>1</b> of shop: Successful');
  const names = m.attachments.map((a) => a.filename).sort();
  assert.deepEqual(names, ['a.html', 'build.log']);
  assert.match(m.attachments.find((a) => a.filename === 'build.log')!.content.toString(), /line from the build/);
  const z = await s.next();
  assert.equal(z.text?.trim(), 'see attachment');
  const zip = z.attachments.find((a) => a.filename === 'build.zip');
  assert.ok(zip, `attachments: ${z.attachments.map((a) => a.filename).join(', ')}`);
  const files = unzipSync(new Uint8Array(zip.content));
  assert.match(Buffer.from(files['build.log']!).toString(), /line from the build/);
});

test('mail sends plain text to to/cc/bcc; a bare name gets the default suffix; missing parts fail as Mailer says', async () => {
  const s = await smtp();
  const dir = project(`
node {
  mail to: 'alice', cc: 'bob@example.com', bcc: 'carol@example.com', subject: 'Hello friend', body: 'Missing you!', from: 'builds@example.com'
}`);
  const r = await runKiln(['run'], { cwd: dir, env: env(s.port, { KILN_MAIL_SUFFIX: '@corp.example' }) });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const m = await s.next();
  assert.equal(m.envelopeFrom, 'builds@example.com');
  assert.deepEqual(m.rcpt.sort(), ['alice@corp.example', 'bob@example.com', 'carol@example.com']);
  assert.equal(m.headers.get('subject'), 'Hello friend');
  assert.equal(m.headers.has('bcc'), false, 'Bcc is not a header the recipients see');
  assert.equal(m.text?.trim(), 'Missing you!');

  const noBody = await runKiln(['run'], { cwd: project(`node { mail to: 'a@example.com', subject: 'x' }`), env: env(s.port) });
  assert.equal(noBody.code, 1);
  assert.match(noBody.stdout, /Email not sent\. All mandatory properties must be supplied \('subject', 'body'\)\./);
  const noOne = await runKiln(['run'], { cwd: project(`node { mail subject: 'Hello friend', body: 'Missing you!' }`), env: env(s.port) });
  assert.equal(noOne.code, 1);
  assert.match(noOne.stdout, /Email not sent\. No recipients of any kind specified \('to', 'cc', 'bcc'\)\./);
});

test('without KILN_SMTP_URL the steps fail saying what to set', async () => {
  const r = await runKiln(['run'], { cwd: project(`node { emailext subject: 's', body: 'b', to: 'a@example.com' }`), env: { KILN_SMTP_URL: '' } });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /emailext: no e-mail was sent: kiln run has no SMTP server: set KILN_SMTP_URL=smtp:\/\/host:port/);
});

test('emailext with nobody to send to says so and sends nothing; recipients without an address are reported', async () => {
  const s = await smtp();
  const dir = project(`node { emailext subject: 's', body: 'b', to: 'bare-name', recipientProviders: [developers(), culprits()] }`);
  const r = await runKiln(['run'], { cwd: dir, env: env(s.port) });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Failed to send e-mail to bare-name because no e-mail address is known, and no default e-mail domain is configured$/m);
  assert.match(r.stdout, /^An attempt to send an e-mail to empty list of recipients, ignored\.$/m);
  assert.equal(s.messages.length, 0);
});

test('a server that refuses: emailext reports it and the build keeps its result; mail fails the build', async () => {
  const s = await smtp({ refuse: ['nobody@example.com'], rejectData: undefined });
  const r = await runKiln(['run'], { cwd: project(`node { emailext subject: 's', body: 'b', to: 'nobody@example.com'; echo 'after the mail' }`), env: env(s.port) });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Sending email to: nobody@example\.com$/m);
  assert.match(r.stdout, /^ERROR: Email sending failed due to invalid recipient address.*550.*No such user here/m);
  assert.match(r.stdout, /^after the mail$/m);
  const m = await runKiln(['run'], { cwd: project(`node { mail to: 'nobody@example.com', subject: 's', body: 'b' }`), env: env(s.port) });
  assert.equal(m.code, 1, m.stdout + m.stderr);
  assert.match(m.stdout, /mail: Email sending failed due to invalid recipient address/);
  // Nothing listening: a plain-words connection error.
  const closed = await startSmtp();
  await closed.close();
  const c = await runKiln(['run'], { cwd: project(`node { emailext subject: 's', body: 'b', to: 'a@example.com' }`), env: env(closed.port) });
  assert.equal(c.code, 0);
  assert.match(c.stdout, new RegExp(`^ERROR: could not connect to the SMTP server 127\\.0\\.0\\.1:${closed.port}: connection refused`, 'm'));
});

test('header injection: a line break in a subject or an address fails the step and sends nothing', async () => {
  const s = await smtp();
  const a = await runKiln(['run'], { cwd: project(`node { emailext subject: "hi\\r\\nBcc: victim@example.com", body: 'b', to: 'a@example.com' }`), env: env(s.port) });
  assert.equal(a.code, 1, a.stdout);
  assert.match(a.stdout, /emailext: subject contains a line break, which would let it add mail headers: refused/);
  const b = await runKiln(['run'], { cwd: project(`node { mail to: "a@example.com\\nBcc: victim@example.com", subject: 's', body: 'b' }`), env: env(s.port) });
  assert.equal(b.code, 1, b.stdout);
  assert.match(b.stdout, /mail: to contains a line break/);
  const c = await runKiln(['run'], { cwd: project(`node { emailext subject: 's', body: 'b', to: 'a@example.com', presendScript: 'msg.setSubject("x")' }`), env: env(s.port) });
  assert.equal(c.code, 1, c.stdout);
  assert.match(c.stdout, /emailext: presendScript is not supported by Kiln: it runs Groovy against Jenkins' internals/);
  assert.equal(s.messages.length, 0);
});

test('AUTH with user and password; a wrong password is "SMTP authentication failed" and never printed', async () => {
  const s = await smtp({ auth: { user: 'ci', pass: 's3cr3t-pw' } });
  const jf = `node { emailext subject: 'auth', body: 'b', to: 'a@example.com' }`;
  const ok = await runKiln(['run'], { cwd: project(jf), env: { ...env(s.port), KILN_SMTP_URL: `smtp://ci:s3cr3t-pw@127.0.0.1:${s.port}` } });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const m = await s.next();
  assert.equal(m.user, 'ci');
  const bad = await runKiln(['run'], { cwd: project(jf), env: { ...env(s.port), KILN_SMTP_URL: `smtp://ci:wrong-pw-123@127.0.0.1:${s.port}` } });
  assert.equal(bad.code, 0);
  assert.match(bad.stdout, /^ERROR: SMTP authentication failed\. Check mail credentials.*535/m);
  assert.doesNotMatch(bad.stdout + bad.stderr, /wrong-pw-123/);
});

test('STARTTLS with a self-signed certificate: refused unless trusted by configuration', async () => {
  const s = await smtp({ security: 'starttls', tls: selfSigned() });
  const jf = `node { emailext subject: 'tls', body: 'b', to: 'a@example.com' }`;
  const strict = await runKiln(['run'], { cwd: project(jf), env: { ...env(s.port), KILN_SMTP_URL: `smtp://127.0.0.1:${s.port}?starttls=true` } });
  assert.equal(strict.code, 0);
  assert.match(strict.stdout, /^ERROR: the SMTP server 127\.0\.0\.1:\d+ presented a certificate that is not trusted \(self[- ]signed certificate\)/m);
  assert.equal(s.messages.length, 0);
  const trusting = await runKiln(['run'], { cwd: project(jf), env: { ...env(s.port), KILN_SMTP_URL: `smtp://127.0.0.1:${s.port}?starttls=true&tls.rejectUnauthorized=false` } });
  assert.equal(trusting.code, 0, trusting.stdout);
  const m = await s.next();
  assert.equal(m.secure, true, 'the message travelled over TLS');
  assert.equal(m.headers.get('subject'), 'tls');
});

test('SSL from the start (smtps)', async () => {
  const s = await smtp({ security: 'ssl', tls: selfSigned() });
  const r = await runKiln(['run'], { cwd: project(`node { mail to: 'a@example.com', subject: 'ssl', body: 'b' }`), env: { ...env(s.port), KILN_SMTP_URL: `smtps://127.0.0.1:${s.port}?tls.rejectUnauthorized=false` } });
  assert.equal(r.code, 0, r.stdout);
  const m = await s.next();
  assert.equal(m.secure, true);
});

test('requestor() is this machine\'s user with the project\'s git user.email; emailextrecipients returns the addresses', async () => {
  const s = await smtp();
  const dir = project(`node {
  def who = emailextrecipients([requestor(), developers()])
  echo "recipients=\${who}"
  emailext subject: 's', body: 'b', recipientProviders: [requestor()]
}`);
  execFileSync('git', ['init', '-q'], { cwd: dir });
  execFileSync('git', ['config', 'user.email', 'me@example.org'], { cwd: dir });
  const r = await runKiln(['run', '--workspace', '.'], { cwd: dir, env: env(s.port) });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^recipients=me@example\.org$/m);
  const m = await s.next();
  assert.deepEqual(m.rcpt, ['me@example.org']);
});
