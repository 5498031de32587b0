// The Git plugin's GitSCM as data (issue 17): what `checkout scmGit(...)`,
// `checkout([$class: 'GitSCM', ...])` and `checkout scm` ask for, read into a GitScmSpec that
// git-checkout.ts carries out. The symbols that build it (scmGit, the extensions, the browsers)
// are declared in git-symbols.ts, which `kiln lint` loads without this file.
//
// An extension is either a symbol's descriptor map ({ $symbol: 'cloneOption', shallow: true })
// or a `$class` map ([$class: 'CloneOption', shallow: true]; the simple or the full class name).
// An unknown `$class` is Jenkins' error ("no known implementation of class ... is named X");
// a key the class does not have gets Jenkins' "WARNING: Unknown parameter(s)" line (returned in
// `warnings`). Several remotes get Jenkins' names: origin, origin1, origin2 ... when unnamed.
// Hostile values are refused here: URLs with git's `ext::`/`fd::` transports, URLs, refspecs
// and branch specs starting with '-' (they would read as options), a relativeTargetDir that
// leaves the workspace.
import type { StepParam } from '../../core/steps.ts';
import { BROWSER, BROWSERS, EXT, EXTENSIONS, type ExtDef } from './git-symbols.ts';
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

const bySymbol = new Map(Object.values(EXTENSIONS).filter((d) => d.symbol).map((d) => [d.symbol!, d]));
// github(...) is declared by the libraries plugin (modernSCM(github(...))) with the browser's repoUrl too.
const browserSymbols = new Set([...Object.values(BROWSERS).map((d) => d.symbol).filter(Boolean) as string[], 'github']);

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
