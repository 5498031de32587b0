// Pods' lives in the fake: what the scheduler and the kubelet do to a stored pod. A PodRunner
// (docker-runner.ts: real containers; scripted-runner.ts: the test decides) runs each pod and
// reports through a PodHandle: scheduling, each container's state, the pod IP, events, log
// bytes. The handle derives phase and conditions from the container states with the kubelet's
// rules, so a runner only says what happened to its containers.
import { Cluster, asList, asObj, core, now } from './cluster.ts';
import { quantity } from './quantity.ts';
import { clone, type KObject } from './objects.ts';
import type { ExecProcess, ExecRequest } from './exec.ts';

export type Obj = Record<string, unknown>;

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; message?: string; signal?: number; startedAt?: string; finishedAt: string; containerID?: string } };

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState: ContainerState | Record<string, never>;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

export interface PodRunner {
  /** A pod was stored: run it in the background, reporting through the handle. */
  start(pod: PodHandle): void;
  /**
   * The pod is being deleted: stop its containers (SIGTERM, SIGKILL after the grace period),
   * report them terminated, remove everything made for it. Resolves when done.
   */
  stop(pod: PodHandle, gracePeriodSeconds: number): Promise<void>;
  /** The fake is closing: remove whatever is left. */
  close(): Promise<void>;
  /** Runs a command in a running container (pods/exec); throw an ApiError to refuse. Optional. */
  exec?(pod: PodHandle, r: ExecRequest): ExecProcess;
}

// ---------------------------------------------------------------------------------------------
// Logs

interface LogLine { time: Date; data: Buffer }

/** One run of one container's output: lines with the time they were written. */
export class LogBuffer {
  readonly lines: LogLine[] = [];
  #partial: Buffer = Buffer.alloc(0);
  #partialTime = new Date();
  ended = false;
  readonly #listeners = new Set<() => void>();

  append(data: Buffer | string): void {
    let b = Buffer.concat([this.#partial, Buffer.isBuffer(data) ? data : Buffer.from(data)]);
    if (this.#partial.length === 0) this.#partialTime = new Date();
    for (;;) {
      const i = b.indexOf(10);
      if (i < 0) break;
      this.lines.push({ time: this.#partialTime, data: b.subarray(0, i + 1) });
      b = b.subarray(i + 1);
      this.#partialTime = new Date();
    }
    this.#partial = b;
    this.#notify();
  }

  end(): void {
    if (this.ended) return;
    if (this.#partial.length) this.lines.push({ time: this.#partialTime, data: this.#partial });
    this.#partial = Buffer.alloc(0);
    this.ended = true;
    this.#notify();
  }

  #notify(): void {
    for (const l of [...this.#listeners]) l();
  }

  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  text(): string {
    return Buffer.concat([...this.lines.map((l) => l.data), this.#partial]).toString('utf8');
  }
}

// ---------------------------------------------------------------------------------------------
// The handle a runner drives

export class PodHandle {
  readonly cluster: Cluster;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  /** Aborted when the pod's deletion starts (or the fake closes). */
  readonly deletion = new AbortController();
  /** Current and previous log of each container. */
  readonly logs = new Map<string, { current: LogBuffer; previous: LogBuffer | null }>();
  /** Anything the runner wants to keep with the pod. */
  data: Record<string, unknown> = {};

  constructor(cluster: Cluster, pod: KObject) {
    this.cluster = cluster;
    this.namespace = pod.metadata.namespace!;
    this.name = pod.metadata.name!;
    this.uid = pod.metadata.uid!;
  }

  /** The pod as stored now, or undefined once it is gone (or replaced by one of the same name). */
  get pod(): KObject | undefined {
    const p = this.cluster.find(core('pods'), this.namespace, this.name);
    return p && p.metadata.uid === this.uid ? p : undefined;
  }

  get spec(): Obj {
    return asObj(this.pod?.spec);
  }

  get deleting(): boolean {
    return this.deletion.signal.aborted;
  }

  /** Changes the pod's status, then derives phase and conditions from the container states. */
  updateStatus(fn: (status: Obj, pod: KObject) => void): void {
    this.cluster.mutate(core('pods'), this.namespace, this.name, (p) => {
      if (p.metadata.uid !== this.uid) return;
      const status = asObj(p.status);
      p.status = status;
      fn(status, p);
      derive(p);
    });
  }

  event(type: 'Normal' | 'Warning', reason: string, message: string, o: { container?: string; init?: boolean; component?: string } = {}): void {
    const pod = this.pod;
    if (!pod) return;
    const fieldPath = o.container ? `spec.${o.init ? 'initContainers' : 'containers'}{${o.container}}` : undefined;
    this.cluster.recordEvent(pod, type, reason, message, { ...(fieldPath ? { fieldPath } : {}), ...(o.component ? { component: o.component } : {}) });
  }

  /** Binds the pod to the node: PodScheduled=True, containers waiting in ContainerCreating. */
  schedule(): void {
    const node = this.cluster.nodeName;
    this.cluster.mutate(core('pods'), this.namespace, this.name, (p) => {
      asObj(p.spec).nodeName = node;
    });
    this.updateStatus((s, p) => {
      setCondition(s, 'PodScheduled', 'True');
      s.hostIP = '127.0.0.1';
      s.hostIPs = [{ ip: '127.0.0.1' }];
      s.startTime = now();
      const spec = asObj(p.spec);
      const hasInit = asList(spec.initContainers).length > 0;
      if (hasInit) s.initContainerStatuses = asList(spec.initContainers).map((c) => initialStatus(asObj(c), 'PodInitializing'));
      s.containerStatuses = asList(spec.containers).map((c) => initialStatus(asObj(c), hasInit ? 'PodInitializing' : 'ContainerCreating'));
    });
    this.event('Normal', 'Scheduled', `Successfully assigned ${this.namespace}/${this.name} to ${node}`, { component: 'default-scheduler' });
  }

  /** The scheduler cannot place the pod: PodScheduled=False (Unschedulable) and a FailedScheduling event. */
  unschedulable(message = '0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.'): void {
    this.updateStatus((s) => setCondition(s, 'PodScheduled', 'False', 'Unschedulable', message));
    this.event('Warning', 'FailedScheduling', message, { component: 'default-scheduler' });
  }

  /** The pod sandbox is up: the pod IP and PodReadyToStartContainers. */
  sandboxReady(ip: string): void {
    this.updateStatus((s) => {
      s.podIP = ip;
      s.podIPs = [{ ip }];
      setCondition(s, 'PodReadyToStartContainers', 'True');
    });
  }

  /** Sets one container's state; `restarted` moves the current state to lastState and counts. */
  setContainer(name: string, state: ContainerState, o: { init?: boolean; restarted?: boolean; containerID?: string; imageID?: string; ready?: boolean } = {}): void {
    this.updateStatus((s, p) => {
      const field = o.init ? 'initContainerStatuses' : 'containerStatuses';
      const specField = o.init ? 'initContainers' : 'containers';
      const list = asList(s[field]) as ContainerStatus[];
      s[field] = list;
      let cs = list.find((x) => x.name === name);
      if (!cs) {
        const c = asList(asObj(p.spec)[specField]).map(asObj).find((x) => x.name === name);
        if (!c) return;
        cs = initialStatus(c, 'ContainerCreating');
        list.push(cs);
      }
      if (o.restarted) {
        cs.lastState = cs.state;
        cs.restartCount++;
      }
      cs.state = clone(state);
      if (o.containerID) cs.containerID = o.containerID;
      if (o.imageID) cs.imageID = o.imageID;
      cs.started = 'running' in state;
      cs.ready = o.ready ?? ('running' in state && !o.init);
    });
  }

  /** The log of a container's current run (a new one when it restarts: `previous` keeps the last). */
  log(container: string, restarted = false): LogBuffer {
    let l = this.logs.get(container);
    if (!l) this.logs.set(container, (l = { current: new LogBuffer(), previous: null }));
    else if (restarted) {
      l.current.end();
      l.previous = l.current;
      l.current = new LogBuffer();
    }
    return l.current;
  }

  /** Terminal phase set directly (eviction, deadline exceeded): containers are reported killed. */
  failPod(reason: string, message: string): void {
    this.updateStatus((s) => {
      s.phase = 'Failed';
      s.reason = reason;
      s.message = message;
    });
  }
}

function initialStatus(c: Obj, reason: string): ContainerStatus {
  return {
    name: String(c.name), state: { waiting: { reason } }, lastState: {}, ready: false, restartCount: 0,
    image: String(c.image), imageID: '', started: false,
  };
}

export function setCondition(s: Obj, type: string, status: 'True' | 'False', reason?: string, message?: string): void {
  const conds = asList(s.conditions).map(asObj);
  let c = conds.find((x) => x.type === type);
  if (!c) {
    c = { type };
    conds.push(c);
  }
  if (c.status !== status || c.reason !== reason || c.message !== message) {
    c.status = status;
    c.lastProbeTime = null;
    c.lastTransitionTime = now();
    if (reason) c.reason = reason;
    else delete c.reason;
    if (message) c.message = message;
    else delete c.message;
  }
  const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled', 'DisruptionTarget'];
  s.conditions = conds.sort((a, b) => order.indexOf(String(a.type)) - order.indexOf(String(b.type)));
}

/** Phase and conditions from the container states, as the kubelet computes them (getPhase). */
function derive(p: KObject): void {
  const s = asObj(p.status);
  const spec = asObj(p.spec);
  if (s.phase === 'Succeeded' || s.phase === 'Failed') {
    for (const t of ['Ready', 'ContainersReady']) if (asList(s.conditions).some((c) => asObj(c).type === t)) setCondition(s, t, 'False', 'PodCompleted');
    return;
  }
  const scheduled = asList(s.conditions).some((c) => asObj(c).type === 'PodScheduled' && asObj(c).status === 'True');
  if (!scheduled) {
    s.phase = 'Pending';
    return;
  }
  const policy = String(spec.restartPolicy ?? 'Always');
  const inits = asList(s.initContainerStatuses) as ContainerStatus[];
  const initSpecs = asList(spec.initContainers);
  const initDone = inits.length === initSpecs.length && inits.every((c) => 'terminated' in c.state && c.state.terminated.exitCode === 0);
  const initFailed = inits.some((c) => 'terminated' in c.state && c.state.terminated.exitCode !== 0);
  if (initSpecs.length > 0) {
    setCondition(s, 'Initialized', initDone ? 'True' : 'False', initDone ? undefined : 'ContainersNotInitialized',
      initDone ? undefined : `containers with incomplete status: [${inits.filter((c) => !('terminated' in c.state && c.state.terminated.exitCode === 0)).map((c) => c.name).join(' ')}]`);
  } else setCondition(s, 'Initialized', 'True');
  const cs = asList(s.containerStatuses) as ContainerStatus[];
  const unready = cs.filter((c) => !c.ready).map((c) => c.name);
  const readyStatus = unready.length === 0 && cs.length > 0 ? 'True' : 'False';
  const why = readyStatus === 'True' ? undefined : 'ContainersNotReady';
  const msg = readyStatus === 'True' ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  setCondition(s, 'Ready', readyStatus, why, msg);
  setCondition(s, 'ContainersReady', readyStatus, why, msg);
  if (initFailed && policy === 'Never') {
    s.phase = 'Failed';
    return;
  }
  if (!initDone) {
    s.phase = 'Pending';
    return;
  }
  let running = 0, waiting = 0, stopped = 0, succeeded = 0;
  for (const c of cs) {
    if ('running' in c.state) running++;
    else if ('terminated' in c.state) {
      stopped++;
      if (c.state.terminated.exitCode === 0) succeeded++;
    } else if ('terminated' in c.lastState) stopped++;
    else waiting++;
  }
  if (cs.length < asList(spec.containers).length) waiting++;
  let phase: string;
  if (waiting > 0) phase = 'Pending';
  else if (running > 0) phase = 'Running';
  else if (stopped > 0) {
    if (policy === 'Always') phase = 'Running';
    else if (policy === 'OnFailure') phase = stopped === succeeded ? 'Succeeded' : 'Running';
    else phase = stopped === succeeded ? 'Succeeded' : 'Failed';
  } else phase = 'Pending';
  s.phase = phase;
}

// ---------------------------------------------------------------------------------------------
// The manager: hooks the cluster's pod writes to the runner

export class PodManager {
  readonly cluster: Cluster;
  runner: PodRunner;
  readonly handles = new Map<string, PodHandle>();

  constructor(cluster: Cluster, runner: PodRunner) {
    this.cluster = cluster;
    this.runner = runner;
    cluster.hooks.podCreated = (pod) => {
      const h = new PodHandle(cluster, pod);
      this.handles.set(h.uid, h);
      const problem = this.#unschedulable(pod);
      if (problem) {
        // As the scheduler: the pod stays Pending with the reason; nothing runs.
        h.unschedulable(problem);
        return;
      }
      runner.start(h);
      const deadline = asObj(pod.spec).activeDeadlineSeconds;
      if (typeof deadline === 'number' && deadline > 0) {
        const t = setTimeout(() => void this.#terminate(h, 'DeadlineExceeded', 'Pod was active on the node longer than the specified deadline').catch(() => {}), deadline * 1000);
        t.unref();
        h.deletion.signal.addEventListener('abort', () => clearTimeout(t), { once: true });
      }
    };
    cluster.hooks.podDeleting = (pod, grace) => {
      const h = this.handles.get(pod.metadata.uid!);
      if (!h) return 'now';
      h.deletion.abort();
      const p = pod;
      for (const c of asList(asObj(p.status).containerStatuses) as ContainerStatus[]) {
        if ('running' in c.state) h.event('Normal', 'Killing', `Stopping container ${c.name}`, { container: c.name });
      }
      return (async () => {
        try {
          await runner.stop(h, grace);
        } finally {
          for (const l of h.logs.values()) l.current.end();
          this.handles.delete(h.uid);
        }
      })();
    };
  }

  /**
   * The kubelet ends a pod that stays (as after activeDeadlineSeconds or an eviction): its
   * containers are killed, the phase is Failed with the reason, the object remains until deleted.
   */
  async #terminate(h: PodHandle, reason: string, message: string, o: { disruption?: boolean } = {}): Promise<void> {
    const phase = asObj(h.pod?.status).phase;
    if (!h.pod || phase === 'Succeeded' || phase === 'Failed' || h.deleting) return;
    h.event('Warning', reason, message);
    if (o.disruption) h.updateStatus((s) => setCondition(s, 'DisruptionTarget', 'True', 'TerminationByKubelet', message));
    for (const c of asList(asObj(h.pod?.status).containerStatuses) as ContainerStatus[]) {
      if ('running' in c.state) h.event('Normal', 'Killing', `Stopping container ${c.name}`, { container: c.name });
    }
    h.deletion.abort();
    h.failPod(reason, message);
    try {
      await this.runner.stop(h, 0);
    } finally {
      for (const l of h.logs.values()) l.current.end(); // the handle (and the logs) stay until the pod is deleted
    }
  }

  /**
   * Why the scheduler cannot place the pod on the fake's one node, in the scheduler's words, or
   * null: a nodeSelector the node's labels do not satisfy, or requests beyond its allocatable
   * CPU and memory. (Node affinity, taints and quotas are not modelled.)
   */
  #unschedulable(pod: KObject): string | null {
    const spec = asObj(pod.spec);
    if (typeof spec.nodeName === 'string' && spec.nodeName) return null;
    const node = this.cluster.find(core('nodes'), null, this.cluster.nodeName);
    const labels = node?.metadata.labels ?? {};
    const reasons: string[] = [];
    if (Object.entries(asObj(spec.nodeSelector)).some(([k, v]) => labels[k] !== v)) reasons.push("1 node(s) didn't match Pod's node affinity/selector");
    else {
      const alloc = asObj(asObj(node?.status).allocatable);
      for (const [res, label] of [['cpu', 'cpu'], ['memory', 'memory']] as const) {
        const want = asList(spec.containers).reduce<number>((n, c) => n + (quantity(asObj(asObj(asObj(c).resources).requests)[res]) ?? 0), 0);
        const have = quantity(alloc[res]) ?? Infinity;
        if (want > have) reasons.push(`1 Insufficient ${label}`);
      }
    }
    if (reasons.length === 0) return null;
    const preemption = reasons[0]!.startsWith('1 Insufficient') ? '1 No preemption victims found for incoming pod' : '1 Preemption is not helpful for scheduling';
    return `0/1 nodes are available: ${reasons.join(', ')}. preemption: 0/1 nodes are available: ${preemption}.`;
  }

  /** Evicts a pod as the kubelet does under node pressure: containers killed, phase Failed, reason Evicted, DisruptionTarget. */
  evict(namespace: string, name: string, message = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. '): Promise<void> {
    const h = this.handle(namespace, name);
    if (!h) throw new Error(`evict: no running pod ${namespace}/${name}`);
    return this.#terminate(h, 'Evicted', message, { disruption: true });
  }

  handle(namespace: string, name: string): PodHandle | undefined {
    for (const h of this.handles.values()) if (h.namespace === namespace && h.name === name) return h;
    return undefined;
  }
}
