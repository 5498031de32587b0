// Groovy's operators on script values: truth, equality, ordering, arithmetic with Groovy's
// number rules, `as` casts, indexing, ranges and `in`. Two equalities: groovyEquals is Groovy's
// `==` (1 == 1L == 1.0); javaEquals is Java's equals, which the Java collection methods Groovy
// calls use (`[1L].contains(1)` is false), and so do `in` on a collection and HashSet membership.
import type { Loc } from '../../core/build.ts';
import { ScriptError, scriptError } from './errors.ts';
import { MAX_STRING, checkListSize, checkString, tooLarge } from './limits.ts';
import { formatNumber, toGroovyString } from './format.ts';
import { MatcherObject, PatternObject } from './regex.ts';
import { BigDec, compareDecimal, decimalOp } from './decimal.ts';
import { LazyGString } from './lazy-gstring.ts';
import { KEY_MARK, encodeKey, keySetSupport, keyValue } from './map-keys.ts';
import { LongValue, bigIntegerOf, compareIntegers, int32Op, integerOp, intOf, longOf } from './integers.ts';
import { DoubleValue, doubleOf, doubleOp, floatOf, numberPower } from './double-value.ts';
import { makeSet, setAdd, setKind, setKindOf, setSupport } from './sets.ts';
import { javaClassOf } from './java-types.ts';
import { javaArray } from './methods-common.ts';
import { isClosure, isHostObject, rangeToList, typeName, type GList, type GMap, type HostObject, type RangeValue, type Value } from './values.ts';

/** Groovy truth: null, false, 0, '', [], [:] and a matcher without a match are false. */
export function groovyTruth(v: Value): boolean {
  if (v === null) return false;
  switch (typeof v) {
    case 'boolean': return v;
    case 'number': return v !== 0 && !Number.isNaN(v);
    case 'string': return v.length > 0;
  }
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  if (v.kind === 'range') return rangeSize(v) > 0;
  if (v instanceof MatcherObject) return v.asBoolean();
  if (v instanceof BigDec) return !v.isZero();
  if (v instanceof LongValue) return v.v !== 0n;
  if (v instanceof DoubleValue) return v.v !== 0 && !Number.isNaN(v.v);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Ranges

export function rangeSize(r: RangeValue): number {
  const a = typeof r.from === 'number' ? r.from : r.from.codePointAt(0) ?? 0;
  const b = typeof r.to === 'number' ? r.to : r.to.codePointAt(0) ?? 0;
  const n = Math.floor(Math.abs(b - a)) + 1;
  return r.exclusive ? n - 1 : n;
}

/** The i-th element of a range, without building it. */
export function rangeAt(r: RangeValue, i: number): Value {
  if (typeof r.from === 'number' && typeof r.to === 'number') return r.from <= r.to ? r.from + i : r.from - i;
  const a = String(r.from).codePointAt(0) ?? 0;
  const b = String(r.to).codePointAt(0) ?? 0;
  return String.fromCodePoint(a <= b ? a + i : a - i);
}

export function rangeContains(r: RangeValue, v: Value): boolean {
  if (typeof r.from === 'number' && typeof r.to === 'number') {
    if (typeof v !== 'number') return false;
    const lo = Math.min(r.from, r.to);
    const hi = Math.max(r.from, r.to);
    if (r.exclusive) return r.from <= r.to ? v >= r.from && v < r.to && Number.isInteger(v - r.from) : v <= r.from && v > r.to && Number.isInteger(r.from - v);
    return v >= lo && v <= hi && Number.isInteger(v - r.from);
  }
  if (typeof v !== 'string') return false;
  return rangeToList(r).includes(v);
}

export function makeRange(from: Value, to: Value, exclusive: boolean, loc: Loc | null): RangeValue {
  if (typeof from === 'number' && typeof to === 'number') {
    if (!Number.isInteger(from) || !Number.isInteger(to)) throw scriptError('range', `ranges need whole numbers: ${formatNumber(from)}..${formatNumber(to)}`, loc);
    return { kind: 'range', from, to, exclusive };
  }
  if (typeof from === 'string' && typeof to === 'string' && from.length === 1 && to.length === 1) return { kind: 'range', from, to, exclusive };
  throw scriptError('range', `cannot make a range from ${typeName(from)} ${toGroovyString(from)} to ${typeName(to)} ${toGroovyString(to)} (ranges are of whole numbers or single characters)`, loc);
}

/** A list, range, map, string or matcher as a list of its elements (for-in, each, spread). */
export function iterableToList(v: Value, loc: Loc | null, what: string): GList {
  if (v === null) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'string') return [...v];
  if (typeof v === 'object') {
    if (v instanceof Map) return [...v].map(([k, x]) => new EntryObject(k, x, v));
    if (v.kind === 'range') {
      checkListSize(rangeSize(v), loc);
      return rangeToList(v);
    }
    if (v instanceof MatcherObject) return v.toList();
  }
  throw scriptError('not-iterable', `${what}: cannot iterate over a ${typeName(v)} (${toGroovyString(v)})`, loc, 'groovy.lang.MissingMethodException');
}

/** A map entry as closures and for-in see it: entry.key, entry.value; prints as key=value. */
export class EntryObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'java.util.Map$Entry';
  /** The key as the GMap holds it (map-keys.ts: encoded when it is no String); scripts see keyOf(key). */
  readonly key: string;
  value: Value;
  readonly map: GMap | null;
  constructor(key: string, value: Value, map: GMap | null) {
    this.key = key;
    this.value = value;
    this.map = map;
  }
  getProperty(name: string): Value | undefined {
    if (name === 'key') return keyOf(this.key);
    if (name === 'value') return this.value;
    return undefined;
  }
  setProperty(name: string, value: Value): boolean {
    if (name !== 'value') return false;
    this.value = value;
    this.map?.set(this.key, value);
    return true;
  }
  invokeMethod(name: string, args: { positional: Value[] }): Promise<Value> | undefined {
    if (name === 'getKey') return Promise.resolve(keyOf(this.key));
    if (name === 'getValue') return Promise.resolve(this.value);
    if (name === 'setValue' && args.positional.length === 1) {
      const old = this.value;
      this.setProperty('value', args.positional[0] ?? null);
      return Promise.resolve(old);
    }
    return undefined;
  }
  toString(): string {
    return `${keyText(this.key)}=${toGroovyString(this.value)}`;
  }
}

// ---------------------------------------------------------------------------------------------
// Equality and ordering

/** Groovy's ==: numbers by value (1 == 1.0), lists and maps element by element, null-safe. */
export function groovyEquals(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  // two different strings, numbers or booleans (a one-character string equals itself only); NaN
  // equals NaN, as Groovy compares Doubles with Double.compare
  if (typeof a !== 'object' && typeof b !== 'object') return a !== a && b !== b;
  // a lazy GString equals the String it renders now (Groovy compares a GString and a String by their text)
  if (a instanceof LazyGString || b instanceof LazyGString) return toGroovyString(a) === toGroovyString(b);
  if (typeof a !== 'object' || typeof b !== 'object') {
    // numbers compare by value: 1 == 1.0, 5L == 5, 2.0d == 2
    if (a instanceof DoubleValue || b instanceof DoubleValue) return doublesEqual(a, b);
    if (a instanceof BigDec || b instanceof BigDec) return compareDecimal(a, b) === 0;
    if (a instanceof LongValue || b instanceof LongValue) return compareIntegers(a, b) === 0;
    return false;
  }
  const la = Array.isArray(a) ? a : a instanceof Map ? null : a.kind === 'range' ? rangeToList(a) : null;
  const lb = Array.isArray(b) ? b : b instanceof Map ? null : b.kind === 'range' ? rangeToList(b) : null;
  if (la && lb && (setKind(la) !== null || setKind(lb) !== null)) {
    // a Set equals only a Set with the same elements, in any order (a List never equals a Set)
    if (setKind(la) === null || setKind(lb) === null || la.length !== lb.length) return false;
    const inB = new ValueSet(lb);
    return la.every((x) => inB.has(x));
  }
  if (la && lb) {
    if (la.length !== lb.length) return false;
    for (let i = 0; i < la.length; i++) if (!groovyEquals(la[i] ?? null, lb[i] ?? null)) return false;
    return true;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k)) return false;
      if (!groovyEquals(v, b.get(k) ?? null)) return false;
    }
    return true;
  }
  if (a instanceof EntryObject && b instanceof EntryObject) return a.key === b.key && groovyEquals(a.value, b.value);
  if (a instanceof PatternObject && b instanceof PatternObject) return a.pattern === b.pattern;
  if (a instanceof DoubleValue || b instanceof DoubleValue) return doublesEqual(a, b);
  if (a instanceof BigDec || b instanceof BigDec) return compareDecimal(a, b) === 0;
  if (a instanceof LongValue || b instanceof LongValue) return compareIntegers(a, b) === 0;
  return false;
}

/**
 * Java's equals, which collections use where Groovy does not step in: List.contains/indexOf/
 * remove(Object)/containsAll/removeAll/retainAll, `in` and a switch case on a collection (isCase
 * is contains), Map.containsValue, HashSet membership. Numbers are equal only of the same class
 * and value (`[2d].contains(2)`, `[1L].contains(1)` and `[1.0].contains(1.00)` are false in
 * Groovy 2.4); lists, sets and maps compare their elements with Java's equals too; other values
 * as Groovy's `==` (a script object's own equals, a GString by its text: Kiln renders GStrings).
 */
export function javaEquals(a: Value, b: Value): boolean {
  if (a === b) return !(typeof a === 'number' && Number.isNaN(a));
  if (a === null || b === null) return false;
  const ka = javaNumberKey(a);
  const kb = javaNumberKey(b);
  if (ka !== undefined || kb !== undefined) return ka === kb;
  if (typeof a !== 'object' || typeof b !== 'object') return a instanceof LazyGString || b instanceof LazyGString ? toGroovyString(a) === toGroovyString(b) : false;
  const la = Array.isArray(a) ? a : null;
  const lb = Array.isArray(b) ? b : null;
  if (la && lb) {
    if (la.length !== lb.length) return false;
    const sa = setKind(la) !== null;
    if (sa !== (setKind(lb) !== null)) return false;
    if (sa) return la.every((x) => javaContains(lb, x));
    for (let i = 0; i < la.length; i++) if (!javaEquals(la[i] ?? null, lb[i] ?? null)) return false;
    return true;
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !javaEquals(v, b.get(k) ?? null)) return false;
    return true;
  }
  return groovyEquals(a, b);
}

/** A number's class and exact value as one key (Java's equals for Integer, Long, BigInteger, Float, Double, BigDecimal); undefined for a non-number. */
export function javaNumberKey(v: Value): string | undefined {
  if (typeof v === 'number') {
    if (Number.isInteger(v)) return (v | 0) === v ? `I${v | 0}` : `L${v}`;
    return `D${v}`;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  if (v instanceof LongValue) return `${v.big ? 'B' : 'L'}${v.v}`;
  if (v instanceof DoubleValue) return `${v.float ? 'F' : 'D'}${Object.is(v.v, -0) ? '-0' : v.v}`;
  if (v instanceof BigDec) return `M${v.unscaled}e${v.scale}`;
  return undefined;
}

/** A hash set of values with Java's equals (HashSet/LinkedHashSet membership, containsAll/removeAll/retainAll). */
export class JavaValueSet {
  readonly #keys = new Set<unknown>();
  readonly #objs: Value[] = [];
  constructor(items: Iterable<Value> = []) {
    for (const x of items) this.add(x);
  }
  #key(v: Value): unknown {
    if (v === null || typeof v === 'boolean') return v;
    if (typeof v === 'string') return `s${v}`;
    return javaNumberKey(v);
  }
  has(v: Value): boolean {
    const k = this.#key(v);
    return k !== undefined ? this.#keys.has(k) : javaContains(this.#objs, v);
  }
  /** Adds `v`; false when an equal value was there already. */
  add(v: Value): boolean {
    if (this.has(v)) return false;
    const k = this.#key(v);
    if (k !== undefined) this.#keys.add(k);
    else this.#objs.push(v);
    return true;
  }
}

/** Collection.contains with Java's equals. */
export function javaContains(l: GList, v: Value): boolean {
  for (const x of l) if (javaEquals(x, v)) return true;
  return false;
}

/** A number of any kind widened to a double, as Groovy's FloatingPointMath does; null = not a number. */
export function asDouble(v: Value): number | null {
  if (typeof v === 'number') return v;
  if (v instanceof DoubleValue) return v.v;
  if (v instanceof BigDec) return v.toNumber();
  if (v instanceof LongValue) return Number(v.v);
  return null;
}

/** Groovy's compareTo when one side is a Double or Float: both as doubles; null = not both numbers (or NaN). */
/**
 * `==` with a Double or Float on a side: Groovy's FloatingPointMath compares with Double.compare,
 * so -0.0 is not 0.0 (`-(0.0d) == 0.0d` is false) and NaN equals NaN.
 */
function doublesEqual(a: Value, b: Value): boolean {
  const x = asDouble(a);
  const y = asDouble(b);
  if (x === null || y === null) return false;
  return x === y ? x !== 0 || Object.is(x, y) : x !== x && y !== y;
}

export function compareDoubles(a: Value, b: Value): number | null {
  const x = asDouble(a);
  const y = asDouble(b);
  if (x === null || y === null) return null;
  return javaDoubleCompare(x, y);
}

/** Java's Double.compare, which Groovy's FloatingPointMath compares with: -0.0 before 0.0, NaN after everything and equal to itself. */
function javaDoubleCompare(x: number, y: number): number {
  if (x < y) return -1;
  if (x > y) return 1;
  if (x === y) return x !== 0 ? 0 : Object.is(x, y) ? 0 : Object.is(x, -0) ? -1 : 1;
  return x !== x ? (y !== y ? 0 : 1) : -1;
}

/** A Double (not a Float, not an integer): a non-whole JS number or a whole DoubleValue. */
function isDoubleClass(v: Value): boolean {
  return typeof v === 'number' ? !Number.isInteger(v) : v instanceof DoubleValue && !v.float;
}

/**
 * `<`, `<=`, `>`, `>=` as Groovy 2.4's ScriptBytecodeAdapter has them: two Doubles compare as
 * Java's primitive doubles (`-0.0d < 0.0d` and every comparison with NaN are false); other
 * operands by compareTo (Double.compare when one side is a Double: `NaN > 1` is true).
 */
export function relational(op: string, a: Value, b: Value, loc: Loc | null): boolean {
  if (isDoubleClass(a) && isDoubleClass(b)) {
    const x = asDouble(a)!;
    const y = asDouble(b)!;
    return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
  }
  const c = groovyCompare(a, b, loc);
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : c >= 0;
}

function cannotCompare(a: Value, b: Value, loc: Loc | null): ScriptError {
  return scriptError('compare', `Cannot compare ${typeName(a)} with value '${toGroovyString(a)}' and ${typeName(b)} with value '${toGroovyString(b)}'`, loc, 'java.lang.IllegalArgumentException');
}

/** Groovy's <=>: numbers, strings (by UTF-16 code units, as Java), booleans; null sorts first. */
export function groovyCompare(a: Value, b: Value, loc: Loc | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a === a && b === b ? (a < b ? -1 : a > b ? 1 : 0) : javaDoubleCompare(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof DoubleValue || b instanceof DoubleValue || isDoubleClass(a) || isDoubleClass(b)) {
    // a Double on either side: FloatingPointMath, Double.compare (NaN against a BigDecimal too)
    const c = compareDoubles(a, b);
    if (c !== null) return c;
  }
  if (a instanceof LongValue || b instanceof LongValue) {
    const c = compareIntegers(a, b) ?? compareDecimal(a, b);
    if (c !== null) return c;
  }
  if (a instanceof BigDec || b instanceof BigDec) {
    const c = compareDecimal(a, b);
    if (c !== null) return c;
  }
  if (Array.isArray(a) && Array.isArray(b) || a instanceof Map && b instanceof Map) {
    if (groovyEquals(a, b)) return 0;
  }
  throw cannotCompare(a, b, loc);
}

/** Natural order for sort(), min(), max(): like <=>, but values of different types order by type instead of failing. */
export function naturalCompare(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  const ta = typeof a;
  const tb = typeof b;
  if (ta === tb && (ta === 'number' || ta === 'string' || ta === 'boolean')) return groovyCompare(a, b, null);
  if (a instanceof DoubleValue || b instanceof DoubleValue) {
    const c = compareDoubles(a, b);
    if (c !== null) return c;
  }
  if (a instanceof LongValue || b instanceof LongValue) {
    const c = compareIntegers(a, b) ?? compareDecimal(a, b);
    if (c !== null) return c;
  }
  if (a instanceof BigDec || b instanceof BigDec) {
    const c = compareDecimal(a, b);
    if (c !== null) return c;
  }
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  const sa = toGroovyString(a);
  const sb = toGroovyString(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function typeRank(v: Value): number {
  if (typeof v === 'number' || v instanceof BigDec || v instanceof LongValue || v instanceof DoubleValue) return 1;
  if (typeof v === 'string') return 2;
  if (typeof v === 'boolean') return 3;
  if (Array.isArray(v)) return 4;
  if (v instanceof Map) return 5;
  return 6;
}

// ---------------------------------------------------------------------------------------------
// Numbers: Integer and Long are integral JS numbers, Double a non-integral one, BigDecimal a
// BigDec (decimal.ts, which does the BigDecimal arithmetic). Integer / Integer is a BigDecimal;
// anything with a Double is double arithmetic, as Groovy's FloatingPointMath.

/** Groovy's / on JS numbers: two integers give a BigDecimal (1/2 is 0.5, 10/3 is 3.3333333333); a Double makes it double division. */
export function divide(a: number, b: number, loc: Loc | null): Value {
  if (Number.isInteger(a) && Number.isInteger(b)) return BigDec.of(a).divide(BigDec.of(b), loc);
  return doubleOf(a / b);
}

export function isNumber(v: Value): v is number {
  return typeof v === 'number';
}

function numOp(op: string, a: number, b: number, loc: Loc | null): Value {
  // Integer op Integer: Java's 32-bit int arithmetic (Integer.MAX_VALUE + 1 is -2147483648)
  if ((a | 0) === a && (b | 0) === b && op !== '/') {
    const r = int32Op(op, a, b, loc);
    if (r !== undefined) return r;
  }
  const ints = Number.isInteger(a) && Number.isInteger(b);
  // a Long (an integral number outside 32 bits): 64-bit arithmetic, exact beyond 2^53
  if (ints && op !== '/') {
    const r = integerOp(op, a, b, loc);
    if (r !== undefined) return r;
  }
  switch (op) {
    // a Double on either side (ints are handled above): a Double, 1.5d + 1.5d is 3.0
    case '+': return doubleOf(a + b);
    case '-': return doubleOf(a - b);
    case '*': return doubleOf(a * b);
    case '/': return divide(a, b, loc);
    case '%':
      if (ints && b === 0) throw scriptError('arithmetic', '/ by zero', loc, 'java.lang.ArithmeticException');
      return doubleOf(a % b);
    case '**': return numberPower(a, b);
    case '&': return ints ? Number(BigInt.asIntN(64, BigInt(a) & BigInt(b))) : badBits(op, loc);
    case '|': return ints ? Number(BigInt.asIntN(64, BigInt(a) | BigInt(b))) : badBits(op, loc);
    case '^': return ints ? Number(BigInt.asIntN(64, BigInt(a) ^ BigInt(b))) : badBits(op, loc);
    case '<<': return ints ? Number(BigInt.asIntN(64, BigInt(a) << BigInt(b & 63))) : badBits(op, loc);
    case '>>': return ints ? Number(BigInt.asIntN(64, BigInt(a) >> BigInt(b & 63))) : badBits(op, loc);
    case '>>>': return ints ? (a >= 0 ? Math.floor(a / 2 ** (b & 63)) : Number(BigInt.asUintN(64, BigInt(a)) >> BigInt(b & 63))) : badBits(op, loc);
  }
  throw scriptError('operator', `unknown operator ${op}`, loc);
}

function badBits(op: string, loc: Loc | null): never {
  throw scriptError('operator', `the ${op} operator needs whole numbers`, loc, 'groovy.lang.MissingMethodException');
}

function noOperator(op: string, a: Value, b: Value, loc: Loc | null): ScriptError {
  const names: Record<string, string> = { '+': 'plus', '-': 'minus', '*': 'multiply', '/': 'div', '%': 'mod', '**': 'power', '&': 'and', '|': 'or', '^': 'xor', '<<': 'leftShift', '>>': 'rightShift', '>>>': 'rightShiftUnsigned' };
  if (a === null) return scriptError('null', `Cannot invoke method ${names[op] ?? op}() on null object (the left side of ${op} is null)`, loc, 'java.lang.NullPointerException');
  return scriptError('no-such-method', `No signature of method: ${javaClassOf(a)}.${names[op] ?? op}() is applicable for argument types: (${b === null ? 'null' : javaClassOf(b)}) values: [${toGroovyString(b)}]`, loc, 'groovy.lang.MissingMethodException');
}

function toList(v: Value): GList | null {
  if (Array.isArray(v)) return v;
  if (typeof v === 'object' && v !== null && !(v instanceof Map) && v.kind === 'range') return rangeToList(v);
  return null;
}

/**
 * A set of values under Groovy equality, for unique/intersect/minus/containsAll on big lists:
 * numbers, strings, booleans and null (equal only to themselves, see groovyEquals) are
 * hashed; lists, maps and other objects are compared one by one. Without it those methods
 * were quadratic: unique() of 200,000 numbers blocked the controller for minutes.
 */
export class ValueSet {
  readonly #prims = new Set<Value>();
  /** Non-integral numbers by their exact decimal form (a set apart from strings, which never equal a number). */
  readonly #decimals = new Set<string>();
  readonly #objs: Value[] = [];
  constructor(items: Iterable<Value> = []) {
    for (const x of items) this.add(x);
  }
  has(v: Value): boolean {
    const k = numberKey(v);
    if (k !== undefined) return typeof k === 'string' ? this.#decimals.has(k) : this.#prims.has(k);
    if (v === null || typeof v !== 'object') return !(typeof v === 'number' && Number.isNaN(v)) && this.#prims.has(v);
    return listContains(this.#objs, v);
  }
  /** Adds `v`; false when an equal value was there already. */
  add(v: Value): boolean {
    if (this.has(v)) return false;
    const k = numberKey(v);
    if (typeof k === 'string') this.#decimals.add(k);
    else if (k !== undefined) this.#prims.add(k);
    else if (v === null || typeof v !== 'object') this.#prims.add(v);
    else this.#objs.push(v);
    return true;
  }
}

/**
 * One key for numbers Groovy finds equal (1 == 1.0, 1.5 == 1.50 == 1.5d): an integral value is
 * its JS number, any other the string of its exact decimal form; undefined = not a number to key.
 */
function numberKey(v: Value): number | string | undefined {
  if (v instanceof DoubleValue) {
    // -0.0 is not 0 to Groovy (Double.compare), NaN is NaN
    if (Number.isSafeInteger(v.v)) return v.v === 0 ? (Object.is(v.v, -0) ? '-0' : 0) : v.v;
    if (v.v !== v.v) return 'NaN';
    return Number.isFinite(v.v) ? BigDec.of(v.v).stripTrailingZeros().toPlainString() : undefined;
  }
  if (v instanceof LongValue) {
    const n = Number(v.v);
    return Number.isSafeInteger(n) ? n : undefined;
  }
  if (v instanceof BigDec) {
    const d = v.stripTrailingZeros();
    if (d.scale <= 0) {
      const n = Number(d.toBigInt());
      return Number.isSafeInteger(n) ? n : undefined;
    }
    return d.toPlainString();
  }
  if (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v)) return BigDec.of(v).stripTrailingZeros().toPlainString();
  if (v !== v) return 'NaN';
  return undefined;
}

// a HashSet's membership is Java's equals: `[1, 1L] as Set` has two elements, as in Groovy
setSupport((items) => new JavaValueSet(items), naturalCompare);
keySetSupport({ kind: setKind, make: (items) => makeSet(items, 'java.util.LinkedHashSet') });

export function listContains(l: GList, v: Value): boolean {
  for (const x of l) if (groovyEquals(x, v)) return true;
  return false;
}

/** The result of a binary arithmetic operator: + - * / % ** & | ^ << >> >>>. */
export function arithmetic(op: string, a: Value, b: Value, loc: Loc | null): Value {
  if (typeof a === 'number' && typeof b === 'number') return numOp(op, a, b, loc);
  if (typeof a === 'object' || typeof b === 'object') {
    if (a instanceof DoubleValue || b instanceof DoubleValue) {
      const r = doubleArithmetic(op, a, b);
      if (r !== undefined) return r;
    }
    if (a instanceof LongValue || b instanceof LongValue) {
      const r = integerOp(op, a, b, loc);
      if (r !== undefined) return r;
    }
    if (a instanceof BigDec || b instanceof BigDec) {
      const d = decimalOp(op, a, b, loc);
      if (d !== undefined) return d;
    }
  }
  switch (op) {
    case '+': {
      if (typeof a === 'string') {
        const s = toGroovyString(b);
        if (a.length + s.length > MAX_STRING) throw tooLarge(`a string of ${a.length + s.length} characters`, loc);
        return a + s;
      }
      // DefaultGroovyMethods.plus(Number, String) and NullObject.plus(String); a Boolean has no plus (MissingMethodException)
      if (typeof b === 'string' && (typeof a === 'number' || a === null)) return toGroovyString(a) + b;
      const la = toList(a);
      if (la) {
        const lb = toList(b);
        const out = lb ? la.concat(lb) : [...la, b];
        checkListSize(out.length, loc);
        // a Set plus elements is a new Set of its kind
        const kind = Array.isArray(a) ? setKind(a) : null;
        return kind !== null ? makeSet(out, kind, true) : out;
      }
      if (a instanceof Map && b instanceof Map) {
        const m = new Map(a);
        for (const [k, v] of b) m.set(k, v);
        return m;
      }
      if (a instanceof Map && b instanceof EntryObject) {
        const m = new Map(a);
        m.set(b.key, b.value);
        return m;
      }
      if (isHostObject(a) && typeof b === 'string' && !(a instanceof EntryObject)) return a.toString() + b;
      break;
    }
    case '-': {
      if (typeof a === 'string') {
        // String - Pattern runs a regex, which is async (regex.ts removeFirst): the interpreter does it
        if (b instanceof PatternObject) throw scriptError('internal', 'String - Pattern reached the synchronous operator (a Kiln bug: it must go through regex.ts removeFirst)', loc);
        const s = toGroovyString(b);
        const i = a.indexOf(s);
        return i < 0 ? a : a.slice(0, i) + a.slice(i + s.length);
      }
      const la = toList(a);
      if (la) {
        const lb = toList(b);
        const kind = Array.isArray(a) ? setKind(a) : null;
        let out: GList;
        if (lb) {
          const drop = new ValueSet(lb);
          out = la.filter((x) => !drop.has(x));
        } else out = la.filter((x) => !groovyEquals(x, b));
        return kind !== null ? makeSet(out, kind, true) : out;
      }
      if (a instanceof Map && b instanceof Map) {
        const m = new Map(a);
        for (const [k, v] of b) if (m.has(k) && groovyEquals(m.get(k) ?? null, v)) m.delete(k);
        return m;
      }
      break;
    }
    case '*': {
      if (typeof a === 'string' && typeof b === 'number') {
        if (!Number.isInteger(b) || b < 0) break;
        if (a.length * b > MAX_STRING) throw tooLarge(`'${a.slice(0, 20)}' * ${b} (${a.length * b} characters)`, loc);
        return a.repeat(b);
      }
      const la = toList(a);
      if (la && typeof b === 'number' && Number.isInteger(b) && b >= 0) {
        checkListSize(la.length * b, loc);
        const out: GList = [];
        for (let i = 0; i < b; i++) for (const x of la) out.push(x);
        return out;
      }
      break;
    }
    case '<<': {
      if (Array.isArray(a)) {
        checkListSize(a.length + 1, loc);
        if (setKind(a) !== null) setAdd(a, b);
        else a.push(b);
        return a;
      }
      if (a instanceof Map) {
        if (b instanceof Map) {
          for (const [k, v] of b) a.set(k, v);
          return a;
        }
        if (b instanceof EntryObject) {
          a.set(b.key, b.value);
          return a;
        }
      }
      if (typeof a === 'string') return checkString(a + toGroovyString(b), loc);
      break;
    }
    case '&':
    case '|':
    case '^':
      if (typeof a === 'boolean' && typeof b === 'boolean') return op === '&' ? a && b : op === '|' ? a || b : a !== b;
      // (Groovy 2.4 has no `&` for collections: [1, 2] & [2] is its MissingMethodException for and())
      break;
  }
  throw noOperator(op, a, b, loc);
}

/** + - * / % ** with a boxed Double or Float on a side and a number on the other: a Double (FloatingPointMath). */
function doubleArithmetic(op: string, a: Value, b: Value): Value | undefined {
  const x = asDouble(a);
  const y = asDouble(b);
  if (x === null || y === null) return undefined;
  return doubleOp(op, x, y);
}

/**
 * Groovy 2.4's Collection.intersect: the larger collection (the receiver when the sizes are equal)
 * is looked in, the other is walked: the result has the smaller one's elements, in its order,
 * duplicates kept ([1, 1, 2].intersect([1, 1]) is [1, 1]; [1, 2, 3].intersect([2L, 3d]) is
 * [2L, 3.0]), in a collection like the larger one (a Set's intersect is a Set).
 */
export function intersect(a: GList, b: GList): GList {
  let left = a;
  let right = b;
  if (left.length < right.length) [left, right] = [right, left];
  const out: GList = [];
  if (right.length > 0) {
    const pickFrom = new ValueSet(left);
    for (const x of right) if (pickFrom.has(x)) out.push(x);
  }
  const kind = setKind(left);
  return kind === null ? out : makeSet(out, kind);
}

/** Unary minus: numbers, and lists of numbers (Groovy negates each). */
export function negate(v: Value, loc: Loc | null): Value {
  if (typeof v === 'number') return v === 0 ? 0 : v === -2147483648 ? v : -v;
  if (v instanceof BigDec) return v.negate();
  if (v instanceof DoubleValue) return new DoubleValue(-v.v, v.float);
  if (v instanceof LongValue) return v.big ? bigIntegerOf(-v.v, loc) : longOf(-v.v);
  if (Array.isArray(v)) return v.map((x) => negate(x, loc));
  throw scriptError('no-such-method', `No signature of method: ${typeName(v)}.negative() is applicable (cannot negate ${toGroovyString(v)})`, loc, 'groovy.lang.MissingMethodException');
}

// ---------------------------------------------------------------------------------------------
// isCase (switch, in, grep)

/** Groovy's isCase for everything but closures (the interpreter calls those). */
export function isCase(caseValue: Value, v: Value, loc: Loc | null): boolean {
  // Collection.isCase is contains: Java's equals (`2L in [2]` is false)
  if (Array.isArray(caseValue)) return javaContains(caseValue, v);
  if (caseValue instanceof Map) return groovyTruth(caseValue.get(mapKey(v)) ?? null);
  if (typeof caseValue === 'object' && caseValue !== null) {
    if (caseValue.kind === 'range') return rangeContains(caseValue, v);
    // a Pattern runs a regex, which is async (regex.ts matchesWhole): the callers do it
    if (caseValue instanceof PatternObject) throw scriptError('internal', 'a Pattern case reached the synchronous isCase (a Kiln bug: it must go through regex.ts matchesWhole)', loc);
  }
  if (typeof caseValue === 'string' && v !== null && typeof v !== 'string') return caseValue === toGroovyString(v);
  return groovyEquals(caseValue, v);
}

/**
 * A map key from any value (map-keys.ts): a String is itself, a number, Boolean, null, list or
 * map is encoded with its class (`m[1]` and `m['1']` are different entries, as in Groovy); other
 * objects are keyed by their string.
 */
export function mapKey(v: Value): string {
  if (typeof v === 'string') return v.charCodeAt(0) === 0 ? KEY_MARK + 's' + v : v;
  const k = encodeKey(v, javaNumberKey);
  if (k !== undefined) return k;
  const s = toGroovyString(v);
  return s.charCodeAt(0) === 0 ? KEY_MARK + 's' + s : s;
}

/** The value a map key stands for (what keySet, each, for-in and entry.key give). */
export function keyOf(k: string): Value {
  return k.charCodeAt(0) === 0 ? keyValue(k) : k;
}

/** A map key's Groovy string (`1` for the Integer key 1), as steps and JSON get it. */
export function keyText(k: string): string {
  return k.charCodeAt(0) === 0 ? toGroovyString(keyValue(k)) : k;
}

// ---------------------------------------------------------------------------------------------
// Casts

export function parseJavaInt(s: string, loc: Loc | null, radix = 10): number {
  const t = s;
  const ok = radix === 10 ? /^[+-]?\d+$/.test(t) : radix === 16 ? /^[+-]?[0-9a-fA-F]+$/.test(t) : new RegExp(`^[+-]?[0-${Math.min(radix, 10) - 1}]+$`).test(t);
  if (!ok) throw numberFormat(s, loc);
  return parseInt(t, radix);
}

export function parseJavaNumber(s: string, loc: Loc | null): number {
  const t = s.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[dDfFgG]?$/.test(t)) throw numberFormat(s, loc);
  return Number(t.replace(/[dDfFgG]$/, ''));
}

export function numberFormat(s: string, loc: Loc | null): ScriptError {
  return scriptError('number-format', `For input string: "${s}"`, loc, 'java.lang.NumberFormatException');
}

const INT_TYPES = new Set(['int', 'Integer', 'long', 'Long', 'short', 'Short', 'byte', 'Byte', 'BigInteger', 'java.lang.Integer', 'java.lang.Long', 'java.math.BigInteger']);
const DEC_TYPES = new Set(['double', 'Double', 'float', 'Float', 'BigDecimal', 'Number', 'java.math.BigDecimal', 'java.lang.Double', 'java.lang.Float', 'java.lang.Number']);
const FLOAT_TYPES = new Set(['float', 'Float', 'java.lang.Float']);

/** A number as the Double (or Float) a cast or a typed declaration makes of it. */
function toDoubleType(n: number, t: string): Value {
  return FLOAT_TYPES.has(t) ? floatOf(n) : doubleOf(n);
}
const BIGDEC_TYPES = new Set(['BigDecimal', 'java.math.BigDecimal']);
const STRING_TYPES = new Set(['String', 'java.lang.String', 'GString', 'CharSequence']);
const BOOL_TYPES = new Set(['boolean', 'Boolean', 'java.lang.Boolean']);
const LIST_TYPES = new Set(['List', 'ArrayList', 'Collection', 'Iterable', 'LinkedList', 'java.util.List', 'java.util.ArrayList', 'Object[]', 'String[]', 'def[]']);
const SET_TYPES = new Set(['Set', 'HashSet', 'LinkedHashSet', 'TreeSet', 'SortedSet', 'java.util.Set']);
const MAP_TYPES = new Set(['Map', 'HashMap', 'LinkedHashMap', 'TreeMap', 'java.util.Map', 'java.util.LinkedHashMap']);

/** The Java name of a type as written (`Integer` is java.lang.Integer, `int` stays int), as Groovy's cast errors name it. */
const JAVA_TARGET: Record<string, string> = {
  Integer: 'java.lang.Integer', Long: 'java.lang.Long', Short: 'java.lang.Short', Byte: 'java.lang.Byte', Double: 'java.lang.Double',
  Float: 'java.lang.Float', Boolean: 'java.lang.Boolean', Character: 'java.lang.Character', String: 'java.lang.String',
  CharSequence: 'java.lang.CharSequence', GString: 'groovy.lang.GString', Number: 'java.lang.Number', BigDecimal: 'java.math.BigDecimal',
  BigInteger: 'java.math.BigInteger', List: 'java.util.List', ArrayList: 'java.util.ArrayList', LinkedList: 'java.util.LinkedList',
  Collection: 'java.util.Collection', Iterable: 'java.lang.Iterable', Set: 'java.util.Set', HashSet: 'java.util.HashSet',
  LinkedHashSet: 'java.util.LinkedHashSet', TreeSet: 'java.util.TreeSet', SortedSet: 'java.util.SortedSet', Map: 'java.util.Map',
  HashMap: 'java.util.HashMap', LinkedHashMap: 'java.util.LinkedHashMap', TreeMap: 'java.util.TreeMap', Closure: 'groovy.lang.Closure',
  Pattern: 'java.util.regex.Pattern',
};
const PRIMITIVE_BOX: Record<string, string> = {
  int: 'java.lang.Integer', long: 'java.lang.Long', short: 'java.lang.Short', byte: 'java.lang.Byte', double: 'java.lang.Double',
  float: 'java.lang.Float', char: 'java.lang.Character',
};

function castFail(v: Value, t: string, loc: Loc | null): ScriptError {
  const cls = v === null ? 'null' : javaClassOf(v);
  const target = Object.hasOwn(JAVA_TARGET, t) ? JAVA_TARGET[t]! : t;
  // DefaultTypeTransformation: a null cast to a primitive says which box would take it
  const hint = v === null && Object.hasOwn(PRIMITIVE_BOX, t) ? `. Try '${PRIMITIVE_BOX[t]}' instead` : '';
  return scriptError('cast', `Cannot cast object '${toGroovyString(v)}' with class '${cls}' to class '${target}'${hint}`, loc, 'org.codehaus.groovy.runtime.typehandling.GroovyCastException');
}

/** `v as T`. Unknown target types are refused by the interpreter before this is called. */
export function castTo(v: Value, t: string, loc: Loc | null): Value {
  if (t === 'def' || t === 'Object' || t === 'var') return v;
  if (BOOL_TYPES.has(t)) return groovyTruth(v);
  if (v === null) return t === 'boolean' ? false : null;
  if (STRING_TYPES.has(t)) return toGroovyString(v);
  if (t === 'char' || t === 'Character' || t === 'java.lang.Character') {
    // a char is a one-character String here; a number is its code point, as Groovy casts it
    // (Groovy 2.4 takes a longer String's first character)
    if (typeof v === 'string' && v.length >= 1) return v[0]!;
    if (typeof v === 'number' && (v | 0) === v && v >= 0 && v <= 0xffff) return String.fromCharCode(v);
    throw castFail(v, t, loc);
  }
  if (INT_TYPES.has(t)) {
    if (typeof v === 'number' || v instanceof BigDec || v instanceof LongValue) return toIntegerType(v, t, loc);
    if (v instanceof DoubleValue) return toIntegerType(v.v, t, loc);
    if (typeof v === 'string') {
      const s = v.trim();
      if (/^[+-]?\d+$/.test(s)) return toIntegerType(BigInt(s), t, loc);
      throw numberFormat(v, loc);
    }
    throw castFail(v, t, loc);
  }
  if (BIGDEC_TYPES.has(t)) {
    // `as BigDecimal`: exact from integers and strings ("1.10" keeps its scale)
    if (v instanceof BigDec) return v;
    if (typeof v === 'number') return BigDec.of(v);
    if (v instanceof LongValue) return new BigDec(v.v, 0);
    if (v instanceof DoubleValue) return doubleToDecimal(v, loc);
    if (typeof v === 'string') {
      const d = BigDec.parse(v.trim());
      if (d === null) throw numberFormat(v, loc);
      return d;
    }
    throw castFail(v, t, loc);
  }
  if (DEC_TYPES.has(t)) {
    const number = t === 'Number' || t === 'java.lang.Number';
    if (typeof v === 'number') return number ? v : toDoubleType(v, t);
    if (v instanceof DoubleValue) return number || v.float === FLOAT_TYPES.has(t) ? v : toDoubleType(v.v, t);
    if (v instanceof BigDec) return number ? v : toDoubleType(v.toNumber(), t);
    if (v instanceof LongValue) return number ? v : toDoubleType(Number(v.v), t);
    if (typeof v === 'string') return toDoubleType(parseJavaNumber(v, loc), t);
    throw castFail(v, t, loc);
  }
  if (LIST_TYPES.has(t) || SET_TYPES.has(t)) {
    let l: GList;
    if (Array.isArray(v)) l = [...v];
    else if (typeof v === 'string') l = [...v];
    else if (v instanceof Map) l = [...v].map(([k, x]) => new EntryObject(k, x, v));
    else if (typeof v === 'object' && v.kind === 'range') l = rangeToList(v);
    else if (v instanceof MatcherObject) l = v.toList();
    else l = [v];
    if (SET_TYPES.has(t)) {
      // Groovy's asType: `as Set` is a LinkedHashSet; a set already of that kind is itself
      const kind = setKindOf(t)!;
      if (Array.isArray(v) && setKind(v) === kind) return v;
      return makeSet(l, kind, true);
    }
    // `as String[]` / `as Object[]`: an array (its size is `.length`); a String[] holds each element as a String
    if (t === 'String[]') return javaArray(l.map((x) => (x === null || typeof x === 'string' ? x : toGroovyString(x))));
    if (t === 'Object[]' || t === 'def[]') return javaArray(l);
    return l;
  }
  if (MAP_TYPES.has(t)) {
    if (v instanceof Map) return t === 'TreeMap' ? new Map([...v].sort((x, y) => naturalCompare(keyOf(x[0]), keyOf(y[0])))) : v;
    throw castFail(v, t, loc);
  }
  if (t === 'Closure') {
    if (isClosure(v)) return v;
    throw castFail(v, t, loc);
  }
  if (t === 'Pattern' || t === 'java.util.regex.Pattern') {
    if (v instanceof PatternObject) return v;
    if (typeof v === 'string') return new PatternObject(v);
  }
  throw castFail(v, t, loc);
}

/**
 * A number converted to an integer type, as Groovy's casts do it: int/Integer keep the low 32
 * bits (intValue(), Java's narrowing: `int x = 3000000000` is -1294967296), short 16, byte 8,
 * long/Long 64, BigInteger all; a Double or BigDecimal is truncated first.
 */
/** A Double as a BigDecimal (`as BigDecimal`, toBigDecimal()): from its printed form, as Groovy does (2.0d is 2.0). */
export function doubleToDecimal(v: DoubleValue, loc: Loc | null): BigDec {
  if (!Number.isFinite(v.v)) throw numberFormat(v.toString(), loc);
  return BigDec.parse(v.toString())!;
}

function toIntegerType(v: number | BigDec | LongValue | bigint, t: string, loc: Loc | null): Value {
  let b: bigint;
  if (typeof v === 'bigint') b = v;
  else if (v instanceof LongValue) b = v.v;
  else if (v instanceof BigDec) b = v.toBigInt();
  else if ((v | 0) === v) {
    // the common case: an Integer to int/Integer/long stays a JS number
    if (t === 'int' || t === 'Integer' || t === 'java.lang.Integer') return v;
    b = BigInt(v);
  } else if (!Number.isFinite(v)) return 0;
  else b = BigInt(Math.trunc(v));
  switch (t) {
    case 'int': case 'Integer': case 'java.lang.Integer': return intOf(b);
    case 'short': case 'Short': return Number(BigInt.asIntN(16, b));
    case 'byte': case 'Byte': return Number(BigInt.asIntN(8, b));
    case 'BigInteger': case 'java.math.BigInteger': return bigIntegerOf(b, loc);
  }
  return longOf(b);
}

/** Whether `as T` / typed declarations know the type. */
export function isKnownType(t: string): boolean {
  return t === 'def' || t === 'Object' || t === 'var' || t === 'char' || t === 'Character' || t === 'java.lang.Character' || BOOL_TYPES.has(t) || STRING_TYPES.has(t) || INT_TYPES.has(t) || DEC_TYPES.has(t) ||
    LIST_TYPES.has(t) || SET_TYPES.has(t) || MAP_TYPES.has(t) || t === 'Closure' || t === 'Pattern' || t === 'java.util.regex.Pattern';
}

/** A typed declaration `String s = 5`, `int n = 2.7`: Groovy converts what it can. */
export function coerceDeclared(v: Value, t: string | null, loc: Loc | null): Value {
  if (t === null || t === 'def' || t === 'var' || t === 'Object') return v;
  if (v === null) {
    // castToType(null, int) fails ("... Try 'java.lang.Integer' instead"); a boolean takes null as false
    if (Object.hasOwn(PRIMITIVE_BOX, t)) throw castFail(v, t, loc);
    if (t === 'boolean') return false;
    return null;
  }
  if (STRING_TYPES.has(t)) return typeof v === 'string' ? v : toGroovyString(v);
  if (INT_TYPES.has(t) && (typeof v === 'number' || v instanceof BigDec || v instanceof LongValue)) return toIntegerType(v, t, loc);
  if (INT_TYPES.has(t) && v instanceof DoubleValue) return toIntegerType(v.v, t, loc);
  if (BIGDEC_TYPES.has(t) && typeof v === 'number') return BigDec.of(v);
  if (BIGDEC_TYPES.has(t) && v instanceof DoubleValue) return doubleToDecimal(v, loc);
  if (DEC_TYPES.has(t) && !BIGDEC_TYPES.has(t) && (typeof v === 'number' || v instanceof DoubleValue)) return castTo(v, t, loc);
  if (DEC_TYPES.has(t) && v instanceof LongValue) return BIGDEC_TYPES.has(t) ? new BigDec(v.v, 0) : t === 'Number' ? v : toDoubleType(Number(v.v), t);
  if (DEC_TYPES.has(t) && v instanceof BigDec) return BIGDEC_TYPES.has(t) || t === 'Number' ? v : toDoubleType(v.toNumber(), t);
  if (INT_TYPES.has(t) && typeof v === 'string') {
    if (v.length === 1) return v.charCodeAt(0);
    throw castFail(v, t, loc);
  }
  if (DEC_TYPES.has(t) && typeof v !== 'number') throw castFail(v, t, loc);
  // anything else to a number (a list, a map, a boolean): no conversion
  if (INT_TYPES.has(t) && typeof v !== 'number') throw castFail(v, t, loc);
  if (BOOL_TYPES.has(t)) return groovyTruth(v);
  if ((LIST_TYPES.has(t) || SET_TYPES.has(t)) && !Array.isArray(v)) {
    // castToType makes a collection of a collection (a range) only: a String or a Map is no List
    if (typeof v === 'object' && !(v instanceof Map) && v.kind === 'range') return castTo(v, t, loc);
    throw castFail(v, t, loc);
  }
  if (MAP_TYPES.has(t) && !(v instanceof Map)) throw castFail(v, t, loc);
  return v;
}

/** What a variable or field of a type holds before a value is given: 0, 0.0, false, '\u0000' for primitives, else null. */
export function typedDefault(t: string | null): Value {
  switch (t) {
    case 'int': case 'long': case 'short': case 'byte': return t === 'long' ? longOf(0n) : 0;
    case 'double': case 'float': return toDoubleType(0, t);
    case 'boolean': return false;
    case 'char': return '\u0000';
    default: return null;
  }
}

/**
 * `(int) x`: Groovy's castToType, the typed declaration's conversion, where a one-character
 * String is its character (`(int) 'A'` is 65, `(int) '7'` is 55; `'7' as int` parses it).
 */
export function javaCast(v: Value, t: string, loc: Loc | null): Value {
  if (typeof v === 'string' && (INT_TYPES.has(t) || (DEC_TYPES.has(t) && !BIGDEC_TYPES.has(t) && t !== 'Number'))) {
    if (v.length !== 1) throw castFail(v, t, loc);
    return coerceDeclared(v.charCodeAt(0), t, loc);
  }
  if (t === 'char' || t === 'Character' || t === 'java.lang.Character') return castTo(v, t, loc);
  return coerceDeclared(v, t, loc);
}

/**
 * Whether Groovy's method selection lets a typed parameter take the argument (`def f(String s)`
 * called with 1 is MissingMethodException, as in Groovy: a typed parameter converts nothing but
 * a GString to a String and numbers to wider numbers). A primitive takes no null; a type this
 * does not know (a class of the script, a Jenkins type) is not checked here.
 */
export function paramAccepts(type: string | null, v: Value): boolean {
  if (type === null) return true;
  const lt = type.indexOf('<');
  const full = lt < 0 ? type : type.slice(0, lt);
  const t = full.startsWith('java.') ? full.slice(full.lastIndexOf('.') + 1) : full;
  switch (t) {
    case 'int': case 'long': case 'short': case 'byte': case 'double': case 'float': case 'boolean': case 'char':
      if (v === null) return false;
      break;
    case 'def': case 'Object': case 'var':
      return true;
  }
  if (v === null) return true;
  const rank = typeof v === 'number' ? (Number.isInteger(v) ? ((v | 0) === v ? 1 : 2) : 0) : v instanceof LongValue ? (v.big ? 3 : 2) : 0;
  switch (t) {
    case 'String': case 'CharSequence': case 'GString': return typeof v === 'string' || v instanceof LazyGString;
    case 'int': case 'Integer': case 'short': case 'Short': case 'byte': case 'Byte': return rank === 1;
    case 'long': case 'Long': return rank === 1 || rank === 2;
    case 'BigInteger': return rank >= 1;
    case 'double': case 'Double': case 'float': case 'Float': case 'Number': case 'BigDecimal':
      return typeof v === 'number' || v instanceof LongValue || v instanceof BigDec || v instanceof DoubleValue;
    case 'boolean': case 'Boolean': return typeof v === 'boolean';
    case 'List': case 'ArrayList': return Array.isArray(v) ? setKind(v) === null : isRangeValue(v);
    case 'Collection': case 'Iterable': return Array.isArray(v) || isRangeValue(v);
    case 'Set': return Array.isArray(v) && setKind(v) !== null;
    case 'Map': case 'LinkedHashMap': case 'HashMap': return v instanceof Map;
    case 'Closure': return isClosure(v);
  }
  return true;
}

function isRangeValue(v: Value): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && v.kind === 'range';
}

/** `v instanceof T` for the types scripts test. */
export function instanceOf(v: Value, t: string): boolean {
  const s = t.startsWith('java.') ? t.slice(t.lastIndexOf('.') + 1) : t;
  if (s === 'Object') return v !== null;
  if (v === null) return false;
  switch (s) {
    case 'String': case 'GString': case 'CharSequence': return typeof v === 'string';
    case 'Integer': case 'int': case 'Short': case 'Byte': return typeof v === 'number' && (v | 0) === v;
    case 'Long': case 'long': return typeof v === 'number' ? Number.isInteger(v) && (v | 0) !== v : v instanceof LongValue && !v.big;
    case 'BigInteger': return v instanceof LongValue && v.big;
    case 'BigDecimal': return v instanceof BigDec;
    case 'Double': case 'double': return (typeof v === 'number' && !Number.isInteger(v)) || (v instanceof DoubleValue && !v.float);
    case 'Float': case 'float': return v instanceof DoubleValue && v.float;
    case 'Number': return typeof v === 'number' || v instanceof BigDec || v instanceof LongValue || v instanceof DoubleValue;
    case 'Boolean': case 'boolean': return typeof v === 'boolean';
    case 'List': case 'ArrayList': case 'AbstractList': return Array.isArray(v) ? setKind(v) === null : typeof v === 'object' && !(v instanceof Map) && v.kind === 'range';
    case 'Collection': case 'Iterable': return Array.isArray(v) || (typeof v === 'object' && !(v instanceof Map) && v.kind === 'range');
    case 'Set': case 'AbstractSet': return Array.isArray(v) && setKind(v) !== null;
    case 'HashSet': return Array.isArray(v) && (setKind(v) === 'java.util.HashSet' || setKind(v) === 'java.util.LinkedHashSet');
    case 'LinkedHashSet': case 'TreeSet': case 'SortedSet': return Array.isArray(v) && setKind(v) === setKindOf(s);
    case 'Map': case 'LinkedHashMap': case 'HashMap': case 'AbstractMap': return v instanceof Map;
    case 'Closure': return isClosure(v);
    case 'Range': case 'IntRange': return typeof v === 'object' && !Array.isArray(v) && !(v instanceof Map) && v.kind === 'range';
    case 'Pattern': return v instanceof PatternObject;
    case 'Matcher': return v instanceof MatcherObject;
  }
  return isHostObject(v) && (v.typeName === t || v.typeName.endsWith('.' + s));
}
