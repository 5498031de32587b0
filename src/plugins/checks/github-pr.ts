// The GitHub Integration plugin's pull-request status steps (declared in index.ts), posting commit
// statuses to GitHub's REST API: POST {api}/repos/{owner}/{repo}/statuses/{sha}
// {state, target_url, description, context}, `Authorization: Bearer <token>` (the host's GitHub
// settings, as githubNotify).
//
//   setGitHubPullRequestStatus(context:, message:, state:)   SetCommitStatusStep: state is one of
//       ERROR, FAILURE, PENDING, SUCCESS (required); context defaults to the job's full name (with
//       the plugin's "Unable to determine commit status context" line); the console says
//       "Setting pull request status C to S with message: M"; GitHub's refusal fails the step.
//   gitHubPRStatus(githubPRMessage('...'))   GitHubPRStatusBuilder: a PENDING status, context the
//       job's full name, the message with ${VAR} of the build's environment expanded (default
//       "${GITHUB_PR_COND_REF} run started"); a failure is the line "Can't update build
//       description" and the build goes on, as the plugin.
//   githubPRStatusPublisher(statusMsg:, unstableAs:, buildMessage: message(successMsg:, failureMsg:),
//       statusVerifier: allowRunOnStatus('SUCCESS'), errorHandler: statusOnPublisherError('UNSTABLE'))
//       GitHubPRBuildStatusPublisher: the build's result at that point (Run.getResult()) as the state
//       (SUCCESS success, UNSTABLE unstableAs (default FAILURE), worse failure; no result yet, i.e. a
//       build still running that nothing has set or worsened, is ERROR, as the plugin's
//       getCommitState, with a console line saying so; allowRunOnStatus then skips the step with a
//       line, where the plugin throws a NullPointerException), context the job's full name, the
//       message expanded (default "${GITHUB_PR_COND_REF} run ended"). When GitHub refuses and a
//       buildMessage is given, the plugin's "Adding comment..." and the success/failure message as
//       a comment on the pull request (GITHUB_PR_NUMBER; POST .../issues/{n}/comments); without
//       one, "Could not update commit status of the Pull Request on GitHub." and the reason; then
//       the errorHandler's result is set. Without a BUILD_URL (no Kiln URL configured) the plugin
//       does nothing: Kiln says so in one line. A statusVerifier whose result the build is worse
//       than skips the step, as the plugin.
//
//   githubPRComment(comment: githubPRMessage('...'), statusVerifier:, errorHandler:)   GitHubPRCommentPublisher:
//       POST .../issues/{GITHUB_PR_NUMBER}/comments {body}, the message's ${VAR} expanded (BUILD_STATUS
//       the result so far; default "Build ${BUILD_NUMBER} ${BUILD_STATUS}"), then the message on the
//       console, as the plugin; a refusal is "Couldn't add comment to pull request #N: ..." and the
//       errorHandler's result.
//   githubPRAddLabels / githubPRRemoveLabels(labelProperty: githubLabels('a\nb'))   POST .../issues/N/labels
//       {labels}, DELETE .../issues/N/labels/{name} (one not there is no error); "Couldn't add label for
//       PR #N: ..." / "Couldn't remove label for PR #N: ..." and the errorHandler's result.
//   The pull request is GITHUB_PR_NUMBER of GITHUB_PR_URL's owner/repo (the githubPullRequests trigger's
//   cause sets both: controller/github-pr-trigger.ts); without them the step fails saying so.
//
// Which commit: Jenkins takes the pull request's head from its GitHub PR trigger's cause. Kiln's
// githubPullRequests trigger sets GITHUB_PR_HEAD_SHA and GITHUB_PR_URL: the commit is
// GITHUB_PR_HEAD_SHA when the build's environment has it, else the checkout's GIT_COMMIT, and the
// repository GITHUB_PR_URL's owner/repo, else GIT_URL's (docs/notifications.md says so).
import { StepFailure } from '../../core/errors.ts';
import type { GitHubSettings } from '../../core/http-services.ts';
import type { StepRun } from '../../pipeline/plugin.ts';
import type { StepContext } from '../../pipeline/steps/types.ts';
import { isMap, type Value } from '../../pipeline/script/values.ts';
import { GITHUB_PR_STATES } from './decl.ts';

type Answer = { status: number; json: unknown; text: string };
interface Target { api: string; token: string; owner: string; repo: string; sha: string; guarded: boolean }
export interface GitHubPrDeps {
  call(ctx: StepContext, method: string, url: string, headers: Record<string, string>, body: unknown, guarded: boolean): Promise<Answer>;
  apiMessage(r: Answer): string;
  settings(ctx: StepContext): Promise<GitHubSettings | null>;
  target(ctx: StepContext, step: string, o: { sha?: string; account?: string; repo?: string }, host: GitHubSettings | null): Promise<Target>;
  ServiceError: new (message: string) => Error;
}

const STATES = GITHUB_PR_STATES;
const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

/** ${NAME} and $NAME of the environment; an unknown one stays as written (Jenkins' Util.replaceMacro). */
export function expandEnv(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (m, a: string | undefined, b: string | undefined) => {
    const v = env[(a ?? b)!];
    return v === undefined ? m : v;
  });
}

async function post(ctx: StepContext, deps: GitHubPrDeps, t: Target, body: Record<string, string | undefined>): Promise<void> {
  let r: Answer;
  try {
    r = await deps.call(ctx, 'POST', `${t.api}/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/statuses/${t.sha}`, { Authorization: `Bearer ${t.token}` }, body, t.guarded);
  } catch (e) {
    if (e instanceof deps.ServiceError) throw new StepFailure(e.message);
    throw e;
  }
  if (r.status < 200 || r.status > 299) throw new StepFailure(`GitHub refused the status: ${deps.apiMessage(r)}`);
}

/** The text of a githubPRMessage('...') (or a plain string). */
const msg = (m: Value | undefined): string => (isMap(m) ? str(m.get('content')) : str(m));
const RESULTS = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'] as const;

const headSha = (ctx: StepContext) => (ctx.env.GITHUB_PR_HEAD_SHA ?? '').trim();
/** The pull request's repository, from GITHUB_PR_URL (https://github.com/owner/repo/pull/N) when the build has it (else GIT_URL's). */
const prRepo = (ctx: StepContext): { account?: string; repo?: string } => {
  const m = /^https?:\/\/[^/]+\/([\w.-]+)\/([\w.-]+)\/pull\/\d+$/.exec((ctx.env.GITHUB_PR_URL ?? '').trim());
  return m ? { account: m[1]!, repo: m[2]! } : {};
};

export function githubPrSteps(deps: GitHubPrDeps): Record<string, StepRun> {
  const setGitHubPullRequestStatus: StepRun = async (ctx, args) => {
    const state = str(args.values.state);
    if (!state) throw new StepFailure("setGitHubPullRequestStatus: Missing required parameter 'state'");
    if (!(STATES as readonly string[]).includes(state)) throw new StepFailure(`setGitHubPullRequestStatus: state '${state}' is not one of ${STATES.join(', ')}`);
    let context = str(args.values.context).trim();
    if (!context) {
      ctx.log("ERROR: Unable to determine commit status context (the check name). Argument 'context' not provided and no default configured. Using job name as fallback.");
      context = ctx.build.jobName;
    }
    const message = str(args.values.message);
    const t = await deps.target(ctx, 'setGitHubPullRequestStatus', { sha: headSha(ctx), ...prRepo(ctx) }, await deps.settings(ctx));
    ctx.log(`Setting pull request status ${context} to ${state} with message: ${message || 'null'}`);
    const url = ctx.env.BUILD_URL || undefined;
    if (!url) ctx.log("ERROR: Jenkins Location is not configured in system settings. Cannot create a 'details' link.");
    try {
      await post(ctx, deps, t, { state: state.toLowerCase(), target_url: url, description: message || undefined, context });
    } catch (e) {
      if (e instanceof StepFailure) throw new StepFailure(`setGitHubPullRequestStatus: ${e.message}`);
      throw e;
    }
    return null;
  };

  const gitHubPRStatus: StepRun = async (ctx, args) => {
    const m = args.values.statusMessage;
    const content = isMap(m) ? str(m.get('content')) : str(m);
    const text = content.trim() ? content : '${GITHUB_PR_COND_REF} run started';
    try {
      const t = await deps.target(ctx, 'gitHubPRStatus', { sha: headSha(ctx), ...prRepo(ctx) }, await deps.settings(ctx));
      await post(ctx, deps, t, { state: 'pending', target_url: ctx.env.BUILD_URL || undefined, description: expandEnv(text, ctx.env), context: ctx.build.jobName });
    } catch (e) {
      if (!(e instanceof StepFailure)) throw e;
      ctx.log("Can't update build description");
      ctx.log(`gitHubPRStatus: ${e.message}`);
    }
    return null;
  };

  const githubPRStatusPublisher: StepRun = async (ctx, args) => {
    const v = args.values;
    // Run.getResult(): null while the build runs and nothing set or worsened its result.
    const result = ctx.build.runResult === undefined ? ctx.build.result : ctx.build.runResult;
    const verifier = v.statusVerifier;
    if (isMap(verifier)) {
      const allowed = str(verifier.get('buildStatus')).toUpperCase() || 'SUCCESS';
      if (!(RESULTS as readonly string[]).includes(allowed)) throw new StepFailure(`githubPRStatusPublisher: allowRunOnStatus '${allowed}' is not one of ${RESULTS.join(', ')}`);
      if (result === null) {
        ctx.log(`githubPRStatusPublisher: no status set: allowRunOnStatus('${allowed}') needs the build's result, and the build has none yet (it is still running); set currentBuild.result first`);
        return null;
      }
      if (RESULTS.indexOf(result) > RESULTS.indexOf(allowed as typeof RESULTS[number])) return null;
    }
    const unstableAs = str(v.unstableAs).toUpperCase() || 'FAILURE';
    if (!(STATES as readonly string[]).includes(unstableAs)) throw new StepFailure(`githubPRStatusPublisher: unstableAs '${unstableAs}' is not one of ${STATES.join(', ')}`);
    const handler = v.errorHandler;
    const onError = isMap(handler) ? str(handler.get('buildStatus')).toUpperCase() || 'FAILURE' : '';
    if (onError && !(RESULTS as readonly string[]).includes(onError)) throw new StepFailure(`githubPRStatusPublisher: statusOnPublisherError '${onError}' is not one of ${RESULTS.join(', ')}`);
    if (!ctx.env.BUILD_URL) {
      ctx.log('githubPRStatusPublisher: no status set: the Kiln URL is not configured (BUILD_URL is empty), and a status needs the link to the build');
      return null;
    }
    // The plugin's getCommitState: no result yet is ERROR (never success for a build still running).
    const state = result === null ? 'ERROR' : result === 'SUCCESS' ? 'SUCCESS' : result === 'UNSTABLE' ? unstableAs : 'FAILURE';
    if (result === null) ctx.log("githubPRStatusPublisher: the build has no result yet (it is still running), so the status is ERROR, as the plugin sets it; set currentBuild.result first to publish the build's state");
    const content = msg(v.statusMsg);
    const description = expandEnv(content.trim() ? content : '${GITHUB_PR_COND_REF} run ended', ctx.env);
    let t: Target | null = null;
    try {
      t = await deps.target(ctx, 'githubPRStatusPublisher', { sha: headSha(ctx), ...prRepo(ctx) }, await deps.settings(ctx));
      await post(ctx, deps, t, { state: state.toLowerCase(), target_url: ctx.env.BUILD_URL, description, context: ctx.build.jobName });
      return null;
    } catch (e) {
      if (!(e instanceof StepFailure)) throw e;
      const bm = v.buildMessage;
      if (isMap(bm) && t) {
        const text = state === 'SUCCESS' ? msg(bm.get('successMsg')) || "Can't set status; build succeeded." : state === 'FAILURE' ? msg(bm.get('failureMsg')) || "Can't set status; build failed." : '';
        ctx.log('Adding comment...');
        const pr = (ctx.env.GITHUB_PR_NUMBER ?? '').trim();
        if (!text) ctx.log(`githubPRStatusPublisher: ${e.message}`);
        else if (!/^\d+$/.test(pr)) ctx.log(`githubPRStatusPublisher: ${e.message}; no comment either: GITHUB_PR_NUMBER is not a pull request number`);
        else {
          try {
            const r = await deps.call(ctx, 'POST', `${t.api}/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}/issues/${pr}/comments`, { Authorization: `Bearer ${t.token}` }, { body: expandEnv(text, ctx.env) }, t.guarded);
            if (r.status < 200 || r.status > 299) ctx.log(`Couldn't add comment to pull request #${pr}: ${deps.apiMessage(r)}`);
          } catch (c) {
            if (!(c instanceof deps.ServiceError)) throw c;
            ctx.log(`Couldn't add comment to pull request #${pr}: ${c.message}`);
          }
        }
      } else {
        ctx.log(`Could not update commit status of the Pull Request on GitHub. ${e.message}`);
      }
      if (onError) ctx.build.setResult(onError as typeof RESULTS[number]);
      return null;
    }
  };

  /** The build's pull request: its number and repository (GITHUB_PR_NUMBER, GITHUB_PR_URL), with the host's API and token. */
  const prOf = async (ctx: StepContext, step: string): Promise<{ t: Target; n: string }> => {
    const n = (ctx.env.GITHUB_PR_NUMBER ?? '').trim();
    if (!/^\d{1,9}$/.test(n)) throw new StepFailure(`${step}: this build was not started by a GitHub pull request (GITHUB_PR_NUMBER is not set): no pull request to act on`);
    const t = await deps.target(ctx, step, { ...prRepo(ctx), sha: headSha(ctx) || '0000000' }, await deps.settings(ctx));
    return { t, n };
  };
  /** statusVerifier: whether the build is good enough to run the publisher. */
  const allowed = (ctx: StepContext, step: string, verifier: Value | undefined): boolean => {
    if (!isMap(verifier)) return true;
    const want = str(verifier.get('buildStatus')).toUpperCase() || 'SUCCESS';
    if (!(RESULTS as readonly string[]).includes(want)) throw new StepFailure(`${step}: allowRunOnStatus '${want}' is not one of ${RESULTS.join(', ')}`);
    const result = (ctx.build.runResult === undefined ? ctx.build.result : ctx.build.runResult) ?? 'SUCCESS';
    return RESULTS.indexOf(result) <= RESULTS.indexOf(want as typeof RESULTS[number]);
  };
  const onError = (ctx: StepContext, step: string, handler: Value | undefined): void => {
    if (!isMap(handler)) return;
    const r = str(handler.get('buildStatus')).toUpperCase() || 'FAILURE';
    if (!(RESULTS as readonly string[]).includes(r)) throw new StepFailure(`${step}: statusOnPublisherError '${r}' is not one of ${RESULTS.join(', ')}`);
    ctx.build.setResult(r as typeof RESULTS[number]);
  };
  const api = async (ctx: StepContext, t: Target, method: string, path: string, body: unknown): Promise<string | null> => {
    try {
      const r = await deps.call(ctx, method, `${t.api}/repos/${encodeURIComponent(t.owner)}/${encodeURIComponent(t.repo)}${path}`, { Authorization: `Bearer ${t.token}` }, body, t.guarded);
      return r.status >= 200 && r.status <= 299 ? null : r.status === 404 && method === 'DELETE' ? null : deps.apiMessage(r);
    } catch (e) {
      if (e instanceof deps.ServiceError) return e.message;
      throw e;
    }
  };
  const labelsOf = (step: string, v: Value | undefined): string[] => {
    const raw = isMap(v) ? str(v.get('labels')) : str(v);
    const out = [...new Set(raw.split('\n').map((x) => x.trim()).filter(Boolean))];
    if (out.length === 0) throw new StepFailure(`${step}: no labels: labelProperty: githubLabels('name')`);
    return out;
  };

  const githubPRComment: StepRun = async (ctx, args) => {
    const v = args.values;
    if (!allowed(ctx, 'githubPRComment', v.statusVerifier)) return null;
    const content = msg(v.comment);
    const result = (ctx.build.runResult === undefined ? ctx.build.result : ctx.build.runResult) ?? 'SUCCESS';
    const text = expandEnv(v.comment === undefined || v.comment === null ? 'Build ${BUILD_NUMBER} ${BUILD_STATUS}' : content, { ...ctx.env, BUILD_STATUS: result });
    if (text === '') return null;
    const { t, n } = await prOf(ctx, 'githubPRComment');
    const why = await api(ctx, t, 'POST', `/issues/${n}/comments`, { body: text });
    if (why !== null) {
      ctx.log(`Couldn't add comment to pull request #${n}: ${why}`);
      onError(ctx, 'githubPRComment', v.errorHandler);
    }
    ctx.log(text);
    return null;
  };

  const labelStep = (step: 'githubPRAddLabels' | 'githubPRRemoveLabels'): StepRun => async (ctx, args) => {
    const v = args.values;
    if (!allowed(ctx, step, v.statusVerifier)) return null;
    const labels = labelsOf(step, v.labelProperty);
    const { t, n } = await prOf(ctx, step);
    let why: string | null = null;
    if (step === 'githubPRAddLabels') why = await api(ctx, t, 'POST', `/issues/${n}/labels`, { labels });
    else for (const l of labels) why ??= await api(ctx, t, 'DELETE', `/issues/${n}/labels/${encodeURIComponent(l)}`, undefined);
    if (why !== null) {
      ctx.log(`Couldn't ${step === 'githubPRAddLabels' ? 'add' : 'remove'} label for PR #${n}: ${why}`);
      onError(ctx, step, v.errorHandler);
    }
    return null;
  };

  // step([$class: 'GitHubPRBuildStatusPublisher', ...]) is the same publisher (its messages as [content: '...'] maps).
  return {
    setGitHubPullRequestStatus, gitHubPRStatus, githubPRStatusPublisher, GitHubPRBuildStatusPublisher: githubPRStatusPublisher,
    githubPRComment, githubPRAddLabels: labelStep('githubPRAddLabels'), githubPRRemoveLabels: labelStep('githubPRRemoveLabels'),
  };
}
