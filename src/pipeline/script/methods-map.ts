// Methods on maps (java.util.LinkedHashMap plus Groovy's GDK). Closures over a map take
// (entry) or (key, value); eachWithIndex takes (entry, i) or (key, value, i).
// getOrDefault, putIfAbsent and replace are in Jenkins' default whitelist and work as Java's;
// computeIfAbsent, computeIfPresent, compute, merge, forEach and replaceAll (Java 8's methods taking
// a function) are not, and are refused with script-security's RejectedAccessException message.
import { notSupported, rejected, scriptError } from './errors.ts';
import { EntryObject, arithmetic, groovyEquals, groovyTruth, javaEquals, keyOf, mapKey, naturalCompare } from './groovy-ops.ts';
import { addEntry, closureComparator, sortAsync } from './methods-list.ts';
import { argClosure, arity, lastClosure, noSignature, type Method, type MethodEnv } from './methods-common.ts';
import { isList, isRange, rangeToList, type ClosureValue, type GList, type GMap, type Value } from './values.ts';

/** Calls a closure on a map entry: (k, v) when it takes two parameters, else the entry. */
/** groupBy, groupEntriesBy, countBy: each entry added to the bucket of the closure's value (keys keep their class: mapKey), in first-seen order. */
async function groupEntries(m: GMap, c: ClosureValue, env: MethodEnv, add: (bucket: Value | undefined, k: string, v: Value) => Value): Promise<GMap> {
  const out: GMap = new Map();
  for (const [k, v] of [...m]) {
    const g = mapKey(await callOnEntry(env, c, m, k, v));
    out.set(g, add(out.get(g), k, v));
  }
  return out;
}

function callOnEntry(env: MethodEnv, c: ClosureValue, m: GMap, k: string, v: Value, extra?: Value): Promise<Value> {
  const n = env.arity(c);
  if (extra !== undefined) return n >= 3 ? env.call(c, [keyOf(k), v, extra]) : env.call(c, [new EntryObject(k, v, m), extra]);
  return n >= 2 ? env.call(c, [keyOf(k), v]) : env.call(c, [new EntryObject(k, v, m)]);
}

function keysOf(v: Value): string[] | null {
  if (isList(v)) return v.map(mapKey);
  if (isRange(v)) return rangeToList(v).map(mapKey);
  return null;
}

export function mapGet(m: GMap, key: Value): Value {
  return m.get(mapKey(key)) ?? null;
}

export const mapMethods: Map<string, Method<GMap>> = new Map<string, Method<GMap>>([
  ['size', (m, a, env) => (arity(m, 'size', a, 0, 0, env.loc), m.size)],
  ['isEmpty', (m, a, env) => (arity(m, 'isEmpty', a, 0, 0, env.loc), m.size === 0)],
  ['each', async (m, a, env) => {
    const c = argClosure(m, 'each', a, 0, env.loc);
    for (const [k, v] of [...m]) await callOnEntry(env, c, m, k, v);
    return m;
  }],
  ['eachWithIndex', async (m, a, env) => {
    const c = argClosure(m, 'eachWithIndex', a, 0, env.loc);
    let i = 0;
    for (const [k, v] of [...m]) await callOnEntry(env, c, m, k, v, i++);
    return m;
  }],
  ['collect', async (m, a, env) => {
    const c = argClosure(m, 'collect', a, a.length - 1, env.loc);
    const out: GList = a.length === 2 && isList(a[0]) ? a[0] : [];
    for (const [k, v] of [...m]) out.push(await callOnEntry(env, c, m, k, v));
    return out;
  }],
  ['collectMany', async (m, a, env) => {
    const c = argClosure(m, 'collectMany', a, 0, env.loc);
    const out: GList = [];
    for (const [k, v] of [...m]) {
      const r = await callOnEntry(env, c, m, k, v);
      if (isList(r)) out.push(...r);
      else out.push(r);
    }
    return out;
  }],
  ['collectEntries', async (m, a, env) => {
    const c = argClosure(m, 'collectEntries', a, a.length - 1, env.loc);
    const out: GMap = a.length === 2 && a[0] instanceof Map ? a[0] : new Map();
    for (const [k, v] of [...m]) addEntry(out, await callOnEntry(env, c, m, k, v), env.loc);
    return out;
  }],
  ['find', async (m, a, env) => {
    const c = argClosure(m, 'find', a, 0, env.loc);
    for (const [k, v] of [...m]) if (groovyTruth(await callOnEntry(env, c, m, k, v))) return new EntryObject(k, v, m);
    return null;
  }],
  ['findAll', async (m, a, env) => {
    const c = argClosure(m, 'findAll', a, 0, env.loc);
    const out: GMap = new Map();
    for (const [k, v] of [...m]) if (groovyTruth(await callOnEntry(env, c, m, k, v))) out.set(k, v);
    return out;
  }],
  ['findResult', async (m, a, env) => {
    const c = argClosure(m, 'findResult', a, a.length - 1, env.loc);
    for (const [k, v] of [...m]) {
      const r = await callOnEntry(env, c, m, k, v);
      if (r !== null) return r;
    }
    return a.length === 2 ? (a[0] ?? null) : null;
  }],
  ['any', async (m, a, env) => {
    const c = lastClosure(a);
    for (const [k, v] of [...m]) if (c ? groovyTruth(await callOnEntry(env, c, m, k, v)) : groovyTruth(v)) return true;
    return false;
  }],
  ['every', async (m, a, env) => {
    const c = lastClosure(a);
    for (const [k, v] of [...m]) if (!(c ? groovyTruth(await callOnEntry(env, c, m, k, v)) : groovyTruth(v))) return false;
    return true;
  }],
  ['count', async (m, a, env) => {
    const c = argClosure(m, 'count', a, 0, env.loc);
    let n = 0;
    for (const [k, v] of [...m]) if (groovyTruth(await callOnEntry(env, c, m, k, v))) n++;
    return n;
  }],
  ['groupBy', async (m, a, env) => groupEntries(m, argClosure(m, 'groupBy', a, 0, env.loc), env, (b, k, v) => {
    const sub = b instanceof Map ? b : new Map<string, Value>();
    sub.set(k, v);
    return sub;
  })],
  // on the sandbox's whitelist: the entries themselves in lists by the closure's value
  ['groupEntriesBy', async (m, a, env) => groupEntries(m, argClosure(m, 'groupEntriesBy', a, 0, env.loc), env, (b, k, v) => {
    const sub = Array.isArray(b) ? b : [];
    sub.push(new EntryObject(k, v, m));
    return sub;
  })],
  ['findResults', async (m, a, env) => {
    const c = argClosure(m, 'findResults', a, 0, env.loc);
    const out: GList = [];
    for (const [k, v] of [...m]) {
      const r = await callOnEntry(env, c, m, k, v);
      if (r !== null) out.push(r);
    }
    return out;
  }],
  ['countBy', async (m, a, env) => groupEntries(m, argClosure(m, 'countBy', a, 0, env.loc), env, (b) => ((b as number | undefined) ?? 0) + 1)],
  ['inject', async (m, a, env) => {
    const c = argClosure(m, 'inject', a, a.length - 1, env.loc);
    if (a.length !== 2) throw noSignature(m, 'inject', a, env.loc);
    let acc = a[0] ?? null;
    for (const [k, v] of [...m]) acc = env.arity(c) >= 3 ? await env.call(c, [acc, keyOf(k), v]) : await env.call(c, [acc, new EntryObject(k, v, m)]);
    return acc;
  }],
  ['max', async (m, a, env) => {
    const c = argClosure(m, 'max', a, 0, env.loc);
    const entries = [...m].map(([k, v]) => new EntryObject(k, v, m));
    if (entries.length === 0) return null;
    const cmp = closureComparator(c, env);
    let best: Value = entries[0]!;
    for (const e of entries.slice(1)) if ((await cmp(e, best)) > 0) best = e;
    return best;
  }],
  ['min', async (m, a, env) => {
    const c = argClosure(m, 'min', a, 0, env.loc);
    const entries = [...m].map(([k, v]) => new EntryObject(k, v, m));
    if (entries.length === 0) return null;
    const cmp = closureComparator(c, env);
    let best: Value = entries[0]!;
    for (const e of entries.slice(1)) if ((await cmp(e, best)) < 0) best = e;
    return best;
  }],
  ['keySet', (m) => [...m.keys()].map(keyOf)],
  ['values', (m) => [...m.values()]],
  ['entrySet', (m) => [...m].map(([k, v]) => new EntryObject(k, v, m))],
  ['containsKey', (m, a, env) => (arity(m, 'containsKey', a, 1, 1, env.loc), m.has(mapKey(a[0] ?? null)))],
  ['containsValue', (m, a, env) => {
    arity(m, 'containsValue', a, 1, 1, env.loc);
    for (const v of m.values()) if (javaEquals(v, a[0] ?? null)) return true; // Java's equals: [a: 1L].containsValue(1) is false
    return false;
  }],
  ['get', (m, a, env) => {
    arity(m, 'get', a, 1, 2, env.loc);
    const k = mapKey(a[0] ?? null);
    if (a.length === 2 && !m.has(k)) m.set(k, a[1] ?? null); // Groovy's get(key, default) stores the default
    return m.get(k) ?? null;
  }],
  ['getAt', (m, a, env) => (arity(m, 'getAt', a, 1, 1, env.loc), mapGet(m, a[0] ?? null))],
  ['getOrDefault', (m, a, env) => {
    arity(m, 'getOrDefault', a, 2, 2, env.loc);
    const k = mapKey(a[0] ?? null);
    return m.has(k) ? (m.get(k) ?? null) : (a[1] ?? null);
  }],
  ['put', (m, a, env) => {
    arity(m, 'put', a, 2, 2, env.loc);
    const k = mapKey(a[0] ?? null);
    const old = m.get(k) ?? null;
    m.set(k, a[1] ?? null);
    return old;
  }],
  ['putAt', (m, a, env) => (arity(m, 'putAt', a, 2, 2, env.loc), m.set(mapKey(a[0] ?? null), a[1] ?? null), null)],
  ['putIfAbsent', (m, a, env) => {
    arity(m, 'putIfAbsent', a, 2, 2, env.loc);
    const k = mapKey(a[0] ?? null);
    const old = m.get(k) ?? null;
    if (old === null) m.set(k, a[1] ?? null);
    return old;
  }],
  // Java 8's Map methods that take a function: Jenkins' default whitelist lists none of them, so
  // its sandbox refuses them (an administrator may approve them in Jenkins; Kiln has no script
  // approval, so they stay refused). The signature is the interface's, as script-security names it.
  ['computeIfAbsent', (_m, _a, env) => { throw rejected('method java.util.Map computeIfAbsent java.lang.Object java.util.function.Function', env.loc); }],
  ['computeIfPresent', (_m, _a, env) => { throw rejected('method java.util.Map computeIfPresent java.lang.Object java.util.function.BiFunction', env.loc); }],
  ['compute', (_m, _a, env) => { throw rejected('method java.util.Map compute java.lang.Object java.util.function.BiFunction', env.loc); }],
  ['merge', (_m, _a, env) => { throw rejected('method java.util.Map merge java.lang.Object java.lang.Object java.util.function.BiFunction', env.loc); }],
  ['forEach', (_m, _a, env) => { throw rejected('method java.util.Map forEach java.util.function.BiConsumer', env.loc); }],
  ['replaceAll', (_m, _a, env) => { throw rejected('method java.util.Map replaceAll java.util.function.BiFunction', env.loc); }],
  ['putAll', (m, a, env) => {
    arity(m, 'putAll', a, 1, 1, env.loc);
    const o = a[0] ?? null;
    if (!(o instanceof Map)) throw noSignature(m, 'putAll', a, env.loc);
    for (const [k, v] of o) m.set(k, v);
    return null;
  }],
  ['remove', (m, a, env) => {
    arity(m, 'remove', a, 1, 1, env.loc);
    const k = mapKey(a[0] ?? null);
    const old = m.get(k) ?? null;
    m.delete(k);
    return old;
  }],
  ['clear', (m) => (m.clear(), null)],
  ['sort', async (m, a, env) => {
    const c = lastClosure(a);
    const entries = [...m].map(([k, v]) => new EntryObject(k, v, m));
    const sorted = c === null
      ? entries.sort((x, y) => naturalCompare(keyOf(x.key), keyOf(y.key)))
      : ((await sortAsync(entries, closureComparator(c, env), env.signal)) as EntryObject[]);
    return new Map(sorted.map((e) => [e.key, e.value] as [string, Value]));
  }],
  ['plus', (m, a, env) => (arity(m, 'plus', a, 1, 1, env.loc), arithmetic('+', m, a[0] ?? null, env.loc))],
  ['minus', (m, a, env) => (arity(m, 'minus', a, 1, 1, env.loc), arithmetic('-', m, a[0] ?? null, env.loc))],
  ['leftShift', (m, a, env) => (arity(m, 'leftShift', a, 1, 1, env.loc), arithmetic('<<', m, a[0] ?? null, env.loc))],
  ['subMap', (m, a, env) => {
    const keys = keysOf(a[0] ?? null);
    if (!keys) throw noSignature(m, 'subMap', a, env.loc);
    const out: GMap = new Map();
    for (const k of keys) if (m.has(k)) out.set(k, m.get(k) ?? null);
    return out;
  }],
  ['dropWhile', async (m, a, env) => {
    const c = argClosure(m, 'dropWhile', a, 0, env.loc);
    const out: GMap = new Map();
    let dropping = true;
    for (const [k, v] of [...m]) {
      if (dropping && groovyTruth(await callOnEntry(env, c, m, k, v))) continue;
      dropping = false;
      out.set(k, v);
    }
    return out;
  }],
  ['take', (m, a, env) => {
    const n = typeof a[0] === 'number' ? a[0] : -1;
    if (n < 0) throw noSignature(m, 'take', a, env.loc);
    return new Map([...m].slice(0, n));
  }],
  ['drop', (m, a, env) => {
    const n = typeof a[0] === 'number' ? a[0] : -1;
    if (n < 0) throw noSignature(m, 'drop', a, env.loc);
    return new Map([...m].slice(n));
  }],
  ['equals', (m, a, env) => (arity(m, 'equals', a, 1, 1, env.loc), groovyEquals(m, a[0] ?? null))],
  ['asImmutable', (m) => m],
  ['asUnmodifiable', (m) => m],
  ['toSorted', (m) => new Map([...m].sort((x, y) => naturalCompare(keyOf(x[0]), keyOf(y[0]))))],
  ['isCase', (m, a) => groovyTruth(mapGet(m, a[0] ?? null))],
  ['withDefault', (_m, _a, env) => {
    throw notSupported('Map.withDefault { }', env.loc, 'use m.get(key, default) or m[key] ?: default');
  }],
]);
