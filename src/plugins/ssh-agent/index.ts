// The SSH Agent plugin (Jenkins' ssh-agent plugin): the `sshagent` step, declared as data that
// validation and `kiln lint` read without loading anything else:
//   sshagent(['deploy-key']) { sh 'ssh deploy@host ...' }
//   sshagent(credentials: ['a', 'b'], ignoreMissing: true) { ... }
// What runs is runtime.ts (loaded the first time a build uses the step): a real `ssh-agent` on
// the node of the block, its keys added with `ssh-add`, SSH_AUTH_SOCK / SSH_AGENT_PID exported
// to the block, and the agent killed when the block ends however it ends.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const sshAgentPlugin: PipelinePlugin = {
  name: 'ssh-agent',
  doc: 'SSH Agent: sshagent, an ssh-agent with the keys of SSH-key credentials for a block',
  steps: [{
    name: 'sshagent',
    doc: "Run the block with an ssh-agent on its node holding the keys of SSH-key credentials: sshagent(['deploy-key']) { sh 'ssh deploy@host uptime' }.",
    params: [
      { name: 'credentials', type: 'string-or-list', required: true, doc: 'ids of SSH username-with-private-key credentials' },
      { name: 'ignoreMissing', type: 'boolean', doc: 'go on without credentials that cannot be found (default false: the build fails)' },
      { name: 'usernameVariable', type: 'string', doc: "an environment variable set to the first credential's username in the block" },
      { name: 'timeoutMinutes', type: 'integer', doc: 'how long starting ssh-agent and each ssh-add may take (default 1)' },
    ],
    positional: 'credentials',
    block: 'required',
    needsNode: true,
  }],
  runtime: async () => (await import('./runtime.ts')).default,
};
