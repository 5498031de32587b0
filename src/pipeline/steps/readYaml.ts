import { defineStep } from './types.ts';
import { StepFailure } from './errors.ts';
import { str } from './args.ts';
import { fromJson } from '../script/values.ts';
import { parseAllDocuments } from 'yaml';

export default defineStep({
  name: 'readYaml',
  doc: 'Parse YAML from a file or a string; several documents give a list.',
  params: [
    { name: 'file', type: 'string', doc: 'a file of the workspace' },
    { name: 'text', type: 'string', doc: 'the YAML itself (appended after the file when both are given)' },
  ],
  block: 'none',
  needsNode: false,
  async run(ctx, args) {
    const file = str(args, 'file');
    const text = str(args, 'text');
    if (file === undefined && text === undefined) throw new StepFailure('readYaml: give file or text');
    let source = '';
    if (file !== undefined) source += (await ctx.workspace().readFile(ctx.resolvePath(file))).toString('utf8');
    if (text !== undefined) source += (source ? '\n' : '') + text;
    const docs = parseAllDocuments(source);
    const list = Array.isArray(docs) ? docs : [docs];
    const values = [];
    for (const d of list) {
      const e = d.errors[0];
      if (e) {
        const where = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
        throw new StepFailure(`readYaml: ${file ?? 'text'} is not valid YAML${where}: ${e.message.split('\n')[0] ?? ''}`);
      }
      values.push(fromJson(d.toJS()));
    }
    return values.length === 1 ? values[0] ?? null : values;
  },
});
