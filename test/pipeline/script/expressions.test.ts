// Expressions: numbers, strings, GStrings, operators, casts, ranges, regexes, indexes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, run } from './fake-host.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';
import type { Value } from '../../../src/pipeline/script/values.ts';

/** Evaluates and renders the way Groovy prints it. */
async function show(src: string): Promise<string> {
  return toGroovyString(await ev(src));
}

async function rejects(src: string, message: RegExp, line?: number, col?: number): Promise<ScriptError> {
  let caught: unknown;
  try {
    await run(src);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof ScriptError, `expected a ScriptError from ${src}, got ${String(caught)}`);
  assert.match(caught.message, message);
  if (line !== undefined) assert.equal(caught.loc?.start.line, line, `line of: ${caught.message}`);
  if (col !== undefined) assert.equal(caught.loc?.start.col, col, `column of: ${caught.message}`);
  return caught;
}

test('integer arithmetic stays integral; division gives decimals like Groovy', async () => {
  assert.equal(await ev('1 + 2 * 3'), 7);
  assert.equal(await ev('(1 + 2) * 3'), 9);
  assert.equal(await ev('7 % 3'), 1);
  assert.equal(await ev('-7 % 3'), -1);
  assert.equal(await ev('2 ** 10'), 1024);
  assert.equal(await show('10 / 2'), '5');
  assert.equal(await show('1 / 2'), '0.5');
  assert.equal(await show('1 / 3'), '0.3333333333');
  assert.equal(await show('2 / 3'), '0.6666666667');
  assert.equal(await show('10 / 4'), '2.5');
  assert.equal(await show('1 / 8'), '0.125');
  assert.equal(await show('0.1 + 0.2'), '0.3');
  assert.equal(await show('1.1 * 3'), '3.3');
  assert.equal(await show('3.5 - 1.25'), '2.25');
  assert.equal(await ev('7.intdiv(2)'), 3);
  assert.equal(await ev('(-7).intdiv(2)'), -3);
});

test('division by zero is an ArithmeticException with its position', async () => {
  await rejects('def x = 0\ndef y = 5 / x', /Division by zero/, 2, 9);
  await rejects('5 % 0', /by zero/);
  await rejects('5.intdiv(0)', /by zero/);
});

test('numbers print without a fraction when whole', async () => {
  assert.equal(await show('5'), '5');
  assert.equal(await show('2.50'), '2.50'); // a BigDecimal keeps its literal's scale (numbers.test.ts)
  assert.equal(await show('100L'), '100');
  assert.equal(await show('0x1F'), '31');
  assert.equal(await show('1e3'), '1E+3'); // BigDecimal 1E+3, as Groovy prints it
  assert.equal(await show('-0.5'), '-0.5');
});

test('comparison operators, <=> and Groovy equality', async () => {
  assert.equal(await ev('1 == 1.0'), true);
  assert.equal(await ev("'a' == 'a'"), true);
  assert.equal(await ev("'1' == 1"), false);
  assert.equal(await ev('null == null'), true);
  assert.equal(await ev('null == 0'), false);
  assert.equal(await ev('[1, [2, 3]] == [1, [2, 3]]'), true);
  assert.equal(await ev('[a: 1, b: [1]] == [b: [1], a: 1]'), true);
  assert.equal(await ev('[1, 2] == [2, 1]'), false);
  assert.equal(await ev('(1..3) == [1, 2, 3]'), true);
  assert.equal(await ev("'abc' < 'abd'"), true);
  assert.equal(await ev("'B' < 'a'"), true);
  assert.equal(await ev('3 >= 3'), true);
  assert.equal(await ev('2 <=> 3'), -1);
  assert.equal(await ev("'b' <=> 'a'"), 1);
  assert.equal(await ev('5 <=> 5.0'), 0);
  assert.equal(await ev('null < 1'), true);
  assert.equal(await ev('1 != 2'), true);
  await rejects("'10' > 9", /Cannot compare String with value '10' and Integer with value '9'/);
});

test('boolean operators use Groovy truth and short-circuit', async () => {
  assert.equal(await ev("'' || 'x'"), true);
  assert.equal(await ev('[] && undefinedName'), false);
  assert.equal(await ev('[1] || undefinedName'), true);
  assert.equal(await ev('!null'), true);
  assert.equal(await ev('![]'), true);
  assert.equal(await ev('![:]'), true);
  assert.equal(await ev("!'false'"), false);
  assert.equal(await ev('!0'), true);
  assert.equal(await ev('!0.0'), true);
  assert.equal(await ev('true & false'), false);
  assert.equal(await ev('true ^ true'), false);
  assert.equal(await ev('6 & 3'), 2);
  assert.equal(await ev('6 | 3'), 7);
  assert.equal(await ev('1 << 4'), 16);
  assert.equal(await ev('-16 >> 2'), -4);
});

test('ternary, elvis and safe navigation', async () => {
  assert.equal(await ev("def x = 5\nx > 3 ? 'big' : 'small'"), 'big');
  assert.equal(await ev("null ?: 'default'"), 'default');
  assert.equal(await ev("'' ?: 'default'"), 'default');
  assert.equal(await ev("'set' ?: 'default'"), 'set');
  assert.equal(await ev('def x = null\nx?.foo'), null);
  assert.equal(await ev('def x = null\nx?.trim()'), null);
  assert.equal(await ev('def x = null\nx?.a?.b'), null);
  assert.equal(await ev("def x = [a: [b: 'c']]\nx?.a?.b"), 'c');
});

test('string concatenation, repetition and minus', async () => {
  assert.equal(await ev("'a' + 1 + 2"), 'a12');
  assert.equal(await ev("1 + 2 + 'a'"), '3a');
  assert.equal(await ev("'x' + null"), 'xnull');
  assert.equal(await ev("'list: ' + [1, 'b']"), 'list: [1, b]');
  assert.equal(await ev("'map: ' + [a: 1]"), 'map: [a:1]');
  assert.equal(await ev("'ab' * 3"), 'ababab');
  assert.equal(await ev("'hello world' - 'o'"), 'hell world');
  assert.equal(await ev("'abc123' - ~/\\d+/"), 'abc');
  await rejects("'a' - 1 - null * 2", /Cannot invoke method multiply\(\) on null object|No signature/);
});

test('list and map operators', async () => {
  assert.deepEqual(await ev('[1, 2] + [3]'), [1, 2, 3]);
  assert.deepEqual(await ev('[1, 2] + 3'), [1, 2, 3]);
  assert.deepEqual(await ev('[1, 2, 3, 2] - [2]'), [1, 3]);
  assert.deepEqual(await ev('[1, 2, 3, 2] - 2'), [1, 3]);
  assert.deepEqual(await ev('[1, 2] * 2'), [1, 2, 1, 2]);
  assert.deepEqual(await ev('def l = [1]\nl << 2 << 3\nl'), [1, 2, 3]);
  assert.equal(await show('[a: 1] + [b: 2]'), '[a:1, b:2]');
  assert.equal(await show('[a: 1, b: 2] + [a: 3]'), '[a:3, b:2]');
  assert.equal(await show('[a: 1, b: 2] - [a: 1]'), '[b:2]');
  assert.equal(await show('def m = [a: 1]\nm << [b: 2]\nm'), '[a:1, b:2]');
});

test('in, !in and isCase', async () => {
  assert.equal(await ev("'x' in ['x', 'y']"), true);
  assert.equal(await ev("'z' !in ['x', 'y']"), true);
  assert.equal(await ev('3 in 1..5'), true);
  assert.equal(await ev('5 in 1..<5'), false);
  assert.equal(await ev("'k' in [k: 1]"), true);
  assert.equal(await ev("'b' in 'a'..'c'"), true);
  assert.equal(await ev("'v12' in ~/v\\d+/"), true);
  assert.equal(await ev('4 in { it % 2 == 0 }'), true);
});

test('regex operators: =~ finds, ==~ matches whole, matcher indexing', async () => {
  assert.equal(await ev("('abc' =~ /b/) ? 'yes' : 'no'"), 'yes');
  assert.equal(await ev("('abc' =~ /z/) ? 'yes' : 'no'"), 'no');
  assert.equal(await ev("if ('release-1.2' =~ /release-/) { 'r' } else { 'x' }"), 'r');
  assert.equal(await ev("('abc' =~ /b/)[0]"), 'b');
  assert.deepEqual(await ev("('v1.22' =~ /v(\\d+)\\.(\\d+)/)[0]"), ['v1.22', '1', '22']);
  assert.equal(await ev("('v1.22' =~ /v(\\d+)\\.(\\d+)/)[0][2]"), '22');
  assert.equal(await ev("def m = 'a1b2c3' =~ /\\d/\nm.size()"), 3);
  assert.deepEqual(await ev("def m = 'a1b2c3' =~ /\\d/\nm.collect { it }"), ['1', '2', '3']);
  assert.equal(await ev("def m = 'version: 1.4.2' =~ /(\\d+)\\.(\\d+)/\nm.find() ? m.group(2) : null"), '4');
  assert.equal(await ev("'abc' ==~ /a.c/"), true);
  assert.equal(await ev("'xabc' ==~ /a.c/"), false);
  assert.equal(await ev("'ABC' ==~ /(?i)abc/"), true);
  assert.equal(await ev("def p = ~/^feature\\/.+/\np.matcher('feature/x').matches()"), true);
  await rejects("('abc' =~ /z/)[0]", /out of range/);
  await rejects("'a' =~ /(/", /invalid regular expression \/\(\/: Unclosed group near index 1/, 1, 8);
});

test('GString interpolation renders values as Groovy prints them', async () => {
  assert.equal(await ev('def n = null\n"n=${n}"'), 'n=null');
  assert.equal(await ev('def l = [1, "a", null, [2]]\n"${l}"'), '[1, a, null, [2]]');
  assert.equal(await ev('def m = [k: "v", n: [a: 1]]\n"${m}"'), '[k:v, n:[a:1]]');
  assert.equal(await ev('def m = [:]\n"${m}"'), '[:]');
  assert.equal(await ev('def x = [a: [b: 5]]\n"$x.a.b and ${x.a.b + 1}"'), '5 and 6');
  assert.equal(await ev('"${1 / 4} ${10 / 2} ${true}"'), '0.25 5 true');
  assert.equal(await ev('def r = 1..3\n"${r}"'), '[1, 2, 3]');
  assert.match(String(await ev('def c = { 1 }\n"${c}"')), /^Closure@1:9$/);
  // a lazy placeholder is a GString whose closure runs each time it becomes a String
  assert.equal(String(await ev('def x = 1\n"${-> x + 1}"')), '2');
  assert.equal(await ev('def x = 1\ndef g = "${-> x + 1}"\nx = 5\ng.toString()'), '6');
  assert.equal(await ev("def s = 'multi'\n\"\"\"line ${s}\nnext\"\"\""), 'line multi\nnext');
});

test('casts with as', async () => {
  assert.equal(await ev("'42' as Integer"), 42);
  assert.equal(await ev("' 42 ' as int"), 42);
  assert.equal(await ev("'3.5' as Double"), 3.5);
  assert.equal(await ev('3.9 as int'), 3);
  assert.equal(await ev('5 as String'), '5');
  assert.equal(await ev('[1, 2] as String'), '[1, 2]');
  assert.deepEqual(await ev('(1..3) as List'), [1, 2, 3]);
  assert.deepEqual(await ev("'abc' as List"), ['a', 'b', 'c']);
  assert.deepEqual(await ev('[1, 1, 2] as Set'), [1, 2]);
  assert.equal(await ev('0 as boolean'), false);
  assert.equal(await ev("'false' as boolean"), true);
  assert.equal(await ev('null as boolean'), false);
  await rejects("'abc' as Integer", /For input string: "abc"/);
  await rejects('def x = 1 as java.io.File', /not supported.*as java\.io\.File/);
});

test('typed declarations convert like Groovy', async () => {
  assert.equal(await ev('String s = 5\ns'), '5');
  assert.equal(await ev('int n = 2.7\nn'), 2);
  assert.equal(await ev('int n\nn'), 0);
  assert.equal(await ev('boolean b\nb'), false);
  assert.equal(await ev("boolean b = 'x'\nb"), true);
  assert.equal(await ev('String s\ns'), null);
  assert.deepEqual(await ev('List l = [1]\nl'), [1]);
});

test('ranges: inclusive, exclusive, reversed, of characters', async () => {
  assert.deepEqual(await ev('(0..<3).collect { it }'), [0, 1, 2]);
  assert.deepEqual(await ev('(3..1).collect { it }'), [3, 2, 1]);
  assert.deepEqual(await ev("('a'..'c').collect { it }"), ['a', 'b', 'c']);
  assert.equal(await ev('(1..10).size()'), 10);
  assert.equal(await ev('(1..<1).size()'), 0);
  assert.equal(await ev('(1..4).sum()'), 10);
  assert.equal(await ev('def r = 2..5\nr.from + r.to'), 7);
  assert.equal(await ev('(1..3).contains(2)'), true);
});

test('indexes on lists, maps and strings', async () => {
  assert.equal(await ev('[1, 2, 3][-1]'), 3);
  assert.equal(await ev('[1, 2, 3][5]'), null);
  assert.deepEqual(await ev('[1, 2, 3, 4][1..2]'), [2, 3]);
  assert.deepEqual(await ev('[1, 2, 3, 4][-2..-1]'), [3, 4]);
  assert.deepEqual(await ev('[1, 2, 3, 4][2..0]'), [3, 2, 1]);
  assert.deepEqual(await ev('[1, 2, 3, 4][0, 2]'), [1, 3]);
  assert.equal(await ev("'hello'[0]"), 'h');
  assert.equal(await ev("'hello'[-1]"), 'o');
  assert.equal(await ev("'hello'[1..3]"), 'ell');
  assert.equal(await ev("'hello'[0..<2]"), 'he');
  assert.equal(await ev("'hello'[-3..-1]"), 'llo');
  assert.equal(await ev("[a: 1]['a']"), 1);
  assert.equal(await ev("[a: 1]['b']"), null);
  // an Integer key is not the String '1' (Groovy 2.4: null)
  assert.equal(await ev("def m = [:]\nm[1] = 'one'\nm['1']"), null);
  assert.equal(await ev("def m = [:]\nm[1] = 'one'\nm[1]"), 'one');
  assert.deepEqual(await ev('def l = [1]\nl[3] = 4\nl'), [1, null, null, 4]);
  assert.deepEqual(await ev('def l = [1, 2, 3]\nl[-1] = 9\nl'), [1, 2, 9]);
  await rejects("'abc'[5]", /String index out of range: 5/);
  await rejects("def s = 'abc'\ns[0] = 'x'", /strings cannot be changed/);
  await rejects('def l = null\nl[0]', /null/, 2);
});

test('multiple assignment and compound assignment', async () => {
  assert.equal(await ev('def (a, b) = [1, 2]\na + b'), 3);
  assert.equal(await ev('def (a, b, c) = [1, 2]\nc'), null);
  assert.equal(await ev('def (String a, String b) = "x,y".split(",")\nb + a'), 'yx');
  assert.equal(await ev('def i = 0\ni++\ni += 5\ni -= 1\ni *= 3\ni'), 15);
  assert.equal(await ev('def i = 5\ndef j = i++\nj * 10 + i'), 56);
  assert.equal(await ev('def i = 5\ndef j = ++i\nj * 10 + i'), 66);
  assert.equal(await ev('def i = 5\ni--\n--i'), 3);
  assert.equal(await ev("def s = 'a'\ns += 'b'\ns"), 'ab');
  assert.deepEqual(await ev('def l = []\nl += 1\nl += [2, 3]\nl'), [1, 2, 3]);
  assert.deepEqual(await ev('def l = []\nl <<= 1\nl'), [1]);
  assert.equal(await ev('def m = [n: 1]\nm.n += 2\nm.n++\nm.n'), 4);
  assert.equal(await ev("def m = [:]\nm['k'] = (m['k'] ?: 0) + 1\nm.k"), 1);
  assert.deepEqual(await ev('def l = [1, 2]\nl[0] += 10\nl'), [11, 2]);
  assert.equal(await ev("def s = 'a'\ns++\ns"), 'b');
  await rejects('undefinedThing += 1', /No such property: undefinedThing/);
});

test('spread operator on lists and maps', async () => {
  assert.deepEqual(await ev('[[a: 1], [a: 2], null]*.a'), [1, 2, null]);
  assert.deepEqual(await ev("[' a ', 'b ']*.trim()"), ['a', 'b']);
  assert.deepEqual(await ev("['a', 'bb']*.size()"), [1, 2]);
  assert.deepEqual(await ev('[[a: 1], [a: 2]].a'), [1, 2]);
  assert.deepEqual(await ev('[a: 1, b: 2]*.key'), ['a', 'b']);
});

test('maps keep insertion order and string keys', async () => {
  const m = (await ev("def m = [b: 1, a: 2]\nm.c = 3\nm['d'] = 4\nm.\"e\" = 5\nm")) as Map<string, Value>;
  assert.deepEqual([...m.keys()], ['b', 'a', 'c', 'd', 'e']);
  assert.equal(await show('[(1 + 1): "two", "x y": 3]'), '[2:two, x y:3]');
  assert.equal(await ev('def k = "dyn"\ndef m = [(k): 1]\nm.dyn'), 1);
  assert.equal(await ev('def m = [a: 1]\nm.missing'), null);
});

test('method calls the synchronous path runs: each runs once, with the same results and errors as the async path', async () => {
  // a method that changes its list, inside an expression whose other part needs the async path
  assert.equal(await show(`def l = [1, 2, 3]; def f() { 10 }; def r = l.remove(0) + f(); [r, l]`), '[11, [2, 3]]');
  assert.equal(await show(`def l = [1, 2, 3]; def f() { 10 }; def r = f() + l.remove(0); [r, l]`), '[11, [2, 3]]');
  assert.equal(await show(`def l = []; def f() { 'x' }; l << f(); l << 'y'.toUpperCase(); l.add(l.size()); l`), '[x, Y, 2]');
  assert.equal(await show(`def m = [a: 1]; m.put('b', m.size() + 1); m.containsKey('b') && !m.isEmpty() ? m : null`), '[a:1, b:2]');
  assert.equal(await show(`def s = 'a-b'; [s.toUpperCase(), s.split('-') as List, s.length() * 2, s.replaceAll(/-/, '+')]`), '[A-B, [a, b], 6, a+b]');
  // comparisons of numbers: a Double and an Integer by Double.compare, where NaN is above everything (Groovy 2.4.21)
  assert.equal(await show(`def n = Math.sqrt(-1); [n <= 1, n >= 1, n < 1, n > 1, n <=> 1, 2 <=> 1, 1 <=> 2, 3 <= 3]`), '[false, true, false, true, 1, 1, -1, true]');
  // index assignments: the value first for =, the target first for op=
  assert.equal(await show(`def m = [:]; def l = [1, 2]; m['a'] = (m['a'] ?: 0) + 1; m['a'] += 5; l[0] *= 10; l[3] = 'x'; l[-1] += 'y'; [m, l]`), '[[a:6], [10, 2, null, xy]]');
  assert.equal(await show(`class P { int n; def plus(x) { new P(n: n + x) }; String toString() { "P" + n } }; def m = [p: new P(n: 1)]; m['p'] += 2; def q = new P(n: 5); q += 1; [m.p.n, q.n]`), '[3, 6]');
  await rejects(`def l = []\nl.get(3)`, /Index 3 out of bounds|IndexOutOfBounds|index/i, 2);
  await rejects(`def s = 'abc'\ndef x = 1 + s.substring(5)`, /String index out of range|begin 5/, 2);
});
