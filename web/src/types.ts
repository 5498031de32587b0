// The shapes the REST API answers with (src/controller/http.ts, auth/http.ts, credentials-http.ts).
export type Role = 'admin' | 'developer' | 'viewer';
export type BuildResult = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'NOT_BUILT' | 'ABORTED';
export type BuildStatus = 'queued' | 'running' | 'paused' | 'finished';

export interface User {
  name: string; role: Role; fullName: string; disabled: boolean; createdAt: number; updatedAt: number;
  /** Admins' views: failed logins (from any address) and the account's login lock. */
  login?: { failures: number; lockedUntil: number | null };
}
export interface Me { user: User; via: 'session' | 'token' | 'admin-token' | string; csrfToken?: string }

export interface JobParameter { type: string; name: string; defaultValue: string | boolean | null; description: string; choices: string[]; trim: boolean }
export type JobDefinition =
  | { kind: 'inline'; script: string }
  | { kind: 'git'; url: string; branch: string; path: string; credentialsId: string | null };
/** In GET /api/v1/jobs (a list): an inline definition gives its size, not its script. */
export type JobDefinitionSummary =
  | { kind: 'inline'; scriptBytes: number }
  | { kind: 'git'; url: string; branch: string; path: string; credentialsId: string | null };
export interface LastBuild { number: number; status: BuildStatus; result: BuildResult | null; startedAt: number | null; endedAt: number | null }
export interface Job {
  name: string; description: string; definition: JobDefinition; parameters: JobParameter[]; disabled: boolean;
  nextBuildNumber: number; lastBuild: LastBuild | null; createdAt: number; updatedAt: number;
}
/** A job as GET /api/v1/jobs lists it (GET /api/v1/jobs/NAME has the whole definition). */
export type JobSummary = Omit<Job, 'definition'> & { definition: JobDefinitionSummary };

/** GET /api/v1/health: what is wrong with the controller now (detail only for logged-in users). */
export interface HealthProblem { component: string; message: string; detail?: string; since: number; count: number }
export type Health = { status: 'ok' } | { status: 'degraded'; problems: HealthProblem[] };

export interface BuildCause { type: string; description: string }
export interface StageNode {
  id: string; name: string; parentId: string | null; kind: string; status: string; result: BuildResult | null;
  startedAt: number | null; endedAt: number | null; message: string | null; line: number | null; durationMs: number | null;
  children: StageNode[];
}
export interface InputParam { name: string; type: string; defaultValue: unknown; description: string; choices: string[] }
export interface PendingInput { id: string; message: string; ok: string; submitter: string | null; parameters: InputParam[]; stageId: string | null }
export interface Build {
  job: string; number: number; id: string; status: BuildStatus; result: BuildResult | null; currentResult: BuildResult | null;
  params: Record<string, unknown>; causes: BuildCause[]; node: string | null; message: string | null;
  queuedAt: number; startedAt: number | null; endedAt: number | null; durationMs: number | null;
  stages?: StageNode[]; inputs?: PendingInput[]; description?: string | null;
}
export interface Artifact { path: string; size: number; sha256: string; mode: number }
export interface TestCase { suite: string; className: string; name: string; durationMs: number; status: 'passed' | 'failed' | 'error' | 'skipped'; message: string | null; details: string | null; stdout: string | null; stderr: string | null }
export interface TestReport { total: number; failed: number; errors: number; skipped: number; passed: number; cases: TestCase[] }
export interface QueueItem { id: string; job: string; number: number; kind: 'quiet' | 'concurrency' | 'executor' | 'pod-slot'; label: string | null; cloud: string | null; why: string; since: number }
export interface Agent {
  name: string; labels: string[]; executors: number; busyExecutors: number; online: boolean; description: string;
  command: string; launcher: 'inbound' | 'ssh'; launchError?: string | null;
}
export type CredentialType = 'secretText' | 'usernamePassword' | 'secretFile' | 'sshKey' | 'certificate';
export interface Credential {
  id: string; type: CredentialType; description: string; scope: 'global' | 'folder'; folder: string | null;
  username: string | null; fileName: string | null; createdAt: number; updatedAt: number; usedBy: { job: string; build: number; at: number }[];
}
export interface Token { id: string; name: string; createdAt: number; lastUsedAt: number | null; expiresAt: number | null }
export interface Diagnostic { line: number; col: number; endLine: number; endCol: number; severity: 'error' | 'warning' | string; message: string; code?: string }
/** GET /api/v1/jobs/:job/webhook (admins only): where a job's pushes go and the secret that signs them. */
export interface WebhookInfo {
  job: string; repository: string | null; branch: string | null;
  urls: { generic: string; github: string; gitlab: string };
  secret: string | null; secretSource: 'configured' | 'generated' | null; unsigned: 'refuse' | 'poll'; note?: string;
}
