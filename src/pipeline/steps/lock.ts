// lock: runs its block holding lockable resources (Lockable Resources plugin), so that builds
// (or parallel branches) using the same resource take turns. A request is a resource by name
// (made when first locked, as Jenkins' ephemeral resources), or `quantity` of the resources
// configured on the controller with a `label` (0 or absent: all of them), plus `extra` entries of
// either kind; all of it is taken at once or waited for (engine/locks.ts: in order, first come
// first served). `variable` receives the names taken, comma-separated, and VAR0, VAR1... each.
// The console says what the plugin says: "Trying to acquire lock on [...]", why it waits, "Lock
// acquired on [...]", "Lock released on resource [...]", with the plugin's descriptions
// ("db", "Label: printers, Quantity: 2", "{db},{Label: printers}").
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, list, str } from './args.ts';
import { isMap } from '../script/values.ts';
import type { LockRequest } from './types.ts';

interface Part { resource: string | null; label: string | null; quantity: number }

/** LockStepResource.toString: a label wins, with its quantity when one is given. */
function describe(p: Part): string {
  if (p.label !== null) return p.quantity > 0 ? `Label: ${p.label}, Quantity: ${p.quantity}` : `Label: ${p.label}`;
  return p.resource ?? '';
}

function part(resource: unknown, label: unknown, quantity: unknown, where: string): Part {
  const r = resource === undefined || resource === null || resource === '' ? null : String(resource);
  const l = label === undefined || label === null || label === '' ? null : String(label);
  if (r !== null && l !== null) throw new StepFailure(`lock${where}: Label and resource name cannot be specified simultaneously.`);
  if (r === null && l === null) throw new StepFailure(`lock${where}: Either resource label or resource name must be specified (lock('name'), lock(label: 'x', quantity: 1))`);
  if (r !== null && r.trim() === '') throw new StepFailure(`lock${where}: the resource name is empty`);
  let q = 0;
  if (quantity !== undefined && quantity !== null) {
    q = typeof quantity === 'number' ? quantity : Number(String(quantity));
    if (!Number.isInteger(q) || q < 0) throw new StepFailure(`lock${where}: quantity must be a whole number, 0 or more (0: all the label's resources), got ${String(quantity)}`);
  }
  return { resource: r, label: l, quantity: q };
}

export const run: StepRun = async (ctx, args) => {
  const parts: Part[] = [];
  const extra = list(args, 'extra') ?? [];
  const mainGiven = str(args, 'resource') !== undefined || str(args, 'label') !== undefined;
  if (mainGiven || extra.length === 0) parts.push(part(str(args, 'resource'), str(args, 'label'), args.values['quantity'], ''));
  extra.forEach((e, i) => {
    if (!isMap(e)) throw new StepFailure(`lock: extra takes maps such as [resource: 'b'] or [label: 'x', quantity: 1], got ${String(e)}`);
    parts.push(part(e.get('resource'), e.get('label'), e.get('quantity'), ` (extra[${i}])`));
  });
  const strategy = (str(args, 'resourceSelectStrategy') ?? 'SEQUENTIAL').toUpperCase();
  if (strategy !== 'SEQUENTIAL' && strategy !== 'RANDOM') throw new StepFailure(`lock: resourceSelectStrategy '${strategy}' is not sequential or random`);
  const shown = extra.length > 0 ? parts.map((p) => `{${describe(p)}}`).join(',') : describe(parts[0]!);
  const req: LockRequest = {
    names: parts.flatMap((p) => (p.resource !== null ? [p.resource] : [])),
    labels: parts.flatMap((p) => (p.label !== null ? [{ label: p.label, quantity: p.quantity }] : [])),
    random: strategy === 'RANDOM',
  };
  const owner = `${ctx.build.jobName} #${ctx.build.number}`;
  const locks = ctx.build.services.locks;
  const skip = bool(args, 'skipIfLocked', false);
  ctx.log(`Trying to acquire lock on [${shown}]`);
  for (const n of req.names) if (!(await locks.exists(n))) ctx.log(`Resource [${n}] did not exist. Created.`);
  const grant = await locks.lock(req, owner, ctx.signal, {
    newestFirst: bool(args, 'inversePrecedence', false),
    skipIfLocked: skip,
    onBlocked: (lines) => {
      for (const l of lines) ctx.log(l);
      ctx.log(`[${shown}] is not free, ${skip ? 'skipping' : 'waiting for'} execution ...`);
    },
  });
  if (!grant) return null;
  ctx.log(`Lock acquired on [${shown}]`);
  try {
    const variable = str(args, 'variable');
    const env: Record<string, string> = {};
    if (variable) {
      env[variable] = grant.names.join(',');
      grant.names.forEach((r, i) => { env[`${variable}${i}`] = r; });
    }
    return args.body ? await ctx.runBody(args.body, variable ? { env } : {}) : null;
  } finally {
    grant.release();
    ctx.log(`Lock released on resource [${shown}]`);
  }
};
