// Label expressions: which nodes may run a build (`agent { label 'linux && docker' }`).
//
// What: `parseLabelExpression(text)` turns Jenkins' label syntax into a small AST, or throws a
// LabelExpressionError that says what was expected and at which column; `matches(expr,
// labels)` evaluates it against a node's labels (the scheduler adds the node's own name, as
// Jenkins does); `formatLabelExpression` prints an AST back; `parseLabelList` splits a node's
// "linux docker x64" label string.
//
// Why: Jenkinsfiles must keep their meaning, so the grammar is Jenkins' own
// (hudson/model/labels/LabelExpressionParser.g4 and LabelExpressionLexer.g4):
//   expr  := iff
//   iff   := impl ('<->' impl)*          lowest precedence
//   impl  := or ('->' or)?               not chainable: (a->b)->c differs from a->(b->c)
//   or    := and ('||' and)*
//   and   := unary ('&&' unary)*
//   unary := '!' primary | primary       `!` applies to one primary: `!!a` is an error too
//   primary := '(' expr ')' | ATOM | "quoted label"
// An atom is a run of any characters but whitespace and & | ! < > ( ) " ' ; a `-` belongs to
// the atom unless a `>` follows it (so `a->b` is an implication and `x86-64` a label).
// Quoted labels take the escapes \b \t \n \f \r \" \' \\. An empty (or all-blank) expression
// matches every node.
//
// How: a hand-written lexer with 1-based columns and a recursive-descent parser, one
// function per precedence level.
import { KilnError } from '../core/errors.ts';

export type LabelExpr =
  | { kind: 'any' }
  | { kind: 'atom'; name: string }
  | { kind: 'not'; expr: LabelExpr }
  | { kind: 'and' | 'or' | 'implies' | 'iff'; left: LabelExpr; right: LabelExpr };

/** A label expression that does not parse; `column` is 1-based (length + 1 at the end). */
export class LabelExpressionError extends KilnError {
  readonly column: number;
  readonly expression: string;
  constructor(message: string, column: number, expression: string) {
    super('labels.syntax', message);
    this.column = column;
    this.expression = expression;
  }
}

type TokKind = '&&' | '||' | '!' | '->' | '<->' | '(' | ')' | 'atom' | 'string' | 'end';

interface Tok {
  kind: TokKind;
  text: string;
  /** The label, for atoms and strings. */
  value: string;
  column: number;
}

const SPECIAL = new Set(['&', '|', '!', '<', '>', '(', ')', '"', "'"]);

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\v';
}

function lex(text: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  const fail = (msg: string, at: number): never => {
    throw new LabelExpressionError(`${msg} at column ${at + 1}`, at + 1, text);
  };
  while (i < text.length) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    const start = i;
    const two = text.slice(i, i + 2);
    if (two === '&&' || two === '||' || two === '->') {
      toks.push({ kind: two, text: two, value: '', column: start + 1 });
      i += 2;
      continue;
    }
    if (text.startsWith('<->', i)) {
      toks.push({ kind: '<->', text: '<->', value: '', column: start + 1 });
      i += 3;
      continue;
    }
    if (c === '!' || c === '(' || c === ')') {
      toks.push({ kind: c, text: c, value: '', column: start + 1 });
      i++;
      continue;
    }
    if (c === '"') {
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length || text[i] === '\n' || text[i] === '\r') fail(`unterminated quoted label starting`, start);
        const ch = text[i]!;
        if (ch === '"') {
          i++;
          break;
        }
        if (ch === '\\') {
          const e = text[i + 1];
          const map: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', "'": "'", '\\': '\\' };
          const v = e === undefined ? undefined : map[e];
          if (v === undefined) fail(`invalid escape '\\${e ?? ''}' in a quoted label (use \\" \\\\ \\n \\t)`, i);
          value += v;
          i += 2;
          continue;
        }
        value += ch;
        i++;
      }
      toks.push({ kind: 'string', text: text.slice(start, i), value, column: start + 1 });
      continue;
    }
    if (c === '&') fail(`unexpected '&' (write '&&' for "and")`, i);
    if (c === '|') fail(`unexpected '|' (write '||' for "or")`, i);
    if (c === '<') fail(`unexpected '<' (write '<->' for "if and only if")`, i);
    if (c === '>') fail(`unexpected '>' (write '->' for "implies")`, i);
    if (c === "'") fail(`unexpected "'" (quote a label with double quotes: "my label")`, i);
    // An atom: anything else; '-' only when it does not start '->'.
    while (i < text.length) {
      const ch = text[i]!;
      if (isSpace(ch) || SPECIAL.has(ch)) break;
      if (ch === '-' && text[i + 1] === '>') break;
      i++;
    }
    const word = text.slice(start, i);
    toks.push({ kind: 'atom', text: word, value: word, column: start + 1 });
  }
  toks.push({ kind: 'end', text: '', value: '', column: text.length + 1 });
  return toks;
}

const OP_NAMES: Record<string, string> = { '&&': "'&&'", '||': "'||'", '!': "'!'", '->': "'->'", '<->': "'<->'", '(': "'('" };

function describe(t: Tok): string {
  if (t.kind === 'end') return 'the end of the expression';
  if (t.kind === 'atom') return `label '${t.text}'`;
  if (t.kind === 'string') return `label ${t.text}`;
  return `'${t.text}'`;
}

/** Parses a label expression; throws LabelExpressionError. Blank text gives `{ kind: 'any' }`. */
export function parseLabelExpression(text: string): LabelExpr {
  const toks = lex(text);
  let p = 0;
  const peek = (): Tok => toks[p]!;
  const fail = (msg: string, t: Tok): never => {
    throw new LabelExpressionError(`${msg} at column ${t.column}`, t.column, text);
  };
  if (peek().kind === 'end') return { kind: 'any' };

  const primary = (after: Tok | null): LabelExpr => {
    const t = peek();
    if (t.kind === 'atom' || t.kind === 'string') {
      p++;
      return { kind: 'atom', name: t.value };
    }
    if (t.kind === '(') {
      p++;
      const inner = iff(t);
      const close = peek();
      if (close.kind !== ')') {
        fail(`expected ')' to close the '(' at column ${t.column}, found ${describe(close)}`, close);
      }
      p++;
      return inner;
    }
    const where = after === null ? '' : ` after ${OP_NAMES[after.kind] ?? describe(after)}`;
    const found = t.kind === 'end' ? 'but the expression ends' : `found ${describe(t)}`;
    if (t.kind === '!' && after?.kind === '!') return fail(`expected a label or '(' after '!' (write !(!a) for a double negation), ${found}`, t);
    return fail(`expected a label${where}, ${found}`, t);
  };
  const unary = (after: Tok | null): LabelExpr => {
    const t = peek();
    if (t.kind === '!') {
      p++;
      return { kind: 'not', expr: primary(t) };
    }
    return primary(after);
  };
  const and = (after: Tok | null): LabelExpr => {
    let left = unary(after);
    while (peek().kind === '&&') {
      const op = toks[p++]!;
      left = { kind: 'and', left, right: unary(op) };
    }
    return left;
  };
  const or = (after: Tok | null): LabelExpr => {
    let left = and(after);
    while (peek().kind === '||') {
      const op = toks[p++]!;
      left = { kind: 'or', left, right: and(op) };
    }
    return left;
  };
  const implies = (after: Tok | null): LabelExpr => {
    const left = or(after);
    if (peek().kind !== '->') return left;
    const op = toks[p++]!;
    const right = or(op);
    if (peek().kind === '->') fail(`'->' cannot be chained; add parentheses, as in (a -> b) -> c`, peek());
    return { kind: 'implies', left, right };
  };
  const iff = (after: Tok | null): LabelExpr => {
    let left = implies(after);
    while (peek().kind === '<->') {
      const op = toks[p++]!;
      left = { kind: 'iff', left, right: implies(op) };
    }
    return left;
  };

  const expr = iff(null);
  const rest = peek();
  if (rest.kind !== 'end') {
    if (rest.kind === ')') fail(`unexpected ')' with no '(' to close`, rest);
    fail(`expected an operator (&&, ||, ->, <->) or the end, found ${describe(rest)}`, rest);
  }
  return expr;
}

/** parseLabelExpression, returning the error instead of throwing. */
export function tryParseLabelExpression(text: string): { expr: LabelExpr; error: null } | { expr: null; error: LabelExpressionError } {
  try {
    return { expr: parseLabelExpression(text), error: null };
  } catch (e) {
    if (e instanceof LabelExpressionError) return { expr: null, error: e };
    throw e;
  }
}

/** Whether a node with these labels (its name included) satisfies the expression. */
export function matches(expr: LabelExpr, labels: ReadonlySet<string>): boolean {
  switch (expr.kind) {
    case 'any':
      return true;
    case 'atom':
      return labels.has(expr.name);
    case 'not':
      return !matches(expr.expr, labels);
    case 'and':
      return matches(expr.left, labels) && matches(expr.right, labels);
    case 'or':
      return matches(expr.left, labels) || matches(expr.right, labels);
    case 'implies':
      return !matches(expr.left, labels) || matches(expr.right, labels);
    case 'iff':
      return matches(expr.left, labels) === matches(expr.right, labels);
  }
}

/** The labels an expression mentions. */
export function labelAtoms(expr: LabelExpr, out: Set<string> = new Set()): Set<string> {
  if (expr.kind === 'atom') out.add(expr.name);
  else if (expr.kind === 'not') labelAtoms(expr.expr, out);
  else if (expr.kind !== 'any') {
    labelAtoms(expr.left, out);
    labelAtoms(expr.right, out);
  }
  return out;
}

const PRECEDENCE: Record<LabelExpr['kind'], number> = { iff: 1, implies: 2, or: 3, and: 4, not: 5, atom: 6, any: 6 };
const OP_TEXT = { and: '&&', or: '||', implies: '->', iff: '<->' } as const;

function formatAtom(name: string): string {
  if (name !== '' && !/[\s&|!<>()"']/.test(name) && !name.includes('->')) return name;
  return '"' + name.replace(/[\\"\n\t\r\f\b]/g, (c) => ({ '\\': '\\\\', '"': '\\"', '\n': '\\n', '\t': '\\t', '\r': '\\r', '\f': '\\f', '\b': '\\b' })[c]!) + '"';
}

/** Prints an expression with the fewest parentheses that keep its meaning: `a && (b || c)`. */
export function formatLabelExpression(expr: LabelExpr): string {
  switch (expr.kind) {
    case 'any':
      return '';
    case 'atom':
      return formatAtom(expr.name);
    case 'not': {
      const inner = formatLabelExpression(expr.expr);
      return expr.expr.kind === 'atom' ? `!${inner}` : `!(${inner})`;
    }
    default: {
      const prec = PRECEDENCE[expr.kind];
      // Operators group to the left; '->' does not chain, so both its sides need parentheses
      // when they are implications themselves.
      const l = PRECEDENCE[expr.left.kind] < prec || (expr.kind === 'implies' && expr.left.kind === 'implies');
      const r = PRECEDENCE[expr.right.kind] <= prec;
      const ls = formatLabelExpression(expr.left);
      const rs = formatLabelExpression(expr.right);
      return `${l ? `(${ls})` : ls} ${OP_TEXT[expr.kind]} ${r ? `(${rs})` : rs}`;
    }
  }
}

/**
 * A node's label string ("linux docker  x64", or with quotes: `linux "my label"`) → labels.
 * Whitespace separates; double quotes keep spaces inside one label.
 */
export function parseLabelList(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const v = m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : m[2]!;
    if (v !== '' && !out.includes(v)) out.push(v);
  }
  return out;
}
