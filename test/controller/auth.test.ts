// Nobody in without logging in: the first-start setup with the initial admin password, login
// sessions with CSRF protection, API tokens, the configured admin token, login rate limiting,
// the roles checked on every route, security headers, a closed CORS, the audit log.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { ACCESS } from '../../src/controller/auth/policy.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, testConfig, TEST_ADMIN_TOKEN, finishedBuild, consoleText, type ApiAnswer } from '../helpers/controller.ts';

let c: ControllerHandle;
let home: string;
const logLines: string[] = [];
const api = rawApi(() => c.url);
const none = { authorization: '' };
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

before(async () => {
  home = path.join(tempDir('auth'), 'home');
  c = await startController(testConfig({ home, port: '0', executors: '1' }), { log: (l) => logLines.push(l) });
});
after(async () => { await c?.close(); });

/** Logs in; returns the cookie and CSRF token, and a client that sends them (like a browser would, with the header its page adds). */
async function login(username: string, password: string) {
  const res = await fetch(new URL('api/v1/auth/login', c.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  assert.equal(res.status, 200, await res.clone().text());
  const setCookie = res.headers.get('set-cookie')!;
  const cookie = setCookie.split(';')[0]!;
  const { csrfToken } = await res.json() as { csrfToken: string };
  const as = (extra: Record<string, string> = {}) => (method: string, p: string, body?: unknown) => api(method, p, body, { ...none, cookie, ...extra });
  return { setCookie, cookie, csrf: csrfToken, browser: as({ 'x-kiln-csrf': csrfToken }), noCsrf: as() };
}

test('first start: locked until the initial admin password creates the first admin; the password file is 0600 and goes away', async () => {
  const file = path.join(home, 'secrets', 'initialAdminPassword');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const initial = readFileSync(file, 'utf8').trim();
  assert.match(initial, /^[0-9a-f]{32}$/);
  assert.ok(logLines.some((l) => l.includes(`unlock it with the initial admin password in ${file}`)), logLines.join('\n'));

  // Public: health, readiness, setup state, login. Everything else: 401 saying how to unlock.
  assert.equal((await api('GET', 'api/v1/health', undefined, none)).status, 200);
  assert.deepEqual((await api('GET', 'api/v1/setup', undefined, none)).json, { needed: true, passwordFile: file });
  const locked = await api('GET', 'api/v1/jobs', undefined, none);
  assert.equal(locked.status, 401);
  assert.equal(locked.json.error.code, 'setup-required');
  assert.match(locked.json.error.message, new RegExp(`unlock it with the initial admin password in ${file}`));

  const wrong = await api('POST', 'api/v1/setup', { initialPassword: 'guess', username: 'root', password: 'long enough pw' }, none);
  assert.equal(wrong.status, 401);
  assert.match(wrong.json.error.message, /wrong initial admin password: copy it from .*initialAdminPassword/);
  const weak = await api('POST', 'api/v1/setup', { initialPassword: initial, username: 'root', password: 'short' }, none);
  assert.equal(weak.status, 400);
  assert.match(weak.json.error.message, /at least 8 characters/);

  const ok = await fetch(new URL('api/v1/setup', c.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ initialPassword: `${initial}\n`, username: 'root', password: 'root-password-1' }) });
  assert.equal(ok.status, 201);
  const body = await ok.json() as { user: { name: string; role: string }; csrfToken: string };
  assert.deepEqual([body.user.name, body.user.role], ['root', 'admin']);
  // The attributes, in whatever order @fastify/cookie writes them.
  const [pair, ...attrs] = ok.headers.get('set-cookie')!.split('; ');
  assert.match(pair!, /^kiln_session=[\w-]{43}$/);
  assert.deepEqual(attrs.sort(), ['HttpOnly', 'Max-Age=604800', 'Path=/', 'SameSite=Strict']);
  assert.equal(existsSync(file), false);
  assert.equal((await api('POST', 'api/v1/setup', { initialPassword: initial, username: 'x', password: 'another-pw-2' }, none)).status, 409);
  assert.deepEqual((await api('GET', 'api/v1/setup', undefined, none)).json, { needed: false });
  const afterSetup = await api('GET', 'api/v1/jobs', undefined, none);
  assert.equal(afterSetup.status, 401);
  assert.match(afterSetup.json.error.message, /log in first: send an API token as 'Authorization: Bearer <token>', or log in at http/);
});

test('sessions: login, CSRF on changes, a foreign Origin refused, logout ends the session', async () => {
  const s = await login('root', 'root-password-1');
  const me = await s.browser('GET', 'api/v1/me');
  assert.equal(me.status, 200);
  assert.deepEqual([me.json.user.name, me.json.user.role, me.json.via, me.json.csrfToken], ['root', 'admin', 'session', s.csrf]);
  assert.equal(me.json.user.passwordHash, undefined);

  const job = { name: 'by-cookie', script: "pipeline { agent any; stages { stage('A') { steps { echo 'hi' } } } }" };
  const noCsrf = await s.noCsrf('POST', 'api/v1/jobs', job);
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.json.error.code, 'csrf');
  const badCsrf = await api('POST', 'api/v1/jobs', job, { ...none, cookie: s.cookie, 'x-kiln-csrf': 'x'.repeat(32) });
  assert.equal(badCsrf.status, 403);
  const foreign = await api('POST', 'api/v1/jobs', job, { ...none, cookie: s.cookie, 'x-kiln-csrf': s.csrf, origin: 'https://evil.example' });
  assert.equal(foreign.status, 403);
  assert.match(foreign.json.error.message, /cross-site request refused: Origin https:\/\/evil\.example is not this controller/);
  assert.equal((await api('GET', 'api/v1/jobs/by-cookie', undefined, none)).status, 401);
  const created = await api('POST', 'api/v1/jobs', job, { ...none, cookie: s.cookie, 'x-kiln-csrf': s.csrf, origin: new URL(c.url).origin });
  assert.equal(created.status, 201, created.text);
  // Reads need no CSRF token.
  assert.equal((await s.noCsrf('GET', 'api/v1/jobs/by-cookie')).status, 200);

  assert.equal((await s.browser('POST', 'api/v1/auth/logout')).status, 204);
  const after = await s.noCsrf('GET', 'api/v1/jobs');
  assert.equal(after.status, 401);
  assert.equal(after.json.error.code, 'session-expired');
  // The login page works with a stale cookie.
  assert.equal((await api('POST', 'api/v1/auth/login', { username: 'root', password: 'root-password-1' }, { ...none, cookie: s.cookie })).status, 200);
});

test('login: a wrong password and an unknown user get the same answer; 5 failures lock that user out from that address only', async () => {
  assert.equal((await api('POST', 'api/v1/users', { name: 'victim', role: 'viewer', password: 'victim-password' })).status, 201);
  assert.equal((await api('POST', 'api/v1/users', { name: 'bystander', role: 'viewer', password: 'bystander-pw' })).status, 201);
  const unknown = await api('POST', 'api/v1/auth/login', { username: 'nobody', password: 'x' }, none);
  assert.equal(unknown.status, 401);
  for (let i = 0; i < 5; i++) {
    const r = await api('POST', 'api/v1/auth/login', { username: 'victim', password: `guess-${i}` }, none);
    assert.equal(r.status, 401);
    assert.equal(r.json.error.message, unknown.json.error.message);
  }
  // Now even the right password is refused for a while, with Retry-After.
  const res = await fetch(new URL('api/v1/auth/login', c.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'victim', password: 'victim-password' }) });
  assert.equal(res.status, 429);
  assert.ok(Number(res.headers.get('retry-after')) > 0);
  assert.match((await res.json() as { error: { message: string } }).error.message, /too many failed logins for 'victim' from this address: try again in \d+ s/);
  // Another user from the same address is not locked out.
  await login('bystander', 'bystander-pw');
  const failed = (await api('GET', 'api/v1/audit?action=login-failed')).json.entries as { actor: string; address: string; detail: string }[];
  assert.equal(failed.filter((e) => e.actor === 'victim').length, 5);
  assert.ok(failed.every((e) => e.address !== ''));
});

test('API tokens: shown once, stored hashed, work as Bearer and Basic user:token, die when revoked or when the user is disabled', async () => {
  assert.equal((await api('POST', 'api/v1/users', { name: 'carol', role: 'developer', password: 'carol-password' })).status, 201);
  const s = await login('carol', 'carol-password');
  const made = await s.browser('POST', 'api/v1/me/tokens', { name: 'laptop', expiresInDays: 30 });
  assert.equal(made.status, 201);
  const token = made.json.token as string;
  assert.match(token, /^kiln_[\w-]{43}$/);
  const listed = await s.browser('GET', 'api/v1/me/tokens');
  assert.deepEqual(listed.json.tokens.map((t: { name: string }) => t.name), ['laptop']);
  assert.equal(JSON.stringify(listed.json).includes(token), false);
  assert.equal((await s.browser('POST', 'api/v1/me/tokens', { name: 'laptop' })).status, 409);

  const me = await api('GET', 'api/v1/me', undefined, bearer(token));
  assert.deepEqual([me.json.user.name, me.json.via], ['carol', 'token']);
  const basic = await api('GET', 'api/v1/me', undefined, { authorization: `Basic ${Buffer.from(`carol:${token}`).toString('base64')}` });
  assert.equal(basic.json.user.name, 'carol');
  const basicWrongUser = await api('GET', 'api/v1/me', undefined, { authorization: `Basic ${Buffer.from(`root:${token}`).toString('base64')}` });
  assert.equal(basicWrongUser.status, 401);
  const basicPassword = await api('GET', 'api/v1/me', undefined, { authorization: `Basic ${Buffer.from('carol:carol-password').toString('base64')}` });
  assert.equal(basicPassword.status, 401);
  assert.match(basicPassword.json.error.message, /Basic authentication takes an API token, not a password/);
  // Token requests are not exposed to CSRF: no header needed.
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'by-token', script: 'pipeline { agent any; stages { stage(\'A\') { steps { echo \'x\' } } } }' }, bearer(token))).status, 201);

  // Nothing secret in the database: not the token, not the password, not the session cookie.
  const db = readFileSync(path.join(home, 'kiln.db'));
  const wal = existsSync(path.join(home, 'kiln.db-wal')) ? readFileSync(path.join(home, 'kiln.db-wal')) : Buffer.alloc(0);
  for (const secret of [token, 'carol-password', s.cookie.split('=')[1]!]) {
    assert.equal(db.includes(secret) || wal.includes(secret), false, `found a secret at rest: ${secret.slice(0, 8)}…`);
  }

  // Disabled: the token stops working, the session ends.
  assert.equal((await api('PUT', 'api/v1/users/carol', { disabled: true })).status, 200);
  assert.equal((await api('GET', 'api/v1/me', undefined, bearer(token))).status, 403);
  assert.equal((await s.noCsrf('GET', 'api/v1/me')).status, 401);
  assert.equal((await api('PUT', 'api/v1/users/carol', { disabled: false })).status, 200);
  assert.equal((await api('GET', 'api/v1/me', undefined, bearer(token))).status, 200);
  // Revoked: gone for good.
  assert.equal((await api('DELETE', `api/v1/users/carol/tokens/${made.json.id}`)).status, 204);
  const revoked = await api('GET', 'api/v1/me', undefined, bearer(token));
  assert.equal(revoked.status, 401);
  assert.match(revoked.json.error.message, /unknown or revoked API token/);
  assert.equal((await api('GET', 'api/v1/me', undefined, bearer('not-a-token'))).status, 401);
  assert.match((await api('GET', 'api/v1/me', undefined, { authorization: 'Digest x' })).json.error.message, /unsupported Authorization scheme 'Digest'/);
});

test('password change: needs the current password, ends the other sessions, keeps this one', async () => {
  assert.equal((await api('POST', 'api/v1/users', { name: 'dave', role: 'viewer', password: 'dave-password' })).status, 201);
  const a = await login('dave', 'dave-password');
  const b = await login('dave', 'dave-password');
  const wrong = await a.browser('PUT', 'api/v1/me/password', { currentPassword: 'nope', newPassword: 'dave-password-2' });
  assert.equal(wrong.status, 403);
  assert.match(wrong.json.error.message, /currentPassword: wrong password/);
  assert.equal((await a.browser('PUT', 'api/v1/me/password', { currentPassword: 'dave-password', newPassword: 'dave-password-2' })).status, 204);
  assert.equal((await a.browser('GET', 'api/v1/me')).status, 200);
  assert.equal((await b.browser('GET', 'api/v1/me')).status, 401);
  await login('dave', 'dave-password-2');
});

test('the last admin cannot be demoted, disabled or deleted', async () => {
  const r = await api('PUT', 'api/v1/users/root', { role: 'viewer' });
  assert.equal(r.status, 409);
  assert.match(r.json.error.message, /'root' is the last admin: make another user admin first/);
  assert.equal((await api('PUT', 'api/v1/users/root', { disabled: true })).status, 409);
  assert.equal((await api('DELETE', 'api/v1/users/root')).status, 409);
  assert.equal((await api('POST', 'api/v1/users', { name: 'root', role: 'viewer', password: 'whatever-pw' })).status, 409);
  assert.equal((await api('POST', 'api/v1/users', { name: 'eve', role: 'superuser', password: 'whatever-pw' })).status, 400);
});

test('every route × every role: the policy as a user meets it', async () => {
  // What each role may do, written out here on purpose: a change to auth/policy.ts must be
  // matched by a deliberate change to this table. P public, V viewer, D developer, A admin.
  const EXPECTED: Record<string, 'P' | 'V' | 'D' | 'A'> = {
    'GET /': 'P', 'GET /*': 'P', 'GET /api/v1/health': 'P', 'GET /api/v1/ready': 'P', 'GET /api/v1/openapi.json': 'P', 'GET /api/v1/setup': 'P', 'POST /api/v1/setup': 'P', 'POST /api/v1/auth/login': 'P',
    'POST /api/v1/webhooks/generic': 'P', 'POST /generic-webhook-trigger/invoke': 'P', 'GET /generic-webhook-trigger/invoke': 'P', 'POST /api/v1/webhooks/github': 'P', 'POST /api/v1/webhooks/gitlab': 'P', 'GET /api/v1/agent/bundle.tgz': 'P',
    'GET /metrics': 'V', 'GET /api/v1/events': 'V', 'POST /api/v1/lint': 'V', 'POST /api/v1/auth/logout': 'V', 'GET /api/v1/me': 'V', 'PUT /api/v1/me/password': 'V',
    'GET /api/v1/me/tokens': 'V', 'POST /api/v1/me/tokens': 'V', 'DELETE /api/v1/me/tokens/:id': 'V',
    'GET /api/v1/jobs': 'V', 'POST /api/v1/jobs': 'D', 'GET /api/v1/jobs/:job': 'V', 'PUT /api/v1/jobs/:job': 'D', 'DELETE /api/v1/jobs/:job': 'D',
    'POST /api/v1/jobs/:job/builds': 'D', 'GET /api/v1/jobs/:job/builds': 'V', 'GET /api/v1/jobs/:job/builds/:number': 'V',
    'POST /api/v1/jobs/:job/builds/:number/abort': 'D', 'POST /api/v1/jobs/:job/builds/:number/replay': 'D', 'GET /api/v1/jobs/:job/builds/:number/libraries': 'D',
    'GET /api/v1/jobs/:job/builds/:number/restart': 'V', 'POST /api/v1/jobs/:job/builds/:number/restart': 'D',
    'GET /api/v1/jobs/:job/builds/:number/stages': 'V', 'GET /api/v1/jobs/:job/builds/:number/console': 'V',
    'GET /api/v1/jobs/:job/builds/:number/console/stream': 'V', 'GET /api/v1/jobs/:job/builds/:number/console/sections': 'V', 'GET /api/v1/jobs/:job/builds/:number/console/times': 'V',
    'GET /api/v1/jobs/:job/trend': 'V', 'GET /api/v1/jobs/:job/parameters/:name/values': 'D', 'GET /api/v1/jobs/:job/parameters/:name/choices': 'D', 'GET /api/v1/jobs/:job/builds/:number/tests/history': 'V', 'GET /api/v1/jobs/:job/builds/:number/issues': 'V', 'GET /api/v1/jobs/:job/builds/:number/inputs': 'V',
    'POST /api/v1/jobs/:job/builds/:number/inputs/:id': 'D', 'GET /api/v1/jobs/:job/builds/:number/inputs/:id/parameters/:name/choices': 'D', 'GET /api/v1/jobs/:job/builds/:number/artifacts': 'V',
    'GET /api/v1/jobs/:job/builds/:number/artifacts/*': 'V', 'GET /api/v1/jobs/:job/builds/:number/tests': 'V', 'GET /api/v1/jobs/:job/builds/:number/changes': 'V', 'GET /api/v1/jobs/:job/builds/:number/console/newlines': 'V',
    'GET /api/v1/jobs/:job/webhook': 'A',
    'GET /api/v1/queue': 'V', 'DELETE /api/v1/queue/:id': 'D',
    'GET /api/v1/agents': 'V', 'POST /api/v1/agents': 'A', 'GET /api/v1/agents/:name': 'V', 'PUT /api/v1/agents/:name': 'A',
    'DELETE /api/v1/agents/:name': 'A', 'GET /api/v1/agents/:name/log': 'V', 'GET /api/v1/agents/:name/install': 'V',
    'GET /api/v1/credentials': 'D', 'POST /api/v1/credentials': 'A', 'GET /api/v1/credentials/:id': 'D', 'PUT /api/v1/credentials/:id': 'A',
    'DELETE /api/v1/credentials/:id': 'A',
    'GET /api/v1/settings/mail': 'A', 'PUT /api/v1/settings/mail': 'A', 'POST /api/v1/settings/mail/test': 'A',
    'GET /api/v1/settings/http-services': 'A', 'PUT /api/v1/settings/http-services': 'A', 'GET /api/v1/settings/throttle-categories': 'A', 'PUT /api/v1/settings/throttle-categories': 'A', 'GET /api/v1/settings/global-env': 'A', 'PUT /api/v1/settings/global-env': 'A', 'GET /api/v1/settings/publish-over-ssh': 'A', 'PUT /api/v1/settings/publish-over-ssh': 'A', 'GET /api/v1/jobs/:job/builds/:number/coverage': 'V', 'GET /api/v1/jobs/:job/builds/:number/fingerprints': 'V', 'GET /api/v1/fingerprints/:md5': 'V', 'GET /api/v1/jobs/:job/builds/:number/performance': 'V', 'GET /api/v1/jobs/:job/plots': 'V', 'GET /api/v1/jobs/:job/builds/:number/benchmark': 'V', 'GET /api/v1/jobs/:job/builds/:number/html-reports': 'V',
    'GET /api/v1/jobs/:job/builds/:number/html-reports/:report/*': 'V', 'GET /api/v1/config-files': 'A', 'GET /api/v1/config-files/:id': 'A', 'PUT /api/v1/config-files/:id': 'A', 'DELETE /api/v1/config-files/:id': 'A',
    'GET /api/v1/lockable-resources': 'V', 'GET /api/v1/lockable-resources/:name': 'V', 'PUT /api/v1/lockable-resources/:name': 'A', 'DELETE /api/v1/lockable-resources/:name': 'A',
    'GET /api/v1/clouds': 'A', 'GET /api/v1/clouds/:name': 'A', 'PUT /api/v1/clouds/:name': 'A', 'DELETE /api/v1/clouds/:name': 'A',
    'POST /api/v1/clouds/:name/test': 'A', 'POST /api/v1/clouds/test': 'A',
    'GET /api/v1/users': 'A', 'POST /api/v1/users': 'A', 'GET /api/v1/users/:name': 'A', 'PUT /api/v1/users/:name': 'A',
    'DELETE /api/v1/users/:name': 'A', 'GET /api/v1/users/:name/tokens': 'A', 'POST /api/v1/users/:name/tokens': 'A',
    'DELETE /api/v1/users/:name/tokens/:id': 'A', 'POST /api/v1/users/:name/unlock': 'A', 'GET /api/v1/audit': 'A',
    'GET /api/v1/folders': 'A', 'GET /api/v1/folders/:folder': 'A', 'PUT /api/v1/folders/:folder': 'A', 'DELETE /api/v1/folders/:folder': 'A',
    'GET /api/v1/folders/:folder/properties': 'A', 'PUT /api/v1/folders/:folder/properties': 'A', 'DELETE /api/v1/folders/:folder/properties': 'A',
    'GET /api/v1/libraries': 'V', 'GET /api/v1/libraries/:name': 'V', 'PUT /api/v1/libraries/:name': 'A', 'DELETE /api/v1/libraries/:name': 'A', 'POST /api/v1/libraries/:name/test': 'A',
    'GET /api/v1/folders/:folder/libraries': 'V', 'GET /api/v1/folders/:folder/libraries/:name': 'V', 'PUT /api/v1/folders/:folder/libraries/:name': 'A',
    'DELETE /api/v1/folders/:folder/libraries/:name': 'A', 'POST /api/v1/folders/:folder/libraries/:name/test': 'A',
  };
  // Every route the controller registers has a rule (it refuses to start otherwise), and every rule is expected here.
  assert.deepEqual(Object.keys(ACCESS).sort(), Object.keys(EXPECTED).sort());

  const tokens: Record<string, string> = {};
  for (const role of ['viewer', 'developer', 'admin'] as const) {
    assert.equal((await api('POST', 'api/v1/users', { name: `walk-${role}`, role, password: `walk-${role}-pw` })).status, 201);
    tokens[role] = (await api('POST', `api/v1/users/walk-${role}/tokens`, { name: 'walk' })).json.token;
  }
  const rank = { P: 0, V: 1, D: 2, A: 3 } as const;
  const callers = [['anonymous', 0, none], ['viewer', 1, bearer(tokens.viewer!)], ['developer', 2, bearer(tokens.developer!)], ['admin', 3, bearer(tokens.admin!)]] as const;
  // Parameters name things that do not exist: an allowed call then ends in 404/400/409, never 401/403.
  const fill = (route: string) => route.replace(':job', 'no-such-job').replace(':folder', 'no-such-folder').replace(':number', '1').replace(':name', 'no-such-name').replace(':id', 'no-such-id').replace('*', 'x.txt');
  const problems: string[] = [];
  for (const [key, need] of Object.entries(EXPECTED)) {
    const [method, route] = key.split(' ') as [string, string];
    if (route === '/api/v1/auth/logout') continue; // would end nothing here; covered by the session test
    if (route === '/api/v1/events') continue; // a stream that does not end: covered by its own test
    for (const [who, r, auth] of callers) {
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const res: ApiAnswer = await api(method, fill(route).replace(/^\//, ''), body, { ...auth });
      // The check's own answers (a handler's 401, like a failed login, is not a denial).
      const message = res.json?.error?.message ?? '';
      const denied = (res.status === 401 && /^(log in first|Kiln is not set up yet)/.test(message)) || (res.status === 403 && /needs the \w+ role/.test(message));
      const allowed = r >= rank[need];
      if (allowed === denied) problems.push(`${key} as ${who}: ${res.status} ${res.text.slice(0, 120)}`);
      if (denied && r > 0 && res.status !== 403) problems.push(`${key} as ${who}: a logged-in caller without the role gets 403, got ${res.status}`);
    }
  }
  assert.deepEqual(problems, []);
  // Unknown routes: 401 before login (nothing to learn), 404 after.
  assert.equal((await api('GET', 'api/v1/nothing-here', undefined, none)).status, 401);
  assert.equal((await api('GET', 'api/v1/nothing-here')).status, 404);
});

test('every job route × folder rights: where a folder has grants, a developer needs the right there (and above it); viewers never; admins always', async () => {
  // What each job route needs in the job's folder, written out here on purpose (as the role
  // table above). The jobs named do not exist: an allowed call ends in 400/404, never 403.
  const ROUTES: { what: string; method: string; path: string; body?: unknown; needs: string[] }[] = [
    { what: 'create', method: 'POST', path: 'api/v1/jobs', body: { name: 'walled/sub/new' }, needs: ['job.create'] },
    { what: 'configure', method: 'PUT', path: 'api/v1/jobs/walled%2Fnope', body: { description: 'x' }, needs: ['job.configure'] },
    { what: 'rename in the folder', method: 'PUT', path: 'api/v1/jobs/walled%2Fnope', body: { name: 'walled/nope2' }, needs: ['job.configure'] },
    { what: 'move in', method: 'PUT', path: 'api/v1/jobs/open%2Fnope', body: { name: 'walled/nope' }, needs: ['job.create'] },
    { what: 'move into a subfolder', method: 'PUT', path: 'api/v1/jobs/nope', body: { name: 'walled/sub/nope' }, needs: ['job.create'] },
    { what: 'move out', method: 'PUT', path: 'api/v1/jobs/walled%2Fnope', body: { name: 'open/nope' }, needs: ['job.configure', 'job.delete'] },
    { what: 'delete', method: 'DELETE', path: 'api/v1/jobs/walled%2Fsub%2Fnope', needs: ['job.delete'] },
    { what: 'build', method: 'POST', path: 'api/v1/jobs/walled%2Fnope/builds', body: {}, needs: ['job.build'] },
    { what: 'abort', method: 'POST', path: 'api/v1/jobs/walled%2Fnope/builds/1/abort', needs: ['job.build'] },
    { what: 'replay', method: 'POST', path: 'api/v1/jobs/walled%2Fnope/builds/1/replay', body: {}, needs: ['job.build'] },
    { what: 'replay a changed script', method: 'POST', path: 'api/v1/jobs/walled%2Fnope/builds/1/replay', body: { script: 'x' }, needs: ['job.build', 'job.configure'] },
    { what: 'restart from a stage', method: 'POST', path: 'api/v1/jobs/walled%2Fnope/builds/1/restart', body: { stage: 'S' }, needs: ['job.build'] },
    { what: 'answer an input', method: 'POST', path: 'api/v1/jobs/walled%2Fnope/builds/1/inputs/x', body: { action: 'approve' }, needs: ['job.build'] },
  ];
  const RIGHTS = ['job.create', 'job.configure', 'job.build', 'job.delete', 'credentials.use'];
  const user = async (name: string, role: string) => {
    assert.equal((await api('POST', 'api/v1/users', { name, role, password: `${name}-password` })).status, 201);
    return bearer((await api('POST', `api/v1/users/${name}/tokens`, { name: 'walk' })).json.token as string);
  };
  const callers: { who: string; auth: Record<string, string>; rights: string[] | 'all' | 'none' }[] = [
    { who: 'viewer', auth: await user('fw-viewer', 'viewer'), rights: 'none' },
    { who: 'developer without a grant', auth: await user('fw-dev', 'developer'), rights: [] },
    { who: 'admin', auth: await user('fw-admin', 'admin'), rights: 'all' },
    { who: 'the configured admin token', auth: {}, rights: 'all' },
  ];
  const grants: { grantee: string; rights: string[] }[] = [];
  for (const r of RIGHTS) {
    const name = `fw-${r.replace('.', '-')}`;
    callers.push({ who: `developer granted ${r}`, auth: await user(name, 'developer'), rights: [r] });
    grants.push({ grantee: `user:${name}`, rights: [r] });
  }
  callers.push({ who: 'developer granted every right', auth: await user('fw-every', 'developer'), rights: RIGHTS });
  grants.push({ grantee: 'user:fw-every', rights: RIGHTS });
  // A viewer is never granted anything.
  const toViewer = await api('PUT', 'api/v1/folders/walled', { grants: [{ grantee: 'user:fw-viewer', rights: ['job.build'] }] });
  assert.equal(toViewer.status, 400);
  assert.match(toViewer.json.error.message, /'fw-viewer' is a viewer, and viewers never hold folder rights/);
  const set = await api('PUT', 'api/v1/folders/walled', { grants });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.json.guarded, true);

  const problems: string[] = [];
  for (const route of ROUTES) {
    for (const c of callers) {
      const res = await api(route.method, route.path, route.body, c.auth);
      const message: string = res.json?.error?.message ?? '';
      const roleDenied = res.status === 403 && /needs the \w+ role/.test(message);
      const folderDenied = res.status === 403 && /needs the [\w.]+( and [\w.]+)? right in folder 'walled(\/sub)?'/.test(message);
      const allowed = c.rights === 'all' || (c.rights !== 'none' && route.needs.every((n) => (c.rights as string[]).includes(n)));
      const denied = roleDenied || folderDenied;
      if (allowed === denied || (!allowed && res.status !== 403)) problems.push(`${route.what} as ${c.who}: ${res.status} ${res.text.slice(0, 160)}`);
      if (c.rights === 'none' && denied && !roleDenied) problems.push(`${route.what} as ${c.who}: a viewer is refused by role, got ${message}`);
    }
  }
  assert.deepEqual(problems, []);

  // The same routes outside the guarded folder: every developer, as before folders had grants.
  const dev = callers[1]!.auth;
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'open/new' }, dev)).status, 400);
  assert.equal((await api('POST', 'api/v1/jobs/open%2Fnope/builds', {}, dev)).status, 404);
  // Every developer, by role: a grant to role:developer.
  assert.equal((await api('PUT', 'api/v1/folders/walled%2Fsub', { grants: [{ grantee: 'role:developer', rights: ['job.build'] }] })).status, 200);
  assert.equal((await api('POST', 'api/v1/jobs/walled%2Fsub%2Fnope/builds', {}, dev)).status, 404);
  assert.equal((await api('POST', 'api/v1/jobs/walled%2Fnope/builds', {}, dev)).status, 403);
  assert.equal((await api('POST', 'api/v1/jobs', { name: 'walled/sub/new' }, dev)).status, 403);
  // Admins only: `role:developer` with no rights.
  assert.equal((await api('PUT', 'api/v1/folders/locked', { grants: [{ grantee: 'role:developer', rights: [] }] })).status, 200);
  const locked = await api('POST', 'api/v1/jobs', { name: 'locked/x' }, callers.find((c) => c.who === 'developer granted every right')!.auth);
  assert.equal(locked.status, 403);
  assert.match(locked.json.error.message, /^creating job 'locked\/x' needs the job\.create right in folder 'locked', which has permissions set \(on 'locked'\); fw-every holds no right there\. Ask an admin to grant it \(PUT \/api\/v1\/folders\/locked\)$/);
});

test('security headers on every answer; CORS stays closed', async () => {
  const res = await fetch(new URL('api/v1/health', c.url), { headers: { origin: 'https://evil.example' } });
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.equal(res.headers.get('x-frame-options'), 'DENY');
  assert.match(res.headers.get('content-security-policy')!, /default-src 'self'.*frame-ancestors 'none'/);
  assert.equal(res.headers.get('referrer-policy'), 'same-origin');
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  const preflight = await fetch(new URL('api/v1/jobs', c.url), { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' } });
  assert.equal(preflight.headers.get('access-control-allow-origin'), null);
  assert.equal(preflight.headers.get('access-control-allow-methods'), null);
  const login = await fetch(new URL('api/v1/auth/login', c.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  assert.equal(login.headers.get('cache-control'), 'no-store');
  // Request size limits: a body over the limit is refused before it is read.
  const big = await api('POST', 'api/v1/auth/login', { username: 'x', password: 'y'.repeat(13 * 1024 * 1024) }, none);
  assert.equal(big.status, 413);
});

test("an agent's secret (its connect command) is shown to admins only", async () => {
  assert.equal((await api('POST', 'api/v1/agents', { name: 'secretive', labels: ['x'] })).status, 201);
  assert.equal((await api('POST', 'api/v1/users', { name: 'peek', role: 'developer', password: 'peek-password' })).status, 201);
  const t = (await api('POST', 'api/v1/users/peek/tokens', { name: 'x' })).json.token;
  const asAdmin = (await api('GET', 'api/v1/agents/secretive')).json.command as string;
  const secret = /--secret (\S+)/.exec(asAdmin)![1]!;
  assert.match(secret, /^[0-9a-f]{20,}$/);
  for (const p of ['api/v1/agents/secretive', 'api/v1/agents']) {
    const text = (await api('GET', p, undefined, bearer(t))).text;
    assert.equal(text.includes(secret), false, p);
    assert.match(text, /--secret '<secret: admins only>'/);
  }
});

test('the audit log: logins, job, agent and credential changes and a credential bound by a build, with who and when; admins only', async () => {
  const t0 = Date.now();
  assert.equal((await api('POST', 'api/v1/credentials', { id: 'audited', type: 'secretText', secret: 's3cr3t-value' })).status, 201);
  assert.equal((await api('POST', 'api/v1/jobs', {
    name: 'uses-cred',
    script: `pipeline { agent any; stages { stage('A') { steps { withCredentials([string(credentialsId: 'audited', variable: 'S')]) { sh 'echo "got $S"' } } } } }`,
  })).status, 201);
  const b = (await api('POST', 'api/v1/jobs/uses-cred/builds', {})).json;
  assert.equal((await finishedBuild(c.url, 'uses-cred', b.number)).result, 'SUCCESS');
  assert.match(await consoleText(c.url, 'uses-cred', b.number), /got \*\*\*\*/);
  assert.equal((await api('DELETE', 'api/v1/credentials/audited')).status, 204);
  assert.equal((await api('DELETE', 'api/v1/agents/secretive')).status, 204);

  const entries = (await api('GET', 'api/v1/audit?limit=1000')).json.entries as { actor: string; action: string; target: string; at: number }[];
  const find = (action: string, target: string) => entries.find((e) => e.action === action && e.target === target);
  assert.equal(find('credential.create', 'audited')?.actor, 'admin-token');
  assert.equal(find('credential.use', 'audited')?.actor, `uses-cred #${b.number}`);
  assert.equal(find('credential.delete', 'audited')?.actor, 'admin-token');
  assert.equal(find('job.create', 'uses-cred')?.actor, 'admin-token');
  assert.equal(find('agent.delete', 'secretive')?.actor, 'admin-token');
  assert.equal(find('setup', 'root')?.actor, 'root');
  assert.equal(find('login', 'root')?.actor, 'root');
  assert.equal(find('job.create', 'by-cookie')?.actor, 'root');
  assert.equal(find('user.create', 'carol')?.actor, 'admin-token');
  assert.ok(find('credential.use', 'audited')!.at >= t0);
  assert.equal(JSON.stringify(entries).includes('s3cr3t-value'), false);
  // Who started a build is recorded on it.
  const byToken = (await api('POST', 'api/v1/jobs/uses-cred/builds', {}, { authorization: `Bearer ${TEST_ADMIN_TOKEN}` })).json;
  assert.match(byToken.causes[0].description, /configured admin token/);
  await finishedBuild(c.url, 'uses-cred', byToken.number);
});
