// The one way the UI talks to the controller: JSON over /api/v1 with the session cookie, the
// CSRF header on every change, and errors carried with the API's own code and message. What
// each route answers is typed in types.ts (generated from the API's OpenAPI document).
import type { ApiErrorCode } from './types.ts';

/** An error answer: a code of the API's error catalogue, or 'network' (no answer) / 'http' (an answer that is not the API's). */
export type ErrorCode = ApiErrorCode | 'network' | 'http';

/** A request field an error is about, as the API names it: a dotted path (`git.url`, `parameters.0.name`). */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  /** The field(s) the answer names as data (`error.field`, `error.fields`); empty from older servers and other errors. */
  readonly fields: readonly FieldProblem[];
  constructor(status: number, code: ErrorCode, message: string, fields: readonly FieldProblem[] = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.fields = fields;
  }
}

/** The fields of an error answer's body: `field` (with the answer's message) or each of `fields`; ill-formed entries are dropped. */
export function fieldsOf(e: { message: string; field?: unknown; fields?: unknown }): FieldProblem[] {
  if (Array.isArray(e.fields)) {
    return (e.fields as unknown[]).filter((f): f is FieldProblem =>
      typeof f === 'object' && f !== null && typeof (f as FieldProblem).field === 'string' && typeof (f as FieldProblem).message === 'string');
  }
  return typeof e.field === 'string' && e.field !== '' ? [{ field: e.field, message: e.message }] : [];
}

let csrfToken: string | null = null;
export function setCsrf(token: string | null): void { csrfToken = token; }

/** Called when the API says the session is gone (401): the app shows login or unlock. */
let onUnauthorized: (code: ErrorCode) => void = () => {};
export function setUnauthorizedHandler(fn: (code: ErrorCode) => void): void { onUnauthorized = fn; }

const SAFE = new Set(['GET', 'HEAD']);

export function headersFor(method: string, extra?: Record<string, string>): Headers {
  const h = new Headers(extra);
  h.set('accept', h.get('accept') ?? 'application/json');
  if (!SAFE.has(method) && csrfToken) h.set('x-kiln-csrf', csrfToken);
  return h;
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const j = JSON.parse(text) as { error?: { code?: ApiErrorCode; message?: string; field?: unknown; fields?: unknown } };
    if (j.error?.message) return new ApiError(res.status, j.error.code ?? 'http', j.error.message, fieldsOf({ ...j.error, message: j.error.message }));
  } catch { /* not JSON */ }
  return new ApiError(res.status, 'http', `${res.status} ${res.statusText}${text ? `: ${text.slice(0, 300)}` : ''}`);
}

export async function request<T>(method: string, path: string, body?: unknown, opts: { quiet401?: boolean; signal?: AbortSignal } = {}): Promise<T> {
  const headers = headersFor(method);
  if (body !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}), ...(opts.signal ? { signal: opts.signal } : {}) });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', `cannot reach the controller: ${(err as Error).message}`);
  }
  if (!res.ok) {
    const e = await errorOf(res);
    if (res.status === 401 && !opts.quiet401) onUnauthorized(e.code);
    throw e;
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal) => request<T>('GET', path, undefined, signal ? { signal } : {}),
  post: <T>(path: string, body?: unknown) => request<T>('POST', path, body ?? {}),
  put: <T>(path: string, body: unknown) => request<T>('PUT', path, body),
  del: <T = void>(path: string) => request<T>('DELETE', path),
};

/** `/jobs/<name>`: job names may hold '/', which goes URL-encoded in one path segment. */
export const jobPath = (job: string) => `/jobs/${encodeURIComponent(job)}`;
export const buildPath = (job: string, n: number) => `${jobPath(job)}/builds/${n}`;

/** Fetches a byte range of a build's console: the bytes, and the log's size and completeness. */
export async function fetchConsole(job: string, n: number, start: number, end: number, signal?: AbortSignal): Promise<{ bytes: Uint8Array; size: number; complete: boolean }> {
  const res = await fetch(`/api/v1${buildPath(job, n)}/console?start=${start}&end=${end}`, { headers: headersFor('GET', { accept: 'text/plain' }), credentials: 'same-origin', ...(signal ? { signal } : {}) });
  if (!res.ok) throw await errorOf(res);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { bytes, size: Number(res.headers.get('x-log-size') ?? bytes.length), complete: res.headers.get('x-log-complete') === 'true' };
}

/** The last `n` bytes of a console (a suffix Range). */
export async function fetchConsoleTail(job: string, num: number, n: number): Promise<{ bytes: Uint8Array; size: number; complete: boolean; start: number }> {
  const res = await fetch(`/api/v1${buildPath(job, num)}/console`, { headers: headersFor('GET', { accept: 'text/plain', range: `bytes=-${n}` }), credentials: 'same-origin' });
  if (res.status === 416) return { bytes: new Uint8Array(0), size: 0, complete: false, start: 0 };
  if (!res.ok) throw await errorOf(res);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const size = Number(res.headers.get('x-log-size') ?? bytes.length);
  return { bytes, size, complete: res.headers.get('x-log-complete') === 'true', start: size - bytes.length };
}
