// Runs a Jenkinsfile with the real engine on the local backend whose workspace's exec stands in
// for a durable agent session: the engine tests of durable execs' barriers (exec-end,
// exec-idle-point) give `exec` the way the session asks the barrier (agents/session.ts ackOutput,
// ackEnd) and a listener that records what the host is told. One set-up for both, so that they
// differ only in what they assert.
import path from 'node:path';
import { registry } from './registry.ts';
import { loadPipeline } from '../../src/pipeline/load.ts';
import { PipelineRun, type BuildListener } from '../../src/pipeline/engine/engine.ts';
import { LocalBackend } from '../../src/exec/local-workspace.ts';
import type { NodeProvider } from '../../src/core/nodes.ts';
import type { ExecResult, ExecSpec, Workspace } from '../../src/core/workspace.ts';
import type { BuildState } from '../../src/pipeline/engine/state.ts';

export interface DurableExecRunOptions {
  source: string;
  /** A temporary directory: nodes and the workspace go under it. */
  root: string;
  /** Runs one exec on the real workspace (`target`), asking `spec.barrier` as the session would. */
  exec(target: Workspace, spec: ExecSpec): Promise<ExecResult>;
  listener: BuildListener;
}

/** Starts the run; `done` resolves with its final state once the backend is closed. */
export function startDurableExecRun(o: DurableExecRunOptions): { done: Promise<BuildState> } {
  const loaded = loadPipeline(o.source, registry);
  if (!loaded.model) throw new Error(`the test's Jenkinsfile is not valid: ${JSON.stringify(loaded.diagnostics)}`);
  const backend = new LocalBackend({ root: path.join(o.root, 'nodes'), labels: ['linux'] });
  const nodes: NodeProvider = {
    async allocate(_req, build) {
      const ws = await backend.allocate({ build, path: path.join(o.root, 'ws') });
      const durable = new Proxy(ws, {
        get(target, prop) {
          if (prop === 'exec') return (spec: ExecSpec) => o.exec(target, spec);
          const v = Reflect.get(target, prop, target) as unknown;
          return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        },
      }) as Workspace;
      return { workspace: durable, release: () => ws.release() };
    },
  };
  const run = new PipelineRun({
    registry,
    model: loaded.model,
    file: 'Jenkinsfile',
    build: { job: 'j', number: 1, id: 'j#1', url: 'http://kiln.test/job/j/1/' },
    nodes,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
    services: {
      stashes: { put: async () => {}, get: async () => undefined },
      artifacts: { put: async () => {} },
      tests: { record: async () => {} },
      credential: async (id) => { throw new Error(`no credential '${id}'`); },
      triggerJob: async (job) => { throw new Error(`cannot trigger ${job} here`); },
    },
    listener: o.listener,
  });
  return { done: run.run().finally(() => backend.close()) };
}
