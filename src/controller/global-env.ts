// Jenkins' global environment variables ("Global properties > Environment variables" of Manage
// Jenkins): name/value pairs every build's processes get and Groovy's `env` sees, under all the
// build sets itself (its own variables, parameters, `environment {}`, `withEnv`) and over the
// node's own environment (an agent's PATH, HOME; a pod's agent container's env), as Jenkins
// applies its global node properties.
//
//   GET /api/v1/settings/global-env   { variables: { NAME: value, ... } }   (admin)
//   PUT /api/v1/settings/global-env   { variables: { ... } } replaces them  (admin; audit-logged)
//
// Stored as the settings document `global-env` (store/settings.ts). Values are not secrets (a
// build prints them with `env`): a secret belongs in a credential. Checked: names are shell
// variable names, not KILN_* (Kiln's own settings), at most 256 variables of at most 32 KiB each.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store, JsonValue } from '../store/types.ts';
import * as S from './api-schemas.ts';
import { answers, documented, type TypeBoxProvider } from './api-schemas.ts';
import { ApiError } from './http-errors.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_VARS = 256;
const MAX_VALUE = 32 * 1024;

/** The variables of a PUT body, checked: what is wrong names the variable. */
export function checkGlobalEnv(body: unknown): Record<string, string> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('invalid', 'body: { "variables": { "NAME": "value", ... } }');
  const extra = Object.keys(body).filter((k) => k !== 'variables');
  if (extra.length) throw new ApiError('invalid', `body: unknown field '${extra[0]!.slice(0, 60)}' (the only field is variables)`);
  const vars = (body as { variables?: unknown }).variables ?? {};
  if (typeof vars !== 'object' || vars === null || Array.isArray(vars)) throw new ApiError('invalid', 'variables: an object of NAME: "value"', { field: 'variables' });
  const entries = Object.entries(vars);
  if (entries.length > MAX_VARS) throw new ApiError('invalid', `variables: at most ${MAX_VARS}, got ${entries.length}`, { field: 'variables' });
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (!NAME.test(k) || k.length > 200) throw new ApiError('invalid', `variables.${k.slice(0, 60)}: a variable name is letters, digits and '_', not starting with a digit`, { field: `variables.${k.slice(0, 60)}` });
    if (/^KILN_/i.test(k)) throw new ApiError('invalid', `variables.${k}: KILN_* names are Kiln's own settings`, { field: `variables.${k}` });
    if (typeof v !== 'string') throw new ApiError('invalid', `variables.${k}: the value must be a string`, { field: `variables.${k}` });
    if (v.length > MAX_VALUE || v.includes('\0')) throw new ApiError('invalid', `variables.${k}: at most ${MAX_VALUE} characters, no NUL`, { field: `variables.${k}` });
    out[k] = v;
  }
  return out;
}

type Audit = (e: { actor: string; action: string; target: string; detail: string; address: string }) => Promise<void>;

export class GlobalEnv {
  readonly #store: Store;
  readonly #audit: Audit;

  constructor(o: { store: Store; audit: Audit }) {
    this.#store = o.store;
    this.#audit = o.audit;
  }

  /** The variables (empty when none are set). */
  async variables(): Promise<Record<string, string>> {
    const v = await this.#store.settings.get('global-env');
    const vars = (v && typeof v === 'object' && !Array.isArray(v) ? (v as { variables?: unknown }).variables : null) ?? {};
    return Object.fromEntries(Object.entries(vars as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  }

  async put(actor: string, body: unknown, address: string): Promise<{ variables: Record<string, string> }> {
    const variables = checkGlobalEnv(body);
    await this.#store.settings.put('global-env', { variables } as unknown as JsonValue);
    await this.#audit({ actor, action: 'settings.global-env', target: 'global-env', detail: Object.keys(variables).join(', ') || 'cleared', address });
    return { variables };
  }
}

export function registerGlobalEnvRoutes(root: FastifyInstance, env: GlobalEnv): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const actor = (req: FastifyRequest) => req.principal?.name ?? 'anonymous';
  const tags = ['settings'];
  app.get('/api/v1/settings/global-env', {
    schema: { operationId: 'getGlobalEnv', tags, summary: "Environment variables every build gets (Jenkins' global properties)", response: answers({ 200: S.GlobalEnvSettings }) },
  }, async (_req, reply) => reply.headers({ 'cache-control': 'no-store' }).send({ variables: await env.variables() }));
  app.put('/api/v1/settings/global-env', {
    schema: { operationId: 'putGlobalEnv', tags, summary: 'Replaces the environment variables every build gets', ...documented(S.AnyObject, S.GlobalEnvSettings), response: answers({ 200: S.GlobalEnvSettings }) },
  }, async (req) => env.put(actor(req), req.body, req.ip));
}
