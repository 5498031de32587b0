// Folder properties (the Folder Properties plugin): key/value pairs an admin sets on a folder,
// which `withFolderProperties { }` (and `options { withFolderProperties() }`) exports to the
// environment of the folder's jobs' blocks, the nearest folder winning for a key set on a folder
// and on one above it (the plugin's PropertiesLoader walks from the job's folder up). A job
// outside a folder gets none. Kept by the store (store/folders.ts: keys are environment variable
// names, sizes bounded); values are not secrets (the plugin says to use credentials for those),
// so the API shows them.
//
//   GET    /api/v1/folders/:folder/properties  { folder, properties, inherited: [{ folder, properties }], effective: [{ key, value, folder }] }
//   PUT    /api/v1/folders/:folder/properties  { properties: [{ key, value }] } replaces them ([]: none)
//   DELETE /api/v1/folders/:folder/properties  removes them all (204; 404 when it had none)
//
// The same rights as the folder's permissions (admins; auth/policy.ts), audit-logged with the
// keys before and after (not the values: they may be long). The build side is
// `folderPropertiesOf`, given to the step as BuildServices.folderProperties (controller/builds.ts).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import { StoreError, FOLDER_PROPERTY_LIMITS, type FolderProperty, type Store } from '../store/types.ts';
import { checkFolder } from '../store/folders.ts';
import { folderOf, pathsOf } from './auth/folders.ts';
import * as S from './api-schemas.ts';
import { answers, type TypeBoxProvider } from './api-schemas.ts';
import type { AuthService } from './auth/service.ts';

/**
 * The properties a job's builds get: for each key, the value of the nearest folder that sets it;
 * outer folders' first, in the order they were set (a value may refer to an outer one's key).
 */
export async function folderPropertiesOf(store: Store, jobName: string): Promise<{ key: string; value: string; folder: string }[]> {
  const paths = pathsOf(folderOf(jobName));
  if (paths.length === 0) return [];
  const all = await store.folders.properties(paths);
  const nearest = new Map<string, string>();
  for (const p of all) {
    const cur = nearest.get(p.key);
    if (cur === undefined || p.folder.length > cur.length) nearest.set(p.key, p.folder);
  }
  const depth = (f: string) => paths.indexOf(f);
  return all
    .filter((p) => nearest.get(p.key) === p.folder)
    .sort((a, b) => depth(a.folder) - depth(b.folder))
    .map((p) => ({ key: p.key, value: p.value, folder: p.folder }));
}

const view = (p: FolderProperty) => ({ key: p.key, value: p.value, updatedAt: p.updatedAt, updatedBy: p.updatedBy });
const keys = (ps: readonly FolderProperty[]) => (ps.length === 0 ? 'none' : ps.map((p) => p.key).join(', '));

export function registerFolderPropertyRoutes(root: FastifyInstance, o: { store: Store; auth: AuthService }): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const params = Type.Object({ folder: Type.String({ minLength: 1, maxLength: 1100, description: 'a folder path, spelled like a job name, URL-encoded in one segment' }) });
  const L = FOLDER_PROPERTY_LIMITS;
  const property = S.Answer({ key: Type.String(), value: Type.String(), updatedAt: Type.Integer({ description: 'milliseconds since the epoch' }), updatedBy: Type.String() });
  const properties = Type.Array(property);
  const audit = (req: FastifyRequest, target: string, detail: string) =>
    o.auth.audit({ actor: req.principal?.name ?? 'anonymous', action: 'folder.properties', target, detail, address: req.ip });

  app.get('/api/v1/folders/:folder/properties', {
    schema: {
      operationId: 'getFolderProperties', tags: ['folders'], summary: "A folder's properties, those above it, and what its jobs' withFolderProperties blocks get", params,
      response: answers({
        200: S.Answer({
          folder: Type.String(),
          properties,
          inherited: Type.Array(S.Answer({ folder: Type.String(), properties }), { description: 'the properties of the folders above it, outermost first' }),
          effective: Type.Array(S.Answer({ key: Type.String(), value: Type.String(), folder: Type.String({ description: 'the nearest folder that sets it' }) }), { description: "what withFolderProperties exports to this folder's jobs" }),
        }),
      }),
    },
  }, async (req) => {
    const folder = checkFolder(req.params.folder);
    const all = await o.store.folders.properties(pathsOf(folder));
    return {
      folder,
      properties: all.filter((p) => p.folder === folder).map(view),
      inherited: pathsOf(folder).slice(0, -1).map((f) => ({ folder: f, properties: all.filter((p) => p.folder === f).map(view) })).filter((x) => x.properties.length > 0),
      effective: await folderPropertiesOf(o.store, `${folder}/job`),
    };
  });

  app.put('/api/v1/folders/:folder/properties', {
    schema: {
      operationId: 'setFolderProperties', tags: ['folders'], summary: "Replaces a folder's properties ([]: none)", params,
      body: Type.Object({
        properties: Type.Array(Type.Object({
          key: Type.String({ maxLength: L.keyLength, description: 'an environment variable name' }),
          value: Type.String({ maxLength: L.valueLength, description: 'not a secret: use a credential for those' }),
        }, { additionalProperties: false }), { maxItems: L.count }),
      }, { additionalProperties: false }),
      response: answers({ 200: S.Answer({ folder: Type.String(), properties }) }),
    },
  }, async (req) => {
    const folder = checkFolder(req.params.folder);
    const before = await o.store.folders.properties([folder]);
    const after = await o.store.folders.setProperties(folder, req.body.properties, req.principal!.name);
    await audit(req, folder, `properties: ${keys(after)} (were: ${keys(before)})`);
    return { folder, properties: after.map(view) };
  });

  app.delete('/api/v1/folders/:folder/properties', {
    schema: { operationId: 'deleteFolderProperties', tags: ['folders'], summary: "Removes a folder's properties", params, response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    const folder = checkFolder(req.params.folder);
    const before = await o.store.folders.properties([folder]);
    if (before.length === 0) throw new StoreError('not-found', `folder '${folder}' has no properties`);
    await o.store.folders.setProperties(folder, [], req.principal!.name);
    await audit(req, folder, `properties: none (were: ${keys(before)})`);
    return reply.code(204).send();
  });
}
