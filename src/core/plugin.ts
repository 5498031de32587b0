// The contract of a Kiln plugin (Docker, Kubernetes, SSH, a test's own): what it declares and
// what it runs, kept apart so that code that only needs the declarations never loads the rest.
//
//   declared (plain data, read by validation, `kiln lint`, the docs):
//     steps        name, parameters, block, needsNode, doc (core/steps.ts StepDecl)
//     globals      names a Jenkinsfile may use without declaring them (`docker`, `POD_LABEL`)
//     agentTypes   `agent { docker { image 'x' } }`: the type's name, its options and their
//                  types, its short forms, the files beside the Jenkinsfile it reads, a check
//   loaded lazily (a dynamic import: `runtime: () => import('./runtime.ts')`):
//     runtime      the steps' implementations, the globals' objects, how an agent type's
//                  evaluated options become an AgentRequest: loaded the first time a build uses one
//     provisioner  nodes for the plugin's agent types: the hosts (controller, `kiln run`) ask
//                  it when they assemble their NodeProvider
//
// Why generic: core imports nothing else of src, but a step's implementation runs against the
// pipeline's StepContext and returns its Values, and an agent type's check reads the syntax tree.
// KilnPlugin therefore takes the runtime's type and the check's type as parameters, and
// src/pipeline/plugin.ts fills them in (PipelinePlugin): that is what plugins implement and
// what the step registry reads. A host that only composes provisioners needs neither.
// Contracts only: this folder imports nothing else of src.
import type { Credential } from './credentials.ts';
import type { BuildRef, NodeProvider } from './nodes.ts';
import type { StepDecl } from './steps.ts';

/** A name a Jenkinsfile may use without declaring it. */
export interface GlobalDecl {
  name: string;
  doc: string;
  /**
   * 'object': made by the plugin's runtime when a build first uses it (the `docker` global);
   * 'variable': an environment variable one of its steps sets (podTemplate's `POD_LABEL`), read
   * like any other, declared so that validation knows the name.
   */
  kind: 'object' | 'variable';
}

/** One option of a declarative agent type: `image 'maven:3.9'` in `agent { docker { ... } }`. */
export interface AgentOptionDecl {
  name: string;
  /**
   * 'value': any Groovy value, evaluated to a string when the agent is allocated
   * (`image "maven:${V}"`); 'boolean' / 'integer': a literal (`reuseNode true`, `idleMinutes 5`);
   * 'symbol': one of `values`, written `never()`, `never` or `'never'`.
   */
  type: 'value' | 'boolean' | 'integer' | 'symbol';
  /** The values of a 'symbol' option. */
  values?: readonly string[];
  required?: boolean;
  /** What the option is when it is not written; null when there is no default. */
  default?: string | number | boolean;
  doc: string;
}

/**
 * A declarative agent type: `agent { <name> { <option> <value>; ... } }`. Options named `label`
 * and `customWorkspace` are also the request's label (which executor) and custom workspace.
 */
export interface AgentTypeDecl<Check = unknown> {
  /** A Groovy identifier; not one of the built-in any, none, label, node. */
  name: string;
  doc: string;
  /** In the order messages list them ("Valid config options are [...]"). */
  options: readonly AgentOptionDecl[];
  /**
   * How the type reads without a block: `docker 'maven:3.9'` binds its one value to `option`;
   * `dockerfile true` is `true` alone (`whenFalse` is the message for `false`). Without a short
   * form a block is required.
   */
  short?: { form: 'value'; option: string } | { form: 'true'; whenFalse: string };
  /** The block to show when it is missing: "kubernetes { yaml '''...''' }". */
  usage?: string;
  /**
   * Options whose literal string value is the path of a file of the Jenkinsfile's repository,
   * which hosts read with the Jenkinsfile, from the same commit (`kubernetes { yamlFile 'pod.yaml' }`).
   */
  files?: readonly string[];
  /** What validation checks beyond the options' types (typed by the pipeline: src/pipeline/plugin.ts). */
  check?: Check;
}

/** What a host tells the provisioners it asks for nodes. */
export interface ProvisionerHost {
  /** Who hosts the builds: `kiln run` on this machine ('local'), or a controller. */
  readonly kind: 'local' | 'controller';
  /** A credential of the build (a registry login, a cloud's token); absent: none can be used. */
  credential?(build: BuildRef, id: string): Promise<Credential>;
  /** The environment of the tools the provisioner runs on this machine (DOCKER_HOST, ...). */
  readonly env?: Readonly<Record<string, string>>;
  /** Labels put on whatever the provisioner creates (containers, pods), to find its leftovers. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Host settings a plugin reads by name (kiln run's --pod-agent-image is `podAgentImage`). */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface Provisioner {
  /**
   * Nodes for the plugin's agent types on this host: a NodeProvider that serves those requests
   * and hands every other one to `base` (which also gives the executors that a container agent
   * runs beside).
   */
  wrap(base: NodeProvider, host: ProvisionerHost): NodeProvider;
}

export interface KilnPlugin<Runtime = unknown, Check = unknown> {
  /** Unique in a plugin list: 'core', 'docker', 'kubernetes', ... */
  readonly name: string;
  /** One line: what it adds. */
  readonly doc: string;
  readonly steps?: readonly StepDecl[];
  readonly globals?: readonly GlobalDecl[];
  readonly agentTypes?: readonly AgentTypeDecl<Check>[];
  /** Loads what runs; never called by validation. */
  readonly runtime?: () => Promise<Runtime>;
  /** Loads the provisioner of the plugin's agent types. */
  readonly provisioner?: () => Promise<Provisioner>;
}

/**
 * A host's NodeProvider from its own (`base`: the local machine, the controller's agents) and
 * the provisioners of its plugins, each wrapping the ones before it in list order.
 */
export async function provision(plugins: readonly KilnPlugin<unknown, unknown>[], base: NodeProvider, host: ProvisionerHost): Promise<NodeProvider> {
  let nodes = base;
  for (const p of plugins) {
    if (!p.provisioner) continue;
    nodes = (await p.provisioner()).wrap(nodes, host);
  }
  return nodes;
}
