// sh: runs a shell script on the node (or in the current container), like Jenkins: `/bin/sh -xe`
// (each command echoed with '+', stop at the first failing command) unless the script starts
// with its own #! line, in which case it is written to a file and run by that interpreter. In a
// container whose block names a shell (CONTAINER_SHELL, set by the kubernetes plugin's
// container(name, shell: ...)), that shell instead of /bin/sh.
// Output streams to the console as it comes, byte for byte.
import type { StepRun } from '../plugin.ts';
import { CONTAINER_SHELL, runScriptStep, scriptFile } from './shell.ts';

export const run: StepRun = async (ctx, args) => {
  const returnStdout = args.values.returnStdout === true;
  // Like Jenkins (2>&1), stderr goes into the same pipe as stdout, so the `+ cmd` trace and
  // the command's output keep their order wherever the step runs; not with returnStdout,
  // which captures stdout alone. For plain scripts the redirection is done by the same shell
  // before tracing starts, on the script's first line (so error line numbers stay right).
  // In a container, the shell container(name, shell: ...) names (the kubernetes plugin's).
  const shell = ctx.container && ctx.env[CONTAINER_SHELL] ? ctx.env[CONTAINER_SHELL] : '/bin/sh';
  return runScriptStep(ctx, args, 'sh', async (script) => {
    if (script.startsWith('#!')) {
      const file = await scriptFile(ctx, script, '.sh', 0o755);
      return returnStdout ? [file] : [shell, '-c', 'exec "$0" 2>&1', file];
    }
    return returnStdout ? [shell, '-xe', '-c', script] : [shell, '-e', '-c', `exec 2>&1; set -x; ${script}`];
  });
};
