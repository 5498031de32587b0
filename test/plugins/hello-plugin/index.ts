// A plugin that exists only for tests, written as a plugin author would, to show that a plugin
// is its own folder: nothing in src/ names it. It declares one step and one agent type:
//   greet 'world'                                  prints "Hello, world!" and returns the text
//   agent { hello { greeting 'hi'; times 2 } }     a node from its provisioner, which says hello
// and loads its runtime (runtime.ts) and its provisioner (provisioner.ts) only when asked.
import type { PipelinePlugin } from '../../../src/pipeline/plugin.ts';

export const helloPlugin: PipelinePlugin = {
  name: 'hello',
  doc: 'A test plugin: the greet step and the hello agent type',
  steps: [{
    name: 'greet',
    doc: "Print a greeting and return it: greet 'world'.",
    params: [
      { name: 'name', type: 'string', required: true, doc: 'whom to greet' },
      { name: 'shout', type: 'boolean', doc: 'in capitals' },
    ],
    positional: 'name',
    block: 'none',
    needsNode: false,
  }],
  agentTypes: [{
    name: 'hello',
    doc: "A node of the hello provisioner: hello { greeting 'hi'; times 2 }.",
    options: [
      { name: 'greeting', type: 'value', required: true, doc: 'what the provisioner says' },
      { name: 'times', type: 'integer', default: 1, doc: 'how many times' },
      { name: 'label', type: 'value', doc: 'label of the node it greets from' },
    ],
    short: { form: 'value', option: 'greeting' },
    check: (agent, c) => {
      const times = agent.options.times;
      if (typeof times === 'number' && times < 1) c.error('agent', `hello: times must be at least 1, got ${times}`, c.keyLoc('times') ?? agent.loc);
    },
  }],
  runtime: async () => (await import('./runtime.ts')).default,
  provisioner: async () => (await import('./provisioner.ts')).default,
};
