// Who is calling, and may they: users and their passwords, login sessions, API tokens, the
// configured admin token, the first-start setup with the initial admin password, login rate
// limiting, and the audit log. HTTP lives in auth/http.ts; which route needs which role is in
// auth/policy.ts.
//
// Login throttling, three limits, all checked before the user is looked up, so that an
// unknown name meets exactly what a real one does (same answers, same work: a hash either way):
//   per (name, address)  LOGIN_FAILURES_PER_USER failures in LOGIN_WINDOW_MS
//   per address          LOGIN_FAILURES_PER_ADDRESS failures (any names) in the window
//   per account (name, from any address): ACCOUNT_FREE_FAILURES failures, then the name is
//     locked for ACCOUNT_LOCK_BASE_MS, and each failure after a lock doubles the next lock, up
//     to ACCOUNT_LOCK_MAX_MS; a success or an admin unlock (POST /api/v1/users/:name/unlock)
//     forgets them; so do ACCOUNT_FORGET_MS without a failure. Rotating addresses (IPv6 gives
//     anyone millions) then buys a few guesses an hour, not unlimited ones.
// An attempt counts as a failure from the moment it starts, and is forgiven when it succeeds:
// a burst of parallel guesses cannot all pass the check before the first one fails. The lock
// stops password logins only: API tokens and sessions already open keep working, so someone
// locking a victim's account out does not stop their CI. The state is in memory (a restart
// forgives everyone; a controller's restart is not the attacker's to trigger).
//
// Secrets at rest: passwords as scrypt hashes (passwords.ts); session cookies and API tokens
// are 256-bit random values stored as SHA-256 digests (a fast hash is right for values that
// cannot be guessed; scrypt would only slow every request). The initial admin password is the
// one plaintext secret on disk: <home>/secrets/initialAdminPassword, mode 0600, removed when
// the first admin is created, as Jenkins does.
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { AuditEntry, Role, SessionRecord, Store, TokenRecord, UserRecord } from '../../store/types.ts';
import { StoreError } from '../../store/types.ts';
import { RESERVED_USER_NAMES, checkEmail, checkRole, checkUserName } from '../../store/users.ts';
import { DUMMY_HASH, hashPassword, passwordProblem, verifyPassword } from './passwords.ts';
import { ApiError, ERRORS, type CodeWithStatus } from '../http-errors.ts';

export const SESSION_COOKIE = 'kiln_session';
/** A session ends after this long without a request… */
export const SESSION_IDLE_MS = 24 * 3600_000;
/** …and this long after login in any case. */
export const SESSION_MAX_MS = 7 * 24 * 3600_000;
/** Failed logins for one user from one address within the window before 429. */
export const LOGIN_FAILURES_PER_USER = 5;
/** Failed logins from one address (any users) within the window before 429. */
export const LOGIN_FAILURES_PER_ADDRESS = 30;
export const LOGIN_WINDOW_MS = 15 * 60_000;
/** Failed logins for one account, from any addresses, before it is locked. */
export const ACCOUNT_FREE_FAILURES = 10;
/** The first lock of an account; every failure after a lock doubles the next one… */
export const ACCOUNT_LOCK_BASE_MS = 60_000;
/** …up to this. */
export const ACCOUNT_LOCK_MAX_MS = 3600_000;
/** An account's failures are forgotten this long after the last one. */
export const ACCOUNT_FORGET_MS = 24 * 3600_000;

export const TOKEN_PREFIX = 'kiln_';

/** Who a request is from. */
export interface Principal {
  /** The user's name; 'admin-token' for the configured admin token. */
  name: string;
  role: Role;
  via: 'session' | 'token' | 'admin-token';
  session?: SessionRecord;
  tokenId?: string;
}

/** A refusal of the auth layer; `(status, code)` must be a pair of the error catalogue (http-errors.ts). */
export class AuthError extends ApiError {
  readonly retryAfterSeconds: number | null;
  constructor(...[, code, message, retryAfterSeconds = null, field]: [...CodeWithStatus, message: string, retryAfterSeconds?: number | null, field?: string]) {
    super(code, message, {
      ...(field !== undefined ? { field } : {}),
      headers: {
        ...(retryAfterSeconds !== null ? { 'retry-after': String(retryAfterSeconds) } : {}),
        ...(ERRORS[code].status === 401 ? { 'www-authenticate': 'Bearer realm="kiln"' } : {}),
      },
    });
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A user as the API shows it (never the hash). */
export interface UserView { name: string; role: Role; fullName: string; disabled: boolean; createdAt: number; updatedAt: number; email: string | null }
export interface TokenView { id: string; name: string; createdAt: number; lastUsedAt: number | null; expiresAt: number | null }

export const userView = (u: UserRecord): UserView => ({ name: u.name, role: u.role, fullName: u.fullName, disabled: u.disabled, createdAt: u.createdAt, updatedAt: u.updatedAt, email: u.email });
export const tokenView = (t: TokenRecord): TokenView => ({ id: t.id, name: t.name, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt, expiresAt: t.expiresAt });

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}

/** Counts failures per key in a sliding window (memory only: a restart forgives everyone). */
class FailureWindow {
  readonly #hits = new Map<string, number[]>();
  readonly #windowMs: number;
  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }
  #live(key: string, now: number): number[] {
    const list = (this.#hits.get(key) ?? []).filter((t) => t > now - this.#windowMs);
    if (list.length === 0) this.#hits.delete(key);
    else this.#hits.set(key, list);
    return list;
  }
  /** Seconds until the key is below `limit` again, or 0 when it is now. */
  blockedFor(key: string, limit: number, now: number): number {
    const list = this.#live(key, now);
    if (list.length < limit) return 0;
    return Math.max(1, Math.ceil((list[list.length - limit]! + this.#windowMs - now) / 1000));
  }
  add(key: string, now: number): void {
    this.#live(key, now);
    const list = this.#hits.get(key) ?? [];
    list.push(now);
    this.#hits.set(key, list);
    // Bound the memory an attacker can make us spend: forget the oldest keys.
    if (this.#hits.size > 100_000) for (const k of [...this.#hits.keys()].slice(0, 10_000)) this.#hits.delete(k);
  }
  /** Takes back one failure recorded at `at` (an attempt that succeeded after all). */
  undo(key: string, at: number): void {
    const list = this.#hits.get(key);
    const i = list?.lastIndexOf(at) ?? -1;
    if (!list || i < 0) return;
    list.splice(i, 1);
    if (list.length === 0) this.#hits.delete(key);
  }
  clear(key: string): void {
    this.#hits.delete(key);
  }
  /** Forgets every key that starts with `prefix`. */
  clearPrefix(prefix: string): void {
    for (const k of this.#hits.keys()) if (k.startsWith(prefix)) this.#hits.delete(k);
  }
}

/** An account's (a login name's) failures from any address, and its lock. */
export interface AccountLock {
  /** Failed logins since the last success (or unlock), from any address. */
  failures: number;
  /** Locked until then (ms), or null. */
  lockedUntil: number | null;
}

/**
 * Per-account lockout with growing windows. Keys are login names, lowercased, whether or not
 * such a user exists (the same treatment for both is what keeps names from being probed).
 */
class AccountLocks {
  readonly #state = new Map<string, { failures: number; lockedUntil: number; lastAt: number }>();

  #get(key: string, now: number) {
    const s = this.#state.get(key);
    if (s && s.lockedUntil <= now && now - s.lastAt > ACCOUNT_FORGET_MS) {
      this.#state.delete(key);
      return undefined;
    }
    return s;
  }

  /**
   * An attempt starts: while the account is locked, the seconds to wait (the attempt is not
   * counted); otherwise 0, and the attempt counts as a failure until `forgive`. The attempt
   * that reaches the limit still runs, and locks the account for those after it.
   */
  begin(key: string, now: number): number {
    const s = this.#get(key, now) ?? { failures: 0, lockedUntil: 0, lastAt: now };
    if (s.lockedUntil > now) return Math.max(1, Math.ceil((s.lockedUntil - now) / 1000));
    s.failures += 1;
    s.lastAt = now;
    if (s.failures >= ACCOUNT_FREE_FAILURES) {
      s.lockedUntil = now + Math.min(ACCOUNT_LOCK_MAX_MS, ACCOUNT_LOCK_BASE_MS * 2 ** Math.min(30, s.failures - ACCOUNT_FREE_FAILURES));
    }
    // Re-inserted: the map's order is then least recently tried first, for eviction.
    this.#state.delete(key);
    this.#state.set(key, s);
    if (this.#state.size > 100_000) this.#evict(now);
    return 0;
  }

  /** Bounds the memory a flood of made-up names costs: the least recently tried unlocked ones go. */
  #evict(now: number): void {
    let n = 0;
    for (const [k, s] of this.#state) {
      if (s.lockedUntil > now) continue;
      this.#state.delete(k);
      if (++n >= 10_000) break;
    }
  }

  /** The attempt succeeded: the account's failures and lock are gone. */
  forgive(key: string): void {
    this.#state.delete(key);
  }

  state(key: string, now: number): AccountLock {
    const s = this.#get(key, now);
    return { failures: s?.failures ?? 0, lockedUntil: s && s.lockedUntil > now ? s.lockedUntil : null };
  }
}

const accountKey = (name: string) => name.toLowerCase();

export interface AuthOptions {
  store: Store;
  home: string;
  /** The configured admin token (config adminToken), or null. */
  adminToken: string | null;
  log: (line: string) => void;
  now?: () => number;
}

export class AuthService {
  readonly passwordFile: string;
  readonly #store: Store;
  readonly #adminToken: string | null;
  readonly #log: (line: string) => void;
  readonly #now: () => number;
  readonly #failures = new FailureWindow(LOGIN_WINDOW_MS);
  readonly #accounts = new AccountLocks();
  #setupNeeded = false;
  /** Last time a session / token was marked used, so that a busy client writes once a minute. */
  readonly #touched = new Map<string, number>();

  constructor(o: AuthOptions) {
    this.#store = o.store;
    this.#adminToken = o.adminToken;
    this.#log = o.log;
    this.#now = o.now ?? Date.now;
    this.passwordFile = path.join(o.home, 'secrets', 'initialAdminPassword');
  }

  /** At start: with no users, make sure the initial admin password exists (and say where); otherwise remove it. */
  async init(): Promise<void> {
    const users = await this.#store.users.count();
    this.#setupNeeded = users === 0;
    if (!this.#setupNeeded) {
      await this.#disableReservedNames();
      await fsp.rm(this.passwordFile, { force: true });
      return;
    }
    let existing: string | null = null;
    try {
      existing = (await fsp.readFile(this.passwordFile, 'utf8')).trim();
    } catch { /* none yet */ }
    if (!existing || existing.length < 16) {
      await fsp.mkdir(path.dirname(this.passwordFile), { recursive: true, mode: 0o700 });
      await fsp.writeFile(this.passwordFile, `${randomBytes(16).toString('hex')}\n`, { mode: 0o600 });
    }
    await fsp.chmod(this.passwordFile, 0o600);
    await this.#store.users.pruneSessions(this.#now());
  }

  /**
   * A user made before a name was reserved (RESERVED_USER_NAMES: Kiln records the configured
   * admin token and itself under them) could pass for the admin token where a name is all that
   * is kept (a job's configurer): such a user is disabled at start, loudly, until renamed.
   */
  async #disableReservedNames(): Promise<void> {
    for (const u of await this.#store.users.list()) {
      if (!RESERVED_USER_NAMES.includes(u.name.toLowerCase()) || u.disabled) continue;
      await this.#store.users.update(u.name, { disabled: true });
      await this.#store.users.deleteSessions(u.name);
      this.#log(`WARNING: auth: user '${u.name}' has a name Kiln reserves for itself (${RESERVED_USER_NAMES.join(', ')}): disabled; an admin can make the person a user of another name`);
    }
  }

  get setupNeeded(): boolean {
    return this.#setupNeeded;
  }

  // -------------------------------------------------------------------------------------------
  // setup and login

  /** Creates the first admin with the initial admin password; logs them in. */
  async setup(o: { initialPassword: unknown; username: unknown; password: unknown; fullName?: unknown; address: string }): Promise<{ user: UserView; cookie: string; csrf: string }> {
    if (!this.#setupNeeded) throw new AuthError(409, 'conflict', 'Kiln is already set up: log in instead');
    this.#checkRate(`setup|${o.address}`, LOGIN_FAILURES_PER_USER, 'unlock attempts');
    let expected = '';
    try {
      expected = (await fsp.readFile(this.passwordFile, 'utf8')).trim();
    } catch { /* gone: nothing matches */ }
    if (typeof o.initialPassword !== 'string' || expected === '' || !sameSecret(o.initialPassword.trim(), expected)) {
      this.#failures.add(`setup|${o.address}`, this.#now());
      await this.audit({ actor: 'anonymous', action: 'setup-failed', target: '', detail: 'wrong initial admin password', address: o.address });
      throw new AuthError(401, 'unauthorized', `initialPassword: wrong initial admin password: copy it from ${this.passwordFile} on the controller's machine`);
    }
    const name = checkUserName(o.username);
    const problem = passwordProblem(o.password);
    if (problem) throw new AuthError(400, 'invalid', problem, null, 'password');
    const user = await this.#store.users.create({ name, role: 'admin', fullName: typeof o.fullName === 'string' ? o.fullName : '', passwordHash: await hashPassword(o.password as string) });
    this.#setupNeeded = false;
    await fsp.rm(this.passwordFile, { force: true });
    await this.audit({ actor: name, action: 'setup', target: name, detail: 'first admin created with the initial admin password', address: o.address });
    this.#log(`auth: set up; first admin is '${name}'`);
    return { user: userView(user), ...(await this.#newSession(name, o.address)) };
  }

  async login(o: { username: unknown; password: unknown; address: string }): Promise<{ user: UserView; cookie: string; csrf: string }> {
    const name = typeof o.username === 'string' ? o.username.slice(0, 100) : '';
    const userKey = `login|${accountKey(name)}|${o.address}`;
    const addrKey = `login-addr|${o.address}`;
    const now = this.#now();
    // Every check and count below happens before the user is looked up, in one synchronous
    // step: what a name meets does not depend on whether it exists, and parallel attempts
    // are counted one after the other.
    this.#checkRate(userKey, LOGIN_FAILURES_PER_USER, `failed logins for '${name}' from this address`);
    this.#checkRate(addrKey, LOGIN_FAILURES_PER_ADDRESS, 'failed logins from this address');
    const wait = this.#accounts.begin(accountKey(name), now);
    if (wait > 0) {
      throw new AuthError(429, 'rate-limited', `too many failed logins for '${name}' from any address: the account is locked; try again in ${wait} s, or ask an admin to unlock it`, wait);
    }
    this.#failures.add(userKey, now);
    this.#failures.add(addrKey, now);
    const user = name !== '' ? await this.#store.users.get(name) : null;
    const password = typeof o.password === 'string' ? o.password : '';
    // Unknown users cost a hash too, so timing does not tell which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled) {
      const lock = this.#accounts.state(accountKey(name), this.#now());
      await this.audit({ actor: name || 'anonymous', action: 'login-failed', target: name, detail: user?.disabled && ok ? 'user is disabled' : 'wrong user name or password', address: o.address });
      if (lock.lockedUntil !== null) {
        await this.audit({ actor: 'system', action: 'login-locked', target: name, detail: `${lock.failures} failed logins from any address: password logins refused until ${new Date(lock.lockedUntil).toISOString()}`, address: o.address });
      }
      if (user?.disabled && ok) throw new AuthError(403, 'forbidden', `user '${name}' is disabled: ask an admin`);
      throw new AuthError(401, 'unauthorized', 'wrong user name or password');
    }
    this.#failures.clear(userKey);
    this.#failures.undo(addrKey, now);
    this.#accounts.forgive(accountKey(name));
    await this.audit({ actor: user.name, action: 'login', target: user.name, detail: '', address: o.address });
    return { user: userView(user), ...(await this.#newSession(user.name, o.address)) };
  }

  /** A login name's failures and lock (admins; for any name, existing or not). */
  loginLock(name: string): AccountLock {
    return this.#accounts.state(accountKey(name), this.#now());
  }

  /** Lifts a login name's lock and forgets its failures, from every address. */
  async unlock(by: Principal, name: string, address: string): Promise<AccountLock> {
    const was = this.loginLock(name);
    this.#accounts.forgive(accountKey(name));
    this.#failures.clearPrefix(`login|${accountKey(name)}|`);
    await this.audit({ actor: by.name, action: 'user.unlock', target: name, detail: was.lockedUntil !== null ? `was locked after ${was.failures} failed logins` : `not locked (${was.failures} failed logins forgotten)`, address });
    return was;
  }

  async logout(p: Principal, address: string): Promise<void> {
    if (p.via === 'session' && p.session) await this.#store.users.deleteSession(p.session.idHash);
    await this.audit({ actor: p.name, action: 'logout', target: p.name, detail: '', address });
  }

  #checkRate(key: string, limit: number, what: string): void {
    const wait = this.#failures.blockedFor(key, limit, this.#now());
    if (wait > 0) throw new AuthError(429, 'rate-limited', `too many ${what}: try again in ${wait} s`, wait);
  }

  async #newSession(user: string, address: string): Promise<{ cookie: string; csrf: string }> {
    const cookie = randomBytes(32).toString('base64url');
    const csrf = randomBytes(24).toString('base64url');
    const now = this.#now();
    await this.#store.users.createSession({ idHash: sha256(cookie), user, csrf, createdAt: now, lastSeenAt: now, expiresAt: now + SESSION_MAX_MS, address: address.slice(0, 100) });
    return { cookie, csrf };
  }

  // -------------------------------------------------------------------------------------------
  // authenticating a request

  /**
   * The principal for a request's Authorization header or session cookie (its value, as
   * auth/http.ts reads it with @fastify/cookie); null when it sends neither. A credential that
   * is sent but wrong is an AuthError (401), never anonymous.
   */
  async authenticate(h: { authorization?: string | undefined; session?: string | null | undefined }): Promise<Principal | null> {
    const auth = h.authorization?.trim();
    if (auth) {
      const m = /^(\w+)\s+(.+)$/.exec(auth);
      const scheme = m?.[1]?.toLowerCase();
      if (scheme === 'bearer') return this.#byToken(m![2]!.trim(), null);
      if (scheme === 'basic') {
        let decoded = '';
        try {
          decoded = Buffer.from(m![2]!, 'base64').toString('utf8');
        } catch { /* falls through */ }
        const colon = decoded.indexOf(':');
        if (colon < 0) throw new AuthError(401, 'unauthorized', 'Authorization: Basic needs user:token, base64-encoded');
        return this.#byToken(decoded.slice(colon + 1), decoded.slice(0, colon));
      }
      throw new AuthError(401, 'unauthorized', `unsupported Authorization scheme '${m?.[1] ?? auth.slice(0, 20)}': send 'Bearer <API token>' (or Basic user:token)`);
    }
    const value = h.session;
    if (value === undefined || value === null || value === '') return null;
    const session = await this.#store.users.session(sha256(value));
    const now = this.#now();
    if (!session || session.expiresAt < now || session.lastSeenAt + SESSION_IDLE_MS < now) {
      if (session) await this.#store.users.deleteSession(session.idHash);
      throw new AuthError(401, 'session-expired', 'your session has ended: log in again');
    }
    const user = await this.#store.users.get(session.user);
    if (!user || user.disabled) throw new AuthError(401, 'session-expired', 'your session has ended: log in again');
    if (this.#due(`s:${session.idHash}`, now)) await this.#store.users.touchSession(session.idHash, now);
    return { name: user.name, role: user.role, via: 'session', session };
  }

  async #byToken(token: string, basicUser: string | null): Promise<Principal> {
    if (this.#adminToken !== null && sameSecret(token, this.#adminToken)) {
      return { name: 'admin-token', role: 'admin', via: 'admin-token' };
    }
    if (!token.startsWith(TOKEN_PREFIX)) {
      throw new AuthError(401, 'unauthorized', basicUser !== null
        ? 'Basic authentication takes an API token, not a password: create one under your profile (POST /api/v1/me/tokens)'
        : 'not a Kiln API token (they start with kiln_): create one under your profile (POST /api/v1/me/tokens)');
    }
    const rec = await this.#store.users.tokenByHash(sha256(token));
    const now = this.#now();
    if (!rec || (basicUser !== null && basicUser !== rec.user)) throw new AuthError(401, 'unauthorized', 'unknown or revoked API token');
    if (rec.expiresAt !== null && rec.expiresAt < now) throw new AuthError(401, 'unauthorized', `API token '${rec.name}' expired on ${new Date(rec.expiresAt).toISOString()}`);
    const user = await this.#store.users.get(rec.user);
    if (!user) throw new AuthError(401, 'unauthorized', 'unknown or revoked API token');
    if (user.disabled) throw new AuthError(403, 'forbidden', `user '${user.name}' is disabled`);
    if (this.#due(`t:${rec.id}`, now)) await this.#store.users.touchToken(rec.id, now);
    return { name: user.name, role: user.role, via: 'token', tokenId: rec.id };
  }

  #due(key: string, now: number): boolean {
    const last = this.#touched.get(key) ?? 0;
    if (now - last < 60_000) return false;
    if (this.#touched.size > 10_000) this.#touched.clear();
    this.#touched.set(key, now);
    return true;
  }

  /** Whether `csrf` is the session's CSRF token. */
  csrfMatches(p: Principal, csrf: string | undefined): boolean {
    return p.session !== undefined && typeof csrf === 'string' && csrf !== '' && sameSecret(csrf, p.session.csrf);
  }

  // -------------------------------------------------------------------------------------------
  // users

  async users(): Promise<UserView[]> {
    return (await this.#store.users.list()).map(userView);
  }

  async user(name: string): Promise<UserView | null> {
    const u = await this.#store.users.get(name);
    return u ? userView(u) : null;
  }

  async createUser(by: Principal, body: { name?: unknown; role?: unknown; fullName?: unknown; password?: unknown; email?: unknown }, address: string): Promise<UserView> {
    const name = checkUserName(body.name);
    const role = checkRole(body.role ?? 'developer');
    const problem = passwordProblem(body.password);
    if (problem) throw new AuthError(400, 'invalid', problem, null, 'password');
    if (body.fullName !== undefined && typeof body.fullName !== 'string') throw new AuthError(400, 'invalid', 'fullName must be a string', null, 'fullName');
    const u = await this.#store.users.create({ name, role, fullName: (body.fullName as string | undefined) ?? '', passwordHash: await hashPassword(body.password as string), email: checkEmail(body.email) });
    await this.audit({ actor: by.name, action: 'user.create', target: name, detail: `role ${role}`, address });
    return userView(u);
  }

  async updateUser(by: Principal, name: string, body: { role?: unknown; fullName?: unknown; password?: unknown; disabled?: unknown; email?: unknown }, address: string): Promise<UserView> {
    const cur = await this.#store.users.get(name);
    if (!cur) throw new StoreError('not-found', `no user named '${name}'`);
    const role = body.role === undefined ? undefined : checkRole(body.role);
    if (body.disabled !== undefined && typeof body.disabled !== 'boolean') throw new AuthError(400, 'invalid', 'disabled must be true or false', null, 'disabled');
    if (body.fullName !== undefined && typeof body.fullName !== 'string') throw new AuthError(400, 'invalid', 'fullName must be a string', null, 'fullName');
    if (body.password !== undefined) {
      const problem = passwordProblem(body.password);
      if (problem) throw new AuthError(400, 'invalid', problem, null, 'password');
    }
    const losesAdmin = cur.role === 'admin' && !cur.disabled && ((role !== undefined && role !== 'admin') || body.disabled === true);
    if (losesAdmin) await this.#keepAnAdmin(name);
    const u = await this.#store.users.update(name, {
      ...(role !== undefined ? { role } : {}),
      ...(body.fullName !== undefined ? { fullName: body.fullName as string } : {}),
      ...(body.disabled !== undefined ? { disabled: body.disabled as boolean } : {}),
      ...(body.email !== undefined ? { email: checkEmail(body.email) } : {}),
      ...(body.password !== undefined ? { passwordHash: await hashPassword(body.password as string) } : {}),
    });
    // A new password or a disabled account ends the user's sessions.
    if (body.password !== undefined || body.disabled === true) await this.#store.users.deleteSessions(name);
    // A password an admin set is one the user knows: failures before it no longer count.
    if (body.password !== undefined) {
      this.#accounts.forgive(accountKey(name));
      this.#failures.clearPrefix(`login|${accountKey(name)}|`);
    }
    const what = [role !== undefined ? `role ${role}` : '', body.disabled !== undefined ? (body.disabled ? 'disabled' : 'enabled') : '', body.password !== undefined ? 'password reset' : '', body.fullName !== undefined ? 'full name' : '', body.email !== undefined ? 'e-mail' : ''].filter(Boolean).join(', ');
    await this.audit({ actor: by.name, action: 'user.update', target: name, detail: what, address });
    return userView(u);
  }

  async deleteUser(by: Principal, name: string, address: string): Promise<boolean> {
    const cur = await this.#store.users.get(name);
    if (!cur) return false;
    if (cur.role === 'admin' && !cur.disabled) await this.#keepAnAdmin(name);
    const gone = await this.#store.users.delete(name);
    // A user made later with the same name must not inherit the folder rights.
    const grants = gone ? await this.#store.folders.deleteGrantee(`user:${name}`) : 0;
    if (gone) await this.audit({ actor: by.name, action: 'user.delete', target: name, detail: grants > 0 ? `${grants} folder grant(s) removed` : '', address });
    return gone;
  }

  async #keepAnAdmin(losing: string): Promise<void> {
    const others = (await this.#store.users.list()).filter((u) => u.role === 'admin' && !u.disabled && u.name !== losing);
    if (others.length === 0) throw new AuthError(409, 'conflict', `'${losing}' is the last admin: make another user admin first`);
  }

  async changePassword(p: Principal, body: { currentPassword?: unknown; newPassword?: unknown }, address: string): Promise<void> {
    if (p.via === 'admin-token') throw new AuthError(400, 'invalid', 'the configured admin token belongs to no user and has no password');
    const u = await this.#store.users.get(p.name);
    if (!u) throw new AuthError(401, 'unauthorized', 'your user no longer exists');
    if (typeof body.currentPassword !== 'string' || !(await verifyPassword(body.currentPassword, u.passwordHash))) {
      await this.audit({ actor: p.name, action: 'password.change-failed', target: p.name, detail: 'wrong current password', address });
      throw new AuthError(403, 'forbidden', 'currentPassword: wrong password');
    }
    const problem = passwordProblem(body.newPassword);
    if (problem) throw new AuthError(400, 'invalid', problem.replace(/^password/, 'newPassword'));
    await this.#store.users.update(p.name, { passwordHash: await hashPassword(body.newPassword as string) });
    // Other sessions end; this one goes on.
    await this.#store.users.deleteSessions(p.name, p.session?.idHash);
    await this.audit({ actor: p.name, action: 'password.change', target: p.name, detail: '', address });
  }

  // -------------------------------------------------------------------------------------------
  // API tokens

  async tokens(user: string): Promise<TokenView[]> {
    return (await this.#store.users.tokens(user)).map(tokenView);
  }

  /** A new token for `user`: the value is returned here once and never again. */
  async createToken(by: Principal, user: string, body: { name?: unknown; expiresInDays?: unknown }, address: string): Promise<TokenView & { token: string }> {
    if (by.via === 'admin-token' && user === 'admin-token') throw new AuthError(400, 'invalid', 'the configured admin token belongs to no user: log in as a user to make tokens');
    const name = body.name ?? 'token';
    if (typeof name !== 'string' || name.trim() === '' || name.length > 100) throw new AuthError(400, 'invalid', 'name: 1 to 100 characters');
    let expiresAt: number | null = null;
    if (body.expiresInDays !== undefined && body.expiresInDays !== null) {
      const d = body.expiresInDays;
      if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > 3650) throw new AuthError(400, 'invalid', 'expiresInDays: a whole number of days from 1 to 3650, or null for no expiry');
      expiresAt = this.#now() + d * 86_400_000;
    }
    const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
    const rec: TokenRecord = { id: randomUUID(), user, name: name.trim(), tokenHash: sha256(token), createdAt: this.#now(), lastUsedAt: null, expiresAt };
    await this.#store.users.createToken(rec);
    await this.audit({ actor: by.name, action: 'token.create', target: user, detail: `token '${rec.name}'`, address });
    return { ...tokenView(rec), token };
  }

  async revokeToken(by: Principal, user: string, id: string, address: string): Promise<boolean> {
    const gone = await this.#store.users.deleteToken(user, id);
    if (gone) await this.audit({ actor: by.name, action: 'token.revoke', target: user, detail: `token ${id}`, address });
    return gone;
  }

  // -------------------------------------------------------------------------------------------
  // audit log

  /** Records an event; a failure to record is logged, never thrown at the caller. */
  async audit(e: { actor: string; action: string; target: string; detail: string; address: string }): Promise<void> {
    try {
      await this.#store.users.audit(e);
    } catch (err) {
      this.#log(`audit: could not record ${e.action} by ${e.actor}: ${(err as Error).message}`);
    }
  }

  auditLog(o: { limit: number; before?: string | null; actor?: string | null; action?: string | null }): Promise<AuditEntry[]> {
    return this.#store.users.auditLog(o);
  }
}
