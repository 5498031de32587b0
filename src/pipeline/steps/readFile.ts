import { defineStep } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr, str } from './args.ts';
import { decode } from './files.ts';

export default defineStep({
  name: 'readFile',
  doc: 'Read a file of the workspace and return its text.',
  params: [
    { name: 'file', type: 'string', required: true, doc: 'path, relative to the current directory' },
    { name: 'encoding', type: 'string', doc: 'UTF-8 (default), ISO-8859-1, Base64 (returns base64 of the bytes), ...' },
  ],
  positional: 'file',
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
    const rel = reqStr(args, 'file', 'readFile');
    const ws = ctx.workspace();
    const path = ctx.resolvePath(rel);
    const st = await ws.stat(path);
    if (!st) throw new StepFailure(`readFile: ${rel} does not exist (in ${ctx.cwd ?? ws.root})`);
    if (st.type === 'dir') throw new StepFailure(`readFile: ${rel} is a directory`);
    return decode(await ws.readFile(path), str(args, 'encoding'), 'readFile');
  },
});
