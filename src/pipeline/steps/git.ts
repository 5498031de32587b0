// git: clone or update a git repository into the current directory: git url: '...', branch: 'main'.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
// As the Git plugin's GitStep: one remote, the branch checked out on a local branch of its name.
import type { StepRun } from '../plugin.ts';
import { bool, reqStr, str } from './args.ts';
import { gitCheckout, publishGitResult, simpleSpec } from './git-checkout.ts';

export const run: StepRun = async (ctx, args) => {
  const spec = simpleSpec({ url: reqStr(args, 'url', 'git'), branch: str(args, 'branch') ?? 'master', credentialsId: str(args, 'credentialsId') ?? null });
  return publishGitResult(ctx, await gitCheckout(ctx, spec, { changelog: bool(args, 'changelog', true) }));
};
