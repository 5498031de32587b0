// The Git plugin's GitSCM as data (issue 17): what `checkout scmGit(...)`,
// `checkout([$class: 'GitSCM', ...])` and `checkout scm` ask for, read into a GitScmSpec that
// git-checkout.ts carries out; and the symbols that build it (scmGit, the extensions and the
// repository browsers, with their @Symbol names and parameters as jenkinsci/git-plugin has them).
//
// An extension is either a symbol's descriptor map ({ $symbol: 'cloneOption', shallow: true })
// or a `$class` map ([$class: 'CloneOption', shallow: true]; the simple or the full class name).
// An unknown `$class` is Jenkins' error ("no known implementation of class ... is named X");
// a key the class does not have gets Jenkins' "WARNING: Unknown parameter(s)" line (returned in
// `warnings`). Several remotes get Jenkins' names: origin, origin1, origin2 ... when unnamed.
// Hostile values are refused here: URLs with git's `ext::`/`fd::` transports, URLs, refspecs
// and branch specs starting with '-' (they would read as options), a relativeTargetDir that
// leaves the workspace.
import type { StepDecl, StepParam } from '../../core/steps.ts';
import { StepFailure } from '../../core/errors.ts';
import { isList, isMap, type Value } from '../script/values.ts';

export interface GitRemote {
  name: string;
  url: string;
  /** Space-separated refspecs; null: +refs/heads/*:refs/remotes/NAME/*. */
  refspec: string | null;
  credentialsId: string | null;
}

export interface GitExtensions {
  clone?: { shallow: boolean; depth: number; noTags: boolean; reference: string | null; timeout: number | null; honorRefspec: boolean };
  checkoutTimeout?: number | null;
  submodule?: {
    disableSubmodules: boolean; recursiveSubmodules: boolean; trackingSubmodules: boolean; parentCredentials: boolean;
    reference: string | null; shallow: boolean; depth: number; threads: number | null; timeout: number | null;
  };
  relativeTargetDir?: string;
  cleanBefore?: { deleteUntrackedNestedRepositories: boolean };
  cleanAfter?: { deleteUntrackedNestedRepositories: boolean };
  wipe?: true;
  /** LocalBranch: the name, or null / '**' for the remote branch's own name. */
  localBranch?: string | null;
  pruneStaleBranch?: true;
  pruneTags?: boolean;
  sparsePaths?: string[];
  userIdentity?: { name: string | null; email: string | null };
  authorInChangelog?: true;
  changelogToBranch?: { compareRemote: string; compareTarget: string };
  preBuildMerge?: { mergeRemote: string | null; mergeTarget: string; mergeStrategy: string; fastForwardMode: string };
  lfs?: true;
  perBuildTag?: true;
  scmName?: string;
  firstBuildChangelog?: boolean;
}

export interface GitScmSpec {
  remotes: GitRemote[];
  /** Branch specs as written (BranchSpec names): 'main', '*\/main', 'origin/release-*', ':regex', a tag or a commit. */
  branches: string[];
  ext: GitExtensions;
  /**
   * The `git` step and `checkout scm` of a job: a branch spec that names no branch may be a tag
   * or a commit id (checked out detached), and a webhook's full commit id is built as given.
   */
  lenientRef?: boolean;
  /** Lines Jenkins would print as warnings while reading the configuration. */
  warnings: string[];
}

const EXT = 'hudson.plugins.git.extensions.impl.';
const BROWSER = 'hudson.plugins.git.browser.';

interface ExtDef { cls: string; symbol?: string; params: StepParam[] }

const s = (name: string, doc: string): StepParam => ({ name, type: 'string', doc });
const b = (name: string, doc: string): StepParam => ({ name, type: 'boolean', doc });
const i = (name: string, doc: string): StepParam => ({ name, type: 'integer', doc });
const l = (name: string, doc: string): StepParam => ({ name, type: 'list', doc });
const a = (name: string, doc: string): StepParam => ({ name, type: 'any', doc });

/** The Git plugin's extensions (GitSCMExtension), by class simple name. */
const EXTENSIONS: Record<string, ExtDef> = {
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
const BROWSERS: Record<string, { symbol?: string; params: StepParam[] }> = {
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

const bySymbol = new Map(Object.values(EXTENSIONS).filter((d) => d.symbol).map((d) => [d.symbol!, d]));
const browserSymbols = new Set(Object.values(BROWSERS).map((d) => d.symbol).filter(Boolean) as string[]);

const str = (v: Value | undefined): string | null => (v === undefined || v === null || v === '' ? null : String(v));
const boolOf = (v: Value | undefined, d = false): boolean => (v === undefined || v === null ? d : v === true || v === 'true');
function intOf(v: Value | undefined, what: string): number | null {
  if (v === undefined || v === null || v === '') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new StepFailure(`checkout: ${what} must be a whole number of at least 0, got '${String(v)}'`);
  return n;
}

function className(v: Value | undefined): string {
  const c = String(v ?? '');
  return c.includes('.') ? c.slice(c.lastIndexOf('.') + 1) : c;
}

function checkKeys(m: Map<string, Value>, params: StepParam[], fullClass: string, warnings: string[]): void {
  const known = new Set(params.map((p) => p.name));
  const extra = [...m.keys()].filter((k) => k !== '$class' && k !== '$symbol' && !known.has(k));
  if (extra.length) warnings.push(`WARNING: Unknown parameter(s) found for class type '${fullClass}': ${extra.join(',')}`);
}

/** A URL, refspec or branch that git would read as an option, or a transport that runs commands. */
function refuseHostile(what: string, v: string): void {
  if (v.startsWith('-')) throw new StepFailure(`checkout: ${what} '${v}' starts with '-': git would read it as an option`);
  if (/[\0\n\r]/.test(v)) throw new StepFailure(`checkout: ${what} contains a line break or NUL character`);
}
export function checkUrl(url: string): void {
  refuseHostile('the repository URL', url);
  if (/^(ext|fd)::/i.test(url.trim())) throw new StepFailure(`checkout: the repository URL '${url}' uses git's ${url.trim().slice(0, 2).toLowerCase() === 'fd' ? 'fd::' : 'ext::'} transport, which runs commands; use https, ssh, git or file URLs`);
}

function readExtension(v: Value, spec: GitScmSpec): void {
  if (!isMap(v)) throw new StepFailure(`checkout: an extension must be a symbol such as cloneOption(...) or [$class: 'Name', ...], got ${String(v)}`);
  const symbol = v.get('$symbol');
  let def: ExtDef | undefined;
  if (typeof symbol === 'string') {
    def = bySymbol.get(symbol);
    if (!def) throw new StepFailure(`checkout: ${symbol}(...) is not a Git extension`);
  } else {
    const cls = className(v.get('$class'));
    def = EXTENSIONS[cls];
    if (!def) throw new StepFailure(`no known implementation of class hudson.plugins.git.extensions.GitSCMExtension is named ${String(v.get('$class') ?? '(no $class)')}`);
  }
  checkKeys(v, def.params, EXT + def.cls, spec.warnings);
  const e = spec.ext;
  const timeoutOf = (k: string) => intOf(v.get(k), `${def.cls}'s ${k}`);
  switch (def.cls) {
    case 'CloneOption': {
      const depth = intOf(v.get('depth'), "CloneOption's depth");
      e.clone = { shallow: boolOf(v.get('shallow')), depth: depth && depth > 0 ? depth : 1, noTags: boolOf(v.get('noTags')), reference: str(v.get('reference')), timeout: timeoutOf('timeout'), honorRefspec: boolOf(v.get('honorRefspec')) };
      break;
    }
    case 'CheckoutOption': e.checkoutTimeout = timeoutOf('timeout'); break;
    case 'SubmoduleOption': {
      const depth = intOf(v.get('depth'), "SubmoduleOption's depth");
      e.submodule = {
        disableSubmodules: boolOf(v.get('disableSubmodules')), recursiveSubmodules: boolOf(v.get('recursiveSubmodules')), trackingSubmodules: boolOf(v.get('trackingSubmodules')),
        parentCredentials: boolOf(v.get('parentCredentials')), reference: str(v.get('reference')), shallow: boolOf(v.get('shallow')), depth: depth && depth > 0 ? depth : 1,
        threads: intOf(v.get('threads'), "SubmoduleOption's threads"), timeout: timeoutOf('timeout'),
      };
      break;
    }
    case 'RelativeTargetDirectory': {
      const dir = str(v.get('relativeTargetDir'));
      if (dir !== null) e.relativeTargetDir = dir;
      break;
    }
    case 'CleanBeforeCheckout': e.cleanBefore = { deleteUntrackedNestedRepositories: boolOf(v.get('deleteUntrackedNestedRepositories')) }; break;
    case 'CleanCheckout': e.cleanAfter = { deleteUntrackedNestedRepositories: boolOf(v.get('deleteUntrackedNestedRepositories')) }; break;
    case 'WipeWorkspace': e.wipe = true; break;
    case 'LocalBranch': e.localBranch = str(v.get('localBranch')); if (e.localBranch) refuseHostile('the local branch', e.localBranch); break;
    case 'PruneStaleBranch': e.pruneStaleBranch = true; break;
    case 'PruneStaleTag': e.pruneTags = boolOf(v.get('pruneTags'), true); break;
    case 'SparseCheckoutPaths': {
      const paths = v.get('sparseCheckoutPaths');
      e.sparsePaths = (isList(paths) ? paths : []).map((p) => {
        const path = isMap(p) ? str(p.get('path')) : str(p);
        if (path === null) throw new StepFailure("checkout: sparseCheckout's sparseCheckoutPaths are [[path: 'dir/'], ...]");
        if (/[\n\r\0]/.test(path)) throw new StepFailure('checkout: a sparse checkout path contains a line break');
        return path;
      });
      break;
    }
    case 'UserIdentity': e.userIdentity = { name: str(v.get('name')), email: str(v.get('email')) }; break;
    case 'AuthorInChangelog': e.authorInChangelog = true; break;
    case 'ChangelogToBranch': {
      const o = v.get('options');
      if (!isMap(o) || !str(o.get('compareTarget'))) throw new StepFailure("checkout: changelogToBranch needs options: [compareRemote: 'origin', compareTarget: 'main']");
      e.changelogToBranch = { compareRemote: str(o.get('compareRemote')) ?? 'origin', compareTarget: String(o.get('compareTarget')) };
      refuseHostile('changelogToBranch\'s compareTarget', e.changelogToBranch.compareTarget);
      break;
    }
    case 'PreBuildMerge': {
      const o = v.get('options');
      if (!isMap(o) || !str(o.get('mergeTarget'))) throw new StepFailure("checkout: PreBuildMerge needs options: [mergeRemote: 'origin', mergeTarget: 'main']");
      const ff = str(o.get('fastForwardMode')) ?? 'FF';
      if (!['FF', 'FF_ONLY', 'NO_FF'].includes(ff)) throw new StepFailure(`checkout: PreBuildMerge's fastForwardMode must be FF, FF_ONLY or NO_FF, got '${ff}'`);
      const strategy = (str(o.get('mergeStrategy')) ?? 'DEFAULT').toUpperCase();
      if (!['DEFAULT', 'RESOLVE', 'RECURSIVE', 'OCTOPUS', 'OURS', 'SUBTREE', 'RECURSIVE_THEIRS'].includes(strategy)) throw new StepFailure(`checkout: PreBuildMerge's mergeStrategy '${strategy}' is not one of DEFAULT, RESOLVE, RECURSIVE, OCTOPUS, OURS, SUBTREE, RECURSIVE_THEIRS`);
      e.preBuildMerge = { mergeRemote: str(o.get('mergeRemote')), mergeTarget: String(o.get('mergeTarget')), mergeStrategy: strategy, fastForwardMode: ff };
      refuseHostile("PreBuildMerge's mergeTarget", e.preBuildMerge.mergeTarget);
      break;
    }
    case 'GitLFSPull': e.lfs = true; break;
    case 'PerBuildTag': e.perBuildTag = true; break;
    case 'ScmName': { const n = str(v.get('name')); if (n) e.scmName = n; break; }
    case 'FirstBuildChangelog': e.firstBuildChangelog = boolOf(v.get('makeChangelog')); break;
    // Polling and build-chooser settings: accepted; what Kiln polls is the job's repository.
    default: break;
  }
}

function readBrowser(v: Value, spec: GitScmSpec): void {
  if (v === null || v === undefined) return;
  if (!isMap(v)) throw new StepFailure(`checkout: browser must be a repository browser such as cgit('URL'), got ${String(v)}`);
  const symbol = v.get('$symbol');
  if (typeof symbol === 'string') {
    if (!browserSymbols.has(symbol)) throw new StepFailure(`checkout: ${symbol}(...) is not a Git repository browser`);
    return;
  }
  const cls = className(v.get('$class'));
  const def = BROWSERS[cls];
  if (!def) throw new StepFailure(`no known implementation of class hudson.plugins.git.browser.GitRepositoryBrowser is named ${String(v.get('$class') ?? '(no $class)')}`);
  checkKeys(v, def.params, BROWSER + cls, spec.warnings);
}

const SCM_KEYS = ['$class', '$symbol', 'userRemoteConfigs', 'branches', 'extensions', 'browser', 'gitTool', 'doGenerateSubmoduleConfigurations', 'submoduleCfg'];

/** Reads checkout's `scm:` map (scmGit(...) or [$class: 'GitSCM', ...]). */
export function readGitScm(scm: Map<string, Value>): GitScmSpec {
  const spec: GitScmSpec = { remotes: [], branches: [], ext: {}, warnings: [] };
  const extra = [...scm.keys()].filter((k) => !SCM_KEYS.includes(k));
  if (extra.length) spec.warnings.push(`WARNING: Unknown parameter(s) found for class type 'hudson.plugins.git.GitSCM': ${extra.join(',')}`);
  if (boolOf(scm.get('doGenerateSubmoduleConfigurations'))) throw new StepFailure('checkout: doGenerateSubmoduleConfigurations: true is not supported (the Git plugin removed it); use submodule(...)');
  const remotes = scm.get('userRemoteConfigs');
  if (!isList(remotes) || remotes.length === 0) throw new StepFailure("checkout: GitSCM needs userRemoteConfigs: [[url: '...']]");
  const used = new Set<string>();
  for (const [n, r] of remotes.entries()) {
    if (!isMap(r) || !str(r.get('url'))) throw new StepFailure(`checkout: userRemoteConfigs[${n}] needs a url: [url: '...', credentialsId: '...']`);
    const url = String(r.get('url')).trim();
    checkUrl(url);
    // GitUtils.fixupNames: an unnamed (or repeated) remote is origin, origin1, origin2 ...
    const base = (str(r.get('name')) ?? 'origin').replace(/ /g, '_');
    if (!/^[A-Za-z0-9_.][A-Za-z0-9_.\-]*$/.test(base)) throw new StepFailure(`checkout: remote name '${base}' is not a valid git remote name`);
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}${k}`;
    used.add(name);
    const refspec = str(r.get('refspec'));
    if (refspec) for (const part of refspec.split(/\s+/).filter(Boolean)) refuseHostile('the refspec', part);
    spec.remotes.push({ name, url, refspec, credentialsId: str(r.get('credentialsId')) });
  }
  const branches = scm.get('branches');
  for (const br of isList(branches) ? branches : []) {
    const name = isMap(br) ? str(br.get('name')) : str(br);
    if (name === null) continue;
    refuseHostile('the branch', name.trim());
    spec.branches.push(name.trim());
  }
  // BranchSpec: an empty list or name is '**' (any branch); no branches at all: '*/master'.
  if (spec.branches.length === 0) spec.branches.push(isList(branches) && branches.length ? '**' : '*/master');
  const exts = scm.get('extensions');
  for (const e of isList(exts) ? exts : exts === undefined || exts === null ? [] : [exts]) readExtension(e, spec);
  readBrowser(scm.get('browser') ?? null, spec);
  return spec;
}
