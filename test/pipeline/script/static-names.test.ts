// The static member names lint knows for `import static` (static-names.ts, data) are exactly
// the ones the interpreter implements (methods-number.ts): a method added to one and not the
// other would make lint and run disagree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STATIC_METHOD_NAMES, staticImportNames } from '../../../src/pipeline/script/static-names.ts';
import { staticMethodNames } from '../../../src/pipeline/script/methods-number.ts';

test('lint knows every static method the interpreter has, and no other', () => {
  assert.deepEqual(Object.fromEntries(Object.entries(STATIC_METHOD_NAMES).map(([c, n]) => [c, [...n]])), staticMethodNames());
});

test('import static: one member (or its alias), or all of a class', () => {
  assert.deepEqual(staticImportNames('java.lang.Math.max', false, null), ['max']);
  assert.deepEqual(staticImportNames('java.lang.Math.max', false, 'biggest'), ['biggest']);
  assert.ok(staticImportNames('java.lang.Math.*', true, null).includes('floorMod'));
  assert.deepEqual(staticImportNames('com.acme.Nothing.*', true, null), []);
});
