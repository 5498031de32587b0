// Helpers for tests that drive a running controller over its REST API.

/** A JSON client for the controller at `url()`: returns the parsed body, throws on a non-2xx answer. */
export function jsonApi(url: () => string): (method: string, path: string, body?: unknown) => Promise<any> {
  return async (method, p, body) => {
    const res = await fetch(new URL(p.replace(/^\//, ''), url()), {
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

/** A client that returns every answer (status, parsed JSON when it is JSON, text), for tests of errors too. */
export function rawApi(url: () => string): (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<ApiAnswer> {
  return async (method, p, body, headers = {}) => {
    const res = await fetch(new URL(p.replace(/^\//, ''), url()), {
      method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
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
  await (await fetch(new URL(`${base}/console/stream`, url))).text();
  return (await fetch(new URL(base, url))).json();
}

/** A build's whole console. */
export async function consoleText(url: string, job: string, n: number): Promise<string> {
  return (await fetch(new URL(`api/v1/jobs/${encodeURIComponent(job)}/builds/${n}/console`, url))).text();
}
