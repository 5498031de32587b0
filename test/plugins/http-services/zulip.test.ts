// zulipSend through `kiln run` (the real CLI) against a real HTTP server in this process that
// answers as Zulip's REST API documents POST /api/v1/messages: Basic auth with the bot's e-mail
// and API key, a form-encoded body, {"result":"success","id":N} or a 4xx {"result":"error",...}.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startService, type Received, type TestService } from './service-helper.ts';

const KEY = 'zulip-secret-api-key-123';
const CREDS = { 'zulip-key': { type: 'secretText', secret: KEY }, 'web-user': { type: 'usernamePassword', username: 'u', password: 'p' } };

let zulip: TestService;
after(async () => { await zulip?.close(); });

/** Zulip's documented answers: a bad key is 401, an unknown stream 400, else the message's id. */
function answer(r: Received) {
  if (r.method !== 'POST' || r.path !== '/api/v1/messages') return { status: 404, json: { result: 'error', msg: 'Not Found', code: 'BAD_REQUEST' } };
  const auth = Buffer.from(String(r.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
  if (auth !== `ci-bot@acme.zulipchat.com:${KEY}`) return { status: 401, json: { result: 'error', msg: 'Invalid API key', code: 'INVALID_API_KEY' } };
  const f = new URLSearchParams(r.body);
  if (f.get('to') !== 'builds') return { status: 400, json: { result: 'error', msg: `Stream '${f.get('to')}' does not exist`, code: 'STREAM_NOT_FOUND' } };
  return { json: { result: 'success', msg: '', id: 42 } };
}

async function run(jenkinsfile: string, env: Record<string, string> = {}) {
  zulip ??= await startService(answer);
  const dir = tempDir('zulip');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  return runKiln(['run', '--job', 'team/shop', '--credentials', 'creds.json'], {
    cwd: dir,
    env: { KILN_ZULIP_URL: zulip.url, KILN_ZULIP_EMAIL: 'ci-bot@acme.zulipchat.com', KILN_ZULIP_CREDENTIAL: 'zulip-key', KILN_ZULIP_STREAM: 'builds', KILN_ZULIP_TOPIC: '', ...env },
  });
}

test('zulipSend posts a stream message with the bot key; variables expanded; topic defaults to the job name', async () => {
  const r = await run(`
pipeline {
  agent none
  environment { RELEASE = '1.2' }
  stages {
    stage('notify') {
      steps {
        zulipSend message: 'Build #\${BUILD_NUMBER} of $RELEASE passed & is :check: ($NOT_SET)'
        zulipSend message: 'second', stream: 'builds', topic: 'rel-\${RELEASE}'
      }
    }
  }
}`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(zulip.received.length, 2);
  const [a, b] = zulip.received.map((x) => ({ type: x.headers['content-type'], form: Object.fromEntries(new URLSearchParams(x.body)) }));
  assert.equal(a!.type, 'application/x-www-form-urlencoded');
  assert.deepEqual(a!.form, { type: 'stream', to: 'builds', topic: 'shop', content: 'Build #1 of 1.2 passed & is :check: ($NOT_SET)' });
  assert.deepEqual(b!.form, { type: 'stream', to: 'builds', topic: 'rel-1.2', content: 'second' });
  assert.doesNotMatch(r.stdout, /zulipSend: Zulip refused/);
  assert.ok(!r.stdout.includes(KEY));
});

test("zulipSend: Zulip's refusal (unknown stream, bad key) is printed and the build goes on, as in Jenkins", async () => {
  const before = zulip?.received.length ?? 0;
  const stream = await run(`node { zulipSend message: 'x', stream: 'nope'; echo 'after' }`);
  assert.equal(stream.code, 0, stream.stdout + stream.stderr);
  assert.match(stream.stdout, /^zulipSend: Zulip refused the message: HTTP 400: Stream 'nope' does not exist$/m);
  assert.match(stream.stdout, /^after$/m);
  const key = await run(`node { zulipSend message: 'x' }`, { KILN_ZULIP_CREDENTIAL: 'web-user' });
  assert.equal(key.code, 0);
  assert.match(key.stdout, /^zulipSend: Zulip refused the message: the credential 'web-user' is a usernamePassword: the API key must be a secret text$/m);
  assert.equal(zulip.received.length, before + 1);
  const none = await run(`node { zulipSend message: 'x' }`, { KILN_ZULIP_CREDENTIAL: '' });
  assert.equal(none.code, 0);
  assert.match(none.stdout, /^zulipSend: Zulip is not configured: the message is not sent \(kiln run reads KILN_SLACK_\*, KILN_ZULIP_\*/m);
});

test('zulipSend without a message is a lint error naming the parameter', async () => {
  const dir = tempDir('zulip-lint');
  writeFileSync(path.join(dir, 'Jenkinsfile'), "node { zulipSend stream: 'builds' }\n");
  const r = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /^Jenkinsfile:1:8: Missing required parameter: "message"$/m);
});
