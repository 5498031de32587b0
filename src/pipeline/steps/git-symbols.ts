// The Git plugin's symbols as data (issue 17): scmGit, its extensions (GitSCMExtension) and its
// repository browsers, with their @Symbol names, class names and parameters as jenkinsci/git-plugin
// declares them; the extensions without a symbol are reached as [$class: 'Name', ...]. The
// declaration side: `kiln lint` and the registry read this file alone; git-scm.ts reads the
// configuration a build gives with these tables.
import type { StepDecl, StepParam } from '../../core/steps.ts';

export const EXT = 'hudson.plugins.git.extensions.impl.';
export const BROWSER = 'hudson.plugins.git.browser.';

export interface ExtDef { cls: string; symbol?: string; params: StepParam[] }

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const i = (name: string, doc: string): StepParam => ({ name, type: 'integer', doc });
const l = (name: string, doc: string): StepParam => ({ name, type: 'list', doc });
const a = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });

/** The Git plugin's extensions (GitSCMExtension), by class simple name. */
export const EXTENSIONS: Record<string, ExtDef> = {
  AuthorInChangelog: { cls: 'AuthorInChangelog', symbol: 'authorInChangelog', params: [] },
  BuildChooserSetting: { cls: 'BuildChooserSetting', params: [a('buildChooser', 'accepted for compatibility: Kiln builds as the default build chooser does')] },
  BuildSingleRevisionOnly: { cls: 'BuildSingleRevisionOnly', symbol: 'buildSingleRevisionOnly', params: [] },
  ChangelogToBranch: { cls: 'ChangelogToBranch', symbol: 'changelogToBranch', params: [a('options', '[compareRemote: NAME, compareTarget: BRANCH]')] },
  CheckoutOption: { cls: 'CheckoutOption', symbol: 'checkoutOption', params: [i('timeout', 'minutes for git checkout (default 10)')] },
  CleanBeforeCheckout: { cls: 'CleanBeforeCheckout', symbol: 'cleanBeforeCheckout', params: [b('deleteUntrackedNestedRepositories', 'also delete untracked nested repositories')] },
  CleanCheckout: { cls: 'CleanCheckout', symbol: 'cleanAfterCheckout', params: [b('deleteUntrackedNestedRepositories', 'also delete untracked nested repositories')] },
  CloneOption: {
    cls: 'CloneOption', symbol: 'cloneOption',
    params: [b('shallow', 'fetch only the last commits (depth)'), i('depth', 'commits to fetch when shallow (default 1)'), b('noTags', 'fetch no tags'),
      s('reference', 'a local repository whose objects are borrowed (alternates)'), i('timeout', 'minutes for git fetch (default 10)'),
      b('honorRefspec', 'fetch only the remote\'s refspec on the first clone')],
  },
  DisableRemotePoll: { cls: 'DisableRemotePoll', params: [] },
  FirstBuildChangelog: { cls: 'FirstBuildChangelog', symbol: 'firstBuildChangelog', params: [b('makeChangelog', 'the first build lists the built commit')] },
  GitLFSPull: { cls: 'GitLFSPull', symbol: 'lfs', params: [] },
  IgnoreNotifyCommit: { cls: 'IgnoreNotifyCommit', params: [] },
  LocalBranch: { cls: 'LocalBranch', symbol: 'localBranch', params: [s('localBranch', "the local branch to check out ('**' or empty: the remote branch's name)")] },
  MessageExclusion: { cls: 'MessageExclusion', params: [s('excludedMessage', 'polling: commits whose message matches are ignored')] },
  PathRestriction: { cls: 'PathRestriction', params: [s('includedRegions', 'polling: paths that count'), s('excludedRegions', 'polling: paths that do not count')] },
  PerBuildTag: { cls: 'PerBuildTag', symbol: 'perBuildTag', params: [] },
  PreBuildMerge: { cls: 'PreBuildMerge', params: [a('options', '[mergeRemote: NAME, mergeTarget: BRANCH, mergeStrategy: DEFAULT, fastForwardMode: FF]')] },
  PruneStaleBranch: { cls: 'PruneStaleBranch', symbol: 'pruneStaleBranch', params: [] },
  PruneStaleTag: { cls: 'PruneStaleTag', symbol: 'pruneTags', params: [b('pruneTags', 'delete local tags the remotes no longer have')] },
  RelativeTargetDirectory: { cls: 'RelativeTargetDirectory', params: [s('relativeTargetDir', 'check out into this directory of the workspace')] },
  ScmName: { cls: 'ScmName', params: [s('name', 'a name for this repository')] },
  SparseCheckoutPaths: { cls: 'SparseCheckoutPaths', symbol: 'sparseCheckout', params: [l('sparseCheckoutPaths', "[[path: 'dir/'], ...]")] },
  SubmoduleOption: {
    cls: 'SubmoduleOption', symbol: 'submodule',
    params: [b('disableSubmodules', 'do not check out submodules'), b('recursiveSubmodules', 'submodules of submodules too'), b('trackingSubmodules', "update to the submodules' branch tips"),
      b('parentCredentials', "use the parent repository's credential"), s('reference', 'a local repository whose objects are borrowed'), b('shallow', 'shallow submodules'),
      i('depth', 'depth when shallow (default 1)'), i('threads', 'submodules updated at once'), i('timeout', 'minutes for git submodule update (default 10)')],
  },
  UserExclusion: { cls: 'UserExclusion', params: [s('excludedUsers', 'polling: commits by these users are ignored')] },
  UserIdentity: { cls: 'UserIdentity', symbol: 'userIdentity', params: [s('name', 'user.name and GIT_AUTHOR_NAME / GIT_COMMITTER_NAME'), s('email', 'user.email and GIT_AUTHOR_EMAIL / GIT_COMMITTER_EMAIL')] },
  WipeWorkspace: { cls: 'WipeWorkspace', params: [] },
};

/** Repository browsers (GitRepositoryBrowser): accepted; links are not drawn. */
export const BROWSERS: Record<string, { symbol?: string; params: StepParam[] }> = {
  AssemblaWeb: { symbol: 'assembla', params: [s('repoUrl', 'repository URL')] },
  BitbucketServer: { symbol: 'bitbucketServer', params: [s('repoUrl', 'repository URL')] },
  BitbucketWeb: { symbol: 'bitbucket', params: [s('repoUrl', 'repository URL')] },
  CGit: { symbol: 'cgit', params: [s('repoUrl', 'repository URL')] },
  FisheyeGitRepositoryBrowser: { symbol: 'fisheye', params: [s('repoUrl', 'repository URL')] },
  GitBlitRepositoryBrowser: { symbol: 'gitblit', params: [s('repoUrl', 'repository URL'), s('projectName', 'project')] },
  GitLab: { symbol: 'gitLab', params: [s('repoUrl', 'repository URL'), s('version', 'GitLab version')] },
  GitList: { symbol: 'gitList', params: [s('repoUrl', 'repository URL')] },
  GitWeb: { symbol: 'gitWeb', params: [s('repoUrl', 'repository URL')] },
  GithubWeb: { params: [s('repoUrl', 'repository URL')] },
  Gitiles: { symbol: 'gitiles', params: [s('repoUrl', 'repository URL')] },
  GogsGit: { symbol: 'gogs', params: [s('repoUrl', 'repository URL')] },
  KilnGit: { symbol: 'kiln', params: [s('repoUrl', 'repository URL')] },
  Phabricator: { symbol: 'phabricator', params: [s('repoUrl', 'repository URL'), s('repo', 'repository')] },
  RedmineWeb: { symbol: 'redmine', params: [s('repoUrl', 'repository URL')] },
  RhodeCode: { symbol: 'rhodeCode', params: [s('repoUrl', 'repository URL')] },
  Stash: { params: [s('repoUrl', 'repository URL')] },
  ViewGitWeb: { params: [s('repoUrl', 'repository URL'), s('projectName', 'project')] },
  GitoriousWeb: { params: [s('repoUrl', 'repository URL')] },
  GiteaBrowser: { params: [s('repoUrl', 'repository URL')] },
};

const PLUGIN = 'Git';
// A describable whose constructor takes one value may be called with it alone: cgit('URL'), localBranch('main').
const POSITIONAL = new Set(['repoUrl', 'localBranch', 'timeout', 'pruneTags', 'sparseCheckoutPaths', 'options', 'makeChangelog', 'relativeTargetDir']);
const sym = (name: string, doc: string, params: StepParam[], jenkinsClass: string): StepDecl => {
  const first = params[0]?.name;
  const positional = first && POSITIONAL.has(first) && (params.length === 1 || first === 'repoUrl') ? first : undefined;
  return { name, doc, params, block: 'none', needsNode: false, kind: 'symbol', jenkinsPlugin: PLUGIN, jenkinsClass, ...(positional ? { positional } : {}) };
};

/** The symbols of the Git plugin: scmGit, its extensions and its browsers. */
export const gitScmSymbols: StepDecl[] = [
  sym('scmGit', "The Git plugin's SCM for checkout: checkout scmGit(branches: [[name: 'main']], userRemoteConfigs: [[url: URL, credentialsId: ID]], extensions: [cloneOption(shallow: true)]).", [
    l('userRemoteConfigs', '[[url:, credentialsId:, name:, refspec:], ...]'), l('branches', "[[name: '*/main'], ...] (default '*/master')"),
    l('extensions', 'extensions: cloneOption(...), submodule(...), [$class: ...]'), a('browser', 'a repository browser: cgit(URL), gitLab(...), ...'),
    s('gitTool', 'accepted: the git on the node runs'), b('doGenerateSubmoduleConfigurations', 'accepted for compatibility (must be false)'), l('submoduleCfg', 'accepted for compatibility'),
  ], 'hudson.plugins.git.GitSCM'),
  ...Object.values(EXTENSIONS).filter((d) => d.symbol).map((d) => sym(d.symbol!, `Git extension ${d.cls} (checkout scmGit(extensions: [...])).`, d.params, EXT + d.cls)),
  ...Object.entries(BROWSERS).filter(([, d]) => d.symbol).map(([cls, d]) => sym(d.symbol!, `Git repository browser ${cls} (scmGit(browser: ...)): accepted; Kiln draws no links.`, d.params, BROWSER + cls)),
];

