// What a step is, as data: its name, its parameters and their types, whether it takes a block,
// whether it needs a node. Validation (`kiln lint`), the engine's argument binding and
// `kiln lint --list-steps` all read this one declaration; the step's implementation is another
// module, loaded only to run it (core/plugin.ts says how a plugin gives both).
// Contracts only: this folder imports nothing else of src.

export type ParamType =
  | 'string'
  | 'boolean'
  | 'integer'
  | 'number'
  | 'list'
  | 'map'
  /** A string or a list of strings (e.g. `withEnv`'s list, `stash`'s includes). */
  | 'string-or-list'
  /** Anything: a host object (`checkout scm`), a binding list, a map ([$class: 'GitSCM', ...]). */
  | 'any';

export interface StepParam {
  name: string;
  type: ParamType;
  required?: boolean;
  /** Allowed values for a string parameter (e.g. timeout's unit). */
  values?: readonly string[];
  /**
   * A value Jenkins takes but Kiln refuses, and why (useSftpForExec: true): an error at lint and at
   * run, never ignored. `any: true` refuses every value but null and '' (sshCredentials), and the
   * message does not show it (it may hold a secret).
   */
  refused?: { value: string | boolean; why: string } | { any: true; why: string };
  doc: string;
}

export interface StepDecl {
  name: string;
  /** One line for `kiln lint --list-steps`. */
  doc: string;
  params: readonly StepParam[];
  /**
   * The parameter a single unnamed argument binds to (`sh 'x'` → script, `timeout(5)` → time).
   * Jenkins allows this when the step has exactly one required parameter.
   */
  positional?: string;
  /** Whether the step takes a closure block: `dir('x') { ... }`. */
  block: 'none' | 'required' | 'optional';
  /** Whether it needs a workspace on a node (sh, writeFile, ...), i.e. cannot run under `agent none`. */
  needsNode: boolean;
  /**
   * A durable task (Jenkins' DurableTaskStep: sh, bat, powershell, and copies of them in plugins):
   * its process runs as a durable exec on an agent, survives a controller restart and is
   * re-attached when the build resumes. The core's own are listed in the engine (replay.ts).
   */
  reattachable?: boolean;
  /**
   * A leaf step that runs again when a resumed build replays (instead of being answered from the
   * journal), like `load`: it only changes build state the resumed run rebuilds from nothing (the
   * badge plugin's badges and summaries), and its value (an object the script goes on using)
   * cannot be journaled. It must do nothing outside the build's state.
   */
  replayRuns?: boolean;
  /**
   * Steps that only make sense in scripted code or inside `script {}` (node, stage, parallel as
   * a step, podTemplate): validation rejects them directly in a declarative `steps {}`.
   */
  scriptOnly?: boolean;
  /**
   * 'symbol': not a step but a describable constructor used inside other steps' arguments,
   * e.g. `string(credentialsId: 'x', variable: 'Y')` in withCredentials, `booleanParam(...)`
   * in input parameters, `logRotator(...)`. It returns a descriptor map ($symbol: name, ...)
   * and has no implementation of its own.
   * 'class': a build step Jenkins reaches only as `step([$class: 'Name', ...])` (a SimpleBuildStep
   * with no symbol, e.g. GitHubCommitStatusSetter): `name` is the class' simple name and
   * `jenkinsClass` its full name; not callable by name, its parameters are the map's other keys.
   */
  kind?: 'step' | 'symbol' | 'class';
  /** Accepts named arguments of any name (parallel's branches); declared params are still checked. */
  anyNamed?: boolean;
  /**
   * For a block step whose block gets a node in its own way (podTemplate's `node(POD_LABEL)`):
   * what the "needs a node" warning about a step in its block tells to write instead of `node`.
   */
  nodeInBlock?: string;
  /**
   * The Jenkins plugin this step stands in for, by its display name ('Pipeline: Basic Steps',
   * 'Slack Notification'), for `kiln lint --list-steps` and docs/steps.md; absent: the table of
   * well-known Jenkins steps (pipeline/steps/known-plugins.ts) answers.
   */
  jenkinsPlugin?: string;
  /**
   * The Java class of the Jenkins step (or symbol's describable) this stands in for, as Jenkins'
   * "WARNING: Unknown parameter(s) found for class type '<class>'" names it; absent: the table
   * of pipeline/steps/known-classes.ts answers, else the step's name.
   */
  jenkinsClass?: string;
  /** What differs from Jenkins' step, for docs/steps.md (parameters "accepted for compatibility" are listed there anyway). */
  differs?: string;
}
