// The agent's side of a Kubernetes pod: the agent runs in the pod's `jnlp` container and sees
// the shared workspace volume; `container('maven') { sh ... }` must run in the `maven`
// container. Each tool container's command was wrapped by the pod builder (podspec.ts) with
// the step runner (container-runner.ts) serving from `<runners>/<name>` on the volume,
// so a step there is a script file and one line in a FIFO: no API server call, no exec
// connection held for an hour of quiet output, nothing to time out.
//
// The pod builder tells the agent where the runners are and which containers have one, in its
// environment: KILN_POD_RUNNERS (the directory) and KILN_POD_CONTAINERS (comma-separated names).
import path from 'node:path';
// node:fs through process.getBuiltinModule, not an ESM import: see util/fs-async.ts.
const { chmodSync, mkdirSync } = process.getBuiltinModule('node:fs');
import { RunnerClient } from './container-runner.ts';
import { type ExecResult, type ExecSpec, type Workspace, WorkspaceError } from '../core/workspace.ts';
import type { Backend, WorkspaceRequest } from '../core/nodes.ts';

/** The pod's agent container (Jenkins' name for it, which users' pod YAML already uses). */
export const AGENT_CONTAINER = 'jnlp';

export interface PodRunners {
  /** Directory of the runners' control directories (one per container). */
  dir: string;
  /** Containers with a runner. */
  containers: string[];
  /** All containers of the pod (to tell "no runner" from "no such container"). */
  all: string[];
}

/** The runners this agent's pod offers, from its environment (null outside a pod). */
export function podRunnersFromEnv(env: NodeJS.ProcessEnv): PodRunners | null {
  const dir = env['KILN_POD_RUNNERS'];
  if (!dir) return null;
  const split = (v: string | undefined) => (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return { dir, containers: split(env['KILN_POD_CONTAINERS']), all: split(env['KILN_POD_ALL_CONTAINERS']) };
}

/** How long a container's runner may take to serve (its container starting) before its first step fails. */
const RUNNER_START_MS = 60_000;

/** After an abort, how long a step may take to report its end before the runner is given up on. */
const ABORT_ANSWER_MS = 10_000;

/** Wraps a backend so that its workspaces run `container('x')` steps through the pod's runners. */
export function withPodRunners(base: Backend, runners: PodRunners): Backend {
  // The runners' directories, made world-writable now (each runner also makes its own when its
  // user may: whichever container starts first), so a container whose user may not write the
  // volume's root still gets one. Best effort: what fails here, the runner says.
  for (const name of runners.containers) {
    try {
      mkdirSync(path.join(runners.dir, name), { recursive: true, mode: 0o777 });
      for (const d of [path.dirname(runners.dir), runners.dir, path.join(runners.dir, name)]) chmodSync(d, 0o777);
    } catch {
      // made by a runner of another user already, or not writable here
    }
  }
  const started = new Map<string, Promise<void>>();
  /** Resolves once the container's runner serves (the first step there may come before its container has started). */
  const serving = (name: string): Promise<void> => {
    let p = started.get(name);
    if (!p) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => { timer = setTimeout(resolve, RUNNER_START_MS); timer.unref(); });
      p = client(name).ready(late).finally(() => clearTimeout(timer)).catch(() => {
        started.delete(name);
        throw new WorkspaceError('io', `container('${name}'): its step runner did not start within ${RUNNER_START_MS / 1000} s (the container is not running, or it has no /bin/sh and mkfifo)`);
      });
      started.set(name, p);
    }
    return p;
  };
  const clients = new Map<string, RunnerClient>();
  const client = (name: string) => {
    let c = clients.get(name);
    if (!c) {
      c = new RunnerClient(path.join(runners.dir, name));
      clients.set(name, c);
    }
    return c;
  };
  const route = (ws: Workspace): Workspace => {
    const exec = async (spec: ExecSpec): Promise<ExecResult> => {
      const name = spec.container;
      if (name === undefined || name === AGENT_CONTAINER) return ws.exec(spec);
      if (!runners.containers.includes(name)) {
        if (runners.all.length > 0 && !runners.all.includes(name)) {
          throw new WorkspaceError('not-found', `container('${name}'): the pod has no container '${name}' (it has: ${runners.all.join(', ')})`);
        }
        throw new WorkspaceError('unsupported', `container('${name}'): Kiln could not inject its step runner into '${name}' because the pod spec gives it no command: give it one (the seed's \`command: [cat]\` with \`tty: true\` keeps a tool container running)`);
      }
      // The container's end is seen by the controller's pod watch, which aborts the build; a
      // runner that no longer answers after the abort is given up on.
      const dead = new Promise<string>((resolve) => {
        spec.signal?.addEventListener('abort', () => setTimeout(() => resolve(`container '${name}' did not answer the abort`), ABORT_ANSWER_MS).unref(), { once: true });
      });
      // The seed's second trouble: containers running as different users cannot write each
      // other's files in the shared workspace. Say so where it shows.
      let tail = '';
      const watched: ExecSpec = { ...spec, onOutput: (chunk, stream) => { tail = (tail + chunk.toString('latin1')).slice(-4096); spec.onOutput(chunk, stream); } };
      try {
        await serving(name);
        const r = await client(name).exec(watched, dead);
        if (r.exitCode !== 0 && !r.aborted && /Permission denied|Operation not permitted|EACCES/.test(tail)) {
          spec.onOutput(Buffer.from(`kiln: 'Permission denied' in container '${name}': the pod's containers share the workspace but may run as different users, so one cannot write what another made. ` +
            "Run them as one user (the same securityContext.runAsUser in every container) or give the pod a securityContext.fsGroup that owns the workspace.\n"), 'stderr');
        }
        return r;
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        if (err.code === 'ENXIO' || err.code === 'ENOENT') {
          throw new WorkspaceError('io', `container('${name}'): its step runner is not running (the container stopped, or it has no /bin/sh and mkfifo)`);
        }
        throw e;
      }
    };
    // Everything else is the wrapped workspace's, called on it (its methods use private fields).
    return new Proxy(ws, {
      get(target, prop) {
        if (prop === 'exec') return exec;
        if (prop === 'hasContainers') return true;
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
  return {
    kind: base.kind,
    allocate: async (req: WorkspaceRequest) => route(await base.allocate(req)),
    close: async () => {
      for (const c of clients.values()) await c.close();
      await base.close();
    },
  };
}
