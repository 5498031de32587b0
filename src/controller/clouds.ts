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
import { KilnError } from '../core/errors.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StoreError, type CloudRecord, type JsonValue, type Store } from '../store/types.ts';
import type { CloudType, ConnectionReport } from '../core/plugin.ts';
import type { CredentialService } from './credentials.ts';
import type { AuthService } from './auth/service.ts';
import { Type } from '@sinclair/typebox';
import * as S from './api-schemas.ts';
import { answers, ref, DOCUMENTED_BODY, type TypeBoxProvider } from './api-schemas.ts';

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
class CloudTypeError extends KilnError {
  constructor(message: string) {
    super('cloud.settings', message);
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
  // Map lookups: '__proto__' or 'constructor' is no type. What was sent is echoed cut short, as the store does.
  if (!cloudType) throw new CloudTypeError(`type: ${ctx.types.names().join(' or ')} (got ${JSON.stringify(type)?.slice(0, 60) ?? 'nothing'})`);
  const checked = cloudType.check(name, settings);
  if ('error' in checked) throw new CloudTypeError(checked.error);
  return { type: cloudType.name, cloudType, settings: checked.settings, stored: checked.stored };
}

async function test(ctx: CloudsContext, name: string, checked: Checked): Promise<ConnectionReport> {
  return checked.cloudType.test(name, checked.settings, (id) => ctx.credentials.resolveForCloud(id, name));
}

export function registerCloudRoutes(root: FastifyInstance, ctx: CloudsContext): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const nameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
  // The type is checked here and the settings by the cloud type's module, naming the field.
  const body = { body: S.CloudBody, [DOCUMENTED_BODY]: S.CloudBodyShown };
  const tags = ['clouds'];
  const audit = (req: FastifyRequest, action: string, target: string, detail = '') =>
    ctx.auth.audit({ actor: req.principal?.name ?? 'anonymous', action, target, detail, address: req.ip });
  const need = async (name: string): Promise<CloudRecord> => {
    const c = await ctx.store.clouds.get(name);
    if (!c) throw new StoreError('not-found', `no cloud named '${name}'`);
    return c;
  };
  const invalid = (e: unknown): never => {
    if (e instanceof CloudTypeError) throw new StoreError('invalid', e.message);
    throw e;
  };

  app.get('/api/v1/clouds', {
    schema: { operationId: 'listClouds', tags, response: answers({ 200: S.Answer({ clouds: Type.Array(ref(S.Cloud)) }) }) },
  }, async () => ({ clouds: await ctx.store.clouds.list() }));
  app.get('/api/v1/clouds/:name', {
    schema: { operationId: 'getCloud', tags, params: nameParams, response: answers({ 200: ref(S.Cloud) }) },
  }, async (req) => need(req.params.name));
  app.put('/api/v1/clouds/:name', {
    schema: { operationId: 'putCloud', tags, summary: 'Makes (201) or replaces (200) a cloud', params: nameParams, ...body, response: answers({ 200: ref(S.Cloud), 201: ref(S.Cloud) }) },
  }, async (req, reply) => {
    const { name } = req.params;
    const b = req.body;
    let checked;
    try {
      checked = checkSettings(ctx, name, b.type, b.settings);
    } catch (e) {
      invalid(e);
    }
    const existed = (await ctx.store.clouds.get(name)) !== null;
    // What the cloud type keeps (Docker: without the name, which is the key).
    const rec = await ctx.store.clouds.put(name, checked!.type, checked!.stored as Record<string, JsonValue>);
    await audit(req, existed ? 'cloud.update' : 'cloud.create', name, checked!.type);
    ctx.changed?.(name);
    return reply.code(existed ? 200 : 201).send(rec);
  });
  app.delete('/api/v1/clouds/:name', {
    schema: { operationId: 'deleteCloud', tags, params: nameParams, response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    const { name } = req.params;
    if (!(await ctx.store.clouds.delete(name))) throw new StoreError('not-found', `no cloud named '${name}'`);
    await audit(req, 'cloud.delete', name);
    ctx.changed?.(name);
    return reply.code(204).send();
  });
  app.post('/api/v1/clouds/:name/test', {
    schema: { operationId: 'testCloud', tags, summary: "Tests a saved cloud's connection", params: nameParams, response: answers({ 200: ref(S.ConnectionReport) }) },
  }, async (req) => {
    const c = await need(req.params.name);
    let checked;
    try {
      checked = checkSettings(ctx, c.name, c.type, c.settings);
    } catch (e) {
      invalid(e);
    }
    return test(ctx, c.name, checked!);
  });
  app.post('/api/v1/clouds/test', {
    schema: { operationId: 'testCloudSettings', tags, summary: 'Tests the connection of settings not saved yet', ...body, response: answers({ 200: ref(S.ConnectionReport) }) },
  }, async (req) => {
    const b = req.body;
    let checked;
    try {
      checked = checkSettings(ctx, 'unsaved', b.type, b.settings);
    } catch (e) {
      invalid(e);
    }
    return test(ctx, '(unsaved)', checked!);
  });
}
