// The build manager: turns "build this job" into a running PipelineRun and keeps the store,
// the log and the live views up to date as it runs.
//
//   trigger → store row (number allocated) → [quiet period / disableConcurrentBuilds wait]
//   → load the Jenkinsfile (inline, or from git) → validate → PipelineRun with:
//        nodes    = the controller's NodeProvider (agents through the scheduler)
//        services = stashes/artifacts on disk, test reports in the store, other jobs here,
//                   credentials from the credentials store (credentials.ts), scoped by job name
//        listener = log store (bytes + stage/step marks), state saved to the store
//   → finished: result saved, log closed, build discarder applied.
//
// A build starts the moment it is triggered (the pipeline itself runs in the controller, like
// Jenkins' flyweight task); what waits for an executor is each `agent` it asks for.
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadPipeline } from '../pipeline/load.ts';
import { formatDiagnostic } from '../pipeline/diagnostics.ts';
import { PipelineRun, type BuildListener, type NodeProvider, type OutputWhere, type PendingInput } from '../pipeline/engine/engine.ts';
import type { BuildState, StageRecord, StepRecord } from '../pipeline/engine/state.ts';
import type { PipelineModel, BuildResult } from '../pipeline/model/types.ts';
import type { InputOutcome } from '../pipeline/steps/types.ts';
import { Interrupted, StepFailure } from '../pipeline/steps/errors.ts';
import type { Value } from '../pipeline/script/values.ts';
import { LockManager } from '../pipeline/engine/locks.ts';
import type { Build, BuildCause, BuildParams, BuildScm, Job, JsonValue, Store } from '../store/types.ts';
import { StoreError } from '../store/types.ts';
import type { BuildFiles } from './files.ts';
import type { LogStore } from './logstore.ts';
import { scrubSecrets, secretsOf, type CredentialService } from './credentials.ts';

const run = promisify(execFile);

export interface BuildEvents {
  /** A build changed status or result (for SSE/UI and metrics). */
  buildChanged?(build: LiveBuild): void;
  inputChanged?(build: LiveBuild, input: PendingInput, pending: boolean): void;
  /** A build cached the job's parameters, options and triggers from its Jenkinsfile (triggers.ts re-arms). */
  jobSettingsChanged?(job: Job): void;
}

/** A build that is running in this controller right now. */
export interface LiveBuild {
  id: string;
  job: Job;
  number: number;
  run: PipelineRun | null;
  state: BuildState | null;
  done: Promise<void>;
  /** Milestones this build has passed. */
  milestones: Set<number>;
}

export interface TriggerOptions {
  params?: Record<string, JsonValue>;
  causes?: BuildCause[];
  scm?: BuildScm | null;
  /** Replay: run this Jenkinsfile text instead of the job's. */
  script?: string;
}

export class TriggerError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export class BuildManager {
  readonly live = new Map<string, LiveBuild>();
  readonly #store: Store;
  readonly #files: BuildFiles;
  readonly #logs: LogStore;
  readonly #nodes: NodeProvider;
  readonly #events: BuildEvents;
  readonly #locks = new LockManager();
  readonly #url: () => string;
  readonly #credentials: CredentialService | null;
  /** Builds waiting because their job disallows concurrent builds, per job id, in order. */
  readonly #waiting = new Map<string, { build: Build; script: string | undefined; start: () => void }[]>();
  readonly #durations: number[] = [];
  /** Per job: the highest build number that passed each milestone ordinal. */
  readonly #milestones = new Map<string, Map<number, number>>();

  constructor(o: { store: Store; files: BuildFiles; logs: LogStore; nodes: NodeProvider; events?: BuildEvents; publicUrl: () => string; credentials?: CredentialService }) {
    this.#store = o.store;
    this.#files = o.files;
    this.#logs = o.logs;
    this.#nodes = o.nodes;
    this.#events = o.events ?? {};
    this.#url = o.publicUrl;
    this.#credentials = o.credentials ?? null;
  }

  /** Recent build durations in ms (for metrics). */
  get durations(): readonly number[] {
    return this.#durations;
  }

  buildUrl(job: string, number: number): string {
    return `${this.#url()}job/${job.split('/').map(encodeURIComponent).join('/job/')}/${number}/`;
  }

  /** Starts a build of `jobName`; resolves once it is recorded (it runs on in the background). */
  async trigger(jobName: string, o: TriggerOptions = {}): Promise<Build> {
    const job = await this.#store.jobs.get(jobName);
    if (!job) throw new TriggerError(404, `no job named '${jobName}'`);
    if (job.disabled) throw new TriggerError(409, `job '${jobName}' is disabled`);
    const params = checkParams(job, o.params ?? {});
    const causes = o.causes ?? [{ type: 'api', description: 'Started by an API call' }];
    const build = await this.#store.builds.create(job.name, { params, causes, scm: o.scm ?? null });
    // Open the log now, so that someone following it from this moment waits for the first line.
    this.#logs.open(logRef(job.id, build.number));
    const live: LiveBuild = { id: build.id, job, number: build.number, run: null, state: null, done: Promise.resolve(), milestones: new Set() };
    let resolveDone!: () => void;
    live.done = new Promise((r) => { resolveDone = r; });
    this.live.set(build.id, live);
    const start = () => {
      void this.#execute(live, build, o.script).finally(() => {
        this.live.delete(build.id);
        resolveDone();
        this.#startNextWaiting(job.id);
      });
    };
    const quiet = (job.options.quietPeriod ?? 0) * 1000;
    const go = () => {
      if (job.options.disableConcurrentBuilds && this.#runningOf(job.id, build.id)) {
        const q = this.#waiting.get(job.id) ?? [];
        q.push({ build, script: o.script, start });
        this.#waiting.set(job.id, q);
        void this.#store.builds.update(build.id, { message: `Build #${this.#runningOf(job.id, build.id)?.number ?? '?'} is already in progress` }).catch(() => {});
        return;
      }
      start();
    };
    if (quiet > 0) setTimeout(go, quiet).unref();
    else go();
    return build;
  }

  #runningOf(jobId: string, except: string): LiveBuild | undefined {
    for (const b of this.live.values()) if (b.job.id === jobId && b.id !== except && b.run !== null) return b;
    return undefined;
  }

  #startNextWaiting(jobId: string): void {
    const q = this.#waiting.get(jobId);
    const next = q?.shift();
    if (q && q.length === 0) this.#waiting.delete(jobId);
    next?.start();
  }

  /** Waiting for the job's running build (disableConcurrentBuilds). */
  waitingBuilds(): { id: string; job: string; number: number; why: string }[] {
    const out: { id: string; job: string; number: number; why: string }[] = [];
    for (const q of this.#waiting.values()) {
      for (const w of q) {
        const running = this.#runningOf(w.build.jobId, w.build.id);
        out.push({ id: w.build.id, job: w.build.job, number: w.build.number, why: `Build #${running?.number ?? '?'} is already in progress` });
      }
    }
    return out;
  }

  /** Cancels a build that has not started running; false when it is not waiting. */
  async cancelWaiting(buildId: string): Promise<boolean> {
    for (const [jobId, q] of this.#waiting) {
      const i = q.findIndex((w) => w.build.id === buildId);
      if (i < 0) continue;
      q.splice(i, 1);
      if (q.length === 0) this.#waiting.delete(jobId);
      await this.#store.builds.update(buildId, { status: 'finished', result: 'NOT_BUILT', message: 'Cancelled while waiting', endedAt: Date.now() });
      this.live.delete(buildId);
      return true;
    }
    return false;
  }

  abort(buildId: string): boolean {
    const b = this.live.get(buildId);
    if (!b?.run) return false;
    b.run.abort();
    return true;
  }

  answerInput(buildId: string, inputId: string, outcome: InputOutcome): boolean {
    return this.live.get(buildId)?.run?.answerInput(inputId, outcome) ?? false;
  }

  async #execute(live: LiveBuild, build: Build, replayScript: string | undefined): Promise<void> {
    const job = live.job;
    const dir = this.#files.dir(job.id, build.number);
    await fsp.mkdir(dir, { recursive: true });
    const log = logRef(job.id, build.number);
    const startedAt = Date.now();
    await this.#store.builds.update(build.id, { status: 'running', startedAt, message: null });
    const append = (data: Buffer | string) => { void this.#logs.append(log, data).catch(() => {}); };
    const say = (text: string) => append(text.endsWith('\n') ? text : `${text}\n`);
    say(`Started: ${build.causes.map((c) => c.description).join('; ') || 'by the controller'}`);
    let model: PipelineModel;
    let scriptName = 'Jenkinsfile';
    let scmFiles: Record<string, string> = {};
    // A commit given by the trigger (webhook, pollSCM, replay): the Jenkinsfile is read from it
    // and `checkout scm` checks it out. Otherwise the commit the Jenkinsfile came from is recorded.
    const pinned = build.scm?.commit ?? null;
    try {
      let source = replayScript;
      if (source === undefined) {
        const read = await this.#jenkinsfile(job, say, pinned, build.number);
        source = read.text;
        scmFiles = read.files;
        if (read.commit && job.definition.kind === 'git' && !pinned) {
          build.scm = { url: job.definition.url, branch: build.scm?.branch ?? job.definition.branch, commit: read.commit };
          await this.#store.builds.update(build.id, { scm: build.scm });
        }
      }
      if (job.definition.kind === 'git') scriptName = path.basename(job.definition.path);
      const loaded = loadPipeline(source);
      for (const d of loaded.diagnostics) say(formatDiagnostic(scriptName, d));
      if (!loaded.model) throw new StepFailure(`${scriptName} is not valid (${loaded.diagnostics.filter((d) => d.severity === 'error').length} error(s) above); nothing was run`);
      model = loaded.model;
      await this.#cacheJobSettings(job, model);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      say(`ERROR: ${message}\nFinished: FAILURE`);
      await this.#finish(live, build, { result: 'FAILURE', message, state: null, startedAt });
      return;
    }
    const previous = await this.#store.builds.latest(job.name, { before: build.number, status: ['finished'] });
    // --- credentials: what this build was given is masked in the state it saves and shows too
    // (step descriptions, returned values, messages), as the engine masks it in the console.
    const secrets: string[] = [];
    const credentials = this.#credentials;
    const scrub = <T>(v: T): T => scrubSecrets(v, secrets);
    // --- end credentials
    const saveState = debounceLatest(async (s: BuildState) => {
      await this.#store.builds.update(build.id, { state: scrub(s), status: s.status === 'paused' ? 'paused' : 'running' });
    });
    const listener: BuildListener = {
      output: (data: Buffer, where: OutputWhere) => { void this.#logs.append(log, data, { node: where.stepId ?? '' }).catch(() => {}); },
      stage: (s: StageRecord) => {
        if (s.status === 'running') this.#logs.mark(log, { kind: 'stage-start', id: s.id, name: s.name });
        else if (s.endedAt !== null) this.#logs.mark(log, { kind: 'stage-end', id: s.id, name: s.name });
        saveState(pr.state);
        this.#events.buildChanged?.(live);
      },
      step: (s: StepRecord) => {
        this.#logs.mark(log, { kind: s.status === 'running' ? 'step-start' : 'step-end', id: s.id, name: s.name });
      },
      state: (s) => {
        saveState(s);
        this.#events.buildChanged?.(live);
      },
      input: (req, pending) => this.#events.inputChanged?.(live, req, pending),
    };
    const pr: PipelineRun = new PipelineRun({
      scmFiles,
      model,
      file: scriptName,
      build: { job: job.name, number: build.number, id: build.id, url: this.buildUrl(job.name, build.number), controllerUrl: this.#url() },
      params: build.params as Record<string, Value>,
      nodes: this.#nodes,
      baseEnv: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
      extraEnv: build.scm?.branch ? { BRANCH_NAME: build.scm.branch } : {},
      services: {
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
        },
        tests: { record: (report) => this.#store.tests.add(build.id, report) },
        credential: async (id) => {
          if (!credentials) throw new StepFailure(`no credential '${id}': this controller has no credentials store`);
          const c = await credentials.resolve(id, { id: job.id, name: job.name }, build.number).catch((err: unknown) => {
            throw new StepFailure((err as Error).message);
          });
          secrets.push(...secretsOf(c));
          return c;
        },
        milestone: async (ordinal) => this.#milestone(live, ordinal),
        triggerJob: async (name, params, wait, signal) => {
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
      } : null,
      causes: build.causes.map((c) => ({ type: causeType(c), ...(c.userId ? { detail: c.userId } : {}) })),
      listener,
    });
    live.run = pr;
    Object.defineProperty(live, 'state', { get: () => scrub(pr.state), configurable: true, enumerable: true });
    this.#events.buildChanged?.(live);
    const state = await pr.run();
    await saveState.flush();
    await this.#finish(live, build, { result: state.result ?? 'FAILURE', message: scrub(state.message), state: scrub(state), startedAt });
  }

  async #finish(live: LiveBuild, build: Build, r: { result: BuildResult; message: string | null; state: BuildState | null; startedAt: number }): Promise<void> {
    const endedAt = Date.now();
    await this.#logs.finish(logRef(live.job.id, build.number));
    await this.#store.builds.update(build.id, { status: 'finished', result: r.result, message: r.message, state: r.state, endedAt });
    await this.#files.removeStashes(live.job.id, build.number);
    await this.#credentials?.buildFinished(live.job.id, build.number).catch(() => {}); // usedBy = the last build's
    this.#durations.push(endedAt - r.startedAt);
    if (this.#durations.length > 1000) this.#durations.splice(0, this.#durations.length - 1000);
    this.#events.buildChanged?.(live);
    const job = await this.#store.jobs.getById(live.job.id);
    if (job?.options.buildDiscarder) {
      const pruned = await this.#store.builds.prune(job.name, job.options.buildDiscarder);
      for (const b of pruned.builds) await this.#files.removeBuild(job.id, b.number);
      for (const b of pruned.artifacts) await this.#files.removeArtifacts(job.id, b.number);
    }
  }

  /** The job's Jenkinsfile: inline text, or the file at its path in the git repository (at `commit`
   *  when given, else the branch's tip), with the commit it was read from. */
  async #jenkinsfile(job: Job, say: (text: string) => void, commit: string | null, buildNumber: number): Promise<{ text: string; commit: string | null; files: Record<string, string> }> {
    const d = job.definition;
    if (d.kind === 'inline') return { text: d.script, commit: null, files: {} };
    say(`Obtained ${d.path} from git ${d.url} (branch ${d.branch}${commit ? `, commit ${commit}` : ''})`);
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-scm-'));
    const auth = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-scm-auth-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
      if (d.credentialsId) await this.#gitAuth(job, d.credentialsId, auth, env, buildNumber);
      try {
        await run('git', ['clone', '--quiet', '--depth', '1', '--branch', d.branch, '--', d.url, tmp], { env, timeout: 120_000 });
      } catch (err) {
        const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
        throw new StepFailure(`could not clone ${d.url} (branch ${d.branch}) to read ${d.path}: ${detail}`);
      }
      const head = async () => (await run('git', ['-C', tmp, 'rev-parse', 'HEAD'], { env })).stdout.trim();
      if (commit && !(await head()).startsWith(commit.toLowerCase())) {
        try {
          await run('git', ['-C', tmp, 'fetch', '--quiet', '--depth', '1', 'origin', commit], { env, timeout: 120_000 });
          await run('git', ['-C', tmp, 'checkout', '--quiet', '--detach', 'FETCH_HEAD'], { env });
        } catch (err) {
          const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
          throw new StepFailure(`could not fetch commit ${commit} from ${d.url} to read ${d.path}: ${detail}`);
        }
      }
      const at = await head().catch(() => null);
      const file = path.resolve(tmp, d.path);
      if (!file.startsWith(tmp + path.sep)) throw new StepFailure(`the Jenkinsfile path '${d.path}' leaves the repository`);
      let text: string;
      try {
        text = await fsp.readFile(file, 'utf8');
      } catch {
        throw new StepFailure(`${d.path} does not exist in ${d.url} (branch ${d.branch}${commit ? `, commit ${commit}` : ''})`);
      }
      // Files the pipeline names for its pods (`kubernetes { yamlFile 'x' }`), from the same commit.
      const files: Record<string, string> = {};
      for (const rel of yamlFilesOf(text)) {
        const f = path.resolve(tmp, rel);
        if (!f.startsWith(tmp + path.sep)) continue;
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

  /** Keeps the job's parameters, options and triggers as the latest Jenkinsfile declares them. */
  async #cacheJobSettings(job: Job, model: PipelineModel): Promise<void> {
    if (model.kind !== 'declarative') return;
    const o = model.options;
    const updated = await this.#store.jobs.update(job.name, {
      parameters: model.parameters.map((p) => ({ type: p.type, name: p.name, defaultValue: p.defaultValue, description: p.description, choices: p.choices, trim: p.trim })),
      triggers: model.triggers.map((t) => ({ type: t.type, spec: t.spec, threshold: t.threshold })),
      options: {
        disableConcurrentBuilds: o.disableConcurrentBuilds ? { abortPrevious: o.disableConcurrentBuilds.abortPrevious } : null,
        quietPeriod: o.quietPeriod,
        buildDiscarder: o.buildDiscarder ? { numToKeep: o.buildDiscarder.numToKeep, daysToKeep: o.buildDiscarder.daysToKeep, artifactNumToKeep: o.buildDiscarder.artifactNumToKeep, artifactDaysToKeep: o.buildDiscarder.artifactDaysToKeep } : null,
      },
    }).catch((err: unknown) => {
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

/** Checks given parameters against the job's declared ones (when known) and fills defaults. */
function checkParams(job: Job, given: Record<string, JsonValue>): BuildParams {
  const out: BuildParams = {};
  const declared = new Map(job.parameters.map((p) => [p.name, p]));
  for (const [k, v] of Object.entries(given)) {
    if (declared.size > 0 && !declared.has(k)) {
      throw new TriggerError(400, `job '${job.name}' has no parameter '${k}' (it has: ${[...declared.keys()].join(', ')})`);
    }
    const p = declared.get(k);
    if (p?.type === 'choice' && p.choices.length > 0 && !p.choices.includes(String(v))) {
      throw new TriggerError(400, `parameter '${k}' must be one of ${p.choices.join(', ')}; got '${String(v)}'`);
    }
    if (p?.type === 'booleanParam' && typeof v !== 'boolean' && v !== 'true' && v !== 'false') {
      throw new TriggerError(400, `parameter '${k}' is a boolean; got '${String(v)}'`);
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
    case 'restart': return 'RestartCause';
  }
}

/**
 * Saves only the latest value, one write at a time: while a write is in flight, newer values
 * replace each other and the last one is written next. No timer: a burst of changes costs one
 * write after the current one.
 */
function debounceLatest<T>(write: (v: T) => Promise<void>): ((v: T) => void) & { flush(): Promise<void> } {
  let pending: { v: T } | null = null;
  let inFlight: Promise<void> | null = null;
  const pump = async (): Promise<void> => {
    while (pending) {
      const { v } = pending;
      pending = null;
      try {
        await write(structuredClone(v));
      } catch {
        // a failed intermediate save is superseded by the next one; the final save reports
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

/** The literal `yamlFile` paths of a pipeline's kubernetes agents (read from its repository). */
export function yamlFilesOf(text: string): string[] {
  const model = loadPipeline(text).model;
  if (!model) return [];
  const out = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 200 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) { for (const x of v) walk(x, depth + 1); return; }
    const o = v as Record<string, unknown>;
    if (o.type === 'kubernetes') {
      const f = o.yamlFile as { type?: string; value?: unknown } | null | undefined;
      if (f && f.type === 'String' && typeof f.value === 'string') out.add(f.value);
    }
    for (const [k, x] of Object.entries(o)) if (k !== 'loc') walk(x, depth + 1);
  };
  walk(model, 0);
  return [...out];
}
