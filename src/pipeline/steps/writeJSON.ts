// writeJSON: write maps and lists as JSON: writeJSON file: 'out.json', json: data, pretty: 2.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, num, str } from './args.ts';
import { toJson } from '../script/values.ts';

export const run: StepRun = async (ctx, args) => {
  const pretty = num(args, 'pretty') ?? 0;
  const text = JSON.stringify(toJson(args.values.json ?? null), null, pretty > 0 ? pretty : undefined);
  if (bool(args, 'returnText', false)) return text;
  const file = str(args, 'file');
  if (file === undefined) throw new StepFailure('writeJSON: give file, or returnText: true');
  await ctx.workspace().writeFile(ctx.resolvePath(file), text);
  return null;
};
