// lock: runs its block holding a named resource (Lockable Resources plugin), so that builds
// (or parallel branches) using the same resource take turns.
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, str } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  const resource = str(args, 'resource');
  if (!resource) throw new StepFailure('lock: the resource name is empty');
  const owner = `${ctx.build.jobName} #${ctx.build.number}`;
  const locks = ctx.build.services.locks;
  let release: (() => void) | null;
  if (bool(args, 'skipIfLocked', false)) {
    release = locks.tryAcquire(resource, owner);
    if (!release) {
      ctx.log(`[${resource}] is locked by ${locks.holder(resource) ?? 'another build'}, skipping execution...`);
      return null;
    }
  } else {
    const holder = locks.holder(resource);
    if (holder) ctx.log(`[${resource}] is locked by ${holder}, waiting...`);
    release = await locks.acquire(resource, owner, ctx.signal, { newestFirst: bool(args, 'inversePrecedence', false) });
  }
  ctx.log(`Lock acquired on [${resource}]`);
  try {
    const variable = str(args, 'variable');
    return args.body ? await ctx.runBody(args.body, variable ? { env: { [variable]: resource } } : {}) : null;
  } finally {
    release();
    ctx.log(`Lock released on resource [${resource}]`);
  }
};
