// The CLI's side of the REST API: where the controller is (--url / KILN_URL), errors a person
// can act on, and reading a console stream (Server-Sent Events). Answers are typed by the
// API's generated types (src/api/types.ts).
import type { Schemas } from '../api/types.ts';
import { KilnError } from '../core/errors.ts';

export class ClientError extends KilnError {
  readonly status: number | null;
  constructor(message: string, status: number | null = null) {
    super('cli.client', message);
    this.status = status;
  }
}

export interface ClientOptions {
  url: string;
  token: string | null;
}

/** --url / --token flags, then KILN_URL / KILN_TOKEN, then http://127.0.0.1:8080/. */
export function clientOptions(flags: { url?: string | undefined; token?: string | undefined }, env: NodeJS.ProcessEnv = process.env): ClientOptions {
  const raw = flags.url ?? env.KILN_URL ?? 'http://127.0.0.1:8080/';
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new ClientError(`not a URL: '${raw}' (give the controller's address, e.g. http://127.0.0.1:8080/)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new ClientError(`the controller URL must be http or https, got '${raw}'`);
  return { url: u.href.endsWith('/') ? u.href : `${u.href}/`, token: flags.token ?? (env.KILN_TOKEN || null) };
}

export class Client {
  readonly o: ClientOptions;
  constructor(o: ClientOptions) {
    this.o = o;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await this.fetch(method, path, body);
    const text = await res.text();
    if (!res.ok) throw new ClientError(errorMessage(res.status, text), res.status);
    return (text ? JSON.parse(text) : null) as T;
  }

  async fetch(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    const target = new URL(path.replace(/^\//, ''), this.o.url);
    try {
      return await fetch(target, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(this.o.token ? { authorization: `Bearer ${this.o.token}` } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code === 'ECONNREFUSED' ? 'connection refused (is `kiln controller` running there?)'
        : cause?.code === 'ENOTFOUND' ? 'no such host'
          : cause?.message ?? (err as Error).message;
      throw new ClientError(`cannot reach Kiln at ${this.o.url}: ${why}`);
    }
  }

  /** Streams a build's console from `from`, calling `onText` for each piece; resolves with the end event's data. */
  async follow(path: string, from: number, onText: (text: string) => void): Promise<{ status: string; result: string | null }> {
    const res = await this.fetch('GET', `${path}?from=${from}`, undefined, { accept: 'text/event-stream' });
    if (!res.ok || !res.body) throw new ClientError(errorMessage(res.status, await res.text()), res.status);
    const decoder = new TextDecoder();
    let buf = '';
    let end: { status: string; result: string | null } | null = null;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) >= 0) {
        const event = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        let type = 'message';
        let data = '';
        for (const line of event.split('\n')) {
          if (line.startsWith('event: ')) type = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (type === 'log') onText(JSON.parse(data) as string);
        else if (type === 'end') end = JSON.parse(data) as { status: string; result: string | null };
        else if (type === 'error') throw new ClientError(`console stream failed: ${(JSON.parse(data) as { message: string }).message}`);
      }
    }
    if (!end) throw new ClientError('the console stream ended before the build did (connection lost); run `kiln logs --follow` to go on');
    return end;
  }
}

function errorMessage(status: number, text: string): string {
  try {
    const j = JSON.parse(text) as { error?: Partial<Schemas['Error']['error']> };
    if (j.error?.message) {
      // The CLI authenticates with a token only: say how to give one.
      if (status === 401 && j.error.code !== 'setup-required') return `${j.error.message}\n(the CLI sends --token or KILN_TOKEN: create an API token under your profile, or with POST /api/v1/me/tokens)`;
      return j.error.message;
    }
  } catch {
    // not JSON
  }
  return `HTTP ${status}${text ? `: ${text.slice(0, 300)}` : ''}`;
}

/** `job#12` / `folder/job#12` → job and number; `job` alone → the last build (number null). */
export function parseBuildRef(ref: string): { job: string; number: number | null } {
  const m = /^([^#]+)(?:#(\d+))?$/.exec(ref);
  if (!m || !m[1]) throw new ClientError(`'${ref}' is not a build: write JOB#NUMBER (e.g. app#12), or JOB for its last build`);
  return { job: m[1], number: m[2] ? Number(m[2]) : null };
}

export function jobPath(job: string): string {
  return `api/v1/jobs/${encodeURIComponent(job)}`;
}
