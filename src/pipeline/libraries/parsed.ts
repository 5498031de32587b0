// A shared library's files as the pipeline reads them: each `vars/NAME.groovy` parsed (a global
// variable), its `vars/NAME.txt` (help text), each `src/**.groovy` parsed (classes, with their
// package), and every problem found, placed in its own file of the library.
//
// Why: lint and the run both need the parsed library, and a build must not pay for parsing a
// library it loaded before: parse results are cached per (library, commit, path), or (library,
// version, path) for a library read from a plain directory (no commit); a hit must be of the
// same text. Cached entries are never changed by
// their users (the interpreter keeps its state elsewhere).
//
// How errors find their file: each library file is parsed with offsets of its own (a range no
// Jenkinsfile reaches), so the file and library of any location in it are known (libraryPlace),
// and an error raised while running library code (whichever interpreter runs it) is reported as
// `vars/foo.groovy:12:5 of library mylib@main`. Lines and columns are the file's own.
// A script the `load` step reads is placed the same way (library ''): its errors say `lib.groovy:3:5`.
import { createHash } from 'node:crypto';
import type { Loc } from '../../core/build.ts';
import type { LibraryContent } from '../../core/libraries.ts';
import { diag, type Diagnostic } from '../diagnostics.ts';
import type { ClassDecl, Script } from '../syntax/ast.ts';
import { parse } from '../syntax/parser.ts';

/** A file of a library, and the library ('mylib@main'). */
export interface LibraryPlace {
  file: string;
  library: string;
}

export interface LibraryVar {
  name: string;
  /** 'vars/NAME.groovy' */
  file: string;
  source: string;
  /** null when the file does not parse (its errors are in the library's diagnostics). */
  script: Script | null;
  /** The text of vars/NAME.txt, or null. */
  help: string | null;
}

export interface LibraryClassFile {
  file: string;
  /** The file's `package`, or null. */
  pkg: string | null;
  script: Script | null;
  /** Its top-level classes: simple and qualified names. */
  classes: { name: string; fqn: string; decl: ClassDecl }[];
}

export interface ParsedLibrary {
  content: LibraryContent;
  /** 'name@version' */
  label: string;
  vars: Map<string, LibraryVar>;
  classFiles: LibraryClassFile[];
  /** Syntax errors and structural problems (a file that is not a var, a class cycle), each with file and library. */
  diagnostics: Diagnostic[];
}

/**
 * Each parsed library file gets its own range of offsets (parse's offsetBase): the file a
 * location is in is then a lookup by `offset / FILE_SPAN`, with nothing to record per node.
 */
const FILE_SPAN = 2 ** 32;
const places = new Map<number, LibraryPlace>();
let nextSlot = 1;
/** Offsets stay exact doubles: slot × FILE_SPAN < 2^53. */
const MAX_SLOT = 2 ** 20;

/** The library file a location of library code is in; undefined for the Jenkinsfile's own. */
export function libraryPlace(loc: Loc | null | undefined): LibraryPlace | undefined {
  if (!loc || loc.start.offset < FILE_SPAN) return undefined;
  return places.get(Math.floor(loc.start.offset / FILE_SPAN));
}

/** `vars/foo.groovy:12:5 of library mylib@main`, or null when the location is not in a library. */
export function describeLibraryLoc(loc: Loc | null | undefined): string | null {
  const p = libraryPlace(loc);
  if (!p || !loc) return null;
  return p.library === '' ? `${p.file}:${loc.start.line}:${loc.start.col}` : `${p.file}:${loc.start.line}:${loc.start.col} of library ${p.library}`;
}

/** Scripts the `load` step parsed, by path and text: a loop loading the same file reuses its parse and slot. Bounded: oldest dropped first. */
const loadedCache = new Map<string, { text: string; slot: number; script: Script | null; errors: string[] }>();

/**
 * Parses a script the `load` step read from the workspace (path as written), in a range of
 * offsets of its own like a library file (place with library ''), so an error raised while it
 * runs is reported as `lib.groovy:3:5`. Returns its syntax tree, or its syntax errors as
 * `path:line:col: message` lines.
 */
export function parseLoadedScript(path: string, text: string): { script: Script | null; errors: string[] } {
  const key = `${path}\0${createHash('sha256').update(text).digest('hex')}`;
  const hit = loadedCache.get(key);
  if (hit && hit.text === text) return hit;
  let slot = 0;
  if (text.length < FILE_SPAN) {
    while (places.has(nextSlot)) nextSlot = (nextSlot % MAX_SLOT) + 1;
    slot = nextSlot;
    nextSlot = (nextSlot % MAX_SLOT) + 1;
    places.set(slot, { file: path, library: '' });
  }
  const r = parse(text, slot * FILE_SPAN);
  const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${path}:${d.loc.start.line}:${d.loc.start.col}: ${d.message}`);
  if (!r.ast && errors.length === 0) errors.push(`${path}:1:1: The file could not be parsed`);
  const entry = { text, slot, script: errors.length > 0 ? null : r.ast, errors };
  if (hit) places.delete(hit.slot);
  loadedCache.set(key, entry);
  if (loadedCache.size > 500) {
    const oldest = loadedCache.keys().next().value!;
    places.delete(loadedCache.get(oldest)!.slot);
    loadedCache.delete(oldest);
  }
  return entry;
}

interface CachedFile {
  /** The text parsed: a hit must be of the same text (a test's or a broken host's commit may lie). */
  text: string;
  /** Its range of offsets (libraryPlace). */
  slot: number;
  script: Script | null;
  diagnostics: Diagnostic[];
}

/** Parsed files by (library, commit, path); by text when there is no commit. Bounded: oldest dropped first. */
const cache = new Map<string, CachedFile>();
const CACHE_MAX = 5000;

function parseFile(lib: LibraryContent, label: string, path: string, text: string): CachedFile {
  const key = `${lib.name}\0${lib.commit ?? lib.version}\0${path}`;
  const hit = cache.get(key);
  if (hit && hit.text === text) return hit;
  let slot = 0;
  if (text.length < FILE_SPAN) {
    while (places.has(nextSlot)) nextSlot = (nextSlot % MAX_SLOT) + 1;
    slot = nextSlot;
    nextSlot = (nextSlot % MAX_SLOT) + 1;
    places.set(slot, { file: path, library: label });
  }
  const r = parse(text, slot * FILE_SPAN);
  const diagnostics = r.diagnostics.map((d) => ({ ...d, file: path, library: label }));
  if (!r.ast && !diagnostics.some((d) => d.severity === 'error')) {
    diagnostics.push({ ...diag('syntax', 'The file could not be parsed', { start: { line: 1, col: 1, offset: 0 }, end: { line: 1, col: 1, offset: 0 } }), file: path, library: label });
  }
  const entry: CachedFile = { text, slot, script: diagnostics.some((d) => d.severity === 'error') ? null : r.ast, diagnostics };
  if (hit) places.delete(hit.slot);
  cache.set(key, entry);
  if (cache.size > CACHE_MAX) {
    const oldest = cache.keys().next().value!;
    places.delete(cache.get(oldest)!.slot);
    cache.delete(oldest);
  }
  return entry;
}

/** Forgets every cached parse (benches measure a cold parse with it). */
export function clearLibraryCache(): void {
  cache.clear();
  parsedCache.clear();
}

const parsedCache = new Map<string, ParsedLibrary>();

export function libraryLabel(lib: LibraryContent): string {
  return `${lib.name}@${lib.version}`;
}

const VAR_FILE = /^vars\/([A-Za-z_$][\w$]*)\.groovy$/;
const HELP_FILE = /^vars\/([A-Za-z_$][\w$]*)\.txt$/;
const SRC_FILE = /^src\/(.+)\.groovy$/;

/** Parses a library's files (each file's parse cached). */
export function parseLibrary(lib: LibraryContent): ParsedLibrary {
  const label = libraryLabel(lib);
  const key = lib.commit !== null ? `${lib.name}\0${lib.commit}` : null;
  if (key !== null) {
    const hit = parsedCache.get(key);
    if (hit && hit.content === lib) return hit;
  }
  const vars = new Map<string, LibraryVar>();
  const classFiles: LibraryClassFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const paths = [...lib.files.keys()].sort();
  for (const path of paths) {
    const text = lib.files.get(path)!;
    const v = VAR_FILE.exec(path);
    if (v) {
      const f = parseFile(lib, label, path, text);
      diagnostics.push(...f.diagnostics);
      vars.set(v[1]!, { name: v[1]!, file: path, source: text, script: f.script, help: lib.files.get(`vars/${v[1]}.txt`) ?? null });
      continue;
    }
    if (HELP_FILE.test(path)) continue;
    const s = SRC_FILE.exec(path);
    if (s) {
      const f = parseFile(lib, label, path, text);
      diagnostics.push(...f.diagnostics);
      const pkg = packageOf(text);
      const classes = (f.script?.body ?? []).flatMap((st) => (st.type === 'Class' ? [{ name: st.name, fqn: pkg ? `${pkg}.${st.name}` : st.name, decl: st }] : []));
      classFiles.push({ file: path, pkg, script: f.script, classes });
    }
  }
  const out: ParsedLibrary = { content: lib, label, vars, classFiles, diagnostics };
  if (key !== null) {
    parsedCache.set(key, out);
    if (parsedCache.size > 500) parsedCache.delete(parsedCache.keys().next().value!);
  }
  return out;
}

/** The `package a.b.c` a Groovy file starts with (after comments), or null. */
function packageOf(text: string): string | null {
  const m = /^(?:\s|\/\/[^\n]*\n|\/\*[\s\S]*?\*\/)*package\s+([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)/.exec(text);
  return m ? m[1]! : null;
}

/** A library's vars with their help text (vars/NAME.txt), by name: for the hosts' UI and lint. */
export function libraryVars(lib: LibraryContent): { name: string; help: string | null }[] {
  return [...parseLibrary(lib).vars.values()].map((v) => ({ name: v.name, help: v.help })).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * The classes of all the libraries given, checked together as Groovy compiles them with the
 * script: two classes of the same simple name (the interpreter resolves classes by it), and
 * cycles of `extends`. Problems are reported in the file of the class.
 */
export function checkLibraryClasses(libs: readonly ParsedLibrary[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, { fqn: string; file: string; library: string; decl: ClassDecl }>();
  for (const lib of libs) {
    for (const cf of lib.classFiles) {
      for (const c of cf.classes) {
        const prev = byName.get(c.name);
        if (prev) {
          out.push({ ...diag('class-conflict', `class ${c.fqn} has the same name as ${prev.fqn} (${prev.file} of library ${prev.library}): Kiln resolves library classes by their simple name, rename one`, c.decl.nameLoc), file: cf.file, library: lib.label });
          continue;
        }
        byName.set(c.name, { fqn: c.fqn, file: cf.file, library: lib.label, decl: c.decl });
      }
    }
  }
  const simple = (n: string) => n.replace(/<.*$/, '').split('.').pop()!;
  for (const [name, c] of byName) {
    const seen = new Set<string>([name]);
    for (let sup = c.decl.superName; sup !== null; ) {
      const s = simple(sup);
      if (s === name) {
        out.push({ ...diag('class-cycle', `Cycle detected: the type ${name} cannot extend/implement itself or one of its own member types`, c.decl.nameLoc), file: c.file, library: c.library });
        break;
      }
      if (seen.has(s)) break;
      seen.add(s);
      sup = byName.get(s)?.decl.superName ?? null;
    }
  }
  return out;
}
