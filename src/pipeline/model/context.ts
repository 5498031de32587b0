// What every directive validator shares: the diagnostics being collected, the names the file
// declares, the step registry (the steps, globals and agent types of the host's plugins), and
// helpers to read the declarative DSL (which, to the parser, is nothing but calls with arguments
// and trailing closures).
import type { CallExpr, Expr, Ident, NamedArg, Stmt, StringLit } from '../syntax/ast.ts';
import type { Loc, Pos } from '../../core/build.ts';
import type { ParamType, StepDecl, StepParam } from '../../core/steps.ts';
import { diag, type Diagnostic } from '../diagnostics.ts';
import { closest, nearest } from '../../util/suggest.ts';
import { checkParamValue, describeType, javaBoolean } from '../steps/bind.ts';
import type { StepRegistry } from '../steps/registry.ts';
import { typeName, type GMap, type Value } from '../script/values.ts';

export class Ctx {
  readonly diagnostics: Diagnostic[] = [];
  /** The Jenkinsfile's text, when known: used to map positions inside strings (inline pod YAML). */
  readonly source: string | null;
  /** Every name the file declares: variables, closure and function parameters, loop variables... */
  readonly declared: Set<string>;
  /** Functions defined at the top level of the file (`def build(x) { ... }`). */
  readonly functions: Set<string>;
  /** The steps, globals and agent types the Jenkinsfile may use. */
  readonly registry: StepRegistry;
  errorCount = 0;
  /** The global variables (vars/) of the shared libraries given: called like steps. */
  libraryVars: ReadonlySet<string> = new Set();
  /** Whether the file asks for a shared library that was not given (an unknown name then says so). */
  missingLibraries = false;
  /** The file's top-level statements (a matrix axis may name a list declared there: stages.ts). */
  topLevel: readonly Stmt[] = [];
  /** For agents whose type's check asked for it, the check of the steps that run on them (agent.ts, stages.ts). */
  readonly agentScopes = new WeakMap<object, (steps: readonly Stmt[]) => void>();

  constructor(source: string | null, declared: Set<string>, functions: Set<string>, registry: StepRegistry) {
    this.source = source;
    this.declared = declared;
    this.functions = functions;
    this.registry = registry;
  }

  error(code: string, message: string, loc: Loc): void {
    this.diagnostics.push(diag(code, message, loc));
    this.errorCount++;
  }

  warn(code: string, message: string, loc: Loc): void {
    this.diagnostics.push(diag(code, message, loc, 'warning'));
  }
}

/** `[a, b, c]`, as Jenkins prints lists of valid names. */
export function fmtList(names: readonly string[]): string {
  return `[${names.join(', ')}]`;
}

/**
 * `message` followed by a sentence ` Did you mean "x"?` when a candidate is close to `name`
 * (after a period when the message does not end with one, e.g. with a list of valid names).
 */
export function withSuggestion(message: string, name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  if (c === null || c === name) return message;
  return `${message}${message.endsWith('.') ? '' : '.'} Did you mean "${c}"?`;
}

/** `, did you mean "x"?` when a candidate is close, else ''. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const c = closest(name, candidates);
  return c !== null && c !== name ? `, did you mean "${c}"?` : '';
}

/** The Jenkinsfile position of character `index` of a string literal's value (errors in a cron spec, an inline pod's YAML). */
export function posInString(ctx: Ctx, lit: StringLit, index: number): Loc {
  const fallback = lit.loc;
  const src = ctx.source;
  if (src === null || lit.quote === '/' || lit.quote === '$/') return fallback;
  const q = lit.quote.length;
  const rawStart = lit.loc.start.offset + q;
  const rawEnd = lit.loc.end.offset - q;
  if (rawEnd < rawStart || src.slice(lit.loc.start.offset, rawStart) !== lit.quote) return fallback;
  // Walk the raw text, decoding escapes, until `index` value characters are behind.
  let raw = rawStart;
  let val = 0;
  while (raw < rawEnd && val < index) {
    if (src[raw] === '\\' && raw + 1 < rawEnd) {
      const c = src[raw + 1];
      if (c === '\n') { raw += 2; continue; }
      if (c === '\r' && src[raw + 2] === '\n') { raw += 3; continue; }
      raw += c === 'u' ? 6 : 2;
      val++;
      continue;
    }
    raw++;
    val++;
  }
  if (raw > rawEnd) return fallback;
  const start = advance(src, lit.loc.start, raw);
  const end = advance(src, start, Math.min(raw + 1, rawEnd));
  return { start, end };
}

function advance(src: string, from: Pos, to: number): Pos {
  let line = from.line;
  let col = from.col;
  for (let i = from.offset; i < to; i++) {
    const c = src.charCodeAt(i);
    // Line breaks as the lexer counts them: \n, \r\n, and a lone \r.
    if (c === 10 || (c === 13 && src.charCodeAt(i + 1) !== 10)) { line++; col = 1; } else col++;
  }
  return { line, col, offset: to };
}

// ---------------------------------------------------------------------------------------------
// Sections: `name args { ... }` statements

/** A directive written as a call: `agent any`, `stage('x') { ... }`, `timeout(time: 1)`. */
export interface Section {
  name: string;
  nameLoc: Loc;
  call: CallExpr;
  /** The whole statement. */
  loc: Loc;
}

/**
 * The statement as a directive call `name args { }`, or null when it is something else.
 * A bare name (`buildingTag`, `always`) reads as a call without arguments.
 */
export function sectionOf(stmt: Stmt): Section | null {
  if (stmt.type !== 'ExprStmt') return null;
  const e = stmt.expr;
  if (e.type === 'Call' && e.callee.type === 'Ident') return { name: e.callee.name, nameLoc: e.callee.loc, call: e, loc: stmt.loc };
  if (e.type === 'Ident') return { name: e.name, nameLoc: e.loc, call: bareCall(e), loc: stmt.loc };
  return null;
}

function bareCall(id: Ident): CallExpr {
  return { type: 'Call', callee: id, args: [], namedArgs: [], order: [], closure: null, parens: false, safe: false, loc: id.loc };
}

/**
 * The statements of a directive's block (`options { ... }`), reporting a missing block. Arguments
 * before the block are ignored, as Jenkins' ModelParser.matchBlockStatement takes only the last
 * argument when it is a closure (`post('label') { ... }` is accepted there).
 */
export function blockOf(ctx: Ctx, sec: Section, what: string): readonly Stmt[] {
  const c = sec.call;
  if (!c.closure) {
    ctx.error('expected-block', `Expected a block for ${what}`, (c.args[0] ?? c.namedArgs[0])?.loc ?? sec.nameLoc);
    return [];
  }
  return c.closure.body;
}

/** How a block of typed entries (options, parameters, triggers, tools) reads and what it reports. */
export interface EntriesSpec {
  /** The entry kind in messages: `Invalid ${kind} type "x". Valid ${kind} types: [...]`. */
  kind: string;
  valid: readonly string[];
  /** The message for a statement that is not an entry, e.g. 'Expected a trigger'. */
  expected: string;
  /** The message for a second entry of the same type; repeats are allowed when absent. */
  duplicate?: (name: string) => string;
  /** A better message for an unknown name (or null for the standard one). */
  unknown?: (name: string) => string | null;
  /** Reports a known entry that is not allowed here; returns true to skip it. */
  refuse?: (s: Section) => boolean;
}

/** How Jenkins' parser names each kind of entries in "X definitions cannot have blocks" and "X cannot be defined as maps". */
const ENTRY_TITLES: Readonly<Record<string, string>> = { option: 'Options', parameter: 'Build parameters', trigger: 'Triggers' };

/** The entries of a block such as `triggers { cron('...'); pollSCM('...') }`, each a known type. */
export function typedEntries(ctx: Ctx, body: readonly Stmt[], spec: EntriesSpec): Section[] {
  const out: Section[] = [];
  const seen = new Set<string>();
  for (const stmt of body) {
    const s = sectionOf(stmt);
    const title = ENTRY_TITLES[spec.kind];
    if (!s) {
      const mapStmt = title && stmt.type === 'ExprStmt' && stmt.expr.type === 'Map';
      ctx.error(`${spec.kind}s`, mapStmt ? `${title} cannot be defined as maps` : spec.expected, stmt.loc);
      continue;
    }
    if (title && s.call.closure && spec.valid.includes(s.name)) {
      ctx.error(`${spec.kind}s`, `${title} definitions cannot have blocks`, s.call.closure.loc);
      continue;
    }
    if (!spec.valid.includes(s.name)) {
      const msg = `Invalid ${spec.kind} type "${s.name}". Valid ${spec.kind} types: ${fmtList(spec.valid)}`;
      ctx.error(`${spec.kind}s`, spec.unknown?.(s.name) ?? withSuggestion(msg, s.name, spec.valid), s.nameLoc);
      continue;
    }
    if (spec.refuse?.(s)) continue;
    if (spec.duplicate && seen.has(s.name)) {
      ctx.error(`${spec.kind}s`, spec.duplicate(s.name), s.nameLoc);
      continue;
    }
    seen.add(s.name);
    out.push(s);
  }
  return out;
}

/** A short description of a statement for "Expected a ..." messages. */
export function describeStmt(stmt: Stmt): string {
  switch (stmt.type) {
    case 'VarDecl': return 'a variable declaration';
    case 'If': return 'an if statement';
    case 'For': case 'ForIn': case 'While': return 'a loop';
    case 'Try': return 'a try statement';
    case 'Switch': return 'a switch statement';
    case 'Return': return 'a return statement';
    case 'Function': return 'a function definition';
    case 'ExprStmt': {
      const e = stmt.expr;
      if (e.type === 'Assign') return 'an assignment';
      if (e.type === 'Call') return 'a method call';
      return 'an expression';
    }
    default: return 'a statement';
  }
}

/** The name of a call's callee when it is a bare name. */
export function calleeName(call: CallExpr): string | null {
  return call.callee.type === 'Ident' ? call.callee.name : null;
}

/**
 * A statement's source as Jenkins' parser quotes it in "Not a valid section definition" errors
 * (ModelParser.getSourceText): here its first line, with "..." when it goes on.
 */
export function statementText(ctx: Ctx, stmt: Stmt): string {
  const text = (sourceText(ctx, stmt.loc) ?? '').trim();
  const nl = text.indexOf('\n');
  return nl < 0 ? text : `${text.slice(0, nl).trimEnd()} ...`;
}

/** Source text of a node, when the source is known. */
export function sourceText(ctx: Ctx, loc: Loc): string | null {
  return ctx.source === null ? null : ctx.source.slice(loc.start.offset, loc.end.offset);
}

// ---------------------------------------------------------------------------------------------
// Values known before run time

/**
 * The value of a literal expression: strings, numbers, booleans, null, and lists / maps of them
 * (with `loose`, items that are not literal become null, so that only the container's type is
 * known). GStrings, names and calls have no static value: undefined.
 */
export function staticValue(e: Expr, loose = false): Value | undefined {
  switch (e.type) {
    case 'String': return e.value;
    case 'Number': return e.value;
    case 'Boolean': return e.value;
    case 'Null': return null;
    case 'Unary':
      if ((e.op === '-' || e.op === '+') && e.operand.type === 'Number') return e.op === '-' ? -e.operand.value : e.operand.value;
      return undefined;
    case 'List': {
      const out: Value[] = [];
      for (const it of e.items) {
        const v = staticValue(it, loose);
        if (v === undefined) {
          if (!loose) return undefined;
          out.push(null);
        } else out.push(v);
      }
      return out;
    }
    case 'Map': {
      const m: GMap = new Map();
      for (const en of e.entries) {
        const k = en.key.type === 'String' ? en.key.value : undefined;
        const v = staticValue(en.value, loose);
        if (k === undefined || v === undefined) {
          if (!loose) return undefined;
          if (k !== undefined) m.set(k, null);
        } else m.set(k, v);
      }
      return m;
    }
    case 'Closure':
      return loose ? { kind: 'closure', node: e, scope: null } : undefined;
    default:
      return undefined;
  }
}

/** How a value reads in a message: 'abc' → "abc", 5 → "5". */
export function showValue(v: Value): string {
  if (typeof v === 'string') return v.length > 40 ? v.slice(0, 40) + '…' : v;
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[...]';
  if (v instanceof Map) return '[:...]';
  return typeName(v);
}

/** A kind name for an expression without a static value, for messages. */
export function describeExpr(e: Expr): string {
  switch (e.type) {
    case 'GString': return 'an interpolated string';
    case 'Ident': return `the variable ${e.name}`;
    case 'Property': return 'a property';
    case 'Call': return 'a method call';
    case 'Closure': return 'a block';
    default: return 'an expression';
  }
}

// ---------------------------------------------------------------------------------------------
// Binding directive arguments (options, triggers, parameters, when conditions ...)

export interface ArgParam {
  name: string;
  type: ParamType;
  required?: boolean;
  values?: readonly string[];
  /** Whether the value must be known before run time (a literal). Default: the spec's `literal`. */
  literal?: boolean;
}

export interface ArgSpec {
  /** The directive's name, as messages show it. */
  what: string;
  params: readonly ArgParam[];
  /** The parameter a single unnamed argument binds to. */
  positional?: string;
  /** Whether every value must be a literal (default true). */
  literal?: boolean;
}

export interface BoundArg {
  name: string;
  expr: Expr;
  /** The literal value, or undefined when it is only known at run time. */
  value: Value | undefined;
  loc: Loc;
}

/**
 * Jenkins' parser (ModelParser.parseArgument) refuses an integer literal beyond Long as a
 * declarative argument (a step's in `steps {}`, a directive's): reports it, true when it did.
 * Inside `script {}` Groovy makes it a BigInteger, as Kiln's interpreter does.
 */
export function bigIntegerConstant(ctx: Ctx, expr: Expr): boolean {
  if (expr.type !== 'Number' || !expr.isInteger || expr.exact !== true) return false;
  const raw = expr.raw.replace(/_/g, '');
  if (!/^\d+$/.test(raw) || BigInt(raw) <= 9223372036854775807n) return false;
  ctx.error('big-integer', 'BigIntegers cannot be used as constants in Declarative. The maximum value for an integer is 9,223,372,036,854,775,807 and the minimum value for an integer is -9,223,372,036,854,775,808.', expr.loc);
  return true;
}

/**
 * Binds a directive's arguments to its declared parameters, reporting every problem in
 * Jenkins' words at the offending argument. Returns what could be bound.
 */
export function bindArgs(ctx: Ctx, sec: Section, spec: ArgSpec): Map<string, BoundArg> {
  const out = new Map<string, BoundArg>();
  const given = new Set<string>();
  const call = sec.call;
  const names = spec.params.map((p) => p.name);
  if (call.closure) ctx.error('unexpected-block', `"${spec.what}" does not take a block`, call.closure.loc);
  let args = call.args;
  let named: NamedArg[] = call.namedArgs;
  // `f([k: v])`: a single map argument is read as named arguments, as Groovy/Jenkins do.
  if (named.length === 0 && args.length === 1 && args[0]!.type === 'Map' && !(spec.positional && spec.params.find((p) => p.name === spec.positional)?.type === 'map')) {
    const m = args[0]!;
    if (m.type === 'Map' && m.entries.every((en) => en.key.type === 'String')) {
      named = m.entries.map((en) => ({ name: (en.key as { value: string }).value, value: en.value, loc: en.loc }));
      args = [];
    }
  }
  if (args.length > 0 && named.length > 0) {
    ctx.error('mixed-arguments', 'Cannot mix named and unnamed arguments', args[0]!.loc);
  } else if (args.length > 0) {
    if (names.length === 0) {
      ctx.error('too-many-arguments', `"${spec.what}" takes no arguments`, args[0]!.loc);
    } else if (!spec.positional) {
      ctx.error('unnamed-arguments', `Arguments to "${spec.what}" must be explicitly named.`, args[0]!.loc);
    } else if (args.length > 1) {
      ctx.error('too-many-arguments', `"${spec.what}" should have 1 arguments but has ${args.length} arguments instead.`, args[1]!.loc);
    } else {
      given.add(spec.positional);
      bindOne(ctx, spec, spec.positional, args[0]!, args[0]!.loc, out, true);
    }
  }
  // as Jenkins' ModelValidatorImpl.validateDescribable: required parameters are checked only
  // when every named one is valid, so a misspelt name is one error, not two
  let invalidName = false;
  for (const a of named) {
    if (a.keyExpr) {
      ctx.error('invalid-parameter', `Parameter names of "${spec.what}" must be plain names`, a.loc);
      continue;
    }
    if (!names.includes(a.name)) {
      invalidName = true;
      const guess = nearest(a.name, names);
      ctx.error('invalid-parameter', guess
        ? `Invalid parameter "${a.name}", did you mean "${guess}"?`
        : `Invalid parameter "${a.name}": "${spec.what}" takes no parameters`, a.loc);
      continue;
    }
    if (given.has(a.name)) {
      ctx.error('duplicate-parameter', `Duplicate named parameter '${a.name}' found`, a.loc);
      continue;
    }
    given.add(a.name);
    bindOne(ctx, spec, a.name, a.value, a.loc, out, false);
  }
  const mixedOrBad = args.length > 0 && (named.length > 0 || !spec.positional || args.length > 1);
  const required = spec.params.filter((p) => p.required).length;
  if (args.length === 0 && named.length === 0 && spec.positional && required > 0) {
    // `cron()`: Jenkins counts the arguments of a call that takes its one value unnamed
    ctx.error('missing-parameter', `"${spec.what}" should have ${required} arguments but has 0 arguments instead.`, sec.nameLoc);
  } else if (!mixedOrBad && !invalidName) {
    for (const p of spec.params) {
      if (p.required && !given.has(p.name)) ctx.error('missing-parameter', `Missing required parameter: "${p.name}"`, sec.nameLoc);
    }
  }
  return out;
}

/**
 * Steps Jenkins' declarative validator refuses where it meets them as a method call (an argument
 * of a directive or a step, outside script { }), with its reason (BlockedStepsAndMethodCalls
 * .blockedInMethodCalls, ModelValidatorImpl.BlockedStep).
 */
export const BLOCKED_STEPS: ReadonlyMap<string, string> = new Map([
  ['node', 'The node step cannot be called as an argument to a method in Declarative Pipelines'],
  ['stage', 'The stage step cannot be used in Declarative Pipelines'],
  ['properties', 'The properties step cannot be used in Declarative Pipelines'],
  ['parallel', "The parallel step can only be used as the only top-level step in a stage's step block"],
]);

/** Jenkins' error for a blocked step called by name. */
export function blockedStepMessage(name: string): string {
  return `Invalid step "${name}" used - not allowed in this context - ${BLOCKED_STEPS.get(name) ?? ''}`;
}

/**
 * The first call of a blocked step among a directive argument and the calls nested in it
 * (`cron(properties([...]))`): Jenkins' validator checks every method call of the argument tree.
 */
function blockedCall(ctx: Ctx, e: Expr): Ident | null {
  if (e.type !== 'Call') return null;
  if (e.callee.type === 'Ident' && BLOCKED_STEPS.has(e.callee.name) && !ctx.functions.has(e.callee.name) && !ctx.declared.has(e.callee.name)) return e.callee;
  for (const a of [...e.args, ...e.namedArgs.map((x) => x.value)]) {
    const found = blockedCall(ctx, a);
    if (found) return found;
  }
  return null;
}

/** A closure written as a directive's argument, or as an argument of a call there; else null. */
function closureArgument(e: Expr): Expr | null {
  if (e.type === 'Closure') return e;
  if (e.type !== 'Call' || e.callee.type !== 'Ident') return null;
  return e.closure ?? e.args.find((x) => x.type === 'Closure') ?? e.namedArgs.find((x) => x.value.type === 'Closure')?.value ?? null;
}

function bindOne(ctx: Ctx, spec: ArgSpec, name: string, expr: Expr, loc: Loc, out: Map<string, BoundArg>, unnamed: boolean): void {
  const p = spec.params.find((x) => x.name === name)!;
  if (bigIntegerConstant(ctx, expr)) return;
  const blocked = blockedCall(ctx, expr);
  if (blocked) {
    ctx.error('blocked-step', blockedStepMessage(blocked.name), blocked.loc);
    return;
  }
  const closure = closureArgument(expr);
  if (closure) {
    // `cron(pick { '@daily' })`, `timeout(time: { 5 })`: Jenkins' parser refuses closures among a directive's arguments
    ctx.error('closure-argument', 'Method call arguments', closure.loc);
    return;
  }
  const mustBeLiteral = p.literal ?? spec.literal ?? true;
  const value = staticValue(expr, !mustBeLiteral);
  if (value === undefined) {
    if (mustBeLiteral && p.type !== 'any') {
      ctx.error('expected-literal', unnamed
        ? `Expected a literal value for "${spec.what}", got ${describeExpr(expr)}`
        : `Expected a literal value for parameter "${name}" of "${spec.what}", got ${describeExpr(expr)}`, expr.loc);
      return;
    }
    out.set(name, { name, expr, value: undefined, loc });
    return;
  }
  const problem = valueProblem(spec.what, p, value, unnamed);
  if (problem) {
    ctx.error('invalid-value', problem, expr.loc);
    return;
  }
  const odd = booleanString(spec.what, p, value);
  if (odd) ctx.warn('boolean-string', odd, expr.loc);
  out.set(name, { name, expr, value: coerce(p.type, value), loc });
}

/**
 * A String given for a boolean parameter that is neither "true" nor "false": Jenkins accepts it
 * (validation casts it with Groovy truth; structs' DescribableModel.coerce reads it with
 * Boolean.valueOf, so 'yes' is false), so a warning saying what the run will do; else null.
 */
export function booleanString(what: string, p: { name: string; type: ParamType }, v: Value): string | null {
  if (p.type !== 'boolean' || typeof v !== 'string' || /^(true|false)$/i.test(v)) return null;
  return `Parameter "${p.name}" of "${what}" is a boolean: Jenkins reads the String "${v.length > 40 ? v.slice(0, 40) + '…' : v}" as false (only "true" is true)`;
}

/** Jenkins' message for a value of the wrong type, or null when it fits. */
export function valueProblem(what: string, p: ArgParam, v: Value, unnamed = false): string | null {
  // Declarative converts neither an Integer/Boolean to a String parameter nor a String/Boolean
  // to an int one (ModelValidatorImpl.validateParameterType), though Groovy would.
  const strict = (p.type === 'string' && (typeof v === 'number' || typeof v === 'boolean'))
    || (p.type === 'integer' && (typeof v === 'string' || typeof v === 'boolean'));
  const decl: StepDecl = { name: what, doc: '', params: [], block: 'none', needsNode: false };
  const asStep: StepParam = { name: p.name, type: p.type, doc: '', ...(p.values ? { values: p.values } : {}) };
  if (!strict && checkParamValue(decl, asStep, v) === null) return null;
  if (!strict && p.values && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
    return `Invalid value "${String(v)}" for parameter "${p.name}" of "${what}". Valid values: ${fmtList(p.values)}`;
  }
  const want = javaType(p.type);
  return unnamed
    ? `Expecting "${want}" but got "${showValue(v)}" of type ${javaClass(v)} instead`
    : `Expecting "${want}" for parameter "${p.name}" but got "${showValue(v)}" of type ${javaClass(v)} instead`;
}

/** A parameter type as Jenkins prints the Java type it binds to. */
function javaType(t: ParamType): string {
  switch (t) {
    case 'string': return 'class java.lang.String';
    case 'integer': return 'int';
    case 'boolean': return 'boolean';
    case 'list': return 'interface java.util.List';
    case 'map': return 'interface java.util.Map';
    default: return describeType(t);
  }
}

/** A literal's class as Jenkins prints it (`class java.lang.Integer`). */
function javaClass(v: Value): string {
  if (typeof v === 'string') return 'class java.lang.String';
  if (typeof v === 'number') return Number.isInteger(v) ? 'class java.lang.Integer' : 'class java.math.BigDecimal';
  if (typeof v === 'boolean') return 'class java.lang.Boolean';
  if (Array.isArray(v)) return 'class java.util.ArrayList';
  if (v instanceof Map) return 'class java.util.LinkedHashMap';
  return typeName(v);
}

function coerce(t: ParamType, v: Value): Value {
  if (v === null) return v;
  switch (t) {
    case 'boolean': return typeof v === 'string' ? javaBoolean(v) : v;
    case 'integer': case 'number': return typeof v === 'string' ? Number(v.trim()) : v;
    case 'string': return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v;
    default: return v;
  }
}

/** Typed readers of bound arguments. */
export function argStr(b: Map<string, BoundArg>, name: string): string | null {
  const v = b.get(name)?.value;
  return typeof v === 'string' ? v : null;
}
export function argNum(b: Map<string, BoundArg>, name: string): number | null {
  const v = b.get(name)?.value;
  return typeof v === 'number' ? v : null;
}
export function argBool(b: Map<string, BoundArg>, name: string, dflt: boolean): boolean {
  const v = b.get(name)?.value;
  return typeof v === 'boolean' ? v : dflt;
}
export function argExpr(b: Map<string, BoundArg>, name: string): Expr | null {
  return b.get(name)?.expr ?? null;
}

// ---------------------------------------------------------------------------------------------
// Single-valued keys in blocks: `image 'x'`, `label 'y'`, `reuseNode true`

/** The one argument of `key value`, or null after reporting what is wrong. */
export function singleArg(ctx: Ctx, sec: Section, kind: string): Expr | null {
  const c = sec.call;
  if (c.closure) {
    ctx.error('unexpected-block', `${kind} "${sec.name}" does not take a block`, c.closure.loc);
    return null;
  }
  const n = c.args.length + c.namedArgs.length;
  if (n === 0) {
    ctx.error('missing-argument', `No argument for ${kind} "${sec.name}"`, sec.nameLoc);
    return null;
  }
  if (n > 1 || c.namedArgs.length > 0) {
    const extra = c.args[1] ?? c.namedArgs[0]!;
    ctx.error('too-many-arguments', `Too many arguments for ${kind} "${sec.name}"`, extra.loc);
    return null;
  }
  return c.args[0]!;
}

/** A literal boolean argument (`reuseNode true`), or null after reporting. */
export function boolArg(ctx: Ctx, sec: Section, kind: string): boolean | null {
  const e = singleArg(ctx, sec, kind);
  if (!e) return null;
  const v = staticValue(e);
  if (typeof v === 'boolean') return v;
  if (v === 'true' || v === 'false') return v === 'true';
  ctx.error('expected-boolean', `Expected a boolean with ${sec.name}`, e.loc);
  return null;
}

/** A literal integer argument (`idleMinutes 5`), or null after reporting. */
export function intArg(ctx: Ctx, sec: Section, kind: string): number | null {
  const e = singleArg(ctx, sec, kind);
  if (!e) return null;
  const v = staticValue(e);
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  ctx.error('expected-integer', v === undefined
    ? `Expected an integer for ${sec.name}, got ${describeExpr(e)}`
    : `Expected an integer for ${sec.name}, got "${showValue(v)}" of type ${typeName(v)}`, e.loc);
  return null;
}

/** A string literal argument, or null after reporting. */
export function strArg(ctx: Ctx, sec: Section, kind: string): string | null {
  const e = singleArg(ctx, sec, kind);
  if (!e) return null;
  if (e.type === 'String') return e.value;
  ctx.error('expected-string', `Expected string literal for ${sec.name}, got ${describeExpr(e)}`, e.loc);
  return null;
}

/** A valid Java/shell identifier (environment variable names, axis names). */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `${FOO}` written as a value without quotes (Groovy reads it as a call of `$` with a block):
 * Jenkins' message, or null for anything else.
 */
export function bareDollarCurly(ctx: Ctx, e: Expr): string | null {
  if (e.type !== 'Call' || e.callee.type !== 'Ident' || e.callee.name !== '$' || !e.closure || e.args.length + e.namedArgs.length > 0) return null;
  const text = (sourceText(ctx, e.loc) ?? '${...}').trim();
  return `${text} cannot be used as a value directly. Did you mean "${text}"?`;
}
