// What keeps a script from hurting the controller: aborts reach busy loops, recursion and
// growth are bounded, and what Kiln does not run is refused with a precise message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeHost, run } from './fake-host.ts';
import { ScriptError } from '../../../src/pipeline/script/errors.ts';
import { Interrupted } from '../../../src/core/errors.ts';

async function caught(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected the script to fail');
}

function abortAfter(ms: number, reason?: unknown): AbortSignal {
  const ac = new AbortController();
  setTimeout(() => ac.abort(reason), ms);
  return ac.signal;
}

test('an infinite while loop is aborted through the signal', async () => {
  const reason = new Interrupted('user', 'Aborted by alice');
  const err = await caught(run('while (true) { }', { signal: abortAfter(50, reason) }));
  assert.equal(err, reason);
});

test('other busy loops are aborted too: for(;;), each over a huge range, recursion through closures', async () => {
  for (const src of [
    'for (;;) { def x = 1 }',
    'def n = 0\n(0..<100000000).each { n += it }',
    'def l = []\nfor (i in 0..<100000000) { l = [i] }',
    'def fib(n) { n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(40)',
    'def fib\nfib = { n -> n < 2 ? n : fib(n - 1) + fib(n - 2) }\nfib(40)',
    'def g(n) { n > 400 ? 0 : g(n + 1) }\nwhile (true) { g(0) }',
  ]) {
    const err = await caught(run(src, { signal: abortAfter(30) }));
    assert.ok(err instanceof Interrupted, `${src}: ${String(err)}`);
  }
});

test('a signal aborted before the run stops the first loop iteration', async () => {
  const ac = new AbortController();
  ac.abort();
  const err = await caught(run('def n = 0\nwhile (n < 10) { n++ }', { signal: ac.signal }));
  assert.ok(err instanceof Interrupted);
});

test('after an abort, catch and finally blocks may still run cleanup steps; a while loop there still aborts', async () => {
  const ac = new AbortController();
  setTimeout(() => ac.abort(new Interrupted('timeout', 'Timeout has been exceeded')), 30);
  const host = new FakeHost();
  const r = await caught(run(`
def cleanup() { echo 'cleanup function' }
try {
  while (true) { }
} catch (e) {
  echo "caught \${e}"
  cleanup()
  throw e
} finally {
  [1, 2].each { echo "finally \${it}" }
}`, { signal: ac.signal, host }));
  assert.ok(r instanceof Interrupted);
  assert.equal(r.message, 'Timeout has been exceeded');
  assert.deepEqual(host.log, [
    'caught org.jenkinsci.plugins.workflow.steps.FlowInterruptedException: Timeout has been exceeded',
    'cleanup function', 'finally 1', 'finally 2',
  ]);
  const r2 = await run(`
def log = []
try {
  while (true) { }
} catch (e) {
  log << 'caught'
}
log`, { signal: abortAfter(20) });
  assert.deepEqual(r2.value, ['caught']);
  const err = await caught(run('try { while (true) { } } finally { while (true) { } }', { signal: abortAfter(20) }));
  assert.ok(err instanceof Interrupted);
});

test('FlowInterruptedException and InterruptedException catch an abort; AbortException does not', async () => {
  const r = await run('try { while (true) {} } catch (org.jenkinsci.plugins.workflow.steps.FlowInterruptedException e) { "flow" }', { signal: abortAfter(10) });
  assert.equal(r.value, 'flow');
  const r2 = await run('try { while (true) {} } catch (InterruptedException e) { "interrupted" }', { signal: abortAfter(10) });
  assert.equal(r2.value, 'interrupted');
  const err = await caught(run('try { while (true) {} } catch (hudson.AbortException e) { "wrong" }', { signal: abortAfter(10) }));
  assert.ok(err instanceof Interrupted);
});

test('runaway recursion stops at the call depth limit, with the position of the call', async () => {
  const err = await caught(run('def f(n) {\n  f(n + 1)\n}\nf(0)'));
  assert.ok(err instanceof ScriptError);
  assert.equal(err.message, 'too deep: more than 500 nested calls (infinite recursion?)');
  assert.equal(err.loc?.start.line, 2);
  const err2 = await caught(run('def c\nc = { c() }\nc()', { maxCallDepth: 50 }));
  assert.ok(err2 instanceof ScriptError && /more than 50 nested calls/.test(err2.message));
  // recursion that goes through a step's block is counted too
  const err3 = await caught(run("def f(n) { dir('x') { f(n + 1) } }\nf(0)", { maxCallDepth: 100 }));
  assert.ok(err3 instanceof ScriptError && /too deep/.test(err3.message), String(err3));
  // deep but finite recursion is fine
  assert.equal((await run('def sum(n) { n == 0 ? 0 : n + sum(n - 1) }\nsum(400)')).value, 80200);
});

test('strings and lists cannot grow without bound', async () => {
  const e1 = await caught(run("def s = 'x' * 1000000\ns * 1000"));
  assert.ok(e1 instanceof ScriptError && /too large/.test(e1.message));
  const e2 = await caught(run("def s = 'x'\nwhile (true) { s = s + s }"));
  assert.ok(e2 instanceof ScriptError && /too large: a string of/.test(e2.message));
  const e3 = await caught(run('def l = [1] * 1000\nl * 100000'));
  assert.ok(e3 instanceof ScriptError && /too large: a list/.test(e3.message));
  const e4 = await caught(run("def s = 'ab'\nwhile (true) { s = \"${s}${s}\" }"));
  assert.ok(e4 instanceof ScriptError && /too large/.test(e4.message));
});

const refused: [string, RegExp, number, number][] = [
  ["evaluate('1 + 1')", /evaluate\(\) \(running code built at run time\)/, 1, 1],
  ["@Grab('org.x:y:1.0')\nimport org.x.Y\n1", /@Grab \(downloading libraries at run time\)/, 1, 1],
  ["def m = [1, 2].stream()", /Java streams/, 1, 16],
];

test('constructs Kiln does not run are refused with what and where', async () => {
  for (const [src, message, line, col] of refused) {
    const err = await caught(run(src));
    assert.ok(err instanceof ScriptError, `${src}: ${String(err)}`);
    assert.equal(err.code, 'not-supported', `${src}: ${err.message}`);
    assert.match(err.message, /^not supported in Kiln's pipeline interpreter: /);
    assert.match(err.message, message, src);
    assert.equal(err.loc?.start.line, line, `line: ${src}: ${err.message}`);
    assert.equal(err.loc?.start.col, col, `col: ${src}: ${err.message}`);
  }
});

test('unknown names, methods and steps say what is missing, where, and suggest', async () => {
  const e1 = await caught(run('def a = 1\necho foo'));
  assert.ok(e1 instanceof ScriptError);
  assert.equal(e1.message, 'No such property: foo for class: WorkflowScript');
  assert.deepEqual([e1.loc?.start.line, e1.loc?.start.col], [2, 6]);
  assert.equal(e1.javaClass, 'groovy.lang.MissingPropertyException');
  const e2 = await caught(run("\n  ech 'x'"));
  assert.ok(e2 instanceof ScriptError);
  assert.equal(e2.message, "No such DSL method 'ech' found among steps (did you mean 'echo'?)");
  assert.deepEqual([e2.loc?.start.line, e2.loc?.start.col], [2, 3]);
  const e3 = await caught(run("def s = 'x'\ns.trimm()"));
  assert.ok(e3 instanceof ScriptError);
  assert.match(e3.message, /^No signature of method: java\.lang\.String\.trimm\(\) is applicable for argument types: \(\)/);
  assert.deepEqual([e3.loc?.start.line, e3.loc?.start.col], [2, 3]);
  // The receiver named by its Java class, as Groovy's MissingMethodException names it.
  assert.match(((await caught(run('[1, 2].bar()'))) as Error).message, /^No signature of method: java\.util\.ArrayList\.bar\(\) is applicable for argument types: \(\) values: \[\]$/);
  assert.match(((await caught(run("[a: 1].baz('x')"))) as Error).message, /^No signature of method: java\.util\.LinkedHashMap\.baz\(\) is applicable for argument types: \(java\.lang\.String\) values: \[x\]$/);
  assert.match(((await caught(run('5.qux()'))) as Error).message, /^No signature of method: java\.lang\.Integer\.qux\(\)/);
  const e4 = await caught(run('def m = null\nm.size()'));
  assert.ok(e4 instanceof ScriptError && e4.message === 'Cannot invoke method size() on null object');
  const e5 = await caught(run('def m = null\nm.key'));
  assert.ok(e5 instanceof ScriptError && e5.message === "Cannot get property 'key' on null object");
  const e6 = await caught(run("def m = null\nm.key = 'v'"));
  assert.ok(e6 instanceof ScriptError && e6.message === "Cannot set property 'key' on null object");
  const e7 = await caught(run('def f() { 1 }\nf'));
  assert.ok(e7 instanceof ScriptError && /f is a function: call it as f\(\)/.test(e7.message));
});

test('an unknown DSL method is an Error, which catch (Exception e) does not catch (as in Jenkins)', async () => {
  const err = await caught(run("try { notAStep() } catch (Exception e) { 'caught' }"));
  assert.ok(err instanceof ScriptError && err.javaClass === 'java.lang.NoSuchMethodError');
  assert.equal((await run("try { notAStep() } catch (Throwable t) { 'caught' }")).value, 'caught');
});

test('more refusals: Map.withDefault', async () => {
  for (const [src, message] of [
    ['def m = [:].withDefault { 0 }', /Map\.withDefault \{ \} \(use m\.get\(key, default\)/],
  ] as const) {
    const err = await caught(run(src));
    assert.ok(err instanceof ScriptError && err.code === 'not-supported', String(err));
    assert.match(err.message, message);
  }
});

test('a closure\'s delegate (the builder pattern): DELEGATE_FIRST sends undeclared names to it; OWNER_FIRST does not', async () => {
  const { value } = await run("def config = [:]\ndef body = { name = 'shop'; deploy = true; local = 1 }\nbody.resolveStrategy = Closure.DELEGATE_FIRST\nbody.delegate = config\nbody()\n[config, body.delegate.is(config), body.resolveStrategy]");
  assert.deepEqual(value, [new Map<string, unknown>([['name', 'shop'], ['deploy', true], ['local', 1]]), true, 1]);
  const owner = await run("def config = [:]\ndef body = { name = 'shop' }\nbody.delegate = config\nbody()\n[config.size(), name]");
  assert.deepEqual(owner.value, [0, 'shop']);
  const bad = await caught(run("def c = { }\nc.resolveStrategy = 'first'"));
  assert.ok(bad instanceof ScriptError && /resolveStrategy must be one of/.test(bad.message), String(bad));
});

test('each over a huge range does not build the list first (which would be too large)', async () => {
  const { value } = await run("def n = 0\ntry { (1..20000000).each { n += it\n if (it == 3) error 'enough' } } catch (e) { n += 100 }\nn");
  assert.equal(value, 106);
});

test('(1..1e9).toList() and a string of 20 million characters as a list fail at once with the limit and the position', async () => {
  const e1 = await caught(run('def x = 1\ndef l = (1..1000000000).toList()'));
  assert.ok(e1 instanceof ScriptError && e1.code === 'limit', String(e1));
  assert.match(e1.message, /^too large: the range 1\.\.1000000000 as a list \(1000000000 items\)/);
  assert.equal(e1.loc?.start.line, 2);
  const e2 = await caught(run("def s = 'ab' * 10000000\ns.toList()"));
  assert.ok(e2 instanceof ScriptError && /too large: a list of 20000000 items \(Kiln limits strings to 100 MB and lists to 1,000,000 items\)/.test(e2.message), String(e2));
  assert.equal(e2.loc?.start.line, 2);
});

test('whole-list work on big lists: unique/minus/intersect are not quadratic, sort lets timers run and can be aborted', async () => {
  const { value } = await run('def l = (1..200000).toList()\n[l.unique().size(), (l - l.collect { it + 1 }).size(), l.intersect(l.collect { it + 1 }).size(), (l + [[1], [1]]).unique().size(), l.toSet().size()]');
  assert.deepEqual(value, [200000, 1, 199999, 200001, 200000]);
  let ticks = 0;
  const t = setInterval(() => { ticks++; }, 5);
  const sorted = await run('def l = (1..1000000).toList().reverse()\nl.sort()\n[l[0], l[-1], l.size()]');
  clearInterval(t);
  assert.deepEqual(sorted.value, [1, 1000000, 1000000]);
  assert.ok(ticks > 0, 'timers ran during the sort');
  const err = await caught(run('def l = (1..1000000).toList().reverse()\nl.sort()', { signal: abortAfter(50) }));
  assert.ok(err instanceof Interrupted, String(err));
});

test('String.reverse keeps surrogate pairs and handles long strings', async () => {
  assert.equal((await run("'ab\u{1F600}c'.reverse()")).value, 'c\u{1F600}ba');
  assert.equal((await run("def s = ('ab' * 100000).reverse()\n[s.size(), s[0], s[-1]]")).value?.toString(), ['200000', 'b', 'a'].toString());
});
