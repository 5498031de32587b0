// What changed in a build (issue 20, point 8): Jenkins' "Changes" page. A build of a git job
// records its repository, branch and commit (Build.scm); its changes are the commits after the
// previous finished build's commit up to its own (`git log prev..this`), read from the
// repository on request, the way the e-mail's developers are (mail.ts withCommits: a blob-less
// clone with the job's credential), never stored.
//
//   GET /api/v1/jobs/:job/builds/:number/changes   BuildChanges (viewers, as the build itself)
//
// Shared libraries (Jenkins adds a library's SCM changelog to the build when the library's
// includeInChangesets, or the `library` step's `changelog`, says so): `libraries` lists, for
// each library the build loaded from git with changelog on, its commits after the commit the
// previous finished build loaded of it (same name and repository) up to its own, read the same
// way through libraryHistory (libraries.ts: a blob-less shallow fetch with the library's
// credential). A library loaded for the first time lists no commits (as the job's first build).
//
// Checkouts (issue 17): `changeSets` lists what each checkout of the build recorded (its
// changelog since the previous build's commit of that repository and branch, with each commit's
// files), kept with the build, as Jenkins' Changes page lists the build's change sets. `commits`
// stays the job repository's commits since the previous build's, read on request (builds from
// before Kiln recorded change sets have only those).
//
// Limits: at most MAX_CHANGES commits (newest first; `truncated` says there were more), each
// message cut at 2,000 characters. Answers are kept in memory by (repository, from, to), 200
// of them, since commits never change; one clone at a time per key (concurrent asks share it).
// `head` is the build's own commit (its author and message), shown on the build page even when
// there are no changes. A failing git (repository gone, credential refused) answers 200 with
// `error` in plain words: the page shows it in place of the list.
import type { FastifyInstance } from 'fastify';
import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Type } from '@sinclair/typebox';
import * as S from './api-schemas.ts';
import { answers, Nullable, type TypeBoxProvider } from './api-schemas.ts';
import { ApiError } from './http-errors.ts';
import { withCommits } from './mail.ts';
import type { Job, Store } from '../store/types.ts';
import type { LoadedLibraryRecord } from '../pipeline/engine/state.ts';
import type { ChangeSetRecord } from '../pipeline/steps/changesets.ts';

const run = promisify(execFile);

export const MAX_CHANGES = 100;
const MAX_MESSAGE = 2000;
const CACHED = 200;

export interface GitCommit {
  commit: string;
  author: string;
  email: string;
  /** Author time, ms since the epoch. */
  time: number;
  message: string;
}

export interface BuildChanges {
  scm: { url: string | null; branch: string | null; commit: string | null } | null;
  previous: { number: number; commit: string | null } | null;
  head: GitCommit | null;
  commits: GitCommit[];
  truncated: boolean;
  /** Why the changes could not be read (git's own words), or null. */
  error: string | null;
  /** The changes of the shared libraries the build loaded with changelog on, in loading order. */
  libraries: LibraryChanges[];
  /**
   * The change set each checkout of the build recorded (scmGit/GitSCM, git, checkout scm), in
   * order: Jenkins' Changes; null for a build that recorded none (before it checked out, or
   * a build made before Kiln recorded them: then `commits` is what there is).
   */
  changeSets: CheckoutChanges[] | null;
}

export interface CheckoutChanges {
  remotes: string[];
  branch: string;
  /** The previous build's commit the changelog starts after; null: a first build's changelog (firstBuildChangelog). */
  from: string | null;
  to: string;
  commits: (GitCommit & { paths: { editType: 'add' | 'edit' | 'delete'; path: string }[] })[];
  truncated: boolean;
}

/** A build's recorded change sets as the API answers them. */
export function checkoutChanges(sets: readonly ChangeSetRecord[] | undefined): CheckoutChanges[] | null {
  if (!sets) return null;
  return sets.map((s) => ({
    remotes: s.remotes, branch: s.branch, from: s.from, to: s.to, truncated: s.truncated === true,
    commits: s.entries.map((e) => ({
      commit: e.commitId, author: e.author, email: e.authorEmail, time: e.timestamp,
      message: e.comment.length > MAX_MESSAGE ? `${e.comment.slice(0, MAX_MESSAGE)}…` : e.comment, paths: e.files,
    })),
  }));
}

export interface LibraryChanges {
  name: string;
  version: string;
  commit: string;
  /** The commit the previous finished build loaded of this library; null when it loaded none (or another repository). */
  previous: string | null;
  commits: GitCommit[];
  truncated: boolean;
  error: string | null;
}

/** Reads a library's commits after `from` up to `to` (ControllerLibraries.history). */
export type LibraryHistory = (job: Job, build: number, lib: LoadedLibraryRecord, from: string | null, to: string, max: number) => Promise<{ commits: GitCommit[]; truncated: boolean }>;

export interface ChangesContext {
  store: Store;
  /** Sets up `env` (files in `dir`) for the job's repository credential (builds.ts gitAuth). */
  gitAuth: (job: Job, dir: string, env: NodeJS.ProcessEnv, buildNumber: number) => Promise<void>;
  /** Shared libraries' history; absent: no library changes. */
  libraryHistory?: LibraryHistory;
}

const FORMAT = '%H%x00%an%x00%ae%x00%at%x00%B%x1e';

function parseLog(out: string): GitCommit[] {
  return out.split('\x1e').map((r) => r.replace(/^\n/, '')).filter(Boolean).map((r) => {
    const [commit, author, email, at, ...msg] = r.split('\0');
    const message = msg.join('\0').trimEnd();
    return { commit: commit!, author: author ?? '', email: email ?? '', time: Number(at) * 1000, message: message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}…` : message };
  });
}

export class ChangesService {
  readonly #c: ChangesContext;
  readonly #cache = new Map<string, Promise<{ head: GitCommit | null; commits: GitCommit[]; truncated: boolean }>>();

  constructor(c: ChangesContext) {
    this.#c = c;
  }

  async forBuild(jobName: string, number: number): Promise<BuildChanges | null> {
    const build = await this.#c.store.builds.getByNumber(jobName, number);
    if (!build) return null;
    const prevBuild = await this.#c.store.builds.latest(jobName, { before: number, status: ['finished'] });
    const previous = prevBuild ? { number: prevBuild.number, commit: prevBuild.scm?.commit ?? null } : null;
    const scm = build.scm ? { url: build.scm.url, branch: build.scm.branch, commit: build.scm.commit } : null;
    const job = await this.#c.store.jobs.get(jobName);
    const libraries = job ? await this.#libraries(job, number, build.state?.libraries ?? [], prevBuild?.state?.libraries ?? []) : [];
    const empty = { scm, previous, head: null, commits: [], truncated: false, error: null, libraries, changeSets: checkoutChanges(build.state?.changeSets) };
    // Commits are hex object names (never an option git would read: a pinned commit came from a webhook).
    const sha = (c: string | null | undefined): c is string => !!c && /^[0-9a-f]{7,64}$/i.test(c);
    if (!job || job.definition.kind !== 'git' || !sha(scm?.commit) || !scm.url) return empty;
    // The previous build's commit counts when it is of the same repository (a job may have moved).
    const from = sha(previous?.commit) && prevBuild?.scm?.url === scm.url ? previous.commit : null;
    const key = `${scm.url}\0${from ?? ''}\0${scm.commit}`;
    let p = this.#cache.get(key);
    if (!p) {
      p = this.#read(job, number, scm.url, scm.branch ?? job.definition.branch, from, scm.commit);
      this.#cache.set(key, p);
      p.catch(() => this.#cache.delete(key));
      while (this.#cache.size > CACHED) this.#cache.delete(this.#cache.keys().next().value!);
    }
    try {
      return { ...empty, ...(await p) };
    } catch (e) {
      return { ...empty, error: (e as Error).message };
    }
  }

  /** The changes of each library loaded with changelog on (from git: a full commit), each read once per (repository, from, to). */
  async #libraries(job: Job, number: number, now: readonly LoadedLibraryRecord[], before: readonly LoadedLibraryRecord[]): Promise<LibraryChanges[]> {
    const history = this.#c.libraryHistory;
    if (!history) return [];
    const full = (c: string | null | undefined): c is string => !!c && /^[0-9a-f]{40}$/.test(c);
    return Promise.all(now.filter((l) => l.changelog === true && full(l.commit) && l.source).map(async (l): Promise<LibraryChanges> => {
      const prev = before.find((p) => p.name === l.name && p.source === l.source);
      const from = full(prev?.commit) ? prev.commit : null;
      const out = { name: l.name, version: l.version, commit: l.commit!, previous: from, commits: [] as GitCommit[], truncated: false, error: null as string | null };
      if (from === null || from === l.commit) return out;
      const key = `library\0${l.source}\0${from}\0${l.commit}`;
      let p = this.#cache.get(key);
      if (!p) {
        p = history(job, number, l, from, l.commit!, MAX_CHANGES).then((r) => ({ head: null, ...r }));
        this.#cache.set(key, p);
        p.catch(() => this.#cache.delete(key));
        while (this.#cache.size > CACHED) this.#cache.delete(this.#cache.keys().next().value!);
      }
      try {
        const r = await p;
        return { ...out, commits: r.commits, truncated: r.truncated };
      } catch (e) {
        return { ...out, error: (e as Error).message };
      }
    }));
  }

  async #read(job: Job, number: number, url: string, branch: string, from: string | null, to: string) {
    const auth = await fsp.mkdtemp(path.join(os.tmpdir(), 'kiln-scm-auth-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
      await this.#c.gitAuth(job, auth, env, number);
      return await withCommits({ url, branch, from, to, env }, async (dir, e) => {
        const git = (args: string[]) => run('git', ['-C', dir, ...args], { env: e, maxBuffer: 32 * 1024 * 1024 }).then((r) => r.stdout);
        const head = parseLog(await git(['log', '-1', `--format=${FORMAT}`, to, '--']))[0] ?? null;
        if (!from || from === to) return { head, commits: [], truncated: false };
        const commits = parseLog(await git(['log', `-${MAX_CHANGES + 1}`, `--format=${FORMAT}`, `${from}..${to}`, '--']));
        return { head, commits: commits.slice(0, MAX_CHANGES), truncated: commits.length > MAX_CHANGES };
      });
    } catch (e) {
      const err = e as Error & { stderr?: string };
      throw new Error(`cannot read the commits of ${url}: ${(err.stderr || err.message).trim().split('\n').slice(-2).join(' ')}`);
    } finally {
      await fsp.rm(auth, { recursive: true, force: true });
    }
  }
}

const Commit = S.Answer({
  commit: Type.String(), author: Type.String(), email: Type.String(),
  time: Type.Integer({ description: 'author time, ms since the epoch' }), message: Type.String({ description: 'the whole message, cut at 2,000 characters' }),
});
const ChangesAnswer = S.Answer({
  scm: Type.Union([S.Answer({ url: Nullable(Type.String()), branch: Nullable(Type.String()), commit: Nullable(Type.String()) }), Type.Null()], { description: "the build's repository, branch and commit; null for an inline job" }),
  previous: Type.Union([S.Answer({ number: Type.Integer(), commit: Nullable(Type.String()) }), Type.Null()], { description: 'the previous finished build the changes start after; null for the first' }),
  head: Type.Union([Commit, Type.Null()], { description: "the build's own commit" }),
  commits: Type.Array(Commit, { description: `the commits since the previous build's, newest first, at most ${MAX_CHANGES}` }),
  truncated: Type.Boolean(),
  error: Nullable(Type.String({ description: 'why the repository could not be read' })),
  libraries: Type.Array(S.Answer({
    name: Type.String(), version: Type.String(), commit: Type.String({ description: 'the commit this build loaded' }),
    previous: Nullable(Type.String({ description: 'the commit the previous finished build loaded; null: none (no changes listed)' })),
    commits: Type.Array(Commit, { description: `the library's commits since the previous build's, newest first, at most ${MAX_CHANGES}` }),
    truncated: Type.Boolean(),
    error: Nullable(Type.String({ description: "why the library's repository could not be read" })),
  }), { description: "the changes of the shared libraries the build loaded with includeInChangesets (or the library step's changelog) on" }),
  changeSets: Nullable(Type.Array(S.Answer({
    remotes: Type.Array(Type.String(), { description: "the checkout's repository URLs" }),
    branch: Type.String({ description: 'the built branch (origin/main)' }),
    from: Nullable(Type.String({ description: "the previous build's commit the changelog starts after" })),
    to: Type.String({ description: 'the built commit' }),
    commits: Type.Array(S.Answer({
      commit: Type.String(), author: Type.String(), email: Type.String(),
      time: Type.Integer({ description: 'ms since the epoch' }), message: Type.String({ description: 'the whole message, cut at 2,000 characters' }),
      paths: Type.Array(S.Answer({ editType: Type.Union([Type.Literal('add'), Type.Literal('edit'), Type.Literal('delete')]), path: Type.String() })),
    }), { description: 'newest first; merges are not listed' }),
    truncated: Type.Boolean({ description: 'more than 1024 commits: the oldest were left out' }),
  }), { description: "each checkout's change set, in order (Jenkins' Changes); null: the build recorded none" })),
});

export function registerChangesRoutes(root: FastifyInstance, changes: ChangesService): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  app.get('/api/v1/jobs/:job/builds/:number/changes', {
    schema: { operationId: 'getBuildChanges', tags: ['builds'], summary: "The commits since the previous build's (Jenkins' Changes)", params: S.BuildParams, response: answers({ 200: ChangesAnswer }) },
  }, async (req) => {
    const c = await changes.forBuild(req.params.job, req.params.number);
    if (!c) throw new ApiError('not-found', `no build #${req.params.number} of '${req.params.job}'`);
    return c;
  });
}
