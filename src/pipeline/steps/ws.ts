// ws: run the block in another workspace on the current node (workflow-durable-task-step's
// WorkspaceStep): ws('shared') { ... } or ws('/abs/path') { ... }. A relative path is relative to
// the node's workspace directory (where `<job>` workspaces are), not to the current one; without a
// directory (`ws { ... }`), the job's own workspace on this node, as WorkspaceStep does with a
// null dir (`<job>@2` inside a node block that holds `<job>`); a path
// another build (or branch) holds is taken as `<path>@2`, `@3`... as Jenkins' WorkspaceList does.
// WORKSPACE (and pwd()) is the allocated directory inside the block; it is released after it.
// The node decides where a workspace may be (Workspace.allocateAt): an agent its work directory,
// the controller and kiln run their workspace directory; anything else is refused.
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError, workspaceDirName } from '../../core/workspace.ts';
import { str } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  // Jenkins trims the directory and takes an empty one as none (Util.fixEmptyAndTrim).
  const dir = str(args, 'dir')?.trim() || workspaceDirName(ctx.build.jobName);
  if (dir.includes('\0')) throw new StepFailure('ws: the directory holds a NUL character');
  const current = ctx.workspace();
  if (!current.allocateAt) {
    throw new StepFailure(`ws: node '${current.nodeName}' cannot allocate another workspace (a container's or pod's workspace is its mount); use dir('${dir}') instead`);
  }
  let ws;
  try {
    ws = await current.allocateAt(dir);
  } catch (err) {
    if (err instanceof WorkspaceError && err.code === 'outside') throw new StepFailure(`ws('${dir}'): ${err.message}`);
    throw err;
  }
  try {
    ctx.log(`Running in ${ws.root}`);
    return args.body ? await ctx.runBody(args.body, { workspace: ws, cwd: ws.root }) : null;
  } finally {
    await ws.release();
  }
};
