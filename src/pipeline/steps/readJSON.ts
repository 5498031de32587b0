// readJSON: parse JSON from a file or a string into maps and lists: readJSON file: 'package.json'.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { str } from './args.ts';
import { fromJson } from '../script/values.ts';
import { MAX_JSON_CHARS, checkText, readLimited } from './parse-limits.ts';

const HINT = 'extract the part you need with a tool in sh (jq) instead';

export const run: StepRun = async (ctx, args) => {
  const file = str(args, 'file');
  const text = str(args, 'text');
  if ((file === undefined) === (text === undefined)) throw new StepFailure('readJSON: give exactly one of file or text');
  const source = file !== undefined ? await readLimited(ctx, 'readJSON', file, MAX_JSON_CHARS, HINT) : checkText('readJSON', text ?? '', MAX_JSON_CHARS, HINT);
  try {
    return fromJson(JSON.parse(source));
  } catch (err) {
    if (err instanceof RangeError) throw new StepFailure(`readJSON: ${file ?? 'text'} is nested too deeply to convert (${err.message}); ${HINT}`);
    throw new StepFailure(`readJSON: ${file ?? 'text'} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
};
