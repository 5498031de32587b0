// Methods on numbers and booleans, and the few static Java methods scripts may call
// (Integer.parseInt, Math.max, String.valueOf, ...). Everything else on a class is refused.
import type { Loc } from '../../core/build.ts';
import { notSupported, scriptError, type ScriptError } from './errors.ts';
import { javaToString, sprintf, toGroovyString } from './format.ts';
import { arithmetic, groovyCompare, groovyTruth, javaEquals, numberFormat, parseJavaInt, parseJavaNumber } from './groovy-ops.ts';
import { argClosure, argInt, arity, isJavaArray, noSignature, type Method } from './methods-common.ts';
import type { Value } from './values.ts';
import { javaClassOf } from './java-types.ts';
import { BigDec, isDecimal } from './decimal.ts';
import { LongValue, longOf } from './integers.ts';
import { DoubleValue, doubleOf, floatOf, javaDoubleString, setDoubleMethods } from './double-value.ts';
import { doubleToDecimal } from './groovy-ops.ts';
import { STATIC_ALIASES as ALIASES } from './static-names.ts';
import { longPair, mathIntegral, mathOne, mathPair } from './math-overloads.ts';
import { groovyPrettyPrint, groovyToJson } from './groovy-json.ts';

function intOf(n: number): number {
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** intValue(): Java's narrowing to 32 bits. */
function int32Of(n: number): number {
  return (n | 0) === n ? n : Number(BigInt.asIntN(32, BigInt(intOf(n))));
}

/** intdiv with a Long or BigInteger divisor. */
function integerOpOrFail(name: string, n: number, d: LongValue, loc: Loc | null): Value {
  if (d.v === 0n) throw scriptError('arithmetic', '/ by zero', loc, 'java.lang.ArithmeticException');
  const q = BigInt(intOf(n)) / d.v;
  return d.big ? new LongValue(q, true) : longOf(q);
}

/** Groovy's round(places) on a double: half up. */
function roundPlaces(n: number, places: number): number {
  const f = 10 ** places;
  return Math.round(n * f) / f;
}

export const numberMethods: Map<string, Method<number>> = new Map<string, Method<number>>([
  ['abs', (n, _a, env) => (n === -2147483648 ? n : Number.isSafeInteger(n) || !Number.isInteger(n) ? Math.abs(n) : arithmetic('*', n, -1, env.loc))],
  ['intdiv', (n, a, env) => {
    if (!Number.isInteger(n)) return doubleMethod(new DoubleValue(n, false), 'intdiv', a, env.loc)!;
    const d = a[0];
    if (d instanceof LongValue) return integerOpOrFail('intdiv', n, d, env.loc);
    if (typeof d !== 'number') throw noSignature(n, 'intdiv', a, env.loc);
    if (Math.trunc(d) === 0) throw scriptError('arithmetic', '/ by zero', env.loc, 'java.lang.ArithmeticException');
    // Integer.intdiv(Integer) is an int division (MIN_VALUE.intdiv(-1) wraps); a Long divides in 64 bits
    if ((n | 0) === n && (d | 0) === d) return (n / d) | 0;
    return longOf(BigInt(intOf(n)) / BigInt(Math.trunc(d)));
  }],
  ['toString', (n, a, env) => {
    if (a.length === 1) return intOf(n).toString(argInt(n, 'toString', a, 0, env.loc));
    return toGroovyString(n);
  }],
  ['toInteger', (n) => int32Of(n)],
  ['toLong', (n) => longOf(BigInt(intOf(n)))],
  ['toBigInteger', (n) => new LongValue(BigInt(intOf(n)), true)],
  ['toShort', (n) => Number(BigInt.asIntN(16, BigInt(intOf(n))))],
  ['intValue', (n) => int32Of(n)],
  ['longValue', (n) => longOf(BigInt(intOf(n)))],
  ['shortValue', (n) => Number(BigInt.asIntN(16, BigInt(intOf(n))))],
  ['toDouble', (n) => doubleOf(n)],
  ['toFloat', (n) => floatOf(n)],
  ['toBigDecimal', (n) => BigDec.of(n)],
  ['doubleValue', (n) => doubleOf(n)],
  ['floatValue', (n) => floatOf(n)],
  ['round', (n, a, env) => {
    arity(n, 'round', a, 0, 1, env.loc);
    if (a.length === 1) return doubleOf(roundPlaces(n, argInt(n, 'round', a, 0, env.loc)));
    // Math.round(double) is a long
    return Number.isInteger(n) ? n : longOf(BigInt(Math.round(n)));
  }],
  ['trunc', (n, a, env) => doubleOf(a.length === 1 ? Math.trunc(n * 10 ** argInt(n, 'trunc', a, 0, env.loc)) / 10 ** argInt(n, 'trunc', a, 0, env.loc) : Math.trunc(n))],
  ['plus', (n, a, env) => (arity(n, 'plus', a, 1, 1, env.loc), arithmetic('+', n, a[0] ?? null, env.loc))],
  ['minus', (n, a, env) => (arity(n, 'minus', a, 1, 1, env.loc), arithmetic('-', n, a[0] ?? null, env.loc))],
  ['multiply', (n, a, env) => (arity(n, 'multiply', a, 1, 1, env.loc), arithmetic('*', n, a[0] ?? null, env.loc))],
  ['div', (n, a, env) => (arity(n, 'div', a, 1, 1, env.loc), arithmetic('/', n, a[0] ?? null, env.loc))],
  ['mod', (n, a, env) => (arity(n, 'mod', a, 1, 1, env.loc), arithmetic('%', n, a[0] ?? null, env.loc))],
  ['power', (n, a, env) => (arity(n, 'power', a, 1, 1, env.loc), arithmetic('**', n, a[0] ?? null, env.loc))],
  ['compareTo', (n, a, env) => groovyCompare(n, a[0] ?? null, env.loc)],
  // Integer.equals / Double.equals: the same class and value (1.equals(1L) is false; == coerces)
  ['equals', (n, a) => javaEquals(n, a[0] ?? null)],
  ['next', (n, _a, env) => arithmetic('+', n, 1, env.loc)],
  ['previous', (n, _a, env) => arithmetic('-', n, 1, env.loc)],
  ['asBoolean', (n) => n !== 0],
  ['isNaN', (n) => Number.isNaN(n)],
  ['times', async (n, a, env) => {
    const c = argClosure(n, 'times', a, 0, env.loc);
    for (let i = 0; i < n; i++) await env.call(c, [i]);
    return null;
  }],
  ['upto', async (n, a, env) => {
    const to = a[0];
    if (typeof to !== 'number') throw noSignature(n, 'upto', a, env.loc);
    const c = argClosure(n, 'upto', a, 1, env.loc);
    for (let i = n; i <= to; i++) await env.call(c, [i]);
    return null;
  }],
  ['downto', async (n, a, env) => {
    const to = a[0];
    if (typeof to !== 'number') throw noSignature(n, 'downto', a, env.loc);
    const c = argClosure(n, 'downto', a, 1, env.loc);
    for (let i = n; i >= to; i--) await env.call(c, [i]);
    return null;
  }],
  ['step', async (n, a, env) => {
    const to = a[0];
    const step = a[1];
    if (typeof to !== 'number' || typeof step !== 'number' || step === 0) throw noSignature(n, 'step', a, env.loc);
    const c = argClosure(n, 'step', a, 2, env.loc);
    if (step > 0) for (let i = n; i < to; i += step) await env.call(c, [i]);
    else for (let i = n; i > to; i += step) await env.call(c, [i]);
    return null;
  }],
]);

/** The methods scripts call on a whole Double or a Float (double-value.ts); undefined = not one. */
function doubleMethod(d: DoubleValue, name: string, a: Value[], loc: Loc | null): Value | undefined {
  const env = { loc } as never;
  const same = (n: number): Value => (d.float ? floatOf(n) : doubleOf(n));
  switch (name) {
    case 'toString': return a.length === 0 ? d.toString() : undefined;
    case 'toDouble': case 'doubleValue': return d.float ? doubleOf(d.v) : d;
    case 'toFloat': case 'floatValue': return d.float ? d : floatOf(d.v);
    case 'toBigDecimal': return doubleToDecimal(d, loc);
    case 'equals': return a[0] instanceof DoubleValue && a[0].float === d.float && (Object.is(a[0].v, d.v) || (Number.isNaN(a[0].v) && Number.isNaN(d.v))); // Double.equals: -0.0 is not 0.0
    case 'compareTo': return groovyCompare(d, a[0] ?? null, loc);
    case 'abs': return same(Math.abs(d.v));
    case 'negate': return same(-d.v);
    case 'round':
      if (a.length === 0) return d.float ? int32Of(Math.round(d.v)) : longOf(BigInt(intOf(Math.round(d.v))));
      if (a.length === 1 && typeof a[0] === 'number') return same(roundPlaces(d.v, a[0]));
      return undefined;
    case 'trunc':
      if (a.length === 0) return same(Math.trunc(d.v));
      return undefined;
    case 'intdiv':
      throw scriptError('unsupported', `Cannot use intdiv() on this number type: ${d.typeName} with value: ${d.toString()}`, loc, 'java.lang.UnsupportedOperationException');
    case 'isNaN': return Number.isNaN(d.v);
    case 'isInfinite': return !Number.isFinite(d.v) && !Number.isNaN(d.v);
    case 'hashCode': return d.float ? new Int32Array(new Float32Array([d.v]).buffer)[0]! : javaDoubleHash(d.v);
    case 'plus': return arity(d as never, name, a, 1, 1, loc as Loc), arithmetic('+', d, a[0] ?? null, loc);
    case 'minus': return arity(d as never, name, a, 1, 1, loc as Loc), arithmetic('-', d, a[0] ?? null, loc);
    case 'multiply': return arity(d as never, name, a, 1, 1, loc as Loc), arithmetic('*', d, a[0] ?? null, loc);
    case 'div': return arity(d as never, name, a, 1, 1, loc as Loc), arithmetic('/', d, a[0] ?? null, loc);
    case 'mod': return arity(d as never, name, a, 1, 1, loc as Loc), arithmetic('%', d, a[0] ?? null, loc);
    case 'power': return arity(d as never, name, a, 1, 1, loc as Loc), arithmetic('**', d, a[0] ?? null, loc);
    case 'next': return arithmetic('+', d, 1, loc);
    case 'previous': return arithmetic('-', d, 1, loc);
  }
  const m = numberMethods.get(name);
  switch (name) {
    case 'toInteger': case 'toLong': case 'toBigInteger': case 'toShort': case 'intValue': case 'longValue': case 'shortValue': case 'asBoolean':
      return m!(d.v, a, env) as Value;
  }
  return undefined;
}

/** Double.hashCode(): the high and low words of its bits, xor-ed. */
function javaDoubleHash(n: number): number {
  const b = new DataView(new ArrayBuffer(8));
  b.setFloat64(0, n);
  return (b.getInt32(0) ^ b.getInt32(4)) | 0;
}

setDoubleMethods(doubleMethod);

export const booleanMethods: Map<string, Method<boolean>> = new Map<string, Method<boolean>>([
  ['toString', (b) => String(b)],
  ['booleanValue', (b) => b],
  ['asBoolean', (b) => b],
  ['equals', (b, a) => b === a[0]],
  ['and', (b, a) => b && groovyTruth(a[0] ?? null)],
  ['or', (b, a) => b || groovyTruth(a[0] ?? null)],
  ['xor', (b, a) => b !== groovyTruth(a[0] ?? null)],
  ['implies', (b, a) => !b || groovyTruth(a[0] ?? null)],
]);

// ---------------------------------------------------------------------------------------------
// Static methods on classes

type Static = (args: Value[], loc: Loc) => Value;

function num(args: Value[], i: number, cls: string, name: string, loc: Loc): number {
  const a = args[i];
  const v = isDecimal(a) ? a.toNumber() : a instanceof DoubleValue ? a.v : a instanceof LongValue ? Number(a.v) : a;
  if (typeof v !== 'number') throw noStaticSignature(cls, name, args, loc);
  return v;
}

function str(args: Value[], i: number, cls: string, name: string, loc: Loc): string {
  const v = args[i];
  if (typeof v !== 'string') throw noStaticSignature(cls, name, args, loc);
  return v;
}

/** Groovy's MissingMethodException for a static method: `static java.lang.Math.pow() is applicable for argument types: (null, java.lang.Integer) values: [null, 2]`. */
function noStaticSignature(cls: string, name: string, args: Value[], loc: Loc): ScriptError {
  const types = args.map((a) => (a === null ? 'null' : javaClassOf(a))).join(', ');
  const values = args.map((a) => toGroovyString(a)).join(', ');
  const shown = values.length > 200 ? values.slice(0, 200) + '...' : values;
  return scriptError('no-such-method', `No signature of method: static ${cls.includes('.') ? cls : 'java.lang.' + cls}.${name}() is applicable for argument types: (${types}) values: [${shown}]`, loc, 'groovy.lang.MissingMethodException');
}

/** String.format(null, ...): format(String, Object...) takes the null, and Formatter fails on it. */
function nullFormat(loc: Loc): never {
  throw scriptError('null', 'Cannot invoke "String.length()" because "s" is null', loc, 'java.lang.NullPointerException');
}

function parseIntArg(args: Value[], cls: string, name: string, loc: Loc): Value {
  const v = args[0];
  // parseInt(String) is the one overload that takes null (Java: NumberFormatException)
  if (v === null && args.length <= 2) throw scriptError('number-format', 'Cannot parse null string', loc, 'java.lang.NumberFormatException');
  if (typeof v === 'number') return cls === 'Long' ? longOf(BigInt(Math.trunc(v))) : Math.trunc(v);
  if (v instanceof LongValue) return cls === 'Long' ? v : Number(BigInt.asIntN(32, v.v));
  const s = str(args, 0, cls, name, loc);
  const radix = args.length > 1 ? num(args, 1, cls, name, loc) : 10;
  parseJavaInt(s, loc, radix); // the digits are valid for the radix, or NumberFormatException
  // Integer.parseInt / Long.parseLong: the value must fit the type, as Java checks
  const neg = s.startsWith('-');
  const digits = s.replace(/^[+-]/, '');
  let b = 0n;
  const r = BigInt(radix);
  for (const c of digits) b = b * r + BigInt(parseInt(c, radix));
  if (neg) b = -b;
  if (cls === 'Long') {
    if (b !== BigInt.asIntN(64, b)) throw numberFormat(s, loc);
    return longOf(b);
  }
  if (b !== BigInt.asIntN(32, b)) throw numberFormat(s, loc);
  return Number(b);
}


const STATICS: Record<string, Record<string, Static>> = {
  Integer: {
    parseInt: (a, loc) => parseIntArg(a, 'Integer', 'parseInt', loc),
    valueOf: (a: Value[], loc: Loc) => parseIntArg(a, 'Integer', 'valueOf', loc),
    toString: (a: Value[], loc: Loc) => (a.length > 1 ? Math.trunc(num(a, 0, 'Integer', 'toString', loc)).toString(num(a, 1, 'Integer', 'toString', loc)) : toGroovyString(num(a, 0, 'Integer', 'toString', loc))),
    toHexString: (a, loc) => (num(a, 0, 'Integer', 'toHexString', loc) >>> 0).toString(16),
    toBinaryString: (a, loc) => (num(a, 0, 'Integer', 'toBinaryString', loc) >>> 0).toString(2),
    max: (a, loc) => Math.max(num(a, 0, 'Integer', 'max', loc), num(a, 1, 'Integer', 'max', loc)),
    min: (a, loc) => Math.min(num(a, 0, 'Integer', 'min', loc), num(a, 1, 'Integer', 'min', loc)),
    compare: (a, loc) => Math.sign(num(a, 0, 'Integer', 'compare', loc) - num(a, 1, 'Integer', 'compare', loc)),
    sum: (a, loc) => num(a, 0, 'Integer', 'sum', loc) + num(a, 1, 'Integer', 'sum', loc),
  },
  Long: {
    parseLong: (a, loc) => parseIntArg(a, 'Long', 'parseLong', loc),
    valueOf: (a: Value[], loc: Loc) => parseIntArg(a, 'Long', 'valueOf', loc),
    toString: (a: Value[], loc: Loc) => toGroovyString(num(a, 0, 'Long', 'toString', loc)),
    max: (a, loc) => longPair('max', a, loc),
    min: (a, loc) => longPair('min', a, loc),
  },
  Double: {
    parseDouble: (a, loc) => {
      if (a.length === 1 && a[0] === null) throw scriptError('null', 'Cannot invoke "String.trim()" because "in" is null', loc, 'java.lang.NullPointerException');
      return doubleOf(parseJavaNumber(str(a, 0, 'Double', 'parseDouble', loc), loc));
    },
    valueOf: (a: Value[], loc: Loc) => doubleOf(typeof a[0] === 'string' ? parseJavaNumber(a[0], loc) : num(a, 0, 'Double', 'valueOf', loc)),
    toString: (a: Value[], loc: Loc) => javaDoubleString(num(a, 0, 'Double', 'toString', loc)),
    isNaN: (a, loc) => Number.isNaN(num(a, 0, 'Double', 'isNaN', loc)),
  },
  Float: {
    parseFloat: (a, loc) => floatOf(parseJavaNumber(str(a, 0, 'Float', 'parseFloat', loc), loc)),
    valueOf: (a: Value[], loc: Loc) => floatOf(typeof a[0] === 'string' ? parseJavaNumber(a[0], loc) : num(a, 0, 'Float', 'valueOf', loc)),
  },
  Boolean: {
    parseBoolean: (a) => typeof a[0] === 'string' && a[0].toLowerCase() === 'true',
    valueOf: (a: Value[]) => (typeof a[0] === 'boolean' ? a[0] : typeof a[0] === 'string' && a[0].toLowerCase() === 'true'),
    toString: (a: Value[]) => String(a[0] === true),
  },
  String: {
    // Java's toString, not Groovy's: String.valueOf([a: 1]) is {a=1}
    valueOf: (a: Value[]) => javaToString(a[0] ?? null),
    // String.format(String, Object...): an array spreads into the arguments, a List is one argument (`[1, 2]`)
    format: (a, loc) => sprintf(a.length >= 1 && a[0] === null ? nullFormat(loc) : str(a, 0, 'String', 'format', loc), a.length === 2 && Array.isArray(a[1]) && isJavaArray(a[1]) ? a[1] : a.slice(1), loc),
    join: (a, loc) => {
      const sep = str(a, 0, 'String', 'join', loc);
      const items = a.length === 2 && Array.isArray(a[1]) ? a[1] : a.slice(1);
      return items.map((x) => toGroovyString(x)).join(sep);
    },
  },
  Math: {
    // max/min/abs/round: the int, long, float or double overload Groovy picks for the arguments (math-overloads.ts)
    max: (a, loc) => mathPair('max', a, loc)!,
    min: (a, loc) => mathPair('min', a, loc)!,
    abs: (a, loc) => mathOne('abs', a, loc)!,
    round: (a, loc) => mathOne('round', a, loc)!,
    ceil: (a, loc) => doubleOf(Math.ceil(num(a, 0, 'Math', 'ceil', loc))),
    floor: (a, loc) => doubleOf(Math.floor(num(a, 0, 'Math', 'floor', loc))),
    pow: (a, loc) => doubleOf(num(a, 0, 'Math', 'pow', loc) ** num(a, 1, 'Math', 'pow', loc)),
    sqrt: (a, loc) => doubleOf(Math.sqrt(num(a, 0, 'Math', 'sqrt', loc))),
    log: (a, loc) => doubleOf(Math.log(num(a, 0, 'Math', 'log', loc))),
    log10: (a, loc) => doubleOf(Math.log10(num(a, 0, 'Math', 'log10', loc))),
    // signum's float/double overload and the int/long ones of floorDiv/floorMod, as Groovy picks them (math-overloads.ts)
    signum: (a, loc) => mathIntegral('signum', a, loc)!,
    floorDiv: (a, loc) => mathIntegral('floorDiv', a, loc)!,
    floorMod: (a, loc) => mathIntegral('floorMod', a, loc)!,
    random: () => Math.random(),
  },
  System: {
    currentTimeMillis: () => Date.now(),
    nanoTime: () => Math.round(performance.now() * 1e6),
    lineSeparator: () => '\n',
    getenv: (_a, loc) => { throw notSupported('System.getenv()', loc, 'read environment variables with env.NAME'); },
    getProperty: (_a, loc) => { throw notSupported('System.getProperty()', loc, "the controller's JVM properties are not available to scripts"); },
    exit: (_a, loc) => { throw notSupported('System.exit()', loc, "end the build with error('message')"); },
    setProperty: (_a, loc) => { throw notSupported('System.setProperty()', loc); },
  },
  Thread: {
    sleep: (_a, loc) => { throw notSupported('Thread.sleep()', loc, 'use the sleep step: sleep(time: 5, unit: "SECONDS")'); },
  },
  JsonOutput: {
    // Groovy 2.4's writer and layout (groovy-json.ts): `2.0`, `1.10`, \u00e9, NaN refused
    toJson: (a, loc) => groovyToJson(a[0] ?? null, loc),
    prettyPrint: (a, loc) => groovyPrettyPrint(str(a, 0, 'JsonOutput', 'prettyPrint', loc), loc),
  },
  URLEncoder: {
    encode: (a, loc) => encodeURIComponent(str(a, 0, 'URLEncoder', 'encode', loc)).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
  },
  URLDecoder: {
    decode: (a, loc) => {
      try {
        return decodeURIComponent(str(a, 0, 'URLDecoder', 'decode', loc).replace(/\+/g, ' '));
      } catch {
        throw scriptError('url', 'URLDecoder: malformed escape', loc, 'java.lang.IllegalArgumentException');
      }
    },
  },
  UUID: {
    randomUUID: () => crypto.randomUUID(),
  },
  Character: {
    isDigit: (a) => typeof a[0] === 'string' && /^\d$/.test(a[0]),
    isLetter: (a) => typeof a[0] === 'string' && /^\p{L}$/u.test(a[0]),
    isLetterOrDigit: (a) => typeof a[0] === 'string' && /^[\p{L}\d]$/u.test(a[0]),
    isWhitespace: (a) => typeof a[0] === 'string' && /^\s$/.test(a[0]),
    isUpperCase: (a) => typeof a[0] === 'string' && a[0].length > 0 && a[0] === a[0].toUpperCase() && a[0] !== a[0].toLowerCase(),
    isLowerCase: (a) => typeof a[0] === 'string' && a[0].length > 0 && a[0] === a[0].toLowerCase() && a[0] !== a[0].toUpperCase(),
    toUpperCase: (a) => (typeof a[0] === 'string' ? a[0].toUpperCase() : a[0] ?? null),
    toLowerCase: (a) => (typeof a[0] === 'string' ? a[0].toLowerCase() : a[0] ?? null),
  },
};

const STATIC_PROPS: Record<string, Record<string, Value>> = {
  Integer: { MAX_VALUE: 2147483647, MIN_VALUE: -2147483648 },
  Long: { MAX_VALUE: new LongValue(9223372036854775807n, false), MIN_VALUE: new LongValue(-9223372036854775808n, false) },
  Math: { PI: Math.PI, E: Math.E },
  Double: { MAX_VALUE: doubleOf(Number.MAX_VALUE), MIN_VALUE: Number.MIN_VALUE },
};


/** Each class's static method names, as the table has them (test/pipeline/script: static-names.ts must say the same). */
export function staticMethodNames(): Record<string, string[]> {
  return Object.fromEntries(Object.entries(STATICS).map(([c, t]) => [c, Object.keys(t)]));
}

export function staticClassName(name: string): string | null {
  const n = ALIASES[name] ?? name;
  return Object.hasOwn(STATICS, n) ? n : null;
}

/** Calls a whitelisted static method, or refuses it. */
export function callStatic(cls: string, method: string, args: Value[], loc: Loc): Value {
  const c = ALIASES[cls] ?? cls;
  const fn = Object.hasOwn(STATICS, c) ? STATICS[c]![method] : undefined;
  if (fn === undefined || !Object.hasOwn(STATICS[c]!, method)) {
    throw notSupported(`${cls}.${method}()`, loc, `${cls} offers scripts only ${Object.keys(STATICS[c] ?? {}).join(', ') || 'nothing'}`);
  }
  return fn(args, loc);
}

export function getStatic(cls: string, prop: string, loc: Loc): Value {
  const c = ALIASES[cls] ?? cls;
  if (c === 'System' && (prop === 'out' || prop === 'err')) throw notSupported(`System.${prop}`, loc, 'print with echo or println');
  const props = STATIC_PROPS[c];
  if (props && Object.hasOwn(props, prop)) return props[prop] ?? null;
  throw notSupported(`the static field ${cls}.${prop}`, loc);
}

/** `new String(bytes)` and `new String('x')`: the only constructor of a non-exception class Kiln runs. */
export function newString(args: Value[], loc: Loc): Value {
  const a = args[0] ?? null;
  if (args.length === 0) return '';
  if (typeof a === 'string') return a;
  if (Array.isArray(a) && a.every((b) => typeof b === 'number' && Number.isInteger(b))) {
    return Buffer.from((a as number[]).map((b) => b & 0xff)).toString('utf8');
  }
  throw notSupported(`new String(${args.map((x) => toGroovyString(x)).join(', ')})`, loc);
}
