// bat: a Windows batch script (cmd.exe /c), for Windows agents. On a Unix node it fails with
// the reason, which keeps `if (isUnix()) { sh ... } else { bat ... }` Jenkinsfiles valid.
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { runScriptStep, scriptFile } from './shell.ts';

export const run: StepRun = async (ctx, args) => {
  const ws = ctx.workspace();
  if (ws.isUnix) throw new StepFailure(`bat runs Windows batch scripts, but node '${ws.nodeName}' is not Windows; use sh here (or isUnix() to choose)`);
  return runScriptStep(ctx, args, 'bat', async (script) => ['cmd.exe', '/c', 'call', await scriptFile(ctx, `@echo off\r\n${script}`, '.bat')]);
};
