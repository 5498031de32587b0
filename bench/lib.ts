// What the benches share: the median, and build services that do nothing (a bench pipeline
// stashes, archives and records nothing, and has no credentials or other jobs).
import type { RunOptions } from '../src/pipeline/engine/engine.ts';

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const NO_SERVICES: RunOptions['services'] = {
  stashes: { put: async () => {}, get: async () => undefined },
  artifacts: { put: async () => {} },
  tests: { record: async () => {} },
  credential: async () => { throw new Error('none'); },
  triggerJob: async () => { throw new Error('none'); },
};
