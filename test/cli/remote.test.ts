// kiln job / build / logs / abort / agents against a real controller.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { runKiln } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig, TEST_ADMIN_TOKEN } from '../helpers/controller.ts';

let c: ControllerHandle;
let dir: string;
const kiln = (...args: string[]) => runKiln([...args, '--url', c.url], { cwd: dir, env: { KILN_TOKEN: TEST_ADMIN_TOKEN } });

before(async () => {
  dir = tempDir('cli');
  c = await startController(testConfig({ home: path.join(dir, 'home'), port: '0', executors: '1' }));
});
after(async () => { await c?.close(); });

test('job create / list / get / update / delete', async () => {
  writeFileSync(path.join(dir, 'Jenkinsfile'), `pipeline { agent any; parameters { string(name: 'N', defaultValue: 'x') }; stages { stage('S') { steps { sh 'echo "n=$N"' } } } }`);
  const created = await kiln('job', 'create', 'app', '--file', 'Jenkinsfile');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /created job app/);
  const list = await kiln('job', 'list');
  assert.match(list.stdout, /^app\s+never built$/m);
  const json = await kiln('job', 'get', 'app', '--json');
  assert.equal(JSON.parse(json.stdout).definition.kind, 'inline');
  const dup = await kiln('job', 'create', 'app', '--file', 'Jenkinsfile');
  assert.equal(dup.code, 1);
  assert.match(dup.stderr, /app/);
  writeFileSync(path.join(dir, 'Bad'), 'pipeline { agent any }');
  const bad = await kiln('job', 'update', 'app', '--file', 'Bad');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /Missing required section "stages"/);
});

test('build --follow streams the console and exits with the result; logs prints it again', async () => {
  const r = await kiln('build', 'app', '-p', 'N=42', '--follow');
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^n=42$/m);
  assert.match(r.stdout, /Finished: SUCCESS/);
  const logs = await kiln('logs', 'app');
  assert.match(logs.stdout, /^n=42$/m);
  const byNumber = await kiln('logs', 'app#1');
  assert.equal(byNumber.stdout, logs.stdout);
  writeFileSync(path.join(dir, 'Fail'), `pipeline { agent any; stages { stage('S') { steps { sh 'exit 1' } } } }`);
  await kiln('job', 'create', 'failing', '--file', 'Fail');
  assert.equal((await kiln('build', 'failing', '--follow')).code, 1);
});

test('abort a running build from the CLI', async () => {
  writeFileSync(path.join(dir, 'Slow'), `pipeline { agent any; stages { stage('S') { steps { sh 'echo go; sleep 300' } } } }`);
  await kiln('job', 'create', 'slow', '--file', 'Slow');
  const started = await kiln('build', 'slow', '--json');
  const n = JSON.parse(started.stdout).number as number;
  for (let i = 0; i < 400 && !(await kiln('logs', `slow#${n}`)).stdout.includes('go'); i++) await new Promise((r) => setTimeout(r, 25));
  const a = await kiln('abort', `slow#${n}`);
  assert.equal(a.code, 0, a.stderr);
  const follow = await kiln('logs', `slow#${n}`, '--follow');
  assert.equal(follow.code, 4, follow.stdout);
});

test('errors a person can act on: unreachable controller, unknown job, bad build reference, usage', async () => {
  // A port that was free a moment ago: nothing listens there.
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise((r) => srv.close(r));
  const down = await runKiln(['job', 'list', '--url', `http://127.0.0.1:${port}/`]);
  assert.equal(down.code, 2);
  assert.match(down.stderr, new RegExp(`cannot reach Kiln at http://127\\.0\\.0\\.1:${port}/: connection refused`));
  const missing = await kiln('build', 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no job named 'nope'/);
  assert.match((await kiln('logs', 'app#x')).stderr, /'app#x' is not a build: write JOB#NUMBER/);
  assert.equal((await kiln('build')).code, 2);
  const agents = await kiln('agents');
  assert.equal(agents.code, 0);
  assert.match(agents.stdout, /no agents/);
  // No token, or a wrong one: the answer says what to send.
  const anonymous = await runKiln(['job', 'list', '--url', c.url], { env: { KILN_TOKEN: '' } });
  assert.equal(anonymous.code, 1);
  assert.match(anonymous.stderr, /Kiln is not set up yet: open http\S+ and unlock it with the initial admin password in \S+initialAdminPassword/);
  const wrong = await runKiln(['job', 'list', '--url', c.url, '--token', 'kiln_not-a-real-token']);
  assert.match(wrong.stderr, /unknown or revoked API token/);
  assert.match(wrong.stderr, /--token or KILN_TOKEN/);
});
