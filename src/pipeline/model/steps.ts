// Step blocks and free Groovy code.
//
// A declarative `steps { }` (and a post condition, and the block of a block step such as
// `dir('x') { }`) may hold only step calls and `script { }`. Inside `script { }`, in
// `when { expression { } }`, in environment values and in scripted pipelines the code is free
// Groovy: there we check only that every bare-name call resolves to something (a step, a
// function or variable of the file, a known global), and step calls' shapes.
//
// Step calls are checked with the same rules the engine binds arguments with
// (../steps/bind.ts), so `kiln lint` and a run never disagree. As strict as Jenkins, no more:
// in free Groovy a parameter a step lacks is a warning (Jenkins runs the step and prints
// "WARNING: Unknown parameter(s) ..."), in a declarative steps block an error (its validator
// refuses it); docs/lint.md lists these.
import type { CallExpr, ClosureExpr, Expr, NamedArg, Stmt } from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import type { StepDecl } from '../../core/steps.ts';
import { checkCallShape, checkParamValue, isUnknownParameter, mapIsNamedArgs, stringCastProblem } from '../steps/bind.ts';
import { unknownParametersLine, unknownWrapperClass, wrapperClass } from '../steps/known-classes.ts';
import { BLOCKED_STEPS, Ctx, bareDollarCurly, bigIntegerConstant, blockedStepMessage, booleanString, describeStmt, staticValue, valueProblem } from './context.ts';
import { visit, type AnyNode } from './walk.ts';
import { closest, nearest } from '../../util/suggest.ts';
import { knownPluginNote } from '../steps/known-plugins.ts';

/**
 * Names a script can call or use without declaring them: what Jenkins binds into every script
 * (the plugins' globals, `docker` or `POD_LABEL`, come from the step registry).
 */
export const KNOWN_GLOBALS: ReadonlySet<string> = new Set([
  'env', 'params', 'currentBuild', 'scm', 'this', 'it', 'println', 'print', 'printf', 'sprintf',
  'binding', 'steps', 'manager', 'owner', 'delegate', 'super', 'getContext', 'assert', 'evaluate',
]);

/**
 * The Java classes `step([$class: 'X', ...])` may name: those whose Kiln step exists (the step's
 * implementation, ../steps/step.ts, maps each to it), besides the plugins' 'class' steps
 * (registry.buildStepClass). Any other is Jenkins' error.
 */
export const LEGACY_STEP_CLASSES: ReadonlySet<string> = new Set([
  'ArtifactArchiver', 'hudson.tasks.ArtifactArchiver', 'JUnitResultArchiver', 'hudson.tasks.junit.JUnitResultArchiver',
  'WsCleanup', 'hudson.plugins.ws_cleanup.WsCleanup', 'Fingerprinter', 'hudson.tasks.Fingerprinter',
]);

const CALLABLE_GLOBALS = ['println', 'print', 'printf', 'sprintf'];

/** Methods whose closure runs with the receiver as its delegate. */
const DELEGATING: ReadonlySet<string> = new Set(['with', 'tap', 'identity']);

// ---------------------------------------------------------------------------------------------
// One step call

/** A call's arguments as the engine will bind them (see bindStepArgs). */
interface EffectiveArgs {
  positional: Expr[];
  named: NamedArg[];
  body: ClosureExpr | null;
  /** stage(name, body): a closure given by name (or method pointer) as the last argument. */
  bodyRef: Expr | null;
}

function effectiveArgs(decl: StepDecl, call: CallExpr): EffectiveArgs {
  let positional = call.args;
  let named = call.namedArgs;
  const first = positional[0];
  // Groovy passes `f([k: v])` as one positional map; Jenkins treats it as named arguments.
  if (named.length === 0 && positional.length === 1 && first && first.type === 'Map' && first.entries.every((en) => en.key.type === 'String')) {
    const keys = first.entries.map((en) => (en.key as { value: string }).value);
    if (decl.anyNamed || mapIsNamedArgs(decl, keys)) {
      named = first.entries.map((en) => ({ name: (en.key as { value: string }).value, value: en.value, loc: en.loc }));
      positional = [];
    }
  }
  let body = call.closure;
  let bodyRef: Expr | null = null;
  const last = positional[positional.length - 1];
  if (!body && decl.block !== 'none' && last && last.type === 'Closure') {
    body = last;
    positional = positional.slice(0, -1);
  } else if (!body && decl.block !== 'none' && last && (last.type === 'Ident' || last.type === 'MethodPointer') && positional.length > (decl.positional ? 1 : 0)) {
    // Groovy's stage(name, body): a closure held in a variable, beyond the unnamed argument the step takes
    bodyRef = last;
    positional = positional.slice(0, -1);
  }
  return { positional, named, body, bodyRef };
}

/** Whether an expression may be a map at run time (so that `f(x)` may bind as named arguments). */
function mayBeMap(e: Expr): boolean {
  return !['String', 'GString', 'Number', 'Boolean', 'Null', 'List', 'Closure', 'Binary', 'Range', 'Unary'].includes(e.type);
}

/**
 * Checks a call of a known step or symbol: its shape (unnamed/named arguments, required
 * parameters, block) and the types of its literal arguments. Returns the block, if any.
 * `scripted`: the call is in free Groovy (a scripted pipeline, `script {}`), where Jenkins runs a
 * step given a parameter it lacks (structs' DescribableModel prints "WARNING: Unknown
 * parameter(s) found ..." and ignores it): a warning there; declarative validation refuses it.
 */
export function checkStepCall(ctx: Ctx, decl: StepDecl, call: CallExpr, nameLoc: Loc, scripted = false): EffectiveArgs {
  const eff = effectiveArgs(decl, call);
  const dynamicMap = eff.positional.length === 1 && eff.named.length === 0 && !decl.positional && mayBeMap(eff.positional[0]!);
  const shape = dynamicMap
    ? { positionalCount: 0, namedNames: [], hasClosure: eff.body !== null || eff.bodyRef !== null }
    : { positionalCount: eff.positional.length, namedNames: eff.named.map((a) => a.name), hasClosure: eff.body !== null || eff.bodyRef !== null };
  let problems = checkCallShape(decl, shape);
  if (dynamicMap) problems = problems.filter((p) => !p.includes('missing required parameter'));
  // `echo 'a', 'b'`: "takes one unnamed argument" says it all; the positional is not missing.
  if (eff.positional.length > 1 && decl.positional) problems = problems.filter((p) => !p.endsWith(`missing required parameter "${decl.positional}"`));
  // Declarative validation checks required parameters only when every named one is valid
  // (ModelValidatorImpl.validateDescribable): `timeout(tme: 5)` is one error, the invalid name.
  if (!scripted && problems.some(isUnknownParameter)) problems = problems.filter((p) => !p.includes('missing required parameter'));
  const seen = new Set<string>();
  for (const problem of problems) {
    const loc = locateProblem(problem, eff, nameLoc, seen);
    if (scripted && isUnknownParameter(problem)) ctx.warn('unknown-parameter', scriptedUnknown(problem, decl, shape.namedNames), loc);
    else ctx.error('step-arguments', inJenkinsWords(problem, decl), loc);
  }
  if (dynamicMap) return eff;
  const check = (name: string, value: Expr, unnamed: boolean) => {
    const p = decl.params.find((x) => x.name === name);
    if (!p) return;
    const v = staticValue(value, true);
    if (v === undefined) return;
    // declarative validation converts no Integer/Boolean literal to a String and no String/Boolean
    // literal to an int (ModelValidatorImpl.validateParameterType); in scripted code the run
    // converts a String to an int, but no number or boolean to a String (bind.ts stringCastProblem)
    const checked = checkParamValue(decl, p, v);
    const cast = checked === null && scripted ? stringCastProblem(decl, p, v) : null;
    if (cast !== null) {
      ctx.error('step-arguments', `${cast} (a run fails so: Jenkins converts no number or boolean to a String parameter)`, value.loc);
      return;
    }
    const problem = checked ?? (scripted ? null : valueProblem(decl.name, { name: p.name, type: p.type }, v, unnamed));
    const odd = problem ? null : booleanString(decl.name, p, v);
    if (odd) ctx.warn('boolean-string', odd, value.loc);
    if (!problem) return;
    // parallel's failFast is read by Jenkins' parser, which words it as for a stage's failFast;
    // a value of the wrong type is worded as Jenkins' validator words it (a list of allowed values keeps ours)
    const words = decl.name === 'parallel' && name === 'failFast' ? 'Expected a boolean with failFast'
      : p.values ? problem : valueProblem(decl.name, { name: p.name, type: p.type }, v, unnamed) ?? problem;
    ctx.error('step-arguments', words, value.loc);
  };
  if (eff.positional.length === 1 && decl.positional) check(decl.positional, eff.positional[0]!, true);
  for (const a of eff.named) check(a.name, a.value, false);
  if (decl.name === 'step' && eff.positional.length === 1) legacyStepClass(ctx, eff.positional[0]!);
  if (decl.name === 'wrap' && eff.positional.length === 1) legacyWrapperClass(ctx, eff.positional[0]!);
  return eff;
}

/** step([$class: 'X', ...]): X must be a class whose Kiln step exists. */
function legacyStepClass(ctx: Ctx, arg: Expr): void {
  if (arg.type !== 'Map') return;
  const en = arg.entries.find((x) => x.key.type === 'String' && x.key.value === '$class');
  if (!en || en.value.type !== 'String' || LEGACY_STEP_CLASSES.has(en.value.value) || ctx.registry.buildStepClass(en.value.value)?.block === 'none') return;
  ctx.error('step-arguments', `no known implementation of interface jenkins.tasks.SimpleBuildStep is named ${en.value.value}`, en.value.loc);
}

/** `wrap([$class: 'X', ...])`: X must be a build wrapper Kiln runs (known-classes.ts WRAPPER_CLASSES, or a plugin's 'class' step with a block). */
function legacyWrapperClass(ctx: Ctx, arg: Expr): void {
  if (arg.type !== 'Map') return;
  const en = arg.entries.find((x) => x.key.type === 'String' && x.key.value === '$class');
  if (!en || en.value.type !== 'String' || wrapperClass(en.value.value)) return;
  const d = ctx.registry.buildStepClass(en.value.value);
  if (d && d.block !== 'none') return;
  ctx.error('step-arguments', unknownWrapperClass(en.value.value), en.value.loc);
}

/**
 * A shape problem as Jenkins' declarative validator words it (ModelValidatorImpl): the run-time
 * wording of bind.ts names the step, the validator's does not, and always suggests the nearest
 * parameter name.
 */
function inJenkinsWords(problem: string, decl: StepDecl): string {
  const pre = `${decl.name}: `;
  if (problem === `${pre}cannot mix an unnamed argument with named ones`) return 'Cannot mix named and unnamed arguments';
  let m = /^: parameter "(.*)" is given twice$/.exec(problem.slice(decl.name.length));
  if (m) return `Duplicate named parameter '${m[1]}' found`;
  m = /^: missing required parameter "(.*)"$/.exec(problem.slice(decl.name.length));
  if (m) return `Missing required parameter: "${m[1]}"`;
  m = /^Invalid parameter "(.*)" for step /.exec(problem);
  if (m) {
    const guess = nearest(m[1]!, decl.params.map((p) => p.name));
    return guess ? `Invalid parameter "${m[1]}", did you mean "${guess}"?` : `Invalid parameter "${m[1]}": "${decl.name}" takes no parameters`;
  }
  return problem;
}

/** A parameter the step lacks, in scripted code: what Jenkins will print, and the nearest name. */
function scriptedUnknown(problem: string, decl: StepDecl, given: readonly string[]): string {
  const name = /^Invalid parameter "(.*?)" for step /.exec(problem)![1]!;
  const guess = nearest(name, decl.params.map((p) => p.name));
  const what = decl.kind === 'symbol' ? '' : 'step ';
  return `Unknown parameter "${name}" for ${what}${decl.name}${guess ? ` (did you mean "${guess}"?)` : ` (it takes: ${decl.params.map((p) => p.name).join(', ') || 'no parameters'})`}: `
    + `Jenkins ignores it and prints: ${unknownParametersLine(decl, [name], given)}`;
}

/**
 * An unknown step or function, in the words Jenkins fails the build with (and Kiln's run,
 * interpreter.ts); when the file asks for a shared library that was not given, a word about it.
 */
function unknownName(ctx: Ctx, name: string, candidates: Iterable<string>): string {
  if (ctx.missingLibraries) {
    const from = knownPluginNote(name);
    return `${name}: unknown step or library variable (is a shared library missing? see --library)${from ? `; ${from}` : ''}`;
  }
  return noSuchDslMethod(name, [...candidates, ...ctx.libraryVars]);
}

function noSuchDslMethod(name: string, candidates: Iterable<string>): string {
  const near = closest(name, candidates);
  const from = knownPluginNote(name);
  return `No such DSL method '${name}' found among steps${near !== null && near !== name && !from ? ` (did you mean '${near}'?)` : ''}${from ? `: ${from}` : ''}`;
}

function locateProblem(problem: string, eff: EffectiveArgs, nameLoc: Loc, seen: Set<string>): Loc {
  for (const a of eff.named) {
    if (problem.startsWith(`Invalid parameter "${a.name}"`)) return a.loc;
    if (problem.includes(`parameter "${a.name}" is given twice`)) {
      if (seen.has(a.name)) return a.loc;
      seen.add(a.name);
    }
  }
  for (const a of eff.named) if (problem.includes(`parameter "${a.name}" is given twice`)) return a.loc;
  if (problem.includes('unnamed argument') || problem.includes('only named arguments') || problem.includes('cannot mix')) {
    const p = problem.includes(', got ') && eff.positional.length > 1 ? eff.positional[1] : eff.positional[0];
    if (p) return p.loc;
  }
  if (problem.endsWith('does not take a block') && eff.body) return eff.body.loc;
  return nameLoc;
}

// ---------------------------------------------------------------------------------------------
// Free Groovy

/**
 * Checks free Groovy code (script blocks, scripted pipelines, expressions): every bare-name
 * call must be a step, a function or variable of the file, or a known global; step calls must
 * have a valid shape; `pipeline { }` cannot be nested. `declarative`: the code is a declarative
 * step's arguments (`withCredentials([usernamePassword(...)])` in `steps {}`), which Jenkins'
 * validator checks as strictly as the step (a parameter a symbol lacks is an error, not a warning).
 */
export function checkGroovy(ctx: Ctx, roots: readonly (Stmt | Expr)[], extraKnown?: ReadonlySet<string>, declarative = false): void {
  // Calls whose value is thrown away (a statement of their own), seen before the call (pre-order).
  const discarded = new Set<Expr>();
  visit(roots, (n): boolean | void => {
    if (n.type === 'ExprStmt' && n.expr.type === 'Call') discarded.add(n.expr);
    // obj.with { add(x) } / obj.tap { }: bare names inside may be obj's methods (its delegate),
    // which only the run knows; only the receiver is checked
    if (n.type === 'Call' && n.callee.type === 'Property' && DELEGATING.has(n.callee.name) && (n.closure || n.args.some((a) => a.type === 'Closure'))) {
      checkGroovy(ctx, [n.callee.object], extraKnown, declarative);
      return false;
    }
    if (n.type !== 'Call' || n.callee.type !== 'Ident') return;
    const name = n.callee.name;
    const nameLoc = n.callee.loc;
    if (name === 'pipeline' && n.closure && !ctx.functions.has(name)) {
      ctx.error('pipeline-not-at-top', 'pipeline block must be at the top-level, not within another block.', nameLoc);
      return false;
    }
    if (name === '$' && !ctx.functions.has(name)) {
      const bare = bareDollarCurly(ctx, n);
      if (bare) {
        ctx.error('bare-dollar-curly', bare, n.loc);
        return false;
      }
    }
    if (ctx.functions.has(name)) return;
    if (extraKnown?.has(name)) return;
    if (declarative && BLOCKED_STEPS.has(name) && !ctx.declared.has(name)) {
      // a declarative step's argument is validated call by call, as the step is (ModelValidatorImpl)
      ctx.error('blocked-step', blockedStepMessage(name), nameLoc);
      return false;
    }
    const decl = ctx.registry.step(name);
    if (decl && !ctx.declared.has(name)) {
      // A symbol (no step) as a statement of its own in free Groovy: Jenkins' DSL.invokeDescribable
      // makes an uninstantiated describable of it, checks nothing and never runs a block given to
      // it; the value is thrown away (`parameters { string(...) }` pasted into a scripted node).
      if (decl.kind === 'symbol' && !declarative && discarded.has(n)) {
        ctx.warn('symbol-statement', `${name}(...) is not a step: as a statement of its own it does nothing (Jenkins makes a value of it and throws it away${n.closure ? '; its block never runs' : ''}); its place is inside a step's arguments, such as properties([...])`, nameLoc);
        return false;
      }
      checkStepCall(ctx, decl, n, nameLoc, !declarative);
      return;
    }
    if (decl || ctx.declared.has(name) || ctx.registry.isGlobal(name) || ctx.libraryVars.has(name)) return;
    // `steps` is bound to the step DSL object, not a closure: CpsScript.invokeMethod finds nothing
    // callable by that name and hands the call to the DSL, which has no step called `steps`
    // (`steps { ... }` pasted into a script block fails the build at run time).
    if (KNOWN_GLOBALS.has(name) && name !== 'steps') return;
    ctx.error('unknown-function', unknownName(ctx, name, [...ctx.registry.stepNames(), ...ctx.functions, ...CALLABLE_GLOBALS]), nameLoc);
  });
}

// ---------------------------------------------------------------------------------------------
// Declarative step blocks

/** Where a steps block is: a stage's `steps {}`, a post condition, or a block step's body. */
export type StepsBlockKind = 'steps' | 'post' | 'block';

/** Validates a declarative steps block: step calls and `script { }` only. */
export function validateSteps(ctx: Ctx, body: readonly Stmt[], kind: StepsBlockKind): void {
  for (const stmt of body) validateStepStmt(ctx, stmt, kind, body.length);
}

function validateStepStmt(ctx: Ctx, stmt: Stmt, kind: StepsBlockKind, count: number): void {
  if (stmt.type !== 'ExprStmt') {
    ctx.error('expected-step', `Expected a step: ${describeStmt(stmt)} must be inside script { ... }`, stmt.loc);
    return;
  }
  const e = stmt.expr;
  if (e.type === 'Ident') {
    const d = ctx.registry.step(e.name);
    ctx.error('expected-step', d && d.kind !== 'symbol' ? `Expected a step: write ${e.name}() to call the "${e.name}" step` : 'Expected a step', e.loc);
    return;
  }
  if (e.type !== 'Call') {
    ctx.error('expected-step', `Expected a step: ${describeStmt(stmt)} must be inside script { ... }`, stmt.loc);
    return;
  }
  if (e.callee.type !== 'Ident') {
    ctx.error('object-method-call', 'Method calls on objects not allowed outside "script" blocks.', e.callee.loc);
    return;
  }
  const name = e.callee.name;
  const nameLoc = e.callee.loc;
  if (ctx.functions.has(name)) {
    // A function of the Jenkinsfile: free Groovy from here on.
    checkGroovy(ctx, [...e.args, ...e.namedArgs.map((a) => a.value), ...(e.closure ? [e.closure] : [])]);
    return;
  }
  if (name === 'properties' && !ctx.declared.has(name)) {
    // job properties belong in options/parameters/triggers: Jenkins blocks the step in every steps block
    ctx.error('blocked-step', 'Invalid step "properties" used - not allowed in this context - The properties step cannot be used in Declarative Pipelines', nameLoc);
    return;
  }
  const decl = ctx.registry.step(name);
  if (!decl) {
    if (ctx.declared.has(name) || ctx.libraryVars.has(name)) {
      // A closure held in a variable of the Jenkinsfile, or a shared library's global variable.
      checkGroovy(ctx, [...e.args, ...e.namedArgs.map((a) => a.value), ...(e.closure ? [e.closure] : [])]);
      return;
    }
    const candidates = ctx.registry.stepNames().filter((n) => !ctx.registry.step(n)?.scriptOnly || n === 'parallel');
    ctx.error('unknown-step', unknownName(ctx, name, [...candidates, ...ctx.functions]), nameLoc);
    return;
  }
  if (decl.kind === 'symbol') {
    ctx.error('not-a-step', `"${name}" is not a step: it describes an argument of another step (e.g. withCredentials([${name}(...)]))`, nameLoc);
    return;
  }
  if (name === 'stage') {
    ctx.error('blocked-step', 'Invalid step "stage" used - not allowed in this context - The stage step cannot be used in Declarative Pipelines', nameLoc);
    return;
  }
  if (name === 'parallel') {
    if (kind !== 'steps' || count !== 1) {
      ctx.error('blocked-step', "Invalid step \"parallel\" used - not allowed in this context - The parallel step can only be used as the only top-level step in a stage's step block", nameLoc);
      return;
    }
    const eff = checkStepCall(ctx, decl, e, nameLoc);
    for (const a of eff.named) {
      if (a.name === 'failFast') continue;
      if (a.value.type === 'Closure') validateSteps(ctx, a.value.body, 'block');
      else if (staticValue(a.value) !== undefined) ctx.error('step-arguments', 'Expected closure or failFast', a.value.loc);
      else checkGroovy(ctx, [a.value]);
    }
    checkGroovy(ctx, eff.positional);
    return;
  }
  if (decl.scriptOnly && name !== 'node') {
    ctx.error('blocked-step', `The "${name}" step cannot be used in a declarative steps block; wrap it in script { }`, nameLoc);
    return;
  }
  const eff = checkStepCall(ctx, decl, e, nameLoc);
  for (const a of [...eff.positional, ...eff.named.map((x) => x.value)]) bigIntegerConstant(ctx, a);
  checkGroovy(ctx, [...eff.positional, ...eff.named.map((a) => a.value)], undefined, true);
  if (!eff.body) return;
  if (name === 'script') checkGroovy(ctx, eff.body.body);
  else validateSteps(ctx, eff.body.body, 'block');
}

// ---------------------------------------------------------------------------------------------
// Which steps need a node

/**
 * The first call (in source order) of a step that needs a node (`needsNode`), looking into
 * block steps' bodies and script blocks but not into `node { }`, which provides one.
 */
export function firstNodeStep(ctx: Ctx, body: readonly Stmt[]): { name: string; loc: Loc } | null {
  let found: { name: string; loc: Loc } | null = null;
  // Only code that certainly runs here counts: statements, step arguments and the blocks and
  // closure arguments of steps (a script block, parallel's branches). A closure given to a function
  // of the script or of a library, or kept in a variable or a map, may run inside a node(...) of
  // its caller (`buildMatrix(specs) { sh '...' }` whose body is node(label) { callback() }), and
  // Jenkins has no compile-time check here: it is not followed.
  const scan = (roots: readonly AnyNode[]): void => visit(roots, (n) => {
    if (found) return false;
    if (n.type === 'Closure') return false;
    if (n.type !== 'Call' || n.callee.type !== 'Ident') return;
    const name = n.callee.name;
    if (ctx.functions.has(name) || ctx.declared.has(name)) return;
    if (name === 'node') return false;
    const decl = ctx.registry.step(name);
    if (decl?.needsNode) {
      found = { name, loc: n.callee.loc };
      return false;
    }
    if (decl) {
      const run: Stmt[][] = [];
      if (n.closure) run.push(n.closure.body);
      for (const a of [...n.args, ...n.namedArgs.map((x) => x.value)]) if (a.type === 'Closure') run.push(a.body);
      for (const b of run) if (!found) scan(b);
    }
    return;
  });
  scan(body);
  return found;
}

/**
 * Scripted pipelines: warns of steps that need a node, called where no `node { }` can provide one
 * (at the top level, or in the block of a step such as stage, timeout or podTemplate outside any node).
 * Closures kept in variables and function bodies are not followed: they may run inside a node.
 * Inside a step whose block gets its node its own way (`nodeInBlock`: podTemplate's
 * `node(POD_LABEL)`), the warning says that way.
 */
export function checkScriptedNodeSteps(ctx: Ctx, body: readonly Stmt[]): void {
  const todo: { s: Stmt; node: string }[] = body.map((s) => ({ s, node: 'node' }));
  while (todo.length > 0) {
    const { s, node } = todo.shift()!;
    const push = (xs: readonly Stmt[], how = node) => { for (const x of xs) todo.push({ s: x, node: how }); };
    switch (s.type) {
      case 'Block': push(s.body); break;
      case 'If': push([s.consequent, ...(s.alternate ? [s.alternate] : [])]); break;
      case 'Try': push([s.block, ...s.handlers.map((h) => h.body), ...(s.finalizer ? [s.finalizer] : [])]); break;
      case 'ExprStmt': {
        const e = s.expr;
        if (e.type !== 'Call' || e.callee.type !== 'Ident') break;
        const name = e.callee.name;
        if (name === 'node' || ctx.functions.has(name) || ctx.declared.has(name)) break;
        const decl = ctx.registry.step(name);
        if (!decl) break;
        if (decl.needsNode) {
          // A warning: scripted code may catch the failure and go on, as in Jenkins.
          ctx.warn('needs-node', `The "${name}" step needs a node and will fail here: wrap it in ${node} { ... }`, e.callee.loc);
        } else if (decl.block !== 'none' && e.closure) push(e.closure.body, decl.nodeInBlock ?? node);
        break;
      }
      default: break;
    }
  }
}
