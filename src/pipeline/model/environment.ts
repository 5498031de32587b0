// environment { NAME = value }: variables for the pipeline or a stage. Values are Groovy
// expressions evaluated when the block applies; `credentials('id')` binds a credential.
import type { Expr, Stmt } from '../syntax/ast.ts';
import type { EnvEntry } from './types.ts';
import { Ctx, IDENTIFIER, blockOf, sourceText, type Section } from './context.ts';
import { checkGroovy } from './steps.ts';

const ENV_FUNCTIONS: ReadonlySet<string> = new Set(['credentials']);

export function parseEnvironment(ctx: Ctx, sec: Section): EnvEntry[] {
  const out: EnvEntry[] = [];
  const body = blockOf(ctx, sec, 'environment');
  const seen = new Map<string, EnvEntry>();
  for (const stmt of body) {
    const e = entry(ctx, stmt);
    if (!e) continue;
    if (seen.has(e.name)) {
      ctx.error('environment', `Duplicate environment variable name: "${e.name}"`, e.loc);
      continue;
    }
    seen.set(e.name, e);
    out.push(e);
  }
  if (sec.call.closure && body.length === 0) ctx.warn('empty-environment', 'No variables specified for environment', sec.nameLoc);
  return out;
}

function entry(ctx: Ctx, stmt: Stmt): EnvEntry | null {
  const text = (sourceText(ctx, stmt.loc) ?? '').split('\n')[0]!.trim();
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
  if (!IDENTIFIER.test(name)) {
    ctx.error('environment', `Environment variable names must be valid identifiers: "${name}"`, ex.target.loc);
    return null;
  }
  const value = ex.value;
  if (value.type === 'Closure') {
    ctx.error('environment', 'Environment variable values must either be strings or function calls.', value.loc);
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
  return { name, value, credentialsId, loc: ex.loc };
}

function rightmostAssign(e: Expr): (Expr & { type: 'Assign' }) | null {
  let cur: Expr = e;
  while (cur.type === 'Binary') cur = cur.right;
  return cur.type === 'Assign' ? cur : null;
}
