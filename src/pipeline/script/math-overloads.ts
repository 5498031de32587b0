// Math.max/min/abs/round as Groovy 2.4 calls them: the overload (int, long, float or double) is
// the one Groovy's method selection picks for the arguments' run-time types, and the result has
// that overload's type.
//
// Why: Java's Math has max(int,int), max(long,long), max(float,float) and max(double,double);
// Groovy picks by its own parameter distances, not Java's rules, so `Math.max(1L, 2)` is the Long
// 2, `Math.max(3, 2.5f)` the Float 3.0, `Math.round(2.5d)` the Long 3 but `Math.round(2L)` the
// Integer 2 (round(float) is nearer a Long than round(double)), `Math.max(1G, 2)` an Integer, and
// `Math.max(1, 2.5)` (a BigDecimal) is ambiguous between the double and float overloads.
//
// How: each argument is one of six kinds (Integer, Long, BigInteger, Float, Double, BigDecimal);
// the tables below give the overload for each kind (abs, round) or pair of kinds (max, min),
// as Groovy 2.4.21 on Java 17 chooses them (checked by running each combination). The value is
// converted as Java converts it to the overload's parameter type (a BigInteger to int keeps the
// low 32 bits, a long to float rounds to 24 bits), then Java's function is applied.
import type { Loc } from '../../core/build.ts';
import { scriptError } from './errors.ts';
import { toGroovyString } from './format.ts';
import { isDecimal } from './decimal.ts';
import { DoubleValue, doubleOf, floatOf } from './double-value.ts';
import { LongValue, longOf } from './long-value.ts';
import { javaClassOf } from './java-types.ts';
import type { Value } from './values.ts';

type Kind = 'I' | 'L' | 'BI' | 'F' | 'D' | 'BD';
/** A Java overload's parameter type; 'ambiguous' is Groovy's error between double and float. */
type Overload = 'int' | 'long' | 'float' | 'double' | 'ambiguous';

const KINDS: readonly Kind[] = ['I', 'L', 'BI', 'F', 'D', 'BD'];

function kindOf(v: Value): Kind | null {
  if (typeof v === 'number') return Number.isInteger(v) ? ((v | 0) === v ? 'I' : 'L') : 'D';
  if (v instanceof LongValue) return v.big ? 'BI' : 'L';
  if (v instanceof DoubleValue) return v.float ? 'F' : 'D';
  if (isDecimal(v)) return 'BD';
  return null;
}

const ONE: Record<'abs' | 'round', Record<Kind, Overload>> = {
  abs: { I: 'int', L: 'long', BI: 'int', F: 'float', D: 'double', BD: 'double' },
  // round(float) / round(double): the parameter type; the result is int / long
  round: { I: 'float', L: 'float', BI: 'double', F: 'float', D: 'double', BD: 'double' },
};

// max and min: rows are the first argument's kind, columns the second's, in KINDS' order
const PAIR: Record<Kind, readonly Overload[]> = {
  I: ['int', 'long', 'int', 'float', 'double', 'ambiguous'],
  L: ['long', 'long', 'ambiguous', 'float', 'double', 'ambiguous'],
  BI: ['int', 'ambiguous', 'int', 'double', 'double', 'double'],
  F: ['float', 'float', 'double', 'float', 'double', 'double'],
  D: ['double', 'double', 'double', 'double', 'double', 'double'],
  BD: ['ambiguous', 'ambiguous', 'double', 'double', 'double', 'double'],
};

/** The argument as Java converts it to the parameter type: int/long as a bigint, float/double as a number. */
function asInt(v: Value): bigint {
  if (v instanceof LongValue) return BigInt.asIntN(32, v.v);
  return BigInt.asIntN(32, BigInt(v as number));
}

function asLong(v: Value): bigint {
  if (v instanceof LongValue) return BigInt.asIntN(64, v.v);
  return BigInt(v as number);
}

function asDouble(v: Value): number {
  if (typeof v === 'number') return v;
  if (v instanceof LongValue) return Number(v.v);
  if (v instanceof DoubleValue) return v.v;
  if (isDecimal(v)) return v.toNumber();
  return NaN;
}

function noMethod(name: string, args: Value[], loc: Loc): never {
  throw scriptError('no-such-method', `No signature of method: static java.lang.Math.${name}() is applicable for argument types: (${args.map((a) => (a === null ? 'null' : javaClassOf(a))).join(', ')}) values: [${args.map((a) => toGroovyString(a)).join(', ')}]`, loc, 'groovy.lang.MissingMethodException');
}

function ambiguous(name: string, args: Value[], loc: Loc): never {
  throw scriptError('ambiguous-method', `Ambiguous method overloading for method java.lang.Math#${name}.\nCannot resolve which method to invoke for [${args.map((a) => `class ${javaClassOf(a)}`).join(', ')}] due to overlapping prototypes between:\n\t[double, double]\n\t[float, float]`, loc, 'groovy.lang.GroovyRuntimeException');
}

/** Math.abs / Math.round of one argument, or undefined when `name` is neither. */
export function mathOne(name: string, args: Value[], loc: Loc): Value | undefined {
  if (name !== 'abs' && name !== 'round') return undefined;
  const k = args.length === 1 ? kindOf(args[0] ?? null) : null;
  if (k === null) noMethod(name, args, loc);
  const x = args[0]!;
  const o = ONE[name][k];
  if (name === 'round') {
    // Java's Math.round: floor(x + 0.5), NaN → 0, clamped to the result type
    if (o === 'float') {
      const f = Math.fround(asDouble(x));
      const r = Number.isNaN(f) ? 0 : Math.floor(Math.fround(f + 0.5));
      return Math.max(-2147483648, Math.min(2147483647, r));
    }
    const d = asDouble(x);
    if (Number.isNaN(d)) return longOf(0n);
    if (!Number.isFinite(d) || Math.abs(d) >= 2 ** 63) return longOf(d > 0 ? 9223372036854775807n : -9223372036854775808n);
    return longOf(BigInt(Math.floor(d + 0.5)));
  }
  switch (o) {
    case 'int': {
      const i = asInt(x);
      return Number(BigInt.asIntN(32, i < 0n ? -i : i));
    }
    case 'long': {
      const l = asLong(x);
      return longOf(BigInt.asIntN(64, l < 0n ? -l : l));
    }
    case 'float': return floatOf(Math.abs(Math.fround(asDouble(x))));
    default: return doubleOf(Math.abs(asDouble(x)));
  }
}

/** Math.max / Math.min of two arguments, or undefined when `name` is neither. */
export function mathPair(name: string, args: Value[], loc: Loc): Value | undefined {
  if (name !== 'max' && name !== 'min') return undefined;
  const a = args.length === 2 ? kindOf(args[0] ?? null) : null;
  const b = args.length === 2 ? kindOf(args[1] ?? null) : null;
  if (a === null || b === null) noMethod(name, args, loc);
  const o = PAIR[a][KINDS.indexOf(b)]!;
  const x = args[0]!;
  const y = args[1]!;
  const max = name === 'max';
  switch (o) {
    case 'ambiguous': return ambiguous(name, args, loc);
    case 'int': {
      const p = asInt(x);
      const q = asInt(y);
      return Number(max ? (p > q ? p : q) : (p < q ? p : q));
    }
    case 'long': {
      const p = asLong(x);
      const q = asLong(y);
      return longOf(max ? (p > q ? p : q) : (p < q ? p : q));
    }
    case 'float': {
      const p = Math.fround(asDouble(x));
      const q = Math.fround(asDouble(y));
      return floatOf(max ? Math.max(p, q) : Math.min(p, q));
    }
    default: {
      const p = asDouble(x);
      const q = asDouble(y);
      return doubleOf(max ? Math.max(p, q) : Math.min(p, q));
    }
  }
}

function overflow(long: boolean, loc: Loc): never {
  throw scriptError('arithmetic', long ? 'long overflow' : 'integer overflow', loc, 'java.lang.ArithmeticException');
}

/** An exact int or long result, or Java's ArithmeticException when it does not fit. */
function exact(r: bigint, long: boolean, loc: Loc): Value {
  if (r !== BigInt.asIntN(long ? 64 : 32, r)) overflow(long, loc);
  return long ? longOf(r) : Number(r);
}

const INT_MATH = new Set(['floorDiv', 'floorMod', 'addExact', 'subtractExact', 'multiplyExact', 'negateExact', 'incrementExact', 'decrementExact', 'toIntExact']);

/**
 * Math's int/long methods (floorDiv, floorMod, the *Exact ones) and signum, or undefined for
 * another name. The int overload when every argument is an Integer, else the long one (Java 9+
 * also has floorDiv/floorMod(long, int): floorMod's result is then an int); the *Exact ones
 * throw Java's ArithmeticException ('integer overflow' / 'long overflow') where Java does.
 * signum has float and double overloads, picked as round's are.
 */
export function mathIntegral(name: string, args: Value[], loc: Loc): Value | undefined {
  if (name === 'signum') {
    const k = args.length === 1 ? kindOf(args[0] ?? null) : null;
    if (k === null) noMethod(name, args, loc);
    const d = asDouble(args[0]!);
    return ONE.round[k] === 'float' ? floatOf(Math.sign(Math.fround(d))) : doubleOf(Math.sign(d));
  }
  if (!INT_MATH.has(name)) return undefined;
  const arity = name === 'negateExact' || name === 'incrementExact' || name === 'decrementExact' || name === 'toIntExact' ? 1 : 2;
  const kinds = args.map((a) => kindOf(a));
  if (args.length !== arity || !kinds.every((k) => k === 'I' || k === 'L')) noMethod(name, args, loc);
  const long = name === 'toIntExact' || kinds.includes('L');
  const [x, y] = args.map((a) => asLong(a)) as [bigint, bigint];
  switch (name) {
    case 'toIntExact': return exact(x, false, loc);
    case 'negateExact': return exact(-x, long, loc);
    case 'incrementExact': return exact(x + 1n, long, loc);
    case 'decrementExact': return exact(x - 1n, long, loc);
    case 'addExact': return exact(x + y, long, loc);
    case 'subtractExact': return exact(x - y, long, loc);
    case 'multiplyExact': return exact(x * y, long, loc);
  }
  if (y === 0n) throw scriptError('arithmetic', '/ by zero', loc, 'java.lang.ArithmeticException');
  // floorDiv / floorMod: the quotient rounded down; Integer.MIN_VALUE / -1 wraps as Java's does
  let q = x / y;
  if ((x % y !== 0n) && ((x < 0n) !== (y < 0n))) q -= 1n;
  if (name === 'floorDiv') return long ? longOf(BigInt.asIntN(64, q)) : Number(BigInt.asIntN(32, q));
  const m = x - q * y;
  // floorMod(long, int) is an int (Java 9)
  return long && kinds[1] === 'L' ? longOf(m) : Number(m);
}

/** Long.max / Long.min: always the long overload. */
export function longPair(name: 'max' | 'min', args: Value[], loc: Loc): Value {
  const kinds = args.map((a) => kindOf(a));
  if (args.length !== 2 || !kinds.every((k) => k === 'I' || k === 'L')) {
    throw scriptError('no-such-method', `No signature of method: static java.lang.Long.${name}() is applicable for argument types: (${args.map((a) => (a === null ? 'null' : javaClassOf(a))).join(', ')}) values: [${args.map((a) => toGroovyString(a)).join(', ')}]`, loc, 'groovy.lang.MissingMethodException');
  }
  const p = asLong(args[0]!);
  const q = asLong(args[1]!);
  return longOf(name === 'max' ? (p > q ? p : q) : (p < q ? p : q));
}
