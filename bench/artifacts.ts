// Artifacts and stashes of a large file through a real controller and a real agent, measuring
// what the controller's memory does: a `bin/kiln controller` child (temp home, free port) and a
// `bin/kiln agent` child on 127.0.0.1, driven through the REST API.
//
//   node bench/artifacts.ts [--mb 1024]
//
// Three phases, each with the controller's RSS sampled every 20 ms (VmRSS, and VmHWM at the end):
//   archive   a build makes an --mb file on the agent (sparse, 1 MiB of random bytes in the
//             middle) and archives it: agent → controller → disk
//   stash     the same file stashed and unstashed into another directory (both ways)
//   download  the artifact downloaded over HTTP (controller disk → client)
// Prints progress on stderr, a table on stdout, then one JSON line {"bench":"artifacts",...}.
// The target (issue: artifacts held whole in memory): RSS growth < 50 MB whatever the size.
// Every child runs in its own process group and is killed at the end; the temp dir is removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({ options: { mb: { type: 'string', default: '1024' } } });
const MB = Number(opts.mb);
if (!Number.isInteger(MB) || MB < 2) throw new Error(`--mb expects a whole number of MiB (at least 2), got '${opts.mb}'`);
const TARGET_GROWTH_MB = 50;
const TOKEN = 'kiln-bench-artifacts-token-0123456789abcdef0123456789';
const kilnBin = fileURLToPath(new URL('../bin/kiln', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'kiln-bench-artifacts-'));
const children = new Set<ChildProcess>();
const T0 = performance.now();

function progress(msg: string): void {
  process.stderr.write(`[bench ${((performance.now() - T0) / 1000).toFixed(1).padStart(5)}s] ${msg}\n`);
}

function start(args: string[], env: NodeJS.ProcessEnv = process.env): { proc: ChildProcess; output: () => string } {
  const proc = spawn(kilnBin, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env, cwd: root });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString('utf8')).slice(-20_000); };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  return { proc, output: () => out };
}

function killAll(): void {
  for (const p of children) if (p.pid !== undefined) try { process.kill(-p.pid, 'SIGKILL'); } catch { /* gone */ }
}
process.on('exit', () => { killAll(); rmSync(root, { recursive: true, force: true }); });
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

function procStatus(pid: number): { rss: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

function sampler(pid: number): { stop: () => number } {
  let peak = procStatus(pid).rss;
  const t = setInterval(() => { try { peak = Math.max(peak, procStatus(pid).rss); } catch { /* exited */ } }, 20);
  return { stop: () => { clearInterval(t); return peak; } };
}

/** Resets VmHWM (peak RSS) of `pid` so the next phase's peak is its own; false when not allowed. */
function resetHwm(pid: number): boolean {
  try {
    // "5" to clear_refs resets the peak resident set size (Linux ≥ 4.0).
    require_fs().writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
function require_fs(): typeof import('node:fs') {
  return process.getBuiltinModule('node:fs');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function api(base: string, method: string, p: string, body?: unknown): Promise<any> {
  const res = await fetch(new URL(p.replace(/^\//, ''), base), {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function until(cond: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Runs job `name` once and waits for its end; returns the wall time in s. */
async function build(base: string, name: string, script: string): Promise<number> {
  await api(base, 'POST', '/api/v1/jobs', { name, script });
  const t = performance.now();
  await api(base, 'POST', `/api/v1/jobs/${name}/builds`, {});
  const res = await fetch(new URL(`api/v1/jobs/${name}/builds/1/console/stream`, base), { headers: { authorization: `Bearer ${TOKEN}` } });
  await res.text();
  const b = await api(base, 'GET', `/api/v1/jobs/${name}/builds/1`);
  if (b.result !== 'SUCCESS') {
    const log = await (await fetch(new URL(`api/v1/jobs/${name}/builds/1/console`, base), { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    throw new Error(`build ${name} ended ${b.result}:\n${log.slice(-3000)}`);
  }
  return (performance.now() - t) / 1000;
}

interface Phase { wall_s: number; mb_per_s: number; rss_before_mb: number; rss_peak_mb: number; rss_growth_mb: number }

async function main(): Promise<void> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}/`;
  const home = path.join(root, 'home');
  const ctl = start(['controller', '--home', home, '--port', String(port), '--host', '127.0.0.1'], { ...process.env, KILN_ADMIN_TOKEN: TOKEN });
  await until(async () => fetch(new URL('api/v1/health', base)).then((r) => r.ok, () => false), `the controller to start (${ctl.output()})`);
  const cpid = ctl.proc.pid!;
  const info = await api(base, 'POST', '/api/v1/agents', { name: 'bench', labels: ['bench'], executors: 1 });
  const args = (info.command as string).split(' ').slice(1).map((a) => a.replace(/^'|'$/g, ''));
  const agent = start([...args, '--workdir', path.join(root, 'agent')]);
  await until(async () => (await api(base, 'GET', '/api/v1/agents/bench')).online, `the agent to connect (${agent.output()})`);
  progress(`controller pid ${cpid}, agent connected`);

  // Warm-up: the same steps on a small file, so the baseline includes the code they load.
  const make = (mb: number) => `sh 'set +x; truncate -s ${mb}M big.bin; head -c 1048576 /dev/urandom | dd of=big.bin conv=notrunc bs=1M seek=${Math.floor(mb / 2)} 2>/dev/null'`;
  await build(base, 'warm', `pipeline { agent { label 'bench' }; stages { stage('S') { steps {
    ${make(2)}
    archiveArtifacts 'big.bin'
    stash name: 's', includes: 'big.bin'
    dir('out') { unstash 's' } } } } }`);
  await fetch(new URL('api/v1/jobs/warm/builds/1/artifacts/big.bin', base), { headers: { authorization: `Bearer ${TOKEN}` } }).then((r) => r.arrayBuffer());
  await new Promise((r) => setTimeout(r, 500));

  const hwmReset = resetHwm(cpid);
  const phase = async (what: string, work: () => Promise<number>): Promise<Phase> => {
    resetHwm(cpid);
    const before = procStatus(cpid).rss;
    const s = sampler(cpid);
    const wall = await work();
    let peak = s.stop();
    if (hwmReset) peak = Math.max(peak, procStatus(cpid).hwm);
    const p = { wall_s: r2(wall), mb_per_s: r1(MB / wall), rss_before_mb: r1(before), rss_peak_mb: r1(peak), rss_growth_mb: r1(peak - before) };
    progress(`${what}: ${MB} MiB in ${p.wall_s} s; controller RSS ${p.rss_before_mb} -> peak ${p.rss_peak_mb} MB (+${p.rss_growth_mb})`);
    return p;
  };

  // The file is made outside the measured time: a first build makes it, the next ones use it.
  const shared = `agent { node { label 'bench'; customWorkspace 'big' } }`;
  await build(base, 'make', `pipeline { ${shared}; stages { stage('S') { steps { ${make(MB)} } } } }`);
  const archive = await phase('archive', () => build(base, 'archive', `pipeline { ${shared}
    stages { stage('S') { steps { archiveArtifacts 'big.bin' } } } }`));
  const stash = await phase('stash+unstash', () => build(base, 'stash', `pipeline { ${shared}
    stages { stage('S') { steps { stash name: 's', includes: 'big.bin'; dir('out') { unstash 's' } } } } }`));
  let downloaded = 0;
  const hash = createHash('sha256');
  const download = await phase('download', async () => {
    const t = performance.now();
    const res = await fetch(new URL('api/v1/jobs/archive/builds/1/artifacts/big.bin', base), { headers: { authorization: `Bearer ${TOKEN}` } });
    for await (const c of res.body as unknown as AsyncIterable<Uint8Array>) {
      downloaded += c.length;
      hash.update(c);
    }
    return (performance.now() - t) / 1000;
  });
  const listed = (await api(base, 'GET', '/api/v1/jobs/archive/builds/1/artifacts')).artifacts[0];
  const intact = downloaded === MB * 1024 * 1024 && listed?.sha256 === hash.digest('hex');

  const worst = Math.max(archive.rss_growth_mb, stash.rss_growth_mb, download.rss_growth_mb);
  const rows: [string, Phase][] = [['archive (agent → controller disk)', archive], ['stash + unstash (both ways)', stash], ['download (HTTP)', download]];
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  process.stdout.write([
    `artifacts bench: one ${MB} MiB file, controller and agent on 127.0.0.1 (${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)})`,
    '',
    line(['phase', 'wall s', 'MiB/s', 'controller RSS before MB', 'peak MB', 'growth MB']),
    line(['---', '---:', '---:', '---:', '---:', '---:']),
    ...rows.map(([n, p]) => line([n, String(p.wall_s), String(p.mb_per_s), String(p.rss_before_mb), String(p.rss_peak_mb), String(p.rss_growth_mb)])),
    '',
    `worst RSS growth: ${worst} MB (target < ${TARGET_GROWTH_MB} MB: ${worst < TARGET_GROWTH_MB ? 'met' : 'MISSED'}); download intact (size and sha256): ${intact}; VmHWM reset per phase: ${hwmReset}`,
    '',
  ].join('\n'));
  process.stdout.write(JSON.stringify({
    bench: 'artifacts', mb: MB, cpus: cpus().length, load: r2(loadavg()[0]!), archive, stash_unstash: stash, download,
    worst_rss_growth_mb: worst, target_rss_growth_mb: TARGET_GROWTH_MB, target_met: worst < TARGET_GROWTH_MB, intact, hwm_reset: hwmReset,
  }) + '\n');
}

const r1 = (n: number) => Math.round(n * 10) / 10;
const r2 = (n: number) => Math.round(n * 100) / 100;

main().then(() => process.exit(0), (e: unknown) => {
  process.stderr.write(`bench/artifacts: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
