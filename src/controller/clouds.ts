// Clouds: where pods for builds come from. Settings are checked by the cloud type's own module
// (plugins/kubernetes/cloud.ts) and stored with their pod templates (store `clouds`); Test
// Connection runs against saved settings or against a form not yet saved.
//
//   GET    /api/v1/clouds                       { clouds: [{ name, type, settings, createdAt, updatedAt }] }
//   GET    /api/v1/clouds/:name
//   PUT    /api/v1/clouds/:name                 { type: 'kubernetes' | 'docker', settings: {...} }  → 200 (201 when new)
//   DELETE /api/v1/clouds/:name
//   POST   /api/v1/clouds/:name/test            → { ok, message, version, permissions }
//   POST   /api/v1/clouds/test                  { type, settings }: the same for settings not saved yet
//
// Admins only (auth/policy.ts). Bad settings: 400 naming the field.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StoreError, type CloudRecord, type JsonValue, type Store } from '../store/types.ts';
import { CloudSettingsError, checkKubernetesSettings, testKubernetesConnection, type ConnectionReport, type KubernetesCloudSettings } from '../plugins/kubernetes/cloud.ts';
import { CloudConfigError, parseDockerCloudConfig, testConnection as testDockerConnection, type DockerCloudConfig } from '../plugins/docker/cloud.ts';
import type { CredentialService } from './credentials.ts';
import type { AuthService } from './auth/service.ts';
import { Type } from '@sinclair/typebox';
import * as S from './api-schemas.ts';
import { answers, ref, DOCUMENTED_BODY, type TypeBoxProvider } from './api-schemas.ts';

export interface CloudsContext {
  store: Store;
  credentials: CredentialService;
  auth: AuthService;
  /** A cloud was saved or deleted (providers re-read it). */
  changed?: (name: string) => void;
}

type Checked = { type: 'kubernetes'; settings: KubernetesCloudSettings } | { type: 'docker'; settings: DockerCloudConfig };

/** A Docker cloud's settings as stored: its config without the name (the cloud's name is the key). */
export function dockerCloudOf(name: string, settings: unknown): DockerCloudConfig {
  return parseDockerCloudConfig({ ...(typeof settings === 'object' && settings !== null ? settings : {}), name });
}

function checkSettings(name: string, type: unknown, settings: unknown): Checked {
  if (type === 'kubernetes') return { type, settings: checkKubernetesSettings(settings ?? {}) };
  if (type === 'docker') {
    try {
      return { type, settings: dockerCloudOf(name, settings) };
    } catch (e) {
      if (e instanceof CloudConfigError) throw new CloudSettingsError(e.message);
      throw e;
    }
  }
  throw new CloudSettingsError(`type: kubernetes or docker (got ${JSON.stringify(type) ?? 'nothing'})`);
}

async function test(ctx: CloudsContext, name: string, checked: Checked): Promise<ConnectionReport> {
  if (checked.type === 'docker') {
    const r = await testDockerConnection(checked.settings);
    return { ok: r.ok, message: r.message, version: r.version, permissions: [] };
  }
  const settings = checked.settings;
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
    if (e instanceof CloudSettingsError) throw new StoreError('invalid', e.message);
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
      checked = checkSettings(name, b.type, b.settings);
    } catch (e) {
      invalid(e);
    }
    const existed = (await ctx.store.clouds.get(name)) !== null;
    // Docker settings are stored without the name (the key); Kubernetes ones as checked.
    const stored = checked!.type === 'docker' ? (({ name: _n, ...rest }) => rest)(checked!.settings) : checked!.settings;
    const rec = await ctx.store.clouds.put(name, checked!.type, stored as unknown as Record<string, JsonValue>);
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
      checked = checkSettings(c.name, c.type, c.settings);
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
      checked = checkSettings('unsaved', b.type, b.settings);
    } catch (e) {
      invalid(e);
    }
    return test(ctx, '(unsaved)', checked!);
  });
}
