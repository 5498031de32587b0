// Generic traversal of the syntax tree, iterative so that a deeply nested Jenkinsfile cannot
// overflow the stack of the validator.
import type { Expr, Script, Stmt } from '../syntax/ast.ts';

export type AnyNode = Expr | Stmt | Script;

/** The direct children of a node, in source order. */
export function children(n: AnyNode): AnyNode[] {
  switch (n.type) {
    case 'String': case 'Number': case 'Boolean': case 'Null': case 'Ident':
    case 'Break': case 'Continue': case 'Import': case 'Class':
      return [];
    case 'GString': return n.exprs;
    case 'List': return n.items;
    case 'Map': return n.entries.flatMap((e) => [e.key, e.value]);
    case 'Property': return [n.object];
    case 'Index': return [n.object, n.index];
    case 'Call': {
      const out: AnyNode[] = [n.callee];
      for (const o of n.order) {
        if (o.kind === 'p') { const a = n.args[o.index]; if (a) out.push(a); }
        else { const a = n.namedArgs[o.index]; if (a) { if (a.keyExpr) out.push(a.keyExpr); out.push(a.value); } }
      }
      // `order` should list every argument; be robust if it does not.
      if (n.order.length !== n.args.length + n.namedArgs.length) {
        out.length = 1;
        out.push(...n.args);
        for (const a of n.namedArgs) { if (a.keyExpr) out.push(a.keyExpr); out.push(a.value); }
      }
      if (n.closure) out.push(n.closure);
      return out;
    }
    case 'Closure': return [...n.params.flatMap((p) => (p.default ? [p.default] : [])), ...n.body];
    case 'Binary': return [n.left, n.right];
    case 'Unary': return [n.operand];
    case 'Ternary': return [n.test, n.consequent, n.alternate];
    case 'Assign': return [n.target, n.value];
    case 'Range': return [n.from, n.to];
    case 'Cast': return [n.expr];
    case 'New': return [...n.args, ...n.namedArgs.map((a) => a.value)];
    case 'ExprStmt': return [n.expr];
    case 'VarDecl': return n.init ? [n.init] : [];
    case 'Block': return n.body;
    case 'If': return n.alternate ? [n.test, n.consequent, n.alternate] : [n.test, n.consequent];
    case 'ForIn': return [n.iterable, n.body];
    case 'For': return [...(n.init ? [n.init] : []), ...(n.test ? [n.test] : []), ...n.update, n.body];
    case 'While': return [n.test, n.body];
    case 'Return': return n.value ? [n.value] : [];
    case 'Throw': return [n.value];
    case 'Try': return [n.block, ...n.handlers.map((h) => h.body), ...(n.finalizer ? [n.finalizer] : [])];
    case 'Switch': return [n.discriminant, ...n.cases.flatMap((c) => [...(c.test ? [c.test] : []), ...c.body])];
    case 'Function': return [...n.params.flatMap((p) => (p.default ? [p.default] : [])), n.body];
    case 'Annotation': return [...n.args, ...n.namedArgs.map((a) => a.value)];
    case 'Script': return n.body;
    case 'MethodPointer': return [n.object];
    case 'Spread': return [n.expr];
    case 'Labeled': return [n.body];
  }
}

/**
 * Visits every node under `roots` depth-first in source order. `visit` returns false to skip a
 * node's children.
 */
export function visit(roots: readonly AnyNode[], visitFn: (n: AnyNode) => boolean | void): void {
  const stack: AnyNode[] = [];
  for (let i = roots.length - 1; i >= 0; i--) stack.push(roots[i]!);
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (visitFn(n) === false) continue;
    const cs = children(n);
    for (let i = cs.length - 1; i >= 0; i--) stack.push(cs[i]!);
  }
}
