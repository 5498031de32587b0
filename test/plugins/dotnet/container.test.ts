// A .NET SDK step inside container(): the `dotnet` of the pod's container runs, not the node's.
// `kiln run` makes the pod on this machine's Docker engine (the seed pod of the docker tests:
// a busybox container named 'maven'). The .NET SDK cannot be installed here, so `dotnet` is a
// shell script the pipeline puts in the workspace and on the container's PATH (withEnv PATH+X);
// it prints a marker only that container's file system holds, and its arguments.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../../helpers/tmp.ts';
import { runKiln } from '../../helpers/kiln.ts';
import { IMAGES, SEED_POD_YAML, dockerCli, requireDocker, testLabel } from '../docker/harness.ts';

before(() => requireDocker());

test('dotnetBuild in container(): the container runs dotnet with the step\'s arguments; the result comes from its summary', async () => {
  const dir = tempDir('dotnet-pod');
  const job = `dotnet-pod-${testLabel()}`;
  const marker = `marker-${testLabel()}`;
  writeFileSync(path.join(dir, 'dotnet'), `#!/bin/sh\necho "in: $(cat /tmp/${marker})"\necho "args: $*"\necho "Build succeeded."\necho "    1 Warning(s)"\necho "    0 Error(s)"\n`);
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
    stage('Build') {
      steps {
        container('maven') {
          sh 'mkdir -p dn && cp dotnet dn/dotnet && chmod +x dn/dotnet && echo pod-container > /tmp/${marker}'
          withEnv(["PATH+DOTNET=\${env.WORKSPACE}/dn"]) {
            dotnetBuild(project: 'App.sln', configuration: 'Release', unstableIfWarnings: true)
          }
        }
      }
    }
  }
}`);
  const r = await runKiln(['run', '--job', job, '--pod-agent-image', IMAGES.agent], { cwd: dir });
  assert.match(r.stdout, /\$ dotnet build App\.sln -c:Release\nin: pod-container\nargs: build App\.sln -c:Release\n/, r.stdout + r.stderr);
  assert.match(r.stdout, /\.NET Command Completed - Exit Code: 0\n/);
  assert.match(r.stdout, /Finished: UNSTABLE/);
  assert.equal(r.code, 3);
  assert.equal(dockerCli(['ps', '-a', '-q', '--filter', `label=kiln.job=${job}`]), '');
});
