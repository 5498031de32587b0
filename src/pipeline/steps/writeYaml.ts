// writeYaml: write data as YAML: writeYaml file: 'values.yaml', data: [image: tag].
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, list, str } from './args.ts';
import { toJson } from '../script/values.ts';
import { stringify } from 'yaml';

export const run: StepRun = async (ctx, args) => {
  const datas = list(args, 'datas');
  if ((args.values.data === undefined) === (datas === undefined)) throw new StepFailure('writeYaml: give exactly one of data or datas');
  const docs = datas ?? [args.values.data ?? null];
  const text = docs.map((d) => stringify(toJson(d))).join('---\n');
  if (bool(args, 'returnText', false)) return text;
  const file = str(args, 'file');
  if (file === undefined) throw new StepFailure('writeYaml: give file, or returnText: true');
  const ws = ctx.workspace();
  const path = ctx.resolvePath(file);
  if (!bool(args, 'overwrite', false) && (await ws.stat(path))) throw new StepFailure(`writeYaml: ${file} exists (overwrite: true to replace it)`);
  await ws.writeFile(path, text);
  return null;
};
