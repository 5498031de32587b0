// `agent { kubernetes { yaml ... } }` on a Docker engine: a NodeProvider wrapper that realises
// the pod spec as a DockerPod beside a node's workspace (pod.ts). Used by `kiln run` (the node is
// this machine), and by a controller whose Docker cloud serves kubernetes agents when no
// Kubernetes cloud is configured. The node's workspace must be on the engine's machine, since
// it is bind-mounted into the containers.
import type { NodeProvider, ReleaseSlot, Slots } from '../../core/nodes.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { Engine, engineOptionsFromEnv } from './engine.ts';
import { PodError, PodWorkspace, parsePodYaml, startPod, type PodOptions, type PodSpec } from './pod.ts';
import type { LogLine } from '../../util/log.ts';

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
  /** Pods at once; more wait (in order) for one to end, in `slots`. 0 or absent = no cap. */
  concurrencyCap?: number;
  /** Where a build waits for a pod slot (the host's wait list: a controller's, shared with its
   *  Kubernetes clouds and listed in its queue). Needed with a cap; absent: no cap. */
  slots?: Slots;
  /** The cloud's name: its pool of slots, and what a waiting build's log and the queue say. */
  cloudName?: string;
  /** Named pod templates: `inheritFrom 'name'`, or a template whose label is the agent's label. */
  templates?: { name: string; label: string | null; yaml: string }[];
  /** The controller's log (not the build's console): pods started and removed, with their cloud and build. */
  controllerLog?: LogLine;
}

/** The template's containers, with the pipeline's own replacing those of the same name (Jenkins' merge). */
function mergeSpecs(parent: PodSpec, child: PodSpec | null): PodSpec {
  if (!child) return parent;
  const byName = new Map(parent.containers.map((c) => [c.name, c]));
  for (const c of child.containers) byName.set(c.name, c);
  return { containers: [...byName.values()], securityContext: { ...parent.securityContext, ...child.securityContext } };
}

export function withDockerPods(base: NodeProvider, opts: DockerPodOptions): NodeProvider {
  const engine = opts.engine ?? new Engine(engineOptionsFromEnv());
  const slots = opts.slots ?? null;
  const cap = opts.concurrencyCap ?? 0;
  if (cap > 0 && !slots) throw new Error(`Docker cloud '${opts.cloudName ?? 'docker'}': a concurrencyCap needs the host's slots (its wait list)`);
  const cloud = opts.cloudName ?? 'docker';
  return {
    async allocate(req, build, signal, log) {
      if (req.type !== 'kubernetes') return base.allocate(req, build, signal, log);
      const o = req.options;
      let yaml = typeof o.yaml === 'string' ? o.yaml : null;
      const inherit = typeof o.inheritFrom === 'string' && o.inheritFrom !== '' ? o.inheritFrom : null;
      const template = inherit !== null ? opts.templates?.find((t) => t.name === inherit) : opts.templates?.find((t) => t.label !== null && t.label === req.label);
      if (inherit !== null && !template) {
        throw new StepFailure(`inheritFrom '${inherit}': no pod template of that name (there are: ${opts.templates?.map((t) => t.name).join(', ') || 'none'})`, { loc: req.loc });
      }
      // Aborted while waiting: the build's interruption (ABORTED), as for a Kubernetes cloud.
      const release: ReleaseSlot = slots ? await slots.acquire({ cloud, cap, build }, signal, log) : () => {};
      let node;
      try {
        node = await base.allocate({ type: 'any', label: null, customWorkspace: req.customWorkspace, options: {}, loc: req.loc }, build, signal, log);
      } catch (e) {
        release();
        throw e;
      }
      try {
        if (!yaml && typeof o.yamlFile === 'string') yaml = (await node.workspace.readFile(`${node.workspace.root}/${o.yamlFile}`)).toString('utf8');
        // No yaml and no template: the agent container alone (Jenkins' default pod template).
        const own = yaml ? parsePodYaml(yaml) : null;
        const spec = template ? mergeSpecs(parsePodYaml(template.yaml), own) : own ?? { containers: [], securityContext: {} };
        const agent: NonNullable<PodOptions['agent']> = { name: opts.agentName ?? 'jnlp', image: opts.agentImage, ...(opts.agentEnv ? { env: opts.agentEnv } : {}), ...(opts.agentCommand ? { command: opts.agentCommand } : {}) };
        if (spec.containers.length === 0 && !agent) throw new PodError('the pod has no containers');
        const pod = await startPod(spec, {
          engine, build, workspace: node.workspace, pauseImage: opts.agentImage, agent,
          defaultContainer: typeof o.defaultContainer === 'string' ? o.defaultContainer : null,
          ...(opts.labels ? { labels: opts.labels } : {}), log, signal,
          ...(opts.startTimeoutMs !== undefined ? { startTimeoutMs: opts.startTimeoutMs } : {}),
        });
        const ws = new PodWorkspace(node.workspace, pod);
        const n = node;
        const fields = { cloud, pod: pod.name, job: build.job, build: build.number };
        opts.controllerLog?.(`docker: started pod ${pod.name}`, fields);
        return {
          workspace: ws,
          release: async (outcome?: { failed: boolean }) => {
            try {
              await ws.release();
              opts.controllerLog?.(`docker: removed pod ${pod.name}`, fields);
            } finally { release(); await n.release(outcome); }
          },
        };
      } catch (e) {
        release();
        await node.release();
        // Aborted while the pod started (a pull, a container coming up): the build's interruption, not a failure.
        if (signal.aborted) throw interruptionOf(signal);
        if (e instanceof PodError) throw new StepFailure(e.message, { loc: req.loc });
        throw e;
      }
    },
  };
}
