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
// (checkRegex) stays synchronous, so a bad pattern is reported where it is written. The
// translation itself is regex-translate.ts, which validation loads without the threads.
import type { Loc } from '../../core/build.ts';
import { interruptionOf } from '../../core/errors.ts';
import { scriptError, ScriptError } from './errors.ts';
import { MAX_STRING, checkString, tooLarge } from './limits.ts';
import { RegexAborted, RegexTimeout, regexPoolLimits, runOnThread } from './regex-pool.ts';
import { regexShape, mayRunInline } from './regex-safety.ts';
import { MAX_PATTERN, MAX_MATCHES, MAX_MATCH_CELLS, maxMatches, showPattern, translateRegex, patternError, quotePattern, withPatternFlags, type Compiled } from './regex-translate.ts';

export { MAX_PATTERN, MAX_MATCHES, MAX_MATCH_CELLS, maxMatches, showPattern, translateRegex, patternError, quotePattern, withPatternFlags };
import { scan, type ScanOp, type ScanResult } from './regex-scan.ts';
import type { CallArgs, DynamicContext, GList, HostObject, Value } from './values.ts';


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
    for (let g = 0; g <= c.groups; g++) {
      const js = c.map[g]!;
      const a = r.spans[base + js * 2]!;
      groups.push(a < 0 ? null : input.slice(a, r.spans[base + js * 2 + 1]!));
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
  const req = { source: c.source, flags: c.flags, input, op, groups: c.jsGroups, limit: Math.min(limit, maxMatches(c.jsGroups)) };
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
