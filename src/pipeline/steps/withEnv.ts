// withEnv: run the block with environment variables set: withEnv(['A=1', 'B=2']) { ... }; 'A=' unsets A.
// 'PATH+NAME=dir' puts dir in front of PATH, and in front of a container's own PATH (PATH_PREPEND_ENV).
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { list } from './args.ts';
import { PATH_PREPEND_ENV } from '../../core/workspace.ts';
import { expandOverrides } from '../engine/env.ts';

export const run: StepRun = async (ctx, args) => {
  const env: Record<string, string | null> = {};
  const pairs: [string, string][] = [];
  for (const item of list(args, 'overrides') ?? []) {
    const s = String(item);
    const eq = s.indexOf('=');
    if (eq <= 0) throw new StepFailure(`withEnv: '${s}' is not NAME=value`);
    pairs.push([s.slice(0, eq), s.slice(eq + 1)]);
  }
  // As Jenkins' EnvStep (EnvVars.overrideExpandingAll): withEnv(['PATH+M=${M2_HOME}/bin']) expands ${M2_HOME}.
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(ctx.env)) if (typeof v === 'string') base[k] = v;
  for (const [name, value] of expandOverrides(base, pairs)) {
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
