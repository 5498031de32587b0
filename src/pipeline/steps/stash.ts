// stash: save files for a later stage or another node: stash name: 'app', includes: 'target/**'.
// The implementation of the core plugin's step declared in index.ts (loaded through runtime.ts).
import type { StepRun } from '../plugin.ts';
import { StepFailure, throwIfAborted } from '../../core/errors.ts';
import { bool, reqStr, str } from './args.ts';
import { collectFiles, collectSources } from './collect.ts';

export const run: StepRun = async (ctx, args) => {
  const name = reqStr(args, 'name', 'stash');
  const putFiles = ctx.build.services.stashes.putFiles;
  if (putFiles) {
    // Streamed: each file is read in chunks as the stash keeps it (any size, bounded memory).
    const sources = await collectSources(ctx, str(args, 'includes') ?? '**', str(args, 'excludes'), {
      defaultExcludes: bool(args, 'useDefaultExcludes', true), step: 'stash',
    });
    if (sources.length === 0 && !bool(args, 'allowEmpty', false)) throw new StepFailure(`stash '${name}': no files included`);
    try {
      await putFiles(name, sources);
    } catch (err) {
      throwIfAborted(ctx.signal);
      if (err instanceof StepFailure) throw err;
      throw new StepFailure(`stash '${name}': ${err instanceof Error ? err.message : String(err)}`);
    }
    ctx.log(`Stashed ${sources.length} file(s) as '${name}'`);
    return null;
  }
  const files = await collectFiles(ctx, str(args, 'includes') ?? '**', str(args, 'excludes'), {
    defaultExcludes: bool(args, 'useDefaultExcludes', true), step: 'stash',
  });
  if (files.length === 0 && !bool(args, 'allowEmpty', false)) throw new StepFailure(`stash '${name}': no files included`);
  await ctx.build.services.stashes.put(name, files);
  ctx.log(`Stashed ${files.length} file(s) as '${name}'`);
  return null;
};
