// Authentication and authorization on the controller's Fastify instance: one onRequest hook
// that finds the principal (API token, configured admin token, or session cookie) and checks
// it against auth/policy.ts; CSRF and Origin checks for cookie-authenticated changes; security
// headers on every answer (streamed and hijacked ones too); and the routes for setup, login,
// the user's own profile and tokens, users (admin) and the audit log (admin).
//
//   GET  /api/v1/setup                 { needed, passwordFile }
//   POST /api/v1/setup                 { initialPassword, username, password, fullName? } → session
//   POST /api/v1/auth/login            { username, password } → session cookie + { user, csrfToken }
//   POST /api/v1/auth/logout
//   GET  /api/v1/me                    { user, csrfToken? }
//   PUT  /api/v1/me/password           { currentPassword, newPassword }
//   GET|POST /api/v1/me/tokens         DELETE /api/v1/me/tokens/:id      (the value is shown once)
//   GET|POST /api/v1/users             GET|PUT|DELETE /api/v1/users/:name
//   GET|POST /api/v1/users/:name/tokens   DELETE /api/v1/users/:name/tokens/:id
//   POST /api/v1/users/:name/unlock    lifts the login lock of a name (users' views show `login`)
//   GET  /api/v1/audit?limit&before&actor&action
//
// CSRF: a browser sends the session cookie by itself, so a change made with it must also
// carry the session's CSRF token in `X-Kiln-CSRF` (a page of another site cannot read it), and
// an Origin header, when sent, must be this controller's. The cookie is also SameSite=Strict.
// Requests with a token in Authorization are not exposed to CSRF and need neither.
// Cookies are read and written by @fastify/cookie. A Cookie header that names the session
// cookie more than once with different values is refused (401): Kiln sets one host-only cookie
// at Path=/, so a second one was planted by someone else (a site on a parent domain, a
// man-in-the-middle on plain HTTP), and taking either could log the browser into the
// planter's session.
// CORS stays closed: no Access-Control-* header is ever sent, so browsers keep other sites'
// scripts from reading any answer.
import fastifyCookie, { type CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StoreError } from '../../store/types.ts';
import { Type } from '@sinclair/typebox';
import * as S from '../api-schemas.ts';
import { answers, documented, ref, type TypeBoxProvider } from '../api-schemas.ts';
import { accessOf, allows } from './policy.ts';
import { AuthError, SESSION_COOKIE, SESSION_MAX_MS, type AuthService, type Principal, type UserView } from './service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const CSRF_HEADER = 'x-kiln-csrf';

/** Headers on every answer. Our own rather than @fastify/helmet: helmet's default CSP adds
 *  upgrade-insecure-requests, which breaks a UI served over plain HTTP on a LAN. */
export const SECURITY_HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
};

export interface AuthHttpOptions {
  publicUrl: () => string;
}

export function registerAuth(app: FastifyInstance, auth: AuthService, o: AuthHttpOptions): void {
  app.decorateRequest('principal', null);
  // Parses the Cookie header in its own onRequest hook, which runs before the ones added below.
  void app.register(fastifyCookie);

  // Fail closed: a route nobody gave an access rule cannot exist.
  app.addHook('onRoute', (route) => {
    for (const m of Array.isArray(route.method) ? route.method : [route.method]) {
      if (m === 'HEAD' || m === 'OPTIONS') continue;
      if (accessOf(m, route.url) === null) throw new Error(`route ${m} ${route.url} has no access rule in src/controller/auth/policy.ts`);
    }
  });

  // Security headers, first on the raw response: answers that hijack the reply and write their
  // own head (the SSE streams) never pass onSend, and Node merges what is set here into any
  // writeHead. Answers that do pass onSend get them again below (a route's own value wins).
  app.addHook('onRequest', async (_req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.raw.setHeader(k, v);
    if (o.publicUrl().startsWith('https:')) reply.raw.setHeader('strict-transport-security', 'max-age=31536000');
  });

  app.addHook('onRequest', async (req, reply) => {
    const url = req.routeOptions.url;
    const access = url === undefined ? null : accessOf(req.method, url);
    let principal: Principal | null = null;
    try {
      principal = await auth.authenticate({ authorization: req.headers.authorization, session: sessionCookie(req) });
    } catch (err) {
      // Public routes ignore credentials they do not need (a webhook's own Authorization, an
      // expired cookie on the login page).
      if (!(err instanceof AuthError) || access !== 'public') throw err;
      if (err.code === 'session-expired') clearSessionCookie(req, reply, o.publicUrl());
    }
    req.principal = principal;
    if (!SAFE_METHODS.has(req.method)) checkOrigin(req, o.publicUrl());
    if (access === 'public') return;
    if (!principal) {
      if (auth.setupNeeded) {
        throw new AuthError(401, 'setup-required', `Kiln is not set up yet: open ${o.publicUrl()} and unlock it with the initial admin password in ${auth.passwordFile}`);
      }
      throw new AuthError(401, 'unauthorized', `log in first: send an API token as 'Authorization: Bearer <token>', or log in at ${o.publicUrl()}`);
    }
    // Unknown routes (url undefined) go on to the 404 answer, for logged-in callers only.
    if (access !== null && !allows(principal.role, access)) {
      throw new AuthError(403, 'forbidden', `${req.method} ${url} needs the ${access} role; ${principal.name} is ${principal.role === 'admin' ? 'an' : 'a'} ${principal.role}`);
    }
    if (principal.via === 'session' && !SAFE_METHODS.has(req.method) && !auth.csrfMatches(principal, headerOf(req, CSRF_HEADER))) {
      throw new AuthError(403, 'csrf', `missing or wrong ${CSRF_HEADER} header: a change made with the session cookie must carry the session's CSRF token (from login or GET /api/v1/me)`);
    }
  });

  app.addHook('onSend', async (req, reply, payload) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (!reply.hasHeader(k)) reply.header(k, v);
    if (o.publicUrl().startsWith('https:')) reply.header('strict-transport-security', 'max-age=31536000');
    if (req.url.startsWith('/api/v1/auth/') || req.url.startsWith('/api/v1/setup') || req.url.startsWith('/api/v1/me') || req.url.startsWith('/api/v1/users')) {
      reply.header('cache-control', 'no-store');
    }
    return payload;
  });

  // The routes below: bodies are checked field by field by the service, with its messages
  // (api-schemas.ts `documented`); the document shows their fields.
  const api = app.withTypeProvider<TypeBoxProvider>();
  const address = (req: FastifyRequest) => req.ip;
  const me = (req: FastifyRequest): Principal => req.principal!;
  const body = (req: { body: Record<string, unknown> | null }) => req.body ?? {};
  const nameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
  const tokenParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }), name: Type.Optional(Type.String({ maxLength: 100 })) });
  const tokenBody = documented(S.AnyObjectOrNull, S.TokenBody);

  const startSession = (req: FastifyRequest, reply: FastifyReply, cookie: string) => {
    reply.setCookie(SESSION_COOKIE, cookie, { ...sessionCookieOptions(req, o.publicUrl()), maxAge: SESSION_MAX_MS / 1000 });
  };

  // --- setup and login

  api.get('/api/v1/setup', {
    schema: {
      operationId: 'getSetup', tags: ['auth'], summary: 'Whether Kiln waits for its first admin',
      response: answers({ 200: S.Answer({ needed: Type.Boolean(), passwordFile: Type.Optional(Type.String({ description: 'where the initial admin password is, while setup is needed' })) }) }),
    },
  }, async () => ({ needed: auth.setupNeeded, ...(auth.setupNeeded ? { passwordFile: auth.passwordFile } : {}) }));

  api.post('/api/v1/setup', {
    schema: {
      operationId: 'setup', tags: ['auth'], summary: 'Makes the first admin with the initial admin password, and logs them in',
      ...documented(S.AnyObject, S.SetupBody), response: answers({ 201: ref(S.Session) }),
    },
  }, async (req, reply) => {
    const b = body(req);
    const r = await auth.setup({ initialPassword: b.initialPassword, username: b.username, password: b.password, fullName: b.fullName, address: address(req) });
    startSession(req, reply, r.cookie);
    return reply.code(201).send({ user: r.user, csrfToken: r.csrf });
  });

  api.post('/api/v1/auth/login', {
    schema: { operationId: 'login', tags: ['auth'], summary: 'Starts a session (the cookie)', ...documented(S.AnyObject, S.LoginBody), response: answers({ 200: ref(S.Session) }) },
  }, async (req, reply) => {
    const b = body(req);
    const r = await auth.login({ username: b.username, password: b.password, address: address(req) });
    startSession(req, reply, r.cookie);
    return { user: r.user, csrfToken: r.csrf };
  });

  api.post('/api/v1/auth/logout', {
    schema: { operationId: 'logout', tags: ['auth'], summary: 'Ends the session and clears its cookie', response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    await auth.logout(me(req), address(req));
    clearSessionCookie(req, reply, o.publicUrl());
    return reply.code(204).send();
  });

  // --- the caller's own profile and tokens

  api.get('/api/v1/me', { schema: { operationId: 'getMe', tags: ['auth'], summary: 'Who the caller is', response: answers({ 200: ref(S.Me) }) } }, async (req) => {
    const p = me(req);
    const user = p.via === 'admin-token' ? { name: p.name, role: p.role, fullName: 'configured admin token', disabled: false, createdAt: 0, updatedAt: 0, email: null } : await auth.user(p.name);
    if (!user) throw new AuthError(401, 'unauthorized', `log in first: user '${p.name}' was deleted`); // while this request ran
    return { user, via: p.via, ...(p.session ? { csrfToken: p.session.csrf } : {}) };
  });

  api.put('/api/v1/me/password', {
    schema: { operationId: 'changeMyPassword', tags: ['auth'], summary: 'Changes the caller\'s password (other sessions end)', ...documented(S.AnyObject, S.PasswordBody), response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    const b = body(req);
    await auth.changePassword(me(req), { currentPassword: b.currentPassword, newPassword: b.newPassword }, address(req));
    return reply.code(204).send();
  });

  const ownTokens = (req: FastifyRequest) => {
    const p = me(req);
    if (p.via === 'admin-token') throw new AuthError(400, 'invalid', 'the configured admin token belongs to no user: log in as a user to manage tokens');
    return p.name;
  };
  api.get('/api/v1/me/tokens', {
    schema: { operationId: 'listMyTokens', tags: ['auth'], response: answers({ 200: S.Answer({ tokens: Type.Array(ref(S.Token)) }) }) },
  }, async (req) => ({ tokens: await auth.tokens(ownTokens(req)) }));
  api.post('/api/v1/me/tokens', {
    schema: { operationId: 'createMyToken', tags: ['auth'], summary: 'Makes an API token (its value is shown once)', ...tokenBody, response: answers({ 201: ref(S.NewToken) }) },
  }, async (req, reply) => {
    const b = body(req);
    return reply.code(201).send(await auth.createToken(me(req), ownTokens(req), { name: b.name, expiresInDays: b.expiresInDays }, address(req)));
  });
  api.delete('/api/v1/me/tokens/:id', {
    schema: { operationId: 'revokeMyToken', tags: ['auth'], params: tokenParams, response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    const { id } = req.params;
    if (!(await auth.revokeToken(me(req), ownTokens(req), id, address(req)))) throw new StoreError('not-found', `you have no token ${id}`);
    return reply.code(204).send();
  });

  // --- users (admin)

  // Admins see each user's login failures and lock (service.ts: per-account throttling).
  const withLock = (u: UserView) => ({ ...u, login: auth.loginLock(u.name) });
  api.get('/api/v1/users', {
    schema: { operationId: 'listUsers', tags: ['users'], response: answers({ 200: S.Answer({ users: Type.Array(ref(S.UserAdminView)) }) }) },
  }, async () => ({ users: (await auth.users()).map(withLock) }));
  api.post('/api/v1/users', {
    schema: { operationId: 'createUser', tags: ['users'], ...documented(S.AnyObject, S.UserCreateBody), response: answers({ 201: ref(S.User) }) },
  }, async (req, reply) => {
    const b = body(req);
    const u = await auth.createUser(me(req), { name: b.name, role: b.role, fullName: b.fullName, password: b.password, email: b.email }, address(req));
    return reply.code(201).header('location', `/api/v1/users/${encodeURIComponent(u.name)}`).send(u);
  });
  api.get('/api/v1/users/:name', {
    schema: { operationId: 'getUser', tags: ['users'], params: nameParams, response: answers({ 200: ref(S.UserAdminView) }) },
  }, async (req) => {
    const { name } = req.params;
    const u = await auth.user(name);
    if (!u) throw new StoreError('not-found', `no user named '${name}'`);
    return withLock(u);
  });
  api.put('/api/v1/users/:name', {
    schema: {
      operationId: 'updateUser', tags: ['users'], summary: 'Changes role, full name, e-mail, password or disabled (a password or disabled change ends their sessions)',
      params: nameParams, ...documented(S.AnyObject, S.UserUpdateBody), response: answers({ 200: ref(S.User) }),
    },
  }, async (req) => {
    const { name } = req.params;
    const b = body(req);
    return auth.updateUser(me(req), name, { role: b.role, fullName: b.fullName, password: b.password, disabled: b.disabled, email: b.email }, address(req));
  });
  api.delete('/api/v1/users/:name', {
    schema: { operationId: 'deleteUser', tags: ['users'], params: nameParams, response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    const { name } = req.params;
    if (!(await auth.deleteUser(me(req), name, address(req)))) throw new StoreError('not-found', `no user named '${name}'`);
    return reply.code(204).send();
  });
  // Any name may be locked (unknown ones are treated as real ones); only users' can be lifted here.
  api.post('/api/v1/users/:name/unlock', {
    schema: {
      operationId: 'unlockUser', tags: ['users'], summary: 'Lifts the login lock of a user and forgets their failed logins',
      params: nameParams, ...documented(S.AnyObjectOrNull, Type.Union([Type.Object({}), Type.Null()])),
      response: answers({ 200: Type.Composite([S.UserAdminView, S.Answer({ was: ref(S.LoginLock) })], { additionalProperties: false, description: 'the user, and their lock as it was' }) }),
    },
  }, async (req) => {
    const { name } = req.params;
    const u = await auth.user(name);
    if (!u) throw new StoreError('not-found', `no user named '${name}'`);
    const was = await auth.unlock(me(req), name, address(req));
    return { ...withLock(u), was };
  });
  const existing = async (name: string) => {
    if (!(await auth.user(name))) throw new StoreError('not-found', `no user named '${name}'`);
    return name;
  };
  api.get('/api/v1/users/:name/tokens', {
    schema: { operationId: 'listUserTokens', tags: ['users'], params: nameParams, response: answers({ 200: S.Answer({ tokens: Type.Array(ref(S.Token)) }) }) },
  }, async (req) => ({ tokens: await auth.tokens(await existing(req.params.name)) }));
  api.post('/api/v1/users/:name/tokens', {
    schema: { operationId: 'createUserToken', tags: ['users'], summary: 'Makes an API token for a user (its value is shown once)', params: nameParams, ...tokenBody, response: answers({ 201: ref(S.NewToken) }) },
  }, async (req, reply) => {
    const b = body(req);
    const user = await existing(req.params.name);
    return reply.code(201).send(await auth.createToken(me(req), user, { name: b.name, expiresInDays: b.expiresInDays }, address(req)));
  });
  api.delete('/api/v1/users/:name/tokens/:id', {
    schema: { operationId: 'revokeUserToken', tags: ['users'], params: Type.Object({ name: Type.String({ maxLength: 100 }), id: Type.String({ minLength: 1, maxLength: 100 }) }), response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    const { name, id } = req.params;
    if (!(await auth.revokeToken(me(req), name, id, address(req)))) throw new StoreError('not-found', `user '${name}' has no token ${id}`);
    return reply.code(204).send();
  });

  // --- audit log (admin)

  api.get('/api/v1/audit', {
    schema: {
      operationId: 'getAuditLog', tags: ['audit'], summary: 'The audit log, newest first, a page at a time',
      querystring: Type.Object({
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
        before: Type.Optional(Type.String({ maxLength: 40, description: "an entry's id: the entries before it (the last page's next)" })),
        actor: Type.Optional(Type.String({ maxLength: 200 })),
        action: Type.Optional(Type.String({ maxLength: 100 })),
      }, { additionalProperties: false }),
      response: answers({ 200: S.Answer({ entries: Type.Array(ref(S.AuditEntry)), next: S.Nullable(Type.String({ description: 'the before of the next page; null at the end' })) }) }),
    },
  }, async (req) => {
    const q = req.query;
    const entries = await auth.auditLog({ limit: q.limit ?? 100, before: q.before ?? null, actor: q.actor ?? null, action: q.action ?? null });
    return { entries, next: entries.length === (q.limit ?? 100) ? entries[entries.length - 1]!.id : null };
  });
}

function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The session cookie's attributes: host-only, every path, no script access, same-site only, Secure over https. */
function sessionCookieOptions(req: FastifyRequest, publicUrl: string): CookieSerializeOptions {
  return { path: '/', httpOnly: true, sameSite: 'strict', secure: publicUrl.startsWith('https:') || req.protocol === 'https' };
}

function clearSessionCookie(req: FastifyRequest, reply: FastifyReply, publicUrl: string): void {
  reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(req, publicUrl));
}

/**
 * The session cookie's value (null without one; an empty value is none). When the name occurs
 * more than once, every occurrence must carry the same value (see the header).
 */
export function sessionCookie(req: FastifyRequest): string | null {
  const first = req.cookies[SESSION_COOKIE];
  const header = req.headers.cookie ?? '';
  if (header.indexOf(SESSION_COOKIE) === header.lastIndexOf(SESSION_COOKIE)) return first === undefined || first === '' ? null : first;
  // Each ';'-separated pair read on its own by the same parser, to see every occurrence.
  const values = new Set<string>();
  for (const pair of header.split(';')) {
    const v = req.server.parseCookie(pair)[SESSION_COOKIE];
    if (v !== undefined && v !== '') values.add(v);
  }
  if (values.size > 1) {
    throw new AuthError(401, 'unauthorized', `the request carries ${values.size} different ${SESSION_COOKIE} cookies; this controller sets only one, so another was planted (by a site on a parent domain, or over plain HTTP): clear this site's cookies in the browser and log in again`);
  }
  const [only] = values;
  return only ?? null;
}

/** A change sent with an Origin header must come from this controller's own pages. */
function checkOrigin(req: FastifyRequest, publicUrl: string): void {
  const origin = headerOf(req, 'origin');
  if (origin === undefined || origin === '') return;
  const own = new Set<string>();
  try { own.add(new URL(publicUrl).origin); } catch { /* config checked it */ }
  if (req.headers.host) own.add(`${req.protocol}://${req.headers.host}`);
  if (!own.has(origin)) {
    throw new AuthError(403, 'forbidden', `cross-site request refused: Origin ${origin.slice(0, 200)} is not this controller (${[...own].join(', ')})`);
  }
}
