// The controller, measured end to end against real processes: a `bin/kiln controller` child on
// 127.0.0.1 (temp home, free port) and real `bin/kiln agent` children, driven through the REST
// API the way a user or a UI would drive it. Then, in the same run, the peer CI (Buildbot, via
// /work/shared/bench/buildbot/run.sh) doing the same work on this machine, side by side.
//
//   node bench/controller.ts [--no-peer] [--no-durable] [--install-peer] [--cpu-prof DIR] [--latency-builds 50]
//                            [--throughput-builds 200] [--log-mb 100] [--cold-starts 5] [--budget 90]
//                            [--peer /work/shared/bench/buildbot/run.sh] [--peer-budget 200]
//   node bench/controller.ts --durable-cost [--pairs 60] [--step-pairs 12] [--log-pairs 6] [--log-mb 50] [--live-pairs 6] [--budget 900]
//
// --durable-cost (issue 19, "what durability costs"): two controllers in the same run, one with
// durable execs and one with KILN_DURABLE_EXECS=0, each with one agent, driven in interleaved
// pairs (ABBA...: the order swapped every pair): a small build's trigger -> finish, a 100-step
// build's time per step, a step printing --log-mb MB (MB/s, the console's lag behind the step, and
// the CPU ms per MB of the controller, the agent and the step's own processes),
// a step printing a line every 20 ms for 2 s (each line's lag from its `date` to the console
// stream: what a user watching a build sees; the 50 MB step's lag is the backlog a producer faster
// than the controller leaves, which a pipe holds back and a durable exec's file does not), then the controller's always-on journal writes and the agent's per-step files timed alone (µs
// per write, how many per step). The median of the per-pair ratios (durable / not) with its
// spread and a 95 % interval of that median: the ≤ 1.10 is shown, missed, or not told apart.
//
// Prints progress on stderr, a table on stdout, then one JSON line {"bench":"controller",...}.
// Exit code 0 when every Kiln figure was measured (a missed target or a failed peer does not
// change it; both are reported), 1 otherwise. Every child runs in its own process group and is
// killed at the end, even on errors or signals; the temp directory is removed.
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, constants as fsConstants, mkdtempSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib.ts';

const { values: opts } = parseArgs({
  options: {
    'no-peer': { type: 'boolean', default: false },
    // Script steps on agents without durable execs (KILN_DURABLE_EXECS=0): what durability costs, in the same run.
    'no-durable': { type: 'boolean', default: false },
    // Durable vs KILN_DURABLE_EXECS=0 in interleaved pairs, in one run (see the header).
    'durable-cost': { type: 'boolean', default: false },
    pairs: { type: 'string', default: '60' },
    'step-pairs': { type: 'string', default: '12' },
    'log-pairs': { type: 'string', default: '6' },
    'live-pairs': { type: 'string', default: '6' },
    'install-peer': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    'latency-builds': { type: 'string', default: '50' },
    'throughput-builds': { type: 'string', default: '200' },
    'log-mb': { type: 'string' }, // 100, or 50 with --durable-cost
    'cold-starts': { type: 'string', default: '5' },
    budget: { type: 'string' }, // 90 s, or 900 with --durable-cost
    'peer-budget': { type: 'string', default: '200' },
    peer: { type: 'string', default: '/work/shared/bench/buildbot/run.sh' },
  },
});
const COST_MODE = opts['durable-cost'];
if (COST_MODE) opts['no-peer'] = true;
opts['log-mb'] ??= COST_MODE ? '50' : '100';
opts.budget ??= COST_MODE ? '900' : '90';
const positive = (name: keyof typeof opts): number => {
  const n = Number(opts[name]);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} expects a positive number, got '${String(opts[name])}'`);
  return n;
};
const LATENCY_BUILDS = positive('latency-builds');
const TEN_STEP_BUILDS = 5;
const THROUGHPUT_BUILDS = positive('throughput-builds');
const THROUGHPUT_AGENTS = 4;
const EXECUTORS_PER_AGENT = 1;
const LOG_BYTES = Math.round(positive('log-mb') * 1_000_000);
const COLD_STARTS = positive('cold-starts');
const BUDGET_MS = positive('budget') * 1000;
const PEER_BUDGET_S = positive('peer-budget');

const kilnBin = fileURLToPath(new URL('../bin/kiln', import.meta.url));
const T0 = performance.now();
const LOAD_AT_START = loadavg()[0]!;
const deadline = T0 + BUDGET_MS;

const TARGETS = { start_ms: 1000, idle_rss_mb: 100, agent_idle_rss_mb: 50, p50_ms: 20, builds_per_s: 100, log_mb_per_s: 50, log_rss_growth_mb: 100 };

// ------------------------------------------------------------------------------------------------
// children, temp dirs, cleanup

const root = mkdtempSync(path.join(tmpdir(), 'kiln-bench-ctl-'));
const children = new Set<ChildProcess>();

function progress(msg: string): void {
  process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);
}

function checkDeadline(what: string): void {
  if (performance.now() > deadline) throw new Error(`time budget (${BUDGET_MS / 1000} s) exhausted during ${what}`);
}

/** Spawns a command as the leader of its own process group, so it and its descendants can be killed together. */
function start(cmd: string, args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): { proc: ChildProcess; output: () => string } {
  const proc = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: o.env ?? process.env, cwd: o.cwd ?? root });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString('utf8')).slice(-20_000); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, output: () => out };
}

function killGroup(proc: ChildProcess, sig: NodeJS.Signals): void {
  if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) return;
  try { process.kill(-proc.pid, sig); } catch { try { proc.kill(sig); } catch { /* gone */ } }
}

/** SIGTERM to the group, then SIGKILL after `graceMs`; resolves once the leader has exited. */
async function stop(proc: ChildProcess, graceMs = 5000): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  killGroup(proc, 'SIGTERM');
  const timer = setTimeout(() => killGroup(proc, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
  // Whatever the leader left behind in its group.
  if (proc.pid !== undefined) try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* none left */ }
}

function killAllNow(): void {
  for (const p of children) killGroup(p, 'SIGKILL');
}

function removeRoot(): void {
  try { rmSync(root, { recursive: true, force: true }); } catch { /* best effort */ }
}

process.on('exit', () => { killAllNow(); removeRoot(); });
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(sig, () => {
    progress(`${sig}: stopping every child and removing ${root}`);
    killAllNow();
    removeRoot();
    process.exit(130);
  });
}

// ------------------------------------------------------------------------------------------------
// small helpers


/** Nearest-rank percentile. */
function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** VmRSS / VmHWM of a process, in MB (MiB, like the peer's figures). */
function procStatus(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

/** Resets VmHWM (Linux `clear_refs` 5); false when the kernel refuses. */
function resetHwm(pid: number): boolean {
  try { writeFileSync(`/proc/${pid}/clear_refs`, '5'); return true; } catch { return false; }
}

/** User + system CPU time of a process, in ms (clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** CPU ms of a process (user + system) and of its children it reaped (cutime + cstime: a step's shell and what it ran). */
function cpuSplit(pid: number): { self: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { self: (Number(f[11]) + Number(f[12])) * 10, children: (Number(f[13]) + Number(f[14])) * 10 };
}

/** Samples VmRSS every `everyMs` (and VmHWM at the end); `stop()` gives the peak in MB. */
function rssSampler(pid: number, everyMs = 50): { stop: () => number } {
  let peak = procStatus(pid).rss;
  const t = setInterval(() => { try { peak = Math.max(peak, procStatus(pid).rss); } catch { /* exited */ } }, everyMs);
  return {
    stop() {
      clearInterval(t);
      try { const s = procStatus(pid); peak = Math.max(peak, s.rss, s.hwm); } catch { /* exited */ }
      return peak;
    },
  };
}

// ------------------------------------------------------------------------------------------------
// HTTP: a keep-alive client, plain JSON calls and an SSE follower

const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1024 });
/** The admin token the bench's controllers are started with (KILN_ADMIN_TOKEN): every call sends it. */
const BENCH_TOKEN = `bench-${randomBytes(24).toString('hex')}`;
const AUTH = { authorization: `Bearer ${BENCH_TOKEN}` };

function request(base: string, method: string, p: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(new URL(p.replace(/^\//, ''), base), {
      method, agent: keepAlive,
      headers: { ...AUTH, ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}) },
    }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (d: Buffer) => parts.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(parts).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${p}: no answer in 60 s`)));
    req.on('error', reject);
    req.end(data);
  });
}

async function api(base: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await request(base, method, p, body);
  if (res.status >= 300) throw new Error(`${method} ${p}: HTTP ${res.status} ${res.text.slice(0, 500)}`);
  return res.text ? JSON.parse(res.text) : null;
}

interface Followed {
  /** performance.now() when `marker` first appeared in the log (null when it never did). */
  markerAt: number | null;
  /** `markerRe`'s first match in the log (its first group), and when it was seen (Date-like epoch ms, sub-ms). */
  match: { value: string; atEpochMs: number } | null;
  endAt: number;
  end: { status: string; result: string | null; size: number };
}

/** Follows a build's console over SSE until its `end` event (no polling). */
function follow(base: string, job: string, n: number, o: { marker?: string; markerRe?: RegExp; from?: number; live?: (stampNs: bigint, atEpochMs: number) => void } = {}): Promise<Followed> {
  return new Promise((resolve, reject) => {
    const url = new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console/stream${o.from ? `?from=${o.from}` : ''}`, base);
    const req = http.get(url, { agent: keepAlive, headers: { ...AUTH, accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`console stream of ${job} #${n}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      let buf = '';
      let tail = '';
      let markerAt: number | null = null;
      let match: Followed['match'] = null;
      let reTail = '';
      let liveLine = '';
      let settled = false;
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message';
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (event === 'log' && o.live) {
            const lines = (liveLine + (JSON.parse(data) as string)).split('\n');
            liveLine = lines.pop()!.slice(-4096);
            const at = performance.timeOrigin + performance.now();
            for (const l of lines) {
              const m = /^LIVEMARK (\d+)$/.exec(l);
              if (m) o.live(BigInt(m[1]!), at);
            }
          }
          if (event === 'log' && o.markerRe && match === null) {
            reTail = (reTail + (JSON.parse(data) as string)).slice(-4096);
            const m = o.markerRe.exec(reTail);
            if (m) match = { value: m[1] ?? m[0], atEpochMs: performance.timeOrigin + performance.now() };
          }
          if (event === 'log' && o.marker && markerAt === null) {
            tail = (tail + (JSON.parse(data) as string)).slice(-4096);
            if (tail.includes(o.marker)) markerAt = performance.now();
          } else if (event === 'end') {
            settled = true;
            resolve({ markerAt, match, endAt: performance.now(), end: JSON.parse(data) });
            req.destroy();
            return;
          } else if (event === 'error') {
            settled = true;
            reject(new Error(`console stream of ${job} #${n}: ${data}`));
            req.destroy();
            return;
          }
        }
      });
      res.on('end', () => { if (!settled) reject(new Error(`console stream of ${job} #${n} ended without an end event`)); });
      res.on('error', (e) => { if (!settled) reject(e); });
    });
    req.setTimeout(120_000, () => req.destroy(new Error(`console stream of ${job} #${n}: silent for 120 s`)));
    req.on('error', (e) => reject(e));
  });
}

// ------------------------------------------------------------------------------------------------
// Kiln processes

interface Controller { proc: ChildProcess; pid: number; url: string; home: string; startedInMs: number | null; output: () => string }

let homes = 0;
async function startKilnController(o: { cpuProf?: string; durable?: boolean } = {}): Promise<Controller & { readyMs: number }> {
  const home = path.join(root, `home-${++homes}`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KILN_')) delete env[k];
  env['KILN_ADMIN_TOKEN'] = BENCH_TOKEN;
  if (!(o.durable ?? !opts['no-durable'])) env['KILN_DURABLE_EXECS'] = '0';
  if (o.cpuProf) env['NODE_OPTIONS'] = `${env['NODE_OPTIONS'] ?? ''} --cpu-prof --cpu-prof-dir=${o.cpuProf}`.trim();
  const t = performance.now();
  const { proc, output } = start(kilnBin, ['controller', '--home', home, '--port', String(port), '--host', '127.0.0.1'], { env });
  let exited = false;
  proc.once('exit', () => { exited = true; });
  // Readiness is probed every 2 ms on a fresh connection (a refused connect costs microseconds).
  for (;;) {
    if (exited) throw new Error(`the controller exited before it was ready:\n${output()}`);
    if (performance.now() - t > 30_000) throw new Error(`the controller was not ready after 30 s:\n${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = http.get(new URL('api/v1/ready', url), { agent: false }, (res) => { res.resume(); resolve(res.statusCode === 200); });
      req.on('error', () => resolve(false));
      req.setTimeout(2000, () => req.destroy());
    });
    if (ok) break;
    await sleep(2);
  }
  const readyMs = performance.now() - t;
  // The ready line is printed just before /ready can answer 200; give stdout a moment.
  let startedInMs: number | null = null;
  for (let i = 0; i < 100 && startedInMs === null; i++) {
    const m = /started in (\d+) ms/.exec(output());
    if (m) startedInMs = Number(m[1]);
    else await sleep(10);
  }
  return { proc, pid: proc.pid!, url, home, startedInMs, output, readyMs };
}

interface AgentProc { name: string; proc: ChildProcess; pid: number; output: () => string }

async function startAgent(c: Controller, name: string, executors: number): Promise<AgentProc> {
  const info = await api(c.url, 'POST', '/api/v1/agents', { name, executors });
  // The exact command the controller shows for this agent, with bin/kiln for `kiln`.
  const words = (info.command as string).split(' ').map((a) => a.replace(/^'|'$/g, ''));
  if (words[0] !== 'kiln' || words[1] !== 'agent') throw new Error(`unexpected agent command: ${info.command}`);
  const workdir = path.join(root, `agent-${name}`);
  mkdirSync(workdir);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('KILN_')) delete env[k];
  const { proc, output } = start(kilnBin, [...words.slice(1), '--workdir', workdir], { env, cwd: workdir });
  const t = performance.now();
  while (!(await api(c.url, 'GET', `/api/v1/agents/${name}`)).online) {
    if (proc.exitCode !== null) throw new Error(`agent ${name} exited:\n${output()}`);
    if (performance.now() - t > 20_000) throw new Error(`agent ${name} did not connect in 20 s:\n${output()}`);
    await sleep(10);
  }
  return { name, proc, pid: proc.pid!, output };
}

async function createJob(c: Controller, name: string, script: string): Promise<void> {
  await api(c.url, 'POST', '/api/v1/jobs', { name, script });
}

async function trigger(c: Controller, job: string): Promise<number> {
  const b = await api(c.url, 'POST', `/api/v1/jobs/${encodeURIComponent(job)}/builds`, {});
  return b.number as number;
}

/** Trigger one build and follow it to its end. Times are from just before the POST. */
async function timedBuild(c: Controller, job: string, marker?: string): Promise<{ totalMs: number; markerMs: number | null }> {
  const t = performance.now();
  const n = await trigger(c, job);
  const f = await follow(c.url, job, n, marker ? { marker } : {});
  if (f.end.result !== 'SUCCESS') throw new Error(`${job} #${n} ended ${f.end.result}`);
  return { totalMs: f.endAt - t, markerMs: f.markerAt === null ? null : f.markerAt - t };
}

// ------------------------------------------------------------------------------------------------
// the Kiln measurements

const pipeline = (steps: string[]) => `pipeline { agent any; stages { stage('S') { steps { ${steps.join('; ')} } } } }`;
const ONE_STEP = pipeline(["sh 'true'"]);
const TEN_STEPS = pipeline(Array.from({ length: 10 }, () => "sh 'true'"));
const LINE = 'x'.repeat(99); // `yes` adds the newline: 100-byte lines
const LOG_SCRIPT = pipeline([`sh 'yes ${LINE} | head -c ${LOG_BYTES}'`]);

interface KilnResult {
  cold_start_ms: { median: number; min: number; max: number; runs: number[] };
  started_in_ms: { median: number; runs: (number | null)[] };
  idle_rss_mb: number;
  agent_idle_rss_mb: number;
  latency: { builds: number; finish_p50_ms: number; finish_p95_ms: number; finish_min_ms: number; finish_max_ms: number; first_step_p50_ms: number; first_step_p95_ms: number; controller_cpu_ms_per_build: number };
  ten_step: { builds: number; median_ms: number; per_step_ms: number; marginal_step_ms: number };
  throughput: { builds: number; agents: number; executors_per_agent: number; jobs: number; wall_s: number; builds_per_s: number; trigger_all_s: number; controller_cpu_ms_per_build: number; controller_rss_peak_mb: number };
  log: { bytes: number; stored_bytes: number; wall_s: number; mb_per_s: number; rss_before_mb: number; rss_peak_mb: number; rss_growth_mb: number; hwm_reset: boolean; controller_cpu_s: number; agents_cpu_s: number };
  rss_after_load_mb: number;
}

async function measureKiln(k: Partial<KilnResult>): Promise<void> {
  // 1. cold start, fresh homes
  const cold: number[] = [];
  const startedIn: (number | null)[] = [];
  for (let i = 0; i < COLD_STARTS; i++) {
    checkDeadline('cold start');
    const c = await startKilnController();
    cold.push(c.readyMs);
    startedIn.push(c.startedInMs);
    await stop(c.proc);
    rmSync(c.home, { recursive: true, force: true });
    progress(`cold start ${i + 1}/${COLD_STARTS}: ready after ${c.readyMs.toFixed(0)} ms (its own "started in ${c.startedInMs ?? '?'} ms")`);
  }
  const si = startedIn.filter((x): x is number => x !== null);
  k.cold_start_ms = { median: r1(median(cold)), min: r1(Math.min(...cold)), max: r1(Math.max(...cold)), runs: cold.map(r1) };
  k.started_in_ms = { median: si.length ? median(si) : NaN, runs: startedIn };

  // The controller everything else runs on.
  const c = await startKilnController(opts['cpu-prof'] ? { cpuProf: path.resolve(opts['cpu-prof']) } : {});
  const agents: AgentProc[] = [];
  try {
    // 2. idle RSS with one agent connected, no builds yet (2 s to settle, as the peer does)
    const a1 = await startAgent(c, 'a1', EXECUTORS_PER_AGENT);
    agents.push(a1);
    await sleep(2000);
    k.idle_rss_mb = r1(procStatus(c.pid).rss);
    k.agent_idle_rss_mb = r1(procStatus(a1.pid).rss);
    progress(`idle RSS: controller ${k.idle_rss_mb} MB, agent ${k.agent_idle_rss_mb} MB`);

    // 3. trigger -> first step and trigger -> finish, one `sh 'true'`, sequential, on the idle agent
    await createJob(c, 'one', ONE_STEP);
    await createJob(c, 'ten', TEN_STEPS);
    for (let i = 0; i < 5; i++) await timedBuild(c, 'one', '+ true\n'); // warm-up, not counted
    await timedBuild(c, 'ten');
    const fin: number[] = [];
    const first: number[] = [];
    const cpu0 = cpuMs(c.pid);
    for (let i = 0; i < LATENCY_BUILDS; i++) {
      checkDeadline('latency');
      const r = await timedBuild(c, 'one', '+ true\n');
      fin.push(r.totalMs);
      if (r.markerMs !== null) first.push(r.markerMs);
    }
    const cpuPerBuild = (cpuMs(c.pid) - cpu0) / LATENCY_BUILDS;
    if (first.length !== LATENCY_BUILDS) throw new Error(`the step's output ('+ true') was seen in ${first.length} of ${LATENCY_BUILDS} builds`);
    k.latency = {
      builds: LATENCY_BUILDS, finish_p50_ms: r2(median(fin)), finish_p95_ms: r2(pct(fin, 95)), finish_min_ms: r2(Math.min(...fin)), finish_max_ms: r2(Math.max(...fin)),
      first_step_p50_ms: r2(median(first)), first_step_p95_ms: r2(pct(first, 95)), controller_cpu_ms_per_build: r1(cpuPerBuild),
    };
    progress(`latency: finish p50 ${k.latency.finish_p50_ms} / p95 ${k.latency.finish_p95_ms} ms; first step p50 ${k.latency.first_step_p50_ms} ms; controller CPU ${k.latency.controller_cpu_ms_per_build} ms/build`);

    const ten: number[] = [];
    for (let i = 0; i < TEN_STEP_BUILDS; i++) {
      checkDeadline('10-step builds');
      ten.push((await timedBuild(c, 'ten')).totalMs);
    }
    const med10 = median(ten);
    k.ten_step = { builds: TEN_STEP_BUILDS, median_ms: r2(med10), per_step_ms: r2(med10 / 10), marginal_step_ms: r2((med10 - median(fin)) / 9) };
    progress(`10-step build: median ${k.ten_step.median_ms} ms, ${k.ten_step.per_step_ms} ms/step (marginal ${k.ten_step.marginal_step_ms})`);

    // 4. throughput: THROUGHPUT_BUILDS builds over 4 agents x 1 executor, all triggered at once
    for (let i = 2; i <= THROUGHPUT_AGENTS; i++) agents.push(await startAgent(c, `a${i}`, EXECUTORS_PER_AGENT));
    const jobs = Array.from({ length: THROUGHPUT_AGENTS }, (_, i) => `tp${i + 1}`);
    for (const j of jobs) await createJob(c, j, ONE_STEP);
    await Promise.all(jobs.map((j) => timedBuild(c, j))); // warm-up: each job's first build (workspaces)
    await sleep(500);
    checkDeadline('throughput');
    resetHwm(c.pid);
    const tpRss = rssSampler(c.pid);
    const tpCpu0 = cpuMs(c.pid);
    const t = performance.now();
    let triggeredAt = 0;
    let triggered = 0;
    const ends = await Promise.all(Array.from({ length: THROUGHPUT_BUILDS }, async (_, i) => {
      const job = jobs[i % jobs.length]!;
      const n = await trigger(c, job);
      if (++triggered === THROUGHPUT_BUILDS) triggeredAt = performance.now();
      return follow(c.url, job, n);
    }));
    const wall = (Math.max(...ends.map((e) => e.endAt)) - t) / 1000;
    const tpCpu = (cpuMs(c.pid) - tpCpu0) / THROUGHPUT_BUILDS;
    const tpPeak = tpRss.stop();
    const bad = ends.filter((e) => e.end.result !== 'SUCCESS');
    if (bad.length) throw new Error(`throughput: ${bad.length} builds did not succeed (e.g. ${bad[0]!.end.result})`);
    k.throughput = {
      builds: THROUGHPUT_BUILDS, agents: THROUGHPUT_AGENTS, executors_per_agent: EXECUTORS_PER_AGENT, jobs: jobs.length,
      wall_s: r2(wall), builds_per_s: r1(THROUGHPUT_BUILDS / wall), trigger_all_s: r2((triggeredAt - t) / 1000),
      controller_cpu_ms_per_build: r1(tpCpu), controller_rss_peak_mb: r1(tpPeak),
    };
    progress(`throughput: ${THROUGHPUT_BUILDS} builds in ${k.throughput.wall_s} s = ${k.throughput.builds_per_s} builds/s (all triggered after ${k.throughput.trigger_all_s} s; controller CPU ${k.throughput.controller_cpu_ms_per_build} ms/build, RSS peak ${k.throughput.controller_rss_peak_mb} MB)`);

    // 5. log throughput: one build printing LOG_BYTES, agent -> controller -> disk. The bench
    // follows the stream from LOG_BYTES on, so it waits for the end without reading (and making
    // the controller serve) the whole log: the figure is the write path only.
    await createJob(c, 'log', LOG_SCRIPT);
    await sleep(1000);
    checkDeadline('log');
    const hwmReset = resetHwm(c.pid);
    const before = procStatus(c.pid).rss;
    const logRss = rssSampler(c.pid);
    const agentsCpu = () => agents.reduce((sum, a) => sum + cpuMs(a.pid), 0);
    const logCpu0 = cpuMs(c.pid);
    const logAgentsCpu0 = agentsCpu();
    const tl = performance.now();
    const ln = await trigger(c, 'log');
    const lf = await follow(c.url, 'log', ln, { from: LOG_BYTES });
    const logWall = (lf.endAt - tl) / 1000;
    const logPeak = logRss.stop();
    const logCpu = (cpuMs(c.pid) - logCpu0) / 1000;
    const logAgentsCpu = (agentsCpu() - logAgentsCpu0) / 1000;
    if (lf.end.result !== 'SUCCESS') throw new Error(`log build ended ${lf.end.result}`);
    if (lf.end.size < LOG_BYTES) throw new Error(`the log holds ${lf.end.size} bytes, fewer than the ${LOG_BYTES} printed`);
    // Spot check: 200 bytes from the middle of the stored log are the step's lines.
    const mid = await request(c.url, 'GET', `/api/v1/jobs/log/builds/${ln}/console?start=${LOG_BYTES >> 1}&end=${(LOG_BYTES >> 1) + 200}`);
    if (!/^[x\n]{200}$/.test(mid.text) || (mid.text.match(/\n/g) ?? []).length !== 2) throw new Error(`the stored log is not the step's output: ${JSON.stringify(mid.text.slice(0, 80))}`);
    k.log = {
      bytes: LOG_BYTES, stored_bytes: lf.end.size, wall_s: r2(logWall), mb_per_s: r1(LOG_BYTES / 1e6 / logWall),
      rss_before_mb: r1(before), rss_peak_mb: r1(logPeak), rss_growth_mb: r1(logPeak - before), hwm_reset: hwmReset,
      controller_cpu_s: r2(logCpu), agents_cpu_s: r2(logAgentsCpu),
    };
    progress(`log: ${LOG_BYTES / 1e6} MB in ${k.log.wall_s} s = ${k.log.mb_per_s} MB/s; controller RSS ${k.log.rss_before_mb} -> peak ${k.log.rss_peak_mb} MB; CPU: controller ${k.log.controller_cpu_s} s, agent ${k.log.agents_cpu_s} s`);

    await sleep(2000);
    k.rss_after_load_mb = r1(procStatus(c.pid).rss);
    progress(`RSS after the load (2 s later): ${k.rss_after_load_mb} MB`);
  } finally {
    // Agents first, then the controller (SIGTERM: it closes its store and, with --cpu-prof, writes the profile).
    await Promise.all([...children].filter((p) => p !== c.proc).map((p) => stop(p)));
    await stop(c.proc, 10_000);
  }
}

// ------------------------------------------------------------------------------------------------
// the peer

type Peer = { ok: true; data: any } | { ok: false; error: string; data?: any };

async function runPeer(): Promise<Peer> {
  const env = { ...process.env, BENCH_BUDGET_S: process.env['BENCH_BUDGET_S'] ?? String(PEER_BUDGET_S) };
  const hardLimitMs = (Number(env.BENCH_BUDGET_S) + 60) * 1000;
  progress(`peer: bash ${opts.peer} --no-single-builder-throughput (budget ${env.BENCH_BUDGET_S} s)`);
  const proc = spawn('bash', [opts.peer, '--no-single-builder-throughput'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env, cwd: root });
  children.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString('utf8'); });
  proc.stderr!.on('data', (d: Buffer) => {
    const s = d.toString('utf8');
    err = (err + s).slice(-4000);
    for (const line of s.split('\n')) if (line.trim()) process.stderr.write(`  peer| ${line}\n`);
  });
  const timer = setTimeout(() => { progress('peer: hard time limit reached, stopping it'); void stop(proc, 10_000); }, hardLimitMs);
  const code = await new Promise<number | null>((resolve) => {
    proc.once('error', (e) => { err += String(e); resolve(null); });
    proc.once('close', (c) => resolve(c));
  });
  clearTimeout(timer);
  children.delete(proc);
  const last = out.trim().split('\n').pop() ?? '';
  let data: any;
  try { data = JSON.parse(last); } catch { /* below */ }
  if (!data || typeof data !== 'object') return { ok: false, error: `no JSON from run.sh (exit ${code}): ${(err || out).trim().split('\n').slice(-5).join(' | ')}` };
  if (data.ok !== true) return { ok: false, error: String(data.error ?? `run.sh exit ${code}`), data };
  return { ok: true, data };
}

/** null when buildbot and buildbot-worker are there (installed with --install-peer if missing), else why not. */
async function ensureBuildbot(): Promise<string | null> {
  const has = (cmd: string) => new Promise<boolean>((r) => spawn('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).on('close', (c) => r(c === 0)));
  if ((await has('buildbot')) && (await has('buildbot-worker'))) return null;
  if (!opts['install-peer']) return 'buildbot is not installed (apt-get install -y buildbot buildbot-worker, or run the bench with --install-peer)';
  progress('peer: buildbot missing; apt-get install -y buildbot buildbot-worker');
  const code = await new Promise<number | null>((r) => {
    const p = spawn('apt-get', ['install', '-y', 'buildbot', 'buildbot-worker'], { detached: true, stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    children.add(p);
    const timer = setTimeout(() => void stop(p), 280_000);
    p.on('error', () => r(null));
    p.on('close', (c) => { clearTimeout(timer); children.delete(p); r(c); });
  });
  if (code === 0 && (await has('buildbot')) && (await has('buildbot-worker'))) return null;
  return `buildbot could not be installed (apt-get install -y buildbot buildbot-worker: exit ${code})`;
}

// ------------------------------------------------------------------------------------------------
// --durable-cost: durable execs against KILN_DURABLE_EXECS=0, in interleaved pairs (see the header)

const HUNDRED_STEPS = pipeline(Array.from({ length: 100 }, () => "sh 'true'"));
/** The step's output, then a line with the time (ns) the shell ran `date` after it: the console's lag is when the stream shows it. */
const LAG_LOG_SCRIPT = pipeline([`sh 'yes ${LINE} | head -c ${LOG_BYTES}; echo "KILNMARK $(date +%s%N)"'`]);
const LAG_RE = /(?:^|\n)KILNMARK (\d+)\n/;
/** 100 lines, one every 20 ms, each with the time it was printed. */
const LIVE_SCRIPT = pipeline([`sh 'i=0; while [ $i -lt 100 ]; do echo "LIVEMARK $(date +%s%N)"; sleep 0.02; i=$((i+1)); done'`]);

interface Spread { median: number; p25: number; p75: number; min: number; max: number; n: number }
interface PairFigure { durable: Spread; plain: Spread; ratio: Spread & { ci95: [number, number]; verdict: string }; diff: Spread; durable_slower_pairs: number }

function spread(xs: number[], round = r2): Spread {
  return { median: round(median(xs)), p25: round(pct(xs, 25)), p75: round(pct(xs, 75)), min: round(Math.min(...xs)), max: round(Math.max(...xs)), n: xs.length };
}

/**
 * A distribution-free 95 % interval of the median of `xs` (order statistics, the binomial's normal
 * approximation): where the true median ratio lies, whatever the ratios' distribution.
 */
function medianCi(xs: number[]): [number, number] {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  const k = Math.max(0, Math.floor(n / 2 - 0.98 * Math.sqrt(n)));
  return [s[k]!, s[Math.min(n - 1, n - 1 - k)]!];
}

/** Per-pair figures: `d[i]` and `p[i]` were measured one right after the other (times: higher is worse). */
function pairFigure(d: number[], p: number[]): PairFigure {
  const ratios = d.map((x, i) => x / p[i]!);
  const ci = medianCi(ratios).map((x) => Math.round(x * 1000) / 1000) as [number, number];
  const verdict = ci[1] <= 1.1 ? '≤ 1.10 shown' : ci[0] > 1.1 ? 'over 1.10' : 'not told apart from 1.10';
  return {
    durable: spread(d), plain: spread(p), diff: spread(d.map((x, i) => x - p[i]!)), durable_slower_pairs: ratios.filter((x) => x > 1).length,
    ratio: { ...spread(ratios, (x) => Math.round(x * 1000) / 1000), ci95: ci, verdict },
  };
}

/** Runs `fn(durable)` and `fn(plain)` for `pairs` pairs, the order swapped every pair; returns both series. */
async function interleaved(what: string, pairs: number, fn: (durable: boolean) => Promise<number>): Promise<{ d: number[]; p: number[]; load: [number, number] }> {
  const d: number[] = [];
  const p: number[] = [];
  const load0 = loadavg()[0]!;
  for (let i = 0; i < pairs; i++) {
    checkDeadline(what);
    if (i % 2 === 0) {
      d.push(await fn(true));
      p.push(await fn(false));
    } else {
      p.push(await fn(false));
      d.push(await fn(true));
    }
  }
  return { d, p, load: [r2(load0), r2(loadavg()[0]!)] };
}

/** Median µs of `fn` over `n` calls (each timed alone). */
function timeUs(n: number, fn: (i: number) => void): number {
  const t: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    t.push((performance.now() - t0) * 1000);
  }
  return r1(median(t));
}

/** Every build directory under a controller's home that holds a journal, with its lines. */
function journals(home: string): { dir: string; lines: string[] }[] {
  const out: { dir: string; lines: string[] }[] = [];
  const buildsDir = path.join(home, 'builds');
  for (const job of readdirSync(buildsDir)) {
    for (const n of readdirSync(path.join(buildsDir, job))) {
      const dir = path.join(buildsDir, job, n);
      try {
        out.push({ dir, lines: readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean) });
      } catch {
        // no journal (not a build directory)
      }
    }
  }
  return out;
}

/** What kind of journal line this is (resume.ts JournalWriter). */
function lineKind(line: string): 'step' | 'execAt' | 'buildEnd' | 'other' {
  const j = JSON.parse(line) as Record<string, unknown>;
  if (j['execAt'] !== undefined) return 'execAt';
  if (j['buildEnd'] !== undefined) return 'buildEnd';
  if (typeof j['id'] === 'string') return 'step';
  return 'other';
}

/**
 * The writes durability makes, each timed alone on this machine (in this process): the
 * controller's journal lines (real lines of a 100-step build, written again through JournalWriter),
 * run.json, the agent_execs INSERT and DELETE (on the durable controller's own SQLite file, once it
 * stopped), and the agent's per-step files (the system calls agent/durable.ts makes, in order).
 */
async function writesAlone(dHome: string, pHome: string): Promise<Record<string, unknown>> {
  const { JournalWriter, saveRunInfo } = await import('../src/controller/resume.ts');
  const { openStore } = await import('../src/store/index.ts');
  const perStep = (home: string) => {
    const all = journals(home);
    const script = (dir: string) => { try { return (JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as { script?: string }).script; } catch { return undefined; } };
    const hundred = all.filter((j) => script(j.dir) === HUNDRED_STEPS);
    const one = all.filter((j) => script(j.dir) === ONE_STEP);
    const count = (js: typeof all, kind: string) => js.length ? r2(js.reduce((s, j) => s + j.lines.filter((l) => lineKind(l) === kind).length, 0) / js.length) : null;
    return {
      hundred_step_builds: hundred.length,
      per_100_step_build: { step: count(hundred, 'step'), execAt: count(hundred, 'execAt'), buildEnd: count(hundred, 'buildEnd'), other: count(hundred, 'other') },
      per_1_step_build: { step: count(one, 'step'), execAt: count(one, 'execAt'), buildEnd: count(one, 'buildEnd'), other: count(one, 'other') },
      bytes_per_line: hundred.length ? r1(hundred[0]!.lines.reduce((s, l) => s + l.length + 1, 0) / hundred[0]!.lines.length) : null,
      sample: hundred[0] ?? null,
    };
  };
  const d = perStep(dHome);
  const p = perStep(pHome);
  const scratch = mkdtempSync(path.join(root, 'writes-'));
  // Journal lines, written again (JSON.stringify + one write(2) on the open descriptor), by kind.
  const lines = d.sample?.lines ?? [];
  const byKind: Record<string, number[]> = { step: [], execAt: [], buildEnd: [] };
  for (let round = 0; round < 20; round++) {
    const dir = mkdtempSync(path.join(scratch, 'j-'));
    const w = new JournalWriter(dir);
    w.consoleAt(0); // opens the file: not counted below
    for (const line of lines) {
      const j = JSON.parse(line) as any;
      const kind = lineKind(line);
      const t0 = performance.now();
      if (kind === 'execAt') w.execAt(j.execAt, { stdout: j.o, stderr: j.e }, j.c);
      else if (kind === 'buildEnd') w.end(j.buildEnd, j.consoleTail ? { at: j.consoleTail.at, bytes: Buffer.from(j.consoleTail.b64, 'base64') } : j.consoleEnd !== undefined ? { at: j.consoleEnd, bytes: Buffer.alloc(0) } : null);
      else if (kind === 'step') {
        const { consoleTail, consoleEnd, ...e } = j;
        w.append(e, consoleTail ? { at: consoleTail.at, bytes: Buffer.from(consoleTail.b64, 'base64') } : consoleEnd !== undefined ? { at: consoleEnd, bytes: Buffer.alloc(0) } : null);
      } else continue;
      byKind[kind]!.push((performance.now() - t0) * 1000);
    }
    w.close();
  }
  const runInfo = d.sample ? JSON.parse(readFileSync(path.join(d.sample.dir, 'run.json'), 'utf8')) : { script: HUNDRED_STEPS, scriptName: 'Jenkinsfile', scmFiles: {} };
  const runDir = mkdtempSync(path.join(scratch, 'r-'));
  const runJsonUs = timeUs(200, () => saveRunInfo(runDir, runInfo));
  // agent_execs on the durable controller's store (WAL, synchronous=NORMAL), with one of its builds.
  const store = await openStore({ home: dHome });
  let insertUs = NaN;
  let deleteUs = NaN;
  try {
    const b = await store.builds.latest('one');
    if (b) {
      const ins: number[] = [];
      const del: number[] = [];
      for (let i = 0; i < 200; i++) {
        const key = `bench-${i}-${randomBytes(4).toString('hex')}`;
        let t0 = performance.now();
        await store.agentExecs.record(key, 'd1', b.id);
        ins.push((performance.now() - t0) * 1000);
        t0 = performance.now();
        await store.agentExecs.forget(key);
        del.push((performance.now() - t0) * 1000);
      }
      insertUs = r1(median(ins));
      deleteUs = r1(median(del));
    }
  } finally {
    await store.close();
  }
  // The agent's files per durable step, in agent/durable.ts's order (the shell's `rc` write included).
  const aroot = mkdtempSync(path.join(scratch, 'a-'));
  const ops: Record<string, number[]> = { mkdir: [], 'meta.json create+write': [], 'out+err open': [], 'meta.json pwrite': [], 'rc (shell: open+write+close)': [], 'acked pwrite': [], 'close x3': [], 'unlink x4': [], rmdir: [] };
  const meta = JSON.stringify({ v: 1, key: 'b1-s3-0123456789abcdef', buildId: randomBytes(16).toString('hex'), build: 'one #1', pgid: null, start: null, cookie: randomBytes(16).toString('hex') }) + ' '.repeat(48);
  const time = (op: string, fn: () => void) => { const t0 = performance.now(); fn(); ops[op]!.push((performance.now() - t0) * 1000); };
  for (let i = 0; i < 200; i++) {
    const dir = path.join(aroot, `k${i}`);
    let mfd = -1; let ofd = -1; let efd = -1; let afd = -1;
    const f = fsConstants.O_RDWR | fsConstants.O_APPEND | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
    time('mkdir', () => mkdirSync(dir, { mode: 0o700 }));
    time('meta.json create+write', () => { mfd = openSync(path.join(dir, 'meta.json'), fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o600); writeSync(mfd, meta); });
    time('out+err open', () => { ofd = openSync(path.join(dir, 'out'), f, 0o600); efd = openSync(path.join(dir, 'err'), f, 0o600); });
    time('meta.json pwrite', () => { writeSync(mfd, meta.replace('"pgid":null', '"pgid":12345'), 0); });
    time('rc (shell: open+write+close)', () => { const fd = openSync(path.join(dir, 'rc'), 'w'); writeSync(fd, '0\n'); closeSync(fd); });
    time('acked pwrite', () => { afd = openSync(path.join(dir, 'acked'), 'w', 0o600); writeSync(afd, '9 0\n', 0); });
    time('close x3', () => { closeSync(mfd); closeSync(ofd); closeSync(efd); });
    closeSync(afd);
    unlinkSync(path.join(dir, 'acked'));
    time('unlink x4', () => { for (const n of ['out', 'err', 'rc', 'meta.json']) unlinkSync(path.join(dir, n)); });
    time('rmdir', () => rmdirSync(dir));
  }
  const agentFiles: Record<string, number> = {};
  for (const [op, t] of Object.entries(ops)) agentFiles[op] = r1(median(t));
  rmSync(scratch, { recursive: true, force: true });
  const usOf = (xs: number[]) => (xs.length ? r1(median(xs)) : null);
  return {
    journal_lines: { durable: { ...d, sample: undefined }, plain: { ...p, sample: undefined } },
    journal_write_us: { step: usOf(byKind['step']!), execAt: usOf(byKind['execAt']!), buildEnd: usOf(byKind['buildEnd']!) },
    run_json_us: runJsonUs,
    agent_execs_us: { insert: insertUs, delete: deleteUs },
    agent_files_us: agentFiles,
  };
}

async function measureDurableCost(): Promise<Record<string, unknown>> {
  const PAIRS = positive('pairs');
  const STEP_PAIRS = positive('step-pairs');
  const LOG_PAIRS = positive('log-pairs');
  const dc = await startKilnController({ durable: true });
  const pc = await startKilnController({ durable: false });
  const result: Record<string, unknown> = {};
  try {
    const agentOf = new Map<Controller, AgentProc>([[dc, await startAgent(dc, 'd1', 1)], [pc, await startAgent(pc, 'p1', 1)]]);
    for (const c of [dc, pc]) {
      await createJob(c, 'one', ONE_STEP);
      await createJob(c, 'hundred', HUNDRED_STEPS);
      await createJob(c, 'log', LAG_LOG_SCRIPT);
      await createJob(c, 'live', LIVE_SCRIPT);
    }
    const of = (durable: boolean) => (durable ? dc : pc);
    progress('warm-up: 5 small builds, one 100-step build and one log build on each');
    for (const c of [dc, pc]) {
      for (let i = 0; i < 5; i++) await timedBuild(c, 'one');
      await timedBuild(c, 'hundred');
    }

    const small = await interleaved('small builds', PAIRS, async (durable) => (await timedBuild(of(durable), 'one')).totalMs);
    result['finish_ms'] = { ...pairFigure(small.d, small.p), load: small.load };
    progress(`trigger -> finish: durable ${r2(median(small.d))} ms, plain ${r2(median(small.p))} ms, per-pair ratio ${(result['finish_ms'] as PairFigure).ratio.median}`);

    const steps = await interleaved('100-step builds', STEP_PAIRS, async (durable) => (await timedBuild(of(durable), 'hundred')).totalMs / 100);
    result['per_step_ms'] = { ...pairFigure(steps.d, steps.p), load: steps.load };
    progress(`100-step build, per step: durable ${r2(median(steps.d))} ms, plain ${r2(median(steps.p))} ms, per-pair ratio ${(result['per_step_ms'] as PairFigure).ratio.median}`);

    // The log: seconds per MB (so that the ratio reads as the others: > 1 is durable slower), and the lag.
    const lags: { d: number[]; p: number[] } = { d: [], p: [] };
    const rates: { d: number[]; p: number[] } = { d: [], p: [] };
    // CPU ms per MB of each process a log build keeps busy (10 ms ticks): on a shared 2-core
    // machine the time per MB follows the CPU the build takes more than anything else.
    const cpu: Record<'controller' | 'agent' | 'step', { d: number[]; p: number[] }> = { controller: { d: [], p: [] }, agent: { d: [], p: [] }, step: { d: [], p: [] } };
    const logRun = async (durable: boolean): Promise<number> => {
      const c = of(durable);
      const a = agentOf.get(c)!;
      const c0 = cpuSplit(c.pid);
      const a0 = cpuSplit(a.pid);
      const t = performance.now();
      const n = await trigger(c, 'log');
      const f = await follow(c.url, 'log', n, { from: Math.max(0, LOG_BYTES - 2_000_000), markerRe: LAG_RE });
      const wall = (f.endAt - t) / 1000;
      if (f.end.result !== 'SUCCESS') throw new Error(`log #${n} ended ${f.end.result}`);
      if (f.end.size < LOG_BYTES) throw new Error(`the log of #${n} holds ${f.end.size} bytes, fewer than the ${LOG_BYTES} printed`);
      if (!f.match) throw new Error(`log #${n}: the step's last line (KILNMARK) never came`);
      // Spot check: 200 bytes from the middle of the stored log are the step's lines.
      const mid = await request(c.url, 'GET', `/api/v1/jobs/log/builds/${n}/console?start=${LOG_BYTES >> 1}&end=${(LOG_BYTES >> 1) + 200}`);
      if (!/^[x\n]{200}$/.test(mid.text) || (mid.text.match(/\n/g) ?? []).length !== 2) throw new Error(`the stored log of #${n} is not the step's output: ${JSON.stringify(mid.text.slice(0, 80))}`);
      (durable ? lags.d : lags.p).push(f.match.atEpochMs - Number(BigInt(f.match.value) / 1000n) / 1000);
      (durable ? rates.d : rates.p).push(LOG_BYTES / 1e6 / wall);
      const c1 = cpuSplit(c.pid);
      const a1 = cpuSplit(a.pid);
      const mb = LOG_BYTES / 1e6;
      cpu.controller[durable ? 'd' : 'p'].push((c1.self - c0.self) / mb);
      cpu.agent[durable ? 'd' : 'p'].push((a1.self - a0.self) / mb);
      cpu.step[durable ? 'd' : 'p'].push((a1.children - a0.children) / mb);
      return wall / (LOG_BYTES / 1e6) * 1000; // ms per MB
    };
    await logRun(true);
    await logRun(false);
    lags.d.length = lags.p.length = rates.d.length = rates.p.length = 0;
    for (const x of Object.values(cpu)) x.d.length = x.p.length = 0;
    const logs = await interleaved('log builds', LOG_PAIRS, logRun);
    result['log'] = {
      mb: LOG_BYTES / 1e6, ms_per_mb: { ...pairFigure(logs.d, logs.p), load: logs.load },
      mb_per_s: { durable: spread(rates.d, r1), plain: spread(rates.p, r1) },
      lag_ms: { ...pairFigure(lags.d, lags.p) },
      cpu_ms_per_mb: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, { durable: spread(v.d), plain: spread(v.p) }])),
    };
    progress(`log ${LOG_BYTES / 1e6} MB: durable ${r1(median(rates.d))} MB/s, plain ${r1(median(rates.p))} MB/s; lag durable ${r1(median(lags.d))} ms, plain ${r1(median(lags.p))} ms`);

    // A step printing a line every 20 ms: the median lag of its lines, per build.
    const liveRun = async (durable: boolean): Promise<number> => {
      const c = of(durable);
      const n = await trigger(c, 'live');
      const each: number[] = [];
      const f = await follow(c.url, 'live', n, { live: (stampNs, at) => each.push(at - Number(stampNs / 1000n) / 1000) });
      if (f.end.result !== 'SUCCESS') throw new Error(`live #${n} ended ${f.end.result}`);
      if (each.length !== 100) throw new Error(`live #${n}: ${each.length} of its 100 lines came`);
      return median(each);
    };
    await liveRun(true);
    await liveRun(false);
    const live = await interleaved('live-line builds', positive('live-pairs'), liveRun);
    result['live_line_lag_ms'] = { ...pairFigure(live.d, live.p), load: live.load };
    progress(`a line every 20 ms: lag durable ${r2(median(live.d))} ms, plain ${r2(median(live.p))} ms`);
  } finally {
    await Promise.all([...children].filter((p) => p !== dc.proc && p !== pc.proc).map((p) => stop(p)));
    await Promise.all([stop(dc.proc, 10_000), stop(pc.proc, 10_000)]);
  }
  progress('the writes, each alone');
  result['writes'] = await writesAlone(dc.home, pc.home);
  return result;
}

function printDurableCost(r: Record<string, any>, error: string | null): void {
  const out: string[] = [];
  out.push(`bench controller --durable-cost (node ${process.version}, ${cpus().length} CPUs, load average ${LOAD_AT_START.toFixed(2)} at start): two controllers in one run, durable execs vs KILN_DURABLE_EXECS=0, interleaved pairs`);
  const f = (x: any) => (x === undefined || x === null || Number.isNaN(x) ? '-' : String(x));
  const rows: string[][] = [['figure', 'pairs', 'load', 'durable p50 [p25-p75]', 'plain p50 [p25-p75]', 'd - p p50', 'ratio p50 [p25-p75]', 'ratio 95% CI', 'durable slower', 'verdict']];
  const add = (name: string, x: any, load?: [number, number]) => {
    if (!x) return;
    rows.push([name, f(x.ratio.n), load ? `${load[0]}-${load[1]}` : '', `${x.durable.median} [${x.durable.p25}-${x.durable.p75}]`, `${x.plain.median} [${x.plain.p25}-${x.plain.p75}]`, f(x.diff.median),
      `${x.ratio.median} [${x.ratio.p25}-${x.ratio.p75}]`, `${x.ratio.ci95[0]}-${x.ratio.ci95[1]}`, `${x.durable_slower_pairs}/${x.ratio.n}`, x.ratio.verdict]);
  };
  add('trigger -> finish, 1 sh, ms', r['finish_ms'], r['finish_ms']?.load);
  add('100-step build, ms per step', r['per_step_ms'], r['per_step_ms']?.load);
  add(`log ${r['log']?.mb ?? ''} MB, ms per MB`, r['log']?.ms_per_mb, r['log']?.ms_per_mb?.load);
  add('  console behind the step\'s end (its backlog), ms', r['log']?.lag_ms);
  add('a line every 20 ms: its lag, ms', r['live_line_lag_ms'], r['live_line_lag_ms']?.load);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((c) => c[i]!.length)));
  for (const c of rows) out.push(c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  '));
  if (r['log']) out.push(`log MB/s: durable ${r['log'].mb_per_s.durable.median} [${r['log'].mb_per_s.durable.p25}-${r['log'].mb_per_s.durable.p75}], plain ${r['log'].mb_per_s.plain.median} [${r['log'].mb_per_s.plain.p25}-${r['log'].mb_per_s.plain.p75}]`);
  const lc = r['log']?.cpu_ms_per_mb;
  if (lc) out.push(`log CPU ms per MB, median durable / plain: ${Object.entries(lc).map(([k, v]: [string, any]) => `${k} ${v.durable.median} / ${v.plain.median}`).join(', ')} (the step: its shell, yes and head, reaped by the agent)`);
  const w = r['writes'];
  if (w) {
    const jl = w.journal_lines;
    out.push(`controller journal (always on): lines per 100-step build, durable ${JSON.stringify(jl.durable.per_100_step_build)}, plain ${JSON.stringify(jl.plain.per_100_step_build)}; per 1-step build, durable ${JSON.stringify(jl.durable.per_1_step_build)}; ~${jl.durable.bytes_per_line} bytes a line`);
    out.push(`  each write alone, µs (median): step line ${f(w.journal_write_us.step)}, execAt ${f(w.journal_write_us.execAt)}, buildEnd ${f(w.journal_write_us.buildEnd)}; run.json (once per build) ${f(w.run_json_us)}; agent_execs INSERT ${f(w.agent_execs_us.insert)}, DELETE ${f(w.agent_execs_us.delete)} (durable only)`);
    out.push(`agent files per durable step, µs (median): ${Object.entries(w.agent_files_us).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  }
  if (error) out.push(`FAILED: ${error}`);
  process.stdout.write(out.join('\n') + '\n');
  process.stdout.write(JSON.stringify({ bench: 'controller-durable-cost', ok: error === null, ...(error ? { error } : {}), node: process.version, cpus: cpus().length, loadavg_at_start: r2(LOAD_AT_START), ...r, run_s: r1((performance.now() - T0) / 1000) }) + '\n');
}

// ------------------------------------------------------------------------------------------------
// main

const k: Partial<KilnResult> = {};
let kilnError: string | null = null;
let peer: Peer | null = null;

// Watchdogs: past the Kiln budget every Kiln process is killed (so whatever waits on one fails
// and the run moves on); past every budget together the bench exits with an error line.
let kilnBudgetBlown = false;
const kilnWatchdog = setTimeout(() => { kilnBudgetBlown = true; progress('Kiln time budget exhausted: killing its processes'); killAllNow(); }, BUDGET_MS);
const hardLimitS = BUDGET_MS / 1000 + (opts['no-peer'] ? 0 : PEER_BUDGET_S + 60 + (opts['install-peer'] ? 300 : 0)) + 30;
setTimeout(() => {
  progress(`hard time limit (${hardLimitS} s) reached: stopping`);
  killAllNow();
  removeRoot();
  process.stdout.write(JSON.stringify({ bench: 'controller', ok: false, error: `hard time limit of ${hardLimitS} s reached`, kiln: k }) + '\n');
  process.exit(1);
}, hardLimitS * 1000).unref();

if (COST_MODE) {
  let r: Record<string, unknown> = {};
  let error: string | null = null;
  try {
    r = await measureDurableCost();
  } catch (e) {
    error = (kilnBudgetBlown ? `time budget (${BUDGET_MS / 1000} s) exhausted: ` : '') + (e as Error).message;
    progress(`FAILED: ${error}`);
  } finally {
    clearTimeout(kilnWatchdog);
    killAllNow();
  }
  removeRoot();
  printDurableCost(r, error);
  process.exit(error ? 1 : 0);
}
try {
  await measureKiln(k);
} catch (e) {
  kilnError = (kilnBudgetBlown ? `time budget (${BUDGET_MS / 1000} s) exhausted: ` : '') + (e as Error).message;
  progress(`KILN FAILED: ${kilnError}`);
} finally {
  clearTimeout(kilnWatchdog);
  killAllNow();
}
if (!opts['no-peer']) {
  try {
    const missing = await ensureBuildbot();
    peer = missing ? { ok: false, error: missing } : await runPeer();
  } catch (e) {
    peer = { ok: false, error: (e as Error).message };
  }
  if (!peer.ok) progress(`peer FAILED: ${peer.error}`);
}
killAllNow();
removeRoot();

// ---- the table
const bb = peer?.ok ? peer.data : null;
const fmt = (v: number | undefined | null, unit: string) => (v === undefined || v === null || Number.isNaN(v) ? '-' : `${v} ${unit}`);
/** How many times better Kiln is (> 1: Kiln better). */
const adv = (kv: number | undefined, bv: number | undefined, lowerIsBetter: boolean): number | null => {
  if (kv === undefined || bv === undefined || !Number.isFinite(kv) || !Number.isFinite(bv) || kv <= 0 || bv <= 0) return null;
  return r1(lowerIsBetter ? bv / kv : kv / bv);
};
const meets = (v: number | undefined, target: number, lowerIsBetter: boolean): string =>
  v === undefined || Number.isNaN(v) ? '-' : (lowerIsBetter ? v < target : v >= target) ? 'yes' : 'NO';

interface Row { name: string; kiln: string; peer: string; ratio: number | null; target: string; ok: string }
const rows: Row[] = [];
const row = (name: string, kv: number | undefined, bv: number | undefined, unit: string, lowerIsBetter: boolean, target?: number, targetText?: string) => {
  rows.push({
    name, kiln: fmt(kv, unit), peer: bb ? fmt(bv, unit) : '-', ratio: bb ? adv(kv, bv, lowerIsBetter) : null,
    target: target === undefined ? '' : targetText ?? `${lowerIsBetter ? '<' : '≥'} ${target} ${unit}`,
    ok: target === undefined ? '' : meets(kv, target, lowerIsBetter),
  });
};
row('cold start: spawn -> /ready 200 (median)', k.cold_start_ms?.median, bb?.cold_start_ms, 'ms', true, TARGETS.start_ms);
row('  its own "started in" (median)', k.started_in_ms?.median, undefined, 'ms', true);
row('idle RSS, 1 agent, no builds', k.idle_rss_mb, bb?.rss_idle_mb, 'MB', true, TARGETS.idle_rss_mb);
row('agent idle RSS (bin/kiln agent, connected)', k.agent_idle_rss_mb, undefined, 'MB', true, TARGETS.agent_idle_rss_mb);
row('trigger -> finish, 1 sh, p50', k.latency?.finish_p50_ms, bb?.latency_ms?.median, 'ms', true, TARGETS.p50_ms);
row('trigger -> finish, 1 sh, p95', k.latency?.finish_p95_ms, undefined, 'ms', true);
row('trigger -> first step output, p50', k.latency?.first_step_p50_ms, undefined, 'ms', true);
row('trigger -> first step output, p95', k.latency?.first_step_p95_ms, undefined, 'ms', true);
row('controller CPU per sequential build', k.latency?.controller_cpu_ms_per_build, undefined, 'ms', true);
row('10-step build / 10', k.ten_step?.per_step_ms, bb?.step_overhead_ms, 'ms', true);
row('per extra step ((10-step - 1-step)/9)', k.ten_step?.marginal_step_ms, bb?.step_marginal_ms, 'ms', true);
row(`throughput (${k.throughput?.builds ?? THROUGHPUT_BUILDS} builds, ${THROUGHPUT_AGENTS} agents x ${EXECUTORS_PER_AGENT})`, k.throughput?.builds_per_s, bb?.throughput_builds_per_s, 'builds/s', false, TARGETS.builds_per_s);
row('controller RSS peak during throughput', k.throughput?.controller_rss_peak_mb, bb?.rss_peak_mb, 'MB', true);
row(`log ${LOG_BYTES / 1e6} MB agent -> controller -> disk`, k.log?.mb_per_s, bb?.log_mb_per_s, 'MB/s', false, TARGETS.log_mb_per_s);
row('controller RSS peak during log', k.log?.rss_peak_mb, bb?.rss_peak_log_mb, 'MB', true);
row('controller RSS growth during log', k.log?.rss_growth_mb, undefined, 'MB', true, TARGETS.log_rss_growth_mb);
row('  controller CPU time during the log build', k.log?.controller_cpu_s, undefined, 's', true);
row('  agent CPU time during the log build', k.log?.agents_cpu_s, undefined, 's', true);
row('controller RSS after the load', k.rss_after_load_mb, undefined, 'MB', true);

const head: Row = { name: 'measure', kiln: 'Kiln', peer: 'Buildbot', ratio: null, target: 'target', ok: 'met' };
const cols = (r: Row) => [r.name, r.kiln, r.peer, r === head ? 'Kiln better by' : r.ratio === null ? '' : `${r.ratio}x`, r.target, r.ok];
const all = [head, ...rows].map(cols);
const widths = all[0]!.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
const out: string[] = [];
out.push(`bench controller (node ${process.version}, ${cpus().length} CPUs, load average ${LOAD_AT_START.toFixed(2)} at start): real bin/kiln controller + bin/kiln agent processes on 127.0.0.1, SQLite store`);
for (const c of all) out.push(c.map((x, i) => (i === 0 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  '));
if (kilnError) out.push(`KILN FAILED: ${kilnError}`);
if (opts['no-peer']) out.push('Buildbot: skipped (--no-peer)');
else if (!peer?.ok) out.push(`Buildbot: FAILED, no figures: ${peer?.error ?? 'not run'}`);
else out.push(`Buildbot ${bb.version ?? ''} (run.sh): latency over ${bb.latency_ms?.n} builds polled every 20 ms; throughput ${bb.throughput?.builds} builds over ${bb.throughput?.builders} builders x 1 worker (max_builds ${bb.params?.max_builds ?? 4}); log ${(bb.log?.bytes ?? 0) / 1e6} MB; cold start with its DB already created.`);
out.push('Jenkins, documented defaults (not measured): 5 s quiet period before a triggered build starts; queue maintenance every 5 s;');
out.push('  ~0.6 s per sh step (JENKINS-50429); a 2-4 GB heap is the usual sizing.');
process.stdout.write(out.join('\n') + '\n');

const targets = {
  start: { target_ms: TARGETS.start_ms, value: k.cold_start_ms?.median ?? null, met: k.cold_start_ms ? k.cold_start_ms.median < TARGETS.start_ms : null },
  idle_rss: { target_mb: TARGETS.idle_rss_mb, value: k.idle_rss_mb ?? null, met: k.idle_rss_mb !== undefined ? k.idle_rss_mb < TARGETS.idle_rss_mb : null },
  agent_idle_rss: { target_mb: TARGETS.agent_idle_rss_mb, value: k.agent_idle_rss_mb ?? null, met: k.agent_idle_rss_mb !== undefined ? k.agent_idle_rss_mb < TARGETS.agent_idle_rss_mb : null },
  finish_p50: { target_ms: TARGETS.p50_ms, value: k.latency?.finish_p50_ms ?? null, met: k.latency ? k.latency.finish_p50_ms < TARGETS.p50_ms : null },
  builds_per_s: { target: TARGETS.builds_per_s, value: k.throughput?.builds_per_s ?? null, met: k.throughput ? k.throughput.builds_per_s >= TARGETS.builds_per_s : null },
  log_mb_per_s: { target: TARGETS.log_mb_per_s, value: k.log?.mb_per_s ?? null, met: k.log ? k.log.mb_per_s >= TARGETS.log_mb_per_s : null },
  log_rss_growth: { target_mb: TARGETS.log_rss_growth_mb, value: k.log?.rss_growth_mb ?? null, met: k.log ? k.log.rss_growth_mb < TARGETS.log_rss_growth_mb : null },
};
const ratios = bb ? {
  cold_start: adv(k.cold_start_ms?.median, bb.cold_start_ms, true),
  idle_rss: adv(k.idle_rss_mb, bb.rss_idle_mb, true),
  finish_p50: adv(k.latency?.finish_p50_ms, bb.latency_ms?.median, true),
  per_step: adv(k.ten_step?.per_step_ms, bb.step_overhead_ms, true),
  marginal_step: adv(k.ten_step?.marginal_step_ms, bb.step_marginal_ms, true),
  builds_per_s: adv(k.throughput?.builds_per_s, bb.throughput_builds_per_s, false),
  log_mb_per_s: adv(k.log?.mb_per_s, bb.log_mb_per_s, false),
  log_rss_peak: adv(k.log?.rss_peak_mb, bb.rss_peak_log_mb, true),
} : null;
const peerJson = opts['no-peer'] ? { ok: false, skipped: true } : peer?.ok ? {
  ok: true, version: bb.version ?? null, cold_start_ms: bb.cold_start_ms, rss_idle_mb: bb.rss_idle_mb, latency_ms: bb.latency_ms,
  step_overhead_ms: bb.step_overhead_ms, step_marginal_ms: bb.step_marginal_ms, throughput_builds_per_s: bb.throughput_builds_per_s,
  throughput: bb.throughput, log_mb_per_s: bb.log_mb_per_s, log: bb.log, rss_peak_mb: bb.rss_peak_mb, rss_peak_log_mb: bb.rss_peak_log_mb, run_s: bb.run_s,
} : { ok: false, error: peer?.error ?? 'not run' };
process.stdout.write(JSON.stringify({
  bench: 'controller', ok: kilnError === null, ...(kilnError ? { error: kilnError } : {}), node: process.version, cpus: cpus().length, loadavg_at_start: r2(LOAD_AT_START),
  kiln: k, targets, buildbot: peerJson, kiln_better_by: ratios,
  jenkins_documented: { quiet_period_s: 5, queue_maintenance_s: 5, sh_step_ms: 600, source: 'Jenkins defaults; JENKINS-50429' },
  run_s: r1((performance.now() - T0) / 1000),
}) + '\n');
process.exit(kilnError ? 1 : 0);
