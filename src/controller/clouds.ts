// Clouds: where pods for builds come from. A cloud's type is one a plugin's provisioner declares
// (core/plugin.ts CloudType: 'kubernetes', 'docker'), found through the controller's plugin list
// (`types`, from its router); the type checks the settings and says what is stored with their
// pod templates (store `clouds`); Test Connection runs against saved settings or against a form
// not yet saved.
//
//   GET    /api/v1/clouds                       { clouds: [{ name, type, settings, createdAt, updatedAt }] }
//   GET    /api/v1/clouds/:name
//   PUT    /api/v1/clouds/:name                 { type: 'kubernetes' | 'docker' | ..., settings: {...} }  → 200 (201 when new)
//   DELETE /api/v1/clouds/:name
//   POST   /api/v1/clouds/:name/test            → { ok, message, version, permissions }
//   POST   /api/v1/clouds/test                  { type, settings }: the same for settings not saved yet
//
// Admins only (auth/policy.ts). Bad settings: 400 naming the field.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StoreError, type CloudRecord, type JsonValue, type Store } from '../store/types.ts';
import type { CloudType, ConnectionReport } from '../core/plugin.ts';
import type { CredentialService } from './credentials.ts';
import type { AuthService } from './auth/service.ts';

export interface CloudsContext {
  store: Store;
  credentials: CredentialService;
  auth: AuthService;
  /** The cloud types of the plugins (the controller's router): `get('docker')`, their names in list order. */
  types: { get(name: string): CloudType | undefined; names(): string[] };
  /** A cloud was saved or deleted (providers re-read it). */
  changed?: (name: string) => void;
}

/** Settings a cloud type refuses: 400 naming the field. */
class CloudSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloudSettingsError';
  }
}

interface Checked {
  type: string;
  cloudType: CloudType;
  settings: unknown;
  /** What the store keeps (Docker: without the name, which is the key). */
  stored: Record<string, unknown>;
}

function checkSettings(ctx: CloudsContext, name: string, type: unknown, settings: unknown): Checked {
  const cloudType = typeof type === 'string' ? ctx.types.get(type) : undefined;
  if (!cloudType) throw new CloudSettingsError(`type: ${ctx.types.names().join(' or ')} (got ${JSON.stringify(type) ?? 'nothing'})`);
  const checked = cloudType.check(name, settings);
  if ('error' in checked) throw new CloudSettingsError(checked.error);
  return { type: cloudType.name, cloudType, settings: checked.settings, stored: checked.stored };
}

async function test(ctx: CloudsContext, name: string, checked: Checked): Promise<ConnectionReport> {
  return checked.cloudType.test(name, checked.settings, (id) => ctx.credentials.resolveForCloud(id, name));
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
      checked = checkSettings(ctx, name, b.type, b.settings);
    } catch (e) {
      invalid(e);
    }
    const existed = (await ctx.store.clouds.get(name)) !== null;
    // What the cloud type keeps (Docker: without the name, which is the key).
    const rec = await ctx.store.clouds.put(name, checked!.type as CloudRecord['type'], checked!.stored as Record<string, JsonValue>);
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
      checked = checkSettings(ctx, c.name, c.type, c.settings);
    } catch (e) {
      invalid(e);
    }
    return test(ctx, c.name, checked!);
  });
  app.post('/api/v1/clouds/test', { schema: { body } }, async (req) => {
    const b = req.body as { type: string; settings?: unknown };
    let checked;
    try {
      checked = checkSettings(ctx, 'unsaved', b.type, b.settings);
    } catch (e) {
      invalid(e);
    }
    return test(ctx, '(unsaved)', checked!);
  });
}
