// The build manager: turns "build this job" into a running PipelineRun and keeps the store,
// the log and the live views up to date as it runs.
//
//   trigger → store row (number allocated) → [quiet period / disableConcurrentBuilds wait]
//   → [abortPrevious: older builds of the job are superseded] → load the Jenkinsfile (inline, or from git) → validate → PipelineRun with:
//        nodes    = the controller's NodeProvider (agents through the scheduler)
//        services = stashes/artifacts on disk, test reports in the store, other jobs here,
//                   credentials from the credentials store (credentials.ts), scoped by job name,
//                   e-mail through the SMTP settings (mail.ts: change-set authors, requestor, console)
//        listener = log store (bytes + stage/step marks), state saved to the store
//   → finished: result saved, log closed, build discarder applied.
//
// Durable builds (resume.ts, docs/architecture.md): each build keeps its script in run.json and
// a journal of its step calls; after a controller restart `requeue` puts a build that had not
// started back in its waits and `resume` replays a started one; `close()` (a graceful stop)
// leaves running builds unrecorded for the next start to resume.
//
// Restart from Stage (restart.ts): a restarted build runs the original's run.json script with
// `RunOptions.restart`, starts with a copy of the stashes it kept, and knows it is one from its
// `restart` cause (restartOf) when it resumes. A build's stashes go when it ends unless its
// pipeline said preserveStashes(buildCount: N): then the job's last N finished builds keep them.
//
// The controller's log (util/log.ts) says each step of a build's life with { job, build } on the
// line: queued, started (and how long it waited), each node it got, finished (result, duration).
//
// A build starts the moment it is triggered (the pipeline itself runs in the controller, like
// Jenkins' flyweight task); what waits for an executor is each `agent` it asks for.
//
// Before it starts, a build can be pending: in its job's quiet period, or blocked by
// `disableConcurrentBuilds()` while another build of the job has started and not finished
// (FIFO per job). Both waits are entries of the controller's wait list (waitlist.ts, which
// also holds the waits of started builds: executors, pod slots); cancelling one (from the
// queue, or an abort of the build) ends the build NOT_BUILT. With `disableConcurrentBuilds(abortPrevious: true)`, as in Jenkins' workflow-job,
// the new build supersedes the job's older ones. Older pending builds end NOT_BUILT at once
// (Jenkins' queue would have folded them into the new one); older started builds are
// interrupted (once: a second interrupt would cut their post short) when the new one is past
// its quiet period, and their console says "Superseded by #N" (Jenkins'
// DisableConcurrentBuildsJobProperty.CancelledCause). The new build still runs alone: it waits,
// in the queue, until the superseded build has ended, its post blocks included.
//
// Every write a build makes has an owner, so none fails unnoticed and none can end the process:
// a console that cannot be created or written (a full disk, an unwritable or read-only file)
// fails the build with the reason ("no space left on device writing the console of app #3"),
// recorded as its result and message (and in the console when it can still take a line), while
// the log store tells the controller's health; a state or result the store refuses, stashes
// that cannot be removed and a build discarder that fails degrade the controller's health with
// the reason, and the health probe retries the write (a result is recorded once the store takes
// it again). Anything else that escapes a build fails that build with the reason.
import { activeChoiceDefaults } from './active-choices.ts';
import { extendedChoiceProblem } from '../pipeline/model/extended-choice.ts';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { filesBeside, libraryRequests, loadPipeline } from '../pipeline/load.ts';
import { loadLibraries, withReplayedFiles } from '../util/libraries.ts';
import type { LibraryContent, LibraryResolver } from '../core/libraries.ts';
import type { StepRegistry } from '../pipeline/steps/registry.ts';
import { formatDiagnostic } from '../pipeline/diagnostics.ts';
import { PipelineRun, type BuildListener, type OutputWhere, type PendingInput } from '../pipeline/engine/engine.ts';
import type { BuildRef, NodeProvider } from '../core/nodes.ts';
import { isWorseOrEqual, type BuildState, type StageRecord, type StepRecord } from '../pipeline/engine/state.ts';
import type { PipelineModel } from '../pipeline/model/types.ts';
import type { BuildResult } from '../core/build.ts';
import type { InputOutcome, JobProperties, RateLimit } from '../pipeline/steps/types.ts';
import { msBetweenBuilds } from '../pipeline/steps/job-properties.ts';
import { Interrupted, StepFailure } from '../core/errors.ts';
import type { Value } from '../pipeline/script/values.ts';
import type { SshServers } from '../core/ssh-publish.ts';
import { LockManager } from '../pipeline/engine/locks.ts';
import type { Build, BuildCause, BuildParams, BuildScm, Job, JobUpdate, JsonValue, Store } from '../store/types.ts';
import { StoreError } from '../store/types.ts';
import type { BuildFiles } from './files.ts';
import { buildToolServices } from './buildtools.ts';
import { LogWriteError, ioErrorText, type LogStore } from './logstore.ts';
import { writeProbe, type Health } from './health.ts';
import { scrubSecrets, type CredentialService } from './credentials.ts';
import type { ControllerLibraries } from './libraries.ts';
import { secretsOf } from '../core/credentials.ts';
import type { ScriptChooser } from './auth/folders.ts';
import { ApiError } from './http-errors.ts';
import { silentLogger, type Logger } from '../util/log.ts';
import type { WaitList } from './waitlist.ts';
import { buildMail, type MailService } from './mail.ts';
import { changeSetAuthors, type ChangeSetRecord } from '../pipeline/steps/changesets.ts';
import { ExecPoints, carriedGroups } from './exec-points.ts';
import { readTrustedFile } from './read-trusted.ts';
import { JournalWriter, resumeCut, tornCut, livePointed, lastNewlineIn, execResumePoints, trailsAt, inFlightPrinters, lastSign, readJournal, readRunInfo, restoreConsole, saveRunInfo, type ConsoleTail, type ExecMark, type TrailMark, type JournalEnd, type RunInfo } from './resume.ts';
import type { JournalEntry, ResumeFrom } from '../pipeline/engine/replay.ts';
import type { MailPerson, MailServices } from '../core/mail.ts';
import type { HttpServices } from '../core/http-services.ts';
import type { ThrottleService } from '../core/throttle.ts';
import { folderPropertiesOf } from './folder-properties.ts';
import { buildUserVars } from './build-user.ts';

const run = promisify(execFile);

export interface BuildEvents {
  /** A build changed status or result (for SSE/UI and metrics). */
  buildChanged?(build: LiveBuild): void;
  inputChanged?(build: LiveBuild, input: PendingInput, pending: boolean): void;
  /** A build cached the job's parameters, options and triggers from its Jenkinsfile (triggers.ts re-arms). */
  jobSettingsChanged?(job: Job): void;
  /** A build ended with `result` after running `durationMs` (null: cancelled before it started). */
  buildFinished?(build: LiveBuild, result: BuildResult, durationMs: number | null): void;
}

/** A build of this controller that has not finished: pending (quiet period, blocked) or started. */
export interface LiveBuild {
  id: string;
  job: Job;
  number: number;
  /** Past its quiet period and any disableConcurrentBuilds wait: loading its Jenkinsfile or running. */
  started: boolean;
  run: PipelineRun | null;
  state: BuildState | null;
  done: Promise<void>;
  /** Milestones this build has passed. */
  milestones: Set<number>;
  /** Who chose its script (a replay of a changed one, a commit a user named in a webhook): their folder rights bind credentials too. */
  replayedBy: ScriptChooser | null;
  /** Replay: changed shared-library files for this build (TriggerOptions.libraryFiles). */
  libraryFiles: Record<string, Record<string, string>> | null;
  /** An abort asked for after it started and before its PipelineRun exists (what to say, the result). */
  abortRequested: { message: string; result: 'ABORTED' | 'NOT_BUILT' } | null;
  /** While its Jenkinsfile is read (a git clone, up to minutes): an abort stops the reading. */
  loading: AbortController | null;
  /** The newer build that superseded it (disableConcurrentBuilds(abortPrevious: true)), once it was interrupted for it. */
  supersededBy: number | null;
  /** Why its console could not be written ("no space left on device writing the console of app #3"): the build fails with it. */
  logError: string | null;
  /** Restart from Stage (restart.ts): the build it restarts and the stage it restarts at. */
  restart?: RestartOf | null;
  /** options { preserveStashes(buildCount: N) } of the pipeline it ran: its stashes outlive it (#keepStashes). */
  preserveStashes?: number | null;
  /** scmSkip(deleteBuild: true) asked to delete it once finished (BuildServices.deleteWhenFinished; not kept across a restart). */
  deleteWhenFinished?: boolean;
}

/** A build restarted from a stage of build `from` (TriggerOptions.restart). */
export interface RestartOf {
  from: number;
  stage: string;
  /** The files read beside the original's Jenkinsfile (its run.json): the restart runs what it ran. */
  scmFiles?: Record<string, string>;
}

/** A build that has not started: waiting in the wait list (quiet period, disableConcurrentBuilds). */
interface Pending {
  live: LiveBuild;
  build: Build;
  /** Aborted when it is cancelled (or superseded, or the controller stops): its wait ends. */
  waiting: AbortController;
  resolveDone: () => void;
  /** Requeued after a controller restart: when its quiet period ends (null: past it; absent: a fresh one). */
  quietUntil?: number | null;
}

export interface TriggerOptions {
  params?: Record<string, JsonValue>;
  causes?: BuildCause[];
  scm?: BuildScm | null;
  /** Replay: run this Jenkinsfile text instead of the job's. */
  script?: string;
  /** Who chose the script, when not the job's own (auth/folders.ts: the build acts with their rights too). */
  replayedBy?: ScriptChooser;
  /** Replay: changed files of shared libraries, by library name then path, for this build only. */
  libraryFiles?: Record<string, Record<string, string>>;
  /** Restart from Stage: run `script` (the original's) skipping the top-level stages before `stage`. */
  restart?: RestartOf;
}

/** Why a build cannot start: 400 'invalid' (a parameter), 404 'not-found' (no job), 409 'conflict' (disabled). */
export class TriggerError extends ApiError<'invalid' | 'not-found' | 'conflict'> {
  /** `field`: the request field a 400 is about (`params.NAME`), answered as the error's `field`. */
  constructor(status: 400 | 404 | 409, message: string, field?: string) {
    super(status === 404 ? 'not-found' : status === 409 ? 'conflict' : 'invalid', message, field === undefined ? {} : { field });
  }
}

export class BuildManager {
  readonly live = new Map<string, LiveBuild>();
  /** The steps, globals and agent types of the controller's plugins: what Jenkinsfiles are validated and run with. */
  readonly registry: StepRegistry;
  readonly #store: Store;
  readonly #files: BuildFiles;
  readonly #logs: LogStore;
  readonly #nodes: NodeProvider;
  readonly #events: BuildEvents;
  /** lock(): named resources, and those configured with labels (store, migration 16). */
  readonly #locks = new LockManager({ resources: () => this.#store.lockableResources.list() });
  readonly #url: () => string;
  readonly #credentials: CredentialService | null;
  readonly #libraries: ControllerLibraries | null;
  readonly #health: Health | null;
  /** The controller's log; each build's lines carry { job, build } (#logOf). */
  readonly #log: Logger;
  readonly #waits: WaitList;
  /** The SMTP server builds' e-mail goes through (mail.ts); null: builds send none. */
  readonly #mail: MailService | null;
  /** Slack, GitHub, GitLab, SonarQube settings for the HTTP service steps (http-services.ts). */
  readonly #httpServices: HttpServices | null;
  /** The throttle step's categories and slots (throttle.ts). */
  readonly #throttleCategories: ThrottleService | null;
  /** Publish Over SSH's servers (ssh-publishers.ts). */
  readonly #sshServers: SshServers | null;
  /** Lines for the end of failed builds' consoles that the disk refused: written when the health recovers. */
  readonly #notes = new Map<string, string>();
  /** Builds not started yet (in the wait list), by build id, in trigger order. */
  readonly #pending = new Map<string, Pending>();
  /** Per job: the highest build number that passed each milestone ordinal. */
  readonly #milestones = new Map<string, Map<number, number>>();
  /** rateLimitBuilds: when each job's last build started (this controller's run), and its throttled builds' line. */
  readonly #lastStart = new Map<string, number>();
  readonly #throttled = new Map<string, Promise<void>>();
  /** Resumed builds still replaying, by id: told when they reach the point where they go on. */
  readonly #replaying = new Map<string, () => void>();
  /** The controller is stopping: running builds are left for the next start to resume (close()). */
  #detached = false;

  /** Whether a build of `upstream` may start `downstream` (`build job:`): null, or why not (auth/folders.ts). */
  readonly #globalEnv: () => Promise<Record<string, string>>;
  readonly #mayTrigger: (upstream: Job, downstream: string, replayedBy: ScriptChooser | null) => Promise<string | null>;

  /** Who holds a lockable resource now ('job #N'), for the lockable resources API. */
  lockHolder(name: string): string | undefined {
    return this.#locks.holder(name);
  }

  /** Who waits for a lockable resource, in order ('job #N'), and the resources held or waited for now. */
  lockWaiters(name: string): string[] {
    return this.#locks.waiters(name);
  }

  lockActive(): string[] {
    return this.#locks.active();
  }

  constructor(o: {
    store: Store; files: BuildFiles; logs: LogStore; nodes: NodeProvider; registry: StepRegistry; waits: WaitList; events?: BuildEvents; publicUrl: () => string; credentials?: CredentialService; health?: Health;
    /** Shared libraries (libraries.ts): each build's resolver. */
    libraries?: ControllerLibraries;
    logger?: Logger;
    mail?: MailService;
    /** Jenkins' global environment variables (global-env.ts), read at each build's start. */
    globalEnv?: () => Promise<Record<string, string>>;
    httpServices?: HttpServices;
    throttle?: ThrottleService;
    sshServers?: SshServers;
    mayTrigger?: (upstream: Job, downstream: string, replayedBy: ScriptChooser | null) => Promise<string | null>;
  }) {
    this.#mayTrigger = o.mayTrigger ?? (async () => null);
    this.registry = o.registry;
    this.#store = o.store;
    this.#files = o.files;
    this.#logs = o.logs;
    this.#nodes = o.nodes;
    this.#waits = o.waits;
    this.#events = o.events ?? {};
    this.#url = o.publicUrl;
    this.#credentials = o.credentials ?? null;
    this.#libraries = o.libraries ?? null;
    this.#health = o.health ?? null;
    this.#mail = o.mail ?? null;
    this.#globalEnv = o.globalEnv ?? (async () => ({}));
    this.#httpServices = o.httpServices ?? null;
    this.#throttleCategories = o.throttle ?? null;
    this.#sshServers = o.sshServers ?? null;
    this.#log = o.logger ?? silentLogger();
    this.#health?.onRecovered(() => this.#writeNotes());
  }

  /** The controller's log for one build: every line carries its job and number. */
  #logOf(job: string, number: number): Logger {
    return this.#log.child({ job, build: number });
  }

  buildUrl(job: string, number: number): string {
    return `${this.#url()}job/${job.split('/').map(encodeURIComponent).join('/job/')}/${number}/`;
  }

  /**
   * A build this process now owns (triggered, or taken back after a restart): its live record,
   * listed, with its log open now so that someone following it from this moment waits for the
   * first line (a log that cannot be made fails the build when it starts, with the reason).
   */
  #register(job: Job, build: Build, started: boolean, o: Pick<TriggerOptions, 'replayedBy' | 'libraryFiles' | 'restart'>): { live: LiveBuild; resolveDone: () => void } {
    const live: LiveBuild = {
      id: build.id, job, number: build.number, started, run: null, state: null, done: Promise.resolve(), milestones: new Set(), abortRequested: null, loading: null, logError: null, supersededBy: null,
      replayedBy: o.replayedBy ?? null, libraryFiles: o.libraryFiles ?? null, restart: o.restart ?? restartOf(build),
    };
    try {
      this.#logs.open(logRef(job.id, build.number));
    } catch (err) {
      this.#logFailed(live, err);
    }
    let resolveDone!: () => void;
    live.done = new Promise((r) => { resolveDone = r; });
    this.live.set(build.id, live);
    return { live, resolveDone };
  }

  /** Starts a build of `jobName`; resolves once it is recorded (it runs on in the background). */
  async trigger(jobName: string, o: TriggerOptions = {}): Promise<Build> {
    const job = await this.#store.jobs.get(jobName);
    if (!job) throw new TriggerError(404, `no job named '${jobName}'`);
    if (job.disabled) throw new TriggerError(409, `job '${jobName}' is disabled`);
    const params = checkParams(job, o.params ?? {});
    await activeChoiceDefaults(job, params);
    const causes = o.causes ?? [{ type: 'api', description: 'Started by an API call' }];
    const build = await this.#store.builds.create(job.name, { params, causes, scm: o.scm ?? null });
    this.#logOf(job.name, build.number).info({ causes: causes.map((c) => c.type) }, 'build queued');
    const { live, resolveDone } = this.#register(job, build, false, o);
    const pending: Pending = { live, build, waiting: new AbortController(), resolveDone };
    this.#pending.set(build.id, pending);
    void this.#queue(pending, o.script);
    return build;
  }

  /** The build's reference in the wait list. */
  /** The throttle step's slots for one build: a blocked slot wait is an entry of the wait list (waitlist.ts throttleSlot). */
  #throttleFor(live: LiveBuild, svc: ThrottleService): ThrottleService {
    return { ...svc, acquire: (c, owner, signal, blocked) => this.#waits.throttleSlot(this.#ref(live), c, (onBlocked) => svc.acquire(c, owner, signal, onBlocked), blocked) };
  }

  #ref(live: LiveBuild): BuildRef {
    return { job: live.job.name, number: live.number, id: live.id };
  }

  /**
   * A triggered build's waits before it starts (entries of the wait list), then its start: at
   * once, before trigger() returns, when it has nothing to wait for. A wait that ends early
   * (cancelled, superseded, the controller stopping) was recorded by whoever ended it.
   */
  async #queue(p: Pending, script: string | undefined): Promise<void> {
    const { live, build } = p;
    const job = live.job;
    const ref = this.#ref(live);
    const signal = p.waiting.signal;
    const abortPrevious = job.options.disableConcurrentBuilds?.abortPrevious === true;
    try {
      if (abortPrevious) this.#supersede(live, { started: false });
      const quiet = p.quietUntil !== undefined ? Math.max(0, (p.quietUntil ?? 0) - Date.now()) : (job.options.quietPeriod ?? 0) * 1000;
      if (quiet > 0) await this.#waits.quietPeriod(ref, quiet, signal);
      // rateLimitBuilds: starts at least duration/count apart, in order (a user's build skips it with userBoost).
      const rate = job.options.rateLimit;
      if (rate && !(rate.userBoost && build.causes.some((c) => c.type === 'user'))) await this.#throttle(p, rate);
      // Past its quiet period: the older running builds are superseded now.
      if (abortPrevious) this.#supersede(live, { started: true });
      // It waits for a started build of the job (with abortPrevious too: the superseded build
      // ends first, its post included, as Jenkins' queue keeps the newer build blocked until
      // then), and without abortPrevious for the older blocked ones too (FIFO).
      if (job.options.disableConcurrentBuilds !== null) {
        const turn = this.#waits.turn(ref, job.id, { fifo: !abortPrevious }, signal, (why) => void this.#update(build, { message: why }, 'why it waits'));
        if (turn) await turn;
      }
    } catch {
      return;
    }
    if (this.#pending.get(build.id) !== p) return; // cancelled as its wait ended
    this.#pending.delete(build.id);
    this.#waits.buildStarted(ref, job.id);
    this.#lastStart.set(job.id, Date.now());
    live.started = true;
    void this.#run(live, build, script).finally(() => this.#ended(live, p.resolveDone));
  }

  /**
   * `upstream(upstreamProjects:, threshold:)` triggers (Jenkins' ReverseBuildTrigger): every
   * enabled job naming this one (relative to its own folder, or absolute with a leading '/')
   * is built when this build's result is at least as good as its threshold.
   */
  async #triggerDownstream(upstream: Job, number: number, result: BuildResult): Promise<void> {
    try {
      for (const j of await this.#store.jobs.list()) {
        if (j.disabled || j.id === upstream.id) continue; // a job naming itself would build forever
        const t = j.triggers.find((x) => x.type === 'upstream' && upstreamNames(j.name, x.spec).includes(upstream.name));
        if (!t || !isWorseOrEqual((t.threshold ?? 'SUCCESS') as BuildResult, result)) continue;
        await this.trigger(j.name, {
          causes: [{ type: 'upstream', description: `Started by upstream project "${upstream.name}" build number ${number}`, upstreamJob: upstream.name, upstreamBuild: number }],
        }).catch((err: unknown) => this.#log.warn({ job: j.name, err }, `upstream trigger from ${upstream.name} #${number} failed`));
      }
    } catch (err) {
      this.#logOf(upstream.name, number).warn({ err }, 'reading the jobs for upstream triggers failed');
    }
  }

  /**
   * rateLimitBuilds (Branch API's RateLimitBranchProperty): the build waits until the job's last
   * start is the throttle's interval (duration / count) old; throttled builds of a job go one
   * after the other, in order, each counting from the one before it.
   */
  async #throttle(p: Pending, rate: RateLimit): Promise<void> {
    const { live } = p;
    const jobId = live.job.id;
    const before = this.#throttled.get(jobId) ?? Promise.resolve();
    let done!: () => void;
    const mine = new Promise<void>((r) => { done = r; });
    this.#throttled.set(jobId, mine);
    try {
      await Promise.race([before, new Promise<never>((_, reject) => {
        if (p.waiting.signal.aborted) reject(new Error('cancelled'));
        p.waiting.signal.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
      })]);
      let last = this.#lastStart.get(jobId);
      if (last === undefined) {
        const page = await this.#store.builds.list(live.job.name, { limit: 25 });
        last = Math.max(0, ...page.builds.filter((b) => b.id !== live.id && b.startedAt !== null).map((b) => b.startedAt!));
      }
      const until = last + msBetweenBuilds(rate);
      if (until > Date.now()) {
        await this.#waits.throttle(this.#ref(live), until, p.waiting.signal, (why) => void this.#update(p.build, { message: why }, 'why it waits'));
      }
      this.#lastStart.set(jobId, Date.now());
    } finally {
      done();
      if (this.#throttled.get(jobId) === mine) this.#throttled.delete(jobId);
    }
  }

  /**
   * After a controller restart: a build that had not started waits again (same number, what is
   * left of its quiet period, then its other waits) — resume.ts, docs "Durable builds".
   */
  async requeue(build: Build, quietUntil: number | null | undefined): Promise<void> {
    const job = await this.#store.jobs.get(build.job);
    if (!job) throw new Error(`its job '${build.job}' no longer exists`);
    const { live, resolveDone } = this.#register(job, build, false, {});
    const pending: Pending = { live, build, waiting: new AbortController(), resolveDone, ...(quietUntil !== undefined ? { quietUntil } : {}) };
    this.#pending.set(build.id, pending);
    void this.#queue(pending, undefined);
  }

  /**
   * After a controller restart: a build that was running goes on by replaying its journal
   * (pipeline/engine/replay.ts): the same script, finished steps answered, the rest run.
   */
  async resume(build: Build): Promise<void> {
    const job = await this.#store.jobs.get(build.job);
    if (!job) throw new Error(`its job '${build.job}' no longer exists`);
    const { live, resolveDone } = this.#register(job, build, true, {});
    this.#waits.buildStarted(this.#ref(live), job.id);
    this.#logOf(job.name, build.number).info('build resumed');
    // Resolves once the build has replayed up to where it goes on (what it held, it holds again)
    // or ended, so the next one resumed queues behind it; at most a few seconds (a replay that
    // itself waits for an executor).
    let replayed!: () => void;
    const reached = new Promise<void>((r) => { replayed = r; });
    this.#replaying.set(build.id, replayed);
    const ran = this.#run(live, build, undefined, true).finally(() => this.#ended(live, resolveDone));
    let cap: NodeJS.Timeout | undefined;
    await Promise.race([reached, ran, new Promise((r) => { cap = setTimeout(r, 3000); })]).finally(() => {
      clearTimeout(cap);
      this.#replaying.delete(build.id);
    });
  }

  /**
   * The controller is stopping: started builds are aborted with `message` (resolves when they
   * have ended); pending ones stay queued in the store, where the next start picks them up.
   */
  async close(message: string): Promise<void> {
    // Durable builds: what the started builds do from here is not theirs (the next start resumes
    // them from their journal), so nothing of it is recorded: no journal line, console byte,
    // state or result.
    this.#detached = true;
    const started = [...this.live.values()].filter((b) => b.started);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) {
      p.waiting.abort();
      this.live.delete(p.live.id);
      p.resolveDone();
    }
    // Twice: a hard abort, so post blocks do not run either (the resumed build runs them).
    for (const b of started) for (let i = 0; i < 2; i++) this.abort(b.id, message);
    await Promise.allSettled(started.map((b) => b.done));
  }

  #ended(live: LiveBuild, resolveDone: () => void): void {
    this.live.delete(live.id);
    resolveDone();
    // disableConcurrentBuilds: the job's next build in line may start now.
    this.#waits.buildEnded(this.#ref(live), live.job.id);
  }

  /**
   * disableConcurrentBuilds(abortPrevious: true): `newer` supersedes the job's older builds.
   * Pending ones end NOT_BUILT now; with `started`, running ones are interrupted too, and end
   * NOT_BUILT as in workflow-job (it interrupts the previous build with Result.NOT_BUILT).
   */
  #supersede(newer: LiveBuild, o: { started: boolean }): void {
    const why = `Superseded by #${newer.number}`;
    for (const b of [...this.live.values()]) {
      if (b.job.id !== newer.job.id || b.number >= newer.number) continue;
      if (this.#pending.has(b.id)) void this.#cancelPending(b.id, why);
      else if (o.started && b.started && b.supersededBy === null) {
        // Once: a second abort is a hard one, which would cut its post (its cleanup) short.
        b.supersededBy = newer.number;
        this.abort(b.id, why, 'NOT_BUILT');
      }
    }
  }

  /** Cancels a build that has not started (NOT_BUILT); false when it is not pending. */
  async cancelWaiting(buildId: string): Promise<boolean> {
    return this.#cancelPending(buildId, 'Cancelled while waiting');
  }

  async #cancelPending(buildId: string, message: string): Promise<boolean> {
    const p = this.#pending.get(buildId);
    if (!p) return false;
    this.#pending.delete(buildId);
    // Its wait ends (its entry leaves the list, a build blocked behind it may go); one whose
    // turn had just come gives it back.
    p.waiting.abort();
    this.#waits.buildEnded(this.#ref(p.live), p.live.job.id);
    const log = logRef(p.live.job.id, p.live.number);
    try {
      await this.#logs.append(log, `${message}\nFinished: NOT_BUILT\n`).catch(() => {});
      await this.#logs.finish(log).catch(() => {});
      // A store that refuses it: the health says so and retries (never a rejection: a supersede
      // does not wait for this, and a row left 'queued' would be built again at the next start).
      await this.#update(p.build, { status: 'finished', result: 'NOT_BUILT', message, endedAt: Date.now() }, 'its result');
    } finally {
      // Kept live until recorded: a console follower waits for `done`, then reads the result.
      this.live.delete(buildId);
      p.resolveDone();
    }
    this.#events.buildChanged?.(p.live);
    this.#events.buildFinished?.(p.live, 'NOT_BUILT', null);
    this.#logOf(p.live.job.name, p.live.number).info({ result: 'NOT_BUILT', durationMs: null, message }, 'build finished');
    return true;
  }

  /**
   * Aborts a started build (its running steps are interrupted; post blocks run): `message` is
   * what its console says. False when it has not started or has finished.
   */
  abort(buildId: string, message = 'Aborted by user', result: 'ABORTED' | 'NOT_BUILT' = 'ABORTED'): boolean {
    const b = this.live.get(buildId);
    if (!b?.started) return false;
    if (b.run) b.run.abort(message, result);
    else {
      b.abortRequested ??= { message, result };
      b.loading?.abort();
    }
    return true;
  }

  answerInput(buildId: string, inputId: string, outcome: InputOutcome): boolean {
    return this.live.get(buildId)?.run?.answerInput(inputId, outcome) ?? false;
  }

  /** Runs a build to its end; whatever escapes #execute fails the build with the reason. Never rejects. */
  async #run(live: LiveBuild, build: Build, replayScript: string | undefined, resumed = false): Promise<void> {
    const startedAt = resumed ? build.startedAt ?? Date.now() : Date.now();
    if (!resumed) this.#logOf(live.job.name, build.number).info({ waitedMs: startedAt - build.queuedAt }, 'build started');
    try {
      await this.#execute(live, build, replayScript, startedAt, resumed);
    } catch (err) {
      const message = `${live.job.name} #${build.number} could not run: ${err instanceof Error ? err.message : String(err)}`;
      live.run?.abort(message);
      await this.#finish(live, build, { result: 'FAILURE', message, state: live.run ? structuredClone(live.run.state) : null, startedAt }).catch(async () => {
        await this.#update(build, { status: 'finished', result: 'FAILURE', message, endedAt: Date.now() }, 'its result');
      });
    }
  }

  /**
   * The build's console cannot be written: the build fails with the reason (its pipeline is
   * stopped; post blocks still run). The log store has told the controller's health.
   */
  #logFailed(live: LiveBuild, err: unknown): void {
    if (live.logError !== null) return;
    live.logError = err instanceof LogWriteError ? err.describe(live.job.name) : `${ioErrorText(err)} writing the console of ${live.job.name} #${live.number}`;
    live.run?.abort(live.logError);
  }

  /**
   * The store refused a write the build needed: the controller's health says so, and its probe
   * makes the same write again until the store takes it (then the problem is gone).
   */
  #storeFailed(build: { id: string; job: string; number: number }, what: string, err: unknown, retry: () => Promise<unknown>): void {
    const reason = err instanceof Error ? err.message : String(err);
    this.#health?.report({
      id: `store:build:${build.id}:${what}`, component: 'store',
      message: `the store refuses to save builds (${what}); Kiln retries until it can`,
      detail: `${build.job} #${build.number}, ${what}: ${reason}`,
      probe: async () => {
        await retry().catch((e: unknown) => {
          if (!(e instanceof StoreError && e.code === 'not-found')) throw e; // deleted since: nothing to save
        });
      },
    });
  }

  /** A change of a build's row, retried through the health when the store refuses it. */
  #update(build: { id: string; job: string; number: number }, patch: Parameters<Store['builds']['update']>[1], what: string): Promise<void> {
    const write = () => this.#store.builds.update(build.id, patch);
    return write().then(() => {}, (err: unknown) => this.#storeFailed(build, what, err, write));
  }

  /** Appends the pending last lines of failed consoles; those the disk still refuses wait for the next recovery. */
  async #writeNotes(): Promise<void> {
    for (const [file, text] of [...this.#notes]) {
      try {
        await fsp.access(file); // a log removed since (build discarder, job deleted) needs no last line
        await fsp.appendFile(file, text);
        this.#notes.delete(file);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.#notes.delete(file);
      }
    }
  }

  /** A file operation of the build's own (stashes, the build discarder) failed: the health says so. */
  #filesFailed(dir: string, err: unknown, what: string): void {
    this.#health?.report({
      id: `disk:${what}:${(err as { code?: string }).code ?? 'error'}`, component: 'disk',
      message: `${ioErrorText(err)} ${what}`,
      detail: err instanceof Error ? err.message : String(err),
      probe: writeProbe(dir),
    });
  }

  async #execute(live: LiveBuild, build: Build, replayScript: string | undefined, startedAt: number, resumed = false): Promise<void> {
    const job = live.job;
    const log = logRef(job.id, build.number);
    if (live.logError !== null) {
      // Its console could not even be made: nothing can run. The store can still say why.
      await this.#store.builds.update(build.id, { status: 'running', startedAt, message: null });
      await this.#finish(live, build, { result: 'FAILURE', message: live.logError, state: null, startedAt });
      return;
    }
    const dir = this.#files.dir(job.id, build.number);
    await fsp.mkdir(dir, { recursive: true }).catch((err: unknown) => {
      throw new Error(`${ioErrorText(err)} creating the directory of ${job.name} #${build.number} for its files`);
    });
    await this.#store.builds.update(build.id, { status: 'running', startedAt, message: null });
    const logFailed = (err: unknown) => this.#logFailed(live, err);
    const append = (data: Buffer | string) => { if (this.#detached) return; void this.#logs.append(log, data).catch(logFailed); };
    const mark = (section: Parameters<LogStore['mark']>[1]) => {
      if (this.#detached) return;
      try {
        this.#logs.mark(log, section);
      } catch (err) {
        logFailed(err);
      }
    };
    const say = (text: string) => append(text.endsWith('\n') ? text : `${text}\n`);
    // --- durable builds (resume.ts): a resumed build replays the script and journal it kept.
    let resume: ResumeFrom | undefined;
    let kept: RunInfo | null = null;
    if (resumed) {
      let ended: JournalEnd | null = null;
      let tails: ConsoleTail[] = [];
      let consoleEnds = new Map<string, number>();
      let execMarks: ExecMark[] = [];
      let trailMarks: TrailMark[] = [];
      try {
        kept = await readRunInfo(dir);
        const j = await readJournal(dir);
        resume = { entries: j.entries, startedAt, downMs: Math.max(0, Date.now() - await lastSign(dir, this.#logs.logPath(log), j.lastWrite)) };
        ({ tails, ended, consoleEnds, execMarks, trailMarks } = j);
      } catch (err) {
        const message = `${job.name} #${build.number} cannot resume after the controller restarted: its journal is unreadable (${err instanceof Error ? err.message : String(err)})`;
        mark({ kind: 'error', id: '0', name: '' });
        say(`ERROR: ${message}\nFinished: FAILURE`);
        await this.#finish(live, build, { result: 'FAILURE', message, state: null, startedAt });
        return;
      }
      // What the console lost to the crash (in memory when the journal's lines were written) comes back first.
      await restoreConsole(tails, (bytes, at) => this.#logs.append(log, bytes, { at })).catch(logFailed);
      let size = this.#logs.unwritten(log);
      // How much of each branch's closing lines the console has (resume.ts trailsAt): not printed again.
      if (resume && size) resume.trails = trailsAt(trailMarks, size.at + size.bytes.length);
      if (resume && size && execMarks.length > 0) {
        // A script step in flight takes its output over from what the console has of it (resume.ts
        // execAt), the console cut back to where the journal accounts for every byte (resumeCut).
        const live = new Set(resume.entries.flatMap((e) => (e.status === 'running' && e.exec ? [e.exec] : [])));
        let { cut, from, resend } = resumeCut(execMarks, size.at + size.bytes.length, live);
        // No exec resends anything: a write the kill tore is cut back to a whole line, or to the
        // start of a torn write of closing lines, printed again (resume.ts tornCut).
        const torn = !livePointed(execMarks, live);
        if (torn) {
          const file = this.#logs.logPath(log);
          cut = await this.#logs.flush(log).then(() => tornCut(execMarks, trailMarks, cut, (floor, end) => lastNewlineIn(file, floor, end))).catch((err: unknown) => {
            logFailed(err);
            return cut;
          });
          from = execResumePoints(execMarks, cut);
        }
        await this.#logs.truncate(log, cut).catch(logFailed);
        size = this.#logs.unwritten(log);
        const consoleSize = size ? size.at + size.bytes.length : cut;
        // The closing lines the cut kept (a count past it is void: its lines, cut, are printed
        // again; before, a count taken before the cut said that a branch's closing lines the cut
        // took, written while an exec had no point yet, were there: lost).
        resume.trails = trailsAt(trailMarks, consoleSize);
        resume.entries = resume.entries.map((e) => (e.exec && from.has(e.exec) ? { ...e, execFrom: from.get(e.exec)! } : e));
        // The bytes past the cut that no exec sends again (a torn write's other lines) go back at
        // the cut, journaled first with the cut (a restart during this one puts them back too).
        const back = resend.length > 0 ? Buffer.concat(resend.map((r) => r.bytes)) : null;
        // A torn write's closing lines its mark carried come back with `back`: counted as there.
        if (back) resume.trails = trailsAt(trailMarks, consoleSize, new Set(execMarks.flatMap((m) => ('mark' in m && m.plain && m.plain.length > 0 ? [m.mark] : []))));
        const jw = new JournalWriter(dir);
        try {
          // At most 1 MiB a line (exec-points.ts carriedGroups): the rest as marks at the cut.
          const groups = carriedGroups(back ? [{ at: consoleSize, bytes: back }] : []);
          jw.consoleAt(consoleSize, groups[0], resume.trails);
          for (const g of groups.slice(1)) jw.consoleMark(consoleSize, g);
        } catch (err) {
          logFailed(err);
        } finally {
          jw.close();
        }
        if (back) {
          await this.#logs.append(log, back).catch(logFailed);
          size = this.#logs.unwritten(log);
        }
      }
      if (resume && size) resume.entries = inFlightPrinters(resume.entries, consoleEnds, size.at + size.bytes.length);
      if (ended) {
        // It had ended (its console says so) before its result reached the store: recorded now, not run again.
        const state = build.state ? { ...build.state, status: 'finished' as const, result: ended.result, currentResult: ended.result, message: ended.message } : null;
        await this.#finish(live, build, { result: ended.result, message: ended.message, state, startedAt });
        return;
      }
      replayScript = kept.script;
      live.replayedBy = kept.replayedBy ?? null;
    } else {
      say(`Started: ${build.causes.map((c) => c.description).join('; ') || 'by the controller'}`);
      for (const c of build.causes) if (c.log) append(c.log);
    }
    // --- end durable builds
    let model: PipelineModel;
    let libraries: LibraryContent[] = [];
    let libraryResolver: LibraryResolver | null = null;
    let scriptName = 'Jenkinsfile';
    let scmFiles: Record<string, string> = {};
    // A commit given by the trigger (webhook, pollSCM, replay): the Jenkinsfile is read from it
    // and `checkout scm` checks it out. Otherwise the commit the Jenkinsfile came from is recorded.
    const pinned = build.scm?.commit ?? null;
    live.loading = new AbortController();
    // Shared libraries: the job's folders' and the global ones, resolved before validation so
    // that lint knows their vars; once per build (a git job's text is read first, then run).
    const creds = this.#credentials;
    libraryResolver = this.#libraries?.resolverFor(job, {
      signal: live.loading.signal,
      // a library from the Jenkinsfile's retriever binds its credential as the build binds any
      retrievers: {
        problem: null,
        credential: (id) => {
          if (!creds) throw new StepFailure(`no credential '${id}': this controller has no credentials store`);
          return creds.resolve(id, { id: job.id, name: job.name, replayedBy: live.replayedBy }, build.number);
        },
      },
    }) ?? null;
    if (libraryResolver && live.libraryFiles) libraryResolver = withReplayedFiles(libraryResolver, live.libraryFiles, say);
    const resolved = new Map<string, Promise<LibraryContent[]>>();
    const resolveLibraries = (text: string): Promise<LibraryContent[]> => {
      if (!libraryResolver) return Promise.resolve([]);
      let p = resolved.get(text);
      if (!p) resolved.set(text, p = loadLibraries(libraryResolver, libraryRequests(text), () => {}));
      return p;
    };
    try {
      let source = replayScript;
      if (source === undefined) {
        // A revision from outside the job's branches (a fork's merge request): the Jenkinsfile is the job's branch's.
        const untrusted = build.causes.some((c) => c.untrustedRevision === true);
        if (untrusted && pinned) say(`The revision ${pinned} comes from a fork: the Jenkinsfile is read from the job's own branch`);
        const read = await this.#jenkinsfile(job, say, untrusted ? null : pinned, build.number, live.loading.signal, resolveLibraries);
        source = read.text;
        scmFiles = read.files;
        if (read.commit && job.definition.kind === 'git' && !pinned) {
          build.scm = { url: job.definition.url, branch: build.scm?.branch ?? job.definition.branch, commit: read.commit };
          await this.#store.builds.update(build.id, { scm: build.scm });
        }
      } else if (kept) {
        scmFiles = kept.scmFiles;
      } else if (live.restart?.scmFiles) {
        scmFiles = live.restart.scmFiles;
      }
      if (job.definition.kind === 'git') scriptName = path.basename(job.definition.path);
      if (!kept) saveRunInfo(dir, { script: source, scriptName, scmFiles, replayedBy: live.replayedBy }); // what a resume replays
      // A LibraryError fails the build with its message, as any error here does; the engine
      // prints "Loading library ..." for each library as the build starts.
      libraries = await resolveLibraries(source);
      const loaded = loadPipeline(source, this.registry, { libraries });
      for (const d of loaded.diagnostics) say(formatDiagnostic(scriptName, d));
      if (!loaded.model) throw new StepFailure(`${scriptName} is not valid (${loaded.diagnostics.filter((d) => d.severity === 'error').length} error(s) above); nothing was run`);
      model = loaded.model;
      if (model.kind === 'declarative') live.preserveStashes = model.options.preserveStashes;
      await this.#cacheJobSettings(job, model);
      // Restart from Stage: the stashes the original kept (preserveStashes) are this build's (not again when it resumes).
      if (live.restart && !resumed) await this.#files.copyStashes(job.id, live.restart.from, build.number);
    } catch (err) {
      if (live.abortRequested !== null) {
        // Aborted while its Jenkinsfile was being read: the reading stopped, nothing ran.
        const { message, result } = live.abortRequested;
        say(`${message}\nFinished: ${result}`);
        await this.#finish(live, build, { result, message, state: null, startedAt });
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      mark({ kind: 'error', id: '0', name: '' });
      say(`ERROR: ${message}\nFinished: FAILURE`);
      await this.#finish(live, build, { result: 'FAILURE', message, state: null, startedAt });
      return;
    } finally {
      live.loading = null;
    }
    const previous = await this.#store.builds.latest(job.name, { before: build.number, status: ['finished'] });
    const previousSuccessful = previous && (previous.result === 'SUCCESS' || previous.result === 'UNSTABLE')
      ? previous : await this.#store.builds.latest(job.name, { before: build.number, status: ['finished'], results: ['SUCCESS', 'UNSTABLE'] });
    // --- credentials: what this build was given is masked in the state it saves and shows too
    // (step descriptions, returned values, messages), as the engine masks it in the console.
    const secrets: string[] = [];
    const trusted = { trusted: null as string | null };
    const credentials = this.#credentials;
    const scrub = <T>(v: T): T => scrubSecrets(v, secrets);
    // --- end credentials
    // A save that fails is superseded by the next one; the health says so meanwhile (its probe
    // writes the latest state again), and the final save in #finish has its own owner.
    const saveState = debounceLatest(async (s: BuildState) => {
      if (this.#detached) return;
      await this.#store.builds.update(build.id, { state: scrub(s), status: s.status === 'paused' ? 'paused' : 'running' });
    }, (s, err) => this.#storeFailed(build, 'its progress', err, () => this.#store.builds.update(build.id, { state: scrub(s) })));
    let errors = 0;
    const listener: BuildListener = {
      output: (data: Buffer, where: OutputWhere) => {
        if (this.#detached) return;
        if (!where.exec) execPoints.plain(data, this.#logs.end(log));
        void this.#logs.append(log, data, { node: where.stepId ?? '' }).catch(logFailed);
      },
      // The ack barrier of durable execs (agents/session.ts): written (not fsynced; see docs,
      // Durable builds) and covered by a journaled point (exec-points.ts: coalesced, resume.ts
      // execAt). Stopping: nothing more is kept, the agent keeps it for the next process.
      outputWritten: (key, safe, ended) => {
        if (this.#detached) return Promise.reject(new Error('the controller is stopping'));
        const end = this.#logs.end(log);
        if (end === null) return this.#logs.flush(log);
        pointsHooked = true;
        return Promise.all([this.#logs.flush(log), execPoints.point(key, safe, end, ended)]).then(() => {});
      },
      stage: (s: StageRecord) => {
        if (s.status === 'running') mark({ kind: 'stage-start', id: s.id, name: s.name });
        else if (s.endedAt !== null) mark({ kind: 'stage-end', id: s.id, name: s.name });
        saveState(stateRow(pr.state));
        this.#events.buildChanged?.(live);
      },
      step: (s: StepRecord) => {
        mark({ kind: s.status === 'running' ? 'step-start' : 'step-end', id: s.id, name: s.name });
      },
      state: (s) => {
        saveState(stateRow(s));
        this.#events.buildChanged?.(live);
      },
      input: (req, pending) => this.#events.inputChanged?.(live, req, pending),
      errorLine: () => mark({ kind: 'error', id: String(++errors), name: '' }),
      resumed: () => this.#replaying.get(build.id)?.(),
      journal: (e) => {
        if (this.#detached) return;
        execPoints.flush(); // a line's consoleEnd is a boundary: the execs' points are exact there (resume.ts resumeCut)
        if (e.exec) {
          if (e.status === 'running') execPoints.started(e.exec);
          else execPoints.ended(e.exec);
        }
        try {
          journal.append(journalWithoutSecrets(e, secrets), this.#logs.unwritten(log), trailsNow());
        } catch (err) {
          logFailed(err);
        }
      },
    };
    const journal = new JournalWriter(dir);
    let pointsHooked = false;
    // The branches' closing lines (engine.ts trails), journaled when they changed (resume.ts trail).
    let trailsRecorded = JSON.stringify(resume?.trails ?? {});
    const trailsNow = (): Record<string, number> | null => {
      const t = pr.trails();
      const j = JSON.stringify(t);
      if (j === trailsRecorded) return null;
      trailsRecorded = j;
      return t;
    };
    const execPoints = new ExecPoints({ journal, failed: logFailed, stopped: () => this.#detached });
    const pr: PipelineRun = new PipelineRun({
      scmFiles,
      model,
      libraries,
      registry: this.registry,
      file: scriptName,
      build: { job: job.name, number: build.number, id: build.id, url: this.buildUrl(job.name, build.number), controllerUrl: this.#url() },
      // A scripted pipeline declares no parameters of its own: the job's (properties([parameters(...)])) give the defaults.
      params: (model.kind === 'declarative' ? build.params : { ...scriptedDefaults(job), ...build.params }) as Record<string, Value>,
      nodes: loggedNodes(this.#nodes, this.#logOf(job.name, build.number)),
      baseEnv: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
      globalEnv: await this.#globalEnv().catch(() => ({})),
      // What a block step masks (withVault's values...) is scrubbed from the saved state too.
      onSecret: (s) => { if (s && !secrets.includes(s)) secrets.push(s); },
      // What the causes contribute (a GitLab hook's gitlabSourceBranch, ...), then BRANCH_NAME.
      extraEnv: { ...Object.assign({}, ...build.causes.map((c) => c.env ?? {})), ...(build.scm?.branch ? { BRANCH_NAME: build.scm.branch } : {}) },
      services: {
        ...(libraryResolver ? { libraries: libraryResolver } : {}),
        stashes: {
          put: (name, files) => this.#files.putStash(job.id, build.number, name, files),
          get: (name) => this.#files.getStash(job.id, build.number, name),
          // Streamed from the agent (or the built-in node) to disk, memory bounded whatever the size.
          putFiles: (name, files) => this.#files.putStashFiles(job.id, build.number, name, files),
          getFiles: (name) => this.#files.getStashFiles(job.id, build.number, name),
        },
        artifacts: {
          put: async (rel, data, mode) => {
            const meta = await this.#files.putArtifact(job.id, build.number, rel, data, mode);
            await this.#store.artifacts.add(build.id, [{ path: rel, size: meta.size, sha256: meta.sha256, mode }]);
          },
          putFile: async (rel, file, mode) => {
            const meta = await this.#files.putArtifactFile(job.id, build.number, rel, file, mode);
            await this.#store.artifacts.add(build.id, [{ path: rel, size: meta.size, sha256: meta.sha256, mode }]);
            return meta;
          },
          list: async () => (await this.#store.artifacts.list(build.id)).map((a) => a.path),
        },
        fingerprints: { record: (records) => this.#store.fingerprints.record(build.id, records) },
        tests: {
          record: (report) => this.#store.tests.add(build.id, report),
          previous: async () => {
            const prev = await this.#store.builds.latest(job.name, { before: build.number, status: ['finished'] });
            return prev ? this.#store.tests.totals(prev.id) : null;
          },
        },
        // recordIssues: results in the store; the reference search reads finished builds (another job's, or this one's before it).
        issues: {
          record: (r) => this.#store.issues.add(build.id, scrub(r)),
          history: (id, other, limit) => this.#store.issues.history(other ?? job.name, other ? null : build.number, id, limit),
        },
        consoleLog: () => this.#consoleSoFar(log),
        buildTools: buildToolServices({ store: this.#store, files: this.#files }, job, build),
        folderProperties: () => folderPropertiesOf(this.#store, job.name),
        deleteWhenFinished: () => { live.deleteWhenFinished = true; },
        buildUser: () => buildUserVars(build.causes, {
          user: (name) => this.#store.users.get(name),
          causesOf: async (j, n) => (await this.#store.builds.getByNumber(j, n).catch(() => null))?.causes ?? null,
        }),
        credential: async (id) => {
          if (!credentials) throw new StepFailure(`no credential '${id}': this controller has no credentials store`);
          const c = await credentials.resolve(id, { id: job.id, name: job.name, replayedBy: live.replayedBy }, build.number).catch((err: unknown) => {
            throw new StepFailure((err as Error).message);
          });
          secrets.push(...secretsOf(c));
          return c;
        },
        milestone: async (ordinal) => this.#milestone(live, ordinal),
        jobProperties: (p) => this.#keepJobProperties(job.name, p),
        ...(this.#mail ? { mail: this.#mailFor(job, build, previous?.result ?? null, log, () => pr.state.changeSets ?? []) } : {}),
        ...(this.#httpServices ? { httpServices: this.#httpServices } : {}),
        ...(this.#throttleCategories ? { throttle: this.#throttleFor(live, this.#throttleCategories) } : {}),
        ...(this.#sshServers ? { sshServers: this.#sshServers } : {}),
        ...(job.definition.kind === 'git' ? { readTrusted: (rel: string, signal: AbortSignal, say: (line: string) => void) => this.#readTrusted(job, build, rel, signal, say, trusted) } : {}),
        triggerJob: async (name, params, wait, signal) => {
          const refused = await this.#mayTrigger(job, name, live.replayedBy);
          if (refused !== null) throw new StepFailure(refused);
          const b = await this.trigger(name, {
            params: params as Record<string, JsonValue>,
            causes: [{ type: 'upstream', description: `Started by upstream project "${job.name}" build number ${build.number}`, upstreamJob: job.name, upstreamBuild: build.number }],
          });
          if (!wait) return { number: b.number, result: null };
          const child = this.live.get(b.id);
          const onAbort = () => this.abort(b.id);
          signal.addEventListener('abort', onAbort, { once: true });
          try {
            await child?.done;
          } finally {
            signal.removeEventListener('abort', onAbort);
          }
          const done = await this.#store.builds.get(b.id);
          return { number: b.number, result: done?.result ?? null };
        },
      },
      locks: this.#locks,
      scm: job.definition.kind === 'git' ? { url: job.definition.url, branch: pinned ?? job.definition.branch, credentialsId: job.definition.credentialsId } : null,
      previous: previous ? {
        number: previous.number, result: previous.result, durationMs: (previous.endedAt ?? 0) - (previous.startedAt ?? 0),
        startedAt: previous.startedAt ?? previous.queuedAt, description: previous.state?.description ?? null, displayName: previous.state?.displayName ?? null,
        ...(previous.state?.gitBuildData ? { gitBuildData: previous.state.gitBuildData } : {}),
      } : null,
      previousSuccessfulGitData: previousSuccessful?.state?.gitBuildData ?? null,
      causes: build.causes.map((c) => ({ type: causeType(c), ...(c.userId ? { detail: c.userId } : {}) })),
      listener,
      ...(resume ? { resume } : {}),
      ...(live.restart ? { restart: { stage: live.restart.stage, from: live.restart.from } } : {}),
    });
    if (live.abortRequested !== null) {
      // Aborted while its Jenkinsfile was being read: nothing ran.
      const { message, result } = live.abortRequested;
      say(`${message}\nFinished: ${result}`);
      await this.#finish(live, build, { result, message, state: null, startedAt });
      return;
    }
    live.run = pr;
    this.#logs.setBeforeWrite(log, (writeEnd, writeStart) => {
      if (this.#detached) return;
      const t = trailsNow();
      if (t) {
        try {
          journal.trail(t, writeEnd, writeStart);
        } catch (err) {
          logFailed(err);
        }
      }
      if (pointsHooked) execPoints.beforeWrite(writeEnd);
    });
    Object.defineProperty(live, 'state', { get: () => scrub(stateRow(pr.state)), configurable: true, enumerable: true });
    this.#events.buildChanged?.(live);
    // The console failed before the pipeline started (its first lines): stop it at once.
    if (live.logError !== null) pr.abort(live.logError);
    const state = await pr.run().then((st) => {
      // Its end, with the console's last bytes, before the result reaches the store (resume.ts).
      if (!this.#detached) {
        try {
          journal.end({ result: st.result ?? 'FAILURE', message: scrub(st.message) }, this.#logs.unwritten(log));
        } catch (err) {
          logFailed(err);
        }
      }
      return st;
    }).finally(() => {
      execPoints.close();
      journal.close();
    });
    await saveState.flush();
    await this.#finish(live, build, { result: state.result ?? 'FAILURE', message: scrub(state.message), state: scrub(state), startedAt });
  }

  /**
   * Records the end of a build. A console that failed makes it a FAILURE with that reason (in
   * the state too, for the stage view); the reason goes at the end of the console when the
   * disk takes it. What the store refuses is retried through the health (#storeFailed).
   */
  async #finish(live: LiveBuild, build: Build, r: { result: BuildResult; message: string | null; state: BuildState | null; startedAt: number }): Promise<void> {
    if (this.#detached) return; // left for the next start to resume
    const endedAt = Date.now();
    const log = logRef(live.job.id, build.number);
    await this.#logs.finish(log).catch((err: unknown) => this.#logFailed(live, err));
    let { result, message, state } = r;
    // compressBuildLog(): the finished console kept compressed (one whose disk failed keeps its notes to write).
    if (state?.pluginProperties?.includes('compressBuildLog') && live.logError === null) {
      await this.#logs.compress(log).catch((err: unknown) => this.#logOf(live.job.name, build.number).warn({ err: (err as Error).message }, 'the console could not be compressed; it is kept as it is'));
    }
    if (live.logError !== null) {
      result = 'FAILURE';
      message = live.logError;
      if (state) state = { ...state, result, currentResult: result, message };
      // Where the console can still take a line, it says why it stops there (now, or once the disk recovers).
      this.#notes.set(this.#logs.logPath(log), `\nERROR: ${live.logError}\nFinished: FAILURE\n`);
      if (this.#notes.size > 10_000) this.#notes.delete(this.#notes.keys().next().value!);
      await this.#writeNotes();
    }
    await this.#update(build, { status: 'finished', result, message, state: state ? stateRow(state) : null, endedAt }, 'its result');
    await this.#keepStashes(live, build.number).catch((err: unknown) => this.#filesFailed(this.#files.dir(live.job.id, build.number), err, 'removing the stashes of finished builds'));
    const credentials = this.#credentials;
    if (credentials) {
      const usedBy = () => credentials.buildFinished(live.job.id, build.number); // usedBy = the last build's
      await usedBy().catch((err: unknown) => this.#storeFailed(build, 'which credentials it used', err, usedBy));
    }
    this.#events.buildChanged?.(live);
    this.#events.buildFinished?.(live, result, endedAt - r.startedAt);
    void this.#triggerDownstream(live.job, build.number, result);
    this.#logOf(live.job.name, build.number).info({ result, durationMs: endedAt - r.startedAt, ...(message ? { message } : {}) }, 'build finished');
    if (live.deleteWhenFinished) {
      // The SCM Skip plugin's run listener: the skipped build goes, with its files.
      try {
        await this.#store.builds.delete(build.id);
        await this.#files.removeBuild(live.job.id, build.number);
        this.#logOf(live.job.name, build.number).info('build deleted (scmSkip deleteBuild)');
        this.#events.buildChanged?.(live);
      } catch (err) {
        this.#filesFailed(this.#files.dir(live.job.id, build.number), err, 'deleting a build skipped by scmSkip');
      }
      return;
    }
    try {
      const job = await this.#store.jobs.getById(live.job.id);
      if (job?.options.buildDiscarder) {
        const pruned = await this.#store.builds.prune(job.name, job.options.buildDiscarder);
        for (const b of pruned.builds) await this.#files.removeBuild(job.id, b.number);
        for (const b of pruned.artifacts) await this.#files.removeArtifacts(job.id, b.number);
      }
    } catch (err) {
      // Old builds stay a little longer: the next build's discarder tries again.
      this.#filesFailed(this.#files.root, err, 'discarding old builds (buildDiscarder)');
    }
  }

  /**
   * A finished build's stashes: removed, unless its pipeline said `preserveStashes(buildCount: N)`
   * (Jenkins' PreserveStashesJobProperty): then the job's last N finished builds keep theirs and
   * older finished ones lose them (running builds keep theirs).
   */
  async #keepStashes(live: LiveBuild, number: number): Promise<void> {
    const n = live.preserveStashes ?? null;
    if (n === null) return this.#files.removeStashes(live.job.id, number);
    const page = await this.#store.builds.list(live.job.name, { limit: Math.min(1000, n + 50) });
    const finished = page.builds.filter((b) => b.status === 'finished');
    for (const b of finished.slice(n)) await this.#files.removeStashes(live.job.id, b.number);
  }

  /** The job's Jenkinsfile: inline text, or the file at its path in the git repository (at `commit`
   *  when given, else the branch's tip), with the commit it was read from. */
  /**
   * The job's Jenkinsfile (and the files beside it its agents name). `libraries` resolves the
   * shared libraries a text asks for: the files beside it are found from the model, which needs
   * the libraries' vars when the Jenkinsfile calls them.
   */
  async #jenkinsfile(job: Job, say: (text: string) => void, commit: string | null, buildNumber: number, signal: AbortSignal, libraries: (text: string) => Promise<LibraryContent[]>): Promise<{ text: string; commit: string | null; files: Record<string, string> }> {
    const d = job.definition;
    if (d.kind === 'inline') return { text: d.script, commit: null, files: {} };
    say(`Obtained ${d.path} from git ${d.url} (branch ${d.branch}${commit ? `, commit ${commit}` : ''})`);
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-scm-'));
    const auth = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-scm-auth-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
      if (d.credentialsId) await this.#gitAuth(job, d.credentialsId, auth, env, buildNumber);
      try {
        await run('git', ['clone', '--quiet', '--depth', '1', '--branch', d.branch, '--', d.url, tmp], { env, timeout: 120_000, signal });
      } catch (err) {
        const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
        throw new StepFailure(`could not clone ${d.url} (branch ${d.branch}) to read ${d.path}: ${detail}`);
      }
      const head = async () => (await run('git', ['-C', tmp, 'rev-parse', 'HEAD'], { env })).stdout.trim();
      // A commit id only (the triggers check it; never an option for git's argv, whatever the store holds).
      if (commit && !/^[0-9a-f]{4,64}$/i.test(commit)) throw new StepFailure(`could not read ${d.path}: '${commit.slice(0, 80)}' is no commit id`);
      if (commit && !(await head()).startsWith(commit.toLowerCase())) {
        try {
          await run('git', ['-C', tmp, 'fetch', '--quiet', '--depth', '1', 'origin', commit], { env, timeout: 120_000, signal });
          await run('git', ['-C', tmp, 'checkout', '--quiet', '--detach', 'FETCH_HEAD'], { env });
        } catch (err) {
          const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
          throw new StepFailure(`could not fetch commit ${commit} from ${d.url} to read ${d.path}: ${detail}`);
        }
      }
      const at = await head().catch(() => null);
      const file = await checkoutFile(tmp, d.path);
      if (file === 'outside') {
        throw new StepFailure(`the Jenkinsfile path '${d.path}' leaves the repository`);
      }
      if (file === 'symlink-outside') {
        // The repository is the job owner's, the clone is on the controller: a symlink out of it
        // would read the controller's own files (its secrets) into the build (Jenkins fixed the same: CVE-2022-25176).
        throw new StepFailure(`the Jenkinsfile path '${d.path}' is a symbolic link that leaves the repository (in ${d.url}, branch ${d.branch}): Kiln reads a Jenkinsfile only from inside the checkout; make it a regular file, or a link to one in the repository`);
      }
      let text: string;
      try {
        if (file === null) throw new Error('absent');
        text = await fsp.readFile(file, 'utf8');
      } catch {
        throw new StepFailure(`${d.path} does not exist in ${d.url} (branch ${d.branch}${commit ? `, commit ${commit}` : ''})`);
      }
      // Files the pipeline's agents name (`kubernetes { yamlFile 'x' }`: load.ts filesBeside), from
      // the same commit and, like the Jenkinsfile, only from inside the checkout.
      const files: Record<string, string> = {};
      const model = loadPipeline(text, this.registry, { libraries: await libraries(text) }).model;
      for (const { path: rel, option } of model ? filesBeside(model, this.registry) : []) {
        const f = await checkoutFile(tmp, rel);
        if (f === null || f === 'outside') continue;
        if (f === 'symlink-outside') throw new StepFailure(`${option} '${rel}' is a symbolic link that leaves the repository (in ${d.url}): Kiln reads it only from inside the checkout; make it a regular file, or a link to one in the repository`);
        const content = await fsp.readFile(f, 'utf8').catch(() => null);
        if (content !== null) files[rel] = content;
      }
      return { text, commit: at, files };
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
      await fsp.rm(auth, { recursive: true, force: true });
    }
  }

  /**
   * Lets the controller's own clone (to read the Jenkinsfile) use the job's credential, the way
   * the git step does on agents: username/password or a token through GIT_ASKPASS, an SSH key
   * through GIT_SSH_COMMAND. The files live in `dir` (0700), removed by the caller.
   */
  /** The mail plugin's services for one build (mail.ts): who made its commits (its change sets), who started it, its console. */
  #mailFor(job: Job, build: Build, previousResult: string | null, log: ReturnType<typeof logRef>, changeSets: () => readonly ChangeSetRecord[]): MailServices {
    const up = build.causes.find((c) => c.type === 'upstream' && c.upstreamJob && c.upstreamBuild);
    return buildMail(this.#mail!, this.#store, {
      changeSets,
      earlierCulpritSets: async () => {
        const out: ChangeSetRecord[] = [];
        // Back through the finished builds while they are worse than SUCCESS (at most 100).
        for (let before = build.number, n = 0; n < 100; n++) {
          const prev = await this.#store.builds.latest(job.name, { before, status: ['finished'] });
          if (!prev || prev.result === 'SUCCESS') break;
          out.push(...prev.state?.changeSets ?? []);
          before = prev.number;
        }
        return out;
      },
      buildUserId: userOf(build.causes),
      // email-ext's Requester: the user of the build at the top of the upstream chain.
      requestorId: async () => {
        let causes = build.causes;
        for (let hops = 0; hops < 20; hops++) {
          const u = causes.find((c) => c.type === 'upstream' && c.upstreamJob && c.upstreamBuild);
          if (!u) break;
          const ub = await this.#store.builds.getByNumber(u.upstreamJob!, u.upstreamBuild!).catch(() => null);
          if (!ub) break;
          causes = ub.causes;
        }
        return userOf(causes);
      },
      upstream: async () => {
        if (!up) return [];
        const uj = await this.#store.jobs.get(up.upstreamJob!);
        const ub = uj ? await this.#store.builds.getByNumber(uj.name, up.upstreamBuild!) : null;
        if (!uj || !ub) return [];
        return changeSetAuthors(ub.state?.changeSets ?? []);
      },
      previousResult,
      console: async () => {
        // Its last 25 MB at most (what a message may carry).
        await this.#logs.flush(log);
        return this.#logs.readBytes(log, -25 * 1024 * 1024);
      },
    });
  }

  /** Lets a git command of the controller's use the job's repository credential (changes.ts); files in `dir`. */
  async gitAuth(job: Job, dir: string, env: NodeJS.ProcessEnv, buildNumber: number): Promise<void> {
    const d = job.definition;
    if (d.kind === 'git' && d.credentialsId) await this.#gitAuth(job, d.credentialsId, dir, env, buildNumber);
  }

  /** readTrusted for a git job (read-trusted.ts): the job's credential set up for git as for the Jenkinsfile's clone. */
  async #readTrusted(job: Job, build: Build, rel: string, signal: AbortSignal, say: (line: string) => void, state: { trusted: string | null }): Promise<string> {
    const d = job.definition;
    if (d.kind !== 'git') throw new StepFailure('readTrusted: the job reads its Jenkinsfile from no repository');
    const auth = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-scm-auth-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
      if (d.credentialsId) await this.#gitAuth(job, d.credentialsId, auth, env, build.number);
      const untrusted = build.causes.some((c) => c.untrustedRevision === true);
      return await readTrustedFile({ url: d.url, branch: d.branch, commit: build.scm?.commit ?? null, untrusted, env, signal, say, state, checkoutFile }, rel);
    } finally {
      await fsp.rm(auth, { recursive: true, force: true });
    }
  }

  async #gitAuth(job: Job, credentialsId: string, dir: string, env: NodeJS.ProcessEnv, buildNumber: number): Promise<void> {
    if (!this.#credentials) throw new StepFailure(`the job's repository needs credential '${credentialsId}', but this controller has no credentials store`);
    const c = await this.#credentials.resolve(credentialsId, { id: job.id, name: job.name }, buildNumber).catch((err: unknown) => {
      throw new StepFailure(`reading the Jenkinsfile: ${err instanceof Error ? err.message : String(err)}`);
    });
    if (c.type === 'usernamePassword' || c.type === 'secretText') {
      const askpass = path.join(dir, 'askpass.sh');
      await fsp.writeFile(askpass, '#!/bin/sh\ncase "$1" in [Uu]sername*) printf %s "$KILN_GIT_USER";; *) printf %s "$KILN_GIT_PASS";; esac\n', { mode: 0o700 });
      env.GIT_ASKPASS = askpass;
      env.KILN_GIT_USER = c.username ?? 'git';
      env.KILN_GIT_PASS = c.password ?? c.secret ?? '';
    } else if (c.type === 'sshKey') {
      const key = path.join(dir, 'id_key');
      await fsp.writeFile(key, c.privateKey ?? '', { mode: 0o600 });
      env.GIT_SSH_COMMAND = `ssh -i '${key}' -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new`;
    } else {
      throw new StepFailure(`credential '${credentialsId}' is a ${c.type}; a repository needs a username/password or SSH key credential`);
    }
  }

  /**
   * The milestone step: the newest build to pass a milestone wins. Older builds of the job that
   * have not passed it are aborted; a build reaching it after a newer one did is aborted.
   */
  #milestone(live: LiveBuild, ordinal: number): void {
    const passedBy = this.#milestones.get(live.job.id) ?? new Map<number, number>();
    this.#milestones.set(live.job.id, passedBy);
    const newest = passedBy.get(ordinal) ?? 0;
    if (newest > live.number) throw new Interrupted('superseded', `Superseded by #${newest}: it already passed milestone ${ordinal}`);
    passedBy.set(ordinal, live.number);
    live.milestones.add(ordinal);
    for (const other of this.live.values()) {
      if (other.job.id === live.job.id && other.number < live.number && other.run && !other.milestones.has(ordinal)) {
        other.run.abort(`Superseded by #${live.number}, which passed milestone ${ordinal} first`);
      }
    }
  }

  /**
   * Keeps the job's parameters, options and triggers as the latest Jenkinsfile declares them.
   * A group with a value written as an expression (a parameter default, a cron spec, a
   * logRotator count) stays as it is: the build evaluates it and reports it (#keepJobProperties),
   * as Jenkins updates the job's properties from the run.
   */
  async #cacheJobSettings(job: Job, model: PipelineModel): Promise<void> {
    if (model.kind !== 'declarative') return;
    const o = model.options;
    const bd = o.buildDiscarder;
    const patch: JobUpdate = {
      options: {
        disableConcurrentBuilds: o.disableConcurrentBuilds ? { abortPrevious: o.disableConcurrentBuilds.abortPrevious } : null,
        quietPeriod: o.quietPeriod,
        rateLimit: o.rateLimitBuilds,
        disableRestartFromStage: o.ignored.some((i) => i.name === 'disableRestartFromStage'),
      },
    };
    if (!model.parameters.some((p) => p.defaultExpr)) {
      patch.parameters = model.parameters.map((p) => ({ type: p.type, name: p.name, defaultValue: p.defaultValue, description: p.description, choices: p.choices, trim: p.trim, ...(p.git ? { git: p.git } : {}), ...(p.activeChoice ? { activeChoice: p.activeChoice } : {}), ...(p.extendedChoice ? { extendedChoice: p.extendedChoice } : {}) }));
    }
    if (!model.triggers.some((t) => t.specExpr)) patch.triggers = model.triggers.map((t) => ({ type: t.type, spec: t.spec, threshold: t.threshold }));
    if (!bd || Object.keys(bd.exprs).length === 0) {
      patch.options!.buildDiscarder = bd ? { numToKeep: bd.numToKeep, daysToKeep: bd.daysToKeep, artifactNumToKeep: bd.artifactNumToKeep, artifactDaysToKeep: bd.artifactDaysToKeep } : null;
    }
    await this.#updateJobSettings(job.name, patch);
  }

  /** BuildServices.consoleLog: what the build has printed so far (its pending bytes written first). */
  async *#consoleSoFar(log: { job: string; number: number }): AsyncIterable<Buffer> {
    await this.#logs.flush(log);
    yield* this.#logs.read(log);
  }

  /**
   * BuildServices.jobProperties: the parameters, triggers, build discarder (and, when given,
   * concurrency and throttle) as the build evaluated them or `properties([...])` set them, for the next builds.
   */
  async #keepJobProperties(jobName: string, p: JobProperties): Promise<void> {
    const cur = await this.#store.jobs.get(jobName);
    if (!cur) return;
    // disableConcurrentBuilds and rateLimit only when the build says (properties([...]), declarative options).
    const options: JobUpdate['options'] = { buildDiscarder: p.discarder };
    if (p.disableConcurrentBuilds !== undefined) options.disableConcurrentBuilds = p.disableConcurrentBuilds;
    if (p.rateLimit !== undefined) options.rateLimit = p.rateLimit;
    const same = JSON.stringify(cur.parameters) === JSON.stringify(p.parameters) && JSON.stringify(cur.triggers) === JSON.stringify(p.triggers)
      && Object.entries(options).every(([k, v]) => JSON.stringify(cur.options[k as keyof typeof options]) === JSON.stringify(v));
    if (same) return;
    await this.#updateJobSettings(jobName, { parameters: p.parameters, triggers: p.triggers, options });
  }

  async #updateJobSettings(jobName: string, patch: JobUpdate): Promise<void> {
    const updated = await this.#store.jobs.update(jobName, patch).catch((err: unknown) => {
      if (!(err instanceof StoreError && err.code === 'not-found')) throw err;
      return null;
    });
    if (updated) this.#events.jobSettingsChanged?.(updated);
  }
}

/** The log store's name for a build's log: by job id, so renaming a job moves nothing. */
export function logRef(jobId: string, number: number): { job: string; number: number } {
  return { job: jobId, number };
}

/** The jobs an upstream trigger of `job` names: comma-separated, relative to its folder ('../x' too) or absolute ('/team/x'). */
export function upstreamNames(job: string, spec: string): string[] {
  const folder = path.posix.dirname(job);
  return spec.split(',').map((n) => n.trim()).filter((n) => n !== '').map((n) => {
    const full = n.startsWith('/') ? n : path.posix.join(folder === '.' ? '' : folder, n);
    return path.posix.normalize(full).replace(/^\/+/, '');
  });
}

/** The defaults of the job's parameters as a scripted build's `params` has them (Jenkins' ParametersDefinitionProperty). */
function scriptedDefaults(job: Job): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const p of job.parameters) {
    if (p.type === 'file' || p.type === 'run') continue;
    out[p.name] = typeof p.defaultValue === 'string' && p.trim ? p.defaultValue.trim() : p.defaultValue ?? '';
  }
  return out;
}

/** Checks given parameters against the job's declared ones (when known) and fills defaults. */
function checkParams(job: Job, given: Record<string, JsonValue>): BuildParams {
  const out: BuildParams = {};
  const declared = new Map(job.parameters.map((p) => [p.name, p]));
  for (const [k, v] of Object.entries(given)) {
    if (declared.size > 0 && !declared.has(k)) {
      throw new TriggerError(400, `job '${job.name}' has no parameter '${k}' (it has: ${[...declared.keys()].join(', ')})`, `params.${k}`);
    }
    const p = declared.get(k);
    if (p?.type === 'choice' && p.choices.length > 0 && !p.choices.includes(String(v))) {
      throw new TriggerError(400, `parameter '${k}' must be one of ${p.choices.join(', ')}; got '${String(v)}'`, `params.${k}`);
    }
    if (p?.type === 'extendedChoice' && p.extendedChoice) {
      const why = extendedChoiceProblem(p.extendedChoice, String(v));
      if (why !== null) throw new TriggerError(400, `parameter '${k}' must be ${why}`, `params.${k}`);
    }
    if (p?.type === 'booleanParam' && typeof v !== 'boolean' && v !== 'true' && v !== 'false') {
      throw new TriggerError(400, `parameter '${k}' is a boolean; got '${String(v)}'`, `params.${k}`);
    }
    out[k] = p?.type === 'booleanParam' ? v === true || v === 'true' : v;
  }
  return out;
}

function causeType(c: BuildCause): string {
  switch (c.type) {
    case 'user': case 'api': return 'UserIdCause';
    case 'timer': return 'TimerTrigger';
    case 'scm': case 'webhook': return 'SCMTrigger';
    case 'upstream': return 'UpstreamCause';
    case 'replay': return 'ReplayCause';
    case 'restart': return 'RestartDeclarativePipelineCause';
  }
}

/** The restart a build's causes record (a build restarted from a stage, also when it resumes). */
export function restartOf(b: { causes: BuildCause[] }): RestartOf | null {
  const c = b.causes.find((x) => x.type === 'restart');
  return c && typeof c.upstreamBuild === 'number' && typeof c.stage === 'string' ? { from: c.upstreamBuild, stage: c.stage } : null;
}

/**
 * Saves only the latest value, one write at a time: while a write is in flight, newer values
 * replace each other and the last one is written next. No timer: a burst of changes costs one
 * write after the current one.
 */
function debounceLatest<T>(write: (v: T) => Promise<void>, failed: (v: T, err: unknown) => void): ((v: T) => void) & { flush(): Promise<void> } {
  let pending: { v: T } | null = null;
  let inFlight: Promise<void> | null = null;
  const pump = async (): Promise<void> => {
    while (pending) {
      const { v } = pending;
      pending = null;
      const copy = structuredClone(v);
      try {
        await write(copy);
      } catch (err) {
        failed(copy, err); // superseded by the next save; meanwhile the owner hears of it
      }
    }
    inFlight = null;
  };
  const f = (v: T) => {
    pending = { v };
    inFlight ??= pump();
  };
  return Object.assign(f, { flush: async () => { while (inFlight) await inFlight; } });
}

/**
 * Steps a saved (or shown) state keeps: the journal's last STATE_ROW_STEPS, and any still
 * running. The journal grows by one record per step run, so a pipeline of 100 000 echo steps
 * (under 1 MB of Jenkinsfile) made an 18 MB state row, rewritten on every change of the build;
 * nothing reads old records from the row (the console's sections come from the log index).
 */
export const STATE_ROW_STEPS = 1000;

/**
 * A journal entry as it may be written to disk: never a secret the build was given. A message or
 * variable that holds one is masked; a returned value that holds one is not kept (a resume past
 * that step then fails as non-resumable, saying why) rather than written out or masked into a
 * different value the script would go on with.
 */
export function journalWithoutSecrets(e: JournalEntry, secrets: readonly string[]): JournalEntry {
  if (secrets.length === 0) return e;
  const out: JournalEntry = { ...e };
  if (e.value !== undefined && JSON.stringify(scrubSecrets(e.value, secrets)) !== JSON.stringify(e.value)) {
    out.value = { $unserializable: 'value that holds a secret' };
  }
  if (e.error) out.error = scrubSecrets(e.error, secrets);
  if (e.setEnv) out.setEnv = scrubSecrets(e.setEnv, secrets);
  out.call = scrubSecrets(e.call, secrets);
  return out;
}

/** The state as the store keeps it: the same, with the step journal bounded (STATE_ROW_STEPS). */
export function stateRow(s: BuildState): BuildState {
  const n = s.steps.length;
  if (n <= STATE_ROW_STEPS) return s;
  const from = n - STATE_ROW_STEPS;
  return { ...s, steps: s.steps.filter((st, i) => i >= from || st.status === 'running') };
}

/**
 * A file of a checkout at `dir` named by a path from the job or its Jenkinsfile: its real path
 * when it is inside the checkout; 'outside' when the path itself leaves it ('..', absolute);
 * 'symlink-outside' when it (or a directory on the way) is a symbolic link that leads out of
 * the checkout; null when there is no such file.
 */
export async function checkoutFile(dir: string, rel: string): Promise<string | 'outside' | 'symlink-outside' | null> {
  const file = path.resolve(dir, rel);
  if (!file.startsWith(dir + path.sep)) return 'outside';
  let real: string;
  let root: string;
  try {
    [real, root] = await Promise.all([fsp.realpath(file), fsp.realpath(dir)]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return null;
    // A dangling link still says where it points: refuse one out of the checkout by its text.
    const link = await fsp.readlink(file).catch(() => null);
    return link !== null && !path.resolve(path.dirname(file), link).startsWith(dir + path.sep) ? 'symlink-outside' : null;
  }
  return real.startsWith(root + path.sep) ? real : 'symlink-outside';
}

/** `nodes` for one build, logging which node each of its `agent`s got and how long it waited for it. */
function loggedNodes(nodes: NodeProvider, log: Logger): NodeProvider {
  return {
    allocate: async (req, build, signal, say) => {
      const t0 = Date.now();
      const node = await nodes.allocate(req, build, signal, say);
      log.info({ node: node.workspace.nodeName, agentType: req.type, ...(req.label ? { label: req.label } : {}), waitedMs: Date.now() - t0 }, 'build got a node');
      return node;
    },
  };
}

/** The user a build's own causes name (a user's or an API token's start), or null. */
function userOf(causes: readonly BuildCause[]): string | null {
  return causes.find((c) => (c.type === 'user' || c.type === 'api') && c.userId)?.userId ?? null;
}
