// The GitHub plugin's GitHubCommitStatusSetter, which pipelines reach only as
// `step([$class: 'GitHubCommitStatusSetter', ...])` (declared in index.ts as a 'class' step).
// Each part is a source map with its own $class, as the plugin's describables:
//   commitShaSource     ManuallyEnteredShaSource(sha)          | BuildDataRevisionShaSource: GIT_COMMIT
//   reposSource         ManuallyEnteredRepositorySource(url)   | AnyDefinedRepositorySource: GIT_URL
//   contextSource       ManuallyEnteredCommitContextSource(context) | DefaultCommitContextSource: the job's full name
//   statusBackrefSource ManuallyEnteredBackrefSource(backref)  | BuildRefBackrefSource: BUILD_URL
//   statusResultSource  ConditionalStatusResultSource(results: [AnyBuildResult | BetterThanOrEqualBuildResult
//                       (result:, state:, message:)]): the first that matches, else PENDING "Can't define
//                       which status to set" | DefaultStatusResultSource ("Build #7 succeeded in 3 sec", ...)
//   errorHandlers       ChangingBuildStatusErrorHandler(result) | ShallowAnyErrorHandler; none: the error fails the step
// Texts (sha, context, backref, message) have the build's ${VARIABLES} expanded. The result a
// condition compares is Jenkins' run result: none (NOT_BUILT) while the build is still SUCCESS.
// Per repository: GET /repos/{o}/{r} (its html_url), "Setting commit status on GitHub for
// <html_url>/commit/<sha>", POST /repos/{o}/{r}/statuses/{sha} {state, target_url, description, context}.
// Security: the host's GitHub token goes only to the host's API URL (settings), never elsewhere.
import { KilnError, StepFailure } from '../../core/errors.ts';
import type { BuildResult } from '../../core/build.ts';
import type { GitHubSettings } from '../../core/http-services.ts';
import type { StepArgs, StepContext } from '../../pipeline/steps/types.ts';
import { isList, isMap, type Value } from '../../pipeline/script/values.ts';
import { formatDuration } from '../../pipeline/steps/args.ts';

type Answer = { status: number; json: unknown; text: string };
export interface SetterDeps {
  settings(ctx: StepContext): Promise<GitHubSettings | null>;
  tokenOf(ctx: StepContext, id: string, what: string): Promise<string>;
  call(ctx: StepContext, method: string, url: string, headers: Record<string, string>, body: unknown, guarded: boolean): Promise<Answer>;
  apiMessage(r: Answer): string;
  ServiceError: new (message: string) => KilnError;
  /** owner/repo of a remote URL, or null. */
  repoPath(url: string): string | null;
}

const STEP = 'GitHubCommitStatusSetter';
const STATES = ['PENDING', 'SUCCESS', 'ERROR', 'FAILURE'] as const;
/** hudson.model.Result order: a result is "better or equal" to another when not after it. */
const ORDER: readonly BuildResult[] = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'];

const str = (v: Value | undefined): string => (v === undefined || v === null ? '' : String(v));

/** `${NAME}` / `$NAME` replaced by the environment's value; others stay as written. */
function expand(text: string, env: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, a: string | undefined, b: string | undefined) => env[(a ?? b)!] ?? whole);
}

/** Result.fromString: an unknown name is FAILURE. */
function resultOf(name: string): BuildResult {
  const n = name.trim().toUpperCase();
  return (ORDER as readonly string[]).includes(n) ? (n as BuildResult) : 'FAILURE';
}

/** A source map's class (simple name) and its other keys, checked against what that class takes. */
function source(param: string, v: Value | undefined, classes: Record<string, readonly string[]>): { cls: string; get: (k: string) => string; raw: (k: string) => Value | undefined } | null {
  if (v === undefined || v === null) return null;
  if (!isMap(v)) throw new StepFailure(`${STEP}: ${param} must be a map like [$class: '${Object.keys(classes)[0]}', ...]`);
  const full = str(v.get('$class'));
  const cls = full.slice(full.lastIndexOf('.') + 1);
  const keys = Object.hasOwn(classes, cls) ? classes[cls]! : undefined;
  if (!keys) throw new StepFailure(`${STEP}: ${param}: no known implementation is named ${full || '(no $class)'} (${Object.keys(classes).join(', ')})`);
  for (const k of v.keys()) if (k !== '$class' && !keys.includes(String(k))) throw new StepFailure(`${STEP}: ${param}: ${cls} has no parameter '${String(k)}' (${keys.join(', ') || 'none'})`);
  return { cls, get: (k) => str(v.get(k)), raw: (k) => v.get(k) };
}

interface Conditional { any: boolean; result: BuildResult; state: string; message: string }

function conditionals(v: Value | undefined): Conditional[] {
  if (v === undefined || v === null) return [];
  if (!isList(v)) throw new StepFailure(`${STEP}: statusResultSource: results must be a list of [$class: 'AnyBuildResult' or 'BetterThanOrEqualBuildResult', ...]`);
  return v.map((x) => {
    const s = source('statusResultSource.results', x, { AnyBuildResult: ['state', 'message'], BetterThanOrEqualBuildResult: ['result', 'state', 'message'] })!;
    return { any: s.cls === 'AnyBuildResult', result: resultOf(s.get('result')), state: s.get('state'), message: s.get('message') };
  });
}

type Handler = { kind: 'change'; result: BuildResult } | { kind: 'shallow' };

function handlers(v: Value | undefined): Handler[] {
  if (v === undefined || v === null) return [];
  if (!isList(v)) throw new StepFailure(`${STEP}: errorHandlers must be a list of [$class: 'ChangingBuildStatusErrorHandler', result: 'UNSTABLE'] or [$class: 'ShallowAnyErrorHandler']`);
  return v.map((x) => {
    const s = source('errorHandlers', x, { ChangingBuildStatusErrorHandler: ['result'], ShallowAnyErrorHandler: [] })!;
    return s.cls === 'ShallowAnyErrorHandler' ? { kind: 'shallow' } : { kind: 'change', result: resultOf(s.get('result')) };
  });
}

/** An error the plugin's error handlers handle (its message is what they print). */
class SetterError extends KilnError {
  constructor(message: string) {
    super('checks.service', message);
  }
}

export async function statusSetter(ctx: StepContext, args: StepArgs, deps: SetterDeps): Promise<Value> {
  const v = args.values;
  const env = ctx.env;
  // The describables are built first, as Jenkins instantiates them: a bad map fails the step.
  const shaSrc = source('commitShaSource', v.commitShaSource, { ManuallyEnteredShaSource: ['sha'], BuildDataRevisionShaSource: [] });
  const repoSrc = source('reposSource', v.reposSource, { ManuallyEnteredRepositorySource: ['url'], AnyDefinedRepositorySource: [] });
  const ctxSrc = source('contextSource', v.contextSource, { ManuallyEnteredCommitContextSource: ['context'], DefaultCommitContextSource: [] });
  const refSrc = source('statusBackrefSource', v.statusBackrefSource, { ManuallyEnteredBackrefSource: ['backref'], BuildRefBackrefSource: [] });
  const resSrc = source('statusResultSource', v.statusResultSource, { ConditionalStatusResultSource: ['results'], DefaultStatusResultSource: [] });
  const onError = handlers(v.errorHandlers);
  const results = resSrc?.cls === 'ConditionalStatusResultSource' ? conditionals(resSrc.raw('results')) : null;

  try {
    const sha = shaSrc?.cls === 'ManuallyEnteredShaSource' ? expand(shaSrc.get('sha'), env).trim() : (env.GIT_COMMIT ?? '');
    if (!sha) throw new SetterError('Unable to get the commit: no git checkout in this build (GIT_COMMIT is not set)');
    const urls = repoSrc?.cls === 'ManuallyEnteredRepositorySource' ? [repoSrc.get('url')] : env.GIT_URL ? [env.GIT_URL] : [];
    const context = ctxSrc?.cls === 'ManuallyEnteredCommitContextSource' ? expand(ctxSrc.get('context'), env) : ctx.build.jobName;
    const backref = refSrc?.cls === 'ManuallyEnteredBackrefSource' ? expand(refSrc.get('backref'), env) : (env.BUILD_URL ?? '');
    // Jenkins' run result: none while the build has not been made worse than SUCCESS
    const now: BuildResult = ctx.build.result === 'SUCCESS' ? 'NOT_BUILT' : ctx.build.result;
    const better = (r: BuildResult) => ORDER.indexOf(now) <= ORDER.indexOf(r);
    const name = `#${ctx.build.number}`;
    const took = formatDuration(Date.now() - (ctx.build.startedAt ?? Date.now()));
    const table: Conditional[] = results ?? [
      { any: false, result: 'SUCCESS', state: 'SUCCESS', message: `Build ${name} succeeded in ${took}` },
      { any: false, result: 'UNSTABLE', state: 'FAILURE', message: `Build ${name} found unstable in ${took}` },
      { any: false, result: 'FAILURE', state: 'ERROR', message: `Build ${name} failed in ${took}` },
      { any: true, result: 'SUCCESS', state: 'PENDING', message: `Build ${name} in progress...` },
    ];
    const hit = table.find((c) => c.any || better(c.result));
    // an unknown state is ERROR (EnumUtils.getEnum ... defaultIfNull ERROR)
    const state = hit ? ((STATES as readonly string[]).includes(hit.state.toUpperCase()) ? hit.state.toUpperCase() : 'ERROR') : 'PENDING';
    const description = expand(hit ? hit.message : "Can't define which status to set", env);

    const host = await deps.settings(ctx);
    for (const url of urls) {
      const path = deps.repoPath(url);
      if (!path) {
        ctx.log(`Unable to match ${url} with a GitHub repository.`);
        continue;
      }
      if (!host) {
        ctx.log(`${STEP}: GitHub is not configured, so ${path} is not reached (${ctx.build.services.httpServices?.configureHint ?? 'this host has no GitHub settings'})`);
        continue;
      }
      const api = host.apiUrl.replace(/\/+$/, '');
      const token = await deps.tokenOf(ctx, host.credentialsId, STEP);
      const auth = { Authorization: `Bearer ${token}` };
      const repoUrl = `${api}/repos/${path.split('/').map(encodeURIComponent).join('/')}`;
      let repo: Answer;
      try {
        repo = await deps.call(ctx, 'GET', repoUrl, auth, undefined, false);
      } catch (e) {
        if (e instanceof deps.ServiceError) throw new SetterError(e.message);
        throw e;
      }
      if (repo.status !== 200) {
        ctx.log(`${STEP}: cannot reach the repository ${path} on GitHub (${deps.apiMessage(repo)}): no status set there`);
        continue;
      }
      const html = str((repo.json as { html_url?: string } | null)?.html_url as Value) || `https://github.com/${path}`;
      ctx.log(`Setting commit status on GitHub for ${html}/commit/${sha}`);
      let r: Answer;
      try {
        r = await deps.call(ctx, 'POST', `${repoUrl}/statuses/${encodeURIComponent(sha)}`, auth, { state: state.toLowerCase(), target_url: backref || undefined, description, context }, false);
      } catch (e) {
        if (e instanceof deps.ServiceError) throw new SetterError(e.message);
        throw e;
      }
      if (r.status < 200 || r.status > 299) throw new SetterError(deps.apiMessage(r));
    }
  } catch (e) {
    if (!(e instanceof SetterError) && !(e instanceof StepFailure && e.message.startsWith(`${STEP}:`))) throw e;
    const msg = e.message;
    const h = onError[0];
    if (!h) throw new StepFailure(`${STEP}: ${msg}`);
    if (h.kind === 'shallow') {
      ctx.log(`ERROR: [GitHub Commit Status Setter] Failed to update commit state on GitHub. Ignoring exception [${msg}]`);
    } else {
      ctx.log(`ERROR: [GitHub Commit Status Setter] - ${msg}, setting build result to ${h.result}`);
      ctx.build.setResult(h.result);
    }
  }
  return null;
}
