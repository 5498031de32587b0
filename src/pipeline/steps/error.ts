import { defineStep } from './types.ts';
import { StepFailure } from '../../core/errors.ts';

export default defineStep({
  name: 'error',
  doc: 'Fail the build with a message (no stack trace).',
  params: [{ name: 'message', type: 'string', required: true, doc: 'why' }],
  positional: 'message',
  block: 'none',
  needsNode: false,
  async run(_ctx, args) {
    throw new StepFailure(String(args.values.message ?? ''));
  },
});
