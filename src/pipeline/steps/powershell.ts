// powershell and pwsh: PowerShell scripts. `powershell` is Windows PowerShell on Windows and
// PowerShell 7 (`pwsh`) elsewhere; `pwsh` is always PowerShell 7. Errors stop the script
// ($ErrorActionPreference = 'Stop'), as Jenkins' step does.
import type { StepRun } from '../plugin.ts';
import { runScriptStep, scriptFile } from './shell.ts';

function psStep(name: 'powershell' | 'pwsh'): StepRun {
  return async (ctx, args) => {
    const exe = name === 'powershell' && !ctx.workspace().isUnix ? 'powershell.exe' : 'pwsh';
    return runScriptStep(ctx, args, name, async (script) => {
      const file = await scriptFile(ctx, `$ErrorActionPreference = 'Stop'\n${script}\nexit $LASTEXITCODE`, '.ps1');
      return [exe, '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', file];
    });
  };
}

export const powershell = psStep('powershell');
export const pwsh = psStep('pwsh');
