// Scripted podTemplate as the kubernetes-plugin has it, without a cluster: `kiln lint` accepts the
// classic options (and still refuses what the plugin would not take), and the pod a build asks
// for (the engine's node request, caught by a node provider that then runs the block locally) is
// exactly the pod those options describe: env vars and secret env vars, every volume type,
// workspace volumes, annotations, pull secrets, security context, ports, probes, resources.
// Also: a label of two words, nested templates, label-less templates and plain node { },
// POD_CONTAINER. Pods that really run: pods.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';
import { PipelineRun } from '../../../src/pipeline/engine/engine.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';
import type { AgentRequest, NodeProvider } from '../../../src/core/nodes.ts';
import type { BuildState } from '../../../src/pipeline/engine/state.ts';
import { buildPod, parsePod, type Obj } from '../../../src/plugins/kubernetes/podspec.ts';
import { splitCommand } from '../../../src/plugins/kubernetes/classic.ts';
import { registry } from '../../helpers/registry.ts';
import { tempDir } from '../../helpers/tmp.ts';

const lint = (src: string) => loadPipeline(src, registry).diagnostics.map((d) => formatDiagnostic('Jenkinsfile', d));

/** Runs a scripted Jenkinsfile; node requests are recorded and served by a local workspace. */
async function run(src: string): Promise<{ state: BuildState; console: string; requests: AgentRequest[] }> {
  const loaded = loadPipeline(src, registry);
  if (!loaded.model) throw new Error(loaded.diagnostics.map((d) => formatDiagnostic('Jenkinsfile', d)).join('\n'));
  const root = tempDir('pod-template');
  const backend = new LocalBackend({ root: path.join(root, 'nodes'), labels: ['linux'] });
  const requests: AgentRequest[] = [];
  const nodes: NodeProvider = {
    async allocate(req, build) {
      requests.push(req);
      const ws = await backend.allocate({ build, path: path.join(root, 'ws') });
      return { workspace: ws, release: () => ws.release() };
    },
  };
  const chunks: Buffer[] = [];
  const r = new PipelineRun({
    registry, model: loaded.model, file: 'Jenkinsfile', nodes,
    build: { job: 'pt', number: 3, id: 'pt#3', url: 'http://kiln.test/job/pt/3/' },
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/root', LC_ALL: 'C' },
    services: {
      stashes: { put: async () => {}, get: async () => undefined },
      artifacts: { put: async () => {} },
      tests: { record: async () => {} },
      credential: async (id) => { throw new Error(`no credential ${id}`); },
      triggerJob: async () => { throw new Error('no'); },
    },
    listener: { output: (d) => { chunks.push(d); }, input: () => {} },
  });
  const state = await r.run().finally(() => backend.close());
  return { state, console: Buffer.concat(chunks).toString('utf8'), requests };
}

const CLASSIC = `podTemplate(
  label: 'maven-pod builder',
  yamlMergeStrategy: merge(), podRetention: onFailure(), idleMinutes: 2, showRawYaml: false, instanceCap: 3, slaveConnectTimeout: 120,
  hostNetwork: false, runAsUser: '1000', runAsGroup: '1001', supplementalGroups: '5, 6', nodeUsageMode: 'EXCLUSIVE',
  serviceAccount: 'builder', nodeSelector: 'disk=ssd', activeDeadlineSeconds: 600,
  envVars: [envVar(key: 'MAVEN_OPTS', value: '-Xmx1g'), secretEnvVar(key: 'TOKEN', secretName: 'ci-secrets', secretKey: 'token', optional: true)],
  volumes: [
    emptyDirVolume(mountPath: '/cache/', memory: true),
    hostPathVolume(hostPath: '/var/run/docker.sock', mountPath: '/var/run/docker.sock'),
    persistentVolumeClaim(claimName: 'm2', mountPath: '/root/.m2', readOnly: true),
    configMapVolume(configMapName: 'settings', mountPath: '/etc/maven/settings.xml', subPath: 'settings.xml'),
    secretVolume(secretName: 'ssh', mountPath: '/ssh', defaultMode: '0400'),
    nfsVolume(serverAddress: 'nfs.local', serverPath: '/exports/ci', mountPath: '/nfs', readOnly: false),
    emptyDirVolume(mountPath: '/cache'),
  ],
  workspaceVolume: dynamicPVC(requestsSize: '2Gi', storageClassName: 'fast'),
  annotations: [podAnnotation(key: 'team', value: 'build')],
  imagePullSecrets: ['registry-creds'],
  containers: [
    containerTemplate(name: 'maven', image: 'maven:3.9', command: 'sleep', args: '99d "a b"', ttyEnabled: true, alwaysPullImage: true,
      privileged: true, runAsUser: '0', workingDir: '/home/jenkins/agent', shell: '/bin/bash',
      resourceRequestCpu: '500m', resourceRequestMemory: '1Gi', resourceRequestEphemeralStorage: '1Gi', resourceLimitMemory: '2Gi', resourceLimitEphemeralStorage: '4Gi',
      envVars: [containerEnvVar(key: 'MAVEN_OPTS', value: '-Xmx2g'), secretEnvVar(key: 'DB', secretName: 'db', secretKey: 'password')],
      ports: [portMapping(name: 'http', containerPort: 8080, hostPort: 18080)],
      livenessProbe: containerLivenessProbe(execArgs: 'cat /tmp/healthy', initialDelaySeconds: 5, timeoutSeconds: 2, failureThreshold: 3, periodSeconds: 10, successThreshold: 1)),
  ]) {
  node('builder') { sh 'echo "in $POD_LABEL"' }
}`;

test('lint accepts the classic podTemplate and containerTemplate options', () => {
  assert.deepEqual(lint(CLASSIC), []);
  assert.deepEqual(lint(`podTemplate(workspaceVolume: emptyDirWorkspaceVolume(memory: true), yamlMergeStrategy: override(), podRetention: never()) { node(POD_LABEL) { sh 'true' } }`), []);
  assert.deepEqual(lint(`podTemplate(workspaceVolume: persistentVolumeClaimWorkspaceVolume(claimName: 'ws', readOnly: false)) { podTemplate(workspaceVolume: hostPathWorkspaceVolume(hostPath: '/tmp/ws'), podRetention: always()) { node(POD_LABEL) { container('jnlp') { sh 'true' } } } }`), []);
});

test('lint still refuses what the plugin does not have', () => {
  assert.deepEqual(lint(`podTemplate(volumes: [tmpfsVolume(mountPath: '/x')]) { node(POD_LABEL) { sh 'true' } }`), [
    "Jenkinsfile:1:23: No such DSL method 'tmpfsVolume' found among steps",
  ]);
  assert.match(lint(`podTemplate(envVars: [secretEnvVar(key: 'A', secretName: 's')]) { node(POD_LABEL) { sh 'true' } }`).join('\n'), /secretKey/);
  assert.match(lint(`podTemplate(nodeUsageMode: 'SOMETIMES') { node(POD_LABEL) { sh 'true' } }`).join('\n'), /NORMAL|EXCLUSIVE/);
  // a parameter the step lacks: scripted code, so Jenkins' warning (structs' DescribableModel), not an error
  assert.match(lint(`podTemplate(volume: []) { node(POD_LABEL) { sh 'true' } }`).join('\n'), /warning: Unknown parameter "volume" for step podTemplate \(did you mean "volumes"\?\).*class type 'org\.csanchez\.jenkins\.plugins\.kubernetes\.pipeline\.PodTemplateStep': volume$/);
});

test('the classic options make exactly the pod the plugin builds from them', async () => {
  const { state, console, requests } = await run(CLASSIC);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /\nin maven-pod builder\n/);
  assert.equal(requests.length, 1);
  const req = requests[0]!;
  assert.equal(req.type, 'kubernetes');
  const { yaml, ...options } = req.options;
  assert.deepEqual(options, {
    inheritFrom: null, cloud: null, namespace: null, serviceAccount: 'builder', nodeSelector: 'disk=ssd', workingDir: null, agentContainer: null,
    yamlMergeStrategy: 'merge', podRetention: 'onFailure', activeDeadlineSeconds: 600, idleMinutes: 2, instanceCap: 3,
    slaveConnectTimeout: 120, showRawYaml: false, containerShells: '{"maven":"/bin/bash"}', labels: 'maven-pod builder', nodeUsageMode: 'EXCLUSIVE',
  });
  const mounts = [
    { name: 'volume-0', mountPath: '/cache', readOnly: false },
    { name: 'volume-1', mountPath: '/var/run/docker.sock', readOnly: false },
    { name: 'volume-2', mountPath: '/root/.m2', readOnly: false },
    { name: 'volume-3', mountPath: '/etc/maven/settings.xml', readOnly: false, subPath: 'settings.xml' },
    { name: 'volume-4', mountPath: '/ssh', readOnly: false },
    { name: 'volume-5', mountPath: '/nfs', readOnly: false },
  ];
  const token = { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'ci-secrets', key: 'token', optional: true } } };
  assert.deepEqual(parsePod(String(yaml), 'pod'), {
    metadata: { annotations: { team: 'build' } },
    spec: {
      containers: [
        {
          name: 'maven', image: 'maven:3.9', imagePullPolicy: 'Always',
          securityContext: { privileged: true, runAsUser: 0 },
          workingDir: '/home/jenkins/agent',
          volumeMounts: mounts,
          env: [{ name: 'MAVEN_OPTS', value: '-Xmx2g' }, token, { name: 'DB', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
          ports: [{ name: 'http', containerPort: 8080, hostPort: 18080 }],
          command: ['sleep'], args: ['99d', 'a b'],
          livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, timeoutSeconds: 2, failureThreshold: 3, periodSeconds: 10, successThreshold: 1 },
          tty: true,
          resources: { requests: { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi' }, limits: { memory: '2Gi', 'ephemeral-storage': '4Gi' } },
        },
        { name: 'jnlp', volumeMounts: mounts, env: [{ name: 'MAVEN_OPTS', value: '-Xmx1g' }, token] },
      ],
      volumes: [
        { name: 'volume-0', emptyDir: { medium: 'Memory' } },
        { name: 'volume-1', hostPath: { path: '/var/run/docker.sock' } },
        { name: 'volume-2', persistentVolumeClaim: { claimName: 'm2', readOnly: true } },
        { name: 'volume-3', configMap: { name: 'settings' } },
        { name: 'volume-4', secret: { secretName: 'ssh', defaultMode: 0o400 } },
        { name: 'volume-5', nfs: { server: 'nfs.local', path: '/exports/ci', readOnly: false } },
        { name: 'workspace-volume', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } }, storageClassName: 'fast' } } } },
      ],
      imagePullSecrets: [{ name: 'registry-creds' }],
      securityContext: { runAsUser: 1000, runAsGroup: 1001, supplementalGroups: [5, 6] },
      hostNetwork: false,
    },
  });
});

test("the final pod: the template's workspace volume is kept, the agent completed, the volumes mounted in it", async () => {
  const { requests } = await run(CLASSIC);
  const o = requests[0]!.options;
  const { pod } = buildPod({
    request: { yaml: String(o.yaml), inheritFrom: [], yamlMergeStrategy: 'merge', defaultContainer: null, namespace: null, activeDeadlineSeconds: 600, serviceAccount: 'builder', nodeSelector: { disk: 'ssd' }, workingDir: null },
    templates: [], agent: { name: 'pt-3-abcdef', url: 'http://kiln/', secret: 's3cret', tunnel: null, image: 'kiln/agent:1' },
    id: { controllerId: 'c', job: 'pt', build: 3, buildUrl: 'http://kiln/job/pt/3/' }, name: 'pt-3-abcdef',
  });
  const spec = pod.spec as Obj;
  assert.deepEqual((spec.volumes as Obj[]).filter((v) => v.name === 'workspace-volume').length, 1);
  assert.ok((spec.volumes as Obj[]).find((v) => v.name === 'workspace-volume')!.ephemeral);
  const jnlp = (spec.containers as Obj[]).find((c) => c.name === 'jnlp')!;
  assert.equal(jnlp.image, 'kiln/agent:1');
  assert.deepEqual((jnlp.volumeMounts as Obj[]).map((m) => m.mountPath), ['/cache', '/var/run/docker.sock', '/root/.m2', '/etc/maven/settings.xml', '/ssh', '/nfs', '/home/jenkins/agent']);
  assert.deepEqual((jnlp.env as Obj[]).slice(0, 2).map((e) => e.name), ['MAVEN_OPTS', 'TOKEN']);
  assert.equal(spec.serviceAccountName, 'builder');
  assert.deepEqual(spec.nodeSelector, { disk: 'ssd' });
  assert.equal(spec.activeDeadlineSeconds, 600);
});

test('bad classic options fail the build with what is wrong', async () => {
  const cases: [string, RegExp][] = [
    [`podTemplate(volumes: [emptyDirVolume(mountPath: 'cache')]) { node(POD_LABEL) { sh 'true' } }`, /emptyDirVolume: mountPath must be an absolute path, got 'cache'/],
    [`podTemplate(volumes: [secretVolume(secretName: 's', mountPath: '/s', defaultMode: '0999')]) { node(POD_LABEL) { sh 'true' } }`, /secretVolume: defaultMode is an octal mode like '0644', got '0999'/],
    [`podTemplate(envVars: [envVar(key: 'A B', value: 'x')]) { node(POD_LABEL) { sh 'true' } }`, /envVar: 'A B' is not a valid environment variable name/],
    [`podTemplate(supplementalGroups: 'wheel') { node(POD_LABEL) { sh 'true' } }`, /supplementalGroups is a comma-separated list of group ids, got 'wheel'/],
    [`podTemplate(containers: [containerTemplate(name: 'a', image: 'x'), containerTemplate(name: 'a', image: 'y')]) { node(POD_LABEL) { sh 'true' } }`, /two containerTemplates are named 'a'/],
  ];
  for (const [src, why] of cases) {
    const { state, console, requests } = await run(src);
    assert.equal(state.result, 'FAILURE', src);
    assert.match(console, why);
    assert.equal(requests.length, 0);
  }
});

test("label 'a b': node('a') and node('b') get the pod; a label-less (or NORMAL) template serves node { }; POD_LABEL names it", async () => {
  const { state, console, requests } = await run(`
podTemplate(label: 'alpha beta', yaml: 'metadata:\\n  namespace: team') {
  node('alpha') { sh 'echo one' }
  node('beta') { sh 'echo two' }
}
podTemplate(containers: [containerTemplate(name: 'tool', image: 'busybox', command: 'cat', ttyEnabled: true)]) {
  node { sh 'echo plain' }
  node(POD_LABEL) { sh 'echo labelled' }
}
podTemplate(label: 'only-mine') {
  node { sh 'echo elsewhere' }
}
podTemplate(label: 'shared', nodeUsageMode: 'NORMAL') {
  node { sh 'echo shared' }
}
node { sh 'echo outside' }`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.deepEqual(requests.map((r) => [r.type, r.label]), [
    ['kubernetes', 'alpha beta'], ['kubernetes', 'alpha beta'],
    ['kubernetes', requests[2]!.label], ['kubernetes', requests[2]!.label],
    ['any', null], ['kubernetes', 'shared'], ['any', null],
  ]);
  assert.match(String(requests[2]!.label), /^pt_3-[0-9a-f]{6}$/);
  assert.match(String(requests[0]!.options.yaml), /namespace: team/);
});

test('a podTemplate inside another inherits it: both containers, both volumes, the env; the inner one wins by name', async () => {
  const { state, console, requests } = await run(`
podTemplate(inheritFrom: 'base', cloud: 'k8s', envVars: [envVar(key: 'LEVEL', value: 'outer')],
    volumes: [emptyDirVolume(mountPath: '/cache')],
    containers: [containerTemplate(name: 'maven', image: 'maven:3.9', command: 'cat', ttyEnabled: true)]) {
  podTemplate(envVars: [envVar(key: 'LEVEL', value: 'inner')],
      volumes: [hostPathVolume(hostPath: '/var/run/docker.sock', mountPath: '/var/run/docker.sock')],
      containers: [containerTemplate(name: 'docker', image: 'docker:27', command: 'cat', ttyEnabled: true)]) {
    node(POD_LABEL) { sh 'true' }
  }
}`);
  assert.equal(state.result, 'SUCCESS', console);
  const o = requests[0]!.options;
  assert.equal(o.inheritFrom, 'base');
  assert.equal(o.cloud, 'k8s');
  const pod = parsePod(String(o.yaml), 'pod');
  const spec = pod.spec as Obj;
  const containers = spec.containers as Obj[];
  assert.deepEqual(containers.map((c) => c.name), ['maven', 'jnlp', 'docker']);
  const jnlp = containers.find((c) => c.name === 'jnlp')!;
  assert.deepEqual(jnlp.env, [{ name: 'LEVEL', value: 'inner' }]);
  assert.deepEqual((jnlp.volumeMounts as Obj[]).map((m) => m.mountPath), ['/cache', '/var/run/docker.sock']);
  // Numbered on from the outer template's, as the plugin numbers the combined template's.
  assert.deepEqual(spec.volumes, [{ name: 'volume-0', emptyDir: {} }, { name: 'volume-1', hostPath: { path: '/var/run/docker.sock' } }]);
  assert.deepEqual((jnlp.volumeMounts as Obj[]).map((m) => m.name), ['volume-0', 'volume-1']);
});

test('POD_CONTAINER is the container of the block', async () => {
  // Locally there are no containers: container() says so; the variable is checked on the pods (pods.test.ts).
  assert.deepEqual(lint(`podTemplate { node(POD_LABEL) { container('jnlp') { sh 'echo $POD_CONTAINER' } } }`), []);
});

test('commands split as the plugin splits them', () => {
  assert.deepEqual(splitCommand('sh -c "sleep 5; echo hi"'), ['sh', '-c', 'sleep 5; echo hi']);
  assert.deepEqual(splitCommand('cat'), ['cat']);
  assert.deepEqual(splitCommand('  java   -jar x.jar '), ['java', '-jar', 'x.jar']);
});

test("declarative kubernetes { containerTemplate { ... } }: lint reads it; the container joins the pod's YAML and is the default container", async () => {
  const src = (extra: string) => `pipeline {
  agent {
    kubernetes {
      yaml '''
spec:
  containers:
  - name: maven
    image: maven:3.8
    env:
    - name: A
      value: from-yaml
'''
      containerTemplate {
        name 'maven'
        image 'maven:3.9'
        command 'sleep'
        args 'infinity'
        resourceRequestEphemeralStorage '1Gi'
      }
${extra}    }
  }
  stages { stage('A') { steps { sh 'echo "in $POD_CONTAINER"' } } }
}`;
  assert.deepEqual(lint(src('')), []);
  assert.deepEqual(lint(src("      instanceCap 2\n      showRawYaml false\n      idleMinutes 1\n")), []);
  assert.deepEqual(lint(src("      containerTemplate { nme 'x' }\n")), [
    'Jenkinsfile:20:7: Multiple occurrences of "containerTemplate" for agent type "kubernetes"',
  ]);
  assert.match(lint(src('').replace("args 'infinity'", "argz 'infinity'")).join('\n'), /Invalid option "argz" of "containerTemplate"\. Valid options are \[name, image, .*\]\. Did you mean "args"\?/);
  assert.match(lint(src('').replace("args 'infinity'", "args { 'x' }")).join('\n'), /agent key "args" does not take a block/);
  const runtime = (await import('../../../src/plugins/kubernetes/runtime.ts')).default;
  const req = runtime.agentTypes!.kubernetes!.evaluate({
    type: 'kubernetes', label: null, customWorkspace: null, loc: null,
    options: { yaml: "spec:\n  containers:\n  - name: maven\n    image: maven:3.8\n    env:\n    - name: A\n      value: from-yaml\n", containerTemplate: JSON.stringify({ name: 'maven', image: 'maven:3.9', command: 'sleep', args: 'infinity' }), defaultContainer: null },
  }, { scmFiles: null, scm: null, scope: null as never }) as AgentRequest;
  assert.equal(req.options.defaultContainer, 'maven');
  assert.equal(req.options.containerTemplate, undefined);
  assert.deepEqual(parsePod(String(req.options.yaml), 'pod'), {
    spec: { containers: [{ name: 'maven', image: 'maven:3.9', env: [{ name: 'A', value: 'from-yaml' }], imagePullPolicy: 'IfNotPresent', command: ['sleep'], args: ['infinity'] }] },
  });
});

test('declarative containerTemplate values may be expressions, as Jenkins\' parseClosureMap takes them: evaluated when the agent starts', async () => {
  const src = `def REGISTRY = 'registry.example:5000'
pipeline {
  agent {
    kubernetes {
      containerTemplate {
        name 'tool'
        image REGISTRY + '/team/tool:' + env.BUILD_NUMBER
        command 'sleep'
        args "\${'infin' + 'ity'}"
      }
    }
  }
  stages { stage('A') { steps { sh 'true' } } }
}`;
  assert.deepEqual(lint(src), []);
  const { state, console, requests } = await run(src);
  assert.equal(state.result, 'SUCCESS', console);
  const o = requests[0]!.options;
  const tool = ((parsePod(String(o.yaml), 'pod').spec as Obj).containers as Obj[]).find((c) => c.name === 'tool')!;
  assert.equal(tool.image, 'registry.example:5000/team/tool:3');
  assert.deepEqual(tool.command, ['sleep']);
  assert.deepEqual(tool.args, ['infinity']);
  assert.equal(o.defaultContainer, 'tool');
  assert.equal(o['containerTemplate.image'], undefined);
  // The expression is checked as any other: an unknown step in it is an error at its place.
  assert.deepEqual(lint(src.replace("REGISTRY + '/team", "nosuchStep('x') + '/team")), [
    "Jenkinsfile:7:15: No such DSL method 'nosuchStep' found among steps",
  ]);
});
