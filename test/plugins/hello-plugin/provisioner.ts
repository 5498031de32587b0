// The hello plugin's provisioner: an `agent { hello { ... } }` gets a node of the host (any
// executor), after the provisioner has said the agent's message in the build's console.
import type { Provisioner } from '../../../src/core/plugin.ts';

const provisioner: Provisioner = {
  wrap(base, host) {
    return {
      async allocate(req, build, signal, log) {
        if (req.type !== 'hello') return base.allocate(req, build, signal, log);
        log(`hello provisioner (${host.kind}): ${String(req.options.message)}`);
        return base.allocate({ type: req.label ? 'label' : 'any', label: req.label, customWorkspace: req.customWorkspace, options: {}, loc: req.loc }, build, signal, log);
      },
    };
  },
};

export default provisioner;
