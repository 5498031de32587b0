// The shapes the REST API answers with, by the names the UI uses: all of them come from the
// types generated from the controller's OpenAPI document (src/api/types.gen.ts, made by
// scripts/gen-api-types.ts from the routes' schemas), so the UI compiles against what the
// routes declare. `AnswerOf<'listJobs'>` is an operation's JSON answer (its 200 or 201).
// Type-only imports: nothing of src/ is bundled.
import type { Schemas } from '../../src/api/types.ts';

export type { AnswerOf, BodyOf } from '../../src/api/types.ts';

export type ApiErrorCode = Schemas['Error']['error']['code'];
export type User = Schemas['User'];
/** A user as admins see them: with their failed logins and login lock. */
export type UserAdminView = Schemas['UserAdminView'];
export type Role = User['role'];
export type Me = Schemas['Me'];
export type Session = Schemas['Session'];
export type Token = Schemas['Token'];
export type NewToken = Schemas['NewToken'];
export type AuditEntry = Schemas['AuditEntry'];
export type FolderGrant = Schemas['FolderGrant'];

export type JobParameter = Schemas['JobParameter'];
export type JobDefinition = Schemas['JobDefinition'];
/** In GET /api/v1/jobs (a list): an inline definition gives its size, not its script. */
export type JobDefinitionSummary = Schemas['JobDefinitionSummary'];
export type LastBuild = Schemas['LastBuild'];
export type Job = Schemas['Job'];
/** A job as GET /api/v1/jobs lists it (GET /api/v1/jobs/NAME has the whole definition). */
export type JobSummary = Schemas['JobSummary'];

/** GET /api/v1/health: what is wrong with the controller now (detail only for logged-in users). */
export type Health = Schemas['Health'];

export type Build = Schemas['Build'];
/** GET /api/v1/jobs/:job/builds/:n: a build with its stages, waiting inputs and description. */
export type BuildDetail = Schemas['BuildDetail'];
export type BuildResult = NonNullable<Build['result']>;
export type BuildStatus = Build['status'];
export type BuildCause = Schemas['BuildCause'];
export type StageNode = Schemas['StageNode'];
export type PendingInput = Schemas['PendingInput'];
export type InputParam = PendingInput['parameters'][number];
export type Artifact = Schemas['Artifact'];
export type TestCase = Schemas['TestCase'];
export type TestReport = Schemas['TestReport'];
export type ConsoleSection = Schemas['ConsoleSection'];
export type Diagnostic = Schemas['Diagnostic'];

export type QueueItem = Schemas['QueueItem'];
export type Agent = Schemas['Agent'];
export type Credential = Schemas['Credential'];
export type CredentialType = Credential['type'];
export type Cloud = Schemas['Cloud'];
export type ConnectionReport = Schemas['ConnectionReport'];
/** GET /api/v1/jobs/:job/webhook (admins only): where a job's pushes go and the secret that signs them. */
export type WebhookInfo = Schemas['WebhookInfo'];
/** GET /api/v1/jobs/:job/trend: results, times and test totals of the newest builds, the stage grid, the permalinks. */
export type JobTrend = Schemas['JobTrend'];
/** GET .../builds/:n/tests/history: the history of a build's failing and flaky tests. */
export type TestHistory = Schemas['TestHistory'];
