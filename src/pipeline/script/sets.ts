// Java's sets in a script: `[...] as Set`, `asType(Set)`, `new HashSet()`, `new LinkedHashSet()`,
// `new TreeSet()`, `list.toSet()`.
//
// Why: a set was a deduplicated list, so `s << x` and `s.add(x)` added duplicates, `s.size()`
// counted them, `s.class` said ArrayList and a HashSet printed in insertion order, where
// Groovy's prints in Java's hash order (`[3, 1] as HashSet` is `[1, 3]`).
//
// How: a set stays a JS array (every list method, for-in, join, printing work unchanged) that
// this module marks with its kind in a WeakMap, as methods-common.ts marks Java arrays. The
// methods that add (add, <<, addAll, push, plus) ask setAdd(), which refuses an element already
// there and keeps the array in the set's order:
//   - LinkedHashSet (what `as Set` makes, as Groovy's asType does): insertion order;
//   - HashSet: Java's HashMap iteration order — by bucket `(h ^ h >>> 16) & (capacity - 1)` of
//     the element's Java hashCode, insertion order within a bucket; the capacity starts at 16
//     (or what `new HashSet(collection)` sizes it to) and doubles past a 0.75 load, which
//     re-sorts the array by the new buckets exactly as HashMap.resize splits its chains;
//   - TreeSet: natural order (compareTo), an element comparing 0 to one there is not added.
// Equality is Groovy's (groovyEquals), looked up through a hashed index (groovy-ops.ts ValueSet)
// rebuilt when the array's length changed behind the set's back (remove, clear, retainAll...).
// groovy-ops.ts, which makes sets for `as Set`, gives this module its ValueSet and natural order
// (setSupport) rather than being imported by it: the two would import each other.
import { toGroovyString } from './format.ts';
import { LongValue } from './long-value.ts';
import { DoubleValue } from './double-value.ts';
import { isEncodedKey, keyValue } from './map-keys.ts';
import { isClosure, type GList, type Value } from './values.ts';

export type SetKind = 'java.util.LinkedHashSet' | 'java.util.HashSet' | 'java.util.TreeSet';

/** A hashed index of values under Groovy equality (groovy-ops.ts ValueSet). */
interface Index {
  add(v: Value): boolean;
}

let newIndex: (items: GList) => Index = () => {
  throw new Error('sets.ts: setSupport() was not called (groovy-ops.ts calls it when loaded)');
};
let naturalCompare: (a: Value, b: Value) => number = () => 0;

/** Called once by groovy-ops.ts: its ValueSet and natural order. */
export function setSupport(index: (items: GList) => Index, compare: (a: Value, b: Value) => number): void {
  newIndex = index;
  naturalCompare = compare;
}

interface SetInfo {
  kind: SetKind;
  /** HashSet: the table's capacity (a power of two). */
  cap: number;
  /** The elements, hashed; valid while the array's length is `indexed`. */
  index: Index | null;
  indexed: number;
}

const sets = new WeakMap<GList, SetInfo>();

/** The set kind of a list, or null for a plain list. */
export function setKind(l: GList): SetKind | null {
  return sets.get(l)?.kind ?? null;
}

/** The kind a type name asks for: `Set`, `LinkedHashSet` → LinkedHashSet; null when not a set type. */
export function setKindOf(type: string): SetKind | null {
  const t = type.slice(type.lastIndexOf('.') + 1);
  switch (t) {
    case 'Set': case 'LinkedHashSet': return 'java.util.LinkedHashSet';
    case 'HashSet': return 'java.util.HashSet';
    case 'TreeSet': case 'SortedSet': case 'NavigableSet': return 'java.util.TreeSet';
  }
  return null;
}

/** A new set of `kind` holding `items` (duplicates dropped). `sized`: the capacity HashSet(Collection) gives. */
export function makeSet(items: Iterable<Value>, kind: SetKind, sized = false): GList {
  const l: GList = [];
  const src = [...items];
  let cap = 16;
  if (kind === 'java.util.HashSet' && sized) {
    // new HashSet(c): HashMap(max(c.size() / .75 + 1, 16)), rounded up to a power of two
    const want = Math.max(Math.floor(src.length / 0.75) + 1, 16);
    while (cap < want) cap *= 2;
  }
  sets.set(l, { kind, cap, index: newIndex([]), indexed: 0 });
  for (const x of src) setAdd(l, x);
  return l;
}

/** Adds `v` to the set `l` where its kind puts it; false when an equal element is there. */
export function setAdd(l: GList, v: Value): boolean {
  const info = sets.get(l)!;
  if (info.kind === 'java.util.TreeSet') return treeAdd(l, v);
  if (info.index === null || info.indexed !== l.length) info.index = newIndex(l);
  if (!info.index.add(v)) {
    info.indexed = l.length;
    return false;
  }
  if (info.kind === 'java.util.HashSet') {
    if (l.length + 1 > info.cap * 0.75) {
      while (l.length + 1 > info.cap * 0.75) info.cap *= 2;
      const byBucket = l.map((x, i) => ({ x, b: bucket(x, info.cap), i }));
      byBucket.sort((p, q) => p.b - q.b || p.i - q.i);
      for (let i = 0; i < byBucket.length; i++) l[i] = byBucket[i]!.x;
    }
    const b = bucket(v, info.cap);
    // after the last element of a bucket <= b (the array is in bucket order)
    let lo = 0;
    let hi = l.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (bucket(l[mid] ?? null, info.cap) <= b) lo = mid + 1;
      else hi = mid;
    }
    l.splice(lo, 0, v);
  } else {
    l.push(v);
  }
  info.indexed = l.length;
  return true;
}

function treeAdd(l: GList, v: Value): boolean {
  let lo = 0;
  let hi = l.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = naturalCompare(l[mid] ?? null, v);
    if (c === 0) return false;
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  l.splice(lo, 0, v);
  return true;
}

/** HashMap's bucket of a value: its hashCode spread (h ^ h >>> 16), masked by the capacity. */
function bucket(v: Value, cap: number): number {
  const h = javaHash(v);
  return (h ^ (h >>> 16)) & (cap - 1);
}

/** Java's hashCode of a value, for the kinds whose hash Java defines simply. */
export function javaHash(v: Value): number {
  if (v === null) return 0;
  if (typeof v === 'string') return stringHash(v);
  if (typeof v === 'boolean') return v ? 1231 : 1237;
  if (typeof v === 'number') {
    if ((v | 0) === v) return v;
    if (Number.isInteger(v)) return longHash(BigInt(v));
    return doubleHash(v);
  }
  if (v instanceof LongValue && !v.big) return longHash(v.v);
  if (v instanceof DoubleValue) return v.float ? new Int32Array(new Float32Array([v.v]).buffer)[0]! : doubleHash(v.v);
  if (Array.isArray(v)) {
    let h = 1;
    for (const x of v) h = (Math.imul(31, h) + javaHash(x)) | 0;
    return h;
  }
  if (v instanceof Map) {
    let h = 0;
    for (const [k, x] of v) h = (h + ((isEncodedKey(k) ? javaHash(keyValue(k)) : stringHash(k)) ^ javaHash(x))) | 0;
    return h;
  }
  if (isClosure(v)) return 0;
  return stringHash(toGroovyString(v));
}

function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

function longHash(b: bigint): number {
  const u = BigInt.asUintN(64, b);
  return Number(BigInt.asIntN(32, u ^ (u >> 32n)));
}

function doubleHash(n: number): number {
  const d = new DataView(new ArrayBuffer(8));
  d.setFloat64(0, n);
  return (d.getInt32(0) ^ d.getInt32(4)) | 0;
}
