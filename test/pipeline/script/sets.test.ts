// Sets (sets.ts), Map.getOrDefault/putIfAbsent and the refused computeIfAbsent and friends, closure varargs, and String.format called on a
// String. Each expected text is what Groovy 2.4 prints for the same expression; asType(Class) is
// what Jenkins' sandbox says of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev } from './fake-host.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';
import { javaHash } from '../../../src/pipeline/script/sets.ts';

async function show(src: string): Promise<string> {
  return toGroovyString(await ev(src));
}

test('as Set is a LinkedHashSet that refuses duplicates', async () => {
  assert.equal(await show('def s = [1, 2, 2, 3] as Set\ns << 3\ns.add(4)\ns'), '[1, 2, 3, 4]');
  assert.equal(await show('def s = [1, 2] as Set\n[s.add(1), s.add(5), s.size(), s.getClass().name]'), '[false, true, 3, java.util.LinkedHashSet]');
  assert.equal(await show('def s = [] as Set\ns.addAll([1, 1, 2])\ns'), '[1, 2]');
  assert.equal(await show('def s = [1] as Set\n[s instanceof Set, s instanceof List, s instanceof Collection]'), '[true, false, true]');
  assert.equal(await show("(['a'] as Set) + 'b'"), '[a, b]');
  assert.equal(await show('([1, 2, 3] as Set) - 2'), '[1, 3]');
  assert.equal(await show("['x', 'y'] as Set == ['y', 'x'] as Set"), 'true');
  assert.equal(await show("['x'] as Set == ['x']"), 'false');
});

test("HashSet iterates in Java's hash order, growing as HashMap does; TreeSet in natural order", async () => {
  assert.equal(await show('[3, 1, 1] as HashSet'), '[1, 3]');
  assert.equal(await show("def h = new HashSet()\n(1..20).each { h << \"item-${it}\".toString() }\nh"),
    '[item-9, item-18, item-8, item-17, item-7, item-6, item-19, item-5, item-4, item-3, item-2, item-1, item-10, item-20, item-12, item-11, item-14, item-13, item-16, item-15]');
  assert.equal(await show('[1, 2, 2].toSet().getClass().name'), 'java.util.HashSet');
  assert.equal(await show("def t = [5, 1, 3] as TreeSet\nt << 2\nt << 3\nt"), '[1, 2, 3, 5]');
  assert.equal(javaHash('item-1'), -1178662921); // Java's "item-1".hashCode()
  assert.equal(javaHash(true), 1231);
});

test('asType(Class) is refused as by the sandbox; the as operator works', async () => {
  await assert.rejects(ev('[1, 1].asType(Set)'), /^ScriptError: Scripts not permitted to use staticMethod org\.codehaus\.groovy\.runtime\.DefaultGroovyMethods asType java\.util\.Collection java\.lang\.Class$/);
  assert.equal(await show("'zz' as char"), 'z');
});

test('getOrDefault and putIfAbsent (whitelisted) work; computeIfAbsent and the other Java 8 function-taking methods are refused as by Jenkins\' sandbox', async () => {
  assert.equal(await show("def m = [a: 1]\n[m.getOrDefault('a', 5), m.getOrDefault('b', 5), m.putIfAbsent('a', 2), m.putIfAbsent('c', 3), m]"), '[1, 5, 1, null, [a:1, c:3]]');
  const refused: [string, string][] = [
    ["[:].computeIfAbsent('a') { [] }", 'method java.util.Map computeIfAbsent java.lang.Object java.util.function.Function'],
    ["[a: 1].computeIfPresent('a') { k, v -> null }", 'method java.util.Map computeIfPresent java.lang.Object java.util.function.BiFunction'],
    ["[:].compute('c') { k, v -> 1 }", 'method java.util.Map compute java.lang.Object java.util.function.BiFunction'],
    ["[:].merge('n', 1) { x, y -> x + y }", 'method java.util.Map merge java.lang.Object java.lang.Object java.util.function.BiFunction'],
    ['[a: 1].forEach { k, v -> }', 'method java.util.Map forEach java.util.function.BiConsumer'],
    ['[1, 2].removeIf { it > 1 }', 'method java.util.Collection removeIf java.util.function.Predicate'],
    ['[1, 2].forEach { }', 'method java.lang.Iterable forEach java.util.function.Consumer'],
  ];
  for (const [src, sig] of refused) {
    await assert.rejects(ev(src), (e: Error) => e.message === `Scripts not permitted to use ${sig}`, src);
  }
});

test('closure varargs and String.format on a String', async () => {
  assert.equal(await show("def c = { String... a -> a.length }\n[c('x', 'y', 'z'), c()]"), '[3, 0]');
  assert.equal(await show("def c = { a, String... rest -> \"${a}|${rest.join('+')}\" }\n[c(1), c(1, 'x', 'y')]"), '[1|, 1|x+y]');
  assert.equal(await show("'%s-%d'.format('a', 3)"), 'a');
  assert.equal(await show('[7 >> 1, 1 << 3, -8 >>> 28, 1L << 40]'), '[3, 8, 15, 1099511627776]');
});
