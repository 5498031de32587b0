// The build form's choices of an Active Choices parameter (activeChoice, reactiveChoice,
// activeChoiceHtml): GET /api/v1/jobs/:job/parameters/:name/choices?ENV=prod runs the parameter's
// Groovy script (pipeline/model/active-choices-eval.ts: Kiln's restricted interpreter, always
// sandboxed, only the referenced parameters bound, stopped after 10 s, its answer bounded) with
// the referenced parameters' values from the query (other query names are ignored), and answers
// the values, labels, selected and disabled ones (or the HTML text), whether the fallback script
// gave them and why the script failed.
// Who: a developer (the role that may start the build the form is for): a call runs a script on
// the controller. Bounded: at most MAX_RUNNING scripts at once (more: 503, try again), each
// value of the query at most 2,000 characters. activeChoiceDefaults gives a build started without
// the form (API, timer) the script's default, as the plugin's getDefaultParameterValue does.
// inputChoices does the same for an Active Choices parameter of a waiting input's form (the
// route is in http.ts, by the input routes), under the same bound.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Job, Store } from '../store/types.ts';
import { evaluateActiveChoices, type ActiveChoices } from '../pipeline/model/active-choices-eval.ts';
import type { ActiveChoiceOptions } from '../pipeline/model/active-choices.ts';
import { ApiError } from './http-errors.ts';
import { Answer, JobParams, answers, type TypeBoxProvider } from './api-schemas.ts';

const MAX_RUNNING = 4;
const MAX_VALUE = 2000;
let running = 0;

/** The referenced parameters' values from the query (a repeated name: its first value); a value too long is refused. */
function referenced(query: unknown, names: readonly string[]): Record<string, string> {
  const q = (query ?? {}) as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const n of names) {
    if (!Object.hasOwn(q, n)) continue;
    const raw = q[n];
    const v = Array.isArray(raw) ? raw[0] : raw;
    if (typeof v !== 'string') continue;
    if (v.length > MAX_VALUE) throw new ApiError('invalid', `the value of '${n}' is longer than ${MAX_VALUE} characters`);
    out[n] = v;
  }
  return out;
}

/**
 * The values of the job's Active Choices parameters a build was started without (API, timer,
 * SCM), as the plugin's getDefaultParameterValue gives them from the script: the entries it
 * marked ':selected' (joined with ','), else its first one; ET_TEXT_BOX's text; else ''. The
 * referenced parameters are bound to the build's values (given, or found before, in order).
 */
export async function activeChoiceDefaults(job: Job, params: Record<string, unknown>): Promise<void> {
  for (const p of job.parameters) {
    if (!p.activeChoice || Object.hasOwn(params, p.name)) continue;
    const known: Record<string, string> = {};
    for (const [k, v] of Object.entries(params)) if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') known[k] = String(v);
    const r = await evaluateActiveChoices(p.activeChoice, known);
    params[p.name] = r.html !== null ? (p.activeChoice.choiceType === 'ET_TEXT_BOX' ? r.html : '')
      : r.selected.length > 0 ? r.selected.join(',') : r.values.find((v) => !r.disabled.includes(v)) ?? '';
  }
}

/** A waiting input's Active Choices parameter asked again with the referenced values of the query, at most MAX_RUNNING at once. */
export async function inputChoices(o: ActiveChoiceOptions, query: unknown): Promise<ActiveChoices> {
  const values = referenced(query, o.referencedParameters);
  if (running >= MAX_RUNNING) throw new ApiError('unavailable', 'too many Active Choices scripts are running; try again');
  running++;
  try {
    return await evaluateActiveChoices(o, values);
  } finally {
    running--;
  }
}

export function registerActiveChoicesRoutes(root: FastifyInstance, deps: { store: Store }): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  app.get('/api/v1/jobs/:job/parameters/:name/choices', {
    schema: {
      operationId: 'listActiveChoices', tags: ['jobs'],
      summary: "The choices an Active Choices parameter's form offers: its Groovy script run sandboxed, the referenced parameters' values given in the query (?ENV=prod)",
      params: Type.Intersect([JobParams, Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) })]),
      response: answers({ 200: Answer({
        kind: Type.String({ description: 'activeChoice, reactiveChoice or activeChoiceHtml' }),
        choiceType: Type.String(),
        referencedParameters: Type.Array(Type.String()),
        values: Type.Array(Type.String()),
        labels: Type.Array(Type.String(), { description: "each value's label (a map's value; a list's item itself)" }),
        selected: Type.Array(Type.String(), { description: "the values whose entry ended in ':selected'" }),
        disabled: Type.Array(Type.String(), { description: "the values whose entry ended in ':disabled'" }),
        html: Type.Union([Type.String(), Type.Null()], { description: "activeChoiceHtml: the script's answer as text (HTML for ET_FORMATTED_HTML; the form shows it as text)" }),
        fallback: Type.Boolean({ description: 'the script failed and the fallback script gave the answer' }),
        error: Type.Union([Type.String(), Type.Null()], { description: 'why the script failed' }),
      }) }),
    },
  }, async (req) => {
    const job = await deps.store.jobs.get(req.params.job);
    if (!job) throw new ApiError('not-found', `no job named '${req.params.job}'`);
    const p = job.parameters.find((x) => x.name === req.params.name);
    if (!p) throw new ApiError('not-found', `job '${job.name}' has no parameter '${req.params.name}'`);
    if (!p.activeChoice) throw new ApiError('invalid', `parameter '${p.name}' of job '${job.name}' is a ${p.type} parameter, not an Active Choices parameter`);
    if (running >= MAX_RUNNING) throw new ApiError('unavailable', 'too many Active Choices scripts are running; try again');
    running++;
    try {
      const o = p.activeChoice;
      const r = await evaluateActiveChoices(o, referenced(req.query, o.referencedParameters));
      return { kind: o.kind, choiceType: o.choiceType, referencedParameters: o.referencedParameters, ...r };
    } finally {
      running--;
    }
  });
}
