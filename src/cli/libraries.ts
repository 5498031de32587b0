// Shared libraries for `kiln run` and `kiln lint`, with no controller: given on the command line
// or in a local config file, resolved on this machine.
//
//   --library NAME=URL_OR_PATH[@REF]   (repeatable)
//       NAME=/path/to/dir              a directory read as it is (vars/, src/, resources/), commit null:
//                                      edit a library and run a Jenkinsfile against it at once
//       NAME=/path/to/repo@v2          a git repository on disk, at a branch, tag or commit
//       NAME=https://host/lib.git@main a repository git can fetch (https, ssh, git, file URLs,
//       NAME=git@host:org/lib.git      user@host:path); without @REF its default branch (HEAD)
//   --config FILE                      YAML (or JSON):
//       libraries:
//         - name: mylib
//           url: https://git.example.com/lib.git   # or path: ../lib (relative to FILE)
//           defaultVersion: main                    # default: the remote's HEAD
//           implicit: true                          # loaded without @Library
//           allowVersionOverride: false             # default true
//           credentialsId: git-token                # from --credentials FILE
//   A --library of a name replaces the config file's definition of it.
//   A library the Jenkinsfile's `library(..., retriever: ...)` names is fetched from its URL
//   (any, paths included: this is the user's machine) unless a --library of the name is given;
//   `kiln run` makes a resolver for it even without --library (`kiln lint` stays offline then).
//
// Where the REF starts: after the last '@' of the path part (so `git@host:x`, `ssh://git@host/x`
// and `https://user@host/x` keep their user). Git checkouts are cached per commit in
// $XDG_CACHE_HOME/kiln/libraries (~/.cache/kiln/libraries), as the controller keeps them in its home.
import fsp from 'node:fs/promises';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Credential } from '../core/credentials.ts';
import type { LibraryContent, LibraryRequest, LibraryResolver } from '../core/libraries.ts';
import { gitLibraries } from '../plugins/index.ts';

export interface LocalLibrary {
  name: string;
  /** 'dir': a directory read as it is; 'git': a repository (a URL, or a path on disk). */
  kind: 'dir' | 'git';
  /** The directory (absolute) or the repository URL (a path made absolute). */
  location: string;
  defaultVersion: string | null;
  implicit: boolean;
  allowVersionOverride: boolean;
  credentialsId: string | null;
  /** Where it was given, for messages ('--library', 'kiln.yaml'). */
  from: string;
}

const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,99}$/;

/** The index where a URL's path starts (after scheme://host/ or user@host:), 0 for a plain path. */
function pathStart(s: string): number {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(s);
  if (scheme) {
    const slash = s.indexOf('/', scheme[0].length);
    return slash < 0 ? s.length : slash;
  }
  const scp = /^[^/@:]+@[^/:]+:/.exec(s);
  return scp ? scp[0].length : 0;
}

function isUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s) || /^[^/@:]+@[^/:]+:/.test(s);
}

/** A directory that is a library as it is (vars/, src/ or resources/), not a bare repository. */
function isLibraryDir(dir: string): boolean {
  return ['vars', 'src', 'resources'].some((d) => fs.existsSync(path.join(dir, d)));
}

/** `NAME=URL_OR_PATH[@REF]` → a library; `base`: what relative paths are relative to. */
export function parseLibraryOption(spec: string, base = process.cwd(), from = '--library'): LocalLibrary {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`${from} ${spec}: expected NAME=URL_OR_PATH[@REF] (e.g. mylib=../mylib or mylib=https://git.example.com/lib.git@main)`);
  const name = spec.slice(0, eq);
  if (!NAME.test(name)) throw new Error(`${from} ${spec}: '${name}' is not a library name (letters, digits, '.', '_', '-')`);
  let where = spec.slice(eq + 1);
  let ref: string | null = null;
  const at = where.lastIndexOf('@');
  if (at >= pathStart(where) && at > 0) {
    ref = where.slice(at + 1);
    where = where.slice(0, at);
    if (ref === '') throw new Error(`${from} ${spec}: nothing after '@' (give a branch, tag or commit, or leave '@' out)`);
  }
  if (where === '') throw new Error(`${from} ${spec}: no URL or path after '='`);
  return define({ name, where, ref, implicit: false, allowVersionOverride: true, credentialsId: null }, base, `${from} ${spec}`);
}

function define(o: { name: string; where: string; ref: string | null; implicit: boolean; allowVersionOverride: boolean; credentialsId: string | null; forceGit?: boolean }, base: string, from: string): LocalLibrary {
  if (isUrl(o.where)) {
    return { name: o.name, kind: 'git', location: o.where, defaultVersion: o.ref, implicit: o.implicit, allowVersionOverride: o.allowVersionOverride, credentialsId: o.credentialsId, from };
  }
  const dir = path.resolve(base, o.where);
  if (!fs.existsSync(dir)) throw new Error(`${from}: ${dir} does not exist`);
  // A directory without a ref: read as it is (unless it is a bare repository, which has no files to read).
  const kind = o.ref === null && !o.forceGit && isLibraryDir(dir) ? 'dir' : 'git';
  return { name: o.name, kind, location: dir, defaultVersion: o.ref, implicit: o.implicit, allowVersionOverride: o.allowVersionOverride, credentialsId: o.credentialsId, from };
}

/** The `libraries:` section of a config file (YAML or JSON); every problem names the file, the entry and the field. */
export function parseLibrariesConfig(text: string, file: string): LocalLibrary[] {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (err) {
    throw new Error(`${file}: not valid YAML or JSON: ${(err as Error).message.split('\n')[0] ?? ''}`);
  }
  if (data === null || data === undefined) return [];
  if (typeof data !== 'object' || Array.isArray(data)) throw new Error(`${file}: expected a map with a 'libraries:' list`);
  const list = (data as Record<string, unknown>)['libraries'];
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) throw new Error(`${file}: libraries: expected a list of { name, url or path, defaultVersion, implicit }`);
  const base = path.dirname(path.resolve(file));
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const at = `${file}: libraries[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${at}: expected { name, url or path, defaultVersion, implicit }`);
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!['name', 'url', 'path', 'defaultVersion', 'implicit', 'allowVersionOverride', 'credentialsId'].includes(k)) throw new Error(`${at}: unknown field '${k}' (a library has name, url or path, defaultVersion, implicit, allowVersionOverride, credentialsId)`);
    }
    const name = r['name'];
    if (typeof name !== 'string' || !NAME.test(name)) throw new Error(`${at}.name: ${JSON.stringify(name) ?? 'nothing'} is not a library name (letters, digits, '.', '_', '-')`);
    if (seen.has(name)) throw new Error(`${at}.name: library '${name}' is defined twice`);
    seen.add(name);
    const url = r['url'];
    const p = r['path'];
    if ((url === undefined) === (p === undefined)) throw new Error(`${at}: give either url (a git repository) or path (a directory), not ${url === undefined ? 'neither' : 'both'}`);
    if (url !== undefined && (typeof url !== 'string' || url === '')) throw new Error(`${at}.url: a repository URL or path`);
    if (p !== undefined && (typeof p !== 'string' || p === '')) throw new Error(`${at}.path: a directory`);
    const dv = r['defaultVersion'];
    if (dv !== undefined && dv !== null && (typeof dv !== 'string' || dv === '')) throw new Error(`${at}.defaultVersion: a branch, tag or commit`);
    const bool = (k: string, d: boolean): boolean => {
      const v = r[k];
      if (v === undefined || v === null) return d;
      if (typeof v !== 'boolean') throw new Error(`${at}.${k}: true or false`);
      return v;
    };
    const cid = r['credentialsId'];
    if (cid !== undefined && cid !== null && typeof cid !== 'string') throw new Error(`${at}.credentialsId: a credential id of --credentials FILE`);
    return define({
      name, where: (url ?? p) as string, ref: (dv as string | undefined) ?? null, implicit: bool('implicit', false), allowVersionOverride: bool('allowVersionOverride', true),
      credentialsId: (cid as string | undefined) ?? null, forceGit: url !== undefined,
    }, base, file);
  });
}

/** Where `kiln run` keeps git checkouts of libraries: $XDG_CACHE_HOME/kiln/libraries or ~/.cache/kiln/libraries. */
export function libraryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'kiln', 'libraries');
}

/** The libraries given to `kiln run` / `kiln lint`, as a LibraryResolver. */
export class LocalLibraries implements LibraryResolver {
  readonly defs: ReadonlyMap<string, LocalLibrary>;
  readonly #cacheDir: string;
  readonly #credential: (id: string) => Promise<Credential>;
  #git: ReturnType<typeof gitLibraries> | null = null;
  #cache: unknown = null;

  constructor(defs: readonly LocalLibrary[], o: { cacheDir?: string; credential?: (id: string) => Promise<Credential> } = {}) {
    // Later definitions of a name (--library after the config file) replace earlier ones.
    const m = new Map<string, LocalLibrary>();
    for (const d of defs) m.set(d.name, d);
    this.defs = m;
    this.#cacheDir = o.cacheDir ?? libraryCacheDir();
    this.#credential = o.credential ?? (async (id) => { throw new Error(`no credential '${id}': give credentials with --credentials FILE`); });
  }

  async implicitNames(): Promise<string[]> {
    return [...this.defs.values()].filter((d) => d.implicit).map((d) => d.name);
  }

  async resolve(req: LibraryRequest, signal?: AbortSignal): Promise<LibraryContent> {
    const mod = await (this.#git ??= gitLibraries());
    const def = this.defs.get(req.name);
    if (req.retriever && !def) {
      // The Jenkinsfile's retriever (library(..., retriever: ...)): fetched from its URL; a --library of the name wins.
      const r = req.retriever;
      if (req.version === null) throw new mod.LibraryError('no-version', `Must specify a version for library ${req.name}`);
      if (r.url === null) throw new mod.LibraryError('not-found', `library ${req.name} (${r.form}): here 'scm' names no repository; give the library with --library ${req.name}=URL_OR_PATH`);
      let credential: Credential | null = null;
      if (r.credentialsId) {
        credential = await this.#credential(r.credentialsId).catch((err: unknown) => {
          throw new mod.LibraryError('credentials', `library ${req.name} (${r.form}): ${(err as Error).message}`);
        });
      }
      this.#cache ??= new mod.GitLibraries({ cacheDir: this.#cacheDir });
      const git = this.#cache as InstanceType<typeof mod.GitLibraries>;
      return git.load({ name: req.name, url: r.url, version: req.version, credential, scope: 'local', includeInChangesets: false, fromJenkinsfile: true, ...(signal ? { signal } : {}) });
    }
    if (!def) {
      throw new mod.LibraryError('not-found', `Could not find any definition of libraries [${req.name}]: give it with --library ${req.name}=URL_OR_PATH[@REF] or in the libraries: of --config FILE`);
    }
    if (req.version !== null && !def.allowVersionOverride && req.version !== def.defaultVersion) {
      throw new mod.LibraryError('override', `Version override not permitted for library ${def.name}`);
    }
    if (def.kind === 'dir') {
      return mod.readLibraryDirectory(def.location, {
        name: def.name, version: req.version ?? def.defaultVersion ?? 'local', commit: null, source: def.location, scope: 'local', includeInChangesets: false,
      });
    }
    let credential: Credential | null = null;
    if (def.credentialsId) {
      credential = await this.#credential(def.credentialsId).catch((err: unknown) => {
        throw new mod.LibraryError('credentials', `library ${def.name} (${def.from}): ${(err as Error).message}`);
      });
    }
    this.#cache ??= new mod.GitLibraries({ cacheDir: this.#cacheDir });
    const git = this.#cache as InstanceType<typeof mod.GitLibraries>;
    return git.load({
      name: def.name, url: def.location, version: req.version ?? def.defaultVersion ?? 'HEAD', credential, scope: 'local', includeInChangesets: false, ...(signal ? { signal } : {}),
    });
  }
}

/** The libraries of `--config FILE` then `--library` options (read and checked; nothing fetched yet). */
export async function localLibraries(o: { config?: string | undefined; library?: readonly string[] | undefined; credential?: (id: string) => Promise<Credential> }): Promise<LocalLibraries | null> {
  const defs: LocalLibrary[] = [];
  if (o.config !== undefined) {
    let text: string;
    try {
      text = await fsp.readFile(o.config, 'utf8');
    } catch (err) {
      throw new Error(`cannot read ${o.config}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    defs.push(...parseLibrariesConfig(text, o.config));
  }
  for (const spec of o.library ?? []) defs.push(parseLibraryOption(spec));
  if (defs.length === 0) return null;
  return new LocalLibraries(defs, o.credential ? { credential: o.credential } : {});
}
