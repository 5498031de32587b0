// The hand-written lexer for the Groovy subset of Jenkinsfiles.
//
// It is a pull lexer (`next()` returns one token at a time) so that a 10 MB Jenkinsfile is never
// held as millions of token objects: the parser keeps only a small look-ahead window.
//
// Design choices, following Groovy 2's own lexer (groovy.g, the grammar Jenkins runs):
//
// - Newlines. The lexer keeps a stack of the open brackets. A newline is *significant* (it may
//   end a statement) only when the innermost open bracket is `{` or `${`, or at the top level;
//   inside `(` and `[` it is plain whitespace. Instead of newline tokens, each token carries
//   `nl`: "a significant newline comes before me". The parser decides what a newline ends.
//   Comments are whitespace; a newline inside a /* */ comment does not count (as in Groovy);
//   a backslash at the end of a line joins it to the next.
//
// - Slashy strings. `/` starts a /slashy/ string only where an expression may start: when the
//   previous token cannot end an operand (an operator, `(`, `,`, a keyword like `return`...),
//   or after a significant newline. After an identifier, a literal, `)`, `]`, `}`, `++`, `--`
//   it is division. `$/.../$` (dollar-slashy) follows the same rule. `//` and `/*` are always
//   comments, so an empty slashy string cannot exist.
//
// - GStrings. "a ${b} $c.d" is lexed as a sequence: gstart("a ") <tokens of b> gmid(" ")
//   gpath(c.d) gend(""). The `}` that closes `${` is found through the bracket stack, so nested
//   braces, closures and strings inside `${...}` need no special casing. `$name.prop` takes
//   dotted names while a `.` is followed by an identifier start (Groovy's rule: "$file.txt" is
//   file.txt). Single-quoted strings never interpolate.
//
// - String values are decoded here (escapes processed, CRLF inside strings normalized to \n as
//   Groovy does); positions always refer to the raw source.
//
// Errors (unterminated string, bad escape, stray character) are returned as an `error` token,
// after which the lexer keeps returning that same token: the parser reports it when it reaches it.

export interface PathSegment {
  name: string;
  start: number;
  end: number;
  line: number;
  col: number;
}

/**
 * One token. `kind` is 'ident', 'num', 'str', 'gstart', 'gmid', 'gend', 'gpath', 'eof',
 * 'error', a keyword ('if', 'def', ...) or an operator / punctuator ('(', '?.', '>>=', ...).
 * Offsets are raw offsets into the source; lines and columns are 1-based (UTF-16 columns).
 */
export class Token {
  kind: string;
  /** Identifier name, keyword, operator text, decoded string part, number source text, or error message. */
  text: string;
  start: number;
  end: number;
  line: number;
  col: number;
  endLine: number;
  endCol: number;
  /** A significant newline separates this token from the previous one. */
  nl: boolean;
  /** For strings: the quote ("'", '"', "'''", '"""', '/', '$/'). */
  quote: string;
  /** For gstart/gmid: the expression that follows is `${...}` (true) or `$name.path` (false). */
  brace: boolean;
  /** For numbers: the value, and whether it is an integer literal. */
  value: number;
  isInt: boolean;
  /** For gpath: the dotted names. */
  path: PathSegment[] | null;
  /** Position objects, created once by the parser and shared by every node starting/ending here. */
  sp: { line: number; col: number; offset: number } | null;
  ep: { line: number; col: number; offset: number } | null;

  constructor(kind: string, text: string, start: number, line: number, col: number, nl: boolean) {
    this.kind = kind;
    this.text = text;
    this.start = start;
    this.end = start;
    this.line = line;
    this.col = col;
    this.endLine = line;
    this.endCol = col;
    this.nl = nl;
    this.quote = '';
    this.brace = false;
    this.value = 0;
    this.isInt = false;
    this.path = null;
    this.sp = null;
    this.ep = null;
  }
}

export const KEYWORDS: ReadonlySet<string> = new Set([
  'as', 'assert', 'break', 'case', 'catch', 'class', 'const', 'continue', 'def', 'default', 'do',
  'else', 'enum', 'extends', 'false', 'finally', 'for', 'goto', 'if', 'implements', 'import', 'in',
  'instanceof', 'interface', 'new', 'null', 'package', 'return', 'super', 'switch', 'this', 'throw',
  'throws', 'trait', 'true', 'try', 'while',
  'boolean', 'byte', 'char', 'short', 'int', 'long', 'float', 'double', 'void',
  'abstract', 'final', 'native', 'private', 'protected', 'public', 'static', 'strictfp',
  'synchronized', 'transient', 'volatile',
]);

export const MODIFIERS: ReadonlySet<string> = new Set([
  'abstract', 'final', 'native', 'private', 'protected', 'public', 'static', 'strictfp',
  'synchronized', 'transient', 'volatile',
]);

export const BUILTIN_TYPES: ReadonlySet<string> = new Set([
  'boolean', 'byte', 'char', 'short', 'int', 'long', 'float', 'double', 'void',
]);

/** Keywords that are values, and so can end an operand (`true / 2` is a division). */
const VALUE_KEYWORDS: ReadonlySet<string> = new Set(['true', 'false', 'null', 'this', 'super']);

// Quote kinds of interpolating strings.
const Q_DQ = 0;
const Q_TDQ = 1;
const Q_SLASH = 2;
const Q_DSLASH = 3;
const QUOTE_TEXT = ['"', '"""', '/', '$/'];

// Bracket stack entries.
const PAREN = 1;
const BRACKET = 2;
const BRACE = 3;
const INTERP = 4; // + quote kind

// ASCII character classes: 1 = identifier start, 2 = identifier part (digits), 3 = both.
const CC = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36) CC[c] = 3;
  else if (c >= 48 && c <= 57) CC[c] = 2;
}

/**
 * Groovy 2's LETTER: ASCII letters, '_', Latin-1 letters, and everything from U+0100 up, except
 * (a deliberate difference) general punctuation and spaces (U+2000-U+206F: typographic quotes,
 * zero-width spaces...), the ideographic space and the BOM: pasted from a web page, these would
 * otherwise silently become part of a name (`sh “make”` would call sh with a variable).
 */
function isNonAsciiLetter(c: number): boolean {
  if (c < 0x100) return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || c >= 0xf8;
  return c <= 0xfffe && !(c >= 0x2000 && c <= 0x206f) && c !== 0x3000 && c !== 0xfeff;
}

function isIdStart(c: number): boolean {
  return c < 128 ? (CC[c]! & 1) !== 0 : isNonAsciiLetter(c);
}

function isIdPart(c: number): boolean {
  return c < 128 ? CC[c]! !== 0 : isNonAsciiLetter(c);
}

/** An identifier start other than '$' (for `$name` in strings). */
function isIdStartNoDollar(c: number): boolean {
  return c !== 36 && isIdStart(c);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

const CHAR_NAMES: Record<number, string> = {
  0x00a0: 'no-break space',
  0x200b: 'zero-width space',
  0x200c: 'zero-width non-joiner',
  0x200d: 'zero-width joiner',
  0x2028: 'line separator',
  0x2029: 'paragraph separator',
  0xfeff: 'zero-width no-break space (byte order mark)',
  0x201c: 'left double quotation mark',
  0x201d: 'right double quotation mark',
  0x2018: 'left single quotation mark',
  0x2019: 'right single quotation mark',
  0x0b: 'vertical tab',
};

function describeChar(c: number): string {
  const hex = 'U+' + c.toString(16).toUpperCase().padStart(4, '0');
  const name = CHAR_NAMES[c];
  if (name !== undefined) return `${hex} (${name})`;
  if (c < 32 || c === 127) return hex;
  return `'${String.fromCharCode(c)}'`;
}

interface StrStart {
  offset: number;
  line: number;
  col: number;
  quote: number;
  /** For `${`: where its '$' is (for "never closed" messages). */
  dOffset: number;
  dLine: number;
  dCol: number;
}

export class Lexer {
  readonly src: string;
  /** Names that start with a digit (`1BAR`), lexed as identifiers: each is an error its parser reports. */
  readonly digitNames: Token[] = [];
  /** The text of the `#!` line, if the file starts with one. */
  shebang: string | null = null;
  private i = 0;
  private line = 1;
  private lineStart = 0;
  private readonly stack: number[] = [];
  private readonly interps: StrStart[] = [];
  private lastEndsOperand = false;
  private lastKind = '';
  private pendingPath = -1;
  private pendingString = -1;
  private pathStr: StrStart | null = null;
  private sticky: Token | null = null;
  private escText = '';

  constructor(src: string) {
    this.src = src;
    let i = 0;
    if (src.charCodeAt(0) === 0xfeff) {
      i = 1;
      this.lineStart = 1;
    }
    // `#!` lines at the very start (Groovy allows several).
    while (src.charCodeAt(i) === 35 && src.charCodeAt(i + 1) === 33) {
      let j = i;
      while (j < src.length && src.charCodeAt(j) !== 10 && src.charCodeAt(j) !== 13) j++;
      if (this.shebang === null) this.shebang = src.slice(i, j);
      if (j >= src.length) { i = j; break; }
      j += src.charCodeAt(j) === 13 && src.charCodeAt(j + 1) === 10 ? 2 : 1;
      this.line++;
      this.lineStart = j;
      i = j;
    }
    this.i = i;
  }

  private tok(kind: string, text: string, start: number, line: number, col: number, nl: boolean): Token {
    const t = new Token(kind, text, start, line, col, nl);
    t.end = this.i;
    t.endLine = this.line;
    t.endCol = this.i - this.lineStart + 1;
    this.lastKind = kind;
    return t;
  }

  private newline(at: number): void {
    this.line++;
    this.lineStart = at;
  }

  private error(message: string, start: number, line: number, col: number, len = 1): Token {
    const t = new Token('error', message, start, line, col, false);
    t.end = Math.min(start + len, this.src.length);
    t.endLine = line;
    t.endCol = col + (t.end - start);
    this.sticky = t;
    return t;
  }

  /** The next token. After the end of input (or an error) the same token is returned forever. */
  next(): Token {
    if (this.sticky !== null) return this.sticky;
    if (this.pendingPath >= 0) return this.lexPath();
    if (this.pendingString >= 0) {
      const q = this.pendingString;
      this.pendingString = -1;
      return this.scanDString(q, false, this.pathStr!, this.i, this.line, this.i - this.lineStart + 1);
    }
    const src = this.src;
    const n = src.length;
    let i = this.i;
    let nl = false;
    for (;;) {
      if (i >= n) break;
      const c = src.charCodeAt(i);
      if (c === 32 || c === 9 || c === 12) { i++; continue; }
      if (c === 10) { i++; this.newline(i); nl = true; continue; }
      if (c === 13) {
        i++;
        if (src.charCodeAt(i) === 10) i++;
        this.newline(i);
        nl = true;
        continue;
      }
      if (c === 47) {
        const d = src.charCodeAt(i + 1);
        if (d === 47) {
          i += 2;
          while (i < n) {
            const e = src.charCodeAt(i);
            if (e === 10 || e === 13) break;
            i++;
          }
          continue;
        }
        if (d === 42) {
          const s = i, sl = this.line, sc = i - this.lineStart + 1;
          i += 2;
          let closed = false;
          while (i < n) {
            const e = src.charCodeAt(i);
            if (e === 42 && src.charCodeAt(i + 1) === 47) { i += 2; closed = true; break; }
            if (e === 10) { i++; this.newline(i); }
            else if (e === 13) { i++; if (src.charCodeAt(i) === 10) i++; this.newline(i); }
            else i++;
          }
          if (!closed) { this.i = i; return this.error('unterminated comment started here', s, sl, sc, 2); }
          continue;
        }
        break;
      }
      if (c === 92) {
        const d = src.charCodeAt(i + 1);
        if (d === 10) { i += 2; this.newline(i); continue; }
        if (d === 13) { i += 2; if (src.charCodeAt(i) === 10) i++; this.newline(i); continue; }
        break;
      }
      break;
    }
    this.i = i;
    const sl = this.stack.length;
    const top = sl > 0 ? this.stack[sl - 1]! : 0;
    const sig = nl && top !== PAREN && top !== BRACKET;
    const line = this.line;
    const col = i - this.lineStart + 1;
    if (i >= n) {
      const t = this.tok('eof', '', i, line, col, sig);
      this.sticky = t;
      return t;
    }
    const c = src.charCodeAt(i);
    const regexOk = sig || !this.lastEndsOperand;

    // Identifiers and keywords.
    if (c < 128 ? (CC[c]! & 1) !== 0 : isNonAsciiLetter(c)) {
      if (c === 36 && src.charCodeAt(i + 1) === 47 && regexOk) {
        this.i = i + 2;
        const t = this.scanDString(Q_DSLASH, true, this.strStart(i, line, col, Q_DSLASH), i, line, col);
        t.nl = sig;
        return t;
      }
      let j = i + 1;
      while (j < n) {
        const d = src.charCodeAt(j);
        if (d < 128 ? CC[d] === 0 : !isNonAsciiLetter(d)) break;
        j++;
      }
      const text = src.slice(i, j);
      this.i = j;
      const lk = this.lastKind;
      if (KEYWORDS.has(text) && lk !== '.' && lk !== '?.' && lk !== '*.') {
        this.lastEndsOperand = VALUE_KEYWORDS.has(text);
        return this.tok(text, text, i, line, col, sig);
      }
      this.lastEndsOperand = true;
      return this.tok('ident', text, i, line, col, sig);
    }

    if (isDigit(c)) return this.scanNumber(i, line, col, sig);

    switch (c) {
      case 39: { // '
        if (src.charCodeAt(i + 1) === 39 && src.charCodeAt(i + 2) === 39) {
          this.i = i + 3;
          return this.scanSingle(true, i, line, col, sig);
        }
        this.i = i + 1;
        return this.scanSingle(false, i, line, col, sig);
      }
      case 34: { // "
        const triple = src.charCodeAt(i + 1) === 34 && src.charCodeAt(i + 2) === 34;
        const q = triple ? Q_TDQ : Q_DQ;
        this.i = i + (triple ? 3 : 1);
        const t = this.scanDString(q, true, this.strStart(i, line, col, q), i, line, col);
        t.nl = sig;
        return t;
      }
      case 47: { // /
        if (regexOk) {
          this.i = i + 1;
          const t = this.scanDString(Q_SLASH, true, this.strStart(i, line, col, Q_SLASH), i, line, col);
          t.nl = sig;
          return t;
        }
        return this.op(src.charCodeAt(i + 1) === 61 ? '/=' : '/', i, line, col, sig);
      }
      case 40: this.stack.push(PAREN); return this.op('(', i, line, col, sig);
      case 91: this.stack.push(BRACKET); return this.op('[', i, line, col, sig);
      case 123: this.stack.push(BRACE); return this.op('{', i, line, col, sig);
      case 41: if (top === PAREN) this.stack.pop(); return this.op(')', i, line, col, sig);
      case 93: if (top === BRACKET) this.stack.pop(); return this.op(']', i, line, col, sig);
      case 125: {
        if (top >= INTERP) {
          this.stack.pop();
          const ss = this.interps.pop()!;
          this.i = i + 1;
          return this.scanDString(top - INTERP, false, ss, i, line, col);
        }
        if (top === BRACE) this.stack.pop();
        return this.op('}', i, line, col, sig);
      }
      case 59: return this.op(';', i, line, col, sig);
      case 44: return this.op(',', i, line, col, sig);
      case 64: return this.op('@', i, line, col, sig);
      case 126: return this.op('~', i, line, col, sig);
      case 46: { // .
        const d = src.charCodeAt(i + 1);
        if (d === 46) {
          const e = src.charCodeAt(i + 2);
          if (e === 60) return this.op('..<', i, line, col, sig);
          if (e === 46) return this.op('...', i, line, col, sig);
          return this.op('..', i, line, col, sig);
        }
        if (d === 38) return this.op('.&', i, line, col, sig);
        if (d === 64) return this.op('.@', i, line, col, sig);
        return this.op('.', i, line, col, sig);
      }
      case 58: return this.op(src.charCodeAt(i + 1) === 58 ? '::' : ':', i, line, col, sig);
      case 63: { // ?
        const d = src.charCodeAt(i + 1);
        if (d === 46) return this.op('?.', i, line, col, sig);
        if (d === 58) return this.op('?:', i, line, col, sig);
        if (d === 61 && src.charCodeAt(i + 2) !== 61) return this.op('?=', i, line, col, sig);
        return this.op('?', i, line, col, sig);
      }
      case 61: { // =
        const d = src.charCodeAt(i + 1);
        if (d === 61) {
          const e = src.charCodeAt(i + 2);
          if (e === 61) return this.op('===', i, line, col, sig);
          if (e === 126) return this.op('==~', i, line, col, sig);
          return this.op('==', i, line, col, sig);
        }
        if (d === 126) return this.op('=~', i, line, col, sig);
        return this.op('=', i, line, col, sig);
      }
      case 33: { // !
        const d = src.charCodeAt(i + 1);
        if (d === 61) return this.op(src.charCodeAt(i + 2) === 61 ? '!==' : '!=', i, line, col, sig);
        if (d === 105 && src.startsWith('in', i + 1)) {
          if (!isIdPart(src.charCodeAt(i + 3))) return this.op('!in', i, line, col, sig);
          if (src.startsWith('instanceof', i + 1) && !isIdPart(src.charCodeAt(i + 11))) {
            return this.op('!instanceof', i, line, col, sig);
          }
        }
        return this.op('!', i, line, col, sig);
      }
      case 60: { // <
        const d = src.charCodeAt(i + 1);
        if (d === 61) return this.op(src.charCodeAt(i + 2) === 62 ? '<=>' : '<=', i, line, col, sig);
        if (d === 60) return this.op(src.charCodeAt(i + 2) === 61 ? '<<=' : '<<', i, line, col, sig);
        return this.op('<', i, line, col, sig);
      }
      case 62: { // >
        const d = src.charCodeAt(i + 1);
        if (d === 61) return this.op('>=', i, line, col, sig);
        if (d === 62) {
          const e = src.charCodeAt(i + 2);
          if (e === 62) return this.op(src.charCodeAt(i + 3) === 61 ? '>>>=' : '>>>', i, line, col, sig);
          if (e === 61) return this.op('>>=', i, line, col, sig);
          return this.op('>>', i, line, col, sig);
        }
        return this.op('>', i, line, col, sig);
      }
      case 43: { // +
        const d = src.charCodeAt(i + 1);
        if (d === 43) return this.op('++', i, line, col, sig);
        if (d === 61) return this.op('+=', i, line, col, sig);
        return this.op('+', i, line, col, sig);
      }
      case 45: { // -
        const d = src.charCodeAt(i + 1);
        if (d === 45) return this.op('--', i, line, col, sig);
        if (d === 61) return this.op('-=', i, line, col, sig);
        if (d === 62) return this.op('->', i, line, col, sig);
        return this.op('-', i, line, col, sig);
      }
      case 42: { // *
        const d = src.charCodeAt(i + 1);
        if (d === 42) return this.op(src.charCodeAt(i + 2) === 61 ? '**=' : '**', i, line, col, sig);
        if (d === 61) return this.op('*=', i, line, col, sig);
        if (d === 46) return this.op('*.', i, line, col, sig);
        if (d === 58) return this.op('*:', i, line, col, sig);
        return this.op('*', i, line, col, sig);
      }
      case 37: return this.op(src.charCodeAt(i + 1) === 61 ? '%=' : '%', i, line, col, sig);
      case 38: { // &
        const d = src.charCodeAt(i + 1);
        if (d === 38) return this.op('&&', i, line, col, sig);
        if (d === 61) return this.op('&=', i, line, col, sig);
        return this.op('&', i, line, col, sig);
      }
      case 124: { // |
        const d = src.charCodeAt(i + 1);
        if (d === 124) return this.op('||', i, line, col, sig);
        if (d === 61) return this.op('|=', i, line, col, sig);
        return this.op('|', i, line, col, sig);
      }
      case 94: return this.op(src.charCodeAt(i + 1) === 61 ? '^=' : '^', i, line, col, sig);
    }
    let msg = `unexpected character ${describeChar(c)}`;
    if (c === 35) msg += " ('#' starts a comment only as '#!' on the first line; use // for comments)";
    else if (c >= 0x2018 && c <= 0x201d) msg += ': use plain quotes \' or " around strings';
    else if (c === 96) msg = "unexpected character '`' (Groovy has no backquoted strings; use ' or \")";
    return this.error(msg, i, line, col);
  }

  private op(kind: string, start: number, line: number, col: number, nl: boolean): Token {
    this.i = start + kind.length;
    this.lastEndsOperand = kind === ')' || kind === ']' || kind === '}' || kind === '++' || kind === '--';
    return this.tok(kind, kind, start, line, col, nl);
  }

  private strStart(offset: number, line: number, col: number, quote: number): StrStart {
    return { offset, line, col, quote, dOffset: offset, dLine: line, dCol: col };
  }

  private scanNumber(start: number, line: number, col: number, nl: boolean): Token {
    const src = this.src;
    const n = src.length;
    let i = start;
    let radix = 10;
    let isInt = true;
    const c0 = src.charCodeAt(i);
    const c1 = src.charCodeAt(i + 1);
    if (c0 === 48 && (c1 === 120 || c1 === 88)) {
      radix = 16;
      i += 2;
      while (i < n && (isHexDigit(src.charCodeAt(i)) || src.charCodeAt(i) === 95)) i++;
    } else if (c0 === 48 && (c1 === 98 || c1 === 66)) {
      radix = 2;
      i += 2;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d !== 48 && d !== 49 && d !== 95) break;
        i++;
      }
    } else {
      while (i < n && (isDigit(src.charCodeAt(i)) || src.charCodeAt(i) === 95)) i++;
      if (src.charCodeAt(i - 1) === 95 && i < n && isIdPart(src.charCodeAt(i))) {
        // `123_ABC`: Groovy 2's lexer wants a digit after the '_' of a number and stops there
        // (a name cannot start with a digit, so this is no name either)
        let j = i;
        while (j < n && isIdPart(src.charCodeAt(j))) j++;
        this.i = j;
        return this.error(`expecting token in range: '0'..'9', found '${src[i]}'`, i, line, col + (i - start));
      }
      if (src.charCodeAt(i) === 46 && isDigit(src.charCodeAt(i + 1))) {
        isInt = false;
        i++;
        while (i < n && (isDigit(src.charCodeAt(i)) || src.charCodeAt(i) === 95)) i++;
      }
      const e = src.charCodeAt(i);
      if (e === 101 || e === 69) {
        let j = i + 1;
        const s = src.charCodeAt(j);
        if (s === 43 || s === 45) j++;
        if (isDigit(src.charCodeAt(j))) {
          isInt = false;
          i = j;
          while (i < n && (isDigit(src.charCodeAt(i)) || src.charCodeAt(i) === 95)) i++;
        }
      }
      if (isInt && c0 === 48 && i - start > 1) radix = 8;
    }
    const digitsEnd = i;
    const s = src.charCodeAt(i);
    if (s === 108 || s === 76 || s === 105 || s === 73) { // l L i I
      if (isInt) i++;
    } else if (s === 103 || s === 71) { // g G
      i++;
    } else if ((s === 102 || s === 70 || s === 100 || s === 68) && radix === 10) { // f F d D
      isInt = false;
      i++;
    }
    if (radix === 8 && (s === 102 || s === 70 || s === 100 || s === 68)) {
      // 08f, 012d: a float with a leading zero
      radix = 10;
      isInt = false;
      i++;
    }
    if (i < n && isIdPart(src.charCodeAt(i))) {
      let j = i;
      while (j < n && isIdPart(src.charCodeAt(j))) j++;
      this.i = j;
      const text = src.slice(start, j);
      if (radix === 10 && /^[0-9]+[A-Za-z_$][A-Za-z0-9_$]*$/.test(text) && !/^[0-9]+[lLiIgGfFdD]$/.test(text)) {
        // `1BAR = 'x'`: a name that starts with a digit. Groovy 2 reads it as the number and a
        // name (its parser then refuses it, or declarative reports the environment variable);
        // Kiln makes it one name and records it, so that the caller says which.
        this.lastEndsOperand = true;
        const t = this.tok('ident', text, start, line, col, nl);
        this.digitNames.push(t);
        return t;
      }
      return this.error(`invalid number '${text}'`, start, line, col, j - start);
    }
    const raw = src.slice(start, i);
    let digits = src.slice(start, digitsEnd);
    if (digits.indexOf('_') >= 0) {
      if (digits.endsWith('_') || (radix === 10 && /_[.eE]|[.eE]_/.test(digits)) || /^0[xXbB]_/.test(digits)) {
        this.i = i;
        return this.error(`invalid number '${raw}': '_' must be between digits`, start, line, col, i - start);
      }
      digits = digits.replace(/_/g, '');
    }
    let value: number;
    if (radix === 16) value = digits.length > 2 ? parseInt(digits.slice(2), 16) : NaN;
    else if (radix === 2) value = digits.length > 2 ? parseInt(digits.slice(2), 2) : NaN;
    else if (radix === 8) {
      if (/[89]/.test(digits)) {
        this.i = i;
        return this.error(`invalid number '${raw}': a number that starts with 0 is octal and cannot contain 8 or 9`, start, line, col, i - start);
      }
      value = parseInt(digits, 8);
    } else value = Number(digits);
    if (Number.isNaN(value)) {
      this.i = i;
      return this.error(`invalid number '${raw}'`, start, line, col, i - start);
    }
    this.i = i;
    this.lastEndsOperand = true;
    const t = this.tok('num', raw, start, line, col, nl);
    t.value = value;
    t.isInt = isInt;
    return t;
  }

  /** Decodes the escape at src[i] === '\\' into this.escText; returns the index after it, or -1 after an error. */
  private escape(i: number, ss: StrStart): number {
    const src = this.src;
    const d = src.charCodeAt(i + 1);
    switch (d) {
      case 110: this.escText = '\n'; return i + 2;
      case 114: this.escText = '\r'; return i + 2;
      case 116: this.escText = '\t'; return i + 2;
      case 98: this.escText = '\b'; return i + 2;
      case 102: this.escText = '\f'; return i + 2;
      case 34: this.escText = '"'; return i + 2;
      case 39: this.escText = "'"; return i + 2;
      case 92: this.escText = '\\'; return i + 2;
      case 36: this.escText = '$'; return i + 2;
      case 10: this.escText = ''; this.newline(i + 2); return i + 2;
      case 13: {
        this.escText = '';
        const j = src.charCodeAt(i + 2) === 10 ? i + 3 : i + 2;
        this.newline(j);
        return j;
      }
      case 117: { // u
        let j = i + 1;
        while (src.charCodeAt(j) === 117) j++;
        const hex = src.slice(j, j + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.error(`invalid unicode escape '\\u${hex.replace(/[\r\n].*$/s, '')}': expected four hex digits`, i, this.line, i - this.lineStart + 1, 2);
          return -1;
        }
        this.escText = String.fromCharCode(parseInt(hex, 16));
        return j + 4;
      }
    }
    if (d >= 48 && d <= 55) {
      let j = i + 2;
      const max = d <= 51 ? 3 : 2;
      while (j - (i + 1) < max && src.charCodeAt(j) >= 48 && src.charCodeAt(j) <= 55) j++;
      this.escText = String.fromCharCode(parseInt(src.slice(i + 1, j), 8));
      return j;
    }
    if (Number.isNaN(d)) {
      this.unterminated(ss);
      return -1;
    }
    const ch = String.fromCharCode(d);
    this.error(
      `invalid escape sequence '\\${ch}' in a string; the valid ones are \\b \\f \\n \\r \\t \\\\ \\' \\" \\$ and \\uXXXX (write '\\\\${ch}' for a backslash followed by '${ch}')`,
      i, this.line, i - this.lineStart + 1, 2,
    );
    return -1;
  }

  private unterminated(ss: StrStart): Token {
    // A string started inside `${` that runs away is most often a `${` missing its `}`.
    const top = this.stack.length > 0 ? this.stack[this.stack.length - 1]! : 0;
    if (top >= INTERP && ss.quote === top - INTERP) {
      const outer = this.interps[this.interps.length - 1]!;
      return this.error("unterminated '${' started here: the '}' that closes it is missing", outer.dOffset, outer.dLine, outer.dCol, 2);
    }
    let msg: string;
    switch (ss.quote) {
      case Q_TDQ: msg = 'unterminated """ string literal started here'; break;
      case Q_SLASH: msg = 'unterminated slashy string /.../ started here'; break;
      case Q_DSLASH: msg = 'unterminated dollar-slashy string $/.../$ started here'; break;
      case -2: msg = "unterminated ''' string literal started here"; break;
      default: msg = 'unterminated string literal started here';
    }
    const qlen = ss.quote === Q_TDQ || ss.quote === -2 ? 3 : ss.quote === Q_DSLASH ? 2 : 1;
    return this.error(msg, ss.offset, ss.line, ss.col, qlen);
  }

  /** '...' and '''...''' (no interpolation). `this.i` is just after the opening quote(s). */
  private scanSingle(triple: boolean, start: number, line: number, col: number, nl: boolean): Token {
    const src = this.src;
    const n = src.length;
    const ss: StrStart = { offset: start, line, col, quote: triple ? -2 : -1, dOffset: 0, dLine: 0, dCol: 0 };
    let i = this.i;
    let value = '';
    let run = i;
    for (;;) {
      if (i >= n) { this.i = i; return this.unterminated(ss); }
      const c = src.charCodeAt(i);
      if (c === 39) {
        if (!triple) { value += src.slice(run, i); i++; break; }
        if (src.charCodeAt(i + 1) === 39 && src.charCodeAt(i + 2) === 39) { value += src.slice(run, i); i += 3; break; }
        i++;
        continue;
      }
      if (c === 92) {
        value += src.slice(run, i);
        i = this.escape(i, ss);
        if (i < 0) return this.sticky!;
        value += this.escText;
        run = i;
        continue;
      }
      if (c === 10 || c === 13) {
        if (!triple) { this.i = i; return this.unterminated(ss); }
        value += src.slice(run, i) + '\n';
        i++;
        if (c === 13 && src.charCodeAt(i) === 10) i++;
        this.newline(i);
        run = i;
        continue;
      }
      i++;
    }
    this.i = i;
    this.lastEndsOperand = true;
    const t = this.tok('str', value, start, line, col, nl);
    t.quote = triple ? "'''" : "'";
    return t;
  }

  /**
   * The body of an interpolating string ("...", """...""", /.../, $/.../$), from `this.i` up to
   * the closing delimiter (-> 'str' or 'gend') or the next `$` interpolation (-> 'gstart' or 'gmid').
   */
  private scanDString(q: number, isStart: boolean, ss: StrStart, tokStart: number, tokLine: number, tokCol: number): Token {
    const src = this.src;
    const n = src.length;
    let i = this.i;
    let value = '';
    let run = i;
    for (;;) {
      if (i >= n) { this.i = i; return this.unterminated(ss); }
      const c = src.charCodeAt(i);
      if (c === 34) { // "
        if (q === Q_DQ) { value += src.slice(run, i); i++; break; }
        if (q === Q_TDQ && src.charCodeAt(i + 1) === 34 && src.charCodeAt(i + 2) === 34) { value += src.slice(run, i); i += 3; break; }
        i++;
        continue;
      }
      if (c === 47) { // /
        if (q === Q_SLASH) { value += src.slice(run, i); i++; break; }
        if (q === Q_DSLASH && src.charCodeAt(i + 1) === 36) { value += src.slice(run, i); i += 2; break; }
        i++;
        continue;
      }
      if (c === 36) { // $
        const d = src.charCodeAt(i + 1);
        if (q === Q_DSLASH && (d === 36 || d === 47)) {
          value += src.slice(run, i) + (d === 36 ? '$' : '/');
          i += 2;
          run = i;
          continue;
        }
        if (d === 123 || isIdStartNoDollar(d)) {
          value += src.slice(run, i);
          const brace = d === 123;
          const dLine = this.line, dCol = i - this.lineStart + 1, dOffset = i;
          this.i = i + (brace ? 2 : 1);
          if (brace) {
            this.stack.push(INTERP + q);
            this.interps.push({ offset: ss.offset, line: ss.line, col: ss.col, quote: q, dOffset, dLine, dCol });
          } else {
            this.pendingPath = q;
            this.pathStr = ss;
          }
          this.lastEndsOperand = false;
          const t = this.tok(isStart ? 'gstart' : 'gmid', value, tokStart, tokLine, tokCol, false);
          t.quote = QUOTE_TEXT[q]!;
          t.brace = brace;
          return t;
        }
        if (q === Q_DQ || q === Q_TDQ) {
          this.i = i;
          return this.error(
            'illegal string body character after dollar sign; either escape a literal dollar sign "\\$5" or bracket the value expression "${5}"',
            i, this.line, i - this.lineStart + 1,
          );
        }
        i++;
        continue;
      }
      if (c === 92) { // backslash
        if (q === Q_DQ || q === Q_TDQ) {
          value += src.slice(run, i);
          i = this.escape(i, ss);
          if (i < 0) return this.sticky!;
          value += this.escText;
          run = i;
          continue;
        }
        const d = src.charCodeAt(i + 1);
        if (d === 10 || d === 13) {
          value += src.slice(run, i);
          i += 2;
          if (d === 13 && src.charCodeAt(i) === 10) i++;
          this.newline(i);
          run = i;
          continue;
        }
        if (q === Q_SLASH && d === 47) {
          value += src.slice(run, i) + '/';
          i += 2;
          run = i;
          continue;
        }
        i++;
        continue;
      }
      if (c === 10 || c === 13) {
        if (q === Q_DQ) { this.i = i; return this.unterminated(ss); }
        value += src.slice(run, i) + '\n';
        i++;
        if (c === 13 && src.charCodeAt(i) === 10) i++;
        this.newline(i);
        run = i;
        continue;
      }
      i++;
    }
    this.i = i;
    this.lastEndsOperand = true;
    const t = this.tok(isStart ? 'str' : 'gend', value, tokStart, tokLine, tokCol, false);
    t.quote = QUOTE_TEXT[q]!;
    return t;
  }

  /** `$name.prop.prop` inside an interpolating string; `this.i` is just after the '$'. */
  private lexPath(): Token {
    const src = this.src;
    const n = src.length;
    const q = this.pendingPath;
    this.pendingPath = -1;
    let i = this.i;
    const start = i;
    const line = this.line;
    const segs: PathSegment[] = [];
    for (;;) {
      const s = i;
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 36 || !isIdPart(d)) break;
        i++;
      }
      segs.push({ name: src.slice(s, i), start: s, end: i, line, col: s - this.lineStart + 1 });
      if (src.charCodeAt(i) === 46 && isIdStartNoDollar(src.charCodeAt(i + 1))) { i++; continue; }
      break;
    }
    this.i = i;
    this.pendingString = q;
    const t = this.tok('gpath', segs.map((s) => s.name).join('.'), start, line, start - this.lineStart + 1, false);
    t.path = segs;
    return t;
  }
}

/** All tokens of a source, up to and including 'eof' or the first 'error' (for tests and tools). */
export function tokenize(src: string): Token[] {
  const lx = new Lexer(src);
  const out: Token[] = [];
  for (;;) {
    const t = lx.next();
    out.push(t);
    if (t.kind === 'eof' || t.kind === 'error') return out;
  }
}
