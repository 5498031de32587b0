// The Java and Groovy classes a pipeline script may name, and what Jenkins' script sandbox lets
// it do with them. The specification is script-security's default whitelists (generic-whitelist,
// jenkins-whitelist): a call they allow runs here with the class's real behaviour; any other call
// on a Java class fails at its line with Jenkins' RejectedAccessException message,
// "Scripts not permitted to use <signature>", where the signature has Jenkins' form:
//   new java.io.File java.lang.String
//   staticMethod java.lang.System getenv java.lang.String
//   method java.lang.Class getClassLoader
//   staticField java.lang.System out
//
// One lookup, resolveClass(name), turns a name written in a script into a class: a short name
// through Groovy's default imports (java.lang.*, java.util.*, java.io.*, java.net.*,
// groovy.lang.*, groovy.util.*, java.math.BigDecimal/BigInteger) and workflow-cps' (hudson.model.*,
// jenkins.model.*), or a qualified name. The
// interpreter and the `import` handling both call it.
//
// A few allowances go beyond Jenkins' default whitelist, because Kiln allowed them before and they
// are harmless pure functions that Jenkins administrators approve routinely: BEYOND_WHITELIST
// lists them, so that the choice is visible and can be reverted in one place.
import type { Loc } from '../../core/build.ts';
import { ScriptError, rejected, scriptError } from './errors.ts';
import { toGroovyString } from './format.ts';
import { groovyEquals, naturalCompare } from './groovy-ops.ts';
import { isDecimal } from './decimal.ts';
import { javaHashCode } from './hash.ts';
import { mathIntegral } from './math-overloads.ts';
import { closureComparator, sortAsync } from './methods-list.ts';
import type { MethodEnv } from './methods-common.ts';
import { callStatic, getStatic, staticClassName } from './methods-number.ts';
import { DateObject, SimpleDateFormatObject, TimeZoneObject, timeZoneOf } from './java-time.ts';
import { isClosure, typeName, type CallArgs, type DynamicContext, type GList, type HostObject, type Value } from './values.ts';
import { LongValue } from './long-value.ts';
import { DoubleValue, doubleOf } from './double-value.ts';
import { setKind } from './sets.ts';
import { javaClassOf } from './java-types.ts';
import { parseJson, parseJsonClassic } from './groovy-json.ts';

/** First segments of a qualified Java class name (a variable of such a name hides it). */
export const JAVA_ROOTS: ReadonlySet<string> = new Set(['java', 'javax', 'groovy', 'hudson', 'jenkins', 'org', 'com', 'net', 'sun', 'io']);

/** Classes Kiln knows by their qualified names (whether the sandbox allows them or not). */
const KNOWN: readonly string[] = [
  'java.lang.String', 'java.lang.Integer', 'java.lang.Long', 'java.lang.Double', 'java.lang.Float', 'java.lang.Boolean',
  'java.lang.Character', 'java.lang.Math', 'java.lang.System', 'java.lang.Runtime', 'java.lang.Thread', 'java.lang.Class',
  'java.lang.ProcessBuilder', 'java.lang.ClassLoader', 'java.lang.Object', 'java.lang.StringBuilder', 'java.lang.StringBuffer',
  'java.util.Date', 'java.util.TimeZone', 'java.util.Collections', 'java.util.Arrays', 'java.util.UUID', 'java.util.Random',
  'java.util.Objects', 'java.util.Calendar', 'java.util.ArrayList', 'java.util.LinkedList', 'java.util.HashMap',
  'java.util.LinkedHashMap', 'java.util.TreeMap', 'java.util.HashSet', 'java.util.LinkedHashSet', 'java.util.TreeSet',
  'java.util.List', 'java.util.Set', 'java.util.Map', 'java.util.Collection', 'java.util.regex.Pattern', 'java.util.regex.Matcher', 'java.util.concurrent.ConcurrentHashMap',
  'java.io.File', 'java.net.URL', 'java.net.URLEncoder', 'java.net.URLDecoder', 'java.net.Socket', 'java.net.InetAddress',
  'java.math.BigDecimal', 'java.math.BigInteger', 'java.text.SimpleDateFormat', 'java.nio.file.Files', 'java.nio.file.Paths',
  'groovy.json.JsonOutput', 'groovy.json.JsonSlurper', 'groovy.json.JsonSlurperClassic', 'groovy.util.Eval',
  'groovy.lang.GroovyShell', 'groovy.lang.Closure', 'hudson.model.Result', 'jenkins.model.Jenkins', 'hudson.model.Hudson',
];

/** Groovy's default imports, and the star imports workflow-cps adds to every pipeline script
 *  (CpsGroovyShellFactory: hudson.model.*, jenkins.model.*), so `Jenkins.instance` names a class. */
const DEFAULT_PACKAGES = ['java.lang.', 'java.util.', 'java.io.', 'java.net.', 'groovy.lang.', 'groovy.util.', 'hudson.model.', 'jenkins.model.'];

function simpleOf(fqn: string): string {
  return fqn.slice(fqn.lastIndexOf('.') + 1);
}

/** Short names Groovy's default imports make visible, for the classes Kiln knows: `Date` → java.util.Date. */
export const DEFAULT_IMPORTS: ReadonlyMap<string, string> = new Map(
  KNOWN.filter((fqn) => DEFAULT_PACKAGES.some((p) => fqn.startsWith(p) && !fqn.slice(p.length).includes('.')) || fqn === 'java.math.BigDecimal' || fqn === 'java.math.BigInteger')
    .map((fqn) => [simpleOf(fqn), fqn]),
);

const KNOWN_SET = new Set(KNOWN);

/**
 * The class a name in a script denotes, as its qualified name: a default-imported short name
 * (`Date`), a known qualified name, or any qualified name under a Java package root (the sandbox
 * refuses what it does not know). null: not a class Kiln knows.
 */
export function resolveClass(name: string): string | null {
  const short = DEFAULT_IMPORTS.get(name);
  if (short !== undefined) return short;
  if (KNOWN_SET.has(name)) return name;
  const dot = name.indexOf('.');
  if (dot > 0 && JAVA_ROOTS.has(name.slice(0, dot))) return name;
  return null;
}

/** Whether Kiln knows a class by this qualified name (as opposed to any name under a Java package root). */
export function isKnownClass(fqn: string): boolean {
  return KNOWN_SET.has(fqn);
}

export { rejected };

/**
 * `table[key]` when the table itself has it: a script's name (Math.constructor, a class named
 * toString) must not reach Object.prototype's members, which are JavaScript functions.
 */
function own<T>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

export { javaClassOf };

function sig(kind: string, fqn: string, name: string | null, args: readonly Value[]): string {
  return [kind, fqn, ...(name === null ? [] : [name]), ...args.map(javaClassOf)].join(' ');
}

// ---------------------------------------------------------------------------------------------
// Static methods and fields

/** Refused static methods with the parameter types Jenkins' message names (by argument count). */
const REFUSED_STATIC: Record<string, Record<string, string[]>> = {
  'java.lang.System': { getenv: ['', 'java.lang.String'], exit: ['', 'int'], getProperty: ['', 'java.lang.String', 'java.lang.String java.lang.String'], setProperty: ['', '', 'java.lang.String java.lang.String'], getProperties: [''], load: ['', 'java.lang.String'], loadLibrary: ['', 'java.lang.String'], gc: [''] },
  'java.lang.Runtime': { getRuntime: [''] },
  'java.lang.Class': { forName: ['', 'java.lang.String'] },
  'java.lang.Thread': { sleep: ['', 'long'], currentThread: [''] },
  'groovy.util.Eval': { me: ['', 'java.lang.String'], x: ['', '', 'java.lang.Object java.lang.String'] },
  'jenkins.model.Jenkins': { getInstance: [''], get: [''], getInstanceOrNull: [''] },
  'hudson.model.Hudson': { getInstance: [''] },
};

/** Static properties that are getters (`Jenkins.instance` is getInstance()). */
const STATIC_GETTERS: Record<string, string[]> = {
  'jenkins.model.Jenkins': ['instance', 'instanceOrNull'],
  'hudson.model.Hudson': ['instance'],
  'java.lang.Runtime': ['runtime'],
  'java.lang.System': ['properties'],
  'java.lang.Thread': ['currentThread'],
};

/** Allowed statics whose legacy implementation is in methods-number.ts (by simple name). */
const LEGACY = new Set(['java.lang.Integer', 'java.lang.Long', 'java.lang.Double', 'java.lang.Float', 'java.lang.Boolean', 'java.lang.String', 'java.lang.Math',
  'java.lang.System', 'groovy.json.JsonOutput', 'java.net.URLEncoder', 'java.net.URLDecoder', 'java.util.UUID', 'java.lang.Character']);

/**
 * Allowed here although Jenkins' default whitelist does not list them (see the header):
 * class → methods/fields.
 */
export const BEYOND_WHITELIST: Readonly<Record<string, readonly string[]>> = {
  'java.lang.Integer': ['toHexString', 'toBinaryString', 'max', 'min', 'compare', 'sum', 'MIN_VALUE'],
  'java.lang.Long': ['parseLong', 'valueOf', 'toString', 'max', 'min', 'MAX_VALUE', 'MIN_VALUE'],
  'java.lang.Double': ['parseDouble', 'valueOf', 'toString', 'isNaN', 'MAX_VALUE', 'MIN_VALUE'],
  'java.lang.Float': ['parseFloat', 'valueOf'],
  'java.lang.Boolean': ['toString'],
  'java.lang.Character': ['isDigit', 'isLetter', 'isLetterOrDigit', 'isWhitespace', 'isUpperCase', 'isLowerCase', 'toUpperCase', 'toLowerCase'],
  'java.lang.System': ['nanoTime', 'lineSeparator'],
  'java.net.URLEncoder': ['encode(String)'],
  'groovy.json.JsonSlurperClassic': ['new', 'parseText'],
};

const JAVA_MATH: Record<string, (...x: number[]) => number> = {
  cbrt: Math.cbrt, exp: Math.exp, expm1: Math.expm1, log1p: Math.log1p, sin: Math.sin, cos: Math.cos, tan: Math.tan,
  asin: Math.asin, acos: Math.acos, atan: Math.atan, atan2: Math.atan2, sinh: Math.sinh, cosh: Math.cosh, tanh: Math.tanh,
  hypot: Math.hypot, toDegrees: (r) => (r * 180) / Math.PI, toRadians: (d) => (d * Math.PI) / 180, rint: (x) => {
    const r = Math.round(x);
    return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
  },
};

function noStatic(fqn: string, name: string, args: Value[], loc: Loc): ScriptError {
  return scriptError('no-such-method', `No signature of method: static ${fqn}.${name}() is applicable for argument types: (${args.map(javaClassOf).join(', ')}) values: [${args.map((a) => toGroovyString(a)).join(', ')}]`, loc, 'groovy.lang.MissingMethodException');
}

function listArg(fqn: string, name: string, args: Value[], i: number, loc: Loc): GList {
  const v = args[i];
  if (!Array.isArray(v)) throw noStatic(fqn, name, args, loc);
  return v;
}

async function collectionsStatic(name: string, a: Value[], env: MethodEnv): Promise<Value | undefined> {
  const C = 'java.util.Collections';
  const loc = env.loc;
  switch (`${name}/${a.length}`) {
    case 'sort/1':
    case 'sort/2': {
      const l = listArg(C, name, a, 0, loc);
      const c = a[1] ?? null;
      if (c !== null && !isClosure(c)) throw noStatic(C, name, a, loc);
      const sorted = await sortAsync([...l], c === null ? naturalCompare : closureComparator(c, env), env.signal);
      l.splice(0, l.length, ...sorted);
      return null;
    }
    case 'reverse/1': listArg(C, name, a, 0, loc).reverse(); return null;
    case 'shuffle/1': {
      const l = listArg(C, name, a, 0, loc);
      for (let i = l.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [l[i], l[j]] = [l[j]!, l[i]!];
      }
      return null;
    }
    case 'swap/3': {
      const l = listArg(C, name, a, 0, loc);
      const i = a[1], j = a[2];
      if (typeof i !== 'number' || typeof j !== 'number' || i < 0 || j < 0 || i >= l.length || j >= l.length) throw scriptError('index', `Index ${String(i)} out of bounds for length ${l.length}`, loc, 'java.lang.IndexOutOfBoundsException');
      [l[i], l[j]] = [l[j]!, l[i]!];
      return null;
    }
    case 'max/1':
    case 'min/1': {
      const l = listArg(C, name, a, 0, loc);
      if (l.length === 0) throw scriptError('empty', 'NoSuchElementException', loc, 'java.util.NoSuchElementException');
      return l.reduce((x, y) => ((naturalCompare(x, y) < 0) === (name === 'max') ? y : x));
    }
    case 'frequency/2': return listArg(C, name, a, 0, loc).filter((x) => groovyEquals(x, a[1] ?? null)).length;
    case 'disjoint/2': {
      const x = listArg(C, name, a, 0, loc);
      const y = listArg(C, name, a, 1, loc);
      return !x.some((v) => y.some((w) => groovyEquals(v, w)));
    }
    case 'emptyList/0': case 'emptySet/0': return [];
    case 'emptyMap/0': return new Map();
    case 'singletonList/1': case 'singleton/1': return [a[0] ?? null];
    case 'singletonMap/2': return new Map([[toGroovyString(a[0] ?? null), a[1] ?? null]]);
    case 'nCopies/2': {
      if (typeof a[0] !== 'number' || a[0] < 0) throw noStatic(C, name, a, loc);
      return new Array<Value>(Math.trunc(a[0])).fill(a[1] ?? null);
    }
    case 'fill/2': { const l = listArg(C, name, a, 0, loc); l.fill(a[1] ?? null); return null; }
    case 'rotate/2': {
      const l = listArg(C, name, a, 0, loc);
      if (typeof a[1] !== 'number' || l.length === 0) return null;
      const k = ((Math.trunc(a[1]) % l.length) + l.length) % l.length;
      l.splice(0, l.length, ...l.slice(l.length - k), ...l.slice(0, l.length - k));
      return null;
    }
    case 'addAll/2': {
      const l = listArg(C, name, a, 0, loc);
      l.push(...a.slice(1).flatMap((x) => (Array.isArray(x) ? x : [x])));
      return true;
    }
  }
  // unmodifiable*/synchronized*/checked* views: the collection itself (Kiln has no read-only view)
  if (a.length >= 1 && /^(unmodifiable|synchronized)(Collection|List|Map|Set|SortedMap|SortedSet)$/.test(name)) {
    if (!Array.isArray(a[0]) && !(a[0] instanceof Map)) throw noStatic(C, name, a, loc);
    return a[0] ?? null;
  }
  return undefined;
}

function arraysToString(l: Value): string {
  if (l === null) return 'null';
  if (!Array.isArray(l)) return toGroovyString(l);
  return `[${l.map((x) => (x === null ? 'null' : toGroovyString(x))).join(', ')}]`;
}

/**
 * `Class.method(args)` on a Java class (qualified name from resolveClass). Runs what the
 * sandbox allows; refuses the rest with Jenkins' message. Pattern's statics are the interpreter's.
 */
export async function callStaticMethod(fqn: string, name: string, args: Value[], env: MethodEnv): Promise<Value> {
  const loc = env.loc;
  // String.format / String.valueOf keep a Long a Long (`%x` of -1L is 64 bits); so do Math's
  // max/min/abs/round, whose overload depends on it (math-overloads.ts)
  if (fqn !== 'java.lang.String' && !(fqn === 'java.lang.Math' && MATH_TYPED.has(name)) && !(fqn === 'java.lang.Long' && (name === 'max' || name === 'min'))) args = longsAsNumbers(args);
  // `Math.toString()`, `Math.getName()`: the class has no such static method, so Groovy calls the
  // Class object's own (whitelisted) method, as Jenkins prints it: `class java.lang.Math`
  if (args.length === 0 && (name === 'toString' || name === 'getName' || name === 'getSimpleName')) return new ClassObject(fqn).call(name, []) ?? null;
  const table = own(REFUSED_STATIC, fqn);
  const refused = table && own(table, name);
  if (refused !== undefined) {
    const types = refused[args.length] ?? args.map(javaClassOf).join(' ');
    throw rejected(`staticMethod ${fqn} ${name}${types ? ' ' + types : ''}`, loc);
  }
  switch (fqn) {
    case 'java.util.Collections': {
      const r = await collectionsStatic(name, args, env);
      if (r !== undefined) return r;
      break;
    }
    case 'java.util.Arrays':
      if (name === 'asList') return args.length === 1 && Array.isArray(args[0]) ? [...args[0]] : [...args];
      if (name === 'toString' && args.length === 1) return arraysToString(args[0] ?? null);
      break;
    case 'java.util.TimeZone':
      if (name === 'getTimeZone' && args.length === 1 && typeof args[0] === 'string') return timeZoneOf(args[0]);
      break;
    case 'java.util.Objects':
      if (name === 'requireNonNull' && (args.length === 1 || args.length === 2)) {
        if (args[0] === null) throw scriptError('null', args.length === 2 ? toGroovyString(args[1] ?? null) : '', loc, 'java.lang.NullPointerException');
        return args[0] ?? null;
      }
      if (name === 'hash') return args.reduce<number>((h, x) => (Math.imul(31, h) + hashOf(x)) | 0, 1);
      break;
    case 'java.util.regex.Matcher':
      if (name === 'quoteReplacement' && typeof args[0] === 'string') return args[0].replace(/[\\$]/g, '\\$&');
      break;
    case 'hudson.model.Result':
      if (name === 'fromString' && typeof args[0] === 'string') {
        const r = args[0].toUpperCase();
        return ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'].includes(r) ? r : 'FAILURE';
      }
      break;
    case 'java.lang.Math': {
      // the int/long methods (addExact, toIntExact, ...): their overload and overflow as Java's (math-overloads.ts)
      const integral = mathIntegral(name, args, loc);
      if (integral !== undefined) return integral;
      const f = own(JAVA_MATH, name); // not Object.prototype's constructor or toString
      if (f !== undefined) {
        // Math's methods take doubles: a BigDecimal argument is widened, as Java does
        const ns = args.map((x) => (isDecimal(x) ? x.toNumber() : x instanceof DoubleValue ? x.v : x));
        if (!ns.every((x) => typeof x === 'number')) throw noStatic(fqn, name, args, loc);
        const r = f(...(ns as number[]));
        // a double (Math.cbrt(8) is 2.0)
        return doubleOf(r);
      }
      break;
    }
  }
  if (LEGACY.has(fqn)) {
    try {
      return callStatic(staticClassName(simpleOf(fqn)) ?? simpleOf(fqn), name, args, loc);
    } catch (err) {
      if (!(err instanceof ScriptError) || err.code !== 'not-supported') throw err;
    }
  }
  throw rejected(sig('staticMethod', fqn, name, args), loc);
}

const STATIC_FIELDS: Record<string, Record<string, Value>> = {
  'hudson.model.Result': { SUCCESS: 'SUCCESS', UNSTABLE: 'UNSTABLE', FAILURE: 'FAILURE', NOT_BUILT: 'NOT_BUILT', ABORTED: 'ABORTED' },
  'groovy.lang.Closure': { OWNER_FIRST: 0, DELEGATE_FIRST: 1, OWNER_ONLY: 2, DELEGATE_ONLY: 3, TO_SELF: 4 },
};

/** `Class.NAME`: an allowed static field, or Jenkins' refusal (a static getter is refused as the method it is). */
export function getStaticField(fqn: string, name: string, loc: Loc): Value {
  const fields = own(STATIC_FIELDS, fqn);
  if (fields !== undefined && Object.hasOwn(fields, name)) return fields[name] ?? null;
  if (own(STATIC_GETTERS, fqn)?.includes(name)) throw rejected(`staticMethod ${fqn} get${name[0]!.toUpperCase()}${name.slice(1)}`, loc);
  if (LEGACY.has(fqn)) {
    try {
      return getStatic(staticClassName(simpleOf(fqn)) ?? simpleOf(fqn), name, loc);
    } catch (err) {
      if (!(err instanceof ScriptError) || err.code !== 'not-supported') throw err;
    }
  }
  throw rejected(`staticField ${fqn} ${name}`, loc);
}

// ---------------------------------------------------------------------------------------------
// Constructors and the objects they make

/** Classes the interpreter constructs itself (strings, collections, builders, exceptions). */
const INTERPRETER_MADE = new Set(['java.lang.String', 'java.lang.StringBuilder', 'java.lang.StringBuffer', 'java.util.ArrayList', 'java.util.LinkedList',
  'java.util.HashMap', 'java.util.LinkedHashMap', 'java.util.TreeMap', 'java.util.HashSet', 'java.util.LinkedHashSet', 'java.util.TreeSet',
  'java.util.concurrent.ConcurrentHashMap']);

/** Whether `new <fqn>(...)` is the interpreter's own business (see INTERPRETER_MADE). */
/**
 * The arguments a Java method gets: a Long held as a LongValue (`5L`, `Long.parseLong(s)`)
 * is passed as its JS number when exact (`new Date(5L)`, `Math.max(x, 5L)`), as Java widens or
 * unboxes it. The same array when there is none (the common case allocates nothing).
 */
const MATH_TYPED = new Set(['max', 'min', 'abs', 'round', 'signum', 'floorDiv', 'floorMod', 'addExact', 'subtractExact', 'multiplyExact', 'negateExact', 'incrementExact', 'decrementExact', 'toIntExact']);

function longsAsNumbers(args: Value[]): Value[] {
  let out: Value[] | null = null;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a instanceof LongValue && !a.big && a.v >= -9007199254740991n && a.v <= 9007199254740991n) (out ??= [...args])[i] = Number(a.v);
  }
  return out ?? args;
}

export function constructedByInterpreter(fqn: string): boolean {
  return INTERPRETER_MADE.has(fqn);
}

/** `new <fqn>(args)`: the object, or Jenkins' refusal. */
export function construct(fqn: string, args: Value[], loc: Loc): Value {
  args = longsAsNumbers(args);
  const n = args.length;
  switch (fqn) {
    case 'java.util.Date':
      if (n === 0) return new DateObject(Date.now());
      if (n === 1 && typeof args[0] === 'number') return new DateObject(args[0]);
      // a null picks Date(String), the one constructor of one argument that takes an object, which the sandbox refuses
      if (n === 1 && args[0] === null) throw rejected('new java.util.Date java.lang.String', loc);
      break;
    case 'java.text.SimpleDateFormat':
      if (n === 1 && typeof args[0] === 'string') return new SimpleDateFormatObject(args[0], loc);
      break;
    case 'groovy.json.JsonSlurper':
    case 'groovy.json.JsonSlurperClassic':
      if (n === 0) return new JsonSlurperObject(fqn);
      break;
    case 'java.util.Random':
      if (n === 0) return new RandomObject(BigInt(Math.floor(Math.random() * 2 ** 48)));
      if (n === 1 && typeof args[0] === 'number') return new RandomObject(BigInt(Math.trunc(args[0])));
      break;
    case 'java.net.URL':
      if (n === 1 && typeof args[0] === 'string') return new UrlObject(args[0]);
      break;
    case 'java.io.File':
      throw rejected(`new java.io.File ${n === 2 ? 'java.lang.String java.lang.String' : 'java.lang.String'}`, loc);
    case 'java.lang.ProcessBuilder':
      throw rejected(`new java.lang.ProcessBuilder ${n === 1 && Array.isArray(args[0]) ? 'java.util.List' : 'java.lang.String[]'}`, loc);
  }
  throw rejected(sig('new', fqn, null, args), loc);
}

/** Methods of a Java object that exist but the sandbox refuses (the rest is Groovy's "No signature"). */
const REFUSED_METHODS: Record<string, ReadonlySet<string>> = {
  'java.util.Date': new Set(['toInstant', 'getClass']),
  'java.net.URL': new Set(['openConnection', 'openStream', 'getContent', 'getHost', 'getPath', 'getProtocol', 'getPort', 'getQuery', 'getFile', 'toURI']),
  'java.lang.Class': new Set(['getClassLoader', 'forName', 'getMethods', 'getMethod', 'getDeclaredMethods', 'getDeclaredMethod', 'getFields', 'getField',
    'getDeclaredFields', 'getDeclaredField', 'newInstance', 'getConstructors', 'getConstructor', 'getDeclaredConstructors', 'getDeclaredConstructor',
    'getResource', 'getResourceAsStream', 'getProtectionDomain', 'getSuperclass', 'getInterfaces', 'getPackage', 'cast', 'getEnclosingClass']),
  'java.util.TimeZone': new Set(['getID', 'getDisplayName', 'getRawOffset', 'getOffset', 'setDefault', 'getDefault', 'useDaylightTime', 'inDaylightTime', 'toZoneId']),
};

/**
 * A method call on one of the objects of this module, for the interpreter: the result, or
 * undefined when the object has no such method (the interpreter reports "No signature").
 * A method that exists but is not whitelisted is refused with Jenkins' message.
 */
export function javaMethod(obj: HostObject, name: string, args: Value[], loc: Loc): Value | undefined {
  args = longsAsNumbers(args);
  let r: Value | undefined;
  if (obj instanceof DateObject || obj instanceof SimpleDateFormatObject) r = obj.call(name, args, loc);
  else if (obj instanceof JsonSlurperObject || obj instanceof RandomObject || obj instanceof ClassObject || obj instanceof UrlObject) r = obj.call(name, args, loc);
  if (r !== undefined) return r;
  if (own(REFUSED_METHODS, obj.typeName)?.has(name) || (obj instanceof SimpleDateFormatObject && name !== 'toString')) {
    throw rejected(sig('method', obj.typeName === 'java.text.SimpleDateFormat' ? 'java.text.SimpleDateFormat' : obj.typeName, name, args), loc);
  }
  return undefined;
}

/** Whether an object is one of this module's (the interpreter routes its calls to javaMethod). */
export function isJavaObject(v: Value): v is HostObject {
  return v instanceof DateObject || v instanceof SimpleDateFormatObject || v instanceof TimeZoneObject || v instanceof JsonSlurperObject ||
    v instanceof RandomObject || v instanceof ClassObject || v instanceof UrlObject;
}

abstract class JavaObject implements HostObject {
  readonly kind = 'host' as const;
  abstract readonly typeName: string;
  getProperty(): Value | undefined {
    return undefined;
  }
  abstract call(name: string, args: Value[], loc: Loc): Value | undefined;
  invokeMethod(name: string, args: CallArgs, _ctx: DynamicContext, loc: Loc): Promise<Value> | undefined {
    if (args.named !== null || args.closure !== null) return undefined;
    const r = javaMethod(this, name, args.positional, loc);
    return r === undefined ? undefined : Promise.resolve(r);
  }
  abstract toString(): string;
}

/** groovy.json.JsonSlurper / JsonSlurperClassic: parseText gives maps and lists (both parse alike; numbers in groovy-json.ts). */
export class JsonSlurperObject extends JavaObject {
  readonly typeName: string;
  constructor(fqn: string) {
    super();
    this.typeName = fqn;
  }
  call(name: string, a: Value[], loc: Loc): Value | undefined {
    if (name === 'parseText' && a.length === 1 && (typeof a[0] === 'string' || a[0] === null)) {
      const text = a[0];
      if (this.typeName === 'groovy.json.JsonSlurperClassic') {
        // Groovy 2.4's JsonSlurperClassic: its own checks, leniencies and messages (groovy-json.ts)
        if (text === null || text === '') throw scriptError('json', 'The JSON input text should neither be null nor empty.', loc, 'java.lang.IllegalArgumentException');
        return parseJsonClassic(text, loc);
      }
      if (text === null || text.trim() === '') throw scriptError('json', "Text must not be null or empty", loc, 'java.lang.IllegalArgumentException');
      // Integer, Long or BigInteger by size, BigDecimal for a fraction or an exponent, as Groovy's slurpers read them
      return parseJson(text, loc, this.typeName === 'groovy.json.JsonSlurper' ? 'sorted' : 'hash');
    }
    if (name === 'parse' || name === 'parseFile' || name === 'setType') throw rejected(sig('method', this.typeName, name, a), loc);
    if (name === 'toString' && a.length === 0) return this.toString();
    return undefined;
  }
  toString(): string {
    return `${this.typeName}@1`;
  }
}

/** java.util.Random, with Java's generator (a seed gives Java's sequence). */
export class RandomObject extends JavaObject {
  readonly typeName = 'java.util.Random';
  #seed: bigint;
  constructor(seed: bigint) {
    super();
    this.#seed = (seed ^ 0x5DEECE66Dn) & ((1n << 48n) - 1n);
  }
  #next(bits: number): number {
    this.#seed = (this.#seed * 0x5DEECE66Dn + 0xBn) & ((1n << 48n) - 1n);
    return Number(BigInt.asIntN(32, this.#seed >> BigInt(48 - bits)));
  }
  call(name: string, a: Value[], loc: Loc): Value | undefined {
    switch (`${name}/${a.length}`) {
      case 'nextInt/0': return this.#next(32);
      case 'nextInt/1': {
        const bound = a[0];
        if (typeof bound !== 'number') return undefined;
        if (bound <= 0) throw scriptError('random', 'bound must be positive', loc, 'java.lang.IllegalArgumentException');
        if ((bound & -bound) === bound) return Number((BigInt(bound) * BigInt(this.#next(31))) >> 31n);
        let bits: number, val: number;
        do {
          bits = this.#next(31);
          val = bits % bound;
        } while (bits - val + (bound - 1) >= 2 ** 31);
        return val;
      }
      case 'nextBoolean/0': return this.#next(1) !== 0;
      case 'nextDouble/0': return (this.#next(26) * 2 ** 27 + this.#next(27)) * 2 ** -53;
      case 'nextLong/0': return Number(BigInt.asIntN(64, (BigInt(this.#next(32)) << 32n) + BigInt(this.#next(32))));
      case 'toString/0': return this.toString();
    }
    return undefined;
  }
  toString(): string {
    return 'java.util.Random@1';
  }
}

/** java.net.URL: may be made and printed; reading it (url.text, openConnection) is refused, as in Jenkins. */
export class UrlObject extends JavaObject {
  readonly typeName = 'java.net.URL';
  readonly url: string;
  constructor(url: string) {
    super();
    this.url = url;
  }
  call(name: string, a: Value[], loc: Loc): Value | undefined {
    if (name === 'getText' || name === 'eachLine' || name === 'readLines' || name === 'withReader' || name === 'newInputStream') {
      throw rejected(`staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods ${name} java.net.URL${a.map((x) => ' ' + javaClassOf(x)).join('')}`, loc);
    }
    if (name === 'toString' && a.length === 0) return this.url;
    return undefined;
  }
  toString(): string {
    return this.url;
  }
}

/** What getClass() and `.class` give: the class's name, and nothing reflective. */
export class ClassObject extends JavaObject {
  readonly typeName = 'java.lang.Class';
  readonly fqn: string;
  constructor(fqn: string) {
    super();
    this.fqn = fqn;
  }
  call(name: string, a: Value[]): Value | undefined {
    switch (`${name}/${a.length}`) {
      case 'getName/0': case 'getCanonicalName/0': case 'getTypeName/0': return this.fqn;
      case 'getSimpleName/0': return simpleOf(this.fqn);
      case 'toString/0': return this.toString();
      case 'isInstance/1': return javaClassOf(a[0] ?? null) === this.fqn;
      case 'equals/1': return a[0] instanceof ClassObject && a[0].fqn === this.fqn;
    }
    return undefined;
  }
  toString(): string {
    return `class ${this.fqn}`;
  }
}

/** `v.getClass()` / `v.class`. */
export function classOf(v: Value): ClassObject {
  return new ClassObject(javaClassOf(v));
}

function hashOf(v: Value): number {
  return javaHashCode(v);
}

export { DateObject, SimpleDateFormatObject, TimeZoneObject, javaHashCode };
