// Methods on strings: java.lang.String (Java 11+, as Jenkins runs on) plus Groovy's GDK.
import type { Loc } from '../../core/build.ts';
import { notSupported, scriptError } from './errors.ts';
import { sprintf, toGroovyString } from './format.ts';
import { arithmetic, groovyCompare, groovyTruth, numberFormat, parseJavaNumber } from './groovy-ops.ts';
import { checkListSize, checkString, MAX_STRING, tooLarge } from './limits.ts';
import { sliceIndices } from './methods-list.ts';
import { argClosure, argInt, argString, arity, isJavaArray, javaArray, noSignature, type Method, type MethodEnv } from './methods-common.ts';
import { PatternObject, findAll, findFirst, javaSplit, matchValue, matchesWhole, removeFirst, replaceRegex, type Match, type RegexSite } from './regex.ts';
import { isRange, type ClosureValue, type GList, type Value } from './values.ts';
import { BigDec } from './decimal.ts';
import { LongValue, longOf } from './integers.ts';
import { doubleOf, floatOf } from './double-value.ts';
import { StringBuilderObject } from './string-builder.ts';

/** A regex argument: a string (slashy or not) or a Pattern from `~/re/`. */
export function regexArg(v: Value | undefined): string | null {
  if (typeof v === 'string') return v;
  if (v instanceof PatternObject) return v.pattern;
  return null;
}

/** What indexOf/lastIndexOf look for: a String, or a character given by its code (`s.indexOf(98)`, Java's indexOf(int)). */
function needle(v: Value): string {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0x10ffff ? String.fromCodePoint(v) : toGroovyString(v);
}

function stringIndexError(i: number, loc: Loc): never {
  throw scriptError('index', `String index out of range: ${i}`, loc, 'java.lang.StringIndexOutOfBoundsException');
}

/** s[i], s[-1], s[1..3]: like lists, but out of range is an error (as in Groovy). */
export function stringGetAt(s: string, index: Value, loc: Loc): string {
  if (typeof index === 'number') {
    const i = Math.trunc(index);
    const j = i < 0 ? s.length + i : i;
    if (j < 0 || j >= s.length) stringIndexError(i, loc);
    return s[j]!;
  }
  if (isRange(index)) {
    const { lo, hi, reverse } = sliceIndices(s.length, index.from, index.to, index.exclusive, loc);
    const out = s.slice(lo, hi);
    return reverse ? [...out].reverse().join('') : out;
  }
  if (Array.isArray(index)) return index.map((i) => stringGetAt(s, i, loc)).join('');
  throw scriptError('index', `a string index must be a number or a range, not ${toGroovyString(index)}`, loc, 'groovy.lang.MissingMethodException');
}

/** Java's BufferedReader lines: \n, \r\n or \r end a line; no empty last line. */
export function readLines(s: string): string[] {
  if (s === '') return [];
  const lines = s.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function isAllWhitespace(s: string): boolean {
  return /^\s*$/.test(s);
}

function stripIndent(s: string): string {
  if (s.length === 0) return s;
  let n = -1;
  for (const line of readLines(s)) {
    if (isAllWhitespace(line)) continue;
    if (n === -1) n = line.length;
    let i = 0;
    while (i < line.length && i < n && /\s/.test(line[i]!)) i++;
    n = i;
    if (n === 0) break;
  }
  const strip = n === -1 ? 0 : n;
  const out = readLines(s).map((l) => (strip <= l.length ? l.slice(strip) : '')).join('\n');
  return s.endsWith('\n') ? out + '\n' : out;
}

function stripMargin(s: string, margin: string): string {
  const out = readLines(s)
    .map((l) => {
      const i = l.search(/\S/);
      return i >= 0 && l[i] === margin ? l.slice(i + 1) : l;
    })
    .join('\n');
  return s.endsWith('\n') ? out + '\n' : out;
}

function padding(pad: string, n: number): string {
  if (n <= 0 || pad === '') return '';
  return pad.repeat(Math.ceil(n / pad.length)).slice(0, n);
}

function countOccurrences(s: string, sub: string): number {
  let n = 0;
  for (let i = s.indexOf(sub); i >= 0; i = s.indexOf(sub, i + 1)) {
    n++;
    if (sub === '' && i >= s.length) break;
  }
  return n;
}

/** Calls a closure with a regex match as Groovy does: the string, or [whole, g1, ...] spread over its parameters. */
async function callWithMatch(env: MethodEnv, c: ClosureValue, m: Match): Promise<Value> {
  const v = matchValue(m);
  if (Array.isArray(v) && env.arity(c) > 1) return env.call(c, v);
  return env.call(c, [v]);
}

/** Where a method's regex runs: its call's position and the build's abort signal. */
function site(env: MethodEnv): RegexSite {
  return { loc: env.loc, signal: env.signal, owner: env.owner };
}

function toBigInt(s: string, loc: Loc): bigint {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t) || t.length > 10_000) throw numberFormat(s, loc);
  return BigInt(t);
}

function toInteger(s: string, loc: Loc): number {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) throw numberFormat(s, loc);
  const n = parseInt(t, 10);
  // Integer.valueOf: the value must fit 32 bits
  if ((n | 0) !== n) throw numberFormat(s, loc);
  return n;
}

function isNumeric(s: string): boolean {
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim());
}

const utf8 = new TextEncoder();

/** A string's characters as a list, within the list limit (a 100 MB string would be 100 million items). */
function chars(s: string, loc: Loc): string[] {
  checkListSize(s.length, loc);
  return [...s];
}

/** Reversed by code point (a surrogate pair stays in order), without a list of every character. */
function reverseString(s: string): string {
  const parts: string[] = [];
  const CHUNK = 8192;
  for (let end = s.length; end > 0;) {
    let start = Math.max(0, end - CHUNK);
    // never split a surrogate pair between two chunks
    if (start > 0 && s.charCodeAt(start) >= 0xdc00 && s.charCodeAt(start) <= 0xdfff) start--;
    const codes: number[] = [];
    for (let i = end - 1; i >= start; i--) {
      const c = s.charCodeAt(i);
      if (c >= 0xdc00 && c <= 0xdfff && i > start && s.charCodeAt(i - 1) >= 0xd800 && s.charCodeAt(i - 1) <= 0xdbff) {
        codes.push(s.charCodeAt(i - 1), c);
        i--;
      } else codes.push(c);
    }
    parts.push(String.fromCharCode(...codes));
    end = start;
  }
  return parts.join('');
}

export const stringMethods: Map<string, Method<string>> = new Map<string, Method<string>>([
  ['trim', (s, a, env) => (arity(s, 'trim', a, 0, 0, env.loc), s.replace(/^[\x00-\x20]+|[\x00-\x20]+$/g, ''))],
  ['strip', (s) => s.trim()],
  ['stripLeading', (s) => s.trimStart()],
  ['stripTrailing', (s) => s.trimEnd()],
  ['isBlank', (s) => s.trim() === ''],
  ['isAllWhitespace', (s) => isAllWhitespace(s)],
  ['size', (s, a, env) => (arity(s, 'size', a, 0, 0, env.loc), s.length)],
  ['length', (s, a, env) => (arity(s, 'length', a, 0, 0, env.loc), s.length)],
  ['isEmpty', (s, a, env) => (arity(s, 'isEmpty', a, 0, 0, env.loc), s.length === 0)],
  ['getEmpty', (s) => s.length === 0],
  ['toUpperCase', (s) => s.toUpperCase()],
  ['toLowerCase', (s) => s.toLowerCase()],
  ['capitalize', (s) => (s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1))],
  ['uncapitalize', (s) => (s.length === 0 ? s : s[0]!.toLowerCase() + s.slice(1))],
  ['contains', (s, a, env) => (arity(s, 'contains', a, 1, 1, env.loc), s.includes(toGroovyString(a[0] ?? null)))],
  ['startsWith', (s, a, env) => {
    arity(s, 'startsWith', a, 1, 2, env.loc);
    return s.startsWith(argString(s, 'startsWith', a, 0, env.loc), a.length === 2 ? argInt(s, 'startsWith', a, 1, env.loc) : 0);
  }],
  ['endsWith', (s, a, env) => (arity(s, 'endsWith', a, 1, 1, env.loc), s.endsWith(argString(s, 'endsWith', a, 0, env.loc)))],
  ['equals', (s, a, env) => (arity(s, 'equals', a, 1, 1, env.loc), s === a[0])],
  ['equalsIgnoreCase', (s, a, env) => (arity(s, 'equalsIgnoreCase', a, 1, 1, env.loc), typeof a[0] === 'string' && s.toLowerCase() === a[0].toLowerCase())],
  ['contentEquals', (s, a) => s === (a[0] instanceof StringBuilderObject ? a[0].text : a[0])],
  // the code point methods (whitelisted): a Kiln string is UTF-16, as Java's
  ['codePointAt', (s, a, env) => {
    const i = argInt(s, 'codePointAt', a, 0, env.loc);
    if (i < 0 || i >= s.length) stringIndexError(i, env.loc);
    return s.codePointAt(i)!;
  }],
  ['codePointBefore', (s, a, env) => {
    const i = argInt(s, 'codePointBefore', a, 0, env.loc);
    if (i < 1 || i > s.length) stringIndexError(i, env.loc);
    const lo = s.charCodeAt(i - 1);
    const hi = i >= 2 ? s.charCodeAt(i - 2) : 0;
    return lo >= 0xdc00 && lo <= 0xdfff && hi >= 0xd800 && hi <= 0xdbff ? s.codePointAt(i - 2)! : lo;
  }],
  ['offsetByCodePoints', (s, a, env) => {
    arity(s, 'offsetByCodePoints', a, 2, 2, env.loc);
    let i = argInt(s, 'offsetByCodePoints', a, 0, env.loc);
    let n = argInt(s, 'offsetByCodePoints', a, 1, env.loc);
    if (i < 0 || i > s.length) throw scriptError('index', '', env.loc, 'java.lang.IndexOutOfBoundsException');
    const surrogatePair = (at: number) => at + 1 < s.length && s.charCodeAt(at) >= 0xd800 && s.charCodeAt(at) <= 0xdbff && s.charCodeAt(at + 1) >= 0xdc00 && s.charCodeAt(at + 1) <= 0xdfff;
    for (; n > 0; n--) {
      if (i >= s.length) throw scriptError('index', '', env.loc, 'java.lang.IndexOutOfBoundsException');
      i += surrogatePair(i) ? 2 : 1;
    }
    for (; n < 0; n++) {
      if (i <= 0) throw scriptError('index', '', env.loc, 'java.lang.IndexOutOfBoundsException');
      i -= i >= 2 && surrogatePair(i - 2) ? 2 : 1;
    }
    return i;
  }],
  ['regionMatches', (s, a, env) => {
    // regionMatches(int toffset, String other, int ooffset, int len) and (boolean ignoreCase, int, String, int, int)
    const ic = a.length === 5 && typeof a[0] === 'boolean';
    const b = ic ? a.slice(1) : a;
    if (b.length !== 4 || typeof b[0] !== 'number' || typeof b[1] !== 'string' || typeof b[2] !== 'number' || typeof b[3] !== 'number') throw noSignature(s, 'regionMatches', a, env.loc);
    const [to, other, oo, len] = b as [number, string, number, number];
    if (to < 0 || oo < 0 || to > s.length - len || oo > other.length - len) return false;
    const x = s.slice(to, to + Math.max(0, len));
    const y = other.slice(oo, oo + Math.max(0, len));
    return ic && a[0] === true ? x.toUpperCase() === y.toUpperCase() || x.toLowerCase() === y.toLowerCase() : x === y;
  }],
  ['compareTo', (s, a, env) => groovyCompare(s, argString(s, 'compareTo', a, 0, env.loc), env.loc)],
  ['compareToIgnoreCase', (s, a, env) => groovyCompare(s.toLowerCase(), argString(s, 'compareToIgnoreCase', a, 0, env.loc).toLowerCase(), env.loc)],
  ['indexOf', (s, a, env) => {
    arity(s, 'indexOf', a, 1, 2, env.loc);
    const from = a.length === 2 ? argInt(s, 'indexOf', a, 1, env.loc) : 0;
    return s.indexOf(needle(a[0] ?? null), Math.max(0, from));
  }],
  ['lastIndexOf', (s, a, env) => {
    arity(s, 'lastIndexOf', a, 1, 2, env.loc);
    const sub = needle(a[0] ?? null);
    if (a.length === 2) {
      const from = argInt(s, 'lastIndexOf', a, 1, env.loc);
      return from < 0 ? -1 : s.lastIndexOf(sub, from);
    }
    return s.lastIndexOf(sub);
  }],
  ['substring', (s, a, env) => {
    arity(s, 'substring', a, 1, 2, env.loc);
    const b = argInt(s, 'substring', a, 0, env.loc);
    const e = a.length === 2 ? argInt(s, 'substring', a, 1, env.loc) : s.length;
    if (b < 0 || e > s.length || b > e) {
      throw scriptError('index', `begin ${b}, end ${e}, length ${s.length}`, env.loc, 'java.lang.StringIndexOutOfBoundsException');
    }
    return s.slice(b, e);
  }],
  ['subSequence', (s, a, env) => {
    const b = argInt(s, 'subSequence', a, 0, env.loc);
    const e = argInt(s, 'subSequence', a, 1, env.loc);
    if (b < 0 || e > s.length || b > e) throw scriptError('index', `begin ${b}, end ${e}, length ${s.length}`, env.loc, 'java.lang.StringIndexOutOfBoundsException');
    return s.slice(b, e);
  }],
  ['charAt', (s, a, env) => {
    const i = argInt(s, 'charAt', a, 0, env.loc);
    if (i < 0 || i >= s.length) stringIndexError(i, env.loc);
    return s[i]!;
  }],
  ['getAt', (s, a, env) => (arity(s, 'getAt', a, 1, 1, env.loc), stringGetAt(s, a[0] ?? null, env.loc))],
  ['replace', (s, a, env) => {
    arity(s, 'replace', a, 2, 2, env.loc);
    const from = toGroovyString(a[0] ?? null);
    const to = toGroovyString(a[1] ?? null);
    return checkString(s.split(from).join(to), env.loc);
  }],
  ['replaceAll', async (s, a, env) => {
    arity(s, 'replaceAll', a, 2, 2, env.loc);
    const re = regexArg(a[0]);
    if (re === null) throw noSignature(s, 'replaceAll', a, env.loc);
    const rep = a[1] ?? null;
    if (typeof rep === 'string') return replaceRegex(s, re, rep, true, site(env));
    const c = argClosure(s, 'replaceAll', a, 1, env.loc);
    let out = '';
    let last = 0;
    for (const m of await findAll(s, re, site(env))) {
      out += s.slice(last, m.index) + toGroovyString(await callWithMatch(env, c, m));
      last = m.end;
      if (out.length > MAX_STRING) throw tooLarge('the result of replaceAll', env.loc);
    }
    return out + s.slice(last);
  }],
  ['replaceFirst', async (s, a, env) => {
    arity(s, 'replaceFirst', a, 2, 2, env.loc);
    const re = regexArg(a[0]);
    if (re === null) throw noSignature(s, 'replaceFirst', a, env.loc);
    const rep = a[1] ?? null;
    if (typeof rep === 'string') return replaceRegex(s, re, rep, false, site(env));
    const c = argClosure(s, 'replaceFirst', a, 1, env.loc);
    const m = await findFirst(s, re, site(env));
    if (!m) return s;
    return checkString(s.slice(0, m.index) + toGroovyString(await callWithMatch(env, c, m)) + s.slice(m.end), env.loc);
  }],
  ['matches', (s, a, env) => {
    arity(s, 'matches', a, 1, 1, env.loc);
    const re = regexArg(a[0]);
    if (re === null) throw noSignature(s, 'matches', a, env.loc);
    return matchesWhole(s, re, site(env));
  }],
  ['find', async (s, a, env) => {
    arity(s, 'find', a, 1, 2, env.loc);
    const re = regexArg(a[0]);
    if (re === null) {
      if (a.length === 1 && typeof a[0] === 'object' && a[0] !== null && 'kind' in a[0] && a[0].kind === 'closure') {
        const c = a[0];
        for (const ch of s) if (groovyTruth(await env.call(c, [ch]))) return ch;
        return null;
      }
      throw noSignature(s, 'find', a, env.loc);
    }
    const m = await findFirst(s, re, site(env));
    if (m === null) return null;
    if (a.length === 2) return callWithMatch(env, argClosure(s, 'find', a, 1, env.loc), m);
    return m.groups[0]!;
  }],
  ['findAll', async (s, a, env) => {
    arity(s, 'findAll', a, 1, 2, env.loc);
    const re = regexArg(a[0]);
    if (re === null) {
      const c = argClosure(s, 'findAll', a, 0, env.loc);
      const out: GList = [];
      for (const ch of s) if (groovyTruth(await env.call(c, [ch]))) out.push(ch);
      return out;
    }
    const ms = await findAll(s, re, site(env));
    if (a.length === 2) {
      const c = argClosure(s, 'findAll', a, 1, env.loc);
      const out: GList = [];
      for (const m of ms) out.push(await callWithMatch(env, c, m));
      return out;
    }
    return ms.map((m) => m.groups[0]!);
  }],
  ['eachMatch', async (s, a, env) => {
    const re = regexArg(a[0]);
    if (re === null) throw noSignature(s, 'eachMatch', a, env.loc);
    const c = argClosure(s, 'eachMatch', a, 1, env.loc);
    for (const m of await findAll(s, re, site(env))) await callWithMatch(env, c, m);
    return s;
  }],
  ['split', (s, a, env) => {
    arity(s, 'split', a, 0, 2, env.loc);
    // a String[]: its .length is its size
    if (a.length === 0) return javaArray(s.split(/\s+/).filter((x) => x !== ''));
    const re = regexArg(a[0]);
    if (re === null) throw noSignature(s, 'split', a, env.loc);
    const parts = javaSplit(s, re, a.length === 2 ? argInt(s, 'split', a, 1, env.loc) : 0, site(env));
    return parts instanceof Promise ? parts.then((l) => javaArray(l)) : javaArray(parts);
  }],
  ['tokenize', (s, a, env) => {
    arity(s, 'tokenize', a, 0, 1, env.loc);
    const delims = a.length === 0 ? ' \t\n\r\f' : toGroovyString(a[0] ?? null);
    const out: string[] = [];
    let cur = '';
    for (const ch of s) {
      if (delims.includes(ch)) {
        if (cur !== '') out.push(cur);
        cur = '';
      } else cur += ch;
    }
    if (cur !== '') out.push(cur);
    return out;
  }],
  ['readLines', (s) => readLines(s)],
  ['eachLine', async (s, a, env) => {
    const c = argClosure(s, 'eachLine', a, a.length - 1, env.loc);
    const first = a.length === 2 ? argInt(s, 'eachLine', a, 0, env.loc) : 0;
    let r: Value = null;
    let i = first;
    for (const line of readLines(s)) r = await env.call(c, env.arity(c) >= 2 ? [line, i++] : [line]);
    return r;
  }],
  ['stripIndent', (s) => stripIndent(s)],
  ['stripMargin', (s, a, env) => {
    arity(s, 'stripMargin', a, 0, 1, env.loc);
    return stripMargin(s, a.length === 1 ? toGroovyString(a[0] ?? null).slice(0, 1) : '|');
  }],
  ['padLeft', (s, a, env) => {
    arity(s, 'padLeft', a, 1, 2, env.loc);
    const n = argInt(s, 'padLeft', a, 0, env.loc);
    if (n > MAX_STRING) throw tooLarge(`padLeft(${n})`, env.loc);
    return padding(a.length === 2 ? toGroovyString(a[1] ?? null) : ' ', n - s.length) + s;
  }],
  ['padRight', (s, a, env) => {
    arity(s, 'padRight', a, 1, 2, env.loc);
    const n = argInt(s, 'padRight', a, 0, env.loc);
    if (n > MAX_STRING) throw tooLarge(`padRight(${n})`, env.loc);
    return s + padding(a.length === 2 ? toGroovyString(a[1] ?? null) : ' ', n - s.length);
  }],
  ['center', (s, a, env) => {
    arity(s, 'center', a, 1, 2, env.loc);
    const n = argInt(s, 'center', a, 0, env.loc);
    if (n > MAX_STRING) throw tooLarge(`center(${n})`, env.loc);
    const pad = a.length === 2 ? toGroovyString(a[1] ?? null) : ' ';
    const total = n - s.length;
    if (total <= 0) return s;
    const left = Math.floor(total / 2);
    return padding(pad, left) + s + padding(pad, total - left);
  }],
  ['count', (s, a, env) => (arity(s, 'count', a, 1, 1, env.loc), countOccurrences(s, toGroovyString(a[0] ?? null)))],
  ['reverse', (s) => reverseString(s)],
  ['take', (s, a, env) => s.slice(0, Math.max(0, argInt(s, 'take', a, 0, env.loc)))],
  ['drop', (s, a, env) => s.slice(Math.max(0, argInt(s, 'drop', a, 0, env.loc)))],
  ['takeRight', (s, a, env) => {
    const n = Math.max(0, argInt(s, 'takeRight', a, 0, env.loc));
    return n === 0 ? '' : s.slice(-n);
  }],
  ['dropRight', (s, a, env) => s.slice(0, Math.max(0, s.length - Math.max(0, argInt(s, 'dropRight', a, 0, env.loc))))],
  ['concat', (s, a, env) => checkString(s + argString(s, 'concat', a, 0, env.loc), env.loc)],
  ['plus', (s, a, env) => (arity(s, 'plus', a, 1, 1, env.loc), arithmetic('+', s, a[0] ?? null, env.loc))],
  ['minus', (s, a, env) => {
    arity(s, 'minus', a, 1, 1, env.loc);
    if (a[0] instanceof PatternObject) return removeFirst(s, a[0].pattern, site(env));
    return arithmetic('-', s, a[0] ?? null, env.loc);
  }],
  ['multiply', (s, a, env) => (arity(s, 'multiply', a, 1, 1, env.loc), arithmetic('*', s, a[0] ?? null, env.loc))],
  ['repeat', (s, a, env) => arithmetic('*', s, argInt(s, 'repeat', a, 0, env.loc), env.loc)],
  ['next', (s) => (s.length === 0 ? '\u0001' : s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) + 1))],
  ['previous', (s, _a, env) => {
    if (s.length === 0) throw scriptError('index', 'String index out of range: -1', env.loc, 'java.lang.StringIndexOutOfBoundsException');
    return s.slice(0, -1) + String.fromCharCode(s.charCodeAt(s.length - 1) - 1);
  }],
  ['toInteger', (s, _a, env) => toInteger(s, env.loc)],
  ['toLong', (s, _a, env) => {
    // Long.valueOf(s.trim()): exact, and it must fit 64 bits
    const b = toBigInt(s, env.loc);
    if (b !== BigInt.asIntN(64, b)) throw numberFormat(s, env.loc);
    return longOf(b);
  }],
  ['toBigInteger', (s, _a, env) => new LongValue(toBigInt(s, env.loc), true)],
  ['toShort', (s, _a, env) => toInteger(s, env.loc)],
  ['toDouble', (s, _a, env) => doubleOf(parseJavaNumber(s, env.loc))],
  // the static String.format(String, Object...) called on a String: Groovy ignores the receiver,
  // so '%s-%d'.format('a', 3) formats 'a' (with the whitelisted static's Java rules)
  ['format', (s, a, env) => {
    const fmt = a[0];
    if (typeof fmt !== 'string') throw noSignature(s, 'format', a, env.loc);
    return sprintf(fmt, a.length === 2 && Array.isArray(a[1]) && isJavaArray(a[1]) ? a[1] : a.slice(1), env.loc);
  }],
  ['toFloat', (s, _a, env) => floatOf(parseJavaNumber(s, env.loc))],
  ['toBigDecimal', (s, _a, env) => {
    // new BigDecimal(s.trim()): '1.10' keeps its scale
    const d = BigDec.parse(s.trim());
    if (d === null) throw numberFormat(s, env.loc);
    return d;
  }],
  ['toBoolean', (s) => ['true', 'y', '1'].includes(s.trim().toLowerCase())],
  ['isInteger', (s) => /^[+-]?\d+$/.test(s.trim()) && Math.abs(parseInt(s.trim(), 10)) <= 2147483648],
  ['isLong', (s) => /^[+-]?\d+$/.test(s.trim())],
  ['isBigInteger', (s) => /^[+-]?\d+$/.test(s.trim())],
  ['isNumber', (s) => isNumeric(s)],
  ['isBigDecimal', (s) => isNumeric(s)],
  ['isDouble', (s) => isNumeric(s)],
  ['isFloat', (s) => isNumeric(s)],
  ['toList', (s, _a, env) => chars(s, env.loc)],
  ['toCharArray', (s, _a, env) => javaArray(chars(s, env.loc))],
  ['chars', (s, _a, env) => chars(s, env.loc)],
  ['toSet', (s) => [...new Set(s)]],
  ['getBytes', (s) => javaArray([...utf8.encode(s)].map((b) => (b > 127 ? b - 256 : b)))],
  ['decodeBase64', (s, _a, env) => {
    const t = s.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(t)) throw scriptError('base64', `not valid base64: ${s.slice(0, 40)}`, env.loc, 'java.lang.IllegalArgumentException');
    return [...Buffer.from(t, 'base64')].map((b) => (b > 127 ? b - 256 : b));
  }],
  ['encodeBase64', (s) => Buffer.from(s, 'utf8').toString('base64')],
  ['asBoolean', (s) => s.length > 0],
  ['toString', (s) => s],
  ['intern', (s) => s],
  ['execute', (_s, _a, env) => {
    throw notSupported('String.execute() (running a process from Groovy)', env.loc, 'use the sh step: sh(script: "...", returnStdout: true)');
  }],
  ['toURL', (_s, _a, env) => { throw notSupported('String.toURL()', env.loc, 'network access from the script is not available; use a step such as sh \'curl ...\''); }],
  ['toURI', (_s, _a, env) => { throw notSupported('String.toURI()', env.loc); }],
  ['md5', (_s, _a, env) => { throw notSupported("String.md5()", env.loc, "use sh 'md5sum ...'"); }],
]);

/**
 * String methods given a null where Java's (or the GDK's) one applicable overload takes a String,
 * a CharSequence or a Number: the method is called and fails inside with Java 17's
 * NullPointerException, which names what was null. name → the message for a null at each
 * argument position (undefined: no message for a null there).
 */
const NULL_ARGUMENT: Record<string, (string | undefined)[]> = {
  split: ['Cannot invoke "String.length()" because "regex" is null'],
  contains: ['Cannot invoke "java.lang.CharSequence.toString()" because "s" is null'],
  startsWith: ['Cannot invoke "String.length()" because "prefix" is null'],
  endsWith: ['Cannot invoke "String.length()" because "suffix" is null'],
  indexOf: ['Cannot invoke "String.coder()" because "str" is null'],
  lastIndexOf: ['Cannot read field "value" because "tgtStr" is null'],
  replace: ['Cannot invoke "java.lang.CharSequence.toString()" because "target" is null', 'Cannot invoke "java.lang.CharSequence.toString()" because "replacement" is null'],
  replaceAll: ['Cannot invoke "java.lang.CharSequence.toString()" because "regex" is null', 'Cannot invoke "java.lang.CharSequence.toString()" because "replacement" is null'],
  replaceFirst: ['Cannot invoke "java.lang.CharSequence.toString()" because "regex" is null', 'Cannot invoke "java.lang.CharSequence.toString()" because "replacement" is null'],
  compareTo: ['Cannot read field "value" because "anotherString" is null'],
  compareToIgnoreCase: ['Cannot read field "value" because "s2" is null'],
  concat: ['Cannot invoke "String.isEmpty()" because "str" is null'],
  count: ['Cannot invoke "java.lang.CharSequence.toString()" because "text" is null'],
  center: ['Cannot invoke "java.lang.Number.intValue()" because "numberOfChars" is null'],
  padLeft: ['Cannot invoke "java.lang.Number.intValue()" because "numberOfChars" is null'],
  padRight: ['Cannot invoke "java.lang.Number.intValue()" because "numberOfChars" is null'],
  multiply: ['Cannot invoke "java.lang.Number.intValue()" because "factor" is null'],
  contentEquals: ['Cannot invoke "java.lang.CharSequence.length()" because "cs" is null'],
  tokenize: ['Cannot invoke "java.lang.CharSequence.toString()" because "delimiters" is null'],
};

/** The arities at which NULL_ARGUMENT applies (split(regex, limit), indexOf(str, from), ...). */
const NULL_ARITY: Record<string, number[]> = {
  split: [1, 2], startsWith: [1, 2], indexOf: [1, 2], lastIndexOf: [1, 2], replace: [2], replaceAll: [2], replaceFirst: [2],
  center: [1, 2], padLeft: [1, 2], padRight: [1, 2],
};

for (const [name, messages] of Object.entries(NULL_ARGUMENT)) {
  const m = stringMethods.get(name);
  if (m === undefined) throw new Error(`methods-string.ts: NULL_ARGUMENT names ${name}, which is no string method`);
  const arities = NULL_ARITY[name] ?? [1];
  stringMethods.set(name, (s, a, env) => {
    if (arities.includes(a.length)) {
      // indexOf(String, int) fails in another place than indexOf(String)
      if (name === 'indexOf' && a.length === 2 && a[0] === null) throw scriptError('null', 'Cannot read field "value" because "tgtStr" is null', env.loc, 'java.lang.NullPointerException');
      for (let i = 0; i < messages.length && i < a.length; i++) {
        // the second null of replace(null, null) is never reached: Java fails on the first
        if (a[i] === null && messages[i] !== undefined) throw scriptError('null', messages[i]!, env.loc, 'java.lang.NullPointerException');
      }
    }
    return m(s, a, env);
  });
}

// 'abc'.matches(null): matches(String) and the GDK's matches(Pattern) both take a null
const matchesMethod = stringMethods.get('matches');
if (matchesMethod !== undefined) {
  stringMethods.set('matches', (s, a, env) => {
    if (a.length === 1 && a[0] === null) {
      throw scriptError('ambiguous', 'Ambiguous method overloading for method java.lang.String#matches.\nCannot resolve which method to invoke for [null] due to overlapping prototypes between:\n\t[class java.lang.String]\n\t[class java.util.regex.Pattern]', env.loc, 'groovy.lang.GroovyRuntimeException');
    }
    return matchesMethod(s, a, env);
  });
}

/** The GDK's iteration methods on a string go over its characters. */
export const STRING_AS_CHARS = new Set(['each', 'eachWithIndex', 'collect', 'any', 'every', 'inject', 'sum', 'max', 'min', 'grep', 'countBy', 'groupBy', 'collectEntries', 'withIndex', 'unique', 'sort', 'toSorted', 'first', 'last', 'head', 'tail', 'init']);
