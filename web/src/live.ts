// Live updates: one EventSource on GET /api/v1/events for the whole app. Pages subscribe to
// the event types they show and refetch when one arrives. When the stream is down, every
// subscriber gets a poll tick every few seconds instead, and the stream is reopened by itself.
import { useEffect, useRef, useSyncExternalStore } from 'react';

export type LiveType = 'build' | 'job' | 'queue' | 'agent' | 'health';
export interface LiveEvent { type: LiveType | 'poll'; data: Record<string, unknown> }
type Handler = (e: LiveEvent) => void;

const POLL_MS = 4000;
const RECONNECT_MS = 3000;
const handlers = new Set<{ types: Set<string>; fn: Handler }>();
let source: EventSource | null = null;
let state: 'connecting' | 'live' | 'polling' = 'connecting';
const stateListeners = new Set<() => void>();
let pollTimer: ReturnType<typeof setInterval> | null = null;
let reconnectTimer: ReturnType<typeof setTimeout> | null = null;

function setState(s: typeof state): void {
  if (s === state) return;
  state = s;
  for (const l of stateListeners) l();
  if (s === 'live') {
    if (pollTimer) clearInterval(pollTimer);
    pollTimer = null;
  } else if (s === 'polling' && !pollTimer) {
    pollTimer = setInterval(() => dispatch({ type: 'poll', data: {} }), POLL_MS);
  }
}

function dispatch(e: LiveEvent): void {
  for (const h of handlers) if (e.type === 'poll' || h.types.has(e.type)) h.fn(e);
}

function open(): void {
  if (source || typeof EventSource === 'undefined') return;
  const es = new EventSource('/api/v1/events');
  source = es;
  es.onopen = () => {
    // Whatever changed while we were not listening: one refetch for everyone.
    if (state === 'polling') dispatch({ type: 'poll', data: {} });
    setState('live');
  };
  es.onerror = () => {
    setState('polling');
    if (es.readyState === EventSource.CLOSED) {
      es.close();
      source = null;
      if (!reconnectTimer && handlers.size > 0) reconnectTimer = setTimeout(() => { reconnectTimer = null; open(); }, RECONNECT_MS);
    }
  };
  for (const t of ['build', 'job', 'queue', 'agent', 'health'] as const) {
    es.addEventListener(t, (m) => {
      let data: Record<string, unknown> = {};
      try { data = JSON.parse((m as MessageEvent<string>).data) as Record<string, unknown>; } catch { /* keep {} */ }
      dispatch({ type: t, data });
    });
  }
}

/** Events for one subscriber within this time are delivered together: a busy build sends many. */
const COALESCE_MS = 150;

/**
 * Calls `fn` on live events of these types, and on poll ticks while the stream is down. A burst
 * of events is coalesced: `fn` runs at most once per COALESCE_MS for each distinct event
 * (type + data), so a page refetches once for many changes of the same thing.
 */
export function useLive(types: LiveType[], fn: Handler): void {
  const ref = useRef(fn);
  ref.current = fn;
  const key = types.join(',');
  useEffect(() => {
    const pending = new Map<string, LiveEvent>();
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      const events = [...pending.values()];
      pending.clear();
      for (const e of events) ref.current(e);
    };
    const h = {
      types: new Set<string>(key.split(',')),
      fn: (e: LiveEvent) => {
        pending.set(`${e.type}:${JSON.stringify(e.data)}`, e);
        timer ??= setTimeout(flush, COALESCE_MS);
      },
    };
    handlers.add(h);
    open();
    return () => { handlers.delete(h); if (timer) clearTimeout(timer); };
  }, [key]);
}

/** Closes the stream (logout). */
export function closeLive(): void {
  source?.close();
  source = null;
  if (reconnectTimer) clearTimeout(reconnectTimer);
  reconnectTimer = null;
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
  state = 'connecting';
  for (const l of stateListeners) l();
}

export function useLiveState(): typeof state {
  return useSyncExternalStore((l) => { stateListeners.add(l); return () => { stateListeners.delete(l); }; }, () => state);
}
