// A pod lost mid-stage, and a new pod for the stage: the declarative agent's `retries N`
// (kubernetes-plugin's RetryableDeclarativeAgent: the agent's block in retry(count: N,
// conditions: [kubernetesAgent(), nonresumable()])) and the stage option `retry(count: 2,
// conditions: [kubernetesAgent()])`, for real: a controller with a Kubernetes cloud on the fake API
// server (test/fakes/kube), whose pods run in Docker. The pod is deleted while the stage's step
// runs; a second pod runs the stage again and the build ends SUCCESS, the console saying the pod
// was deleted and that the stage is retried. A step that fails by itself is not retried.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../../src/controller/compose.ts';
import { startFakeKube, type FakeKube } from '../../fakes/kube/index.ts';
import { core } from '../../fakes/kube/cluster.ts';
import { tempDir } from '../../helpers/tmp.ts';
import { consoleText, finishedBuild, jsonApi, testConfig } from '../../helpers/controller.ts';

let kube: FakeKube;
let c: ControllerHandle;
const api = jsonApi(() => c.url);
const AGENT_IMAGE = process.env.KILN_TEST_AGENT_IMAGE ?? 'kiln-test/agent:latest';

before(async () => {
  try {
    execFileSync('docker', ['image', 'inspect', AGENT_IMAGE, 'kiln-test/busybox:latest'], { stdio: 'ignore' });
  } catch {
    throw new Error(`the test images ${AGENT_IMAGE} and kiln-test/busybox are missing: run scripts/test-prereqs.sh (it installs docker.io and builds them)`);
  }
  const gateway = execFileSync('docker', ['network', 'inspect', 'bridge', '-f', '{{range .IPAM.Config}}{{.Gateway}}{{end}}'], { encoding: 'utf8' }).trim()
    || (/inet (\d+\.\d+\.\d+\.\d+)/.exec(execFileSync('ip', ['-4', '-o', 'addr', 'show', 'docker0'], { encoding: 'utf8' }))?.[1] ?? '');
  if (!gateway) throw new Error("cannot find the host's address on Docker's bridge network (docker0)");
  kube = await startFakeKube({ runner: 'docker', namespaces: ['ci'] });
  c = await startController(testConfig({ home: path.join(tempDir('k8s-retries'), 'home'), port: '0', host: '0.0.0.0' }));
  await api('POST', '/api/v1/credentials', { id: 'kube-token', type: 'secretText', secret: kube.token });
  await api('PUT', '/api/v1/clouds/fake', {
    type: 'kubernetes',
    settings: {
      serverUrl: kube.url, caCertificate: kube.caPem, namespace: 'ci', credentialsId: 'kube-token',
      controllerUrl: `http://${gateway}:${new URL(c.url).port}/`, agentImage: AGENT_IMAGE, connectTimeoutSeconds: 60,
    },
  });
});
after(async () => {
  await c?.close();
  await kube?.close();
});

const POD = `spec:
  containers:
  - name: busybox
    image: kiln-test/busybox:latest
    command: [cat]
    tty: true
`;

/** Runs `job` and deletes its pod once the console shows `marker` for the first time; returns the build, its console and the deleted pod. */
async function deletePodAt(job: string, script: string, marker: RegExp) {
  await api('POST', '/api/v1/jobs', { name: job, script });
  const b = await api('POST', `/api/v1/jobs/${job}/builds`, {});
  let pod: string | undefined;
  for (let i = 0; i < 1200 && !pod; i++) {
    if (marker.test(await consoleText(c.url, job, b.number))) pod = kube.pods('ci').find((p) => p.metadata?.name?.startsWith(`${job}-`))?.metadata?.name;
    if (!pod) await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(pod, `the first pod ran the step:\n${await consoleText(c.url, job, b.number)}`);
  kube.cluster.delete(core('pods'), 'ci', pod, { gracePeriodSeconds: 0 });
  const done = await finishedBuild(c.url, job, b.number);
  return { result: done.result as string, log: await consoleText(c.url, job, b.number), pod };
}

const createdPods = (log: string) => [...log.matchAll(/Created pod ci\/(\S+) in cloud/g)].map((m) => m[1]!);

test("agent { kubernetes { retries 2 } }: the pod deleted mid-stage, a second pod runs the stage again, SUCCESS", async () => {
  const { result, log, pod } = await deletePodAt('retries', `pipeline {
  agent { kubernetes { yaml '''\n${POD}'''
    defaultContainer 'busybox'
    retries 2 } }
  stages { stage('Run') { steps { sh 'echo "hello world"'; sh 'sleep 4' } } }
}`, /\nhello world\n/);
  assert.equal(result, 'SUCCESS', log);
  assert.match(log, new RegExp(`\nPod ci/${pod} was just deleted\n`));
  assert.match(log, /^Retrying \(attempt 2 of 2\)$/m);
  const pods = createdPods(log);
  assert.equal(pods.length, 2, log);
  assert.equal(pods[0], pod);
  assert.notEqual(pods[1], pod);
  assert.equal(log.match(/\nhello world\n/g)?.length, 2, log);
});

test("stage options { retry(count: 2, conditions: [kubernetesAgent()]) }: the stage's pod deleted, the stage runs again on a new pod, SUCCESS", async () => {
  const { result, log, pod } = await deletePodAt('stageretry', `pipeline {
  agent none
  stages {
    stage('Build') {
      agent { kubernetes { yaml '''\n${POD}''' } }
      options { retry(count: 2, conditions: [kubernetesAgent()]) }
      steps { container('busybox') { sh 'echo "building on $NODE_NAME"; sleep 4' } }
    }
  }
}`, /\nbuilding on /);
  assert.equal(result, 'SUCCESS', log);
  assert.match(log, new RegExp(`\nPod ci/${pod} was just deleted\n`));
  assert.match(log, /^Retrying \(attempt 2 of 2\)$/m);
  const pods = createdPods(log);
  assert.equal(pods.length, 2, log);
  assert.match(log, new RegExp(`\nbuilding on ${pods[1]}\n`));
});

test('retries 2 does not retry a step that fails by itself: one pod, FAILURE, and the console says why', async () => {
  await api('POST', '/api/v1/jobs', { name: 'selffail', script: `pipeline {
  agent { kubernetes { yaml '''\n${POD}'''
    retries 2 } }
  stages { stage('Run') { steps { sh 'echo failing; exit 3' } } }
}` });
  const b = await api('POST', '/api/v1/jobs/selffail/builds', {});
  const done = await finishedBuild(c.url, 'selffail', b.number);
  const log = await consoleText(c.url, 'selffail', b.number);
  assert.equal(done.result, 'FAILURE', log);
  assert.match(log, /^Not retrying: the failure is not one of the retry conditions \(kubernetesAgent\(\), nonresumable\(\)\)$/m);
  assert.equal(createdPods(log).length, 1, log);
  assert.doesNotMatch(log, /Retrying/);
});
