// unstash: restore files saved by stash into the current directory.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import path from 'node:path/posix';
import type { StepRun } from '../plugin.ts';
import { reqStr } from './args.ts';
import { relPathProblem } from './files.ts';
import { abortable, writeChunks } from '../../util/files-stream.ts';
import { StepFailure, interruptionOf, throwIfAborted } from '../../core/errors.ts';

export const run: StepRun = async (ctx, args) => {
  const name = reqStr(args, 'name', 'unstash');
  const getFiles = ctx.build.services.stashes.getFiles;
  if (getFiles) {
    // Streamed: each file goes to the workspace in chunks as it is read (any size, bounded memory).
    const sources = await getFiles(name);
    if (!sources) throw new StepFailure(`No such saved stash '${name}'`);
    const ws = ctx.workspace();
    const base = ctx.cwd ?? ws.root;
    for (const f of sources) {
      const problem = relPathProblem(f.path);
      if (problem) throw new StepFailure(`unstash '${name}': refusing ${JSON.stringify(f.path).slice(0, 300)}: ${problem}`);
    }
    for (const f of sources) {
      // Aborting the build stops the transfer (the agent removes the half-written file).
      const reader = abortable(await f.open(), ctx.signal, () => interruptionOf(ctx.signal));
      try {
        await writeChunks(ws, path.join(base, f.path), reader.chunks(), f.mode);
      } catch (err) {
        throwIfAborted(ctx.signal);
        throw new StepFailure(`unstash '${name}': cannot restore ${f.path}: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        await reader.close();
      }
    }
    ctx.log(`Unstashed ${sources.length} file(s) from '${name}'`);
    return null;
  }
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
};
