// Binding a call's arguments to a step's declared parameters, with Jenkins' rules:
//   sh 'x'                     → the single unnamed argument binds to the declared positional param
//   sh(script: 'x', label: 'y')→ named arguments bind by name
//   dir('x') { ... }           → the trailing closure is the block
// The same rules serve validation (on the syntax tree, before anything runs) and the engine
// (on values, as the step is called), so that `kiln lint` and a run never disagree.
import { closest } from '../../util/suggest.ts';
import type { StepDecl, StepParam, ParamType } from '../../core/steps.ts';
import { typeName, isList, isMap, isClosure, type CallArgs, type Value } from '../script/values.ts';
import { isDecimal as isBigDec } from '../script/decimal.ts';
import { LongValue } from '../script/integers.ts';
import { DoubleValue } from '../script/double-value.ts';
import { toGroovyString } from '../script/format.ts';
import { javaClassOf } from '../script/java-types.ts';
import { jenkinsClassOf } from './known-classes.ts';

/** A BigDecimal, a Long/BigInteger that is not a JS number (integers.ts), a whole Double or a Float (double-value.ts): numbers for steps. */
function isDecimal(v: Value): boolean {
  return isBigDec(v) || v instanceof LongValue || v instanceof DoubleValue;
}
import { KilnError } from '../../core/errors.ts';

/** The shape of a call, known before it runs. */
export interface CallShape {
  positionalCount: number;
  namedNames: string[];
  hasClosure: boolean;
}

/** Problems with a call's shape, as messages Jenkins users recognise. */
export function checkCallShape(decl: StepDecl, call: CallShape): string[] {
  const problems: string[] = [];
  const names = decl.params.map((p) => p.name);
  if (call.positionalCount > 0 && call.namedNames.length > 0 && decl.name !== 'parallel') {
    problems.push(`${decl.name}: cannot mix an unnamed argument with named ones`);
  }
  if (call.positionalCount > 1) {
    problems.push(decl.positional
      ? `${decl.name} takes one unnamed argument (${decl.positional}), got ${call.positionalCount}`
      : `${decl.name} takes no unnamed arguments, got ${call.positionalCount}`);
  } else if (call.positionalCount === 1 && !decl.positional) {
    problems.push(`${decl.name} takes only named arguments (${names.join(', ') || 'none'})`);
  }
  const seen = new Set<string>();
  for (const n of call.namedNames) {
    if (seen.has(n)) problems.push(`${decl.name}: parameter "${n}" is given twice`);
    seen.add(n);
    if (!names.includes(n) && !decl.anyNamed) {
      const guess = closest(n, names);
      problems.push(`Invalid parameter "${n}" for step ${decl.name}${guess ? `, did you mean "${guess}"?` : ` (it takes: ${names.join(', ') || 'no parameters'})`}`);
    }
  }
  const given = new Set(call.namedNames);
  if (call.positionalCount === 1 && decl.positional) given.add(decl.positional);
  for (const p of decl.params) {
    if (p.required && !given.has(p.name)) problems.push(`${decl.name}: missing required parameter "${p.name}"`);
  }
  if (decl.block === 'required' && !call.hasClosure) problems.push(`${decl.name} needs a block: ${decl.name}(...) { ... }`);
  if (decl.block === 'none' && call.hasClosure) problems.push(`${decl.name} does not take a block`);
  return problems;
}

/** Whether a value fits a parameter's type; returns the problem, or null. Numbers in strings are accepted where Jenkins coerces. */
export function checkParamValue(decl: StepDecl, p: StepParam, v: Value): string | null {
  if (v === null) return null;
  if (p.refused && 'any' in p.refused) {
    if (v !== '') return `${decl.name}: ${p.name}: ${p.refused.why}`;
  } else if (p.refused && (typeof v === 'string' || typeof v === 'boolean') && String(v) === String(p.refused.value)) return `${decl.name}: ${p.name}: ${String(v)}: ${p.refused.why}`;
  const bad = (want: string) => `${decl.name}: parameter "${p.name}" expects ${want}, got ${typeName(v)}${typeof v === 'string' ? ` '${v.length > 40 ? v.slice(0, 40) + '…' : v}'` : ''}`;
  switch (p.type) {
    case 'string':
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || isDecimal(v)) {
        if (p.values && !p.values.includes(String(v))) {
          return `${decl.name}: parameter "${p.name}" must be one of ${p.values.join(', ')}; got '${String(v)}'`;
        }
        return null;
      }
      return bad('a String');
    case 'boolean':
      // any String: structs' DescribableModel.coerce reads it with Boolean.valueOf ('yes' is false);
      // but parallel's failFast, which ParallelStep reads itself and takes only as a Boolean
      return typeof v === 'boolean' || (typeof v === 'string' && decl.name !== 'parallel') ? null : bad('a boolean');
    case 'integer':
      return (typeof v === 'number' && Number.isInteger(v)) || isDecimal(v) || (typeof v === 'string' && /^-?\d+$/.test(v.trim())) ? null : bad('an integer');
    case 'number':
      return typeof v === 'number' || isDecimal(v) || (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) ? null : bad('a number');
    case 'list':
      return isList(v) ? null : bad('a list');
    case 'map':
      return isMap(v) ? null : bad('a map');
    case 'string-or-list':
      return typeof v === 'string' || isList(v) ? null : bad('a String or a list');
    case 'any':
      return null;
  }
}

/** A String as Java's Boolean.valueOf reads it: true only for "true" in any case. */
export function javaBoolean(s: string): boolean {
  return s.toLowerCase() === 'true';
}

/** The declared type as a user reads it. */
export function describeType(t: ParamType): string {
  return { string: 'String', boolean: 'boolean', integer: 'int', number: 'number', list: 'List', map: 'Map', 'string-or-list': 'String or List', any: 'Object' }[t];
}

/** Converts a value to what the parameter's type says (e.g. '5' → 5 for an integer). */
function coerce(p: StepParam, v: Value): Value {
  if (v === null) return v;
  switch (p.type) {
    case 'boolean':
      return typeof v === 'string' ? javaBoolean(v) : v;
    case 'integer':
      // a BigDecimal (`timeout(time: 1.5)`) reaches steps as a JS number, truncated where an int is wanted, as Groovy casts it
      return typeof v === 'string' ? Number(v.trim()) : isBigDec(v) ? Number(v.toBigInt()) : v instanceof LongValue ? Number(v.v) : v instanceof DoubleValue ? Math.trunc(v.v) : v;
    case 'number':
      return typeof v === 'string' ? Number(v.trim()) : isBigDec(v) ? v.toNumber() : v instanceof LongValue ? Number(v.v) : v instanceof DoubleValue ? v.v : v;
    case 'string':
      return typeof v === 'number' || typeof v === 'boolean' || isDecimal(v) ? toGroovyString(v) : v;
    default:
      return v;
  }
}

/**
 * A number or a boolean for a String parameter: Jenkins does not convert it. structs'
 * DescribableModel.coerce lets Groovy coerce the argument (a GString becomes a String, nothing
 * else does) and then throws `ClassCastException: <class>.<param> expects class
 * java.lang.String but received class java.lang.Integer`; `echo 5` fails so in scripted code
 * (and `echo currentBuild.number`). Returns that exception's message, or null.
 */
export function stringCastProblem(decl: StepDecl, p: StepParam, v: Value, given: readonly string[] = []): string | null {
  if (p.type !== 'string' || !(typeof v === 'number' || typeof v === 'boolean' || isDecimal(v))) return null;
  return `java.lang.ClassCastException: ${jenkinsClassOf(decl, given)}.${p.name} expects class java.lang.String but received class ${javaClassOf(v)}`;
}

/** A value as Java's toString prints it inside a Map's toString ({message=5, flag=true}). */
function javaText(v: Value): string {
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${k}=${javaText(x)}`).join(', ')}}`;
  if (Array.isArray(v)) return `[${v.map(javaText).join(', ')}]`;
  return toGroovyString(v);
}

export class StepBindError extends KilnError {
  constructor(message: string) {
    super('step.arguments', message);
  }
}

/** Binds run-time arguments; throws StepBindError with every problem but parameters the step lacks, which `unknown` lists (sorted). */
export function bindStepArgs(decl: StepDecl, args: CallArgs): { values: Record<string, Value>; body: CallArgs['closure']; unknown: string[] } {
  let positional = args.positional;
  let named = args.named;
  // Groovy passes `f([k: v])` as one positional map; Jenkins treats it as named arguments.
  if (!named && positional.length === 1 && isMap(positional[0]) && (decl.anyNamed || mapIsNamedArgs(decl, [...(positional[0] as Map<string, Value>).keys()].map(String)))) {
    named = positional[0] as Map<string, Value>;
    positional = [];
  }
  // A closure passed as the last positional argument is the body: `timeout(5, { ... })`.
  let body = args.closure;
  if (!body && decl.block !== 'none' && positional.length > 0 && isClosure(positional[positional.length - 1])) {
    body = positional[positional.length - 1] as CallArgs['closure'];
    positional = positional.slice(0, -1);
  }
  const shape = checkCallShape(decl, { positionalCount: positional.length, namedNames: named ? [...named.keys()] : [], hasClosure: body !== null });
  // Jenkins (structs' DescribableModel.instantiate) runs a step given parameters it does not
  // have, ignoring them, after printing their names: the caller prints unknownParametersLine.
  const problems = shape.filter((p) => !isUnknownParameter(p));
  const known = new Set(decl.params.map((p) => p.name));
  const unknown = decl.anyNamed || !named ? [] : [...named.keys()].map(String).filter((k) => !known.has(k));
  const values: Record<string, Value> = {};
  if (positional.length === 1 && decl.positional) values[decl.positional] = positional[0] ?? null;
  if (named) for (const [k, v] of named) if (!unknown.includes(String(k))) values[k] = v;
  for (const p of decl.params) {
    const v = values[p.name];
    if (v === undefined) continue;
    const cast = stringCastProblem(decl, p, v, Object.keys(values));
    if (cast !== null) {
      // structs' DescribableModel.instantiate names every argument it was given, then the cause
      const args = Object.entries(values).map(([k, x]) => `${k}=${javaText(x)}`).join(', ');
      throw new StepBindError(`Could not instantiate {${args}} for ${jenkinsClassOf(decl, Object.keys(values))}: ${cast}`);
    }
    const problem = checkParamValue(decl, p, v);
    if (problem) problems.push(problem);
    else values[p.name] = coerce(p, v);
  }
  if (problems.length > 0) throw new StepBindError(problems.join('; '));
  return { values, body, unknown: unknown.sort() };
}

/** Whether a problem of checkCallShape is a parameter the step does not have (a warning in Jenkins' scripted code). */
export function isUnknownParameter(problem: string): boolean {
  return problem.startsWith('Invalid parameter "');
}

/**
 * Whether `f([k: v])`'s single map is the call's named arguments, as Jenkins' DSL takes a sole
 * map argument: when the step's unnamed parameter is not itself a map and the map names one of
 * the step's parameters (a key the step lacks is then a warning, not a map given unnamed).
 */
export function mapIsNamedArgs(decl: StepDecl, keys: readonly string[]): boolean {
  const posType = decl.params.find((p) => p.name === decl.positional)?.type;
  if (posType === 'map') return false;
  const known = (k: string) => decl.params.some((p) => p.name === k);
  return keys.every(known) || (posType !== 'any' && keys.some(known));
}
