import { defineStep } from './types.ts';
import { reqStr } from './args.ts';

export default defineStep({
  name: 'stage',
  doc: "A named stage of a scripted pipeline: stage('Build') { ... }.",
  params: [{ name: 'name', type: 'string', required: true, doc: 'stage name' }],
  positional: 'name',
  block: 'required',
  needsNode: false,
  scriptOnly: true,
  async run(ctx, args) {
    return args.body ? ctx.runBody(args.body, { stage: reqStr(args, 'name', 'stage') }) : null;
  },
});
