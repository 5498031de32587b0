// Durable builds, measured on real processes (issue 19): `bin/kiln controller` children on a temp
// home, killed with SIGKILL and started again on the same home and port.
//
//   node bench/durable.ts [--resume-builds 100] [--resume-runs 3] [--soak-s 120] [--soak-builds 20]
//                         [--kill-every-s 5] [--steps 8] [--agents 3] [--agent-kill-every-s 0]
//                         [--dump DIR] [--short] [--no-resume] [--no-soak]
//
// (a) resume: `--resume-builds` builds each in a `sleep`; kill -9; start again. Measured from the
//     new process's spawn to its ready line (it listens, then resumes every build, then says it is
//     ready), and to every build running again (its console has "Resumed after the controller
//     restarted": the replay reached the sleep, which goes on). `--resume-runs` runs, each on a
//     new home: median, min and max. Goal (issue 19): every build running again within 5 s.
// (b) soak: `--soak-builds` builds at once for `--soak-s` seconds (a finished one is replaced by a
//     new one) while the controller is killed with SIGKILL and started again every
//     `--kill-every-s` seconds (±40 %). The builds run on `--agents` real agent processes
//     (`kiln agent`, WebSocket, labelled 'soak'; the controller has no executors of its own), which
//     stay up across the controller's kills and hand their running steps back; with
//     `--agent-kill-every-s`, one of them (in turn) is killed with SIGKILL too that often and
//     started again on its work directory. Each build, in a `node('soak')` block, prints `--steps`
//     numbered lines, each by an `echo` and by an `sh` step whose process then sleeps 1 s (so a
//     kill mostly falls within a durable exec), then its last line (every 5th build fails on
//     purpose with `error` instead). At the end (no more kills) every build must finish with the
//     result its number says, and its console must hold every expected line exactly once and in
//     order, and each step's own lines (`[Pipeline] echo`, `[Pipeline] sh`) as many times as it
//     has such steps: lost and duplicated lines are counted and listed (`--dump DIR`: the console
//     and journal of each build with a problem are copied there).
// `--short` is a smoke run (10 builds to resume once; a 20 s soak of 4 builds on 2 agents, killed every 4 s):
// test/controller/durable-bench.test.ts runs it and asserts that nothing is lost.
//
// Prints progress on stderr, a table on stdout, then one JSON line {"bench":"durable",...}. Exit
// code 0 when everything was measured and the soak lost nothing; 1 otherwise. No thresholds on
// times: the goal is reported, not enforced.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './lib.ts';
import { startControllerProcess, kill9, freePort, type ControllerProcess } from '../test/helpers/controller-process.ts';
import { adminFetch } from '../test/helpers/controller.ts';
import { kilnBin } from '../test/helpers/kiln.ts';

const { values: opts } = parseArgs({
  options: {
    'resume-builds': { type: 'string', default: '100' },
    'resume-runs': { type: 'string', default: '3' },
    'soak-s': { type: 'string', default: '120' },
    'soak-builds': { type: 'string', default: '20' },
    'kill-every-s': { type: 'string', default: '5' },
    steps: { type: 'string', default: '8' },
    agents: { type: 'string', default: '3' },
    'agent-kill-every-s': { type: 'string', default: '0' },
    dump: { type: 'string' },
    short: { type: 'boolean', default: false },
    'no-resume': { type: 'boolean', default: false },
    'no-soak': { type: 'boolean', default: false },
  },
});
const num = (name: keyof typeof opts, short: number): number => {
  if (opts.short) return short;
  const n = Number(opts[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} expects a positive number, got '${String(opts[name])}'`);
  return n;
};
const RESUME_BUILDS = num('resume-builds', 10);
const RESUME_RUNS = num('resume-runs', 1);
const SOAK_S = num('soak-s', 20);
const SOAK_BUILDS = num('soak-builds', 4);
const KILL_EVERY_S = num('kill-every-s', 4);
const STEPS = num('steps', 4);
const AGENTS = num('agents', 2);
const AGENT_KILL_EVERY_S = opts.short ? 0 : Number(opts['agent-kill-every-s']);
if (!Number.isFinite(AGENT_KILL_EVERY_S) || AGENT_KILL_EVERY_S < 0) throw new Error(`--agent-kill-every-s expects a number ≥ 0, got '${String(opts['agent-kill-every-s'])}'`);
const GOAL_MS = 5000;
const T0 = performance.now();
const LOAD_AT_START = loadavg()[0]!;

const running = new Set<ChildProcess>();
const homes: string[] = [];
const cleanup = () => {
  for (const p of running) p.kill('SIGKILL');
  for (const h of homes) rmSync(h, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { cleanup(); process.exit(130); });

const progress = (line: string) => process.stderr.write(`[durable ${((performance.now() - T0) / 1000).toFixed(1)} s] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const r1 = (x: number) => Math.round(x * 10) / 10;

function newHome(): string {
  const h = mkdtempSync(path.join(tmpdir(), 'kiln-bench-durable-'));
  homes.push(h);
  return path.join(h, 'home');
}

/** One API call; throws with the status and body on a non-2xx answer. */
async function call(url: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await adminFetch(new URL(p.replace(/^\//, ''), url), {
    method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

const consoleOf = async (url: string, job: string, n: number) => (await adminFetch(new URL(`api/v1/jobs/${job}/builds/${n}/console`, url))).text();

/** Follows a console until it holds `text`. */
async function consoleHas(url: string, job: string, n: number, text: string): Promise<void> {
  const res = await adminFetch(new URL(`api/v1/jobs/${job}/builds/${n}/console/stream`, url));
  const r = res.body!.getReader();
  let seen = '';
  const dec = new TextDecoder();
  while (!seen.includes(text)) {
    const { value, done } = await r.read();
    if (done) throw new Error(`${job} #${n} ended without printing '${text}':\n${seen.slice(-2000)}`);
    seen += dec.decode(value, { stream: true });
  }
  await r.cancel();
}

// ------------------------------------------------------------------------------------------------
// (a) resume of many running builds

interface ResumeRun { builds: number; empty_ready_ms: number; ready_ms: number; all_running_ms: number; started_in_ms: number | null }

async function resumeRun(): Promise<ResumeRun> {
  const home = newHome();
  const port = await freePort();
  let c = await startControllerProcess(home, { port, executors: 1, running });
  const emptyReadyMs = Date.now() - c.spawnedAt;
  await call(c.url, 'POST', '/api/v1/jobs', { name: 'wait', script: `echo "waiting #\${env.BUILD_NUMBER}"\nsleep 3600\necho 'never'` });
  for (let n = 1; n <= RESUME_BUILDS; n++) await call(c.url, 'POST', '/api/v1/jobs/wait/builds', {});
  for (let n = 1; n <= RESUME_BUILDS; n++) await consoleHas(c.url, 'wait', n, 'Sleeping for 3600 sec');
  progress(`resume: ${RESUME_BUILDS} builds sleep; kill -9`);
  await kill9(c);
  c = await startControllerProcess(home, { port, executors: 1, running });
  const readyMs = Date.now() - c.spawnedAt;
  const startedIn = /started in (\d+) ms/.exec(c.out.join(''));
  await Promise.all(Array.from({ length: RESUME_BUILDS }, (_, i) => consoleHas(c.url, 'wait', i + 1, 'Resumed after the controller restarted')));
  const allMs = Date.now() - c.spawnedAt;
  progress(`resume: ready after ${readyMs} ms, every build running again after ${allMs} ms`);
  await kill9(c);
  return { builds: RESUME_BUILDS, empty_ready_ms: emptyReadyMs, ready_ms: readyMs, all_running_ms: allMs, started_in_ms: startedIn ? Number(startedIn[1]) : null };
}

// ------------------------------------------------------------------------------------------------
// (b) soak: builds under repeated kill -9

interface Check { number: number; result: string | null; expected: string; lost: string[]; duplicated: string[]; outOfOrder: boolean; markers: string | null }

const SOAK_SCRIPT = `node('soak') {
  for (int i = 0; i < ${STEPS}; i++) {
    echo "line \${i} of #\${env.BUILD_NUMBER}"
    sh "echo 'sh line \${i} of #\${env.BUILD_NUMBER}'; sleep 1"
  }
  if (env.BUILD_NUMBER.toInteger() % 5 == 0) {
    error "planned failure of #\${env.BUILD_NUMBER}"
  }
  echo "last line of #\${env.BUILD_NUMBER}"
}`;

function expectedOf(n: number): { result: string; lines: string[] } {
  const lines = Array.from({ length: STEPS }, (_, i) => [`line ${i} of #${n}`, `sh line ${i} of #${n}`]).flat();
  if (n % 5 === 0) return { result: 'FAILURE', lines: [...lines, `ERROR: planned failure of #${n} (Jenkinsfile:7:5)`] };
  return { result: 'SUCCESS', lines: [...lines, `last line of #${n}`] };
}

function check(n: number, result: string | null, text: string): Check {
  const exp = expectedOf(n);
  const got = text.split('\n').filter((l) => / of #\d+( \(Jenkinsfile:\d+:\d+\))?$/.test(l));
  const lost = exp.lines.filter((l) => !got.includes(l));
  const duplicated = exp.lines.filter((l) => got.filter((g) => g === l).length > 1);
  const firsts = exp.lines.map((l) => got.indexOf(l)).filter((i) => i >= 0);
  const outOfOrder = firsts.some((x, i) => i > 0 && x < firsts[i - 1]!);
  const started = text.split('\n').filter((l) => l.startsWith('Started: ')).length;
  const finished = text.split('\n').filter((l) => l.startsWith('Finished: ')).length;
  const markers = started === 1 && finished === 1 ? null : `${started} Started line(s), ${finished} Finished line(s)`;
  // The steps' own lines: one per step call.
  const count = (line: string) => text.split('\n').filter((l) => l === line).length;
  const echoes = STEPS + (n % 5 === 0 ? 0 : 1);
  for (const [line, want] of [['[Pipeline] echo', echoes], ['[Pipeline] sh', STEPS], ['[Pipeline] node', 1]] as const) {
    const got = count(line);
    for (let i = got; i < want; i++) lost.push(line);
    for (let i = want; i < got; i++) duplicated.push(line);
  }
  return { number: n, result, expected: exp.result, lost, duplicated, outOfOrder, markers };
}

interface Soak {
  seconds: number; concurrent: number; agents: number; kills: number; agent_kills: number; builds: number; restarts_ms: number[];
  lost_lines: number; duplicated_lines: number; out_of_order: number; wrong_results: number; marker_problems: number;
  resumed_lines: number; problems: string[];
}

/** A `kiln agent` process for agent `name` (its secret from the API), on its own work directory. */
function startAgent(url: string, name: string, secret: string, workdir: string): ChildProcess {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KILN_')) delete env[k];
  const proc = spawn(kilnBin, ['agent', '--url', url, '--name', name, '--secret', secret, '--workdir', workdir], { env, stdio: ['ignore', 'ignore', 'ignore'] });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  return proc;
}

async function soak(): Promise<Soak> {
  const home = newHome();
  const port = await freePort();
  let c: ControllerProcess | null = await startControllerProcess(home, { port, executors: 0, running });
  const url = c.url;
  // The agents: enough executors between them for every build at once; they outlive the controller's kills.
  const agents: { name: string; secret: string; workdir: string; proc: ChildProcess }[] = [];
  for (let i = 1; i <= AGENTS; i++) {
    const name = `soak-${i}`;
    await call(url, 'POST', '/api/v1/agents', { name, labels: ['soak'], executors: Math.ceil(SOAK_BUILDS / AGENTS) });
    const secret = /--secret (\S+)/.exec((await call(url, 'GET', `/api/v1/agents/${name}`)).command)![1]!.replace(/^'|'$/g, '');
    const workdir = path.join(path.dirname(home), name);
    mkdirSync(workdir, { recursive: true });
    agents.push({ name, secret, workdir, proc: startAgent(url, name, secret, workdir) });
  }
  for (const a of agents) {
    const until = Date.now() + 60_000;
    while (!(await call(url, 'GET', `/api/v1/agents/${a.name}`)).online) {
      if (Date.now() > until) throw new Error(`agent ${a.name} did not connect within 60 s`);
      await sleep(200);
    }
  }
  await call(url, 'POST', '/api/v1/jobs', { name: 'soak', script: SOAK_SCRIPT });
  const finished = new Set<number>();
  let triggered = 0;
  let kills = 0;
  const restarts: number[] = [];
  const end = Date.now() + SOAK_S * 1000;
  let stop = false;
  let agentKills = 0;

  // An agent killed too, in turn, and started again on its work directory (it hands its steps back).
  const agentKiller = (async () => {
    if (AGENT_KILL_EVERY_S <= 0) return;
    for (let i = 0; !stop; i++) {
      await sleep(Math.round(AGENT_KILL_EVERY_S * 1000 * (0.6 + Math.random() * 0.8)));
      if (stop || Date.now() >= end) break;
      const a = agents[i % agents.length]!;
      await kill9(a);
      agentKills++;
      await sleep(200 + Math.random() * 1000);
      a.proc = startAgent(url, a.name, a.secret, a.workdir);
      progress(`soak: agent ${a.name} kill -9 #${agentKills}, started again`);
    }
  })();

  // The driver: keeps SOAK_BUILDS builds unfinished while the controller is up.
  const drive = (async () => {
    while (!stop) {
      try {
        const page = await call(url, 'GET', '/api/v1/jobs/soak/builds?limit=1000');
        for (const b of page.builds) if (b.status === 'finished') finished.add(b.number);
        triggered = Math.max(triggered, ...page.builds.map((b: any) => b.number), 0);
        const open = triggered - finished.size;
        for (let i = open; i < SOAK_BUILDS && Date.now() < end && !stop; i++) {
          const b = await call(url, 'POST', '/api/v1/jobs/soak/builds', {});
          triggered = Math.max(triggered, b.number);
        }
      } catch {
        // the controller is down (or going): try again shortly
      }
      await sleep(300);
    }
  })();

  while (Date.now() < end) {
    await sleep(Math.round(KILL_EVERY_S * 1000 * (0.6 + Math.random() * 0.8)));
    if (Date.now() >= end) break;
    await kill9(c!);
    kills++;
    c = null;
    const t = Date.now();
    c = await startControllerProcess(home, { port, executors: 0, running });
    restarts.push(Date.now() - t);
    progress(`soak: kill -9 #${kills} (${triggered} builds so far, ${finished.size} finished); ready again after ${Date.now() - t} ms`);
  }
  // No more kills: every build finishes.
  const drainEnd = Date.now() + (STEPS * 1000 + 60_000) * 2;
  while (Date.now() < drainEnd) {
    const page = await call(url, 'GET', '/api/v1/jobs/soak/builds?limit=1000').catch(() => null);
    if (page && page.builds.every((b: any) => b.status === 'finished')) break;
    await sleep(500);
  }
  stop = true;
  await drive;
  await agentKiller;
  const page = await call(url, 'GET', '/api/v1/jobs/soak/builds?limit=1000');
  const problems: string[] = [];
  let lost = 0;
  let dup = 0;
  let order = 0;
  let wrong = 0;
  let markers = 0;
  let resumed = 0;
  for (const b of page.builds) {
    const text = await consoleOf(url, 'soak', b.number);
    resumed += text.split('\n').filter((l) => l.startsWith('Resumed after the controller restarted')).length;
    const k = check(b.number, b.status === 'finished' ? b.result : null, text);
    lost += k.lost.length;
    dup += k.duplicated.length;
    if (k.outOfOrder) order++;
    if (k.result !== k.expected) wrong++;
    if (k.markers) markers++;
    if (k.lost.length || k.duplicated.length || k.outOfOrder || k.result !== k.expected || k.markers) {
      if (opts.dump) {
        mkdirSync(opts.dump, { recursive: true });
        writeFileSync(path.join(opts.dump, `${b.number}.console`), text);
        for (const id of readdirSync(path.join(home, 'builds'))) {
          const j = path.join(home, 'builds', id, String(b.number), 'journal.jsonl');
          if (existsSync(j)) copyFileSync(j, path.join(opts.dump, `${b.number}.journal.jsonl`));
        }
      }
      problems.push(`#${b.number}: result ${k.result ?? `not finished (${b.status})`} (expected ${k.expected})${k.lost.length ? `; lost ${JSON.stringify(k.lost)}` : ''}${k.duplicated.length ? `; twice ${JSON.stringify(k.duplicated)}` : ''}${k.outOfOrder ? '; out of order' : ''}${k.markers ? `; ${k.markers}` : ''}${b.message ? `; message: ${String(b.message).slice(0, 300)}` : ''}`);
    }
  }
  await kill9(c);
  for (const a of agents) await kill9(a);
  return {
    seconds: SOAK_S, concurrent: SOAK_BUILDS, agents: AGENTS, kills, agent_kills: agentKills, builds: page.builds.length, restarts_ms: restarts,
    lost_lines: lost, duplicated_lines: dup, out_of_order: order, wrong_results: wrong, marker_problems: markers, resumed_lines: resumed, problems,
  };
}

// ------------------------------------------------------------------------------------------------

let error: string | null = null;
const runs: ResumeRun[] = [];
let soaked: Soak | null = null;
try {
  if (!opts['no-resume']) for (let i = 0; i < RESUME_RUNS; i++) runs.push(await resumeRun());
  if (!opts['no-soak']) {
    progress(`soak: ${SOAK_BUILDS} builds at once for ${SOAK_S} s, kill -9 every ~${KILL_EVERY_S} s`);
    soaked = await soak();
  }
} catch (e) {
  error = e instanceof Error ? e.stack ?? e.message : String(e);
}

const stat = (xs: number[]) => (xs.length ? { median: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length } : null);
const resume = runs.length ? {
  builds: RESUME_BUILDS, empty_ready_ms: stat(runs.map((r) => r.empty_ready_ms)), ready_ms: stat(runs.map((r) => r.ready_ms)), all_running_ms: stat(runs.map((r) => r.all_running_ms)),
  started_in_ms: stat(runs.flatMap((r) => (r.started_in_ms !== null ? [r.started_in_ms] : []))),
  // What resuming adds to a start: all running again, less the same run's start on a new home.
  added_ms: stat(runs.map((r) => r.all_running_ms - r.empty_ready_ms)),
  goal_ms: GOAL_MS, met: median(runs.map((r) => r.all_running_ms)) <= GOAL_MS,
} : null;
const out: string[] = [];
const row = (a: string, b: string) => out.push(`${a.padEnd(52)} ${b}`);
if (resume) {
  const f = (s: ReturnType<typeof stat>) => (s ? `${s.median} ms (min ${s.min}, max ${s.max}, ${s.n} run(s))` : '-');
  row('a new home, nothing to resume: spawn → ready', f(resume.empty_ready_ms));
  row(`resume ${RESUME_BUILDS} sleeping builds: spawn → ready`, f(resume.ready_ms));
  row(`resume ${RESUME_BUILDS} sleeping builds: spawn → all running`, `${f(resume.all_running_ms)}  goal ≤ ${GOAL_MS} ms: ${resume.met ? 'met' : 'NOT met'}`);
  row('  of which in the process (its "started in": store, resume)', f(resume.started_in_ms));
  row('  all running less the start on a new home (same run)', f(resume.added_ms));
}
if (soaked) {
  row(`soak ${soaked.seconds} s, ${soaked.concurrent} builds at once on ${soaked.agents} agents`, `${soaked.builds} builds, ${soaked.kills} kill -9 of the controller, ${soaked.agent_kills} of an agent, restart → ready median ${soaked.restarts_ms.length ? median(soaked.restarts_ms) : '-'} ms`);
  row('  lost lines / duplicated lines', `${soaked.lost_lines} / ${soaked.duplicated_lines}`);
  row('  builds out of order / wrong result / Started-Finished', `${soaked.out_of_order} / ${soaked.wrong_results} / ${soaked.marker_problems}`);
  row('  "Resumed after the controller restarted" lines', String(soaked.resumed_lines));
  for (const p of soaked.problems.slice(0, 20)) out.push(`  PROBLEM ${p}`);
}
if (error) out.push(`FAILED: ${error}`);
process.stdout.write(out.join('\n') + '\n');
const lostNothing = soaked ? soaked.lost_lines === 0 && soaked.duplicated_lines === 0 && soaked.out_of_order === 0 && soaked.wrong_results === 0 && soaked.marker_problems === 0 : null;
process.stdout.write(JSON.stringify({
  bench: 'durable', ok: error === null && lostNothing !== false, ...(error ? { error } : {}), node: process.version, cpus: cpus().length, loadavg_at_start: r1(LOAD_AT_START),
  short: opts.short, resume, soak: soaked ? { ...soaked, problems: soaked.problems.slice(0, 50), lost_nothing: lostNothing } : null,
  run_s: r1((performance.now() - T0) / 1000),
}) + '\n');
process.exitCode = error === null && lostNothing !== false ? 0 : 1;
