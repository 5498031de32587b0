// Double and Float values (double-value.ts): a whole Double prints `2.0`, a Float its own
// shortest form, Java's Double.toString layout, arithmetic with a Double is a Double, power's
// Integer results, casts and typed declarations, and what steps receive. Each expected text is
// what Groovy 2.4 (Jenkins' CPS) prints for the same expression.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev } from './fake-host.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';
import { javaDoubleString, javaFloatString } from '../../../src/pipeline/script/double-value.ts';
import { bindStepArgs } from '../../../src/pipeline/steps/bind.ts';

async function show(src: string): Promise<string> {
  return toGroovyString(await ev(src));
}

test("Java's Double.toString and Float.toString layouts", () => {
  assert.equal(javaDoubleString(2), '2.0');
  assert.equal(javaDoubleString(-0), '-0.0');
  assert.equal(javaDoubleString(1e7), '1.0E7');
  assert.equal(javaDoubleString(9999999), '9999999.0');
  assert.equal(javaDoubleString(12345678.5), '1.23456785E7');
  assert.equal(javaDoubleString(0.001), '0.001');
  assert.equal(javaDoubleString(0.0009), '9.0E-4');
  assert.equal(javaDoubleString(1e20), '1.0E20');
  assert.equal(javaDoubleString(1.5e-7), '1.5E-7');
  assert.equal(javaDoubleString(Infinity), 'Infinity');
  assert.equal(javaFloatString(Math.fround(1.1)), '1.1');
  assert.equal(javaFloatString(Math.fround(0.1)), '0.1');
  assert.equal(javaFloatString(Math.fround(3.4e38)), '3.4E38');
});

test('a whole Double prints as a Double everywhere Groovy prints it', async () => {
  assert.equal(await show('2.0d'), '2.0');
  assert.equal(await show('(double) 2'), '2.0');
  assert.equal(await show("Double.parseDouble('2')"), '2.0');
  assert.equal(await show('2.toDouble()'), '2.0');
  assert.equal(await show('"${2d}|" + 2d + "|" + [2d] + "|" + [a: 2d]'), '2.0|2.0|[2.0]|[a:2.0]');
  assert.equal(await show('String.valueOf(2d) + 2d.toString()'), '2.02.0');
  assert.equal(await show('1.5d + 1.5d'), '3.0');
  assert.equal(await show('2.0d * 3'), '6.0');
  assert.equal(await show('Math.sqrt(16)'), '4.0');
  assert.equal(await show('(2d).class.name'), 'java.lang.Double');
});

test('BigDecimal stays BigDecimal; a Double on either side makes a Double', async () => {
  assert.equal(await show('1 / 2'), '0.5');
  assert.equal(await show('(1 / 2).class.simpleName'), 'BigDecimal');
  assert.equal(await show('10 / 4'), '2.5');
  assert.equal(await show('2.0 * 1'), '2.0');
  assert.equal(await show('1e3'), '1E+3');
  assert.equal(await show('(2.5 + 0.5d).class.simpleName'), 'Double');
  assert.equal(await show('1.5 / 0d'), 'Infinity');
  assert.equal(await show('1.0 == 1'), 'true');
  assert.equal(await show('2d == 2'), 'true');
  assert.equal(await show('2d.equals(2)'), 'false');
});

test("power is Groovy's power(Number, Number): a whole answer is an Integer", async () => {
  assert.equal(await show('2d ** 2'), '4');
  assert.equal(await show('(2d ** 2).class.simpleName'), 'Integer');
  assert.equal(await show('2 ** -1'), '0.5');
  assert.equal(await show('2 ** 0.5'), '1.4142135623730951');
  assert.equal(await show('1 ** -1'), '1');
});

test('Floats: their own printed form, widened to double in arithmetic', async () => {
  assert.equal(await show('1.1f'), '1.1');
  assert.equal(await show('1.1f + 1'), '2.100000023841858');
  assert.equal(await show('(1.1f).class.simpleName + (1.1f * 2).class.simpleName'), 'FloatDouble');
  assert.equal(await show('float f = 2\nf'), '2.0');
  assert.equal(await show("Float.parseFloat('1.1')"), '1.1');
});

test('casts, typed declarations, rounding and the methods of a Double', async () => {
  assert.equal(await show('double d = 3\nd += 1\nd'), '4.0');
  assert.equal(await show('def c = 0.5d\nc++\nc'), '1.5');
  assert.equal(await show("'2' as Double"), '2.0');
  assert.equal(await show('(int) 2.7d'), '2');
  assert.equal(await show('2d.toBigDecimal()'), '2.0');
  assert.equal(await show('2.5d as BigDecimal'), '2.5');
  assert.equal(await show('3.7d.round()'), '4');
  assert.equal(await show('(3.7d.round()).class.simpleName'), 'Long');
  assert.equal(await show('3.14159d.round(2)'), '3.14');
  assert.equal(await show('[2d, 1, 1.5].sort()'), '[1, 1.5, 2.0]');
  assert.equal(await show('2d instanceof Double && !(2d instanceof Float) && 2d instanceof Number'), 'true');
  await assert.rejects(ev('5.5d.intdiv(2)'), /^ScriptError: Cannot use intdiv\(\) on this number type: java.lang.Double with value: 5.5$/);
});

test("String.format of Doubles is Java's: HALF_UP on the shortest decimal form; %f refuses an Integer", async () => {
  assert.equal(await show("String.format('%s|%.2f|%5.1f', 2d, 2d, 1.25d)"), '2.0|2.00|  1.3');
  assert.equal(await show("String.format('%.2f', 2.675d)"), '2.68');
  await assert.rejects(ev("String.format('%.1f', 2)"), /^ScriptError: f != java.lang.Integer$/);
  await assert.rejects(ev("String.format('%d', 2d)"), /^ScriptError: d != java.lang.Double$/);
});

test('steps receive a whole Double as a number; for a String parameter it is the ClassCastException Jenkins throws', () => {
  const decl = {
    name: 'sleep', positional: 'time', block: 'none' as const,
    params: [{ name: 'time', type: 'number' as const, required: true }, { name: 'count', type: 'integer' as const, required: false }, { name: 'label', type: 'string' as const, required: false }],
  };
  return (async () => {
    const two = await ev('2d');
    const got = bindStepArgs(decl as never, { positional: [], named: new Map([['time', two], ['count', await ev('3.0d')]]), closure: null });
    assert.deepEqual(got.values, { time: 2, count: 3 });
    assert.throws(() => bindStepArgs(decl as never, { positional: [], named: new Map([['time', two], ['label', two]]), closure: null }),
      /SleepStep\.label expects class java\.lang\.String but received class java\.lang\.Double$/);
  })();
});
