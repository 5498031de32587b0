// Runs Jenkinsfile text through the real validator and engine on the local backend, in a
// temporary workspace, and collects what a user would see: the console, the stages, the result.
import { tempDir } from '../../helpers/tmp.ts';
import path from 'node:path';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';
import { PipelineRun, type PendingInput, type RunOptions } from '../../../src/pipeline/engine/engine.ts';
import type { NodeProvider } from '../../../src/core/nodes.ts';
import type { BuildState, StageRecord } from '../../../src/pipeline/engine/state.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';
import type { BuildServices, StashFile, TestReport } from '../../../src/pipeline/steps/types.ts';
import type { Credential } from '../../../src/core/credentials.ts';
import type { Value } from '../../../src/pipeline/script/values.ts';
import { StepFailure } from '../../../src/core/errors.ts';
import type { LibraryResolver } from '../../../src/core/libraries.ts';

export interface Harness {
  run: PipelineRun;
  done: Promise<BuildState>;
  console: () => string;
  workspace: string;
  artifacts: Map<string, Buffer>;
  reports: TestReport[];
  inputs: PendingInput[];
}

export interface HarnessOptions extends Partial<Omit<RunOptions, 'model' | 'nodes' | 'services'>> {
  credentials?: Record<string, Credential>;
  workspace?: string;
  onInput?: (req: PendingInput, run: PipelineRun) => void;
  /** BuildServices.jobProperties, for a test that looks at what the build reports. */
  jobProperties?: BuildServices['jobProperties'];
  /** BuildServices.libraries: what the `library` step resolves through. */
  libraryResolver?: LibraryResolver;
}

export async function start(source: string, opts: HarnessOptions = {}): Promise<Harness> {
  const loaded = loadPipeline(source, registry, { libraries: opts.libraries ?? [] });
  if (!loaded.model) throw new Error(`invalid test Jenkinsfile:\n${loaded.diagnostics.map((d) => formatDiagnostic('Jenkinsfile', d)).join('\n')}`);
  const root = tempDir('engine');
  const workspace = opts.workspace ?? path.join(root, 'ws');
  const backend = new LocalBackend({ root: path.join(root, 'nodes'), labels: ['linux', 'local'] });
  const nodes: NodeProvider = {
    async allocate(req, build) {
      if (req.type === 'docker' || req.type === 'kubernetes' || req.type === 'dockerfile') throw new StepFailure(`agent ${req.type} is not available in this test`);
      const ws = await backend.allocate({ build, path: req.customWorkspace ? path.resolve(workspace, req.customWorkspace) : workspace });
      return { workspace: ws, release: () => ws.release() };
    },
  };
  const chunks: Buffer[] = [];
  const artifacts = new Map<string, Buffer>();
  const reports: TestReport[] = [];
  const stashes = new Map<string, StashFile[]>();
  const inputs: PendingInput[] = [];
  const { credentials, onInput, workspace: _w, jobProperties, libraryResolver, ...rest } = opts;
  const run: PipelineRun = new PipelineRun({
    registry,
    model: loaded.model,
    file: 'Jenkinsfile',
    build: { job: 'test-job', number: 7, id: 'test-job#7', url: 'http://kiln.test/job/test-job/7/' },
    nodes,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LC_ALL: 'C' },
    services: {
      stashes: { put: async (n, f) => { stashes.set(n, f); }, get: async (n) => stashes.get(n) },
      artifacts: { put: async (p, d) => { artifacts.set(p, d); } },
      tests: { record: async (r) => { reports.push(r); } },
      credential: async (id) => {
        const c = credentials?.[id];
        if (!c) throw new StepFailure(`no credential '${id}'`);
        return c;
      },
      triggerJob: async (job: string, _p: Record<string, Value>) => { throw new StepFailure(`cannot trigger ${job} here`); },
      ...(jobProperties ? { jobProperties } : {}),
      ...(libraryResolver ? { libraries: libraryResolver } : {}),
    },
    ...rest,
    listener: {
      output: (d) => { chunks.push(d); },
      input: (req, pending) => {
        if (!pending) return;
        inputs.push(req);
        onInput?.(req, run);
      },
      ...rest.listener,
    },
  });
  const done = run.run().finally(() => backend.close());
  return { run, done, console: () => Buffer.concat(chunks).toString('utf8'), workspace, artifacts, reports, inputs };
}

/** A declarative pipeline on any agent whose one stage 'S' runs `steps`. */
export const oneStage = (steps: string): string => `
pipeline {
  agent any
  stages {
    stage('S') {
      steps {
${steps}
      }
    }
  }
}`;

/** Runs to the end and returns state and console. */
export async function runPipeline(source: string, opts: HarnessOptions = {}): Promise<{ state: BuildState; console: string; h: Harness }> {
  const h = await start(source, opts);
  const state = await h.done;
  return { state, console: h.console(), h };
}

export function stage(state: BuildState, name: string): StageRecord {
  const s = state.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage '${name}' in ${state.stages.map((x) => x.name).join(', ')}`);
  return s;
}

/** The console's lines without the engine's [Pipeline] markers. */
export function userLines(console: string): string[] {
  return console.split('\n').filter((l) => l !== '' && !l.startsWith('[Pipeline]'));
}
