// JFrog File Specs (the JSON that rtUpload / rtDownload / server.upload take: {"files": [...]}),
// read and applied as the Artifactory plugin's build-info extractor applies them, as pure
// functions the runtime calls and tests check alone:
//   parseSpec        the JSON text → checked groups (pattern or aql, target, props, flat,
//                    recursive, exclusions, regexp), with an error naming the group and field
//   wildcardRegex    a wildcard pattern → a RegExp source (`*` any run of characters, `/`
//                    included; `?` one character; parentheses are the groups `{1}`, `{2}` name)
//   uploadTargets    the workspace files a group matches → repository and path of each
//   downloadQuery    the AQL a download group sends (items.find(...)); downloadPlan: the items
//                    of the answer the group matches → workspace paths
// Defaults as the extractor has them: upload flat true, recursive true; download flat false.
// Security: a pattern or target whose path leaves the workspace, a repository path with `.` or
// `..` segments, and an answer's item whose local path would leave the target, are errors.
import path from 'node:path/posix';

export interface SpecGroup {
  /** The wildcard (or regexp) pattern; '' for an AQL download. */
  pattern: string;
  /** items.find's JSON object for an AQL download; null otherwise. */
  aql: Record<string, unknown> | null;
  target: string;
  /** "k=v;k2=v3,v4" as written; parsed by parseProps. */
  props: string;
  flat: boolean;
  recursive: boolean;
  regexp: boolean;
  exclusions: string[];
  /** Download: only artifacts of this build ("name/number" or "name"). '' for none. */
  build: string;
  /** Download: AQL's sort, offset and limit (`.sort({"$asc": [...]}).offset(n).limit(n)`). */
  sortBy: string[];
  sortOrder: 'asc' | 'desc';
  limit: number | null;
  offset: number | null;
}

function sortBy(v: unknown, at: string): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (list.some((x) => typeof x !== 'string' || !/^[a-z_.]{1,40}$/.test(x))) throw new Error(`${at}: a list of item fields ("name", "path", "created", ...)`);
  return list as string[];
}

function count(v: unknown, at: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error(`${at}: a whole number, 0 or more`);
  return n;
}

const KNOWN = ['pattern', 'aql', 'target', 'props', 'flat', 'recursive', 'regexp', 'exclusions', 'excludePatterns', 'build', 'sortBy', 'sortOrder', 'limit', 'offset'];
/** Fields Kiln takes only with their default (false): another value is an error, never ignored. */
const ONLY_FALSE = ['explode', 'ant', 'includeDirs', 'validateSymlinks', 'symlinks', 'excludeArtifacts', 'includeDeps'];

function bool(v: unknown, def: boolean, at: string): boolean {
  if (v === undefined || v === null || v === '') return def;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  throw new Error(`${at}: expected true or false, got ${JSON.stringify(v)}`);
}

function str(v: unknown, at: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new Error(`${at}: expected a string, got ${JSON.stringify(v)}`);
  return v;
}

/** Reads a File Spec's JSON text for an upload or a download; throws what is wrong and where. */
export function parseSpec(text: string, kind: 'upload' | 'download'): SpecGroup[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`the spec is not JSON: ${(e as Error).message}`);
  }
  const files = (doc as { files?: unknown } | null)?.files;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(files)) throw new Error('the spec must be an object with a "files" list: {"files": [{"pattern": "...", "target": "..."}]}');
  if (files.length === 0) throw new Error('the spec\'s "files" list is empty');
  if (files.length > 1000) throw new Error('the spec has more than 1000 file groups');
  return files.map((f, i): SpecGroup => {
    const at = `files[${i}]`;
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw new Error(`${at}: must be an object`);
    const o = f as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (ONLY_FALSE.includes(k)) {
        if (bool(o[k], false, `${at}.${k}`)) throw new Error(`${at}.${k}: Kiln does not support this File Spec option (only false)`);
      } else if (!KNOWN.includes(k)) {
        throw new Error(`${at}.${k}: ${['targetProps', 'bundle', 'archive', 'type', 'project', 'exclude-patterns', 'specId'].includes(k) ? 'a File Spec field Kiln does not support' : 'unknown File Spec field'}`);
      }
    }
    const pattern = str(o.pattern, `${at}.pattern`);
    let aql: Record<string, unknown> | null = null;
    if (o.aql !== undefined) {
      if (kind === 'upload') throw new Error(`${at}.aql: an upload spec takes a pattern, not aql`);
      const a = typeof o.aql === 'string' ? (() => { try { return JSON.parse(o.aql as string) as unknown; } catch { throw new Error(`${at}.aql: not JSON`); } })() : o.aql;
      const find = (a as Record<string, unknown> | null)?.['items.find'];
      if (typeof find !== 'object' || find === null || Array.isArray(find)) throw new Error(`${at}.aql: must be {"items.find": {...}}`);
      aql = find as Record<string, unknown>;
    }
    if (!pattern && !aql) throw new Error(`${at}: needs a "pattern"${kind === 'download' ? ' or an "aql"' : ''}`);
    if (pattern && aql) throw new Error(`${at}: give a "pattern" or an "aql", not both`);
    const target = str(o.target, `${at}.target`);
    if (kind === 'upload' && !target) throw new Error(`${at}: an upload needs a "target" ("repo/path/")`);
    const ex = o.exclusions ?? o.excludePatterns;
    if (ex !== undefined && (!Array.isArray(ex) || ex.some((x) => typeof x !== 'string'))) throw new Error(`${at}.exclusions: expected a list of patterns`);
    const regexp = bool(o.regexp, false, `${at}.regexp`);
    if (kind === 'upload' && ['sortBy', 'sortOrder', 'limit', 'offset', 'build'].some((k) => o[k] !== undefined)) throw new Error(`${at}: sortBy, sortOrder, limit, offset and build are for downloads`);
    if (regexp && kind === 'download') throw new Error(`${at}.regexp: only an upload takes a regexp pattern`);
    if (regexp) {
      try { new RegExp(pattern); } catch (e) { throw new Error(`${at}.pattern: not a regular expression: ${(e as Error).message}`); }
    }
    return {
      pattern, aql, target,
      props: str(o.props, `${at}.props`),
      flat: bool(o.flat, kind === 'upload', `${at}.flat`),
      recursive: bool(o.recursive, true, `${at}.recursive`),
      regexp,
      exclusions: ((ex as string[] | undefined) ?? []).filter((x) => x.trim()),
      build: str(o.build, `${at}.build`),
      sortBy: sortBy(o.sortBy, `${at}.sortBy`),
      sortOrder: o.sortOrder === undefined ? 'asc' : o.sortOrder === 'asc' || o.sortOrder === 'desc' ? o.sortOrder : (() => { throw new Error(`${at}.sortOrder: 'asc' or 'desc'`); })(),
      limit: count(o.limit, `${at}.limit`),
      offset: count(o.offset, `${at}.offset`),
    };
  });
}

/** "a=1;b=2,3" → [[a, [1]], [b, [2, 3]]]; throws on an entry without a key. */
export function parseProps(props: string): [string, string[]][] {
  const out: [string, string[]][] = [];
  for (const part of props.split(';')) {
    if (!part.trim()) continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (!key) throw new Error(`property '${part}' has no key`);
    out.push([key, eq < 0 ? [''] : part.slice(eq + 1).split(',')]);
  }
  return out;
}

/** A wildcard pattern as a RegExp source: `*` → `.*`, `?` → `.`, parentheses kept as groups, the rest literal. */
export function wildcardRegex(p: string, slashInStar = true): string {
  let out = '';
  for (const ch of p) {
    if (ch === '*') out += slashInStar ? '.*' : '[^/]*';
    else if (ch === '?') out += slashInStar ? '.' : '[^/]';
    else if (ch === '(' || ch === ')') out += ch;
    else out += ch.replace(/[.+^${}|[\]\\]/g, '\\$&');
  }
  return out;
}

/** Replaces {1}, {2}... in `target` with the groups of `re` found in `source` (as the extractor's reformatRegexp). */
export function placeholders(source: string, target: string, re: RegExp): string {
  const m = re.exec(source);
  if (!m) return target;
  let t = target;
  for (let i = 1; i < m.length; i++) t = t.split(`{${i}}`).join(m[i] ?? '');
  return t;
}

/** Splits "repo/path" into the repository and the path in it ('' for the root); checks both. */
export function splitTarget(target: string, at: string): { repo: string; path: string } {
  const t = target.replace(/^\/+/, '');
  const slash = t.indexOf('/');
  const repo = slash < 0 ? t : t.slice(0, slash);
  const rest = slash < 0 ? '' : t.slice(slash + 1);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(repo)) throw new Error(`${at}: '${repo}' is not a repository key (the target is "repo/path")`);
  return { repo, path: rest };
}

/** A path inside a repository: no '.' or '..' segment, no control characters, no backslash. */
export function checkRepoPath(p: string, at: string): string {
  const clean = p.replace(/\/{2,}/g, '/').replace(/^\//, '');
  if (!clean) throw new Error(`${at}: the path in the repository is empty`);
  if (clean.split('/').some((s) => s === '.' || s === '..') || /[\0-\x1f\\]/.test(clean)) throw new Error(`${at}: '${p}' is not a path inside the repository ('.', '..' and control characters are refused)`);
  return clean;
}

/** Normalizes a workspace-relative path; null when it leaves the workspace (or is absolute). */
export function inside(rel: string): string | null {
  if (rel.startsWith('/')) return null;
  const n = path.normalize(rel);
  if (n === '..' || n.startsWith('../')) return null;
  return n === '.' ? '' : n.replace(/\/$/, '');
}

/** Where an upload group's files are looked for: the base directory (relative to the step's directory) and the rest of the pattern. */
export function uploadBase(g: SpecGroup, at: string): { base: string; rest: string } {
  if (g.pattern.startsWith('/') || /^[A-Za-z]:[\\/]/.test(g.pattern)) throw new Error(`${at}.pattern: '${g.pattern}' is absolute: a pattern is relative to the workspace`);
  const p = g.regexp ? g.pattern : g.pattern.replace(/[()]/g, '');
  const cut = p.search(g.regexp ? /[.*+?^${}()|[\]\\]/ : /[*?]/);
  const lit = cut < 0 ? p : p.slice(0, cut);
  const base = lit.slice(0, lit.lastIndexOf('/') + 1);
  const b = inside(base || '.');
  if (b === null) throw new Error(`${at}.pattern: '${g.pattern}' leaves the workspace`);
  const rest = p.slice(base.length);
  return { base: b, rest: p.endsWith('/') ? rest + (g.regexp ? '.*' : '*') : rest };
}

export interface UploadItem { file: string; repo: string; path: string }

/**
 * The repository path of each file (`files`: relative to the step's directory, under the group's
 * base) the group matches, in the order given.
 */
export function uploadTargets(files: readonly string[], g: SpecGroup, at: string): UploadItem[] {
  const { base, rest } = uploadBase(g, at);
  const { repo, path: tpath } = splitTarget(g.target, `${at}.target`);
  const restRe = new RegExp(`^${g.regexp ? rest : wildcardRegex(rest)}$`);
  const depth = rest.split('/').length - 1;
  const whole = new RegExp(g.regexp ? g.pattern : wildcardRegex(g.pattern));
  const excl = g.exclusions.map((x) => new RegExp(`^(${g.regexp ? x : wildcardRegex(x)})$`));
  const targetPath = tpath === '' ? '/' : tpath;
  const isDir = targetPath.endsWith('/');
  const out: UploadItem[] = [];
  for (const file of files) {
    const rel = base ? (file.startsWith(`${base}/`) ? file.slice(base.length + 1) : null) : file;
    if (rel === null) continue;
    if (!g.recursive && !g.regexp && rel.split('/').length - 1 !== depth) continue;
    if (!restRe.test(rel)) continue;
    if (excl.some((r) => r.test(file))) continue;
    let t = targetPath;
    if (isDir && !g.flat) {
      const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/') + 1) : '';
      t = `${targetPath}${dir}`;
    }
    t = placeholders(file, t, whole);
    if (t.endsWith('/')) t += file.slice(file.lastIndexOf('/') + 1);
    out.push({ file, repo, path: checkRepoPath(t, `${at}.target`) });
  }
  return out;
}

/** The AQL query text of a download group (the items.find the plugin sends, with what it includes). */
export function downloadQuery(g: SpecGroup, at: string): string {
  const include = '.include("name","repo","path","actual_md5","actual_sha1","sha256","size","type")'
    + (g.sortBy.length ? `.sort(${JSON.stringify({ [`$${g.sortOrder}`]: g.sortBy })})` : '')
    + (g.offset !== null ? `.offset(${g.offset})` : '') + (g.limit !== null ? `.limit(${g.limit})` : '');
  if (g.aql) return `items.find(${JSON.stringify(g.aql)})${include}`;
  const { repo, path: rest } = splitTarget(g.pattern, `${at}.pattern`);
  const p = rest || '*';
  const slash = p.lastIndexOf('/');
  const dir = slash < 0 ? '.' : p.slice(0, slash) || '.';
  const name = slash < 0 ? p : p.slice(slash + 1) || '*';
  const or: Record<string, unknown>[] = [{ path: { $match: dir }, name: { $match: name } }];
  if (g.recursive) or.push({ path: { $match: dir === '.' ? '*' : `${dir}/*` }, name: { $match: name } });
  if (g.recursive && name === '*' && dir !== '.') or.push({ path: { $match: `${dir}*` }, name: { $match: '*' } });
  const q: Record<string, unknown> = { repo, $or: or.map((x) => ({ $and: [x] })), type: 'file' };
  for (const [k, vals] of parseProps(g.props)) q[`@${k}`] = vals.length === 1 ? vals[0] : { $or: vals.map((v) => ({ [`@${k}`]: v })) };
  if (g.build) {
    const i = g.build.lastIndexOf('/');
    q['artifact.module.build.name'] = i < 0 ? g.build : g.build.slice(0, i);
    if (i >= 0) q['artifact.module.build.number'] = g.build.slice(i + 1);
  }
  return `items.find(${JSON.stringify(q)})${include}`;
}

export interface AqlItem { repo: string; path: string; name: string; type?: string; size?: number; actual_sha1?: string; actual_md5?: string; sha256?: string }
export interface DownloadItem { item: AqlItem; /** "repo/path/name" */ full: string; /** relative to the step's directory */ local: string }

/** The AQL answer's items (files) the group's pattern and exclusions match, with "repo/path/name" and the path in the repository. */
export function matchedItems(items: readonly AqlItem[], g: SpecGroup, at: string): { item: AqlItem; full: string; inRepo: string }[] {
  const whole = g.pattern ? new RegExp(`^${wildcardRegex(g.pattern, g.recursive)}$`) : null;
  const excl = g.exclusions.map((x) => new RegExp(`^(${wildcardRegex(x)})$`));
  const out: { item: AqlItem; full: string; inRepo: string }[] = [];
  for (const item of items) {
    if (item.type && item.type !== 'file') continue;
    if (typeof item.repo !== 'string' || typeof item.path !== 'string' || typeof item.name !== 'string') throw new Error(`${at}: the AQL answer has an item without repo, path and name`);
    const inRepo = item.path === '.' || item.path === '' ? item.name : `${item.path}/${item.name}`;
    const full = `${item.repo}/${inRepo}`;
    if (whole && !whole.test(full)) continue;
    if (excl.some((r) => r.test(full))) continue;
    checkRepoPath(inRepo, `${at}: item '${full}'`);
    if (item.name.includes('/')) throw new Error(`${at}: item '${full}' has a '/' in its name`);
    out.push({ item, full, inRepo });
  }
  return out;
}

/** The AQL answer's items the group matches, with where each goes (relative to the step's directory). */
export function downloadPlan(items: readonly AqlItem[], g: SpecGroup, at: string): DownloadItem[] {
  const out: DownloadItem[] = [];
  for (const { item, full, inRepo } of matchedItems(items, g, at)) {
    let t = g.target;
    if (g.pattern && t) t = placeholders(full, t, new RegExp(wildcardRegex(g.pattern)));
    let local: string;
    if (!t) local = g.flat ? item.name : inRepo;
    else if (t.endsWith('/')) local = t + (g.flat ? item.name : inRepo);
    else local = t;
    const n = inside(local);
    if (n === null || n === '') throw new Error(`${at}: item '${full}' would be written to '${local}', outside the workspace`);
    out.push({ item, full, local: n });
  }
  return out;
}
