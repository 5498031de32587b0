// What the statuses and checks steps do (declared in index.ts), against the services' REST APIs:
//   githubNotify            POST {api}/repos/{owner}/{repo}/statuses/{sha}
//                           {state: success|pending|failure|error, context, description, target_url}
//                           A refused call fails the step, as the GitHub Notify step's errors do.
//   publishChecks           POST {api}/repos/{owner}/{repo}/check-runs {name, head_sha, status,
//                           conclusion, details_url, output {title, summary, text, annotations},
//                           actions}; a check of the same name this build already published is
//                           PATCHed (/check-runs/{id}). "GitHub check (name: N, id: I) has been
//                           published."; a failure is "Failed Publishing GitHub checks: ..." and
//                           the build goes on, as the Checks API does; no GitHub configured:
//                           "[Checks API] No suitable checks publisher found."
//   withChecks(name) {}     the check IN_PROGRESS at the start, COMPLETED with SUCCESS when the
//                           block passes, FAILURE (CANCELED when aborted) with the error as its
//                           summary when it fails; the error goes on.
//   GitLab's steps          gitlab.ts (statuses, gitlabBuilds, MR notes and merges; named connections)
//   setGitHubPullRequestStatus / gitHubPRStatus   github-pr.ts (the GitHub Integration plugin)
// GitHub auth: `Authorization: Bearer <token>` (secret text, or a username/password's password).
// The repository comes from GIT_URL (https://host/owner/repo.git, git@host:owner/repo.git), the
// commit from GIT_COMMIT (set by checkout), unless the step gives them.
// Security: the host's token goes only to the host's API URL: a step's gitApiUrl needs the
// step's own credentialsId.
import { Interrupted, KilnError, StepFailure } from '../../core/errors.ts';
import type { GitHubSettings } from '../../core/http-services.ts';
import type { PluginRuntime, StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { HttpCallError, httpCall, jsonOf, privateAddress } from '../../util/http-client.ts';
import { CHECK_CONCLUSIONS, CHECK_STATUSES } from './decl.ts';
import { statusSetter } from './status-setter.ts';
import { gitlabSteps } from './gitlab.ts';
import { githubPrSteps } from './github-pr.ts';

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const TIMEOUT_MS = 30_000;

/** owner and repo (or the whole path for GitLab) of a remote URL. */
export function repoPath(url: string): string | null {
  const u = url.trim();
  let p: string | null = null;
  const scp = /^[\w.-]+@[\w.-]+:(?!\/\/)(.+)$/.exec(u);
  if (scp) p = scp[1]!;
  else {
    try {
      p = new URL(u).pathname;
    } catch {
      return null;
    }
  }
  p = p.replace(/^\/+/, '').replace(/\/+$/, '').replace(/\.git$/, '');
  return p.includes('/') ? p : null;
}

/** A GitHub or GitLab API call that failed (its status and the service's words). */
class ServiceError extends KilnError {
  constructor(message: string) { super('checks.service', message); }
}

async function call(ctx: StepContext, method: string, url: string, headers: Record<string, string>, body: unknown, guarded: boolean): Promise<{ status: number; json: unknown; text: string }> {
  try {
    const a = await httpCall({
      method, url, headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'Kiln', ...headers }, body: JSON.stringify(body),
      // A status after an abort (CANCELED) is still sent.
      timeoutMs: TIMEOUT_MS, ...(ctx.signal.aborted ? {} : { signal: ctx.signal }), maxBytes: 1024 * 1024,
      ...(guarded ? { addressGuard: (addr: string, host: string) => (privateAddress(addr) ? `${host} is ${addr}, an address of the Kiln server's own network` : null) } : {}),
    });
    return { status: a.status, json: jsonOf(a), text: a.body.toString('utf8') };
  } catch (e) {
    if (e instanceof HttpCallError && e.kind === 'aborted') throw e;
    throw new ServiceError((e as Error).message);
  }
}

function apiMessage(r: { status: number; json: unknown; text: string }): string {
  const m = (r.json as { message?: string } | null)?.message;
  return `HTTP ${r.status}${m ? `: ${m}` : r.text ? `: ${r.text.slice(0, 200)}` : ''}`;
}

// ---- GitHub -------------------------------------------------------------------------------

interface GitHubTarget { api: string; token: string; owner: string; repo: string; sha: string; guarded: boolean }

async function tokenOf(ctx: StepContext, id: string, what: string): Promise<string> {
  const c = await ctx.build.services.credential(id);
  if (c.type === 'secretText' && c.secret) return c.secret;
  if (c.type === 'usernamePassword' && c.password) return c.password;
  throw new StepFailure(`${what}: the credential '${id}' is a ${c.type}: give a secret text token or a username/password whose password is a token`);
}

async function githubSettings(ctx: StepContext): Promise<GitHubSettings | null> {
  return (await ctx.build.services.httpServices?.settings())?.github ?? null;
}

async function githubTarget(ctx: StepContext, step: string, o: { apiUrl?: string; credentialsId?: string; account?: string; repo?: string; sha?: string }, host: GitHubSettings | null): Promise<GitHubTarget> {
  const apiGiven = (o.apiUrl ?? '').trim().replace(/\/+$/, '');
  const credGiven = (o.credentialsId ?? '').trim();
  const hostApi = host?.apiUrl.replace(/\/+$/, '') ?? '';
  if (apiGiven && !credGiven && apiGiven !== hostApi) throw new StepFailure(`${step}: gitApiUrl '${apiGiven}' is not the GitHub API URL the administrator configured: Kiln sends the configured token only there; give your own credentialsId with it`);
  const api = apiGiven || hostApi || 'https://api.github.com';
  const credentialsId = credGiven || host?.credentialsId || '';
  if (!credentialsId) throw new StepFailure(`${step}: no GitHub credential: give credentialsId or have an administrator configure GitHub (${ctx.build.services.httpServices?.configureHint ?? 'this host has no GitHub settings'})`);
  const path = repoPath(ctx.env.GIT_URL ?? '');
  const owner = (o.account ?? '').trim() || path?.split('/').slice(-2)[0] || '';
  const repo = (o.repo ?? '').trim() || path?.split('/').slice(-1)[0] || '';
  const sha = (o.sha ?? '').trim() || ctx.env.GIT_COMMIT || '';
  if (!owner || !repo) throw new StepFailure(`${step}: which repository? give account: and repo:, or check out a GitHub repository first (GIT_URL is ${ctx.env.GIT_URL ? `'${ctx.env.GIT_URL}'` : 'not set'})`);
  if (!sha) throw new StepFailure(`${step}: which commit? give sha:, or check out first (GIT_COMMIT is not set)`);
  if (!/^[0-9a-f]{7,64}$/i.test(sha)) throw new StepFailure(`${step}: sha '${sha}' is not a commit id`);
  return { api, token: await tokenOf(ctx, credentialsId, step), owner, repo, sha, guarded: apiGiven !== '' && apiGiven !== hostApi };
}

const repoUrl = (t: GitHubTarget) => `${t.api}/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}`;

const githubNotify: StepRun = async (ctx, args) => {
  const v = args.values;
  const status = str(v.status).toUpperCase();
  if (!['SUCCESS', 'PENDING', 'FAILURE', 'ERROR'].includes(status)) throw new StepFailure(`githubNotify: status '${str(v.status)}' is not one of SUCCESS, PENDING, FAILURE, ERROR`);
  const t = await githubTarget(ctx, 'githubNotify', { apiUrl: str(v.gitApiUrl), credentialsId: str(v.credentialsId), account: str(v.account), repo: str(v.repo), sha: str(v.sha) }, await githubSettings(ctx));
  const body = { state: status.toLowerCase(), context: str(v.context) || 'jenkins/githubnotify', description: str(v.description), target_url: str(v.targetUrl) || ctx.env.BUILD_URL || undefined };
  let r;
  try {
    r = await call(ctx, 'POST', `${repoUrl(t)}/statuses/${t.sha}`, { Authorization: `Bearer ${t.token}` }, body, t.guarded);
  } catch (e) {
    if (e instanceof ServiceError) throw new StepFailure(`githubNotify: ${e.message}`);
    throw e;
  }
  if (r.status === 401) throw new StepFailure('githubNotify: The supplied credentials are invalid to login');
  if (r.status === 404) throw new StepFailure(`githubNotify: The specified repository does not exist for the specified account, or credentials do not have permissions to access it (${t.owner}/${t.repo})`);
  if (r.status < 200 || r.status > 299) throw new StepFailure(`githubNotify: GitHub refused the status: ${apiMessage(r)}`);
  ctx.log(`[githubNotify] ${t.owner}/${t.repo}@${t.sha.slice(0, 12)}: ${body.context} is ${body.state}`);
  return null;
};

interface CheckSpec {
  name: string;
  status: string;
  conclusion: string;
  title: string;
  summary: string;
  text: string;
  detailsURL: string;
  annotations: Value | undefined;
  actions: Value | undefined;
}

function annotationsOf(v: Value | undefined): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isList(v)) throw new StepFailure('publishChecks: annotations must be a list of maps');
  return v.map((a, i) => {
    if (!isMap(a)) throw new StepFailure(`publishChecks: annotations[${i}] must be a map [path:, startLine:, endLine:, message:]`);
    const get = (k: string) => a.get(k);
    const path = str(get('path'));
    const start = Number(get('startLine'));
    if (!path || !Number.isInteger(start)) throw new StepFailure(`publishChecks: annotations[${i}] needs path: and startLine:`);
    const level = (str(get('annotationLevel')) || 'WARNING').toUpperCase();
    if (!['NOTICE', 'WARNING', 'FAILURE'].includes(level)) throw new StepFailure(`publishChecks: annotations[${i}]: annotationLevel '${level}' is not NOTICE, WARNING or FAILURE`);
    const o: Record<string, unknown> = { path, start_line: start, end_line: get('endLine') !== undefined ? Number(get('endLine')) : start, annotation_level: level.toLowerCase(), message: str(get('message')) };
    if (get('startColumn') !== undefined) o.start_column = Number(get('startColumn'));
    if (get('endColumn') !== undefined) o.end_column = Number(get('endColumn'));
    if (get('title') !== undefined) o.title = str(get('title'));
    if (get('rawDetails') !== undefined) o.raw_details = str(get('rawDetails'));
    return o;
  });
}

function actionsOf(v: Value | undefined): unknown[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isList(v)) throw new StepFailure('publishChecks: actions must be a list of maps');
  return v.map((a, i) => {
    if (!isMap(a)) throw new StepFailure(`publishChecks: actions[${i}] must be a map [label:, description:, identifier:]`);
    return { label: str(a.get('label')), description: str(a.get('description')), identifier: str(a.get('identifier')) };
  });
}

/** Publishes (or updates) a check run; failures are console lines, as the Checks API does. */
async function publishCheck(ctx: StepContext, spec: CheckSpec): Promise<void> {
  const status = spec.status.toUpperCase();
  const conclusion = spec.conclusion.toUpperCase();
  if (!(CHECK_STATUSES as readonly string[]).includes(status)) throw new StepFailure(`publishChecks: status '${spec.status}' is not one of ${CHECK_STATUSES.join(', ')}`);
  if (!(CHECK_CONCLUSIONS as readonly string[]).includes(conclusion)) throw new StepFailure(`publishChecks: conclusion '${spec.conclusion}' is not one of ${CHECK_CONCLUSIONS.join(', ')}`);
  const annotations = annotationsOf(spec.annotations);
  const actions = actionsOf(spec.actions);
  const host = await githubSettings(ctx);
  if (!host) {
    ctx.log('[Checks API] No suitable checks publisher found.');
    return;
  }
  let t: GitHubTarget;
  try {
    t = await githubTarget(ctx, 'publishChecks', {}, host);
  } catch (e) {
    if (e instanceof StepFailure) {
      ctx.log(`Failed Publishing GitHub checks: ${e.message.replace(/^publishChecks: /, '')}`);
      return;
    }
    throw e;
  }
  const body: Record<string, unknown> = {
    name: spec.name, head_sha: t.sha, status: status.toLowerCase(),
    details_url: spec.detailsURL || ctx.env.BUILD_URL || undefined,
  };
  if (status === 'COMPLETED' && conclusion !== 'NONE') {
    body.conclusion = conclusion === 'TIME_OUT' ? 'timed_out' : conclusion.toLowerCase();
    body.completed_at = new Date().toISOString();
  }
  if (status === 'IN_PROGRESS') body.started_at = new Date().toISOString();
  if (spec.title || spec.summary || spec.text || annotations) {
    body.output = { title: spec.title || spec.name, summary: spec.summary || spec.title || spec.name, ...(spec.text ? { text: spec.text } : {}), ...(annotations ? { annotations } : {}) };
  }
  if (actions) body.actions = actions;
  const ids = ctx.build.scope.state('checks.ids', () => new Map<string, number>());
  const id = ids.get(spec.name);
  try {
    const r = await call(ctx, id ? 'PATCH' : 'POST', `${repoUrl(t)}/check-runs${id ? `/${id}` : ''}`, { Authorization: `Bearer ${t.token}` }, body, false);
    if (r.status < 200 || r.status > 299) {
      ctx.log(`Failed Publishing GitHub checks: GitHub refused the check '${spec.name}': ${apiMessage(r)}`);
      return;
    }
    const newId = (r.json as { id?: number } | null)?.id ?? id;
    if (newId) ids.set(spec.name, newId);
    ctx.log(`GitHub check (name: ${spec.name}, id: ${newId ?? '?'}) has been published.`);
  } catch (e) {
    if (e instanceof ServiceError) ctx.log(`Failed Publishing GitHub checks: ${e.message}`);
    else throw e;
  }
}

const publishChecks: StepRun = async (ctx, args) => {
  const v = args.values;
  await publishCheck(ctx, {
    name: str(v.name) || 'Jenkins', status: str(v.status) || 'COMPLETED', conclusion: str(v.conclusion) || 'SUCCESS',
    title: str(v.title), summary: str(v.summary), text: str(v.text), detailsURL: str(v.detailsURL), annotations: v.annotations, actions: v.actions,
  });
  return null;
};

const withChecks: StepRun = async (ctx, args) => {
  const name = str(args.values.name);
  if (!name) throw new StepFailure('withChecks: name is required');
  const base = { name, title: '', text: '', detailsURL: '', annotations: undefined, actions: undefined };
  await publishCheck(ctx, { ...base, status: 'IN_PROGRESS', conclusion: 'NONE', summary: '' });
  try {
    const out = await ctx.runBody(args.body!);
    await publishCheck(ctx, { ...base, status: 'COMPLETED', conclusion: 'SUCCESS', summary: '' });
    return out;
  } catch (e) {
    const aborted = e instanceof Interrupted || ctx.signal.aborted;
    await publishCheck(ctx, { ...base, status: 'COMPLETED', conclusion: aborted ? 'CANCELED' : 'FAILURE', title: aborted ? 'Cancelled' : 'Failed', summary: (e as Error).message || String(e) }).catch(() => undefined);
    throw e;
  }
};

const GitHubCommitStatusSetter: StepRun = (ctx, args) => statusSetter(ctx, args, { settings: githubSettings, tokenOf, call, apiMessage, ServiceError, repoPath });

const runtime: PluginRuntime = {
  steps: {
    githubNotify, publishChecks, withChecks, GitHubCommitStatusSetter,
    ...gitlabSteps({ call, tokenOf, repoPath, ServiceError }),
    ...githubPrSteps({ call, apiMessage, settings: githubSettings, target: githubTarget, ServiceError }),
  },
};
export default runtime;
