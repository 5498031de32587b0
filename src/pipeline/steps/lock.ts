// lock: runs its block holding named resources (Lockable Resources plugin), so that builds
// (or parallel branches) using the same resource take turns. `resource` and the `extra`
// resources ([[resource: 'b'], ...]) are all held, or none: they are taken in name order, so
// two builds locking the same set never hold one each and wait for the other. Resources are
// made when first locked, as Jenkins' ephemeral resources. Kiln has no resources configured
// with labels, so `label:` (and `quantity`, `resourceSelectStrategy`, which only choose among
// a label's resources) fail with that reason instead of locking nothing.
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, list, str } from './args.ts';
import { isMap } from '../script/values.ts';

export const run: StepRun = async (ctx, args) => {
  const names: string[] = [];
  const label = str(args, 'label');
  const noLabels = (l: string) => new StepFailure(`lock: label '${l}': Kiln has no lockable resources with labels; lock resources by name: lock(resource: 'a', extra: [[resource: 'b']])`);
  if (label !== undefined) throw noLabels(label);
  const resource = str(args, 'resource');
  if (resource !== undefined) names.push(resource);
  for (const e of list(args, 'extra') ?? []) {
    if (!isMap(e)) throw new StepFailure(`lock: extra takes maps such as [resource: 'b'], got ${String(e)}`);
    const l = e.get('label');
    if (l !== undefined && l !== null) throw noLabels(String(l));
    const r = e.get('resource');
    if (r === undefined || r === null) throw new StepFailure('lock: an extra entry names no resource ([resource: \'b\'])');
    names.push(String(r));
  }
  if (names.length === 0) throw new StepFailure('lock: name a resource: lock(\'name\') or lock(resource: \'name\')');
  if (names.some((n) => n.trim() === '')) throw new StepFailure('lock: the resource name is empty');
  const resources = [...new Set(names)].sort();
  const shown = `[${resources.join(', ')}]`;
  const owner = `${ctx.build.jobName} #${ctx.build.number}`;
  const locks = ctx.build.services.locks;
  const releases: (() => void)[] = [];
  const releaseAll = () => { for (const r of releases.splice(0).reverse()) r(); };
  try {
    if (bool(args, 'skipIfLocked', false)) {
      for (const r of resources) {
        const rel = locks.tryAcquire(r, owner);
        if (!rel) {
          releaseAll();
          ctx.log(`[${r}] is locked by ${locks.holder(r) ?? 'another build'}, skipping execution...`);
          return null;
        }
        releases.push(rel);
      }
    } else {
      for (const r of resources) {
        const holder = locks.holder(r);
        if (holder) ctx.log(`[${r}] is locked by ${holder}, waiting...`);
        releases.push(await locks.acquire(r, owner, ctx.signal, { newestFirst: bool(args, 'inversePrecedence', false) }));
      }
    }
  } catch (err) {
    releaseAll();
    throw err;
  }
  ctx.log(`Lock acquired on ${shown}`);
  try {
    const variable = str(args, 'variable');
    const env: Record<string, string> = {};
    if (variable) {
      env[variable] = resources.join(',');
      resources.forEach((r, i) => { env[`${variable}${i}`] = r; });
    }
    return args.body ? await ctx.runBody(args.body, variable ? { env } : {}) : null;
  } finally {
    releaseAll();
    ctx.log(`Lock released on resource ${shown}`);
  }
};
