// compareVersions (src/plugins/utility-steps/versions.ts) on the orderings Jenkins' VersionNumber
// documents and its tests rely on: numbers, qualifiers, aliases, sub-lists, trailing zeros,
// wildcards, empty versions; and the step in a pipeline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions } from '../../../src/plugins/utility-steps/versions.ts';
import { runPipeline } from '../../pipeline/engine/harness.ts';

const sign = (a: string, b: string) => Math.sign(compareVersions(a, b));

test('numbers compare as numbers, and trailing zeros do not count', () => {
  assert.equal(sign('1.10', '1.9'), 1);
  assert.equal(sign('1.0', '1'), 0);
  assert.equal(sign('1.0.0', '1'), 0);
  assert.equal(sign('2.0', '10.0'), -1);
  assert.equal(sign('1.2.3', '1.2.3'), 0);
  assert.equal(sign('123456789012345678901', '123456789012345678900'), 1);
});

test('qualifiers: snapshot < alpha < beta < milestone < rc < release < sp < others; aliases', () => {
  const order = ['1.0-SNAPSHOT', '1.0-alpha-1', '1.0-beta', '1.0-milestone', '1.0-rc1', '1.0', '1.0-sp', '1.0-zeta'];
  for (let i = 0; i + 1 < order.length; i++) assert.equal(sign(order[i]!, order[i + 1]!), -1, `${order[i]} < ${order[i + 1]}`);
  assert.equal(sign('1.0-ga', '1.0'), 0);
  assert.equal(sign('1.0-final', '1'), 0);
  assert.equal(sign('1.0-cr1', '1.0-rc1'), 0);
  assert.equal(sign('1-a1', '1-alpha-1'), 0);
  assert.equal(sign('1-b2', '1-beta-2'), 0);
  // only a dash after digits drops trailing zeros: 1.0a1 keeps its 0, as VersionNumber does
  assert.equal(sign('1.0a1', '1.0-alpha-1'), 1);
});

test('a dash before digits opens a sub-list: 1-1 < 1.1, 1.0-1 > 1.0', () => {
  assert.equal(sign('1-1', '1.1'), -1);
  assert.equal(sign('1.0-1', '1.0'), 1);
  assert.equal(sign('1.1', '1-sp'), 1);
});

test('wildcards and empty versions', () => {
  assert.equal(sign('1.*', '1.5'), 1);
  assert.equal(sign('1.*', '1.*'), 0);
  assert.equal(compareVersions('', ''), 0);
  assert.equal(compareVersions('', '1'), -1);
  assert.equal(compareVersions('1', ''), 1);
});

test('compareVersions in a pipeline, without a node', async () => {
  const { state, console } = await runPipeline(`echo "a=\${compareVersions(v1: '2.10.1', v2: '2.9')} b=\${compareVersions v1: '1.0', v2: '1.0.0'} c=\${compareVersions(v1: '1.0-SNAPSHOT', v2: '1.0') < 0}"`);
  assert.equal(state.result, 'SUCCESS', console);
  assert.match(console, /^a=1 b=0 c=true$/m);
});
