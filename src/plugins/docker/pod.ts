// Pods on one Docker engine: the pod spec a Kubernetes pod template holds (the YAML of
// `agent { kubernetes { yaml ... } }`), realised as containers that share
//   - the network namespace of a pause-like first container (`localhost` reaches a sidecar),
//   - the workspace, mounted at the same path in every container (the node's workspace
//     directory and its @tmp, so the node's file operations and the containers agree),
// with the spec's env, command/args, workingDir, tty/stdin and securityContext (runAsUser,
// runAsGroup; fsGroup as a supplementary group that owns the workspace). Steps run through the
// runner injected into each container (exec/container-runner.ts), not through `docker exec`.
//
// Everything is labelled (kiln.managed, kiln.pod, kiln.build, kiln.job, and the caller's), so
// teardown and sweepPods() leave nothing behind. This is a library: `kiln run` uses it for
// kubernetes agents through withDockerPods (pod-agents.ts), and the Kubernetes backend's test
// fake can use it to run real pods.
import { randomBytes } from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ExecResult, ExecSpec, Workspace } from '../../core/workspace.ts';
import type { BuildRef } from '../../core/nodes.ts';
import { OnNodeWorkspace } from './on-node.ts';
import { Engine, EngineError } from './engine.ts';
import { RUNNER_SH, RunnerClient } from '../../exec/container-runner.ts';
import { dockerName, lastLines } from './cli.ts';
import { KilnError } from '../../core/errors.ts';

// ---------------------------------------------------------------------------------------------
// The pod spec (the subset of Kubernetes' PodSpec that means something on one Docker engine)

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  fsGroup?: number;
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env: { name: string; value: string }[];
  workingDir?: string;
  tty: boolean;
  stdin: boolean;
  imagePullPolicy: 'Always' | 'IfNotPresent' | 'Never';
  securityContext: SecurityContext;
}

export interface PodSpec {
  containers: ContainerSpec[];
  securityContext: SecurityContext;
}

export class PodError extends KilnError {
  constructor(message: string) {
    super('docker.pod', message);
  }
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function strList(v: unknown, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new PodError(`${where} must be a list of strings`);
  return v.map((x) => (typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? String(x) : (() => { throw new PodError(`${where} must be a list of strings`); })()));
}

function secCtx(v: unknown, where: string): SecurityContext {
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new PodError(`${where} must be a map`);
  const out: SecurityContext = {};
  for (const k of ['runAsUser', 'runAsGroup', 'fsGroup'] as const) {
    const x = v[k];
    if (x === undefined || x === null) continue;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0) throw new PodError(`${where}.${k} must be a non-negative integer (a numeric uid/gid), got ${JSON.stringify(x)}`);
    out[k] = x;
  }
  return out;
}

/** Reads a pod manifest (`kind: Pod` with `spec`, or a bare spec) into a typed PodSpec, or says what is wrong. */
export function parsePodYaml(text: string): PodSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new PodError(`the pod YAML does not parse: ${(e as Error).message}`);
  }
  if (!isObj(doc)) throw new PodError('the pod YAML must be a map (apiVersion, kind: Pod, spec)');
  const spec = isObj(doc.spec) ? doc.spec : doc;
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) throw new PodError('the pod spec has no containers (spec.containers is missing or empty)');
  const names = new Set<string>();
  const containers = spec.containers.map((c, i): ContainerSpec => {
    const where = `spec.containers[${i}]`;
    if (!isObj(c)) throw new PodError(`${where} must be a map`);
    if (typeof c.name !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(c.name)) throw new PodError(`${where}.name must be a DNS label (lowercase letters, digits, '-'), got ${JSON.stringify(c.name)}`);
    if (names.has(c.name)) throw new PodError(`two containers are named '${c.name}'`);
    names.add(c.name);
    if (typeof c.image !== 'string' || c.image === '') throw new PodError(`container '${c.name}' has no image`);
    const env = (c.env === undefined || c.env === null ? [] : Array.isArray(c.env) ? c.env : (() => { throw new PodError(`${where}.env must be a list`); })()).map((e, j) => {
      if (!isObj(e) || typeof e.name !== 'string') throw new PodError(`${where}.env[${j}] needs a name`);
      if (e.valueFrom !== undefined) throw new PodError(`container '${c.name}': env ${e.name} uses valueFrom, which a pod on Docker cannot resolve; give a value (or bind a credential in the pipeline)`);
      return { name: e.name, value: e.value === undefined || e.value === null ? '' : String(e.value) };
    });
    const policy = c.imagePullPolicy ?? (typeof c.image === 'string' && c.image.endsWith(':latest') ? 'Always' : 'IfNotPresent');
    if (policy !== 'Always' && policy !== 'IfNotPresent' && policy !== 'Never') throw new PodError(`container '${c.name}': imagePullPolicy must be Always, IfNotPresent or Never`);
    const out: ContainerSpec = {
      name: c.name, image: c.image, env, tty: c.tty === true, stdin: c.stdin === true, imagePullPolicy: policy,
      securityContext: secCtx(c.securityContext, `${where}.securityContext`),
    };
    const command = strList(c.command, `${where}.command`);
    const args = strList(c.args, `${where}.args`);
    if (command) out.command = command;
    if (args) out.args = args;
    if (typeof c.workingDir === 'string') out.workingDir = c.workingDir;
    return out;
  });
  return { containers, securityContext: secCtx(spec.securityContext, 'spec.securityContext') };
}

// ---------------------------------------------------------------------------------------------
// Starting a pod

export interface PodOptions {
  engine: Engine;
  build: BuildRef;
  /** The node's workspace on this machine, mounted at the same path in every container. */
  workspace: Workspace;
  /** Image of the pause container that holds the pod's network namespace (needs `cat`). */
  pauseImage: string;
  /**
   * The agent container injected when the spec has none of this name (Jenkins' `jnlp`): image,
   * env (KILN_URL, KILN_SECRET, ... for a controller's agent), command (default: keep running).
   */
  agent?: { name: string; image: string; env?: Record<string, string>; command?: string[] } | null;
  /** Where steps outside container('x') run; default the agent container, else the first. */
  defaultContainer?: string | null;
  /** More labels on everything (kiln.controller=..., kiln.test=...). */
  labels?: Record<string, string>;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** How long a container may take to start serving steps. Default 60 s. */
  startTimeoutMs?: number;
}

interface Running {
  spec: ContainerSpec;
  id: string;
  runner: RunnerClient;
  /** Settles with a message when the container stops. */
  dead: Promise<string>;
}

/** Image config the spec's command/args are resolved against (Kubernetes' rules). */
function mainArgv(c: ContainerSpec, image: { Entrypoint: string[] | null; Cmd: string[] | null }): string[] {
  if (c.command) return [...c.command, ...(c.args ?? [])];
  return [...(image.Entrypoint ?? []), ...(c.args ?? image.Cmd ?? [])];
}

function userOf(c: ContainerSpec, pod: SecurityContext): string | undefined {
  const uid = c.securityContext.runAsUser ?? pod.runAsUser;
  const gid = c.securityContext.runAsGroup ?? pod.runAsGroup;
  if (uid === undefined) return gid === undefined ? undefined : `0:${gid}`;
  return gid === undefined ? String(uid) : `${uid}:${gid}`;
}

async function ensureImage(engine: Engine, c: ContainerSpec, log: (l: string) => void, signal?: AbortSignal) {
  let img = c.imagePullPolicy === 'Always' ? null : await engine.imageInspect(c.image);
  if (!img) {
    if (c.imagePullPolicy === 'Never') throw new PodError(`container '${c.name}': image ${c.image} is not on the Docker engine and imagePullPolicy is Never (ErrImageNeverPull)`);
    log(`Pulling ${c.image} for container '${c.name}'`);
    try {
      await engine.pull(c.image, undefined, signal);
    } catch (e) {
      const have = c.imagePullPolicy === 'Always' ? await engine.imageInspect(c.image) : null;
      if (!have) {
        throw new PodError(`container '${c.name}': image ${c.image} is not on the Docker engine (${engine.host}) and could not be pulled (ErrImagePull): ${(e as Error).message}. Check the name and tag, that the registry is reachable from the engine, and its credentials`);
      }
      log(`Could not pull ${c.image} (${(e as Error).message}); using the copy on the engine`);
    }
    img = await engine.imageInspect(c.image);
    if (!img) throw new PodError(`container '${c.name}': image ${c.image} is still missing after the pull`);
  }
  return img;
}

export class DockerPod {
  readonly name: string;
  readonly engine: Engine;
  readonly spec: PodSpec;
  readonly defaultContainer: string;
  readonly containers = new Map<string, Running>();
  pauseId: string | null = null;
  readonly runDir: string;
  /** Set when a container stopped with a non-zero code: the pod has failed (Jenkins' Reaper). */
  failure: string | null = null;
  /** Settles with `failure` when it is set; steps race against it. */
  readonly failed: Promise<string>;
  fail!: (why: string) => void;
  constructor(name: string, engine: Engine, spec: PodSpec, defaultContainer: string, runDir: string) {
    this.name = name;
    this.engine = engine;
    this.spec = spec;
    this.defaultContainer = defaultContainer;
    this.runDir = runDir;
    this.failed = new Promise((resolve) => {
      this.fail = (why) => {
        if (this.failure === null) this.failure = why;
        resolve(this.failure);
      };
    });
  }

  /** Removes every container of the pod and the runner's files. Safe to call twice. */
  tornDown = false;
  async teardown(): Promise<void> {
    this.tornDown = true;
    await Promise.all([...this.containers.values()].map(async (c) => {
      await c.runner.close();
      await this.engine.remove(c.id).catch(() => {});
    }));
    if (this.pauseId) await this.engine.remove(this.pauseId).catch(() => {});
    await fsp.rm(this.runDir, { recursive: true, force: true }).catch(() => {});
  }
}

/**
 * Starts a pod: images checked (pulled when missing and allowed), the pause container, then every
 * container with the runner as its entrypoint, each waited for until its runner serves. On any
 * failure everything started is removed and the error says which container and why.
 */
export async function startPod(spec: PodSpec, o: PodOptions): Promise<DockerPod> {
  const log = o.log ?? (() => {});
  const ws = o.workspace;
  const podName = `kiln-${dockerName(o.build.job).slice(0, 30)}-${o.build.number}-${randomBytes(3).toString('hex')}`;
  const all = [...spec.containers];
  if (o.agent && !all.some((c) => c.name === o.agent!.name)) {
    all.push({
      name: o.agent.name, image: o.agent.image, env: Object.entries(o.agent.env ?? {}).map(([name, value]) => ({ name, value })),
      tty: !o.agent.command, stdin: false, imagePullPolicy: 'IfNotPresent', securityContext: {},
      ...(o.agent.command ? { command: o.agent.command } : { command: ['cat'] }),
    });
  }
  const fullSpec: PodSpec = { containers: all, securityContext: spec.securityContext };
  const dflt = o.defaultContainer ?? (o.agent ? o.agent.name : all[0]!.name);
  if (!all.some((c) => c.name === dflt)) throw new PodError(`defaultContainer '${dflt}' is not a container of the pod (it has ${all.map((c) => c.name).join(', ')})`);
  const runDir = path.join(ws.tmp, '.kiln', podName);
  const pod = new DockerPod(podName, o.engine, fullSpec, dflt, runDir);
  const labels = { 'kiln.managed': 'true', 'kiln.pod': podName, 'kiln.build': o.build.id, 'kiln.job': o.build.job, ...o.labels };
  try {
    // Images first: a missing one fails the pod before anything is created.
    const images = new Map<string, Awaited<ReturnType<typeof ensureImage>>>();
    for (const c of [...all, { ...all[0]!, name: 'pause', image: o.pauseImage, imagePullPolicy: 'IfNotPresent' as const }]) {
      if (!images.has(c.image)) images.set(c.image, await ensureImage(o.engine, c, log, o.signal));
    }
    await fsp.mkdir(ws.root, { recursive: true });
    await fsp.mkdir(runDir, { recursive: true, mode: 0o777 });
    await fsp.writeFile(path.join(ws.tmp, '.kiln', 'runner.sh'), RUNNER_SH, { mode: 0o755 });
    const fsGroup = spec.securityContext.fsGroup;
    if (fsGroup !== undefined) await ownForGroup([ws.root, ws.tmp], fsGroup);
    const binds = [`${ws.root}:${ws.root}`, `${ws.tmp}:${ws.tmp}`];

    const pauseId = await o.engine.createContainer(`${podName}-pause`, {
      Image: o.pauseImage, Cmd: ['cat'], Tty: true, Hostname: podName, Labels: { ...labels, 'kiln.container': 'pause' },
      HostConfig: { NetworkMode: 'bridge', Init: false },
    });
    pod.pauseId = pauseId;
    await o.engine.start(pauseId);
    log(`Pod ${podName}: ${all.map((c) => `${c.name} (${c.image})`).join(', ')}; workspace ${ws.root}`);

    await Promise.all(all.map(async (c) => {
      const dir = path.join(runDir, c.name);
      await fsp.mkdir(dir, { mode: 0o777 });
      await fsp.chmod(dir, 0o777);
      const user = userOf(c, spec.securityContext);
      const id = await o.engine.createContainer(`${podName}-${c.name}`, {
        Image: c.image,
        Entrypoint: ['sh', path.join(ws.tmp, '.kiln', 'runner.sh'), dir],
        Cmd: mainArgv(c, images.get(c.image)!.Config),
        Env: c.env.map((e) => `${e.name}=${e.value}`),
        ...(c.workingDir ? { WorkingDir: c.workingDir } : {}),
        ...(user ? { User: user } : {}),
        Tty: c.tty, OpenStdin: c.stdin, AttachStdin: false,
        Labels: { ...labels, 'kiln.container': c.name },
        HostConfig: {
          NetworkMode: `container:${pauseId}`, Binds: binds,
          ...(fsGroup !== undefined ? { GroupAdd: [String(fsGroup)] } : {}),
        },
      });
      const runner = new RunnerClient(dir);
      await o.engine.start(id);
      const dead = o.engine.wait(id).then(async (code) => {
        const logs = await o.engine.logs(id, 20).catch(() => '');
        const why = `container '${c.name}' (${c.image}) of pod ${podName} stopped with exit code ${code}${logs.trim() ? `; its last output: ${lastLines(logs, 20)}` : ''}`;
        if (code !== 0 && !pod.tornDown) pod.fail(why);
        return why;
      });
      pod.containers.set(c.name, { spec: c, id, runner, dead });
      const timeout = o.startTimeoutMs ?? 60_000;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          runner.ready(dead),
          new Promise((_, rej) => { timer = setTimeout(() => rej(new PodError(`container '${c.name}' did not start serving steps within ${timeout / 1000} s`)), timeout); }),
        ]);
      } catch (e) {
        if (e instanceof PodError) throw e;
        const inspect = await o.engine.inspect(id).catch(() => null);
        const logs = await o.engine.logs(id, 20).catch(() => '');
        throw new PodError(`container '${c.name}' (${c.image}) exited at start with code ${inspect?.State.ExitCode ?? '?'}${inspect?.State.Error ? ` (${inspect.State.Error})` : ''}. Its last output: ${lastLines(logs, 20)}. `
          + 'Kiln runs each container\'s command under its step runner (/bin/sh is needed in the image); the command must keep running, e.g. command: [cat] with tty: true, or sleep infinity');
      } finally {
        clearTimeout(timer);
      }
    }));
    if (o.signal?.aborted) throw new PodError('aborted while the pod started');
    warnMixedUsers(fullSpec, log);
    return pod;
  } catch (e) {
    await pod.teardown();
    if (e instanceof EngineError && e.status === 0) throw new PodError(e.message);
    throw e;
  }
}

/** fsGroup as Kubernetes applies it to a volume: group-owned, group-writable, new files inherit the group. */
async function ownForGroup(dirs: string[], gid: number): Promise<void> {
  const walk = async (p: string): Promise<void> => {
    const st = await fsp.lstat(p);
    if (st.isSymbolicLink()) return;
    await fsp.chown(p, st.uid, gid);
    await fsp.chmod(p, (st.mode & 0o7777) | (st.isDirectory() ? 0o2070 : 0o060));
    if (st.isDirectory()) for (const e of await fsp.readdir(p)) await walk(path.join(p, e));
  };
  for (const d of dirs) await walk(d);
}

function warnMixedUsers(spec: PodSpec, log: (l: string) => void): void {
  const users = new Set(spec.containers.map((c) => c.securityContext.runAsUser ?? spec.securityContext.runAsUser ?? 'image default'));
  if (users.size > 1 && spec.securityContext.fsGroup === undefined) {
    log(`Note: the containers of this pod run as different users (${[...users].join(', ')}) and share the workspace; if one cannot write what another made, give them the same securityContext.runAsUser or a pod-level securityContext.fsGroup`);
  }
}

// ---------------------------------------------------------------------------------------------
// The pod as a Workspace

export class PodWorkspace extends OnNodeWorkspace {
  readonly hasContainers = true;
  readonly pod: DockerPod;
  #released = false;
  constructor(base: Workspace, pod: DockerPod) {
    super(base, pod.name, [pod.name, ...base.nodeLabels]);
    this.pod = pod;
  }

  async exec(spec: ExecSpec): Promise<ExecResult> {
    const name = spec.container ?? this.pod.defaultContainer;
    const c = this.pod.containers.get(name);
    if (!c) throw new PodError(`container('${name}'): the pod has no container of that name (it has ${[...this.pod.containers.keys()].join(', ')})`);
    if (this.#released) throw new PodError(`pod ${this.pod.name} was removed; cannot run ${JSON.stringify(spec.argv[0])}`);
    if (this.pod.failure) throw new PodError(this.pod.failure);
    let denied = false;
    const r = await c.runner.exec({
      ...spec,
      onOutput: (chunk, stream) => {
        if (!denied && chunk.includes('Permission denied')) denied = true;
        spec.onOutput(chunk, stream);
      },
    }, Promise.race([c.dead, this.pod.failed])).catch((e: Error) => {
      throw new PodError(`${spec.argv[0] ?? 'step'} in container '${name}': ${e.message.includes('ENXIO') || e.message.includes('EPIPE') ? 'the container is not running' : e.message}`);
    });
    if (denied && r.exitCode !== 0) {
      const uid = c.spec.securityContext.runAsUser ?? this.pod.spec.securityContext.runAsUser;
      spec.onOutput(Buffer.from(`kiln: permission denied in container '${name}'${uid !== undefined ? ` (running as uid ${uid})` : ''}. `
        + 'When the containers of a pod run as different users, one may not write what another made in the shared workspace: '
        + 'give every container the same securityContext.runAsUser, or set a pod-level securityContext.fsGroup\n'), 'stderr');
    }
    return r;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    await this.pod.teardown();
  }
}

/**
 * Removes pods' leftovers (containers, volumes) whose labels match, e.g. ['kiln.managed=true']
 * at controller start, or ['kiln.build=job#12'] after a crash. Returns what it removed.
 */
export async function sweepPods(engine: Engine, labelFilters: string[] = ['kiln.managed=true']): Promise<{ containers: number; volumes: number }> {
  const containers = await engine.listContainers(labelFilters);
  await Promise.all(containers.map((c) => engine.remove(c.Id)));
  const volumes = await engine.listVolumes(labelFilters);
  await Promise.all(volumes.map((v) => engine.removeVolume(v.Name)));
  return { containers: containers.length, volumes: volumes.length };
}
