// The controller's REST API with a real controller (in this process) on the embedded store,
// running real pipelines on its own executor.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig, adminFetch, consoleText } from '../helpers/controller.ts';
import { freshSchema, dropSchemas } from '../helpers/pg-schemas.ts';

let c: ControllerHandle;
const lines: string[] = [];

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; text: string; headers: Headers }> {
  const res = await adminFetch(new URL(path.replace(/^\//, ''), c.url), {
    method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let json: any = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text, headers: res.headers };
}

async function waitFinished(job: string, number: number): Promise<any> {
  // Follow the console stream to its end: no polling.
  const res = await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${number}/console/stream`, c.url));
  await res.text();
  return (await api('GET', `/api/v1/jobs/${encodeURIComponent(job)}/builds/${number}`)).json;
}

for (const kind of ['sqlite', 'postgres'] as const) {
describe(`controller API on the ${kind} store`, () => {
const { schema, databaseUrl } = freshSchema('kiln_ctl');
before(async () => {
  const home = tempDir('ctl');
  lines.length = 0;
  const flags = { home, port: '0', executors: '2', ...(kind === 'postgres' ? { 'database-url': databaseUrl } : {}) };
  c = await startController(testConfig(flags), { log: (l) => lines.push(l) });
});
after(async () => {
  await c?.close();
  if (kind === 'postgres') await dropSchemas([schema]);
});

test('health, readiness and the ready message', async () => {
  assert.deepEqual((await api('GET', '/api/v1/health')).json, { status: 'ok' });
  assert.deepEqual((await api('GET', '/api/v1/ready')).json, { status: 'ready' });
  assert.ok(lines.some((l) => l.startsWith(`Kiln is ready at ${c.url}`)), lines.join('\n'));
});

test('create a job, build it, read the console and the stage graph', async () => {
  const script = `pipeline {
  agent any
  parameters { string(name: 'WHO', defaultValue: 'world') }
  stages {
    stage('Hello') { steps { sh 'echo "hello $WHO from $NODE_NAME"' } }
    stage('Par') { parallel { stage('A') { steps { echo 'a' } } stage('B') { steps { echo 'b' } } } }
  }
}`;
  const created = await api('POST', '/api/v1/jobs', { name: 'hello', script });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.name, 'hello');
  const b = await api('POST', '/api/v1/jobs/hello/builds', { params: {} });
  assert.equal(b.status, 201, b.text);
  assert.equal(b.json.number, 1);
  const done = await waitFinished('hello', 1);
  assert.equal(done.result, 'SUCCESS', JSON.stringify(done));
  assert.deepEqual(done.stages.map((s: any) => [s.name, s.status]), [['Hello', 'success'], ['Par', 'success']]);
  assert.deepEqual(done.stages[1].children.map((s: any) => s.name), ['A', 'B']);
  const console = await api('GET', '/api/v1/jobs/hello/builds/1/console');
  assert.match(console.text, /^hello world from built-in$/m);
  assert.equal(console.headers.get('x-log-complete'), 'true');
  // Byte ranges.
  const size = Number(console.headers.get('x-log-size'));
  const tail = await api('GET', '/api/v1/jobs/hello/builds/1/console', undefined, { range: 'bytes=-20' });
  assert.equal(tail.status, 206);
  assert.equal(tail.text, console.text.slice(size - 20));
  assert.equal(tail.headers.get('content-range'), `bytes ${size - 20}-${size - 1}/${size}`);
  // The job now knows its parameters; a second build with a parameter.
  const b2 = await api('POST', '/api/v1/jobs/hello/builds', { params: { WHO: 'kiln' } });
  await waitFinished('hello', b2.json.number);
  assert.match((await api('GET', `/api/v1/jobs/hello/builds/${b2.json.number}/console`)).text, /^hello kiln from built-in$/m);
  const list = await api('GET', '/api/v1/jobs/hello/builds?limit=1');
  assert.equal(list.json.builds.length, 1);
  assert.equal(list.json.builds[0].number, 2);
  assert.ok(list.json.next);
  const bad = await api('POST', '/api/v1/jobs/hello/builds', { params: { NOPE: 'x' } });
  assert.equal(bad.status, 400);
  assert.match(bad.json.error.message, /job 'hello' has no parameter 'NOPE' \(it has: WHO\)/);
});

test('an invalid Jenkinsfile is refused when the job is created, with positions', async () => {
  const r = await api('POST', '/api/v1/jobs', { name: 'broken', script: 'pipeline { agent any\n stages { stage("x") { stepz { echo "a" } } } }' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid-jenkinsfile');
  assert.match(r.json.error.message, /Jenkinsfile:2:/);
});

test('bad input gets 400/404/409/413 with messages', async () => {
  assert.equal((await api('GET', '/api/v1/jobs/nope')).status, 404);
  assert.match((await api('GET', '/api/v1/jobs/nope')).json.error.message, /no job named 'nope'/);
  assert.equal((await api('GET', '/api/v1/jobs/hello/builds/999')).status, 404);
  assert.equal((await api('POST', '/api/v1/jobs', { name: '../etc', script: 'x' })).status, 400);
  assert.equal((await api('POST', '/api/v1/jobs', '{"name": "x", ')).status, 400);
  assert.equal((await api('POST', '/api/v1/jobs', { name: 'nodef' })).status, 400);
  assert.equal((await api('POST', '/api/v1/jobs', { name: 'hello', script: 'pipeline { agent any; stages { stage("a") { steps { echo "x" } } } }' })).status, 409);
  assert.equal((await api('POST', '/api/v1/jobs/hello/builds/1/abort')).status, 409);
  const huge = await api('POST', '/api/v1/jobs', { name: 'huge', script: 'x'.repeat(13 * 1024 * 1024) });
  assert.equal(huge.status, 413);
  assert.equal((await api('GET', '/api/v1/nothing-here')).status, 404);
  assert.equal((await api('GET', '/api/v1/jobs/hello/builds/1/console', undefined, { range: 'bytes=abc' })).status, 416);
});

test('abort a running build; input approval through the API', async () => {
  await api('POST', '/api/v1/jobs', { name: 'slow', script: `pipeline { agent any; stages { stage('S') { steps { sh 'echo started; sleep 300' } } } }` });
  const b = await api('POST', '/api/v1/jobs/slow/builds', {});
  const stream = adminFetch(new URL('api/v1/jobs/slow/builds/1/console/stream', c.url));
  // Abort once the step is running: wait for its first line through the live stream.
  const res = await stream;
  const reader = res.body!.getReader();
  let seen = '';
  while (!seen.includes('started')) seen += new TextDecoder().decode((await reader.read()).value);
  assert.equal((await api('POST', `/api/v1/jobs/slow/builds/${b.json.number}/abort`)).status, 202);
  while (!(await reader.read()).done) { /* drain to the end event */ }
  const done = (await api('GET', '/api/v1/jobs/slow/builds/1')).json;
  assert.equal(done.result, 'ABORTED');

  await api('POST', '/api/v1/jobs', { name: 'gate', script: `pipeline { agent any; stages { stage('G') { steps { script { def t = input message: 'Where?', parameters: [string(name: 'TARGET', defaultValue: 'dev')]; echo "deploying to \${t}" } } } } }` });
  await api('POST', '/api/v1/jobs/gate/builds', {});
  let inputs: any[] = [];
  const s2 = await adminFetch(new URL('api/v1/jobs/gate/builds/1/console/stream', c.url));
  const r2 = s2.body!.getReader();
  let t2 = '';
  while (!t2.includes('Proceed or Abort')) t2 += new TextDecoder().decode((await r2.read()).value);
  inputs = (await api('GET', '/api/v1/jobs/gate/builds/1/inputs')).json.inputs;
  assert.equal(inputs.length, 1);
  assert.equal((await api('POST', `/api/v1/jobs/gate/builds/1/inputs/${inputs[0].id}`, { action: 'approve', params: { BAD: 1 } })).status, 400);
  assert.equal((await api('POST', `/api/v1/jobs/gate/builds/1/inputs/${inputs[0].id}`, { action: 'approve', params: { TARGET: 'prod' }, user: 'alice' })).status, 200);
  while (!(await r2.read()).done) { /* to the end */ }
  assert.equal((await api('GET', '/api/v1/jobs/gate/builds/1')).json.result, 'SUCCESS');
  assert.match((await api('GET', '/api/v1/jobs/gate/builds/1/console')).text, /^deploying to prod$/m);
});

test('artifacts and test results are served', async () => {
  const xml = '<testsuite name="s"><testcase classname="c" name="ok"/><testcase classname="c" name="bad"><failure message="boom"/></testcase></testsuite>';
  await api('POST', '/api/v1/jobs', { name: 'arts', script: `pipeline { agent any; stages { stage('S') { steps { writeFile file: 'out/app.txt', text: 'app v1'; archiveArtifacts 'out/*.txt'; writeFile file: 'r.xml', text: '${xml}'; junit 'r.xml' } } } }` });
  await api('POST', '/api/v1/jobs/arts/builds', {});
  const done = await waitFinished('arts', 1);
  assert.equal(done.result, 'UNSTABLE');
  const list = await api('GET', '/api/v1/jobs/arts/builds/1/artifacts');
  assert.deepEqual(list.json.artifacts.map((a: any) => a.path), ['out/app.txt']);
  const file = await api('GET', '/api/v1/jobs/arts/builds/1/artifacts/out/app.txt');
  assert.equal(file.text, 'app v1');
  assert.equal((await api('GET', '/api/v1/jobs/arts/builds/1/artifacts/../../secrets/agent.key')).status, 404);
  const tests = await api('GET', '/api/v1/jobs/arts/builds/1/tests');
  assert.deepEqual([tests.json.total, tests.json.failed], [2, 1]);
});

test('replay runs a build again, with an edited Jenkinsfile when given', async () => {
  await api('POST', '/api/v1/jobs', { name: 'replayed', script: `pipeline { agent any; stages { stage('S') { steps { echo 'original' } } } }` });
  await api('POST', '/api/v1/jobs/replayed/builds', {});
  await waitFinished('replayed', 1);
  const r = await api('POST', '/api/v1/jobs/replayed/builds/1/replay', { script: `pipeline { agent any; stages { stage('S') { steps { echo 'edited' } } } }` });
  assert.equal(r.status, 201, r.text);
  const done = await waitFinished('replayed', r.json.number);
  assert.equal(done.result, 'SUCCESS');
  assert.equal(done.causes[0].type, 'replay');
  assert.match((await api('GET', `/api/v1/jobs/replayed/builds/${r.json.number}/console`)).text, /^edited$/m);
});

test('disableConcurrentBuilds: the next build waits, says why, and can be cancelled from the queue', async () => {
  await api('POST', '/api/v1/jobs', { name: 'serial', script: `pipeline { agent any; options { disableConcurrentBuilds() }; stages { stage('S') { steps { input 'hold' } } } }` });
  // The first build teaches the job its options; it then holds at its input.
  await api('POST', '/api/v1/jobs/serial/builds', {});
  const s1 = await adminFetch(new URL('api/v1/jobs/serial/builds/1/console/stream', c.url));
  const r1 = s1.body!.getReader();
  let t1 = '';
  while (!t1.includes('Proceed or Abort')) t1 += new TextDecoder().decode((await r1.read()).value);
  await api('POST', '/api/v1/jobs/serial/builds', {});
  const q = (await api('GET', '/api/v1/queue')).json.items.find((i: any) => i.job === 'serial');
  assert.ok(q, 'the second build waits in the queue');
  assert.equal(q.why, 'Build #1 is already in progress');
  assert.equal((await api('DELETE', `/api/v1/queue/${q.id}`)).status, 204);
  const cancelled = (await api('GET', '/api/v1/jobs/serial/builds/2')).json;
  assert.deepEqual([cancelled.status, cancelled.result], ['finished', 'NOT_BUILT']);
  assert.equal((await api('POST', '/api/v1/jobs/serial/builds/1/abort')).status, 202);
  while (!(await r1.read()).done) { /* to the end */ }
  assert.equal((await api('DELETE', '/api/v1/queue/nothing')).status, 404);
});

test('deleting a job removes it and its builds; a running build blocks deletion', async () => {
  await api('POST', '/api/v1/jobs', { name: 'gone', script: `pipeline { agent any; stages { stage('S') { steps { echo 'x' } } } }` });
  await api('POST', '/api/v1/jobs/gone/builds', {});
  await waitFinished('gone', 1);
  assert.equal((await api('DELETE', '/api/v1/jobs/gone')).status, 204);
  assert.equal((await api('GET', '/api/v1/jobs/gone')).status, 404);
  assert.equal((await api('GET', '/api/v1/jobs/gone/builds/1')).status, 404);
});

test('agents: create, list with the connect command, delete', async () => {
  const a = await api('POST', '/api/v1/agents', { name: 'edge-1', labels: ['arm64'], executors: 3 });
  assert.equal(a.status, 201, a.text);
  assert.equal(a.json.online, false);
  assert.match(a.json.command, /^kiln agent --url http:\/\/127\.0\.0\.1:\d+\/ --name edge-1 --secret [0-9a-f]{64} --labels arm64 --executors 3$/);
  assert.equal((await api('POST', '/api/v1/agents', { name: 'edge-1' })).status, 409);
  assert.equal((await api('POST', '/api/v1/agents', { name: 'bad name!' })).status, 400);
  assert.ok((await api('GET', '/api/v1/agents')).json.agents.some((x: any) => x.name === 'edge-1'));
  assert.equal((await api('DELETE', '/api/v1/agents/edge-1')).status, 204);
  assert.equal((await api('GET', '/api/v1/agents/edge-1')).status, 404);
});

test('the build step triggers another job with parameters and waits for its result', async () => {
  await api('POST', '/api/v1/jobs', { name: 'child', script: `pipeline { agent any; parameters { string(name: 'X', defaultValue: '') }; stages { stage('S') { steps { sh 'echo "child got $X"; test "$X" = yes' } } } }` });
  await api('POST', '/api/v1/jobs', { name: 'parent', script: `pipeline { agent any; stages { stage('S') { steps { script { def r = build job: 'child', parameters: [string(name: 'X', value: 'yes')]; echo "child result \${r.result} #\${r.number}" } } } } }` });
  await api('POST', '/api/v1/jobs/parent/builds', {});
  const done = await waitFinished('parent', 1);
  assert.equal(done.result, 'SUCCESS');
  assert.match((await api('GET', '/api/v1/jobs/parent/builds/1/console')).text, /^child result SUCCESS #\d+$/m);
  const child = (await api('GET', '/api/v1/jobs/child/builds?limit=1')).json.builds[0];
  assert.equal(child.causes[0].type, 'upstream');
  assert.match((await api('GET', `/api/v1/jobs/child/builds/${child.number}/console`)).text, /^child got yes$/m);
});

test('an input with a submitter may only be answered by that user (admins may always)', async () => {
  await api('POST', '/api/v1/jobs', { name: 'guarded', script: `pipeline { agent any; stages { stage('G') { steps { input message: 'Ship?', submitter: 'alice,bob' } } } }` });
  // Developers mallory and bob, each with an API token.
  const tokenOf = async (name: string) => {
    assert.equal((await api('POST', '/api/v1/users', { name, role: 'developer', password: `${name}-password` })).status, 201);
    return (await api('POST', `/api/v1/users/${name}/tokens`, { name: 'test' })).json.token as string;
  };
  const [mallory, bob] = [await tokenOf('mallory'), await tokenOf('bob')];
  await api('POST', '/api/v1/jobs/guarded/builds', {});
  const s = await adminFetch(new URL('api/v1/jobs/guarded/builds/1/console/stream', c.url));
  const r = s.body!.getReader();
  let t = '';
  while (!t.includes('Proceed or Abort')) t += new TextDecoder().decode((await r.read()).value);
  const [input] = (await api('GET', '/api/v1/jobs/guarded/builds/1/inputs')).json.inputs;
  const denied = await api('POST', `/api/v1/jobs/guarded/builds/1/inputs/${input.id}`, { action: 'approve' }, { authorization: `Bearer ${mallory}` });
  assert.equal(denied.status, 403);
  assert.match(denied.json.error.message, /may only be answered by alice, bob; 'mallory' may not/);
  // Who answers is the caller, not something the body claims.
  assert.equal((await api('POST', `/api/v1/jobs/guarded/builds/1/inputs/${input.id}`, { action: 'approve', user: 'bob' }, { authorization: `Bearer ${mallory}` })).status, 403);
  assert.equal((await api('POST', `/api/v1/jobs/guarded/builds/1/inputs/${input.id}`, { action: 'approve' }, { authorization: `Bearer ${bob}` })).status, 200);
  while (!(await r.read()).done) { /* to the end */ }
  assert.equal((await api('GET', '/api/v1/jobs/guarded/builds/1')).json.result, 'SUCCESS');
  assert.match(await consoleText(c.url, 'guarded', 1), /Approved by bob/);
});

test('milestone: a newer build passing a milestone aborts an older one that has not', async () => {
  await api('POST', '/api/v1/jobs', { name: 'deploy', script: `pipeline {
    agent any
    parameters { booleanParam(name: 'WAIT', defaultValue: false) }
    stages {
      stage('Hold') { when { expression { params.WAIT } } steps { input 'hold' } }
      stage('Deploy') { steps { milestone(1); echo 'deployed' } }
    }
  }` });
  await api('POST', '/api/v1/jobs/deploy/builds', {});
  assert.equal((await waitFinished('deploy', 1)).result, 'SUCCESS');
  await api('POST', '/api/v1/jobs/deploy/builds', { params: { WAIT: true } });
  const s2 = await adminFetch(new URL('api/v1/jobs/deploy/builds/2/console/stream', c.url));
  const r2 = s2.body!.getReader();
  let t2 = '';
  while (!t2.includes('Proceed or Abort')) t2 += new TextDecoder().decode((await r2.read()).value);
  await api('POST', '/api/v1/jobs/deploy/builds', { params: { WAIT: false } });
  assert.equal((await waitFinished('deploy', 3)).result, 'SUCCESS');
  while (!(await r2.read()).done) { /* #2 ends */ }
  assert.equal((await api('GET', '/api/v1/jobs/deploy/builds/2')).json.result, 'ABORTED');
  assert.match((await api('GET', '/api/v1/jobs/deploy/builds/2/console')).text, /Superseded by #3, which passed milestone 1 first/);
  assert.match((await api('GET', '/api/v1/jobs/deploy/builds/3/console')).text, /^Trying to pass milestone 1$/m);
});

test('metrics in Prometheus format', async () => {
  const m = await api('GET', '/metrics');
  assert.match(m.text, /^kiln_queue_length \d+$/m);
  assert.match(m.text, /^kiln_executors_idle \d+$/m);
  assert.match(m.text, /^kiln_build_duration_seconds_count [1-9]\d*$/m);
  assert.match(m.text, /^kiln_agents\{state="online"\} 0$/m);
});
});
}
