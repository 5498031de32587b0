// Pods for builds: a NodeProvider for `agent { kubernetes { ... } }` (and labels matching a
// cloud's pod template). The moment a build needs a pod it is created (no provisioning delay),
// watched (not polled) until its agent dials in, and deleted after its scope ends, per the
// retention policy. While it comes up, the console gets the plugin's progress lines (`Pod
// [Pending][Unschedulable] ...`, `Container [jnlp] waiting [ImagePullBackOff] ...`), each once.
// A pod that cannot work ends the build at once, ABORTED as the plugin ends it, with the
// plugin's line (`Unable to pull container image ...`, `ns/pod Container x was terminated.`,
// `ns/pod Pod just failed. Reason: Evicted, ...`, `Pod ns/pod was just deleted`), the reason and
// the last lines of the container's log: an image that cannot be pulled, a container that exits
// or crash-loops, an evicted, failed (activeDeadlineSeconds: DeadlineExceeded) or deleted pod, a
// pod unschedulable past the connect timeout (with the scheduler's reason). During the build,
// steps that fail once the pod broke fail with its reason, ABORTED. An agent that never
// connects fails the build (FAILURE) with the URL it was given and what to check. A template's
// instanceCap is a wait list of its own, before the cloud's containerCap; showRawYaml false
// leaves the manifest out of the console. The values of the Secrets the pod's env reads are read
// once the agent is online and given to container() (through the workspace's POD_ACCESS) to mask.
//
// Every pod carries this controller's id as a label, and its build's id as an annotation. After a
// controller restart (durable builds, docs/architecture.md) the pods a previous process left are
// listed once (`#scan`): a resumed build that asks again for the pod it ran in (its replay reaches
// the same `agent`/`node`) adopts it rather than make a new one: same pod, workspace and agent,
// whose agent dials the new controller in; `sweep()` at start deletes the others, except those of
// builds that run again here, which are kept (their agents allowed in) until the build adopts
// them or ends. At most `containerCap` pods of a cloud are in use at once (a pod stops
// counting once its agent's session ended and the API server accepted its deletion, without
// waiting for the graceful end: see `remove` in allocate()); builds past the cap
// wait, in order, and say so in their log and in the queue (the host's `Slots`, core/nodes.ts: the
// controller's wait list, shared with its Docker clouds).
import type { AgentRequest, AllocatedNode, NodeProvider, BuildRef, ReleaseSlot, Slots } from '../../core/nodes.ts';
import type { AgentSessions } from '../../core/plugin.ts';
import type { Credential } from '../../core/credentials.ts';
import type { LogLine } from '../../util/log.ts';
import { StepFailure, interruptionOf } from '../../core/errors.ts';
import { POD_ACCESS, type PodAccess } from './containerLog.ts';
import { describeKubeError, kubeConfig, kubernetesClient, type KubernetesCloudSettings } from './cloud.ts';
import { AGENT_CONTAINER, ANNOTATION_BUILD_ID, LABEL_CONTROLLER, buildPod, labelValue, manifestForLog, parsePod, podName, PodSpecError, type Obj, type PodRequest } from './podspec.ts';

export interface KubernetesCloudRef {
  name: string;
  settings: KubernetesCloudSettings;
}

/** What the provider needs of the controller. */
export interface KubernetesProviderOptions {
  /** The Kubernetes clouds, read when a pod is needed (so that saved changes apply at once). */
  clouds: () => Promise<KubernetesCloudRef[]>;
  credential: (id: string, cloud: string) => Promise<Credential>;
  /** This controller's id (a label on its pods). */
  controllerId: string;
  /** The agent URL when the cloud gives none. */
  agentUrl: () => string;
  buildUrl: (build: BuildRef) => string;
  /** The connected agents the pods' agents become (the controller's hub). */
  agents: AgentSessions;
  /** The controller's log: pods made, deleted and swept, with their cloud (and build). */
  log?: LogLine;
  /** Where a build waits for a pod slot of a capped cloud (the controller's wait list). */
  slots: Slots;
  /** Whether a build runs here (resolves when it ends) or not (null): its pods left by a previous process are kept for it. */
  buildRunning?: (id: string) => Promise<void> | null;
}

/** A pod of this controller that a previous process left (listed once per process, `#scan`). */
interface FoundPod {
  cloud: string;
  namespace: string;
  name: string;
  /** Its build's id (annotation), null on a pod made before builds were annotated. */
  buildId: string | null;
  pod: Obj;
  /** left: not looked at yet; kept: for its build to adopt; adopted; deleted. */
  state: 'left' | 'kept' | 'adopted' | 'deleted';
  remove(): Promise<void>;
}

const containerNames = (pod: Obj) => ((((pod.spec ?? {}) as Obj).containers ?? []) as Obj[]).map((c) => String(c.name)).sort().join(',');

/** A pod kept after use (idleMinutes), waiting for the next build that asks for the same pod. */
interface IdlePod {
  name: string;
  lease(build: BuildRef, req: AgentRequest, say: (line: string) => void): Promise<AllocatedNode>;
  timer: NodeJS.Timeout;
  /** Deletes it now. */
  drop(): Promise<void>;
}

/** What a pod's status says is wrong (and, where the plugin prints one, its line), or null while it may still come up. */
export function podProblem(pod: Obj, o: { unschedulableSinceMs: number | null; now: number; limitMs: number }): { message: string; container: string | null; plugin?: string } | null {
  const status = (pod.status ?? {}) as Obj;
  const md = (pod.metadata ?? {}) as Obj;
  const where = `${String(md.namespace ?? '')}/${String(md.name ?? '')}`.replace(/^\//, '');
  // The plugin's "Reason: X, Message: Y." of a pod that failed or whose container ended.
  const details = [status.reason ? `Reason: ${String(status.reason)}` : '', status.message ? `Message: ${String(status.message)}` : ''].filter(Boolean).join(', ');
  const withDetails = (line: string) => (details ? `${line} ${details}.` : line);
  if (md.deletionTimestamp) return { message: 'the pod is being deleted (by someone else than this build)', container: null, plugin: `Pod ${where} was just deleted` };
  if (status.phase === 'Failed' || status.reason === 'Evicted') {
    return {
      message: `the pod failed${status.reason ? ` (${String(status.reason)})` : ''}${status.message ? `: ${String(status.message)}` : ''}`, container: null,
      plugin: withDetails(`${where} Pod just failed.`),
    };
  }
  const all: { s: Obj; init: boolean }[] = [
    ...((status.initContainerStatuses ?? []) as Obj[]).map((x) => ({ s: x, init: true })),
    ...((status.containerStatuses ?? []) as Obj[]).map((x) => ({ s: x, init: false })),
  ];
  for (const { s: c, init } of all) {
    const state = (c.state ?? {}) as Obj;
    const waiting = state.waiting as Obj | undefined;
    const terminated = state.terminated as Obj | undefined;
    const name = String(c.name);
    const image = String(c.image ?? '');
    if (waiting && ['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull'].includes(String(waiting.reason))) {
      return {
        message: `container '${name}': image ${image} cannot be pulled (${String(waiting.reason)})${waiting.message ? `: ${String(waiting.message)}` : ''}`, container: null,
        plugin: `ERROR: Unable to pull container image "${image}". Check if image tag name is spelled correctly.`,
      };
    }
    if (waiting && ['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError'].includes(String(waiting.reason))) {
      return { message: `container '${name}' cannot start (${String(waiting.reason)})${waiting.message ? `: ${String(waiting.message)}` : ''}`, container: name };
    }
    if (waiting?.reason === 'CrashLoopBackOff') return { message: `container '${name}' keeps crashing (CrashLoopBackOff)`, container: name };
    if (terminated && !(init && terminated.exitCode === 0)) {
      return {
        message: `${init ? 'init ' : ''}container '${name}' exited with code ${String(terminated.exitCode)}${terminated.reason ? ` (${String(terminated.reason)})` : ''}`, container: name,
        plugin: withDetails(`${where} Container ${name} was terminated.`),
      };
    }
  }
  const scheduled = ((status.conditions ?? []) as Obj[]).find((x) => x.type === 'PodScheduled');
  if (scheduled?.status === 'False' && o.unschedulableSinceMs !== null && o.now - o.unschedulableSinceMs >= o.limitMs) {
    return { message: unschedulableMessage(scheduled, o.now - o.unschedulableSinceMs), container: null };
  }
  return null;
}

function unschedulableMessage(scheduled: Obj, forMs: number): string {
  return `the pod could not be scheduled for ${Math.round(forMs / 1000)} s: ${String(scheduled.message ?? scheduled.reason ?? 'no reason given')} (check the pod's resource requests, node selector, tolerations and the namespace's quota)`;
}

/**
 * The plugin's progress lines for a pod that is not up yet: `Pod [Pending][Unschedulable] 0/1
 * nodes are available: ...` and, for each container that waits, `Container [jnlp] waiting
 * [ImagePullBackOff] Back-off pulling image ...`.
 */
export function podProgress(pod: Obj): string[] {
  const status = (pod.status ?? {}) as Obj;
  const lines: string[] = [];
  const cond = ((status.conditions ?? []) as Obj[]).find((x) => x.status === 'False' && x.reason);
  const phase = String(status.phase ?? 'Pending');
  if (cond) lines.push(`Pod [${phase}][${String(cond.reason)}] ${String(cond.message ?? 'No message')}`);
  for (const c of [...((status.initContainerStatuses ?? []) as Obj[]), ...((status.containerStatuses ?? []) as Obj[])]) {
    const waiting = ((c.state ?? {}) as Obj).waiting as Obj | undefined;
    if (waiting) lines.push(`Container [${String(c.name)}] waiting [${String(waiting.reason ?? 'Waiting')}] ${String(waiting.message ?? 'No message')}`);
  }
  return lines;
}

/** The containerTemplates' shells (JSON text of name → shell in the request's options). */
function shellsOf(v: unknown): Record<string, string> {
  if (typeof v !== 'string' || v === '') return {};
  try {
    const o = JSON.parse(v) as unknown;
    return typeof o === 'object' && o !== null ? Object.fromEntries(Object.entries(o).filter(([, x]) => typeof x === 'string')) as Record<string, string> : {};
  } catch {
    return {};
  }
}

/** metadata.namespace of a pod's YAML, when it names one (and parses). */
function yamlNamespace(yaml: string | null): string | null {
  if (!yaml) return null;
  try {
    const ns = (parsePod(yaml, 'pod').metadata as Obj | undefined)?.namespace;
    return typeof ns === 'string' && ns !== '' ? ns : null;
  } catch {
    return null; // buildPod says what is wrong with it
  }
}

function requestOf(req: AgentRequest): PodRequest {
  const o = req.options;
  const str = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : null);
  if (str('yamlFile')) throw new StepFailure(`kubernetes { yamlFile '${str('yamlFile')}' }: the file was not read from the repository`, { loc: req.loc });
  let nodeSelector: Record<string, string> | null = null;
  const ns = str('nodeSelector');
  if (ns) {
    nodeSelector = {};
    for (const pair of ns.split(',').map((x) => x.trim()).filter(Boolean)) {
      const [k, v] = pair.split('=');
      if (!k || v === undefined) throw new StepFailure(`kubernetes { nodeSelector '${ns}' }: write key=value[,key=value]`, { loc: req.loc });
      nodeSelector[k.trim()] = v.trim();
    }
  }
  return {
    yaml: str('yaml'),
    inheritFrom: (str('inheritFrom') ?? '').split(/[\s,]+/).filter(Boolean),
    yamlMergeStrategy: o.yamlMergeStrategy === 'merge' ? 'merge' : 'override',
    defaultContainer: str('defaultContainer'),
    agentContainer: str('agentContainer'),
    namespace: str('namespace'),
    activeDeadlineSeconds: typeof o.activeDeadlineSeconds === 'number' ? o.activeDeadlineSeconds : null,
    serviceAccount: str('serviceAccount'),
    nodeSelector,
    workingDir: str('workingDir'),
  };
}

export class KubernetesPods implements NodeProvider {
  readonly #o: KubernetesProviderOptions;
  readonly #slots: Slots;
  /** Pods this controller made and has not deleted, by pod name: cloud and namespace. */
  readonly #live = new Map<string, { cloud: string; namespace: string }>();
  /** Pods kept after use (idleMinutes), by job and what they were made from: that job's next such build reuses one. */
  readonly #idle = new Map<string, IdlePod[]>();
  /** The pods a previous process of this controller left, listed once (the first allocate or the sweep at start). */
  #found: Promise<FoundPod[]> | null = null;

  constructor(o: KubernetesProviderOptions) {
    this.#o = o;
    this.#slots = o.slots;
  }

  /** Whether a pipeline's label names a template of some cloud. */
  async cloudForLabel(label: string): Promise<KubernetesCloudRef | null> {
    for (const c of await this.#o.clouds()) if (c.settings.templates.some((t) => t.labels.includes(label) || t.name === label)) return c;
    return null;
  }

  async allocate(req: AgentRequest, build: BuildRef, signal: AbortSignal, say: (line: string) => void): Promise<AllocatedNode> {
    const clouds = await this.#o.clouds();
    const wanted = typeof req.options.cloud === 'string' && req.options.cloud !== '' ? req.options.cloud : null;
    let cloud = wanted ? clouds.find((c) => c.name === wanted) : clouds[0];
    let request: PodRequest;
    if (req.type === 'kubernetes') {
      request = requestOf(req);
    } else {
      // agent { label 'maven' } matching a template: that template's pod.
      const byLabel = req.label ? await this.cloudForLabel(req.label) : null;
      if (!byLabel) throw new StepFailure(`no Kubernetes pod template has label '${req.label ?? ''}'`, { loc: req.loc });
      cloud = byLabel;
      const t = byLabel.settings.templates.find((x) => x.labels.includes(req.label!) || x.name === req.label)!;
      request = { ...requestOf({ ...req, options: {} }), inheritFrom: [t.name], namespace: t.namespace };
    }
    if (!cloud) {
      throw new StepFailure(wanted
        ? `agent kubernetes: no Kubernetes cloud named '${wanted}' (clouds: ${clouds.map((c) => c.name).join(', ') || 'none'})`
        : 'agent kubernetes needs a Kubernetes cloud: an admin adds one (its API server, namespace and credentials) under Clouds, or PUT /api/v1/clouds/NAME', { loc: req.loc });
    }
    // The pipeline's podRetention wins over the cloud's ('default' = the cloud's).
    const asked = req.options.podRetention;
    // slaveConnectTimeout (the plugin's name) wins over the cloud's connect timeout.
    const connect = typeof req.options.slaveConnectTimeout === 'number' && req.options.slaveConnectTimeout > 0 ? req.options.slaveConnectTimeout : cloud.settings.connectTimeoutSeconds;
    const s: KubernetesCloudSettings = {
      ...cloud.settings, connectTimeoutSeconds: connect,
      ...(asked === 'never' || asked === 'onFailure' || asked === 'always' ? { podRetention: asked } : {}),
    };
    // idleMinutes: a pod made from the same request, kept after an earlier build of the same job,
    // is used again (it still holds its slot of the cap). Other jobs never get it: its volume
    // holds this job's workspace.
    const idleMs = typeof req.options.idleMinutes === 'number' && req.options.idleMinutes > 0 ? req.options.idleMinutes * 60_000 : 0;
    const poolKey = JSON.stringify([build.job, cloud.name, request, cloud.settings]);
    const reusable = this.#idle.get(poolKey)?.shift();
    if (reusable) return reusable.lease(build, req, say);
    // instanceCap: pods of this template at once (its own slots, taken before the cloud's).
    const cap = typeof req.options.instanceCap === 'number' && req.options.instanceCap > 0 ? req.options.instanceCap : 0;
    const capKey = typeof req.options.labels === 'string' && req.options.labels !== '' ? req.options.labels : req.label;
    const freeTemplate: ReleaseSlot = cap > 0 && capKey
      ? await this.#slots.acquire({ cloud: `${cloud.name}' template '${capKey}`, cap, build }, signal, say)
      : () => {};
    let freeCloud: ReleaseSlot;
    try {
      freeCloud = await this.#slots.acquire({ cloud: cloud.name, cap: s.containerCap, build }, signal, say);
    } catch (e) {
      freeTemplate();
      throw e;
    }
    const freeSlot: ReleaseSlot = () => { freeCloud(); freeTemplate(); };

    let name = podName(build.job, build.number);
    const namespace = request.namespace ?? yamlNamespace(request.yaml) ?? s.namespace;
    const agentUrl = s.controllerUrl ?? this.#o.agentUrl();
    const make = (n: string) => buildPod({
      request: { ...request, namespace },
      templates: s.templates,
      agent: { name: n, url: agentUrl, secret: this.#o.agents.secret(n), tunnel: s.tunnel, image: s.agentImage },
      id: { controllerId: this.#o.controllerId, job: build.job, build: build.number, buildUrl: this.#o.buildUrl(build), buildId: build.id },
      name: n,
    });
    let built;
    let adopted: FoundPod | null = null;
    try {
      built = make(name);
      // The pod this build ran in before the controller restarted (same cloud, namespace and containers): adopted.
      adopted = await this.#adoptable(build, cloud.name, namespace, built.pod);
      if (adopted) built = make(name = adopted.name);
    } catch (e) {
      freeSlot();
      if (e instanceof PodSpecError) throw new StepFailure(e.message, { loc: req.loc });
      throw e;
    }
    const secret = this.#o.agents.secret(name);
    for (const n of built.notes) say(n);
    // showRawYaml false: the manifest is not printed (as the plugin).
    if (adopted) say(`Adopted pod ${namespace}/${name} in cloud '${cloud.name}', which this build ran in before the controller restarted`);
    else {
      say(req.options.showRawYaml === false
        ? `Created pod ${namespace}/${name} in cloud '${cloud.name}'`
        : `Created pod ${namespace}/${name} in cloud '${cloud.name}' from this manifest:\n${manifestForLog(built.pod, secret)}`);
    }

    const k = await kubernetesClient();
    let cred: Credential | null = null;
    let kc;
    try {
      if (s.credentialsId && !s.inCluster) cred = await this.#o.credential(s.credentialsId, cloud.name);
      kc = await kubeConfig(s, cred);
    } catch (e) {
      freeSlot();
      throw new StepFailure(`cloud '${cloud.name}': ${(e as Error).message}`, { loc: req.loc });
    }
    const server = kc.getCurrentCluster()?.server ?? '(in-cluster)';
    const core = kc.makeApiClient(k.CoreV1Api);
    this.#o.agents.allow(name);
    if (!adopted) {
      try {
        await core.createNamespacedPod({ namespace, body: built.pod as never });
      } catch (e) {
        this.#o.agents.forget(name);
        freeSlot();
        throw new StepFailure(`cloud '${cloud.name}': cannot create pod ${namespace}/${name}: ${describeKubeError(e, server)}`, { loc: req.loc });
      }
    }
    this.#live.set(name, { cloud: cloud.name, namespace });
    const podLog = { cloud: cloud.name, pod: `${namespace}/${name}`, job: build.job, build: build.number };
    this.#o.log?.(`kubernetes: ${adopted ? 'adopted' : 'created'} pod ${namespace}/${name}`, podLog);

    // From here on, whatever happens, the pod goes when we are done with it.
    // Its slot of the cap is free once no build can use the pod any more: its agent's session
    // ended and its name forgotten (the agent cannot come back), and the API server answered
    // the delete request (the pod is terminating, or gone: 404). Not after the graceful
    // deletion: a terminating pod runs nothing for a build. So the pods counted against
    // containerCap (and instanceCap) are never more than the cap, and a waiting build gets
    // the slot within one API call of the build's end. A kept pod (podRetention) frees its
    // slot at once: no build uses it. A delete the API server refused frees it too (logged;
    // the next start's sweep deletes the pod), rather than block the cloud for good.
    let deleted = false;
    const remove = async (keep: boolean) => {
      if (deleted) return;
      deleted = true;
      watchAbort?.abort();
      this.#o.agents.endSession(name, `pod ${namespace}/${name} is gone`);
      this.#o.agents.forget(name);
      this.#live.delete(name);
      if (keep) {
        freeSlot();
        say(`Kept pod ${namespace}/${name} (pod retention ${s.podRetention}); delete it with: kubectl delete pod -n ${namespace} ${name}`);
        return;
      }
      await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }).then(
        () => this.#o.log?.(`kubernetes: deleted pod ${namespace}/${name}`, podLog),
        (err: unknown) => {
          if ((err as { code?: number }).code !== 404) this.#o.log?.(`kubernetes: could not delete pod ${namespace}/${name}: ${describeKubeError(err, server)}`, { ...podLog, level: 'warn' });
        }).finally(freeSlot);
    };

    // Watch the pod: fail fast on what cannot recover; during the build, say when it breaks.
    let watchAbort: AbortController | undefined;
    let problem: ((why: string) => void) | null = null;
    let unschedulableSince: number | null = null;
    let online = false;
    let latest: Obj | null = null;
    // Progress lines said so far (each once); whether the pod's problem was reported.
    const progressed = new Set<string>();
    let reported = false;
    let sayNow = say;
    const onEvent = (type: string, obj: Obj) => {
      latest = obj;
      if (type === 'DELETED') {
        if (!reported && !deleted) (online ? sayNow : say)(`Pod ${namespace}/${name} was just deleted`);
        reported = true;
        problem?.(`pod ${namespace}/${name} was deleted`);
        return;
      }
      const conds = (((obj.status ?? {}) as Obj).conditions ?? []) as Obj[];
      const sched = conds.find((x) => x.type === 'PodScheduled');
      if (sched?.status === 'False') unschedulableSince ??= Date.now();
      else unschedulableSince = null;
      if (!online) {
        for (const line of podProgress(obj)) {
          if (progressed.has(line)) continue;
          progressed.add(line);
          say(line);
        }
      }
      const p = podProblem(obj, { unschedulableSinceMs: unschedulableSince, now: Date.now(), limitMs: s.connectTimeoutSeconds * 1000 });
      if (p && !reported) {
        reported = true;
        if (p.plugin) (online ? sayNow : say)(p.plugin);
        void this.#withLog(core, namespace, name, p.container).then((tail) => problem?.(`${p.message}${tail}`));
      }
    };
    const startWatch = async () => {
      const w = new k.Watch(kc);
      watchAbort = await w.watch(`/api/v1/namespaces/${namespace}/pods`, { fieldSelector: `metadata.name=${name}` }, (type: string, obj: unknown) => onEvent(type, obj as Obj), (err: unknown) => {
        // The API server ends watches now and then: watch again unless we are done.
        if (!deleted) {
          if (err) this.#o.log?.(`kubernetes: the watch of pod ${namespace}/${name} ended: ${describeKubeError(err, server)}; watching again`, podLog);
          setTimeout(() => { if (!deleted) void startWatch().catch(() => {}); }, 500).unref();
        }
      });
    };

    try {
      await startWatch();
      say(`Waiting for the agent in pod ${namespace}/${name} to connect to ${s.tunnel ? `${agentUrl} through tunnel ${s.tunnel}` : agentUrl}`);
      // A pod that cannot run ends the build ABORTED with the reason, as the plugin ends it.
      // `early`: a problem the watch saw while the agent connected, in the same turn as the agent's
      // hello (a tool container that exits at once): the race below may still see the agent first.
      let early: string | null = null;
      const failed = new Promise<never>((_r, reject) => { problem = (why) => { early ??= why; reject(new StepFailure(`pod ${namespace}/${name}: ${why}`, { loc: req.loc, result: 'ABORTED' })); }; });
      let connectTimer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_r, reject) => {
        const t = connectTimer = setTimeout(() => {
          const sched = (((latest?.status ?? {}) as Obj).conditions as Obj[] | undefined ?? []).find((x) => x.type === 'PodScheduled' && x.status === 'False');
          if (sched) {
            reject(new StepFailure(`pod ${namespace}/${name}: ${unschedulableMessage(sched, unschedulableSince !== null ? Date.now() - unschedulableSince : s.connectTimeoutSeconds * 1000)}`, { loc: req.loc, result: 'ABORTED' }));
            return;
          }
          void this.#withLog(core, namespace, name, AGENT_CONTAINER).then((tail) => reject(new StepFailure(
            `the agent in pod ${namespace}/${name} did not connect within ${s.connectTimeoutSeconds} s (the pod is ${String(((latest?.status ?? {}) as Obj).phase ?? 'unknown')}). ` +
            `It was given KILN_URL=${agentUrl}${s.tunnel ? ` and KILN_TUNNEL=${s.tunnel}` : ''}: that address must be reachable from the pod and accept inbound connections on that port ` +
            `(check the cloud's controller URL / tunnel, a NetworkPolicy, the controller's Service)${tail}`, { loc: req.loc })));
        }, s.connectTimeoutSeconds * 1000);
        signal.addEventListener('abort', () => clearTimeout(t), { once: true });
        void failed.catch(() => clearTimeout(t));
      });
      const stopWaiting = new AbortController();
      try {
        await Promise.race([this.#o.agents.online(name, AbortSignal.any([signal, stopWaiting.signal])), failed, timeout]);
      } finally {
        clearTimeout(connectTimer);
        stopWaiting.abort(); // the hub's listener goes too
      }
      online = true;
      void failed.catch(() => {});
      if (early !== null) throw new StepFailure(`pod ${namespace}/${name}: ${early}`, { loc: req.loc, result: 'ABORTED' });
      say(`Agent ${name} is online in pod ${namespace}/${name}`);
      // Breaks later are said (to the build using the pod), and end the agent's session so that
      // running steps fail now; an idle pod that breaks just goes.
      let broken: string | null = null;
      let idleEntry: IdlePod | null = null;
      problem = (why) => {
        broken = `pod ${namespace}/${name}: ${why}`;
        if (idleEntry) {
          this.#unpool(poolKey, idleEntry);
          idleEntry = null;
          void remove(false);
          return;
        }
        sayNow(`pod ${namespace}/${name}: ${why}`);
        this.#o.agents.endSession(name, `pod ${namespace}/${name}: ${why}`);
      };
      const backend = this.#o.agents.backend(name);
      const defaultContainer = built.defaultContainer;
      // Values of the Secrets the pod's env reads (secretEnvVar, secretKeyRef, envFrom): container() masks them.
      const secretValues = await this.#secretValues(core, namespace, built.pod, say);
      const podContainers = (((built.pod.spec ?? {}) as Obj).containers as Obj[] ?? []).map((x) => String(x.name));
      const lease = async (b: BuildRef, r: AgentRequest, sayTo: (line: string) => void): Promise<AllocatedNode> => {
        sayNow = sayTo;
        const ws = await backend.allocate({ build: b, ...(r.customWorkspace ? { path: r.customWorkspace } : {}) });
        // What fails once the pod broke fails with the pod's reason, ABORTED (as the plugin's builds end).
        const access: PodAccess = {
          namespace, name, containers: podContainers, shells: shellsOf(req.options.containerShells), secrets: secretValues,
          log: async (container, lo) => String(await core.readNamespacedPodLog({ name, namespace, container, ...(lo.tailLines ? { tailLines: lo.tailLines } : {}), ...(lo.sinceSeconds ? { sinceSeconds: lo.sinceSeconds } : {}), ...(lo.limitBytes ? { limitBytes: lo.limitBytes } : {}) })),
        };
        const moved = withContainerWorkdirs(ws, built.workdir, built.workdirs);
        const workspace = abortedWhenBroken(defaultContainer ? withDefaultContainer(moved, defaultContainer) : moved, () => broken, access);
        return {
          workspace,
          release: async (outcome) => {
            await ws.release().catch(() => {});
            const keep = s.podRetention === 'always' || (s.podRetention === 'onFailure' && outcome?.failed === true);
            if (idleMs > 0 && broken === null && !deleted && this.#o.agents.isOnline(name)) {
              sayNow(`Keeping pod ${namespace}/${name} for ${idleMs / 60_000} min (idleMinutes) for the next build that asks for the same pod`);
              sayNow = () => {};
              const entry: IdlePod = {
                name,
                lease: async (b2, r2, say2) => {
                  clearTimeout(entry.timer);
                  idleEntry = null;
                  say2(`Reusing idle pod ${namespace}/${name} (idleMinutes)`);
                  try {
                    return await lease(b2, r2, say2);
                  } catch (err) {
                    problem = null;
                    await remove(false);
                    throw err;
                  }
                },
                timer: setTimeout(() => { this.#unpool(poolKey, entry); idleEntry = null; void remove(keep); }, idleMs),
                drop: async () => { clearTimeout(entry.timer); idleEntry = null; await remove(keep); },
              };
              entry.timer.unref();
              idleEntry = entry;
              this.#idle.set(poolKey, [...(this.#idle.get(poolKey) ?? []), entry]);
              return;
            }
            problem = null;
            await remove(keep);
          },
        };
      };
      return await lease(build, req, say);
    } catch (e) {
      problem = null;
      await remove(s.podRetention === 'always' || (s.podRetention === 'onFailure' && online));
      if (signal.aborted && !(e instanceof StepFailure)) throw interruptionOf(signal);
      throw e;
    }
  }

  #unpool(key: string, entry: IdlePod): void {
    const list = (this.#idle.get(key) ?? []).filter((x) => x !== entry);
    if (list.length) this.#idle.set(key, list);
    else this.#idle.delete(key);
  }

  /** Deletes the idle pods (the controller is stopping). */
  async close(): Promise<void> {
    const all = [...this.#idle.values()].flat();
    this.#idle.clear();
    await Promise.all(all.map((e) => e.drop()));
  }

  /**
   * The values of the Secrets the pod's containers read into their env (valueFrom.secretKeyRef:
   * that key; envFrom.secretRef: every key), to mask. A Secret that cannot be read is said once.
   */
  async #secretValues(core: { readNamespacedSecret(p: { name: string; namespace: string }): Promise<{ data?: Record<string, string> }> }, namespace: string, pod: Obj, say: (line: string) => void): Promise<string[]> {
    const wanted = new Map<string, Set<string> | null>(); // secret → keys (null: all)
    const spec = (pod.spec ?? {}) as Obj;
    for (const c of [...((spec.containers ?? []) as Obj[]), ...((spec.initContainers ?? []) as Obj[])]) {
      for (const e of (c.env ?? []) as Obj[]) {
        const ref = ((e.valueFrom ?? {}) as Obj).secretKeyRef as Obj | undefined;
        if (!ref || typeof ref.name !== 'string' || typeof ref.key !== 'string') continue;
        const keys = wanted.get(ref.name);
        if (keys === null) continue;
        wanted.set(ref.name, new Set([...(keys ?? []), ref.key]));
      }
      for (const f of (c.envFrom ?? []) as Obj[]) {
        const ref = f.secretRef as Obj | undefined;
        if (ref && typeof ref.name === 'string') wanted.set(ref.name, null);
      }
    }
    const values: string[] = [];
    for (const [secret, keys] of wanted) {
      try {
        const data = (await core.readNamespacedSecret({ name: secret, namespace })).data ?? {};
        for (const [k, v] of Object.entries(data)) {
          if (keys && !keys.has(k)) continue;
          const text = Buffer.from(v, 'base64').toString('utf8');
          if (text !== '') values.push(text);
        }
      } catch (e) {
        say(`Cannot read Secret ${namespace}/${secret} to mask its values in the console: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    return values;
  }

  /** "\n<last lines of the container's log>" or '' when there are none. */
  async #withLog(core: { readNamespacedPodLog(p: { name: string; namespace: string; container?: string; tailLines?: number }): Promise<string> }, namespace: string, name: string, container: string | null): Promise<string> {
    if (!container) return '';
    try {
      const text = await core.readNamespacedPodLog({ name, namespace, container, tailLines: 20 });
      const lines = String(text).trimEnd();
      return lines ? `\nLast lines of container '${container}':\n${lines}` : '';
    } catch {
      return '';
    }
  }

  /**
   * This controller's pods a previous process left, listed once per process, in every cloud (a
   * cloud that cannot be listed is logged and has none: a resumed build then makes a new pod).
   */
  #scan(): Promise<FoundPod[]> {
    this.#found ??= (async () => {
      const out: FoundPod[] = [];
      const clouds = await this.#o.clouds();
      if (clouds.length === 0) return out; // and the client library is not loaded
      const k = await kubernetesClient();
      for (const cloud of clouds) {
        const s = cloud.settings;
        try {
          const cred = s.credentialsId && !s.inCluster ? await this.#o.credential(s.credentialsId, cloud.name) : null;
          const core = (await kubeConfig(s, cred)).makeApiClient(k.CoreV1Api);
          const namespaces = new Set([s.namespace, ...s.templates.map((t) => t.namespace).filter((x): x is string => x !== null)]);
          for (const namespace of namespaces) {
            const list = await core.listNamespacedPod({ namespace, labelSelector: `${LABEL_CONTROLLER}=${labelValue(this.#o.controllerId)}` });
            for (const p of list.items) {
              const name = p.metadata?.name;
              if (!name || this.#live.has(name)) continue; // made by this process meanwhile
              out.push({
                cloud: cloud.name, namespace, name, buildId: p.metadata?.annotations?.[ANNOTATION_BUILD_ID] ?? null, pod: p as unknown as Obj, state: 'left',
                remove: async () => { await core.deleteNamespacedPod({ name, namespace, gracePeriodSeconds: 0 }); },
              });
            }
          }
        } catch (e) {
          this.#o.log?.(`kubernetes: cloud '${cloud.name}': could not look for pods a previous run left: ${(e as Error).message}`, { level: 'warn', cloud: cloud.name });
        }
      }
      return out;
    })();
    return this.#found;
  }

  /** A pod the previous process left for this build, with the containers of `pod`, that can still serve: it is adopted. */
  async #adoptable(build: BuildRef, cloud: string, namespace: string, pod: Obj): Promise<FoundPod | null> {
    if (!this.#o.buildRunning) return null;
    const found = await this.#scan();
    const want = containerNames(pod);
    for (const f of found) {
      if (f.state === 'adopted' || f.state === 'deleted' || f.buildId !== build.id || f.cloud !== cloud || f.namespace !== namespace) continue;
      if (containerNames(f.pod) !== want) continue;
      if (podProblem(f.pod, { unschedulableSinceMs: null, now: Date.now(), limitMs: Infinity }) !== null) continue;
      f.state = 'adopted';
      return f;
    }
    return null;
  }

  /**
   * At start: deletes the pods a previous run of this controller left (labelled with its id), in
   * every cloud, except those of builds that run again here (durable builds): they are kept, their
   * agents allowed to dial in, for their build to adopt; one its build has not adopted when the
   * build ends goes then. Resolves with the number deleted now.
   */
  async sweep(): Promise<number> {
    let n = 0;
    for (const f of await this.#scan()) {
      if (f.state !== 'left' || this.#live.has(f.name)) continue;
      const where = { cloud: f.cloud, pod: `${f.namespace}/${f.name}` };
      const running = f.buildId !== null ? this.#o.buildRunning?.(f.buildId) ?? null : null;
      const drop = async (why: string) => {
        if (f.state === 'adopted' || f.state === 'deleted') return;
        f.state = 'deleted';
        this.#o.agents.forget(f.name);
        await f.remove().then(() => this.#o.log?.(`kubernetes: deleted ${why} pod ${f.namespace}/${f.name} (cloud '${f.cloud}')`, where), () => {});
      };
      if (running) {
        f.state = 'kept';
        this.#o.agents.allow(f.name);
        this.#o.log?.(`kubernetes: kept pod ${f.namespace}/${f.name} (cloud '${f.cloud}') for its build, which runs again after the restart`, where);
        void running.then(() => drop('unadopted'));
        continue;
      }
      await drop('leftover');
      n++;
    }
    return n;
  }
}

/**
 * A workspace whose calls that fail after the pod broke fail with the pod's reason, as ABORTED;
 * it answers POD_ACCESS with its pod (containerLog).
 */
function abortedWhenBroken(ws: import('../../core/workspace.ts').Workspace, broken: () => string | null, access: PodAccess): import('../../core/workspace.ts').Workspace {
  return new Proxy(ws, {
    get(target, prop) {
      if (prop === POD_ACCESS) return access;
      if (prop === 'secrets') return access.secrets; // masked from the moment the build has the pod
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      return (...a: unknown[]) => {
        const r = (v as (...x: unknown[]) => unknown).apply(target, a);
        if (!(r instanceof Promise)) return r;
        return r.catch(async (e: unknown) => {
          if (e instanceof StepFailure) throw e;
          // The agent may go before the watch says why (its container killed with the pod): wait a little for the reason.
          for (let i = 0; i < 30 && broken() === null && e instanceof Error && e.name === 'AgentUnavailableError'; i++) await new Promise((res) => setTimeout(res, 100));
          const why = broken();
          if (why === null) throw e;
          throw new StepFailure(why, { result: 'ABORTED', cause: e });
        });
      };
    },
  });
}

/** Steps outside container() run in `name` (the kubernetes agent's defaultContainer). */
function withDefaultContainer(ws: import('../../core/workspace.ts').Workspace, name: string): import('../../core/workspace.ts').Workspace {
  return new Proxy(ws, {
    get(target, prop) {
      if (prop === 'exec') {
        return (spec: import('../../core/workspace.ts').ExecSpec) => target.exec(spec.container === undefined ? { ...spec, container: name } : spec);
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/**
 * Steps in a tool container get the build's variables but not the agent container's own env
 * (a variable whose value is the node's is left out, as the plugin leaves it out), so the
 * container's env stays its own. Steps in a container whose workspace is mounted at its own
 * workingDir run at the same place under that path, as the plugin moves them: the working
 * directory, and arguments and env values under the agent's work dir (WORKSPACE, the step's
 * script file), get that prefix.
 */
export function withContainerWorkdirs(ws: import('../../core/workspace.ts').Workspace, agentDir: string, workdirs: Record<string, string>): import('../../core/workspace.ts').Workspace {
  const from = agentDir.replace(/\/+$/, '');
  const move = (v: string, to: string) => (v === from || v.startsWith(`${from}/`) ? to + v.slice(from.length) : v);
  return new Proxy(ws, {
    get(target, prop) {
      if (prop === 'exec') {
        return (spec: import('../../core/workspace.ts').ExecSpec) => {
          if (spec.container === undefined || spec.container === AGENT_CONTAINER) return target.exec(spec);
          const node = target.nodeEnv ?? {};
          const env = Object.fromEntries(Object.entries(spec.env).filter(([k, v]) => node[k] !== v));
          const to = workdirs[spec.container];
          if (to === undefined) return target.exec({ ...spec, env });
          return target.exec({
            ...spec, cwd: move(spec.cwd, to), argv: spec.argv.map((a) => move(a, to)),
            env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, move(v, to)])),
          });
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
