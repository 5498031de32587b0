// constantText: a lib() name computed before the run from the file's constants, and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from '../../../src/pipeline/syntax/parser.ts';
import { constantText } from '../../../src/pipeline/model/constant-text.ts';
import type { Expr } from '../../../src/pipeline/syntax/ast.ts';

/** The text of the last statement's expression, with the statements before it as the file's top level. */
function textOf(src: string): string | null {
  const { ast } = parse(src);
  assert.ok(ast, src);
  const last = ast.body.at(-1)!;
  assert.equal(last.type, 'ExprStmt');
  return constantText(ast.body, (last as { expr: Expr }).expr);
}

test('literals, top-level constants (the last declaration wins) and argument-less functions returning one', () => {
  assert.equal(textOf(`"plain"`), 'plain');
  assert.equal(textOf(`"\${'test'}"`), 'test');
  assert.equal(textOf(`def a = 'x'\ndef a2 = "\${a}y"\n"\${a2}@\${2}"`), 'xy@2');
  assert.equal(textOf(`def a = 'one'\na = 'ignored: not a declaration'\ndef a = 'two'\n"\${a}"`), 'two');
  assert.equal(textOf(`def v() { return 'main' }\ndef w() { 'dev' }\n"lib@\${v()}-\${w()}"`), 'lib@main-dev');
});

test('anything the run decides is unknown', () => {
  for (const src of [
    `"\${env.BRANCH}"`, `"\${params.LIB}"`, `"\${undeclared}"`,
    `def c = 'a'.toUpperCase()\n"\${c}"`,
    `def f(x) { return x }\n"\${f('a')}"`,
    `def g() { def y = 'a'; return y }\n"\${g()}"`,
    `def h() { return 'a' }\ndef h() { return 'b' }\n"\${h()}"`,
    `def a\n"\${a}"`,
  ]) assert.equal(textOf(src), null, src);
});

test('a name defined through itself ends as unknown, not in an endless loop', () => {
  assert.equal(textOf(`def a = "\${a}"\n"\${a}"`), null);
  assert.equal(textOf(`def f() { return "\${f()}" }\n"\${f()}"`), null);
  assert.equal(textOf(`def a = "\${b}"\ndef b = "\${a}"\n"\${a}"`), null);
});

test('names built from names many times over stay unknown, quickly', () => {
  const refs = (n: string) => '"' + Array.from({ length: 50 }, () => `\${${n}}`).join('') + '"';
  const src = [`def a0 = 'x'`, ...Array.from({ length: 8 }, (_, i) => `def a${i + 1} = ${refs(`a${i}`)}`), `"\${a8}"`].join('\n');
  assert.equal(textOf(src), null);
  // the same file with few references is known
  assert.equal(textOf(`def a0 = 'x'\ndef a1 = "\${a0}\${a0}"\n"\${a1}"`), 'xx');
});
