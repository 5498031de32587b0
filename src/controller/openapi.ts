// The HTTP API's OpenAPI 3.1 document, made by @fastify/swagger from the routes' TypeBox schemas
// (api-schemas.ts) and served at GET /api/v1/openapi.json; scripts/gen-api-types.ts makes the
// UI's and the CLI's types from it (src/api/types.gen.ts).
//
// What `useApiContract(app)` does to the controller's Fastify instance, before any route:
// - hooks @fastify/swagger in, so that it sees every route registered after (its onRoute hook
//   is installed at once, not when Fastify loads its plugins: the routes are added before that);
// - adds the named schemas (`$id`), which become `components.schemas` of the document;
// - answers with JSON.stringify, whatever the response schema (api-schemas.ts says why);
// - refuses (at start) an API route without an operationId, a tag and its answers, so that no
//   route is missing from the document or from the generated types (as auth/policy.ts refuses a
//   route without an access rule);
// - says in the document who may call each operation: the security schemes (bearer API token,
//   Basic user:token, the session cookie with the CSRF header on changes), none on public routes,
//   and the role from auth/policy.ts in `x-kiln-role`.
//
// The document is served anonymously: it describes the API (routes, shapes, codes), which is
// Kiln's public source anyway, and holds no data of this controller; tools and the CLI may read
// it before they hold a token. It carries the security headers as every answer does (auth/http.ts).
import { fastifySwagger } from '@fastify/swagger';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { Type } from '@sinclair/typebox';
import { accessOf } from './auth/policy.ts';
import { SESSION_COOKIE } from './auth/service.ts';
import { DOCUMENTED_BODY, addNamedSchemas, answers, type TypeBoxProvider } from './api-schemas.ts';

export const OPENAPI_PATH = '/api/v1/openapi.json';

const TAGS = [
  { name: 'system', description: 'health, readiness, metrics, live events, lint, this document' },
  { name: 'auth', description: 'setup, login, the caller\'s own profile and API tokens' },
  { name: 'users', description: 'users, their tokens and login locks (admins)' },
  { name: 'audit', description: 'the audit log (admins)' },
  { name: 'folders', description: 'folder permissions (admins)' },
  { name: 'jobs', description: 'jobs and their Jenkinsfiles' },
  { name: 'builds', description: 'builds, their stages, console, inputs, artifacts and tests' },
  { name: 'queue', description: 'what waits, and why' },
  { name: 'agents', description: 'agents and their executors' },
  { name: 'credentials', description: 'credentials (secrets go in, never out)' },
  { name: 'clouds', description: 'Kubernetes and Docker clouds' },
  { name: 'webhooks', description: 'pushes from git hosting' },
];

const STATUS_TEXT: Record<string, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 206: 'Partial Content', 503: 'Service Unavailable' };

type Schema = Record<string | symbol, unknown>;

/** Sets up the API contract on the controller's instance; call it before adding routes. */
export function useApiContract(app: FastifyInstance): void {
  fastifySwagger(app, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Kiln API',
        version: '1',
        description: 'The REST API of a Kiln controller. Every error answers `{ "error": { "code", "message" } }` with a code of the error catalogue (the `Error` schema lists them).',
      },
      tags: TAGS,
      components: {
        securitySchemes: {
          token: { type: 'http', scheme: 'bearer', description: 'an API token (POST /api/v1/me/tokens), or the configured admin token' },
          basic: { type: 'http', scheme: 'basic', description: 'a user name and one of their API tokens, as user:token' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'the session cookie that POST /api/v1/auth/login sets' },
          csrf: { type: 'apiKey', in: 'header', name: 'X-Kiln-CSRF', description: "the session's CSRF token (login's csrfToken, GET /api/v1/me): a change made with the session cookie carries it" },
        },
      },
    },
    // Named schemas keep their names as components (not def-0, def-1...).
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url, route }) => wildcardNamed(documentedSchema(schema as Schema | undefined, route), url),
    transformObject: (doc) => ('openapiObject' in doc ? describeAnswers(doc.openapiObject as Schema) : doc.swaggerObject) as never,
  }, (err) => { if (err) throw err; });
  addNamedSchemas(app);
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  app.addHook('onRoute', (route) => {
    const s = route.schema as Schema | undefined;
    if (route.method === 'HEAD' || s?.hide === true) return;
    const response = s?.response as Schema | undefined;
    const missing = [
      typeof s?.operationId === 'string' ? null : 'an operationId',
      Array.isArray(s?.tags) && s.tags.length > 0 ? null : 'tags',
      response && Object.keys(response).some((k) => k.startsWith('2')) ? null : 'its answers (response: { 200: ... })',
      response?.['4xx'] && response['5xx'] ? null : "its error answers ('4xx' and '5xx': answers() in api-schemas.ts)",
    ].filter((x) => x !== null);
    if (missing.length > 0) {
      throw new Error(`route ${String(route.method)} ${route.url} lacks ${missing.join(', ')}: every route of the API is in its OpenAPI document (src/controller/api-schemas.ts)`);
    }
  });

  // Made once and sent as text: anyone may ask for it, so a flood of asks costs no more than a file.
  let text: string | null = null;
  app.withTypeProvider<TypeBoxProvider>().get(OPENAPI_PATH, {
    schema: {
      operationId: 'getOpenApiDocument', tags: ['system'], summary: 'This document',
      response: answers({ 200: Type.Unsafe<string>({ type: 'object', description: 'the OpenAPI 3.1 document of this API' }) }),
    },
  }, async (_req, reply) => reply.type('application/json; charset=utf-8').send(text ??= JSON.stringify(app.swagger())));
}

/**
 * A route's schema as the document shows it: the body it documents (`documented()`), and who
 * may call it (auth/policy.ts): no security for public routes, else a token, Basic, or the
 * session cookie (with the CSRF header on changes), and the role in `x-kiln-role`.
 */
function documentedSchema(schema: Schema | undefined, route: RouteOptions): Schema {
  const s: Schema = { ...(schema ?? {}) };
  const shown = s[DOCUMENTED_BODY];
  if (shown !== undefined) s.body = shown;
  const method = Array.isArray(route.method) ? String(route.method[0]) : String(route.method);
  const access = accessOf(method, route.url);
  if (access === null) return s;
  s['x-kiln-role'] = access;
  if (access === 'public') {
    s.security = [];
  } else {
    const change = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    s.security = [{ token: [] }, { basic: [] }, change ? { session: [], csrf: [] } : { session: [] }];
  }
  return s;
}

/** A route ending in Fastify's wildcard (`/artifacts/*`) as OpenAPI names it: `{path}`. */
function wildcardNamed(schema: Schema, url: string): { schema: Schema; url: string } {
  if (!url.endsWith('/*')) return { schema, url };
  const params = schema.params as { properties?: Record<string, unknown>; required?: string[] } | undefined;
  const { '*': rest, ...named } = params?.properties ?? {};
  const path = { ...(rest ?? { type: 'string' }) as Record<string, unknown> };
  return {
    schema: { ...schema, params: { ...params, type: 'object', properties: { ...named, path }, required: [...(params?.required ?? []).filter((k) => k !== '*'), 'path'] } },
    url: `${url.slice(0, -1)}:path`,
  };
}

/** Names each answer by its status where the schema gives no description. */
function describeAnswers(doc: Schema): Schema {
  for (const item of Object.values((doc.paths ?? {}) as Record<string, Record<string, Schema>>)) {
    for (const op of Object.values(item)) {
      for (const [status, answer] of Object.entries((op.responses ?? {}) as Record<string, Schema>)) {
        if (answer.description === 'Default Response') answer.description = STATUS_TEXT[status] ?? status;
      }
    }
  }
  return doc;
}
