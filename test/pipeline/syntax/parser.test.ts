import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parse, parseExpression } from '../../../src/pipeline/syntax/parser.ts';
import type { CallExpr, ClosureExpr, Expr, Script, Stmt, StringLit } from '../../../src/pipeline/syntax/ast.ts';
import { at, sexp } from './sexp.ts';
import { SEED } from './fixtures.ts';

function ok(src: string): Script {
  const r = parse(src);
  assert.deepEqual(r.diagnostics, [], `unexpected diagnostics for:\n${src}`);
  assert.ok(r.ast);
  return r.ast;
}

/** The S-expression of a whole script (statements joined by newlines). */
function s(src: string): string {
  return sexp(ok(src));
}

function expr(src: string): Expr {
  const r = parseExpression(src);
  assert.deepEqual(r.diagnostics, [], `unexpected diagnostics for: ${src}`);
  return r.ast!;
}

function e(src: string): string {
  return sexp(expr(src));
}

function stmt(src: string, i = 0): Stmt {
  return ok(src).body[i]!;
}

function call(st: Stmt): CallExpr {
  assert.equal(st.type, 'ExprStmt');
  const x = (st as { expr: Expr }).expr;
  assert.equal(x.type, 'Call');
  return x as CallExpr;
}


describe('the seed pipeline', () => {
  test('parses to the expected calls', () => {
    assert.equal(
      s(SEED),
      '(cmd pipeline { (cmd agent { (cmd kubernetes { (cmd yaml ' + JSON.stringify(
        '\napiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: git\n    image: alpine/git:latest\n    command:\n    - cat\n    tty: true\n',
      ) + ')})}) (cmd stages { (call stage "Clone Repository" { (cmd steps { (call container "git" { (cmd sh ' +
        '"git clone https://github.com/spring-petclinic/spring-framework-petclinic.git .")})})}) (call stage "Build" { (cmd steps { (call container "maven" { (cmd sh "mvn clean package -DskipTests")})})})})})',
    );
  });

  test('the pod YAML is kept exactly, leading newline and indentation included', () => {
    const ast = ok(SEED);
    const pipeline = call(ast.body[0]!);
    const agent = call(pipeline.closure!.body[0]!);
    const k8s = call(agent.closure!.body[0]!);
    const yaml = call(k8s.closure!.body[0]!);
    assert.equal(sexp(yaml.callee), 'yaml');
    assert.equal(yaml.parens, false);
    const str = yaml.args[0] as StringLit;
    assert.equal(str.type, 'String');
    assert.equal(str.quote, '"""');
    assert.equal(str.value, SEED.slice(SEED.indexOf('"""') + 3, SEED.lastIndexOf('"""')));
    assert.equal(at(str.loc), '4:18-14:4');
    assert.equal(at(yaml.loc), '4:13-14:4');
  });

  test('positions of calls start at the callee', () => {
    const ast = ok(SEED);
    const pipeline = call(ast.body[0]!);
    assert.equal(at(pipeline.loc), '1:1-23:2');
    assert.equal(at(pipeline.closure!.loc), '1:10-23:2');
    const stages = call(pipeline.closure!.body[1]!);
    const build = call(stages.closure!.body[1]!);
    assert.equal(at(build.loc), '21:9-21:95');
    assert.equal(at(build.callee.loc), '21:9-21:14');
    assert.equal(at(build.args[0]!.loc), '21:15-21:22');
    assert.equal(ast.loc.end.line, 24);
    assert.equal(ast.loc.end.offset, SEED.length);
  });
});

describe('literals', () => {
  test('strings, numbers, booleans, null', () => {
    assert.equal(e(`'a'`), '"a"');
    assert.equal(e('"b"'), '"b"');
    assert.equal(e('0x1F'), '0x1F');
    assert.equal(e('true'), 'true');
    assert.equal(e('null'), 'null');
    const n = expr('1.5e3');
    assert.deepEqual(n.type === 'Number' && [n.value, n.isInteger, n.raw], [1500, false, '1.5e3']);
  });

  test('GStrings', () => {
    assert.equal(e('"a ${b} $c.d"'), '(gstr "a " b " " (. c d) "")');
    assert.equal(e('"""x${y}z"""'), '(gstr "x" y "z")');
    assert.equal(e('/a${b}c/'), '(gstr "a" b "c")');
    assert.equal(e('$/a${b}/$'), '(gstr "a" b "")');
    assert.equal(e('"${a ? "x${b}" : \'}\'}"'), '(gstr "" (? a (gstr "x" b "") "}") "")');
    assert.equal(e('"${ -> a }"'), '(gstr "" { -> a} "")');
    assert.equal(e('"${}"'), '(gstr "" null "")');
    // Groovy: a placeholder of several statements is a closure called at once, worth its last value
    assert.equal(e('"${a; b}"'), '(gstr "" (call (. { a b} call)) "")');
    assert.equal(e('"${def x = 1; x}"'), '(gstr "" (call (. { (var x 1) x} call)) "")');
    assert.equal(e('"${if (a) { b } else { c }}"'), '(gstr "" (call (. { (if a (block b) (block c))} call)) "")');
    // one expression, whatever follows it on its line, stays that expression
    assert.equal(e('"${a;}"'), '(gstr "" a "")');
    assert.equal(e('"${a\n}"'), '(gstr "" a "")');
    const g = expr('"ab ${c.d} $e"');
    assert.ok(g.type === 'GString');
    assert.equal(g.quote, '"');
    assert.equal(at(g.loc), '1:1-1:15');
    assert.equal(at(g.exprs[0]!.loc), '1:7-1:10');
    assert.equal(at(g.exprs[1]!.loc), '1:13-1:14');
  });

  test('lists and maps', () => {
    assert.equal(e('[1, 2, 3,]'), '[1 2 3]');
    assert.equal(e('[]'), '[]');
    assert.equal(e('[:]'), '[:]');
    assert.equal(e(`[a: 1, 'b': 2, (c): 3, "\${d}": 4, 5: 6, default: 7,]`), '["a": 1, "b": 2, c: 3, (gstr "" d ""): 4, 5: 6, "default": 7]');
    assert.equal(e('[[a: [1]], [:]]'), '[["a": [1]] [:]]');
    const m = expr("[k: 'v']");
    assert.ok(m.type === 'Map');
    assert.equal(at(m.entries[0]!.key.loc), '1:2-1:3');
    assert.equal(at(m.entries[0]!.loc), '1:2-1:8');
  });

  test('closures', () => {
    assert.equal(e('{ it }'), '{ it}');
    assert.equal(e('{ -> 1 }'), '{ -> 1}');
    assert.equal(e('{ a, b -> a + b }'), '{a, b -> (+ a b)}');
    assert.equal(e('{ String s, int n = 2 -> s * n }'), '{String s, int n=2 -> (* s n)}');
    assert.equal(e('{ Map.Entry<String, Integer> en -> en }'), '{Map.Entry<String, Integer> en -> en}');
    assert.equal(e('{ a,\n b -> }'), '{a, b ->}');
    assert.equal(e('{ x = 5 }'), '{ (= x 5)}');
    assert.equal(e('{ a < b }'), '{ (< a b)}');
    const c = expr('{ a -> a }') as ClosureExpr;
    assert.equal(c.explicitParams, true);
    assert.equal(at(c.params[0]!.loc), '1:3-1:4');
    assert.equal((expr('{ a }') as ClosureExpr).explicitParams, false);
  });
});

describe('operators and precedence', () => {
  test('arithmetic, power and unary (Groovy 2: -2 ** 2 is -(2 ** 2))', () => {
    assert.equal(e('1 + 2 * 3 - 4 / 2 % 3'), '(- (+ 1 (* 2 3)) (% (/ 4 2) 3))');
    assert.equal(e('-2 ** 2'), '(- (** 2 2))');
    assert.equal(e('2 ** 3 ** 2'), '(** (** 2 3) 2)');
    assert.equal(e('!a ** b'), '(** (! a) b)');
    assert.equal(e('a * -b'), '(* a (- b))');
    assert.equal(e('~a + +b'), '(+ (~ a) (+ b))');
    assert.equal(e('x++ + --y'), '(+ (post++ x) (-- y))');
    assert.equal(e('!!a'), '(! (! a))');
  });

  test('shift, range, relational, equality, regex, bitwise, logical', () => {
    assert.equal(e('a << 1 + 2'), '(<< a (+ 1 2))');
    assert.equal(e('1..n - 1'), '(.. 1 (- n 1))');
    assert.equal(e('0..<10'), '(..< 0 10)');
    assert.equal(e('a < b == c > d'), '(== (< a b) (> c d))');
    assert.equal(e('a in b && c !in d'), '(&& (in a b) (!in c d))');
    assert.equal(e('a == b =~ c'), '(=~ (== a b) c)');
    assert.equal(e('a ==~ /x/ || b <=> c'), '(|| (==~ a "x") (<=> b c))');
    assert.equal(e('a === b && a !== c'), '(&& (=== a b) (!== a c))');
    assert.equal(e('a & b ^ c | d && e || f'), '(|| (&& (| (^ (& a b) c) d) e) f)');
  });

  test('instanceof, as and Java-style casts', () => {
    assert.equal(e('x instanceof String'), '(instanceof x String)');
    assert.equal(e('x !instanceof java.util.List'), '(!instanceof x java.util.List)');
    assert.equal(e('x as Integer'), '(as x Integer)');
    assert.equal(e("['a'] as String[]"), '(as ["a"] String[])');
    assert.equal(e('x as List<String>'), '(as x List<String>)');
    assert.equal(e('a + b as String'), '(as (+ a b) String)');
    assert.equal(e('(String) x'), '(as x String)');
    assert.equal(e('(int) 2.5'), '(as 2.5 int)');
    assert.equal(e('(Map) readJSON(text: t)'), '(as (call readJSON text:t) Map)');
    assert.equal(e('(x) + 1'), '(+ x 1)');
    assert.equal(e('(env.FOO) ?: "d"'), '(?: (. env FOO) "d")');
  });

  test('ternary, elvis, assignment (right-associative)', () => {
    assert.equal(e('a ? b : c ? d : e'), '(? a b (? c d e))');
    assert.equal(e('a ?: b ?: c'), '(?: a (?: b c))');
    assert.equal(e('a = b = c'), '(= a (= b c))');
    assert.equal(e('x += 1'), '(+= x 1)');
    assert.equal(e('x ?= y'), '(?= x y)');
    assert.equal(e('m[k] = v'), '(= (index m k) v)');
    assert.equal(e('env.X = "${y}"'), '(= (. env X) (gstr "" y ""))');
    for (const op of ['-=', '*=', '/=', '%=', '**=', '<<=', '>>=', '>>>=', '&=', '|=', '^=']) {
      assert.equal(e(`x ${op} 1`), `(${op} x 1)`);
    }
  });

  test('a conditional may continue on the next line at ? and :', () => {
    assert.equal(s('def x = cond\n    ? a\n    : b'), '(var x (? cond a b))');
    assert.equal(s('def x = cond ?\n a :\n b'), '(var x (? cond a b))');
    assert.equal(s('def x = a\n  ?: b'), '(var x (?: a b))');
  });

  test('a binary operator at the end of a line continues the expression', () => {
    assert.equal(s('x = a +\n  b'), '(= x (+ a b))');
    assert.equal(s('x = a &&\n  b ||\n  c'), '(= x (|| (&& a b) c))');
  });

  test('binary expression positions', () => {
    const b = expr('a  +  b * c');
    assert.equal(at(b.loc), '1:1-1:12');
    assert.ok(b.type === 'Binary');
    assert.equal(at(b.right.loc), '1:7-1:12');
  });
});

describe('property access, calls, indexing', () => {
  test('property access: plain, safe, spread, quoted, keyword names', () => {
    assert.equal(e('a.b.c'), '(. (. a b) c)');
    assert.equal(e('a?.b'), '(?. a b)');
    assert.equal(e('a*.b'), '(*. a b)');
    assert.equal(e("a.'b c'"), '(. a b c)');
    assert.equal(e('x.class.name'), '(. (. x class) name)');
    assert.equal(e('params."${n}"'), '(index params (gstr "" n ""))');
    const p = expr('obj?.name');
    assert.ok(p.type === 'Property');
    assert.equal(p.safe, true);
    assert.equal(at(p.nameLoc), '1:6-1:10');
    assert.equal(at(p.loc), '1:1-1:10');
  });

  test('calls with parentheses: positional and named arguments in source order', () => {
    assert.equal(e('f()'), '(call f)');
    assert.equal(e('f(a, k: v, b)'), '(call f a k:v b)');
    assert.equal(e("f('k2': 1, (k): 2, default: 3)"), '(call f k2:1 (k):2 default:3)');
    const c = expr('f(a, k: v, b)') as CallExpr;
    assert.deepEqual(c.order, [{ kind: 'p', index: 0 }, { kind: 'n', index: 0 }, { kind: 'p', index: 1 }]);
    assert.equal(c.namedArgs[0]!.name, 'k');
    assert.equal(at(c.namedArgs[0]!.loc), '1:6-1:10');
    assert.equal(c.parens, true);
    assert.equal(e('a.b(1).c(2)'), '(call (. (call (. a b) 1) c) 2)');
    assert.equal(e('a?.b()'), '(call? (?. a b))');
    assert.equal(e("'a,b'.split(',')"), '(call (. "a,b" split) ",")');
    assert.equal(e('f(1)(2)'), '(call (call f 1) 2)');
    assert.equal(e('f(a,\n  b,\n)'), '(call f a b)');
    assert.equal(e('f (1)'), '(call f 1)');
  });

  test('trailing closures', () => {
    assert.equal(e('f { }'), '(cmd f {})');
    assert.equal(e('f(x) { it }'), '(call f x { it})');
    assert.equal(e('list.each { x -> x }'), '(cmd (. list each) {x -> x})');
    assert.equal(e('f(a: 1) { }'), '(call f a:1 {})');
    assert.equal(e('f {} {}'), '(cmd f {} {})');
    const c = expr('f(x) { }') as CallExpr;
    assert.equal(c.parens, true);
    assert.ok(c.closure);
    assert.equal(at(c.loc), '1:1-1:9');
  });

  test('indexing', () => {
    assert.equal(e('a[0]'), '(index a 0)');
    assert.equal(e('a[0][1]'), '(index (index a 0) 1)');
    assert.equal(e("m['k'].x"), '(. (index m "k") x)');
    assert.equal(e('a[1..2]'), '(index a (.. 1 2))');
    assert.equal(e('a[1, 2]'), '(index a [1 2])');
  });

  test('new', () => {
    assert.equal(e('new Foo()'), '(new Foo)');
    assert.equal(e("new java.io.File('x').text"), '(. (new java.io.File "x") text)');
    assert.equal(e('new Foo(1, a: 2)'), '(new Foo 1 a:2)');
    assert.equal(e('new ArrayList<String>()'), '(new ArrayList<String>)');
    assert.equal(e('new int[3]'), '(new int[] 3)');
    assert.equal(e('new Object() { def x() {} }'), '(new Object)');
    assert.equal(at(expr('new Foo(1)').loc), '1:1-1:11');
  });

  test('a method chain may continue on the next line with a leading dot', () => {
    assert.equal(s('def s = list\n  .findAll { it }\n  ?.join(",")\n  *.trim()'), '(var s (call (*. (call? (?. (cmd (. list findAll) { it}) join) ",") trim)))');
    assert.equal(s('x = a\n.b'), '(= x (. a b))');
  });
});

describe('command expressions (calls without parentheses)', () => {
  const cases: [string, string][] = [
    ["sh 'x'", '(cmd sh "x")'],
    ['echo "a ${b}"', '(cmd echo (gstr "a " b ""))'],
    ["values 'a', 'b', 'c'", '(cmd values "a" "b" "c")'],
    ['agent any', '(cmd agent any)'],
    ['agent none', '(cmd agent none)'],
    ["label 'x'", '(cmd label "x")'],
    ["git url: 'u', branch: 'main'", '(cmd git url:"u" branch:"main")'],
    ['retry 3', '(cmd retry 3)'],
    ['error "x"', '(cmd error "x")'],
    ["input message: 'ok?', ok: 'Yes'", '(cmd input message:"ok?" ok:"Yes")'],
    ["archiveArtifacts artifacts: '**/*.jar', fingerprint: true", '(cmd archiveArtifacts artifacts:"**/*.jar" fingerprint:true)'],
    ['checkout scm', '(cmd checkout scm)'],
    ["sh script: 'x', returnStdout: true", '(cmd sh script:"x" returnStdout:true)'],
    ["steps.sh 'x'", '(cmd (. steps sh) "x")'],
    ["this.echo 'x'", '(cmd (. this echo) "x")'],
    ["echo 'a', b: 1, 'c'", '(cmd echo "a" b:1 "c")'],
    // a keyword is a valid named-argument label, also as a command's first argument (Groovy's argumentLabel)
    ["addGitMetadata package: 'p', class: 'c'", '(cmd addGitMetadata package:"p" class:"c")'],
    ['println !done', '(cmd println (! done))'],
    ['println new Date()', '(cmd println (new Date))'],
    ['echo x ? "a" : "b"', '(cmd echo (? x "a" "b"))'],
    ['sleep time: 1 + 2, unit: "SECONDS"', '(cmd sleep time:(+ 1 2) unit:"SECONDS")'],
    ["parallel a: { sh 'x' }, b: { }", '(cmd parallel a:{ (cmd sh "x")} b:{})'],
    ["values 'a',\n       'b'", '(cmd values "a" "b")'],
    ["obj?.m 'x'", '(cmd? (?. obj m) "x")'],
    ["def x = sh 'y'", '(var x (cmd sh "y"))'],
    ["x = sh 'y'", '(= x (cmd sh "y"))'],
    ["def r = sh script: 'ls', returnStdout: true", '(var r (cmd sh script:"ls" returnStdout:true))'],
    // Not commands: these continue the expression instead, as in Groovy.
    ['foo [1]', '(index foo 1)'],
    ['foo (1)', '(call foo 1)'],
    ['foo -1', '(- foo 1)'],
    ['foo + 1', '(+ foo 1)'],
    ['foo {}', '(cmd foo {})'],
    ['foo\nbar', 'foo\nbar'],
  ];
  for (const [src, want] of cases) {
    test(src.replace(/\n/g, '\\n'), () => assert.equal(s(src), want));
  }

  test('a command is a Call without parentheses whose loc spans callee and arguments', () => {
    const c = call(stmt("  git url: 'u', branch: 'main'  // c"));
    assert.equal(c.parens, false);
    assert.equal(c.closure, null);
    assert.equal(at(c.loc), '1:3-1:31');
    assert.deepEqual(c.namedArgs.map((a) => a.name), ['url', 'branch']);
  });

  test('no command in return or in parenthesized arguments', () => {
    assert.equal(parse("return sh 'x'").ast, null);
    assert.equal(parse("f(sh 'x')").ast, null);
  });
});

describe('newlines and appended closures', () => {
  test('newlines separate statements; semicolons too', () => {
    assert.equal(s('a()\nb()'), '(call a)\n(call b)');
    assert.equal(s('a(); b();;c()'), '(call a)\n(call b)\n(call c)');
    assert.equal(s('x = 1\n-1'), '(= x 1)\n(- 1)');
    assert.equal(s('x = foo\n[1, 2].each { }'), '(= x foo)\n(cmd (. [1 2] each) {})');
    assert.equal(s('f()\n(g)'), '(call f)\ng');
  });

  test('newlines inside ( ) and [ ] are ignored', () => {
    assert.equal(s('f(\n  a\n  ,\n  b\n)'), '(call f a b)');
    assert.equal(s('x = [\n 1\n ,\n 2\n]'), '(= x [1 2])');
    assert.equal(s('x = (a\n + b)'), '(= x (+ a b))');
  });

  test("a '{' on the next line attaches to the call that starts the statement (Groovy does too)", () => {
    assert.equal(s("stage('x')\n{\n  echo 'y'\n}"), '(call stage "x" { (cmd echo "y")})');
    assert.equal(s('steps\n{\n}'), '(cmd steps {})');
    assert.equal(s('node {\n  stage("a")\n  {\n    sh "x"\n  }\n}'), '(cmd node { (call stage "a" { (cmd sh "x")})})');
    assert.equal(s('def c = foo\n{ }'), '(var c (cmd foo {}))');
  });

  test('a closure with parameters may stand alone as a statement', () => {
    assert.equal(s('{ a -> a }'), '{a -> a}');
    assert.equal(s('{ -> 1 }'), '{ -> 1}');
  });
});

describe('declarations', () => {
  const cases: [string, string][] = [
    ['def x = 1', '(var x 1)'],
    ['def x', '(var x)'],
    ["String s = 'a'", '(var String s "a")'],
    ['int i = 0', '(var int i 0)'],
    ['final x = 1', '(var x 1)'],
    ["final String y = 'z'", '(var String y "z")'],
    ['def String ds', '(var String ds)'],
    ['def (a, b) = [1, 2]', '(var (a b) [1 2])'],
    ['def (String a, int b) = f()', '(var (a b) (call f))'],
    ['List<String> xs = []', '(var List<String> xs [])'],
    ['Map<String, Integer> m = [:]', '(var Map<String, Integer> m [:])'],
    ['Map<String, List<Map<String, Integer>>> deep = null', '(var Map<String, List<Map<String, Integer>>> deep null)'],
    ['String[] parts = x.split(",")', '(var String[] parts (call (. x split) ","))'],
    ['java.util.List q = null', '(var java.util.List q null)'],
    ['Map.Entry e = null', '(var Map.Entry e null)'],
    ['static final int N = 3', '(var int N 3)'],
    ['def a = 1, b = 2', '(var a 1)\n(var b 2)'],
    ['boolean ok', '(var boolean ok)'],
    // lower-case first word: a command, not a declaration (Groovy's rule)
    ['checkout scm', '(cmd checkout scm)'],
    ['myType x', '(cmd myType x)'],
    ['FOO = 1', '(= FOO 1)'],
  ];
  for (const [src, want] of cases) {
    test(src.replace(/\n/g, '\\n'), () => assert.equal(s(src), want));
  }

  test('declaration positions', () => {
    const d = stmt('  def (a, bb) = [1, 2]');
    assert.ok(d.type === 'VarDecl');
    assert.equal(d.multi, true);
    assert.equal(at(d.loc), '1:3-1:23');
    assert.deepEqual(d.names.map((n) => at(n.loc)), ['1:8-1:9', '1:11-1:13']);
    const t = stmt("String name = 'x'");
    assert.ok(t.type === 'VarDecl');
    assert.equal(t.typeName, 'String');
    assert.equal(at(t.loc), '1:1-1:18');
    assert.equal(at(t.init!.loc), '1:15-1:18');
  });

  test('a declaration does not take a name from the next line', () => {
    assert.equal(s('def x\nString s'), '(var x)\n(var String s)');
  });
});

describe('statements', () => {
  test('if / else if / else, with and without braces', () => {
    assert.equal(s('if (a) b() else if (c) { d() } else e()'), '(if a (call b) (if c (block (call d)) (call e)))');
    assert.equal(s('if (a) {\n  b()\n}\nelse {\n  c()\n}'), '(if a (block (call b)) (block (call c)))');
    assert.equal(s('if (a)\n  b()\nelse\n  c()'), '(if a (call b) (call c))');
    assert.equal(s('if (a) b(); else c()'), '(if a (call b) (call c))');
    assert.equal(s("if (x) sh 'a'"), '(if x (cmd sh "a"))');
    const i = stmt('if (a) { } else if (b) { }');
    assert.equal(at(i.loc), '1:1-1:27');
    assert.ok(i.type === 'If');
    assert.equal(at(i.alternate!.loc), '1:17-1:27');
  });

  test('for loops', () => {
    assert.equal(s('for (x in xs) { echo x }'), '(for-in x xs (block (cmd echo x)))');
    assert.equal(s('for (def x in xs) echo x'), '(for-in x xs (cmd echo x))');
    assert.equal(s('for (String x : xs) {}'), '(for-in x xs (block))');
    assert.equal(s('for (Map.Entry e in m) {}'), '(for-in e m (block))');
    assert.equal(s('for (i in 0..<n) {}'), '(for-in i (..< 0 n) (block))');
    assert.equal(s('for (int i = 0; i < n; i++) { }'), '(for (var int i 0) (< i n) ((post++ i)) (block))');
    assert.equal(s('for (i = 0, j = 1; i < j; i++, j--) ;'), '(for (block (= i 0) (= j 1)) (< i j) ((post++ i) (post-- j)) (block))');
    assert.equal(s('for (;;) { break }'), '(for nil nil () (block (break)))');
    assert.equal(s('for (x in xs.findAll { it > 1 }) {}'), '(for-in x (cmd (. xs findAll) { (> it 1)}) (block))');
    const f = stmt('for (item in items) {}');
    assert.ok(f.type === 'ForIn');
    assert.equal(at(f.varLoc), '1:6-1:10');
  });

  test('while, return, break, continue, throw', () => {
    assert.equal(s('while (x < 3) x++'), '(while (< x 3) (post++ x))');
    assert.equal(s('while (true) { if (a) break; else continue }'), '(while true (block (if a (break) (continue))))');
    assert.equal(s('def f() { return }'), '(fn f () (block (return)))');
    assert.equal(s('def f() { return x + 1 }'), '(fn f () (block (return (+ x 1))))');
    assert.equal(s('def f() {\n  return\n  x\n}'), '(fn f () (block (return) x))');
    assert.equal(s("throw new Exception('x')"), '(throw (new Exception "x"))');
  });

  test('try / catch / finally', () => {
    assert.equal(
      s('try { a() } catch (Exception e) { b() } catch (e) {} catch (IOException | InterruptedException e) {} finally { c() }'),
      '(try (block (call a)) (catch [Exception] e (block (call b))) (catch [] e (block)) (catch [IOException | InterruptedException] e (block)) (finally (block (call c))))',
    );
    assert.equal(s('try {\n} \ncatch (final java.io.IOException ex) {\n}\nfinally {\n}'), '(try (block) (catch [java.io.IOException] ex (block)) (finally (block)))');
    const t = stmt('try { } catch (E e) { }');
    assert.ok(t.type === 'Try');
    assert.equal(at(t.handlers[0]!.loc), '1:9-1:24');
  });

  test('switch / case / default', () => {
    assert.equal(
      s("switch (x) {\n  case 'a': foo(); break\n  case ['b', 'c']:\n  case ~/d.*/:\n    bar()\n  default: baz()\n}"),
      '(switch x (case "a" (call foo) (break)) (case ["b" "c"]) (case (~ "d.*") (call bar)) (default (call baz)))',
    );
    assert.equal(s('switch (x) { }'), '(switch x)');
  });

  test('functions', () => {
    assert.equal(s('def name(a, b = 1) { a + b }'), '(fn name (a, b=1) (block (+ a b)))');
    assert.equal(s('void f() {}'), '(fn f () (block))');
    assert.equal(s('String g(String a, int... rest) { a }'), '(fn g (String a, int... rest) (block a))');
    assert.equal(s('private static Map h(Map args = [:]) throws IOException, Foo { }'), '(fn h (Map args=[:]) (block))');
    assert.equal(s('def f(final String a, def b) {}'), '(fn f (String a, b) (block))');
    assert.equal(s('List<String> names()\n{\n}'), '(fn names () (block))');
    const f = stmt('def f(x) {\n}');
    assert.equal(at(f.loc), '1:1-2:2');
  });

  test('imports, annotations, classes', () => {
    assert.equal(s('import a.b.C'), '(import a.b.C)');
    assert.equal(s('import static a.b.C.m'), '(import a.b.C.m)');
    assert.equal(s('import a.b.*'), '(import a.b.*)');
    assert.equal(s('import a.b.C as D'), '(import a.b.C)');
    assert.equal(s("@Library('x@y') _"), '(@Library "x@y")');
    assert.equal(s("@Library(['a','b']) import foo.Bar"), '(@Library ["a" "b"])\n(import foo.Bar)');
    assert.equal(s("@Library(value='x', changelog=false) _"), '(@Library value="x" changelog=false)');
    assert.equal(s('@NonCPS\ndef f() {}'), '(@NonCPS)\n(fn f () (block))');
    assert.equal(s('@groovy.transform.Field\ndef x = 1'), '(@groovy.transform.Field)\n(var x 1)');
    assert.equal(s('class X extends Y implements Z { def y() { "}" } }\nfoo()'), '(class X)\n(call foo)');
    assert.equal(s('interface I {}'), '(class I)');
    const a = stmt("@Library('x') _");
    assert.equal(at(a.loc), '1:1-1:16');
    const c = stmt('class A {\n}');
    assert.equal(at(c.loc), '1:1-2:2');
  });

  test('assert is kept as a call of assert', () => {
    assert.equal(s("assert x == 1 : 'msg'"), '(cmd assert (== x 1) "msg")');
    assert.equal(s('assert ok'), '(cmd assert ok)');
  });

  test('shebang, comments, empty file', () => {
    const a = ok("#!/usr/bin/env groovy\n// c\n/* d */\nfoo()");
    assert.equal(a.shebang, '#!/usr/bin/env groovy');
    assert.equal(sexp(a), '(call foo)');
    assert.equal(at(a.body[0]!.loc), '4:1-4:6');
    const empty = ok('');
    assert.deepEqual(empty.body, []);
    assert.equal(empty.shebang, null);
    assert.deepEqual(ok('\n\n  // only a comment\n').body, []);
  });
});

describe('parseExpression', () => {
  test('one expression, with surrounding whitespace and comments', () => {
    assert.equal(e('  env.BRANCH_NAME == "main" // c\n'), '(== (. env BRANCH_NAME) "main")');
  });

  test('anything after the expression is an error', () => {
    const r = parseExpression('a b');
    assert.equal(r.ast, null);
    assert.equal(r.diagnostics[0]!.message, "unexpected 'b' after the end of the expression");
    assert.equal(parseExpression('').diagnostics[0]!.message, 'expected an expression, found nothing');
  });

  test('origin shifts positions into the enclosing file', () => {
    const r = parseExpression('a +\n  b', { origin: { line: 5, col: 10, offset: 100 } });
    const b = r.ast!;
    assert.equal(at(b.loc), '5:10-6:4');
    assert.equal(b.loc.start.offset, 100);
    const bad = parseExpression('a +', { origin: { line: 5, col: 10, offset: 100 } });
    assert.equal(at(bad.diagnostics[0]!.loc), '5:13-5:13');
  });
});

test('sibling blocks may share a line after a closing brace: when { } steps { }', () => {
  const r = parse(`stage('x') { when { branch 'main' } steps { echo 'a' } }\npost { always { echo 'x' } success { echo 'y' } }`);
  assert.equal(r.diagnostics.length, 0, JSON.stringify(r.diagnostics));
  const stage = (r.ast!.body[0] as { expr: CallExpr }).expr;
  assert.deepEqual(stage.closure!.body.map((s) => ((s as { expr: CallExpr }).expr.callee as { name: string }).name), ['when', 'steps']);
  // After a statement that does not end with a brace, a name continues a command chain (Groovy's echo('a').echo('b')).
  assert.equal(parse(`echo 'a' echo 'b'`).diagnostics.length, 0);
  assert.equal(parse(`echo 'a' 'b'`).ast, null);
});

test('a command call inside ${...}: "${tool \'M3\'}/bin"', () => {
  const r = parse(`echo "\${tool 'M3'}/bin"`);
  assert.equal(r.diagnostics.length, 0, JSON.stringify(r.diagnostics));
  const g = ((r.ast!.body[0] as { expr: CallExpr }).expr.args[0]) as unknown as { type: string; exprs: CallExpr[]; parts: string[] };
  assert.equal(g.type, 'GString');
  assert.equal((g.exprs[0]!.callee as { name: string }).name, 'tool');
  assert.deepEqual(g.parts, ['', '/bin']);
});
