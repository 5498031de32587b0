// The pipeline engine: runs a validated model the way Jenkins' declarative pipeline does.
//
//   stage order of evaluation (as Jenkins):  when{beforeOptions} → options (timeout, retry,
//   timestamps and block steps such as withCredentials, in the order written, the first
//   outermost: #withOptions) → when{beforeInput} → input → when{beforeAgent} → agent → environment → when →
//   steps | stages | parallel | matrix → post (always, changed, fixed, regression, aborted,
//   success, unsuccessful, unstable, failure, notBuilt, cleanup: each asked in turn against the
//   result so far, postConditionHolds).
//
// As Jenkins' ModelInterpreter: a list of stages keeps its first error (Failures), and only that
// skips the later stages of the list (each parallel branch has its own); the error then leaves
// the parent stage and the pipeline, so `options { retry }` there runs the nested stages again.
// An `environment {}` block is resolved as a whole (#resolveEnvBlock, context.ts EnvBlockScope),
// its credentials() bound first and shown as Jenkins shows them, one withCredentials step.
// Once the script's top level has run, the job's properties written as expressions (parameter
// defaults, cron specs, logRotator counts) are evaluated and reported to the host
// (#jobProperties, BuildServices.jobProperties), as Jenkins' updateJobProperties.
//
// Steps run through the script interpreter (a `steps {}` block is a statement list), which calls
// back into this engine for every step. Which steps, globals and agent types exist is the step
// registry's business (RunOptions.registry, built by the host from its plugins): the engine
// knows no plugin, loads a step's implementation when it first runs, and asks an agent type's
// plugin for the last word on its request. Where a step runs is the NodeProvider's business: the
// engine never asks which backend it has. Nothing here polls or sleeps: every wait is on a
// promise that something resolves (process exit, input answer, abort).
//
// Shared libraries (RunOptions.libraries, and the `library` step) are loaded into the build's
// LibrarySpace (../libraries/runtime.ts) before the script runs; a declarative pipeline that a
// library var defines runs here as the build's pipeline, its code evaluated in the var's scope
// (#runLibraryPipeline swaps #interp for the time it runs).
//
// Restart from Stage (RunOptions.restart): the top-level stages before the chosen one are marked
// skipped-restart with Jenkins' console line, and `when { isRestartedRun() }` holds.
//
// Progress is kept as plain data (BuildState): stages, statuses, times, and a journal of steps.
// Every step call is also told to the host as a JournalEntry (BuildListener.journal); a build
// resumed after a controller restart (RunOptions.resume) replays that journal: #callStep answers
// finished calls from it and the console stays silent until the point where it goes on
// (replay.ts, #replayTake / #answered / #muted), but for a branch's closing lines the console
// lacks (#unprinted, counted by #trail: `trails()`, which the host journals).
import path from 'node:path/posix';
import { type OutputBarrier, type Workspace, WorkspaceError } from '../../core/workspace.ts';
import type { AgentRequest, AllocatedNode, BuildRef, NodeClaim, NodeProvider } from '../../core/nodes.ts';
import { PipelineError } from '../diagnostics.ts';
import { checkCron } from '../model/cron.ts';
import { discardCount, discardCountProblem } from '../model/options.ts';
import type { Expr } from '../syntax/ast.ts';
import {
  DISCARD_KEYS, isPluginAgent, type AgentSpec, type ToolDef, type DeclarativePipeline, type EnvEntry, type InputSpec, type Matrix, type Options, type PipelineModel,
  type Post, type PostCondition, type Stage, type StageOptions, type WrapperOption, type WhenCondition, type When, type TimeUnit, type Comparator, type TimeoutOption, TIME_UNITS,
} from '../model/types.ts';
import type { BuildResult, Loc } from '../../core/build.ts';
import type { BuildCompletedEvent, BuildEvent, PluginRuntime } from '../plugin.ts';
import { Interpreter, groovyTruth, toGroovyString, type ScriptEvaluator } from '../script/interpreter.ts';
import type { LibraryContent } from '../../core/libraries.ts';
import { LIBRARIES_KEY, LibrarySpace } from '../libraries/runtime.ts';
import { lastBuiltOf, recordBuilt, type CheckoutRecord, type GitBuildDataRecord } from '../steps/changesets.ts';
import { describeLibraryLoc, libraryPlace } from '../libraries/parsed.ts';
import { findFirst, matchesWhole, type RegexSite } from '../script/regex.ts';
import { GroovyException, ScriptError } from '../script/errors.ts';
import { fromJson, type CallArgs, type ClosureValue, type ScriptHost, type Value } from '../script/values.ts';
import type { StepRegistry } from '../steps/registry.ts';
import { loadPipeline } from '../load.ts';
import { bindStepArgs, StepBindError } from '../steps/bind.ts';
import { unknownParametersLine } from '../steps/known-classes.ts';
import { Interrupted, StepFailure, interruptionOf, throwIfAborted } from '../../core/errors.ts';
import type { StepDecl } from '../../core/steps.ts';
import { passNodeGates } from '../steps/node-gates.ts';
import { PLUGIN_PROPERTIES_KEY, type PluginProperties } from '../steps/job-properties.ts';
import type { BodyOverrides, BuildControl, BuildScope, BuildServices, InputOutcome, InputRequest, JobProperties, StepContext } from '../steps/types.ts';
import type { Credential } from '../../core/credentials.ts';
import { withTimeout } from '../steps/timeout.ts';
import { notRetrying, retryConditions, retryable, type RetryCondition } from '../steps/retry.ts';
import { toolEnv } from '../steps/tool.ts';
import { unitToMs } from '../steps/args.ts';
import { inputParameters, renderActiveChoices } from '../steps/input.ts';
import { compileAntPatterns } from '../../util/antglob.ts';
import { ExecContext, asExec } from './context.ts';
import { LockManager } from './locks.ts';
import { contextObject } from './context-objects.ts';
import { expandOverrides, flattenLayers, pushLayer, type EnvLayer } from './env.ts';
import { CurrentBuildObject, EnvObject, ParamsObject, ScmObject, resolveGlobal, type GlobalsBackend, type PreviousBuild } from './globals.ts';
import { LineSink, SecretMasker } from './output.ts';
import { isWorseOrEqual, statusOfResult, worse, type BuildState, type StageRecord, type StepRecord } from './state.ts';
import { Replay, answer, encodeValue, isReattachable, isResumable, newExecKey, nonResumable, runsScript, type JournalEntry, type ResumeFrom } from './replay.ts';

// ---------------------------------------------------------------------------------------------
// What the engine needs from its host (kiln run, or the controller)

export interface OutputWhere {
  stageId: string | null;
  stepId: string | null;
  /** The bytes are a durable exec's output (a script step's `write`), not a line of the engine's or another step's. */
  exec?: boolean;
}

/** Everything a build reports while it runs. All optional. */
export interface BuildListener {
  output?(data: Buffer, where: OutputWhere): void;
  stage?(stage: StageRecord): void;
  step?(step: StepRecord): void;
  state?(state: BuildState): void;
  /** An input step is waiting (pending true) or was answered (false). */
  input?(req: PendingInput, pending: boolean): void;
  /** An `ERROR: ` line of the engine's is about to be written (a host marks where it starts, so a console can open there). */
  errorLine?(where: OutputWhere): void;
  /** A shared library was loaded (at the start, or by the `library` step), in loading order: for the build page. */
  library?(lib: LibraryContent): void;
  /** A step call started, set a deadline, or ended: what a resumed build replays (replay.ts). */
  journal?(entry: JournalEntry): void;
  /** A resumed build reached the point where it goes on (its replay is over there). */
  resumed?(): void;
  /**
   * Durable exec `key`'s output up to `safe` was given to `output` (it is below the console's
   * current end): resolves once every byte `output` was given so far is on disk (a host whose
   * console survives a restart; durable execs acknowledge their output only then:
   * StepContext.outputBarrier). Rejects when the host keeps nothing more (it stops). `end`: the
   * exec ended, and the step's end was journaled (`journal`) before this call. `safe.open`: the
   * streams whose output up to `safe` ends within a line (1 stdout, 2 stderr; absent: none), which a
   * resumed exec continues without a new line prefix (JournalEntry.execFrom).
   */
  outputWritten?(key: string, safe: { stdout: number; stderr: number; open?: number }, end?: boolean): Promise<void>;
}

export interface PendingInput extends InputRequest {
  stageId: string | null;
}

export interface RunOptions {
  model: PipelineModel;
  /** The steps, globals and agent types of the host's plugins (the registry the model was validated with). */
  registry: StepRegistry;
  /** Name of the Jenkinsfile for messages (e.g. 'Jenkinsfile'). */
  file: string;
  build: BuildRef & { url?: string | null; controllerUrl?: string | null };
  params?: Record<string, Value>;
  nodes: NodeProvider;
  /** The environment processes start from on a node (its PATH, HOME...). */
  baseEnv?: Record<string, string>;
  /** Jenkins' global environment variables: over the node's environment, under all the build sets. */
  globalEnv?: Record<string, string>;
  /** More variables Kiln knows: BRANCH_NAME, TAG_NAME, CHANGE_ID, ... */
  extraEnv?: Record<string, string>;
  /**
   * Told each secret a block step gives its body to mask (BodyOverrides.secrets / masks: values
   * read from Vault or 1Password, maskPasswords' passwords), so that the host scrubs them from what
   * it keeps too (the build's saved state), as it scrubs the credentials it resolved.
   */
  onSecret?: (secret: string) => void;
  services: Omit<BuildServices, 'input' | 'allocateNode' | 'locks'>;
  /** Locks shared with other builds; a run without one gets its own. */
  locks?: LockManager;
  scm?: { url: string; branch: string; credentialsId: string | null } | null;
  /**
   * Without an SCM (kiln run): what stands for the checkout a stage's own agent does on a local
   * node of its own, a copy of the project into that workspace (the first workspace is one
   * already); returns a line for the console.
   */
  projectCopy?: (root: string) => Promise<string>;
  /** Files read from the Jenkinsfile's repository with it, by path (load.ts filesBeside: `kubernetes { yamlFile }`). */
  scmFiles?: Record<string, string>;
  previous?: PreviousBuild | null;
  /**
   * The Git plugin's build data of the job's previous successful build (SUCCESS or UNSTABLE,
   * Run.getPreviousSuccessfulBuild): where GIT_PREVIOUS_SUCCESSFUL_COMMIT comes from. Absent: not known.
   */
  previousSuccessfulGitData?: GitBuildDataRecord[] | null;
  /** What changed since the last build (when/changelog, when/changeset). */
  changes?: { messages: string[]; files: string[] } | null;
  /** Why the build started: 'UserIdCause', 'TimerTrigger', 'SCMTrigger', 'UpstreamCause', ... */
  causes?: { type: string; detail?: string }[];
  listener?: BuildListener;
  /**
   * The shared libraries resolved for this build (its `@Library` requests and the implicit
   * ones), in loading order: loaded at the start ("Loading library NAME@VERSION (commit)").
   */
  libraries?: readonly LibraryContent[];
  /** The journal of the build's previous process: the run replays it (replay.ts) and goes on after it. */
  resume?: ResumeFrom;
  /**
   * Restart from a stage (Jenkins' RestartDeclarativePipelineAction): the top-level stages
   * before `stage` are skipped for the restart; `when { isRestartedRun() }` holds.
   */
  restart?: { stage: string; from: number };
}

/** A stage's line in the Jenkinsfile; null for a stage written in a shared library's file. */
function lineIn(loc: Loc): number | null {
  return libraryPlace(loc) ? null : loc.start.line;
}

const POST_STAGE_NAME = 'Declarative: Post Actions';
/** The credential types `environment { X = credentials('id') }` binds, by Jenkins' class names. */
const ENV_CREDENTIAL_TYPES = 'StandardUsernamePasswordCredentials,FileCredentials,StringCredentials,SSHUserPrivateKey';
const CHECKOUT_STAGE_NAME = 'Declarative: Checkout SCM';
/** The pipeline's own tools {}, a synthetic stage as in Jenkins (SyntheticStageNames.toolInstall). */
const TOOLS_STAGE_NAME = 'Declarative: Tool Install';

// ---------------------------------------------------------------------------------------------

export class PipelineRun {
  readonly state: BuildState;
  readonly #o: RunOptions;
  /** The Jenkinsfile's interpreter; while a library var's `pipeline { }` runs, an evaluator scoped to it. */
  #interp: ScriptEvaluator;
  /** The build's shared libraries (../libraries/runtime.ts). */
  readonly #libs: LibrarySpace;
  /** Set once a declarative pipeline ran: a build runs one only (as Jenkins). */
  #declarativeRan = false;
  /** The pipeline's own post was asked (it runs once, whether a condition held or not). */
  #pipelinePostRan = false;
  readonly #masker = new SecretMasker();
  /** Aborts what runs; a second abort also stops post blocks. */
  readonly #abort = new AbortController();
  readonly #hardAbort = new AbortController();
  readonly #params: Record<string, Value>;
  readonly #globalEnv: Record<string, string | null> = {};
  readonly #reported = new WeakSet<object>();
  readonly #inputs = new Map<string, { req: PendingInput; resolve: (o: InputOutcome) => void }>();
  #ids = 0;
  /** The previous process's journal while a resumed build replays it (replay.ts); null for a fresh build. */
  readonly #replay: Replay | null;
  /** The plugins' onBuildStarted hooks ran (#buildStarted). */
  #startedHooks = false;
  readonly #journal = new WeakMap<StepRecord, JournalEntry>();
  /**
   * Per branch, the bytes it printed since its latest-started step's last journal line: since that
   * step ended (its closing lines), or since a block step started (its opening lines: `[Pipeline] {
   * (x)`, `Running on ...`), or, before its first step, since the branch began (absent while a
   * leaf step runs: its output is its own). The host journals them (`trails`), so that a resumed
   * build prints what of them its console lacks (replay.ts `unprinted`). Lines that need not come
   * again alike (a wait's reason, the "Resumed after" line) are not counted (#log's `uncounted`).
   */
  readonly #trail = new Map<string, number>();
  readonly #latestStep = new Map<string, string>();
  /** The stage a block-less `stage 'name'` opened, until the next one or the end of the build. */
  #openStage: StageRecord | null = null;
  #explicitResult: BuildResult | null = null;
  #skipAfterUnstable = false;
  /** Restart from a stage: the top-level stages skipped for it (RunOptions.restart). */
  #restartSkips = new Set<string>();
  #parallelsAlwaysFailFast = false;
  /** The pipeline's options { skipDefaultCheckout; checkoutToSubdirectory }: a stage's own agent checks out as the pipeline's does. */
  #rootCheckout: { skip: boolean; subdir: string | null; subdirExpr: Expr | null } = { skip: false, subdir: null, subdirExpr: null };
  readonly #globals: { env: EnvObject; params: ParamsObject; currentBuild: CurrentBuildObject; scm: ScmObject };
  readonly #services: BuildServices;
  /** What the plugins' steps and agent types keep for this build (BuildScope). */
  readonly #state = new Map<string, unknown>();
  readonly #scope: BuildScope = {
    state: <T>(key: string, init: () => T): T => {
      if (!this.#state.has(key)) this.#state.set(key, init());
      return this.#state.get(key) as T;
    },
  };

  constructor(o: RunOptions) {
    this.#o = o;
    this.state = {
      job: o.build.job, number: o.build.number, result: null, currentResult: 'SUCCESS', status: 'running',
      startedAt: o.resume?.startedAt ?? Date.now(), endedAt: null, stages: [], steps: [], message: null, description: null, displayName: null,
    };
    this.#replay = o.resume ? new Replay(o.resume) : null;
    // The Git plugin's BuildData, copied forward from the previous build (changesets.ts).
    if (o.previous?.gitBuildData?.length) this.state.gitBuildData = structuredClone(o.previous.gitBuildData);
    this.#params = paramsWithDefaults(o.model, o.params ?? {});
    const state = this.state;
    const host: ScriptHost = {
      resolveGlobal: (name, ctx) => resolveGlobal(gb, this.#globals, name, ctx),
      hasStep: (name) => o.registry.step(name) !== undefined,
      isSymbol: (name) => o.registry.step(name)?.kind === 'symbol',
      stepNames: () => o.registry.stepNames(),
      callStep: (name, args, ctx, loc) => this.#callStep(name, args, asExec(ctx), loc),
      getContext: (className, ctx, loc) => {
        const c = asExec(ctx);
        return contextObject(className, { cwd: c.workspace ? c.cwd ?? c.workspace.root : null, env: this.#envOf(c), log: (t) => this.#log(c, t) }, loc);
      },
    };
    const gb: GlobalsBackend = {
      envOf: (ctx) => this.#envOf(asExec(ctx)),
      setEnv: (name, value) => this.#setEnv(name, value),
      params: this.#params,
      currentBuild: {
        number: o.build.number,
        job: o.build.job,
        url: o.build.url ?? null,
        startedAt: this.state.startedAt,
        result: () => this.#runResult(),
        currentResult: () => this.state.currentResult,
        setResult: (r) => {
          this.#explicitResult = r;
          this.#setResult(r);
        },
        get description() { return state.description; },
        set description(v) { state.description = v; },
        get displayName() { return state.displayName; },
        set displayName(v) { state.displayName = v; },
        previous: o.previous ?? null,
        changeSets: () => state.changeSets ?? [],
      },
      scm: o.scm ?? null,
      registry: o.registry,
      scope: this.#scope,
    };
    this.#globals = { env: new EnvObject(gb), params: new ParamsObject(gb), currentBuild: new CurrentBuildObject(gb.currentBuild), scm: new ScmObject(gb) };
    this.#libs = new LibrarySpace({
      registry: o.registry,
      log: (ctx, line) => this.#log(asExec(ctx), line),
      loaded: (lib) => {
        (this.state.libraries ??= []).push({
          name: lib.name, version: lib.version, commit: lib.commit, source: lib.source, changelog: lib.includeInChangesets,
          ...(lib.credentialsId ? { credentialsId: lib.credentialsId } : {}), ...(lib.fromJenkinsfile ? { fromJenkinsfile: true } : {}),
        });
        this.#emitState();
        this.#o.listener?.library?.(lib);
      },
      runPipeline: (model, ev, ctx) => this.#runLibraryPipeline(model, ev, asExec(ctx)),
    });
    const main = new Interpreter(this.#libs.wrap(host), { file: o.file, shared: this.#libs.shared });
    this.#libs.setMain(main);
    this.#scope.state(LIBRARIES_KEY, () => this.#libs);
    this.#interp = main;
    this.#services = {
      ...o.services,
      locks: o.locks ?? new LockManager(),
      input: (req, signal) => this.#waitForInput(req, signal),
      allocateNode: (label, signal, say, claim) => this.#allocateNode(label, signal, say, null, claim ?? null),
    };
  }

  /** The `node` step's node; `branch` set while its branch replays, so the block gets the node it ran on (replay.ts nodeAhead). */
  async #allocateNode(label: string | null, signal: AbortSignal, say: ((line: string) => void) | undefined, c: ExecContext | null, claim: NodeClaim | null) {
    // A label a plugin's step defined for this build (podTemplate's POD_LABEL): its agent.
    const resumeOn = c ? this.#replay?.nodeAhead(c.branch ?? '') ?? null : null;
    const req: AgentRequest = this.#o.registry.nodeForLabel(label ?? '', this.#scope)
      ?? { type: label ? 'label' : 'any', label, customWorkspace: null, options: {}, loc: null, resumeOn };
    try {
      const node = await this.#o.nodes.allocate(claim ? { ...req, nodeClaim: claim } : req, this.#o.build, signal, say ?? (() => {}));
      return { workspace: node.workspace, release: () => node.release() };
    } catch (err) {
      if (resumeOn && c) this.#leaveReplay(c);
      throw err;
    }
  }

  /** A resumed block did not get its node back (its agent did not come back): its branch runs anew from here, and the console says why. */
  #leaveReplay(c: ExecContext): void {
    this.#replay?.abandon(c.branch ?? '');
    this.#resumePoint(c);
  }

  /** Runs the build to its end; resolves with the final state (never rejects). */
  async run(): Promise<BuildState> {
    const m = this.#o.model;
    const root = new ExecContext({
      signal: this.#abort.signal, workspace: null, cwd: null, container: null, env: pushLayer(null, this.#buildVars()),
      stage: null, branch: null, timestamps: m.kind === 'declarative' && m.options.timestamps, onOutput: null, owner: this,
    });
    this.#emitState();
    this.#log(root, `Running ${this.#o.build.job} #${this.#o.build.number}`);
    try {
      for (const lib of this.#o.libraries ?? []) await this.#libs.load(lib, root);
      if (m.kind === 'scripted') {
        await this.#buildStarted(root);
        await this.#interp.runScript(m.body, root);
      } else {
        await this.#runDeclarative(m, root);
      }
    } catch (err) {
      this.#resumePoint(root);
      this.#report(err, root, null);
    }
    this.#resumePoint(root);
    this.#endOpenStage();
    for (const p of this.#inputs.values()) this.#o.listener?.input?.(p.req, false);
    this.#inputs.clear();
    this.state.result = this.state.currentResult;
    const props = this.#scope.state<PluginProperties>(PLUGIN_PROPERTIES_KEY, () => new Map());
    if (props.size > 0) this.state.pluginProperties = [...props.keys()].sort();
    await this.#buildHooks(root, this.state.result);
    this.state.status = 'finished';
    this.state.endedAt = Date.now();
    this.#log(root.with({ timestamps: false }), `Finished: ${this.state.result}`);
    this.#emitState();
    return this.state;
  }

  /** Plugins' onBuildStarted, once, when the build knows its job properties; not again when a resumed build goes on. */
  async #buildStarted(c: ExecContext): Promise<void> {
    if (this.#startedHooks || this.#replay) return;
    this.#startedHooks = true;
    await this.#buildHooks(c, null);
  }

  /** Plugins' build hooks (PluginRuntime.onBuildStarted, or onBuildCompleted with `result`): a failing one is printed. */
  async #buildHooks(c: ExecContext, result: BuildResult | null): Promise<void> {
    let hooks: { plugin: string; runtime: PluginRuntime }[];
    try {
      hooks = await this.#o.registry.buildHooks();
    } catch (err) {
      this.#log(c, `A plugin's build hooks could not be loaded: ${(err as Error).message}`);
      return;
    }
    for (const h of hooks) {
      const f = result === null ? h.runtime.onBuildStarted : h.runtime.onBuildCompleted;
      if (!f) continue;
      const event: BuildEvent = {
        jobName: this.#o.build.job, number: this.#o.build.number, scope: this.#scope, services: this.#services, env: this.#envOf(c),
        previous: this.#o.previous ? { number: this.#o.previous.number, result: this.#o.previous.result } : null,
        signal: AbortSignal.any([this.#hardAbort.signal, AbortSignal.timeout(60_000)]),
        log: (line) => this.#log(c, line),
      };
      try {
        await f.call(h.runtime, result === null ? event : { ...event, result } as BuildCompletedEvent);
      } catch (err) {
        this.#log(c, `${h.plugin}: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Aborts the build: running steps are interrupted (process trees killed); post blocks still
   * run. Twice: post blocks too. `result` is what the build ends with (NOT_BUILT when a newer
   * build superseded it, as Jenkins' disableConcurrentBuilds(abortPrevious) interrupts).
   */
  abort(message = 'Aborted by user', result: 'ABORTED' | 'NOT_BUILT' = 'ABORTED'): void {
    const why = new Interrupted(result === 'NOT_BUILT' ? 'superseded' : 'user', message, result);
    if (this.#abort.signal.aborted) this.#hardAbort.abort(why);
    else this.#abort.abort(why);
  }

  /** Inputs waiting for an answer. */
  /** The branches' closing lines printed so far (#trail), non-zero ones only: the host journals them (controller/resume.ts trail). */
  trails(): Record<string, number> {
    const out: Record<string, number> = {};
    // A branch that has not replayed up to its closing lines yet: the console has what the resume found.
    // One that prints them again (trailing) has the most of the two: its first bytes are not printed
    // again (Replay.unprinted), so until it printed that many the console has what the resume found.
    const r = this.#replay;
    for (const [b, n] of this.#trail) if (n > 0) out[b] = n;
    if (r) for (const [b, n] of Object.entries(r.trails)) if (n > 0 && (r.pending(b) || (r.trailing(b) && n > (out[b] ?? 0)))) out[b] = n;
    return out;
  }

  pendingInputs(): PendingInput[] {
    return [...this.#inputs.values()].map((p) => p.req);
  }

  /** Answers a waiting input; false when there is no such input. */
  answerInput(id: string, outcome: InputOutcome): boolean {
    const p = this.#inputs.get(id);
    if (!p) return false;
    this.#inputs.delete(id);
    this.#o.listener?.input?.(p.req, false);
    p.resolve(outcome);
    return true;
  }

  // -------------------------------------------------------------------------------------------
  // declarative

  /** A declarative pipeline defined in a shared library's var (the organisation template), run as the build's pipeline. */
  async #runLibraryPipeline(p: DeclarativePipeline, ev: ScriptEvaluator, c: ExecContext): Promise<void> {
    if (this.#declarativeRan) throw new ScriptError('multiple-pipelines', 'Only one pipeline { ... } block can be executed in a single run.', null, 'java.lang.IllegalStateException');
    const saved = this.#interp;
    this.#interp = ev;
    try {
      await this.#runDeclarative(p, c.with({ timestamps: c.timestamps || p.options.timestamps }));
    } finally {
      this.#interp = saved;
    }
  }


  async #runDeclarative(p: DeclarativePipeline, root: ExecContext): Promise<void> {
    this.#declarativeRan = true;
    this.#skipAfterUnstable = p.options.skipStagesAfterUnstable;
    this.#parallelsAlwaysFailFast = p.options.parallelsAlwaysFailFast;
    this.#rootCheckout = { skip: p.options.skipDefaultCheckout, subdir: p.options.checkoutToSubdirectory, subdirExpr: p.options.checkoutToSubdirectoryExpr ?? null };
    // What Restart from Stage offers later (Jenkins' ExecutionModelAction): the top-level stages.
    this.state.declarativeStages = p.stages.map((s) => s.name);
    const restart = this.#o.restart;
    if (restart) {
      const at = p.stages.findIndex((s) => s.name === restart.stage);
      if (at < 0) throw new StepFailure(`Stage ${restart.stage} is not present in the top-level stages for ${this.#o.build.job} #${restart.from}, so cannot be restarted.`);
      this.#restartSkips = new Set(p.stages.slice(0, at).map((s) => s.name));
    }
    if (p.prelude.length > 0) await this.#interp.runScript(p.prelude, root);
    await this.#jobProperties(p, root);
    await this.#buildStarted(root);
    let topCtx: ExecContext = root;
    try {
      // As Jenkins' ModelInterpreter: agent (and its default checkout) → environment → options
      // (timeout, retry, wrapper steps: inWrappers) → stages and post. (Tools come before the
      // environment here, which may read their variables.)
      await this.#withAgent(p.agent, root, true, async (c2) => {
        const { ctx: c3, cleanup } = await this.#withEnvironment(p.environment, await this.#toolInstall(p.tools, c2));
        topCtx = c3;
        try {
          const checkout = !p.options.skipDefaultCheckout && this.#o.scm && c3.workspace ? await this.#defaultCheckout(c3, p.options.checkoutToSubdirectoryExpr ? await this.#evalValue(p.options.checkoutToSubdirectoryExpr, c3) : p.options.checkoutToSubdirectory) : null;
          await this.#withOptions(p.options, c3, null, async (c4) => {
            topCtx = c4;
            const failures: Failures = { first: checkout };
            await this.#runStages(p.stages, c4, null, failures);
            await this.#runPost(p.post, c4, null, null);
            // As Jenkins: the first stage error leaves the pipeline's wrappers (options { retry } runs it all again).
            if (failures.first !== null) throw failures.first;
          });
        } finally {
          await cleanup();
        }
      });
    } catch (err) {
      this.#report(err, topCtx, null);
      // The agent or environment failed before post could run: run post without a node.
      if (p.post && !this.#pipelinePostRan) await this.#runPost(p.post, topCtx, null, null);
    }
  }

  /**
   * As Jenkins' updateJobProperties, once the script's top level has run (its `def`s and `env`
   * are known): the values of `parameters`, `triggers` and `options { buildDiscarder }` written
   * as expressions are evaluated; this run's `params` get the evaluated defaults the trigger did
   * not give, and the host gets the job's properties for the next builds (an expression-valued
   * cron is scheduled from then on; one evaluating to '' is no schedule). A value that fails to
   * evaluate, or evaluates to something the property cannot take, fails the build at its line.
   */
  async #jobProperties(p: DeclarativePipeline, c: ExecContext): Promise<void> {
    const given = this.#o.params ?? {};
    const parameters: JobProperties['parameters'] = [];
    for (const d of p.parameters) {
      let dflt = d.defaultValue;
      if (d.defaultExpr) {
        const v = await this.#interp.evaluate(d.defaultExpr, c);
        if (d.type === 'booleanParam') {
          if (typeof v === 'boolean') dflt = v;
          else if (v === 'true' || v === 'false') dflt = v === 'true';
          else throw new StepFailure(`booleanParam '${d.name}': defaultValue must be true or false, got ${v === null ? 'null' : `'${toGroovyString(v)}'`}`, { loc: d.defaultExpr.loc });
        } else {
          dflt = v === null ? null : toGroovyString(v);
        }
        if (!Object.hasOwn(given, d.name)) {
          this.#params[d.name] = typeof dflt === 'string' && d.trim ? dflt.trim() : dflt ?? '';
        }
      }
      parameters.push({ type: d.type, name: d.name, defaultValue: dflt, description: d.description, choices: d.choices, trim: d.trim, ...(d.git ? { git: d.git } : {}), ...(d.activeChoice ? { activeChoice: d.activeChoice } : {}), ...(d.extendedChoice ? { extendedChoice: d.extendedChoice } : {}) });
    }
    const triggers: JobProperties['triggers'] = [];
    for (const t of p.triggers) {
      let spec = t.spec;
      if (t.specExpr) {
        const v = await this.#interp.evaluate(t.specExpr, c);
        if (typeof v !== 'string') {
          throw new StepFailure(`${t.type}: the schedule must be a string, got ${v === null ? 'null' : `'${toGroovyString(v)}'`}`, { loc: t.specExpr.loc });
        }
        spec = toGroovyString(v);
        // An empty spec is no schedule (cron(isMain ? '@daily' : '')), as Jenkins' TimerTrigger.
        const problem = spec.trim() === '' ? undefined : checkCron(spec)[0];
        if (problem) throw new StepFailure(`${t.type}: ${problem.message}`, { loc: t.specExpr.loc });
      }
      triggers.push({ type: t.type, spec, threshold: t.threshold });
    }
    let discarder: JobProperties['discarder'] = null;
    const bd = p.options.buildDiscarder;
    if (bd) {
      discarder = { numToKeep: bd.numToKeep, daysToKeep: bd.daysToKeep, artifactNumToKeep: bd.artifactNumToKeep, artifactDaysToKeep: bd.artifactDaysToKeep };
      for (const key of DISCARD_KEYS) {
        const e = bd.exprs[key];
        if (!e) continue;
        const v = await this.#interp.evaluate(e, c);
        const text = v === null ? null : toGroovyString(v);
        const n = discardCount(text);
        if (n === 'bad') throw new StepFailure(discardCountProblem(`${key}Str`, text ?? ''), { loc: e.loc });
        discarder[key] = n;
      }
    }
    const o = p.options;
    // Plugins' job properties written as options (gitLabConnection): for this build's steps.
    if (o.pluginProperties) {
      const mine = this.#scope.state<PluginProperties>(PLUGIN_PROPERTIES_KEY, () => new Map());
      for (const [k, v] of Object.entries(o.pluginProperties)) mine.set(k, Object.fromEntries(Object.entries(v).map(([a, x]) => [a, fromJson(x)])));
    }
    await this.#services.jobProperties?.({
      parameters, triggers, discarder, rateLimit: o.rateLimitBuilds,
      disableConcurrentBuilds: o.disableConcurrentBuilds ? { abortPrevious: o.disableConcurrentBuilds.abortPrevious } : null,
    });
  }

  /** tools { }: each tool's bin on PATH (and JAVA_HOME etc.), from the node's KILN_TOOL_<NAME>; a name written as an expression ("m-${V}") is evaluated here. */
  async #withTools(tools: ToolDef[], c: ExecContext): Promise<ExecContext> {
    if (tools.length === 0) return c;
    const named: { type: string; name: string }[] = [];
    for (const t of tools) {
      if (!t.nameExpr) { named.push(t); continue; }
      const name = (await this.#evalValue(t.nameExpr, c)) ?? '';
      if (name.trim() === '') throw new StepFailure(`tools: the ${t.type} installation's name is empty`, { loc: t.nameExpr.loc });
      named.push({ type: t.type, name });
    }
    try {
      return c.with({ env: pushLayer(c.env, toolEnv(this.#envOf(c), named, c.workspace?.nodeName ?? 'none')) });
    } catch (err) {
      if (err instanceof StepFailure) err.loc ??= tools[0]!.loc;
      throw err;
    }
  }

  /** The pipeline's tools {} inside a synthetic "Declarative: Tool Install" stage, as Jenkins shows them; its error fails the build. */
  async #toolInstall(tools: ToolDef[], c: ExecContext): Promise<ExecContext> {
    if (tools.length === 0) return c;
    const rec = this.#newStage(TOOLS_STAGE_NAME, null, 'checkout', null);
    let out = c;
    const err = await this.#stageBoundary(c.with({ stage: rec }), rec, async () => {
      out = await this.#withTools(tools, c);
    });
    if (err !== null) throw err;
    return out;
  }

  /**
   * A stage's own agent that got a node of its own checks out the build's SCM there first, as
   * Jenkins' CheckoutScript does for every declarative agent: a plain `checkout` step in the
   * stage (no synthetic stage), before its when, unless the pipeline's or the stage's options say
   * skipDefaultCheckout (the stage's own, when written, wins). A container run in place on the
   * node the stage already has (docker reuseNode) checks out nothing.
   */
  async #stageAgentCheckout(st: Stage | CellStage, outer: ExecContext, inner: ExecContext): Promise<void> {
    if (!st.agent || st.agent.type === 'none' || !inner.workspace) return;
    if (outer.workspace && outer.workspace.root === inner.workspace.root) return;
    if (st.options.skipDefaultCheckout ?? this.#rootCheckout.skip) return;
    const r = this.#rootCheckout;
    const subdir = r.subdirExpr ? await this.#evalValue(r.subdirExpr, inner) : r.subdir;
    const cc = subdir ? inner.with({ cwd: path.resolve(inner.cwd ?? inner.workspace.root, subdir) }) : inner;
    if (this.#o.scm) {
      await this.#callStep('checkout', { positional: [this.#globals.scm], named: null, closure: null }, cc, null);
    } else if (this.#o.projectCopy && (inner.workspace.isLocal === true || inner.workspace.containerHost?.isLocal === true)) {
      this.#log(cc, await this.#o.projectCopy(cc.cwd ?? inner.workspace.root));
    }
  }

  async #defaultCheckout(c: ExecContext, subdir: string | null): Promise<unknown> {
    const rec = this.#newStage(CHECKOUT_STAGE_NAME, null, 'checkout', null);
    const cc = c.with({ stage: rec, cwd: subdir ? path.resolve(c.cwd ?? c.workspace!.root, subdir) : c.cwd });
    return this.#stageBoundary(cc, rec, async () => {
      await this.#callStep('checkout', { positional: [this.#globals.scm], named: null, closure: null }, cc, null);
    });
  }

  /** Runs sequential stages; a stage's error is recorded, and the later ones of this list are skipped. */
  async #runStages(stages: Stage[], c: ExecContext, parent: StageRecord | null, failures: Failures): Promise<void> {
    for (const st of stages) await this.#runStage(st, c, parent, 'stage', failures);
  }

  /**
   * Why a stage is skipped before it starts, as Jenkins' SkippedStageReason: an error of an
   * earlier stage of the same list (not the build's result: catchError or currentBuild.result =
   * 'FAILURE' skip nothing, and a parallel branch's failure does not skip a sibling's stages), or
   * an UNSTABLE build with skipStagesAfterUnstable.
   */
  #skipReason(name: string, failures: Failures): string | null {
    if (failures.first !== null) return `Stage "${name}" skipped due to earlier failure(s)`;
    if (this.#skipAfterUnstable && this.state.currentResult === 'UNSTABLE') return `Stage "${name}" skipped due to earlier stage(s) marking the build as unstable`;
    return null;
  }

  async #runStage(st: Stage, c: ExecContext, parent: StageRecord | null, kind: StageRecord['kind'], failures: Failures): Promise<StageRecord> {
    const rec = this.#newStage(st.name, parent, kind, lineIn(st.loc));
    if (parent === null && kind === 'stage' && this.#restartSkips.has(st.name)) {
      // As Jenkins' ModelInterpreter: marked skipped for restart, inside the stage's own block.
      const why = `Stage "${st.name}" skipped due to this build restarting at stage "${this.#o.restart!.stage}"`;
      this.#finishStage(rec, 'skipped-restart', why);
      this.#log(c, `[Pipeline] { (${st.name})\n${why}`);
      this.#skipNested(st, c, rec, 'skipped-restart', (n) => `Stage "${n}" skipped due to this build restarting at stage "${this.#o.restart!.stage}"`);
      this.#log(c, '[Pipeline] }');
      return rec;
    }
    const skip = this.#skipReason(st.name, failures);
    if (skip !== null) {
      this.#finishStage(rec, 'skipped-failure', skip);
      // inside the stage's own block, as Jenkins logs it
      this.#log(c, `[Pipeline] { (${st.name})\n${skip}`);
      this.#skipNested(st, c, rec, 'skipped-failure', (n) => this.#skipReason(n, failures) ?? skip);
      this.#log(c, '[Pipeline] }');
      return rec;
    }
    const c0 = c.with({ stage: rec, env: pushLayer(c.env, { STAGE_NAME: st.name }) });
    failures.first ??= await this.#stageBoundary(c0, rec, () => this.#stageDirectives(st, c0, rec));
    return rec;
  }

  /** Marks a stage running, runs it, and records how it ended; returns its error (null when none). */
  async #stageBoundary(c: ExecContext, rec: StageRecord, fn: () => Promise<void>): Promise<unknown> {
    rec.status = 'running';
    rec.startedAt = Date.now();
    this.#o.listener?.stage?.(rec);
    this.#log(c, `[Pipeline] { (${rec.name})`);
    try {
      await fn();
      return null;
    } catch (err) {
      this.#report(err, c, rec);
      return err;
    } finally {
      if (rec.status === 'running' || rec.status === 'paused') this.#finishStage(rec, statusOfResult(rec.result ?? 'SUCCESS'), rec.message);
      this.#log(c, '[Pipeline] }');
    }
  }

  async #stageDirectives(st: Stage | CellStage, c0: ExecContext, rec: StageRecord): Promise<void> {
    const w = st.when;
    const whenMessage = (name: string) => `Stage "${name}" skipped due to when conditional`;
    const skip = (c: ExecContext) => {
      this.#finishStage(rec, 'skipped-when', whenMessage(st.name));
      this.#log(c, whenMessage(st.name));
      this.#skipNested(st, c, rec, 'skipped-when', whenMessage);
    };
    if (w?.beforeOptions && !(await this.#evalWhen(w, c0))) return skip(c0);
    await this.#withOptions(st.options, c0, rec, async (c1) => {
      if (w?.beforeInput && !w.beforeOptions && !(await this.#evalWhen(w, c1))) return skip(c1);
      let cIn = c1;
      if (st.input) cIn = await this.#runInput(st.input, c1, rec);
      if (w?.beforeAgent && !w.beforeInput && !w.beforeOptions && !(await this.#evalWhen(w, cIn))) return skip(cIn);
      await this.#withAgent(st.agent, cIn, false, async (c2) => {
        await this.#stageAgentCheckout(st, cIn, c2);
        const { ctx: c3, cleanup } = await this.#withEnvironment(st.environment, await this.#withTools(st.tools, c2));
        try {
          if (w && !w.beforeAgent && !w.beforeInput && !w.beforeOptions && !(await this.#evalWhen(w, c3))) return skip(c3);
          let failure: unknown = null;
          try {
            await this.#runStageBody(st, c3, rec);
          } catch (err) {
            failure = err;
          }
          await this.#runPost(st.post, c3, rec, failure);
          if (failure !== null) throw failure;
        } finally {
          await cleanup();
        }
      });
    });
  }

  async #runStageBody(st: Stage | CellStage, c: ExecContext, rec: StageRecord): Promise<void> {
    const body = st.body;
    switch (body.kind) {
      case 'steps':
        await this.#interp.runBlock(body.steps, c);
        return;
      case 'stages': {
        // Jenkins' evaluateSequentialStages: the nested list has its own first error, which then is the stage's.
        const children: StageRecord[] = [];
        const nested: Failures = { first: null };
        for (const s of body.stages) children.push(await this.#runStage(s, c, rec, 'stage', nested));
        this.#inheritChildResults(rec, children);
        if (nested.first !== null) throw nested.first;
        return;
      }
      case 'parallel':
        await this.#runParallel(body.stages.map((s) => ({ stage: s, env: {} })), c, rec, st.failFast);
        return;
      case 'matrix':
        await this.#runMatrix(body.matrix, c, rec, st.failFast);
        return;
    }
  }

  /**
   * Jenkins' skipStage: the stages inside a skipped stage are skipped for the same reason, each in
   * its own stage block with the message naming it, parallel ones (and a matrix's cells) inside a
   * parallel, so the console and the stage view show the whole skipped tree.
   */
  #skipNested(st: Stage | CellStage, c: ExecContext, parent: StageRecord, status: 'skipped-failure' | 'skipped-when' | 'skipped-restart', message: (name: string) => string): void {
    const skipOne = (child: Stage | CellStage, cc: ExecContext, kind: StageRecord['kind']) => {
      const rec = this.#newStage(child.name, parent, kind, lineIn(child.loc));
      const why = message(child.name);
      this.#finishStage(rec, status, why);
      this.#log(cc, `[Pipeline] { (${child.name})\n${why}`);
      this.#skipNested(child, cc, rec, status, message);
      this.#log(cc, '[Pipeline] }');
    };
    const body = st.body;
    if (body.kind === 'stages') {
      for (const s of body.stages) skipOne(s, c, 'stage');
      return;
    }
    if (body.kind !== 'parallel' && body.kind !== 'matrix') return;
    const branches: (Stage | CellStage)[] = body.kind === 'parallel' ? body.stages : matrixCellStages(body.matrix).map((b) => b.stage);
    if (branches.length === 0) return;
    this.#log(c, '[Pipeline] parallel');
    for (const b of branches) {
      const bc = c.with({ branch: b.name });
      this.#log(bc, `[Pipeline] { (Branch: ${b.name})`);
      skipOne(b, bc, 'cell' in b ? 'matrix-cell' : 'parallel');
      this.#log(bc, '[Pipeline] }');
    }
    this.#log(c, '[Pipeline] // parallel');
  }

  /** A parent stage shows the worst result of the stages inside it (skipped ones aside). */
  #inheritChildResults(rec: StageRecord, children: StageRecord[]): void {
    for (const ch of children) {
      if (ch.result && ch.status !== 'skipped-when' && ch.status !== 'skipped-failure' && ch.status !== 'skipped-restart') rec.result = worse(rec.result ?? 'SUCCESS', ch.result);
    }
  }

  async #runParallel(branches: { stage: Stage | CellStage; env: Record<string, string> }[], c: ExecContext, rec: StageRecord, failFast: boolean): Promise<void> {
    const ff = failFast || this.#parallelsAlwaysFailFast;
    const ctl = new AbortController();
    const onParent = () => ctl.abort(c.signal.reason);
    if (c.signal.aborted) onParent();
    else c.signal.addEventListener('abort', onParent, { once: true });
    // Each branch has its own first error: a failure in one never skips a sibling's nested stages.
    const errors: unknown[] = [];
    // Jenkins' markers: `parallel`, then a `{ (Branch: NAME)` block around each branch's stage.
    this.#log(c, '[Pipeline] parallel');
    try {
      const children = await Promise.all(branches.map(async ({ stage, env }) => {
        const bc = c.with({ signal: ctl.signal, branch: stage.name, env: pushLayer(c.env, env) });
        const own: Failures = { first: null };
        this.#log(bc, `[Pipeline] { (Branch: ${stage.name})`);
        const child = await ('cell' in stage
          ? this.#runCell(stage, bc, rec, own)
          : this.#runStage(stage, bc, rec, 'parallel', own)).finally(() => this.#log(bc, '[Pipeline] }'));
        if (own.first !== null) errors.push(own.first);
        if (ff && (child.status === 'failure' || child.status === 'aborted') && !ctl.signal.aborted) {
          this.#log(c, `Failed in branch ${stage.name}`);
          ctl.abort(new Interrupted('failFast', `Aborted: another branch (${stage.name}) failed and failFast is on`));
        }
        return child;
      }));
      this.#inheritChildResults(rec, children);
      // The parallel step fails with the first branch's error (a branch cut off by failFast is not that).
      const first = errors.find((e) => !this.#resultOf(e).failFast) ?? errors[0];
      if (first !== undefined) throw first;
    } finally {
      c.signal.removeEventListener('abort', onParent);
      this.#log(c, '[Pipeline] // parallel');
    }
  }

  async #runMatrix(m: Matrix, c: ExecContext, rec: StageRecord, failFast: boolean): Promise<void> {
    const cells = matrixCellStages(m);
    if (cells.length === 0) {
      this.#log(c, 'Matrix has no cells left after excludes: nothing to run');
      return;
    }
    await this.#runParallel(cells, c, rec, failFast);
  }

  async #runCell(cell: CellStage, c: ExecContext, parent: StageRecord, failures: Failures): Promise<StageRecord> {
    const rec = this.#newStage(cell.name, parent, 'matrix-cell', lineIn(cell.loc));
    const skip = this.#skipReason(cell.name, failures);
    if (skip !== null) {
      this.#finishStage(rec, 'skipped-failure', skip);
      return rec;
    }
    const c0 = c.with({ stage: rec });
    failures.first ??= await this.#stageBoundary(c0, rec, () => this.#stageDirectives(cell, c0, rec));
    return rec;
  }

  // -------------------------------------------------------------------------------------------
  // directives

  /**
   * options { timeout; retry; timestamps; a block step } around `fn`, as Jenkins' inWrappers:
   * in the order written, the first outermost. A model built without the written order (no
   * builtin entry in `wrappers`) gets timeout, then retry, then timestamps, then the steps.
   */
  async #withOptions(o: StageOptions, c: ExecContext, rec: StageRecord | null, fn: (c: ExecContext) => Promise<void>): Promise<void> {
    const written = o.wrappers ?? [];
    let order: WrapperOption[] = written;
    if (!written.some((w) => w.builtin)) {
      const fixed = (['timeout', 'retry', 'timestamps'] as const).filter((n) => (n === 'timestamps' ? o.timestamps : o[n] !== null));
      const loc: Loc = { start: { line: 0, col: 0, offset: 0 }, end: { line: 0, col: 0, offset: 0 } }; // unused for built-ins
      order = [...fixed.map((name) => ({ name, builtin: true, positional: [], named: [], loc })), ...written];
    }
    let run = fn;
    for (let i = order.length - 1; i >= 0; i--) run = this.#wrapOne(order[i]!, o, rec, run);
    await run(c);
  }

  #wrapOne(w: WrapperOption, o: StageOptions, rec: StageRecord | null, inner: (c: ExecContext) => Promise<void>): (c: ExecContext) => Promise<void> {
    if (!w.builtin) {
      return async (cc) => {
        const positional: Value[] = [];
        for (const e of w.positional) positional.push(await this.#interp.evaluate(e, cc));
        let named: Map<string, Value> | null = null;
        for (const a of w.named) {
          const key = a.keyExpr ? toGroovyString(await this.#interp.evaluate(a.keyExpr, cc)) : a.name;
          (named ??= new Map()).set(key, await this.#interp.evaluate(a.value, cc));
        }
        const closure: ClosureValue = {
          kind: 'closure', scope: null,
          node: { type: 'Closure', params: [], explicitParams: false, body: [], loc: w.loc },
          native: async (_args, ctx) => {
            await inner(asExec(ctx));
            return null;
          },
        };
        await this.#callStep(w.name, { positional, named, closure }, cc, w.loc);
      };
    }
    if (w.name === 'timestamps') {
      if (!o.timestamps) return inner;
      return (cc) => (cc.timestamps ? inner(cc) : inner(cc.with({ timestamps: true })));
    }
    if (w.name === 'retry' && o.retry) {
      const r = o.retry;
      const condExpr = r.conditions ?? null;
      return async (cc) => {
        const count = r.countExpr ? await this.#optionInt(r.countExpr, 'retry', 'count', cc) : r.count;
        const conditions = condExpr ? retryConditions(await this.#interp.evaluate(condExpr, cc)) : null;
        return this.#optionBlock('retry', cc, () => this.#retrying(count, conditions, rec, cc, inner));
      };
    }
    if (w.name === 'timeout' && o.timeout) {
      const t0 = o.timeout;
      return async (cc) => {
        const t = t0.exprs ? await this.#timeoutValues(t0, cc) : t0;
        return this.#optionBlock('timeout', cc, () => withTimeout(t.time * unitToMs(t.unit as TimeUnit), t.activity, cc.signal,
          (signal, touch) => inner(cc.with({ signal, onOutput: t.activity ? chain(cc.onOutput, touch) : cc.onOutput })),
          (msg) => this.#log(cc, msg)));
      };
    }
    return inner;
  }

  /** options { timeout } and { retry } are Jenkins' timeout and retry steps around the stage: their block lines in the console, as the steps'. */
  async #optionBlock(name: string, cc: ExecContext, body: () => Promise<void>): Promise<void> {
    this.#log(cc, `[Pipeline] ${name}`);
    try {
      await body();
    } finally {
      this.#log(cc, `[Pipeline] // ${name}`);
    }
  }

  /** `inner` run up to `count` times while its failures are `retryable` under `conditions` (options { retry }, an agent's `retries`). */
  async #retrying(count: number, conditions: RetryCondition[] | null, rec: StageRecord | null, cc: ExecContext, inner: (c: ExecContext) => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      // An attempt that fails is not held against the build when the next one succeeds.
      const before = { result: this.state.currentResult, message: this.state.message };
      try {
        if (rec) { rec.result = null; rec.status = 'running'; rec.message = null; }
        return await inner(cc);
      } catch (err) {
        if (err instanceof Interrupted || cc.signal.aborted || attempt >= count) throw err;
        if (!retryable(err, conditions)) {
          this.#log(cc, notRetrying(conditions!));
          throw err;
        }
        this.state.currentResult = before.result;
        this.state.message = before.message;
        this.#emitState();
        if (!(typeof err === 'object' && err !== null && this.#reported.has(err))) this.#log(cc, `ERROR: ${this.#classPrefix(err)}${this.#messageOf(err)}`);
        this.#log(cc, `Retrying (attempt ${attempt + 1} of ${count})`);
      }
    }
  }

  /** options { timeout(time: expr, unit: expr) }: the values of now, checked as the timeout step checks them. */
  async #timeoutValues(t: TimeoutOption, cc: ExecContext): Promise<TimeoutOption> {
    const e = t.exprs!;
    const time = e.time ? await this.#optionInt(e.time, 'timeout', 'time', cc) : t.time;
    let unit = t.unit;
    if (e.unit) {
      const u = await this.#interp.evaluate(e.unit, cc);
      const name = u === null ? '' : toGroovyString(u);
      if (!(TIME_UNITS as readonly string[]).includes(name)) throw new StepFailure(`No enum constant java.util.concurrent.TimeUnit.${name}`, { loc: e.unit.loc });
      unit = name as TimeUnit;
    }
    const activity = e.activity ? groovyTruth(await this.#interp.evaluate(e.activity, cc)) : t.activity;
    return { ...t, time, unit, activity };
  }

  /** An option's whole-number argument written as an expression (`retry(env.N as int)`), as Groovy would pass it to the step's int. */
  async #optionInt(expr: Expr, what: string, param: string, cc: ExecContext): Promise<number> {
    const v = await this.#interp.evaluate(expr, cc);
    const n = typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v.trim()) : typeof v === 'number' ? Math.trunc(v) : v !== null && typeof v === 'object' && 'kind' in v && v.kind === 'host' && /^-?\d+(\.\d+)?$/.test(v.toString()) ? Math.trunc(Number(v.toString())) : NaN;
    if (!Number.isFinite(n)) throw new StepFailure(`${what}: "${param}" must be a whole number, got ${v === null ? 'null' : toGroovyString(v)}`, { loc: expr.loc });
    return n;
  }

  async #evalValue(e: Expr | null, c: ExecContext): Promise<string | null> {
    if (e === null) return null;
    const v = await this.#interp.evaluate(e, c);
    return v === null ? null : toGroovyString(v);
  }

  /**
   * An `agent` directive's request. A plugin's agent type: every option, a 'value' one evaluated
   * (`image "maven:${V}"`), the others as validated; its `label` and `customWorkspace` options
   * are the request's too; then the type's runtime, if it has one, makes the final request.
   */
  async #evalAgent(spec: AgentSpec, c: ExecContext): Promise<AgentRequest> {
    if (isPluginAgent(spec)) {
      const options: AgentRequest['options'] = {};
      for (const [k, v] of Object.entries(spec.options)) options[k] = typeof v === 'object' && v !== null ? await this.#evalValue(v, c) : v;
      // An integer option written as an expression: its value must be one now (lint checked literals only).
      for (const d of this.#o.registry.agentType(spec.type)?.options ?? []) {
        const raw = spec.options[d.name];
        if (d.type !== 'integer' || typeof raw !== 'object' || raw === null) continue;
        const v = options[d.name];
        if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) options[d.name] = Number(v.trim());
        else if (typeof v === 'bigint') options[d.name] = Number(v);
        else if (typeof v !== 'number' || !Number.isInteger(v)) {
          throw new StepFailure(`Expected an integer for ${d.name} of agent type "${spec.type}", got ${typeof v === 'string' ? JSON.stringify(v) : String(v)}`, { loc: spec.loc });
        }
      }
      const req: AgentRequest = {
        type: spec.type, options, loc: spec.loc,
        label: typeof options.label === 'string' ? options.label : null,
        customWorkspace: typeof options.customWorkspace === 'string' ? options.customWorkspace : null,
      };
      const rt = await this.#o.registry.agentRuntime(spec.type);
      if (!rt) return req;
      try {
        return await rt.evaluate(req, { scmFiles: this.#o.scmFiles ?? null, scm: this.#o.scm ?? null, scope: this.#scope });
      } catch (err) {
        if (err instanceof StepFailure) err.loc ??= spec.loc;
        throw err;
      }
    }
    switch (spec.type) {
      case 'any':
      case 'none':
        return { type: spec.type, label: null, customWorkspace: null, options: {}, loc: spec.loc };
      case 'label':
        return { type: spec.type, label: await this.#evalValue(spec.label, c), customWorkspace: null, options: {}, loc: spec.loc };
      case 'node':
        return { type: spec.type, label: await this.#evalValue(spec.label, c), customWorkspace: await this.#evalValue(spec.customWorkspace, c), options: {}, loc: spec.loc };
    }
  }

  #currentResultIsBad(): boolean {
    const r = this.state.currentResult;
    return r === 'FAILURE' || r === 'ABORTED';
  }

  async #withAgent(spec: AgentSpec | null, c: ExecContext, top: boolean, fn: (c: ExecContext) => Promise<void>): Promise<void> {
    if (!spec) return fn(c);
    if (spec.type === 'none') return fn(top ? c.with({ workspace: null, cwd: null }) : c);
    const req = await this.#evalAgent(spec, c);
    // `retries N` (kubernetes-plugin's RetryableDeclarativeAgent): the agent's block in
    // retry(count: N, conditions: [kubernetesAgent(), nonresumable()]): a lost pod, a new pod.
    const retries = agentRetries(req);
    if (retries > 1) return this.#retrying(retries, AGENT_RETRY_CONDITIONS, null, c, (cc) => this.#onAgent(spec, req, cc, fn));
    return this.#onAgent(spec, req, c, fn);
  }

  async #onAgent(spec: AgentSpec, req: AgentRequest, c: ExecContext, fn: (c: ExecContext) => Promise<void>): Promise<void> {
    if (this.#replay && !this.#replay.pending(c.branch ?? '')) this.#resumePoint(c);
    this.#log(c, `[Pipeline] node`);
    let node: AllocatedNode;
    // While its branch replays, the agent its steps ran on before the restart (replay.ts nodeAhead).
    const resumeOn = this.#replay?.nodeAhead(c.branch ?? '') ?? null;
    // the enclosing throttle blocks' slots (NodeGate), held as long as the node
    const { release: ungate, claim } = await passNodeGates(c.nodeGates, c.signal, (line) => this.#log(c, line));
    try {
      node = await this.#o.nodes.allocate({ ...req, ...(resumeOn ? { resumeOn } : {}), ...(claim ? { nodeClaim: claim } : {}) }, this.#o.build, c.signal, (line) => this.#log(c, line, null, true));
    } catch (err) {
      ungate();
      if (resumeOn) this.#leaveReplay(c);
      if (err instanceof Interrupted || err instanceof StepFailure) throw err;
      throw new StepFailure(this.#messageOf(err), { loc: spec.loc });
    }
    const ws = node.workspace;
    for (const s of ws.secrets ?? []) this.#masker.add(s); // the node's own secrets (a pod's Secret env)
    this.#log(c, `Running on ${ws.nodeName} in ${ws.root}`);
    let failed = true;
    try {
      await fn(c.with({ workspace: ws, cwd: ws.root, container: null, env: pushLayer(c.env, nodeVars(ws)) }));
      failed = false;
    } finally {
      // Whether the scope failed (a pod kept on failure, e.g.) counts the build's result too.
      await node.release({ failed: failed || this.#currentResultIsBad() }).finally(ungate);
    }
  }

  /**
   * environment { }: credentials bound first (in order), then the values resolved as one block,
   * as Jenkins' EnvironmentResolver does: a value may name an entry declared after it (bare or
   * `env.X`), its own name reads the value from outside, an unknown bare name is null.
   */
  async #withEnvironment(entries: EnvEntry[], c: ExecContext): Promise<{ ctx: ExecContext; cleanup: () => Promise<void> }> {
    if (entries.length === 0) return { ctx: c, cleanup: async () => {} };
    let cur = c;
    const files: string[] = [];
    // As Jenkins, the block's credentials are one withCredentials step: its line, the variables it masks, its end.
    let wrapped = false;
    const cleanup = async () => {
      for (const f of files) await c.workspace?.remove(f).catch(() => {});
      if (wrapped) this.#log(c, '[Pipeline] // withCredentials');
    };
    try {
      const bound = new Set<EnvEntry>();
      const masked: string[] = [];
      // The block's plain values, each computed once whether a credential's id or the block asks first.
      const plainNames = new Set(entries.filter((e) => e.credentialsId === null && dynamicCredentialsArg(e.value) === null).map((e) => e.name));
      const memo = new Map<string, Value>();
      for (const e of entries) {
        // credentials("${params.CID}"), credentials("${CRED_NAME}"): the id is evaluated (it may name a
        // plain value of the same block, as in Jenkins), then bound like a literal one
        const idExpr = e.credentialsId === null ? dynamicCredentialsArg(e.value) : null;
        if (e.credentialsId === null && idExpr === null) continue;
        if (!wrapped) { this.#log(c, '[Pipeline] withCredentials'); wrapped = true; }
        const plain = entries.filter((x) => plainNames.has(x.name));
        const value = this.#envBlockValue(plain, cur, memo);
        const id = e.credentialsId ?? (await this.#evalValue(idExpr!, cur.with({ envBlock: { target: e.name, has: (n) => plainNames.has(n), value } }))) ?? '';
        const vars = await this.#bindEnvCredential(e.name, id, cur, e.loc, files);
        masked.push(...Object.keys(vars).filter((k) => k !== `${e.name}_USR`));
        cur = cur.with({ env: pushLayer(cur.env, vars) });
        bound.add(e);
      }
      if (masked.length > 0) this.#log(c, `Masking supported pattern matches of ${masked.map((v) => `$${v}`).join(' or ')}`);
      const plain = entries.filter((e) => !bound.has(e));
      if (plain.length > 0) {
        // Jenkins' Environment.resolveEnvVars sets them with EnvVars.overrideExpandingAll:
        // "\${BUILD_NUM_ENV} is inherited" reads the variable; '${UNSET}' stays as written; a value
        // that is empty unsets its variable (EnvVars.override), as withEnv(['X=']) does.
        const values = Object.entries(await this.#resolveEnvBlock(plain, cur, memo));
        const vars = expandOverrides(this.#envOf(cur), values).map(([k, v]): [string, string | null] => [k, v === '' ? null : v]);
        cur = cur.with({ env: pushLayer(cur.env, Object.fromEntries(vars)) });
      }
    } catch (err) {
      await cleanup();
      throw err;
    }
    return { ctx: cur, cleanup };
  }

  /** The values of an environment block, each computed once (`done`), in the context outside the block. */
  async #resolveEnvBlock(entries: EnvEntry[], c: ExecContext, done = new Map<string, Value>()): Promise<Record<string, string>> {
    const value = this.#envBlockValue(entries, c, done);
    const vars: Record<string, string> = {};
    for (const e of entries) {
      const v = await value(e.name);
      vars[e.name] = v === null ? 'null' : toGroovyString(v);
    }
    return vars;
  }

  /** An environment block's value by name: evaluated on first use in `c` (the others of the block in reach), kept in `done`. */
  #envBlockValue(entries: EnvEntry[], c: ExecContext, done: Map<string, Value>): (name: string) => Promise<Value> {
    const byName = new Map(entries.map((e) => [e.name, e]));
    const busy: string[] = [];
    const value = async (name: string): Promise<Value> => {
      if (done.has(name)) return done.get(name)!;
      const e = byName.get(name)!;
      if (busy.includes(name)) {
        const circle = [...busy.slice(busy.indexOf(name)), name].join(' -> ');
        throw new StepFailure(`environment: the values of ${circle} refer to each other in a circle`, { loc: e.loc });
      }
      busy.push(name);
      try {
        const v = await this.#interp.evaluate(e.value, c.with({ envBlock: { target: name, has: (n) => byName.has(n), value } }));
        done.set(name, v);
        return v;
      } finally {
        busy.pop();
      }
    };
    return value;
  }

  async #bindEnvCredential(name: string, id: string, c: ExecContext, loc: Loc, files: string[]): Promise<Record<string, string>> {
    let cred: Credential;
    try {
      cred = await this.#services.credential(id);
    } catch (err) {
      throw new StepFailure(`credentials('${id}'): ${this.#messageOf(err)}`, { loc });
    }
    const secretFile = async (data: Buffer | string, fileName: string): Promise<string> => {
      const ws = c.workspace;
      if (!ws) throw new StepFailure(`credentials('${id}') is a file credential: it needs a node to write the file to (this environment block runs with agent none)`, { loc });
      const dir = `${ws.tmp}/secretFiles/${this.#o.build.number}-${++this.#ids}`;
      const safe = path.basename(fileName) || 'secret';
      await ws.writeFile(`${dir}/${safe}`, data, 0o600);
      files.push(dir);
      // The file's path is a bound value too: Jenkins masks it as it masks every value of a binding ("FILECRED is ****").
      this.#masker.add(`${dir}/${safe}`);
      return `${dir}/${safe}`;
    };
    const mask = (...s: (string | undefined)[]) => { for (const x of s) if (x) this.#masker.add(x); };
    switch (cred.type) {
      case 'secretText':
        mask(cred.secret);
        return { [name]: cred.secret ?? '' };
      case 'usernamePassword':
        mask(cred.password, `${cred.username ?? ''}:${cred.password ?? ''}`);
        return { [name]: `${cred.username ?? ''}:${cred.password ?? ''}`, [`${name}_USR`]: cred.username ?? '', [`${name}_PSW`]: cred.password ?? '' };
      case 'secretFile':
        return { [name]: await secretFile(cred.content ?? Buffer.alloc(0), cred.fileName ?? 'secret') };
      case 'sshKey': {
        mask(cred.passphrase, ...(cred.privateKey ?? '').split('\n').filter((l) => l.length >= 16));
        const vars: Record<string, string> = { [name]: await secretFile(cred.privateKey ?? '', 'id_key') };
        if (cred.username) vars[`${name}_USR`] = cred.username;
        if (cred.passphrase) vars[`${name}_PSW`] = cred.passphrase;
        return vars;
      }
      case 'certificate':
        // Jenkins has no environment {} binding for a certificate (CredentialsBindingHandler.forId): withCredentials binds it.
        throw new StepFailure(`No suitable binding handler could be found for type com.cloudbees.plugins.credentials.impl.CertificateCredentialsImpl. Supported types are ${ENV_CREDENTIAL_TYPES}.`, { loc });
      case 'azureServicePrincipal':
        // Nor for the Azure Credentials plugin's: withCredentials([azureServicePrincipal('id')]) binds it.
        throw new StepFailure(`No suitable binding handler could be found for type com.microsoft.azure.util.AzureCredentials. Supported types are ${ENV_CREDENTIAL_TYPES}.`, { loc });
    }
  }

  async #runInput(input: InputSpec, c: ExecContext, rec: StageRecord): Promise<ExecContext> {
    const message = (await this.#evalValue(input.message, c)) ?? '';
    const id = (await this.#evalValue(input.id, c)) ?? (message.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40) || 'input');
    const params: Value[] = [];
    for (const p of input.parameters) {
      // A default written as an expression (defaultValue: "${V}-rc") is evaluated when the input is asked.
      const dflt = p.defaultExpr ? await this.#interp.evaluate(p.defaultExpr, c) : p.defaultValue;
      params.push(new Map<string, Value>([['$symbol', p.type], ['name', p.name], ['defaultValue', dflt], ['description', p.description], ['choices', p.choices]]));
    }
    const req: InputRequest = {
      id, message, ok: (await this.#evalValue(input.ok, c)) ?? 'Proceed', submitter: await this.#evalValue(input.submitter, c), parameters: inputParameters(params),
    };
    input.parameters.forEach((p, i) => { if (p.activeChoice) req.parameters[i]!.activeChoice = p.activeChoice; });
    await renderActiveChoices(req.parameters, c.signal);
    this.#log(c, `[Pipeline] input\n${message}\n${req.ok} or Abort`);
    rec.status = 'paused';
    this.#o.listener?.stage?.(rec);
    const outcome = await this.#waitForInput(req, c.signal);
    rec.status = 'running';
    this.#o.listener?.stage?.(rec);
    if (!outcome.approved) {
      // InputStepExecution.doAbort prints nothing: the rejection is the build's cause of interruption, printed once where it ends the build
      throw new Interrupted('input-rejected', `Rejected by ${outcome.submitter}`);
    }
    this.#log(c, `Approved by ${outcome.submitter}`);
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(outcome.values)) vars[k] = v === null ? '' : toGroovyString(v);
    if (input.submitterParameter) vars[input.submitterParameter] = outcome.submitter;
    return c.with({ env: pushLayer(c.env, vars) });
  }

  #waitForInput(req: InputRequest, signal: AbortSignal): Promise<InputOutcome> {
    throwIfAborted(signal);
    return new Promise<InputOutcome>((resolve, reject) => {
      let id = req.id;
      for (let n = 2; this.#inputs.has(id); n++) id = `${req.id}-${n}`;
      const pending: PendingInput = { ...req, id, stageId: null };
      const onAbort = () => {
        if (this.#inputs.delete(id)) this.#o.listener?.input?.(pending, false);
        reject(interruptionOf(signal));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#inputs.set(id, {
        req: pending,
        resolve: (o) => {
          signal.removeEventListener('abort', onAbort);
          resolve(o);
        },
      });
      this.state.status = 'paused';
      this.#emitState();
      this.#o.listener?.input?.(pending, true);
    }).finally(() => {
      if (this.#inputs.size === 0 && this.state.status === 'paused') {
        this.state.status = 'running';
        this.#emitState();
      }
    });
  }

  async #evalWhen(w: When, c: ExecContext): Promise<boolean> {
    for (const cond of w.conditions) if (!(await this.#evalCond(cond, c))) return false;
    return true;
  }

  async #evalCond(cond: WhenCondition, c: ExecContext): Promise<boolean> {
    const env = this.#envOf(c);
    const site: RegexSite = { loc: cond.loc, signal: c.signal, owner: c.owner };
    const matches = (comparator: Comparator, pattern: string, value: string, caseSensitive: boolean) => compare(comparator, pattern, value, caseSensitive, site);
    switch (cond.type) {
      case 'branch': {
        // BranchConditionalScript: BRANCH_NAME (multibranch), else the checkout's GIT_LOCAL_BRANCH (JENKINS-50815)
        const b = env.BRANCH_NAME === undefined || env.BRANCH_NAME === '' ? env.GIT_LOCAL_BRANCH ?? env.BRANCH_NAME : env.BRANCH_NAME;
        const pattern = await this.#evalValue(cond.pattern, c);
        // BranchConditional.branchMatches: no pattern and no branch (null or empty, both) match; either one alone matches nothing
        const noBranch = b === undefined || b === '';
        const noPattern = pattern === null || pattern === '';
        if (noBranch || noPattern) return noBranch && noPattern;
        return matches(cond.comparator, pattern, b, true);
      }
      case 'buildingTag':
        return env.TAG_NAME !== undefined;
      case 'tag': {
        const t = env.TAG_NAME;
        if (t === undefined) return false;
        const pat = await this.#evalValue(cond.pattern, c);
        return pat === null || pat === '' || await matches(cond.comparator, pat, t, true);
      }
      case 'changelog': {
        // Java's DOTALL: a message's pattern may span its lines
        const re = `(?s)${(await this.#evalValue(cond.pattern, c)) ?? ''}`;
        if (this.#emptyChangelog(c)) return false;
        for (const msg of this.#changes().messages) if ((await findFirst(msg, re, site)) !== null) return true;
        return false;
      }
      case 'changeset': {
        // ChangeSetConditional.changeSetMatches, entry by entry: any affected path matches, or with
        // shouldMatchAll every one does (Java's allMatch: an entry with no paths matches too)
        const pat = (await this.#evalValue(cond.pattern, c)) ?? '';
        if (this.#emptyChangelog(c)) return false;
        for (const paths of this.#changedPathsByEntry()) {
          let any = false;
          let all = true;
          for (const f of paths) {
            if (await matches(cond.comparator, pat, f, cond.caseSensitive)) any = true;
            else all = false;
            if (cond.shouldMatchAll ? !all : any) break;
          }
          if (cond.shouldMatchAll ? all : any) return true;
        }
        return false;
      }
      case 'changeRequest': {
        if (env.CHANGE_ID === undefined) return false;
        for (const [attr, expr] of Object.entries(cond.attributes)) {
          const want = (await this.#evalValue(expr, c)) ?? '';
          const have = env[`CHANGE_${attr.replace(/[A-Z]/g, (ch) => `_${ch}`).toUpperCase()}`] ?? '';
          if (!(await matches(cond.comparator, want, have, true))) return false;
        }
        return true;
      }
      case 'environment': {
        const name = (await this.#evalValue(cond.name, c)) ?? '';
        const want = (await this.#evalValue(cond.value, c)) ?? '';
        const have = Object.hasOwn(env, name) ? env[name] : undefined; // not Object.prototype's constructor
        if (have === undefined) return false;
        return matches(cond.comparator, want, have, !cond.ignoreCase); // not lowercased: that would turn a pattern's \D into \d
      }
      case 'equals': {
        const eq: Expr = { type: 'Binary', op: '==', left: cond.expected, right: cond.actual, loc: cond.loc };
        return groovyTruth(await this.#interp.evaluate(eq, c));
      }
      case 'expression':
        return groovyTruth(await this.#interp.runBlock(cond.body, c));
      case 'triggeredBy': {
        const want = (await this.#evalValue(cond.cause, c)) ?? '';
        const detail = await this.#evalValue(cond.detail, c);
        return (this.#o.causes ?? []).some((x) => (x.type === want || x.type.endsWith(`.${want}`)) && (detail === null || x.detail === detail));
      }
      case 'isRestartedRun':
        return this.#o.restart !== undefined;
      case 'not':
        return !(await this.#evalCond(cond.condition, c));
      case 'allOf':
        for (const x of cond.conditions) if (!(await this.#evalCond(x, c))) return false;
        return true;
      case 'anyOf':
        for (const x of cond.conditions) if (await this.#evalCond(x, c)) return true;
        return false;
    }
  }

  /**
   * post { }: Jenkins' runPostConditions. Each condition, in Jenkins' order (cleanup last), is
   * asked in turn against the build's result at that moment, so a block that ran before counts:
   * `always { error }` makes `failure` hold and `success` not. At stage level the stage's own
   * error decides failure/success (PostCondition context Stage). A failing block sets the build's
   * result, becomes the stage's error when there was none, and the other blocks still run.
   */
  async #runPost(post: Post | null, c: ExecContext, rec: StageRecord | null, pending: unknown): Promise<void> {
    if (!post || post.blocks.length === 0) return;
    let error: BuildResult | null = pending !== null && pending !== undefined ? this.#resultOf(pending).result : null;
    const prev = this.#o.previous?.result ?? null;
    const holds = (condition: Post['blocks'][number]['condition']): boolean => {
      let build = this.state.currentResult;
      if (rec?.result) build = worse(build, rec.result);
      return postConditionHolds(condition, { build, error, stage: rec !== null, own: rec?.result ?? null }, prev);
    };
    const run = async (pc: ExecContext) => {
      const postCtx = pc.with({ signal: this.#hardAbort.signal });
      for (const block of post.blocks) {
        // The block runs as a closure (delegateAndExecute), not as a step: no line of its own.
        if (!holds(block.condition)) continue;
        try {
          await this.#interp.runBlock(block.steps, postCtx);
        } catch (err) {
          if (!(err instanceof Interrupted)) this.#log(postCtx, `Error when executing ${block.condition} post condition:`);
          this.#report(err, postCtx, postCtx.stage);
          error ??= this.#resultOf(err).result;
        }
      }
    };
    if (rec) {
      // A stage's post says so before its first block, when any condition holds as it starts
      // (ModelInterpreter: hasSatisfiedConditions, then "Post stage").
      if (post.blocks.some((b) => holds(b.condition))) this.#log(c, 'Post stage');
      return run(c);
    }
    // The pipeline's own post shows as a stage, like Jenkins' "Declarative: Post Actions", when
    // one of its conditions holds (executePostBuild asks hasSatisfiedConditions first).
    this.#pipelinePostRan = true;
    if (!post.blocks.some((b) => holds(b.condition))) return;
    const prec = this.#newStage(POST_STAGE_NAME, null, 'post', lineIn(post.loc));
    const pc = c.with({ stage: prec });
    await this.#stageBoundary(pc, prec, () => run(pc));
  }

  // -------------------------------------------------------------------------------------------
  // steps

  async #callStep(name: string, args: CallArgs, c: ExecContext, loc: Loc | null): Promise<Value> {
    const step = this.#o.registry.step(name);
    if (!step) throw new PipelineError('unknown-step', `No such step: ${name}`, loc);
    const where = loc ?? { start: { line: 0, col: 0, offset: 0 }, end: { line: 0, col: 0, offset: 0 } };
    throwIfAborted(c.signal);
    let bound;
    try {
      bound = bindStepArgs(step, args);
    } catch (err) {
      if (err instanceof StepBindError) throw new StepFailure(err.message, { loc });
      throw err;
    }
    if (step.kind === 'symbol') {
      if (bound.unknown.length > 0) this.#log(c, unknownParametersLine(step, bound.unknown, [...Object.keys(bound.values), ...bound.unknown]));
      return (await this.#o.registry.implementation(name))(this.#stepContext(step, c, where, null), bound);
    }
    const branch = c.branch ?? '';
    // a call in a `load`ed file names it: its lines are not the Jenkinsfile's
    const loaded = libraryPlace(where);
    const call = `${name}@${loaded?.library === '' ? `${loaded.file}:` : ''}${where.start.line}:${where.start.col}`;
    // A step that runs code of the script (a block, or closures as parallel's branches) runs again
    // on replay; a leaf step is answered from the journal.
    const leaf = step.block === 'none' && !runsClosures(args) && !runsScript(name, step);
    const prior = this.#replayTake(c, branch, call, leaf);
    if (prior && prior.status !== 'running' && leaf) return this.#answered(prior, c, step, bound.values, where);
    const rec: StepRecord = {
      id: String(++this.#ids), stageId: c.stage?.id ?? null, name, description: describeStep(step, bound.values), line: where.start.line, column: where.start.col,
      status: 'running', startedAt: Date.now(), endedAt: null, message: null, returned: null,
    };
    const entry: JournalEntry = { id: rec.id, branch, call, name, status: 'running', startedAt: rec.startedAt, endedAt: null, deadline: prior?.deadline ?? null };
    if (c.workspace) entry.node = c.workspace.nodeName;
    if (prior?.memo && typeof prior.memo === 'object') entry.memo = { ...prior.memo };
    // A script step's process key, journaled before it starts (a resumed one keeps its key).
    if (leaf && isReattachable(name, step)) entry.exec = prior?.status === 'running' && prior.exec ? prior.exec : newExecKey(this.#o.build.number, rec.id);
    this.#journal.set(rec, entry);
    this.state.steps.push(rec);
    this.#o.listener?.step?.(rec);
    const inFlight = prior?.status === 'running';
    // A step in flight at the restart already printed its line; the line goes before the journal's,
    // which carries it should the console not have it on disk yet.
    if (!inFlight) this.#log(c, `[Pipeline] ${name}`, rec.id);
    this.#latestStep.set(branch, rec.id);
    // Its lines so far are carried by this journal line; a block's opening lines, which follow, are counted.
    if (leaf) this.#trail.delete(branch);
    else this.#trail.set(branch, 0);
    this.#o.listener?.journal?.(entry);
    // The step's end is journaled (below, finally): a durable exec's end is acknowledged only then (outputBarrier).
    let endJournaled!: () => void;
    const journaledEnd = new Promise<void>((r) => { endJournaled = r; });
    const journaled = (key: string, make: () => string): string => {
      const kept = entry.memo?.[key];
      if (typeof kept === 'string') return kept;
      const v = make();
      (entry.memo ??= {})[key] = v;
      this.#o.listener?.journal?.(entry);
      return v;
    };
    const sctx = Object.assign(this.#stepContext(step, c, where, rec, journaledEnd, entry.exec !== undefined, inFlight ? prior?.execFrom?.open ?? 0 : 0), { journaled, resumed: inFlight, ...(entry.exec ? { durableKey: entry.exec } : {}), ...(inFlight && prior?.execFrom ? { durableFrom: prior.execFrom } : {}) });
    const leaked = this.#interpolatedSecrets(args, c);
    if (leaked.length > 0) {
      this.#log(c, [
        `Warning: A secret was passed to "${name}" using Groovy String interpolation, which is insecure.`,
        `\t\t Affected argument(s) used the following variable(s): [${leaked.join(', ')}]`,
        '\t\t See https://jenkins.io/redirect/groovy-string-interpolation for details.',
      ].join('\n'), rec.id);
    }
    // Parameters the step lacks: Jenkins prints their names and runs the step without them.
    if (bound.unknown.length > 0 && !inFlight) this.#log(c, unknownParametersLine(step, bound.unknown, [...Object.keys(bound.values), ...bound.unknown]), rec.id);
    try {
      // A leaf step in flight at the restart cannot go on, but a script step (its durable exec is taken over, shell.ts).
      if (inFlight && leaf && !isResumable(name) && !isReattachable(name, step) && prior?.rerun !== true) throw nonResumable(name);
      const run = await this.#o.registry.implementation(name);
      const v = await run(sctx, bound);
      rec.status = 'success';
      rec.returned = plain(v);
      entry.value = encodeValue(v);
      return v;
    } catch (err) {
      rec.status = err instanceof Interrupted ? 'aborted' : 'failure';
      rec.message = this.#messageOf(err);
      entry.error = { message: err instanceof Error ? err.message : String(err), result: this.#resultOf(err).result };
      if (err instanceof StepFailure && err.loc === null) err.loc = loc;
      if (err instanceof WorkspaceError) throw new StepFailure(`${name}: ${err.message}`, { loc, cause: err });
      throw err;
    } finally {
      sctx.flush();
      rec.endedAt = Date.now();
      entry.status = rec.status;
      entry.endedAt = rec.endedAt;
      this.#o.listener?.step?.(rec);
      if (this.#latestStep.get(branch) === rec.id) this.#trail.set(branch, 0); // what it prints from here on are its closing lines
      this.#o.listener?.journal?.(entry);
      endJournaled();
      if (step.block !== 'none' && bound.body) this.#log(c, `[Pipeline] // ${name}`, rec.id);
    }
  }

  /**
   * The secret variables whose values a step's arguments contain: Groovy put them there (a
   * GString, `+`), so the secret is in the step's arguments, its script file and the process
   * list, not only in its environment, as Jenkins warns. Sorted names, [] when none.
   */
  #interpolatedSecrets(args: CallArgs, c: ExecContext): string[] {
    if (this.#masker.size === 0) return [];
    const strings: string[] = [];
    const collect = (v: Value, depth: number): void => {
      if (typeof v === 'string') strings.push(v);
      else if (depth < 4 && Array.isArray(v)) for (const x of v) collect(x, depth + 1);
      else if (depth < 4 && v instanceof Map) for (const x of v.values()) collect(x, depth + 1);
    };
    for (const v of args.positional) collect(v, 0);
    if (args.named) collect(args.named, 0);
    if (strings.length === 0) return [];
    const names: string[] = [];
    for (const [k, v] of Object.entries(this.#envOf(c))) {
      if (v.length > 0 && this.#masker.isSecret(v) && strings.some((s) => s.includes(v))) names.push(k);
    }
    return names.sort();
  }

  /** Jenkins' Run.getResult(): null while running and successful so far, unless a result was set. */
  #runResult(): BuildResult | null {
    return this.#explicitResult !== null ? worse(this.#explicitResult, this.state.currentResult) : (this.state.currentResult === 'SUCCESS' ? null : this.state.currentResult);
  }

  #stepContext(step: StepDecl, c: ExecContext, loc: Loc, rec: StepRecord | null, journaledEnd?: Promise<void>, durable = false, openLines = 0): StepContext & { flush(): void } {
    const run = this;
    const sinks = new Map<string, LineSink>();
    const stepId = rec?.id ?? null;
    const barrier = this.#o.listener?.outputWritten ? this.#outputBarrier(sinks, this.#o.listener.outputWritten.bind(this.#o.listener), journaledEnd) : null;
    const build: BuildControl = {
      jobName: this.#o.build.job,
      number: this.#o.build.number,
      startedAt: run.state.startedAt,
      get result() { return run.state.currentResult; },
      get runResult() { return run.#runResult(); },
      previous: this.#o.previous ? { number: this.#o.previous.number, result: this.#o.previous.result } : null,
      setResult: (b, s) => {
        const j = rec ? this.#journal.get(rec) : undefined;
        if (j) j.setResult = worse(j.setResult ?? 'SUCCESS', b);
        this.#setResult(b);
        if (s && c.stage) c.stage.result = worse(c.stage.result ?? 'SUCCESS', s);
      },
      // While its branch replays, a `node` step gets the node its block ran on (replay.ts nodeAhead).
      // Why it waits is said uncounted (#log): a resumed block may wait otherwise, or not at all.
      services: { ...this.#services, allocateNode: (label, signal, say, claim) => this.#allocateNode(label, signal, say ? (line) => this.#log(c, line, stepId, true) : undefined, c, claim ?? null) },
      setEnv: (name, value) => {
        const j = rec ? this.#journal.get(rec) : undefined;
        if (j) (j.setEnv ??= {})[name] = value;
        this.#setEnv(name, value);
      },
      scope: this.#scope,
      setDisplayName: (name) => { run.state.displayName = name; },
      setDescription: (text) => { run.state.description = text; },
      updateBadges: (f) => { run.state.badges = f(run.state.badges ?? []); },
      lastBuilt: (remotes, branch) => lastBuiltOf(this.#o.previous?.gitBuildData ?? [], remotes, branch),
      ...(this.#o.previousSuccessfulGitData !== undefined
        ? { lastSuccessfulBuilt: (remotes: readonly string[], branch: string) => lastBuiltOf(this.#o.previousSuccessfulGitData ?? [], remotes, branch) }
        : {}),
      recordCheckout: (co) => {
        const j = rec ? this.#journal.get(rec) : undefined;
        if (j) (j.checkouts ??= []).push(co);
        this.#recordCheckout(co);
      },
      changeSets: () => run.state.changeSets ?? [],
      beginOpenStage: (name) => {
        this.#endOpenStage();
        this.#openStage = this.#newStage(name, c.stage, 'scripted', lineIn(loc));
        this.#openStage.status = 'running';
        this.#openStage.startedAt = Date.now();
        this.#o.listener?.stage?.(this.#openStage);
      },
    };
    return {
      stepName: step.name,
      loc,
      signal: c.signal,
      dyn: c,
      nodeGates: c.nodeGates,
      buildStep: async (cls) => {
        const d = this.#o.registry.buildStepClass(cls);
        return d ? { decl: d, run: await this.#o.registry.implementation(d.name) } : null;
      },
      validatePipeline: (text) => loadPipeline(text, this.#o.registry),
      get env() { return run.#envOf(c); },
      cwd: c.cwd,
      container: c.container,
      workspace: () => {
        if (!c.workspace) {
          // Jenkins: the step's missing FilePath context (MissingContextVariableException's two
          // lines), which declarative's ModelInterpreter turns into its "agent none" error.
          const missing = 'Required context class hudson.FilePath is missing\nPerhaps you forgot to surround the code with a step that provides this, such as: node';
          const m = run.#o.model;
          if (m.kind === 'declarative' && m.agent?.type === 'none') {
            run.#log(c, missing);
            throw new StepFailure("Attempted to execute a step that requires a node context while 'agent none' was specified. Be sure to specify your own 'node { ... }' blocks when using 'agent none'.", { loc });
          }
          throw new StepFailure(missing, { loc });
        }
        return c.workspace;
      },
      resolvePath: (p) => {
        const ws = c.workspace;
        if (!ws) throw new StepFailure(`${step.name} needs a node to resolve '${p}' (there is no workspace here)`, { loc });
        return path.resolve(c.cwd ?? ws.root, p);
      },
      log: (text) => this.#log(c, text, stepId),
      write: (chunk, stream = 'stdout') => {
        let sink = sinks.get(stream);
        if (!sink) {
          sinks.set(stream, (sink = this.#sink(c, stepId, durable)));
          if (durable && barrier) sink.onIdleFlush = barrier.idleFlushed;
          // A resumed exec's stream whose output on the console ended within a line goes on in it.
          if (openLines & (stream === 'stdout' ? 1 : 2)) sink.continueLine();
        }
        sink.write(chunk);
      },
      runBody: (body, overrides, args) => this.#runBody(body, c, overrides ?? {}, args ?? []),
      deadline: (ms) => {
        const j = rec ? this.#journal.get(rec) : undefined;
        if (!j) return Date.now() + ms;
        if (j.deadline == null) {
          j.deadline = Date.now() + ms;
          this.#o.listener?.journal?.(j);
        }
        return j.deadline;
      },
      build,
      ...(barrier ? { outputBarrier: barrier.barrier } : {}),
      flush: () => { for (const s of sinks.values()) s.flush(); },
    };
  }

  async #runBody(body: ClosureValue, c: ExecContext, o: BodyOverrides, args: Value[]): Promise<Value> {
    let cc = c;
    if (o.workspace) {
      for (const s of o.workspace.secrets ?? []) this.#masker.add(s); // the node's own secrets (a pod's Secret env)
      cc = cc.with({ workspace: o.workspace, cwd: o.cwd ?? o.workspace.root, container: null, env: pushLayer(cc.env, nodeVars(o.workspace)) });
    }
    else if (o.cwd !== undefined) cc = cc.with({ cwd: o.cwd });
    if (o.env) cc = cc.with({ env: pushLayer(cc.env, o.env) });
    if (o.container !== undefined) cc = cc.with({ container: o.container });
    if (o.signal) cc = cc.with({ signal: o.signal });
    if (o.timestamps) cc = cc.with({ timestamps: true });
    if (o.onOutput) cc = cc.with({ onOutput: chain(cc.onOutput, o.onOutput) });
    if (o.nodeGate) cc = cc.with({ nodeGates: [...cc.nodeGates, o.nodeGate] });
    for (const s of o.secrets ?? []) { this.#masker.add(s); this.#o.onSecret?.(s); }
    if (o.masks) { const m = Buffer.from(o.masks.mask); for (const s of o.masks.secrets) { this.#masker.add(s, m); this.#o.onSecret?.(s); } for (const p of o.masks.patterns) this.#masker.addPattern(p, o.masks.mask); }
    const name = o.stage ?? o.parallelBranch;
    if (name === undefined) return this.#interp.callClosure(body, args, cc);
    const rec = this.#newStage(name, cc.stage, o.parallelBranch !== undefined ? 'parallel' : 'scripted', lineIn(body.node.loc));
    const sc = cc.with({
      stage: rec,
      env: o.stage !== undefined ? pushLayer(cc.env, { STAGE_NAME: name }) : cc.env,
      branch: o.parallelBranch ?? cc.branch,
    });
    rec.status = 'running';
    rec.startedAt = Date.now();
    this.#o.listener?.stage?.(rec);
    this.#log(sc, o.stage !== undefined ? `[Pipeline] { (${name})` : `[Pipeline] { (Branch: ${name})`);
    try {
      const v = await this.#interp.callClosure(body, args, sc);
      this.#finishStage(rec, statusOfResult(rec.result ?? 'SUCCESS'), null);
      return v;
    } catch (err) {
      const { result, message } = this.#resultOf(err);
      rec.result = worse(rec.result ?? 'SUCCESS', result);
      this.#finishStage(rec, statusOfResult(rec.result), message);
      throw err;
    } finally {
      this.#log(sc, '[Pipeline] }');
    }
  }

  // -------------------------------------------------------------------------------------------
  // results, errors, environment, output

  #setResult(r: BuildResult): void {
    const next = worse(this.state.currentResult, r);
    if (next !== this.state.currentResult) {
      this.state.currentResult = next;
      this.#emitState();
    }
  }

  #resultOf(err: unknown): { result: BuildResult; message: string; failFast: boolean } {
    if (err instanceof Interrupted) return { result: err.result, message: err.message, failFast: err.cause_ === 'failFast' };
    if (err instanceof StepFailure) return { result: err.result, message: this.#messageOf(err), failFast: false };
    return { result: 'FAILURE', message: this.#messageOf(err), failFast: false };
  }

  /**
   * `groovy.lang.MissingPropertyException: ` before the message of an error that is not a
   * failed step: Jenkins prints such an exception with its class (users grep their logs for
   * it), and only an AbortException (`error`, a failing `sh`) as its bare message. A failed
   * `assert` prints as Groovy's PowerAssertionError prints itself ("Assertion failed: ..."); Kiln's
   * own limits (a stopped regular expression, a construct Kiln does not run) name no Java class.
   */
  #classPrefix(err: unknown): string {
    if (err instanceof ScriptError && KILN_OWN_ERRORS.has(err.code)) return '';
    if (err instanceof ScriptError || err instanceof GroovyException) {
      return err.javaClass === 'hudson.AbortException' || err.javaClass.endsWith('.PowerAssertionError') ? '' : `${err.javaClass}: `;
    }
    return '';
  }

  /** A one-line message with its place in the Jenkinsfile when known. */
  #messageOf(err: unknown): string {
    if (err instanceof StepFailure || err instanceof PipelineError) {
      return err.loc ? `${err.message} (${describeLibraryLoc(err.loc) ?? `${this.#o.file}:${err.loc.start.line}:${err.loc.start.col}`})` : err.message;
    }
    if (err instanceof Error) return err.message;
    return String(err);
  }

  /** Records an error once: logs it, sets the stage's and the build's result. */
  #report(err: unknown, c: ExecContext, rec: StageRecord | null): void {
    const { result, message, failFast } = this.#resultOf(err);
    const first = !(typeof err === 'object' && err !== null && this.#reported.has(err));
    if (typeof err === 'object' && err !== null) this.#reported.add(err);
    if (first) {
      this.#log(c, err instanceof Interrupted ? message : `ERROR: ${this.#classPrefix(err)}${message}`);
      if (!(err instanceof Interrupted || err instanceof StepFailure || err instanceof PipelineError || err instanceof WorkspaceError) && err instanceof Error && err.stack) {
        // An internal error: the stack helps us, the one line above helps the user.
        this.#log(c, `(internal error in Kiln; please report it)\n${err.stack}`);
      }
    }
    if (rec) {
      rec.result = worse(rec.result ?? 'SUCCESS', result);
      // A stage interrupted by a newer build (NOT_BUILT) was cut off, not skipped by `when`.
      const cutOff = failFast || (err instanceof Interrupted && err.result === 'NOT_BUILT');
      this.#finishStage(rec, cutOff ? 'aborted' : statusOfResult(rec.result), message);
    }
    if (!failFast) this.#setResult(result);
    if (first && !failFast && isWorseOrEqual(result, 'FAILURE')) this.state.message ??= message;
  }

  /** Ends the stage a block-less `stage` opened, with the build's result so far. */
  #endOpenStage(): void {
    const rec = this.#openStage;
    if (!rec) return;
    this.#openStage = null;
    rec.result = worse(rec.result ?? 'SUCCESS', this.state.currentResult);
    this.#finishStage(rec, statusOfResult(rec.result), null);
  }

  #newStage(name: string, parent: StageRecord | null, kind: StageRecord['kind'], line: number | null): StageRecord {
    const rec: StageRecord = {
      id: `s${++this.#ids}`, name, parentId: parent?.id ?? null, kind, status: 'pending', result: null,
      startedAt: null, endedAt: null, message: null, line,
    };
    this.state.stages.push(rec);
    return rec;
  }

  #finishStage(rec: StageRecord, status: StageRecord['status'], message: string | null): void {
    rec.status = status;
    if (status === 'skipped-when' || status === 'skipped-failure' || status === 'skipped-restart') rec.result = 'NOT_BUILT';
    rec.message = message;
    rec.startedAt ??= Date.now();
    rec.endedAt = Date.now();
    this.#o.listener?.stage?.(rec);
  }

  #buildVars(): Record<string, string> {
    const b = this.#o.build;
    const vars: Record<string, string> = {
      BUILD_NUMBER: String(b.number),
      BUILD_ID: String(b.number),
      BUILD_DISPLAY_NAME: `#${b.number}`,
      JOB_NAME: b.job,
      JOB_BASE_NAME: b.job.split('/').pop() ?? b.job,
      BUILD_TAG: `kiln-${b.job.replace(/\//g, '-')}-${b.number}`,
      EXECUTOR_NUMBER: '0',
    };
    if (b.url) {
      vars.BUILD_URL = b.url;
      vars.RUN_DISPLAY_URL = b.url;
      vars.JOB_URL = b.url.replace(/\d+\/?$/, '');
    }
    if (b.controllerUrl) {
      vars.KILN_URL = b.controllerUrl;
      vars.JENKINS_URL = b.controllerUrl;
    }
    for (const [k, v] of Object.entries(this.#params)) vars[k] = v === null ? '' : toGroovyString(v);
    return { ...vars, ...this.#o.extraEnv };
  }

  /**
   * What `when { changelog / changeset }` look at: every change set of the build so far (each
   * entry's message, its first line and the whole, and affected paths), as ChangeLogConditional and
   * ChangeSetConditional read all the build's change sets; then what the host gave (RunOptions.changes).
   */
  #changes(): { messages: string[]; files: string[] } {
    const messages: string[] = [];
    const files: string[] = [];
    for (const set of this.state.changeSets ?? []) for (const e of set.entries) {
      messages.push(e.msg);
      if (e.comment !== e.msg) messages.push(e.comment);
      for (const f of e.files) files.push(f.path);
    }
    return { messages: [...messages, ...this.#o.changes?.messages ?? []], files: [...files, ...this.#o.changes?.files ?? []] };
  }

  /**
   * `when { changelog / changeset }` on a build with no change set at all (no checkout recorded
   * one, none given by the host): false, and Jenkins' AbstractChangelogConditionalScript echoes
   * why: on build #1 that there was nothing to compare with, later that no checkout ran.
   */
  #emptyChangelog(c: ExecContext): boolean {
    const given = this.#o.changes;
    if ((this.state.changeSets?.length ?? 0) > 0 || (given && (given.messages.length > 0 || given.files.length > 0))) return false;
    const why = this.#o.build.number <= 1 ? 'Probably because this is the first build.' : 'Have you run checkout?';
    this.#log(c, `[Pipeline] echo\nWarning, empty changelog. ${why}`);
    return true;
  }

  /**
   * The affected paths of each change-set entry (commit) of the build so far, for
   * `when { changeset }`; the paths the host gave (RunOptions.changes) count as one entry.
   */
  #changedPathsByEntry(): string[][] {
    const out: string[][] = [];
    for (const set of this.state.changeSets ?? []) for (const e of set.entries) out.push(e.files.map((f) => f.path));
    const given = this.#o.changes?.files ?? [];
    if (given.length > 0) out.push([...given]);
    return out;
  }

  /** A checkout's revision (the build data) and change set, kept in the build's state. */
  #recordCheckout(co: CheckoutRecord): void {
    recordBuilt(this.state.gitBuildData ??= [], co, this.#o.build.number);
    if (co.changeSet) (this.state.changeSets ??= []).push(co.changeSet);
    this.#emitState();
  }

  #setEnv(name: string, value: string | null): void {
    this.#globalEnv[name] = value;
  }

  /** The environment a process gets in context `c`. */
  #envOf(c: ExecContext): Record<string, string> {
    // The node's own environment (an agent's, a pod's agent container's) over the default.
    const base = { ...(this.#o.baseEnv ?? {}), ...(c.workspace?.nodeEnv ?? {}), ...(this.#o.globalEnv ?? {}) };
    // The build's own variables sit under `env.X =` assignments, which sit under scoped layers.
    const buildLayer = rootLayer(c.env);
    const withBuild = flattenLayers(base, buildLayer);
    for (const [k, v] of Object.entries(this.#globalEnv)) {
      if (v === null) delete withBuild[k];
      else withBuild[k] = v;
    }
    return flattenLayers(withBuild, withoutRoot(c.env));
  }

  // -------------------------------------------------------------------------------------------
  // replay after a controller restart (replay.ts)

  /** The journal's entry for this call while the build replays (null past it): the first call past it is where the build resumes. */
  #replayTake(c: ExecContext, branch: string, call: string, leaf: boolean): JournalEntry | null {
    if (!this.#replay) return null;
    let prior: JournalEntry | null;
    try {
      prior = this.#replay.take(branch, call, this.#o.file, leaf);
    } catch (err) {
      this.#resumePoint(c);
      throw err;
    }
    // A block step in flight (node, stage, retry...) replays its body: the body's first call
    // past the journal is where the build resumes.
    if (prior === null || (prior.status === 'running' && leaf)) this.#resumePoint(c);
    return prior;
  }

  /** Says once, where it happens, that the build resumed; the console is silent before (its lines are in the log already). */
  #resumePoint(c: ExecContext): void {
    const line = this.#replay?.announce();
    if (line) {
      this.#log(c, line, null, true);
      this.#o.listener?.resumed?.();
    }
  }

  /** A finished step of the previous process: not run again; what it gave (and did to the build) comes from the journal. */
  #answered(e: JournalEntry, c: ExecContext, step: StepDecl, values: Record<string, Value>, where: Loc): Value {
    const rec: StepRecord = {
      id: String(++this.#ids), stageId: c.stage?.id ?? null, name: e.name, description: describeStep(step, values), line: where.start.line, column: where.start.col,
      status: e.status === 'running' ? 'failure' : e.status, startedAt: e.startedAt, endedAt: e.endedAt, message: e.error?.message ?? null, returned: null,
    };
    this.state.steps.push(rec);
    this.#journal.set(rec, e);
    this.#latestStep.set(c.branch ?? '', rec.id);
    this.#trail.set(c.branch ?? '', 0);
    if (e.setResult) this.#setResult(e.setResult);
    for (const [k, v] of Object.entries(e.setEnv ?? {})) this.#setEnv(k, v);
    for (const co of e.checkouts ?? []) this.#recordCheckout(co);
    let v: Value;
    try {
      v = answer(e);
    } catch (err) {
      if (err instanceof StepFailure && err.loc === null) err.loc = where;
      throw err;
    }
    rec.returned = plain(v);
    return v;
  }

  #muted(c: ExecContext): boolean {
    const r = this.#replay;
    const b = c.branch ?? '';
    return r !== null && (r.pending(b) || (r.trailing(b) ? this.#counted(b) === undefined : !r.announced));
  }

  /** The branch's count of bytes since its latest journal line (#trail); 0 before its first step. */
  #counted(b: string): number | undefined {
    return this.#trail.get(b) ?? (this.#latestStep.has(b) ? undefined : 0);
  }

  /**
   * Of a branch's output, what goes to the console (null: nothing), counting its closing lines
   * (#trail). While it replays, nothing; once it answered its whole journal, whose last step had
   * ended, its closing lines but those the console already has (Replay.unprinted: the journal's
   * `trail`, so they come once whether the kill fell before or after they were written).
   */
  #unprinted(c: ExecContext, data: Buffer, uncounted = false): Buffer | null {
    const r = this.#replay;
    const b = c.branch ?? '';
    // Neither counted nor skipped; silent while the branch replays (the "Resumed after" line: never).
    if (uncounted) return r !== null && r.pending(b) ? null : data;
    const t = this.#counted(b);
    if (r !== null && (r.pending(b) || (r.trailing(b) ? t === undefined : !r.announced))) return null;
    if (t !== undefined) this.#trail.set(b, t + data.length);
    if (r === null || t === undefined || !r.trailing(b)) return data;
    const rest = r.unprinted(b, data);
    return rest.length > 0 ? rest : null;
  }

  /**
   * StepContext.outputBarrier: of `got`, what the step's line sinks do not hold (a partial line is
   * not in the console yet), once the console has written what it was given until now. The end
   * (`end`) waits for the step's end to be journaled first (the call's `finally`): a controller
   * killed before that finds the step in flight, and its exec still held by the agent.
   * `idleFlushed` (LineSink.onIdleFlush): the sinks' idle delay put part of a partial line in the
   * console, and a point is asked for it (with what the last ask had handed over).
   */
  #outputBarrier(sinks: Map<string, LineSink>, written: NonNullable<BuildListener['outputWritten']>, journaledEnd?: Promise<void>): { barrier: NonNullable<StepContext['outputBarrier']>; idleFlushed(): void } {
    // What the session handed over by its last ask (it asks in the turn it hands a chunk over).
    let last: { key: string; got: { stdout: number; stderr: number } } | null = null;
    const safeOf = (got: { stdout: number; stderr: number }) => ({ stdout: got.stdout - (sinks.get('stdout')?.held ?? 0), stderr: got.stderr - (sinks.get('stderr')?.held ?? 0) });
    // What a point says besides: the streams whose output up to there ends within a line.
    const pointOf = (safe: { stdout: number; stderr: number }) => {
      const open = (sinks.get('stdout')?.lineOpen ? 1 : 0) | (sinks.get('stderr')?.lineOpen ? 2 : 0);
      return open ? { ...safe, open } : safe;
    };
    return {
      barrier: async (key, got, end) => {
        last = { key, got: { ...got } };
        if (end && journaledEnd) await journaledEnd;
        const safe = safeOf(got);
        await written(key, pointOf(safe), end);
        return safe;
      },
      // A partial line the idle delay put in the console is the exec's output there too: a point
      // covers it before any later boundary (a mark for another branch's line, a journal line), so
      // a resumed build does not resend it below them (controller/exec-points.ts). Nothing is
      // acknowledged by it; the session's next ask does that.
      idleFlushed: () => {
        if (last) written(last.key, pointOf(safeOf(last.got))).catch(() => { /* the host stops: the agent keeps it */ });
      },
    };
  }

  #sink(c: ExecContext, stepId: string | null, exec = false, uncounted = false): LineSink {
    const where: OutputWhere = { stageId: c.stage?.id ?? null, stepId, ...(exec ? { exec } : {}) };
    return new LineSink((data) => {
      const out = this.#unprinted(c, data, uncounted);
      if (out === null) return;
      c.onOutput?.();
      this.#o.listener?.output?.(out, where);
    }, this.#masker, () => decoration(c), c.timestamps || c.branch !== null);
  }

  /**
   * A line of the engine's. `uncounted`: one a resumed build need not print the same way (why a
   * node is waited for, the "Resumed after" line): not counted in the branch's opening or closing
   * lines (#trail), so what a resumed build skips of those (Replay.unprinted) is what it printed
   * before, whatever such lines it prints meanwhile.
   */
  #log(c: ExecContext, text: string, stepId: string | null = null, uncounted = false): void {
    if (text.startsWith('ERROR: ') && !this.#muted(c)) this.#o.listener?.errorLine?.({ stageId: c.stage?.id ?? null, stepId });
    const sink = this.#sink(c, stepId, false, uncounted);
    sink.write(Buffer.from(text.endsWith('\n') ? text : `${text}\n`, 'utf8'));
    sink.flush();
  }

  #emitState(): void {
    this.#o.listener?.state?.(this.state);
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/** The argument of an environment value `credentials(<GString, name or property>)` (the validator allows only these besides a literal), else null. */
function dynamicCredentialsArg(value: Expr): Expr | null {
  if (value.type !== 'Call' || value.callee.type !== 'Ident' || value.callee.name !== 'credentials') return null;
  const a = value.args[0];
  if (value.args.length !== 1 || value.namedArgs.length > 0 || value.closure || !a) return null;
  return a.type === 'GString' || a.type === 'Ident' || a.type === 'Property' ? a : null;
}

/** ScriptError codes of Kiln's own limits, which Jenkins has no exception class for (#classPrefix). */
const KILN_OWN_ERRORS: ReadonlySet<string> = new Set(['regex-timeout', 'not-supported', 'limit', 'internal']);

/** The first error of a list of stages (Jenkins' firstError): once set, the later stages of the list are skipped. */
interface Failures {
  first: unknown;
}

/** A matrix cell, run like a stage whose body is the matrix's stages. */
interface CellStage {
  cell: true;
  name: string;
  agent: AgentSpec | null;
  environment: EnvEntry[];
  options: StageOptions;
  when: When | null;
  input: InputSpec | null;
  tools: Stage['tools'];
  failFast: boolean;
  body: Stage['body'];
  post: Post | null;
  loc: Loc;
}

/** The cells of a matrix: every combination of axis values, in order, minus the excluded ones. */
export function matrixCells(m: Matrix): Record<string, string>[] {
  let cells: Record<string, string>[] = [{}];
  for (const axis of m.axes) {
    const next: Record<string, string>[] = [];
    for (const cell of cells) for (const v of axis.values) next.push({ ...cell, [axis.name]: v });
    cells = next;
  }
  return cells.filter((cell) => !m.excludes.some((ex) => ex.axes.every((a) => {
    const v = cell[a.name];
    const listed = v !== undefined && a.values.includes(v);
    return a.not ? !listed : listed;
  })));
}

/** A matrix's cells as the stages the parallel runs: each named as Jenkins names it, with its axis values as environment. */
function matrixCellStages(m: Matrix): { stage: CellStage; env: Record<string, string> }[] {
  return matrixCells(m).map((values) => {
    const name = `Matrix - ${Object.entries(values).map(([k, v]) => `${k} = '${v}'`).join(', ')}`;
    const cell: CellStage = {
      cell: true, name, agent: m.agent, environment: m.environment, options: m.options, when: m.when, input: m.input, tools: m.tools,
      failFast: false, body: { kind: 'stages', stages: m.stages, loc: m.loc }, post: m.post, loc: m.loc,
    };
    return { stage: cell, env: values };
  });
}

/** What a post condition is asked about: the build's result so far, the error of the stage (or of an earlier post block), and whether it is a stage's post. */
export interface PostFacts {
  build: BuildResult;
  error: BuildResult | null;
  stage: boolean;
  /**
   * The stage's own result without an error (catchError's or warnError's stageResult,
   * unstable()): Jenkins combines the stage's worst WarningAction into its post conditions.
   */
  own?: BuildResult | null;
}

/**
 * Jenkins' BuildConditions. `previous` is the previous completed build's result, null on a job's
 * first build: then `changed` holds (the result is inherently new) and `fixed`/`regression` do not.
 */
export function postConditionHolds(cond: PostCondition, f: PostFacts, previous: BuildResult | null): boolean {
  const { build, error, stage } = f;
  switch (cond) {
    case 'always':
    case 'cleanup':
      return true;
    case 'changed':
      return previous === null || build !== previous;
    case 'fixed':
      return previous !== null && build === 'SUCCESS' && (previous === 'FAILURE' || previous === 'UNSTABLE');
    case 'regression':
      return previous !== null && build !== previous && worse(build, previous) === build;
    case 'aborted':
      return build === 'ABORTED' || error === 'ABORTED';
    case 'failure':
      // A stage stopped by an abort (failFast's, a timeout's) is aborted, not failed, even once another branch failed the build (JENKINS-55459).
      if (stage && error === 'ABORTED') return false;
      // catchError(buildResult: 'FAILURE', stageResult: 'UNSTABLE'): the stage's result combined with the build's is FAILURE (JENKINS-57826)
      if (stage && build !== 'ABORTED') return error !== null || f.own === 'FAILURE' || (f.own != null && build === 'FAILURE');
      return build === 'FAILURE';
    case 'success':
      if (stage && f.own && f.own !== 'SUCCESS') return false;
      if (stage && build === 'FAILURE') return error === null;
      return build === 'SUCCESS' && (error === null || error === 'SUCCESS');
    case 'unstable':
      return build === 'UNSTABLE';
    case 'unsuccessful':
      return worse(build, error ?? 'SUCCESS') !== 'SUCCESS';
    case 'notBuilt':
      return build === 'NOT_BUILT';
  }
}

/** A when condition's comparator; REGEXP is a Java pattern matching the whole value (regex.ts, never blocking). */
async function compare(comparator: Comparator, pattern: string, value: string, caseSensitive: boolean, site: RegexSite): Promise<boolean> {
  switch (comparator) {
    case 'EQUALS':
      return caseSensitive ? pattern === value : pattern.toLowerCase() === value.toLowerCase();
    case 'REGEXP':
      return matchesWhole(value, caseSensitive ? pattern : `(?i)${pattern}`, site);
    case 'GLOB':
      return compileAntPatterns([pattern], [], { defaultExcludes: false, caseSensitive }).matches(value);
  }
}

function nodeVars(ws: Workspace): Record<string, string> {
  return { WORKSPACE: ws.root, WORKSPACE_TMP: ws.tmp, NODE_NAME: ws.nodeName, NODE_LABELS: ws.nodeLabels.join(' ') };
}

function chain(a: (() => void) | null, b: () => void): () => void {
  return a ? () => { a(); b(); } : b;
}

function decoration(c: ExecContext): Buffer | null {
  if (!c.timestamps && !c.branch) return null;
  let s = '';
  if (c.timestamps) s += `[${new Date().toISOString()}] `;
  if (c.branch) s += `[${c.branch}] `;
  return Buffer.from(s, 'utf8');
}

/** The outermost layer (the build's own variables) and the rest. */
function rootLayer(l: EnvLayer | null): EnvLayer | null {
  let r = l;
  while (r?.parent) r = r.parent;
  return r ? { vars: r.vars, parent: null } : null;
}

function withoutRoot(l: EnvLayer | null): EnvLayer | null {
  if (!l || !l.parent) return null;
  return { vars: l.vars, parent: withoutRoot(l.parent) };
}

function paramsWithDefaults(m: PipelineModel, given: Record<string, Value>): Record<string, Value> {
  const out: Record<string, Value> = {};
  if (m.kind === 'declarative') {
    for (const p of m.parameters) {
      if (p.type === 'booleanParam') out[p.name] = p.defaultValue === true || p.defaultValue === 'true';
      else if (p.type === 'choice') out[p.name] = p.choices[0] ?? '';
      else out[p.name] = p.defaultValue === null ? '' : String(p.defaultValue);
    }
  }
  for (const [k, v] of Object.entries(given)) {
    const decl = m.kind === 'declarative' ? m.parameters.find((p) => p.name === k) : undefined;
    out[k] = decl?.type === 'booleanParam' && typeof v === 'string' ? v === 'true' : decl?.trim && typeof v === 'string' ? v.trim() : v;
  }
  return out;
}

function describeStep(step: StepDecl, values: Record<string, Value>): string | null {
  const label = values.label;
  if (typeof label === 'string' && label) return label;
  const main = step.positional ? values[step.positional] : undefined;
  if (typeof main === 'string') {
    const first = main.split('\n').find((l) => l.trim() !== '') ?? '';
    return first.length > 80 ? `${first.slice(0, 77)}...` : first;
  }
  return null;
}

/** Whether a step's arguments hold closures it will run (parallel's branches): it is no leaf for replay. */
function runsClosures(args: CallArgs): boolean {
  if (args.closure) return true;
  const has = (v: Value) => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && (v as { kind?: unknown }).kind === 'closure';
  if (args.positional.some(has)) return true;
  if (args.named) for (const v of args.named.values()) if (has(v)) return true;
  for (const v of args.positional) if (v instanceof Map) for (const x of v.values()) if (has(x)) return true;
  return false;
}

/** Keeps a step's return value for the journal when it is small plain data. */
function plain(v: Value): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'string') return v.length <= 4096 ? v : null;
  return null;
}

/** The conditions of an agent's `retries` (the kubernetes-plugin's declarative agent). */
const AGENT_RETRY_CONDITIONS: RetryCondition[] = [{ kind: 'kubernetesAgent', handleNonKubernetes: false }, { kind: 'nonresumable', handleNonKubernetes: false }];

/** An agent's `retries` option: attempts in all (1, the default, is no retry). */
function agentRetries(req: AgentRequest): number {
  const v = req.options['retries'];
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : 1;
  return Number.isSafeInteger(n) ? n : 1;
}
