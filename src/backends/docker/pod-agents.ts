// `agent { kubernetes { yaml ... } }` on a Docker engine: a NodeProvider wrapper that realises
// the pod spec as a DockerPod beside a node's workspace (pod.ts). Used by `kiln run` (the node is
// this machine), and by a controller whose Docker cloud serves kubernetes agents when no
// Kubernetes cloud is configured. The node's workspace must be on the engine's machine, since
// it is bind-mounted into the containers.
import type { NodeProvider } from '../../pipeline/engine/engine.ts';
import { StepFailure } from '../../pipeline/steps/errors.ts';
import { Engine, engineOptionsFromEnv } from './engine.ts';
import { PodError, PodWorkspace, parsePodYaml, startPod, type PodOptions } from './pod.ts';

export interface DockerPodOptions {
  engine?: Engine;
  /** The injected agent container's image (and the pause container's). */
  agentImage: string;
  /** Name of the injected agent container (Jenkins' 'jnlp'). */
  agentName?: string;
  /** Env of the injected agent (KILN_URL, KILN_SECRET, KILN_AGENT_NAME, KILN_AGENT_WORKDIR) and its command. */
  agentEnv?: Record<string, string>;
  agentCommand?: string[];
  labels?: Record<string, string>;
  startTimeoutMs?: number;
}

export function withDockerPods(base: NodeProvider, opts: DockerPodOptions): NodeProvider {
  const engine = opts.engine ?? new Engine(engineOptionsFromEnv());
  return {
    async allocate(req, build, signal, log) {
      if (req.type !== 'kubernetes') return base.allocate(req, build, signal, log);
      const o = req.options;
      let yaml = typeof o.yaml === 'string' ? o.yaml : null;
      const node = await base.allocate({ type: 'any', label: null, customWorkspace: req.customWorkspace, options: {}, loc: req.loc }, build, signal, log);
      try {
        if (!yaml && typeof o.yamlFile === 'string') yaml = (await node.workspace.readFile(`${node.workspace.root}/${o.yamlFile}`)).toString('utf8');
        // No yaml: the agent container alone (Jenkins' default pod template).
        const spec = yaml ? parsePodYaml(yaml) : { containers: [], securityContext: {} };
        const agent: NonNullable<PodOptions['agent']> = { name: opts.agentName ?? 'jnlp', image: opts.agentImage, ...(opts.agentEnv ? { env: opts.agentEnv } : {}), ...(opts.agentCommand ? { command: opts.agentCommand } : {}) };
        if (spec.containers.length === 0 && !agent) throw new PodError('the pod has no containers');
        const pod = await startPod(spec, {
          engine, build, workspace: node.workspace, pauseImage: opts.agentImage, agent,
          defaultContainer: typeof o.defaultContainer === 'string' ? o.defaultContainer : null,
          ...(opts.labels ? { labels: opts.labels } : {}), log, signal,
          ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
        });
        const ws = new PodWorkspace(node.workspace, pod);
        return {
          workspace: ws,
          release: async () => {
            try { await ws.release(); } finally { await node.release(); }
          },
        };
      } catch (e) {
        await node.release();
        if (e instanceof PodError) throw new StepFailure(e.message, { loc: req.loc });
        throw e;
      }
    },
  };
}
