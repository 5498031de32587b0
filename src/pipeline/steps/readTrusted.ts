// readTrusted 'path' (Pipeline: Multibranch's ReadTrustedStep): the text of a file of the job's
// repository at the revision the build trusts, read by the host (BuildServices.readTrusted: the
// controller clones the job's git repository; `kiln run` reads the project directory). Where the
// Jenkinsfile comes from no repository the step fails in Jenkins' words. A path that is absolute
// or has a '..' segment is refused here, before the host reads anything; the host refuses a
// symbolic link that leads out of the checkout.
// The implementation of the core plugin's step declared in job-properties.ts.
import { StepFailure } from '../../core/errors.ts';
import type { StepRun } from '../plugin.ts';

/** Jenkins' AbortException when the job has no SCM (a Multibranch Pipeline's or a Pipeline script from SCM's). */
export const NOT_FROM_SCM = '\u2018readTrusted\u2019 is only available when using \u201cMultibranch Pipeline\u201d or \u201cPipeline script from SCM\u201d';

/** Why `rel` cannot name a file inside a repository, or null. */
export function trustedPathProblem(rel: string): string | null {
  if (rel === '' || rel.includes('\0')) return 'an empty path';
  if (rel.startsWith('/') || rel.startsWith('\\') || /^[A-Za-z]:/.test(rel)) return 'an absolute path';
  if (rel.split(/[\\/]/).includes('..')) return "a path with a '..' segment";
  return null;
}

export const run: StepRun = async (ctx, args) => {
  const rel = args.values.path === undefined || args.values.path === null ? '' : String(args.values.path);
  const problem = trustedPathProblem(rel);
  if (problem) throw new StepFailure(`readTrusted: '${rel}' is not inside the repository (${problem}): give a path relative to the repository's root`);
  const read = ctx.build.services.readTrusted;
  if (!read) throw new StepFailure(NOT_FROM_SCM);
  return read(rel, ctx.signal, (line) => ctx.log(line));
};
