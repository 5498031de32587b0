// The session cookie, read and written by @fastify/cookie (src/controller/auth/http.ts): its
// attributes when set and cleared (Secure when the controller is served over https), hostile
// Cookie headers (malformed, duplicated names, huge) never answer 5xx, and a header naming the
// session cookie twice with different values is refused rather than guessed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { testConfig } from '../helpers/controller.ts';

let c: ControllerHandle;
let home: string;
let cookie = '';

const get = (p: string, cookieHeader: string | null, base = c.url) =>
  fetch(new URL(p, base), { headers: cookieHeader === null ? {} : { cookie: cookieHeader } });

/** The first admin, made with the initial admin password; returns the Set-Cookie of its session. */
async function setup(url: string, dir: string): Promise<string> {
  const initial = readFileSync(path.join(dir, 'secrets', 'initialAdminPassword'), 'utf8').trim();
  const res = await fetch(new URL('api/v1/setup', url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ initialPassword: initial, username: 'root', password: 'root-password-1' }) });
  assert.equal(res.status, 201, await res.clone().text());
  return res.headers.get('set-cookie')!;
}

/** `name=value` and the attributes, sorted (their order is the serializer's business). */
function parts(setCookie: string): { pair: string; attrs: string[] } {
  const [pair, ...attrs] = setCookie.split('; ');
  return { pair: pair!, attrs: attrs.sort() };
}

before(async () => {
  home = path.join(tempDir('cookies'), 'home');
  c = await startController(testConfig({ home, port: '0', executors: '1' }), { log: () => {} });
  const set = await setup(c.url, home);
  const { pair, attrs } = parts(set);
  assert.match(pair, /^kiln_session=[\w-]{43}$/);
  assert.deepEqual(attrs, ['HttpOnly', 'Max-Age=604800', 'Path=/', 'SameSite=Strict']);
  cookie = pair;
});
after(async () => { await c?.close(); });

test('the session cookie authenticates; malformed Cookie headers are no session, never a 5xx', async () => {
  assert.equal((await get('api/v1/me', cookie)).status, 200);
  assert.equal((await get('api/v1/me', `a=b; ${cookie}; c=d`)).status, 200);
  assert.equal((await get('api/v1/me', `${cookie.replace('=', ' = ')}`)).status, 200, 'spaces around = are trimmed');
  const junk = [
    '', ';', ';;;', '=', '==', 'kiln_session', 'kiln_session=', 'kiln_session=;', 'kiln_session="', 'kiln_session=""',
    'kiln_session=%', 'kiln_session=%ZZ%E0%A4%A', '=kiln_session', 'kiln_session=a=b=c', '\tkiln_session\t=\t',
    `kiln_session=${'x'.repeat(4000)}`, `${'a=b;'.repeat(1500)}`, 'kiln_session=\u00ff\u00fe', 'kiln_session=a;kiln_session',
  ];
  for (const h of junk) {
    const me = await get('api/v1/me', h);
    assert.ok(me.status === 401, `Cookie: ${JSON.stringify(h.slice(0, 60))} → ${me.status}`);
    const body = await me.json() as { error: { code: string } };
    assert.ok(['unauthorized', 'session-expired', 'setup-required'].includes(body.error.code), body.error.code);
    // Public routes ignore it.
    assert.equal((await get('api/v1/setup', h)).status, 200);
  }
  // Headers over Node's limit: 431 from the HTTP parser, with the catalogue's code.
  const huge = await get('api/v1/me', `kiln_session=${'y'.repeat(20_000)}`);
  assert.equal(huge.status, 431);
  assert.equal((await huge.json() as { error: { code: string } }).error.code, 'headers-too-large');
});

test('a Cookie header with the session cookie twice: the same value is fine; different values are refused, whichever comes first', async () => {
  const value = cookie.slice('kiln_session='.length);
  assert.equal((await get('api/v1/me', `${cookie}; ${cookie}`)).status, 200);
  assert.equal((await get('api/v1/me', `kiln_session=; ${cookie}`)).status, 200, 'an empty one is none');
  for (const h of [`${cookie}; kiln_session=planted`, `kiln_session=planted; ${cookie}`, `kiln_session=planted; x=1; kiln_session=${value}`]) {
    const r = await get('api/v1/me', h);
    assert.equal(r.status, 401, h);
    const body = await r.json() as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'unauthorized');
    assert.match(body.error.message, /carries 2 different kiln_session cookies.*clear this site's cookies/);
  }
  // The login page still answers (public routes ignore credentials).
  assert.equal((await get('api/v1/setup', `kiln_session=planted; ${cookie}`)).status, 200);
  // A name that merely contains ours is another cookie.
  assert.equal((await get('api/v1/me', `${cookie}; xkiln_session=other; kiln_session_old=other`)).status, 200);
});

test('logout and an expired session clear the cookie with the same attributes', async () => {
  const csrf = (await (await get('api/v1/me', cookie)).json() as { csrfToken: string }).csrfToken;
  const out = await fetch(new URL('api/v1/auth/logout', c.url), { method: 'POST', headers: { cookie, 'x-kiln-csrf': csrf } });
  assert.equal(out.status, 204);
  const cleared = parts(out.headers.get('set-cookie')!);
  assert.equal(cleared.pair, 'kiln_session=');
  assert.deepEqual(cleared.attrs, ['Expires=Thu, 01 Jan 1970 00:00:00 GMT', 'HttpOnly', 'Max-Age=0', 'Path=/', 'SameSite=Strict']);
  // The ended session on a public route: answered, and told to drop the cookie.
  const stale = await get('api/v1/setup', cookie);
  assert.equal(stale.status, 200);
  assert.equal(parts(stale.headers.get('set-cookie')!).pair, 'kiln_session=');
  assert.equal((await get('api/v1/me', cookie)).status, 401);
});

test('served over https (the public URL), the cookie is Secure', async () => {
  const dir = path.join(tempDir('cookies-https'), 'home');
  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(p));
    });
  });
  // The public URL (behind a TLS proxy) is https; the test talks to the port itself.
  const s = await startController(testConfig({ home: dir, port: String(port), host: '127.0.0.1', executors: '1', url: 'https://kiln.example/' }), { log: () => {} });
  try {
    const { attrs } = parts(await setup(`http://127.0.0.1:${port}/`, dir));
    assert.deepEqual(attrs, ['HttpOnly', 'Max-Age=604800', 'Path=/', 'SameSite=Strict', 'Secure']);
  } finally {
    await s.close();
  }
});
