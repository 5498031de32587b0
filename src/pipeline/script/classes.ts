// Classes and enums defined in a Jenkinsfile, at run time: what a class is (ScriptClass), what
// an object of it is (ScriptInstance), and the rules Groovy resolves their members by.
//
// Why: Jenkinsfiles define small helper classes (`class Utils { def steps; Utils(steps) {...};
// def hi() { steps.sh 'x' } }`, `new Utils(this).hi()`) and enums, and Jenkins runs them.
//
// How: the interpreter (interpreter.ts) runs the code (constructors, methods, initializers) in
// scopes whose variables are the object's fields and the classes' static fields, so a method
// sees its fields by their bare names and not the script's binding (as in Groovy, a class body
// does not see the script's variables, nor its steps: `steps.echo` through a field does).
// This file keeps the data and the pure rules: the class chain, member lookup by name and
// argument count (dynamic dispatch: the object's own class first), `instanceof`, enum
// constants, and how an object prints by default (`Foo@1b6d3586`; an enum constant by name).
// Both are HostObjects, so that code which only knows host objects (format, typeName, steps
// receiving one) treats them sensibly; the interpreter handles them before its host paths.
import type * as A from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import type { DynamicContext, HostObject, Value } from './values.ts';

/** A class, interface or enum of the script. As a value it is the class itself (`Foo.bar()`, `Color.RED`). */
export class ScriptClass implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'java.lang.Class';
  readonly decl: A.ClassDecl;
  readonly name: string;
  #superclass: ScriptClass | null = null;
  /** findMethod's answers by name, argument count and staticOnly (a method call in a loop looks up once). */
  #methodCache = new Map<string, { method: A.ClassMethod; owner: ScriptClass } | null>();
  #overloadCache = new Map<string, { method: A.ClassMethod; owner: ScriptClass }[]>();
  /** The static fields of this class (not its superclasses'). */
  readonly statics = new Map<string, Value>();
  /** Enum constants, in order (empty for a class). */
  readonly constants: ScriptInstance[] = [];
  /** Set once the static initializers have run. */
  initialized = false;
  /** Opaque to all but the interpreter: the scope that holds `statics`. */
  scope: unknown = null;

  constructor(decl: A.ClassDecl) {
    this.decl = decl;
    this.name = decl.name;
  }

  get superclass(): ScriptClass | null {
    return this.#superclass;
  }

  set superclass(c: ScriptClass | null) {
    this.#superclass = c;
    this.#methodCache.clear();
    this.#overloadCache.clear();
  }

  get isEnum(): boolean {
    return this.decl.kind === 'enum';
  }

  /** This class and its superclasses, nearest first. */
  *chain(): Generator<ScriptClass> {
    for (let c: ScriptClass | null = this; c !== null; c = c.superclass) yield c;
  }

  /** The class among this one and its superclasses that declares a static field `name`. */
  staticHolder(name: string): ScriptClass | null {
    for (const c of this.chain()) if (c.statics.has(name)) return c;
    return null;
  }

  /**
   * The method `name` for `argc` arguments, looking in this class first and then up the chain
   * (dynamic dispatch); with `staticOnly`, static methods only. Returns the method and its class.
   */
  findMethod(name: string, argc: number, staticOnly: boolean): { method: A.ClassMethod; owner: ScriptClass } | null {
    const key = `${staticOnly ? 's' : 'i'}${argc}:${name}`;
    const known = this.#methodCache.get(key);
    if (known !== undefined) return known;
    let found: { method: A.ClassMethod; owner: ScriptClass } | null = null;
    search: for (let c: ScriptClass | null = this; c !== null; c = c.#superclass) {
      for (const m of c.decl.methods) {
        if (m.name !== name || m.body === null || (staticOnly && !m.isStatic)) continue;
        if (fits(m.params, argc)) {
          found = { method: m, owner: c };
          break search;
        }
      }
    }
    this.#methodCache.set(key, found);
    return found;
  }

  /** Whether any class of the chain has a method called `name` (whatever its parameters). */
  hasMethodNamed(name: string): boolean {
    for (const c of this.chain()) for (const m of c.decl.methods) if (m.name === name && m.body !== null) return true;
    return false;
  }

  /** The constructor of this class for `argc` arguments, or null. */
  findConstructor(argc: number): A.ClassMethod | null {
    for (const m of this.decl.constructors) if (fits(m.params, argc)) return m;
    return null;
  }

  /** Every constructor for `argc` arguments (overloads by parameter types: the interpreter picks one). */
  constructorsFor(argc: number): A.ClassMethod[] {
    return this.decl.constructors.filter((m) => fits(m.params, argc));
  }

  /**
   * Every method `name` for `argc` arguments up the chain, nearest first, a method hiding the
   * one it overrides (same parameter types): the overloads the interpreter picks among by the
   * arguments' classes (overloads.ts). Cached per class, as findMethod is.
   */
  methodsFor(name: string, argc: number, staticOnly: boolean): readonly { method: A.ClassMethod; owner: ScriptClass }[] {
    const key = `${staticOnly ? 's' : 'i'}${argc}:${name}`;
    const known = this.#overloadCache.get(key);
    if (known !== undefined) return known;
    const out: { method: A.ClassMethod; owner: ScriptClass }[] = [];
    for (let c: ScriptClass | null = this; c !== null; c = c.#superclass) {
      for (const m of c.decl.methods) {
        if (m.name !== name || m.body === null || (staticOnly && !m.isStatic) || !fits(m.params, argc)) continue;
        if (out.some((o) => sameTypes(o.method.params, m.params))) continue;
        out.push({ method: m, owner: c });
      }
    }
    this.#overloadCache.set(key, out);
    return out;
  }

  /** Whether objects of this class are instances of `type` (a class or interface name, simple or qualified). */
  isA(type: string): boolean {
    const simple = simpleName(type);
    if (simple === 'Object' || simple === 'GroovyObject') return true;
    if ((simple === 'Serializable' || simple === 'Comparable' || simple === 'Enum') && this.isEnum) return true;
    for (const c of this.chain()) {
      if (c.name === simple) return true;
      if (c.superclass === null && c.decl.superName !== null && simpleName(c.decl.superName.replace(/<.*$/, '')) === simple) return true;
      if (c.decl.interfaces.some((i) => simpleName(i.replace(/<.*$/, '')) === simple)) return true;
    }
    return false;
  }

  getProperty(name: string): Value | undefined {
    const h = this.staticHolder(name);
    return h === null ? undefined : h.statics.get(name) ?? null;
  }

  toString(): string {
    return `class ${this.name}`;
  }
}

let nextHash = 0x1b6d3586;

/** An object of a script class (or an enum constant). */
export class ScriptInstance implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName: string;
  readonly javaClass: string;
  readonly cls: ScriptClass;
  /** Every instance field of the class chain. */
  readonly fields = new Map<string, Value>();
  /** The enum constant's name and ordinal, or null for an object of a class. */
  readonly constant: { name: string; ordinal: number } | null;
  readonly hash: number;

  constructor(cls: ScriptClass, constant: { name: string; ordinal: number } | null = null) {
    this.cls = cls;
    this.typeName = cls.name;
    this.javaClass = cls.name;
    this.constant = constant;
    nextHash = (Math.imul(nextHash, 1103515245) + 12345) >>> 0;
    this.hash = nextHash & 0x7fffffff;
  }

  getProperty(name: string, _ctx: DynamicContext, _loc: Loc): Value | undefined {
    if (this.fields.has(name)) return this.fields.get(name) ?? null;
    return this.cls.getProperty(name);
  }

  /** How Groovy prints it without a toString() of its own. */
  toString(): string {
    return this.constant !== null ? this.constant.name : `${this.cls.name}@${this.hash.toString(16)}`;
  }
}

/** Whether a method with these parameters takes `argc` arguments (defaults and varargs allowed). */
function sameTypes(a: readonly A.Param[], b: readonly A.Param[]): boolean {
  return a.length === b.length && a.every((p, i) => (p.typeName ?? 'Object') === (b[i]!.typeName ?? 'Object'));
}

export function fits(params: readonly A.Param[], argc: number): boolean {
  let required = 0;
  for (const p of params) if (p.default === null) required++;
  const last = params[params.length - 1];
  if (last !== undefined && last.typeName !== null && (last.typeName.endsWith('...') || last.typeName.endsWith('[]'))) {
    return argc >= required - (last.default === null ? 1 : 0);
  }
  return argc >= required && argc <= params.length;
}

function simpleName(t: string): string {
  const i = t.lastIndexOf('.');
  return i < 0 ? t : t.slice(i + 1);
}

/**
 * Links the classes of a script: each class to its superclass when that is a class of the
 * script (a library superclass, `extends Exception`, is kept by name for instanceof only). Two
 * classes of one name, or a cycle, are errors; returns the classes, superclasses first.
 */
export function linkClasses(decls: readonly A.ClassDecl[], fail: (msg: string, loc: Loc) => never): ScriptClass[] {
  const byName = new Map<string, ScriptClass>();
  const all: ScriptClass[] = [];
  const add = (d: A.ClassDecl): void => {
    if (byName.has(d.name)) fail(`Invalid duplicate class definition of class ${d.name}`, d.nameLoc);
    const c = new ScriptClass(d);
    byName.set(d.name, c);
    all.push(c);
    for (const n of d.classes) add(n);
  };
  for (const d of decls) add(d);
  for (const c of all) {
    const sup = c.decl.superName;
    if (sup === null || c.decl.kind === 'interface') continue;
    const s = byName.get(simpleName(sup.replace(/<.*$/, '')));
    if (s !== undefined) c.superclass = s;
  }
  const ordered: ScriptClass[] = [];
  const state = new Map<ScriptClass, number>();
  const visit = (c: ScriptClass): void => {
    const st = state.get(c);
    if (st === 2) return;
    if (st === 1) fail(`Cycle detected: the type ${c.name} cannot extend/implement itself or one of its own member types`, c.decl.nameLoc);
    state.set(c, 1);
    if (c.superclass) visit(c.superclass);
    state.set(c, 2);
    ordered.push(c);
  };
  for (const c of all) visit(c);
  return ordered;
}
