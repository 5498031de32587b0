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
