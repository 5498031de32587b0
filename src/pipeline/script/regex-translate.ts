// Java regular expressions translated to JavaScript ones (translateRegex), and why a pattern does
// not compile in the words of Java's PatternSyntaxException (patternError). Apart from regex.ts,
// which runs scans (and with them the regex threads), so that validation (`when { changelog }`)
// checks a pattern without loading what runs one: `kiln lint` loads no runtime.
//
// How (Translator, one pass over the Java pattern, emitting JavaScript with Java's meaning):
// - Possessive quantifiers (a*+, a{2,}+) and atomic groups (?>...) become a lookahead that
//   captures, then a backreference to it: (?:(?=(a*))\1). JavaScript never backtracks into a
//   lookahead, so what it took is kept, as Java keeps it. Those groups are Kiln's own: Compiled.map
//   gives each Java group its JavaScript group, so group(n) and $n keep Java's numbers.
// - Flags: leading (?i) is JavaScript's i flag; (?i) later or (?i:...) a modifier group (?i:...)
//   (closed and reopened around each | so an alternation keeps its shape). m, s and x are
//   applied here, where each ^ $ . and space is written: JavaScript's m and s flags are never used.
// - ^ $ . \Z follow Java's line terminators (\n \r\n \r \u0085 \u2028 \u2029): $ matches before
//   a final one, (?m)^ not at the end of the input. \s \h \v \R are Java's sets.
// - Nested classes [a-z[0-9]], intersections [a-z&&[^aeiou]] and Unicode properties (\p{L},
//   \p{IsLatin}, \p{javaLowerCase}) need JavaScript's v flag: a first pass without it restarts
//   with it (NeedV). Every literal is escaped so the output is valid with and without v.
// - Groups and backreferences are written with markers (\uE000 id, \uE001 id) numbered at the end,
//   because wrapping an atom in a capturing lookahead renumbers the groups inside it.
// Refused with a clear error where JavaScript cannot: \X, \G, \b{g}, \N{..}, (?d), \p{InBlock}.
import type { Loc } from '../../core/build.ts';
import { KilnError } from '../../core/errors.ts';
import { notSupported, scriptError, ScriptError } from './errors.ts';
/** Java's line terminators (without UNIX_LINES), as a JavaScript class body. */
const LT = '\\n\\r\\u0085\\u2028\\u2029';
/** Characters escaped when written literally in the JavaScript pattern: valid escapes in every mode (plain, u and v). */
const OUT_SYNTAX = new Set('^$\\.*+?()[]{}|/');
const IN_CLASS_SYNTAX = new Set('^$\\.*+?()[]{}|/-&!#%,:;<=>@`~');
const MARK_GROUP = '\uE000';
const MARK_REF = '\uE001';
const MARK_END = '\uE002';

/** A literal character as the JavaScript pattern writes it, in a class or outside. */
function lit(ch: string, inClass: boolean): string {
  if ((inClass ? IN_CLASS_SYNTAX : OUT_SYNTAX).has(ch)) return '\\' + ch;
  const code = ch.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0) || (code >= 0xe000 && code <= 0xe002) || (code >= 0xd800 && code <= 0xdfff)) {
    return '\\u' + code.toString(16).padStart(4, '0');
  }
  return ch;
}

/** Internal: the pattern needs the `v` flag; the translation starts again with it. */
class NeedV extends KilnError {
  constructor() {
    super('regex.needs-v-flag', 'the pattern needs the v flag');
  }
}

interface Flags { i: boolean; m: boolean; s: boolean; x: boolean }

interface GroupFrame {
  /** Output position where the group's content starts (after its opening). */
  start: number;
  /** Output position of the group's opening parenthesis. */
  open: number;
  kind: 'plain' | 'atomic' | 'look';
  /** Flags outside this group, restored when it closes. */
  outer: Flags;
  /** `(?i:` modifier groups opened by inline flags in this group's current alternative. */
  modifiers: number;
  /** The modifier text of the inline flags in effect, reopened after each `|`. */
  reopen: string[];
  /** The id of an atomic group's own capture, referenced when it closes. */
  atomicId: number;
}

const javaError = (msg: string, java: string, at: number): Error =>
  new JavaSyntax(`${msg}${at >= 0 ? ` near index ${at}` : ''}\n${java}`);
/** A pattern Java would refuse: the message in Java's words, turned into a ScriptError by the caller. */
class JavaSyntax extends KilnError {
  constructor(message: string) {
    super('regex.syntax', message);
  }
}

const H_CLASS = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const V_CLASS = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';
const S_CLASS = ' \\t\\n\\x0B\\f\\r';
const JAVA_PROPS: Record<string, string> = {
  javaLowerCase: '\\p{Lowercase}', javaUpperCase: '\\p{Uppercase}', javaAlphabetic: '\\p{Alphabetic}',
  javaDigit: '\\p{Nd}', javaLetter: '\\p{L}', javaLetterOrDigit: '[\\p{L}\\p{Nd}]',
  javaWhitespace: '[\\t-\\r\\x1C-\\x1F\\p{Zs}\\p{Zl}\\p{Zp}--[\\xA0\\u2007\\u202F]]',
  javaSpaceChar: '[\\p{Zs}\\p{Zl}\\p{Zp}]', javaTitleCase: '\\p{Lt}', javaIdeographic: '\\p{Ideographic}',
};

/** The translation of one Java pattern, before group numbers are given. */
class Translator {
  readonly java: string;
  readonly v: boolean;
  readonly loc: Loc | null;
  pos = 0;
  out = '';
  flags: Flags = { i: false, m: false, s: false, x: false };
  globalI = false;
  /** Ids of the groups (Java's and Kiln's own), in the order they open; java[k] is the id of Java group k+1. */
  nextId = 0;
  javaIds: number[] = [];
  names: (string | null)[] = [];
  frames: GroupFrame[] = [];

  constructor(java: string, v: boolean, loc: Loc | null) { this.java = java; this.v = v; this.loc = loc; }

  private groupMark(): { id: number; text: string } {
    const id = this.nextId++;
    return { id, text: `(${MARK_GROUP}${id}${MARK_END}` };
  }
  /** A backreference the pattern wrote: in (?:...), so that a digit after it stays a digit. */
  private ref(id: number): string { return `(?:${MARK_REF}${id}${MARK_END})`; }
  /**
   * The backreference that ends an atomic group or possessive quantifier, `))\N)`: bare, which a
   * written one never is, so that regex-safety can tell Kiln's atomic ones from the pattern's.
   */
  private atomicRef(id: number): string { return `${MARK_REF}${id}${MARK_END}`; }

  private skipSpace(): void {
    if (!this.flags.x) return;
    const s = this.java;
    for (;;) {
      const c = s[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\x0B') this.pos++;
      else if (c === '#') { while (this.pos < s.length && s[this.pos] !== '\n' && s[this.pos] !== '\r') this.pos++; }
      else return;
    }
  }

  run(): void {
    const s = this.java;
    // leading inline flags become the pattern's own: (?i) as JavaScript's i flag, the others lexical
    for (let m = /^\(\?([a-zA-Z]+)\)/.exec(s.slice(this.pos)); m; m = /^\(\?([a-zA-Z]+)\)/.exec(s.slice(this.pos))) {
      this.setFlags(m[1]!, '', this.pos + 2);
      if (this.flags.i) this.globalI = true;
      this.pos += m[0].length;
      this.skipSpace();
    }
    this.frames.push({ start: 0, open: 0, kind: 'plain', outer: { ...this.flags }, modifiers: 0, reopen: [], atomicId: -1 });
    let atom = -1;
    while (true) {
      this.skipSpace();
      if (this.pos >= s.length) break;
      const c = s[this.pos]!;
      const at = this.out.length;
      if (c === ')') {
        if (this.frames.length === 1) throw javaError("Unmatched closing ')'", s, this.pos - 1);
        atom = this.closeGroup();
        this.pos++;
      } else if (c === '(') {
        atom = -1;
        this.openGroup();
        continue;
      } else if (c === '|') {
        const f = this.frames[this.frames.length - 1]!;
        this.out += ')'.repeat(f.modifiers) + '|' + f.reopen.join('');
        this.pos++;
        atom = -1;
        continue;
      } else if (c === '[') {
        this.out += this.parseClass();
        atom = at;
      } else if (c === '\\') {
        atom = this.escape() ? at : -1;
      } else if (c === '.') {
        this.out += this.flags.s ? '[\\s\\S]' : `[^${LT}]`;
        this.pos++;
        atom = at;
      } else if (c === '^') {
        this.out += this.flags.m ? `(?:^|(?<=[${LT}]))(?<!\\r(?=\\n))(?=[\\s\\S])` : '^';
        this.pos++;
        atom = -1;
      } else if (c === '$') {
        this.out += this.flags.m ? `(?=[${LT}]|$)(?<!\\r(?=\\n))` : '(?=(?:\\r\\n|[' + LT + '])?$)(?<!\\r(?=\\n))';
        this.pos++;
        atom = -1;
      } else if (c === '*' || c === '+' || c === '?' || (c === '{' && /^\{\d/.test(s.slice(this.pos)))) {
        throw javaError(`Dangling meta character '${c}'`, s, this.pos);
      } else if (c === '{') {
        throw javaError('Illegal repetition', s, this.pos);
      } else {
        const cp = s.codePointAt(this.pos)!;
        const ch = String.fromCodePoint(cp);
        this.out += lit(ch, false);
        this.pos += ch.length;
        atom = at;
      }
      if (atom >= 0) this.quantifier(atom);
    }
    if (this.frames.length > 1) throw javaError('Unclosed group', s, s.length);
    this.out += ')'.repeat(this.frames[0]!.modifiers);
  }

  /** A quantifier after the atom written from `atom` on, if there is one (possessive ones wrapped as atomic). */
  private quantifier(atom: number): void {
    const s = this.java;
    this.skipSpace();
    const m = /^(?:[*+?]|\{(\d+)(,(\d*))?\})/.exec(s.slice(this.pos));
    if (!m) {
      if (s[this.pos] === '{') throw javaError('Illegal repetition', s, this.pos);
      return;
    }
    if (m[3] !== undefined && m[3] !== '' && Number(m[3]) < Number(m[1])) throw javaError('Illegal repetition range', s, this.pos + m[0].length - 1);
    this.pos += m[0].length;
    this.skipSpace();
    let q = m[0];
    const mode = s[this.pos];
    if (mode === '?') { q += '?'; this.pos++; }
    if (mode === '+') {
      this.pos++;
      const g = this.groupMark();
      this.out = this.out.slice(0, atom) + `(?:(?=${g.text}${this.out.slice(atom)}${q}))${this.atomicRef(g.id)})`;
      return;
    }
    this.out += q;
  }

  private setFlags(on: string, off: string, at: number): void {
    for (const [list, value] of [[on, true], [off, false]] as const) {
      for (const f of list) {
        if (f === 'i') this.flags.i = value;
        else if (f === 'm') this.flags.m = value;
        else if (f === 's') this.flags.s = value;
        else if (f === 'x') this.flags.x = value;
        else if (f === 'u' || f === 'U') continue; // Unicode case / classes: Kiln's i and classes stay as they are
        else if (f === 'd') throw notSupported('the (?d) UNIX_LINES flag in a regular expression', this.loc);
        else throw javaError('Unknown inline modifier', this.java, at + list.indexOf(f));
      }
    }
  }

  /** The JavaScript modifier for a change of the i flag ('' when it does not change). */
  private iModifier(before: boolean): string {
    return before === this.flags.i ? '' : this.flags.i ? 'i' : '-i';
  }

  private openGroup(): void {
    const s = this.java;
    const open = this.out.length;
    const outer = { ...this.flags };
    const frame = (kind: GroupFrame['kind']): GroupFrame => ({ start: this.out.length, open, kind, outer, modifiers: 0, reopen: [], atomicId: -1 });
    if (s[this.pos + 1] !== '?') {
      const g = this.groupMark();
      this.javaIds.push(g.id);
      this.names.push(null);
      this.out += g.text;
      this.pos++;
      this.frames.push(frame('plain'));
      return;
    }
    const rest = s.slice(this.pos + 2);
    const named = /^<([a-zA-Z][a-zA-Z0-9]*)>/.exec(rest);
    if (named) {
      if (this.names.includes(named[1]!)) throw javaError(`Named capturing group <${named[1]}> is already defined`, s, this.pos + 2 + named[0].length - 1);
      const g = this.groupMark();
      this.javaIds.push(g.id);
      this.names.push(named[1]!);
      this.out += `(?<${named[1]}>${MARK_GROUP}${g.id}${MARK_END}`;
      this.pos += 2 + named[0].length;
      this.frames.push(frame('plain'));
      return;
    }
    const look = /^(?:=|!|<=|<!)/.exec(rest);
    if (look) {
      this.out += `(?${look[0]}`;
      this.pos += 2 + look[0].length;
      this.frames.push(frame('look'));
      return;
    }
    if (rest[0] === ':') {
      this.out += '(?:';
      this.pos += 3;
      this.frames.push(frame('plain'));
      return;
    }
    if (rest[0] === '>') {
      const g = this.groupMark();
      this.out += `(?:(?=${g.text}`;
      this.pos += 3;
      const f = frame('atomic');
      f.atomicId = g.id;
      this.frames.push(f);
      return;
    }
    const fl = /^([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(rest);
    if (!fl || (fl[1] === '' && fl[2] === undefined)) throw javaError('Unknown inline modifier', s, this.pos + 2);
    const beforeI = this.flags.i;
    this.setFlags(fl[1]!, fl[2] ?? '', this.pos + 2);
    const mod = this.iModifier(beforeI);
    this.pos += 2 + fl[0].length;
    if (fl[3] === ':') {
      this.out += `(?${mod}:`;
      this.frames.push(frame('plain'));
      return;
    }
    // (?i) in the middle: to the end of the enclosing group, in every alternative after it
    if (mod) {
      const f = this.frames[this.frames.length - 1]!;
      this.out += `(?${mod}:`;
      f.modifiers++;
      f.reopen.push(`(?${mod}:`);
    }
  }

  /** Closes the innermost group; returns where it began in the output (the atom a quantifier repeats). */
  private closeGroup(): number {
    const f = this.frames.pop()!;
    this.out += ')'.repeat(f.modifiers) + (f.kind === 'atomic' ? `))${this.atomicRef(f.atomicId)})` : ')');
    this.flags = f.outer;
    return f.kind === 'look' ? -1 : f.open;
  }

  /** A Java property name (\\p{...}) as JavaScript writes it; inClass: the class body to put inside [...]. */
  private property(name: string, negated: boolean, at: number): string {
    const pname = name.replace(/^Is/, '');
    const posix = Object.hasOwn(POSIX, pname) ? POSIX[pname] : undefined; // \p{constructor} is no class
    let body: string | undefined;
    if (posix !== undefined) body = `[${negated ? '^' : ''}${posix}]`;
    else {
      let js = Object.hasOwn(JAVA_PROPS, name) ? JAVA_PROPS[name] : undefined;
      if (js === undefined) {
        const bare = name.replace(/^(?:Is|general_category=|gc=)/, '');
        const script = /^(?:script|sc)=(.*)$/i.exec(name)?.[1] ?? (name.startsWith('Is') ? bare : undefined);
        const tries = [/^[A-Z][a-z&]?$/.test(bare) ? `\\p{${bare === 'L&' ? 'LC' : bare}}` : '', script ? `\\p{Script=${script}}` : '', name.startsWith('Is') ? `\\p{${bare}}` : ''];
        js = tries.find((t) => { if (!t) return false; try { new RegExp(t, 'v'); return true; } catch { return false; } });
        if (js === undefined) {
          if (/^In/.test(name)) throw notSupported(`Unicode blocks (\\p{${name}}) in a regular expression`, this.loc);
          throw javaError(`Unknown character property name {${name}}`, this.java, at);
        }
      }
      if (!this.v) throw new NeedV();
      body = negated ? (js.startsWith('[') ? `[^${js.slice(1)}` : `\\P${js.slice(2)}`) : js;
    }
    return body;
  }

  /** One escape outside a class, from its backslash; returns whether it wrote an atom a quantifier may repeat. */
  private escape(): boolean {
    const s = this.java;
    const at = this.pos;
    const d = s[at + 1];
    if (d === undefined) throw javaError('Unexpected internal error', s, s.length);
    this.pos += 2;
    switch (d) {
      case 'Q': {
        const end = s.indexOf('\\E', this.pos);
        const text = end < 0 ? s.slice(this.pos) : s.slice(this.pos, end);
        this.pos = end < 0 ? s.length : end + 2;
        if (text === '') return false;
        const chars = [...text];
        // a quantifier after \Q..\E repeats its last character, as Java does
        this.out += chars.slice(0, -1).map((ch) => lit(ch, false)).join('');
        const last = this.out.length;
        this.out += lit(chars[chars.length - 1]!, false);
        this.quantifier(last);
        return false;
      }
      case 'A': this.out += '^'; return false;
      case 'z': this.out += '$'; return false;
      case 'Z': this.out += `(?=(?:\\r\\n|[${LT}])?$)(?<!\\r(?=\\n))`; return false;
      case 'b': case 'B':
        if (s[this.pos] === '{') throw notSupported('\\b{g} grapheme boundaries in a regular expression', this.loc);
        this.out += '\\' + d; return false;
      case 'G': throw notSupported('\\G (the end of the previous match) in a regular expression', this.loc);
      case 'X': throw notSupported('\\X (a grapheme cluster) in a regular expression: JavaScript has no equivalent', this.loc);
      case 'N': throw notSupported('\\N{name} in a regular expression', this.loc);
      case 'R': this.out += `(?:\\r\\n|[\\n\\x0B\\f\\x85\\u2028\\u2029]|\\r(?!\\n))`; return true;
      case 'k': {
        const m = /^<([a-zA-Z][a-zA-Z0-9]*)>/.exec(s.slice(this.pos));
        if (!m) throw javaError('\\k is not followed by \'<\' for named capturing group', s, this.pos);
        const k = this.names.indexOf(m[1]!);
        if (k < 0) throw javaError(`named capturing group <${m[1]}> does not exist`, s, this.pos + m[0].length - 1);
        this.pos += m[0].length;
        this.out += this.ref(this.javaIds[k]!);
        return true;
      }
      default:
    }
    if (d >= '1' && d <= '9') {
      let n = Number(d);
      while (this.pos < s.length && /[0-9]/.test(s[this.pos]!) && n * 10 + Number(s[this.pos]) <= this.javaIds.length) { n = n * 10 + Number(s[this.pos]); this.pos++; }
      this.out += n <= this.javaIds.length ? this.ref(this.javaIds[n - 1]!) : '(?!)';
      return true;
    }
    this.pos = at;
    this.out += this.classEscape(false);
    return true;
  }

  /**
   * An escape that stands for characters (\\d, \\s, \\h, \\p{..}, \\t, \\x41, a quoted char...), from its
   * backslash, as JavaScript writes it in a class body (inClass) or as an atom.
   */
  private classEscape(inClass: boolean): string {
    const s = this.java;
    const at = this.pos;
    const d = s[at + 1]!;
    this.pos += 2;
    const cls = (body: string, neg: boolean): string => {
      if (!inClass) return `[${neg ? '^' : ''}${body}]`;
      if (!neg) return body;
      if (!this.v) throw new NeedV();
      return `[^${body}]`;
    };
    switch (d) {
      case 'd': case 'D': case 'w': case 'W': return '\\' + d;
      case 's': return cls(S_CLASS, false);
      case 'S': return cls(S_CLASS, true);
      case 'h': return cls(H_CLASS, false);
      case 'H': return cls(H_CLASS, true);
      case 'v': return cls(V_CLASS, false);
      case 'V': return cls(V_CLASS, true);
      case 'p': case 'P': {
        let name: string;
        if (s[this.pos] === '{') {
          const end = s.indexOf('}', this.pos);
          if (end < 0) throw javaError('Unclosed character family', s, s.length);
          name = s.slice(this.pos + 1, end);
          this.pos = end + 1;
        } else {
          name = s[this.pos] ?? '';
          this.pos++;
        }
        const js = this.property(name, d === 'P', at);
        if (inClass && js.startsWith('[') && !this.v) {
          // a POSIX class inside a plain class: its body, unless negated
          if (js[1] === '^') throw new NeedV();
          return js.slice(1, -1);
        }
        return js;
      }
      case 't': return '\\t';
      case 'n': return '\\n';
      case 'r': return '\\r';
      case 'f': return '\\f';
      case 'a': return '\\x07';
      case 'e': return '\\x1B';
      case '0': {
        const m = /^(?:[0-3][0-7]{2}|[0-7]{1,2})/.exec(s.slice(this.pos));
        if (!m) throw javaError('Illegal octal escape sequence', s, this.pos);
        this.pos += m[0].length;
        return lit(String.fromCodePoint(parseInt(m[0], 8)), inClass);
      }
      case 'x': {
        const m = /^(?:\{([0-9a-fA-F]+)\}|[0-9a-fA-F]{2})/.exec(s.slice(this.pos));
        if (!m) throw javaError('Illegal hexadecimal escape sequence', s, this.pos);
        const cp = parseInt(m[1] ?? m[0], 16);
        if (cp > 0x10ffff) throw javaError('Hexadecimal codepoint is too big', s, this.pos);
        this.pos += m[0].length;
        return lit(String.fromCodePoint(cp), inClass);
      }
      case 'u': {
        const m = /^[0-9a-fA-F]{4}/.exec(s.slice(this.pos));
        if (!m) throw javaError('Illegal Unicode escape sequence', s, this.pos);
        this.pos += 4;
        return lit(String.fromCharCode(parseInt(m[0], 16)), inClass);
      }
      case 'c': {
        const x = s[this.pos];
        if (x === undefined) throw javaError('Illegal control escape sequence', s, this.pos);
        this.pos++;
        return lit(String.fromCharCode(x.charCodeAt(0) ^ 64), inClass);
      }
      default:
    }
    if (/[a-zA-Z]/.test(d)) throw javaError('Illegal/unsupported escape sequence', s, at + 1);
    if (/[0-9]/.test(d)) throw javaError('Illegal/unsupported escape sequence', s, at + 1);
    const cp = s.codePointAt(at + 1)!;
    const ch = String.fromCodePoint(cp);
    this.pos = at + 1 + ch.length;
    return lit(ch, inClass);
  }

  /** A Java character class from its [, nested classes and && intersections included. */
  private parseClass(): string {
    const s = this.java;
    const start = this.pos;
    this.pos++;
    let neg = false;
    if (s[this.pos] === '^') { neg = true; this.pos++; }
    const operands: string[][] = [[]];
    let first = true;
    for (;;) {
      if (this.flags.x) this.skipSpace();
      if (this.pos >= s.length) throw javaError('Unclosed character class', s, s.length - 1);
      const c = s[this.pos]!;
      const items = operands[operands.length - 1]!;
      if (c === ']' && !first) { this.pos++; break; }
      first = false;
      if (c === '[') {
        if (!this.v) throw new NeedV();
        items.push(this.parseClass());
        continue;
      }
      if (c === '&' && s[this.pos + 1] === '&') {
        if (!this.v) throw new NeedV();
        this.pos += 2;
        operands.push([]);
        continue;
      }
      const lo = this.classAtom();
      if (lo.single !== null && s[this.pos] === '-' && s[this.pos + 1] !== ']' && s[this.pos + 1] !== '[' && s[this.pos + 1] !== undefined) {
        this.pos++;
        if (this.flags.x) this.skipSpace();
        const hi = this.classAtom();
        if (hi.single === null) throw javaError('Illegal character range', s, this.pos - 1);
        if (hi.single.codePointAt(0)! < lo.single.codePointAt(0)!) throw javaError('Illegal character range', s, this.pos - 1);
        items.push(`${lit(lo.single, true)}-${lit(hi.single, true)}`);
        continue;
      }
      items.push(lo.text);
    }
    const nonEmpty = operands.filter((o) => o.length > 0);
    if (nonEmpty.length <= 1) return `[${neg ? '^' : ''}${(nonEmpty[0] ?? []).join('')}]`;
    void start;
    return `[${neg ? '^' : ''}${nonEmpty.map((o) => `[${o.join('')}]`).join('&&')}]`;
  }

  /** One character or escape inside a class: single is the character when it is one (a range's end). */
  private classAtom(): { text: string; single: string | null } {
    const s = this.java;
    if (s[this.pos] === '\\') {
      const d = s[this.pos + 1];
      if (d === 'Q') {
        const end = s.indexOf('\\E', this.pos + 2);
        const text = end < 0 ? s.slice(this.pos + 2) : s.slice(this.pos + 2, end);
        this.pos = end < 0 ? s.length : end + 2;
        return { text: [...text].map((ch) => lit(ch, true)).join(''), single: null };
      }
      const before = this.pos;
      const text = this.classEscape(true);
      const raw = s.slice(before, this.pos);
      const single = /^\\(?:[^a-zA-Z0-9]|0[0-7]+|x.+|u.{4}|c.|[tnrfae])$/.test(raw) ? decodeLit(text) : null;
      return { text, single };
    }
    const ch = String.fromCodePoint(s.codePointAt(this.pos)!);
    this.pos += ch.length;
    return { text: lit(ch, true), single: ch };
  }
}

/** The character a lit() text stands for. */
function decodeLit(text: string): string {
  if (text.startsWith('\\u')) return String.fromCharCode(parseInt(text.slice(2), 16));
  if (text.startsWith('\\x')) return String.fromCharCode(parseInt(text.slice(2), 16));
  const map: Record<string, string> = { '\\t': '\t', '\\n': '\n', '\\r': '\r', '\\f': '\f' };
  if (map[text] !== undefined) return map[text]!;
  return text.startsWith('\\') ? text.slice(1) : text;
}


const POSIX: Record<string, string> = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F', XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
};

export interface Compiled {
  source: string;
  flags: string;
  /** Java's capturing groups (what Matcher.groupCount() says). */
  groups: number;
  /** The JavaScript pattern's capturing groups: Java's, and Kiln's own for atomic groups and possessive quantifiers. */
  jsGroups: number;
  /** The JavaScript group of each Java group: map[g] for Java group g (map[0] = 0, the whole match). */
  map: number[];
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

const cache = new Map<string, Compiled>();

/** Translates a Java regex into a JavaScript one (source and flags). Throws a ScriptError when it cannot. */
export function translateRegex(java: string, loc: Loc | null): Compiled {
  const hit = cache.get(java);
  if (hit) return hit;
  if (java.length > MAX_PATTERN) {
    throw scriptError('limit', `too large: a regular expression of ${java.length} characters (Kiln limits patterns to ${MAX_PATTERN} characters)`, loc, 'java.util.regex.PatternSyntaxException');
  }
  let t = new Translator(java, false, loc);
  try {
    try {
      t.run();
    } catch (err) {
      if (!(err instanceof NeedV)) throw err;
      // nested classes, intersections and Unicode properties need JavaScript's v flag
      t = new Translator(java, true, loc);
      t.run();
    }
  } catch (err) {
    if (err instanceof JavaSyntax) throw scriptError('regex', `invalid regular expression ${showPattern(java)}: ${err.message.split('\n')[0]}`, loc, 'java.util.regex.PatternSyntaxException');
    throw err;
  }
  // give the groups their JavaScript numbers, in the order they open
  const numbers = new Map<number, number>();
  let n = 0;
  for (const m of t.out.matchAll(/\uE000(\d+)\uE002/g)) numbers.set(Number(m[1]), ++n);
  const out = t.out.replace(/\uE000\d+\uE002/g, '').replace(/\uE001(\d+)\uE002/g, (_, id: string) => `\\${numbers.get(Number(id))}`);
  const flags = (t.globalI ? 'i' : '') + (t.v ? 'v' : '');
  try {
    new RegExp(out, flags);
  } catch (err) {
    const why = (err instanceof Error ? err.message : String(err)).replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    throw scriptError('regex', `invalid regular expression ${showPattern(java)}: ${why}`, loc, 'java.util.regex.PatternSyntaxException');
  }
  const map = [0, ...t.javaIds.map((id) => numbers.get(id)!)];
  const compiled: Compiled = { source: out, flags, groups: t.javaIds.length, jsGroups: n, map, names: t.names };
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

/** Java's Pattern.quote: the string as a pattern that matches it literally (a \E in it included). */
export function quotePattern(s: string): string {
  return `\\Q${s.split('\\E').join('\\E\\\\E\\Q')}\\E`;
}

/**
 * A pattern with Pattern.compile's flags written as its leading inline flags: CASE_INSENSITIVE (2),
 * COMMENTS (4), MULTILINE (8), LITERAL (16), DOTALL (32); UNICODE_CASE (64) and
 * UNICODE_CHARACTER_CLASS (256) change nothing Kiln does; UNIX_LINES (1) and CANON_EQ (128) are refused.
 */
export function withPatternFlags(java: string, flags: number, loc: Loc | null): string {
  if (flags & 1) throw notSupported('Pattern.UNIX_LINES', loc);
  if (flags & 128) throw notSupported('Pattern.CANON_EQ', loc);
  if (flags & ~(2 | 4 | 8 | 16 | 32 | 64 | 128 | 256 | 1)) throw scriptError('regex', `Unknown flag 0x${flags.toString(16)}`, loc, 'java.lang.IllegalArgumentException');
  const inline = (flags & 2 ? 'i' : '') + (flags & 8 ? 'm' : '') + (flags & 32 ? 's' : '') + (flags & 4 && !(flags & 16) ? 'x' : '');
  const body = flags & 16 ? quotePattern(java) : java;
  return inline ? `(?${inline})${body}` : body;
}
