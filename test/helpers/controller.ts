// Helpers for tests that drive a running controller over its REST API.
//
// Controllers started by tests are configured with TEST_ADMIN_TOKEN (testConfig) and these
// clients send it, so a test acts as an admin unless it says otherwise (rawApi with its own
// `authorization` header, or '' for none).
import { loadConfig, type ConfigSources, type ControllerConfig } from '../../src/controller/config.ts';

/** The admin token every test controller accepts. */
export const TEST_ADMIN_TOKEN = 'kiln-test-admin-token-0123456789abcdef0123456789';

/** The Authorization header of a test admin. */
export const ADMIN_AUTH = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } as const;

/** A controller config from flags (and env), with the test admin token configured. */
export function testConfig(flags: ConfigSources['flags'], env: NodeJS.ProcessEnv = {}): ControllerConfig {
  return loadConfig({ flags, env: { KILN_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...env } });
}

/** fetch with the test admin token (unless the caller gives its own authorization header). */
export function adminFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('authorization', ADMIN_AUTH.authorization);
  return fetch(url, { ...init, headers });
}

/** A JSON client for the controller at `url()`: returns the parsed body, throws on a non-2xx answer. */
export function jsonApi(url: () => string): (method: string, path: string, body?: unknown) => Promise<any> {
  return async (method, p, body) => {
    const res = await adminFetch(new URL(p.replace(/^\//, ''), url()), {
      method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/** Waits until `cond` holds (checked every `stepMs`), or fails naming `what` after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000, stepMs = 25): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface ApiAnswer { status: number; json: any; text: string }

/**
 * A client that returns every answer (status, parsed JSON when it is JSON, text), for tests of
 * errors too. It sends the test admin token unless `headers.authorization` is given ('' = none).
 */
export function rawApi(url: () => string): (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiAnswer> {
  return async (method, p, body, headers = {}) => {
    const h: Record<string, string> = { ...ADMIN_AUTH, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers };
    if (h.authorization === '') delete h.authorization;
    const res = await fetch(new URL(p.replace(/^\//, ''), url()), {
      method, headers: h, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    let json: any = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text };
  };
}

/** Follows a build's console stream to its end (no polling), then returns the build. */
export async function finishedBuild(url: string, job: string, n: number): Promise<any> {
  const base = `api/v1/jobs/${encodeURIComponent(job)}/builds/${n}`;
  await (await adminFetch(new URL(`${base}/console/stream`, url))).text();
  return (await adminFetch(new URL(base, url))).json();
}

/** A build's whole console. */
export async function consoleText(url: string, job: string, n: number): Promise<string> {
  return (await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console`, url))).text();
}

/** Follows a build's console until `text` appears (the build has then reached that point); fails if the build ends first. */
export async function consoleUntil(url: string, job: string, n: number, text: string): Promise<void> {
  const res = await adminFetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console/stream`, url));
  const r = res.body!.getReader();
  let seen = '';
  while (!seen.includes(text)) {
    const { value, done } = await r.read();
    if (done) throw new Error(`${job} #${n} ended without printing '${text}':\n${seen}`);
    seen += new TextDecoder().decode(value);
  }
  await r.cancel();
}
