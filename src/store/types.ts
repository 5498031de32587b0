// The state store's one interface: what the controller keeps across restarts (jobs, build
// history, artifacts' metadata, test reports, agents' definitions, the persisted queue,
// credentials: their metadata and encrypted secrets, which the store never decrypts).
// Two implementations sit behind it, chosen by URL in `open.ts`: the embedded SQLite file
// (default, `<home>/kiln.db`) and PostgreSQL (`KILN_DATABASE_URL=postgres://...`).
//
// Conventions:
// - Times are milliseconds since the epoch (numbers), like the engine's BuildState.
// - Getters return null for "no such thing"; operations on a thing that must exist throw
//   StoreError('not-found'). Duplicates throw StoreError('conflict'), bad input 'invalid'.
// - Every value handed in is validated and copied; what comes back is a fresh object.
import type { BuildState } from '../pipeline/engine/state.ts';
import type { ExtendedChoiceOptions, GitParameterOptions, ParameterType } from '../pipeline/model/types.ts';
import type { ActiveChoiceOptions } from '../pipeline/model/active-choices.ts';
import type { BuildResult } from '../core/build.ts';
import type { TestReport } from '../pipeline/steps/types.ts';
import { KilnError } from '../core/errors.ts';
import type { IssuesHistoryEntry, IssuesRecord } from '../core/issues.ts';
import type { CoverageRecord, ManagedConfigFile } from '../core/buildtools.ts';
import type { LockableResource } from '../core/locks.ts';

export type { BuildState, BuildResult, TestReport };

// ---------------------------------------------------------------------------------------------
// errors

export type StoreErrorCode =
  /** A unique name or number is taken (job name, agent name), or a state change is not allowed. */
  | 'conflict'
  /** The job / build / agent named does not exist. */
  | 'not-found'
  /** A value handed to the store is malformed (bad name, non-JSON value, negative count...). */
  | 'invalid'
  /** The database cannot be reached or opened. */
  | 'unavailable';

export class StoreError extends KilnError {
  readonly code: StoreErrorCode;
  /** The field of the record an 'invalid' is about, as a dotted path (`parameters.0.name`), when known: the API answers it as `field`. */
  readonly field: string | undefined;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown; field?: string }) {
    super(`store.${code}`, message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.field = options?.field;
  }
}

/** StoreError('invalid') about the field `field` (a path: `grants[0].rights`): says `field: why`, and carries the field as data (`grants.0.rights`). */
export function invalidField(field: string, why: string): StoreError {
  return new StoreError('invalid', `${field}: ${why}`, { field: field.replace(/\[(\d+)\]/g, '.$1') });
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}

// ---------------------------------------------------------------------------------------------
// JSON

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

// ---------------------------------------------------------------------------------------------
// jobs

/** Where a job's Jenkinsfile comes from. */
export type JobDefinition =
  /** The Jenkinsfile's text, kept in the store ("Pipeline script"). */
  | { kind: 'inline'; script: string }
  /** "Pipeline script from SCM": a file in a git repository. */
  | {
    kind: 'git';
    url: string;
    /** Branch to build, e.g. 'main' (no refs/heads/ prefix needed). */
    branch: string;
    /** Path of the Jenkinsfile inside the repository, e.g. 'Jenkinsfile'. */
    path: string;
    /** Credential used to clone, or null for a public / local repository. */
    credentialsId: string | null;
  };

/** A `parameters {}` entry as the last build's model declared it (ParameterDef without its location). */
export interface JobParameter {
  type: ParameterType;
  name: string;
  defaultValue: string | boolean | null;
  description: string;
  choices: string[];
  trim: boolean;
  /** gitParameter only: what its form lists (pipeline/model/types.ts). */
  git?: GitParameterOptions;
  /** extendedChoice only: its kind of form, delimiter and defaults (pipeline/model/extended-choice.ts). */
  extendedChoice?: ExtendedChoiceOptions;
  /** Active Choices parameters only: the script whose answer the form lists (pipeline/model/active-choices.ts). */
  activeChoice?: ActiveChoiceOptions;
}

/** A `triggers {}` entry as the last build's model declared it (TriggerDef without its location). */
export interface JobTrigger {
  type: 'cron' | 'pollSCM' | 'upstream' | 'githubPush' | 'gitlab' | 'githubPullRequests' | 'parameterizedCron' | 'GenericTrigger';
  spec: string;
  threshold: string | null;
}

/** logRotator / buildDiscarder settings; null = no limit on that axis. */
export interface DiscardPolicy {
  numToKeep: number | null;
  daysToKeep: number | null;
  artifactNumToKeep: number | null;
  artifactDaysToKeep: number | null;
}

/** The pipeline `options {}` the controller acts on before a build starts, cached from the last model. */
export interface JobOptions {
  disableConcurrentBuilds: { abortPrevious: boolean } | null;
  /** Seconds a triggered build waits in the queue; null = the controller's default (0). */
  quietPeriod: number | null;
  buildDiscarder: DiscardPolicy | null;
  /** rateLimitBuilds(throttle: [count:, durationName:, userBoost:]): at most `count` build starts per duration (rows older than it read as null). */
  rateLimit: RateLimit | null;
  /** options { disableRestartFromStage() }: its builds cannot be restarted from a stage (absent: false). */
  disableRestartFromStage?: boolean;
}

/** Branch API's throttle: builds start at least duration/count apart; with userBoost, builds a user started skip it. */
export interface RateLimit {
  count: number;
  durationName: 'second' | 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';
  userBoost: boolean;
}

export interface Job {
  /** Stable internal id (survives renames). */
  id: string;
  /** Unique; '/' separates folders ("team/app/deploy"). */
  name: string;
  description: string;
  definition: JobDefinition;
  /** Parameters, options and triggers as of the last build's model (empty until one ran). */
  parameters: JobParameter[];
  options: JobOptions;
  triggers: JobTrigger[];
  /** A disabled job keeps its history but starts no builds. */
  disabled: boolean;
  /** The number the next build will get. */
  nextBuildNumber: number;
  createdAt: number;
  updatedAt: number;
}

export interface JobCreate {
  name: string;
  definition: JobDefinition;
  description?: string;
  parameters?: JobParameter[];
  options?: Partial<JobOptions>;
  triggers?: JobTrigger[];
  disabled?: boolean;
}

/** Fields to change; absent fields stay. `name` renames (its builds follow). */
export interface JobUpdate {
  name?: string;
  description?: string;
  definition?: JobDefinition;
  parameters?: JobParameter[];
  options?: Partial<JobOptions>;
  triggers?: JobTrigger[];
  disabled?: boolean;
  /** Raise the next build number (never at or below an existing build's number). */
  nextBuildNumber?: number;
}

export interface JobRepo {
  create(input: JobCreate): Promise<Job>;
  /** Throws 'not-found' when absent, 'conflict' when renaming onto a taken name. */
  update(name: string, patch: JobUpdate): Promise<Job>;
  /** Deletes the job, its builds, their artifacts' and test reports' rows and its queue items.
   *  Returns the ids and numbers of the builds that went (the caller removes their files). */
  delete(name: string): Promise<{ job: Job; builds: BuildRef[] }>;
  get(name: string): Promise<Job | null>;
  getById(id: string): Promise<Job | null>;
  /** Sorted by name. `folder` limits to the jobs under that folder (at any depth). */
  list(opts?: { folder?: string }): Promise<Job[]>;
}

// ---------------------------------------------------------------------------------------------
// builds

export type BuildStatus = 'queued' | 'running' | 'paused' | 'finished';

/** Why a build started (Jenkins' causes). `description` is what the UI shows. */
export interface BuildCause {
  type: 'user' | 'api' | 'timer' | 'scm' | 'webhook' | 'upstream' | 'replay' | 'restart';
  description: string;
  /** user: who pressed Build / called the API. */
  userId?: string | null;
  /** upstream / replay / restart: the build that caused this one. */
  upstreamJob?: string | null;
  upstreamBuild?: number | null;
  /** restart: the top-level stage the build restarted at (Restart from Stage). */
  stage?: string | null;
  /** Variables the cause gives the build's environment (a GitLab hook's gitlabSourceBranch, ...), as Jenkins' causes contribute them. */
  env?: Record<string, string>;
  /**
   * The revision comes from outside the job's repository's branches (a GitLab merge request from
   * a fork): the build reads its Jenkinsfile from the job's own branch, never from that revision.
   */
  untrustedRevision?: boolean;
  /**
   * Text the cause prints in the console right after the build's "Started:" line (the Generic
   * Webhook Trigger's printPostContent / printContributedVariables, as its environment
   * contributor prints them). Kept in the store with the cause, so a resumed build does not print it again.
   */
  log?: string;
}

/** The source revision a build was started for or checked out (webhooks, checkout). */
export interface BuildScm {
  url: string | null;
  branch: string | null;
  commit: string | null;
}

export type BuildParams = Record<string, JsonValue>;

export interface BuildRef {
  id: string;
  number: number;
}

/** A build as listed: everything but the (possibly large) state. */
export interface BuildSummary {
  id: string;
  jobId: string;
  /** The job's current name. */
  job: string;
  number: number;
  status: BuildStatus;
  /** Null until finished (the running worst-so-far is state.currentResult). */
  result: BuildResult | null;
  params: BuildParams;
  causes: BuildCause[];
  scm: BuildScm | null;
  /** Agent (node) name the build runs or ran on; null while queued. */
  node: string | null;
  /** Why it failed or is waiting, in one line. */
  message: string | null;
  /** "Keep this build forever": the build discarder leaves it. */
  keepLog: boolean;
  queuedAt: number;
  startedAt: number | null;
  endedAt: number | null;
}

export interface Build extends BuildSummary {
  /** The engine's state, saved as the build runs; null until it starts. */
  state: BuildState | null;
}

/** What a queue entry waits for (the controller's wait list, controller/waitlist.ts). */
export type WaitKind = 'quiet' | 'concurrency' | 'executor' | 'pod-slot' | 'throttle';

export const WAIT_KINDS: readonly WaitKind[] = ['quiet', 'concurrency', 'executor', 'pod-slot', 'throttle'];

/** A queue row as a build sees it: persisted so a controller restart keeps the queue. */
export interface QueueItem {
  buildId: string;
  jobId: string;
  job: string;
  number: number;
  /** Label expression the build needs (`agent { label 'x && y' }`); null = any executor. */
  label: string | null;
  /** Why it waits, as last written (the controller shows it live: GET /api/v1/queue). */
  reason: string;
  enqueuedAt: number;
  /** Not dispatched before this time (quiet period); null = at once. */
  notBefore: number | null;
}

export interface QueueSpec {
  label?: string | null;
  reason?: string;
  notBefore?: number | null;
}

/** One entry of the wait list, as the store keeps it (a build may have several: parallel branches). */
export interface QueueEntry extends QueueItem {
  /** The entry's id (GET /api/v1/queue's `id`). */
  id: string;
  kind: WaitKind;
  /** For a pod slot: the cloud. */
  cloud: string | null;
}

/** An entry to write (`job` and `number` come from its build). */
export interface QueueEntrySpec {
  id: string;
  buildId: string;
  kind: WaitKind;
  /** For an executor: its label expression; null = any executor. */
  label: string | null;
  /** For a pod slot: the cloud. */
  cloud: string | null;
  reason: string;
  /** When it began to wait (ms since the epoch). */
  enqueuedAt: number;
  /** For a quiet period: when it ends. */
  notBefore: number | null;
}

export interface BuildCreate {
  params?: BuildParams;
  causes?: BuildCause[];
  scm?: BuildScm | null;
  /** Put the new build in the persisted queue in the same transaction. */
  enqueue?: QueueSpec;
}

export interface BuildUpdate {
  /** 'finished' needs a result (here or already set); a finished build's status cannot change. */
  status?: BuildStatus;
  result?: BuildResult | null;
  state?: BuildState | null;
  node?: string | null;
  message?: string | null;
  scm?: BuildScm | null;
  keepLog?: boolean;
  startedAt?: number | null;
  endedAt?: number | null;
}

export interface BuildPage {
  builds: BuildSummary[];
  /** Pass as `cursor` to get the next (older) page; null at the end. */
  next: string | null;
}

/** What `latest` looks for; all given conditions must hold. */
export interface BuildFilter {
  /** Only builds with a number below this (previousBuild of N: before N). */
  before?: number;
  status?: BuildStatus[];
  /** e.g. ['SUCCESS','UNSTABLE'] for lastSuccessfulBuild, ['SUCCESS'] for lastStableBuild. */
  results?: BuildResult[];
}

export interface PruneResult {
  /** Builds whose rows were deleted (with their artifacts and test reports): remove their logs and files. */
  builds: BuildRef[];
  /** Builds that stay but whose artifacts' rows were deleted: remove their artifact files. */
  artifacts: BuildRef[];
}

export interface BuildRepo {
  /** Allocates the job's next number atomically (no duplicates, no gaps from races). */
  create(job: string, input?: BuildCreate): Promise<Build>;
  get(id: string): Promise<Build | null>;
  getByNumber(job: string, number: number): Promise<Build | null>;
  /** Applies the change; leaving 'queued' also removes the build's queue item. Throws 'not-found'. */
  update(id: string, patch: BuildUpdate): Promise<Build>;
  /** Newest first. limit 1..1000 (default 25). */
  list(job: string, opts?: { limit?: number; cursor?: string | null }): Promise<BuildPage>;
  /** The newest build matching the filter (e.g. previous finished build), or null. */
  latest(job: string, filter?: BuildFilter): Promise<Build | null>;
  /** latest() without the state (which can be large): for lists of jobs with their last build. */
  latestSummary(job: string, filter?: BuildFilter): Promise<BuildSummary | null>;
  /** Every build not finished, oldest first: what a restarted controller must resume or requeue. */
  listUnfinished(): Promise<Build[]>;
  /** Deletes the build and its artifacts' / test reports' / queue rows; false when absent. */
  delete(id: string): Promise<boolean>;
  /** Applies a buildDiscarder the way Jenkins' LogRotator does: builds beyond numToKeep or
   *  older than daysToKeep go, and so do artifacts beyond artifactNumToKeep /
   *  artifactDaysToKeep; builds still running, kept forever, and the last successful and last
   *  stable build are always kept. Deletes the rows and says which files to remove. */
  prune(job: string, policy: DiscardPolicy, opts?: { now?: number }): Promise<PruneResult>;
}

// ---------------------------------------------------------------------------------------------
// artifacts and test reports

export interface ArtifactMeta {
  /** Relative path inside the build's artifacts, '/'-separated. */
  path: string;
  size: number;
  /** Lowercase hex SHA-256 of the content. */
  sha256: string;
  /** Unix permission bits (e.g. 0o644). */
  mode: number;
}

export interface ArtifactRepo {
  /** Records (or replaces, by path) artifacts of a build. */
  add(buildId: string, artifacts: ArtifactMeta[]): Promise<void>;
  /** Sorted by path. */
  list(buildId: string): Promise<ArtifactMeta[]>;
  get(buildId: string, path: string): Promise<ArtifactMeta | null>;
}

/** A file a build fingerprinted (fingerprint step, archiveArtifacts(fingerprint: true), copyArtifacts). */
export interface FingerprintRecord {
  /** Its path relative to where the step looked ('/'-separated): the build's name for it. */
  path: string;
  /** Lowercase hex MD5 of the content (Jenkins' fingerprint). */
  md5: string;
  /** The file's name (its last path segment), kept with a new fingerprint. */
  fileName: string;
  /** Made by this build (Jenkins: modified at most 2 s before the build started): the original, when the fingerprint is new. */
  produced: boolean;
  /** Copied from this build (copyArtifacts): the original, when the fingerprint is new. */
  from?: { job: string; number: number } | null;
}

export interface Fingerprint {
  md5: string;
  fileName: string;
  /** The build that produced the file; null: made outside Kiln (or before Kiln saw it). */
  original: { job: string; number: number } | null;
  createdAt: number;
}

export interface FingerprintRepo {
  /** Records a build's files: a new MD5 gets its fingerprint (original as the record says), each file its use by the build (a path recorded again is replaced). */
  record(buildId: string, records: FingerprintRecord[]): Promise<void>;
  /** A build's fingerprints by path, with each one's original. */
  ofBuild(buildId: string): Promise<(Fingerprint & { path: string })[]>;
  /** One fingerprint and the builds that recorded it (job name, number), by job then number; null when unknown. */
  get(md5: string): Promise<(Fingerprint & { uses: { job: string; number: number }[] }) | null>;
}

export interface TestTotals {
  total: number;
  failed: number;
  errors: number;
  skipped: number;
  passed: number;
}

export interface TestReportRepo {
  /** Adds one `junit` call's results; several calls in a build add up, cases in call order. */
  add(buildId: string, report: TestReport): Promise<void>;
  /** Every call's results merged, or null when the build recorded none. */
  get(buildId: string): Promise<TestReport | null>;
  /** Just the totals, without loading the cases; null when none. */
  totals(buildId: string): Promise<TestTotals | null>;
  /** The totals of many builds in one query (a job's trend), by build id; builds without reports are absent. */
  totalsOf(buildIds: string[]): Promise<Map<string, TestTotals>>;
}

/** An HTML report publishHTML kept for a build: its files lie in `dir` under the build's directory. */
export interface HtmlReportRow {
  name: string;
  dir: string;
  /** The index pages (reportFiles), relative to the report's directory. */
  files: string[];
  keepAll: boolean;
  alwaysLinkToLastBuild: boolean;
}

/** Coverage results, HTML reports and managed config files (store/buildtools.ts, migration 14). */
export interface BuildToolsRepo {
  /** Adds one coverage result; a second one with the same id in the build is a conflict. */
  addCoverage(buildId: string, record: CoverageRecord): Promise<void>;
  listCoverage(buildId: string): Promise<CoverageRecord[]>;
  /** Records (or replaces) a build's HTML report of that name. */
  putHtmlReport(buildId: string, r: HtmlReportRow): Promise<void>;
  listHtmlReports(buildId: string): Promise<HtmlReportRow[]>;
  dropHtmlReport(buildId: string, name: string): Promise<void>;
  getConfigFile(id: string): Promise<(ManagedConfigFile & { updatedAt: number; updatedBy: string }) | null>;
  listConfigFiles(): Promise<(ManagedConfigFile & { updatedAt: number; updatedBy: string })[]>;
  putConfigFile(f: ManagedConfigFile, by: string): Promise<ManagedConfigFile & { updatedAt: number; updatedBy: string }>;
  deleteConfigFile(id: string): Promise<boolean>;
}

/** A configured lockable resource as kept (store/lockable.ts, migration 16). */
export interface LockableResourceRow extends LockableResource {
  updatedAt: number;
  updatedBy: string;
}

/** Lockable resources configured on the controller (store/lockable.ts). */
export interface LockableResourceRepo {
  list(): Promise<LockableResourceRow[]>;
  get(name: string): Promise<LockableResourceRow | null>;
  /** Creates or replaces it; invalid fields are a StoreError 'invalid'. */
  put(r: LockableResource, by: string): Promise<LockableResourceRow>;
  delete(name: string): Promise<boolean>;
}

/** Static analysis results of builds (recordIssues), store/issues.ts. */
export interface IssueResultRepo {
  /** Adds one result; a second one with the same id in the build is a conflict. */
  add(buildId: string, record: IssuesRecord): Promise<void>;
  /** The build's results in the order recorded; [] when none. */
  list(buildId: string): Promise<IssuesRecord[]>;
  /**
   * Finished builds of `job` (full name), newest first, numbered below `before` (null: all), at
   * most `limit`, each with its result of id `resultId` (null when it has none).
   */
  history(job: string, before: number | null, resultId: string, limit: number): Promise<IssuesHistoryEntry[]>;
}

// ---------------------------------------------------------------------------------------------
// agents

/** How the controller reaches the agent: it dials in (inbound, WebSocket), or the controller
 *  starts it over SSH. */
export type AgentLauncher =
  | { type: 'inbound' }
  /** The credential is an SSH key (with its username) whose public half is in the host's authorized keys. */
  | {
    type: 'ssh'; host: string; port: number; credentialsId: string;
    /** Host key check: a `SHA256:...` fingerprint or known_hosts lines; absent/null = trust on first connect, then `pinnedHostKey`. */
    hostKey?: string | null;
    /** The fingerprint seen on the first connection (trust on first connect); a different key is refused. */
    pinnedHostKey?: string | null;
    /** Starts the agent on the host; `--stdio --name ... --workdir ...` are appended. Default `kiln agent`. */
    command?: string | null;
    /** 'sftp': copy the agent bundle to `<workdir>/.kiln-agent/<hash>/` when missing or stale and run it with the host's node (no `command`). */
    install?: 'sftp' | null;
    /** PATH on the host for the node check and the agent (default: the login's). */
    path?: string | null;
    /** Launch timeout. Default 60. */
    launchTimeoutSeconds?: number;
  };

export interface AgentRecord {
  /** Unique; no '/'. */
  name: string;
  labels: string[];
  executors: number;
  description: string;
  launcher: AgentLauncher;
  /** Working directory on the agent's host; null = the agent's default. */
  workdir: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface AgentCreate {
  name: string;
  labels?: string[];
  executors?: number;
  description?: string;
  launcher?: AgentLauncher;
  workdir?: string | null;
}

export type AgentUpdate = Partial<Omit<AgentCreate, 'name'>>;

export interface AgentRepo {
  create(input: AgentCreate): Promise<AgentRecord>;
  update(name: string, patch: AgentUpdate): Promise<AgentRecord>;
  /** False when absent. */
  delete(name: string): Promise<boolean>;
  get(name: string): Promise<AgentRecord | null>;
  /** Sorted by name. */
  list(): Promise<AgentRecord[]>;
}

/** Durable execs in flight on agents (store/agent-execs.ts). */
export interface AgentExecRepo {
  record(key: string, agent: string, buildId: string): Promise<void>;
  forget(key: string): Promise<void>;
  /** The exec's agent and build, and whether the build has not finished; null when unknown. */
  owner(key: string): Promise<{ agent: string; buildId: string; running: boolean } | null>;
  /** Whether build `buildId` exists and has not finished. */
  buildRunning(buildId: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// queue

export interface QueueRepo {
  /**
   * Queues an existing, still-queued build, as one entry whose id is the build's (BuildRepo.create's
   * `enqueue` does it in one go); kind 'quiet' with a `notBefore`, else 'executor'.
   */
  add(buildId: string, spec?: QueueSpec): Promise<QueueItem>;
  /** Every entry, as its build sees it; oldest first. */
  list(): Promise<QueueItem[]>;
  /** Removes the build's entries; false when it had none. */
  remove(buildId: string): Promise<boolean>;
  /**
   * Writes an entry of the wait list (a new one, or its changed reason). False, and nothing
   * written, when its build is finished or gone: a finished build waits for nothing.
   */
  put(entry: QueueEntrySpec): Promise<boolean>;
  /** Removes an entry; false when there was none. */
  drop(id: string): Promise<boolean>;
  /** Every entry, oldest first. */
  entries(): Promise<QueueEntry[]>;
}

// ---------------------------------------------------------------------------------------------
// credentials (the store keeps metadata and an opaque encrypted envelope; src/controller/credentials.ts
// encrypts, decrypts and validates the secrets)

export type CredentialType = 'secretText' | 'usernamePassword' | 'secretFile' | 'sshKey' | 'certificate' | 'azureServicePrincipal';

export const CREDENTIAL_TYPES: readonly CredentialType[] = ['secretText', 'usernamePassword', 'secretFile', 'sshKey', 'certificate', 'azureServicePrincipal'];

/** A job whose last build bound the credential. */
export interface CredentialUse {
  /** The job's current name. */
  job: string;
  jobId: string;
  /** The build that bound it. */
  build: number;
  at: number;
}

export interface CredentialRecord {
  /** Unique across all scopes; `^[A-Za-z0-9_.-]{1,100}$`, never '.' or '..'. Cannot change. */
  id: string;
  /** Cannot change (it is part of the envelope's authenticated data). */
  type: CredentialType;
  description: string;
  /** Scope: null = global (every job); else a folder ('team-a'): only jobs under it (team-a/..., any depth). */
  folder: string | null;
  /** Non-secret metadata shown in listings, as Jenkins shows them: the username of a
   *  usernamePassword / sshKey credential, the file name of a secretFile. The encrypted
   *  envelope holds its own copy, which is what builds get. */
  username: string | null;
  fileName: string | null;
  /** The encrypted envelope (credentials.ts): opaque to the store, never plaintext. */
  secret: string;
  createdAt: number;
  updatedAt: number;
  /** Jobs whose last build bound it, by job name. */
  usedBy: CredentialUse[];
}

export interface CredentialCreate {
  id: string;
  type: CredentialType;
  description?: string;
  folder?: string | null;
  username?: string | null;
  fileName?: string | null;
  secret: string;
}

/** Fields to change; absent fields stay. The id and type never change. */
export interface CredentialUpdate {
  description?: string;
  folder?: string | null;
  username?: string | null;
  fileName?: string | null;
  secret?: string;
}

export interface CredentialRepo {
  /** Throws 'conflict' when the id is taken. */
  create(input: CredentialCreate): Promise<CredentialRecord>;
  /** Throws 'not-found' when absent. */
  update(id: string, patch: CredentialUpdate): Promise<CredentialRecord>;
  /** False when absent. Its usage records go with it. */
  delete(id: string): Promise<boolean>;
  get(id: string): Promise<CredentialRecord | null>;
  /** Sorted by id. */
  list(): Promise<CredentialRecord[]>;
  /** Records that build `build` of the job bound the credential (a later build's record wins).
   *  False when the credential or the job no longer exists. */
  recordUse(id: string, jobId: string, build: number): Promise<boolean>;
  /** A build of the job finished: usage records from its earlier builds go, so `usedBy` lists
   *  the jobs whose last build bound the credential. */
  forgetUsesBefore(jobId: string, build: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// users, sessions, API tokens, audit log (src/store/users.ts). Secrets are stored hashed only:
// passwords with scrypt (the controller hashes them), session ids and tokens with SHA-256.

export const ROLES = ['admin', 'developer', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface UserRecord {
  name: string;
  role: Role;
  fullName: string;
  /** scrypt$N$r$p$salt$hash (src/controller/auth/passwords.ts). */
  passwordHash: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
  /** Where mail to the user goes (emailext's requestor(), developers()); null: not known. */
  email: string | null;
}

export interface UserCreate { name: string; role: Role; fullName?: string; passwordHash: string; email?: string | null }
export interface UserUpdate { role?: Role; fullName?: string; passwordHash?: string; disabled?: boolean; email?: string | null }

export interface SessionRecord {
  /** SHA-256 of the cookie's value (hex). */
  idHash: string;
  user: string;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  address: string;
}

export interface TokenRecord {
  id: string;
  user: string;
  name: string;
  /** SHA-256 of the token (hex). */
  tokenHash: string;
  createdAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
}

export interface AuditEntry {
  id: string;
  at: number;
  /** Who: a user name, 'admin-token', 'anonymous', or 'system'. */
  actor: string;
  /** What, e.g. 'login', 'login-failed', 'credential.create', 'job.update'. */
  action: string;
  /** On what (a user, job, agent, credential id), or ''. */
  target: string;
  detail: string;
  /** The client's address, or ''. */
  address: string;
}

export interface UserRepo {
  /** Throws 'conflict' when the name is taken. */
  create(input: UserCreate): Promise<UserRecord>;
  /** Throws 'not-found' when absent. */
  update(name: string, patch: UserUpdate): Promise<UserRecord>;
  /** False when absent; the user's sessions and tokens go with it. */
  delete(name: string): Promise<boolean>;
  get(name: string): Promise<UserRecord | null>;
  /** Sorted by name. */
  list(): Promise<UserRecord[]>;
  count(): Promise<number>;

  createSession(s: SessionRecord): Promise<void>;
  session(idHash: string): Promise<SessionRecord | null>;
  touchSession(idHash: string, lastSeenAt: number): Promise<void>;
  deleteSession(idHash: string): Promise<void>;
  /** Every session of the user (password change, disable, delete); except one when given. */
  deleteSessions(user: string, except?: string): Promise<void>;
  /** Removes sessions that expired before `now`. */
  pruneSessions(now: number): Promise<number>;

  /** Throws 'conflict' when the user already has a token of that name. */
  createToken(t: TokenRecord): Promise<void>;
  tokenByHash(tokenHash: string): Promise<TokenRecord | null>;
  /** Sorted by creation. */
  tokens(user: string): Promise<TokenRecord[]>;
  touchToken(id: string, at: number): Promise<void>;
  /** False when the user has no such token. */
  deleteToken(user: string, id: string): Promise<boolean>;

  audit(e: Omit<AuditEntry, 'id' | 'at'> & { at?: number }): Promise<AuditEntry>;
  /** Newest first; `before` = an entry id to page from. */
  auditLog(o: { limit: number; before?: string | null; actor?: string | null; action?: string | null }): Promise<AuditEntry[]>;
}

// ---------------------------------------------------------------------------------------------
// folder permissions (src/store/folders.ts; what they mean: src/controller/auth/folders.ts)

/** What a grant on a folder allows, in it and its subfolders. */
export const FOLDER_RIGHTS = ['job.create', 'job.configure', 'job.build', 'job.delete', 'credentials.use'] as const;
export type FolderRight = (typeof FOLDER_RIGHTS)[number];

export interface FolderGrant {
  /** A folder path, spelled like a job name ('team', 'team/sub'). */
  folder: string;
  /** 'user:<name>' or 'role:developer' (every developer). */
  grantee: string;
  /** Sorted, no duplicates; may be empty (the folder is guarded, the grantee gets nothing). */
  rights: FolderRight[];
  updatedAt: number;
  updatedBy: string;
}

/**
 * A folder's property (the Folder Properties plugin): exported to the environment of its jobs'
 * `withFolderProperties {}` blocks, the nearest folder's winning. Not a secret (credentials are).
 */
export interface FolderProperty {
  folder: string;
  /** An environment variable name: [A-Za-z_][A-Za-z0-9_]*. */
  key: string;
  value: string;
  updatedAt: number;
  updatedBy: string;
}

/** What a folder's properties may be: how many, how long a key and a value. */
export const FOLDER_PROPERTY_LIMITS = { count: 100, keyLength: 128, valueLength: 8192 } as const;

/** Who last set a job's definition (or moved it into its folder), and when. */
export interface JobConfigurer { user: string; at: number }

export interface FolderRepo {
  /** Every grant, or the grants on these folders; sorted by folder, then grantee. */
  grants(folders?: readonly string[]): Promise<FolderGrant[]>;
  /** Replaces the folder's grants (none: the folder is no longer guarded); returns them. */
  setGrants(folder: string, grants: readonly { grantee: string; rights: readonly FolderRight[] }[], by: string): Promise<FolderGrant[]>;
  /** Removes a grantee's grants on every folder (a user deleted); how many went. */
  deleteGrantee(grantee: string): Promise<number>;
  configurer(jobId: string): Promise<JobConfigurer | null>;
  setConfigurer(jobId: string, user: string): Promise<void>;
  /** Every folder's properties, or these folders'; sorted by folder, then in the order they were set. */
  properties(folders?: readonly string[]): Promise<FolderProperty[]>;
  /** Replaces a folder's properties (none: it has none); checked (FOLDER_PROPERTY_LIMITS); returns them. */
  setProperties(folder: string, props: readonly { key: string; value: string }[], by: string): Promise<FolderProperty[]>;
}

// ---------------------------------------------------------------------------------------------
// clouds (src/store/clouds.ts): where pods and containers for builds come from

/** A plugin's cloud type name ('kubernetes', 'docker', ...): src/core/plugin.ts CloudType. */
export type CloudType = string;

export interface CloudRecord {
  name: string;
  type: CloudType;
  /** Checked by the controller (src/controller/clouds.ts) before it is stored. */
  settings: Record<string, JsonValue>;
  createdAt: number;
  updatedAt: number;
}

export interface CloudRepo {
  /** Creates or replaces; returns the stored record. */
  put(name: string, type: CloudType, settings: Record<string, JsonValue>): Promise<CloudRecord>;
  get(name: string): Promise<CloudRecord | null>;
  /** Sorted by name. */
  list(): Promise<CloudRecord[]>;
  delete(name: string): Promise<boolean>;
}

/** The controller's settings, one JSON document per name ('mail'); src/store/settings.ts. */
export interface SettingsRepo {
  get(name: string): Promise<JsonValue | null>;
  put(name: string, value: JsonValue): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// shared libraries (src/store/libraries.ts): where the pipeline's @Library code comes from

/** A configured shared library: global (folder null) or on a folder; its repository is git. */
export interface LibraryRecord {
  folder: string | null;
  name: string;
  url: string;
  /** The version used when a Jenkinsfile names none; null: it must name one. */
  defaultVersion: string | null;
  /** Loaded by every build (of the folder's jobs) without @Library. */
  implicit: boolean;
  /** Whether a Jenkinsfile may ask for another version than the default. */
  allowVersionOverride: boolean;
  /** The credential git uses for the repository (its id only). */
  credentialsId: string | null;
  includeInChangesets: boolean;
  createdAt: number;
  updatedAt: number;
}

export type LibraryInput = Omit<LibraryRecord, 'createdAt' | 'updatedAt'>;

export interface LibraryRepo {
  /** Creates or replaces; returns the stored record. */
  put(input: LibraryInput): Promise<LibraryRecord>;
  get(folder: string | null, name: string): Promise<LibraryRecord | null>;
  /** The global libraries (folder null), or a folder's; sorted by name. */
  list(folder: string | null): Promise<LibraryRecord[]>;
  /** Every library, global first, then by folder and name. */
  all(): Promise<LibraryRecord[]>;
  delete(folder: string | null, name: string): Promise<boolean>;
}

// ---------------------------------------------------------------------------------------------
// the store

export type StoreKind = 'sqlite' | 'postgres';

export interface Store {
  readonly kind: StoreKind;
  /** Where it lives, with any password masked (for logs and the about page). */
  readonly location: string;
  readonly jobs: JobRepo;
  readonly builds: BuildRepo;
  readonly artifacts: ArtifactRepo;
  readonly fingerprints: FingerprintRepo;
  readonly tests: TestReportRepo;
  readonly issues: IssueResultRepo;
  readonly buildTools: BuildToolsRepo;
  readonly agents: AgentRepo;
  readonly agentExecs: AgentExecRepo;
  readonly queue: QueueRepo;
  readonly credentials: CredentialRepo;
  readonly users: UserRepo;
  readonly clouds: CloudRepo;
  readonly folders: FolderRepo;
  readonly libraries: LibraryRepo;
  readonly settings: SettingsRepo;
  readonly lockableResources: LockableResourceRepo;
  /** The schema version (number of migrations applied). */
  schemaVersion(): Promise<number>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** Kiln's home: the embedded store is `<home>/kiln.db`. */
  home?: string;
  /** A database URL: `postgres://` / `postgresql://`, or `sqlite:<path>` / a file path.
   *  Defaults to KILN_DATABASE_URL, then to the embedded store under `home`. */
  url?: string;
  /** PostgreSQL only: the schema to use (created if missing); also `?schema=` in the URL. */
  schema?: string;
  /** PostgreSQL only: most connections kept open (default 10). */
  poolSize?: number;
  /** The clock for created/updated/queued times (tests). */
  now?: () => number;
}
