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
//     provisioner  nodes for the plugin's agent types (and the cloud types they are made on):
//                  the hosts (controller, `kiln run`) open it with what they offer
//                  (ProvisionerHost), and their router (src/plugins/router.ts) asks it by type
//     launchers    agents the controller starts itself (SSH), by the record's launcher type
//
// Why generic: core imports nothing else of src, but a step's implementation runs against the
// pipeline's StepContext and returns its Values, and an agent type's check reads the syntax tree.
// KilnPlugin therefore takes the runtime's type and the check's type as parameters, and
// src/pipeline/plugin.ts fills them in (PipelinePlugin): that is what plugins implement and
// what the step registry reads. A host that only composes provisioners needs neither.
// Contracts only: this folder imports nothing else of src.
import type { Credential } from './credentials.ts';
import type { AgentRequest, Backend, BuildRef, NodeProvider, Slots } from './nodes.ts';
import type { Readable, Writable } from 'node:stream';
import type { Workspace } from './workspace.ts';
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
   * 'symbol': one of `values`, written `never()`, `never` or `'never'`; 'block': a block of
   * `key value` lines whose keys are `keys` (`containerTemplate { name 'maven'; image 'x' }`),
   * given to the runtime as JSON text of an object of its literal values, each value written as
   * an expression (`image REG + ':' + TAG`, accepted as Jenkins' parseClosureMap accepts it)
   * evaluated to a string as option `<name>.<key>`; 'literal': one literal value, lists, maps and
   * calls of named literal arguments (`containerTemplates [containerTemplate(name: 'a', image:
   * 'b')]`, `workspaceVolume dynamicPVC(requestsSize: '1Gi')`), given to the runtime as JSON text
   * (a call is an object with its name under `$symbol`).
   */
  type: 'value' | 'boolean' | 'integer' | 'symbol' | 'block' | 'literal';
  /** The keys of a 'block' option. */
  keys?: readonly string[];
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

/** A line for the host's own log (not a build's console); `level` as pino's, other fields kept as they are. */
export type HostLog = (line: string, fields?: { level?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'; [field: string]: unknown }) => void;

/**
 * The host's own nodes: the controller's agents and built-in executors, or this machine for
 * `kiln run`. They serve the built-in agent types (any, label, node).
 */
export interface HostNodes extends NodeProvider {
  /**
   * Whether a node of the host has the labels of this expression (online or not). Absent: every
   * label is the host's (`kiln run` runs everything here). When false, provisioners that make
   * nodes for labels (a Kubernetes cloud's pod templates) are asked first.
   */
  hasLabel?(label: string): boolean;
}

/** The pods a build's agent may make on a controller go through connected agents (the hub). */
export interface AgentSessions {
  /** The secret agent `name` connects with. */
  secret(name: string): string;
  isOnline(name: string): boolean;
  /** Resolves when agent `name` is online; rejects with the build's interruption when `signal` aborts. */
  online(name: string, signal: AbortSignal): Promise<void>;
  /** Workspaces on agent `name`. */
  backend(name: string): Backend;
  /** Ends agent `name`'s session (its pod is gone) with the reason. */
  endSession(name: string, reason: string): void;
  /** Agents the hub accepts besides the configured ones: a pod's agent, while its pod exists. */
  allow(name: string): void;
  forget(name: string): void;
}

/** A cloud of one of the plugin's cloud types, as stored, its settings checked by the type. */
export interface CloudRef<S> {
  name: string;
  settings: S;
}

/** What a controller gives provisioners besides what every host gives. */
export interface ControllerServices {
  /** This controller's id, a label on the pods it makes: its next start deletes those it lost. */
  readonly id: string;
  /**
   * The clouds of `type` (one of the plugin's), read from the store at each call so that a saved
   * change applies at once; a cloud whose stored settings the type refuses is logged and left out.
   */
  clouds<S>(type: CloudType<S>): Promise<CloudRef<S>[]>;
  /** A credential a cloud may use (global scope, allowed for clouds). */
  cloudCredential(id: string, cloud: string): Promise<Credential>;
  /** Where a build waits for a pod slot of a capped cloud: the controller's wait list. */
  readonly slots: Slots;
  /** The connected agents: a pod's agent dials in like any other. */
  readonly agents: AgentSessions;
  /** The URL agents connect to (known once the controller listens). */
  agentUrl(): string;
  /** The web page of a build (an annotation on its pod). */
  buildUrl(build: BuildRef): string;
  /**
   * Whether build `id` runs on this controller (resumed after a restart, or started since): a
   * promise that resolves once it has ended, or null (finished, deleted, unknown). At start a
   * provisioner keeps what such a build ran in (its pod) for it to adopt, until it ends.
   */
  buildRunning?(id: string): Promise<void> | null;
}

/** What a host tells a provisioner (one per plugin: its `log` carries the plugin's name). */
export interface ProvisionerHost {
  /** Who hosts the builds: `kiln run` on this machine ('local'), or a controller. */
  readonly kind: 'local' | 'controller';
  /**
   * The host's nodes for the built-in types: a provisioner whose node runs beside an executor
   * (a container agent) asks them with `{ type: 'any' | 'label', label }`.
   */
  readonly nodes: NodeProvider;
  /**
   * The workspace of the node the build holds first (its pipeline-level agent) while it holds
   * it, or null: where `reuseNode true` runs. For an agent that runs beside an executor it is
   * the executor's workspace, since that is the first node handed out.
   */
  buildNode(build: BuildRef): Workspace | null;
  /** A credential of the build (a registry login); absent: none can be used. */
  credential?(build: BuildRef, id: string): Promise<Credential>;
  /** The environment of the tools the provisioner runs on this machine (DOCKER_HOST, ...). */
  readonly env?: Readonly<Record<string, string>>;
  /** Labels put on whatever the provisioner creates (containers, pods), to find its leftovers. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Host settings a plugin reads by name (kiln run's --pod-agent-image is `podAgentImage`). */
  readonly settings?: Readonly<Record<string, string>>;
  /** A directory of this machine the provisioner may keep files in (the controller's home); absent: none. */
  readonly dataDir?: string;
  /** The host's log, with `{ provisioner: <plugin name> }` in every line's fields. */
  readonly log: HostLog;
  /** Present on a controller: its clouds, wait list, agents. */
  readonly controller?: ControllerServices;
}

/**
 * What an open provisioner gives a host: nodes for the agent types it serves (and those it
 * offers to take), and, optionally, for labels no node of the host has.
 */
export interface ProvisionerNodes extends NodeProvider {
  /**
   * Whether it takes this request now (for a type it serves: e.g. a Kubernetes cloud exists;
   * for one it offers to take: the pipeline names one of its clouds). Absent: always.
   */
  takes?(req: AgentRequest): Promise<boolean>;
  /** Whether it makes a node for a label no node of the host has (a pod template's label). */
  servesLabel?(label: string): Promise<boolean>;
  /** Once the host is up: e.g. deletes what an earlier run of this host left (pods). Failures are logged. */
  start?(): Promise<void>;
  /** The host stops: what it keeps (idle pods) goes. */
  close?(): Promise<void>;
}

/** A test of a cloud's settings: "Connected to ..." or exactly why not. */
export interface ConnectionReport {
  ok: boolean;
  message: string;
  version: string | null;
  /** What the cloud needs of its credentials, and whether they may. */
  permissions: { verb: string; resource: string; allowed: boolean | null; reason?: string }[];
}

/** A kind of cloud a plugin's provisioner makes nodes on (`PUT /api/v1/clouds/:name { type, settings }`). */
export interface CloudType<S = unknown> {
  /** 'kubernetes', 'docker': the `type` of a cloud record. */
  readonly name: string;
  readonly doc: string;
  /**
   * Checks settings from untrusted input (an HTTP body, the store) for the cloud `name`: the
   * typed settings and what the store keeps, or the error naming the field.
   */
  check(name: string, settings: unknown): { settings: S; stored: Record<string, unknown> } | { error: string };
  /** How many of the cloud's pods may exist at once (the wait list's cap of its slots); 0: no cap. */
  cap(settings: S): number;
  /** Test Connection, with the credentials clouds may use. */
  test(name: string, settings: S, credential: (id: string) => Promise<Credential>): Promise<ConnectionReport>;
}

/**
 * A plugin's provisioner, loaded lazily (`provisioner: () => import(...)`). The router
 * (src/plugins/router.ts) asks it by agent type: each type has one provisioner that serves
 * it; other provisioners may offer to take it.
 */
export interface Provisioner {
  /** The agent types it serves (its plugin's own). Two provisioners serving one type is an error. */
  readonly serves: readonly string[];
  /**
   * Agent types of other plugins it may take a request of (the Docker plugin: `kubernetes`
   * pods on a Docker engine), asked, in list order, when the serving provisioner does not take it.
   */
  readonly offers?: readonly string[];
  /** The cloud types whose clouds it makes nodes on. */
  readonly cloudTypes?: readonly CloudType[];
  /** Its nodes on one host; null when it has none there (Kubernetes clouds under `kiln run`). */
  open(host: ProvisionerHost): ProvisionerNodes | null;
}

/** What a controller gives a launcher type (one per plugin: its `log` carries the plugin's name). */
export interface LauncherHost {
  /**
   * Agent `name`'s record, read again before every launch: its launcher (of this type, as the
   * store checked it), labels, executors and work directory; null when it is gone or has another
   * launcher now.
   */
  agent(name: string): Promise<{ launcher: Readonly<Record<string, unknown>>; labels: readonly string[]; executors: number; workdir: string | null } | null>;
  /** A credential agent `name` may use (global scope). */
  credential(id: string, agent: string): Promise<Credential>;
  /** Saves fields of agent `name`'s launcher (a host key pinned on first connection). */
  updateLauncher(name: string, fields: Readonly<Record<string, unknown>>): Promise<void>;
  /** Hands a launched agent's channel (its stdin/stdout) to the controller's agent hub. */
  attach(name: string, input: Readable, output: Writable, address: string): void;
  readonly log: HostLog;
}

/** The agents of one launcher type a controller keeps running. */
export interface AgentLaunchers {
  /** Starts (or keeps) launching agent `name`, again after each drop. */
  start(name: string): void;
  /** Stops launching agent `name` and ends its connection. */
  stop(name: string): Promise<void>;
  /** Why the last launch of `name` failed; null when it did not. */
  lastError(name: string): Error | null;
  /** Agent `name`'s launch log, oldest line first. */
  log(name: string): string[];
  close(): Promise<void>;
}

/** Agents the controller starts itself: `launcher { type: 'ssh', ... }` in an agent's record. */
export interface LauncherType {
  /** The record's `launcher.type`. */
  readonly type: string;
  open(host: LauncherHost): AgentLaunchers;
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
  /**
   * Its runtime observes every build's start and end (onBuildStarted / onBuildCompleted of the
   * pipeline's PluginRuntime): the engine loads it when a build starts. Absent: not loaded for that.
   */
  readonly buildHooks?: boolean;
  /** Loads the provisioner of the plugin's agent types (and cloud types). */
  readonly provisioner?: () => Promise<Provisioner>;
  /** Loads the launcher types of agents the controller starts itself (SSH). */
  readonly launchers?: () => Promise<readonly LauncherType[]>;
}
