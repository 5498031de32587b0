// The HTTP API's OpenAPI document (GET /api/v1/openapi.json) against a running controller: every
// operation it lists is called with realistic data (users, sessions, jobs, builds with stages,
// inputs, artifacts and tests, the queue, agents, credentials, clouds, folders, webhooks), and
// every answer, errors included, must match what the document declares for its status: the
// media type, and for JSON the schema, whose objects are closed, so a field a handler sends
// without declaring it (which a schema-driven serializer would drop) fails here by name.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { ACCESS } from '../../src/controller/auth/policy.ts';
import { useApiContract } from '../../src/controller/openapi.ts';
import { tempDir } from '../helpers/tmp.ts';
import { ADMIN_AUTH, testConfig, consoleUntil, finishedBuild, until } from '../helpers/controller.ts';

interface Operation { operationId: string; tags?: string[]; responses: Record<string, { description: string; content?: Record<string, { schema: unknown }> }>; 'x-kiln-role'?: string; security?: unknown[] }
interface Doc { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> } }

let c: ControllerHandle;
let home: string;
let doc: Doc;
const ops = new Map<string, { method: string; path: string; op: Operation }>();
const called = new Set<string>();
const problems: string[] = [];
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const BASE = 'https://kiln.invalid/openapi.json';
const validators = new Map<string, ValidateFunction>();

before(async () => {
  home = path.join(tempDir('openapi'), 'home');
  c = await startController(testConfig({ home, port: '0', executors: '3' }));
  const res = await fetch(new URL('api/v1/openapi.json', c.url)); // anonymous: the document is public
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  doc = await res.json() as Doc;
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) ops.set(op.operationId, { method: method.toUpperCase(), path: p, op });
  }
  ajv.addSchema({ $id: BASE, components: doc.components });
});
after(async () => {
  await c?.close();
});

/** The validator of an operation's JSON answer for one status (refs point into the document's components). */
function validatorOf(opId: string, key: string, schema: unknown): ValidateFunction {
  const id = `${opId} ${key}`;
  let v = validators.get(id);
  if (!v) {
    const rebased = JSON.parse(JSON.stringify(schema), (k, val: unknown) => (k === '$ref' && typeof val === 'string' && val.startsWith('#/') ? `${BASE}${val}` : val)) as object;
    v = ajv.compile(rebased);
    validators.set(id, v);
  }
  return v;
}

/** Ajv's errors, naming the property (an undeclared one too). */
const schemaErrors = (v: ValidateFunction) => (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('; ');

interface Call {
  params?: Record<string, string | number>;
  query?: string;
  body?: unknown;
  /** A body sent as is (webhooks). */
  raw?: string;
  headers?: Record<string, string>;
  /** The Authorization header; null: none. Default: the test admin token. */
  auth?: string | null;
  /** Read only the head (a stream that does not end). */
  headOnly?: boolean;
}
interface Answer { status: number; json: any; text: string; headers: Headers }

/** Calls an operation of the document and checks its answer against it. */
async function call(opId: string, o: Call = {}): Promise<Answer> {
  const entry = ops.get(opId);
  assert.ok(entry, `the document has no operation ${opId}`);
  called.add(opId);
  const url = entry.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const v = o.params?.[name];
    assert.ok(v !== undefined, `${opId}: no value for {${name}}`);
    return name === 'path' ? String(v) : encodeURIComponent(String(v));
  }) + (o.query ? `?${o.query}` : '');
  const headers: Record<string, string> = { ...(o.auth === undefined ? ADMIN_AUTH : o.auth === null ? {} : { authorization: o.auth }), ...o.headers };
  let body: string | undefined;
  if (o.raw !== undefined) body = o.raw;
  else if (o.body !== undefined) { body = JSON.stringify(o.body); headers['content-type'] ??= 'application/json'; }
  const res = await fetch(new URL(url.replace(/^\//, ''), c.url), { method: entry.method, headers, ...(body !== undefined ? { body } : {}) });
  let text = '';
  if (o.headOnly) await res.body?.cancel();
  else text = await res.text();
  const what = `${entry.method} ${url} (${opId}) → ${res.status}`;
  const declared = entry.op.responses[String(res.status)] ?? entry.op.responses[`${String(res.status)[0]}XX`];
  let json: any = null;
  if (!declared) {
    problems.push(`${what}: the document declares no answer for this status: ${text.slice(0, 300)}`);
  } else if (!declared.content) {
    if (text !== '') problems.push(`${what}: declared without a body, answered ${text.slice(0, 200)}`);
  } else {
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    const media = declared.content[type];
    if (!media) {
      problems.push(`${what}: answered ${type || 'no content type'}, the document declares ${Object.keys(declared.content).join(', ')}`);
    } else if (type === 'application/json') {
      json = JSON.parse(text);
      const key = declared === entry.op.responses[String(res.status)] ? String(res.status) : `${String(res.status)[0]}XX`;
      const v = validatorOf(opId, key, media.schema);
      if (!v(json)) problems.push(`${what}: the answer does not match its schema: ${schemaErrors(v)}\n  ${text.slice(0, 400)}`);
    }
  }
  return { status: res.status, json, text, headers: res.headers };
}

const ok = (a: Answer, status: number) => assert.equal(a.status, status, a.text.slice(0, 500));

test('the document: OpenAPI 3.1, one operation per route with an id, tags and its role, every error the Error schema', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['basic', 'csrf', 'session', 'token']);
  // Every API route of the access table is documented (the UI's own files are not the API).
  const routes = Object.keys(ACCESS).filter((k) => k !== 'GET /' && k !== 'GET /*').sort();
  const documented = [...ops.values()].map((e) => `${e.method} ${e.path.replace(/\{path\}$/, '*').replace(/\{(\w+)\}/g, ':$1')}`).sort();
  assert.deepEqual(documented, routes);
  for (const [id, { method, path: p, op }] of ops) {
    const rule = ACCESS[`${method} ${p.replace(/\{path\}$/, '*').replace(/\{(\w+)\}/g, ':$1')}`];
    assert.equal(op['x-kiln-role'], rule, `${id}: x-kiln-role`);
    assert.deepEqual(op.security, rule === 'public' ? [] : op.security, id);
    if (rule !== 'public') assert.ok((op.security ?? []).length === 3, `${id}: token, basic or session`);
    assert.ok(op.tags && op.tags.length > 0, `${id}: tags`);
    for (const range of ['4XX', '5XX']) {
      assert.deepEqual(op.responses[range]?.content, { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } }, `${id} ${range}`);
    }
  }
  // The schemas are strict: a field not declared fails (a schema-driven serializer would drop it).
  const job = validatorOf('schema Job', '-', { $ref: '#/components/schemas/Job' });
  const good = { name: 'a', description: '', definition: { kind: 'inline', script: 'x' }, parameters: [], disabled: false, nextBuildNumber: 1, url: 'u', lastBuild: null, createdAt: 1, updatedAt: 1 };
  assert.equal(job(good), true, schemaErrors(job));
  assert.equal(job({ ...good, secret: 'leak' }), false);
  assert.equal(job({ ...good, lastBuild: undefined }), false);
});

test('a route without its schemas cannot be registered: the document would miss it', () => {
  const app = Fastify();
  useApiContract(app);
  assert.throws(() => app.get('/api/v1/undocumented', async () => ({})), /route GET \/api\/v1\/undocumented lacks an operationId, tags, its answers/);
  assert.throws(() => app.get('/api/v1/no-errors', { schema: { operationId: 'x', tags: ['system'], response: { 200: { type: 'object' } } } }, async () => ({})), /its error answers/);
});

test('every operation answers as the document says, with realistic data', async () => {
  // --- system
  ok(await call('getHealth', { auth: null }), 200);
  ok(await call('getReadiness', { auth: null }), 200);
  ok(await call('getMetrics'), 200);
  ok(await call('getOpenApiDocument', { auth: null }), 200);
  ok(await call('streamEvents', { headOnly: true }), 200);
  const lint = await call('lint', { body: { script: "pipeline { agent any; stages { stage('a') { steps { nope() } } } }" } });
  ok(lint, 200);
  assert.ok(lint.json.diagnostics.length > 0);

  // --- setup, login, the session's own routes
  const setupNeeded = await call('getSetup', { auth: null });
  assert.equal(setupNeeded.json.needed, true);
  const initialPassword = readFileSync(path.join(home, 'secrets', 'initialAdminPassword'), 'utf8').trim();
  ok(await call('setup', { auth: null, body: { initialPassword, username: 'root', password: 'root-password-1', fullName: 'Root' } }), 201);
  assert.equal((await call('getSetup', { auth: null })).json.needed, false);
  const login = await call('login', { auth: null, body: { username: 'root', password: 'root-password-1' } });
  ok(login, 200);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
  const session = { auth: null, headers: { cookie, 'x-kiln-csrf': login.json.csrfToken } };
  const me = await call('getMe', session);
  ok(me, 200);
  assert.equal(me.json.via, 'session');
  ok(await call('changeMyPassword', { ...session, body: { currentPassword: 'root-password-1', newPassword: 'root-password-2' } }), 204);
  ok(await call('logout', session), 204);

  // --- users and tokens
  ok(await call('createUser', { body: { name: 'dev', role: 'developer', password: 'dev-password-1', fullName: 'Dev' } }), 201);
  ok(await call('createUser', { body: { name: 'temp', role: 'viewer', password: 'temp-password-1' } }), 201);
  ok(await call('listUsers'), 200);
  ok(await call('getUser', { params: { name: 'dev' } }), 200);
  ok(await call('updateUser', { params: { name: 'dev' }, body: { fullName: 'Dev Eloper' } }), 200);
  const devToken = await call('createUserToken', { params: { name: 'dev' }, body: { name: 'ci', expiresInDays: 30 } });
  ok(devToken, 201);
  const spare = await call('createUserToken', { params: { name: 'dev' }, body: null });
  ok(spare, 201);
  ok(await call('listUserTokens', { params: { name: 'dev' } }), 200);
  ok(await call('revokeUserToken', { params: { name: 'dev', id: spare.json.id } }), 204);
  ok(await call('unlockUser', { params: { name: 'dev' }, body: {} }), 200);
  ok(await call('deleteUser', { params: { name: 'temp' } }), 204);
  const dev = `Bearer ${devToken.json.token}`;
  ok(await call('getMe', { auth: dev }), 200);
  const mine = await call('createMyToken', { auth: dev, body: { name: 'laptop' } });
  ok(mine, 201);
  ok(await call('listMyTokens', { auth: dev }), 200);
  ok(await call('revokeMyToken', { auth: dev, params: { id: mine.json.id } }), 204);

  // --- credentials, folders, clouds
  ok(await call('createCredential', { body: { id: 'kube-token', type: 'secretText', secret: 'not-a-real-token', description: 'for the cloud' } }), 201);
  ok(await call('createCredential', { body: { id: 'deploy', type: 'usernamePassword', username: 'deployer', password: 'pw', folder: 'team' } }), 201);
  ok(await call('createCredential', { body: { id: 'gone', type: 'secretText', secret: 'x' } }), 201);
  ok(await call('listCredentials'), 200);
  ok(await call('getCredential', { params: { id: 'deploy' } }), 200);
  ok(await call('updateCredential', { params: { id: 'deploy' }, body: { description: 'deploys team jobs' } }), 200);
  ok(await call('deleteCredential', { params: { id: 'gone' } }), 204);
  ok(await call('setFolderGrants', { params: { folder: 'team' }, body: { grants: [{ grantee: 'user:dev', rights: ['job.create', 'job.build', 'job.configure', 'credentials.use'] }] } }), 200);
  ok(await call('setFolderGrants', { params: { folder: 'team/sub' }, body: { grants: [{ grantee: 'role:developer', rights: ['job.build'] }] } }), 200);
  ok(await call('setFolderGrants', { params: { folder: 'old' }, body: { grants: [{ grantee: 'role:developer', rights: [] }] } }), 200);
  ok(await call('deleteFolderGrants', { params: { folder: 'old' } }), 204);
  ok(await call('listFolders'), 200);
  ok(await call('setFolderProperties', { params: { folder: 'team' }, body: { properties: [{ key: 'REGISTRY', value: 'registry.example:5000' }, { key: 'TIER', value: 'outer' }] } }), 200);
  ok(await call('setFolderProperties', { params: { folder: 'team/sub' }, body: { properties: [{ key: 'TIER', value: 'inner' }] } }), 200);
  ok(await call('setFolderProperties', { params: { folder: 'team' }, body: { properties: [{ key: '1BAD', value: 'x' }] } }), 400);
  const props = await call('getFolderProperties', { params: { folder: 'team/sub' } });
  ok(props, 200);
  assert.deepEqual(props.json.effective, [{ key: 'REGISTRY', value: 'registry.example:5000', folder: 'team' }, { key: 'TIER', value: 'inner', folder: 'team/sub' }]);
  ok(await call('setFolderProperties', { params: { folder: 'gone' }, body: { properties: [{ key: 'A', value: '' }] } }), 200);
  ok(await call('deleteFolderProperties', { params: { folder: 'gone' } }), 204);
  ok(await call('deleteFolderProperties', { params: { folder: 'gone' } }), 404);
  const cloud = { type: 'kubernetes', settings: { serverUrl: 'https://127.0.0.1:1', namespace: 'ci', credentialsId: 'kube-token', connectTimeoutSeconds: 5, templates: [{ name: 'maven', labels: 'maven', yaml: 'spec:\n  containers:\n  - name: maven\n    image: maven:3.9\n' }] } };
  ok(await call('putCloud', { params: { name: 'k8s' }, body: cloud }), 201);
  ok(await call('putCloud', { params: { name: 'k8s' }, body: cloud }), 200);
  ok(await call('putCloud', { params: { name: 'spare' }, body: cloud }), 201);
  ok(await call('listClouds'), 200);
  ok(await call('getCloud', { params: { name: 'k8s' } }), 200);
  assert.equal((await call('testCloud', { params: { name: 'k8s' } })).json.ok, false);
  assert.equal((await call('testCloudSettings', { body: cloud })).json.ok, false);
  ok(await call('deleteCloud', { params: { name: 'spare' } }), 204);
  // shared libraries (a repository that does not exist: Test answers ok: false)
  const lib = { url: '/nonexistent/lib.git', defaultVersion: 'main', implicit: false, allowVersionOverride: true, credentialsId: 'kube-token', includeInChangesets: true };
  ok(await call('putLibrary', { params: { name: 'mylib' }, body: lib }), 201);
  ok(await call('putLibrary', { params: { name: 'spare' }, body: { url: '/nonexistent/spare.git' } }), 201);
  ok(await call('listLibraries', { auth: dev }), 200);
  ok(await call('getLibrary', { params: { name: 'mylib' } }), 200);
  assert.equal((await call('testLibrary', { params: { name: 'mylib' }, body: {} })).json.ok, false);
  ok(await call('deleteLibrary', { params: { name: 'spare' } }), 204);
  ok(await call('putLibraryFolder', { params: { folder: 'team', name: 'teamlib' }, body: { ...lib, credentialsId: 'deploy' } }), 201);
  ok(await call('listLibrariesFolder', { params: { folder: 'team' } }), 200);
  ok(await call('getLibraryFolder', { params: { folder: 'team', name: 'teamlib' } }), 200);
  assert.equal((await call('testLibraryFolder', { params: { folder: 'team', name: 'teamlib' }, body: { version: 'v1' } })).json.ok, false);
  ok(await call('deleteLibraryFolder', { params: { folder: 'team', name: 'teamlib' } }), 204);

  // --- agents
  ok(await call('createAgent', { body: { name: 'linux-1', labels: ['linux', 'docker'], executors: 2, description: 'a box' } }), 201);
  ok(await call('createAgent', { body: { name: 'spare', executors: 1 } }), 201);
  ok(await call('updateAgent', { params: { name: 'linux-1' }, body: { description: 'the linux box' } }), 200);
  ok(await call('getAgent', { params: { name: 'linux-1' } }), 200);
  ok(await call('getAgentLog', { params: { name: 'linux-1' } }), 200);
  // The agent for another machine: its bundle for anyone, how to install it with the secret for admins only.
  const tgz = await call('getAgentBundle', { auth: null });
  ok(tgz, 200);
  assert.equal(tgz.headers.get('content-type'), 'application/gzip');
  const install = await call('getAgentInstall', { params: { name: 'linux-1' } });
  ok(install, 200);
  assert.match(install.json.install, /^mkdir -p ~\/kiln-agent && curl -fsSL \S+api\/v1\/agent\/bundle\.tgz \| tar xz -C ~\/kiln-agent && node ~\/kiln-agent\/src\/cli\/main\.js agent --url /);
  assert.match(install.json.warning, /loopback address/);
  assert.doesNotMatch(install.json.service, /KILN_SECRET|--secret/);
  assert.match(install.json.environment, /^KILN_SECRET=[0-9a-f]{64}$/m);
  ok(await call('deleteAgent', { params: { name: 'spare' } }), 204);
  ok(await call('listAgents'), 200);
  ok(await call('listAgents', { auth: dev }), 200);

  // --- jobs
  const xml = '<testsuite name="s"><testcase classname="c" name="ok"/><testcase classname="c" name="bad"><failure message="boom"/></testcase></testsuite>';
  const checkstyle = '<checkstyle><file name="app.js"><error line="1" column="2" severity="warning" message="Missing semicolon." source="eslint.rules.semi"/></file></checkstyle>';
  const hello = `pipeline { agent any
    parameters { string(name: 'WHO', defaultValue: 'world', description: 'who to greet'); booleanParam(name: 'LOUD', defaultValue: false) }
    stages {
      stage('Build') { steps { echo 'hello'; writeFile file: 'out/app.txt', text: 'app v1'; archiveArtifacts artifacts: 'out/*.txt', fingerprint: true; writeFile file: 'r.xml', text: '${xml}'; junit 'r.xml'; writeFile file: 'cs.xml', text: '${checkstyle}'; recordIssues tool: checkStyle(pattern: 'cs.xml'), qualityGates: [[threshold: 5, type: 'TOTAL']]; writeFile file: 'cov/jacoco.xml', text: '<report name="r"><counter type="LINE" missed="1" covered="3"/></report>'; recordCoverage tools: [[parser: 'JACOCO', pattern: 'cov/jacoco.xml']], qualityGates: [[metric: 'LINE', threshold: 50.0]]; writeFile file: 'site/index.html', text: '<h1>hi</h1>'; publishHTML target: [reportDir: 'site', reportFiles: 'index.html', reportName: 'Site', keepAll: true]; writeFile file: 'perf.csv', text: 'timeStamp,elapsed,label,responseCode,success\\n1,120,home,200,true\\n2,80,home,200,true\\n'; perfReport 'perf.csv'; writeFile file: 'bench.json', text: '{"name": "startup", "value": 1.5, "unit": "s"}'; benchmark inputLocation: 'bench.json', schemaSelection: 'simplestSchema'; writeFile file: 'plot.properties', text: 'YVALUE=7'; plot csvFileName: 'plot-x.csv', group: 'G', title: 'T', propertiesSeries: [[file: 'plot.properties', label: 'v']] } }
      stage('Checks') { parallel { stage('a') { steps { echo 'a' } }; stage('b') { steps { echo 'b' } } } }
    } }`;
  ok(await call('createJob', { body: { name: 'hello', description: 'says hello', script: hello } }), 201);
  ok(await call('createJob', { auth: dev, body: { name: 'team/app', script: "pipeline { agent any; stages { stage('a') { steps { echo 'x' } } } }" } }), 201);
  ok(await call('createJob', { body: { name: 'gitjob', git: { url: 'https://git.example.invalid/org/repo.git', branch: 'main', credentialsId: null } } }), 201);
  ok(await call('createJob', { body: { name: 'tmp', script: "pipeline { agent any; stages { stage('a') { steps { echo 'x' } } } }", disabled: true } }), 201);
  ok(await call('updateJob', { params: { job: 'hello' }, body: { description: 'says hello to WHO' } }), 200);
  ok(await call('deleteJob', { params: { job: 'tmp' } }), 204);
  ok(await call('getFolder', { params: { folder: 'team' } }), 200);
  ok(await call('getFolder', { params: { folder: 'team/sub' } }), 200);

  // --- builds: stages, artifacts, tests, console
  const b1 = await call('startBuild', { params: { job: 'hello' }, body: { params: { WHO: 'kiln', LOUD: true } } });
  ok(b1, 201);
  await finishedBuild(c.url, 'hello', b1.json.number);
  const build = { job: 'hello', number: b1.json.number };
  ok(await call('startBuild', { params: { job: 'team/app' }, body: null }), 201);
  ok(await call('listJobs'), 200);
  ok(await call('getJob', { params: { job: 'hello' } }), 200);
  ok(await call('listBuilds', { params: { job: 'hello' }, query: 'limit=5' }), 200);
  ok(await call('getJobTrend', { params: { job: 'hello' }, query: 'limit=50' }), 200);
  // A gitParameter's values (test/controller/git-parameter.test.ts lists real ones): WHO is a string parameter.
  ok(await call('listGitParameterValues', { params: { job: 'hello', name: 'WHO' } }), 400);
  // An Active Choices parameter's choices (test/controller/active-choices.test.ts runs real scripts): WHO is not one.
  ok(await call('listActiveChoices', { params: { job: 'hello', name: 'WHO' }, query: 'ENV=prod' }), 400);
  const detail = await call('getBuild', { params: build });
  ok(detail, 200);
  assert.ok(detail.json.stages.some((s: any) => s.children.length === 2), 'the parallel stage has its branches');
  ok(await call('getStages', { params: build }), 200);
  const newlines = await call('getConsoleNewlines', { params: build });
  ok(newlines, 200);
  assert.equal(newlines.json.block, 65536);
  const changes = await call('getBuildChanges', { params: build });
  ok(changes, 200);
  assert.deepEqual([changes.json.scm, changes.json.commits], [null, []], 'an inline job has no commits');
  ok(await call('getConsole', { params: build }), 200);
  ok(await call('getConsole', { params: build, headers: { range: 'bytes=0-9' } }), 206);
  ok(await call('getConsole', { params: build, headers: { range: 'bytes=99999999-' } }), 416);
  ok(await call('getConsoleSections', { params: build }), 200);
  ok(await call('getConsoleTimes', { params: build }), 200);
  ok(await call('getBuildLibraries', { params: build }), 200);
  ok(await call('getTestHistory', { params: build }), 200);
  ok(await call('streamConsole', { params: build, query: 'from=0' }), 200);
  ok(await call('listArtifacts', { params: build }), 200);
  const fps = await call('listBuildFingerprints', { params: build });
  ok(fps, 200);
  assert.equal(fps.json.fingerprints[0].path, 'out/app.txt');
  ok(await call('getFingerprint', { params: { md5: fps.json.fingerprints[0].md5 } }), 200);
  ok(await call('getFingerprint', { params: { md5: '0'.repeat(32) } }), 404);
  ok(await call('getArtifact', { params: { ...build, path: 'out/app.txt' } }), 200);
  ok(await call('getArtifact', { params: { ...build, path: 'out/app.txt' }, headers: { range: 'bytes=0-2' } }), 206);
  ok(await call('getArtifact', { params: { ...build, path: 'out/app.txt' }, headers: { range: 'bytes=100-' } }), 416);
  const report = await call('getTestReport', { params: build });
  ok(report, 200);
  assert.equal(report.json.failed, 1);
  const issues = await call('getBuildIssues', { params: build, query: 'state=all&limit=10' });
  ok(issues, 200);
  assert.equal(issues.json.issues[0].message, 'Missing semicolon.');
  const coverage = await call('getBuildCoverage', { params: build });
  ok(coverage, 200);
  assert.equal(coverage.json.results[0].qualityGate, 'PASSED');
  const perf = await call('getBuildPerformance', { params: build });
  ok(perf, 200);
  assert.deepEqual([perf.json.reports[0].file, perf.json.reports[0].samples, perf.json.reports[0].average], ['perf.csv', 2, 100], perf.text);
  const bench = await call('getBuildBenchmark', { params: build });
  ok(bench, 200);
  assert.deepEqual([bench.json.schema, bench.json.results[0].name, bench.json.results[0].value], ['simplestSchema', 'startup', 1.5], bench.text);
  const plots = await call('listJobPlots', { params: { job: build.job } });
  ok(plots, 200);
  assert.deepEqual([plots.json.plots[0].title, plots.json.plots[0].series[0].label, plots.json.plots[0].series[0].points[0].value], ['T', 'v', 7], plots.text);
  const htmlReports = await call('listHtmlReports', { params: build });
  ok(htmlReports, 200);
  assert.equal(htmlReports.json.reports[0].name, 'Site');
  ok(await call('getHtmlReportFile', { params: { ...build, report: 'Site', path: 'index.html' } }), 200);
  ok(await call('getHtmlReportFile', { params: { ...build, report: 'Site', path: 'missing.html' } }), 404);
  ok(await call('listInputs', { params: build }), 200);
  const replay = await call('replayBuild', { params: build, body: { script: hello.replace("echo 'hello'", "echo 'replayed'") } });
  ok(replay, 201);
  await finishedBuild(c.url, 'hello', replay.json.number);
  const restartable = await call('getRestartStages', { params: build });
  ok(restartable, 200);
  assert.ok(restartable.json.stages.length > 0, restartable.text);
  const restarted = await call('restartBuild', { params: build, body: { stage: restartable.json.stages.at(-1) } });
  ok(restarted, 201);
  await finishedBuild(c.url, 'hello', restarted.json.number);
  const restartedDetail = await call('getBuild', { params: { job: 'hello', number: restarted.json.number } });
  ok(restartedDetail, 200);
  assert.deepEqual(restartedDetail.json.restartedFrom, { number: build.number, stage: restartable.json.stages.at(-1) });
  ok(await call('restartBuild', { params: build, body: { stage: 'no such stage' } }), 400);

  // --- an input waiting, answered; a build aborted
  ok(await call('createJob', { body: { name: 'gate', script: "pipeline { agent any; stages { stage('G') { steps { input message: 'Ship?', ok: 'Ship it', submitter: 'dev', parameters: [string(name: 'TARGET', defaultValue: 'dev')] } } } }" } }), 201);
  const gate = await call('startBuild', { params: { job: 'gate' }, body: {} });
  await consoleUntil(c.url, 'gate', gate.json.number, 'or Abort');
  const gateBuild = { job: 'gate', number: gate.json.number };
  const waiting = await call('getBuild', { params: gateBuild });
  assert.equal(waiting.json.inputs.length, 1);
  const inputs = await call('listInputs', { params: gateBuild });
  // TARGET is a string parameter: asking it for Active Choices is refused (active-choices.test.ts asks a real one).
  ok(await call('listInputActiveChoices', { params: { ...gateBuild, id: inputs.json.inputs[0].id, name: 'TARGET' } }), 400);
  ok(await call('answerInput', { params: { ...gateBuild, id: inputs.json.inputs[0].id }, body: { action: 'approve', params: { TARGET: 'prod' } } }), 200);
  await finishedBuild(c.url, 'gate', gate.json.number);
  const held = await call('startBuild', { params: { job: 'gate' }, body: {} });
  await consoleUntil(c.url, 'gate', held.json.number, 'or Abort');
  ok(await call('abortBuild', { params: { job: 'gate', number: held.json.number } }), 202);
  await finishedBuild(c.url, 'gate', held.json.number);

  // --- the queue: a build waits for a label no agent has
  ok(await call('createJob', { body: { name: 'nowhere', script: "pipeline { agent { label 'no-such-label' }; stages { stage('a') { steps { echo 'x' } } } }" } }), 201);
  const stuck = await call('startBuild', { params: { job: 'nowhere' }, body: {} });
  let item: { id: string } | undefined;
  await until(async () => {
    const q = await call('getQueue');
    item = q.json.items.find((i: any) => i.job === 'nowhere');
    return item !== undefined;
  }, 'the build to wait in the queue');
  ok(await call('cancelQueueItem', { params: { id: item!.id }, auth: dev }), 204);
  await finishedBuild(c.url, 'nowhere', stuck.json.number);

  // --- e-mail settings (a test e-mail to a port nothing listens on: sent false, in plain words)
  ok(await call('getMailSettings'), 200);
  ok(await call('putMailSettings', { body: { host: '127.0.0.1', port: 1, from: 'ci@example.com', credentialsId: null } }), 200);
  ok(await call('getGlobalEnv'), 200);
  ok(await call('putGlobalEnv', { body: { variables: { DEPLOY_ENV: 'staging' } } }), 200);
  ok(await call('testMailSettings', { body: { to: 'admin@example.com' } }), 200);
  ok(await call('putMailSettings', { body: { host: '127.0.0.1', port: 0, from: 'ci@example.com' } }), 400);
  // --- HTTP services settings (Slack, GitHub, GitLab, SonarQube, httpRequest)
  ok(await call('getHttpServiceSettings'), 200);
  ok(await call('putHttpServiceSettings', { body: { slack: { tokenCredentialId: 'slack-bot', botUser: true, room: '#ci' }, sonar: [{ name: 'sq', url: 'https://sonar.example', credentialsId: 'sq' }] } }), 200);
  ok(await call('putHttpServiceSettings', { body: { github: { apiUrl: 'ftp://x', credentialsId: 'g' } } }), 400);
  ok(await call('getThrottleCategories'), 200);
  ok(await call('putThrottleCategories', { body: { categories: [{ name: 'db', maxConcurrentTotal: 1 }] } }), 200);
  ok(await call('putThrottleCategories', { body: { categories: [{ name: 'db', maxConcurrentPerNode: 1 }] } }), 200);
  ok(await call('putThrottleCategories', { body: { categories: [{ name: 'db', maxConcurrentPerNode: -1 }] } }), 400);

  // --- managed config files (configFileProvider)
  ok(await call('putConfigFile', { params: { id: 'settings' }, body: { name: 'Maven settings', type: 'maven-settings', content: '<settings/>' } }), 200);
  ok(await call('listConfigFiles'), 200);
  ok(await call('getConfigFile', { params: { id: 'settings' } }), 200);
  ok(await call('putConfigFile', { params: { id: 'settings' }, body: { content: 3 } }), 400);
  ok(await call('deleteConfigFile', { params: { id: 'settings' } }), 204);
  ok(await call('getConfigFile', { params: { id: 'settings' } }), 404);

  // --- Publish Over SSH's servers
  ok(await call('putSshPublisherSettings', { body: { servers: [{ name: 'web', hostname: 'web.example', username: 'deploy', credentialsId: 'deploy-key', hostKeyFingerprint: 'SHA256:' + 'A'.repeat(43) }] } }), 200);
  ok(await call('getSshPublisherSettings'), 200);
  ok(await call('putSshPublisherSettings', { body: { servers: [{ name: 'web', hostname: 'web.example', username: 'deploy', credentialsId: 'deploy-key', hostKeyFingerprint: 'none' }] } }), 400);
  // --- lockable resources (lock(label:))
  ok(await call('putLockableResource', { params: { name: 'printer-1' }, body: { labels: ['printers'], description: 'the first printer' } }), 200);
  ok(await call('listLockableResources'), 200);
  ok(await call('getLockableResource', { params: { name: 'printer-1' } }), 200);
  ok(await call('putLockableResource', { params: { name: 'printer-1' }, body: { labels: ['no spaces'] } }), 400);
  ok(await call('deleteLockableResource', { params: { name: 'printer-1' } }), 204);
  ok(await call('getLockableResource', { params: { name: 'printer-1' } }), 404);

  // --- webhooks
  ok(await call('getJobWebhook', { params: { job: 'gitjob' } }), 200);
  ok(await call('getJobWebhook', { params: { job: 'hello' } }), 200);
  const json = { 'content-type': 'application/json' };
  const generic = await call('genericWebhook', { auth: null, headers: json, raw: JSON.stringify({ repository: 'https://nowhere.example.invalid/x.git', branch: 'main' }) });
  ok(generic, 200);
  assert.match(generic.json.ignored, /no job builds/);
  ok(await call('githubWebhook', { auth: null, headers: { ...json, 'x-github-event': 'ping' }, raw: JSON.stringify({ zen: 'Keep it logically awesome.' }) }), 200);
  ok(await call('githubWebhook', { auth: null, headers: { ...json, 'x-github-event': 'issues' }, raw: JSON.stringify({ action: 'opened' }) }), 202);
  const sha = 'a'.repeat(40);
  ok(await call('gitlabWebhook', { auth: null, headers: { ...json, 'x-gitlab-event': 'Push Hook' }, raw: JSON.stringify({ ref: 'refs/heads/main', checkout_sha: sha, project: { git_http_url: 'https://nowhere.example.invalid/y.git' } }) }), 200);
  ok(await call('gitlabWebhook', { auth: null, headers: { ...json, 'x-gitlab-event': 'Note Hook' }, raw: JSON.stringify({ object_kind: 'note', object_attributes: { note: 'nice', noteable_type: 'Issue' } }) }), 202);
  ok(await call('gitlabWebhook', { auth: null, headers: { ...json, 'x-gitlab-event': 'Pipeline Hook' }, raw: JSON.stringify({ object_kind: 'pipeline' }) }), 202);
  const gwt = await call('genericWebhookTriggerInvoke', { auth: null, query: 'token=no-such-token', headers: json, raw: JSON.stringify({ ref: 'refs/heads/main' }) });
  ok(gwt, 404);
  assert.match(gwt.json.message, /^Did not find any jobs with GenericTrigger configured!/);
  ok(await call('genericWebhookTriggerInvokeGet', { auth: null, query: 'token=no-such-token' }), 404);

  // --- the audit log, and errors: each is the Error schema of its status
  ok(await call('getAuditLog', { query: 'limit=5' }), 200);
  ok(await call('getJob', { params: { job: 'no-such-job' } }), 404);
  ok(await call('createJob', { body: { name: '../x', script: 'pipeline {}' } }), 400);
  ok(await call('createJob', { body: { name: 'broken', script: 'pipeline {' } }), 400);
  ok(await call('listJobs', { auth: null }), 401);
  ok(await call('listUsers', { auth: dev }), 403);
  ok(await call('createJob', { body: { name: 'hello', script: "pipeline { agent any; stages { stage('a') { steps { echo 'x' } } } }" } }), 409);
  ok(await call('getBuild', { params: { job: 'hello', number: 999 } }), 404);
  ok(await call('getMe', { auth: null, headers: { cookie: 'kiln_session=stale' } }), 401);
  ok(await call('setFolderGrants', { params: { folder: 'team' }, body: { grants: [{ grantee: 'user:nobody', rights: [] }] } }), 400);

  assert.deepEqual(problems, [], `answers that do not match the document:\n${problems.join('\n')}`);
  const missed = [...ops.keys()].filter((id) => !called.has(id));
  assert.deepEqual(missed, [], 'operations of the document this test never called');
});
