// A HashiCorp Vault stand-in in the test process, speaking Vault's documented HTTP API: the token
// in X-Vault-Token (403 {"errors":["permission denied"]} for another), AppRole login
// (POST /v1/auth/approle/login {role_id, secret_id} -> {auth: {client_token}}), KV v2 reads at
// /v1/<mount>/data/<path> ({data: {data, metadata}}), KV v1 at /v1/<mount>/<path> ({data}),
// a namespace's paths only with its X-Vault-Namespace, and 404 {"errors":[]} for a path with no secret.
import { startService, type TestService } from '../http-services/service-helper.ts';

export interface VaultData {
  /** Tokens Vault knows. */
  tokens: string[];
  /** AppRoles: role_id -> [secret_id, the token the login gives]. */
  approles?: Record<string, [string, string]>;
  /** KV v2 secrets by '<mount>/<path>' (e.g. 'secret/app'), within an optional namespace 'ns:' prefix. */
  kv2?: Record<string, Record<string, unknown>>;
  /** KV v1 secrets by '<mount>/<path>'. */
  kv1?: Record<string, Record<string, unknown>>;
  /** Paths (as requested, after /v1/) answering 403 even with a good token. */
  denied?: string[];
  /** Paths answering this status (e.g. 500) with errors. */
  failing?: Record<string, number>;
}

export function startVault(d: VaultData): Promise<TestService> {
  return startService((r) => {
    const url = new URL(r.path, 'http://vault');
    if (!url.pathname.startsWith('/v1/')) return { status: 404, json: { errors: [] } };
    const p = decodeURIComponent(url.pathname.slice(4));
    const ns = typeof r.headers['x-vault-namespace'] === 'string' ? `${r.headers['x-vault-namespace']}:` : '';
    if (r.method === 'POST' && p === 'auth/approle/login') {
      const body = r.json as { role_id?: string; secret_id?: string } | null;
      const role = body?.role_id ? d.approles?.[body.role_id] : undefined;
      if (!role || role[0] !== body?.secret_id) return { status: 400, json: { errors: ['invalid role or secret ID'] } };
      return { json: { auth: { client_token: role[1], policies: ['default'], lease_duration: 3600, renewable: true } } };
    }
    if (r.method !== 'GET') return { status: 405, json: { errors: ['unsupported operation'] } };
    const token = r.headers['x-vault-token'];
    if (typeof token !== 'string' || !d.tokens.includes(token)) return { status: 403, json: { errors: ['permission denied'] } };
    if (d.failing?.[p] === 204) return { status: 204, text: '' };
    if (d.failing?.[p]) return { status: d.failing[p]!, json: { errors: [d.failing[p]! >= 500 ? 'Vault is sealed' : 'invalid request'] } };
    if (d.denied?.includes(p)) return { status: 403, json: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } };
    const segs = p.split('/');
    if (segs[1] === 'data') {
      const key = ns + [segs[0], ...segs.slice(2)].join('/');
      const s = d.kv2?.[key];
      if (s) return { json: { request_id: 'r1', lease_id: '', renewable: false, lease_duration: 0, data: { data: s, metadata: { version: 1 } } } };
    }
    const v1 = d.kv1?.[ns + p];
    if (v1) return { json: { request_id: 'r2', lease_id: '', renewable: false, lease_duration: 2764800, data: v1 } };
    return { status: 404, json: { errors: [] } };
  });
}
