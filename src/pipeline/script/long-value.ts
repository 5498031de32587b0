// The value of a Long or BigInteger that is not a plain JS number, and the conversions to the
// integer types (see integers.ts, which holds their arithmetic and explains the representation).
// A module of its own so that decimal.ts (BigDecimal) and integers.ts can both use it without
// importing each other: integers.ts registers the methods a LongValue answers.
import type { Loc } from '../../core/build.ts';
import { tooLarge } from './limits.ts';
import type { CallArgs, DynamicContext, HostObject, Value } from './values.ts';

type IntegerMethods = (n: LongValue, name: string, args: Value[], loc: Loc | null) => Value | undefined;
let methods: IntegerMethods | null = null;

/** Called once by integers.ts: the methods scripts call on a Long or BigInteger. */
export function setIntegerMethods(m: IntegerMethods): void {
  methods = m;
}

/** Digits a BigInteger may have: `x = x * x` in a loop must not hold the controller's thread. */
const MAX_BIG = 10n ** 10_000n;

export class LongValue implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName: 'java.lang.Long' | 'java.math.BigInteger';
  readonly v: bigint;
  readonly big: boolean;
  constructor(v: bigint, big: boolean) {
    this.v = v;
    this.big = big;
    this.typeName = big ? 'java.math.BigInteger' : 'java.lang.Long';
  }
  getProperty(): Value | undefined {
    return undefined;
  }
  invokeMethod(name: string, args: CallArgs, _ctx: DynamicContext, loc: Loc): Promise<Value> | undefined {
    const r = methods === null ? undefined : methods(this, name, args.positional, loc);
    return r === undefined ? undefined : Promise.resolve(r);
  }
  toString(): string {
    return this.v.toString();
  }
}

export function isInt32(n: number): boolean {
  return (n | 0) === n;
}

/** A Long result: a JS number when that says Long by itself (outside 32 bits, within 2^53), else a LongValue. */
export function longOf(b: bigint): Value {
  const w = BigInt.asIntN(64, b);
  if (w > 2147483647n || w < -2147483648n) {
    if (w <= 9007199254740991n && w >= -9007199254740991n) return Number(w);
  }
  return new LongValue(w, false);
}

export function bigIntegerOf(b: bigint, loc: Loc | null): LongValue {
  if (b > MAX_BIG || b < -MAX_BIG) throw tooLarge('a BigInteger of more than 10000 digits', loc);
  return new LongValue(b, true);
}

/** An Integer result of a narrowing (intValue()): Java's wrap to 32 bits. */
export function intOf(b: bigint): number {
  return Number(BigInt.asIntN(32, b));
}

/** 0 = not an integer, 1 = Integer, 2 = Long, 3 = BigInteger. */
export function integerRank(v: Value): number {
  if (typeof v === 'number') return Number.isInteger(v) ? (isInt32(v) ? 1 : 2) : 0;
  if (v instanceof LongValue) return v.big ? 3 : 2;
  return 0;
}

export function bigOf(v: number | LongValue): bigint {
  return typeof v === 'number' ? BigInt(v) : v.v;
}
