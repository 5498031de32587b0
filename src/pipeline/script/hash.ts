// Object.hashCode() as the JVM computes it for a pipeline's values: `x.hashCode()` (whitelisted),
// Objects.hash(...), String.format's %h. Its own module so that the number types (integers.ts)
// and the formatter use the same one without importing the Java classes.
import { BigDec } from './decimal.ts';
import { DoubleValue } from './double-value.ts';
import { toGroovyString } from './format.ts';
import { LongValue } from './long-value.ts';
import { keyValue } from './map-keys.ts';
import { setKind } from './sets.ts';
import type { Value } from './values.ts';

/** BigInteger.hashCode(): its magnitude's 32-bit words, most significant first, then the sign. */
export function bigIntegerHash(n: bigint): number {
  let mag = n < 0n ? -n : n;
  const words: number[] = [];
  while (mag > 0n) {
    words.unshift(Number(mag & 0xffffffffn));
    mag >>= 32n;
  }
  let h = 0;
  for (const w of words) h = (Math.imul(31, h) + w) | 0;
  return n < 0n ? -h | 0 : h;
}

export function longHash(n: bigint): number {
  const u = BigInt.asUintN(64, n);
  return Number(BigInt.asIntN(32, u ^ (u >> 32n)));
}

/**
 * Object.hashCode() as the JVM answers it for the values a pipeline holds (String's, Integer's,
 * Long's, Double's, Boolean's 1231/1237, List's and Map's); for an object that has no value-based
 * hash (a script-class object, a closure) its own stable identity hash, as Java's is.
 */
export function javaHashCode(v: Value, depth = 0): number {
  if (v === null) return 0;
  if (depth > 100) return 0;
  if (typeof v === 'string') {
    let h = 0;
    for (let i = 0; i < v.length; i++) h = (Math.imul(31, h) + v.charCodeAt(i)) | 0;
    return h;
  }
  if (typeof v === 'boolean') return v ? 1231 : 1237;
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return (v | 0) === v ? v : longHash(BigInt(v));
    return doubleHash(v);
  }
  if (Array.isArray(v)) {
    // a Set's hash is the sum of its elements' (AbstractSet), a List's is positional (AbstractList)
    if (setKind(v) !== null) return v.reduce<number>((h, x) => (h + javaHashCode(x ?? null, depth + 1)) | 0, 0);
    let h = 1;
    for (const x of v) h = (Math.imul(31, h) + javaHashCode(x ?? null, depth + 1)) | 0;
    return h;
  }
  if (v instanceof Map) {
    let h = 0;
    for (const [k, x] of v) h = (h + (javaHashCode(keyValue(k), depth + 1) ^ javaHashCode(x, depth + 1))) | 0;
    return h;
  }
  if (v instanceof LongValue) return v.big ? bigIntegerHash(v.v) : longHash(v.v);
  if (v instanceof DoubleValue) return v.float ? floatBits(v.v) : doubleHash(v.v);
  if (v instanceof BigDec) return (Math.imul(31, bigIntegerHash(v.unscaled)) + v.scale) | 0;
  const own = (v as { hash?: unknown }).hash;
  if (typeof own === 'number') return own;
  return javaHashCode(toGroovyString(v), depth + 1);
}

function doubleHash(d: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Number.isNaN(d) ? NaN : d);
  return longHash(view.getBigInt64(0));
}

function floatBits(d: number): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, Number.isNaN(d) ? NaN : d);
  return view.getInt32(0);
}

