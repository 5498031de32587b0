// Lockable resources configured on the controller (the Lockable Resources plugin's global
// configuration): what `lock(label: 'x', quantity: N)` chooses among. Anyone logged in reads
// them, with who holds each now; admins create, replace and remove them (audit-logged).
//
//   GET    /api/v1/lockable-resources          the resources, by name, with their holder and who waits
//                                              (in order); resources named only in a Jenkinsfile while held
//                                              or waited for (ephemeral, as the plugin lists them)
//   GET    /api/v1/lockable-resources/:name    one
//   PUT    /api/v1/lockable-resources/:name    creates or replaces one: { labels: [..], description }
//   DELETE /api/v1/lockable-resources/:name    removes one (a build holding it keeps it until its block ends)
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Store } from '../store/types.ts';
import { ApiError } from './http-errors.ts';
import { Answer, AnyObject, NoContent, answers, documented, type TypeBoxProvider } from './api-schemas.ts';
import { LOCKABLE_NAME, MAX_LOCKABLE_DESCRIPTION, MAX_LOCKABLE_LABELS, lockableProblem } from '../core/locks.ts';

const Resource = {
  name: Type.String(), labels: Type.Array(Type.String()), description: Type.String(),
  heldBy: Type.Union([Type.String(), Type.Null()], { description: "the build holding it now ('job #N'), or null" }),
  waitingBy: Type.Array(Type.String(), { description: "the builds waiting for it on a lock step ('job #N'), in the order they will be served; one asking for a label is listed under each resource of it" }),
  ephemeral: Type.Boolean({ description: 'named only in a Jenkinsfile (lock(\'db\')): listed while held or waited for, not configured' }),
  updatedAt: Type.Integer(), updatedBy: Type.String(),
};
const Body = Type.Object({
  labels: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: MAX_LOCKABLE_LABELS, description: "words: letters, digits, '.', '_', '-'" })),
  description: Type.Optional(Type.String({ maxLength: MAX_LOCKABLE_DESCRIPTION })),
});
const nameParams = Type.Object({ name: Type.String({ pattern: LOCKABLE_NAME.source, description: "letters, digits, '.', '_', '-'" }) });

export function registerLockableResourceRoutes(root: FastifyInstance, ctx: {
  store: Store;
  /** Who holds a resource now (the builds' LockManager). */
  holder: (name: string) => string | undefined;
  /** Who waits for a resource, in order, and the resources held or waited for now (the builds' LockManager). */
  waiters: (name: string) => string[];
  active: () => string[];
  audit: (e: { actor: string; action: string; target: string; detail: string; address: string }) => Promise<void>;
}): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const actor = (req: FastifyRequest) => req.principal?.name ?? 'anonymous';
  const tags = ['settings'];
  const shown = <R extends { name: string }>(r: R) => ({ ...r, heldBy: ctx.holder(r.name) ?? null, waitingBy: ctx.waiters(r.name), ephemeral: false });
  const ephemeral = (name: string) => ({ name, labels: [] as string[], description: '', heldBy: ctx.holder(name) ?? null, waitingBy: ctx.waiters(name), ephemeral: true, updatedAt: 0, updatedBy: '' });

  app.get('/api/v1/lockable-resources', {
    schema: { operationId: 'listLockableResources', tags, summary: 'The lockable resources configured on the controller (lock(label:) chooses among them), with who holds and who waits for each, and those named only in Jenkinsfiles while in use', response: answers({ 200: Answer({ resources: Type.Array(Answer(Resource)) }) }) },
  }, async () => {
    const configured = await ctx.store.lockableResources.list();
    const names = new Set(configured.map((r) => r.name));
    const resources = [...configured.map(shown), ...ctx.active().filter((n) => !names.has(n)).map(ephemeral)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { resources };
  });

  app.get('/api/v1/lockable-resources/:name', {
    schema: { operationId: 'getLockableResource', tags, summary: 'One configured lockable resource', params: nameParams, response: answers({ 200: Answer(Resource) }) },
  }, async (req) => {
    const r = await ctx.store.lockableResources.get(req.params.name);
    if (!r && ctx.active().includes(req.params.name)) return ephemeral(req.params.name);
    if (!r) throw new ApiError('not-found', `no lockable resource '${req.params.name}' is configured`);
    return shown(r);
  });

  app.put('/api/v1/lockable-resources/:name', {
    schema: { operationId: 'putLockableResource', tags, summary: 'Creates or replaces a lockable resource', params: nameParams, ...documented(AnyObject, Body), response: answers({ 200: Answer(Resource) }) },
  }, async (req) => {
    const body = req.body as Record<string, unknown>;
    for (const k of Object.keys(body)) if (k !== 'labels' && k !== 'description') throw new ApiError('invalid', `body/${k}: not a field of a lockable resource (labels, description)`);
    const labels = body['labels'] ?? [];
    const description = body['description'] ?? '';
    const problem = lockableProblem({ name: req.params.name, labels, description });
    if (problem) throw new ApiError('invalid', `body: ${problem}`);
    const r = await ctx.store.lockableResources.put({ name: req.params.name, labels: labels as string[], description: description as string }, actor(req));
    await ctx.audit({ actor: actor(req), action: 'lockable-resource.put', target: r.name, detail: `labels: ${r.labels.join(' ') || '(none)'}`, address: req.ip });
    return shown(r);
  });

  app.delete('/api/v1/lockable-resources/:name', {
    schema: { operationId: 'deleteLockableResource', tags, summary: 'Removes a lockable resource (a build holding it keeps it until its lock block ends)', params: nameParams, response: answers({ 204: NoContent }) },
  }, async (req, reply) => {
    if (!(await ctx.store.lockableResources.delete(req.params.name))) throw new ApiError('not-found', `no lockable resource '${req.params.name}' is configured`);
    await ctx.audit({ actor: actor(req), action: 'lockable-resource.delete', target: req.params.name, detail: '', address: req.ip });
    return reply.code(204).send();
  });
}
