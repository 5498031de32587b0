// The controller's health (src/controller/health.ts): a problem stays until its probe passes,
// and the public GET /api/v1/health cannot turn into a stream of disk writes, because checks
// closer together than a second reuse the last answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Health } from '../../src/controller/health.ts';

test('a flood of anonymous health checks runs a problem\'s probe once per second; a logged-in look probes at once; the problem goes once it passes', async () => {
  let now = 1_000_000;
  const h = new Health({ now: () => now });
  let probes = 0;
  let fixed = false;
  h.report({ id: 'disk:x', component: 'disk', message: 'no space left on device', probe: async () => { probes++; if (!fixed) throw new Error('ENOSPC'); } });
  await Promise.all(Array.from({ length: 50 }, () => h.check({ throttled: true })));
  for (let i = 0; i < 50; i++) await h.check({ throttled: true });
  assert.equal(probes, 1, 'one probe for 100 anonymous checks within the same second');
  assert.equal(h.degraded, true);
  await h.check();
  assert.equal(probes, 2, 'a logged-in look is never held back');
  now += 1000;
  fixed = true;
  await h.check({ throttled: true });
  assert.equal(probes, 3);
  assert.equal(h.degraded, false);
});
