// What `withVault` (and wrap's VaultBuildWrapper) does, as the HashiCorp Vault plugin's
// VaultBuildWrapper does it, over Vault's documented HTTP API:
// - configuration (the step's over the host's: the controller's settings `vault`, kiln run's
//   KILN_VAULT_*, as the plugin's global configuration): vaultUrl (a trailing '/' dropped), vaultCredentialId, engineVersion (default
//   2), failIfNotFound (default true), skipSslVerification, timeout (seconds, default 30: how
//   long a read is retried when Vault cannot answer), vaultNamespace (X-Vault-Namespace on every
//   request), prefixPath (put before every path). Without secrets the block just runs
//   (JENKINS-44163); without a URL or a credential the step fails in the plugin's words.
// - the credential: a secret text is a token (X-Vault-Token); a username/password is an AppRole,
//   logged in first (POST /v1/auth/approle/login {role_id, secret_id} -> auth.client_token).
// - each secret: "Retrieving secret: <path>" (the path's ${VAR} expanded from the build's
//   environment), GET /v1/<path> for KV v1, /v1/<mount>/data/<rest> for KV v2 (the driver's
//   rewriting: 'data' after the mount, which is the prefixPath's segments or the first one).
//   A 403 prints "Access denied to Vault Secrets at '<path>'" and goes on; a 404 fails the step
//   ("Vault credentials not found for '<path>'") unless failIfNotFound: false, which prints it; a
//   5xx or no answer is retried each second until `timeout`, then fails ("Vault response
//   returned 503 for secret path <path>"); another 4xx prints "Vault responded with N error
//   code." and Vault's errors, and goes on. A key that is absent or empty fails the step
//   ("Vault Secret <key> at <path> is either null or empty. Please check the Secret in Vault.")
//   unless its isRequired is false; envVar defaults to the key.
// - every value read, the token and the AppRole's secret_id are masked in the block's console
//   (`set -x` included: the engine masks whatever is printed).
// Security: the URL must be http(s) without user info, query or fragment, and the path's
// segments are URL-encoded with '.' and '..' refused, so a Jenkinsfile cannot turn the request
// into one for another path; an address in the link-local range (the cloud metadata service) is
// refused at connect time. A loopback or private address is where Vault usually lives: the
// administrator's Vault URL may be one; a vaultUrl the Jenkinsfile chooses reaches one only when
// an administrator allows its host (vaultGuard), as every URL a build chooses and the controller calls.
import { StepFailure } from '../../core/errors.ts';
import type { Credential } from '../../core/credentials.ts';
import type { HttpRequestSettings, VaultSettings } from '../../core/http-services.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type GMap, type Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, jsonOf, type HttpAnswer } from '../../util/http-client.ts';
import { reachGuard } from '../../util/webhook-post.ts';

const CONFIG_CLASS = 'com.datapipe.jenkins.vault.configuration.VaultConfiguration';
const SECRET_CLASS = 'com.datapipe.jenkins.vault.model.VaultSecret';
const VALUE_CLASS = 'com.datapipe.jenkins.vault.model.VaultSecretValue';
const CONFIG_KEYS = ['vaultUrl', 'vaultCredentialId', 'engineVersion', 'failIfNotFound', 'skipSslVerification', 'timeout', 'vaultNamespace', 'prefixPath'];
const SECRET_KEYS = ['path', 'engineVersion', 'secretValues'];
const VALUE_KEYS = ['envVar', 'vaultKey', 'isRequired'];
const RETRY_MS = 1000;

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v)).trim();

interface SecretValue { envVar: string; vaultKey: string; isRequired: boolean }
interface VaultSecret { path: string; engineVersion: number | null; values: SecretValue[] }
interface Config {
  url: string;
  credentialId: string;
  engineVersion: number;
  failIfNotFound: boolean;
  insecure: boolean;
  timeoutS: number;
  namespace: string;
  prefixPath: string;
}

/** The map's entries as named values (a `$class` key checked); unknown names warned as Jenkins' structs warns. */
function fields(ctx: StepContext, v: Value | undefined, cls: string, keys: readonly string[], what: string): Record<string, Value> {
  if (!isMap(v)) throw new StepFailure(`withVault: ${what} must be a map like [${keys.slice(0, 2).map((k) => `${k}: ..`).join(', ')}], got ${v === null || v === undefined ? 'null' : typeof v}`);
  const out: Record<string, Value> = {};
  const unknown: string[] = [];
  const simple = cls.slice(cls.lastIndexOf('.') + 1);
  for (const [k, x] of v as GMap) {
    if (k === '$class') {
      if (x !== simple && x !== cls) throw new StepFailure(`withVault: ${what} is a ${String(x)}, expected a ${simple}`);
      continue;
    }
    if (keys.includes(k)) out[k] = x;
    else unknown.push(k);
  }
  if (unknown.length) ctx.log(`WARNING: Unknown parameter(s) found for class type '${cls}': ${unknown.sort().join(',')}`);
  return out;
}

function engine(v: Value | undefined, where: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'number' ? v : Number(String(v));
  if (n !== 1 && n !== 2) throw new StepFailure(`withVault: ${where}engineVersion must be 1 or 2, got ${String(v)}`);
  return n;
}

/**
 * The step's configuration over the host's (the plugin's global configuration: the controller's
 * settings, `kiln run`'s KILN_VAULT_*), as VaultConfiguration.mergeWithParent merges them: what
 * the step leaves blank comes from the host.
 */
function parseConfig(ctx: StepContext, v: Value | undefined, host: VaultSettings | null): Config {
  if ((v === undefined || v === null) && !host) throw new StepFailure('No configuration found - please configure the VaultPlugin.');
  const c = v === undefined || v === null ? {} : fields(ctx, v, CONFIG_CLASS, CONFIG_KEYS, 'configuration');
  let timeoutS = 30;
  if (c.timeout !== undefined && c.timeout !== null) {
    timeoutS = Number(c.timeout);
    if (!Number.isInteger(timeoutS) || timeoutS < 0 || timeoutS > 3600) throw new StepFailure(`withVault: timeout must be a number of seconds (0 to 3600), got ${String(c.timeout)}`);
  }
  return {
    url: (str(c.vaultUrl) || host?.url || '').replace(/\/$/, ''),
    credentialId: str(c.vaultCredentialId) || host?.credentialsId || '',
    engineVersion: engine(c.engineVersion, 'configuration ') ?? host?.engineVersion ?? 2,
    failIfNotFound: c.failIfNotFound !== false && c.failIfNotFound !== 'false',
    insecure: c.skipSslVerification === undefined || c.skipSslVerification === null ? host?.skipSslVerification === true : c.skipSslVerification === true || c.skipSslVerification === 'true',
    timeoutS,
    namespace: str(c.vaultNamespace) || host?.namespace || '',
    prefixPath: str(c.prefixPath),
  };
}

function parseSecrets(ctx: StepContext, v: Value | undefined): VaultSecret[] {
  if (v === undefined || v === null) return [];
  if (!isList(v)) throw new StepFailure('withVault: vaultSecrets must be a list like [[path: \'secret/app\', secretValues: [[envVar: \'X\', vaultKey: \'x\']]]]');
  return v.map((s, i) => {
    const f = fields(ctx, s, SECRET_CLASS, SECRET_KEYS, `vaultSecrets[${i}]`);
    const path = str(f.path);
    if (!path) throw new StepFailure(`withVault: vaultSecrets[${i}] has no path`);
    const list = f.secretValues ?? [];
    if (!isList(list)) throw new StepFailure(`withVault: vaultSecrets[${i}].secretValues must be a list like [[envVar: 'X', vaultKey: 'x']]`);
    const values = list.map((x, j) => {
      const g = fields(ctx, x, VALUE_CLASS, VALUE_KEYS, `vaultSecrets[${i}].secretValues[${j}]`);
      const vaultKey = str(g.vaultKey);
      if (!vaultKey) throw new StepFailure(`withVault: vaultSecrets[${i}].secretValues[${j}] has no vaultKey`);
      const envVar = str(g.envVar) || vaultKey;
      if (/[=\0]/.test(envVar)) throw new StepFailure(`withVault: '${envVar}' cannot be the name of an environment variable`);
      return { envVar, vaultKey, isRequired: g.isRequired !== false && g.isRequired !== 'false' };
    });
    return { path, engineVersion: engine(f.engineVersion, `vaultSecrets[${i}].`), values };
  });
}

/** `${VAR}` and `$VAR` from the build's environment (EnvVars.expand: an unknown name stays as written). */
const expand = (ctx: StepContext, s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (all, a: string | undefined, b: string | undefined) => ctx.env[(a ?? b)!] ?? all);

/** The request path under /v1/ for a secret path: KV v2 gets 'data' after its mount. Segments encoded; '.', '..' refused. */
export function apiPath(path: string, engineVersion: number, mountDepth: number): string {
  const segs = path.split('/').filter((s) => s !== '');
  if (segs.length === 0) throw new StepFailure(`withVault: '${path}' is not a Vault path`);
  for (const s of segs) {
    if (s === '.' || s === '..' || /[\0-\x1f?#\\]/.test(s)) throw new StepFailure(`withVault: the path '${path}' has a segment Vault paths cannot have ('${s}')`);
  }
  if (engineVersion === 2) segs.splice(Math.min(Math.max(mountDepth, 1), segs.length), 0, 'data');
  return segs.map(encodeURIComponent).join('/');
}

/** The Vault server's base URL, refused when it is not a plain http(s) URL. */
export function baseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StepFailure(`withVault: vaultUrl '${url}' is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new StepFailure(`withVault: vaultUrl '${url}' must be an http or https URL`);
  if (u.username || u.password || u.search || u.hash || url.includes('?') || url.includes('#')) throw new StepFailure(`withVault: vaultUrl '${u.origin}' must not have user info, a query or a fragment`);
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

/** Link-local addresses (169.254.0.0/16, fe80::/10: the cloud metadata services) are never Vault. */
export function vaultAddressGuard(address: string): string | null {
  const a = address.toLowerCase().replace(/^::ffff:/, '');
  if (/^169\.254\./.test(a) || /^fe[89ab]/.test(a)) return `withVault: ${address} is a link-local address (a cloud metadata service), not a Vault server`;
  return null;
}

const errorsOf = (a: HttpAnswer): string => {
  const e = (jsonOf(a) as { errors?: unknown } | null)?.errors;
  return Array.isArray(e) ? e.map(String).join('\n') : '';
};

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  const t = setTimeout(() => { signal.removeEventListener('abort', done); resolve(); }, ms);
  const done = () => { clearTimeout(t); resolve(); };
  signal.addEventListener('abort', done, { once: true });
});

class Vault {
  token = '';
  private readonly ctx: StepContext;
  private readonly base: string;
  private readonly c: Config;
  private readonly guard: (address: string, host: string) => string | null;
  constructor(ctx: StepContext, base: string, c: Config, guard: (address: string, host: string) => string | null) {
    this.ctx = ctx;
    this.base = base;
    this.c = c;
    this.guard = guard;
  }

  call(method: string, apiPath: string, body?: unknown): Promise<HttpAnswer> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (this.token) headers['X-Vault-Token'] = this.token;
    if (this.c.namespace) headers['X-Vault-Namespace'] = this.c.namespace;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    return httpCall({
      method, url: `${this.base}/v1/${apiPath}`, headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      timeoutMs: 30_000, insecure: this.c.insecure, signal: this.ctx.signal, maxBytes: 4 * 1024 * 1024,
      addressGuard: this.guard,
    });
  }

  /** One call, retried each second while Vault cannot answer (no answer, 5xx) until the configured timeout. */
  async retried(method: string, apiPath: string, body?: unknown): Promise<HttpAnswer | Error> {
    const until = Date.now() + this.c.timeoutS * 1000;
    for (;;) {
      let a: HttpAnswer | Error;
      try {
        a = await this.call(method, apiPath, body);
      } catch (e) {
        if (e instanceof HttpCallError && (e.kind === 'aborted' || e.kind === 'guard' || e.kind === 'url')) throw new StepFailure(e.message);
        a = e as Error;
      }
      if (!(a instanceof Error) && a.status < 500) return a;
      if (this.ctx.signal.aborted || Date.now() + RETRY_MS > until) return a;
      await sleep(RETRY_MS, this.ctx.signal);
    }
  }

  async login(cred: Credential): Promise<string[]> {
    if (cred.type === 'secretText' && cred.secret) {
      this.token = cred.secret;
      return [cred.secret];
    }
    if (cred.type === 'usernamePassword' && cred.username && cred.password) {
      const a = await this.retried('POST', 'auth/approle/login', { role_id: cred.username, secret_id: cred.password });
      if (a instanceof Error) throw new StepFailure(`could not log in into vault: ${a.message}`);
      const token = (jsonOf(a) as { auth?: { client_token?: unknown } } | null)?.auth?.client_token;
      if (a.status !== 200 || typeof token !== 'string' || !token) {
        const errs = errorsOf(a);
        throw new StepFailure(`could not log in into vault: AppRole login answered HTTP ${a.status}${errs ? `: ${errs}` : ''}`);
      }
      this.token = token;
      return [cred.password, token];
    }
    throw new StepFailure(`withVault: the credential '${cred.id}' is a ${cred.type}: give a secret text (a Vault token) or a username/password (an AppRole: role_id and secret_id)`);
  }
}

/**
 * Where a withVault call may go. The administrator's Vault URL (the global configuration) is
 * trusted whatever its address; a vaultUrl the Jenkinsfile chooses goes to the Kiln server's own
 * network only when an administrator allows the host (the httpRequest settings), as every URL a
 * build chooses and the controller calls: else a pipeline could make the controller probe its
 * network, a token header along. A link-local address (the cloud metadata service) is never Vault.
 */
function vaultGuard(base: string, adminBase: string | null, reach: HttpRequestSettings | null | undefined): (address: string, host: string) => string | null {
  const network = base === adminBase ? undefined : reachGuard(reach);
  return (address, host) => vaultAddressGuard(address)
    ?? (network?.(address, host) ? `withVault: ${host} is ${address}, an address of the Kiln server's own network: a vaultUrl a Jenkinsfile chooses may reach it only when an administrator allows the host (HTTP services settings: httpRequest allowedHosts) or makes it the Vault URL of the settings` : null);
}

const withVault: StepRun = async (ctx, args) => {
  const settings = await ctx.build.services.httpServices?.settings();
  const host = settings?.vault ?? null;
  const c = parseConfig(ctx, args.values.configuration, host);
  const secrets = parseSecrets(ctx, args.values.vaultSecrets);
  if (secrets.length === 0) return ctx.runBody(args.body!, {});
  if (!c.url) throw new StepFailure('The vault url was not configured - please specify the vault url to use.');
  const base = baseUrl(c.url);
  if (!c.credentialId) throw new StepFailure('The credential id was not configured - please specify the credentials to use.');
  const cred = await ctx.build.services.credential(c.credentialId);
  const vault = new Vault(ctx, base, c, vaultGuard(base, host?.url ? baseUrl(host.url) : null, settings?.httpRequest));
  const masked = await vault.login(cred);
  const prefix = c.prefixPath ? `${expand(ctx, c.prefixPath).replace(/\/+$/, '')}/` : '';
  const mountDepth = prefix ? prefix.split('/').filter(Boolean).length : 1;
  const env: Record<string, string> = {};
  for (const s of secrets) {
    const path = prefix + expand(ctx, s.path);
    ctx.log(`Retrieving secret: ${path}`);
    const version = s.engineVersion ?? c.engineVersion;
    const a = await vault.retried('GET', apiPath(path, version, mountDepth));
    if (a instanceof Error) throw new StepFailure(`could not read from vault: ${a.message} at path: ${path}`);
    if (a.status === 403) {
      ctx.log(`Access denied to Vault Secrets at '${path}'`);
      continue;
    }
    if (a.status === 404) {
      if (c.failIfNotFound) throw new StepFailure(`Vault credentials not found for '${path}'`);
      ctx.log(`Vault credentials not found for '${path}'`);
      continue;
    }
    if (a.status >= 500) throw new StepFailure(`Vault response returned ${a.status} for secret path ${path}`);
    if (a.status !== 200 && a.status !== 204) {
      ctx.log(`Vault responded with ${a.status} error code.`);
      const errs = errorsOf(a);
      if (errs) ctx.log(`Vault responded with errors: ${errs}`);
      continue;
    }
    // 204: Vault has the path but no data (a key is then absent).
    const j = a.status === 204 ? null : jsonOf(a) as { data?: Record<string, unknown> & { data?: unknown } } | null;
    const data = (version === 2 ? j?.data?.data : j?.data) as Record<string, unknown> | null | undefined;
    for (const v of s.values) {
      const raw = data && typeof data === 'object' && Object.hasOwn(data, v.vaultKey) ? data[v.vaultKey] : null;
      const value = raw === null || raw === undefined ? '' : typeof raw === 'string' ? raw : JSON.stringify(raw);
      if (value.trim() === '') {
        if (v.isRequired) throw new StepFailure(`Vault Secret ${v.vaultKey} at ${path} is either null or empty. Please check the Secret in Vault.`);
        continue;
      }
      masked.push(value);
      // A value of several lines is printed line by line too.
      for (const line of value.split(/\r?\n/)) if (line.trim().length >= 4 && line !== value) masked.push(line);
      env[v.envVar] = value;
    }
  }
  return ctx.runBody(args.body!, { env, secrets: masked });
};

const runtime: PluginRuntime = { steps: { withVault, VaultBuildWrapper: withVault } };
export default runtime;
