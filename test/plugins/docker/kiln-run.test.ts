// kiln run with docker agents: the CLI wires withDockerAgents around the local node.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { IMAGES, SEED_POD_YAML, dockerCli, requireDocker, testLabel } from './harness.ts';

before(() => requireDocker());

test('kiln run: agent { docker } at pipeline and stage level, container removed after', async () => {
  const dir = tempDir('run-docker');
  const job = `kiln-run-${testLabel()}`;
  writeFileSync(path.join(dir, 'Jenkinsfile'), `
pipeline {
  agent { docker { image '${IMAGES.busybox}' } }
  stages {
    stage('Busybox') { steps { sh 'echo "pid1=$(head -c 3 /proc/1/cmdline)"; echo hi > made-in-container.txt' } }
    stage('Git') { agent { docker { image '${IMAGES.git}'; reuseNode true } } steps { sh 'git --version; cat made-in-container.txt' } }
  }
}`);
  const r = await runKiln(['run', '--job', job], { cwd: dir });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^pid1=cat$/m);
  assert.match(r.stdout, /^git version/m);
  assert.match(r.stdout, /^hi$/m);
  assert.equal(dockerCli(['ps', '-a', '-q', '--filter', `label=kiln.job=${job}`]), '');
});

test("kiln run: the seed's kubernetes agent runs as a pod on the Docker engine, removed after", async () => {
  const dir = tempDir('run-pod');
  const job = `kiln-run-pod-${testLabel()}`;
  writeFileSync(path.join(dir, 'Jenkinsfile'), `
pipeline {
  agent {
    kubernetes {
      yaml """
${SEED_POD_YAML}
"""
    }
  }
  stages {
    stage('Clone Repository') { steps { container('git') { sh 'git init -q repo && echo cloned > repo/file' } } }
    stage('Build') { steps { container('maven') { sh 'cat repo/file' } } }
  }
}`);
  const r = await runKiln(['run', '--job', job, '--pod-agent-image', IMAGES.agent], { cwd: dir });
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /^cloned$/m);
  assert.equal(dockerCli(['ps', '-a', '-q', '--filter', `label=kiln.job=${job}`]), '');
});
