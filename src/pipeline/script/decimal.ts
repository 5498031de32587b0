// Groovy's BigDecimal: the type of every decimal literal in a Jenkinsfile (`1.1`, `2.50`, `1e3`)
// and of `/` on integers (`1/2` is 0.5, `10/3` is 3.3333333333).
//
// Why: a JS double cannot keep what Groovy prints and compares: `1.10 + 1` prints `2.10`,
// `2.0 * 3` prints `6.0` (not `6`), `1.1 + 2.2 == 3.3` holds exactly, `1e3` prints `1E+3`.
//
// How: an unscaled bigint and a scale (value = unscaled × 10^-scale), exactly as
// java.math.BigDecimal, with Groovy's rules on top (NumberMath/BigDecimalMath): + - keep the
// larger scale, * adds scales, / is exact when the quotient terminates (Java's preferred scale
// a.scale - b.scale), else rounded HALF_UP to max(precision)+10 digits and at most 10 decimals.
// Our own small class rather than an npm decimal library: the rules that matter are Groovy's
// and Java's (scale arithmetic, toString's E-notation, the division scale), which a generic
// decimal library does not follow, and the class is a few hundred lines we can test.
//
// A BigDec is a HostObject (typeName java.math.BigDecimal), so it flows through every place a
// Value does; the operators in groovy-ops.ts and the step binder (bind.ts) know it as a number.
// Integers stay JS numbers (the fast path of loops); a Double is a non-integral JS number or a
// DoubleValue (double-value.ts: `2.0d`, Floats), made by doubleOf().
import type { Loc } from '../../core/build.ts';
import { scriptError } from './errors.ts';
import type { CallArgs, DynamicContext, HostObject, Value } from './values.ts';
import { LongValue, intOf, longOf } from './long-value.ts';
import { DoubleValue, doubleOf, floatOf, numberPower } from './double-value.ts';

const TEN = 10n;

function pow10(n: number): bigint {
  return TEN ** BigInt(n);
}

function digitsOf(u: bigint): number {
  return (u < 0n ? -u : u).toString().length;
}

function abs(u: bigint): bigint {
  return u < 0n ? -u : u;
}

/** Rounds num/den to an integer, half away from zero (Java's HALF_UP). */
function divHalfUp(num: bigint, den: bigint): bigint {
  if (den < 0n) {
    num = -num;
    den = -den;
  }
  const q = num / den;
  const r = num % den;
  if (abs(r) * 2n >= den) return num < 0n ? q - 1n : q + 1n;
  return q;
}

/**
 * Decimals a scale may have, and digits an unscaled value may have: beyond these, a loop of
 * `x = x * x` would build bigints of millions of digits and hold the controller's thread.
 * Ten thousand digits is far beyond any build's arithmetic and still cheap to compute with.
 */
const MAX_SCALE = 10_000;
const MAX_UNSCALED = 10n ** 10_000n;

export class BigDec implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'java.math.BigDecimal';
  readonly unscaled: bigint;
  readonly scale: number;
  constructor(unscaled: bigint, scale: number) {
    if (scale > MAX_SCALE || scale < -MAX_SCALE) throw new RangeError(`a BigDecimal with scale ${scale}`);
    if (unscaled >= MAX_UNSCALED || -unscaled >= MAX_UNSCALED) throw new RangeError('a BigDecimal of more than 10000 digits');
    this.unscaled = unscaled;
    this.scale = scale;
  }

  /** From a literal or a string in Java's BigDecimal syntax ("1.10", "-2", "1e3", "1.5E-7"); null when it is not one. */
  static parse(text: string): BigDec | null {
    // refuse before BigInt() parses a megabyte of digits (quadratic) only to hit MAX_UNSCALED
    if (text.length > 10_050) throw new RangeError('a BigDecimal of more than 10000 digits');
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
    const frac = m[3] ?? '';
    const exp = m[4] === undefined ? 0 : Number(m[4]);
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_SCALE) return null;
    const u = BigInt((m[2] || '0') + frac);
    return new BigDec(m[1] === '-' ? -u : u, frac.length - exp);
  }

  /** An Integer or Long as a BigDecimal of scale 0; a Double by its shortest decimal form, as Groovy's toBigDecimal(). */
  static of(n: number): BigDec {
    if (Number.isInteger(n)) return new BigDec(BigInt(n), 0);
    return BigDec.parse(String(n))!;
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  signum(): number {
    return this.unscaled < 0n ? -1 : this.unscaled > 0n ? 1 : 0;
  }

  precision(): number {
    return this.unscaled === 0n ? 1 : digitsOf(this.unscaled);
  }

  /** The unscaled value at a larger scale. */
  private at(scale: number): bigint {
    return this.unscaled * pow10(scale - this.scale);
  }

  add(o: BigDec): BigDec {
    const s = Math.max(this.scale, o.scale);
    return new BigDec(this.at(s) + o.at(s), s);
  }

  subtract(o: BigDec): BigDec {
    const s = Math.max(this.scale, o.scale);
    return new BigDec(this.at(s) - o.at(s), s);
  }

  multiply(o: BigDec): BigDec {
    return new BigDec(this.unscaled * o.unscaled, this.scale + o.scale);
  }

  negate(): BigDec {
    return new BigDec(-this.unscaled, this.scale);
  }

  abs(): BigDec {
    return this.unscaled < 0n ? this.negate() : this;
  }

  compareTo(o: BigDec): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.at(s);
    const b = o.at(s);
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Rounds (HALF_UP) or extends to `scale` decimals: setScale(scale, RoundingMode.HALF_UP). */
  setScale(scale: number): BigDec {
    if (!Number.isInteger(scale) || Math.abs(scale) > MAX_SCALE) throw new RangeError(`a BigDecimal with scale ${scale}`);
    if (scale >= this.scale) return new BigDec(this.at(scale), scale);
    return new BigDec(divHalfUp(this.unscaled, pow10(this.scale - scale)), scale);
  }

  /** Groovy's `/` on BigDecimals (BigDecimalMath.divideImpl). */
  divide(o: BigDec, loc: Loc | null): BigDec {
    if (o.isZero()) throw scriptError('arithmetic', 'Division by zero', loc, 'java.lang.ArithmeticException');
    // value = (ua / 10^sa) / (ub / 10^sb) = num / den
    let num = this.unscaled;
    let den = o.unscaled;
    const shift = o.scale - this.scale; // value = num/den × 10^shift
    if (den < 0n) {
      num = -num;
      den = -den;
    }
    // exact when den's prime factors are 2 and 5 only
    let g = gcd(abs(num), den);
    if (g === 0n) g = 1n;
    let d = den / g;
    let twos = 0;
    let fives = 0;
    while (d % 2n === 0n) { d /= 2n; twos++; }
    while (d % 5n === 0n) { d /= 5n; fives++; }
    if (d === 1n) {
      const k = Math.max(twos, fives); // the quotient num/den has k decimals at most
      const preferred = this.scale - o.scale;
      // the exact value at scale k + shift... choose Java's: the smallest scale >= preferred that is exact
      const exactScale = k - shift; // value = (num*10^k/den) × 10^-(k - shift)
      const scale = Math.max(preferred, exactScale);
      const u = scale + shift >= 0 ? (num * pow10(scale + shift)) / den : num / (den * pow10(-(scale + shift)));
      return new BigDec(u, scale);
    }
    // not terminating: MathContext(max precision + 10, HALF_UP), then at most 10 decimals
    const p = Math.max(this.precision(), o.precision()) + 10;
    let scale = p - (digitsOf(num) - digitsOf(den)) - shift;
    let r = BigDec.roundedQuotient(num, den, scale + shift);
    if (digitsOf(r) > p) {
      scale--;
      r = BigDec.roundedQuotient(num, den, scale + shift);
    } else if (digitsOf(r) < p) {
      scale++;
      r = BigDec.roundedQuotient(num, den, scale + shift);
    }
    const out = new BigDec(r, scale);
    const limit = Math.max(this.scale, o.scale, 10);
    return scale > limit ? out.setScale(limit) : out;
  }

  private static roundedQuotient(num: bigint, den: bigint, k: number): bigint {
    return k >= 0 ? divHalfUp(num * pow10(k), den) : divHalfUp(num, den * pow10(-k));
  }

  /** Truncated towards zero, as intValue()/longValue() do. */
  toBigInt(): bigint {
    return this.scale <= 0 ? this.unscaled * pow10(-this.scale) : this.unscaled / pow10(this.scale);
  }

  /** The nearest double (doubleValue()). */
  toNumber(): number {
    return Number(this.toPlainString());
  }

  stripTrailingZeros(): BigDec {
    if (this.unscaled === 0n) return new BigDec(0n, 0);
    let u = this.unscaled;
    let s = this.scale;
    while (u % TEN === 0n) {
      u /= TEN;
      s--;
    }
    return new BigDec(u, s);
  }

  toPlainString(): string {
    const neg = this.unscaled < 0n;
    let d = abs(this.unscaled).toString();
    if (this.scale <= 0) return (neg ? '-' : '') + d + (this.unscaled === 0n ? '' : '0'.repeat(-this.scale));
    if (d.length <= this.scale) d = '0'.repeat(this.scale - d.length + 1) + d;
    return (neg ? '-' : '') + d.slice(0, d.length - this.scale) + '.' + d.slice(d.length - this.scale);
  }

  /** Java's BigDecimal.toString: plain unless the scale is negative or the number is below 1E-6. */
  toString(): string {
    const neg = this.unscaled < 0n;
    const d = abs(this.unscaled).toString();
    const adjusted = -this.scale + (d.length - 1);
    if (this.scale >= 0 && adjusted >= -6) return this.toPlainString();
    const mant = d.length > 1 ? d[0] + '.' + d.slice(1) : d;
    return (neg ? '-' : '') + mant + 'E' + (adjusted >= 0 ? '+' : '') + adjusted;
  }

  getProperty(name: string): Value | undefined {
    if (name === 'scale') return this.scale;
    return undefined;
  }

  invokeMethod(name: string, args: CallArgs, _ctx: DynamicContext, loc: Loc): Promise<Value> | undefined {
    const r = decimalMethod(this, name, args.positional, loc);
    return r === undefined ? undefined : Promise.resolve(r);
  }
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

export function isDecimal(v: unknown): v is BigDec {
  return v instanceof BigDec;
}

/** Wraps a bigint result of intValue()/longValue() into a JS number (Integer/Long). */
function intResult(b: bigint): number {
  return Number(b);
}

function intArg(a: Value[], i: number, name: string, loc: Loc | null): number {
  const x = a[i];
  if (typeof x === 'number' && Number.isInteger(x)) return x;
  throw scriptError('no-such-method', `No signature of method: java.math.BigDecimal.${name}() is applicable for argument types: (${a.map((y) => (typeof y === 'number' ? 'Integer' : typeof y)).join(', ')})`, loc, 'groovy.lang.MissingMethodException');
}

/** The methods scripts call on a BigDecimal; undefined = not one (the interpreter reports it). */
function decimalMethod(d: BigDec, name: string, a: Value[], loc: Loc | null): Value | undefined {
  switch (name) {
    case 'toString': return a.length === 0 ? d.toString() : undefined;
    // BigDecimal.equals: the same value and the same scale (1.50.equals(1.5) is false; == compares values)
    case 'equals': return a.length === 1 && a[0] instanceof BigDec && a[0].unscaled === d.unscaled && a[0].scale === d.scale;
    case 'toPlainString': return d.toPlainString();
    case 'toInteger': case 'intValue': return intOf(d.toBigInt());
    case 'toShort': case 'shortValue': return Number(BigInt.asIntN(16, d.toBigInt()));
    case 'toLong': case 'longValue': return longOf(d.toBigInt());
    case 'toBigInteger': return new LongValue(d.toBigInt(), true);
    case 'toDouble': case 'doubleValue': return doubleOf(d.toNumber());
    case 'toFloat': case 'floatValue': return floatOf(d.toNumber());
    case 'toBigDecimal': return d;
    case 'scale': return d.scale;
    case 'precision': return d.precision();
    case 'signum': return d.signum();
    case 'unscaledValue': return Number(d.unscaled);
    case 'abs': return d.abs();
    case 'negate': return d.negate();
    case 'stripTrailingZeros': return d.stripTrailingZeros();
    case 'setScale': return d.setScale(intArg(a, 0, name, loc));
    case 'round': {
      // Groovy's round() on a BigDecimal: to an integer (half up); round(n): n decimals
      if (a.length === 0) return intResult(d.setScale(0).unscaled);
      return d.setScale(intArg(a, 0, name, loc));
    }
    case 'intdiv': {
      const o = toDecimal(a[0] ?? null);
      if (o === null) return undefined;
      if (o.isZero()) throw scriptError('arithmetic', '/ by zero', loc, 'java.lang.ArithmeticException');
      return intResult(d.toBigInt() / o.toBigInt() || 0n);
    }
    case 'asBoolean': return !d.isZero();
    case 'isZero': return d.isZero();
  }
  return undefined;
}

/** A value as a BigDecimal when Groovy would widen it to one in arithmetic (Integer, Long, BigDecimal); null otherwise. */
export function toDecimal(v: Value): BigDec | null {
  if (v instanceof BigDec) return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigDec.of(v);
  if (v instanceof LongValue) return new BigDec(v.v, 0);
  return null;
}

/**
 * + - * / % ** when one side is a BigDecimal and the other a number. A Double on either side
 * makes the result a Double, as in Groovy; undefined = not numbers (the caller goes on).
 */
export function decimalOp(op: string, a: Value, b: Value, loc: Loc | null): Value | undefined {
  const x = toDecimal(a);
  const y = toDecimal(b);
  if (x === null || y === null) {
    // a Double with a BigDecimal: double arithmetic
    const na = a instanceof BigDec ? a.toNumber() : a instanceof DoubleValue ? a.v : a;
    const nb = b instanceof BigDec ? b.toNumber() : b instanceof DoubleValue ? b.v : b;
    if (typeof na === 'number' && typeof nb === 'number') return doubleOp(op, na, nb);
    return undefined;
  }
  switch (op) {
    case '+': return x.add(y);
    case '-': return x.subtract(y);
    case '*': return x.multiply(y);
    case '/': return x.divide(y, loc);
    case '%':
      // Groovy's BigDecimalMath has no mod: `(ms / 1000) % 60` fails in Jenkins; .toLong() or intdiv() first
      throw scriptError('unsupported', `Cannot use mod() on this number type: ${a instanceof BigDec ? 'java.math.BigDecimal' : 'java.lang.Integer'} with value: ${String(a)}`, loc, 'java.lang.UnsupportedOperationException');
    case '**': {
      // BigDecimal.pow(int) for a whole exponent >= 0, else a double
      if (y.scale <= 0 || y.stripTrailingZeros().scale <= 0) {
        const e = Number(y.toBigInt());
        if (e >= 0 && e <= 999) {
          let r = new BigDec(1n, 0);
          for (let i = 0; i < e; i++) r = r.multiply(x);
          return r;
        }
      }
      return numberPower(x.toNumber(), y.toNumber());
    }
  }
  return undefined;
}

/** A BigDecimal with a Double: double arithmetic, a Double result (1.5 / 0d is Infinity, as in Groovy). */
function doubleOp(op: string, a: number, b: number): Value | undefined {
  switch (op) {
    case '+': return doubleOf(a + b);
    case '-': return doubleOf(a - b);
    case '*': return doubleOf(a * b);
    case '/': return doubleOf(a / b);
    case '%': return doubleOf(a % b);
    case '**': return numberPower(a, b);
  }
  return undefined;
}

/** Groovy's == and <=> between a BigDecimal and another number (compareTo: 1.0 == 1, 2.50 == 2.5); null = not both numbers. */
export function compareDecimal(a: Value, b: Value): number | null {
  const x = toDecimal(a);
  const y = toDecimal(b);
  if (x !== null && y !== null) return x.compareTo(y);
  const na = a instanceof BigDec ? a.toNumber() : a instanceof DoubleValue ? a.v : a;
  const nb = b instanceof BigDec ? b.toNumber() : b instanceof DoubleValue ? b.v : b;
  if (typeof na === 'number' && typeof nb === 'number') return na < nb ? -1 : na > nb ? 1 : na === nb ? 0 : null;
  return null;
}

/** Literal values by node, so a loop does not parse `0.5` on every turn (BigDec is immutable). */
const literals = new WeakMap<object, Value>();

/**
 * The value of a number literal: an integer literal is its number; `1.5`, `1e3`, `1.5g` are
 * BigDecimals; `1.5d`, `1.5f` are Doubles.
 */
export function decimalLiteral(node: { value: number; raw: string }): Value {
  const hit = literals.get(node);
  if (hit !== undefined) return hit;
  const raw = node.raw.replace(/_/g, '');
  const last = raw.charCodeAt(raw.length - 1) | 0x20;
  let v: Value;
  if (last === 0x64) v = doubleOf(node.value); // d
  else if (last === 0x66) v = floatOf(node.value); // f
  else v = BigDec.parse(last === 0x67 ? raw.slice(0, -1) : raw) ?? node.value; // g
  literals.set(node, v);
  return v;
}
