// cleanWs: empties the workspace (Workspace Cleanup plugin), or only files matching patterns.
import path from 'node:path/posix';
import { defineStep } from './types.ts';
import { bool, list } from './args.ts';
import { isMap } from '../script/values.ts';
import { StepFailure } from '../../core/errors.ts';

export default defineStep({
  name: 'cleanWs',
  doc: "Delete the workspace's contents (or files matching patterns: [[pattern: 'build/**', type: 'INCLUDE']]).",
  params: [
    { name: 'patterns', type: 'list', doc: "[[pattern: '...', type: 'INCLUDE' | 'EXCLUDE'], ...]" },
    { name: 'notFailBuild', type: 'boolean', doc: 'do not fail the build when deleting fails' },
    { name: 'disableDeferredWipeout', type: 'boolean', doc: 'accepted for compatibility (deletion is always immediate)' },
    { name: 'cleanWhenAborted', type: 'boolean', doc: 'clean when the build was aborted (default true)' },
    { name: 'cleanWhenFailure', type: 'boolean', doc: 'clean when the build failed (default true)' },
    { name: 'cleanWhenNotBuilt', type: 'boolean', doc: 'clean when the build was not built (default true)' },
    { name: 'cleanWhenSuccess', type: 'boolean', doc: 'clean when the build succeeded (default true)' },
    { name: 'cleanWhenUnstable', type: 'boolean', doc: 'clean when the build is unstable (default true)' },
  ],
  block: 'none',
  needsNode: true,
  async run(ctx, args) {
    const r = ctx.build.result;
    const when = { ABORTED: 'cleanWhenAborted', FAILURE: 'cleanWhenFailure', NOT_BUILT: 'cleanWhenNotBuilt', SUCCESS: 'cleanWhenSuccess', UNSTABLE: 'cleanWhenUnstable' }[r];
    if (!bool(args, when, true)) return null;
    const ws = ctx.workspace();
    ctx.log('[WS-CLEANUP] Deleting project workspace...');
    try {
      const patterns = list(args, 'patterns');
      if (!patterns || patterns.length === 0) {
        await ws.remove(ws.root);
        await ws.mkdir(ws.root);
      } else {
        const inc: string[] = [];
        const exc: string[] = [];
        for (const p of patterns) {
          if (!isMap(p)) throw new StepFailure("cleanWs: patterns are [pattern: '...', type: 'INCLUDE']");
          (p.get('type') === 'EXCLUDE' ? exc : inc).push(String(p.get('pattern') ?? ''));
        }
        for (const f of await ws.glob(ws.root, inc.length > 0 ? inc.join(',') : '**', exc.join(','), { defaultExcludes: false })) await ws.remove(path.join(ws.root, f));
      }
      ctx.log('[WS-CLEANUP] done');
    } catch (err) {
      if (!bool(args, 'notFailBuild', false)) throw err;
      ctx.log(`[WS-CLEANUP] Cannot delete workspace: ${err instanceof Error ? err.message : String(err)}`);
    }
    return null;
  },
});
