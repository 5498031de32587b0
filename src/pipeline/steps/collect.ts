// Gathering the files that match Ant patterns under the current directory, for
// archiveArtifacts and stash. A link is taken only if where it points stays inside the
// workspace: a build cannot smuggle /etc/passwd into its artifacts through a symlink.
import path from 'node:path/posix';
import type { StepContext, StashFile } from './types.ts';
import { StepFailure } from './errors.ts';

export async function collectFiles(ctx: StepContext, includes: string, excludes: string | undefined,
  opts: { defaultExcludes: boolean; step: string }): Promise<StashFile[]> {
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  let rels: string[];
  try {
    rels = await ws.glob(base, includes, excludes, { defaultExcludes: opts.defaultExcludes });
  } catch (err) {
    throw new StepFailure(`${opts.step}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const out: StashFile[] = [];
  for (const rel of rels) {
    const abs = path.join(base, rel);
    const st = await ws.stat(abs);
    if (!st) continue;
    if (st.type === 'symlink') {
      // readFile follows the link; the workspace refuses targets outside its root.
      try {
        const data = await ws.readFile(abs);
        out.push({ path: rel, mode: 0o644, data });
      } catch (err) {
        throw new StepFailure(`${opts.step}: refusing ${rel}: ${err instanceof Error ? err.message : String(err)}`);
      }
      continue;
    }
    if (st.type !== 'file') continue;
    out.push({ path: rel, mode: st.mode & 0o777, data: await ws.readFile(abs) });
  }
  return out;
}
