// The plugin contract of core/plugin.ts with the pipeline's types filled in: what a plugin's
// runtime gives the engine (step implementations against StepContext, global objects, the last
// word on its agent types' requests) and what its agent types' checks see during validation.
//
// Why here and not in core: these name the pipeline's own types (StepContext, Value, the syntax
// tree, the model), and core imports nothing else of src. Core keeps KilnPlugin generic in
// exactly these two places (the runtime and the check); PipelinePlugin is KilnPlugin with them
// bound. Plugins implement PipelinePlugin; the step registry (steps/registry.ts) reads it.
// Types only: importing this module loads nothing.
import type { AgentTypeDecl, KilnPlugin } from '../core/plugin.ts';
import type { AgentRequest } from '../core/nodes.ts';
import type { BuildResult, Loc } from '../core/build.ts';
import type { BuildScope, StepArgs, StepContext } from './steps/types.ts';
import type { DynamicContext, Value } from './script/values.ts';
import type { Stmt, StringLit } from './syntax/ast.ts';
import type { PluginAgentSpec } from './model/types.ts';

export type { BuildScope };

/** A step's implementation: runs it with its bound arguments; resolves to what the step returns. */
export type StepRun = (ctx: StepContext, args: StepArgs) => Promise<Value>;

/** What a global object of a plugin may ask of the running build. */
export interface GlobalContext {
  /** The environment a process would get in `ctx` (every layer applied). */
  envOf(ctx: DynamicContext): Record<string, string>;
  readonly scope: BuildScope;
}

/** What an agent type's evaluation may read besides its evaluated options. */
export interface AgentEvalContext {
  /** Files read from the Jenkinsfile's repository with it, by path (the type's `files` options); null when it has none. */
  readonly scmFiles: Readonly<Record<string, string>> | null;
  /** Where the Jenkinsfile came from, when from a repository. */
  readonly scm: { url: string; branch: string } | null;
  readonly scope: BuildScope;
}

export interface AgentTypeRuntime {
  /**
   * The request for an agent of this type, from the one the engine evaluated (every option
   * evaluated, defaults applied): e.g. kubernetes puts the text of `yamlFile` in `yaml`. Throws
   * a StepFailure with what to fix.
   */
  evaluate(req: AgentRequest, c: AgentEvalContext): AgentRequest | Promise<AgentRequest>;
}

/**
 * What a plugin's build hooks see (PluginRuntime.onBuildStarted / onBuildCompleted): the build,
 * its variables, its console. Jenkins' RunListener.onStarted / onCompleted, for the plugins that
 * act on every build (office365ConnectorWebhooks' cards).
 */
export interface BuildEvent {
  readonly jobName: string;
  readonly number: number;
  /** The build's state: what its steps set (job properties of plugins: PLUGIN_PROPERTIES_KEY). */
  readonly scope: BuildScope;
  readonly services: StepContext['build']['services'];
  /** The build's own variables (BUILD_NUMBER, BUILD_URL, JOB_NAME, ...) and its parameters. */
  readonly env: Readonly<Record<string, string>>;
  /** The job's previous completed build. */
  readonly previous: { number: number; result: BuildResult | null } | null;
  /** Aborted when the build is aborted twice (as its post blocks), or after a minute. */
  readonly signal: AbortSignal;
  /** A line in the build's console. */
  log(line: string): void;
}

export interface BuildCompletedEvent extends BuildEvent {
  /** The build's result, final. */
  readonly result: BuildResult;
}

/** What a plugin's `runtime()` resolves to. Every name is one the plugin declares. */
export interface PluginRuntime {
  /** An implementation for each step (not symbol) the plugin declares. */
  steps?: Readonly<Record<string, StepRun>>;
  /** A constructor for each 'object' global the plugin declares; called on each use. */
  globals?: Readonly<Record<string, (g: GlobalContext) => Value>>;
  /** Agent types of the plugin whose request needs more than evaluating their options. */
  agentTypes?: Readonly<Record<string, AgentTypeRuntime>>;
  /**
   * Scripted `node(label)`: the agent to ask for when this build's steps defined `label`
   * (podTemplate's POD_LABEL); '' for a node without a label; null when the label is not theirs.
   */
  nodeForLabel?(label: string, scope: BuildScope): AgentRequest | null;
  /**
   * Called once the build has started and knows its job properties (a declarative pipeline:
   * after its options; a scripted one: before its first statement), when the plugin declares
   * `buildHooks`. A throw is printed and changes nothing.
   */
  onBuildStarted?(e: BuildEvent): Promise<void>;
  /** Called when the build's result is final, before its "Finished:" line (`buildHooks`). A throw is printed and changes nothing. */
  onBuildCompleted?(e: BuildCompletedEvent): Promise<void>;
}

/** What an agent type's check sees while a Jenkinsfile is validated. */
export interface AgentCheckContext {
  error(code: string, message: string, loc: Loc): void;
  warn(code: string, message: string, loc: Loc): void;
  /** The Jenkinsfile position of character `index` of a string literal's value (errors inside inline YAML). */
  posInString(lit: StringLit, index: number): Loc;
  /** Where the key of option `name` is written in the agent's block; null when it is not (a short form, a default). */
  keyLoc(name: string): Loc | null;
  /** The functions the Jenkinsfile defines: a `def container(...)` of its own is not the step. */
  readonly functions: ReadonlySet<string>;
}

/**
 * Checks an agent of a plugin's type where it is declared, reporting through `c`. It may return
 * a check of the steps that run on that agent: it is called with each statement list (steps and
 * post blocks) of the stages the agent is the nearest agent of (kubernetes: `container('x')`
 * must name a container of the pod).
 */
export type AgentCheck = (agent: PluginAgentSpec, c: AgentCheckContext) => ((steps: readonly Stmt[]) => void) | void;

/** A plugin as the pipeline reads it. */
export type PipelinePlugin = KilnPlugin<PluginRuntime, AgentCheck>;

/** An agent type as the pipeline reads it. */
export type PipelineAgentType = AgentTypeDecl<AgentCheck>;
