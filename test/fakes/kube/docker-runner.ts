// A PodRunner that really runs pods on the local Docker engine, as a kubelet with a container
// runtime would:
//   - a pause container holds the pod's network namespace (its IP is the pod IP; every container
//     joins it with NetworkMode container:<pause>, so `localhost` reaches a sidecar);
//   - volumes: emptyDir → a Docker volume per pod (mode 0777, never filled from the image, as
//     Kubernetes), medium Memory → tmpfs; secret / configMap → files written from the fake's
//     objects (items, defaultMode), bind-mounted read-only; hostPath → bind; PVC → a Docker volume
//     per claim; the service account token (token, namespace, ca.crt) at
//     /var/run/secrets/kubernetes.io/serviceaccount unless automountServiceAccountToken is false;
//   - init containers one after another to completion, then the containers in order, each with
//     its image checked (missing → pulled; not pullable → ErrImagePull, then ImagePullBackOff and
//     retries with backoff), env (value with $(VAR) expansion, valueFrom fieldRef / secretKeyRef /
//     configMapKeyRef, envFrom; a missing secret → CreateContainerConfigError), command/args with
//     Kubernetes' entrypoint rules, workingDir, tty/stdin, securityContext (runAsUser, runAsGroup,
//     fsGroup, supplementalGroups, privileged, capabilities, readOnlyRootFilesystem), memory and
//     CPU limits (so OOMKilled is real), shareProcessNamespace;
//   - restartPolicy honoured (Always / OnFailure restart with CrashLoopBackOff between);
//   - logs followed from the engine into the pod's log buffers;
//   - deletion: SIGTERM, SIGKILL after the grace period, containers and volumes removed.
// Everything carries the label kiln.fake-kube=<runner label>; leftovers() lists what remains.
//
// It talks to dockerd through src/plugins/docker/engine.ts (the Engine API client of the Docker
// plugin). It does not use that backend's pod runtime (src/plugins/docker/pod.ts): that one
// realises a Kiln pod for a build (workspace at the node's path, Kiln's step runner injected as
// every container's entrypoint, no volumes, no per-container states), while a fake kubelet must
// run the pod spec exactly as written and report what happens to each container.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Engine, type ImageInspect } from '../../../src/plugins/docker/engine.ts';
import { asList, asObj, core, now } from './cluster.ts';
import { quantity } from './quantity.ts';
import type { ContainerStatus, LogBuffer, PodHandle, PodRunner } from './pods.ts';
import type { ExecProcess, ExecRequest } from './exec.ts';
import { ApiError } from './objects.ts';

export interface DockerRunnerOptions {
  engine?: Engine;
  /** Image of the pause container (needs `sleep`). Default kiln-test/busybox:latest. */
  pauseImage?: string;
  /** Value of the kiln.fake-kube label on everything this runner makes. Default a random id. */
  label?: string;
  /** First delay before retrying a failed pull (ImagePullBackOff), doubling up to 8×. Default 1000 ms. */
  pullBackoffMs?: number;
  /** First delay before restarting a crashed container (CrashLoopBackOff), doubling up to 8×. Default 1000 ms. */
  crashBackoffMs?: number;
  /** Run every container with Docker's init as PID 1 (SIGTERM then stops `sleep` at once). Default false, as Kubernetes. */
  init?: boolean;
  log?: (line: string) => void;
}

type Obj = Record<string, unknown>;

interface Mount { Type: 'volume' | 'bind' | 'tmpfs'; Source?: string; Target: string; ReadOnly?: boolean; VolumeOptions?: { NoCopy: boolean } }

interface PodState {
  h: PodHandle;
  id: string;
  dir: string;
  pauseId: string | null;
  volumes: string[];
  /** Docker volume (or host dir) behind each pod volume, by name. */
  vols: Map<string, { kind: 'volume'; name: string } | { kind: 'bind'; path: string } | { kind: 'tmpfs' }>;
  containers: Map<string, string>;
  /** Per container: settles when its monitor loop ends. */
  monitors: Promise<void>[];
  run: Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) => new Promise<void>((resolve) => {
  if (signal.aborted) return resolve();
  const t = setTimeout(done, ms);
  function done() {
    clearTimeout(t);
    signal.removeEventListener('abort', done);
    resolve();
  }
  signal.addEventListener('abort', done, { once: true });
});

/** Kubernetes' $(VAR) expansion ($$ escapes; unknown references stay as written). */
export function expand(s: string, env: Map<string, string>): string {
  return s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (all, name: string | undefined) => {
    if (all === '$$') return '$';
    return name !== undefined && env.has(name) ? env.get(name)! : all;
  });
}

/** Docker's multiplexed log stream, decoded as it arrives. */
class Demux {
  #buf = Buffer.alloc(0);
  readonly #out: (b: Buffer) => void;
  constructor(out: (b: Buffer) => void) {
    this.#out = out;
  }
  push(c: Buffer): void {
    this.#buf = Buffer.concat([this.#buf, c]);
    while (this.#buf.length >= 8) {
      const n = this.#buf.readUInt32BE(4);
      if (this.#buf.length < 8 + n) break;
      this.#out(this.#buf.subarray(8, 8 + n));
      this.#buf = this.#buf.subarray(8 + n);
    }
  }
}

class ConfigError extends Error {}

export class DockerRunner implements PodRunner {
  readonly engine: Engine;
  readonly label: string;
  readonly pauseImage: string;
  readonly o: DockerRunnerOptions;
  readonly #pods = new Map<string, PodState>();
  readonly #workDir: string;
  #fake: { url: string; token: string; caPem: string | undefined; inCluster: { host: string; port: string } | null } = { url: '', token: '', caPem: undefined, inCluster: null };
  readonly #pvcs = new Set<string>();

  constructor(o: DockerRunnerOptions = {}) {
    this.o = o;
    this.engine = o.engine ?? new Engine();
    this.label = o.label ?? `k${randomBytes(4).toString('hex')}`;
    this.pauseImage = o.pauseImage ?? 'kiln-test/busybox:latest';
    this.#workDir = fs.mkdtempSync(path.join(os.tmpdir(), `kiln-fake-kubelet-${process.pid}-${this.label}-`));
  }

  /** The fake's address and token, for the service account files and KUBERNETES_SERVICE_*. */
  attach(f: { url: string; token: string; caPem: string | undefined; inCluster: { host: string; port: string } | null }): void {
    this.#fake = f;
  }

  /** The default bridge network's gateway: the address of this machine that containers reach. */
  bridgeGateway(): Promise<string> {
    return bridgeGateway(this.engine);
  }

  #labels(st: PodState, extra: Obj = {}): Record<string, string> {
    const h = st.h;
    return { 'kiln.fake-kube': this.label, 'kiln.fake-kube.pid': String(process.pid), 'kiln.fake-kube.pod': `${h.namespace}.${h.name}`, 'kiln.fake-kube.uid': h.uid, ...(extra as Record<string, string>) };
  }

  start(h: PodHandle): void {
    const id = `kfk-${this.label}-${h.name.slice(0, 40)}-${h.uid.slice(0, 6)}`;
    const st: PodState = {
      h, id, dir: path.join(this.#workDir, h.uid), pauseId: null, volumes: [], vols: new Map(), containers: new Map(), monitors: [],
      run: Promise.resolve(),
    };
    this.#pods.set(h.uid, st);
    st.run = this.#run(st).catch((e: Error) => {
      if (h.deleting) return;
      this.o.log?.(`fake kubelet: pod ${h.namespace}/${h.name}: ${e.stack ?? e.message}`);
      h.event('Warning', 'FailedCreatePodSandBox', `Failed to create pod sandbox: ${e.message}`);
    });
  }

  async #run(st: PodState): Promise<void> {
    const { h } = st;
    const signal = h.deletion.signal;
    h.schedule();
    const spec = h.spec;
    await fsp.mkdir(st.dir, { recursive: true });
    // Volumes (a missing secret or config map keeps the pod in ContainerCreating and is retried).
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#volumes(st, spec);
        break;
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        h.event('Warning', 'FailedMount', e.message);
        await sleep(this.#backoff(this.o.pullBackoffMs, attempt), signal);
        if (signal.aborted) return;
      }
    }
    if (signal.aborted) return;
    // The sandbox.
    await this.#requireImage(this.pauseImage, 'the pause container');
    const hostname = typeof spec.hostname === 'string' ? spec.hostname : h.name;
    const pauseMounts = [...st.vols.entries()].filter(([, v]) => v.kind === 'volume').map(([n, v]) => ({ Type: 'volume', Source: (v as { name: string }).name, Target: `/kfk/${n}`, VolumeOptions: { NoCopy: true } }));
    st.pauseId = await this.engine.createContainer(`${st.id}-pause`, {
      Image: this.pauseImage, Entrypoint: ['sleep'], Cmd: ['2147483647'], Hostname: hostname.slice(0, 63),
      Labels: this.#labels(st, { 'kiln.fake-kube.container': 'POD' }),
      HostConfig: { NetworkMode: 'bridge', Init: true, Mounts: pauseMounts },
    });
    await this.engine.start(st.pauseId);
    const pause = await this.engine.json<{ NetworkSettings: { IPAddress: string; Gateway: string } }>('GET', `/containers/${st.pauseId}/json`);
    await this.#prepareVolumes(st, spec);
    if (signal.aborted) return;
    h.sandboxReady(pause.NetworkSettings.IPAddress || '127.0.0.1');
    // Init containers, one after another, each to completion.
    for (const c of asList(spec.initContainers).map(asObj)) {
      if (signal.aborted) return;
      const ok = await this.#runContainer(st, c, true);
      if (!ok) return;
    }
    for (const c of asList(spec.containers).map(asObj)) {
      if (signal.aborted) return;
      void this.#runContainer(st, c, false);
    }
  }

  #backoff(base: number | undefined, attempt: number): number {
    return (base ?? 1000) * 2 ** Math.min(attempt, 3);
  }

  async #requireImage(image: string, what: string): Promise<ImageInspect> {
    const img = await this.engine.imageInspect(image);
    if (!img) throw new Error(`the image of ${what}, ${image}, is not on the Docker engine; run scripts/test-prereqs.sh`);
    return img;
  }

  // -------------------------------------------------------------------------------------------
  // volumes

  async #volumes(st: PodState, spec: Obj): Promise<void> {
    const { h } = st;
    for (const v of asList(spec.volumes).map(asObj)) {
      const name = String(v.name);
      if (st.vols.has(name)) continue;
      if (isObj(v.secret) || isObj(v.configMap)) {
        const isSecret = isObj(v.secret);
        const src = asObj(isSecret ? v.secret : v.configMap);
        const objName = String(isSecret ? src.secretName : src.name);
        const obj = h.cluster.find(core(isSecret ? 'secrets' : 'configmaps'), h.namespace, objName);
        if (!obj && src.optional !== true) {
          throw new ConfigError(`MountVolume.SetUp failed for volume "${name}" : ${isSecret ? 'secret' : 'configmap'} "${objName}" not found`);
        }
        const dir = path.join(st.dir, 'volumes', name);
        await fsp.mkdir(dir, { recursive: true });
        const data: Record<string, Buffer> = {};
        for (const [k, val] of Object.entries(asObj(obj?.data))) data[k] = isSecret ? Buffer.from(String(val), 'base64') : Buffer.from(String(val));
        for (const [k, val] of Object.entries(asObj(obj?.binaryData))) data[k] = Buffer.from(String(val), 'base64');
        const mode = typeof src.defaultMode === 'number' ? src.defaultMode : 0o644;
        const items = asList(src.items).map(asObj);
        const files = items.length ? items.map((i) => ({ key: String(i.key), path: String(i.path), mode: typeof i.mode === 'number' ? i.mode : mode })) : Object.keys(data).map((k) => ({ key: k, path: k, mode }));
        for (const f of files) {
          if (!data[f.key]) throw new ConfigError(`MountVolume.SetUp failed for volume "${name}" : configmap references non-existent config key: ${f.key}`);
          const p = path.join(dir, f.path);
          await fsp.mkdir(path.dirname(p), { recursive: true });
          await fsp.writeFile(p, data[f.key]!, { mode: f.mode });
          await fsp.chmod(p, f.mode);
        }
        st.vols.set(name, { kind: 'bind', path: dir });
      } else if (isObj(v.hostPath)) {
        const p = String(asObj(v.hostPath).path);
        const type = String(asObj(v.hostPath).type ?? '');
        if (type === 'DirectoryOrCreate') await fsp.mkdir(p, { recursive: true });
        st.vols.set(name, { kind: 'bind', path: p });
      } else if (isObj(v.emptyDir) && asObj(v.emptyDir).medium === 'Memory') {
        st.vols.set(name, { kind: 'tmpfs' });
      } else if (isObj(v.persistentVolumeClaim)) {
        const claim = String(asObj(v.persistentVolumeClaim).claimName);
        const vol = `kfk-${this.label}-pvc-${h.namespace}-${claim}`;
        if (!this.#pvcs.has(vol)) {
          await this.engine.createVolume(vol, { 'kiln.fake-kube': this.label, 'kiln.fake-kube.pid': String(process.pid), 'kiln.fake-kube.pvc': `${h.namespace}.${claim}` });
          this.#pvcs.add(vol);
        }
        st.vols.set(name, { kind: 'volume', name: vol });
      } else if (isObj(v.projected) || isObj(v.downwardAPI)) {
        const dir = path.join(st.dir, 'volumes', name);
        await fsp.mkdir(dir, { recursive: true });
        const sources = isObj(v.projected) ? asList(asObj(v.projected).sources).map(asObj) : [];
        if (sources.some((s) => isObj(s.serviceAccountToken))) await this.#serviceAccountFiles(dir, h.namespace);
        st.vols.set(name, { kind: 'bind', path: dir });
      } else {
        // emptyDir, and anything else the fake has no better model for.
        const vol = `${st.id}-${name}`.slice(0, 120);
        await this.engine.createVolume(vol, this.#labels(st, { 'kiln.fake-kube.volume': name }));
        st.volumes.push(vol);
        st.vols.set(name, { kind: 'volume', name: vol });
      }
    }
    if (spec.automountServiceAccountToken !== false) {
      const dir = path.join(st.dir, 'serviceaccount');
      await fsp.mkdir(dir, { recursive: true });
      await this.#serviceAccountFiles(dir, h.namespace);
    }
  }

  async #serviceAccountFiles(dir: string, namespace: string): Promise<void> {
    await fsp.writeFile(path.join(dir, 'token'), this.#fake.token, { mode: 0o644 });
    await fsp.writeFile(path.join(dir, 'namespace'), namespace, { mode: 0o644 });
    if (this.#fake.caPem) await fsp.writeFile(path.join(dir, 'ca.crt'), this.#fake.caPem, { mode: 0o644 });
  }

  /** emptyDir volumes are world-writable (as the kubelet makes them); fsGroup owns them (setgid). */
  async #prepareVolumes(st: PodState, spec: Obj): Promise<void> {
    const fsGroup = asObj(spec.securityContext).fsGroup;
    const vols = [...st.vols.keys()].filter((n) => st.vols.get(n)!.kind === 'volume');
    if (vols.length === 0 && typeof fsGroup !== 'number') return;
    const script = vols.map((n) => `chmod 0777 /kfk/${n}${typeof fsGroup === 'number' ? ` && chgrp ${fsGroup} /kfk/${n} && chmod 2777 /kfk/${n}` : ''}`).join(' && ') || 'true';
    const r = await this.engine.request('POST', `/containers/${st.pauseId}/exec`, { Cmd: ['sh', '-c', script], User: '0', AttachStdout: false, AttachStderr: false });
    const execId = (JSON.parse(r.body.toString('utf8')) as { Id: string }).Id;
    await this.engine.request('POST', `/exec/${execId}/start`, { Detach: false, Tty: false });
  }

  /** The container's mounts; a subPath is a directory inside the volume (made when missing, as the kubelet does). */
  async #mounts(st: PodState, c: Obj): Promise<Mount[]> {
    const out: Mount[] = [];
    const sub = async (root: string, p: string) => {
      const full = path.join(root, p);
      if (!full.startsWith(root + path.sep)) throw new ConfigError(`subPath ${p} leaves its volume`);
      if (!fs.existsSync(full)) await fsp.mkdir(full, { recursive: true, mode: 0o777 });
      return full;
    };
    for (const m of asList(c.volumeMounts).map(asObj)) {
      const v = st.vols.get(String(m.name));
      const target = String(m.mountPath);
      const ro = m.readOnly === true;
      const subPath = typeof m.subPath === 'string' && m.subPath ? m.subPath : null;
      if (!v) continue;
      if (v.kind === 'tmpfs') out.push({ Type: 'tmpfs', Target: target });
      else if (v.kind === 'bind') out.push({ Type: 'bind', Source: subPath ? await sub(v.path, subPath) : v.path, Target: target, ReadOnly: ro || v.path.startsWith(st.dir) });
      else if (subPath) {
        // A subPath of a Docker volume: bind its directory under the volume's mountpoint (a local engine).
        const info = await this.engine.json<{ Mountpoint: string }>('GET', `/volumes/${encodeURIComponent(v.name)}`);
        out.push({ Type: 'bind', Source: await sub(info.Mountpoint, subPath), Target: target, ReadOnly: ro });
      } else out.push({ Type: 'volume', Source: v.name, Target: target, ReadOnly: ro, VolumeOptions: { NoCopy: true } });
    }
    const sa = path.join(st.dir, 'serviceaccount');
    if (fs.existsSync(sa) && !out.some((m) => m.Target.startsWith('/var/run/secrets/kubernetes.io/serviceaccount'))) {
      out.push({ Type: 'bind', Source: sa, Target: '/var/run/secrets/kubernetes.io/serviceaccount', ReadOnly: true });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // env

  #env(st: PodState, c: Obj): string[] {
    const { h } = st;
    const pod = h.pod;
    const env = new Map<string, string>();
    const api = this.#fake.inCluster;
    if (api) {
      env.set('KUBERNETES_SERVICE_HOST', api.host);
      env.set('KUBERNETES_SERVICE_PORT', api.port);
      env.set('KUBERNETES_SERVICE_PORT_HTTPS', api.port);
      env.set('KUBERNETES_PORT', `tcp://${api.host}:${api.port}`);
    }
    const lookup = (kind: 'secrets' | 'configmaps', name: string, key: string | null, optional: boolean): Record<string, string> | string | null => {
      const o = h.cluster.find(core(kind), h.namespace, name);
      const what = kind === 'secrets' ? 'secret' : 'configmap';
      if (!o) {
        if (optional) return null;
        throw new ConfigError(`${what} "${name}" not found`);
      }
      const data = asObj(o.data);
      const dec = (v: unknown) => (kind === 'secrets' ? Buffer.from(String(v), 'base64').toString('utf8') : String(v));
      if (key === null) return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, dec(v)]));
      if (!(key in data)) {
        if (optional) return null;
        throw new ConfigError(`couldn't find key ${key} in ${kind === 'secrets' ? 'Secret' : 'ConfigMap'} ${h.namespace}/${name}`);
      }
      return dec(data[key]);
    };
    for (const ef of asList(c.envFrom).map(asObj)) {
      const ref = isObj(ef.secretRef) ? ['secrets', asObj(ef.secretRef)] as const : ['configmaps', asObj(ef.configMapRef)] as const;
      const all = lookup(ref[0], String(ref[1].name), null, ref[1].optional === true);
      if (all && typeof all === 'object') for (const [k, v] of Object.entries(all)) env.set(`${String(ef.prefix ?? '')}${k}`, v);
    }
    for (const e of asList(c.env).map(asObj)) {
      const name = String(e.name);
      if (e.valueFrom === undefined) {
        env.set(name, expand(String(e.value ?? ''), env));
        continue;
      }
      const vf = asObj(e.valueFrom);
      if (isObj(vf.fieldRef)) {
        const fp = String(asObj(vf.fieldRef).fieldPath);
        const m = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fp);
        const meta = pod?.metadata;
        const status = asObj(pod?.status);
        const v = m ? (meta?.[m[1] as 'labels' | 'annotations'] as Record<string, string> | undefined)?.[m[2]!] ?? ''
          : fp === 'metadata.name' ? h.name : fp === 'metadata.namespace' ? h.namespace : fp === 'metadata.uid' ? h.uid
            : fp === 'spec.nodeName' ? h.cluster.nodeName : fp === 'spec.serviceAccountName' ? String(asObj(pod?.spec).serviceAccountName ?? 'default')
              : fp === 'status.podIP' || fp === 'status.podIPs' ? String(status.podIP ?? '') : fp === 'status.hostIP' || fp === 'status.hostIPs' ? '127.0.0.1' : '';
        env.set(name, v);
      } else if (isObj(vf.secretKeyRef) || isObj(vf.configMapKeyRef)) {
        const isSecret = isObj(vf.secretKeyRef);
        const ref = asObj(isSecret ? vf.secretKeyRef : vf.configMapKeyRef);
        const v = lookup(isSecret ? 'secrets' : 'configmaps', String(ref.name), String(ref.key), ref.optional === true);
        if (typeof v === 'string') env.set(name, v);
      } else if (isObj(vf.resourceFieldRef)) {
        const r = asObj(vf.resourceFieldRef);
        const res = String(r.resource ?? '');
        const [kind, what] = res.split('.') as [string, string];
        const q = quantity(asObj(asObj(c.resources)[kind])[what]);
        env.set(name, q === null ? (what === 'cpu' ? '2' : String(4 * 1024 ** 3)) : what === 'cpu' ? String(Math.ceil(q)) : String(Math.floor(q)));
      }
    }
    return [...env].map(([k, v]) => `${k}=${v}`);
  }

  // -------------------------------------------------------------------------------------------
  // containers

  /** Pulls (or finds) the image, reporting as the kubelet does; false when the pod was deleted meanwhile. */
  async #image(st: PodState, c: Obj, init: boolean): Promise<ImageInspect | null> {
    const { h } = st;
    const signal = h.deletion.signal;
    const name = String(c.name);
    const image = String(c.image);
    const policy = String(c.imagePullPolicy ?? 'IfNotPresent');
    const o = { container: name, init };
    for (let attempt = 0; !signal.aborted; attempt++) {
      const have = await this.engine.imageInspect(image);
      if (have) {
        // The engine's images stand for the registry: with Always the kubelet "pulls" (and finds it up to date).
        if (attempt === 0 && policy !== 'Always') h.event('Normal', 'Pulled', `Container image "${image}" already present on machine`, o);
        else {
          if (attempt === 0) h.event('Normal', 'Pulling', `Pulling image "${image}"`, o);
          h.event('Normal', 'Pulled', `Successfully pulled image "${image}" in 0s (0s including waiting). Image size: ${(have as ImageInspect & { Size?: number }).Size ?? 0} bytes.`, o);
        }
        return have;
      }
      if (policy === 'Never') {
        const msg = `Container image "${image}" is not present with pull policy of Never`;
        h.event('Warning', 'ErrImageNeverPull', msg, o);
        h.setContainer(name, { waiting: { reason: 'ErrImageNeverPull', message: msg } }, { init });
      } else {
        h.event('Normal', 'Pulling', `Pulling image "${image}"`, o);
        let why = '';
        try {
          await Promise.race([this.engine.pull(image, undefined, signal), sleep(30_000, signal).then(() => { throw new Error('timed out'); })]);
          continue;
        } catch (e) {
          why = (e as Error).message;
        }
        if (signal.aborted) return null;
        const msg = `Failed to pull image "${image}": ${why}`;
        h.event('Warning', 'Failed', msg, o);
        h.event('Warning', 'Failed', 'Error: ErrImagePull', o);
        h.setContainer(name, { waiting: { reason: 'ErrImagePull', message: msg } }, { init });
        await sleep(Math.min(this.o.pullBackoffMs ?? 1000, 1000), signal);
        if (signal.aborted) return null;
        h.event('Normal', 'BackOff', `Back-off pulling image "${image}"`, o);
        h.event('Warning', 'Failed', 'Error: ImagePullBackOff', o);
        h.setContainer(name, { waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` } }, { init });
      }
      await sleep(this.#backoff(this.o.pullBackoffMs, attempt), signal);
    }
    return null;
  }

  /**
   * Runs one container for its whole life: image, create, start, follow logs, wait, restart as the
   * policy says. For an init container, resolves true when it completed (exit 0).
   */
  async #runContainer(st: PodState, c: Obj, init: boolean): Promise<boolean> {
    const { h } = st;
    const signal = h.deletion.signal;
    const name = String(c.name);
    let done!: () => void;
    st.monitors.push(new Promise<void>((r) => { done = r; }));
    try {
      const img = await this.#image(st, c, init);
      if (!img || signal.aborted) return false;
      const spec = h.spec;
      const policy = String(spec.restartPolicy ?? 'Always');
      let env: string[];
      for (let attempt = 0; ; attempt++) {
        try {
          env = this.#env(st, c);
          break;
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          h.event('Warning', 'Failed', `Error: ${e.message}`, { container: name, init });
          h.setContainer(name, { waiting: { reason: 'CreateContainerConfigError', message: e.message } }, { init });
          await sleep(this.#backoff(this.o.pullBackoffMs, attempt), signal);
          if (signal.aborted) return false;
        }
      }
      const envMap = new Map(env.map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
      const sc = { ...asObj(spec.securityContext), ...asObj(c.securityContext) };
      const podSc = asObj(spec.securityContext);
      const uid = typeof sc.runAsUser === 'number' ? sc.runAsUser : null;
      const gid = typeof sc.runAsGroup === 'number' ? sc.runAsGroup : null;
      const user = uid !== null ? `${uid}${gid !== null ? `:${gid}` : ''}` : gid !== null ? `${img.Config.User?.split(':')[0] || '0'}:${gid}` : undefined;
      const groups = [...(typeof podSc.fsGroup === 'number' ? [podSc.fsGroup] : []), ...asList(podSc.supplementalGroups).filter((g) => typeof g === 'number')].map(String);
      const caps = asObj(sc.capabilities);
      const limits = asObj(asObj(c.resources).limits);
      const mem = quantity(limits.memory);
      const cpu = quantity(limits.cpu);
      const config: Obj = {
        Image: String(c.image),
        ...(Array.isArray(c.command) ? { Entrypoint: c.command.map((x) => expand(String(x), envMap)) } : {}),
        ...(Array.isArray(c.args) ? { Cmd: c.args.map((x) => expand(String(x), envMap)) } : {}),
        Env: env,
        ...(typeof c.workingDir === 'string' ? { WorkingDir: c.workingDir } : {}),
        ...(user ? { User: user } : {}),
        Tty: c.tty === true, OpenStdin: c.stdin === true, StdinOnce: c.stdinOnce === true, AttachStdin: false,
        Labels: this.#labels(st, { 'kiln.fake-kube.container': name }),
        HostConfig: {
          NetworkMode: `container:${st.pauseId}`, Mounts: await this.#mounts(st, c), Init: this.o.init === true,
          ...(groups.length ? { GroupAdd: groups } : {}),
          ...(sc.privileged === true ? { Privileged: true } : {}),
          ...(Array.isArray(caps.add) ? { CapAdd: caps.add.map(String) } : {}),
          ...(Array.isArray(caps.drop) ? { CapDrop: caps.drop.map(String) } : {}),
          ...(sc.readOnlyRootFilesystem === true ? { ReadonlyRootfs: true } : {}),
          ...(mem ? { Memory: Math.floor(mem), MemorySwap: Math.floor(mem) } : {}),
          ...(cpu ? { NanoCpus: Math.floor(cpu * 1e9) } : {}),
          ...(spec.shareProcessNamespace === true ? { PidMode: `container:${st.pauseId}` } : {}),
        },
      };
      const cid = await this.engine.createContainer(`${st.id}-${name}`, config);
      st.containers.set(name, cid);
      if (signal.aborted) return false;
      h.event('Normal', 'Created', `Created container ${name}`, { container: name, init });
      for (let restarts = 0; ; restarts++) {
        const log = h.log(name, restarts > 0);
        const since = Math.floor(Date.now() / 1000) - 1;
        await this.engine.start(cid);
        const info = await this.engine.json<{ State: { StartedAt: string } }>('GET', `/containers/${cid}/json`);
        const startedAt = info.State.StartedAt.replace(/\.\d+Z$/, 'Z');
        h.event('Normal', 'Started', `Started container ${name}`, { container: name, init });
        h.setContainer(name, { running: { startedAt } }, { init, containerID: `docker://${cid}`, imageID: `docker://${img.Id}` });
        const logsDone = this.#followLogs(cid, restarts > 0 ? since : 0, c.tty === true, log);
        const exitCode = await this.engine.wait(cid);
        await logsDone;
        let after = await this.engine.inspect(cid).catch(() => null);
        // The engine learns of an OOM kill from a cgroup event that can come after the exit.
        for (let i = 0; i < 5 && mem && after && after.State.ExitCode === 137 && !after.State.OOMKilled; i++) {
          await new Promise((r) => setTimeout(r, 100));
          after = await this.engine.inspect(cid).catch(() => after);
        }
        // Under cgroup v1 the engine may never hear of the OOM kill: a SIGKILL (137) that this
        // fake did not send, in a container with a memory limit, is taken for one.
        const oom = after?.State.OOMKilled === true || ((after?.State.ExitCode ?? exitCode) === 137 && !!mem && !signal.aborted);
        const code = after ? after.State.ExitCode : exitCode;
        const finishedAt = ((after?.State as { FinishedAt?: string } | undefined)?.FinishedAt ?? now()).replace(/\.\d+Z$/, 'Z');
        log.end();
        const terminated = {
          exitCode: code, reason: oom ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error',
          ...(code > 128 && !oom ? { signal: code - 128 } : {}), startedAt, finishedAt, containerID: `docker://${cid}`,
        };
        if (terminated.signal === undefined) delete terminated.signal;
        h.setContainer(name, { terminated }, { init, containerID: `docker://${cid}` });
        const restart = !signal.aborted && (policy === 'Always' || (policy === 'OnFailure' && code !== 0) || (init && policy !== 'Never' && code !== 0));
        if (init && code === 0) return true;
        if (!restart) return false;
        const delay = this.#backoff(this.o.crashBackoffMs, restarts);
        h.event('Warning', 'BackOff', `Back-off restarting failed container ${name} in pod ${h.name}_${h.namespace}(${h.uid})`, { container: name, init });
        h.setContainer(name, { waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${name} pod=${h.name}_${h.namespace}(${h.uid})` } }, { init, restarted: true });
        await sleep(delay, signal);
        if (signal.aborted) return false;
        h.event('Normal', 'Pulled', `Container image "${String(c.image)}" already present on machine`, { container: name, init });
        h.event('Normal', 'Created', `Created container ${name}`, { container: name, init });
      }
    } catch (e) {
      if (!signal.aborted) {
        const msg = (e as Error).message;
        h.event('Warning', 'Failed', `Error: ${msg}`, { container: name, init });
        h.setContainer(name, { waiting: { reason: 'RunContainerError', message: msg } }, { init });
      }
      return false;
    } finally {
      done();
    }
  }

  #followLogs(cid: string, since: number, tty: boolean, log: LogBuffer): Promise<void> {
    const demux = new Demux((b) => log.append(b));
    return this.engine.request('GET', `/containers/${cid}/logs?follow=1&stdout=1&stderr=1${since ? `&since=${since}` : ''}`, undefined, {
      timeoutMs: null,
      stream: (chunk) => (tty ? log.append(chunk) : demux.push(chunk)),
    }).then(() => {}, () => {});
  }

  // -------------------------------------------------------------------------------------------
  // exec

  /** `docker exec` in the container (no TTY is allocated: output is the same bytes, not a terminal). */
  exec(h: PodHandle, r: ExecRequest): ExecProcess {
    const st = this.#pods.get(h.uid);
    const id = st?.containers.get(r.container);
    const state = [...asList(asObj(h.pod?.status).containerStatuses), ...asList(asObj(h.pod?.status).initContainerStatuses)]
      .map((c) => c as ContainerStatus).find((c) => c.name === r.container)?.state;
    if (!id || !state || !('running' in state)) throw new ApiError(500, 'InternalError', `Internal error occurred: unable to upgrade connection: container not found ("${r.container}")`);
    const child = spawn('docker', ['exec', ...(r.stdin ? ['-i'] : []), id, ...r.command], { stdio: ['pipe', 'pipe', 'pipe'] });
    if (!r.stdin) child.stdin.end();
    return {
      stdin: r.stdin ? child.stdin : null, stdout: child.stdout, stderr: child.stderr,
      done: new Promise((resolve) => child.on('close', (code) => resolve(code ?? 137))),
      kill: () => { if (child.exitCode === null) child.kill('SIGKILL'); },
    };
  }

  // -------------------------------------------------------------------------------------------
  // deletion

  async stop(h: PodHandle, gracePeriodSeconds: number): Promise<void> {
    const st = this.#pods.get(h.uid);
    if (!st) return;
    await st.run;
    const grace = Math.max(0, Math.floor(gracePeriodSeconds));
    // Containers that were never started are reported as such; running ones get SIGTERM, then SIGKILL.
    await Promise.all([...st.containers.values()].map((id) => this.engine.request('POST', `/containers/${id}/stop?t=${grace}`, undefined, { timeoutMs: (grace + 30) * 1000 }).catch(() => {})));
    await Promise.race([Promise.all(st.monitors), new Promise((r) => setTimeout(r, 10_000))]);
    for (const [list, init] of [['containerStatuses', false], ['initContainerStatuses', true]] as const) {
      for (const cs of asList(asObj(h.pod?.status)[list]) as ContainerStatus[]) {
        if ('waiting' in cs.state) h.setContainer(cs.name, { terminated: { exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was deleted.  The container used to be Running', finishedAt: now() } }, { init });
      }
    }
    await this.#teardown(st);
  }

  async #teardown(st: PodState): Promise<void> {
    await Promise.all([...st.containers.values()].map((id) => this.engine.remove(id).catch(() => {})));
    if (st.pauseId) await this.engine.remove(st.pauseId).catch(() => {});
    await Promise.all(st.volumes.map((v) => this.engine.removeVolume(v).catch(() => {})));
    await fsp.rm(st.dir, { recursive: true, force: true }).catch(() => {});
    this.#pods.delete(st.h.uid);
  }

  async close(): Promise<void> {
    for (const st of [...this.#pods.values()]) {
      st.h.deletion.abort();
      await st.run;
      await this.#teardown(st);
    }
    const filter = [`kiln.fake-kube=${this.label}`];
    for (const c of await this.engine.listContainers(filter)) await this.engine.remove(c.Id).catch(() => {});
    for (const v of await this.engine.listVolumes(filter)) await this.engine.removeVolume(v.Name).catch(() => {});
    await fsp.rm(this.#workDir, { recursive: true, force: true });
  }

  /**
   * Removes what fakes in processes that are gone left behind (a test killed before close()):
   * containers and volumes whose kiln.fake-kube.pid is not a live process, and their temporary
   * directories. Returns what it removed.
   */
  static async sweepOrphans(engine: Engine = new Engine()): Promise<string[]> {
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'EPERM';
      }
    };
    const removed: string[] = [];
    // The temporary directories of fakes (kiln-fake-kube-<pid>-*, kiln-fake-kubelet-<pid>-*).
    for (const name of await fsp.readdir(os.tmpdir()).catch(() => [] as string[])) {
      const m = /^kiln-fake-kube(?:let)?-(\d+)-/.exec(name);
      if (m && !alive(Number(m[1]))) {
        await fsp.rm(path.join(os.tmpdir(), name), { recursive: true, force: true }).catch(() => {});
        removed.push(`directory ${name}`);
      }
    }
    for (const c of await engine.listContainers(['kiln.fake-kube.pid'])) {
      const pid = Number(c.Labels['kiln.fake-kube.pid']);
      if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
        await engine.remove(c.Id).catch(() => {});
        removed.push(`container ${c.Names[0] ?? c.Id}`);
      }
    }
    for (const v of await engine.listVolumes(['kiln.fake-kube.pid'])) {
      const pid = Number(v.Labels?.['kiln.fake-kube.pid']);
      if (Number.isInteger(pid) && pid > 0 && !alive(pid)) {
        await engine.removeVolume(v.Name).catch(() => {});
        removed.push(`volume ${v.Name}`);
      }
    }
    return removed;
  }

  /** Containers and volumes carrying this runner's label (after close(): none). */
  async leftovers(): Promise<string[]> {
    const filter = [`kiln.fake-kube=${this.label}`];
    return [
      ...(await this.engine.listContainers(filter)).map((c) => `container ${c.Names[0] ?? c.Id}`),
      ...(await this.engine.listVolumes(filter)).map((v) => `volume ${v.Name}`),
    ];
  }
}

/**
 * The default bridge network's gateway: how a container reaches this machine. The engine's IPAM
 * gateway when it names one, else the first address of its subnet (what dockerd gives docker0).
 */
export async function bridgeGateway(engine: Engine = new Engine()): Promise<string> {
  const n = await engine.json<{ IPAM: { Config: { Gateway?: string; Subnet?: string }[] | null } }>('GET', '/networks/bridge');
  const cfg = n.IPAM.Config?.find((c) => c.Gateway || /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c.Subnet ?? ''));
  if (cfg?.Gateway) return cfg.Gateway;
  if (cfg?.Subnet) {
    const [ip, bits] = cfg.Subnet.split('/') as [string, string];
    const n32 = ip.split('.').reduce((a, x) => (a << 8) + Number(x), 0) >>> 0;
    const first = ((n32 & (~0 << (32 - Number(bits)))) >>> 0) + 1;
    return [24, 16, 8, 0].map((sh) => (first >>> sh) & 255).join('.');
  }
  throw new Error('cannot tell the Docker bridge gateway: the bridge network has neither a gateway nor an IPv4 subnet');
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
