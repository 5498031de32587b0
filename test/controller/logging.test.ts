// The controller's and the agent's logs as an operator's log collector reads them: `kiln
// controller` and `kiln agent` write JSON lines on stderr (nothing on stdout); each request
// is one line with its id, method, URL, status and time; a build's lines carry its job and
// number from queued to finished; an agent's lines carry its name, on both sides; and no
// credential (the admin token, a session cookie, a query token, a login password, a stored
// secret, the agent's secret) ever reaches either log. KILN_LOG_FORMAT=pretty gives the lines
// a person reads, and a bad KILN_LOG_LEVEL is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { kilnBin, repoRoot, runKiln } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { ADMIN_AUTH, TEST_ADMIN_TOKEN, finishedBuild, jsonApi, until } from '../helpers/controller.ts';

/** This process's environment without KILN_* settings (a developer's own must not leak in). */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_')));
}

interface Proc { child: ChildProcess; stdout: () => string; stderr: () => string; stop: () => Promise<void> }

function start(args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(kilnBin, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child, stdout: () => out, stderr: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Every line of `text` as JSON (fails naming the line that is not). */
function records(text: string): any[] {
  return text.split('\n').filter((l) => l !== '').map((l) => {
    try {
      return JSON.parse(l);
    } catch {
      assert.fail(`not a JSON log line: ${l}`);
    }
  });
}

const COOKIE_SECRET = 'cookie-9f8e7d6c5b4a39281706';
const QUERY_SECRET = 'query-1a2b3c4d5e6f7a8b9c0d';
const PASSWORD_SECRET = 'password-0f1e2d3c4b5a69788796';
const STORED_SECRET = 'stored-5e4d3c2b1a0f9e8d7c6b';

test('kiln controller and kiln agent log JSON lines: one per request, a build from queued to finished, agents by name, and never a secret', async () => {
  const root = tempDir('logging');
  const ctl = start(['controller', '--home', path.join(root, 'home'), '--port', '0'], { ...cleanEnv(), KILN_ADMIN_TOKEN: TEST_ADMIN_TOKEN });
  let agent: Proc | null = null;
  let agentSecret = '';
  try {
    await until(() => /Kiln is ready at/.test(ctl.stderr()) || ctl.child.exitCode !== null, 'the controller to start', 60_000);
    const ready = records(ctl.stderr()).find((r) => typeof r.msg === 'string' && r.msg.startsWith('Kiln is ready at'));
    assert.ok(ready, ctl.stderr());
    const url: string = ready.url;
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const api = jsonApi(() => url);

    // A stored secret, used by a build on an agent.
    await api('POST', '/api/v1/credentials', { id: 'deploy-token', type: 'secretText', secret: STORED_SECRET });
    const info = await api('POST', '/api/v1/agents', { name: 'log-agent', labels: ['logs'], executors: 1 });
    const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
    agentSecret = args[args.indexOf('--secret') + 1]!;
    assert.ok(agentSecret.length >= 32, info.command);
    agent = start([...args, '--workdir', tempDir('log-agent')], cleanEnv());
    await until(async () => (await api('GET', '/api/v1/agents/log-agent')).online, 'the agent to connect', 30_000);
    await api('POST', '/api/v1/jobs', {
      name: 'logged',
      script: `pipeline { agent { label 'logs' }; stages { stage('S') { steps { withCredentials([string(credentialsId: 'deploy-token', variable: 'T')]) { sh 'test -n "$T" && echo used' } } } } }`,
    });
    const { number } = await api('POST', '/api/v1/jobs/logged/builds', {});
    assert.equal((await finishedBuild(url, 'logged', number)).result, 'SUCCESS');

    // Requests carrying secrets: the admin token (every call above), a session cookie, a token in the query, a login password.
    const probe = await fetch(new URL(`api/v1/jobs/logged?token=${QUERY_SECRET}&view=full`, url), { headers: { ...ADMIN_AUTH, cookie: `kiln_session=${COOKIE_SECRET}` } });
    assert.equal(probe.status, 200);
    await probe.text();
    const login = await fetch(new URL('api/v1/auth/login', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'nobody', password: PASSWORD_SECRET }) });
    assert.equal(login.status, 401);
    await login.text();
    // Health probes stay out of the log at info.
    for (let i = 0; i < 3; i++) await (await fetch(new URL('api/v1/health', url))).text();
  } finally {
    await agent?.stop();
    await ctl.stop();
  }

  // Everything is on stderr, one JSON object per line; stdout stays empty.
  assert.equal(ctl.stdout(), '');
  const log = records(ctl.stderr());
  assert.ok(log.every((r) => typeof r.level === 'string' && typeof r.time === 'string' && typeof r.msg === 'string'), ctl.stderr());

  // One line per request: id, method, URL (query secret hidden), status, time, caller.
  const requests = log.filter((r) => r.msg === 'request completed');
  assert.ok(requests.length >= 8, `${requests.length} request lines`);
  const ids = requests.map((r) => r.reqId);
  assert.ok(ids.every((id) => /^[0-9a-f-]{36}$/.test(id)), ids.join(' '));
  assert.equal(new Set(ids).size, ids.length, 'one line per request id');
  const probeLine = requests.filter((r) => r.url === '/api/v1/jobs/logged?token=[redacted]&view=full');
  assert.equal(probeLine.length, 1, JSON.stringify(requests.map((r) => r.url)));
  assert.deepEqual([probeLine[0].level, probeLine[0].method, probeLine[0].status, probeLine[0].user, probeLine[0].ip], ['info', 'GET', 200, 'admin-token', '127.0.0.1']);
  assert.equal(typeof probeLine[0].ms, 'number');
  const trigger = requests.find((r) => r.method === 'POST' && r.url === '/api/v1/jobs/logged/builds');
  assert.equal(trigger?.status, 201);
  assert.ok(requests.some((r) => r.method === 'POST' && r.url === '/api/v1/auth/login' && r.status === 401 && r.user === undefined));
  assert.ok(!requests.some((r) => r.url === '/api/v1/health'), 'health probes are logged at debug only');

  // The build's life, each line with its job and number.
  const build = log.filter((r) => r.job === 'logged' && r.build === 1).map((r) => r.msg);
  assert.deepEqual(build, ['build queued', 'build started', 'build got a node', 'build finished'], JSON.stringify(log.filter((r) => r.job === 'logged')));
  const got = log.find((r) => r.job === 'logged' && r.msg === 'build got a node');
  assert.deepEqual([got.node, got.agentType, got.label], ['log-agent', 'label', 'logs']);
  const done = log.find((r) => r.job === 'logged' && r.msg === 'build finished');
  assert.equal(done.result, 'SUCCESS');
  assert.ok(Number.isInteger(done.durationMs) && done.durationMs >= 0, String(done.durationMs));

  // The agent by name: the controller's lines, and the agent's own log.
  assert.ok(log.some((r) => r.agent === 'log-agent' && /^agents: agent 'log-agent' connected from/.test(r.msg)), ctl.stderr());
  assert.ok(log.some((r) => r.agent === 'log-agent' && /^agent log-agent is online/.test(r.msg)), ctl.stderr());
  assert.equal(agent!.stdout(), '');
  const agentLog = records(agent!.stderr());
  assert.ok(agentLog.length > 0 && agentLog.every((r) => r.agent === 'log-agent'), agent!.stderr());
  assert.ok(agentLog.some((r) => r.level === 'info' && /^connected to http:\/\/127\.0\.0\.1:\d+\/? as agent 'log-agent'$/.test(r.msg)), agent!.stderr());

  // No secret in either log.
  for (const [what, secret] of [['admin token', TEST_ADMIN_TOKEN], ['cookie', COOKIE_SECRET], ['query token', QUERY_SECRET], ['password', PASSWORD_SECRET], ['stored secret', STORED_SECRET], ['agent secret', agentSecret]]) {
    assert.ok(!ctl.stderr().includes(secret!), `the ${what} is in the controller's log`);
    assert.ok(!agent!.stderr().includes(secret!), `the ${what} is in the agent's log`);
  }
});

test('KILN_LOG_FORMAT=pretty: the lines a person reads, the URL and the password file first; KILN_LOG_LEVEL=warn leaves the warnings', async () => {
  const home = path.join(tempDir('logging-pretty'), 'home');
  const ctl = start(['controller', '--home', home, '--port', '0'], { ...cleanEnv(), KILN_LOG_FORMAT: 'pretty' });
  try {
    await until(() => /Kiln is locked until set up/.test(ctl.stderr()) || ctl.child.exitCode !== null, 'the controller to start', 60_000);
    // An answer means `kiln controller` is past its start, its SIGTERM handler in place.
    const url = /Kiln is ready at (\S+)/.exec(ctl.stderr())?.[1];
    assert.ok(url, ctl.stderr());
    assert.equal((await fetch(new URL('api/v1/ready', url))).status, 200);
  } finally {
    await ctl.stop();
  }
  const lines = ctl.stderr().split('\n');
  assert.ok(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} Kiln is ready at http:\/\/127\.0\.0\.1:\d+\/ \(home \S+, sqlite store, started in \d+ ms\)$/.test(l)), ctl.stderr());
  const pw = path.join(home, 'secrets', 'initialAdminPassword');
  assert.ok(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} Kiln is locked until set up: open http:\S+ and unlock it with the initial admin password in /.test(l) && l.endsWith(pw)), ctl.stderr());
  assert.ok(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} Kiln is stopping\.\.\.$/.test(l)), ctl.stderr());

  const quiet = start(['controller', '--home', home, '--port', '0', '--host', '0.0.0.0'], { ...cleanEnv(), KILN_LOG_LEVEL: 'warn' });
  try {
    await until(() => /plain HTTP on a network address/.test(quiet.stderr()) || quiet.child.exitCode !== null, 'the plain-HTTP warning', 60_000);
  } finally {
    await quiet.stop();
  }
  const warned = records(quiet.stderr());
  assert.ok(warned.length > 0 && warned.every((r) => r.level === 'warn' || r.level === 'error'), quiet.stderr());
});

test('a bad KILN_LOG_LEVEL or KILN_LOG_FORMAT is a usage error (exit 2) naming the variable', async () => {
  const home = path.join(tempDir('logging-bad'), 'home');
  const r = await runKiln(['controller', '--home', home, '--port', '0'], { env: { KILN_LOG_LEVEL: 'chatty' } });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /^kiln controller: KILN_LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent; got 'chatty'\n$/);
  const a = await runKiln(['agent', '--url', 'http://127.0.0.1:1', '--name', 'a', '--secret', 's'], { env: { KILN_LOG_FORMAT: 'xml' } });
  assert.equal(a.code, 2, a.stderr);
  assert.match(a.stderr, /^kiln agent: KILN_LOG_FORMAT: expected json or pretty; got 'xml'\n/);
});
