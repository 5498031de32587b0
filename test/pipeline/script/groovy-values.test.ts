// Groovy values where Groovy 2.4 has a rule of its own: negative zero literals and NaN, overloads
// chosen for null arguments. Each expected text is what Groovy 2.4.21 printed for the same snippet
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

/** What a snippet prints, or its error as `class: first line of the message`. */
async function outcome(src: string): Promise<string> {
  try {
    const r = await run(`println(${src})`);
    return r.log.join('\n');
  } catch (e) {
    const err = e as Error & { javaClass?: string };
    return `${err.javaClass ?? '?'}: ${err.message.split('\n')[0]}`;
  }
}

test('a null argument goes to the overload Groovy picks, and fails where Java fails (Java 17\'s messages)', async () => {
  const cases: [string, string][] = [
    ['String.valueOf(null)', 'null'],
    ["'abc'.equals(null)", 'false'],
    ["'abc' + null", 'abcnull'],
    ["'abc'.equalsIgnoreCase(null)", 'false'],
    ["'abc'.minus(null)", 'abc'],
    ['[1, 2].contains(null)', 'false'],
    ['[1, null].indexOf(null)', '1'],
    ['[1, 2].join(null)', '12'],
    ['Boolean.parseBoolean(null)', 'false'],
    ['Boolean.valueOf(null)', 'false'],
    ["String.format('%s', null)", 'null'],
    ["'abc'.split(null)", 'java.lang.NullPointerException: Cannot invoke "String.length()" because "regex" is null'],
    ["'abc'.split(null, 2)", 'java.lang.NullPointerException: Cannot invoke "String.length()" because "regex" is null'],
    ["'abc'.contains(null)", 'java.lang.NullPointerException: Cannot invoke "java.lang.CharSequence.toString()" because "s" is null'],
    ["'abc'.startsWith(null)", 'java.lang.NullPointerException: Cannot invoke "String.length()" because "prefix" is null'],
    ["'abc'.endsWith(null)", 'java.lang.NullPointerException: Cannot invoke "String.length()" because "suffix" is null'],
    ["'abc'.indexOf(null)", 'java.lang.NullPointerException: Cannot invoke "String.coder()" because "str" is null'],
    ["'abc'.indexOf(null, 1)", 'java.lang.NullPointerException: Cannot read field "value" because "tgtStr" is null'],
    ["'abc'.lastIndexOf(null)", 'java.lang.NullPointerException: Cannot read field "value" because "tgtStr" is null'],
    ["'abc'.replace(null, 'x')", 'java.lang.NullPointerException: Cannot invoke "java.lang.CharSequence.toString()" because "target" is null'],
    ["'abc'.replace('a', null)", 'java.lang.NullPointerException: Cannot invoke "java.lang.CharSequence.toString()" because "replacement" is null'],
    ["'abc'.replaceAll(null, 'x')", 'java.lang.NullPointerException: Cannot invoke "java.lang.CharSequence.toString()" because "regex" is null'],
    ["'abc'.replaceFirst('a', null)", 'java.lang.NullPointerException: Cannot invoke "java.lang.CharSequence.toString()" because "replacement" is null'],
    ["'abc'.compareTo(null)", 'java.lang.NullPointerException: Cannot read field "value" because "anotherString" is null'],
    ["'abc'.compareToIgnoreCase(null)", 'java.lang.NullPointerException: Cannot read field "value" because "s2" is null'],
    ["'abc'.concat(null)", 'java.lang.NullPointerException: Cannot invoke "String.isEmpty()" because "str" is null'],
    ["'abc'.count(null)", 'java.lang.NullPointerException: Cannot invoke "java.lang.CharSequence.toString()" because "text" is null'],
    ["'x'.padLeft(null)", 'java.lang.NullPointerException: Cannot invoke "java.lang.Number.intValue()" because "numberOfChars" is null'],
    ["'abc'.center(null)", 'java.lang.NullPointerException: Cannot invoke "java.lang.Number.intValue()" because "numberOfChars" is null'],
    ["'abc'.multiply(null)", 'java.lang.NullPointerException: Cannot invoke "java.lang.Number.intValue()" because "factor" is null'],
    ["'abc'.contentEquals(null)", 'java.lang.NullPointerException: Cannot invoke "java.lang.CharSequence.length()" because "cs" is null'],
    ["'a b'.tokenize(null)", 'java.lang.NullPointerException: Cannot invoke "java.lang.CharSequence.toString()" because "delimiters" is null'],
    ["'abc'.matches(null)", 'groovy.lang.GroovyRuntimeException: Ambiguous method overloading for method java.lang.String#matches.'],
    ['Integer.parseInt(null)', 'java.lang.NumberFormatException: Cannot parse null string'],
    ['Integer.parseInt(null, 16)', 'java.lang.NumberFormatException: Cannot parse null string'],
    ['Integer.valueOf(null)', 'java.lang.NumberFormatException: Cannot parse null string'],
    ['Long.parseLong(null)', 'java.lang.NumberFormatException: Cannot parse null string'],
    ['Long.valueOf(null)', 'java.lang.NumberFormatException: Cannot parse null string'],
    ['Double.parseDouble(null)', 'java.lang.NullPointerException: Cannot invoke "String.trim()" because "in" is null'],
    ['String.format(null)', 'java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null'],
    ["'abc'.substring(null)", 'groovy.lang.MissingMethodException: No signature of method: java.lang.String.substring() is applicable for argument types: (null) values: [null]'],
    ['Math.max(null, 1)', 'groovy.lang.MissingMethodException: No signature of method: static java.lang.Math.max() is applicable for argument types: (null, java.lang.Integer) values: [null, 1]'],
    ['Math.pow(null, 2)', 'groovy.lang.MissingMethodException: No signature of method: static java.lang.Math.pow() is applicable for argument types: (null, java.lang.Integer) values: [null, 2]'],
    ['Math.floor(null)', 'groovy.lang.MissingMethodException: No signature of method: static java.lang.Math.floor() is applicable for argument types: (null) values: [null]'],
    ['Integer.toString(null)', 'groovy.lang.MissingMethodException: No signature of method: static java.lang.Integer.toString() is applicable for argument types: (null) values: [null]'],
    // Groovy picks Date(String), which Jenkins' sandbox does not allow
    ['new Date(null)', 'org.jenkinsci.plugins.scriptsecurity.sandbox.RejectedAccessException: Scripts not permitted to use new java.util.Date java.lang.String'],
  ];
  for (const [src, want] of cases) assert.equal(await outcome(src), want, src);
});
