// Java regular expressions on JavaScript's engine: pattern translation, Java's replacement
// syntax ($1, ${name}, \$), String.split's rules, and the Pattern / Matcher objects that
// `~/re/` and `s =~ /re/` make.
import type { Loc } from '../syntax/ast.ts';
import { notSupported, scriptError } from './errors.ts';
import type { CallArgs, DynamicContext, GList, HostObject, Value } from './values.ts';

const POSIX: Record<string, string> = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F', XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r', javaLowerCase: 'a-z', javaUpperCase: 'A-Z', javaWhitespace: ' \\t\\n\\x0B\\f\\r',
};

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

interface Compiled {
  source: string;
  flags: string;
  groups: number;
}

const cache = new Map<string, Compiled>();

/** Translates a Java regex into a JavaScript one (source and flags). Throws a ScriptError when it cannot. */
export function translateRegex(java: string, loc: Loc | null): Compiled {
  const hit = cache.get(java);
  if (hit) return hit;
  let flags = '';
  let src = java;
  // Leading inline flags: (?i), (?s), (?m), (?is)...
  for (let m = /^\(\?([imsux]+)\)/.exec(src); m; m = /^\(\?([imsux]+)\)/.exec(src)) {
    for (const f of m[1]!) {
      if (f === 'x') throw notSupported('the (?x) comments flag in a regular expression', loc);
      if (f === 'u') continue;
      if (!flags.includes(f)) flags += f;
    }
    src = src.slice(m[0].length);
  }
  let out = '';
  let inClass = false;
  let needUnicode = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '\\') {
      const d = src[i + 1];
      if (d === undefined) throw scriptError('regex', `invalid regular expression /${java}/: trailing backslash`, loc, 'java.util.regex.PatternSyntaxException');
      if (d === 'Q') {
        const end = src.indexOf('\\E', i + 2);
        const lit = end < 0 ? src.slice(i + 2) : src.slice(i + 2, end);
        out += escapeLiteral(lit);
        i = end < 0 ? src.length : end + 1;
        continue;
      }
      if (!inClass && d === 'A') { out += '(?<![\\s\\S])'; i++; continue; }
      if (!inClass && d === 'z') { out += '(?![\\s\\S])'; i++; continue; }
      if (!inClass && d === 'Z') { out += '(?=\\n?(?![\\s\\S]))'; i++; continue; }
      if (d === 'h') { out += inClass ? ' \\t\\xA0' : '[ \\t\\xA0]'; i++; continue; }
      if ((d === 'p' || d === 'P') && src[i + 2] === '{') {
        const end = src.indexOf('}', i + 3);
        const name = end < 0 ? '' : src.slice(i + 3, end).replace(/^Is/, '');
        const posix = POSIX[name];
        if (posix !== undefined) {
          out += inClass ? (d === 'P' ? '' : posix) : `[${d === 'P' ? '^' : ''}${posix}]`;
          if (inClass && d === 'P') throw notSupported(`\\P{${name}} inside a character class`, loc);
          i = end;
          continue;
        }
        needUnicode = true;
        out += src.slice(i, end + 1);
        i = end;
        continue;
      }
      out += c + d;
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      else if (c === '[') throw notSupported('nested character classes in a regular expression', loc);
      else if (c === '&' && src[i + 1] === '&') throw notSupported('character class intersection (&&) in a regular expression', loc);
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      if (src[i + 1] === '^') { out += '^'; i++; }
      if (src[i + 1] === ']') { out += '\\]'; i++; } // Java allows a leading ] as a literal
      continue;
    }
    if ((c === '+' ) && i > 0 && /[*+?}]/.test(src[i - 1]!) && src[i - 2] !== '\\') {
      throw notSupported('possessive quantifiers (*+, ++, ?+) in a regular expression', loc);
    }
    if (c === '(' && src[i + 1] === '?') {
      const d = src[i + 2];
      if (d === '>') throw notSupported('atomic groups (?>...) in a regular expression', loc);
      if (d !== undefined && /[imsx-]/.test(d)) throw notSupported('inline flags in the middle of a regular expression', loc);
    }
    out += c;
  }
  if (needUnicode) flags += 'u';
  let groups: number;
  try {
    const re = new RegExp(out + '|', flags);
    groups = (re.exec('') ?? ['']).length - 1;
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw scriptError('regex', `invalid regular expression /${java}/: ${why}`, loc, 'java.util.regex.PatternSyntaxException');
  }
  const compiled = { source: out, flags, groups };
  if (cache.size > 1000) cache.clear();
  cache.set(java, compiled);
  return compiled;
}

/** A fresh RegExp for a Java pattern; `mode` 'g' for scanning, 'whole' for a full match. */
export function regexFor(java: string, loc: Loc | null, mode: 'g' | 'once' | 'whole' = 'g'): RegExp {
  const c = translateRegex(java, loc);
  if (mode === 'whole') return new RegExp(`^(?:${c.source})$`, c.flags.replace('m', ''));
  return new RegExp(c.source, mode === 'g' ? c.flags + 'g' : c.flags);
}

export function groupCount(java: string, loc: Loc | null): number {
  return translateRegex(java, loc).groups;
}

type Part = string | number | { name: string };

/** Parses Java's replacement syntax: $n, ${name}, \x escapes. */
function parseReplacement(rep: string, groups: number, loc: Loc | null): Part[] {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i]!;
    if (c === '\\') {
      i++;
      if (i >= rep.length) throw scriptError('regex', 'character to be escaped is missing (a replacement string ends with a backslash)', loc, 'java.lang.IllegalArgumentException');
      lit += rep[i];
    } else if (c === '$') {
      const d = rep[i + 1];
      if (d === '{') {
        const end = rep.indexOf('}', i + 2);
        if (end < 0) throw scriptError('regex', "named capturing group is missing trailing '}'", loc, 'java.lang.IllegalArgumentException');
        if (lit) { parts.push(lit); lit = ''; }
        parts.push({ name: rep.slice(i + 2, end) });
        i = end;
      } else if (d !== undefined && d >= '0' && d <= '9') {
        let n = Number(d);
        if (n > groups) throw scriptError('regex', `No group ${n} (the pattern has ${groups} group${groups === 1 ? '' : 's'}; write \\$ for a literal $)`, loc, 'java.lang.IndexOutOfBoundsException');
        i++;
        while (i + 1 < rep.length && rep[i + 1]! >= '0' && rep[i + 1]! <= '9' && n * 10 + Number(rep[i + 1]) <= groups) {
          n = n * 10 + Number(rep[i + 1]);
          i++;
        }
        if (lit) { parts.push(lit); lit = ''; }
        parts.push(n);
      } else {
        throw scriptError('regex', `Illegal group reference in replacement '${rep}' (write \\$ for a literal $)`, loc, 'java.lang.IllegalArgumentException');
      }
    } else {
      lit += c;
    }
  }
  if (lit) parts.push(lit);
  return parts;
}

/** String.replaceAll / replaceFirst with a Java replacement string. */
export function replaceRegex(s: string, java: string, rep: string, all: boolean, loc: Loc | null): string {
  const re = regexFor(java, loc, all ? 'g' : 'once');
  const parts = parseReplacement(rep, groupCount(java, loc), loc);
  return s.replace(re, (...m: unknown[]) => {
    const last = m[m.length - 1];
    const named = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : undefined;
    let out = '';
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else if (typeof p === 'number') out += (m[p] as string | undefined) ?? '';
      else {
        if (!named || !(p.name in named)) throw scriptError('regex', `No group with name {${p.name}}`, loc, 'java.lang.IllegalArgumentException');
        out += named[p.name] ?? '';
      }
    }
    return out;
  });
}

/** All matches of a pattern in a string (for =~, replaceAll with a closure, findAll). */
export function allMatches(s: string, java: string, loc: Loc | null): RegExpExecArray[] {
  const re = regexFor(java, loc, 'g');
  const out: RegExpExecArray[] = [];
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    out.push(m);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

/** A match as Groovy hands it over: the string when the pattern has no groups, else [whole, g1, ...]. */
export function matchValue(m: RegExpExecArray): Value {
  if (m.length === 1) return m[0];
  const l: GList = [];
  for (let i = 0; i < m.length; i++) l.push(m[i] ?? null);
  return l;
}

/** Java's String.split(regex, limit): no trailing empty strings when limit is 0. */
export function javaSplit(s: string, java: string, limit: number, loc: Loc | null): string[] {
  if (s === '') return [''];
  const re = regexFor(java, loc, 'g');
  const parts: string[] = [];
  let index = 0;
  let matched = false;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    const len = m[0].length;
    if (len === 0) re.lastIndex++;
    if (len === 0 && m.index === 0) continue;
    if (m.index >= s.length && len === 0) break;
    if (limit > 0 && parts.length >= limit - 1) break;
    matched = true;
    parts.push(s.slice(index, m.index));
    index = m.index + len;
  }
  if (!matched) return [s];
  parts.push(s.slice(index));
  if (limit === 0) while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** `~/re/`: java.util.regex.Pattern. */
export class PatternObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'java.util.regex.Pattern';
  readonly pattern: string;
  constructor(pattern: string) {
    this.pattern = pattern;
  }
  getProperty(): Value | undefined {
    return undefined;
  }
  toString(): string {
    return this.pattern;
  }
}

/** `s =~ /re/`: java.util.regex.Matcher. Truthy when it finds a match; `m[0]` is the first match. */
export class MatcherObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'java.util.regex.Matcher';
  readonly input: string;
  readonly pattern: string;
  readonly loc: Loc | null;
  #all: RegExpExecArray[] | null = null;
  /** The match of the last find()/matches(), for group(). */
  #current: RegExpExecArray | null = null;
  #cursor = 0;
  constructor(input: string, pattern: string, loc: Loc | null) {
    this.input = input;
    this.pattern = pattern;
    this.loc = loc;
  }
  matches(): RegExpExecArray[] {
    if (this.#all === null) this.#all = allMatches(this.input, this.pattern, this.loc);
    return this.#all;
  }
  asBoolean(): boolean {
    return this.matches().length > 0;
  }
  getAt(i: number): Value {
    const all = this.matches();
    const j = i < 0 ? all.length + i : i;
    const m = all[j];
    if (m === undefined) throw scriptError('index', `index ${i} out of range: the pattern /${this.pattern}/ matched ${all.length} time${all.length === 1 ? '' : 's'}`, this.loc, 'java.lang.IndexOutOfBoundsException');
    return matchValue(m);
  }
  getProperty(name: string): Value | undefined {
    if (name === 'count') return this.matches().length;
    return undefined;
  }
  invokeMethod(name: string, args: CallArgs, _ctx: DynamicContext, loc: Loc): Promise<Value> | undefined {
    const a = args.positional;
    switch (name) {
      case 'getCount':
      case 'size':
        return Promise.resolve(this.matches().length);
      case 'find': {
        const all = this.matches();
        this.#current = all[this.#cursor] ?? null;
        if (this.#current) this.#cursor++;
        return Promise.resolve(this.#current !== null);
      }
      case 'matches': {
        const m = regexFor(this.pattern, loc, 'whole').exec(this.input);
        this.#current = m;
        return Promise.resolve(m !== null);
      }
      case 'lookingAt': {
        const m = regexFor(this.pattern, loc, 'once').exec(this.input);
        const ok = m !== null && m.index === 0;
        this.#current = ok ? m : null;
        return Promise.resolve(ok);
      }
      case 'reset':
        this.#cursor = 0;
        this.#current = null;
        return Promise.resolve(this);
      case 'group': {
        if (this.#current === null) throw scriptError('regex', 'No match found (call find() or matches() first, or index the matcher: m[0])', loc, 'java.lang.IllegalStateException');
        const g = a[0] ?? 0;
        if (typeof g === 'string') return Promise.resolve(this.#current.groups?.[g] ?? null);
        if (typeof g !== 'number' || g < 0 || g >= this.#current.length) throw scriptError('regex', `No group ${String(g)}`, loc, 'java.lang.IndexOutOfBoundsException');
        return Promise.resolve(this.#current[g] ?? null);
      }
      case 'groupCount':
        return Promise.resolve(groupCount(this.pattern, loc));
      case 'hasGroup':
        return Promise.resolve(groupCount(this.pattern, loc) > 0);
      case 'start':
      case 'end': {
        if (this.#current === null) throw scriptError('regex', 'No match available', loc, 'java.lang.IllegalStateException');
        return Promise.resolve(name === 'start' ? this.#current.index : this.#current.index + this.#current[0].length);
      }
      case 'replaceAll':
      case 'replaceFirst':
        if (typeof a[0] !== 'string') return undefined;
        return Promise.resolve(replaceRegex(this.input, this.pattern, a[0], name === 'replaceAll', loc));
      case 'toString':
        return Promise.resolve(this.toString());
      default:
        return undefined;
    }
  }
  /** The matches as a list, for each/collect/findAll and for-in. */
  toList(): GList {
    return this.matches().map(matchValue);
  }
  toString(): string {
    return `java.util.regex.Matcher[pattern=${this.pattern} region=0,${this.input.length} lastmatch=${this.#current?.[0] ?? ''}]`;
  }
}
