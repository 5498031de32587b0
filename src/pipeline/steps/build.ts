// build: trigger another job: build job: 'deploy', parameters: [string(name: 'V', value: '1')].
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, list, reqStr } from './args.ts';
import { isMap, type GMap, type Value } from '../script/values.ts';

export const run: StepRun = async (ctx, args) => {
  const job = reqStr(args, 'job', 'build');
  const params: Record<string, Value> = {};
  for (const p of list(args, 'parameters') ?? []) {
    if (!isMap(p) || p.get('name') === undefined) throw new StepFailure(`build: each parameter must be like string(name: 'X', value: 'y')`);
    params[String(p.get('name'))] = p.get('value') ?? p.get('defaultValue') ?? null;
  }
  const wait = bool(args, 'wait', true);
  const r = await ctx.build.services.triggerJob(job, params, wait, ctx.signal);
  ctx.log(`Scheduling project: ${job} (#${r.number})`);
  if (!wait) return null;
  ctx.log(`Build ${job} #${r.number} completed: ${r.result ?? 'unknown'}`);
  if (bool(args, 'propagate', true) && r.result !== 'SUCCESS') {
    throw new StepFailure(`${job} #${r.number} completed with status ${r.result ?? 'unknown'} (propagate: false to ignore)`, { result: r.result === 'UNSTABLE' ? 'UNSTABLE' : 'FAILURE' });
  }
  const m: GMap = new Map<string, Value>([['number', r.number], ['result', r.result], ['currentResult', r.result]]);
  return m;
};
