// container('name') { ... }: the Kubernetes plugin's step that routes the block's process steps
// into a named container of the pod (a kubernetes agent, or a pod on a Docker engine), which the
// workspace says it can (`hasContainers`); POD_CONTAINER is its name in the block. Declared in index.ts, run through runtime.ts.
import type { StepRun } from '../../pipeline/plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr } from '../../pipeline/steps/args.ts';

export const run: StepRun = async (ctx, args) => {
  const name = reqStr(args, 'name', 'container');
  const ws = ctx.workspace();
  if (!ws.hasContainers) {
    throw new StepFailure(`container('${name}') needs an agent with containers (a kubernetes or docker pod agent); this build runs on node '${ws.nodeName}', which has none`);
  }
  // POD_CONTAINER names the container in the block, as the plugin sets it.
  return args.body ? ctx.runBody(args.body, { container: name, env: { POD_CONTAINER: name } }) : null;
};
