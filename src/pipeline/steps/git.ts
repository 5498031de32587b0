import { defineStep } from './types.ts';
import { bool, reqStr, str } from './args.ts';
import { gitCheckout, publishGitResult } from './git-checkout.ts';

export default defineStep({
  name: 'git',
  doc: "Clone or update a git repository into the current directory: git url: '...', branch: 'main'.",
  params: [
    { name: 'url', type: 'string', required: true, doc: 'repository URL (https, ssh, file, or a path)' },
    { name: 'branch', type: 'string', doc: "branch, tag or commit (default 'master')" },
    { name: 'credentialsId', type: 'string', doc: 'username/password or SSH key credential' },
    { name: 'changelog', type: 'boolean', doc: 'accepted for compatibility' },
    { name: 'poll', type: 'boolean', doc: 'accepted for compatibility (pollSCM uses the job repository)' },
  ],
  positional: 'url',
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
    void bool(args, 'changelog', true);
    const r = await gitCheckout(ctx, { url: reqStr(args, 'url', 'git'), branch: str(args, 'branch') ?? 'master', credentialsId: str(args, 'credentialsId') ?? null });
    return publishGitResult(ctx, r);
  },
});
