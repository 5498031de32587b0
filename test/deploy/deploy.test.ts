// deploy/: the controller's Kubernetes manifests apply with real kubectl (against the fake API
// server, which validates them as the real one would), run the controller as non-root with an
// fsGroup, and grant exactly what the Kubernetes cloud needs; the Dockerfiles copy what exists.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { startFakeKube, type FakeKube } from '../fakes/kube/index.ts';
import { NEEDED } from '../../src/plugins/kubernetes/cloud.ts';
import { repoRoot } from '../helpers/kiln.ts';

const run = promisify(execFile);
let kube: FakeKube | undefined;
after(async () => { await kube?.close(); });

test('deploy/kubernetes/kiln.yaml applies with kubectl; non-root controller; the role grants what the cloud needs', async () => {
  kube = await startFakeKube({ runner: 'scripted' });
  const kubeconfig = kube.kubeconfigPath();
  const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
  const applied = await kubectl('apply', '-f', path.join(repoRoot, 'deploy/kubernetes/kiln.yaml'));
  for (const what of ['namespace/kiln', 'serviceaccount/kiln', 'role.rbac.authorization.k8s.io/kiln-pods', 'rolebinding.rbac.authorization.k8s.io/kiln-pods', 'persistentvolumeclaim/kiln-home', 'deployment.apps/kiln', 'service/kiln']) {
    assert.match(applied.stdout, new RegExp(`^${what.replace(/\./g, '\\.')} created$`, 'm'), applied.stdout);
  }
  // Applying again changes nothing.
  assert.match((await kubectl('apply', '-f', path.join(repoRoot, 'deploy/kubernetes/kiln.yaml'))).stdout, /^deployment\.apps\/kiln unchanged$/m);

  const dep = JSON.parse((await kubectl('get', 'deployment', 'kiln', '-n', 'kiln', '-o', 'json')).stdout) as { spec: { template: { spec: { securityContext: Record<string, unknown>; serviceAccountName: string; containers: { env: { name: string; value: string }[]; volumeMounts: { mountPath: string }[] }[] } } } };
  const pod = dep.spec.template.spec;
  assert.deepEqual(pod.securityContext, { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 });
  assert.equal(pod.serviceAccountName, 'kiln');
  assert.deepEqual(pod.containers[0]!.volumeMounts.map((m) => m.mountPath), ['/var/lib/kiln']);
  assert.equal(pod.containers[0]!.env.find((e) => e.name === 'KILN_AGENT_URL')?.value, 'http://kiln.kiln.svc.cluster.local:8080/');

  const role = JSON.parse((await kubectl('get', 'role', 'kiln-pods', '-n', 'kiln', '-o', 'json')).stdout) as { rules: { resources: string[]; verbs: string[] }[] };
  for (const n of NEEDED) {
    const resource = n.subresource ? `${n.resource}/${n.subresource}` : n.resource;
    assert.ok(role.rules.some((r) => r.resources.includes(resource) && r.verbs.includes(n.verb)), `the role must allow ${n.verb} ${resource}`);
  }
});

test('the Dockerfiles copy what the repository has, run as non-root, and the agent image runs `kiln agent`', () => {
  for (const file of ['deploy/Dockerfile.controller', 'deploy/Dockerfile.agent']) {
    const text = readFileSync(path.join(repoRoot, file), 'utf8');
    for (const m of text.matchAll(/^COPY (.+) \S+$/gm)) {
      for (const src of m[1]!.split(/\s+/)) {
        // web/dist is what `npm run build:web` makes (the build command says so).
        if (src !== 'web/dist') assert.ok(existsSync(path.join(repoRoot, src)), `${file}: COPY ${src}: no such file`);
      }
    }
    assert.match(text, /^USER 1000:1000$/m, file);
    assert.match(text, /^FROM node:24/m, file);
  }
  assert.match(readFileSync(path.join(repoRoot, 'deploy/Dockerfile.agent'), 'utf8'), /^CMD \["kiln", "agent"\]$/m);
});
