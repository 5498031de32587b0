// readFile: read a file of the workspace and return its text.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr, str } from './args.ts';
import { decode } from './files.ts';

export const run: StepRun = async (ctx, args) => {
  const rel = reqStr(args, 'file', 'readFile');
  const ws = ctx.workspace();
  const path = ctx.resolvePath(rel);
  const st = await ws.stat(path);
  if (!st) throw new StepFailure(`readFile: ${rel} does not exist (in ${ctx.cwd ?? ws.root})`);
  if (st.type === 'dir') throw new StepFailure(`readFile: ${rel} is a directory`);
  return decode(await ws.readFile(path), str(args, 'encoding'), 'readFile');
};
