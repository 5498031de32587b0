// The Java class a value has for a pipeline (getClass(), the sandbox's signatures, structs'
// ClassCastException messages). Its own small module: step binding (steps/bind.ts) names classes
// in its errors, and `kiln lint` loads bind.ts but must not load the interpreter's runtime
// (java-classes.ts pulls groovy-ops, regexes and their worker pool: test/architecture/lint-loads).
import { setKind } from './sets.ts';
import { typeName, type Value } from './values.ts';

const JAVA_TYPES: Record<string, string> = {
  String: 'java.lang.String', Integer: 'java.lang.Integer', Long: 'java.lang.Long', BigDecimal: 'java.math.BigDecimal',
  BigInteger: 'java.math.BigInteger', Double: 'java.lang.Double', Float: 'java.lang.Float', Boolean: 'java.lang.Boolean',
  List: 'java.util.ArrayList', Map: 'java.util.LinkedHashMap', Closure: 'groovy.lang.Closure', Range: 'groovy.lang.IntRange',
};

/** The Java class of a value, as getClass() and the sandbox's signatures name it. */
export function javaClassOf(v: Value): string {
  if (v === null) return 'java.lang.Object';
  if (Array.isArray(v)) return setKind(v) ?? 'java.util.ArrayList';
  if (typeof v === 'object' && !(v instanceof Map) && v.kind === 'host' && v.javaClass !== undefined) return v.javaClass;
  const t = typeName(v);
  return (Object.hasOwn(JAVA_TYPES, t) ? JAVA_TYPES[t] : undefined) ?? (t.includes('.') ? t : t === 'WorkflowScript' ? 'WorkflowScript' : 'java.lang.Object');
}
