// Map keys of any type, in a GMap whose keys are JS strings.
//
// Why: Groovy's maps are LinkedHashMaps keyed by Java's equals, so `[1: 'a']['1']` is null (an
// Integer key is not the String '1'), `[1L: 'a'][1]` is null (a Long is not an Integer),
// `[(1): 'x'].keySet()` holds an Integer and `[1, 2, 3].groupBy { it % 2 }[1]` finds its group.
// Kiln's GMap kept every key as its string, which made all of those the same entry.
//
// How: a GMap stays a Map<string, Value> (the hundreds of steps that read named arguments by
// name stay as they were). A String key is itself; every other key is encoded as KEY_MARK, a
// tag and the key's class and value (a String key that happens to begin with KEY_MARK is encoded
// too, so the two never meet):
//   null                  → MARK 'n'
//   Boolean               → MARK 't' | MARK 'f'
//   a number              → MARK '#' + its class and exact value (groovy-ops.ts javaNumberKey:
//                           `I1`, `L1`, `D1.5`, `M150e2`: Java's equals of Integer, Long,
//                           Double, Float, BigInteger and BigDecimal, 1.5 and 1.50 apart)
//   a List (or a range)   → MARK '[' + the JSON array of its elements' encoded keys
//   a Set                 → MARK '<' + the same, sorted (a Set equals any Set of those elements)
//   a Map                 → MARK '{' + the JSON array of its [key, encoded value] pairs, sorted
// Decoding gives back a value equal to the key (a list key comes back as an equal list), which
// is what script code sees wherever it meets keys: keySet, entrySet, each and the other
// closures over a map, for-in, toString and inspect, JSON output. Keys of other objects (a
// script class's instance, a Date, a closure) stay keyed by their string, as before.
// Steps get the keys' strings (plainKeys), as Jenkins' steps coerce a map's keys to String.
import { BigDec } from './decimal.ts';
import { DoubleValue, doubleOf } from './double-value.ts';
import { bigIntegerOf, longOf } from './long-value.ts';
import type { GMap, Value } from './values.ts';

export const KEY_MARK = '\u0000';

/** sets.ts' setKind and makeSet, given by groovy-ops.ts (sets.ts prints through format.ts, which decodes keys here). */
let setOps: { kind(l: Value[]): string | null; make(items: Value[]): Value } = { kind: () => null, make: (items) => items };

export function keySetSupport(ops: typeof setOps): void {
  setOps = ops;
}

/** Whether a map key is an encoded one (not a plain String key). */
export function isEncodedKey(k: string): boolean {
  return k.charCodeAt(0) === 0;
}

/** The key of a String (itself, unless it begins with KEY_MARK). */
export function stringKey(s: string): string {
  return s.charCodeAt(0) === 0 ? KEY_MARK + 's' + s : s;
}

/** A map key's text for JSON and steps: a String key itself, another key's string as `render` prints it. */
export function keyString(k: string, render: (v: Value) => string): string {
  return isEncodedKey(k) ? render(keyValue(k)) : k;
}

/**
 * The encoded key of a value that is no String, or undefined for a value keyed by its string
 * (objects without a value equality Kiln knows). `numberKey` is groovy-ops.ts javaNumberKey
 * (passed in: groovy-ops imports this module).
 */
export function encodeKey(v: Value, numberKey: (v: Value) => string | undefined, depth = 0): string | undefined {
  if (v === null) return KEY_MARK + 'n';
  if (typeof v === 'string') return isEncodedKey(v) ? KEY_MARK + 's' + v : v;
  if (typeof v === 'boolean') return KEY_MARK + (v ? 't' : 'f');
  const n = numberKey(v);
  if (n !== undefined) return KEY_MARK + '#' + n;
  if (depth > 50 || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (const x of v) {
      const k = encodeKey(x ?? null, numberKey, depth + 1);
      if (k === undefined) return undefined;
      parts.push(k);
    }
    if (setOps.kind(v) !== null) return KEY_MARK + '<' + JSON.stringify(parts.sort());
    return KEY_MARK + '[' + JSON.stringify(parts);
  }
  if (v instanceof Map) {
    const pairs: [string, string][] = [];
    for (const [k, x] of v) {
      const e = encodeKey(x, numberKey, depth + 1);
      if (e === undefined) return undefined;
      pairs.push([k, e]);
    }
    pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    return KEY_MARK + '{' + JSON.stringify(pairs);
  }
  if (v.kind === 'range' && typeof v.from === 'number' && typeof v.to === 'number' && Math.abs(v.to - v.from) <= 10_000) {
    const parts: string[] = [];
    const step = v.from <= v.to ? 1 : -1;
    const end = v.exclusive ? v.to - step : v.to;
    for (let i = v.from; step > 0 ? i <= end : i >= end; i += step) parts.push(KEY_MARK + '#I' + i);
    return KEY_MARK + '[' + JSON.stringify(parts);
  }
  return undefined;
}

/** The value a map key stands for: the String itself, or the decoded key. */
export function keyValue(k: string): Value {
  if (!isEncodedKey(k)) return k;
  const tag = k.charAt(1);
  const rest = k.slice(2);
  switch (tag) {
    case 's': return rest;
    case 'n': return null;
    case 't': return true;
    case 'f': return false;
    case '#': return numberOfKey(rest);
    case '[': return (JSON.parse(rest) as string[]).map(keyValue);
    case '<': return setOps.make((JSON.parse(rest) as string[]).map(keyValue));
    case '{': {
      const m: GMap = new Map();
      for (const [mk, mv] of JSON.parse(rest) as [string, string][]) m.set(mk, keyValue(mv));
      return m;
    }
  }
  return k;
}

function numberOfKey(s: string): Value {
  const t = s.charAt(0);
  const body = s.slice(1);
  switch (t) {
    case 'I': return Number(body);
    case 'L': return longOf(BigInt(body));
    case 'B': return bigIntegerOf(BigInt(body), null);
    case 'D': return doubleOf(body === '-0' ? -0 : Number(body));
    case 'F': return new DoubleValue(body === '-0' ? -0 : Number(body), true);
    case 'M': {
      const e = body.lastIndexOf('e');
      return new BigDec(BigInt(body.slice(0, e)), Number(body.slice(e + 1)));
    }
  }
  return s;
}

/** Whether a map, or a map or list inside it, has a key that is no String (steps then get plainKeys). */
export function hasEncodedKeys(v: Value, depth = 0): boolean {
  if (depth > 100 || v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) {
    for (const x of v) if (hasEncodedKeys(x ?? null, depth + 1)) return true;
    return false;
  }
  if (v instanceof Map) {
    for (const [k, x] of v) if (isEncodedKey(k) || hasEncodedKeys(x, depth + 1)) return true;
  }
  return false;
}

/**
 * A copy of a value whose maps are keyed by their keys' strings (`[1: 'a']` → `['1': 'a']`), for
 * steps and host objects, which read maps by name; `keyText` is the key's Groovy string. A value
 * without such keys comes back as it is.
 */
export function plainKeys(v: Value, keyText: (k: string) => string): Value {
  return hasEncodedKeys(v) ? copyPlain(v, keyText, 0) : v;
}

function copyPlain(v: Value, keyText: (k: string) => string, depth: number): Value {
  if (depth > 100) return v;
  if (Array.isArray(v)) return v.map((x) => copyPlain(x ?? null, keyText, depth + 1));
  if (v instanceof Map) {
    const m: GMap = new Map();
    for (const [k, x] of v) m.set(isEncodedKey(k) ? keyText(k) : k, copyPlain(x, keyText, depth + 1));
    return m;
  }
  return v;
}
