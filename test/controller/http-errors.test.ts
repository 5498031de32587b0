// The error catalogue (src/controller/http-errors.ts): each code has one status, the typed
// constructors keep it so, and every source of failure — schema validation, auth, triggers,
// the store, Fastify's own (no route, 413, 415), webhooks, Node's HTTP parser, the UI's files,
// an artifact's Range — answers `{ error: { code, message } }` with the catalogue's status for
// the code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { ApiError, ERRORS, isErrorCode, toApiError, type CodeWithStatus, type ErrorCode } from '../../src/controller/http-errors.ts';
import { AuthError } from '../../src/controller/auth/service.ts';
import { TriggerError } from '../../src/controller/builds.ts';
import { StoreError, type StoreErrorCode } from '../../src/store/types.ts';
import { tempDir } from '../helpers/tmp.ts';
import { ADMIN_AUTH, finishedBuild, rawApi, testConfig, type ApiAnswer } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = rawApi(() => c.url);

before(async () => {
  c = await startController(testConfig({ home: path.join(tempDir('http-errors'), 'home'), port: '0', executors: '1' }), { log: () => {} });
});
after(async () => { await c?.close(); });

/** The answer is exactly `{ error: { code, message } }` (a 400 may add `field` or `fields`), with `code` and the catalogue's status for it. */
function isError(r: ApiAnswer, code: ErrorCode, message?: RegExp): void {
  assert.equal(r.status, ERRORS[code].status, r.text);
  assert.deepEqual(Object.keys(r.json ?? {}), ['error'], r.text);
  const keys = Object.keys(r.json.error).sort();
  assert.deepEqual(keys.filter((k) => k !== 'field' && k !== 'fields'), ['code', 'message'], r.text);
  if (keys.length > 2) assert.equal(r.status, 400, r.text);
  assert.equal(r.json.error.code, code, r.text);
  assert.equal(typeof r.json.error.message, 'string');
  assert.ok(r.json.error.message.length > 0);
  if (message) assert.match(r.json.error.message, message);
}

test('the catalogue: every code is kebab-case with one 4xx/5xx status and a meaning; ApiError takes its status from it', () => {
  const codes = Object.keys(ERRORS) as ErrorCode[];
  // Every code the API answered before the catalogue is still there.
  for (const old of ['invalid', 'invalid-jenkinsfile', 'bad-request', 'unauthorized', 'setup-required', 'session-expired', 'unauthenticated', 'forbidden', 'csrf', 'not-found', 'conflict', 'too-large', 'unsupported-media-type', 'bad-range', 'rate-limited', 'internal', 'unavailable']) {
    assert.ok(isErrorCode(old), `${old} is missing from the catalogue`);
  }
  for (const code of codes) {
    const { status, meaning } = ERRORS[code];
    assert.match(code, /^[a-z]+(-[a-z]+)*$/);
    assert.ok(Number.isInteger(status) && status >= 400 && status < 600, `${code}: ${status}`);
    assert.ok(meaning.length > 10, code);
    const e = new ApiError(code, 'm');
    assert.deepEqual([e.code, e.status, e.message], [code, status, 'm']);
    assert.equal(toApiError(e), e);
  }
  assert.equal(isErrorCode('toString'), false);
  assert.equal(isErrorCode('teapot'), false);
  // Each store error code is a catalogue code, answered with its status.
  const storeCodes: StoreErrorCode[] = ['conflict', 'not-found', 'invalid', 'unavailable'];
  for (const code of storeCodes) {
    const e = toApiError(new StoreError(code, 'x'));
    assert.deepEqual([e.code, e.status, e.message], [code, ERRORS[code].status, 'x']);
  }
  // Auth and trigger errors are catalogue errors.
  const locked = new AuthError(429, 'rate-limited', 'wait', 30);
  assert.deepEqual([locked.status, locked.code, locked.headers], [429, 'rate-limited', { 'retry-after': '30' }]);
  assert.deepEqual(new AuthError(401, 'unauthorized', 'x').headers, { 'www-authenticate': 'Bearer realm="kiln"' });
  assert.deepEqual([new TriggerError(404, 'x').code, new TriggerError(409, 'x').code, new TriggerError(400, 'x').code], ['not-found', 'conflict', 'invalid']);
  // Library errors by their status; anything else is internal.
  assert.equal(toApiError(Object.assign(new Error('body/name must be string'), { validation: [{}], statusCode: 400 })).code, 'invalid');
  assert.equal(toApiError(Object.assign(new Error('x'), { statusCode: 415, code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })).code, 'unsupported-media-type');
  assert.equal(toApiError(Object.assign(new Error('x'), { statusCode: 414 })).code, 'uri-too-long');
  assert.equal(toApiError(Object.assign(new Error('x'), { statusCode: 418 })).code, 'invalid');
  assert.deepEqual([toApiError(new Error('boom')).code, toApiError(new Error('boom')).message], ['internal', 'internal error: boom']);
  assert.equal(toApiError('a string').code, 'internal');
  assert.equal(toApiError(null).code, 'internal');
});

test('the constructors cannot invent a code or pair one with another status (checked by tsc)', () => {
  // @ts-expect-error: not a catalogue code
  assert.throws(() => new ApiError('teapot', 'x'));
  // @ts-expect-error: 'unauthorized' is 401
  void new AuthError(400, 'unauthorized', 'x');
  // @ts-expect-error: TriggerError answers 400, 404 or 409 only
  void new TriggerError(500, 'x');
  const pair: CodeWithStatus = [409, 'conflict'];
  assert.equal(ERRORS[pair[1]].status, pair[0]);
});

test('each source of failure answers { error: { code, message } } with the catalogue status', async () => {
  // Schema validation: 'invalid', naming the field.
  isError(await api('POST', 'api/v1/jobs', { name: '../x', script: 'pipeline {}' }), 'invalid', /body\/name must match pattern/);
  isError(await api('POST', 'api/v1/jobs', { script: 'pipeline {}' }), 'invalid', /name/);
  isError(await api('GET', 'api/v1/audit?limit=0'), 'invalid', /querystring\/limit/);
  // The Jenkinsfile.
  isError(await api('POST', 'api/v1/jobs', { name: 'broken', script: 'pipeline {' }), 'invalid-jenkinsfile', /Jenkinsfile:1:/);
  // Auth.
  const anon = await fetch(new URL('api/v1/jobs', c.url));
  isError({ status: anon.status, text: '', json: await anon.json() }, 'setup-required');
  assert.equal(anon.headers.get('www-authenticate'), 'Bearer realm="kiln"');
  isError(await api('GET', 'api/v1/jobs', undefined, { authorization: 'Bearer nope' }), 'unauthorized');
  isError(await api('GET', 'api/v1/me/tokens'), 'invalid', /admin token belongs to no user/);
  // The store.
  isError(await api('GET', 'api/v1/users/nobody'), 'not-found', /no user named 'nobody'/);
  const job = { name: 'errs', script: "pipeline { agent any; parameters { string(name: 'P', defaultValue: 'a') }; stages { stage('A') { steps { echo 'hi' } } } }" };
  assert.equal((await api('POST', 'api/v1/jobs', job)).status, 201);
  isError(await api('POST', 'api/v1/jobs', job), 'conflict');
  // Triggers (TriggerError: no job, a disabled job).
  isError(await api('POST', 'api/v1/jobs/nojob/builds', {}), 'not-found');
  assert.equal((await api('PUT', 'api/v1/jobs/errs', { disabled: true })).status, 200);
  isError(await api('POST', 'api/v1/jobs/errs/builds', {}), 'conflict', /disabled/);
  // Routes and Fastify's own refusals.
  isError(await api('GET', 'api/v1/nothing-here'), 'not-found', /no such route: GET \/api\/v1\/nothing-here/);
  isError(await api('DELETE', 'api/v1/health'), 'not-found');
  isError(await api('POST', 'api/v1/lint', { script: 'x'.repeat(13 * 1024 * 1024) }), 'too-large', /larger than \d+ bytes/);
  const junk = await fetch(new URL('api/v1/jobs', c.url), { method: 'POST', headers: { authorization: ADMIN_AUTH.authorization, 'content-type': 'application/x-thing' }, body: 'x' });
  isError({ status: junk.status, text: '', json: await junk.json() }, 'unsupported-media-type');
  const badJson = await fetch(new URL('api/v1/jobs', c.url), { method: 'POST', headers: { authorization: ADMIN_AUTH.authorization, 'content-type': 'application/json' }, body: '{' });
  isError({ status: badJson.status, text: '', json: await badJson.json() }, 'invalid');
  // Webhooks (their own scope).
  const hook = await fetch(new URL('api/v1/webhooks/generic', c.url), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
  const hookBody = await hook.json() as { error: { code: ErrorCode } };
  isError({ status: hook.status, text: '', json: hookBody }, hookBody.error.code);
  // A build that does not exist.
  isError(await api('GET', 'api/v1/jobs/errs/builds/1/console'), 'not-found', /has no build #1/);
  // The UI's files: a missing asset.
  isError(await api('GET', 'assets/app-0000.js'), 'not-found', /no such file: \/assets\/app-0000\.js/);
});

test("an artifact's Range past its end is a catalogue answer, with the artifact's size", async () => {
  const job = { name: 'arts', script: "pipeline { agent any; stages { stage('A') { steps { writeFile file: 'a.txt', text: 'abc'; archiveArtifacts 'a.txt' } } } }" };
  assert.equal((await api('POST', 'api/v1/jobs', job)).status, 201);
  const b = await api('POST', 'api/v1/jobs/arts/builds', {});
  await finishedBuild(c.url, 'arts', b.json.number);
  const r = await fetch(new URL(`api/v1/jobs/arts/builds/${b.json.number}/artifacts/a.txt`, c.url), { headers: { ...ADMIN_AUTH, range: 'bytes=10-' } });
  isError({ status: r.status, text: '', json: await r.json() }, 'bad-range', /'a\.txt' has 3 bytes/);
  assert.equal(r.headers.get('content-range'), 'bytes */3');
});

test("Node's HTTP parser's refusals are catalogue answers too", async () => {
  const raw = (req: string) => new Promise<string>((resolve, reject) => {
    const u = new URL(c.url);
    const s = net.connect(Number(u.port), u.hostname, () => s.end(req));
    let out = '';
    s.on('data', (d) => { out += d.toString('latin1'); });
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
  const parse = (answer: string) => ({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(answer)?.[1]), json: JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), text: answer });
  isError(parse(await raw('GET /api/v1/h\u00e9alth HTTP/1.1\r\nHost: x\r\n\r\n')), 'bad-request', /malformed HTTP request/);
  isError(parse(await raw(`GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)), 'headers-too-large');
});

/** The `field` of an error answer (or the fields of `fields`), after checking it is a 400 'invalid'. */
function fieldOf(r: ApiAnswer): string | string[] | undefined {
  assert.equal(r.status, 400, r.text);
  assert.equal(r.json?.error?.code, 'invalid', r.text);
  const e = r.json.error as { field?: string; fields?: { field: string; message: string }[] };
  return e.fields ? e.fields.map((f) => f.field) : e.field;
}

test('a 400 names the request field it is about as data (error.field), from the schema, the store and the route checks', async () => {
  // Schema validation (Ajv): the instancePath, the missing property, a querystring's name.
  assert.equal(fieldOf(await api('POST', 'api/v1/jobs', { name: '../x', script: 'pipeline {}' })), 'name');
  assert.equal(fieldOf(await api('POST', 'api/v1/jobs', { script: 'pipeline {}' })), 'name');
  assert.equal(fieldOf(await api('POST', 'api/v1/jobs', { name: 'fx', git: { url: '' } })), 'git.url');
  assert.equal(fieldOf(await api('POST', 'api/v1/jobs', { name: 'fx', git: { branch: 'main' } })), 'git.url');
  assert.equal(fieldOf(await api('GET', 'api/v1/audit?limit=0')), 'limit');
  // The message is unchanged (the CLI and older clients read it).
  assert.match((await api('POST', 'api/v1/jobs', { name: 'fx', git: { url: '' } })).json.error.message, /^body\/git\/url must NOT have fewer than 1 characters/);
  // The store's checks (src/store/validate.ts): an SSH launcher with an empty host.
  const store = await api('POST', 'api/v1/agents', { name: 'fx-agent', launcher: { type: 'ssh', host: ' ', port: 22, credentialsId: 'c' } });
  assert.equal(fieldOf(store), 'launcher.host');
  assert.match(store.json.error.message, /launcher\.host must not be empty/);
  // A route's own checks: the repository URL, a global variable's name.
  const url = await api('POST', 'api/v1/jobs', { name: 'fx', git: { url: '-uhelp' } });
  assert.equal(fieldOf(url), 'git.url');
  assert.match(url.json.error.message, /^git\.url: /);
  assert.equal(fieldOf(await api('PUT', 'api/v1/settings/global-env', { variables: { KILN_HOME: 'x' } })), 'variables.KILN_HOME');
  // A user's password: the field, never the value.
  const pw = await api('POST', 'api/v1/users', { name: 'fxuser', role: 'viewer', password: 'sh0rtPw' });
  assert.equal(fieldOf(pw), 'password');
  assert.doesNotMatch(pw.text, /sh0rtPw/);
  // A credential's checks: the field, never the secret.
  const key = await api('POST', 'api/v1/credentials', { id: 'fx-key', type: 'sshKey', username: 'git', privateKey: 'not-a-key-S3CRETVALUE' });
  assert.equal(fieldOf(key), 'privateKey');
  assert.doesNotMatch(key.text, /S3CRETVALUE/);
  // Errors about no one field carry none.
  const both = await api('POST', 'api/v1/jobs', { name: 'fx', script: 'pipeline {}', git: { url: 'https://example.com/r.git' } });
  assert.equal(both.status, 400, both.text);
  assert.equal(both.json.error.field, undefined);
  assert.equal(both.json.error.fields, undefined);
  assert.equal((await api('GET', 'api/v1/users/nobody')).json.error.field, undefined);
});

test('toApiError takes the fields from Ajv errors and a StoreError; several become `fields`', () => {
  const one = toApiError(Object.assign(new Error('body/parameters/0/name must be string'), { statusCode: 400, validation: [{ instancePath: '/parameters/0/name', message: 'must be string', params: {} }] }));
  assert.deepEqual(one.fields, [{ field: 'parameters.0.name', message: 'must be string' }]);
  const two = toApiError(Object.assign(new Error('x'), { statusCode: 400, validation: [
    { instancePath: '', message: "must have required property 'name'", params: { missingProperty: 'name' } },
    { instancePath: '/git', message: "must have required property 'url'", params: { missingProperty: 'url' } },
  ] }));
  assert.deepEqual(two.fields.map((f) => f.field), ['name', 'git.url']);
  assert.equal(toApiError(new StoreError('invalid', 'parameters[1].name must not be empty', { field: 'parameters.1.name' })).fields[0]?.field, 'parameters.1.name');
});
