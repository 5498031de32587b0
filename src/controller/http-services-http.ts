// The HTTP services settings API (http-services.ts says what they are), registered by
// compose.ts. Admins only (auth/policy.ts). No token is ever in an answer: credentials by id.
//
//   GET /api/v1/settings/http-services   HttpServiceSettings
//   PUT /api/v1/settings/http-services   HttpServiceSettings   body: the whole settings (a part left out is cleared)
import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as S from './api-schemas.ts';
import { answers, documented, ref, type TypeBoxProvider } from './api-schemas.ts';
import type { HttpServicesService } from './http-services.ts';

export function registerHttpServicesRoutes(root: FastifyInstance, service: HttpServicesService): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const actor = (req: FastifyRequest) => req.principal?.name ?? 'anonymous';
  const tags = ['settings'];
  app.get('/api/v1/settings/http-services', {
    schema: { operationId: 'getHttpServiceSettings', tags, summary: 'Slack, GitHub, GitLab, SonarQube and httpRequest settings for builds', response: answers({ 200: ref(S.HttpServiceSettings) }) },
  }, async (_req, reply) => reply.headers({ 'cache-control': 'no-store' }).send(await service.get()));
  // The service checks each field with its own message (http-services.ts checkHttpServiceSettings).
  app.put('/api/v1/settings/http-services', {
    schema: { operationId: 'putHttpServiceSettings', tags, summary: 'Sets the HTTP services builds use', ...documented(S.AnyObject, S.HttpServiceSettings), response: answers({ 200: ref(S.HttpServiceSettings) }) },
  }, async (req) => service.put(actor(req), req.body, req.ip));
}
