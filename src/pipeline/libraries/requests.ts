// The shared libraries a Jenkinsfile asks for, read from its text without validating it:
// `@Library('name')`, `@Library('name@ref')`, `@Library(['a', 'b@v2'])` (before `_` or an import)
// and declarative `libraries { lib('name@ref') }`; also the `library 'name@ref'` step's literal
// identifiers (how: 'step'), so that lint can know the vars such a library brings. Hosts resolve these (core/libraries.ts) before
// they validate and run the Jenkinsfile with the libraries' content (load.ts loadPipeline).
//
// The step's `retriever:` (a library from a repository the Jenkinsfile names, Jenkins'
// LibraryStep retriever) in the forms Kiln fetches, all git:
//   modernSCM([$class: 'GitSCMSource', remote: URL, credentialsId: ID])
//   modernSCM(github(repoOwner: 'o', repository: 'r', credentialsId: ID))   → https://github.com/o/r.git
//   legacySCM(scm)                                                         → the job's own repository
//   legacySCM([$class: 'GitSCM', userRemoteConfigs: [[url: URL, credentialsId: ID]]])
// retrieverOfExpr reads them from the tree (lint: every other form is an error saying which
// forms work: `git(...)` inside them would run the git step, as in Jenkins); retrieverOfValue
// from the values the step receives at run time (the symbols' descriptor maps). Its `changelog:`
// (a literal true/false) says whether the library's commits are part of the build's changes.
import { constantText } from '../model/constant-text.ts';
import type { Loc } from '../../core/build.ts';
import type { LibraryRequest, LibraryRetriever } from '../../core/libraries.ts';
import { diag, type Diagnostic } from '../diagnostics.ts';
import { isHostObject, isList, isMap, type Value } from '../script/values.ts';
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
    const lib = librariesBlock(stmt, script.body);
    if (lib) for (const l of lib) add(l.value, l.loc);
  }
  // the library step with a literal identifier: lint can know its vars when the host gives it
  visit(script.body, (n) => {
    if (n.type !== 'Call' || n.callee.type !== 'Ident' || n.callee.name !== 'library') return;
    const a = n.args[0] ?? n.namedArgs.find((x) => x.name === 'identifier')?.value;
    if (!a || a.type !== 'String' || out.some((r) => r.spec === a.value)) return;
    const req: LocatedLibraryRequest = { ...splitLibrarySpec(a.value), spec: a.value, loc: a.loc, how: 'step' };
    const r = n.namedArgs.find((x) => x.name === 'retriever')?.value;
    if (r) {
      const got = retrieverOfExpr(r);
      if ('problem' in got) return; // libraryRequestProblems reports it
      req.retriever = got.retriever;
    }
    const cl = n.namedArgs.find((x) => x.name === 'changelog')?.value;
    if (cl && cl.type === 'Boolean') req.changelog = cl.value;
    out.push(req);
  });
  return out;
}

/** The `library` steps whose retriever Kiln cannot fetch, or that give none of a version: errors for lint. */
export function libraryRequestProblems(script: Script): Diagnostic[] {
  const out: Diagnostic[] = [];
  visit(script.body, (n) => {
    if (n.type !== 'Call' || n.callee.type !== 'Ident' || n.callee.name !== 'library') return;
    const r = n.namedArgs.find((x) => x.name === 'retriever')?.value;
    if (!r) return;
    const got = retrieverOfExpr(r);
    if ('problem' in got) {
      out.push(diag('library-retriever', `library: ${got.problem}`, r.loc, 'dynamic' in got ? 'warning' : 'error'));
      return;
    }
    const a = n.args[0] ?? n.namedArgs.find((x) => x.name === 'identifier')?.value;
    if (a && a.type === 'String' && splitLibrarySpec(a.value).version === null) {
      out.push(diag('library-retriever', `Must specify a version for library ${splitLibrarySpec(a.value).name}: a library from a retriever is loaded at the version written after '@' ('${a.value}@main')`, a.loc));
    }
  });
  return out;
}

const FORMS = "modernSCM([$class: 'GitSCMSource', remote: URL, credentialsId: ID]), modernSCM(github(repoOwner: OWNER, repository: REPO)), legacySCM(scm) or legacySCM([$class: 'GitSCM', userRemoteConfigs: [[url: URL]]])";

/** A literal string (or null) of a map or named arguments; undefined when absent; a problem when not literal. */
function lit(e: Expr | undefined, what: string): string | null | undefined | { problem: string; dynamic: true } {
  if (!e) return undefined;
  if (e.type === 'String') return e.value;
  if (e.type === 'Null') return null;
  return { problem: `${what} is not a literal string, so the library is known only when the build runs (lint does not know its vars)`, dynamic: true };
}

function fieldsOf(e: Expr): Map<string, Expr> | null {
  if (e.type === 'Map') {
    const m = new Map<string, Expr>();
    for (const en of e.entries) if (en.key.type === 'String') m.set(en.key.value, en.value);
    return m;
  }
  if (e.type === 'Call') {
    const m = new Map<string, Expr>();
    for (const a of e.namedArgs) if (a.name) m.set(a.name, a.value);
    return m;
  }
  return null;
}

/** A retriever as written: what Kiln fetches, or why not (naming the forms that work). */
export function retrieverOfExpr(e: Expr): { retriever: LibraryRetriever } | { problem: string; dynamic?: true } {
  if (e.type === 'Ident' || e.type === 'Property' || e.type === 'Index' || e.type === 'Ternary') {
    return { problem: 'retriever is not written out here, so the library is known only when the build runs (lint does not know its vars)', dynamic: true };
  }
  if (e.type !== 'Call' || e.callee.type !== 'Ident' || (e.callee.name !== 'modernSCM' && e.callee.name !== 'legacySCM')) {
    return { problem: `retriever: Kiln fetches a library from git, written as ${FORMS}` };
  }
  const kind = e.callee.name;
  const inner = e.args[0] ?? e.namedArgs.find((a) => a.name === 'scm')?.value;
  if (!inner) return { problem: `${kind}() needs the repository: ${FORMS}` };
  if (inner.type === 'Call' && inner.callee.type === 'Ident' && inner.callee.name === 'git') {
    return { problem: `${kind}(git(...)): git here is the git step (it would check out into the workspace, as in Jenkins); write ${kind === 'modernSCM' ? "modernSCM([$class: 'GitSCMSource', remote: URL, credentialsId: ID])" : "legacySCM([$class: 'GitSCM', userRemoteConfigs: [[url: URL, credentialsId: ID]]])"}` };
  }
  if (kind === 'legacySCM' && inner.type === 'Ident' && inner.name === 'scm') return { retriever: { url: null, credentialsId: null, form: 'legacySCM(scm)' } };
  const f = fieldsOf(inner);
  if (!f) return { problem: `${kind}: expected ${FORMS}` };
  const cls = inner.type === 'Map' ? lit(f.get('$class'), '$class') : inner.type === 'Call' && inner.callee.type === 'Ident' ? inner.callee.name : undefined;
  if (cls !== null && typeof cls === 'object') return cls;
  const str = (k: string) => lit(f.get(k), k);
  type Lit = ReturnType<typeof lit>;
  const done = (url: Lit, cred: Lit, form: string): { retriever: LibraryRetriever } | { problem: string; dynamic?: true } => {
    if (url !== null && typeof url === 'object') return url;
    if (cred !== null && typeof cred === 'object') return cred;
    if (typeof url !== 'string' || url === '') return { problem: `${form} needs the repository's URL` };
    return { retriever: { url, credentialsId: cred ?? null, form } };
  };
  if (kind === 'modernSCM' && cls === 'GitSCMSource') return done(str('remote'), str('credentialsId'), 'modernSCM(GitSCMSource)');
  if (kind === 'modernSCM' && (cls === 'github' || cls === 'GitHubSCMSource')) {
    const given = str('repositoryUrl');
    if (given !== null && typeof given === 'object') return given;
    const owner = str('repoOwner');
    const repo = str('repository');
    if (typeof given === 'string' && given !== '') return done(given, str('credentialsId'), 'modernSCM(github)');
    if (typeof owner !== 'string' || typeof repo !== 'string' || !/^[\w.-]+$/.test(owner) || !/^[\w.-]+$/.test(repo)) {
      return { problem: 'modernSCM(github(...)) needs repoOwner and repository (literal names), or repositoryUrl' };
    }
    return done(`https://github.com/${owner}/${repo.replace(/\.git$/, '')}.git`, str('credentialsId'), 'modernSCM(github)');
  }
  if (kind === 'legacySCM' && cls === 'GitSCM') {
    const remotes = f.get('userRemoteConfigs');
    const first = remotes?.type === 'List' ? remotes.items[0] : undefined;
    const rf = first ? fieldsOf(first) : null;
    if (!rf) return { problem: "legacySCM([$class: 'GitSCM', ...]) needs userRemoteConfigs: [[url: URL]]" };
    return done(lit(rf.get('url'), 'url'), lit(rf.get('credentialsId'), 'credentialsId'), 'legacySCM(GitSCM)');
  }
  return { problem: `${kind}(${typeof cls === 'string' ? cls : '?'}): Kiln fetches libraries from git only: ${FORMS}` };
}

/** The retriever the `library` step received at run time (the symbols' descriptor maps, or `scm`): what to fetch, or why not. */
export function retrieverOfValue(v: Value): { retriever: LibraryRetriever } | { problem: string } {
  const bad = { problem: `retriever: Kiln fetches a library from git, written as ${FORMS}` };
  if (!isMap(v)) return bad;
  const kind = v.get('$symbol');
  if (kind !== 'modernSCM' && kind !== 'legacySCM') return bad;
  const inner = v.get('scm') ?? null;
  if (kind === 'legacySCM' && isHostObject(inner) && inner.typeName === 'GitSCM') return { retriever: { url: null, credentialsId: null, form: 'legacySCM(scm)' } };
  if (!isMap(inner)) return { problem: `${kind}: expected ${FORMS}` };
  const cls = inner.get('$class') ?? inner.get('$symbol');
  const s = (m: Map<string, Value> | Map<Value, Value>, k: string): string | null => {
    const x = (m as Map<Value, Value>).get(k);
    return typeof x === 'string' && x !== '' ? x : x === null || x === undefined ? null : String(x);
  };
  const done = (url: string | null, cred: string | null, form: string): { retriever: LibraryRetriever } | { problem: string } =>
    url ? { retriever: { url, credentialsId: cred, form } } : { problem: `${form} needs the repository's URL` };
  if (kind === 'modernSCM' && cls === 'GitSCMSource') return done(s(inner, 'remote'), s(inner, 'credentialsId'), 'modernSCM(GitSCMSource)');
  if (kind === 'modernSCM' && (cls === 'github' || cls === 'GitHubSCMSource')) {
    const given = s(inner, 'repositoryUrl');
    if (given) return done(given, s(inner, 'credentialsId'), 'modernSCM(github)');
    const owner = s(inner, 'repoOwner');
    const repo = s(inner, 'repository');
    if (!owner || !repo || !/^[\w.-]+$/.test(owner) || !/^[\w.-]+$/.test(repo)) return { problem: 'modernSCM(github(...)) needs repoOwner and repository, or repositoryUrl' };
    return done(`https://github.com/${owner}/${repo.replace(/\.git$/, '')}.git`, s(inner, 'credentialsId'), 'modernSCM(github)');
  }
  if (kind === 'legacySCM' && cls === 'GitSCM') {
    const remotes = inner.get('userRemoteConfigs');
    const first = isList(remotes) ? remotes[0] : undefined;
    if (!isMap(first)) return { problem: "legacySCM([$class: 'GitSCM', ...]) needs userRemoteConfigs: [[url: URL]]" };
    return done(s(first, 'url'), s(first, 'credentialsId'), 'legacySCM(GitSCM)');
  }
  return { problem: `${String(kind)}(${typeof cls === 'string' ? cls : '?'}): Kiln fetches libraries from git only: ${FORMS}` };
}

function strings(e: Expr): { value: string; loc: Loc }[] {
  if (e.type === 'String') return [{ value: e.value, loc: e.loc }];
  if (e.type === 'List') return e.items.flatMap((x) => (x.type === 'String' ? [{ value: x.value, loc: x.loc }] : []));
  return [];
}

/** `pipeline { libraries { lib('x') } }`: the lib() strings (a "${...}" made of the file's constants: constant-text.ts). */
function librariesBlock(stmt: Stmt, topLevel: readonly Stmt[]): { value: string; loc: Loc }[] | null {
  if (stmt.type !== 'ExprStmt' || stmt.expr.type !== 'Call' || stmt.expr.callee.type !== 'Ident' || stmt.expr.callee.name !== 'pipeline') return null;
  const out: { value: string; loc: Loc }[] = [];
  for (const s of stmt.expr.closure?.body ?? []) {
    if (s.type !== 'ExprStmt' || s.expr.type !== 'Call' || s.expr.callee.type !== 'Ident' || s.expr.callee.name !== 'libraries') continue;
    for (const l of s.expr.closure?.body ?? []) {
      if (l.type !== 'ExprStmt' || l.expr.type !== 'Call' || l.expr.callee.type !== 'Ident' || l.expr.callee.name !== 'lib') continue;
      // a "${...}" of top-level constants is known before the run, as validation fills it in
      const a = l.expr.args[0];
      const text = a && l.expr.args.length === 1 ? constantText(topLevel, a) : null;
      if (a && text !== null) out.push({ value: text, loc: a.loc });
    }
  }
  return out;
}
