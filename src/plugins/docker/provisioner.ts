// The Docker plugin's provisioner:
//   serves  `agent { docker }` and `agent { dockerfile }`: containers started by the docker CLI of
//           the node that holds the executor (agents.ts), asked of the host's nodes, on any host;
//   offers  `agent { kubernetes }` (and podTemplate pods) realised as pods on a Docker engine
//           (pod-agents.ts): on `kiln run`'s machine when the host gives an agent image for pods
//           (--pod-agent-image: `settings.podAgentImage`), and on a controller's Docker clouds
//           (cloud type `docker`, cloud.ts) when the pipeline names one of them or no Kubernetes
//           cloud took the request (the router asks the Kubernetes plugin first: plugins/router.ts).
// A controller's Docker cloud pods have their workspaces on the controller's machine
// (<home>/pod-workspaces), bind-mounted into the containers, so the engine must be this
// machine's. At start, containers a previous run of this controller left are removed.
import path from 'node:path';
import type { AgentRequest, NodeProvider } from '../../core/nodes.ts';
import type { ControllerServices, Provisioner, ProvisionerHost } from '../../core/plugin.ts';
import { StepFailure } from '../../core/errors.ts';
import { LocalBackend } from '../../exec/local-workspace.ts';
import { withDockerAgents } from './agents.ts';
import { withDockerPods } from './pod-agents.ts';
import { dockerCloudNodes, dockerCloudType } from './cloud.ts';
import { sweepPods } from './pod.ts';
import { Engine } from './engine.ts';

/** A controller's Docker clouds: the nodes of the cloud a request goes to (made again when its settings change). */
function dockerClouds(host: ProvisionerHost, ctl: ControllerServices, dataDir: string) {
  const podWorkspaces = new LocalBackend({ root: path.join(dataDir, 'pod-workspaces'), nodeName: 'docker-pods', labels: [] });
  const podBase: NodeProvider = {
    allocate: async (_req, build) => {
      const ws = await podWorkspaces.allocate({ build });
      return { workspace: ws, release: () => ws.release() };
    },
  };
  const made = new Map<string, { key: string; nodes: NodeProvider }>();
  return {
    /** The cloud the pipeline names, or the first one when it names none; null when there is none. */
    async for(req: AgentRequest): Promise<NodeProvider | null> {
      const wanted = typeof req.options.cloud === 'string' && req.options.cloud !== '' ? req.options.cloud : null;
      const all = await ctl.clouds(dockerCloudType);
      const c = wanted ? all.find((x) => x.name === wanted) : all[0];
      if (!c) return null;
      const key = JSON.stringify(c.settings);
      let entry = made.get(c.name);
      if (!entry || entry.key !== key) {
        entry = { key, nodes: dockerCloudNodes(podBase, c.settings, { labels: { ...host.labels }, slots: ctl.slots, controllerLog: host.log }) };
        made.set(c.name, entry);
      }
      return entry.nodes;
    },
    async sweep(): Promise<void> {
      if ((await ctl.clouds(dockerCloudType)).length === 0) return;
      try {
        const n = await sweepPods(new Engine(), [`kiln.controller=${ctl.id}`]);
        if (n.containers > 0) host.log(`docker: removed ${n.containers} container(s) and ${n.volumes} volume(s) a previous run left`, { containers: n.containers, volumes: n.volumes });
      } catch (e) {
        host.log(`docker: sweeping leftover containers failed: ${(e as Error).message}`, { level: 'error' });
      }
    },
  };
}

const provisioner: Provisioner = {
  serves: ['docker', 'dockerfile'],
  offers: ['kubernetes'],
  cloudTypes: [dockerCloudType],
  open(host) {
    const credential = host.credential?.bind(host);
    const agents = withDockerAgents(host.nodes, {
      ...(host.env ? { cliEnv: { ...host.env } } : {}),
      ...(host.labels ? { labels: { ...host.labels } } : {}),
      ...(credential ? { credential } : {}),
      buildNode: (b) => host.buildNode(b),
    });
    const agentImage = host.settings?.podAgentImage;
    const localPods = agentImage ? withDockerPods(host.nodes, { agentImage }) : null;
    const clouds = host.controller && host.dataDir ? dockerClouds(host, host.controller, host.dataDir) : null;
    const podsFor = async (req: AgentRequest): Promise<NodeProvider | null> => localPods ?? (clouds ? clouds.for(req) : null);
    return {
      takes: async (req) => req.type !== 'kubernetes' || (await podsFor(req)) !== null,
      async allocate(req, build, signal, log) {
        if (req.type !== 'kubernetes') return agents.allocate(req, build, signal, log);
        const pods = await podsFor(req);
        if (!pods) throw new StepFailure('agent kubernetes: the Docker cloud it was going to run on is gone', { loc: req.loc });
        return pods.allocate(req, build, signal, log);
      },
      ...(clouds ? { start: () => clouds.sweep() } : {}),
    };
  },
};

export default provisioner;
