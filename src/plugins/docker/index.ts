// The Docker plugin (Jenkins' Docker Pipeline plugin, and pods on one Docker engine): what it
// declares, as data that validation and `kiln lint` read without loading anything else:
//   steps        withDockerContainer, withDockerRegistry
//   global       `docker` (docker.image('x').inside { }, docker.build, docker.withRegistry, ...)
//   agent types  `agent { docker { image 'maven:3.9' } }`, `agent { dockerfile true }`
// What runs is runtime.ts (the steps and the global, loaded when a build first uses them) and
// provisioner.ts (container agents on the node that holds the executor; `kubernetes` pods on
// this machine's Docker engine for `kiln run`, and on the controller's Docker clouds: cloud
// type `docker`), loaded by the hosts.
import type { PipelineAgentType, PipelinePlugin } from '../../pipeline/plugin.ts';
import type { AgentOptionDecl } from '../../core/plugin.ts';

const value = (name: string, doc: string, required = false): AgentOptionDecl => ({ name, type: 'value', doc, ...(required ? { required } : {}) });

const registryOptions: AgentOptionDecl[] = [
  value('registryUrl', 'the registry to pull from (and to log in to)'),
  value('registryCredentialsId', 'a username/password credential to log in with'),
];

const docker: PipelineAgentType = {
  name: 'docker',
  doc: "Run the steps in a container of an image, beside the executor's workspace: docker { image 'maven:3.9'; args '-v m2:/root/.m2' }.",
  options: [
    value('image', 'the image (pulled when not on the node)', true),
    value('args', 'more docker run arguments'),
    value('label', 'label of the node whose docker runs the container'),
    { name: 'reuseNode', type: 'boolean', default: false, doc: "run on the pipeline's own node and workspace" },
    ...registryOptions,
    { name: 'alwaysPull', type: 'boolean', default: false, doc: 'pull the image even when the node has it' },
    value('customWorkspace', 'workspace directory on the node'),
  ],
  short: { form: 'value', option: 'image' },
};

const dockerfile: PipelineAgentType = {
  name: 'dockerfile',
  doc: "Build an image from a Dockerfile of the workspace and run the steps in a container of it: dockerfile { filename 'Dockerfile.ci'; dir 'ci' }.",
  options: [
    value('filename', "the Dockerfile's name (default Dockerfile)"),
    value('dir', 'the build context, relative to the workspace (default .)'),
    value('additionalBuildArgs', 'more docker build arguments'),
    value('args', 'more docker run arguments'),
    value('label', 'label of the node whose docker builds and runs it'),
    { name: 'reuseNode', type: 'boolean', default: false, doc: "run on the pipeline's own node and workspace" },
    ...registryOptions,
    value('customWorkspace', 'workspace directory on the node'),
  ],
  short: { form: 'true', whenFalse: 'Use "dockerfile true" or "dockerfile { ... }"; "dockerfile false" builds nothing' },
};

export const dockerPlugin: PipelinePlugin = {
  name: 'docker',
  doc: 'Docker Pipeline: container agents (docker, dockerfile), withDockerContainer, withDockerRegistry, the docker global; pods on one engine',
  steps: [
    {
      name: 'withDockerContainer',
      doc: "Run the block inside a container of an image, with the workspace mounted: withDockerContainer(image: 'maven:3.9', args: '-v m2:/root/.m2') { sh 'mvn -v' }.",
      params: [
        { name: 'image', type: 'string', required: true, doc: 'the image (pulled when not on the node)' },
        { name: 'args', type: 'string', doc: 'more docker run arguments' },
        { name: 'toolName', type: 'string', doc: 'ignored (the docker on the node\'s PATH is used)' },
      ],
      positional: 'image',
      block: 'required',
      needsNode: true,
    },
    {
      name: 'withDockerRegistry',
      doc: "Run the block logged in to a Docker registry: withDockerRegistry(url: 'https://reg:5000', credentialsId: 'reg-creds') { sh 'docker push ...' }.",
      params: [
        { name: 'registry', type: 'map', doc: '[url: ..., credentialsId: ...] (the plugin\'s form)' },
        { name: 'url', type: 'string', doc: 'registry URL; Docker Hub when absent' },
        { name: 'credentialsId', type: 'string', doc: 'username/password credential to log in with' },
        { name: 'toolName', type: 'string', doc: 'ignored (the docker on the node\'s PATH is used)' },
      ],
      positional: 'registry',
      block: 'required',
      needsNode: true,
    },
  ],
  globals: [{ name: 'docker', kind: 'object', doc: "the Docker Pipeline plugin's docker: docker.image('x').inside { }, docker.build(...), docker.withRegistry(...) { }" }],
  agentTypes: [docker, dockerfile],
  runtime: async () => (await import('./runtime.ts')).default,
  provisioner: async () => (await import('./provisioner.ts')).default,
};
