// Java regular expressions for pipelines: pattern translation to JavaScript, Java's
// replacement syntax ($1, ${name}, \$), String.split's rules, and the Pattern / Matcher objects
// that `~/re/` and `s =~ /re/` make.
//
// Every regex a pipeline can run goes through run() here (==~, =~, Matcher, find/findAll,
// replaceAll/replaceFirst, split, matches, switch/in/grep with a Pattern, String - Pattern,
// `when { changelog }`, REGEXP comparators), because a regex that backtracks for long would
// otherwise block the controller's event loop: ('a' * 28 + '!') ==~ /(a+)+$/ took 20 s.
// run() decides where a scan runs: inline when regex-safety.ts estimates its worst case as
// cheap for this string (nearly every regex of a real Jenkinsfile), else on a regex thread
// with a deadline (regex-pool.ts), where a runaway scan is cut off with an error that names
// the pattern and its position. Both places run the same scan (regex-scan.ts) on the same
// V8 engine, so the answer never depends on where it ran.
//
// Why not a linear-time engine (RE2): Java regex has backreferences, lookahead and
// possessive/atomic constructs that RE2 cannot run, so patterns that work in Jenkins would be
// refused; V8's own linear engine (--enable-experimental-regexp-engine) is experimental,
// process-wide, and refuses /i, \p{..} and lookahead. A deadline on a thread keeps Jenkins'
// semantics for every pattern and bounds the cost of the bad ones.
//
// Scans are async (they may wait for a thread), so every caller awaits; the compile check
// (checkRegex) stays synchronous, so a bad pattern is reported where it is written.
import type { Loc } from '../../core/build.ts';
import { interruptionOf } from '../../core/errors.ts';
import { notSupported, scriptError, ScriptError } from './errors.ts';
import { MAX_STRING, checkString, tooLarge } from './limits.ts';
import { RegexAborted, RegexTimeout, regexPoolLimits, runOnThread } from './regex-pool.ts';
import { regexShape, mayRunInline } from './regex-safety.ts';
import { scan, type ScanOp, type ScanResult } from './regex-scan.ts';
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
  /** The name of each capturing group (index 0 is group 1), null when it has none. */
  names: (string | null)[];
}

/** Patterns longer than this are refused (a pattern is code: nobody writes one this long). */
export const MAX_PATTERN = 64 * 1024;
/** Matches one scan may return (findAll, =~, split): past this, an error instead of exhausting memory. */
export const MAX_MATCHES = 1_000_000;
/**
 * Match and group spans one scan may return (each match counts its groups + 1): a pattern with
 * 150 groups would otherwise keep 1,000,000 matches of 151 strings each (spans of 1.2 GB on
 * the regex thread, then as much again in match objects on the controller's heap).
 */
export const MAX_MATCH_CELLS = 4_000_000;

/** Matches one scan of a pattern with `groups` capturing groups may return. */
export function maxMatches(groups: number): number {
  return Math.max(1, Math.min(MAX_MATCHES, Math.floor(MAX_MATCH_CELLS / (groups + 1))));
}

/** The pattern as an error message shows it: /pattern/, shortened when long. */
export function showPattern(java: string): string {
  return `/${java.length > 120 ? java.slice(0, 120) + '...' : java}/`;
}

/** Names of the capturing groups of a JavaScript pattern, in group order. */
function captureNames(src: string): (string | null)[] {
  const names: (string | null)[] = [];
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { i++; continue; }
    if (inClass) { if (c === ']') inClass = false; continue; }
    if (c === '[') { inClass = true; continue; }
    if (c !== '(') continue;
    if (src[i + 1] !== '?') names.push(null);
    else if (src[i + 2] === '<' && src[i + 3] !== '=' && src[i + 3] !== '!') {
      const end = src.indexOf('>', i + 3);
      names.push(src.slice(i + 3, end));
    }
  }
  return names;
}

const cache = new Map<string, Compiled>();

/** Translates a Java regex into a JavaScript one (source and flags). Throws a ScriptError when it cannot. */
export function translateRegex(java: string, loc: Loc | null): Compiled {
  const hit = cache.get(java);
  if (hit) return hit;
  if (java.length > MAX_PATTERN) {
    throw scriptError('limit', `too large: a regular expression of ${java.length} characters (Kiln limits patterns to ${MAX_PATTERN} characters)`, loc, 'java.util.regex.PatternSyntaxException');
  }
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
    throw scriptError('regex', `invalid regular expression ${showPattern(java)}: ${why}`, loc, 'java.util.regex.PatternSyntaxException');
  }
  const compiled = { source: out, flags, groups, names: captureNames(out) };
  if (cache.size > 1000) cache.clear();
  cache.set(java, compiled);
  return compiled;
}

/**
 * Why a Java pattern does not compile, in the words of Java's PatternSyntaxException where Kiln
 * knows them ("Unclosed group near index 4"), or null when it compiles. For validators
 * (`when { changelog }`), which report it at validation time as Jenkins does.
 */
export function patternError(java: string): string | null {
  try {
    translateRegex(java, null);
    return null;
  } catch (err) {
    // a construct Java accepts but Kiln cannot run (possessive quantifiers...) is no syntax error: the run reports it
    if (err instanceof ScriptError && err.code === 'not-supported') return null;
    const msg = err instanceof Error ? err.message : String(err);
    const js = msg.replace(/^invalid regular expression \/.*\/: /s, '');
    if (/Unterminated group/.test(js)) return `Unclosed group near index ${java.length}`;
    if (/Unterminated character class/.test(js)) return `Unclosed character class near index ${java.length - 1}`;
    if (/Unmatched '\)'/.test(js)) return `Unmatched closing ')'${java.indexOf(')') > 0 ? ` near index ${java.indexOf(')') - 1}` : ''}`;
    if (/Nothing to repeat/.test(js)) {
      const i = java.search(/(^|[(|])[*+?]/);
      const at = i < 0 ? -1 : java[i] === '*' || java[i] === '+' || java[i] === '?' ? i : i + 1;
      return at < 0 ? 'Dangling meta character' : `Dangling meta character '${java[at]}' near index ${at}`;
    }
    if (/trailing backslash|\\ at end of pattern/.test(js)) return `Unexpected internal error near index ${java.length}`;
    return js;
  }
}

/** Checks that a Java pattern compiles (throws a ScriptError with its position when not). */
export function checkRegex(java: string, loc: Loc | null): void {
  translateRegex(java, loc);
}

export function groupCount(java: string, loc: Loc | null): number {
  return translateRegex(java, loc).groups;
}

/** One match: where it is, its groups' text. */
export interface Match {
  readonly index: number;
  readonly end: number;
  /** [whole match, group 1, ...]; null for a group that took no part in the match. */
  readonly groups: readonly (string | null)[];
  /** Named groups' text; empty when the pattern names none. */
  readonly named: ReadonlyMap<string, string | null>;
}

/** Where a scan is asked for: the position errors name, and the build's abort signal. */
export interface RegexSite {
  readonly loc: Loc | null;
  readonly signal: AbortSignal | null;
  /** The build the scan is for: the regex threads serve builds in turn (regex-pool.ts). */
  readonly owner?: object | undefined;
}

const NO_NAMES: ReadonlyMap<string, string | null> = new Map();

function toMatches(input: string, r: ScanResult, c: Compiled): Match[] {
  const out: Match[] = [];
  const hasNames = c.names.some((n) => n !== null);
  const width = (r.groups + 1) * 2;
  for (let k = 0; k < r.count; k++) {
    const base = k * width;
    const groups: (string | null)[] = [];
    for (let g = 0; g <= r.groups; g++) {
      const a = r.spans[base + g * 2]!;
      groups.push(a < 0 ? null : input.slice(a, r.spans[base + g * 2 + 1]!));
    }
    let named = NO_NAMES;
    if (hasNames) {
      named = new Map<string, string | null>();
      c.names.forEach((name, i) => { if (name !== null) (named as Map<string, string | null>).set(name, groups[i + 1] ?? null); });
    }
    out.push({ index: r.spans[base]!, end: r.spans[base + 1]!, groups, named });
  }
  return out;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * Runs a Java pattern over a string: inline when its worst case is cheap for this string, else
 * on a regex thread with a deadline. The one way a pipeline's regex runs.
 */
async function scanOf(java: string, input: string, op: ScanOp, site: RegexSite, limit = MAX_MATCHES): Promise<ScanResult> {
  const c = translateRegex(java, site.loc);
  const req = { source: c.source, flags: c.flags, input, op, groups: c.groups, limit: Math.min(limit, maxMatches(c.groups)) };
  let r: ScanResult;
  if (mayRunInline(c.source, input.length)) {
    r = scan(req);
  } else {
    try {
      r = await runOnThread(req, site.signal, site.owner ?? null);
    } catch (err) {
      if (err instanceof RegexAborted && site.signal) throw interruptionOf(site.signal);
      if (err instanceof RegexTimeout) {
        const why = regexShape(c.source).why;
        throw scriptError('regex-timeout',
          `the regular expression ${showPattern(java)} was stopped after ${seconds(err.timeoutMs)} on a string of ${input.length} characters` +
          `${why ? `: ${why}` : ' (it backtracks too much on this string)'}. Kiln stops a regular expression that runs longer than ${seconds(err.timeoutMs)} so that it cannot stall the controller; ` +
          'rewrite the pattern (without nested or overlapping repetition, with more specific character classes) or match a shorter string',
          site.loc, 'java.lang.RuntimeException');
      }
      throw scriptError('regex', `the regular expression ${showPattern(java)} could not run on a string of ${input.length} characters: ${err instanceof Error ? err.message : String(err)}`, site.loc, 'java.lang.RuntimeException');
    }
  }
  return r;
}

async function run(java: string, input: string, op: ScanOp, site: RegexSite, limit = MAX_MATCHES): Promise<{ matches: Match[]; truncated: boolean }> {
  const r = await scanOf(java, input, op, site, limit);
  return { matches: toMatches(input, r, translateRegex(java, site.loc)), truncated: r.truncated };
}

function tooManyMatches(java: string, loc: Loc | null): ScriptError {
  const groups = groupCount(java, loc);
  const max = maxMatches(groups).toLocaleString('en-US');
  const why = max === MAX_MATCHES.toLocaleString('en-US')
    ? `Kiln limits one search to ${max} matches`
    : `Kiln limits one search to ${MAX_MATCH_CELLS.toLocaleString('en-US')} matches and groups: ${max} matches of a pattern with ${groups} groups; capture fewer groups, with (?:...) for the ones you do not read`;
  return scriptError('limit', `too large: more than ${max} matches of ${showPattern(java)} (${why})`, loc, 'java.lang.OutOfMemoryError');
}

/** All matches of a pattern in a string (=~, findAll, eachMatch, replaceAll with a closure). */
export async function findAll(s: string, java: string, site: RegexSite): Promise<Match[]> {
  const r = await run(java, s, 'all', site);
  if (r.truncated) throw tooManyMatches(java, site.loc);
  return r.matches;
}

/** The first match, or null (find, replaceFirst, String - Pattern). */
export async function findFirst(s: string, java: string, site: RegexSite): Promise<Match | null> {
  return (await run(java, s, 'first', site)).matches[0] ?? null;
}

/** A match of the whole string, or null (==~, matches(), switch/in/grep with a Pattern). */
export async function matchWhole(s: string, java: string, site: RegexSite): Promise<Match | null> {
  return (await run(java, s, 'whole', site)).matches[0] ?? null;
}

/** A match that starts at the string's start, or null (Matcher.lookingAt()). */
export async function matchPrefix(s: string, java: string, site: RegexSite): Promise<Match | null> {
  return (await run(java, s, 'prefix', site)).matches[0] ?? null;
}

/** Whether the whole string matches (==~, String.matches, Pattern.matches). */
export async function matchesWhole(s: string, java: string, site: RegexSite): Promise<boolean> {
  return (await matchWhole(s, java, site)) !== null;
}

/** String - Pattern: the string without the pattern's first match. */
export async function removeFirst(s: string, java: string, site: RegexSite): Promise<string> {
  const m = await findFirst(s, java, site);
  return m === null ? s : s.slice(0, m.index) + s.slice(m.end);
}

/** The deadline of a scan on a regex thread, for messages. */
export function regexTimeoutMs(): number {
  return regexPoolLimits().timeoutMs;
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
export async function replaceRegex(s: string, java: string, rep: string, all: boolean, site: RegexSite): Promise<string> {
  const parts = parseReplacement(rep, groupCount(java, site.loc), site.loc);
  const ms = all ? await findAll(s, java, site) : [await findFirst(s, java, site)].filter((m): m is Match => m !== null);
  let out = '';
  let last = 0;
  for (const m of ms) {
    out += s.slice(last, m.index);
    for (const p of parts) {
      if (typeof p === 'string') out += p;
      else if (typeof p === 'number') out += m.groups[p] ?? '';
      else {
        if (!m.named.has(p.name)) throw scriptError('regex', `No group with name {${p.name}}`, site.loc, 'java.lang.IllegalArgumentException');
        out += m.named.get(p.name) ?? '';
      }
    }
    last = m.end;
    if (out.length > MAX_STRING) throw tooLarge(`the result of ${all ? 'replaceAll' : 'replaceFirst'}`, site.loc);
  }
  return checkString(out + s.slice(last), site.loc);
}

/** A match as Groovy hands it over: the string when the pattern has no groups, else [whole, g1, ...]. */
export function matchValue(m: Match): Value {
  if (m.groups.length === 1) return m.groups[0]!;
  return [...m.groups];
}

/** Java's String.split(regex, limit): no trailing empty strings when limit is 0. */
export async function javaSplit(s: string, java: string, limit: number, site: RegexSite): Promise<string[]> {
  if (s === '') return [''];
  const r = await scanOf(java, s, 'all', site, limit > 0 ? limit : MAX_MATCHES);
  if (r.truncated && limit <= 0) throw tooManyMatches(java, site.loc);
  // straight from the spans: a split of a big file's lines needs no match objects
  const parts: string[] = [];
  const width = (r.groups + 1) * 2;
  let index = 0;
  let matched = false;
  for (let k = 0; k < r.count; k++) {
    const start = r.spans[k * width]!;
    const end = r.spans[k * width + 1]!;
    const len = end - start;
    if (len === 0 && start === 0) continue;
    if (start >= s.length && len === 0) break;
    if (limit > 0 && parts.length >= limit - 1) break;
    matched = true;
    parts.push(s.slice(index, start));
    index = end;
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

/**
 * `s =~ /re/`: java.util.regex.Matcher. Truthy when it finds a match; `m[0]` is the first
 * match. Made by MatcherObject.create, which runs the scan (async, see run()) up front, so
 * that Groovy truth, indexing and iteration, which are synchronous, read its result.
 */
export class MatcherObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'java.util.regex.Matcher';
  readonly input: string;
  readonly pattern: string;
  readonly loc: Loc | null;
  readonly #all: Match[];
  /** The match of the last find()/matches(), for group(). */
  #current: Match | null = null;
  #cursor = 0;
  private constructor(input: string, pattern: string, loc: Loc | null, all: Match[]) {
    this.input = input;
    this.pattern = pattern;
    this.loc = loc;
    this.#all = all;
  }
  static async create(input: string, pattern: string, site: RegexSite): Promise<MatcherObject> {
    return new MatcherObject(input, pattern, site.loc, await findAll(input, pattern, site));
  }
  matches(): Match[] {
    return this.#all;
  }
  asBoolean(): boolean {
    return this.#all.length > 0;
  }
  getAt(i: number): Value {
    const all = this.#all;
    const j = i < 0 ? all.length + i : i;
    const m = all[j];
    if (m === undefined) throw scriptError('index', `index ${i} out of range: the pattern /${this.pattern}/ matched ${all.length} time${all.length === 1 ? '' : 's'}`, this.loc, 'java.lang.IndexOutOfBoundsException');
    return matchValue(m);
  }
  getProperty(name: string): Value | undefined {
    if (name === 'count') return this.#all.length;
    return undefined;
  }
  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc): Promise<Value> | undefined {
    const a = args.positional;
    const site: RegexSite = { loc, signal: ctx.signal, owner: ctx.owner };
    switch (name) {
      case 'getCount':
      case 'size':
        return Promise.resolve(this.#all.length);
      case 'find': {
        this.#current = this.#all[this.#cursor] ?? null;
        if (this.#current) this.#cursor++;
        return Promise.resolve(this.#current !== null);
      }
      case 'matches':
        return matchWhole(this.input, this.pattern, site).then((m) => {
          this.#current = m;
          return m !== null;
        });
      case 'lookingAt':
        return matchPrefix(this.input, this.pattern, site).then((m) => {
          this.#current = m;
          return m !== null;
        });
      case 'reset':
        this.#cursor = 0;
        this.#current = null;
        return Promise.resolve(this);
      case 'group': {
        if (this.#current === null) throw scriptError('regex', 'No match found (call find() or matches() first, or index the matcher: m[0])', loc, 'java.lang.IllegalStateException');
        const g = a[0] ?? 0;
        if (typeof g === 'string') {
          if (!this.#current.named.has(g)) throw scriptError('regex', `No group with name <${g}>`, loc, 'java.lang.IllegalArgumentException');
          return Promise.resolve(this.#current.named.get(g) ?? null);
        }
        if (typeof g !== 'number' || g < 0 || g >= this.#current.groups.length) throw scriptError('regex', `No group ${String(g)}`, loc, 'java.lang.IndexOutOfBoundsException');
        return Promise.resolve(this.#current.groups[g] ?? null);
      }
      case 'groupCount':
        return Promise.resolve(groupCount(this.pattern, loc));
      case 'hasGroup':
        return Promise.resolve(groupCount(this.pattern, loc) > 0);
      case 'start':
      case 'end': {
        if (this.#current === null) throw scriptError('regex', 'No match available', loc, 'java.lang.IllegalStateException');
        return Promise.resolve(name === 'start' ? this.#current.index : this.#current.end);
      }
      case 'replaceAll':
      case 'replaceFirst':
        if (typeof a[0] !== 'string') return undefined;
        return replaceRegex(this.input, this.pattern, a[0], name === 'replaceAll', site);
      case 'toString':
        return Promise.resolve(this.toString());
      default:
        return undefined;
    }
  }
  /** The matches as a list, for each/collect/findAll and for-in. */
  toList(): GList {
    return this.#all.map(matchValue);
  }
  toString(): string {
    return `java.util.regex.Matcher[pattern=${this.pattern} region=0,${this.input.length} lastmatch=${this.#current?.groups[0] ?? ''}]`;
  }
}
