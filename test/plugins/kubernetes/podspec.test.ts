// The pod Kiln makes for a build, field by field: the seed's pod as written, templates and their
// inheritance under both merge strategies, the injected agent container and workspace, labels,
// names, and the errors users get for pods that cannot work.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildPod, labelValue, manifestForLog, mergePods, parsePod, podName, resolveTemplate, PodSpecError,
  type PodRequest, type PodTemplate, type Obj,
} from '../../../src/plugins/kubernetes/podspec.ts';
import { repoRoot } from '../../helpers/kiln.ts';
import { RUNNER_SH } from '../../../src/exec/container-runner.ts';

const request = (o: Partial<PodRequest> = {}): PodRequest => ({
  yaml: null, inheritFrom: [], yamlMergeStrategy: 'override', defaultContainer: null, namespace: null,
  activeDeadlineSeconds: null, serviceAccount: null, nodeSelector: null, workingDir: null, ...o,
});
const agent = { name: 'seed-7-abc123', url: 'http://kiln.kiln.svc.cluster.local:8080/', secret: 'f00dfeedf00dfeedf00dfeed', tunnel: null, image: 'kiln/agent:1' };
const id = { controllerId: 'ctl-1', job: 'team/Seed App', build: 7, buildUrl: 'http://kiln/job/team/Seed%20App/7/' };
const template = (name: string, yaml: string, o: Partial<PodTemplate> = {}): PodTemplate => ({ name, labels: [], yaml, inheritFrom: [], yamlMergeStrategy: 'override', namespace: null, ...o });
const containers = (pod: Obj) => (pod.spec as Obj).containers as Obj[];
const container = (pod: Obj, name: string) => containers(pod).find((c) => c.name === name)!;

/** The seed's pod YAML, out of the seed Jenkinsfile. */
const seedYaml = /yaml """\n([\s\S]*?)"""/.exec(readFileSync(path.join(repoRoot, 'test/fixtures/jenkinsfiles/valid/seed.groovy'), 'utf8'))![1]!;

test("the seed's pod: its two containers as written, the agent injected, the workspace shared at the work dir", () => {
  const { pod, defaultContainer, notes } = buildPod({ request: request({ yaml: seedYaml }), templates: [], agent, id, name: 'seed-7-abc123' });
  assert.equal(defaultContainer, null);
  assert.deepEqual(notes, []);
  assert.deepEqual([pod.apiVersion, pod.kind], ['v1', 'Pod']);
  assert.deepEqual(containers(pod).map((c) => c.name), ['jnlp', 'git', 'maven']);
  // Its command runs under the step runner, which execs it: `cat` with a tty, as written.
  const git = container(pod, 'git');
  const run = ['sh', '-c', 'eval "$KILN_RUNNER_SH"', 'kiln-runner'];
  assert.deepEqual([git.image, git.command, git.tty], ['alpine/git:latest', [...run, '/home/jenkins/agent/.kiln/c/git', 'cat'], true]);
  assert.deepEqual(container(pod, 'maven').command, [...run, '/home/jenkins/agent/.kiln/c/maven', 'cat']);
  // The runner script rides in each tool container's env: no init container delays the pod.
  assert.deepEqual(git.env, [{ name: 'KILN_RUNNER_SH', value: RUNNER_SH }]);
  assert.equal((pod.spec as Obj).initContainers, undefined);
  const jnlp = container(pod, 'jnlp');
  assert.equal(jnlp.image, 'kiln/agent:1');
  assert.deepEqual(jnlp.command, ['kiln', 'agent']);
  assert.deepEqual(jnlp.env, [
    { name: 'KILN_URL', value: agent.url }, { name: 'KILN_SECRET', value: agent.secret },
    { name: 'KILN_AGENT_NAME', value: agent.name }, { name: 'KILN_AGENT_WORKDIR', value: '/home/jenkins/agent' },
    { name: 'KILN_BUILD_ENV', value: '*' },
    { name: 'KILN_POD_RUNNERS', value: '/home/jenkins/agent/.kiln/c' }, { name: 'KILN_POD_CONTAINERS', value: 'git,maven' },
    { name: 'KILN_POD_ALL_CONTAINERS', value: 'jnlp,git,maven' },
  ]);
  assert.deepEqual(jnlp.resources, { requests: { cpu: '100m', memory: '256Mi' } });
  for (const c of containers(pod)) assert.deepEqual(c.volumeMounts, [{ name: 'workspace-volume', mountPath: '/home/jenkins/agent', readOnly: false }], String(c.name));
  const spec = pod.spec as Obj;
  assert.deepEqual(spec.volumes, [{ name: 'workspace-volume', emptyDir: {} }]);
  assert.equal(spec.restartPolicy, 'Never');
  assert.deepEqual(spec.nodeSelector, { 'kubernetes.io/os': 'linux' });
  const md = pod.metadata as Obj;
  assert.equal(md.name, 'seed-7-abc123');
  assert.deepEqual(md.labels, { 'kiln.dev/controller': 'ctl-1', 'kiln.dev/job': 'team_Seed_App', 'kiln.dev/build': '7', 'kiln.dev/agent': 'seed-7-abc123' });
  assert.deepEqual(md.annotations, { 'kiln.dev/build-url': id.buildUrl });
  // The console shows it, secret masked.
  const shown = manifestForLog(pod, agent.secret);
  assert.equal(shown.includes(agent.secret), false);
  assert.match(shown, /name: KILN_SECRET\n\s+value: "?\*{8}"?/);
  assert.match(shown, /image: alpine\/git:latest/);
});

test("a jnlp container in the YAML is the agent's: completed, not replaced; a Jenkins agent image gives way to Kiln's", () => {
  const yaml = `spec:
  containers:
  - name: jnlp
    image: jenkins/inbound-agent:3206.vb_15dcf73f6a_9-1
    resources: { limits: { memory: 1Gi } }
    env: [{ name: EXTRA, value: '1' }, { name: KILN_URL, value: 'http://wrong/' }]
  - name: tools
    image: busybox
    volumeMounts: [{ name: cache, mountPath: /home/jenkins/agent }]
  volumes: [{ name: cache, emptyDir: {} }]
  affinity: { nodeAffinity: {} }`;
  const { pod, notes } = buildPod({ request: request({ yaml }), templates: [], agent, id });
  const jnlp = container(pod, 'jnlp');
  assert.equal(jnlp.image, 'kiln/agent:1');
  assert.match(notes[0]!, /asked for jenkins\/inbound-agent:.*a Jenkins agent image; it runs Kiln's agent image kiln\/agent:1 instead/);
  assert.deepEqual(jnlp.resources, { limits: { memory: '1Gi' } });
  assert.deepEqual((jnlp.env as Obj[]).map((e) => [e.name, e.value]).slice(0, 2), [['EXTRA', '1'], ['KILN_URL', agent.url]]);
  // Something is mounted at the work dir already in 'tools': left alone.
  assert.deepEqual(container(pod, 'tools').volumeMounts, [{ name: 'cache', mountPath: '/home/jenkins/agent' }]);
  const spec = pod.spec as Obj;
  assert.deepEqual((spec.volumes as Obj[]).map((v) => v.name), ['cache', 'workspace-volume']);
  // An affinity is a choice of nodes: no default node selector then.
  assert.equal(spec.nodeSelector, undefined);
});

test('templates: inheritance merges containers, env, mounts, volumes, labels, annotations, node selector and tolerations (merge); override replaces', () => {
  const base = template('base', `metadata:
  labels: { team: a, tier: base }
  annotations: { owner: ops }
spec:
  nodeSelector: { disk: ssd }
  tolerations: [{ key: ci, operator: Exists }]
  imagePullSecrets: [{ name: regcred }]
  containers:
  - name: maven
    image: maven:3.8
    env: [{ name: A, value: '1' }, { name: B, value: '2' }]
    resources: { requests: { cpu: '1' }, limits: { memory: 2Gi } }
    volumeMounts: [{ name: m2, mountPath: /root/.m2 }]
  volumes: [{ name: m2, emptyDir: {} }]`);
  const child = template('child', `metadata:
  labels: { tier: child }
spec:
  nodeSelector: { zone: b }
  tolerations: [{ key: gpu, operator: Exists }, { key: ci, operator: Exists }]
  containers:
  - name: maven
    image: maven:3.9
    env: [{ name: B, value: 'two' }, { name: C, value: '3' }]
    resources: { limits: { cpu: '2' } }
  - name: node
    image: node:24
  volumes: [{ name: m2, persistentVolumeClaim: { claimName: m2 } }]`, { inheritFrom: ['base'], yamlMergeStrategy: 'merge' });
  const merged = resolveTemplate('child', [base, child]);
  const md = merged.metadata as Obj;
  assert.deepEqual(md.labels, { team: 'a', tier: 'child' });
  assert.deepEqual(md.annotations, { owner: 'ops' });
  const spec = merged.spec as Obj;
  assert.deepEqual(spec.nodeSelector, { disk: 'ssd', zone: 'b' });
  assert.deepEqual(spec.tolerations, [{ key: 'ci', operator: 'Exists' }, { key: 'gpu', operator: 'Exists' }]);
  assert.deepEqual(spec.imagePullSecrets, [{ name: 'regcred' }]);
  assert.deepEqual(spec.volumes, [{ name: 'm2', persistentVolumeClaim: { claimName: 'm2' } }]);
  const maven = (spec.containers as Obj[])[0]!;
  assert.equal(maven.image, 'maven:3.9');
  assert.deepEqual(maven.env, [{ name: 'A', value: '1' }, { name: 'B', value: 'two' }, { name: 'C', value: '3' }]);
  assert.deepEqual(maven.resources, { requests: { cpu: '1' }, limits: { memory: '2Gi', cpu: '2' } });
  assert.deepEqual(maven.volumeMounts, [{ name: 'm2', mountPath: '/root/.m2' }]);
  assert.deepEqual((spec.containers as Obj[]).map((c) => c.name), ['maven', 'node']);

  // override (the default): the child's YAML replaces what it inherits; without YAML it inherits all.
  const over = resolveTemplate('child', [base, { ...child, yamlMergeStrategy: 'override' }]);
  assert.deepEqual(((over.spec as Obj).containers as Obj[]).map((c) => c.image), ['maven:3.9', 'node:24']);
  assert.equal((over.spec as Obj).imagePullSecrets, undefined);
  const bare = resolveTemplate('bare', [base, template('bare', '', { inheritFrom: ['base'] })]);
  assert.deepEqual(bare, parsePod(base.yaml, 'x'));

  // A pipeline inheriting from two templates: the later one wins, then the pipeline's own YAML.
  const other = template('other', 'spec:\n  containers:\n  - name: maven\n    image: maven:4\n');
  const { pod } = buildPod({ request: request({ inheritFrom: ['base', 'other'], yamlMergeStrategy: 'merge', yaml: 'spec:\n  containers:\n  - name: extra\n    image: busybox\n', defaultContainer: 'maven' }), templates: [base, other], agent, id });
  assert.deepEqual(containers(pod).map((c) => [c.name, c.image]), [['jnlp', 'kiln/agent:1'], ['maven', 'maven:4'], ['extra', 'busybox']]);
  assert.deepEqual((pod.spec as Obj).nodeSelector, { disk: 'ssd' });
});

test('mergePods leaves its inputs alone', () => {
  const a = parsePod('spec:\n  containers:\n  - name: x\n    image: a\n', 'a');
  const before = JSON.stringify(a);
  mergePods(a, parsePod('spec:\n  containers:\n  - name: x\n    image: b\n', 'b'));
  assert.equal(JSON.stringify(a), before);
});

test('errors that say what is wrong and where', () => {
  const bad = (f: () => unknown, re: RegExp) => assert.throws(f, (e: unknown) => e instanceof PodSpecError && re.test(e.message));
  bad(() => parsePod('spec:\n\tcontainers: []\n', 'the pipeline\'s pod YAML'), /^the pipeline's pod YAML line 2, column 1: /);
  bad(() => parsePod('kind: Deployment\n', 'p'), /kind must be Pod, got "Deployment"/);
  bad(() => parsePod('- a\n- b\n', 'p'), /a pod manifest is a map/);
  bad(() => parsePod('a: 1\n---\nb: 2\n', 'p'), /one pod per template: found 2 YAML documents/);
  bad(() => parsePod('spec:\n  containers:\n  - image: x\n', 'p'), /spec.containers\[0\] needs a name/);
  bad(() => parsePod('spec:\n  containers:\n  - name: maven\n', 'p'), /container 'maven' needs an image/);
  bad(() => resolveTemplate('nope', [template('a', '')]), /no pod template named 'nope' \(known: a\)/);
  bad(() => resolveTemplate('a', [template('a', '', { inheritFrom: ['b'] }), template('b', '', { inheritFrom: ['a'] })]), /inherit in a circle: a → b → a/);
  bad(() => buildPod({ request: request({ yaml: seedYaml, defaultContainer: 'gradle' }), templates: [], agent, id }), /defaultContainer 'gradle' is not a container of the pod \(it has: jnlp, git, maven\)/);
  bad(() => buildPod({ request: request({ yaml: 'spec:\n  containers:\n  - name: a\n    image: x\n  - name: a\n    image: y\n' }), templates: [], agent, id }), /two containers are named 'a'/);
  bad(() => buildPod({ request: request({ workingDir: 'relative' }), templates: [], agent, id }), /workingDir must be an absolute path/);
});

test('names and labels fit Kubernetes rules', () => {
  for (let i = 0; i < 50; i++) {
    const n = podName('Team A/' + 'Very Long Job Name '.repeat(6), 123456);
    assert.match(n, /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/);
    assert.match(n, /-123456-[0-9a-f]{6}$/);
  }
  assert.notEqual(podName('a', 1), podName('a', 1));
  assert.equal(labelValue('team/Seed App'), 'team_Seed_App');
  assert.equal(labelValue('--x--'), 'x');
  assert.equal(labelValue('a'.repeat(100)).length, 63);
  const { pod } = buildPod({ request: request({ namespace: 'ci', activeDeadlineSeconds: 600, serviceAccount: 'builder', nodeSelector: { pool: 'ci' }, workingDir: '/ws' }), templates: [], agent: { ...agent, tunnel: 'kiln-agent:50000' }, id });
  assert.equal((pod.metadata as Obj).namespace, 'ci');
  const spec = pod.spec as Obj;
  assert.deepEqual([spec.activeDeadlineSeconds, spec.serviceAccountName, spec.nodeSelector], [600, 'builder', { pool: 'ci' }]);
  assert.deepEqual((container(pod, 'jnlp').env as Obj[]).find((e) => e.name === 'KILN_TUNNEL'), { name: 'KILN_TUNNEL', value: 'kiln-agent:50000' });
  assert.equal(container(pod, 'jnlp').workingDir, '/ws');
});

test("a tool container's workingDir: the workspace is mounted there, its runner is found there, and its steps are moved under it", async () => {
  const yaml = 'spec:\n  containers:\n  - name: tool\n    image: busybox\n    workingDir: /src\n    command: [cat]\n    tty: true\n  - name: plain\n    image: busybox\n    command: [cat]\n';
  const built = buildPod({ request: request({ yaml }), templates: [], agent, id, name: 'p' });
  const tool = container(built.pod, 'tool');
  assert.deepEqual(tool.volumeMounts, [{ name: 'workspace-volume', mountPath: '/src', readOnly: false }]);
  assert.deepEqual(tool.command, ['sh', '-c', 'eval "$KILN_RUNNER_SH"', 'kiln-runner', '/src/.kiln/c/tool', 'cat']);
  assert.equal(tool.workingDir, '/src');
  assert.deepEqual(container(built.pod, 'plain').volumeMounts, [{ name: 'workspace-volume', mountPath: '/home/jenkins/agent', readOnly: false }]);
  assert.deepEqual(built.workdirs, { tool: '/src' });
  // The steps of container('tool'): working directory, arguments and env values moved.
  const { withContainerWorkdirs } = await import('../../../src/plugins/kubernetes/provider.ts');
  const seen: unknown[] = [];
  const ws = { exec: async (spec: unknown) => { seen.push(spec); return { exitCode: 0, signal: null, aborted: false }; } } as never;
  const moved = withContainerWorkdirs(ws, '/home/jenkins/agent', built.workdirs) as { exec(s: unknown): Promise<unknown> };
  const onOutput = () => {};
  await moved.exec({ container: 'tool', cwd: '/home/jenkins/agent/workspace/j', argv: ['sh', '/home/jenkins/agent/workspace/j@tmp/s.sh'], env: { WORKSPACE: '/home/jenkins/agent/workspace/j', X: '/home/jenkins/agentx' }, onOutput });
  await moved.exec({ container: 'plain', cwd: '/home/jenkins/agent/workspace/j', argv: ['true'], env: {}, onOutput });
  assert.deepEqual(seen, [
    { container: 'tool', cwd: '/src/workspace/j', argv: ['sh', '/src/workspace/j@tmp/s.sh'], env: { WORKSPACE: '/src/workspace/j', X: '/home/jenkins/agentx' }, onOutput },
    { container: 'plain', cwd: '/home/jenkins/agent/workspace/j', argv: ['true'], env: {}, onOutput },
  ]);
});

test("an inheritFrom name no template has is skipped with a note, as the plugin skips it; the pod is the request's own", () => {
  const base = template('base', 'spec:\n  containers:\n  - name: golang\n    image: golang:1\n');
  const built = buildPod({ request: request({ yaml: 'spec:\n  containers:\n  - name: maven\n    image: maven:3\n', inheritFrom: ['-'] }), templates: [base], agent, id });
  const names = (built.pod.spec as { containers: { name: string }[] }).containers.map((c) => c.name);
  assert.deepEqual(names.sort(), ['jnlp', 'maven']);
  assert.ok(built.notes.includes("inheritFrom: no pod template named '-' (known: base); skipped, as the kubernetes plugin skips it"), built.notes.join('\n'));
  // A known one next to it is still inherited; an unknown one inside a template's own inheritFrom is skipped too.
  const child = template('child', '', { inheritFrom: ['base', 'gone'] });
  const both = buildPod({ request: request({ inheritFrom: ['child'] }), templates: [base, child], agent, id });
  assert.ok((both.pod.spec as { containers: { name: string }[] }).containers.some((c) => c.name === 'golang'));
  assert.ok(both.notes.some((n) => n.startsWith("inheritFrom: no pod template named 'gone'")), both.notes.join('\n'));
});

test("args a pipeline gives the agent container (Jenkins' agent's `${computer.jnlpmac} ${computer.name}`) are dropped where Kiln gives its command, saying so", () => {
  const yaml = "spec:\n  containers:\n  - name: jnlp\n    image: jenkins/jnlp-slave:3.10-1-alpine\n    args: ['${computer.jnlpmac}', '${computer.name}']\n";
  const built = buildPod({ request: request({ yaml }), templates: [], agent, id });
  const jnlp = (built.pod.spec as { containers: Record<string, unknown>[] }).containers.find((c) => c.name === 'jnlp')!;
  assert.deepEqual(jnlp.command, ['kiln', 'agent']);
  assert.equal(jnlp.args, undefined);
  assert.ok(built.notes.includes(`container 'jnlp': its args (["\${computer.jnlpmac}","\${computer.name}"]) are for Jenkins' agent; Kiln's agent takes none, so they are dropped`), built.notes.join('\n'));
  // A command of the pipeline's own keeps its args (the plugin's errorPod runs `sh -ec ...` in jnlp).
  const own = buildPod({ request: request({ yaml: "spec:\n  containers:\n  - name: jnlp\n    command: [sh]\n    args: ['-ec', 'echo Foo; exit 1']\n" }), templates: [], agent, id });
  const j2 = (own.pod.spec as { containers: Record<string, unknown>[] }).containers.find((c) => c.name === 'jnlp')!;
  assert.deepEqual([j2.command, j2.args], [['sh'], ['-ec', 'echo Foo; exit 1']]);
});
