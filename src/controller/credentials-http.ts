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
import { Type } from '@sinclair/typebox';
import * as S from './api-schemas.ts';
import { answers, documented, ref, type TypeBoxProvider } from './api-schemas.ts';

/** Enough for a 1 MiB file as base64 in JSON, with room to reject it by field rather than by size. */
const BODY_LIMIT = 3 * 1024 * 1024;

export function registerCredentialRoutes(root: FastifyInstance, credentials: CredentialService, auth: AuthService): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const audit = (req: FastifyRequest, action: string, target: string, detail = '') =>
    auth.audit({ actor: req.principal?.name ?? 'anonymous', action, target, detail, address: req.ip });
  const idParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 1000 }) });
  const noStore = { 'cache-control': 'no-store' };
  const tags = ['credentials'];

  app.get('/api/v1/credentials', {
    schema: { operationId: 'listCredentials', tags, response: answers({ 200: S.Answer({ credentials: Type.Array(ref(S.Credential)) }) }) },
  }, async (_req, reply) => reply.headers(noStore).send({ credentials: await credentials.list() }));

  // Bodies: the service checks each field by the credential's type, naming it (api-schemas.ts `documented`).
  app.post('/api/v1/credentials', {
    bodyLimit: BODY_LIMIT,
    schema: { operationId: 'createCredential', tags, ...documented(S.AnyObject, S.CredentialCreateBody), response: answers({ 201: ref(S.Credential) }) },
  }, async (req, reply) => {
    const view = await credentials.create(req.body);
    await audit(req, 'credential.create', view.id, view.type);
    return reply.code(201).headers(noStore).header('location', `/api/v1/credentials/${encodeURIComponent(view.id)}`).send(view);
  });

  app.get('/api/v1/credentials/:id', {
    schema: { operationId: 'getCredential', tags, params: idParams, response: answers({ 200: ref(S.Credential) }) },
  }, async (req, reply) => {
    const { id } = req.params;
    const view = await credentials.get(id);
    if (!view) throw new StoreError('not-found', `no credential '${id}'`);
    return reply.headers(noStore).send(view);
  });

  app.put('/api/v1/credentials/:id', {
    bodyLimit: BODY_LIMIT,
    schema: { operationId: 'updateCredential', tags, params: idParams, ...documented(S.AnyObject, S.CredentialUpdateBody), response: answers({ 200: ref(S.Credential) }) },
  }, async (req, reply) => {
    const { id } = req.params;
    const view = await credentials.update(id, req.body);
    await audit(req, 'credential.update', id, Object.keys(req.body).filter((k) => k !== 'id').join(', '));
    return reply.headers(noStore).send(view);
  });

  app.delete('/api/v1/credentials/:id', {
    schema: { operationId: 'deleteCredential', tags, params: idParams, response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    const { id } = req.params;
    if (!(await credentials.delete(id))) throw new StoreError('not-found', `no credential '${id}'`);
    await audit(req, 'credential.delete', id);
    return reply.code(204).send();
  });
}
