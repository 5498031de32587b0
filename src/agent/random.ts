// Random bytes for the agent (a WebSocket's key and frame masks, the cookies of durable steps
// and leftover markers), read from the kernel's CSPRNG (/dev/urandom) in 4 KiB draws. Not
// node:crypto nor Web Crypto's getRandomValues: the first use of either initialises OpenSSL and
// loads the crypto modules, ~2 MB of memory in every agent process (measured in
// docs/agents.md; test/architecture/agent-loads.test.ts holds it). Where /dev/urandom cannot be
// read (Windows), getRandomValues it is. Bytes handed out are wiped from the pool.
// node:fs through process.getBuiltinModule, not an ESM import: see util/fs-async.ts.
const { closeSync, openSync, readSync } = process.getBuiltinModule('node:fs');

const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let at = 0;
let urandom = process.platform !== 'win32';

function refill(): void {
  const next = Buffer.allocUnsafe(POOL_BYTES);
  if (urandom) {
    try {
      const fd = openSync('/dev/urandom', 'r');
      try {
        for (let got = 0; got < POOL_BYTES;) {
          const n = readSync(fd, next, got, POOL_BYTES - got, null);
          if (n <= 0) throw new Error('/dev/urandom ended');
          got += n;
        }
      } finally {
        closeSync(fd);
      }
      pool = next;
      at = 0;
      return;
    } catch {
      urandom = false;
    }
  }
  for (let i = 0; i < POOL_BYTES; i += 65536) crypto.getRandomValues(next.subarray(i, Math.min(POOL_BYTES, i + 65536)));
  pool = next;
  at = 0;
}

/** `n` (at most 4096) random bytes, into `into` when given (filled whole), else a new Buffer. */
export function randomBytes(n: number, into?: Uint8Array): Buffer {
  if (n > POOL_BYTES) throw new RangeError(`randomBytes: at most ${POOL_BYTES} bytes at once, asked ${n}`);
  if (at + n > pool.length) refill();
  const out = into ? Buffer.from(into.buffer, into.byteOffset, n) : Buffer.allocUnsafe(n);
  pool.copy(out, 0, at, at + n);
  pool.fill(0, at, at + n);
  at += n;
  return out;
}
