// Clouds: where pods for builds come from. Settings are checked by the cloud type's own module
// (backends/kubernetes/cloud.ts) and stored with their pod templates (store `clouds`); Test
// Connection runs against saved settings or against a form not yet saved.
//
//   GET    /api/v1/clouds                       { clouds: [{ name, type, settings, createdAt, updatedAt }] }
//   GET    /api/v1/clouds/:name
//   PUT    /api/v1/clouds/:name                 { type: 'kubernetes', settings: {...} }  → 200 (201 when new)
//   DELETE /api/v1/clouds/:name
//   POST   /api/v1/clouds/:name/test            → { ok, message, version, permissions }
//   POST   /api/v1/clouds/test                  { type, settings }: the same for settings not saved yet
//
// Admins only (auth/policy.ts). Bad settings: 400 naming the field.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StoreError, type CloudRecord, type JsonValue, type Store } from '../store/types.ts';
import { CloudSettingsError, checkKubernetesSettings, testKubernetesConnection, type ConnectionReport, type KubernetesCloudSettings } from '../backends/kubernetes/cloud.ts';
import type { CredentialService } from './credentials.ts';
import type { AuthService } from './auth/service.ts';

export interface CloudsContext {
  store: Store;
  credentials: CredentialService;
  auth: AuthService;
  /** A cloud was saved or deleted (providers re-read it). */
  changed?: (name: string) => void;
}

function checkSettings(type: unknown, settings: unknown): { type: 'kubernetes'; settings: KubernetesCloudSettings } {
  if (type === 'kubernetes') return { type, settings: checkKubernetesSettings(settings ?? {}) };
  if (type === 'docker') throw new CloudSettingsError('type: Docker clouds are not available in this controller yet');
  throw new CloudSettingsError(`type: kubernetes (got ${JSON.stringify(type) ?? 'nothing'})`);
}

async function test(ctx: CloudsContext, name: string, settings: KubernetesCloudSettings): Promise<ConnectionReport> {
  let cred = null;
  if (settings.credentialsId && !settings.inCluster) {
    try {
      cred = await ctx.credentials.resolveForCloud(settings.credentialsId, name);
    } catch (e) {
      return { ok: false, message: `credentialsId: ${(e as Error).message}`, version: null, permissions: [] };
    }
  }
  return testKubernetesConnection(settings, cred);
}

export function registerCloudRoutes(app: FastifyInstance, ctx: CloudsContext): void {
  const nameParams = { type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 100 } } } as const;
  const body = { type: 'object', required: ['type'], additionalProperties: false, properties: { type: { type: 'string' }, settings: { type: 'object' } } } as const;
  const audit = (req: FastifyRequest, action: string, target: string, detail = '') =>
    ctx.auth.audit({ actor: req.principal?.name ?? 'anonymous', action, target, detail, address: req.ip });
  const need = async (name: string): Promise<CloudRecord> => {
    const c = await ctx.store.clouds.get(name);
    if (!c) throw new StoreError('not-found', `no cloud named '${name}'`);
    return c;
  };
  const invalid = (e: unknown): never => {
    if (e instanceof CloudSettingsError) throw new StoreError('invalid', e.message);
    throw e;
  };

  app.get('/api/v1/clouds', async () => ({ clouds: await ctx.store.clouds.list() }));
  app.get('/api/v1/clouds/:name', { schema: { params: nameParams } }, async (req) => need((req.params as { name: string }).name));
  app.put('/api/v1/clouds/:name', { schema: { params: nameParams, body } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    const b = req.body as { type: string; settings?: unknown };
    let checked;
    try {
      checked = checkSettings(b.type, b.settings);
    } catch (e) {
      invalid(e);
    }
    const existed = (await ctx.store.clouds.get(name)) !== null;
    const rec = await ctx.store.clouds.put(name, checked!.type, checked!.settings as unknown as Record<string, JsonValue>);
    await audit(req, existed ? 'cloud.update' : 'cloud.create', name, checked!.type);
    ctx.changed?.(name);
    return reply.code(existed ? 200 : 201).send(rec);
  });
  app.delete('/api/v1/clouds/:name', { schema: { params: nameParams } }, async (req, reply) => {
    const { name } = req.params as { name: string };
    if (!(await ctx.store.clouds.delete(name))) throw new StoreError('not-found', `no cloud named '${name}'`);
    await audit(req, 'cloud.delete', name);
    ctx.changed?.(name);
    return reply.code(204).send();
  });
  app.post('/api/v1/clouds/:name/test', { schema: { params: nameParams } }, async (req) => {
    const c = await need((req.params as { name: string }).name);
    let checked;
    try {
      checked = checkSettings(c.type, c.settings);
    } catch (e) {
      invalid(e);
    }
    return test(ctx, c.name, checked!.settings);
  });
  app.post('/api/v1/clouds/test', { schema: { body } }, async (req) => {
    const b = req.body as { type: string; settings?: unknown };
    let checked;
    try {
      checked = checkSettings(b.type, b.settings);
    } catch (e) {
      invalid(e);
    }
    return test(ctx, '(unsaved)', checked!.settings);
  });
}
