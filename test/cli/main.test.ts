import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runKiln } from '../helpers/kiln.ts';

test('kiln --version prints the package version', async () => {
  const r = await runKiln(['--version']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^kiln \d+\.\d+\.\d+\n$/);
});

test('kiln with an unknown command says so and lists the commands', async () => {
  const r = await runKiln(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
  assert.match(r.stderr, /usage: kiln <command>/);
});
