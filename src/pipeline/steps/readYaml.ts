// readYaml: parse YAML from a file or a string; several documents give a list.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { str } from './args.ts';
import { fromJson } from '../script/values.ts';
import { parseAllDocuments } from 'yaml';
import { MAX_YAML_ALIASES, MAX_YAML_CHARS, checkText, readLimited } from './parse-limits.ts';

const HINT = 'extract the part you need with a tool in sh (yq) instead';

export const run: StepRun = async (ctx, args) => {
  const file = str(args, 'file');
  const text = str(args, 'text');
  if (file === undefined && text === undefined) throw new StepFailure('readYaml: give file or text');
  let source = '';
  if (file !== undefined) source += await readLimited(ctx, 'readYaml', file, MAX_YAML_CHARS, HINT);
  if (text !== undefined) source += (source ? '\n' : '') + text;
  checkText('readYaml', source, MAX_YAML_CHARS, HINT);
  const docs = parseAllDocuments(source);
  const list = Array.isArray(docs) ? docs : [docs];
  const values = [];
  for (const d of list) {
    const e = d.errors[0];
    if (e) {
      const where = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
      throw new StepFailure(`readYaml: ${file ?? 'text'} is not valid YAML${where}: ${e.message.split('\n')[0] ?? ''}`);
    }
    let js: unknown;
    try {
      js = d.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      // an alias bomb (billion laughs): each alias expands to copies of copies
      throw new StepFailure(`readYaml: ${file ?? 'text'}: ${err instanceof Error ? err.message : String(err)} (Kiln allows ${MAX_YAML_ALIASES} aliases per collection, as Jenkins' readYaml does)`);
    }
    values.push(fromJson(js as Parameters<typeof fromJson>[0]));
  }
  return values.length === 1 ? values[0] ?? null : values;
};
