// Cloning and updating a git repository in the workspace with the system's `git`, as the git
// and checkout steps do. Credentials: username/password through GIT_ASKPASS (never in the URL,
// never in the log), SSH keys through GIT_SSH_COMMAND; both files live in the workspace's tmp area and
// are removed afterwards.
import { randomUUID } from 'node:crypto';
import type { StepContext } from './types.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';

export interface GitCheckout {
  url: string;
  branch: string;
  credentialsId: string | null;
}

export interface GitResult {
  GIT_COMMIT: string;
  GIT_PREVIOUS_COMMIT: string | null;
  GIT_BRANCH: string;
  GIT_LOCAL_BRANCH: string;
  GIT_URL: string;
}

/** '*\/main', 'origin/main', 'refs/heads/main' → 'main'. */
export function branchName(spec: string): string {
  return spec.replace(/^\*\//, '').replace(/^refs\/heads\//, '').replace(/^origin\//, '') || 'master';
}

export async function gitCheckout(ctx: StepContext, spec: GitCheckout): Promise<GitResult> {
  const ws = ctx.workspace();
  const cwd = ctx.cwd ?? ws.root;
  const env: Record<string, string> = { ...ctx.env, GIT_TERMINAL_PROMPT: '0' };
  const secretsDir = `${ws.tmp}/git-${randomUUID()}`;
  const secrets: string[] = [];
  try {
    if (spec.credentialsId) {
      const c = await ctx.build.services.credential(spec.credentialsId);
      if (c.type === 'usernamePassword' || c.type === 'secretText') {
        const askpass = `${secretsDir}/askpass.sh`;
        await ws.writeFile(askpass, '#!/bin/sh\ncase "$1" in [Uu]sername*) printf %s "$KILN_GIT_USER";; *) printf %s "$KILN_GIT_PASS";; esac\n', 0o700);
        env.GIT_ASKPASS = askpass;
        env.KILN_GIT_USER = c.username ?? 'git';
        env.KILN_GIT_PASS = c.password ?? c.secret ?? '';
        secrets.push(env.KILN_GIT_PASS);
      } else if (c.type === 'sshKey') {
        const key = `${secretsDir}/id_key`;
        await ws.writeFile(key, c.privateKey ?? '', 0o600);
        env.GIT_SSH_COMMAND = `ssh -i '${key}' -o IdentitiesOnly=yes -o StrictHostKeyChecking=accept-new`;
      } else {
        throw new StepFailure(`git: credential '${c.id}' is a ${c.type}; use a username/password or SSH key credential`);
      }
    }
    // quiet: the command is not echoed; probe: neither is its stderr (a lookup that may fail).
    const git = async (args: string[], opts: { quiet?: boolean; probe?: boolean } = {}): Promise<string> => {
      if (!opts.quiet && !opts.probe) ctx.log(` > git ${args.join(' ')}`);
      const out: Buffer[] = [];
      const r = await ws.exec({
        argv: ['git', ...args], cwd, env, signal: ctx.signal,
        onOutput: (chunk, stream) => { if (stream === 'stdout') out.push(chunk); else if (!opts.probe) ctx.write(chunk, stream); },
      });
      if (r.aborted) throw interruptionOf(ctx.signal);
      if (r.exitCode !== 0) throw new StepFailure(`git ${args[0] ?? ''} failed with exit code ${r.exitCode ?? r.signal ?? '?'} (repository ${spec.url}, branch ${spec.branch})`);
      return Buffer.concat(out).toString('utf8').trim();
    };
    ctx.log(`Cloning the remote Git repository ${spec.url}`);
    await ws.mkdir(cwd);
    const isRepo = (await ws.stat(`${cwd}/.git`)) !== null;
    let previous: string | null = null;
    if (!isRepo) await git(['init', '-q']);
    else previous = await git(['rev-parse', '--verify', '-q', 'HEAD'], { probe: true }).catch(() => null);
    await git(['config', 'remote.origin.url', spec.url]);
    await git(['config', 'remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*']);
    const branch = branchName(spec.branch);
    await git(['fetch', '--tags', '--force', '--progress', '--', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
    const notFound = () => new StepFailure(`git: couldn't find any revision to build: no branch, tag or commit '${spec.branch}' in ${spec.url}`);
    if (/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(spec.branch)) {
      // A full commit id (a webhook's commit): check it out detached; the branch it came from,
      // when the build knows it, names it.
      const commit = await git(['rev-parse', '--verify', '-q', `${spec.branch}^{commit}`], { probe: true }).catch(async () => {
        // Not on a branch (a GitLab merge request from a fork: its commit is under refs/merge-requests/N/head): fetched by its id.
        await git(['fetch', '--force', '--progress', '--', 'origin', spec.branch]).catch(() => { throw notFound(); });
        return git(['rev-parse', '--verify', '-q', `${spec.branch}^{commit}`], { probe: true }).catch(() => { throw notFound(); });
      });
      const named = ctx.env.BRANCH_NAME;
      ctx.log(`Checking out Revision ${commit}${named ? ` (${named})` : ''}`);
      await git(['checkout', '-f', '--detach', commit]);
      return { GIT_COMMIT: commit, GIT_PREVIOUS_COMMIT: previous, GIT_BRANCH: named ? `origin/${named}` : 'detached', GIT_LOCAL_BRANCH: named ?? 'detached', GIT_URL: spec.url };
    }
    const commit = await git(['rev-parse', '--verify', '-q', `refs/remotes/origin/${branch}^{commit}`], { probe: true }).catch(async () => {
      // A tag or a short commit id instead of a branch.
      return git(['rev-parse', '--verify', '-q', `${spec.branch}^{commit}`], { probe: true }).catch(() => { throw notFound(); });
    });
    ctx.log(`Checking out Revision ${commit} (origin/${branch})`);
    await git(['checkout', '-f', '-B', branch, commit]);
    return { GIT_COMMIT: commit, GIT_PREVIOUS_COMMIT: previous, GIT_BRANCH: `origin/${branch}`, GIT_LOCAL_BRANCH: branch, GIT_URL: spec.url };
  } finally {
    if (spec.credentialsId) await ws.remove(secretsDir).catch(() => {});
  }
}

/** Puts a checkout's variables into the build's environment and returns them as the step's value. */
export function publishGitResult(ctx: StepContext, r: GitResult): Map<string, string | null> {
  for (const [k, v] of Object.entries(r)) ctx.build.setEnv(k, v);
  return new Map(Object.entries(r));
}
