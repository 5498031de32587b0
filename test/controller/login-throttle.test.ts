// Password guessing from many addresses: the per-account limit. Logins come from distinct
// source addresses for real (every 127/8 address reaches the loopback listener; the client
// binds its local address), so the per-address limits never trigger and only the account's
// can stop the guesses. An unknown name must meet exactly what a real one does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import { startController, type ControllerHandle } from '../../src/controller/compose.ts';
import {
  ACCOUNT_FREE_FAILURES, ACCOUNT_LOCK_BASE_MS, ACCOUNT_LOCK_MAX_MS, AuthError, AuthService, LOGIN_FAILURES_PER_USER,
} from '../../src/controller/auth/service.ts';
import { hashPassword } from '../../src/controller/auth/passwords.ts';
import { openStore } from '../../src/store/index.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, testConfig } from '../helpers/controller.ts';

let c: ControllerHandle;
const api = rawApi(() => c.url);

before(async () => {
  c = await startController(testConfig({ home: path.join(tempDir('throttle'), 'home'), port: '0', host: '127.0.0.1', executors: '0' }));
  // Past setup: the first admin exists.
  assert.equal((await api('POST', 'api/v1/users', { name: 'root', role: 'admin', password: 'root-password-1' })).status, 201);
});
after(async () => { await c?.close(); });

interface Answer { status: number; message: string; retryAfter: number | null; address: string }

/** POST /api/v1/auth/login from the local address `from` (a 127/8 address). */
function loginFrom(from: string, username: string, password: string): Promise<Answer> {
  const u = new URL('api/v1/auth/login', c.url);
  const body = JSON.stringify({ username, password });
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: u.hostname, port: u.port, path: u.pathname, method: 'POST', localAddress: from, agent: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => {
        const json = JSON.parse(text) as { error?: { message: string } };
        const ra = res.headers['retry-after'];
        resolve({ status: res.statusCode ?? 0, message: json.error?.message ?? '', retryAfter: ra === undefined ? null : Number(ra), address: from });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The audit log's entries of an action for a target. */
async function audited(action: string, target: string): Promise<{ actor: string; address: string; detail: string }[]> {
  const entries = (await api('GET', `api/v1/audit?limit=1000&action=${action}`)).json.entries as { actor: string; target: string; address: string; detail: string }[];
  return entries.filter((e) => e.target === target);
}

test('guessing one account from many addresses: locked after the free failures, with Retry-After; an unknown name gets the same answers; an admin unlocks it', async () => {
  assert.equal((await api('POST', 'api/v1/users', { name: 'target', role: 'developer', password: 'the-real-password' })).status, 201);
  const token = (await api('POST', 'api/v1/users/target/tokens', { name: 'ci' })).json.token as string;

  // Each guess from its own address: the per-address limits never see more than one failure.
  const known: Answer[] = [];
  const unknown: Answer[] = [];
  // the two locks start one login apart, and are read one login apart: a password hash each, slow on a loaded machine
  let lastRound = 0;
  for (let i = 0; i < ACCOUNT_FREE_FAILURES; i++) {
    lastRound = Date.now();
    known.push(await loginFrom(`127.0.1.${10 + i}`, 'target', `guess-${i}`));
    unknown.push(await loginFrom(`127.0.2.${10 + i}`, 'no-such-user', `guess-${i}`));
  }
  assert.deepEqual(known.map((a) => a.status), Array(ACCOUNT_FREE_FAILURES).fill(401));
  assert.ok(known.every((a) => a.message === 'wrong user name or password'));

  // From yet another address, even the right password is refused now: the account is locked.
  const locked = await loginFrom('127.0.1.100', 'target', 'the-real-password');
  assert.equal(locked.status, 429);
  assert.match(locked.message, /^too many failed logins for 'target' from any address: the account is locked; try again in \d+ s, or ask an admin to unlock it$/);
  assert.ok(locked.retryAfter !== null && locked.retryAfter > 0 && locked.retryAfter <= ACCOUNT_LOCK_BASE_MS / 1000, String(locked.retryAfter));
  const lockedUnknown = await loginFrom('127.0.2.100', 'no-such-user', 'anything-at-all');
  unknown.push(lockedUnknown);
  known.push(locked);
  // The unknown name met the same answers, one for one (its name aside).
  const shape = (a: Answer) => [a.status, a.message.replace(/'[^']*'/, "'NAME'").replace(/\d+ s/, 'N s'), a.retryAfter !== null];
  assert.deepEqual(unknown.map(shape), known.map(shape));
  // the same lock length: Retry-After differs by no more than the logins between the locks' starts and reads (and rounding)
  const spanMs = Date.now() - lastRound;
  assert.ok(Math.abs(lockedUnknown.retryAfter! - locked.retryAfter!) <= Math.ceil(spanMs / 1000) + 1, `${lockedUnknown.retryAfter} vs ${locked.retryAfter} (${spanMs} ms of logins between)`);
  // Other names, and the locked user's API token, are not affected.
  assert.equal((await loginFrom('127.0.1.100', 'root', 'root-password-1')).status, 200);
  assert.equal((await api('GET', 'api/v1/me', undefined, { authorization: `Bearer ${token}` })).status, 200);
  // Names differ in case only: the same account.
  assert.equal((await loginFrom('127.0.1.101', 'TARGET', 'x')).status, 429);

  // Admins see it, in the user's view and in the audit log (with every address tried from).
  const view = (await api('GET', 'api/v1/users/target')).json;
  assert.equal(view.login.failures, ACCOUNT_FREE_FAILURES);
  assert.ok(view.login.lockedUntil > Date.now());
  assert.equal((await api('GET', 'api/v1/users')).json.users.find((u: { name: string }) => u.name === 'target').login.failures, ACCOUNT_FREE_FAILURES);
  const failed = await audited('login-failed', 'target');
  assert.equal(new Set(failed.map((e) => e.address)).size, ACCOUNT_FREE_FAILURES);
  assert.match((await audited('login-locked', 'target'))[0]!.detail, /^10 failed logins from any address: password logins refused until \d{4}-/);

  // Only an admin may lift it; then the right password works at once.
  assert.equal((await api('POST', 'api/v1/users/target/unlock', undefined, { authorization: `Bearer ${token}` })).status, 403);
  const unlocked = await api('POST', 'api/v1/users/target/unlock');
  assert.equal(unlocked.status, 200, unlocked.text);
  assert.equal(unlocked.json.was.failures, ACCOUNT_FREE_FAILURES);
  assert.deepEqual(unlocked.json.login, { failures: 0, lockedUntil: null });
  assert.equal((await api('POST', 'api/v1/users/no-such-user/unlock')).status, 404);
  assert.equal((await loginFrom('127.0.1.102', 'target', 'the-real-password')).status, 200);
  const unlock = (await audited('user.unlock', 'target'))[0]!;
  assert.equal(unlock.actor, 'admin-token');
  assert.match(unlock.detail, /was locked after 10 failed logins/);
});

test('a burst of parallel guesses from many addresses: only the free failures run, the rest are refused before any password is checked', async () => {
  assert.equal((await api('POST', 'api/v1/users', { name: 'burst', role: 'viewer', password: 'burst-password' })).status, 201);
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => loginFrom(`127.0.3.${10 + i}`, 'burst', `guess-${i}`)));
  assert.equal(answers.filter((a) => a.status === 401).length, ACCOUNT_FREE_FAILURES);
  assert.equal(answers.filter((a) => a.status === 429).length, 40 - ACCOUNT_FREE_FAILURES);
  // Only the attempts that ran were checked (and recorded).
  assert.equal((await audited('login-failed', 'burst')).length, ACCOUNT_FREE_FAILURES);
});

test('the per-address limits still hold: one address, one name', async () => {
  assert.equal((await api('POST', 'api/v1/users', { name: 'local', role: 'viewer', password: 'local-password' })).status, 201);
  for (let i = 0; i < LOGIN_FAILURES_PER_USER; i++) assert.equal((await loginFrom('127.0.4.1', 'local', `guess-${i}`)).status, 401);
  const r = await loginFrom('127.0.4.1', 'local', 'local-password');
  assert.equal(r.status, 429);
  assert.match(r.message, /too many failed logins for 'local' from this address/);
  // From another address the account (below its own limit) is open.
  assert.equal((await loginFrom('127.0.4.2', 'local', 'local-password')).status, 200);
});

test('lock windows grow: each failure after a lock doubles the next one, up to the cap; a success forgets; unknown names alike', async () => {
  const home = path.join(tempDir('throttle-clock'), 'home');
  const store = await openStore({ home });
  let t = Date.UTC(2025, 0, 1);
  const auth = new AuthService({ store, home, adminToken: null, log: () => {}, now: () => t });
  try {
    await auth.init();
    await store.users.create({ name: 'slow', role: 'viewer', passwordHash: await hashPassword('slow-password') });
    /** A login's outcome: 'ok', 'wrong', or the seconds a 429 says to wait. */
    const attempt = async (username: string, password: string, address: string): Promise<'ok' | 'wrong' | number> => {
      try {
        await auth.login({ username, password, address });
        return 'ok';
      } catch (e) {
        if (!(e instanceof AuthError)) throw e;
        if (e.status === 429) return e.retryAfterSeconds!;
        assert.equal(e.status, 401);
        return 'wrong';
      }
    };
    const run = async (username: string) => {
      const seen: ('ok' | 'wrong' | number)[] = [];
      let n = 0;
      const addr = () => `2001:db8::${(++n).toString(16)}`;
      for (let i = 0; i < ACCOUNT_FREE_FAILURES; i++) seen.push(await attempt(username, 'nope', addr()));
      // Locked: wait it out, fail once more, and the next lock is twice as long.
      const windows: number[] = [];
      for (let k = 0; k < 8; k++) {
        const wait = await attempt(username, 'nope', addr());
        assert.equal(typeof wait, 'number');
        windows.push(wait as number);
        t += (wait as number) * 1000;
        seen.push(await attempt(username, 'nope', addr()));
      }
      return { seen, windows };
    };
    const start = t;
    const real = await run('slow');
    const realEnd = t;
    t = start;
    const ghost = await run('ghost');
    assert.deepEqual(ghost, real);
    t = realEnd;
    assert.deepEqual(real.seen, Array(ACCOUNT_FREE_FAILURES + 8).fill('wrong'));
    const base = ACCOUNT_LOCK_BASE_MS / 1000;
    assert.deepEqual(real.windows, [base, base * 2, base * 4, base * 8, base * 16, base * 32, ACCOUNT_LOCK_MAX_MS / 1000, ACCOUNT_LOCK_MAX_MS / 1000]);
    // After the lock, the right password works, and the account starts afresh.
    const wait = await attempt('slow', 'slow-password', '2001:db8::1:1');
    assert.equal(typeof wait, 'number');
    t += (wait as number) * 1000;
    assert.equal(await attempt('slow', 'slow-password', '2001:db8::1:2'), 'ok');
    assert.deepEqual(auth.loginLock('slow'), { failures: 0, lockedUntil: null });
    assert.equal(await attempt('slow', 'nope', '2001:db8::1:3'), 'wrong');
    assert.equal(auth.loginLock('slow').failures, 1);
  } finally {
    await store.close();
  }
});
