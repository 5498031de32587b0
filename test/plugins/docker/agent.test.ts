// agent { docker { } } and agent { dockerfile { } } against the real dockerd.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { IMAGES, assertNoLeftovers, dockerCli, requireDocker, runDocker, startDocker, testLabel } from './harness.ts';

const label = testLabel();
before(() => requireDocker());
after(() => assertNoLeftovers(label));

for (const steps of ['auto', 'docker-exec'] as const) test(`pipeline-level docker agent (steps: ${steps}): every step runs in the container, in the mounted workspace, with the build environment`, async () => {
  const r = await runDocker(`
pipeline {
  agent { docker { image '${IMAGES.busybox}' } }
  environment { GREETING = 'hello from the build' }
  stages {
    stage('In') {
      steps {
        sh 'test "$(head -c 3 /proc/1/cmdline)" = cat && echo IN_CONTAINER'
        sh 'echo "$GREETING"; echo "ws=$WORKSPACE pwd=$(pwd)"'
        sh 'mkdir -p out && echo data > out/file.txt && id -u > out/uid'
        dir('out') { sh 'echo "sub=$(pwd)"' }
        writeFile file: 'from-step.txt', text: 'written by writeFile'
        sh 'cat from-step.txt'
        script {
          def s = sh(script: 'exit 3', returnStatus: true)
          echo "status=\${s}"
          def o = sh(script: 'echo captured', returnStdout: true).trim()
          echo "stdout=\${o}"
        }
      }
    }
  }
}`, { label, docker: { steps } });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /IN_CONTAINER/);
  assert.match(r.console, /^hello from the build$/m);
  assert.match(r.console, new RegExp(`ws=${r.workspace} pwd=${r.workspace}$`, 'm'));
  assert.match(r.console, new RegExp(`sub=${r.workspace}/out$`, 'm'));
  assert.match(r.console, /^written by writeFile/m);
  assert.match(r.console, /status=3/);
  assert.match(r.console, /stdout=captured/);
  // Written inside the container, as the agent's user: the agent can remove it.
  assert.equal(fs.readFileSync(path.join(r.workspace, 'out/file.txt'), 'utf8'), 'data\n');
  assert.equal(fs.readFileSync(path.join(r.workspace, 'out/uid'), 'utf8').trim(), String(process.getuid!()));
  assert.equal(fs.statSync(path.join(r.workspace, 'out/file.txt')).uid, process.getuid!());
  fs.rmSync(path.join(r.workspace, 'out'), { recursive: true });
  assertNoLeftovers(label);
});

test('stage-level docker agents with reuseNode share the pipeline workspace; other stages stay on the node', async () => {
  const r = await runDocker(`
pipeline {
  agent any
  stages {
    stage('Host') { steps { sh 'test "$(head -c 3 /proc/1/cmdline)" != cat && echo ON_HOST; echo shared > shared.txt' } }
    stage('Git') {
      agent { docker { image '${IMAGES.git}'; reuseNode true; args '-e EXTRA=from-args' } }
      steps { sh 'git --version; cat shared.txt; echo "extra=$EXTRA"; echo more >> shared.txt' }
    }
    stage('Busybox') {
      agent { docker { image '${IMAGES.busybox}'; reuseNode true } }
      steps { sh 'test "$(head -c 3 /proc/1/cmdline)" = cat && cat shared.txt' }
    }
  }
}`, { label });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /ON_HOST/);
  assert.match(r.console, /git version/);
  assert.match(r.console, /extra=from-args/);
  assert.equal(fs.readFileSync(path.join(r.workspace, 'shared.txt'), 'utf8'), 'shared\nmore\n');
  assert.match(r.console, /reuseNode: the container runs on local/);
});

test('agent dockerfile: builds the image from the workspace with additionalBuildArgs and runs the steps in it', async () => {
  const ws = tempDir('dockerfile');
  fs.mkdirSync(path.join(ws, 'ci'));
  fs.writeFileSync(path.join(ws, 'ci', 'Build.Dockerfile'), `FROM ${IMAGES.busybox}\nARG FLAVOUR=plain\nRUN echo "built $FLAVOUR" > /flavour.txt\n`);
  const r = await runDocker(`
pipeline {
  agent { dockerfile { filename 'Build.Dockerfile'; dir 'ci'; additionalBuildArgs '--build-arg FLAVOUR="extra spicy"' } }
  stages { stage('S') { steps { sh 'cat /flavour.txt' } } }
}`, { label, workspace: ws });
  assert.equal(r.state.result, 'SUCCESS', r.console);
  assert.match(r.console, /^built extra spicy$/m);
  for (const img of dockerCli(['images', '-q', 'kiln-dockerfile/docker-test']).split('\n').filter(Boolean)) dockerCli(['rmi', '-f', img]);
});

test("a missing image fails the stage at once, naming the image and what to check, then with Jenkins' words for its failed `docker pull` step", async () => {
  const r = await runDocker(`
pipeline {
  agent none
  stages { stage('S') { agent { docker { image 'kiln-test/no-such-image:1' } } steps { sh 'echo never' } } }
}`, { label });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /^docker pull kiln-test\/no-such-image:1\nimage kiln-test\/no-such-image:1 is not on node 'local' and could not be pulled: .+Check the image name and tag/m);
  assert.match(r.console, /^ERROR: script returned exit code [1-9]\d*/m);
  assert.doesNotMatch(r.console, /never/);
});

test('an image whose entrypoint does not run its command: "exited at start" with its output', async () => {
  const ws = tempDir('dockerfile-bad');
  fs.writeFileSync(path.join(ws, 'Dockerfile'), `FROM ${IMAGES.busybox}\nENTRYPOINT ["sh", "-c", "echo 'I am not cat'; exit 7"]\n`);
  const r = await runDocker(`pipeline { agent { dockerfile true } stages { stage('S') { steps { sh 'echo never' } } } }`, { label, workspace: ws });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /exited at start \(exit code 7\).*ENTRYPOINT.*I am not cat/s);
  for (const img of dockerCli(['images', '-q', 'kiln-dockerfile/docker-test']).split('\n').filter(Boolean)) dockerCli(['rmi', '-f', img]);
});

for (const steps of ['auto', 'docker-exec'] as const) test(`abort kills the step inside the container (steps: ${steps}); post steps still run there; the container is removed`, async () => {
  const h = await startDocker(`
pipeline {
  agent { docker { image '${IMAGES.busybox}' } }
  stages { stage('Long') { steps { sh 'echo started; sleep 300; echo not reached' } } }
  post { always { sh 'ps -o pid,args | grep -v grep | grep "sleep 300" || echo NO_SLEEP_LEFT' } }
}`, { label, docker: { steps } });
  while (!/^started$/m.test(h.console())) await new Promise((r) => setTimeout(r, 20));
  const t0 = Date.now();
  h.run.abort('test abort');
  const state = await h.done;
  assert.equal(state.result, 'ABORTED', h.console());
  assert.ok(Date.now() - t0 < 10_000, `abort took ${Date.now() - t0} ms`);
  assert.match(h.console(), /NO_SLEEP_LEFT/);
  assert.doesNotMatch(h.console(), /not reached/);
  assertNoLeftovers(label);
});

test('a node whose Docker daemon is down: the message says so, not that the image is missing', async () => {
  const r = await runDocker(`pipeline { agent { docker { image '${IMAGES.busybox}' } } stages { stage('S') { steps { sh 'echo never' } } } }`,
    { label, docker: { cliEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', DOCKER_HOST: 'unix:///tmp/kiln-no-dockerd.sock' } } });
  assert.equal(r.state.result, 'FAILURE');
  assert.match(r.console, /the Docker daemon is not reachable from node 'local' \(DOCKER_HOST=unix:\/\/\/tmp\/kiln-no-dockerd\.sock\): .*start dockerd there/);
});
