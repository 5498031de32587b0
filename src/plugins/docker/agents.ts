// `agent { docker { ... } }` and `agent { dockerfile { ... } }`: a NodeProvider that asks the
// provider it wraps for an executor (by the agent's `label`), starts a container beside that
// executor's workspace, and hands the engine a ContainerWorkspace, so every step of the agent's
// scope runs inside the container. The container is removed when the scope ends, whatever
// happened. Jenkins' Docker Pipeline plugin does the same with the docker CLI on the agent:
//
//   docker run -t -d -u <uid>:<gid> -w <ws> -v <ws>:<ws> -v <ws>@tmp:<ws>@tmp <args> <image> cat
//
// `-u` is the agent's own user, so files the steps write are the agent's to delete afterwards.
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path/posix';
import type { Workspace } from '../../core/workspace.ts';
import type { BuildRef, AgentRequest, AllocatedNode, NodeProvider } from '../../core/nodes.ts';
import type { Credential } from '../../core/credentials.ts';
import { StepFailure } from '../../core/errors.ts';
import { DockerError, checkDaemon, docker, dockerName, lastLines, splitWords } from './cli.ts';
import { ContainerWorkspace } from './container-workspace.ts';
import { RUNNER_SH, RunnerClient } from '../../exec/container-runner.ts';
import fsp from 'node:fs/promises';
import { qualifyImage, withRegistryLogin } from './registry.ts';

export interface DockerAgentOptions {
  /** Looks up a credential of the build (registryCredentialsId). Without it such agents fail with a message. */
  credential?: (build: BuildRef, id: string) => Promise<Credential>;
  /** Environment of the docker CLI on the node (DOCKER_HOST...). Default: none beyond what the node adds (PATH). */
  cliEnv?: Record<string, string>;
  /** Labels put on every container, besides kiln.managed / kiln.build / kiln.job (tests add kiln.test=1). */
  labels?: Record<string, string>;
  /** Time between TERM and KILL when a step is aborted. Default 1500 ms. */
  killGraceMs?: number;
  /** 'docker-exec' forces one `docker exec` per step even where the runner could be used. */
  steps?: 'auto' | 'docker-exec';
  /**
   * The workspace of the node the build holds first, while held (`reuseNode true` runs there):
   * the host's router keeps it (core/plugin.ts ProvisionerHost.buildNode). Absent (a test, a
   * bench): the first node that passed through this provider.
   */
  buildNode?: (build: BuildRef) => Workspace | null;
}

/** The evaluated fields of a docker / dockerfile agent, typed. */
export interface DockerAgentSpec {
  image: string | null;
  dockerfile: { filename: string; dir: string; additionalBuildArgs: string } | null;
  args: string;
  reuseNode: boolean;
  registryUrl: string | null;
  registryCredentialsId: string | null;
  alwaysPull: boolean;
}

export function dockerAgentSpec(req: AgentRequest): DockerAgentSpec {
  const o = req.options;
  const s = (k: string): string | null => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : null);
  return {
    image: req.type === 'docker' ? s('image') : null,
    dockerfile: req.type === 'dockerfile' ? { filename: s('filename') ?? 'Dockerfile', dir: s('dir') ?? '.', additionalBuildArgs: s('additionalBuildArgs') ?? '' } : null,
    args: s('args') ?? '',
    reuseNode: o.reuseNode === true,
    registryUrl: s('registryUrl'),
    registryCredentialsId: s('registryCredentialsId'),
    alwaysPull: o.alwaysPull === true,
  };
}

/**
 * A NodeProvider for docker and dockerfile agents: each gets an executor of `base` (by its
 * `label`), or the build's first node with `reuseNode true`, and runs in a container beside its
 * workspace. Other agent types pass through to `base` unchanged.
 */
export function withDockerAgents(base: NodeProvider, opts: DockerAgentOptions = {}): NodeProvider {
  // Without the host's buildNode: the build's first node while it is held, of those that passed
  // through here (the pipeline-level agent, which `reuseNode true` means: Jenkins' "run the
  // container on the node specified at the top-level of the Pipeline").
  const topNodes = opts.buildNode ? null : new Map<string, { node: AllocatedNode; workspace: Workspace }>();
  const buildNode = opts.buildNode ?? ((build: BuildRef) => topNodes?.get(build.id)?.workspace ?? null);
  return {
    async allocate(req, build, signal, log) {
      if (req.type !== 'docker' && req.type !== 'dockerfile') {
        const node = await base.allocate(req, build, signal, log);
        return track(build, node, node.workspace);
      }
      const spec = dockerAgentSpec(req);
      if (req.type === 'docker' && !spec.image) throw new StepFailure('agent docker: no image given (docker { image \'maven:3.9\' })', { loc: req.loc });
      const top = spec.reuseNode ? buildNode(build) : null;
      let node: AllocatedNode | null = null;
      let nodeWs: Workspace;
      if (top) {
        nodeWs = top;
        log(`reuseNode: the container runs on ${nodeWs.nodeName}, in the pipeline's workspace ${nodeWs.root}`);
      } else {
        node = await base.allocate({ type: req.label ? 'label' : 'any', label: req.label, customWorkspace: req.customWorkspace, options: {}, loc: req.loc }, build, signal, log);
        nodeWs = node.workspace;
      }
      try {
        const ws = await startContainer(nodeWs, spec, build, signal, log, opts);
        const release = async (outcome?: { failed: boolean }) => {
          try {
            await ws.release();
          } finally {
            await node?.release(outcome);
          }
        };
        return node ? track(build, { workspace: ws, release }, nodeWs) : { workspace: ws, release };
      } catch (e) {
        await node?.release();
        if (e instanceof DockerError) throw new StepFailure(e.message, { loc: req.loc });
        throw e;
      }
    },
  };

  function track(build: BuildRef, node: AllocatedNode, nodeWs: Workspace): AllocatedNode {
    if (!topNodes || topNodes.has(build.id)) return node;
    const entry = { node, workspace: nodeWs };
    topNodes.set(build.id, entry);
    return {
      workspace: node.workspace,
      release: async (outcome?: { failed: boolean }) => {
        if (topNodes.get(build.id) === entry) topNodes.delete(build.id);
        await node.release(outcome);
      },
    };
  }
}

/** The numeric user and group of the node's agent process, for `docker run -u` (as Jenkins). */
async function agentUser(ws: Workspace): Promise<string> {
  const out: Buffer[] = [];
  const r = await ws.exec({ argv: ['sh', '-c', 'echo "$(id -u):$(id -g)"'], cwd: ws.root, env: {}, onOutput: (c, s) => { if (s === 'stdout') out.push(c); } });
  const user = Buffer.concat(out).toString().trim();
  if (r.exitCode !== 0 || !/^\d+:\d+$/.test(user)) throw new DockerError(`could not learn the agent's user id on node '${ws.nodeName}' (id -u / id -g): ${user || 'no output'}`);
  return user;
}

/** Pulls, builds or finds the image, starts the container, and checks that it stays up. */
export async function startContainer(nodeWs: Workspace, spec: DockerAgentSpec, build: BuildRef, signal: AbortSignal,
  log: (line: string) => void, opts: DockerAgentOptions): Promise<ContainerWorkspace> {
  const env = opts.cliEnv ?? {};
  await nodeWs.mkdir(nodeWs.root);
  await nodeWs.mkdir(nodeWs.tmp);
  await nodeWs.mkdir(`${nodeWs.tmp}/.kiln-docker`);
  const image = await withRegistryLogin(nodeWs, spec.registryUrl, spec.registryCredentialsId,
    spec.registryCredentialsId && opts.credential ? (id) => opts.credential!(build, id) : null, env, async (cliEnv) => {
      if (spec.dockerfile) return buildDockerfile(nodeWs, spec.dockerfile, build, signal, log, cliEnv);
      const name = qualifyImage(spec.image!, spec.registryUrl);
      const inspect = await docker(nodeWs, ['image', 'inspect', '--format', '{{.Id}}', name], { env: cliEnv });
      checkDaemon(nodeWs, inspect, cliEnv);
      const present = inspect.code === 0;
      if (!present || spec.alwaysPull) {
        log(`docker pull ${name}`);
        const r = await docker(nodeWs, ['pull', name], { env: cliEnv, signal });
        if (r.aborted || signal.aborted) throw new DockerError(`aborted while pulling ${name}`);
        if (r.code !== 0) {
          // Jenkins pulls with a `sh 'docker pull ...'` step, so its build fails with that step's
          // words; what went wrong and what to check come first, on their own line.
          log(present
            ? `could not pull ${name} on node '${nodeWs.nodeName}' (alwaysPull): ${lastLines(r.stderr)}`
            : `image ${name} is not on node '${nodeWs.nodeName}' and could not be pulled: ${lastLines(r.stderr)}. Check the image name and tag, and for a private registry give registryUrl and registryCredentialsId`);
          throw new DockerError(`script returned exit code ${r.code}`);
        }
      }
      return name;
    });
  const user = await agentUser(nodeWs);
  const name = `kiln-${dockerName(build.job)}-${build.number}-${randomBytes(4).toString('hex')}`;
  const labels = { 'kiln.managed': 'true', 'kiln.build': build.id, 'kiln.job': build.job, ...opts.labels };
  const userArgs = splitWords(spec.args);
  // On this machine's own workspace, steps go through the injected runner (exec/container-runner.ts) instead
  // of one `docker exec` each (5 ms a step instead of 70): the entrypoint becomes the runner,
  // which then runs the image's own entrypoint with `cat`, so the container is what it would
  // have been. Not when the user sets the entrypoint (`args '--entrypoint=...'`) or on other nodes.
  const runner = opts.steps !== 'docker-exec' && nodeWs.isLocal === true && !userArgs.some((a) => a === '--entrypoint' || a.startsWith('--entrypoint='))
    ? await prepareRunner(nodeWs, image, name, env) : null;
  const args = ['run', '-t', '-d', '--name', name, ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    '-u', user, '-w', nodeWs.root, '-v', `${nodeWs.root}:${nodeWs.root}:rw`, '-v', `${nodeWs.tmp}:${nodeWs.tmp}:rw`,
    ...userArgs, ...(runner ? ['--entrypoint', 'sh', image, runner.script, runner.dir, ...runner.entrypoint, 'cat'] : [image, 'cat'])];
  log(`docker run -t -d -u ${user} -w ${nodeWs.root} -v ${nodeWs.root}:${nodeWs.root} -v ${nodeWs.tmp}:${nodeWs.tmp}${spec.args ? ` ${spec.args}` : ''} ${image} cat`);
  const run = await docker(nodeWs, args, { env });
  const id = run.stdout.trim().split('\n').pop() ?? '';
  if (run.code !== 0 || !/^[0-9a-f]{12,64}$/.test(id)) {
    await docker(nodeWs, ['rm', '-f', name], { env }).catch(() => null);
    if (runner) await fsp.rm(runner.dir, { recursive: true, force: true });
    throw new DockerError(`could not start a container of ${image} on node '${nodeWs.nodeName}': ${lastLines(run.stderr)}`);
  }
  // Settles when the container stops (or is removed at release).
  const dead = runner ? docker(nodeWs, ['wait', id], { env }).then((r) => `the container of ${image} stopped (exit code ${r.stdout.trim() || '?'})`, () => `the container of ${image} stopped`) : null;
  const ws = new ContainerWorkspace(nodeWs, id, {
    cliEnv: env, ...(opts.killGraceMs !== undefined ? { killGraceMs: opts.killGraceMs } : {}),
    ...(runner && dead ? { runner: { client: new RunnerClient(runner.dir), dead, dir: runner.dir } } : {}),
  });
  // An image whose ENTRYPOINT ignores its command exits at once (or runs something else):
  // say so with its last log lines, as Jenkins does, instead of failing at the first step.
  let up = false;
  if (runner && dead) up = await ws.runner!.client.ready(dead).then(() => true, () => false);
  const state = (await docker(nodeWs, ['inspect', '-f', '{{.State.Running}} {{.State.ExitCode}}', id], { env })).stdout.trim();
  if (!state.startsWith('true') || (runner && !up)) {
    const logs = await docker(nodeWs, ['logs', '--tail', '20', id], { env });
    await ws.release();
    throw new DockerError(`the container of ${image} exited at start (exit code ${state.split(' ')[1] ?? '?'}); Kiln starts it with the command 'cat' to keep it running, so the image's ENTRYPOINT must run the command it is given. Its last output: ${lastLines(logs.stdout + logs.stderr, 20)}`);
  }
  if (signal.aborted) {
    await ws.release();
    throw new DockerError('aborted while starting the container');
  }
  return ws;
}

/** The runner script and this container's runner directory in the node's @tmp, and the image's entrypoint. */
async function prepareRunner(ws: Workspace, image: string, name: string, env: Record<string, string>): Promise<{ script: string; dir: string; entrypoint: string[] }> {
  const r = await docker(ws, ['image', 'inspect', '-f', '{{json .Config.Entrypoint}}', image], { env });
  let entrypoint: string[] = [];
  try {
    const v = JSON.parse(r.stdout.trim() || 'null') as unknown;
    if (Array.isArray(v)) entrypoint = v.map(String);
  } catch { /* no entrypoint */ }
  const script = `${ws.tmp}/.kiln/runner.sh`;
  const dir = `${ws.tmp}/.kiln/${name}`;
  await fsp.mkdir(dir, { recursive: true, mode: 0o777 });
  await fsp.chmod(dir, 0o777); // the container's user creates its control FIFO here
  await fsp.writeFile(script, RUNNER_SH, { mode: 0o755 });
  return { script, dir, entrypoint };
}

/** docker build for `agent { dockerfile }`; the image is kept (Docker's cache makes the next build fast). */
async function buildDockerfile(ws: Workspace, df: NonNullable<DockerAgentSpec['dockerfile']>, build: BuildRef, signal: AbortSignal,
  log: (line: string) => void, env: Record<string, string>): Promise<string> {
  const dir = path.resolve(ws.root, df.dir);
  const file = path.resolve(dir, df.filename);
  if (!(await ws.stat(file))) throw new DockerError(`agent dockerfile: ${path.relative(ws.root, file) || file} not found in the workspace ${ws.root} (filename '${df.filename}', dir '${df.dir}')`);
  const tag = `kiln-dockerfile/${dockerName(build.job)}:${createHash('sha256').update(file).digest('hex').slice(0, 12)}`;
  const args = ['build', '-t', tag, '-f', file, ...splitWords(df.additionalBuildArgs), dir];
  log(`docker build -t ${tag} -f ${file}${df.additionalBuildArgs ? ` ${df.additionalBuildArgs}` : ''} ${dir}`);
  const r = await docker(ws, args, { env, signal, onOutput: (chunk) => { for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) log(l.trimEnd()); } });
  if (r.aborted || signal.aborted) throw new DockerError('aborted while building the image');
  checkDaemon(ws, r, env);
  if (r.code !== 0) throw new DockerError(`docker build of ${path.relative(ws.root, file)} failed (exit code ${r.code}): ${lastLines(r.stderr || r.stdout)}`);
  return tag;
}
