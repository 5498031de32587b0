// The parser: Jenkinsfile text -> Script (see ast.ts), or one precise, positioned diagnostic.
//
// API: parse(source) for a whole file; parseExpression(source, { origin }) for one expression
// (the text of a `${...}`, a condition kept as a string); both return { ast, diagnostics } with
// ast === null exactly when there is an error diagnostic, and never throw.
//
// A hand-written recursive-descent parser over the pull lexer in lexer.ts, with precedence
// climbing for binary operators. It follows Groovy 2's grammar (groovy.g: what Jenkins runs)
// rather than Java's or Groovy 3's, in particular:
//
// - Newlines. The lexer marks each token with `nl` when a *significant* newline precedes it
//   (newlines inside ( ) and [ ] are never significant). A statement ends at `;`, `}` or a
//   significant newline. An expression continues past a newline only (a) after a binary
//   operator, a comma or an opening bracket at the end of the line, (b) when the next line
//   starts with `.`, `?.` or `*.` (method chains) or with the `?`, `?:` or `:` of a conditional,
//   and (c) for an appended closure: `stage('x')\n{` and also `steps\n{` attach the `{` on the
//   next line to the call or name that starts the statement (or an `=` right-hand side). That is
//   Groovy 2's rule (pathExpression with LC_STMT); it prints a style warning but accepts it, so
//   Jenkinsfiles have it. Any other operator at the start of a line begins a new statement,
//   which is then an error that says so.
//
// - Command expressions. At the start of a statement, and on the right of `=` (also in a
//   `def x =` initializer, as Groovy's varInitializer allows: `def out = sh script: 'x'`), a bare
//   or dotted name (`sh`, `steps.sh`, `this.echo`) followed on the same line by something that
//   can only begin an argument (a literal, a name, `!`, `~`, `new`, ...) is a call without
//   parentheses: `sh 'x'`, `agent any`, `git url: 'u', branch: 'main'`. Arguments are
//   comma-separated (a newline may follow a comma) and may be named. They cannot start with
//   `(`, `[`, `{`, `-` or `+`, which continue the expression instead (`foo (1)` is a call with
//   parentheses, `foo [1]` an index, `foo -1` a subtraction), as in Groovy. A closure cannot
//   follow such arguments (`stage 'x' { }` is an error with a hint). Command chains continue
//   on the same line: `a b c d` = a(b).c(d), `a b c` = a(b).c.
//
// - `label: stmt` is a Labeled statement (`break label` / `continue label` name it), `label: { }` an open block; `obj.&m`
//   a MethodPointer; `*x` among a list's items or a call's arguments a Spread; `(a, b) = v` an
//   Assign whose target is a List of the targets.
//
// - Declarations vs commands use Groovy's razor: `String x` (a capitalized or primitive type,
//   or a qualified name ending in a capitalized one, then a name on the same line) declares a
//   variable; `checkout scm` (lower-case) is a command.
//
// - Mapping onto the fixed AST: `assert c : m` becomes a Call of `assert` (parens false); the
//   type after `instanceof` is an Ident holding the type name; `obj."${name}"` (computed
//   property name) becomes Index(obj, name); annotations become AnnotationStmt nodes placed just
//   before what they annotate (`@Library('x') _` is one AnnotationStmt whose loc includes `_`);
//   imports keep their dotted path, `static`, star and `as` alias; `package` is accepted first in
//   the file and leaves no node; class/interface/enum/trait definitions (top level only, as in
//   Groovy) become ClassDecl with their fields, methods, constructors, enum constants and nested
//   classes; anonymous class bodies are skipped; `new T[n]` is New('T[]', [n]). Parentheses
//   leave no node. Types are kept as text (`Map<String, List<Integer>>`, `String[]`, `int...`).
//
// - Small leniencies beyond Groovy 2, because they cannot change the meaning of a valid file:
//   `!in`, `!instanceof` and `?=` (Groovy 3 operators) are understood.
//
// - Errors: parsing stops at the first error, thrown internally as a ParseFailure and returned
//   as one diagnostic. Nesting is limited (MAX_NESTING levels of brackets, closures, blocks,
//   prefix operators, `? :`, `=`) so that no input can overflow the stack (a RangeError is
//   still caught and reported the same way); input size and binary content are checked before
//   lexing. Everything is linear in the input size: look-ahead is bounded, and the one
//   look-ahead that scans (closure parameters) stops at the first token that cannot belong.

import type {
  AnnotationStmt, AssignOp, BinaryOp, BlockStmt, CallExpr, CatchClause, ClassDecl, ClassMethod, ClosureExpr,
  Expr, ForInStmt, ForStmt, FunctionDecl, GStringLit, IfStmt, ImportStmt, MapEntry,
  NamedArg, NewExpr, Param, PropertyExpr, Script, Stmt, StringLit, SwitchCase, SwitchStmt,
  TryStmt, UnaryExpr, VarDecl,
} from './ast.ts';
import type { Loc, Pos } from '../../core/build.ts';
import type { Diagnostic } from '../diagnostics.ts';
import { BUILTIN_TYPES, KEYWORDS, Lexer, MODIFIERS, Token } from './lexer.ts';

/** l L i I g G: the suffixes that make an integer literal a Long, Integer or BigInteger. */
function isIntSuffix(c: number): boolean {
  const l = c | 0x20;
  return l === 0x6c || l === 0x69 || l === 0x67;
}

/**
 * Groovy's compile error for a literal that does not fit the type its suffix demands (only
 * for decimal literals, as Groovy checks; a hex `0xFFFFFFFFFFFFFFFFFL` wraps). null = fine.
 */
function literalRangeError(raw: string, negated: boolean): string | null {
  const t = raw.replace(/_/g, '');
  const last = t.charCodeAt(t.length - 1) | 0x20;
  if (last !== 0x6c && last !== 0x69) return null;
  if (/^0[xXbB]/.test(t) || (t.length > 2 && t[0] === '0')) return null;
  const v = negated ? -BigInt(t.slice(0, -1)) : BigInt(t.slice(0, -1));
  if (last === 0x69 && (v > 2147483647n || v < -2147483648n)) return `Number of value ${v} does not fit in the range of int, but int was enforced.`;
  if (last === 0x6c && (v > 9223372036854775807n || v < -9223372036854775808n)) return `Number of value ${v} does not fit in the range of long, but long was enforced.`;
  return null;
}


/** Tokens that start a statement which is no expression: inside "${...}" they make it a block. */
const INTERP_STATEMENT_START = new Set(['def', 'final', 'if', 'for', 'while', 'return', 'throw', 'try', 'switch']);

/** How deeply brackets, closures, blocks and operators may nest before parsing gives up. */
export const MAX_NESTING = 500;
/** The largest Jenkinsfile accepted, in UTF-8 bytes. */
export const MAX_SOURCE_BYTES = 10 * 1024 * 1024;

export interface ParseResult {
  /** null if and only if `diagnostics` holds an error. */
  ast: Script | null;
  diagnostics: Diagnostic[];
  /**
   * When the only errors are names that start with a digit (`1BAR = 'x'`, code 'digit-name'):
   * the tree read with them as names, for declarative's validator, which reports such a name in
   * `environment {}` as Jenkins does (its message replaces the parser's at the same place).
   */
  recovered?: Script;
}

/** The result of parseExpression: one expression, or null with an error diagnostic. */
export interface ExpressionParseResult {
  ast: Expr | null;
  diagnostics: Diagnostic[];
}

export interface ExpressionOptions {
  /**
   * Where the text starts in a larger file (e.g. the position of the code inside a `${...}`),
   * so that positions in the tree and in diagnostics point into that file.
   */
  origin?: Pos;
}

/**
 * Parses a whole Jenkinsfile (declarative or scripted). Never throws. `offsetBase` shifts every
 * offset (not lines and columns): a shared library's files are parsed each with its own base, so
 * that a position tells which file it is in (libraries/parsed.ts).
 */
export function parse(source: string, offsetBase = 0): ParseResult {
  let p: Parser | null = null;
  try {
    const pre = precheck(source);
    if (pre !== null) return { ast: null, diagnostics: [shiftDiagnostic(pre, offsetBase ? { line: 1, col: 1, offset: offsetBase } : null)] };
    p = new Parser(source, offsetBase ? { line: 1, col: 1, offset: offsetBase } : null);
    const ast = p.parseScript();
    const names = p.digitNameErrors();
    return names.length === 0 ? { ast, diagnostics: [] } : { ast: null, diagnostics: names, recovered: ast };
  } catch (e) {
    return { ast: null, diagnostics: [p !== null ? p.failureToDiagnostic(e) : internalError(e, null)] };
  }
}

/**
 * Parses a single Groovy expression, e.g. the text of a `${...}` or a `when { expression {...} }`
 * condition written as a string. Surrounding whitespace, newlines and comments are allowed;
 * anything after the expression is an error. Never throws.
 */
export function parseExpression(source: string, options: ExpressionOptions = {}): ExpressionParseResult {
  const origin = options.origin ?? null;
  let p: Parser | null = null;
  try {
    const pre = precheck(source);
    if (pre !== null) return { ast: null, diagnostics: [shiftDiagnostic(pre, origin)] };
    p = new Parser(source, origin);
    const ast = p.parseOnlyExpression();
    const names = p.digitNameErrors();
    return names.length === 0 ? { ast, diagnostics: [] } : { ast: null, diagnostics: names };
  } catch (e) {
    return { ast: null, diagnostics: [p !== null ? p.failureToDiagnostic(e) : internalError(e, origin)] };
  }
}

/** Not a syntax error: a bug, or input that is not a string (from untyped callers). */
function internalError(e: unknown, origin: Pos | null): Diagnostic {
  const p = origin ?? { line: 1, col: 1, offset: 0 };
  const msg = typeof e === 'object' && e !== null && 'message' in e ? String((e as { message: unknown }).message) : String(e);
  return { severity: 'error', code: 'internal', message: `internal error in the Jenkinsfile parser: ${msg}`, loc: { start: p, end: p } };
}

function shiftDiagnostic(d: Diagnostic, origin: Pos | null): Diagnostic {
  if (origin === null) return d;
  const sh = (p: Pos): Pos => ({
    line: p.line + origin.line - 1,
    col: p.line === 1 ? p.col + origin.col - 1 : p.col,
    offset: p.offset + origin.offset,
  });
  return { ...d, loc: { start: sh(d.loc.start), end: sh(d.loc.end) } };
}

function posAt(src: string, offset: number): Pos {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const c = src.charCodeAt(i);
    if (c === 10 || (c === 13 && src.charCodeAt(i + 1) !== 10)) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, col: offset - lineStart + 1, offset };
}

/** Size and binary-content checks, before any lexing. */
function precheck(src: string): Diagnostic | null {
  if (src.length * 3 > MAX_SOURCE_BYTES) {
    const bytes = Buffer.byteLength(src, 'utf8');
    if (bytes > MAX_SOURCE_BYTES) {
      const p = { line: 1, col: 1, offset: 0 };
      return {
        severity: 'error', code: 'file-too-large',
        message: `Jenkinsfile is too large (${bytes} bytes; the limit is 10 MB)`,
        loc: { start: p, end: p },
      };
    }
  }
  const nul = src.indexOf('\0');
  const bad = src.indexOf('\uFFFD');
  if (nul >= 0 || bad >= 0) {
    const at = nul >= 0 && (bad < 0 || nul < bad) ? nul : bad;
    const p = posAt(src, at);
    const what = at === nul ? 'it contains a NUL byte' : 'it contains bytes that are not valid UTF-8';
    return {
      severity: 'error', code: 'not-text',
      message: `file is not text: ${what} (is it a binary file?)`,
      loc: { start: p, end: { line: p.line, col: p.col + 1, offset: p.offset + 1 } },
    };
  }
  return null;
}

class ParseFailure {
  readonly code: string;
  readonly message: string;
  readonly loc: Loc;
  constructor(code: string, message: string, loc: Loc) {
    this.code = code;
    this.message = message;
    this.loc = loc;
  }
}

interface OpenBracket {
  kind: '(' | '[' | '{' | '${';
  line: number;
  col: number;
  offset: number;
  /** Offset of the start of the line the bracket is on (for the indentation hint). */
  lineStart: number;
}

const CLOSER: Record<OpenBracket['kind'], string> = { '(': ')', '[': ']', '{': '}', '${': '}' };

/** Describes an open-bracket token (gstart/gmid stand for the '${' at their end). */
function bracketOf(t: Token): OpenBracket {
  if (t.kind === 'gstart' || t.kind === 'gmid') {
    const col = t.endCol - 2;
    return { kind: '${', line: t.endLine, col, offset: t.end - 2, lineStart: t.end - 2 - (col - 1) };
  }
  return { kind: t.kind as OpenBracket['kind'], line: t.line, col: t.col, offset: t.start, lineStart: t.start - (t.col - 1) };
}

const BINARY_PREC: ReadonlyMap<string, number> = new Map([
  ['||', 1], ['&&', 2], ['|', 3], ['^', 4], ['&', 5],
  ['=~', 6], ['==~', 6],
  ['==', 7], ['!=', 7], ['<=>', 7], ['===', 7], ['!==', 7],
  ['<', 8], ['<=', 8], ['>', 8], ['>=', 8], ['in', 8], ['!in', 8], ['instanceof', 8], ['!instanceof', 8], ['as', 8],
  ['<<', 9], ['>>', 9], ['>>>', 9], ['..', 9], ['..<', 9],
  ['+', 10], ['-', 10],
]);

const ASSIGN_OPS: ReadonlySet<string> = new Set([
  '=', '+=', '-=', '*=', '/=', '%=', '**=', '<<=', '>>=', '>>>=', '&=', '|=', '^=', '?=',
]);

/** Operators that cannot begin an expression: at the start of a line they are certainly a mistake. */
const INFIX_ONLY: ReadonlySet<string> = new Set([
  '||', '&&', '|', '^', '&', '=~', '==~', '==', '!=', '<=>', '===', '!==', '<', '<=', '>', '>=',
  'in', '!in', 'instanceof', '!instanceof', 'as', '<<', '>>', '>>>', '..', '..<', '*', '/', '%', '**',
  '=', '+=', '-=', '*=', '/=', '%=', '**=', '<<=', '>>=', '>>>=', '&=', '|=', '^=', '?=',
]);

/** Tokens that may start a command argument (after `name` on the same line). */
function canStartCommandArg(t: Token): boolean {
  switch (t.kind) {
    case 'ident': case 'num': case 'str': case 'gstart':
    case 'true': case 'false': case 'null': case 'this': case 'super': case 'new':
    case '!': case '~':
      return true;
  }
  return false;
}

/** Tokens that may start an expression. */
function canStartExpression(t: Token): boolean {
  switch (t.kind) {
    case 'ident': case 'num': case 'str': case 'gstart':
    case 'true': case 'false': case 'null': case 'this': case 'super': case 'new':
    case '!': case '~': case '-': case '+': case '++': case '--': case '(': case '[': case '{':
      return true;
  }
  return BUILTIN_TYPES.has(t.kind);
}

function isWord(t: Token): boolean {
  return t.kind === 'ident' || KEYWORDS.has(t.kind);
}

function isUpperName(name: string): boolean {
  const c = name.charCodeAt(0);
  if (c >= 65 && c <= 90) return true;
  if (c < 128) return false;
  const ch = name.charAt(0);
  return ch.toUpperCase() === ch && ch.toLowerCase() !== ch;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of file';
    case 'str': case 'gstart': {
      const q = t.quote;
      const v = t.text.length > 30 ? t.text.slice(0, 27) + '...' : t.text;
      return t.kind === 'str' && !v.includes('\n') ? `string ${q}${v}${q === '$/' ? '/$' : q}` : 'string';
    }
    case 'gmid': case 'gend': return "'}'";
    case 'gpath': return `'$${t.text}'`;
    case 'num': return `number ${t.text}`;
    default: return `'${t.text}'`;
  }
}

const LITERAL_TYPES: ReadonlySet<string> = new Set(['String', 'GString', 'Number', 'Boolean', 'Null', 'List', 'Map']);

class Parser {
  private readonly src: string;
  private readonly lx: Lexer;
  private tok: Token;
  private prev: Token;
  private readonly buf: Token[] = [];
  private head = 0;
  private depth = 0;
  /** The number token right after a unary minus: `-9223372036854775808L` is Long.MIN_VALUE, as Groovy folds the sign into the literal. */
  private negatedNumber: Token | null = null;
  /** The open brackets: '(' '[' '{' tokens, and gstart/gmid tokens for '${'. */
  private readonly open: Token[] = [];
  private lastPath: Expr | null = null;
  private gtDebt = 0;
  /** Inside a bare `{ }` that will be refused (see parseStatement), nested ones are not reported again. */
  private inBareBlock = false;
  /** First '{' whose '}' was indented differently: the likely culprit of a "never closed" error. */
  private suspect: Token | null = null;
  private readonly dLine: number;
  private readonly dCol: number;
  private readonly dOff: number;

  constructor(src: string, origin: Pos | null) {
    this.src = src;
    this.dLine = origin ? origin.line - 1 : 0;
    this.dCol = origin ? origin.col - 1 : 0;
    this.dOff = origin ? origin.offset : 0;
    this.lx = new Lexer(src);
    // tok/prev are set for real by the first advance() in parseScript/parseOnlyExpression.
    this.tok = new Token('eof', '', 0, 1, 1, false);
    this.prev = this.tok;
  }

  // ---------------------------------------------------------------------------------------
  // Positions, tokens, errors

  private pos(offset: number, line: number, col: number): Pos {
    return { line: line + this.dLine, col: line === 1 ? col + this.dCol : col, offset: offset + this.dOff };
  }

  private startOf(t: Token): Pos {
    return t.sp ?? (t.sp = this.pos(t.start, t.line, t.col));
  }

  private endOf(t: Token): Pos {
    return t.ep ?? (t.ep = this.pos(t.end, t.endLine, t.endCol));
  }

  private locOf(t: Token): Loc {
    return { start: this.startOf(t), end: this.endOf(t) };
  }

  /** From a start position to the end of the last consumed token. */
  private span(start: Pos): Loc {
    return { start, end: this.endOf(this.prev) };
  }

  /** The current token's kind (a method, so that TypeScript does not narrow it across advance()). */
  private cur(): string {
    return this.tok.kind;
  }

  private advance(): void {
    this.prev = this.tok;
    if (this.head < this.buf.length) {
      this.tok = this.buf[this.head++]!;
      if (this.head === this.buf.length) {
        this.buf.length = 0;
        this.head = 0;
      }
    } else {
      this.tok = this.lx.next();
    }
    if (this.cur() === 'error') {
      const t = this.tok;
      throw new ParseFailure('syntax', t.text, this.locOf(t));
    }
  }

  /** The token k places ahead (0 = the current token). */
  private la(k: number): Token {
    if (k === 0) return this.tok;
    const need = this.head + k;
    while (this.buf.length < need) this.buf.push(this.lx.next());
    return this.buf[need - 1]!;
  }

  private fail(message: string, t: Token): ParseFailure {
    return new ParseFailure('syntax', message, this.locOf(t));
  }

  private enter(t: Token): void {
    if (++this.depth > MAX_NESTING) {
      throw new ParseFailure('nesting-too-deep', `nesting too deep (more than ${MAX_NESTING} levels)`, this.locOf(t));
    }
  }

  private leave(): void {
    this.depth--;
  }

  private openDesc(o: OpenBracket): string {
    return o.kind === '{' ? 'the block' : `the '${o.kind}'`;
  }

  /** The error for a token that does not fit here, with what is known about open brackets. */
  private unexpected(t: Token, hint = ''): ParseFailure {
    const o = this.open.length > 0 ? bracketOf(this.open[this.open.length - 1]!) : null;
    if (t.kind === 'eof') {
      if (o !== null) {
        // Groovy 2's words first ("expecting '}', found ''"), then where the bracket opened
        let msg = `expecting '${CLOSER[o.kind]}', found '' (end of file): '${o.kind}' at ${o.line + this.dLine}:${o.line === 1 ? o.col + this.dCol : o.col} is never closed`;
        const s = this.suspect !== null ? bracketOf(this.suspect) : null;
        if (s !== null && this.suspect !== this.open[this.open.length - 1] && o.kind === '{') {
          msg += ` (judging by the indentation, the '{' at ${s.line + this.dLine}:${s.line === 1 ? s.col + this.dCol : s.col} may be the one missing its '}')`;
        }
        return this.fail(msg, t);
      }
      return this.fail('unexpected end of file' + hint, t);
    }
    const isCloser = t.kind === ')' || t.kind === ']' || t.kind === '}' || t.kind === 'gmid' || t.kind === 'gend';
    if (isCloser && o !== null) {
      const closer = CLOSER[o.kind];
      const found = t.kind === 'gmid' || t.kind === 'gend' ? '}' : t.kind;
      if (closer !== found) {
        return this.fail(`expected '${closer}' to close ${this.openDesc(o)} opened at line ${o.line + this.dLine}, column ${o.line === 1 ? o.col + this.dCol : o.col}`, t);
      }
    }
    if (hint === '' && t.nl && INFIX_ONLY.has(t.kind)) {
      hint = `: an operator at the start of a line does not continue the previous line in Groovy; move '${t.kind}' to the end of the previous line`;
    }
    return this.fail(`unexpected ${describe(t)}${hint}`, t);
  }

  /** After an element of ( ), [ ] or ${ }: neither ',' nor the closer. */
  private unexpectedInList(t: Token): ParseFailure {
    const o = bracketOf(this.open[this.open.length - 1]!);
    const isCloser = t.kind === ')' || t.kind === ']' || t.kind === '}' || t.kind === 'gmid' || t.kind === 'gend';
    if (t.kind === 'eof' || isCloser) return this.unexpected(t);
    const closer = CLOSER[o.kind];
    const what = o.kind === '${' ? `'${closer}'` : `',' or '${closer}'`;
    return this.fail(`unexpected ${describe(t)}: expected ${what} to continue or close ${this.openDesc(o)} opened at line ${o.line + this.dLine}, column ${o.line === 1 ? o.col + this.dCol : o.col}`, t);
  }

  private openBracket(t: Token): void {
    this.open.push(t);
  }

  /** Consumes the closer of the innermost open bracket, or fails. */
  private closeBracket(): Token {
    const o = this.open[this.open.length - 1]!;
    const t = this.tok;
    const ok = o.kind;
    if (t.kind !== (ok === '(' ? ')' : ok === '[' ? ']' : '}')) throw this.unexpected(t);
    this.open.pop();
    if (ok === '{' && this.suspect === null && t.line !== o.line) this.checkIndent(o, t);
    this.advance();
    return t;
  }

  private indentOf(lineStart: number, upTo: number): string | null {
    const src = this.src;
    let i = lineStart;
    while (i < upTo) {
      const c = src.charCodeAt(i);
      if (c !== 32 && c !== 9) break;
      i++;
    }
    return src.slice(lineStart, i);
  }

  private checkIndent(o: Token, close: Token): void {
    const closeLineStart = close.start - (close.col - 1);
    const ci = this.indentOf(closeLineStart, close.start);
    if (ci === null || closeLineStart + ci.length !== close.start) return; // '}' is not first on its line
    const oi = this.indentOf(o.start - (o.col - 1), o.start);
    if (oi !== null && oi !== ci) this.suspect = o;
  }

  private expect(kind: string): Token {
    const t = this.tok;
    if (t.kind !== kind) throw this.unexpected(t, this.expectHint(kind));
    this.advance();
    return t;
  }

  private expectHint(kind: string): string {
    return `; expected '${kind}'`;
  }

  private expectIdent(what: string): Token {
    const t = this.tok;
    if (t.kind !== 'ident') {
      if (t.kind === 'eof' || t.kind === ')' || t.kind === ']' || t.kind === '}') throw this.unexpected(t);
      throw this.fail(`expected ${what}, found ${describe(t)}`, t);
    }
    this.advance();
    return t;
  }

  /**
   * The names that start with a digit: Groovy reads `1BAR` as the number 1 and then the name
   * BAR, and its parser refuses that (`unexpected token: 1`) wherever a name is wanted.
   */
  digitNameErrors(): Diagnostic[] {
    return this.lx.digitNames.map((t) => ({
      severity: 'error' as const, code: 'digit-name',
      message: `unexpected token: ${/^[0-9]+/.exec(t.text)![0]} ("${t.text}" is not a valid identifier: a name cannot start with a digit)`,
      loc: this.locOf(t),
    }));
  }

  failureToDiagnostic(e: unknown): Diagnostic {
    if (e instanceof ParseFailure) return { severity: 'error', code: e.code, message: e.message, loc: e.loc };
    const t = this.tok;
    if (e instanceof RangeError) {
      return { severity: 'error', code: 'nesting-too-deep', message: `nesting too deep (more than ${MAX_NESTING} levels)`, loc: this.locOf(t) };
    }
    const msg = e instanceof Error ? e.message : String(e);
    return { severity: 'error', code: 'internal', message: `internal error in the Jenkinsfile parser: ${msg}`, loc: this.locOf(t) };
  }

  // ---------------------------------------------------------------------------------------
  // Entry points

  parseScript(): Script {
    this.advance();
    const body = this.parseBlockBody(true, false);
    if (this.cur() !== 'eof') throw this.unexpected(this.tok);
    const start = this.pos(0, 1, 1);
    return { type: 'Script', body, shebang: this.lx.shebang, loc: { start, end: this.startOf(this.tok) } };
  }

  parseOnlyExpression(): Expr {
    this.advance();
    if (this.cur() === 'eof') throw this.fail('expected an expression, found nothing', this.tok);
    const e = this.parseExpr(0);
    if (this.cur() !== 'eof') throw this.unexpected(this.tok, ' after the end of the expression');
    return e;
  }

  // ---------------------------------------------------------------------------------------
  // Statements

  private atBlockEnd(k: string, inSwitch: boolean): boolean {
    return k === '}' || k === 'eof' || k === 'gmid' || k === 'gend' || (inSwitch && (k === 'case' || k === 'default'));
  }

  private parseBlockBody(top: boolean, inSwitch: boolean): Stmt[] {
    const body: Stmt[] = [];
    for (;;) {
      while (this.cur() === ';') this.advance();
      if (this.atBlockEnd(this.cur(), inSwitch)) return body;
      this.parseStatement(body, top);
      const t = this.tok;
      if (t.kind === ';' || t.nl || this.atBlockEnd(t.kind, inSwitch)) continue;
      // Sibling blocks on one line, as Jenkinsfiles write them:
      //   stage('x') { when { branch 'main' } steps { ... } }
      // A statement that ends with a closing brace may be followed by the next one on the same line.
      const last = body[body.length - 1];
      if (t.kind === 'ident' && last !== undefined && this.src[last.loc.end.offset - this.dOff - 1] === '}') continue;
      throw this.afterStatement(last, t);
    }
  }

  /** `name(args)` for a statement that is a call without parentheses and without closure, else null. */
  private commandText(last: Stmt | undefined): string | null {
    if (last === undefined || last.type !== 'ExprStmt' || last.expr.type !== 'Call') return null;
    const c = last.expr;
    if (c.parens || c.closure !== null) return null;
    const calleeText = this.src.slice(c.callee.loc.start.offset - this.dOff, c.callee.loc.end.offset - this.dOff);
    const argsText = this.src.slice(c.callee.loc.end.offset - this.dOff, c.loc.end.offset - this.dOff).trim();
    return `${calleeText}(${argsText})`;
  }

  /** The error for a token left on the line after a complete statement. */
  private afterStatement(last: Stmt | undefined, t: Token): ParseFailure {
    const cmd = t.kind === '{' ? this.commandText(last) : null;
    if (cmd !== null) {
      return this.fail(`unexpected '{': a closure cannot follow arguments written without parentheses; write ${cmd} { ... }`, t);
    }
    if (t.kind === 'ident' || (KEYWORDS.has(t.kind) && t.kind !== 'in' && t.kind !== 'as' && t.kind !== 'instanceof')) {
      return this.unexpected(t, ': a new statement must start on a new line or after a \';\'');
    }
    return this.unexpected(t);
  }

  private parseStatement(out: Stmt[], top: boolean): void {
    const t = this.tok;
    switch (t.kind) {
      case 'if': out.push(this.parseIf()); return;
      case 'for': out.push(this.parseFor()); return;
      case 'while': out.push(this.parseWhile()); return;
      case 'switch': out.push(this.parseSwitch()); return;
      case 'try': out.push(this.parseTry()); return;
      case 'return': {
        this.advance();
        let value: Expr | null = null;
        if (!this.tok.nl && canStartExpression(this.tok)) value = this.parseExpr(0);
        out.push({ type: 'Return', value, loc: this.span(this.startOf(t)) });
        return;
      }
      case 'break': case 'continue': {
        this.advance();
        if (this.cur() === 'ident' && !this.tok.nl) {
          const label = this.tok.text;
          this.advance();
          const loc = this.span(this.startOf(t));
          out.push(t.kind === 'break' ? { type: 'Break', label, loc } : { type: 'Continue', label, loc });
          return;
        }
        out.push(t.kind === 'break' ? { type: 'Break', loc: this.locOf(t) } : { type: 'Continue', loc: this.locOf(t) });
        return;
      }
      case 'throw': {
        this.advance();
        const value = this.parseExpr(0);
        out.push({ type: 'Throw', value, loc: this.span(this.startOf(t)) });
        return;
      }
      case 'assert': out.push(this.parseAssert()); return;
      case 'import':
        // Groovy's grammar has imports only among the script's own statements ("Unknown type: IMPORT" elsewhere)
        if (!top) throw this.fail("an import can only be written at the top level of the script, not inside a block, closure or function", t);
        out.push(this.parseImport(this.startOf(t)));
        return;
      case '@': this.parseAnnotated(out, top); return;
      case 'class': case 'interface': case 'enum': case 'trait':
        out.push(this.parseClass(this.startOf(t), top));
        return;
      case 'do':
        throw this.fail("'do ... while' loops are not supported (Jenkins runs Groovy 2, which has none); use 'while (...) { ... }'", t);
      case 'synchronized':
        if (this.la(1).kind === '(') throw this.fail("'synchronized' blocks are not supported in a Jenkinsfile", t);
        this.parseDeclaration(out, top);
        return;
      case 'package':
        this.parsePackage(out, top);
        return;
      case '{': {
        if (this.la(1).kind === '->' || this.closureParamsAhead(1)) {
          const e = this.parseStatementExpr();
          out.push({ type: 'ExprStmt', expr: e, loc: e.loc });
          return;
        }
        // Groovy refuses a bare block here. Parse it first, so that errors inside it (such as
        // too deep nesting) are reported as such, then refuse it.
        if (this.inBareBlock) {
          out.push(this.parseBlock());
          return;
        }
        this.inBareBlock = true;
        this.parseBlock();
        this.inBareBlock = false;
        const prevCall = this.commandText(out[out.length - 1]);
        throw this.fail(prevCall !== null
          ? `ambiguous '{': a block cannot stand alone as a statement; to pass it to the call on the previous line, write ${prevCall} { ... }`
          : "ambiguous '{': a block cannot stand alone as a statement; to pass it to a call, write the call with parentheses, e.g. stage('Build') { ... }, or give a closure an explicit parameter list ({ it -> ... })",
          t);
      }
      case 'def':
        this.parseDeclaration(out, top);
        return;
      case 'ident': {
        const n = this.la(1);
        if (n.kind === ':' && !n.nl) {
          out.push(this.parseLabeled());
          return;
        }
        if (this.isTypedDeclarationStart()) {
          this.parseDeclaration(out, top);
          return;
        }
        break;
      }
      default:
        if (MODIFIERS.has(t.kind)) {
          this.parseDeclaration(out, top);
          return;
        }
        if (BUILTIN_TYPES.has(t.kind) && this.isTypedDeclarationStart()) {
          this.parseDeclaration(out, top);
          return;
        }
    }
    const e = this.parseStatementExpr();
    out.push({ type: 'ExprStmt', expr: e, loc: e.loc });
  }

  /** `label: statement` (Groovy's statement label, the target of `break label` / `continue label`). */
  private parseLabeled(): Stmt {
    const t = this.tok;
    this.advance();
    this.advance();
    while (this.cur() === ';') this.advance();
    if (this.cur() === '}' || this.cur() === 'eof') throw this.fail(`the label '${t.text}:' must be followed by a statement`, this.tok);
    // `L: { ... }` is an open block, as Groovy makes it (its answer to a bare block's ambiguity)
    if (this.cur() === '{') {
      const block = this.parseBlock();
      return { type: 'Labeled', label: t.text, body: block, loc: { start: this.startOf(t), end: block.loc.end } };
    }
    const body: Stmt[] = [];
    this.parseStatement(body, false);
    const inner = body[0]!;
    return { type: 'Labeled', label: t.text, body: inner, loc: { start: this.startOf(t), end: inner.loc.end } };
  }

  /** `Type name` with a capitalized (or primitive, or qualified) type: Groovy's declarationStart. */
  private isTypedDeclarationStart(): boolean {
    const k = this.scanType(0, true);
    if (k < 0) return false;
    const n = this.la(k);
    return n.kind === 'ident' && !n.nl;
  }

  /**
   * Scans a type (name, dotted name, type arguments, [] suffixes) starting k tokens ahead
   * without consuming anything; returns the look-ahead index after it, or -1.
   * With requireUpper, the (last) name must be capitalized, or the type a primitive.
   */
  private scanType(k: number, requireUpper: boolean): number {
    let t = this.la(k);
    if (BUILTIN_TYPES.has(t.kind)) {
      k++;
    } else if (t.kind === 'ident') {
      let last = t.text;
      k++;
      while (this.la(k).kind === '.' && this.la(k + 1).kind === 'ident') {
        last = this.la(k + 1).text;
        k += 2;
      }
      if (requireUpper && !isUpperName(last)) return -1;
    } else {
      return -1;
    }
    t = this.la(k);
    if (t.kind === '<') {
      let depth = 0;
      for (let guard = 0; guard < 512; guard++) {
        t = this.la(k);
        switch (t.kind) {
          case '<': depth++; break;
          case '>': depth--; break;
          case '>>': depth -= 2; break;
          case '>>>': depth -= 3; break;
          case 'ident': case ',': case '.': case '?': case '&': case '[': case ']': case 'extends': case 'super':
            break;
          default:
            if (!BUILTIN_TYPES.has(t.kind)) return -1;
        }
        k++;
        if (depth === 0) break;
        if (depth < 0) return -1;
      }
      if (depth !== 0) return -1;
    }
    while (this.la(k).kind === '[' && this.la(k + 1).kind === ']') k += 2;
    return k;
  }

  /** def / modifiers / typed declarations: variables, `def (a, b) = ...`, functions, classes. */
  private parseDeclaration(out: Stmt[], top: boolean): void {
    const first = this.tok;
    const start = this.startOf(first);
    let sawModifier = false;
    while (this.cur() === 'def' || MODIFIERS.has(this.cur())) {
      sawModifier = true;
      this.advance();
    }
    const k = this.cur();
    if (k === 'class' || k === 'interface' || k === 'enum' || k === 'trait') {
      out.push(this.parseClass(start, top));
      return;
    }
    if (k === '(' && sawModifier) {
      out.push(this.parseMultiDeclaration(start));
      return;
    }
    let typeName: string | null = null;
    if (sawModifier) {
      const e = this.scanType(0, false);
      if (e >= 0 && this.la(e).kind === 'ident' && !this.la(e).nl) typeName = this.parseType();
    } else {
      typeName = this.parseType();
    }
    const nameTok = this.tok;
    if (nameTok.kind === 'str' && this.la(1).kind === '(') {
      this.advance();
      out.push(withReturnType(this.parseFunction(start, nameTok, top), typeName));
      return;
    }
    if (nameTok.kind !== 'ident') {
      if (nameTok.kind === 'eof') throw this.unexpected(nameTok);
      throw this.fail(`expected a variable or function name after '${this.src.slice(first.start, this.prev.end)}', found ${describe(nameTok)}`, nameTok);
    }
    this.advance();
    if (this.cur() === '(' && !this.tok.nl) {
      out.push(withReturnType(this.parseFunction(start, nameTok, top), typeName));
      return;
    }
    this.parseDeclarators(start, nameTok, 'a variable name', (name, init, declStart) => {
      out.push({
        type: 'VarDecl', names: [{ name: name.text, loc: this.locOf(name) }], typeName, init, multi: false,
        loc: this.span(declStart),
      });
    });
  }

  /**
   * `a = 1, b, c = 2` after a declaration's type (local variables, class fields): each name with
   * its initializer (or null) and where its declarator starts, the first at `start`.
   */
  private parseDeclarators(start: Pos, first: Token, what: string, each: (name: Token, init: Expr | null, start: Pos) => void): void {
    let name = first;
    let declStart = start;
    for (;;) {
      let init: Expr | null = null;
      if (this.cur() === '=') {
        const eq = this.tok;
        this.advance();
        this.enter(eq);
        init = this.parseStatementExpr();
        this.leave();
      }
      each(name, init, declStart);
      if (this.cur() !== ',') return;
      this.advance();
      name = this.expectIdent(what);
      declStart = this.startOf(name);
    }
  }

  /** def (a, b) = [1, 2] */
  private parseMultiDeclaration(start: Pos): VarDecl {
    const lp = this.tok;
    this.openBracket(lp);
    this.advance();
    const names: { name: string; loc: Loc }[] = [];
    for (;;) {
      const e = this.scanType(0, false);
      if (e >= 0 && this.la(e).kind === 'ident') this.parseType();
      const n = this.expectIdent('a variable name');
      names.push({ name: n.text, loc: this.locOf(n) });
      if (this.cur() === ',') { this.advance(); continue; }
      break;
    }
    this.closeBracket();
    const eq = this.tok;
    if (eq.kind !== '=') throw this.fail(`expected '=' after 'def (${names.map((n) => n.name).join(', ')})'`, eq);
    this.advance();
    this.enter(eq);
    const init = this.parseExpr(0);
    this.leave();
    return { type: 'VarDecl', names, typeName: null, init, multi: true, loc: this.span(start) };
  }

  private parseFunction(start: Pos, nameTok: Token, top: boolean): FunctionDecl {
    const name = nameTok.text;
    if (!top) {
      throw this.fail(`a function can only be defined at the top level of the script, not inside a block or closure ('${name}')`, nameTok);
    }
    const lp = this.tok;
    this.openBracket(lp);
    this.advance();
    const params = this.cur() === ')' ? [] : this.parseParams(')');
    this.closeBracket();
    if (this.cur() === 'throws') {
      this.advance();
      for (;;) {
        this.parseType();
        if (this.cur() !== ',') break;
        this.advance();
      }
    }
    if (this.cur() !== '{') {
      throw this.fail(`expected '{' to start the body of function '${name}', found ${describe(this.tok)}`, this.tok);
    }
    const body = this.parseBlock();
    return { type: 'Function', name, params, body, loc: this.span(start) };
  }

  /** Parameters of a function (up to ')') or a closure (up to '->'). */
  private parseParams(end: ')' | '->'): Param[] {
    const params: Param[] = [];
    for (;;) {
      const first = this.tok;
      for (;;) {
        if (this.cur() === 'def' || this.cur() === 'final') { this.advance(); continue; }
        if (this.cur() === '@') { this.parseAnnotation(); continue; }
        break;
      }
      let typeName: string | null = null;
      const e = this.scanType(0, false);
      if (e >= 0 && (this.la(e).kind === 'ident' || this.la(e).kind === '...')) typeName = this.parseType();
      if (this.cur() === '...') {
        this.advance();
        typeName = (typeName ?? 'Object') + '...';
      }
      const nameTok = this.expectIdent('a parameter name');
      let def: Expr | null = null;
      if (this.cur() === '=') {
        const eq = this.tok;
        this.advance();
        this.enter(eq);
        def = this.parseExpr(0);
        this.leave();
      }
      params.push({ name: nameTok.text, typeName, default: def, loc: this.span(this.startOf(first)) });
      if (this.cur() === ',') { this.advance(); continue; }
      if (this.cur() === end) return params;
      throw this.unexpected(this.tok, end === '->' ? "; expected ',' or '->'" : '');
    }
  }

  /** A type name as text: `String`, `java.util.List<String>`, `int[]`, `Map<String, List<Integer>>`. */
  private parseType(): string {
    const t = this.tok;
    if (t.kind !== 'ident' && !BUILTIN_TYPES.has(t.kind)) throw this.fail(`expected a type name, found ${describe(t)}`, t);
    let name = t.text;
    this.advance();
    while (this.cur() === '.' && isWord(this.la(1))) {
      this.advance();
      name += '.' + this.tok.text;
      this.advance();
    }
    if (this.cur() === '<') name += this.parseTypeArgs();
    if (this.gtDebt === 0) {
      while (this.cur() === '[' && this.la(1).kind === ']') {
        this.advance();
        this.advance();
        name += '[]';
      }
    }
    return name;
  }

  private parseTypeArgs(): string {
    const lt = this.tok;
    this.enter(lt);
    this.advance();
    const args: string[] = [];
    if (this.cur() !== '>') {
      for (;;) {
        let a: string;
        if (this.cur() === '?') {
          this.advance();
          a = '?';
          if (this.cur() === 'extends' || this.cur() === 'super') {
            const kw = this.cur();
            this.advance();
            a += ` ${kw} ${this.parseType()}`;
          }
        } else {
          a = this.parseType();
        }
        args.push(a);
        if (this.gtDebt === 0 && this.cur() === ',') { this.advance(); continue; }
        break;
      }
    }
    if (this.gtDebt > 0) {
      this.gtDebt--;
    } else {
      const k = this.cur();
      if (k === '>') this.advance();
      else if (k === '>>') { this.advance(); this.gtDebt = 1; }
      else if (k === '>>>') { this.advance(); this.gtDebt = 2; }
      else throw this.fail(`expected '>' to close the type arguments opened at line ${lt.line + this.dLine}, column ${lt.line === 1 ? lt.col + this.dCol : lt.col}`, this.tok);
    }
    this.leave();
    return `<${args.join(', ')}>`;
  }

  private parseBlock(): BlockStmt {
    const lb = this.tok;
    if (lb.kind !== '{') throw this.unexpected(lb, "; expected '{'");
    this.openBracket(lb);
    this.enter(lb);
    this.advance();
    const body = this.parseBlockBody(false, false);
    this.closeBracket();
    this.leave();
    return { type: 'Block', body, loc: this.span(this.startOf(lb)) };
  }

  /** The body of if / else / for / while: a block or a single statement. */
  private parseBody(): Stmt {
    const t = this.tok;
    if (t.kind === '{') return this.parseBlock();
    if (t.kind === ';') {
      this.advance();
      return { type: 'Block', body: [], loc: this.locOf(t) };
    }
    if (this.atBlockEnd(t.kind, false)) throw this.unexpected(t);
    this.enter(t);
    const out: Stmt[] = [];
    this.parseStatement(out, false);
    this.leave();
    if (out.length === 1) return out[0]!;
    return { type: 'Block', body: out, loc: this.span(this.startOf(t)) };
  }

  private parseCondition(what: string): Expr {
    const lp = this.tok;
    if (lp.kind !== '(') throw this.fail(`expected '(' after '${what}', found ${describe(lp)}`, lp);
    this.openBracket(lp);
    this.advance();
    const test = this.parseTernary(0);
    if (this.cur() === '=') {
      throw this.fail(`an assignment is not allowed as the condition of '${what}'; did you mean '=='?`, this.tok);
    }
    this.closeBracket();
    return test;
  }

  private parseIf(): IfStmt {
    const branches: { start: Pos; test: Expr; consequent: Stmt }[] = [];
    let alternate: Stmt | null = null;
    for (;;) {
      const ifTok = this.tok;
      this.advance();
      const test = this.parseCondition('if');
      const consequent = this.parseBody();
      branches.push({ start: this.startOf(ifTok), test, consequent });
      if (this.cur() === 'else' || (this.cur() === ';' && this.la(1).kind === 'else')) {
        if (this.cur() === ';') this.advance();
        this.advance();
        if (this.cur() === 'if') continue;
        alternate = this.parseBody();
      }
      break;
    }
    const end = this.endOf(this.prev);
    let node: IfStmt | null = null;
    for (let i = branches.length - 1; i >= 0; i--) {
      const b = branches[i]!;
      node = { type: 'If', test: b.test, consequent: b.consequent, alternate: node ?? alternate, loc: { start: b.start, end } };
    }
    return node!;
  }

  private parseWhile(): Stmt {
    const w = this.tok;
    this.advance();
    const test = this.parseCondition('while');
    const body = this.parseBody();
    return { type: 'While', test, body, loc: this.span(this.startOf(w)) };
  }

  /**
   * Is there a ';' at the top level of the for header (a classic for loop)? Stops at a '{' (a
   * closure in `for (x in xs.findAll { ... })`) so that nested loops are not scanned twice.
   */
  private classicForAhead(): boolean {
    let depth = 0;
    for (let k = 0; ; k++) {
      const t = this.la(k);
      switch (t.kind) {
        case '{': return false;
        case '(': case '[': depth++; break;
        case ')': case ']': case '}':
          if (depth === 0) return false;
          depth--;
          break;
        case ';': if (depth === 0) return true; break;
        case 'eof': case 'error': return false;
      }
    }
  }

  private parseFor(): ForStmt | ForInStmt {
    const f = this.tok;
    const start = this.startOf(f);
    this.advance();
    const lp = this.tok;
    if (lp.kind !== '(') throw this.fail(`expected '(' after 'for', found ${describe(lp)}`, lp);
    this.openBracket(lp);
    this.advance();
    if (this.classicForAhead()) {
      let init: Stmt | null = null;
      if (this.cur() !== ';') {
        const s = this.tok;
        const stmts: Stmt[] = [];
        const k = s.kind;
        if (k === 'def' || MODIFIERS.has(k) || ((k === 'ident' || BUILTIN_TYPES.has(k)) && this.isTypedDeclarationStart())) {
          this.parseDeclaration(stmts, false);
        } else {
          for (const e of this.parseExprList()) stmts.push({ type: 'ExprStmt', expr: e, loc: e.loc });
        }
        init = stmts.length === 1 ? stmts[0]! : { type: 'Block', body: stmts, loc: this.span(this.startOf(s)) };
      }
      this.expect(';');
      const test = this.cur() === ';' ? null : this.parseExpr(0);
      this.expect(';');
      const update = this.cur() === ')' ? [] : this.parseExprList();
      this.closeBracket();
      const body = this.parseBody();
      return { type: 'For', init, test, update, body, loc: this.span(start) };
    }
    while (this.cur() === 'def' || this.cur() === 'final') this.advance();
    const e = this.scanType(0, true);
    if (e >= 0 && this.la(e).kind === 'ident') this.parseType();
    const v = this.expectIdent('a loop variable name');
    const sep = this.tok;
    if (sep.kind !== 'in' && sep.kind !== ':') {
      throw this.fail(`expected 'in' or ':' after the loop variable '${v.text}', found ${describe(sep)}`, sep);
    }
    this.advance();
    const iterable = this.parseExpr(0);
    this.closeBracket();
    const body = this.parseBody();
    return { type: 'ForIn', varName: v.text, varLoc: this.locOf(v), iterable, body, loc: this.span(start) };
  }

  private parseExprList(): Expr[] {
    const out = [this.parseExpr(0)];
    while (this.cur() === ',') {
      this.advance();
      out.push(this.parseExpr(0));
    }
    return out;
  }

  private parseSwitch(): SwitchStmt {
    const s = this.tok;
    this.advance();
    const discriminant = this.parseCondition('switch');
    const lb = this.tok;
    if (lb.kind !== '{') throw this.fail(`expected '{' after 'switch (...)', found ${describe(lb)}`, lb);
    this.openBracket(lb);
    this.enter(lb);
    this.advance();
    const cases: SwitchCase[] = [];
    for (;;) {
      while (this.cur() === ';') this.advance();
      const t = this.tok;
      if (t.kind === '}') break;
      let test: Expr | null = null;
      if (t.kind === 'case') {
        this.advance();
        test = this.parseExpr(0);
      } else if (t.kind === 'default') {
        this.advance();
      } else if (t.kind === 'eof') {
        throw this.unexpected(t);
      } else {
        throw this.fail(`expected 'case' or 'default' in a switch, found ${describe(t)}`, t);
      }
      this.expect(':');
      const body = this.parseBlockBody(false, true);
      cases.push({ test, body, loc: this.span(this.startOf(t)) });
    }
    this.closeBracket();
    this.leave();
    return { type: 'Switch', discriminant, cases, loc: this.span(this.startOf(s)) };
  }

  private parseTry(): TryStmt {
    const t = this.tok;
    this.advance();
    const block = this.parseBlock();
    const handlers: CatchClause[] = [];
    while (this.cur() === 'catch') {
      const c = this.tok;
      this.advance();
      const lp = this.tok;
      if (lp.kind !== '(') throw this.fail(`expected '(' after 'catch', found ${describe(lp)}`, lp);
      this.openBracket(lp);
      this.advance();
      while (this.cur() === 'final' || this.cur() === 'def') this.advance();
      const typeNames: string[] = [];
      let varName: string;
      const first = this.parseType();
      if (this.cur() === ')' && !first.includes('.') && !first.includes('<') && !first.includes('[')) {
        varName = first;
      } else {
        typeNames.push(first);
        while (this.cur() === '|') {
          this.advance();
          typeNames.push(this.parseType());
        }
        varName = this.expectIdent('the name of the caught exception').text;
      }
      this.closeBracket();
      const body = this.parseBlock();
      handlers.push({ typeNames, varName, body, loc: this.span(this.startOf(c)) });
    }
    let finalizer: BlockStmt | null = null;
    if (this.cur() === 'finally') {
      this.advance();
      finalizer = this.parseBlock();
    }
    return { type: 'Try', block, handlers, finalizer, loc: this.span(this.startOf(t)) };
  }

  /** `assert cond [: message]`, kept as a call of 'assert' (the AST has no assert node). */
  private parseAssert(): Stmt {
    const a = this.tok;
    this.advance();
    const args: Expr[] = [this.parseTernary(0)];
    if (this.cur() === ':' || this.cur() === ',') {
      this.advance();
      args.push(this.parseExpr(0));
    }
    const loc = this.span(this.startOf(a));
    // the statement's text as Groovy's SourceText normalizes it: lines trimmed, joined by a space
    const assertText = this.src.slice(loc.start.offset - this.dOff, loc.end.offset - this.dOff).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '').join(' ');
    const expr: CallExpr = {
      type: 'Call', callee: { type: 'Ident', name: 'assert', loc: this.locOf(a) }, args, namedArgs: [],
      order: args.map((_, index) => ({ kind: 'p' as const, index })), closure: null, parens: false, safe: false, loc, assertText,
    };
    return { type: 'ExprStmt', expr, loc };
  }

  private parseImport(start: Pos): ImportStmt {
    this.advance();
    const isStatic = this.cur() === 'static';
    if (isStatic) this.advance();
    const first = this.tok;
    if (!isWord(first)) throw this.fail(`expected a class or package name after 'import', found ${describe(first)}`, first);
    let path = first.text;
    this.advance();
    while (this.cur() === '.') {
      this.advance();
      const t = this.tok;
      if (t.kind === '*') { path += '.*'; this.advance(); break; }
      if (!isWord(t)) throw this.fail(`expected a name after '.' in the import, found ${describe(t)}`, t);
      path += '.' + t.text;
      this.advance();
    }
    let alias: string | null = null;
    if (this.cur() === 'as' && !this.tok.nl) {
      this.advance();
      alias = this.expectIdent('an alias name after "as"').text;
    }
    return { type: 'Import', path, isStatic, star: path.endsWith('.*'), alias, loc: this.span(start) };
  }

  private parseAnnotation(): AnnotationStmt {
    const at = this.tok;
    this.advance();
    const first = this.tok;
    if (!isWord(first)) throw this.fail(`expected an annotation name after '@', found ${describe(first)}`, first);
    let name = first.text;
    this.advance();
    while (this.cur() === '.' && isWord(this.la(1))) {
      this.advance();
      name += '.' + this.tok.text;
      this.advance();
    }
    const args: Expr[] = [];
    const namedArgs: NamedArg[] = [];
    if (this.cur() === '(' && !this.tok.nl) {
      const lp = this.tok;
      this.openBracket(lp);
      this.enter(lp);
      this.advance();
      while (this.cur() !== ')') {
        const t = this.tok;
        if (isWord(t) && this.la(1).kind === '=') {
          this.advance();
          this.advance();
          const value = this.parseTernary(0);
          namedArgs.push({ name: t.text, value, loc: this.span(this.startOf(t)) });
        } else {
          args.push(this.parseTernary(0));
        }
        if (this.cur() === ',') { this.advance(); continue; }
        break;
      }
      this.closeBracket();
      this.leave();
    }
    return { type: 'Annotation', name, args, namedArgs, loc: this.span(this.startOf(at)) };
  }

  /**
   * Annotations become AnnotationStmt nodes placed just before the statement they annotate
   * (`@NonCPS def f() {}` -> Annotation, Function). `@Library('x') _` is one AnnotationStmt
   * whose loc includes the `_`.
   */
  private parseAnnotated(out: Stmt[], top: boolean): void {
    let last: AnnotationStmt | null = null;
    while (this.cur() === '@') {
      if (this.la(1).kind === 'interface') throw this.fail('annotation type declarations (@interface) are not supported', this.tok);
      last = this.parseAnnotation();
      out.push(last);
    }
    const t = this.tok;
    if (t.kind === 'ident' && t.text === '_') {
      const n = this.la(1);
      if (n.nl || n.kind === ';' || n.kind === 'eof' || n.kind === '}') {
        this.advance();
        last!.loc = this.span(last!.loc.start);
        return;
      }
    }
    if (this.atBlockEnd(t.kind, false) || t.kind === ';') return;
    this.parseStatement(out, top);
  }

  /** `package a.b.c` at the top of the file: accepted and ignored (a script's package changes nothing a build does). */
  private parsePackage(out: Stmt[], top: boolean): void {
    const t = this.tok;
    if (!top || out.some((s) => s.type !== 'Annotation')) throw this.fail("a 'package' declaration must be the first statement of the file", t);
    this.advance();
    if (!isWord(this.tok)) throw this.fail(`expected a package name after 'package', found ${describe(this.tok)}`, this.tok);
    this.advance();
    while (this.cur() === '.' && isWord(this.la(1))) {
      this.advance();
      this.advance();
    }
  }

  /** class / interface / enum / trait, at the top level of the script (Groovy has no local classes). */
  private parseClass(start: Pos, top: boolean): ClassDecl {
    const kw = this.tok;
    if (!top) throw this.fail(`a ${kw.kind} can only be defined at the top level of the script, not inside a block, closure or function`, kw);
    return this.parseClassRest(start);
  }

  private parseClassRest(start: Pos): ClassDecl {
    const kw = this.tok;
    const kind = kw.kind as ClassDecl['kind'];
    this.advance();
    const nameTok = this.expectIdent(`a ${kind} name`);
    if (this.cur() === '<') this.skipTypeParams();
    let superName: string | null = null;
    const interfaces: string[] = [];
    if (this.cur() === 'extends') {
      this.advance();
      superName = this.parseType();
      while (kind === 'interface' && this.cur() === ',') {
        this.advance();
        interfaces.push(this.parseType());
      }
    }
    if (this.cur() === 'implements') {
      this.advance();
      for (;;) {
        interfaces.push(this.parseType());
        if (this.cur() !== ',') break;
        this.advance();
      }
    }
    const lb = this.tok;
    if (lb.kind !== '{') throw this.fail(`expected '{' to start the body of ${kind} ${nameTok.text}, found ${describe(lb)}`, lb);
    this.openBracket(lb);
    this.enter(lb);
    this.advance();
    const decl: ClassDecl = {
      type: 'Class', kind, name: nameTok.text, nameLoc: this.locOf(nameTok), superName, interfaces,
      fields: [], methods: [], constructors: [], constants: [], initializers: [], classes: [], loc: this.span(start),
    };
    if (kind === 'enum') this.parseEnumConstants(decl);
    for (;;) {
      while (this.cur() === ';') this.advance();
      if (this.cur() === '}') break;
      if (this.cur() === 'eof') throw this.unexpected(this.tok);
      this.parseClassMember(decl);
      const t = this.tok;
      if (t.kind === ';' || t.nl || t.kind === '}' || this.prev.kind === '}') continue;
      throw this.unexpected(t, ": a new member must start on a new line or after a ';'");
    }
    this.closeBracket();
    this.leave();
    decl.loc = this.span(start);
    return decl;
  }

  /** `<T>`, `<K, V extends Comparable<V>>` after a class name or before a generic method: skipped. */
  private skipTypeParams(): void {
    const lt = this.tok;
    let depth = 0;
    for (;;) {
      const k = this.cur();
      if (k === '<') depth++;
      else if (k === '>') depth--;
      else if (k === '>>') depth -= 2;
      else if (k === '>>>') depth -= 3;
      else if (k === 'eof' || k === '{' || k === '(' || k === ';') {
        throw this.fail(`expected '>' to close the type parameters opened at line ${lt.line + this.dLine}, column ${lt.line === 1 ? lt.col + this.dCol : lt.col}`, this.tok);
      }
      this.advance();
      if (depth <= 0) return;
    }
  }

  /** RED, GREEN('g'), BLUE; at the start of an enum body. */
  private parseEnumConstants(decl: ClassDecl): void {
    for (;;) {
      while (this.cur() === '@') this.parseAnnotation();
      const t = this.tok;
      if (t.kind !== 'ident') break;
      const n = this.la(1);
      if (t.text === decl.name && n.kind === '(') break; // the constructor
      if (!(n.kind === ',' || n.kind === ';' || n.kind === '}' || n.kind === '(' || n.kind === '{' || n.nl)) break;
      this.advance();
      const args: Expr[] = [];
      const namedArgs: NamedArg[] = [];
      if (this.cur() === '(') this.parseArgList(args, namedArgs, []);
      if (this.cur() === '{') throw this.fail(`enum constants with a body are not supported (${t.text} { ... }): define the method in the enum and switch on the constant`, this.tok);
      decl.constants.push({ name: t.text, args, namedArgs, loc: this.span(this.startOf(t)) });
      if (this.cur() !== ',') break;
      this.advance();
    }
    if (this.cur() === ';') this.advance();
  }

  /** One member of a class body: a field (or several), a method, a constructor, an initializer, a nested class. */
  private parseClassMember(decl: ClassDecl): void {
    const first = this.tok;
    const start = this.startOf(first);
    const annotations: string[] = [];
    let isStatic = false;
    let sawModifier = false;
    for (;;) {
      const k = this.cur();
      if (k === '@') {
        if (this.la(1).kind === 'interface') throw this.fail('annotation type declarations (@interface) are not supported', this.tok);
        annotations.push(this.parseAnnotation().name);
        continue;
      }
      if (k === 'def' || MODIFIERS.has(k)) {
        if (k === 'static') isStatic = true;
        sawModifier = true;
        this.advance();
        continue;
      }
      break;
    }
    const k = this.cur();
    if (k === 'class' || k === 'interface' || k === 'enum' || k === 'trait') {
      decl.classes.push(this.parseClassRest(start));
      return;
    }
    if (k === '{') {
      decl.initializers.push({ isStatic, body: this.parseBlock() });
      return;
    }
    if (k === '<') this.skipTypeParams();
    if (this.cur() === 'ident' && this.tok.text === decl.name && this.la(1).kind === '(') {
      const nameTok = this.tok;
      this.advance();
      decl.constructors.push(this.parseMethodRest(start, nameTok, false, annotations));
      return;
    }
    let typeName: string | null = null;
    const e = this.scanType(0, false);
    if (e >= 0 && (this.la(e).kind === 'ident' || this.la(e).kind === 'str') && !this.la(e).nl) typeName = this.parseType();
    else if (!sawModifier) throw this.fail(`expected a field, method or constructor in ${decl.kind} ${decl.name}, found ${describe(this.tok)}`, this.tok);
    const nameTok = this.tok;
    if (nameTok.kind === 'str' && this.la(1).kind === '(') {
      this.advance();
      decl.methods.push(withReturnType(this.parseMethodRest(start, nameTok, isStatic, annotations), typeName));
      return;
    }
    if (nameTok.kind !== 'ident') {
      if (nameTok.kind === 'eof') throw this.unexpected(nameTok);
      throw this.fail(`expected a field or method name in ${decl.kind} ${decl.name}, found ${describe(nameTok)}`, nameTok);
    }
    this.advance();
    if (this.cur() === '(' && !this.tok.nl) {
      decl.methods.push(withReturnType(this.parseMethodRest(start, nameTok, isStatic, annotations), typeName));
      return;
    }
    this.parseDeclarators(start, nameTok, 'a field name', (name, init, fieldStart) => {
      decl.fields.push({ name: name.text, nameLoc: this.locOf(name), typeName, init, isStatic, annotations, loc: this.span(fieldStart) });
    });
  }

  /** The parameters, `throws` clause and body of a method or constructor (the current token is '('). */
  private parseMethodRest(start: Pos, nameTok: Token, isStatic: boolean, annotations: string[]): ClassMethod {
    const name = nameTok.text;
    const lp = this.tok;
    this.openBracket(lp);
    this.advance();
    const params = this.cur() === ')' ? [] : this.parseParams(')');
    this.closeBracket();
    if (this.cur() === 'throws') {
      this.advance();
      for (;;) {
        this.parseType();
        if (this.cur() !== ',') break;
        this.advance();
      }
    }
    let body: BlockStmt | null = null;
    if (this.cur() === '{') body = this.parseBlock();
    else if (this.cur() === 'default' && !this.tok.nl) throw this.fail("annotation methods ('default') are not supported", this.tok);
    else if (!(this.cur() === ';' || this.cur() === '}' || this.tok.nl)) {
      throw this.fail(`expected '{' to start the body of method '${name}', found ${describe(this.tok)}`, this.tok);
    }
    return { name, nameLoc: this.locOf(nameTok), params, body, isStatic, annotations, loc: this.span(start) };
  }

  /** Skips `{ ... }` (the current token is '{'), iteratively. */
  private skipBalancedBraces(): void {
    const lb = this.tok;
    this.openBracket(lb);
    this.advance();
    let depth = 0;
    for (;;) {
      const k = this.cur();
      if (k === '{') depth++;
      else if (k === '}') {
        if (depth === 0) break;
        depth--;
      } else if (k === 'eof') {
        throw this.unexpected(this.tok);
      }
      this.advance();
    }
    this.closeBracket();
  }

  // ---------------------------------------------------------------------------------------
  // Expressions

  /**
   * Groovy's expressionStatement: an expression which, if it is a bare (dotted) name followed by
   * an argument on the same line, is a call without parentheses.
   */
  private parseStatementExpr(): Expr {
    const first = this.tok;
    const e = this.parseExpr(1);
    if (e === this.lastPath && (e.type === 'Ident' || e.type === 'Property') && first.kind !== '(' &&
        !this.tok.nl && this.startsCommandArg()) {
      return this.parseCommandChain(this.parseCommand(e));
    }
    return e;
  }

  /** `a b c d` is a(b).c(d), `a b c` is a(b).c: the rest of a command chain after its first call. */
  private parseCommandChain(first: CallExpr): Expr {
    let e: Expr = first;
    while (this.cur() === 'ident' && !this.tok.nl) {
      const n = this.tok;
      this.advance();
      const p: PropertyExpr = { type: 'Property', object: e, name: n.text, nameLoc: this.locOf(n), safe: false, spread: false, loc: { start: e.loc.start, end: this.endOf(n) } };
      if (!this.tok.nl && this.startsCommandArg()) e = this.parseCommand(p);
      else if (this.cur() === '(' && !this.tok.nl) e = this.parseCallArgs(p);
      else e = p;
    }
    return e;
  }

  /**
   * Whether the current token starts the first argument of a command (a call without parentheses):
   * an operand, or a keyword used as a named-argument label (`addGitMetadata package: 'x'`,
   * `foo class: y`), which Groovy's grammar allows for a keyword before `:`. (`in`, `as` and
   * `instanceof` after a name are operators: parseExpr has taken them before this is asked.)
   */
  private startsCommandArg(): boolean {
    return canStartCommandArg(this.tok) || (KEYWORDS.has(this.tok.kind) && this.la(1).kind === ':');
  }

  private parseCommand(callee: Expr): CallExpr {
    const call: CallExpr = {
      type: 'Call', callee, args: [], namedArgs: [], order: [], closure: null, parens: false,
      safe: callee.type === 'Property' && callee.safe, loc: callee.loc,
    };
    for (;;) {
      this.parseArgument(call.args, call.namedArgs, call.order);
      if (this.cur() !== ',') break;
      this.advance();
    }
    call.loc = this.span(callee.loc.start);
    return call;
  }

  /**
   * One argument of a call (with or without parentheses) or one element of a list/map:
   * positional, or named (`name: v`, `'name': v`, `"${k}": v`, `(k): v`, `1: v`).
   */
  private parseArgument(args: Expr[], named: NamedArg[], order: { kind: 'p' | 'n'; index: number }[], keys: Expr[] | null = null): void {
    const t = this.tok;
    const k = t.kind;
    if ((k === 'ident' || k === 'str' || k === 'num' || KEYWORDS.has(k)) && this.la(1).kind === ':') {
      this.advance();
      this.advance();
      const value = this.parseExpr(0);
      let key: Expr;
      if (k === 'num') key = this.numberNode(t);
      else key = { type: 'String', value: t.text, quote: (k === 'str' ? t.quote : "'") as StringLit['quote'], loc: this.locOf(t) };
      const arg: NamedArg = k === 'num'
        ? { name: '', keyExpr: key, value, loc: this.span(this.startOf(t)) }
        : { name: t.text, value, loc: this.span(this.startOf(t)) };
      order.push({ kind: 'n', index: named.length });
      named.push(arg);
      if (keys !== null) keys.push(key);
      return;
    }
    if (k === '*') {
      this.advance();
      const inner = this.parseExpr(0);
      order.push({ kind: 'p', index: args.length });
      args.push({ type: 'Spread', expr: inner, loc: { start: this.startOf(t), end: inner.loc.end } });
      return;
    }
    const e = this.parseExpr(0);
    if (this.cur() === ':') {
      // A computed key must be a string or parenthesized (Groovy: "illegal colon after argument expression").
      if (e.type !== 'GString' && e.type !== 'String' && e.type !== 'Number' && k !== '(') {
        throw this.fail('illegal colon after argument expression; a computed key must be in parentheses: (key): value', this.tok);
      }
      this.advance();
      const value = this.parseExpr(0);
      order.push({ kind: 'n', index: named.length });
      named.push({ name: '', keyExpr: e, value, loc: this.span(e.loc.start) });
      if (keys !== null) keys.push(e);
      return;
    }
    order.push({ kind: 'p', index: args.length });
    args.push(e);
  }

  private numberNode(t: Token): Expr {
    // `exact`: a Long or BigInteger literal (`5L`, `3000000000`, `7G`), which the interpreter makes
    // exact (integers.ts); always present, so every Number node has one shape (the interpreter's hot path)
    const exact = t.isInt && (t.value > 2147483647 || isIntSuffix(t.text.charCodeAt(t.text.length - 1)));
    if (exact) {
      const err = literalRangeError(t.text, this.negatedNumber === t);
      if (err !== null) throw this.fail(err, t);
    }
    return { type: 'Number', value: t.value, raw: t.text, isInteger: t.isInt, exact, negated: this.negatedNumber === t, loc: this.locOf(t) };
  }

  /**
   * Assignment level (right-associative). `lc` is 1 when this expression starts a statement
   * (or an initializer): its leading call may then take a `{` from the next line.
   */
  private parseExpr(lc: number): Expr {
    const left = this.parseTernary(lc);
    const t = this.tok;
    if (!ASSIGN_OPS.has(t.kind) || t.nl) return left;
    if (left.type !== 'Ident' && left.type !== 'Property' && left.type !== 'Index') {
      const groovy = notAVariable(left);
      if (groovy !== null) throw new ParseFailure('syntax', groovy, left.loc);
      throw this.fail(`cannot assign to this expression: the left side of '${t.kind}' must be a variable, a property or an element`, t);
    }
    this.advance();
    this.enter(t);
    const value = this.parseStatementExpr();
    this.leave();
    return { type: 'Assign', op: t.kind as AssignOp, target: left, value, loc: { start: left.loc.start, end: value.loc.end } };
  }

  private parseTernary(lc: number): Expr {
    const test = this.parseBinary(1, lc);
    const t = this.tok;
    if (t.kind === '?:') {
      this.advance();
      this.enter(t);
      const right = this.parseTernary(0);
      this.leave();
      return { type: 'Binary', op: '?:', left: test, right, loc: { start: test.loc.start, end: right.loc.end } };
    }
    if (t.kind === '?') {
      this.advance();
      this.enter(t);
      const consequent = this.parseExpr(0);
      const colon = this.tok;
      if (colon.kind !== ':') throw this.unexpected(colon, "; expected ':' of the conditional expression '? :'");
      this.advance();
      const alternate = this.parseTernary(0);
      this.leave();
      return { type: 'Ternary', test, consequent, alternate, loc: { start: test.loc.start, end: alternate.loc.end } };
    }
    return test;
  }

  private parseBinary(minPrec: number, lc: number): Expr {
    let left = this.parseMultiplicative(lc);
    for (;;) {
      const t = this.tok;
      const p = BINARY_PREC.get(t.kind);
      if (p === undefined || p < minPrec || t.nl) return left;
      this.advance();
      const k = t.kind;
      if (k === 'as' || k === 'instanceof' || k === '!instanceof') {
        const tt = this.tok;
        const typeName = this.parseType();
        const end = this.endOf(this.prev);
        if (k === 'as') {
          left = { type: 'Cast', expr: left, typeName, loc: { start: left.loc.start, end } };
        } else {
          const right: Expr = { type: 'Ident', name: typeName, loc: { start: this.startOf(tt), end } };
          left = { type: 'Binary', op: k as BinaryOp, left, right, loc: { start: left.loc.start, end } };
        }
        continue;
      }
      const right = this.parseBinary(p + 1, 0);
      const loc = { start: left.loc.start, end: right.loc.end };
      if (k === '..' || k === '..<') left = { type: 'Range', from: left, to: right, exclusive: k === '..<', loc };
      else left = { type: 'Binary', op: k as BinaryOp, left, right, loc };
    }
  }

  /** * / % over power expressions; a leading sign applies to the whole power (-2**2 == -4, as in Groovy). */
  private parseMultiplicative(lc: number): Expr {
    let left: Expr;
    const t = this.tok;
    const k = t.kind;
    if (k === '-' || k === '+' || k === '++' || k === '--') {
      if (k === '-') this.negatedNumber = this.la(1);
      this.advance();
      this.enter(t);
      const operand = this.parsePower(0);
      this.leave();
      left = { type: 'Unary', op: k, prefix: true, operand, loc: { start: this.startOf(t), end: operand.loc.end } };
    } else {
      left = this.parsePower(lc);
    }
    for (;;) {
      const o = this.tok;
      if ((o.kind !== '*' && o.kind !== '/' && o.kind !== '%') || o.nl) return left;
      this.advance();
      const right = this.parsePower(0);
      left = { type: 'Binary', op: o.kind, left, right, loc: { start: left.loc.start, end: right.loc.end } };
    }
  }

  private parsePower(lc: number): Expr {
    let left = this.parseUnary(lc);
    for (;;) {
      const o = this.tok;
      if (o.kind !== '**' || o.nl) return left;
      this.advance();
      const right = this.parseUnary(0);
      left = { type: 'Binary', op: '**', left, right, loc: { start: left.loc.start, end: right.loc.end } };
    }
  }

  private parseUnary(lc: number): Expr {
    const t = this.tok;
    const k = t.kind;
    if (k === '!' || k === '~' || k === '-' || k === '+' || k === '++' || k === '--') {
      if (k === '-') this.negatedNumber = this.la(1);
      this.advance();
      this.enter(t);
      const operand = this.parseUnary(0);
      this.leave();
      const u: UnaryExpr = { type: 'Unary', op: k, prefix: true, operand, loc: { start: this.startOf(t), end: operand.loc.end } };
      return u;
    }
    if (k === '(' && this.castAhead()) {
      this.openBracket(t);
      this.advance();
      const typeName = this.parseType();
      this.closeBracket();
      this.enter(t);
      const operand = this.parseUnary(0);
      this.leave();
      return { type: 'Cast', expr: operand, typeName, java: true, loc: { start: this.startOf(t), end: operand.loc.end } };
    }
    return this.parsePostfix(lc);
  }

  /** `(Type) operand`: a Java-style cast (capitalized or primitive type, operand on the same line). */
  private castAhead(): boolean {
    const k = this.scanType(1, true);
    if (k < 0 || this.la(k).kind !== ')') return false;
    const n = this.la(k + 1);
    if (n.nl) return false;
    switch (n.kind) {
      case 'ident': case 'num': case 'str': case 'gstart': case '(': case '[': case '!': case '~':
      case 'this': case 'super': case 'new': case 'true': case 'false': case 'null':
        return true;
    }
    return false;
  }

  private parsePostfix(lc: number): Expr {
    let e = this.parsePrimary();
    for (;;) {
      const t = this.tok;
      const k = t.kind;
      if (k === '.' || k === '?.' || k === '*.') {
        this.advance();
        e = this.parseMember(e, t);
        continue;
      }
      if (k === '.&') {
        this.advance();
        const n = this.tok;
        if (!isWord(n)) throw this.fail(`expected a method name after '.&', found ${describe(n)}`, n);
        this.advance();
        e = { type: 'MethodPointer', object: e, name: n.text, nameLoc: this.locOf(n), loc: { start: e.loc.start, end: this.endOf(n) } };
        continue;
      }
      if (k === '.@') {
        throw this.fail("direct field access ('.@') is not supported", t);
      }
      if (k === '(' && !t.nl) {
        e = this.parseCallArgs(e);
        continue;
      }
      if (k === '[' && !t.nl) {
        e = this.parseIndex(e);
        continue;
      }
      if (k === '{' && (!t.nl || lc === 1) && !LITERAL_TYPES.has(e.type)) {
        e = this.appendClosure(e, this.parseClosure());
        continue;
      }
      break;
    }
    this.lastPath = e;
    const t = this.tok;
    if ((t.kind === '++' || t.kind === '--') && !t.nl) {
      this.advance();
      return { type: 'Unary', op: t.kind, prefix: false, operand: e, loc: { start: e.loc.start, end: this.endOf(t) } };
    }
    return e;
  }

  private parseMember(object: Expr, dot: Token): Expr {
    const t = this.tok;
    const safe = dot.kind === '?.';
    const spread = dot.kind === '*.';
    if (isWord(t) || t.kind === 'str') {
      this.advance();
      const p: PropertyExpr = {
        type: 'Property', object, name: t.text, nameLoc: this.locOf(t), safe, spread,
        loc: { start: object.loc.start, end: this.endOf(t) },
      };
      return p;
    }
    if (t.kind === 'gstart') {
      // obj."${name}": a computed property name, kept as obj[name] (Groovy's getAt/putAt on
      // property names); calling a computed method name is refused.
      const index = this.parseGString();
      if (this.cur() === '(' && !this.tok.nl) throw this.fail('calling a method by a computed name (obj."${name}"(...)) is not supported', this.tok);
      return { type: 'Index', object, index, safe, loc: { start: object.loc.start, end: index.loc.end } };
    }
    if (t.kind === '<') throw this.fail('explicit type arguments on a method call are not supported', t);
    if (t.kind === '(' ) throw this.fail("a computed member name '.(expr)' is not supported", t);
    if (t.kind === 'eof') throw this.unexpected(t);
    throw this.fail(`expected a property or method name after '${dot.kind}', found ${describe(t)}`, t);
  }

  /** f(a, k: v) — also `new`'s argument list. */
  private parseArgList(args: Expr[], named: NamedArg[], order: { kind: 'p' | 'n'; index: number }[]): void {
    const lp = this.tok;
    this.openBracket(lp);
    this.enter(lp);
    this.advance();
    while (this.cur() !== ')') {
      this.parseArgument(args, named, order);
      if (this.cur() === ',') { this.advance(); continue; }
      if (this.cur() !== ')') throw this.unexpectedInList(this.tok);
    }
    this.closeBracket();
    this.leave();
  }

  private parseCallArgs(callee: Expr): CallExpr {
    const call: CallExpr = {
      type: 'Call', callee, args: [], namedArgs: [], order: [], closure: null, parens: true,
      safe: callee.type === 'Property' && callee.safe, loc: callee.loc,
    };
    this.parseArgList(call.args, call.namedArgs, call.order);
    call.loc = this.span(callee.loc.start);
    return call;
  }

  private appendClosure(e: Expr, closure: ClosureExpr): CallExpr {
    if (e.type === 'Call' && e.parens && e.closure === null) {
      e.closure = closure;
      e.loc = { start: e.loc.start, end: closure.loc.end };
      return e;
    }
    if (e.type === 'Call' && e.closure !== null) {
      // f {..} {..}: Groovy passes both closures; the earlier one becomes a positional argument.
      e.order.push({ kind: 'p', index: e.args.length });
      e.args.push(e.closure);
      e.closure = closure;
      e.loc = { start: e.loc.start, end: closure.loc.end };
      return e;
    }
    return {
      type: 'Call', callee: e, args: [], namedArgs: [], order: [], closure, parens: false,
      safe: e.type === 'Property' && e.safe, loc: { start: e.loc.start, end: closure.loc.end },
    };
  }

  private parseIndex(object: Expr): Expr {
    const lb = this.tok;
    this.openBracket(lb);
    this.enter(lb);
    this.advance();
    if (this.cur() === ']') throw this.fail("empty index '[]'", this.tok);
    const items = [this.parseExpr(0)];
    while (this.cur() === ',') {
      this.advance();
      if (this.cur() === ']') break;
      items.push(this.parseExpr(0));
    }
    if (this.cur() !== ']') throw this.unexpectedInList(this.tok);
    this.closeBracket();
    this.leave();
    const index: Expr = items.length === 1
      ? items[0]!
      : { type: 'List', items, loc: { start: items[0]!.loc.start, end: items[items.length - 1]!.loc.end } };
    return { type: 'Index', object, index, safe: false, loc: this.span(object.loc.start) };
  }

  private parsePrimary(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'ident': case 'this': case 'super':
        this.advance();
        return { type: 'Ident', name: t.text, loc: this.locOf(t) };
      case 'true': case 'false':
        this.advance();
        return { type: 'Boolean', value: t.kind === 'true', loc: this.locOf(t) };
      case 'null':
        this.advance();
        return { type: 'Null', loc: this.locOf(t) };
      case 'num':
        this.advance();
        return this.numberNode(t);
      case 'str': {
        this.advance();
        const s: StringLit = { type: 'String', value: t.text, quote: t.quote as StringLit['quote'], loc: this.locOf(t) };
        return s;
      }
      case 'gstart':
        return this.parseGString();
      case '(': {
        this.openBracket(t);
        this.enter(t);
        this.advance();
        if (this.cur() === ')') throw this.fail("empty parentheses '()' are not an expression", this.tok);
        const e = this.parseExpr(0);
        if (this.cur() === ',') return this.parseMultiAssign(t, e);
        if (this.cur() !== ')') throw this.unexpectedInList(this.tok);
        this.closeBracket();
        this.leave();
        return e;
      }
      case '[':
        return this.parseListOrMap();
      case '{':
        return this.parseClosure();
      case 'new':
        return this.parseNew();
      case '*': case '*:': {
        const pk = this.prev.kind;
        if (t.kind === '*:' && (pk === '(' || pk === '[' || pk === ',')) throw this.fail("the map spread operator '*:' is not supported", t);
        break;
      }
    }
    if (BUILTIN_TYPES.has(t.kind)) {
      this.advance();
      return { type: 'Ident', name: t.text, loc: this.locOf(t) };
    }
    throw this.unexpected(t);
  }

  /** `(a, b) = value`, after `(` and the first target: the other targets, `)`, `=`, the value. */
  private parseMultiAssign(lp: Token, first: Expr): Expr {
    const targets = [first];
    while (this.cur() === ',') {
      this.advance();
      targets.push(this.parseTernary(0));
    }
    for (const x of targets) {
      if (x.type !== 'Ident' && x.type !== 'Property' && x.type !== 'Index') throw this.fail('in a multiple assignment (a, b) = ..., each target must be a variable, a property or an element', this.tok);
    }
    if (this.cur() !== ')') throw this.unexpectedInList(this.tok);
    const rp = this.tok;
    this.closeBracket();
    this.leave();
    const eq = this.tok;
    if (eq.kind !== '=' || eq.nl) throw this.fail(`expected '=' after the targets of a multiple assignment (a, b) = ..., found ${describe(eq)}`, eq);
    this.advance();
    const value = this.parseExpr(0);
    const target: Expr = { type: 'List', items: targets, loc: { start: this.startOf(lp), end: this.endOf(rp) } };
    return { type: 'Assign', op: '=', target, value, loc: { start: this.startOf(lp), end: value.loc.end } };
  }

  private parseListOrMap(): Expr {
    const lb = this.tok;
    const start = this.startOf(lb);
    this.openBracket(lb);
    this.enter(lb);
    this.advance();
    if (this.cur() === ':' && this.la(1).kind === ']') {
      this.advance();
      this.closeBracket();
      this.leave();
      return { type: 'Map', entries: [], loc: this.span(start) };
    }
    const items: Expr[] = [];
    const named: NamedArg[] = [];
    const keys: Expr[] = [];
    const order: { kind: 'p' | 'n'; index: number }[] = [];
    while (this.cur() !== ']') {
      const before = order.length;
      const elemTok = this.tok;
      this.parseArgument(items, named, order, keys);
      if (before > 0 && order[before]!.kind !== order[0]!.kind) {
        throw this.fail(order[0]!.kind === 'p'
          ? "a list cannot contain a map entry 'key: value' (use [k: v, ...] for a map)"
          : "a map cannot contain an element without a key (use [a, b] for a list)", elemTok);
      }
      if (this.cur() === ',') { this.advance(); continue; }
      if (this.cur() !== ']') throw this.unexpectedInList(this.tok);
    }
    this.closeBracket();
    this.leave();
    const loc = this.span(start);
    if (order.length > 0 && order[0]!.kind === 'n') {
      const entries: MapEntry[] = named.map((a, i) => ({ key: keys[i]!, value: a.value, loc: a.loc }));
      return { type: 'Map', entries, loc };
    }
    return { type: 'List', items, loc };
  }

  private parseGString(): GStringLit {
    const first = this.tok;
    const parts: string[] = [first.text];
    const exprs: Expr[] = [];
    let cur = first;
    for (;;) {
      const brace = cur.brace;
      this.advance();
      if (brace) {
        this.open.push(cur);
        this.enter(cur);
        const t = this.tok;
        if (t.kind === 'gmid' || t.kind === 'gend') {
          exprs.push({ type: 'Null', loc: { start: this.pos(cur.end - 2, cur.endLine, cur.endCol - 2), end: this.startOf(t) } });
        } else if (t.kind === '->' || this.closureParamsAhead(0)) {
          exprs.push(this.parseInterpClosure(cur));
        } else if (INTERP_STATEMENT_START.has(t.kind)) {
          // "${def a = 1; a + 1}": statements, not an expression
          exprs.push(this.interpBlock(cur, this.parseBlockBody(false, false)));
        } else {
          // Groovy allows a statement here, so a command call works too: "${tool 'M3'}/bin".
          const e = this.parseStatementExpr();
          let n = this.tok;
          if (n.kind === ';' || n.nl) {
            // "${a; b}": more statements follow
            const rest = this.parseBlockBody(false, false);
            exprs.push(rest.length === 0 ? e : this.interpBlock(cur, [{ type: 'ExprStmt', expr: e, loc: e.loc }, ...rest]));
            n = this.tok;
          } else {
            exprs.push(e);
          }
          if (n.kind !== 'gmid' && n.kind !== 'gend') throw this.unexpectedInList(n);
        }
        this.leave();
        this.open.pop();
      } else {
        const t = this.tok;
        exprs.push(this.pathExpr(t));
        this.advance();
      }
      const t = this.tok;
      if (t.kind !== 'gmid' && t.kind !== 'gend') throw this.unexpected(t);
      parts.push(t.text);
      if (t.kind === 'gend') {
        this.advance();
        return { type: 'GString', parts, exprs, quote: first.quote as GStringLit['quote'], loc: this.span(this.startOf(first)) };
      }
      cur = t;
    }
  }

  /**
   * "${a; b}" or "${def x = 1; x}": Groovy (AntlrParserPlugin.blockExpression) makes a placeholder
   * that is more than one expression a closure called at once, `{ a; b }.call()`; its value is the
   * last statement's. A single expression stays itself.
   */
  private interpBlock(dollarTok: Token, body: Stmt[]): Expr {
    const start = this.pos(dollarTok.end - 2, dollarTok.endLine, dollarTok.endCol - 2);
    const s0 = body[0];
    if (body.length === 1 && s0 !== undefined && s0.type === 'ExprStmt') return s0.expr;
    const loc = { start, end: this.startOf(this.tok) };
    const closure: ClosureExpr = { type: 'Closure', params: [], explicitParams: false, body, loc };
    const callee: PropertyExpr = { type: 'Property', object: closure, name: 'call', nameLoc: loc, safe: false, spread: false, loc };
    return { type: 'Call', callee, args: [], namedArgs: [], order: [], closure: null, parens: true, safe: false, loc };
  }

  /** "${ -> x }" or "${ a -> ... }": a closure inside a GString. */
  private parseInterpClosure(dollarTok: Token): ClosureExpr {
    const start = this.pos(dollarTok.end - 2, dollarTok.endLine, dollarTok.endCol - 2);
    let params: Param[] = [];
    if (this.cur() === '->') {
      this.advance();
    } else {
      params = this.parseParams('->');
      this.advance();
    }
    const body = this.parseBlockBody(false, false);
    return { type: 'Closure', params, explicitParams: true, body, loc: { start, end: this.startOf(this.tok) } };
  }

  /** $a.b.c inside a string. */
  private pathExpr(t: Token): Expr {
    const segs = t.path!;
    const s0 = segs[0]!;
    const start = this.pos(s0.start, s0.line, s0.col);
    let e: Expr = { type: 'Ident', name: s0.name, loc: { start, end: this.pos(s0.end, s0.line, s0.col + s0.name.length) } };
    for (let i = 1; i < segs.length; i++) {
      const s = segs[i]!;
      const nameLoc = { start: this.pos(s.start, s.line, s.col), end: this.pos(s.end, s.line, s.col + s.name.length) };
      e = { type: 'Property', object: e, name: s.name, nameLoc, safe: false, spread: false, loc: { start, end: nameLoc.end } };
    }
    return e;
  }

  private parseNew(): NewExpr {
    const n = this.tok;
    this.advance();
    const tt = this.tok;
    if (tt.kind !== 'ident' && !BUILTIN_TYPES.has(tt.kind)) throw this.fail(`expected a class name after 'new', found ${describe(tt)}`, tt);
    let typeName = this.parseType();
    const args: Expr[] = [];
    const namedArgs: NamedArg[] = [];
    if (this.cur() === '(') {
      this.parseArgList(args, namedArgs, []);
      if (this.cur() === '{' && !this.tok.nl) this.skipBalancedBraces(); // anonymous class body
    } else if (this.cur() === '[') {
      while (this.cur() === '[') {
        const lb = this.tok;
        this.openBracket(lb);
        this.enter(lb);
        this.advance();
        if (this.cur() !== ']') args.push(this.parseExpr(0));
        this.closeBracket();
        this.leave();
        typeName += '[]';
      }
    } else {
      throw this.fail(`expected '(' after 'new ${typeName}', found ${describe(this.tok)}`, this.tok);
    }
    return { type: 'New', typeName, args, namedArgs, loc: this.span(this.startOf(n)) };
  }

  /**
   * Does the closure body starting k tokens ahead begin with a parameter list and '->'?
   * A bounded, linear look-ahead: it stops at the first token that cannot be part of one.
   */
  private closureParamsAhead(k: number): boolean {
    for (let guard = 0; guard < 4096; guard++) {
      const t = this.la(k);
      switch (t.kind) {
        case '->': return true;
        case 'ident': case 'def': case 'final': case ',': case '.': case '<': case '>': case '>>': case '>>>':
        case '?': case '[': case ']': case '...': case '&': case 'extends': case 'super': case '@':
          k++;
          continue;
        case '=': {
          // a default value: skip it up to ',' or '->' at depth 0
          let depth = 0;
          k++;
          for (; guard < 4096; guard++) {
            const u = this.la(k);
            const uk = u.kind;
            if (depth === 0 && (uk === ',' || uk === '->')) break;
            if (uk === '(' || uk === '[') depth++;
            else if (uk === ')' || uk === ']') {
              if (depth === 0) return false;
              depth--;
            } else if (uk === '{' || uk === '}' || uk === ';' || uk === 'eof' || uk === 'error' || uk === 'gmid' || uk === 'gend') {
              return false;
            }
            k++;
          }
          continue;
        }
        default:
          if (BUILTIN_TYPES.has(t.kind)) { k++; continue; }
          return false;
      }
    }
    return false;
  }

  private parseClosure(): ClosureExpr {
    const lb = this.tok;
    this.openBracket(lb);
    this.enter(lb);
    this.advance();
    let params: Param[] = [];
    let explicitParams = false;
    if (this.cur() === '->') {
      explicitParams = true;
      this.advance();
    } else if (this.closureParamsAhead(0)) {
      explicitParams = true;
      params = this.parseParams('->');
      this.advance();
    }
    const body = this.parseBlockBody(false, false);
    this.closeBracket();
    this.leave();
    return { type: 'Closure', params, explicitParams, body, loc: this.span(this.startOf(lb)) };
  }
}

/**
 * Groovy's own words for a constant or a simple binary expression on the left of `=`
 * (`"name" = 'x'`, `MY-VAR = 'x'`, common in `environment {}`): "[name] is a constant expression,
 * but it should be a variable expression"; null for other shapes.
 */
function notAVariable(e: Expr): string | null {
  const text = (x: Expr): string | null => x.type === 'Ident' ? x.name : x.type === 'String' ? x.value : x.type === 'Number' ? x.raw : null;
  if (e.type === 'String' || e.type === 'Number') return `[${text(e)}] is a constant expression, but it should be a variable expression`;
  if (e.type === 'Binary') {
    const l = text(e.left);
    const r = text(e.right);
    if (l !== null && r !== null) return `(${l} ${e.op} ${r}) is a binary expression, but it should be a variable expression`;
  }
  return null;
}

/** Records a function's or method's declared return type (none for `def`/untyped: nothing to cast). */
function withReturnType<T extends { returnType?: string }>(d: T, typeName: string | null): T {
  if (typeName !== null && typeName !== 'def' && typeName !== 'Object') d.returnType = typeName;
  return d;
}
