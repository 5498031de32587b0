// What `withSecrets` does, as the 1Password Secrets plugin's WithSecretsStepExecution does it:
// the configuration is the step's `config` over OP_CONNECT_HOST / OP_CONNECT_TOKEN /
// OP_SERVICE_ACCOUNT_TOKEN of the build's environment (OnePasswordAccessor.pullAndMergeConfig);
// the secrets are the step's `secrets` plus every variable of the build's environment whose
// value is an op:// reference (loadSecrets); "Retrieving secret <envVar>" is printed for each,
// and the block runs with each variable set to the secret, every value masked.
//
// Why Connect's HTTP API and not the op CLI: the plugin runs `<opCLIPath>/op read <ref>` (a
// closed-source binary the job downloads), which talks to a Connect server when OP_CONNECT_HOST
// and OP_CONNECT_TOKEN are set, and to 1Password.com with a service account token otherwise.
// Kiln cannot run that binary here, but Connect's REST API is documented: a reference is
// resolved as op read resolves it, from the Kiln process:
//   GET /v1/vaults?filter=name eq "<vault>"        (or the vault's id)
//   GET /v1/vaults/<id>/items?filter=title eq "<item>"  (or the item's id)
//   GET /v1/vaults/<id>/items/<id>                 the fields, matched by label or id, in the
//                                                  section named (label or id) when the reference has one
// with `Authorization: Bearer <Connect token>`. A service account alone has no HTTP API Kiln can
// speak (1Password.com's protocol is the CLI's own), so it fails the step saying so.
// Security: connectHost must be a plain http(s) URL; the link-local range (cloud metadata) is
// refused at connect time, the Kiln server's own network unless an administrator allows the host; names go into the filter only without '"' or '\'.
import { StepFailure } from '../../core/errors.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type GMap, type Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, jsonOf } from '../../util/http-client.ts';
import { reachGuard } from '../../util/webhook-post.ts';
import type { HttpRequestSettings } from '../../core/http-services.ts';

const CONFIG_CLASS = 'com.onepassword.jenkins.plugins.config.OnePasswordConfig';
const SECRET_CLASS = 'com.onepassword.jenkins.plugins.model.OnePasswordSecret';
const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v)).trim();
const ID = /^[a-z0-9]{26}$/;

function fields(ctx: StepContext, v: Value | undefined, cls: string, keys: readonly string[], what: string): Record<string, Value> {
  if (!isMap(v)) throw new StepFailure(`withSecrets: ${what} must be a map like [${keys.slice(0, 2).map((k) => `${k}: ..`).join(', ')}]`);
  const out: Record<string, Value> = {};
  const unknown: string[] = [];
  for (const [k, x] of v as GMap) {
    if (k === '$class') continue;
    if (keys.includes(k)) out[k] = x;
    else unknown.push(k);
  }
  if (unknown.length) ctx.log(`WARNING: Unknown parameter(s) found for class type '${cls}': ${unknown.sort().join(',')}`);
  return out;
}

/** OnePasswordAccessor.isOPReference: op:// and 3 or 4 parts. */
export function isOPReference(ref: string): boolean {
  if (!ref.startsWith('op://')) return false;
  const parts = ref.slice(5).split('/');
  return parts.length >= 3 && parts.length <= 4;
}

interface Ref { vault: string; item: string; section: string | null; field: string }

export function parseRef(ref: string): Ref {
  if (!isOPReference(ref)) throw new StepFailure(`Error retrieving secret ${ref}:\nnot a secret reference: expected op://<vault>/<item>/[<section>/]<field>`);
  if (ref.includes('?')) throw new StepFailure(`Error retrieving secret ${ref}:\nKiln reads a field's value only; query parameters (?attribute=, ?ssh-format=) are not supported`);
  const parts = ref.slice(5).split('/');
  if (parts.some((p) => p.trim() === '' || /["\\\0-\x1f]/.test(p))) throw new StepFailure(`Error retrieving secret ${ref}:\nevery part of the reference must be a non-empty name without quotes, backslashes or control characters`);
  return parts.length === 4
    ? { vault: parts[0]!, item: parts[1]!, section: parts[2]!, field: parts[3]! }
    : { vault: parts[0]!, item: parts[1]!, section: null, field: parts[2]! };
}

function baseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StepFailure(`withSecrets: connectHost '${url}' is not a URL`);
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.username || u.password || u.search || u.hash || url.includes('?') || url.includes('#')) {
    throw new StepFailure(`withSecrets: connectHost '${u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : url}' must be an http or https URL without user info, a query or a fragment`);
  }
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/**
 * Where a Connect request may go: never a link-local address (the cloud metadata service); the
 * Kiln server's own network only when an administrator allows the host (the httpRequest
 * settings), as for every URL a build chooses and the controller calls: the host comes from the
 * Jenkinsfile or the build's environment, so a pipeline could else make the controller probe it.
 */
const guardFor = (reach: HttpRequestSettings | null | undefined) => {
  const network = reachGuard(reach);
  return (address: string, host: string): string | null => {
    const a = address.toLowerCase().replace(/^::ffff:/, '');
    if (/^169\.254\./.test(a) || /^fe[89ab]/.test(a)) return `withSecrets: ${address} is a link-local address (a cloud metadata service), not a 1Password Connect server`;
    return network?.(address, host) ? `withSecrets: ${host} is ${address}, an address of the Kiln server's own network: a Connect host a build chooses may reach it only when an administrator allows the host (HTTP services settings: httpRequest allowedHosts)` : null;
  };
};

interface Section { id?: string; label?: string }
interface Field { id?: string; label?: string; value?: unknown; section?: { id?: string } }

class Connect {
  private readonly ctx: StepContext;
  private readonly base: string;
  private readonly token: string;
  private readonly guard: (address: string, host: string) => string | null;
  constructor(ctx: StepContext, base: string, token: string, guard: (address: string, host: string) => string | null) {
    this.ctx = ctx;
    this.base = base;
    this.token = token;
    this.guard = guard;
  }

  async get(path: string, ref: string): Promise<unknown> {
    let a;
    try {
      a = await httpCall({ method: 'GET', url: `${this.base}${path}`, headers: { Accept: 'application/json', Authorization: `Bearer ${this.token}` }, timeoutMs: 30_000, signal: this.ctx.signal, maxBytes: 4 * 1024 * 1024, addressGuard: this.guard });
    } catch (e) {
      if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
      throw new StepFailure(`Error retrieving secret ${ref}:\n${(e as Error).message}`);
    }
    if (a.status === 200) return jsonOf(a);
    const msg = (jsonOf(a) as { message?: unknown } | null)?.message;
    if (a.status === 401 || a.status === 403) throw new StepFailure(`Error retrieving secret ${ref}:\nthe Connect server refused the token (HTTP ${a.status}${msg ? `: ${String(msg)}` : ''})`);
    throw new StepFailure(`Error retrieving secret ${ref}:\nthe Connect server answered HTTP ${a.status}${msg ? `: ${String(msg)}` : ''}`);
  }

  /** The one object of a list filtered by name (or the id itself): its id. */
  async find(listPath: string, attr: 'name' | 'title', name: string, what: string, ref: string): Promise<string> {
    const filter = encodeURIComponent(`${attr} eq "${name}"`);
    const list = await this.get(`${listPath}?filter=${filter}`, ref);
    const found = Array.isArray(list) ? (list as { id?: unknown }[]).filter((x) => typeof x?.id === 'string') : [];
    if (found.length === 1) return found[0]!.id as string;
    if (found.length > 1) throw new StepFailure(`Error retrieving secret ${ref}:\nmore than one ${what} matches '${name}'; use its id`);
    if (ID.test(name)) return name;
    throw new StepFailure(`Error retrieving secret ${ref}:\n"${name}" isn't ${what === 'item' ? 'an item' : 'a vault'} in ${what === 'item' ? 'this vault' : 'the Connect server\'s vaults'}`);
  }

  async read(ref: string): Promise<string> {
    const r = parseRef(ref);
    const vault = await this.find('/v1/vaults', 'name', r.vault, 'vault', ref);
    const item = await this.find(`/v1/vaults/${encodeURIComponent(vault)}/items`, 'title', r.item, 'item', ref);
    const full = await this.get(`/v1/vaults/${encodeURIComponent(vault)}/items/${encodeURIComponent(item)}`, ref) as { fields?: Field[]; sections?: Section[] } | null;
    const all = Array.isArray(full?.fields) ? full.fields : [];
    let candidates: Field[];
    if (r.section !== null) {
      const sec = (full?.sections ?? []).find((s) => s.id === r.section || s.label === r.section);
      if (!sec) throw new StepFailure(`Error retrieving secret ${ref}:\n"${r.section}" isn't a section in the "${r.item}" item`);
      candidates = all.filter((f) => f.section?.id === sec.id);
    } else {
      const top = all.filter((f) => !f.section?.id);
      candidates = top.some((f) => f.id === r.field || f.label === r.field) ? top : all;
    }
    const byId = candidates.filter((f) => f.id === r.field);
    const matches = byId.length ? byId : candidates.filter((f) => f.label === r.field);
    if (matches.length === 0) throw new StepFailure(`Error retrieving secret ${ref}:\n"${r.field}" isn't a field in the "${r.item}" item`);
    if (matches.length > 1) throw new StepFailure(`Error retrieving secret ${ref}:\nmore than one field matches "${r.field}"; use its id or name its section`);
    const v = matches[0]!.value;
    const value = v === undefined || v === null ? '' : String(v);
    if (value.trim() === '') throw new StepFailure(`Secret with reference ${ref} is empty.`);
    return value;
  }
}

const withSecrets: StepRun = async (ctx, args) => {
  const given = args.values.config === undefined || args.values.config === null ? {} : fields(ctx, args.values.config, CONFIG_CLASS, ['connectHost', 'connectCredentialId', 'serviceAccountCredentialId', 'opCLIPath'], 'config');
  const secrets: { envVar: string; ref: string }[] = [];
  const list = args.values.secrets ?? [];
  if (!isList(list)) throw new StepFailure("withSecrets: secrets must be a list like [[envVar: 'X', secretRef: 'op://vault/item/field']]");
  list.forEach((s, i) => {
    const f = fields(ctx, s, SECRET_CLASS, ['envVar', 'secretRef'], `secrets[${i}]`);
    const envVar = str(f.envVar);
    const ref = str(f.secretRef);
    if (!envVar || /[=\0]/.test(envVar)) throw new StepFailure(`withSecrets: secrets[${i}] needs an envVar that can name an environment variable`);
    if (!ref) throw new StepFailure(`withSecrets: secrets[${i}] has no secretRef`);
    secrets.push({ envVar, ref });
  });
  for (const [k, v] of Object.entries(ctx.env)) if (isOPReference(v) && !secrets.some((s) => s.envVar === k)) secrets.push({ envVar: k, ref: v });

  const host = str(given.connectHost) || str(ctx.env.OP_CONNECT_HOST);
  const connectId = str(given.connectCredentialId);
  const saId = str(given.serviceAccountCredentialId);
  const secretOf = async (id: string, what: string): Promise<string> => {
    const c = await ctx.build.services.credential(id);
    if (c.type !== 'secretText' || !c.secret) throw new StepFailure(`withSecrets: the credential '${id}' is a ${c.type}: the ${what} must be a secret text`);
    return c.secret;
  };
  const connectToken = connectId ? await secretOf(connectId, 'Connect token') : str(ctx.env.OP_CONNECT_TOKEN);
  const serviceAccount = saId ? await secretOf(saId, 'service account token') : str(ctx.env.OP_SERVICE_ACCOUNT_TOKEN);
  if (!serviceAccount) {
    if (connectToken && !host) throw new StepFailure('The Connect host is not configured - please provide the host to the Connect instance.');
    if (host && !connectToken) throw new StepFailure('The Connect credential is not configured - please provide the credential of the Connect instance.');
    if (!host && !connectToken) throw new StepFailure('No credential has been configured - please provide either the credential and host of the Connect instance or the credential of the Service Account Token.');
  }
  if (!host || !connectToken) {
    throw new StepFailure('withSecrets: a 1Password service account is read with the op CLI (1Password\'s own binary and protocol), which Kiln does not run; configure a 1Password Connect server instead (config: [connectHost:, connectCredentialId:] or OP_CONNECT_HOST and OP_CONNECT_TOKEN)');
  }
  const reach = (await ctx.build.services.httpServices?.settings())?.httpRequest;
  const connect = new Connect(ctx, baseUrl(host), connectToken, guardFor(reach));
  const env: Record<string, string> = {};
  const masked = [connectToken];
  for (const s of secrets) {
    ctx.log(`Retrieving secret ${s.envVar}`);
    const value = await connect.read(s.ref);
    env[s.envVar] = value;
    masked.push(value);
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= 4 && line !== value) masked.push(line);
  }
  return ctx.runBody(args.body!, { env, secrets: masked });
};

const runtime: PluginRuntime = { steps: { withSecrets } };
export default runtime;
