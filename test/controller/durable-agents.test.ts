// Durable builds with agents, on real processes: the controller (`bin/kiln controller`) and its
// agents (`bin/kiln agent`) are children of the test, killed with SIGKILL mid-step and started
// again (the controller on the same home, store and port). The `sh` that was running on an agent
// goes on there and is re-attached: its output arrives once and in order, its exit code is the
// step's result, the pipeline goes on; the script is never run twice (it appends to a file).
// Both stores. A resumed node block gets back the agent that holds its step, among agents of one
// label, and gives up after the agent grace when that agent never comes back (non-resumable, so
// retry runs it elsewhere). An agent stopped by SIGTERM leaves its sh running for its next process
// (unless --stop-steps). And the hub refuses a hostile hand-back (another agent's step, offsets going
// backwards) by closing that connection only.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { WebSocket } from 'ws';
import { kilnBin } from '../helpers/kiln.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText, consoleUntil } from '../helpers/controller.ts';
import { PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import { startControllerProcess, kill9, freePort } from '../helpers/controller-process.ts';
import { freshSchema, dropSchemas } from '../helpers/pg-schemas.ts';

interface Proc { proc: ChildProcess; out: string[] }
interface Ctl extends Proc { url: string }
const running = new Set<ChildProcess>();
const schemas: string[] = [];

after(async () => {
  for (const p of running) p.kill('SIGKILL');
  await dropSchemas(schemas);
});

function track(proc: ChildProcess): string[] {
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  const out: string[] = [];
  proc.stdout!.on('data', (d: Buffer) => out.push(String(d)));
  proc.stderr!.on('data', (d: Buffer) => out.push(String(d)));
  return out;
}

/** `kiln controller` on `home` and `port` (the same after a restart: agents dial it again). */
function startCtl(home: string, port: number, databaseUrl: string | null, graceS = 60): Promise<Ctl> {
  return startControllerProcess(home, { port, databaseUrl, executors: 0, extraArgs: ['--agent-grace', String(graceS)], running });
}

/** `kiln agent` for agent `name` (created on the controller when `create`), in `workdir`. */
async function startAgent(c: Ctl, name: string, workdir: string, extra: string[] = []): Promise<Proc> {
  const api = jsonApi(() => c.url);
  const secret = /--secret (\S+)/.exec((await api('GET', `/api/v1/agents/${name}`)).command)![1]!.replace(/^'|'$/g, '');
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KILN_')) delete env[k];
  const proc = spawn(kilnBin, ['agent', '--url', c.url, '--name', name, '--secret', secret, '--workdir', workdir, ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = track(proc);
  await until(async () => (await api('GET', `/api/v1/agents/${name}`)).online === true, `agent ${name} to connect (${out.join('')})`);
  return { proc, out };
}

const lines = (text: string, re: RegExp) => text.split('\n').filter((l) => re.test(l));
/** Whether a durable exec's `rc` holds its status (a spare directory's `rc` is there, empty, from the start). */
const hasStatus = (rc: string) => {
  try {
    return /^\d+\n$/.test(readFileSync(rc, 'utf8'));
  } catch {
    return false;
  }
};

async function dbFor(kind: 'sqlite' | 'postgres'): Promise<string | null> {
  if (kind === 'sqlite') return null;
  const { schema, databaseUrl } = freshSchema('kiln_dagents');
  schemas.push(schema);
  return databaseUrl;
}

// A plugin's durable task (labelledShell, declared `reattachable`) is taken over as sh is.
for (const [kind, step] of [['sqlite', 'sh'], ['postgres', 'sh'], ['sqlite', 'labelledShell']] as const) test(`kill -9 of the controller (${kind} store) during ${step === 'sh' ? 'an sh' : `a ${step}`} on an agent: the step goes on, is re-attached, every line once and in order, the build SUCCESS`, async () => {
  const home = tempDir('dagents-ctl');
  const marks = tempDir('dagents-ctl-marks');
  const port = await freePort();
  const db = await dbFor(kind);
  let c = await startCtl(home, port, db);
  let api = jsonApi(() => c.url);
  await api('POST', '/api/v1/agents', { name: 'a1', labels: ['durable'], executors: 1 });
  await startAgent(c, 'a1', tempDir('dagents-a1'));
  await api('POST', '/api/v1/jobs', { name: 'long', script: `node('durable') {
    ${step} "set +x; echo ran >> '${marks}/ran'; echo before; while [ ! -e '${marks}/go' ]; do sleep 0.1; done; echo after"
    def v = sh(script: 'echo value', returnStdout: true).trim()
    echo "next step got \${v}"
  }` });
  await api('POST', '/api/v1/jobs/long/builds', {});
  await consoleUntil(c.url, 'long', 1, 'before');
  await kill9(c);
  // The sh goes on while the controller is away: it prints, and the output waits on the agent.
  await new Promise((r) => setTimeout(r, 300));
  writeFileSync(`${marks}/go`, ''); // lets the sh print its last line while no controller listens
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  const b = await finishedBuild(c.url, 'long', 1);
  const text = await consoleText(c.url, 'long', 1);
  assert.equal(b.result, 'SUCCESS', `${text}\n${c.out.join('')}`);
  assert.equal(lines(text, /^before$/).length, 1, text);
  assert.equal(lines(text, /^after$/).length, 1, text);
  assert.ok(text.indexOf('\nbefore\n') < text.indexOf('\nafter\n'), text);
  assert.match(text, /^next step got value$/m);
  assert.equal(lines(text, /^Resumed after the controller restarted \(down \d+\.\d s\)$/).length, 1, text);
  assert.equal(readFileSync(`${marks}/ran`, 'utf8'), 'ran\n', 'the sh ran once');
  await kill9(c);
});


/** A controller with agents `names` (label = name), started in one home on one port. */
async function setup(kind: 'sqlite' | 'postgres', names: string[], graceS = 60) {
  const home = tempDir('dagents');
  const marks = tempDir('dagents-marks');
  const port = await freePort();
  const db = await dbFor(kind);
  const c = await startCtl(home, port, db, graceS);
  const api = jsonApi(() => c.url);
  const workdirs: Record<string, string> = {};
  const agents: Record<string, Proc> = {};
  for (const n of names) {
    await api('POST', '/api/v1/agents', { name: n, labels: [n], executors: 1 });
    workdirs[n] = tempDir(`dagents-${n}`);
    agents[n] = await startAgent(c, n, workdirs[n]!);
  }
  return { home, marks, port, db, c, workdirs, agents };
}

/** An sh that records that it ran, prints `tag` before, waits for `<marks>/go`, prints after, exits `code`. */
const waitingSh = (marks: string, tag: string, code = 0) =>
  `sh "set +x; echo ${tag} >> '${marks}/ran'; echo ${tag}-before; while [ ! -e '${marks}/go' ]; do sleep 0.1; done; echo ${tag}-after; exit ${code}"`;

test('kill -9 of the agent during an sh: the new agent process finds the step, hands it back, and the build goes on', async () => {
  const s = await setup('sqlite', ['b1']);
  const api = jsonApi(() => s.c.url);
  await api('POST', '/api/v1/jobs', { name: 'ag', script: `node('b1') { ${waitingSh(s.marks, 'x')}; sh 'echo second on the same node' }` });
  await api('POST', '/api/v1/jobs/ag/builds', {});
  await consoleUntil(s.c.url, 'ag', 1, 'x-before');
  await kill9(s.agents.b1!);
  writeFileSync(`${s.marks}/go`, '');
  await startAgent(s.c, 'b1', s.workdirs.b1!);
  const b = await finishedBuild(s.c.url, 'ag', 1);
  const text = await consoleText(s.c.url, 'ag', 1);
  assert.equal(b.result, 'SUCCESS', `${text}\n${s.c.out.join('')}`);
  assert.equal(lines(text, /^x-before$/).length, 1, text);
  assert.equal(lines(text, /^x-after$/).length, 1, text);
  assert.match(text, /^second on the same node$/m);
  assert.equal(readFileSync(`${s.marks}/ran`, 'utf8'), 'x\n', 'the sh ran once');
  await kill9(s.c);
});

for (const kind of ['sqlite', 'postgres'] as const) test(`kill -9 of the controller and of the agent at once (${kind}); the sh ends with exit code 3 meanwhile: the build is FAILURE with Jenkins' message`, async () => {
  const s = await setup(kind, ['c1']);
  let api = jsonApi(() => s.c.url);
  await api('POST', '/api/v1/jobs', { name: 'both', script: `node('c1') { ${waitingSh(s.marks, 'y', 3)} }; echo 'not reached'` });
  await api('POST', '/api/v1/jobs/both/builds', {});
  await consoleUntil(s.c.url, 'both', 1, 'y-before');
  // Killed together the moment the line is in the console as a follower sees it (on disk or not,
  // acknowledged to the agent or not): it comes once (the ack barrier, and the journal's execAt).
  await Promise.all([kill9(s.c), kill9(s.agents.c1!)]);
  writeFileSync(`${s.marks}/go`, '');
  await until(() => readdirSync(path.join(s.workdirs.c1!, '.kiln-durable')).some((k) => hasStatus(path.join(s.workdirs.c1!, '.kiln-durable', k, 'rc'))), 'the sh to end while nobody watched');
  const c = await startCtl(s.home, s.port, s.db);
  api = jsonApi(() => c.url);
  await startAgent(c, 'c1', s.workdirs.c1!);
  const b = await finishedBuild(c.url, 'both', 1);
  const text = await consoleText(c.url, 'both', 1);
  assert.equal(b.result, 'FAILURE', `${text}\n${c.out.join('')}`);
  assert.equal(lines(text, /^y-before$/).length, 1, text);
  assert.equal(lines(text, /^y-after$/).length, 1, text);
  assert.match(text, /^ERROR: script returned exit code 3 \(Jenkinsfile:1:\d+\)$/m);
  assert.doesNotMatch(text, /not reached/);
  assert.equal(readFileSync(`${s.marks}/ran`, 'utf8'), 'y\n', 'the sh ran once');
  await kill9(c);
});

test('kill -9 of the controller during a parallel with an sh on each of two agents: both are re-attached', async () => {
  const s = await setup('sqlite', ['p1', 'p2']);
  let api = jsonApi(() => s.c.url);
  await api('POST', '/api/v1/jobs', { name: 'par', script: `parallel one: { node('p1') { ${waitingSh(s.marks, 'one')} } }, two: { node('p2') { ${waitingSh(s.marks, 'two')} } }
    echo 'after the parallel'` });
  await api('POST', '/api/v1/jobs/par/builds', {});
  await consoleUntil(s.c.url, 'par', 1, 'one-before');
  await consoleUntil(s.c.url, 'par', 1, 'two-before');
  await kill9(s.c);
  writeFileSync(`${s.marks}/go`, '');
  const c = await startCtl(s.home, s.port, s.db);
  const b = await finishedBuild(c.url, 'par', 1);
  const text = await consoleText(c.url, 'par', 1);
  assert.equal(b.result, 'SUCCESS', `${text}\n${c.out.join('')}`);
  for (const t of ['one', 'two']) {
    assert.equal(lines(text, new RegExp(`^(\\[${t}\\] )?${t}-before$`)).length, 1, text);
    assert.equal(lines(text, new RegExp(`^(\\[${t}\\] )?${t}-after$`)).length, 1, text);
  }
  assert.match(text, /^after the parallel$/m);
  assert.deepEqual(readFileSync(`${s.marks}/ran`, 'utf8').trim().split('\n').sort(), ['one', 'two'], 'each sh ran once');
  await kill9(c);
});

/** Opens an agent connection as `name` and sends `hello`; resolves with how it ended (or the first message). */
async function rawHello(c: Ctl, name: string, hello: Record<string, unknown>): Promise<{ code: number; reason: string; messages: any[] }> {
  const api = jsonApi(() => c.url);
  const secret = /--secret (\S+)/.exec((await api('GET', `/api/v1/agents/${name}`)).command)![1]!.replace(/^'|'$/g, '');
  const ws = new WebSocket(new URL('agent', c.url.replace(/^http/, 'ws')), {
    headers: { authorization: `Bearer ${secret}`, 'x-kiln-agent-name': name, 'x-kiln-protocol': String(PROTOCOL_VERSION) },
  });
  const messages: any[] = [];
  ws.on('message', (d: Buffer, binary: boolean) => { if (!binary) messages.push(JSON.parse(String(d))); });
  ws.on('open', () => ws.send(JSON.stringify({
    type: 'hello', protocol: PROTOCOL_VERSION, name, labels: [], executors: 1, os: 'linux', arch: 'x64', hostname: 'h', nodeVersion: 'v24',
    kilnVersion: '0', workdir: '/w', session: null, received: 0, ...hello,
  })));
  const ended = new Promise<{ code: number; reason: string; messages: any[] }>((resolve) => ws.once('close', (code, r) => resolve({ code, reason: String(r), messages })));
  // An accepted hello gets a welcome (and, for an unknown step, a discard): then the test closes it.
  const done = await Promise.race([ended, until(() => messages.some((m) => m.type === 'discard'), 'a discard', 10_000).then(() => null)]);
  if (done) return done;
  ws.close(1000);
  return { code: 0, reason: '', messages };
}

test("hostile hand-backs: another agent's step, offsets past what was produced, a build it does not belong to are refused, closing that connection only; an unknown step is stopped", async () => {
  const s = await setup('sqlite', ['h1']);
  const api = jsonApi(() => s.c.url);
  await api('POST', '/api/v1/agents', { name: 'h2', labels: ['h2'], executors: 1 });
  await api('POST', '/api/v1/jobs', { name: 'victim', script: `node('h1') { ${waitingSh(s.marks, 'v')} }` });
  await api('POST', '/api/v1/jobs/victim/builds', {});
  await consoleUntil(s.c.url, 'victim', 1, 'v-before');
  const [key] = readdirSync(path.join(s.workdirs.h1!, '.kiln-durable'));
  const buildId = (await api('GET', '/api/v1/jobs/victim/builds/1')).id as string;
  const zero = { bytes: 0, acked: 0 };
  const logged = (re: RegExp) => until(() => re.test(s.c.out.join('')), `a log line matching ${re}`);

  // h1's step, handed back by h2 (a valid secret of its own).
  let r = await rawHello(s.c, 'h2', { execs: [{ key, buildId, stdout: zero, stderr: zero }] });
  assert.equal(r.code, 1008, JSON.stringify(r));
  assert.match(r.reason, new RegExp(`hand-back names step ${key}, which agent 'h1' runs, not 'h2'`));
  await logged(new RegExp(`agent 'h2' from [^:]+: hand-back names step ${key}, which agent 'h1' runs, not 'h2'; connection closed`));

  // Its own name, but acknowledged bytes past those produced.
  r = await rawHello(s.c, 'h2', { execs: [{ key: 'b9-s9-abc', buildId, stdout: { bytes: 10, acked: 11 }, stderr: zero }] });
  assert.equal(r.code, 1008);
  assert.match(r.reason, /stdout acknowledged up to byte 11 of 10 produced/);

  // That step again, naming another build.
  r = await rawHello(s.c, 'h2', { execs: [{ key, buildId: 'some-other-build', stdout: zero, stderr: zero }] });
  assert.equal(r.code, 1008);

  // A step the controller does not know, of a build that does not exist: welcomed, and told to stop
  // it. (A step of a running build with no row is taken: the killed controller may have sent it
  // before writing its row; only that build's step with that key, on this agent, can take it over.)
  r = await rawHello(s.c, 'h2', { execs: [{ key: 'b9-s9-unknown', buildId: 'no-such-build', stdout: zero, stderr: zero }] });
  assert.equal(r.messages[0]?.type, 'welcome', JSON.stringify(r));
  assert.ok(r.messages.some((m) => m.type === 'discard' && m.key === 'b9-s9-unknown'), JSON.stringify(r));
  await logged(/agent 'h2' handed back step b9-s9-unknown which this controller does not know \(its build is gone\); asking the agent to stop it/);

  // None of it touched h1's step: it goes on and the build succeeds.
  writeFileSync(`${s.marks}/go`, '');
  const b = await finishedBuild(s.c.url, 'victim', 1);
  const text = await consoleText(s.c.url, 'victim', 1);
  assert.equal(b.result, 'SUCCESS', text);
  assert.equal(lines(text, /^v-after$/).length, 1, text);
  await kill9(s.c);
});

test('an agent that does not come back within the grace: the build fails saying so; when it comes back, the step is stopped (its build is over)', async () => {
  const s = await setup('sqlite', ['g1'], 1);
  const api = jsonApi(() => s.c.url);
  await api('POST', '/api/v1/jobs', { name: 'late', script: `node('g1') { sh 'set +x; echo $$ > "${s.marks}/pid"; echo started; while :; do sleep 0.1; done' }` });
  await api('POST', '/api/v1/jobs/late/builds', {});
  await consoleUntil(s.c.url, 'late', 1, 'started');
  await kill9(s.agents.g1!);
  const b = await finishedBuild(s.c.url, 'late', 1);
  const text = await consoleText(s.c.url, 'late', 1);
  assert.equal(b.result, 'FAILURE', text);
  assert.match(text, /agent 'g1' disconnected and did not come back within 1 s; the processes it was running may still be running on/);
  const pid = Number(readFileSync(`${s.marks}/pid`, 'utf8'));
  assert.doesNotThrow(() => process.kill(pid, 0), 'the step still runs while its agent is away');
  const again = await startAgent(s.c, 'g1', s.workdirs.g1!);
  await until(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 'the step to be stopped');
  await until(() => /stopped the step late #1 \(\S+\): the controller says its build is gone or over/.test(again.out.join('')), 'the agent to say so');
  assert.deepEqual(readdirSync(path.join(s.workdirs.g1!, '.kiln-durable')), [], 'nothing left to hand back');
  await kill9(s.c);
});

/** A controller with agents `names` all labelled `pool`; only those in `start` are started. */
async function pool(names: string[], start: string[], graceS = 60) {
  const home = tempDir('dagents-pool');
  const marks = tempDir('dagents-pool-marks');
  const port = await freePort();
  const c = await startCtl(home, port, null, graceS);
  const api = jsonApi(() => c.url);
  const workdirs: Record<string, string> = {};
  const agents: Record<string, Proc> = {};
  for (const n of names) {
    await api('POST', '/api/v1/agents', { name: n, labels: ['pool'], executors: 1 });
    workdirs[n] = tempDir(`dagents-${n}`);
    if (start.includes(n)) agents[n] = await startAgent(c, n, workdirs[n]!);
  }
  return { home, marks, port, c, workdirs, agents };
}

/**
 * Kills the controller and `agent` together, whether or not the agent has heard that the controller
 * has what the step printed on disk: the new controller resends from what its console has (resume.ts execAt).
 */
async function killBoth(c: Ctl, agent: Proc): Promise<void> {
  await Promise.all([kill9(c), kill9(agent)]);
}

test("a resumed node('pool') block gets back the agent that holds its sh, though another agent of the label is online, free and there first", async () => {
  const s = await pool(['p1', 'p2'], ['p2']);
  let api = jsonApi(() => s.c.url);
  await api('POST', '/api/v1/jobs', { name: 'back', script: `node('pool') { ${waitingSh(s.marks, 'w')}; sh 'echo "then on $NODE_NAME"' }` });
  await api('POST', '/api/v1/jobs/back/builds', {});
  await consoleUntil(s.c.url, 'back', 1, 'w-before');
  assert.match(await consoleText(s.c.url, 'back', 1), /^Running on p2 in /m);
  await startAgent(s.c, 'p1', s.workdirs.p1!);
  await killBoth(s.c, s.agents.p2!);
  writeFileSync(`${s.marks}/go`, '');
  const c = await startCtl(s.home, s.port, null);
  api = jsonApi(() => c.url);
  await until(async () => (await api('GET', '/api/v1/agents/p1')).online === true, 'p1 to dial the new controller');
  // The build waits for p2 (p1 is free): the queue says so.
  await until(async () => ((await api('GET', '/api/v1/queue')).items as { label: string | null }[]).some((q) => q.label?.includes('p2')), 'the build to wait for p2');
  await startAgent(c, 'p2', s.workdirs.p2!);
  const b = await finishedBuild(c.url, 'back', 1);
  const text = await consoleText(c.url, 'back', 1);
  assert.equal(b.result, 'SUCCESS', `${text}\n${c.out.join('')}`);
  assert.equal(lines(text, /^w-before$/).length, 1, text);
  assert.equal(lines(text, /^w-after$/).length, 1, text);
  assert.match(text, /^then on p2$/m);
  assert.equal(readFileSync(`${s.marks}/ran`, 'utf8'), 'w\n', 'the sh ran once');
  await kill9(c);
});

test('kill -9 of the controller three times during sh steps on two agents of one label: every step re-attached on its own agent, each line once', async () => {
  const s = await pool(['r1', 'r2'], ['r1', 'r2']);
  let c = s.c;
  let api = jsonApi(() => c.url);
  // Two builds at once, one on each agent; each runs three waiting steps in a row.
  const steps = (b: string) => [1, 2, 3].map((i) => `sh "set +x; echo ${b}${i} >> '${s.marks}/ran-${b}'; echo ${b}${i}-before; while [ ! -e '${s.marks}/go-${b}${i}' ]; do sleep 0.1; done; echo ${b}${i}-after on \\$NODE_NAME"`).join('\n');
  await api('POST', '/api/v1/jobs', { name: 'j1', script: `node('pool') {\n${steps('a')}\n}` });
  await api('POST', '/api/v1/jobs', { name: 'j2', script: `node('pool') {\n${steps('b')}\n}` });
  await api('POST', '/api/v1/jobs/j1/builds', {});
  await consoleUntil(c.url, 'j1', 1, 'a1-before');
  await api('POST', '/api/v1/jobs/j2/builds', {});
  await consoleUntil(c.url, 'j2', 1, 'b1-before');
  for (const i of [1, 2, 3]) {
    await kill9(c);
    writeFileSync(`${s.marks}/go-a${i}`, '');
    writeFileSync(`${s.marks}/go-b${i}`, '');
    c = await startCtl(s.home, s.port, null);
    api = jsonApi(() => c.url);
    if (i < 3) {
      await consoleUntil(c.url, 'j1', 1, `a${i + 1}-before`);
      await consoleUntil(c.url, 'j2', 1, `b${i + 1}-before`);
    }
  }
  for (const [job, b] of [['j1', 'a'], ['j2', 'b']] as const) {
    const r = await finishedBuild(c.url, job, 1);
    const text = await consoleText(c.url, job, 1);
    assert.equal(r.result, 'SUCCESS', `${text}\n${c.out.join('')}`);
    const on = /^Running on (r[12]) in /m.exec(text)![1];
    for (const i of [1, 2, 3]) {
      assert.equal(lines(text, new RegExp(`^${b}${i}-before$`)).length, 1, text);
      assert.deepEqual(lines(text, new RegExp(`^${b}${i}-after`)), [`${b}${i}-after on ${on}`], text);
    }
    assert.equal(lines(text, /^Resumed after the controller restarted/).length, 3, text);
    assert.equal(readFileSync(`${s.marks}/ran-${b}`, 'utf8'), `${b}1\n${b}2\n${b}3\n`, 'each sh ran once');
  }
  await kill9(c);
});

test('a resumed build whose agent never comes back: after the grace its node block fails as non-resumable, saying so, and retry runs it on another agent of the label', async () => {
  const s = await pool(['q1', 'q2'], ['q2'], 2);
  let api = jsonApi(() => s.c.url);
  await api('POST', '/api/v1/jobs', { name: 'gone', script: `retry(count: 2, conditions: [nonresumable()]) {\n  node('pool') {\n    sh 'echo "on $NODE_NAME"'\n    ${waitingSh(s.marks, 'z')}\n  }\n}\necho 'went on'` });
  await api('POST', '/api/v1/jobs/gone/builds', {});
  await consoleUntil(s.c.url, 'gone', 1, 'z-before');
  await startAgent(s.c, 'q1', s.workdirs.q1!);
  await killBoth(s.c, s.agents.q2!);
  writeFileSync(`${s.marks}/go`, '');
  const c = await startCtl(s.home, s.port, null, 2); // q2 is never started again
  const b = await finishedBuild(c.url, 'gone', 1);
  const text = await consoleText(c.url, 'gone', 1);
  assert.equal(b.result, 'SUCCESS', `${text}\n${c.out.join('')}`);
  assert.match(text, /agent 'q2' did not come back within 2 s after the controller restarted: the step in flight there cannot be resumed/);
  assert.match(text, /^on q2$/m);
  assert.match(text, /^on q1$/m);
  assert.match(text, /^went on$/m);
  assert.equal(lines(text, /^Resumed after the controller restarted/).length, 1, text);
  await kill9(c);
});

async function sigterm(p: Proc): Promise<number | null> {
  const gone = new Promise<number | null>((r) => p.proc.once('exit', (code) => r(code)));
  p.proc.kill('SIGTERM');
  return gone;
}

test('SIGTERM of an agent during an sh (a restart, an upgrade): the agent exits 0, the sh goes on, its next process hands it back, the build SUCCESS with each line once', async () => {
  const s = await setup('sqlite', ['t1']);
  const api = jsonApi(() => s.c.url);
  await api('POST', '/api/v1/jobs', { name: 'term', script: `node('t1') { ${waitingSh(s.marks, 't')}; sh 'echo second on the same node' }` });
  await api('POST', '/api/v1/jobs/term/builds', {});
  await consoleUntil(s.c.url, 'term', 1, 't-before');
  assert.equal(await sigterm(s.agents.t1!), 0);
  assert.match(s.agents.t1!.out.join(''), /1 durable step left running for this agent's next process to hand back/);
  writeFileSync(`${s.marks}/go`, ''); // the sh goes on while no agent process runs
  await until(() => readdirSync(path.join(s.workdirs.t1!, '.kiln-durable')).some((k) => hasStatus(path.join(s.workdirs.t1!, '.kiln-durable', k, 'rc'))), 'the sh to end while its agent is away');
  await startAgent(s.c, 't1', s.workdirs.t1!);
  const b = await finishedBuild(s.c.url, 'term', 1);
  const text = await consoleText(s.c.url, 'term', 1);
  assert.equal(b.result, 'SUCCESS', `${text}\n${s.c.out.join('')}`);
  assert.equal(lines(text, /^t-before$/).length, 1, text);
  assert.equal(lines(text, /^t-after$/).length, 1, text);
  assert.match(text, /^second on the same node$/m);
  assert.equal(readFileSync(`${s.marks}/ran`, 'utf8'), 't\n', 'the sh ran once');
  await kill9(s.c);
});

test('SIGTERM of an agent started with --stop-steps: its sh is stopped and the build fails at once saying the agent shut down', async () => {
  const s = await setup('sqlite', []);
  const api = jsonApi(() => s.c.url);
  await api('POST', '/api/v1/agents', { name: 'u1', labels: ['u1'], executors: 1 });
  const workdir = tempDir('dagents-u1');
  const agent = await startAgent(s.c, 'u1', workdir, ['--stop-steps']);
  await api('POST', '/api/v1/jobs', { name: 'stopped', script: `node('u1') { sh 'set +x; echo $$ > "${s.marks}/pid"; echo started; while :; do sleep 0.1; done' }` });
  await api('POST', '/api/v1/jobs/stopped/builds', {});
  await consoleUntil(s.c.url, 'stopped', 1, 'started');
  assert.equal(await sigterm(agent), 0);
  const pid = Number(readFileSync(`${s.marks}/pid`, 'utf8'));
  await until(() => { try { process.kill(pid, 0); return false; } catch { return true; } }, 'the step to be stopped with its agent');
  const b = await finishedBuild(s.c.url, 'stopped', 1);
  const text = await consoleText(s.c.url, 'stopped', 1);
  assert.equal(b.result, 'FAILURE', text);
  assert.match(text, /agent 'u1' shut down \(agent stopped \(SIGTERM\)\)/);
  await kill9(s.c);
});
