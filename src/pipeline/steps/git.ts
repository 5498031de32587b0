// git: clone or update a git repository into the current directory: git url: '...', branch: 'main'.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { bool, reqStr, str } from './args.ts';
import { gitCheckout, publishGitResult } from './git-checkout.ts';

export const run: StepRun = async (ctx, args) => {
  void bool(args, 'changelog', true);
  const r = await gitCheckout(ctx, { url: reqStr(args, 'url', 'git'), branch: str(args, 'branch') ?? 'master', credentialsId: str(args, 'credentialsId') ?? null });
  return publishGitResult(ctx, r);
};
