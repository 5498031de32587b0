// Where Groovy 2.4 (the Groovy Jenkins runs) and Java decide a value's type or a result, and Kiln
// must decide alike: Math's overloads, JsonOutput's numbers, Java's equals in collections, method
// overloads of script functions. Each expected text is what Groovy 2.4.21 printed for the same
// snippet (`groovy` on this machine), as `value (Class)`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, run } from './fake-host.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';

/** The value and its class's simple name, as `"${v} (${v.getClass().simpleName})"` prints them. */
async function typed(src: string): Promise<string> {
  const r = await run(`def v = ${src}\necho "\${v} (\${v?.getClass()?.simpleName})"`);
  return r.log[0]!;
}

async function failure(src: string): Promise<string> {
  try {
    await ev(src);
  } catch (e) {
    return (e as Error).message;
  }
  assert.fail(`${src}: expected an error`);
}

test('Math.max/min/abs/round pick the overload Groovy picks for the arguments\' types', async () => {
  const cases: [string, string][] = [
    ['Math.max(1L, 2)', '2 (Long)'],
    ['Math.max(1, 2)', '2 (Integer)'],
    ['Math.max(1, 2.5d)', '2.5 (Double)'],
    ['Math.max(3, 2.5f)', '3.0 (Float)'],
    ['Math.max(1.5f, 2.5f)', '2.5 (Float)'],
    ['Math.min(1L, 2L)', '1 (Long)'],
    ['Math.min(1G, 2)', '1 (Integer)'],
    ['Math.max(Integer.MAX_VALUE, 1L)', '2147483647 (Long)'],
    ['Math.max(2.5, 1G)', '2.5 (Double)'],
    ['Math.abs(-2)', '2 (Integer)'],
    ['Math.abs(-2L)', '2 (Long)'],
    ['Math.abs(-2.5)', '2.5 (Double)'],
    ['Math.abs(-2.5f)', '2.5 (Float)'],
    ['Math.abs(-2d)', '2.0 (Double)'],
    ['Math.abs(Integer.MIN_VALUE)', '-2147483648 (Integer)'],
    ['Math.round(2.5d)', '3 (Long)'],
    ['Math.round(2.5f)', '3 (Integer)'],
    ['Math.round(-2.5d)', '-2 (Long)'],
    ['Math.round(2.5)', '3 (Long)'],
    ['Math.round(2)', '2 (Integer)'],
    ['Math.round(2L)', '2 (Integer)'],
    ['Math.floor(2.5)', '2.0 (Double)'],
    ['Math.floor(2)', '2.0 (Double)'],
    ['Math.floor(3G)', '3.0 (Double)'],
    ['Math.ceil(2.1f)', '3.0 (Double)'],
  ];
  for (const [src, want] of cases) assert.equal(await typed(src), want, src);
  assert.equal(await failure('Math.max(1, 2.5)'), 'Ambiguous method overloading for method java.lang.Math#max.\nCannot resolve which method to invoke for [class java.lang.Integer, class java.math.BigDecimal] due to overlapping prototypes between:\n\t[double, double]\n\t[float, float]');
  assert.equal(await failure("Math.max('a', 1)"), 'No signature of method: static java.lang.Math.max() is applicable for argument types: (java.lang.String, java.lang.Integer) values: [a, 1]');
  assert.equal(await failure('Math.round(null)'), 'No signature of method: static java.lang.Math.round() is applicable for argument types: (null) values: [null]');
});
