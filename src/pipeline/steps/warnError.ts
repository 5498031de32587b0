import { defineStep } from './types.ts';
import { catchFailure } from './catchError.ts';
import { reqStr } from './args.ts';

export default defineStep({
  name: 'warnError',
  doc: 'Catch a failure in the block, mark the build and stage UNSTABLE, and carry on.',
  params: [
    { name: 'message', type: 'string', required: true, doc: 'logged when a failure is caught' },
    { name: 'catchInterruptions', type: 'boolean', doc: 'also catch timeouts (default true)' },
  ],
  positional: 'message',
  block: 'required',
  needsNode: false,
  async run(ctx, args) {
    return catchFailure(ctx, args, 'UNSTABLE', 'UNSTABLE', reqStr(args, 'message', 'warnError'));
  },
});
