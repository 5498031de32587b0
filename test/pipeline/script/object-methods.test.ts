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
