// Publish Over SSH's servers on the controller (its global configuration): what sshPublisher's
// configName names. Stored as the settings document `publish-over-ssh` (store/settings.ts);
// admins only read and replace them (they name credentials and hosts), audit-logged.
//
//   GET /api/v1/settings/publish-over-ssh   { servers: [{ name, hostname, port, username, remoteDirectory, credentialsId, hostKeyFingerprint, timeoutMs }] }
//   PUT /api/v1/settings/publish-over-ssh   the same: replaces them
//
// Builds read them at each sshPublisher step (BuildServices.sshServers).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Store, JsonValue } from '../store/types.ts';
import { Answer, AnyObject, answers, documented, type TypeBoxProvider } from './api-schemas.ts';
import { ApiError } from './http-errors.ts';
import { checkSshServer, type SshServer, type SshServers } from '../core/ssh-publish.ts';

const MAX_SERVERS = 200;
const SETTINGS = 'publish-over-ssh';

/** A PUT body's servers, checked: what is wrong names the server and the field. */
export function checkSshServers(body: unknown): SshServer[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('invalid', 'body: { "servers": [ { "name": ..., "hostname": ..., ... } ] }');
  const extra = Object.keys(body).filter((k) => k !== 'servers');
  if (extra.length) throw new ApiError('invalid', `body: unknown field '${extra[0]!.slice(0, 60)}' (the only field is servers)`);
  const list = (body as { servers?: unknown }).servers ?? [];
  if (!Array.isArray(list)) throw new ApiError('invalid', 'servers: a list of servers');
  if (list.length > MAX_SERVERS) throw new ApiError('invalid', `servers: at most ${MAX_SERVERS}`);
  const out: SshServer[] = [];
  list.forEach((v, i) => {
    const s = checkSshServer(v, `servers[${i}]`);
    if (typeof s === 'string') throw new ApiError('invalid', s);
    if (out.some((o) => o.name === s.name)) throw new ApiError('invalid', `servers[${i}].name: '${s.name}' is given twice`);
    out.push(s);
  });
  return out;
}

type Audit = (e: { actor: string; action: string; target: string; detail: string; address: string }) => Promise<void>;

export class SshPublishers implements SshServers {
  readonly configureHint = 'an administrator configures SSH servers in PUT /api/v1/settings/publish-over-ssh';
  readonly #store: Store;
  readonly #audit: Audit;

  constructor(o: { store: Store; audit: Audit }) {
    this.#store = o.store;
    this.#audit = o.audit;
  }

  async servers(): Promise<SshServer[]> {
    const v = await this.#store.settings.get(SETTINGS);
    const list = v && typeof v === 'object' && !Array.isArray(v) ? (v as { servers?: unknown }).servers : null;
    if (!Array.isArray(list)) return [];
    return list.map((s, i) => checkSshServer(s, `servers[${i}]`)).filter((s): s is SshServer => typeof s !== 'string');
  }

  async put(actor: string, body: unknown, address: string): Promise<{ servers: SshServer[] }> {
    const servers = checkSshServers(body);
    await this.#store.settings.put(SETTINGS, { servers } as unknown as JsonValue);
    await this.#audit({ actor, action: 'settings.publish-over-ssh', target: SETTINGS, detail: servers.map((s) => `${s.name}=${s.username}@${s.hostname}:${s.port}`).join(', ') || 'cleared', address });
    return { servers };
  }
}

const Server = Answer({
  name: Type.String(), hostname: Type.String(), port: Type.Integer(), username: Type.String(), remoteDirectory: Type.String(),
  credentialsId: Type.String(), hostKeyFingerprint: Type.String(), timeoutMs: Type.Integer(),
});
const Servers = Answer({ servers: Type.Array(Server) });
const ServersBody = Type.Object({
  servers: Type.Array(Type.Object({
    name: Type.String(), hostname: Type.String(), port: Type.Optional(Type.Integer({ default: 22 })), username: Type.String(),
    remoteDirectory: Type.Optional(Type.String({ description: "absolute, or relative to the user's home; '' = the home" })),
    credentialsId: Type.String({ description: 'an SSH key or username/password credential' }),
    hostKeyFingerprint: Type.String({ description: 'SHA256:... as `ssh-keygen -l -f /etc/ssh/ssh_host_ed25519_key.pub` prints it' }),
    timeoutMs: Type.Optional(Type.Integer({ default: 300000 })),
  })),
});

export function registerSshPublisherRoutes(root: FastifyInstance, p: SshPublishers): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const actor = (req: FastifyRequest) => req.principal?.name ?? 'anonymous';
  const tags = ['settings'];
  app.get('/api/v1/settings/publish-over-ssh', {
    schema: { operationId: 'getSshPublisherSettings', tags, summary: "The SSH servers sshPublisher publishes to (Publish Over SSH's configurations)", response: answers({ 200: Servers }) },
  }, async (_req, reply) => reply.headers({ 'cache-control': 'no-store' }).send({ servers: await p.servers() }));
  app.put('/api/v1/settings/publish-over-ssh', {
    schema: { operationId: 'putSshPublisherSettings', tags, summary: 'Replaces the SSH servers sshPublisher publishes to', ...documented(AnyObject, ServersBody), response: answers({ 200: Servers }) },
  }, async (req) => p.put(actor(req), req.body, req.ip));
}
