// Live changes for the UI and other watchers: `GET /api/v1/events` (Server-Sent Events) sends
// `build` {job, number, status, result}, `job` {name}, `queue` {}, `agent` {name, online} and
// `health` {} (GET /api/v1/health changed: degraded or recovered) whenever one changes. A client refetches what an event names: events say what changed, not
// the whole new state, so a missed event costs nothing a refetch would not fix (the UI falls
// back to polling while the stream is down).
//
// Changes to the same thing within COALESCE_MS are sent once, with the latest data: a build
// that runs a hundred quick steps does not make a hundred events.

export type LiveEvent =
  | { type: 'build'; data: { job: string; number: number; status: string; result: string | null } }
  | { type: 'job'; data: { name: string; deleted?: boolean } }
  | { type: 'queue'; data: Record<string, never> }
  | { type: 'agent'; data: { name: string; online: boolean } }
  | { type: 'health'; data: Record<string, never> };

const COALESCE_MS = 50;

export class EventBus {
  readonly #subscribers = new Set<(e: LiveEvent) => void>();
  readonly #pending = new Map<string, LiveEvent>();
  #timer: NodeJS.Timeout | null = null;

  publish(e: LiveEvent): void {
    if (this.#subscribers.size === 0) return;
    const key = e.type === 'build' ? `build:${e.data.job}#${e.data.number}` : e.type === 'job' ? `job:${e.data.name}` : e.type === 'agent' ? `agent:${e.data.name}` : e.type;
    this.#pending.set(key, e);
    this.#timer ??= setTimeout(() => this.#flush(), COALESCE_MS);
  }

  subscribe(fn: (e: LiveEvent) => void): () => void {
    this.#subscribers.add(fn);
    return () => { this.#subscribers.delete(fn); };
  }

  get subscribers(): number {
    return this.#subscribers.size;
  }

  #flush(): void {
    this.#timer = null;
    const events = [...this.#pending.values()];
    this.#pending.clear();
    for (const fn of this.#subscribers) for (const e of events) fn(e);
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending.clear();
    this.#subscribers.clear();
  }
}
