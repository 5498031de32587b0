// The GitHub Integration plugin's pull-request trigger on the controller: `githubPullRequests(...)`
// in triggers { } or pipelineTriggers([...]), kept on the job as JSON text
// (pipeline/model/github-pr-trigger.ts), decides which of GitHub's pull_request and issue_comment
// webhook deliveries build the job, on which commit, with the plugin's GITHUB_PR_* variables.
// webhooks.ts parses and signature-checks the delivery and calls it for the jobs of the pull
// request's base repository that have the trigger.
//
//   pull_request  opened / reopened        Open()            "PR opened"
//                 synchronize              commitChanged()   "Commit changed"
//                 closed                   close()           "PR was closed"
//                 labeled                  labelsAdded(label: L): the added label is in L and the
//                                          pull request now has all of L    "[a, b] labels were added"
//                 unlabeled                labelsRemoved(label: L): the removed label is in L
//                                                                             "[a] labels were removed"
//   issue_comment created, on a pull request: commentPattern(comment: R): the whole comment
//                 matches the Java regex R (GITHUB_PR_COMMENT_BODY, GITHUB_PR_COMMENT_BODY_MATCH
//                 its first group) "Comment matches to criteria."; the pull request's head and
//                 branches are not in that payload: GitHub's API is asked (GET /repos/o/r/pulls/N,
//                 the host's GitHub settings).
//   Open, commitChanged, labels and comments build only open pull requests (as the plugin's events).
//   branchRestriction: the base branch must be listed. userRestriction users: the pull request's
//   author, and for a comment its author, must be listed (the plugin's whitelist). preStatus: once
//   the build is queued, a pending status "Jenkins queued the run (REASON)" named after the job on
//   the head (webhooks.ts, with the host's GitHub settings: github-pr-api.ts), as the plugin sets it.
//
// Fork pull requests (head repository not the base's): built, as the plugin builds them, from
// the commit GitHub keeps in the base repository (refs/pull/N/head; `checkout scm` fetches it by
// its id), but their Jenkinsfile is the job's own branch's, never the fork's
// (BuildCause.untrustedRevision), so a stranger's pull request cannot change the pipeline that
// runs with the job's credentials. A comment from anyone matches commentPattern unless a
// userRestriction lists who may: docs/notifications.md says so.
//
// The variables, as the plugin's JobRunnerForCause sets them (values escaped as Java's
// StringEscapeUtils.escapeJava, as the plugin does, so a title's quotes, newlines or control
// characters arrive as \" \n \u001B, never as raw bytes): GITHUB_PR_TRIGGER_SENDER_AUTHOR,
// _TRIGGER_SENDER_EMAIL, _COMMIT_AUTHOR_NAME, _COMMIT_AUTHOR_EMAIL, _TARGET_BRANCH, _SOURCE_BRANCH,
// _AUTHOR_EMAIL, _SHORT_DESC, _TITLE, _URL, _SOURCE_REPO_OWNER, _HEAD_SHA, _COND_REF (merge when
// GitHub says the request is mergeable, else head), _CAUSE_SKIP, _NUMBER, _STATE, _LABELS, and for
// comments _COMMENT_BODY, _COMMENT_BODY_MATCH. They are environment variables: a shell step
// sees them as data, whatever their text.
import type { Job } from '../store/types.ts';
import { matchWhole } from '../pipeline/script/regex.ts';
import { readGithubPrSpec, type GitHubPrSpec } from '../pipeline/model/github-pr-trigger.ts';

/** The githubPullRequests trigger of a job (its last build's model); null: none. */
export function githubPrTriggerOf(job: Job): GitHubPrSpec | null {
  const t = job.triggers.find((x) => x.type === 'githubPullRequests');
  return t ? readGithubPrSpec(t.spec) : null;
}

/** A pull request as a delivery (or GitHub's API) describes it. */
export interface PullRequest {
  number: number;
  state: string;
  title: string;
  body: string;
  htmlUrl: string;
  headSha: string;
  headRef: string;
  baseRef: string;
  /** head.repo.full_name and base.repo.full_name. */
  headRepo: string;
  baseRepo: string;
  /** head.repo.owner.login. */
  sourceOwner: string;
  author: string;
  authorEmail: string;
  mergeable: boolean | null;
  labels: string[];
}

/** What happened, as the decision needs it. */
export interface GitHubPrHappening {
  kind: 'opened' | 'synchronize' | 'closed' | 'labeled' | 'unlabeled' | 'comment';
  /** labeled / unlabeled: the label. */
  label?: string;
  /** comment: its text and author. */
  comment?: string;
  commenter?: string;
  /** Who sent it (sender.login). */
  sender: string;
  senderEmail: string;
  pr: PullRequest;
}

export type GitHubPrDecision = { build: true; commit: string; branch: string; env: Record<string, string>; description: string; reason: string; fork: boolean; number: number } | { build: false; reason: string };

/** Java's StringEscapeUtils.escapeJava, as the plugin applies it to each variable. */
export function escapeJava(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || c > 0x7e) {
      // Outside ASCII as \uXXXX (UTF-16 units, as Java).
      for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')}`;
    } else out += ch;
  }
  return out;
}

/** The reasons the plugin's events give. */
const REASONS = { Open: 'PR opened', commitChanged: 'Commit changed', close: 'PR was closed', comment: 'Comment matches to criteria.' } as const;

export async function githubPrDecision(t: GitHubPrSpec, h: GitHubPrHappening): Promise<GitHubPrDecision> {
  const no = (reason: string): GitHubPrDecision => ({ build: false, reason });
  const pr = h.pr;
  const open = pr.state === 'open';
  if (t.targetBranches.length > 0 && !t.targetBranches.includes(pr.baseRef)) return no(`its githubPullRequests trigger's branchRestriction does not list '${pr.baseRef}'`);
  if (t.users.length > 0 && !t.users.includes(pr.author)) return no(`its githubPullRequests trigger's userRestriction does not list the pull request's author '${pr.author}'`);
  let reason: string | null = null;
  let match: string | null = null;
  for (const e of t.events) {
    if (reason !== null) break;
    if (e.type === 'Open' && h.kind === 'opened' && open) reason = REASONS.Open;
    else if (e.type === 'commitChanged' && h.kind === 'synchronize' && open) reason = REASONS.commitChanged;
    else if (e.type === 'close' && h.kind === 'closed') reason = REASONS.close;
    else if (e.type === 'labelsAdded' && h.kind === 'labeled' && open && e.labels!.includes(h.label ?? '') && e.labels!.every((l) => pr.labels.includes(l))) reason = `[${e.labels!.join(', ')}] labels were added`;
    else if (e.type === 'labelsRemoved' && h.kind === 'unlabeled' && open && e.labels!.includes(h.label ?? '')) reason = `[${e.labels!.join(', ')}] labels were removed`;
    else if (e.type === 'comment' && h.kind === 'comment' && open) {
      if (t.users.length > 0 && !t.users.includes(h.commenter ?? '')) continue;
      let m;
      try {
        m = await matchWhole(h.comment ?? '', e.comment!, { loc: null, signal: null });
      } catch (err) {
        return no(`its githubPullRequests trigger's comment pattern: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (m) { reason = REASONS.comment; match = m.groups[1] ?? null; }
    }
  }
  if (reason === null) {
    const what = h.kind === 'comment' ? 'this comment' : `a pull request's '${h.kind}'${h.label ? ` (${h.label})` : ''}`;
    return no(`its githubPullRequests trigger's events do not build ${what}${!open && h.kind !== 'closed' ? ' on a closed pull request' : ''}`);
  }
  const fork = pr.headRepo !== pr.baseRepo;
  const e = (s: string) => escapeJava(s.trim());
  const env: Record<string, string> = {
    GITHUB_PR_TRIGGER_SENDER_AUTHOR: e(h.sender), GITHUB_PR_TRIGGER_SENDER_EMAIL: e(h.senderEmail),
    GITHUB_PR_COMMIT_AUTHOR_NAME: '', GITHUB_PR_COMMIT_AUTHOR_EMAIL: '',
    GITHUB_PR_TARGET_BRANCH: e(pr.baseRef), GITHUB_PR_SOURCE_BRANCH: e(pr.headRef), GITHUB_PR_AUTHOR_EMAIL: e(pr.authorEmail),
    GITHUB_PR_SHORT_DESC: e(`GitHub PR #<a href="${pr.htmlUrl}">${pr.number}</a>, ${reason}`), GITHUB_PR_TITLE: e(pr.title), GITHUB_PR_URL: e(pr.htmlUrl),
    GITHUB_PR_SOURCE_REPO_OWNER: e(pr.sourceOwner), GITHUB_PR_HEAD_SHA: pr.headSha, GITHUB_PR_COND_REF: pr.mergeable === true ? 'merge' : 'head',
    GITHUB_PR_CAUSE_SKIP: 'false', GITHUB_PR_NUMBER: String(pr.number), GITHUB_PR_STATE: e(pr.state.toUpperCase()), GITHUB_PR_LABELS: e(pr.labels.join(',')),
  };
  if (h.kind === 'comment') {
    env.GITHUB_PR_COMMENT_BODY = e(h.comment ?? '');
    env.GITHUB_PR_COMMENT_BODY_MATCH = e(match ?? '');
  }
  // The console and UI line: no control characters from the title or a branch name.
  const description = `GitHub PR #${pr.number}, ${reason}`;
  return { build: true, commit: pr.headSha, branch: pr.headRef, env, description, reason, fork, number: pr.number };
}
