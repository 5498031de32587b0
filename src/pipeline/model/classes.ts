// Lint of the classes and enums a Jenkinsfile defines (the interpreter runs them: see
// ../script/classes.ts).
//
// Why: inside a class, Groovy resolves a bare call `name(...)` on the class only: a step or a
// script function called that way fails when it runs (Jenkins: "No signature of method:
// Utils.sh() ..."), which is the first thing people trip on. `kiln lint` says so before the
// build does: an unknown name is an error (as an unknown step is elsewhere), a step or script
// function called bare is a warning that shows the usual fix (`steps.sh ...` through the
// script object passed to the class), since Jenkins only fails if that code runs.
//
// How: for each class (nested ones too), the names a bare call may reach are the methods of
// the class and of its script superclasses, its fields (a closure in a field is callable),
// enum constants, local variables and parameters (a closure is called like a method) and
// Groovy's own print/assert helpers; every member body is visited for calls
// with a bare name. A superclass that is not a script class may bring methods we cannot see:
// then unknown names are not reported.
import type { ClassDecl, Expr, Stmt } from '../syntax/ast.ts';
import type { Ctx } from './context.ts';
import { visit } from './walk.ts';

/** Groovy methods every object has, and the DefaultGroovyMethods a class may call bare. */
const OBJECT_METHODS = new Set([
  'println', 'print', 'printf', 'sprintf', 'assert', 'super', 'this', 'with', 'use', 'sleep',
  // java.lang.Object (not notify/wait/clone: no pipeline means those, and `notify(x)` is a user's own name)
  'toString', 'equals', 'hashCode', 'getClass',
  // GroovyObject and the DefaultGroovyMethods on Object (a bare call goes to `this`)
  'getProperty', 'setProperty', 'invokeMethod', 'getMetaClass', 'setMetaClass', 'getProperties', 'hasProperty', 'respondsTo',
  'any', 'asBoolean', 'asType', 'collect', 'dump', 'each', 'eachWithIndex', 'every', 'find', 'findAll', 'findIndexOf',
  'findResult', 'getAt', 'putAt', 'grep', 'identity', 'inject', 'inspect', 'is', 'isCase', 'iterator', 'split', 'tap',
]);
/** What every enum has (java.lang.Enum and the compiler's values()/valueOf()). */
const ENUM_METHODS = ['name', 'ordinal', 'compareTo', 'getDeclaringClass', 'values', 'valueOf', 'next', 'previous'];

export function checkClasses(ctx: Ctx, classes: readonly ClassDecl[]): void {
  const byName = new Map<string, ClassDecl>();
  const collect = (d: ClassDecl): void => {
    byName.set(d.name, d);
    for (const n of d.classes) collect(n);
  };
  for (const d of classes) collect(d);
  for (const d of byName.values()) checkClass(ctx, d, byName);
}

function checkClass(ctx: Ctx, d: ClassDecl, byName: ReadonlyMap<string, ClassDecl>): void {
  const known = new Set<string>(OBJECT_METHODS);
  let open = false; // a superclass we cannot see into
  const seen = new Set<ClassDecl>();
  for (let c: ClassDecl | undefined = d; c !== undefined && !seen.has(c); c = c.superName === null ? undefined : byName.get(simple(c.superName))) {
    seen.add(c);
    for (const m of c.methods) known.add(m.name);
    for (const f of c.fields) {
      // a field declared without a modifier is a property: Groovy gives it getX()/setX() (isX() for a boolean)
      const cap = f.name.charAt(0).toUpperCase() + f.name.slice(1);
      known.add(f.name).add(`get${cap}`).add(`set${cap}`).add(`is${cap}`);
    }
    if (c.kind === 'enum') for (const m of ENUM_METHODS) known.add(m);
    for (const k of c.constants) known.add(k.name);
    if (c.superName !== null && !byName.has(simple(c.superName)) && !['Object', 'Serializable'].includes(simple(c.superName))) open = true;
    for (const i of c.interfaces) if (byName.get(simple(i))?.kind === 'trait') open = true;
  }
  const roots: (Stmt | Expr)[] = [];
  for (const f of d.fields) if (f.init) roots.push(f.init);
  for (const m of [...d.methods, ...d.constructors]) {
    for (const p of m.params) if (p.default) roots.push(p.default);
    if (m.body) roots.push(m.body);
  }
  for (const k of d.constants) roots.push(...k.args, ...k.namedArgs.map((a) => a.value));
  for (const b of d.initializers) roots.push(b.body);
  // local variables and parameters may hold closures, which are called like methods
  for (const m of [...d.methods, ...d.constructors]) for (const p of m.params) known.add(p.name);
  visit(roots, (n) => {
    switch (n.type) {
      case 'VarDecl': for (const x of n.names) known.add(x.name); break;
      case 'ForIn': known.add(n.varName); break;
      case 'Closure': for (const p of n.params) known.add(p.name); break;
      case 'Try': for (const h of n.handlers) known.add(h.varName); break;
      default: break;
    }
  });
  visit(roots, (n) => {
    if (n.type !== 'Call' || n.callee.type !== 'Ident') return;
    const name = n.callee.name;
    if (known.has(name)) return;
    if (ctx.registry.step(name) || ctx.functions.has(name)) {
      const what = ctx.functions.has(name) ? 'the script function' : 'the step';
      ctx.warn('class-step-call', `${d.name}.${name}(): a class cannot call ${what} "${name}" directly (Jenkins fails with "No signature of method: ${d.name}.${name}()"); call it through the script object passed to the class, e.g. steps.${name}(...)`, n.callee.loc);
      return;
    }
    if (open) return;
    ctx.error('unknown-method', `Unknown method "${name}" in ${d.kind} ${d.name}: it is not a method of ${d.name}, and a class cannot call steps or script functions directly`, n.callee.loc);
  });
}

function simple(type: string): string {
  const t = type.replace(/<.*$/, '');
  const i = t.lastIndexOf('.');
  return i < 0 ? t : t.slice(i + 1);
}
