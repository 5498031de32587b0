// checkout: `checkout scm` (the job's own repository) and the GitSCM form
// checkout([$class: 'GitSCM', branches: [[name: '*/main']], userRemoteConfigs: [[url: '...', credentialsId: '...']]]).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { gitCheckout, publishGitResult, type GitCheckout } from './git-checkout.ts';
import { isHostObject, isList, isMap, type Value } from '../script/values.ts';

function scmSpec(scm: Value, ctx: Parameters<typeof gitCheckout>[0]): Promise<GitCheckout> | GitCheckout {
  if (isMap(scm)) {
    const cls = scm.get('$class');
    if (cls !== 'GitSCM' && scm.get('$symbol') !== 'scmGit') throw new StepFailure(`checkout: only GitSCM is supported, got $class: '${String(cls)}'`);
    const remotes = scm.get('userRemoteConfigs');
    const remote = isList(remotes) ? remotes[0] : undefined;
    if (!isMap(remote) || typeof remote.get('url') !== 'string') throw new StepFailure("checkout: GitSCM needs userRemoteConfigs: [[url: '...']]");
    const branches = scm.get('branches');
    const b = isList(branches) ? branches[0] : undefined;
    const cred = remote.get('credentialsId');
    return { url: String(remote.get('url')), branch: isMap(b) && b.get('name') ? String(b.get('name')) : 'master', credentialsId: typeof cred === 'string' ? cred : null };
  }
  if (isHostObject(scm)) {
    return (async () => {
      const url = await scm.getProperty('url', ctx.dyn, ctx.loc);
      if (typeof url !== 'string' || url === '') {
        throw new StepFailure("checkout scm: this build has no repository to check out ('scm' is only defined for jobs whose Jenkinsfile comes from SCM)");
      }
      const branch = await scm.getProperty('branch', ctx.dyn, ctx.loc);
      const cred = await scm.getProperty('credentialsId', ctx.dyn, ctx.loc);
      return { url, branch: typeof branch === 'string' ? branch : 'master', credentialsId: typeof cred === 'string' ? cred : null };
    })();
  }
  throw new StepFailure(`checkout: expected scm or [$class: 'GitSCM', ...], got ${String(scm)}`);
}

export const run: StepRun = async (ctx, args) => {
  const spec = await scmSpec(args.values.scm ?? null, ctx);
  return publishGitResult(ctx, await gitCheckout(ctx, spec));
};
