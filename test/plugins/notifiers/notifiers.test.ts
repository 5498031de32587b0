// mattermostSend, discordSend, office365ConnectorSend and bitbucketStatusNotify through `kiln run`
// (the real CLI) against real HTTP servers in this process that answer as each service documents:
// a Mattermost incoming webhook (200 "ok", 4xx {"message": ...}), a Discord webhook (204, 400
// {"message", "code"}, 429 {"retry_after"}), a Microsoft Teams incoming webhook (200 "1", 4xx
// text, 429 with Retry-After), Bitbucket Cloud (the OAuth client-credentials token endpoint and
// POST .../commit/{sha}/statuses/build, errors {"type":"error","error":{"message"}}).
// What a user sees: the requests the service received, the console lines, the build's result;
// and that no webhook token reaches the console.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { startService, type Received, type TestService } from '../http-services/service-helper.ts';
import { artifactsField, changesField } from '../../../src/plugins/discord/runtime.ts';

const services: TestService[] = [];
after(async () => { for (const s of services) await s.close(); });

async function service(handler: (r: Received) => ReturnType<Parameters<typeof startService>[0]>): Promise<TestService> {
  const s = await startService(handler);
  services.push(s);
  return s;
}

async function run(jenkinsfile: string, creds: Record<string, unknown>, env: Record<string, string> = {}) {
  const dir = tempDir('notifiers');
  writeFileSync(path.join(dir, 'Jenkinsfile'), jenkinsfile);
  writeFileSync(path.join(dir, 'creds.json'), JSON.stringify(creds));
  return runKiln(['run', '--job', 'team/shop', '--credentials', 'creds.json'], { cwd: dir, env });
}

// ---------- Mattermost ----------

const MM_KEY = 'mmhookkey0123456789abcdef';

function mattermost(r: Received) {
  if (r.method !== 'POST' || r.path !== `/hooks/${MM_KEY}`) return { status: 400, json: { id: 'web.incoming_webhook.invalid.app_error', message: 'Invalid webhook.', status_code: 400 } };
  const j = r.json as { channel?: string } | null;
  if (j?.channel === 'locked') return { status: 403, json: { id: 'api.context.permissions.app_error', message: 'Incoming webhooks may not post to this channel.', status_code: 403 } };
  return { text: 'ok' };
}

test("mattermostSend posts the plugin's payload to the host's webhook (a credential), per channel; no key on the console", async () => {
  const mm = await service(mattermost);
  const r = await run(`
pipeline {
  agent none
  stages { stage('n') { steps {
    mattermostSend color: 'good', message: 'Build passed', text: 'CI', channel: 'town-square; deploybot@releases'
    mattermostSend 'defaults only'
  } } }
}`, { 'mm-hook': { type: 'secretText', secret: `${mm.url}/hooks/${MM_KEY}` } }, { KILN_MATTERMOST_CREDENTIAL: 'mm-hook', KILN_MATTERMOST_CHANNEL: 'builds', KILN_MATTERMOST_ICON: 'https://example.com/i.png' });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Mattermost Send Pipeline step configured values from global config - connector: true, icon: true, channel: false, color: false$/m);
  assert.match(r.stdout, /^Mattermost Send Pipeline step configured values from global config - connector: true, icon: true, channel: true, color: true$/m);
  assert.equal(mm.received.length, 3);
  for (const x of mm.received) assert.match(String(x.headers['content-type']), /^application\/json/);
  assert.deepEqual(mm.received[0]!.json, {
    text: 'CI', channel: 'town-square', username: 'jenkins', icon_url: 'https://example.com/i.png',
    attachments: [{ fallback: 'Build passed', color: 'good', fields: [{ short: false, value: 'Build passed' }], mrkdwn_in: ['pretext', 'text', 'fields'] }],
  });
  assert.equal((mm.received[1]!.json as { channel: string; username: string }).channel, 'releases');
  assert.equal((mm.received[1]!.json as { username: string }).username, 'deploybot');
  assert.equal((mm.received[2]!.json as { channel: string }).channel, 'builds');
  assert.doesNotMatch(r.stdout, /ERROR/);
  assert.ok(!r.stdout.includes(MM_KEY) && !r.stderr.includes(MM_KEY));
});

test("mattermostSend: Mattermost's refusal is printed, the build goes on; failOnError fails the step; a step's own endpoint on the server's network is refused", async () => {
  const mm = await service(mattermost);
  const creds = { 'mm-hook': { type: 'secretText', secret: `${mm.url}/hooks/${MM_KEY}` }, 'mm-bad': { type: 'secretText', secret: `${mm.url}/hooks/wrongkey42` } };
  const env = { KILN_MATTERMOST_CREDENTIAL: 'mm-hook' };
  const soft = await run(`node { mattermostSend message: 'x', channel: 'locked'; echo 'after' }`, creds, env);
  assert.equal(soft.code, 0, soft.stdout + soft.stderr);
  assert.match(soft.stdout, /^Mattermost: HTTP 403 for channel locked: Incoming webhooks may not post to this channel\.$/m);
  assert.match(soft.stdout, /^ERROR: Mattermost notification failed\. See the console above for details\.$/m);
  assert.match(soft.stdout, /^after$/m);
  const hard = await run(`node { mattermostSend message: 'x', channel: 'locked', failOnError: true; echo 'after' }`, creds, env);
  assert.notEqual(hard.code, 0);
  assert.match(hard.stdout, /Mattermost notification failed\. See the console above for details\./);
  assert.doesNotMatch(hard.stdout, /^after$/m);
  assert.match(hard.stdout, /Finished: FAILURE/);
  const wrong = await run(`node { mattermostSend message: 'x' }`, creds, { KILN_MATTERMOST_CREDENTIAL: 'mm-bad' });
  assert.match(wrong.stdout, /^Mattermost: HTTP 400 for channel \(default\): Invalid webhook\.$/m);
  assert.ok(!wrong.stdout.includes('wrongkey42'));
  const before = mm.received.length;
  const guarded = await run(`node { withCredentials([string(credentialsId: 'mm-hook', variable: 'HOOK')]) { mattermostSend message: 'x', endpoint: HOOK } }`, creds, { KILN_HTTP_REQUEST_PRIVATE: 'false' });
  assert.equal(guarded.code, 0, guarded.stdout);
  assert.match(guarded.stdout, /^Mattermost: the webhook's host is 127\.0\.0\.1, an address of the Kiln server's own network/m);
  assert.equal(mm.received.length, before);
  const none = await run(`node { mattermostSend message: 'x' }`, {});
  assert.match(none.stdout, /^Mattermost: no endpoint: give endpoint: or have an administrator configure Mattermost \(kiln run reads/m);
});

// ---------- Discord ----------

const DC_TOKEN = 'dcTokenAbCdEf0123456789';

function discord(r: Received) {
  if (r.method !== 'POST' || r.path !== `/api/webhooks/1234/${DC_TOKEN}`) return { status: 401, json: { message: 'Invalid Webhook Token', code: 50027 } };
  const j = r.json as { embeds?: { title?: string }[] } | null;
  if (j?.embeds?.[0]?.title === 'flood') return { status: 429, json: { message: 'You are being rate limited.', retry_after: 1.5, global: false } };
  if (!j?.embeds?.length) return { status: 400, json: { message: 'Cannot send an empty message', code: 50006 } };
  return { status: 204 };
}

test("discordSend posts the plugin's embed (colour by result, fields, author) and cuts over-long parts with its warning", async () => {
  const dc = await service(discord);
  const long = 'T'.repeat(300);
  const r = await run(`
node {
  withCredentials([string(credentialsId: 'dc-hook', variable: 'HOOK')]) {
    discordSend webhookURL: HOOK, title: '${long}', description: 'Deployed', link: 'https://ci.example/job/shop/1/', result: 'FAILURE', footer: 'f', thumbnail: 'https://example.com/t.png', notes: 'hey', customUsername: 'Kiln CI'
    discordSend webhookURL: HOOK, title: 'plain', successful: true
    discordSend webhookURL: HOOK, title: 'u', successful: true, unstable: true
    discordSend webhookURL: HOOK, title: 'r'
    discordSend webhookURL: HOOK, title: 'a', result: 'ABORTED'
  }
  echo 'after'
}`, { 'dc-hook': { type: 'secretText', secret: `${dc.url}/api/webhooks/1234/${DC_TOKEN}` } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Sending notification to Discord\.$/m);
  assert.match(r.stdout, /^Warning: 'title' field has more than 256 characters \(300\)\. It will be truncated\.$/m);
  assert.equal(dc.received.length, 5);
  const first = dc.received[0]!.json as { content: string; username: string; avatar_url: string; embeds: Record<string, unknown>[] };
  assert.equal(first.content, 'hey');
  assert.equal(first.username, 'Kiln CI');
  const e = first.embeds[0]!;
  assert.equal(e.title, 'T'.repeat(256));
  assert.equal(e.url, 'https://ci.example/job/shop/1/');
  assert.equal(e.description, 'Deployed');
  assert.equal(e.color, 11278871);
  assert.deepEqual(e.footer, { text: 'f' });
  assert.deepEqual(e.thumbnail, { url: 'https://example.com/t.png' });
  assert.deepEqual(e.author, { name: 'Kiln CI', icon_url: 'https://get.jenkins.io/art/jenkins-logo/1024x1024/headshot.png' });
  assert.deepEqual(e.fields, [
    { name: 'Build', value: '[1](https://ci.example/job/shop/1/)', inline: true },
    { name: 'Status', value: '[success](https://ci.example/job/shop/1/)', inline: true },
  ]);
  const colors = dc.received.map((x) => (x.json as { embeds: { color: number }[] }).embeds[0]!.color);
  assert.deepEqual(colors, [11278871, 1681177, 16776970, 11278871, 13487565]);
  assert.match(r.stdout, /^after$/m);
  assert.ok(!r.stdout.includes(DC_TOKEN));
});

test('discordSend showChangeset / enableArtifactsList: the Changes and Artifacts fields as the plugin writes them', async () => {
  const dc = await service(discord);
  const r = await run(`
node {
  writeFile file: 'out/app 1.jar', text: 'jar'
  writeFile file: 'out/notes.txt', text: 'n'
  archiveArtifacts 'out/**'
  discordSend webhookURL: '${dc.url}/api/webhooks/1234/${DC_TOKEN}', title: 'x', showChangeset: true, enableArtifactsList: true
  discordSend webhookURL: '${dc.url}/api/webhooks/1234/${DC_TOKEN}', title: 'y', showChangeset: false
}`, {});
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const fields = (i: number) => (dc.received[i]!.json as { embeds: { fields: { name: string; value: string; inline: boolean }[] }[] }).embeds[0]!.fields;
  assert.deepEqual(fields(0).slice(2), [
    { name: 'Changes', value: '*No changes.*', inline: false },
    // `kiln run` has no controller URL: the links are relative to where the artifacts would be served.
    { name: 'Artifacts', value: [
      '- [app 1.jar](api/v1/jobs/team%2Fshop/builds/1/artifacts/out/app%201.jar)',
      '- [notes.txt](api/v1/jobs/team%2Fshop/builds/1/artifacts/out/notes.txt)',
    ].join('\n'), inline: false },
  ]);
  assert.equal(fields(1).length, 2, 'neither field unless asked');
});

test('discordSend: the Changes field: a line per commit, the first line of its message escaped, linked with scmWebUrl, cut to 1024 characters', () => {
  const entry = (i: number, msg: string) => ({ commitId: `${i}`.padStart(40, 'a'), parentCommit: null, author: 'Ann', authorEmail: 'a@x', timestamp: 0, msg, paths: [] });
  const set = { kind: 'git' as const, remotes: [], branch: 'origin/main', from: null, to: 'x', entries: [entry(1, 'Fix *bold* _it_\nsecond line'), entry(2, 'Two')] };
  assert.equal(changesField([set] as never, null), '- `aaaaaa` *Fix \\*bold\\* \\_it\\_ - Ann*\n- `aaaaaa` *Two - Ann*');
  assert.equal(changesField([set] as never, 'https://git.example/c/%s').split('\n')[1], `- [\`aaaaaa\`](https://git.example/c/${'2'.padStart(40, 'a')}) *Two - Ann*`);
  assert.equal(changesField([set] as never, 'https://git.example/no-placeholder').split('\n')[1], '- `aaaaaa` *Two - Ann*', 'no %s: no links');
  assert.equal(changesField([], null), '*No changes.*');
  const many = { ...set, entries: Array.from({ length: 100 }, (_, i) => entry(i, 'a commit message of some length')) };
  const cut = changesField([many] as never, null);
  assert.ok(cut.length <= 1024 && cut.split('\n').length < 100, `${cut.length}`);
  assert.equal(artifactsField(Array.from({ length: 100 }, (_, i) => `dir/file-${i}.bin`), 'https://k/a/'), 'https://k/a/', 'too many: the URL only');
});

test("discordSend: Discord's error answers (bad token, rate limit) are printed and the build goes on; no token on the console", async () => {
  const dc = await service(discord);
  const r = await run(`
node {
  discordSend webhookURL: '${dc.url}/api/webhooks/1234/${DC_TOKEN}', title: 'flood'
  discordSend webhookURL: '${dc.url}/api/webhooks/1234/wrongTok999', title: 'x'
  discordSend webhookURL: 'not a url', title: 'x'
  echo 'after'
}`, {});
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^Discord: HTTP 429: You are being rate limited\., retry after 1\.5 s$/m);
  assert.match(r.stdout, /^Discord: HTTP 401: Invalid Webhook Token \(code 50027\)$/m);
  assert.match(r.stdout, /^Discord: the webhook URL is not a URL$/m);
  assert.match(r.stdout, /^after$/m);
  assert.ok(!r.stdout.includes('wrongTok999'));
  const huge = await service(() => ({ status: 400, text: 'x'.repeat(2 * 1024 * 1024) }));
  const big = await run(`node { discordSend webhookURL: '${huge.url}/api/webhooks/1/tok', title: 'x'; echo 'after' }`, {});
  assert.equal(big.code, 0, big.stdout + big.stderr);
  assert.match(big.stdout, /^Discord: the webhook's answer is larger than 64 KiB$/m);
  assert.match(big.stdout, /^after$/m);
  const guarded = await run(`node { discordSend webhookURL: '${dc.url}/api/webhooks/1234/${DC_TOKEN}', title: 'x' }`, {}, { KILN_HTTP_REQUEST_PRIVATE: 'false' });
  assert.match(guarded.stdout, /^Discord: the webhook's host is 127\.0\.0\.1, an address of the Kiln server's own network/m);
  assert.equal(dc.received.length, 2);
});

// ---------- Office 365 / Teams ----------

const TEAMS_PATH = '/webhookb2/abc@def/IncomingWebhook/secret0123/ghi';

test('office365ConnectorSend posts a MessageCard (message, status, colour, facts) and an Adaptive Card; the URL from a credential', async () => {
  const teams = await service((r) => (r.path === TEAMS_PATH ? { text: '1' } : { status: 404, text: 'Not found' }));
  const r = await run(`
pipeline {
  agent none
  environment { TARGET = 'staging' }
  stages { stage('n') { steps {
    office365ConnectorSend credentialsId: 'teams', message: 'Deployed to **staging**', status: 'Success', color: '00FF00', factDefinitions: [[name: 'Target', template: '\${TARGET}'], [name: 'Empty', template: '']]
    office365ConnectorSend credentialsId: 'teams', status: 'started'
    office365ConnectorSend credentialsId: 'teams'
    office365ConnectorSend credentialsId: 'teams', message: 'adaptive', adaptiveCards: true
  } } }
}`, { teams: { type: 'secretText', secret: `${teams.url}${TEAMS_PATH}` } });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(teams.received.length, 4);
  assert.deepEqual(teams.received[0]!.json, {
    '@type': 'MessageCard', '@context': 'https://schema.org/extensions',
    summary: 'team » shop: Build #1 Status', themeColor: '00FF00',
    sections: [{ markdown: true, activityTitle: 'Message from team » shop, Build #1', activitySubtitle: 'Deployed to **staging**', facts: [{ name: 'Status', value: 'Success' }, { name: 'Target', value: 'staging' }] }],
  });
  const started = teams.received[1]!.json as { summary: string; sections: { facts: unknown[] }[] };
  assert.equal(started.summary, 'team » shop: Build #1 Started');
  assert.deepEqual(started.sections[0]!.facts, [{ name: 'Status', value: 'Build Started' }]);
  const done = teams.received[2]!.json as { summary: string; sections: { facts: unknown[] }[] };
  assert.equal(done.summary, 'team » shop: Build #1 Success');
  assert.deepEqual(done.sections[0]!.facts, [{ name: 'Status', value: 'Build Success' }]);
  const ad = teams.received[3]!.json as { type: string; attachments: { contentType: string; content: { type: string; body: { type: string; text?: string }[] } }[] };
  assert.equal(ad.type, 'message');
  assert.equal(ad.attachments[0]!.contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(ad.attachments[0]!.content.type, 'AdaptiveCard');
  assert.ok(ad.attachments[0]!.content.body.some((b) => b.type === 'TextBlock' && b.text === 'adaptive'));
  assert.ok(ad.attachments[0]!.content.body.some((b) => b.type === 'FactSet'));
  assert.doesNotMatch(r.stdout, /Office365connector/);
});

test("office365ConnectorSend: a refusal is printed and tried 3 times as the plugin does; a 429's Retry-After is waited and the retry succeeds; never the URL", async () => {
  let calls = 0;
  const teams = await service((r) => {
    if (r.path === '/bad/secret0123') return { status: 400, text: 'Summary or Text is required.' };
    calls++;
    return calls === 1 ? { status: 429, text: 'Microsoft Teams endpoint returned HTTP error 429', headers: { 'Retry-After': '1' } } : { text: '1' };
  });
  const r = await run(`node {
  office365ConnectorSend webhookUrl: '${teams.url}/bad/secret0123', message: 'x'
  office365ConnectorSend webhookUrl: '${teams.url}/ok/secret0123', message: 'y'
  echo 'after'
}`, {});
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const refused = r.stdout.split('\n').filter((l) => l === '[Office365connector] Posting data to the webhook may have failed. Webhook responded with status code - 400');
  assert.equal(refused.length, 3);
  assert.match(r.stdout, /^\[Office365connector\] Message from webhook - Summary or Text is required\.$/m);
  assert.match(r.stdout, /^\[Office365connector\] Posting data to the webhook may have failed\. Webhook responded with status code - 429$/m);
  assert.equal(teams.received.filter((x) => x.path === '/bad/secret0123').length, 3);
  assert.equal(teams.received.filter((x) => x.path === '/ok/secret0123').length, 2);
  assert.match(r.stdout, /^after$/m);
  assert.ok(!r.stdout.includes('secret0123'));
});

// ---------- Bitbucket ----------

const BB_KEY = 'consumerKey42';
const BB_SECRET = 'consumerSecret-xyz';
const BB_TOKEN = 'bbAccessToken-abcdef';
const SHA = '0123456789abcdef0123456789abcdef01234567';

function bitbucket(r: Received) {
  if (r.path === '/site/oauth2/access_token') {
    const basic = Buffer.from(String(r.headers.authorization ?? '').replace(/^Basic /, ''), 'base64').toString();
    if (new URLSearchParams(r.body).get('grant_type') !== 'client_credentials') return { status: 400, json: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' } };
    if (basic !== `${BB_KEY}:${BB_SECRET}`) return { status: 400, json: { error: 'invalid_client', error_description: 'Invalid OAuth client credentials' } };
    return { json: { access_token: BB_TOKEN, scopes: 'repository', expires_in: 7200, refresh_token: 'r', token_type: 'bearer' } };
  }
  const m = /^\/2\.0\/repositories\/([^/]+)\/([^/]+)\/commit\/([0-9a-f]+)\/statuses\/build$/.exec(r.path);
  if (!m || r.method !== 'POST') return { status: 404, json: { type: 'error', error: { message: 'Resource not found' } } };
  if (r.headers.authorization !== `Bearer ${BB_TOKEN}`) return { status: 401, json: { type: 'error', error: { message: 'Access token expired.' } } };
  if (m[2] !== 'shop') return { status: 404, json: { type: 'error', error: { message: `Repository ${m[1]}/${m[2]} not found` } } };
  const j = r.json as { state?: string } | null;
  if (!['INPROGRESS', 'SUCCESSFUL', 'FAILED', 'STOPPED'].includes(j?.state ?? '')) return { status: 400, json: { type: 'error', error: { message: 'state: Invalid state', fields: { state: ['Invalid state'] } } } };
  return { status: 201, json: { type: 'build', ...j } };
}

test('bitbucketStatusNotify gets an OAuth token with the consumer and posts the commit status of the checkout (GIT_URL, GIT_COMMIT)', async () => {
  const bb = await service(bitbucket);
  const r = await run(`
pipeline {
  agent none
  environment { GIT_URL = 'git@bitbucket.org:acme/shop.git'; GIT_COMMIT = '${SHA}' }
  stages { stage('n') { steps {
    bitbucketStatusNotify(buildState: 'INPROGRESS')
    bitbucketStatusNotify buildState: 'SUCCESSFUL', buildKey: 'unit', buildName: 'Unit tests', buildDescription: '12 of 12 tests passed'
  } } }
}`, { 'bb-oauth': { type: 'usernamePassword', username: BB_KEY, password: BB_SECRET } }, { KILN_BITBUCKET_CREDENTIAL: 'bb-oauth', KILN_BITBUCKET_API_URL: `${bb.url}/2.0/`, KILN_BITBUCKET_OAUTH_URL: `${bb.url}/site/oauth2/access_token` });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const statuses = bb.received.filter((x) => x.path.includes('/statuses/'));
  assert.equal(statuses.length, 2);
  assert.equal(statuses[0]!.path, `/2.0/repositories/acme/shop/commit/${SHA}/statuses/build`);
  assert.deepEqual(statuses[0]!.json, { state: 'INPROGRESS', key: createHash('md5').update('team/shop#1').digest('hex'), name: 'team/shop #1' });
  assert.deepEqual(statuses[1]!.json, { state: 'SUCCESSFUL', key: 'unit', name: 'Unit tests', description: '12 of 12 tests passed' });
  assert.match(r.stdout, new RegExp(`^Sending build status INPROGRESS for commit ${SHA} to BitBucket is done!$`, 'm'));
  assert.match(r.stdout, new RegExp(`^Sending build status SUCCESSFUL for commit ${SHA} to BitBucket is done!$`, 'm'));
  assert.ok(!r.stdout.includes(BB_SECRET) && !r.stdout.includes(BB_TOKEN));
});

test("bitbucketStatusNotify: Bitbucket's refusal is printed and the build goes on; bad credentials and no checkout fail the step; another host sends nothing", async () => {
  const bb = await service(bitbucket);
  const env = { KILN_BITBUCKET_CREDENTIAL: 'bb-oauth', KILN_BITBUCKET_API_URL: `${bb.url}/2.0/`, KILN_BITBUCKET_OAUTH_URL: `${bb.url}/site/oauth2/access_token` };
  const creds = { 'bb-oauth': { type: 'usernamePassword', username: BB_KEY, password: BB_SECRET }, 'bb-wrong': { type: 'usernamePassword', username: BB_KEY, password: 'nope' }, 'a-text': { type: 'secretText', secret: 's' } };
  const scm = `environment { GIT_URL = 'https://bitbucket.org/acme/shop.git'; GIT_COMMIT = '${SHA}' }`;
  const refused = await run(`pipeline { agent none; ${scm}
  stages { stage('n') { steps { bitbucketStatusNotify buildState: 'DONE'; bitbucketStatusNotify buildState: 'FAILED', repoSlug: 'other', commitId: '${SHA}'; echo 'after' } } } }`.replace('agent none;', 'agent none\n'), creds, env);
  assert.equal(refused.code, 0, refused.stdout + refused.stderr);
  assert.match(refused.stdout, new RegExp(`^Bitbucket refused the build status DONE for commit ${SHA}: HTTP 400: state: Invalid state \\{"state":\\["Invalid state"\\]\\}$`, 'm'));
  assert.match(refused.stdout, new RegExp(`^Bitbucket refused the build status FAILED for commit ${SHA}: HTTP 404: Repository acme/other not found$`, 'm'));
  assert.match(refused.stdout, /^after$/m);
  const wrong = await run(`pipeline { agent none\n ${scm}\n stages { stage('n') { steps { bitbucketStatusNotify buildState: 'FAILED', credentialsId: 'bb-wrong' } } } }`, creds, env);
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stdout, /bitbucketStatusNotify: Bitbucket gave no access token for the OAuth consumer 'bb-wrong': HTTP 400: invalid_client \(Invalid OAuth client credentials\)/);
  const kind = await run(`pipeline { agent none\n ${scm}\n stages { stage('n') { steps { bitbucketStatusNotify buildState: 'FAILED', credentialsId: 'a-text' } } } }`, creds, env);
  assert.notEqual(kind.code, 0);
  assert.match(kind.stdout, /Credentials could not be found! \('a-text' is a secretText: Bitbucket needs a username\/password credential/);
  const noScm = await run(`node { bitbucketStatusNotify buildState: 'FAILED' }`, creds, env);
  assert.notEqual(noScm.code, 0);
  assert.match(noScm.stdout, /Bitbucket build notifier only works with SCM: GIT_URL is not set/);
  const before = bb.received.length;
  const other = await run(`pipeline { agent none\n environment { GIT_URL = 'https://github.com/acme/shop.git'; GIT_COMMIT = '${SHA}' }\n stages { stage('n') { steps { bitbucketStatusNotify buildState: 'FAILED' } } } }`, creds, env);
  assert.equal(other.code, 0, other.stdout);
  assert.match(other.stdout, /^Bitbucket build notifier: the repository 'https:\/\/github\.com\/acme\/shop\.git' is not on bitbucket\.org: no status is sent$/m);
  assert.equal(bb.received.length, before);
});

test('the four steps are listed by kiln lint --list-steps under their Jenkins plugins; a missing required parameter is a lint error', async () => {
  const list = await runKiln(['lint', '--list-steps']);
  assert.equal(list.code, 0, list.stderr);
  const expected: [string, string][] = [['mattermostSend', 'Mattermost Notification'], ['discordSend', 'Discord Notifier'], ['office365ConnectorSend', 'Office 365 Connector'], ['bitbucketStatusNotify', 'Bitbucket Build Status Notifier']];
  for (const [step, plugin] of expected) {
    assert.ok(list.stdout.includes(step), step);
    assert.ok(list.stdout.includes(plugin), plugin);
  }
  const dir = tempDir('notifiers-lint');
  writeFileSync(path.join(dir, 'Jenkinsfile'), "node {\n  discordSend title: 'x'\n  bitbucketStatusNotify buildKey: 'k'\n  properties([office365ConnectorWebhooks([[name: 'teams', url: 'https://x.example/h']])])\n}\n");
  const r = await runKiln(['lint', 'Jenkinsfile'], { cwd: dir });
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout + r.stderr, /^Jenkinsfile:2:3: Missing required parameter: "webhookURL"$/m);
  assert.match(r.stdout + r.stderr, /^Jenkinsfile:3:3: Missing required parameter: "buildState"$/m);
  // The job property is provided now (test/plugins/office365/webhooks.test.ts): no error at its line.
  assert.doesNotMatch(r.stdout + r.stderr, /^Jenkinsfile:4:/m);
});
