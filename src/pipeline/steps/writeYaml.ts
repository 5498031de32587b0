import { defineStep } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, list, str } from './args.ts';
import { toJson } from '../script/values.ts';
import { stringify } from 'yaml';

export default defineStep({
  name: 'writeYaml',
  doc: "Write data as YAML: writeYaml file: 'values.yaml', data: [image: tag].",
  params: [
    { name: 'data', type: 'any', doc: 'the data (one document)' },
    { name: 'datas', type: 'list', doc: 'several documents' },
    { name: 'file', type: 'string', doc: 'where to write (unless returnText)' },
    { name: 'overwrite', type: 'boolean', doc: 'replace an existing file (default false: fail)' },
    { name: 'returnText', type: 'boolean', doc: 'return the YAML instead of writing a file' },
    { name: 'charset', type: 'string', doc: 'accepted for compatibility; files are written in UTF-8' },
  ],
  block: 'none',
  needsNode: false,
  async run(ctx, args) {
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
  },
});
