// withEnv: run the block with environment variables set: withEnv(['A=1', 'B=2']) { ... }; 'A=' unsets A.
// 'PATH+NAME=dir' puts dir in front of PATH, and in front of a container's own PATH (PATH_PREPEND_ENV).
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { list } from './args.ts';
import { PATH_PREPEND_ENV } from '../../core/workspace.ts';

export const run: StepRun = async (ctx, args) => {
  const env: Record<string, string | null> = {};
  for (const item of list(args, 'overrides') ?? []) {
    const s = String(item);
    const eq = s.indexOf('=');
    if (eq <= 0) throw new StepFailure(`withEnv: '${s}' is not NAME=value`);
    const name = s.slice(0, eq);
    const value = s.slice(eq + 1);
    const plus = name.indexOf('+');
    if (plus > 0) {
      // PATH+MAVEN=/opt/maven/bin prepends to PATH, as in Jenkins.
      const base = name.slice(0, plus);
      const current = env[base] ?? ctx.env[base];
      env[base] = current ? `${value}:${current}` : value;
      if (base === 'PATH') {
        // In a container, which keeps its own PATH, these go in front of it (PATH_PREPEND_ENV).
        const before = env[PATH_PREPEND_ENV] ?? ctx.env[PATH_PREPEND_ENV];
        env[PATH_PREPEND_ENV] = before ? `${value}:${before}` : value;
      }
    } else {
      env[name] = value === '' ? null : value;
    }
  }
  return args.body ? ctx.runBody(args.body, { env }) : null;
};
