// The pipeline engine, unchanged, running a real Jenkinsfile on two real agent processes
// through the RemoteBackend: sh, writeFile/readFile, archiveArtifacts, stash/unstash across
// agents, parallel, dir, withCredentials masking, label routing, and an abort that reaches
// the agent's processes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadPipeline } from '../../src/pipeline/load.ts';
import { registry } from '../helpers/registry.ts';
import { PipelineRun } from '../../src/pipeline/engine/engine.ts';
import type { NodeProvider } from '../../src/core/nodes.ts';
import type { BuildState } from '../../src/pipeline/engine/state.ts';
import type { StashFile } from '../../src/pipeline/steps/types.ts';
import { StepFailure } from '../../src/core/errors.ts';
import { isProcessAlive } from '../../src/exec/process-tree.ts';
import { startAgent, startController, waitFor, waitOnline, type AgentProcess, type TestController } from './remote-harness.ts';

let c: TestController;
let agents: AgentProcess[];

before(async () => {
  c = await startController({ graceMs: 10_000 });
  agents = [
    startAgent(c, 'linux-1', { labels: ['linux', 'build'] }),
    startAgent(c, 'linux-2', { labels: ['linux', 'test'] }),
  ];
  await Promise.all(agents.map((a) => waitOnline(c, a.name)));
});

after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await c.close();
});

/** Picks the first connected agent whose labels include the (single) label asked for. */
const nodes: NodeProvider = {
  async allocate(req, build) {
    if (req.type !== 'any' && req.type !== 'label') throw new StepFailure(`agent ${req.type} is not available in this test`);
    const agent = c.hub.agents().find((a) => req.label === null || a.name === req.label || a.labels.includes(req.label));
    if (!agent) throw new StepFailure(`no agent with label '${req.label}'`);
    const ws = await c.hub.backend(agent.name).allocate({
      build, ...(req.customWorkspace ? { path: req.customWorkspace } : {}), ...(req.label ? { label: req.label } : {}),
    });
    return { workspace: ws, release: () => ws.release() };
  },
};

interface Result { state: BuildState; console: string; artifacts: Map<string, Buffer>; run: PipelineRun }

function start(source: string, number: number): { run: PipelineRun; done: Promise<Result> } {
  const loaded = loadPipeline(source, registry);
  if (!loaded.model) throw new Error(`invalid test Jenkinsfile: ${JSON.stringify(loaded.diagnostics)}`);
  const chunks: Buffer[] = [];
  const artifacts = new Map<string, Buffer>();
  const stashes = new Map<string, StashFile[]>();
  const run = new PipelineRun({
    registry,
    model: loaded.model,
    file: 'Jenkinsfile',
    build: { job: 'remote-job', number, id: `remote-job#${number}` },
    nodes,
    baseEnv: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' },
    services: {
      stashes: { put: async (n, f) => { stashes.set(n, f); }, get: async (n) => stashes.get(n) },
      artifacts: { put: async (p, d) => { artifacts.set(p, d); } },
      tests: { record: async () => {} },
      credential: async (id) => {
        if (id === 'token') return { id, type: 'secretText', secret: 'hunter2-secret' };
        throw new StepFailure(`no credential '${id}'`);
      },
      triggerJob: async (job) => { throw new StepFailure(`cannot trigger ${job}`); },
    },
    listener: { output: (d) => { chunks.push(d); } },
  });
  const done = run.run().then((state) => ({ state, console: Buffer.concat(chunks).toString('utf8'), artifacts, run }));
  return { run, done };
}

test('a declarative pipeline runs on agents exactly as it runs locally', async () => {
  const { done } = start(`
pipeline {
  agent { label 'build' }
  environment { GREETING = 'hello from the agent' }
  stages {
    stage('Build') {
      steps {
        sh 'mkdir -p out && echo "$GREETING" > out/greeting.txt && printf "\\\\000\\\\001\\\\377" > out/bin.dat'
        writeFile file: 'out/notes.txt', text: "node=\${env.NODE_NAME}"
        script {
          def notes = readFile 'out/notes.txt'
          echo "notes say: \${notes}"
          def count = sh(script: 'seq 1 3 | wc -l', returnStdout: true).trim()
          echo "count=\${count}"
        }
        dir('out') { sh 'pwd; ls' }
        archiveArtifacts artifacts: 'out/**'
        stash name: 'bits', includes: 'out/**'
      }
    }
    stage('Test') {
      agent { label 'test' }
      steps {
        unstash 'bits'
        sh 'cat out/greeting.txt; echo "on $NODE_NAME in $WORKSPACE"'
        withCredentials([string(credentialsId: 'token', variable: 'TOKEN')]) {
          sh 'echo "token is $TOKEN"'
        }
      }
    }
    stage('Both') {
      parallel {
        stage('one') { steps { sh 'echo one; sleep 0.2' } }
        stage('two') { agent { label 'test' } steps { sh 'echo two' } }
      }
    }
  }
  post { always { echo "result: \${currentBuild.currentResult}" } }
}`, 1);
  const { state, console: out, artifacts } = await done;
  assert.equal(state.result, 'SUCCESS', out);
  assert.match(out, /Running on linux-1 in .*agent-linux-1\/workspace\/remote-job/);
  assert.match(out, /Running on linux-2 in .*agent-linux-2\/workspace\/remote-job/);
  assert.match(out, /notes say: node=linux-1/);
  assert.match(out, /count=3/);
  assert.match(out, /hello from the agent\n/);
  assert.match(out, /on linux-2 in .*agent-linux-2\/workspace\/remote-job/);
  assert.match(out, /token is \*\*\*\*/);
  assert.doesNotMatch(out, /hunter2-secret/);
  assert.match(out, /\[one\] one/);
  assert.match(out, /\[two\] two/);
  assert.match(out, /result: SUCCESS/);
  assert.deepEqual([...artifacts.keys()].sort(), ['out/bin.dat', 'out/greeting.txt', 'out/notes.txt']);
  assert.deepEqual(artifacts.get('out/bin.dat'), Buffer.from([0, 1, 0xff]));
  assert.equal(artifacts.get('out/greeting.txt')?.toString(), 'hello from the agent\n');
  assert.deepEqual(state.stages.map((s) => [s.name, s.status]).filter(([n]) => ['Build', 'Test', 'Both'].includes(n as string)),
    [['Build', 'success'], ['Test', 'success'], ['Both', 'success']]);
});

test('a failing sh on an agent fails the build with its exit code; post runs', async () => {
  const { done } = start(`
pipeline {
  agent any
  stages { stage('Fail') { steps { sh 'echo about to fail; exit 3' } } }
  post { failure { echo 'post failure ran' } }
}`, 2);
  const { state, console: out } = await done;
  assert.equal(state.result, 'FAILURE');
  assert.match(out, /about to fail/);
  assert.match(out, /script returned exit code 3/);
  assert.match(out, /post failure ran/);
});

test('aborting a build kills the process tree on the agent', async () => {
  const { run, done } = start(`
pipeline {
  agent { label 'build' }
  stages { stage('Long') { steps { sh 'echo $$ > pid.txt; sleep 300 & echo $! >> pid.txt; wait' } } }
}`, 3);
  const pidFile = path.join(agents[0]!.workdir, 'workspace', 'remote-job', 'pid.txt');
  const { readFile } = await import('node:fs/promises');
  let pids: number[] = [];
  await waitFor(async () => {
    try {
      pids = (await readFile(pidFile, 'utf8')).trim().split('\n').map(Number);
      return pids.length === 2;
    } catch {
      return false;
    }
  }, 15_000, 'the pids');
  run.abort();
  const { state } = await done;
  assert.equal(state.result, 'ABORTED');
  for (const pid of pids) assert.equal(await isProcessAlive(pid), false);
});

test('the agent\'s connection drops twice mid-build: the build succeeds and its log is complete and in order', async () => {
  const { run, done } = start(`
pipeline {
  agent { label 'build' }
  stages {
    stage('Count') {
      steps {
        sh 'i=1; while [ $i -le 4000 ]; do echo "n=$i"; if [ $((i % 200)) -eq 0 ]; then sleep 0.05; fi; i=$((i+1)); done'
        echo 'after the count'
      }
    }
  }
}`, 4);
  void run;
  let drops = 0;
  const dropper = setInterval(() => {
    if (drops < 2 && c.hub.isOnline('linux-1')) {
      drops++;
      c.hub.dropConnection('linux-1');
    }
  }, 250);
  try {
    const { state, console: out } = await done;
    assert.equal(state.result, 'SUCCESS', out);
    assert.ok(drops >= 1, 'the connection was dropped at least once');
    const numbers = out.split('\n').filter((l) => l.startsWith('n=')).map((l) => Number(l.slice(2)));
    assert.equal(numbers.length, 4000, out.split('\n').filter((l) => !l.startsWith('n=')).join('\n'));
    numbers.forEach((n, i) => { if (n !== i + 1) assert.fail(`line ${i + 1} is n=${n}`); });
    assert.match(out, /after the count/);
  } finally {
    clearInterval(dropper);
  }
  await waitOnline(c, 'linux-1');
});
