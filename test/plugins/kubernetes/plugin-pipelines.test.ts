// Our own small pipelines exercising what the kubernetes-plugin's integration-test pipelines
// exercise (test/fixtures/kubernetes-plugin/: scripted podTemplate with every classic option,
// nested and merged templates, multiple labels, dind, shells, containerLog, deadlines, retry
// conditions, agentContainer/agentInjection; declarative containerTemplate(s), workingDir,
// namespaces, per-stage pods): `kiln lint` accepts every one, as the plugin does. And the
// manifest the newer classic symbols make (dynamicPVC as a volume, containerSecretEnvVar). And
// container('x') of a container not in the pod: an error, a warning where the failure is caught.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';
import { classicPod } from '../../../src/plugins/kubernetes/classic.ts';
import type { Value } from '../../../src/pipeline/script/values.ts';
import { registry } from '../../helpers/registry.ts';
import { repoRoot } from '../../helpers/kiln.ts';

const dir = path.join(repoRoot, 'test/fixtures/kubernetes-plugin');

test("kiln lint accepts each of our pipelines modelled on the plugin's own", () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.groovy'));
  assert.ok(files.length >= 20, `expected the set in ${dir}`);
  for (const f of files) {
    const errors = loadPipeline(readFileSync(path.join(dir, f), 'utf8'), registry).diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => formatDiagnostic(f, d)), [], f);
  }
});

const sym = (name: string, o: Record<string, Value>): Value => new Map<string, Value>([['$symbol', name], ...Object.entries(o)]);

test('dynamicPVC in volumes is a claim made for the pod at its mount path; containerSecretEnvVar reads a Secret', () => {
  const values: Record<string, Value> = {
    volumes: [sym('dynamicPVC', { mountPath: '/cache/', requestsSize: '2Gi' })],
    containers: [sym('containerTemplate', { name: 'box', image: 'busybox', envVars: [sym('containerSecretEnvVar', { key: 'TOKEN', secretName: 's', secretKey: 'k' })] })],
  };
  const pod = classicPod((k) => values[k])!;
  const spec = pod.spec as { volumes: unknown[]; containers: { name: string; env?: unknown[]; volumeMounts?: unknown[] }[] };
  assert.deepEqual(spec.volumes, [{ name: 'volume-0', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } } } } }]);
  const box = spec.containers.find((c) => c.name === 'box')!;
  assert.deepEqual(box.volumeMounts, [{ name: 'volume-0', mountPath: '/cache', readOnly: false }]);
  assert.deepEqual(box.env, [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }]);
});

/** A declarative pipeline whose stage has its own pod (no `tools` container) and uses `tools` in `steps`. */
const stagePodUsing = (steps: string): string => `pipeline {
  agent { kubernetes { yaml '''
spec:
  containers:
  - name: tools
    image: alpine:3.20
    command: [sleep, infinity]
''' } }
  stages {
    stage('own pod') {
      agent { kubernetes { yaml '''
spec:
  containers:
  - name: build
    image: alpine:3.20
    command: [sleep, infinity]
''' } }
      steps {
${steps}
      }
    }
  }
}
`;

test("a container not in the stage's pod: an error, but a warning where the Jenkinsfile catches the failure (as the plugin fails only its steps)", () => {
  const diags = (steps: string) => loadPipeline(stagePodUsing(steps), registry).diagnostics.map((d) => `${d.severity}: ${d.message}`);
  const notThere = 'Container "tools" is not in the pod of the kubernetes agent (containers: jnlp, build)';
  assert.deepEqual(diags("        container('tools') { sh 'true' }"), [`error: ${notThere}`]);
  const caught = [`warning: ${notThere}: its steps will fail (the failure is caught here)`];
  // The block catches inside it (the plugin's own nested-pod test does this)...
  assert.deepEqual(diags("        container('tools') { script { try { sh 'true'; error('inherited') } catch (e) { echo 'not inherited' } } }"), caught);
  // ...or the call is inside try/catch, catchError or warnError.
  assert.deepEqual(diags("        script { try { container('tools') { sh 'true' } } catch (e) { echo 'no' } }"), caught);
  assert.deepEqual(diags("        catchError(buildResult: 'SUCCESS') { container('tools') { sh 'true' } }"), caught);
  // A try without a catch (finally only) does not catch it.
  assert.deepEqual(diags("        script { try { container('tools') { sh 'true' } } finally { echo 'done' } }"), [`error: ${notThere}`]);
});

test("podTemplate's schedulerName is the pod's spec.schedulerName ('' leaves the cluster's default), and lint accepts it", () => {
  const pod = (v: Value) => classicPod((k) => (k === 'schedulerName' ? v : undefined));
  assert.deepEqual(pod('my-scheduler'), { spec: { schedulerName: 'my-scheduler' } });
  assert.deepEqual(pod(''), { spec: {} });
  const errors = loadPipeline("podTemplate(schedulerName: 'my-scheduler') { node(POD_LABEL) { sh 'true' } }", registry).diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors.map((d) => d.message), []);
});
