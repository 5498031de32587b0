// The hello plugin's runtime: the greet step, and the hello agent type's request (its greeting
// said `times` times, in `message`).
import type { PluginRuntime } from '../../../src/pipeline/plugin.ts';

const runtime: PluginRuntime = {
  steps: {
    greet: async (ctx, args) => {
      const text = `Hello, ${String(args.values.name)}!`;
      const said = args.values.shout === true ? text.toUpperCase() : text;
      ctx.log(said);
      return said;
    },
  },
  agentTypes: {
    hello: {
      evaluate: (req) => ({ ...req, options: { ...req.options, message: Array(Number(req.options.times ?? 1)).fill(req.options.greeting).join(' ') } }),
    },
  },
};

export default runtime;
