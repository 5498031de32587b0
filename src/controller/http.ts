// The controller's HTTP API, versioned under /api/v1, on Fastify. Every route declares TypeBox
// schemas (api-schemas.ts) for its params, query, body and answers, from which its handler is
// typed and the OpenAPI document at /api/v1/openapi.json is made (openapi.ts); every error is
// `{ "error": { "code", "message" } }` (http-errors.ts) with a message a person can act on.
// Job names may hold '/' (folders): in URLs they are one path segment, URL-encoded (`team%2Fapp`).
//
//   GET    /api/v1/health | /api/v1/ready | /metrics | /api/v1/openapi.json
//   GET    /api/v1/jobs (summaries: no scripts) POST /api/v1/jobs
//   GET    /api/v1/jobs/:job                  PUT  /api/v1/jobs/:job      DELETE /api/v1/jobs/:job
//   POST   /api/v1/jobs/:job/builds           GET  /api/v1/jobs/:job/builds?limit&cursor
//   GET    /api/v1/jobs/:job/builds/:n        POST .../:n/abort           POST .../:n/replay
//   GET|POST .../:n/restart  { stage }  (Restart from Stage: restart.ts)
//   GET    .../:n/stages   .../:n/console (Range / ?start&end)   .../:n/console/stream (SSE)   .../:n/console/sections   .../:n/console/times
//   GET    .../:n/inputs   POST .../:n/inputs/:id  { "action": "approve" | "reject", ... }
//   GET    .../:n/artifacts   .../:n/artifacts/*   .../:n/tests   .../:n/issues (recordIssues)
//   GET    /api/v1/queue                      DELETE /api/v1/queue/:id
//   GET    /api/v1/agents  POST /api/v1/agents  GET|PUT|DELETE /api/v1/agents/:name
//   GET    /api/v1/agents/:name/log   (an SSH agent's launch log)
//   GET|POST /api/v1/credentials             GET|PUT|DELETE /api/v1/credentials/:id   (credentials-http.ts)
//   setup, login, logout, /me, users, tokens, unlock, audit                           (auth/http.ts)
//   GET /api/v1/folders   GET|PUT|DELETE /api/v1/folders/:folder   (grants)         (auth/folders-http.ts)
//   GET    /api/v1/events  (SSE: build, job, queue, agent changes; events.ts)
//   POST   /api/v1/lint    { script, job? } → { diagnostics: [{ line, col, endLine, endCol, severity, code, message }] }
//                           (job: an existing one, or one the caller may create: its folders' libraries are loaded)
//   GET|PUT|DELETE /api/v1/clouds[/:name]   POST /api/v1/clouds[/:name]/test              (clouds.ts)
//   GET    / and every other non-API path: the web UI (web.ts)
//
// Every route needs a login except those auth/policy.ts marks public; which role each needs
// is in that one table, checked by auth/http.ts before any handler runs. Handlers read the
// caller from `req.principal` (never null past the check on non-public routes). The routes
// that change jobs or run builds also check the caller's right in the job's folder
// (auth/folders.ts) before they look the job up, so a refusal does not depend on whether the
// job exists; moving a job needs job.create where it goes (and job.delete where it leaves).
//
// Fastify's logger is the controller's (`ctx.logger`): one line per request (http-log.ts).
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { createReadStream } from 'node:fs';
import fsp from 'node:fs/promises';
import { loadPipeline, type LoadResult } from '../pipeline/load.ts';
import { gitlabConnectionProblems } from './gitlab-trigger.ts';
import { diag, startPos } from '../pipeline/diagnostics.ts';
import type { LibraryContent } from '../core/libraries.ts';
import { replayPathProblem } from '../util/libraries.ts';
import { restartInfo, stageProblem } from './restart.ts';
import { readRunInfo } from './resume.ts';
import type { Build, FolderRight, Job, JobDefinition, Role, Store } from '../store/types.ts';
import type { BuildManager } from './builds.ts';
import { logRef, restartOf } from './builds.ts';
import { NEWLINE_BLOCK, type LogStore } from './logstore.ts';
import { Readable } from 'node:stream';
import type { BuildFiles } from './files.ts';
import type { StageRecord } from '../pipeline/engine/state.ts';
import type { PendingInput } from '../pipeline/engine/engine.ts';
import { registerAuth, SECURITY_HEADERS } from './auth/http.ts';
import type { AuthService, Principal } from './auth/service.ts';
import { ApiError, errorBody, invalidField, toApiError } from './http-errors.ts';
import type { EventBus, LiveEvent } from './events.ts';
import { folderOf, type FolderAccess } from './auth/folders.ts';
import { Type, type Static } from '@sinclair/typebox';
import * as S from './api-schemas.ts';
import { inputChoices } from './active-choices.ts';
import { answers, ref, type TypeBoxProvider } from './api-schemas.ts';
import { useApiContract } from './openapi.ts';
import { registerFolderRoutes } from './auth/folders-http.ts';
import { registerFolderPropertyRoutes } from './folder-properties.ts';
import { visibleTo } from './credentials.ts';
import type { Health } from './health.ts';
import { requestLogging } from './http-log.ts';
import type { Logger } from '../util/log.ts';
import { MAX_TREND, jobTrend, testHistory } from './trends.ts';
import type { IssueSeverity, IssuesRecord } from '../core/issues.ts';

export interface QueueView {
  list(): Static<typeof S.QueueItem>[];
  cancel(id: string): Promise<boolean>;
}

export interface AgentsView {
  list(): Promise<AgentInfo[]>;
  get(name: string): Promise<AgentInfo | null>;
  create(input: { name: string; labels: string[]; executors: number; description: string; launcher?: unknown; workdir?: string | null }): Promise<AgentInfo>;
  /** Changes an agent (null when there is none); launcher fields merge into the current launcher. */
  update(name: string, input: { labels?: string[]; executors?: number; description?: string; launcher?: unknown; workdir?: string | null }): Promise<AgentInfo | null>;
  remove(name: string): Promise<boolean>;
  /** The launch log of an SSH agent (empty for inbound ones); null when there is no such agent. */
  launchLog(name: string): Promise<string[] | null>;
  /** The controller's own executors, with the warning about them (null without them). */
  builtIn?(): { executors: number; busyExecutors: number; warning: string | null };
}

export interface AgentInfo {
  name: string;
  labels: string[];
  executors: number;
  busyExecutors: number;
  online: boolean;
  description: string;
  /** The exact command that connects this agent (secret included: admins only, once auth exists). */
  command: string;
  /** How it is started: 'inbound' (it dials in) or 'ssh' (the controller launches it). */
  launcher: 'inbound' | 'ssh';
  /** SSH agents: why the last launch failed, while it does. */
  launchError?: string | null;
  /** What its executors run now. */
  running: { job: string; number: number; executor: number; since: number }[];
}

export interface HttpContext {
  store: Store;
  /** The names of the GitLab connections configured (HTTP services), for the lint's gitLabConnection check. */
  gitlabConnectionNames?: () => Promise<string[]>;
  builds: BuildManager;
  files: BuildFiles;
  logs: LogStore;
  queue: QueueView;
  agents: AgentsView;
  metrics: () => Promise<string>;
  ready: () => Promise<boolean>;
  publicUrl: string;
  auth: AuthService;
  events: EventBus;
  folders: FolderAccess;
  /** What is wrong with the controller now (health.ts); GET /api/v1/health checks and shows it. */
  health: Health;
  /** Fastify's logger: one line per request (http-log.ts). */
  logger?: Logger;
  /**
   * The shared libraries a Jenkinsfile asks for (and the implicit ones), as a build of `job`
   * would load them (its folders', then the global ones): lint then knows their vars. Absent: none.
   */
  libraryContents?: (script: string, job: string | null, who: { name: string; role: Role } | null) => Promise<LibraryContent[]>;
  /** A library's vars/ and src/ files as a build of `job` loaded them (its commit when it has one); null when it cannot be had. */
  buildLibraryFiles?: (job: string, lib: { name: string; version: string; commit: string | null; source?: string; credentialsId?: string; fromJenkinsfile?: boolean }) => Promise<Record<string, string> | null>;
}

const notFound = (what: string) => new ApiError('not-found', what);
const text = S.textAnswer;

/**
 * The most an inline Jenkinsfile may hold (a job's script, a replay's, one to lint): 1 MiB.
 * Jenkins compiles a pipeline into JVM methods of at most 64 KB of bytecode ("Method code too
 * large"), so real Jenkinsfiles stay far below this; a bigger one is generated or data, is held
 * in memory and in the store with its job, and belongs in a repository (a git job) instead.
 */
export const MAX_INLINE_SCRIPT_BYTES = 1024 * 1024;
/** Bodies above this are refused before they are parsed (413). */
const BODY_LIMIT = 12 * 1024 * 1024;

/**
 * Parses and validates a Jenkinsfile with the libraries a build of `job` would load. A library
 * that cannot be loaded is an error at the file's start with the resolver's reason (no such
 * library, a version that does not exist, git's error).
 */
async function lintScript(ctx: HttpContext, script: string, job: string | null, who: { name: string; role: Role } | null): Promise<LoadResult> {
  let libraries: LibraryContent[] = [];
  try {
    libraries = ctx.libraryContents ? await ctx.libraryContents(script, job, who) : [];
  } catch (err) {
    return { model: null, diagnostics: [diag('library', err instanceof Error ? err.message : String(err), { start: startPos, end: startPos })] };
  }
  const loaded = loadPipeline(script, ctx.builds.registry, { libraries });
  // gitLabConnection('name') against the controller's GitLab connections (gitlab-trigger.ts).
  const names = await ctx.gitlabConnectionNames?.().catch(() => null);
  if (names) loaded.diagnostics.push(...gitlabConnectionProblems(script, names));
  return loaded;
}

function checkScriptSize(script: string, what: string): void {
  const n = Buffer.byteLength(script, 'utf8');
  if (n <= MAX_INLINE_SCRIPT_BYTES) return;
  throw new ApiError('too-large',
    `${what} is ${(n / 1024 / 1024).toFixed(1)} MiB (${n} bytes); an inline Jenkinsfile may be at most 1 MiB (${MAX_INLINE_SCRIPT_BYTES} bytes): keep a pipeline this large in a repository (a git job: git: { url, branch, path }) and move shared code into scripts or a library it calls`);
}

export function buildHttp(ctx: HttpContext): FastifyInstance {
  const requestLog = requestLogging(ctx.logger);
  const app = Fastify({
    ...requestLog.options,
    bodyLimit: BODY_LIMIT, routerOptions: { maxParamLength: 1000 }, ajv: { customOptions: { allowUnionTypes: true } }, forceCloseConnections: true,
    clientErrorHandler: answerMalformedRequest,
  });
  requestLog.hook(app);
  // Before any route: the OpenAPI document sees every route registered after (openapi.ts).
  useApiContract(app);
  const api = app.withTypeProvider<TypeBoxProvider>();

  // Every error, ours and Fastify's, answers `{ error: { code, message } }` with the status of
  // its code in the catalogue (http-errors.ts).
  app.setErrorHandler((err: unknown, req, reply) => {
    const e = toApiError(err, {
      bodyTooLarge: () => {
        const limit = req.routeOptions.bodyLimit ?? BODY_LIMIT;
        return `the request body is larger than ${limit} bytes, the most this route accepts${limit >= MAX_INLINE_SCRIPT_BYTES ? ` (an inline Jenkinsfile may be at most ${MAX_INLINE_SCRIPT_BYTES} bytes)` : ''}`;
      },
    });
    return reply.code(e.status).headers(e.headers).send(errorBody(e));
  });
  registerAuth(app, ctx.auth, { publicUrl: () => ctx.publicUrl });
  const principal = (req: FastifyRequest): Principal => req.principal!;
  const audit = (req: FastifyRequest, action: string, target: string, detail = '') =>
    ctx.auth.audit({ actor: principal(req).name, action, target, detail, address: req.ip });
  /** Refuses (403) unless the caller holds the rights in the folder of job `job`. */
  const need = (req: FastifyRequest, rights: FolderRight[], job: string, doing: string) =>
    ctx.folders.require(principal(req), rights, folderOf(job), doing);
  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody(new ApiError('not-found', `no such route: ${req.method} ${req.url.split('?')[0] ?? ''}`))));

  // ---------------------------------------------------------------------------------------------
  // system

  // Liveness and what is wrong: `{ status: 'ok' }`, or 'degraded' with the problems (a full or
  // read-only disk, a store refusing writes) and, for a logged-in caller, their details. Each
  // request probes the problems again (an anonymous one at most once a second: a probe writes to
  // the disk), so it says 'ok' as soon as the cause is gone. Always 200: a restart would not fix
  // a disk and would end every running build.
  api.get('/api/v1/health', { schema: { operationId: 'getHealth', tags: ['system'], response: answers({ 200: ref(S.Health) }) } }, async (req) => {
    await ctx.health.check({ throttled: req.principal === null });
    return ctx.health.view(req.principal !== null);
  });
  api.get('/api/v1/ready', {
    schema: { operationId: 'getReadiness', tags: ['system'], response: answers({ 200: S.Answer({ status: Type.Literal('ready') }), 503: S.Answer({ status: Type.Literal('starting') }) }) },
  }, async (_req, reply) => ((await ctx.ready()) ? { status: 'ready' as const } : reply.code(503).send({ status: 'starting' })));
  api.get('/metrics', {
    schema: { operationId: 'getMetrics', tags: ['system'], summary: 'Prometheus metrics (text exposition format 0.0.4)', response: answers({ 200: text('text/plain', 'the metrics') }) },
  }, async (_req, reply) => reply.type('text/plain; version=0.0.4').send(await ctx.metrics()));

  // What changed, as it changes (events.ts). A comment every 15 s keeps proxies from closing it.
  api.get('/api/v1/events', {
    schema: { operationId: 'streamEvents', tags: ['system'], summary: 'Server-sent events: build, job, queue, agent and health changes', response: answers({ 200: text('text/event-stream', 'events: `event: <type>` and `data: <JSON>`') }) },
  }, async (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    // HEAD: the headers say what the stream is; there is no body to wait for.
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write(': kiln events\n\n');
    const off = ctx.events.subscribe((e: LiveEvent) => { res.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`); });
    const beat = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.raw.on('close', () => { off(); clearInterval(beat); res.end(); });
  });

  // Validation without saving, for editors: every diagnostic with its range.
  api.post('/api/v1/lint', {
    schema: {
      operationId: 'lint', tags: ['system'], summary: 'Checks a Jenkinsfile without saving it',
      body: Type.Object({
        script: Type.String(),
        job: Type.Optional(Type.String({ maxLength: 1100, description: "the job it is for: its folders' shared libraries are known too" })),
      }, { additionalProperties: false }),
      response: answers({ 200: S.Answer({ diagnostics: Type.Array(ref(S.Diagnostic)) }) }),
    },
  }, async (req) => {
    const script = req.body.script;
    checkScriptSize(script, 'the Jenkinsfile to lint');
    // With a job, the controller fetches the libraries a build of it would load (its folders'
    // ones, with their credentials): for a job that exists, which the caller may read (reading
    // jobs is open to every logged-in user, policy.ts; folders do not narrow it), or one the
    // caller may create there (the new-job form lints as its name is typed).
    const job = req.body.job ?? null;
    if (job !== null && !(await ctx.store.jobs.get(job).catch(() => null))) {
      await need(req, ['job.create'], job, `linting for job '${job}', which does not exist (so creating it)`);
    }
    const loaded = await lintScript(ctx, script, job, principal(req));
    return {
      diagnostics: loaded.diagnostics.map((d) => ({
        line: d.loc.start.line, col: d.loc.start.col, endLine: d.loc.end.line, endCol: d.loc.end.col, severity: d.severity, code: d.code, message: d.message,
      })),
    };
  });

  registerFolderRoutes(app, { store: ctx.store, folders: ctx.folders, auth: ctx.auth });
  registerFolderPropertyRoutes(app, { store: ctx.store, auth: ctx.auth });

  // ---------------------------------------------------------------------------------------------
  // jobs

  /**
   * A git definition's clone credential, checked when the job is saved rather than at its first
   * build: a folder credential must be in the job's folder, and where that folder has
   * permissions set, the caller (who becomes the job's configurer) must hold credentials.use.
   */
  const checkRepoCredential = async (req: FastifyRequest, jobName: string, d: JobDefinition | null) => {
    if (d?.kind !== 'git' || !d.credentialsId) return;
    const rec = await ctx.store.credentials.get(d.credentialsId).catch(() => null);
    if (!rec || rec.folder === null) return; // a missing one fails the build with its own message
    if (!visibleTo(rec.folder, jobName)) {
      throw invalidField('git.credentialsId', `credential '${rec.id}' belongs to folder '${rec.folder}', and job '${jobName}' is outside it: only jobs named '${rec.folder}/...' may use it`);
    }
    await ctx.folders.require(principal(req), ['credentials.use'], rec.folder, `using credential '${rec.id}' of folder '${rec.folder}' to clone job '${jobName}'`);
  };

  // A script's size (at most MAX_INLINE_SCRIPT_BYTES) is checked with a message that says so.
  const definitionOf = async (req: FastifyRequest, jobName: string, body: { script?: string; git?: Static<typeof S.GitSource> }): Promise<JobDefinition | null> => {
    if (body.script !== undefined && body.git !== undefined) throw new ApiError('invalid', 'give either script (an inline Jenkinsfile) or git (a repository), not both');
    if (body.script !== undefined) {
      checkScriptSize(body.script, 'the inline Jenkinsfile (script)');
      const loaded = await lintScript(ctx, body.script, jobName, principal(req));
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      if (errors.length > 0) {
        throw new ApiError('invalid-jenkinsfile', `the Jenkinsfile has ${errors.length} error(s):\n${errors.map((d) => `Jenkinsfile:${d.loc.start.line}:${d.loc.start.col}: ${d.message}`).join('\n')}`);
      }
      return { kind: 'inline', script: body.script };
    }
    if (body.git !== undefined) {
      checkRepoUrl(body.git.url);
      if (isControllerLocalRepo(body.git.url) && principal(req).role !== 'admin') {
        // The controller clones a job's repository as its own user: a path or file:// URL would let
        // a developer read any repository on the controller's disk (Jenkins' git plugin refuses
        // local checkouts on the controller for the same reason, SECURITY-2478).
        throw new ApiError('forbidden', `git.url '${body.git.url}' is a repository on the controller's own disk: only admins may make or change jobs from one (they can read anything the controller can); use a URL the repository is served at (https://, ssh://, git@host:path)`);
      }
      return { kind: 'git', url: body.git.url, branch: body.git.branch ?? 'main', path: body.git.path ?? 'Jenkinsfile', credentialsId: body.git.credentialsId ?? null };
    }
    return null;
  };

  // Summaries: an inline definition says its size, not its script (GET /api/v1/jobs/:job has it).
  api.get('/api/v1/jobs', { schema: { operationId: 'listJobs', tags: ['jobs'], response: answers({ 200: S.Answer({ jobs: Type.Array(ref(S.JobSummary)) }) }) } }, async () => {
    const jobs = await ctx.store.jobs.list();
    return { jobs: await Promise.all(jobs.map((j) => jobJson(ctx, j, true))) };
  });

  api.post('/api/v1/jobs', {
    schema: { operationId: 'createJob', tags: ['jobs'], body: S.JobCreateBody, response: answers({ 201: ref(S.Job) }) },
  }, async (req, reply) => {
    const body = req.body;
    await need(req, ['job.create'], body.name, `creating job '${body.name}'`);
    const definition = await definitionOf(req, body.name, body);
    if (!definition) throw new ApiError('invalid', 'a job needs a Jenkinsfile: give script (inline) or git: { url, branch, path }');
    await checkRepoCredential(req, body.name, definition);
    const job = await ctx.store.jobs.create({ name: body.name, description: body.description ?? '', definition, disabled: body.disabled ?? false });
    await ctx.store.folders.setConfigurer(job.id, principal(req).name);
    await audit(req, 'job.create', job.name, definition.kind === 'git' ? `Jenkinsfile from ${definition.url}` : 'inline Jenkinsfile');
    ctx.events.publish({ type: 'job', data: { name: job.name } });
    return reply.code(201).send(await jobJson(ctx, job));
  });

  api.get('/api/v1/jobs/:job', {
    schema: { operationId: 'getJob', tags: ['jobs'], params: S.JobParams, response: answers({ 200: ref(S.Job) }) },
  }, async (req) => jobJson(ctx, await needJob(ctx, req.params.job)));

  api.put('/api/v1/jobs/:job', {
    schema: { operationId: 'updateJob', tags: ['jobs'], summary: 'Changes what is given (a new name renames or moves it)', params: S.JobParams, body: S.JobUpdateBody, response: answers({ 200: ref(S.Job) }) },
  }, async (req) => {
    const body = req.body;
    const name = req.params.job;
    const moves = body.name !== undefined && folderOf(body.name) !== folderOf(name);
    await need(req, ['job.configure'], name, `changing job '${name}'`);
    if (moves) {
      await need(req, ['job.delete'], name, `moving job '${name}' out of its folder`);
      await need(req, ['job.create'], body.name!, `moving job '${name}' to '${body.name!}'`);
    }
    const job = await needJob(ctx, name);
    const definition = await definitionOf(req, body.name ?? job.name, body);
    await checkRepoCredential(req, body.name ?? job.name, definition ?? (moves ? job.definition : null));
    const updated = await ctx.store.jobs.update(job.name, {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.description !== undefined ? { description: body.description } : {}),
      ...(definition ? { definition } : {}),
      ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
    });
    // Whoever sets what it runs, or where it runs (which folder's credentials it sees), is who
    // its builds bind folder credentials as (auth/folders.ts).
    if (definition || moves) await ctx.store.folders.setConfigurer(updated.id, principal(req).name);
    await audit(req, 'job.update', job.name, Object.keys(body).join(', '));
    ctx.events.publish({ type: 'job', data: { name: updated.name } });
    if (updated.name !== job.name) ctx.events.publish({ type: 'job', data: { name: job.name, deleted: true } });
    return jobJson(ctx, updated);
  });

  api.delete('/api/v1/jobs/:job', {
    schema: { operationId: 'deleteJob', tags: ['jobs'], summary: 'Deletes a job with its builds', params: S.JobParams, response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    await need(req, ['job.delete'], req.params.job, `deleting job '${req.params.job}'`);
    const job = await needJob(ctx, req.params.job);
    for (const b of ctx.builds.live.values()) {
      if (b.job.id === job.id) throw new ApiError('conflict', `job '${job.name}' has a running build (#${b.number}); abort it first`);
    }
    const { builds } = await ctx.store.jobs.delete(job.name);
    await audit(req, 'job.delete', job.name, `${builds.length} build(s) removed`);
    ctx.events.publish({ type: 'job', data: { name: job.name, deleted: true } });
    for (const b of builds) await ctx.files.removeBuild(job.id, b.number);
    return reply.code(204).send();
  });

  // ---------------------------------------------------------------------------------------------
  // builds

  const buildParams = S.BuildParams;

  api.post('/api/v1/jobs/:job/builds', {
    schema: { operationId: 'startBuild', tags: ['builds'], params: S.JobParams, body: S.TriggerBody, response: answers({ 201: ref(S.Build) }) },
  }, async (req, reply) => {
    await need(req, ['job.build'], req.params.job, `building job '${req.params.job}'`);
    const job = await needJob(ctx, req.params.job);
    const body = req.body ?? {};
    const who = principal(req);
    const cause = who.via === 'admin-token'
      ? { type: 'api' as const, description: 'Started by an API call (the configured admin token)' }
      : { type: 'user' as const, description: `Started by user ${who.name}`, userId: who.name };
    const build = await ctx.builds.trigger(job.name, { params: body.params ?? {}, causes: [cause] });
    return reply.code(201).send(buildJson(ctx, build));
  });

  api.get('/api/v1/jobs/:job/builds', {
    schema: {
      operationId: 'listBuilds', tags: ['builds'], summary: 'Builds, newest first, a page at a time', params: S.JobParams,
      querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 25 })), cursor: Type.Optional(Type.String({ maxLength: 200, description: "the last page's next" })) }),
      response: answers({ 200: S.Answer({ builds: Type.Array(ref(S.Build)), next: S.Nullable(Type.String({ description: 'the cursor of the next (older) page; null at the end' })) }) }),
    },
  }, async (req) => {
    const job = await needJob(ctx, req.params.job);
    const q = req.query;
    const page = await ctx.store.builds.list(job.name, { limit: q.limit ?? 25, cursor: q.cursor ?? null });
    return { builds: page.builds.map((b) => buildJson(ctx, b)), next: page.next };
  });

  api.get('/api/v1/jobs/:job/trend', {
    schema: {
      operationId: 'getJobTrend', tags: ['builds'], summary: "The newest builds' results, times and test totals, the stage grid of the newest 20, and the last stable/successful/failed builds",
      params: S.JobParams, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_TREND, default: 50 })) }),
      response: answers({ 200: ref(S.JobTrend) }),
    },
  }, async (req) => jobTrend(ctx.store, (await needJob(ctx, req.params.job)).name, req.query.limit ?? 50));

  api.get('/api/v1/jobs/:job/builds/:number/tests/history', {
    schema: {
      operationId: 'getTestHistory', tags: ['builds'], summary: "This build's failing and flaky tests over the builds up to it: failing since, failed of ran",
      params: buildParams, querystring: Type.Object({ window: Type.Optional(Type.Integer({ minimum: 2, maximum: 100, default: 30 })) }),
      response: answers({ 200: ref(S.TestHistory) }),
    },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    return testHistory(ctx.store, b.job, b.number, req.query.window ?? 30);
  });

  api.get('/api/v1/jobs/:job/builds/:number', {
    schema: { operationId: 'getBuild', tags: ['builds'], params: buildParams, response: answers({ 200: ref(S.BuildDetail) }) },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    // Restart from Stage is offered for a finished declarative build of a job that allows it (restart.ts says the rest).
    const restartable = b.status === 'finished' && b.state?.declarativeStages !== undefined
      && await ctx.store.jobs.get(b.job).then((j) => j !== null && !j.disabled && j.options.disableRestartFromStage !== true);
    return { ...buildDetailJson(ctx, b), restartable };
  });

  api.post('/api/v1/jobs/:job/builds/:number/abort', {
    schema: {
      operationId: 'abortBuild', tags: ['builds'], summary: 'Aborts a running build, or cancels one waiting to start', params: buildParams,
      response: answers({ 202: S.Answer({ aborted: Type.Literal(true), message: Type.Optional(Type.String()) }) }),
    },
  }, async (req, reply) => {
    await need(req, ['job.build'], req.params.job, `aborting a build of '${req.params.job}'`);
    const b = await needBuild(ctx, req.params);
    if (await ctx.builds.cancelWaiting(b.id)) return reply.code(202).send({ aborted: true, message: 'cancelled before it started' });
    if (!ctx.builds.abort(b.id)) throw new ApiError('conflict', `${b.job} #${b.number} is not running (${b.status}${b.result ? `, ${b.result}` : ''})`);
    return reply.code(202).send({ aborted: true });
  });

  api.post('/api/v1/jobs/:job/builds/:number/replay', {
    schema: {
      operationId: 'replayBuild', tags: ['builds'], summary: 'Runs a build again with its parameters and commit (and a changed script, if given)',
      params: buildParams, body: S.ReplayBody, response: answers({ 201: ref(S.Build) }),
    },
  }, async (req, reply) => {
    const body = req.body ?? {};
    const jobName = req.params.job;
    // A replay with its own script runs what the replayer wrote: that is configuring the job (as
    // in Jenkins), and the build binds folder credentials with the replayer's rights too.
    // Changed library files are changed code too: the same rights as a changed script.
    const libs = body.libraries !== undefined && Object.keys(body.libraries).length > 0 ? body.libraries : undefined;
    const ownCode = body.script !== undefined || libs !== undefined;
    await need(req, ownCode ? ['job.build', 'job.configure'] : ['job.build'], jobName, `replaying a build of '${jobName}'${ownCode ? ' with changed code' : ''}`);
    if (body.script !== undefined) checkScriptSize(body.script, 'the Jenkinsfile to replay');
    if (libs) {
      for (const [name, files] of Object.entries(libs)) {
        for (const p of Object.keys(files)) {
          const problem = replayPathProblem(p);
          if (problem) throw new ApiError('invalid', `libraries.${name}: ${problem}`, { field: `libraries.${name}` });
        }
      }
      checkScriptSize(Object.values(libs).flatMap((f) => Object.values(f)).join('\n'), 'the changed library files');
    }
    const b = await needBuild(ctx, req.params);
    const job = await needJob(ctx, jobName);
    const script = body.script ?? (job.definition.kind === 'inline' ? job.definition.script : undefined);
    const changed = libs !== undefined || (body.script !== undefined && !(job.definition.kind === 'inline' && job.definition.script === body.script));
    const build = await ctx.builds.trigger(job.name, {
      params: b.params, scm: b.scm, ...(script !== undefined ? { script } : {}), ...(changed ? { replayedBy: { user: principal(req).name, via: 'replay' as const } } : {}),
      ...(libs ? { libraryFiles: libs } : {}),
      causes: [{ type: 'replay', description: `Replayed #${b.number}`, upstreamJob: b.job, upstreamBuild: b.number }],
    });
    return reply.code(201).send(buildJson(ctx, build));
  });

  // Restart from Stage (restart.ts): the stages a finished declarative build may restart at, and a restart.
  api.get('/api/v1/jobs/:job/builds/:number/restart', {
    schema: {
      operationId: 'getRestartStages', tags: ['builds'], summary: 'The top-level stages a finished declarative build may be restarted at, or why it cannot be',
      params: buildParams, response: answers({ 200: ref(S.RestartInfo) }),
    },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    const job = await needJob(ctx, req.params.job);
    return restartInfo(job, b, await readRunInfo(ctx.files.dir(job.id, b.number)).catch(() => null));
  });

  api.post('/api/v1/jobs/:job/builds/:number/restart', {
    schema: {
      operationId: 'restartBuild', tags: ['builds'], summary: 'Runs a finished declarative build again as a new build from one of its top-level stages (the earlier ones skipped)',
      params: buildParams, body: S.RestartBody, response: answers({ 201: ref(S.Build) }),
    },
  }, async (req, reply) => {
    const jobName = req.params.job;
    await need(req, ['job.build'], jobName, `restarting a build of '${jobName}' from a stage`);
    const b = await needBuild(ctx, req.params);
    const job = await needJob(ctx, jobName);
    const kept = await readRunInfo(ctx.files.dir(job.id, b.number)).catch(() => null);
    const info = restartInfo(job, b, kept);
    if (info.refused !== null || kept === null) throw new ApiError('conflict', info.refused ?? 'no run.json');
    const problem = stageProblem(b, info, req.body.stage);
    if (problem !== null) throw new ApiError('invalid', problem, { field: 'stage' });
    const stage = req.body.stage;
    const who = principal(req);
    const by = who.via === 'admin-token'
      ? { type: 'api' as const, description: 'Started by an API call (the configured admin token)' }
      : { type: 'user' as const, description: `Started by user ${who.name}`, userId: who.name };
    const build = await ctx.builds.trigger(job.name, {
      params: b.params, scm: b.scm, script: kept.script, ...(kept.replayedBy ? { replayedBy: kept.replayedBy } : {}),
      restart: { from: b.number, stage, scmFiles: kept.scmFiles },
      causes: [by, { type: 'restart', description: `Restarted from build #${b.number}, stage ${stage}`, upstreamJob: b.job, upstreamBuild: b.number, stage }],
    });
    return reply.code(201).send(buildJson(ctx, build));
  });

  // The files of the libraries a build loaded, to change for a replay (at the commit it used).
  api.get('/api/v1/jobs/:job/builds/:number/libraries', {
    schema: {
      operationId: 'getBuildLibraries', tags: ['builds'], summary: "The vars/ and src/ files of the shared libraries the build loaded, at the commits it used (for Replay)",
      params: buildParams, response: answers({ 200: ref(S.BuildLibraries) }),
    },
  }, async (req) => {
    await need(req, ['job.configure'], req.params.job, `reading the library code of a build of '${req.params.job}'`);
    const b = await needBuild(ctx, req.params);
    const state = ctx.builds.live.get(b.id)?.state ?? b.state ?? null;
    const out: Static<typeof S.BuildLibraries>['libraries'] = [];
    for (const l of state?.libraries ?? []) {
      const c = ctx.buildLibraryFiles ? await ctx.buildLibraryFiles(b.job, l) : null;
      if (c) out.push({ name: l.name, version: l.version, commit: l.commit, files: c });
    }
    return { libraries: out };
  });

  api.get('/api/v1/jobs/:job/builds/:number/stages', {
    schema: { operationId: 'getStages', tags: ['builds'], params: buildParams, response: answers({ 200: S.Answer({ stages: Type.Array(ref(S.StageNode)) }) }) },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    return { stages: stageTree(liveState(ctx, b)?.stages ?? []) };
  });

  api.get('/api/v1/jobs/:job/builds/:number/console', {
    schema: {
      operationId: 'getConsole', tags: ['builds'],
      summary: 'The console bytes: all, ?start&end, or one Range (206); X-Log-Size and X-Log-Complete say how far the log is',
      params: buildParams,
      querystring: Type.Object({ start: Type.Optional(Type.Integer({ minimum: 0 })), end: Type.Optional(Type.Integer({ minimum: 0 })) }),
      response: answers({ 200: text('text/plain', 'the console bytes'), 206: text('text/plain', 'the range asked for') }),
    },
  }, async (req, reply) => {
    const b = await needBuild(ctx, req.params);
    const log = logRef(b.jobId, b.number);
    const size = await ctx.logs.size(log);
    const q = req.query;
    let start = q.start ?? 0;
    let end = Math.min(q.end ?? size, size);
    let status = 200;
    const range = req.headers.range;
    if (range) {
      const m = /^bytes=(\d*)-(\d*)$/.exec(range);
      if (!m || (m[1] === '' && m[2] === '')) throw new ApiError('bad-range', `unsupported Range '${range}'`, { headers: { 'content-range': `bytes */${size}` } });
      if (m[1] === '') { start = Math.max(0, size - Number(m[2])); end = size; } else { start = Number(m[1]); end = m[2] === '' ? size : Math.min(size, Number(m[2]) + 1); }
      if (start >= size && size > 0) throw new ApiError('bad-range', `the log has ${size} bytes`, { headers: { 'content-range': `bytes */${size}` } });
      status = 206;
      reply.header('content-range', `bytes ${start}-${Math.max(start, end - 1)}/${size}`);
    }
    if (end < start) end = start;
    reply.code(status).type('text/plain; charset=utf-8').header('x-log-size', String(size)).header('x-log-complete', String(b.status === 'finished')).header('accept-ranges', 'bytes');
    if (end === start) return reply.send('');
    return reply.send(Readable.from(ctx.logs.read(log, start, end)));
  });

  // Where stages and steps start and end in the console (byte offsets), for folding in the UI.
  api.get('/api/v1/jobs/:job/builds/:number/console/sections', {
    schema: { operationId: 'getConsoleSections', tags: ['builds'], params: buildParams, response: answers({ 200: S.Answer({ sections: Type.Array(ref(S.ConsoleSection)) }) }) },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    return { sections: (await ctx.logs.sections(logRef(b.jobId, b.number))).filter((s): s is typeof s & { kind: Exclude<typeof s.kind, 'output' | 'time'> } => s.kind !== 'output' && s.kind !== 'time') };
  });

  // How many newlines each whole 64 KiB block of the console holds: the UI's line numbers (logstore.ts newlines).
  api.get('/api/v1/jobs/:job/builds/:number/console/newlines', {
    schema: { operationId: 'getConsoleNewlines', tags: ['builds'], params: buildParams, response: answers({ 200: S.Answer({ block: Type.Integer({ description: 'bytes per block' }), counts: Type.Array(Type.Integer(), { description: 'newlines in each whole block from the start, in order' }) }) }) },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    return { block: NEWLINE_BLOCK, counts: await ctx.logs.newlines(logRef(b.jobId, b.number)) };
  });

  // When the console's bytes arrived (at most one entry a second), for each line's time in the UI.
  api.get('/api/v1/jobs/:job/builds/:number/console/times', {
    schema: { operationId: 'getConsoleTimes', tags: ['builds'], params: buildParams, response: answers({ 200: S.Answer({ times: Type.Array(ref(S.ConsoleTime)) }) }) },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    return { times: await ctx.logs.times(logRef(b.jobId, b.number)) };
  });

  api.get('/api/v1/jobs/:job/builds/:number/console/stream', {
    schema: {
      operationId: 'streamConsole', tags: ['builds'], params: buildParams,
      summary: 'Server-sent events: `log` (the text, id = the byte offset after it) until `end` ({ status, result, size }); Last-Event-ID resumes',
      querystring: Type.Object({ from: Type.Optional(Type.Integer({ minimum: 0, description: 'the byte offset to start from' })) }),
      response: answers({ 200: text('text/event-stream', 'the console as it grows') }),
    },
  }, async (req, reply) => {
    const b = await needBuild(ctx, req.params);
    const lastId = Number(req.headers['last-event-id']);
    const from = Number.isInteger(lastId) && lastId >= 0 ? lastId : req.query.from ?? 0;
    const ac = new AbortController();
    req.raw.on('close', () => ac.abort());
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write(': kiln console stream\n\n');
    let offset = from;
    const decoder = new TextDecoder('utf-8');
    try {
      for await (const chunk of ctx.logs.follow(logRef(b.jobId, b.number), from, { signal: ac.signal })) {
        offset += chunk.length;
        const text = decoder.decode(chunk, { stream: true });
        if (text) res.write(`id: ${offset}\nevent: log\ndata: ${JSON.stringify(text)}\n\n`);
      }
      const rest = decoder.decode();
      if (rest) res.write(`id: ${offset}\nevent: log\ndata: ${JSON.stringify(rest)}\n\n`);
      // The log ends a moment before the build is recorded as finished: wait for that.
      await ctx.builds.live.get(b.id)?.done;
      const done = await ctx.store.builds.get(b.id);
      res.write(`event: end\ndata: ${JSON.stringify({ status: done?.status ?? 'finished', result: done?.result ?? null, size: offset })}\n\n`);
    } catch (err) {
      if (!ac.signal.aborted) res.write(`event: error\ndata: ${JSON.stringify({ message: (err as Error).message })}\n\n`);
    } finally {
      res.end();
    }
  });

  api.get('/api/v1/jobs/:job/builds/:number/inputs', {
    schema: { operationId: 'listInputs', tags: ['builds'], summary: 'The input steps waiting for an answer', params: buildParams, response: answers({ 200: S.Answer({ inputs: Type.Array(ref(S.PendingInput)) }) }) },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    return { inputs: shownInputs(ctx.builds.live.get(b.id)?.run?.pendingInputs()) };
  });

  api.post('/api/v1/jobs/:job/builds/:number/inputs/:id', {
    schema: {
      operationId: 'answerInput', tags: ['builds'], summary: "Approves (with the input's parameters) or rejects a waiting input step",
      params: Type.Object({ job: Type.String(), number: Type.Integer({ minimum: 1 }), id: Type.String({ maxLength: 200 }) }),
      body: S.InputAnswerBody,
      response: answers({ 200: S.Answer({ answered: Type.Literal(true) }) }),
    },
  }, async (req) => {
    // job.build in the job's folder; or, as in Jenkins, being named in the input's submitter list.
    const refused = await need(req, ['job.build'], req.params.job, `answering an input of '${req.params.job}'`).then(() => null, (e: unknown) => e);
    const b = await needBuild(ctx, req.params).catch((e: unknown) => { throw refused ?? e; });
    const { id } = req.params;
    const body = req.body;
    const run = ctx.builds.live.get(b.id)?.run;
    const pending = run?.pendingInputs().find((p) => p.id === id);
    const who = principal(req);
    const user = who.name;
    if (refused && !(pending?.submitter ?? '').split(',').map((x) => x.trim()).includes(user)) throw refused;
    if (!run || !pending) throw notFound(`${b.job} #${b.number} has no input '${id}' waiting`);
    // Only the listed submitters may answer (users, comma-separated), as in Jenkins; admins may always.
    if (pending.submitter && who.role !== 'admin') {
      const allowed = pending.submitter.split(',').map((x) => x.trim()).filter(Boolean);
      if (!allowed.includes(user)) throw new ApiError('forbidden', `input '${id}' may only be answered by ${allowed.join(', ')}; '${user}' may not`);
    }
    const values: Record<string, string | boolean | number> = {};
    for (const p of pending.parameters) {
      const v = body.params?.[p.name];
      values[p.name] = v ?? (p.defaultValue === null ? '' : (p.defaultValue as string | boolean | number));
    }
    for (const k of Object.keys(body.params ?? {})) {
      if (!pending.parameters.some((p) => p.name === k)) throw new ApiError('invalid', `input '${id}' has no parameter '${k}'`);
    }
    run.answerInput(id, body.action === 'approve' ? { approved: true, submitter: user, values } : { approved: false, submitter: user });
    return { answered: true as const };
  });

  // An input's Active Choices parameter asked again (the form's referenced values in the query):
  // who may answer the input may ask, as for answering it.
  api.get('/api/v1/jobs/:job/builds/:number/inputs/:id/parameters/:name/choices', {
    schema: {
      operationId: 'listInputActiveChoices', tags: ['builds'],
      summary: "A waiting input's Active Choices parameter: its Groovy script run sandboxed with the referenced parameters' values given in the query (?ENV=prod)",
      params: Type.Object({ job: Type.String(), number: Type.Integer({ minimum: 1 }), id: Type.String({ maxLength: 200 }), name: Type.String({ minLength: 1, maxLength: 255 }) }),
      response: answers({ 200: S.Answer({
        values: Type.Array(Type.String()), labels: Type.Array(Type.String()), selected: Type.Array(Type.String()), disabled: Type.Array(Type.String()),
        html: Type.Union([Type.String(), Type.Null()]), fallback: Type.Boolean(), error: Type.Union([Type.String(), Type.Null()]),
      }) }),
    },
  }, async (req) => {
    const refused = await need(req, ['job.build'], req.params.job, `asking an input of '${req.params.job}'`).then(() => null, (e: unknown) => e);
    const b = await needBuild(ctx, req.params).catch((e: unknown) => { throw refused ?? e; });
    const pending = ctx.builds.live.get(b.id)?.run?.pendingInputs().find((p) => p.id === req.params.id);
    if (refused && !(pending?.submitter ?? '').split(',').map((x) => x.trim()).includes(principal(req).name)) throw refused;
    if (!pending) throw notFound(`${b.job} #${b.number} has no input '${req.params.id}' waiting`);
    const p = pending.parameters.find((x) => x.name === req.params.name);
    if (!p) throw notFound(`input '${pending.id}' has no parameter '${req.params.name}'`);
    if (!p.activeChoice) throw new ApiError('invalid', `parameter '${p.name}' of input '${pending.id}' is a ${p.type} parameter, not an Active Choices parameter`);
    return inputChoices(p.activeChoice, req.query);
  });

  api.get('/api/v1/jobs/:job/builds/:number/artifacts', {
    schema: { operationId: 'listArtifacts', tags: ['builds'], params: buildParams, response: answers({ 200: S.Answer({ artifacts: Type.Array(ref(S.Artifact)) }) }) },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    return { artifacts: await ctx.store.artifacts.list(b.id) };
  });

  api.get('/api/v1/jobs/:job/builds/:number/artifacts/*', {
    schema: {
      operationId: 'getArtifact', tags: ['builds'], summary: 'An artifact\'s bytes, or one Range of them (206)',
      params: Type.Object({ job: Type.String(), number: Type.Integer({ minimum: 1 }), '*': Type.String({ description: 'the artifact\'s path' }) }),
      response: answers({ 200: text('application/octet-stream', 'the file'), 206: text('application/octet-stream', 'the range asked for') }),
    },
  }, async (req, reply) => {
    const b = await needBuild(ctx, req.params);
    const rel = req.params['*'];
    const meta = await ctx.store.artifacts.get(b.id, rel);
    const job = await needJob(ctx, req.params.job);
    const file = meta ? ctx.files.artifactPath(job.id, b.number, rel) : null;
    if (!meta || !file) throw notFound(`${b.job} #${b.number} has no artifact '${rel}'`);
    await fsp.access(file).catch(() => { throw notFound(`the artifact '${rel}' of ${b.job} #${b.number} was removed`); });
    // Streamed from disk (never whole in memory); one byte range (`Range: bytes=a-b`) for resumed downloads.
    reply.type('application/octet-stream').header('accept-ranges', 'bytes')
      .header('content-disposition', contentDisposition(rel.split('/').pop() ?? 'artifact'));
    const range = byteRange(req.headers.range, meta.size);
    if (range === 'unsatisfiable') {
      throw new ApiError('bad-range', `the artifact '${rel}' has ${meta.size} bytes: Range '${req.headers.range ?? ''}' starts past its end`, { headers: { 'content-range': `bytes */${meta.size}` } });
    }
    if (range) {
      return reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${meta.size}`)
        .header('content-length', String(range.end - range.start + 1)).send(createReadStream(file, range));
    }
    return reply.header('content-length', String(meta.size)).send(createReadStream(file));
  });

  api.get('/api/v1/jobs/:job/builds/:number/tests', {
    schema: { operationId: 'getTestReport', tags: ['builds'], summary: "The build's test results (junit), all zero when it recorded none", params: buildParams, response: answers({ 200: ref(S.TestReport) }) },
  }, async (req) => {
    const b = await needBuild(ctx, req.params);
    const report = await ctx.store.tests.get(b.id);
    return report ?? { total: 0, failed: 0, errors: 0, skipped: 0, passed: 0, cases: [] };
  });
  api.get('/api/v1/jobs/:job/builds/:number/issues', {
    schema: {
      operationId: 'getBuildIssues', tags: ['builds'], summary: "The build's static analysis results (recordIssues): counts by severity and by result, new/fixed/outstanding, and a page of issues",
      params: buildParams, querystring: S.IssuesQuery, response: answers({ 200: ref(S.IssuesAnswer) }),
    },
  }, async (req) => issuesAnswer(await ctx.store.issues.list((await needBuild(ctx, req.params)).id), req.query));

  // ---------------------------------------------------------------------------------------------
  // queue and agents

  api.get('/api/v1/queue', {
    schema: { operationId: 'getQueue', tags: ['queue'], response: answers({ 200: S.Answer({ items: Type.Array(ref(S.QueueItem)) }) }) },
  }, async () => ({ items: ctx.queue.list() }));
  api.delete('/api/v1/queue/:id', {
    schema: {
      operationId: 'cancelQueueItem', tags: ['queue'], summary: 'Cancels what waits (a build that has not started ends NOT_BUILT)',
      params: Type.Object({ id: Type.String({ maxLength: 200 }) }), response: answers({ 204: S.NoContent }),
    },
  }, async (req, reply) => {
    const { id } = req.params;
    const item = ctx.queue.list().find((i) => i.id === id);
    if (item) await need(req, ['job.build'], item.job, `cancelling a queued build of '${item.job}'`);
    if (!(await ctx.queue.cancel(id))) throw notFound(`nothing in the queue with id '${id}'`);
    return reply.code(204).send();
  });

  const agentName = S.AgentParams;
  // The connect command holds the agent's secret: only admins see it.
  const shown = (req: FastifyRequest, a: AgentInfo): AgentInfo =>
    principal(req).role === 'admin' ? a : { ...a, command: a.command.replace(/--secret \S+/, "--secret '<secret: admins only>'") };
  // builtIn: the controller's own executors; the warning about them (builds there can read its secrets) is for admins.
  api.get('/api/v1/agents', {
    schema: {
      operationId: 'listAgents', tags: ['agents'],
      response: answers({
        200: S.Answer({
          agents: Type.Array(ref(S.Agent)),
          builtIn: S.Answer({ executors: Type.Integer(), busyExecutors: Type.Integer(), warning: S.Nullable(Type.String({ description: "admins: why builds on the controller's own executors can read its secrets" })) }, { description: "the controller's own executors" }),
        }),
      }),
    },
  }, async (req) => {
    const b = ctx.agents.builtIn?.() ?? { executors: 0, busyExecutors: 0, warning: null };
    return {
      agents: (await ctx.agents.list()).map((a) => shown(req, a)),
      builtIn: { ...b, warning: principal(req).role === 'admin' ? b.warning : null },
    };
  });
  api.post('/api/v1/agents', {
    schema: { operationId: 'createAgent', tags: ['agents'], body: S.AgentCreateBody, response: answers({ 201: ref(S.Agent) }) },
  }, async (req, reply) => {
    const body = req.body;
    const a = await ctx.agents.create({
      name: body.name, labels: body.labels ?? [], executors: body.executors ?? 1, description: body.description ?? '',
      ...(body.launcher !== undefined ? { launcher: body.launcher } : {}), ...(body.workdir !== undefined ? { workdir: body.workdir } : {}),
    });
    await audit(req, 'agent.create', a.name, `${a.launcher}, ${a.executors} executor(s)`);
    return reply.code(201).send(a);
  });
  api.get('/api/v1/agents/:name', {
    schema: { operationId: 'getAgent', tags: ['agents'], params: agentName, response: answers({ 200: ref(S.Agent) }) },
  }, async (req) => {
    const a = await ctx.agents.get(req.params.name);
    if (!a) throw notFound(`no agent named '${req.params.name}'`);
    return shown(req, a);
  });
  // Changes only what is given. `launcher` fields merge into the current launcher (null
  // removes one: `{ "launcher": { "pinnedHostKey": null } }` forgets a pinned host key); a
  // changed launcher or workdir relaunches an SSH agent (409 while it runs builds).
  api.put('/api/v1/agents/:name', {
    schema: { operationId: 'updateAgent', tags: ['agents'], summary: 'Changes what is given', params: agentName, body: S.AgentUpdateBody, response: answers({ 200: ref(S.Agent) }) },
  }, async (req) => {
    const name = req.params.name;
    const a = await ctx.agents.update(name, req.body);
    if (!a) throw notFound(`no agent named '${name}'`);
    await audit(req, 'agent.update', name, Object.keys(req.body).join(', '));
    return a;
  });
  api.get('/api/v1/agents/:name/log', {
    schema: { operationId: 'getAgentLog', tags: ['agents'], summary: "An SSH agent's launch log (empty for inbound agents)", params: agentName, response: answers({ 200: S.Answer({ lines: Type.Array(Type.String()) }) }) },
  }, async (req) => {
    const lines = await ctx.agents.launchLog(req.params.name);
    if (!lines) throw notFound(`no agent named '${req.params.name}'`);
    return { lines };
  });
  api.delete('/api/v1/agents/:name', {
    schema: { operationId: 'deleteAgent', tags: ['agents'], params: agentName, response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    const name = req.params.name;
    if (!(await ctx.agents.remove(name))) throw notFound(`no agent named '${name}'`);
    await audit(req, 'agent.delete', name);
    return reply.code(204).send();
  });

  return app;
}

// ---------------------------------------------------------------------------------------------
// helpers

/** `attachment` with an ASCII fallback name and the real one as RFC 5987 UTF-8 (headers are Latin-1 only). */
export function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

async function needJob(ctx: HttpContext, name: string): Promise<Job> {
  const job = await ctx.store.jobs.get(name);
  if (!job) throw notFound(`no job named '${name}'`);
  return job;
}

/** The answer of GET .../issues: every result's counts, and the page of issues the query selects. */
function issuesAnswer(records: IssuesRecord[], q: Static<typeof S.IssuesQuery>): Static<typeof S.IssuesAnswer> {
  const bySeverity = (list: { severity: IssueSeverity }[]) => {
    const c = { ERROR: 0, HIGH: 0, NORMAL: 0, LOW: 0 };
    for (const i of list) c[i.severity]++;
    return c;
  };
  const state = q.state ?? 'current';
  const selected = records.filter((r) => q.result === undefined || r.id === q.result);
  const all = selected.flatMap((r) => [
    ...r.issues.map((i) => ({ ...i, result: r.id })),
    ...r.fixed.map((i) => ({ ...i, result: r.id, state: 'fixed' as const })),
  ]).filter((i) => (state === 'all' || (state === 'current' ? i.state !== 'fixed' : i.state === state)) && (q.severity === undefined || i.severity === q.severity));
  const offset = q.offset ?? 0;
  const limit = q.limit ?? 100;
  const results = records.map((r) => {
    const fresh = r.issues.filter((i) => i.state === 'new').length;
    return {
      id: r.id, name: r.name, tools: r.tools, total: r.issues.length, new: fresh, fixed: r.fixed.length, outstanding: r.issues.length - fresh,
      bySeverity: bySeverity(r.issues), qualityGate: r.qualityGate, gates: r.gates, reference: r.reference, errors: r.errors,
    };
  });
  const sum = (k: 'total' | 'new' | 'fixed' | 'outstanding') => results.reduce((n, r) => n + r[k], 0);
  return {
    totals: { total: sum('total'), new: sum('new'), fixed: sum('fixed'), outstanding: sum('outstanding'), bySeverity: bySeverity(records.flatMap((r) => r.issues)) },
    results,
    issues: all.slice(offset, offset + limit).map((i) => ({
      result: i.result, tool: i.tool, file: i.file, line: i.line, lineEnd: i.lineEnd, column: i.column, severity: i.severity,
      category: i.category, type: i.type, message: i.message, state: i.state,
    })),
    count: all.length, offset, limit,
  };
}

async function needBuild(ctx: HttpContext, { job, number }: { job: string; number: number }): Promise<Build> {
  const b = await ctx.store.builds.getByNumber(job, number);
  if (!b) {
    if (!(await ctx.store.jobs.get(job))) throw notFound(`no job named '${job}'`);
    throw notFound(`${job} has no build #${number}`);
  }
  return b;
}

function liveState(ctx: HttpContext, b: Build) {
  return ctx.builds.live.get(b.id)?.state ?? b.state;
}

function jobUrl(ctx: HttpContext, name: string): string {
  return `${ctx.publicUrl}api/v1/jobs/${encodeURIComponent(name)}`;
}

/** A job as the API shows it; `summary` (lists) gives an inline definition's size instead of its script. */
async function jobJson(ctx: HttpContext, j: Job): Promise<Static<typeof S.Job>>;
async function jobJson(ctx: HttpContext, j: Job, summary: true): Promise<Static<typeof S.JobSummary>>;
async function jobJson(ctx: HttpContext, j: Job, summary = false): Promise<Static<typeof S.Job> | Static<typeof S.JobSummary>> {
  const last = await ctx.store.builds.latestSummary(j.name);
  const rest = {
    parameters: j.parameters, disabled: j.disabled, nextBuildNumber: j.nextBuildNumber, url: jobUrl(ctx, j.name),
    lastBuild: last ? { number: last.number, status: last.status, result: last.result, startedAt: last.startedAt, endedAt: last.endedAt } : null,
    createdAt: j.createdAt, updatedAt: j.updatedAt,
  };
  if (summary && j.definition.kind === 'inline') {
    return { name: j.name, description: j.description, definition: { kind: 'inline', scriptBytes: Buffer.byteLength(j.definition.script, 'utf8') }, ...rest };
  }
  return { name: j.name, description: j.description, definition: j.definition, ...rest };
}

function buildJson(ctx: HttpContext, b: Omit<Build, 'state'> & { state?: Build['state'] }): Static<typeof S.Build> {
  const live = ctx.builds.live.get(b.id);
  const state = live?.state ?? b.state ?? null;
  return {
    job: b.job, number: b.number, id: b.id, status: live?.run ? (state?.status === 'paused' ? 'paused' : 'running') : b.status,
    result: b.result, currentResult: state?.currentResult ?? null, params: b.params, causes: b.causes.map(({ log: _printed, ...c }) => c), scm: b.scm, node: b.node, message: b.message,
    queuedAt: b.queuedAt, startedAt: b.startedAt, endedAt: b.endedAt,
    durationMs: b.startedAt ? (b.endedAt ?? Date.now()) - b.startedAt : null,
    url: `${jobUrl(ctx, b.job)}/builds/${b.number}`,
  };
}

/** Waiting inputs as the API shows them: an Active Choices parameter's options (its script) stay on the controller. */
function shownInputs(inputs: readonly PendingInput[] | undefined): PendingInput[] {
  return (inputs ?? []).map((i) => ({ ...i, parameters: i.parameters.map(({ activeChoice: _, ...p }) => p) }));
}

/** A build with its stage tree, waiting inputs and description. */
function buildDetailJson(ctx: HttpContext, b: Build): Omit<Static<typeof S.BuildDetail>, 'restartable'> {
  const live = ctx.builds.live.get(b.id);
  const state = live?.state ?? b.state ?? null;
  return {
    ...buildJson(ctx, b), stages: stageTree(state?.stages ?? []), inputs: shownInputs(live?.run?.pendingInputs()), description: state?.description ?? null,
    libraries: (state?.libraries ?? []).map((l) => ({ name: l.name, version: l.version, commit: l.commit })),
    badges: state?.badges ?? [],
    restartedFrom: ((r) => r ? { number: r.from, stage: r.stage } : null)(restartOf(b)),
  };
}

type StageNode = Static<typeof S.StageNode>;

/** The stage graph: stages nested under their parents, in the order they started. */
export function stageTree(stages: StageRecord[]): StageNode[] {
  const nodes = new Map<string, StageNode>();
  for (const s of stages) nodes.set(s.id, { ...s, durationMs: s.startedAt !== null && s.endedAt !== null ? s.endedAt - s.startedAt : null, children: [] });
  const roots: StageNode[] = [];
  for (const n of nodes.values()) {
    const parent = n.parentId ? nodes.get(n.parentId) : undefined;
    (parent ? parent.children : roots).push(n);
  }
  return roots;
}

/**
 * The answer to a request Node's HTTP parser refuses (a raw non-ASCII byte in the path, a broken
 * header, headers too large). Fastify's default writes a JSON body even to a HEAD request, which
 * breaks the client's framing; this one says the same, with the security headers, a body only
 * when the request was not HEAD, and closes the connection.
 */
function answerMalformedRequest(err: Error & { code?: string; rawPacket?: unknown }, socket: import('node:net').Socket): void {
  if (!socket.writable || err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [e, text] = err.code === 'HPE_HEADER_OVERFLOW' ? [new ApiError('headers-too-large', 'the request headers are too large'), 'Request Header Fields Too Large']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [new ApiError('request-timeout', 'the request did not arrive in time'), 'Request Timeout']
      : [new ApiError('bad-request', `malformed HTTP request (${err.code ?? 'unreadable'}): paths and headers must be ASCII, with non-ASCII characters percent-encoded`), 'Bad Request'];
  const head = Buffer.isBuffer(err.rawPacket) && err.rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
  const body = head ? '' : JSON.stringify(errorBody(e));
  const headers = Object.entries(SECURITY_HEADERS).map(([k, v]) => `${k}: ${v}\r\n`).join('');
  socket.end(`HTTP/1.1 ${e.status} ${text}\r\n${headers}content-type: application/json; charset=utf-8\r\ncontent-length: ${head ? 0 : Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** A repository URL that names a path on the controller's own file system. */
function isControllerLocalRepo(url: string): boolean {
  return url.startsWith('/') || /^file:/i.test(url);
}

/** Repository URLs the controller clones: http(s), ssh, git, file, or an absolute local path. */
function checkRepoUrl(url: string): void {
  if (url.startsWith('-')) throw invalidField('git.url', `'${url}' is not a repository URL`);
  if (/^(https?|ssh|git|file):\/\//.test(url) || /^[\w.-]+@[\w.-]+:/.test(url) || url.startsWith('/')) return;
  throw invalidField('git.url', `'${url}' is not a repository URL (use https://, ssh://, git@host:path, file:// or an absolute path)`);
}


/**
 * The one byte range of a `Range: bytes=...` header within `size` bytes (`a-b`, `a-`, `-n`);
 * null to send the whole file (no header, several ranges, or another unit), 'unsatisfiable'
 * when it starts past the end.
 */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | null | 'unsatisfiable' {
  const m = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (end < start && m[2] !== '') return null;
  }
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
