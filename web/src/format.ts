export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 0) ms = 0; // a clock a moment behind the controller's
  if (ms < 1000) return `${ms} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

export function ago(t: number | null | undefined, now = Date.now()): string {
  if (!t) return '—';
  const d = Math.max(0, now - t);
  if (d < 60_000) return `${Math.floor(d / 1000)} s ago`;
  if (d < 3_600_000) return `${Math.floor(d / 60_000)} min ago`;
  if (d < 86_400_000) return `${Math.floor(d / 3_600_000)} h ago`;
  return `${Math.floor(d / 86_400_000)} d ago`;
}

export function when(t: number | null | undefined): string {
  return t ? new Date(t).toLocaleString() : '—';
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** A build's state for badges: its result when finished, else its status. */
export function statusOf(b: { status: string; result: string | null } | null | undefined): string {
  if (!b) return 'none';
  if (b.status === 'finished') return (b.result ?? 'unknown').toLowerCase();
  return b.status;
}
