// Builds on the controller's own host must not get the controller's secrets: a real
// `kiln controller --executors 1` started with secrets in its environment and a home whose
// modes are too loose, a real `kiln agent` started with its secret in its environment, and
// builds on both that print their whole environment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kilnBin, repoRoot } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { TEST_ADMIN_TOKEN, consoleText, finishedBuild, jsonApi, until } from '../helpers/controller.ts';

const WEBHOOK_SECRET = 'webhook-secret-value-5f2c9e';
const OPERATOR_SECRET = 'operator-exported-secret-8d1a';

/** The environment of the test run without its own KILN_* settings. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('KILN_')));
}

function output(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { out += d; });
  return () => out;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await gone;
}

test('builds on controller executors and on a same-host agent get no KILN_* secrets; the home is made 0700/0600; executors are warned about', async () => {
  const root = tempDir('hostsec');
  const home = path.join(root, 'home');
  // A home left open by an older Kiln or a careless copy.
  mkdirSync(path.join(home, 'secrets'), { recursive: true });
  writeFileSync(path.join(home, 'secrets', 'agent.key'), `${'ab'.repeat(32)}\n`);
  chmodSync(home, 0o755);
  chmodSync(path.join(home, 'secrets'), 0o755);
  chmodSync(path.join(home, 'secrets', 'agent.key'), 0o644);

  const ctl = spawn(kilnBin, ['controller', '--home', home, '--port', '0', '--executors', '1'], {
    cwd: repoRoot,
    env: { ...cleanEnv(), KILN_ADMIN_TOKEN: TEST_ADMIN_TOKEN, KILN_WEBHOOK_SECRET: WEBHOOK_SECRET, KILN_OPERATOR_NOTE: OPERATOR_SECRET },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const ctlOut = output(ctl);
  const procs: ChildProcess[] = [ctl];
  try {
    await until(() => /Kiln is ready at \S+/.test(ctlOut()) || ctl.exitCode !== null, 'the controller to start', 60_000);
    const url = /Kiln is ready at (\S+)/.exec(ctlOut())?.[1];
    assert.ok(url, ctlOut());
    const api = jsonApi(() => url);

    // The loose modes were tightened, and said.
    assert.equal(statSync(home).mode & 0o777, 0o700);
    assert.equal(statSync(path.join(home, 'secrets')).mode & 0o777, 0o700);
    for (const f of ['agent.key', 'credentials.key', 'initialAdminPassword']) assert.equal(statSync(path.join(home, 'secrets', f)).mode & 0o777, 0o600, f);
    assert.match(ctlOut(), new RegExp(`WARNING: the controller's home ${home} was open to other users \\(mode 755\\); made it 0700`));
    assert.match(ctlOut(), /WARNING: the secrets file \S+agent\.key was readable by other users \(mode 644\); made it 600/);
    // Executors on the controller: a loud warning in the log and on the agents page for admins.
    await until(() => /WARNING: The controller runs builds itself/.test(ctlOut()), 'the executors warning');
    assert.match(ctlOut(), /WARNING: The controller runs builds itself \(executors 1\).*can read .*secrets.*environ.*admin token/);
    const agents = await api('GET', 'api/v1/agents');
    assert.equal(agents.builtIn.executors, 1);
    assert.match(agents.builtIn.warning, /whoever can change a Jenkinsfile can become admin/);

    // A build on the controller's executor prints its whole environment.
    const envScript = (label: string) => `pipeline { agent { label '${label}' }; stages { stage('Env') { steps {
      sh 'echo "names: $(env | cut -d= -f1 | sort | tr "\\\\n" " ")"; env' } } } }`;
    // (/proc/$PPID/environ, the controller's, is readable from here all the same: same user. That
    // is what the warning above is about; test/cli/up.test.ts shows a local agent's user cannot.)
    await api('POST', 'api/v1/jobs', { name: 'on-controller', script: envScript('built-in') });
    const b1 = await api('POST', 'api/v1/jobs/on-controller/builds', {});
    const r1 = await finishedBuild(url, 'on-controller', b1.number);
    const c1 = await consoleText(url, 'on-controller', b1.number);
    assert.equal(r1.result, 'SUCCESS', c1);
    assert.match(c1, /^names: .*\bHOME\b.*\bPATH\b/m);
    for (const secret of [TEST_ADMIN_TOKEN, WEBHOOK_SECRET, OPERATOR_SECRET]) assert.ok(!c1.includes(secret), `the build saw a secret of the controller:\n${c1}`);
    assert.doesNotMatch(c1, /KILN_ADMIN_TOKEN|KILN_WEBHOOK_SECRET|KILN_OPERATOR_NOTE/);

    // A `kiln agent` on the same host, with its settings (and secret) in its environment.
    await api('POST', 'api/v1/agents', { name: 'same-host', labels: ['same-host'], executors: 1 });
    const info = await api('GET', 'api/v1/agents/same-host');
    const secret = /--secret '?([0-9a-f]+)'?/.exec(info.command)?.[1];
    assert.ok(secret, info.command);
    const agentUrl = url.replace('127.0.0.1', 'localhost'); // not the public URL the build is told
    const agent = spawn(kilnBin, ['agent'], {
      cwd: repoRoot,
      env: { ...cleanEnv(), KILN_URL: agentUrl, KILN_AGENT_NAME: 'same-host', KILN_SECRET: secret, KILN_AGENT_WORKDIR: path.join(root, 'agent'), KILN_OPERATOR_NOTE: OPERATOR_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    procs.push(agent);
    const agentOut = output(agent);
    await until(async () => (await api('GET', 'api/v1/agents/same-host')).online === true || agent.exitCode !== null, 'the agent to connect', 30_000);
    assert.equal(agent.exitCode, null, agentOut());
    await api('POST', 'api/v1/jobs', { name: 'on-agent', script: envScript('same-host') });
    const b2 = await api('POST', 'api/v1/jobs/on-agent/builds', {});
    const r2 = await finishedBuild(url, 'on-agent', b2.number);
    const c2 = await consoleText(url, 'on-agent', b2.number);
    assert.equal(r2.result, 'SUCCESS', c2);
    assert.match(c2, /^names: .*\bHOME\b/m);
    for (const s of [secret, OPERATOR_SECRET, agentUrl, TEST_ADMIN_TOKEN]) assert.ok(!c2.includes(s), `the build saw '${s}' from the agent's environment:\n${c2}`);
    assert.doesNotMatch(c2, /KILN_SECRET|KILN_AGENT_NAME|KILN_AGENT_WORKDIR/);
    // KILN_URL is the build variable (the controller's public URL, like JENKINS_URL), not the agent's setting.
    assert.match(c2, new RegExp(`^KILN_URL=${url.replace(/[.]/g, '\\.')}$`, 'm'));

    // Nor can a build find the secret in the agent process itself: /proc/<agent>/environ (its own
    // user's builds may read it) and cmdline (anyone may) no longer hold it, the pid unchanged.
    const procText = (pid: number, f: string) => readFileSync(`/proc/${pid}/${f}`).toString('latin1');
    assert.ok(!procText(agent.pid!, 'environ').includes(secret), 'the agent\'s environ still holds its secret');
    assert.match(procText(agent.pid!, 'environ'), /KILN_AGENT_NAME=same-host/, 'the same process, re-executed with the rest of its environment');
    // Given as --secret VALUE on its command line, the same.
    await api('POST', 'api/v1/agents', { name: 'by-argv', labels: ['by-argv'], executors: 1 });
    const secret2 = /--secret '?([0-9a-f]+)'?/.exec((await api('GET', 'api/v1/agents/by-argv')).command)?.[1];
    assert.ok(secret2);
    const agent2 = spawn(kilnBin, ['agent', '--url', agentUrl, '--name', 'by-argv', '--secret', secret2, '--workdir', path.join(root, 'agent2')], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    procs.push(agent2);
    const agent2Out = output(agent2);
    await until(async () => (await api('GET', 'api/v1/agents/by-argv')).online === true || agent2.exitCode !== null, 'the second agent to connect', 30_000);
    assert.equal(agent2.exitCode, null, agent2Out());
    assert.ok(!procText(agent2.pid!, 'cmdline').includes(secret2), `the agent's command line still holds its secret: ${procText(agent2.pid!, 'cmdline')}`);
    assert.ok(!procText(agent2.pid!, 'environ').includes(secret2));
  } finally {
    for (const p of procs.reverse()) await stop(p);
  }
});
