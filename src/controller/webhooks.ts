// Webhooks: a push to a repository starts the jobs that build it.
//
//   POST /api/v1/webhooks/generic   { "repository": URL, "branch": NAME, "commit"?: SHA, "params"?: {..} }
//   POST /api/v1/webhooks/github    GitHub push event   (X-GitHub-Event: push | ping | pull_request | issue_comment | ...)
//   POST /api/v1/webhooks/gitlab    GitLab push event   (X-Gitlab-Event: Push Hook | Merge Request Hook | Note Hook | ...)
//
// Jobs with a `githubPullRequests(...)` trigger (github-pr-trigger.ts) are the GitHub Integration
// plugin's: GitHub's pull_request and issue_comment deliveries build them as its events say, on the
// pull request's head commit, with its GITHUB_PR_* variables, when the delivery is signed with the
// webhook secret (or sent by a user who may build the job); abortRunning / cancelQueued stop the
// job's earlier builds of the same pull request. Other jobs ignore those events.
//
// Jobs with a `gitlab(...)` trigger (gitlab-trigger.ts) are the GitLab plugin's: GitLab's Push Hook,
// Merge Request Hook and Note Hook (a comment on a merge request) build them as its parameters say (branch filters, merge request actions,
// the trigger's secretToken vouching for the hook as the webhook secret does), on the hook's
// branch and commit, with the plugin's gitlab* variables. Other jobs are built by pushes only, as
// below.
//
// Every enabled job whose Jenkinsfile comes from git (definition kind 'git') with the pushed
// repository and branch gets a build, with the commit recorded on it (build.scm), so that the
// build reads its Jenkinsfile from that commit and `checkout scm` checks that commit out.
// Repository URLs match loosely, like the Jenkins git plugin's notifyCommit: scheme, user,
// port, a trailing `/` or `.git` and the host's case do not matter, so `git@host:a/b.git`,
// `ssh://git@host/a/b` and `https://host/a/b` are one repository; a local path and its
// file:// URL are one too. A job needs no `githubPush()` trigger: a matching repository and
// branch are enough.
//
// Answers: 200 `{ "triggered": [{ "job", "number" }], "ignored"?: reason, "failed"?: [...] }`;
// a GitHub ping: 200 `{ "pong": true }`; events that are not pushes: 202 with `ignored`.
// A branch deletion or a tag push starts nothing (200, `ignored` says why). Bad bodies: 400
// naming the field; a content type other than JSON (GitHub's form encoding is accepted on the
// GitHub route): 415; bodies over 1 MB: 413. Errors are `{ "error": { "code", "message" } }`
// as in the rest of the API.
//
// Who may pick what gets built. A push names a repository and a branch, and may name a commit
// (GitHub's `after`, GitLab's `checkout_sha`, the generic hook's `commit`) and parameters (the
// generic hook's `params`). Building a named commit with named parameters runs whatever that
// commit's Jenkinsfile does, with the job's credentials: only a sender Kiln can trust may ask
// for that. So each matching job is handled by who sent the push:
//
//   signed      the request proves it knows the webhook secret (below): the named commit (or
//               the branch's tip when none is named) is built with the named parameters.
//   user        no signature, but the request is authenticated as a user (API token, or a
//               session with its CSRF token) who may build that job (the role that
//               POST /api/v1/jobs/:job/builds needs, and job.build in the job's folder where
//               it has grants: auth/folders.ts): the same, the user named in the cause. A
//               commit it names is a script that user chose (any commit the repository holds,
//               a fork's pull request too), so the build binds folder credentials only if that
//               user holds credentials.use there too, as a replay with a changed script.
//   anyone else (unsigned and anonymous, or a user who may not build the job): Kiln only looks
//               at the branch, as pollSCM does (`git ls-remote` of the job's own repository
//               and branch, TriggerScheduler.pollNow): a build of the branch's real tip with
//               default parameters when it moved since the job's last build, else nothing.
//               The commit and parameters the push named are ignored, and the answer says so
//               (`unsigned`). This is Jenkins' notifyCommit: without its token a named sha1 is
//               not built, at most the branch is polled.
//
// The answer: 200 `{ "triggered": [{ "job", "number" }], "unchanged"?: [{ "job", "commit" }],
// "unsigned"?: note, "ignored"?: reason, "failed"?: [{ "job", "message" }] }` (an unchanged
// branch's commit is told to users only, null for anyone else).
//
// The secret. `webhookSecret` (KILN_WEBHOOK_SECRET) when configured; otherwise one made at
// first start in `<home>/secrets/webhook.secret` (0600, `webhookSecretOf`). Admins see it, with
// the hook URLs, on each git job's page (GET /api/v1/jobs/:job/webhook, admins only); it is
// never logged. A configured secret also means "signed or authenticated only": an unsigned
// push from nobody is refused (401) instead of being downgraded to a look at the branch.
//
// Signatures, checked before the body is even parsed:
//
//   github    X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>   (what GitHub sends
//             when the hook has a secret; the raw body is the JSON or the form-encoded bytes)
//   gitlab    X-Gitlab-Token: <secret>                                        (GitLab's "Secret token")
//   generic   X-Hub-Signature-256 as for GitHub (preferred: the secret never travels), or
//             X-Kiln-Token: <secret> for senders that cannot compute an HMAC (curl in a hook script)
//
// `Authorization` is not a webhook secret: it carries API tokens and sessions (the `user` case
// above). Comparisons take constant time. A wrong signature or token answers 403 (code
// 'forbidden'), and with a configured secret a push with neither signature nor user 401 (code
// 'unauthenticated'); either way nothing starts and the controller log gets one line naming
// the hook and the sender's address (never the secret or the signature sent): the first 10
// refusals of an address, then every 100th with a count, so a flood of forged hooks cannot
// flood the log.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Build, BuildCause, Job, JsonValue, Store } from '../store/types.ts';
import { StoreError } from '../store/types.ts';
import { branchOnly, type FireOutcome, type TriggerTarget } from './triggers.ts';
import { gitlabDecision, gitlabTokenJobs, gitlabTriggerOf, type GitLabEvent } from './gitlab-trigger.ts';
import { githubPrDecision, githubPrTriggerOf, type GitHubPrHappening, type PullRequest } from './github-pr-trigger.ts';
import { registerGenericTrigger } from './generic-trigger.ts';
import { accessOf, allows } from './auth/policy.ts';
import type { AuthService } from './auth/service.ts';
import { CSRF_HEADER } from './auth/http.ts';
import { folderOf, type FolderAccess } from './auth/folders.ts';
import { ApiError, errorBody, toApiError } from './http-errors.ts';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import * as S from './api-schemas.ts';
import { addNamedSchemas, answers, ref, DOCUMENTED_BODY, type TypeBoxProvider } from './api-schemas.ts';

/** Largest webhook body accepted (GitHub caps its payloads at 25 MB; pushes are far smaller). */
export const WEBHOOK_BODY_LIMIT = 1024 * 1024;

export interface WebhookContext {
  store: Store;
  builds: TriggerTarget;
  log?: (line: string) => void;
  /** The shared secret payloads may be signed with (configured or made at first start); null: none. */
  secret?: string | null;
  /**
   * What a push that is neither signed nor sent by a user who may build the job does:
   * 'refuse' (401; the default with a secret, as with a configured webhookSecret) or 'poll'
   * (look at the branch with `poll`; the default without one).
   */
  unsigned?: 'refuse' | 'poll';
  /** Looks at a job's branch as pollSCM does (TriggerScheduler.pollNow). Needed for unsigned: 'poll'. */
  poll?: (job: Job, cause: BuildCause) => Promise<FireOutcome>;
  /** Who sent the request, when it is authenticated (webhookCaller); absent: nobody is. */
  caller?: (req: FastifyRequest) => WebhookCaller | null;
  /** A GenericTrigger's tokenCredentialId's secret (generic-trigger.ts); absent: such triggers match no token. */
  triggerSecret?: (credentialId: string, job: string) => Promise<string | null>;
  /** For GET /api/v1/jobs/:job/webhook: the controller's URL, and where the secret comes from. */
  publicUrl?: () => string;
  /** GET {GitHub API}/repos/{fullName}/pulls/{n} with the host's GitHub settings (an issue_comment names only the number): the JSON, or why not. */
  githubPull?: (fullName: string, n: number) => Promise<unknown>;
  /** preStatus: POST {GitHub API}/repos/{fullName}/statuses/{sha} with the host's GitHub settings; null when set, else why not. */
  githubStatus?: (fullName: string, sha: string, body: Record<string, string | undefined>) => Promise<string | null>;
  /** abortRunning / cancelQueued: stop an unfinished build (cancel it while it waits, abort it once started); false when neither applied. */
  stopBuild?: (build: Build, o: { queued: boolean; running: boolean; message: string }) => Promise<boolean>;
  secretSource?: { kind: 'configured' } | { kind: 'generated'; file: string };
}

/** An authenticated sender, and whether it may build a given job. */
export interface WebhookCaller {
  /** Who, for causes and messages: "user alice", "the configured admin token". */
  name: string;
  /** The user's name for the build's cause (null for the admin token). */
  userId: string | null;
  mayBuild(job: Job): boolean | Promise<boolean>;
}

/** A push, from whichever provider, as the job matching needs it. */
export interface Push {
  /** The repository's URLs as the sender knows them (any one may match a job's URL). */
  urls: string[];
  branch: string;
  /** Full commit id, or null to build the branch's tip. */
  commit: string | null;
  params: Record<string, JsonValue>;
  cause: BuildCause;
  /** What sent it, for causes and messages: 'generic webhook', 'GitHub', 'GitLab'. */
  hook: string;
}

/** What a push answers (api-schemas.ts WebhookAnswer). */
export type WebhookAnswer = Static<typeof S.WebhookAnswer>;

/** Who a push comes from, as far as this request proves (see the header). */
type Sender = { kind: 'signed' } | { kind: 'user'; caller: WebhookCaller } | { kind: 'anonymous' };

const bad = (message: string) => new ApiError('invalid', message);

/** Adds the webhook routes (in their own scope: their body limit, parsers and error handler). */
export function registerWebhooks(app: FastifyInstance, ctx: WebhookContext): void {
  const refusals = new Map<string, number>();
  const unsigned = unsignedMode(ctx);
  if (unsigned === 'poll' && !ctx.poll) throw new Error('registerWebhooks: unsigned webhooks are to be polled, but no poll function was given');
  const verify = (req: FastifyRequest, hook: Hook) => senderOf(ctx, unsigned, req, hook, refusals);
  addNamedSchemas(app);
  registerWebhookInfo(app, ctx, unsigned);
  void app.register(async (scope) => {
    // Bodies stay raw bytes here (signatures are computed over exactly those bytes); each route
    // parses them after checking the signature and the content type (jsonBody). GitHub can send
    // its payload form-encoded (`payload=<json>`); only its route accepts that.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) => {
      done(null, body);
    });
    // The catalogue's answers (http-errors.ts), with this scope's body limit in a 413's message.
    scope.setErrorHandler((err: unknown, _req, reply) => {
      const e = toApiError(err, { bodyTooLarge: () => `the webhook body is larger than ${WEBHOOK_BODY_LIMIT} bytes (1 MB)` });
      return reply.code(e.status).headers(e.headers).send(errorBody(e));
    });
    const opts = { bodyLimit: WEBHOOK_BODY_LIMIT };
    // The body is read by the route (raw bytes, see above): the document shows what it reads.
    const hook = (operationId: string, summary: string, shown: TSchema, ok: Record<number, S.Answerable>) => ({
      ...opts, schema: { operationId, tags: ['webhooks'], summary, [DOCUMENTED_BODY]: shown, response: answers(ok) },
    });
    // The Generic Webhook Trigger plugin's /generic-webhook-trigger/invoke (generic-trigger.ts).
    registerGenericTrigger(scope, ctx);
    const pushed = ref(S.WebhookAnswer);
    const ignored = { ...pushed, description: 'not a push: nothing starts (ignored says why)' };

    scope.post('/api/v1/webhooks/generic', hook('genericWebhook', 'A push from anything: builds the jobs of the repository and branch', S.GenericPushBody, { 200: pushed }), async (req, reply) => {
      const sender = verify(req, 'generic');
      const body = jsonBody(req, 'generic webhook');
      const push = genericPush(body);
      return reply.code(200).send(await startMatching(ctx, push, sender));
    });

    scope.post('/api/v1/webhooks/github', hook('githubWebhook', 'A GitHub webhook (push, ping, pull_request, issue_comment; X-GitHub-Event); JSON or form-encoded', S.ProviderPushBody, {
      200: Type.Union([pushed, S.Answer({ pong: Type.Literal(true) })]), 202: ignored,
    }), async (req, reply) => {
      const sender = verify(req, 'github');
      const event = header(req, 'x-github-event');
      if (!event) throw bad('GitHub webhook: the X-GitHub-Event header is missing (push, ping, ...)');
      const body = jsonBody(req, 'GitHub webhook', true);
      if (event === 'ping') return reply.code(200).send({ pong: true });
      if (event === 'pull_request' || event === 'issue_comment') {
        const h = event === 'pull_request' ? githubPullRequestEvent(body) : await githubCommentEvent(ctx, body);
        if (typeof h === 'string') return ignore(reply, h);
        return reply.code(200).send(await startGitHubPrTriggered(ctx, h, sender));
      }
      if (event !== 'push') return ignore(reply, `GitHub '${event}' events start no builds; only push events do (and pull_request / issue_comment for jobs with a githubPullRequests trigger)`);
      const push = githubPush(body);
      if (typeof push === 'string') return reply.code(200).send({ triggered: [], ignored: push } satisfies WebhookAnswer);
      return reply.code(200).send(await startMatching(ctx, push, sender));
    });

    scope.post('/api/v1/webhooks/gitlab', hook('gitlabWebhook', 'A GitLab webhook (Push Hook, Merge Request Hook, Note Hook; X-Gitlab-Event)', S.ProviderPushBody, { 200: pushed, 202: ignored }), async (req, reply) => {
      // A token that is a job's gitlab trigger's secretToken vouches for those jobs (gitlab-trigger.ts).
      const token = header(req, 'x-gitlab-token');
      const tokenJobs = token !== null && !(ctx.secret && sameSecret(token, ctx.secret)) ? gitlabTokenJobs(await ctx.store.jobs.list(), token) : new Set<string>();
      // Those jobs trust it (startGitLabTriggered); for any other job it is from its user, or from nobody.
      const caller = tokenJobs.size > 0 ? ctx.caller?.(req) ?? null : null;
      const sender: Sender = tokenJobs.size === 0 ? verify(req, 'gitlab') : caller ? { kind: 'user', caller } : { kind: 'anonymous' };
      const event = header(req, 'x-gitlab-event');
      if (!event) throw bad('GitLab webhook: the X-Gitlab-Event header is missing (Push Hook, Merge Request Hook, ...)');
      const body = jsonBody(req, 'GitLab webhook');
      if (event === 'Merge Request Hook') {
        const mr = gitlabMergeRequest(body);
        return reply.code(200).send(await startGitLabTriggered(ctx, mr, sender, tokenJobs, { triggered: [] }));
      }
      if (event === 'Note Hook') {
        const note = gitlabNote(body);
        if (typeof note === 'string') return ignore(reply, note);
        return reply.code(200).send(await startGitLabTriggered(ctx, note, sender, tokenJobs, { triggered: [] }));
      }
      if (event !== 'Push Hook') return ignore(reply, `GitLab '${event}' events start no builds; only Push Hook, Merge Request Hook and Note Hook events do`);
      const push = gitlabPush(body);
      if (typeof push === 'string') return reply.code(200).send({ triggered: [], ignored: push } satisfies WebhookAnswer);
      // Jobs with a gitlab trigger act by its parameters; the others as on any push.
      const plain = await startMatching(ctx, push, sender);
      return reply.code(200).send(await startGitLabTriggered(ctx, { ...gitlabPushEvent(body, push), urls: push.urls }, sender, tokenJobs, plain));
    });
  });
}

/** What an untrusted push gets: refused, or a look at the branch (WebhookContext.unsigned). */
function unsignedMode(ctx: WebhookContext): 'refuse' | 'poll' {
  return ctx.unsigned ?? (ctx.secret ? 'refuse' : 'poll');
}

function ignore(reply: FastifyReply, reason: string) {
  return reply.code(202).send({ triggered: [], ignored: reason } satisfies WebhookAnswer);
}

function header(req: FastifyRequest, name: string): string | null {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s && s.trim() !== '' ? s.trim() : null;
}

/** The body's bytes exactly as received (empty when there was none). */
function rawBody(req: FastifyRequest): Buffer {
  return Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
}

type Hook = 'generic' | 'github' | 'gitlab';
const HOOK_NAMES: Record<Hook, string> = { generic: 'generic webhook', github: 'GitHub webhook', gitlab: 'GitLab webhook' };

/**
 * Who the push comes from (see the header): signed when it proves it knows the secret (a wrong
 * signature or token is refused, 403), else the authenticated user, else anonymous, which a
 * controller that refuses unsigned pushes answers with 401. Each refusal is logged.
 */
function senderOf(ctx: WebhookContext, unsigned: 'refuse' | 'poll', req: FastifyRequest, hook: Hook, refusals: Map<string, number>): Sender {
  const secret = ctx.secret;
  const what = HOOK_NAMES[hook];
  const refuse = (status: 401 | 403, message: string): never => {
    const from = req.ip || '?';
    const n = (refusals.get(from) ?? 0) + 1;
    if (refusals.size > 10_000) refusals.clear();
    refusals.set(from, n);
    if (n <= 10 || n % 100 === 0) ctx.log?.(`webhooks: refused a ${what} from ${from}: ${message}${n > 10 ? ` (${n} refusals from this address so far)` : ''}`);
    throw new ApiError(status === 401 ? 'unauthenticated' : 'forbidden', `${what}: ${message}`);
  };
  const signature = header(req, 'x-hub-signature-256');
  const token = hook === 'gitlab' ? header(req, 'x-gitlab-token') : hook === 'generic' ? header(req, 'x-kiln-token') : null;
  const where = ctx.secretSource?.kind === 'generated' ? "the webhook secret (admins see it on the job's page)" : 'the webhook secret configured on the controller (webhookSecret / KILN_WEBHOOK_SECRET)';
  if (secret && signature !== null && hook !== 'gitlab') {
    const m = /^sha256=([0-9a-f]{64})$/i.exec(signature);
    if (!m) return refuse(403, "X-Hub-Signature-256 must be 'sha256=' followed by 64 hex digits (the HMAC-SHA256 of the body with the webhook secret)");
    const expected = createHmac('sha256', secret).update(rawBody(req)).digest();
    if (!timingSafeEqual(expected, Buffer.from(m[1]!, 'hex'))) {
      return refuse(403, `the X-Hub-Signature-256 signature does not match the body: check that the hook is signed with ${where}`);
    }
    return { kind: 'signed' };
  }
  if (secret && token !== null) {
    if (!sameSecret(token, secret)) {
      const name = hook === 'gitlab' ? 'X-Gitlab-Token' : 'X-Kiln-Token';
      return refuse(403, `the ${name} does not match ${where}`);
    }
    return { kind: 'signed' };
  }
  const caller = ctx.caller?.(req) ?? null;
  if (caller) return { kind: 'user', caller };
  if (unsigned === 'poll') return { kind: 'anonymous' };
  const how = hook === 'github' ? "set the hook's Secret in GitHub; it then sends X-Hub-Signature-256"
    : hook === 'gitlab' ? "set the hook's Secret token in GitLab; it then sends X-Gitlab-Token"
      : 'send X-Hub-Signature-256: sha256=<HMAC-SHA256 of the body> or X-Kiln-Token: <secret>';
  return refuse(401, `this controller requires signed webhooks and the request has no signature (${how})`);
}

/** Whether two secrets are equal, in time that does not depend on where they differ. */
function sameSecret(given: string, secret: string): boolean {
  // HMACs of both have one length, so timingSafeEqual applies whatever the lengths given.
  const key = Buffer.from('kiln-webhook-compare');
  const a = createHmac('sha256', key).update(given, 'utf8').digest();
  const b = createHmac('sha256', key).update(secret, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** The parsed JSON object, after checking the content type. */
function jsonBody(req: FastifyRequest, what: string, formOk = false): Record<string, unknown> {
  const type = (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const raw = rawBody(req).toString('utf8');
  let body: unknown;
  if (type === 'application/x-www-form-urlencoded' && formOk) {
    const payload = new URLSearchParams(raw).get('payload');
    if (payload === null) throw bad(`${what}: the form has no 'payload' field`);
    try {
      body = JSON.parse(payload);
    } catch (err) {
      throw bad(`${what}: 'payload' is not valid JSON: ${(err as Error).message}`);
    }
  } else if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    throw new ApiError('unsupported-media-type', `${what}: send the body as application/json${formOk ? ' (or application/x-www-form-urlencoded with a payload field)' : ''}; got ${type === '' ? 'no content type' : `'${type}'`}`);
  } else {
    if (raw.trim() === '') throw bad(`${what}: the body is empty; send a JSON object`);
    try {
      body = JSON.parse(raw);
    } catch (err) {
      throw bad(`${what}: the body is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw bad(`${what}: the body must be a JSON object`);
  return body as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// payloads

const ZERO_SHA = /^0+$/;

function genericPush(b: Record<string, unknown>): Push {
  const repository = str(b, 'repository', 'generic webhook', 'the repository URL');
  const branch = branchOf(str(b, 'branch', 'generic webhook', 'the branch name'), 'branch', 'generic webhook');
  const commit = b.commit === undefined || b.commit === null ? null : sha(b.commit, 'commit', 'generic webhook');
  const params: Record<string, JsonValue> = {};
  if (b.params !== undefined && b.params !== null) {
    if (typeof b.params !== 'object' || Array.isArray(b.params)) throw bad("generic webhook: 'params' must be an object of NAME: value");
    for (const [k, v] of Object.entries(b.params as Record<string, unknown>)) {
      if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') throw bad(`generic webhook: 'params.${k}' must be a string, number or boolean`);
      params[k] = v;
    }
  }
  return { urls: [repository], branch, commit, params, cause: { type: 'webhook', description: `Started by a generic webhook push to ${branch}` }, hook: 'generic webhook' };
}

/** A push to start builds for, or the reason it starts none. */
function githubPush(b: Record<string, unknown>): Push | string {
  const what = 'GitHub push';
  const ref = str(b, 'ref', what, 'e.g. refs/heads/main');
  const repo = obj(b, 'repository', what);
  const urls = ['clone_url', 'git_url', 'ssh_url', 'html_url', 'url'].map((k) => repo[k]).filter((u): u is string => typeof u === 'string' && u !== '');
  if (urls.length === 0) throw bad(`${what}: 'repository.clone_url' is missing (or git_url, ssh_url, html_url)`);
  if (b.deleted === true || (typeof b.after === 'string' && ZERO_SHA.test(b.after))) return `the push deleted ${ref}: nothing to build`;
  if (!ref.startsWith('refs/heads/')) return `${ref} is not a branch: only branch pushes start builds`;
  const branch = branchOf(ref.slice('refs/heads/'.length), 'ref', what);
  const commit = sha(b.after, 'after', what);
  const pusher = (b.pusher as { name?: unknown } | undefined)?.name ?? (b.sender as { login?: unknown } | undefined)?.login;
  return { urls, branch, commit, params: {}, cause: { type: 'webhook', description: `Started by a GitHub push by ${typeof pusher === 'string' && pusher ? pusher : 'an unknown user'}`, userId: typeof pusher === 'string' ? pusher : null }, hook: 'GitHub' };
}

function gitlabPush(b: Record<string, unknown>): Push | string {
  const what = 'GitLab push';
  const ref = str(b, 'ref', what, 'e.g. refs/heads/main');
  const project = (b.project ?? b.repository) as Record<string, unknown> | undefined;
  if (project === undefined || project === null || typeof project !== 'object' || Array.isArray(project)) throw bad(`${what}: 'project' is missing (an object with git_http_url, git_ssh_url, web_url)`);
  const urls = ['git_http_url', 'git_ssh_url', 'web_url', 'http_url', 'ssh_url', 'url', 'homepage'].map((k) => project[k]).filter((u): u is string => typeof u === 'string' && u !== '');
  if (urls.length === 0) throw bad(`${what}: 'project.git_http_url' is missing (or git_ssh_url, web_url)`);
  const checkout = b.checkout_sha;
  if (typeof b.after === 'string' && ZERO_SHA.test(b.after)) return `the push deleted ${ref}: nothing to build`;
  if (!ref.startsWith('refs/heads/')) return `${ref} is not a branch: only branch pushes start builds`;
  const branch = branchOf(ref.slice('refs/heads/'.length), 'ref', what);
  const commit = sha(checkout ?? b.after, checkout !== null && checkout !== undefined ? 'checkout_sha' : 'after', what);
  const user = b.user_username ?? b.user_name;
  return { urls, branch, commit, params: {}, cause: { type: 'webhook', description: `Started by a GitLab push by ${typeof user === 'string' && user ? user : 'an unknown user'}`, userId: typeof user === 'string' ? user : null }, hook: 'GitLab' };
}

/** A text field of a hook's body, '' when absent; at most 10 000 characters (a cause's variable). */
function field(o: unknown, ...path: string[]): string {
  let v: unknown = o;
  for (const k of path) v = v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>)[k] : undefined;
  return typeof v === 'string' ? v.slice(0, 10_000) : typeof v === 'number' ? String(v) : '';
}

/** The gitlab-plugin's variables of a push (CauseData.getBuildVariables), for jobs with a gitlab trigger. */
function gitlabPushEvent(b: Record<string, unknown>, push: Push): GitLabEvent {
  const commits = Array.isArray(b.commits) ? b.commits as unknown[] : [];
  const last = commits.find((c) => field(c, 'id') === push.commit) ?? commits[commits.length - 1];
  const user = field(b, 'user_name');
  const env: Record<string, string> = {
    gitlabBranch: push.branch, gitlabSourceBranch: push.branch, gitlabTargetBranch: push.branch, gitlabActionType: 'PUSH',
    gitlabUserName: user, gitlabUserUsername: field(b, 'user_username'), gitlabUserEmail: field(b, 'user_email'),
    gitlabSourceRepoHomepage: field(b, 'repository', 'homepage'), gitlabSourceRepoName: field(b, 'repository', 'name'), gitlabSourceNamespace: field(b, 'project', 'namespace'),
    gitlabSourceRepoURL: field(b, 'repository', 'url'), gitlabSourceRepoSshUrl: field(b, 'repository', 'git_ssh_url'), gitlabSourceRepoHttpUrl: field(b, 'repository', 'git_http_url'),
    gitlabMergeRequestTitle: '', gitlabMergeRequestDescription: '', gitlabTargetRepoName: '', gitlabTargetNamespace: '', gitlabTargetRepoSshUrl: '', gitlabTargetRepoHttpUrl: '',
    gitlabBefore: field(b, 'before'), gitlabAfter: field(b, 'after'),
  };
  return {
    kind: 'push', source: push.branch, target: push.branch, commit: push.commit ?? '', lastMessage: field(last, 'message'), action: '', state: '', draft: false, newCommits: true,
    description: '', fork: false, env, who: field(last, 'author', 'name') || user || 'an unknown user',
  };
}

/** A Merge Request Hook's body: its branches, commit, action and the plugin's variables. */
function gitlabMergeRequest(b: Record<string, unknown>, what = 'GitLab merge request', a = obj(b, 'object_attributes', what), at = 'object_attributes'): GitLabEvent & { urls: string[] } {
  const project = (b.project ?? {}) as Record<string, unknown>;
  const target = (a.target ?? {}) as Record<string, unknown>;
  const source = (a.source ?? {}) as Record<string, unknown>;
  const urls = [target.git_http_url, target.git_ssh_url, target.web_url, project.git_http_url, project.git_ssh_url, project.web_url].filter((u): u is string => typeof u === 'string' && u !== '');
  if (urls.length === 0) throw bad(`${what}: '${at}.target.git_http_url' is missing (or project.git_http_url)`);
  const sourceBranch = branchOf(str(a, 'source_branch', what, 'the branch the request merges'), `${at}.source_branch`, what);
  const targetBranch = branchOf(str(a, 'target_branch', what, 'the branch the request merges into'), `${at}.target_branch`, what);
  const iid = a.iid;
  if (typeof iid !== 'number' || !Number.isInteger(iid) || iid < 1) throw bad(`${what}: '${at}.iid' must be the request's number`);
  const commit = sha(field(a, 'last_commit', 'id') || undefined, `${at}.last_commit.id`, what);
  const user = field(b, 'user', 'name');
  const assignees = Array.isArray(b.assignees) ? b.assignees as unknown[] : [];
  const env: Record<string, string> = {
    gitlabBranch: sourceBranch, gitlabSourceBranch: sourceBranch, gitlabTargetBranch: targetBranch, gitlabActionType: 'MERGE',
    gitlabUserName: user, gitlabUserUsername: field(b, 'user', 'username'), gitlabUserEmail: field(b, 'user', 'email'),
    gitlabSourceRepoHomepage: field(source, 'homepage') || field(source, 'web_url'), gitlabSourceRepoName: field(source, 'name'), gitlabSourceNamespace: field(source, 'namespace'),
    gitlabSourceRepoURL: field(source, 'url') || field(source, 'git_ssh_url'), gitlabSourceRepoSshUrl: field(source, 'git_ssh_url'), gitlabSourceRepoHttpUrl: field(source, 'git_http_url'),
    gitlabMergeRequestTitle: field(a, 'title'), gitlabMergeRequestDescription: field(a, 'description'), gitlabMergeRequestId: field(a, 'id'), gitlabMergeRequestIid: String(iid),
    gitlabMergeRequestState: field(a, 'state'), gitlabMergeRequestLastCommit: commit, gitlabMergeRequestTargetProjectId: field(a, 'target_project_id'),
    gitlabMergeRequestAssignee: field(assignees[0], 'username'), gitlabMergedByUser: field(a, 'action') === 'merge' ? user : '',
    gitlabTargetRepoName: field(target, 'name'), gitlabTargetNamespace: field(target, 'namespace'), gitlabTargetRepoSshUrl: field(target, 'git_ssh_url'), gitlabTargetRepoHttpUrl: field(target, 'git_http_url'),
    gitlabBefore: field(a, 'oldrev'), gitlabAfter: commit,
  };
  const draft = a.work_in_progress === true || a.draft === true;
  const sp = a.source_project_id;
  const tp = a.target_project_id;
  return {
    kind: 'merge', source: sourceBranch, target: targetBranch, commit, lastMessage: field(a, 'last_commit', 'message'), action: field(a, 'action'), state: field(a, 'state'),
    draft, newCommits: field(a, 'oldrev') !== '', description: field(a, 'description'), fork: sp !== undefined && tp !== undefined && sp !== tp, env, who: user || 'an unknown user', urls,
  };
}

/**
 * A Note Hook's body: a comment on a merge request (the request in `merge_request`), as the
 * plugin's NoteHookTriggerHandler reads it; a note on anything else is no build (a string says why).
 */
function gitlabNote(b: Record<string, unknown>): (GitLabEvent & { urls: string[] }) | string {
  const what = 'GitLab note';
  const a = obj(b, 'object_attributes', what);
  const type = field(a, 'noteable_type');
  if (type !== 'MergeRequest') return `a GitLab comment on ${type ? `${/^[AEIOU]/.test(type) ? 'an' : 'a'} ${type}` : 'something'} starts no build: only comments on merge requests do`;
  const e = gitlabMergeRequest(b, what, obj(b, 'merge_request', what), 'merge_request');
  const note = field(a, 'note');
  const env = { ...e.env, gitlabActionType: 'NOTE', gitlabTriggerPhrase: note, gitlabCommentAuthor: field(b, 'user', 'username'), gitlabMergedByUser: '' };
  const mr = b.merge_request as Record<string, unknown>;
  // The plugin's "triggered by": the last commit's author.
  return { ...e, kind: 'note', note, action: '', env, who: field(mr, 'last_commit', 'author', 'name') || e.who };
}

/**
 * The jobs of the hook's repository that have a gitlab trigger: each builds what its trigger
 * asks (gitlab-trigger.ts) when the hook is trusted for it (signed, its secretToken, or a user
 * who may build it); added to `answer` (the plain pushes' answer).
 */
async function startGitLabTriggered(ctx: WebhookContext, e: GitLabEvent & { urls: string[] }, sender: Sender, tokenJobs: Set<string>, answer: WebhookAnswer): Promise<WebhookAnswer> {
  const urls = new Set(e.urls.map(normalizeRepoUrl));
  const jobs = (await ctx.store.jobs.list()).filter((j) => j.definition.kind === 'git' && urls.has(normalizeRepoUrl(j.definition.url)) && gitlabTriggerOf(j) !== null);
  const fail = (job: Job, message: string) => (answer.failed ??= []).push({ job: job.name, message });
  const skipped: string[] = [];
  for (const job of jobs) {
    if (job.disabled || job.definition.kind !== 'git') { skipped.push(`${job.name}: disabled`); continue; }
    const trusted = sender.kind === 'signed' || tokenJobs.has(job.id) || (sender.kind === 'user' && (await sender.caller.mayBuild(job)));
    if (!trusted) {
      fail(job, `this GitLab hook is not signed for job '${job.name}': set the hook's Secret token to the trigger's secretToken or to the webhook secret (admins see it on the job's page)`);
      continue;
    }
    const d = await gitlabDecision(gitlabTriggerOf(job)!, e);
    if (!d.build) { skipped.push(`${job.name}: ${d.reason}`); continue; }
    try {
      const cause: BuildCause = { type: 'webhook', description: d.description, userId: e.env.gitlabUserUsername || null, env: d.env, ...(d.fork ? { untrustedRevision: true } : {}) };
      const b = await ctx.builds.trigger(job.name, { params: {}, causes: [cause], scm: { url: job.definition.url, branch: d.branch, commit: d.commit } });
      answer.triggered.push({ job: job.name, number: b.number });
      ctx.log?.(`webhooks: ${job.name} #${b.number}: ${d.description} (${d.branch} at ${d.commit})`);
    } catch (err) {
      fail(job, (err as Error).message);
    }
  }
  // The plain push's "no job builds ..." is no reason when a job with the trigger was there.
  if (jobs.length > 0) delete answer.ignored;
  if (answer.triggered.length === 0 && skipped.length > 0) answer.ignored = skipped.join('; ');
  else if (answer.triggered.length === 0 && jobs.length === 0 && e.kind !== 'push') answer.ignored = `no job with a gitlab trigger builds ${[...urls][0] ?? '?'}: merge request and note hooks start only those`;
  return answer;
}

/** A pull request object of a delivery or of GitHub's API (GET /repos/o/r/pulls/N). */
function githubPull(p: Record<string, unknown>, what: string, at: string): PullRequest {
  const head = obj(p, 'head', what);
  const base = obj(p, 'base', what);
  const n = p.number;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw bad(`${what}: '${at}.number' must be the pull request's number`);
  const labels = Array.isArray(p.labels) ? (p.labels as unknown[]).map((l) => field(l, 'name')).filter(Boolean).slice(0, 100) : [];
  return {
    number: n, state: field(p, 'state') || 'open', title: field(p, 'title'), body: field(p, 'body'), htmlUrl: field(p, 'html_url'),
    headSha: sha(head.sha, `${at}.head.sha`, what),
    headRef: branchOf(str(head, 'ref', what, 'the branch the pull request merges'), `${at}.head.ref`, what),
    baseRef: branchOf(str(base, 'ref', what, 'the branch the pull request merges into'), `${at}.base.ref`, what),
    headRepo: field(head, 'repo', 'full_name'), baseRepo: field(base, 'repo', 'full_name'), sourceOwner: field(head, 'repo', 'owner', 'login') || field(head, 'user', 'login'),
    author: field(p, 'user', 'login'), authorEmail: field(p, 'user', 'email'), mergeable: typeof p.mergeable === 'boolean' ? p.mergeable : null, labels,
  };
}

/** The base repository's URLs of a delivery (any one may match a job's URL). */
function githubRepoUrls(b: Record<string, unknown>, what: string): string[] {
  const repo = obj(b, 'repository', what);
  const urls = ['clone_url', 'git_url', 'ssh_url', 'html_url'].map((k) => repo[k]).filter((u): u is string => typeof u === 'string' && u !== '');
  if (urls.length === 0) throw bad(`${what}: 'repository.clone_url' is missing (or git_url, ssh_url, html_url)`);
  return urls;
}

type GitHubPrDelivery = GitHubPrHappening & { urls: string[] };

/** A pull_request delivery: what happened to which pull request, or why it starts nothing. */
function githubPullRequestEvent(b: Record<string, unknown>): GitHubPrDelivery | string {
  const what = 'GitHub pull_request';
  const action = field(b, 'action');
  const kinds: Record<string, GitHubPrHappening['kind']> = { opened: 'opened', reopened: 'opened', synchronize: 'synchronize', closed: 'closed', labeled: 'labeled', unlabeled: 'unlabeled' };
  const kind = kinds[action];
  const urls = githubRepoUrls(b, what);
  if (!kind) return `a pull request's '${action || '?'}' starts no builds (opened, reopened, synchronize, closed, labeled and unlabeled can)`;
  const pr = githubPull(obj(b, 'pull_request', what), what, 'pull_request');
  return { kind, ...(kind === 'labeled' || kind === 'unlabeled' ? { label: field(b, 'label', 'name') } : {}), sender: field(b, 'sender', 'login'), senderEmail: field(b, 'sender', 'email'), pr, urls };
}

/** An issue_comment delivery: a new comment on a pull request, with the pull request from GitHub's API (the delivery has no head or branches). */
async function githubCommentEvent(ctx: WebhookContext, b: Record<string, unknown>): Promise<GitHubPrDelivery | string> {
  const what = 'GitHub issue_comment';
  const urls = githubRepoUrls(b, what);
  const issue = obj(b, 'issue', what);
  if (field(b, 'action') !== 'created') return `a comment's '${field(b, 'action') || '?'}' starts no builds; only new comments can`;
  if (issue.pull_request === undefined || issue.pull_request === null) return 'a comment on an issue starts no builds: only comments on pull requests can';
  const n = issue.number;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw bad(`${what}: 'issue.number' must be the pull request's number`);
  const fullName = field(b, 'repository', 'full_name');
  if (!/^[\w.-]+\/[\w.-]+$/.test(fullName)) throw bad(`${what}: 'repository.full_name' must be owner/name`);
  const comment = obj(b, 'comment', what);
  return { kind: 'comment', comment: field(comment, 'body'), commenter: field(comment, 'user', 'login'), sender: field(b, 'sender', 'login'), senderEmail: field(b, 'sender', 'email'), pr: { number: n, fullName } as unknown as PullRequest, urls };
}

/**
 * The jobs of the delivery's repository with a githubPullRequests trigger: each builds what its
 * trigger asks (github-pr-trigger.ts) when the delivery is trusted for it (signed, or a user who
 * may build it); abortRunning / cancelQueued first stop its unfinished builds of that pull request.
 */
async function startGitHubPrTriggered(ctx: WebhookContext, h: GitHubPrDelivery, sender: Sender): Promise<WebhookAnswer> {
  const answer: WebhookAnswer = { triggered: [] };
  const urls = new Set(h.urls.map(normalizeRepoUrl));
  const jobs = (await ctx.store.jobs.list()).filter((j) => j.definition.kind === 'git' && urls.has(normalizeRepoUrl(j.definition.url)) && githubPrTriggerOf(j) !== null);
  if (jobs.length === 0) return { triggered: [], ignored: `no job with a githubPullRequests trigger builds ${[...urls][0] ?? '?'}: pull_request and issue_comment events start only those` };
  const fail = (job: Job, message: string) => (answer.failed ??= []).push({ job: job.name, message });
  const skipped: string[] = [];
  let pr: PullRequest | null = h.kind === 'comment' ? null : h.pr;
  for (const job of jobs) {
    if (job.disabled) { skipped.push(`${job.name}: disabled`); continue; }
    const trusted = sender.kind === 'signed' || (sender.kind === 'user' && (await sender.caller.mayBuild(job)));
    if (!trusted) {
      fail(job, `this GitHub ${h.kind === 'comment' ? 'issue_comment' : 'pull_request'} delivery is not signed: set the hook's Secret in GitHub to the webhook secret (admins see it on the job's page) so that it sends X-Hub-Signature-256`);
      continue;
    }
    if (pr === null) {
      // The comment's pull request, once, from GitHub's API.
      const ref = h.pr as unknown as { number: number; fullName: string };
      if (!ctx.githubPull) { fail(job, 'cannot read the pull request of a comment: GitHub is not configured on this controller'); continue; }
      try {
        const got = await ctx.githubPull(ref.fullName, ref.number);
        if (typeof got === 'string') throw new Error(got);
        if (got === null || typeof got !== 'object' || Array.isArray(got)) throw new Error("GitHub's answer is not a pull request");
        pr = githubPull(got as Record<string, unknown>, `GitHub's pull request ${ref.fullName}#${ref.number}`, 'pull request');
      } catch (e) {
        fail(job, `cannot read pull request ${ref.fullName}#${ref.number} from GitHub: ${(e as Error).message}`);
        continue;
      }
    }
    const t = githubPrTriggerOf(job)!;
    const d = await githubPrDecision(t, { ...h, pr });
    if (!d.build) { skipped.push(`${job.name}: ${d.reason}`); continue; }
    try {
      if ((t.abortRunning || t.cancelQueued) && ctx.stopBuild) {
        for (const old of await ctx.store.builds.listUnfinished()) {
          if (old.job !== job.name || !old.causes.some((c) => c.env?.GITHUB_PR_NUMBER === String(d.number))) continue;
          const stopped = await ctx.stopBuild(old, { queued: t.cancelQueued, running: t.abortRunning, message: `Aborted: a newer build of GitHub PR #${d.number} was started (${d.description})` });
          if (stopped) ctx.log?.(`webhooks: ${job.name} #${old.number} stopped for a newer build of GitHub PR #${d.number}`);
        }
      }
      const cause: BuildCause = { type: 'webhook', description: d.description, userId: h.sender || null, env: d.env, ...(d.fork ? { untrustedRevision: true } : {}) };
      // A user (not GitHub's signature) naming the commit chose the script: their folder rights bind credentials too (as startMatching).
      const chooser = sender.kind === 'user' ? { replayedBy: { user: sender.caller.userId ?? 'admin-token', via: 'webhook' as const } } : {};
      const b = await ctx.builds.trigger(job.name, { params: {}, causes: [cause], scm: { url: job.definition.kind === 'git' ? job.definition.url : null, branch: d.branch, commit: d.commit }, ...chooser });
      answer.triggered.push({ job: job.name, number: b.number });
      ctx.log?.(`webhooks: ${job.name} #${b.number}: ${d.description} (${d.commit})`);
      // preStatus: a pending status on the head, as the plugin's JobRunnerForCause sets it.
      if (t.preStatus && ctx.githubStatus) {
        const why = await ctx.githubStatus(pr.baseRepo, d.commit, { state: 'pending', target_url: ctx.publicUrl ? `${ctx.publicUrl()}job/${encodeURIComponent(job.name)}/` : undefined, description: `Jenkins queued the run (${d.reason})`, context: job.name });
        if (why !== null) ctx.log?.(`webhooks: ${job.name} #${b.number}: the pending status of GitHub PR #${d.number} was not set: ${why}`);
      }
    } catch (err) {
      fail(job, (err as Error).message);
    }
  }
  if (answer.triggered.length === 0 && skipped.length > 0) answer.ignored = skipped.join('; ');
  return answer;
}

function str(b: Record<string, unknown>, key: string, what: string, hint: string): string {
  const v = b[key];
  if (v === undefined || v === null) throw bad(`${what}: '${key}' is missing (${hint})`);
  if (typeof v !== 'string' || v.trim() === '') throw bad(`${what}: '${key}' must be a non-empty string (${hint})`);
  if (v.length > 2000) throw bad(`${what}: '${key}' is too long`);
  return v.trim();
}

function obj(b: Record<string, unknown>, key: string, what: string): Record<string, unknown> {
  const v = b[key];
  if (v === undefined || v === null) throw bad(`${what}: '${key}' is missing`);
  if (typeof v !== 'object' || Array.isArray(v)) throw bad(`${what}: '${key}' must be an object`);
  return v as Record<string, unknown>;
}

function sha(v: unknown, key: string, what: string): string {
  if (v === undefined || v === null) throw bad(`${what}: '${key}' is missing (the commit id)`);
  if (typeof v !== 'string' || !/^([0-9a-f]{40}|[0-9a-f]{64})$/i.test(v)) throw bad(`${what}: '${key}' must be a full commit id (40 hex digits); got ${JSON.stringify(v).slice(0, 80)}`);
  return v.toLowerCase();
}

function branchOf(name: string, key: string, what: string): string {
  const b = branchOnly(name);
  // git check-ref-format's main rules: what the build puts in BRANCH_NAME and hands to git.
  if (b === '' || b.length > 250 || b.startsWith('-') || b.startsWith('/') || b.endsWith('/') || b.endsWith('.lock') || b.includes('..') || b.includes('//') || /[\x00-\x20\x7f~^:?*[\\]/.test(b) || b.includes('@{')) {
    throw bad(`${what}: '${key}' is not a valid branch name: ${JSON.stringify(name).slice(0, 100)}`);
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// matching

/**
 * A repository URL reduced to what identifies it: `host/path` (host lower-cased; scheme, user
 * and port dropped; no trailing `/` or `.git`), or `/path` for a local repository.
 */
export function normalizeRepoUrl(url: string): string {
  const u = url.trim();
  let host = '';
  let p: string;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(u);
  if (m) {
    const rest = m[2]!;
    const slash = rest.indexOf('/');
    const authority = slash < 0 ? rest : rest.slice(0, slash);
    p = slash < 0 ? '' : rest.slice(slash);
    if (m[1]!.toLowerCase() !== 'file') host = authority.replace(/^.*@/, '').replace(/:\d*$/, '');
  } else {
    // scp-like `user@host:path` / `host:path` (no slash before the colon), else a local path.
    const scp = /^(?:[^@/]+@)?([^:/]+):(.*)$/.exec(u);
    if (scp) {
      host = scp[1]!;
      p = scp[2]!;
    } else {
      p = u;
    }
  }
  p = p.replace(/\/{2,}/g, '/').replace(/\/+$/, '').replace(/\.git$/i, '').replace(/\/+$/, '').replace(/^\/+/, '');
  return host ? `${host.toLowerCase()}/${p}` : `/${p}`;
}

export function sameRepository(a: string, b: string): boolean {
  return normalizeRepoUrl(a) === normalizeRepoUrl(b);
}

/**
 * Starts every enabled git job that builds the pushed repository and branch: what the push
 * names for the jobs its sender may have that of, a look at the branch for the others (header).
 */
export async function startMatching(ctx: WebhookContext, push: Push, sender: Sender = { kind: 'signed' }): Promise<WebhookAnswer> {
  const wanted = new Set(push.urls.map(normalizeRepoUrl));
  const jobs = (await ctx.store.jobs.list()).filter((j) => j.definition.kind === 'git' && wanted.has(normalizeRepoUrl(j.definition.url)) && !(push.hook === 'GitLab' && gitlabTriggerOf(j)));
  const matching = jobs.filter((j) => j.definition.kind === 'git' && branchOnly(j.definition.branch) === push.branch);
  const enabled = matching.filter((j) => !j.disabled);
  const answer: WebhookAnswer = { triggered: [] };
  const fail = (job: Job, message: string) => (answer.failed ??= []).push({ job: job.name, message });
  const named = push.commit !== null || Object.keys(push.params).length > 0;
  const polled: string[] = [];
  for (const job of enabled) {
    if (job.definition.kind !== 'git') continue;
    const trusted = sender.kind === 'signed' || (sender.kind === 'user' && (await sender.caller.mayBuild(job)));
    if (!trusted) {
      if (!ctx.poll || unsignedMode(ctx) === 'refuse') {
        // Only a user reaches here (anonymous pushes were refused before the body was read).
        fail(job, `${sender.kind === 'user' ? sender.caller.name : 'the sender'} may not build job '${job.name}', and this controller refuses unsigned webhooks: sign the hook with the webhook secret`);
        continue;
      }
      polled.push(job.name);
      const cause: BuildCause = { type: 'scm', description: `Started by an SCM change (an unsigned ${push.hook} push to ${push.branch})` };
      const o = await ctx.poll(job, cause).catch((err: unknown): FireOutcome => ({ kind: 'pollSCM', build: null, reason: (err as Error).message }));
      if (o.build) {
        answer.triggered.push({ job: job.name, number: o.build.number });
        ctx.log?.(`webhooks: ${job.name} #${o.build.number}: ${cause.description}; the branch's tip ${o.commit ?? ''} is built`);
      } else if (o.commit) {
        // The tip's id only to a user (who may read the job's builds anyway), not to anyone on the network.
        (answer.unchanged ??= []).push({ job: job.name, commit: sender.kind === 'user' ? o.commit : null });
      } else {
        // E.g. a private repository: the look at the branch (git ls-remote) has no credentials, as in pollSCM.
        fail(job, `${o.reason ?? 'could not look at the branch'}; a push signed with the webhook secret is built without looking first (admins see the secret on the job's page)`);
      }
      continue;
    }
    try {
      const cause: BuildCause = sender.kind === 'user' ? { ...push.cause, description: `${push.cause.description} (sent by ${sender.caller.name})`, userId: sender.caller.userId } : push.cause;
      // A commit a user names is a script that user chose (any commit the repository holds, a
      // fork's pull request too): the build binds folder credentials with their rights as well
      // (auth/folders.ts), as a replay with a changed script does. A signed push is the repository's word.
      const chooser = sender.kind === 'user' && push.commit !== null ? { user: sender.caller.userId ?? 'admin-token', via: 'webhook' as const } : null;
      const b: Build = await ctx.builds.trigger(job.name, {
        params: push.params,
        causes: [cause],
        scm: { url: job.definition.url, branch: push.branch, commit: push.commit },
        ...(chooser ? { replayedBy: chooser } : {}),
      });
      answer.triggered.push({ job: job.name, number: b.number });
      ctx.log?.(`webhooks: ${job.name} #${b.number}: ${cause.description} (${push.branch}${push.commit ? ` at ${push.commit}` : ''})`);
    } catch (err) {
      fail(job, (err as Error).message);
    }
  }
  if (polled.length > 0) {
    const who = sender.kind === 'user' ? `was sent by ${sender.caller.name}, who may not build ${polled.length === 1 ? 'this job' : 'these jobs'} (${polled.join(', ')})` : 'is not signed with the webhook secret and was sent by no user';
    answer.unsigned = `this ${push.hook} push ${who}: Kiln looked at branch '${push.branch}' as pollSCM does and builds its tip, with default parameters, only if it moved since the last build${named ? '; the commit and parameters the push named were ignored' : ''}. To have them used, sign the hook with the webhook secret (admins see it on the job's page).`;
  }
  if (enabled.length === 0) {
    const repo = push.urls[0] ?? '?';
    answer.ignored = jobs.length === 0 ? `no job builds ${repo}`
      : matching.length === 0 ? `no job builds branch '${push.branch}' of ${repo} (jobs of this repository build ${[...new Set(jobs.map((j) => j.definition.kind === 'git' ? `'${branchOnly(j.definition.branch)}'` : ''))].join(', ')})`
        : `the jobs that build branch '${push.branch}' of ${repo} are disabled (${matching.map((j) => j.name).join(', ')})`;
  }
  return answer;
}

// ---------------------------------------------------------------------------------------------
// the secret, the authenticated caller, and what admins are shown

/** The file a secret made at first start is kept in. */
export function webhookSecretFile(home: string): string {
  return path.join(home, 'secrets', 'webhook.secret');
}

/**
 * The webhook secret: the configured one, or the one in <home>/secrets/webhook.secret, made
 * (32 random bytes, hex, 0600) when there is none. A file that exists but cannot be read or
 * holds no usable secret stops the start with what to do.
 */
export async function webhookSecretOf(home: string, configured: string | null): Promise<{ secret: string; source: NonNullable<WebhookContext['secretSource']> }> {
  if (configured) return { secret: configured, source: { kind: 'configured' } };
  const file = webhookSecretFile(home);
  await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  await fsp.writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw new Error(`cannot write the webhook secret ${file}: ${err.message}`);
  });
  let text: string;
  try {
    text = (await fsp.readFile(file, 'utf8')).trim();
    await fsp.chmod(file, 0o600);
  } catch (err) {
    throw new Error(`cannot read the webhook secret ${file}: ${(err as Error).message}; give the controller's user access to it, or remove it to have a new one made (hooks signed with the old one are then refused)`);
  }
  if (text.length < 8 || text.length > 1024 || /\s/.test(text)) {
    throw new Error(`the webhook secret ${file} is not usable (8 to 1024 characters, no spaces); remove it to have a new one made, or set webhookSecret (KILN_WEBHOOK_SECRET)`);
  }
  return { secret: text, source: { kind: 'generated', file } };
}

/**
 * The sender a request is authenticated as (auth/http.ts found it): an API token or the admin
 * token; a session only with its CSRF token (a browser sends the cookie by itself). It may
 * build a job when its role may call POST /api/v1/jobs/:job/builds.
 */
export function webhookCaller(auth: Pick<AuthService, 'csrfMatches'>, folders?: Pick<FolderAccess, 'rights'>): (req: FastifyRequest) => WebhookCaller | null {
  return (req) => {
    const p = req.principal;
    if (!p) return null;
    if (p.via === 'session' && !auth.csrfMatches(p, header(req, CSRF_HEADER) ?? undefined)) return null;
    const needed = accessOf('POST', '/api/v1/jobs/:job/builds') ?? 'admin';
    // The role the build route needs, and job.build in the job's folder where it has grants (auth/folders.ts).
    const mayBuild = async (job: Job) => allows(p.role, needed) && (!folders || (await folders.rights(p, folderOf(job.name))).rights.includes('job.build'));
    return p.via === 'admin-token'
      ? { name: 'the configured admin token', userId: null, mayBuild }
      : { name: `user ${p.name}`, userId: p.name, mayBuild };
  };
}

/** GET /api/v1/jobs/:job/webhook (admins): where to send the job's pushes, and the secret to sign them with. */
function registerWebhookInfo(root: FastifyInstance, ctx: WebhookContext, unsigned: 'refuse' | 'poll'): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  app.get('/api/v1/jobs/:job/webhook', {
    schema: { operationId: 'getJobWebhook', tags: ['webhooks'], params: S.JobParams, response: answers({ 200: ref(S.WebhookInfo) }) },
  }, async (req, reply) => {
    const name = req.params.job;
    const job = await ctx.store.jobs.get(name);
    if (!job) throw new StoreError('not-found', `no job named '${name}'`);
    const base = ctx.publicUrl?.() ?? '/';
    const urls = { generic: `${base}api/v1/webhooks/generic`, github: `${base}api/v1/webhooks/github`, gitlab: `${base}api/v1/webhooks/gitlab` };
    const d = job.definition;
    reply.header('cache-control', 'no-store');
    return {
      job: job.name,
      repository: d.kind === 'git' ? d.url : null,
      branch: d.kind === 'git' ? branchOnly(d.branch) : null,
      urls,
      secret: ctx.secret ?? null,
      secretSource: ctx.secretSource?.kind ?? (ctx.secret ? 'configured' : null),
      unsigned,
      ...(d.kind === 'git' ? {} : { note: 'webhooks start only jobs whose Jenkinsfile comes from git' }),
    };
  });
}
