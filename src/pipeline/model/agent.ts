// agent: where a pipeline or stage runs.
//   agent any | agent none
//   agent { label 'x' }                      agent { node { label 'x'; customWorkspace 'ws' } }
//   agent { <type> 'value' }, { <type> true }, { <type> { option value; ... } }: an agent type
//   that a plugin declares (core/plugin.ts AgentTypeDecl), e.g.
//     agent { docker { image 'img'; args '-v x:y'; reuseNode true } }
//     agent { kubernetes { yaml '''...'''; defaultContainer 'maven' } }
// An option may be a block of literal `key value` lines (kubernetes { containerTemplate { ... } }).
// A plugin's agent type is read from its declaration in the step registry: its options and their
// types, its short form; then the type's own check runs (a Dockerfile's name, a pod's YAML), and
// may leave a check for the steps that run on the agent (stages.ts checkAgentScopes).
import type { Expr } from '../syntax/ast.ts';
import type { Loc } from '../../core/build.ts';
import type { AgentSpec, PluginAgentSpec } from './types.ts';
import { Ctx, boolArg, didYouMean, withSuggestion, fmtList, intArg, posInString, sectionOf, singleArg, sourceText, staticValue, type Section } from './context.ts';
import { checkGroovy } from './steps.ts';
import type { PipelineAgentType } from '../plugin.ts';

const NODE_OPTIONS = ['label', 'customWorkspace'];

const invalidForm = 'Only "agent none", "agent any" or "agent {...}" are allowed.';

/** Reads an `agent` directive; null when it is unusable (errors reported). */
export function parseAgent(ctx: Ctx, sec: Section, inStage = false): AgentSpec | null {
  const c = sec.call;
  const nargs = c.args.length + c.namedArgs.length;
  const AGENT_TYPES = ctx.registry.agentTypeNames();
  if (!c.closure) {
    if (nargs === 0) {
      // a bare `agent`: Jenkins' parser finds nothing to read
      ctx.error('agent', `Not a valid ${inStage ? 'stage ' : ''}section definition: "agent". Some extra configuration is required.`, sec.nameLoc);
      return null;
    }
    const a = c.args[0];
    if (nargs === 1 && a && a.type === 'Ident' && (a.name === 'any' || a.name === 'none')) return a.name === 'any' ? { type: 'any', loc: sec.loc } : { type: 'none', loc: sec.loc };
    if (nargs === 1 && a && a.type === 'Ident') {
      ctx.error('agent', withSuggestion(invalidForm, a.name, ['any', 'none']), a.loc);
      return null;
    }
    if (nargs === 1 && a && (a.type === 'String' || a.type === 'GString')) {
      ctx.error('agent', `${invalidForm} For a label, write agent { label ${sourceText(ctx, a.loc) ?? "'...'"} }`, a.loc);
      return null;
    }
    ctx.error('agent', invalidForm, (c.args[0] ?? c.namedArgs[0]!).loc);
    return null;
  }
  if (nargs > 0) {
    ctx.error('agent', invalidForm, (c.args[0] ?? c.namedArgs[0]!).loc);
    return null;
  }
  let spec: AgentSpec | null = null;
  let seen = false;
  for (const stmt of c.closure.body) {
    const s = sectionOf(stmt);
    if (!s) {
      ctx.error('agent', 'Expected an agent', stmt.loc);
      continue;
    }
    if (seen) {
      ctx.error('agent', 'Only one agent type is allowed per agent section', s.nameLoc);
      continue;
    }
    seen = true;
    spec = agentType(ctx, s, sec.loc, AGENT_TYPES);
  }
  if (!seen) ctx.error('agent', `No agent type specified. Must be one of ${fmtList(AGENT_TYPES)}`, sec.nameLoc);
  return spec;
}

function agentType(ctx: Ctx, s: Section, loc: Loc, AGENT_TYPES: readonly string[]): AgentSpec | null {
  switch (s.name) {
    case 'any':
    case 'none':
      // `agent { any true }`: Jenkins reads the block's key as the type and, for these zero-argument
      // types (DeclarativeAgentDescriptor.zeroArgModels), does not look at its value
      const flag = s.call.args.length === 1 && s.call.namedArgs.length === 0 && s.call.args[0]!.type === 'Boolean';
      if (!flag && (s.call.args.length + s.call.namedArgs.length > 0 || s.call.closure)) ctx.error('agent', `Agent type "${s.name}" takes no arguments`, s.nameLoc);
      return s.name === 'any' ? { type: 'any', loc } : { type: 'none', loc };
    case 'label': {
      if (s.call.closure) {
        const o = blockOptions(ctx, s, NODE_OPTIONS, ['label']);
        return { type: 'node', label: o.expr('label'), customWorkspace: o.expr('customWorkspace'), loc };
      }
      const e = valueArg(ctx, s, 'agent key');
      return e ? { type: 'label', label: e, loc } : null;
    }
    case 'node': {
      if (!s.call.closure) {
        const e = valueArg(ctx, s, 'agent key');
        return e ? { type: 'node', label: e, customWorkspace: null, loc } : null;
      }
      const o = blockOptions(ctx, s, NODE_OPTIONS, ['label']);
      return { type: 'node', label: o.expr('label'), customWorkspace: o.expr('customWorkspace'), loc };
    }
    default: {
      const decl = ctx.registry.agentType(s.name);
      if (decl) return pluginAgent(ctx, s, loc, decl);
      ctx.error('agent', withSuggestion(`Invalid agent type "${s.name}" specified. Must be one of ${fmtList(AGENT_TYPES)}`, s.name, AGENT_TYPES), s.nameLoc);
      return null;
    }
  }
}

/** An agent of a plugin's type, read by its declaration, then checked by the type's own check. */
function pluginAgent(ctx: Ctx, s: Section, loc: Loc, decl: PipelineAgentType): PluginAgentSpec | null {
  const options: PluginAgentSpec['options'] = {};
  for (const d of decl.options) options[d.name] = d.default ?? null;
  const keyLocs = new Map<string, Loc>();
  if (!s.call.closure) {
    const short = decl.short;
    if (!short) {
      ctx.error('agent', `The ${decl.name} agent needs a block: ${decl.usage ?? `${decl.name} { ... }`}`, s.nameLoc);
      return null;
    }
    if (short.form === 'value') {
      const e = valueArg(ctx, s, 'agent key');
      if (!e) return null;
      options[short.option] = e;
    } else {
      const b = boolArg(ctx, s, 'agent key');
      if (b === null) return null;
      if (!b) {
        ctx.error('agent', short.whenFalse, s.call.args[0]?.loc ?? s.nameLoc);
        return null;
      }
    }
  } else {
    const o = blockOptions(ctx, s, decl.options.map((d) => d.name), decl.options.filter((d) => d.required).map((d) => d.name));
    // Required options first: without them the agent is unusable, and the rest is not read.
    const ordered = [...decl.options.filter((d) => d.required), ...decl.options.filter((d) => !d.required)];
    for (const d of ordered) {
      const blk = d.type === 'block' ? o.block(d.name, d.keys ?? []) : null;
      // A block's expressions are options of their own, `name.key`, which the engine evaluates.
      if (blk) for (const [k, e] of Object.entries(blk.exprs)) options[`${d.name}.${k}`] = e;
      const v = d.type === 'value' ? o.expr(d.name) : d.type === 'boolean' ? o.bool(d.name) : d.type === 'integer' ? o.int(d.name) : d.type === 'block' ? (blk ? blk.json : null) : d.type === 'literal' ? o.literal(d.name) : o.symbol(d.name, d.values ?? []);
      if (v !== null) options[d.name] = v;
      else if (d.required) return null;
      const key = o.sections.get(d.name);
      if (key) keyLocs.set(d.name, key.nameLoc);
    }
  }
  const spec: PluginAgentSpec = { type: decl.name, options, loc };
  const steps = decl.check?.(spec, {
    error: (code, message, at) => ctx.error(code, message, at),
    warn: (code, message, at) => ctx.warn(code, message, at),
    posInString: (lit, index) => posInString(ctx, lit, index),
    keyLoc: (name) => keyLocs.get(name) ?? null,
    functions: ctx.functions,
  });
  if (steps) ctx.agentScopes.set(spec, steps);
  return spec;
}

/** A one-value key whose value is evaluated at run time (`label 'x'`, `image "maven:${V}"`). */
function valueArg(ctx: Ctx, s: Section, kind: string): Expr | null {
  const e = singleArg(ctx, s, kind);
  if (!e) return null;
  if (e.type === 'Closure') {
    ctx.error('agent', `Expected a value for "${s.name}", not a block`, e.loc);
    return null;
  }
  checkGroovy(ctx, [e]);
  return e;
}

interface BlockOptions {
  sections: Map<string, Section>;
  expr(name: string): Expr | null;
  bool(name: string): boolean | null;
  int(name: string): number | Expr | null;
  symbol<T extends string>(name: string, allowed: readonly T[]): T | null;
  /**
   * `name { key value; ... }` → JSON text of the object's literal values, and its values written
   * as expressions (`image REGISTRY + '/maven:' + TAG`), which Jenkins' ModelParser.parseClosureMap
   * accepts as it accepts them at the top of the agent block: each is evaluated when the agent is.
   */
  block(name: string, keys: readonly string[]): { json: string; exprs: Record<string, Expr> } | null;
  /** `name <literal>` (lists, maps, `f(k: literal)` calls) → JSON text. */
  literal(name: string): string | null;
}

/** A literal expression as JSON: a call `f(k: v)` / `f()` is { $symbol: 'f', k: v }; undefined when it is not literal. */
function literalJson(e: Expr): unknown {
  if (e.type === 'List') {
    const out: unknown[] = [];
    for (const it of e.items) {
      const v = literalJson(it);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  }
  if (e.type === 'Map') {
    const out: Record<string, unknown> = {};
    for (const en of e.entries) {
      const v = literalJson(en.value);
      if (en.key.type !== 'String' || v === undefined) return undefined;
      out[en.key.value] = v;
    }
    return out;
  }
  if (e.type === 'Call' && e.callee.type === 'Ident' && !e.closure && e.args.length <= 1) {
    const out: Record<string, unknown> = { $symbol: e.callee.name };
    for (const a of e.namedArgs) {
      const v = literalJson(a.value);
      if (a.keyExpr || v === undefined) return undefined;
      out[a.name] = v;
    }
    if (e.args.length === 1) {
      if (e.namedArgs.length > 0) return undefined;
      const v = literalJson(e.args[0]!);
      if (v === undefined) return undefined;
      out.$value = v;
    }
    return out;
  }
  const v = staticValue(e);
  return v === undefined || (typeof v === 'object' && v !== null) ? undefined : v;
}

/** Reads `type { key value; ... }`, reporting unknown, repeated and missing keys. */
function blockOptions(ctx: Ctx, s: Section, allowed: readonly string[], required: readonly string[]): BlockOptions {
  const sections = new Map<string, Section>();
  for (const stmt of s.call.closure!.body) {
    const o = sectionOf(stmt);
    if (!o) {
      ctx.error('agent', `Expected to find 'key "value"' in agent type "${s.name}"`, stmt.loc);
      continue;
    }
    if (!allowed.includes(o.name)) {
      const dym = didYouMean(o.name, allowed);
      ctx.error('agent', dym
        ? `Invalid config option "${o.name}" for agent type "${s.name}"${dym}`
        : `Invalid config option "${o.name}" for agent type "${s.name}". Valid config options are ${fmtList(allowed)}`, o.nameLoc);
      continue;
    }
    if (sections.has(o.name)) {
      ctx.error('agent', `Multiple occurrences of "${o.name}" for agent type "${s.name}"`, o.nameLoc);
      continue;
    }
    sections.set(o.name, o);
  }
  for (const r of required) {
    if (!sections.has(r)) ctx.error('agent', `Missing required parameter: "${r}"`, s.nameLoc);
  }
  const cache = new Map<string, unknown>();
  const once = <T>(name: string, f: (sec: Section) => T): T | null => {
    const sec = sections.get(name);
    if (!sec) return null;
    if (!cache.has(name)) cache.set(name, f(sec));
    return cache.get(name) as T;
  };
  return {
    sections,
    expr: (name) => once(name, (sec) => valueArg(ctx, sec, 'agent key')),
    bool: (name) => once(name, (sec) => boolArg(ctx, sec, 'agent key')),
    // A literal is checked now; anything else is evaluated when the agent is (Jenkins'
    // ModelValidatorImpl checks only literal values' types: `instanceCap n` with `def n = 2`).
    int: (name) => once(name, (sec) => {
      const e = singleArg(ctx, sec, 'agent key');
      if (e && staticValue(e) === undefined && e.type !== 'Closure') {
        checkGroovy(ctx, [e]);
        return e;
      }
      return intArg(ctx, sec, 'agent key');
    }),
    block: (name, keys) => once(name, (sec): { json: string; exprs: Record<string, Expr> } | null => {
      const body = sec.call.closure;
      if (!body || sec.call.args.length + sec.call.namedArgs.length > 0) {
        ctx.error('agent', `Expected a block for "${name}": ${name} { ${keys.slice(0, 2).map((k) => `${k} '...'`).join('; ')} }`, sec.nameLoc);
        return null;
      }
      const out: Record<string, unknown> = {};
      const exprs: Record<string, Expr> = {};
      for (const stmt of body.body) {
        const kv = sectionOf(stmt);
        if (!kv) {
          ctx.error('agent', `Expected to find 'key "value"' in "${name}"`, stmt.loc);
          continue;
        }
        if (!keys.includes(kv.name)) {
          ctx.error('agent', withSuggestion(`Invalid option "${kv.name}" of "${name}". Valid options are ${fmtList(keys)}`, kv.name, keys), kv.nameLoc);
          continue;
        }
        const e = valueArg(ctx, kv, 'agent key');
        if (!e) continue;
        const v = staticValue(e);
        if (v !== undefined && (typeof v !== 'object' || v === null)) out[kv.name] = v;
        else exprs[kv.name] = e;
      }
      return { json: JSON.stringify(out), exprs };
    }),
    literal: (name) => once(name, (sec): string | null => {
      const e = singleArg(ctx, sec, 'agent key');
      if (!e) return null;
      const v = literalJson(e);
      if (v === undefined) {
        ctx.error('agent', `"${name}" takes a literal value: strings, numbers, lists and calls like containerTemplate(name: 'x', image: 'y') with literal arguments`, e.loc);
        return null;
      }
      return JSON.stringify(v);
    }),
    symbol: <T extends string>(name: string, values: readonly T[]) => once(name, (sec): T | null => {
      const e = singleArg(ctx, sec, 'agent key');
      if (!e) return null;
      let id: string | null = null;
      if (e.type === 'Call' && e.callee.type === 'Ident' && e.args.length === 0 && e.namedArgs.length === 0 && !e.closure) id = e.callee.name;
      else if (e.type === 'Ident') id = e.name;
      else {
        const v = staticValue(e);
        if (typeof v === 'string') id = v;
      }
      if (id !== null && (values as readonly string[]).includes(id)) return id as T;
      const msg = `Invalid value for "${name}": expected one of ${values.map((v) => v + '()').join(', ')}`;
      ctx.error('agent', id ? withSuggestion(msg, id.replace(/\(\)$/, ''), values).replace(/"(\w+)"\?$/, '"$1()"?') : msg, e.loc);
      return null;
    }),
  };
}
