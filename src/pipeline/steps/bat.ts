// bat: a Windows batch script (cmd.exe /c), for Windows agents. On a Unix node it fails with
// the reason, which keeps `if (isUnix()) { sh ... } else { bat ... }` Jenkinsfiles valid.
import { defineStep } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { SCRIPT_PARAMS, runScriptStep, scriptFile } from './shell.ts';

export default defineStep({
  name: 'bat',
  doc: 'Run a Windows batch script (cmd.exe) on a Windows node.',
  params: SCRIPT_PARAMS,
  positional: 'script',
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
    const ws = ctx.workspace();
    if (ws.isUnix) throw new StepFailure(`bat runs Windows batch scripts, but node '${ws.nodeName}' is not Windows; use sh here (or isUnix() to choose)`);
    return runScriptStep(ctx, args, 'bat', async (script) => ['cmd.exe', '/c', 'call', await scriptFile(ctx, `@echo off\r\n${script}`, '.bat')]);
  },
});
