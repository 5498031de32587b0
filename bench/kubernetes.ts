// Kubernetes pods for builds, against the fake API server (test/fakes/kube) whose pods really
// run in Docker (scripts/test-prereqs.sh starts dockerd and builds the kiln-test/* images):
//   1. one pod build, broken down: trigger → pod created → agent connected → first step output
//      → build finished, against the fake's own floor: the same pod (the very spec Kiln created
//      for the build: its volumes, env, containers, with the agent container's command replaced
//      by `sleep`) created directly through the API until all its containers run (what Kiln
//      cannot go below on this "cluster");
//   2. 20 builds at once on a cloud capped at 5 pods: wall time, the most pods seen at once, and
//      whether every build went green;
//   3. `sh` steps in a tool container (through its runner) against steps in the agent container,
//      in the same build in blocks of --steps (tool, agent, agent, tool): ms per step, and the
//      ratio of each pair of neighbouring blocks.
//
//   4. the agent's idle memory in its pod: VmRSS of the jnlp container's process, 2.5 s after it
//      connected, while the build's step sleeps (median over rounds); and the same in builds
//      whose first step ran in the tool container (alternating with those);
//   5. slot reuse under the cap: from one build's end to the next waiting build's "Created pod".
//   6. a build's log streamed from the pod's agent: `yes | head -c 50000000` in the agent
//      container, MB/s from its first output line to the build's end (as the console stream sees it);
//   7. the same agent on a host: the agent bundle as it ships (util/agent-bundle.ts, its compile
//      cache filled through its bin/kiln, as an agent image's is), started with the command the
//      controller shows for it: its VmRSS 2.5 s after its build's `sleep 4` step started, the
//      same 50 MB log (MB/s), and 20 `sh 'true'` steps (ms per step).
//
//   node bench/kubernetes.ts [--rounds 3] [--concurrent 20] [--cap 5] [--steps 100]
//                            [--agent-image kiln-test/agent:latest] [--host-kiln DIR]
//
// --host-kiln: the Kiln whose agent bundle part 7 runs (a checkout or `git archive` of another
// commit, to compare agents; default this one).
//
// Prints a table, then one JSON line. Medians over rounds in the same run, with their spread
// (min–max; `spread` in the JSON) and the load average: on a shared machine, compare runs made
// at the same load.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startController } from '../src/controller/compose.ts';
import { loadConfig } from '../src/controller/config.ts';
import { startFakeKube } from '../test/fakes/kube/index.ts';
import { core } from '../test/fakes/kube/cluster.ts';
import { median } from './lib.ts';
import { agentBundle, writeBundle } from '../src/util/agent-bundle.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '3' }, concurrent: { type: 'string', default: '20' }, cap: { type: 'string', default: '5' }, steps: { type: 'string', default: '100' }, 'agent-image': { type: 'string', default: 'kiln-test/agent:latest' }, 'host-kiln': { type: 'string' } } });
const AGENT_IMAGE = values['agent-image']!;
const ROUNDS = Number(values.rounds);
const CONCURRENT = Number(values.concurrent);
const CAP = Number(values.cap);
const STEPS = Number(values.steps);
for (const img of [AGENT_IMAGE, 'kiln-test/busybox:latest']) {
  if (spawnSync('docker', ['image', 'inspect', img], { stdio: 'ignore' }).status !== 0) {
    console.error(`bench/kubernetes.ts: image ${img} is missing (or dockerd is not running); run scripts/test-prereqs.sh first`);
    process.exit(2);
  }
}
const r1 = (n: number) => Math.round(n * 10) / 10;
const progress = (line: string) => process.stderr.write(`[bench kubernetes] ${line}\n`);

const TOKEN = `bench-${process.pid}-0123456789abcdef0123456789abcdef`;
const gateway = execFileSync('docker', ['network', 'inspect', 'bridge', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}'], { encoding: 'utf8' }).trim()
  || (/inet (\d+\.\d+\.\d+\.\d+)/.exec(execFileSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' }))?.[1] ?? '');
const home = mkdtempSync(path.join(tmpdir(), 'kiln-bench-k8s-'));
const kube = await startFakeKube({ runner: 'docker', namespaces: ['ci'] });
const c = await startController(loadConfig({ flags: { home, port: '0', host: '0.0.0.0' }, env: { KILN_ADMIN_TOKEN: TOKEN } }));
const auth = { authorization: `Bearer ${TOKEN}` };
const api = async (method: string, p: string, body?: unknown) => {
  const res = await fetch(new URL(p.replace(/^\//, ''), c.url), { method, headers: { ...auth, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
};
process.on('exit', () => rmSync(home, { recursive: true, force: true }));

const POD = `spec:
  containers:
  - name: tool
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
`;
try {
  await api('POST', '/api/v1/credentials', { id: 'kube', type: 'secretText', secret: kube.token });
  await api('PUT', '/api/v1/clouds/fake', {
    type: 'kubernetes',
    settings: { serverUrl: kube.url, caCertificate: kube.caPem, namespace: 'ci', credentialsId: 'kube', controllerUrl: `http://${gateway}:${new URL(c.url).port}/`, agentImage: AGENT_IMAGE, containerCap: CAP },
  });

  /** Follows a build's console; returns when each marker first appeared (ms since `t0`) and the result. */
  const follow = async (job: string, n: number, t0: number, markers: Record<string, RegExp>, seen: Record<string, number> = {}) => {
    const res = await fetch(new URL(`api/v1/jobs/${job}/builds/${n}/console/stream`, c.url), { headers: auth });
    let text = '';
    let buf = '';
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        const data = /^data: (.*)$/m.exec(event)?.[1];
        if (/^event: log$/m.test(event) && data) text += JSON.parse(data) as string;
      }
      for (const [k, re] of Object.entries(markers)) if (seen[k] === undefined && re.test(text)) seen[k] = performance.now() - t0;
    }
    const b = await api('GET', `/api/v1/jobs/${job}/builds/${n}`);
    return { seen, result: b.result as string, end: performance.now() - t0, text };
  };

  // 1. One pod build, broken down, and the fake's floor.
  await api('POST', '/api/v1/jobs', { name: 'one', script: `pipeline { agent { kubernetes { yaml '''\n${POD}''' } }; stages { stage('S') { steps { container('tool') { sh 'echo first-step' } } } } }` });
  const parts = { created: [] as number[], connected: [] as number[], firstStep: [] as number[], finished: [] as number[], floor: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    const b = await api('POST', '/api/v1/jobs/one/builds', {});
    // The pod Kiln creates for it, caught while it exists: the floor below runs the same spec.
    let spec: Record<string, unknown> | undefined;
    const catchPod = setInterval(() => {
      spec ??= kube.pods('ci').find((p) => (p.metadata as { name: string }).name.startsWith(`one-${b.number}-`))?.spec as Record<string, unknown> | undefined;
    }, 5);
    const f = await follow('one', b.number, t0, { created: /Created pod/, connected: /is online in pod/, firstStep: /\nfirst-step\n/ });
    clearInterval(catchPod);
    if (f.result !== 'SUCCESS') throw new Error(`build one #${b.number}: ${f.result}\n${f.text}`);
    if (!spec) throw new Error(`build one #${b.number}: its pod was never seen in the fake cluster`);
    parts.created.push(f.seen.created!); parts.connected.push(f.seen.connected!); parts.firstStep.push(f.seen.firstStep!); parts.finished.push(f.end);
    // The floor: the same pod (Kiln's spec: volumes, env, the pause, agent and tool containers),
    // created directly, the agent container only sleeping, until all its containers run.
    const floorSpec = structuredClone(spec) as { containers: { name: string; command?: string[]; args?: string[] }[]; nodeName?: string };
    delete floorSpec.nodeName;
    for (const ct of floorSpec.containers) if (ct.name === 'jnlp') { ct.command = ['sleep', '3600']; delete ct.args; }
    const t1 = performance.now();
    const name = `floor-${i}`;
    kube.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ci' }, spec: floorSpec });
    await kube.waitForPod('ci', name, (p) => ((p.status as { containerStatuses?: { state?: { running?: unknown } }[] } | undefined)?.containerStatuses ?? []).filter((s) => s.state?.running).length === floorSpec.containers.length, 60_000);
    parts.floor.push(performance.now() - t1);
    kube.cluster.delete(core('pods'), 'ci', name, { gracePeriodSeconds: 0 });
    await kube.waitForPod('ci', name, () => false, 1).catch(() => {});
    progress(`round ${i + 1}: created ${r1(f.seen.created!)} ms, agent ${r1(f.seen.connected!)} ms, first step ${r1(f.seen.firstStep!)} ms; floor ${r1(parts.floor.at(-1)!)} ms`);
  }

  // 2. 20 builds at once under a cap of 5.
  await api('POST', '/api/v1/jobs', { name: 'many', script: `pipeline { agent { kubernetes { yaml '''\n${POD}''' } }; stages { stage('S') { steps { container('tool') { sh 'sleep 1' } } } } }` });
  let most = 0;
  const sample = setInterval(() => { most = Math.max(most, kube.pods('ci').filter((p) => !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp).length); }, 20);
  const tc = performance.now();
  const many = await Promise.all(Array.from({ length: CONCURRENT }, () => api('POST', '/api/v1/jobs/many/builds', {})));
  const results = await Promise.all(many.map((b: { number: number }) => follow('many', b.number, tc, { created: /Created pod/ })));
  const manyWall = performance.now() - tc;
  clearInterval(sample);
  const green = results.filter((r) => r.result === 'SUCCESS').length;
  // The k-th pod past the cap took the slot of the (k - cap)-th build to end.
  const createdAt = results.map((r) => r.seen.created!).sort((a, b) => a - b);
  const endedAt = results.map((r) => r.end).sort((a, b) => a - b);
  const reuse = createdAt.slice(CAP).map((t, k) => t - endedAt[k]!);
  progress(`${CONCURRENT} builds under cap ${CAP}: ${r1(manyWall / 1000)} s, at most ${most} pods at once, ${green} green`);

  // 4. The agent's idle memory in its pod: the jnlp container's process, 2.5 s after it connected.
  // And the same after a step in the tool container (what most pod builds run first).
  await api('POST', '/api/v1/jobs', { name: 'idle', script: `pipeline { agent { kubernetes { yaml '''\n${POD}''' } }; stages { stage('S') { steps { sh 'sleep 4' } } } }` });
  await api('POST', '/api/v1/jobs', { name: 'idle-tool', script: `pipeline { agent { kubernetes { yaml '''\n${POD}''' } }; stages { stage('S') { steps { container('tool') { sh 'true' }; sh 'sleep 4' } } } }` });
  const agentRss: number[] = [];
  const agentRssTool: number[] = [];
  for (let i = 0; i < ROUNDS * 2; i++) {
    const job = i % 2 ? 'idle-tool' : 'idle';
    const b = await api('POST', `/api/v1/jobs/${job}/builds`, {});
    const seen: Record<string, number> = {};
    const done = follow(job, b.number, performance.now(), { connected: /is online in pod/ }, seen);
    while (seen.connected === undefined) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 2500));
    const pod = (kube.pods('ci').map((p) => (p.metadata as { name: string }).name)).find((x) => x.startsWith(`${job}-${b.number}-`)) ?? '';
    const cid = execFileSync('docker', ['ps', '-q', '--filter', 'label=kiln.fake-kube.container=jnlp', '--filter', `label=kiln.fake-kube.pod=ci.${pod}`], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
    const pid = cid ? execFileSync('docker', ['inspect', '-f', '{{.State.Pid}}', cid], { encoding: 'utf8' }).trim() : '';
    const kb = pid ? Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) : NaN;
    (job === 'idle' ? agentRss : agentRssTool).push(kb / 1024);
    const f = await done;
    if (f.result !== 'SUCCESS') throw new Error(`${job} #${b.number}: ${f.result}\n${f.text}`);
    progress(`agent in its pod ${pod}: ${r1(kb / 1024)} MB RSS 2.5 s after it connected${job === 'idle' ? '' : ', after a tool-container step'}`);
  }

  // 6. A 50 MB log streamed from the pod's agent (the agent container), MB/s from its first line to the end.
  const LOG_BYTES = 50_000_000;
  const logStep = `sh 'yes ${'x'.repeat(99)} | head -c ${LOG_BYTES}'`;
  // Two streams of its console: one from the start until the first line of the log (then
  // dropped), one from past the log's size until the end, so the controller does not serve the
  // 50 MB back to the bench while it writes them.
  const logMbps = async (job: string): Promise<number> => {
    const b = await api('POST', `/api/v1/jobs/${job}/builds`, {});
    const stream = (from: number, signal?: AbortSignal) => fetch(new URL(`api/v1/jobs/${job}/builds/${b.number}/console/stream?from=${from}`, c.url), { headers: auth, ...(signal ? { signal } : {}) });
    const stop = new AbortController();
    let t1: number | undefined;
    const first = (async () => {
      let text = '';
      const decoder = new TextDecoder();
      try {
        for await (const chunk of (await stream(0, stop.signal)).body as unknown as AsyncIterable<Uint8Array>) {
          text += decoder.decode(chunk, { stream: true });
          if (/x{99}/.test(text)) { t1 = performance.now(); stop.abort(); }
        }
      } catch {
        // aborted once the first line was seen
      }
    })();
    const end = (async () => {
      for await (const _ of (await stream(LOG_BYTES)).body as unknown as AsyncIterable<Uint8Array>) { /* until the end */ }
      return performance.now();
    })();
    const [, t2] = await Promise.all([first, end]);
    const r = await api('GET', `/api/v1/jobs/${job}/builds/${b.number}`);
    if (r.result !== 'SUCCESS' || t1 === undefined) throw new Error(`${job} #${b.number}: ${r.result}, first line ${t1 === undefined ? 'never seen' : 'seen'}`);
    return LOG_BYTES / 1e6 / ((t2 - t1) / 1000);
  };
  await api('POST', '/api/v1/jobs', { name: 'podlog', script: `pipeline { agent { kubernetes { yaml '''\n${POD}''' } }; stages { stage('S') { steps { ${logStep} } } } }` });
  const podLog: number[] = [];
  for (let i = 0; i < ROUNDS; i++) podLog.push(await logMbps('podlog'));
  progress(`log from the pod's agent: ${podLog.map(r1).join(', ')} MB/s`);

  // 7. The same agent on a host: the bundle as it ships, its compile cache filled through its bin/kiln.
  const bundleDir = path.join(home, 'agent-bundle');
  await writeBundle(await agentBundle(values['host-kiln'] ? `${path.resolve(values['host-kiln'])}/` : undefined), bundleDir);
  mkdirSync(path.join(bundleDir, '.node-compile-cache'));
  const nodePath = `${path.dirname(process.execPath)}:${process.env['PATH'] ?? '/usr/bin:/bin'}`;
  execFileSync(path.join(bundleDir, 'bin/kiln'), ['agent', '--help'], { env: { ...process.env, PATH: nodePath }, stdio: 'ignore' });
  const hostRss: number[] = [];
  const hostLog: number[] = [];
  const hostStep: number[] = [];
  await api('POST', '/api/v1/jobs', { name: 'host-idle', script: "pipeline { agent { label 'bench-host' }; stages { stage('S') { steps { sh 'sleep 4' } } } }" });
  await api('POST', '/api/v1/jobs', { name: 'host-log', script: `pipeline { agent { label 'bench-host' }; stages { stage('S') { steps { ${logStep} } } } }` });
  await api('POST', '/api/v1/jobs', { name: 'host-steps', script: "pipeline { agent { label 'bench-host' }; stages { stage('S') { steps { sh 'true'; script { def t0 = System.currentTimeMillis(); for (int i = 0; i < 20; i++) { sh 'true' }; echo \"STEPS-MS=${System.currentTimeMillis() - t0}\" } } } } }" });
  for (let i = 0; i < ROUNDS; i++) {
    const name = `bench-host-${i}`;
    const info = await api('POST', '/api/v1/agents', { name, labels: ['bench-host'], executors: 1 });
    const words = (info.command as string).split(' ').map((a: string) => a.replace(/^'|'$/g, ''));
    if (words[0] !== 'kiln' || words[1] !== 'agent') throw new Error(`unexpected agent command: ${info.command}`);
    const workdir = path.join(home, name);
    mkdirSync(workdir);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: nodePath };
    for (const k of Object.keys(env)) if (k.startsWith('KILN_') || k.startsWith('NODE_')) delete env[k];
    const agent = spawn(path.join(bundleDir, 'bin/kiln'), [...words.slice(1), '--url', c.url, '--workdir', workdir], { stdio: ['ignore', 'ignore', 'pipe'], env, cwd: workdir });
    let agentErr = '';
    agent.stderr!.setEncoding('utf8').on('data', (d: string) => { agentErr += d; });
    try {
      const t = performance.now();
      while (!(await api('GET', `/api/v1/agents/${name}`)).online) {
        if (agent.exitCode !== null || performance.now() - t > 20_000) throw new Error(`host agent ${name} did not connect:\n${agentErr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      const b = await api('POST', '/api/v1/jobs/host-idle/builds', {});
      const seen: Record<string, number> = {};
      const done = follow('host-idle', b.number, performance.now(), { step: /\+ sleep 4/ }, seen);
      while (seen.step === undefined) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 2500));
      hostRss.push(Number(/^VmRSS:\s+(\d+)/m.exec(readFileSync(`/proc/${agent.pid}/status`, 'utf8'))?.[1]) / 1024);
      const f = await done;
      if (f.result !== 'SUCCESS') throw new Error(`host-idle #${b.number}: ${f.result}\n${f.text}`);
      hostLog.push(await logMbps('host-log'));
      const s = await api('POST', '/api/v1/jobs/host-steps/builds', {});
      const fs = await follow('host-steps', s.number, performance.now(), {});
      const stepsMs = Number(/STEPS-MS=(\d+)/.exec(fs.text)?.[1]);
      if (fs.result !== 'SUCCESS' || !Number.isFinite(stepsMs)) throw new Error(`host-steps: ${fs.result}\n${fs.text.slice(-2000)}`);
      hostStep.push(stepsMs / 20);
    } finally {
      agent.kill('SIGTERM');
      await new Promise((r) => agent.exitCode !== null ? r(null) : agent.once('exit', r));
    }
    progress(`host agent ${name}: ${r1(hostRss.at(-1)!)} MB RSS, log ${r1(hostLog.at(-1)!)} MB/s, ${r1(hostStep.at(-1)!)} ms per sh step`);
  }

  // 3. Steps in the tool container against steps in the agent container: in the same pod and
  // build, blocks of --steps steps in the order tool, agent, agent, tool, so that both sides see
  // the same load; each pair of neighbouring blocks gives one ratio.
  const ORDER = ['tool', 'agent', 'agent', 'tool'] as const;
  const block = (where: 'tool' | 'agent', k: number) => `def t${k} = System.currentTimeMillis(); for (int i = 0; i < ${STEPS}; i++) { ${where === 'tool' ? "container('tool') { sh 'true' }" : "sh 'true'"} }; echo "STEPS-${k}-${where}=\${System.currentTimeMillis() - t${k}}"`;
  await api('POST', '/api/v1/jobs', { name: 'steps', script: `pipeline { agent { kubernetes { yaml '''\n${POD}''' } }; stages {
    stage('warm') { steps { container('tool') { sh 'true' }; sh 'true' } }
    stage('S') { steps { script { ${ORDER.map((w, k) => block(w, k)).join('; ')} } } } } }` });
  const perStep: Record<string, number[]> = { tool: [], agent: [] };
  const ratios: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const b = await api('POST', '/api/v1/jobs/steps/builds', {});
    const f = await follow('steps', b.number, performance.now(), {});
    const ms = ORDER.map((w, k) => Number(new RegExp(`STEPS-${k}-${w}=(\\d+)`).exec(f.text)?.[1]) / STEPS);
    if (f.result !== 'SUCCESS' || !ms.every(Number.isFinite)) throw new Error(`steps: ${f.result}\n${f.text.slice(-2000)}`);
    ORDER.forEach((w, k) => perStep[w]!.push(ms[k]!));
    ratios.push(ms[0]! / ms[1]!, ms[3]! / ms[2]!);
    progress(`steps: tool ${r1(ms[0]!)}, agent ${r1(ms[1]!)}, agent ${r1(ms[2]!)}, tool ${r1(ms[3]!)} ms per step`);
  }

  const m = (xs: number[]) => r1(median(xs));
  /** Median with its spread over the rounds: "1234.5 ms (1100.2–1400.9)". */
  const ms = (xs: number[], unit = 'ms') => `${m(xs)} ${unit} (${r1(Math.min(...xs))}–${r1(Math.max(...xs))})`;
  const range = (xs: number[]) => [r1(Math.min(...xs)), r1(Math.max(...xs))];
  const rows: [string, string][] = [
    ['trigger → pod created (median (min–max))', ms(parts.created)],
    ['trigger → agent connected', ms(parts.connected)],
    ['trigger → first step output', ms(parts.firstStep)],
    ['trigger → build finished', ms(parts.finished)],
    ['fake floor: same pod created directly → containers running', ms(parts.floor)],
    ['first step / floor', `${r1(median(parts.firstStep) / median(parts.floor))}×`],
    [`${CONCURRENT} pod builds at once, cap ${CAP}: wall`, `${r1(manyWall / 1000)} s`],
    ['  most pods at once / green builds', `${most} / ${green} of ${CONCURRENT}`],
    ['  slot reuse: a build\'s end → the next waiting pod created', reuse.length ? ms(reuse) : `n/a (no build waited for a slot: ${CONCURRENT} builds, cap ${CAP})`],
    ['agent idle RSS in its pod (2.5 s after connecting)', ms(agentRss, 'MB')],
    ['  the same after a step in the tool container', ms(agentRssTool, 'MB')],
    ['agent idle RSS on a host (the bundle; 2.5 s into a sleep step)', ms(hostRss, 'MB')],
    [`log streamed from the pod's agent (${LOG_BYTES / 1e6} MB)`, ms(podLog, 'MB/s')],
    ['log streamed from the host agent', ms(hostLog, 'MB/s')],
    ['sh step on the host agent (20 steps)', ms(hostStep)],
    [`sh step in the tool container (${STEPS} steps)`, ms(perStep.tool!)],
    ['sh step in the agent container', ms(perStep.agent!)],
    ['tool / agent (each pair of neighbouring blocks)', `${Math.round(median(ratios) * 100) / 100}× (${Math.round(Math.min(...ratios) * 100) / 100}–${Math.round(Math.max(...ratios) * 100) / 100})`],
  ];
  console.log(`bench kubernetes (fake API server, pods in Docker; ${ROUNDS} rounds; load ${loadavg()[0]!.toFixed(2)})`);
  for (const [k, v] of rows) console.log(`${k.padEnd(64)} ${v}`);
  console.log(JSON.stringify({
    bench: 'kubernetes', rounds: ROUNDS,
    one_pod_ms: { created: m(parts.created), connected: m(parts.connected), first_step: m(parts.firstStep), finished: m(parts.finished), floor: m(parts.floor) },
    concurrent: { builds: CONCURRENT, cap: CAP, wall_s: r1(manyWall / 1000), most_pods: most, green, slot_reuse_ms: r1(median(reuse)) },
    agent_idle_rss_mb: r1(median(agentRss)), agent_idle_rss_after_tool_step_mb: r1(median(agentRssTool)), agent_image: AGENT_IMAGE,
    host_agent: { kiln: values['host-kiln'] ?? 'this one', idle_rss_mb: r1(median(hostRss)), log_mb_per_s: r1(median(hostLog)), step_ms: r1(median(hostStep)) },
    pod_log_mb_per_s: r1(median(podLog)),
    step_ms: { tool: r1(median(perStep.tool!)), agent: r1(median(perStep.agent!)), tool_over_agent: Math.round(median(ratios) * 100) / 100 },
    spread: {
      created: range(parts.created), connected: range(parts.connected), first_step: range(parts.firstStep), floor: range(parts.floor),
      slot_reuse_ms: range(reuse), agent_idle_rss_mb: range(agentRss), agent_idle_rss_after_tool_step_mb: range(agentRssTool), step_tool: range(perStep.tool!), step_agent: range(perStep.agent!), tool_over_agent: [Math.round(Math.min(...ratios) * 100) / 100, Math.round(Math.max(...ratios) * 100) / 100],
      host_agent_idle_rss_mb: range(hostRss), host_log_mb_per_s: range(hostLog), host_step_ms: range(hostStep), pod_log_mb_per_s: range(podLog),
    },
    load: r1(loadavg()[0]!),
  }));
} finally {
  await c.close();
  await kube.close();
}
