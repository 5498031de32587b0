// Objects by resource and namespace/name, one resourceVersion counter for all of them (as etcd's
// revision), and the history of changes that watches start from. A watch from a resourceVersion
// older than the history kept answers 410 Expired, as the real watch cache does.
import { clone, resourceKey, type KObject, type ResourceDef } from './objects.ts';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  type: EventType;
  rv: number;
  /** `${group}/${resource}` */
  key: string;
  object: KObject;
  /** The object before a MODIFIED or DELETED change. */
  prev: KObject | null;
}

export interface Subscriber {
  key: string;
  namespace: string | null;
  send: (c: Change) => void;
}

export class Store {
  #rv: number;
  readonly #objects = new Map<string, Map<string, KObject>>();
  readonly #history: Change[] = [];
  readonly #subscribers = new Set<Subscriber>();
  historyLimit: number;
  /** History older than this revision is gone (compact() moves it). */
  #compactedAt: number;

  constructor(historyLimit = 5000, startRv = 1000) {
    this.#rv = startRv;
    this.#compactedAt = startRv;
    this.historyLimit = historyLimit;
  }

  get rv(): number {
    return this.#rv;
  }

  #map(def: ResourceDef): Map<string, KObject> {
    const k = resourceKey(def);
    let m = this.#objects.get(k);
    if (!m) this.#objects.set(k, (m = new Map()));
    return m;
  }

  /** The stored object (not a copy: callers must not change it). */
  peek(def: ResourceDef, namespace: string | null, name: string): KObject | undefined {
    return this.#map(def).get(`${namespace ?? ''}/${name}`);
  }

  /** Stored objects (not copies), optionally of one namespace. */
  peekAll(def: ResourceDef, namespace: string | null): KObject[] {
    const out: KObject[] = [];
    for (const o of this.#map(def).values()) if (namespace === null || o.metadata.namespace === namespace) out.push(o);
    return out;
  }

  /** Stores a new version of an object: a new resourceVersion, a change recorded and sent. */
  write(def: ResourceDef, obj: KObject, type: 'ADDED' | 'MODIFIED'): KObject {
    const rv = ++this.#rv;
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(rv);
    const m = this.#map(def);
    const id = `${stored.metadata.namespace ?? ''}/${stored.metadata.name}`;
    const prev = m.get(id) ?? null;
    m.set(id, stored);
    this.#record({ type, rv, key: resourceKey(def), object: stored, prev });
    return clone(stored);
  }

  remove(def: ResourceDef, namespace: string | null, name: string): KObject | undefined {
    const m = this.#map(def);
    const id = `${namespace ?? ''}/${name}`;
    const prev = m.get(id);
    if (!prev) return undefined;
    m.delete(id);
    const rv = ++this.#rv;
    const gone = clone(prev);
    gone.metadata.resourceVersion = String(rv);
    this.#record({ type: 'DELETED', rv, key: resourceKey(def), object: gone, prev });
    return clone(gone);
  }

  #record(c: Change): void {
    this.#history.push(c);
    while (this.#history.length > this.historyLimit) {
      const dropped = this.#history.shift()!;
      this.#compactedAt = dropped.rv;
    }
    for (const s of this.#subscribers) {
      if (s.key === c.key && (s.namespace === null || s.namespace === c.object.metadata.namespace)) s.send(c);
    }
  }

  /**
   * The changes of one resource after `rv`, or 'expired' when history that old is gone. The
   * caller subscribes in the same tick, so nothing falls between.
   */
  since(key: string, namespace: string | null, rv: number): Change[] | 'expired' {
    if (rv < this.#compactedAt) return 'expired';
    return this.#history.filter((c) => c.rv > rv && c.key === key && (namespace === null || c.object.metadata.namespace === namespace));
  }

  /** The oldest resourceVersion a watch can still start from. */
  get oldestRv(): number {
    return this.#compactedAt;
  }

  /** Forgets the history (as etcd compaction does): watches from an earlier resourceVersion get 410. */
  compact(): void {
    this.#history.length = 0;
    this.#compactedAt = this.#rv;
  }

  subscribe(s: Subscriber): () => void {
    this.#subscribers.add(s);
    return () => this.#subscribers.delete(s);
  }

  get subscriberCount(): number {
    return this.#subscribers.size;
  }
}
