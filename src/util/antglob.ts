// Ant-style file patterns, as Jenkins uses them (archiveArtifacts, stash, junit, ...).
//
// Semantics follow Ant's DirectoryScanner / SelectorUtils.matchPath, which Jenkins reaches
// through hudson.Util.createFileSet:
// - a pattern list is split on ',' and each entry trimmed; empty entries are ignored; an
//   empty include list means "everything" (Ant's implicit `**`);
// - '/' and '\' both separate segments in a pattern, repeated separators collapse, and a
//   pattern ending in a separator gets `**` appended (`build/` = `build/**`);
// - a `**` segment matches zero or more directories; `*` matches any run of characters
//   within one segment (dot files included); `?` matches exactly one character; `**` inside
//   a segment (`a**b`) behaves like `*`;
// - matching is case-sensitive unless asked otherwise;
// - a pattern that starts with a separator (`/abs/path`) is absolute and never matches the
//   relative paths scanned under a base directory (as in Ant);
// - Ant's default excludes (`**\/.git/**`, `**\/*~`, ...) are applied unless turned off.
//
// A directory that an exclude pattern ends in (`dist`, matched by `**\/dist`) does not hide
// the files under it: only patterns that cover a whole subtree (`**\/dist/**`) do, as in Ant.

/** Ant's DirectoryScanner.DEFAULTEXCLUDES (Ant 1.10). */
export const DEFAULT_EXCLUDES: readonly string[] = [
  // Miscellaneous typical temporary files
  '**/*~', '**/#*#', '**/.#*', '**/%*%', '**/._*',
  // CVS
  '**/CVS', '**/CVS/**', '**/.cvsignore',
  // SCCS
  '**/SCCS', '**/SCCS/**',
  // Visual SourceSafe
  '**/vssver.scc',
  // Subversion
  '**/.svn', '**/.svn/**',
  // Git
  '**/.git', '**/.git/**', '**/.gitattributes', '**/.gitignore', '**/.gitmodules',
  // Mercurial
  '**/.hg', '**/.hg/**', '**/.hgignore', '**/.hgsub', '**/.hgsubstate', '**/.hgtags',
  // Bazaar
  '**/.bzr', '**/.bzr/**', '**/.bzrignore',
  // Mac
  '**/.DS_Store',
];

export interface AntPatternOptions {
  /** Apply Ant's default excludes (Jenkins' `defaultExcludes` / `useDefaultExcludes`). Default true. */
  defaultExcludes?: boolean;
  /** Match case-sensitively (Jenkins' `caseSensitive`). Default true. */
  caseSensitive?: boolean;
}

export interface AntMatcher {
  /** Whether a file at this '/'-separated path (relative to the scanned directory) is selected. */
  matches(relPath: string): boolean;
  /**
   * Whether some file strictly under this directory (relative, '/'-separated; '' for the
   * base itself) could be selected. A walk that skips directories for which this is false
   * finds exactly the files `matches` selects.
   */
  couldMatchUnder(dirRelPath: string): boolean;
}

/** Splits a Jenkins pattern list: comma-separated, each entry trimmed, empty entries dropped. */
export function splitAntPatterns(list: string | undefined | null): string[] {
  if (list == null) return [];
  const out: string[] = [];
  for (const raw of list.split(',')) {
    const p = raw.trim();
    if (p !== '') out.push(p);
  }
  return out;
}

type Segment =
  | { kind: 'deep' }
  | { kind: 'literal'; text: string }
  | { kind: 'wild'; re: RegExp };

interface CompiledPattern {
  source: string;
  absolute: boolean;
  segments: Segment[];
  /** tailAllDeep[i]: every segment from i to the end is `**` (true at the end too). */
  tailAllDeep: boolean[];
}

const DEEP: Segment = { kind: 'deep' };

function compileSegment(seg: string, caseSensitive: boolean): Segment {
  if (seg === '**') return DEEP;
  if (!seg.includes('*') && !seg.includes('?') && caseSensitive) return { kind: 'literal', text: seg };
  let src = '';
  for (const ch of seg) {
    if (ch === '*') {
      if (!src.endsWith('.*')) src += '.*';
    } else if (ch === '?') {
      src += '.';
    } else {
      src += ch.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
    }
  }
  return { kind: 'wild', re: new RegExp(`^${src}$`, caseSensitive ? 'su' : 'siu') };
}

function compilePattern(pattern: string, caseSensitive: boolean): CompiledPattern {
  let p = pattern.replace(/\\/g, '/');
  if (p.endsWith('/')) p += '**';
  const absolute = p.startsWith('/');
  const segments: Segment[] = [];
  for (const part of p.split('/')) {
    if (part === '') continue;
    const seg = compileSegment(part, caseSensitive);
    // Consecutive `**` are one `**`.
    if (seg.kind === 'deep' && segments.length > 0 && segments[segments.length - 1]!.kind === 'deep') continue;
    segments.push(seg);
  }
  const tailAllDeep: boolean[] = new Array<boolean>(segments.length + 1);
  tailAllDeep[segments.length] = true;
  for (let i = segments.length - 1; i >= 0; i--) {
    tailAllDeep[i] = segments[i]!.kind === 'deep' && tailAllDeep[i + 1]!;
  }
  return { source: pattern, absolute, segments, tailAllDeep };
}

function segmentMatches(seg: Segment, name: string): boolean {
  switch (seg.kind) {
    case 'deep': return true;
    case 'literal': return seg.text === name;
    case 'wild': return seg.re.test(name);
  }
}

function pathSegments(relPath: string): string[] {
  return relPath.split('/').filter((s) => s !== '' && s !== '.');
}

/**
 * Runs the pattern's automaton over `names`. Returns the set of reachable states (index of
 * the next pattern segment to match; `segments.length` = whole pattern consumed), or null
 * when none is left.
 */
function run(p: CompiledPattern, names: string[]): Uint8Array | null {
  const n = p.segments.length;
  let states = new Uint8Array(n + 1);
  states[0] = 1;
  closure(p, states);
  for (const name of names) {
    const next = new Uint8Array(n + 1);
    let any = false;
    for (let i = 0; i < n; i++) {
      if (states[i] === 0) continue;
      const seg = p.segments[i]!;
      if (seg.kind === 'deep') {
        next[i] = 1;
        any = true;
      } else if (segmentMatches(seg, name)) {
        next[i + 1] = 1;
        any = true;
      }
    }
    if (!any) return null;
    closure(p, next);
    states = next;
  }
  return states;
}

/** A `**` may match zero directories: being before it is also being after it. */
function closure(p: CompiledPattern, states: Uint8Array): void {
  for (let i = 0; i < p.segments.length; i++) {
    if (states[i] === 1 && p.segments[i]!.kind === 'deep') states[i + 1] = 1;
  }
}

function patternMatches(p: CompiledPattern, names: string[]): boolean {
  if (p.absolute) return false;
  const s = run(p, names);
  return s !== null && s[p.segments.length] === 1;
}

/** Some path strictly under the directory `names` could match. */
function patternCouldMatchUnder(p: CompiledPattern, names: string[]): boolean {
  if (p.absolute) return false;
  const s = run(p, names);
  if (s === null) return false;
  for (let i = 0; i < p.segments.length; i++) if (s[i] === 1) return true;
  return false;
}

/** Every path strictly under the directory `names` matches. */
function patternCoversAllUnder(p: CompiledPattern, names: string[]): boolean {
  if (p.absolute) return false;
  const s = run(p, names);
  if (s === null) return false;
  for (let i = 0; i < p.segments.length; i++) if (s[i] === 1 && p.tailAllDeep[i]) return true;
  return false;
}

/**
 * Compiles include and exclude pattern lists (strings are split with `splitAntPatterns`).
 * An empty include list selects every file.
 */
export function compileAntPatterns(
  includes: string | readonly string[],
  excludes?: string | readonly string[] | null,
  options: AntPatternOptions = {},
): AntMatcher {
  const caseSensitive = options.caseSensitive ?? true;
  const incList = typeof includes === 'string' ? splitAntPatterns(includes) : includes.map((s) => s.trim()).filter((s) => s !== '');
  const excList = excludes == null ? [] : typeof excludes === 'string' ? splitAntPatterns(excludes) : excludes.map((s) => s.trim()).filter((s) => s !== '');
  if (options.defaultExcludes ?? true) excList.push(...DEFAULT_EXCLUDES);
  const inc = (incList.length === 0 ? ['**'] : incList).map((p) => compilePattern(p, caseSensitive));
  const exc = excList.map((p) => compilePattern(p, caseSensitive));
  return {
    matches(relPath: string): boolean {
      const names = pathSegments(relPath);
      if (names.length === 0) return false;
      return inc.some((p) => patternMatches(p, names)) && !exc.some((p) => patternMatches(p, names));
    },
    couldMatchUnder(dirRelPath: string): boolean {
      const names = pathSegments(dirRelPath);
      return inc.some((p) => patternCouldMatchUnder(p, names)) && !exc.some((p) => patternCoversAllUnder(p, names));
    },
  };
}
