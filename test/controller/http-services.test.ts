// The HTTP services settings on a real controller: only admins read and change them, bad values
// are refused by field, tokens stay in credentials; then a build on the controller posts to a
// real HTTP server speaking Slack's Web API with the configured credential, and httpRequest
// from a build is refused the controller's own network unless the admin allows the host.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { consoleText, finishedBuild, rawApi, testConfig } from '../helpers/controller.ts';
import { tempDir } from '../helpers/tmp.ts';
import { startService, type TestService } from '../plugins/http-services/service-helper.ts';

describe('HTTP services on a controller', () => {
  let c: ControllerHandle;
  let slack: TestService;
  let devToken: string;
  const api = rawApi(() => c.url);
  const asDev = (method: string, p: string, body?: unknown) => api(method, p, body, { authorization: `Bearer ${devToken}` });

  before(async () => {
    slack = await startService((r) => (r.headers.authorization === 'Bearer xoxb-ctl-token' ? { json: { ok: true, channel: 'C9', ts: '1.2' } } : { json: { ok: false, error: 'invalid_auth' } }));
    c = await startController(testConfig({ home: path.join(tempDir('http-ctl'), 'home'), port: '0', executors: '1' }));
    assert.equal((await api('POST', '/api/v1/users', { name: 'dave', role: 'developer', password: 'dave-password-long-enough' })).status, 201);
    const t = await api('POST', '/api/v1/users/dave/tokens', { name: 'x' });
    devToken = t.json.token as string;
  });
  after(async () => {
    await c?.close();
    await slack?.close();
  });

  test('admins only; refused values name their field; no secret in the settings', async () => {
    const empty = await api('GET', '/api/v1/settings/http-services');
    assert.equal(empty.status, 200, empty.text);
    assert.deepEqual(empty.json, { slack: null, github: null, gitlab: null, gitlabConnections: [], sonar: [], httpRequest: { allowedHosts: [], allowPrivate: false }, zulip: null, openshiftClusters: [], artifactory: [], nexus: [], mattermost: null, bitbucket: null });
    assert.equal((await asDev('GET', '/api/v1/settings/http-services')).status, 403);
    assert.equal((await asDev('PUT', '/api/v1/settings/http-services', {})).status, 403);
    const bad = async (body: unknown, re: RegExp) => {
      const r = await api('PUT', '/api/v1/settings/http-services', body);
      assert.equal(r.status, 400, r.text);
      assert.match(r.json.error.message, re);
    };
    await bad({ slack: { token: 'xoxb' } }, /^slack\.token: unknown field/);
    await bad({ github: { apiUrl: 'ftp://x', credentialsId: 'g' } }, /^github\.apiUrl: an http or https URL/);
    await bad({ gitlab: { url: 'https://u:p@gitlab.example', credentialsId: 'g' } }, /^gitlab\.url: no user or password in the URL/);
    await bad({ sonar: [{ name: 'a', url: 'https://s' }, { name: 'a', url: 'https://t' }] }, /^sonar\[1\]\.name: 'a' is already the name/);
    await bad({ httpRequest: { allowedHosts: ['bad host'] } }, /^httpRequest\.allowedHosts:/);
    await bad({ zulip: { url: 'https://acme.zulipchat.com', email: 'bot@acme', apiKey: 'k' } }, /^zulip\.apiKey: unknown field/);
    await bad({ zulip: { url: 'https://acme.zulipchat.com', email: 'bot@acme' } }, /^zulip\.apiKeyCredentialId: is required/);
    // Named GitLab connections (gitLabConnection('name')): a name, a URL, a credential by id; no token.
    await bad({ gitlabConnections: [{ name: 'corp', url: 'https://gitlab.corp', credentialsId: 'g', token: 'glpat-x' }] }, /^gitlabConnections\[0\]\.token: unknown field/);
    await bad({ gitlabConnections: [{ name: 'a', url: 'https://g1', credentialsId: 'g' }, { name: 'a', url: 'https://g2', credentialsId: 'g' }] }, /^gitlabConnections\[1\]\.name: 'a' is already the name of another connection/);
    await bad({ gitlabConnections: [{ name: 'a\nb', url: 'https://g1', credentialsId: 'g' }] }, /^gitlabConnections\[0\]\.name: one line/);
    await bad({ gitlabConnections: [{ name: 'a', url: 'https://g1' }] }, /^gitlabConnections\[0\]\.credentialsId: is required/);
    assert.equal((await asDev('PUT', '/api/v1/settings/http-services', { gitlabConnections: [{ name: 'a', url: 'https://g1', credentialsId: 'g' }] })).status, 403);
    const g = await api('PUT', '/api/v1/settings/http-services', { gitlabConnections: [{ name: 'corp', url: 'https://gitlab.corp', credentialsId: 'gl-corp' }] });
    assert.equal(g.status, 200, g.text);
    assert.deepEqual((await api('GET', '/api/v1/settings/http-services')).json.gitlabConnections, [{ name: 'corp', url: 'https://gitlab.corp', credentialsId: 'gl-corp' }]);
    // Artifactory servers (rtUpload(serverId:), Artifactory.server('id')): an id, a URL, a credential by id; no password.
    await bad({ artifactory: [{ id: 'art', url: 'https://a.example/artifactory', password: 'x' }] }, /^artifactory\[0\]\.password: unknown field/);
    await bad({ artifactory: [{ id: 'a b', url: 'https://a.example' }] }, /^artifactory\[0\]\.id: letters, digits/);
    await bad({ artifactory: [{ id: 'a', url: 'https://x:y@a.example' }] }, /^artifactory\[0\]\.url: no user or password in the URL/);
    await bad({ artifactory: [{ id: 'a', url: 'https://a1' }, { id: 'a', url: 'https://a2' }] }, /^artifactory\[1\]\.id: 'a' is already the id of another server/);
    const art = await api('PUT', '/api/v1/settings/http-services', { artifactory: [{ id: 'central', url: 'https://acme.jfrog.io/artifactory', credentialsId: 'art-token' }] });
    assert.equal(art.status, 200, art.text);
    assert.deepEqual((await api('GET', '/api/v1/settings/http-services')).json.artifactory, [{ id: 'central', url: 'https://acme.jfrog.io/artifactory', credentialsId: 'art-token' }]);
    const z = await api('PUT', '/api/v1/settings/http-services', { zulip: { url: 'https://acme.zulipchat.com', email: 'bot@acme', apiKeyCredentialId: 'zk', stream: 'builds' } });
    assert.equal(z.status, 200, z.text);
    assert.deepEqual(z.json.zulip, { url: 'https://acme.zulipchat.com', email: 'bot@acme', apiKeyCredentialId: 'zk', stream: 'builds', topic: '', fullJobPathAsDefaultTopic: false });
    // Mattermost's endpoint and Bitbucket's OAuth consumer are credentials; Bitbucket's URLs default to Bitbucket Cloud's.
    await bad({ mattermost: { endpoint: 'https://mm.example/hooks/k' } }, /^mattermost\.endpoint: unknown field/);
    await bad({ mattermost: { channel: 'x' } }, /^mattermost\.endpointCredentialId: is required/);
    await bad({ bitbucket: { credentialsId: 'b', apiUrl: 'ftp://x' } }, /^bitbucket\.apiUrl: an http or https URL/);
    const mb = await api('PUT', '/api/v1/settings/http-services', { mattermost: { endpointCredentialId: 'mm-hook', channel: 'builds' }, bitbucket: { credentialsId: 'bb-oauth' } });
    assert.equal(mb.status, 200, mb.text);
    assert.deepEqual(mb.json.mattermost, { endpointCredentialId: 'mm-hook', channel: 'builds', icon: '' });
    assert.deepEqual(mb.json.bitbucket, { credentialsId: 'bb-oauth', apiUrl: 'https://api.bitbucket.org/2.0/', oauthUrl: 'https://bitbucket.org/site/oauth2/access_token' });
  });

  test('a build posts to Slack with the configured credential; httpRequest cannot reach the controller network until allowed', async () => {
    assert.equal((await api('POST', '/api/v1/credentials', { id: 'slack-bot', type: 'secretText', secret: 'xoxb-ctl-token' })).status, 201);
    const put = await api('PUT', '/api/v1/settings/http-services', { slack: { baseUrl: `${slack.url}/api/`, tokenCredentialId: 'slack-bot', botUser: true, room: '#builds' } });
    assert.equal(put.status, 200, put.text);
    assert.doesNotMatch(put.text, /xoxb-ctl-token/);
    const script = `def r = slackSend(message: 'from the controller'); echo "ts=\${r.ts}"\nhttpRequest url: '${slack.url}/plain', validResponseCodes: '100:599'`;
    assert.equal((await api('POST', '/api/v1/jobs', { name: 'notify', script })).status, 201);
    assert.equal((await api('POST', '/api/v1/jobs/notify/builds', {})).status, 201);
    const b = await finishedBuild(c.url, 'notify', 1);
    const log = await consoleText(c.url, 'notify', 1);
    assert.equal(b.result, 'FAILURE', log);
    assert.match(log, /^ts=1\.2$/m);
    assert.deepEqual(slack.received[0]!.json, { channel: '#builds', link_names: 1, text: 'from the controller' });
    assert.match(log, /httpRequest: 127\.0\.0\.1 is 127\.0\.0\.1, an address of the Kiln server's own network/);
    assert.equal(slack.received.length, 1);

    const allow = await api('PUT', '/api/v1/settings/http-services', { ...put.json, httpRequest: { allowedHosts: ['127.0.0.1'], allowPrivate: false } });
    assert.equal(allow.status, 200, allow.text);
    assert.equal((await api('POST', '/api/v1/jobs/notify/builds', {})).status, 201);
    const b2 = await finishedBuild(c.url, 'notify', 2);
    assert.equal(b2.result, 'SUCCESS', await consoleText(c.url, 'notify', 2));
    assert.equal(slack.received.at(-1)!.path, '/plain');
  });
});
