// Shared libraries on the controller (Jenkins' "Global Pipeline Libraries" and folder libraries):
// their configuration (store `libraries`, migration 8), the HTTP routes that change it, and the
// LibraryResolver a build of a job uses (src/core/libraries.ts).
//
//   GET    /api/v1/libraries                               { libraries: [Library] }   (global)
//   GET    /api/v1/libraries/:name                         Library
//   PUT    /api/v1/libraries/:name                         { url, defaultVersion, implicit, allowVersionOverride,
//                                                            credentialsId, includeInChangesets } → 200 (201 when new)
//   DELETE /api/v1/libraries/:name                         204 (404 when absent)
//   POST   /api/v1/libraries/:name/test                    { version?, and optionally the fields of a form not yet
//                                                            saved } → { ok, message, version, commit, vars: [{ name, help }] }
//   the same under /api/v1/folders/:folder/libraries[/:name[/test]] for a folder's libraries
//
// Who: reading is for every logged-in user (viewer), and shows the credential's id only, never a
// secret (a URL with a password in it is refused: the password goes in a credential); changing
// and testing (which fetches) is for admins (auth/policy.ts). Fields are checked here, each error
// naming its field.
//
// Resolution for a build of job `a/b/c`: the libraries of folder `a/b`, then `a`, then the global
// ones; the first definition of a name wins (a folder's library hides a global one of the same
// name). Versions: the one asked for, else the library's default ("No version specified for
// library NAME" without one); another version than the default is refused when the library does
// not allow overrides ("Version override not permitted for library NAME", Jenkins' words).
// Fetching is git.ts's (plugins/libraries, reached through the plugin list): checkouts are cached
// per commit under <home>/libraries/<name>/<commit>/.
//
// Libraries from a Jenkinsfile's retriever (`library(identifier: 'x@v1', retriever:
// modernSCM([$class: 'GitSCMSource', remote: URL, credentialsId: ID]))`, legacySCM(scm), ...):
// fetched from the URL the Jenkinsfile gives, not looked up in the configuration. A version is
// required ("Must specify a version for library NAME", Jenkins' words). The URL passes the guard
// job repositories pass: a path or file:// URL on the controller's own disk is refused (it would
// let a Jenkinsfile read any repository the controller can) unless the admin setting
// `libraryRetrieverLocal` allows it; `scm` is the job's own repository (an admin already allowed
// it). The credential is bound as the build binds any credential (RetrieverAccess: the build's
// rules, folder permissions included), and for lint by the caller's rights. Such a library runs
// as a folder library does: Kiln's interpreter is always sandboxed (docs/libraries.md).
//
// Includes in changesets: a build records, for each library, whether its commits are part of the
// build's changes (the library's includeInChangesets; the step's `changelog` wins); history()
// reads them for changes.ts.
//
// Pruning: startPruning() removes old checkouts every hour (and once at start): per library, those
// beyond the `keep` most recently used and those unused for `maxAgeDays`, never one a running build
// loaded (its state says) or one used in the last 10 minutes (a build resolving it now).
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { LibraryContent, LibraryRequest, LibraryResolver } from '../core/libraries.ts';
import type { Credential } from '../core/credentials.ts';
import type { Job } from '../store/types.ts';
import type { LoadedLibraryRecord } from '../pipeline/engine/state.ts';
import type { FolderAccess, Who } from './auth/folders.ts';
import { visibleTo } from './credentials.ts';
export { loadLibraries } from '../util/libraries.ts';
import { gitLibraries } from '../plugins/index.ts';
import { StoreError, type LibraryInput, type LibraryRecord, type Store } from '../store/types.ts';
import { checkFolder } from '../store/folders.ts';
import { checkLibraryName } from '../store/libraries.ts';
import type { CredentialService } from './credentials.ts';
import type { AuthService } from './auth/service.ts';
import * as S from './api-schemas.ts';
import { answers, DOCUMENTED_BODY, type TypeBoxProvider } from './api-schemas.ts';
import { ApiError, invalidField } from './http-errors.ts';

type GitModule = Awaited<ReturnType<typeof gitLibraries>>;
type GitLibrariesT = InstanceType<GitModule['GitLibraries']>;

/** What a test of a library found: the commit its version is at, and its vars with their help. */
export interface LibraryTestReport {
  ok: boolean;
  message: string;
  version: string | null;
  commit: string | null;
  vars: { name: string; help: string | null }[];
}

/** The folders of job `a/b/c`, inner first: ['a/b', 'a']. */
export function foldersOf(job: string): string[] {
  const parts = job.split('/').slice(0, -1);
  const out: string[] = [];
  for (let i = parts.length; i > 0; i--) out.push(parts.slice(0, i).join('/'));
  return out;
}

/** The vars of a library's content: names (vars/NAME.groovy) and their help (vars/NAME.txt). */
export function varsOf(c: Pick<LibraryContent, 'files'>): { name: string; help: string | null }[] {
  const out: { name: string; help: string | null }[] = [];
  for (const key of c.files.keys()) {
    const m = /^vars\/([^/]+)\.groovy$/.exec(key);
    if (m) out.push({ name: m[1]!, help: c.files.get(`vars/${m[1]!}.txt`) ?? null });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/**
 * Whether, and with which credentials, libraries from a Jenkinsfile's retriever may be fetched:
 * a build binds credentials with the build's rules; lint with the caller's.
 */
export interface RetrieverAccess {
  /** null: they may be fetched; else why not (the error names the library and this). */
  problem: string | null;
  credential(id: string): Promise<Credential>;
}

/** How the library cache is pruned (controller settings libraryCacheKeep / libraryCacheMaxAgeDays). */
export interface LibraryPruning { keep: number; maxAgeDays: number | null }

/** A repository URL that names a path on the controller's own disk. */
function isLocalUrl(url: string): boolean {
  return url.startsWith('/') || /^file:/i.test(url);
}

export class ControllerLibraries {
  readonly #store: Store;
  readonly #credentials: CredentialService | null;
  readonly #cacheDir: string;
  readonly #allowLocalRetrievers: boolean;
  readonly pruning: LibraryPruning;
  #git: Promise<{ mod: GitModule; git: GitLibrariesT }> | null = null;
  #pruneTimer: NodeJS.Timeout | null = null;
  /** Whether a running build loaded a checkout (the controller's builds; set by startPruning). */
  #inUse: (name: string, commit: string) => boolean = () => false;

  constructor(o: { store: Store; credentials: CredentialService | null; home: string; allowLocalRetrievers?: boolean; pruning?: LibraryPruning }) {
    this.#store = o.store;
    this.#credentials = o.credentials;
    this.#cacheDir = path.join(o.home, 'libraries');
    this.#allowLocalRetrievers = o.allowLocalRetrievers ?? false;
    this.pruning = o.pruning ?? { keep: 5, maxAgeDays: null };
  }

  /**
   * Removes old checkouts (git.ts prune): beyond the `keep` most recently used per library, or
   * unused for maxAgeDays; never one `inUse` says a running build loaded. Returns what it removed.
   */
  async prune(o: { graceMs?: number; inUse?: (name: string, commit: string) => boolean } = {}): Promise<string[]> {
    const { git } = await this.git();
    const inUse = o.inUse ?? this.#inUse;
    return git.prune({
      keep: this.pruning.keep, maxAgeMs: this.pruning.maxAgeDays === null ? null : this.pruning.maxAgeDays * 86_400_000, inUse,
      ...(o.graceMs !== undefined ? { graceMs: o.graceMs } : {}),
    });
  }

  /** Prunes once now and then every hour until stopPruning(); errors are logged, never thrown. */
  startPruning(inUse: (name: string, commit: string) => boolean, log: (line: string) => void): void {
    this.#inUse = inUse;
    const once = () => {
      this.prune().then((gone) => {
        if (gone.length > 0) log(`library cache: removed ${gone.length} old checkout(s): ${gone.slice(0, 10).join(', ')}${gone.length > 10 ? ', ...' : ''}`);
      }, (err: unknown) => log(`library cache: pruning failed: ${(err as Error).message}`));
    };
    once();
    this.#pruneTimer = setInterval(once, 3_600_000);
    this.#pruneTimer.unref();
  }

  stopPruning(): void {
    if (this.#pruneTimer) clearInterval(this.#pruneTimer);
    this.#pruneTimer = null;
  }

  /**
   * A library's commits after `from` up to `to`, read with the credential it was loaded with:
   * a configured library's (when its definition still has that URL), or for one from a
   * retriever the credential as the job binds it.
   */
  async history(job: Job, build: number, lib: LoadedLibraryRecord, from: string | null, to: string, max: number): Promise<{ commits: { commit: string; author: string; email: string; time: number; message: string }[]; truncated: boolean }> {
    const { mod, git } = await this.git();
    const url = lib.source ?? '';
    // The guard again for a retriever's repository (the setting may have changed since the build).
    const own = job.definition.kind === 'git' && job.definition.url === url;
    if (lib.fromJenkinsfile && isLocalUrl(url) && !own && !this.#allowLocalRetrievers) {
      throw new mod.LibraryError('unsafe', `library ${lib.name}: '${url}' is a repository on the controller's own disk; its history is not read (libraryRetrieverLocal is off)`);
    }
    let credential: Credential | null = null;
    if (lib.credentialsId) {
      if (!this.#credentials) throw new mod.LibraryError('credentials', `library ${lib.name}: this controller has no credentials store`);
      if (lib.fromJenkinsfile) {
        credential = await this.#credentials.resolve(lib.credentialsId, { id: job.id, name: job.name }, build);
      } else {
        const def = (await this.definitionsFor(job.name)).find((d) => d.name === lib.name && d.url === url && d.credentialsId === lib.credentialsId);
        if (!def) throw new mod.LibraryError('not-found', `library ${lib.name}: its configuration changed since the build (another URL or credential), so its history is not read`);
        credential = await this.#credentials.resolveForLibrary(lib.credentialsId, def.name, def.folder);
      }
    }
    const r = await git.history({ name: lib.name, url, credential }, from, to, max);
    return { commits: r.commits, truncated: r.truncated };
  }

  /** The git module and the controller's cache, loaded the first time a library is needed. */
  git(): Promise<{ mod: GitModule; git: GitLibrariesT }> {
    this.#git ??= gitLibraries().then((mod) => ({ mod, git: new mod.GitLibraries({ cacheDir: this.#cacheDir }) }));
    return this.#git;
  }

  /** The definitions a job sees, first definition of each name first: its folders inner first, then global. */
  async definitionsFor(jobName: string): Promise<LibraryRecord[]> {
    const seen = new Set<string>();
    const out: LibraryRecord[] = [];
    for (const scope of [...foldersOf(jobName), null]) {
      for (const rec of await this.#store.libraries.list(scope)) {
        if (seen.has(rec.name)) continue;
        seen.add(rec.name);
        out.push(rec);
      }
    }
    return out;
  }

  /** The resolver of one build of `job` (BuildServices.libraries, and the @Library requests before it runs). */
  resolverFor(job: { id: string; name: string }, o: { signal?: AbortSignal; retrievers?: RetrieverAccess } = {}): LibraryResolver {
    return {
      implicitNames: async () => (await this.definitionsFor(job.name)).filter((d) => d.implicit).map((d) => d.name),
      resolve: async (req: LibraryRequest) => {
        const { mod } = await this.git();
        if (req.retriever) return this.#retrieve(job, req, o);
        const def = (await this.definitionsFor(job.name)).find((d) => d.name === req.name);
        if (!def) throw new mod.LibraryError('not-found', `Could not find any definition of libraries [${req.name}]: configure it (Libraries page, PUT /api/v1/libraries/${req.name}) or on a folder of ${job.name}`);
        const c = await this.load(def, req.version, o.signal);
        return req.changelog === undefined || req.changelog === null ? c : { ...c, includeInChangesets: req.changelog };
      },
    };
  }

  /** A library from the Jenkinsfile's retriever: the URL guard, the version rule, the credential as `access` binds it. */
  async #retrieve(job: { id: string; name: string }, req: LibraryRequest, o: { signal?: AbortSignal; retrievers?: RetrieverAccess }): Promise<LibraryContent> {
    const { mod, git } = await this.git();
    const r = req.retriever!;
    const at = `library ${req.name} (${r.form})`;
    if (!o.retrievers) throw new mod.LibraryError('unsafe', `${at}: libraries from a Jenkinsfile's retriever cannot be loaded here`);
    if (o.retrievers.problem) throw new mod.LibraryError('unsafe', `${at}: ${o.retrievers.problem}`);
    if (req.version === null) throw new mod.LibraryError('no-version', `Must specify a version for library ${req.name}`);
    let url = r.url;
    let credentialsId = r.credentialsId;
    let own = false;
    if (url === null) {
      // legacySCM(scm): the job's own repository, with its credential
      const rec = job.name ? await this.#store.jobs.get(job.name).catch(() => null) : null;
      if (!rec || rec.definition.kind !== 'git') throw new mod.LibraryError('invalid', `${at}: 'scm' is the repository a job's Jenkinsfile comes from, and ${rec ? `job '${job.name}' has an inline Jenkinsfile` : 'this Jenkinsfile belongs to no job with a repository'}`);
      url = rec.definition.url;
      credentialsId ??= rec.definition.credentialsId;
      own = true;
    }
    const bad = mod.checkLibraryUrl(url);
    if (bad) throw new mod.LibraryError('invalid', `${at}: ${bad}`);
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(url)) throw new mod.LibraryError('invalid', `${at}: the URL has a password in it: put it in a credential and give credentialsId`);
    if (!own && isLocalUrl(url) && !this.#allowLocalRetrievers) {
      throw new mod.LibraryError('unsafe', `${at}: '${url}' is a repository on the controller's own disk; a Jenkinsfile may not make the controller read its disk (an admin may allow it with the setting libraryRetrieverLocal: true)`);
    }
    let credential: Credential | null = null;
    if (credentialsId) {
      credential = await o.retrievers.credential(credentialsId).catch((err: unknown) => {
        throw new mod.LibraryError('credentials', `${at}: ${(err as Error).message}`);
      });
    }
    return git.load({
      name: req.name, url, version: req.version, credential, scope: 'folder', includeInChangesets: req.changelog ?? true, fromJenkinsfile: true,
      ...(o.signal ? { signal: o.signal } : {}),
    });
  }

  /** A definition at the version asked for (null: its default), with the version rules. */
  async load(def: LibraryRecord, asked: string | null, signal?: AbortSignal): Promise<LibraryContent> {
    const { mod, git } = await this.git();
    let version = asked;
    if (version === null) {
      version = def.defaultVersion;
      if (version === null) throw new mod.LibraryError('no-version', `No version specified for library ${def.name}`);
    } else if (!def.allowVersionOverride && version !== def.defaultVersion) {
      throw new mod.LibraryError('override', `Version override not permitted for library ${def.name}`);
    }
    let credential = null;
    if (def.credentialsId) {
      if (!this.#credentials) throw new mod.LibraryError('credentials', `library ${def.name}: credential '${def.credentialsId}' cannot be read: this controller has no credentials store`);
      credential = await this.#credentials.resolveForLibrary(def.credentialsId, def.name, def.folder).catch((err: unknown) => {
        throw new mod.LibraryError('credentials', `library ${def.name}@${version}: ${(err as Error).message}`);
      });
    }
    return git.load({
      name: def.name, url: def.url, version, credential, scope: def.folder === null ? 'global' : 'folder',
      includeInChangesets: def.includeInChangesets, ...(signal ? { signal } : {}),
    });
  }

  /** Fetches a definition (saved or not) at a version and reports its commit and vars; never throws for a fetch. */
  async test(def: LibraryRecord, version: string | null): Promise<LibraryTestReport> {
    try {
      const c = await this.load(def, version ?? def.defaultVersion ?? 'HEAD');
      const vars = varsOf(c);
      return { ok: true, message: `Found ${vars.length} var(s) in ${def.name}@${c.version} (commit ${c.commit?.slice(0, 7) ?? '?'})`, version: c.version, commit: c.commit, vars };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err), version: version ?? def.defaultVersion, commit: null, vars: [] };
    }
  }

  /** A PUT body checked field by field (400 naming the field). */
  async check(folder: string | null, name: string, body: Record<string, unknown>): Promise<LibraryInput> {
    const { mod } = await this.git();
    const bad = (field: string, why: string): never => { throw invalidField(field, why); };
    const known = new Set(['url', 'defaultVersion', 'implicit', 'allowVersionOverride', 'credentialsId', 'includeInChangesets']);
    for (const k of Object.keys(body)) if (!known.has(k)) bad(k, `unknown field (a library has ${[...known].join(', ')})`);
    const url = body['url'];
    if (typeof url !== 'string' || url.trim() === '') bad('url', 'the git repository URL is required (https://, ssh://, git://, git@host:path, file:// or an absolute path on the controller)');
    const u = (url as string).trim();
    const urlProblem = mod.checkLibraryUrl(u);
    if (urlProblem) bad('url', urlProblem);
    if (/^[a-z][a-z0-9+.-]*:\/\/[^/@]*:[^/@]*@/i.test(u)) bad('url', 'has a password in it: put the password or token in a credential and give its credentialsId');
    let defaultVersion: string | null = null;
    const dv = body['defaultVersion'];
    if (dv !== undefined && dv !== null && dv !== '') {
      if (typeof dv !== 'string') bad('defaultVersion', 'a branch, tag or commit name');
      const p = mod.checkVersion((dv as string).trim());
      if (p) bad('defaultVersion', p);
      defaultVersion = (dv as string).trim();
    }
    const flag = (k: string, dflt: boolean): boolean => {
      const v = body[k];
      if (v === undefined || v === null) return dflt;
      if (typeof v !== 'boolean') bad(k, `true or false (got ${JSON.stringify(v)?.slice(0, 40)})`);
      return v as boolean;
    };
    const implicit = flag('implicit', false);
    const allowVersionOverride = flag('allowVersionOverride', true);
    const includeInChangesets = flag('includeInChangesets', true);
    if (implicit && defaultVersion === null) bad('defaultVersion', 'an implicit library needs a default version (builds load it without naming one)');
    if (!allowVersionOverride && defaultVersion === null) bad('defaultVersion', 'a library that allows no version override needs a default version');
    let credentialsId: string | null = null;
    const cid = body['credentialsId'];
    if (cid !== undefined && cid !== null && cid !== '') {
      if (typeof cid !== 'string') bad('credentialsId', 'a credential id');
      const rec = await this.#store.credentials.get(cid as string).catch(() => null);
      if (!rec) bad('credentialsId', `no credential '${String(cid).slice(0, 100)}'`);
      const fits = rec!.folder === null || (folder !== null && (folder === rec!.folder || folder.startsWith(`${rec!.folder}/`)));
      if (!fits) bad('credentialsId', `credential '${cid as string}' belongs to folder '${rec!.folder}': ${folder === null ? 'a global library needs a global credential' : `folder '${folder}' cannot use it`}`);
      if (!['usernamePassword', 'secretText', 'sshKey'].includes(rec!.type)) bad('credentialsId', `credential '${cid as string}' is a ${rec!.type}; git needs a username/password, secret text (token) or SSH key credential`);
      credentialsId = cid as string;
    }
    return { folder, name, url: u, defaultVersion, implicit, allowVersionOverride, credentialsId, includeInChangesets };
  }
}

/**
 * Retrievers for `POST /api/v1/lint` (and saving a job): fetched for a developer or admin only
 * (a viewer's lint would make the controller fetch any URL); a credential is one the caller may
 * use: a global one, or, linting for a job, one of that job's folders where the caller holds
 * credentials.use (as saving a job with that repository credential requires).
 */
export function lintRetrieverAccess(o: { store: Store; folders: FolderAccess; credentials: CredentialService | null }, who: Who | null, job: string | null): RetrieverAccess {
  const problem = who === null ? 'lint fetches libraries from a Jenkinsfile\'s retriever only for a logged-in developer'
    : who.role === 'viewer' ? `lint fetches libraries from a Jenkinsfile's retriever only for developers and admins; ${who.name} is a viewer`
      : null;
  return {
    problem,
    credential: async (id) => {
      if (!o.credentials || !who) throw new Error(`no credential '${id}'`);
      const rec = await o.store.credentials.get(id).catch(() => null);
      if (!rec) throw new Error(`no credential '${id}'`);
      if (rec.folder !== null) {
        if (job === null || !visibleTo(rec.folder, job)) throw new Error(`no credential '${id}' visible to ${job === null ? 'a lint without a job' : `job '${job}'`}`);
        await o.folders.require(who, ['credentials.use'], rec.folder, `using credential '${id}' of folder '${rec.folder}' to fetch a library`);
      }
      return o.credentials.resolveForLibrary(id, 'lint', rec.folder);
    },
  };
}

/** A library as the API shows it: the credential's id, never a secret; the URL without a password. */
function view(r: LibraryRecord) {
  return {
    folder: r.folder, name: r.name, url: r.url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):[^/@]*@/i, '$1:****@'), defaultVersion: r.defaultVersion,
    implicit: r.implicit, allowVersionOverride: r.allowVersionOverride, credentialsId: r.credentialsId, includeInChangesets: r.includeInChangesets,
    createdAt: r.createdAt, updatedAt: r.updatedAt,
  };
}

export function registerLibraryRoutes(root: FastifyInstance, o: { store: Store; libraries: ControllerLibraries; auth: AuthService }): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const tags = ['libraries'];
  const name = Type.String({ minLength: 1, maxLength: 100, description: 'the library name' });
  const folder = Type.String({ minLength: 1, maxLength: 1100, description: 'a folder path, spelled like a job name, URL-encoded in one segment' });
  const audit = (req: FastifyRequest, action: string, target: string, detail = '') =>
    o.auth.audit({ actor: req.principal?.name ?? 'anonymous', action, target, detail, address: req.ip });
  const nameOf = (n: string): string => {
    try {
      return checkLibraryName(n);
    } catch (e) {
      throw new ApiError('invalid', (e as Error).message);
    }
  };
  const target = (f: string | null, n: string) => (f === null ? n : `${f}/${n}`);
  const get = async (f: string | null, n: string): Promise<LibraryRecord> => {
    const r = await o.store.libraries.get(f, n);
    if (!r) throw new StoreError('not-found', `no library named '${n}'${f === null ? '' : ` on folder '${f}'`}`);
    return r;
  };

  // Each route twice: global (/api/v1/libraries) and a folder's (/api/v1/folders/:folder/libraries).
  for (const scope of ['global', 'folder'] as const) {
    const base = scope === 'global' ? '/api/v1/libraries' : '/api/v1/folders/:folder/libraries';
    const op = (verb: string) => `${verb}${scope === 'global' ? '' : 'Folder'}`;
    const params = scope === 'global' ? Type.Object({ name }) : Type.Object({ folder, name });
    const listParams = scope === 'global' ? Type.Object({}) : Type.Object({ folder });
    const folderOf = (p: { folder?: string }): string | null => (scope === 'global' ? null : checkFolder(p.folder));

    app.get(base, {
      schema: { operationId: op('listLibraries'), tags, summary: scope === 'global' ? 'The global shared libraries' : "A folder's shared libraries", params: listParams, response: answers({ 200: S.Answer({ libraries: Type.Array(S.ref(S.Library)) }) }) },
    }, async (req) => ({ libraries: (await o.store.libraries.list(folderOf(req.params as { folder?: string }))).map(view) }));

    app.get(`${base}/:name`, {
      schema: { operationId: op('getLibrary'), tags, params, response: answers({ 200: S.ref(S.Library) }) },
    }, async (req) => view(await get(folderOf(req.params as { folder?: string }), nameOf(req.params.name))));

    app.put(`${base}/:name`, {
      schema: { operationId: op('putLibrary'), tags, summary: 'Creates or replaces a shared library (admins)', params, body: S.LibraryBody, response: answers({ 200: S.ref(S.Library), 201: S.ref(S.Library) }) },
    }, async (req, reply) => {
      const f = folderOf(req.params as { folder?: string });
      const n = nameOf(req.params.name);
      const input = await o.libraries.check(f, n, req.body as Record<string, unknown>);
      const before = await o.store.libraries.get(f, n);
      const saved = await o.store.libraries.put(input);
      await audit(req, before ? 'library.update' : 'library.create', target(f, n), `${saved.url}${saved.defaultVersion ? `@${saved.defaultVersion}` : ''}${saved.implicit ? ' implicit' : ''}${saved.allowVersionOverride ? '' : ' no-override'}${saved.credentialsId ? ` credential ${saved.credentialsId}` : ''}`);
      return reply.code(before ? 200 : 201).send(view(saved));
    });

    app.delete(`${base}/:name`, {
      schema: { operationId: op('deleteLibrary'), tags, params, response: answers({ 204: S.NoContent }) },
    }, async (req, reply) => {
      const f = folderOf(req.params as { folder?: string });
      const n = nameOf(req.params.name);
      if (!(await o.store.libraries.delete(f, n))) throw new StoreError('not-found', `no library named '${n}'${f === null ? '' : ` on folder '${f}'`}`);
      await audit(req, 'library.delete', target(f, n));
      return reply.code(204).send();
    });

    app.post(`${base}/:name/test`, {
      schema: {
        operationId: op('testLibrary'), tags, summary: 'Fetches the library (saved, or the fields given) and lists its vars (admins)',
        params, body: S.LibraryTestBodyOrNull, [DOCUMENTED_BODY]: S.LibraryTestBody, response: answers({ 200: S.ref(S.LibraryTestReport) }),
      },
    }, async (req) => {
      const f = folderOf(req.params as { folder?: string });
      const n = nameOf(req.params.name);
      const body = (req.body ?? {}) as Record<string, unknown>;
      const { version, ...fields } = body;
      if (version !== undefined && version !== null && typeof version !== 'string') throw new ApiError('invalid', 'version: a branch, tag or commit name');
      let def: LibraryRecord;
      if (fields['url'] !== undefined) {
        const input = await o.libraries.check(f, n, fields);
        def = { ...input, createdAt: 0, updatedAt: 0 };
      } else {
        def = await get(f, n);
      }
      const v = typeof version === 'string' && version.trim() !== '' ? version.trim() : null;
      return o.libraries.test(def, v);
    });
  }
}
