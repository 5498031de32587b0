// How Groovy prints values ("${x}", println, join, toString()), and sprintf / String.format.
import type { Loc } from '../../core/build.ts';
import { scriptError } from './errors.ts';
import { isClosure, rangeToList, typeName, type RangeValue, type Value } from './values.ts';
import { BigDec, isDecimal } from './decimal.ts';
import { LongValue } from './long-value.ts';
import { DoubleValue, javaDoubleString } from './double-value.ts';
import { isEncodedKey, keyValue } from './map-keys.ts';

/**
 * A JS number as Groovy prints it: an Integer or Long without a fraction (`5`), a Double as
 * Java's Double.toString (`0.5`, `1.23456785E7`). A whole Double is a DoubleValue and
 * BigDecimals are not JS numbers: they print themselves (double-value.ts: `2.0`; decimal.ts:
 * `1.50`, `6.0`, `1E+3`).
 */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) {
    if (Math.abs(n) < 1e21) return String(n);
    return BigInt(n).toString();
  }
  return javaDoubleString(n);
}

/** A closure's printed form: Jenkins prints `WorkflowScript$_run_closure1@1f2e3d`; Kiln names the place it was written. */
function closureString(v: { node: { loc: Loc } }): string {
  return `Closure@${v.node.loc.start.line}:${v.node.loc.start.col}`;
}

/** How Groovy renders a value in a GString, println or join. */
export function toGroovyString(v: Value): string {
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return v;
    case 'number':
      return formatNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
  }
  return render(v, 0);
}

function render(v: Value, depth: number): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (depth > 100) return '...';
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ', ';
      const x = v[i] ?? null;
      s += x === v ? '(this Collection)' : render(x, depth + 1);
    }
    return s + ']';
  }
  if (v instanceof Map) {
    if (v.size === 0) return '[:]';
    let s = '[';
    let first = true;
    for (const [k, x] of v) {
      if (!first) s += ', ';
      first = false;
      s += (isEncodedKey(k) ? render(keyValue(k), depth + 1) : k) + ':' + (x === v ? '(this Map)' : render(x, depth + 1));
    }
    return s + ']';
  }
  if (isClosure(v)) return closureString(v);
  // a range prints as a list where it is the value printed (println, "${r}", +), as its own
  // toString inside a list or map ([1..3], [r:1..3]): InvokerHelper.toString vs format
  if (v.kind === 'range') return depth === 0 ? render(rangeToList(v), depth + 1) : rangeString(v);
  return v.toString();
}

/** IntRange/ObjectRange.toString(): `1..3`, `1..<3`, `3..1`, `a..c` (an exclusive character range ends at the last one it holds). */
export function rangeString(r: RangeValue): string {
  if (typeof r.from === 'number' && typeof r.to === 'number') return `${formatNumber(r.from)}..${r.exclusive ? '<' : ''}${formatNumber(r.to)}`;
  const a = String(r.from);
  let b = String(r.to);
  if (r.exclusive) {
    const up = (a.codePointAt(0) ?? 0) <= (b.codePointAt(0) ?? 0);
    b = String.fromCodePoint((b.codePointAt(0) ?? 0) + (up ? -1 : 1));
  }
  return `${a}..${b}`;
}

// ---------------------------------------------------------------------------------------------
// Java's toString where Java (not Groovy) prints: String.valueOf(x), %s of String.format

/**
 * A value as Java's own toString prints it, which is what String.format's %s and String.valueOf
 * give in Groovy: a Map is AbstractMap's `{a=1, b=[c=2]}`... with its values (and a List's
 * elements) printed the same way (`[{a=1}]`), where a GString shows `[a:1]`.
 */
export function javaToString(v: Value, depth = 0): string {
  if (v === null || typeof v !== 'object' || depth > 100) return toGroovyString(v);
  if (!Array.isArray(v) && !(v instanceof Map) && v.kind === 'range') return rangeString(v);
  if (Array.isArray(v)) {
    let s = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) s += ', ';
      const x = v[i] ?? null;
      s += x === v ? '(this Collection)' : javaToString(x, depth + 1);
    }
    return s + ']';
  }
  if (v instanceof Map) {
    let s = '{';
    let first = true;
    for (const [k, x] of v) {
      if (!first) s += ', ';
      first = false;
      s += (isEncodedKey(k) ? javaToString(keyValue(k), depth + 1) : k) + '=' + (x === v ? '(this Map)' : javaToString(x, depth + 1));
    }
    return s + '}';
  }
  return toGroovyString(v);
}

// ---------------------------------------------------------------------------------------------
// sprintf / String.format: java.util.Formatter (Java 17), its checks and its exceptions

/** One format specifier, as Formatter.FormatSpecifier holds it. */
interface Spec {
  /** 0: the next ordinary argument; -1: the previous one (`<`); n > 0: the n-th; -2: none (%n, %%). */
  index: number;
  flags: string;
  width: number;
  precision: number;
  /** The conversion, lower case; `upper` says it was written upper case. */
  c: string;
  upper: boolean;
  /** A date/time conversion (`%tY`, `%TB`): its suffix letter as written; c is then 't'. */
  dt?: string;
}

// the order Formatter.Flags.toString lists them in ('^' is its UPPERCASE)
const FLAG_ORDER = '-^#+ 0,(<';

function flagText(f: string): string {
  let s = '';
  for (const c of FLAG_ORDER) if (f.includes(c)) s += c;
  return s;
}

/** FormatSpecifier.toString: `%` flags index$ width .precision conversion. */
function specText(sp: Spec): string {
  const conv = (sp.upper ? sp.c.toUpperCase() : sp.c) + (sp.dt ?? '');
  return `%${flagText(sp.flags.replace('^', ''))}${sp.index > 0 ? sp.index + '$' : ''}${sp.width !== -1 ? sp.width : ''}${sp.precision !== -1 ? '.' + sp.precision : ''}${conv}`;
}

const JAVA_FORMAT = /%(\d+\$)?([-#+ 0,(<]*)?(\d+)?(\.\d+)?([tT])?([a-zA-Z%])/y;
/** The suffixes of Formatter's date/time conversions (`%tY`, `%tF`, ...). */
const DATE_TIME_SUFFIXES = 'HIklMSLNpzZsQBbhAaCYyjmdeRTrDFc';

/**
 * What java-time.ts gives the date/time conversions (it prints through this module, so it
 * registers itself rather than being imported): the milliseconds of a Date, and a date formatted
 * with a SimpleDateFormat pattern in the default zone.
 */
interface DateTimeSupport {
  millisOf(v: Value): number | undefined;
  format(ms: number, pattern: string, loc: Loc | null): string;
}
let dateTime: DateTimeSupport | null = null;

export function setDateTimeSupport(d: DateTimeSupport): void {
  dateTime = d;
}

/** Formatter's date/time suffixes as SimpleDateFormat patterns (the others are computed). */
const DATE_TIME_PATTERNS: Record<string, string> = {
  H: 'HH', I: 'hh', k: 'H', l: 'h', M: 'mm', S: 'ss', L: 'SSS', z: 'Z', Z: 'z', B: 'MMMM', b: 'MMM', h: 'MMM', A: 'EEEE', a: 'EEE',
  Y: 'yyyy', y: 'yy', j: 'DDD', m: 'MM', d: 'dd', e: 'd', R: 'HH:mm', T: 'HH:mm:ss', D: 'MM/dd/yy', F: 'yyyy-MM-dd', c: 'EEE MMM dd HH:mm:ss zzz yyyy',
};

/** `%tX` of a Date or a Long (milliseconds): Java's Formatter, in the default zone and Locale.US. */
function printDateTime(sp: Spec, arg: Value, loc: Loc | null): string {
  if (arg === null) return printText(sp, 'null');
  const suffix = sp.dt!;
  if (dateTime === null) throw scriptError('internal', 'String.format %t: the date support is not loaded (a Kiln bug)', loc);
  let ms = dateTime.millisOf(arg);
  if (ms === undefined) {
    // a Long is milliseconds since the epoch; an Integer is refused, as Java refuses it
    if (typeof arg === 'number' && Number.isInteger(arg) && (arg | 0) !== arg) ms = arg;
    else if (arg instanceof LongValue && !arg.big) ms = Number(arg.v);
    else throw fmtError('IllegalFormatConversionException', `${suffix} != ${javaTypeName(arg)}`, loc);
  }
  let s: string;
  switch (suffix) {
    case 'N': s = String(((ms % 1000) + 1000) % 1000 * 1_000_000).padStart(9, '0'); break;
    case 's': s = String(Math.floor(ms / 1000)); break;
    case 'Q': s = String(ms); break;
    case 'p': s = dateTime.format(ms, 'a', loc).toLowerCase(); break;
    case 'C': s = String(Math.floor(Number(dateTime.format(ms, 'yyyy', loc)) / 100)).padStart(2, '0'); break;
    case 'r': s = dateTime.format(ms, 'hh:mm:ss a', loc); break;
    default: s = dateTime.format(ms, DATE_TIME_PATTERNS[suffix]!, loc);
  }
  return printText(sp, s);
}
const CONVERSIONS = 'bBhHsScCdoxXeEfgGaA%n';

function fmtError(kind: string, message: string, loc: Loc | null) {
  return scriptError('format', message, loc, `java.util.${kind}`);
}

function mismatch(flag: string, c: string, loc: Loc | null) {
  return fmtError('FormatFlagsConversionMismatchException', `Conversion = ${c}, Flags = ${flag}`, loc);
}

function checkBadFlags(sp: Spec, bad: string, loc: Loc | null): void {
  for (const f of bad) if (sp.flags.includes(f)) throw mismatch(f, sp.c, loc);
}

function checkNumeric(sp: Spec, loc: Loc | null): void {
  if (sp.width === -1 && (sp.flags.includes('-') || sp.flags.includes('0'))) throw fmtError('MissingFormatWidthException', specText(sp), loc);
  if ((sp.flags.includes('+') && sp.flags.includes(' ')) || (sp.flags.includes('-') && sp.flags.includes('0'))) {
    throw fmtError('IllegalFormatFlagsException', `Flags = '${flagText(sp.flags)}'`, loc);
  }
}

/** Formatter.parse: the whole format is checked before any argument is used. */
function parseFormat(fmt: string, loc: Loc | null): (string | Spec)[] {
  const out: (string | Spec)[] = [];
  let i = 0;
  while (i < fmt.length) {
    const j = fmt.indexOf('%', i);
    if (j < 0) {
      out.push(fmt.slice(i));
      break;
    }
    if (j > i) out.push(fmt.slice(i, j));
    JAVA_FORMAT.lastIndex = j;
    const m = JAVA_FORMAT.exec(fmt);
    if (!m) throw fmtError('UnknownFormatConversionException', `Conversion = '${j + 1 < fmt.length ? fmt[j + 1] : '%'}'`, loc);
    i = j + m[0].length;
    const [, idx, rawFlags = '', w, p, dt, conv = ''] = m;
    let flags = '';
    for (const f of rawFlags) {
      if (flags.includes(f)) throw fmtError('DuplicateFormatFlagsException', `Flags = '${f}'`, loc);
      flags += f;
    }
    let index = 0;
    if (idx) {
      index = Number(idx.slice(0, -1));
      if (index === 0) throw fmtError('IllegalFormatArgumentIndexException', 'Illegal format argument index = 0', loc);
    }
    if (flags.includes('<')) index = -1;
    if (dt) {
      // Formatter.checkDateTime: the precision, the suffix, the flags, then the width
      const sp: Spec = { index, flags: dt === 'T' ? flags + '^' : flags, width: w ? Number(w) : -1, precision: p ? Number(p.slice(1)) : -1, c: 't', upper: dt === 'T', dt: conv };
      if (sp.precision !== -1) throw fmtError('IllegalFormatPrecisionException', String(sp.precision), loc);
      if (!DATE_TIME_SUFFIXES.includes(conv)) throw fmtError('UnknownFormatConversionException', `Conversion = '${dt}${conv}'`, loc);
      checkBadFlags({ ...sp, c: conv }, '#+ 0,(', loc);
      if (sp.width === -1 && flags.includes('-')) throw fmtError('MissingFormatWidthException', specText(sp), loc);
      out.push(sp);
      continue;
    }
    if (!CONVERSIONS.includes(conv)) throw fmtError('UnknownFormatConversionException', `Conversion = '${conv}'`, loc);
    const upper = conv !== conv.toLowerCase();
    const sp: Spec = { index, flags: upper ? flags + '^' : flags, width: w ? Number(w) : -1, precision: p ? Number(p.slice(1)) : -1, c: conv.toLowerCase(), upper };
    switch (sp.c) {
      case 'b': case 'h': case 's':
        if (sp.c !== 's' && sp.flags.includes('#')) throw mismatch('#', sp.c, loc);
        if (sp.width === -1 && sp.flags.includes('-')) throw fmtError('MissingFormatWidthException', specText(sp), loc);
        checkBadFlags(sp, '+ 0,(', loc);
        break;
      case 'c':
        if (sp.precision !== -1) throw fmtError('IllegalFormatPrecisionException', String(sp.precision), loc);
        checkBadFlags(sp, '#+ 0,(', loc);
        if (sp.width === -1 && sp.flags.includes('-')) throw fmtError('MissingFormatWidthException', specText(sp), loc);
        break;
      case 'd': case 'o': case 'x':
        checkNumeric(sp, loc);
        if (sp.precision !== -1) throw fmtError('IllegalFormatPrecisionException', String(sp.precision), loc);
        checkBadFlags(sp, sp.c === 'd' ? '#' : ',', loc);
        break;
      case 'e': case 'f': case 'g': case 'a':
        checkNumeric(sp, loc);
        if (sp.c === 'a') checkBadFlags(sp, '(,', loc);
        else if (sp.c === 'e') checkBadFlags(sp, ',', loc);
        else if (sp.c === 'g') checkBadFlags(sp, '#', loc);
        break;
      case '%':
        if (sp.precision !== -1) throw fmtError('IllegalFormatPrecisionException', String(sp.precision), loc);
        if (flags !== '' && flags !== '-') throw fmtError('IllegalFormatFlagsException', `Flags = '${flagText(sp.flags)}'`, loc);
        if (sp.width === -1 && flags === '-') throw fmtError('MissingFormatWidthException', specText(sp), loc);
        sp.index = -2;
        break;
      case 'n':
        if (sp.precision !== -1) throw fmtError('IllegalFormatPrecisionException', String(sp.precision), loc);
        if (sp.width !== -1) throw fmtError('IllegalFormatWidthException', String(sp.width), loc);
        if (flags !== '') throw fmtError('IllegalFormatFlagsException', `Flags = '${flagText(sp.flags)}'`, loc);
        sp.index = -2;
        break;
    }
    out.push(sp);
  }
  return out;
}

function javaTypeName(v: Value): string {
  if (v instanceof LongValue) return v.typeName;
  if (v instanceof DoubleValue) return v.typeName;
  const t = typeName(v);
  switch (t) {
    case 'String': return 'java.lang.String';
    case 'Integer': return 'java.lang.Integer';
    case 'Long': return 'java.lang.Long';
    case 'BigDecimal': return 'java.math.BigDecimal';
    case 'Double': return 'java.lang.Double';
    case 'Boolean': return 'java.lang.Boolean';
    case 'List': return 'java.util.ArrayList';
    case 'Map': return 'java.util.LinkedHashMap';
    default: return t;
  }
}

/** appendJustified: spaces to the width, on the right with `-`. */
function justify(sp: Spec, s: string): string {
  if (sp.width === -1 || s.length >= sp.width) return s;
  return sp.flags.includes('-') ? s + ' '.repeat(sp.width - s.length) : ' '.repeat(sp.width - s.length) + s;
}

/** print(String): precision cuts, upper case, then the width. */
function printText(sp: Spec, s: string): string {
  if (sp.precision !== -1 && sp.precision < s.length) s = s.slice(0, sp.precision);
  if (sp.upper) s = s.toUpperCase();
  return justify(sp, s);
}

function leadingSign(sp: Spec, neg: boolean): string {
  if (!neg) return sp.flags.includes('+') ? '+' : sp.flags.includes(' ') ? ' ' : '';
  return sp.flags.includes('(') ? '(' : '-';
}

function group(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * localizedMagnitude: `mag` (digits, maybe a '.') grouped with `,`, then zeros after the sign
 * until the whole (sign included) is `width` long.
 */
function magnitude(sp: Spec, sign: string, mag: string, width: number): string {
  if (sp.flags.includes(',')) {
    const dot = mag.indexOf('.');
    mag = dot < 0 ? group(mag) : group(mag.slice(0, dot)) + mag.slice(dot);
  }
  if (width !== -1 && sp.flags.includes('0') && sign.length + mag.length < width) mag = '0'.repeat(width - sign.length - mag.length) + mag;
  return sign + mag;
}

/** adjustWidth: the closing parenthesis of a negative number takes one column. */
function adjustWidth(width: number, sp: Spec, neg: boolean): number {
  return width !== -1 && neg && sp.flags.includes('(') ? width - 1 : width;
}

/** Java's String.hashCode. */
function stringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** `%h`: Integer.toHexString(arg.hashCode()), for the classes whose hashCode is defined by their value. */
function hashHex(v: Value, loc: Loc | null): string {
  const hex = (h: number) => (h >>> 0).toString(16);
  if (typeof v === 'string') return hex(stringHash(v));
  if (typeof v === 'boolean') return hex(v ? 1231 : 1237);
  const bits = (d: number) => {
    const dv = new DataView(new ArrayBuffer(8));
    dv.setFloat64(0, d);
    return dv;
  };
  if (typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff) return hex(v);
  if ((typeof v === 'number' && Number.isInteger(v)) || (v instanceof LongValue && !v.big)) {
    const b = BigInt.asUintN(64, typeof v === 'number' ? BigInt(v) : v.v);
    return hex(Number(BigInt.asUintN(32, b ^ (b >> 32n))));
  }
  if (typeof v === 'number' || (v instanceof DoubleValue && !v.float)) {
    const dv = bits(typeof v === 'number' ? v : v.v);
    return hex(dv.getUint32(0) ^ dv.getUint32(4));
  }
  if (v instanceof DoubleValue) {
    const dv = new DataView(new ArrayBuffer(4));
    dv.setFloat32(0, v.v);
    return hex(dv.getUint32(0));
  }
  throw scriptError('not-supported', `not supported in Kiln's pipeline interpreter: %h of a ${javaTypeName(v)} (its hashCode is not its value's)`, loc);
}

/** Double.toHexString's digits after `0x` of a finite non-negative double (`1.0p0`, `1.999999999999ap-4`). */
function hexDigits(d: number): string {
  if (d === 0) return '0.0p0';
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, d);
  const bits = dv.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const frac = (bits & 0xfffffffffffffn).toString(16).padStart(13, '0').replace(/0+$/, '') || '0';
  return e === 0 ? `0.${frac}p-1022` : `1.${frac}p${e - 1023}`;
}

/** Formatter.hexDouble: rounded (half even) to `prec` hex digits, 1..12. */
function hexDouble(d: number, prec: number): string {
  if (d === 0 || prec === 0 || prec >= 13) return hexDigits(d);
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, d);
  const bits = dv.getBigUint64(0);
  if (((bits >> 52n) & 0x7ffn) === 0n) return hexDigits(d); // subnormal: Kiln prints it unrounded
  const shift = BigInt(52 - prec * 4);
  let signif = bits >> shift;
  const rest = bits & ((1n << shift) - 1n);
  const half = 1n << (shift - 1n);
  if (rest > half || (rest === half && (signif & 1n) === 1n)) signif++;
  const rounded = signif << shift;
  if ((rounded >> 52n) >= 0x7ffn) return '1.0p1024';
  dv.setBigUint64(0, rounded);
  return hexDigits(dv.getFloat64(0));
}

/** A non-negative decimal's scientific form with `p` decimals, HALF_UP: [mantissa, exponent as `+05`]. */
function scientific(d: BigDec, p: number): [string, string] {
  if (d.unscaled === 0n) return [p > 0 ? '0.' + '0'.repeat(p) : '0', '+00'];
  const exp = (v: BigDec) => v.unscaled.toString().length - 1 - v.scale;
  let r = d.setScale(p - exp(d));
  const e = exp(r);
  r = r.setScale(p - e);
  const digits = r.unscaled.toString();
  return [digits[0] + (p > 0 ? '.' + digits.slice(1) : ''), (e < 0 ? '-' : '+') + String(Math.abs(e)).padStart(2, '0')];
}

/** %e %f %g %a of a Float, Double or BigDecimal. */
function printFloat(sp: Spec, arg: Value, loc: Loc | null): string {
  const bad = () => fmtError('IllegalFormatConversionException', `${sp.c} != ${javaTypeName(arg)}`, loc);
  const dec = isDecimal(arg) ? arg : null;
  if (dec !== null && sp.c === 'a') throw bad();
  let n: number;
  if (dec !== null) n = dec.signum();
  else if (arg instanceof DoubleValue) n = arg.v;
  else if (typeof arg === 'number' && !Number.isInteger(arg)) n = arg;
  else throw bad();
  const neg = n < 0 || Object.is(n, -0);
  const sign = leadingSign(sp, neg);
  const close = neg && sp.flags.includes('(') ? ')' : '';
  if (dec === null && Number.isNaN(n)) return justify(sp, sp.upper ? 'NAN' : 'NaN');
  if (dec === null && !Number.isFinite(n)) return justify(sp, sign + (sp.upper ? 'INFINITY' : 'Infinity') + close);
  const alt = sp.flags.includes('#');
  // a Double's digits are its shortest decimal form (FormattedFloatingDecimal), a BigDecimal's its own
  const abs = dec !== null ? dec.abs() : BigDec.parse(javaDoubleString(Math.abs(n)))!;
  let body: string;
  switch (sp.c) {
    case 'f': {
      const p = sp.precision === -1 ? 6 : sp.precision;
      let mant = abs.setScale(p).toPlainString();
      if (alt && p === 0) mant += '.';
      body = magnitude(sp, sign, mant, adjustWidth(sp.width, sp, neg));
      break;
    }
    case 'e': {
      const p = sp.precision === -1 ? 6 : sp.precision;
      let [mant, exp] = scientific(abs, p);
      if (alt && p === 0) mant += '.';
      body = magnitude(sp, sign, mant, sp.width === -1 ? -1 : adjustWidth(sp.width - exp.length - 1, sp, neg)) + (sp.upper ? 'E' : 'e') + exp;
      break;
    }
    case 'g': {
      const p = sp.precision === -1 ? 6 : sp.precision === 0 ? 1 : sp.precision;
      let plain: string | null = null;
      let sci: [string, string] | null = null;
      if (dec !== null) {
        // BigDecimal: plain when 10^-4 <= value < 10^precision, judged before rounding
        const e = abs.unscaled.toString().length - 1 - abs.scale;
        if ((abs.unscaled === 0n && abs.scale === 0) || (abs.compareTo(BigDec.parse('0.0001')!) >= 0 && e < p)) plain = abs.setScale(Math.max(p - e - 1, 0)).toPlainString();
        else sci = scientific(abs, p - 1);
      } else {
        const g = javaGeneral(Math.abs(n), p, null);
        const m = /^(.*)e([+-]\d+)$/.exec(g);
        if (m) sci = [m[1]!, m[2]!];
        else plain = g;
      }
      if (plain !== null) body = magnitude(sp, sign, plain, adjustWidth(sp.width, sp, neg));
      else body = magnitude(sp, sign, sci![0], sp.width === -1 ? -1 : adjustWidth(sp.width - sci![1].length - 1, sp, neg)) + (sp.upper ? 'E' : 'e') + sci![1];
      break;
    }
    default: {
      // %a
      const prec = sp.precision === -1 ? 0 : sp.precision === 0 ? 1 : sp.precision;
      const s = hexDouble(Math.abs(n), prec);
      const at = s.indexOf('p');
      let va = s.slice(0, at);
      if (sp.upper) va = va.toUpperCase();
      if (prec !== 0) {
        const dot = va.indexOf('.');
        const have = dot < 0 ? 0 : va.length - dot - 1;
        if (have < prec) va += '0'.repeat(prec - have);
      }
      let prefix = sp.upper ? '0X' : '0x';
      if (sp.flags.includes('0')) {
        const lead = sp.flags.includes(' ') || sp.flags.includes('+') || neg ? 3 : 2;
        const zeros = sp.width - s.length - lead;
        if (zeros > 0) prefix += '0'.repeat(zeros);
      }
      body = sign + prefix + va + (sp.upper ? 'P' : 'p') + s.slice(at + 1);
    }
  }
  return justify(sp, body + close);
}

/** %d %o %x of an Integer, Long or BigInteger. */
function printInteger(sp: Spec, arg: Value, loc: Loc | null): string {
  let v: bigint;
  let bits: 32 | 64 | 0; // 0: a BigInteger
  if (arg instanceof LongValue) {
    v = arg.v;
    bits = arg.big ? 0 : 64;
  } else if (typeof arg === 'number' && Number.isInteger(arg)) {
    v = BigInt(arg);
    bits = arg >= -0x80000000 && arg <= 0x7fffffff ? 32 : 64;
  } else {
    throw fmtError('IllegalFormatConversionException', `${sp.c} != ${javaTypeName(arg)}`, loc);
  }
  const neg = v < 0n;
  if (sp.c === 'd') {
    const sign = leadingSign(sp, neg);
    return justify(sp, magnitude(sp, sign, (neg ? -v : v).toString(), adjustWidth(sp.width, sp, neg)) + (neg && sp.flags.includes('(') ? ')' : ''));
  }
  const radix = sp.c === 'o' ? 8 : 16;
  const prefix = sp.flags.includes('#') ? (sp.c === 'o' ? '0' : sp.upper ? '0X' : '0x') : '';
  let s: string;
  let sign = '';
  let close = '';
  if (bits !== 0) {
    // an int's or a long's two's complement; a sign flag makes no sense there
    checkBadFlags(sp, '( +', loc);
    s = BigInt.asUintN(bits, v).toString(radix);
  } else {
    sign = leadingSign(sp, neg);
    close = neg && sp.flags.includes('(') ? ')' : '';
    s = (neg ? -v : v).toString(radix);
  }
  const len = sign.length + close.length + prefix.length + s.length;
  const zeros = sp.flags.includes('0') && sp.width > len ? '0'.repeat(sp.width - len) : '';
  if (sp.upper) s = s.toUpperCase();
  return justify(sp, sign + prefix + zeros + s + close);
}

function printCharacter(sp: Spec, arg: Value, loc: Loc | null): string {
  if (arg === null) return printText(sp, 'null');
  // Kiln has no Character: a one-character String stands for one ('x' as char)
  if (typeof arg === 'string' && [...arg].length === 1) return printText(sp, arg);
  if (typeof arg === 'number' && Number.isInteger(arg) && arg >= -0x80000000 && arg <= 0x7fffffff) {
    if (arg < 0 || arg > 0x10ffff) throw fmtError('IllegalFormatCodePointException', `Code point = 0x${(arg >>> 0).toString(16)}`, loc);
    return printText(sp, String.fromCodePoint(arg));
  }
  throw fmtError('IllegalFormatConversionException', `c != ${javaTypeName(arg)}`, loc);
}

/** java.util.Formatter.format with Java's checks, outputs and exceptions. */
export function sprintf(fmt: string, args: Value[], loc: Loc | null): string {
  const specs = parseFormat(fmt, loc);
  let out = '';
  let last = -1;
  let lasto = -1;
  for (const sp of specs) {
    if (typeof sp === 'string') {
      out += sp;
      continue;
    }
    if (sp.index === -2) {
      out += sp.c === 'n' ? '\n' : justify(sp, '%');
      continue;
    }
    if (sp.index === -1) {
      if (last < 0 || last > args.length - 1) throw fmtError('MissingFormatArgumentException', `Format specifier '${specText(sp)}'`, loc);
    } else if (sp.index === 0) {
      last = ++lasto;
      if (lasto > args.length - 1) throw fmtError('MissingFormatArgumentException', `Format specifier '${specText(sp)}'`, loc);
    } else {
      last = sp.index - 1;
      if (last > args.length - 1) throw fmtError('MissingFormatArgumentException', `Format specifier '${specText(sp)}'`, loc);
    }
    const arg = args[last] ?? null;
    switch (sp.c) {
      case 't':
        out += printDateTime(sp, arg, loc);
        break;
      case 's':
        if (sp.flags.includes('#')) throw mismatch('#', 's', loc);
        out += printText(sp, javaToString(arg));
        break;
      case 'b':
        out += printText(sp, arg === null ? 'false' : typeof arg === 'boolean' ? String(arg) : 'true');
        break;
      case 'h':
        out += printText(sp, arg === null ? 'null' : hashHex(arg, loc));
        break;
      case 'c':
        out += printCharacter(sp, arg, loc);
        break;
      case 'd': case 'o': case 'x':
        out += arg === null ? printText(sp, 'null') : printInteger(sp, arg, loc);
        break;
      default:
        out += arg === null ? printText(sp, 'null') : printFloat(sp, arg, loc);
    }
  }
  return out;
}

/**
 * Java's %g of a non-negative finite Double: rounded (HALF_UP, from its decimal form) to `p`
 * significant digits, then plain with p significant digits when 1e-4 <= it < 10^p, else
 * scientific with p - 1 decimals (`%g` of 1234.5678 is 1234.57, of 0.00001 is 1.00000e-05).
 */
function javaGeneral(x: number, p: number, dec: BigDec | null): string {
  if (x === 0 && dec === null) return (0).toFixed(p - 1);
  const d = dec ?? BigDec.parse(javaDoubleString(x))!;
  if (d.unscaled === 0n) return (0).toFixed(p - 1);
  const exp = (v: BigDec) => v.unscaled.toString().replace('-', '').length - 1 - v.scale;
  let r = d.setScale(p - 1 - exp(d));
  const e = exp(r);
  if (r.compareTo(BigDec.parse('0.0001')!) >= 0 && e < p) {
    r = r.setScale(Math.max(p - 1 - e, 0));
    return r.toPlainString();
  }
  const digits = r.unscaled.toString().replace('-', '').padEnd(p, '0').slice(0, p);
  return `${digits[0]}${p > 1 ? '.' + digits.slice(1) : ''}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}
