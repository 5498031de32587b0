// The controller's request log: Fastify's own logger is the controller's pino logger (so
// `req.log` carries the request's id, and Fastify's own warnings land in the same log), and
// each request ends with exactly one line:
//
//   {"level":"info","reqId":"1f0c…","method":"GET","url":"/api/v1/jobs","status":200,"ms":3.1,
//    "ip":"127.0.0.1","user":"alice","msg":"request completed"}
//
// Why one line at the end (not Fastify's "incoming request" + "request completed"): it has
// everything (status, time, who) and halves the volume. Health probes, the readiness probe, the
// metrics scrape and the SSE streams (GET /api/v1/events, .../console/stream) log at debug: a
// probe every few seconds would drown the rest, and a stream's line comes when it closes. A 5xx
// logs at error with the error and its stack (kept by an onError hook for the line), and a
// Kiln error's stable code as `errCode` (core/errors.ts), for a log query to count by.
//
// What is never logged: headers (so no Authorization or Cookie), bodies, and the values of
// credential-like query parameters (util/log.ts safeUrl); a URL is cut at 2 KB (MAX_LOGGED_URL). The request id is made here
// (random), never taken from a request header, so a caller cannot forge another request's id.
import { randomUUID } from 'node:crypto';
import { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { safeUrl, type Logger } from '../util/log.ts';
import { KilnError } from '../core/errors.ts';

/**
 * The longest URL a line keeps: a request target may be some 16 KB (Node's header limit), and a
 * line per request of anyone, 401s included, should not write that much for them.
 */
export const MAX_LOGGED_URL = 2048;

/** `url` as the line has it: credential-like query values hidden, cut at MAX_LOGGED_URL with the length said. */
export function loggedUrl(url: string): string {
  const safe = safeUrl(url);
  return safe.length <= MAX_LOGGED_URL ? safe : `${safe.slice(0, MAX_LOGGED_URL)}…[${safe.length} chars]`;
}

/** Probes and scrapes: logged at debug when they succeed. */
const QUIET_ROUTES = new Set(['/api/v1/health', '/api/v1/ready', '/metrics']);
/** Server-sent event streams: their line comes when they close; debug. */
const STREAM_ROUTE = /^\/api\/v1\/events$|\/stream$/;

class RequestLog extends LogController {
  readonly #errors: WeakMap<FastifyRequest, unknown>;

  constructor(errors: WeakMap<FastifyRequest, unknown>) {
    super();
    this.#errors = errors;
  }

  override incomingRequest(): void {}
  /** The 404 answer's own line says it. */
  override routeNotFound(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const status = reply.raw.statusCode;
    const route = request.routeOptions.url ?? '';
    const err = error ?? (status >= 500 ? this.#errors.get(request) : undefined);
    const principal = (request as { principal?: { name: string } | null }).principal;
    const line = {
      method: request.method,
      url: loggedUrl(request.url),
      status,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ip: request.ip,
      ...(principal ? { user: principal.name } : {}),
      ...(err !== undefined ? { err } : {}),
      ...(err instanceof KilnError ? { errCode: err.kilnCode } : {}),
    };
    if (status >= 500 || error) reply.log.error(line, 'request completed');
    else if (QUIET_ROUTES.has(route) || STREAM_ROUTE.test(route)) reply.log.debug(line, 'request completed');
    else reply.log.info(line, 'request completed');
  }
}

/**
 * The Fastify options that make `logger` the server's logger with the request log above, and
 * `hook(app)`, which keeps a failed request's error for its line. Without a logger, none.
 */
export function requestLogging(logger: Logger | undefined): {
  options: { loggerInstance?: FastifyBaseLogger; logController?: LogController; genReqId?: () => string };
  hook: (app: FastifyInstance) => void;
} {
  if (!logger) return { options: {}, hook: () => {} };
  const errors = new WeakMap<FastifyRequest, unknown>();
  return {
    options: {
      // Fastify's req serializer (used by its own warnings) with the query's secrets hidden.
      loggerInstance: logger.child({}, { serializers: { req: (req: { method?: string; url?: string }) => ({ method: req.method, url: loggedUrl(req.url ?? '') }) } }),
      logController: new RequestLog(errors),
      genReqId: () => randomUUID(),
    },
    hook: (app) => {
      app.addHook('onError', (req, _reply, err, done) => {
        errors.set(req, err);
        done();
      });
    },
  };
}
