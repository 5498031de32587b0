// The typed model of a Jenkinsfile: what validation produces and the engine runs.
//
// Declarative directives become typed records here. What Jenkins evaluates at run time stays
// an expression (`Expr`), evaluated by the engine through the script interpreter: agent labels
// and images ("maven:${VERSION}"), environment values, `when { equals ... }` operands. Step
// blocks (`steps {}`, `post { always {} }`, `when { expression {} }`) stay statement lists:
// the interpreter runs them, so `script {}` and plain steps go through one path.
import type { ActiveChoiceOptions } from './active-choices.ts';
import type { Expr, NamedArg, Stmt } from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';

/** A model Jenkinsfile: declarative (`pipeline { }`) or scripted (`node { }` and friends). */
export type PipelineModel = DeclarativePipeline | ScriptedPipeline;

export interface ScriptedPipeline {
  kind: 'scripted';
  /** The whole file, run by the interpreter. */
  body: Stmt[];
  loc: Loc;
}

export interface DeclarativePipeline {
  kind: 'declarative';
  /** Statements before/after `pipeline {}`: function definitions, imports, top-level `def`s. */
  prelude: Stmt[];
  /** `@Library` annotations and `libraries {}` entries, for messages (shared libraries are not run). */
  libraries: LibraryRef[];
  agent: AgentSpec;
  environment: EnvEntry[];
  options: Options;
  parameters: ParameterDef[];
  triggers: TriggerDef[];
  tools: ToolDef[];
  stages: Stage[];
  post: Post | null;
  loc: Loc;
}

export interface LibraryRef {
  /** 'name@version' as written. */
  spec: string;
  loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// agent

/** A value written in the Jenkinsfile: evaluated by the engine when the directive applies. */
export type ValueExpr = Expr;

export type AgentSpec =
  | { type: 'any'; loc: Loc }
  | { type: 'none'; loc: Loc }
  | { type: 'label'; label: ValueExpr; loc: Loc }
  | { type: 'node'; label: ValueExpr | null; customWorkspace: ValueExpr | null; loc: Loc }
  | PluginAgentSpec;

/**
 * An agent of a type a plugin declares (docker, dockerfile, kubernetes, ...: core/plugin.ts
 * AgentTypeDecl). Every option the type declares is there: a 'value' option as the expression
 * written (evaluated when the agent is allocated), a literal one as its value, one not written
 * as its default or null.
 */
export interface PluginAgentSpec {
  type: string;
  options: Record<string, ValueExpr | string | number | boolean | null>;
  loc: Loc;
}

/** Whether an agent is of a plugin's type (not any, none, label or node). */
export function isPluginAgent(spec: AgentSpec): spec is PluginAgentSpec {
  return 'options' in spec;
}

// ---------------------------------------------------------------------------------------------
// environment, parameters, triggers, tools

export interface EnvEntry {
  name: string;
  /** A string expression, or a `credentials('id')` call (bound by the credentials store). */
  value: ValueExpr;
  /** Set when the value is exactly `credentials('id')` with a literal id. */
  credentialsId: string | null;
  loc: Loc;
}

export type ParameterType = 'string' | 'text' | 'booleanParam' | 'choice' | 'password' | 'file' | 'credentials' | 'run' | 'gitParameter'
  | 'activeChoice' | 'reactiveChoice' | 'activeChoiceHtml' | 'extendedChoice';

/** The Extended Choice Parameter plugin's extendedChoice (model/extended-choice.ts). */
export interface ExtendedChoiceOptions {
  /** PT_SINGLE_SELECT, PT_MULTI_SELECT, PT_CHECKBOX, PT_RADIO or PT_TEXTBOX. */
  type: string;
  /** What the form offers (none for PT_TEXTBOX). */
  choices: string[];
  /** What a build without a form gets (PT_TEXTBOX: the one text). */
  defaults: string[];
  /** Joins the chosen values (multiSelectDelimiter, default ','). */
  delimiter: string;
  visibleItemCount: number;
  /** The value is wrapped in double quotes. */
  quoteValue: boolean;
}

/** The Git Parameter plugin's gitParameter: what the build form lists from the job's repository. */
export interface GitParameterOptions {
  /** PT_BRANCH, PT_TAG, PT_BRANCH_TAG, PT_REVISION or PT_PULL_REQUEST. */
  type: string;
  /** A Java regex the branches (and PT_PULL_REQUEST's refs) must match whole ('.*': all). */
  branchFilter: string;
  /** A glob the tags must match ('*': all), as git tag -l takes it. */
  tagFilter: string;
  /** NONE, ASCENDING_SMART, DESCENDING_SMART, ASCENDING or DESCENDING. */
  sortMode: string;
  /** NONE, TOP or DEFAULT: which item the form selects. */
  selectedValue: string;
  /** PT_REVISION: the branch whose commits are listed ('' : all). */
  branch: string;
  /** A regex naming which of several repositories ('' : the job's). */
  useRepository: string;
}

export interface ParameterDef {
  type: ParameterType;
  name: string;
  /** string/text/password: string; booleanParam: boolean; choice: first choice. Null when written as an expression. */
  defaultValue: string | boolean | null;
  /** The default written as an expression (defaultValue: V), evaluated when the build starts; null for a literal. */
  defaultExpr: ValueExpr | null;
  description: string;
  /** choice only. */
  choices: string[];
  trim: boolean;
  /** gitParameter only. */
  git?: GitParameterOptions;
  /** extendedChoice only. */
  extendedChoice?: ExtendedChoiceOptions;
  /** The Active Choices plugin's parameters only (model/active-choices.ts). */
  activeChoice?: ActiveChoiceOptions;
  loc: Loc;
}

export interface TriggerDef {
  type: 'cron' | 'pollSCM' | 'upstream' | 'githubPush' | 'gitlab' | 'githubPullRequests' | 'parameterizedCron' | 'GenericTrigger';
  /** cron / pollSCM spec, or upstream's `upstreamProjects` ('' when written as an expression). */
  spec: string;
  /** A cron / pollSCM spec written as an expression (cron(isMain ? 'H 2 * * *' : '')), evaluated when the build starts; null for a literal. */
  specExpr: ValueExpr | null;
  /** upstream's threshold (e.g. 'SUCCESS'); null otherwise. */
  threshold: string | null;
  loc: Loc;
}

export interface ToolDef {
  /** maven, jdk, gradle, nodejs, ... */
  type: string;
  /** The installation's name when written as a literal ('' otherwise). */
  name: string;
  /** The name written as an expression ("m-${V}"), evaluated when the tools apply; null for a literal. */
  nameExpr: ValueExpr | null;
  loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// options

export const TIME_UNITS = ['NANOSECONDS', 'MICROSECONDS', 'MILLISECONDS', 'SECONDS', 'MINUTES', 'HOURS', 'DAYS'] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

export interface TimeoutOption {
  time: number;
  unit: TimeUnit;
  /** `activity: true`: the timer restarts whenever the log grows. */
  activity: boolean;
  /** Arguments written as expressions (`time: env.T as int`), evaluated when the run reaches the option, as Jenkins does; their literal fields above are then defaults. */
  exprs?: { time?: Expr; unit?: Expr; activity?: Expr };
  loc: Loc;
}

/** options { retry(n) }; `countExpr` when n is an expression, evaluated when the run reaches it. */
export interface RetryOption {
  count: number;
  /** `retry(count: N)` written as an expression: evaluated when the run gets there. */
  countExpr?: Expr;
  /** `conditions: [agent(), ...]`, evaluated when the run gets there (null: any failure is retried). */
  conditions?: Expr | null;
  loc: Loc;
}

export const DISCARD_KEYS = ['numToKeep', 'daysToKeep', 'artifactNumToKeep', 'artifactDaysToKeep'] as const;
export type DiscardKey = (typeof DISCARD_KEYS)[number];

export interface BuildDiscarder {
  numToKeep: number | null;
  daysToKeep: number | null;
  artifactNumToKeep: number | null;
  artifactDaysToKeep: number | null;
  /** The logRotator values written as expressions (numToKeepStr: isMain ? '50' : '5'), evaluated when the build starts. */
  exprs: Partial<Record<DiscardKey, ValueExpr>>;
  loc: Loc;
}

/** Options valid at pipeline level; stages accept the subset in StageOptions. */
export interface Options {
  timeout: TimeoutOption | null;
  retry: RetryOption | null;
  timestamps: boolean;
  skipDefaultCheckout: boolean;
  skipStagesAfterUnstable: boolean;
  parallelsAlwaysFailFast: boolean;
  disableConcurrentBuilds: { abortPrevious: boolean; loc: Loc } | null;
  quietPeriod: number | null;
  buildDiscarder: BuildDiscarder | null;
  checkoutToSubdirectory: string | null;
  /** checkoutToSubdirectory("${dir}"): the path as an expression, evaluated when the default checkout runs (Jenkins evaluates option arguments at run time). */
  checkoutToSubdirectoryExpr?: Expr | null;
  preserveStashes: number | null;
  newContainerPerStage: boolean;
  disableResume: boolean;
  ansiColor: string | null;
  /** rateLimitBuilds(throttle: [...]) (steps/job-properties.ts); the controller's queue delays builds by it. */
  rateLimitBuilds: { count: number; durationName: 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year'; userBoost: boolean } | null;
  /** Options Kiln accepts but that change nothing here (durabilityHint, ...), kept for `kiln lint` notes. */
  /**
   * Job properties of plugins written as options, by symbol (gitLabConnection('name')): their
   * literal arguments as JSON (lists and maps too), which the build's steps and the plugins'
   * build hooks read (steps/job-properties.ts PLUGIN_PROPERTIES_KEY).
   */
  pluginProperties?: Record<string, Record<string, unknown>>;
  ignored: { name: string; loc: Loc }[];
  wrappers: WrapperOption[];
}

/**
 * What wraps the pipeline's or a stage's run, in the order written (the first outermost), as
 * Jenkins' ModelInterpreter.inWrappers: a block step used as an option (`withCredentials([...])`,
 * `lock('r')`, `withEnv([...])`; its arguments evaluated when the run gets there), or one of the
 * built-in timeout / retry / timestamps options (builtin: their values are in the record's fields).
 */
export interface WrapperOption {
  name: string;
  builtin: boolean;
  positional: Expr[];
  named: NamedArg[];
  loc: Loc;
}

export interface StageOptions {
  timeout: TimeoutOption | null;
  retry: RetryOption | null;
  timestamps: boolean;
  /** null: not written in the stage (the pipeline's option holds); written, it wins over the pipeline's. */
  skipDefaultCheckout: boolean | null;
  ansiColor: string | null;
  wrappers: WrapperOption[];
}

// ---------------------------------------------------------------------------------------------
// stages

export interface Stage {
  name: string;
  nameLoc: Loc;
  agent: AgentSpec | null;
  environment: EnvEntry[];
  options: StageOptions;
  when: When | null;
  input: InputSpec | null;
  tools: ToolDef[];
  /** `failFast true` on a stage with `parallel` (or matrix). */
  failFast: boolean;
  body: StageBody;
  post: Post | null;
  loc: Loc;
}

export type StageBody =
  | { kind: 'steps'; steps: Stmt[]; loc: Loc }
  | { kind: 'stages'; stages: Stage[]; loc: Loc }
  | { kind: 'parallel'; stages: Stage[]; loc: Loc }
  | { kind: 'matrix'; matrix: Matrix; loc: Loc };

export interface MatrixAxis {
  name: string;
  values: string[];
  loc: Loc;
}

/** One `exclude { axis { name 'X'; values 'a'; } axis { name 'Y'; notValues 'b' } }`. */
export interface MatrixExclude {
  axes: { name: string; values: string[]; not: boolean; loc: Loc }[];
  loc: Loc;
}

export interface Matrix {
  axes: MatrixAxis[];
  excludes: MatrixExclude[];
  agent: AgentSpec | null;
  environment: EnvEntry[];
  options: StageOptions;
  when: When | null;
  input: InputSpec | null;
  tools: ToolDef[];
  /** The stages each cell runs, in order. */
  stages: Stage[];
  post: Post | null;
  loc: Loc;
}

export interface InputSpec {
  message: ValueExpr;
  id: ValueExpr | null;
  ok: ValueExpr | null;
  /** Comma-separated user or group names allowed to approve; null = anyone with build rights. */
  submitter: ValueExpr | null;
  /** Environment variable that receives the approver's name. */
  submitterParameter: string | null;
  parameters: ParameterDef[];
  loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// when

export type Comparator = 'EQUALS' | 'GLOB' | 'REGEXP';

export type WhenCondition =
  | { type: 'branch'; pattern: ValueExpr; comparator: Comparator; loc: Loc }
  | { type: 'buildingTag'; loc: Loc }
  | { type: 'changelog'; pattern: ValueExpr; loc: Loc }
  /** shouldMatchAll: a commit whose every affected path matches (ChangeSetConditional.setShouldMatchAll). */
  | { type: 'changeset'; pattern: ValueExpr; caseSensitive: boolean; shouldMatchAll: boolean; comparator: Comparator; loc: Loc }
  | { type: 'changeRequest'; attributes: Record<string, ValueExpr>; comparator: Comparator; loc: Loc }
  | { type: 'environment'; name: ValueExpr; value: ValueExpr; ignoreCase: boolean; comparator: Comparator; loc: Loc }
  | { type: 'equals'; expected: ValueExpr; actual: ValueExpr; loc: Loc }
  | { type: 'expression'; body: Stmt[]; loc: Loc }
  | { type: 'tag'; pattern: ValueExpr | null; comparator: Comparator; loc: Loc }
  | { type: 'triggeredBy'; cause: ValueExpr; detail: ValueExpr | null; loc: Loc }
  /** Restart from Stage: true in a build restarted from a stage of an earlier one. */
  | { type: 'isRestartedRun'; loc: Loc }
  | { type: 'not'; condition: WhenCondition; loc: Loc }
  | { type: 'allOf'; conditions: WhenCondition[]; loc: Loc }
  | { type: 'anyOf'; conditions: WhenCondition[]; loc: Loc };

export interface When {
  /** All must hold (the directive is an implicit allOf). */
  conditions: WhenCondition[];
  beforeAgent: boolean;
  beforeInput: boolean;
  beforeOptions: boolean;
  loc: Loc;
}

// ---------------------------------------------------------------------------------------------
// post

/** In the order Jenkins runs them (cleanup always last). */
export const POST_CONDITIONS = [
  'always', 'changed', 'fixed', 'regression', 'aborted', 'success', 'unsuccessful', 'unstable', 'failure', 'notBuilt', 'cleanup',
] as const;
export type PostCondition = (typeof POST_CONDITIONS)[number];

export interface PostBlock {
  condition: PostCondition;
  steps: Stmt[];
  loc: Loc;
}

export interface Post {
  /** Sorted in Jenkins' order, at most one per condition. */
  blocks: PostBlock[];
  loc: Loc;
}

