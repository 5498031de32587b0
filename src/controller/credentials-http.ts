// The credentials API, registered on the controller's Fastify instance by compose.ts. Secrets go in
// (POST, PUT) and never come out: every response is a CredentialView (id, type, description,
// scope/folder, username / fileName metadata, times, usedBy). Errors use http.ts's handler:
// bad input → 400 `invalid` with the field named first ("privateKey: ..."), duplicate id → 409,
// unknown id → 404.
//
//   GET    /api/v1/credentials            { credentials: [view...] }
//   POST   /api/v1/credentials            201 view     body: { id, type, description?, folder?, ...secret fields }
//   GET    /api/v1/credentials/:id        view
//   PUT    /api/v1/credentials/:id        view         body: { description?, folder?, ...secret fields to replace }
//   DELETE /api/v1/credentials/:id        204
//
// Secret fields by type: secretText { secret } · usernamePassword { username, password } ·
// secretFile { fileName, content | contentBase64 } · sshKey { username, privateKey, passphrase? } ·
// certificate { contentBase64 | content, password? }. `folder` null or absent = global.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StoreError } from '../store/types.ts';
import type { CredentialService } from './credentials.ts';
import type { AuthService } from './auth/service.ts';

/** Enough for a 1 MiB file as base64 in JSON, with room to reject it by field rather than by size. */
const BODY_LIMIT = 3 * 1024 * 1024;

export function registerCredentialRoutes(app: FastifyInstance, credentials: CredentialService, auth: AuthService): void {
  const audit = (req: FastifyRequest, action: string, target: string, detail = '') =>
    auth.audit({ actor: req.principal?.name ?? 'anonymous', action, target, detail, address: req.ip });
  const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 1000 } } } as const;
  const anyBody = { type: 'object' } as const;
  const noStore = { 'cache-control': 'no-store' };

  app.get('/api/v1/credentials', async (_req, reply) => reply.headers(noStore).send({ credentials: await credentials.list() }));

  app.post('/api/v1/credentials', { bodyLimit: BODY_LIMIT, schema: { body: anyBody } }, async (req, reply) => {
    const view = await credentials.create(req.body);
    await audit(req, 'credential.create', view.id, view.type);
    return reply.code(201).headers(noStore).header('location', `/api/v1/credentials/${encodeURIComponent(view.id)}`).send(view);
  });

  app.get('/api/v1/credentials/:id', { schema: { params: idParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const view = await credentials.get(id);
    if (!view) throw new StoreError('not-found', `no credential '${id}'`);
    return reply.headers(noStore).send(view);
  });

  app.put('/api/v1/credentials/:id', { bodyLimit: BODY_LIMIT, schema: { params: idParams, body: anyBody } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    const view = await credentials.update(id, req.body);
    await audit(req, 'credential.update', id, Object.keys(req.body as object).filter((k) => k !== 'id').join(', '));
    return reply.headers(noStore).send(view);
  });

  app.delete('/api/v1/credentials/:id', { schema: { params: idParams } }, async (req, reply) => {
    const { id } = req.params as { id: string };
    if (!(await credentials.delete(id))) throw new StoreError('not-found', `no credential '${id}'`);
    await audit(req, 'credential.delete', id);
    return reply.code(204).send();
  });
}
