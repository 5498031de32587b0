// Groovy's Double and Float values, and how Java prints them.
//
// Why: a Double whose value is whole (`2.0d`, `(double) 2`, `Double.parseDouble('2')`,
// `x.toDouble()`, `1.5d + 1.5d`, `Math.sqrt(4)`) is a JS number that looks like an Integer, so
// it printed `2` where Groovy prints `2.0`, and `.class` said Integer. A Float (`1.1f`) is a
// 32-bit value that prints in its own shortest form (`1.1`) but widens to `1.100000023841858`.
//
// How (the representation, chosen so integer loops stay plain JS numbers):
//   - a Double whose value is not whole (`0.5`, NaN, Infinity) is a plain non-integral JS
//     number, as before;
//   - a Double whose value is whole (including -0.0) is a DoubleValue (float = false);
//   - a Float is always a DoubleValue with float = true, its value rounded to 32 bits.
// Every place that makes a Double calls doubleOf() (floatOf() for a Float), which picks the
// form. Arithmetic with a Double or Float on either side is double arithmetic whose result is a
// Double (Groovy's FloatingPointMath), in groovy-ops.ts; doubleNum() reads either form.
// Printing is Java's Double.toString/Float.toString: the shortest digits that read back to the
// same value (as Java 19+ prints them), plain for 1E-3 <= |x| < 1E7, else `d.dddE±n`.
import type { Loc } from '../../core/build.ts';
import type { CallArgs, DynamicContext, HostObject, Value } from './values.ts';
import { longOf } from './long-value.ts';

type DoubleMethods = (d: DoubleValue, name: string, args: Value[], loc: Loc | null) => Value | undefined;
let methods: DoubleMethods | null = null;

/** Called once by methods-number.ts: the methods scripts call on a boxed Double or Float. */
export function setDoubleMethods(m: DoubleMethods): void {
  methods = m;
}

export class DoubleValue implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName: 'java.lang.Double' | 'java.lang.Float';
  readonly v: number;
  readonly float: boolean;
  constructor(v: number, float: boolean) {
    this.float = float;
    this.v = float ? Math.fround(v) : v;
    this.typeName = float ? 'java.lang.Float' : 'java.lang.Double';
  }
  getProperty(): Value | undefined {
    return undefined;
  }
  invokeMethod(name: string, args: CallArgs, _ctx: DynamicContext, loc: Loc): Promise<Value> | undefined {
    const r = methods === null ? undefined : methods(this, name, args.positional, loc);
    return r === undefined ? undefined : Promise.resolve(r);
  }
  toString(): string {
    return this.float ? javaFloatString(this.v) : javaDoubleString(this.v);
  }
}

/** A Double result: a non-integral JS number as it is, a whole one (or -0) boxed. */
export function doubleOf(n: number): Value {
  return Number.isInteger(n) ? new DoubleValue(n, false) : n;
}

/**
 * Groovy's power(Number, Number), used when a Double is on either side or the exponent of an
 * integer is negative: Math.pow, then an Integer or a Long when the answer is whole and fits
 * (`2d ** 2` is the Integer 4, `2 ** -1` the Double 0.5).
 */
/** + - * / % ** of two doubles, as Groovy's FloatingPointMath: a Double (`**` as power(Number, Number)). */
export function doubleOp(op: string, x: number, y: number): Value | undefined {
  switch (op) {
    case '+': return doubleOf(x + y);
    case '-': return doubleOf(x - y);
    case '*': return doubleOf(x * y);
    case '/': return doubleOf(x / y);
    case '%': return doubleOf(x % y);
    case '**': return numberPower(x, y);
  }
  return undefined;
}

export function numberPower(base: number, exp: number): Value {
  const r = base ** exp;
  if ((r | 0) === r && !Object.is(r, -0)) return r;
  if (Number.isInteger(r) && Math.abs(r) < 9223372036854775807) return longOf(BigInt(r));
  return doubleOf(r);
}

/** A Float result (`1.1f`, `(float) x`, `Float.parseFloat`). */
export function floatOf(n: number): DoubleValue {
  return new DoubleValue(n, true);
}

/** The value of a Double or a Float (either form); null for anything else (Integers included). */
export function doubleNum(v: Value): number | null {
  if (typeof v === 'number') return Number.isInteger(v) ? null : v;
  return v instanceof DoubleValue ? v.v : null;
}

/** Whether a value is a Double or a Float. */
export function isDouble(v: Value): boolean {
  return (typeof v === 'number' && !Number.isInteger(v)) || v instanceof DoubleValue;
}

/** Lays out Java's form from JS shortest digits: plain for 1E-3 <= |x| < 1E7, else d.dddE±n. */
function javaLayout(n: number, digits: string, exp: number): string {
  const neg = n < 0 || Object.is(n, -0);
  let s: string;
  if (exp >= -3 && exp < 7) {
    if (exp >= 0) {
      const int = digits.length > exp + 1 ? digits.slice(0, exp + 1) : digits + '0'.repeat(exp + 1 - digits.length);
      const frac = digits.length > exp + 1 ? digits.slice(exp + 1) : '0';
      s = int + '.' + frac;
    } else {
      s = '0.' + '0'.repeat(-exp - 1) + digits;
    }
  } else {
    s = digits[0] + '.' + (digits.length > 1 ? digits.slice(1) : '0') + 'E' + exp;
  }
  return (neg ? '-' : '') + s;
}

/** The shortest digits and decimal exponent of |n| (n finite, not zero). */
function shortest(n: number, precision?: number): { digits: string; exp: number } {
  const e = (precision === undefined ? Math.abs(n).toExponential() : Math.abs(n).toExponential(precision - 1));
  const i = e.indexOf('e');
  const digits = e.slice(0, i).replace('.', '').replace(/0+$/, '') || '0';
  return { digits, exp: Number(e.slice(i + 1)) };
}

/** Java's Double.toString. */
export function javaDoubleString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const { digits, exp } = shortest(n);
  return javaLayout(n, digits, exp);
}

/** Java's Float.toString: the shortest digits that read back to the same 32-bit value. */
export function javaFloatString(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  for (let p = 1; p <= 9; p++) {
    const { digits, exp } = shortest(n, p);
    if (Math.fround(Number(`${n < 0 ? '-' : ''}${digits[0]}.${digits.slice(1) || '0'}e${exp}`)) === n) return javaLayout(n, digits, exp);
  }
  return javaDoubleString(n);
}
