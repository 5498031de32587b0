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
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { LibraryContent, LibraryRequest, LibraryResolver } from '../core/libraries.ts';
export { loadLibraries } from '../util/libraries.ts';
import { gitLibraries } from '../plugins/index.ts';
import { StoreError, type LibraryInput, type LibraryRecord, type Store } from '../store/types.ts';
import { checkFolder } from '../store/folders.ts';
import { checkLibraryName } from '../store/libraries.ts';
import type { CredentialService } from './credentials.ts';
import type { AuthService } from './auth/service.ts';
import * as S from './api-schemas.ts';
import { answers, DOCUMENTED_BODY, type TypeBoxProvider } from './api-schemas.ts';
import { ApiError } from './http-errors.ts';

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

export class ControllerLibraries {
  readonly #store: Store;
  readonly #credentials: CredentialService | null;
  readonly #cacheDir: string;
  #git: Promise<{ mod: GitModule; git: GitLibrariesT }> | null = null;

  constructor(o: { store: Store; credentials: CredentialService | null; home: string }) {
    this.#store = o.store;
    this.#credentials = o.credentials;
    this.#cacheDir = path.join(o.home, 'libraries');
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
  resolverFor(job: { id: string; name: string }, o: { signal?: AbortSignal } = {}): LibraryResolver {
    return {
      implicitNames: async () => (await this.definitionsFor(job.name)).filter((d) => d.implicit).map((d) => d.name),
      resolve: async (req: LibraryRequest) => {
        const { mod } = await this.git();
        const def = (await this.definitionsFor(job.name)).find((d) => d.name === req.name);
        if (!def) throw new mod.LibraryError('not-found', `Could not find any definition of libraries [${req.name}]: configure it (Libraries page, PUT /api/v1/libraries/${req.name}) or on a folder of ${job.name}`);
        return this.load(def, req.version, o.signal);
      },
    };
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
    const bad = (field: string, why: string): never => { throw new ApiError('invalid', `${field}: ${why}`); };
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
