// Groovy's added methods (DefaultGroovyMethods, StringGroovyMethods) that exist in Groovy 2.4 but
// that script-security's generic-whitelist does not allow: Jenkins refuses them with
// RejectedAccessException, naming the overload its sandbox selects (the most specific one, the
// deprecated Collection/List overloads of Groovy 2.4 included); a method that does not exist at
// all stays Groovy's MissingMethodException; the allowed ones keep working.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from './fake-host.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';
import { refusal } from '../../../src/pipeline/script/dgm-sandbox.ts';

const DGM = 'staticMethod org.codehaus.groovy.runtime.DefaultGroovyMethods';
const SGM = 'staticMethod org.codehaus.groovy.runtime.StringGroovyMethods';

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected an error');
}

const refused: [string, string, number, number][] = [
  ['[[1, 2], [3, 4]].combinations()', `${DGM} combinations java.util.Collection`, 1, 18],
  ['def r = 1..3\nr.combinations()', `${DGM} combinations java.util.Collection`, 2, 3],
  ["def s = [1, 2] as Set\n\ns.combinations()", `${DGM} combinations java.util.Collection`, 3, 3],
  ["def t = 'abc'.collectReplacements { it == 'b' ? 'B' : null }", `${SGM} collectReplacements java.lang.String groovy.lang.Closure`, 1, 15],
  ["'x'.addShutdownHook { }", `${DGM} addShutdownHook java.lang.Object groovy.lang.Closure`, 1, 5],
  ["'abc'.sprintf('%s', 1)", `${DGM} sprintf java.lang.Object java.lang.String java.lang.Object`, 1, 7],
  ["[1].printf('%s', 1)", `${DGM} printf java.lang.Object java.lang.String java.lang.Object`, 1, 5],
  // the sandbox takes its own pick of the receiver's types: the deprecated String overloads of
  // Groovy 2.4 are more specific than the whitelisted CharSequence one
  ["'abc'.tr('a', 'b')", `${DGM} tr java.lang.String java.lang.String java.lang.String`, 1, 7],
  ["'abc'.find()", `${DGM} find java.lang.Object`, 1, 7],
  ['[a: 1].findAll()', `${DGM} findAll java.lang.Object`, 1, 8],
  // Kiln answered dump() with the value's toString: the whitelist has no dump, Jenkins refuses it
  ["def m = [a: 1]\nm.dump()", `${DGM} dump java.lang.Object`, 2, 3],
  // a Set is no List: permutations(List) (whitelisted) does not apply, permutations(Iterable) does
  ['([1, 2] as Set).permutations()', `${DGM} permutations java.lang.Iterable`, 1, 17],
];

test("Groovy's added methods the whitelist does not allow are refused in Jenkins' words, at the call", async () => {
  for (const [src, signature, line, col] of refused) {
    const err = await caught(run(src));
    assert.ok(err instanceof ScriptError, `${src}: ${String(err)}`);
    assert.equal(err.message, `Scripts not permitted to use ${signature}`, src);
    assert.equal(err.javaClass, 'org.jenkinsci.plugins.scriptsecurity.sandbox.RejectedAccessException', src);
    assert.deepEqual([err.loc?.start.line, err.loc?.start.col], [line, col], `${src}: ${err.message}`);
  }
});

test('plus(index, list) outside the list is ArrayList.addAll\'s IndexOutOfBoundsException', async () => {
  for (const src of ['[1, 2].plus(3, [5])', '[1, 2].plus(-1, [5])']) {
    const err = await caught(run(src));
    assert.ok(err instanceof ScriptError, `${src}: ${String(err)}`);
    assert.equal(err.javaClass, 'java.lang.IndexOutOfBoundsException', src);
    assert.match(err.message, /^Index: -?\d, Size: 2$/, src);
  }
});

test('a refused added method is caught as the SecurityException it is', async () => {
  const { value } = await run("try { [1, 2].combinations() } catch (SecurityException e) { 'refused: ' + e.message }");
  assert.equal(value, `refused: Scripts not permitted to use ${DGM} combinations java.util.Collection`);
});

test('a method that does not exist, or arguments no overload takes, stay MissingMethodException', async () => {
  for (const [src, message] of [
    ['[1].foo()', 'No signature of method: java.util.ArrayList.foo() is applicable for argument types: () values: []'],
    ["'abc'.collectReplacements('x')", 'No signature of method: java.lang.String.collectReplacements() is applicable for argument types: (java.lang.String) values: [x]'],
    ["'x'.padLeft('y')", 'No signature of method: java.lang.String.padLeft() is applicable for argument types: (java.lang.String) values: [y]'],
    ['[1, 2].combinations(1, 2)', 'No signature of method: java.util.ArrayList.combinations() is applicable for argument types: (java.lang.Integer, java.lang.Integer) values: [1, 2]'],
    // plus(List, int, Object[]) is not declared varargs: a single value is no array
    ['[1, 2].plus(0, 5)', 'No signature of method: java.util.ArrayList.plus() is applicable for argument types: (java.lang.Integer, java.lang.Integer) values: [0, 5]'],
    // printf(Object, String, Object[]) is not declared varargs: the sandbox finds no overload for two values
    ["[1].printf('%s-%s', 1, 2)", 'No signature of method: java.util.ArrayList.printf() is applicable for argument types: (java.lang.String, java.lang.Integer, java.lang.Integer) values: [%s-%s, 1, 2]'],
    ['1.frobnicate(2)', 'No signature of method: java.lang.Integer.frobnicate() is applicable for argument types: (java.lang.Integer) values: [2]'],
  ] as const) {
    const err = await caught(run(src));
    assert.ok(err instanceof ScriptError, `${src}: ${String(err)}`);
    assert.equal(err.javaClass, 'groovy.lang.MissingMethodException', src);
    assert.equal(err.message, message, src);
  }
});

test('the added methods the whitelist allows keep working', async () => {
  for (const [src, shown] of [
    ["'7'.padLeft(3, '0')", '007'],
    ["'ab'.center(4)", ' ab '],
    ['[1, 2, 3].sum()', '6'],
    ['[3, 1, 2].toSorted()', '[1, 2, 3]'],
    ["'a b'.tokenize()", '[a, b]'],
    ['[1, 2, 3].collate(2)', '[[1, 2], [3]]'],
    ['[a: 1, b: 2].collectEntries { k, v -> [v, k] }', '[1:a, 2:b]'],
    ["'abc'.reverse()", 'cba'],
    ['[[1, 2], [3, 4]].transpose()', '[[1, 3], [2, 4]]'],
    // whitelisted, and answered with MissingMethodException before
    ['[1, 2].plus(1, [8, 9])', '[1, 8, 9, 2]'],
    ['[1, 2].plus(0, 3..4)', '[3, 4, 1, 2]'],
    ['def l = [1]\nl.plus(1, [2])\nl', '[1]'],
    ["[1, [2, 'a']].toListString()", '[1, [2, a]]'],
    ["[a: 1, b: [c: 'x']].toMapString()", '[a:1, b:[c:x]]'],
  ] as const) {
    assert.equal(toGroovyString((await run(src)).value), shown, src);
  }
});

test('the overload the sandbox names is the most specific one, whitelisted or not', () => {
  const list = ['java.util.ArrayList', 'java.util.List', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'];
  const int = { cls: 'java.lang.Integer', chain: ['java.lang.Integer', 'java.lang.Number', 'java.lang.Comparable', 'java.lang.Object'] };
  const closure = { cls: 'groovy.lang.Closure', chain: ['groovy.lang.Closure', 'java.lang.Object'] };
  // permutations(List) (deprecated in 2.4, whitelisted) beats permutations(Iterable) (not whitelisted)
  assert.equal(refusal(list, 'permutations', []), null);
  assert.equal(refusal(['java.util.HashSet', 'java.util.Set', 'java.util.Collection', 'java.lang.Iterable', 'java.lang.Object'], 'permutations', []),
    `${DGM} permutations java.lang.Iterable`);
  // combinations with a closure is whitelisted; without one the Collection overload is not
  assert.equal(refusal(list, 'combinations', [closure]), null);
  assert.equal(refusal(list, 'combinations', []), `${DGM} combinations java.util.Collection`);
  // max(Collection) is not on the whitelist (a known Jenkins refusal); max(Collection, Closure) is
  assert.equal(refusal(list, 'max', []), `${DGM} max java.util.Collection`);
  assert.equal(refusal(list, 'max', [closure]), null);
  // plus(List, int, Object[]) takes its last arguments one by one: whitelisted
  assert.equal(refusal(list, 'plus', [int, int]), null);
  // an Integer receiver is passed to a long self (a widening): upto(long, Number, Closure) is more specific than upto(Number, ...)
  const intChain = int.chain;
  assert.equal(refusal(intChain, 'upto', [int, closure]), `${DGM} upto long java.lang.Number groovy.lang.Closure`);
  // the first parameter where one type is assignable from the other decides, not a sum of distances
  const map = ['java.util.LinkedHashMap', 'java.util.HashMap', 'java.util.Map', 'java.lang.Object'];
  const str = { cls: 'java.lang.String', chain: ['java.lang.String', 'java.lang.CharSequence', 'java.lang.Comparable', 'java.lang.Object'] };
  assert.equal(refusal(map, 'getAt', [str]), null, 'getAt(Map, Object) is whitelisted and wins over getAt(Object, String)');
  // a receiver Kiln has no Java type chain for gets no guessed refusal
  assert.equal(refusal([], 'combinations', []), null);
  assert.equal(refusal(list, 'noSuchMethod', []), null);
  // an unknown name may not reach Object.prototype's members
  assert.equal(refusal(list, 'constructor', []), null);
  assert.equal(refusal(list, '__proto__', []), null);
});
