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
//   PT_REVISION      refused with a clear 400: listing commits needs a clone, which Kiln does not make here
// sortMode orders them (NONE: as the repository lists them; *_SMART compares digit runs as
// numbers); selectedValue TOP selects the first, DEFAULT the defaultValue, NONE nothing.
// Who: a developer (the role that may start the build the form is for): each call runs git.
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
const TIMEOUT_MS = 60_000;

export interface GitParameterDeps {
  store: Store;
  /** Sets up `env` (askpass or SSH key files in `dir`) for the job's repository credential. */
  gitAuth(job: Job, dir: string, env: NodeJS.ProcessEnv, buildNumber: number): Promise<void>;
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

async function lsRemote(url: string, args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string[]> {
  const out = await new Promise<string>((resolve, reject) => {
    execFile('git', ['ls-remote', ...args, '--', url], { env, timeout: TIMEOUT_MS, signal, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(String(stderr).trim().split('\n').pop() || err.message));
      else resolve(String(stdout));
    });
  });
  return out.split('\n').slice(0, MAX_REFS).map((l) => l.split('\t')[1]?.trim() ?? '').filter((r) => r !== '');
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
  app.get('/api/v1/jobs/:job/parameters/:name/values', {
    schema: {
      operationId: 'listGitParameterValues', tags: ['jobs'],
      summary: "The values a gitParameter's form offers, from the job's repository (git ls-remote), and the one it selects",
      params: Type.Intersect([JobParams, Type.Object({ name: Type.String({ minLength: 1, maxLength: 255 }) })]),
      response: answers({ 200: Answer({ values: Type.Array(Type.String()), selected: Type.Union([Type.String(), Type.Null()], { description: 'selectedValue: TOP the first, DEFAULT the defaultValue, NONE null' }) }) }),
    },
  }, async (req) => {
    const job = await deps.store.jobs.get(req.params.job);
    if (!job) throw new ApiError('not-found', `no job named '${req.params.job}'`);
    const p = job.parameters.find((x) => x.name === req.params.name);
    if (!p) throw new ApiError('not-found', `job '${job.name}' has no parameter '${req.params.name}'`);
    if (p.type !== 'gitParameter' || !p.git) throw new ApiError('invalid', `parameter '${p.name}' of job '${job.name}' is a ${p.type} parameter, not a gitParameter`);
    const o = p.git;
    if (o.type === 'PT_REVISION') throw new ApiError('invalid', `parameter '${p.name}' lists revisions (PT_REVISION), which Kiln does not list: enter a commit`);
    const d = job.definition;
    if (d.kind !== 'git') throw new ApiError('conflict', `job '${job.name}' has an inline Jenkinsfile, so no repository to list ${p.name}'s values from: enter one`);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kiln-gitparam-'));
    const signal = AbortSignal.timeout(TIMEOUT_MS);
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? 'ssh -o BatchMode=yes' };
      await deps.gitAuth(job, dir, env, job.nextBuildNumber);
      const args = o.type === 'PT_BRANCH' ? ['--heads'] : o.type === 'PT_TAG' ? ['--tags'] : o.type === 'PT_BRANCH_TAG' ? ['--heads', '--tags'] : [];
      let refs: string[];
      try {
        refs = await lsRemote(d.url, args, env, signal);
      } catch (e) {
        throw new ApiError('unavailable', `could not list the refs of ${d.url}: ${(e as Error).message}`);
      }
      let values: string[];
      try {
        values = await gitParameterValues(refs, o, signal);
      } catch (e) {
        throw new ApiError('invalid', `parameter '${p.name}': branchFilter: ${(e as Error).message}`);
      }
      const dflt = typeof p.defaultValue === 'string' ? p.defaultValue : '';
      const selected = o.selectedValue === 'TOP' ? values[0] ?? null : o.selectedValue === 'DEFAULT' && dflt !== '' ? dflt : null;
      return { values, selected };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}
