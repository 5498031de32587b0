// The environment of a build, in layers, as Jenkins users expect it:
//   the node's own environment (PATH, HOME...)
//   < the variables Kiln sets (BUILD_NUMBER, JOB_NAME, WORKSPACE, NODE_NAME...)
//   < parameters
//   < `env.X = ...` assignments and checkout variables (build-wide, mutable)
//   < environment {} of the pipeline, then of each enclosing stage, then withEnv blocks
// The innermost wins. Layers above the build-wide map are immutable and shared by reference,
// so parallel branches each see their own chain.
import { MAX_STRING, tooLarge } from '../script/limits.ts';


/** One immutable layer: a name set to a string, or unset (null). */
export interface EnvLayer {
  readonly vars: Readonly<Record<string, string | null>>;
  readonly parent: EnvLayer | null;
}

export function pushLayer(parent: EnvLayer | null, vars: Record<string, string | null>): EnvLayer | null {
  return Object.keys(vars).length === 0 ? parent : { vars: { ...vars }, parent };
}

/** Looks a name up through the layers, innermost first; undefined when no layer mentions it. */
export function lookupLayers(layer: EnvLayer | null, name: string): string | null | undefined {
  for (let l = layer; l; l = l.parent) {
    if (Object.hasOwn(l.vars, name)) return l.vars[name];
  }
  return undefined;
}

/** Applies the layers (outermost first) onto a base environment. */
export function flattenLayers(base: Record<string, string>, layer: EnvLayer | null): Record<string, string> {
  const chain: EnvLayer[] = [];
  for (let l = layer; l; l = l.parent) chain.push(l);
  const out = { ...base };
  for (let i = chain.length - 1; i >= 0; i--) {
    for (const [k, v] of Object.entries(chain[i]!.vars)) {
      if (v === null) delete out[k];
      else out[k] = v;
    }
  }
  return out;
}

/** Names an environment variable may have (POSIX portable names, as Jenkins requires). */
export function isEnvName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/**
 * Jenkins' Util.replaceMacro: each `$NAME` or `${NAME}` whose variable has a value is replaced by
 * it; one without a value stays as written; `$$` is a single `$`. A replaced value is not scanned
 * again (no recursive expansion).
 */
export function replaceMacro(s: string, lookup: (name: string) => string | undefined): string {
  // Values referring to each other (B=$A$A, C=$B$B, ...) could double at each step: bounded like any string.
  let length = s.length;
  return s.replace(/\$([A-Za-z0-9_]+|\{[A-Za-z0-9_.]+\}|\$)/g, (whole, key: string) => {
    if (key === '$') return '$';
    const name = key.startsWith('{') ? key.slice(1, -1) : key;
    const v = lookup(name) ?? whole;
    length += v.length - whole.length;
    if (length > MAX_STRING) throw tooLarge(`an environment value of more than ${length} characters`, null);
    return v;
  });
}

/**
 * Jenkins' EnvVars.overrideExpandingAll, the way withEnv and environment {} set their variables:
 * each value is expanded (replaceMacro) against the environment with the overrides already applied,
 * an override that another one refers to first (OverrideOrderCalculator; a value referring to its
 * own name reads the value from before). Returns the expanded values in the given order.
 */
export function expandOverrides(base: Readonly<Record<string, string>>, overrides: ReadonlyArray<readonly [string, string]>): [string, string][] {
  const names = new Set(overrides.map(([k]) => k.split('+')[0]!));
  const refs = (v: string) => [...v.matchAll(/\$([A-Za-z0-9_]+)|\$\{([A-Za-z0-9_.]+)\}/g)].map((m) => m[1] ?? m[2]!);
  // Depth-first: an override after the overrides its value refers to; in a circle the reference
  // back to one still being ordered is left unexpanded (there is no value to give it yet).
  const order: number[] = [];
  const state = new Map<number, 'busy' | 'done'>();
  const visit = (i: number) => {
    if (state.has(i)) return;
    state.set(i, 'busy');
    const [key, value] = overrides[i]!;
    const own = key.split('+')[0]!;
    for (const r of refs(value)) {
      if (r === own || !names.has(r)) continue;
      overrides.forEach(([k], j) => { if (k.split('+')[0] === r && state.get(j) !== 'busy') visit(j); });
    }
    state.set(i, 'done');
    order.push(i);
  };
  overrides.forEach((_, i) => visit(i));
  const env: Record<string, string> = { ...base };
  const out = new Array<[string, string]>(overrides.length);
  for (const i of order) {
    const [key, value] = overrides[i]!;
    const expanded = replaceMacro(value, (n) => (Object.hasOwn(env, n) ? env[n] : undefined));
    out[i] = [key, expanded];
    const own = key.split('+')[0]!;
    if (key.includes('+')) env[own] = Object.hasOwn(env, own) && env[own] ? `${expanded}:${env[own]}` : expanded;
    else if (expanded === '') delete env[own];
    else env[own] = expanded;
  }
  return out;
}
