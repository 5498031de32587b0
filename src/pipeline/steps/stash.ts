import { defineStep } from './types.ts';
import { StepFailure, throwIfAborted } from '../../core/errors.ts';
import { bool, reqStr, str } from './args.ts';
import { collectFiles, collectSources } from './collect.ts';

export default defineStep({
  name: 'stash',
  doc: "Save files for a later stage or another node: stash name: 'app', includes: 'target/**'.",
  params: [
    { name: 'name', type: 'string', required: true, doc: 'name to unstash it by' },
    { name: 'includes', type: 'string', doc: 'Ant patterns (default: everything)' },
    { name: 'excludes', type: 'string', doc: 'Ant patterns to leave out' },
    { name: 'useDefaultExcludes', type: 'boolean', doc: "apply Ant's default excludes (default true)" },
    { name: 'allowEmpty', type: 'boolean', doc: 'allow a stash with no files' },
  ],
  positional: 'name',
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
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
  },
});
