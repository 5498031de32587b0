// Cloning and updating git repositories in the workspace with the node's `git`, as the Git
// plugin's GitSCM.checkout does for the `git` and `checkout` steps (issue 17): every remote is
// fetched (" > git fetch --tags --force --progress -- URL REFSPEC # timeout=10"), the revision to
// build is chosen as DefaultBuildChooser chooses it (one branch: REMOTE/BRANCH; wildcards or
// several specs: the matching remote branch tips not built before, oldest first), extensions
// decorate each stage (git-scm.ts reads them), and the console says what the plugin says
// ("Checking out Revision SHA (origin/main)", "Commit message: \"...\"", "First time build.
// Skipping changelog.").
//
// Credentials: username/password through GIT_ASKPASS (never in the URL, never in argv or the
// log), SSH keys through GIT_SSH_COMMAND; the files live in the workspace's tmp area and are
// removed afterwards. Each remote uses its own credential.
// The previous build's commit of a branch is kept in the repository's own config
// (kiln.built.<branch>, with the build's number in kiln.builtnr.<branch>), which gives
// GIT_PREVIOUS_COMMIT and the changelog's base; when the job's previous build that built it
// succeeded, it becomes GIT_PREVIOUS_SUCCESSFUL_COMMIT (carried forward in kiln.ok.<branch>).
// Where the build knows what earlier builds built (BuildControl.lastBuilt and lastSuccessfulBuilt: the build data kept
// with the builds, changesets.ts), that wins over the workspace's record: a fresh workspace or
// another agent still gets the changelog since the previous build. The changelog (the commits
// after that up to the built one, with their files) is recorded on the build with the revision
// (BuildControl.recordCheckout); `changelog: false` records the revision only.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { StepContext } from './types.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import type { GitRemote, GitScmSpec } from './git-scm.ts';
import { checkUrl } from './git-scm.ts';
import { CHANGELOG_FORMAT, MAX_CHANGELOG, parseChangelog, type ChangeSetRecord } from './changesets.ts';

export interface GitCheckout {
  url: string;
  branch: string;
  credentialsId: string | null;
}

export type GitResult = Record<string, string | null>;

/** '*\/main', 'origin/main', 'refs/heads/main' → 'main'. */
export function branchName(spec: string): string {
  return spec.replace(/^\*\//, '').replace(/^refs\/heads\//, '').replace(/^origin\//, '') || 'master';
}

/** The `git` step's and `checkout scm`'s form: one remote, one branch, checked out on a local branch of its name. */
export function simpleSpec(spec: GitCheckout): GitScmSpec {
  checkUrl(spec.url);
  if (spec.branch.startsWith('-')) throw new StepFailure(`git: the branch '${spec.branch}' starts with '-': git would read it as an option`);
  return {
    remotes: [{ name: 'origin', url: spec.url, refspec: null, credentialsId: spec.credentialsId }],
    branches: [spec.branch], ext: { localBranch: branchName(spec.branch) }, lenientRef: true, warnings: [],
  };
}

interface Revision { sha: string; branches: string[]; detached?: boolean }

const NO_REVISION = "Couldn't find any revision to build. Verify the repository and branch configuration for this job.";

/** BranchSpec.matches: a spec against a remote branch name (origin/main). */
export function branchMatches(spec: string, name: string, remotes: readonly string[]): boolean {
  if (spec.startsWith(':')) {
    try { return new RegExp(`^(?:${spec.slice(1)})$`).test(name); } catch { throw new StepFailure(`checkout: branch spec '${spec}' is not a valid regular expression`); }
  }
  const glob = (g: string) => new RegExp(`^${g.split('**').map((p) => p.split('*').map((q) => q.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*')}$`);
  const names = [name, `remotes/${name}`, `refs/remotes/${name}`];
  let s = spec;
  if (s.startsWith('refs/heads/')) s = `*/${s.slice('refs/heads/'.length)}`;
  else if (s.startsWith('remotes/')) s = s.slice('remotes/'.length);
  else if (s.startsWith('refs/remotes/')) s = s.slice('refs/remotes/'.length);
  else if (!s.includes('/') && s !== '**') s = `*/${s}`;
  else if (!s.startsWith('*') && !remotes.some((r) => s.startsWith(`${r}/`))) s = `*/${s}`;
  const re = glob(s);
  return names.some((n) => re.test(n));
}

export async function gitCheckout(ctx: StepContext, spec: GitScmSpec, opts: { changelog?: boolean } = {}): Promise<GitResult> {
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  const ext = spec.ext;
  let cwd = base;
  if (ext.relativeTargetDir !== undefined) {
    const rel = ext.relativeTargetDir;
    const target = path.posix.resolve(base, rel);
    if (path.posix.isAbsolute(rel) || (target !== ws.root && !target.startsWith(`${ws.root}/`))) {
      throw new StepFailure(`checkout: RelativeTargetDirectory '${rel}' leaves the workspace ${ws.root}`);
    }
    cwd = target;
  }
  for (const w of spec.warnings) ctx.log(w);
  const secretsDir = `${ws.tmp}/git-${randomUUID()}`;
  const envs = new Map<string, Record<string, string>>();
  const baseEnv: Record<string, string> = { ...ctx.env, GIT_TERMINAL_PROMPT: '0' };
  // A remote's environment: its credential's askpass or key.
  const envFor = async (credentialsId: string | null): Promise<Record<string, string>> => {
    const key = credentialsId ?? '';
    const known = envs.get(key);
    if (known) return known;
    const env = { ...baseEnv };
    if (credentialsId) {
      const c = await ctx.build.services.credential(credentialsId);
      const dir = `${secretsDir}/${envs.size}`;
      if (c.type === 'usernamePassword' || c.type === 'secretText') {
        const askpass = `${dir}/askpass.sh`;
        await ws.writeFile(askpass, '#!/bin/sh\ncase "$1" in [Uu]sername*) printf %s "$KILN_GIT_USER";; *) printf %s "$KILN_GIT_PASS";; esac\n', 0o700);
        env.GIT_ASKPASS = askpass;
        env.KILN_GIT_USER = c.username ?? 'git';
        env.KILN_GIT_PASS = c.password ?? c.secret ?? '';
      } else if (c.type === 'sshKey') {
        const keyFile = `${dir}/id_key`;
        await ws.writeFile(keyFile, c.privateKey ?? '', 0o600);
        env.GIT_SSH_COMMAND = `ssh -i '${keyFile}' -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new`;
      } else {
        throw new StepFailure(`git: credential '${c.id}' is a ${c.type}; use a username/password or SSH key credential`);
      }
    }
    envs.set(key, env);
    return env;
  };
  const what = `repository ${spec.remotes.map((r) => r.url).join(', ')}`;
  interface GitOpts { quiet?: boolean; probe?: boolean; env?: Record<string, string>; timeout?: number | null; dir?: string }
  // quiet: the command is not echoed; probe: neither is its stderr (a lookup that may fail).
  const git = async (args: string[], o: GitOpts = {}): Promise<string> => {
    const minutes = o.timeout ?? 10;
    if (!o.quiet && !o.probe) ctx.log(` > git ${args.join(' ')} # timeout=${minutes}`);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    // Like the Git plugin, only what a fetch, merge or submodule update says is shown as it
    // comes; the others' messages are shown when they fail.
    const live = !o.probe && ['fetch', 'merge', 'submodule', 'lfs'].includes(args.find((x) => !x.startsWith('-') && !x.includes('=')) ?? '');
    const timer = AbortSignal.timeout(minutes * 60_000);
    const r = await ws.exec({
      argv: ['git', ...args], cwd: o.dir ?? cwd, env: o.env ?? baseEnv, signal: AbortSignal.any([ctx.signal, timer]),
      onOutput: (chunk, stream) => { if (stream === 'stdout') out.push(chunk); else if (live) ctx.write(chunk, stream); else if (!o.probe) err.push(chunk); },
    });
    if (r.aborted) {
      if (ctx.signal.aborted) throw interruptionOf(ctx.signal);
      throw new StepFailure(`git ${args[0] ?? ''} timed out after ${minutes} minute${minutes === 1 ? '' : 's'} (${what})`);
    }
    if (r.exitCode !== 0 && err.length) ctx.write(Buffer.concat(err), 'stderr');
    if (r.exitCode !== 0) throw new StepFailure(`git ${args[0] ?? ''} failed with exit code ${r.exitCode ?? r.signal ?? '?'} (${what}, branch ${spec.branches.join(', ')})`);
    return Buffer.concat(out).toString('utf8').trim();
  };
  const probe = (args: string[], o: GitOpts = {}) => git(args, { ...o, probe: true }).catch(() => null);
  try {
    const first = spec.remotes[0]!;
    ctx.log(first.credentialsId ? `using credential ${first.credentialsId}` : 'No credentials specified');
    if (ext.wipe) {
      ctx.log('Wiping out workspace first.');
      await ws.remove(cwd);
    }
    await ws.mkdir(cwd);
    const isRepo = (await ws.stat(`${cwd}/.git`)) !== null;
    const cloneTimeout = ext.clone?.timeout ?? null;
    if (!isRepo) {
      ctx.log('Cloning the remote Git repository');
      ctx.log(`Cloning repository ${first.url}`);
      await git(['init', cwd], { timeout: cloneTimeout });
      const ref = ext.clone?.reference;
      if (ref) {
        // A path on the node, outside the workspace: git itself says whether a repository is there.
        const gitDir = await probe(['-C', ref, 'rev-parse', '--absolute-git-dir'], { quiet: true });
        if (!gitDir) ctx.log(`Reference path does not exist: ${ref}`);
        else {
          ctx.log(`Using reference repository: ${ref}`);
          await ws.writeFile(`${cwd}/.git/objects/info/alternates`, `${gitDir}/objects\n`);
        }
      }
    } else if (ext.cleanBefore) {
      ctx.log('Cleaning workspace');
      await clean(git, ext.cleanBefore.deleteUntrackedNestedRepositories, ext.submodule && !ext.submodule.disableSubmodules);
    }
    if (isRepo) ctx.log(spec.remotes.length === 1 ? 'Fetching changes from the remote Git repository' : `Fetching changes from ${spec.remotes.length} remote Git repositories`);
    for (const remote of spec.remotes) {
      const env = await envFor(remote.credentialsId);
      const refspecs = (remote.refspec ?? `+refs/heads/*:refs/remotes/${remote.name}/*`).split(/\s+/).filter(Boolean);
      await git(['config', `remote.${remote.name}.url`, remote.url], { timeout: cloneTimeout });
      await git(['config', '--unset-all', `remote.${remote.name}.fetch`], { probe: true }).catch(() => null);
      for (const r of refspecs) await git(['config', '--add', `remote.${remote.name}.fetch`, r], { timeout: cloneTimeout });
      ctx.log(`Fetching upstream changes from ${remote.url}`);
      const args = ['fetch', ext.clone?.noTags ? '--no-tags' : '--tags', '--force', '--progress'];
      if (ext.pruneStaleBranch) args.push('--prune');
      if (ext.clone?.shallow) args.push(`--depth=${ext.clone.depth}`);
      // The first clone fetches every branch unless honorRefspec says to fetch the refspec only.
      const cloneAll = !isRepo && remote === first && remote.refspec !== null && !ext.clone?.honorRefspec;
      const defaultSpec = `+refs/heads/*:refs/remotes/${remote.name}/*`;
      await git([...args, '--', remote.url, ...(cloneAll && !refspecs.includes(defaultSpec) ? [defaultSpec, ...refspecs] : refspecs)], { env, timeout: cloneTimeout });
      if (ext.pruneTags) await pruneTags(ctx, git, remote, env);
    }

    // Which revision: DefaultBuildChooser.
    const remoteNames = spec.remotes.map((r) => r.name);
    const localBranchOf = (b: string) => (ext.localBranch === undefined ? null : !ext.localBranch || ext.localBranch === '**' ? deriveLocal(b, remoteNames) : ext.localBranch);
    const lastBuilt = async (b: string) => probe(['config', '--get', `kiln.built.${configKey(b)}`], { quiet: true });
    let candidates: Revision[] = [];
    const single = spec.branches.length === 1 ? spec.branches[0]! : null;
    if (single !== null && spec.lenientRef && /^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(single)) {
      // A full commit id (a webhook's commit): the branch it came from, when the build knows it, names it.
      let sha = await probe(['rev-parse', '--verify', '-q', `${single}^{commit}`]);
      if (!sha) {
        // Not on a branch (a GitLab merge request from a fork: its commit is under refs/merge-requests/N/head): fetched by its id.
        await git(['fetch', '--force', '--progress', '--', first.url, single], { env: await envFor(first.credentialsId), timeout: cloneTimeout }).catch(() => null);
        sha = await probe(['rev-parse', '--verify', '-q', `${single}^{commit}`]);
      }
      if (!sha) throw new StepFailure(`git: couldn't find any revision to build: no branch, tag or commit '${single}' in ${first.url}`);
      const named = ctx.env.BRANCH_NAME;
      candidates = [{ sha, branches: [named ? `${first.name}/${named}` : 'detached'], detached: true }];
    } else if (single !== null && !single.includes('*') && !single.startsWith(':')) {
      candidates = await simpleCandidates(single, spec.remotes, git);
      if (candidates.length === 0 && /^[0-9a-f]{6,40}$/i.test(single)) {
        const sha = await probe(['rev-parse', '--verify', '-q', `${single}^{commit}`]);
        if (sha) candidates = [{ sha, branches: ['detached'], detached: true }];
      }
      if (candidates.length === 0) {
        const sha = await git(['rev-parse', `${single}^{commit}`], { probe: true }).catch(() => null);
        if (sha) candidates = [{ sha, branches: [single] }];
      }
    } else {
      const refs = await git(['for-each-ref', '--format=%(objectname) %(committerdate:unix) %(refname)', 'refs/remotes'], { quiet: true });
      const byCommit = new Map<string, { time: number; branches: string[] }>();
      for (const line of refs.split('\n').filter(Boolean)) {
        const [sha, time, ref] = line.split(' ') as [string, string, string];
        const name = ref.slice('refs/remotes/'.length);
        if (name.endsWith('/HEAD')) continue;
        if (!remoteNames.some((r) => name.startsWith(`${r}/`))) continue;
        if (!spec.branches.some((b) => branchMatches(b, name, remoteNames))) continue;
        const c = byCommit.get(sha) ?? { time: Number(time), branches: [] };
        c.branches.push(name);
        byCommit.set(sha, c);
      }
      // Only tips, not what an earlier build built (unless nothing else is left), oldest first.
      const all = [...byCommit.entries()].map(([sha, c]) => ({ sha, branches: c.branches, time: c.time }));
      const built = new Set<string>();
      for (const r of all) for (const b of r.branches) { const x = await lastBuilt(b); if (x) built.add(x); }
      const tips: typeof all = [];
      for (const r of all) {
        const contained = await Promise.all(all.filter((o) => o.sha !== r.sha).map((o) => probe(['merge-base', '--is-ancestor', r.sha, o.sha], { quiet: true }).then((x) => x !== null)));
        if (!contained.some(Boolean)) tips.push(r);
      }
      const fresh = tips.filter((r) => !built.has(r.sha));
      candidates = (fresh.length ? fresh : tips).sort((x, y) => x.time - y.time).map(({ sha, branches }) => ({ sha, branches: branches.sort() }));
    }
    if (candidates.length === 0) throw new StepFailure(spec.lenientRef && single !== null ? `git: couldn't find any revision to build: no branch, tag or commit '${single}' in ${first.url}` : NO_REVISION);
    if (candidates.length > 1) ctx.log('Multiple candidate revisions');
    const marked = candidates[0]!;
    const branch0 = marked.branches[0]!;
    // The previous build's commit of this branch: the build data earlier builds recorded (the
    // Git plugin's BuildData, kept with the builds), else what this workspace's repository says.
    const remoteUrls = spec.remotes.map((r) => r.url);
    const previous = ctx.build.lastBuilt?.(remoteUrls, branch0) ?? await lastBuilt(branch0);
    // The previous successful build's commit of this branch: the build data of the job's last
    // build that ended SUCCESS or UNSTABLE (the Git plugin's getLastSuccessfulBuiltCommitOfBranch),
    // where the build knows it; else what this workspace's repository says: what the job's
    // previous build built here when it succeeded, or what was carried forward from before it.
    const prevBuild = ctx.build.previous;
    const builtBy = await probe(['config', '--get', `kiln.builtnr.${configKey(branch0)}`], { quiet: true });
    const previousSuccessful = ctx.build.lastSuccessfulBuilt
      ? ctx.build.lastSuccessfulBuilt(remoteUrls, branch0)
      : previous && prevBuild && prevBuild.result === 'SUCCESS' && builtBy === String(prevBuild.number)
        ? previous : await probe(['config', '--get', `kiln.ok.${configKey(branch0)}`], { quiet: true });
    let rev: Revision = marked;

    // PreBuildMerge: the candidate merged into the target branch first.
    if (ext.preBuildMerge) {
      const m = ext.preBuildMerge;
      const mergeRemote = m.mergeRemote ?? first.name;
      const target = `${mergeRemote}/${m.mergeTarget}`;
      ctx.log(`Merging Revision ${marked.sha} (${marked.branches.join(', ')}) to ${target}, UserMergeOptions{mergeRemote='${mergeRemote}', mergeTarget='${m.mergeTarget}', mergeStrategy='${m.mergeStrategy}', fastForwardMode='${m.fastForwardMode}'}`);
      const targetSha = await probe(['rev-parse', '--verify', '-q', `refs/remotes/${target}^{commit}`]);
      if (!targetSha) throw new StepFailure(`checkout: PreBuildMerge's target branch ${target} does not exist`);
      await git(['checkout', '-f', targetSha], { timeout: ext.checkoutTimeout ?? null });
      const identity = await identityArgs(ext, probe);
      const strategy = m.mergeStrategy === 'DEFAULT' ? [] : m.mergeStrategy === 'RECURSIVE_THEIRS' ? ['-s', 'recursive', '-X', 'theirs'] : ['-s', m.mergeStrategy.toLowerCase()];
      const ff = m.fastForwardMode === 'FF' ? '--ff' : m.fastForwardMode === 'FF_ONLY' ? '--ff-only' : '--no-ff';
      try {
        await git([...identity, 'merge', ff, ...strategy, '--no-edit', marked.sha]);
      } catch {
        await probe(['merge', '--abort']);
        throw new StepFailure(`Branch not suitable for integration as it does not merge cleanly: ${marked.branches.join(', ')} into ${target}`);
      }
      rev = { sha: await git(['rev-parse', 'HEAD'], { quiet: true }), branches: marked.branches };
    }

    const env: GitResult = {};
    env.GIT_COMMIT = rev.sha;
    const remoteBranch = branch0.startsWith('refs/remotes/') ? branch0.slice('refs/remotes/'.length) : branch0;
    env.GIT_BRANCH = remoteBranch;
    const local = marked.detached ? null : localBranchOf(remoteBranch);
    if (local !== null) env.GIT_LOCAL_BRANCH = local;
    else if (ext.localBranch !== undefined) env.GIT_LOCAL_BRANCH = marked.detached ? deriveLocal(remoteBranch, remoteNames) : remoteBranch;
    ctx.log(`Checking out Revision ${rev.sha} (${rev.branches.join(', ')})`);

    // Sparse checkout, then the checkout itself.
    if (ext.sparsePaths && ext.sparsePaths.length) {
      await git(['config', 'core.sparsecheckout', 'true']);
      await ws.writeFile(`${cwd}/.git/info/sparse-checkout`, `${ext.sparsePaths.join('\n')}\n`);
    } else {
      const was = await git(['config', 'core.sparsecheckout'], { probe: true }).catch(() => null);
      ctx.log(' > git config core.sparsecheckout # timeout=10');
      if (was === 'true') {
        await git(['config', 'core.sparsecheckout', 'false'], { quiet: true });
        await ws.writeFile(`${cwd}/.git/info/sparse-checkout`, '/*\n');
      }
    }
    const coTimeout = ext.checkoutTimeout ?? null;
    if (local !== null) {
      refuseLocal(local);
      await git(['checkout', '-f', '-B', local, rev.sha], { timeout: coTimeout });
    } else {
      await git(['checkout', '-f', rev.sha], { timeout: coTimeout });
    }
    if (ext.sparsePaths && ext.sparsePaths.length) await git(['read-tree', '-mu', 'HEAD'], { timeout: coTimeout });
    if (ext.lfs) {
      const has = await probe(['lfs', 'version'], { quiet: true });
      if (has === null) throw new StepFailure("checkout: git-lfs is not installed on this node: the GitLFSPull extension (lfs()) needs it (Debian's git-lfs package)");
      // git lfs pull checks files out only in a repository whose filters know LFS.
      if (!(await probe(['config', '--get', 'filter.lfs.process'], { quiet: true }))) await git(['lfs', 'install', '--local'], { timeout: coTimeout });
      await git(['lfs', 'pull', first.name], { env: await envFor(first.credentialsId), timeout: coTimeout });
    }
    const subject = await probe(['log', '-1', '--format=%s', rev.sha], { quiet: true });
    ctx.log(`Commit message: "${subject ?? ''}"`);

    // Changelog: what changed since the previous build of this branch (or the changelogToBranch target).
    let changeSet: ChangeSetRecord | null = null;
    if (opts.changelog !== false) {
      const inRepo = async (c: string | null) => !!c && /^[0-9a-f]{7,64}$/i.test(c) && (await probe(['cat-file', '-e', `${c}^{commit}`], { quiet: true })) !== null;
      let from: string | null | undefined;
      if (ext.changelogToBranch) {
        ctx.log("Using 'Changelog to branch' strategy.");
        const { compareRemote, compareTarget } = ext.changelogToBranch;
        from = (await probe(['rev-parse', '--verify', '-q', `refs/remotes/${compareRemote}/${compareTarget}^{commit}`], { quiet: true })) ?? undefined;
      } else if (await inRepo(previous)) {
        await git(['rev-list', '--no-walk', previous!]);
        from = previous;
      } else if (ext.firstBuildChangelog) {
        ctx.log('First time build. Latest changes added to changelog.');
        from = null; // the first build lists the built commit
      } else {
        ctx.log('First time build. Skipping changelog.');
      }
      if (from !== undefined) {
        const range = from ? [`${from}..${rev.sha}`] : ['-1', rev.sha];
        const out = await git(['-c', 'core.quotePath=false', 'log', '--raw', '--no-abbrev', '-M', '--no-merges', `--max-count=${MAX_CHANGELOG + 1}`, `--format=${CHANGELOG_FORMAT}`, ...range, '--'], { quiet: true });
        const entries = parseChangelog(out, !!ext.authorInChangelog);
        changeSet = { kind: 'git', remotes: remoteUrls, branch: rev.branches[0] ?? branch0, from: from ?? null, to: rev.sha, entries: entries.slice(0, MAX_CHANGELOG) };
        if (entries.length > MAX_CHANGELOG) changeSet.truncated = true;
      }
    }

    // After the checkout: submodules, clean, identity, tag.
    if (ext.submodule && !ext.submodule.disableSubmodules) {
      const so = ext.submodule;
      const subEnv = so.parentCredentials ? await envFor(first.credentialsId) : baseEnv;
      await git(['submodule', 'init'], { env: subEnv, timeout: so.timeout });
      await git(['submodule', 'sync'], { env: subEnv, timeout: so.timeout });
      const args = ['submodule', 'update', '--init'];
      if (so.recursiveSubmodules) args.push('--recursive');
      if (so.trackingSubmodules) args.push('--remote');
      if (so.reference) args.push('--reference', so.reference);
      if (so.shallow) args.push('--depth', String(so.depth));
      if (so.threads && so.threads > 1) args.push('--jobs', String(so.threads));
      await git(args, { env: subEnv, timeout: so.timeout });
    }
    if (ext.cleanAfter) {
      ctx.log('Cleaning workspace');
      await clean(git, ext.cleanAfter.deleteUntrackedNestedRepositories, ext.submodule && !ext.submodule.disableSubmodules);
    }
    if (ext.userIdentity) {
      const { name, email } = ext.userIdentity;
      if (name) { await git(['config', 'user.name', name]); env.GIT_COMMITTER_NAME = name; env.GIT_AUTHOR_NAME = name; }
      if (email) { await git(['config', 'user.email', email]); env.GIT_COMMITTER_EMAIL = email; env.GIT_AUTHOR_EMAIL = email; }
    }
    if (ext.perBuildTag) {
      const number = ctx.env.BUILD_NUMBER ?? '0';
      const job = ctx.env.JOB_BASE_NAME ?? ctx.env.JOB_NAME ?? 'job';
      const tag = `jenkins-${job}-${number}`.replace(/[^A-Za-z0-9._\-/]/g, '_');
      await git([...(await identityArgs(ext, probe)), 'tag', '-a', '-f', '-m', `Jenkins Build #${number}`, tag]);
    }
    // What this build built, per branch, for the next build's GIT_PREVIOUS_COMMIT and changelog.
    for (const b of rev.branches) {
      await git(['config', `kiln.built.${configKey(b)}`, rev.sha], { quiet: true });
      await git(['config', `kiln.builtnr.${configKey(b)}`, String(ctx.build.number)], { quiet: true });
      if (previousSuccessful) await git(['config', `kiln.ok.${configKey(b)}`, previousSuccessful], { quiet: true });
    }

    ctx.build.recordCheckout?.({ remotes: remoteUrls, branches: rev.branches, sha: rev.sha, changeSet });
    env.GIT_PREVIOUS_COMMIT = previous;
    env.GIT_PREVIOUS_SUCCESSFUL_COMMIT = previousSuccessful;
    if (spec.remotes.length === 1) env.GIT_URL = first.url;
    else spec.remotes.forEach((r, n) => { env[`GIT_URL_${n + 1}`] = r.url; });
    if (ext.relativeTargetDir !== undefined) env.GIT_CHECKOUT_DIR = ext.relativeTargetDir;
    return env;
  } finally {
    if (envs.size) await ws.remove(secretsDir).catch(() => {});
  }
}

type Git = (args: string[], o?: { quiet?: boolean; probe?: boolean; env?: Record<string, string>; timeout?: number | null }) => Promise<string>;

/** The simple case of DefaultBuildChooser: one branch spec without wildcards. */
async function simpleCandidates(spec: string, remotes: GitRemote[], git: Git): Promise<Revision[]> {
  const tries: string[] = [];
  if (!spec.includes('/')) for (const r of remotes) tries.push(`${r.name}/${spec}`);
  else {
    for (const r of remotes) {
      if (spec.startsWith(`${r.name}/`)) tries.push(`refs/remotes/${spec}`);
      else if (spec.startsWith(`remotes/${r.name}/`)) tries.push(`refs/${spec}`);
      else if (spec.startsWith('refs/heads/')) tries.push(`refs/remotes/${r.name}/${spec.slice('refs/heads/'.length)}`);
      else if (spec.startsWith('*/')) tries.push(`refs/remotes/${r.name}/${spec.slice(2)}`);
      else tries.push(spec);
      tries.push(`refs/remotes/${r.name}/${spec}`);
    }
  }
  const found = new Map<string, Revision>();
  for (const t of [...new Set(tries)]) {
    const sha = await git(['rev-parse', '--verify', '-q', `${t}^{commit}`], { probe: true }).catch(() => null);
    if (!sha) continue;
    const name = t.startsWith('refs/remotes/') ? t.slice('refs/remotes/'.length) : t;
    if (!found.has(sha)) found.set(sha, { sha, branches: [name] });
  }
  return [...found.values()];
}

/** LocalBranch '**': the remote branch's name without its remote (origin/feature/x → feature/x). */
function deriveLocal(remoteBranch: string, remotes: readonly string[]): string {
  const r = remotes.find((n) => remoteBranch.startsWith(`${n}/`));
  return r ? remoteBranch.slice(r.length + 1) : remoteBranch;
}

function refuseLocal(name: string): void {
  if (name.startsWith('-')) throw new StepFailure(`checkout: the local branch '${name}' starts with '-': git would read it as an option`);
}

/** A branch name as a git config key: a letter, then hex digits. */
function configKey(branch: string): string {
  return `b${Buffer.from(branch).toString('hex')}`;
}

async function clean(git: Git, nested: boolean, submodules: boolean | undefined): Promise<void> {
  const head = await git(['rev-parse', '--verify', 'HEAD'], { probe: true }).catch(() => null);
  if (head) await git(['reset', '--hard']);
  await git(['clean', nested ? '-ffdx' : '-fdx']);
  if (submodules) await git(['submodule', 'foreach', '--recursive', 'git', 'clean', nested ? '-ffdx' : '-fdx']);
}

/** -c user.name/-c user.email for a commit Kiln makes (merge, tag) when the repository has none. */
async function identityArgs(ext: GitScmSpec['ext'], probe: (a: string[], o?: { quiet?: boolean }) => Promise<string | null>): Promise<string[]> {
  const out: string[] = [];
  const name = ext.userIdentity?.name ?? (await probe(['config', 'user.name'], { quiet: true }));
  const email = ext.userIdentity?.email ?? (await probe(['config', 'user.email'], { quiet: true }));
  out.push('-c', `user.name=${name || 'Kiln'}`, '-c', `user.email=${email || 'kiln@localhost'}`);
  return out;
}

/** PruneStaleTag: local tags the remote no longer has are deleted. */
async function pruneTags(ctx: StepContext, git: Git, remote: GitRemote, env: Record<string, string>): Promise<void> {
  ctx.log('Pruning obsolete local tags that do not exist on remotes');
  const remoteTags = new Set((await git(['ls-remote', '--tags', '--', remote.url], { env })).split('\n').map((l) => l.split('\t')[1] ?? '').filter(Boolean)
    .map((r) => r.replace(/^refs\/tags\//, '').replace(/\^\{\}$/, '')));
  const local = (await git(['tag', '-l'], { quiet: true })).split('\n').filter(Boolean);
  for (const t of local) if (!remoteTags.has(t)) await git(['tag', '-d', t]);
}

/** Puts a checkout's variables into the build's environment and returns them as the step's value. */
export function publishGitResult(ctx: StepContext, r: GitResult): Map<string, string | null> {
  for (const [k, v] of Object.entries(r)) ctx.build.setEnv(k, v);
  return new Map(Object.entries(r));
}
