// The GitLab plugin's pipeline steps (declared in index.ts) against GitLab's REST API (v4):
//
//   updateGitlabCommitStatus   POST {url}/api/v4/projects/{id}/statuses/{sha}  {state, name, target_url}
//   gitlabCommitStatus(n) {}   running, then success / failed / canceled by the block's outcome
//   gitlabBuilds(builds:) {}   each listed name `pending` at the start; a name still pending when
//                              the block fails is set failed (canceled when aborted), as Jenkins'
//                              GitLabBuildsStep; one still pending when it passes: the line
//                              "There are still pending GitLab builds. Please check your configuration"
//   addGitLabMRComment         POST {url}/api/v4/projects/{target project id}/merge_requests/{iid}/notes {body}
//   acceptGitLabMR             PUT  {url}/api/v4/projects/{target project id}/merge_requests/{iid}/merge
//                              {merge_commit_message, should_remove_source_branch}
// Auth: the PRIVATE-TOKEN header. A GitLab call that fails is a console line ("Failed to ..."),
// never the build's result, as the plugin's steps print and go on.
//
// The connection: `gitLabConnection('name')` in the job's options or properties([...]) (the
// build scope's plugin properties, steps/job-properties.ts), or a step's own connection:
// argument, names one of the controller's named connections (core/http-services.ts
// gitlabConnections); none named: the host's one GitLab setting, or the one named connection
// when there is exactly one. With `useAlternativeCredential: true, jobCredentialId: 'x'` the
// build's credential x is the token instead of the connection's (Jenkins' job credential).
// The token goes only to its connection's URL (an administrator's choice).
//
// Which project and commit: a build a GitLab merge request hook started (its env: gitlabMergeRequestIid,
// gitlabMergeRequestTargetProjectId, gitlabSourceRepoHttpUrl, gitlabMergeRequestLastCommit; set by
// the controller's GitLab webhook, controller/gitlab-trigger.ts) reports on the request's last
// commit in the source project, as the plugin does; any other build on GIT_URL's project path and
// GIT_COMMIT of its checkout. The MR steps need a merge request hook's build: in any other build
// they print why they did nothing (Jenkins logs that only to its system log).
import { Interrupted, StepFailure } from '../../core/errors.ts';
import type { GitLabConnection, HttpServiceSettings } from '../../core/http-services.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { PLUGIN_PROPERTIES_KEY, type PluginProperties } from '../../pipeline/steps/job-properties.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { GITLAB_STATES } from './decl.ts';

type Answer = { status: number; json: unknown; text: string };
export interface GitLabDeps {
  call(ctx: StepContext, method: string, url: string, headers: Record<string, string>, body: unknown, guarded: boolean): Promise<Answer>;
  tokenOf(ctx: StepContext, id: string, what: string): Promise<string>;
  repoPath(url: string): string | null;
  ServiceError: new (message: string) => Error;
}

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));
const PENDING_KEY = 'gitlab.pendingBuilds';

/** GitLab's error answer: {"message": "..."} or {"message": {"field": ["..."]}}, or {"error": "..."}. */
function glMessage(r: Answer): string {
  const j = r.json as { message?: unknown; error?: unknown } | null;
  const m = j?.message ?? j?.error;
  const text = typeof m === 'string' ? m : m !== undefined && m !== null ? JSON.stringify(m) : r.text.slice(0, 200);
  return `HTTP ${r.status}${text ? `: ${text.slice(0, 300)}` : ''}`;
}

interface Connection { label: string; api: string; token: string }

/** The connection a `connection:` argument or the job's gitLabConnection names (see the header); a string: why there is none. */
async function connectionOf(ctx: StepContext, deps: GitLabDeps, given: Value | undefined): Promise<Connection | string> {
  const props = ctx.build.scope.state<PluginProperties>(PLUGIN_PROPERTIES_KEY, () => new Map());
  const prop: Record<string, Value> | undefined = isMap(given) ? Object.fromEntries([...given.entries()]) : typeof given === 'string' && given ? { gitLabConnection: given } : props.get('gitLabConnection');
  const named = str(prop?.['gitLabConnection']).trim();
  const settings: HttpServiceSettings | undefined = await ctx.build.services.httpServices?.settings();
  const list: GitLabConnection[] = settings?.gitlabConnections ?? [];
  const hint = ctx.build.services.httpServices?.configureHint ?? 'this host has no GitLab settings';
  let c: { name: string; url: string; credentialsId: string } | undefined;
  if (named) {
    c = list.find((x) => x.name === named);
    if (!c) return `no GitLab connection named '${named}' is configured (${list.length ? `there are: ${list.map((x) => x.name).join(', ')}` : 'there are none'}; ${hint})`;
  } else if (settings?.gitlab) {
    c = { name: '', ...settings.gitlab };
  } else if (list.length === 1) {
    c = list[0]!;
  } else if (list.length === 0) {
    return `No GitLab connection configured (${hint})`;
  } else {
    return `several GitLab connections are configured (${list.map((x) => x.name).join(', ')}): name one with options { gitLabConnection('name') }`;
  }
  const alt = prop?.['useAlternativeCredential'] === true && str(prop['jobCredentialId']).trim();
  let token: string;
  try {
    token = await deps.tokenOf(ctx, alt || c.credentialsId, 'GitLab');
  } catch (e) {
    return (e as Error).message;
  }
  return { label: c.name || c.url, api: `${c.url.replace(/\/+$/, '')}/api/v4`, token };
}

/** The project (id or path) and commit a status goes to (see the header). */
function statusTarget(ctx: StepContext, deps: GitLabDeps): { project: string; sha: string } | string {
  const e = ctx.env;
  if (e.gitlabMergeRequestLastCommit && e.gitlabSourceRepoHttpUrl) {
    const p = deps.repoPath(e.gitlabSourceRepoHttpUrl);
    if (p && /^[0-9a-f]{7,64}$/i.test(e.gitlabMergeRequestLastCommit)) return { project: p, sha: e.gitlabMergeRequestLastCommit };
  }
  const project = deps.repoPath(e.GIT_URL ?? '');
  const sha = e.GIT_COMMIT ?? '';
  if (!project) return `GIT_URL is ${e.GIT_URL ? `'${e.GIT_URL}'` : 'not set'}: check out the GitLab repository first`;
  if (!/^[0-9a-f]{7,64}$/i.test(sha)) return 'GIT_COMMIT is not set: check out first';
  return { project, sha };
}

async function postStatus(ctx: StepContext, deps: GitLabDeps, name: string, state: string, connection: Value | undefined): Promise<void> {
  // A name gitlabBuilds listed is no longer pending once its own status is set (sent or not, as Jenkins' PendingBuildsAction).
  const pending = ctx.build.scope.state<string[]>(PENDING_KEY, () => []);
  if (state !== 'pending' && pending.includes(name)) pending.splice(pending.indexOf(name), 1);
  const target = statusTarget(ctx, deps);
  const say = (why: string) => ctx.log(`Failed to update Gitlab commit status for project '${typeof target === 'string' ? '?' : target.project}': ${why}`);
  if (typeof target === 'string') return say(target);
  const c = await connectionOf(ctx, deps, connection);
  if (typeof c === 'string') return say(c);
  const url = `${c.api}/projects/${encodeURIComponent(target.project)}/statuses/${target.sha}`;
  const body: Record<string, string> = { state, name };
  if (ctx.env.BUILD_URL) body.target_url = ctx.env.BUILD_URL;
  if (ctx.env.gitlabSourceBranch) body.ref = ctx.env.gitlabSourceBranch;
  try {
    const r = await deps.call(ctx, 'POST', url, { 'PRIVATE-TOKEN': c.token }, body, false);
    if (r.status < 200 || r.status > 299) return say(glMessage(r));
  } catch (e) {
    if (e instanceof deps.ServiceError) return say(e.message);
    throw e;
  }
}

const failedState = (ctx: StepContext, e: unknown) => (e instanceof Interrupted || ctx.signal.aborted ? 'canceled' : 'failed');

/** The GitLab steps' implementations, with the checks runtime's HTTP helpers. */
export function gitlabSteps(deps: GitLabDeps): Record<string, StepRun> {
  const updateGitlabCommitStatus: StepRun = async (ctx, args) => {
    const state = str(args.values.state);
    if (!(GITLAB_STATES as readonly string[]).includes(state)) throw new StepFailure(`updateGitlabCommitStatus: state '${state}' is not one of ${GITLAB_STATES.join(', ')}`);
    await postStatus(ctx, deps, str(args.values.name) || 'jenkins', state, undefined);
    return null;
  };

  const gitlabCommitStatus: StepRun = async (ctx, args) => {
    if (args.values.builds !== undefined) throw new StepFailure('gitlabCommitStatus: builds: is not supported by Kiln (statuses on other projects); use connection: or the job\'s gitLabConnection');
    const name = str(args.values.name) || 'jenkins';
    const connection = args.values.connection;
    await postStatus(ctx, deps, name, 'running', connection);
    try {
      const out = await ctx.runBody(args.body!);
      await postStatus(ctx, deps, name, 'success', connection);
      return out;
    } catch (e) {
      await postStatus(ctx, deps, name, failedState(ctx, e), connection).catch(() => undefined);
      throw e;
    }
  };

  const gitlabBuilds: StepRun = async (ctx, args) => {
    const given = args.values.builds;
    let names = isList(given) ? given.map((x) => str(x).trim()).filter(Boolean) : typeof given === 'string' ? [given] : [];
    // As GitLabBuildsStep.setBuilds: one entry is a comma-separated list.
    if (names.length === 1) names = names[0]!.split(',').map((x) => x.trim()).filter(Boolean);
    if (names.length === 0) throw new StepFailure("gitlabBuilds: builds: names no status: gitlabBuilds(builds: ['build', 'test']) { ... }");
    const pending = ctx.build.scope.state<string[]>(PENDING_KEY, () => []);
    for (const n of names) {
      await postStatus(ctx, deps, n, 'pending', undefined);
      if (!pending.includes(n)) pending.push(n);
    }
    try {
      const out = await ctx.runBody(args.body!);
      if (pending.length > 0) ctx.log('There are still pending GitLab builds. Please check your configuration');
      return out;
    } catch (e) {
      const state = failedState(ctx, e);
      for (const n of [...pending]) await postStatus(ctx, deps, n, state, undefined).catch(() => undefined);
      pending.length = 0;
      throw e;
    }
  };

  /** The merge request of a build a GitLab merge request hook started; a string: why there is none. */
  const mergeRequestOf = (ctx: StepContext): { project: string; iid: string } | string => {
    const iid = ctx.env.gitlabMergeRequestIid ?? '';
    const project = ctx.env.gitlabMergeRequestTargetProjectId ?? '';
    if (!/^\d+$/.test(iid) || !/^\d+$/.test(project)) return 'this build was not started by a GitLab merge request hook (gitlabMergeRequestIid is not set)';
    return { project, iid };
  };

  const addGitLabMRComment: StepRun = async (ctx, args) => {
    const comment = str(args.values.comment);
    const mr = mergeRequestOf(ctx);
    if (typeof mr === 'string') {
      ctx.log(`addGitLabMRComment: ${mr}: no comment added`);
      return null;
    }
    const c = await connectionOf(ctx, deps, undefined);
    if (typeof c === 'string') {
      ctx.log(c.startsWith('No GitLab connection') ? 'No GitLab connection configured' : `addGitLabMRComment: ${c}`);
      return null;
    }
    const fail = (why: string) => ctx.log(`Failed to add comment on Merge Request for project '${mr.project}': ${why}`);
    try {
      const r = await deps.call(ctx, 'POST', `${c.api}/projects/${mr.project}/merge_requests/${mr.iid}/notes`, { 'PRIVATE-TOKEN': c.token }, { body: comment }, false);
      if (r.status < 200 || r.status > 299) fail(glMessage(r));
    } catch (e) {
      if (e instanceof deps.ServiceError) fail(e.message);
      else throw e;
    }
    return null;
  };

  const acceptGitLabMR: StepRun = async (ctx, args) => {
    const mr = mergeRequestOf(ctx);
    if (typeof mr === 'string') {
      ctx.log(`acceptGitLabMR: ${mr}: nothing merged`);
      return null;
    }
    const c = await connectionOf(ctx, deps, undefined);
    if (typeof c === 'string') {
      ctx.log(c.startsWith('No GitLab connection') ? 'No GitLab connection configured' : `acceptGitLabMR: ${c}`);
      return null;
    }
    const e = ctx.env;
    let message = str(args.values.mergeCommitMessage);
    // As GitLab's "Include description in commit message": the default message, the title, the description, the link.
    if (args.values.useMRDescription === true) {
      const path = [e.gitlabTargetNamespace, e.gitlabTargetRepoName].filter(Boolean).join('/');
      message = [
        `Merge branch '${e.gitlabSourceBranch ?? ''}' into '${e.gitlabTargetBranch ?? ''}'`, e.gitlabMergeRequestTitle ?? '', e.gitlabMergeRequestDescription ?? '', `See merge request ${path}!${mr.iid}`,
      ].filter((x) => x !== '').join('\n\n');
    }
    const body: Record<string, string | boolean> = { should_remove_source_branch: args.values.removeSourceBranch === true };
    if (message) body.merge_commit_message = message;
    const fail = (why: string) => ctx.log(`Failed to accept merge request for project '${mr.project}': ${why}`);
    try {
      const r = await deps.call(ctx, 'PUT', `${c.api}/projects/${mr.project}/merge_requests/${mr.iid}/merge`, { 'PRIVATE-TOKEN': c.token }, body, false);
      if (r.status < 200 || r.status > 299) fail(glMessage(r));
    } catch (err) {
      if (err instanceof deps.ServiceError) fail(err.message);
      else throw err;
    }
    return null;
  };

  return { updateGitlabCommitStatus, gitlabCommitStatus, gitlabBuilds, addGitLabMRComment, acceptGitLabMR };
}
