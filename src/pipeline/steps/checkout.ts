// checkout: `checkout scm` (the job's own repository), and the Git plugin's GitSCM in both forms,
// checkout scmGit(branches: [[name: '*/main']], userRemoteConfigs: [[url: '...']], extensions: [...])
// and checkout([$class: 'GitSCM', ...]): git-scm.ts reads the configuration, git-checkout.ts
// carries it out. `changelog: false` skips the changelog; `poll` is accepted (Kiln polls the
// job's repository). Returns the GIT_* variables as a map and puts them in the build's environment.
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { gitCheckout, publishGitResult, simpleSpec } from './git-checkout.ts';
import { readGitScm, type GitScmSpec } from './git-scm.ts';
import { bool } from './args.ts';
import { isHostObject, isMap, type Value } from '../script/values.ts';

async function scmSpec(scm: Value, ctx: Parameters<StepRun>[0]): Promise<GitScmSpec> {
  if (isMap(scm)) {
    const cls = scm.get('$class');
    const symbol = scm.get('$symbol');
    if (symbol === 'scmGit' || (symbol === undefined && (cls === 'GitSCM' || cls === 'hudson.plugins.git.GitSCM'))) return readGitScm(scm);
    if (typeof symbol === 'string') throw new StepFailure(`checkout: ${symbol}(...) is not an SCM; use scmGit(...) or scm`);
    throw new StepFailure(`checkout: only GitSCM is supported, got $class: '${String(cls)}'`);
  }
  if (isHostObject(scm)) {
    const url = await scm.getProperty('url', ctx.dyn, ctx.loc);
    if (typeof url !== 'string' || url === '') {
      throw new StepFailure("checkout scm: this build has no repository to check out ('scm' is only defined for jobs whose Jenkinsfile comes from SCM)");
    }
    const branch = await scm.getProperty('branch', ctx.dyn, ctx.loc);
    const cred = await scm.getProperty('credentialsId', ctx.dyn, ctx.loc);
    return simpleSpec({ url, branch: typeof branch === 'string' ? branch : 'master', credentialsId: typeof cred === 'string' ? cred : null });
  }
  throw new StepFailure(`checkout: expected scm, scmGit(...) or [$class: 'GitSCM', ...], got ${String(scm)}`);
}

export const run: StepRun = async (ctx, args) => {
  const spec = await scmSpec(args.values.scm ?? null, ctx);
  void bool(args, 'poll', true);
  return publishGitResult(ctx, await gitCheckout(ctx, spec, { changelog: bool(args, 'changelog', true) }));
};
