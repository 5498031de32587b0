// The restricted Groovy interpreter: runs `script {}` blocks, scripted pipelines and the
// expressions of declarative directives, with Groovy's semantics as Jenkins users know them.
//
// It walks the syntax tree asynchronously (steps are async), except what a synchronous
// evaluator (fast/fastCall) can run without a promise: plain values, operators, reads and
// assignments of variables and map/list entries, built-in String/List/Map methods without a
// closure; it returns SLOW, having changed nothing, for the rest. It keeps no per-run state of its
// own: the engine's DynamicContext and the call depth travel down every call in a Frame, so
// parallel branches may run the same Interpreter at the same time. What it does keep is the
// script's state, shared by every branch as in Jenkins: the binding (variables assigned without
// `def`), the top-level scope, and the script's functions.
//
// Scopes: `def x` is local to its block; assignment to an undeclared name sets a binding
// variable; closures capture their lexical scope; functions see their parameters, the binding
// and the host's globals, not the top-level `def`s (as in Groovy). A `for (x in xs)` loop gives
// each iteration its own `x`, so closures made in the loop keep the value of their iteration
// (Jenkins' CPS shares one variable across iterations, which is never what a user means).
//
// Classes and enums of the script (classes.ts) are defined before it runs, with its functions
// and imports. A class member runs in a ClassScope whose variables are the object's fields,
// under the static fields of its class chain: it sees neither the binding nor the script's
// functions and steps (a bare `sh` there is Groovy's MissingMethodException, `steps.sh` through
// the script object works). Objects print with their own toString() and compare with their
// own equals/compareTo. A class name resolves to the script's class of that name first, then
// to an import, then to a Java class through java-classes.ts (resolveClass), which also decides
// what the sandbox allows of it; an import of a library's class Jenkins would not have fails
// where it is used ("unable to resolve class"), as Groovy fails to compile it.
//
// Inside `obj.with { }` / `obj.tap { }` (Scope.delegate) names the closure does not declare go
// to the delegate first (Groovy's DELEGATE_FIRST), then to the class or the script as above; so
// do they in a closure given a delegate with DELEGATE_FIRST (`body.delegate = config`).
//
// Shared libraries (../libraries/): each var runs in an Interpreter of its own; the build's
// interpreters share one class table and one import table (SharedClasses), and a closure always
// runs in the interpreter that made it (its ClosureScope says which), whoever calls it.
import type * as A from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import { PipelineError } from '../diagnostics.ts';
import { Interrupted, StepFailure, interruptionOf } from '../../core/errors.ts';
import { closest } from '../../util/suggest.ts';
import {
  CONSTRUCTIBLE_EXCEPTIONS, ErrorObject, GroovyException, ScriptError, catchMatches, errorInstanceOf, normalizeError,
  notSupported, scriptError,
} from './errors.ts';
import { rangeString, sprintf, toGroovyString as formatValue } from './format.ts';
import {
  EntryObject, arithmetic, castTo, coerceDeclared, javaCast, typedDefault, paramAccepts, groovyCompare, groovyEquals, groovyTruth as truth,
  instanceOf, isCase, isKnownType, iterableToList, keyText, makeRange, mapKey, negate, rangeAt, rangeSize, relational,
} from './groovy-ops.ts';
import { hasEncodedKeys, plainKeys } from './map-keys.ts';
import { MAX_STRING, tooLarge } from './limits.ts';
import { isJavaArray, javaArray, noSignature, type MethodEnv } from './methods-common.ts';
import { listGetAt, listMethods, listPutAt } from './methods-list.ts';
import { mapGet, mapMethods } from './methods-map.ts';
import { booleanMethods, newString, numberMethods } from './methods-number.ts';
import { decimalLiteral, isDecimal } from './decimal.ts';
import { LongValue, integerLiteralOf } from './integers.ts';
import { DoubleValue } from './double-value.ts';
import { makeSet, setKindOf } from './sets.ts';
import { LazyGString } from './lazy-gstring.ts';
import {
  ClassObject, JAVA_ROOTS, callStaticMethod, classOf, javaClassOf as javaTypeName, javaHashCode, construct, constructedByInterpreter, getStaticField, isJavaObject, javaMethod, rejected,
  isKnownClass, resolveClass,
} from './java-classes.ts';
import { STRING_AS_CHARS, regexArg, stringGetAt, stringMethods } from './methods-string.ts';
import { MatcherObject, PatternObject, checkRegex, javaSplit, matchesWhole, quotePattern, removeFirst, withPatternFlags, type RegexSite } from './regex.ts';
import { StringBuilderObject } from './string-builder.ts';
import { ScriptClass, ScriptInstance, linkClasses } from './classes.ts';
import { paramsTake, pickOverload, sameParamTypes } from './overloads.ts';
import {
  isClosure, isHostObject, isRange, rangeToList, typeName, type CallArgs, type ClosureValue, type DynamicContext, type GList,
  type GMap, type HostObject, type ScriptCalls, type ScriptHost, type Value,
} from './values.ts';

export { ScriptError } from './errors.ts';

/** Groovy truth: null, false, 0, '', [], [:] and a matcher without a match are false. */
export function groovyTruth(v: Value): boolean {
  return truth(v);
}

/** How Groovy prints a value in a GString or println. */
export function toGroovyString(v: Value): string {
  return formatValue(v);
}

// ---------------------------------------------------------------------------------------------
// Scopes, frames, completions

class Scope {
  vars: Map<string, Value> | null = null;
  readonly parent: Scope | null;
  /** The class member (method, constructor, initializer) this scope is in, or null at script level. */
  cls: ClassScope | null;
  /** The object of `obj.with { }` / `obj.tap { }` whose closure body this scope is (Groovy's delegate). */
  delegate: Value | undefined = undefined;
  /** Whether this scope or an enclosing one has a delegate (then names the scopes lack go to it first). */
  delegated: boolean;
  constructor(parent: Scope | null) {
    this.parent = parent;
    this.cls = parent === null ? null : parent.cls;
    this.delegated = parent !== null && parent.delegated;
  }
  declare(name: string, v: Value): void {
    (this.vars ??= new Map()).set(name, v);
  }
  /** The scope that holds `name`, or null. */
  find(name: string): Scope | null {
    for (let s: Scope | null = this; s !== null; s = s.parent) if (s.vars !== null && s.vars.has(name)) return s;
    return null;
  }
  has(ancestor: Scope): boolean {
    for (let s: Scope | null = this; s !== null; s = s.parent) if (s === ancestor) return true;
    return false;
  }
}

/**
 * The scope of a class member: its variables are the object's fields (none in a static
 * member), its parent the static fields of the class that defines the member. Inside it (and
 * in closures made inside it) the script's binding, functions and steps are not visible.
 */
class ClassScope extends Scope {
  /** `this`: the object, or null in a static member. */
  readonly self: ScriptInstance | null;
  /** The class whose code runs (for `super` and static members). */
  readonly owner: ScriptClass;
  constructor(self: ScriptInstance | null, owner: ScriptClass) {
    super(owner.scope as Scope | null);
    this.self = self;
    this.owner = owner;
    this.vars = self !== null ? self.fields : null;
    this.cls = this;
  }
}

/** What travels down one chain of calls: the engine's context, the call depth, and grace after an abort. */
interface Frame {
  readonly ctx: DynamicContext;
  readonly depth: number;
  /**
   * Set while a catch block handles an abort, or a finally block runs during one: Jenkins lets
   * that cleanup code run, so calls and for-in loops do not re-raise the abort (while and
   * C-style for loops still do, so a runaway loop stays abortable).
   */
  readonly grace: boolean;
}

/** What a closure value's opaque `scope` holds. */
interface ClosureScope {
  scope: Scope;
  /** The call depth where the closure was made: a step calling it back continues from there. */
  depth: number;
  /** The interpreter that made it (a shared library's var has its own): it runs the closure. */
  interp?: Interpreter;
}

/**
 * What the engine runs code with: the Jenkinsfile's interpreter, or (a declarative pipeline
 * defined inside a shared library's var) one scoped to the closure `pipeline { }` was given.
 */
export interface ScriptEvaluator {
  runScript(stmts: A.Stmt[], ctx: DynamicContext): Promise<Value>;
  runBlock(stmts: A.Stmt[], ctx: DynamicContext): Promise<Value>;
  evaluate(expr: A.Expr, ctx: DynamicContext): Promise<Value>;
  callClosure(c: ClosureValue, args: Value[], ctx: DynamicContext): Promise<Value>;
}

/**
 * What the interpreters of one build share when it loads shared libraries (../libraries/):
 * the libraries' classes (with the script's own), and the qualified names an `import` may name.
 */
export interface SharedClasses {
  readonly classes: Map<string, ScriptClass>;
  /** Qualified name of each library class ('com.acme.Utils'). */
  readonly qualified: Set<string>;
  /**
   * The imports of every file of the build (Jenkinsfile, vars, src/): a library class's method
   * may run in any of the build's interpreters, and sees its file's imports wherever it runs.
   */
  readonly imports: Map<string, string>;
}

class Signal {
  readonly what: string;
  constructor(what: string) {
    this.what = what;
  }
}
const BREAK = new Signal('break');
const CONTINUE = new Signal('continue');
class ReturnSignal extends Signal {
  readonly value: Value;
  constructor(value: Value) {
    super('return');
    this.value = value;
  }
}
/** `break label` / `continue label`: travels up to the statement with that label. */
class LabelSignal extends Signal {
  readonly label: string;
  readonly isBreak: boolean;
  constructor(isBreak: boolean, label: string) {
    super(isBreak ? `break ${label}` : `continue ${label}`);
    this.label = label;
    this.isBreak = isBreak;
  }
}
type Completion = Value | Signal;

const YIELD_EVERY = 1000;

/** Returned by the synchronous evaluator when an expression needs the async one. */
const SLOW: unique symbol = Symbol('slow');
/** Operators without side effects that the synchronous evaluator runs (`<<` changes its list). */
const FAST_OPS = new Set<string>(['+', '-', '*', '/', '%', '**', '==', '!=', '<', '<=', '>', '>=', '<=>', '&&', '||', '?:', '&', '|', '^', '>>', '>>>']);

/** Operands binaryOp() gives to arithmetic() unchanged (no object's plus(), Date arithmetic or regex removal). */
function plainOperands(l: Value, r: Value): boolean {
  return !(l instanceof ScriptInstance || r instanceof ScriptInstance || r instanceof PatternObject || isJavaObject(l) || l instanceof StringBuilderObject);
}

/** Names invoke() answers before a value's own methods (Groovy's reflective ones, execute): never the fast call path. */
const INVOKE_SPECIAL = new Set(['getClass', 'getMetaClass', 'invokeMethod', 'respondsTo', 'hasProperty', 'getMetaPropertyValues', 'getProperties', 'execute']);
/** List and Map methods that change nothing: the fast call path may run them inside a bigger expression. */
/** String methods that scan with a regex (script/regex.ts: async, maybe on a worker thread). */
const REGEX_STRING_METHODS = new Set(['replaceAll', 'replaceFirst', 'matches', 'find', 'findAll', 'eachMatch', 'split', 'minus', 'tokenize']);
const PURE_COLLECTION = new Set(['size', 'isEmpty', 'contains', 'containsKey', 'containsValue', 'get', 'getAt', 'first', 'last', 'indexOf']);

/** Map methods that change the map: refused on a host object's read-only entries(). */
const MAP_WRITERS = new Set(['put', 'putAll', 'putAt', 'remove', 'clear', 'leftShift', 'putIfAbsent']);

const BUILTINS = ['println', 'print', 'printf', 'sprintf', 'assert'];

/**
 * `this` in a script, and `steps` when the host has no object of that name: a step call through
 * it (`steps.sh 'x'`, `script.echo 'y'` in a helper that was passed `this`) goes to the host.
 */
class ScriptObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'WorkflowScript';
  readonly interp: Interpreter;
  constructor(interp: Interpreter) {
    this.interp = interp;
  }
  getProperty(name: string, ctx: DynamicContext, loc: Loc): Promise<Value | undefined> {
    return this.interp.scriptProperty(name, ctx, loc);
  }
  setProperty(name: string, value: Value): boolean {
    this.interp.binding.set(name, value);
    return true;
  }
  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc): Promise<Value> {
    return this.interp.invokeScriptMethod(name, args, ctx, loc);
  }
  toString(): string {
    return 'WorkflowScript';
  }
}

/**
 * Delegates set on closures (`body.delegate = config`), with their resolve strategy. With
 * DELEGATE_FIRST and DELEGATE_ONLY (what the builder pattern uses) names the closure does not
 * declare go to the delegate first, as inside `with { }`; with the other strategies (OWNER_FIRST,
 * Groovy's default, where the script owner takes every assignment) the delegate is not used.
 */
const closureDelegates = new WeakMap<ClosureValue, { delegate: Value; strategy: number }>();

function delegateOf(c: ClosureValue): Value | undefined {
  const d = closureDelegates.get(c);
  if (d === undefined || d.delegate === null || (d.strategy !== 1 && d.strategy !== 3)) return undefined;
  return d.delegate;
}

function cap(name: string): string {
  return name.length === 0 ? name : name[0]!.toUpperCase() + name.slice(1);
}

function concurrentModification(loc: Loc): ScriptError {
  return scriptError('concurrent-modification', 'the list changed size while a loop went over it (loop over a copy: for (x in list.collect()) or list.toList())', loc, 'java.util.ConcurrentModificationException');
}

function nullPointer(what: string, loc: Loc): ScriptError {
  return scriptError('null', what, loc, 'java.lang.NullPointerException');
}

/** Whether a step's arguments hold objects of script classes or lazy GStrings, which steps get as their strings. */
function needsStrings(ca: CallArgs): boolean {
  for (const a of ca.positional) if (a instanceof ScriptInstance || a instanceof LazyGString || ((Array.isArray(a) || a instanceof Map) && hasEncodedKeys(a))) return true;
  if (ca.named !== null) {
    if (hasEncodedKeys(ca.named)) return true;
    for (const a of ca.named.values()) if (a instanceof LazyGString) return true;
  }
  return false;
}

/**
 * `-x`. A negative floating literal is folded by Groovy's parser, which drops the sign of a zero:
 * `-0.0d` and `-0f` are 0.0 (`1 / -0.0d` is Infinity), where `-(0.0d)` and `-z` are -0.0.
 */
function negateOperand(e: A.UnaryExpr, v: Value): Value {
  const r = negate(v, e.loc);
  return r instanceof DoubleValue && r.v === 0 && e.operand.type === 'Number' && e.operand.negated === true ? new DoubleValue(0, r.float) : r;
}

/** `${-> x}` in a GString: a closure without parameters, run each time the GString is rendered. */
function isLazyPlaceholder(x: A.Expr): boolean {
  return x.type === 'Closure' && x.explicitParams && x.params.length === 0;
}

function flatArgs(ca: CallArgs): Value[] {
  const out: Value[] = ca.named ? [ca.named, ...ca.positional] : [...ca.positional];
  if (ca.closure) out.push(ca.closure);
  return out;
}

function callArgsOf(args: Value[]): CallArgs {
  return { positional: args, named: null, closure: null };
}

/** The dotted name of an Ident / Property chain (`java.lang.Math`), or null. */
function dottedName(e: A.Expr): string | null {
  if (e.type === 'Ident') return e.name;
  if (e.type === 'Property' && !e.safe && !e.spread) {
    const o = dottedName(e.object);
    return o === null ? null : `${o}.${e.name}`;
  }
  return null;
}

function rootIdent(e: A.Expr): string | null {
  if (e.type === 'Ident') return e.name;
  if (e.type === 'Property') return rootIdent(e.object);
  return null;
}

function simpleName(t: string): string {
  const i = t.lastIndexOf('.');
  return i < 0 ? t : t.slice(i + 1);
}

// ---------------------------------------------------------------------------------------------

export class Interpreter {
  readonly host: ScriptHost;
  readonly maxCallDepth: number;
  /** The Jenkinsfile's name; errors carry only positions, and whoever prints them adds the file. */
  readonly file: string;
  /** Script-global variables (Groovy's binding): assigned without `def`, seen everywhere; a `load`ed script shares its caller's. */
  readonly binding: Map<string, Value>;
  /** Top-level `def name(...)` functions, by name (overloads by parameter count). */
  readonly functions = new Map<string, A.FunctionDecl[]>();
  /** The top-level scope: `def`s at the top of the script, seen by closures and declarative blocks. */
  readonly #root = new Scope(null);
  readonly #self: ScriptObject;
  /** Handed to host objects' methods (ScriptCalls). */
  readonly #calls: ScriptCalls = {
    call: (name, args, ctx, loc) => this.invokeScriptMethod(name, args, ctx, loc),
    callClosure: (c, args, ctx) => this.callClosure(c, args, ctx),
  };
  #ticks = 0;
  /** Imported classes: the name they are used by (simple name or `as` alias) → the path. */
  readonly #imports: Map<string, string>;
  /** Statically imported members: name (or alias) → class and member. */
  readonly #staticImports = new Map<string, { cls: string; member: string }>();
  /** Classes of `import static a.b.C.*`. */
  readonly #staticStars: string[] = [];
  /** The classes and enums the script defines, by name. */
  readonly #classes: Map<string, ScriptClass>;
  /** Qualified names of the shared libraries' classes (an import of one resolves). */
  readonly #libraryClasses: ReadonlySet<string>;
  /** Closures made by curry(): how many arguments they already hold. */
  readonly #curried = new WeakMap<ClosureValue, number>();

  constructor(host: ScriptHost, opts: { maxCallDepth?: number; file?: string; shared?: SharedClasses; binding?: Map<string, Value> } = {}) {
    this.host = host;
    this.binding = opts.binding ?? new Map<string, Value>();
    this.maxCallDepth = opts.maxCallDepth ?? 500;
    this.file = opts.file ?? 'Jenkinsfile';
    this.#self = new ScriptObject(this);
    this.#classes = opts.shared?.classes ?? new Map();
    this.#imports = opts.shared?.imports ?? new Map();
    this.#libraryClasses = opts.shared?.qualified ?? new Set();
  }

  /** `this` of the script, as its code sees it (a shared library's var object wraps it). */
  get scriptObject(): HostObject {
    return this.#self;
  }

  /**
   * Defines classes of shared libraries (their imports taken in too) and runs their static
   * initializers, before the script runs: as Groovy compiles a library's src/ with the script.
   */
  async defineLibraryClasses(stmts: A.Stmt[], ctx: DynamicContext): Promise<void> {
    const f: Frame = { ctx, depth: 0, grace: false };
    await this.guard(async () => {
      const classes = this.hoist(stmts);
      if (classes.length > 0) await this.initClasses(classes, f);
    }, stmts[0]?.loc ?? null);
  }

  /** Defines the top-level functions, imports and classes of a script without running it (a library var). */
  async defineScript(stmts: A.Stmt[], ctx: DynamicContext): Promise<void> {
    return this.defineLibraryClasses(stmts, ctx);
  }

  /** An evaluator whose blocks and expressions run in the scope of closure `c` (a library var's `pipeline { }`). */
  scopedTo(c: ClosureValue): ScriptEvaluator {
    const cs = this.closureScope(c);
    return {
      runScript: (stmts, ctx) => this.runBlock(stmts, ctx),
      runBlock: async (stmts, ctx) => {
        const f: Frame = { ctx, depth: cs.depth, grace: false };
        const r = await this.guard(() => this.execList(stmts, new Scope(cs.scope), f), stmts[0]?.loc ?? null);
        return this.endOfBody(r, null);
      },
      evaluate: (expr, ctx) => {
        const f: Frame = { ctx, depth: cs.depth, grace: false };
        return this.guard(async () => this.eval(expr, cs.scope, f), expr.loc);
      },
      callClosure: (cl, args, ctx) => this.callClosure(cl, args, ctx),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Public API

  /** Runs top-level statements in the global scope (functions hoisted first); returns the last value. */
  async runScript(stmts: A.Stmt[], ctx: DynamicContext): Promise<Value> {
    const f: Frame = { ctx, depth: 0, grace: false };
    const r = await this.guard(async () => {
      const classes = this.hoist(stmts);
      if (classes.length > 0) await this.initClasses(classes, f);
      return this.execList(stmts, this.#root, f);
    }, stmts[0]?.loc ?? null);
    return this.endOfBody(r, null);
  }

  /** Runs a statement list in a new child scope of the global scope; returns the last expression's value or `return`'s. */
  async runBlock(stmts: A.Stmt[], ctx: DynamicContext): Promise<Value> {
    const f: Frame = { ctx, depth: 0, grace: false };
    const r = await this.guard(() => this.execList(stmts, new Scope(this.#root), f), stmts[0]?.loc ?? null);
    return this.endOfBody(r, null);
  }

  /** Evaluates one expression in the global scope (agent label "${X}", env values). */
  async evaluate(expr: A.Expr, ctx: DynamicContext): Promise<Value> {
    const f: Frame = { ctx, depth: 0, grace: false };
    return this.guard(async () => this.eval(expr, this.#root, f), expr.loc);
  }

  /** Calls a closure value with arguments. */
  async callClosure(c: ClosureValue, args: Value[], ctx: DynamicContext): Promise<Value> {
    const owner = (c.scope as Partial<ClosureScope> | null | undefined)?.interp;
    if (owner !== undefined && owner !== this) return owner.callClosure(c, args, ctx);
    const f: Frame = { ctx, depth: this.closureScope(c).depth, grace: false };
    return this.guard(() => this.invokeClosure(c, args, f, c.node.loc), c.node.loc);
  }

  /** Runs `fn`, turning anything unexpected into a ScriptError (a script never crashes the process). */
  private async guard<T>(fn: () => Promise<T>, loc: Loc | null): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw normalizeError(err, loc);
    }
  }

  /** Functions, imports and classes take effect before the script runs, as Groovy compiles them; returns the new classes. */
  private hoist(stmts: A.Stmt[]): ScriptClass[] {
    const decls: A.ClassDecl[] = [];
    for (const s of stmts) {
      if (s.type === 'Function') this.defineFunction(s);
      else if (s.type === 'Import') this.addImport(s);
      else if (s.type === 'Class') decls.push(s);
    }
    return decls.length > 0 ? this.defineClasses(decls) : [];
  }

  private defineFunction(s: A.FunctionDecl): void {
    const list = this.functions.get(s.name) ?? [];
    // the same parameter types redefine a function; other types overload it (Groovy picks by the arguments' classes)
    const same = list.findIndex((d) => sameParamTypes(d.params, s.params));
    if (same >= 0) list[same] = s;
    else list.push(s);
    this.functions.set(s.name, list);
  }

  private endOfBody(r: Completion, loc: Loc | null): Value {
    if (r instanceof ReturnSignal) return r.value;
    if (r instanceof Signal) throw scriptError('syntax', `${r.what} outside a loop or switch`, loc);
    return r;
  }

  // -------------------------------------------------------------------------------------------
  // Abort checks and yielding

  /** Checks for an abort; every YIELD_EVERY calls gives the event loop a turn (so a timer can abort a busy loop). */
  private tick(f: Frame, hard: boolean): Promise<void> | undefined {
    if (f.ctx.signal.aborted && (hard || !f.grace)) throw interruptionOf(f.ctx.signal);
    if (++this.#ticks >= YIELD_EVERY) {
      this.#ticks = 0;
      return new Promise<void>((resolve) => setImmediate(resolve));
    }
    return undefined;
  }

  // -------------------------------------------------------------------------------------------
  // Statements

  private async execList(stmts: A.Stmt[], scope: Scope, f: Frame): Promise<Completion> {
    let last: Completion = null;
    let field = false;
    for (let i = 0; i < stmts.length; i++) {
      const s = stmts[i]!;
      try {
        if (s.type === 'Annotation' && (s.name === 'Field' || s.name === 'groovy.transform.Field')) {
          field = true;
          last = null;
          continue;
        }
        if (field && s.type === 'VarDecl') {
          field = false;
          last = await this.execVarDecl(s, scope, f, true);
          continue;
        }
        field = false;
        // an expression or a declaration whose value the fast path gives: no promise for the statement
        if (s.type === 'ExprStmt') {
          if (this.discardedSymbol(s.expr, scope)) {
            await this.evalArgs(s.expr, scope, f);
            last = null;
            continue;
          }
          const v = this.eval(s.expr, scope, f);
          last = v instanceof Promise ? await v : v;
        } else if (s.type === 'VarDecl' && !s.multi) {
          const v = s.init ? this.eval(s.init, scope, f) : typedDefault(s.typeName);
          last = this.declareVars(s, v instanceof Promise ? await v : v, scope, false);
        } else last = await this.exec(s, scope, f);
      } catch (err) {
        if (err instanceof StepFailure || err instanceof Interrupted || err instanceof PipelineError) throw err;
        throw normalizeError(err, s.loc);
      }
      if (last instanceof Signal) return last;
    }
    return last;
  }

  /**
   * A describable's symbol (no step) called as a statement of its own: Jenkins' DSL.invokeDescribable
   * evaluates the arguments into an uninstantiated describable, checks nothing, never runs a block
   * given to it, and the value is thrown away (`parameters { ... }` pasted into a scripted node).
   */
  private discardedSymbol(e: A.Expr, scope: Scope): e is A.CallExpr {
    if (e.type !== 'Call' || e.callee.type !== 'Ident' || scope.cls !== null || scope.delegated) return false;
    const name = e.callee.name;
    return this.host.isSymbol?.(name) === true && !this.functions.has(name) && scope.find(name) === null && !this.binding.has(name);
  }

  /** A statement that is a block runs in its own scope; any other runs in `scope`. */
  private execBody(s: A.Stmt, scope: Scope, f: Frame): Promise<Completion> {
    if (s.type === 'Block') return this.execList(s.body, scope, f);
    return this.execList([s], scope, f);
  }

  private async exec(s: A.Stmt, scope: Scope, f: Frame): Promise<Completion> {
    switch (s.type) {
      case 'ExprStmt':
        if (this.discardedSymbol(s.expr, scope)) {
          await this.evalArgs(s.expr, scope, f);
          return null;
        }
        return this.eval(s.expr, scope, f);
      case 'VarDecl':
        return this.execVarDecl(s, scope, f, false);
      case 'Block':
        return this.execList(s.body, new Scope(scope), f);
      case 'If': {
        let t = this.eval(s.test, scope, f);
        if (t instanceof Promise) t = await t;
        if (truth(t)) return this.execBody(s.consequent, new Scope(scope), f);
        if (s.alternate) return this.execBody(s.alternate, new Scope(scope), f);
        return null;
      }
      case 'ForIn':
        return this.execForIn(s, scope, f);
      case 'For':
        return this.execFor(s, scope, f);
      case 'While':
        return this.execWhile(s, scope, f);
      case 'Return': {
        if (!s.value) return new ReturnSignal(null);
        const v = this.eval(s.value, scope, f);
        return new ReturnSignal(v instanceof Promise ? await v : v);
      }
      case 'Break':
        return s.label === undefined ? BREAK : new LabelSignal(true, s.label);
      case 'Continue':
        return s.label === undefined ? CONTINUE : new LabelSignal(false, s.label);
      case 'Labeled':
        return this.execLabeled(s, scope, f);
      case 'Throw':
        return this.execThrow(s, scope, f);
      case 'Try':
        return this.execTry(s, scope, f);
      case 'Switch':
        return this.execSwitch(s, scope, f);
      case 'Function':
        if (!this.functions.get(s.name)?.includes(s)) this.defineFunction(s);
        return null;
      case 'Import':
        // Taken in by hoist(); harmless by itself: using a class that is not available is what
        // fails, where it is used.
        return null;
      case 'Annotation':
        if (s.name === 'Grab' || s.name === 'Grapes' || s.name === 'GrabResolver' || s.name === 'GrabConfig') {
          throw notSupported(`@${s.name} (downloading libraries at run time)`, s.loc);
        }
        return null; // @Library is the engine's; @NonCPS and the like change nothing here
      case 'Class':
        return null; // defined by hoist() before the script runs
    }
  }

  /**
   * `label: stmt`. A loop under a label runs with it (`continue label` goes on with its next
   * iteration, `break label` leaves it); any other statement is left by `break label`.
   */
  private async execLabeled(s: A.LabeledStmt, scope: Scope, f: Frame): Promise<Completion> {
    const b = s.body;
    const r = b.type === 'ForIn' ? await this.execForIn(b, scope, f, s.label)
      : b.type === 'For' ? await this.execFor(b, scope, f, s.label)
        : b.type === 'While' ? await this.execWhile(b, scope, f, s.label)
          : await this.exec(b, scope, f);
    if (r instanceof LabelSignal && r.label === s.label) {
      if (r.isBreak) return null;
      throw scriptError('syntax', `continue ${s.label}: the label is not on a loop`, s.loc);
    }
    return r;
  }

  /**
   * What a loop does with its body's completion: 'break', 'next' (go on), or the completion to
   * return (a return, or a labeled break/continue meant for an outer statement).
   */
  private loopControl(r: Completion, label: string | undefined): 'break' | 'next' | Completion {
    if (r === BREAK) return 'break';
    if (r instanceof ReturnSignal) return r;
    if (r instanceof LabelSignal) {
      if (r.label !== label) return r;
      return r.isBreak ? 'break' : 'next';
    }
    return 'next';
  }

  private async execWhile(s: A.WhileStmt, scope: Scope, f: Frame, label?: string): Promise<Completion> {
    for (;;) {
      const p = this.tick(f, true);
      if (p) await p;
      let t = this.eval(s.test, scope, f);
      if (t instanceof Promise) t = await t;
      if (!truth(t)) break;
      const c = this.loopControl(await this.execBody(s.body, new Scope(scope), f), label);
      if (c === 'break') break;
      if (c !== 'next') return c;
    }
    return null;
  }

  private async execVarDecl(s: A.VarDecl, scope: Scope, f: Frame, field: boolean): Promise<Value> {
    // `int n` without a value is 0 (a primitive's default), `String s` null
    const v = s.init ? await this.eval(s.init, scope, f) : s.multi ? null : typedDefault(s.typeName);
    const declare = (name: string, x: Value) => {
      if (field) this.binding.set(name, x);
      else scope.declare(name, x);
    };
    if (s.multi) {
      if (v !== null && !Array.isArray(v) && !isRange(v)) {
        throw scriptError('cast', `multiple assignment needs a list on the right, got ${typeName(v)} ${formatValue(v)}`, s.loc, 'org.codehaus.groovy.runtime.typehandling.GroovyCastException');
      }
      const l = v === null ? [] : Array.isArray(v) ? v : rangeToList(v);
      s.names.forEach((n, i) => declare(n.name, coerceDeclared(l[i] ?? null, s.typeName, n.loc)));
      return v;
    }
    return this.declareVars(s, v, scope, field);
  }

  /** `def a = v` / `String a, b = v` (not multiple assignment): declares the names with the value converted to the type. */
  private declareVars(s: A.VarDecl, v: Value, scope: Scope, field: boolean): Value {
    const x = coerceDeclared(v, s.typeName, s.loc);
    for (const n of s.names) {
      if (field) this.binding.set(n.name, x);
      else scope.declare(n.name, x);
    }
    return x;
  }

  private async execForIn(s: A.ForInStmt, scope: Scope, f: Frame, label?: string): Promise<Completion> {
    const coll = await this.eval(s.iterable, scope, f);
    const step = async (v: Value): Promise<Completion | undefined> => {
      const p = this.tick(f, false);
      if (p) await p;
      const it = new Scope(scope);
      it.declare(s.varName, v);
      const c = this.loopControl(await this.execBody(s.body, it, f), label);
      if (c === 'break') return BREAK;
      if (c === 'next') return undefined;
      return c;
    };
    if (isRange(coll)) {
      const n = rangeSize(coll);
      const numeric = typeof coll.from === 'number';
      const from = numeric ? (coll.from as number) : String(coll.from).codePointAt(0) ?? 0;
      const to = numeric ? (coll.to as number) : String(coll.to).codePointAt(0) ?? 0;
      const dir = from <= to ? 1 : -1;
      for (let i = 0; i < n; i++) {
        const x = from + i * dir;
        const r = await step(numeric ? x : String.fromCodePoint(x));
        if (r === BREAK) break;
        if (r) return r;
      }
      return null;
    }
    if (Array.isArray(coll)) {
      const n = coll.length;
      for (let i = 0; i < coll.length; i++) {
        const r = await step(coll[i] ?? null);
        if (r === BREAK) break;
        if (r) return r;
        if (coll.length !== n) throw concurrentModification(s.iterable.loc);
      }
      return null;
    }
    let items: GList;
    if (coll === null) items = [];
    else if (typeof coll === 'string') items = [...coll];
    else if (coll instanceof Map) items = [...coll].map(([k, v]) => new EntryObject(k, v, coll));
    else if (coll instanceof MatcherObject) items = coll.toList();
    else if (isHostObject(coll) && coll.items) items = coll.items();
    else if (isHostObject(coll) && coll.entries) {
      const m = await coll.entries(f.ctx);
      items = [...m].map(([k, v]) => new EntryObject(k, v, null));
    }
    else throw scriptError('not-iterable', `for (${s.varName} in ...): cannot iterate over a ${typeName(coll)} (${formatValue(coll)})`, s.iterable.loc, 'groovy.lang.MissingMethodException');
    for (const x of items) {
      const r = await step(x);
      if (r === BREAK) break;
      if (r) return r;
    }
    return null;
  }

  private async execFor(s: A.ForStmt, scope: Scope, f: Frame, label?: string): Promise<Completion> {
    const loop = new Scope(scope);
    if (s.init) {
      // `for (int i = 0, j = 10; ...)` comes as a block of declarations, which belong to the loop's scope
      const r = s.init.type === 'Block' ? await this.execList(s.init.body, loop, f) : await this.exec(s.init, loop, f);
      if (r instanceof Signal) return r;
    }
    for (;;) {
      const p = this.tick(f, true);
      if (p) await p;
      if (s.test) {
        let t = this.eval(s.test, loop, f);
        if (t instanceof Promise) t = await t;
        if (!truth(t)) break;
      }
      const c = this.loopControl(await this.execBody(s.body, new Scope(loop), f), label);
      if (c === 'break') break;
      if (c !== 'next') return c;
      for (const u of s.update) {
        const v = this.eval(u, loop, f);
        if (v instanceof Promise) await v;
      }
    }
    return null;
  }

  private async execThrow(s: A.ThrowStmt, scope: Scope, f: Frame): Promise<never> {
    const v = await this.eval(s.value, scope, f);
    if (v instanceof ErrorObject) {
      const e = v.error;
      if (e instanceof StepFailure && e.loc === null) e.loc = s.loc;
      throw e;
    }
    throw scriptError('cast', `throw needs an exception, got ${typeName(v)} ${formatValue(v)} (to fail the build with a message, use error('...'))`, s.loc, 'org.codehaus.groovy.runtime.typehandling.GroovyCastException');
  }

  private async execTry(s: A.TryStmt, scope: Scope, f: Frame): Promise<Completion> {
    let result: Completion = null;
    let pending: unknown = null;
    let failed = false;
    try {
      result = await this.execList(s.block.body, new Scope(scope), f);
    } catch (err0) {
      const err = normalizeError(err0, s.loc);
      const h = s.handlers.find((c) => c.typeNames.length === 0 || c.typeNames.some((t) => catchMatches(err, t)));
      if (h) {
        const hs = new Scope(scope);
        hs.declare(h.varName, new ErrorObject(err));
        const hf: Frame = err instanceof Interrupted ? { ctx: f.ctx, depth: f.depth, grace: true } : f;
        try {
          result = await this.execList(h.body.body, hs, hf);
        } catch (err2) {
          pending = err2;
          failed = true;
        }
      } else {
        pending = err;
        failed = true;
      }
    }
    if (s.finalizer) {
      const grace = f.grace || (failed && pending instanceof Interrupted) || f.ctx.signal.aborted;
      const ff: Frame = grace === f.grace ? f : { ctx: f.ctx, depth: f.depth, grace };
      const r = await this.execList(s.finalizer.body, new Scope(scope), ff);
      if (r instanceof Signal) return r; // return/break in finally wins, as in Java
    }
    if (failed) throw pending;
    return result;
  }

  private async execSwitch(s: A.SwitchStmt, scope: Scope, f: Frame): Promise<Completion> {
    const v = await this.eval(s.discriminant, scope, f);
    let start = -1;
    for (let i = 0; i < s.cases.length && start < 0; i++) {
      const c = s.cases[i]!;
      if (c.test === null) continue;
      const typeCase = this.typeCase(c.test, scope);
      if (typeCase !== null) {
        if (v instanceof ErrorObject ? errorInstanceOf(v.error, typeCase) : v instanceof ScriptInstance ? v.cls.isA(typeCase) : instanceOf(v, typeCase)) start = i;
        continue;
      }
      const cv = await this.eval(c.test, scope, f);
      if (await this.isCaseAsync(cv, v, f, c.test.loc)) start = i;
    }
    if (start < 0) start = s.cases.findIndex((c) => c.test === null);
    if (start < 0) return null;
    const body = new Scope(scope);
    let last: Completion = null;
    for (let i = start; i < s.cases.length; i++) {
      for (const st of s.cases[i]!.body) {
        const r = await this.execList([st], body, f);
        if (r === BREAK) return last;
        if (r instanceof Signal) return r;
        last = r;
      }
    }
    return last;
  }

  /** `case String:` / `case Map:`: a class name as a case tests the type (when it is not a variable). */
  private typeCase(e: A.Expr, scope: Scope): string | null {
    const name = dottedName(e);
    if (name === null) return null;
    const root = rootIdent(e)!;
    if (scope.find(root) !== null || this.binding.has(root)) return null;
    if (this.#classes.has(root)) return e.type === 'Ident' ? name : null;
    const simple = simpleName(name);
    if (!/^[A-Z]/.test(simple)) return null;
    if (isKnownType(simple) || /Exception$|Error$/.test(simple) || simple === 'Number' || simple === 'Closure' || simple === 'Range') return name;
    return null;
  }

  private async isCaseAsync(caseValue: Value, v: Value, f: Frame, loc: Loc): Promise<boolean> {
    if (isClosure(caseValue)) return truth(await this.invokeClosure(caseValue, [v], f, loc));
    if (isHostObject(caseValue) && caseValue.entries) return isCase(await caseValue.entries(f.ctx), v, loc);
    if (caseValue instanceof PatternObject) return v !== null && matchesWhole(formatValue(v), caseValue.pattern, { loc, signal: f.ctx.signal, owner: f.ctx.owner });
    return isCase(caseValue, v, loc);
  }

  // -------------------------------------------------------------------------------------------
  // Expressions

  /**
   * Evaluates an expression: synchronously when it needs nothing asynchronous (the arithmetic
   * and variable reads that loops are made of), else through the async walker.
   */
  private eval(e: A.Expr, scope: Scope, f: Frame): Value | Promise<Value> {
    const v = e.type === 'Call' ? this.fastCall(e, scope, f, true) : this.fast(e, scope, true, f);
    return v !== SLOW ? v : this.evalSlow(e, scope, f);
  }

  /**
   * `recv.name(args)` on a String, a List or a Map, its receiver and arguments all values the
   * fast path gives, without a closure: the built-in method is called here, without the async
   * walker. Only at the top (`top`: the whole expression, so that a method changing its list
   * runs once) or, inside a bigger expression, a method that changes nothing (any String
   * method, PURE_COLLECTION ones): falling back then re-runs nothing that shows. Anything else
   * (script objects, host objects, closures, Groovy's reflective names) is SLOW, for invoke().
   * At the top the result may be a Promise (a regex method); inside, SLOW.
   */
  private fastCall(e: A.CallExpr, scope: Scope, f: Frame | undefined, top: boolean): Value | Promise<Value> | typeof SLOW {
    const callee = e.callee;
    if (f === undefined || callee.type !== 'Property' || callee.safe || callee.spread || e.safe || e.closure || e.namedArgs.length > 0 || e.assertText !== undefined) return SLOW;
    const name = callee.name;
    if (INVOKE_SPECIAL.has(name)) return SLOW;
    const obj = callee.object;
    if (obj.type === 'Ident' && (obj.name === 'super' || obj.name === 'this' || obj.name === 'steps')) return SLOW;
    // a receiver the fast path gives is a variable's value (never a class name: className() is null)
    const recv = this.fast(obj, scope, false, f);
    if (typeof recv !== 'string' && !Array.isArray(recv) && !(recv instanceof Map)) return SLOW;
    if (!top && typeof recv !== 'string' && !PURE_COLLECTION.has(name)) return SLOW;
    // a regex method inside an expression would run its scan (on a regex worker, maybe for
    // seconds) here and again on the async path: it goes to the async path at once
    if (!top && typeof recv === 'string' && REGEX_STRING_METHODS.has(name)) return SLOW;
    if ((name === 'join' || name === 'toString') && holdsScriptObject(recv, 0)) return SLOW; // their own toString() (ownStrings)
    const m = this.builtinMethod(recv, name);
    if (m === undefined) return SLOW;
    const n = e.args.length;
    const args: Value[] = new Array<Value>(n);
    for (let i = 0; i < n; i++) {
      const a = e.args[i]!;
      if (a.type === 'Spread') return SLOW;
      const v = this.fast(a, scope, false, f);
      if (v === SLOW || isClosure(v) || v instanceof ScriptInstance || isHostObject(v)) return SLOW;
      args[i] = v;
    }
    const r = m(recv as never, args, this.methodEnv(f, callee.nameLoc));
    if (r instanceof Promise && !top) {
      r.catch(() => undefined); // a method without side effects: the async path runs it again
      return SLOW;
    }
    return r;
  }

  /**
   * The synchronous evaluator: literals, variables found in scope or binding, operators on
   * them, map properties and list/map/string indexes. Returns SLOW, having changed nothing,
   * when any part needs the async path (a call, a host object, a global of the host).
   * Side effects (x = v, x += v, x++) are taken only at the top (`top`), after everything
   * else succeeded, so that falling back never runs them twice.
   */
  private fast(e: A.Expr, scope: Scope, top: boolean, f?: Frame): Value | typeof SLOW {
    switch (e.type) {
      case 'Number':
        return e.isInteger ? (e.exact === true ? integerLiteralOf(e) : e.value) : decimalLiteral(e);
      case 'String':
      case 'Boolean':
        return e.value;
      case 'Null':
        return null;
      case 'Ident': {
        const s = scope.find(e.name);
        if (s !== null) return s.vars!.get(e.name) ?? null;
        if (scope.delegated) return SLOW;
        if (scope.cls === null && this.binding.has(e.name)) return this.binding.get(e.name) ?? null;
        return SLOW;
      }
      case 'Call':
        return this.fastCall(e, scope, f, false) as Value | typeof SLOW; // not top: never a Promise
      case 'Binary': {
        const op = e.op;
        if (!FAST_OPS.has(op) && !(op === '<<' && top)) return SLOW;
        const l = this.fast(e.left, scope, false, f);
        if (l === SLOW) return SLOW;
        if (op === '&&' || op === '||' || op === '?:') {
          const lt = truth(l);
          if (op === '&&' && !lt) return false;
          if (op === '||' && lt) return true;
          if (op === '?:' && lt) return l;
          const r = this.fast(e.right, scope, false, f);
          return r === SLOW ? SLOW : op === '?:' ? r : truth(r);
        }
        const r = this.fast(e.right, scope, false, f);
        if (r === SLOW) return SLOW;
        // (NaN goes the long way: groovy-ops.ts relational and groovyEquals)
        if (typeof l === 'number' && typeof r === 'number' && l === l && r === r) {
          switch (op) {
            case '<': return l < r;
            case '<=': return l <= r;
            case '>': return l > r;
            case '>=': return l >= r;
            case '<=>': return l < r ? -1 : l > r ? 1 : 0;
            case '==': return l === r;
            case '!=': return l !== r;
          }
          return arithmetic(op, l, r, e.loc);
        }
        // Date + 1, date < other, objects of script classes: the async path
        if (isJavaObject(l) || l instanceof ScriptInstance || r instanceof ScriptInstance) return SLOW;
        // list << x at the top (the whole statement: it runs once); any other left side of << is the async path's
        if (op === '<<' && !Array.isArray(l)) return SLOW;
        switch (op) {
          case '==': return groovyEquals(l, r);
          case '!=': return !groovyEquals(l, r);
          case '<': case '<=': case '>': case '>=': return relational(op, l, r, e.loc);
          case '<=>': return Math.sign(groovyCompare(l, r, e.loc));
          default: return r instanceof PatternObject ? SLOW : arithmetic(op, l, r, e.loc); // a Pattern runs a regex: async
        }
      }
      case 'Unary': {
        if (e.op === '!' || e.op === '-') {
          const v = this.fast(e.operand, scope, false, f);
          if (v === SLOW) return SLOW;
          return e.op === '!' ? !truth(v) : negateOperand(e, v);
        }
        if (!top || e.operand.type !== 'Ident') return SLOW;
        const name = e.operand.name;
        const holder = scope.find(name);
        const vars = holder !== null ? holder.vars! : scope.cls === null && this.binding.has(name) ? this.binding : null;
        const cur = vars?.get(name);
        if (vars === null || typeof cur !== 'number') return SLOW;
        let nv = e.op === '++' ? cur + 1 : e.op === '--' ? cur - 1 : SLOW;
        if (nv === SLOW) return SLOW;
        if ((cur | 0) === cur) nv |= 0; // an Integer wraps at 32 bits
        else if (!Number.isInteger(cur)) return SLOW; // a Double: doubleOf decides its form (the async path)
        else if (!Number.isSafeInteger(nv) && Number.isInteger(cur)) nv = arithmetic('+', cur, e.op === '++' ? 1 : -1, e.loc) as number;
        vars.set(name, nv);
        return e.prefix ? nv : cur;
      }
      case 'Property': {
        if (e.safe || e.spread || e.name === 'class' || e.name === 'metaClass') return SLOW;
        const o = this.fast(e.object, scope, false, f);
        return o instanceof Map ? o.get(e.name) ?? null : SLOW;
      }
      case 'Index': {
        const o = this.fast(e.object, scope, false, f);
        if (o === SLOW || o === null) return SLOW;
        const i = this.fast(e.index, scope, false, f);
        if (i === SLOW) return SLOW;
        if (Array.isArray(o)) return listGetAt(o, i, e.loc);
        if (o instanceof Map) return mapGet(o, i);
        if (typeof o === 'string' && typeof i === 'number') return stringGetAt(o, i, e.loc);
        return SLOW;
      }
      case 'Ternary': {
        const t = this.fast(e.test, scope, false, f);
        if (t === SLOW) return SLOW;
        return this.fast(truth(t) ? e.consequent : e.alternate, scope, false, f);
      }
      case 'GString': {
        let out = e.parts[0] ?? '';
        for (let i = 0; i < e.exprs.length; i++) {
          const v = this.fast(e.exprs[i]!, scope, false, f);
          if (v === SLOW || v instanceof ScriptInstance || holdsScriptObject(v, 0)) return SLOW;
          out += formatValue(v) + (e.parts[i + 1] ?? '');
          if (out.length > MAX_STRING) throw tooLarge(`a string of ${out.length} characters`, e.loc);
        }
        return out;
      }
      case 'Assign': {
        if (!top || e.op === '?=' || e.op === '<<=') return SLOW;
        if (e.target.type === 'Index') return this.fastIndexAssign(e, e.target, scope, f);
        if (e.target.type !== 'Ident') return SLOW;
        const v = this.fast(e.value, scope, false, f);
        if (v === SLOW) return SLOW;
        const name = e.target.name;
        const holder = scope.find(name);
        if (holder === null && scope.delegated) return SLOW;
        if (e.op === '=') {
          if (holder !== null) holder.vars!.set(name, v);
          else if (scope.cls !== null) return SLOW;
          else this.binding.set(name, v);
          return v;
        }
        const vars = holder !== null ? holder.vars! : scope.cls === null && this.binding.has(name) ? this.binding : null;
        if (vars === null || !plainOperands(vars.get(name) ?? null, v)) return SLOW;
        const nv = arithmetic(e.op.slice(0, -1), vars.get(name) ?? null, v, e.loc);
        vars.set(name, nv);
        return nv;
      }
      default:
        return SLOW;
    }
  }

  /**
   * `m[k] = v`, `l[i] += v` at the top, on a Map or a List, every part a value the fast path
   * gives: as assignTo()/update() do it (for `=` the value first, then the target; for `op=`
   * the target, its current value, then the value), else SLOW having changed nothing.
   */
  private fastIndexAssign(e: A.AssignExpr, target: A.IndexExpr, scope: Scope, f: Frame | undefined): Value | typeof SLOW {
    if (e.op === '=') {
      const v = this.fast(e.value, scope, false, f);
      if (v === SLOW) return SLOW;
      const obj = this.fast(target.object, scope, false, f);
      if (!Array.isArray(obj) && !(obj instanceof Map)) return SLOW;
      const idx = this.fast(target.index, scope, false, f);
      if (idx === SLOW) return SLOW;
      if (Array.isArray(obj)) listPutAt(obj, idx, v, target.loc);
      else obj.set(mapKey(idx), v);
      return v;
    }
    const obj = this.fast(target.object, scope, false, f);
    if (!Array.isArray(obj) && !(obj instanceof Map)) return SLOW;
    const idx = this.fast(target.index, scope, false, f);
    if (idx === SLOW) return SLOW;
    const op = e.op.slice(0, -1);
    if (!FAST_OPS.has(op)) return SLOW;
    const cur = Array.isArray(obj) ? listGetAt(obj, idx, target.loc) : mapGet(obj, idx);
    const v = this.fast(e.value, scope, false, f);
    if (v === SLOW || !plainOperands(cur, v)) return SLOW;
    const nv = arithmetic(op, cur, v, e.loc);
    if (Array.isArray(obj)) listPutAt(obj, idx, nv, target.loc);
    else obj.set(mapKey(idx), nv);
    return nv;
  }

  private async evalSlow(e: A.Expr, scope: Scope, f: Frame): Promise<Value> {
    switch (e.type) {
      case 'String':
        return e.value;
      case 'Number':
        return e.isInteger ? (e.exact === true ? integerLiteralOf(e) : e.value) : decimalLiteral(e);
      case 'Boolean':
        return e.value;
      case 'Null':
        return null;
      case 'GString':
        return this.evalGString(e, scope, f);
      case 'Ident':
        return this.lookup(e.name, scope, f, e.loc);
      case 'List': {
        const out: GList = [];
        for (const x of e.items) {
          if (x.type === 'Spread') out.push(...await this.spreadArg(x, scope, f));
          else out.push(await this.eval(x, scope, f));
        }
        return out;
      }
      case 'MethodPointer':
        return this.methodPointer(e, scope, f);
      case 'Spread':
        throw scriptError('syntax', "the spread operator '*' belongs in a list or a call's arguments", e.loc);
      case 'Map': {
        const m: GMap = new Map();
        for (const en of e.entries) {
          const k = mapKey(en.key.type === 'String' ? en.key.value : await this.eval(en.key, scope, f));
          m.set(k, await this.eval(en.value, scope, f));
        }
        return m;
      }
      case 'Property':
        return this.evalProperty(e, scope, f);
      case 'Index':
        return this.evalIndex(e, scope, f);
      case 'Call':
        return this.evalCall(e, scope, f);
      case 'Closure':
        return this.makeClosure(e, scope, f);
      case 'Binary':
        return this.evalBinary(e, scope, f);
      case 'Unary':
        return this.evalUnary(e, scope, f);
      case 'Ternary':
        return truth(await this.eval(e.test, scope, f)) ? this.eval(e.consequent, scope, f) : this.eval(e.alternate, scope, f);
      case 'Assign':
        return this.evalAssign(e, scope, f);
      case 'Range':
        return makeRange(await this.eval(e.from, scope, f), await this.eval(e.to, scope, f), e.exclusive, e.loc);
      case 'Cast': {
        if (!isKnownType(e.typeName)) throw notSupported(`casting to ${e.typeName} (as ${e.typeName})`, e.loc, 'Kiln knows String, Integer, Long, Double, BigDecimal, Boolean, List, Set, Map');
        return e.java ? javaCast(await this.eval(e.expr, scope, f), e.typeName, e.loc) : castTo(await this.eval(e.expr, scope, f), e.typeName, e.loc);
      }
      case 'New':
        return this.evalNew(e, scope, f);
    }
  }

  /** `*x` in a list or arguments: the items of x (a list, range, ...); null spreads as [null], as in Groovy. */
  private async spreadArg(x: A.SpreadExpr, scope: Scope, f: Frame): Promise<GList> {
    const v = await this.eval(x.expr, scope, f);
    if (v === null) return [null];
    if (Array.isArray(v) || isRange(v)) return iterableToList(v, x.loc, 'the spread operator');
    throw scriptError('cast', `the spread operator '*' needs a list, got ${typeName(v)} ${formatValue(v)}`, x.loc, 'org.codehaus.groovy.runtime.typehandling.GroovyCastException');
  }

  /**
   * `obj.&name`: a closure calling obj.name(args...) when called. `this.&name` (or a bare
   * script) is the script's function or step of that name; the method is looked up when the
   * closure is called, as Groovy's MethodClosure does.
   */
  private async methodPointer(e: A.MethodPointerExpr, scope: Scope, f: Frame): Promise<Value> {
    const o = e.object;
    const onScript = o.type === 'Ident' && o.name === 'this' && scope.find('this') === null;
    // `Boolean.&parseBoolean`: a pointer to a class's static method (Groovy's MethodClosure on a Class)
    const cls = onScript ? null : this.className(o, scope);
    if (cls !== null) {
      const node: A.ClosureExpr = { type: 'Closure', explicitParams: true, body: [], loc: e.loc, params: [{ name: 'arg0', typeName: null, default: null, loc: e.loc }] };
      return {
        kind: 'closure', node, scope: null,
        native: (args, ctx) => this.guard(() => callStaticMethod(cls, e.name, flatArgs(callArgsOf(args)), this.methodEnv({ ctx, depth: f.depth, grace: false }, e.loc)), e.loc),
      };
    }
    const recv = onScript ? this.#self : await this.eval(o, scope, f);
    if (recv === null) throw nullPointer(`Cannot get the method pointer .&${e.name} of a null object`, e.loc);
    if (onScript && !this.functions.has(e.name) && !this.host.hasStep(e.name) && !BUILTINS.includes(e.name)) {
      throw scriptError('no-such-method', `No such method: ${e.name} for class: WorkflowScript (the method pointer this.&${e.name})`, e.nameLoc, 'groovy.lang.MissingMethodException');
    }
    const name = e.name;
    const fns = onScript ? this.functions.get(name) : undefined;
    const arity = fns && fns.length > 0 ? fns[0]!.params.length : 1;
    const node: A.ClosureExpr = {
      type: 'Closure', explicitParams: true, body: [], loc: e.loc,
      params: Array.from({ length: arity }, (_, i) => ({ name: `arg${i}`, typeName: null, default: null, loc: e.loc })),
    };
    return {
      kind: 'closure', node, scope: null,
      native: (args, ctx) => {
        const nf: Frame = { ctx, depth: f.depth, grace: false };
        const ca = callArgsOf(args);
        return this.guard(() => (recv === this.#self ? this.callScriptMethod(name, ca, nf, e.loc, false) : this.invoke(recv, name, ca, nf, e.nameLoc)), e.loc);
      },
    };
  }

  private makeClosure(e: A.ClosureExpr, scope: Scope, f: Frame): ClosureValue {
    const cs: ClosureScope = { scope, depth: f.depth, interp: this };
    return { kind: 'closure', node: e, scope: cs };
  }

  private async evalGString(e: A.GStringLit, scope: Scope, f: Frame): Promise<string | LazyGString> {
    for (const x of e.exprs) if (x.type === 'Closure' && isLazyPlaceholder(x)) return this.lazyGString(e, scope, f);
    let s = e.parts[0] ?? '';
    for (let i = 0; i < e.exprs.length; i++) {
      const x = e.exprs[i]!;
      const v = await this.eval(x, scope, f);
      s += (v instanceof ScriptInstance || v instanceof LazyGString || Array.isArray(v) || v instanceof Map ? await this.str(v, f, x.loc) : formatValue(v)) + (e.parts[i + 1] ?? '');
      if (s.length > MAX_STRING) throw tooLarge(`a string of ${s.length} characters`, e.loc);
    }
    return s;
  }

  /**
   * `"a ${-> x} b ${y}"`: the ordinary placeholders are evaluated now, the `${-> ...}` ones each
   * time the GString becomes a String (lazy-gstring.ts).
   */
  private async lazyGString(e: A.GStringLit, scope: Scope, f: Frame): Promise<LazyGString> {
    const items: (Value | ClosureValue)[] = [];
    const lazy: boolean[] = [];
    for (const x of e.exprs) {
      const isLazy = isLazyPlaceholder(x);
      lazy.push(isLazy);
      items.push(isLazy ? this.makeClosure(x as A.ClosureExpr, scope, f) : await this.eval(x, scope, f));
    }
    const join = (values: Value[]): string => {
      let s = e.parts[0] ?? '';
      for (let i = 0; i < values.length; i++) {
        s += formatValue(values[i] ?? null) + (e.parts[i + 1] ?? '');
        if (s.length > MAX_STRING) throw tooLarge(`a string of ${s.length} characters`, e.loc);
      }
      return s;
    };
    return new LazyGString({
      render: async () => {
        const values: Value[] = [];
        for (let i = 0; i < items.length; i++) {
          const v = lazy[i] ? await this.invokeClosure(items[i] as ClosureValue, [], f, e.exprs[i]!.loc) : items[i]!;
          values.push(v instanceof ScriptInstance || v instanceof LazyGString ? await this.str(v, f, e.exprs[i]!.loc) : v);
        }
        return join(values);
      },
      renderSync: () => {
        const values: Value[] = [];
        for (let i = 0; i < items.length; i++) {
          if (!lazy[i]) {
            values.push(items[i]!);
            continue;
          }
          const c = items[i] as ClosureValue;
          const body = c.node.body;
          const only = body.length === 1 && body[0]!.type === 'ExprStmt' ? body[0].expr : null;
          const v = only === null ? SLOW : this.fast(only, this.closureScope(c).scope, false);
          if (v === SLOW || v instanceof ScriptInstance) {
            throw notSupported('a lazy GString placeholder ${-> ...} that calls a method, here', c.node.loc, 'turn it into a String first with .toString(), or use it in echo or a step, where Kiln runs the closure');
          }
          values.push(v);
        }
        return join(values);
      },
    });
  }

  /** A name: local scopes, then the binding, then the host's globals. */
  private async lookup(name: string, scope: Scope, f: Frame, loc: Loc): Promise<Value> {
    const s = scope.find(name);
    if (s !== null) return s.vars!.get(name) ?? null;
    if (scope.delegated) {
      const d = await this.delegateProperty(name, scope, f, loc);
      if (d !== undefined) return d;
    }
    const cs = scope.cls;
    if (cs === null && this.binding.has(name)) return this.binding.get(name) ?? null;
    if (name === 'this') return cs === null ? this.#self : cs.self ?? cs.owner;
    const sc = this.#classes.get(name);
    if (sc !== undefined) return sc;
    if (cs !== null) return this.memberLookup(name, cs, f, loc);
    const imported = this.#imports.get(name);
    if (imported !== undefined) return new ClassObject(this.importedClass(imported, loc)); // a class used as a value: Groovy's Class object
    const g = await this.host.resolveGlobal(name, f.ctx, loc);
    if (g !== undefined) return g;
    if (name === 'steps') return this.#self;
    const cls = this.#imports.get(name) ?? resolveClass(name);
    if (cls !== undefined && cls !== null) return new ClassObject(cls); // a class used as a value: Groovy's Class object
    throw this.noSuchProperty(name, scope, loc);
  }

  /** A name inside `obj.with { }`: obj's property of that name (innermost delegate first), else undefined. */
  private async delegateProperty(name: string, scope: Scope, f: Frame, loc: Loc): Promise<Value | undefined> {
    for (let s: Scope | null = scope; s !== null; s = s.parent) {
      const d = s.delegate;
      if (d === undefined || d === null) continue;
      if (d instanceof Map) {
        if (d.has(name)) return d.get(name) ?? null;
        continue;
      }
      if (isHostObject(d) && d !== this.#self) {
        const v = await d.getProperty(name, f.ctx, loc);
        if (v !== undefined) return v;
      }
    }
    return undefined;
  }

  /** The delegate that answers `name(...)` inside `obj.with { }`, or undefined. */
  private delegateFor(name: string, scope: Scope): Value | undefined {
    for (let s: Scope | null = scope; s !== null; s = s.parent) {
      const d = s.delegate;
      if (d === undefined || d === null) continue;
      if (d instanceof Map ? isClosure(d.get(name)) || mapMethods.has(name) : d instanceof ScriptInstance ? d.cls.hasMethodNamed(name) : this.builtinMethod(d, name) !== undefined) return d;
    }
    return undefined;
  }

  private noSuchProperty(name: string, scope: Scope, loc: Loc): ScriptError {
    let hint = '';
    if (this.#root.vars?.has(name) && !scope.has(this.#root)) {
      hint = ` (${name} is declared with def at the top of the script, which a function does not see: drop the def to make it global, or pass it as an argument)`;
    } else if (this.functions.has(name)) {
      hint = ` (${name} is a function: call it as ${name}())`;
    }
    return scriptError('no-such-property', `No such property: ${name} for class: WorkflowScript${hint}`, loc, 'groovy.lang.MissingPropertyException');
  }

  /** `this.x` / `script.x`: the binding, then the host's globals. */
  async scriptProperty(name: string, ctx: DynamicContext, loc: Loc): Promise<Value | undefined> {
    if (this.binding.has(name)) return this.binding.get(name) ?? null;
    return this.host.resolveGlobal(name, ctx, loc);
  }

  /** A Java class named in the code (`Integer`, `java.lang.Math`, `new File(...)`), when `e` names one rather than a variable. */
  private className(e: A.Expr, scope: Scope): string | null {
    const root = rootIdent(e);
    if (root === null || scope.find(root) !== null || this.binding.has(root) || this.#classes.has(root)) return null;
    const name = dottedName(e);
    if (name === null) return null;
    if (e.type === 'Ident') {
      const imported = this.#imports.get(name);
      return imported !== undefined ? this.importedClass(imported, e.loc) : resolveClass(name);
    }
    // a qualified class name; not a member of one (hudson.model.Result.FAILURE: classes are capitalized)
    if (JAVA_ROOTS.has(root) && !/\.[A-Z][^.]*\./.test(name)) return name;
    return null;
  }

  private async evalProperty(e: A.PropertyExpr, scope: Scope, f: Frame): Promise<Value> {
    const self = scope.cls?.self;
    if (self && e.object.type === 'Ident' && e.object.name === 'this' && self.fields.has(e.name)) return self.fields.get(e.name) ?? null;
    const cls = this.className(e.object, scope);
    if (cls !== null) {
      if (e.name === 'class') return new ClassObject(cls);
      return getStaticField(cls, e.name, e.loc);
    }
    const root = e.object.type === 'Ident' ? e.object.name : null;
    if (root !== null && JAVA_ROOTS.has(root) && scope.find(root) === null && !this.binding.has(root)) {
      // the start of a qualified class name used as a value (java.lang.String), unless the host has such a global
      const g = await this.host.resolveGlobal(root, f.ctx, e.loc);
      if (g === undefined) throw this.noSuchProperty(root, scope, e.object.loc);
    }
    const obj = await this.eval(e.object, scope, f);
    if (obj === null) {
      if (e.safe) return null;
      throw nullPointer(`Cannot get property '${e.name}' on null object`, e.nameLoc);
    }
    if (e.spread) {
      const items = this.spreadItems(obj, e.loc);
      const out: GList = [];
      for (const x of items) out.push(x === null ? null : await this.getProperty(x, e.name, f, e.nameLoc));
      return out;
    }
    return this.getProperty(obj, e.name, f, e.nameLoc);
  }

  private spreadItems(obj: Value, loc: Loc): GList {
    if (Array.isArray(obj)) return obj;
    if (isRange(obj)) return rangeToList(obj);
    if (obj instanceof Map) return [...obj].map(([k, v]) => new EntryObject(k, v, obj));
    throw scriptError('spread', `the spread operator *. needs a list, got ${typeName(obj)}`, loc, 'groovy.lang.MissingMethodException');
  }

  /** obj.name */
  private async getProperty(obj: Value, name: string, f: Frame, loc: Loc): Promise<Value> {
    if (obj === null) throw nullPointer(`Cannot get property '${name}' on null object`, loc);
    if (obj instanceof Map) return obj.get(name) ?? null;
    if (obj instanceof ScriptInstance || obj instanceof ScriptClass) {
      if (name === 'class') return obj instanceof ScriptInstance ? obj.cls : obj;
      if (name !== 'metaClass') return this.objectProperty(obj, name, f, loc);
    }
    if (name === 'class') return obj === this.#self ? new ClassObject('WorkflowScript') : classOf(obj);
    if (name === 'metaClass') throw rejected(`staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods getMetaClass ${obj === this.#self ? 'java.lang.Object' : 'java.lang.Object'}`, loc);
    if (isHostObject(obj)) {
      const v = await obj.getProperty(name, f.ctx, loc);
      if (v !== undefined) return v;
      if (obj === this.#self) throw scriptError('no-such-property', `No such property: ${name} for class: WorkflowScript`, loc, 'groovy.lang.MissingPropertyException');
      if (obj.invokeMethod) {
        const r = obj.invokeMethod(`get${cap(name)}`, callArgsOf([]), f.ctx, loc);
        if (r !== undefined) return r;
      }
      throw scriptError('no-such-property', `No such property: ${name} for class: ${obj.typeName}`, loc, 'groovy.lang.MissingPropertyException');
    }
    if (isClosure(obj)) {
      if (name === 'maximumNumberOfParameters') return this.closureArity(obj);
      if (name === 'delegate') return closureDelegates.get(obj)?.delegate ?? null;
      if (name === 'resolveStrategy') return closureDelegates.get(obj)?.strategy ?? 0;
      throw notSupported(`the closure property .${name}`, loc, name === 'delegate' || name === 'resolveStrategy' || name === 'owner' ? 'closure delegates are not supported' : undefined);
    }
    if (isRange(obj) && (name === 'from' || name === 'to')) return obj[name];
    if (name === 'length' && Array.isArray(obj) && isJavaArray(obj)) return obj.length;
    // a Java bean getter: x.empty → x.isEmpty(), m.count → m.getCount()
    for (const getter of [`get${cap(name)}`, `is${cap(name)}`]) {
      const m = this.builtinMethod(obj, getter);
      if (m) return m(obj as never, [], this.methodEnv(f, loc));
    }
    if (Array.isArray(obj) || isRange(obj)) {
      const out: GList = [];
      for (const x of Array.isArray(obj) ? obj : rangeToList(obj)) out.push(x === null ? null : await this.getProperty(x, name, f, loc));
      return out;
    }
    throw scriptError('no-such-property', `No such property: ${name} for class: ${propertyClass(obj)}`, loc, 'groovy.lang.MissingPropertyException');
  }

  private async evalIndex(e: A.IndexExpr, scope: Scope, f: Frame): Promise<Value> {
    const obj = await this.eval(e.object, scope, f);
    const idx = await this.eval(e.index, scope, f);
    if (obj === null) {
      if (e.safe) return null;
      throw nullPointer(`Cannot invoke method getAt() on null object (indexing a null value with [${formatValue(idx)}])`, e.loc);
    }
    return this.getAt(obj, idx, f, e.loc);
  }

  private async getAt(obj: Value, idx: Value, f: Frame, loc: Loc): Promise<Value> {
    if (Array.isArray(obj)) return listGetAt(obj, idx, loc);
    if (obj instanceof Map) return mapGet(obj, idx);
    if (typeof obj === 'string') return stringGetAt(obj, idx, loc);
    if (isRange(obj)) return listGetAt(rangeToList(obj), idx, loc);
    if (obj instanceof MatcherObject) {
      if (typeof idx !== 'number') throw scriptError('index', 'a matcher index must be a number', loc);
      return obj.getAt(Math.trunc(idx));
    }
    if (isHostObject(obj)) {
      const v = await obj.getProperty(mapKey(idx), f.ctx, loc);
      if (v !== undefined) return v;
      throw scriptError('no-such-property', `No such property: ${mapKey(idx)} for class: ${obj.typeName}`, loc, 'groovy.lang.MissingPropertyException');
    }
    throw noSignature(obj, 'getAt', [idx], loc);
  }

  private async evalBinary(e: A.BinaryExpr, scope: Scope, f: Frame): Promise<Value> {
    const op = e.op;
    switch (op) {
      case '&&':
        return truth(await this.eval(e.left, scope, f)) ? truth(await this.eval(e.right, scope, f)) : false;
      case '||':
        return truth(await this.eval(e.left, scope, f)) ? true : truth(await this.eval(e.right, scope, f));
      case '?:': {
        const l = await this.eval(e.left, scope, f);
        return truth(l) ? l : this.eval(e.right, scope, f);
      }
      case 'instanceof':
      case '!instanceof': {
        const l = await this.eval(e.left, scope, f);
        const t = dottedName(e.right);
        if (t === null) throw scriptError('syntax', 'instanceof needs a class name on the right', e.right.loc);
        const r = l instanceof ErrorObject ? errorInstanceOf(l.error, t) : l instanceof ScriptInstance ? l.cls.isA(t) : instanceOf(l, t);
        return op === 'instanceof' ? r : !r;
      }
    }
    const l = await this.eval(e.left, scope, f);
    const r = await this.eval(e.right, scope, f);
    return this.binaryOp(op, l, r, f, op === '=~' || op === '==~' ? e.right.loc : e.loc);
  }

  private async binaryOp(op: string, l: Value, r: Value, f: Frame, loc: Loc): Promise<Value> {
    if (l instanceof ScriptInstance || r instanceof ScriptInstance) {
      const v = await this.objectOp(op, l, r, f, loc);
      if (v !== undefined) return v;
    }
    if (isJavaObject(l)) {
      // date + 1, date - other, date < other: the object's plus/minus/compareTo, as Groovy calls them
      const cmp = op === '<' || op === '<=' || op === '>' || op === '>=' || op === '<=>';
      const m = op === '+' ? 'plus' : cmp ? 'compareTo' : null;
      const v = m === null ? undefined : javaMethod(l, m, [r], loc);
      if (typeof v === 'number' && cmp) return op === '<' ? v < 0 : op === '<=' ? v <= 0 : op === '>' ? v > 0 : op === '>=' ? v >= 0 : v;
      if (v !== undefined) return v;
    }
    switch (op) {
      case '==': return groovyEquals(l, r);
      case '!=': return !groovyEquals(l, r);
      case '===': return l === r;
      case '!==': return l !== r;
      case '<': case '<=': case '>': case '>=': return relational(op, l, r, loc);
      case '<=>': return Math.sign(groovyCompare(l, r, loc));
      case 'in': return this.isCaseAsync(r, l, f, loc);
      case '!in': return !(await this.isCaseAsync(r, l, f, loc));
      case '=~': {
        if (l === null) throw nullPointer('Cannot match a null value with =~', loc);
        const re = regexArg(r) ?? formatValue(r);
        checkRegex(re, loc); // report a bad pattern here, where it is written
        return MatcherObject.create(formatValue(l), re, { loc, signal: f.ctx.signal, owner: f.ctx.owner });
      }
      case '==~': {
        if (l === null) return false;
        return matchesWhole(formatValue(l), regexArg(r) ?? formatValue(r), { loc, signal: f.ctx.signal, owner: f.ctx.owner });
      }
      case '-':
        if (typeof l === 'string' && r instanceof PatternObject) return removeFirst(l, r.pattern, { loc, signal: f.ctx.signal, owner: f.ctx.owner });
        if (isJavaObject(l)) return javaMethod(l, 'minus', [r], loc) ?? arithmetic(op, l, r, loc);
        return arithmetic(op, l, r, loc);
      case '<<':
        if (l instanceof StringBuilderObject) return l.append(r, loc);
        if (isHostObject(l) && l.invokeMethod) {
          const res = l.invokeMethod('leftShift', callArgsOf([r]), f.ctx, loc);
          if (res !== undefined) return res;
        }
        return arithmetic(op, l, r, loc);
      default:
        return arithmetic(op, l, r, loc);
    }
  }

  private async evalUnary(e: A.UnaryExpr, scope: Scope, f: Frame): Promise<Value> {
    switch (e.op) {
      case '!':
        return !truth(await this.eval(e.operand, scope, f));
      case '-':
        return negateOperand(e, await this.eval(e.operand, scope, f));
      case '+': {
        const v = await this.eval(e.operand, scope, f);
        if (typeof v !== 'number' && !isDecimal(v) && !(v instanceof DoubleValue)) throw noSignature(v, 'positive', [], e.loc);
        return v;
      }
      case '~': {
        const v = await this.eval(e.operand, scope, f);
        if (typeof v === 'string') {
          checkRegex(v, e.loc);
          return new PatternObject(v);
        }
        if (typeof v === 'number' && Number.isInteger(v)) return ~v;
        throw noSignature(v, 'bitwiseNegate', [], e.loc);
      }
      case '++':
      case '--': {
        const delta = e.op === '++' ? 1 : -1;
        let old: Value = null;
        const nv = await this.update(e.operand, scope, f, async (cur) => {
          old = cur;
          if (typeof cur === 'number' || isDecimal(cur) || cur instanceof LongValue || cur instanceof DoubleValue) return arithmetic('+', cur, delta, e.loc);
          if (typeof cur === 'string') return stringMethods.get(delta > 0 ? 'next' : 'previous')!(cur, [], this.methodEnv(f, e.loc));
          if (cur === null) throw nullPointer(`Cannot invoke method ${delta > 0 ? 'next' : 'previous'}() on null object`, e.loc);
          throw noSignature(cur, delta > 0 ? 'next' : 'previous', [], e.loc);
        });
        return e.prefix ? nv : old;
      }
    }
  }

  private async evalAssign(e: A.AssignExpr, scope: Scope, f: Frame): Promise<Value> {
    if (e.target.type === 'List') {
      if (e.op !== '=') throw scriptError('syntax', `${e.op} cannot assign to several variables at once`, e.loc);
      const v = await this.eval(e.value, scope, f);
      const l = v === null ? [] : Array.isArray(v) ? v : isRange(v) ? rangeToList(v) : null;
      if (l === null) throw scriptError('cast', `multiple assignment needs a list on the right, got ${typeName(v)}`, e.loc);
      for (let i = 0; i < e.target.items.length; i++) await this.assignTo(e.target.items[i]!, l[i] ?? null, scope, f);
      return v;
    }
    if (e.op === '=') {
      const v = await this.eval(e.value, scope, f);
      await this.assignTo(e.target, v, scope, f);
      return v;
    }
    const op = e.op.slice(0, -1);
    return this.update(e.target, scope, f, async (cur) => {
      if (op === '?') return truth(cur) ? cur : this.eval(e.value, scope, f);
      return this.binaryOp(op, cur, await this.eval(e.value, scope, f), f, e.loc);
    });
  }

  /** Read-modify-write of a target (x += 1, x++, m[k] <<= v), evaluating its object and index once. */
  private async update(target: A.Expr, scope: Scope, f: Frame, fn: (cur: Value) => Promise<Value>): Promise<Value> {
    switch (target.type) {
      case 'Ident': {
        const cur = await this.lookup(target.name, scope, f, target.loc);
        const nv = await fn(cur);
        this.setVar(target.name, nv, scope, target.loc);
        return nv;
      }
      case 'Property': {
        const obj = await this.eval(target.object, scope, f);
        if (obj === null) throw nullPointer(`Cannot get property '${target.name}' on null object`, target.nameLoc);
        const nv = await fn(await this.getProperty(obj, target.name, f, target.nameLoc));
        await this.setProperty(obj, target.name, nv, f, target.nameLoc);
        return nv;
      }
      case 'Index': {
        const obj = await this.eval(target.object, scope, f);
        const idx = await this.eval(target.index, scope, f);
        if (obj === null) throw nullPointer('Cannot invoke method getAt() on null object', target.loc);
        const nv = await fn(await this.getAt(obj, idx, f, target.loc));
        await this.putAt(obj, idx, nv, f, target.loc);
        return nv;
      }
      default:
        throw scriptError('syntax', 'this expression cannot be assigned to', target.loc);
    }
  }

  private setVar(name: string, v: Value, scope: Scope, loc: Loc | null = null): void {
    const s = scope.find(name);
    if (s !== null) s.vars!.set(name, v);
    else if (scope.delegated && this.setOnDelegate(name, v, scope)) return;
    else if (scope.cls !== null) throw missingProperty(name, scope.cls.owner.name, loc);
    else this.binding.set(name, v);
  }

  /** `name = v` inside `map.with { }` / `obj.with { }`: sets the map's entry (the innermost map delegate) or the object's field. */
  private setOnDelegate(name: string, v: Value, scope: Scope): boolean {
    for (let s: Scope | null = scope; s !== null; s = s.parent) {
      if (s.delegate instanceof Map) {
        s.delegate.set(name, v);
        return true;
      }
      if (s.delegate instanceof ScriptInstance && s.delegate.fields.has(name)) {
        s.delegate.fields.set(name, v);
        return true;
      }
    }
    return false;
  }

  private async assignTo(target: A.Expr, v: Value, scope: Scope, f: Frame): Promise<void> {
    switch (target.type) {
      case 'Ident':
        this.setVar(target.name, v, scope, target.loc);
        return;
      case 'Property': {
        const obj = await this.eval(target.object, scope, f);
        if (obj instanceof ScriptInstance && target.object.type === 'Ident' && target.object.name === 'this' && obj.fields.has(target.name)) {
          obj.fields.set(target.name, v); // this.x = v inside the class sets the field itself
          return;
        }
        if (obj === null) {
          if (target.safe) return;
          throw nullPointer(`Cannot set property '${target.name}' on null object`, target.nameLoc);
        }
        if (target.spread) {
          for (const x of this.spreadItems(obj, target.loc)) if (x !== null) await this.setProperty(x, target.name, v, f, target.nameLoc);
          return;
        }
        await this.setProperty(obj, target.name, v, f, target.nameLoc);
        return;
      }
      case 'Index': {
        const obj = await this.eval(target.object, scope, f);
        const idx = await this.eval(target.index, scope, f);
        if (obj === null) throw nullPointer(`Cannot invoke method putAt() on null object (setting [${formatValue(idx)}] of a null value)`, target.loc);
        await this.putAt(obj, idx, v, f, target.loc);
        return;
      }
      default:
        throw scriptError('syntax', 'this expression cannot be assigned to', target.loc);
    }
  }

  private async setProperty(obj: Value, name: string, v: Value, f: Frame, loc: Loc): Promise<void> {
    if (name === 'class' || name === 'metaClass') throw notSupported(`setting .${name}`, loc, 'reflection is not supported');
    if (obj instanceof Map) {
      obj.set(name, v);
      return;
    }
    if (obj instanceof ScriptInstance || obj instanceof ScriptClass) return this.setObjectProperty(obj, name, v, f, loc);
    if (isHostObject(obj)) {
      if (!obj.setProperty) throw scriptError('read-only', `Cannot set read-only property: ${name} for class: ${obj.typeName}`, loc, 'groovy.lang.ReadOnlyPropertyException');
      const ok = await obj.setProperty(name, v, f.ctx, loc);
      if (!ok) throw scriptError('read-only', `Cannot set read-only property: ${name} for class: ${obj.typeName}`, loc, 'groovy.lang.ReadOnlyPropertyException');
      return;
    }
    if (isClosure(obj) && (name === 'delegate' || name === 'resolveStrategy')) {
      // The builder pattern of shared libraries' vars (jenkins.io "Defining a more structured DSL"):
      // body.resolveStrategy = Closure.DELEGATE_FIRST; body.delegate = config; body()
      const d = closureDelegates.get(obj) ?? { delegate: null, strategy: 0 };
      if (name === 'delegate') d.delegate = v;
      else if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 4) d.strategy = v;
      else throw scriptError('illegal-argument', `resolveStrategy must be one of Closure.OWNER_FIRST, DELEGATE_FIRST, OWNER_ONLY, DELEGATE_ONLY, TO_SELF, got ${formatValue(v)}`, loc, 'java.lang.IllegalArgumentException');
      closureDelegates.set(obj, d);
      return;
    }
    throw scriptError('no-such-property', `No such property: ${name} for class: ${propertyClass(obj)}`, loc, 'groovy.lang.MissingPropertyException');
  }

  private async putAt(obj: Value, idx: Value, v: Value, f: Frame, loc: Loc): Promise<void> {
    if (Array.isArray(obj)) return listPutAt(obj, idx, v, loc);
    if (obj instanceof Map) {
      obj.set(mapKey(idx), v);
      return;
    }
    if (typeof obj === 'string') throw scriptError('immutable', `Cannot set [${formatValue(idx)}] of a String: strings cannot be changed (build a new one, e.g. with substring or +)`, loc, 'groovy.lang.MissingMethodException');
    if (isHostObject(obj)) return this.setProperty(obj, mapKey(idx), v, f, loc);
    throw noSignature(obj, 'putAt', [idx, v], loc);
  }

  private async evalNew(e: A.NewExpr, scope: Scope, f: Frame): Promise<Value> {
    let simple = simpleName(e.typeName.replace(/<.*>$/, ''));
    const args: Value[] = [];
    for (const a of e.args) args.push(await this.eval(a, scope, f));
    const sc = this.#classes.get(simple);
    if (sc !== undefined) {
      let named: GMap | null = null;
      if (e.namedArgs.length > 0) {
        named = new Map();
        for (const na of e.namedArgs) named.set(na.keyExpr ? mapKey(await this.eval(na.keyExpr, scope, f)) : na.name, await this.eval(na.value, scope, f));
      }
      return this.construct(sc, args, named, f, e.loc);
    }
    const imported = e.typeName.includes('.') ? null : this.#imports.get(simple) ?? null;
    if (imported !== null) simple = simpleName(this.importedClass(imported, e.loc));
    if (e.namedArgs.length > 0) throw notSupported(`new ${e.typeName}(name: value, ...)`, e.loc);
    const exc = CONSTRUCTIBLE_EXCEPTIONS.get(simple);
    if (exc !== undefined) {
      const [first = null, second = null] = args;
      let message: string | null = null;
      let cause: ErrorObject | null = null;
      if (first instanceof ErrorObject) {
        cause = first;
        message = first.toString();
      } else if (first !== null) {
        message = formatValue(first);
      }
      if (second instanceof ErrorObject) cause = second;
      return new ErrorObject(new GroovyException(exc, message ?? '', cause?.error, null));
    }
    const fqn = imported ?? resolveClass(e.typeName.includes('.') ? e.typeName.replace(/<.*>$/, '') : simple);
    if (fqn !== null && !constructedByInterpreter(fqn)) return construct(fqn, args, e.loc);
    switch (simple) {
      case 'String':
        return newString(args, e.loc);
      case 'ArrayList':
      case 'LinkedList':
      case 'HashSet':
      case 'LinkedHashSet':
      case 'TreeSet': {
        const src = args[0];
        const l: GList = Array.isArray(src) ? [...src] : isRange(src) ? rangeToList(src) : [];
        return simple.endsWith('Set') ? makeSet(l, setKindOf(simple)!, args.length > 0) : l;
      }
      case 'HashMap':
      case 'LinkedHashMap':
      case 'TreeMap':
      case 'ConcurrentHashMap': {
        const src = args[0];
        return src instanceof Map ? castTo(new Map(src), simple === 'TreeMap' ? 'TreeMap' : 'Map', e.loc) : new Map();
      }
      case 'StringBuilder':
      case 'StringBuffer':
        return new StringBuilderObject(simple, typeof args[0] === 'string' ? args[0] : '');
      case 'Object':
        throw notSupported('new Object()', e.loc);
    }
    throw scriptError('unresolved-class', `unable to resolve class ${e.typeName}`, e.loc, 'org.codehaus.groovy.control.MultipleCompilationErrorsException');
  }

  // -------------------------------------------------------------------------------------------
  // Calls

  private async evalArgs(e: A.CallExpr, scope: Scope, f: Frame): Promise<CallArgs> {
    const positional: Value[] = new Array<Value>(e.args.length);
    let named: GMap | null = null;
    if (e.args.some((a) => a.type === 'Spread')) {
      const all: Value[] = [];
      for (const a of e.args) {
        if (a.type === 'Spread') all.push(...await this.spreadArg(a, scope, f));
        else all.push(await this.eval(a, scope, f));
      }
      named = e.namedArgs.length === 0 ? null : new Map();
      for (const na of e.namedArgs) named!.set(na.keyExpr ? mapKey(await this.eval(na.keyExpr, scope, f)) : na.name, await this.eval(na.value, scope, f));
      return { positional: all, named, closure: e.closure ? this.makeClosure(e.closure, scope, f) : null };
    }
    if (e.namedArgs.length === 0) {
      for (let i = 0; i < e.args.length; i++) {
        const v = this.eval(e.args[i]!, scope, f);
        positional[i] = v instanceof Promise ? await v : v; // a value the fast path gave needs no await (and no microtask)
      }
    } else {
      named = new Map();
      const order = e.order.length === e.args.length + e.namedArgs.length
        ? e.order
        : [...e.args.map((_, index) => ({ kind: 'p' as const, index })), ...e.namedArgs.map((_, index) => ({ kind: 'n' as const, index }))];
      for (const o of order) {
        if (o.kind === 'p') positional[o.index] = await this.eval(e.args[o.index]!, scope, f);
        else {
          const na = e.namedArgs[o.index]!;
          const key = na.keyExpr ? mapKey(await this.eval(na.keyExpr, scope, f)) : na.name;
          named.set(key, await this.eval(na.value, scope, f));
        }
      }
    }
    return { positional, named, closure: e.closure ? this.makeClosure(e.closure, scope, f) : null };
  }

  private async evalCall(e: A.CallExpr, scope: Scope, f: Frame): Promise<Value> {
    const callee = e.callee;
    if (e.assertText !== undefined && callee.type === 'Ident' && callee.name === 'assert') return this.execAssert(e, scope, f);
    if (callee.type === 'Ident') {
      const name = callee.name;
      const holder = scope.find(name);
      if (holder !== null || (scope.cls === null && this.binding.has(name))) {
        const v = holder !== null ? holder.vars!.get(name) ?? null : this.binding.get(name) ?? null;
        const ca = await this.evalArgs(e, scope, f);
        return this.callValue(v, name, ca, f, e.loc);
      }
      if (name === 'getContext' && scope.cls === null && !this.functions.has(name) && e.args.length === 1 && e.namedArgs.length === 0 && !e.closure) {
        return this.getContext(e.args[0]!, scope, f, e.loc);
      }
      const ca = await this.evalArgs(e, scope, f);
      if (scope.delegated && (scope.cls !== null || !this.functions.has(name))) {
        const d = this.delegateFor(name, scope);
        if (d !== undefined) return this.invoke(d, name, ca, f, e.loc);
      }
      if (scope.cls !== null) return this.callInClass(name, ca, scope.cls, f, e.loc);
      return this.callScriptMethod(name, ca, f, e.loc, true);
    }
    if (callee.type === 'Property') {
      const obj = callee.object;
      // this.x(...), steps.x(...) (unless steps is a variable or a host object)
      if (obj.type === 'Ident' && obj.name === 'super' && scope.cls !== null) {
        return this.callSuper(callee.name, await this.evalArgs(e, scope, f), scope.cls, f, callee.nameLoc);
      }
      if (obj.type === 'Ident' && (obj.name === 'this' || obj.name === 'steps') && scope.cls === null && scope.find(obj.name) === null && !this.binding.has(obj.name)) {
        const g = obj.name === 'steps' ? await this.host.resolveGlobal('steps', f.ctx, obj.loc) : undefined;
        if (g === undefined) {
          const ca = await this.evalArgs(e, scope, f);
          // `steps.echo` is the step even where the script defines its own echo() (a wrapper calling steps.echo)
          if (obj.name === 'steps' && this.host.hasStep(callee.name)) return this.callStep(callee.name, ca, f, e.loc);
          return this.callScriptMethod(callee.name, ca, f, e.loc, false);
        }
      }
      const cls = this.className(obj, scope);
      if (cls !== null) {
        const ca = await this.evalArgs(e, scope, f);
        if (cls === 'java.util.regex.Pattern') return this.patternStatic(callee.name, flatArgs(ca), { loc: e.loc, signal: f.ctx.signal, owner: f.ctx.owner });
        return callStaticMethod(cls, callee.name, flatArgs(ca), this.methodEnv(f, e.loc));
      }
      const recv = await this.eval(obj, scope, f);
      if (recv === null && (e.safe || callee.safe)) return null;
      const ca = await this.evalArgs(e, scope, f);
      if (callee.spread) {
        if (recv === null) return null;
        const out: GList = [];
        for (const x of this.spreadItems(recv, callee.loc)) out.push(x === null ? null : await this.invoke(x, callee.name, ca, f, callee.nameLoc));
        return out;
      }
      return this.invoke(recv, callee.name, ca, f, callee.nameLoc);
    }
    // (expr)(args): a closure held in an expression
    const v = await this.eval(callee, scope, f);
    const ca = await this.evalArgs(e, scope, f);
    return this.callValue(v, 'call', ca, f, e.loc);
  }

  /**
   * `assert cond [: message]`, as Jenkins runs it (groovy-cps' AssertBlock): a false condition
   * fails with the statement's source text (Groovy's PowerAssertionError, printed
   * "Assertion failed:", without the values Groovy's compiler would draw under it), or with a
   * message, `message. Expression: <the statement>`.
   */
  private async execAssert(e: A.CallExpr, scope: Scope, f: Frame): Promise<Value> {
    if (truth(await this.eval(e.args[0]!, scope, f))) return null;
    const text = e.assertText!;
    if (e.args.length > 1) {
      const msg = await this.eval(e.args[1]!, scope, f);
      if (msg !== null && msg !== '') throw scriptError('assertion', `${formatValue(msg)}. Expression: ${text}`, e.loc, 'java.lang.AssertionError');
    }
    throw scriptError('assertion', `Assertion failed: \n\n${text}`, e.loc, 'org.codehaus.groovy.runtime.powerassert.PowerAssertionError');
  }

  /** Calling a value: a closure, or an object with a call() method. */
  private async callValue(v: Value, name: string, ca: CallArgs, f: Frame, loc: Loc): Promise<Value> {
    if (isClosure(v)) return this.invokeClosure(v, flatArgs(ca), f, loc);
    if (v === null) throw nullPointer(`Cannot invoke method call() on null object (${name} is null)`, loc);
    if (isHostObject(v) && v.invokeMethod) {
      const r = v.invokeMethod('call', ca, f.ctx, loc);
      if (r !== undefined) return r;
    }
    throw scriptError('no-such-method', `No signature of method: ${typeName(v)}.call() is applicable (${name} is a ${typeName(v)}, not a closure)`, loc, 'groovy.lang.MissingMethodException');
  }

  /** For ScriptObject.invokeMethod (a helper calling `script.sh(...)` on the `this` it was given). */
  invokeScriptMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc): Promise<Value> {
    return this.guard(() => this.callScriptMethod(name, args, { ctx, depth: 0, grace: false }, loc, false), loc);
  }

  /** A call of a name on the script: a function, a step, a builtin, a closure in the binding or the host's globals. */
  private async callScriptMethod(name: string, ca: CallArgs, f: Frame, loc: Loc, bare: boolean): Promise<Value> {
    const fns = this.functions.get(name);
    if (fns) return this.callFunction(name, fns, flatArgs(ca), f, loc);
    if (this.host.hasStep(name)) return this.callStep(name, ca, f, loc);
    switch (name) {
      case 'println':
      case 'print': {
        const all = flatArgs(ca);
        if (all.length > 1) throw noSignature(this.#self, name, all, loc);
        return this.echo(all.length === 0 ? '' : await this.str(all[0] ?? null, f, loc), f, loc);
      }
      case 'printf': {
        const all = flatArgs(ca);
        if (typeof all[0] !== 'string') throw noSignature(this.#self, name, all, loc);
        return this.echo(sprintf(all[0], all.length === 2 && Array.isArray(all[1]) ? all[1] : all.slice(1), loc), f, loc);
      }
      case 'sprintf': {
        const all = flatArgs(ca);
        if (typeof all[0] !== 'string') throw noSignature(this.#self, name, all, loc);
        // DefaultGroovyMethods.sprintf(self, format, Object arg) asks the one argument its class
        if (all.length === 2 && all[1] === null) throw scriptError('null', 'Cannot invoke "Object.getClass()" because "arg" is null', loc, 'java.lang.NullPointerException');
        return sprintf(all[0], all.length === 2 && Array.isArray(all[1]) ? all[1] : all.slice(1), loc);
      }
      case 'assert': {
        const all = flatArgs(ca);
        if (!truth(all[0] ?? null)) {
          const msg = all.length > 1 ? formatValue(all[1] ?? null) : `assert failed at line ${loc.start.line} (the condition is ${formatValue(all[0] ?? null)})`;
          throw scriptError('assertion', msg, loc, 'java.lang.AssertionError');
        }
        return null;
      }
      case 'evaluate': {
        // CpsScript.evaluate: the text runs as a script of its own (Script1.groovy, ...) with this binding, sandboxed as the rest
        const all = flatArgs(ca);
        const text = all.length === 1 && all[0] instanceof LazyGString ? await this.str(all[0], f, loc) : all[0];
        if (all.length !== 1 || typeof text !== 'string') throw noSignature(this.#self, name, all, loc);
        if (!this.host.evaluateText) throw notSupported('evaluate() (running code built at run time)', loc);
        return this.host.evaluateText(text, f.ctx, loc);
      }
      case 'getBinding':
      case 'getMetaClass':
      case 'getClass':
      case 'invokeMethod':
      case 'getProperty':
      case 'setProperty':
      case 'respondsTo':
      case 'hasProperty':
        throw notSupported(`${name}() (reflection)`, loc);
      case 'addShutdownHook':
        throw notSupported('addShutdownHook()', loc);
    }
    if (!bare && this.binding.has(name)) return this.callValue(this.binding.get(name) ?? null, name, ca, f, loc);
    const g = await this.host.resolveGlobal(name, f.ctx, loc);
    if (g !== undefined && g !== null && (isClosure(g) || isHostObject(g))) return this.callValue(g, name, ca, f, loc);
    const viaImport = await this.callStaticImport(name, flatArgs(ca), f, loc);
    if (viaImport !== undefined) return viaImport;
    const known = [...(this.host.stepNames?.() ?? []), ...this.functions.keys(), ...BUILTINS];
    const near = closest(name, known);
    throw scriptError('no-such-method', `No such DSL method '${name}' found among steps${near ? ` (did you mean '${near}'?)` : ''}`, loc, 'java.lang.NoSuchMethodError');
  }

  /** `getContext(hudson.FilePath)`: the class named by its written (dotted) name, or by the class value the argument evaluates to. */
  private async getContext(arg: A.Expr, scope: Scope, f: Frame, loc: Loc): Promise<Value> {
    const parts: string[] = [];
    let x: A.Expr = arg;
    while (x.type === 'Property') { parts.unshift(x.name); x = x.object; }
    let name: string | null = null;
    if (x.type === 'Ident' && scope.find(x.name) === null && !this.binding.has(x.name)) name = [x.name, ...parts].join('.');
    else {
      const v = await this.eval(arg, scope, f);
      if (v instanceof ClassObject) name = v.fqn;
      else throw scriptError('illegal-argument', `getContext expects a class (getContext(hudson.FilePath)), got ${typeName(v)}`, arg.loc, 'java.lang.IllegalArgumentException');
    }
    if (!this.host.getContext) throw notSupported(`getContext(${name})`, loc);
    return this.guard(async () => this.host.getContext!(name!, f.ctx, loc), loc);
  }

  private async echo(text: string, f: Frame, loc: Loc): Promise<Value> {
    if (!this.host.hasStep('echo')) throw scriptError('no-such-method', 'println needs the echo step, which this host does not have', loc, 'java.lang.NoSuchMethodError');
    await this.callStep('echo', { positional: [text], named: null, closure: null }, f, loc);
    return null;
  }

  private async callStep(name: string, ca: CallArgs, f: Frame, loc: Loc): Promise<Value> {
    if (needsStrings(ca)) ca = await this.objectArgsToStrings(ca, f, loc);
    // stage('x', body), node('l', body): a closure as the last argument is the step's body, as
    // Groovy makes a trailing closure the last argument
    const last = ca.positional.length > 0 ? ca.positional[ca.positional.length - 1] : undefined;
    if (ca.closure === null && isClosure(last)) ca = { positional: ca.positional.slice(0, -1), named: ca.named, closure: last };
    try {
      return (await this.host.callStep(name, ca, f.ctx, loc)) ?? null;
    } catch (err) {
      if (err instanceof StepFailure && err.loc === null) err.loc = loc;
      throw err;
    }
  }

  private depthCheck(from: number, loc: Loc): number {
    const depth = from + 1;
    if (depth > this.maxCallDepth) {
      throw scriptError('too-deep', `too deep: more than ${this.maxCallDepth} nested calls (infinite recursion?)`, loc, 'java.lang.StackOverflowError');
    }
    return depth;
  }

  private async callFunction(name: string, fns: A.FunctionDecl[], args: Value[], f: Frame, loc: Loc): Promise<Value> {
    let decl: A.FunctionDecl | undefined;
    let shaped = false;
    // by the argument count first; `def f(String... xs)`: the last parameter takes the remaining
    // arguments (none, or several); and Groovy picks the overload whose typed parameters take the
    // arguments (a String one takes no number)
    // arguments (a String one takes no number); of several that do, the nearest to the arguments' classes (overloads.ts)
    if (fns.length === 1) {
      const d = fns[0]!;
      if (fitsCount(d, args)) { shaped = true; if (typesTake(d, args)) decl = d; }
    } else {
      const takers: A.FunctionDecl[] = [];
      for (const d of fns) if (fitsCount(d, args)) { shaped = true; if (typesTake(d, args)) takers.push(d); }
      if (takers.length > 0) decl = pickOverload(takers, args, 'WorkflowScript', name, loc);
    }
    if (decl === undefined) for (const d of fns) if (isVarargs(d.params) && args.length >= d.params.length - 1) { shaped = true; if (typesTake(d, args)) { decl = d; break; } }
    if (!decl && shaped) {
      // Groovy's MissingMethodException, with the arguments' Java classes
      throw scriptError('no-such-method', `No signature of method: WorkflowScript.${name}() is applicable for argument types: (${args.map((a) => (a === null ? 'null' : javaTypeName(a))).join(', ')}) values: [${args.map((a) => (isClosure(a) ? 'Closure' : formatValue(a))).join(', ')}]`, loc, 'groovy.lang.MissingMethodException');
    }
    if (!decl) {
      const sigs = fns.map((d) => `${name}(${d.params.map((p) => p.name).join(', ')})`).join(' or ');
      throw scriptError('no-such-method', `No signature of method: WorkflowScript.${name}() is applicable for argument types: (${args.map((a) => typeName(a)).join(', ')}) values: [${args.map((a) => (isClosure(a) ? 'Closure' : formatValue(a))).join(', ')}] (the script defines ${sigs})`, loc, 'groovy.lang.MissingMethodException');
    }
    const depth = this.depthCheck(f.depth, loc);
    const p = this.tick(f, false);
    if (p) await p;
    const nf: Frame = { ctx: f.ctx, depth, grace: f.grace };
    const scope = new Scope(null);
    const bound = this.bindParams(decl.params, isVarargs(decl.params) ? varargs(decl.params, args) : args, scope, nf);
    if (bound) await bound;
    const r = await this.execList(decl.body.body, scope, nf);
    if (r instanceof ReturnSignal) return returnAs(r.value, decl.returnType, decl.loc);
    if (r instanceof Signal) throw scriptError('syntax', `${r.what} outside a loop or switch (in function ${name})`, decl.loc);
    return returnAs(r, decl.returnType, decl.loc);
  }

  private bindParams(params: A.Param[], args: Value[], scope: Scope, f: Frame): Promise<void> | undefined {
    let defaults = false;
    for (const p of params) if (p.default !== null) defaults = true;
    if (!defaults) {
      for (let i = 0; i < params.length; i++) scope.declare(params[i]!.name, coerceParam(args[i] ?? null, params[i]!));
      return undefined;
    }
    return this.bindWithDefaults(params, args, scope, f);
  }

  private async bindWithDefaults(params: A.Param[], args: Value[], scope: Scope, f: Frame): Promise<void> {
    // Groovy fills optional parameters from the left: with one argument missing, the last default is used.
    const required = params.filter((p) => p.default === null).length;
    let optionalToFill = args.length - required;
    let ai = 0;
    for (const p of params) {
      let v: Value;
      if (p.default === null || optionalToFill > 0) {
        if (p.default !== null) optionalToFill--;
        v = ai < args.length ? args[ai++] ?? null : p.default ? await this.eval(p.default, scope, f) : null;
      } else {
        v = await this.eval(p.default, scope, f);
      }
      scope.declare(p.name, coerceParam(v, p));
    }
  }

  /** A closure's scope; a closure value made elsewhere from a syntax node runs in the global scope. */
  private closureScope(c: ClosureValue): ClosureScope {
    const cs = c.scope as Partial<ClosureScope> | null | undefined;
    if (cs && cs.scope instanceof Scope) return { scope: cs.scope, depth: cs.depth ?? 0 };
    return { scope: this.#root, depth: 0 };
  }

  closureArity(c: ClosureValue): number {
    const curried = this.#curried.get(c) ?? 0;
    const n = c.node.explicitParams ? c.node.params.length : 1;
    return Math.max(0, n - curried);
  }

  /** Calls a closure; `delegate` (from with/tap) answers the names its body does not declare, before the script does. */
  private async invokeClosure(c: ClosureValue, args: Value[], f: Frame, loc: Loc, delegate?: Value): Promise<Value> {
    if (c.native) return (await c.native(args, f.ctx)) ?? null;
    const owner = (c.scope as Partial<ClosureScope> | null | undefined)?.interp;
    if (owner !== undefined && owner !== this && delegate === undefined) return owner.callClosure(c, args, f.ctx);
    if (delegate === undefined) delegate = delegateOf(c);
    const cs = this.closureScope(c);
    const depth = this.depthCheck(Math.max(f.depth, cs.depth), loc);
    const p = this.tick(f, false);
    if (p) await p;
    const nf: Frame = { ctx: f.ctx, depth, grace: f.grace };
    const node = c.node;
    const scope = new Scope(cs.scope);
    if (delegate !== undefined) {
      scope.delegate = delegate;
      scope.delegated = true;
    }
    if (!node.explicitParams) {
      if (args.length > 1) throw this.closureArgs(c, args, loc);
      scope.declare('it', args[0] ?? null);
    } else {
      let a = args;
      const params = node.params;
      // `{ String... xs -> }` gathers the arguments from its last parameter on, as a method's varargs
      if (isVarargs(params) && a.length >= params.length - 1) a = varargs(params, a);
      // Groovy spreads one list argument over several parameters: [[1, 2]].each { a, b -> }
      else if (params.length > 1 && a.length === 1 && Array.isArray(a[0])) a = a[0];
      if (a.length > params.length) throw this.closureArgs(c, args, loc);
      const bound = this.bindParams(params, a, scope, nf);
      if (bound) await bound;
    }
    const r = await this.execList(node.body, scope, nf);
    if (r instanceof ReturnSignal) return r.value;
    if (r instanceof Signal) {
      throw scriptError('syntax', `${r.what} is not allowed in a closure: each { } is not a loop (use a for loop, or return to go on with the next item)`, node.loc);
    }
    return r;
  }

  private closureArgs(c: ClosureValue, args: Value[], loc: Loc): ScriptError {
    const n = this.closureArity(c);
    return scriptError('no-such-method', `No signature of method: doCall() is applicable for argument types: (${args.map((a) => typeName(a)).join(', ')}): the closure at line ${c.node.loc.start.line} takes ${n} parameter${n === 1 ? '' : 's'}, it was called with ${args.length}`, loc, 'groovy.lang.MissingMethodException');
  }

  private methodEnv(f: Frame, loc: Loc): MethodEnv {
    return {
      loc,
      call: (c, args) => this.invokeClosure(c, args, f, loc),
      arity: (c) => this.closureArity(c),
      signal: f.ctx.signal,
      owner: f.ctx.owner,
    };
  }

  private builtinMethod(obj: Value, name: string): ((self: never, args: Value[], env: MethodEnv) => Value | Promise<Value>) | undefined {
    if (typeof obj === 'string') return stringMethods.get(name) as never;
    if (typeof obj === 'number') return numberMethods.get(name) as never;
    if (typeof obj === 'boolean') return booleanMethods.get(name) as never;
    if (Array.isArray(obj)) return listMethods.get(name) as never;
    if (obj instanceof Map) return mapMethods.get(name) as never;
    if (obj instanceof MatcherObject) return undefined;
    if (isRange(obj)) {
      if (name === 'size') return ((r: typeof obj) => rangeSize(r)) as never;
      if (name === 'toString') return ((r: typeof obj, a: Value[], env: MethodEnv) => (a.length === 0 ? rangeString(r) : (() => { throw noSignature(r, name, a, env.loc); })())) as never;
      if (name === 'getFrom') return ((r: typeof obj) => r.from) as never;
      if (name === 'getTo') return ((r: typeof obj) => r.to) as never;
      if (name === 'isEmpty') return ((r: typeof obj) => rangeSize(r) === 0) as never;
      if (name === 'contains') return ((r: typeof obj, a: Value[]) => isCase(r, a[0] ?? null, null)) as never;
      if (name === 'step') {
        // (1..10).step(3) is [1, 4, 7, 10]; with a closure, calls it with each of those
        return (async (r: typeof obj, a: Value[], env: MethodEnv) => {
          const by = a[0];
          if (typeof by !== 'number' || !Number.isInteger(by) || by === 0 || a.length > 2 || (a.length === 2 && !isClosure(a[1]))) throw noSignature(r, name, a, env.loc);
          const n = rangeSize(r);
          const out: GList = [];
          if (by > 0) for (let i = 0; i < n; i += by) out.push(rangeAt(r, i));
          else for (let i = n - 1; i >= 0; i += by) out.push(rangeAt(r, i));
          if (a.length === 2) {
            for (const x of out) await env.call(a[1] as ClosureValue, [x]);
            return null;
          }
          return out;
        }) as never;
      }
      if (name === 'each' || name === 'eachWithIndex') {
        // without building the list: (0..<n).each { } may run long, and can be aborted
        return (async (r: typeof obj, a: Value[], env: MethodEnv) => {
          const c = a[0];
          if (a.length !== 1 || !isClosure(c)) throw noSignature(r, name, a, env.loc);
          const n = rangeSize(r);
          for (let i = 0; i < n; i++) await env.call(c, name === 'each' ? [rangeAt(r, i)] : [rangeAt(r, i), i]);
          return r;
        }) as never;
      }
      const m = listMethods.get(name);
      return m ? (((r: typeof obj, a: Value[], env: MethodEnv) => m(rangeToList(r), a, env)) as never) : undefined;
    }
    return undefined;
  }

  /** recv.name(args) */
  private async invoke(recv: Value, name: string, ca: CallArgs, f: Frame, loc: Loc): Promise<Value> {
    // a lazy GString answers String's methods with its string of now (GString delegates to String)
    if (recv instanceof LazyGString && name !== 'getClass') recv = await recv.render();
    const args = flatArgs(ca);
    switch (name) {
      case 'getClass':
        if (args.length === 0) return recv === this.#self ? new ClassObject('WorkflowScript') : classOf(recv);
        break;
      case 'getMetaClass':
      case 'invokeMethod':
      case 'respondsTo':
      case 'hasProperty':
      case 'getMetaPropertyValues':
      case 'getProperties':
        // Groovy's reflective methods (DefaultGroovyMethods on any object): the sandbox refuses them
        throw rejected(`staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods ${name} java.lang.Object${args.map((a) => ' ' + javaTypeName(a)).join('')}`, loc);
      case 'execute':
        if (typeof recv === 'string' || Array.isArray(recv)) throw rejected(`staticMethod org.codehaus.groovy.runtime.ProcessGroovyMethods execute ${typeof recv === 'string' ? 'java.lang.String' : 'java.util.List'}${args.map((a) => ' ' + javaTypeName(a)).join('')}`, loc);
    }
    if (recv === null) {
      if (name === 'toString') return 'null';
      if (name === 'equals') return args[0] === null;
      throw nullPointer(`Cannot invoke method ${name}() on null object`, loc);
    }
    if (recv === this.#self) return this.callScriptMethod(name, ca, f, loc, false);
    if (recv instanceof ScriptInstance || recv instanceof ScriptClass) return this.invokeObject(recv, name, ca, f, loc, args);
    if (isHostObject(recv)) {
      if (recv instanceof PatternObject) return this.patternMethod(recv, name, args, f, loc);
      if (isJavaObject(recv)) {
        const r = javaMethod(recv, name, args, loc);
        if (r !== undefined) return r;
      }
      if (recv.invokeMethod) {
        const r = recv.invokeMethod(name, ca, f.ctx, loc, this.#calls);
        if (r !== undefined) return (await r) ?? null;
      }
      if (recv.entries && mapMethods.has(name)) {
        if (MAP_WRITERS.has(name)) {
          throw scriptError('read-only', `${recv.typeName}.${name}() cannot change ${recv.typeName}${recv.setProperty ? ' (set a value with obj.NAME = value)' : ''}`, loc, 'java.lang.UnsupportedOperationException');
        }
        const content = new Map(await recv.entries(f.ctx));
        return mapMethods.get(name)!(content, args, this.methodEnv(f, loc));
      }
      if (recv instanceof MatcherObject) {
        const m = listMethods.get(name);
        if (m) return m(recv.toList(), args, this.methodEnv(f, loc));
        if (name === 'getAt' && typeof args[0] === 'number') return recv.getAt(args[0]);
      }
      if (!(recv instanceof MatcherObject) && recv.items) {
        // An Iterable host object (a ChangeLogSet): Groovy's reading list methods over its items.
        const m = listMethods.get(name);
        if (m) return m(recv.items(), args, this.methodEnv(f, loc));
      }
      const prop = await recv.getProperty(name, f.ctx, loc);
      if (prop !== undefined && prop !== null && isClosure(prop)) return this.invokeClosure(prop, args, f, loc);
      return this.genericMethod(recv, name, args, f, loc);
    }
    if (isClosure(recv)) return this.closureMethod(recv, name, args, f, loc);
    // Groovy's join and toString call each element's toString(): a script object's own, too.
    if ((name === 'join' || name === 'toString' || name === 'toListString' || name === 'toMapString') && (Array.isArray(recv) || recv instanceof Map)) recv = await this.ownStrings(recv, f, loc, new Set());
    const m = this.builtinMethod(recv, name);
    if (m) return m(recv as never, args, this.methodEnv(f, loc));
    if (typeof recv === 'string' && STRING_AS_CHARS.has(name)) {
      const lm = listMethods.get(name);
      if (lm) {
        const r = await lm([...recv], args, this.methodEnv(f, loc));
        return name === 'each' || name === 'eachWithIndex' ? recv : r;
      }
    }
    if (recv instanceof Map && recv.has(name)) return this.callValue(recv.get(name) ?? null, name, ca, f, loc);
    return this.genericMethod(recv, name, args, f, loc);
  }

  /** Methods every object has. */
  private async genericMethod(recv: Value, name: string, args: Value[], f: Frame, loc: Loc): Promise<Value> {
    switch (name) {
      case 'toString':
        if (args.length === 0) return formatValue(recv);
        break;
      case 'hashCode':
        // Object.hashCode (whitelisted): the JVM's value-based hash
        if (args.length === 0 && recv !== null) return javaHashCode(recv);
        break;
      case 'equals':
        if (args.length === 1) return groovyEquals(recv, args[0] ?? null);
        break;
      case 'is':
        if (args.length === 1) return recv === args[0];
        break;
      case 'asBoolean':
        if (args.length === 0) return truth(recv);
        break;
      case 'isCase':
        if (args.length === 1) return this.isCaseAsync(recv, args[0] ?? null, f, loc);
        break;
      case 'inspect':
        if (args.length === 0) return formatValue(recv);
        break;
      // DefaultGroovyMethods.toListString(Collection) / toMapString(Map): what toString prints
      case 'toListString':
        if (args.length === 0 && Array.isArray(recv)) return formatValue(recv);
        break;
      case 'toMapString':
        if (args.length === 0 && recv instanceof Map) return formatValue(recv);
        break;
      case 'dump':
        // not on the whitelist (it prints an object's fields and identity hash): Jenkins refuses it
        if (args.length === 0) throw rejected('staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods dump java.lang.Object', loc);
        break;
      case 'asType':
        // the `as` operator is a checked cast the sandbox allows; the method asType is not whitelisted
        if (args.length === 1) {
          const self = Array.isArray(recv) || isRange(recv) ? 'java.util.Collection' : recv instanceof Map ? 'java.util.Map' : typeof recv === 'string' ? 'java.lang.String'
            : typeof recv === 'number' || isDecimal(recv) || recv instanceof LongValue || recv instanceof DoubleValue ? 'java.lang.Number' : isClosure(recv) ? 'groovy.lang.Closure' : 'java.lang.Object';
          throw rejected(`staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods asType ${self} java.lang.Class`, loc);
        }
        break;
      case 'with':
      case 'tap':
      case 'identity': {
        const c = args[args.length - 1];
        if (!isClosure(c) || args.length > (name === 'with' ? 2 : 1) || (args.length === 2 && typeof args[0] !== 'boolean')) break;
        const r = await this.invokeClosure(c, [recv], f, loc, recv);
        // with(true) { } returns the object, as tap does
        return name === 'tap' || args[0] === true ? recv : r;
      }
    }
    if (recv instanceof Map && name === 'stream' || Array.isArray(recv) && (name === 'stream' || name === 'iterator')) {
      throw notSupported(`.${name}() (Java streams and iterators)`, loc, 'use the Groovy list methods: each, collect, findAll, ...');
    }
    throw noSignature(recv, name, args, loc);
  }

  private async closureMethod(c: ClosureValue, name: string, args: Value[], f: Frame, loc: Loc): Promise<Value> {
    switch (name) {
      case 'call':
      case 'doCall':
        return this.invokeClosure(c, args, f, loc);
      case 'curry':
      case 'rcurry': {
        const bound = args;
        const right = name === 'rcurry';
        const curried: ClosureValue = {
          kind: 'closure',
          node: c.node,
          scope: c.scope,
          native: (more, ctx) => this.callClosure(c, right ? [...more, ...bound] : [...bound, ...more], ctx),
        };
        this.#curried.set(curried, (this.#curried.get(c) ?? 0) + bound.length);
        return curried;
      }
      case 'getMaximumNumberOfParameters':
        return this.closureArity(c);
      case 'memoize':
        return c;
      case 'setDelegate':
      case 'getDelegate':
      case 'setResolveStrategy':
      case 'rehydrate':
      case 'dehydrate':
        throw notSupported(`Closure.${name}() (closure delegates are not supported)`, loc);
    }
    return this.genericMethod(c, name, args, f, loc);
  }

  private async patternMethod(p: PatternObject, name: string, args: Value[], f: Frame, loc: Loc): Promise<Value> {
    const site: RegexSite = { loc, signal: f.ctx.signal, owner: f.ctx.owner };
    switch (name) {
      case 'matcher':
        if (args.length === 1) return MatcherObject.create(formatValue(args[0] ?? null), p.pattern, site);
        break;
      case 'pattern':
      case 'toString':
        return p.pattern;
      case 'split':
        if (typeof args[0] === 'string') return javaSplit(args[0], p.pattern, typeof args[1] === 'number' ? args[1] : 0, site);
        break;
      case 'isCase':
        return this.isCaseAsync(p, args[0] ?? null, f, loc);
      case 'asPredicate':
        throw notSupported('Pattern.asPredicate()', loc);
    }
    return this.genericMethod(p, name, args, f, loc);
  }

  // -------------------------------------------------------------------------------------------
  // Imports, classes and objects of the script (see classes.ts)

  private addImport(s: A.ImportStmt): void {
    if (s.isStatic) {
      const i = s.path.lastIndexOf('.');
      const cls = s.path.slice(0, i);
      if (s.star) this.#staticStars.push(cls);
      else this.#staticImports.set(s.alias ?? s.path.slice(i + 1), { cls, member: s.path.slice(i + 1) });
      return;
    }
    if (s.star) return; // a package: its classes are named in full where they are used, or are the interpreter's own
    this.#imports.set(s.alias ?? simpleName(s.path), s.path);
  }

  /**
   * The class an `import` names, where the script uses it: its qualified name for resolveClass's
   * callers, or Groovy's "unable to resolve class" when Jenkins would not have it on its class path
   * (a library's package: a shared library not loaded, a typo). Classes of the JDK, Groovy and
   * Jenkins itself are there; what the sandbox allows of them is java-classes.ts's business.
   */
  private importedClass(path: string, loc: Loc): string {
    if (this.#libraryClasses.has(path)) return path;
    if (!onClassPath(path)) throw unresolvedClass(path, loc);
    return path;
  }

  /** `max(1, 2)` after `import static java.lang.Math.max` (or `.*`); undefined when no import gives the name. */
  private async callStaticImport(name: string, args: Value[], f: Frame, loc: Loc): Promise<Value | undefined> {
    const imp = this.#staticImports.get(name);
    if (imp !== undefined) return callStaticMethod(this.importedClass(imp.cls, loc), imp.member, args, this.methodEnv(f, loc));
    for (const cls of this.#staticStars) {
      if (!onClassPath(cls)) continue;
      try {
        return await callStaticMethod(cls, name, args, this.methodEnv(f, loc));
      } catch (err) {
        // not a method of that class (or one the sandbox refuses): the next import, else "No such DSL method"
        if (!(err instanceof ScriptError) || (err.code !== 'rejected' && err.code !== 'not-supported')) throw err;
      }
    }
    return undefined;
  }

  /** Makes the script's classes known (by name, linked to their superclasses); returns them, superclasses first. */
  private defineClasses(decls: A.ClassDecl[]): ScriptClass[] {
    const fresh = decls.filter((d) => this.#classes.get(d.name)?.decl !== d);
    if (fresh.length === 0) return [];
    const classes = linkClasses(fresh, (msg, loc) => { throw scriptError('class', msg, loc, 'org.codehaus.groovy.control.MultipleCompilationErrorsException'); });
    for (const c of classes) {
      if (this.#classes.has(c.name)) {
        const lib = [...this.#libraryClasses].find((q) => q === c.name || q.endsWith(`.${c.name}`));
        const why = lib !== undefined ? ` (a shared library's class ${lib} has that name: rename one)` : '';
        throw scriptError('class', `Invalid duplicate class definition of class ${c.name}${why}`, c.decl.nameLoc, 'org.codehaus.groovy.control.MultipleCompilationErrorsException');
      }
    }
    for (const c of classes) {
      this.#classes.set(c.name, c);
      const st = new Scope((c.superclass?.scope as Scope | undefined) ?? null);
      st.vars = c.statics;
      c.scope = st;
      for (const fd of c.decl.fields) if (fd.isStatic || c.decl.kind === 'interface') c.statics.set(fd.name, typedDefault(fd.typeName));
      c.decl.constants.forEach((k, ordinal) => {
        const inst = new ScriptInstance(c, { name: k.name, ordinal });
        c.constants.push(inst);
        c.statics.set(k.name, inst);
      });
    }
    return classes;
  }

  /** Runs static initializers: enum constants' constructors, static fields' values, static blocks. */
  private async initClasses(classes: ScriptClass[], f: Frame): Promise<void> {
    for (const c of classes) {
      if (c.initialized) continue;
      c.initialized = true;
      for (let i = 0; i < c.constants.length; i++) {
        const k = c.decl.constants[i]!;
        const inst = c.constants[i]!;
        this.prefillFields(inst);
        const cs = new ClassScope(null, c);
        const args: Value[] = [];
        for (const a of k.args) args.push(await this.eval(a, cs, f));
        let named: GMap | null = null;
        if (k.namedArgs.length > 0) {
          named = new Map();
          for (const na of k.namedArgs) named.set(na.name, await this.eval(na.value, cs, f));
        }
        await this.initObject(inst, c, args, named, f, k.loc);
      }
      const cs = new ClassScope(null, c);
      for (const fd of c.decl.fields) {
        if ((fd.isStatic || c.decl.kind === 'interface') && fd.init !== null) c.statics.set(fd.name, coerceDeclared(await this.eval(fd.init, cs, f), fd.typeName, fd.loc));
      }
      for (const b of c.decl.initializers) {
        if (b.isStatic) await this.execList(b.body.body, new Scope(cs), f);
      }
    }
  }

  /** Every instance field of the object's class chain, at its default value (null, 0, false). */
  private prefillFields(inst: ScriptInstance): void {
    for (const c of inst.cls.chain()) {
      if (c.decl.kind === 'interface') continue;
      for (const fd of c.decl.fields) if (!fd.isStatic && !inst.fields.has(fd.name)) inst.fields.set(fd.name, typedDefault(fd.typeName));
    }
  }

  /** `new Foo(args)` of a script class. */
  private async construct(cls: ScriptClass, args: Value[], named: GMap | null, f: Frame, loc: Loc): Promise<ScriptInstance> {
    const k = cls.decl.kind;
    if (k === 'interface' || k === 'trait') throw scriptError('class', `You cannot create an instance from the abstract ${k} '${cls.name}'.`, loc, 'groovy.lang.GroovyRuntimeException');
    if (k === 'enum') throw scriptError('class', `Enum constructor calls are only allowed inside the enum class (new ${cls.name}(...))`, loc, 'groovy.lang.GroovyRuntimeException');
    const inst = new ScriptInstance(cls);
    this.prefillFields(inst);
    await this.initObject(inst, cls, args, named, f, loc);
    return inst;
  }

  /**
   * Runs the part of construction that belongs to `cls`: its constructor for these arguments
   * (whose first statement may be `super(...)` or `this(...)`), else the superclass's no-argument
   * construction; then `cls`'s field initializers and instance blocks; then the constructor's
   * body. Without a constructor for a single map of named arguments, Groovy's map constructor:
   * construct with no arguments, then set each property.
   */
  private async initObject(inst: ScriptInstance, cls: ScriptClass, args: Value[], named: GMap | null, f: Frame, loc: Loc): Promise<void> {
    const all = named !== null ? [named, ...args] : args;
    // of several constructors for this many arguments, the one Groovy picks by the arguments' classes
    const ctors = cls.constructorsFor(all.length);
    const takers = ctors.filter((c) => paramsTake(c.params, all));
    if (ctors.length > 0 && takers.length === 0) {
      throw scriptError('no-such-method', `Could not find matching constructor for: ${cls.name}(${all.map((a) => (a === null ? 'null' : javaTypeName(a))).join(', ')})`, loc, 'groovy.lang.GroovyRuntimeException');
    }
    const ctor = takers.length === 0 ? null : pickOverload(takers, all, cls.name, '<init>', loc);
    if (ctor === null) {
      const noArgs = cls.decl.constructors.length === 0 || cls.findConstructor(0) !== null;
      if (all.length === 0 && cls.decl.constructors.length === 0) {
        if (cls.superclass !== null) await this.initObject(inst, cls.superclass, [], null, f, loc);
        await this.initFields(inst, cls, f);
        return;
      }
      if (named !== null && args.length === 0 && noArgs) {
        await this.initObject(inst, cls, [], null, f, loc);
        for (const [k, v] of named) await this.setObjectProperty(inst, k, v, f, loc);
        return;
      }
      throw scriptError('no-such-method', `Could not find matching constructor for: ${cls.name}(${all.map((a) => typeName(a)).join(', ')})`, loc, 'groovy.lang.GroovyRuntimeException');
    }
    const depth = this.depthCheck(f.depth, loc);
    const nf: Frame = { ctx: f.ctx, depth, grace: f.grace };
    const scope = new Scope(new ClassScope(inst, cls));
    const bound = this.bindParams(ctor.params, all, scope, nf);
    if (bound) await bound;
    let body = ctor.body!.body;
    const first = body[0];
    const explicit = first !== undefined && first.type === 'ExprStmt' && first.expr.type === 'Call' && first.expr.callee.type === 'Ident' &&
      (first.expr.callee.name === 'super' || first.expr.callee.name === 'this') ? first.expr : null;
    if (explicit !== null) {
      const ca = await this.evalArgs(explicit, scope, nf);
      const cargs = ca.closure ? [...ca.positional, ca.closure] : ca.positional;
      if ((explicit.callee as A.Ident).name === 'this') {
        await this.initObject(inst, cls, cargs, ca.named, nf, explicit.loc);
      } else {
        if (cls.superclass !== null) await this.initObject(inst, cls.superclass, cargs, ca.named, nf, explicit.loc);
        else if (cargs.length > 0 || ca.named !== null) throw scriptError('no-such-method', `Could not find matching constructor for: ${cls.decl.superName ?? 'java.lang.Object'}(${flatArgs(ca).map((a) => typeName(a)).join(', ')})`, explicit.loc, 'groovy.lang.GroovyRuntimeException');
        await this.initFields(inst, cls, nf);
      }
      body = body.slice(1);
    } else {
      if (cls.superclass !== null) await this.initObject(inst, cls.superclass, [], null, nf, loc);
      await this.initFields(inst, cls, nf);
    }
    const r = await this.execList(body, scope, nf);
    if (r instanceof Signal && !(r instanceof ReturnSignal)) throw scriptError('syntax', `${r.what} outside a loop or switch (in the constructor of ${cls.name})`, ctor.loc);
  }

  private async initFields(inst: ScriptInstance, cls: ScriptClass, f: Frame): Promise<void> {
    const cs = new ClassScope(inst, cls);
    for (const fd of cls.decl.fields) {
      if (!fd.isStatic && fd.init !== null) inst.fields.set(fd.name, coerceDeclared(await this.eval(fd.init, cs, f), fd.typeName, fd.loc));
    }
    for (const b of cls.decl.initializers) {
      if (!b.isStatic) await this.execList(b.body.body, new Scope(cs), f);
    }
  }

  /** Runs a method of `owner` on `self` (null for a static method). */
  private async runMember(self: ScriptInstance | null, owner: ScriptClass, m: A.ClassMethod, args: Value[], f: Frame, loc: Loc): Promise<Value> {
    const depth = this.depthCheck(f.depth, loc);
    const p = this.tick(f, false);
    if (p) await p;
    const nf: Frame = { ctx: f.ctx, depth, grace: f.grace };
    const scope = new Scope(new ClassScope(m.isStatic ? null : self, owner));
    const bound = this.bindParams(m.params, varargs(m.params, args), scope, nf);
    if (bound) await bound;
    const r = await this.execList(m.body!.body, scope, nf);
    if (r instanceof ReturnSignal) return returnAs(r.value, m.returnType, m.loc);
    if (r instanceof Signal) throw scriptError('syntax', `${r.what} outside a loop or switch (in method ${owner.name}.${m.name})`, m.loc);
    return returnAs(r, m.returnType, m.loc);
  }

  /** A bare name inside a class member that is neither a local nor a field: a getter, else Groovy's MissingPropertyException. */
  private async memberLookup(name: string, cs: ClassScope, f: Frame, loc: Loc): Promise<Value> {
    if (name === 'super') return cs.self ?? cs.owner;
    const getter = (cs.self !== null ? cs.self.cls : cs.owner).findMethod(`get${cap(name)}`, 0, cs.self === null);
    if (getter !== null) return this.runMember(cs.self, getter.owner, getter.method, [], f, loc);
    const imported = this.#imports.get(name);
    const cls = imported !== undefined ? this.importedClass(imported, loc) : resolveClass(name);
    if (cls !== null) return new ClassObject(cls); // a class used as a value
    throw missingProperty(name, cs.owner.name, loc);
  }

  /** obj.name of an object or a class of the script. */
  private async objectProperty(obj: ScriptInstance | ScriptClass, name: string, f: Frame, loc: Loc): Promise<Value> {
    if (obj instanceof ScriptClass) {
      const h = obj.staticHolder(name);
      if (h !== null) return h.statics.get(name) ?? null;
      const getter = obj.findMethod(`get${cap(name)}`, 0, true);
      if (getter !== null) return this.runMember(null, getter.owner, getter.method, [], f, loc);
      if (name === 'name' || name === 'simpleName') return obj.name;
      throw missingProperty(name, obj.name, loc);
    }
    const getter = obj.cls.findMethod(`get${cap(name)}`, 0, false) ?? obj.cls.findMethod(`is${cap(name)}`, 0, false);
    if (getter !== null) return this.runMember(obj, getter.owner, getter.method, [], f, loc);
    if (obj.fields.has(name)) return obj.fields.get(name) ?? null;
    const h = obj.cls.staticHolder(name);
    if (h !== null) return h.statics.get(name) ?? null;
    if (obj.constant !== null && (name === 'name' || name === 'ordinal')) return obj.constant[name];
    throw missingProperty(name, obj.cls.name, loc);
  }

  /** obj.name = v of an object or a class of the script: its setter, else the field. */
  private async setObjectProperty(obj: ScriptInstance | ScriptClass, name: string, v: Value, f: Frame, loc: Loc): Promise<void> {
    const cls = obj instanceof ScriptClass ? obj : obj.cls;
    const setter = cls.findMethod(`set${cap(name)}`, 1, obj instanceof ScriptClass);
    if (setter !== null) {
      await this.runMember(obj instanceof ScriptInstance ? obj : null, setter.owner, setter.method, [v], f, loc);
      return;
    }
    if (obj instanceof ScriptInstance && obj.fields.has(name)) {
      obj.fields.set(name, v);
      return;
    }
    const h = cls.staticHolder(name);
    if (h !== null && !(obj instanceof ScriptInstance && obj.constant !== null && h === cls && cls.constants.some((c) => c.constant!.name === name))) {
      h.statics.set(name, v);
      return;
    }
    throw missingProperty(name, cls.name, loc);
  }

  /** A bare call `name(args)` inside a class member: a method of the class (dynamic dispatch), never a step. */
  private async callInClass(name: string, ca: CallArgs, cs: ClassScope, f: Frame, loc: Loc): Promise<Value> {
    const args = flatArgs(ca);
    if (name === 'super' || name === 'this') throw scriptError('syntax', `Constructor call must be the first statement in a constructor. (${name}(...))`, loc, 'org.codehaus.groovy.control.MultipleCompilationErrorsException');
    const cls = cs.self !== null ? cs.self.cls : cs.owner;
    const m = pickMethod(cls, name, args, cs.self === null, loc);
    if (m !== null) return this.runMember(cs.self, m.owner, m.method, args, f, loc);
    switch (name) {
      case 'assert':
      case 'sprintf':
        return this.callScriptMethod(name, ca, f, loc, true);
      case 'println':
      case 'print':
      case 'printf':
        // A class's println is Groovy's DefaultGroovyMethods one (System.out), not the script's
        // echo: Jenkins' sandbox refuses it (approved, it would print to the controller's own
        // log, never to the build's console). Kiln refuses it with the sandbox's signature.
        throw rejected(`staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods ${name} java.lang.Object${name === 'printf' ? ' java.lang.String java.lang.Object[]' : args.length > 0 ? ' java.lang.Object' : ''}`, loc);
    }
    // getClass(), getProperties(), ... bare in a member: on `this`, as `this.getClass()` is
    if (cs.self !== null) return INVOKE_SPECIAL.has(name) ? this.invoke(cs.self, name, ca, f, loc) : this.invokeObject(cs.self, name, ca, f, loc);
    throw noStaticSignature(cs.owner.name, name, args, loc);
  }

  /** super.name(args): the superclass's method, on the same object. */
  private async callSuper(name: string, ca: CallArgs, cs: ClassScope, f: Frame, loc: Loc): Promise<Value> {
    const args = flatArgs(ca);
    const sup = cs.owner.superclass;
    const m = sup ? pickMethod(sup, name, args, cs.self === null, loc) : null;
    if (m !== null) return this.runMember(cs.self, m.owner, m.method, args, f, loc);
    if (cs.self !== null) {
      if (name === 'toString' && args.length === 0) return ScriptInstance.prototype.toString.call(cs.self);
      if (name === 'equals' && args.length === 1) return cs.self === args[0];
      if (name === 'hashCode' && args.length === 0) return cs.self.hash;
    }
    throw scriptError('no-such-method', `No signature of method: ${cs.owner.decl.superName ?? 'java.lang.Object'}.${name}() is applicable for argument types: (${args.map((a) => typeName(a)).join(', ')})`, loc, 'groovy.lang.MissingMethodException');
  }

  /** obj.name(args) on an object or a class of the script. */
  private async invokeObject(recv: ScriptInstance | ScriptClass, name: string, ca: CallArgs, f: Frame, loc: Loc, flat?: Value[]): Promise<Value> {
    const args = flat ?? flatArgs(ca);
    if (recv instanceof ScriptClass) {
      const m = pickMethod(recv, name, args, true, loc);
      if (m !== null) return this.runMember(null, m.owner, m.method, args, f, loc);
      if (recv.isEnum) {
        if (name === 'values' && args.length === 0) return [...recv.constants];
        if (name === 'valueOf' && args.length === 1) {
          const c = recv.constants.find((k) => k.constant!.name === args[0]);
          if (c !== undefined) return c;
          throw scriptError('illegal-argument', `No enum constant ${recv.name}.${formatValue(args[0] ?? null)}`, loc, 'java.lang.IllegalArgumentException');
        }
      }
      if (name === 'getName' || name === 'getSimpleName') return recv.name;
      // Foo.new(args): how a class reached through a value is constructed (library('x').com.acme.Foo.new(this))
      if (name === 'new') return this.construct(recv, ca.positional, ca.named, f, loc);
      const h = recv.staticHolder(name);
      if (h !== null) return this.callValue(h.statics.get(name) ?? null, name, ca, f, loc);
      throw noStaticSignature(recv.name, name, args, loc);
    }
    const m = pickMethod(recv.cls, name, args, false, loc);
    if (m !== null) return this.runMember(recv, m.owner, m.method, args, f, loc);
    const k = recv.constant;
    if (k !== null) {
      if (name === 'name' && args.length === 0) return k.name;
      if (name === 'ordinal' && args.length === 0) return k.ordinal;
      if (name === 'compareTo' && args.length === 1) {
        const o = args[0];
        if (o instanceof ScriptInstance && o.cls === recv.cls) return k.ordinal - o.constant!.ordinal;
      }
      if (name === 'getDeclaringClass' && args.length === 0) return recv.cls;
    }
    switch (name) {
      case 'toString': if (args.length === 0) return recv.toString(); break;
      case 'equals': if (args.length === 1) return recv === args[0]; break;
      case 'hashCode': if (args.length === 0) return recv.hash; break;
      case 'is': if (args.length === 1) return recv === args[0]; break;
    }
    // the accessors Groovy generates for properties
    if (args.length === 0 && name.length > 3 && name.startsWith('get')) {
      const prop = uncap(name.slice(3));
      if (recv.fields.has(prop)) return recv.fields.get(prop) ?? null;
    }
    if (args.length === 0 && name.length > 2 && name.startsWith('is')) {
      const prop = uncap(name.slice(2));
      if (typeof recv.fields.get(prop) === 'boolean') return recv.fields.get(prop)!;
    }
    if (args.length === 1 && name.length > 3 && name.startsWith('set')) {
      const prop = uncap(name.slice(3));
      if (recv.fields.has(prop)) {
        recv.fields.set(prop, args[0] ?? null);
        return null;
      }
    }
    // a field holding a closure is called like a method
    const held = recv.fields.get(name);
    if (held !== undefined && isClosure(held)) return this.invokeClosure(held, args, f, loc);
    return this.genericMethod(recv, name, args, f, loc);
  }

  /** ==, <, + ... with an object of a script class: its equals / compareTo / toString; undefined = the usual rules. */
  private async objectOp(op: string, l: Value, r: Value, f: Frame, loc: Loc): Promise<Value | undefined> {
    switch (op) {
      case '==':
      case '!=': {
        if (l === r) return op === '==';
        if (l instanceof ScriptInstance && l.cls.findMethod('equals', 1, false) !== null && r !== null) {
          const eq = truth(await this.invokeObject(l, 'equals', callArgsOf([r]), f, loc));
          return op === '==' ? eq : !eq;
        }
        return op !== '==';
      }
      case '<': case '<=': case '>': case '>=': case '<=>': {
        if (!(l instanceof ScriptInstance)) return undefined;
        let c: Value;
        if (l.cls.findMethod('compareTo', 1, false) !== null) c = await this.invokeObject(l, 'compareTo', callArgsOf([r]), f, loc);
        else if (l.constant !== null && r instanceof ScriptInstance && r.cls === l.cls) c = l.constant.ordinal - r.constant!.ordinal;
        else throw scriptError('cast', `Cannot compare ${l.cls.name} with value '${await this.str(l, f, loc)}' and ${typeName(r)} with value '${await this.str(r, f, loc)}'`, loc, 'java.lang.IllegalArgumentException');
        const n = typeof c === 'number' ? c : 0;
        return op === '<' ? n < 0 : op === '<=' ? n <= 0 : op === '>' ? n > 0 : op === '>=' ? n >= 0 : Math.sign(n);
      }
      case '+':
        if (typeof l === 'string') return l + await this.str(r, f, loc);
        if (typeof r === 'string' && l instanceof ScriptInstance && l.cls.findMethod('plus', 1, false) === null) return await this.str(l, f, loc) + r;
        if (l instanceof ScriptInstance && l.cls.findMethod('plus', 1, false) !== null) return this.invokeObject(l, 'plus', callArgsOf([r]), f, loc);
        return undefined;
      case '-':
      case '*':
        if (l instanceof ScriptInstance) {
          const name = op === '-' ? 'minus' : 'multiply';
          if (l.cls.findMethod(name, 1, false) !== null) return this.invokeObject(l, name, callArgsOf([r]), f, loc);
        }
        return undefined;
    }
    return undefined;
  }

  /** How a value prints, with an object's own toString() (also inside lists and maps: `"${[obj]}"`). */
  private async str(v: Value, f: Frame, loc: Loc): Promise<string> {
    if (v instanceof LazyGString) return v.render();
    if (v instanceof ScriptInstance && v.cls.findMethod('toString', 0, false) !== null) return formatValue(await this.invokeObject(v, 'toString', callArgsOf([]), f, loc));
    if (Array.isArray(v) || v instanceof Map) return formatValue(await this.ownStrings(v, f, loc, new Set()));
    return formatValue(v);
  }

  /**
   * A list or map whose objects of script classes with their own toString() are that string
   * (copied only where one is), for the Java code Groovy prints collections with (toString,
   * join, a GString), which calls each element's toString(). Lists and maps print a String
   * element bare, so the copy prints as the objects would. A collection that holds itself is
   * left as it is where it recurs.
   */
  private async ownStrings(v: Value, f: Frame, loc: Loc, seen: Set<object>): Promise<Value> {
    if (v instanceof ScriptInstance) return v.cls.findMethod('toString', 0, false) !== null ? this.str(v, f, loc) : v;
    if (!(Array.isArray(v) || v instanceof Map) || seen.has(v)) return v;
    seen.add(v);
    try {
      if (Array.isArray(v)) {
        let out: Value[] | null = null;
        for (let i = 0; i < v.length; i++) {
          const x = await this.ownStrings(v[i] ?? null, f, loc, seen);
          if (x !== v[i] && out === null) out = v.slice(0, i);
          if (out !== null) out.push(x);
        }
        return out ?? v;
      }
      let changed = false;
      const entries: [string, Value][] = [];
      for (const [k, x] of v) {
        const x2 = await this.ownStrings(x, f, loc, seen);
        if (x2 !== x) changed = true;
        entries.push([k, x2]);
      }
      return changed ? new Map(entries) : v;
    } finally {
      seen.delete(v);
    }
  }

  /** A step given objects of script classes gets their strings (echo obj prints obj.toString()). */
  private async objectArgsToStrings(ca: CallArgs, f: Frame, loc: Loc): Promise<CallArgs> {
    const positional: Value[] = [];
    for (const a of ca.positional) positional.push(a instanceof ScriptInstance || a instanceof LazyGString ? await this.str(a, f, loc) : plainKeys(a, keyText));
    // maps keyed by numbers, booleans, lists...: a step reads its maps by name, and Jenkins coerces the keys to String
    let named = ca.named === null ? null : (plainKeys(ca.named, keyText) as GMap);
    if (named !== null && [...named.values()].some((a) => a instanceof LazyGString)) {
      named = new Map(named);
      for (const [k, a] of named) if (a instanceof LazyGString) named.set(k, await a.render());
    }
    return { positional, named, closure: ca.closure };
  }

  private async patternStatic(name: string, args: Value[], site: RegexSite): Promise<Value> {
    const loc = site.loc;
    switch (name) {
      case 'compile':
        if (typeof args[0] === 'string') {
          const java = typeof args[1] === 'number' ? withPatternFlags(args[0], args[1], loc) : args[0];
          checkRegex(java, loc);
          return new PatternObject(java);
        }
        break;
      case 'quote':
        if (typeof args[0] === 'string') return quotePattern(args[0]);
        break;
      case 'matches':
        if (typeof args[0] === 'string' && typeof args[1] === 'string') return matchesWhole(args[1], args[0], site);
        break;
    }
    throw notSupported(`Pattern.${name}()`, loc);
  }
}

function uncap(name: string): string {
  return name.length === 0 ? name : name[0]!.toLowerCase() + name.slice(1);
}

function missingProperty(name: string, cls: string, loc: Loc | null): ScriptError {
  return scriptError('no-such-property', `No such property: ${name} for class: ${cls}`, loc, 'groovy.lang.MissingPropertyException');
}

function noStaticSignature(cls: string, name: string, args: Value[], loc: Loc): ScriptError {
  const values = args.map((a) => (isClosure(a) ? 'Closure' : formatValue(a))).join(', ');
  return scriptError('no-such-method', `No signature of method: static ${cls}.${name}() is applicable for argument types: (${args.map((a) => typeName(a)).join(', ')}) values: [${values}]`, loc, 'groovy.lang.MissingMethodException');
}

/** Whether Jenkins has a class on its class path: the JDK's, Groovy's, Jenkins' own, or one Kiln knows (not a library's). */
function onClassPath(path: string): boolean {
  const root = path.slice(0, path.indexOf('.'));
  return root === 'java' || root === 'javax' || root === 'groovy' || root === 'hudson' || root === 'jenkins' || path.startsWith('org.jenkinsci.') || isKnownClass(path);
}

/** Jenkins' compile error for a class that is not on its class path (a shared library not loaded, a typo). */
function unresolvedClass(path: string, loc: Loc): ScriptError {
  return scriptError('unresolved-class', `unable to resolve class ${path}`, loc, 'org.codehaus.groovy.control.MultipleCompilationErrorsException');
}

/** The class a MissingPropertyException names: a built-in value's Java class (java.lang.String), a host object's own name. */
function propertyClass(obj: Value): string {
  return isHostObject(obj) && obj.javaClass === undefined ? obj.typeName : javaTypeName(obj);
}

/**
 * The method `name` of a script class for these arguments: findMethod's (cached, by count) when
 * one method takes that many arguments, else the overload Groovy picks by the arguments' classes.
 */
function pickMethod(cls: ScriptClass, name: string, args: Value[], staticOnly: boolean, loc: Loc): { method: A.ClassMethod; owner: ScriptClass } | null {
  const m = cls.findMethod(name, args.length, staticOnly);
  if (m === null) return null;
  const all = cls.methodsFor(name, args.length, staticOnly);
  // a method whose typed parameters do not take the arguments is not applicable: none left is
  // Groovy's MissingMethodException (`def t(int i)` called with 'a' or 1.5 or 1L)
  const takers = (all.length === 0 ? [m] : all).filter((c) => paramsTake(c.method.params, args));
  if (takers.length <= 1) return takers[0] ?? null;
  const picked = pickOverload(takers.map((c) => ({ params: c.method.params, c })), args, cls.name, name, loc);
  return picked.c;
}

function fitsCount(d: A.FunctionDecl, args: Value[]): boolean {
  if (args.length > d.params.length) return false;
  let required = 0;
  for (const p of d.params) if (p.default === null) required++;
  return args.length >= required;
}

/** Whether a function's typed parameters take the arguments, as Groovy's method selection decides (paramAccepts). */
function typesTake(d: A.FunctionDecl, args: Value[]): boolean {
  const n = isVarargs(d.params) ? d.params.length - 1 : d.params.length;
  for (let i = 0; i < n && i < args.length; i++) {
    const t = d.params[i]!.typeName;
    if (t !== null && !paramAccepts(t, args[i] ?? null)) return false;
  }
  return true;
}

/** A method whose last parameter is `T... xs` (or `T[] xs`) gets the extra arguments as one list. */
/** Whether the last parameter is `T... name` (or `T[] name`, which Groovy also calls with loose arguments). */
function isVarargs(params: readonly A.Param[]): boolean {
  const t = params[params.length - 1]?.typeName;
  return t !== undefined && t !== null && (t.endsWith('...') || t.endsWith('[]'));
}

function varargs(params: readonly A.Param[], args: Value[]): Value[] {
  const last = params[params.length - 1];
  if (last === undefined || last.typeName === null || !(last.typeName.endsWith('...') || last.typeName.endsWith('[]'))) return args;
  const n = params.length - 1;
  if (args.length === params.length && Array.isArray(args[n])) return args;
  return [...args.slice(0, n), javaArray(args.slice(n))];
}

/** Typed parameters convert like typed declarations (String s gets a string). */
/** What a function or method with a declared return type gives: `void` nothing, else the value cast as Groovy casts it (`double f() { 2 }` is 2.0). */
function returnAs(v: Value, type: string | undefined, loc: Loc): Value {
  if (type === undefined) return v;
  if (type === 'void') return null;
  return coerceDeclared(v, type, loc);
}

function coerceParam(v: Value, p: A.Param): Value {
  if (p.typeName === null) return v;
  if (v === null) return null;
  try {
    return coerceDeclared(v, p.typeName, p.loc);
  } catch {
    return v;
  }
}

/**
 * Whether a list or map holds an object of a script class (nested too, 8 levels at most): its
 * string needs that object's own toString(), which only the async path can run.
 */
function holdsScriptObject(v: Value, depth: number): boolean {
  if (depth > 8) return false;
  if (Array.isArray(v)) {
    for (const x of v) if (x instanceof ScriptInstance || ((Array.isArray(x) || x instanceof Map) && holdsScriptObject(x, depth + 1))) return true;
  } else if (v instanceof Map) {
    for (const x of v.values()) if (x instanceof ScriptInstance || ((Array.isArray(x) || x instanceof Map) && holdsScriptObject(x, depth + 1))) return true;
  }
  return false;
}
