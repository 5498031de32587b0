// cleanWs: empties the workspace (Workspace Cleanup plugin), or only files matching patterns.
import path from 'node:path/posix';
import type { StepRun } from '../plugin.ts';
import { bool, list } from './args.ts';
import { isMap } from '../script/values.ts';
import { StepFailure } from '../../core/errors.ts';

export const run: StepRun = async (ctx, args) => {
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
};
