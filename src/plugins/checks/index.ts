// Commit statuses and checks: the Pipeline GitHub Notify step (`githubNotify`), the GitHub plugin's
// `step([$class: 'GitHubCommitStatusSetter', ...])` (status-setter.ts), the Checks API
// plugin (`publishChecks`, `withChecks`, published to GitHub check runs), the GitHub Integration
// plugin's pull-request statuses, comments and labels (`setGitHubPullRequestStatus`, `gitHubPRStatus`,
// `githubPRComment`, `githubPRAddLabels`: github-pr.ts) and its `githubPullRequests` trigger's
// symbols (below; its webhook side is controller/github-pr-trigger.ts)
// and the GitLab plugin's pipeline side (statuses, `gitlabBuilds`, `gitLabConnection`, the
// merge request steps, the `gitlab` trigger's symbol: gitlab.ts; its webhook side is the
// controller's, controller/gitlab-trigger.ts), declared as data; runtime.ts calls the services'
// REST APIs. The API URL and token credential come from the host's settings
// (core/http-services.ts); the repository and commit from the build's checkout (GIT_URL,
// GIT_COMMIT) or its GitLab hook unless given. See docs/notifications.md.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import type { PipelinePlugin } from '../../pipeline/plugin.ts';
import { CHECK_STATUSES, CHECK_CONCLUSIONS, GITLAB_STATES, GITHUB_PR_STATES } from './decl.ts';
import { GHPR_MODES } from '../../pipeline/model/github-pr-trigger.ts';
import { GITLAB_FILTERS, GITLAB_FLAGS, GITLAB_OPEN_MR_ON_PUSH, GITLAB_OTHERS, GITLAB_STRINGS } from '../../pipeline/model/triggers.ts';

const s = (name: string, doc: string, values?: readonly string[]): StepParam => ({ name, type: 'string', doc, ...(values ? { values } : {}) });

const PLUGIN = 'GitHub Integration';
const PKG = 'org.jenkinsci.plugins.github.pullrequest';
const anyP = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });
const bool = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const prSymbol = (name: string, cls: string, doc: string, params: StepParam[] = [], positional?: string): StepDecl => ({
  name, kind: 'symbol', jenkinsPlugin: PLUGIN, jenkinsClass: `${PKG}.${cls}`, doc, params, block: 'none', needsNode: false, ...(positional ? { positional } : {}),
});
const VERIFIER = anyP('statusVerifier', "allowRunOnStatus('SUCCESS'): run only when the build is at least that good");
const ON_ERROR = anyP('errorHandler', "statusOnPublisherError('UNSTABLE'): the build's result when GitHub refuses");

/** The GitHub Integration plugin's pull-request trigger symbols and publisher steps (the trigger's checks: pipeline/model/github-pr-trigger.ts; its webhooks: controller/github-pr-trigger.ts; the steps' runs: github-pr.ts). */
const githubPrDecls: StepDecl[] = [
  {
    ...prSymbol('githubPullRequests', 'GitHubPRTrigger', "Build pull requests on GitHub's pull_request and issue_comment webhooks: githubPullRequests(triggerMode: 'HEAVY_HOOKS', events: [Open(), commitChanged()], abortRunning: true).", [
      { name: 'spec', type: 'string', doc: "the CRON schedule (CRON mode, which Kiln refuses: '' with the hook modes)" },
      { name: 'triggerMode', type: 'string', doc: 'HEAVY_HOOKS or LIGHT_HOOKS (webhooks); CRON is refused', values: GHPR_MODES },
      { name: 'events', type: 'list', doc: 'Open(), commitChanged(), close(), commentPattern(comment: regex), labelsAdded(label: githubLabels(..)), labelsRemoved(..)' },
      bool('abortRunning', 'abort running builds of the same pull request'),
      bool('cancelQueued', 'cancel waiting builds of the same pull request'),
      bool('skipFirstRun', 'accepted: Kiln keeps no pull request state to skip'),
      bool('preStatus', 'a pending status on the head once the build is queued (the host\'s GitHub settings)'),
      anyP('branchRestriction', "[targetBranch: 'main\\nrelease']: only pull requests into these"),
      anyP('userRestriction', "[users: 'alice\\nbob']: only these GitHub users' pull requests and comments (orgs are refused)"),
      anyP('repoProviders', 'accepted: the host\'s GitHub settings are used'),
    ]),
    differs: "webhooks only (CRON polling refused); the pull request's data comes from the hook's payload (a comment's pull request from GitHub's API); events that are conditions (description, labelsExist, ...) are refused; see docs/notifications.md",
  },
  prSymbol('Open', 'events.impl.GitHubPROpenEvent', 'Event: a pull request was opened (or reopened).'),
  prSymbol('commitChanged', 'events.impl.GitHubPRCommitEvent', "Event: the pull request's head commit changed (GitHub's synchronize)."),
  prSymbol('close', 'events.impl.GitHubPRCloseEvent', 'Event: the pull request was closed.'),
  prSymbol('commentPattern', 'events.impl.GitHubPRCommentEvent', 'Event: a new comment whose whole text matches the regular expression.', [{ name: 'comment', type: 'string', required: true, doc: 'a Java regular expression' }], 'comment'),
  prSymbol('commented', 'events.impl.GitHubPRCommentEvent', 'Event: commentPattern under its older name.', [{ name: 'comment', type: 'string', required: true, doc: 'a Java regular expression' }], 'comment'),
  prSymbol('labelsAdded', 'events.impl.GitHubPRLabelAddedEvent', 'Event: a label was added and the pull request now has all these labels.', [anyP('label', "githubLabels('ci')")], 'label'),
  prSymbol('labelsRemoved', 'events.impl.GitHubPRLabelRemovedEvent', 'Event: one of these labels was removed.', [anyP('label', "githubLabels('ci')")], 'label'),
  prSymbol('githubLabels', 'GitHubPRLabel', 'A set of labels, one per line.', [{ name: 'labels', type: 'string', required: true, doc: 'the labels, one per line' }], 'labels'),
  {
    name: 'githubPRComment',
    jenkinsPlugin: PLUGIN,
    jenkinsClass: `${PKG}.publishers.impl.GitHubPRCommentPublisher`,
    differs: "the pull request is GITHUB_PR_NUMBER of GITHUB_PR_URL's repository (set by the githubPullRequests trigger), with the host's GitHub settings",
    doc: "Comment on the build's pull request: githubPRComment comment: githubPRMessage('Build ${BUILD_NUMBER} ${BUILD_STATUS}').",
    params: [anyP('comment', "githubPRMessage('text with ${VARS}') (default 'Build ${BUILD_NUMBER} ${BUILD_STATUS}')"), VERIFIER, ON_ERROR],
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
    params: [anyP('labelProperty', "githubLabels('a\\nb')"), VERIFIER, ON_ERROR],
    positional: 'labelProperty',
    block: 'none',
    needsNode: false,
  },
  {
    name: 'githubPRRemoveLabels',
    jenkinsPlugin: PLUGIN,
    jenkinsClass: `${PKG}.publishers.impl.GitHubPRLabelRemovePublisher`,
    doc: "Remove labels from the build's pull request: githubPRRemoveLabels labelProperty: githubLabels('needs-ci').",
    params: [anyP('labelProperty', "githubLabels('a\\nb')"), VERIFIER, ON_ERROR],
    positional: 'labelProperty',
    block: 'none',
    needsNode: false,
  },
];

export const checksPlugin: PipelinePlugin = {
  name: 'checks',
  doc: 'Commit statuses and checks: githubNotify, publishChecks / withChecks (GitHub check runs), setGitHubPullRequestStatus / gitHubPRStatus / githubPRStatusPublisher / githubPRComment / githubPRAddLabels / githubPRRemoveLabels and the githubPullRequests trigger, the GitLab plugin\'s statuses, gitlabBuilds, gitLabConnection and merge request steps',
  steps: [
    {
      name: 'githubNotify',
      jenkinsPlugin: 'Pipeline: GitHub Notify Step',
      differs: "the repository and commit come from GIT_URL / GIT_COMMIT of the checkout; the host's token goes only to the host's API URL",
      doc: "Set a GitHub commit status: githubNotify status: 'SUCCESS', context: 'ci/tests', description: 'All green'.",
      params: [
        { name: 'status', type: 'string', required: true, doc: 'SUCCESS, PENDING, FAILURE or ERROR', values: ['SUCCESS', 'PENDING', 'FAILURE', 'ERROR'] },
        s('context', "the status' name (default 'jenkins/githubnotify')"),
        s('description', 'a short text shown with the status'),
        s('targetUrl', "the link of the status (default: the build's URL)"),
        s('credentialsId', "a token (secret text, or username/password whose password is the token); default: the host's GitHub credential"),
        s('account', 'the repository owner (default: from the checkout\'s GIT_URL)'),
        s('repo', 'the repository name (default: from GIT_URL)'),
        s('sha', 'the commit (default: GIT_COMMIT)'),
        s('gitApiUrl', "the API URL (default: the host's, or https://api.github.com)"),
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'publishChecks',
      jenkinsPlugin: 'Checks API',
      differs: 'published to GitHub check runs only (the host\'s GitHub settings); none configured: "No suitable checks publisher found"',
      doc: "Publish a GitHub check run: publishChecks name: 'tests', title: 'Tests', summary: 'all passed', conclusion: 'SUCCESS'.",
      params: [
        s('name', "the check's name (default 'Jenkins')"),
        s('title', 'the title of its output'),
        s('summary', 'the summary (Markdown)'),
        s('text', 'the details (Markdown)'),
        s('status', 'QUEUED, IN_PROGRESS or COMPLETED (default)', CHECK_STATUSES),
        s('conclusion', 'with COMPLETED: SUCCESS (default), FAILURE, NEUTRAL, CANCELED, SKIPPED, TIME_OUT, ACTION_REQUIRED, NONE', CHECK_CONCLUSIONS),
        s('detailsURL', "the check's link (default: the build's URL)"),
        { name: 'annotations', type: 'list', doc: "[[path: 'a.c', startLine: 1, endLine: 1, message: 'x', annotationLevel: 'WARNING']]" },
        { name: 'actions', type: 'list', doc: "[[label: 'Fix', description: 'x', identifier: 'fix']]" },
        { name: 'includeStage', type: 'boolean', doc: 'accepted; the name is used as given' },
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'withChecks',
      jenkinsPlugin: 'Checks API',
      differs: 'the check is also completed with SUCCESS when the block passes (Jenkins leaves that to the publishers inside it)',
      doc: "Run a block inside a check: withChecks('tests') { ... }: in progress at the start, completed with the block's outcome.",
      params: [
        { name: 'name', type: 'string', required: true, doc: "the check's name" },
        { name: 'includeStage', type: 'boolean', doc: 'accepted; the name is used as given' },
      ],
      positional: 'name',
      block: 'required',
      needsNode: false,
    },
    {
      name: 'updateGitlabCommitStatus',
      jenkinsPlugin: 'GitLab',
      differs: "the project and commit: a merge request hook's source project and last commit, else GIT_URL's path and GIT_COMMIT",
      doc: "Set a GitLab commit status: updateGitlabCommitStatus name: 'build', state: 'success'.",
      params: [
        s('name', "the status' name (default 'jenkins')"),
        { name: 'state', type: 'string', required: true, doc: 'pending, running, canceled, success or failed', values: GITLAB_STATES },
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'gitlabCommitStatus',
      jenkinsPlugin: 'GitLab',
      differs: 'builds: (statuses on other projects) is refused',
      doc: "Run a block with a GitLab commit status: gitlabCommitStatus('build') { ... }: running, then success, failed or canceled.",
      params: [
        s('name', "the status' name (default 'jenkins')"),
        { name: 'builds', type: 'list', doc: 'refused: Kiln does not report to other projects' },
        { name: 'connection', type: 'any', doc: "gitLabConnection('name'): the connection for this status (default: the job's)" },
      ],
      positional: 'name',
      block: 'required',
      needsNode: false,
    },
    {
      name: 'gitlabBuilds',
      jenkinsPlugin: 'GitLab',
      doc: "Mark statuses pending for the block: gitlabBuilds(builds: ['build', 'test']) { ... } (or options { gitlabBuilds(builds: [...]) }); each then set by its gitlabCommitStatus, those left failed or canceled when the block fails.",
      params: [{ name: 'builds', type: 'string-or-list', required: true, doc: "the statuses' names (one string: comma-separated)" }],
      block: 'required',
      needsNode: false,
    },
    {
      name: 'gitLabConnection',
      kind: 'symbol',
      jenkinsPlugin: 'GitLab',
      jenkinsClass: 'com.dabsquared.gitlabjenkins.connection.GitLabConnectionProperty',
      differs: "a job property for the build that sets it (options, or properties([...]) from that call on), not kept on the job",
      doc: "The GitLab connection of the build's GitLab steps: options { gitLabConnection('gitlab') } or properties([gitLabConnection('gitlab')]).",
      params: [
        { name: 'gitLabConnection', type: 'string', required: true, doc: 'the name of a GitLab connection the administrator configured' },
        s('jobCredentialId', 'with useAlternativeCredential: a credential (secret text API token) of the build used instead of the connection\'s'),
        { name: 'useAlternativeCredential', type: 'boolean', doc: 'use jobCredentialId as the token' },
      ],
      positional: 'gitLabConnection',
      block: 'none',
      needsNode: false,
    },
    {
      name: 'gitlab',
      kind: 'symbol',
      jenkinsPlugin: 'GitLab',
      jenkinsClass: 'com.dabsquared.gitlabjenkins.GitLabPushTrigger',
      differs: 'see docs/notifications.md (GitLab, the trigger): the parameters Kiln acts on, and those it only accepts',
      doc: "The GitLab webhook trigger, in properties([pipelineTriggers([gitlab(triggerOnPush: true, triggerOnMergeRequest: true)])]) (or triggers { gitlab(...) }).",
      params: [
        ...GITLAB_FLAGS.map((name): StepParam => ({ name, type: 'boolean', doc: 'see the GitLab plugin' })),
        ...GITLAB_STRINGS.map((name): StepParam => (name === 'branchFilterType' ? s(name, 'All, NameBasedFilter or RegexBasedFilter', GITLAB_FILTERS)
          : name === 'triggerOpenMergeRequestOnPush' ? s(name, 'never, source or both (accepted, no effect)', GITLAB_OPEN_MR_ON_PUSH) : s(name, 'see the GitLab plugin'))),
        ...GITLAB_OTHERS.map((name): StepParam => ({ name, type: 'any', doc: 'accepted, no effect' })),
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'addGitLabMRComment',
      jenkinsPlugin: 'GitLab',
      differs: 'a build no merge request hook started says so on the console (Jenkins only in its system log)',
      doc: "Comment on the build's GitLab merge request: addGitLabMRComment(comment: 'Built on Kiln').",
      params: [s('comment', 'the note (Markdown)')],
      positional: 'comment',
      block: 'none',
      needsNode: false,
    },
    {
      name: 'acceptGitLabMR',
      jenkinsPlugin: 'GitLab',
      differs: 'a build no merge request hook started says so on the console',
      doc: "Merge the build's GitLab merge request: acceptGitLabMR(useMRDescription: true, removeSourceBranch: true).",
      params: [
        s('mergeCommitMessage', "the merge commit's message (default: GitLab's)"),
        { name: 'useMRDescription', type: 'boolean', doc: "the message GitLab's 'include description in commit message' makes" },
        { name: 'removeSourceBranch', type: 'boolean', doc: 'delete the source branch once merged' },
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'setGitHubPullRequestStatus',
      jenkinsPlugin: 'GitHub Integration',
      jenkinsClass: 'org.jenkinsci.plugins.github.pullrequest.pipeline.SetCommitStatusStep',
      differs: "the commit is GITHUB_PR_HEAD_SHA when set (the githubPullRequests trigger sets it), else the checkout's GIT_COMMIT, on GIT_URL's repository, with the host's GitHub settings",
      doc: "Set a commit status on the pull request's head: setGitHubPullRequestStatus(context: 'ci', state: 'SUCCESS', message: 'Build passed').",
      params: [
        s('context', "the status' name (default: the job's full name)"),
        { name: 'state', type: 'string', doc: 'ERROR, FAILURE, PENDING or SUCCESS (required)', values: GITHUB_PR_STATES },
        s('message', "the status' description"),
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'gitHubPRStatus',
      jenkinsPlugin: 'GitHub Integration',
      jenkinsClass: 'org.jenkinsci.plugins.github.pullrequest.builders.GitHubPRStatusBuilder',
      differs: 'as setGitHubPullRequestStatus: the commit is GITHUB_PR_HEAD_SHA or GIT_COMMIT',
      doc: "Set a PENDING status on the pull request's head, named after the job: gitHubPRStatus githubPRMessage('${GITHUB_PR_COND_REF} run started').",
      params: [{ name: 'statusMessage', type: 'any', doc: "githubPRMessage('text with ${VARS}')" }],
      positional: 'statusMessage',
      block: 'none',
      needsNode: true,
    },
    {
      name: 'githubPRMessage',
      kind: 'symbol',
      jenkinsPlugin: 'GitHub Integration',
      jenkinsClass: 'org.jenkinsci.plugins.github.pullrequest.GitHubPRMessage',
      doc: "A message with ${VARS} of the build's environment, for gitHubPRStatus.",
      params: [{ name: 'content', type: 'string', required: true, doc: 'the text' }],
      positional: 'content',
      block: 'none',
      needsNode: false,
    },
    {
      name: 'githubPRStatusPublisher',
      jenkinsPlugin: 'GitHub Integration',
      jenkinsClass: 'org.jenkinsci.plugins.github.pullrequest.publishers.impl.GitHubPRBuildStatusPublisher',
      differs: "as setGitHubPullRequestStatus: the commit is GITHUB_PR_HEAD_SHA or GIT_COMMIT, the pull request of a comment GITHUB_PR_NUMBER; the state is the result so far (a build still running is SUCCESS, where Jenkins' pipeline gives ERROR before a result is set); no BUILD_URL is a console line",
      doc: "Set the pull request head's status from the build's result: githubPRStatusPublisher(statusMsg: githubPRMessage('${GITHUB_PR_COND_REF} run ended'), unstableAs: 'FAILURE', errorHandler: statusOnPublisherError('UNSTABLE')).",
      params: [
        { name: 'statusMsg', type: 'any', doc: "githubPRMessage('text with ${VARS}') (default '${GITHUB_PR_COND_REF} run ended')" },
        { name: 'unstableAs', type: 'string', doc: 'the state of an UNSTABLE build (default FAILURE)', values: GITHUB_PR_STATES },
        { name: 'buildMessage', type: 'any', doc: "message(successMsg: githubPRMessage('..'), failureMsg: githubPRMessage('..')): a pull request comment when the status cannot be set" },
        { name: 'statusVerifier', type: 'any', doc: "allowRunOnStatus('SUCCESS'): set the status only when the build is this good" },
        { name: 'errorHandler', type: 'any', doc: "statusOnPublisherError('UNSTABLE'): the build's result when the status cannot be set (none: the build goes on unchanged)" },
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'GitHubPRBuildStatusPublisher',
      kind: 'class',
      jenkinsPlugin: 'GitHub Integration',
      jenkinsClass: 'org.jenkinsci.plugins.github.pullrequest.publishers.impl.GitHubPRBuildStatusPublisher',
      differs: "as setGitHubPullRequestStatus: the commit is GITHUB_PR_HEAD_SHA or GIT_COMMIT, the pull request of a comment GITHUB_PR_NUMBER; the state is the result so far (a build still running is SUCCESS, where Jenkins' pipeline gives ERROR before a result is set); no BUILD_URL is a console line",
      doc: "githubPRStatusPublisher as the publisher's class: step([$class: 'GitHubPRBuildStatusPublisher', statusMsg: githubPRMessage('${GITHUB_PR_COND_REF} run ended'), unstableAs: 'FAILURE', errorHandler: statusOnPublisherError('UNSTABLE')).",
      params: [
        { name: 'statusMsg', type: 'any', doc: "githubPRMessage('text with ${VARS}') (default '${GITHUB_PR_COND_REF} run ended')" },
        { name: 'unstableAs', type: 'string', doc: 'the state of an UNSTABLE build (default FAILURE)', values: GITHUB_PR_STATES },
        { name: 'buildMessage', type: 'any', doc: "message(successMsg: githubPRMessage('..'), failureMsg: githubPRMessage('..')): a pull request comment when the status cannot be set" },
        { name: 'statusVerifier', type: 'any', doc: "allowRunOnStatus('SUCCESS'): set the status only when the build is this good" },
        { name: 'errorHandler', type: 'any', doc: "statusOnPublisherError('UNSTABLE'): the build's result when the status cannot be set (none: the build goes on unchanged)" },
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'message',
      kind: 'symbol',
      jenkinsPlugin: 'GitHub Integration',
      jenkinsClass: 'org.jenkinsci.plugins.github.pullrequest.publishers.impl.GitHubPRBuildStatusPublisher$BuildMessage',
      doc: "githubPRStatusPublisher's buildMessage: the comments when the status cannot be set.",
      params: [
        { name: 'successMsg', type: 'any', doc: "githubPRMessage('..') for a successful build (default \"Can't set status; build succeeded.\")" },
        { name: 'failureMsg', type: 'any', doc: "githubPRMessage('..') for a failed one (default \"Can't set status; build failed.\")" },
      ],
      block: 'none',
      needsNode: false,
    },
    {
      name: 'statusOnPublisherError',
      kind: 'symbol',
      jenkinsPlugin: 'GitHub Integration',
      jenkinsClass: 'org.jenkinsci.plugins.github.pullrequest.utils.PublisherErrorHandler',
      doc: "The build's result when a GitHub PR publisher fails: statusOnPublisherError('UNSTABLE').",
      params: [{ name: 'buildStatus', type: 'string', required: true, doc: 'SUCCESS, UNSTABLE, FAILURE, NOT_BUILT or ABORTED', values: ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'] }],
      positional: 'buildStatus',
      block: 'none',
      needsNode: false,
    },
    {
      name: 'allowRunOnStatus',
      kind: 'symbol',
      jenkinsPlugin: 'GitHub Integration',
      jenkinsClass: 'org.jenkinsci.plugins.github.pullrequest.utils.StatusVerifier',
      doc: "A GitHub PR publisher runs only when the build is at least this good: allowRunOnStatus('SUCCESS').",
      params: [{ name: 'buildStatus', type: 'string', required: true, doc: 'SUCCESS, UNSTABLE, FAILURE, NOT_BUILT or ABORTED', values: ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED'] }],
      positional: 'buildStatus',
      block: 'none',
      needsNode: false,
    },
    {
      name: 'GitHubCommitStatusSetter',
      kind: 'class',
      jenkinsPlugin: 'GitHub',
      jenkinsClass: 'org.jenkinsci.plugins.github.status.GitHubCommitStatusSetter',
      differs: "the repository is fetched with the host's GitHub credential; one Kiln cannot reach is said on the console (Jenkins skips it silently); BetterThanOrEqualBuildResult compares the result set so far (none while the build is still SUCCESS), as Jenkins does",
      doc: "Set a GitHub commit status (the GitHub plugin's publisher, only as step([$class: 'GitHubCommitStatusSetter', ...])): each source a [$class: ...] map.",
      params: [
        { name: 'commitShaSource', type: 'any', doc: "[$class: 'ManuallyEnteredShaSource', sha: '...'] (default BuildDataRevisionShaSource: GIT_COMMIT)" },
        { name: 'reposSource', type: 'any', doc: "[$class: 'ManuallyEnteredRepositorySource', url: 'https://github.com/o/r'] (default AnyDefinedRepositorySource: GIT_URL)" },
        { name: 'contextSource', type: 'any', doc: "[$class: 'ManuallyEnteredCommitContextSource', context: 'ci/build'] (default DefaultCommitContextSource: the job's full name)" },
        { name: 'statusResultSource', type: 'any', doc: "[$class: 'ConditionalStatusResultSource', results: [[$class: 'AnyBuildResult' or 'BetterThanOrEqualBuildResult', result:, state:, message:]]] (default DefaultStatusResultSource)" },
        { name: 'statusBackrefSource', type: 'any', doc: "[$class: 'ManuallyEnteredBackrefSource', backref: 'url'] (default BuildRefBackrefSource: the build's URL)" },
        { name: 'errorHandlers', type: 'list', doc: "[[$class: 'ChangingBuildStatusErrorHandler', result: 'UNSTABLE' or 'FAILURE'], [$class: 'ShallowAnyErrorHandler']]; none: an error fails the step" },
      ],
      block: 'none',
      needsNode: false,
    },
    ...githubPrDecls,
  ],
  runtime: async () => (await import('./runtime.ts')).default,
};
