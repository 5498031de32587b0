// Pods for builds, for real: a controller with a Kubernetes cloud pointing at the fake API server
// (test/fakes/kube), whose pods really run in Docker. The seed's pipeline shape (two tool
// containers with `command: [cat]`, `tty: true`, plus the injected agent) runs green with files
// shared through the workspace; a missing image, a container that exits, an unschedulable or
// deleted pod end the build ABORTED with the plugin's line and Kiln's reason (an agent that cannot
// reach the controller: FAILURE, saying what to check); the cap makes a build wait and say so;
// podTemplate's classic options (env, secret env, volumes) work on a real pod; withEnv's PATH+NAME
// goes in front of a container's own PATH; a nested podTemplate with its own inheritFrom does not
// inherit the outer pod; nothing is left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { core } from '../../fakes/kube/cluster.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { consoleText, finishedBuild, jsonApi, testConfig } from '../../helpers/controller.ts';

let kube: FakeKube;
let c: ControllerHandle;
const api = jsonApi(() => c.url);
let gateway: string;
let restartHome: string;
// The agent image (scripts/test-prereqs.sh builds it from this checkout's agent bundle); another may be named to try one.
const AGENT_IMAGE = process.env.KILN_TEST_AGENT_IMAGE ?? 'kiln-test/agent:latest';

before(async () => {
  try {
    execFileSync('docker', ['image', 'inspect', 'kiln-test/agent:latest', 'kiln-test/git:latest', 'kiln-test/busybox:latest'], { stdio: 'ignore' });
  } catch {
    throw new Error('the test images kiln-test/{agent,git,busybox} are missing: run scripts/test-prereqs.sh (it installs docker.io and builds them)');
  }
  // The host's address on Docker's bridge (what containers reach the host by).
  gateway = execFileSync('docker', ['network', 'inspect', 'bridge', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}'], { encoding: 'utf8' }).trim()
    || (/inet (\d+\.\d+\.\d+\.\d+)/.exec(execFileSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' }))?.[1] ?? '');
  if (!gateway) throw new Error("cannot find the host's address on Docker's bridge network (docker0)");
  kube = await startFakeKube({ runner: 'docker', namespaces: ['ci', 'team'] });
  // The pods' agents dial the controller from Docker's bridge network.
  restartHome = path.join(tempDir('k8s-pods'), 'home');
  c = await startController(testConfig({ home: restartHome, port: '0', host: '0.0.0.0' }));
  const port = new URL(c.url).port;
  await api('POST', '/api/v1/credentials', { id: 'kube-token', type: 'secretText', secret: kube.token });
  await api('PUT', '/api/v1/clouds/fake', {
    type: 'kubernetes',
    settings: {
      serverUrl: kube.url, caCertificate: kube.caPem, namespace: 'ci', credentialsId: 'kube-token',
      controllerUrl: `http://${gateway}:${port}/`, agentImage: AGENT_IMAGE, connectTimeoutSeconds: 60, containerCap: 2,
      templates: [{ name: 'tools', labels: ['tools'], yaml: 'spec:\n  containers:\n  - name: tool\n    image: kiln-test/busybox:latest\n    command: [cat]\n    tty: true\n' }],
    },
  });
});
after(async () => {
  await c?.close();
  await kube?.close();
});

const SEED_SHAPE = `pipeline {
  agent {
    kubernetes {
      yaml """
apiVersion: v1
kind: Pod
spec:
  containers:
  - name: git
    image: kiln-test/git:latest
    command:
    - cat
    tty: true
  - name: maven
    image: kiln-test/busybox:latest
    command:
    - cat
    tty: true
"""
    }
  }
  stages {
    stage('Clone Repository') { steps { container('git') { sh 'git init -q app && echo "hello from git" > app/README && git --version' } } }
    stage('Build') { steps { container('maven') { sh 'cat app/README && echo built > app/target.txt' } } }
    stage('Test') { steps { sh 'cat app/target.txt; echo "agent in $NODE_NAME"' } }
  }
}`;

test("the seed's pipeline shape runs green in a pod: tool containers share the workspace, the agent connects, the pod goes after", async () => {
  await api('POST', '/api/v1/jobs', { name: 'seed', script: SEED_SHAPE });
  const b = await api('POST', '/api/v1/jobs/seed/builds', {});
  const done = await finishedBuild(c.url, 'seed', b.number);
  const log = await consoleText(c.url, 'seed', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /Created pod ci\/seed-1-[0-9a-f]{6} in cloud 'fake' from this manifest:/);
  assert.match(log, /name: KILN_SECRET\n\s+value: "?\*{8}"?/);
  assert.match(log, /git version \d/);
  assert.match(log, /hello from git/);
  assert.match(log, /\nbuilt\n/);
  assert.match(log, /\nagent in seed-1-[0-9a-f]{6}\n/);
  assert.match(log, /value: <Kiln's step runner, \d+ lines>/);
  // Deleted after (retention never), and nothing is left in Docker once the fake stops it.
  for (let i = 0; i < 100 && kube.pods('ci').length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(kube.pods('ci').map((p) => p.metadata?.name), []);
});

test("steps outside container() get the agent container's env (the YAML's, its PATH and HOME), and Groovy's env sees it", async () => {
  await api('POST', '/api/v1/jobs', { name: 'agentenv', script: `podTemplate(yaml: '''
spec:
  containers:
  - name: jnlp
    env:
    - name: JAVA_HOME
      value: /opt/java/openjdk
    - name: PATH
      value: /opt/java/openjdk/bin:/usr/local/bin:/usr/bin:/bin
    - name: TEAM_SETTING
      value: from-the-pod
''') {
  node(POD_LABEL) {
    sh 'echo "sh: JAVA_HOME=$JAVA_HOME PATH=$PATH HOME=$HOME TEAM=$TEAM_SETTING secret=[$KILN_SECRET]"'
    echo "groovy: \${env.JAVA_HOME} \${env.TEAM_SETTING} \${env.PATH}"
    withEnv(['TEAM_SETTING=from-withEnv']) { sh 'echo "withEnv: $TEAM_SETTING"' }
  }
}` });
  const b = await api('POST', '/api/v1/jobs/agentenv/builds', {});
  const done = await finishedBuild(c.url, 'agentenv', b.number);
  const log = await consoleText(c.url, 'agentenv', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /\nsh: JAVA_HOME=\/opt\/java\/openjdk PATH=\/opt\/java\/openjdk\/bin:\/usr\/local\/bin:\/usr\/bin:\/bin HOME=\/\S* TEAM=from-the-pod secret=\[\]\n/);
  assert.match(log, /\ngroovy: \/opt\/java\/openjdk from-the-pod \/opt\/java\/openjdk\/bin:/);
  assert.match(log, /\nwithEnv: from-withEnv\n/);
});

test("withEnv PATH+NAME in a container goes in front of the container's own PATH; a nested podTemplate inheriting from no template gets only its own containers, and a caught failure in a missing one lets the build go on", async () => {
  await api('POST', '/api/v1/jobs', { name: 'pathplus', script: `podTemplate(yaml: '''
spec:
  containers:
  - name: outer
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
''') {
  podTemplate(inheritFrom: 'no-such-template', yaml: '''
spec:
  containers:
  - name: tool
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
    env:
    - name: PATH
      value: /tool/bin:/bin:/usr/bin
''') {
    node(POD_LABEL) {
      container('tool') {
        sh 'echo "tool: $PATH"'
        withEnv(['PATH+EXTRA=/extra/bin']) { sh 'echo "tool with PATH+EXTRA: $PATH"' }
      }
      withEnv(['PATH+OUT=/out/bin']) { container('tool') { sh 'echo "tool with PATH+OUT from outside: $PATH"' } }
      container('outer') {
        script {
          try { sh 'echo never'; error('the outer pod was inherited') } catch (e) { echo "caught: \${e.message}" }
        }
      }
    }
  }
}` });
  const b = await api('POST', '/api/v1/jobs/pathplus/builds', {});
  const done = await finishedBuild(c.url, 'pathplus', b.number);
  const log = await consoleText(c.url, 'pathplus', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /\ntool: \/tool\/bin:\/bin:\/usr\/bin\n/);
  assert.match(log, /\ntool with PATH\+EXTRA: \/extra\/bin:\/tool\/bin:\/bin:\/usr\/bin\n/);
  assert.match(log, /\ntool with PATH\+OUT from outside: \/out\/bin:\/tool\/bin:\/bin:\/usr\/bin\n/);
  assert.match(log, /inheritFrom: no pod template named 'no-such-template' \(known: tools\); skipped, as the kubernetes plugin skips it/);
  assert.match(log, /\ncaught: sh: container\('outer'\): the pod has no container 'outer' \(it has: jnlp, tool\)\n/);
  assert.doesNotMatch(log, /\nnever\n/);
});

test("a tool container's workingDir: its steps run in the workspace under it, sharing files with the agent", async () => {
  await api('POST', '/api/v1/jobs', { name: 'wdir', script: `podTemplate(containers: [containerTemplate(name: 'tool', image: 'kiln-test/busybox:latest', command: 'cat', ttyEnabled: true, workingDir: '/src')]) {
  node(POD_LABEL) {
    writeFile file: 'from-agent.txt', text: 'agent wrote this'
    container('tool') {
      sh 'echo "pwd=$(pwd) ws=$WORKSPACE"; cat from-agent.txt; echo; echo tool > from-tool.txt'
      dir('sub') { sh 'echo "sub=$(pwd)"' }
    }
    sh 'echo "agent pwd=$(pwd)"; cat from-tool.txt'
  }
}` });
  const b = await api('POST', '/api/v1/jobs/wdir/builds', {});
  const done = await finishedBuild(c.url, 'wdir', b.number);
  const log = await consoleText(c.url, 'wdir', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /\n\s+mountPath: \/src\n/);
  assert.match(log, /\npwd=\/src\/workspace\/wdir ws=\/src\/workspace\/wdir\n/);
  assert.match(log, /\nagent wrote this/);
  assert.match(log, /\nsub=\/src\/workspace\/wdir\/sub\n/);
  assert.match(log, /\nagent pwd=\/home\/jenkins\/agent\/workspace\/wdir\n/);
  assert.match(log, /\ntool\n/);
});

test('declarative containerTemplates, workspaceVolume, supplementalGroups and agentContainer: steps run in a tool image with no agent of its own', async () => {
  await api('POST', '/api/v1/jobs', { name: 'decl-ct', script: `pipeline {
  agent {
    kubernetes {
      containerTemplates([
        containerTemplate(name: 'bare', image: 'kiln-test/busybox:latest', envVars: [containerEnvVar(key: 'WHERE', value: 'in-bare')]),
        containerTemplate(name: 'tool', image: 'kiln-test/busybox:latest', command: 'cat', ttyEnabled: true, envVars: [containerEnvVar(key: 'WHERE', value: 'in-tool')]),
      ])
      workspaceVolume emptyDirWorkspaceVolume(memory: false)
      supplementalGroups '5,6'
      agentContainer 'bare'
      agentInjection true
    }
  }
  stages {
    stage('A') {
      steps {
        sh 'echo "outside: $WHERE"; test ! -e /opt/kiln && echo "no kiln here"; echo shared > f.txt'
        container('tool') { sh 'echo "tool: $WHERE"; cat f.txt' }
      }
    }
  }
}` });
  const b = await api('POST', '/api/v1/jobs/decl-ct/builds', {});
  const done = await finishedBuild(c.url, 'decl-ct', b.number);
  const log = await consoleText(c.url, 'decl-ct', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /\n\s+- name: workspace-volume\n\s+emptyDir: \{\}\n/);
  assert.match(log, /\n\s+supplementalGroups:\n\s+- 5\n\s+- 6\n/);
  assert.match(log, /\noutside: in-bare\n/);
  assert.match(log, /\nno kiln here\n/);
  assert.match(log, /\ntool: in-tool\n/);
  assert.match(log, /\nshared\n/);
});

test('a pod whose image is missing ends the build ABORTED, fast, with the reason', async () => {
  const t0 = Date.now();
  await api('POST', '/api/v1/jobs', { name: 'noimage', script: `pipeline { agent { kubernetes { yaml '''
spec:
  containers:
  - name: tool
    image: kiln-test/not-there:1
    command: [cat]
    tty: true
''' } }; stages { stage('A') { steps { container('tool') { sh 'true' } } } } }` });
  const b = await api('POST', '/api/v1/jobs/noimage/builds', {});
  const done = await finishedBuild(c.url, 'noimage', b.number);
  const log = await consoleText(c.url, 'noimage', b.number);
  // ABORTED, as the plugin ends a build whose pod cannot run; its line, the progress, and Kiln's reason.
  assert.equal(done.result, 'ABORTED', log);
  assert.match(log, /\nERROR: Unable to pull container image "kiln-test\/not-there:1". Check if image tag name is spelled correctly.\n/);
  assert.match(log, /\nContainer \[tool\] waiting \[(ErrImagePull|ImagePullBackOff)\] /);
  assert.match(log, /container 'tool': image kiln-test\/not-there:1 cannot be pulled \((ErrImagePull|ImagePullBackOff)\)/);
  assert.ok(Date.now() - t0 < 30_000);
  for (let i = 0; i < 100 && kube.pods('ci').length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(kube.pods('ci').length, 0);
});

test('an agent that cannot reach the controller: the build says which URL it was given and what to check', async () => {
  await api('PUT', '/api/v1/clouds/unreachable', {
    type: 'kubernetes',
    settings: { serverUrl: kube.url, caCertificate: kube.caPem, namespace: 'ci', credentialsId: 'kube-token', controllerUrl: `http://${gateway}:9/`, agentImage: 'kiln-test/agent:latest', connectTimeoutSeconds: 12 },
  });
  await api('POST', '/api/v1/jobs', { name: 'offline', script: `pipeline { agent { kubernetes { cloud 'unreachable' } }; stages { stage('A') { steps { sh 'true' } } } }` });
  const b = await api('POST', '/api/v1/jobs/offline/builds', {});
  const done = await finishedBuild(c.url, 'offline', b.number);
  assert.equal(done.result, 'FAILURE');
  const log = await consoleText(c.url, 'offline', b.number);
  assert.match(log, new RegExp(`the agent in pod ci/offline-1-[0-9a-f]{6} did not connect within 12 s .*It was given KILN_URL=http://${gateway.replace(/\./g, '\\.')}:9/: that address must be reachable from the pod and accept inbound connections`, 's'));
  assert.match(log, /Last lines of container 'jnlp':/);
  await api('DELETE', '/api/v1/clouds/unreachable');
});

test('a label of a pod template gets that pod; past the cap, a build waits and says so', async () => {
  const script = `pipeline { agent { label 'tools' }; stages { stage('A') { steps { container('tool') { sh 'echo in tool; sleep 2' } } } } }`;
  await api('POST', '/api/v1/jobs', { name: 'capped', script });
  // Never more pods of the cloud in use than the cap: a pod counts until its deletion is asked.
  let most = 0;
  const sample = setInterval(() => { most = Math.max(most, kube.pods('ci').filter((p) => !(p.metadata as { deletionTimestamp?: string }).deletionTimestamp).length); }, 5);
  const builds = [await api('POST', '/api/v1/jobs/capped/builds', {}), await api('POST', '/api/v1/jobs/capped/builds', {}), await api('POST', '/api/v1/jobs/capped/builds', {})];
  // The one past the cap is in the queue, saying why.
  let queued: { job: string; why: string } | undefined;
  for (let i = 0; i < 200 && !queued; i++) {
    queued = (await api('GET', '/api/v1/queue')).items.find((q: { why: string }) => /^Waiting for a pod slot on cloud 'fake'/.test(q.why));
    if (!queued) await new Promise((r) => setTimeout(r, 25));
  }
  assert.equal(queued?.job, 'capped');
  const results = await Promise.all(builds.map((b) => finishedBuild(c.url, 'capped', b.number)));
  clearInterval(sample);
  assert.deepEqual(results.map((r) => r.result), ['SUCCESS', 'SUCCESS', 'SUCCESS']);
  assert.ok(most <= 2, `${most} pods not being deleted at once, over the cap of 2`);
  const logs = await Promise.all(builds.map((b) => consoleText(c.url, 'capped', b.number)));
  for (const l of logs) assert.match(l, /in tool/);
  assert.equal(logs.filter((l) => /^Waiting for a pod slot on cloud 'fake' \(2\/2 in use\)$/m.test(l)).length, 1, logs.join('\n----\n'));
});

test('scripted podTemplate with containerTemplate: node(POD_LABEL) runs in the pod', async () => {
  await api('POST', '/api/v1/jobs', { name: 'scripted-pod', script: `podTemplate(containers: [containerTemplate(name: 'tool', image: 'kiln-test/busybox:latest', command: 'cat', ttyEnabled: true)]) {
  node(POD_LABEL) {
    container('tool') { sh 'echo "tool says $POD_LABEL"' }
    sh 'echo "agent says hi"'
  }
}` });
  const b = await api('POST', '/api/v1/jobs/scripted-pod/builds', {});
  const done = await finishedBuild(c.url, 'scripted-pod', b.number);
  const log = await consoleText(c.url, 'scripted-pod', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /\ntool says scripted-pod_1-[0-9a-f]{6}\n/);
  assert.match(log, /\nagent says hi\n/);
  assert.match(log, /Created pod ci\/scripted-pod-1-[0-9a-f]{6} in cloud 'fake'/);
});

test('a pod deleted under the build ends it at once, ABORTED, saying so', async () => {
  await api('POST', '/api/v1/jobs', { name: 'lost', script: `pipeline { agent { kubernetes { yaml '''
spec:
  containers:
  - name: tool
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
''' } }; stages { stage('A') { steps { container('tool') { sh 'echo started; sleep 60' } } } } }` });
  const b = await api('POST', '/api/v1/jobs/lost/builds', {});
  let pod: string | undefined;
  for (let i = 0; i < 300 && !pod; i++) {
    if (/\nstarted\n/.test(await consoleText(c.url, 'lost', b.number))) pod = kube.pods('ci').find((p) => p.metadata?.name?.startsWith('lost-'))?.metadata?.name;
    if (!pod) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(pod, 'the pod ran the step');
  const t0 = Date.now();
  kube.cluster.delete(core('pods'), 'ci', pod, { gracePeriodSeconds: 0 });
  const done = await finishedBuild(c.url, 'lost', b.number);
  const log = await consoleText(c.url, 'lost', b.number);
  assert.equal(done.result, 'ABORTED', log);
  assert.ok(Date.now() - t0 < 20_000, 'not after the step\'s own 60 s');
  assert.match(log, new RegExp(`\nPod ci/${pod} was just deleted\n`));
  assert.match(log, new RegExp(`pod ci/${pod}: pod ci/${pod} was deleted`));
  assert.doesNotMatch(log, /internal error/);
});

test("kubernetes { yamlFile 'pod.yaml' }: the pod comes from the Jenkinsfile's repository", async () => {
  const repo = tempDir('yamlfile-repo');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'ignore', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' } });
  git('init', '-q', '-b', 'main');
  // (The test's agent image has no git: no checkout. Kiln's agent image has it.)
  writeFileSync(path.join(repo, 'Jenkinsfile'), `pipeline { agent { kubernetes { yamlFile 'ci/pod.yaml' } }; options { skipDefaultCheckout() }; stages { stage('A') { steps { container('from-file') { sh 'echo "from the repository pod"' } } } } }`);
  mkdirSync(path.join(repo, 'ci'));
  writeFileSync(path.join(repo, 'ci/pod.yaml'), 'spec:\n  containers:\n  - name: from-file\n    image: kiln-test/busybox:latest\n    command: [cat]\n    tty: true\n');
  git('add', '.');
  git('commit', '-q', '-m', 'pod from a file');
  await api('POST', '/api/v1/jobs', { name: 'yamlfile', git: { url: repo, branch: 'main', path: 'Jenkinsfile' } });
  const b = await api('POST', '/api/v1/jobs/yamlfile/builds', {});
  const done = await finishedBuild(c.url, 'yamlfile', b.number);
  const log = await consoleText(c.url, 'yamlfile', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /\nfrom the repository pod\n/);
  // An inline Jenkinsfile has no repository to read it from: said at once.
  await api('POST', '/api/v1/jobs', { name: 'yamlfile-inline', script: `pipeline { agent { kubernetes { yamlFile 'ci/pod.yaml' } }; stages { stage('A') { steps { sh 'true' } } } }` });
  const i = await api('POST', '/api/v1/jobs/yamlfile-inline/builds', {});
  assert.equal((await finishedBuild(c.url, 'yamlfile-inline', i.number)).result, 'FAILURE');
  assert.match(await consoleText(c.url, 'yamlfile-inline', i.number), /yamlFile 'ci\/pod\.yaml' }: this Jenkinsfile does not come from a repository/);
});

test('idleMinutes: the pod is kept after the build and the next build asking for the same pod reuses it', async () => {
  await api('POST', '/api/v1/jobs', { name: 'idle', script: `pipeline { agent { kubernetes { idleMinutes 1; yaml '''
spec:
  containers:
  - name: tool
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
''' } }; stages { stage('A') { steps { container('tool') { sh 'echo "build $BUILD_NUMBER"; echo >> ../count; wc -l < ../count' } } } } }` });
  const b1 = await api('POST', '/api/v1/jobs/idle/builds', {});
  assert.equal((await finishedBuild(c.url, 'idle', b1.number)).result, 'SUCCESS');
  const log1 = await consoleText(c.url, 'idle', b1.number);
  const pod = /Created pod ci\/(idle-1-[0-9a-f]{6})/.exec(log1)![1]!;
  assert.match(log1, new RegExp(`Keeping pod ci/${pod} for 1 min \\(idleMinutes\\)`));
  assert.ok(kube.pods('ci').some((p) => p.metadata?.name === pod), 'the pod is still there, idle');
  const b2 = await api('POST', '/api/v1/jobs/idle/builds', {});
  assert.equal((await finishedBuild(c.url, 'idle', b2.number)).result, 'SUCCESS');
  const log2 = await consoleText(c.url, 'idle', b2.number);
  assert.match(log2, new RegExp(`Reusing idle pod ci/${pod} \\(idleMinutes\\)`));
  assert.doesNotMatch(log2, /Created pod/);
  // The same pod's workspace: the second build counts two lines.
  assert.match(log2, /\n\+ wc -l\n\s*2\n/);
});

test("podTemplate's classic options on a real pod: env and secret env, emptyDir/secret/configMap volumes in every container, POD_CONTAINER, secrets masked, showRawYaml false; containerLog; shells", async () => {
  kube.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'ci-secrets', namespace: 'ci' }, data: { token: Buffer.from('s3cr3t-t0ken').toString('base64') } });
  kube.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'ci' }, data: { 'settings.xml': '<settings/>\n' } });
  await api('POST', '/api/v1/jobs', { name: 'classic', script: `podTemplate(showRawYaml: false,
    envVars: [envVar(key: 'GREETING', value: 'hello'), secretEnvVar(key: 'TOKEN', secretName: 'ci-secrets', secretKey: 'token')],
    volumes: [emptyDirVolume(mountPath: '/cache'), secretVolume(secretName: 'ci-secrets', mountPath: '/etc/ci'), configMapVolume(configMapName: 'settings', mountPath: '/etc/maven')],
    containers: [containerTemplate(name: 'tool', image: 'kiln-test/busybox:latest', command: 'cat', ttyEnabled: true, shell: '/bin/ash', envVars: [containerEnvVar(key: 'GREETING', value: 'hi from tool')])]) {
  node(POD_LABEL) {
    sh 'echo "in the agent before any container(): $GREETING, the token: $TOKEN"'
    container('tool') {
      sh 'echo "$GREETING in $POD_CONTAINER; token length \${#TOKEN}"; cat /etc/maven/settings.xml; echo shared > /cache/f; echo "the token: $TOKEN"'
    }
    sh 'echo "from the agent"; cat /cache/f; wc -c < /etc/ci/token'
    container('tool') { sh 'echo "shell $0"' }
    container(name: 'tool', shell: '/bin/sh') { sh 'echo "then $0"' }
    containerLog 'tool'
    echo "the agent's log names it: \${containerLog(name: 'jnlp', returnLog: true).contains('kiln-agent')}"
  }
}` });
  const b = await api('POST', '/api/v1/jobs/classic/builds', {});
  const done = await finishedBuild(c.url, 'classic', b.number);
  const log = await consoleText(c.url, 'classic', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /\nhi from tool in tool; token length 12\n/);
  assert.match(log, /\n<settings\/>\n/);
  // The Secret's value, read into the env by secretEnvVar, is masked as the plugin masks it.
  assert.match(log, /\nthe token: \*\*\*\*\n/);
  // Outside container() too, from the start: the agent container's env has it (envVars go to jnlp as well).
  assert.match(log, /\nin the agent before any container\(\): hello, the token: \*\*\*\*\n/);
  assert.doesNotMatch(log, /s3cr3t-t0ken/);
  assert.match(log, /\nfrom the agent\n\+ cat \/cache\/f\nshared\n\+ wc -c\n\s*12\n/);
  assert.match(log, /\n> start log of container 'tool' in pod 'classic-1-[0-9a-f]{6}'\n(.*\n)*?> end log of container 'tool' in pod 'classic-1-[0-9a-f]{6}'\n/);
  assert.match(log, /\nthe agent's log names it: true\n/);
  // The containerTemplate's shell, then container(shell:)'s.
  assert.match(log, /\nshell \/bin\/ash\n/);
  assert.match(log, /\nthen \/bin\/sh\n/);
  assert.match(log, /Created pod ci\/classic-1-[0-9a-f]{6} in cloud 'fake'\n/);
  assert.doesNotMatch(log, /from this manifest/);
});

test('a tool container that exits ends the build ABORTED: the plugin\'s line, the state and the last lines of its log', async () => {
  await api('POST', '/api/v1/jobs', { name: 'exits', script: `podTemplate(containers: [containerTemplate(name: 'tool', image: 'kiln-test/busybox:latest', command: 'sh -c "echo preparing; echo giving up >&2; exit 3"')]) {
  node(POD_LABEL) { container('tool') { sh 'sleep 30' } }
}` });
  const b = await api('POST', '/api/v1/jobs/exits/builds', {});
  const done = await finishedBuild(c.url, 'exits', b.number);
  const log = await consoleText(c.url, 'exits', b.number);
  assert.equal(done.result, 'ABORTED', log);
  assert.match(log, /\nci\/exits-1-[0-9a-f]{6} Container tool was terminated\./);
  assert.match(log, /container 'tool' exited with code 3/);
  assert.match(log, /Last lines of container 'tool':\n[\s\S]*preparing/);
});

test('an unschedulable pod ends ABORTED with the scheduler\'s reason, and says so while it waits', async () => {
  await api('POST', '/api/v1/jobs', { name: 'picky', script: `podTemplate(nodeSelector: 'disktype=unobtainium', slaveConnectTimeout: 3) {
  node(POD_LABEL) { sh 'true' }
}` });
  const b = await api('POST', '/api/v1/jobs/picky/builds', {});
  const done = await finishedBuild(c.url, 'picky', b.number);
  const log = await consoleText(c.url, 'picky', b.number);
  assert.equal(done.result, 'ABORTED', log);
  assert.match(log, /\nPod \[Pending\]\[Unschedulable\] 0\/\d+ nodes are available: .*node affinity\/selector/);
  assert.match(log, /the pod could not be scheduled for \d+ s: 0\/\d+ nodes are available/);
  assert.doesNotMatch(log, /did not connect/);
});

test('activeDeadlineSeconds and eviction end the build ABORTED with the plugin\'s "Pod just failed" line', async () => {
  const tool = "containers: [containerTemplate(name: 'tool', image: 'kiln-test/busybox:latest', command: 'cat', ttyEnabled: true)]";
  await api('POST', '/api/v1/jobs', { name: 'deadline', script: `podTemplate(activeDeadlineSeconds: 10, ${tool}) {
  node(POD_LABEL) { container('tool') { sh 'echo started; sleep 120' } }
}` });
  await api('POST', '/api/v1/jobs', { name: 'evicted', script: `podTemplate(${tool}) {
  node(POD_LABEL) { container('tool') { sh 'echo started; sleep 120' } }
}` });
  const d = await api('POST', '/api/v1/jobs/deadline/builds', {});
  const e = await api('POST', '/api/v1/jobs/evicted/builds', {});
  let pod: string | undefined;
  for (let i = 0; i < 600 && !pod; i++) {
    if (/\nstarted\n/.test(await consoleText(c.url, 'evicted', e.number))) pod = kube.pods('ci').find((p) => p.metadata?.name?.startsWith('evicted-'))?.metadata?.name;
    if (!pod) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(pod, 'the pod ran the step');
  await kube.evictPod('ci', pod);
  const evicted = await finishedBuild(c.url, 'evicted', e.number);
  const elog = await consoleText(c.url, 'evicted', e.number);
  assert.equal(evicted.result, 'ABORTED', elog);
  assert.match(elog, new RegExp(`\\nci/${pod} Pod just failed\\. Reason: Evicted`));
  const deadline = await finishedBuild(c.url, 'deadline', d.number);
  const dlog = await consoleText(c.url, 'deadline', d.number);
  assert.equal(deadline.result, 'ABORTED', dlog);
  assert.match(dlog, /\nci\/deadline-1-[0-9a-f]{6} Pod just failed\. Reason: DeadlineExceeded/);
  assert.match(dlog, /the pod failed \(DeadlineExceeded\)/);
});

test("metadata.namespace of the pod's YAML is the pod's namespace", async () => {
  await api('POST', '/api/v1/jobs', { name: 'in-team', script: `podTemplate(yaml: 'metadata:\\n  namespace: team\\n') {
  node(POD_LABEL) { sh 'echo "in the team namespace"' }
}` });
  const b = await api('POST', '/api/v1/jobs/in-team/builds', {});
  const done = await finishedBuild(c.url, 'in-team', b.number);
  const log = await consoleText(c.url, 'in-team', b.number);
  assert.equal(done.result, 'SUCCESS', log);
  assert.match(log, /Created pod team\/in-team-1-[0-9a-f]{6} in cloud 'fake'/);
  assert.match(log, /\nin the team namespace\n/);
  for (let i = 0; i < 100 && kube.pods('team').length > 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(kube.pods('team').length, 0);
});

test('at start, the controller deletes pods it labelled and no longer tracks', async () => {
  // A pod as this controller labels its own (its id taken from one it made), left behind.
  await api('POST', '/api/v1/jobs', { name: 'labelled', script: `pipeline { agent { kubernetes { yaml '''\nspec:\n  containers:\n  - name: tool\n    image: kiln-test/busybox:latest\n    command: [cat]\n    tty: true\n''' } }; stages { stage('A') { steps { container('tool') { sh 'sleep 1' } } } } }` });
  const b = await api('POST', '/api/v1/jobs/labelled/builds', {});
  let id: string | undefined;
  for (let i = 0; i < 300 && !id; i++) {
    id = kube.pods('ci').find((p) => p.metadata?.name?.startsWith('labelled-'))?.metadata?.labels?.['kiln.dev/controller'];
    if (!id) await new Promise((r) => setTimeout(r, 20));
  }
  assert.ok(id, await consoleText(c.url, 'labelled', b.number));
  await finishedBuild(c.url, 'labelled', b.number);
  kube.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'left-behind', namespace: 'ci', labels: { 'kiln.dev/controller': id } }, spec: { containers: [{ name: 'c', image: 'kiln-test/busybox:latest', command: ['sleep', '600'] }] } });
  kube.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'someone-elses', namespace: 'ci', labels: { 'kiln.dev/controller': 'another-controller' } }, spec: { containers: [{ name: 'c', image: 'kiln-test/busybox:latest', command: ['sleep', '600'] }] } });
  // Restart the controller on the same home.
  const cfgHome = restartHome;
  await c.close();
  c = await startController(testConfig({ home: cfgHome, port: '0', host: '0.0.0.0' }));
  for (let i = 0; i < 200 && kube.pods('ci').some((p) => p.metadata?.name === 'left-behind'); i++) await new Promise((r) => setTimeout(r, 50));
  const names = kube.pods('ci').map((p) => p.metadata?.name);
  assert.equal(names.includes('left-behind'), false, String(names));
  // The idle pod went with the controller that kept it.
  assert.equal(names.some((n) => n?.startsWith('idle-')), false, String(names));
  assert.equal(names.includes('someone-elses'), true);
  kube.cluster.delete(core('pods'), 'ci', 'someone-elses', { gracePeriodSeconds: 0 });
});
