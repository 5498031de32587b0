// The SSH plugin: agents the controller launches over SSH (ssh2) with an SSH key credential:
// launcher.ts (log in, verify the host key, check Node and the work directory, run
// `kiln agent --stdio`), manager.ts (launch, relaunch with backoff), bundle.ts (the agent's files
// to copy), launchers.ts (the launcher type `ssh` of an agent's record, which the controller opens
// through the plugin list). It declares no step, global or agent type: its agents are ordinary
// nodes with labels, which `agent { label ... }` reaches through the scheduler.
import type { PipelinePlugin } from '../../pipeline/plugin.ts';

export const sshPlugin: PipelinePlugin = {
  name: 'ssh',
  doc: 'SSH agents: the controller launches `kiln agent --stdio` on a host over SSH (ssh2)',
  launchers: async () => (await import('./launchers.ts')).default,
};
