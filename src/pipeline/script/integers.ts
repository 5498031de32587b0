// Groovy's integer types: Integer (32 bits, wraps like Java), Long (64 bits, wraps like Java)
// and BigInteger (unbounded), with the arithmetic Groovy's NumberMath gives them.
//
// Why: a JS number is exact only to 2^53, and knows no 32-bit overflow. Groovy gives
// `Integer.MAX_VALUE + 1` as -2147483648, `9223372036854775807` exactly (a Long), and
// `9223372036854775808` as a BigInteger; `x.class` names which it is.
//
// How (the representation, chosen so the common small-integer path stays a plain JS number):
//   - an Integer is a JS number whose value fits in 32 bits: `(n | 0) === n`;
//   - a Long is a JS integral number outside the 32-bit range (exact up to 2^53: timestamps,
//     sizes, `3000000000`), or a LongValue (below) when it must say it is a Long although
//     it fits in 32 bits (`5L`, `1L * 2`) or when it is beyond 2^53;
//   - a BigInteger is always a LongValue with `big` set.
// Integer op Integer stays in 32 bits (`| 0`, Math.imul); anything with a Long is Long
// arithmetic in bigint wrapped to 64 bits (BigInt.asIntN); anything with a BigInteger is
// unbounded (but limited in size, as BigDec is); a Double on either side makes a double and a
// BigDecimal a BigDecimal (decimal.ts). `/` of integers is a BigDecimal (decimal.ts).
// A LongValue is a HostObject (typeName java.lang.Long / java.math.BigInteger) so that it
// flows through every place a Value does; steps get it as a JS number (values.ts toJson).
import type { Loc } from '../../core/build.ts';
import { scriptError } from './errors.ts';
import { tooLarge } from './limits.ts';
import { BigDec, decimalOp } from './decimal.ts';
import { DoubleValue, doubleOf, doubleOp, floatOf, numberPower } from './double-value.ts';
import type { Value } from './values.ts';
import { bigIntegerHash, longHash } from './hash.ts';
import { LongValue, bigIntegerOf, bigOf, integerRank, intOf, isInt32, longOf, setIntegerMethods } from './long-value.ts';

export { LongValue, bigIntegerOf, bigOf, integerRank, intOf, isInt32, longOf };

/** A number as Groovy widens it for a Double operation. */
function toDouble(v: Value): number | null {
  if (typeof v === 'number') return v;
  if (v instanceof LongValue) return Number(v.v);
  if (v instanceof BigDec) return v.toNumber();
  if (v instanceof DoubleValue) return v.v;
  return null;
}

function divByZero(loc: Loc | null): never {
  throw scriptError('arithmetic', '/ by zero', loc, 'java.lang.ArithmeticException');
}

/** Integer op Integer (both 32-bit JS numbers), as Java's int arithmetic and Groovy's IntegerMath. */
export function int32Op(op: string, a: number, b: number, loc: Loc | null): Value | undefined {
  switch (op) {
    case '+': return (a + b) | 0;
    case '-': return (a - b) | 0;
    case '*': return Math.imul(a, b);
    case '%': {
      if (b === 0) divByZero(loc);
      const r = a % b;
      return r === 0 ? 0 : r;
    }
    case '**': return power(a, b, loc);
    case '&': return a & b;
    case '|': return a | b;
    case '^': return a ^ b;
    case '<<': return a << b;
    case '>>': return a >> b;
    case '>>>': return (a >>> b) | 0;
  }
  return undefined;
}

/**
 * Groovy's power on integers (DefaultGroovyMethods.power): a negative exponent gives a Double;
 * otherwise the exact result, as the narrowest of Integer, Long and BigInteger for an Integer
 * or Long base, a BigInteger for a BigInteger base.
 */
function power(a: number | LongValue, b: number | LongValue, loc: Loc | null): Value {
  const base = bigOf(a);
  const e = bigOf(b);
  if (e < 0n) return numberPower(Number(base), Number(e));
  if (base !== 0n && base !== 1n && base !== -1n && e > 40_000n) throw tooLarge(`${base} ** ${e}`, loc);
  const r = base ** e;
  if (a instanceof LongValue && a.big) return bigIntegerOf(r, loc);
  if (r >= -2147483648n && r <= 2147483647n && integerRank(a) === 1) return Number(r);
  // power(Integer, Integer) answers an Integer or a BigInteger, never a Long: 2 ** 62 * 2 does not overflow
  if (integerRank(a) === 1 && integerRank(b) === 1) return bigIntegerOf(r, loc);
  if (r >= -9223372036854775808n && r <= 9223372036854775807n) return longOf(r);
  return bigIntegerOf(r, loc);
}

/**
 * + - * / % ** & | ^ << >> >>> when a Long or a BigInteger is involved, or two integral JS
 * numbers of which one is a Long. undefined = not numbers this knows (the caller goes on).
 */
export function integerOp(op: string, a: Value, b: Value, loc: Loc | null): Value | undefined {
  const ra = integerRank(a);
  const rb = integerRank(b);
  if (ra === 0 || rb === 0) {
    // a BigDecimal or a Double with a Long/BigInteger
    if (a instanceof BigDec || b instanceof BigDec) {
      return decimalOp(op, a instanceof LongValue ? new BigDec(a.v, 0) : a, b instanceof LongValue ? new BigDec(b.v, 0) : b, loc);
    }
    const x = toDouble(a);
    const y = toDouble(b);
    if (x === null || y === null) return undefined;
    return doubleOp(op, x, y);
  }
  const x = bigOf(a as number | LongValue);
  const y = bigOf(b as number | LongValue);
  const big = ra === 3 || rb === 3;
  if (op === '/') return new BigDec(x, 0).divide(new BigDec(y, 0), loc);
  if (op === '**') return power(a as number | LongValue, b as number | LongValue, loc);
  if (ra === 1 && rb === 1 && op !== '<<' && op !== '>>' && op !== '>>>') return int32Op(op, a as number, b as number, loc);
  let r: bigint;
  switch (op) {
    case '+': r = x + y; break;
    case '-': r = x - y; break;
    case '*': r = x * y; break;
    case '%':
      if (y === 0n) divByZero(loc);
      if (big) {
        // BigInteger.mod: never negative, and the modulus must be positive
        if (y < 0n) throw scriptError('arithmetic', 'BigInteger: modulus not positive', loc, 'java.lang.ArithmeticException');
        r = ((x % y) + y) % y;
      } else r = x % y;
      break;
    case '&': r = x & y; break;
    case '|': r = x | y; break;
    case '^': r = x ^ y; break;
    case '<<': case '>>': case '>>>': {
      // the left side's type decides (Java's shift): an Integer shifts in 32 bits, a Long in 64
      if (ra === 1) return int32Op(op, a as number, Number(BigInt.asIntN(32, y)), loc);
      if (ra === 3) {
        if (y > 100_000n) throw tooLarge(`${x} ${op} ${y}`, loc);
        return bigIntegerOf(op === '<<' ? x << y : x >> y, loc);
      }
      const s = y & 63n;
      r = op === '<<' ? x << s : op === '>>' ? x >> s : BigInt.asUintN(64, x) >> s;
      return longOf(r);
    }
    default: return undefined;
  }
  return big ? bigIntegerOf(r, loc) : longOf(r);
}

/** Groovy's compareTo between two integers of which one is a Long/BigInteger; null = not both integers. */
export function compareIntegers(a: Value, b: Value): number | null {
  if (integerRank(a) === 0 || integerRank(b) === 0) return null;
  const x = bigOf(a as number | LongValue);
  const y = bigOf(b as number | LongValue);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** The value of an integer literal (`5L`, `3000000000`, `9223372036854775808`, `7G`, `0xFFFFFFFFL`), as Groovy's Numbers.parseInteger makes it. */
export function integerLiteral(raw: string): Value {
  let t = raw.replace(/_/g, '');
  let neg = false;
  if (t[0] === '-' || t[0] === '+') {
    neg = t[0] === '-';
    t = t.slice(1);
  }
  const last = t.charCodeAt(t.length - 1) | 0x20;
  let type = '';
  if (last === 0x6c || last === 0x67 || last === 0x69) { // l g i
    type = String.fromCharCode(last);
    t = t.slice(0, -1);
  }
  let radix = 10;
  if (t.length > 1 && t[0] === '0') {
    const c = t[1]!.toLowerCase();
    if (c === 'x') { radix = 16; t = t.slice(2); } else if (c === 'b') { radix = 2; t = t.slice(2); } else { radix = 8; t = t.slice(1); }
  }
  const prefix = radix === 16 ? '0x' : radix === 2 ? '0b' : radix === 8 ? '0o' : '';
  let v = BigInt(prefix + t);
  if (neg) v = -v;
  switch (type) {
    case 'i': return intOf(v);
    case 'l': return longOf(v);
    case 'g': return new LongValue(v, true);
  }
  if (v >= -2147483648n && v <= 2147483647n) return Number(v);
  if (v >= -9223372036854775808n && v <= 9223372036854775807n) return longOf(v);
  return new LongValue(v, true);
}

/** Literal values by node, so a loop does not parse `5L` on every turn (a LongValue is immutable). */
const literals = new WeakMap<object, Value>();

/** The value of an integer literal node the parser marked `exact`. */
export function integerLiteralOf(node: { raw: string }): Value {
  let v = literals.get(node);
  if (v === undefined) {
    v = integerLiteral(node.raw);
    literals.set(node, v);
  }
  return v;
}

/** The methods scripts call on a Long or BigInteger; undefined = not one. */
function integerMethod(n: LongValue, name: string, a: Value[], loc: Loc | null): Value | undefined {
  const arg = a[0] ?? null;
  switch (name) {
    case 'toString': return a.length === 0 ? n.toString() : typeof arg === 'number' ? n.v.toString(arg) : undefined;
    case 'toInteger': case 'intValue': return intOf(n.v);
    case 'toLong': case 'longValue': return longOf(n.v);
    case 'toBigInteger': return n.big ? n : new LongValue(n.v, true);
    case 'toDouble': case 'doubleValue': return doubleOf(Number(n.v));
    case 'toFloat': case 'floatValue': return floatOf(Number(n.v));
    case 'toBigDecimal': return new BigDec(n.v, 0);
    case 'abs': return n.v < 0n ? (n.big ? bigIntegerOf(-n.v, loc) : longOf(-n.v)) : n;
    case 'negate': return n.big ? bigIntegerOf(-n.v, loc) : longOf(-n.v);
    case 'signum': return n.v < 0n ? -1 : n.v > 0n ? 1 : 0;
    case 'intdiv': {
      const r = integerRank(arg);
      if (r === 0) return undefined;
      const d = bigOf(arg as number | LongValue);
      if (d === 0n) divByZero(loc);
      return n.big || r === 3 ? bigIntegerOf(n.v / d, loc) : longOf(n.v / d);
    }
    case 'plus': return integerOp('+', n, arg, loc);
    case 'minus': return integerOp('-', n, arg, loc);
    case 'multiply': return integerOp('*', n, arg, loc);
    case 'div': return integerOp('/', n, arg, loc);
    case 'mod': return integerOp('%', n, arg, loc);
    case 'power': case 'pow': return integerOp('**', n, arg, loc);
    case 'compareTo': {
      const c = compareIntegers(n, arg);
      return c === null ? undefined : c;
    }
    case 'equals': return integerRank(arg) === integerRank(n) && compareIntegers(n, arg) === 0;
    case 'next': return integerOp('+', n, 1, loc);
    case 'previous': return integerOp('-', n, 1, loc);
    case 'asBoolean': return n.v !== 0n;
    case 'hashCode': return n.big ? bigIntegerHash(n.v) : longHash(n.v);
  }
  return undefined;
}

setIntegerMethods(integerMethod);
