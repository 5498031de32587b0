// Validation of shared libraries' code, for `kiln lint` and before a build runs: each var's
// code as free Groovy (the libraries' vars are known names), each declarative `pipeline { }` a
// var defines (the organisation template) as a declarative pipeline, and the classes of src/
// together (name conflicts, cycles). Results are cached per (registry, parsed file (parsed.ts
// caches those per commit), known vars), so a build of a cached library validates nothing again.
import type { Loc } from '../../core/build.ts';
import { diag, type Diagnostic } from '../diagnostics.ts';
import type { DeclarativePipeline } from '../model/types.ts';
import { validateLibraryClasses, validateLibraryVar } from '../model/validate.ts';
import type { StepRegistry } from '../steps/registry.ts';
import { checkLibraryClasses, type LibraryClassFile, type LibraryVar, type ParsedLibrary } from './parsed.ts';

export interface VarCheck {
  /** The declarative pipelines the var's functions define, by the location of their `pipeline` call. */
  pipelines: Map<Loc, DeclarativePipeline>;
  diagnostics: Diagnostic[];
}

/** Checks by registry, then by the var's (cached) syntax tree, then by what else is known. */
const checks = new WeakMap<StepRegistry, WeakMap<object, Map<string, VarCheck>>>();

/** Validates one var of a library (cached). A var that does not parse has no pipelines and no more problems. */
export function checkVar(lib: ParsedLibrary, v: LibraryVar, registry: StepRegistry, vars: ReadonlySet<string>, missing = false): VarCheck {
  if (!v.script) return { pipelines: new Map(), diagnostics: [] };
  let byScript = checks.get(registry);
  if (!byScript) checks.set(registry, (byScript = new WeakMap()));
  let byKey = byScript.get(v.script);
  if (!byKey) byScript.set(v.script, (byKey = new Map()));
  const key = `${lib.label}\0${missing}\0${[...vars].sort().join(',')}`;
  const hit = byKey.get(key);
  if (hit) return hit;
  const r = validateLibraryVar(v.script, null, registry, { vars, missing });
  const out: VarCheck = { pipelines: r.pipelines, diagnostics: r.diagnostics.map((d) => ({ ...d, file: v.file, library: lib.label })) };
  if (byKey.size > 20) byKey.clear();
  byKey.set(key, out);
  return out;
}

const classChecks = new WeakMap<StepRegistry, WeakMap<object, Diagnostic[]>>();

/** The classes of one src/ file, checked as a Jenkinsfile's classes are (cached per parsed file). */
function checkClassFile(lib: ParsedLibrary, cf: LibraryClassFile, registry: StepRegistry): Diagnostic[] {
  if (!cf.script) return [];
  let byScript = classChecks.get(registry);
  if (!byScript) classChecks.set(registry, (byScript = new WeakMap()));
  let out = byScript.get(cf.script);
  if (!out) {
    out = validateLibraryClasses(cf.script, registry).map((d) => ({ ...d, file: cf.file, library: lib.label }));
    byScript.set(cf.script, out);
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
    out.push(...lib.diagnostics, ...grabsInClasses(lib));
    for (const v of lib.vars.values()) out.push(...checkVar(lib, v, registry, vars).diagnostics);
    for (const cf of lib.classFiles) out.push(...checkClassFile(lib, cf, registry));
  }
  out.push(...checkLibraryClasses(libs));
  return out;
}

/** `@Grab` in a src/ file: refused as in a var or a Jenkinsfile (the interpreter cannot load Java libraries). */
export function grabsInClasses(lib: ParsedLibrary): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const cf of lib.classFiles) {
    for (const s of cf.script?.body ?? []) {
      if (s.type === 'Annotation' && GRAB.has(s.name)) {
        out.push({ ...diag('grab', `@${s.name} is not supported: a shared library in Kiln cannot load Java libraries`, s.loc), file: cf.file, library: lib.label });
      }
    }
  }
  return out;
}

const GRAB = new Set(['Grab', 'Grapes', 'GrabResolver', 'GrabConfig', 'groovy.lang.Grab']);
