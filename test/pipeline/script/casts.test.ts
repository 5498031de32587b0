// Groovy's two conversions, as Jenkins (Groovy 2.4) runs them: `x as T` (asType: parses a String,
// splits it into characters for a List) and `(T) x` / a typed declaration / a declared return type
// (castToType: a one-character String is its character, a String is no List, null is no int).
// Every expected value was checked against Groovy 2.4.21 on the same snippet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, rejects } from './fake-host.ts';

test('(T) x casts as castToType: a one-character String is its character code', async () => {
  assert.equal(await ev("(int) 'A'"), 65);
  assert.equal(await ev("(int) '7'"), 55);
  assert.equal(await ev("'7' as int"), 7);
  assert.equal(await ev("((double) 'A').toString()"), '65.0');
  assert.equal(await ev("(int) 7.9"), 7);
  assert.equal(await ev("(Integer) null"), null);
  assert.equal(await ev("(boolean) 'x'"), true);
  assert.equal(await ev("(String) 5"), '5');
  await rejects("(int) 'AB'", /^Cannot cast object 'AB' with class 'java.lang.String' to class 'int'$/);
  await rejects("(int) ''", /^Cannot cast object '' with class 'java.lang.String' to class 'int'$/);
  await rejects("(int) null", /^Cannot cast object 'null' with class 'null' to class 'int'. Try 'java.lang.Integer' instead$/);
  await rejects("(List) 'ab'", /^Cannot cast object 'ab' with class 'java.lang.String' to class 'java.util.List'$/);
  await rejects("'A' as Integer", /For input string: "A"/);
});

test('a typed declaration converts as castToType, and an uninitialised primitive is its default', async () => {
  await rejects('int x = null', /to class 'int'. Try 'java.lang.Integer' instead/);
  await rejects('double d = null', /to class 'double'. Try 'java.lang.Double' instead/);
  assert.equal(await ev('boolean b = null\nb'), false);
  await rejects("Integer x = 'AB'", /^Cannot cast object 'AB' with class 'java.lang.String' to class 'java.lang.Integer'$/);
  await rejects("List l = 'ab'", /with class 'java.lang.String' to class 'java.util.List'$/);
  await rejects("Set s = 'ab'", /with class 'java.lang.String' to class 'java.util.Set'$/);
  await rejects('Map m = [1]', /^Cannot cast object '\[1\]' with class 'java.util.ArrayList' to class 'java.util.Map'/);
  await rejects('int x = [1]', /^Cannot cast object '\[1\]' with class 'java.util.ArrayList' to class 'int'$/);
  assert.deepEqual(await ev('List l = 1..3\nl'), [1, 2, 3]);
  assert.equal(await ev('String s = [1]\ns'), '[1]');
  assert.equal(await ev('int a\nlong b\ndouble c\nboolean d\nString e\n"$a $b $c $d $e ${b.getClass().name} ${c.getClass().name}"'), '0 0 0.0 false null java.lang.Long java.lang.Double');
  assert.equal(await ev('class P { int x; double y; long z }\ndef p = new P()\n"${p.x} ${p.y} ${p.z.getClass().name}"'), '0 0.0 java.lang.Long');
});
