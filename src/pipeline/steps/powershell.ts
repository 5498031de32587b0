// powershell and pwsh: PowerShell scripts. `powershell` is Windows PowerShell on Windows and
// PowerShell 7 (`pwsh`) elsewhere; `pwsh` is always PowerShell 7. Errors stop the script
// ($ErrorActionPreference = 'Stop'), as Jenkins' step does.
import { defineStep, type Step } from './types.ts';
import { SCRIPT_PARAMS, runScriptStep, scriptFile } from './shell.ts';

function psStep(name: 'powershell' | 'pwsh'): Step {
  return defineStep({
    name,
    doc: name === 'pwsh' ? 'Run a PowerShell 7 script (pwsh).' : 'Run a PowerShell script (powershell.exe on Windows, pwsh elsewhere).',
    params: SCRIPT_PARAMS,
    positional: 'script',
    block: 'none',
    needsNode: true,
    async run(ctx, args) {
      const exe = name === 'powershell' && !ctx.workspace().isUnix ? 'powershell.exe' : 'pwsh';
      return runScriptStep(ctx, args, name, async (script) => {
        const file = await scriptFile(ctx, `$ErrorActionPreference = 'Stop'\n${script}\nexit $LASTEXITCODE`, '.ps1');
        return [exe, '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', file];
      });
    },
  });
}

export const powershell = psStep('powershell');
export const pwsh = psStep('pwsh');
