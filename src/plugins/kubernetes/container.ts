// container('name') { ... }: the Kubernetes plugin's step that routes the block's process steps
// into a named container of the pod (a kubernetes agent, or a pod on a Docker engine), which the
// workspace says it can (`hasContainers`); POD_CONTAINER is its name in the block. `shell`
// (or the containerTemplate's `shell`) is the shell its sh steps run with instead of /bin/sh.
// Values of the Kubernetes Secrets the pod's env reads are masked in the console from here on. Declared in index.ts, run through runtime.ts.
import type { StepRun } from '../../pipeline/plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr, str } from '../../pipeline/steps/args.ts';
import { CONTAINER_SHELL } from '../../pipeline/steps/shell.ts';
import { POD_ACCESS, type PodAccess } from './containerLog.ts';

export const run: StepRun = async (ctx, args) => {
  const name = reqStr(args, 'name', 'container');
  const ws = ctx.workspace();
  if (!ws.hasContainers) {
    throw new StepFailure(`container('${name}') needs an agent with containers (a kubernetes or docker pod agent); this build runs on node '${ws.nodeName}', which has none`);
  }
  // The shell sh steps use: this step's, else the containerTemplate's (a pod of a Kubernetes cloud).
  const pod = (ws as unknown as Record<symbol, unknown>)[POD_ACCESS] as PodAccess | undefined;
  const shell = str(args, 'shell') ?? pod?.shells[name] ?? null;
  if (shell !== null && !/^\/[\w./+-]+$/.test(shell)) throw new StepFailure(`container('${name}'): shell must be an absolute path to a shell, got '${shell}'`);
  // POD_CONTAINER names the container in the block, as the plugin sets it.
  // The values of the Secrets the pod's env reads are masked (as the plugin masks them).
  return args.body ? ctx.runBody(args.body, { container: name, env: { POD_CONTAINER: name, [CONTAINER_SHELL]: shell }, secrets: pod?.secrets ?? [] }) : null;
};
