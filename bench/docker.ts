// Docker backend costs, against the real dockerd (scripts/test-prereqs.sh starts it and builds
// the kiln-test/* images):
//   1. per-`sh` cost of N steps in a pod's tool container (container('tool') { sh }) against N in
//      its agent container, through the injected runner; with N steps on the host and N in an
//      `agent { docker }` container (runner on a local node; docker exec per step, as on remote
//      nodes) for reference;
//   2. pod start to first step (pause + agent + tool containers, runners serving, one step done)
//      against plain `docker run -d` of the same containers and one `docker exec`.
//
//   node bench/docker.ts [--steps 100] [--rounds 3]
//
// Prints a table, then one JSON line. Medians over rounds in the same run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadPipeline } from '../src/pipeline/load.ts';
import { registry } from '../test/helpers/registry.ts';
import { PipelineRun } from '../src/pipeline/engine/engine.ts';
import type { NodeProvider } from '../src/core/nodes.ts';
import { LocalBackend } from '../src/exec/local-workspace.ts';
import { withDockerAgents } from '../src/plugins/docker/agents.ts';
import { withDockerPods } from '../src/plugins/docker/pod-agents.ts';
import { Engine } from '../src/plugins/docker/engine.ts';
import { PodWorkspace, parsePodYaml, startPod, sweepPods } from '../src/plugins/docker/pod.ts';
import { median, NO_SERVICES } from './lib.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '100' }, rounds: { type: 'string', default: '3' } } });
const STEPS = Number(values.steps);
const ROUNDS = Number(values.rounds);
const AGENT = 'kiln-test/agent:latest';
const TOOL = 'kiln-test/busybox:latest';
const LABEL = { 'kiln.bench': String(process.pid) };

for (const img of [AGENT, TOOL]) {
  if (spawnSync('docker', ['image', 'inspect', img], { stdio: 'ignore' }).status !== 0) {
    console.error(`bench/docker.ts: image ${img} is missing (or dockerd is not running); run scripts/test-prereqs.sh first`);
    process.exit(2);
  }
}


const POD = `spec:
  containers:
  - name: tool
    image: ${TOOL}
    command: [cat]
    tty: true`;

/** Runs a pipeline and returns the wall time of its stage 'S' (the steps alone, without allocation). */
async function stageMs(source: string, root: string, n: number, steps: 'auto' | 'docker-exec' = 'auto'): Promise<number> {
  const loaded = loadPipeline(source, registry);
  if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
  const backend = new LocalBackend({ root: path.join(root, 'nodes') });
  const ws = path.join(root, `ws${n}`);
  const local: NodeProvider = {
    async allocate(_req, build) {
      const w = await backend.allocate({ build, path: ws });
      return { workspace: w, release: () => w.release() };
    },
  };
  const nodes = withDockerPods(withDockerAgents(local, { labels: LABEL, steps }), { agentImage: AGENT, labels: LABEL });
  const run = new PipelineRun({
    registry,
    model: loaded.model, file: 'Jenkinsfile', build: { job: 'bench', number: n, id: `bench#${n}` }, nodes,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    services: NO_SERVICES,
    listener: { output: () => {} },
  });
  const state = await run.run();
  await backend.close();
  if (state.result !== 'SUCCESS') throw new Error(`bench pipeline ended ${state.result}: ${state.message}`);
  const s = state.stages.find((x) => x.name === 'S')!;
  return s.endedAt! - s.startedAt!;
}

const steps = (inner: string) => Array.from({ length: STEPS }, () => inner).join('\n');
const podPipeline = (body: string) => `pipeline { agent { kubernetes { yaml """\n${POD}\n""" } } stages { stage('S') { steps {\n${body}\n} } } }`;

const root = await mkdtemp(path.join(tmpdir(), 'kiln-bench-docker-'));
const engine = new Engine();
const rows = { host: [] as number[], agentContainer: [] as number[], toolContainer: [] as number[], dockerExec: [] as number[], dockerAgent: [] as number[], podStart: [] as number[], dockerRun: [] as number[] };
let n = 0;
try {
  await stageMs(podPipeline(`sh 'true'`), root, n++); // warm up images and page cache
  for (let r = 0; r < ROUNDS; r++) {
    rows.host.push(await stageMs(`pipeline { agent any; stages { stage('S') { steps {\n${steps(`sh 'true'`)}\n} } } }`, root, n++));
    rows.agentContainer.push(await stageMs(podPipeline(steps(`sh 'true'`)), root, n++));
    rows.toolContainer.push(await stageMs(podPipeline(`container('tool') {\n${steps(`sh 'true'`)}\n}`), root, n++));
    const dockerAgent = `pipeline { agent { docker { image '${TOOL}' } } stages { stage('S') { steps {\n${steps(`sh 'true'`)}\n} } } }`;
    rows.dockerAgent.push(await stageMs(dockerAgent, root, n++));
    rows.dockerExec.push(await stageMs(dockerAgent, root, n++, 'docker-exec'));

    // Pod start to first step, through the library (no pipeline around it).
    const backend = new LocalBackend({ root: path.join(root, 'pods') });
    const ws = await backend.allocate({ build: { job: 'bench', number: n, id: `bench#${n}` } });
    let t = performance.now();
    const pod = await startPod(parsePodYaml(POD), {
      engine, build: { job: 'bench', number: n, id: `bench#${n}` }, workspace: ws, pauseImage: AGENT, labels: LABEL,
      agent: { name: 'jnlp', image: AGENT },
    });
    const pws = new PodWorkspace(ws, pod);
    await pws.exec({ argv: ['true'], cwd: ws.root, env: {}, container: 'tool', onOutput: () => {} });
    rows.podStart.push(performance.now() - t);
    await pws.release();
    await backend.close();

    // The same three containers with plain docker run, and one docker exec.
    t = performance.now();
    const ids: string[] = [];
    const lab = ['--label', `kiln.bench=${process.pid}`];
    const pause = execFileSync('docker', ['run', '-d', '-t', ...lab, AGENT, 'cat'], { encoding: 'utf8' }).trim();
    ids.push(pause);
    for (const img of [AGENT, TOOL]) ids.push(execFileSync('docker', ['run', '-d', '-t', ...lab, '--network', `container:${pause}`, '-v', `${ws.root}:${ws.root}`, img, 'cat'], { encoding: 'utf8' }).trim());
    execFileSync('docker', ['exec', ids[2]!, 'true']);
    rows.dockerRun.push(performance.now() - t);
    execFileSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore' });
    n++;
  }
} finally {
  await sweepPods(engine, [`kiln.bench=${process.pid}`]);
  await rm(root, { recursive: true, force: true });
}

const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)])) as Record<keyof typeof rows, number>;
const per = (k: 'host' | 'agentContainer' | 'toolContainer' | 'dockerExec' | 'dockerAgent') => m[k] / STEPS;
const table = [
  ['measure', 'median', 'per step'],
  [`${STEPS} sh on the host (local backend)`, `${m.host.toFixed(0)} ms`, `${per('host').toFixed(2)} ms`],
  [`${STEPS} sh in the pod's agent container (runner)`, `${m.agentContainer.toFixed(0)} ms`, `${per('agentContainer').toFixed(2)} ms`],
  [`${STEPS} sh in container('tool') (runner)`, `${m.toolContainer.toFixed(0)} ms`, `${per('toolContainer').toFixed(2)} ms`],
  [`${STEPS} sh in agent { docker } (runner, local node)`, `${m.dockerAgent.toFixed(0)} ms`, `${per('dockerAgent').toFixed(2)} ms`],
  [`${STEPS} sh in agent { docker } (docker exec, as on remote nodes)`, `${m.dockerExec.toFixed(0)} ms`, `${per('dockerExec').toFixed(2)} ms`],
  ['pod start to first step (pause+agent+tool)', `${m.podStart.toFixed(0)} ms`, ''],
  ['plain docker run of the same + docker exec', `${m.dockerRun.toFixed(0)} ms`, ''],
];
const w = [0, 1, 2].map((i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
for (const r of table) console.log(r.map((c, i) => c.padEnd(w[i]!)).join('  '));
const result = {
  bench: 'docker', steps: STEPS, rounds: ROUNDS,
  host_ms_per_step: +per('host').toFixed(3),
  agent_container_ms_per_step: +per('agentContainer').toFixed(3),
  tool_container_ms_per_step: +per('toolContainer').toFixed(3),
  docker_agent_runner_ms_per_step: +per('dockerAgent').toFixed(3),
  docker_exec_ms_per_step: +per('dockerExec').toFixed(3),
  tool_vs_agent_ratio: +(m.toolContainer / m.agentContainer).toFixed(3),
  pod_start_to_first_step_ms: +m.podStart.toFixed(1),
  plain_docker_run_ms: +m.dockerRun.toFixed(1),
  pod_start_vs_docker_run_ratio: +(m.podStart / m.dockerRun).toFixed(3),
};
console.log(`\ntool container vs agent container: ${result.tool_vs_agent_ratio}x; pod start vs plain docker run: ${result.pod_start_vs_docker_run_ratio}x`);
console.log(JSON.stringify(result));
