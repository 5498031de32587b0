// The GitLab plugin's trigger on the controller: `triggers { gitlab(...) }` (or
// pipelineTriggers([gitlab(...)])), whose literal parameters the job keeps as JSON text in its
// trigger's spec (pipeline/model/triggers.ts), decides which of GitLab's Push Hook and Merge
// Request Hook (and Note Hook) events build the job, and on which branch and commit, as the plugin's
// GitLabPushTrigger and its handlers do. webhooks.ts calls it for the jobs of the hook's
// repository that have the trigger (jobs without it keep the plain push behaviour there).
//
//   Push Hook            triggerOnPush (default true); the branch filter on the pushed branch;
//                        a push whose last commit says [ci-skip] starts nothing (ciSkip, default true)
//   Merge Request Hook   triggerOnMergeRequest (default true): an opened request's open, reopen,
//                        or update with new commits (oldrev; so triggerOnlyIfNewCommitsPushed is
//                        always so); triggerOnAcceptedMergeRequest: merge; triggerOnClosedMergeRequest:
//                        close; triggerOnApprovedMergeRequest: approved (both default false). A draft
//                        (work in progress) starts nothing with skipWorkInProgressMergeRequest
//                        (default false); [ci-skip] in the description or last commit neither
//                        (ciSkip). The filter sees the source and target branch.
//   Note Hook            triggerOnNoteRequest (default true): a comment on a merge request whose
//                        whole text matches noteRegex (a Java regex, default "Jenkins please retry
//                        a build") builds the request's last commit (gitlabActionType NOTE,
//                        gitlabTriggerPhrase the comment, gitlabCommentAuthor its author); a note on
//                        anything else (a commit, an issue) starts nothing; ciSkip: [ci-skip] in the
//                        request's description
//   branchFilterType     All (default); NameBasedFilter: includeBranchesSpec / excludeBranchesSpec,
//                        comma-separated Ant patterns (*, **, ?) on the target branch;
//                        RegexBasedFilter: sourceBranchRegex and targetBranchRegex, whole-name matches
//   secretToken          a hook whose X-Gitlab-Token equals it is trusted for this job
//                        (gitlabTokenJobs), as the controller's webhook secret is; the job keeps
//                        only its SHA-256 (secretTokenSha256), compared in constant time
//
// The build gets the plugin's variables (gitlabSourceBranch, gitlabTargetBranch, gitlabActionType
// PUSH / MERGE / NOTE, gitlabMergeRequestIid, gitlabMergeRequestTargetProjectId, gitlabUserName,
// gitlabSourceRepoHttpUrl, ... gitlabBefore, gitlabAfter) through its cause's env, and builds the
// source branch at the hook's commit. A merge request from another project (a fork; source
// project id differs from the target's) is built too, as the plugin builds it, with the source
// project's variables (gitlabSourceRepoURL, gitlabSourceRepoHttpUrl, gitlabSourceNamespace, ...):
// its commit comes from the job's repository, where GitLab keeps it (refs/merge-requests/N/head;
// `checkout scm` fetches it by its id), and the Jenkinsfile is read from the job's own branch,
// never from the fork's commit (BuildCause.untrustedRevision), so a fork cannot change the
// pipeline that runs with the job's credentials.
// Parameters Kiln does not act on (triggerToBranchDeleteRequest, triggerOnPipelineEvent, triggerOpenMergeRequestOnPush, labelsThatForcesBuildIfAdded,
// mergeRequestLabelFilterConfig, cancelPendingBuildsOnUpdate,
// setBuildDescription, addNoteOnMergeRequest, addCiMessage, addVoteOnMergeRequest,
// acceptMergeRequestOnSuccess, pendingBuildName) are accepted with a lint warning
// (GITLAB_UNHONOURED; docs/notifications.md), since Jenkins runs such a pipeline too.
// Also here: the editor lint's check of gitLabConnection('name') against the named connections.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Job } from '../store/types.ts';
import { diag, type Diagnostic } from '../pipeline/diagnostics.ts';
import { parse } from '../pipeline/syntax/parser.ts';
import { visit } from '../pipeline/model/walk.ts';
import { matchesWhole } from '../pipeline/script/regex.ts';

export interface GitLabTrigger {
  triggerOnPush: boolean;
  triggerOnMergeRequest: boolean;
  triggerOnAcceptedMergeRequest: boolean;
  triggerOnClosedMergeRequest: boolean;
  triggerOnApprovedMergeRequest: boolean;
  skipWorkInProgressMergeRequest: boolean;
  triggerOnNoteRequest: boolean;
  /** A merge request comment whose whole text matches it builds (Java regex; '' : none). */
  noteRegex: string;
  ciSkip: boolean;
  branchFilterType: string;
  includeBranchesSpec: string;
  excludeBranchesSpec: string;
  sourceBranchRegex: string;
  targetBranchRegex: string;
  /** The SHA-256 (hex) of the trigger's secretToken; '' for none. */
  secretTokenSha256: string;
}

/** The gitlab trigger of a job (its last build's model), with the plugin's defaults; null: none. */
export function gitlabTriggerOf(job: Job): GitLabTrigger | null {
  const t = job.triggers.find((x) => x.type === 'gitlab');
  if (!t) return null;
  let o: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(t.spec || '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) o = v as Record<string, unknown>;
  } catch {
    // A spec from before the parameters were kept: the defaults.
  }
  const b = (k: string, d: boolean) => (typeof o[k] === 'boolean' ? (o[k] as boolean) : d);
  const s = (k: string, d = '') => (typeof o[k] === 'string' ? (o[k] as string) : d);
  return {
    triggerOnPush: b('triggerOnPush', true), triggerOnMergeRequest: b('triggerOnMergeRequest', true),
    triggerOnAcceptedMergeRequest: b('triggerOnAcceptedMergeRequest', false), triggerOnClosedMergeRequest: b('triggerOnClosedMergeRequest', false),
    triggerOnApprovedMergeRequest: b('triggerOnApprovedMergeRequest', false), skipWorkInProgressMergeRequest: b('skipWorkInProgressMergeRequest', false),
    triggerOnNoteRequest: b('triggerOnNoteRequest', true), noteRegex: s('noteRegex', 'Jenkins please retry a build'),
    ciSkip: b('ciSkip', true), branchFilterType: s('branchFilterType', s('branchFilterName', 'All')), includeBranchesSpec: s('includeBranchesSpec'), excludeBranchesSpec: s('excludeBranchesSpec'),
    sourceBranchRegex: s('sourceBranchRegex'), targetBranchRegex: s('targetBranchRegex'), secretTokenSha256: /^[0-9a-f]{64}$/.test(s('secretTokenSha256')) ? s('secretTokenSha256') : '',
  };
}

/** An Ant path pattern (Spring's AntPathMatcher: `*` and `?` within a segment, `**` across them) as a RegExp. */
export function antPattern(p: string): RegExp {
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' && p[i + 1] === '*') {
      // `a/**` also matches `a`; `**/b` also matches `b`.
      if (re.endsWith('/')) { re = `${re.slice(0, -1)}(?:/.*)?`; i++; if (p[i + 1] === '/') i++; continue; }
      re += '.*';
      i++;
      if (p[i + 1] === '/') { re += '/?'; i++; }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

const list = (spec: string) => spec.split(',').map((x) => x.trim()).filter(Boolean);

/**
 * Whether the trigger's branch filter lets source → target through (push: both the pushed
 * branch). Regexes are Java's Pattern.matches, as the plugin has them; the pattern comes from a
 * Jenkinsfile and the name from a hook, so they run as a pipeline's do (script/regex.ts): inline
 * when cheap, else on a regex thread with a deadline, never stalling the controller. A pattern
 * stopped there lets nothing through, and says why.
 */
export async function branchAllowed(t: GitLabTrigger, source: string, target: string): Promise<true | string> {
  if (t.branchFilterType === 'NameBasedFilter') {
    const inc = list(t.includeBranchesSpec);
    const exc = list(t.excludeBranchesSpec);
    if (inc.length === 0 && exc.length === 0) return true;
    if (exc.some((p) => antPattern(p).test(target))) return 'excluded';
    return inc.length === 0 || inc.some((p) => antPattern(p).test(target)) ? true : 'not included';
  }
  if (t.branchFilterType === 'RegexBasedFilter') {
    const whole = async (re: string, s: string): Promise<true | string> => {
      try {
        return (await matchesWhole(s, re, { loc: null, signal: null })) ? true : 'no match';
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
    };
    const srcOk = t.sourceBranchRegex === '' ? true : await whole(t.sourceBranchRegex, source);
    if (target === '' || srcOk !== true || t.targetBranchRegex === '') return srcOk;
    return whole(t.targetBranchRegex, target);
  }
  return true;
}

/** Whether a hook's X-Gitlab-Token is the trigger's secretToken, by its SHA-256 (compared in constant time). */
export function tokenMatches(given: string, secretSha256: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(secretSha256)) return false;
  return timingSafeEqual(createHash('sha256').update(given, 'utf8').digest(), Buffer.from(secretSha256, 'hex'));
}

/** The ids of the jobs whose gitlab trigger's secretToken the hook's token is. */
export function gitlabTokenJobs(jobs: readonly Job[], token: string): Set<string> {
  const out = new Set<string>();
  for (const j of jobs) {
    const t = gitlabTriggerOf(j);
    if (t && tokenMatches(token, t.secretTokenSha256)) out.add(j.id);
  }
  return out;
}

/** What a hook asks of a job with the trigger: a build (branch, commit, the variables) or why not. */
export type GitLabDecision = { build: true; branch: string; commit: string; env: Record<string, string>; description: string; fork?: boolean } | { build: false; reason: string };

/** A GitLab hook as the decision needs it (webhooks.ts parses and checks the body). */
export interface GitLabEvent {
  /** note: a comment on a merge request (its fields are the request's; `note` the comment). */
  kind: 'push' | 'merge' | 'note';
  /** note: the comment's text. */
  note?: string;
  /** The pushed branch, or the request's source branch. */
  source: string;
  /** = source for a push. */
  target: string;
  commit: string;
  /** The last commit's message (ciSkip). */
  lastMessage: string;
  /** Merge requests: its action (open, reopen, update, merge, close, approved, ...), state, draft flag, and whether the update brought commits. */
  action: string;
  state: string;
  draft: boolean;
  newCommits: boolean;
  description: string;
  /** The request comes from another project (a fork). */
  fork: boolean;
  env: Record<string, string>;
  who: string;
}

/** A filter's refusal that is more than a plain miss (a regex stopped for running too long) is said. */
const why = (r: string) => (r === 'no match' || r === 'excluded' || r === 'not included' ? '' : `: ${r}`);

export async function gitlabDecision(t: GitLabTrigger, e: GitLabEvent): Promise<GitLabDecision> {
  const no = (reason: string): GitLabDecision => ({ build: false, reason });
  if (e.kind === 'push') {
    if (!t.triggerOnPush) return no('its gitlab trigger has triggerOnPush: false');
    const ok = await branchAllowed(t, e.source, e.target);
    if (ok !== true) return no(`its gitlab trigger's branch filter does not allow branch '${e.source}'${why(ok)}`);
    if (t.ciSkip && /\[ci[-_ ]skip\]/i.test(e.lastMessage)) return no('the last commit asks to skip CI ([ci-skip])');
    return { build: true, branch: e.source, commit: e.commit, env: e.env, description: `Started by GitLab push by ${e.who}` };
  }
  if (e.kind === 'note') return noteDecision(t, e);
  const a = e.action;
  const wanted = (t.triggerOnMergeRequest && e.state === 'opened' && (a === 'open' || a === 'reopen' || (a === 'update' && e.newCommits)))
    || (t.triggerOnAcceptedMergeRequest && a === 'merge')
    || (t.triggerOnClosedMergeRequest && (a === 'close' || e.state === 'closed'))
    || (t.triggerOnApprovedMergeRequest && a === 'approved');
  if (!wanted) return no(`its gitlab trigger does not build a merge request's '${a || e.state}'${a === 'update' && !e.newCommits ? ' without new commits' : ''}`);
  if (t.skipWorkInProgressMergeRequest && e.draft) return no('the merge request is a draft (skipWorkInProgressMergeRequest)');
  const ok = await branchAllowed(t, e.source, e.target);
  if (ok !== true) return no(`its gitlab trigger's branch filter does not allow '${e.source}' → '${e.target}'${why(ok)}`);
  if (t.ciSkip && (/\[ci[-_ ]skip\]/i.test(e.description) || /\[ci[-_ ]skip\]/i.test(e.lastMessage))) return no('the merge request asks to skip CI ([ci-skip])');
  // A fork's request: GitLab keeps its commit in the target project too (refs/merge-requests/N/head), so
  // the build checks it out from the job's repository; its Jenkinsfile is the job's branch's (fork: true).
  const from = e.fork && e.env.gitlabSourceNamespace ? `${e.env.gitlabSourceNamespace}/` : '';
  return { build: true, branch: e.source, commit: e.commit, env: e.env, description: `Triggered by GitLab Merge Request #${e.env.gitlabMergeRequestIid ?? '?'}: ${from}${e.source} => ${e.target}`, ...(e.fork ? { fork: true } : {}) };
}

/** A comment on a merge request (NoteHookTriggerHandler): its whole text against noteRegex, then the branch filter and [ci-skip]. */
async function noteDecision(t: GitLabTrigger, e: GitLabEvent): Promise<GitLabDecision> {
  const no = (reason: string): GitLabDecision => ({ build: false, reason });
  if (!t.triggerOnNoteRequest) return no('its gitlab trigger has triggerOnNoteRequest: false');
  if (t.noteRegex === '') return no("its gitlab trigger's noteRegex is empty");
  let matched: boolean;
  try {
    matched = await matchesWhole(e.note ?? '', t.noteRegex, { loc: null, signal: null });
  } catch (err) {
    return no(`its gitlab trigger's noteRegex: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!matched) return no(`the comment does not match its gitlab trigger's noteRegex '${t.noteRegex}'`);
  const ok = await branchAllowed(t, e.source, e.target);
  if (ok !== true) return no(`its gitlab trigger's branch filter does not allow '${e.source}' → '${e.target}'${why(ok)}`);
  if (t.ciSkip && e.description.includes('[ci-skip]')) return no('the merge request asks to skip CI ([ci-skip])');
  const from = e.fork && e.env.gitlabSourceNamespace ? `${e.env.gitlabSourceNamespace}/` : '';
  return { build: true, branch: e.source, commit: e.commit, env: e.env, description: `Triggered by ${e.who} GitLab Merge Request #${e.env.gitlabMergeRequestIid ?? '?'}: ${from}${e.source} => ${e.target}`, ...(e.fork ? { fork: true } : {}) };
}

/**
 * The editor's lint (POST /api/v1/lint): each `gitLabConnection('name')` written with a literal
 * name (in options, properties([...]) or a step's connection:) that names none of the
 * controller's GitLab connections is an error at that name. (`kiln lint` does not know the
 * controller's settings; a build meets the same as a console line at its first GitLab step.)
 */
export function gitlabConnectionProblems(source: string, names: readonly string[]): Diagnostic[] {
  const parsed = parse(source);
  if (!parsed.ast) return [];
  const out: Diagnostic[] = [];
  visit([parsed.ast], (n) => {
    if (n.type !== 'Call' || n.callee.type !== 'Ident' || n.callee.name !== 'gitLabConnection') return;
    const arg = n.args[0] ?? n.namedArgs.find((a) => a.name === 'gitLabConnection')?.value;
    if (!arg || arg.type !== 'String' || names.includes(arg.value)) return;
    out.push(diag('gitlab-connection', `gitLabConnection: no GitLab connection named '${arg.value}' is configured on this controller (${names.length ? `there are: ${names.join(', ')}` : 'there are none: an administrator adds them in Manage › HTTP services'})`, arg.loc));
  });
  return out;
}
