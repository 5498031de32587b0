import path from 'node:path/posix';
import { defineStep } from './types.ts';
import { StepFailure } from './errors.ts';
import { reqStr } from './args.ts';
import { relPathProblem } from './files.ts';

export default defineStep({
  name: 'unstash',
  doc: 'Restore files saved by stash into the current directory.',
  params: [{ name: 'name', type: 'string', required: true, doc: 'the stash' }],
  positional: 'name',
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
    const name = reqStr(args, 'name', 'unstash');
    const files = await ctx.build.services.stashes.get(name);
    if (!files) throw new StepFailure(`No such saved stash '${name}'`);
    const ws = ctx.workspace();
    const base = ctx.cwd ?? ws.root;
    // A stash holds plain relative paths (stash and the stores check them); a '../' entry
    // would write outside the directory, so the whole stash is refused before any write.
    for (const f of files) {
      const problem = relPathProblem(f.path);
      if (problem) throw new StepFailure(`unstash '${name}': refusing ${JSON.stringify(f.path).slice(0, 300)}: ${problem}`);
    }
    for (const f of files) await ws.writeFile(path.join(base, f.path), f.data, f.mode);
    ctx.log(`Unstashed ${files.length} file(s) from '${name}'`);
    return null;
  },
});
