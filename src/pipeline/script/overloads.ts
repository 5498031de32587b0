// Which of several same-named methods (script functions, a class's methods or constructors)
// Groovy runs for the arguments at hand: the one whose typed parameters take the arguments and
// are nearest to the arguments' run-time classes.
//
// Why: `def f(String s)`, `def f(Integer i)`, `def f(Map m)` are three methods in Groovy, chosen
// at run time by the arguments (Groovy's MetaClassHelper parameter distance); Kiln kept the last
// declared of each parameter count, so `f('a')` ran the Map one.
//
// How: a candidate takes the arguments when each typed parameter accepts its argument
// (paramAccepts). Among candidates, the sum of per-argument distances decides: 0 for the
// argument's own class, Groovy's table for number widening (Integer → long 2, → double 7,
// → BigDecimal 9, → Number 10; BigDecimal → double 3; ...), small steps up the collection and
// class hierarchies, and an untyped or Object parameter farthest (100). A null argument goes to an
// untyped or Object parameter first, else to the first declared. Two candidates at the same
// distance with different parameter types are Groovy's "Ambiguous method overloading" error.
// This approximates Groovy's distances (checked on the cases in test/pipeline/script/
// groovy-java-semantics.test.ts against groovy 2.4.21); it does not model every Java interface.
import type * as A from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import { scriptError } from './errors.ts';
import { paramAccepts } from './groovy-ops.ts';
import { isDecimal } from './decimal.ts';
import { DoubleValue } from './double-value.ts';
import { LongValue } from './long-value.ts';
import { setKind } from './sets.ts';
import { javaClassOf } from './java-types.ts';
import { isClosure, isHostObject, isRange, type Value } from './values.ts';

const FAR = 100;

// Groovy's primitive distance table, for the argument kinds a script has (rows) and the
// parameter types (columns): int Integer long Long BigInteger float Float double Double BigDecimal Number
const NUMBER_COLUMNS = ['int', 'Integer', 'long', 'Long', 'BigInteger', 'float', 'Float', 'double', 'Double', 'BigDecimal', 'Number'];
const NUMBER_ROWS: Record<string, readonly number[]> = {
  Integer: [1, 0, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  Long: [FAR, FAR, 1, 0, 2, 3, 4, 5, 6, 7, 8],
  BigInteger: [5, 6, 3, 4, 0, 14, 15, 12, 13, 11, 1],
  Float: [FAR, FAR, FAR, FAR, FAR, 1, 0, 2, 3, 4, 5],
  Double: [FAR, FAR, FAR, FAR, FAR, 5, 6, 1, 0, 2, 3],
  BigDecimal: [FAR, FAR, FAR, FAR, FAR, 5, 6, 3, 4, 0, 1],
};

function numberKind(v: Value): string | null {
  if (typeof v === 'number') return Number.isInteger(v) ? ((v | 0) === v ? 'Integer' : 'Long') : 'Double';
  if (v instanceof LongValue) return v.big ? 'BigInteger' : 'Long';
  if (v instanceof DoubleValue) return v.float ? 'Float' : 'Double';
  if (isDecimal(v)) return 'BigDecimal';
  return null;
}

function simple(type: string): string {
  const lt = type.indexOf('<');
  const full = lt < 0 ? type : type.slice(0, lt);
  return full.slice(full.lastIndexOf('.') + 1);
}

/** How far an argument is from a parameter type that accepts it (see the header). */
export function paramDistance(type: string | null, v: Value): number {
  if (type === null) return v === null ? 0 : FAR;
  const t = simple(type);
  if (t === 'def' || t === 'Object' || t === 'var') return v === null ? 0 : FAR;
  if (v === null) return 1;
  const nk = numberKind(v);
  if (nk !== null) {
    const i = NUMBER_COLUMNS.indexOf(t);
    if (i >= 0) return NUMBER_ROWS[nk]![i]!;
    if (t === 'Comparable' || t === 'Serializable') return 2;
    return FAR - 1;
  }
  if (typeof v === 'string' || (isHostObject(v) && v.typeName === 'GString')) {
    // Kiln renders a GString when it is made: a String parameter is nearest
    return t === 'String' ? 0 : t === 'GString' || t === 'CharSequence' ? 1 : t === 'Comparable' ? 2 : FAR - 1;
  }
  if (typeof v === 'boolean') return t === 'Boolean' ? 0 : t === 'boolean' ? 1 : FAR - 1;
  if (Array.isArray(v)) {
    const set = setKind(v) !== null;
    if (t === (set ? 'Set' : 'List') || t === 'ArrayList' || t === 'LinkedHashSet' || t === 'HashSet') return t.endsWith('List') || t.endsWith('Set') ? (t === 'List' || t === 'Set' ? 1 : 0) : 1;
    return t === 'Collection' ? 2 : t === 'Iterable' ? 3 : FAR - 1;
  }
  if (isRange(v)) return t === 'Range' || t === 'IntRange' ? 0 : t === 'List' ? 1 : t === 'Collection' ? 2 : t === 'Iterable' ? 3 : FAR - 1;
  if (v instanceof Map) return t === 'LinkedHashMap' ? 0 : t === 'HashMap' ? 1 : t === 'Map' ? 2 : FAR - 1;
  if (isClosure(v)) return t === 'Closure' ? 0 : FAR - 1;
  // an object of a script class: its own class nearest, then up the chain (ScriptInstance.cls.chain)
  const cls = (v as { cls?: { chain?: () => Iterable<{ name: string }> } }).cls;
  if (cls?.chain) {
    let d = 0;
    for (const c of cls.chain()) {
      if (c.name === t) return d;
      d++;
    }
    return d + 1;
  }
  return FAR - 1;
}

function javaParamName(p: A.Param): string {
  const t = p.typeName === null ? 'Object' : simple(p.typeName);
  if (['int', 'long', 'short', 'byte', 'double', 'float', 'boolean', 'char'].includes(t)) return t;
  const fqn = QUALIFIED[t] ?? (p.typeName?.includes('.') ? p.typeName.replace(/<.*$/, '') : t);
  return `class ${fqn}`;
}

const QUALIFIED: Record<string, string> = {
  Object: 'java.lang.Object', String: 'java.lang.String', Integer: 'java.lang.Integer', Long: 'java.lang.Long', Double: 'java.lang.Double',
  Float: 'java.lang.Float', Boolean: 'java.lang.Boolean', Number: 'java.lang.Number', CharSequence: 'java.lang.CharSequence',
  Comparable: 'java.lang.Comparable', BigDecimal: 'java.math.BigDecimal', BigInteger: 'java.math.BigInteger', List: 'java.util.List',
  Map: 'java.util.Map', Set: 'java.util.Set', Collection: 'java.util.Collection', Iterable: 'java.lang.Iterable',
  Closure: 'groovy.lang.Closure', GString: 'groovy.lang.GString', def: 'java.lang.Object',
};

function sameTypes(a: readonly A.Param[], b: readonly A.Param[]): boolean {
  return a.length === b.length && a.every((p, i) => (p.typeName ?? 'Object') === (b[i]!.typeName ?? 'Object'));
}

/**
 * The candidate Groovy runs for `args` among those that take them (each already fits the
 * argument count and types), or the ambiguity error. `owner#name` names the method in the error
 * (`WorkflowScript#h`).
 */
export function pickOverload<T extends { params: A.Param[] }>(cands: readonly T[], args: readonly Value[], owner: string, name: string, loc: Loc): T {
  if (cands.length === 1) return cands[0]!;
  let best: T[] = [];
  let bestD = Infinity;
  for (const c of cands) {
    let d = 0;
    for (let i = 0; i < args.length && i < c.params.length; i++) d += paramDistance(c.params[i]!.typeName, args[i] ?? null);
    if (d < bestD) {
      bestD = d;
      best = [c];
    } else if (d === bestD && !best.some((b) => sameTypes(b.params, c.params))) {
      best.push(c);
    }
  }
  if (best.length > 1 && !args.includes(null)) {
    const protos = best.map((c) => `\t[${c.params.map(javaParamName).join(', ')}]`).sort();
    throw scriptError('ambiguous-method', `Ambiguous method overloading for method ${owner}#${name}.\nCannot resolve which method to invoke for [${args.map((a) => (a === null ? 'null' : `class ${javaClassOf(a)}`)).join(', ')}] due to overlapping prototypes between:\n${protos.join('\n')}`, loc, 'groovy.lang.GroovyRuntimeException');
  }
  return best[0]!;
}

/** Whether each typed parameter takes its argument (Groovy's applicability). */
export function paramsTake(params: readonly A.Param[], args: readonly Value[]): boolean {
  for (let i = 0; i < params.length && i < args.length; i++) {
    const t = params[i]!.typeName;
    if (t !== null && !paramAccepts(t, args[i] ?? null)) return false;
  }
  return true;
}

/** Same parameter types: a redefinition, not an overload. */
export { sameTypes as sameParamTypes };
