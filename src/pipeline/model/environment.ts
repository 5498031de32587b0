// environment { NAME = value }: variables for the pipeline or a stage. Values are Groovy
// expressions evaluated when the block applies; `credentials('id')` binds a credential.
import type { Expr, Stmt } from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import type { EnvEntry } from './types.ts';
import { Ctx, IDENTIFIER, bareDollarCurly, blockOf, sourceText, type Section } from './context.ts';
import { checkGroovy } from './steps.ts';

const ENV_FUNCTIONS: ReadonlySet<string> = new Set(['credentials']);

export function parseEnvironment(ctx: Ctx, sec: Section): EnvEntry[] {
  const out: EnvEntry[] = [];
  const body = blockOf(ctx, sec, 'environment');
  const seen = new Map<string, EnvEntry>();
  for (const stmt of body) {
    const e = entry(ctx, stmt, sec.nameLoc);
    if (!e) continue;
    if (seen.has(e.name)) {
      ctx.error('environment', `Duplicate environment variable name: "${e.name}"`, e.loc);
      continue;
    }
    seen.set(e.name, e);
    out.push(e);
  }
  if (sec.call.closure && body.length === 0) ctx.error('empty-environment', 'No variables specified for environment', sec.nameLoc);
  return out;
}

function entry(ctx: Ctx, stmt: Stmt, envLoc: Loc): EnvEntry | null {
  const text = (sourceText(ctx, stmt.loc) ?? '').split('\n')[0]!.trim();
  // `String NAME = 'x'` / `def NAME = 'x'`: to Groovy a declaration, whose AST node is a binary
  // `=` expression like any assignment, so Jenkins' parser takes it as NAME = 'x' (the type is
  // dropped). Without a value it is a declaration of nothing: an invalid value, as in Jenkins.
  if (stmt.type === 'VarDecl' && !stmt.multi && stmt.names.length === 1) {
    const target = stmt.names[0]!;
    if (!stmt.init) {
      ctx.error('environment', INVALID_VALUE, stmt.loc);
      return null;
    }
    return assignment(ctx, { name: target.name, loc: target.loc }, stmt.init, stmt.loc);
  }
  if (stmt.type !== 'ExprStmt') {
    ctx.error('environment', `"${text}" is not a valid environment expression. Use "key = value" pairs with valid Java/shell keys.`, stmt.loc);
    return null;
  }
  const ex = stmt.expr;
  // `MY-VAR = 'x'` reads as `MY - (VAR = 'x')`.
  if (ex.type === 'Binary' && rightmostAssign(ex)) {
    const name = (sourceText(ctx, { start: ex.loc.start, end: rightmostAssign(ex)!.target.loc.end }) ?? '').trim();
    ctx.error('environment', `Environment variable names must be valid identifiers: "${name}"`, ex.loc);
    return null;
  }
  if (ex.type !== 'Assign') {
    ctx.error('environment', `"${text}" is not a valid environment expression. Use "key = value" pairs with valid Java/shell keys.`, stmt.loc);
    return null;
  }
  if (ex.op !== '=') {
    ctx.error('environment', 'Expected name=value pairs', ex.loc);
    return null;
  }
  let name: string;
  if (ex.target.type === 'Ident') name = ex.target.name;
  else if (ex.target.type === 'String') name = ex.target.value;
  else {
    const t = sourceText(ctx, ex.target.loc) ?? '';
    const hint = ex.target.type === 'Property' && ex.target.object.type === 'Ident' && ex.target.object.name === 'env' ? ` (write ${ex.target.name} = ...)` : '';
    ctx.error('environment', `Environment variable names must be valid identifiers: "${t}"${hint}`, ex.target.loc);
    return null;
  }
  return assignment(ctx, { name, loc: ex.target.loc, ident: ex.target.type === 'Ident' }, ex.value, ex.loc, envLoc);
}

/** NAME = value, once NAME is known: Jenkins' checks of the name and of the value. */
function assignment(ctx: Ctx, target: { name: string; loc: Loc; ident?: boolean }, value: Expr, loc: Loc, envLoc?: Loc): EnvEntry | null {
  const name = target.name;
  if (!IDENTIFIER.test(name)) {
    // `1BAR = 'x'` is no assignment to Groovy (the number 1, then BAR = 'x'): Jenkins' parser
    // also says the block is not name=value pairs
    if (/^[0-9]/.test(name) && target.ident && envLoc) ctx.error('environment', 'Expected name=value pairs', envLoc);
    ctx.error('environment', `"${name}" is not a valid identifier and cannot be used for an environment variable. Identifiers must start with a letter or underscore and can contain only letters, numbers or underscores.`, target.loc);
    return null;
  }
  const problem = valueProblem(ctx, value);
  if (problem) {
    ctx.error('environment', problem.message, problem.loc);
    return null;
  }
  let credentialsId: string | null = null;
  if (value.type === 'Call' && value.callee.type === 'Ident' && value.callee.name === 'credentials') {
    const a = value.args[0];
    if (value.args.length !== 1 || value.namedArgs.length > 0 || value.closure || !a) {
      ctx.error('environment', "credentials() takes one credentials id: credentials('my-credentials-id')", value.loc);
    } else if (a.type === 'String') {
      credentialsId = a.value;
    } else if (a.type !== 'GString' && a.type !== 'Ident' && a.type !== 'Property') {
      ctx.error('environment', "credentials() takes one credentials id: credentials('my-credentials-id')", a.loc);
    }
  }
  checkGroovy(ctx, [value], ENV_FUNCTIONS);
  return { name, value, credentialsId, loc };
}

function rightmostAssign(e: Expr): (Expr & { type: 'Assign' }) | null {
  let cur: Expr = e;
  while (cur.type === 'Binary') cur = cur.right;
  return cur.type === 'Assign' ? cur : null;
}

// What Jenkins' parser takes as an environment value: a quoted string, a number or boolean, a
// method call (credentials('id'), sh(...), env.X.toLowerCase()), or quoted strings joined by `+`.
const INVALID_VALUE = 'Environment variable values must either be single quoted, double quoted, or function calls.';
const INVALID_OPERATION = 'Environment variable values can only be joined together with \u2018+\u2019s.';
const INVALID_CONCAT = 'Environment variable values to be concatenated together must be single or double quoted.';

/** Why Jenkins refuses an environment value, or null when it takes it. */
function valueProblem(ctx: Ctx, e: Expr): { message: string; loc: Loc } | null {
  const bare = bareDollarCurly(ctx, e);
  if (bare) return { message: bare, loc: e.loc };
  switch (e.type) {
    case 'String': case 'GString': case 'Number': case 'Boolean': case 'Null': case 'Call':
      return null;
    case 'Unary':
      return e.operand.type === 'Number' ? null : { message: INVALID_VALUE, loc: e.loc };
    case 'Binary':
      // Groovy's elvis `a ?: b` is a ternary, not a binary expression: Jenkins' parser calls it an invalid value
      if (e.op === '?:') return { message: INVALID_VALUE, loc: e.loc };
      return e.op === '+' ? concatProblem(ctx, e) : { message: INVALID_OPERATION, loc: e.loc };
    default:
      return { message: INVALID_VALUE, loc: e.loc };
  }
}

function concatProblem(ctx: Ctx, e: Expr & { type: 'Binary' }): { message: string; loc: Loc } | null {
  const l = e.left;
  if (l.type === 'Binary') {
    if (l.op !== '+') return { message: INVALID_OPERATION, loc: l.loc };
    const p = concatProblem(ctx, l);
    if (p) return p;
  } else if (l.type !== 'String' && l.type !== 'GString') {
    return { message: bareDollarCurly(ctx, l) ?? INVALID_CONCAT, loc: l.loc };
  }
  const r = e.right;
  if (r.type !== 'String' && r.type !== 'GString') return { message: bareDollarCurly(ctx, r) ?? INVALID_CONCAT, loc: r.loc };
  return null;
}
