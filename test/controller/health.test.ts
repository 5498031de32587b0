// The controller's health (src/controller/health.ts): a problem stays until its probe passes,
// and the public GET /api/v1/health cannot turn into a stream of disk writes, because checks
// closer together than a second reuse the last answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { Health } from '../../src/controller/health.ts';
import { startController } from '../../src/controller/compose.ts';
import { tempDir } from '../helpers/tmp.ts';
import { rawApi, testConfig } from '../helpers/controller.ts';

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

test('an error that escaped its owner (the last-resort handler of `kiln controller`) is logged with its stack and degrades the health until a restart', async () => {
  const lines: string[] = [];
  const c = await startController(testConfig({ home: path.join(tempDir('escaped'), 'home'), port: '0' }), { log: (l) => lines.push(l) });
  const api = rawApi(() => c.url);
  try {
    assert.deepEqual((await api('GET', '/api/v1/health')).json, { status: 'ok' });
    const err = new Error(`no such file '/secret/place/of/job-x'`);
    c.escaped(err);
    c.escaped(new Error('another one'));
    assert.ok(lines.some((l) => l.startsWith('BUG: an error escaped its owner') && l.includes(err.stack!)), lines.join('\n'));
    const anonymous = (await api('GET', '/api/v1/health', undefined, { authorization: '' })).json;
    assert.equal(anonymous.status, 'degraded');
    assert.equal(anonymous.problems.length, 1);
    assert.equal(anonymous.problems[0].component, 'controller');
    assert.equal(anonymous.problems[0].count, 2);
    assert.ok(!JSON.stringify(anonymous).includes('/secret/place'), 'no detail for anonymous callers');
    const h = (await api('GET', '/api/v1/health')).json;
    assert.match(h.problems[0].detail, /another one/);
    // Nothing to probe: it stays until the controller is restarted.
    assert.equal((await api('GET', '/api/v1/health')).json.status, 'degraded');
  } finally {
    await c.close();
  }
});
