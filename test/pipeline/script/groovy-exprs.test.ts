// Groovy expressions and statements Jenkinsfiles use: labels, method pointers, spread, multiple
// assignment, command chains, with/tap, closures as a step's body, assert as Jenkins fails it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, run } from './fake-host.ts';
import { parse } from '../../../src/pipeline/syntax/parser.ts';
import { toGroovyString } from '../../../src/pipeline/script/interpreter.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';
import { sexp } from '../syntax/sexp.ts';

async function show(src: string): Promise<string> {
  return toGroovyString(await ev(src));
}

function tree(src: string): string {
  const r = parse(src);
  assert.equal(r.diagnostics.length, 0, r.diagnostics.map((d) => d.message).join('\n'));
  return sexp(r.ast);
}

async function fails(src: string): Promise<ScriptError> {
  try {
    await run(src);
  } catch (err) {
    assert.ok(err instanceof ScriptError, String(err));
    return err;
  }
  assert.fail(`no error from ${src}`);
}

test('labels, method pointers, spread and multiple assignment parse to their nodes with positions', () => {
  assert.equal(tree('outer: for (x in l) { break outer }'), '(label outer (for-in x l (block (break outer))))');
  assert.equal(tree('a: while (t) { continue a }'), '(label a (while t (block (continue a))))');
  assert.equal(tree('def f = this.&foo'), '(var f (.& this foo))');
  assert.equal(tree('f(*l, 2)'), '(call f (* l) 2)');
  assert.equal(tree('[0, *l]'), '[0 (* l)]');
  assert.equal(tree('(a, b) = [b, a]'), '(= [a b] [b a])');
  assert.equal(tree('take 3 of apples'), "(cmd (. (cmd take 3) of) apples)");
  assert.equal(tree('a b c'), '(. (cmd a b) c)');
  const r = parse('x = 1\nouter: for (i in l) {\n  continue outer\n}\ndef g = s.&trim');
  const body = r.ast!.body;
  const lab = body[1]!;
  assert.equal(lab.type, 'Labeled');
  assert.deepEqual([lab.loc.start.line, lab.loc.start.col, lab.loc.end.line], [2, 1, 4]);
  const decl = body[2]!;
  assert.ok(decl.type === 'VarDecl' && decl.init?.type === 'MethodPointer');
  if (decl.type === 'VarDecl' && decl.init?.type === 'MethodPointer') {
    assert.deepEqual([decl.init.loc.start.col, decl.init.loc.end.col, decl.init.nameLoc.start.col], [9, 16, 12]);
  }
});

test('bad uses of the new forms are errors at their place', () => {
  const r = parse('(a, 1) = [1, 2]');
  assert.match(r.diagnostics[0]!.message, /each target must be a variable/);
  const r2 = parse('x.&');
  assert.match(r2.diagnostics[0]!.message, /expected a method name after '\.&'/);
  const r3 = parse('f(*:m)');
  assert.match(r3.diagnostics[0]!.message, /map spread operator/);
});

test('labeled break and continue leave or continue the labeled loop, from nested loops and switches', async () => {
  const { log } = await run(`
    outer: for (i in 1..3) { for (j in 1..3) { if (j == 2) continue outer; if (i == 3) break outer; echo "$i$j" } }
    def k = 0
    w: while (true) { k++; switch (k) { case 2: continue w; case 4: break w }; echo "k$k" }
    def n = 0
    c: for (int i = 0; i < 5; i++) { for (x in [1]) { if (i == 3) break c }; n = i }
    echo "n$n"`);
  assert.deepEqual(log, ['11', '21', 'k1', 'k3', 'n2']);
});

test('method pointers call script functions, steps and object methods, and pass as closures', async () => {
  assert.equal(await ev('def twice(x) { x * 2 }; def f = this.&twice; f(4)'), 8);
  assert.deepEqual(await ev('def inc(x) { x + 1 }; [1, 2].collect(this.&inc)'), [2, 3]);
  assert.equal(await ev("def up = 'abc'.&toUpperCase; up()"), 'ABC');
  const { log } = await run("def e = this.&echo; e('via pointer')");
  assert.deepEqual(log, ['via pointer']);
  const err = await fails('def f = this.&nope');
  assert.match(err.message, /No such method: nope/);
  assert.equal(err.loc?.start.col, 15);
});

test('spread in arguments and lists; multiple assignment swaps', async () => {
  assert.equal(await ev('def f(a, b, c) { "$a$b$c" }; def l = [1, 2]; f(0, *l)'), '012');
  assert.deepEqual(await ev('def l = 1..3; [0, *l, 4]'), [0, 1, 2, 3, 4]);
  assert.deepEqual(await ev('def (a, b) = [1, 2]; (a, b) = [b, a]; [a, b]'), [2, 1]);
  assert.deepEqual(await ev('def m = [:]; (m.x, m.y) = [1, 2]; m'), new Map([['x', 1], ['y', 2]]));
  const err = await fails('def f(a) { a }; f(*5)');
  assert.match(err.message, /spread operator '\*' needs a list/);
});

test('with and tap run the closure with the object as delegate', async () => {
  assert.equal(await ev('[name: "app", port: 80].with { "$name:$port" }'), 'app:80');
  assert.deepEqual(await ev('[1].tap { add(2) }'), [1, 2]);
  assert.equal(await show('def m = [a: 1]; m.with { a = 5 }; m'), '[a:5]');
  assert.equal(await ev('def local = 3; [a: 1].with { a + local }'), 4);
  assert.equal(await show('"abc".with(true) { it.size() }'), 'abc');
});

test('a closure as the last argument of a step is its body', async () => {
  const { log } = await run("def b = { echo 'body' }; stage('S', b); node('x', b)");
  assert.deepEqual(log, ['[stage S]', 'body', 'body']);
});

test('command chains: a b c d is a(b).c(d)', async () => {
  assert.equal(await ev('def take(n) { [of: { w -> "$n of $w" }] }; def r = take 3 of "apples"; r'), '3 of apples');
});

test('ranges step', async () => {
  assert.equal(await show('(1..10).step(3)'), '[1, 4, 7, 10]');
  assert.equal(await show("('a'..'e').step(2)"), '[a, c, e]');
  const { log } = await run('(0..<6).step(2) { echo "s$it" }');
  assert.deepEqual(log, ['s0', 's2', 's4']);
});

test('a failed assert reports the statement as Jenkins does', async () => {
  const e1 = await fails('def x = [1, 2]\nassert x.size() ==\n   3');
  assert.equal(e1.message, 'Assertion failed: \n\nassert x.size() == 3');
  assert.equal(e1.javaClass, 'org.codehaus.groovy.runtime.powerassert.PowerAssertionError');
  assert.equal(e1.loc?.start.line, 2);
  const e2 = await fails("def x = 1; assert x == 2 : \"x is $x\"");
  assert.equal(e2.message, 'x is 1. Expression: assert x == 2 : "x is $x"');
  assert.equal(e2.javaClass, 'java.lang.AssertionError');
  assert.equal(await ev('assert [1].size() == 1; "ok"'), 'ok');
});

test('"${a; b}": statements inside a GString placeholder run in order and give the last value, as Groovy does', async () => {
  assert.equal(await show('def n = 0\n"${n++; n++; n}"'), '2');
  assert.equal(await show('"${def a = 1; def b = 2; a + b}"'), '3');
  assert.equal(await show('def n = 5\n"${if (n > 1) { \'big\' } else { \'small\' }}"'), 'big');
  assert.equal(await show('"<${ 1\n 2\n}>"'), '<2>');
  // a variable declared inside stays inside, as in the closure Groovy makes of it
  const err = await fails('"${def hidden = 1; hidden}"\necho hidden');
  assert.match(err.message, /hidden/);
});
