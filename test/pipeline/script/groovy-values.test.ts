// Groovy values where Groovy 2.4 has a rule of its own: negative zero literals, overloads chosen
// for null arguments, MissingMethodException's "Possible solutions", date/time conversions of
// String.format. Each expected text is what Groovy 2.4.21 printed for the same snippet
// (`groovy` on this machine).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './fake-host.ts';

async function lines(src: string): Promise<string[]> {
  return (await run(src)).log;
}

test('a negative zero literal is 0.0 (Groovy folds the sign into the literal); -(0.0d) and -z are -0.0', async () => {
  const src = [
    'println(-0.0d)', 'println(-0.0f)', 'println(- 0.0d)', 'println(-0d)', 'println(-0f)', 'println(-0.0e0)',
    'println(1 / -0.0d)', 'println(1 / (-0.0f))', 'println(-0.0d as String)', 'println("${-0.0d}")',
    'println(Math.min(-0.0d, 0.0d))', 'println([-0.0d].contains(0.0d))', 'println([-0.0d, 0.0d].toSet())',
    'println(-(0.0d))', 'def z = 0.0d', 'println(-z)', 'println(0 * -1.0d)', "println(Double.valueOf('-0.0'))",
    'println(-0.0d == 0.0d)', 'println((-0.0d).equals(0.0d))', 'println(-0.0d <=> 0.0d)', 'println(-0.0)', 'println((-0.0).getClass())',
  ].join('\n');
  assert.deepEqual(await lines(src), [
    '0.0', '0.0', '0.0', '0.0', '0.0', '0.0',
    'Infinity', 'Infinity', '0.0', '0.0',
    '0.0', 'true', '[0.0]',
    '-0.0', '-0.0', '-0.0', '-0.0',
    'true', 'true', '0', '0.0', 'class java.math.BigDecimal',
  ]);
});

test('a real negative zero and NaN compare as Groovy 2.4\'s ScriptBytecodeAdapter: == by Double.compare, < and > of two Doubles as Java\'s primitives', async () => {
  const src = [
    'def n = -(0.0d)', 'def p = 0.0d', 'def a = 0.0d / 0',
    'println([n == p, n.equals(p), [n].contains(p), n < p, n <=> p, p > n, n.compareTo(p)])',
    'println([n == 0, n == 0.0, n == 0L, n < 0, n <= 0, n >= 0])',
    'println([n <= p, n >= p, [n, p].sort(), [p, n].sort(), [n, p].unique(), [n, p].toSet()])',
    'println([Math.min(n, p), Math.max(n, p), n in [p], [(n): 1, (p): 2]])',
    "switch (n) { case 0.0d: println 'zero'; break; default: println 'other' }",
    'println([a < 1, a > 1, a <= 1, a >= 1])',
    'println([a < 1.0d, a > 1.0d, a <= 1.0d, a >= 1.0d, a <=> 1.0d])',
    'println([a == 1, a != a, a == 1.5, a < 1.5, 1.5 < a, 2.5d < a])',
    'println([a == a, a == 0.0d / 0, [a].contains(0.0d / 0), a <=> a, [a, 1.0d, n, p].sort(), [a, a].unique()])',
    'def nf = -(0.0f)', 'println([nf == 0.0f, nf == p])',
  ].join('\n');
  assert.deepEqual(await lines(src), [
    '[false, false, false, false, -1, false, -1]',
    '[false, false, false, true, true, false]',
    '[true, true, [-0.0, 0.0], [-0.0, 0.0], [-0.0, 0.0], [-0.0, 0.0]]',
    '[-0.0, 0.0, false, [-0.0:1, 0.0:2]]',
    'other',
    '[false, true, false, true]',
    '[false, false, false, false, 1]',
    '[false, false, false, false, true, false]',
    '[true, true, true, 0, [-0.0, 0.0, 1.0, NaN], [NaN]]',
    '[false, false]',
  ]);
});
