// The fake's Docker-backed kubelet: pods' containers really run, and what happens to them is
// reported as a kubelet would (states, phase, events, logs); nothing is left behind.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { DockerRunner, bridgeGateway, startFakeKube, type FakeKube, type KObject } from './index.ts';
import { request } from './http-client.ts';
import { busyboxImage, requireDocker } from './prereqs.ts';
import { podStatusText } from './tables.ts';

let kube: FakeKube;
let image: string;

type CS = { name: string; ready: boolean; restartCount: number; state: { waiting?: { reason: string; message?: string }; running?: unknown; terminated?: { exitCode: number; reason: string } }; lastState: { terminated?: { exitCode: number } } };
type Pod = KObject;
type Status = { phase: string; podIP?: string; containerStatuses?: CS[]; initContainerStatuses?: CS[]; conditions?: { type: string; status: string }[] };
const status = (p: Pod) => p.status as Status;
const cs = (p: Pod, name: string) => [...(status(p).containerStatuses ?? []), ...(status(p).initContainerStatuses ?? [])].find((c) => c.name === name);

async function create(ns: string, manifest: Record<string, unknown>): Promise<void> {
  const r = await request(kube, 'POST', `/api/v1/namespaces/${ns}/pods`, { apiVersion: 'v1', kind: 'Pod', ...manifest });
  assert.equal(r.status, 201, r.body);
}

async function log(ns: string, pod: string, container: string, extra = ''): Promise<string> {
  const r = await request(kube, 'GET', `/api/v1/namespaces/${ns}/pods/${pod}/log?container=${container}${extra}`);
  assert.equal(r.status, 200, r.body);
  return r.body;
}

async function remove(ns: string, pod: string): Promise<void> {
  await request(kube, 'DELETE', `/api/v1/namespaces/${ns}/pods/${pod}?gracePeriodSeconds=1`);
  for (let i = 0; i < 400 && kube.pod(ns, pod); i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(kube.pod(ns, pod), undefined);
}

before(async () => {
  requireDocker();
  image = busyboxImage();
  kube = await startFakeKube({ runner: 'docker', namespaces: ['run'], docker: { pauseImage: image, crashBackoffMs: 300, pullBackoffMs: 300 } });
});

after(async () => {
  await kube.close();
  assert.deepEqual(await kube.docker!.leftovers(), [], 'no container or volume of the fake is left');
});

test('a pod as Kubernetes runs it: shared network and emptyDir, init container, env (values, $(VAR), fieldRef, secret, configMap, envFrom), users, service account token', async () => {
  await request(kube, 'POST', '/api/v1/namespaces/run/secrets', { metadata: { name: 'creds' }, stringData: { password: 'pa55', user: 'kiln' } });
  await request(kube, 'POST', '/api/v1/namespaces/run/configmaps', { metadata: { name: 'cfg' }, data: { MODE: 'fast', EXTRA: 'x' } });
  await create('run', {
    metadata: { name: 'full', labels: { build: 'b42' } },
    spec: {
      restartPolicy: 'Never',
      volumes: [{ name: 'ws', emptyDir: {} }, { name: 'www', emptyDir: {} }, { name: 'conf', configMap: { name: 'cfg' } }],
      initContainers: [{ name: 'prepare', image, command: ['sh', '-c', 'echo from-init > /www/hello.txt; echo init ran'], volumeMounts: [{ name: 'www', mountPath: '/www' }] }],
      containers: [
        { name: 'web', image, command: ['httpd', '-f', '-p', '8080', '-h', '/www'], volumeMounts: [{ name: 'www', mountPath: '/www' }] },
        {
          name: 'main', image, workingDir: '/ws',
          securityContext: { runAsUser: 1000, runAsGroup: 1000 },
          command: ['sh', '-c'],
          args: ['echo "user=$(id -u):$(id -g) cwd=$(pwd) pod=$POD ns=$NS ip=$IP greeting=$GREETING build=$BUILD pw=$PW mode=$MODE cfg_EXTRA=$cfg_EXTRA arg=$(GREETING)"; for i in $(seq 50); do wget -qO- http://localhost:8080/hello.txt 2>/dev/null && break; sleep 0.1; done; echo written > /ws/by-main; ls -ln /ws/by-main | cut -c1-10; cat /etc/kiln/MODE; echo; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; test "$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" = "$TOKEN" && echo token-ok'],
          env: [
            { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
            { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            { name: 'BUILD', valueFrom: { fieldRef: { fieldPath: "metadata.labels['build']" } } },
            { name: 'NAME', value: 'world' },
            { name: 'GREETING', value: 'hello-$(NAME)' },
            { name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } },
            { name: 'TOKEN', value: kube.token },
          ],
          envFrom: [{ configMapRef: { name: 'cfg' } }, { prefix: 'cfg_', configMapRef: { name: 'cfg' } }],
          volumeMounts: [{ name: 'ws', mountPath: '/ws' }, { name: 'conf', mountPath: '/etc/kiln' }],
        },
        { name: 'reader', image, command: ['sh', '-c', 'until [ -f /ws/by-main ]; do sleep 0.1; done; echo "reader sees: $(cat /ws/by-main) as $(id -u)"; exec sleep 3600'], volumeMounts: [{ name: 'ws', mountPath: '/ws' }] },
      ],
    },
  });
  const done = await kube.waitForPod('run', 'full', (p) => cs(p, 'main')?.state.terminated !== undefined, 60_000);
  assert.equal(cs(done, 'prepare')!.state.terminated!.reason, 'Completed');
  assert.equal(await log('run', 'full', 'prepare'), 'init ran\n');
  const out = await log('run', 'full', 'main');
  const ip = status(done).podIP!;
  assert.match(ip, /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(out, `user=1000:1000 cwd=/ws pod=full ns=run ip=${ip} greeting=hello-world build=b42 pw=pa55 mode=fast cfg_EXTRA=x arg=hello-world\nfrom-init\n-rw-r--r--\nfast\nrun\ntoken-ok\n`);
  assert.deepEqual(cs(done, 'main')!.state.terminated, { ...cs(done, 'main')!.state.terminated, exitCode: 0, reason: 'Completed' });
  const reader = await kube.waitForPod('run', 'full', (p) => cs(p, 'reader')?.state.running !== undefined && cs(p, 'web')?.state.running !== undefined, 30_000);
  assert.equal(status(reader).phase, 'Running', 'restartPolicy Never, one container done, others running: Running');
  for (let i = 0; i < 100 && !(await log('run', 'full', 'reader')).includes('reader sees'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await log('run', 'full', 'reader'), 'reader sees: written as 0\n');
  await remove('run', 'full');
  assert.deepEqual((await kube.docker!.leftovers()).filter((x) => x.includes('full')), []);
});

test('exit codes make the phase: Succeeded (Completed), Failed (Error, exit code); init failure fails the pod', async () => {
  await create('run', { metadata: { name: 'ok' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'echo fine'] }] } });
  await create('run', { metadata: { name: 'bad' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'echo oops >&2; exit 3'] }] } });
  await create('run', { metadata: { name: 'badinit' }, spec: { restartPolicy: 'Never', initContainers: [{ name: 'i', image, command: ['false'] }], containers: [{ name: 'c', image, command: ['true'] }] } });
  const ok = await kube.waitForPod('run', 'ok', (p) => status(p).phase === 'Succeeded', 30_000);
  assert.equal(cs(ok, 'c')!.state.terminated!.reason, 'Completed');
  assert.equal(podStatusText(ok), 'Completed');
  const bad = await kube.waitForPod('run', 'bad', (p) => status(p).phase === 'Failed', 30_000);
  assert.deepEqual([cs(bad, 'c')!.state.terminated!.exitCode, cs(bad, 'c')!.state.terminated!.reason], [3, 'Error']);
  assert.equal(await log('run', 'bad', 'c'), 'oops\n');
  const badinit = await kube.waitForPod('run', 'badinit', (p) => status(p).phase === 'Failed', 30_000);
  assert.equal(podStatusText(badinit), 'Init:Error');
  assert.ok(cs(badinit, 'c')!.state.waiting, 'the containers never started');
  for (const n of ['ok', 'bad', 'badinit']) await remove('run', n);
});

test('a missing image: ErrImagePull, then ImagePullBackOff, with the kubelet\'s events; the logs endpoint says why', async () => {
  await create('run', { metadata: { name: 'noimg' }, spec: { containers: [{ name: 'c', image: 'kiln-test/does-not-exist:1' }] } });
  const p1 = await kube.waitForPod('run', 'noimg', (p) => cs(p, 'c')?.state.waiting?.reason === 'ErrImagePull', 30_000);
  assert.match(cs(p1, 'c')!.state.waiting!.message!, /^Failed to pull image "kiln-test\/does-not-exist:1": /);
  const l = await request(kube, 'GET', '/api/v1/namespaces/run/pods/noimg/log');
  assert.equal(l.status, 400);
  await kube.waitForPod('run', 'noimg', (p) => cs(p, 'c')?.state.waiting?.reason === 'ImagePullBackOff', 30_000);
  const events = kube.events('run', 'noimg').map((e) => `${String(e.type)} ${String(e.reason)}`);
  for (const e of ['Normal Scheduled', 'Normal Pulling', 'Warning Failed', 'Normal BackOff']) assert.ok(events.includes(e), `${e} in ${events.join(', ')}`);
  assert.equal(status(kube.pod('run', 'noimg')!).phase, 'Pending');
  await remove('run', 'noimg');
});

test('restartPolicy Always: a crashing container goes into CrashLoopBackOff, restarts counted, the previous log kept', async () => {
  await create('run', { metadata: { name: 'crash' }, spec: { containers: [{ name: 'c', image, command: ['sh', '-c', 'echo boom; exit 2'] }] } });
  const p = await kube.waitForPod('run', 'crash', (x) => (cs(x, 'c')?.restartCount ?? 0) >= 2 && cs(x, 'c')!.state.waiting?.reason === 'CrashLoopBackOff', 30_000);
  assert.equal(cs(p, 'c')!.lastState.terminated!.exitCode, 2);
  assert.equal(status(p).phase, 'Running');
  assert.match(await log('run', 'crash', 'c', '&previous=true'), /^boom\n$/);
  assert.ok(kube.events('run', 'crash').some((e) => e.reason === 'BackOff' && /Back-off restarting failed container c/.test(String(e.message))));
  await remove('run', 'crash');
});

test('a missing secret: CreateContainerConfigError until it exists; OOMKilled for real under a memory limit', async () => {
  await create('run', {
    metadata: { name: 'needs-secret' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['sh', '-c', 'echo got $S'], env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'later', key: 'v' } } }] }] },
  });
  const waiting = await kube.waitForPod('run', 'needs-secret', (p) => cs(p, 'c')?.state.waiting?.reason === 'CreateContainerConfigError', 30_000);
  assert.equal(cs(waiting, 'c')!.state.waiting!.message, 'secret "later" not found');
  await request(kube, 'POST', '/api/v1/namespaces/run/secrets', { metadata: { name: 'later' }, stringData: { v: 'now' } });
  await kube.waitForPod('run', 'needs-secret', (p) => status(p).phase === 'Succeeded', 30_000);
  assert.equal(await log('run', 'needs-secret', 'c'), 'got now\n');

  await create('run', {
    metadata: { name: 'oom' },
    spec: { restartPolicy: 'Never', containers: [{ name: 'c', image, command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=96M', 'count=1'], resources: { limits: { memory: '16Mi' } } }] },
  });
  const oom = await kube.waitForPod('run', 'oom', (p) => status(p).phase === 'Failed', 30_000);
  assert.deepEqual([cs(oom, 'c')!.state.terminated!.reason, cs(oom, 'c')!.state.terminated!.exitCode], ['OOMKilled', 137]);
  for (const n of ['needs-secret', 'oom']) await remove('run', n);
});

test('graceful deletion: SIGTERM first, the object stays (Terminating) until the containers stopped, then DELETED', async () => {
  await create('run', {
    metadata: { name: 'graceful' },
    spec: { terminationGracePeriodSeconds: 10, containers: [{ name: 'c', image, command: ['sh', '-c', 'trap "echo got TERM; sleep 1; exit 0" TERM; echo up; while :; do sleep 0.1; done'] }] },
  });
  await kube.waitForPod('run', 'graceful', (p) => cs(p, 'c')?.state.running !== undefined, 30_000);
  for (let i = 0; i < 100 && !(await log('run', 'graceful', 'c')).includes('up'); i++) await new Promise((r) => setTimeout(r, 50));
  const t0 = Date.now();
  const del = await request(kube, 'DELETE', '/api/v1/namespaces/run/pods/graceful');
  assert.equal(del.status, 202);
  assert.equal(podStatusText(kube.pod('run', 'graceful')!), 'Terminating');
  const last = await kube.waitForPod('run', 'graceful', (p) => cs(p, 'c')?.state.terminated !== undefined, 30_000);
  assert.equal(cs(last, 'c')!.state.terminated!.exitCode, 0, 'it exited by its TERM trap');
  for (let i = 0; i < 400 && kube.pod('run', 'graceful'); i++) await new Promise((r) => setTimeout(r, 25));
  assert.equal(kube.pod('run', 'graceful'), undefined);
  assert.ok(Date.now() - t0 >= 900, 'the container had its second to finish');
  assert.ok(Date.now() - t0 < 9000, 'and the pod went as soon as it had');
  assert.deepEqual((await kube.docker!.leftovers()).filter((x) => x.includes('graceful')), []);
});

test('a fake whose process died before close(): sweepOrphans (run by every Docker-backed start) removes what it left', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', `
    const { startFakeKube } = await import(${JSON.stringify(new URL('./index.ts', import.meta.url).href)});
    const k = await startFakeKube({ runner: 'docker', docker: { pauseImage: ${JSON.stringify(image)} } });
    k.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'default' }, spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'c', image: ${JSON.stringify(image)}, command: ['sleep', '3600'], volumeMounts: [{ name: 'v', mountPath: '/v' }] }] } });
    await k.waitForPod('default', 'orphan', (p) => p.status.phase === 'Running', 30000);
    console.log(k.docker.label + ' ' + process.pid);
    setInterval(() => {}, 1000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [label, pid] = (await new Promise<string>((resolve) => child.stdout.on('data', (c: Buffer) => resolve(c.toString().trim())))).split(' ') as [string, string];
  const dirs = () => fs.readdirSync(os.tmpdir()).filter((d) => d.startsWith(`kiln-fake-kube-${pid}-`) || d.startsWith(`kiln-fake-kubelet-${pid}-`));
  assert.equal(dirs().length, 2, 'the fake\'s directory and its kubelet\'s');
  const mine = () => execFileSync('docker', ['ps', '-aq', '--filter', `label=kiln.fake-kube=${label}`], { encoding: 'utf8' }).split('\n').filter(Boolean).length
    + execFileSync('docker', ['volume', 'ls', '-q', '--filter', `label=kiln.fake-kube=${label}`], { encoding: 'utf8' }).split('\n').filter(Boolean).length;
  assert.equal(mine(), 3, 'pause, container, emptyDir volume');
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  await DockerRunner.sweepOrphans(); // (another test file's fake starting meanwhile may have swept them already)
  assert.equal(mine(), 0);
  assert.deepEqual(dirs(), []);
});

test('activeDeadlineSeconds and eviction end a running pod: containers killed, Failed with the reason, the object stays until deleted', async () => {
  const spec = { containers: [{ name: 'c', image, command: ['sh', '-c', 'echo started; exec sleep 3600'] }] };
  await create('run', { metadata: { name: 'deadline' }, spec: { ...spec, activeDeadlineSeconds: 2 } });
  await create('run', { metadata: { name: 'evicted' }, spec });
  await kube.waitForPod('run', 'evicted', (p) => cs(p, 'c')?.state.running !== undefined, 30_000);
  await kube.evictPod('run', 'evicted');
  const ev = kube.pod('run', 'evicted')!;
  assert.deepEqual([status(ev).phase, (ev.status as { reason: string }).reason], ['Failed', 'Evicted']);
  assert.ok(status(ev).conditions!.some((c) => c.type === 'DisruptionTarget' && c.status === 'True'));
  assert.ok(cs(ev, 'c')!.state.terminated, 'its container was killed');
  assert.equal(await log('run', 'evicted', 'c'), 'started\n', 'its log is still there');
  const dl = await kube.waitForPod('run', 'deadline', (p) => status(p).phase === 'Failed', 30_000);
  assert.equal((dl.status as { reason: string }).reason, 'DeadlineExceeded');
  assert.ok(kube.events('run', 'deadline').some((e) => e.reason === 'DeadlineExceeded' && e.type === 'Warning'));
  for (const n of ['deadline', 'evicted']) {
    const left = async () => (await kube.docker!.leftovers()).filter((x) => x.includes(`-${n}-`));
    for (let i = 0; i < 100 && (await left()).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(await left(), [], `${n}: no containers left while the object stays`);
    assert.ok(kube.pod('run', n));
    await remove('run', n);
  }
});

test('in-cluster access: a pod reaches the API at KUBERNETES_SERVICE_HOST with its service account token, verifying the fake\'s CA', async () => {
  const agentImage = 'kiln-test/agent:latest';
  if (spawnSync('docker', ['image', 'inspect', agentImage], { stdio: 'ignore' }).status !== 0) {
    throw new Error(`the test image ${agentImage} (with node) is missing; run scripts/test-prereqs.sh`);
  }
  const gateway = await bridgeGateway();
  const k = await startFakeKube({ runner: 'docker', host: gateway, docker: { pauseImage: image } });
  try {
    const sa = '/var/run/secrets/kubernetes.io/serviceaccount';
    const js = `fetch('https://' + process.env.KUBERNETES_SERVICE_HOST + ':' + process.env.KUBERNETES_SERVICE_PORT + '/api/v1/namespaces/' + require('fs').readFileSync('${sa}/namespace', 'utf8') + '/pods/' + process.env.HOSTNAME,`
      + ` { headers: { Authorization: 'Bearer ' + require('fs').readFileSync('${sa}/token', 'utf8') } }).then((r) => r.json()).then((j) => console.log(j.metadata.name, j.status.phase), (e) => { console.log('failed', e.cause ?? e); process.exit(1); })`;
    k.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'inside', namespace: 'default' }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: agentImage, command: ['node', '-e', js], env: [{ name: 'NODE_EXTRA_CA_CERTS', value: `${sa}/ca.crt` }] }] } });
    const p = await k.waitForPod('default', 'inside', (x) => ['Succeeded', 'Failed'].includes((x.status as { phase: string }).phase), 60_000);
    const out = k.podHandle('default', 'inside')!.logs.get('c')!.current.text();
    assert.equal(out, 'inside Running\n');
    assert.equal((p.status as { phase: string }).phase, 'Succeeded');
  } finally {
    await k.close();
  }
});

test('subPath: a directory of an emptyDir (made when missing) and a single file of a secret', async () => {
  await request(kube, 'POST', '/api/v1/namespaces/run/secrets', { metadata: { name: 'sub' }, stringData: { password: 'p4ss', other: 'x' } });
  await create('run', {
    metadata: { name: 'subpath' },
    spec: {
      restartPolicy: 'Never',
      volumes: [{ name: 'data', emptyDir: {} }, { name: 's', secret: { secretName: 'sub' } }],
      initContainers: [{ name: 'w', image, command: ['sh', '-c', 'echo in-a > /x/f'], volumeMounts: [{ name: 'data', mountPath: '/x', subPath: 'a/b' }] }],
      containers: [{
        name: 'r', image, command: ['sh', '-c', 'cat /all/a/b/f; cat /etc/pw; echo; ls /etc | grep -c other'],
        volumeMounts: [{ name: 'data', mountPath: '/all' }, { name: 's', mountPath: '/etc/pw', subPath: 'password' }],
      }],
    },
  });
  await kube.waitForPod('run', 'subpath', (p) => ['Succeeded', 'Failed'].includes(status(p).phase), 30_000);
  assert.equal(await log('run', 'subpath', 'r'), 'in-a\np4ss\n0\n');
  await remove('run', 'subpath');
});
