// The provisioner router: where each `agent` of a build gets its node, on a host (the controller,
// `kiln run`), from the host's own nodes and the provisioners of one plugin list. It replaces a
// chain of NodeProviders that each switched on agent types: one object knows which provisioner
// serves which type, and composition refuses a list in which two plugins claim one.
//
// The rule, for a request of type T:
//   - T built in (any, label, node): the host's own nodes (its agents and executors; this
//     machine for `kiln run`). Except: a label that no node of the host has (`HostNodes.hasLabel`)
//     goes to the first provisioner, in list order, that makes nodes for it (`servesLabel`: a
//     Kubernetes cloud's pod template with that label).
//   - T a plugin's type: the provisioner that serves T is asked first whether it takes the
//     request (`takes`; absent: yes), then those that offer to take T, in list order (the Docker
//     plugin offers `kubernetes`: pods on a Docker engine, when no Kubernetes cloud takes it and
//     a Docker cloud does, or on `kiln run`'s machine). The first that takes it makes the node.
//     When none does, the one that serves T makes it anyway: its error says what is missing ("agent
//     kubernetes needs a Kubernetes cloud ..."). With no provisioner for T on this host at all,
//     the build fails saying so.
// A provisioner that runs its node beside an executor (a container agent) asks the host's nodes
// through `ProvisionerHost.nodes`, which routes like the first rule. The router also keeps, per
// build, the first node it handed out while that is held (`ProvisionerHost.buildNode`): the
// pipeline-level agent, where `reuseNode true` runs.
//
// Composition loads each plugin's provisioner (a dynamic import), checks the list (one
// provisioner per agent type, one plugin per cloud type and launcher type: a PluginError naming
// both plugins), and opens each with the host's services (`open(host)`: null when it has nothing
// on this host). `start()` once the host is up (sweeps of leftovers), `close()` when it stops.
import type { AgentRequest, AllocatedNode, BuildRef, NodeProvider } from '../core/nodes.ts';
import type {
  AgentLaunchers, CloudType, HostLog, HostNodes, KilnPlugin, LauncherHost, LauncherType, Provisioner, ProvisionerHost, ProvisionerNodes,
} from '../core/plugin.ts';
import type { Workspace } from '../core/workspace.ts';
import { StepFailure } from '../core/errors.ts';
import { BUILTIN_AGENT_TYPES, PluginError } from '../pipeline/steps/registry.ts';

/** What a host gives every provisioner; the router adds `nodes`, `buildNode`, and a `log` per plugin. */
export type RouterHost = Omit<ProvisionerHost, 'nodes' | 'buildNode' | 'log'> & {
  /** The host's log for plugin `name`'s lines. */
  log(plugin: string): HostLog;
};

interface Opened {
  plugin: string;
  nodes: ProvisionerNodes;
}

const isBuiltIn = (type: string): boolean => (BUILTIN_AGENT_TYPES as readonly string[]).includes(type);

export class ProvisionerRouter implements NodeProvider {
  readonly #base: HostNodes;
  readonly #kind: ProvisionerHost['kind'];
  /** By agent type: the provisioner that serves it (null: its plugin has nothing on this host). */
  readonly #serving = new Map<string, Opened | null>();
  /** By agent type: the provisioners that offer to take it, in list order. */
  readonly #offering = new Map<string, Opened[]>();
  /** Provisioners that make nodes for labels, in list order. */
  readonly #forLabels: Opened[] = [];
  readonly #opened: Opened[] = [];
  readonly #cloudTypes = new Map<string, CloudType>();
  /** By build id: the first node handed out while it is held. */
  readonly #held = new Map<string, { workspace: Workspace }>();
  readonly #log: (plugin: string) => HostLog;

  private constructor(base: HostNodes, host: RouterHost) {
    this.#base = base;
    this.#kind = host.kind;
    this.#log = host.log;
  }

  /**
   * Loads the provisioners (and launcher types) of `plugins` and checks the list: rejects with a
   * PluginError when two plugins claim one agent type, cloud type or launcher type. A host calls
   * it before it opens anything.
   */
  static async check(plugins: readonly KilnPlugin[]): Promise<{ plugin: KilnPlugin; prov: Provisioner }[]> {
    const serves = new Map<string, string>();
    const clouds = new Map<string, string>();
    const loaded = [];
    for (const p of plugins) {
      if (!p.provisioner) continue;
      const prov = await p.provisioner();
      for (const t of prov.serves) {
        if (typeof t !== 'string' || isBuiltIn(t)) throw new PluginError(`plugin '${p.name}': its provisioner serves ${JSON.stringify(t)}, which is not a plugin's agent type (any, label, node and none are the host's own)`);
        const other = serves.get(t);
        if (other !== undefined) {
          throw new PluginError(`agent type '${t}' is claimed by the provisioners of two plugins, '${other}' and '${p.name}': one provisioner serves a type (another may only offer to take its requests: \`offers\`)`);
        }
        serves.set(t, p.name);
      }
      for (const c of prov.cloudTypes ?? []) {
        // The name is the `type` of cloud records: the shape the store keeps (store/clouds.ts).
        if (typeof c.name !== 'string' || !CLOUD_TYPE_NAME.test(c.name)) {
          throw new PluginError(`plugin '${p.name}': cloud type ${JSON.stringify(c.name)?.slice(0, 60)} must be 1 to 40 lowercase letters, digits or '-', starting with a letter`);
        }
        const other = clouds.get(c.name);
        if (other !== undefined) throw new PluginError(`cloud type '${c.name}' is declared by two plugins, '${other}' and '${p.name}'`);
        clouds.set(c.name, p.name);
      }
      loaded.push({ plugin: p, prov });
    }
    await launcherTypes(plugins);
    return loaded;
  }

  /**
   * The router of a host: its own nodes (`base`) and the provisioners of `plugins`. Rejects with a
   * PluginError when two plugins claim one agent type or one cloud type.
   */
  static async compose(plugins: readonly KilnPlugin[], base: HostNodes, host: RouterHost): Promise<ProvisionerRouter> {
    const r = new ProvisionerRouter(base, host);
    const loaded = await ProvisionerRouter.check(plugins);
    for (const { prov } of loaded) for (const c of prov.cloudTypes ?? []) r.#cloudTypes.set(c.name, c);
    const hostNodes: NodeProvider = {
      allocate: async (req, build, signal, log) => {
        if (!isBuiltIn(req.type)) throw new StepFailure(`agent ${req.type}: a provisioner asked the host's own nodes for it (they serve only ${BUILTIN_AGENT_TYPES.join(', ')})`, { loc: req.loc });
        return r.#track(build, await r.#builtIn(req, build, signal, log));
      },
    };
    for (const { plugin, prov } of loaded) {
      const nodes = prov.open({ ...host, nodes: hostNodes, buildNode: (b) => r.#held.get(b.id)?.workspace ?? null, log: host.log(plugin.name) });
      const o = nodes ? { plugin: plugin.name, nodes } : null;
      for (const t of prov.serves) r.#serving.set(t, o);
      if (!o) continue;
      r.#opened.push(o);
      for (const t of prov.offers ?? []) if (!prov.serves.includes(t)) r.#offering.set(t, [...(r.#offering.get(t) ?? []), o]);
      if (o.nodes.servesLabel) r.#forLabels.push(o);
    }
    return r;
  }

  async allocate(req: AgentRequest, build: BuildRef, signal: AbortSignal, log: (line: string) => void): Promise<AllocatedNode> {
    if (isBuiltIn(req.type)) return this.#track(build, await this.#builtIn(req, build, signal, log));
    const serving = this.#serving.get(req.type) ?? null;
    for (const o of [...(serving ? [serving] : []), ...(this.#offering.get(req.type) ?? [])]) {
      if (!o.nodes.takes || (await o.nodes.takes(req))) return this.#track(build, await o.nodes.allocate(req, build, signal, log));
    }
    if (serving) return this.#track(build, await serving.nodes.allocate(req, build, signal, log));
    throw new StepFailure(`agent ${req.type}: ${this.#kind === 'local' ? 'kiln run' : 'this controller'} cannot make such an agent (no plugin gives it a provisioner here)`, { loc: req.loc });
  }

  /** A cloud type of the plugins, by name (`PUT /api/v1/clouds/:name { type }`). */
  cloudType(name: string): CloudType | undefined {
    return this.#cloudTypes.get(name);
  }

  /** The cloud types' names, in list order. */
  cloudTypeNames(): string[] {
    return [...this.#cloudTypes.keys()];
  }

  /** The host is up: each provisioner's start (sweeping what an earlier run left), in the background of each other. */
  async start(): Promise<void> {
    await Promise.all(this.#opened.map(async (o) => {
      try {
        await o.nodes.start?.();
      } catch (e) {
        this.#log(o.plugin)(`${o.plugin}: starting its provisioner failed: ${(e as Error).message}`, { level: 'error' });
      }
    }));
  }

  async close(): Promise<void> {
    await Promise.all(this.#opened.map((o) => o.nodes.close?.().catch(() => {})));
  }

  async #builtIn(req: AgentRequest, build: BuildRef, signal: AbortSignal, log: (line: string) => void): Promise<AllocatedNode> {
    const label = req.label && req.label.trim() !== '' ? req.label : null;
    if (label && this.#base.hasLabel && !this.#base.hasLabel(label)) {
      for (const o of this.#forLabels) if (await o.nodes.servesLabel!(label)) return o.nodes.allocate(req, build, signal, log);
    }
    return this.#base.allocate(req, build, signal, log);
  }

  /** Remembers the build's first node while it is held (`buildNode`). */
  #track(build: BuildRef, node: AllocatedNode): AllocatedNode {
    if (this.#held.has(build.id)) return node;
    const entry = { workspace: node.workspace };
    this.#held.set(build.id, entry);
    return {
      workspace: node.workspace,
      release: async (outcome?: { failed: boolean }) => {
        if (this.#held.get(build.id) === entry) this.#held.delete(build.id);
        await node.release(outcome);
      },
    };
  }
}

/** A cloud type's name: what the store keeps as a cloud's `type` (store/clouds.ts). */
const CLOUD_TYPE_NAME = /^[a-z][a-z0-9-]{0,39}$/;

/**
 * The launcher types of `plugins` on a controller, opened, by type ('ssh'). Rejects with a
 * PluginError when two plugins declare one type.
 */
export async function openLaunchers(plugins: readonly KilnPlugin[], host: Omit<LauncherHost, 'log'> & { log(plugin: string): HostLog }): Promise<Map<string, AgentLaunchers>> {
  const out = new Map<string, AgentLaunchers>();
  for (const { plugin, type } of await launcherTypes(plugins)) out.set(type.type, type.open({ ...host, log: host.log(plugin) }));
  return out;
}

async function launcherTypes(plugins: readonly KilnPlugin[]): Promise<{ plugin: string; type: LauncherType }[]> {
  const by = new Map<string, string>();
  const types: { plugin: string; type: LauncherType }[] = [];
  for (const p of plugins) {
    for (const t of p.launchers ? await p.launchers() : []) {
      const other = by.get(t.type);
      if (other !== undefined) throw new PluginError(`agent launcher type '${t.type}' is declared by two plugins, '${other}' and '${p.name}'`);
      by.set(t.type, p.name);
      types.push({ plugin: p.name, type: t });
    }
  }
  return types;
}
