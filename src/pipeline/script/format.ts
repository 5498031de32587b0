// How Groovy prints values ("${x}", println, join, toString()), and sprintf / String.format.
import type { Loc } from '../../core/build.ts';
import { scriptError } from './errors.ts';
import { isClosure, rangeToList, typeName, type Value } from './values.ts';
import { BigDec, isDecimal } from './decimal.ts';
import { LongValue } from './long-value.ts';
import { DoubleValue, javaDoubleString } from './double-value.ts';

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
      s += k + ':' + (x === v ? '(this Map)' : render(x, depth + 1));
    }
    return s + ']';
  }
  if (isClosure(v)) return closureString(v);
  if (v.kind === 'range') return render(rangeToList(v), depth + 1);
  return v.toString();
}

// ---------------------------------------------------------------------------------------------
// sprintf / String.format (java.util.Formatter, the parts pipelines use)

const SPEC = /%(\d+\$)?([-#+ 0,(<]*)?(\d+)?(\.\d+)?([a-zA-Z%])/g;

function pad(s: string, width: number | null, left: boolean, zero: boolean): string {
  if (width === null || s.length >= width) return s;
  if (left) return s + ' '.repeat(width - s.length);
  if (zero) {
    const sign = s[0] === '-' || s[0] === '+' || s[0] === ' ' ? s[0] : '';
    return sign + '0'.repeat(width - s.length) + s.slice(sign.length);
  }
  return ' '.repeat(width - s.length) + s;
}

function group(intPart: string): string {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

function javaTypeName(v: Value): string {
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

/** Java's Formatter: %s %S %d %x %X %o %f %e %E %g %b %c %n %% with flags -, 0, +, space, comma, width, precision, n$. */
/**
 * Java's %g of a non-negative finite value: rounded (HALF_UP, from its decimal form) to `p`
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

export function sprintf(fmt: string, args: Value[], loc: Loc | null): string {
  let next = 0;
  let prev: Value | undefined;
  let out = '';
  let last = 0;
  SPEC.lastIndex = 0;
  for (let m = SPEC.exec(fmt); m !== null; m = SPEC.exec(fmt)) {
    out += fmt.slice(last, m.index);
    last = m.index + m[0].length;
    const [, argIndex, flags = '', widthS, precS, conv = ''] = m;
    const width = widthS ? Number(widthS) : null;
    const prec = precS ? Number(precS.slice(1)) : null;
    const left = flags.includes('-');
    const zero = flags.includes('0');
    if (conv === '%') {
      out += pad('%', width, left, false);
      continue;
    }
    if (conv === 'n') {
      out += '\n';
      continue;
    }
    let arg: Value;
    if (flags.includes('<')) {
      // %<s: the previous specifier's argument again
      if (prev === undefined) throw scriptError('format', `Format specifier '${m[0]}'`, loc, 'java.util.MissingFormatArgumentException');
      arg = prev;
    } else if (argIndex) {
      const i = Number(argIndex.slice(0, -1)) - 1;
      if (i < 0 || i >= args.length) throw scriptError('format', `Format specifier '${m[0]}'`, loc, 'java.util.MissingFormatArgumentException');
      arg = args[i] ?? null;
    } else {
      if (next >= args.length) throw scriptError('format', `Format specifier '${m[0]}'`, loc, 'java.util.MissingFormatArgumentException');
      arg = args[next++] ?? null;
    }
    prev = arg;
    const bad = (): never => {
      throw scriptError('format', `${conv} != ${javaTypeName(arg)}`, loc, 'java.util.IllegalFormatConversionException');
    };
    let s: string;
    switch (conv) {
      case 's':
      case 'S': {
        s = toGroovyString(arg);
        if (prec !== null) s = s.slice(0, prec);
        if (conv === 'S') s = s.toUpperCase();
        break;
      }
      case 'b':
      case 'B':
        s = arg === null ? 'false' : typeof arg === 'boolean' ? String(arg) : 'true';
        if (conv === 'B') s = s.toUpperCase();
        break;
      case 'c':
        if (typeof arg === 'string' && arg.length >= 1) s = arg.slice(0, 1);
        else if (typeof arg === 'number' && Number.isInteger(arg)) s = String.fromCodePoint(arg);
        else s = bad();
        break;
      case 'd': {
        if (arg === null) { s = 'null'; break; }
        if (arg instanceof LongValue) {
          // a Long or BigInteger: exactly
          let body = (arg.v < 0n ? -arg.v : arg.v).toString();
          if (flags.includes(',')) body = group(body);
          s = arg.v < 0n && flags.includes('(') ? `(${body})` : (arg.v < 0n ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + body;
          break;
        }
        if (typeof arg !== 'number' || !Number.isInteger(arg)) bad();
        const n = arg as number;
        let body = Math.abs(n) < 1e21 ? String(Math.abs(n)) : BigInt(Math.abs(n)).toString();
        if (flags.includes(',')) body = group(body);
        s = n < 0 && flags.includes('(') ? `(${body})` : (n < 0 ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + body;
        break;
      }
      case 'x':
      case 'X':
      case 'o': {
        if (arg === null) { s = 'null'; break; }
        if (arg instanceof LongValue) {
          // a Long's two's complement in 64 bits; a BigInteger's sign and magnitude
          s = arg.big ? arg.v.toString(conv === 'o' ? 8 : 16) : BigInt.asUintN(64, arg.v).toString(conv === 'o' ? 8 : 16);
        } else {
          if (typeof arg !== 'number' || !Number.isInteger(arg)) bad();
          const n = arg as number;
          // Java prints an int's two's complement in 32 bits, a Long's (outside 32 bits) in 64
          s = n >= 0 ? n.toString(conv === 'o' ? 8 : 16) : n >= -0x80000000 ? (n + 0x100000000).toString(conv === 'o' ? 8 : 16) : BigInt.asUintN(64, BigInt(n)).toString(conv === 'o' ? 8 : 16);
        }
        if (flags.includes('#')) s = (conv === 'o' ? '0' : '0x') + s;
        if (conv === 'X') s = s.toUpperCase();
        break;
      }
      case 'f':
      case 'e':
      case 'E':
      case 'g':
      case 'G': {
        if (arg === null) { s = 'null'; break; }
        const dec = isDecimal(arg) ? arg : null;
        if (typeof arg !== 'number' && dec === null && !(arg instanceof DoubleValue)) bad();
        // Java's %f/%e/%g take floating point and BigDecimal arguments; an Integer is IllegalFormatConversion
        if (typeof arg === 'number' && Number.isInteger(arg)) bad();
        const n = dec !== null ? dec.toNumber() : arg instanceof DoubleValue ? arg.v : arg as number;
        const p = prec ?? 6;
        let body: string;
        // a BigDecimal is formatted exactly (HALF_UP), as java.util.Formatter does: '%.2f' of 2.675 is 2.68
        if (dec !== null && conv === 'f' && p <= 100) body = dec.abs().setScale(p).toPlainString();
        // a Double too, from its shortest decimal form (Java's FormattedFloatingDecimal): '%.2f' of 2.675d is 2.68
        else if (conv === 'f' && p <= 100 && Number.isFinite(n) && Math.abs(n) < 1e21) body = BigDec.parse(javaDoubleString(Math.abs(n)))!.setScale(p).toPlainString();
        else if (!Number.isFinite(n)) body = Number.isNaN(n) ? 'NaN' : 'Infinity';
        else if (conv === 'f') body = Math.abs(n).toFixed(Math.min(p, 100));
        else if (conv === 'g' || conv === 'G') body = javaGeneral(Math.abs(n), Math.max(1, Math.min(p, 100)), dec?.abs() ?? null);
        else {
          body = Math.abs(n).toExponential(Math.min(p, 100));
          body = body.replace(/e([+-])(\d)$/, 'e$10$2');
        }
        if (flags.includes(',') && conv === 'f') {
          const [i = '', d] = body.split('.');
          body = group(i) + (d === undefined ? '' : '.' + d);
        }
        if (conv === 'E' || conv === 'G') body = body.toUpperCase();
        const neg = n < 0 || Object.is(n, -0);
        s = neg && flags.includes('(') ? `(${body})` : (neg ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + body;
        break;
      }
      default:
        throw scriptError('format', `Unknown format conversion: '${conv}' in '${m[0]}'`, loc, 'java.util.UnknownFormatConversionException');
    }
    out += pad(s, width, left, zero && conv !== 's' && conv !== 'S');
  }
  return out + fmt.slice(last);
}
