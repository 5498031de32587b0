// A compact S-expression rendering of the syntax tree, so that tests can assert whole shapes:
//   sh 'x'            -> (cmd sh "x")
//   sh(script: 'x')   -> (call sh script:"x")
//   stage('B') { }    -> (call stage "B" {})
import type { Expr, Node, Param, Stmt } from '../../../src/pipeline/syntax/ast.ts';
import type { Loc } from '../../../src/core/build.ts';

function params(ps: Param[]): string {
  return ps.map((p) => (p.typeName ? `${p.typeName} ` : '') + p.name + (p.default ? `=${sexp(p.default)}` : '')).join(', ');
}

function body(stmts: Stmt[]): string {
  return stmts.map((s) => ' ' + sexp(s)).join('');
}

export function sexp(n: Node | null): string {
  if (n === null) return 'nil';
  switch (n.type) {
    case 'Ident': return n.name;
    case 'String': return JSON.stringify(n.value);
    case 'GString': {
      const out: string[] = [];
      n.parts.forEach((p, i) => {
        out.push(JSON.stringify(p));
        const e = n.exprs[i];
        if (e) out.push(sexp(e));
      });
      return `(gstr ${out.join(' ')})`;
    }
    case 'Number': return n.raw;
    case 'Boolean': return String(n.value);
    case 'Null': return 'null';
    case 'List': return `[${n.items.map(sexp).join(' ')}]`;
    case 'Map': return n.entries.length === 0 ? '[:]' : `[${n.entries.map((e) => `${sexp(e.key)}: ${sexp(e.value)}`).join(', ')}]`;
    case 'Property': return `(${n.safe ? '?.' : n.spread ? '*.' : '.'} ${sexp(n.object)} ${n.name})`;
    case 'Index': return `(index ${sexp(n.object)} ${sexp(n.index)})`;
    case 'Call': {
      const args = n.order.map((o) => {
        if (o.kind === 'p') return sexp(n.args[o.index]!);
        const a = n.namedArgs[o.index]!;
        return `${a.keyExpr ? `(${sexp(a.keyExpr)})` : a.name}:${sexp(a.value)}`;
      });
      if (n.closure) args.push(sexp(n.closure));
      return `(${n.parens ? 'call' : 'cmd'}${n.safe ? '?' : ''} ${sexp(n.callee)}${args.map((a) => ' ' + a).join('')})`;
    }
    case 'Closure':
      return `{${n.explicitParams ? `${params(n.params)} ->` : ''}${body(n.body)}}`;
    case 'Binary': return `(${n.op} ${sexp(n.left)} ${sexp(n.right)})`;
    case 'Unary': return n.prefix ? `(${n.op} ${sexp(n.operand)})` : `(post${n.op} ${sexp(n.operand)})`;
    case 'Ternary': return `(? ${sexp(n.test)} ${sexp(n.consequent)} ${sexp(n.alternate)})`;
    case 'Assign': return `(${n.op} ${sexp(n.target)} ${sexp(n.value)})`;
    case 'Range': return `(${n.exclusive ? '..<' : '..'} ${sexp(n.from)} ${sexp(n.to)})`;
    case 'Cast': return `(as ${sexp(n.expr)} ${n.typeName})`;
    case 'New': return `(new ${n.typeName}${n.args.map((a) => ' ' + sexp(a)).join('')}${n.namedArgs.map((a) => ` ${a.name}:${sexp(a.value)}`).join('')})`;
    case 'ExprStmt': return sexp(n.expr);
    case 'VarDecl':
      return `(var${n.typeName ? ' ' + n.typeName : ''} ${n.multi ? `(${n.names.map((x) => x.name).join(' ')})` : n.names[0]!.name}${n.init ? ' ' + sexp(n.init) : ''})`;
    case 'Block': return `(block${body(n.body)})`;
    case 'If': return `(if ${sexp(n.test)} ${sexp(n.consequent)}${n.alternate ? ' ' + sexp(n.alternate) : ''})`;
    case 'ForIn': return `(for-in ${n.varName} ${sexp(n.iterable)} ${sexp(n.body)})`;
    case 'For': return `(for ${sexp(n.init)} ${sexp(n.test)} (${n.update.map(sexp).join(' ')}) ${sexp(n.body)})`;
    case 'While': return `(while ${sexp(n.test)} ${sexp(n.body)})`;
    case 'Return': return n.value ? `(return ${sexp(n.value)})` : '(return)';
    case 'Break': return n.label ? `(break ${n.label})` : '(break)';
    case 'Continue': return n.label ? `(continue ${n.label})` : '(continue)';
    case 'Labeled': return `(label ${n.label} ${sexp(n.body)})`;
    case 'MethodPointer': return `(.& ${sexp(n.object)} ${n.name})`;
    case 'Spread': return `(* ${sexp(n.expr)})`;
    case 'Throw': return `(throw ${sexp(n.value)})`;
    case 'Try':
      return `(try ${sexp(n.block)}${n.handlers.map((h) => ` (catch [${h.typeNames.join(' | ')}] ${h.varName} ${sexp(h.body)})`).join('')}${n.finalizer ? ` (finally ${sexp(n.finalizer)})` : ''})`;
    case 'Switch':
      return `(switch ${sexp(n.discriminant)}${n.cases.map((c) => ` (${c.test ? 'case ' + sexp(c.test) : 'default'}${body(c.body)})`).join('')})`;
    case 'Function': return `(fn ${n.name} (${params(n.params)}) ${sexp(n.body)})`;
    case 'Import': return `(import ${n.path})`;
    case 'Annotation':
      return `(@${n.name}${n.args.map((a) => ' ' + sexp(a)).join('')}${n.namedArgs.map((a) => ` ${a.name}=${sexp(a.value)}`).join('')})`;
    case 'Class': return `(class ${n.name})`;
    case 'Script': return n.body.map(sexp).join('\n');
  }
}

/** "L:C-L:C" of a loc, for position assertions. */
export function at(loc: Loc): string {
  return `${loc.start.line}:${loc.start.col}-${loc.end.line}:${loc.end.col}`;
}

export type { Expr };
