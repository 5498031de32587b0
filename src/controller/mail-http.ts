// The e-mail settings API (mail.ts says what they are), registered by compose.ts. Admins only
// (auth/policy.ts): reading, changing, and sending a test e-mail. The SMTP password is never in
// an answer: the settings name a credential by id.
//
//   GET  /api/v1/settings/mail         MailSettings
//   PUT  /api/v1/settings/mail         MailSettings    body: the fields to set (the rest take defaults)
//   POST /api/v1/settings/mail/test    { sent, message }  body: { to }
import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as S from './api-schemas.ts';
import { answers, documented, ref, type TypeBoxProvider } from './api-schemas.ts';
import type { MailService } from './mail.ts';

export function registerMailRoutes(root: FastifyInstance, mail: MailService): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const actor = (req: FastifyRequest) => req.principal?.name ?? 'anonymous';
  const tags = ['settings'];
  const noStore = { 'cache-control': 'no-store' };
  app.get('/api/v1/settings/mail', {
    schema: { operationId: 'getMailSettings', tags, summary: "The SMTP server builds' e-mail goes through", response: answers({ 200: ref(S.MailSettings) }) },
  }, async (_req, reply) => reply.headers(noStore).send(await mail.view()));
  // The service checks each field with its own message (mail.ts checkMailSettings).
  app.put('/api/v1/settings/mail', {
    schema: { operationId: 'putMailSettings', tags, summary: 'Sets the SMTP server and the e-mail defaults', ...documented(S.AnyObject, S.MailSettingsBody), response: answers({ 200: ref(S.MailSettings) }) },
  }, async (req) => mail.put(actor(req), req.body, req.ip));
  app.post('/api/v1/settings/mail/test', {
    schema: { operationId: 'testMailSettings', tags, summary: 'Sends a test e-mail to one address through the saved settings', ...documented(S.AnyObject, S.MailTestBody), response: answers({ 200: S.MailTestAnswer }) },
  }, async (req) => mail.test(actor(req), (req.body as { to?: unknown }).to, req.ip));
}
