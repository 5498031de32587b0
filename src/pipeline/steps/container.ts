import { defineStep } from './types.ts';
import { StepFailure } from '../../core/errors.ts';
import { reqStr } from './args.ts';

export default defineStep({
  name: 'container',
  doc: "Run the block's commands in a named container of the pod: container('maven') { sh 'mvn test' }.",
  params: [
    { name: 'name', type: 'string', required: true, doc: 'container name in the pod' },
    { name: 'shell', type: 'string', doc: 'shell to run sh steps with in that container' },
  ],
  positional: 'name',
  block: 'required',
  needsNode: true,
  async run(ctx, args) {
    const name = reqStr(args, 'name', 'container');
    const ws = ctx.workspace();
    if (!ws.hasContainers) {
      throw new StepFailure(`container('${name}') needs an agent with containers (a kubernetes or docker pod agent); this build runs on node '${ws.nodeName}', which has none`);
    }
    return args.body ? ctx.runBody(args.body, { container: name }) : null;
  },
});
