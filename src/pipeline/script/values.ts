// Run-time values of the script interpreter, and the contract between the interpreter and the
// engine that hosts it.
//
// Groovy values map onto JavaScript ones:
//   String, GString      → string            (a GString is rendered when created)
//   Integer              → number            (integral, within 32 bits; wraps as Java's int)
//   Long, BigInteger     → number outside 32 bits, or LongValue (integers.ts: a bigint)
//   BigDecimal           → BigDec (decimal.ts, a HostObject: unscaled bigint + scale; `1.10`, `1/2`)
//   Double, Float        → number when not whole (`1.5d`); a DoubleValue (double-value.ts)
//                          when whole (`2.0d`, `(double) 2`) and for every Float
//   Boolean, null        → boolean, null
//   List                 → GList (a JS array)
//   Map                  → GMap  (a JS Map with string keys, other keys encoded: map-keys.ts; insertion-ordered like LinkedHashMap)
//   Closure              → ClosureValue
//   env, params, currentBuild, scm, ... → HostObject (provided by the engine)
import type { ClosureExpr } from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';

export type Value = string | number | boolean | null | GList | GMap | ClosureValue | HostObject | RangeValue;

export type GList = Value[];
export type GMap = Map<string, Value>;

/** 1..3 and 1..<3; iterable like a list of integers (or characters for 'a'..'c'). */
export interface RangeValue {
  kind: 'range';
  from: number | string;
  to: number | string;
  exclusive: boolean;
}

/**
 * A closure value: its code, the lexical scope it closes over, and its owner (the object that
 * unresolved names fall back to: the script, or the HostObject of a `steps {}` DSL).
 */
export interface ClosureValue {
  kind: 'closure';
  node: ClosureExpr;
  /** Opaque to everyone but the interpreter. */
  scope: unknown;
  /** A closure made from a method reference or by the engine itself (e.g. `{ -> x }`). */
  native?: (args: Value[], ctx: DynamicContext) => Promise<Value>;
}

/**
 * Objects the engine provides (env, params, currentBuild, scm, docker, ...). The interpreter
 * asks them for properties and methods and never reaches past them: there is no way from a
 * script to Java classes, the file system or the network except through steps.
 */
export interface HostObject {
  kind: 'host';
  /** Shown in messages: "No such property: foo for class: <typeName>". */
  typeName: string;
  /** Its Java class when typeName is not one (an object of a class the Jenkinsfile defines: `P`, as getClass() names it). */
  javaClass?: string;
  getProperty(name: string, ctx: DynamicContext, loc: Loc): Value | undefined | Promise<Value | undefined>;
  /** Returns false when the property cannot be set (the interpreter then reports it). */
  setProperty?(name: string, value: Value, ctx: DynamicContext, loc: Loc): boolean | Promise<boolean>;
  /**
   * undefined = no such method (the interpreter reports it). `script` lets the object call back
   * into the script the way a Groovy global var does with `script.sh(...)` (the `docker` global
   * runs sh and block steps); the interpreter passes it on ordinary method calls.
   */
  invokeMethod?(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc, script?: ScriptCalls): Promise<Value> | undefined;
  /**
   * The object's content as a map (optional). Added so that objects which are maps in Jenkins
   * (params, env) get Groovy's reading map methods (each, collect, findAll, keySet,
   * containsKey, ...), for-in and `in` from the interpreter, without each host object
   * implementing them; methods that would change the map are refused.
   */
  entries?(ctx: DynamicContext): GMap | Promise<GMap>;
  /** The object's content as a list (optional): an Iterable in Jenkins (a ChangeLogSet) gets for-in and Groovy's list methods. */
  items?(): GList;
  /** How it prints in a GString. */
  toString(): string;
}

/** What a host object may call back into: steps and script methods by name, closures. */
export interface ScriptCalls {
  /** `script.NAME(args)`: a step, a script function, a builtin. */
  call(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc): Promise<Value>;
  callClosure(c: ClosureValue, args: Value[], ctx: DynamicContext): Promise<Value>;
}

/** The arguments of a call, as Groovy passes them: named args collected into one map. */
export interface CallArgs {
  positional: Value[];
  /** Named arguments `f(a: 1)`, or null when none. */
  named: GMap | null;
  /** The trailing closure `f { }`, or null. */
  closure: ClosureValue | null;
}

/**
 * What flows down every call chain at run time, opaque to the interpreter: the engine puts
 * in it the build, the node and workspace, the current directory, the environment overlay,
 * the container, the abort signal. Steps that run a block (`dir`, `withEnv`, `container`,
 * `parallel` branches) pass a changed copy to the block. Nothing here is global, so parallel
 * branches never see each other's state.
 */
export interface DynamicContext {
  readonly signal: AbortSignal;
  /** Whom the work is for (the build): what builds share, such as the regex threads, is shared fairly between owners. */
  readonly owner?: object;
}

/** The interpreter's view of its host (the engine). */
export interface ScriptHost {
  /**
   * A name that is not a local variable or script function: env, params, currentBuild, scm,
   * an environment variable (Jenkins binds them as globals), a parameter. undefined = unknown.
   */
  resolveGlobal(name: string, ctx: DynamicContext, loc: Loc): Value | undefined | Promise<Value | undefined>;
  /** Whether `name(...)` is a step the host can run. */
  hasStep(name: string): boolean;
  /** Whether `name` is a describable's symbol and no step (a statement calling it does nothing) (optional). */
  isSymbol?(name: string): boolean;
  /** Runs a step called from a script or a steps block. */
  callStep(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc): Promise<Value>;
  /**
   * The names of the steps the host can run (optional). Added for the interpreter's
   * "No such DSL method 'deplyo' ... did you mean 'deploy'?" message: hasStep alone cannot
   * suggest a name.
   */
  stepNames?(): Iterable<string>;
  /**
   * `getContext(hudson.FilePath)` in a script: what the host has of the Java class named
   * (`className` as written, dotted), null when it has none here (Jenkins: no such context,
   * e.g. no workspace outside node); throws for a class it never provides (optional).
   */
  getContext?(className: string, ctx: DynamicContext, loc: Loc): Value | Promise<Value>;
  /**
   * `evaluate(text)` in a script (workflow-cps' CpsScript.evaluate, which Jenkins' sandbox
   * allows): parse `text` as a script of its own and run it with the script's binding; its value
   * is evaluate's (optional: without it evaluate is refused as not supported).
   */
  evaluateText?(text: string, ctx: DynamicContext, loc: Loc): Promise<Value>;
}

export function isClosure(v: Value | undefined): v is ClosureValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && v.kind === 'closure';
}

export function isHostObject(v: Value | undefined): v is HostObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && v.kind === 'host';
}

export function isRange(v: Value | undefined): v is RangeValue {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map) && v.kind === 'range';
}

export function isMap(v: Value | undefined): v is GMap {
  return v instanceof Map;
}

export function isList(v: Value | undefined): v is GList {
  return Array.isArray(v);
}

/** Groovy's type name of a value, for messages ("expects a String, got a Integer"). */
export function typeName(v: Value | undefined): string {
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'string') return 'String';
  if (typeof v === 'number') return Number.isInteger(v) ? ((v | 0) === v ? 'Integer' : 'Long') : 'Double';
  if (typeof v === 'boolean') return 'Boolean';
  if (Array.isArray(v)) return 'List';
  if (v instanceof Map) return 'Map';
  if (v.kind === 'closure') return 'Closure';
  if (v.kind === 'range') return 'Range';
  return v.typeName;
}

/** Converts JSON-like data (readJSON, readYaml) into script values: objects become GMaps. */
export function fromJson(data: unknown): Value {
  if (data === null || data === undefined) return null;
  if (typeof data === 'string' || typeof data === 'boolean') return data;
  if (typeof data === 'number') return data;
  if (typeof data === 'bigint') return Number(data);
  if (Array.isArray(data)) return data.map(fromJson);
  if (data instanceof Date) return data.toISOString();
  if (typeof data === 'object') {
    const m: GMap = new Map();
    for (const [k, v] of Object.entries(data as Record<string, unknown>)) m.set(k.charCodeAt(0) === 0 ? '\u0000s' + k : k, fromJson(v)); // map-keys.ts: a String key never begins with KEY_MARK
    return m;
  }
  return String(data);
}

/** Converts script values into JSON-like data (writeJSON, writeYaml); closures and host objects become strings. */
export function toJson(v: Value): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of v) o[k.charCodeAt(0) === 0 && k.charAt(1) === 's' ? k.slice(2) : k] = toJson(x); // steps get other keys as their strings (map-keys.ts plainKeys)
    return o;
  }
  if (v.kind === 'range') return rangeToList(v).map(toJson);
  // a BigDecimal (decimal.ts) is a number in JSON and YAML
  if (v.kind === 'host' && v.typeName === 'java.math.BigDecimal') return Number(v.toString());
  // a Long or BigInteger (integers.ts) too, and a whole Double or a Float (double-value.ts)
  if (v.kind === 'host' && (v.typeName === 'java.lang.Long' || v.typeName === 'java.math.BigInteger')) return Number(v.toString());
  if (v.kind === 'host' && (v.typeName === 'java.lang.Double' || v.typeName === 'java.lang.Float')) return (v as unknown as { v: number }).v;
  return v.toString();
}

/**
 * Items one list may hold. A million: every whole-list operation (sort, join, toString, unique)
 * on a list this size still takes well under a second of the controller's thread, which a
 * list ten times larger did not; no Jenkinsfile needs more in memory at once.
 */
export const MAX_LIST_ITEMS = 1_000_000;

export function rangeToList(r: RangeValue): Value[] {
  const out: Value[] = [];
  if (typeof r.from === 'number' && typeof r.to === 'number') {
    const step = r.from <= r.to ? 1 : -1;
    const end = r.exclusive ? r.to - step : r.to;
    // refuse before building: (1..1e9).toList() must fail at once, not after MAX_LIST_ITEMS items
    if (Math.abs(end - r.from) + 1 > MAX_LIST_ITEMS) throw new RangeError(`the range ${r.from}..${r.exclusive ? '<' : ''}${r.to} as a list (${Math.abs(end - r.from) + 1} items)`);
    for (let i = r.from; step > 0 ? i <= end : i >= end; i += step) {
      out.push(i);
      if (out.length > MAX_LIST_ITEMS) throw new RangeError('range too large');
    }
    return out;
  }
  const a = String(r.from).codePointAt(0) ?? 0;
  const b = String(r.to).codePointAt(0) ?? 0;
  const step = a <= b ? 1 : -1;
  const end = r.exclusive ? b - step : b;
  for (let i = a; step > 0 ? i <= end : i >= end; i += step) out.push(String.fromCodePoint(i));
  return out;
}
