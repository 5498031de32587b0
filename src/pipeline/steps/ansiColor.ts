// ansiColor: the AnsiColor plugin's block step, ansiColor('xterm') { ... }. Kiln's console keeps
// ANSI colour codes as written and the UI renders them, so the step only runs its body.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';

export const run: StepRun = async (ctx, args) => {
  return args.body ? ctx.runBody(args.body, {}) : null;
};
