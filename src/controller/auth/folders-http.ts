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
import { FOLDER_RIGHTS, StoreError, type FolderGrant, type Store } from '../../store/types.ts';
import { checkFolder, checkGrantee } from '../../store/folders.ts';
import { pathsOf, type FolderAccess } from './folders.ts';
import type { AuthService } from './service.ts';

const view = (g: FolderGrant) => ({ grantee: g.grantee, rights: g.rights, updatedAt: g.updatedAt, updatedBy: g.updatedBy });
const summary = (gs: readonly { grantee: string; rights: readonly string[] }[]) =>
  gs.length === 0 ? 'none' : gs.map((g) => `${g.grantee}: ${g.rights.length ? g.rights.join(', ') : '(no rights)'}`).join('; ');

export function registerFolderRoutes(app: FastifyInstance, o: { store: Store; folders: FolderAccess; auth: AuthService }): void {
  const folderParams = { type: 'object', required: ['folder'], properties: { folder: { type: 'string', minLength: 1, maxLength: 1100 } } } as const;
  const grantsBody = {
    type: 'object', required: ['grants'], additionalProperties: false,
    properties: {
      grants: {
        type: 'array', maxItems: 1000,
        items: {
          type: 'object', required: ['grantee', 'rights'], additionalProperties: false,
          properties: { grantee: { type: 'string', maxLength: 200 }, rights: { type: 'array', maxItems: FOLDER_RIGHTS.length, items: { type: 'string', maxLength: 50 } } },
        },
      },
    },
  } as const;
  const folderOfReq = (req: FastifyRequest) => checkFolder((req.params as { folder: string }).folder);
  const audit = (req: FastifyRequest, target: string, detail: string) =>
    o.auth.audit({ actor: req.principal?.name ?? 'anonymous', action: 'folder.grants', target, detail, address: req.ip });

  app.get('/api/v1/folders', async () => {
    const byFolder = new Map<string, FolderGrant[]>();
    for (const g of await o.store.folders.grants()) byFolder.set(g.folder, [...(byFolder.get(g.folder) ?? []), g]);
    return { folders: [...byFolder].map(([folder, gs]) => ({ folder, grants: gs.map(view) })) };
  });

  app.get('/api/v1/folders/:folder', { schema: { params: folderParams } }, async (req) => {
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

  app.put('/api/v1/folders/:folder', { schema: { params: folderParams, body: grantsBody } }, async (req) => {
    const folder = folderOfReq(req);
    const body = req.body as { grants: { grantee: string; rights: string[] }[] };
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

  app.delete('/api/v1/folders/:folder', { schema: { params: folderParams } }, async (req, reply) => {
    const folder = folderOfReq(req);
    const before = await o.store.folders.grants([folder]);
    if (before.length === 0) throw new StoreError('not-found', `folder '${folder}' has no grants`);
    await o.store.folders.setGrants(folder, [], req.principal!.name);
    await audit(req, folder, `grants: none (were: ${summary(before)})`);
    return reply.code(204).send();
  });
}
