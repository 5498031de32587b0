// agent { docker } on a real inbound agent process (bin/kiln agent over WebSocket): the
// container is started by the docker CLI on the agent's host, beside the agent's workspace,
// through the agent's own exec; nothing in the docker code knows it is remote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeProvider } from '../../../src/core/nodes.ts';
import { StepFailure } from '../../../src/core/errors.ts';
import { startAgent, startController, waitOnline, type AgentProcess, type TestController } from '../../backends/remote-harness.ts';
import { IMAGES, assertNoLeftovers, requireDocker, runDocker, startDocker, testLabel } from './harness.ts';

const label = testLabel();
let c: TestController;
let agent: AgentProcess;

before(async () => {
  requireDocker();
  c = await startController({ graceMs: 10_000 });
  agent = startAgent(c, 'docker-host', { labels: ['docker'] });
  await waitOnline(c, agent.name);
});
after(async () => {
  await agent?.stop();
  await c?.close();
  assertNoLeftovers(label);
});

const remote: NodeProvider = {
  async allocate(req, build) {
    const a = c.hub.agents().find((x) => req.label === null || x.labels.includes(req.label));
    if (!a) throw new StepFailure(`no agent with label '${req.label}'`);
    const ws = await c.hub.backend(a.name).allocate({ build });
    return { workspace: ws, release: () => ws.release() };
  },
};

test('agent { docker { label } } on an inbound agent: steps in the container, in the agent workspace', async () => {
  const r = await runDocker(`
pipeline {
  agent { docker { image '${IMAGES.git}'; label 'docker' } }
  stages {
    stage('S') {
      steps {
        sh 'echo "pid1=$(head -c 3 /proc/1/cmdline)"; git --version; echo "node=$NODE_NAME ws=$WORKSPACE"; echo x > made.txt'
        script { echo "exists=\${fileExists('made.txt')}" }
      }
    }
  }
}`, { label, base: remote });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /^pid1=cat$/m);
  assert.match(r.console, /^git version/m);
  assert.match(r.console, /^node=docker-host ws=.*agent-docker-host/m);
  assert.match(r.console, /exists=true/);
});

test('abort of a step in a container on an inbound agent kills it inside the container', async () => {
  const h = await startDocker(`
pipeline {
  agent { docker { image '${IMAGES.busybox}'; label 'docker' } }
  stages { stage('S') { steps { sh 'echo started; sleep 300; echo not reached' } } }
  post { always { sh 'ps -o args | grep -v grep | grep "sleep 300" || echo NO_SLEEP_LEFT' } }
}`, { label, base: remote });
  while (!/^started$/m.test(h.console())) await new Promise((r) => setTimeout(r, 20));
  h.run.abort('test abort');
  const state = await h.done;
  assert.equal(state.result, 'ABORTED', h.console());
  assert.match(h.console(), /NO_SLEEP_LEFT/);
  assertNoLeftovers(label);
});
