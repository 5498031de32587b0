// The controller's throttle categories (core/throttle.ts, the throttle step of
// src/plugins/throttle/): a settings document ('throttle-categories', store/settings.ts, no
// migration) that only admins read or change, and the slots the controller's builds share
// (util/throttle-slots.ts, in memory: a restart starts with every slot free).
//
//   GET /api/v1/settings/throttle-categories   { categories: [{ name, maxConcurrentTotal, maxConcurrentPerNode }] }
//   PUT /api/v1/settings/throttle-categories   the same; replaces them (audit-logged)
//
// A category's maxConcurrentTotal is how many node blocks inside `throttle([name]) { }` may hold
// their nodes at once across all builds; maxConcurrentPerNode how many may run on one node (the
// agents' node allocation skips a node at that limit: scheduler.ts's claim); 0 is no limit, as in
// Jenkins.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { ThrottleCategory, ThrottleService } from '../core/throttle.ts';
import type { JsonValue, Store } from '../store/types.ts';
import { ThrottleSlots } from '../util/throttle-slots.ts';
import { invalidField } from './http-errors.ts';
import * as S from './api-schemas.ts';
import { answers, documented, type TypeBoxProvider } from './api-schemas.ts';

const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,99}$/;

/** Checks a PUT body; each problem names its field. */
export function checkThrottleCategories(body: unknown): ThrottleCategory[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidField('body', 'must be an object: { categories: [...] }');
  const b = body as Record<string, unknown>;
  for (const k of Object.keys(b)) if (k !== 'categories') throw invalidField(k, 'unknown field (the body has: categories)');
  const list = b.categories ?? [];
  if (!Array.isArray(list) || list.length > 200) throw invalidField('categories', 'a list of at most 200 categories');
  const seen = new Set<string>();
  return list.map((x, i): ThrottleCategory => {
    const f = `categories[${i}]`;
    if (typeof x !== 'object' || x === null || Array.isArray(x)) throw invalidField(f, 'must be an object: { name, maxConcurrentTotal, maxConcurrentPerNode }');
    const c = x as Record<string, unknown>;
    for (const k of Object.keys(c)) {
      if (k !== 'name' && k !== 'maxConcurrentTotal' && k !== 'maxConcurrentPerNode') throw invalidField(`${f}.${k}`, 'unknown field (a category has: name, maxConcurrentTotal, maxConcurrentPerNode)');
    }
    if (typeof c.name !== 'string' || !NAME.test(c.name)) throw invalidField(`${f}.name`, 'letters, digits, space, . _ - (at most 100)');
    if (seen.has(c.name)) throw invalidField(`${f}.name`, `'${c.name}' is already the name of another category`);
    seen.add(c.name);
    const max = c.maxConcurrentTotal ?? 0;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 10_000) throw invalidField(`${f}.maxConcurrentTotal`, 'a whole number from 0 (no limit) to 10000');
    const perNode = c.maxConcurrentPerNode ?? 0;
    if (typeof perNode !== 'number' || !Number.isInteger(perNode) || perNode < 0 || perNode > 10_000) throw invalidField(`${f}.maxConcurrentPerNode`, 'a whole number from 0 (no limit) to 10000');
    return { name: c.name, maxConcurrentTotal: max, maxConcurrentPerNode: perNode };
  });
}

type Audit = (e: { actor: string; action: string; target: string; detail: string; address: string }) => Promise<void>;

export class ThrottleCategories {
  readonly #store: Store;
  readonly #audit: Audit;
  readonly #slots: ThrottleSlots;
  constructor(o: { store: Store; audit: Audit }) {
    this.#store = o.store;
    this.#audit = o.audit;
    this.#slots = new ThrottleSlots(() => this.get());
  }

  async get(): Promise<ThrottleCategory[]> {
    const v = await this.#store.settings.get('throttle-categories');
    if (!v) return [];
    try {
      return checkThrottleCategories(v);
    } catch {
      return [];
    }
  }

  async put(actor: string, body: unknown, address: string): Promise<ThrottleCategory[]> {
    const categories = checkThrottleCategories(body);
    await this.#store.settings.put('throttle-categories', { categories } as unknown as JsonValue);
    await this.#audit({ actor, action: 'settings.throttle-categories', target: 'throttle-categories', detail: categories.map((c) => `${c.name}=${c.maxConcurrentTotal}/${c.maxConcurrentPerNode}`).join(' '), address });
    return categories;
  }

  /** What builds use: the categories at each use, and the controller's slots. */
  forBuilds(): ThrottleService {
    return this.#slots.service('an administrator configures them in Settings (PUT /api/v1/settings/throttle-categories)');
  }
}

const Categories = S.Answer({ categories: Type.Array(S.Answer({ name: Type.String(), maxConcurrentTotal: Type.Integer({ description: '0: no limit' }), maxConcurrentPerNode: Type.Integer({ description: 'on one node; 0: no limit' }) })) }, { description: "The throttle step's categories and how many throttled node blocks of each may run at once" });

export function registerThrottleRoutes(root: FastifyInstance, service: ThrottleCategories): void {
  const app = root.withTypeProvider<TypeBoxProvider>();
  const actor = (req: FastifyRequest) => req.principal?.name ?? 'anonymous';
  const tags = ['settings'];
  app.get('/api/v1/settings/throttle-categories', {
    schema: { operationId: 'getThrottleCategories', tags, summary: "The throttle step's categories", response: answers({ 200: Categories }) },
  }, async () => ({ categories: await service.get() }));
  app.put('/api/v1/settings/throttle-categories', {
    schema: { operationId: 'putThrottleCategories', tags, summary: "Sets the throttle step's categories", ...documented(S.AnyObject, Categories), response: answers({ 200: Categories }) },
  }, async (req) => ({ categories: await service.put(actor(req), req.body, req.ip) }));
}
