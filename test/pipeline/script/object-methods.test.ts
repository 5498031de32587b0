// What every object answers (toString, hashCode) and the operators a value lacks, as Groovy 2.4
// on Java 17 does; each expected value was printed by Groovy 2.4.21 on the same snippet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, rejects } from './fake-host.ts';

test('a range prints as a list on its own and as its toString() inside a list, a map or String.valueOf', async () => {
  assert.equal(await ev('"${1..3}"'), '[1, 2, 3]');
  assert.equal(await ev("'' + (1..3)"), '[1, 2, 3]');
  assert.equal(await ev('(1..3).toString()'), '1..3');
  assert.equal(await ev('(3..1).toString()'), '3..1');
  assert.equal(await ev('(1..<3).toString()'), '1..<3');
  assert.equal(await ev('(5..<2).toString()'), '5..<2');
  assert.equal(await ev("('a'..'c').toString()"), 'a..c');
  assert.equal(await ev('"${[1..2]}"'), '[1..2]');
  assert.equal(await ev('"${[r: 1..2]}"'), '[r:1..2]');
  assert.equal(await ev("\"${[1..2, 'a'..<'c']}\""), '[1..2, a..b]');
  assert.equal(await ev('String.valueOf(1..3)'), '1..3');
  assert.equal(await ev("String.format('%s', 1..3)"), '1..3');
});

test('a Boolean has no plus: true + " x" is a MissingMethodException; a number or null plus a String concatenates', async () => {
  await rejects("true + ' x'", /^No signature of method: java.lang.Boolean.plus\(\) is applicable for argument types: \(java.lang.String\) values: \[ x\]$/);
  assert.equal(await ev("1 + 'x'"), '1x');
  assert.equal(await ev("null + 'x'"), 'nullx');
});

test('hashCode() is the JVM\'s value-based hash for strings, numbers, booleans, lists, maps and sets', async () => {
  assert.equal(await ev("'foo'.hashCode()"), 101574);
  assert.equal(await ev("'é€'.hashCode()"), 15587);
  assert.equal(await ev('[1, 2].hashCode()'), 994);
  assert.equal(await ev("[a: 1, b: 'x'].hashCode()"), 122);
  assert.equal(await ev('5.hashCode()'), 5);
  assert.equal(await ev('5000000000L.hashCode()'), 705032705);
  assert.equal(await ev('true.hashCode()'), 1231);
  assert.equal(await ev('1.5d.hashCode()'), 1073217536);
  assert.equal(await ev('1.50.hashCode()'), 4652);
  assert.equal(await ev('(2G**70).hashCode()'), 61504);
  assert.equal(await ev('(-(2G**70)).hashCode()'), -61504);
  assert.equal(await ev('([1, 2] as Set).hashCode()'), 3);
  assert.equal(await ev("Objects.hash('a', 1)"), 3969);
});

test("String's whitelisted code point, region and char-code methods, as Java's", async () => {
  assert.equal(await ev("'abc'.codePointAt(1)"), 98);
  assert.equal(await ev("'abc'.codePointBefore(1)"), 97);
  assert.equal(await ev("'abc'.offsetByCodePoints(0, 2)"), 2);
  assert.equal(await ev("'abc'.regionMatches(1, 'xbc', 1, 2)"), true);
  assert.equal(await ev("'abc'.regionMatches(true, 1, 'XBC', 1, 2)"), true);
  assert.equal(await ev("'abc'.regionMatches(1, 'xbc', 2, 2)"), false);
  // indexOf(int): a character code, not its decimal text
  assert.equal(await ev("'abc'.indexOf(98)"), 1);
  assert.equal(await ev("'abcb'.indexOf(98, 2)"), 3);
  assert.equal(await ev("'abcb'.lastIndexOf(98)"), 3);
  assert.equal(await ev("'ab'.contentEquals(new StringBuffer('ab'))"), true);
  await rejects("'abc'.codePointAt(3)", /String index out of range: 3/);
});

test('StringBuilder edits as AbstractStringBuilder: deleteCharAt, delete, replace, setCharAt, indexOf, substring', async () => {
  assert.equal(await ev("new StringBuilder('abc').deleteCharAt(1).toString()"), 'ac');
  assert.equal(await ev("new StringBuilder('abcdef').delete(1, 3).toString()"), 'adef');
  assert.equal(await ev("new StringBuilder('abc').delete(1, 99).toString()"), 'a');
  assert.equal(await ev("new StringBuilder('abc').replace(0, 1, 'X').toString()"), 'Xbc');
  assert.equal(await ev("def b = new StringBuilder('abc')\nb.setCharAt(2, 'z' as char)\nb.toString()"), 'abz');
  assert.equal(await ev("new StringBuilder('abcb').indexOf('b', 2)"), 3);
  assert.equal(await ev("new StringBuilder('abcb').lastIndexOf('b')"), 3);
  assert.equal(await ev("new StringBuilder('abcd').substring(1, 3)"), 'bc');
  await rejects("new StringBuilder('abc').deleteCharAt(3)", /^index 3,length 3$/);
  await rejects("new StringBuilder('abc').substring(2, 1)", /^start 2, end 1, length 3$/);
});

test('Map.findResults and Map.groupEntriesBy (whitelisted), as Groovy 2.4.21 answers them', async () => {
  assert.equal(await ev('"${[x: 3, y: 1, z: 2].findResults { k, v -> v > 1 ? k : null }}"'), '[x, z]');
  assert.equal(await ev('"${[x: 3, y: 1, z: 2].findResults { e -> e.value > 1 ? e.key * 2 : null }}"'), '[xx, zz]');
  assert.equal(await ev('"${[x: 3, y: 1, z: 2].groupEntriesBy { it.value % 2 }}"'), '[1:[x=3, y=1], 0:[z=2]]');
  assert.equal(await ev('"${[x: 3, y: 1, z: 2].groupEntriesBy { k, v -> v > 1 }}"'), '[true:[x=3, z=2], false:[y=1]]');
  assert.equal(await ev('[x: 3].groupEntriesBy { it.value % 2 }.keySet().first().getClass().simpleName'), 'Integer');
  await rejects('[x: 3].findResults()', /No signature of method|Scripts not permitted/);
});
