// Engine overhead: what Kiln adds to each `sh` step, against spawning `/bin/sh -c true` directly,
// and a 50-stage pipeline's wall time against the sum of its steps.
//
//   node bench/engine.ts [--steps 200] [--rounds 5]
//
// Prints a table, then one JSON line. Figures are medians over rounds measured in the same run,
// so the ratio holds on a noisy machine better than any absolute number does.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadPipeline } from '../src/pipeline/load.ts';
import { registry } from '../test/helpers/registry.ts';
import { PipelineRun } from '../src/pipeline/engine/engine.ts';
import type { NodeProvider } from '../src/core/nodes.ts';
import { LocalBackend } from '../src/exec/local-workspace.ts';
import type { BuildState } from '../src/pipeline/engine/state.ts';
import { median, NO_SERVICES } from './lib.ts';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '200' }, rounds: { type: 'string', default: '5' } } });
const STEPS = Number(values.steps);
const ROUNDS = Number(values.rounds);


function spread(xs: number[]): string {
  return `${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}`;
}

async function spawnTrue(): Promise<number> {
  const t = performance.now();
  await new Promise<void>((resolve, reject) => {
    const p = spawn('/bin/sh', ['-c', 'true'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    p.on('error', reject);
    p.on('close', () => resolve());
  });
  return performance.now() - t;
}

async function runSource(source: string, root: string, n: number): Promise<{ ms: number; state: BuildState }> {
  const loaded = loadPipeline(source, registry);
  if (!loaded.model) throw new Error(JSON.stringify(loaded.diagnostics));
  const backend = new LocalBackend({ root: path.join(root, 'nodes') });
  const ws = path.join(root, `ws${n}`);
  const nodes: NodeProvider = {
    async allocate(_req, build) {
      const w = await backend.allocate({ build, path: ws });
      return { workspace: w, release: () => w.release() };
    },
  };
  const run = new PipelineRun({
    registry,
    model: loaded.model, file: 'Jenkinsfile', build: { job: 'bench', number: n, id: `bench#${n}` }, nodes,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
    services: NO_SERVICES,
    listener: { output: () => {} },
  });
  const t = performance.now();
  const state = await run.run();
  const ms = performance.now() - t;
  await backend.close();
  if (state.result !== 'SUCCESS') throw new Error(`bench pipeline ended ${state.result}: ${state.message}`);
  return { ms, state };
}

const root = await mkdtemp(path.join(tmpdir(), 'kiln-bench-engine-'));
try {
  // Warm up the process spawner and the engine.
  for (let i = 0; i < 20; i++) await spawnTrue();
  const manySteps = `pipeline { agent any; stages { stage('S') { steps {\n${Array.from({ length: STEPS }, () => "sh 'true'").join('\n')}\n} } } }`;
  const oneStep = `pipeline { agent any; stages { stage('S') { steps { sh 'true' } } } }`;
  await runSource(oneStep, root, 0);

  const baseline: number[] = [];
  const perStep: number[] = [];
  const overhead: number[] = [];
  const ratio: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const spawns: number[] = [];
    for (let i = 0; i < STEPS; i++) spawns.push(await spawnTrue());
    const b = median(spawns);
    const empty = await runSource(`pipeline { agent any; stages { stage('S') { steps { echo 'x' } } } }`, root, r * 3 + 1);
    const many = await runSource(manySteps, root, r * 3 + 2);
    const step = (many.ms - empty.ms) / STEPS;
    baseline.push(b);
    perStep.push(step);
    overhead.push(step - b);
    ratio.push(step / b);
  }

  // 50 stages of a 20 ms step each: wall time against the sum of the steps' own durations.
  const fifty = `pipeline { agent any; stages {\n${Array.from({ length: 50 }, (_, i) => `stage('s${i}') { steps { sh 'sleep 0.02' } }`).join('\n')}\n} }`;
  const stageRatios: number[] = [];
  const stageWalls: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const { ms, state } = await runSource(fifty, root, 100 + r);
    const sum = state.steps.filter((s) => s.name === 'sh').reduce((a, s) => a + ((s.endedAt ?? s.startedAt) - s.startedAt), 0);
    stageWalls.push(ms);
    stageRatios.push(ms / sum);
  }

  const rows: [string, string, string][] = [
    ['spawn /bin/sh -c true (median of ' + STEPS + ')', `${median(baseline).toFixed(2)} ms`, spread(baseline)],
    ['kiln sh step, all-in', `${median(perStep).toFixed(2)} ms`, spread(perStep)],
    ['kiln overhead per sh step', `${median(overhead).toFixed(2)} ms`, spread(overhead)],
    ['sh step / bare spawn', `${median(ratio).toFixed(2)}x`, spread(ratio)],
    ['50 stages x sleep 0.02: wall', `${median(stageWalls).toFixed(0)} ms`, spread(stageWalls)],
    ['50 stages: wall / sum of steps', `${median(stageRatios).toFixed(3)}x`, spread(stageRatios)],
    ['Jenkins (JENKINS-50429), per sh step', '~600 ms', 'reported'],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  console.log(`${'measure'.padEnd(w)}  ${'median'.padStart(10)}  spread (min–max over ${ROUNDS} rounds)`);
  for (const [a, b, c] of rows) console.log(`${a.padEnd(w)}  ${b.padStart(10)}  ${c}`);
  console.log(JSON.stringify({
    bench: 'engine', steps: STEPS, rounds: ROUNDS,
    spawn_ms: +median(baseline).toFixed(3), sh_step_ms: +median(perStep).toFixed(3), overhead_ms: +median(overhead).toFixed(3),
    ratio: +median(ratio).toFixed(3), fifty_stage_wall_ms: +median(stageWalls).toFixed(1), fifty_stage_ratio: +median(stageRatios).toFixed(4),
    target_overhead_ms: 15, jenkins_step_ms: 600,
  }));
} finally {
  await rm(root, { recursive: true, force: true });
}
