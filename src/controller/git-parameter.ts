// The build form's list of a gitParameter (the Git Parameter plugin): GET
// /api/v1/jobs/:job/parameters/:name/values answers the values the form offers and the one it
// selects, read from the job's repository (its Jenkinsfile's git definition, with its credential)
// by `git ls-remote` on the controller:
//   PT_BRANCH        the branches as the plugin names them (origin/<branch>), kept when the
//                    branchFilter (a Java regex) matches the whole name; when the filter has one
//                    group, its text is the value ('origin/(.*)' lists 'main')
//   PT_TAG           the tags matching tagFilter (a glob: * and ?, as git tag -l)
//   PT_BRANCH_TAG    both
//   PT_PULL_REQUEST  the pull (refs/pull/N/head) and merge (refs/merge-requests/N/head) request numbers
//   PT_REVISION      the commits of `branch` (all branches when empty), newest first, as the
//                    plugin's RevisionInfoFactory lists them: the value the full SHA-1, the label
//                    (`labels`) "<sha7> [(tag)] yyyy-MM-dd HH:mm Author <mail> message" (the date in
//                    the author's zone, the message's lines joined and cut at 150 characters). Read
//                    from a shallow, tree-less bare clone in a temporary directory, removed after.
// sortMode orders them (NONE: as the repository lists them; *_SMART compares digit runs as
// numbers; revisions keep git's order); selectedValue TOP selects the first, DEFAULT the
// defaultValue, NONE nothing.
// Who: a developer (the role that may start the build the form is for): a call may run git.
// Bounded, so that no user or script can make the controller run git without end (GitListings):
// an answer is kept CACHE_MS per (the repository and the credential scope that read it, the type,
// the filters, the branch), a failure FAIL_CACHE_MS; concurrent calls for the same key share one
// git run; at most MAX_RUNNING git runs at once and MAX_WAITING waiting (more: 503, try again);
// each git command stops after TIMEOUT_MS and past MAX_OUTPUT bytes of output (a clear error).
// The filter comes from a Jenkinsfile and the names from a repository: matched as a pipeline's
// regexes are (script/regex.ts: on a regex thread with a deadline when costly), never stalling the
// controller; at most MAX_REFS refs are read and MAX_VALUES values answered.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Job, Store } from '../store/types.ts';
import type { GitParameterOptions } from '../pipeline/model/types.ts';
import { groupCount, matchWhole } from '../pipeline/script/regex.ts';
import { ApiError } from './http-errors.ts';
import { Answer, JobParams, answers, type TypeBoxProvider } from './api-schemas.ts';

const MAX_REFS = 100_000;
const MAX_VALUES = 5_000;
const TIMEOUT_MS = 30_000;
const MAX_OUTPUT = 8 * 1024 * 1024;
const CACHE_MS = 30_000;
const FAIL_CACHE_MS = 5_000;
const MAX_CACHED = 256;
const MAX_RUNNING = 4;
const MAX_WAITING = 16;

export interface GitParameterDeps {
  store: Store;
  /** Sets up `env` (askpass or SSH key files in `dir`) for the job's repository credential. */
  gitAuth(job: Job, dir: string, env: NodeJS.ProcessEnv, buildNumber: number): Promise<void>;
  /** The cache and bound of the git runs (absent: the defaults of the header). */
  listings?: GitListings;
}

/** A glob of git tag -l: * any run, ? one character. */
function globMatch(glob: string, s: string): boolean {
  const re = new RegExp(`^${glob.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&'))).join('')}$`, 's');
  return re.test(s);
}

/** Digit runs compared as numbers (v1.10 after v1.9), the rest as text. */
function smartCompare(a: string, b: string): number {
  const pa = a.match(/\d+|\D+/g) ?? [];
  const pb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i]!;
    const y = pb[i]!;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
    } else if (x !== y) return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

/** A git command's output: stopped after `timeoutMs` and past `maxOutput` bytes, with a clear error either way. */
export function gitOutput(args: string[], o: { env: NodeJS.ProcessEnv; signal: AbortSignal; cwd?: string; timeoutMs?: number; maxOutput?: number }): Promise<string> {
  const timeout = o.timeoutMs ?? TIMEOUT_MS;
  const maxBuffer = o.maxOutput ?? MAX_OUTPUT;
  return new Promise<string>((resolve, reject) => {
    execFile('git', args, { env: o.env, cwd: o.cwd, timeout, signal: o.signal, maxBuffer, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (!err) return resolve(String(stdout));
      const e = err as NodeJS.ErrnoException & { killed?: boolean };
      if (e.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return reject(new Error(`git ${args[0]} answered more than ${maxBuffer} bytes (the most Kiln reads)`));
      if (e.killed || o.signal.aborted) return reject(new Error(`git ${args[0]} did not finish within ${Math.round(timeout / 1000)} s`));
      reject(new Error(String(stderr).trim().split('\n').pop() || err.message));
    });
  });
}

export async function lsRemote(url: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal, limits: { timeoutMs?: number; maxOutput?: number } = {}): Promise<string[]> {
  const out = await gitOutput(['ls-remote', ...args, '--', url], { env, signal, ...limits });
  return out.split('\n').slice(0, MAX_REFS).map((l) => l.split('\t')[1]?.trim() ?? '').filter((r) => r !== '');
}

/** The plugin's commit message: the message's non-empty lines, trimmed, once each, joined by spaces; cut at the last space before 150 characters. */
function revisionMessage(body: string): string {
  const m = [...new Set(body.split('\n').map((l) => l.trim()).filter((l) => l !== ''))].join(' ');
  if (m.length <= 150) return m;
  const at = m.lastIndexOf(' ', 150);
  return `${at > 0 ? m.slice(0, at) : m.slice(0, 150)} ...`;
}

/**
 * PT_REVISION: the commits of `branch` (every branch when ''), newest first, at most MAX_VALUES,
 * from a shallow (MAX_VALUES deep) tree-less bare clone in `dir`: the full SHA-1s and the plugin's labels.
 */
export async function gitRevisions(url: string, branch: string, dir: string, env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<{ values: string[]; labels: string[] }> {
  const repo = path.join(dir, 'repo.git');
  const name = branch.replace(/^(?:refs\/heads\/|refs\/remotes\/origin\/|origin\/)/, '');
  if (name !== '' && (name.startsWith('-') || /[\s~^:?*[\\]|\.\.|@\{/.test(name))) throw new ApiError('invalid', `branch '${branch}' is not a branch name`);
  await gitOutput(['clone', '--quiet', '--bare', '--filter=tree:0', `--depth=${MAX_VALUES}`, ...(name ? ['--single-branch', '--branch', name] : ['--no-single-branch']), '--', url, repo], { env, signal });
  const tagsOut = await gitOutput(['-C', repo, 'for-each-ref', '--format=%(objecttype) %(*objectname) %(refname:short)', 'refs/tags'], { env, signal }).catch(() => '');
  // git describe names a commit by an annotated tag on it exactly (else the name holds the SHA-1, which the plugin drops).
  const tags = new Map<string, string>();
  for (const line of tagsOut.split('\n')) {
    const [type, target, tag] = line.split(' ');
    if (type === 'tag' && target && tag && !tags.has(target)) tags.set(target, tag);
  }
  const out = await gitOutput(['-C', repo, 'log', `--max-count=${MAX_VALUES}`, '--date=format:%Y-%m-%d %H:%M', '--format=%H%x00%an <%ae>%x00%ad%x00%B%x1e', ...(name ? ['HEAD'] : ['--all']), '--'], { env, signal });
  const values: string[] = [];
  const labels: string[] = [];
  for (const rec of out.split('\x1e')) {
    const [sha, author, date, body] = rec.replace(/^\n/, '').split('\0');
    if (!sha || !/^[0-9a-f]{40,64}$/.test(sha)) continue;
    const tag = tags.get(sha);
    values.push(sha);
    labels.push([sha.slice(0, 7), ...(tag ? [`(${tag})`] : []), date ?? '', author ?? '', revisionMessage(body ?? '')].join(' ').trim());
  }
  return { values, labels };
}

/** What the form lists: the values, and for revisions the plugin's labels. */
export interface Listing { values: string[]; labels?: string[] }

/**
 * The bound on the git work the values route does (see the header): answers cached per key for
 * cacheMs (failures failMs), one run per key at a time shared by its callers, at most maxRunning
 * runs at once and maxWaiting waiting. `now` is the clock.
 */
export class GitListings {
  readonly #o: { cacheMs: number; failMs: number; maxRunning: number; maxWaiting: number; maxCached: number; now: () => number };
  readonly #cache = new Map<string, { until: number; p: Promise<Listing> }>();
  #running = 0;
  readonly #waiting: (() => void)[] = [];
  /** How many runs started (for the tests and the record). */
  runs = 0;

  constructor(o: Partial<{ cacheMs: number; failMs: number; maxRunning: number; maxWaiting: number; maxCached: number; now: () => number }> = {}) {
    this.#o = { cacheMs: CACHE_MS, failMs: FAIL_CACHE_MS, maxRunning: MAX_RUNNING, maxWaiting: MAX_WAITING, maxCached: MAX_CACHED, now: Date.now, ...o };
  }

  get(key: string, run: () => Promise<Listing>): Promise<Listing> {
    const now = this.#o.now();
    const hit = this.#cache.get(key);
    if (hit && hit.until > now) return hit.p;
    this.#cache.delete(key);
    if (this.#running >= this.#o.maxRunning && this.#waiting.length >= this.#o.maxWaiting) {
      return Promise.reject(new ApiError('unavailable', `the controller is listing ${this.#running + this.#waiting.length} repositories already: try again shortly`, { headers: { 'Retry-After': '5' } }));
    }
    const p = this.#slot().then(async (release) => {
      this.runs++;
      try {
        return await run();
      } finally {
        release();
      }
    });
    // In flight: the key's callers share the run (until: for ever, set when it settles).
    const entry = { until: Number.POSITIVE_INFINITY, p };
    this.#cache.set(key, entry);
    p.then(() => { entry.until = this.#o.now() + this.#o.cacheMs; }, () => { entry.until = this.#o.now() + this.#o.failMs; });
    while (this.#cache.size > this.#o.maxCached) this.#cache.delete(this.#cache.keys().next().value!);
    return p;
  }

  #slot(): Promise<() => void> {
    const release = () => {
      this.#running--;
      this.#waiting.shift()?.();
    };
    if (this.#running < this.#o.maxRunning) {
      this.#running++;
      return Promise.resolve(release);
    }
    return new Promise((resolve) => this.#waiting.push(() => { this.#running++; resolve(release); }));
  }
}

/** The values of a gitParameter from the refs of a repository (as git ls-remote names them). */
export async function gitParameterValues(refs: readonly string[], o: GitParameterOptions, signal: AbortSignal): Promise<string[]> {
  const values: string[] = [];
  const wantBranches = o.type === 'PT_BRANCH' || o.type === 'PT_BRANCH_TAG';
  const wantTags = o.type === 'PT_TAG' || o.type === 'PT_BRANCH_TAG';
  const oneGroup = groupCount(o.branchFilter, null) === 1;
  for (const ref of refs) {
    if (values.length >= MAX_VALUES) break;
    if (wantBranches && ref.startsWith('refs/heads/')) {
      const name = `origin/${ref.slice('refs/heads/'.length)}`;
      const m = await matchWhole(name, o.branchFilter, { loc: null, signal });
      if (m) values.push(oneGroup ? m.groups[1] ?? '' : name);
    } else if (wantTags && ref.startsWith('refs/tags/') && !ref.endsWith('^{}')) {
      const tag = ref.slice('refs/tags/'.length);
      if (globMatch(o.tagFilter, tag)) values.push(tag);
    } else if (o.type === 'PT_PULL_REQUEST') {
      const m = /^refs\/(?:pull|merge-requests)\/(\d+)\/head$/.exec(ref);
      if (m) values.push(m[1]!);
    }
  }
  const unique = [...new Set(values.filter((v) => v !== ''))];
  switch (o.sortMode) {
    case 'ASCENDING': return unique.sort();
    case 'DESCENDING': return unique.sort().reverse();
    case 'ASCENDING_SMART': return unique.sort(smartCompare);
    case 'DESCENDING_SMART': return unique.sort(smartCompare).reverse();
    default: return unique;
  }
}

export function registerGitParameterRoutes(root: FastifyInstance, deps: GitParameterDeps): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const listings = deps.listings ?? new GitListings();
  app.get('/api/v1/jobs/:job/parameters/:name/values', {
    schema: {
      operationId: 'listGitParameterValues', tags: ['jobs'],
      summary: "The values a gitParameter's form offers, from the job's repository (git ls-remote; PT_REVISION: a clone's log), and the one it selects; cached for a short time",
      params: Type.Intersect([JobParams, Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) })]),
      response: answers({ 200: Answer({
        values: Type.Array(Type.String()),
        labels: Type.Optional(Type.Array(Type.String(), { description: "PT_REVISION: each value's label as the plugin shows it (sha7, tag, date, author, message)" })),
        selected: Type.Union([Type.String(), Type.Null()], { description: 'selectedValue: TOP the first, DEFAULT the defaultValue, NONE null' }),
      }) }),
    },
  }, async (req) => {
    const job = await deps.store.jobs.get(req.params.job);
    if (!job) throw new ApiError('not-found', `no job named '${req.params.job}'`);
    const p = job.parameters.find((x) => x.name === req.params.name);
    if (!p) throw new ApiError('not-found', `job '${job.name}' has no parameter '${req.params.name}'`);
    if (p.type !== 'gitParameter' || !p.git) throw new ApiError('invalid', `parameter '${p.name}' of job '${job.name}' is a ${p.type} parameter, not a gitParameter`);
    const o = p.git;
    const d = job.definition;
    if (d.kind !== 'git') throw new ApiError('conflict', `job '${job.name}' has an inline Jenkinsfile, so no repository to list ${p.name}'s values from: enter one`);
    // A credential is resolved for the job (folder scope), so what it read is kept for that job only.
    const scope = d.credentialsId ? `${job.id}\0${d.credentialsId}` : '';
    const key = JSON.stringify([d.url, scope, o.type, o.branchFilter, o.tagFilter, o.sortMode, o.type === 'PT_REVISION' ? o.branch : '']);
    const listing = await listings.get(key, () => list(deps, job, p.name, o));
    const dflt = typeof p.defaultValue === 'string' ? p.defaultValue : '';
    const selected = o.selectedValue === 'TOP' ? listing.values[0] ?? null : o.selectedValue === 'DEFAULT' && dflt !== '' ? dflt : null;
    return { values: listing.values, ...(listing.labels ? { labels: listing.labels } : {}), selected };
  });
}

/** One listing of a job's gitParameter: runs git in a temporary directory (the credential's files), removed after. */
async function list(deps: GitParameterDeps, job: Job, name: string, o: GitParameterOptions): Promise<Listing> {
  const d = job.definition;
  if (d.kind !== 'git') throw new ApiError('conflict', `job '${job.name}' has an inline Jenkinsfile`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kiln-gitparam-'));
  const signal = AbortSignal.timeout(2 * TIMEOUT_MS);
  try {
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes' };
    await deps.gitAuth(job, dir, env, job.nextBuildNumber);
    if (o.type === 'PT_REVISION') {
      try {
        return await gitRevisions(d.url, o.branch, dir, env, signal);
      } catch (e) {
        if (e instanceof ApiError) throw e;
        throw new ApiError('unavailable', `could not list the revisions of ${d.url}${o.branch ? ` (branch ${o.branch})` : ''}: ${(e as Error).message}`);
      }
    }
    const args = o.type === 'PT_BRANCH' ? ['--heads'] : o.type === 'PT_TAG' ? ['--tags'] : o.type === 'PT_BRANCH_TAG' ? ['--heads', '--tags'] : [];
    let refs: string[];
    try {
      refs = await lsRemote(d.url, args, env, signal);
    } catch (e) {
      throw new ApiError('unavailable', `could not list the refs of ${d.url}: ${(e as Error).message}`);
    }
    try {
      return { values: await gitParameterValues(refs, o, signal) };
    } catch (e) {
      throw new ApiError('invalid', `parameter '${name}': branchFilter: ${(e as Error).message}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
