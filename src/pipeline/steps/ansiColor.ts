// ansiColor: the AnsiColor plugin's block step, `ansiColor('xterm') { ... }`. Kiln's console
// keeps the escape sequences a process prints and the browser renders them, so the block only
// runs its body.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';

export const run: StepRun = async (ctx, args) => {
  return args.body ? ctx.runBody(args.body) : null;
};
