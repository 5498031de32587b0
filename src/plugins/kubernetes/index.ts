// The Kubernetes plugin: pods per build (a Kubernetes cloud of the controller, or a pod on a
// Docker engine), and deploying to a cluster. What it declares, as data that validation and
// `kiln lint` read without loading anything else (check.ts is the agent type's check: YAML, no
// Kubernetes client):
//   steps        podTemplate, container, kubernetesApply, withKubeConfig; the symbols
//                containerTemplate(...) and envVar(...) of podTemplate
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

const kubernetes: PipelineAgentType = {
  name: 'kubernetes',
  doc: "Run the steps in a pod made for the build: kubernetes { yaml '''...'''; defaultContainer 'maven' }.",
  options: [
    value('yaml', 'the pod, as YAML'),
    value('yamlFile', "a file of the Jenkinsfile's repository holding the pod's YAML"),
    { name: 'yamlMergeStrategy', type: 'symbol', values: ['override', 'merge'], doc: 'how the pod merges with the templates it inherits from' },
    value('defaultContainer', 'the container steps run in outside container(...)'),
    value('inheritFrom', 'pod templates of the cloud to start from, space-separated'),
    value('cloud', 'which cloud makes the pod'),
    value('namespace', 'namespace of the pod'),
    value('label', 'label of the pod'),
    { name: 'podRetention', type: 'symbol', values: ['never', 'onFailure', 'always', 'default'], doc: 'whether the pod is kept after the build' },
    int('idleMinutes', "keep the pod this long for the job's next build"),
    int('activeDeadlineSeconds', "the pod's deadline"),
    int('instanceCap', 'pods of this template at once'),
    int('slaveConnectTimeout', "seconds to wait for the pod's agent to connect"),
    value('serviceAccount', 'service account of the pod'),
    value('nodeSelector', 'key=value[,key=value] of the nodes it may run on'),
    value('workingDir', "the agent's work directory in the pod"),
    value('customWorkspace', 'workspace directory in the pod'),
    { name: 'showRawYaml', type: 'boolean', doc: "print the pod's YAML in the console" },
    { name: 'agentInjection', type: 'boolean', doc: 'accepted for compatibility (Kiln never injects a JNLP agent container)' },
  ],
  usage: "kubernetes { yaml '''...''' }",
  files: ['yamlFile'],
  check: checkKubernetesAgent,
};

const s = (name: string, doc: string, required = false): StepParam => ({ name, type: 'string', doc, ...(required ? { required } : {}) });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const symbol = (name: string, doc: string, params: StepParam[]): StepDecl => ({ name, doc, params, block: 'none', needsNode: false, kind: 'symbol' });

export const kubernetesPlugin: PipelinePlugin = {
  name: 'kubernetes',
  doc: 'Kubernetes: pods per build (agent kubernetes, podTemplate, container), kubernetesApply, withKubeConfig',
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
      name: 'podTemplate',
      doc: "Define a pod for node(POD_LABEL) { ... }: podTemplate(yaml: '...') { node(POD_LABEL) { container('x') { ... } } }.",
      params: [
        { name: 'yaml', type: 'string', doc: 'pod spec YAML' },
        { name: 'label', type: 'string', doc: 'label of the pod (default: generated, in POD_LABEL)' },
        { name: 'name', type: 'string', doc: 'template name' },
        { name: 'cloud', type: 'string', doc: 'which Kubernetes cloud' },
        { name: 'namespace', type: 'string', doc: 'namespace of the pod' },
        { name: 'inheritFrom', type: 'string', doc: 'parent templates, space-separated' },
        { name: 'containers', type: 'list', doc: 'containerTemplate(...) entries' },
        { name: 'volumes', type: 'list', doc: 'volumes' },
        { name: 'serviceAccount', type: 'string', doc: 'service account' },
        { name: 'nodeSelector', type: 'string', doc: 'node selector' },
        { name: 'workingDir', type: 'string', doc: 'agent work dir' },
        { name: 'yamlMergeStrategy', type: 'any', doc: 'override() or merge()' },
        { name: 'podRetention', type: 'any', doc: 'never(), onFailure(), always()' },
        { name: 'idleMinutes', type: 'integer', doc: 'keep the pod this long after use' },
        { name: 'activeDeadlineSeconds', type: 'integer', doc: 'pod deadline' },
        { name: 'showRawYaml', type: 'boolean', doc: 'print the pod YAML in the console' },
        { name: 'agentInjection', type: 'boolean', doc: 'accepted for compatibility (Kiln never injects a JNLP agent container)' },
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
    symbol('containerTemplate', 'a container of a podTemplate', [
      s('name', 'container name', true), s('image', 'image', true), s('command', 'command'), s('args', 'arguments'), b('ttyEnabled', 'allocate a tty'),
      s('workingDir', 'working directory'), b('alwaysPullImage', 'always pull'), b('privileged', 'privileged'), s('runAsUser', 'uid'), s('runAsGroup', 'gid'),
      s('resourceRequestCpu', 'cpu request'), s('resourceRequestMemory', 'memory request'), s('resourceLimitCpu', 'cpu limit'), s('resourceLimitMemory', 'memory limit'),
      { name: 'envVars', type: 'list', doc: 'envVar(key, value) entries' },
    ]),
    symbol('envVar', 'an environment variable of a containerTemplate', [s('key', 'name', true), s('value', 'value', true)]),
  ],
  globals: [{ name: 'POD_LABEL', kind: 'variable', doc: "the label of podTemplate's pod, for node(POD_LABEL) { ... }" }],
  agentTypes: [kubernetes],
  runtime: async () => (await import('./runtime.ts')).default,
  provisioner: async () => (await import('./provisioner.ts')).default,
};
