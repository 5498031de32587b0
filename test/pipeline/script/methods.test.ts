// Methods on strings, lists, maps and numbers, the static helpers, and sprintf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, run } from './fake-host.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';

async function show(src: string): Promise<string> {
  return toGroovyString(await ev(src));
}

async function rejects(src: string, message: RegExp): Promise<void> {
  await assert.rejects(run(src), (err: unknown) => {
    assert.ok(err instanceof ScriptError, `expected a ScriptError, got ${String(err)}`);
    assert.match(err.message, message);
    return true;
  });
}

test('string basics: trim, case, contains, starts/ends, size, substring', async () => {
  assert.equal(await ev("'  x y \\n'.trim()"), 'x y');
  assert.equal(await ev("'abc'.toUpperCase()"), 'ABC');
  assert.equal(await ev("'ABC'.toLowerCase()"), 'abc');
  assert.equal(await ev("'feature/x'.startsWith('feature/')"), true);
  assert.equal(await ev("'app.jar'.endsWith('.jar')"), true);
  assert.equal(await ev("'hello'.contains('ell')"), true);
  assert.equal(await ev("'hello'.size() + 'hi'.length()"), 7);
  assert.equal(await ev("'hello'.substring(1)"), 'ello');
  assert.equal(await ev("'hello'.substring(1, 3)"), 'el');
  assert.equal(await ev("'hello'.indexOf('l')"), 2);
  assert.equal(await ev("'hello'.lastIndexOf('l')"), 3);
  assert.equal(await ev("'hello'.indexOf('z')"), -1);
  assert.equal(await ev("''.isEmpty()"), true);
  assert.equal(await ev("'  '.isBlank()"), true);
  assert.equal(await ev("'abc'.equals('abc')"), true);
  assert.equal(await ev("'ABC'.equalsIgnoreCase('abc')"), true);
  assert.equal(await ev("'hello'.charAt(1)"), 'e');
  assert.equal(await ev("'hello'.capitalize()"), 'Hello');
  assert.equal(await ev("'Hello'.uncapitalize()"), 'hello');
  assert.equal(await ev("'abc'.reverse()"), 'cba');
  assert.equal(await ev("'hello'.take(2) + 'hello'.drop(3)"), 'helo');
  assert.equal(await ev("'banana'.count('an')"), 2);
  assert.equal(await ev("'aaa'.count('aa')"), 2);
  assert.equal(await ev("'x'.concat('y')"), 'xy');
  assert.equal(await ev("'ab'.multiply(2)"), 'abab');
  assert.equal(await ev("'ab'.plus(1)"), 'ab1');
  assert.equal(await ev("'abc'.getAt(1)"), 'b');
  assert.equal(await ev("'abcabc'.minus('b')"), 'acabc');
  assert.equal(await ev("'ab'.repeat(2)"), 'abab');
  await rejects("'hello'.substring(9)", /begin 9, end 5, length 5/);
});

test('split follows Java: regex, trailing empties dropped; split() and tokenize on whitespace', async () => {
  assert.deepEqual(await ev("'a,b,,c,,'.split(',')"), ['a', 'b', '', 'c']);
  assert.deepEqual(await ev("',a'.split(',')"), ['', 'a']);
  assert.deepEqual(await ev("'a.b.c'.split('\\\\.')"), ['a', 'b', 'c']);
  assert.deepEqual(await ev("'a1b22c'.split(/\\d+/)"), ['a', 'b', 'c']);
  assert.deepEqual(await ev("'abc'.split('')"), ['a', 'b', 'c']);
  assert.deepEqual(await ev("''.split(',')"), ['']);
  assert.deepEqual(await ev("'a,b,c'.split(',', 2)"), ['a', 'b,c']);
  assert.deepEqual(await ev("'  a  b\\tc '.split()"), ['a', 'b', 'c']);
  assert.deepEqual(await ev("'a b  c'.tokenize()"), ['a', 'b', 'c']);
  assert.deepEqual(await ev("'a,b;;c'.tokenize(',;')"), ['a', 'b', 'c']);
  assert.deepEqual(await ev("'line1\\nline2\\r\\nline3\\n'.readLines()"), ['line1', 'line2', 'line3']);
  assert.deepEqual(await ev("'a\\nb'.split('\\n')"), ['a', 'b']);
});

test('replace is literal; replaceAll/replaceFirst use Java regexes with $1 and closures', async () => {
  assert.equal(await ev("'a.b.c'.replace('.', '/')"), 'a/b/c');
  assert.equal(await ev("'a$b'.replace('$', 'S')"), 'aSb');
  assert.equal(await ev("'a1b22'.replaceAll(/\\d+/, '#')"), 'a#b#');
  assert.equal(await ev("'a1b22'.replaceFirst(/\\d+/, '#')"), 'a#b22');
  assert.equal(await ev("'John Smith'.replaceAll(/(\\w+) (\\w+)/, '$2, $1')"), 'Smith, John');
  assert.equal(await ev("'cost'.replaceAll('o', '\\\\$')"), 'c$st');
  assert.equal(await ev("'v1.2'.replaceAll(/(?<major>\\d)\\.(\\d)/, '${major}-$2')"), 'v1-2');
  assert.equal(await ev("'a1b2'.replaceAll(/\\d/) { (it as int) * 2 + '' }"), 'a2b4');
  assert.equal(await ev("'k=v'.replaceAll(/(\\w)=(\\w)/) { all, k, v -> v + '=' + k }"), 'v=k');
  assert.equal(await ev("'feature/JIRA-12_x'.replaceAll('[^a-zA-Z0-9-]', '-').toLowerCase()"), 'feature-jira-12-x');
  await rejects("'a'.replaceAll('a', '$1')", /No group 1/);
  await rejects("'a'.replaceAll('a', 'x$')", /Illegal group reference/);
});

test('matches, find, findAll, eachMatch on strings', async () => {
  assert.equal(await ev("'1.2.3'.matches(/\\d+(\\.\\d+)*/)"), true);
  assert.equal(await ev("'1.2.x'.matches(/\\d+(\\.\\d+)*/)"), false);
  assert.equal(await ev("'ZIP 10292-0098'.find(/\\d{5}/)"), '10292');
  assert.equal(await ev("'abc'.find(/\\d/)"), null);
  assert.equal(await ev("'v1.2'.find(/v(\\d)\\.(\\d)/) { all, a, b -> a + b }"), '12');
  assert.deepEqual(await ev("'a1b22c333'.findAll(/\\d+/)"), ['1', '22', '333']);
  assert.deepEqual(await ev("'a1b2'.findAll(/[a-z](\\d)/) { all, d -> d as int }"), [1, 2]);
  assert.deepEqual(await ev("def out = []\n'x=1 y=2'.eachMatch(/(\\w)=(\\d)/) { all, k, v -> out << k + v }\nout"), ['x1', 'y2']);
});

test('number conversions on strings', async () => {
  assert.equal(await ev("'42'.toInteger() + 1"), 43);
  assert.equal(await ev("' 42 '.toInteger()"), 42);
  assert.equal(await show("'42'.toLong()"), '42');
  assert.equal(await show("'42'.toLong().class.name + ' ' + '9223372036854775807'.toLong() + ' ' + '12345678901234567890'.toBigInteger()"), 'java.lang.Long 9223372036854775807 12345678901234567890');
  await assert.rejects(ev("'3000000000'.toInteger()"), /For input string: "3000000000"/);
  assert.equal(await show("'2.5'.toDouble() * 2"), '5.0'); // a Double, as Groovy prints it
  assert.equal(String(await ev("'2.5'.toBigDecimal()")), '2.5'); // a BigDecimal (numbers.test.ts)
  assert.equal(await show("'2.5'.toFloat()"), '2.5');
  assert.equal(await show("'2.5'.toFloat().class.name"), 'java.lang.Float');
  assert.equal(await ev("'true'.toBoolean()"), true);
  assert.equal(await ev("'Y'.toBoolean()"), true);
  assert.equal(await ev("'no'.toBoolean()"), false);
  assert.equal(await ev("'12'.isInteger()"), true);
  assert.equal(await ev("'1.5'.isInteger()"), false);
  assert.equal(await ev("'1.5'.isNumber()"), true);
  assert.equal(await ev("'abc'.isNumber()"), false);
  await rejects("'abc'.toInteger()", /For input string: "abc"/);
});

test('padding, centering, indentation and margins', async () => {
  assert.equal(await ev("'7'.padLeft(3, '0')"), '007');
  assert.equal(await ev("'ab'.padRight(5) + '|'"), 'ab   |');
  assert.equal(await ev("'ab'.padRight(5, '-=')"), 'ab-=-');
  assert.equal(await ev("'ab'.center(6, '*')"), '**ab**');
  assert.equal(await ev("'    a\\n      b\\n    c'.stripIndent()"), 'a\n  b\nc');
  assert.equal(await ev("'''\\\n    |first\n    |second'''.stripMargin()"), 'first\nsecond');
  assert.equal(await ev("'x: a\\n  # y'.stripMargin('#')"), 'x: a\n y');
});

test('strings iterate over characters', async () => {
  assert.deepEqual(await ev("'abc'.toList()"), ['a', 'b', 'c']);
  assert.deepEqual(await ev("'abc'.collect { it.toUpperCase() }"), ['A', 'B', 'C']);
  assert.equal(await ev("def s = ''\n'abc'.each { s = it + s }\ns"), 'cba');
  assert.equal(await ev("'abc'.each { }"), 'abc');
  assert.equal(await ev("'a1b'.any { it.isNumber() }"), true);
  assert.deepEqual(await ev("'abc'.findAll { it != 'b' }"), ['a', 'c']);
  assert.equal(await ev("def n = 0\nfor (c in 'hey') { n++ }\nn"), 3);
  assert.equal(await ev("'hello'.bytes.encodeBase64()"), 'aGVsbG8=');
  assert.equal(await ev("new String('aGVsbG8='.decodeBase64())"), 'hello');
});

test('list iteration: each, eachWithIndex, collect, find, findAll, any, every', async () => {
  assert.deepEqual(await ev('def out = []\n[1, 2].each { out << it * 10 }\nout'), [10, 20]);
  assert.deepEqual(await ev('def out = []\n["a", "b"].eachWithIndex { x, i -> out << "${i}:${x}" }\nout'), ['0:a', '1:b']);
  assert.deepEqual(await ev('[1, 2, 3].collect { it * 2 }'), [2, 4, 6]);
  assert.deepEqual(await ev('[[1, 2], [3, 4]].collect { a, b -> a + b }'), [3, 7]);
  assert.equal(await ev('[1, 2, 3].find { it > 1 }'), 2);
  assert.equal(await ev('[1, 2, 3].find { it > 5 }'), null);
  assert.deepEqual(await ev('[1, 2, 3, 4].findAll { it % 2 == 0 }'), [2, 4]);
  assert.deepEqual(await ev('[0, 1, null, "", "a"].findAll()'), [1, 'a']);
  assert.equal(await ev('[1, 2, 3].findIndexOf { it == 2 }'), 1);
  assert.equal(await ev('[1, 2, 3].any { it > 2 }'), true);
  assert.equal(await ev('[1, 2, 3].every { it > 0 }'), true);
  assert.equal(await ev('[].every { false }'), true);
  assert.equal(await ev('[1, 2, 3].count { it > 1 }'), 2);
  assert.equal(await ev('[1, 2, 1].count(1)'), 2);
  assert.deepEqual(await ev('[1, [2, [3, 4]]].flatten()'), [1, 2, 3, 4]);
  assert.deepEqual(await ev('[1, 2].collectMany { [it, it] }'), [1, 1, 2, 2]);
  assert.equal(await ev('[1, 2, 3].findResult { it > 1 ? it * 10 : null }'), 20);
  assert.deepEqual(await ev("[3, 1, 2].withIndex().collect { v, i -> v * i }"), [0, 1, 4]);
});

test('list building and searching', async () => {
  assert.equal(await ev("['a', 'b', 'c'].join(', ')"), 'a, b, c');
  assert.equal(await ev('[1, [2], null].join("-")'), '1-[2]-null');
  assert.equal(await ev("['a', 'b'].join()"), 'ab');
  assert.equal(await ev('[1, 2, 3].contains(2)'), true);
  assert.equal(await ev('[[1], [2]].contains([2])'), true);
  assert.equal(await ev('[1, 2, 3].indexOf(3)'), 2);
  assert.deepEqual(await ev('def l = [1]\nl.add(2)\nl.addAll([3, 4])\nl'), [1, 2, 3, 4]);
  assert.deepEqual(await ev('def l = [1, 3]\nl.add(1, 2)\nl'), [1, 2, 3]);
  assert.deepEqual(await ev("def l = ['a', 'b', 'c']\nl.remove(0)\nl"), ['b', 'c']);
  assert.deepEqual(await ev("def l = ['a', 'b', 'c']\nl.remove('b')\nl"), ['a', 'c']);
  assert.deepEqual(await ev('def l = [1, 2, 3, 4]\nl.removeAll { it % 2 == 0 }\nl'), [1, 3]);
  assert.deepEqual(await ev('def l = [1, 2, 3, 4]\nl.removeAll([1, 4])\nl'), [2, 3]);
  assert.deepEqual(await ev('def l = [1, 2, 3, 4]\nl.retainAll { it > 2 }\nl'), [3, 4]);
  assert.deepEqual(await ev('[1, 2] + [3]'), [1, 2, 3]);
  assert.deepEqual(await ev('[1, 2, 3].minus([2])'), [1, 3]);
  assert.deepEqual(await ev('[1, 2].plus(3)'), [1, 2, 3]);
  assert.deepEqual(await ev('def l = [1]\nl.leftShift(2)\nl'), [1, 2]);
  assert.deepEqual(await ev('def l = [1, 2]\nl.clear()\nl'), []);
  assert.equal(await ev('[1, 2, 3].get(1)'), 2);
  // Java 17's messages (Jenkins runs on 17+): get/set/remove check with Objects.checkIndex, add(i, x) keeps the old words
  await rejects('[1, 2, 3].get(5)', /^Index 5 out of bounds for length 3$/);
  await rejects('[1, 2, 3].set(-1, 0)', /^Index -1 out of bounds for length 3$/);
  await rejects('[1, 2, 3].remove(3)', /^Index 3 out of bounds for length 3$/);
  await rejects('[1, 2, 3].add(5, 0)', /^Index: 5, Size: 3$/);
  assert.deepEqual(await ev('[1, 2, 3, 4].subList(1, 3)'), [2, 3]);
  assert.deepEqual(await ev('[1, 2, 3].take(2)'), [1, 2]);
  assert.deepEqual(await ev('[1, 2, 3].drop(2)'), [3]);
  assert.deepEqual(await ev('[1, 2, 3, 1].takeWhile { it < 3 }'), [1, 2]);
  assert.deepEqual(await ev('[1, 2].intersect([2, 3])'), [2]);
  assert.equal(await ev('[1, 2].disjoint([3])'), true);
  assert.deepEqual(await ev('[1, 2, 3, 4, 5].collate(2)'), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(await ev('[1, 2, 3, 4].split { it > 2 }'), [[3, 4], [1, 2]]);
  assert.deepEqual(await ev("['a1', 'b', 'c2'].grep(~/.*\\d/)"), ['a1', 'c2']);
  assert.deepEqual(await ev('[1, 5, 10].grep(2..6)'), [5]);
  assert.deepEqual(await ev('[1, 1, 2].toSet()'), [1, 2]);
});

test('first, last, head, tail, init, push and pop (Groovy 2.4: at the end)', async () => {
  assert.equal(await ev('[1, 2, 3].first()'), 1);
  assert.equal(await ev('[1, 2, 3].last()'), 3);
  assert.equal(await ev('[1, 2, 3].head()'), 1);
  assert.deepEqual(await ev('[1, 2, 3].tail()'), [2, 3]);
  assert.deepEqual(await ev('[1, 2, 3].init()'), [1, 2]);
  assert.deepEqual(await ev('def s = [1]\ns.push(2)\ns'), [1, 2]);
  assert.equal(await ev('def s = [1, 2]\ns.pop()'), 2);
  await rejects('[].first()', /Cannot access first\(\) element from an empty List/);
  await rejects('[].pop()', /empty List/);
});

test('sort (in place), unique (in place), reverse, min, max, sum, inject, groupBy, countBy', async () => {
  assert.deepEqual(await ev('def l = [3, 1, 2]\nl.sort()\nl'), [1, 2, 3]);
  assert.deepEqual(await ev('def l = [3, 1, 2]\ndef s = l.sort(false)\n[l, s]'), [[3, 1, 2], [1, 2, 3]]);
  assert.deepEqual(await ev('[3, 1, 2].sort { a, b -> b <=> a }'), [3, 2, 1]);
  assert.deepEqual(await ev('[3, 1, 2].sort { a, b -> a > b }'), [1, 2, 3]);
  assert.deepEqual(await ev("['bb', 'a', 'ccc'].sort { it.size() }"), ['a', 'bb', 'ccc']);
  assert.deepEqual(await ev("[[n: 'b', v: 2], [n: 'a', v: 1]].sort { it.n }*.v"), [1, 2]);
  assert.deepEqual(await ev("['b', null, 'a'].sort()"), [null, 'a', 'b']);
  assert.deepEqual(await ev('[3, 1, 2].toSorted()'), [1, 2, 3]);
  assert.deepEqual(await ev('def l = [1, 2, 1, 3, 2]\nl.unique()\nl'), [1, 2, 3]);
  assert.deepEqual(await ev("['a', 'B', 'b'].unique { it.toLowerCase() }"), ['a', 'B']);
  assert.deepEqual(await ev('def l = [1, 2]\n[l.reverse(), l]'), [[2, 1], [1, 2]]);
  assert.equal(await ev('[3, 9, 2].max()'), 9);
  assert.equal(await ev('[3, 9, 2].min()'), 2);
  assert.equal(await ev("['aaa', 'b'].max { it.size() }"), 'aaa');
  assert.equal(await ev('[1, 2, 3].sum()'), 6);
  assert.equal(await ev("['a', 'b'].sum()"), 'ab');
  assert.equal(await ev('[].sum()'), null);
  assert.equal(await ev('[1, 2].sum(10)'), 13);
  assert.equal(await ev("['a', 'bb'].sum { it.size() }"), 3);
  assert.equal(await ev('[1, 2, 3].inject(0) { acc, x -> acc + x }'), 6);
  assert.equal(await ev('[1, 2, 3].inject { acc, x -> acc * x }'), 6);
  assert.equal(await show("['apple', 'avocado', 'banana'].groupBy { it[0] }"), '[a:[apple, avocado], b:[banana]]');
  assert.equal(await show("['a', 'b', 'a'].countBy { it }"), '[a:2, b:1]');
  assert.equal(await show("['x', 'y'].collectEntries { [(it): it.toUpperCase()] }"), '[x:X, y:Y]');
  assert.equal(await show("['x', 'y'].collectEntries { [it, 1] }"), '[x:1, y:1]');
});

test('map access and mutation', async () => {
  assert.equal(await ev("def m = [a: 1]\nm.a + m['a'] + m.get('a')"), 3);
  assert.equal(await ev("def m = [a: 1]\nm.get('b', 5)\nm.b"), 5);
  assert.equal(await ev("[a: 1].getOrDefault('z', 9)"), 9);
  assert.equal(await ev("def m = [a: 1]\nm.put('a', 2)"), 1);
  assert.equal(await show("def m = [a: 1]\nm.putAll([b: 2, c: 3])\nm"), '[a:1, b:2, c:3]');
  assert.equal(await ev("def m = [a: 1, b: 2]\nm.remove('a')"), 1);
  assert.deepEqual(await ev('[a: 1, b: 2].keySet()'), ['a', 'b']);
  assert.deepEqual(await ev('[a: 1, b: 2].values()'), [1, 2]);
  assert.deepEqual(await ev('[a: 1, b: 2].entrySet().collect { it.key + "=" + it.value }'), ['a=1', 'b=2']);
  assert.equal(await ev("[a: 1].containsKey('a')"), true);
  assert.equal(await ev('[a: 1].containsValue(1)'), true);
  assert.equal(await ev('[a: 1, b: 2].size()'), 2);
  assert.equal(await ev('[:].isEmpty()'), true);
  assert.equal(await show("[a: 1, b: 2, c: 3].subMap(['a', 'c'])"), '[a:1, c:3]');
  assert.equal(await show('[b: 1, a: 2].sort()'), '[a:2, b:1]');
  assert.equal(await show('[b: 1, a: 2].sort { it.value }'), '[b:1, a:2]');
  assert.equal(await show('[a: 1] + [b: 2]'), '[a:1, b:2]');
});

test('map iteration: each with (k, v) or (entry), collect, find, findAll, any, every, inject', async () => {
  assert.deepEqual(await ev('def out = []\n[a: 1, b: 2].each { k, v -> out << "${k}=${v}" }\nout'), ['a=1', 'b=2']);
  assert.deepEqual(await ev('def out = []\n[a: 1, b: 2].each { e -> out << "${e.key}:${e.value}" }\nout'), ['a:1', 'b:2']);
  assert.deepEqual(await ev('def out = []\n[a: 1, b: 2].each { out << it.key }\nout'), ['a', 'b']);
  assert.deepEqual(await ev('def out = []\n[a: 1].eachWithIndex { k, v, i -> out << "${k}${v}${i}" }\nout'), ['a10']);
  assert.deepEqual(await ev('def out = []\n[a: 1].eachWithIndex { e, i -> out << "${e.key}${i}" }\nout'), ['a0']);
  assert.deepEqual(await ev('[a: 1, b: 2].collect { k, v -> k * v }'), ['a', 'bb']);
  assert.equal(await show('[a: 1, b: 2].find { k, v -> v > 1 }'), 'b=2');
  assert.equal(await ev('[a: 1, b: 2].find { it.value > 1 }.key'), 'b');
  assert.equal(await show('[a: 1, b: 2, c: 3].findAll { k, v -> v != 2 }'), '[a:1, c:3]');
  assert.equal(await ev('[a: 1, b: 2].any { k, v -> v > 1 }'), true);
  assert.equal(await ev('[a: 1, b: 2].every { k, v -> v > 1 }'), false);
  assert.equal(await ev('[a: 1, b: 2].inject(0) { acc, k, v -> acc + v }'), 3);
  assert.equal(await ev('[a: 1, b: 2].count { k, v -> v > 0 }'), 2);
  assert.equal(await show('[a: 1, b: 2].collectEntries { k, v -> [(k.toUpperCase()): v * 2] }'), '[A:2, B:4]');
  assert.equal(await show('[a: 1, b: 2, c: 3].groupBy { k, v -> v % 2 == 0 ? "even" : "odd" }'), '[odd:[a:1, c:3], even:[b:2]]');
  assert.equal(await ev('def n = 0\nfor (e in [a: 1, b: 2]) { n += e.value }\nn'), 3);
  assert.equal(await ev("def m = [f: { x -> x * 2 }]\nm.f(21)"), 42);
});

test('number methods and the static helpers', async () => {
  assert.equal(await ev('(-5).abs()'), 5);
  assert.equal(await ev('3.7.round()'), 4);
  assert.equal(String(await ev('3.14159.round(2)')), '3.14');
  assert.equal(await ev('5.toString()'), '5');
  assert.equal(await ev('255.toString(16)'), 'ff');
  assert.equal(await ev('3.9.toInteger()'), 3);
  assert.equal(await ev('def n = 0\n3.times { n += it }\nn'), 3);
  assert.equal(await ev('def l = []\n1.upto(3) { l << it }\nl.join()'), '123');
  assert.equal(await ev("Integer.parseInt('42') + Integer.valueOf('1')"), 43);
  assert.equal(await ev("Integer.parseInt('ff', 16)"), 255);
  assert.equal(await show("Long.parseLong('10')"), '10');
  assert.equal(await show("Long.parseLong('10').class.name"), 'java.lang.Long');
  await assert.rejects(ev("Integer.parseInt('2147483648')"), /For input string: "2147483648"/);
  assert.equal(await ev("Double.parseDouble('1.5')"), 1.5);
  assert.equal(await ev("Boolean.parseBoolean('TRUE')"), true);
  assert.equal(await ev('Math.max(1, 7) + Math.min(1, 7) + Math.abs(-2)'), 10);
  assert.equal(await show('Math.round(2.5) + Math.ceil(1.2) + Math.floor(1.8)'), '6.0'); // ceil and floor are doubles
  assert.equal(await show('Math.pow(2, 8)'), '256.0');
  assert.equal(await ev('String.valueOf(12)'), '12');
  assert.equal(await ev("String.format('%s-%03d', 'b', 7)"), 'b-007');
  assert.equal(await ev('Integer.MAX_VALUE'), 2147483647);
  assert.equal(await ev('java.lang.Math.max(2, 3)'), 3);
  assert.equal(typeof (await ev('System.currentTimeMillis()')), 'number');
  assert.equal(await ev("groovy.json.JsonOutput.toJson([a: 1, b: ['x', null]])"), '{"a":1,"b":["x",null]}');
  assert.equal(await ev("URLEncoder.encode('a b&c', 'UTF-8')"), 'a+b%26c');
  await rejects("Integer.parseInt('x1')", /For input string: "x1"/);
  await rejects('Math.foo(1)', /^Scripts not permitted to use staticMethod java\.lang\.Math foo java\.lang\.Integer$/);
});

test('sprintf and printf: %s %d %f %5.2f %-10s %x %%', async () => {
  assert.equal(await ev("sprintf('%s is %d years', 'Al', 30)"), 'Al is 30 years');
  assert.equal(await ev("sprintf('%5.2f|', 3.14159)"), ' 3.14|');
  // Java's %f takes no Integer (IllegalFormatConversionException), a Double it does
  await assert.rejects(ev("sprintf('%.1f', 2)"), /^ScriptError: f != java.lang.Integer$/);
  assert.equal(await ev("sprintf('%.1f', 2d)"), '2.0');
  assert.equal(await ev("sprintf('%f', 1.5)"), '1.500000');
  assert.equal(await ev("sprintf('%-6s|', 'ab')"), 'ab    |');
  assert.equal(await ev("sprintf('%6s|', 'ab')"), '    ab|');
  assert.equal(await ev("sprintf('%x %X %o', 255, 255, 8)"), 'ff FF 10');
  assert.equal(await ev("sprintf('100%%')"), '100%');
  assert.equal(await ev("sprintf('%05d', 42)"), '00042');
  assert.equal(await ev("sprintf('%,d', 1234567)"), '1,234,567');
  assert.equal(await ev("sprintf('%s and %s', [1, 2])"), '1 and 2');
  assert.equal(await ev("sprintf('%s / %s', [1, 2], 'x')"), '[1, 2] / x');
  assert.equal(await ev("sprintf('%2$s %1$s', 'a', 'b')"), 'b a');
  assert.equal(await ev("sprintf('%b %c', null, 'x' as char)"), 'false x');
  // Java's %c takes a Character or a code point, never a String (groovy 2.4.21: IllegalFormatConversionException)
  await rejects("sprintf('%b %c', null, 'xyz')", /^c != java\.lang\.String$/);
  const { log } = await run("printf('%s=%d', 'n', 5)");
  assert.deepEqual(log, ['n=5']);
  await rejects("sprintf('%d', 'x')", /d != java\.lang\.String/);
  await rejects("sprintf('%s %s', 'x')", /^Format specifier '%s'$/);
});

test('closures: call, curry, maximumNumberOfParameters', async () => {
  assert.equal(await ev('def c = { a, b -> a * b }\nc(3, 4) + c.call(1, 2)'), 14);
  assert.equal(await ev('def add = { a, b -> a + b }\ndef inc = add.curry(1)\ninc(41)'), 42);
  assert.equal(await ev('{ a, b, c -> }.maximumNumberOfParameters'), 3);
  assert.equal(await ev('def c = { it * 2 }\nc(4)'), 8);
  assert.equal(await ev('def c = { it }\nc()'), null);
  assert.equal(await ev('def c = { -> 7 }\nc()'), 7);
  assert.equal(await ev('def c = { a, b = 10 -> a + b }\nc(1)'), 11);
  await rejects('def c = { a -> a }\nc(1, 2)', /takes 1 parameter, it was called with 2/);
});

test('String.split gives a String[] whose size is .length (a List has no .length); varargs functions take loose arguments', async () => {
  assert.equal(await ev(`def parts = 'a/b/c'.split('/'); parts[parts.length - 1] + parts.length`), 'c3');
  assert.equal(await ev(`'a  b'.split().length`), 2);
  assert.equal(await ev(`def g(String... xs) { xs.length }; g('a', 'b')`), 2);
  assert.equal(toGroovyString(await ev(`def g(a, String... xs) { [a, xs.size()] }; [g(1), g(1, 'p', 'q'), g(1, ['x'])]`)), '[[1, 0], [1, 2], [1, 1]]');
  await assert.rejects(ev(`['a', 'b'].length`), /No such property: length for class: java.lang.String$/);
  await assert.rejects(ev(`'a,b'.split(',').collect { it }.length`), /No such property: length for class: java.lang.String$/);
  await assert.rejects(ev(`def n = 5\nn.foo`), /No such property: foo for class: java.lang.Integer$/);
  await assert.rejects(ev(`def m = 'x'\nm.foo = 1`), /No such property: foo for class: java.lang.String$/);
  await assert.rejects(ev(`def g(xs) { xs }; g(1, 2)`), /No signature of method: WorkflowScript.g\(\)/);
});
