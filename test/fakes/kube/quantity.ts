// Kubernetes resource quantities ('256Mi', '1G', '500k', '100m', '2') as numbers: bytes or cores.
export function quantity(q: unknown): number | null {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return null;
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|K|M|G|T|m)?$/.exec(q.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const mult: Record<string, number> = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, m: 1e-3 };
  return n * (m[2] ? mult[m[2]]! : 1);
}

