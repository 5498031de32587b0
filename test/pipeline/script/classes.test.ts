// Classes, enums, imports and @Field in a Jenkinsfile, as Groovy (and so Jenkins) runs them:
// what a user sees when their helper classes run, and the errors when they are misused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ev, rejects, run } from './fake-host.ts';
import { parse } from '../../../src/pipeline/syntax/parser.ts';
import type { ClassDecl, ImportStmt } from '../../../src/pipeline/syntax/ast.ts';


async function echoes(src: string): Promise<string[]> {
  const { host } = await run(src);
  return host.calls.filter((c) => c.name === 'echo').map((c) => String(c.args.positional[0]));
}

test('the parser keeps a class: fields, methods, constructors, static members, with positions', () => {
  const r = parse('package a.b\nimport static java.lang.Math.max as mx\nimport java.util.*\nclass Foo extends Bar implements Serializable, Cloneable {\n  static final int N = 2\n  def a, b = 1\n  Foo(x) { a = x }\n  @NonCPS\n  static String hi(String s = "x") { s }\n}\nenum E { X, Y(2); E() {}; E(n) {} }');
  assert.deepEqual(r.diagnostics, []);
  const [i1, i2, c, e] = r.ast!.body as [ImportStmt, ImportStmt, ClassDecl, ClassDecl];
  assert.deepEqual([i1.path, i1.isStatic, i1.star, i1.alias], ['java.lang.Math.max', true, false, 'mx']);
  assert.deepEqual([i2.path, i2.isStatic, i2.star, i2.alias], ['java.util.*', false, true, null]);
  assert.equal(c.name, 'Foo');
  assert.equal(c.superName, 'Bar');
  assert.deepEqual(c.interfaces, ['Serializable', 'Cloneable']);
  assert.deepEqual(c.fields.map((f) => [f.name, f.isStatic, f.typeName, f.nameLoc.start.line, f.nameLoc.start.col]), [['N', true, 'int', 5, 20], ['a', false, null, 6, 7], ['b', false, null, 6, 10]]);
  assert.deepEqual(c.constructors.map((m) => m.params.map((p) => p.name)), [['x']]);
  assert.deepEqual(c.methods.map((m) => [m.name, m.isStatic, m.annotations, m.loc.start.line, m.loc.start.col]), [['hi', true, ['NonCPS'], 8, 3]]);
  assert.deepEqual([c.loc.start.line, c.loc.end.line, c.nameLoc.start.col], [4, 10, 7]);
  assert.deepEqual(e.constants.map((k) => [k.name, k.args.length]), [['X', 0], ['Y', 1]]);
  assert.equal(e.constructors.length, 2);
});

test('the parser refuses a class inside a block, and a package that is not first', () => {
  const r1 = parse("node {\n  class A {}\n}");
  assert.match(r1.diagnostics[0]!.message, /a class can only be defined at the top level of the script/);
  assert.deepEqual([r1.diagnostics[0]!.loc.start.line, r1.diagnostics[0]!.loc.start.col], [2, 3]);
  const r2 = parse("echo 'x'\npackage a.b");
  assert.match(r2.diagnostics[0]!.message, /'package' declaration must be the first statement/);
  // an import inside a block is a compile error in Groovy ("Unknown type: IMPORT"), not an import that is silently ignored
  const r4 = parse("node {\n  import groovy.json.JsonOutput\n  echo JsonOutput.toJson([1])\n}");
  assert.match(r4.diagnostics[0]!.message, /an import can only be written at the top level of the script/);
  assert.deepEqual([r4.diagnostics[0]!.loc.start.line, r4.diagnostics[0]!.loc.start.col], [2, 3]);
  assert.deepEqual(parse("echo 'x'\nimport groovy.json.JsonOutput\necho JsonOutput.toJson([1])").diagnostics, []);
  const r3 = parse('class A {\n  foo\n}');
  assert.match(r3.diagnostics[0]!.message, /expected a field, method or constructor in class A/);
});

test('methods see their fields and static fields, not the script binding or its top-level defs', async () => {
  assert.deepEqual(await echoes("class C { def x = 1; static S = 's'; def m() { x++; \"${x}${S}\" } }\nnode { def c = new C(); c.m(); echo c.m() }"), ['3s']);
  await rejects("g = 5\nclass C { def m() { g } }\nnew C().m()", /No such property: g for class: C/, 2);
  await rejects("def t = 5\nclass C { def m() { t } }\nnew C().m()", /No such property: t for class: C/, 2);
  await rejects("class C { def m() { undeclared = 1 } }\nnew C().m()", /No such property: undeclared for class: C/, 1);
  await rejects("class C { def m() { env.X } }\nnew C().m()", /No such property: env for class: C/, 1);
});

test('@Field variables are seen by functions; plain defs are not; undeclared assignments are', async () => {
  assert.equal(await ev('import groovy.transform.Field\n@Field def x = 1\ndef f() { return x }\nf()'), 1);
  assert.equal(await ev('@groovy.transform.Field String name = "n"\ndef f() { name * 2 }\nf()'), 'nn');
  assert.equal(await ev('y = 1\ndef f() { y }\nf()'), 1);
  await rejects('def z = 1\ndef f() { z }\nf()', /No such property: z for class: WorkflowScript/, 2);
});

test('steps through the script object passed to a class; a step called bare in a class fails as in Jenkins', async () => {
  const { host } = await run("class U { def steps; U(steps) { this.steps = steps }; def hi() { steps.echo 'x'; steps.sh 'true'; steps.env.HOME } }\nnew U(this).hi()", { env: { HOME: '/h' } });
  assert.deepEqual(host.calls.map((c) => c.name), ['echo', 'sh']);
  await rejects("class U { def hi() { echo 'x' } }\nnew U().hi()", /No signature of method: U\.echo\(\) is applicable for argument types: \(java\.lang\.String\) values: \[x\]/, 1);
  await rejects("class U { def hi() { steps.echo 'x' } }\nnew U().hi()", /No such property: steps for class: U/, 1);
  // println in a class is Groovy's System.out one, which Jenkins' sandbox refuses (never the build's console)
  await rejects("class U { def hi() { println 'lost'; 1 } }\nnew U().hi()", /Scripts not permitted to use staticMethod org\.codehaus\.groovy\.runtime\.DefaultGroovyMethods println java\.lang\.Object java\.lang\.Object/, 1);
});

test('constructors: declared ones, this(...) and super(...), map-style construction, no matching constructor', async () => {
  assert.deepEqual(await echoes("class P { String n; int a = 1 }\ndef p = new P(n: 'x', a: 3)\necho \"${p.n} ${p.a}\"\necho new P().n ?: 'null'"), ['x 3', 'null']);
  assert.deepEqual(await echoes("class A { def v; A(v) { this.v = v } }\nclass B extends A { def w = 2; B() { this(10) }; B(x) { super(x + 1) } }\ndef b = new B()\necho \"${b.v} ${b.w}\""), ['11 2']);
  await rejects("class A { A(x) {} }\nnew A()", /Could not find matching constructor for: A\(\)/, 2);
  await rejects("class P { String n }\nnew P(z: 1)", /No such property: z for class: P/, 2);
  await rejects("interface I { def m() }\nnew I()", /You cannot create an instance from the abstract interface 'I'/, 2);
});

test('properties: getters and setters are used for obj.prop, and generated for fields', async () => {
  assert.deepEqual(await echoes("class T { def n = 'a'; def getUpper() { n.toUpperCase() }; void setLower(v) { n = v.toLowerCase() } }\ndef t = new T()\nt.lower = 'XY'\necho t.upper\necho t.getN()\nt.setN('q')\necho t.n"), ['XY', 'xy', 'q']);
  await rejects("class T { }\nnew T().nope", /No such property: nope for class: T/, 2);
  await rejects("class T { }\nnew T().nope()", /No signature of method: T\.nope\(\)/, 2);
});

test('inheritance: overriding, super.method(), dynamic dispatch, instanceof', async () => {
  assert.deepEqual(await echoes("class A { def name() { 'A' }; def hello() { \"hi ${name()}\" } }\nclass B extends A { def name() { 'B' }; def hello() { super.hello() + '!' } }\necho new B().hello()\necho \"${new B() instanceof A} ${new A() instanceof B} ${new A() instanceof Serializable}\""), ['hi B!', 'true false false']);
  assert.equal(await ev("class A implements Serializable {}\nnew A() instanceof Serializable"), true);
  assert.equal(await ev("class A {}\nclass B extends A {}\ndef r = ''\nswitch (new B()) { case String: r = 's'; break; case A: r = 'a'; break }\nr"), 'a');
});

test('static members: Foo.method(), Foo.FIELD, assignment, static methods calling each other', async () => {
  assert.deepEqual(await echoes("class K { static int n = 0; static inc() { n++; twice() }; static twice() { n * 2 } }\nK.inc()\necho \"${K.inc()} ${K.n}\"\nK.n = 10\necho \"${K.n}\""), ['4 2', '10']);
  await rejects("class K { static s() {} }\nK.nope()", /No signature of method: static K\.nope\(\)/, 2);
});

test('toString, equals and compareTo of a class are used by GStrings, echo, println, == and <', async () => {
  const src = "class V { int v; String toString() { \"V${v}\" }; boolean equals(o) { o instanceof V && o.v == v }; int compareTo(o) { v <=> o.v } }\n" +
    "def a = new V(v: 1), b = new V(v: 1), c = new V(v: 2)\necho \"${a}\"\necho a\nprintln c\necho \"${a == b} ${a != c} ${a < c} ${a.is(b)}\"\necho 'x' + a";
  assert.deepEqual(await echoes(src), ['V1', 'V1', 'V2', 'true true true false', 'xV1']);
  assert.match(String(await ev('class Q {}\n"${new Q()}"')), /^Q@[0-9a-f]+$/);
});

test('objects inside lists and maps print with their own toString() (join, toString, GStrings), as Groovy calls it for each element', async () => {
  const src = "class C { String n; String toString() { 'C(' + n + ')' } }\nclass Plain {}\n" +
    "def l = [new C(n: 'a'), [new C(n: 'b')]]\necho l.join(', ')\necho \"${l}\"\necho l.toString()\necho \"${[k: new C(n: 'c')]}\"\n" +
    "def m = [x: 1]\nm.self = m\necho \"${[new C(n: 'd'), 'e', 2]}\"\necho \"${[new Plain()]}\".replaceAll(/@[0-9a-f]+/, '@h')";
  assert.deepEqual(await echoes(src), ['C(a), [C(b)]', '[C(a), [C(b)]]', '[C(a), [C(b)]]', '[k:C(c)]', '[C(d), e, 2]', '[Plain@h]']);
});

test('enums: values, name, ordinal, valueOf, fields and methods, switch, comparison', async () => {
  const src = "enum Color { RED('r'), GREEN('g'); final String code; Color(c) { code = c }; def up() { code.toUpperCase() } }\n" +
    "echo \"${Color.values()} ${Color.RED.name()} ${Color.GREEN.ordinal()} ${Color.valueOf('GREEN').code} ${Color.RED.up()}\"\n" +
    "def c = Color.GREEN\nswitch (c) { case Color.RED: echo 'red'; break; case Color.GREEN: echo 'green'; break }\necho \"${Color.RED < Color.GREEN} ${c == Color.GREEN} ${c}\"";
  assert.deepEqual(await echoes(src), ['[RED, GREEN] RED 1 g R', 'green', 'true true GREEN']);
  await rejects("enum E { A }\nE.valueOf('B')", /No enum constant E\.B/, 2);
  await rejects("enum E { A }\nnew E()", /Enum constructor calls are only allowed inside the enum class/, 2);
});

test('imports: allowed classes resolve to the interpreter\'s, aliases, static imports; an unknown class fails where it is used', async () => {
  assert.equal(await ev('import java.lang.Math as M\nM.max(2, 5)'), 5);
  assert.equal(await ev('import static java.lang.Math.*\nmax(2, 7)'), 7);
  assert.equal(await ev('import com.acme.Tool\n"fine while unused"'), 'fine while unused');
  await rejects('import com.acme.Tool\n\nnew Tool()', /unable to resolve class com\.acme\.Tool/, 3);
  await rejects('import com.acme.Tool\nTool.run()', /unable to resolve class com\.acme\.Tool/, 2);
  await rejects('import java.io.File\nnew File("/etc/passwd")', /^Scripts not permitted to use new java\.io\.File java\.lang\.String$/, 2);
});

test('classes are defined before the script runs, and recursion in methods is bounded', async () => {
  assert.equal(await ev('def r = new Late().v()\nclass Late { def v() { 42 } }\nr'), 42);
  const { value } = await run('class F { def fact(n) { n <= 1 ? 1 : n * fact(n - 1) } }\nnew F().fact(10)');
  assert.equal(value, 3628800);
  await rejects('class F { def loop() { loop() } }\nnew F().loop()', /too deep/);
  await rejects('class A {}\nclass A {}\n1', /duplicate class definition of class A/, 2);
});

test('closures in methods see fields and this; a closure field is called like a method', async () => {
  assert.deepEqual(await echoes("class C { def items = [1, 2]; def factor = 3; def scaled() { items.collect { it * factor } }; def cb = { x -> x + 1 } }\ndef c = new C()\necho \"${c.scaled()} ${c.cb(1)}\""), ['[3, 6] 2']);
});

test('a script class hides a Java class of the same name; Java classes still resolve inside class methods', async () => {
  assert.equal(await ev("class Date { def v() { 'mine' } }\nnew Date().v()"), 'mine');
  assert.equal(await ev("class Math { static max(a, b) { 'mine' } }\nMath.max(1, 2)"), 'mine');
  assert.equal(await ev('class C { def d() { (new Date(0) + 1).getTime() }; def t() { Integer } }\n[new C().d(), new C().t().getName()]').then(String), '86400000,java.lang.Integer');
  assert.equal(await ev('import hudson.model.Result\nResult.FAILURE'), 'FAILURE');
  assert.equal(await ev('class C { }\nnew C().class.name'), 'C');
  await rejects('import com.acme.Tool\nTool', /^unable to resolve class com\.acme\.Tool$/, 2);
  await rejects('import com.acme.Tool\nclass C { def t() { Tool } }\nnew C().t()', /^unable to resolve class com\.acme\.Tool$/, 2);
  await rejects('import static com.acme.Tool.run\nrun()', /^unable to resolve class com\.acme\.Tool$/, 2);
});

test('with/tap: an object of a script class as the delegate, and a map delegate inside a class method', async () => {
  assert.equal(await ev('class C { def n = 2; def twice() { n * 2 } }\nnew C().with { twice() + n }'), 6);
  assert.equal(await ev('class C { def n = 2 }\ndef c = new C()\nc.with { n = 5 }\nc.n'), 5);
  assert.equal(await ev('class C { def n = 2; def f() { [a: 1].with { a + n } } }\nnew C().f()'), 3);
});

test('a step given an object prints its toString(), also with a trailing closure body', async () => {
  const { host } = await run("class N { String toString() { 'Build' } }\nstage(new N(), { echo 'in' })");
  assert.deepEqual(host.log.filter((l) => l.startsWith('[stage')), ['[stage Build]']);
  assert.deepEqual(await echoes("class N { String toString() { 'n!' } }\necho new N()"), ['n!']);
});

test('bare calls in a member reach what every object and enum has: name(), ordinal(), getClass(), property accessors', async () => {
  assert.deepEqual(await echoes([
    "enum Color { RED, GREEN\n String low() { name().toLowerCase() + ordinal() } }",
    "class P { String n; int a\n String d() { \"${getN()}-${getA()}\" }\n String c() { getClass().simpleName + ' ' + this.getClass().name } }",
    "echo Color.GREEN.low()",
    "echo new P(n: 'x', a: 2).d()",
    "echo new P().c()",
    "echo new P().getClass().simpleName",
  ].join('\n')), ['green1', 'x-2', 'P P', 'P']);
});

test('catch (AssertionError e) catches a failed power assert, as PowerAssertionError extends it', async () => {
  assert.deepEqual(await echoes("try { assert 1 == 2 } catch (AssertionError e) { echo e.getClass().name }"),
    ['org.codehaus.groovy.runtime.powerassert.PowerAssertionError']);
});

test('a declared return type casts what a method or function returns, as Groovy does; void returns null', async () => {
  assert.deepEqual(await echoes([
    "class Sq { def side\n Sq(s) { side = s }\n double area() { side * side }\n String label() { 42 }\n void nothing() { 5 }\n int whole() { return 7.9 } }",
    "double half(n) { n / 2 }",
    "String str(n) { n }",
    "def s = new Sq(2)",
    "echo String.format('%.1f', s.area())",
    "echo \"${s.label().getClass().simpleName} ${s.nothing()} ${s.whole()}\"",
    "echo \"${half(3)} ${half(4).getClass().simpleName} ${str(5).getClass().simpleName}\"",
  ].join('\n')), ['4.0', 'String null 7', '1.5 Double String']);
  await rejects("int f() { 'seven' }\nf()", /Cannot cast object 'seven' with class 'java.lang.String' to class 'int'/);
});

test('`as String[]` and getBytes()/toCharArray() are arrays: their size is .length', async () => {
  assert.deepEqual(await echoes([
    "def a = [1, 'x'] as String[]",
    "echo \"${a.length} ${a[0].getClass().simpleName}\"",
    "echo \"${'é'.bytes.length} ${'ab'.toCharArray().length} ${'a,b'.split(',').length}\"",
  ].join('\n')), ['2 String', '2 2 2']);
});
