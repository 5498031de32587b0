// Runs a Jenkinsfile with the real engine on one real `kiln agent` process connected to a test
// hub (test/backends/remote-harness.ts): what a plugin's steps do through the Workspace of a
// remote agent (its exec, stdin, files) rather than the local backend.
import { loadPipeline } from '../../src/pipeline/load.ts';
import { registry } from './registry.ts';
import { PipelineRun } from '../../src/pipeline/engine/engine.ts';
import type { NodeProvider } from '../../src/core/nodes.ts';
import type { BuildState } from '../../src/pipeline/engine/state.ts';
import type { Credential } from '../../src/core/credentials.ts';
import { StepFailure } from '../../src/core/errors.ts';
import { startAgent, startController, waitOnline, type AgentProcess, type TestController } from '../backends/remote-harness.ts';

export interface RemoteAgent {
  c: TestController;
  agent: AgentProcess;
  close(): Promise<void>;
}

export async function startRemoteAgent(name: string): Promise<RemoteAgent> {
  const c = await startController({ graceMs: 10_000 });
  const agent = startAgent(c, name, { labels: ['remote'] });
  await waitOnline(c, name);
  return { c, agent, close: async () => { await agent.stop(); await c.close(); } };
}

export interface RemoteResult { state: BuildState; console: string; workspace: string; artifacts: Map<string, Buffer> }

let counter = 0;

export async function runOnAgent(r: RemoteAgent, source: string, credentials: Record<string, Credential> = {}): Promise<RemoteResult> {
  const loaded = loadPipeline(source, registry);
  if (!loaded.model) throw new Error(`invalid test Jenkinsfile: ${JSON.stringify(loaded.diagnostics)}`);
  let workspace = '';
  const nodes: NodeProvider = {
    async allocate(_req, build) {
      const ws = await r.c.hub.backend(r.agent.name).allocate({ build });
      workspace = ws.root;
      return { workspace: ws, release: () => ws.release() };
    },
  };
  const chunks: Buffer[] = [];
  const artifacts = new Map<string, Buffer>();
  const number = ++counter;
  const run = new PipelineRun({
    registry,
    model: loaded.model,
    file: 'Jenkinsfile',
    build: { job: 'remote-plugin', number, id: `remote-plugin#${number}` },
    nodes,
    baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C', HOME: process.env['HOME'] ?? '/root' },
    services: {
      stashes: { put: async () => {}, get: async () => undefined },
      artifacts: { put: async (p, d) => { artifacts.set(p, d); } },
      tests: { record: async () => {} },
      credential: async (id) => {
        const c = credentials[id];
        if (!c) throw new StepFailure(`no credential '${id}'`);
        return c;
      },
      triggerJob: async (job) => { throw new StepFailure(`cannot trigger ${job}`); },
    },
    listener: { output: (d) => { chunks.push(d); } },
  });
  const state = await run.run();
  return { state, console: Buffer.concat(chunks).toString('utf8'), workspace, artifacts };
}
