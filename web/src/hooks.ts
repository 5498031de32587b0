import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> { data: T | undefined; error: Error | null; loading: boolean; reload: () => void }

/** Loads data with `fetcher` when `deps` change; reload() refetches without clearing what is shown. */
export function useResource<T>(fetcher: (signal: AbortSignal) => Promise<T>, deps: unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fetchRef = useRef(fetcher);
  fetchRef.current = fetcher;
  const depKey = JSON.stringify(deps);
  const lastKey = useRef(depKey);
  useEffect(() => {
    if (lastKey.current !== depKey) { setData(undefined); lastKey.current = depKey; }
    const ac = new AbortController();
    setLoading(true);
    fetchRef.current(ac.signal).then(
      (d) => { if (!ac.signal.aborted) { setData(d); setError(null); setLoading(false); } },
      (e: unknown) => { if (!ac.signal.aborted) { setError(e instanceof Error ? e : new Error(String(e))); setLoading(false); } },
    );
    return () => ac.abort();
  }, [depKey, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/** Re-renders every `ms` (running durations). */
export function useNow(ms: number, active = true): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(t);
  }, [ms, active]);
  return now;
}
