// Shared libraries at run time: what a build has loaded (LibrarySpace), its vars as global
// variables, its classes, its resources.
//
// Why: Jenkins' shared libraries (vars/ global variables, src/ classes, resources/) are how
// organisations write pipelines. Each build has one LibrarySpace (engine.ts makes it, and loads
// RunOptions.libraries into it before the script runs; the `library` step loads more).
//
// How:
// - A var (`vars/NAME.groovy`) is a script object of its own (VarObject): its own Interpreter
//   (its functions, its fields: top-level `def`s and `@Field`s, its `this`), made on first use.
//   `NAME(args)` calls its `call` function; `NAME.m(args)` its function m; `NAME.x` its field
//   x or getX(). Steps it calls go to the build with the caller's context (the DynamicContext
//   travels with the call: node, env, dir). Every interpreter of the build resolves names
//   through `host` (LibrarySpace.wrap): the vars first, then the build's globals.
// - src/ classes go into one class table shared by every interpreter of the build
//   (SharedClasses): a class is known by its simple name (conflicts are refused when the library
//   loads) and an `import` of its qualified name resolves.
// - A `pipeline { }` run inside a var (the organisation template) is handed to the engine
//   (runPipeline) with the model validated for it (lint.ts) and an evaluator scoped to the
//   closure, so its blocks see the var's variables (`config.name`).
// - A script read by the `load` step (steps/load.ts) runs through runLoaded: an interpreter of
//   its own sharing the Jenkinsfile's binding (LoadedBinding: but its @Fields), as Jenkins' load
//   shares the script's Binding. A `pipeline { }` at its top level is validated before it runs
//   (validateLoadedPipelines) and is the build's declarative pipeline, as a var's is.
//   `evaluate(text)` runs its text the same way (evaluateText), named Script1.groovy,
//   Script2.groovy... as GroovyShell names the scripts it evaluates.
// - Library code runs in the same interpreter as the Jenkinsfile: it reaches nothing but steps
//   and the build's globals, whoever configured the library (docs/libraries.md).
import type { Loc } from '../../core/build.ts';
import type { LibraryContent } from '../../core/libraries.ts';
import { StepFailure } from '../../core/errors.ts';
import { formatDiagnostic, PipelineError } from '../diagnostics.ts';
import type { DeclarativePipeline } from '../model/types.ts';
import { Interpreter, type ScriptEvaluator, type SharedClasses } from '../script/interpreter.ts';
import type { ScriptClass } from '../script/classes.ts';
import type * as A from '../syntax/ast.ts';
import type { CallArgs, DynamicContext, HostObject, ScriptHost, Value } from '../script/values.ts';
import { isClosure } from '../script/values.ts';
import type { StepRegistry } from '../steps/registry.ts';
import type { BuildScope } from '../steps/types.ts';
import { checkLibraryClasses, libraryLabel, parseLibrary, parseLoadedScript, type LibraryVar, type ParsedLibrary } from './parsed.ts';
import { checkVar, grabsInClasses, varNames } from './lint.ts';
import { validateLoadedPipelines } from '../model/validate.ts';

/** Runs a declarative pipeline defined in library code as the build's pipeline (the engine's). */
export type PipelineRunner = (model: DeclarativePipeline, ev: ScriptEvaluator, ctx: DynamicContext, loc: Loc) => Promise<void>;

/** The build scope key under which the engine keeps the build's LibrarySpace (for the library steps). */
export const LIBRARIES_KEY = 'pipeline.libraries';

/** The build's LibrarySpace, for the `library` and `libraryResource` steps; undefined when the engine has none. */
export function buildLibraries(scope: BuildScope): LibrarySpace | undefined {
  return scope.state<LibrarySpace | undefined>(LIBRARIES_KEY, () => undefined);
}

export interface LibrarySpaceOptions {
  registry: StepRegistry;
  runPipeline: PipelineRunner;
  /** Prints a line to the build's console in the given context. */
  log: (ctx: DynamicContext, line: string) => void;
  /** Told of each library once it is loaded. */
  loaded?: (lib: LibraryContent) => void;
}

export class LibrarySpace {
  readonly shared: SharedClasses = { classes: new Map<string, ScriptClass>(), qualified: new Set<string>(), imports: new Map<string, string>() };
  readonly #o: LibrarySpaceOptions;
  readonly #libs: ParsedLibrary[] = [];
  readonly #vars = new Map<string, VarObject>();
  #main: Interpreter | null = null;
  /** How many scripts evaluate() has run in this build (their names: Script1.groovy, ...). */
  #evaluated = 0;
  #base: ScriptHost | null = null;

  constructor(o: LibrarySpaceOptions) {
    this.#o = o;
  }

  /** The libraries loaded so far, in order. */
  loaded(): LibraryContent[] {
    return this.#libs.map((l) => l.content);
  }

  /** The host every interpreter of the build uses: `base` (the engine's) with the libraries' vars as globals. */
  wrap(base: ScriptHost): ScriptHost {
    this.#base = base;
    return this.#hostFor(base, null);
  }

  /** The Jenkinsfile's interpreter: library classes are defined with it. */
  setMain(interp: Interpreter): void {
    this.#main = interp;
  }

  #hostFor(base: ScriptHost, v: VarObject | null, loaded: LoadedPipelines | null = null): ScriptHost {
    const pipelineHere = () => (v !== null && v.pipelines.size > 0) || (loaded !== null && loaded.pipelines.size > 0);
    return {
      resolveGlobal: (name, ctx, loc) => this.#vars.get(name) ?? base.resolveGlobal(name, ctx, loc),
      hasStep: (name) => base.hasStep(name) || (name === 'pipeline' && pipelineHere()),
      // A library's var of a symbol's name is called, not thrown away.
      isSymbol: (name) => !this.#vars.has(name) && base.isSymbol?.(name) === true,
      stepNames: () => [...(base.stepNames?.() ?? []), ...this.#vars.keys()],
      callStep: async (name, args, ctx, loc) => {
        if (name === 'pipeline' && v !== null && !base.hasStep(name)) return v.runPipeline(args, ctx, loc);
        if (name === 'pipeline' && loaded !== null && loaded.pipelines.size > 0 && !base.hasStep(name)) return this.#runLoadedPipeline(loaded, args, ctx, loc);
        return base.callStep(name, args, ctx, loc);
      },
      ...(base.getContext ? { getContext: base.getContext.bind(base) } : {}),
      evaluateText: (text, ctx, loc) => this.evaluateText(text, ctx, loc),
    };
  }

  /**
   * Loads a library into the build: prints "Loading library NAME@VERSION (abc1234)", refuses a
   * library with errors (naming the file and position), defines its classes and makes its vars
   * known. A library of a name already loaded is not loaded again, whatever its version: as
   * Jenkins, "Only using first definition of library NAME". Returns the object the `library`
   * step returns.
   */
  async load(content: LibraryContent, ctx: DynamicContext): Promise<LibraryObject> {
    const prev = this.loadedObject(content.name, ctx);
    if (prev) return prev;
    const lib = parseLibrary(content);
    this.#o.log(ctx, `Loading library ${lib.label}${content.commit ? ` (${content.commit.slice(0, 7)})` : ''}`);
    const all = [...this.#libs, lib];
    const vars = varNames(all);
    const problems = [...lib.diagnostics, ...grabsInClasses(lib), ...checkLibraryClasses(all).filter((d) => d.library === lib.label)];
    for (const v of lib.vars.values()) problems.push(...checkVar(lib, v, this.#o.registry, vars).diagnostics);
    const errors = problems.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const lines = errors.slice(0, 10).map((d) => formatDiagnostic('', d));
      throw new StepFailure(`Library ${lib.label} has ${errors.length === 1 ? 'an error' : `${errors.length} errors`}:\n${lines.join('\n')}`);
    }
    this.#libs.push(lib);
    this.#o.loaded?.(content);
    const stmts: A.Stmt[] = [];
    for (const cf of lib.classFiles) {
      for (const c of cf.classes) this.shared.qualified.add(c.fqn);
      if (cf.script) stmts.push(...cf.script.body);
    }
    if (stmts.length > 0) {
      if (!this.#main) throw new Error('LibrarySpace: no main interpreter');
      await this.#main.defineLibraryClasses(stmts, ctx);
    }
    for (const v of lib.vars.values()) {
      if (this.#vars.has(v.name)) continue; // the first library loaded wins, as in Jenkins
      const check = checkVar(lib, v, this.#o.registry, vars);
      this.#vars.set(v.name, new VarObject(this, lib, v, check.pipelines));
    }
    return new LibraryObject(this, lib);
  }

  /** The object of a library of that name already loaded (saying that the first definition is used), or null. */
  loadedObject(name: string, ctx: DynamicContext): LibraryObject | null {
    const prev = this.#libs.find((l) => l.content.name === name);
    if (!prev) return null;
    this.#o.log(ctx, `Only using first definition of library ${name}`);
    return new LibraryObject(this, prev);
  }

  /** A resource of the loaded libraries (resources/PATH), searched in loading order; null when none has it. */
  async resource(path: string): Promise<{ data: Uint8Array; library: string } | null> {
    for (const l of this.#libs) {
      const data = await l.content.resource(path);
      if (data !== null) return { data, library: l.label };
    }
    return null;
  }

  /** Makes the interpreter of a var (on its first use). */
  newVarInterpreter(v: VarObject): Interpreter {
    if (!this.#base) throw new Error('LibrarySpace: not wrapped');
    return new Interpreter(this.#hostFor(this.#base, v), { file: v.v.file, shared: this.shared });
  }

  runPipeline(model: DeclarativePipeline, ev: ScriptEvaluator, ctx: DynamicContext, loc: Loc): Promise<void> {
    return this.#o.runPipeline(model, ev, ctx, loc);
  }

  /**
   * Runs a script the `load` step read (parsed by parseLoadedScript), as Jenkins' LoadStep does:
   * an Interpreter of its own (its functions, its `this`, its `@Field`s) with the Jenkinsfile's
   * binding (names assigned without `def` are shared both ways) and the build's classes and globals; its
   * top-level code runs now, and what it returns (`return this`: its script object, whose
   * methods and fields the caller uses) or its last value is the step's value.
   */
  runLoaded(script: A.Script, file: string, ctx: DynamicContext, loc: Loc | null = null): Promise<Value> {
    if (!this.#base || !this.#main) throw new Error('LibrarySpace: not wrapped');
    const binding = new LoadedBinding(fieldNames(script.body), this.#main.binding);
    // its imports are its own (over the build's: a library class's import resolves); its classes join the build's table
    const shared: SharedClasses = { classes: this.shared.classes, qualified: this.shared.qualified, imports: new OwnImports(this.shared.imports) };
    // A `pipeline { }` at its top level is the build's declarative pipeline (validated first, as the Jenkinsfile's is).
    const checked = validateLoadedPipelines(script, null, this.#o.registry, { vars: new Set(this.#vars.keys()), missing: false });
    const errors = checked.diagnostics.filter((d) => d.severity === 'error');
    if (errors.length > 0) {
      const lines = errors.slice(0, 10).map((d) => formatDiagnostic(file, d));
      throw new StepFailure(`org.codehaus.groovy.control.MultipleCompilationErrorsException: startup failed:\n${lines.join('\n')}`, { loc });
    }
    const loaded: LoadedPipelines = { pipelines: checked.pipelines, interp: null };
    const interp = new Interpreter(this.#hostFor(this.#base, null, loaded), { file, shared, binding });
    loaded.interp = interp;
    return interp.runScript(script.body, ctx);
  }

  /** `pipeline { ... }` at the top level of a loaded or evaluated script: the build's declarative pipeline. */
  async #runLoadedPipeline(loaded: LoadedPipelines, args: CallArgs, ctx: DynamicContext, loc: Loc): Promise<Value> {
    const model = loaded.pipelines.get(loc);
    const body = args.closure;
    if (!model || !body || !loaded.interp) throw new PipelineError('pipeline-not-at-top', 'pipeline block must be at the top-level of the script, not within another block.', loc);
    await this.runPipeline(model, loaded.interp.scopedTo(body), ctx, loc);
    return null;
  }

  /**
   * `evaluate(text)` (workflow-cps' CpsScript.evaluate → GroovyShell.evaluate): the text is a
   * script of its own named as GroovyShell names it (Script1.groovy, Script2.groovy, ... in the
   * build's order, so a replay after a restart names them alike), parsed so that its errors name
   * it and their positions are in the text, run as a loaded script is (the build's binding).
   */
  evaluateText(text: string, ctx: DynamicContext, loc: Loc): Promise<Value> {
    if (text.length > MAX_EVALUATED) throw new StepFailure(`evaluate: the script is ${text.length} characters; at most ${MAX_EVALUATED} can be evaluated`, { loc });
    const name = `Script${++this.#evaluated}.groovy`;
    const parsed = parseLoadedScript(name, text);
    if (!parsed.script) throw new StepFailure(`org.codehaus.groovy.control.MultipleCompilationErrorsException: startup failed:\n${parsed.errors.slice(0, 10).join('\n')}`, { loc });
    return this.runLoaded(parsed.script, name, ctx, loc);
  }
}

/** The pipelines of a loaded script (by the location of their `pipeline` call) and the interpreter that runs it. */
interface LoadedPipelines {
  pipelines: Map<Loc, DeclarativePipeline>;
  interp: Interpreter | null;
}

/** The longest text evaluate() parses (a script, not data: as the load step's limit). */
const MAX_EVALUATED = 4 * 1024 * 1024;

/** The names a script declares with `@Field` at its top level. */
function fieldNames(body: A.Stmt[]): Set<string> {
  const names = new Set<string>();
  for (let i = 0; i + 1 < body.length; i++) {
    const s = body[i]!;
    const next = body[i + 1]!;
    if (s.type === 'Annotation' && (s.name === 'Field' || s.name === 'groovy.transform.Field') && next.type === 'VarDecl') {
      for (const n of next.names) names.add(n.name);
    }
  }
  return names;
}

/** A loaded script's imports: its own `import`s, over the build's (read through, never written). */
class OwnImports extends Map<string, string> {
  readonly #base: Map<string, string>;

  constructor(base: Map<string, string>) {
    super();
    this.#base = base;
  }

  override get(name: string): string | undefined {
    return super.get(name) ?? this.#base.get(name);
  }

  override has(name: string): boolean {
    return super.has(name) || this.#base.has(name);
  }
}

/**
 * A loaded script's binding: its `@Field`s are its own (fields of its script object, which the
 * caller reads as `lib.name`), every other name is the Jenkinsfile's binding, read and written
 * through (Jenkins gives the loaded script the same Binding). Only get/has/set/delete are used.
 */
class LoadedBinding extends Map<string, Value> {
  readonly #fields: ReadonlySet<string>;
  readonly #shared: Map<string, Value>;

  constructor(fields: ReadonlySet<string>, shared: Map<string, Value>) {
    super();
    this.#fields = fields;
    this.#shared = shared;
  }

  override get(name: string): Value | undefined {
    return this.#fields.has(name) ? super.get(name) : this.#shared.get(name);
  }

  override has(name: string): boolean {
    return this.#fields.has(name) ? super.has(name) : this.#shared.has(name);
  }

  override set(name: string, v: Value): this {
    if (this.#fields.has(name)) super.set(name, v);
    else this.#shared.set(name, v);
    return this;
  }

  override delete(name: string): boolean {
    return this.#fields.has(name) ? super.delete(name) : this.#shared.delete(name);
  }
}

/** A library's global variable (vars/NAME.groovy) as the script sees it. */
export class VarObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName: string;
  readonly v: LibraryVar;
  readonly lib: ParsedLibrary;
  readonly pipelines: Map<Loc, DeclarativePipeline>;
  readonly #space: LibrarySpace;
  #interp: Interpreter | null = null;
  #ready: Promise<Interpreter> | null = null;

  constructor(space: LibrarySpace, lib: ParsedLibrary, v: LibraryVar, pipelines: Map<Loc, DeclarativePipeline>) {
    this.#space = space;
    this.lib = lib;
    this.v = v;
    this.typeName = v.name;
    this.pipelines = pipelines;
  }

  /** The var's interpreter, its functions defined and its fields set (once). */
  #init(ctx: DynamicContext): Promise<Interpreter> {
    this.#ready ??= (async () => {
      const interp = this.#space.newVarInterpreter(this);
      const body = this.v.script!.body;
      // its top-level `def`s are the object's fields (as @Field), its functions its methods;
      // other top-level statements are the script's run(), which Jenkins never calls for a var
      const defs: A.Stmt[] = [];
      for (let i = 0; i < body.length; i++) {
        const s = body[i]!;
        if (s.type === 'Function' || s.type === 'Import' || s.type === 'Class') defs.push(s);
        else if (s.type === 'VarDecl') defs.push({ type: 'Annotation', name: 'Field', args: [], namedArgs: [], loc: s.loc } as A.Stmt, s);
        else if (s.type === 'Annotation' && (s.name === 'Grab' || s.name === 'Grapes' || s.name === 'GrabResolver' || s.name === 'GrabConfig')) defs.push(s);
      }
      await interp.defineScript(defs.filter((s) => s.type !== 'VarDecl' && s.type !== 'Annotation'), ctx);
      await interp.runScript(defs.filter((s) => s.type === 'VarDecl' || s.type === 'Annotation'), ctx);
      this.#interp = interp;
      return interp;
    })();
    return this.#ready;
  }

  async getProperty(name: string, ctx: DynamicContext, loc: Loc): Promise<Value | undefined> {
    const interp = await this.#init(ctx);
    if (interp.binding.has(name)) return interp.binding.get(name) ?? null;
    const getter = `get${name.length > 0 ? name[0]!.toUpperCase() + name.slice(1) : name}`;
    if (interp.functions.has(getter)) return interp.invokeScriptMethod(getter, { positional: [], named: null, closure: null }, ctx, loc);
    return undefined;
  }

  async setProperty(name: string, value: Value, ctx: DynamicContext): Promise<boolean> {
    const interp = await this.#init(ctx);
    interp.binding.set(name, value);
    return true;
  }

  invokeMethod(name: string, args: CallArgs, ctx: DynamicContext, loc: Loc): Promise<Value> {
    return (async () => {
      const interp = await this.#init(ctx);
      if (!interp.functions.has(name) && !(interp.binding.has(name) && isClosure(interp.binding.get(name)))) {
        throw new PipelineError('no-such-method', `No signature of method: ${this.v.name}.${name}() is applicable: ${this.v.file} of library ${this.lib.label} defines no ${name}() method${name === 'call' ? ` (write def call(...) { ... } in ${this.v.file})` : ''}`, loc);
      }
      return interp.invokeScriptMethod(name, args, ctx, loc);
    })();
  }

  /** `pipeline { ... }` inside one of the var's functions: the build's declarative pipeline. */
  async runPipeline(args: CallArgs, ctx: DynamicContext, loc: Loc): Promise<Value> {
    const model = this.pipelines.get(loc);
    const body = args.closure;
    if (!model || !body || !this.#interp) throw new PipelineError('pipeline-not-at-top', 'pipeline block must be at the top-level of a function of the var, not within another block.', loc);
    await this.#space.runPipeline(model, this.#interp.scopedTo(body), ctx, loc);
    return null;
  }

  toString(): string {
    return `${this.v.name}@${this.lib.label}`;
  }
}

/**
 * What the `library` step returns: the library's classes by qualified name
 * (`library('x').com.acme.Foo.new(this)`, `lib.com.acme.Utils.staticMethod()`).
 */
export class LibraryObject implements HostObject {
  readonly kind = 'host' as const;
  readonly typeName = 'org.jenkinsci.plugins.workflow.libs.LibraryStep$LoadedClasses';
  readonly #space: LibrarySpace;
  readonly #lib: ParsedLibrary;
  readonly #prefix: string;

  constructor(space: LibrarySpace, lib: ParsedLibrary, prefix = '') {
    this.#space = space;
    this.#lib = lib;
    this.#prefix = prefix;
  }

  getProperty(name: string): Value | undefined {
    const path = this.#prefix ? `${this.#prefix}.${name}` : name;
    for (const cf of this.#lib.classFiles) {
      for (const c of cf.classes) {
        if (c.fqn === path) return this.#space.shared.classes.get(c.name) ?? undefined;
        if (c.fqn.startsWith(`${path}.`)) return new LibraryObject(this.#space, this.#lib, path);
      }
    }
    return undefined;
  }

  toString(): string {
    return this.#prefix ? `${this.#lib.label}:${this.#prefix}` : this.#lib.label;
  }
}

export { libraryLabel };
