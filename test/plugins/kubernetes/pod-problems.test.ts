// What a pod's status says is wrong, in the build's words (and the plugin's line where it prints
// one): each failure Kubernetes reports, and the states that may still come right (not failures
// yet); the plugin's progress lines while a pod comes up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podProblem, podProgress } from '../../../src/plugins/kubernetes/provider.ts';
import type { Obj } from '../../../src/plugins/kubernetes/podspec.ts';

const now = 1_000_000;
const check = (status: Obj, o: { since?: number | null; metadata?: Obj } = {}) =>
  podProblem({ metadata: o.metadata ?? { name: 'p' }, status }, { unschedulableSinceMs: o.since ?? null, now, limitMs: 60_000 });
const waiting = (name: string, reason: string, message?: string) => ({ name, image: `${name}:1`, state: { waiting: { reason, ...(message ? { message } : {}) } } });

test('states that may still come right are not failures', () => {
  assert.equal(check({ phase: 'Pending' }), null);
  assert.equal(check({ phase: 'Pending', containerStatuses: [waiting('maven', 'ContainerCreating')] }), null);
  assert.equal(check({ phase: 'Pending', initContainerStatuses: [{ name: 'kiln-init', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] }), null);
  assert.equal(check({ phase: 'Running', containerStatuses: [{ name: 'maven', state: { running: {} } }] }), null);
  // Unschedulable, but not for long yet.
  assert.equal(check({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }] }, { since: now - 1000 }), null);
});

test('each failure, with its reason', () => {
  assert.deepEqual(check({ phase: 'Pending', containerStatuses: [waiting('maven', 'ErrImagePull', 'rpc error: manifest unknown')] }), {
    message: "container 'maven': image maven:1 cannot be pulled (ErrImagePull): rpc error: manifest unknown", container: null,
    plugin: 'ERROR: Unable to pull container image "maven:1". Check if image tag name is spelled correctly.',
  });
  assert.match(check({ containerStatuses: [waiting('git', 'ImagePullBackOff')] })!.message, /image git:1 cannot be pulled \(ImagePullBackOff\)/);
  assert.match(check({ containerStatuses: [waiting('git', 'InvalidImageName')] })!.message, /cannot be pulled \(InvalidImageName\)/);
  assert.deepEqual(check({ containerStatuses: [waiting('app', 'CrashLoopBackOff')] }), { message: "container 'app' keeps crashing (CrashLoopBackOff)", container: 'app' });
  assert.deepEqual(check({ containerStatuses: [waiting('app', 'CreateContainerConfigError', 'secret "db" not found')] }), { message: 'container \'app\' cannot start (CreateContainerConfigError): secret "db" not found', container: 'app' });
  assert.deepEqual(check({ phase: 'Running', containerStatuses: [{ name: 'maven', state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] }), { message: "container 'maven' exited with code 137 (OOMKilled)", container: 'maven', plugin: 'p Container maven was terminated.' });
  assert.deepEqual(check({ initContainerStatuses: [{ name: 'kiln-init', state: { terminated: { exitCode: 1, reason: 'Error' } } }] }), { message: "init container 'kiln-init' exited with code 1 (Error)", container: 'kiln-init', plugin: 'p Container kiln-init was terminated.' });
  const evicted = check({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: memory.' }, { metadata: { name: 'p', namespace: 'ci' } })!;
  assert.equal(evicted.message, 'the pod failed (Evicted): The node was low on resource: memory.');
  assert.equal(evicted.plugin, 'ci/p Pod just failed. Reason: Evicted, Message: The node was low on resource: memory..');
  // activeDeadlineSeconds passed: the kubelet fails the pod with DeadlineExceeded.
  const deadline = check({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' }, { metadata: { name: 'p', namespace: 'ci' } })!;
  assert.equal(deadline.message, 'the pod failed (DeadlineExceeded): Pod was active on the node longer than the specified deadline');
  assert.equal(deadline.plugin, 'ci/p Pod just failed. Reason: DeadlineExceeded, Message: Pod was active on the node longer than the specified deadline.');
  assert.equal(check({ phase: 'Running' }, { metadata: { name: 'p', deletionTimestamp: '2026-11-22T00:00:00Z' } })!.message, 'the pod is being deleted (by someone else than this build)');
  assert.equal(check({ phase: 'Running' }, { metadata: { name: 'p', namespace: 'ci', deletionTimestamp: '2026-11-22T00:00:00Z' } })!.plugin, 'Pod ci/p was just deleted');
  assert.equal(check({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 3 Insufficient cpu.' }] }, { since: now - 61_000 })!.message,
    "the pod could not be scheduled for 61 s: 0/3 nodes are available: 3 Insufficient cpu. (check the pod's resource requests, node selector, tolerations and the namespace's quota)");
});

test("progress lines as the plugin prints them while a pod comes up", () => {
  assert.deepEqual(podProgress({ status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' }] } }), [
    'Pod [Pending][Unschedulable] 0/1 nodes are available: 1 Insufficient cpu.',
  ]);
  assert.deepEqual(podProgress({ status: { phase: 'Pending', containerStatuses: [waiting('jnlp', 'ImagePullBackOff', 'Back-off pulling image "x:1"'), waiting('maven', 'ContainerCreating'), { name: 'git', state: { running: {} } }] } }), [
    'Container [jnlp] waiting [ImagePullBackOff] Back-off pulling image "x:1"',
    'Container [maven] waiting [ContainerCreating] No message',
  ]);
  assert.deepEqual(podProgress({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }), []);
});
