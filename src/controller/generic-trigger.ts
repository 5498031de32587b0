// The Generic Webhook Trigger plugin's endpoint on the controller:
//   POST (or GET) /generic-webhook-trigger/invoke?token=TOKEN
// starts every job whose `GenericTrigger(...)` (triggers { } or pipelineTriggers([...]); the
// options are pipeline/model/generic-trigger.ts's, kept in the job's trigger spec) the request
// is for, with the variables it resolves from the body (JSONPath / XPath), the query and the
// headers in the build's environment (the cause's env) and as the values of the job's
// parameters of the same names, when its regexpFilterText matches regexpFilterExpression.
//
// Which jobs: the token comes from ?token=, a `token` header, `Authorization: Bearer ...` or
// `X-Gitlab-Token`, as the plugin reads it. A token selects the jobs whose trigger has that token
// (the job keeps its SHA-256; compared in constant time), or whose tokenCredentialId names a
// secret text credential the job sees holding it. Without one, the plugin finds the
// jobs without a token that the request's user may see: here, those an authenticated caller
// may build (webhookCaller; a Bearer that is no trigger's token but the user's Kiln API token
// counts as no token); an anonymous request without a token starts nothing.
//
// The answer is the plugin's JSON: 200 { "jobs": { "<job>": { "triggered", "id", "url",
// "resolvedVariables", "regexpFilterText", "regexpFilterExpression" } }, "message": "Triggered
// jobs." }; 404 { "jobs": null, "message": "Did not find any jobs with GenericTrigger
// configured! ..." } when none is found; jobs whose trigger has silentResponse are left out,
// and when all are, the answer is an empty 200. A job that could not start: its entry is the
// error's message and the answer is 500 "There were errors when triggering jobs.". Bodies are
// limited to 1 MB by the webhooks scope; what the variables hold is bounded by the model.
import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Job, JsonValue, Store } from '../store/types.ts';
import { CAUSE_LOG_MAX } from '../store/validate.ts';
import type { StoredGenericTrigger } from '../pipeline/model/generic-trigger.ts';
import { filterMatches, renderText, resolveGenericVariables } from '../pipeline/model/generic-trigger-eval.ts';
import { tokenMatches } from './gitlab-trigger.ts';
import type { TriggerTarget } from './triggers.ts';
import { answers } from './api-schemas.ts';

export const INVOKE_PATH = '/generic-webhook-trigger/invoke';

/** A job's GenericTrigger options, or null when it has none (or its spec is not readable). */
export function genericTriggerOf(job: Job): StoredGenericTrigger | null {
  const t = job.triggers.find((x) => x.type === 'GenericTrigger');
  if (!t) return null;
  try {
    const o = JSON.parse(t.spec) as StoredGenericTrigger;
    return { ...o, genericVariables: o.genericVariables ?? [], genericRequestVariables: o.genericRequestVariables ?? [], genericHeaderVariables: o.genericHeaderVariables ?? [] };
  } catch {
    return null;
  }
}

function first(v: string | string[] | undefined): string | null {
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? null : s;
}

/** The token as the plugin reads it: ?token=, a token header, a Bearer authorization, X-Gitlab-Token. */
function givenToken(req: FastifyRequest, query: Record<string, string[]>): { token: string; bearer: boolean } | null {
  const q = query.token?.[0];
  if (q) return { token: q, bearer: false };
  const h = first(req.headers.token);
  if (h) return { token: h, bearer: false };
  const auth = req.headers.authorization;
  for (const a of Array.isArray(auth) ? auth : auth ? [auth] : []) if (a.startsWith('Bearer ')) return { token: a.slice(7), bearer: true };
  const g = first(req.headers['x-gitlab-token']);
  return g ? { token: g, bearer: false } : null;
}

function queryOf(req: FastifyRequest): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const u = new URL(req.url, 'http://x');
  for (const [k, v] of u.searchParams) (out[k] ??= []).push(v);
  return out;
}

function headersOf(req: FastifyRequest): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined) continue;
    out[k.toLowerCase()] = Array.isArray(v) ? v : [String(v)];
  }
  return out;
}

function bodyOf(req: FastifyRequest, query: Record<string, string[]>): string {
  const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (!type.includes('application/x-www-form-urlencoded')) return raw;
  // A form is read as the plugin does: its fields (but the token) as a JSON object of lists.
  const data: Record<string, string[]> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    (data[k] ??= []).push(v);
    (query[k] ??= []).push(v);
  }
  delete data.token;
  return JSON.stringify(data);
}

/**
 * What the plugin's environment contributor prints at the build's start: with printPostContent its
 * class name, " Received:" and the body; with printContributedVariables "Contributing variables:"
 * and each `    NAME = value`. A body beyond what a cause keeps is cut, and says so.
 */
function causeLog(t: { printPostContent: boolean; printContributedVariables: boolean }, body: string, vars: Record<string, string>): string | null {
  let out = '';
  if (t.printPostContent) {
    const room = CAUSE_LOG_MAX / 2;
    const shown = body.length > room ? `${body.slice(0, room)}\n... (${body.length - room} more characters not shown)` : body;
    out += `GenericWebhookEnvironmentContributor\n Received:\n\n${shown}\n\n\n`;
  }
  if (t.printContributedVariables) {
    out += 'Contributing variables:\n\n';
    for (const [k, v] of Object.entries(vars)) out += `    ${k} = ${v}\n`;
    out += '\n\n';
  }
  return out === '' ? null : out.length > CAUSE_LOG_MAX ? `${out.slice(0, CAUSE_LOG_MAX - 64)}\n... (cut)\n` : out;
}

const JobResult = Type.Union([
  Type.Object({
    triggered: Type.Boolean(), id: Type.Number({ description: 'the build number (0 when none started)' }), url: Type.Union([Type.String(), Type.Null()]),
    resolvedVariables: Type.Record(Type.String(), Type.String()), regexpFilterText: Type.String(), regexpFilterExpression: Type.String(),
  }),
  Type.String({ description: 'why the job could not start' }),
]);
const InvokeAnswer = Type.Object({
  jobs: Type.Union([Type.Record(Type.String(), JobResult), Type.Null()]),
  message: Type.String(),
}, { description: "the Generic Webhook Trigger plugin's answer" });

/** What the route needs of the webhooks' context (webhooks.ts gives its WebhookContext). */
export interface GenericTriggerContext {
  store: Store;
  builds: TriggerTarget;
  log?: (line: string) => void;
  /** The request's authenticated user, and whether they may build a job; null: nobody. */
  caller?: (req: FastifyRequest) => { mayBuild(job: Job): boolean | Promise<boolean> } | null;
  /** A tokenCredentialId's secret (a secret text credential the job sees); null: none. */
  triggerSecret?: (credentialId: string, job: string) => Promise<string | null>;
}

/** Registers the route in the webhooks' scope (raw bodies, 1 MB, their error answers). */
export function registerGenericTrigger(scope: FastifyInstance, ctx: GenericTriggerContext): void {
  const schema = (operationId: string) => ({
    operationId, tags: ['webhooks'], summary: 'The Generic Webhook Trigger plugin: starts the jobs whose GenericTrigger has the token, with the variables resolved from the request',
    response: answers({ 200: InvokeAnswer, 404: InvokeAnswer, 500: InvokeAnswer }),
  });
  const handler = async (req: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const query = queryOf(req);
    const headers = headersOf(req);
    const body = bodyOf(req, query);
    const given = givenToken(req, query);
    let token = given?.token ?? null;
    const all = (await ctx.store.jobs.list()).filter((j) => genericTriggerOf(j) !== null);
    const found: Job[] = [];
    if (token !== null) {
      for (const j of all) {
        const t = genericTriggerOf(j)!;
        if (t.tokenSha256 && tokenMatches(token, t.tokenSha256)) found.push(j);
        else if (t.tokenCredentialId && ctx.triggerSecret) {
          const secret = await ctx.triggerSecret(t.tokenCredentialId, j.name);
          if (secret && tokenMatches(token, createHash('sha256').update(secret, 'utf8').digest('hex'))) found.push(j);
        }
      }
    }
    // A Bearer that is no trigger's token but Kiln's own API token: the request of that user, without a token.
    const caller = found.length === 0 && (token === null || given?.bearer) ? ctx.caller?.(req) ?? null : null;
    if (caller) {
      token = null;
      for (const j of all) { const t = genericTriggerOf(j)!; if (!t.tokenSha256 && !t.tokenCredentialId && (await caller.mayBuild(j))) found.push(j); }
    }
    if (found.length === 0) {
      const msg = `Did not find any jobs with GenericTrigger configured!\n${token === null
        ? 'No token was supplied.\nIf you are using a token, you need to pass it like ...trigger/invoke?token=TOKENHERE\nIf you are not using a token, you need to authenticate (an API token of a user who may build the job).\n'
        : 'A token was supplied.\n'}`;
      return reply.code(404).send({ jobs: null, message: msg });
    }
    const results: Record<string, unknown> = {};
    let allSilent = true;
    let errors = false;
    for (const job of found) {
      const t = genericTriggerOf(job)!;
      try {
        if (job.disabled) throw new Error(`job '${job.name}' is disabled`);
        const vars = await resolveGenericVariables(t, { body, query, headers });
        const text = renderText(t.regexpFilterText, vars);
        const matches = await filterMatches(text, t.regexpFilterExpression);
        let id = 0;
        let url: string | null = null;
        if (matches) {
          const params: Record<string, JsonValue> = {};
          for (const p of job.parameters) if (Object.hasOwn(vars, p.name)) params[p.name] = p.type === 'booleanParam' ? vars[p.name] === 'true' : vars[p.name]!;
          const description = renderText(t.causeString || 'Generic Cause', vars);
          const log = causeLog(t, body, vars);
          const b = await ctx.builds.trigger(job.name, { params, causes: [{ type: 'webhook', description, userId: null, env: vars, ...(log ? { log } : {}) }] });
          id = b.number;
          url = `job/${job.name}/${b.number}/`;
          ctx.log?.(`generic-webhook-trigger: ${job.name} #${b.number}: ${description}`);
        }
        if (!t.silentResponse) {
          allSilent = false;
          results[job.name] = { triggered: matches, id, url, resolvedVariables: vars, regexpFilterText: text, regexpFilterExpression: t.regexpFilterExpression };
        }
      } catch (e) {
        errors = true;
        allSilent = false;
        results[job.name] = `Exception occurred (${(e as Error).message})`;
      }
    }
    if (allSilent) return reply.code(200).send({ jobs: {}, message: '' });
    if (errors) return reply.code(500).send({ jobs: results, message: 'There were errors when triggering jobs.' });
    return reply.code(200).send({ jobs: results, message: 'Triggered jobs.' });
  };
  scope.post(INVOKE_PATH, { bodyLimit: 1024 * 1024, schema: schema('genericWebhookTriggerInvoke') }, handler);
  scope.get(INVOKE_PATH, { schema: schema('genericWebhookTriggerInvokeGet') }, handler);
}
