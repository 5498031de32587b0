// ws: run the block in another workspace on the current node (workflow-durable-task-step's
// WorkspaceStep): ws('shared') { ... } or ws('/abs/path') { ... }. A relative path is relative to
// the node's workspace directory (where `<job>` workspaces are), not to the current one; a path
// another build (or branch) holds is taken as `<path>@2`, `@3`... as Jenkins' WorkspaceList does.
// WORKSPACE (and pwd()) is the allocated directory inside the block; it is released after it.
// The node decides where a workspace may be (Workspace.allocateAt): an agent its work directory,
// the controller and kiln run their workspace directory; anything else is refused.
import type { StepRun } from '../plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { WorkspaceError } from '../../core/workspace.ts';
import { reqStr } from './args.ts';

export const run: StepRun = async (ctx, args) => {
  const dir = reqStr(args, 'dir', 'ws');
  if (dir.trim() === '') throw new StepFailure('ws: the directory is empty');
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
