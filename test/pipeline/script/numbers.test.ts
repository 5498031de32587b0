// Numbers as Groovy does them in a Jenkinsfile: what each literal is, how arithmetic promotes,
// how a BigDecimal keeps and prints its scale, how numbers compare across types, and that steps
// still receive plain numbers. Each expected text is what Groovy (2.4, Jenkins' CPS) prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev } from './fake-host.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';
import { BigDec } from '../../../src/pipeline/script/decimal.ts';
import { bindStepArgs } from '../../../src/pipeline/steps/bind.ts';
import { toJson } from '../../../src/pipeline/script/values.ts';

async function show(src: string): Promise<string> {
  return toGroovyString(await ev(src));
}

test('literal types: 1 Integer, 1.1 BigDecimal, 1.1d Double, 1e3 BigDecimal', async () => {
  assert.equal(await show('1.1 instanceof BigDecimal'), 'true');
  assert.equal(await show('1 instanceof Integer'), 'true');
  assert.equal(await show('1.1d instanceof Double'), 'true');
  assert.equal(await show('1.5f instanceof BigDecimal'), 'false');
  assert.equal(await show('1e3 instanceof BigDecimal'), 'true');
  assert.equal(await show('1.5g instanceof BigDecimal'), 'true');
  assert.equal(await show('(1.5).class'), 'class java.math.BigDecimal');
  assert.equal(await show('1.5 instanceof Number'), 'true');
});

test('BigDecimal literals print with their scale; 1e3 prints 1E+3', async () => {
  assert.equal(await show('1.10'), '1.10');
  assert.equal(await show('1.0'), '1.0');
  assert.equal(await show('1e3'), '1E+3');
  assert.equal(await show('1.5e-7'), '1.5E-7');
  assert.equal(await show('0.000001'), '0.000001');
  assert.equal(await show('-1.50'), '-1.50');
  assert.equal(await show('"v=${2.50}"'), 'v=2.50');
});

test('BigDecimal arithmetic is exact and keeps Groovy\'s scale', async () => {
  assert.equal(await show('1.1 + 2.2'), '3.3');
  assert.equal(await ev('1.1 + 2.2 == 3.3'), true);
  assert.equal(await ev('0.1 + 0.2 == 0.3'), true);
  assert.equal(await show('1.10 + 1'), '2.10');
  assert.equal(await show('2.0 * 3'), '6.0');
  assert.equal(await show('1.5 * 1.5'), '2.25');
  assert.equal(await show('0.1 * 3'), '0.3');
  assert.equal(await show('5.00 - 0.5'), '4.50');
  assert.equal(await show('-(1.50)'), '-1.50');
  assert.equal(await show('1.5 ** 2'), '2.25');
  assert.equal(await show('def x = 1.5\nx++\nx'), '2.5');
  assert.equal(await show('[1.10, 2.20, 3].sum()'), '6.30');
});

test('division: exact when it terminates, else 10 decimals (BigDecimalMath)', async () => {
  assert.equal(await show('1 / 2'), '0.5');
  assert.equal(await show('(1 / 2).class'), 'class java.math.BigDecimal');
  assert.equal(await show('10 / 2'), '5');
  assert.equal(await show('10 / 3'), '3.3333333333');
  assert.equal(await show('2 / 3'), '0.6666666667');
  assert.equal(await show('6.0 / 2'), '3.0');
  assert.equal(await show('1.0 / 4'), '0.25');
  assert.equal(await show('100 / 1.0'), '1.0E+2');
  assert.equal(await show('1 / 3 * 3'), '0.9999999999');
  assert.equal(await show('7.intdiv(2)'), '3');
  assert.equal(await show('-7.intdiv(2)'), '-3');
  await assert.rejects(ev('1.5 / 0'), /Division by zero/);
  assert.equal(await show('1.5 / 3.0000000000007'), '0.4999999999999');
  assert.equal(await show('1 / 7.000000000001'), '0.142857142857');
});

test('% on a BigDecimal fails as in Jenkins; on integers it is Java\'s remainder', async () => {
  await assert.rejects(ev('5.5 % 2'), /^.*Cannot use mod\(\) on this number type: java\.math\.BigDecimal with value: 5\.5/);
  await assert.rejects(ev('def ms = 125000\n(ms / 1000) % 60'), /Cannot use mod\(\) on this number type: java\.math\.BigDecimal with value: 125/);
  assert.equal(await ev('def ms = 125000\nms.intdiv(1000) % 60'), 5);
  assert.equal(await ev('-7 % 3'), -1);
});

test('a Double is double arithmetic, as in Groovy', async () => {
  assert.equal(await ev('1.1d + 2.2d'), 1.1 + 2.2);
  assert.equal(await ev('1.1d + 2.2d == 3.3'), false);
  assert.equal(await show('1 / 0.5d'), '2.0');
  assert.equal(await show('1.5 + 1.5d'), '3.0');
  assert.equal(await ev('(1.5 + 0.25d) instanceof Double'), true);
  assert.equal(await show("String.format('%s', 1.5d)"), '1.5');
});

test('a BigDecimal from / works where Groovy takes a Number: list index, loop bound, sum', async () => {
  assert.equal(await ev("def l = ['a', 'b', 'c', 'd']\nl[4 / 2] + l[5 / 2]"), 'cc');
  assert.equal(await ev('def n = 0\nfor (def i = 0; i < 7 / 2; i++) { n++ }\nn'), 4);
  assert.equal(await show('(1..10).collect { it / 4 }.sum()'), '13.75');
  assert.equal(await show('[1.5, 2.5].sum() / 2'), '2.0');
});

test('integers: %, **, and intdiv stay Integer', async () => {
  assert.equal(await ev('7 % 3'), 7 % 3);
  assert.equal(await ev('2 ** 10'), 1024);
  assert.equal(await ev('7.intdiv(2) instanceof Integer'), true);
});

test('== and <=> across Integer, BigDecimal and Double', async () => {
  assert.equal(await ev('1 == 1.0'), true);
  assert.equal(await ev('1.0 == 1'), true);
  assert.equal(await ev('2.50 == 2.5'), true);
  assert.equal(await ev('1L == 1'), true);
  assert.equal(await ev('1.5 == 1.5d'), true);
  assert.equal(await ev('1.5 != 1.6'), true);
  assert.equal(await ev('1.5 < 2'), true);
  assert.equal(await ev('2 > 1.5'), true);
  assert.equal(await ev('1.5 <=> 1.50'), 0);
  assert.equal(await show('[2.5, 1, 1.25, 3].sort()'), '[1, 1.25, 2.5, 3]');
  assert.equal(await show('[2.5, 1, 1.25].max()'), '2.5');
  assert.equal(await ev('[1.0, 2.0].contains(2)'), false, 'contains is Java\'s equals: a BigDecimal never equals an Integer (Groovy 2.4)');
  assert.equal(await ev('[1.0, 2.0].contains(2.0)'), true);
  assert.equal(await show('[1, 1.0, 2.50, 2.5, 2.5d, 3].unique()'), '[1, 2.50, 3]');
  // Groovy 2.4 walks the smaller list and keeps its elements (groovy 2.4.21: [2.0, 1.50])
  assert.equal(await show('[1.5, 2, 3].intersect([2.0, 1.50])'), '[2.0, 1.50]');
  assert.equal(await show("['1.5', 1.5, '1.5'].unique()"), '[1.5, 1.5]');
  assert.equal(await ev('0.0 ? "yes" : "no"'), 'no');
  assert.equal(await ev('def r\nswitch (1.50) { case 1.5: r = "one and a half"; break; default: r = "other" }\nr'), 'one and a half');
});

test('conversions: toInteger, toLong, toBigDecimal, toDouble, as BigDecimal, parseInt', async () => {
  assert.equal(await ev('3.9.toInteger()'), 3);
  assert.equal(await show('-3.9.toLong()'), '-3');
  assert.equal(await ev('2.5.toDouble()'), 2.5);
  assert.equal(await show('5.toBigDecimal()'), '5');
  assert.equal(await ev('5.toBigDecimal() instanceof BigDecimal'), true);
  assert.equal(await show("'3.10' as BigDecimal"), '3.10');
  assert.equal(await show('7 as BigDecimal'), '7');
  assert.equal(await ev('2.75 as int'), 2);
  assert.equal(await show('BigDecimal b = 2\nb + 0.5'), '2.5');
  assert.equal(await ev('double d = 1.25\nd'), 1.25);
  assert.equal(await ev("Integer.parseInt('42') + 1"), 43);
  assert.equal(await show("'1.5'.toBigDecimal() + 1"), '2.5');
  assert.equal(await show("'1.10'.toBigDecimal()"), '1.10');
  await assert.rejects(ev("'1.5x'.toBigDecimal()"), /For input string: "1.5x"/);
  assert.equal(await show('3.14159.setScale(2)'), '3.14');
  assert.equal(await show('2.5.toString() + "!"'), '2.5!');
  assert.equal(await show('"n=" + 1.50'), 'n=1.50');
  assert.equal(await show('1.50 + "x"'), '1.50x');
  assert.equal(await show("sprintf('%.2f', 2.675)"), '2.68');
  assert.equal(await show('Math.max(1.5d, 2)'), '2.0'); // the double overload (a BigDecimal 1.5 is ambiguous in Groovy: groovy-java-semantics.test.ts)
  await assert.rejects(ev("'abc' as BigDecimal"), /For input string: "abc"/);
});

test('JSON output: a BigDecimal is a number, integers unchanged', async () => {
  assert.deepEqual(toJson(BigDec.parse('1.50')!), 1.5);
  assert.equal(await ev("groovy.json.JsonOutput.toJson([a: 1, b: 2.5, c: 10])"), '{"a":1,"b":2.5,"c":10}');
});

test('steps receive a BigDecimal as a JS number', () => {
  const decl = {
    name: 'sleep', positional: 'time', block: 'none' as const,
    params: [{ name: 'time', type: 'number' as const, required: true }, { name: 'count', type: 'integer' as const, required: false }, { name: 'label', type: 'string' as const, required: false }],
  };
  const named = new Map<string, never>([['time', BigDec.parse('1.5')! as never], ['count', BigDec.parse('3.0')! as never]]);
  const { values } = bindStepArgs(decl as never, { positional: [], named, closure: null });
  assert.equal(values.time, 1.5);
  assert.equal(values.count, 3);
  // a number for a String parameter is Jenkins' ClassCastException (structs converts only a GString)
  assert.throws(() => bindStepArgs(decl as never, { positional: [], named: new Map([['time', 1], ['label', BigDec.parse('2.50')! as never]]), closure: null }),
    /^StepBindError: Could not instantiate \{time=1, label=2.50\} for org\.jenkinsci\.plugins\.workflow\.steps\.SleepStep: java\.lang\.ClassCastException: org\.jenkinsci\.plugins\.workflow\.steps\.SleepStep\.label expects class java\.lang\.String but received class java\.math\.BigDecimal$/);
});

test('a BigDecimal that grows without bound is refused, not computed for minutes', async () => {
  await assert.rejects(ev('def x = 10 as BigDecimal\n100.times { x = x * x }\nx'), /too large: a BigDecimal of more than 10000 digits/);
  await assert.rejects(ev('def x = 1.1\n100.times { x = x * x }\nx'), /too large: a BigDecimal with scale/);
  await assert.rejects(ev("('9' * 1000000) as BigDecimal"), /too large: a BigDecimal of more than 10000 digits/);
  await assert.rejects(ev('1.5.setScale(1000000000)'), /too large: a BigDecimal with scale 1000000000/);
});
