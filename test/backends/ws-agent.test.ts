// The ws step on a real agent process (through the RemoteBackend): the workspace is allocated
// by the agent, relative to its workspace directory, WORKSPACE inside; a path outside the
// agent's work directory (or leading out of it by a symbolic link) is refused by the agent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadPipeline } from '../../src/pipeline/load.ts';
import { registry } from '../helpers/registry.ts';
import { PipelineRun } from '../../src/pipeline/engine/engine.ts';
import type { NodeProvider } from '../../src/core/nodes.ts';
import { StepFailure } from '../../src/core/errors.ts';
import { startAgent, startController, waitOnline, type AgentProcess, type TestController } from './remote-harness.ts';

let c: TestController;
let agent: AgentProcess;

before(async () => {
  c = await startController({ graceMs: 10_000 });
  agent = startAgent(c, 'ws-agent', { labels: ['linux'] });
  await waitOnline(c, agent.name);
});

after(async () => {
  await agent.stop();
  await c.close();
});

const nodes: NodeProvider = {
  async allocate(req, build) {
    if (req.type !== 'any' && req.type !== 'label') throw new StepFailure(`agent ${req.type} is not available in this test`);
    const ws = await c.hub.backend(agent.name).allocate({ build });
    return { workspace: ws, release: () => ws.release() };
  },
};

async function run(source: string, number: number): Promise<{ result: string; console: string }> {
  const loaded = loadPipeline(source, registry);
  if (!loaded.model) throw new Error(`invalid test Jenkinsfile: ${JSON.stringify(loaded.diagnostics)}`);
  const chunks: Buffer[] = [];
  const r = new PipelineRun({
    registry, model: loaded.model, file: 'Jenkinsfile',
    build: { job: 'ws-job', number, id: `ws-job#${number}` },
    nodes,
    baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' },
    services: {
      stashes: { put: async () => {}, get: async () => undefined },
      artifacts: { put: async () => {} },
      tests: { record: async () => {} },
      credential: async (id) => { throw new StepFailure(`no credential '${id}'`); },
      triggerJob: async (job) => { throw new StepFailure(`cannot trigger ${job}`); },
    },
    listener: { output: (d) => { chunks.push(d); } },
  });
  const state = await r.run();
  return { result: state.result ?? '', console: Buffer.concat(chunks).toString('utf8') };
}

test('ws on an agent: the agent allocates the directory in its workspace directory; WORKSPACE and sh run there', async () => {
  const { result, console } = await run(`node {
  ws('shared') {
    writeFile file: 'f.txt', text: 'x'
    echo "inner=\${env.WORKSPACE}"
    sh 'echo "sh-pwd=$(pwd) node=$NODE_NAME"; ls'
  }
  echo "outer=\${env.WORKSPACE}"
}`, 1);
  assert.equal(result, 'SUCCESS', console);
  const ws = `${agent.workdir}/workspace/shared`;
  assert.match(console, new RegExp(`^Running in ${ws}$`, 'm'));
  assert.match(console, new RegExp(`^inner=${ws}$`, 'm'));
  assert.match(console, new RegExp(`^sh-pwd=${ws} node=ws-agent$`, 'm'));
  assert.match(console, /^f\.txt$/m);
  assert.match(console, new RegExp(`^outer=${agent.workdir}/workspace/ws-job$`, 'm'));
});

for (const [dir, n] of [['/etc', 2], ['../../x', 3]] as const) {
  test(`ws('${dir}') on an agent is refused by the agent: outside its work directory`, async () => {
    const { result, console } = await run(`node { ws('${dir}') { echo 'SHOULD NOT RUN' } }`, n);
    assert.equal(result, 'FAILURE', console);
    assert.doesNotMatch(console, /SHOULD NOT RUN/);
    assert.match(console, /is outside agent 'ws-agent''s work directory/);
  });
}

test('ws on an agent refuses a directory leading out of its work directory through a symbolic link', async () => {
  const { result, console } = await run(`node {
  sh 'ln -sfn /tmp "$WORKSPACE/../escape"'
  ws('escape/sub') { echo 'SHOULD NOT RUN' }
}`, 4);
  assert.equal(result, 'FAILURE', console);
  assert.doesNotMatch(console, /SHOULD NOT RUN/);
  assert.match(console, /leads out of agent 'ws-agent''s work directory \S+ through a symbolic link \(\S+\/escape is \/tmp\)/);
});
