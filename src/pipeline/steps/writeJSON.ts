import { defineStep } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { bool, num, str } from './args.ts';
import { toJson } from '../script/values.ts';

export default defineStep({
  name: 'writeJSON',
  doc: "Write maps and lists as JSON: writeJSON file: 'out.json', json: data, pretty: 2.",
  params: [
    { name: 'json', type: 'any', required: true, doc: 'the data' },
    { name: 'file', type: 'string', doc: 'where to write it (unless returnText)' },
    { name: 'pretty', type: 'integer', doc: 'indent by this many spaces' },
    { name: 'returnText', type: 'boolean', doc: 'return the JSON text instead of writing a file' },
  ],
  block: 'none',
  needsNode: false,
  async run(ctx, args) {
    const pretty = num(args, 'pretty') ?? 0;
    const text = JSON.stringify(toJson(args.values.json ?? null), null, pretty > 0 ? pretty : undefined);
    if (bool(args, 'returnText', false)) return text;
    const file = str(args, 'file');
    if (file === undefined) throw new StepFailure('writeJSON: give file, or returnText: true');
    await ctx.workspace().writeFile(ctx.resolvePath(file), text);
    return null;
  },
});
