// What a step's implementation works with: its bound arguments and the StepContext the engine
// gives it (workspace, environment, console, blocks, the build and its services). How a step is
// declared (name, parameters, block) is data in core/steps.ts; a plugin gives the two apart
// (core/plugin.ts, ../plugin.ts), so validation never loads an implementation.
import type { SshServers } from '../../core/ssh-publish.ts';
import type { FileReader, OutputBarrier, Workspace } from '../../core/workspace.ts';
import type { Loc, BuildResult } from '../../core/build.ts';
import type { Credential } from '../../core/credentials.ts';
import type { IssuesService } from '../../core/issues.ts';
import type { LibraryResolver } from '../../core/libraries.ts';
import type { ClosureValue, DynamicContext, Value } from '../script/values.ts';
import type { ExtendedChoiceOptions, GitParameterOptions, ParameterType, TriggerDef } from '../model/types.ts';
import type { ActiveChoiceOptions } from '../model/active-choices.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { MailServices } from '../../core/mail.ts';
import type { HttpServices } from '../../core/http-services.ts';
import type { StepDecl } from '../../core/steps.ts';
import type { ChangeSetRecord, CheckoutRecord } from './changesets.ts';
import type { ThrottleService } from '../../core/throttle.ts';
import type { NodeClaim } from '../../core/nodes.ts';
import type { CoverageService, ManagedConfigFile } from '../../core/buildtools.ts';
import type { PerformanceService } from '../../core/performance.ts';
import type { BenchmarkService } from '../../core/benchmark.ts';
import type { PlotService } from '../../core/plot.ts';

/** Arguments after binding to the declaration: named values, and the block if any. */
export interface StepArgs {
  values: Record<string, Value>;
  body: ClosureValue | null;
}

/** What a block-running step may change for its body. */
export interface BodyOverrides {
  /** Absolute directory on the node. */
  cwd?: string;
  /** Variables to set (string) or unset (null) for the body. */
  env?: Record<string, string | null>;
  /** Route process steps into this container (`container('maven')`). */
  container?: string | null;
  /** A signal that also aborts the body (timeout, failFast). */
  signal?: AbortSignal;
  /** Extra secrets to mask in the body's output (withCredentials). */
  secrets?: string[];
  /** Secrets and regexes masked with their own mask from now on (maskPasswords: '********'); regexes checked safe by the step. */
  masks?: { secrets: string[]; patterns: RegExp[]; mask: string };
  /** Run the body on this workspace (scripted `node {}`, `agent` of a stage). */
  workspace?: Workspace;
  /** Prefix console lines with timestamps (`timestamps {}`). */
  timestamps?: boolean;
  /** Run the body as a stage of this name (scripted `stage('x') {}`). */
  stage?: string;
  /** Run the body as a parallel branch of this name (its console lines get a `[name] ` prefix). */
  parallelBranch?: string;
  /** Called whenever the body prints something (timeout's `activity`). */
  onOutput?: (() => void) | undefined;
  /** Passed by every node the body allocates, before it asks for the node (throttle's category slots). */
  nodeGate?: NodeGate;
}

/**
 * A gate a node block passes before it asks for its node (`throttle`): resolves, once the block
 * may go on, to the release called when the block gives its node back, and the claim the node it
 * is given must satisfy (core/nodes.ts NodeClaim: throttle's maxConcurrentPerNode), or null. `say`
 * prints to the console.
 */
export type NodeGate = (signal: AbortSignal, say: (line: string) => void) => Promise<{ release: () => void; claim: NodeClaim | null }>;

/**
 * Everything a step can reach while it runs. The engine implements it; steps never see the
 * engine's internals, the controller, or the store.
 */
export interface StepContext {
  readonly stepName: string;
  /** Where the step call is in the Jenkinsfile. */
  readonly loc: Loc;
  /** Aborts when the build is aborted or an enclosing timeout fires. */
  readonly signal: AbortSignal;
  /** The dynamic context the step was called in (to pass to closures it calls). */
  readonly dyn: DynamicContext;
  /** The environment a process started by this step gets. */
  readonly env: Readonly<Record<string, string>>;
  /** The current directory on the node, or null outside a node. */
  readonly cwd: string | null;
  /** The container process steps run in, or null for the node itself. */
  readonly container: string | null;
  /** The workspace; throws a clear "needs a node" error when the step runs outside one. */
  workspace(): Workspace;
  /** Resolves a path against the current directory (throws outside a node). */
  resolvePath(path: string): string;
  /** Prints text to the console, as a line (a newline is added when missing). Secrets are masked. */
  log(text: string): void;
  /**
   * Prints raw output bytes (process output). Secrets are masked, partial lines kept. Each
   * stream is split into lines on its own, so stdout and stderr never mix within a line.
   */
  write(chunk: Buffer, stream?: 'stdout' | 'stderr'): void;
  /** Runs the step's block (or any closure) with changed context; resolves to its value. */
  runBody(body: ClosureValue, overrides?: BodyOverrides, args?: Value[]): Promise<Value>;
  /** The build this step belongs to. */
  readonly build: BuildControl;
  /** The step was in flight when the controller restarted and goes on now (its opening lines are in the console already). */
  readonly resumed?: boolean;
  /**
   * The key a script step (sh, bat, powershell) runs its process under, durably where the node
   * can (an agent): kept in the journal, so the step resumed after a restart takes it over.
   */
  readonly durableKey?: string;
  /**
   * For a script step's durable exec (ExecSpec.barrier): of the output bytes `got` passed to
   * `write` per stream, how many are safe (not held as a partial line, and in the console on
   * disk); resolved once they are. With `end` (the exec ended): once the step's end is journaled
   * too. Absent where the console keeps nothing across a restart.
   */
  readonly outputBarrier?: (key: string, got: Parameters<OutputBarrier>[0], end?: boolean) => ReturnType<OutputBarrier>;
  /** A resumed script step: where its output is to be resent from (what the console has of it); absent, from what the node holds as acknowledged. */
  readonly durableFrom?: { stdout: number; stderr: number };
  /**
   * A value kept with this step call in the journal: `make` runs the first time, and a resumed
   * build replaying the call gets the same value back (a badge's generated id). Journaled at once.
   * Absent: nothing is kept (`make` each time).
   */
  journaled?(key: string, make: () => string): string;
  /** An absolute deadline `ms` from the step's first start, kept in the journal across a restart (sleep, timeout, input). */
  deadline?(ms: number): number;
  /** A plugin's 'class' step that `step([$class: cls])` names, with its implementation; null: none (core/steps.ts kind 'class'). */
  /** The gates of the throttle blocks this step is inside (node, a stage's agent pass them). */
  readonly nodeGates?: readonly NodeGate[];
  buildStep?(cls: string): Promise<{ decl: StepDecl; run: (ctx: StepContext, args: StepArgs) => Promise<Value> } | null>;
  /** Validates a Jenkinsfile's text with the step registry the build was validated with (validateDeclarativePipeline). */
  validatePipeline?(text: string): { diagnostics: readonly Diagnostic[] };
}

/** A badge of a build (the badge plugin): a text with an icon and link, an HTML badge shown as escaped text, or a summary (a text on the build page). */
export interface BuildBadge {
  kind: 'badge' | 'html' | 'summary';
  id: string | null;
  /** 'info', 'warning', 'error' for those steps' badges, else the icon the step named (or null). */
  icon: string | null;
  text: string;
  link: string | null;
  style: string | null;
  cssClass: string | null;
}

export interface BuildControl {
  readonly jobName: string;
  readonly number: number;
  /** When the build started (ms since the epoch; currentBuild.startTimeInMillis). Absent: not known. */
  readonly startedAt?: number;
  /** The build's result so far. */
  readonly result: BuildResult;
  /**
   * Jenkins' Run.getResult() (currentBuild.result): null while the build runs and nothing has set
   * or worsened its result; a publisher computing a final state reads this. Absent: as `result`.
   */
  readonly runResult?: BuildResult | null;
  /** The job's previous finished build (GIT_PREVIOUS_SUCCESSFUL_COMMIT); null: none; absent: not known. */
  readonly previous?: { number: number; result: BuildResult | null } | null;
  /** Worsens the build's result (never improves it), and the current stage's when given. */
  setResult(build: BuildResult, stage?: BuildResult): void;
  /** Services that live outside the step: stashes, artifacts, tests, input, credentials, other jobs. */
  readonly services: BuildServices;
  /** Sets an environment variable for the rest of the build (`env.X = ...`, GIT_COMMIT after checkout). */
  setEnv(name: string, value: string | null): void;
  /** Sets the build's display name and description, as `currentBuild.displayName = ...` does (buildName / buildDescription). */
  setDisplayName(name: string): void;
  setDescription(text: string): void;
  /** Replaces the build's badges (the badge plugin's steps; the build page and API show them). Absent: the host keeps none. */
  updateBadges?(f: (badges: readonly BuildBadge[]) => BuildBadge[]): void;
  /** The commit earlier builds last built of a branch of these remotes (their BuildData); null: none recorded. Absent: not known. */
  lastBuilt?(remotes: readonly string[], branch: string): string | null;
  /** The same, as the job's previous successful build (SUCCESS or UNSTABLE) recorded it: GIT_PREVIOUS_SUCCESSFUL_COMMIT. Absent: not known. */
  lastSuccessfulBuilt?(remotes: readonly string[], branch: string): string | null;
  /** A checkout's revision and change set, recorded on the build (changesets.ts). Absent: the host keeps none. */
  recordCheckout?(c: CheckoutRecord): void;
  /** The change sets recorded so far (currentBuild.changeSets, emailext's developers). */
  changeSets?(): readonly ChangeSetRecord[];
  /** State a plugin's steps share for this build (podTemplate's pods by label). */
  readonly scope: BuildScope;
  /**
   * `stage 'name'` without a block (the old form): the rest of the script, up to the next such
   * call, is that stage in the stage view; the one before ends.
   */
  beginOpenStage(name: string): void;
}

/**
 * State that lives as long as one build and that a plugin's steps, its agent types' evaluation
 * and its hooks share: podTemplate's pods by label, which `node(POD_LABEL)` then asks for.
 * Keys are the plugin's own ('kubernetes.podTemplates').
 */
export interface BuildScope {
  /** The build's value for `key`, made by `init` the first time. */
  state<T>(key: string, init: () => T): T;
}

export interface StashFile {
  path: string;
  mode: number;
  data: Buffer;
}

/**
 * A file to keep or restore, opened only when its turn comes and read in chunks, so archiving,
 * stashing and unstashing hold a bounded part of it in memory whatever its size.
 */
export interface SourceFile {
  path: string;
  mode: number;
  /** Its last modification (ms since the epoch), where the node says (fingerprints: made by this build or not). */
  mtimeMs?: number;
  open(): Promise<FileReader>;
}

/** A file a step fingerprinted: its MD5 and whether this build made it (Jenkins' Fingerprinter). */
export interface FingerprintRecord {
  path: string;
  md5: string;
  fileName: string;
  /** Modified at most 2 s before the build started, or later. */
  produced: boolean;
  /** Copied from that build (copyArtifacts): its original, when the fingerprint is new. */
  from?: { job: string; number: number } | null;
}

export interface TestCase {
  suite: string;
  className: string;
  name: string;
  durationMs: number;
  status: 'passed' | 'failed' | 'error' | 'skipped';
  message: string | null;
  details: string | null;
  stdout: string | null;
  stderr: string | null;
}

export interface TestReport {
  total: number;
  failed: number;
  errors: number;
  skipped: number;
  passed: number;
  cases: TestCase[];
}

export interface InputRequest {
  id: string;
  message: string;
  ok: string;
  submitter: string | null;
  parameters: InputParameter[];
}

/** One parameter of an input's form; an Active Choices one (activeChoice...) has its script's answer when the input is shown. */
export interface InputParameter {
  name: string;
  type: string;
  defaultValue: Value;
  description: string;
  choices: string[];
  /** Active Choices: the parameter's options (its script: kept on the controller, not in the API). */
  activeChoice?: ActiveChoiceOptions;
  /** Active Choices: each choice's label, the HTML/text of activeChoiceHtml, how the form shows it, the parameters it reacts to, why the script failed. */
  labels?: string[];
  html?: string | null;
  choiceType?: string;
  referencedParameters?: string[];
  error?: string | null;
}

export type InputOutcome =
  | { approved: true; submitter: string; values: Record<string, Value> }
  | { approved: false; submitter: string };

/** Named resources that builds take turns on (the `lock` step). */
/** What a lock step asks for: resources by name, and a quantity of those having a label (0: all). */
export interface LockRequest {
  names: string[];
  labels: { label: string; quantity: number }[];
  /** resourceSelectStrategy RANDOM: a label's free resources in random order (default: by name). */
  random?: boolean;
}

export interface LockOptions {
  /** inversePrecedence: wait first in line instead of last. */
  newestFirst?: boolean;
  /** Resolve with null instead of waiting when it is not all free now. */
  skipIfLocked?: boolean;
  /** Told why the request must wait (or is skipped): the lines the console shows. */
  onBlocked?: (lines: string[]) => void;
}

export interface LockGrant {
  /** The resources taken (a label's chosen ones included). */
  names: string[];
  release: () => void;
}

/** Lockable resources (engine/locks.ts LockManager): named, or configured with labels on the host. */
export interface Locks {
  holder(resource: string): string | undefined;
  /** Whether the resource is configured, held or waited for (else the step says it is created). */
  exists(resource: string): Promise<boolean>;
  lock(req: LockRequest, owner: string, signal: AbortSignal, opts?: LockOptions): Promise<LockGrant | null>;
}

/**
 * A job's properties as a build evaluated them: what the next build's form, the cron schedule
 * and the build discarder follow (Jenkins' updateJobProperties). Plain data, no positions.
 */
export interface JobProperties {
  parameters: { type: ParameterType; name: string; defaultValue: string | boolean | null; description: string; choices: string[]; trim: boolean; git?: GitParameterOptions; activeChoice?: ActiveChoiceOptions; extendedChoice?: ExtendedChoiceOptions }[];
  triggers: { type: TriggerDef['type']; spec: string; threshold: string | null }[];
  /** logRotator's counts; null = no limit on that axis. Null as a whole: no buildDiscarder. */
  discarder: { numToKeep: number | null; daysToKeep: number | null; artifactNumToKeep: number | null; artifactDaysToKeep: number | null } | null;
  /** disableConcurrentBuilds (null: builds may run side by side); absent: left as the host has it. */
  disableConcurrentBuilds?: { abortPrevious: boolean } | null;
  /** rateLimitBuilds (null: no throttle); absent: left as the host has it. */
  rateLimit?: RateLimit | null;
}

/** rateLimitBuilds' throttle (Branch API): build starts at least duration/count apart; userBoost: a user's builds skip it. */
export interface RateLimit {
  count: number;
  durationName: 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
  userBoost: boolean;
}

export interface BuildServices {
  stashes: {
    put(name: string, files: StashFile[]): Promise<void>;
    get(name: string): Promise<StashFile[] | undefined>;
    /**
     * The streaming forms (memory bounded whatever the size), used when present; services
     * without them (tests, benches) get `put`/`get` with whole files.
     */
    putFiles?(name: string, files: SourceFile[]): Promise<void>;
    getFiles?(name: string): Promise<SourceFile[] | undefined>;
  };
  artifacts: {
    /** Saves one file of the build's artifacts under its relative path. */
    put(path: string, data: Buffer, mode: number): Promise<void>;
    /** The streaming form, used when present: keeps the file as it is read; returns its size and sha256. */
    putFile?(path: string, file: FileReader, mode: number): Promise<{ size: number; sha256: string }>;
    /** The paths of the build's artifacts so far, sorted (Run.getArtifacts for notifiers). Absent: not known. */
    list?(): Promise<string[]>;
  };
  tests: {
    record(report: TestReport): Promise<void>;
    /** The totals of the previous completed build's tests (xunit's "new" thresholds); null: none. Absent: not known. */
    previous?(): Promise<{ total: number; failed: number; errors: number; skipped: number; passed: number } | null>;
  };
  /** Named locks shared by the builds of this controller (or of this `kiln run`). */
  locks: Locks;
  /** Pauses until someone answers (API / CLI prompt), or the signal aborts. */
  input(req: InputRequest, signal: AbortSignal): Promise<InputOutcome>;
  /** Looks a credential up; throws a clear error when absent or not allowed. */
  credential(id: string): Promise<Credential>;
  /** Gets a workspace on a node whose labels match (scripted `node('label') {}`); release it after. */
  allocateNode(label: string | null, signal: AbortSignal, say?: (line: string) => void, claim?: NodeClaim | null): Promise<{ workspace: Workspace; release: () => Promise<void> }>;
  /**
   * readTrusted (Pipeline: Multibranch): the text of `path` (relative, checked by the step) from
   * the revision the build trusts: the job's own branch, and for a build of an untrusted revision
   * (a fork's pull request) only when that revision did not change the file. Absent when the
   * Jenkinsfile comes from no repository (an inline script): the step fails as Jenkins does.
   */
  readTrusted?(path: string, signal: AbortSignal, say: (line: string) => void): Promise<string>;
  /** Triggers another job (`build` step); throws when there is no controller. */
  triggerJob(job: string, params: Record<string, Value>, wait: boolean, signal: AbortSignal): Promise<{ number: number; result: BuildResult | null }>;
  /**
   * This build passes milestone `ordinal`: older builds of the job that have not passed it are
   * aborted, and this build is aborted (Interrupted 'superseded') if a newer one already passed
   * it. Absent where there is only one build (kiln run): passing is then all there is to do.
   */
  milestone?(ordinal: number, label: string | null): Promise<void>;
  /**
   * The job's properties as this build evaluated them (declarative `parameters`, `triggers`,
   * `options { buildDiscarder }` once the script's top level has run). The host keeps them for
   * the next builds; absent: nothing keeps them.
   */
  jobProperties?(p: JobProperties): Promise<void>;
  /** Fingerprints (fingerprint, archiveArtifacts(fingerprint: true), copyArtifacts): kept with the build and across jobs by MD5. Absent: nothing keeps them. */
  fingerprints?: { record(records: FingerprintRecord[]): Promise<void> };
  /** Static analysis results (recordIssues): kept per build, and earlier builds' for the delta. Absent: nothing keeps them. */
  issues?: IssuesService;
  /** The build's console so far, in chunks (recordIssues' console parsers). Absent: the host keeps none to read. */
  consoleLog?(): AsyncIterable<Buffer>;
  /** Sending e-mail (the mail plugin's steps) and what the build knows of its people; absent: the host sends none. */
  mail?: MailServices;
  /** The HTTP services an administrator configured (Slack, GitHub, GitLab, SonarQube, httpRequest's reach); absent: none. */
  httpServices?: HttpServices;
  /**
   * Finds shared libraries for the `library` step (core/libraries.ts): the controller's
   * configured ones for the job, or `kiln run --library`. Absent: the step says none is configured.
   */
  libraries?: LibraryResolver;
  /** What the build-tool and report plugins keep or read (coverage, HTML reports, managed config files); absent: nothing. */
  buildTools?: BuildToolsServices;
  /** Publish Over SSH's servers an administrator configured (sshPublisher); absent: none. */
  sshServers?: SshServers;
  /** The throttle categories and their slots (the throttle step); absent: none configured. */
  throttle?: ThrottleService;
  /**
   * The properties of the job's folders (withFolderProperties): each key once, from the nearest
   * folder that sets it, outer folders' first; [] for a job outside a folder. Absent: the host keeps none.
   */
  folderProperties?(): Promise<{ key: string; value: string; folder: string }[]>;
  /** Deletes the build once it has finished (scmSkip(deleteBuild: true), the SCM Skip plugin's run listener). Absent: the host keeps its builds. */
  deleteWhenFinished?(): void;
  /** The Build User Vars plugin's variables (BUILD_USER, BUILD_USER_ID, ...) from the build's causes. Absent: the host knows no users (kiln run). */
  buildUser?(): Promise<Record<string, string>>;
}

/** The host side of the coverage, htmlpublisher and config-files plugins; each part absent where the host has none. */
export interface BuildToolsServices {
  coverage?: CoverageService;
  /** perfReport's results (the performance plugin): kept per build, and earlier builds' for the comparison. */
  performance?: PerformanceService;
  /** The benchmark step's results (the Benchmark plugin): kept per build, and earlier builds' for the relative thresholds. */
  benchmark?: BenchmarkService;
  /** The plot step's plots (the Plot plugin): kept per job by csvFileName. */
  plot?: PlotService;
  /**
   * publishHTML: keeps one report's files for this build under its name (the host serves them
   * sandboxed); keepAll false: the host drops earlier builds' copies of that report.
   */
  htmlReport?(report: { name: string; files: string[]; keepAll: boolean; alwaysLinkToLastBuild: boolean }, sources: SourceFile[]): Promise<void>;
  /** A managed config file by id (configFileProvider, withMaven's settings), or null. */
  configFile?(id: string): Promise<ManagedConfigFile | null>;
  /**
   * copyArtifacts: the artifacts of another job's build the selector picks (null: no such build);
   * throws a StepFailure when the job does not exist or this build may not read it.
   */
  artifactsOf?(job: string, selector: { kind: 'lastSuccessful' | 'lastStable' | 'lastCompleted' | 'specific'; number?: number }): Promise<{ job: string; number: number; files: SourceFile[] } | null>;
}
