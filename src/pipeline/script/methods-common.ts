// What the method tables (methods-string.ts, methods-list.ts, ...) share: the environment the
// interpreter gives them (to call closures, check for an abort), and argument helpers.
import type { Loc } from '../../core/build.ts';
import { ScriptError, rejected, scriptError } from './errors.ts';
import { refusal, typeChain, type ArgType } from './dgm-sandbox.ts';
import { toGroovyString } from './format.ts';
import { javaClassOf } from './java-types.ts';
import { isClosure, typeName, type ClosureValue, type Value } from './values.ts';

export interface MethodEnv {
  readonly loc: Loc;
  /** Calls a closure (Groovy spreads a single list argument over several parameters). */
  call(c: ClosureValue, args: Value[]): Promise<Value>;
  /** How many parameters a closure takes: 1 for `{ it }`, 2 for `{ k, v -> }`. */
  arity(c: ClosureValue): number;
  /** The build's abort signal: long work (a regex on a thread) stops when it aborts. */
  readonly signal: AbortSignal;
  /** Whom the work is for (DynamicContext.owner). */
  readonly owner?: object;
}

/**
 * A method of a built-in type. `args` are the call's arguments as Groovy passes them (named
 * arguments first as one map, a trailing closure last). A method throws noSignature() when
 * the arguments fit none of its overloads.
 */
export type Method<T> = (self: T, args: Value[], env: MethodEnv) => Value | Promise<Value>;

export function noSignature(self: Value, name: string, args: Value[], loc: Loc | null): ScriptError {
  // a Groovy method (DefaultGroovyMethods...) that exists for these arguments but that Jenkins'
  // sandbox does not allow is its RejectedAccessException, not a missing method
  const refused = sandboxRefusal(self, name, args);
  if (refused !== null) return rejected(refused, loc);
  // the arguments' Java classes, as Groovy names them (java.lang.String, java.util.ArrayList)
  const types = args.map((a) => (a === null ? 'null' : javaClassOf(a))).join(', ');
  const values = args.map((a) => (isClosure(a) ? 'Closure' : toGroovyString(a))).join(', ');
  const shown = values.length > 200 ? values.slice(0, 200) + '...' : values;
  // The receiver by its Java class as Groovy names it (java.lang.String, java.util.ArrayList); a
  // host object Kiln has no Java class for keeps its own name.
  const cls = self === null ? 'null' : javaClassOf(self);
  const receiver = cls === 'java.lang.Object' ? typeName(self) : cls;
  return scriptError('no-such-method', `No signature of method: ${receiver}.${name}() is applicable for argument types: (${types}) values: [${shown}]`, loc, 'groovy.lang.MissingMethodException');
}

/** The class of a value for dgm-sandbox.ts: a Java array (String.split's String[]) as Object[]. */
function dgmClass(v: Value): string {
  return Array.isArray(v) && isJavaArray(v) ? 'java.lang.Object[]' : javaClassOf(v);
}

function sandboxRefusal(self: Value, name: string, args: Value[]): string | null {
  if (self === null) return null;
  const chain = typeChain(dgmClass(self));
  if (chain === null) return null;
  const types: ArgType[] = args.map((a) => (a === null ? { cls: null, chain: null } : { cls: dgmClass(a), chain: typeChain(dgmClass(a)) }));
  return refusal(chain, name, types);
}

/** Throws "No signature" unless the argument count is within [min, max]. */
export function arity(self: Value, name: string, args: Value[], min: number, max: number, loc: Loc): void {
  if (args.length < min || args.length > max) throw noSignature(self, name, args, loc);
}

export function argString(self: Value, name: string, args: Value[], i: number, loc: Loc): string {
  const v = args[i];
  if (typeof v !== 'string') throw noSignature(self, name, args, loc);
  return v;
}

export function argInt(self: Value, name: string, args: Value[], i: number, loc: Loc): number {
  const v = args[i];
  if (typeof v !== 'number') throw noSignature(self, name, args, loc);
  return Math.trunc(v);
}

export function argClosure(self: Value, name: string, args: Value[], i: number, loc: Loc): ClosureValue {
  const v = args[i];
  if (!isClosure(v)) throw noSignature(self, name, args, loc);
  return v;
}

/** The last argument if it is a closure. */
export function lastClosure(args: Value[]): ClosureValue | null {
  const v = args[args.length - 1];
  return isClosure(v) ? v : null;
}

/**
 * ArrayList.get/set/remove(int) on Java 17 (Objects.checkIndex), which Jenkins runs on. add(int, x)
 * still says `Index: 5, Size: 1` (ArrayList.rangeCheckForAdd): that is indexError.
 */
export function checkIndexError(i: number, size: number, loc: Loc): ScriptError {
  return scriptError('index', `Index ${i} out of bounds for length ${size}`, loc, 'java.lang.IndexOutOfBoundsException');
}

export function indexError(i: number, size: number, loc: Loc, what = 'Index'): ScriptError {
  return scriptError('index', `${what}: ${i}, Size: ${size}`, loc, 'java.lang.IndexOutOfBoundsException');
}

export function emptyError(what: string, loc: Loc): ScriptError {
  return scriptError('index', `Cannot access ${what} element from an empty List`, loc, 'java.util.NoSuchElementException');
}

/**
 * Lists that stand for Java arrays (String.split's String[], a method's `String... xs`): Groovy
 * gives an array's size as `.length` (on a List, `.length` is the elements' property).
 */
const javaArrays = new WeakSet<Value[]>();

export function javaArray<T extends Value[]>(l: T): T {
  javaArrays.add(l);
  return l;
}

export function isJavaArray(l: Value[]): boolean {
  return javaArrays.has(l);
}
