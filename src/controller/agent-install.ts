// Agents on other machines: the controller serves the agent itself, and tells a person how to
// install and run it there (registered by compose.ts; issue 20, point 6).
//
//   GET /api/v1/agent/bundle.tgz          the agent bundle (util/agent-bundle.ts) as a gzipped tar
//   GET /api/v1/agents/:name/install      { url, warning, bundleUrl, install, service, environment }
//
// Who may download the bundle: anyone (auth/policy.ts 'public'), as Jenkins serves
// /jnlpJars/agent.jar. The machine being set up has no Kiln login, and a token on a `curl`
// command line would land in shell histories; the bundle holds no secret (Kiln's own sources and
// the npm packages the agent imports, which are public anyway) and is built once per process
// and answered from memory, so repeated downloads cost the controller no file reading.
//
// The install route is for viewers like the agent's page; the agent's secret in it is for admins
// only (the same rule as the connect command). `install` is one line for a POSIX shell: make
// ~/kiln-agent, unpack the bundle from the controller into it, run the agent with the host's
// node (22.18+). `service` is a systemd unit whose secret lives in an EnvironmentFile (mode
// 0600, read by the agent from KILN_SECRET, which it then removes from its own environment:
// cli/agent.ts), never on a command line where `ps` shows it. `warning` says when the URL agents
// are given is a loopback (or unspecified) address that another machine cannot reach.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import * as S from './api-schemas.ts';
import { answers, Nullable, type TypeBoxProvider } from './api-schemas.ts';
import { agentBundle, bundleTarball } from '../util/agent-bundle.ts';
import { agentCommandLine } from './agents/secret.ts';
import { ApiError } from './http-errors.ts';

export interface AgentInstallContext {
  /** The controller's base URL as agents reach it (--agent-url, else --url). */
  agentUrl: () => string;
  /** The agent's labels and executors, or null when there is no such agent. */
  agent: (name: string) => Promise<{ labels: string[]; executors: number; launcher: string } | null>;
  secret: (name: string) => string;
  /** Where the bundle's files are read from (tests); default this Kiln's repository. */
  bundleRoot?: string;
}

/** Where the one-line install puts the agent on the host. */
export const INSTALL_DIR = '~/kiln-agent';

/** Whether a URL's host is one only the machine itself reaches (loopback or unspecified). */
export function isLoopbackUrl(url: string): boolean {
  let host: string;
  try {
    host = new URL(url).hostname.toLowerCase().replace(/^\[|\]$/g, '');
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '0.0.0.0'
    || host === '::1' || host === '::' || /^::ffff:127\./.test(host) || /^0:0:0:0:0:0:0:[01]$/.test(host);
}

function loopbackWarning(url: string): string | null {
  if (!isLoopbackUrl(url)) return null;
  return `Agents are told to reach the controller at ${url}, a loopback address: an agent on another machine cannot reach it there. `
    + 'Start the controller with --agent-url (KILN_AGENT_URL) or --url (KILN_PUBLIC_URL) set to an address the agents reach, e.g. http://kiln.example.com:8080/, '
    + 'or change the --url in the command below.';
}

const InstallAnswer = S.Answer({
  url: Type.String({ description: 'the controller URL agents are given' }),
  warning: Nullable(Type.String({ description: 'why an agent on another machine cannot reach that URL (a loopback address), or null' })),
  bundleUrl: Type.String({ description: 'where the agent bundle is downloaded from' }),
  install: Type.String({ description: 'one line for a POSIX shell: download the bundle into ~/kiln-agent and run the agent (the secret: admins only)' }),
  service: Type.String({ description: 'a systemd unit that runs the installed agent, its settings in an EnvironmentFile' }),
  environmentFile: Type.String({ description: 'where the unit reads its settings from' }),
  environment: Type.String({ description: "that file's contents (KILN_URL, KILN_AGENT_NAME, KILN_SECRET (admins only), labels, executors)" }),
});

export function registerAgentInstallRoutes(root: FastifyInstance, o: AgentInstallContext): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  let tarball: Promise<{ data: Buffer; hash: string }> | null = null;
  const bundle = () => {
    tarball ??= agentBundle(o.bundleRoot).then(async (b) => ({ data: await bundleTarball(b), hash: b.hash }));
    tarball.catch(() => { tarball = null; }); // a failure is not kept: the next download tries again
    return tarball;
  };

  app.get('/api/v1/agent/bundle.tgz', {
    schema: {
      operationId: 'getAgentBundle', tags: ['agents'], summary: 'The agent (kiln agent) as a gzipped tar, for a machine with Node.js 22.18+ and no Kiln',
      response: answers({ 200: S.textAnswer('application/gzip', 'bin/kiln, package.json, the agent\'s sources and the packages it imports') }),
    },
  }, async (req, reply) => {
    // A GET with a body is a client's mistake (or a probe): refused at once with a short answer,
    // rather than a download of megabytes racing the unread body (the connection would be reset).
    if ((req.headers['content-length'] ?? '0') !== '0' || req.headers['transfer-encoding'] !== undefined) {
      throw new ApiError('invalid', 'GET /api/v1/agent/bundle.tgz takes no request body');
    }
    let b: { data: Buffer; hash: string };
    try {
      b = await bundle();
    } catch (e) {
      throw new ApiError('unavailable', `cannot put the agent bundle together: ${(e as Error).message}`);
    }
    const etag = `"${b.hash}"`;
    reply.header('etag', etag).header('cache-control', 'no-cache');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('application/gzip').header('content-disposition', `attachment; filename="kiln-agent-${b.hash}.tgz"`).send(b.data);
  });

  app.get('/api/v1/agents/:name/install', {
    schema: { operationId: 'getAgentInstall', tags: ['agents'], summary: 'How to install and run an inbound agent on another machine', params: S.AgentParams, response: answers({ 200: InstallAnswer }) },
  }, async (req: FastifyRequest<{ Params: { name: string } }>, reply) => {
    const { name } = req.params;
    const a = await o.agent(name);
    if (!a) throw new ApiError('not-found', `no agent named '${name}'`);
    const url = o.agentUrl();
    const admin = req.principal?.role === 'admin';
    const secret = admin ? o.secret(name) : '<secret: admins only>';
    const bundleUrl = new URL('api/v1/agent/bundle.tgz', url).href;
    const run = agentCommandLine({ url, name, secret, executors: a.executors, ...(a.labels.length ? { labels: a.labels } : {}) })
      .replace(/^kiln /, `node ${INSTALL_DIR}/src/cli/main.js `);
    const install = `mkdir -p ${INSTALL_DIR} && curl -fsSL ${quote(bundleUrl)} | tar xz -C ${INSTALL_DIR} && ${run}`;
    const environmentFile = `/etc/kiln/agent-${name}.env`;
    const environment = [
      `# ${environmentFile}: readable by root only (chmod 600); the agent's secret is in it`,
      `KILN_URL=${url}`,
      `KILN_AGENT_NAME=${name}`,
      `KILN_SECRET=${secret}`,
      ...(a.labels.length ? [`KILN_AGENT_LABELS=${a.labels.join(',')}`] : []),
      `KILN_AGENT_EXECUTORS=${a.executors}`,
      '',
    ].join('\n');
    const service = [
      `# /etc/systemd/system/kiln-agent-${name}.service`,
      '# then: systemctl daemon-reload && systemctl enable --now kiln-agent-' + name,
      '[Unit]',
      `Description=Kiln agent ${name}`,
      'Wants=network-online.target',
      'After=network-online.target',
      '',
      '[Service]',
      '# The user who ran the install command (the agent is in its ~/kiln-agent); builds run as this user.',
      'User=kiln',
      `EnvironmentFile=${environmentFile}`,
      `ExecStart=/bin/sh -c 'exec node "$$HOME/kiln-agent/src/cli/main.js" agent --workdir "$$HOME/kiln-agent-work"'`,
      'Restart=always',
      'RestartSec=5',
      '# Stopping or restarting the unit signals the agent only: it stops its other steps itself and leaves',
      "# its durable ones (sh) running for its next process to hand back (kiln agent --stop-steps stops them).",
      'KillMode=process',
      '',
      '[Install]',
      'WantedBy=multi-user.target',
      '',
    ].join('\n');
    return reply.header('cache-control', 'no-store').send({ url, warning: loopbackWarning(url), bundleUrl, install, service, environmentFile, environment });
  });
}

function quote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
