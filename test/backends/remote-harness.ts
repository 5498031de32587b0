// A test controller (a bare HTTP server with an AgentHub on its 'upgrade' event) and real
// `bin/kiln agent` child processes that connect to it, as an operator would start them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { WebSocket } from 'ws';
import { AgentHub, type AgentHubOptions } from '../../src/controller/agents/hub.ts';
import { HEADER_AGENT_NAME, HEADER_PROTOCOL, PROTOCOL_VERSION } from '../../src/protocol/messages.ts';
import type { ExecResult, ExecSpec, OutputStream, Workspace } from '../../src/core/workspace.ts';
import { kilnBin } from '../helpers/kiln.ts';

export interface TestController {
  hub: AgentHub;
  server: http.Server;
  url: string;
  port: number;
  /** Lines the hub logged. */
  log: string[];
  tmp: string;
  close(): Promise<void>;
}

export async function startController(opts: Partial<AgentHubOptions> = {}): Promise<TestController> {
  const log: string[] = [];
  const hub = new AgentHub({ key: 'test-controller-key', log: (l) => log.push(l), ...opts });
  const server = http.createServer((_req, res) => { res.statusCode = 404; res.end('not here\n'); });
  hub.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const tmp = await mkdtemp(path.join(tmpdir(), 'kiln-remote-'));
  return {
    hub, server, port, url: `http://127.0.0.1:${port}`, log, tmp,
    async close() {
      await hub.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

export interface AgentProcess {
  child: ChildProcess;
  name: string;
  workdir: string;
  stderr(): string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
  stop(): Promise<number | null>;
}

export interface AgentProcessOptions {
  url?: string;
  secret?: string;
  labels?: string[];
  args?: string[];
  env?: NodeJS.ProcessEnv;
  workdir?: string;
}

/** Starts `bin/kiln agent` for `name` against the test controller. */
export function startAgent(c: TestController, name: string, o: AgentProcessOptions = {}): AgentProcess {
  const workdir = o.workdir ?? path.join(c.tmp, `agent-${name}`);
  const args = ['agent', '--url', o.url ?? c.url, '--name', name, '--secret', o.secret ?? c.hub.secret(name), '--workdir', workdir];
  if (o.labels) args.push('--labels', o.labels.join(','));
  args.push(...(o.args ?? []));
  return spawnAgent(args, name, workdir, o.env);
}

/** Starts `kiln agent` with `args`; `bin` another kiln command (an agent bundle's bin/kiln). */
export function spawnAgent(args: string[], name: string, workdir: string, env: NodeJS.ProcessEnv = {}, bin = kilnBin): AgentProcess {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
  child.stdout!.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child, name, workdir, exited,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** Waits until the hub has `name` online (a new session or a resumed one). */
export function waitOnline(c: TestController, name: string, timeoutMs = 15_000): Promise<void> {
  if (c.hub.isOnline(name)) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => { cleanup(); reject(new Error(`agent '${name}' did not come online within ${timeoutMs} ms`)); }, timeoutMs);
    const on = (info: { name: string }) => {
      if (info.name === name) { cleanup(); resolve(); }
    };
    const cleanup = () => { clearTimeout(t); c.hub.off('online', on); c.hub.off('reconnected', on); };
    c.hub.on('online', on);
    c.hub.on('reconnected', on);
  });
}

export const baseEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', LC_ALL: 'C' };

export interface Run extends ExecResult {
  stdout: Buffer;
  stderr: Buffer;
  chunks: { stream: OutputStream; data: Buffer }[];
}

export async function run(ws: Workspace, argv: string[], spec: Partial<ExecSpec> = {}): Promise<Run> {
  const chunks: { stream: OutputStream; data: Buffer }[] = [];
  const r = await ws.exec({ argv, cwd: ws.root, env: baseEnv, onOutput: (data, stream) => chunks.push({ stream, data }), ...spec });
  const of = (s: OutputStream) => Buffer.concat(chunks.filter((x) => x.stream === s).map((x) => x.data));
  return { ...r, stdout: of('stdout'), stderr: of('stderr'), chunks };
}

export const sh = (script: string) => ['sh', '-c', script];

export async function waitFor(cond: () => boolean | Promise<boolean>, ms: number, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await cond()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A raw WebSocket client that authenticates as `name` (for hostile-frame tests). */
export function rawClient(c: TestController, name: string, headers: Record<string, string> = {}): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${c.port}/agent`, {
    headers: {
      authorization: `Bearer ${c.hub.secret(name)}`,
      [HEADER_AGENT_NAME]: name,
      [HEADER_PROTOCOL]: String(PROTOCOL_VERSION),
      ...headers,
    },
    maxPayload: 64 * 1024 * 1024,
  });
}

export function helloFor(name: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    type: 'hello', protocol: PROTOCOL_VERSION, name, labels: [], executors: 1, os: 'linux', arch: 'x64',
    hostname: 'test', nodeVersion: process.version, kilnVersion: 'test', workdir: '/tmp/none', session: null, received: 0,
    ...extra,
  });
}

/** Resolves with the close code and reason of `ws`. */
export function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') })));
}

export function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
}
