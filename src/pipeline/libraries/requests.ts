// The shared libraries a Jenkinsfile asks for, read from its text without validating it:
// `@Library('name')`, `@Library('name@ref')`, `@Library(['a', 'b@v2'])` (before `_` or an import)
// and declarative `libraries { lib('name@ref') }`; also the `library 'name@ref'` step's literal
// identifiers (how: 'step'), so that lint can know the vars such a library brings. Hosts resolve these (core/libraries.ts) before
// they validate and run the Jenkinsfile with the libraries' content (load.ts loadPipeline).
import type { Loc } from '../../core/build.ts';
import type { LibraryRequest } from '../../core/libraries.ts';
import type { Expr, Script, Stmt } from '../syntax/ast.ts';
import { parse } from '../syntax/parser.ts';
import { visit } from '../model/walk.ts';

/** One request, with where it is written. */
export interface LocatedLibraryRequest extends LibraryRequest {
  /** The text as written ('name@ref'). */
  spec: string;
  loc: Loc;
}

/** 'name@ref' → name and version (null without '@'). Jenkins splits at the first '@'. */
export function splitLibrarySpec(spec: string): { name: string; version: string | null } {
  const at = spec.indexOf('@');
  if (at < 0) return { name: spec.trim(), version: null };
  return { name: spec.slice(0, at).trim(), version: spec.slice(at + 1).trim() || null };
}

/**
 * The libraries a Jenkinsfile requests by annotation or in `libraries {}`, in order, each once
 * per spec. A file that does not parse gives what its parsed part has (nothing when no tree).
 */
export function libraryRequests(source: string): LocatedLibraryRequest[] {
  const parsed = parse(source);
  return parsed.ast ? requestsOf(parsed.ast) : [];
}

export function requestsOf(script: Script): LocatedLibraryRequest[] {
  const out: LocatedLibraryRequest[] = [];
  const add = (spec: string, loc: Loc) => {
    if (out.some((r) => r.spec === spec)) return;
    out.push({ ...splitLibrarySpec(spec), spec, loc, how: 'annotation' });
  };
  for (const stmt of script.body) {
    if (stmt.type === 'Annotation' && stmt.name === 'Library') {
      for (const a of [...stmt.args, ...stmt.namedArgs.filter((n) => n.name === 'value').map((n) => n.value)]) {
        for (const s of strings(a)) add(s.value, s.loc);
      }
    }
    const lib = librariesBlock(stmt);
    if (lib) for (const l of lib) add(l.value, l.loc);
  }
  // the library step with a literal identifier: lint can know its vars when the host gives it
  visit(script.body, (n) => {
    if (n.type !== 'Call' || n.callee.type !== 'Ident' || n.callee.name !== 'library') return;
    const a = n.args[0] ?? n.namedArgs.find((x) => x.name === 'identifier')?.value;
    if (a && a.type === 'String' && !out.some((r) => r.spec === a.value)) out.push({ ...splitLibrarySpec(a.value), spec: a.value, loc: a.loc, how: 'step' });
  });
  return out;
}

function strings(e: Expr): { value: string; loc: Loc }[] {
  if (e.type === 'String') return [{ value: e.value, loc: e.loc }];
  if (e.type === 'List') return e.items.flatMap((x) => (x.type === 'String' ? [{ value: x.value, loc: x.loc }] : []));
  return [];
}

/** `pipeline { libraries { lib('x') } }`: the lib() strings. */
function librariesBlock(stmt: Stmt): { value: string; loc: Loc }[] | null {
  if (stmt.type !== 'ExprStmt' || stmt.expr.type !== 'Call' || stmt.expr.callee.type !== 'Ident' || stmt.expr.callee.name !== 'pipeline') return null;
  const out: { value: string; loc: Loc }[] = [];
  for (const s of stmt.expr.closure?.body ?? []) {
    if (s.type !== 'ExprStmt' || s.expr.type !== 'Call' || s.expr.callee.type !== 'Ident' || s.expr.callee.name !== 'libraries') continue;
    for (const l of s.expr.closure?.body ?? []) {
      if (l.type !== 'ExprStmt' || l.expr.type !== 'Call' || l.expr.callee.type !== 'Ident' || l.expr.callee.name !== 'lib') continue;
      const a = l.expr.args[0];
      if (a && a.type === 'String') out.push({ value: a.value, loc: a.loc });
    }
  }
  return out;
}
