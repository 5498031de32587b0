// Password hashing with scrypt (memory-hard, in node:crypto: no native addon). The parameters
// are OWASP's scrypt row N=2^15, r=8, p=3 (32 MiB per hash, about 0.35 s on a 2-core machine
// here); they are written into every hash, so raising them later keeps old hashes verifiable.
// The work runs on libuv's thread pool, never on the event loop.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const N = 1 << 15;
const R = 8;
const P = 3;
const KEY_LEN = 32;

/** Passwords: at least this long (NIST SP 800-63B), and at most 1024 characters. */
export const MIN_PASSWORD = 8;
export const MAX_PASSWORD = 1024;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFKC'), salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

/** Why a password cannot be used, or null. */
export function passwordProblem(password: unknown): string | null {
  if (typeof password !== 'string') return 'password: required (a string)';
  if ([...password].length < MIN_PASSWORD) return `password: use at least ${MIN_PASSWORD} characters`;
  if (password.length > MAX_PASSWORD) return `password: at most ${MAX_PASSWORD} characters`;
  return null;
}

/** `scrypt$N$r$p$<salt base64url>$<key base64url>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Whether the password matches the stored hash (false for a malformed hash, never a throw). */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  if (![n, r, p].every((x) => Number.isInteger(x) && x > 0) || n > 1 << 20 || r > 32 || p > 16) return false;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const want = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || want.length !== KEY_LEN || password.length > MAX_PASSWORD) return false;
  const got = await derive(password, salt, { N: n, r, p });
  return timingSafeEqual(got, want);
}

/** A hash of a random password: verifying against it costs what a real one does (unknown users). */
export const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16, 7).toString('base64url')}$${Buffer.alloc(KEY_LEN, 9).toString('base64url')}`;
