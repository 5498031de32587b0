// The docker tests' harness: the real dockerd (scripts/test-prereqs.sh installs and starts it
// and builds the kiln-test/* images), pipelines run by the real engine on the local backend
// wrapped by withDockerAgents, and a check that nothing a test made is left behind. Every
// container, volume and network a test file creates carries `kiln.test=<that file's id>`.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import assert from 'node:assert/strict';
import { tempDir } from '../../helpers/tmp.ts';
import { loadPipeline } from '../../../src/pipeline/load.ts';
import { registry } from '../../helpers/registry.ts';
import { formatDiagnostic } from '../../../src/pipeline/diagnostics.ts';
import { PipelineRun, type RunOptions } from '../../../src/pipeline/engine/engine.ts';
import type { NodeProvider } from '../../../src/core/nodes.ts';
import type { BuildState } from '../../../src/pipeline/engine/state.ts';
import { LocalBackend } from '../../../src/exec/local-workspace.ts';
import { withDockerAgents, type DockerAgentOptions } from '../../../src/plugins/docker/agents.ts';
import type { StashFile } from '../../../src/pipeline/steps/types.ts';
import type { Credential } from '../../../src/core/credentials.ts';
import { StepFailure } from '../../../src/core/errors.ts';

export const IMAGES = { busybox: 'kiln-test/busybox:latest', git: 'kiln-test/git:latest', agent: 'kiln-test/agent:latest' };

/** The seed Jenkinsfile's pod with the local test images: a git and a build tool ('maven')
 *  container, each kept running by `cat` (no trailing newline: a test may add to the last one). */
export const SEED_POD_YAML = `apiVersion: v1
kind: Pod
spec:
  containers:
  - name: git
    image: ${IMAGES.git}
    command:
    - cat
    tty: true
  - name: maven
    image: ${IMAGES.busybox}
    command:
    - cat
    tty: true`;

/** Fails (never skips) with what to do when Docker or the test images are missing. */
export function requireDocker(): void {
  const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8' });
  if (info.error || info.status !== 0) {
    throw new Error(`the docker tests need a running dockerd: ${info.error ? 'the docker command is missing' : info.stderr.trim()}; run scripts/test-prereqs.sh as root (it installs docker.io and starts dockerd)`);
  }
  for (const image of Object.values(IMAGES)) {
    if (spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0) {
      throw new Error(`the test image ${image} is missing; run scripts/test-prereqs.sh (it builds the kiln-test/* images locally)`);
    }
  }
}

/** The label value this test file puts on what it creates. */
export function testLabel(): string {
  return `t-${randomBytes(4).toString('hex')}`;
}

export function dockerCli(args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8' }).trim();
}

/** Containers, volumes and networks carrying kiln.test=<label>, or made for the harness's builds (kiln.build). */
export function leftovers(label: string): string[] {
  const out: string[] = [];
  for (const f of [`label=kiln.test=${label}`, `label=kiln.build=${buildId(label)}`]) {
    out.push(...dockerCli(['ps', '-a', '-q', '--filter', f]).split('\n').filter(Boolean).map((x) => `container ${x}`),
      ...dockerCli(['volume', 'ls', '-q', '--filter', f]).split('\n').filter(Boolean).map((x) => `volume ${x}`),
      ...dockerCli(['network', 'ls', '-q', '--filter', f]).split('\n').filter(Boolean).map((x) => `network ${x}`));
  }
  return [...new Set(out)];
}

/** The build id the harness gives the runs of a test file. */
export function buildId(label: string): string {
  return `docker-test#${buildNumber(label)}`;
}

/** A build number of its own per test file, so that build-labelled leftovers are told apart. */
function buildNumber(label: string): number {
  return parseInt(label.slice(2), 16) % 1_000_000_000;
}

export function assertNoLeftovers(label: string): void {
  assert.deepEqual(leftovers(label), [], `left behind by the tests (label kiln.test=${label})`);
}

export interface DockerRun {
  run: PipelineRun;
  done: Promise<BuildState>;
  console: () => string;
  workspace: string;
}

export interface DockerRunOptions extends Partial<Omit<RunOptions, 'model' | 'nodes' | 'services'>> {
  label: string;
  credentials?: Record<string, Credential>;
  workspace?: string;
  docker?: DockerAgentOptions;
  /** The nodes docker agents start beside (default: a local backend in a temp dir). */
  base?: NodeProvider;
  /** Wraps the node provider further (pods...). */
  wrap?: (nodes: NodeProvider) => NodeProvider;
}

export const CLI_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(process.env).filter((e): e is [string, string] => typeof e[1] === 'string' && /^(PATH|HOME|DOCKER_HOST)$/.test(e[0])));

export async function startDocker(source: string, o: DockerRunOptions): Promise<DockerRun> {
  const loaded = loadPipeline(source, registry);
  if (!loaded.model) throw new Error(`invalid test Jenkinsfile:\n${loaded.diagnostics.map((d) => formatDiagnostic('Jenkinsfile', d)).join('\n')}`);
  const root = tempDir('docker');
  const workspace = o.workspace ?? path.join(root, 'ws');
  const backend = new LocalBackend({ root: path.join(root, 'nodes'), labels: ['linux', 'docker'] });
  const local: NodeProvider = {
    async allocate(req, build) {
      if (req.type === 'docker' || req.type === 'dockerfile' || req.type === 'kubernetes') throw new StepFailure(`agent ${req.type} reached the local provider`);
      const ws = await backend.allocate({ build, path: req.customWorkspace ? path.resolve(workspace, req.customWorkspace) : workspace });
      return { workspace: ws, release: () => ws.release() };
    },
  };
  const credential = async (id: string) => {
    const c = o.credentials?.[id];
    if (!c) throw new StepFailure(`no credential '${id}'`);
    return c;
  };
  let nodes = withDockerAgents(o.base ?? local, { cliEnv: CLI_ENV, labels: { 'kiln.test': o.label }, credential: (_b, id) => credential(id), ...o.docker });
  if (o.wrap) nodes = o.wrap(nodes);
  const chunks: Buffer[] = [];
  const stashes = new Map<string, StashFile[]>();
  const { credentials: _c, workspace: _w, label: _l, docker: _d, wrap: _wr, base: _b, ...rest } = o;
  const run = new PipelineRun({
    registry,
    model: loaded.model,
    file: 'Jenkinsfile',
    build: { job: 'docker-test', number: buildNumber(o.label), id: buildId(o.label), url: null },
    nodes,
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', LC_ALL: 'C' },
    services: {
      stashes: { put: async (n, f) => { stashes.set(n, f); }, get: async (n) => stashes.get(n) },
      artifacts: { put: async () => {} },
      tests: { record: async () => {} },
      credential,
      triggerJob: async (job: string) => { throw new StepFailure(`cannot trigger ${job} here`); },
    },
    ...rest,
    listener: { output: (d) => { chunks.push(d); }, ...rest.listener },
  });
  const done = run.run().finally(() => backend.close());
  return { run, done, console: () => Buffer.concat(chunks).toString('utf8'), workspace };
}

export async function runDocker(source: string, o: DockerRunOptions): Promise<{ state: BuildState; console: string; workspace: string }> {
  const h = await startDocker(source, o);
  const state = await h.done;
  return { state, console: h.console(), workspace: h.workspace };
}
