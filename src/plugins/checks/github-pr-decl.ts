// The GitHub Integration plugin's pull-request trigger symbols and its publisher steps, declared as
// data (the checks plugin lists them: index.ts). The trigger's checks are
// pipeline/model/github-pr-trigger.ts; the webhook side controller/github-pr-trigger.ts; the
// steps' runs github-pr.ts. See docs/notifications.md (GitHub pull requests).
import type { StepDecl, StepParam } from '../../core/steps.ts';
import { GHPR_MODES } from '../../pipeline/model/github-pr-trigger.ts';

const PLUGIN = 'GitHub Integration';
const PKG = 'org.jenkinsci.plugins.github.pullrequest';
const any = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });
const bool = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const symbol = (name: string, cls: string, doc: string, params: StepParam[] = [], positional?: string): StepDecl => ({
  name, kind: 'symbol', jenkinsPlugin: PLUGIN, jenkinsClass: `${PKG}.${cls}`, doc, params, block: 'none', needsNode: false, ...(positional ? { positional } : {}),
});
const VERIFIER = any('statusVerifier', "allowRunOnStatus('SUCCESS'): run only when the build is at least that good");
const ON_ERROR = any('errorHandler', "statusOnPublisherError('UNSTABLE'): the build's result when GitHub refuses");

export const githubPrDecls: StepDecl[] = [
  {
    ...symbol('githubPullRequests', 'GitHubPRTrigger', "Build pull requests on GitHub's pull_request and issue_comment webhooks: githubPullRequests(triggerMode: 'HEAVY_HOOKS', events: [Open(), commitChanged()], abortRunning: true).", [
      { name: 'spec', type: 'string', doc: "the CRON schedule (CRON mode, which Kiln refuses: '' with the hook modes)" },
      { name: 'triggerMode', type: 'string', doc: 'HEAVY_HOOKS or LIGHT_HOOKS (webhooks); CRON is refused', values: GHPR_MODES },
      { name: 'events', type: 'list', doc: 'Open(), commitChanged(), close(), commentPattern(comment: regex), labelsAdded(label: githubLabels(..)), labelsRemoved(..)' },
      bool('abortRunning', 'abort running builds of the same pull request'),
      bool('cancelQueued', 'cancel waiting builds of the same pull request'),
      bool('skipFirstRun', 'accepted: Kiln keeps no pull request state to skip'),
      bool('preStatus', 'accepted: use gitHubPRStatus in the pipeline for a pending status'),
      any('branchRestriction', "[targetBranch: 'main\\nrelease']: only pull requests into these"),
      any('userRestriction', "[users: 'alice\\nbob']: only these GitHub users' pull requests and comments (orgs are refused)"),
      any('repoProviders', 'accepted: the host\'s GitHub settings are used'),
    ]),
    differs: "webhooks only (CRON polling refused); the pull request's data comes from the hook's payload (a comment's pull request from GitHub's API); events that are conditions (description, labelsExist, ...) are refused; see docs/notifications.md",
  },
  symbol('Open', 'events.impl.GitHubPROpenEvent', 'Event: a pull request was opened (or reopened).'),
  symbol('commitChanged', 'events.impl.GitHubPRCommitEvent', "Event: the pull request's head commit changed (GitHub's synchronize)."),
  symbol('close', 'events.impl.GitHubPRCloseEvent', 'Event: the pull request was closed.'),
  symbol('commentPattern', 'events.impl.GitHubPRCommentEvent', 'Event: a new comment whose whole text matches the regular expression.', [{ name: 'comment', type: 'string', required: true, doc: 'a Java regular expression' }], 'comment'),
  symbol('commented', 'events.impl.GitHubPRCommentEvent', 'Event: commentPattern under its older name.', [{ name: 'comment', type: 'string', required: true, doc: 'a Java regular expression' }], 'comment'),
  symbol('labelsAdded', 'events.impl.GitHubPRLabelAddedEvent', 'Event: a label was added and the pull request now has all these labels.', [any('label', "githubLabels('ci')")], 'label'),
  symbol('labelsRemoved', 'events.impl.GitHubPRLabelRemovedEvent', 'Event: one of these labels was removed.', [any('label', "githubLabels('ci')")], 'label'),
  symbol('githubLabels', 'GitHubPRLabel', 'A set of labels, one per line.', [{ name: 'labels', type: 'string', required: true, doc: 'the labels, one per line' }], 'labels'),
  {
    name: 'githubPRComment',
    jenkinsPlugin: PLUGIN,
    jenkinsClass: `${PKG}.publishers.impl.GitHubPRCommentPublisher`,
    differs: "the pull request is GITHUB_PR_NUMBER of GITHUB_PR_URL's repository (set by the githubPullRequests trigger), with the host's GitHub settings",
    doc: "Comment on the build's pull request: githubPRComment comment: githubPRMessage('Build ${BUILD_NUMBER} ${BUILD_STATUS}').",
    params: [any('comment', "githubPRMessage('text with ${VARS}') (default 'Build ${BUILD_NUMBER} ${BUILD_STATUS}')"), VERIFIER, ON_ERROR],
    positional: 'comment',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'githubPRAddLabels',
    jenkinsPlugin: PLUGIN,
    jenkinsClass: `${PKG}.publishers.impl.GitHubPRLabelAddPublisher`,
    differs: 'labels are added with POST .../issues/N/labels (the plugin reads and sets the whole set)',
    doc: "Add labels to the build's pull request: githubPRAddLabels labelProperty: githubLabels('tested').",
    params: [any('labelProperty', "githubLabels('a\\nb')"), VERIFIER, ON_ERROR],
    positional: 'labelProperty',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'githubPRRemoveLabels',
    jenkinsPlugin: PLUGIN,
    jenkinsClass: `${PKG}.publishers.impl.GitHubPRLabelRemovePublisher`,
    doc: "Remove labels from the build's pull request: githubPRRemoveLabels labelProperty: githubLabels('needs-ci').",
    params: [any('labelProperty', "githubLabels('a\\nb')"), VERIFIER, ON_ERROR],
    positional: 'labelProperty',
    block: 'none',
    needsNode: false,
  },
];
