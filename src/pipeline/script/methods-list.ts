// Methods on lists (java.util.List plus Groovy's GDK), as Jenkins' Groovy 2.4 has them:
// sort() and unique() change the list in place, push/pop work at the end.
import { isDecimal } from './decimal.ts';
import { LongValue } from './integers.ts';
import type { Loc } from '../../core/build.ts';
import { ScriptError, rejected, scriptError } from './errors.ts';
import { interruptionOf } from '../../core/errors.ts';
import { toGroovyString } from './format.ts';
import {
  arithmetic, groovyEquals, groovyTruth, intersect, isCase, iterableToList, javaContains, javaEquals, listContains, mapKey,
  naturalCompare, EntryObject, JavaValueSet, ValueSet,
} from './groovy-ops.ts';
import { checkListSize } from './limits.ts';
import {
  argClosure, argInt, arity, checkIndexError, emptyError, indexError, lastClosure, noSignature, type Method, type MethodEnv,
} from './methods-common.ts';
import { PatternObject, matchesWhole } from './regex.ts';
import { makeSet, setAdd, setKind } from './sets.ts';
import { isClosure, isMap, isRange, rangeToList, type ClosureValue, type GList, type GMap, type Value } from './values.ts';

function concurrentModification(loc: Loc): ScriptError {
  return scriptError('concurrent-modification', 'the list changed size while each { } went over it (go over a copy: list.collect().each { })', loc, 'java.util.ConcurrentModificationException');
}

/** A comparator's result as a number; `{ a, b -> a > b }` (a boolean) sorts too. */
function cmpResult(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : -1;
  return 0;
}

/** Sets a list's content to `items` in place (a spread into splice overflows the stack past ~100,000 items). */
export function replaceContents(l: GList, items: GList): void {
  l.length = items.length;
  for (let i = 0; i < items.length; i++) l[i] = items[i] ?? null;
}

/** Comparisons between event-loop turns in sortAsync: a big sort never holds the controller's thread for long. */
const SORT_SLICE = 20_000;

/**
 * Stable merge sort with an async comparator (closures may call steps). A synchronous
 * comparator's result is used without awaiting it; every SORT_SLICE comparisons the sort gives
 * the event loop a turn and stops if the build was aborted.
 */
export async function sortAsync(items: GList, cmp: (a: Value, b: Value) => Promise<number> | number, signal?: AbortSignal): Promise<GList> {
  if (items.length < 2) return [...items];
  let a = [...items];
  let b: GList = new Array<Value>(a.length);
  let steps = 0;
  for (let width = 1; width < a.length; width *= 2) {
    for (let lo = 0; lo < a.length; lo += 2 * width) {
      const mid = Math.min(lo + width, a.length);
      const hi = Math.min(lo + 2 * width, a.length);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const r0 = cmp(a[i] ?? null, a[j] ?? null);
        const r = typeof r0 === 'number' ? r0 : await r0;
        if (++steps % SORT_SLICE === 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
          if (signal?.aborted) throw interruptionOf(signal);
        }
        if (r <= 0) b[k++] = a[i++] ?? null;
        else b[k++] = a[j++] ?? null;
      }
      while (i < mid) b[k++] = a[i++] ?? null;
      while (j < hi) b[k++] = a[j++] ?? null;
    }
    [a, b] = [b, a];
  }
  return a;
}

/** A comparator from a sort/min/max/unique closure: one parameter = a key, two = a comparator. */
export function closureComparator(c: ClosureValue | null, env: MethodEnv): (a: Value, b: Value) => Promise<number> | number {
  if (c === null) return naturalCompare;
  if (env.arity(c) >= 2) return async (a, b) => cmpResult(await env.call(c, [a, b]));
  return async (a, b) => naturalCompare(await env.call(c, [a]), await env.call(c, [b]));
}

/** list[i] with Groovy's rules: negative indexes count from the end; out of range is null. */
export function listGetAt(l: GList, index: Value, loc: Loc): Value {
  // getAt(List, Number): a BigDecimal index (`l[n / 2]`) counts by its intValue()
  if (isDecimal(index)) index = Number(index.toBigInt());
  if (index instanceof LongValue) index = Number(index.v);
  if (typeof index === 'number') {
    const i = Math.trunc(index);
    const j = i < 0 ? l.length + i : i;
    if (j < 0 || j >= l.length) return null;
    return l[j] ?? null;
  }
  if (isRange(index)) return sliceByRange(l, index.from, index.to, index.exclusive, loc);
  if (Array.isArray(index)) {
    const out: GList = [];
    for (const x of index) {
      const v = listGetAt(l, x, loc);
      if (Array.isArray(v) && (isRange(x) || Array.isArray(x))) out.push(...v);
      else out.push(v);
    }
    return out;
  }
  throw scriptError('index', `a list index must be a number or a range, not ${toGroovyString(index)}`, loc, 'groovy.lang.MissingMethodException');
}

/** l[a..b] for lists and strings: negative ends count from the end, a reversed range reverses. */
export function sliceIndices(size: number, from: Value, to: Value, exclusive: boolean, loc: Loc): { lo: number; hi: number; reverse: boolean } {
  if (typeof from !== 'number' || typeof to !== 'number') throw scriptError('index', 'a range index needs whole numbers', loc);
  let a = from < 0 ? size + from : from;
  let b = to < 0 ? size + to : to;
  if (exclusive) {
    if (a === b) return { lo: a, hi: a, reverse: false };
    b = a <= b ? b - 1 : b + 1;
  }
  const reverse = a > b;
  if (reverse) [a, b] = [b, a];
  if (a < 0 || b >= size) throw scriptError('index', `range ${from}${exclusive ? '..<' : '..'}${to} is out of bounds for a size of ${size}`, loc, 'java.lang.IndexOutOfBoundsException');
  return { lo: a, hi: b + 1, reverse };
}

function sliceByRange(l: GList, from: Value, to: Value, exclusive: boolean, loc: Loc): GList {
  const { lo, hi, reverse } = sliceIndices(l.length, from, to, exclusive, loc);
  const out = l.slice(lo, hi);
  return reverse ? out.reverse() : out;
}

/** list[i] = v: negative indexes count from the end; past the end pads with nulls. */
export function listPutAt(l: GList, index: Value, v: Value, loc: Loc): void {
  if (typeof index !== 'number') throw scriptError('index', `a list index must be a number, not ${toGroovyString(index)}`, loc);
  const i = Math.trunc(index);
  const j = i < 0 ? l.length + i : i;
  if (j < 0) throw indexError(i, l.length, loc, 'Negative array index [' + i + '] too large for array size');
  checkListSize(j + 1, loc);
  while (l.length < j) l.push(null);
  l[j] = v;
}

function flattenInto(out: GList, v: Value, depth: number): void {
  if (depth > 1000) throw new RangeError('a list nested too deeply');
  if (Array.isArray(v)) for (const x of v) flattenInto(out, x, depth + 1);
  else if (isRange(v)) out.push(...rangeToList(v));
  else out.push(v);
}

function toArgList(v: Value, self: Value, name: string, args: Value[], loc: Loc): GList {
  if (Array.isArray(v)) return v;
  if (isRange(v)) return rangeToList(v);
  throw noSignature(self, name, args, loc);
}

async function uniqueBy(l: GList, c: ClosureValue | null, env: MethodEnv): Promise<GList> {
  const out: GList = [];
  if (c === null) {
    const seen = new ValueSet();
    for (const x of l) if (seen.add(x)) out.push(x);
    return out;
  }
  if (env.arity(c) >= 2) {
    for (const x of l) {
      let dup = false;
      for (const y of out) if (cmpResult(await env.call(c, [x, y])) === 0) { dup = true; break; }
      if (!dup) out.push(x);
    }
    return out;
  }
  const keys = new ValueSet();
  for (const x of l) {
    const k = await env.call(c, [x]);
    if (keys.add(k)) out.push(x);
  }
  return out;
}

async function extreme(l: GList, c: ClosureValue | null, env: MethodEnv, sign: 1 | -1): Promise<Value> {
  if (l.length === 0) return null;
  const cmp = closureComparator(c, env);
  let best = l[0] ?? null;
  for (let i = 1; i < l.length; i++) {
    const x = l[i] ?? null;
    if ((await cmp(x, best)) * sign > 0) best = x;
  }
  return best;
}

async function sum(self: GList, args: Value[], env: MethodEnv): Promise<Value> {
  const c = lastClosure(args);
  const hasInit = args.length === (c ? 2 : 1);
  let acc: Value = hasInit ? (args[0] ?? null) : null;
  let first = !hasInit;
  for (const x of self) {
    const v = c ? await env.call(c, [x]) : x;
    if (first) { acc = v; first = false; }
    else acc = arithmetic('+', acc, v, env.loc);
  }
  return acc;
}

async function inject(self: GList, args: Value[], env: MethodEnv): Promise<Value> {
  const c = argClosure(self, 'inject', args, args.length - 1, env.loc);
  let i = 0;
  let acc: Value;
  if (args.length === 2) acc = args[0] ?? null;
  else {
    if (self.length === 0) throw scriptError('index', 'Cannot call inject() on an empty collection without passing an initial value.', env.loc, 'java.util.NoSuchElementException');
    acc = self[0] ?? null;
    i = 1;
  }
  for (; i < self.length; i++) acc = await env.call(c, [acc, self[i] ?? null]);
  return acc;
}

/** collectEntries: each result is a [k, v] pair, a map, or a Map.Entry. */
export function addEntry(out: GMap, r: Value, loc: Loc): void {
  if (Array.isArray(r) && r.length === 2) out.set(mapKey(r[0] ?? null), r[1] ?? null);
  else if (isMap(r)) for (const [k, v] of r) out.set(k, v);
  else if (r instanceof EntryObject) out.set(r.key, r.value);
  else throw scriptError('collect-entries', `collectEntries expects [key, value] or a map from its closure, got ${toGroovyString(r)}`, loc, 'java.lang.IllegalArgumentException');
}

async function grepMatch(filter: Value, x: Value, env: MethodEnv): Promise<boolean> {
  if (isClosure(filter)) return groovyTruth(await env.call(filter, [x]));
  if (filter instanceof PatternObject) return x !== null && matchesWhole(toGroovyString(x), filter.pattern, { loc: env.loc, signal: env.signal });
  return isCase(filter, x, env.loc);
}

export const listMethods: Map<string, Method<GList>> = new Map<string, Method<GList>>([
  ['size', (l, a, env) => (arity(l, 'size', a, 0, 0, env.loc), l.length)],
  ['isEmpty', (l, a, env) => (arity(l, 'isEmpty', a, 0, 0, env.loc), l.length === 0)],
  ['getEmpty', (l) => l.length === 0],
  ['each', async (l, a, env) => {
    const c = argClosure(l, 'each', a, 0, env.loc);
    const n = l.length;
    for (let i = 0; i < l.length; i++) {
      await env.call(c, [l[i] ?? null]);
      if (l.length !== n) throw concurrentModification(env.loc);
    }
    return l;
  }],
  ['reverseEach', async (l, a, env) => {
    const c = argClosure(l, 'reverseEach', a, 0, env.loc);
    for (let i = l.length - 1; i >= 0; i--) await env.call(c, [l[i] ?? null]);
    return l;
  }],
  ['eachWithIndex', async (l, a, env) => {
    const c = argClosure(l, 'eachWithIndex', a, 0, env.loc);
    const n = l.length;
    for (let i = 0; i < l.length; i++) {
      await env.call(c, [l[i] ?? null, i]);
      if (l.length !== n) throw concurrentModification(env.loc);
    }
    return l;
  }],
  ['collect', async (l, a, env) => {
    const c = lastClosure(a);
    if (!c) return arity(l, 'collect', a, 0, 0, env.loc), [...l];
    const out: GList = a.length === 2 && Array.isArray(a[0]) ? a[0] : [];
    for (let i = 0; i < l.length; i++) out.push(await env.call(c, [l[i] ?? null]));
    return out;
  }],
  ['collectMany', async (l, a, env) => {
    const c = argClosure(l, 'collectMany', a, 0, env.loc);
    const out: GList = [];
    for (const x of l) out.push(...iterableToList(await env.call(c, [x]), env.loc, 'collectMany'));
    return out;
  }],
  ['collectEntries', async (l, a, env) => {
    const c = lastClosure(a);
    const out: GMap = a.length >= 1 && isMap(a[0]) ? a[0] : new Map();
    for (const x of l) addEntry(out, c ? await env.call(c, [x]) : x, env.loc);
    return out;
  }],
  ['find', async (l, a, env) => {
    const c = lastClosure(a);
    for (const x of l) if (c ? groovyTruth(await env.call(c, [x])) : groovyTruth(x)) return x;
    return null;
  }],
  ['findAll', async (l, a, env) => {
    const c = lastClosure(a);
    const out: GList = [];
    for (const x of l) if (c ? groovyTruth(await env.call(c, [x])) : groovyTruth(x)) out.push(x);
    return out;
  }],
  ['findResult', async (l, a, env) => {
    const c = argClosure(l, 'findResult', a, a.length - 1, env.loc);
    for (const x of l) {
      const r = await env.call(c, [x]);
      if (r !== null) return r;
    }
    return a.length === 2 ? (a[0] ?? null) : null;
  }],
  ['findResults', async (l, a, env) => {
    const c = argClosure(l, 'findResults', a, 0, env.loc);
    const out: GList = [];
    for (const x of l) {
      const r = await env.call(c, [x]);
      if (r !== null) out.push(r);
    }
    return out;
  }],
  ['findIndexOf', async (l, a, env) => {
    const c = argClosure(l, 'findIndexOf', a, a.length - 1, env.loc);
    const start = a.length === 2 ? argInt(l, 'findIndexOf', a, 0, env.loc) : 0;
    for (let i = start; i < l.length; i++) if (groovyTruth(await env.call(c, [l[i] ?? null]))) return i;
    return -1;
  }],
  ['findLastIndexOf', async (l, a, env) => {
    const c = argClosure(l, 'findLastIndexOf', a, 0, env.loc);
    for (let i = l.length - 1; i >= 0; i--) if (groovyTruth(await env.call(c, [l[i] ?? null]))) return i;
    return -1;
  }],
  ['findIndexValues', async (l, a, env) => {
    const c = argClosure(l, 'findIndexValues', a, 0, env.loc);
    const out: GList = [];
    for (let i = 0; i < l.length; i++) if (groovyTruth(await env.call(c, [l[i] ?? null]))) out.push(i);
    return out;
  }],
  ['any', async (l, a, env) => {
    const c = lastClosure(a);
    for (const x of l) if (c ? groovyTruth(await env.call(c, [x])) : groovyTruth(x)) return true;
    return false;
  }],
  ['every', async (l, a, env) => {
    const c = lastClosure(a);
    for (const x of l) if (!(c ? groovyTruth(await env.call(c, [x])) : groovyTruth(x))) return false;
    return true;
  }],
  ['count', async (l, a, env) => {
    arity(l, 'count', a, 1, 1, env.loc);
    const c = lastClosure(a);
    let n = 0;
    for (const x of l) if (c ? groovyTruth(await env.call(c, [x])) : groovyEquals(x, a[0] ?? null)) n++;
    return n;
  }],
  ['join', (l, a, env) => {
    arity(l, 'join', a, 0, 1, env.loc);
    const sep = a.length === 0 || a[0] === null ? '' : toGroovyString(a[0] ?? null); // join(null) joins with nothing, as the GDK's join does
    let s = '';
    for (let i = 0; i < l.length; i++) {
      if (i > 0) s += sep;
      s += toGroovyString(l[i] ?? null);
      if (s.length > 100 * 1024 * 1024) throw new RangeError('string too long');
    }
    return s;
  }],
  // contains, indexOf, remove(Object), containsAll, removeAll, retainAll: Java's equals (javaEquals), as the Java methods Groovy calls
  ['contains', (l, a, env) => (arity(l, 'contains', a, 1, 1, env.loc), javaContains(l, a[0] ?? null))],
  ['containsAll', (l, a, env) => {
    const other = toArgList(a[0] ?? null, l, 'containsAll', a, env.loc);
    const mine = new JavaValueSet(l);
    return other.every((x) => mine.has(x));
  }],
  ['indexOf', (l, a, env) => {
    arity(l, 'indexOf', a, 1, 1, env.loc);
    for (let i = 0; i < l.length; i++) if (javaEquals(l[i] ?? null, a[0] ?? null)) return i;
    return -1;
  }],
  ['lastIndexOf', (l, a, env) => {
    arity(l, 'lastIndexOf', a, 1, 1, env.loc);
    for (let i = l.length - 1; i >= 0; i--) if (javaEquals(l[i] ?? null, a[0] ?? null)) return i;
    return -1;
  }],
  ['add', (l, a, env) => {
    arity(l, 'add', a, 1, 2, env.loc);
    checkListSize(l.length + 1, env.loc);
    if (a.length === 2) {
      const i = argInt(l, 'add', a, 0, env.loc);
      if (i < 0 || i > l.length) throw indexError(i, l.length, env.loc);
      l.splice(i, 0, a[1] ?? null);
      return null;
    }
    if (setKind(l) !== null) return setAdd(l, a[0] ?? null);
    l.push(a[0] ?? null);
    return true;
  }],
  ['push', (l, a, env) => {
    arity(l, 'push', a, 1, 1, env.loc);
    checkListSize(l.length + 1, env.loc);
    if (setKind(l) !== null) return setAdd(l, a[0] ?? null);
    l.push(a[0] ?? null);
    return true;
  }],
  ['leftShift', (l, a, env) => (arity(l, 'leftShift', a, 1, 1, env.loc), arithmetic('<<', l, a[0] ?? null, env.loc))],
  ['addAll', (l, a, env) => {
    arity(l, 'addAll', a, 1, 2, env.loc);
    const items = toArgList(a[a.length - 1] ?? null, l, 'addAll', a, env.loc);
    checkListSize(l.length + items.length, env.loc);
    if (a.length === 2) {
      const i = argInt(l, 'addAll', a, 0, env.loc);
      if (i < 0 || i > l.length) throw indexError(i, l.length, env.loc);
      l.splice(i, 0, ...items);
    } else if (setKind(l) !== null) {
      let changed = false;
      for (const x of items) changed = setAdd(l, x) || changed;
      return changed;
    } else {
      for (const x of items) l.push(x);
    }
    return items.length > 0;
  }],
  ['pop', (l, a, env) => {
    arity(l, 'pop', a, 0, 0, env.loc);
    if (l.length === 0) throw scriptError('index', 'Cannot pop() an empty List', env.loc, 'java.util.NoSuchElementException');
    return l.pop() ?? null;
  }],
  ['remove', (l, a, env) => {
    arity(l, 'remove', a, 1, 1, env.loc);
    const x = a[0] ?? null;
    if (typeof x === 'number' && Number.isInteger(x)) {
      if (x < 0 || x >= l.length) throw checkIndexError(x, l.length, env.loc);
      return l.splice(x, 1)[0] ?? null;
    }
    for (let i = 0; i < l.length; i++) if (javaEquals(l[i] ?? null, x)) { l.splice(i, 1); return true; }
    return false;
  }],
  ['removeAt', (l, a, env) => {
    const i = argInt(l, 'removeAt', a, 0, env.loc);
    if (i < 0 || i >= l.length) throw checkIndexError(i, l.length, env.loc);
    return l.splice(i, 1)[0] ?? null;
  }],
  ['removeElement', (l, a, env) => {
    arity(l, 'removeElement', a, 1, 1, env.loc);
    for (let i = 0; i < l.length; i++) if (javaEquals(l[i] ?? null, a[0] ?? null)) { l.splice(i, 1); return true; }
    return false;
  }],
  ['removeAll', async (l, a, env) => {
    arity(l, 'removeAll', a, 1, 1, env.loc);
    const c = lastClosure(a);
    const other = c ? null : new JavaValueSet(toArgList(a[0] ?? null, l, 'removeAll', a, env.loc));
    const keep: GList = [];
    for (const x of l) if (!(c ? groovyTruth(await env.call(c, [x])) : other!.has(x))) keep.push(x);
    const changed = keep.length !== l.length;
    replaceContents(l, keep);
    return changed;
  }],
  // Java 8's methods taking a function: not in Jenkins' default whitelist, refused by its sandbox
  // with the signature of the interface that declares them (script-security looks supertypes first).
  ['removeIf', (_l, _a, env) => { throw rejected('method java.util.Collection removeIf java.util.function.Predicate', env.loc); }],
  ['forEach', (_l, _a, env) => { throw rejected('method java.lang.Iterable forEach java.util.function.Consumer', env.loc); }],
  ['retainAll', async (l, a, env) => {
    arity(l, 'retainAll', a, 1, 1, env.loc);
    const c = lastClosure(a);
    const other = c ? null : new JavaValueSet(toArgList(a[0] ?? null, l, 'retainAll', a, env.loc));
    const keep: GList = [];
    for (const x of l) if (c ? groovyTruth(await env.call(c, [x])) : other!.has(x)) keep.push(x);
    const changed = keep.length !== l.length;
    replaceContents(l, keep);
    return changed;
  }],
  ['clear', (l) => (l.length = 0, null)],
  ['get', (l, a, env) => {
    const i = argInt(l, 'get', a, 0, env.loc);
    if (i < 0 || i >= l.length) throw checkIndexError(i, l.length, env.loc);
    return l[i] ?? null;
  }],
  ['getAt', (l, a, env) => (arity(l, 'getAt', a, 1, 1, env.loc), listGetAt(l, a[0] ?? null, env.loc))],
  ['set', (l, a, env) => {
    arity(l, 'set', a, 2, 2, env.loc);
    const i = argInt(l, 'set', a, 0, env.loc);
    if (i < 0 || i >= l.length) throw checkIndexError(i, l.length, env.loc);
    const old = l[i] ?? null;
    l[i] = a[1] ?? null;
    return old;
  }],
  ['putAt', (l, a, env) => (arity(l, 'putAt', a, 2, 2, env.loc), listPutAt(l, a[0] ?? null, a[1] ?? null, env.loc), null)],
  ['swap', (l, a, env) => {
    const i = argInt(l, 'swap', a, 0, env.loc);
    const j = argInt(l, 'swap', a, 1, env.loc);
    if (i < 0 || i >= l.length) throw checkIndexError(i, l.length, env.loc);
    if (j < 0 || j >= l.length) throw checkIndexError(j, l.length, env.loc);
    [l[i], l[j]] = [l[j] ?? null, l[i] ?? null];
    return l;
  }],
  ['first', (l, a, env) => {
    arity(l, 'first', a, 0, 1, env.loc);
    if (a.length === 1) return l.slice(0, Math.max(0, argInt(l, 'first', a, 0, env.loc)));
    if (l.length === 0) throw emptyError('first()', env.loc);
    return l[0] ?? null;
  }],
  ['head', (l, a, env) => {
    arity(l, 'head', a, 0, 0, env.loc);
    if (l.length === 0) throw emptyError('head()', env.loc);
    return l[0] ?? null;
  }],
  ['last', (l, a, env) => {
    arity(l, 'last', a, 0, 1, env.loc);
    if (a.length === 1) {
      const n = Math.max(0, argInt(l, 'last', a, 0, env.loc));
      return n === 0 ? [] : l.slice(-n);
    }
    if (l.length === 0) throw emptyError('last()', env.loc);
    return l[l.length - 1] ?? null;
  }],
  ['tail', (l, a, env) => {
    arity(l, 'tail', a, 0, 0, env.loc);
    if (l.length === 0) throw emptyError('tail()', env.loc);
    return l.slice(1);
  }],
  ['init', (l, a, env) => {
    arity(l, 'init', a, 0, 0, env.loc);
    if (l.length === 0) throw emptyError('init()', env.loc);
    return l.slice(0, -1);
  }],
  ['subList', (l, a, env) => {
    const from = argInt(l, 'subList', a, 0, env.loc);
    const to = argInt(l, 'subList', a, 1, env.loc);
    if (from < 0 || to > l.length || from > to) throw scriptError('index', `subList(${from}, ${to}) is out of range for a list of size ${l.length}`, env.loc, 'java.lang.IndexOutOfBoundsException');
    return l.slice(from, to);
  }],
  ['take', (l, a, env) => l.slice(0, Math.max(0, argInt(l, 'take', a, 0, env.loc)))],
  ['drop', (l, a, env) => l.slice(Math.max(0, argInt(l, 'drop', a, 0, env.loc)))],
  ['takeRight', (l, a, env) => {
    const n = Math.max(0, argInt(l, 'takeRight', a, 0, env.loc));
    return n === 0 ? [] : l.slice(-n);
  }],
  ['dropRight', (l, a, env) => l.slice(0, Math.max(0, l.length - Math.max(0, argInt(l, 'dropRight', a, 0, env.loc))))],
  ['takeWhile', async (l, a, env) => {
    const c = argClosure(l, 'takeWhile', a, 0, env.loc);
    const out: GList = [];
    for (const x of l) {
      if (!groovyTruth(await env.call(c, [x]))) break;
      out.push(x);
    }
    return out;
  }],
  ['dropWhile', async (l, a, env) => {
    const c = argClosure(l, 'dropWhile', a, 0, env.loc);
    let i = 0;
    while (i < l.length && groovyTruth(await env.call(c, [l[i] ?? null]))) i++;
    return l.slice(i);
  }],
  ['flatten', (l) => {
    const out: GList = [];
    flattenInto(out, l, 0);
    return out;
  }],
  ['sum', (l, a, env) => sum(l, a, env)],
  ['max', (l, a, env) => extreme(l, lastClosure(a), env, 1)],
  ['min', (l, a, env) => extreme(l, lastClosure(a), env, -1)],
  ['inject', (l, a, env) => inject(l, a, env)],
  ['sort', async (l, a, env) => {
    const c = lastClosure(a);
    const mutate = a.length === 0 || a[0] !== false;
    if (a.length > (c ? 2 : 1) || (a.length >= 1 && a[0] !== false && a[0] !== true && !c)) throw noSignature(l, 'sort', a, env.loc);
    const sorted = await sortAsync(l, closureComparator(c, env), env.signal);
    if (!mutate) return sorted;
    replaceContents(l, sorted);
    return l;
  }],
  ['toSorted', async (l, a, env) => sortAsync(l, closureComparator(lastClosure(a), env), env.signal)],
  ['unique', async (l, a, env) => {
    const c = lastClosure(a);
    const mutate = a.length === 0 || a[0] !== false;
    const u = await uniqueBy(l, c, env);
    if (!mutate) return u;
    replaceContents(l, u);
    return l;
  }],
  ['toUnique', (l, a, env) => uniqueBy(l, lastClosure(a), env)],
  ['toSet', (l) => makeSet(l, 'java.util.HashSet', true)],
  ['reverse', (l, a, env) => {
    arity(l, 'reverse', a, 0, 1, env.loc);
    if (a[0] === true) return l.reverse();
    return [...l].reverse();
  }],
  ['groupBy', async (l, a, env) => {
    const c = argClosure(l, 'groupBy', a, 0, env.loc);
    const out: GMap = new Map();
    for (const x of l) {
      const k = mapKey(await env.call(c, [x]));
      const g = out.get(k);
      if (Array.isArray(g)) g.push(x);
      else out.set(k, [x]);
    }
    return out;
  }],
  ['countBy', async (l, a, env) => {
    const c = argClosure(l, 'countBy', a, 0, env.loc);
    const out: GMap = new Map();
    for (const x of l) {
      const k = mapKey(await env.call(c, [x]));
      out.set(k, ((out.get(k) as number | undefined) ?? 0) + 1);
    }
    return out;
  }],
  ['withIndex', (l, a, env) => {
    const off = a.length > 0 ? argInt(l, 'withIndex', a, 0, env.loc) : 0;
    return l.map((x, i) => [x, i + off]);
  }],
  ['indexed', (l) => new Map(l.map((x, i) => [String(i), x] as [string, Value]))],
  ['collate', (l, a, env) => {
    const size = argInt(l, 'collate', a, 0, env.loc);
    const step = a.length > 1 && typeof a[1] === 'number' ? Math.trunc(a[1]) : size;
    if (size <= 0 || step <= 0) throw noSignature(l, 'collate', a, env.loc);
    const out: GList = [];
    for (let i = 0; i < l.length; i += step) out.push(l.slice(i, i + size));
    return out;
  }],
  ['split', async (l, a, env) => {
    const c = argClosure(l, 'split', a, 0, env.loc);
    const yes: GList = [];
    const no: GList = [];
    for (const x of l) (groovyTruth(await env.call(c, [x])) ? yes : no).push(x);
    return [yes, no];
  }],
  ['grep', async (l, a, env) => {
    const out: GList = [];
    for (const x of l) if (a.length === 0 ? groovyTruth(x) : await grepMatch(a[0] ?? null, x, env)) out.push(x);
    return out;
  }],
  ['intersect', (l, a, env) => intersect(l, toArgList(a[0] ?? null, l, 'intersect', a, env.loc))],
  ['disjoint', (l, a, env) => intersect(l, toArgList(a[0] ?? null, l, 'disjoint', a, env.loc)).length === 0],
  ['plus', (l, a, env) => {
    // plus(List, int, List/Iterable): a new list with the additions inserted at the index (ArrayList.addAll(int, ...))
    const adds = a.length === 2 ? (Array.isArray(a[1]) ? a[1] : isRange(a[1]) ? rangeToList(a[1]) : null) : null;
    if (adds !== null && typeof a[0] === 'number' && Number.isInteger(a[0])) {
      const i = a[0];
      if (i < 0 || i > l.length) throw indexError(i, l.length, env.loc);
      const out = [...l.slice(0, i), ...adds, ...l.slice(i)];
      checkListSize(out.length, env.loc);
      return out;
    }
    arity(l, 'plus', a, 1, 1, env.loc);
    return arithmetic('+', l, a[0] ?? null, env.loc);
  }],
  ['minus', (l, a, env) => (arity(l, 'minus', a, 1, 1, env.loc), arithmetic('-', l, a[0] ?? null, env.loc))],
  ['multiply', (l, a, env) => (arity(l, 'multiply', a, 1, 1, env.loc), arithmetic('*', l, a[0] ?? null, env.loc))],
  ['isCase', (l, a, env) => (arity(l, 'isCase', a, 1, 1, env.loc), javaContains(l, a[0] ?? null))],
  ['asList', (l) => l],
  ['toList', (l) => [...l]],
  ['asImmutable', (l) => l],
  ['asUnmodifiable', (l) => l],
  ['toArray', (l) => [...l]],
  ['equals', (l, a, env) => (arity(l, 'equals', a, 1, 1, env.loc), groovyEquals(l, a[0] ?? null))],
  ['encodeBase64', (l, _a, env) => {
    const bytes = l.map((b) => (typeof b === 'number' && Number.isInteger(b) && b >= -128 && b <= 255 ? b & 0xff : -1));
    if (bytes.includes(-1)) throw noSignature(l, 'encodeBase64', [], env.loc);
    return Buffer.from(bytes).toString('base64');
  }],
  ['transpose', (l, _a, env) => {
    const rows = l.map((r) => iterableToList(r, env.loc, 'transpose'));
    const n = rows.length === 0 ? 0 : Math.min(...rows.map((r) => r.length));
    const out: GList = [];
    for (let i = 0; i < n; i++) out.push(rows.map((r) => r[i] ?? null));
    return out;
  }],
]);
