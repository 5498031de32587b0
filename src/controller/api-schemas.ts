// The HTTP API's contract: TypeBox schemas of what every route accepts and answers. The routes
// (http.ts, auth/http.ts, auth/folders-http.ts, credentials-http.ts, clouds.ts, webhooks.ts)
// declare them in their Fastify `schema`; openapi.ts turns them into the OpenAPI document at
// GET /api/v1/openapi.json, and scripts/gen-api-types.ts turns that into the TypeScript types the
// web UI and the CLI use (src/api/types.gen.ts).
//
// Why TypeBox: one declaration is the JSON Schema Fastify validates requests with, the type
// handlers see (`TypeBoxProvider`: `req.body`, `req.params` and the answer are typed from the
// schema), and the document clients are generated from.
//
// How to read it:
// - Schemas with an `$id` are named components of the document (`components.schemas.Job`): the
//   entities clients name in their code. Routes point at them with `ref(X)`; openapi.ts adds them
//   to the Fastify instance. The rest are inline.
// - Answer objects are closed (`additionalProperties: false`): a field a handler sends that is not
//   declared here fails test/controller/openapi.test.ts, which checks every route's answers
//   against the document. Answers are serialized with JSON.stringify (openapi.ts), never by a
//   schema-driven serializer that would drop or coerce fields: the schema describes the JSON,
//   it does not reshape it.
// - Every route answers its errors with `ErrorAnswer` (http-errors.ts: `{ error: { code,
//   message } }`, the code from the catalogue), declared once for all 4xx and 5xx statuses.
// - Request schemas keep Fastify's validation as it was: nullable request fields use JSON
//   Schema type arrays (`Nullable`), since Ajv's type coercion inside `anyOf` would turn a null
//   into "" before the null branch is tried. Bodies whose fields the services check themselves,
//   with their own messages (login, users, tokens, credentials, clouds), are validated as "an
//   object" and documented with their fields by `documented(...)`.
import { Type, type Static, type TSchema, type TProperties, type ObjectOptions, type SchemaOptions } from '@sinclair/typebox';
import type { FastifyTypeProvider } from 'fastify';
import { ERRORS, type ErrorCode } from './http-errors.ts';
import { FOLDER_RIGHTS } from '../store/types.ts';

/** Fastify's type provider for TypeBox (what @fastify/type-provider-typebox declares): requests and answers typed by their schemas. */
export interface TypeBoxProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

// ---------------------------------------------------------------------------------------------
// helpers

/** An answer object: closed, every property listed. */
export const Answer = <T extends TProperties>(props: T, o: ObjectOptions = {}) => Type.Object(props, { additionalProperties: false, ...o });

/** A string, number or boolean that may be null, as a JSON Schema type array (see the header). */
export function Nullable<T extends TSchema & { type: string }>(t: T): ReturnType<typeof Type.Unsafe<Static<T> | null>> {
  const plain = JSON.parse(JSON.stringify(t)) as Record<string, unknown>;
  return Type.Unsafe<Static<T> | null>({ ...plain, type: [t.type, 'null'] });
}

/** One of these strings. */
export const StringEnum = <const V extends readonly string[]>(values: V, o: SchemaOptions = {}) =>
  Type.Unsafe<V[number]>({ type: 'string', enum: [...values], ...o });

/** A reference to a named schema (one with an `$id`), typed as that schema. */
export const ref = <T extends TSchema>(s: T) => Type.Unsafe<Static<T>>(Type.Ref(s.$id!));

/** Milliseconds since the epoch. */
const Time = (o: SchemaOptions = {}) => Type.Integer({ description: 'milliseconds since the epoch', ...o });
const NullableTime = (description = 'milliseconds since the epoch, or null') => Nullable(Type.Integer({ description }));
const NullableString = (o: SchemaOptions = {}) => Nullable(Type.String(o));

/** What Fastify validates a body as: a JSON object (or null too), its fields checked by the route's service. */
export const AnyObject = Type.Unsafe<Record<string, unknown>>({ type: 'object' });
export const AnyObjectOrNull = Type.Unsafe<Record<string, unknown> | null>({ type: ['object', 'null'] });

/** The key under which a route's schema carries the body it documents (openapi.ts shows it instead of `body`). */
export const DOCUMENTED_BODY: unique symbol = Symbol('kiln.documentedBody');

/**
 * A body that Fastify checks only loosely (`body`) while its service checks each field with its
 * own messages; the document shows `shown`, the fields it reads. Spread into a route's schema.
 */
export const documented = <B extends TSchema>(body: B, shown: TSchema) => ({ body, [DOCUMENTED_BODY]: shown });

/** No body: the answer to a 204. */
export const NoContent = Type.Unsafe<undefined>({ type: 'null', description: 'No Content' });

// ---------------------------------------------------------------------------------------------
// errors

export const ErrorAnswer = Answer({
  error: Answer({
    code: StringEnum(Object.keys(ERRORS) as ErrorCode[], {
      description: `A code of the error catalogue (src/controller/http-errors.ts), each with its one status: ${Object.entries(ERRORS).map(([c, e]) => `${c} (${e.status})`).join(', ')}`,
    }),
    message: Type.String({ description: 'What happened and what to do, for people' }),
    field: Type.Optional(Type.String({ description: 'The request field a 400 is about, when known, as a dotted path (`git.url`, `parameters.0.name`: array items by index): clients show the message under that field' })),
    fields: Type.Optional(Type.Array(Answer({
      field: Type.String({ description: 'A dotted path, as `field`' }),
      message: Type.String({ description: 'What is wrong with this field' }),
    }), { description: 'When a 400 is about several fields: each field with its own message (then `field` is absent)' })),
  }),
}, { $id: 'Error', description: 'An error: the code says what kind (clients branch on it), the message says what to do' });

/** The error answers of every route: any 4xx or 5xx is an `Error`. */
export const ERROR_ANSWERS = { '4xx': ref(ErrorAnswer), '5xx': ref(ErrorAnswer) };

/** A route's answers: its own, and the errors. */
export type Answerable = TSchema | ReturnType<typeof textAnswer>;
export const answers = <R extends Record<number, Answerable>>(ok: R) => ({ ...ok, ...ERROR_ANSWERS });

// ---------------------------------------------------------------------------------------------
// names in URLs

export const JOB_NAME = '^[A-Za-z0-9_][A-Za-z0-9._ -]{0,99}(/[A-Za-z0-9_][A-Za-z0-9._ -]{0,99}){0,9}$';
export const AGENT_NAME = '^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$';

export const JobParams = Type.Object({ job: Type.String({ minLength: 1, maxLength: 1100, description: "the job's name, URL-encoded in one segment (team%2Fapp)" }) });
export const BuildParams = Type.Object({ job: Type.String({ minLength: 1 }), number: Type.Integer({ minimum: 1 }) });
export const AgentParams = Type.Object({ name: Type.String({ pattern: AGENT_NAME }) });

// ---------------------------------------------------------------------------------------------
// jobs

const BUILD_RESULTS = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'] as const;
const BuildResult = StringEnum(BUILD_RESULTS);
const NullableResult = Type.Union([BuildResult, Type.Null()]);
const BuildStatus = StringEnum(['queued', 'running', 'paused', 'finished'] as const);

export const GitSource = Type.Object({
  url: Type.String({ minLength: 1, maxLength: 2000 }),
  branch: Type.Optional(Type.String({ minLength: 1, maxLength: 250 })),
  path: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
  credentialsId: Type.Optional(NullableString({ maxLength: 200 })),
}, { additionalProperties: false });

const jobFields = {
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  script: Type.Optional(Type.String({ description: 'an inline Jenkinsfile (at most 1 MiB)' })),
  git: Type.Optional(GitSource),
  disabled: Type.Optional(Type.Boolean()),
};
export const JobCreateBody = Type.Object({ name: Type.String({ pattern: JOB_NAME }), ...jobFields }, { additionalProperties: false });
export const JobUpdateBody = Type.Object({ name: Type.Optional(Type.String({ pattern: JOB_NAME })), ...jobFields }, { additionalProperties: false });

const GitDefinition = Answer({
  kind: Type.Literal('git'), url: Type.String(), branch: Type.String(), path: Type.String(), credentialsId: NullableString(),
});
export const JobDefinition = Type.Union([Answer({ kind: Type.Literal('inline'), script: Type.String() }), GitDefinition], { $id: 'JobDefinition' });
export const JobDefinitionSummary = Type.Union([Answer({ kind: Type.Literal('inline'), scriptBytes: Type.Integer() }), GitDefinition], {
  $id: 'JobDefinitionSummary', description: 'In lists: an inline definition gives its size, not its script',
});

export const JobParameter = Answer({
  type: StringEnum(['string', 'text', 'booleanParam', 'choice', 'password', 'file', 'credentials', 'run', 'gitParameter', 'activeChoice', 'reactiveChoice', 'activeChoiceHtml', 'extendedChoice'] as const),
  name: Type.String(),
  defaultValue: Type.Union([Type.String(), Type.Boolean(), Type.Null()]),
  description: Type.String(),
  choices: Type.Array(Type.String()),
  trim: Type.Boolean(),
  git: Type.Optional(Type.Object({
    type: Type.String(), branchFilter: Type.String(), tagFilter: Type.String(), sortMode: Type.String(), selectedValue: Type.String(), branch: Type.String(), useRepository: Type.String(),
  }, { additionalProperties: false, description: "gitParameter (the Git Parameter plugin): what the build form lists from the job's repository" })),
  activeChoice: Type.Optional(Type.Object({
    kind: StringEnum(['activeChoice', 'reactiveChoice', 'activeChoiceHtml'] as const), choiceType: Type.String(), script: Type.String(), fallbackScript: Type.String(),
    referencedParameters: Type.Array(Type.String()), filterable: Type.Boolean(), omitValueField: Type.Boolean(),
  }, { additionalProperties: false, description: 'The Active Choices plugin: the Groovy script (run sandboxed) whose answer the build form lists' })),
  extendedChoice: Type.Optional(Type.Object({
    type: Type.String(), choices: Type.Array(Type.String()), defaults: Type.Array(Type.String()), delimiter: Type.String(), visibleItemCount: Type.Integer(), quoteValue: Type.Boolean(),
  }, { additionalProperties: false, description: "extendedChoice (the Extended Choice Parameter plugin): the form's kind (PT_*), the choices and defaults; a value is the chosen ones joined by delimiter" })),
}, { $id: 'JobParameter' });

export const LastBuild = Answer({ number: Type.Integer(), status: BuildStatus, result: NullableResult, startedAt: NullableTime(), endedAt: NullableTime() }, { $id: 'LastBuild' });

const jobAnswerFields = {
  name: Type.String(),
  description: Type.String(),
  parameters: Type.Array(ref(JobParameter), { description: "as the last build's model declared them" }),
  disabled: Type.Boolean(),
  nextBuildNumber: Type.Integer(),
  url: Type.String(),
  lastBuild: Type.Union([ref(LastBuild), Type.Null()]),
  createdAt: Time(),
  updatedAt: Time(),
};
export const Job = Answer({ ...jobAnswerFields, definition: ref(JobDefinition) }, { $id: 'Job' });
export const JobSummary = Answer({ ...jobAnswerFields, definition: ref(JobDefinitionSummary) }, { $id: 'JobSummary' });

// ---------------------------------------------------------------------------------------------
// builds

export const BuildCause = Answer({
  type: StringEnum(['user', 'api', 'timer', 'scm', 'webhook', 'upstream', 'replay', 'restart'] as const),
  description: Type.String(),
  userId: Type.Optional(NullableString()),
  upstreamJob: Type.Optional(NullableString()),
  upstreamBuild: Type.Optional(Nullable(Type.Integer())),
  stage: Type.Optional(NullableString({ description: 'restart: the top-level stage the build restarted at' })),
  env: Type.Optional(Type.Record(Type.String(), Type.String(), { description: "variables the cause gives the build (a GitLab hook's gitlabSourceBranch, ...)" })),
}, { $id: 'BuildCause' });

export const StageNode = Type.Recursive((This) => Answer({
  id: Type.String(),
  name: Type.String(),
  parentId: NullableString(),
  kind: StringEnum(['stage', 'parallel', 'matrix-cell', 'scripted', 'checkout', 'post'] as const),
  status: StringEnum(['pending', 'running', 'paused', 'success', 'unstable', 'failure', 'aborted', 'skipped-when', 'skipped-failure', 'skipped-restart'] as const),
  result: NullableResult,
  startedAt: NullableTime(),
  endedAt: NullableTime(),
  message: NullableString(),
  line: Nullable(Type.Integer()),
  durationMs: Nullable(Type.Integer()),
  children: Type.Array(This),
}), { $id: 'StageNode' });

export const PendingInput = Answer({
  id: Type.String(),
  message: Type.String(),
  ok: Type.String(),
  submitter: NullableString({ description: 'who may answer (comma-separated users); null: anyone who may build the job' }),
  parameters: Type.Array(Answer({
    name: Type.String(), type: Type.String(), defaultValue: Type.Unknown(), description: Type.String(), choices: Type.Array(Type.String()),
    labels: Type.Optional(Type.Array(Type.String(), { description: "Active Choices: each choice's label (its script's answer when the input was shown)" })),
    html: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "activeChoiceHtml: the script's text (HTML for ET_FORMATTED_HTML: show it as text)" })),
    choiceType: Type.Optional(Type.String({ description: 'Active Choices: PT_SINGLE_SELECT, PT_MULTI_SELECT, PT_RADIO, PT_CHECKBOX or an ET_ type' })),
    referencedParameters: Type.Optional(Type.Array(Type.String(), { description: 'Active Choices: the parameters of this form whose values the script sees (GET .../inputs/:id/parameters/:name/choices asks again)' })),
    error: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "Active Choices: why the parameter's script failed" })),
  })),
  stageId: NullableString(),
}, { $id: 'PendingInput' });

const buildFields = {
  job: Type.String(),
  number: Type.Integer(),
  id: Type.String(),
  status: BuildStatus,
  result: NullableResult,
  currentResult: NullableResult,
  params: Type.Record(Type.String(), Type.Unknown()),
  causes: Type.Array(ref(BuildCause)),
  scm: Type.Union([Answer({ url: NullableString(), branch: NullableString(), commit: NullableString() }), Type.Null()]),
  node: NullableString(),
  message: NullableString(),
  queuedAt: Time(),
  startedAt: NullableTime(),
  endedAt: NullableTime(),
  durationMs: Nullable(Type.Integer()),
  url: Type.String(),
};
export const Build = Answer(buildFields, { $id: 'Build' });
export const BuildDetail = Answer({
  ...buildFields,
  stages: Type.Array(ref(StageNode)),
  inputs: Type.Array(ref(PendingInput)),
  description: NullableString(),
  libraries: Type.Array(Answer({ name: Type.String(), version: Type.String(), commit: NullableString({ description: 'the full commit; null for a library read from a directory' }) }), { description: 'the shared libraries the build loaded, in order' }),
  restartedFrom: Nullable(Answer({ number: Type.Integer(), stage: Type.String() }, { description: 'Restart from Stage: the build this one restarted from, and the stage it restarted at' })),
  badges: Type.Array(Answer({
    kind: Type.Union([Type.Literal('badge'), Type.Literal('html'), Type.Literal('summary')], { description: "html: addHtmlBadge's HTML, to be shown as text; summary: addSummary's / createSummary's text, shown on the build page as text" }),
    id: NullableString(), icon: NullableString({ description: "'info', 'warning', 'error', or the icon addBadge named" }), text: Type.String(),
    link: NullableString({ description: "as the step gave it: show it only when it is http(s) or a path" }), style: NullableString(), cssClass: NullableString(),
  }), { description: "the badge plugin's badges (addBadge, addInfoBadge, ...) and summaries (addSummary), in the order added" }),
  restartable: Type.Boolean({ description: 'Restart from Stage is offered: a finished declarative build of an enabled job without disableRestartFromStage() (GET .../restart lists its stages)' }),
}, { $id: 'BuildDetail', description: 'A build with its stage tree, waiting inputs, description and shared libraries' });

/** Restart from Stage (restart.ts): what `GET .../restart` says of a finished build. */
export const RestartInfo = Answer({
  stages: Type.Array(Type.String(), { description: "the build's top-level stages it may restart at (those skipped for an earlier failure or unstable result aside)" }),
  refused: NullableString({ description: 'why the build cannot be restarted (still running, scripted, disableRestartFromStage()...); null when it can' }),
}, { $id: 'RestartInfo' });
export const RestartBody = Type.Object({ stage: Type.String({ minLength: 1, maxLength: 1024, description: 'the top-level stage to restart at' }) }, { additionalProperties: false });

/** The values a build's or an input's parameters may take. */
export const ParamValues = Type.Record(Type.String(), Type.Union([Type.String(), Type.Boolean(), Type.Number()]));
/** As Fastify validates them: a type array (see the header). */
const ParamValuesBody = Type.Unsafe<Static<typeof ParamValues>>({ type: 'object', additionalProperties: { type: ['string', 'boolean', 'number'] } });

export const TriggerBody = Type.Unsafe<{ params?: Static<typeof ParamValues> } | null>({
  type: ['object', 'null'], additionalProperties: false, properties: { params: ParamValuesBody },
});
export const ReplayBody = Type.Unsafe<{ script?: string; libraries?: Record<string, Record<string, string>> } | null>({
  type: ['object', 'null'], additionalProperties: false, properties: {
    script: { type: 'string', description: 'a changed Jenkinsfile to run instead (at most 1 MiB)' },
    libraries: {
      type: 'object', description: "changed files of the build's shared libraries for this run only: { NAME: { 'vars/x.groovy': text } } (vars/ and src/ Groovy files; at most 1 MiB in all)",
      additionalProperties: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
});

export const BuildLibraries = Answer({
  libraries: Type.Array(Answer({
    name: Type.String(), version: Type.String(), commit: NullableString(),
    files: Type.Record(Type.String(), Type.String(), { description: 'vars/ and src/ files by path, as the library has them at that commit' }),
  })),
}, { $id: 'BuildLibraries' });
export const InputAnswerBody = Type.Object({
  action: StringEnum(['approve', 'reject'] as const),
  params: Type.Optional(ParamValuesBody),
}, { additionalProperties: false });

export const Artifact = Answer({
  path: Type.String(), size: Type.Integer(), sha256: Type.String(), mode: Type.Integer({ description: 'Unix permission bits' }),
}, { $id: 'Artifact' });

export const TestCase = Answer({
  suite: Type.String(), className: Type.String(), name: Type.String(), durationMs: Type.Number(),
  status: StringEnum(['passed', 'failed', 'error', 'skipped'] as const),
  message: NullableString(), details: NullableString(), stdout: NullableString(), stderr: NullableString(),
}, { $id: 'TestCase' });
export const TestReport = Answer({
  total: Type.Integer(), failed: Type.Integer(), errors: Type.Integer(), skipped: Type.Integer(), passed: Type.Integer(), cases: Type.Array(ref(TestCase)),
}, { $id: 'TestReport' });

// Static analysis results of a build (the warnings plugin's recordIssues), core/issues.ts.
const Severity = StringEnum(['ERROR', 'HIGH', 'NORMAL', 'LOW'] as const);
const BySeverity = Answer({ ERROR: Type.Integer(), HIGH: Type.Integer(), NORMAL: Type.Integer(), LOW: Type.Integer() });
export const IssuesResult = Answer({
  id: Type.String({ description: 'the result id: a tool id (checkstyle, java) or analysis when aggregated' }),
  name: Type.String(), tools: Type.Array(Answer({ id: Type.String(), name: Type.String() })),
  total: Type.Integer(), new: Type.Integer(), fixed: Type.Integer(), outstanding: Type.Integer(), bySeverity: BySeverity,
  qualityGate: StringEnum(['INACTIVE', 'PASSED', 'NOTE', 'WARNING', 'FAILED'] as const),
  gates: Type.Array(Answer({
    type: Type.String(), name: Type.String(), threshold: Type.Number(), actual: Type.Integer(),
    criticality: StringEnum(['NOTE', 'UNSTABLE', 'ERROR', 'FAILURE'] as const), missed: Type.Boolean(),
  })),
  reference: Nullable(Answer({ job: Type.String(), number: Type.Integer() })),
  errors: Type.Array(Type.String()),
}, { $id: 'IssuesResult' });
export const IssueItem = Answer({
  result: Type.String(), tool: Type.String(), file: Type.String(), line: Type.Integer(), lineEnd: Type.Integer(), column: Type.Integer(),
  severity: Severity, category: Type.String(), type: Type.String(), message: Type.String(),
  state: StringEnum(['new', 'outstanding', 'fixed'] as const),
}, { $id: 'IssueItem' });
export const IssuesAnswer = Answer({
  totals: Answer({ total: Type.Integer(), new: Type.Integer(), fixed: Type.Integer(), outstanding: Type.Integer(), bySeverity: BySeverity }),
  results: Type.Array(ref(IssuesResult)),
  issues: Type.Array(ref(IssueItem), { description: 'the page of issues matching the query (fixed ones only with state=fixed or all)' }),
  count: Type.Integer({ description: 'issues matching the query, all pages' }), offset: Type.Integer(), limit: Type.Integer(),
}, { $id: 'IssuesAnswer' });
export const IssuesQuery = Type.Object({
  result: Type.Optional(Type.String({ maxLength: 200, description: 'only this result id' })),
  state: Type.Optional(StringEnum(['all', 'current', 'new', 'outstanding', 'fixed'] as const, { description: 'current (default): new and outstanding' })),
  severity: Type.Optional(Severity),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
});

export const ConsoleSection = Answer({
  offset: Type.Integer({ description: 'byte offset in the console' }),
  kind: StringEnum(['stage-start', 'stage-end', 'step-start', 'step-end', 'error'] as const, { description: "'error': an ERROR line the engine wrote starts at this offset" }),
  id: Type.String(),
  name: Type.String(),
}, { $id: 'ConsoleSection' });

const NullableInt = Type.Union([Type.Integer(), Type.Null()]);

export const JobTrend = Answer({
  builds: Type.Array(Answer({
    number: Type.Integer(), status: Type.String(), result: Type.Union([Type.String(), Type.Null()]),
    startedAt: NullableInt, endedAt: NullableInt,
    tests: Type.Union([Answer({ total: Type.Integer(), failed: Type.Integer({ description: 'failures and errors' }), skipped: Type.Integer(), passed: Type.Integer() }), Type.Null()]),
  }), { description: 'newest first' }),
  stages: Answer({
    names: Type.Array(Type.String(), { description: 'the top-level stages, in the order they ran' }),
    rows: Type.Array(Answer({ number: Type.Integer(), cells: Type.Record(Type.String(), Answer({ status: Type.String(), durationMs: NullableInt })) }), { description: 'the newest builds (at most 20), newest first' }),
  }),
  last: Answer({ stable: NullableInt, successful: NullableInt, failed: NullableInt, unsuccessful: NullableInt, completed: NullableInt }),
}, { $id: 'JobTrend' });

export const TestHistory = Answer({
  window: Type.Integer({ description: 'how many builds, up to this one, the history covers' }),
  cases: Type.Record(Type.String(), Answer({
    failingSince: NullableInt, failed: Type.Integer(), ran: Type.Integer(), flaky: Type.Boolean(),
    history: Type.Array(Type.Union([Type.String(), Type.Null()]), { description: "newest first: 'passed' | 'failed' | 'skipped', null when not run" }),
  }), { description: "this build's failing cases and flaky ones, by className.name" }),
}, { $id: 'TestHistory' });

export const ConsoleTime = Answer({
  offset: Type.Integer({ description: 'byte offset in the console' }),
  at: Type.Integer({ description: 'when the bytes from this offset on arrived, ms since the epoch' }),
}, { $id: 'ConsoleTime' });

export const Diagnostic = Answer({
  line: Type.Integer(), col: Type.Integer(), endLine: Type.Integer(), endCol: Type.Integer(),
  severity: StringEnum(['error', 'warning'] as const), code: Type.String(), message: Type.String(),
}, { $id: 'Diagnostic' });

// ---------------------------------------------------------------------------------------------
// queue and agents

export const QueueItem = Answer({
  id: Type.String(),
  job: Type.String(),
  number: Type.Integer(),
  kind: StringEnum(['quiet', 'concurrency', 'executor', 'pod-slot', 'throttle'] as const, { description: 'what it waits for: the quiet period, its job\'s running build (disableConcurrentBuilds), an executor, a pod slot of a capped cloud, a slot of a throttle category (its name in label)' }),
  label: NullableString({ description: 'executor waits: the label expression' }),
  cloud: NullableString({ description: 'pod-slot waits: the cloud' }),
  why: Type.String({ description: 'why it waits' }),
  since: Time(),
}, { $id: 'QueueItem' });

export const Agent = Answer({
  name: Type.String(),
  labels: Type.Array(Type.String()),
  executors: Type.Integer(),
  busyExecutors: Type.Integer(),
  online: Type.Boolean(),
  description: Type.String(),
  command: Type.String({ description: 'the command that connects it (its secret: admins only)' }),
  launcher: StringEnum(['inbound', 'ssh'] as const),
  launchError: Type.Optional(NullableString({ description: 'SSH agents: why the last launch failed, while it does' })),
  running: Type.Array(Answer({ job: Type.String(), number: Type.Integer(), executor: Type.Integer(), since: Time() })),
}, { $id: 'Agent' });

const AgentLabels = Type.Array(Type.String({ pattern: '^[^\\s&|!()<>-][^\\s&|!()<>]{0,99}$' }), { maxItems: 100 });
const Launcher = Type.Unsafe<Record<string, unknown>>({
  type: 'object',
  description: "how it is started: { type: 'inbound' } (it dials in), or { type: 'ssh', host, port, credentialsId, hostKey?, command?, install?, path?, launchTimeoutSeconds? }; a PUT merges these fields into the current launcher (null removes one)",
});
export const AgentCreateBody = Type.Object({
  name: Type.String({ pattern: AGENT_NAME }),
  labels: Type.Optional(AgentLabels),
  executors: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  launcher: Type.Optional(Launcher),
  workdir: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
}, { additionalProperties: false });
export const AgentUpdateBody = Type.Object({
  labels: Type.Optional(AgentLabels),
  executors: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  description: Type.Optional(Type.String({ maxLength: 10_000 })),
  launcher: Type.Optional(Launcher),
  workdir: Type.Optional(NullableString({ minLength: 1, maxLength: 4096 })),
}, { additionalProperties: false, minProperties: 1 });

// ---------------------------------------------------------------------------------------------
// users, sessions, tokens, audit

const Role = StringEnum(['admin', 'developer', 'viewer'] as const);
const userFields = {
  name: Type.String(), role: Role, fullName: Type.String(), disabled: Type.Boolean(), createdAt: Time(), updatedAt: Time(),
  email: Nullable(Type.String({ description: "where mail to the user goes (emailext's requestor(), developers()); null: not known" })),
};
export const User = Answer(userFields, { $id: 'User' });
export const LoginLock = Answer({
  failures: Type.Integer({ description: 'failed logins since the last success (or unlock), from any address' }),
  lockedUntil: NullableTime('locked until then, or null'),
}, { $id: 'LoginLock' });
/** A user as admins see them: with their login failures and lock. */
export const UserAdminView = Answer({ ...userFields, login: ref(LoginLock) }, { $id: 'UserAdminView' });
export const Me = Answer({
  user: ref(User),
  via: StringEnum(['session', 'token', 'admin-token'] as const),
  csrfToken: Type.Optional(Type.String({ description: 'sessions: the X-Kiln-CSRF header every change must carry' })),
}, { $id: 'Me' });
export const Session = Answer({ user: ref(User), csrfToken: Type.String() }, { $id: 'Session', description: 'A session started: the cookie is set, changes must carry csrfToken in X-Kiln-CSRF' });
const tokenFields = { id: Type.String(), name: Type.String(), createdAt: Time(), lastUsedAt: NullableTime(), expiresAt: NullableTime() };
export const Token = Answer(tokenFields, { $id: 'Token' });
export const NewToken = Answer({ ...tokenFields, token: Type.String({ description: 'the token itself: shown this once' }) }, { $id: 'NewToken' });
export const AuditEntry = Answer({
  id: Type.String(), at: Time(), actor: Type.String(), action: Type.String(), target: Type.String(), detail: Type.String(), address: Type.String(),
}, { $id: 'AuditEntry' });

export const SetupBody = Type.Object({ initialPassword: Type.String(), username: Type.String(), password: Type.String(), fullName: Type.Optional(Type.String()) });
export const LoginBody = Type.Object({ username: Type.String(), password: Type.String() });
export const PasswordBody = Type.Object({ currentPassword: Type.String(), newPassword: Type.String() });
export const TokenBody = Type.Union([
  Type.Object({
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, default: 'token' })),
    expiresInDays: Type.Optional(Nullable(Type.Integer({ minimum: 1, maximum: 3650, description: 'null: no expiry' }))),
  }),
  Type.Null(),
]);
export const UserCreateBody = Type.Object({ name: Type.String(), role: Role, fullName: Type.Optional(Type.String()), password: Type.String(), email: Type.Optional(Type.Union([Type.String(), Type.Null()])) });
export const UserUpdateBody = Type.Object({ role: Type.Optional(Role), fullName: Type.Optional(Type.String()), password: Type.Optional(Type.String()), disabled: Type.Optional(Type.Boolean()), email: Type.Optional(Type.Union([Type.String(), Type.Null()])) });

// ---------------------------------------------------------------------------------------------
// folders

export const FolderGrant = Answer({
  grantee: Type.String({ description: "'user:<name>' or 'role:developer'" }),
  rights: Type.Array(StringEnum(FOLDER_RIGHTS)),
  updatedAt: Time(),
  updatedBy: Type.String(),
}, { $id: 'FolderGrant' });
export const GrantsBody = Type.Object({
  grants: Type.Array(Type.Object({
    grantee: Type.String({ maxLength: 200, description: "'user:<name>' or 'role:developer'" }),
    rights: Type.Array(Type.String({ maxLength: 50 }), { maxItems: FOLDER_RIGHTS.length, description: FOLDER_RIGHTS.join(', ') }),
  }, { additionalProperties: false }), { maxItems: 1000 }),
}, { additionalProperties: false });

// ---------------------------------------------------------------------------------------------
// credentials and clouds

const CredentialType = StringEnum(['secretText', 'usernamePassword', 'secretFile', 'sshKey', 'certificate', 'azureServicePrincipal'] as const);
export const Credential = Answer({
  id: Type.String(),
  type: CredentialType,
  description: Type.String(),
  scope: StringEnum(['global', 'folder'] as const),
  folder: NullableString({ description: 'the folder whose jobs may use it; null: every job' }),
  username: NullableString(),
  fileName: NullableString(),
  createdAt: Time(),
  updatedAt: Time(),
  usedBy: Type.Array(Answer({ job: Type.String(), build: Type.Integer(), at: Time() }), { description: 'jobs whose last build bound it' }),
}, { $id: 'Credential', description: 'A credential as the API shows it: never its secret' });

const secretFields = {
  folder: Type.Optional(NullableString({ description: 'the folder whose jobs may use it; null or absent: global' })),
  description: Type.Optional(Type.String()),
  secret: Type.Optional(Type.String({ description: 'secretText' })),
  username: Type.Optional(Type.String({ description: 'usernamePassword, sshKey' })),
  password: Type.Optional(Type.String({ description: 'usernamePassword; certificate (the keystore password)' })),
  fileName: Type.Optional(Type.String({ description: 'secretFile' })),
  content: Type.Optional(Type.String({ description: 'secretFile, certificate: the content as text' })),
  contentBase64: Type.Optional(Type.String({ description: 'secretFile, certificate: the content in base64' })),
  privateKey: Type.Optional(Type.String({ description: 'sshKey: PEM or OpenSSH' })),
  passphrase: Type.Optional(Type.String({ description: 'sshKey' })),
  subscriptionId: Type.Optional(Type.String({ description: 'azureServicePrincipal: the subscription id (a GUID)' })),
  clientId: Type.Optional(Type.String({ description: "azureServicePrincipal: the service principal's application (client) id (a GUID)" })),
  clientSecret: Type.Optional(Type.String({ description: "azureServicePrincipal: the service principal's secret" })),
  tenantId: Type.Optional(Type.String({ description: 'azureServicePrincipal: the tenant id (a GUID) or domain' })),
  azureEnvironmentName: Type.Optional(Type.String({ description: 'azureServicePrincipal: Azure (default), AzureChinaCloud, AzureUSGovernment, AzureGermanCloud' })),
};
export const CredentialCreateBody = Type.Object({ id: Type.String(), type: CredentialType, ...secretFields });
export const CredentialUpdateBody = Type.Object(secretFields, { description: 'the fields to change; secret fields replace the secret' });

/** A cloud type of the controller's plugins ('kubernetes' and 'docker' with the built-in list). */
const CloudType = Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$', description: "a cloud type of the controller's plugins: 'kubernetes' and 'docker' with the built-in plugin list" });
export const Cloud = Answer({
  name: Type.String(), type: CloudType, settings: Type.Record(Type.String(), Type.Unknown()), createdAt: Time(), updatedAt: Time(),
}, { $id: 'Cloud' });
/** As Fastify validates it (the cloud type's module checks the settings, naming the field). */
export const CloudBody = Type.Object({ type: Type.String(), settings: Type.Optional(AnyObject) }, { additionalProperties: false });
export const CloudBodyShown = Type.Object({
  type: CloudType,
  settings: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'the cloud type\'s settings (docs/kubernetes.md, docs/docker.md)' })),
}, { additionalProperties: false });
export const ConnectionReport = Answer({
  ok: Type.Boolean(),
  message: Type.String(),
  version: NullableString(),
  permissions: Type.Array(Answer({ verb: Type.String(), resource: Type.String(), allowed: Nullable(Type.Boolean()), reason: Type.Optional(Type.String()) })),
}, { $id: 'ConnectionReport' });

// ---------------------------------------------------------------------------------------------
// shared libraries (libraries.ts)

export const Library = Answer({
  folder: NullableString({ description: "the folder it is configured on; null: a global library" }),
  name: Type.String(),
  url: Type.String({ description: 'the git repository' }),
  defaultVersion: NullableString({ description: 'the branch, tag or commit used when a Jenkinsfile names none' }),
  implicit: Type.Boolean({ description: 'loaded by every build without @Library' }),
  allowVersionOverride: Type.Boolean({ description: "whether @Library('name@version') may ask for another version" }),
  credentialsId: NullableString({ description: "the repository's credential (its id; never its secret)" }),
  includeInChangesets: Type.Boolean(),
  createdAt: Time(), updatedAt: Time(),
}, { $id: 'Library' });
const libraryFields = {
  url: Type.String({ description: 'https://, ssh://, git://, git@host:path, file:// or an absolute path on the controller; no password in it' }),
  defaultVersion: Type.Optional(Nullable(Type.String({ description: 'a branch, tag or commit' }))),
  implicit: Type.Optional(Type.Boolean({ description: 'default false' })),
  allowVersionOverride: Type.Optional(Type.Boolean({ description: 'default true' })),
  credentialsId: Type.Optional(Nullable(Type.String())),
  includeInChangesets: Type.Optional(Type.Boolean({ description: 'default true' })),
};
export const LibraryBody = Type.Object(libraryFields);
export const LibraryTestBody = Type.Object({
  version: Type.Optional(Nullable(Type.String({ description: 'the version to fetch (default: the default version, else the remote HEAD)' }))),
  ...libraryFields,
  url: Type.Optional(Type.String({ description: 'given: test these fields (a form not saved yet) instead of the saved library' })),
});
/** As Fastify validates it: an object, null or nothing (the fields are checked by libraries.ts, naming the field). */
export const LibraryTestBodyOrNull = AnyObjectOrNull;
export const LibraryTestReport = Answer({
  ok: Type.Boolean(),
  message: Type.String(),
  version: NullableString(),
  commit: NullableString({ description: 'the full commit the version is at' }),
  vars: Type.Array(Answer({ name: Type.String(), help: NullableString({ description: 'vars/NAME.txt' }) })),
}, { $id: 'LibraryTestReport' });

// ---------------------------------------------------------------------------------------------
// system

export const Health = Type.Union([
  Answer({ status: Type.Literal('ok') }),
  Answer({
    status: Type.Literal('degraded'),
    problems: Type.Array(Answer({
      component: Type.String(), message: Type.String(), detail: Type.Optional(Type.String({ description: 'logged-in callers only' })), since: Time(), count: Type.Integer(),
    })),
  }),
], { $id: 'Health' });

// ---------------------------------------------------------------------------------------------
// webhooks

export const WebhookAnswer = Answer({
  triggered: Type.Array(Answer({ job: Type.String(), number: Type.Integer() }), { description: 'the builds it started' }),
  unchanged: Type.Optional(Type.Array(Answer({ job: Type.String(), commit: NullableString({ description: 'users only' }) }), { description: 'jobs whose branch was looked at and had not moved' })),
  unsigned: Type.Optional(Type.String({ description: 'set when some job only had its branch looked at (an unsigned push): why, and what was ignored' })),
  ignored: Type.Optional(Type.String({ description: 'why the push starts nothing' })),
  failed: Type.Optional(Type.Array(Answer({ job: Type.String(), message: Type.String() }))),
}, { $id: 'WebhookAnswer' });
export const WebhookInfo = Answer({
  job: Type.String(),
  repository: NullableString(),
  branch: NullableString(),
  urls: Answer({ generic: Type.String(), github: Type.String(), gitlab: Type.String() }),
  secret: NullableString({ description: 'the secret pushes are signed with' }),
  secretSource: Type.Union([StringEnum(['configured', 'generated'] as const), Type.Null()]),
  unsigned: StringEnum(['refuse', 'poll'] as const, { description: 'what an unsigned push from nobody gets: refused, or a look at the branch' }),
  note: Type.Optional(Type.String()),
}, { $id: 'WebhookInfo', description: "where a job's pushes go, and the secret that signs them (admins)" });
export const GenericPushBody = Type.Object({
  repository: Type.String({ description: 'the repository URL (matched loosely: scheme, user, port, .git do not matter)' }),
  branch: Type.String(),
  commit: Type.Optional(Nullable(Type.String({ description: 'a full commit id to build (signed or authenticated pushes only)' }))),
  params: Type.Optional(Nullable(ParamValues)),
});
/** The push events of GitHub and GitLab, as those services send them: the fields Kiln reads. */
export const ProviderPushBody = Type.Record(Type.String(), Type.Unknown(), { description: 'the push event as the service sends it (GitHub: ref, after, repository.clone_url...; GitLab: ref, checkout_sha, project.git_http_url...)' });

// ---------------------------------------------------------------------------------------------
// settings: e-mail (mail.ts, mail-http.ts)

const mailFields = {
  host: Type.String({ description: "the SMTP server's host; '' for none" }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
  security: StringEnum(['none', 'starttls', 'ssl'] as const, { description: 'plain, STARTTLS required, or SSL/TLS from the start' }),
  credentialsId: Nullable(Type.String({ description: 'a global username/password credential for SMTP AUTH' })),
  trustCertificate: Type.Boolean({ description: "accept the server's certificate unchecked (self-signed)" }),
  from: Type.String({ description: 'the default From address' }),
  replyTo: Type.String(),
  defaultSuffix: Type.String({ description: "appended to a recipient without '@' ('@example.com')" }),
  defaultSubject: Type.String({ description: "what $DEFAULT_SUBJECT expands to ('' for email-ext's default)" }),
  defaultContent: Type.String({ description: "what $DEFAULT_CONTENT expands to ('' for email-ext's default)" }),
  defaultRecipients: Type.String({ description: 'what $DEFAULT_RECIPIENTS expands to' }),
};
export const MailSettings = Answer({ ...mailFields, configured: Type.Boolean() }, { $id: 'MailSettings', description: "The SMTP server builds' e-mail goes through; the password stays in the credential" });
export const MailSettingsBody = Type.Partial(Type.Object(mailFields, { additionalProperties: false }));
export const MailTestBody = Type.Object({ to: Type.String({ description: 'the one address to send the test e-mail to' }) }, { additionalProperties: false });
export const MailTestAnswer = Answer({ sent: Type.Boolean(), message: Type.String({ description: 'what happened, in plain words' }) });
export const GlobalEnvSettings = Answer({ variables: Type.Record(Type.String(), Type.String(), { description: 'NAME: value, under what each build sets, over the node\'s own environment' }) });

// settings: HTTP services (http-services.ts): credentials by id only
export const HttpServiceSettings = Answer({
  slack: Nullable(Answer({ baseUrl: Type.String(), teamDomain: Type.String(), tokenCredentialId: Type.String(), botUser: Type.Boolean(), room: Type.String() })),
  github: Nullable(Answer({ apiUrl: Type.String(), credentialsId: Type.String() })),
  gitlab: Nullable(Answer({ url: Type.String(), credentialsId: Type.String() })),
  gitlabConnections: Type.Optional(Type.Array(Answer({ name: Type.String(), url: Type.String(), credentialsId: Type.String() }), { description: "named GitLab connections: gitLabConnection('name') picks one" })),
  sonar: Type.Array(Answer({ name: Type.String(), url: Type.String(), credentialsId: Type.String() })),
  httpRequest: Answer({ allowedHosts: Type.Array(Type.String()), allowPrivate: Type.Boolean() }),
  zulip: Type.Optional(Nullable(Answer({ url: Type.String(), email: Type.String(), apiKeyCredentialId: Type.String(), stream: Type.String(), topic: Type.String(), fullJobPathAsDefaultTopic: Type.Boolean() }))),
  openshiftClusters: Type.Optional(Type.Array(Answer({ name: Type.String(), url: Type.String(), credentialsId: Type.String(), serverCertificateAuthority: Type.String({ description: 'PEM of the API server\'s CA; empty: the system\'s' }), skipTlsVerify: Type.Boolean(), defaultProject: Type.String() }), { description: "OpenShift clusters: openshift.withCluster('name') picks one ('default' when no name)" })),
  artifactory: Type.Optional(Type.Array(Answer({ id: Type.String(), url: Type.String(), credentialsId: Type.String() }), { description: "Artifactory servers: rtUpload(serverId: 'id'), Artifactory.server('id')" })),
  nexus: Type.Optional(Type.Array(Answer({ id: Type.String(), url: Type.String(), credentialsId: Type.String({ description: 'a username/password credential; empty: anonymous' }) }), { description: "Nexus Repository Manager 3 servers: nexusPublisher(nexusInstanceId: 'id')" })),
  mattermost: Type.Optional(Nullable(Answer({ endpointCredentialId: Type.String({ description: 'a secret text credential holding the incoming webhook URL' }), channel: Type.String(), icon: Type.String() }))),
  bitbucket: Type.Optional(Nullable(Answer({ credentialsId: Type.String({ description: 'a username/password credential: OAuth consumer key and secret' }), apiUrl: Type.String(), oauthUrl: Type.String() }))),
  vault: Type.Optional(Nullable(Answer({ url: Type.String(), credentialsId: Type.String({ description: 'a secret text (token) or username/password (AppRole role_id / secret_id) credential' }), engineVersion: Type.Union([Type.Literal(1), Type.Literal(2)]), namespace: Type.String(), skipSslVerification: Type.Boolean() }, { description: "HashiCorp Vault: withVault's vaultUrl, vaultCredentialId, engineVersion, vaultNamespace when the step gives none" }))),
}, { $id: 'HttpServiceSettings', description: 'Slack, GitHub, GitLab, SonarQube and Artifactory servers, OpenShift clusters and where httpRequest may reach; tokens stay in credentials' });

/** Every named schema: openapi.ts adds them to the Fastify instance (and so to the document). */
export const NAMED_SCHEMAS: readonly TSchema[] = [
  ErrorAnswer, JobDefinition, JobDefinitionSummary, JobParameter, LastBuild, Job, JobSummary, BuildCause, StageNode, PendingInput,
  Build, BuildDetail, Artifact, TestCase, TestReport, IssuesResult, IssueItem, IssuesAnswer, ConsoleSection, ConsoleTime, JobTrend, TestHistory, BuildLibraries, RestartInfo, Diagnostic, QueueItem, Agent, User, LoginLock, UserAdminView,
  Me, Session, Token, NewToken, AuditEntry, FolderGrant, Credential, Cloud, ConnectionReport, Health, WebhookAnswer, WebhookInfo,
  Library, LibraryTestReport, MailSettings, HttpServiceSettings,
];

/** Adds the named schemas an instance lacks (a route module registered on an instance of its own, as in tests). */
export function addNamedSchemas(app: { getSchema(id: string): unknown; addSchema(s: unknown): unknown }): void {
  for (const s of NAMED_SCHEMAS) if (app.getSchema(s.$id!) === undefined) app.addSchema(s);
}

/**
 * A non-JSON answer (console text, a file, an event stream): its media type and what it is. The
 * handler sends a string, a buffer or a stream (typed `unknown`): nothing serializes it.
 */
export const textAnswer = (type: string, description: string) => ({
  description, content: { [type]: { schema: Type.Unsafe<unknown>(type === 'application/octet-stream' ? { type: 'string', format: 'binary' } : { type: 'string' }) } },
});

