// A resumed script step loses nothing and brings nothing twice (issue 19), on real processes and
// both stores: `kill -9` of the controller while a `returnStdout` step prints in chunks (its value
// is the whole text, once) and a `returnStatus` step runs, and of the agent (with the controller,
// or alone) during such a step (a new agent process hands the kept stdout back); a kill between the step's end on the
// agent and its end in the journal (the result is taken, the step does not run again); one after
// a step was journaled and before its agent received it (it starts then, once), and one before
// the store had the exec's row (the hand-back is taken for its running build); the
// journal's growth for a 100,000-line step (bounded by time, not by lines); a console whose
// tail a kill tore within a write (cut back and resent: every line once); a prompt (a partial
// line the engine flushed after its idle delay) with another branch's line after it (once, its rest
// in the same line without a second `[a] ` prefix, the other branch's closing line once); and a
// write torn within another branch's closing line beside a running sh (the line kept, whole).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { testPostgresUrl } from '../helpers/pg-schemas.ts';
import { durableKillHarness, readOrEmpty, buildDir, STORES } from '../helpers/durable-kill.ts';
import { tempDir } from '../helpers/tmp.ts';
import { jsonApi, until, finishedBuild, consoleText } from '../helpers/controller.ts';
import { kill9, freePort } from '../helpers/controller-process.ts';

const { running, dbFor, startCtl, startAgent } = durableKillHarness('kiln_durjournal');
const read = readOrEmpty;

/** The durable exec directories on the agent, by key. */
function execDirs(workdir: string): string[] {
  try {
    return readdirSync(path.join(workdir, '.kiln-durable')).map((k) => path.join(workdir, '.kiln-durable', k));
  } catch {
    return [];
  }
}

/** The exec directory whose stdout contains `text`. */
function execDirWith(workdir: string, text: string): string | null {
  return execDirs(workdir).find((d) => read(path.join(d, 'out')).includes(text)) ?? null;
}

const resumedLines = (text: string) => text.split('\n').filter((l) => /^Resumed after the controller restarted \(down \d+\.\d s\)$/.test(l)).length;

for (const kind of STORES) test(`kill -9 of the controller (${kind} store) while a returnStdout step prints in chunks and a returnStatus step runs: the whole text once, the status`, async () => {
  const home = tempDir('durj-rs');
  const marks = tempDir('durj-rs-marks');
  const workdir = tempDir('durj-rs-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  let api = jsonApi(() => c.url);
  await startAgent(c, 'a1', workdir, 2);
  const CHUNKS = 30;
  await api('POST', '/api/v1/jobs', { name: 'capture', script: `node('durable') {
    script {
      def text = sh(returnStdout: true, script: '''set +x; echo ran >> '${marks}/capture'; i=1; while [ $i -le ${CHUNKS} ]; do echo "C$i"; i=$((i+1)); sleep 0.1; done''')
      def lines = text.trim().split('\\n')
      echo "captured \${lines.size()} lines: \${lines.join(',')}"
    }
  }` });
  await api('POST', '/api/v1/jobs', { name: 'status', script: `node('durable') {
    script {
      def st = sh(returnStatus: true, script: '''set +x; echo ran >> '${marks}/status'; echo S1; sleep 2; echo S2; exit 3''')
      echo "status \${st}"
    }
  }` });
  await api('POST', '/api/v1/jobs/capture/builds', {});
  await api('POST', '/api/v1/jobs/status/builds', {});
  // Killed once the agent holds part of the captured stdout as acknowledged (the controller had it
  // in memory only: before, a resumed step got only what came after), and the status step runs.
  await until(() => {
    const d = execDirWith(workdir, 'C1\n');
    return d !== null && Number(/^(\d+) /.exec(read(path.join(d, 'acked')))?.[1] ?? 0) >= 6 && execDirWith(workdir, 'S1') !== null;
  }, 'the captured step to have output acknowledged while the status step runs', 60_000, 5);
  const captured = read(path.join(execDirWith(workdir, 'C1\n')!, 'out'));
  assert.ok(!captured.includes(`C${CHUNKS}\n`), `killed mid-step: ${captured}`);
  await kill9(c);
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  const b1 = await finishedBuild(c.url, 'capture', 1);
  const t1 = await consoleText(c.url, 'capture', 1);
  assert.equal(b1.result, 'SUCCESS', t1);
  const all = Array.from({ length: CHUNKS }, (_, i) => `C${i + 1}`).join(',');
  assert.equal(t1.split('\n').filter((l) => l.startsWith('captured ')).join('\n'), `captured ${CHUNKS} lines: ${all}`, t1);
  assert.equal(resumedLines(t1), 1, t1);
  assert.equal(read(`${marks}/capture`), 'ran\n', 'the captured step ran once');
  const b2 = await finishedBuild(c.url, 'status', 1);
  const t2 = await consoleText(c.url, 'status', 1);
  assert.equal(b2.result, 'SUCCESS', t2);
  assert.deepEqual(t2.split('\n').filter((l) => /^(S\d|status \d+)$/.test(l)), ['S1', 'S2', 'status 3'], t2);
  assert.equal(read(`${marks}/status`), 'ran\n', 'the status step ran once');
  await kill9(c);
});

for (const [kind, who] of [['sqlite', 'both'], ['postgres', 'both'], ['sqlite', 'agent']] as const) test(`kill -9 of ${who === 'both' ? 'the controller and of the agent at once' : 'the agent'} (${kind} store) while a returnStdout step prints: the new agent process hands it back, the whole text once`, async () => {
  const home = tempDir('durj-both');
  const marks = tempDir('durj-both-marks');
  const workdir = tempDir('durj-both-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  const agent = await startAgent(c, 'a1', workdir);
  const api = jsonApi(() => c.url);
  const CHUNKS = 30;
  await api('POST', '/api/v1/jobs', { name: 'both', script: `node('durable') {
    script {
      def text = sh(returnStdout: true, script: '''set +x; echo ran >> '${marks}/ran'; i=1; while [ $i -le ${CHUNKS} ]; do echo "C$i"; i=$((i+1)); sleep 0.1; done''')
      echo "captured \${text.trim().split('\\n').join(',')}"
    }
  }` });
  await api('POST', '/api/v1/jobs/both/builds', {});
  await until(() => {
    const d = execDirWith(workdir, 'C1\n');
    return d !== null && Number(/^(\d+) /.exec(read(path.join(d, 'acked')))?.[1] ?? 0) >= 6;
  }, 'the captured step to have output acknowledged', 60_000, 5);
  if (who === 'both') {
    await Promise.all([kill9(c), kill9(agent)]);
    c = await startCtl(home, port, db);
  } else await kill9(agent);
  await startAgent(c, 'a1', workdir, 1, false);
  const b = await finishedBuild(c.url, 'both', 1);
  const text = await consoleText(c.url, 'both', 1);
  assert.equal(b.result, 'SUCCESS', text);
  const all = Array.from({ length: CHUNKS }, (_, i) => `C${i + 1}`).join(',');
  assert.equal(text.split('\n').filter((l) => l.startsWith('captured ')).join('\n'), `captured ${all}`, text);
  assert.equal(read(`${marks}/ran`), 'ran\n', 'the step ran once');
  await kill9(c);
});

/** Whether the journal has the end of the step whose call starts with `call` (status not running). */
function journalEnded(dir: string, call: string): boolean {
  for (const l of read(path.join(dir, 'journal.jsonl')).split('\n')) {
    if (!l.includes(`"call":"${call}`)) continue;
    try {
      const e = JSON.parse(l) as { status?: string };
      if (e.status && e.status !== 'running') return true;
    } catch {
      // torn
    }
  }
  return false;
}

for (const kind of STORES) for (const moment of ['first', 'each'] as const) test(`kill -9 of the controller (${kind} store) between a step's end on the agent and its end in the journal (${moment === 'first' ? 'frozen as the step ends, killed before it ran again' : 'run a few ms at a time, the agent never forgetting the step before its end is journaled'}): the result is taken, the step does not run again`, async () => {
  const home = tempDir('durj-end');
  const marks = tempDir('durj-end-marks');
  const workdir = tempDir('durj-end-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  let api = jsonApi(() => c.url);
  await startAgent(c, 'a1', workdir);
  await api('POST', '/api/v1/jobs', { name: 'ending', script: `node('durable') {
    script {
      def v = sh(returnStdout: true, script: '''set +x; echo ran >> '${marks}/ran'; echo first-half; while [ ! -f '${marks}/go' ]; do sleep 0.02; done; echo second-half''')
      echo "value [\${v.trim().replace('\\n', ' ')}]"
    }
    sh 'echo next >> ${marks}/next'
  }` });
  await api('POST', '/api/v1/jobs/ending/builds', {});
  await until(() => execDirWith(workdir, 'first-half') !== null, 'the step to start', 60_000, 5);
  const dir = buildDir(home);
  const exec = execDirWith(workdir, 'first-half')!;
  // The controller is frozen while the step ends (its rc is written), then let run for moments of
  // a few ms at a time: it is killed at the first moment the agent forgot the exec (the `done`
  // acknowledgement reached it) without the step's end in the journal on disk (before the fix,
  // the acknowledgement and the store row's removal could come first), or once the journal has
  // the end ('each': every moment up to it checked), or at the first moment ('first': the
  // controller had heard nothing of the end; the agent must still hold it).
  c.proc.kill('SIGSTOP');
  writeFileSync(`${marks}/go`, '');
  await until(() => existsSync(path.join(exec, 'rc')), 'the step to end on the agent', 30_000, 5);
  let window = '';
  const last = moment === 'first' ? 0 : 400;
  for (let tries = 0; tries < 400; tries++) {
    const ended = journalEnded(dir, 'sh@');
    if (!existsSync(exec) && !ended) {
      window = 'killed with the exec forgotten by the agent and its end not in the journal';
      break;
    }
    if (ended || tries >= last) {
      window = ended ? 'killed after the step\'s end was journaled' : `killed after ${tries} moments of the step's end, before it was journaled`;
      break;
    }
    c.proc.kill('SIGCONT');
    await new Promise((r) => setTimeout(r, Math.random() * 4));
    c.proc.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 15)); // what was sent reaches the agent
  }
  await kill9(c);
  console.log(`ending: ${window}`);
  assert.equal(window, moment === 'first' ? "killed after 0 moments of the step's end, before it was journaled" : "killed after the step's end was journaled");
  c = await startCtl(home, port, db);
  const b = await finishedBuild(c.url, 'ending', 1);
  const text = await consoleText(c.url, 'ending', 1);
  assert.equal(b.result, 'SUCCESS', `${window}\n${text}`);
  assert.equal(text.split('\n').filter((l) => l.startsWith('value [')).join('\n'), 'value [first-half second-half]', text);
  assert.equal(read(`${marks}/ran`), 'ran\n', 'the step ran once');
  assert.equal(read(`${marks}/next`), 'next\n', 'the next step ran once');
  await kill9(c);
});

for (const kind of STORES) test(`kill -9 of the controller (${kind} store) after a step was journaled but before its agent received it: the step runs after the restart, once`, async () => {
  const home = tempDir('durj-unsent');
  const marks = tempDir('durj-unsent-marks');
  const workdir = tempDir('durj-unsent-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  let api = jsonApi(() => c.url);
  const { proc: agent } = await startAgent(c, 'a1', workdir);
  await api('POST', '/api/v1/jobs', { name: 'unsent', script: `node('durable') {
    input 'Go on?'
    sh 'echo two >> ${marks}/two'
  }` });
  await api('POST', '/api/v1/jobs/unsent/builds', {});
  await until(async () => (await api('GET', '/api/v1/jobs/unsent/builds/1/inputs')).inputs.length === 1, 'the input to wait');
  // The agent is frozen, so the step the answered input lets start is journaled as running and
  // sent, but the agent never takes it in; then both die (the frame dies in the frozen agent's socket).
  agent.kill('SIGSTOP');
  const id = (await api('GET', '/api/v1/jobs/unsent/builds/1/inputs')).inputs[0].id;
  await api('POST', `/api/v1/jobs/unsent/builds/1/inputs/${id}`, { action: 'approve' });
  const dir = buildDir(home);
  await until(() => read(path.join(dir, 'journal.jsonl')).split('\n').some((l) => l.includes('"call":"sh@') && l.includes('"status":"running"')), 'the sh step to be journaled as running', 30_000, 5);
  await kill9(c);
  agent.kill('SIGKILL');
  assert.deepEqual(execDirs(workdir), [], 'the agent never received the step');
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  await startAgent(c, 'a1', workdir, 1, false);
  const b = await finishedBuild(c.url, 'unsent', 1);
  const text = await consoleText(c.url, 'unsent', 1);
  assert.equal(b.result, 'SUCCESS', text);
  assert.equal(read(`${marks}/two`), 'two\n', `the step ran once\n${text}`);
  assert.equal(resumedLines(text), 1, text);
  assert.equal(text.split('\n').filter((l) => l === '[Pipeline] sh').length, 1, text);
  await kill9(c);
});

test('kill -9 of the controller (postgres store) after an sh went to its agent and before the store had its row: the agent hands it back, its build takes it over', async () => {
  const home = tempDir('durj-norow');
  const marks = tempDir('durj-norow-marks');
  const workdir = tempDir('durj-norow-a1');
  const port = await freePort();
  const databaseUrl = dbFor('postgres')!;
  const schema = new URL(databaseUrl).searchParams.get('schema')!;
  let c = await startCtl(home, port, databaseUrl);
  let api = jsonApi(() => c.url);
  await startAgent(c, 'a1', workdir);
  await api('POST', '/api/v1/jobs', { name: 'norow', script: `node('durable') {
    sh '''set +x; echo ran >> '${marks}/ran'; while [ ! -f '${marks}/go' ]; do sleep 0.02; done; echo step-done'''
    echo 'after the step'
  }` });
  // The table is locked, so the controller's insert of the exec's row waits while the exec goes out.
  const lock = new pg.Client({ connectionString: testPostgresUrl() });
  await lock.connect();
  try {
    await lock.query('BEGIN');
    await lock.query(`LOCK TABLE ${schema}.agent_execs IN ACCESS EXCLUSIVE MODE`);
    await api('POST', '/api/v1/jobs/norow/builds', {});
    await until(() => read(`${marks}/ran`) === 'ran\n', 'the step to start on the agent', 60_000, 5);
    await kill9(c);
    // The insert the killed controller left waiting is ended without its row.
    await until(async () => (await lock.query(`SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query LIKE 'INSERT INTO agent_execs%'`)).rows.length > 0, 'the waiting insert to be ended', 10_000, 20);
    await lock.query('ROLLBACK');
  } finally {
    await lock.end();
  }
  c = await startCtl(home, port, databaseUrl);
  api = jsonApi(() => c.url);
  await until(async () => (await api('GET', '/api/v1/agents/a1')).online === true, 'the agent to come back', 60_000);
  writeFileSync(`${marks}/go`, '');
  const b = await finishedBuild(c.url, 'norow', 1);
  const text = await consoleText(c.url, 'norow', 1);
  assert.equal(b.result, 'SUCCESS', text);
  assert.equal(text.split('\n').filter((l) => l === 'step-done').length, 1, text);
  assert.match(text, /^after the step$/m);
  assert.equal(read(`${marks}/ran`), 'ran\n', 'the step ran once');
  await kill9(c);
});

for (const kind of STORES) test(`the journal of a 100,000-line step (${kind} store) grows with time, not with lines: execAt points are coalesced`, async () => {
  const home = tempDir('durj-growth');
  const workdir = tempDir('durj-growth-a1');
  const port = await freePort();
  const db = dbFor(kind);
  const c = await startCtl(home, port, db);
  const api = jsonApi(() => c.url);
  await startAgent(c, 'a1', workdir);
  const LINES = 100000;
  await api('POST', '/api/v1/jobs', { name: 'chatty', script: `node('durable') {
    sh '''set +x; i=0; while [ $i -lt ${LINES} ]; do echo "L$i"; i=$((i+1)); [ $((i % 500)) -eq 0 ] && sleep 0.01; done'''
  }` });
  const t0 = Date.now();
  await api('POST', '/api/v1/jobs/chatty/builds', {});
  const b = await finishedBuild(c.url, 'chatty', 1);
  assert.equal(b.result, 'SUCCESS');
  const text = await consoleText(c.url, 'chatty', 1);
  assert.equal(text.split('\n').filter((l) => /^L\d+$/.test(l)).length, LINES);
  const journal = read(path.join(buildDir(home), 'journal.jsonl'));
  const points = journal.split('\n').filter((l) => l.startsWith('{"execAt"')).length;
  const seconds = (Date.now() - t0) / 1000; // the build's time, longer than its step's
  const bytes = Buffer.byteLength(text);
  // At most one point per 500 ms or per 256 KiB of output (and one more for the first and the
  // last of each): before, one per console write, in the thousands for this step.
  const bound = Math.ceil(seconds * 2) + Math.ceil(bytes / (256 * 1024)) + 4;
  console.log(`journal: ${points} execAt lines, ${Buffer.byteLength(journal)} bytes, for ${LINES} lines (${bytes} bytes) in ${seconds.toFixed(1)} s; bound ${bound}`);
  assert.ok(points <= bound, `${points} execAt lines for a step of ${seconds} s (bound ${bound})`);
  assert.ok(points >= 1, 'the step had points');
  await kill9(c);
});

for (const kind of STORES) test(`a console torn within a write by the kill (${kind} store): cut back to the journal's last boundary and resent, every line once`, async () => {
  const home = tempDir('durj-torn');
  const marks = tempDir('durj-torn-marks');
  const workdir = tempDir('durj-torn-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  let api = jsonApi(() => c.url);
  await startAgent(c, 'a1', workdir);
  const LINES = 3000;
  await api('POST', '/api/v1/jobs', { name: 'torn', script: `node('durable') {
    sh '''set +x; echo ran >> '${marks}/ran'; i=0; while [ $i -lt ${LINES} ]; do echo "L$i"; i=$((i+1)); [ $((i % 100)) -eq 0 ] && sleep 0.05; done'''
    echo 'next step'
  }` });
  await api('POST', '/api/v1/jobs/torn/builds', {});
  const dir = buildDir(home);
  await until(() => read(path.join(dir, 'log')).includes('L300\n'), 'the step to print', 60_000, 5);
  await kill9(c);
  // As a write the kill tore would leave it: the console's last line is followed by the next
  // bytes of the step's output (from the agent's file, as the controller had them) up to the
  // middle of a line.
  const log = read(path.join(dir, 'log'));
  const whole = log.slice(0, log.lastIndexOf('\n') + 1);
  const partial = log.slice(whole.length); // an idle line flushed in part, if any
  const last = whole.split('\n').filter((l) => /^L\d+$/.test(l)).pop()!;
  const outFile = path.join(execDirWith(workdir, 'L0\n')!, 'out');
  const at = read(outFile).indexOf(`${last}\n`) + last.length + 1 + partial.length;
  await until(() => read(outFile).length > at + 40, 'the step to print on while the controller is away', 30_000, 5);
  const out = read(outFile);
  let torn = out.slice(at, at + 20);
  if (torn.endsWith('\n')) torn = torn.slice(0, -2);
  assert.ok(torn.length >= 18 && !torn.endsWith('\n'), `the next output on the agent: ${JSON.stringify(torn)}`);
  appendFileSync(path.join(dir, 'log'), torn);
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  const b = await finishedBuild(c.url, 'torn', 1);
  const text = await consoleText(c.url, 'torn', 1);
  assert.equal(b.result, 'SUCCESS', text.slice(-3000));
  const got = text.split('\n').filter((l) => /^L/.test(l));
  assert.deepEqual(got, Array.from({ length: LINES }, (_, i) => `L${i}`), `every line once and whole, in order (torn tail ${JSON.stringify(torn)})`);
  assert.match(text, /^next step$/m);
  assert.equal(resumedLines(text), 1);
  assert.equal(read(`${marks}/ran`), 'ran\n', 'the sh ran once');
  await kill9(c);
});

for (const kind of STORES) test(`kill -9 after a partial line the idle delay put in the console and another branch's line after it (${kind} store): the partial line once, its rest in the same line without a second prefix`, async () => {
  const home = tempDir('durj-idle');
  const marks = tempDir('durj-idle-marks');
  const workdir = tempDir('durj-idle-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  await startAgent(c, 'a1', workdir);
  let api = jsonApi(() => c.url);
  // Branch a prints a prompt without a newline and waits; branch b prints a line after it (a
  // journal mark past the prompt), then the controller is killed.
  await api('POST', '/api/v1/jobs', { name: 'idle', script: `node('durable') {
    parallel a: {
      sh '''set +x; printf 'Password: '; while [ ! -e '${marks}/go' ]; do sleep 0.05; done; echo ok; echo after'''
    }, b: {
      sh '''set +x; while [ ! -e '${marks}/prompted' ]; do sleep 0.05; done'''
      echo 'from b'
    }
  }` });
  await api('POST', '/api/v1/jobs/idle/builds', {});
  const dir = buildDir(home);
  await until(() => read(path.join(dir, 'log')).includes('Password: '), 'the prompt in the console (idle flush)', 60_000, 5);
  writeFileSync(`${marks}/prompted`, '');
  await until(() => read(path.join(dir, 'log')).includes('from b\n'), 'the other branch\'s line', 60_000, 5);
  await kill9(c);
  writeFileSync(`${marks}/go`, '');
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  const b = await finishedBuild(c.url, 'idle', 1);
  const text = await consoleText(c.url, 'idle', 1);
  assert.equal(b.result, 'SUCCESS', text);
  assert.equal(text.split('Password: ').length - 1, 1, `the prompt once:\n${text}`);
  assert.equal(text.split('from b\n').length - 1, 1, text);
  // As without the restart: the line the prompt opened goes on without a new `[a] ` (the line
  // sink's state at the point, journaled with it), the next line has its prefix.
  const lines = text.split('\n');
  assert.deepEqual(lines.filter((l) => /^(\[a\] )?(ok|after)$/.test(l)), ['ok', '[a] after'], text);
  assert.equal(lines.filter((l) => l.startsWith('[a] ')).length, 7, `branch a's lines, each prefixed once:\n${text}`);
  assert.equal(lines.filter((l) => /^\[a\] Resumed after the controller restarted \(down \d+\.\d s\)$/.test(l)).length, 1, text);
  // Branch b had ended before the kill: its closing line is not printed again by the replay.
  assert.equal(lines.filter((l) => l === '[b] [Pipeline] }').length, 1, text);
  await kill9(c);
});

/** The console offsets the journal's lines account for (points, marks, lines' console ends, restarts), in order. */
function journalBounds(dir: string): { lines: string[]; bounds: number[] } {
  const lines = read(path.join(dir, 'journal.jsonl')).split('\n').filter((l) => l !== '');
  const bounds: number[] = [];
  for (const l of lines) {
    try {
      const j = JSON.parse(l) as { c?: number; consoleMark?: number; consoleEnd?: number; consoleAt?: number };
      for (const v of [j.c, j.consoleMark, j.consoleEnd, j.consoleAt]) if (typeof v === 'number') bounds.push(v);
    } catch {
      // a torn last line
    }
  }
  return { lines, bounds };
}

for (const kind of STORES) test(`a console write torn by the kill (${kind} store) with another branch's lines in it beside a running sh: those lines are kept, the sh's output resent, every line once`, async () => {
  const home = tempDir('durj-tornplain');
  const marks = tempDir('durj-tornplain-marks');
  const workdir = tempDir('durj-tornplain-a1');
  const port = await freePort();
  const db = dbFor(kind);
  let c = await startCtl(home, port, db);
  await startAgent(c, 'a1', workdir);
  let api = jsonApi(() => c.url);
  // Branch a's sh prints on (a live durable exec with points); branch b ends beside it, and its
  // closing line goes to the console after b's last journal line: only a console write (and the
  // journal's mark before it) has it.
  const A = 120;
  await api('POST', '/api/v1/jobs', { name: 'tornplain', script: `node('durable') {
    parallel a: {
      sh '''set +x; echo ran >> '${marks}/ran'; i=1; while [ $i -le ${A} ]; do echo "A$i"; i=$((i+1)); sleep 0.05; done'''
    }, b: {
      sleep(time: 1500, unit: 'MILLISECONDS')
      echo 'from b'
    }
  }` });
  await api('POST', '/api/v1/jobs/tornplain/builds', {});
  const dir = buildDir(home);
  const logFile = path.join(dir, 'log');
  await until(() => read(logFile).includes('[a] A3\n') && read(logFile).includes('[b] Sleeping'), 'both branches to print', 60_000, 5);
  // The controller is frozen at moments until its journal's last line is the mark of a console
  // write that has b's closing line past every other boundary the journal has: killed there, and
  // the write torn within that line, as a kill within the write leaves it. Nothing the agent was
  // told is safe lies past the tear (no point beyond it).
  const closing = Buffer.from('[b] [Pipeline] }\n');
  let tear = -1;
  for (let tries = 0; tries < 3000 && tear < 0; tries++) {
    c.proc.kill('SIGSTOP');
    const { lines, bounds } = journalBounds(dir);
    const m = /^\{"consoleMark":(\d+)[,}]/.exec(lines.at(-1) ?? '');
    const log = readFileSync(logFile);
    if (m) {
      const end = Number(m[1]);
      const p = log.subarray(0, Math.min(end, log.length)).lastIndexOf(closing);
      if (p >= 0 && p + closing.length <= end && bounds.slice(0, -1).every((b) => b <= p)) tear = p + 6;
    }
    if (tear < 0) {
      c.proc.kill('SIGCONT');
      if (read(logFile).includes('[a] A100\n')) break;
      await new Promise((r) => setTimeout(r, 1 + Math.random() * 4));
    }
  }
  assert.ok(tear > 0, 'at some moment the journal ended with the mark of a write holding b\'s closing line past its other boundaries');
  await kill9(c);
  truncateSync(logFile, tear);
  c = await startCtl(home, port, db);
  api = jsonApi(() => c.url);
  const b = await finishedBuild(c.url, 'tornplain', 1);
  const text = await consoleText(c.url, 'tornplain', 1);
  assert.equal(b.result, 'SUCCESS', text.slice(-3000));
  const lines = text.split('\n');
  assert.deepEqual(lines.filter((l) => /^\[a\] A\d+$/.test(l)), Array.from({ length: A }, (_, i) => `[a] A${i + 1}`), `a's lines once, in order:\n${text}`);
  assert.equal(lines.filter((l) => l === '[b] from b').length, 1, text);
  assert.equal(lines.filter((l) => l === '[b] [Pipeline] }').length, 1, `b's closing line, once and whole (the torn write's part is kept):\n${text}`);
  assert.equal(lines.filter((l) => l.startsWith('[b] [Pip') && !/^\[b\] \[Pipeline\] (\{ \(Branch: b\)|sleep|echo|\})$/.test(l)).length, 0, `no torn line left:\n${text}`);
  assert.equal(lines.filter((l) => /^\[[ab]\] Resumed after the controller restarted \(down \d+\.\d s\)$/.test(l)).length, 1, text);
  assert.equal(read(`${marks}/ran`), 'ran\n', 'the sh ran once');
  await kill9(c);
});
