// A PodRunner where the test decides what happens: no containers, only statuses, events and log
// lines. By default ('running') a new pod is scheduled and its containers run at once; with
// 'none' it stays Pending (unscheduled) until the test moves it. Helpers produce the failures
// Kiln must recognise: Unschedulable, ErrImagePull/ImagePullBackOff, CrashLoopBackOff,
// OOMKilled, Evicted, exits.
import { asList, asObj, now } from './cluster.ts';
import { PassThrough } from 'node:stream';
import type { PodHandle, PodRunner } from './pods.ts';
import type { ExecProcess, ExecRequest } from './exec.ts';
import { ApiError } from './objects.ts';

export interface ScriptedOptions {
  /** What happens to a new pod by itself: 'running' (default) or 'none' (stays Pending, unscheduled). */
  auto?: 'running' | 'none';
  /** Answers pods/exec: what the command prints and its exit code. Default: refused. */
  onExec?: ScriptedExec;
}

export type ScriptedExec = (pod: PodHandle, r: ExecRequest, stdin: string) => { stdout?: string; stderr?: string; exitCode?: number } | Promise<{ stdout?: string; stderr?: string; exitCode?: number }>;

export class ScriptedRunner implements PodRunner {
  readonly auto: 'running' | 'none';
  readonly #handles = new Map<string, PodHandle>();
  #ip = 2;

  onExec: ScriptedExec | undefined;

  constructor(o: ScriptedOptions = {}) {
    this.auto = o.auto ?? 'running';
    this.onExec = o.onExec;
  }

  exec(h: PodHandle, r: ExecRequest): ExecProcess {
    const handler = this.onExec;
    if (!handler) throw new ApiError(400, 'BadRequest', 'the scripted runner has no onExec handler');
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let input = '';
    stdin.on('data', (c: Buffer) => { input += c.toString('utf8'); });
    const inputDone = r.stdin ? new Promise<void>((res) => stdin.on('end', res)) : Promise.resolve();
    const done = inputDone.then(() => handler(h, r, input)).then((out) => {
      stdout.end(out.stdout ?? '');
      stderr.end(out.stderr ?? '');
      return out.exitCode ?? 0;
    });
    return { stdin: r.stdin ? stdin : null, stdout, stderr, done, kill: () => stdin.end() };
  }

  start(h: PodHandle): void {
    this.#handles.set(`${h.namespace}/${h.name}`, h);
    if (this.auto === 'running') this.run(h.namespace, h.name);
  }

  async stop(h: PodHandle, _grace: number): Promise<void> {
    for (const c of this.#containers(h)) {
      const st = this.#state(h, c.name, c.init);
      if (st && 'running' in st) h.setContainer(c.name, { terminated: { exitCode: 137, reason: 'Error', startedAt: st.running.startedAt, finishedAt: now() } }, { init: c.init });
    }
    for (const l of h.logs.values()) l.current.end();
    this.#handles.delete(`${h.namespace}/${h.name}`);
  }

  async close(): Promise<void> {
    this.#handles.clear();
  }

  /** The pod's handle; throws when no such pod was started. */
  pod(namespace: string, name: string): PodHandle {
    const h = this.#handles.get(`${namespace}/${name}`);
    if (!h) throw new Error(`scripted runner: no pod ${namespace}/${name} (has ${[...this.#handles.keys()].join(', ') || 'none'})`);
    return h;
  }

  /** Resolves with the handle once a pod of that name (or matching `name` as a prefix with `*`) is started. */
  async waitForPod(namespace: string, name: string, timeoutMs = 10_000): Promise<PodHandle> {
    const find = () => [...this.#handles.values()].find((h) => h.namespace === namespace && (name.endsWith('*') ? h.name.startsWith(name.slice(0, -1)) : h.name === name));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = find();
      if (h) return h;
      if (Date.now() > deadline) throw new Error(`scripted runner: no pod ${namespace}/${name} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  #containers(h: PodHandle): { name: string; image: string; init: boolean }[] {
    const spec = h.spec;
    return [
      ...asList(spec.initContainers).map((c) => ({ name: String(asObj(c).name), image: String(asObj(c).image), init: true })),
      ...asList(spec.containers).map((c) => ({ name: String(asObj(c).name), image: String(asObj(c).image), init: false })),
    ];
  }

  #state(h: PodHandle, name: string, init: boolean) {
    const s = asObj(h.pod?.status);
    const list = asList(init ? s.initContainerStatuses : s.containerStatuses).map(asObj);
    return list.find((c) => c.name === name)?.state as ({ running: { startedAt: string } } | { waiting: unknown } | { terminated: unknown }) | undefined;
  }

  #isInit(h: PodHandle, container: string): boolean {
    return asList(h.spec.initContainers).some((c) => asObj(c).name === container);
  }

  /** Scheduled, sandbox up, init containers completed, every container running (with the kubelet's events). */
  run(namespace: string, name: string): void {
    const h = this.pod(namespace, name);
    if (!asObj(h.pod?.spec).nodeName) h.schedule();
    h.sandboxReady(`10.244.0.${this.#ip++ % 250}`);
    for (const c of this.#containers(h)) {
      h.event('Normal', 'Pulled', `Container image "${c.image}" already present on machine`, { container: c.name, init: c.init });
      h.event('Normal', 'Created', `Created container ${c.name}`, { container: c.name, init: c.init });
      h.event('Normal', 'Started', `Started container ${c.name}`, { container: c.name, init: c.init });
      h.log(c.name);
      const startedAt = now();
      if (c.init) h.setContainer(c.name, { terminated: { exitCode: 0, reason: 'Completed', startedAt, finishedAt: startedAt } }, { init: true });
      else h.setContainer(c.name, { running: { startedAt } });
    }
  }

  schedule(namespace: string, name: string): void {
    this.pod(namespace, name).schedule();
  }

  /** PodScheduled=False, reason Unschedulable, with a FailedScheduling event carrying the message. */
  unschedulable(namespace: string, name: string, message?: string): void {
    this.pod(namespace, name).unschedulable(message);
  }

  /** Appends output to a container's log (follow readers see it at once). */
  log(namespace: string, name: string, container: string, text: string): void {
    this.pod(namespace, name).log(container).append(text);
  }

  /** The container exits with `exitCode` (reason Completed for 0, else Error, or the one given). */
  exit(namespace: string, name: string, container: string, exitCode: number, reason?: string, message?: string): void {
    const h = this.pod(namespace, name);
    const init = this.#isInit(h, container);
    const st = this.#state(h, container, init);
    h.setContainer(container, {
      terminated: {
        exitCode, reason: reason ?? (exitCode === 0 ? 'Completed' : 'Error'), ...(message ? { message } : {}),
        ...(st && 'running' in st ? { startedAt: st.running.startedAt } : {}), finishedAt: now(),
      },
    }, { init });
    h.log(container).end();
  }

  /** Killed for exceeding its memory limit: terminated, reason OOMKilled, exit code 137. */
  oomKill(namespace: string, name: string, container: string): void {
    this.exit(namespace, name, container, 137, 'OOMKilled');
  }

  /** The image cannot be pulled: ErrImagePull (Failed event), then ImagePullBackOff (BackOff event) when `backoff`. */
  imagePullFailure(namespace: string, name: string, container: string, backoff = false): void {
    const h = this.pod(namespace, name);
    if (!asObj(h.pod?.spec).nodeName) h.schedule();
    const init = this.#isInit(h, container);
    const image = String(this.#containers(h).find((c) => c.name === container)?.image);
    const msg = `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`;
    h.event('Normal', 'Pulling', `Pulling image "${image}"`, { container, init });
    h.event('Warning', 'Failed', msg, { container, init });
    h.event('Warning', 'Failed', 'Error: ErrImagePull', { container, init });
    h.setContainer(container, { waiting: { reason: 'ErrImagePull', message: msg } }, { init });
    if (backoff) {
      h.event('Normal', 'BackOff', `Back-off pulling image "${image}"`, { container, init });
      h.event('Warning', 'Failed', 'Error: ImagePullBackOff', { container, init });
      h.setContainer(container, { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } }, { init });
    }
  }

  /** The container keeps exiting: lastState terminated, restartCount up, waiting CrashLoopBackOff. */
  crashLoop(namespace: string, name: string, container: string, exitCode = 1, restarts = 3): void {
    const h = this.pod(namespace, name);
    const init = this.#isInit(h, container);
    for (let i = 0; i < restarts; i++) {
      const t = now();
      h.setContainer(container, { terminated: { exitCode, reason: 'Error', startedAt: t, finishedAt: t } }, { init });
      h.setContainer(container, { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${10 * 2 ** i}s restarting failed container=${container} pod=${name}_${namespace}(${h.uid})` } }, { init, restarted: true });
      h.log(container, true);
    }
    h.event('Warning', 'BackOff', 'Back-off restarting failed container', { container, init });
  }

  /** Evicted by the kubelet (node pressure): phase Failed, reason Evicted, containers killed. */
  evict(namespace: string, name: string, message = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. '): void {
    const h = this.pod(namespace, name);
    for (const c of this.#containers(h)) {
      const st = this.#state(h, c.name, c.init);
      if (st && 'running' in st) h.setContainer(c.name, { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated', startedAt: st.running.startedAt, finishedAt: now() } }, { init: c.init });
    }
    h.updateStatus((s) => {
      s.phase = 'Failed';
      s.reason = 'Evicted';
      s.message = message;
      const conds = asList(s.conditions).map(asObj);
      conds.push({ type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message: 'The node was low on resource: memory.', lastProbeTime: null, lastTransitionTime: now() });
      s.conditions = conds;
    });
    h.event('Warning', 'Evicted', message);
  }
}
