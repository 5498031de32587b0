// The hello plugin's provisioner: it serves the `hello` agent type. It says the agent's message
// in the build's console, then gives a node: on a controller a node of its own (a directory of
// the controller's machine, as a real backend would make a machine or a pod), elsewhere (`kiln
// run`, a test's host) a node of the host, which it asks for like any executor.
import path from 'node:path';
import type { Provisioner } from '../../../src/core/plugin.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';

const provisioner: Provisioner = {
  serves: ['hello'],
  open(host) {
    const own = host.controller && host.dataDir
      ? new LocalBackend({ root: path.join(host.dataDir, 'hello-nodes'), nodeName: 'hello-node', labels: ['hello'] })
      : null;
    return {
      async allocate(req, build, signal, log) {
        log(`hello provisioner (${host.kind}): ${String(req.options.message)}`);
        if (own) {
          const ws = await own.allocate({ build });
          host.log(`hello: made a node for ${build.job} #${build.number}`);
          return { workspace: ws, release: () => ws.release() };
        }
        return host.nodes.allocate({ type: req.label ? 'label' : 'any', label: req.label, customWorkspace: req.customWorkspace, options: {}, loc: req.loc }, build, signal, log);
      },
      close: async () => { await own?.close(); },
    };
  },
};

export default provisioner;
