// Validation of shared libraries' code, for `kiln lint` and before a build runs: each var's
// code as free Groovy (the libraries' vars are known names), each declarative `pipeline { }` a
// var defines (the organisation template) as a declarative pipeline, and the classes of src/
// together (name conflicts, cycles). Results are cached per (registry, library commit, file,
// known vars), so a build of a cached library validates nothing again.
import type { Loc } from '../../core/build.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { DeclarativePipeline } from '../model/types.ts';
import { validateLibraryVar } from '../model/validate.ts';
import type { StepRegistry } from '../steps/registry.ts';
import { checkLibraryClasses, type LibraryVar, type ParsedLibrary } from './parsed.ts';

export interface VarCheck {
  /** The declarative pipelines the var's functions define, by the location of their `pipeline` call. */
  pipelines: Map<Loc, DeclarativePipeline>;
  diagnostics: Diagnostic[];
}

const checks = new WeakMap<StepRegistry, Map<string, VarCheck>>();

/** Validates one var of a library (cached). A var that does not parse has no pipelines and no more problems. */
export function checkVar(lib: ParsedLibrary, v: LibraryVar, registry: StepRegistry, vars: ReadonlySet<string>, missing = false): VarCheck {
  if (!v.script) return { pipelines: new Map(), diagnostics: [] };
  let byKey = checks.get(registry);
  if (!byKey) checks.set(registry, (byKey = new Map()));
  const c = lib.content;
  const key = `${c.name}\0${c.commit ?? c.version}\0${v.file}\0${missing}\0${[...vars].sort().join(',')}`;
  const hit = c.commit !== null ? byKey.get(key) : undefined;
  if (hit) return hit;
  const r = validateLibraryVar(v.script, v.source, registry, { vars, missing });
  const out: VarCheck = { pipelines: r.pipelines, diagnostics: r.diagnostics.map((d) => ({ ...d, file: v.file, library: lib.label })) };
  if (c.commit !== null) {
    byKey.set(key, out);
    if (byKey.size > 5000) byKey.delete(byKey.keys().next().value!);
  }
  return out;
}

/** The names of every var of the libraries. */
export function varNames(libs: readonly ParsedLibrary[]): Set<string> {
  const out = new Set<string>();
  for (const l of libs) for (const n of l.vars.keys()) out.add(n);
  return out;
}

/** Every problem of the libraries' code: syntax errors, var code, class conflicts and cycles. */
export function lintLibraries(libs: readonly ParsedLibrary[], registry: StepRegistry): Diagnostic[] {
  const vars = varNames(libs);
  const out: Diagnostic[] = [];
  for (const lib of libs) {
    out.push(...lib.diagnostics);
    for (const v of lib.vars.values()) out.push(...checkVar(lib, v, registry, vars).diagnostics);
  }
  out.push(...checkLibraryClasses(libs));
  return out;
}
