// The one catalogue of the HTTP API's error codes: every error answer is
// `{ "error": { "code", "message" } }` with a code listed here and that code's status. Clients
// (the web UI, the CLI, scripts) branch on the code; the message is for people.
//
// A 400 may name the request field(s) it is about as data: `{ "error": { code, message, field } }`
// (a dotted path: `git.url`, `parameters.0.name`), or `fields: [{ field, message }]` when several;
// clients place the message under that field without reading its words. Schema errors get it
// from Ajv (instancePath, missingProperty), a StoreError from its `field`, a route's own check
// from `invalidField(field, why)` or `new ApiError('invalid', message, { field })`.
//
// Routes throw `new ApiError(code, message)`: the status comes from the catalogue, so a route
// cannot invent a code or answer one with another status. The older error classes keep their
// shapes but are checked against it: AuthError and TriggerError extend ApiError (AuthError's
// `(status, code, ...)` pair is typed by CodeWithStatus), a StoreError's code is a catalogue
// code, and `toApiError` turns whatever reaches an error handler (Fastify's own validation,
// body-limit, content-type and URL errors included) into one. This module imports nothing of
// the server, so any layer may throw its errors.
//
// docs/architecture.md ("Errors") lists the codes; test/controller/http-errors.test.ts walks them.
import { StoreError } from '../store/types.ts';
import { KilnError } from '../core/errors.ts';

export interface ErrorEntry {
  readonly status: number;
  readonly meaning: string;
}

export const ERRORS = {
  'invalid': { status: 400, meaning: 'a value in the request is wrong or missing; the message names the field (body/name, git.url: ...), and so does `field` (name, git.url) when the server knows it' },
  'invalid-jenkinsfile': { status: 400, meaning: 'the Jenkinsfile given inline does not parse or validate; the message lists each error with its line and column' },
  'bad-request': { status: 400, meaning: 'Node\'s HTTP parser refused the request itself (a raw non-ASCII byte in the path, a broken header)' },
  'unauthorized': { status: 401, meaning: 'no credentials, or wrong ones: log in or send an API token' },
  'setup-required': { status: 401, meaning: 'Kiln has no users yet: unlock it with the initial admin password (POST /api/v1/setup)' },
  'session-expired': { status: 401, meaning: 'the session cookie names a session that has ended: log in again' },
  'unauthenticated': { status: 401, meaning: 'a webhook without a signature, to a controller that refuses unsigned pushes' },
  'forbidden': { status: 403, meaning: 'the caller may not do this (role, folder grant, input submitter, cross-site Origin, wrong webhook signature)' },
  'csrf': { status: 403, meaning: 'a change sent with the session cookie lacks the session\'s X-Kiln-CSRF header' },
  'not-found': { status: 404, meaning: 'no such route, job, build, agent, user, token, credential, cloud, artifact or queue item' },
  'request-timeout': { status: 408, meaning: 'the request did not arrive in time' },
  'conflict': { status: 409, meaning: 'the thing exists already, or is in a state that forbids the change (a running build, a disabled job)' },
  'too-large': { status: 413, meaning: 'the request body, or an inline Jenkinsfile in it, is over its limit' },
  'uri-too-long': { status: 414, meaning: 'a path segment of the URL is over the router\'s limit' },
  'unsupported-media-type': { status: 415, meaning: 'the body\'s Content-Type is not one the route reads (application/json)' },
  'bad-range': { status: 416, meaning: 'a Range header the console log cannot serve' },
  'rate-limited': { status: 429, meaning: 'too many failed logins: wait the Retry-After seconds' },
  'headers-too-large': { status: 431, meaning: 'the request headers are over Node\'s limit (16 KiB)' },
  'internal': { status: 500, meaning: 'a bug or an unexpected failure in Kiln; the message says what failed' },
  'unavailable': { status: 503, meaning: 'the store (database) or another part Kiln needs cannot be reached now' },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorCode = keyof typeof ERRORS;
export type StatusOf<C extends ErrorCode> = (typeof ERRORS)[C]['status'];
/** A code with its own status, as a pair: `[401, 'unauthorized']` fits, `[400, 'unauthorized']` does not. */
export type CodeWithStatus = { [C in ErrorCode]: [status: StatusOf<C>, code: C] }[ErrorCode];
/** The codes answered with `status`. */
export type CodesOf<S extends number> = { [C in ErrorCode]: StatusOf<C> extends S ? C : never }[ErrorCode];

// Every store error code is a catalogue code (a compile error here otherwise).
const storeCodesListed: ErrorCode = null as unknown as StoreError['code'];
void storeCodesListed;

export const isErrorCode = (s: string): s is ErrorCode => Object.hasOwn(ERRORS, s);

/** A field of the request an error is about: its dotted path (`git.url`, `parameters.0.name`) and what is wrong with it. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** An error the API answers as `{ error: { code, message } }` with the catalogue's status for `code`. */
export class ApiError<C extends ErrorCode = ErrorCode> extends KilnError {
  readonly code: C;
  readonly status: StatusOf<C>;
  /** Headers for the answer (Retry-After, WWW-Authenticate, Content-Range). */
  readonly headers: Readonly<Record<string, string>>;
  /** The field(s) of the request the error is about, when the server knows them (answered as `field`/`fields`). */
  readonly fields: readonly FieldProblem[];
  constructor(code: C, message: string, o: { headers?: Record<string, string>; cause?: unknown; field?: string; fields?: readonly FieldProblem[] } = {}) {
    super(`http.${code}`, message, o.cause === undefined ? undefined : { cause: o.cause });
    this.code = code;
    this.status = ERRORS[code].status;
    this.headers = o.headers ?? {};
    this.fields = o.fields ?? (o.field !== undefined ? [{ field: o.field, message }] : []);
  }
}

/** An 'invalid' (400) error about one field of the request: `invalidField('git.url', "'x' is not a repository URL")` says `git.url: 'x' is ...`. */
export function invalidField(field: string, why: string): ApiError<'invalid'> {
  return new ApiError('invalid', `${field}: ${why}`, { field: dottedField(field) });
}

/**
 * The shape of every error answer. `field` is the dotted path of the request field a 400 is
 * about (`git.url`, `parameters.0.name`: array items by their index), when the server knows it;
 * `fields` lists each field and its message when there are several.
 */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; fields?: FieldProblem[] };
}

export const errorBody = (e: ApiError): ErrorBody => {
  const body: ErrorBody = { error: { code: e.code, message: e.message } };
  if (e.fields.length === 1) body.error.field = e.fields[0]!.field;
  else if (e.fields.length > 1) body.error.fields = e.fields.map((f) => ({ field: f.field, message: f.message }));
  return body;
};

/** A path as the API's `field` says it: `sonar[0].url` is `sonar.0.url`. */
export const dottedField = (path: string): string => path.replace(/\[(\d+)\]/g, '.$1');

/** Ajv's errors (Fastify's `validation`) as the fields they are about: the instancePath, plus the missing property. */
function schemaFields(validation: unknown, message: string): FieldProblem[] {
  if (!Array.isArray(validation)) return [];
  const out: FieldProblem[] = [];
  for (const v of validation as { instancePath?: unknown; params?: { missingProperty?: unknown; additionalProperty?: unknown }; message?: unknown }[]) {
    if (typeof v !== 'object' || v === null) continue;
    const parts = typeof v.instancePath === 'string' ? v.instancePath.split('/').filter((p) => p !== '').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')) : [];
    const extra = v.params?.missingProperty ?? v.params?.additionalProperty;
    if (typeof extra === 'string') parts.push(extra);
    if (parts.length === 0) continue;
    out.push({ field: parts.join('.'), message: typeof v.message === 'string' ? v.message : message });
  }
  return out;
}

/** The generic code of a status that some library's error carries (Fastify's, a parser's). */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'invalid', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 408: 'request-timeout', 409: 'conflict',
  413: 'too-large', 414: 'uri-too-long', 415: 'unsupported-media-type', 416: 'bad-range', 429: 'rate-limited',
  431: 'headers-too-large', 503: 'unavailable',
};

/** What Fastify's errors carry (FST_ERR_VALIDATION, FST_ERR_CTP_*, FST_ERR_BAD_URL, ...). */
interface FrameworkError {
  code?: unknown;
  statusCode?: unknown;
  message?: unknown;
  validation?: unknown;
}

export interface ToApiErrorOptions {
  /** The message of a 413 from the body limit (it knows the route's limit). */
  bodyTooLarge?: () => string;
}

/**
 * Whatever reached an error handler, as the ApiError to answer: our own as they are; a
 * StoreError by its code; Fastify's validation errors as 'invalid' (its message names the
 * field: `body/name must be string`); its other client errors by their status; anything else
 * as 'internal' (500).
 */
export function toApiError(err: unknown, o: ToApiErrorOptions = {}): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof StoreError) return new ApiError(err.code, err.message, err.field === undefined ? {} : { field: err.field });
  const e = (typeof err === 'object' && err !== null ? err : {}) as FrameworkError;
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : String(err);
  if (e.validation !== undefined && e.validation !== null) return new ApiError('invalid', message, { fields: schemaFields(e.validation, message) });
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && o.bodyTooLarge) return new ApiError('too-large', o.bodyTooLarge());
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) return new ApiError(CODE_OF_STATUS[status] ?? 'invalid', message);
  if (status === 503) return new ApiError('unavailable', message);
  return new ApiError('internal', `internal error: ${message}`);
}
