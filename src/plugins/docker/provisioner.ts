// The Docker plugin's nodes: `agent { docker }` and `agent { dockerfile }` as containers started
// by the docker CLI of the node that holds the executor (agents.ts), on any host; and, where the
// host gives an agent image for pods (kiln run's --pod-agent-image: `settings.podAgentImage`),
// `agent { kubernetes }` and podTemplate pods realised on this machine's Docker engine
// (pod-agents.ts). The controller's Docker clouds are wired by the controller (cloud.ts).
import type { Provisioner } from '../../core/plugin.ts';
import { withDockerAgents } from './agents.ts';
import { withDockerPods } from './pod-agents.ts';

const provisioner: Provisioner = {
  wrap(base, host) {
    const credential = host.credential?.bind(host);
    const agents = withDockerAgents(base, {
      ...(host.env ? { cliEnv: { ...host.env } } : {}),
      ...(host.labels ? { labels: { ...host.labels } } : {}),
      ...(credential ? { credential } : {}),
    });
    const agentImage = host.settings?.podAgentImage;
    return agentImage ? withDockerPods(agents, { agentImage }) : agents;
  },
};

export default provisioner;
