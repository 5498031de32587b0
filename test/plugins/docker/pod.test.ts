// Pods on Docker (pod.ts, exec/container-runner.ts, pod-agents.ts) against the real dockerd: the seed's
// pipeline shape with local images, a sidecar on localhost, abort, failures that explain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { tempDir } from '../../helpers/tmp.ts';
import { IMAGES, SEED_POD_YAML, assertNoLeftovers, requireDocker, runDocker, startDocker, testLabel } from './harness.ts';
import { withDockerPods } from '../../../src/plugins/docker/pod-agents.ts';
import { Engine } from '../../../src/plugins/docker/engine.ts';
import { parsePodYaml, startPod, sweepPods, PodError } from '../../../src/plugins/docker/pod.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';

const label = testLabel();
before(() => requireDocker());
after(() => assertNoLeftovers(label));

const pods = (o: { engine?: Engine; agentEnv?: Record<string, string> } = {}) => (nodes: Parameters<typeof withDockerPods>[0]) =>
  withDockerPods(nodes, { agentImage: IMAGES.agent, labels: { 'kiln.test': label }, ...o });

function pipelineWithPod(yaml: string, stages: string): string {
  return `pipeline {
  agent { kubernetes { yaml """
${yaml}
""" } }
  stages {
${stages}
  }
}`;
}

test("the seed's shape: git and a build tool container plus the agent, files shared through the workspace, a sidecar on localhost", async () => {
  const ws = tempDir('pod-seed');
  // A repository to clone, inside the workspace's @tmp (mounted in every container).
  const origin = path.join(`${path.join(ws, 'ws')}@tmp`, 'origin');
  fs.mkdirSync(origin, { recursive: true });
  execFileSync('git', ['init', '-q', '-b', 'main', origin]);
  fs.writeFileSync(path.join(origin, 'README'), 'petclinic stand-in\n');
  execFileSync('git', ['-C', origin, 'add', '.']);
  execFileSync('git', ['-C', origin, 'commit', '-qm', 'init']);
  const r = await runDocker(pipelineWithPod(`${SEED_POD_YAML}
    env:
    - name: MAVEN_OPTS
      value: -Xmx1g
  - name: web
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "mkdir -p /tmp/www && echo sidecar-ok > /tmp/www/index.html && exec httpd -f -p 8080 -h /tmp/www"]`, `
    stage('Clone Repository') { steps { container('git') { sh 'git clone -q "$WORKSPACE@tmp/origin" src && git -C src log --oneline | wc -l' } } }
    stage('Build') { steps { container('maven') { sh 'cat src/README; echo "opts=$MAVEN_OPTS"; echo built > src/target.txt' } } }
    stage('Test') {
      steps {
        container('maven') {
          sh 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://localhost:8080/index.html && break; sleep 0.2; done'
          script { echo "status=\${sh(script: 'exit 4', returnStatus: true)}" }
        }
        sh 'echo "agent has node $(node --version)"; cat src/target.txt'
      }
    }`), { label, workspace: path.join(ws, 'ws'), wrap: pods() });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /^petclinic stand-in$/m);
  assert.match(r.console, /^opts=-Xmx1g$/m);
  assert.match(r.console, /^sidecar-ok$/m);
  assert.match(r.console, /status=4/);
  assert.match(r.console, /^agent has node v\d+/m);
  assert.match(r.console, /^built$/m);
  assert.match(r.console, /Pod kiln-docker-test-\d+-[0-9a-f]+: git \(kiln-test\/git:latest\), maven .*jnlp \(kiln-test\/agent:latest\)/);
  assert.equal(fs.readFileSync(path.join(ws, 'ws', 'src', 'target.txt'), 'utf8'), 'built\n');
  assertNoLeftovers(label);
});

test('abort kills the step running in a container and removes the pod', async () => {
  const h = await startDocker(pipelineWithPod(`spec:
  containers:
  - name: tool
    image: ${IMAGES.busybox}
    command: [cat]
    tty: true`, `
    stage('Long') { steps { container('tool') { sh 'echo started; sleep 300; echo not reached' } } }`), { label, wrap: pods() });
  while (!/^started$/m.test(h.console())) await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  h.run.abort('test abort');
  const state = await h.done;
  assert.equal(state.result, 'ABORTED', h.console());
  assert.ok(Date.now() - t0 < 10_000, `abort took ${Date.now() - t0} ms`);
  assert.doesNotMatch(h.console(), /not reached/);
  assertNoLeftovers(label);
});

test('a pod whose image is missing fails fast, naming the container and image; nothing is created', async () => {
  const t0 = Date.now();
  const r = await runDocker(pipelineWithPod(`spec:
  containers:
  - name: maven
    image: kiln-test/no-such-maven:3
    command: [cat]
    tty: true`, `    stage('S') { steps { sh 'echo never' } }`), { label, wrap: pods() });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /container 'maven': image kiln-test\/no-such-maven:3 is not on the Docker engine .* and could not be pulled \(ErrImagePull\)/);
  assert.ok(Date.now() - t0 < 15_000);
  assertNoLeftovers(label);
});

test('a container that exits at start: the message has its exit code and last output', async () => {
  const r = await runDocker(pipelineWithPod(`spec:
  containers:
  - name: broken
    image: ${IMAGES.busybox}
    command: ["sh", "-c", "echo config file missing >&2; exit 3"]`, `    stage('S') { steps { sh 'sleep 5; echo never' } }`), { label, wrap: pods() });
  assert.equal(r.state.result, 'FAILURE');
  // Whether it died before its runner served or just after: the same facts.
  assert.match(r.console, /container 'broken' \(kiln-test\/busybox:latest\)( of pod \S+)? (exited at start|stopped) with (exit )?code 3(\.|;) Its last output: config file missing/i);
  assert.doesNotMatch(r.console, /never/);
  assertNoLeftovers(label);
});

test('containers as different users: permission denied in the workspace says so and suggests runAsUser/fsGroup; fsGroup fixes it', async () => {
  const yaml = (fsGroup: string) => `spec:
${fsGroup}  containers:
  - name: maker
    image: ${IMAGES.busybox}
    command: [cat]
    tty: true
    securityContext:
      runAsUser: 1000
  - name: other
    image: ${IMAGES.busybox}
    command: [cat]
    tty: true
    securityContext:
      runAsUser: 2000`;
  const stages = `    stage('S') { steps { container('maker') { sh 'id -u; mkdir -p out && echo made > out/a.txt' } container('other') { sh 'id -u; echo more >> out/a.txt' } } }`;
  const bad = await runDocker(pipelineWithPod(yaml(''), stages), { label, wrap: pods() });
  assert.equal(bad.state.result, 'FAILURE');
  assert.match(bad.console, /Permission denied/);
  assert.match(bad.console, /kiln: permission denied in container '(maker|other)' \(running as uid (1000|2000)\).*same securityContext\.runAsUser.*fsGroup/);
  const good = await runDocker(pipelineWithPod(yaml('  securityContext:\n    fsGroup: 3000\n'), stages.replace("mkdir -p out", "umask 002; mkdir -p out")), { label, wrap: pods() });
  assert.equal(good.state.result, 'SUCCESS', good.console);
  assert.match(good.console, /^1000$/m);
  assert.match(good.console, /^2000$/m);
  assertNoLeftovers(label);
});

test('a dead engine: the build fails with where it looked and what to check', async () => {
  const r = await runDocker(pipelineWithPod(`spec:
  containers:
  - name: x
    image: ${IMAGES.busybox}`, `    stage('S') { steps { sh 'echo never' } }`), { label, wrap: pods({ engine: new Engine({ host: 'unix:///tmp/kiln-no-docker.sock' }) }) });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /cannot reach the Docker engine at unix:\/\/\/tmp\/kiln-no-docker\.sock: the socket does not exist \(is dockerd running\?\)/);
});

test('pod spec errors are precise; sweepPods removes what a crashed run left', async () => {
  assert.throws(() => parsePodYaml('spec:\n  containers:\n  - name: Bad_Name\n    image: x\n'), /DNS label/);
  assert.throws(() => parsePodYaml('spec:\n  containers:\n  - name: a\n    image: x\n    securityContext:\n      runAsUser: root\n'), /runAsUser must be a non-negative integer/);
  assert.throws(() => parsePodYaml('spec:\n  containers: []\n'), PodError);
  const engine = new Engine();
  const backend = new LocalBackend({ root: tempDir('sweep') });
  const ws = await backend.allocate({ build: { job: 'sweep', number: 1, id: 'sweep#1' } });
  await startPod(parsePodYaml(`spec:\n  containers:\n  - name: a\n    image: ${IMAGES.busybox}\n    command: [cat]\n    tty: true\n`), {
    engine, build: { job: 'sweep', number: 1, id: 'sweep#1' }, workspace: ws, pauseImage: IMAGES.busybox, labels: { 'kiln.test': label, 'kiln.sweep': label },
  });
  assert.equal((await engine.listContainers([`kiln.sweep=${label}`])).length, 2); // pause + a
  assert.deepEqual(await sweepPods(engine, [`kiln.sweep=${label}`]), { containers: 2, volumes: 0 });
  await backend.close();
  assertNoLeftovers(label);
});

test("the injected agent container gets the controller's KILN_* environment; a spec's own 'jnlp' replaces it; defaultContainer routes bare steps", async () => {
  const agentEnv = { KILN_URL: 'http://controller.test:8080', KILN_SECRET: 's3cret', KILN_AGENT_NAME: 'pod-agent-1', KILN_AGENT_WORKDIR: '/home/jenkins/agent' };
  const r = await runDocker(pipelineWithPod(`spec:
  containers:
  - name: tool
    image: ${IMAGES.busybox}
    command: [cat]
    tty: true`, `    stage('S') { steps { sh 'echo "agent: $KILN_URL $KILN_AGENT_NAME $KILN_AGENT_WORKDIR"' } }`), { label, wrap: pods({ agentEnv }) });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /^agent: http:\/\/controller\.test:8080 pod-agent-1 \/home\/jenkins\/agent$/m);
  const own = await runDocker(`pipeline {
  agent { kubernetes { defaultContainer 'tool'; yaml """
spec:
  containers:
  - name: jnlp
    image: ${IMAGES.busybox}
    command: [cat]
    tty: true
    env:
    - name: MINE
      value: own-agent
  - name: tool
    image: ${IMAGES.git}
    command: [cat]
    tty: true
""" } }
  stages { stage('S') { steps { sh 'git --version'; container('jnlp') { sh 'echo "jnlp=$MINE"' } } } }
}`, { label, wrap: pods() });
  assert.equal(own.state.result, 'SUCCESS', own.console);
  assert.match(own.console, /^git version/m);
  assert.match(own.console, /^jnlp=own-agent$/m);
  assert.match(own.console, /jnlp \(kiln-test\/busybox:latest\)/);
  assert.doesNotMatch(own.console, /kiln-test\/agent/);
});
