// Gathering the files that match Ant patterns under the current directory, for
// archiveArtifacts and stash. The names come from the workspace's glob, which on an agent is
// another machine's answer: each must be a plain relative path (relPathProblem) or the step
// fails, so no '..' or absolute name reaches the controller's artifacts or stashes.
//
// Symbolic links: a link whose target stays inside the workspace is kept as a copy of the
// target file (as Jenkins' archiveArtifacts does); a link that leads out of the workspace
// fails the step naming it (its target's content is never read); a link to a directory is
// skipped, like any directory (the glob does not follow directory links). With
// `followSymlinks: false` (archiveArtifacts) every link is left out.
//
// `collectSources` names the same files without reading them: each is opened when the service
// keeping it takes it, and read in chunks (artifacts and stashes of any size). A symbolic link
// is opened (and closed) at once, so a link that leads out fails the step here as before.
import path from 'node:path/posix';
import type { StepContext, StashFile, SourceFile } from './types.ts';
import { abortable, openFile, readWhole } from '../../util/files-stream.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { relPathProblem } from './files.ts';
import { WorkspaceError, type Workspace } from '../../core/workspace.ts';

/** The files matching the patterns, read whole (for services that keep files in memory). */
export async function collectFiles(ctx: StepContext, includes: string, excludes: string | undefined,
  opts: { defaultExcludes: boolean; step: string; followSymlinks?: boolean }): Promise<StashFile[]> {
  return readWhole(await collectSources(ctx, includes, excludes, opts));
}

/** The files matching the patterns, each opened (and read in chunks) only when its keeper takes it. */
export async function collectSources(ctx: StepContext, includes: string, excludes: string | undefined,
  opts: { defaultExcludes: boolean; step: string; followSymlinks?: boolean }): Promise<SourceFile[]> {
  const { ws, base, rels } = await matching(ctx, includes, excludes, opts);
  const out: SourceFile[] = [];
  for (const rel of rels) {
    const abs = path.join(base, rel);
    const st = await ws.stat(abs);
    if (!st) continue;
    if (st.type === 'symlink') {
      // archiveArtifacts(followSymlinks: false): links are left out (Kiln keeps no links as artifacts).
      if (opts.followSymlinks === false) continue;
      // Opening follows the link; the workspace refuses targets outside its root.
      try {
        await (await openFile(ws, abs)).close();
      } catch (err) {
        if (err instanceof WorkspaceError && err.code !== 'outside' && /is a directory/.test(err.message)) continue;
        const why = err instanceof Error ? err.message : String(err);
        throw new StepFailure(`${opts.step}: refusing ${rel}: ${why}${err instanceof WorkspaceError && err.code === 'outside' ? '; archive or stash the file itself, or a copy of it inside the workspace' : ''}`);
      }
      out.push({ path: rel, mode: 0o644, open: async () => abortable(await openFile(ws, abs), ctx.signal, () => interruptionOf(ctx.signal)) });
      continue;
    }
    if (st.type !== 'file') continue;
    // Aborting the build stops the transfer at once (and nothing half-copied is kept).
    out.push({ path: rel, mode: st.mode & 0o777, ...(st.mtimeMs !== undefined ? { mtimeMs: st.mtimeMs } : {}), open: async () => abortable(await openFile(ws, abs), ctx.signal, () => interruptionOf(ctx.signal)) });
  }
  return out;
}

/** The workspace, the directory and the checked relative names of the files matching the patterns. */
async function matching(ctx: StepContext, includes: string, excludes: string | undefined,
  opts: { defaultExcludes: boolean; step: string }): Promise<{ ws: Workspace; base: string; rels: string[] }> {
  const ws = ctx.workspace();
  const base = ctx.cwd ?? ws.root;
  let rels: string[];
  try {
    rels = await ws.glob(base, includes, excludes, { defaultExcludes: opts.defaultExcludes });
  } catch (err) {
    throw new StepFailure(`${opts.step}: ${err instanceof Error ? err.message : String(err)}`);
  }
  for (const rel of rels) {
    const problem = relPathProblem(rel);
    if (problem) throw new StepFailure(`${opts.step}: the workspace on ${ws.nodeName} listed ${JSON.stringify(rel).slice(0, 300)}, which is not a file under ${base}: ${problem}`);
  }
  return { ws, base, rels };
}
