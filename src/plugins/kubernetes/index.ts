// The Kubernetes plugin: pods per build (a Kubernetes cloud of the controller, or a pod on a
// Docker engine), and deploying to a cluster. What it declares, as data that validation and
// `kiln lint` read without loading anything else (check.ts is the agent type's check: YAML, no
// Kubernetes client):
//   steps        podTemplate, container, containerLog, kubernetesApply, withKubeConfig,
//                withKubeCredentials;
//                kubernetesDeploy (the Kubernetes Continuous Deploy plugin's, on apply.ts); the
//                symbols of podTemplate's classic options (containerTemplate, envVar,
//                secretEnvVar, the volumes, the workspace volumes, podAnnotation, portMapping,
//                containerLivenessProbe, never/always/onFailure, merge/override)
//   global       POD_LABEL (the variable podTemplate sets: node(POD_LABEL) { ... })
//   agent type   `agent { kubernetes { yaml '''...'''; defaultContainer 'maven' } }`, whose
//                `yamlFile` the hosts read beside the Jenkinsfile
// What runs is runtime.ts, loaded when a build first uses one of them. The pods themselves come
// from provisioner.ts: the controller's Kubernetes clouds (cloud type `kubernetes`: provider.ts,
// cloud.ts), or, when none takes the request, the Docker plugin's pods on one engine.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { AgentOptionDecl } from '../../core/plugin.ts';
import type { PipelineAgentType, PipelinePlugin } from '../../pipeline/plugin.ts';
import { checkKubernetesAgent } from './check.ts';

const value = (name: string, doc: string): AgentOptionDecl => ({ name, type: 'value', doc });
const int = (name: string, doc: string): AgentOptionDecl => ({ name, type: 'integer', doc });

/** The literal options of containerTemplate (scripted and declarative). */
const CONTAINER_KEYS = [
  'name', 'image', 'command', 'args', 'ttyEnabled', 'workingDir', 'alwaysPullImage', 'privileged', 'runAsUser', 'runAsGroup',
  'resourceRequestCpu', 'resourceRequestMemory', 'resourceRequestEphemeralStorage', 'resourceLimitCpu', 'resourceLimitMemory', 'resourceLimitEphemeralStorage', 'shell',
];

const kubernetes: PipelineAgentType = {
  name: 'kubernetes',
  doc: "Run the steps in a pod made for the build: kubernetes { yaml '''...'''; defaultContainer 'maven' }.",
  options: [
    value('yaml', 'the pod, as YAML'),
    value('yamlFile', "a file of the Jenkinsfile's repository holding the pod's YAML"),
    { name: 'yamlMergeStrategy', type: 'symbol', values: ['override', 'merge'], doc: 'how the pod merges with the templates it inherits from' },
    value('defaultContainer', 'the container steps run in outside container(...) (default: the containerTemplate\'s)'),
    {
      name: 'containerTemplate', type: 'block', keys: CONTAINER_KEYS,
      doc: "a container of the pod, in the classic options' words: containerTemplate { name 'maven'; image 'maven:3.9'; command 'sleep'; args 'infinity' }; steps run in it by default. A value may be an expression (image REGISTRY + '/maven:' + TAG), evaluated when the agent starts",
    },
    value('inheritFrom', 'pod templates of the cloud to start from, space-separated'),
    value('cloud', 'which cloud makes the pod'),
    value('namespace', 'namespace of the pod'),
    value('label', 'label of the pod'),
    { name: 'podRetention', type: 'symbol', values: ['never', 'onFailure', 'always', 'default'], doc: 'whether the pod is kept after the build' },
    int('idleMinutes', "keep the pod this long for the job's next build"),
    int('activeDeadlineSeconds', "the pod's deadline"),
    int('instanceCap', 'pods of this template at once'),
    int('slaveConnectTimeout', "seconds to wait for the pod's agent to connect"),
    int('retries', 'attempts in all on a new pod when the pod or its agent is lost: the block runs in retry(count: N, conditions: [kubernetesAgent(), nonresumable()])'),
    value('serviceAccount', 'service account of the pod'),
    value('nodeSelector', 'key=value[,key=value] of the nodes it may run on'),
    value('workingDir', "the agent's work directory in the pod"),
    value('customWorkspace', 'workspace directory in the pod'),
    { name: 'showRawYaml', type: 'boolean', doc: "print the pod's YAML in the console" },
    {
      name: 'containerTemplates', type: 'literal',
      doc: "containers of the pod in the classic options' words: containerTemplates([containerTemplate(name: 'maven', image: 'maven:3.9', command: 'sleep', args: 'infinity'), ...])",
    },
    { name: 'workspaceVolume', type: 'literal', doc: 'the workspace volume: emptyDirWorkspaceVolume(), dynamicPVC(...), persistentVolumeClaimWorkspaceVolume(...), hostPathWorkspaceVolume(...)' },
    value('supplementalGroups', "extra group ids of the pod's securityContext, comma-separated"),
    value('agentContainer', 'the container steps run in outside container(...): a tool image with no agent of its own (it gets Kiln\'s step runner; Kiln\'s agent stays in jnlp)'),
    { name: 'agentInjection', type: 'boolean', doc: 'accepted: Kiln always brings its own agent (in jnlp) and injects its step runner into the agentContainer' },
  ],
  usage: "kubernetes { yaml '''...''' }",
  files: ['yamlFile'],
  check: checkKubernetesAgent,
};

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const int2 = (name: string, doc: string, required = false): StepParam => ({ name, type: 'integer', doc, ...(required ? { required } : {}) });
const symbol = (name: string, doc: string, params: StepParam[]): StepDecl => ({ name, doc, params, block: 'none', needsNode: false, kind: 'symbol' });

export const kubernetesPlugin: PipelinePlugin = {
  name: 'kubernetes',
  doc: 'Kubernetes: pods per build (agent kubernetes, podTemplate, container), kubernetesApply, withKubeConfig, withKubeCredentials',
  steps: [
    {
      name: 'container',
      doc: "Run the block's commands in a named container of the pod: container('maven') { sh 'mvn test' }.",
      params: [
        { name: 'name', type: 'string', required: true, doc: 'container name in the pod' },
        { name: 'shell', type: 'string', doc: 'shell to run sh steps with in that container' },
      ],
      positional: 'name',
      block: 'required',
      needsNode: true,
    },
    {
      name: 'containerLog',
      doc: "Print (or return) a container's log from the Kubernetes API: containerLog 'mongo', containerLog(name: 'mongo', returnLog: true, tailingLines: 50).",
      params: [
        { name: 'name', type: 'string', required: true, doc: 'container name in the pod' },
        { name: 'returnLog', type: 'boolean', doc: 'return the log instead of printing it' },
        { name: 'tailingLines', type: 'integer', doc: 'only the last lines' },
        { name: 'sinceSeconds', type: 'integer', doc: 'only what came in the last seconds' },
        { name: 'limitBytes', type: 'integer', doc: 'at most this many bytes' },
      ],
      positional: 'name',
      block: 'none',
      needsNode: true,
    },
    {
      name: 'kubernetesApply',
      doc: "Server-side apply Kubernetes manifests and wait for Deployments to roll out: kubernetesApply(file: 'k8s/*.yaml', namespace: 'app', credentialsId: 'kubeconfig').",
      params: [
        { name: 'file', type: 'string', doc: "a manifest file of the workspace, a directory, or an Ant glob ('k8s/*.yaml'); multi-document YAML or JSON" },
        { name: 'files', type: 'string-or-list', doc: 'several files, directories or globs, applied in order' },
        { name: 'text', type: 'string', doc: 'manifests as text (applied after the files)' },
        { name: 'namespace', type: 'string', doc: "namespace of objects that name none (default: the kubeconfig context's, or 'default')" },
        { name: 'credentialsId', type: 'string', required: true, doc: 'a secret file credential (a kubeconfig) or a secret text (a token, with serverUrl)' },
        { name: 'serverUrl', type: 'string', doc: "the API server's URL (required with a token; overrides the kubeconfig's)" },
        { name: 'caCertificate', type: 'string', doc: "the cluster's CA certificate, PEM or base64 of PEM (default: the kubeconfig's, or the system's CAs)" },
        { name: 'wait', type: 'boolean', doc: 'wait for every applied Deployment to roll out (default true)' },
        { name: 'timeout', type: 'integer', doc: 'seconds to wait for the rollouts (default 300)' },
        { name: 'rollbackOnFailure', type: 'boolean', doc: 'when a rollout fails, put back the pod template its Deployment had before (default false); the step fails either way' },
        { name: 'fieldManager', type: 'string', doc: "server-side apply field manager (default 'kiln')" },
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'kubernetesDeploy',
      jenkinsPlugin: 'Kubernetes Continuous Deploy',
      jenkinsClass: 'com.microsoft.jenkins.kubernetes.KubernetesDeploy',
      doc: "Apply Kubernetes configs with $VAR substitution: kubernetesDeploy(kubeconfigId: 'kubeconfig', configs: 'k8s/*.yaml', enableConfigSubstitution: true).",
      differs: "applied by server-side apply from the Kiln process (kubernetesApply's machinery); the kubeconfig is a secret file (or secret text) credential; no SSH or text cluster credentials, no deleteResource, no Helm",
      params: [
        { name: 'kubeconfigId', type: 'string', required: true, doc: 'a secret file credential holding a kubeconfig (or a secret text holding one)' },
        { name: 'configs', type: 'string', required: true, doc: "the config files, Ant patterns comma separated ('k8s/*.yaml,svc.yml')" },
        { name: 'enableConfigSubstitution', type: 'boolean', doc: "replace $VAR and ${VAR} in the configs with the build's environment (default true)" },
        { name: 'secretName', type: 'string', doc: 'with dockerCredentials: the registry Secret to create or update (default: from the job and build); $KUBERNETES_SECRET_NAME in the configs' },
        { name: 'secretNamespace', type: 'string', doc: "the Secret's namespace (default 'default')" },
        { name: 'dockerCredentials', type: 'list', doc: "registries: [[credentialsId: 'registry', url: 'https://registry.example.com']] (username/password credentials; url default Docker Hub)" },
        { name: 'deleteResource', type: 'boolean', refused: { value: true, why: 'Kiln applies the configs; delete with kubectl in withKubeConfig' }, doc: 'refused when true' },
      ],
      block: 'none',
      needsNode: true,
    },
    {
      name: 'podTemplate',
      doc: "Define a pod for node(POD_LABEL) { ... }: podTemplate(yaml: '...') { node(POD_LABEL) { container('x') { ... } } }.",
      params: [
        { name: 'yaml', type: 'string', doc: 'pod spec YAML' },
        { name: 'label', type: 'string', doc: "label(s) of the pod, space-separated (default: generated, in POD_LABEL); node('one of them') gets it" },
        { name: 'name', type: 'string', doc: 'template name' },
        { name: 'cloud', type: 'string', doc: 'which Kubernetes cloud' },
        { name: 'namespace', type: 'string', doc: 'namespace of the pod' },
        { name: 'inheritFrom', type: 'string', doc: 'parent templates, space-separated' },
        { name: 'containers', type: 'list', doc: 'containerTemplate(...) entries' },
        { name: 'envVars', type: 'list', doc: 'envVar(key, value) / secretEnvVar(key, secretName, secretKey) entries, for every container' },
        { name: 'volumes', type: 'list', doc: 'emptyDirVolume, hostPathVolume, persistentVolumeClaim, configMapVolume, secretVolume, nfsVolume entries, mounted in every container' },
        { name: 'workspaceVolume', type: 'any', doc: 'the workspace volume: emptyDirWorkspaceVolume(), dynamicPVC(...), persistentVolumeClaimWorkspaceVolume(...), hostPathWorkspaceVolume(...)' },
        { name: 'annotations', type: 'list', doc: 'podAnnotation(key, value) entries' },
        { name: 'imagePullSecrets', type: 'list', doc: 'names of Secrets to pull images with' },
        { name: 'serviceAccount', type: 'string', doc: 'service account' },
        { name: 'nodeSelector', type: 'string', doc: 'node selector: key=value[,key=value]' },
        { name: 'nodeUsageMode', type: 'string', values: ['NORMAL', 'EXCLUSIVE'], doc: "NORMAL: a plain node { } may use the pod too; EXCLUSIVE: only node('label')" },
        { name: 'workingDir', type: 'string', doc: 'agent work dir' },
        { name: 'yamlMergeStrategy', type: 'any', doc: 'override() or merge()' },
        { name: 'podRetention', type: 'any', doc: 'never(), onFailure(), always()' },
        { name: 'idleMinutes', type: 'integer', doc: 'keep the pod this long after use' },
        { name: 'instanceCap', type: 'integer', doc: 'pods of this template at once' },
        { name: 'slaveConnectTimeout', type: 'integer', doc: "seconds to wait for the pod's agent to connect" },
        { name: 'activeDeadlineSeconds', type: 'integer', doc: 'pod deadline' },
        { name: 'hostNetwork', type: 'boolean', doc: "use the node's network" },
        { name: 'schedulerName', type: 'string', doc: 'the scheduler that places the pod (spec.schedulerName)' },
        { name: 'runAsUser', type: 'string', doc: "the pod's user id" },
        { name: 'runAsGroup', type: 'string', doc: "the pod's group id" },
        { name: 'supplementalGroups', type: 'string', doc: 'extra group ids, comma-separated' },
        { name: 'showRawYaml', type: 'boolean', doc: 'print the pod YAML in the console (default true)' },
        { name: 'agentContainer', type: 'string', doc: 'the container steps run in outside container(...): a tool image with no agent of its own (it gets Kiln\'s step runner)' },
        { name: 'agentInjection', type: 'boolean', doc: 'accepted: Kiln always brings its own agent (in jnlp) and injects its step runner into the agentContainer' },
      ],
      block: 'required',
      needsNode: false,
      scriptOnly: true,
      nodeInBlock: 'node(POD_LABEL)',
    },
    {
      name: 'withKubeConfig',
      doc: "Run the block with KUBECONFIG set to a kubeconfig from a credential: withKubeConfig(credentialsId: 'kube', namespace: 'app') { sh 'kubectl get pods' }.",
      params: [
        { name: 'credentialsId', type: 'string', required: true, doc: 'a secret file credential (a kubeconfig) or a secret text (a token, with serverUrl)' },
        { name: 'serverUrl', type: 'string', doc: "the API server's URL (required with a token; overrides the kubeconfig's)" },
        { name: 'caCertificate', type: 'string', doc: "the cluster's CA certificate, PEM or base64 of PEM" },
        { name: 'namespace', type: 'string', doc: "the context's namespace" },
        { name: 'contextName', type: 'string', doc: 'the context to use (or to create, with a token)' },
        { name: 'clusterName', type: 'string', doc: 'the cluster entry to use (or to create)' },
      ],
      positional: 'credentialsId',
      block: 'required',
      needsNode: true,
    },
    {
      name: 'withKubeCredentials',
      doc: "Run the block with KUBECONFIG listing a kubeconfig per credential (kubectl merges them): withKubeCredentials(kubectlCredentials: [[credentialsId: 'a', serverUrl: 'https://a:6443', contextName: 'a'], [credentialsId: 'b', contextName: 'b']]) { sh 'kubectl --context b get pods' }.",
      jenkinsPlugin: 'Kubernetes CLI',
      jenkinsClass: 'org.jenkinsci.plugins.kubernetes.cli.MultiKubectlBuildStep',
      differs: "Credentials as withKubeConfig takes them (a kubeconfig secret file, or a secret text token with serverUrl); username/password and certificate credentials are refused.",
      params: [
        { name: 'kubectlCredentials', type: 'list', required: true, doc: '[[credentialsId:, serverUrl:, caCertificate:, clusterName:, contextName:, namespace:], ...], each as withKubeConfig takes them; with two or more no current-context is set' },
      ],
      // The step's one constructor parameter: withKubeCredentials([[credentialsId: 'a', ...]]) { ... } binds it (DescribableModel's sole required parameter).
      positional: 'kubectlCredentials',
      block: 'required',
      needsNode: true,
    },
    symbol('containerTemplate', 'a container of a podTemplate', [
      s('name', 'container name', true), s('image', 'image', true), s('command', 'command'), s('args', 'arguments'), b('ttyEnabled', 'allocate a tty'),
      s('workingDir', 'working directory'), b('alwaysPullImage', 'always pull'), b('privileged', 'privileged'), s('runAsUser', 'uid'), s('runAsGroup', 'gid'),
      s('resourceRequestCpu', 'cpu request'), s('resourceRequestMemory', 'memory request'), s('resourceRequestEphemeralStorage', 'ephemeral-storage request'),
      s('resourceLimitCpu', 'cpu limit'), s('resourceLimitMemory', 'memory limit'), s('resourceLimitEphemeralStorage', 'ephemeral-storage limit'),
      { name: 'envVars', type: 'list', doc: 'containerEnvVar / envVar / secretEnvVar entries' },
      { name: 'ports', type: 'list', doc: 'portMapping(...) entries' },
      { name: 'livenessProbe', type: 'any', doc: 'containerLivenessProbe(execArgs: ..., ...)' },
      s('shell', "the shell sh steps use in this container (as container(name, shell: ...))"),
    ]),
    symbol('envVar', 'an environment variable of a pod or container template', [s('key', 'name', true), s('value', 'value')]),
    symbol('podEnvVar', 'an environment variable of a pod template', [s('key', 'name', true), s('value', 'value')]),
    symbol('containerEnvVar', 'an environment variable of a container template', [s('key', 'name', true), s('value', 'value')]),
    symbol('containerSecretEnvVar', 'an environment variable of a container template read from a Kubernetes Secret', [s('key', 'name', true), s('secretName', 'the Secret', true), s('secretKey', 'its key', true)]),
    symbol('secretEnvVar', 'an environment variable read from a Kubernetes Secret', [s('key', 'name', true), s('secretName', 'the Secret', true), s('secretKey', 'its key', true), b('optional', 'the Secret may be missing')]),
    symbol('podAnnotation', 'an annotation of the pod', [s('key', 'name', true), s('value', 'value')]),
    symbol('portMapping', 'a port of a container template', [s('name', 'port name'), int2('containerPort', 'port in the container', true), int2('hostPort', "port on the node")]),
    symbol('containerLivenessProbe', "a container template's exec liveness probe", [
      s('execArgs', 'the command', true), int2('timeoutSeconds', 'timeout'), int2('initialDelaySeconds', 'initial delay'),
      int2('failureThreshold', 'failures before a restart'), int2('periodSeconds', 'period'), int2('successThreshold', 'successes to be live'),
    ]),
    symbol('emptyDirVolume', 'an emptyDir volume', [s('mountPath', 'where', true), b('memory', 'in memory (tmpfs)')]),
    symbol('hostPathVolume', "a directory of the node", [s('hostPath', 'path on the node', true), s('mountPath', 'where', true)]),
    symbol('persistentVolumeClaim', 'a PersistentVolumeClaim', [s('claimName', 'the claim', true), s('mountPath', 'where', true), b('readOnly', 'read-only')]),
    symbol('configMapVolume', 'a ConfigMap as files', [s('configMapName', 'the ConfigMap', true), s('mountPath', 'where', true), s('subPath', 'one key or path of it'), b('optional', 'the ConfigMap may be missing')]),
    symbol('secretVolume', 'a Secret as files', [s('secretName', 'the Secret', true), s('mountPath', 'where', true), s('defaultMode', "file mode, octal ('0400')"), b('optional', 'the Secret may be missing')]),
    symbol('nfsVolume', 'an NFS export', [s('serverAddress', 'server', true), s('serverPath', 'export', true), s('mountPath', 'where', true), b('readOnly', 'read-only')]),
    symbol('emptyDirWorkspaceVolume', 'the workspace in an emptyDir (the default)', [b('memory', 'in memory (tmpfs)')]),
    symbol('dynamicPVC', 'a claim made for the pod and deleted with it: the workspace (workspaceVolume), or a volume at mountPath (volumes)', [s('accessModes', "default 'ReadWriteOnce'"), s('requestsSize', "default '10Gi'"), s('storageClassName', 'storage class'), s('mountPath', 'where it is mounted (in volumes)')]),
    symbol('genericEphemeralVolume', 'the workspace on a generic ephemeral volume', [s('accessModes', "default 'ReadWriteOnce'"), s('requestsSize', "default '10Gi'"), s('storageClassName', 'storage class')]),
    symbol('persistentVolumeClaimWorkspaceVolume', 'the workspace on an existing claim', [s('claimName', 'the claim', true), b('readOnly', 'read-only')]),
    symbol('hostPathWorkspaceVolume', 'the workspace in a directory of the node', [s('hostPath', 'path on the node', true)]),
    symbol('nfsWorkspaceVolume', 'the workspace on an NFS export', [s('serverAddress', 'server', true), s('serverPath', 'export', true), b('readOnly', 'read-only')]),
    symbol('never', 'podRetention: delete the pod after the build', []),
    symbol('always', 'podRetention: keep the pod after the build', []),
    symbol('onFailure', 'podRetention: keep the pod when the build failed', []),
    symbol('merge', "yamlMergeStrategy: merge the pod's YAML with what it inherits", []),
    symbol('override', "yamlMergeStrategy: the pod's YAML replaces what it inherits", []),
  ],
  globals: [{ name: 'POD_LABEL', kind: 'variable', doc: "the label of podTemplate's pod, for node(POD_LABEL) { ... }" }],
  agentTypes: [kubernetes],
  runtime: async () => (await import('./runtime.ts')).default,
  provisioner: async () => (await import('./provisioner.ts')).default,
};
