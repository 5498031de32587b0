// The text of a string written with constants only, known before the run: what Kiln needs where
// Jenkins evaluates an expression at run time but Kiln must know the value before it (a shared
// library named in `libraries { lib("${name}@main") }` must be fetched before the Jenkinsfile is
// checked, its steps being the library's). Jenkins evaluates such a name in the script
// (ModelInterpreter, `library` step); Kiln computes the same text when it is made of:
//   - string, number and boolean literals;
//   - names declared at the top of the file with such a literal (`def lib = 'utils'`, the last
//     top-level declaration winning, as the script's binding has it when the pipeline runs);
//   - calls without arguments of a function declared in the file whose body is only
//     `return <one of these>` (or that expression alone);
//   - GStrings whose placeholders are all of these.
// Anything else (env, params, a method with arguments, a property) is unknown: null.
import type { Expr, Stmt } from '../syntax/ast.ts';

const MAX_DEPTH = 8;
/** Bounds for a hostile file: names built from names many times over stay unknown rather than expensive. */
const MAX_STEPS = 1000;
const MAX_LENGTH = 4096;

function literalText(e: Expr): string | null {
  if (e.type === 'String') return e.value;
  if (e.type === 'Boolean') return String(e.value);
  if (e.type === 'Number' && e.isInteger && !e.exact) return String(e.value);
  return null;
}

/**
 * The text of `e` from the file's top-level statements, or null when it is not made of constants.
 * `calls: false` leaves functions out: a matrix axis value, which Jenkins' parser fills in from
 * top-level variables only (ModelParser.evaluateGString).
 */
export function constantText(topLevel: readonly Stmt[], e: Expr, opts: { calls?: boolean } = {}): string | null {
  const text = textOf(topLevel, e, 0, { steps: 0, calls: opts.calls ?? true });
  return text !== null && text.length <= MAX_LENGTH ? text : null;
}

function textOf(topLevel: readonly Stmt[], e: Expr, depth: number, budget: { steps: number; calls: boolean }): string | null {
  if (depth > MAX_DEPTH || ++budget.steps > MAX_STEPS) return null;
  const lit = literalText(e);
  if (lit !== null) return lit;
  if (e.type === 'GString') {
    let out = e.parts[0]!;
    for (let k = 0; k < e.exprs.length; k++) {
      const v = textOf(topLevel, e.exprs[k]!, depth + 1, budget);
      if (v === null) return null;
      out += v + e.parts[k + 1]!;
      if (out.length > MAX_LENGTH) return null;
    }
    return out;
  }
  if (e.type === 'Ident') {
    let found: Expr | null = null;
    let declared = false;
    for (const s of topLevel) {
      if (s.type !== 'VarDecl' || s.multi || s.names[0]?.name !== e.name) continue;
      declared = true;
      found = s.init;
    }
    return declared && found ? textOf(topLevel, found, depth + 1, budget) : null;
  }
  if (budget.calls && e.type === 'Call' && e.callee.type === 'Ident' && e.args.length === 0 && e.namedArgs.length === 0 && !e.closure) {
    const name = e.callee.name;
    const fns = topLevel.filter((s) => s.type === 'Function' && s.name === name);
    if (fns.length !== 1) return null;
    const fn = fns[0]!;
    if (fn.type !== 'Function' || fn.params.length !== 0 || fn.body.body.length !== 1) return null;
    const only = fn.body.body[0]!;
    const value = only.type === 'Return' ? only.value : only.type === 'ExprStmt' ? only.expr : null;
    return value ? textOf(topLevel, value, depth + 1, budget) : null;
  }
  return null;
}
