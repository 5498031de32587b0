// Statements and scopes: def vs binding variables, closures, functions, loops, switch,
// try/catch/finally, throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, rejects, run } from './fake-host.ts';
import { StepFailure } from '../../../src/core/errors.ts';


test('def is local to its block; assignment without def sets a script global', async () => {
  assert.equal(await ev('if (true) { def x = 1 }\ntry { x } catch (e) { "no x" }'), 'no x');
  assert.equal(await ev('if (true) { y = 1 }\ny'), 1);
  assert.equal(await ev('def f() { z = 5 }\nf()\nz'), 5);
  assert.equal(await ev('g = 2\ndef f() { g * 10 }\nf()'), 20);
  assert.equal(await ev('def x = 1\nif (true) { x = 2 }\nx'), 2);
  assert.equal(await ev('def x = 1\nif (true) { def x2 = x + 1; x = x2 }\nx'), 2);
});

test('a function does not see the top-level defs, and the message says why', async () => {
  await rejects('def version = "1"\ndef show() { version }\nshow()', /No such property: version for class: WorkflowScript \(version is declared with def at the top of the script/, 2);
});

test('@Field makes a top-level variable visible in functions', async () => {
  assert.equal(await ev('@Field def counter = 0\ndef inc() { counter++ }\ninc()\ninc()\ncounter'), 2);
});

test('closures capture their scope and see it as it changes', async () => {
  assert.equal(await ev('def n = 1\ndef c = { n * 10 }\nn = 2\nc()'), 20);
  assert.equal(await ev('def counter = 0\ndef inc = { counter++ }\ninc(); inc()\ncounter'), 2);
  assert.equal(await ev('def make(k) { return { x -> x * k } }\ndef triple = make(3)\ntriple(5)'), 15);
  assert.equal(await ev('def fib\nfib = { n -> n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(15)'), 610);
});

test('closures made in a for-in loop keep their iteration value; a shared variable keeps the last', async () => {
  assert.deepEqual(await ev('def cl = []\nfor (x in [1, 2, 3]) { cl << { -> x } }\ncl*.call()'), [1, 2, 3]);
  assert.deepEqual(await ev('def cl = []\n[1, 2, 3].each { x -> cl << { -> x } }\ncl*.call()'), [1, 2, 3]);
  assert.deepEqual(await ev('def cl = []\nfor (int i = 0; i < 3; i++) { def j = i; cl << { -> j } }\ncl*.call()'), [0, 1, 2]);
  assert.deepEqual(await ev('def cl = []\nfor (int i = 0; i < 3; i++) { cl << { -> i } }\ncl*.call()'), [3, 3, 3]);
});

test('functions: defaults, overloads, recursion, hoisting, return', async () => {
  assert.equal(await ev('def f(a, b = 2) { a + b }\nf(1) + f(1, 5)'), 9);
  assert.equal(await ev('def f(a, b = 2, c = 3) { "$a$b$c" }\nf(1, 9)'), '193');
  assert.equal(await ev('def f(a) { "one" }\ndef f(a, b) { "two" }\nf(1) + f(1, 2)'), 'onetwo');
  assert.equal(await ev('def r = later(2)\ndef later(x) { x * 3 }\nr'), 6);
  assert.equal(await ev('def fact(n) { n <= 1 ? 1 : n * fact(n - 1) }\nfact(10)'), 3628800);
  assert.equal(await ev('def f(x) { if (x > 0) { return "pos" }\n "other" }\nf(1) + f(-1)'), 'posother');
  assert.equal(await ev('def f() { for (i in 1..10) { if (i == 3) return i } }\nf()'), 3);
  assert.equal(await ev('String greet(String name) { "hi ${name}" }\ngreet("x")'), 'hi x');
  assert.equal(await ev('def f(Map opts) { opts.a }\nf(a: 7)'), 7);
  assert.equal(await ev('def f(Map opts, c) { c(opts.n) }\nf(n: 2) { it * 5 }'), 10);
  await rejects('def f(a) { a }\nf()', /No signature of method: WorkflowScript\.f\(\).*the script defines f\(a\)/, 2);
});

test('a function or closure returns its last expression, including through if/else', async () => {
  assert.equal(await ev('def f(x) { if (x) { "yes" } else { "no" } }\nf(true) + f(false)'), 'yesno');
  assert.equal(await ev('def f() { def y = 4 }\nf()'), 4);
  assert.equal(await ev('def c = { x -> try { x / 0 } catch (e) { "caught" } }\nc(1)'), 'caught');
});

test('for-in over lists, ranges, maps, strings and null; C-style for; while', async () => {
  assert.equal(await ev('def s = 0\nfor (x in [1, 2, 3]) { s += x }\ns'), 6);
  assert.equal(await ev('def s = 0\nfor (i in 0..<4) s += i\ns'), 6);
  assert.equal(await ev('def s = 0\nfor (def i in 3..1) { s = s * 10 + i }\ns'), 321);
  assert.equal(await ev("def s = ''\nfor (String k : [a: 1, b: 2].keySet()) { s += k }\ns"), 'ab');
  assert.equal(await ev('def n = 0\nfor (x in null) { n++ }\nn'), 0);
  assert.equal(await ev('def s = 0\nfor (int i = 0; i < 5; i++) { s += i }\ns'), 10);
  assert.equal(await ev('def s = 0\nfor (int i = 0, j = 10; i < j; i += 2, j--) { s++ }\ns'), 4);
  assert.equal(await ev('def n = 0\nwhile (n < 10) { n++ }\nn'), 10);
  assert.deepEqual(await ev('def l = []\nfor (x in [1, 2, 3, 4]) { if (x == 2) continue\n if (x == 4) break\n l << x }\nl'), [1, 3]);
  assert.deepEqual(await ev('def l = []\nint i = 0\nwhile (true) { i++\n if (i % 2) continue\n l << i\n if (i >= 6) break }\nl'), [2, 4, 6]);
  await rejects('for (x in 5) { }', /cannot iterate over a Integer/);
});

test('break and continue are refused inside closures, with advice', async () => {
  await rejects('[1, 2].each { if (it == 1) break }', /break is not allowed in a closure: each \{ \} is not a loop/);
  assert.deepEqual(await ev('def l = []\n[1, 2, 3].each { if (it == 2) return\n l << it }\nl'), [1, 3]);
});

test('switch: equality, lists, ranges, patterns, closures, fall-through, default', async () => {
  const sw = (v: string) => `def r = []\nswitch (${v}) {\n case 'a': r << 'A'\n case 'b': r << 'B'; break\n case [1, 2]: r << 'list'; break\n case 10..20: r << 'range'; break\n case ~/v\\d+/: r << 'pattern'; break\n case { it instanceof Map }: r << 'closure'; break\n default: r << 'default'\n}\nr`;
  assert.deepEqual(await ev(sw("'a'")), ['A', 'B']);
  assert.deepEqual(await ev(sw("'b'")), ['B']);
  assert.deepEqual(await ev(sw('2')), ['list']);
  assert.deepEqual(await ev(sw('15')), ['range']);
  assert.deepEqual(await ev(sw("'v42'")), ['pattern']);
  assert.deepEqual(await ev(sw('[k: 1]')), ['closure']);
  assert.deepEqual(await ev(sw("'zzz'")), ['default']);
  assert.equal(await ev("def f(x) { switch (x) { case 'a': return 1; default: return 2 } }\nf('a') + f('b')"), 3);
  assert.deepEqual(await ev("def r = []\nswitch ('x') { default: r << 'd'\n case 'y': r << 'y' }\nr"), ['d', 'y']);
  assert.deepEqual(await ev("def l = []\nfor (x in [1, 2]) { switch (x) { case 1: continue\n default: l << x } }\nl"), [2]);
});

test('try/catch/finally with error(): the message, toString and finally order', async () => {
  const { value, log } = await run(`
def result = 'none'
try {
  echo 'before'
  error 'deploy failed'
  echo 'not reached'
} catch (Exception e) {
  echo "caught: \${e.message}"
  echo "as string: \${e}"
  result = e.getMessage()
} finally {
  echo 'cleanup'
}
result`);
  assert.equal(value, 'deploy failed');
  assert.deepEqual(log, ['before', 'caught: deploy failed', 'as string: hudson.AbortException: deploy failed', 'cleanup']);
});

test('catch types: AbortException, Throwable, untyped, several types, no match rethrows', async () => {
  assert.equal(await ev("try { error 'x' } catch (hudson.AbortException e) { 'abort' }"), 'abort');
  assert.equal(await ev("try { error 'x' } catch (AbortException e) { 'abort' }"), 'abort');
  assert.equal(await ev("try { error 'x' } catch (Throwable t) { 'throwable' }"), 'throwable');
  assert.equal(await ev("try { error 'x' } catch (RuntimeException e) { 'runtime' }"), 'runtime');
  assert.equal(await ev("try { error 'x' } catch (e) { 'any' }"), 'any');
  assert.equal(await ev("try { error 'x' } catch (IllegalStateException | hudson.AbortException e) { 'multi' }"), 'multi');
  assert.equal(await ev("try { undefinedVar } catch (MissingPropertyException e) { e.message }"), 'No such property: undefinedVar for class: WorkflowScript');
  assert.equal(await ev('try { null.foo() } catch (NullPointerException e) { "npe" }'), 'npe');
  assert.equal(await ev("try { 'x'.toInteger() } catch (NumberFormatException e) { 'nfe' }"), 'nfe');
  const err = await rejects("try { error 'boom' } catch (IllegalArgumentException e) { 'no' }", /^boom$/, 1);
  assert.ok(err instanceof StepFailure);
});

test('throw new Exception and friends; throw e rethrows the original error', async () => {
  assert.equal(await ev("try { throw new Exception('custom') } catch (Exception e) { e.message }"), 'custom');
  assert.equal(await ev("try { throw new IllegalArgumentException('bad') } catch (IllegalStateException e) { 'no' } catch (IllegalArgumentException e) { \"${e}\" }"), 'java.lang.IllegalArgumentException: bad');
  assert.equal(await ev("try { throw new hudson.AbortException('stop') } catch (AbortException e) { e.message }"), 'stop');
  assert.equal(await ev("try { throw new RuntimeException('r') } catch (Exception e) { e instanceof RuntimeException }"), true);
  assert.equal(await ev("try { throw new Exception('outer', new Exception('inner')) } catch (e) { e.cause.message }"), 'inner');
  const e1 = await rejects("try {\n  error 'original'\n} catch (e) {\n  echo 'log it'\n  throw e\n}", /^original$/, 2);
  assert.ok(e1 instanceof StepFailure);
  const e2 = await rejects("def x = 1\nthrow new Exception('thrown here')", /^thrown here$/, 2);
  assert.ok(e2 instanceof StepFailure);
  await rejects("throw 'just a string'", /throw needs an exception.*use error/);
  assert.equal(await ev('try { throw new java.io.IOException("io") } catch (IOException e) { e.message }'), 'io');
  await rejects('def e = new java.util.concurrent.Semaphore(1)', /^Scripts not permitted to use new java\.util\.concurrent\.Semaphore java\.lang\.Integer$/);
});

test('finally runs on return and on uncaught errors; return in finally wins', async () => {
  const { value, log } = await run("def f() { try { return 'from try' } finally { echo 'finally ran' } }\nf()");
  assert.equal(value, 'from try');
  assert.deepEqual(log, ['finally ran']);
  const r = await run("def log2 = []\ntry { try { error 'x' } finally { echo 'inner finally' } } catch (e) { echo 'outer catch' }");
  assert.deepEqual(r.log, ['inner finally', 'outer catch']);
  assert.equal(await ev("def f() { try { error 'x' } finally { return 'finally wins' } }\nf()"), 'finally wins');
  const e = await rejects("try { error 'first' } catch (e) { error 'second' } finally { echo 'cleanup' }", /^second$/);
  assert.ok(e instanceof StepFailure);
});

test('if / else if / else chains and Groovy truth in conditions', async () => {
  const src = (v: string) => `def v = ${v}\nif (v == null) { 'null' } else if (v) { 'truthy' } else { 'falsy' }`;
  assert.equal(await ev(src('null')), 'null');
  assert.equal(await ev(src('[]')), 'falsy');
  assert.equal(await ev(src('[0]')), 'truthy');
  assert.equal(await ev(src("''")), 'falsy');
  assert.equal(await ev(src('0')), 'falsy');
  assert.equal(await ev(src("'0'")), 'truthy');
  assert.equal(await ev("def m = 'abc' =~ /x/\nif (m) { 'found' } else { 'not found' }"), 'not found');
});

test('assert fails with its message', async () => {
  assert.equal(await ev("assert 1 + 1 == 2\n'ok'"), 'ok');
  await rejects("assert 1 == 2 : 'math is broken'", /^math is broken\. Expression: assert 1 == 2 : 'math is broken'$/, 1);
  await rejects('def x = []\nassert x', /^Assertion failed: \n\nassert x$/, 2);
});

test('imports are accepted; a statically imported method runs when the sandbox allows it, else is refused where it is called', async () => {
  assert.equal(await ev('import groovy.json.JsonOutput\nJsonOutput.toJson([1])'), '[1]');
  assert.equal(await ev('import static java.lang.Math.max\nmax(1, 2)'), 2);
  await rejects('import static java.lang.Runtime.getRuntime\ngetRuntime()', /^Scripts not permitted to use staticMethod java\.lang\.Runtime getRuntime$/, 2);
});

test('changing a list while looping over it is a ConcurrentModificationException, as in Java', async () => {
  await rejects('def l = [1, 2]\nfor (x in l) { l << x }', /the list changed size while a loop went over it/, 2);
  await rejects('def l = [1, 2]\nl.each { l.remove(0) }', /changed size while each/);
  assert.equal(await ev("def l = [1, 2]\ntry { for (x in l) { l.clear() } } catch (java.util.ConcurrentModificationException e) { 'cme' }"), 'cme');
  assert.deepEqual(await ev('def l = [1, 2]\nfor (x in l.collect()) { l << x }\nl'), [1, 2, 1, 2]);
});

test('switch on types: case String, case Map, case an exception class', async () => {
  const f = "def kind(x) { switch (x) { case String: return 'str'; case Integer: return 'int'; case Map: return 'map'; case List: return 'list'; default: return 'other' } }\n";
  assert.deepEqual(await ev(f + "[kind('a'), kind(1), kind([:]), kind([]), kind(1.5)]"), ['str', 'int', 'map', 'list', 'other']);
  assert.equal(await ev("try { error 'x' } catch (e) { switch (e) { case hudson.AbortException: 'abort'; break; default: 'other' } }"), 'abort');
  assert.equal(await ev("def String = 'shadow'\nswitch ('shadow') { case String: 'the variable'; break; default: 'the class' }"), 'the variable');
});

test('a label makes a bare block an open block, as Groovy does: it runs at once, in its own scope, and break leaves it', async () => {
  const r = await run("def x = 1\nouter: {\n  x = 2\n  if (x == 2) break outer\n  x = 3\n}\necho \"x=${x}\"\nlbl: { def y = 5; echo \"y=${y}\" }\ntry { echo \"y outside: ${y}\" } catch (e) { echo e.message }\n");
  assert.deepEqual(r.log, ['x=2', 'y=5', 'No such property: y for class: WorkflowScript']);
});
