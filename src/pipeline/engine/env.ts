// The environment of a build, in layers, as Jenkins users expect it:
//   the node's own environment (PATH, HOME...)
//   < the variables Kiln sets (BUILD_NUMBER, JOB_NAME, WORKSPACE, NODE_NAME...)
//   < parameters
//   < `env.X = ...` assignments and checkout variables (build-wide, mutable)
//   < environment {} of the pipeline, then of each enclosing stage, then withEnv blocks
// The innermost wins. Layers above the build-wide map are immutable and shared by reference,
// so parallel branches each see their own chain.

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
