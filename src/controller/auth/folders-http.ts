// The folder permissions API (admins; auth/policy.ts). What grants mean is in auth/folders.ts.
//
//   GET    /api/v1/folders              { folders: [{ folder, grants: [{ grantee, rights, updatedAt, updatedBy }] }] }
//   GET    /api/v1/folders/:folder      { folder, guarded, grants, inherited: [{ folder, grants }], jobs }
//   PUT    /api/v1/folders/:folder      { grants: [{ grantee: 'user:<name>' | 'role:developer', rights: [...] }] }
//                                       replaces the folder's grants; [] = the folder is no longer guarded
//   DELETE /api/v1/folders/:folder      removes them all (204; 404 when it had none)
//
// Folder paths are spelled like job names and, like them, URL-encoded in one segment
// (`team%2Fsub`). Every change is audit-logged with the grants before and after.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StoreError, type FolderGrant, type Store } from '../../store/types.ts';
import { checkFolder, checkGrantee } from '../../store/folders.ts';
import { pathsOf, type FolderAccess } from './folders.ts';
import { Type } from '@sinclair/typebox';
import * as S from '../api-schemas.ts';
import { answers, ref, type TypeBoxProvider } from '../api-schemas.ts';
import type { AuthService } from './service.ts';

const view = (g: FolderGrant) => ({ grantee: g.grantee, rights: g.rights, updatedAt: g.updatedAt, updatedBy: g.updatedBy });
const summary = (gs: readonly { grantee: string; rights: readonly string[] }[]) =>
  gs.length === 0 ? 'none' : gs.map((g) => `${g.grantee}: ${g.rights.length ? g.rights.join(', ') : '(no rights)'}`).join('; ');

export function registerFolderRoutes(root: FastifyInstance, o: { store: Store; folders: FolderAccess; auth: AuthService }): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const folderParams = Type.Object({ folder: Type.String({ minLength: 1, maxLength: 1100, description: 'a folder path, spelled like a job name, URL-encoded in one segment' }) });
  const grants = Type.Array(ref(S.FolderGrant));
  const folderOfReq = (req: { params: { folder: string } }) => checkFolder(req.params.folder);
  const audit = (req: FastifyRequest, target: string, detail: string) =>
    o.auth.audit({ actor: req.principal?.name ?? 'anonymous', action: 'folder.grants', target, detail, address: req.ip });

  app.get('/api/v1/folders', {
    schema: { operationId: 'listFolders', tags: ['folders'], summary: 'The folders with grants', response: answers({ 200: S.Answer({ folders: Type.Array(S.Answer({ folder: Type.String(), grants })) }) }) },
  }, async () => {
    const byFolder = new Map<string, FolderGrant[]>();
    for (const g of await o.store.folders.grants()) byFolder.set(g.folder, [...(byFolder.get(g.folder) ?? []), g]);
    return { folders: [...byFolder].map(([folder, gs]) => ({ folder, grants: gs.map(view) })) };
  });

  app.get('/api/v1/folders/:folder', {
    schema: {
      operationId: 'getFolder', tags: ['folders'], params: folderParams,
      response: answers({
        200: S.Answer({
          folder: Type.String(),
          guarded: Type.Boolean({ description: 'whether grants on it or above it narrow what developers may do there' }),
          grants,
          inherited: Type.Array(S.Answer({ folder: Type.String(), grants }), { description: 'the grants on the folders above it' }),
          jobs: Type.Array(Type.String()),
        }),
      }),
    },
  }, async (req) => {
    const folder = folderOfReq(req);
    const all = await o.folders.grantsOver(folder);
    const above = pathsOf(folder).slice(0, -1);
    const jobs = (await o.store.jobs.list({ folder })).map((j) => j.name);
    return {
      folder, guarded: all.length > 0,
      grants: all.filter((g) => g.folder === folder).map(view),
      inherited: above.map((f) => ({ folder: f, grants: all.filter((g) => g.folder === f).map(view) })).filter((x) => x.grants.length > 0),
      jobs,
    };
  });

  app.put('/api/v1/folders/:folder', {
    schema: {
      operationId: 'setFolderGrants', tags: ['folders'], summary: "Replaces a folder's grants ([]: the folder is no longer guarded)",
      params: folderParams, body: S.GrantsBody, response: answers({ 200: S.Answer({ folder: Type.String(), guarded: Type.Boolean(), grants }) }),
    },
  }, async (req) => {
    const folder = folderOfReq(req);
    const body = req.body;
    // Grants name users that exist and may use them: viewers never hold folder rights.
    for (const [i, g] of body.grants.entries()) {
      const grantee = checkGrantee(g.grantee);
      if (!grantee.startsWith('user:')) continue;
      const u = await o.auth.user(grantee.slice(5));
      if (!u) throw new StoreError('invalid', `grants[${i}].grantee: no user named '${grantee.slice(5)}'`);
      if (u.role === 'viewer') throw new StoreError('invalid', `grants[${i}].grantee: '${u.name}' is a viewer, and viewers never hold folder rights: make them a developer first (PUT /api/v1/users/${encodeURIComponent(u.name)})`);
    }
    const before = (await o.store.folders.grants([folder]));
    const after = await o.store.folders.setGrants(folder, body.grants.map((g) => ({ grantee: g.grantee, rights: g.rights as FolderGrant['rights'] })), req.principal!.name);
    await audit(req, folder, `grants: ${summary(after)} (were: ${summary(before)})`);
    return { folder, guarded: (await o.folders.grantsOver(folder)).length > 0, grants: after.map(view) };
  });

  app.delete('/api/v1/folders/:folder', {
    schema: { operationId: 'deleteFolderGrants', tags: ['folders'], summary: "Removes a folder's grants", params: folderParams, response: answers({ 204: S.NoContent }) },
  }, async (req, reply) => {
    const folder = folderOfReq(req);
    const before = await o.store.folders.grants([folder]);
    if (before.length === 0) throw new StoreError('not-found', `folder '${folder}' has no grants`);
    await o.store.folders.setGrants(folder, [], req.principal!.name);
    await audit(req, folder, `grants: none (were: ${summary(before)})`);
    return reply.code(204).send();
  });
}
