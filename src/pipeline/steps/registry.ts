// The step registry: the steps (and symbols), globals and agent types of a list of plugins, by
// name. Validation (`loadPipeline(source, registry)`), the engine (`PipelineRun`'s `registry`)
// and `kiln lint --list-steps` read it. It is an object built from the plugin list the host
// holds (src/plugins/index.ts for the controller and the CLI; a test adds its own plugins), so
// the pipeline itself knows no plugin and no module-level list of steps exists.
//
// Declarations are data and cost nothing to read. What runs is loaded on first use: a step's
// implementation, a global's object or an agent type's evaluation loads its plugin's runtime
// (once per registry; Node's module cache makes it once per process); symbols need no runtime
// (they describe their arguments). A plugin list is checked when the registry is built: names
// must be identifiers and unique across plugins, so no plugin can shadow another's step.
import type { StepDecl } from '../../core/steps.ts';
import type { GlobalDecl } from '../../core/plugin.ts';
import type { AgentRequest } from '../../core/nodes.ts';
import type { AgentTypeRuntime, BuildScope, GlobalContext, PipelineAgentType, PipelinePlugin, PluginRuntime, StepRun } from '../plugin.ts';
import type { GMap, Value } from '../script/values.ts';
import { KilnError } from '../../core/errors.ts';

/** The agent types the pipeline itself knows; plugins add the others. */
export const BUILTIN_AGENT_TYPES = ['any', 'label', 'node', 'none'] as const;

/** Globals of the engine itself (engine/globals.ts): no plugin may declare them. */
const ENGINE_GLOBALS = ['env', 'params', 'currentBuild', 'scm'];

/** A Groovy identifier; `__proto__` is refused too, since names become keys of plain objects. */
const IDENT = /^(?!__proto__$)[A-Za-z_][A-Za-z0-9_]*$/;
const PLUGIN_NAME = /^[a-z][a-z0-9-]{0,63}$/;

/** A plugin list that cannot be used (a clash of names, a malformed declaration): says which plugin and what. */
export class PluginError extends KilnError {
  constructor(message: string) {
    super('plugin.invalid', message);
  }
}

interface Entry<D> {
  decl: D;
  plugin: PipelinePlugin;
}

export class StepRegistry {
  readonly plugins: readonly PipelinePlugin[];
  readonly #steps = new Map<string, Entry<StepDecl>>();
  readonly #agentTypes = new Map<string, Entry<PipelineAgentType>>();
  readonly #globals = new Map<string, Entry<GlobalDecl>>();
  readonly #sorted: readonly StepDecl[];
  readonly #stepNames: readonly string[];
  readonly #runtimes = new Map<PipelinePlugin, Promise<PluginRuntime>>();
  /** Runtimes once loaded, for the hooks that must answer at once (nodeForLabel). */
  readonly #loaded = new Map<PipelinePlugin, PluginRuntime>();
  readonly #impls = new Map<string, StepRun>();

  constructor(plugins: readonly PipelinePlugin[]) {
    this.plugins = [...plugins];
    const names = new Set<string>();
    for (const p of this.plugins) {
      if (typeof p.name !== 'string' || !PLUGIN_NAME.test(p.name)) throw new PluginError(`a plugin's name must be lowercase letters, digits and '-' (got ${JSON.stringify(p.name)})`);
      if (names.has(p.name)) throw new PluginError(`two plugins are named '${p.name}'`);
      names.add(p.name);
      for (const s of p.steps ?? []) this.#addStep(p, s);
      for (const a of p.agentTypes ?? []) this.#addAgentType(p, a);
      for (const g of p.globals ?? []) this.#addGlobal(p, g);
    }
    this.#sorted = [...this.#steps.values()].map((e) => e.decl).sort((a, b) => a.name.localeCompare(b.name));
    this.#stepNames = this.#sorted.filter((d) => d.kind !== 'symbol' && d.kind !== 'class').map((d) => d.name);
  }

  #addStep(p: PipelinePlugin, s: StepDecl): void {
    const what = `plugin '${p.name}': step ${JSON.stringify(s.name)}`;
    if (typeof s.name !== 'string' || !IDENT.test(s.name)) throw new PluginError(`${what}: a step's name must be a Groovy identifier`);
    const other = this.#steps.get(s.name);
    if (other) throw new PluginError(`${what} is declared by plugin '${other.plugin.name}' too`);
    const params = new Set<string>();
    for (const q of s.params) {
      if (!IDENT.test(q.name) || params.has(q.name)) throw new PluginError(`${what}: parameter ${JSON.stringify(q.name)} is not an identifier or is declared twice`);
      params.add(q.name);
    }
    if (s.positional !== undefined && !params.has(s.positional)) throw new PluginError(`${what}: its positional parameter '${s.positional}' is not one of its parameters`);
    if (s.kind !== 'symbol' && !p.runtime) throw new PluginError(`${what}: the plugin has no runtime to run it`);
    this.#steps.set(s.name, { decl: s, plugin: p });
  }

  #addAgentType(p: PipelinePlugin, a: PipelineAgentType): void {
    const what = `plugin '${p.name}': agent type ${JSON.stringify(a.name)}`;
    if (typeof a.name !== 'string' || !IDENT.test(a.name)) throw new PluginError(`${what}: an agent type's name must be a Groovy identifier`);
    if ((BUILTIN_AGENT_TYPES as readonly string[]).includes(a.name)) throw new PluginError(`${what} is built in`);
    const other = this.#agentTypes.get(a.name);
    if (other) throw new PluginError(`${what} is declared by plugin '${other.plugin.name}' too`);
    const options = new Set<string>();
    for (const o of a.options) {
      if (!IDENT.test(o.name) || options.has(o.name)) throw new PluginError(`${what}: option ${JSON.stringify(o.name)} is not an identifier or is declared twice`);
      if (o.type === 'symbol' && !(o.values && o.values.length > 0)) throw new PluginError(`${what}: option '${o.name}' is a symbol without values`);
      if (o.type === 'block' && !(o.keys && o.keys.length > 0)) throw new PluginError(`${what}: option '${o.name}' is a block without keys`);
      options.add(o.name);
    }
    if (a.short?.form === 'value' && !options.has(a.short.option)) throw new PluginError(`${what}: its short form's option '${a.short.option}' is not one of its options`);
    for (const f of a.files ?? []) if (!options.has(f)) throw new PluginError(`${what}: its file option '${f}' is not one of its options`);
    this.#agentTypes.set(a.name, { decl: a, plugin: p });
  }

  #addGlobal(p: PipelinePlugin, g: GlobalDecl): void {
    const what = `plugin '${p.name}': global ${JSON.stringify(g.name)}`;
    if (typeof g.name !== 'string' || !IDENT.test(g.name)) throw new PluginError(`${what}: a global's name must be a Groovy identifier`);
    if (ENGINE_GLOBALS.includes(g.name)) throw new PluginError(`${what} is the engine's own`);
    const other = this.#globals.get(g.name);
    if (other) throw new PluginError(`${what} is declared by plugin '${other.plugin.name}' too`);
    if (g.kind === 'object' && !p.runtime) throw new PluginError(`${what}: the plugin has no runtime to make it`);
    this.#globals.set(g.name, { decl: g, plugin: p });
  }

  // -------------------------------------------------------------------------------------------
  // Declarations

  /** The step (or symbol) of that name, or undefined. */
  step(name: string): StepDecl | undefined {
    const d = this.#steps.get(name)?.decl;
    return d?.kind === 'class' ? undefined : d;
  }

  /** The 'class' step `step([$class: cls])` names, by simple name or its full jenkinsClass; undefined when none. */
  buildStepClass(cls: string): StepDecl | undefined {
    const d = this.#steps.get(cls.slice(cls.lastIndexOf('.') + 1))?.decl;
    return d?.kind === 'class' && (!cls.includes('.') || cls === d.jenkinsClass) ? d : undefined;
  }

  /** Every step and symbol, sorted by name. */
  steps(): readonly StepDecl[] {
    return this.#sorted;
  }

  /** Names of real steps (not symbols), sorted, for "did you mean" suggestions. */
  stepNames(): readonly string[] {
    return this.#stepNames;
  }

  /** The agent type a plugin declares under that name, or undefined (also for the built-in ones). */
  agentType(name: string): PipelineAgentType | undefined {
    return this.#agentTypes.get(name)?.decl;
  }

  /** Every agent type, the built-in ones included, sorted: what `agent` messages list. */
  agentTypeNames(): string[] {
    return [...BUILTIN_AGENT_TYPES, ...this.#agentTypes.keys()].sort();
  }

  /** Whether a plugin declares `name` as a global (an object or a variable). */
  isGlobal(name: string): boolean {
    return this.#globals.has(name);
  }

  // -------------------------------------------------------------------------------------------
  // What runs (loaded on first use)

  /** The implementation of a step; loads its plugin's runtime the first time. */
  async implementation(name: string): Promise<StepRun> {
    const known = this.#impls.get(name);
    if (known) return known;
    const e = this.#steps.get(name);
    if (!e) throw new PluginError(`no step '${name}'`);
    let run: StepRun;
    if (e.decl.kind === 'symbol') run = describeSymbol(name);
    else {
      const steps = (await this.#runtime(e.plugin)).steps;
      const f = steps && Object.hasOwn(steps, name) ? steps[name] : undefined;
      if (typeof f !== 'function') throw new PluginError(`plugin '${e.plugin.name}' declares the step '${name}' but its runtime does not implement it`);
      run = f;
    }
    this.#impls.set(name, run);
    return run;
  }

  /** Whether `name` is a global object a plugin makes (not a variable it only declares). */
  isGlobalObject(name: string): boolean {
    return this.#globals.get(name)?.decl.kind === 'object';
  }

  /** A plugin's global object for one use; loads its runtime the first time. */
  async global(name: string, g: GlobalContext): Promise<Value> {
    const e = this.#globals.get(name);
    if (!e || e.decl.kind !== 'object') throw new PluginError(`no global object '${name}'`);
    const globals = (await this.#runtime(e.plugin)).globals;
    const make = globals && Object.hasOwn(globals, name) ? globals[name] : undefined;
    if (typeof make !== 'function') throw new PluginError(`plugin '${e.plugin.name}' declares the global '${name}' but its runtime does not make it`);
    return make(g);
  }

  /** The runtime part of a plugin's agent type, or null when the evaluated options are the request. */
  async agentRuntime(type: string): Promise<AgentTypeRuntime | null> {
    const e = this.#agentTypes.get(type);
    if (!e || !e.plugin.runtime) return null;
    const types = (await this.#runtime(e.plugin)).agentTypes;
    return types && Object.hasOwn(types, type) ? types[type] ?? null : null;
  }

  /** Scripted node(label): the agent a loaded plugin made `label` stand for in this build, or null. */
  nodeForLabel(label: string, scope: BuildScope): AgentRequest | null {
    for (const rt of this.#loaded.values()) {
      const req = rt.nodeForLabel?.(label, scope) ?? null;
      if (req) return req;
    }
    return null;
  }

  /** The runtimes of the plugins that declare `buildHooks` (loaded now), in the plugins' order. */
  async buildHooks(): Promise<{ plugin: string; runtime: PluginRuntime }[]> {
    const out: { plugin: string; runtime: PluginRuntime }[] = [];
    for (const p of this.plugins) if (p.buildHooks && p.runtime) out.push({ plugin: p.name, runtime: await this.#runtime(p) });
    return out;
  }

  #runtime(p: PipelinePlugin): Promise<PluginRuntime> {
    let r = this.#runtimes.get(p);
    if (!r) {
      const load = p.runtime;
      if (!load) return Promise.reject(new PluginError(`plugin '${p.name}' has no runtime`));
      r = load().then((rt) => {
        if (typeof rt !== 'object' || rt === null) throw new PluginError(`plugin '${p.name}': its runtime is not an object`);
        this.#loaded.set(p, rt);
        return rt;
      });
      this.#runtimes.set(p, r);
    }
    return r;
  }
}

/** A symbol's value: its arguments as a descriptor map, `{ $symbol: name, ...arguments }`. */
function describeSymbol(name: string): StepRun {
  return async (_ctx, args) => {
    const m: GMap = new Map([['$symbol', name]]);
    for (const [k, v] of Object.entries(args.values)) m.set(k, v);
    return m;
  };
}
