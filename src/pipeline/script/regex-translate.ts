// Java regular expressions translated to JavaScript ones (translateRegex), and why a pattern does
// not compile in the words of Java's PatternSyntaxException (patternError). Apart from regex.ts,
// which runs scans (and with them the regex threads), so that validation (`when { changelog }`)
// checks a pattern without loading what runs one: `kiln lint` loads no runtime.
import type { Loc } from '../../core/build.ts';
import { notSupported, scriptError, ScriptError } from './errors.ts';

const POSIX: Record<string, string> = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F', XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r', javaLowerCase: 'a-z', javaUpperCase: 'A-Z', javaWhitespace: ' \\t\\n\\x0B\\f\\r',
};

function escapeLiteral(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
}

export interface Compiled {
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
        const posix = Object.hasOwn(POSIX, name) ? POSIX[name] : undefined; // \p{constructor} is no class
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
